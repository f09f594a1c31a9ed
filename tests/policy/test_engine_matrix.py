"""Every row of cases.yaml, decided by the policy engine alone (no sockets): the first step the
engine refuses, and its status, must be the row's expectation."""

from __future__ import annotations

from typing import Any

from smbemu.policy import Policy, first_refusal
from smbemu.profiles import load_profile

_POLICIES: dict[tuple[str, tuple[str, ...]], Policy] = {}


def _policy(profile: str, overrides: tuple[str, ...]) -> Policy:
    key = (profile, overrides)
    if key not in _POLICIES:
        _POLICIES[key] = Policy(load_profile(profile, overrides))
    return _POLICIES[key]


def test_engine_matrix(case: Any, label: Any) -> None:
    refusal = first_refusal(_policy(case.profile, case.overrides), case.principal, case.steps)
    got = (None, 0) if refusal is None else (label(refusal[0]), refusal[1].status)
    assert got == (case.step, case.status), f"{case.id} ({case.ref}): {refusal[1].reason if refusal else 'allowed'}"
