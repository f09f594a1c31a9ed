"""The ANSI ("A") forms of the SCM's read calls (MS-SCMR 3.1.4): each answers as its W twin --
the same checks, statuses and buffer rules -- with its strings as 8-bit characters in the
server's ANSI code page (MS-SCMR 2.2.x *A structures; `queries.ANSI`), as the SCM converts them
for an A caller:

== ============================ ============================================= =================
25 REnumDependentServicesA      REnumDependentServicesW (13)                   3.1.4.24
26 REnumServicesStatusA         REnumServicesStatusW (14), ENUM_SERVICE_STATUSA 3.1.4.25
27 ROpenSCManagerA              ROpenSCManagerW (15)                           3.1.4.26
28 ROpenServiceA                ROpenServiceW (16)                             3.1.4.27
29 RQueryServiceConfigA         RQueryServiceConfigW (17), QUERY_SERVICE_CONFIGA 3.1.4.28
30 RQueryServiceLockStatusA     RQueryServiceLockStatusW (18)                  3.1.4.29
32 RGetServiceDisplayNameA      RGetServiceDisplayNameW (20)                   3.1.4.31
33 RGetServiceKeyNameA          RGetServiceKeyNameW (21)                       3.1.4.32
38 RQueryServiceConfig2A        RQueryServiceConfig2W (39)                     3.1.4.36
41 REnumServicesStatusExA       REnumServicesStatusExW (42)                    3.1.4.39
== ============================ ============================================= =================

Sizes (pcbBytesNeeded) count the A strings' bytes.  The two name lookups return an
``[out, string, size_is(*lpcchBuffer)]`` string (no "+ 1" as in the W forms): the buffer the
client offered, holding the name and its NUL when it fits.
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    CSTR,
    ConformantBytes,
    ContextHandle,
    CString,
    Pointer,
    Sized,
    Struct,
    uint32,
)
from smbemu.status import ERROR_INVALID_LEVEL

from . import INTERFACE, _MANAGER, ROpenSCManagerW, ROpenServiceW, _entry, query_config
from .lookups import RGetServiceDisplayNameW, RGetServiceKeyNameW
from .queries import (
    _ENUM_PROCESS,
    _ENUM_STATUS,
    ANSI,
    REnumDependentServicesW,
    enumerate_services,
    query_config2,
    query_lock_status,
)

#: ``[string] LPSTR`` passed by reference.
CStringRef: Final = Pointer(CSTR, "ref")
#: MS-SCMR 2.2.14 QUERY_SERVICE_CONFIGA.
QUERY_SERVICE_CONFIGA: Final = Struct("QUERY_SERVICE_CONFIGA", [
    ("dwServiceType", uint32), ("dwStartType", uint32), ("dwErrorControl", uint32),
    ("lpBinaryPathName", CString), ("lpLoadOrderGroup", CString), ("dwTagId", uint32),
    ("lpDependencies", CString), ("lpServiceStartName", CString), ("lpDisplayName", CString)])
#: MS-SCMR 2.2.16 QUERY_SERVICE_LOCK_STATUSA.
QUERY_SERVICE_LOCK_STATUSA: Final = Struct("QUERY_SERVICE_LOCK_STATUSA", [
    ("fIsLocked", uint32), ("lpLockOwner", CString), ("dwLockDuration", uint32)])

_ENUM_OUT: Final = [("lpBuffer", ConformantBytes()), ("pcbBytesNeeded", uint32),
                    ("lpServicesReturned", uint32), ("lpResumeIndex", Pointer(uint32))]


@INTERFACE.operation(25, "REnumDependentServicesA",
                     request=[("hService", ContextHandle), ("dwServiceState", uint32),
                              ("cbBufSize", uint32)],
                     response=[("lpServices", ConformantBytes()), ("pcbBytesNeeded", uint32),
                               ("lpServicesReturned", uint32)],
                     returns="error_status_t")
def REnumDependentServicesA(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.24: no emulated service has dependents (the W form says why)."""
    return REnumDependentServicesW(ctx, request)


@INTERFACE.operation(26, "REnumServicesStatusA",
                     request=[("hSCManager", ContextHandle), ("dwServiceType", uint32),
                              ("dwServiceState", uint32), ("cbBufSize", uint32),
                              ("lpResumeIndex", Pointer(uint32))],
                     response=_ENUM_OUT, returns="error_status_t")
