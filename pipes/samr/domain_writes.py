"""SamrSetInformationDomain (MS-SAMR 3.1.5.6.1): an administrator changes the domain's password,
lockout and forced-logoff policies, its OEM information and its replica source node name.

The order is the package's: the handle (``lookup_handle``: a domain handle, holding the right of
the class, MS-SAMR 3.1.2.2's table -- DOMAIN_WRITE_PASSWORD_PARAMS for DomainPasswordInformation
and DomainLockoutInformation, DOMAIN_WRITE_OTHER_PARAMETERS for DomainLogoffInformation and
DomainOemInformation, DOMAIN_ADMINISTER_SERVER for DomainReplicationInformation,
DomainServerRoleInformation and DomainStateInformation), a class the table does not name
STATUS_INVALID_INFO_CLASS (W: impacket's test_hSamrQueryInformationDomain_hSamrSetInformationDomain,
written against a DC, expects it for DomainGeneralInformation), then the one enforcement point
(``ctx.decide``: administrators -- the default DACLs give nobody else these rights, MS-SAMR
3.1.5.12.2.1), then the class's own checks:

* DomainPasswordInformation (3.1.5.6.1.3): both ages valid delta times (2.2.4.5: not positive),
  MaxPasswordAge longer than MinPasswordAge, MinPasswordLength at most 1024; a history longer
  than 24 is refused too (U: the bound of Windows' policy editor, the fixture's); each an
  error, STATUS_INVALID_PARAMETER here (U: the spec says "an error").
* DomainLockoutInformation: both times valid deltas, the observation window not longer than the
  duration (U: the rule of Windows' policy editor; the spec section names no check) --
  STATUS_INVALID_PARAMETER.
* DomainLogoffInformation: a valid delta.
* DomainServerRoleInformation, DomainStateInformation: the emulation models neither a backup role
  nor a disabled SAM, so they are STATUS_INVALID_INFO_CLASS after the access check (U).

The change lives in the directory (`smbemu.directory.domain_settings`): every later
SamrQueryInformationDomain / 2 on every connection answers the value set, the checks the
directory makes (length, history, complexity, ages, lockout) use it, ``--state`` keeps it.  The
Security log gets 4739, "Domain Policy was changed" (`smbemu.audit_domain_policy`).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.events import DomainPolicyChanged
from smbemu.policy.access import (
    DOMAIN_ADMINISTER_SERVER,
    DOMAIN_WRITE_OTHER_PARAMETERS,
    DOMAIN_WRITE_PASSWORD_PARAMS,
)
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import Pointer, uint16
from smbemu.status import STATUS_INVALID_INFO_CLASS, STATUS_INVALID_PARAMETER, STATUS_SUCCESS

from .objects import DOMAIN, INTERFACE, directory_of, error_response, lookup_handle
from .types import DELTA_NEVER, SAMPR_DOMAIN_INFO_BUFFER, SAMPR_HANDLE

#: MS-SAMR 3.1.2.2, SamrSetInformationDomain: the right each settable class needs.
SET_CLASS_ACCESS: Final[dict[int, int]] = {
    1: DOMAIN_WRITE_PASSWORD_PARAMS, 12: DOMAIN_WRITE_PASSWORD_PARAMS,
    3: DOMAIN_WRITE_OTHER_PARAMETERS, 4: DOMAIN_WRITE_OTHER_PARAMETERS,
    6: DOMAIN_ADMINISTER_SERVER, 7: DOMAIN_ADMINISTER_SERVER, 9: DOMAIN_ADMINISTER_SERVER,
}
#: Classes the table names that the emulation does not change (see the module docstring).
_NOT_MODELLED: Final = frozenset({7, 9})
#: MS-SAMR 3.1.5.6.1.3: "If ... MinPasswordLength is greater than 1024, then an error MUST be
#: returned."
MAX_MIN_PASSWORD_LENGTH: Final = 1024
#: The fixture's (and Windows' policy editor's) longest password history (U for SAMR).
MAX_PASSWORD_HISTORY: Final = 24
#: The 4739 "Change Type" of each class (Microsoft's event-4739 page: "Password Policy",
#: "Lockout Policy"; U for the logoff and OEM classes, which it does not name).
_CHANGE_TYPE: Final = {1: "Password Policy", 12: "Lockout Policy", 3: "Logoff Policy",
                       4: "Password Policy"}


def delta_problem(value: int) -> str | None:
    """Why ``value`` is not a delta time (MS-SAMR 2.2.4.5: a relative time is zero or negative;
    a positive value is an absolute time), None when it is one."""
    return f"{value} is positive (an absolute time, not a delta)" if value > 0 else None


def _large(value: Any) -> int:
    """An OLD_LARGE_INTEGER ({LowPart, HighPart}) or a plain 64-bit value as a signed int."""
    if isinstance(value, dict):
        return (int(value["HighPart"]) << 32) | (int(value["LowPart"]) & 0xFFFFFFFF)
    return int(value)


def _duration(delta: int) -> int:
    """A delta time as a length of time, "never" the longest."""
    return (1 << 64) if delta == DELTA_NEVER else -delta


def _password_settings(info: dict[str, Any]) -> dict[str, Any] | None:
    values = {"min_length": int(info["MinPasswordLength"]), "history": int(info["PasswordHistoryLength"]),
              "properties": int(info["PasswordProperties"]),
              "max_age": _large(info["MaxPasswordAge"]), "min_age": _large(info["MinPasswordAge"])}
    if delta_problem(values["max_age"]) or delta_problem(values["min_age"]):
        return None
    if _duration(values["max_age"]) <= _duration(values["min_age"]):
        return None
    if values["min_length"] > MAX_MIN_PASSWORD_LENGTH or values["history"] > MAX_PASSWORD_HISTORY:
        return None
    return values


def _lockout_settings(info: dict[str, Any]) -> dict[str, Any] | None:
    values = {"lockout_threshold": int(info["LockoutThreshold"]),
              "lockout_duration": _large(info["LockoutDuration"]),
              "lockout_window": _large(info["LockoutObservationWindow"])}
    if delta_problem(values["lockout_duration"]) or delta_problem(values["lockout_window"]):
        return None
    if values["lockout_window"] == 0 or (
            _duration(values["lockout_window"]) > _duration(values["lockout_duration"])
            and values["lockout_duration"] != 0):
        return None
    return values


def settings_of(info_class: int, info: dict[str, Any]) -> dict[str, Any] | None:
    """The directory settings ``info`` (the class's structure) sets; None when it breaks a rule."""
    if info_class == 1:
        return _password_settings(info)
    if info_class == 12:
        return _lockout_settings(info)
    if info_class == 3:
        value = _large(info["ForceLogoff"])
        return None if delta_problem(value) else {"force_logoff": value}
    if info_class == 4:
        return {"oem_information": str(info["OemInformation"] or "")}
    return {"replica_source": str(info["ReplicaSourceNodeName"] or "")}


def _report(ctx: CallContext, domain: Any, info_class: int, values: dict[str, Any]) -> None:
    """4739 through the server's observers (nothing is built when nobody listens); the replica
    source is no field of 4739: not reported (U)."""
    observers = getattr(ctx.server, "observers", None)
    if not observers or info_class not in _CHANGE_TYPE:
        return
    directory = directory_of(ctx)
    name = "Builtin" if domain is directory.builtin_domain else str(domain.name)
    observers.emit(DomainPolicyChanged(
        principal=ctx.principal, session_id=ctx.session_id, change_type=_CHANGE_TYPE[info_class],
        domain_name=name, domain_sid=str(domain.sid),
        values=tuple((key, value) for key, value in values.items())))


@INTERFACE.operation(9, "SamrSetInformationDomain",
                     request=[("DomainHandle", SAMPR_HANDLE), ("DomainInformationClass", uint16),
                              ("DomainInformation", Pointer(SAMPR_DOMAIN_INFO_BUFFER, "ref"))],
                     response=[])
def SamrSetInformationDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.6.1 (see the module docstring)."""
    info_class = request["DomainInformationClass"]
    need = SET_CLASS_ACCESS.get(info_class)
    entry, status = lookup_handle(ctx, request["DomainHandle"], (DOMAIN.kind,), need or 0)
    if entry is None:
        return error_response(ctx, status)
    if need is None:
        return error_response(ctx, STATUS_INVALID_INFO_CLASS)
    status = ctx.decide("SamrSetInformationDomain", info_class).status
    if status:
        return error_response(ctx, status)
    if info_class in _NOT_MODELLED:
        return error_response(ctx, STATUS_INVALID_INFO_CLASS)
    buffer = request["DomainInformation"]
    tag, info = buffer if isinstance(buffer, tuple) else (info_class, buffer)
    if tag != info_class or not isinstance(info, dict):
        return error_response(ctx, STATUS_INVALID_PARAMETER)
    values = settings_of(info_class, info)
    if values is None:
        return error_response(ctx, STATUS_INVALID_PARAMETER)
    domain = entry.obj.domain
    directory_of(ctx).set_domain_settings(domain, values)
    _report(ctx, domain, info_class, values)
    return {"ReturnValue": STATUS_SUCCESS}
