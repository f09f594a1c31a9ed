"""What happened on the server, as plain events for observers (the audit log, tests, a lab UI).

The protocol path (SMB commands, the connection, logon, the IPC layer) never calls an observer by
name: it emits one of these frozen records through ``ServerConfig.observers`` and goes on.  The
audit log (`smbemu.audit`) subscribes to them and turns each into the Windows Security event a
defender would look for; nothing else in the protocol path knows the audit log exists
(DESIGN.md "Audit is an observer").

Emitting is cheap when nobody listens: call sites test ``if config.observers:`` first, so a
server without an audit log builds no event at all.

This module imports nothing of smbemu at run time: every layer (SMB2, SMB1 later, DCE/RPC over
TCP later) can emit without an import circle.  A ``decision`` field holds what the policy decided
(`smbemu.policy.Decision`: ``allowed``, ``status``, ``reason`` and the ``rule`` that applied), and
an observer reads it duck-typed, so this module need not import the policy either.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Observers", "Event", "LogonSucceeded", "LogonFailed", "AccountLockedOut", "LoggedOff",
    "ShareConnect", "PipeOpen", "RpcCall", "rpc_call_reporter",
]

log = logging.getLogger("smbemu.events")

Peer = tuple[str, int] | None


@dataclass(frozen=True, slots=True)
class LogonSucceeded:
    """A network logon completed (SMB SESSION_SETUP or DCE/RPC authentication)."""

    principal: Any  # smbemu.state.Principal
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

    session: Any  # smbemu.state.Session
    peer: Peer


@dataclass(frozen=True, slots=True)
class ShareConnect:
    """A TREE_CONNECT was decided; ``decision`` is the policy's (``allowed``, ``reason``, ``status``).

    ``refused`` says why the server refused a connect the policy allowed (only IPC$ is served),
    or None: what was decided is the policy's refusal, else this one."""

    session: Any
    peer: Peer
    share: str
    decision: Any  # smbemu.policy.Decision
    refused: str | None = None


@dataclass(frozen=True, slots=True)
class PipeOpen:
    """The open of a named pipe on IPC$ was access-checked."""

    session: Any
    peer: Peer
    share: str
    pipe: str
    access_mask: int
    decision: Any


@dataclass(frozen=True, slots=True)
class RpcCall:
    """One DCE/RPC call finished.  ``decision`` is what the one enforcement point decided for it
    (the call context's ``decision``; None when no rule applies to the operation); ``reason`` is
    the runtime's own when it answered before any handler ran (a fault: unknown opnum, bad stub,
    ...), else None.  ``status`` is what the client was actually answered (the return value, or
    the fault status when ``fault``); ``principal`` the caller as the handler saw it (the DCE/RPC
    authenticated identity when there is one, else the SMB session's)."""

    session: Any
    peer: Peer
    pipe: str
    interface: str
    operation: str
    opnum: int | None
    principal: Any
    status: int
    fault: bool
    decision: Any
    reason: str | None


Event = LogonSucceeded | LogonFailed | AccountLockedOut | LoggedOff | ShareConnect | PipeOpen | RpcCall


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


def rpc_call_reporter(observers: Observers, session: Any, peer: Peer,
                      pipe: str) -> Callable[..., None]:
    """The ``on_call(ctx, interface, operation_name, status, reason, *, fault, opnum)`` callback
    an `smbemu.rpc.endpoint.RpcEndpoint` calls after each call, as one :class:`RpcCall` event.

    The decision is the one the call context carries (``ctx.decision``, reset by the runtime
    before each call); the runtime's own ``reason`` (a fault before any handler ran) means no
    decision was taken for this call."""

    def on_call(ctx: Any, interface: str, operation_name: str, status: int, reason: str | None,
                *, fault: bool = False, opnum: int | None = None) -> None:
        if not observers:
            return
        decision = _decision_of(ctx)
        observers.emit(RpcCall(
            session=session, peer=peer, pipe=pipe, interface=interface, operation=operation_name,
            opnum=opnum, principal=getattr(ctx, "principal", None), status=status, fault=fault,
            decision=decision if reason is None else None, reason=reason,
        ))

    return on_call


def _decision_of(ctx: Any) -> Any:
    """The decision recorded on the call context (``ctx.decision``)."""
    if hasattr(ctx, "decision"):
        return ctx.decision
    # TRANSITIONAL (removed at integration, with Policy.last_decision): until the call context
    # carries its decision, the policy's last one is read and cleared here.
    server = getattr(ctx, "server", None)
    policy: Any = getattr(server, "policy", None) or getattr(server, "cache", {}).get("policy")
    decision = getattr(policy, "last_decision", None)
    if decision is not None:
        policy.last_decision = None
    return decision
