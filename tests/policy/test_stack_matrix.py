"""Every row of cases.yaml through the real stack: a server per (profile, --set) on 127.0.0.1,
impacket's SMBConnection and DCE/RPC over ncacn_np, the exact status at the exact step."""

from __future__ import annotations

from typing import Any

import pytest

from smbemu.rpc.registry import Registry

pytestmark = pytest.mark.interop

SERVED = Registry.load().pipe_names() | {""}


def _pipes_of(case: Any) -> set[str]:
    return {step.name for step in case.steps if step.step == "pipe-open"}


def test_stack_matrix(case: Any, servers: Any, stack_client: Any) -> None:
    missing = _pipes_of(case) - SERVED
    assert case.pending or not missing, f"{case.id}: no handler for {missing}; mark the row pending in cases.yaml"
    client = stack_client(servers.get(case.profile, case.overrides), case.principal)
    got = client.run(case.steps) if not missing else ("(pipe not served)", None)
    expected = (case.step, case.status)
    if case.pending:
        # Pending is never a silent pass: a pending row that now passes must be un-pended.
        assert got != expected, f"{case.id} is marked pending ({case.pending}) but passes; remove `pending`"
        pytest.skip(f"PENDING: {case.pending} (got {_show(got)})")
    assert got == expected, f"{case.id} ({case.ref}): got {_show(got)}, expected {_show(expected)}"


def _show(result: tuple[str | None, int | None]) -> str:
    step, status = result
    if step is None:
        return "allowed"
    return f"{step} → " + (f"0x{status:08X}" if isinstance(status, int) else repr(status))
