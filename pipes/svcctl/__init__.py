"""svcctl: the Service Control Manager Remote Protocol (MS-SCMR) on ``\\PIPE\\svcctl``.

UUID 367abb81-9844-35f1-ad32-98f038001003 version 2.0 (MS-SCMR 2.1).  Opnums 0 to 60 are declared:

* **emulated**: RCloseServiceHandle (0), RQueryServiceStatus (6), REnumServicesStatusW (14),
  ROpenSCManagerW (15), ROpenServiceW (16), RQueryServiceConfigW (17), RGetServiceDisplayNameW
  (20), RGetServiceKeyNameW (21), REnumServiceGroupW (35), RQueryServiceStatusEx (40), the
  queries of :mod:`.queries` (4, 13, 18, 39, 42, 56, the lock 3 / 8), their ANSI forms (25-30,
  32, 33, 38, 41: :mod:`.ansi`) and the status notifications (47-49: :mod:`.notify`) -- over
  the services the profile's release runs by default (`smbemu.service_catalog`, data in
  ``policies/services/windows.yaml``);
* **starting and stopping** (RStartServiceW/A 19/31, RControlService 1): as Windows answers
  them (:mod:`.control`): an administrator may start a stopped service and stop a running one
  (the state lasts until the server stops or reloads; starting Remote Registry brings
  ``\\PIPE\\winreg``, as impacket's secretsdump does on Windows 7); others lack the rights;
* **changes an administrator makes** (RCreateServiceW/A 12/24, RChangeServiceConfigW/A 11/23,
  RChangeServiceConfig2W/A 37/36, RDeleteService 2, RSetServiceObjectSecurity 5 -- accepted, the
  default descriptor still read back --: :mod:`.writes`, :mod:`.config2`,
  :mod:`.lifecycle`): kept in the server's memory, read back by every query on every connection
  until the server stops; a created service never runs (starting it answers
  ERROR_SERVICE_REQUEST_TIMEOUT, :mod:`.control`) and its creation is the audit log's 4697
  (`smbemu.audit_services`).  Non-administrators lack the rights on their handles
  (ERROR_ACCESS_DENIED, as Windows);
* **other changes** (set status, boot configuration, the WOW64 creates, the
  extended controls: :mod:`.refused`): ERROR_ACCESS_DENIED (5) for everyone -- Windows refuses
  them to every non-administrator; for administrators the emulated SCM does not model them
  (``smbemu.policy`` logs "read-only emulation" with each refusal);
* **"OpnumNNNotUsedOnWire"** (10, 22, 34, 43, 46, 52-55, 57-59): fault nca_op_rng_error;

Access (:mod:`.access`): the SCM's default DACL ("Service Security and Access Rights", D) gives
Administrators SC_MANAGER_ALL_ACCESS; remote authenticated users get SC_MANAGER_CONNECT only from
XP SP2 / 2003 SP1 on (so they cannot enumerate), and CONNECT | ENUMERATE_SERVICE |
QUERY_LOCK_STATUS | READ_CONTROL before (2000, NT 4; W).  A service's default DACL lets
Authenticated Users query it (SERVICE_QUERY_CONFIG / QUERY_STATUS / ENUMERATE_DEPENDENTS /
INTERROGATE / USER_DEFINED_CONTROL / READ_CONTROL, D).  A handle opened asking for more than the
caller holds is refused at the open, ERROR_ACCESS_DENIED, as Windows does.
"""

from __future__ import annotations

import struct
from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import (
    ConformantBytes,
    ContextHandle,
    Pointer,
    Sized,
    Struct,
    WString,
    WStringRef,
    uint32,
)
from smbemu.status import (
    ERROR_DATABASE_DOES_NOT_EXIST,
    ERROR_INSUFFICIENT_BUFFER,
    ERROR_INVALID_LEVEL,
    ERROR_INVALID_PARAMETER,
    ERROR_MORE_DATA,
    ERROR_SERVICE_DOES_NOT_EXIST,
    NCA_S_FAULT_CONTEXT_MISMATCH,
)

from .access import (
    SC_MANAGER,
    SC_MANAGER_CONNECT,
    SC_MANAGER_ENUMERATE_SERVICE,
    SC_MANAGER_QUERY_LOCK_STATUS,
    SERVICE,
    SERVICE_QUERY_CONFIG,
    SERVICE_QUERY_STATUS,
)
from smbemu.service_catalog import SERVICE_WIN32, Service, current, find_on

