"""Queries, subscriptions and the handle calls of MS-EVEN6.

* EvtRpcRegisterLogQuery (5, 3.1.4.12): a query on a channel (EvtQueryChannelName 0x1) or on a
  log file (EvtQueryFilePath 0x2: only a file EvtRpcExportLog wrote exists, kept in memory,
  :mod:`.logs`), oldest first unless EvtReadNewestToOldest (0x200); exactly one of the two path
  kinds, at most one direction, else ERROR_INVALID_PARAMETER (3.1.4.12: "Callers MUST specify one
  and only one value").  The query is XPath: ``*``
  selects everything; ``EventID=N`` terms (joined by ``or``) select those IDs; anything else is
  taken as ``*`` (U: XPath filters beyond EventID are not evaluated).  A structured query
  (2.2.16 ``<QueryList><Query Path="Security">...``) is read the same way, and names the channel
  when the path is NULL (as EvtQuery allows).  The result set is the
  matching records at the time of the call, with a cursor; an empty result set is fine.
* EvtRpcQueryNext (11, 3.1.4.13): up to numRequestedRecords events, each a Result Set
  (2.2.17, :mod:`.binxml`) with its offset and size; at the end of the result set
  ERROR_NO_MORE_ITEMS (259) with no event, what EvtNext reports there ("call it in a loop until
  it returns FALSE with ERROR_NO_MORE_ITEMS", D: EvtNext).  Nothing is waited for: the log is in
  memory, so timeOutEnd never expires.
* EvtRpcQuerySeek (12, 3.1.4.14): EvtSeekRelativeToFirst (1), ToLast (2), ToCurrent (3),
  ToBookmark (4, the bookmark XML's RecordId); a position outside the result set is
  ERROR_NOT_FOUND (1168) (U) and leaves the cursor; other origins ERROR_INVALID_PARAMETER.
* EvtRpcRegisterRemoteSubscription (0, 3.1.4.8) with EvtRpcRemoteSubscriptionNext(Async)
  (2 / 1, 3.1.4.10 / 3.1.4.9): a pull subscription (EvtSubscribePull 0x10000000, the only kind a
  remote client can use: push subscriptions need a callback the protocol does not carry,
  3.1.4.8; without it ERROR_INVALID_PARAMETER) starting at the oldest record
  (EvtSubscribeStartAtOldestRecord 2), after the newest (EvtSubscribeToFutureEvents 1) or after
  a bookmark (EvtSubscribeStartAfterBookmark 3).  Unlike a query it is live: every record the
  audit log writes later is delivered.  When none is waiting, ERROR_TIMEOUT (1460), what
  EvtNext reports when its time-out expires (D: EvtNext) -- at once, not after timeOut
  milliseconds (U).  EvtRpcRemoteSubscriptionWaitAsync (3): returns at once (U).
* EvtRpcRegisterControllableOperation (4, 3.1.4.x): an operation control handle, for
  EvtRpcClearLog / EvtRpcExportLog / EvtRpcCancel; EvtRpcCancel (14) cancels nothing (every call
  here completes at once): ERROR_SUCCESS.
* EvtRpcClose (13, 3.1.4.x): any MS-EVEN6 handle; it comes back zeroed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantBytes,
    ContextHandle,
    Pointer,
    WString,
    WStringRef,
    hyper,
    uint32,
)
from smbemu.status import (
    ERROR_EVT_CHANNEL_NOT_FOUND,
    ERROR_FILE_NOT_FOUND,
    ERROR_INVALID_PARAMETER,
    ERROR_NO_MORE_ITEMS,
    ERROR_NOT_FOUND,
    ERROR_TIMEOUT,
)

from . import (
    INTERFACE,
    QUERY_CHANNEL_INFOS,
    RPC_INFO,
    channel_named,
    check_read,
    handle_of,
    records,
    require_privacy,
    rpc_info,
)
from .binxml import result_set

QUERY_KIND: Final = "even6.query"
SUBSCRIPTION_KIND: Final = "even6.subscription"
CONTROL_KIND: Final = "even6.control"
LOG_KIND: Final = "even6.log"
PUBLISHER_KIND: Final = "even6.publisher"
METADATA_ENUM_KIND: Final = "even6.metadata"
ALL_KINDS: Final = (QUERY_KIND, SUBSCRIPTION_KIND, CONTROL_KIND, LOG_KIND, PUBLISHER_KIND,
                    METADATA_ENUM_KIND)

EVT_QUERY_CHANNEL_NAME: Final = 0x1
EVT_QUERY_FILE_PATH: Final = 0x2
EVT_READ_NEWEST_TO_OLDEST: Final = 0x200
EVT_SUBSCRIBE_ORIGIN_MASK: Final = 0x3
EVT_SUBSCRIBE_TO_FUTURE: Final = 1
EVT_SUBSCRIBE_START_AT_OLDEST: Final = 2
EVT_SUBSCRIBE_AFTER_BOOKMARK: Final = 3
EVT_SUBSCRIBE_PULL: Final = 0x10000000
#: MS-EVEN6 IDL: MAX_RPC_RECORD_COUNT.
MAX_RPC_RECORD_COUNT: Final = 1024
EXPORTS_MEMO: Final = "even6.exported_logs"

_EVENT_ID: Final = re.compile(r"EventID\s*=\s*(\d+)", re.IGNORECASE)
_QUERY_PATH: Final = re.compile(r"<Query\b[^>]*\bPath\s*=\s*['\"]([^'\"]+)['\"]", re.IGNORECASE)
_RECORD_ID: Final = re.compile(r"RecordId\s*=\s*['\"](\d+)['\"]", re.IGNORECASE)


def event_filter(query: str) -> frozenset[int] | None:
    """The EventIDs an XPath query selects; None for every event (module docstring)."""
    ids = frozenset(int(n) & 0xFFFF for n in _EVENT_ID.findall(query or ""))
    return ids or None


@dataclass(slots=True)
class ResultSet:
    """A query's records (number, event) in reading order, and its cursor."""

    channel: str
    backwards: bool
    items: list[tuple[int, Any]]
    cursor: int = 0


