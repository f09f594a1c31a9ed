"""Printing a document: RpcStartDocPrinter (17), RpcStartPagePrinter (18), RpcWritePrinter
(19), RpcEndPagePrinter (20), RpcAbortPrinter (21) and RpcEndDocPrinter (23), MS-RPRN 3.1.4.9.

RpcStartDocPrinter creates a job in the printer's queue (:mod:`.jobs`) and ties it to the
handle; the page and write calls count its pages and bytes -- the bytes are dropped, nothing is
ever printed or written to disk, whatever pOutputFile names; RpcEndDocPrinter ends the spooling
and leaves the job queued (the emulated printer never takes it); RpcAbortPrinter deletes it.
A page or write call on a handle without a document is ERROR_SPL_NO_STARTDOC (MS-RPRN
3.1.4.9.2-6); a second document on the same handle before the first ended is
ERROR_INVALID_PRINTER_STATE (U: the status Windows gives); a data type winprint does not know
is ERROR_INVALID_DATATYPE (3.1.4.9.1).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ConformantBytes, ContextHandle, Pointer, Struct, Union, WString, uint32
from smbemu.status import (
    ERROR_INVALID_DATATYPE,
    ERROR_INVALID_LEVEL,
    ERROR_INVALID_PARAMETER,
    ERROR_INVALID_PRINTER_STATE,
    ERROR_SPL_NO_STARTDOC,
)

from . import INTERFACE
from .catalog import datatypes
from .jobs import JOB_STATUS_SPOOLING, Job, delete_job, find_job, new_job
from .objects import (
    ERROR_INVALID_HANDLE,
    PRINTER,
    PRINTER_ACCESS_USE,
    Printer,
    check_room,
    current,
    opened,
)

#: MS-RPRN 2.2.1.7.1 DOC_INFO_1 and 2.2.1.2.1 DOC_INFO_CONTAINER.
_DOC_INFO_1: Final = Struct("DOC_INFO_1", [("pDocName", WString), ("pOutputFile", WString),
                                          ("pDatatype", WString)])
DOC_INFO_CONTAINER: Final = Struct("DOC_INFO_CONTAINER", [
    ("Level", uint32), ("DocInfo", Union(uint32, {1: Pointer(_DOC_INFO_1)}, default=None))])


def _documents(ctx: CallContext) -> dict[bytes, tuple[str, int]]:
    """The document each printer handle is spooling: handle -> (printer key, job id)."""
    return ctx.server.memo("spoolss.open_documents", dict)


def _printer(ctx: CallContext, handle: bytes) -> Printer | int:
    entry = opened(ctx, handle)
    if entry.obj.printer is None:
        return ERROR_INVALID_HANDLE  # documents go to a printer, not the print server
    printer = current(ctx, entry.obj.printer)
    if printer is None:
        return ERROR_INVALID_HANDLE
    if not ctx.require(entry.granted_access, PRINTER_ACCESS_USE, PRINTER):
        assert ctx.decision is not None
        return ctx.decision.status
    return printer


def _spooling(ctx: CallContext, handle: bytes) -> tuple[Printer, Job] | int:
    """The handle's printer and the job it is spooling, or the status refusing the call."""
    printer = _printer(ctx, handle)
    if isinstance(printer, int):
        return printer
    document = _documents(ctx).get(bytes(handle))
    job = find_job(ctx, printer, document[1]) if document else None
    if job is None:
        return ERROR_SPL_NO_STARTDOC
    return printer, job


@INTERFACE.operation(17, "RpcStartDocPrinter",
                     request=[("hPrinter", ContextHandle), ("pDocInfoContainer", DOC_INFO_CONTAINER)],
                     response=[("pJobId", uint32)], returns="uint32")
