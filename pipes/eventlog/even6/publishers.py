"""Publisher metadata and message rendering (MS-EVEN6 3.1.4.23-3.1.4.30, opnums 9, 10, 22-27).

* EvtRpcGetPublisherList (22) / EvtRpcGetPublisherListForChannel (23): the publishers of the
  modelled events -- Microsoft-Windows-Security-Auditing (the Security log's events) and
  Microsoft-Windows-Eventlog (its 1102) -- all of them for the first, the Security channel's for
  the second, none for the other channels (they hold no event here), ERROR_EVT_CHANNEL_NOT_FOUND
  for a channel not modelled.
* EvtRpcGetPublisherMetadata (24): the publishers' message tables and event definitions are not
  modelled: ERROR_NOT_SUPPORTED for a known publisher (U: Windows returns its properties),
  ERROR_EVT_PUBLISHER_METADATA_NOT_FOUND (15002) for another.  So no publisher-metadata or
  event-metadata handle is ever given out, and the calls that take one -- EvtRpcMessageRender
  (9), EvtRpcGetPublisherResourceMetadata (25), EvtRpcGetEventMetadataEnum (26),
  EvtRpcGetNextEventMetadata (27) -- fault nca_s_fault_context_mismatch on whatever handle they
  get (the RPC runtime's check, MS-RPCE 3.3.3.2.1).
* EvtRpcMessageRenderDefault (10): system message strings are not modelled: ERROR_NOT_SUPPORTED
  (U).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantBytes,
    ContextHandle,
    Pointer,
    Struct,
    WString,
    WStringRef,
    uint32,
)
from smbemu.status import (
    ERROR_EVT_CHANNEL_NOT_FOUND,
    ERROR_EVT_PUBLISHER_METADATA_NOT_FOUND,
    ERROR_NOT_SUPPORTED,
)

from . import (
    INTERFACE,
    RPC_INFO,
    channel_named,
    handle_of,
    require_privacy,
    rpc_info,
)
from .queries import METADATA_ENUM_KIND, PUBLISHER_KIND

PUBLISHERS: Final = ("Microsoft-Windows-Eventlog", "Microsoft-Windows-Security-Auditing")
_BY_CHANNEL: Final = {"Security": PUBLISHERS}
_STRINGS: Final = Pointer(ConformantArray(WString))
#: An [out] EvtRpcVariantList answered empty (count 0, NULL array).
_VARIANT_LIST: Final = Struct("EvtRpcVariantList", [
    ("count", uint32), ("props", Pointer(ConformantArray(uint32)))])
_EMPTY: Final = {"count": 0, "props": None}


@INTERFACE.operation(22, "EvtRpcGetPublisherList", request=[("flags", uint32)],
                     response=[("numPublisherIds", uint32), ("publisherIds", _STRINGS)],
                     returns="WERROR")
def EvtRpcGetPublisherList(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    return {"numPublisherIds": len(PUBLISHERS), "publisherIds": list(PUBLISHERS), "ReturnValue": 0}


@INTERFACE.operation(23, "EvtRpcGetPublisherListForChannel",
                     request=[("channelName", WStringRef), ("flags", uint32)],
                     response=[("numPublisherIds", uint32), ("publisherIds", _STRINGS)],
                     returns="WERROR")
def EvtRpcGetPublisherListForChannel(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    channel = channel_named(request["channelName"])
    if channel is None:
        return {"numPublisherIds": 0, "publisherIds": None, "ReturnValue": ERROR_EVT_CHANNEL_NOT_FOUND}
    found = list(_BY_CHANNEL.get(channel, ()))
    return {"numPublisherIds": len(found), "publisherIds": found, "ReturnValue": 0}


@INTERFACE.operation(24, "EvtRpcGetPublisherMetadata",
                     request=[("publisherId", WString), ("logFilePath", WString),
                              ("locale", uint32), ("flags", uint32)],
                     response=[("pubMetadataProps", _VARIANT_LIST), ("pubMetadata", ContextHandle)],
                     returns="WERROR")
def EvtRpcGetPublisherMetadata(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    name = (request["publisherId"] or "").rstrip("\x00").lower()
    known = name in {p.lower() for p in PUBLISHERS}
    status = ERROR_NOT_SUPPORTED if known else ERROR_EVT_PUBLISHER_METADATA_NOT_FOUND
    return {"pubMetadataProps": _EMPTY, "pubMetadata": bytes(20), "ReturnValue": status}


def _no_handle(name: str) -> Any:
    """A call on a publisher-metadata or event-metadata handle: none is ever given out, so
    ``handle_of`` faults (module docstring)."""

    def answer(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        require_privacy(ctx)
        handle_of(ctx, request["handle"], PUBLISHER_KIND, METADATA_ENUM_KIND)
        return {"ReturnValue": ERROR_NOT_SUPPORTED}  # not reached: no such handle exists

    answer.__name__ = name
    return answer


_RENDER_OUT: Final = [("actualSizeString", uint32), ("neededSizeString", uint32),
                      ("string", Pointer(ConformantBytes())), ("error", RPC_INFO)]
INTERFACE.operation(9, "EvtRpcMessageRender", request=[("handle", ContextHandle)],
                    response=_RENDER_OUT, returns="WERROR")(
    _no_handle("EvtRpcMessageRender"))
INTERFACE.operation(25, "EvtRpcGetPublisherResourceMetadata",
                    request=[("handle", ContextHandle), ("propertyId", uint32), ("flags", uint32)],
                    response=[("pubMetadataProps", _VARIANT_LIST)], returns="WERROR")(
    _no_handle("EvtRpcGetPublisherResourceMetadata"))
INTERFACE.operation(26, "EvtRpcGetEventMetadataEnum",
                    request=[("handle", ContextHandle), ("flags", uint32)],
                    response=[("eventMetaDataEnum", ContextHandle)], returns="WERROR")(
    _no_handle("EvtRpcGetEventMetadataEnum"))
INTERFACE.operation(27, "EvtRpcGetNextEventMetadata",
                    request=[("handle", ContextHandle), ("flags", uint32), ("numRequested", uint32)],
                    response=[("numReturned", uint32),
                              ("eventMetadataInstances", Pointer(ConformantArray(uint32)))],
                    returns="WERROR")(_no_handle("EvtRpcGetNextEventMetadata"))


@INTERFACE.operation(10, "EvtRpcMessageRenderDefault",
                     request=[("sizeEventId", uint32)], response=_RENDER_OUT, returns="WERROR")
def EvtRpcMessageRenderDefault(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    return {"actualSizeString": 0, "neededSizeString": 0, "string": None,
            "error": rpc_info(ERROR_NOT_SUPPORTED), "ReturnValue": ERROR_NOT_SUPPORTED}
