"""What happened on the server, as plain events for observers (the audit log, tests, a lab UI).

The protocol path (SMB commands, the connection, logon, the IPC layer) never calls an observer by
name: it emits one of these frozen records through ``ServerConfig.observers`` and goes on.  The
audit log (`smbemu.audit`) subscribes to them and turns each into the Windows Security event a
defender would look for; nothing else in the protocol path knows the audit log exists
(DESIGN.md "Audit is an observer").

Emitting is cheap when nobody listens: call sites test ``if config.observers:`` first, so a
server without an audit log builds no event at all.

This module imports nothing of smbemu at run time: every layer (SMB2, SMB1 later, DCE/RPC over
TCP later) can emit without an import circle.  The fields name their real types for the type
checker only (``principal`` is `smbemu.principal.Principal`, ``session`` `smbemu.state.Session`,
``decision`` what the policy decided, `smbemu.policy.Decision`: ``allowed``, ``status``,
``reason`` and the ``rule`` that applied).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smbemu.policy import Decision
    from smbemu.principal import Principal
    from smbemu.rpc.interface import CallContext
    from smbemu.state import Session

__all__ = [
    "Observers", "Event", "LogonSucceeded", "LogonFailed", "AccountLockedOut", "LoggedOff",
    "ShareConnect", "PipeOpen", "RpcCall", "RapCall", "AccountChanged", "PrinterCallbackRequested",
    "DirectoryReplicated",
    "ServiceInstalled",
    "PolicyChanged", "DomainPolicyChanged", "rpc_call_reporter",
]

log = logging.getLogger("smbemu.events")

Peer = tuple[str, int] | None


@dataclass(frozen=True, slots=True)
class LogonSucceeded:
    """A network logon completed (SMB SESSION_SETUP or DCE/RPC authentication)."""

    principal: Principal
    session_id: int
    key_length: int
    peer: Peer


@dataclass(frozen=True, slots=True)
class LogonFailed:
    """A logon was refused; ``status`` is what the client was answered, ``sub_status`` the detail."""

    user_name: str
    domain_name: str
    workstation: str
    status: int
    sub_status: int | None
    peer: Peer


@dataclass(frozen=True, slots=True)
class AccountLockedOut:
    """The lockout threshold was reached for an account."""

    user_name: str
    user_sid: str
    workstation: str


@dataclass(frozen=True, slots=True)
class LoggedOff:
    """An established session ended (LOGOFF, or its connection went away)."""

    session: Session
    peer: Peer


@dataclass(frozen=True, slots=True)
class ShareConnect:
    """A TREE_CONNECT was decided; ``decision`` is the policy's (``allowed``, ``reason``, ``status``).

    ``refused`` says why the server refused a connect the policy allowed (only IPC$ is served),
    or None: what was decided is the policy's refusal, else this one."""

    session: Session
    peer: Peer
    share: str
    decision: Decision
    refused: str | None = None


@dataclass(frozen=True, slots=True)
class PipeOpen:
    """The open of a named pipe on IPC$ was access-checked."""

    session: Session
    peer: Peer
    share: str
    pipe: str
    access_mask: int
    decision: Decision


@dataclass(frozen=True, slots=True)
class RpcCall:
    """One DCE/RPC call finished.  ``decision`` is what the one enforcement point decided for it
    (the call context's ``decision``; None when no rule applies to the operation); ``reason`` is
    the runtime's own when it answered before any handler ran (a fault: unknown opnum, bad stub,
    ...), else None.  ``status`` is what the client was actually answered (the return value, or
    the fault status when ``fault``); ``principal`` the caller as the handler saw it (the DCE/RPC
    authenticated identity when there is one, else the SMB session's)."""

    session: Session
    peer: Peer
    pipe: str
    interface: str
    operation: str
    opnum: int | None
    principal: Principal | None
    status: int
    fault: bool
    decision: Decision | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class RapCall:
    """One RAP call on ``\\PIPE\\LANMAN`` finished (`smbemu.rap`).  ``command`` is the RAP
    command's name ("NetShareEnum"; "opcode N" for one not served), ``status`` the
    Win32ErrorCode answered, ``decision`` what the policy decided for it as its DCE/RPC twin
    (None when no decision was taken: an unsupported opcode or an invalid level)."""

    session: Session
    peer: Peer
    opcode: int
    command: str
    level: int | None
    principal: Principal
    status: int
    decision: Decision | None


