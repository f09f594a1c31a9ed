"""REnumServicesStatusW (14), REnumServiceGroupW (35) and the name lookups
RGetServiceDisplayNameW (20) / RGetServiceKeyNameW (21)."""

from __future__ import annotations

from typing import Any

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ContextHandle, ConformantBytes, Pointer, Sized, WString, WStringRef, uint32
from smbemu.service_catalog import services_of
from smbemu.status import ERROR_INSUFFICIENT_BUFFER, ERROR_SERVICE_DOES_NOT_EXIST

from . import INTERFACE, _MANAGER, _entry
from .queries import _ENUM_STATUS, enumerate_services

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
    return enumerate_services(ctx, request, _ENUM_STATUS)


@INTERFACE.operation(35, "REnumServiceGroupW",
                     request=[("hSCManager", ContextHandle), ("dwServiceType", uint32),
                              ("dwServiceState", uint32), ("cbBufSize", uint32),
                              ("lpResumeIndex", Pointer(uint32)), ("pszGroupName", WString)],
                     response=[("lpBuffer", ConformantBytes()), ("pcbBytesNeeded", uint32),
                               ("lpServicesReturned", uint32),
                               ("lpResumeIndex", Pointer(uint32))],
                     returns="error_status_t")
def REnumServiceGroupW(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.33: REnumServicesStatusW restricted to a load-order group (ENUM_SERVICE_STATUSW
    records; the group rules of `enumerate_services`)."""
    return enumerate_services(ctx, request, _ENUM_STATUS)


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
    found = next((s.display_name for s in services_of(ctx.server)
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
    found = next((s.name for s in services_of(ctx.server)
                  if s.display_name.lower() == wanted), None)
    return _name_reply(ctx, request, found, "lpServiceName")


__all__ = ["REnumServiceGroupW", "REnumServicesStatusW", "RGetServiceDisplayNameW",
           "RGetServiceKeyNameW"]
