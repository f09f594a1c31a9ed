"""Synthetic directories for paging tests and benchmarks: thousands of users without a YAML file."""

from __future__ import annotations

from typing import Any

from smbemu.auth.ntlm_crypto import lm_owf_v1, nt_owf_v1


def make_large_fixture(n_users: int, *, password: str = "Passw0rd!", n_groups: int = 20) -> dict[str, Any]:
    """A fixture dict with ``n_users`` ordinary users (plus Administrator and Guest) for paging tests.

    Users are ``user00001``… (RIDs from 1104), all sharing ``password``, spread over ``n_groups``
    groups (RIDs from 1001, group 1 nested in group 2). Feed it to `directory_from_dict`.
    """
    hashed = nt_owf_v1(password).hex()
    lm = lm_owf_v1(password)
    width = max(5, len(str(n_users)))
    users: list[dict[str, Any]] = [
        {"name": "Administrator", "rid": 500, "password": password},
        {"name": "Guest", "rid": 501, "disabled": True},
    ]
    groups: list[dict[str, Any]] = [
        {"name": f"Team{g + 1:03d}", "rid": 1001 + g, "description": f"Generated group {g + 1}"} for g in range(n_groups)
    ]
    if n_groups >= 2:
        groups[1]["members"] = [groups[0]["name"]]
    for i in range(n_users):
        user: dict[str, Any] = {
            "name": f"user{i + 1:0{width}d}",
            "rid": 1104 + i,
            "full_name": f"Generated User {i + 1}",
            "description": f"Paging test account {i + 1}",
            "nt_hash": hashed,
        }
        if lm is not None:
            user["lm_hash"] = lm.hex()
        if n_groups:
            user["groups"] = ["Domain Users", groups[i % n_groups]["name"]]
        users.append(user)
    return {
        "machine": {"netbios_name": "BIGSRV", "dns_name": "bigsrv.big.local", "sid": "S-1-5-21-1111111111-2222222222-3333333333"},
        "domain": {
            "name": "BIG", "dns_name": "big.local", "sid": "S-1-5-21-4044444444-555555555-666666666",
            "password_policy": {"min_length": 7, "history": 24, "max_age_days": 42, "min_age_days": 1, "complexity": True},
            "lockout_policy": {"threshold": 0, "duration_minutes": 30, "window_minutes": 30},
        },
        "users": users,
        "groups": groups,
        "aliases": [],
        "shares": [],
    }
