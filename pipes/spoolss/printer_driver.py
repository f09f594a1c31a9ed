"""A printer's driver: RpcGetPrinterDriver (11, MS-RPRN 3.1.4.4.3) and RpcGetPrinterDriver2
(53, 3.1.4.4.6) on a printer handle, from the driver catalog RpcEnumPrinterDrivers lists
(:mod:`.data`: the same DRIVER_INFO records, so both calls agree byte for byte)."""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ContextHandle, WString, uint32
from smbemu.status import (
    ERROR_INVALID_LEVEL,
    ERROR_INVALID_PRINTER_NAME,
    ERROR_UNKNOWN_PRINTER_DRIVER,
)

from . import BUFFER, INTERFACE, _answer
from .data import DRIVER_LEVELS, _driver_record, _environment, installed_drivers
from .info import pack
from .objects import (
    ENVIRONMENTS,
    ERROR_INVALID_ENVIRONMENT,
    ERROR_INVALID_HANDLE,
    current,
    environment_arch,
    opened,
)

#: What RpcGetPrinterDriver2 answers in pdwServerMaxVersion / pdwServerMinVersion: MS-RPRN
#: 3.1.4.4.6 calls them implementation-specific and says nothing of Windows' values (U: 0, as
#: Samba's spooler answers; no client reads them -- Samba's rpcclient and Windows' own
#: winspool ignore both).
SERVER_DRIVER_VERSIONS: Final = (0, 0)


def _driver(ctx: CallContext, request: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.4.3: the handle first (3.1.4.1.11: a print-server handle is the wrong
    kind, ERROR_INVALID_HANDLE), the environment (3.1.4.1.3: unknown ERROR_INVALID_ENVIRONMENT,
    NULL the server's own), the level (DRIVER_INFO 1-6 and 8, 2.2.2.4; level 5 too, which the
    GetPrinterDriver documentation lists, and 101 -- DRIVER_INFO_101, GetPrinterDriver2 only --
    is not emulated: ERROR_INVALID_LEVEL, U); then the printer's driver in that environment,
    ERROR_UNKNOWN_PRINTER_DRIVER when not installed there (only the server's native
    environment has drivers, as RpcEnumPrinterDrivers lists them)."""
    buffer, room, level = request["pDriver"], request["cbBuf"], request["Level"]
    empty = {**out, **_answer(buffer, room, b"", None, "pDriver")}
    entry = opened(ctx, request["hPrinter"])
    if entry.obj.printer is None:
        return {**empty, "ReturnValue": ERROR_INVALID_HANDLE}
    printer = current(ctx, entry.obj.printer)
    if printer is None:  # deleted since the handle was opened (as RpcGetPrinter answers)
        return {**empty, "ReturnValue": ERROR_INVALID_PRINTER_NAME}
    directory = _environment(ctx, request["pEnvironment"])
    if directory is None:
        return {**empty, "ReturnValue": ERROR_INVALID_ENVIRONMENT}
    if level not in DRIVER_LEVELS:
        return {**empty, "ReturnValue": ERROR_INVALID_LEVEL}
    version = ctx.server.profile.identity.version
    native = ENVIRONMENTS[environment_arch(version).lower()]
    installed = {name.lower(): name for name in installed_drivers(version)}
    name = installed.get(printer.driver.lower())
    if directory != native or name is None:
        return {**empty, "ReturnValue": ERROR_UNKNOWN_PRINTER_DRIVER}
    data = pack([_driver_record(ctx, level, name)])
    return {**out, **_answer(buffer, room, data + bytes(-len(data) % 4), None, "pDriver")}


_REQUEST: Final = [("hPrinter", ContextHandle), ("pEnvironment", WString), ("Level", uint32),
                   ("pDriver", BUFFER), ("cbBuf", uint32)]


@INTERFACE.operation(11, "RpcGetPrinterDriver", request=_REQUEST,
                     response=[("pDriver", BUFFER), ("pcbNeeded", uint32)], returns="uint32")
def RpcGetPrinterDriver(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return _driver(ctx, request, {})


@INTERFACE.operation(53, "RpcGetPrinterDriver2",
                     request=[*_REQUEST, ("dwClientMajorVersion", uint32),
                              ("dwClientMinorVersion", uint32)],
                     response=[("pDriver", BUFFER), ("pcbNeeded", uint32),
                               ("pdwServerMaxVersion", uint32),
                               ("pdwServerMinVersion", uint32)],
                     returns="uint32")
def RpcGetPrinterDriver2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.4.6: RpcGetPrinterDriver's answer and the server's driver versions."""
    major, minor = SERVER_DRIVER_VERSIONS
    return _driver(ctx, request, {"pdwServerMaxVersion": major, "pdwServerMinVersion": minor})


__all__ = ["SERVER_DRIVER_VERSIONS"]