def REnumServicesStatusA(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.25: ENUM_SERVICE_STATUSA records (MS-SCMR 2.2.10)."""
    return enumerate_services(ctx, request, _ENUM_STATUS, ANSI)


@INTERFACE.operation(27, "ROpenSCManagerA",
                     request=[("lpMachineName", CString), ("lpDatabaseName", CString),
                              ("dwDesiredAccess", uint32)],
                     response=[("lpScHandle", ContextHandle)], returns="error_status_t")
def ROpenSCManagerA(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.26: the database names and access rules of ROpenSCManagerW."""
    return ROpenSCManagerW(ctx, request)


@INTERFACE.operation(28, "ROpenServiceA",
                     request=[("hSCManager", ContextHandle), ("lpServiceName", CStringRef),
                              ("dwDesiredAccess", uint32)],
                     response=[("lpServiceHandle", ContextHandle)], returns="error_status_t")
def ROpenServiceA(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.27: a service by key name, as ROpenServiceW."""
    return ROpenServiceW(ctx, request)


@INTERFACE.operation(29, "RQueryServiceConfigA",
                     request=[("hService", ContextHandle), ("cbBufSize", uint32)],
                     response=[("lpServiceConfig", QUERY_SERVICE_CONFIGA),
                               ("pcbBytesNeeded", uint32)],
                     returns="error_status_t")
def RQueryServiceConfigA(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.28: QUERY_SERVICE_CONFIGA, sized with one byte per character."""
    return query_config(ctx, request, 1)


@INTERFACE.operation(30, "RQueryServiceLockStatusA",
                     request=[("hSCManager", ContextHandle), ("cbBufSize", uint32)],
                     response=[("lpLockStatus", QUERY_SERVICE_LOCK_STATUSA),
                               ("pcbBytesNeeded", uint32)],
                     returns="error_status_t")
def RQueryServiceLockStatusA(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.29: QUERY_SERVICE_LOCK_STATUSA."""
    return query_lock_status(ctx, request, ANSI)


def _ansi_name(reply: dict[str, Any], out_name: str, room: int) -> dict[str, Any]:
    """A W name reply with its string re-sized for ``size_is(*lpcchBuffer)`` (module docstring);
    a buffer of no characters still carries the NUL of an empty string."""
    text = reply[out_name].value if isinstance(reply[out_name], Sized) else reply[out_name]
    if len(text) + 1 > room:
        text = ""
    return {**reply, out_name: Sized(text, max(room, len(text) + 1))}


@INTERFACE.operation(32, "RGetServiceDisplayNameA",
                     request=[("hSCManager", ContextHandle), ("lpServiceName", CStringRef),
                              ("lpcchBuffer", uint32)],
                     response=[("lpDisplayName", CStringRef), ("lpcchBuffer", uint32)],
                     returns="error_status_t")
def RGetServiceDisplayNameA(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.31: the display name of a service key name."""
    return _ansi_name(RGetServiceDisplayNameW(ctx, request), "lpDisplayName", request["lpcchBuffer"])


@INTERFACE.operation(33, "RGetServiceKeyNameA",
                     request=[("hSCManager", ContextHandle), ("lpDisplayName", CStringRef),
                              ("lpcchBuffer", uint32)],
                     response=[("lpKeyName", CStringRef), ("lpcchBuffer", uint32)],
                     returns="error_status_t")
def RGetServiceKeyNameA(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.32: the key name of a display name (case-insensitive)."""
    reply = RGetServiceKeyNameW(ctx, request)
    reply["lpKeyName"] = reply.pop("lpServiceName")
    return _ansi_name(reply, "lpKeyName", request["lpcchBuffer"])


@INTERFACE.operation(38, "RQueryServiceConfig2A",
                     request=[("hService", ContextHandle), ("dwInfoLevel", uint32),
                              ("cbBufSize", uint32)],
                     response=[("lpBuffer", ConformantBytes()), ("pcbBytesNeeded", uint32)],
                     returns="error_status_t")
def RQueryServiceConfig2A(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.36: the levels of RQueryServiceConfig2W with A strings."""
    return query_config2(ctx, request, ANSI)


@INTERFACE.operation(41, "REnumServicesStatusExA",
                     request=[("hSCManager", ContextHandle), ("InfoLevel", uint32),
                              ("dwServiceType", uint32), ("dwServiceState", uint32),
                              ("cbBufSize", uint32), ("lpResumeIndex", Pointer(uint32)),
                              ("pszGroupName", CString)],
                     response=_ENUM_OUT, returns="error_status_t")
def REnumServicesStatusExA(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.39: level SC_ENUM_PROCESS_INFO (0) only, ENUM_SERVICE_STATUS_PROCESSA."""
    if request["InfoLevel"] != 0:
        _entry(ctx, request["hSCManager"], _MANAGER)
        return {"lpBuffer": b"", "pcbBytesNeeded": 0, "lpServicesReturned": 0,
                "lpResumeIndex": request["lpResumeIndex"], "ReturnValue": ERROR_INVALID_LEVEL}
    return enumerate_services(ctx, request, _ENUM_PROCESS, ANSI)


__all__ = ["QUERY_SERVICE_CONFIGA", "QUERY_SERVICE_LOCK_STATUSA"]