@dataclass(frozen=True, slots=True)
class AccountChanged:
    """A SAM account was changed through SAMR (`smbemu.directory.changes`).

    ``change`` is one of ``created``, ``deleted``, ``changed``, ``enabled``, ``disabled``,
    ``password-changed`` (the user's own change), ``password-reset`` (an administrator's),
    ``member-added``, ``member-removed``, ``unlocked``; ``success`` False for a refused password
    reset (Windows logs those as failures).  The target is the account (for a membership change:
    the group or alias, ``group_scope`` ``global`` or ``local``, with the member's SID and name);
    ``computer`` says it is a machine account; ``attributes`` the changed attributes in Windows'
    field names (SamAccountName, DisplayName, NewUacValue...).  ``principal`` and ``session_id``
    are who made the change (the Subject)."""

    change: str
    principal: Principal
    session_id: int
    target_name: str
    target_sid: str
    target_domain: str
    computer: bool = False
    group_scope: str = ""
    member_sid: str = ""
    member_name: str = ""
    attributes: tuple[tuple[str, str], ...] = ()
    success: bool = True


@dataclass(frozen=True, slots=True)
class PrinterCallbackRequested:
    """A caller asked the print spooler to open a notification channel back to a machine
    (MS-RPRN RpcRemoteFindFirstPrinterChangeNotification / Ex: the "printer bug" coercion).
    smbemu never connects out; ``target`` is the machine the caller named (pszLocalMachine),
    ``status`` what the caller was answered, ``printer`` the handle's object ("" = the server)."""

    principal: Principal
    session_id: int
    client_address: str
    operation: str
    printer: str
    target: str
    flags: int
    status: int


@dataclass(frozen=True, slots=True)
class DirectoryReplicated:
    """A caller was granted replication out of the domain NC (MS-DRSR IDL_DRSGetNCChanges:
    DCSync): ``object_dn`` the NC root or the one object asked for, ``nc_guid`` the domain
    object's GUID, ``secrets`` whether secret attributes were asked for (the
    DS-Replication-Get-Changes-All right was used)."""

    principal: Principal
    session_id: int
    client_address: str
    nc_guid: uuid.UUID
    object_dn: str
    secrets: bool


@dataclass(frozen=True, slots=True)
class ServiceInstalled:
    """An administrator created a service through svcctl (MS-SCMR RCreateServiceW / A;
    `pipes/svcctl/writes.py`): the audit log's 4697 (`smbemu.audit_services`).  Nothing runs:
    ``binary_path`` is what the caller asked the SCM to run, recorded, never executed."""

    principal: Principal
    session_id: int
    client_address: str
    name: str
    binary_path: str
    service_type: int
    start_type: int
    account: str


@dataclass(frozen=True, slots=True)
class PolicyChanged:
    """An LSA policy setting was changed through lsarpc (`pipes/lsarpc/policy_writes.py`).

    ``event_id`` is the Windows Security event the change produces (4719 audit policy, 4713
    Kerberos policy, ...; `smbemu.audit_policy_changes` lists them) and ``fields`` its EventData
    beyond the Subject (Windows' field names, in Windows' order).  ``principal`` and
    ``session_id`` are who made the change."""

    event_id: int
    principal: Principal
    session_id: int
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class DomainPolicyChanged:
    """A SAM domain's settings were changed through SamrSetInformationDomain
    (`pipes/samr/domain_writes.py`; the audit log's 4739, `smbemu.audit_domain_policy`).

    ``change_type`` is 4739's "Change Type" ("Password Policy", "Lockout Policy", ...),
    ``values`` the settings written, by `smbemu.directory.domain_settings` name, in wire units."""

    principal: Principal
    session_id: int
    change_type: str
    domain_name: str
    domain_sid: str
    values: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True, slots=True)
