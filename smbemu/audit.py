"""The security audit log: the Windows Security events a defender looks for, as JSON lines.

One event per line, flushed as it is written (``--audit-log FILE``, ``-`` for stdout). Event IDs and
field names are Windows' own (the ``EventData`` names of the Security log's XML view, flattened next
to the ``System`` ones), so what a student learns here reads the same in Event Viewer:

=========  ==================================================================================
4624       an account was successfully logged on (LogonType 3, network; NTLM)
4625       an account failed to log on (Status / SubStatus / FailureReason as Windows)
4634       an account was logged off (SMB2 LOGOFF, or the connection went away)
4740       a user account was locked out (the lockout threshold was reached)
5140       a network share object was accessed (TREE_CONNECT; a refusal is an Audit Failure,
           which Windows itself does not log: an smbemu addition)
5145       a network share object was checked to see whether the client can be granted the
           desired access (CREATE of a named pipe; AccessReason = the policy rule)
"RPC"      smbemu's own event: one DCE/RPC call (interface, operation, principal, the policy
           rule that allowed or denied it, the status returned)
=========  ==================================================================================

Every event carries ``EventID``, ``TimeCreated`` (ISO 8601 UTC), ``Computer``, ``Channel``
(Security), ``Provider`` and ``Keywords`` (``Audit Success`` / ``Audit Failure``).

Nothing here is on the request path unless a log is configured (``ServerConfig.audit`` is None
otherwise); the helpers return at once in that case.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING, Any, Final

from smbemu.errors import ConfigError

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.state import Principal, Session

__all__ = [
    "AuditLog", "open_audit_log", "logon_success", "logon_failure", "logoff", "account_locked_out",
    "share_access", "share_object_check", "rpc_call", "rpc_call_hook", "sid_of", "logon_id",
    "AUDIT_SUCCESS", "AUDIT_FAILURE", "RPC_EVENT_ID", "FAILURE_REASONS",
]

AUDIT_SUCCESS: Final = "Audit Success"
AUDIT_FAILURE: Final = "Audit Failure"
RPC_EVENT_ID: Final = "RPC"
PROVIDER: Final = "Microsoft-Windows-Security-Auditing"
NULL_SID: Final = "S-1-0-0"
ANONYMOUS_SID: Final = "S-1-5-7"
SYSTEM_SID: Final = "S-1-5-18"
IPC_SHARE: Final = "\\\\*\\IPC$"

#: 4625 FailureReason text by Status (Windows' message strings %%2304, %%2307, %%2310, %%2313).
FAILURE_REASONS: Final[dict[int, str]] = {
    0xC000006D: "Unknown user name or bad password.",
    0xC0000234: "Account locked out.",
    0xC000006E: "Account currently disabled.",
    0: "An Error occured during Logon.",
}
#: 4625 Status / SubStatus by the NTSTATUS the client gets (MS docs for event 4625).
_STATUS_PAIRS: Final[dict[int, tuple[int, int]]] = {
    0xC0000234: (0xC0000234, 0x0),  # STATUS_ACCOUNT_LOCKED_OUT
    0xC0000072: (0xC000006E, 0xC0000072),  # STATUS_ACCOUNT_RESTRICTION / STATUS_ACCOUNT_DISABLED
}


def _hex(value: int) -> str:
    return f"0x{value:X}"


def _status(value: int) -> str:
    return f"0x{value:08X}"


class _Sink:
    """A text stream shared by the audit logs writing to it (several hosts, reloads)."""

    def __init__(self, stream: IO[str], close: bool) -> None:
        self.stream = stream
        self.close_stream = close
        self.lock = threading.Lock()

    def write(self, line: str) -> None:
        with self.lock:
            try:
                self.stream.write(line + "\n")
                self.stream.flush()
            except (OSError, ValueError):  # a closed or full stream must not take the server down
                pass


class AuditLog:
    """A sink of audit events: JSON lines on a text stream, flushed per event.

    ``computer`` is the ``Computer`` field (the machine's DNS name, else its NetBIOS name);
    ``clock`` gives the event time (injectable for tests). Thread-safe (one lock per line).
    """

    def __init__(self, stream: IO[str] | _Sink, computer: str = "", *, close: bool = False,
                 clock: Callable[[], datetime] | None = None) -> None:
        self._sink = stream if isinstance(stream, _Sink) else _Sink(stream, close)
        self.computer = computer
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(timezone.utc))

    @property
    def stream(self) -> IO[str]:
        return self._sink.stream

    def emit(self, event_id: int | str, success: bool, fields: dict[str, Any]) -> dict[str, Any]:
        """Write one event; returns it (a dict) for callers and tests."""
        moment = self.clock().astimezone(timezone.utc)
        event: dict[str, Any] = {
            "EventID": event_id,
            "TimeCreated": moment.isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "Computer": self.computer,
            "Channel": "Security",
            "Provider": PROVIDER if isinstance(event_id, int) else "smbemu",
            "Keywords": AUDIT_SUCCESS if success else AUDIT_FAILURE,
        }
        event.update(fields)
        self._sink.write(json.dumps(event, ensure_ascii=False))
        return event

    def close(self) -> None:
        sink = self._sink
        if sink.close_stream:
            for path, shared in list(_SINKS.items()):
                if shared is sink:
                    del _SINKS[path]
            try:
                sink.stream.close()
            except OSError:  # pragma: no cover
                pass


#: Files already open for an audit log, by resolved path: hosts and reloads share one stream.
_SINKS: dict[str, _Sink] = {}


def open_audit_log(target: str | IO[str] | AuditLog | None, computer: str = "") -> AuditLog | None:
    """``-`` = stdout, a path (appended to; one stream per file in the process), an open text
    stream, an AuditLog (used as is), or None (no log)."""
    if target is None or isinstance(target, AuditLog):
        return target
    if isinstance(target, str):
        if target == "-":
            return AuditLog(sys.stdout, computer)
        key = os.path.realpath(target)
        sink = _SINKS.get(key)
        if sink is None or sink.stream.closed:
            try:
                stream = open(target, "a", encoding="utf-8")  # noqa: SIM115
            except OSError as exc:
                raise ConfigError("--audit-log", target, f"cannot open for writing: {exc.strerror}") from None
            sink = _SINKS[key] = _Sink(stream, True)
        return AuditLog(sink, computer)
    return AuditLog(target, computer)


# ---------------------------------------------------------------------------------- identities

def logon_id(session_id: int) -> str:
    """A session's TargetLogonId / SubjectLogonId (Windows prints a LUID in hex)."""
    return _hex(session_id)


def sid_of(config: ServerConfig, principal: Principal) -> str:
    """The principal's SID: S-1-5-7 for ANONYMOUS LOGON, the account's SID otherwise."""
    if principal.is_anonymous:
        return ANONYMOUS_SID
    user = config.directory.find_user(principal.user_name) if principal.user_name else None
    return str(user.sid) if user is not None else NULL_SID


def _target(config: ServerConfig, principal: Principal) -> tuple[str, str, str]:
    """(TargetUserSid, TargetUserName, TargetDomainName) as 4624 / 4634 print them."""
    if principal.is_anonymous:
        return ANONYMOUS_SID, "ANONYMOUS LOGON", "NT AUTHORITY"
    user = config.directory.find_user(principal.user_name) if principal.user_name else None
    name = user.name if user is not None else principal.user_name
    domain = config.directory.account_domain.name
    return (str(user.sid) if user is not None else NULL_SID), name, domain


def _subject(config: ServerConfig, session: Session) -> dict[str, Any]:
    sid, name, domain = _target(config, session.principal)
    return {"SubjectUserSid": sid, "SubjectUserName": name, "SubjectDomainName": domain,
            "SubjectLogonId": logon_id(session.session_id)}


def _peer(peer: tuple[str, int] | None) -> dict[str, Any]:
    if not peer:
        return {"IpAddress": "-", "IpPort": "-"}
    return {"IpAddress": peer[0], "IpPort": str(peer[1])}


def computer_name(config: ServerConfig) -> str:
    machine = config.directory.machine
    return str(machine.dns_name or machine.netbios_name)


def _log(config: ServerConfig) -> AuditLog | None:
    return getattr(config, "audit", None)


# ---------------------------------------------------------------------------------- logons

def logon_success(config: ServerConfig, principal: Principal, *, session_id: int, key_length: int,
                  peer: tuple[str, int] | None) -> dict[str, Any] | None:
    """4624: an account was successfully logged on (network logon through NTLMSSP)."""
    audit = _log(config)
    if audit is None:
        return None
    sid, name, domain = _target(config, principal)
    return audit.emit(4624, True, {
        "SubjectUserSid": NULL_SID, "SubjectUserName": "-", "SubjectDomainName": "-",
        "SubjectLogonId": "0x0",
        "TargetUserSid": sid, "TargetUserName": name, "TargetDomainName": domain,
        "TargetLogonId": logon_id(session_id),
        "LogonType": 3, "LogonProcessName": "NtLmSsp ", "AuthenticationPackageName": "NTLM",
        "WorkstationName": principal.workstation or "-",
        "LogonGuid": "{00000000-0000-0000-0000-000000000000}", "TransmittedServices": "-",
        "LmPackageName": principal.package if principal.package and not principal.is_anonymous else "-",
        "KeyLength": key_length, "ProcessId": "0x0", "ProcessName": "-",
        **_peer(peer),
        "ImpersonationLevel": "Impersonation",
    })


def logon_failure(config: ServerConfig, *, user_name: str, domain_name: str, workstation: str,
                  status: int, sub_status: int | None = None,
                  peer: tuple[str, int] | None) -> dict[str, Any] | None:
    """4625: an account failed to log on. ``status`` is what the client was answered;
    ``sub_status`` the detail (0xC000006A wrong password, 0xC0000064 no such user)."""
    audit = _log(config)
    if audit is None:
        return None
    if sub_status is None:
        status, sub_status = _STATUS_PAIRS.get(status, (status, 0))
    return audit.emit(4625, False, {
        "SubjectUserSid": NULL_SID, "SubjectUserName": "-", "SubjectDomainName": "-",
        "SubjectLogonId": "0x0",
        "TargetUserSid": NULL_SID, "TargetUserName": user_name, "TargetDomainName": domain_name,
        "Status": _status(status), "FailureReason": FAILURE_REASONS.get(status, FAILURE_REASONS[0]),
        "SubStatus": _status(sub_status),
        "LogonType": 3, "LogonProcessName": "NtLmSsp ", "AuthenticationPackageName": "NTLM",
        "WorkstationName": workstation or "-", "TransmittedServices": "-", "LmPackageName": "-",
        "KeyLength": 0, "ProcessId": "0x0", "ProcessName": "-",
        **_peer(peer),
    })


def account_locked_out(config: ServerConfig, *, user_name: str, user_sid: str,
                       workstation: str) -> dict[str, Any] | None:
    """4740: a user account was locked out. The subject is the machine's own account (SYSTEM
    acting as ``NAME$``); TargetDomainName carries the Caller Computer Name, as on Windows."""
    audit = _log(config)
    if audit is None:
        return None
    directory = config.directory
    machine = directory.machine.netbios_name.upper()
    return audit.emit(4740, True, {
        "TargetUserName": user_name, "TargetDomainName": workstation or "-",
        "TargetSid": user_sid,
        "SubjectUserSid": SYSTEM_SID, "SubjectUserName": f"{machine}$",
        "SubjectDomainName": (directory.domain.name if directory.domain is not None and directory.role != "standalone"
                              else machine),
        "SubjectLogonId": "0x3E7",
        "CallerComputerName": workstation or "-",
    })


def logoff(config: ServerConfig, session: Session) -> dict[str, Any] | None:
    """4634: an account was logged off."""
    audit = _log(config)
    if audit is None:
        return None
    sid, name, domain = _target(config, session.principal)
    return audit.emit(4634, True, {
        "TargetUserSid": sid, "TargetUserName": name, "TargetDomainName": domain,
        "TargetLogonId": logon_id(session.session_id), "LogonType": 3,
    })


# ---------------------------------------------------------------------------------- shares

def share_access(config: ServerConfig, session: Session, peer: tuple[str, int] | None, share: str,
                 *, allowed: bool, reason: str, access_mask: int = 0x1) -> dict[str, Any] | None:
    """5140: a network share object was accessed (TREE_CONNECT)."""
    audit = _log(config)
    if audit is None:
        return None
    fields = {
        **_subject(config, session), "ObjectType": "File", **_peer(peer),
        "ShareName": f"\\\\*\\{share}", "ShareLocalPath": "",
        "AccessMask": _hex(access_mask), "AccessList": "ReadData (or ListDirectory)",
        "AccessReason": reason,
    }
    return audit.emit(5140, allowed, fields)


def share_object_check(config: ServerConfig, session: Session, peer: tuple[str, int] | None,
                       share: str, relative_target: str, access_mask: int, *, allowed: bool,
                       reason: str) -> dict[str, Any] | None:
    """5145: detailed file share access check (CREATE of a named pipe on IPC$)."""
    audit = _log(config)
    if audit is None:
        return None
    return audit.emit(5145, allowed, {
        **_subject(config, session), "ObjectType": "File", **_peer(peer),
        "ShareName": f"\\\\*\\{share}", "ShareLocalPath": "",
        "RelativeTargetName": relative_target, "AccessMask": _hex(access_mask),
        "AccessList": _access_list(access_mask),
        "AccessReason": reason,
        "Result": "access granted" if allowed else "access denied",
    })


_ACCESS_NAMES: Final = (
    (0x1, "ReadData (or ListDirectory)"), (0x2, "WriteData (or AddFile)"),
    (0x4, "AppendData (or AddSubdirectory or CreatePipeInstance)"), (0x8, "ReadEA"),
    (0x10, "WriteEA"), (0x20, "Execute/Traverse"), (0x40, "DeleteChild"), (0x80, "ReadAttributes"),
    (0x100, "WriteAttributes"), (0x10000, "DELETE"), (0x20000, "READ_CONTROL"), (0x40000, "WRITE_DAC"),
    (0x80000, "WRITE_OWNER"), (0x100000, "SYNCHRONIZE"), (0x1000000, "ACCESS_SYS_SEC"),
)


def _access_list(mask: int) -> str:
    names = [name for bit, name in _ACCESS_NAMES if mask & bit]
    return " ".join(names) if names else "-"


# ---------------------------------------------------------------------------------- RPC

def rpc_call(config: ServerConfig, session: Session, peer: tuple[str, int] | None, *, pipe: str,
             interface: str, operation: str, opnum: int | None, principal: Any, status: int,
             fault: bool, reason: str, allowed: bool) -> dict[str, Any] | None:
    """smbemu's "RPC" event: one DCE/RPC call and the policy rule that decided it."""
    audit = _log(config)
    if audit is None:
        return None
    subject = _subject(config, session)
    raw_kind: Any = getattr(principal, "kind", "")
    kind = str(getattr(raw_kind, "value", raw_kind))
    rpc_user: str = str(getattr(principal, "user_name", "") or "")
    if rpc_user and rpc_user != session.principal.user_name:
        # DCE/RPC authentication established another identity on this pipe.
        subject["SubjectUserName"] = rpc_user
        subject["SubjectDomainName"] = str(getattr(principal, "domain", "") or "") or subject["SubjectDomainName"]
    return audit.emit(RPC_EVENT_ID, allowed and not fault, {
        **subject, "PrincipalKind": kind, **_peer(peer),
        "PipeName": pipe, "InterfaceName": interface, "OperationName": operation,
        "Opnum": opnum if opnum is not None else "-",
        "Status": _status(status), "Fault": fault,
        "PolicyReason": reason,
    })


def rpc_call_hook(config: ServerConfig, session: Session, peer: tuple[str, int] | None,
                  pipe: str) -> Callable[..., None]:
    """The ``on_call(ctx, interface, operation_name, status, reason)`` callback an
    `smbemu.rpc.endpoint.RpcEndpoint` calls after each call. ``reason`` is the runtime's own
    (a fault before any handler ran) or None: then the policy decision the handler asked for."""

    def on_call(ctx: Any, interface: str, operation_name: str, status: int, reason: str | None,
                *, fault: bool = False, opnum: int | None = None) -> None:
        decision = getattr(ctx, "decision", None)  # the enforcement point's (smbemu.rpc)
        allowed = True
        if reason is None:
            if decision is not None:
                reason, allowed = decision.reason, decision.allowed
            else:
                reason = f"allow {interface} {operation_name}: no policy check applies"
        else:
            allowed = False
        rpc_call(config, session, peer, pipe=pipe, interface=interface, operation=operation_name,
                 opnum=opnum, principal=getattr(ctx, "principal", None), status=status, fault=fault,
                 reason=reason, allowed=allowed)

    return on_call
