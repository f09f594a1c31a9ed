"""The SCM's and services' default DACLs as rights per caller (MS-SCMR 3.1.4; Microsoft's
"Service Security and Access Rights", D, for the SCM: Administrators SC_MANAGER_ALL_ACCESS,
remote authenticated users SC_MANAGER_CONNECT; and the default service DACL)."""

from __future__ import annotations

from typing import Final

from smbemu.policy import Require, Rule, policy_for
from smbemu.rpc import CallContext

SC_MANAGER_CONNECT: Final = 0x0001
SC_MANAGER_CREATE_SERVICE: Final = 0x0002
SC_MANAGER_ENUMERATE_SERVICE: Final = 0x0004
SC_MANAGER_LOCK: Final = 0x0008
SC_MANAGER_QUERY_LOCK_STATUS: Final = 0x0010
SC_MANAGER_MODIFY_BOOT_CONFIG: Final = 0x0020
SC_MANAGER_ALL_ACCESS: Final = 0x000F003F
SERVICE_QUERY_CONFIG: Final = 0x0001
SERVICE_QUERY_STATUS: Final = 0x0004
SERVICE_ENUMERATE_DEPENDENTS: Final = 0x0008
SERVICE_INTERROGATE: Final = 0x0080
SERVICE_USER_DEFINED_CONTROL: Final = 0x0100
SERVICE_ALL_ACCESS: Final = 0x000F01FF
READ_CONTROL: Final = 0x00020000
MAXIMUM_ALLOWED: Final = 0x02000000
GENERIC_READ: Final = 0x80000000
GENERIC_WRITE: Final = 0x40000000
GENERIC_EXECUTE: Final = 0x20000000
GENERIC_ALL: Final = 0x10000000

#: MS-SCMR 3.1.4: GENERIC_* of the SCM object (read / write / execute / all).
_MANAGER_GENERIC: Final = (READ_CONTROL | SC_MANAGER_ENUMERATE_SERVICE | SC_MANAGER_QUERY_LOCK_STATUS,
                           READ_CONTROL | SC_MANAGER_CREATE_SERVICE | SC_MANAGER_MODIFY_BOOT_CONFIG,
                           READ_CONTROL | SC_MANAGER_CONNECT | SC_MANAGER_LOCK,
                           SC_MANAGER_ALL_ACCESS)
#: ... and of a service object.
_SERVICE_GENERIC: Final = (READ_CONTROL | SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS
                           | SERVICE_INTERROGATE | SERVICE_ENUMERATE_DEPENDENTS,
                           READ_CONTROL | 0x0002,
                           READ_CONTROL | 0x0010 | 0x0020 | 0x0040 | SERVICE_USER_DEFINED_CONTROL,
                           SERVICE_ALL_ACCESS)

#: Remote authenticated users on the SCM: SC_MANAGER_CONNECT from XP SP2 / 2003 SP1 on (D:
#: "Service Security and Access Rights"); before (2000, NT 4) the DACL gave Authenticated
#: Users CONNECT | ENUMERATE_SERVICE | QUERY_LOCK_STATUS | READ_CONTROL (W).
_USER_MANAGER_MODERN: Final = SC_MANAGER_CONNECT
_USER_MANAGER_LEGACY: Final = (SC_MANAGER_CONNECT | SC_MANAGER_ENUMERATE_SERVICE
                               | SC_MANAGER_QUERY_LOCK_STATUS | READ_CONTROL)
#: The default service DACL's Authenticated Users ACE "CCLCSWLOCRRC" (D: sc sdshow of a
#: default service): QUERY_CONFIG, QUERY_STATUS, ENUMERATE_DEPENDENTS, INTERROGATE,
#: USER_DEFINED_CONTROL, READ_CONTROL.
_USER_SERVICE: Final = (SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS | SERVICE_ENUMERATE_DEPENDENTS
                        | SERVICE_INTERROGATE | SERVICE_USER_DEFINED_CONTROL | READ_CONTROL)

_ADMINISTRATORS: Final = Rule(Require.ADMINISTRATORS, source="SCM / service DACL (D)")
_AUTHENTICATED: Final = Rule(Require.AUTHENTICATED, source="SCM / service DACL (D)")


def _holds(ctx: CallContext, rule: Rule, what: str) -> bool:
    return policy_for(ctx.server).decide_rule(ctx.principal, "svcctl", what, rule,
                                              returns="error_status_t").allowed


def manager_rights(ctx: CallContext) -> int:
    if _holds(ctx, _ADMINISTRATORS, "SCM DACL"):
        return SC_MANAGER_ALL_ACCESS
    if _holds(ctx, _AUTHENTICATED, "SCM DACL"):
        legacy = ctx.server.profile.identity.version < (5, 1)
        return _USER_MANAGER_LEGACY if legacy else _USER_MANAGER_MODERN
    return 0


def service_rights(ctx: CallContext) -> int:
    if _holds(ctx, _ADMINISTRATORS, "service DACL"):
        return SERVICE_ALL_ACCESS
    return _USER_SERVICE if _holds(ctx, _AUTHENTICATED, "service DACL") else 0


def wanted(desired: int, held: int, *, manager: bool) -> int | None:
    """The access granted for ``desired`` (generic rights mapped, MAXIMUM_ALLOWED = all that
    is held), or None when any asked right is not held."""
    generic = _MANAGER_GENERIC if manager else _SERVICE_GENERIC
    mapped = desired & 0x0FFFFFFF & ~MAXIMUM_ALLOWED
    for bit, rights in zip((GENERIC_READ, GENERIC_WRITE, GENERIC_EXECUTE, GENERIC_ALL), generic):
        if desired & bit:
            mapped |= rights
    if mapped & ~held:
        return None
    if desired & MAXIMUM_ALLOWED:
        return held if held else None
    # Windows grants SC_MANAGER_CONNECT with any SCM open (MS-SCMR 3.1.4.15).
    return mapped | (SC_MANAGER_CONNECT if manager and held & SC_MANAGER_CONNECT else 0)
