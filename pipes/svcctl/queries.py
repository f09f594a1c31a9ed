"""The SCM's remaining queries and its lock: RQueryServiceObjectSecurity (4),
REnumDependentServicesW (13), RQueryServiceLockStatusW (18), RQueryServiceConfig2W (39),
REnumServicesStatusExW (42), RQueryServiceConfigEx (56), RLockServiceDatabase (3) and
RUnlockServiceDatabase (8), as MS-SCMR 3.1.4 answers them over the release's services.

Buffers follow the SCM's rules: the rights on the handle first (ERROR_ACCESS_DENIED), then the
size -- too small is ERROR_INSUFFICIENT_BUFFER (or ERROR_MORE_DATA for enumerations) with the
bytes needed in pcbBytesNeeded, and a size beyond the IDL's bound ERROR_INVALID_PARAMETER.
"""

from __future__ import annotations

import struct
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    ConformantBytes,
    ContextHandle,
    Pointer,
    Struct,
    WString,
    WStringRef,
    uint32,
)
from smbemu.security_descriptor import self_relative
from smbemu.service_catalog import SERVICE_RUNNING, SERVICE_STOPPED, Service, current, services_of
from smbemu.status import (
    ERROR_INSUFFICIENT_BUFFER,
    ERROR_INVALID_LEVEL,
    ERROR_INVALID_PARAMETER,
    ERROR_MORE_DATA,
    ERROR_SERVICE_DATABASE_LOCKED,
    ERROR_SERVICE_DOES_NOT_EXIST,
)

from . import _MANAGER, _MAX_CONFIG_BUFFER, _MAX_ENUM_BUFFER, _SERVICE, INTERFACE, _entry, _lacks, _status
from .config2 import settings_buffer
from .lifecycle import sweep
from .access import (
    READ_CONTROL,
    SC_MANAGER,
    SC_MANAGER_ALL_ACCESS,
    SC_MANAGER_CONNECT,
    SC_MANAGER_ENUMERATE_SERVICE,
    SC_MANAGER_LOCK,
    SC_MANAGER_QUERY_LOCK_STATUS,
    SERVICE,
    SERVICE_ALL_ACCESS,
    SERVICE_ENUMERATE_DEPENDENTS,
    SERVICE_QUERY_CONFIG,
)

#: MS-SCMR 2.2.46 dwServiceState.
_ACTIVE, _INACTIVE, _ALL = 1, 2, 3
_LOCK: Final = "svcctl.lock"
#: Where a server keeps who holds the SCM lock (its memo: per server).
_LOCK_OWNER: Final = "svcctl.lock_owner"

# -------------------------------------------------------------------------------------------
# RQueryServiceObjectSecurity (4)
# -------------------------------------------------------------------------------------------
#: The default DACLs (W: `sc sdshow scmanager` and `sc sdshow <service>` on Server 2003 and
#: later): the SCM gives SYSTEM CONNECT | ENUMERATE_SERVICE | QUERY_LOCK_STATUS |
#: MODIFY_BOOT_CONFIG | READ_CONTROL, Administrators all, Authenticated Users CONNECT; a service
#: gives SYSTEM everything but DELETE and the WRITE_* rights, Administrators all, Authenticated
#: Users QUERY_CONFIG | QUERY_STATUS | ENUMERATE_DEPENDENTS | INTERROGATE | USER_DEFINED_CONTROL |
#: READ_CONTROL ("CCLCSWLOCRRC").
_SCM_DACL: Final = (("S-1-5-18", 0x00020035), ("S-1-5-32-544", SC_MANAGER_ALL_ACCESS),
                    ("S-1-5-11", SC_MANAGER_CONNECT))
_SERVICE_DACL: Final = (("S-1-5-18", 0x000201FD), ("S-1-5-32-544", SERVICE_ALL_ACCESS),
                        ("S-1-5-11", 0x0002018D))


#: OWNER / GROUP / DACL / SACL_SECURITY_INFORMATION (MS-DTYP 2.4.7): what a service's
#: descriptor is made of.
_SECURITY_INFORMATION: Final = 0x0000000F


@INTERFACE.operation(4, "RQueryServiceObjectSecurity",
                     request=[("hService", ContextHandle), ("dwSecurityInformation", uint32),
                              ("cbBufSize", uint32)],
                     response=[("lpSecurityDescriptor", ConformantBytes()), ("pcbBytesNeeded", uint32)],
                     returns="error_status_t")
