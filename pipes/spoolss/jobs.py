"""Print jobs: RpcGetJob (3) and RpcEnumJobs (4).  The emulated printers never hold a job (no
one prints to them: RpcStartDocPrinter is not emulated), so the queue is empty."""

from __future__ import annotations

from typing import Any

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ContextHandle, uint32
from smbemu.status import ERROR_INVALID_LEVEL, ERROR_INVALID_PARAMETER

from . import BUFFER, INTERFACE, _answer
from .objects import ERROR_INVALID_HANDLE, opened


@INTERFACE.operation(3, "RpcGetJob",
                     request=[("hPrinter", ContextHandle), ("JobId", uint32), ("Level", uint32),
                              ("pJob", BUFFER), ("cbBuf", uint32)],
                     response=[("pJob", BUFFER), ("pcbNeeded", uint32)], returns="uint32")
def RpcGetJob(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.3.2: a job the queue does not hold is ERROR_INVALID_PARAMETER; on the
    print-server handle ERROR_INVALID_HANDLE (a job lives in a printer's queue)."""
    entry = opened(ctx, request["hPrinter"])
    empty = _answer(request["pJob"], request["cbBuf"], b"", None, "pJob")
    status = ERROR_INVALID_HANDLE if entry.obj.printer is None else ERROR_INVALID_PARAMETER
    return {**empty, "ReturnValue": status}


@INTERFACE.operation(4, "RpcEnumJobs",
                     request=[("hPrinter", ContextHandle), ("FirstJob", uint32),
                              ("NoJobs", uint32), ("Level", uint32), ("pJob", BUFFER),
                              ("cbBuf", uint32)],
                     response=[("pJob", BUFFER), ("pcbNeeded", uint32), ("pcReturned", uint32)],
                     returns="uint32")
def RpcEnumJobs(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.3.3: levels 1-4 (JOB_INFO_1..4); an empty queue answers no entries."""
    entry = opened(ctx, request["hPrinter"])
    empty = _answer(request["pJob"], request["cbBuf"], b"", 0, "pJob")
    if entry.obj.printer is None:
        return {**empty, "ReturnValue": ERROR_INVALID_HANDLE}
    if request["Level"] not in (1, 2, 3, 4):
        return {**empty, "ReturnValue": ERROR_INVALID_LEVEL}
    return empty
