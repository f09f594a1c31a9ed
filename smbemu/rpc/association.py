"""Association groups and presentation contexts: the state a bind establishes (MS-RPCE
3.3.1.4, C706 12.6.3.1)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from smbemu.principal import Principal, PrincipalKind
from smbemu.rpc.interface import CallContext, HandleTable, Interface
from smbemu.rpc.pdu import (
    BIND_TIME_FEATURE_PREFIX,
    NDR20,
    NDR64,
    ZERO_SYNTAX,
    ContextElement,
    ContextResult,
    ProviderReason,
    ResultCode,
)
from smbemu.rpc.registry import PipeInfo

__all__ = ["AssociationGroup", "AssociationGroups", "PresContext", "ContextListError",
           "negotiate", "SUPPORTED_BIND_FEATURES", "CallerIdentity", "ClientKey",
           "caller_identity", "client_of"]

#: MS-RPCE 3.3.1.5.3 bind time features Windows supports.
SUPPORTED_BIND_FEATURES: Final = 0x0003


#: Who a caller is, as far as groups and handles are concerned (see :func:`caller_identity`).
CallerIdentity = tuple[Any, ...]
#: The client an association group belongs to (see :func:`client_of`).
ClientKey = tuple[Any, ...]


def caller_identity(principal: Principal, session_id: int) -> CallerIdentity:
    """The identity a context handle is tied to: the account's SID when the logon layer knows
    it, else the kind and name the client logged on with (Samba's dcesrv_handle_lookup compares
    the caller's user SID with the creator's).  Anonymous and guest callers are everyone who
    sends no (or unknown) credentials, so they are told apart by their SMB session too: one
    null session never reaches another's handles."""
    if principal.kind in (PrincipalKind.ANONYMOUS, PrincipalKind.GUEST):
        return (principal.kind.value, session_id)
    if principal.sid:
        return ("sid", principal.sid)
    return (principal.kind.value, principal.domain.casefold(), principal.user_name.casefold())


def client_of(ctx: CallContext) -> ClientKey:
    """The client an association belongs to: the machine it comes from and who it is on the
    transport (the SMB session's principal).

    MS-RPCE 3.3.1.5.7: a connection may join an existing group only when it comes from the
    machine that created it (for named pipes the spec names the client machine name; here the
    SMB connection's remote address stands for it, as for RPC over TCP: a machine name is
    whatever the client writes in its NTLM message).  Beyond that rule the group is also tied to the principal (and, for
    anonymous and guest, to the session), so one client of a shared lab machine cannot join
    another's group either; the same user's second pipe, on the same or another session,
    still joins (lsarpc + samr in one group, as Windows clients do)."""
    # a stand-in server (unit tests, tools) may have no session table: no address then
    sessions = getattr(ctx.server, "sessions", None)
    session = sessions.get(ctx.session_id) if sessions is not None else None
    address = getattr(session, "client_address", "")
    return (address, caller_identity(ctx.principal, ctx.session_id))


class AssociationGroup:
    """An association group (MS-RPCE 3.3.1.4): shares context handles between the
    connections one client binds into it."""

    __slots__ = ("id", "handles", "refs", "client")

    def __init__(self, group_id: int, handles: HandleTable, client: ClientKey = ()) -> None:
        self.id = group_id
        self.handles = handles
        self.refs = 0
        self.client = client


class AssociationGroups:
    """The association groups of a server (or of one SMB connection).

    Ids look like Windows' (issue 13): numbers below 0x10000, increasing from a random start
    — a Windows bind_ack in a public capture carries Assoc Group 0x000021a5 (rapid7 smbj-rpc's
    BindResponse test vector, winreg); a constant first id is a fingerprint.  The step between
    two ids is random (1-256; U: no capture shows Windows' step), so ids are not sequential
    (issue 14 item 5).  What keeps a group from another client is not the id: a bind naming an
    unknown id, or the id of a group another client created, is refused with bind_nak
    (:meth:`join` answers None for both, so the answer does not tell whether the group
    exists)."""

    def __init__(self, handle_limit: int = 4096,
                 id_source: Callable[[], int] | None = None) -> None:
        self._groups: dict[int, AssociationGroup] = {}
        self._handle_limit = handle_limit
        self._next = 0x1000 + int.from_bytes(os.urandom(2), "little") % 0x7000
        self._new_id = id_source or self._counter

    def _counter(self) -> int:
        gid = self._next
        step = 1 + os.urandom(1)[0]
        self._next = gid + step if gid + step <= 0xFFFF else 0x1000 + step
        return gid

    def create(self, client: ClientKey = ()) -> AssociationGroup:
        while True:
            gid = self._new_id() & 0xFFFFFFFF
            if gid and gid not in self._groups:
                break
        group = AssociationGroup(gid, HandleTable(self._handle_limit), client)
        self._groups[gid] = group
        return group

    def get(self, group_id: int) -> AssociationGroup | None:
        return self._groups.get(group_id)

    def join(self, group_id: int, client: ClientKey = ()) -> AssociationGroup | None:
        """The group ``client`` may bind into, or None (unknown id, or another client's)."""
        group = self._groups.get(group_id)
        if group is None or group.client != client:
            return None
        return group

    def acquire(self, group: AssociationGroup) -> None:
        group.refs += 1

    def release(self, group: AssociationGroup) -> None:
        group.refs -= 1
        if group.refs <= 0:
            group.handles.clear()
            self._groups.pop(group.id, None)

    def __len__(self) -> int:
        return len(self._groups)


