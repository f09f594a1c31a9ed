"""REnumServicesStatusW (14) and the name lookups RGetServiceDisplayNameW (20) /
RGetServiceKeyNameW (21)."""

from __future__ import annotations

from typing import Any

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ConformantBytes, ContextHandle, Pointer, Sized, WStringRef, uint32

from smbemu.status import (
    ERROR_INSUFFICIENT_BUFFER,
    ERROR_INVALID_PARAMETER,
    ERROR_MORE_DATA,
    ERROR_SERVICE_DOES_NOT_EXIST,
)

from . import (
    INTERFACE,
    _MAX_ENUM_BUFFER,
    _MANAGER,
    _entry,
    _lacks,
)
from .access import SC_MANAGER, SC_MANAGER_ENUMERATE_SERVICE
from .queries import _ENUM_STATUS, _records
from smbemu.service_catalog import SERVICE_RUNNING, SERVICE_STOPPED, services_for, services_of

#: MS-SCMR 2.2.46 dwServiceState.
_ACTIVE, _INACTIVE, _ALL = 1, 2, 3


@INTERFACE.operation(14, "REnumServicesStatusW",
                     request=[("hSCManager", ContextHandle), ("dwServiceType", uint32),
                              ("dwServiceState", uint32), ("cbBufSize", uint32),
                              ("lpResumeIndex", Pointer(uint32))],
                     response=[("lpBuffer", ConformantBytes()), ("pcbBytesNeeded", uint32),
                               ("lpServicesReturned", uint32),
                               ("lpResumeIndex", Pointer(uint32))],
                     returns="error_status_t")
def REnumServicesStatusW(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.11: the services of the asked types and states, from the resume index;
    what does not fit is ERROR_MORE_DATA with the bytes the rest needs in pcbBytesNeeded."""
    entry = _entry(ctx, request["hSCManager"], _MANAGER)
    room = request["cbBufSize"]
    resume = request["lpResumeIndex"]
    failed = {"lpBuffer": b"", "pcbBytesNeeded": 0, "lpServicesReturned": 0,
              "lpResumeIndex": resume}
    if room > _MAX_ENUM_BUFFER:
        return {**failed, "ReturnValue": ERROR_INVALID_PARAMETER}
    failed["lpBuffer"] = bytes(room)
    status = _lacks(ctx, entry.granted_access, SC_MANAGER_ENUMERATE_SERVICE, SC_MANAGER)
    if status:
        return {**failed, "ReturnValue": status}
    kinds, state = request["dwServiceType"], request["dwServiceState"]
    if not kinds or state not in (_ACTIVE, _INACTIVE, _ALL):
        return {**failed, "ReturnValue": ERROR_INVALID_PARAMETER}
    states = {_ACTIVE: {SERVICE_RUNNING}, _INACTIVE: {SERVICE_STOPPED},
              _ALL: {SERVICE_RUNNING, SERVICE_STOPPED}}[state]
    matching = [s for s in services_of(ctx.server)
                if s.service_type & kinds and s.state in states]
    start = resume or 0
    data, returned, needed = _records(ctx, matching[start:], _ENUM_STATUS, room)
    return {"lpBuffer": data, "lpServicesReturned": returned, "pcbBytesNeeded": needed,
            "lpResumeIndex": None if resume is None else (start + returned if needed else 0),
            "ReturnValue": ERROR_MORE_DATA if needed else 0}


def _name_reply(ctx: CallContext, request: dict[str, Any], found: str | None,
                out_name: str) -> dict[str, Any]:
    """The [out] string and lpcchBuffer of the two name lookups (MS-SCMR 3.1.4.20/21): the
    name when the buffer holds it with its NUL, else ERROR_INSUFFICIENT_BUFFER and the length
    needed (characters without the NUL)."""
    room = request["lpcchBuffer"]
    if found is None:
        return {out_name: Sized("", max(room, 0) + 1), "lpcchBuffer": room,
                "ReturnValue": ERROR_SERVICE_DOES_NOT_EXIST}
    if room <= len(found):
        return {out_name: Sized("", room + 1), "lpcchBuffer": len(found),
                "ReturnValue": ERROR_INSUFFICIENT_BUFFER}
    return {out_name: Sized(found, room + 1), "lpcchBuffer": len(found), "ReturnValue": 0}


@INTERFACE.operation(20, "RGetServiceDisplayNameW",
                     request=[("hSCManager", ContextHandle), ("lpServiceName", WStringRef),
                              ("lpcchBuffer", uint32)],
                     response=[("lpDisplayName", WStringRef), ("lpcchBuffer", uint32)],
                     returns="error_status_t")
def RGetServiceDisplayNameW(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.20: the display name of a service key name."""
    _entry(ctx, request["hSCManager"], _MANAGER)
    wanted = request["lpServiceName"].rstrip("\x00").lower()
    found = next((s.display_name for s in services_for(ctx.server.profile)
                  if s.name.lower() == wanted), None)
    return _name_reply(ctx, request, found, "lpDisplayName")


@INTERFACE.operation(21, "RGetServiceKeyNameW",
                     request=[("hSCManager", ContextHandle), ("lpDisplayName", WStringRef),
                              ("lpcchBuffer", uint32)],
                     response=[("lpServiceName", WStringRef), ("lpcchBuffer", uint32)],
                     returns="error_status_t")
def RGetServiceKeyNameW(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.21: the key name of a service display name (case-insensitive)."""
    _entry(ctx, request["hSCManager"], _MANAGER)
    wanted = request["lpDisplayName"].rstrip("\x00").lower()
    found = next((s.name for s in services_for(ctx.server.profile)
                  if s.display_name.lower() == wanted), None)
    return _name_reply(ctx, request, found, "lpServiceName")


__all__ = ["REnumServicesStatusW", "RGetServiceDisplayNameW", "RGetServiceKeyNameW"]
