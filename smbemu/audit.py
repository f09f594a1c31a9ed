"""The security audit log: the Windows Security events a defender looks for, as JSON lines.

One event per line, flushed as it is written (``--audit-log FILE``, ``-`` for stdout). Event IDs and
field names are Windows' own (the ``EventData`` names of the Security log's XML view, flattened next
to the ``System`` ones), so what a student learns here reads the same in Event Viewer:

=========  ==================================================================================
4624       an account was successfully logged on (LogonType 3, network; NTLM)
4625       an account failed to log on (Status / SubStatus / FailureReason as Windows)
4634       an account was logged off (SMB2 LOGOFF, the connection went away, or an
           authenticated ncacn_ip_tcp connection closed)
4776/4672  credentials validated (NTLM) / special privileges assigned to the new logon, written
           before its 4624 when the audit policy audits them (audit_logon)
4740       a user account was locked out (the lockout threshold was reached)
5140       a network share object was accessed (TREE_CONNECT; a refusal is an Audit Failure,
           which Windows itself does not log: an smbemu addition)
5145       a network share object was checked to see whether the client can be granted the
           desired access (CREATE of a named pipe; AccessReason = the policy rule)
4720/4741  a user / computer account was created (SAMR); 4726/4743 deleted; 4738/4742 changed
4722/4725  a user account was enabled / disabled
4723/4724  an attempt was made to change / reset an account's password (Audit Failure when refused);
           4767 a user account was unlocked
4728/4729  a member was added to / removed from a security-enabled global group (SAMR group)
4732/4733  a member was added to / removed from a security-enabled local group (SAMR alias)
4756/4757  ... a security-enabled universal group (Enterprise / Schema Admins on a DC)
100001     smbemu's own event: one DCE/RPC call (interface, operation, principal, what was
           decided -- PolicyDecision, PolicyRule, PolicyReason -- and the status returned)
100002     smbemu's own event: one RAP call on \\PIPE\\LANMAN (command, opcode, level, the
           decision of its DCE/RPC twin, the Win32 status returned)
100003     smbemu's own event: a spooler callback ("printer bug") was requested (audit_spooler); 4662: audit_replication
=========  ==================================================================================

Every event carries ``EventID`` (always an integer), ``TimeCreated`` (ISO 8601 UTC),
``Computer``, ``Channel`` (Security), ``Provider`` and ``Keywords`` (``Audit Success`` /
``Audit Failure``).  smbemu's own events are numbered from 100000 (:data:`SMBEMU_EVENT_IDS`):
Windows' EventID is 16 bits (an ETW ``EVENT_DESCRIPTOR``'s ``Id`` is a USHORT), so no Windows
event carries one, and ``EventID`` keeps one JSON type across the log (a pipeline maps a field to
one type).  Their ``Provider`` is ``smbemu``, not ``Microsoft-Windows-Security-Auditing``:
``jq 'select(.EventID == 100001)'`` or ``jq 'select(.Provider == "smbemu")'``.

The log is an observer (`smbemu.events`): :func:`subscribe` attaches it to a server's
``ServerConfig.observers``, and the protocol path (commands, connection, logon, the RPC
runtime) only emits events -- none of it imports this module.  Nothing is built unless a log is
subscribed (``config.observers`` is falsy otherwise).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING, Any, Final

from smbemu import (audit_accounts, audit_domain_policy, audit_logon, audit_policy_changes,
                    audit_replication, audit_services, audit_shares, audit_spooler, audit_tasks, events)
from smbemu.audit_subject import ANONYMOUS_SID, NULL_SID, ServerText, identity_fields, logon_id, subject_fields
from smbemu.audit_files import AuditTarget, LineSink, RecentEvents, RotatingFile
from smbemu.errors import ConfigError
from smbemu.safelog import escape_client_text
from smbemu.status import ERROR_ACCESS_DENIED, STATUS_ACCESS_DENIED, NtStatus, status_hex

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.principal import Principal
    from smbemu.state import Session

__all__ = [
    "AuditLog", "AuditObserver", "subscribe", "open_audit_log", "logon_success", "logon_failure",
    "logoff", "account_locked_out", "share_access", "share_object_check", "rpc_call", "rpc_verdict",
    "sid_of", "logon_id", "AUDIT_SUCCESS", "AUDIT_FAILURE", "RPC_EVENT_ID", "RAP_EVENT_ID",
    "SMBEMU_EVENT_IDS", "rap_call",
    "FAILURE_REASONS", "AuditTarget",
]

AUDIT_SUCCESS: Final = "Audit Success"
AUDIT_FAILURE: Final = "Audit Failure"
#: smbemu's own events: above every 16-bit Windows EventID (see the module docstring).
SMBEMU_EVENT_IDS: Final = range(100000, 200000)
#: One DCE/RPC call (smbemu's own event; Windows logs none).
RPC_EVENT_ID: Final = 100001
#: One RAP call on \\PIPE\\LANMAN (smbemu's own event).
RAP_EVENT_ID: Final = 100002
PROVIDER: Final = "Microsoft-Windows-Security-Auditing"
SMBEMU_PROVIDER: Final = "smbemu"
SYSTEM_SID: Final = "S-1-5-18"
IPC_SHARE: Final = "\\\\*\\IPC$"

#: 4625 FailureReason text by Status (Windows' message strings %%2304, %%2307, %%2310, %%2313).
FAILURE_REASONS: Final[dict[int, str]] = {
    NtStatus.LOGON_FAILURE: "Unknown user name or bad password.",
    NtStatus.ACCOUNT_LOCKED_OUT: "Account locked out.",
    NtStatus.ACCOUNT_RESTRICTION: "Account currently disabled.",
    0: "An Error occured during Logon.",
}
#: 4625 Status / SubStatus by the NTSTATUS the client gets (MS docs for event 4625).
_STATUS_PAIRS: Final[dict[int, tuple[int, int]]] = {
    NtStatus.ACCOUNT_LOCKED_OUT: (NtStatus.ACCOUNT_LOCKED_OUT, NtStatus.SUCCESS),
    NtStatus.ACCOUNT_DISABLED: (NtStatus.ACCOUNT_RESTRICTION, NtStatus.ACCOUNT_DISABLED),
    # msv1_0 fails these logons with STATUS_ACCOUNT_RESTRICTION and the reason as SubStatus; the
    # client is answered the SubStatus (event 4625 docs, "Windows logon status codes")
    NtStatus.PASSWORD_EXPIRED: (NtStatus.ACCOUNT_RESTRICTION, NtStatus.PASSWORD_EXPIRED),
    NtStatus.PASSWORD_MUST_CHANGE: (NtStatus.ACCOUNT_RESTRICTION, NtStatus.PASSWORD_MUST_CHANGE),
    NtStatus.INVALID_WORKSTATION: (NtStatus.ACCOUNT_RESTRICTION, NtStatus.INVALID_WORKSTATION),
    NtStatus.INVALID_LOGON_HOURS: (NtStatus.ACCOUNT_RESTRICTION, NtStatus.INVALID_LOGON_HOURS),
    # a blank password refused by LimitBlankPasswordUse: no finer reason (U: SubStatus as Status)
    NtStatus.ACCOUNT_RESTRICTION: (NtStatus.ACCOUNT_RESTRICTION, NtStatus.ACCOUNT_RESTRICTION),
}
#: 4625 FailureReason of a STATUS_ACCOUNT_RESTRICTION by its SubStatus (%%2309, %%2311, %%2312, %%2313).
_RESTRICTION_REASONS: Final[dict[int, str]] = {
    NtStatus.PASSWORD_EXPIRED: "The specified account's password has expired.",
    NtStatus.PASSWORD_MUST_CHANGE: "The specified account's password has expired.",
    NtStatus.INVALID_LOGON_HOURS: "Account logon time restriction violation.",
    NtStatus.INVALID_WORKSTATION: "User not allowed to logon at this computer.",
    NtStatus.ACCOUNT_RESTRICTION: "Unknown user name or bad password.",
}


def _hex(value: int) -> str:
    return f"0x{value:X}"


class AuditLog:
    """A sink of audit events: JSON lines on a text stream, flushed per event.

    ``computer`` is the ``Computer`` field (the machine's DNS name, else its NetBIOS name);
    ``clock`` gives the event time (injectable for tests); ``repeat_window`` folds repeated
    identical events (:class:`smbemu.audit_files.RepeatFolder`; 0, the default for a stream
    given here, writes each).  Every string field is escaped and cut
    (:func:`smbemu.safelog.escape_client_text`): user, domain, workstation, share and pipe names
    come from the client -- except a :class:`~smbemu.audit_subject.ServerText`, the server's own
    text (4672's PrivilegeList keeps its line breaks).  Thread-safe.  ``recent_events``: the last ones, for the eventlog pipe.
    """

    def __init__(self, stream: IO[str] | LineSink, computer: str = "", *, close: bool = False,
                 clock: Callable[[], datetime] | None = None, repeat_window: float = 0.0) -> None:
        self._sink = stream if isinstance(stream, LineSink) else LineSink(stream, close, repeat_window)
        self.computer = computer
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(timezone.utc))
        self.recent_events = RecentEvents()

    @property
    def stream(self) -> IO[str]:
        return self._sink.stream

    def emit(self, event_id: int, success: bool, fields: dict[str, object]) -> dict[str, object]:
        """Write one event (or count it as a repeat); returns it (a dict) for callers and tests."""
        moment = self.clock().astimezone(timezone.utc)
        event: dict[str, object] = {
            "EventID": event_id,
            "TimeCreated": moment.isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "Computer": self.computer,
            "Channel": "Security",
            "Provider": SMBEMU_PROVIDER if event_id in SMBEMU_EVENT_IDS else PROVIDER,
            "Keywords": AUDIT_SUCCESS if success else AUDIT_FAILURE,
        }
        for name, value in fields.items():
            event[name] = (escape_client_text(value) if isinstance(value, str) and not isinstance(value, ServerText)
                           else value)
        self._sink.emit(event, moment.timestamp())
        if event_id not in SMBEMU_EVENT_IDS:  # smbemu's own events are no Windows log's records
            self.recent_events.add(event)
        return event

    def sweep(self) -> None:
        """Write the counts of repeated events whose window has passed (see ``repeat_window``)."""
        self._sink.folder.sweep(self.clock().timestamp())

    def close(self) -> None:
        sink = self._sink
        if sink.close_stream:
            for path, shared in list(_SINKS.items()):
                if shared is sink:
                    del _SINKS[path]
            sink.close()
        else:
            sink.folder.flush()


#: Files already open for an audit log, by resolved path: hosts and reloads share one stream.
_SINKS: dict[str, LineSink] = {}


def open_audit_log(target: str | AuditTarget | IO[str] | AuditLog | None,
                   computer: str = "") -> AuditLog | None:
    """``-`` = stdout, a path (appended to; one stream per file in the process) or an
    :class:`~smbemu.audit_files.AuditTarget` (a path with its size cap, archives kept and
    repeat window; a bare path gets the defaults), an open text stream, an AuditLog (used as
    is), or None (no log)."""
    if target is None or isinstance(target, AuditLog):
        return target
    if isinstance(target, str):
        target = AuditTarget(target)
    if isinstance(target, AuditTarget):
        if target.path == "-":
            return AuditLog(sys.stdout, computer, repeat_window=target.repeat_window)
        key = os.path.realpath(target.path)
        sink = _SINKS.get(key)
        if sink is None or sink.stream.closed:
            try:
                sink = RotatingFile(target.path, target.max_size, target.keep, target.repeat_window)
            except OSError as exc:
                raise ConfigError("--audit-log", target.path, f"cannot open for writing: {exc.strerror}") from None
            _SINKS[key] = sink
        return AuditLog(sink, computer)
    return AuditLog(target, computer)


# ---------------------------------------------------------------------------------- identities

def sid_of(config: ServerConfig, principal: Principal) -> str:
    """The principal's SID: S-1-5-7 for ANONYMOUS LOGON, the account's SID otherwise."""
    if principal.is_anonymous:
        return ANONYMOUS_SID
    user = config.directory.find_user(principal.user_name) if principal.user_name else None
    return str(user.sid) if user is not None else NULL_SID


_target = identity_fields


def _subject(config: ServerConfig, session: Session) -> dict[str, object]:
    return subject_fields(config, session.principal, session.session_id)


def _peer(peer: tuple[str, int] | None) -> dict[str, object]:
    if not peer:
        return {"IpAddress": "-", "IpPort": "-"}
    return {"IpAddress": peer[0], "IpPort": str(peer[1])}


def computer_name(config: ServerConfig) -> str:
    machine = config.directory.machine
    return str(machine.dns_name or machine.netbios_name)


def _log(config: ServerConfig) -> AuditLog | None:
    log = getattr(config, "audit", None)
    return log if isinstance(log, AuditLog) else None


# ---------------------------------------------------------------------------------- logons

def logon_success(config: ServerConfig, principal: Principal, *, session_id: int, key_length: int,
                  peer: tuple[str, int] | None) -> dict[str, object] | None:
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
                  peer: tuple[str, int] | None) -> dict[str, object] | None:
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
        "Status": status_hex(status),
        "FailureReason": _RESTRICTION_REASONS.get(sub_status, FAILURE_REASONS[0])
        if status == NtStatus.ACCOUNT_RESTRICTION and sub_status in _RESTRICTION_REASONS
        else FAILURE_REASONS.get(status, FAILURE_REASONS[0]),
        "SubStatus": status_hex(sub_status),
        "LogonType": 3, "LogonProcessName": "NtLmSsp ", "AuthenticationPackageName": "NTLM",
        "WorkstationName": workstation or "-", "TransmittedServices": "-", "LmPackageName": "-",
        "KeyLength": 0, "ProcessId": "0x0", "ProcessName": "-",
        **_peer(peer),
    })


def account_locked_out(config: ServerConfig, *, user_name: str, user_sid: str,
                       workstation: str) -> dict[str, object] | None:
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


def logoff(config: ServerConfig, session: Session) -> dict[str, object] | None:
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
                 *, allowed: bool, reason: str, access_mask: int = 0x1) -> dict[str, object] | None:
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
                       reason: str) -> dict[str, object] | None:
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

#: What a refusal returns: STATUS_ACCESS_DENIED (NTSTATUS operations), ERROR_ACCESS_DENIED (WERROR
#: operations) and nca_s_fault_access_denied (a fault PDU) -- the last two are both 5.
_ACCESS_DENIED: Final = frozenset({STATUS_ACCESS_DENIED, ERROR_ACCESS_DENIED})


def rpc_verdict(call: events.RpcCall) -> tuple[bool, str, str]:
    """What was decided about one call: (allowed, rule, reason).

    The runtime's own refusal (a fault before any handler ran) and a policy deny are denies; a
    call answered access-denied is a deny whatever was recorded before (the handler refused it,
    e.g. on a handle's granted access), so the log never calls a refused call allowed; a call
    no rule applied to is allowed."""
    what = f"{call.interface} {call.operation}"
    if call.reason is not None:
        return False, "-", call.reason
    decision = call.decision
    if decision is not None and not decision.allowed:
        return False, _rule(decision), str(decision.reason)
    if call.status in _ACCESS_DENIED:
        return False, "-", f"deny {what}: refused by the handler"
    if decision is not None:
        return True, _rule(decision), str(decision.reason)
    return True, "-", f"allow {what}: no policy check applies"


def _rule(decision: object) -> str:
    return str(getattr(decision, "rule", None) or "-")


def rpc_call(config: ServerConfig, session: Session, peer: tuple[str, int] | None, *, pipe: str,
             interface: str, operation: str, opnum: int | None, principal: Principal | None, status: int,
             fault: bool, reason: str, allowed: bool, rule: str = "-") -> dict[str, object] | None:
    """smbemu's event :data:`RPC_EVENT_ID`: one DCE/RPC call, what decided it (``allowed``, the
    policy ``rule``, ``reason``) and the status returned.  ``Keywords`` is Audit Failure when
    the call was denied or ended in a fault."""
    audit = _log(config)
    if audit is None:
        return None
    subject = _subject(config, session)
    kind = principal.kind.value if principal is not None else ""
    rpc_user = principal.user_name if principal is not None else ""
    if principal is not None and rpc_user and rpc_user != session.principal.user_name:
        # DCE/RPC authentication established another identity on this pipe.
        subject["SubjectUserName"] = rpc_user
        subject["SubjectDomainName"] = principal.domain or subject["SubjectDomainName"]
    return audit.emit(RPC_EVENT_ID, allowed and not fault, {
        **subject, "PrincipalKind": kind, **_peer(peer),
        "PipeName": pipe, "InterfaceName": interface, "OperationName": operation,
        "Opnum": opnum if opnum is not None else "-",
        "Status": status_hex(status), "Fault": fault,
        "PolicyDecision": "allow" if allowed else "deny", "PolicyRule": rule,
        "PolicyReason": reason,
    })


def rap_call(config: ServerConfig, call: events.RapCall) -> dict[str, object] | None:
    """smbemu's event :data:`RAP_EVENT_ID`: one RAP call, the decision of its DCE/RPC twin and
    the Win32 status returned (Audit Failure when the policy refused it)."""
    audit = _log(config)
    if audit is None:
        return None
    decision = call.decision
    allowed = decision is None or bool(decision.allowed)
    return audit.emit(RAP_EVENT_ID, allowed, {
        **_subject(config, call.session), "PrincipalKind": call.principal.kind.value,
        **_peer(call.peer), "PipeName": "\\PIPE\\LANMAN", "OperationName": call.command,
        "Opcode": call.opcode, "Level": call.level if call.level is not None else "-",
        "Status": call.status,
        "PolicyDecision": "allow" if allowed else "deny",
        "PolicyRule": _rule(decision) if decision is not None else "-",
        "PolicyReason": str(decision.reason) if decision is not None else "-",
    })


# ---------------------------------------------------------------------------------- the observer

def _on_rpc_call(config: ServerConfig, call: events.RpcCall) -> None:
    allowed, rule, reason = rpc_verdict(call)
    rpc_call(config, call.session, call.peer, pipe=call.pipe, interface=call.interface,
             operation=call.operation, opnum=call.opnum, principal=call.principal,
             status=call.status, fault=call.fault, reason=reason, allowed=allowed, rule=rule)


def _on_rap_call(config: ServerConfig, call: events.RapCall) -> None:
    rap_call(config, call)


def _on_share_connect(config: ServerConfig, event: events.ShareConnect) -> None:
    decision = event.decision
    allowed = bool(decision.allowed) and event.refused is None
    share_access(config, event.session, event.peer, event.share, allowed=allowed,
                 reason=event.refused if event.refused is not None else str(decision.reason))


def _on_pipe_open(config: ServerConfig, event: events.PipeOpen) -> None:
    decision = event.decision
    share_object_check(config, event.session, event.peer, event.share, event.pipe,
                       event.access_mask, allowed=bool(decision.allowed), reason=str(decision.reason))


def _on_logon(config: ServerConfig, event: events.LogonSucceeded) -> None:
    audit_logon.before_logon(config, event)  # 4776, 4672: Windows writes them first
    logon_success(config, event.principal, session_id=event.session_id,
                  key_length=event.key_length, peer=event.peer)


def _on_logon_failed(config: ServerConfig, event: events.LogonFailed) -> None:
    status, sub_status = ((event.status, event.sub_status) if event.sub_status is not None
                          else _STATUS_PAIRS.get(event.status, (event.status, 0)))
    audit_logon.before_logon_failure(config, event, sub_status or status)  # 4776 before 4625
    logon_failure(config, user_name=event.user_name, domain_name=event.domain_name,
                  workstation=event.workstation, status=event.status,
                  sub_status=event.sub_status, peer=event.peer)


def _on_locked_out(config: ServerConfig, event: events.AccountLockedOut) -> None:
    account_locked_out(config, user_name=event.user_name, user_sid=event.user_sid,
                       workstation=event.workstation)


def _on_logged_off(config: ServerConfig, event: events.LoggedOff) -> None:
    logoff(config, event.session)


#: Which audit event each protocol event becomes.
_WRITERS: Final[dict[type, Callable[[ServerConfig, Any], object]]] = {
    events.LogonSucceeded: _on_logon,
    events.LogonFailed: _on_logon_failed,
    events.AccountLockedOut: _on_locked_out,
    events.LoggedOff: _on_logged_off,
    events.ShareConnect: _on_share_connect,
    events.PipeOpen: _on_pipe_open,
    events.RpcCall: _on_rpc_call,
    events.RapCall: _on_rap_call,
    **audit_accounts.WRITERS, **audit_policy_changes.WRITERS, **audit_shares.WRITERS,  # 47xx; 5142-5144
    events.PrinterCallbackRequested: audit_spooler.printer_callback, **audit_services.WRITERS,  # 4697
    **audit_domain_policy.WRITERS, **audit_replication.WRITERS, **audit_tasks.WRITERS,  # 4739, 4662, 4698-4702
}


class AuditObserver:
    """One server's audit log as an observer of its protocol events (`smbemu.events`): each
    event becomes the Windows Security event above, written to ``config.audit``."""

    __slots__ = ("config",)

    def __init__(self, config: ServerConfig) -> None:
        self.config = config

    def __call__(self, event: events.Event) -> None:
        writer = _WRITERS.get(type(event))
        if writer is not None:
            writer(self.config, event)


def subscribe(config: ServerConfig, log: AuditLog | None) -> AuditLog | None:
    """Make ``log`` the audit log of ``config`` (``config.audit``) and subscribe it to the
    server's events; None removes it.  A server has at most one audit subscription, however
    often this is called (a rebuilt configuration, on SIGHUP, is a new server with its own)."""
    for observer in config.observers:
        if isinstance(observer, AuditObserver):
            config.observers.unsubscribe(observer)
    config.audit = log
    if log is not None:
        config.observers.subscribe(AuditObserver(config))
    return log
