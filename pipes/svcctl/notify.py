"""Service status notifications: RNotifyServiceStatusChange (47), RGetNotifyResults (48) and
RCloseNotifyHandle (49), MS-SCMR 3.1.4.43-3.1.4.45 -- from Windows Vista / Server 2008 on (the
NotifyServiceStatusChange API they carry first shipped there, D: its "minimum supported" lines;
MS-SCMR <74>).  Before, the release's SCM has no such methods: fault nca_op_rng_error.

* RNotifyServiceStatusChange: the handle must carry SC_MANAGER_ENUMERATE_SERVICE (an SCM
  handle: creation / deletion notices) or SERVICE_QUERY_STATUS (a service handle), else
  ERROR_ACCESS_DENIED (3.1.4.43); then a notification handle, registered for the states in
  ``dwNotifyMask``.  pSCMProcessGuid and pfCreateRemoteQueue are "not used" (zero).
* RGetNotifyResults "MUST wait until the service state ... changes to one of the values"
  registered (3.1.4.44).  When the service is already in one of them the notice is due at once
  (W: NotifyServiceStatusChange on Windows calls back immediately for a service already in a
  requested state), and is answered with the service's SERVICE_STATUS_PROCESS.  Otherwise
  nothing can change while the call waits -- the emulated SCM runs one call at a time, and a
  held call would stall the pipe -- so the wait ends at once with ERROR_REQUEST_ABORTED (1235,
  one of 3.1.4.44's statuses; U: Windows would keep the call pending).  An SCM handle's
  creation / deletion notices never come (nothing is created or deleted): the same status.
* RCloseNotifyHandle: the handle is closed and zeroed; pfApcFired FALSE (3.1.4.45: "not used").
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    ConformantArray,
    ContextHandle,
    FixedBytes,
    Guid,
    Pointer,
    Struct,
    Union,
    WString,
    uint32,
    uint64,
)
from smbemu.service_catalog import current
from smbemu.status import ERROR_REQUEST_ABORTED, NCA_S_OP_RNG_ERROR

from . import _MANAGER, _SERVICE, INTERFACE, _entry, _lacks, _status
from .access import SC_MANAGER, SC_MANAGER_ENUMERATE_SERVICE, SERVICE, SERVICE_QUERY_STATUS

_NOTIFY: Final = "svcctl.notify"

#: MS-SCMR 2.2.49 SERVICE_STATUS_PROCESS.
SERVICE_STATUS_PROCESS: Final = Struct("SERVICE_STATUS_PROCESS", [
    (name, uint32) for name in ("dwServiceType", "dwCurrentState", "dwControlsAccepted",
                                "dwWin32ExitCode", "dwServiceSpecificExitCode", "dwCheckPoint",
                                "dwWaitHint", "dwProcessId", "dwServiceFlags")])
_PARAMS_1: Final = [("ullThreadId", uint64), ("dwNotifyMask", uint32),
                    ("CallbackAddressArray", FixedBytes(16)),
                    ("CallbackParamAddressArray", FixedBytes(16)),
                    ("ServiceStatus", SERVICE_STATUS_PROCESS), ("dwNotificationStatus", uint32),
                    ("dwSequence", uint32)]
#: MS-SCMR 2.2.44 / 2.2.45 SERVICE_NOTIFY_STATUS_CHANGE_PARAMS_1 / _2.
SERVICE_NOTIFY_STATUS_CHANGE_PARAMS_1: Final = Struct("SERVICE_NOTIFY_STATUS_CHANGE_PARAMS_1",
                                                      _PARAMS_1)
SERVICE_NOTIFY_STATUS_CHANGE_PARAMS_2: Final = Struct("SERVICE_NOTIFY_STATUS_CHANGE_PARAMS_2", [
    *_PARAMS_1, ("dwNotificationTriggered", uint32), ("pszServiceNames", WString)])
#: MS-SCMR 2.2.23 SC_RPC_NOTIFY_PARAMS: dwInfoLevel and the union it switches.
SC_RPC_NOTIFY_PARAMS: Final = Struct("SC_RPC_NOTIFY_PARAMS", [
    ("dwInfoLevel", uint32),
    ("params", Union(uint32, {1: Pointer(SERVICE_NOTIFY_STATUS_CHANGE_PARAMS_1),
                              2: Pointer(SERVICE_NOTIFY_STATUS_CHANGE_PARAMS_2)}))])
#: MS-SCMR 2.2.24 SC_RPC_NOTIFY_PARAMS_LIST.
SC_RPC_NOTIFY_PARAMS_LIST: Final = Struct("SC_RPC_NOTIFY_PARAMS_LIST", [
    ("cElements", uint32), ("NotifyParamsArray", ConformantArray(SC_RPC_NOTIFY_PARAMS))])


def _exists_since_vista(ctx: CallContext) -> None:
    if ctx.server.profile.identity.version < (6, 0):
        raise RpcFault(NCA_S_OP_RNG_ERROR, "no service notifications before Vista / 2008")


class _Registration:
    """What a notification handle waits for: the service (None for the SCM's notices), the
    SERVICE_NOTIFY_* bits asked, and the info level the client spoke."""

    __slots__ = ("service", "mask", "level")

    def __init__(self, service: Any, mask: int, level: int) -> None:
        self.service, self.mask, self.level = service, mask, level


@INTERFACE.operation(47, "RNotifyServiceStatusChange",
                     request=[("hService", ContextHandle), ("NotifyParams", SC_RPC_NOTIFY_PARAMS),
                              ("pClientProcessGuid", Guid)],
                     response=[("pSCMProcessGuid", Guid), ("pfCreateRemoteQueue", uint32),
                               ("phNotify", ContextHandle)],
                     returns="error_status_t")
def RNotifyServiceStatusChange(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.43 (module docstring)."""
    _exists_since_vista(ctx)
    entry = _entry(ctx, request["hService"])
    refused = {"pSCMProcessGuid": uuid.UUID(int=0), "pfCreateRemoteQueue": 0,
               "phNotify": bytes(20)}
    if entry.kind == _MANAGER:
        status = _lacks(ctx, entry.granted_access, SC_MANAGER_ENUMERATE_SERVICE, SC_MANAGER)
    else:
        status = _lacks(ctx, entry.granted_access, SERVICE_QUERY_STATUS, SERVICE)
    if status:
        return {**refused, "ReturnValue": status}
    params = request["NotifyParams"]
    level, arm = params["params"]
    mask = arm["dwNotifyMask"] if arm is not None else 0
    service = entry.obj if entry.kind == _SERVICE else None
    handle = ctx.handles.create(_NOTIFY, _Registration(service, mask, level))
    return {**refused, "phNotify": handle, "ReturnValue": 0}


def _notice(ctx: CallContext, registration: _Registration) -> dict[str, Any] | None:
    """The SERVICE_NOTIFY_STATUS_CHANGE_PARAMS due now, or None.  SERVICE_NOTIFY_<state> is
    1 << (state - 1) for the states STOPPED (1) to PAUSED (7) (MS-SCMR 2.2.44 dwNotifyMask)."""
    if registration.service is None:
        return None
    service = current(ctx.server, registration.service)
    triggered = 1 << (service.state - 1)
    if not registration.mask & triggered:
        return None
    status = {**_status(ctx, service), "dwProcessId": 0, "dwServiceFlags": 0}
    notice: dict[str, Any] = {
        "ullThreadId": 0, "dwNotifyMask": registration.mask,
        "CallbackAddressArray": bytes(16), "CallbackParamAddressArray": bytes(16),
        "ServiceStatus": status, "dwNotificationStatus": 0, "dwSequence": 0}
    if registration.level == 2:
        notice.update(dwNotificationTriggered=triggered, pszServiceNames=None)
    return notice


@INTERFACE.operation(48, "RGetNotifyResults", request=[("hNotify", ContextHandle)],
                     response=[("ppNotifyParams", Pointer(SC_RPC_NOTIFY_PARAMS_LIST))],
                     returns="error_status_t")
def RGetNotifyResults(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.44 (module docstring)."""
    _exists_since_vista(ctx)
    registration: _Registration = _entry(ctx, request["hNotify"], _NOTIFY).obj
    notice = _notice(ctx, registration)
    if notice is None:
        return {"ppNotifyParams": None, "ReturnValue": ERROR_REQUEST_ABORTED}
    level = 2 if registration.level == 2 else 1
    return {"ppNotifyParams": {"cElements": 1, "NotifyParamsArray": [
                {"dwInfoLevel": level, "params": (level, notice)}]},
            "ReturnValue": 0}


@INTERFACE.operation(49, "RCloseNotifyHandle", request=[("phNotify", ContextHandle)],
                     response=[("phNotify", ContextHandle), ("pfApcFired", uint32)],
                     returns="error_status_t")
def RCloseNotifyHandle(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.45: closes the notification handle."""
    _exists_since_vista(ctx)
    _entry(ctx, request["phNotify"], _NOTIFY)
    ctx.handles.close(request["phNotify"], _NOTIFY)
    return {"phNotify": bytes(20), "pfApcFired": 0, "ReturnValue": 0}


__all__ = ["RCloseNotifyHandle", "RGetNotifyResults", "RNotifyServiceStatusChange"]