class ShareChanged:
    """An administrator added, changed or deleted a share through srvsvc (NetrShareAdd /
    NetrShareSetInfo / NetrShareDel*, MS-SRVS 3.1.4.7-3.1.4.12; the audit log's 5142 / 5143 /
    5144, `smbemu.audit_shares`).  ``change`` is "added", "modified" or "deleted"; ``old`` and
    ``new`` are the share's (remark, max uses, flags, SDDL) before and after a modification."""

    change: str
    principal: Principal
    session_id: int
    share: str
    path: str
    old: tuple[str, int, int, str] | None = None
    new: tuple[str, int, int, str] | None = None


Event = (LogonSucceeded | LogonFailed | AccountLockedOut | LoggedOff | ShareConnect | PipeOpen
         | RpcCall | RapCall | AccountChanged | PrinterCallbackRequested | PolicyChanged
         | DomainPolicyChanged | ShareChanged)


class Observers:
    """The observers of one server.  Falsy while nobody subscribed, so call sites can skip
    building an event: ``if config.observers: config.observers.emit(LoggedOff(...))``."""

    __slots__ = ("_subscribers",)

    def __init__(self) -> None:
        self._subscribers: list[Callable[[Event], None]] = []

    def __bool__(self) -> bool:
        return bool(self._subscribers)

    def subscribe(self, observer: Callable[[Event], None]) -> None:
        self._subscribers.append(observer)

    def __iter__(self) -> Iterator[Callable[[Event], None]]:
        return iter(tuple(self._subscribers))

    def unsubscribe(self, observer: Callable[[Event], None]) -> None:
        if observer in self._subscribers:
            self._subscribers.remove(observer)

    def emit(self, event: Event) -> None:
        """Tell every observer; an observer that fails is logged and never reaches the client."""
        for observer in self._subscribers:
            try:
                observer(event)
            except Exception:
                log.exception("observer %r failed on %s", observer, type(event).__name__)


def rpc_call_reporter(observers: Observers, session: Session, peer: Peer,
                      pipe: str) -> Callable[..., None]:
    """The ``on_call(ctx, interface, operation_name, status, reason, *, fault, opnum)`` callback
    an `smbemu.rpc.endpoint.RpcEndpoint` calls after each call, as one :class:`RpcCall` event.

    The decision is the one the call context carries (``ctx.decision``, reset by the runtime
    before each call); the runtime's own ``reason`` (a fault before any handler ran) means no
    decision was taken for this call."""

    def on_call(ctx: CallContext, interface: str, operation_name: str, status: int, reason: str | None,
                *, fault: bool = False, opnum: int | None = None) -> None:
        if not observers:
            return
        decision = ctx.decision
        observers.emit(RpcCall(
            session=session, peer=peer, pipe=pipe, interface=interface, operation=operation_name,
            opnum=opnum, principal=ctx.principal, status=status, fault=fault,
            decision=decision if reason is None else None, reason=reason,
        ))

    return on_call


@dataclass(frozen=True, slots=True)
class ScheduledTaskChanged:
    """A scheduled task was created, deleted, enabled, disabled or updated through the Task
    Scheduler's RPC interfaces (``pipes/tsch``; the audit log's 4698-4702,
    `smbemu.audit_tasks`).  ``event_id`` is the Windows Security event, ``task_name`` the task's
    path, ``task_content`` its XML (the new XML of an update).  Nothing is ever executed."""

    event_id: int
    principal: Principal
    session_id: int
    client_address: str
    task_name: str
    task_content: str