@dataclass(slots=True)
class _PresContext:
    context_id: int
    interface: Interface


@dataclass(slots=True)
class PresContext:
    """An accepted presentation context: its id, the interface it binds and whether its
    transfer syntax is NDR64 (MS-RPCE 2.2.5.3) rather than NDR20."""

    context_id: int
    interface: Interface
    ndr64: bool = False


class ContextListError(Exception):
    """A presentation context list the protocol does not allow."""


def negotiate(pipe: PipeInfo, accepted_contexts: dict[int, PresContext],
          contexts: tuple[ContextElement, ...], *,
          bind: bool, ndr64: bool = False) -> tuple[tuple[ContextResult, ...], int | None]:
    """Presentation context negotiation (C706 12.6.3.1, MS-RPCE 3.3.1.5.3): the results, in
    order, and the bind time features granted (None when the bind negotiated none).  Accepted
    contexts are added to ``accepted_contexts``; a list the protocol does not allow raises
    :class:`ContextListError`.

    ``ndr64``: the server speaks NDR64 (the profile's ``rpc.ndr64``: x64 Windows from Vista /
    2008 on).  Such a server prefers it: a context offering NDR64 is accepted with NDR64, and a
    context offering only NDR20 for an interface that another context of the same PDU offers
    in NDR64 is refused "proposed transfer syntaxes not supported".  Capture: Nate Marx's
    20171220_smb_at_schedule.pcap (public, decoded with tshark in Richard Bejtlich's Zeek/tshark
    walkthrough): a Windows client binds ATSVC with "32bit NDR", "64bit NDR" and
    6cb71c2c-9812-4540-0300-000000000000; the Windows server answers "Provider rejection,
    Acceptance, Negotiate ACK", and the NDR64 calls follow.  Without ``ndr64`` NDR64 is refused
    like any unknown transfer syntax."""
    offered64 = {c.abstract_syntax for c in contexts if NDR64 in c.transfer_syntaxes} \
        if ndr64 else ()
    results: list[ContextResult] = []
    features: int | None = None
    feature_seen = False
    accepted = False
    for c in contexts:
        if not c.transfer_syntaxes:
            raise ContextListError()
        first = c.transfer_syntaxes[0]
        if bind and first.uuid.bytes_le[:8] == BIND_TIME_FEATURE_PREFIX \
                and first.uuid.bytes_le[10:] == bytes(6):
            if feature_seen:
                raise ContextListError()
            feature_seen = True
            raw = first.uuid.bytes_le
            features = (raw[8] | raw[9] << 8) & SUPPORTED_BIND_FEATURES
            results.append(ContextResult(ResultCode.NEGOTIATE_ACK, features,
                                         ZERO_SYNTAX))
            continue
        a = c.abstract_syntax
        iface = pipe.find(a.uuid, a.major, a.minor)
        if iface is None:
            results.append(ContextResult(ResultCode.PROVIDER_REJECTION,
                                         ProviderReason.ABSTRACT_SYNTAX_NOT_SUPPORTED))
            continue
        refuse = ContextResult(ResultCode.PROVIDER_REJECTION,
                               ProviderReason.PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED)
        if accepted:
            results.append(refuse)
            continue
        use64 = ndr64 and NDR64 in c.transfer_syntaxes
        usable = use64 or (NDR20 in c.transfer_syntaxes and a not in offered64)
        existing = accepted_contexts.get(c.context_id)
        if existing is not None and existing.interface is not iface:
            raise ContextListError()
        if not usable:
            results.append(refuse)
            continue
        if existing is None:
            accepted_contexts[c.context_id] = PresContext(c.context_id, iface, use64)
        elif existing.ndr64 != use64:
            # an alter_context may not change the transfer syntax of a live context
            results.append(refuse)
            continue
        results.append(ContextResult(ResultCode.ACCEPTANCE, 0, NDR64 if use64 else NDR20))
        accepted = True
    return tuple(results), features