def RQueryServiceObjectSecurity(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.4: READ_CONTROL on either kind of handle; the descriptor (owner and group
    SYSTEM) or ERROR_INSUFFICIENT_BUFFER with its size."""
    entry = _entry(ctx, request["hService"])
    room = request["cbBufSize"]
    asked = request["dwSecurityInformation"]
    if room > _MAX_ENUM_BUFFER:
        return {"lpSecurityDescriptor": b"", "pcbBytesNeeded": 0, "ReturnValue": ERROR_INVALID_PARAMETER}
    if not asked or asked & ~_SECURITY_INFORMATION:
        # "The specified security information is not valid" (MS-SCMR RQueryServiceObjectSecurity
        # return values); smbtorture's rpc.svcctl, written against Windows, sends 0 and expects
        # ERROR_INVALID_PARAMETER before the buffer size is looked at.
        return {"lpSecurityDescriptor": bytes(room), "pcbBytesNeeded": 0,
                "ReturnValue": ERROR_INVALID_PARAMETER}
    object_type = SC_MANAGER if entry.kind == _MANAGER else SERVICE
    status = _lacks(ctx, entry.granted_access, READ_CONTROL, object_type)
    if status:
        return {"lpSecurityDescriptor": bytes(room), "pcbBytesNeeded": 0, "ReturnValue": status}
    dacl = _SCM_DACL if entry.kind == _MANAGER else _SERVICE_DACL
    descriptor = self_relative(request["dwSecurityInformation"], "S-1-5-18", "S-1-5-18", dacl)
    if room < len(descriptor):
        return {"lpSecurityDescriptor": bytes(room), "pcbBytesNeeded": len(descriptor),
                "ReturnValue": ERROR_INSUFFICIENT_BUFFER}
    return {"lpSecurityDescriptor": descriptor + bytes(room - len(descriptor)),
            "pcbBytesNeeded": len(descriptor), "ReturnValue": 0}


# -------------------------------------------------------------------------------------------
# REnumDependentServicesW (13), REnumServicesStatusExW (42)
# -------------------------------------------------------------------------------------------
_ENUM_STATUS: Final = struct.Struct("<II7I")  # ENUM_SERVICE_STATUSW (MS-SCMR 2.2.11), 36 bytes
_ENUM_PROCESS: Final = struct.Struct("<II9I")  # ENUM_SERVICE_STATUS_PROCESSW (2.2.12), 44 bytes


def _states(state: int) -> set[int] | None:
    return {_ACTIVE: {SERVICE_RUNNING}, _INACTIVE: {SERVICE_STOPPED},
            _ALL: {SERVICE_RUNNING, SERVICE_STOPPED}}.get(state)


#: The character sets of the W calls and of the A calls (MS-SCMR 2.2.x *A structures: "ANSI"
#: strings, in the server's ANSI code page -- Windows-1252 on an en-US install, W).
UNICODE: Final = "utf-16-le"
ANSI: Final = "cp1252"


def encoded(text: str, charset: str = UNICODE) -> bytes:
    """``text`` and its NUL in the call's character set (unmappable characters as "?")."""
    return (text + "\x00").encode(charset, "replace")


def _records(ctx: CallContext, services: list[Service], record: struct.Struct,
             room: int, charset: str = UNICODE) -> tuple[bytes, int, int]:
    """(buffer, services that fit, bytes the rest needs): records first, then their strings,
    string pointers as offsets from the buffer start (MS-SCMR 3.1.4.11)."""
    def size(s: Service) -> int:
        return record.size + len(encoded(s.name, charset)) + len(encoded(s.display_name, charset))

    fits: list[Service] = []
    used = 0
    for service in services:
        if used + size(service) > room:
            break
        fits.append(service)
        used += size(service)
    strings = b""
    records = b""
    base = record.size * len(fits)
    for service in fits:
        name_at = base + len(strings)
        strings += encoded(service.name, charset)
        display_at = base + len(strings)
        strings += encoded(service.display_name, charset)
        values = list(_status(ctx, service).values())
        if record is _ENUM_PROCESS:
            values += [0, 0]  # dwProcessId (U: not known), dwServiceFlags
        records += record.pack(name_at, display_at, *values)
    data = records + strings
    return data + bytes(room - len(data)), len(fits), sum(size(s) for s in services[len(fits):])


@INTERFACE.operation(13, "REnumDependentServicesW",
                     request=[("hService", ContextHandle), ("dwServiceState", uint32),
                              ("cbBufSize", uint32)],
                     response=[("lpServices", ConformantBytes()), ("pcbBytesNeeded", uint32),
                               ("lpServicesReturned", uint32)],
                     returns="error_status_t")
def REnumDependentServicesW(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.12: SERVICE_ENUMERATE_DEPENDENTS; the emulated services declare no
    dependencies on each other, so the list is empty (U: Windows lists e.g. Browser under
    LanmanServer)."""
    entry = _entry(ctx, request["hService"], _SERVICE)
    room = request["cbBufSize"]
    failed = {"lpServices": b"", "pcbBytesNeeded": 0, "lpServicesReturned": 0}
    if room > _MAX_ENUM_BUFFER or _states(request["dwServiceState"]) is None:
        return {**failed, "ReturnValue": ERROR_INVALID_PARAMETER}
    status = _lacks(ctx, entry.granted_access, SERVICE_ENUMERATE_DEPENDENTS, SERVICE)
    return {**failed, "lpServices": bytes(room), "ReturnValue": status}


@INTERFACE.operation(42, "REnumServicesStatusExW",
                     request=[("hSCManager", ContextHandle), ("InfoLevel", uint32),
                              ("dwServiceType", uint32), ("dwServiceState", uint32),
                              ("cbBufSize", uint32), ("lpResumeIndex", Pointer(uint32)),
                              ("pszGroupName", WString)],
                     response=[("lpBuffer", ConformantBytes()), ("pcbBytesNeeded", uint32),
                               ("lpServicesReturned", uint32), ("lpResumeIndex", Pointer(uint32))],
                     returns="error_status_t")
def REnumServicesStatusExW(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.40: level SC_ENUM_PROCESS_INFO (0) only, else ERROR_INVALID_LEVEL; the
    services of the asked types, states and load-order group (the catalog's services belong
    to none: a group name other than "" matches nothing, NULL matches all)."""
    if request["InfoLevel"] != 0:
        _entry(ctx, request["hSCManager"], _MANAGER)
        return {"lpBuffer": b"", "pcbBytesNeeded": 0, "lpServicesReturned": 0,
                "lpResumeIndex": request["lpResumeIndex"], "ReturnValue": ERROR_INVALID_LEVEL}
    return enumerate_services(ctx, request, _ENUM_PROCESS)


def enumerate_services(ctx: CallContext, request: dict[str, Any], record: struct.Struct,
                       charset: str = UNICODE) -> dict[str, Any]:
    """The enumerations' common answer (MS-SCMR 3.1.4.14, 3.1.4.33, 3.1.4.40 and their A
    forms): the buffer bound, SC_MANAGER_ENUMERATE_SERVICE on the handle, the types and states
    asked, the load-order group when the call names one (``pszGroupName``: NULL for all, ""
    for the services in no group -- every catalog service -- any other name matches no group:
    ERROR_SERVICE_DOES_NOT_EXIST), then the records from the resume index; what does not fit is
    ERROR_MORE_DATA with the bytes the rest needs in pcbBytesNeeded."""
    entry = _entry(ctx, request["hSCManager"], _MANAGER)
    sweep(ctx)
    room, resume = request["cbBufSize"], request["lpResumeIndex"]
    failed = {"lpBuffer": b"", "pcbBytesNeeded": 0, "lpServicesReturned": 0, "lpResumeIndex": resume}
    if room > _MAX_ENUM_BUFFER:
        return {**failed, "ReturnValue": ERROR_INVALID_PARAMETER}
    failed["lpBuffer"] = bytes(room)
    status = _lacks(ctx, entry.granted_access, SC_MANAGER_ENUMERATE_SERVICE, SC_MANAGER)
    if status:
        return {**failed, "ReturnValue": status}
    states = _states(request["dwServiceState"])
    if not request["dwServiceType"] or states is None:
        return {**failed, "ReturnValue": ERROR_INVALID_PARAMETER}
    group = request.get("pszGroupName")
    if group is not None and group.rstrip("\x00"):
        return {**failed, "ReturnValue": ERROR_SERVICE_DOES_NOT_EXIST}
    matching = [s for s in services_of(ctx.server)
                if s.service_type & request["dwServiceType"] and s.state in states]
    start = resume or 0
    data, returned, rest = _records(ctx, matching[start:], record, room, charset)
    return {"lpBuffer": data, "pcbBytesNeeded": rest, "lpServicesReturned": returned,
            "lpResumeIndex": None if resume is None else (start + returned if rest else 0),
            "ReturnValue": ERROR_MORE_DATA if rest else 0}


# -------------------------------------------------------------------------------------------
# RQueryServiceConfig2W (39), RQueryServiceConfigEx (56)
# -------------------------------------------------------------------------------------------
@INTERFACE.operation(39, "RQueryServiceConfig2W",
                     request=[("hService", ContextHandle), ("dwInfoLevel", uint32),
                              ("cbBufSize", uint32)],
                     response=[("lpBuffer", ConformantBytes()), ("pcbBytesNeeded", uint32)],
                     returns="error_status_t")
def RQueryServiceConfig2W(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.37: SERVICE_QUERY_CONFIG; levels 1 and 2 on every release, 3-7 from Vista
    on (ERROR_INVALID_LEVEL before, and for any other level)."""
    return query_config2(ctx, request, UNICODE)


def query_config2(ctx: CallContext, request: dict[str, Any], charset: str) -> dict[str, Any]:
    """RQueryServiceConfig2W / A (MS-SCMR 3.1.4.37 / 3.1.4.36) in ``charset``."""
    entry = _entry(ctx, request["hService"], _SERVICE)
    room, level = request["cbBufSize"], request["dwInfoLevel"]
    if room > _MAX_CONFIG_BUFFER:
        return {"lpBuffer": b"", "pcbBytesNeeded": 0, "ReturnValue": ERROR_INVALID_PARAMETER}
    status = _lacks(ctx, entry.granted_access, SERVICE_QUERY_CONFIG, SERVICE)
    if status:
        return {"lpBuffer": bytes(room), "pcbBytesNeeded": 0, "ReturnValue": status}
    data = settings_buffer(ctx.server, current(ctx.server, entry.obj), level, charset)
    if data is None or (level > 2 and ctx.server.profile.identity.version < (6, 0)):
        return {"lpBuffer": bytes(room), "pcbBytesNeeded": 0, "ReturnValue": ERROR_INVALID_LEVEL}
    if room < len(data):
        return {"lpBuffer": bytes(room), "pcbBytesNeeded": len(data),
                "ReturnValue": ERROR_INSUFFICIENT_BUFFER}
    return {"lpBuffer": data + bytes(room - len(data)), "pcbBytesNeeded": len(data), "ReturnValue": 0}


#: SC_RPC_CONFIG_INFOW's level 8 arm, SERVICE_TRIGGER_INFO (MS-SCMR 2.2.49).
SERVICE_TRIGGER_INFO: Final = Struct("SERVICE_TRIGGER_INFO", [
    ("cTriggers", uint32), ("pTriggers", Pointer(uint32)), ("pReserved", Pointer(uint32))])
#: SERVICE_CONFIG_TRIGGER_INFO, the one level RQueryServiceConfigEx answers (3.1.4.51).
_TRIGGER_INFO_LEVEL: Final = 8


@INTERFACE.operation(56, "RQueryServiceConfigEx",
                     request=[("hService", ContextHandle), ("dwInfoLevel", uint32)],
                     response=[("dwInfoLevel", uint32), ("tag", uint32),
                               ("psti", Pointer(SERVICE_TRIGGER_INFO))],
                     returns="error_status_t")
def RQueryServiceConfigEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.51 (Windows 7 / 2008 R2 on): SC_RPC_CONFIG_INFOW level 8, the service's
    triggers -- none for the catalog's services (U: Windows lists the trigger-start ones');
    other levels ERROR_INVALID_LEVEL."""
    entry = _entry(ctx, request["hService"], _SERVICE)
    level = request["dwInfoLevel"]
    if level != _TRIGGER_INFO_LEVEL:
        return {"dwInfoLevel": level, "tag": level, "psti": None, "ReturnValue": ERROR_INVALID_LEVEL}
    status = _lacks(ctx, entry.granted_access, SERVICE_QUERY_CONFIG, SERVICE)
    if status:
        return {"dwInfoLevel": level, "tag": level, "psti": None, "ReturnValue": status}
    return {"dwInfoLevel": level, "tag": level,
            "psti": {"cTriggers": 0, "pTriggers": None, "pReserved": None}, "ReturnValue": 0}


# -------------------------------------------------------------------------------------------
# The lock: RLockServiceDatabase (3), RUnlockServiceDatabase (8), RQueryServiceLockStatusW (18)
# -------------------------------------------------------------------------------------------
QUERY_SERVICE_LOCK_STATUSW: Final = Struct("QUERY_SERVICE_LOCK_STATUSW", [
    ("fIsLocked", uint32), ("lpLockOwner", WString), ("dwLockDuration", uint32)])


@INTERFACE.operation(3, "RLockServiceDatabase", request=[("hSCManager", ContextHandle)],
                     response=[("lpLock", ContextHandle)], returns="error_status_t")
def RLockServiceDatabase(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.4: SC_MANAGER_LOCK (administrators); one lock per server at a time
    (ERROR_SERVICE_DATABASE_LOCKED while another is held).  The lock changes nothing else: the emulated SCM starts
    no service that the lock would hold back."""
    entry = _entry(ctx, request["hSCManager"], _MANAGER)
    status = _lacks(ctx, entry.granted_access, SC_MANAGER_LOCK, SC_MANAGER)
    if status:
        return {"lpLock": bytes(20), "ReturnValue": status}
    if _lock_owner(ctx) is not None:
        return {"lpLock": bytes(20), "ReturnValue": ERROR_SERVICE_DATABASE_LOCKED}
    owner = f"{ctx.principal.domain}\\{ctx.principal.user_name}"
    lock = ctx.handles.create(_LOCK, owner, 0)
    _lock_slot(ctx)["held"] = (lock, owner, ctx.handles)
    return {"lpLock": lock, "ReturnValue": 0}


def _lock_slot(ctx: CallContext) -> dict[str, Any]:
    slot: dict[str, Any] = ctx.server.memo(_LOCK_OWNER, dict)
    return slot


def _lock_owner(ctx: CallContext) -> str | None:
    """Who holds the SCM lock: nobody once its handle is gone (unlocked, or its association
    ended: a client that disconnects cannot leave the database locked, MS-RPCE context rundown)."""
    slot = _lock_slot(ctx)
    held = slot.get("held")
    if held is None:
        return None
    lock, owner, table = held
    if table.lookup(lock, _LOCK) is None:
        del slot["held"]
        return None
    return str(owner)


@INTERFACE.operation(8, "RUnlockServiceDatabase", request=[("Lock", ContextHandle)],
                     response=[("Lock", ContextHandle)], returns="error_status_t")
def RUnlockServiceDatabase(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.9: releases the lock and zeroes the handle."""
    _entry(ctx, request["Lock"], _LOCK)
    ctx.handles.close(request["Lock"])
    _lock_slot(ctx).pop("held", None)
    return {"Lock": bytes(20), "ReturnValue": 0}


@INTERFACE.operation(18, "RQueryServiceLockStatusW",
                     request=[("hSCManager", ContextHandle), ("cbBufSize", uint32)],
                     response=[("lpLockStatus", QUERY_SERVICE_LOCK_STATUSW), ("pcbBytesNeeded", uint32)],
                     returns="error_status_t")
def RQueryServiceLockStatusW(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.18: SC_MANAGER_QUERY_LOCK_STATUS; the buffer must hold the 12-byte
    structure and the owner's name (ERROR_INSUFFICIENT_BUFFER with the size, else)."""
    return query_lock_status(ctx, request, UNICODE)


def query_lock_status(ctx: CallContext, request: dict[str, Any], charset: str) -> dict[str, Any]:
    """RQueryServiceLockStatusW / A (MS-SCMR 3.1.4.18 / 3.1.4.29) in ``charset``."""
    entry = _entry(ctx, request["hSCManager"], _MANAGER)
    empty = {"fIsLocked": 0, "lpLockOwner": "", "dwLockDuration": 0}
    if request["cbBufSize"] > 4 * 1024:
        return {"lpLockStatus": empty, "pcbBytesNeeded": 0, "ReturnValue": ERROR_INVALID_PARAMETER}
    status = _lacks(ctx, entry.granted_access, SC_MANAGER_QUERY_LOCK_STATUS, SC_MANAGER)
    if status:
        return {"lpLockStatus": empty, "pcbBytesNeeded": 0, "ReturnValue": status}
    owner = _lock_owner(ctx)
    answer = {"fIsLocked": 1, "lpLockOwner": owner, "dwLockDuration": 0} if owner else empty
    needed = 12 + len(encoded(owner or "", charset))
    if request["cbBufSize"] < needed:
        return {"lpLockStatus": empty, "pcbBytesNeeded": needed, "ReturnValue": ERROR_INSUFFICIENT_BUFFER}
    return {"lpLockStatus": answer, "pcbBytesNeeded": needed, "ReturnValue": 0}
