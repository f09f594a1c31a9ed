"""The log and channel calls of MS-EVEN6.

* EvtRpcClearLog (6, 3.1.4.16): administrators only (the channels' ChannelAccess gives the clear
  right to SYSTEM and Administrators, D: ``wevtutil gl Security``); others ERROR_ACCESS_DENIED.
  The channel is emptied from the readers' view (MS-EVEN's ElfrReadELW too: the watermark of
  pipes/eventlog/records.py) -- the audit log file itself is never touched -- and, as Windows
  does, the cleared Security log starts with event 1102 "The audit log was cleared"
  (Microsoft-Windows-Eventlog, with the Subject of the caller; D: event 1102 documentation).  A
  backupPath first saves the log as EvtRpcExportLog would.
* EvtRpcExportLog (7, 3.1.4.17): the events a query selects, written to ``backupPath`` on the
  server's disk.  The emulated machine has no disk: the "file" is kept in the server's memory
  (the host file system is never written) and can be read back with EvtRpcRegisterLogQuery
  (EvtQueryFilePath) or EvtRpcOpenLogHandle (file path).  The target must not exist ("The target
  log file must not exist", D: EvtExportLog; EvtExportLogOverwrite 0x2000 allows it):
  ERROR_FILE_EXISTS (80) (U on the exact code).  A UNC path (``\\\\host\\share``) would make
  Windows write to another machine; smbemu never connects out: ERROR_BAD_NETPATH (53), what a
  path to an unreachable host gives (U).  Reading the channel is the right it needs.
* EvtRpcLocalizeExportLog (8): adds localized messages to an exported file: ERROR_SUCCESS for an
  exported file here (nothing to localize: no message tables are modelled, U), else
  ERROR_FILE_NOT_FOUND.
* EvtRpcOpenLogHandle (17, 3.1.4.19) and EvtRpcGetLogFileInfo (18, 3.1.4.20): a handle to a
  channel (flags 1) or exported file (flags 2); the properties (EVT_LOG_PROPERTY_ID 0-7,
  MS-EVEN6 2.2.x EvtLogCreationTime ... EvtLogFull) as an EvtRpcVariant (2.2.8) in the buffer.
* EvtRpcGetChannelList (19, 3.1.4.20): the channels modelled (the five "Windows Logs").  The
  method checks read access to the channel list (3.1.4.20); its ACL admits authenticated users
  (W: ``wevtutil el`` lists the channels for a normal user), so whoever reaches the method may.
* EvtRpcGetClassicLogDisplayName (28): the display name of a log (U: the names themselves).
* EvtRpcAssertConfig (15), EvtRpcRetractConfig (16), EvtRpcPutChannelConfig (21): changes,
  administrators only (ERROR_ACCESS_DENIED to others) and refused to them as well on the
  read-only emulation; EvtRpcGetChannelConfig (20): ERROR_NOT_SUPPORTED (the configuration
  properties are not modelled, U), ERROR_ACCESS_DENIED to a caller who may not read the channel.
"""

from __future__ import annotations

import struct
from datetime import datetime, timezone
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
from smbemu.filetime import to_filetime
from smbemu.status import (
    ERROR_EVT_CHANNEL_NOT_FOUND,
    ERROR_BAD_NETPATH,
    ERROR_FILE_EXISTS,
    ERROR_FILE_NOT_FOUND,
    ERROR_INSUFFICIENT_BUFFER,
    ERROR_INVALID_PARAMETER,
    ERROR_NOT_SUPPORTED,
)
from ..records import clear_log

from . import (
    CHANNELS,
    INTERFACE,
    RPC_INFO,
    channel_named,
    check_admin,
    check_read,
    handle_of,
    records,
    require_privacy,
    rpc_info,
)
from .queries import CONTROL_KIND, EXPORTS_MEMO, LOG_KIND, event_filter

EVT_EXPORT_LOG_FILE_PATH: Final = 0x2
EVT_EXPORT_LOG_OVERWRITE: Final = 0x2000
#: The Eventlog provider of event 1102 (W: its System/Provider in every 1102).
EVENTLOG_PROVIDER: Final = "Microsoft-Windows-Eventlog"


def _exports(ctx: CallContext) -> dict[str, Any]:
    exported: dict[str, Any] = ctx.server.memo(EXPORTS_MEMO, dict)
    return exported


def _export(ctx: CallContext, channel: str, query: str, target: str, flags: int) -> int:
    if target.startswith(("\\\\", "//")):
        return ERROR_BAD_NETPATH
    exported = _exports(ctx)
    key = target.lower()
    if key in exported and not flags & EVT_EXPORT_LOG_OVERWRITE:
        return ERROR_FILE_EXISTS
    wanted = event_filter(query)
    items = [(n, e) for n, e in records(ctx, channel)
             if wanted is None or int(e.get("EventID", 0)) & 0xFFFF in wanted]
    exported[key] = (channel, items)
    return 0


@INTERFACE.operation(6, "EvtRpcClearLog",
                     request=[("control", ContextHandle), ("channelPath", WStringRef),
                              ("backupPath", WString), ("flags", uint32)],
                     response=[("error", RPC_INFO)], returns="WERROR")
