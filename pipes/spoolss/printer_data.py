"""A printer's own data: RpcSetPrinterData (27), RpcSetPrinterDataEx (77), RpcDeletePrinterData
(73) and RpcDeletePrinterDataEx (81) on a printer handle, MS-RPRN 3.1.4.2.8, .18, .13, .21;
RpcGetPrinterData(Ex) read it back (pipes/spoolss/data.py), and the printer's registry key shows
it (``Printers\\<printer>\\<key>``, pipes/spoolss/registry.py).  RpcSetPrinterData writes to
the key "PrinterDriverData" (MS-RPRN 3.1.4.2.8).  The data is kept in the server's memory for
the printer's life.

Access: the printer handle's PRINTER_ACCESS_ADMINISTER (administrators; else
ERROR_ACCESS_DENIED).  On the print-server handle the server's own values stay refused
(ERROR_ACCESS_DENIED, U: Windows lets an administrator set a few of them).  A value the printer
does not have is ERROR_FILE_NOT_FOUND (3.1.4.2.13)."""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ConformantBytes, ContextHandle, WStringRef, uint32
from smbemu.status import ERROR_FILE_NOT_FOUND, ERROR_INVALID_PARAMETER

from . import INTERFACE
from .objects import PRINTER, PRINTER_ACCESS_ADMINISTER, Printer, current, opened

#: The key RpcSetPrinterData / RpcGetPrinterData use (MS-RPRN 3.1.4.2.8).
DRIVER_DATA_KEY: Final = "PrinterDriverData"
#: The most values one printer keeps (U: a bound on the emulator's memory).
MAX_VALUES: Final = 1000
#: A value's largest data (U: the registry's practical limit for a spooler value).
MAX_DATA: Final = 1 << 16

Stored = dict[str, tuple[str, dict[str, tuple[str, int, bytes]]]]


def printer_data(ctx: CallContext, printer: Printer) -> Stored:
    """``printer``'s keys: lower-cased key name -> (key name, lower-cased value name ->
    (value name, REG_* type, data))."""
    kept: dict[str, Stored] = ctx.server.memo("spoolss.printer_data", dict)
    return kept.setdefault(printer.key, {})


def read_value(ctx: CallContext, printer: Printer, key: str, name: str) -> tuple[int, bytes] | None:
    entry = printer_data(ctx, printer).get(key.lower())
    found = entry[1].get(name.lower()) if entry else None
    return None if found is None else (found[1], found[2])


def _changed_printer(ctx: CallContext, handle: bytes) -> Printer | int:
    entry = opened(ctx, handle)
    if entry.obj.printer is None:
        return ctx.deny("print server data", "changes the print server's own values "
                        "(not emulated: the emulated server's values are fixed)").status
    printer = current(ctx, entry.obj.printer)
    if printer is None:
        return ERROR_INVALID_PARAMETER
    if not ctx.require(entry.granted_access, PRINTER_ACCESS_ADMINISTER, PRINTER):
        assert ctx.decision is not None
        return ctx.decision.status
    return printer


def _set(ctx: CallContext, request: dict[str, Any], key: str) -> dict[str, Any]:
    printer = _changed_printer(ctx, request["hPrinter"])
    if isinstance(printer, int):
        return {"ReturnValue": printer}
    name = (request["pValueName"] or "").rstrip("\x00")
    key = key.rstrip("\x00").strip("\\")
    data = bytes(request["pData"] or b"")[:request["cbData"]]
    stored = printer_data(ctx, printer)
    values = stored.setdefault(key.lower(), (key, {}))[1]
    total = sum(len(v[1]) for v in stored.values())
    if not key or len(data) > MAX_DATA or (name.lower() not in values and total >= MAX_VALUES):
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    values[name.lower()] = (name, request["Type"], data)
    return {"ReturnValue": 0}


_DATA_IN: Final = [("pValueName", WStringRef), ("Type", uint32), ("pData", ConformantBytes()),
                   ("cbData", uint32)]


@INTERFACE.operation(27, "RpcSetPrinterData", request=[("hPrinter", ContextHandle), *_DATA_IN],
                     response=[], returns="uint32")
def RpcSetPrinterData(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.8: the value under PrinterDriverData."""
    return _set(ctx, request, DRIVER_DATA_KEY)


@INTERFACE.operation(77, "RpcSetPrinterDataEx",
                     request=[("hPrinter", ContextHandle), ("pKeyName", WStringRef), *_DATA_IN],
                     response=[], returns="uint32")
def RpcSetPrinterDataEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.18: the value under the key named (created when missing; an empty key
    name is ERROR_INVALID_PARAMETER)."""
    return _set(ctx, request, request["pKeyName"] or "")


def _delete(ctx: CallContext, handle: bytes, key: str, name: str) -> dict[str, Any]:
    printer = _changed_printer(ctx, handle)
    if isinstance(printer, int):
        return {"ReturnValue": printer}
    entry = printer_data(ctx, printer).get(key.rstrip("\x00").strip("\\").lower())
    if entry is None or entry[1].pop(name.rstrip("\x00").lower(), None) is None:
        return {"ReturnValue": ERROR_FILE_NOT_FOUND}
    return {"ReturnValue": 0}


@INTERFACE.operation(73, "RpcDeletePrinterData",
                     request=[("hPrinter", ContextHandle), ("pValueName", WStringRef)],
                     response=[], returns="uint32")
def RpcDeletePrinterData(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.13: a value of PrinterDriverData goes."""
    return _delete(ctx, request["hPrinter"], DRIVER_DATA_KEY, request["pValueName"] or "")


@INTERFACE.operation(81, "RpcDeletePrinterDataEx",
                     request=[("hPrinter", ContextHandle), ("pKeyName", WStringRef),
                              ("pValueName", WStringRef)],
                     response=[], returns="uint32")
def RpcDeletePrinterDataEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.21: a value of the key named goes."""
    return _delete(ctx, request["hPrinter"], request["pKeyName"] or "",
                   request["pValueName"] or "")


__all__ = ["DRIVER_DATA_KEY", "printer_data", "read_value"]