from .lifecycle import SERVICE_HANDLE, sweep, track

INTERFACE: Final = Interface(
    name="svcctl", uuid="367abb81-9844-35f1-ad32-98f038001003", version=(2, 0),
    pipes=("svcctl",), opnum_count=61,
    description="Service Control Manager Remote Protocol (MS-SCMR)")

#: MS-SCMR 2.2.x: BOUNDED_DWORD_256K / 8K.
_MAX_ENUM_BUFFER: Final = 256 * 1024
_MAX_CONFIG_BUFFER: Final = 8 * 1024
#: MS-SCMR 2.2.46 SERVICE_STATE_ALL.
SERVICE_STATE_ALL: Final = 3

NOT_USED_ON_WIRE: Final = {n: f"Opnum{n}NotUsedOnWire"
                           for n in (10, 22, 34, 43, 46, 52, 53, 54, 55, 57, 58, 59)}
#: Calls Windows implements that are not emulated yet: none left.
NOT_EMULATED: Final[dict[int, str]] = {}
for _opnum, _name in {**NOT_USED_ON_WIRE, **NOT_EMULATED}.items():
    INTERFACE.not_implemented(_opnum, _name)

SERVICE_STATUS: Final = Struct("SERVICE_STATUS", [
    ("dwServiceType", uint32), ("dwCurrentState", uint32), ("dwControlsAccepted", uint32),
    ("dwWin32ExitCode", uint32), ("dwServiceSpecificExitCode", uint32),
    ("dwCheckPoint", uint32), ("dwWaitHint", uint32)])
QUERY_SERVICE_CONFIGW: Final = Struct("QUERY_SERVICE_CONFIGW", [
    ("dwServiceType", uint32), ("dwStartType", uint32), ("dwErrorControl", uint32),
    ("lpBinaryPathName", WString), ("lpLoadOrderGroup", WString), ("dwTagId", uint32),
    ("lpDependencies", WString), ("lpServiceStartName", WString), ("lpDisplayName", WString)])

_MANAGER: Final = "svcctl.manager"
_SERVICE: Final = SERVICE_HANDLE


def _entry(ctx: CallContext, handle: bytes, kind: str | None = None) -> Any:
    entry = ctx.handles.lookup(handle, kind)
    if entry is None:
        raise RpcFault(NCA_S_FAULT_CONTEXT_MISMATCH, "unknown svcctl handle")
    return entry


def _status(ctx: CallContext, service: Service) -> dict[str, int]:
    """SERVICE_STATUS of ``service`` as the server runs it now (started or stopped by an
    administrator since, `smbemu.service_catalog.current`)."""
    service = current(ctx.server, service)
    return {"dwServiceType": service.service_type, "dwCurrentState": service.state,
            "dwControlsAccepted": service.controls_accepted, "dwWin32ExitCode": 0,
            "dwServiceSpecificExitCode": 0, "dwCheckPoint": 0, "dwWaitHint": 0}


def _lacks(ctx: CallContext, granted: int, needed: int, object_type: Any) -> int:
    if ctx.require(granted, needed, object_type):
        return 0
    assert ctx.decision is not None
    return ctx.decision.status


# -------------------------------------------------------------------------------------------
# Handles: ROpenSCManagerW (15), ROpenServiceW (16), RCloseServiceHandle (0)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(15, "ROpenSCManagerW",
                     request=[("lpMachineName", WString), ("lpDatabaseName", WString),
                              ("dwDesiredAccess", uint32)],
                     response=[("lpScHandle", ContextHandle)], returns="error_status_t")
