"""The driver-package methods MS-RPRN has no counterpart for (MS-PAR 3.1.4.2):
RpcAsyncInstallPrinterDriverFromPackage (62), RpcAsyncUploadPrinterDriverPackage (63),
RpcAsyncCorePrinterDriverInstalled (65), RpcAsyncDeletePrinterDriverPackage (67).

62, 63 and 67 change the spooler: HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED), as pipes/spoolss
refuses its changes (administrators only on Windows -- SERVER_ACCESS_ADMINISTER, MS-RPRN
2.2.3.1, and since the 2021 PrintNightmare fixes RestrictDriverInstallationToAdministrators,
D: KB5005010 -- and the emulated spooler is read-only for everyone).  A package path naming
another machine (``\\\\host\\share\\x.inf``) is never opened: nothing here connects out.
65 is a read the emulation does not serve: HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED) (U).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ConformantArray, Pointer, WString, uint16, uint32

from . import INTERFACE, require_privacy
from .notifications import HR_NOT_SUPPORTED

HR_ACCESS_DENIED: Final = 0x80070005 - (1 << 32)


def _refused(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    ctx.deny("read-only emulation", "changes the print spooler's driver store "
             "(administrators only on Windows; the emulated spooler is read-only)")
    out: dict[str, Any] = {"ReturnValue": HR_ACCESS_DENIED}
    if ctx.operation is not None and ctx.operation.name == "RpcAsyncUploadPrinterDriverPackage":
        out.update(pszDestInfPath=None, pcchDestInfPath=0)
    return out


INTERFACE.operation(62, "RpcAsyncInstallPrinterDriverFromPackage",
                    request=[("pszServer", WString)], response=[], returns="HRESULT")(_refused)
INTERFACE.operation(63, "RpcAsyncUploadPrinterDriverPackage",
                    request=[("pszServer", WString)],
                    response=[("pszDestInfPath", Pointer(ConformantArray(uint16))),
                              ("pcchDestInfPath", uint32)], returns="HRESULT")(_refused)
INTERFACE.operation(67, "RpcAsyncDeletePrinterDriverPackage",
                    request=[("pszServer", WString)], response=[], returns="HRESULT")(_refused)


@INTERFACE.operation(65, "RpcAsyncCorePrinterDriverInstalled",
                     request=[("pszServer", WString)],
                     response=[("pbDriverInstalled", uint32)], returns="HRESULT")
def RpcAsyncCorePrinterDriverInstalled(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    require_privacy(ctx)
    return {"pbDriverInstalled": 0, "ReturnValue": HR_NOT_SUPPORTED}