def RpcStartDocPrinter(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.9.1: a new job for the document, its id in pJobId."""
    handle = request["hPrinter"]
    printer = _printer(ctx, handle)
    if isinstance(printer, int):
        return {"pJobId": 0, "ReturnValue": printer}
    container = request["pDocInfoContainer"]
    tag, info = container["DocInfo"]
    if container["Level"] != 1 or tag != 1:
        return {"pJobId": 0, "ReturnValue": ERROR_INVALID_LEVEL}
    if not info:
        return {"pJobId": 0, "ReturnValue": ERROR_INVALID_PARAMETER}
    if bytes(handle) in _documents(ctx) and _spooling(ctx, handle) != ERROR_SPL_NO_STARTDOC:
        return {"pJobId": 0, "ReturnValue": ERROR_INVALID_PRINTER_STATE}
    datatype = (info["pDatatype"] or "").rstrip("\x00")
    version = ctx.server.profile.identity.version
    known = {name.lower() for name in datatypes(version)}
    if version >= (6, 2):
        # XPS_PASS: XPS passed through to a v4 driver (the XPS print path of Windows 8 / 2012 on,
        # beside winprint's own types; W: smbtorture's print_test, written against Windows,
        # spools XPS_PASS documents to a printer using "Microsoft XPS Document Writer v4")
        known.add("xps_pass")
    if datatype and datatype.lower() not in known:
        return {"pJobId": 0, "ReturnValue": ERROR_INVALID_DATATYPE}
    job = new_job(ctx, printer, (info["pDocName"] or "").rstrip("\x00"), datatype)
    if job is None:
        return {"pJobId": 0, "ReturnValue": ERROR_INVALID_PARAMETER}
    _documents(ctx)[bytes(handle)] = (printer.key, job.ident)
    return {"pJobId": job.ident, "ReturnValue": 0}


def _page_call(ctx: CallContext, request: dict[str, Any], pages: int) -> dict[str, Any]:
    spooling = _spooling(ctx, request["hPrinter"])
    if isinstance(spooling, int):
        return {"ReturnValue": spooling}
    spooling[1].pages += pages
    return {"ReturnValue": 0}


@INTERFACE.operation(18, "RpcStartPagePrinter", request=[("hPrinter", ContextHandle)],
                     response=[], returns="uint32")
def RpcStartPagePrinter(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.9.2: a new page of the handle's document (TotalPages counts it)."""
    return _page_call(ctx, request, 1)


@INTERFACE.operation(20, "RpcEndPagePrinter", request=[("hPrinter", ContextHandle)],
                     response=[], returns="uint32")
def RpcEndPagePrinter(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.9.4: the page ends."""
    return _page_call(ctx, request, 0)


@INTERFACE.operation(19, "RpcWritePrinter",
                     request=[("hPrinter", ContextHandle), ("pBuf", ConformantBytes()),
                              ("cbBuf", uint32)],
                     response=[("pcWritten", uint32)], returns="uint32")
def RpcWritePrinter(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.9.3: the data is taken whole (pcWritten = cbBuf) and counted in the job's
    Size; it is dropped, never printed nor stored."""
    check_room(request["cbBuf"])
    spooling = _spooling(ctx, request["hPrinter"])
    if isinstance(spooling, int):
        return {"pcWritten": 0, "ReturnValue": spooling}
    written = min(request["cbBuf"], len(request["pBuf"] or b""))
    spooling[1].size += written
    return {"pcWritten": written, "ReturnValue": 0}


@INTERFACE.operation(23, "RpcEndDocPrinter", request=[("hPrinter", ContextHandle)],
                     response=[], returns="uint32")
def RpcEndDocPrinter(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.9.6: the job has spooled; it waits in the queue."""
    spooling = _spooling(ctx, request["hPrinter"])
    if isinstance(spooling, int):
        return {"ReturnValue": spooling}
    spooling[1].status &= ~JOB_STATUS_SPOOLING
    del _documents(ctx)[bytes(request["hPrinter"])]
    return {"ReturnValue": 0}


@INTERFACE.operation(21, "RpcAbortPrinter", request=[("hPrinter", ContextHandle)],
                     response=[], returns="uint32")
def RpcAbortPrinter(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.9.5: the document being spooled is deleted with its job."""
    spooling = _spooling(ctx, request["hPrinter"])
    if isinstance(spooling, int):
        return {"ReturnValue": spooling}
    printer, job = spooling
    delete_job(ctx, printer, job)
    del _documents(ctx)[bytes(request["hPrinter"])]
    return {"ReturnValue": 0}


__all__ = ["DOC_INFO_CONTAINER", "ERROR_SPL_NO_STARTDOC"]
