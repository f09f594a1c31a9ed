"""The remote-notification methods MS-RPRN has no counterpart for (MS-PAR 3.1.4.9):
RpcSyncRegisterForRemoteNotifications (58), RpcSyncUnRegisterForRemoteNotifications (59),
RpcSyncRefreshRemoteNotifications (60), RpcAsyncGetRemoteNotifications (61).

Unlike MS-RPRN's RpcRemoteFindFirstPrinterChangeNotification(Ex), these name no machine to call
back: the client polls for its notifications with RpcAsyncGetRemoteNotifications on its own
binding (MS-PAR 3.1.4.9.4), so the spooler opens no connection of its own.  The registration is
still the step a coercion tool would use, so it is reported to the observers like spoolss's
(the audit log's event 100003, :mod:`smbemu.audit_spooler`) with TargetHost "-" (none named),
and **nothing is ever connected**.

The answer: the printer handle is checked first (an unknown one faults
nca_s_fault_context_mismatch, a handle of another kind ERROR_INVALID_HANDLE as an HRESULT),
then HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED) -- notifications are not emulated, as
pipes/spoolss/others.py answers the reads it does not emulate (U: Windows registers and answers
S_OK).  No notification handle is ever given out, so 59-61 fault nca_s_fault_context_mismatch
on whatever handle they get (MS-RPCE 3.3.3.2.1, the runtime's check).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.events import PrinterCallbackRequested
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ContextHandle, Pointer, uint32
from smbemu.status import NCA_S_FAULT_CONTEXT_MISMATCH
from ..objects import opened, server_unc

from . import INTERFACE, require_privacy

#: HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED), as a signed 32-bit value (what the NDR encoder of an
#: HRESULT return takes, pipes/spoolss/others.py).
HR_NOT_SUPPORTED: Final = 0x80070032 - (1 << 32)
_NOTIFY_KIND: Final = "par.notify"


@INTERFACE.operation(58, "RpcSyncRegisterForRemoteNotifications",
                     request=[("hPrinter", ContextHandle)],
                     response=[("phRpcHandle", ContextHandle)], returns="HRESULT")
def RpcSyncRegisterForRemoteNotifications(ctx: CallContext,
                                          request: dict[str, Any]) -> dict[str, Any]:
    """MS-PAR 3.1.4.9.1 (module docstring); reported, never connecting."""
    require_privacy(ctx)
    entry = opened(ctx, request["hPrinter"])
    observers = getattr(ctx.server, "observers", None)
    if observers:
        printer = entry.obj.printer
        session = getattr(ctx.server, "sessions", {}).get(ctx.session_id)
        observers.emit(PrinterCallbackRequested(
            principal=ctx.principal, session_id=ctx.session_id,
            client_address=getattr(session, "client_address", "") or "",
            operation="RpcSyncRegisterForRemoteNotifications",
            printer=f"{server_unc(ctx)}\\{printer.name}" if printer else server_unc(ctx),
            target="", flags=0, status=HR_NOT_SUPPORTED & 0xFFFFFFFF))
    return {"phRpcHandle": bytes(20), "ReturnValue": HR_NOT_SUPPORTED}


def _no_registration(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    raise RpcFault(NCA_S_FAULT_CONTEXT_MISMATCH, "no remote-notification handle is given out")


INTERFACE.operation(59, "RpcSyncUnRegisterForRemoteNotifications",
                    request=[("phRpcHandle", ContextHandle)],
                    response=[("phRpcHandle", ContextHandle)], returns="HRESULT")(_no_registration)
INTERFACE.operation(60, "RpcSyncRefreshRemoteNotifications",
                    request=[("hRpcHandle", ContextHandle)],
                    response=[("ppNotifyData", Pointer(uint32))], returns="HRESULT")(_no_registration)
INTERFACE.operation(61, "RpcAsyncGetRemoteNotifications",
                    request=[("hRpcHandle", ContextHandle)],
                    response=[("ppNotifyData", Pointer(uint32))], returns="HRESULT")(_no_registration)