def EvtRpcClearLog(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    handle_of(ctx, request["control"], CONTROL_KIND)
    channel = channel_named(request["channelPath"])
    if channel is None:
        return {"error": rpc_info(ERROR_EVT_CHANNEL_NOT_FOUND), "ReturnValue": ERROR_EVT_CHANNEL_NOT_FOUND}
    if ctx.principal.kind.value != "administrator":
        status = check_admin(ctx, f"clear the {channel} log")
        return {"error": rpc_info(status), "ReturnValue": status}
    backup = (request["backupPath"] or "").rstrip("\x00")
    if backup:
        status = _export(ctx, channel, "*", backup, 0)
        if status:
            return {"error": rpc_info(status), "ReturnValue": status}
    clear_log(ctx.server, channel)
    audit = getattr(ctx.server, "audit", None)
    if channel == "Security" and audit is not None:
        principal = ctx.principal
        directory = ctx.server.directory
        user = directory.find_user(principal.user_name) if principal.user_name else None
        audit.emit(1102, True, {
            "Provider": EVENTLOG_PROVIDER,
            "SubjectUserSid": str(user.sid) if user is not None else "S-1-0-0",
            "SubjectUserName": user.name if user is not None else principal.user_name,
            "SubjectDomainName": str(directory.account_domain.name),
            "SubjectLogonId": f"0x{ctx.session_id:X}"})
    return {"error": rpc_info(), "ReturnValue": 0}


@INTERFACE.operation(7, "EvtRpcExportLog",
                     request=[("control", ContextHandle), ("channelPath", WString),
                              ("query", WStringRef), ("backupPath", WStringRef),
                              ("flags", uint32)],
                     response=[("error", RPC_INFO)], returns="WERROR")
def EvtRpcExportLog(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    handle_of(ctx, request["control"], CONTROL_KIND)
    flags = request["flags"]
    path = (request["channelPath"] or "").rstrip("\x00")
    if flags & EVT_EXPORT_LOG_FILE_PATH:
        source = _exports(ctx).get(path.lower())
        if source is None:
            return {"error": rpc_info(ERROR_FILE_NOT_FOUND), "ReturnValue": ERROR_FILE_NOT_FOUND}
        channel = source[0]
    else:
        found = channel_named(path)
        if found is None:
            return {"error": rpc_info(ERROR_EVT_CHANNEL_NOT_FOUND),
                    "ReturnValue": ERROR_EVT_CHANNEL_NOT_FOUND}
        channel = found
    status = check_read(ctx, channel)
    if not status:
        status = _export(ctx, channel, request["query"] or "*",
                         (request["backupPath"] or "").rstrip("\x00"), flags)
    return {"error": rpc_info(status), "ReturnValue": status}


@INTERFACE.operation(8, "EvtRpcLocalizeExportLog",
                     request=[("control", ContextHandle), ("logFilePath", WStringRef),
                              ("locale", uint32), ("flags", uint32)],
                     response=[("error", RPC_INFO)], returns="WERROR")
def EvtRpcLocalizeExportLog(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    handle_of(ctx, request["control"], CONTROL_KIND)
    known = (request["logFilePath"] or "").rstrip("\x00").lower() in _exports(ctx)
    status = 0 if known else ERROR_FILE_NOT_FOUND
    return {"error": rpc_info(status), "ReturnValue": status}


def _refused_change(ctx: CallContext, what: str) -> int:
    require_privacy(ctx)
    return check_admin(ctx, what)


@INTERFACE.operation(15, "EvtRpcAssertConfig", request=[("path", WStringRef), ("flags", uint32)],
                     response=[], returns="WERROR")
def EvtRpcAssertConfig(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return {"ReturnValue": _refused_change(ctx, "change the event log configuration")}


@INTERFACE.operation(16, "EvtRpcRetractConfig", request=[("path", WStringRef), ("flags", uint32)],
                     response=[], returns="WERROR")
def EvtRpcRetractConfig(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return {"ReturnValue": _refused_change(ctx, "change the event log configuration")}


@INTERFACE.operation(17, "EvtRpcOpenLogHandle",
                     request=[("channel", WStringRef), ("flags", uint32)],
                     response=[("handle", ContextHandle), ("error", RPC_INFO)], returns="WERROR")
def EvtRpcOpenLogHandle(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    name = (request["channel"] or "").rstrip("\x00")
    flags = request["flags"]
    if flags == EVT_EXPORT_LOG_FILE_PATH:
        source = _exports(ctx).get(name.lower())
        if source is None:
            return {"handle": bytes(20), "error": rpc_info(ERROR_FILE_NOT_FOUND),
                    "ReturnValue": ERROR_FILE_NOT_FOUND}
        target: tuple[str, str] = ("file", name.lower())
    elif flags == 1:
        channel = channel_named(name)
        if channel is None:
            return {"handle": bytes(20), "error": rpc_info(ERROR_EVT_CHANNEL_NOT_FOUND),
                    "ReturnValue": ERROR_EVT_CHANNEL_NOT_FOUND}
        status = check_read(ctx, channel)
        if status:
            return {"handle": bytes(20), "error": rpc_info(status), "ReturnValue": status}
        target = ("channel", channel)
    else:
        return {"handle": bytes(20), "error": rpc_info(ERROR_INVALID_PARAMETER),
                "ReturnValue": ERROR_INVALID_PARAMETER}
    return {"handle": ctx.handles.create(LOG_KIND, target), "error": rpc_info(), "ReturnValue": 0}


# EVT_LOG_PROPERTY_ID (winevt.h): CreationTime 0, LastAccessTime 1, LastWriteTime 2, FileSize 3,
# Attributes 4, NumberOfLogRecords 5, OldestRecordNumber 6, Full 7.  Answered as one
# EvtRpcVariant (MS-EVEN6 2.2.8) serialized into the buffer: type (DWORD), flags (DWORD) and the
# 8-byte value (EvtVarTypeFileTime 17 / UInt32 8 / UInt64 10 / Boolean 13, winevt.h) (U on the
# exact serialization Windows uses).
_VARIANT_TYPES: Final = {0: 17, 1: 17, 2: 17, 3: 10, 4: 8, 5: 10, 6: 10, 7: 13}


@INTERFACE.operation(18, "EvtRpcGetLogFileInfo",
                     request=[("logHandle", ContextHandle), ("propertyId", uint32),
                              ("propertyValueBufferSize", uint32)],
                     response=[("propertyValueBuffer", ConformantBytes()),
                               ("propertyValueBufferLength", uint32)], returns="WERROR")
def EvtRpcGetLogFileInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    kind, name = handle_of(ctx, request["logHandle"], LOG_KIND).obj
    room = min(request["propertyValueBufferSize"], 2 * 1024 * 1024)
    prop = request["propertyId"]
    if prop not in _VARIANT_TYPES:
        return {"propertyValueBuffer": bytes(room), "propertyValueBufferLength": 0,
                "ReturnValue": ERROR_INVALID_PARAMETER}
    items = records(ctx, name) if kind == "channel" else _exports(ctx).get(name, ("", []))[1]
    now = to_filetime(datetime.now(timezone.utc))
    value = {0: now, 1: now, 2: now, 3: 69632 + 65536 * (len(items) // 100), 4: 0x20,
             5: len(items), 6: items[0][0] if items else 0, 7: 0}[prop]
    data = struct.pack("<IIQ", _VARIANT_TYPES[prop], 0, value)
    if room < len(data):
        return {"propertyValueBuffer": bytes(room), "propertyValueBufferLength": len(data),
                "ReturnValue": ERROR_INSUFFICIENT_BUFFER}
    return {"propertyValueBuffer": data + bytes(room - len(data)),
            "propertyValueBufferLength": len(data), "ReturnValue": 0}


@INTERFACE.operation(19, "EvtRpcGetChannelList", request=[("flags", uint32)],
                     response=[("numChannelPaths", uint32),
                               ("channelPaths", Pointer(ConformantArray(WString)))],
                     returns="WERROR")
def EvtRpcGetChannelList(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    names = sorted(CHANNELS.values())
    return {"numChannelPaths": len(names), "channelPaths": names, "ReturnValue": 0}


#: MS-EVEN6 2.2.9 EvtRpcVariantList as an [out] parameter: answered empty (count 0, NULL).
_EMPTY_VARIANT_LIST: Final = Struct("EvtRpcVariantList", [
    ("count", uint32), ("props", Pointer(ConformantArray(uint32)))])


@INTERFACE.operation(20, "EvtRpcGetChannelConfig",
                     request=[("channelPath", WStringRef), ("flags", uint32)],
                     response=[("props", _EMPTY_VARIANT_LIST)], returns="WERROR")
def EvtRpcGetChannelConfig(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    empty = {"count": 0, "props": None}
    channel = channel_named(request["channelPath"])
    if channel is None:
        return {"props": empty, "ReturnValue": ERROR_EVT_CHANNEL_NOT_FOUND}
    status = check_read(ctx, channel)
    return {"props": empty, "ReturnValue": status or ERROR_NOT_SUPPORTED}


@INTERFACE.operation(21, "EvtRpcPutChannelConfig",
                     request=[("channelPath", WStringRef), ("flags", uint32)],
                     response=[("error", RPC_INFO)], returns="WERROR")
def EvtRpcPutChannelConfig(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    status = _refused_change(ctx, "change a channel's configuration")
    return {"error": rpc_info(status), "ReturnValue": status}


@INTERFACE.operation(28, "EvtRpcGetClassicLogDisplayName",
                     request=[("logName", WStringRef), ("locale", uint32), ("flags", uint32)],
                     response=[("displayName", WString)],
                     returns="WERROR")
def EvtRpcGetClassicLogDisplayName(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    channel = channel_named(request["logName"])
    if channel is None:
        return {"displayName": None, "ReturnValue": ERROR_EVT_CHANNEL_NOT_FOUND}
    return {"displayName": channel, "ReturnValue": 0}
