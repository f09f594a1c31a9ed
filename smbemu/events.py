"""What happened on the server, as plain events for observers (the audit log, tests, a lab UI).

The protocol path (SMB commands, the connection, logon, the IPC layer) never calls an observer by
name: it emits one of these frozen records through ``ServerConfig.observers`` and goes on.  The
audit log (`smbemu.audit`) subscribes to them and turns each into the Windows Security event a
defender would look for; nothing else in the protocol path knows the audit log exists
(DESIGN.md "Audit is an observer").

Emitting is cheap when nobody listens: call sites test ``if config.observers:`` first, so a
server without an audit log builds no event at all.

This module imports nothing of smbemu at run time: every layer (SMB2, SMB1 later, DCE/RPC over
TCP later) can emit without an import circle.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Observers", "Event", "LogonSucceeded", "LogonFailed", "AccountLockedOut", "LoggedOff",
    "ShareConnect", "PipeOpen", "RpcCall",
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
    """A TREE_CONNECT was decided; ``decision`` is the policy's (``allowed``, ``reason``, ``status``)."""

    session: Any
    peer: Peer
    share: str
    decision: Any  # smbemu.policy.Decision


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
    (None when no rule applies to the operation); ``reason`` is the runtime's own when it
    answered before any handler ran (a fault: unknown opnum, bad stub, ...)."""

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
