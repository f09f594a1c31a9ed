"""Association groups and presentation contexts: the state a bind establishes (MS-RPCE
3.3.1.4, C706 12.6.3.1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from smbemu.rpc.interface import HandleTable, Interface
from smbemu.rpc.pdu import (
    BIND_TIME_FEATURE_PREFIX,
    NDR20,
    ZERO_SYNTAX,
    ContextElement,
    ContextResult,
    ProviderReason,
    ResultCode,
)
from smbemu.rpc.registry import PipeInfo

__all__ = ["AssociationGroup", "AssociationGroups", "PresContext", "ContextListError",
           "negotiate", "SUPPORTED_BIND_FEATURES"]

#: MS-RPCE 3.3.1.5.3 bind time features Windows supports.
SUPPORTED_BIND_FEATURES: Final = 0x0003


class AssociationGroup:
    """An association group (MS-RPCE 3.3.1.4): shares context handles between the
    connections a client binds into it."""

    __slots__ = ("id", "handles", "refs")

    def __init__(self, group_id: int, handles: HandleTable) -> None:
        self.id = group_id
        self.handles = handles
        self.refs = 0


class AssociationGroups:
    """The association groups of a server (or of one SMB connection): ids are issued in
    sequence; a bind naming an unknown non-zero id is refused with bind_nak."""

    def __init__(self, first_id: int = 0x000012C4, handle_limit: int = 4096) -> None:
        self._next = first_id
        self._groups: dict[int, AssociationGroup] = {}
        self._handle_limit = handle_limit

    def create(self) -> AssociationGroup:
        gid = self._next
        self._next = (gid + 1) & 0xFFFFFFFF or 1
        group = AssociationGroup(gid, HandleTable(self._handle_limit))
        self._groups[gid] = group
        return group

    def get(self, group_id: int) -> AssociationGroup | None:
        return self._groups.get(group_id)

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
    """An accepted presentation context: its id and the interface it binds."""

    context_id: int
    interface: Interface


class ContextListError(Exception):
    """A presentation context list the protocol does not allow."""


def negotiate(pipe: PipeInfo, accepted_contexts: dict[int, PresContext],
          contexts: tuple[ContextElement, ...], *,
          bind: bool) -> tuple[tuple[ContextResult, ...], int | None]:
    """Presentation context negotiation (C706 12.6.3.1, MS-RPCE 3.3.1.5.3): the results, in
    order, and the bind time features granted (None when the bind negotiated none).  Accepted
    contexts are added to ``accepted_contexts``; a list the protocol does not allow raises
    :class:`ContextListError`."""
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
        ndr20 = NDR20 in c.transfer_syntaxes
        existing = accepted_contexts.get(c.context_id)
        if existing is not None and existing.interface is not iface:
            raise ContextListError()
        if not ndr20:
            results.append(refuse)
            continue
        if existing is None:
            accepted_contexts[c.context_id] = PresContext(c.context_id, iface)
        results.append(ContextResult(ResultCode.ACCEPTANCE, 0, NDR20))
        accepted = True
    return tuple(results), features