@dataclass(slots=True)
class Subscription:
    """A live pull subscription: the channel, its filter and the next record number."""

    channel: str
    wanted: frozenset[int] | None
    next_number: int
    delivered: list[int] = field(default_factory=list)


def _selected(items: Any, wanted: frozenset[int] | None) -> list[tuple[int, Any]]:
    return [(n, e) for n, e in items
            if wanted is None or int(e.get("EventID", 0)) & 0xFFFF in wanted]


def _failed(status: int, handles: tuple[str, ...]) -> dict[str, Any]:
    return {**{name: bytes(20) for name in handles}, "queryChannelInfoSize": 0,
            "queryChannelInfo": None, "error": rpc_info(status), "ReturnValue": status}


_REGISTER_OUT: Final = [("queryChannelInfoSize", uint32), ("queryChannelInfo", QUERY_CHANNEL_INFOS),
                        ("error", RPC_INFO)]


@INTERFACE.operation(5, "EvtRpcRegisterLogQuery",
                     request=[("path", WString), ("query", WStringRef), ("flags", uint32)],
                     response=[("handle", ContextHandle), ("opControl", ContextHandle),
                               *_REGISTER_OUT],
                     returns="WERROR")
def EvtRpcRegisterLogQuery(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    flags = request["flags"]
    path = (request["path"] or "").rstrip("\x00")
    handles = ("handle", "opControl")
    # 3.1.4.12: exactly one of EvtQueryChannelPath / EvtQueryFilePath, at most one direction
    if flags & 0x3 not in (EVT_QUERY_CHANNEL_NAME, EVT_QUERY_FILE_PATH) or \
            flags & 0x300 == 0x300:
        return _failed(ERROR_INVALID_PARAMETER, handles)
    if flags & EVT_QUERY_FILE_PATH:
        exports: dict[str, Any] = ctx.server.memo(EXPORTS_MEMO, dict)
        exported = exports.get(path.lower())
        if exported is None:
            return _failed(ERROR_FILE_NOT_FOUND, handles)
        channel, items = exported
    else:
        # a structured query (2.2.16 QueryList) may name the channel itself, the path left NULL
        named = _QUERY_PATH.search(request["query"] or "") if not path else None
        found = channel_named(named.group(1) if named else path)
        if found is None:
            return _failed(ERROR_EVT_CHANNEL_NOT_FOUND, handles)
        status = check_read(ctx, found)
        if status:
            return _failed(status, handles)
        channel, items = found, list(records(ctx, found))
    backwards = bool(flags & EVT_READ_NEWEST_TO_OLDEST)
    selected = _selected(items, event_filter(request["query"] or ""))
    if backwards:
        selected.reverse()
    query = ctx.handles.create(QUERY_KIND, ResultSet(channel, backwards, selected))
    control = ctx.handles.create(CONTROL_KIND, None)
    return {"handle": query, "opControl": control, "queryChannelInfoSize": 1,
            "queryChannelInfo": [{"name": channel, "status": 0}], "error": rpc_info(),
            "ReturnValue": 0}


_NEXT_OUT: Final = [("numActualRecords", uint32),
                    ("eventDataIndices", Pointer(ConformantArray(uint32))),
                    ("eventDataSizes", Pointer(ConformantArray(uint32))),
                    ("resultBufferSize", uint32),
                    ("resultBuffer", Pointer(ConformantBytes()))]


def batch(events: list[tuple[int, Any]], channel: str, backwards: bool,
          status: int = 0) -> dict[str, Any]:
    """The [out] parameters of a Next call: the events' result sets, their offsets and sizes."""
    buffer = bytearray()
    offsets, sizes = [], []
    for number, event in events:
        one = result_set(number, event, channel, backwards)
        offsets.append(len(buffer))
        sizes.append(len(one))
        buffer += one
    return {"numActualRecords": len(events), "eventDataIndices": offsets,
            "eventDataSizes": sizes, "resultBufferSize": len(buffer),
            "resultBuffer": bytes(buffer), "ReturnValue": status}


@INTERFACE.operation(11, "EvtRpcQueryNext",
                     request=[("logQuery", ContextHandle), ("numRequestedRecords", uint32),
                              ("timeOutEnd", uint32), ("flags", uint32)],
                     response=_NEXT_OUT, returns="WERROR")
def EvtRpcQueryNext(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    query: ResultSet = handle_of(ctx, request["logQuery"], QUERY_KIND).obj
    wanted = min(request["numRequestedRecords"], MAX_RPC_RECORD_COUNT)
    if query.cursor >= len(query.items) and wanted:
        return batch([], query.channel, query.backwards, ERROR_NO_MORE_ITEMS)
    events = query.items[query.cursor:query.cursor + wanted]
    query.cursor += len(events)
    return batch(events, query.channel, query.backwards)


EVT_SEEK_ORIGIN_MASK: Final = 0x7
EVT_SEEK_RELATIVE_TO_FIRST: Final = 1
EVT_SEEK_RELATIVE_TO_LAST: Final = 2
EVT_SEEK_RELATIVE_TO_CURRENT: Final = 3
EVT_SEEK_RELATIVE_TO_BOOKMARK: Final = 4


@INTERFACE.operation(12, "EvtRpcQuerySeek",
                     request=[("logQuery", ContextHandle), ("pos", hyper),
                              ("bookmarkXml", WString), ("timeOut", uint32), ("flags", uint32)],
                     response=[("error", RPC_INFO)], returns="WERROR")
def EvtRpcQuerySeek(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    query: ResultSet = handle_of(ctx, request["logQuery"], QUERY_KIND).obj
    origin = request["flags"] & EVT_SEEK_ORIGIN_MASK
    pos = request["pos"]
    if origin == EVT_SEEK_RELATIVE_TO_FIRST:
        target = pos
    elif origin == EVT_SEEK_RELATIVE_TO_LAST:
        target = len(query.items) - 1 + pos
    elif origin == EVT_SEEK_RELATIVE_TO_CURRENT:
        target = query.cursor + pos
    elif origin == EVT_SEEK_RELATIVE_TO_BOOKMARK:
        found = _RECORD_ID.search(request["bookmarkXml"] or "")
        numbers = [n for n, _ in query.items]
        if found is None or int(found.group(1)) not in numbers:
            return {"error": rpc_info(ERROR_NOT_FOUND), "ReturnValue": ERROR_NOT_FOUND}
        target = numbers.index(int(found.group(1))) + pos
    else:
        return {"error": rpc_info(ERROR_INVALID_PARAMETER), "ReturnValue": ERROR_INVALID_PARAMETER}
    if not 0 <= target < len(query.items):
        return {"error": rpc_info(ERROR_NOT_FOUND), "ReturnValue": ERROR_NOT_FOUND}
    query.cursor = target
    return {"error": rpc_info(), "ReturnValue": 0}


@INTERFACE.operation(0, "EvtRpcRegisterRemoteSubscription",
                     request=[("channelPath", WString), ("query", WStringRef),
                              ("bookmarkXml", WString), ("flags", uint32)],
                     response=[("handle", ContextHandle), ("control", ContextHandle),
                               *_REGISTER_OUT],
                     returns="WERROR")
def EvtRpcRegisterRemoteSubscription(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    flags = request["flags"]
    handles = ("handle", "control")
    origin = flags & EVT_SUBSCRIBE_ORIGIN_MASK
    if not flags & EVT_SUBSCRIBE_PULL or origin == 0:
        return _failed(ERROR_INVALID_PARAMETER, handles)
    channel = channel_named(request["channelPath"])
    if channel is None:
        return _failed(ERROR_EVT_CHANNEL_NOT_FOUND, handles)
    status = check_read(ctx, channel)
    if status:
        return _failed(status, handles)
    items = records(ctx, channel)
    newest = items[-1][0] if items else 0
    if origin == EVT_SUBSCRIBE_START_AT_OLDEST:
        start = items[0][0] if items else 1
    elif origin == EVT_SUBSCRIBE_AFTER_BOOKMARK:
        found = _RECORD_ID.search(request["bookmarkXml"] or "")
        if found is None:
            return _failed(ERROR_INVALID_PARAMETER, handles)
        start = int(found.group(1)) + 1
    else:
        start = newest + 1
    subscription = Subscription(channel, event_filter(request["query"] or ""), start)
    return {"handle": ctx.handles.create(SUBSCRIPTION_KIND, subscription),
            "control": ctx.handles.create(CONTROL_KIND, None), "queryChannelInfoSize": 1,
            "queryChannelInfo": [{"name": channel, "status": 0}], "error": rpc_info(),
            "ReturnValue": 0}


def _subscription_next(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    subscription: Subscription = handle_of(ctx, request["handle"], SUBSCRIPTION_KIND).obj
    wanted = min(request["numRequestedRecords"], MAX_RPC_RECORD_COUNT)
    fresh = [(n, e) for n, e in records(ctx, subscription.channel) if n >= subscription.next_number]
    if fresh:
        subscription.next_number = fresh[-1][0] + 1
    events = _selected(fresh, subscription.wanted)[:wanted]
    if events:
        subscription.next_number = events[-1][0] + 1
    elif wanted:
        return batch([], subscription.channel, False, ERROR_TIMEOUT)
    return batch(events, subscription.channel, False)


_SUBSCRIPTION_IN: Final = [("handle", ContextHandle), ("numRequestedRecords", uint32)]
INTERFACE.operation(1, "EvtRpcRemoteSubscriptionNextAsync",
                    request=[*_SUBSCRIPTION_IN, ("flags", uint32)],
                    response=_NEXT_OUT, returns="WERROR")(_subscription_next)
INTERFACE.operation(2, "EvtRpcRemoteSubscriptionNext",
                    request=[*_SUBSCRIPTION_IN, ("timeOut", uint32), ("flags", uint32)],
                    response=_NEXT_OUT, returns="WERROR")(_subscription_next)


@INTERFACE.operation(3, "EvtRpcRemoteSubscriptionWaitAsync", request=[("handle", ContextHandle)],
                     response=[], returns="WERROR")
def EvtRpcRemoteSubscriptionWaitAsync(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    handle_of(ctx, request["handle"], SUBSCRIPTION_KIND)
    return {"ReturnValue": 0}


@INTERFACE.operation(4, "EvtRpcRegisterControllableOperation", request=[],
                     response=[("handle", ContextHandle)], returns="WERROR")
def EvtRpcRegisterControllableOperation(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    return {"handle": ctx.handles.create(CONTROL_KIND, None), "ReturnValue": 0}


@INTERFACE.operation(13, "EvtRpcClose", request=[("handle", ContextHandle)],
                     response=[("handle", ContextHandle)], returns="WERROR")
def EvtRpcClose(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    entry = handle_of(ctx, request["handle"], *ALL_KINDS)
    ctx.handles.close(request["handle"], entry.kind)
    return {"handle": bytes(20), "ReturnValue": 0}


@INTERFACE.operation(14, "EvtRpcCancel", request=[("handle", ContextHandle)], response=[],
                     returns="WERROR")
def EvtRpcCancel(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    handle_of(ctx, request["handle"], CONTROL_KIND)
    return {"ReturnValue": 0}