def ROpenSCManagerW(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.15: only the ServicesActive database exists (NULL names it too)."""
    database = (request["lpDatabaseName"] or "ServicesActive").rstrip("\x00")
    if database.lower() not in ("servicesactive",):
        status = ERROR_INVALID_PARAMETER if database.lower() == "servicesfailed" \
            else ERROR_DATABASE_DOES_NOT_EXIST
        return {"lpScHandle": bytes(20), "ReturnValue": status}
    desired = request["dwDesiredAccess"]
    if SC_MANAGER.map_generic(desired) & (SC_MANAGER_ENUMERATE_SERVICE
                                          | SC_MANAGER_QUERY_LOCK_STATUS):
        # From XP SP2 / 2003 SP1 the SCM gives remote non-administrators CONNECT only: asking
        # to enumerate is refused at the open (the REnumServicesStatusW rule says who may).
        decision = ctx.decide("REnumServicesStatusW")
        if not decision.allowed:
            return {"lpScHandle": bytes(20), "ReturnValue": decision.status}
    # Every SCM open is granted SC_MANAGER_CONNECT besides what it asks (MS-SCMR 3.1.4.15).
    granted = ctx.grant(SC_MANAGER, desired, operation=None)
    if granted is None:
        assert ctx.decision is not None
        return {"lpScHandle": bytes(20), "ReturnValue": ctx.decision.status}
    granted |= SC_MANAGER_CONNECT
    return {"lpScHandle": ctx.handles.create(_MANAGER, None, granted), "ReturnValue": 0}


@INTERFACE.operation(16, "ROpenServiceW",
                     request=[("hSCManager", ContextHandle), ("lpServiceName", WStringRef),
                              ("dwDesiredAccess", uint32)],
                     response=[("lpServiceHandle", ContextHandle)], returns="error_status_t")
def ROpenServiceW(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.16: a service by key name (case-insensitive)."""
    _entry(ctx, request["hSCManager"], _MANAGER)
    sweep(ctx)
    service = find_on(ctx.server, request["lpServiceName"].rstrip("\x00"))
    if service is None:
        return {"lpServiceHandle": bytes(20), "ReturnValue": ERROR_SERVICE_DOES_NOT_EXIST}
    granted = ctx.grant(SERVICE, request["dwDesiredAccess"])
    if granted is None:
        assert ctx.decision is not None
        return {"lpServiceHandle": bytes(20), "ReturnValue": ctx.decision.status}
    return {"lpServiceHandle": open_service_handle(ctx, service, granted), "ReturnValue": 0}


def open_service_handle(ctx: CallContext, service: Service, granted: int) -> bytes:
    """A service handle, remembered so that a service marked for delete is removed once its
    last handle is gone (:mod:`.lifecycle`)."""
    handle = ctx.handles.create(_SERVICE, service, granted)
    track(ctx, service.name, handle)
    return handle


@INTERFACE.operation(0, "RCloseServiceHandle", request=[("hSCObject", ContextHandle)],
                     response=[("hSCObject", ContextHandle)], returns="error_status_t")
def RCloseServiceHandle(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.1: closes either kind of handle, returned zeroed."""
    _entry(ctx, request["hSCObject"])
    ctx.handles.close(request["hSCObject"])
    sweep(ctx)
    return {"hSCObject": bytes(20), "ReturnValue": 0}


# -------------------------------------------------------------------------------------------
# Status and configuration: RQueryServiceStatus (6), RQueryServiceStatusEx (40),
# RQueryServiceConfigW (17)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(6, "RQueryServiceStatus", request=[("hService", ContextHandle)],
                     response=[("lpServiceStatus", SERVICE_STATUS)], returns="error_status_t")
def RQueryServiceStatus(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.6: needs SERVICE_QUERY_STATUS on the handle."""
    entry = _entry(ctx, request["hService"], _SERVICE)
    status = _lacks(ctx, entry.granted_access, SERVICE_QUERY_STATUS, SERVICE)
    if status:
        return {"lpServiceStatus": SERVICE_STATUS.default(), "ReturnValue": status}
    return {"lpServiceStatus": _status(ctx, entry.obj), "ReturnValue": 0}


@INTERFACE.operation(40, "RQueryServiceStatusEx",
                     request=[("hService", ContextHandle), ("InfoLevel", uint32),
                              ("cbBufSize", uint32)],
                     response=[("lpBuffer", ConformantBytes()), ("pcbBytesNeeded", uint32)],
                     returns="error_status_t")
def RQueryServiceStatusEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.40: SC_STATUS_PROCESS_INFO (0) only: SERVICE_STATUS_PROCESS, 36 bytes
    (the process id is 0 for a stopped service; a running one's pid is not known, U: 0 too)."""
    entry = _entry(ctx, request["hService"], _SERVICE)
    room = request["cbBufSize"]
    if request["InfoLevel"] != 0:
        return {"lpBuffer": bytes(room), "pcbBytesNeeded": 0, "ReturnValue": ERROR_INVALID_LEVEL}
    status = _lacks(ctx, entry.granted_access, SERVICE_QUERY_STATUS, SERVICE)
    if status:
        return {"lpBuffer": bytes(room), "pcbBytesNeeded": 0, "ReturnValue": status}
    s = _status(ctx, entry.obj)
    data = struct.pack("<9I", *s.values(), 0, 0)
    if room < len(data):
        return {"lpBuffer": bytes(room), "pcbBytesNeeded": len(data),
                "ReturnValue": ERROR_INSUFFICIENT_BUFFER}
    return {"lpBuffer": data + bytes(room - len(data)), "pcbBytesNeeded": len(data),
            "ReturnValue": 0}


def _config_size(config: dict[str, Any], char_size: int = 2) -> int:
    """What QueryServiceConfigW's buffer needs: the 36-byte structure and its strings (each
    with its NUL), as Windows sizes it (MS-SCMR 3.1.4.17); ``char_size`` 1 for the A form."""
    return 36 + sum(char_size * (len(v) + 1) for v in config.values() if isinstance(v, str))


@INTERFACE.operation(17, "RQueryServiceConfigW",
                     request=[("hService", ContextHandle), ("cbBufSize", uint32)],
                     response=[("lpServiceConfig", QUERY_SERVICE_CONFIGW),
                               ("pcbBytesNeeded", uint32)],
                     returns="error_status_t")
def RQueryServiceConfigW(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.17: needs SERVICE_QUERY_CONFIG; a buffer smaller than the configuration is
    ERROR_INSUFFICIENT_BUFFER with the size needed (impacket and Samba ask twice)."""
    return query_config(ctx, request, 2)


def query_config(ctx: CallContext, request: dict[str, Any], char_size: int) -> dict[str, Any]:
    """RQueryServiceConfigW / A (MS-SCMR 3.1.4.17 / 3.1.4.28): characters of ``char_size``
    bytes (the structures' fields are the same)."""
    entry = _entry(ctx, request["hService"], _SERVICE)
    empty = QUERY_SERVICE_CONFIGW.default()
    status = _lacks(ctx, entry.granted_access, SERVICE_QUERY_CONFIG, SERVICE)
    if status:
        return {"lpServiceConfig": empty, "pcbBytesNeeded": 0, "ReturnValue": status}
    service = current(ctx.server, entry.obj)
    # lpDependencies in its RPC form: each name followed by "/" (MS-SCMR 2.2.15
    # QUERY_SERVICE_CONFIGW: "separated by forward slash (/)").
    config = {"dwServiceType": service.service_type, "dwStartType": service.start_type,
              "dwErrorControl": service.error_control, "lpBinaryPathName": service.binary_path,
              "lpLoadOrderGroup": service.load_order_group, "dwTagId": 0,
              "lpDependencies": "".join(f"{name}/" for name in service.dependencies),
              "lpServiceStartName": service.account, "lpDisplayName": service.display_name}
    needed = _config_size(config, char_size)
    if request["cbBufSize"] > _MAX_CONFIG_BUFFER:
        return {"lpServiceConfig": empty, "pcbBytesNeeded": 0, "ReturnValue": ERROR_INVALID_PARAMETER}
    if request["cbBufSize"] < needed:
        return {"lpServiceConfig": empty, "pcbBytesNeeded": needed,
                "ReturnValue": ERROR_INSUFFICIENT_BUFFER}
    return {"lpServiceConfig": config, "pcbBytesNeeded": needed, "ReturnValue": 0}


from . import control  # noqa: E402,F401  (starting and stopping services)
from . import queries  # noqa: E402,F401  (object security, dependents, Ex and Config2 queries, the lock)
from . import lookups  # noqa: E402,F401  (enumeration and name lookups)
from . import ansi  # noqa: E402,F401  (the A forms of the reads, opnums 25-33, 38, 41)
from . import notify  # noqa: E402,F401  (service status notifications, opnums 47-49)
from . import writes  # noqa: E402,F401  (create, change, delete: opnums 2, 11, 12, 23, 24)
from . import config2  # noqa: E402,F401  (RChangeServiceConfig2W / A, opnums 37 and 36)
from . import refused  # noqa: E402,F401  (declares the refused opnums on INTERFACE)

__all__ = ["INTERFACE", "NOT_EMULATED", "NOT_USED_ON_WIRE", "SERVICE_STATUS",
           "SERVICE_WIN32", "SERVICE_STATE_ALL"]
