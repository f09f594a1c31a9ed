"""An administrator's changes to the print server: RpcAddPrinter (5) / RpcAddPrinterEx (70),
RpcDeletePrinter (6), RpcSetPrinter (7), RpcAddPrintProcessor (14) / RpcDeletePrintProcessor
(48), the per-machine connections (85-87) and the legacy RpcAddPort (37), MS-RPRN 3.1.4.2.3,
3.1.4.2.15, 3.1.4.2.4, 3.1.4.2.5, 3.1.4.8.1, 3.1.4.8.5, 3.1.4.2.24-26.

The emulated spooler keeps what an administrator changes in the server's memory, for every
later call on every connection, until the server stops: added printers are listed by
RpcEnumPrinters and opened by name like the fixture's printer shares (they are not shared on
IPC$ / srvsvc: the share list is the fixture's); a printer's comment, location, port, driver,
security descriptor, DEVMODE, attributes and paused state follow RpcSetPrinter.  Nothing is
ever printed, installed or written to disk.  Checks, in Windows' order:

1. the handle (RpcDeletePrinter, RpcSetPrinter): unknown or closed, fault
   nca_s_fault_context_mismatch (MS-RPCE 3.3.3.2.1); a printer deleted since it was opened,
   ERROR_INVALID_PRINTER_NAME;
2. access: adding a printer, a print processor or a per-machine connection needs
   SERVER_ACCESS_ADMINISTER on the print server; changing a printer PRINTER_ACCESS_ADMINISTER
   (WRITE_DAC / WRITE_OWNER for its security descriptor), deleting it DELETE; the default
   security descriptors give them to administrators only (MS-RPRN 2.2.3.1, :mod:`.objects`):
   ERROR_ACCESS_DENIED for everyone else;
3. the request, as smbtorture's rpc.spoolss (written against Windows) walks it for
   RpcAddPrinter level 2: no printer name, ERROR_INVALID_PRINTER_NAME; a name in use,
   ERROR_PRINTER_ALREADY_EXISTS; a port the server does not have, ERROR_UNKNOWN_PORT; a driver
   it does not have, ERROR_UNKNOWN_PRINTER_DRIVER; a print processor other than winprint,
   ERROR_UNKNOWN_PRINTPROCESSOR (none given is winprint: "w2k8r2 allows to add printer w/o
   defining printprocessor", W: the same test).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    ConformantBytes,
    ContextHandle,
    Pointer,
    Struct,
    Union,
    WString,
    WStringRef,
    uint16,
    uint32,
    uint3264,
)
from smbemu.status import (
    ERROR_CAN_NOT_COMPLETE,
    ERROR_FILE_NOT_FOUND,
    ERROR_INVALID_PRINTER_COMMAND,
    ERROR_MOD_NOT_FOUND,
    ERROR_PRINT_PROCESSOR_ALREADY_INSTALLED,
    ERROR_PRINTER_ALREADY_EXISTS,
    ERROR_UNKNOWN_PORT,
    ERROR_UNKNOWN_PRINTER_DRIVER,
    ERROR_INVALID_ENVIRONMENT,
    ERROR_INVALID_LEVEL,
    ERROR_INVALID_PARAMETER,
    ERROR_NOT_SUPPORTED,
    ERROR_UNKNOWN_PRINTPROCESSOR,
)

from . import BUFFER, DEVMODE_CONTAINER, INTERFACE, SPLCLIENT_CONTAINER, _answer
from .catalog import LOCAL_PORTS, PRINT_PROCESSOR
from .data import installed_drivers
from .info import pack
from .jobs import purge
from .objects import (
    DRIVER_NAME,
    ENVIRONMENTS,
    ERROR_INVALID_PRINTER_NAME,
    HANDLE_KIND,
    PRINTER,
    PRINTER_ACCESS_ADMINISTER,
    SERVER_ACCESS_ADMINISTER,
    SPOOLER_SERVER,
    Opened,
    Printer,
    added_printers,
    current,
    find_printer,
    opened,
    store,
)

#: MS-RPRN 2.2.3.12 / 2.2.3.13: PRINTER_ATTRIBUTE_SHARED, PRINTER_STATUS_PAUSED.
PRINTER_ATTRIBUTE_SHARED: Final = 0x00000008
PRINTER_ATTRIBUTE_NETWORK: Final = 0x00000010
PRINTER_ATTRIBUTE_PUBLISHED: Final = 0x00002000
DSPRINT_UNPUBLISH: Final = 0x00000004
PRINTER_STATUS_PAUSED: Final = 0x00000001
#: RpcSetPrinter Command (MS-RPRN 3.1.4.2.5): PRINTER_CONTROL_PAUSE / RESUME / PURGE /
#: SET_STATUS.
PRINTER_CONTROL_PAUSE, PRINTER_CONTROL_RESUME, PRINTER_CONTROL_PURGE = 1, 2, 3
#: Standard rights of a printer handle (MS-DTYP 2.4.3).
DELETE: Final = 0x00010000
WRITE_DAC: Final = 0x00040000
WRITE_OWNER: Final = 0x00080000
#: The most printers an administrator may add on one server (U: a bound that keeps a scripted
#: client from filling the emulator's memory; Windows' limit is the registry's).
MAX_ADDED_PRINTERS: Final = 256

_S: Final = WString
# MS-RPRN 2.2.1.10.x: the PRINTER_INFO structures as a PRINTER_CONTAINER carries them; the
# DEVMODE and security descriptor travel in their own containers (pDevMode / pSecurityDescriptor
# are placeholders, ULONG_PTR).
_INFO_STRESS: Final = Struct("PRINTER_INFO_STRESS", [
    ("pPrinterName", _S), ("pServerName", _S), *((n, uint32) for n in (
        "cJobs", "cTotalJobs", "cTotalBytes")),
    *((f"stUpTime{i}", uint16) for i in range(8)), *((n, uint32) for n in (
        "MaxcRef", "cTotalPagesPrinted", "dwGetVersion", "fFreeBuild", "cSpooling",
        "cMaxSpooling", "cRef", "cErrorOutOfPaper", "cErrorNotReady", "cJobError",
        "dwNumberOfProcessors", "dwProcessorType", "dwHighPartTotalBytes", "cChangeID",
        "dwLastError", "Status", "cEnumerateNetworkPrinters", "cAddNetPrinters")),
    ("wProcessorArchitecture", uint16), ("wProcessorLevel", uint16),
    ("cRefIC", uint32), ("dwReserved2", uint32), ("dwReserved3", uint32)])
_INFO_1: Final = Struct("PRINTER_INFO_1", [
    ("Flags", uint32), ("pDescription", _S), ("pName", _S), ("pComment", _S)])
_INFO_2: Final = Struct("PRINTER_INFO_2", [
    *((n, _S) for n in ("pServerName", "pPrinterName", "pShareName", "pPortName",
                        "pDriverName", "pComment", "pLocation")),
    ("pDevMode", uint3264),
    *((n, _S) for n in ("pSepFile", "pPrintProcessor", "pDatatype", "pParameters")),
    ("pSecurityDescriptor", uint3264),
    *((n, uint32) for n in ("Attributes", "Priority", "DefaultPriority", "StartTime",
                            "UntilTime", "Status", "cJobs", "AveragePPM"))])
_INFO_3: Final = Struct("PRINTER_INFO_3", [("pSecurityDescriptor", uint3264)])
_INFO_4: Final = Struct("PRINTER_INFO_4", [
    ("pPrinterName", _S), ("pServerName", _S), ("Attributes", uint32)])
_INFO_5: Final = Struct("PRINTER_INFO_5", [
    ("pPrinterName", _S), ("pPortName", _S), ("Attributes", uint32),
    ("DeviceNotSelectedTimeout", uint32), ("TransmissionRetryTimeout", uint32)])
_INFO_6: Final = Struct("PRINTER_INFO_6", [("dwStatus", uint32)])
_INFO_7: Final = Struct("PRINTER_INFO_7", [("pszObjectGUID", _S), ("dwAction", uint32)])
_INFO_8: Final = Struct("PRINTER_INFO_8", [("pDevMode", uint3264)])
#: MS-RPRN 2.2.1.2.9 PRINTER_CONTAINER.
PRINTER_CONTAINER: Final = Struct("PRINTER_CONTAINER", [
    ("Level", uint32),
    ("PrinterInfo", Union(uint32, {0: Pointer(_INFO_STRESS), 1: Pointer(_INFO_1),
                                   2: Pointer(_INFO_2), 3: Pointer(_INFO_3),
                                   4: Pointer(_INFO_4), 5: Pointer(_INFO_5),
                                   6: Pointer(_INFO_6), 7: Pointer(_INFO_7),
                                   8: Pointer(_INFO_8), 9: Pointer(_INFO_8)},
                          default=None))])
#: MS-RPRN 2.2.1.2.13 SECURITY_CONTAINER.
SECURITY_CONTAINER: Final = Struct("SECURITY_CONTAINER", [
    ("cbBuf", uint32), ("pSecurity", Pointer(ConformantBytes()))])


def _text(value: Any) -> str:
    return (value or "").rstrip("\x00")


def _denied(ctx: CallContext) -> int:
    assert ctx.decision is not None
    return ctx.decision.status


def _devmode_of(request: dict[str, Any]) -> bytes | None:
    container = request.get("pDevModeContainer") or {}
    data = container.get("pDevMode")
    return bytes(data) if data else None


def _security_of(request: dict[str, Any]) -> bytes | None:
    container = request.get("pSecurityContainer") or {}
    data = container.get("pSecurity")
    return bytes(data) if data else None


def _driver(ctx: CallContext, name: str) -> str | None:
    """The installed driver ``name`` names (case-insensitive), None if none."""
    for installed in installed_drivers(ctx.server.profile.identity.version):
        if installed.lower() == name.lower():
            return installed
    return None


def _check_setup(ctx: CallContext, port: str, driver: str, processor: str) -> int:
    """ERROR_UNKNOWN_PORT / _PRINTER_DRIVER / _PRINTPROCESSOR, in that order, or 0."""
    if port.upper() not in LOCAL_PORTS:
        return ERROR_UNKNOWN_PORT
    if _driver(ctx, driver) is None:
        return ERROR_UNKNOWN_PRINTER_DRIVER
    if processor and processor.lower() != PRINT_PROCESSOR:
        return ERROR_UNKNOWN_PRINTPROCESSOR
    return 0


def _add(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    failed = {"pHandle": bytes(20)}
    if ctx.grant(SPOOLER_SERVER, SERVER_ACCESS_ADMINISTER) is None:
        return {**failed, "ReturnValue": _denied(ctx)}
    container = request["pPrinterContainer"] or {}
    level = container.get("Level")
    tag, info = container.get("PrinterInfo") or (None, None)
    if level != 2 or tag != 2:
        # level 1 adds to the "well-known printers" list of a print server browse master,
        # not emulated (U); the other levels are not adds (MS-RPRN 3.1.4.2.3)
        return {**failed, "ReturnValue": ERROR_INVALID_LEVEL}
    if not info or not _text(info["pPrinterName"]):
        return {**failed, "ReturnValue": ERROR_INVALID_PRINTER_NAME}
    name = _text(info["pPrinterName"]).rsplit("\\", 1)[-1]
    if find_printer(ctx, name) is not None:
        return {**failed, "ReturnValue": ERROR_PRINTER_ALREADY_EXISTS}
    port, driver = _text(info["pPortName"]), _text(info["pDriverName"])
    processor = _text(info["pPrintProcessor"]) or PRINT_PROCESSOR
    status = _check_setup(ctx, port, driver, processor)
    if status:
        return {**failed, "ReturnValue": status}
    if len(added_printers(ctx)) >= MAX_ADDED_PRINTERS:
        return {**failed, "ReturnValue": ERROR_INVALID_PARAMETER}
    numbers = ctx.server.memo("spoolss.printer_numbers", lambda: [0])
    numbers[0] += 1
    printer = Printer(_text(info["pShareName"]), name, _text(info["pComment"]),
                      _text(info["pLocation"]), driver=_driver(ctx, driver) or DRIVER_NAME, port=port.upper(),
                      processor=PRINT_PROCESSOR, datatype=_text(info["pDatatype"]) or "RAW",
                      attributes=info["Attributes"], added=True, ident=numbers[0],
                      security=_security_of(request), devmode=_devmode_of(request))
    if printer.devmode is not None and not _valid_devmode(printer.devmode):
        printer = dataclasses.replace(printer, devmode=None)  # the driver's default instead (U)
    store(ctx, printer)
    granted = ctx.grant(PRINTER, 0x000F000C)  # PRINTER_ALL_ACCESS (MS-RPRN 2.2.3.1)
    handle = ctx.handles.create(HANDLE_KIND, Opened(printer, granted or 0, None), granted or 0)
    return {"pHandle": handle, "ReturnValue": 0}


_ADD_IN: Final = [("pName", WString), ("pPrinterContainer", PRINTER_CONTAINER),
                  ("pDevModeContainer", DEVMODE_CONTAINER),
                  ("pSecurityContainer", SECURITY_CONTAINER)]


@INTERFACE.operation(5, "RpcAddPrinter", request=_ADD_IN,
                     response=[("pHandle", ContextHandle)], returns="uint32")
def RpcAddPrinter(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.3: a new local printer, opened for the caller."""
    return _add(ctx, request)


@INTERFACE.operation(70, "RpcAddPrinterEx",
                     request=[*_ADD_IN, ("pClientInfo", SPLCLIENT_CONTAINER)],
                     response=[("pHandle", ContextHandle)], returns="uint32")
def RpcAddPrinterEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.15: RpcAddPrinter with the client's SPLCLIENT information."""
    return _add(ctx, request)


@INTERFACE.operation(6, "RpcDeletePrinter", request=[("hPrinter", ContextHandle)],
                     response=[], returns="uint32")
def RpcDeletePrinter(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.4: an added printer goes.  A fixture printer is a share of the fixture
    and stays: ERROR_ACCESS_DENIED even to an administrator (U: Windows deletes it and its
    share; the emulated share list is the fixture's)."""
    entry = opened(ctx, request["hPrinter"])
    printer = entry.obj.printer
    if printer is None:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}  # the server is not a printer (U)
    printer = current(ctx, printer)
    if printer is None:
        return {"ReturnValue": ERROR_INVALID_PRINTER_NAME}
    if not ctx.require(entry.granted_access, DELETE, PRINTER):
        return {"ReturnValue": _denied(ctx)}
    if not printer.added:
        return {"ReturnValue": ctx.deny("fixture printer", "deletes a printer share of the "
                                        "fixture (the emulated shares are the fixture's)").status}
    added_printers(ctx).pop(printer.key, None)
    purge(ctx, printer)  # its queue goes with it
    return {"ReturnValue": 0}


def _set_server(ctx: CallContext, entry: Any, request: dict[str, Any], level: int) -> int:
    """RpcSetPrinter on the print server handle: level 3 replaces the server's security
    descriptor (read back by RpcGetPrinter level 3); other levels are ERROR_INVALID_LEVEL."""
    if level != 3:
        return ERROR_INVALID_LEVEL
    if not ctx.require(entry.granted_access, SERVER_ACCESS_ADMINISTER, SPOOLER_SERVER):
        return _denied(ctx)
    security = _security_of(request)
    if not security:
        return ERROR_INVALID_PARAMETER
    kept: dict[str, bytes] = ctx.server.memo("spoolss.server_security", dict)
    kept["sd"] = security
    return 0


def _command(printer: Printer, command: int) -> Printer:
    if command == PRINTER_CONTROL_PAUSE:
        return dataclasses.replace(printer, status=printer.status | PRINTER_STATUS_PAUSED)
    if command == PRINTER_CONTROL_RESUME:
        return dataclasses.replace(printer, status=printer.status & ~PRINTER_STATUS_PAUSED)
    return printer  # 0: nothing; PURGE: the caller empties the queue (jobs.purge)


#: PRINTER_INFO_7 dwAction values (MS-RPRN 2.2.1.10.8): publish, update, unpublish, republish,
#: pending.
_DS_ACTIONS: Final = (0x1, 0x2, 0x4, 0x8, 0x80000000)


def _valid_devmode(blob: bytes | None) -> bool:
    """A DEVMODE (MS-RPRN 2.2.2.1) whose dmSize and dmDriverExtra (offsets 68, 70) add up to
    its length, dmSize at most the 220 bytes of the largest public part: anything else is
    ERROR_INVALID_PARAMETER rather than a structure no client could read back (U: the check
    Windows makes)."""
    if blob is None or len(blob) < 72:
        return False
    size, extra = int.from_bytes(blob[68:70], "little"), int.from_bytes(blob[70:72], "little")
    return 72 <= size <= 0xDC and size + extra == len(blob)


def _set_level(ctx: CallContext, printer: Printer, level: int, info: dict[str, Any],
               request: dict[str, Any]) -> Printer | int:
    """The printer as the level's structure changes it, or the status refusing it (W: the
    statuses smbtorture's test_SetPrinter_errors, written against Windows, expects of
    zeroed structures: level 2 ERROR_UNKNOWN_PRINTER_DRIVER, 3/4/5/7
    ERROR_INVALID_PARAMETER, 6 and 8 success, 9 ERROR_NOT_SUPPORTED)."""
    devmode = _devmode_of(request)
    if devmode is not None and not _valid_devmode(devmode):
        return ERROR_INVALID_PARAMETER
    if level == 2:
        driver = _driver(ctx, _text(info["pDriverName"]))
        if driver is None:
            return ERROR_UNKNOWN_PRINTER_DRIVER
        port = _text(info["pPortName"])
        if port.upper() not in LOCAL_PORTS:
            return ERROR_UNKNOWN_PORT
        processor = _text(info["pPrintProcessor"]) or printer.processor
        if processor.lower() != PRINT_PROCESSOR:
            return ERROR_UNKNOWN_PRINTPROCESSOR
        name = _text(info["pPrinterName"]).rsplit("\\", 1)[-1] or printer.name
        renamed = _renamed(ctx, printer, name)
        if isinstance(renamed, int):
            return renamed
        return dataclasses.replace(
            renamed, comment=_text(info["pComment"]), location=_text(info["pLocation"]),
            port=port.upper(), driver=driver, processor=PRINT_PROCESSOR,
            datatype=_text(info["pDatatype"]) or printer.datatype, attributes=info["Attributes"],
            devmode=devmode or printer.devmode, security=_security_of(request) or printer.security)
    if level == 3:
        security = _security_of(request)
        return dataclasses.replace(printer, security=security) if security else ERROR_INVALID_PARAMETER
    if level == 4:
        name = _text(info["pPrinterName"]).rsplit("\\", 1)[-1]
        if not name:
            return ERROR_INVALID_PARAMETER
        renamed = _renamed(ctx, printer, name)
        return renamed if isinstance(renamed, int) else dataclasses.replace(
            renamed, attributes=info["Attributes"])
    if level == 5:
        name = _text(info["pPrinterName"]).rsplit("\\", 1)[-1]
        port = _text(info["pPortName"])
        if not name or not port:
            return ERROR_INVALID_PARAMETER
        if port.upper() not in LOCAL_PORTS:
            return ERROR_UNKNOWN_PORT
        renamed = _renamed(ctx, printer, name)
        return renamed if isinstance(renamed, int) else dataclasses.replace(
            renamed, port=port.upper(), attributes=info["Attributes"])
    if level == 6:
        return printer  # a port monitor's status report: nothing the emulation keeps (U)
    if level == 7:
        # directory publishing (MS-RPRN 2.2.1.10.8): PRINTER_ATTRIBUTE_PUBLISHED follows the
        # action, read back by levels 2 and 7 (U: no printQueue object is written to AD)
        action = info["dwAction"]
        if action not in _DS_ACTIONS:
            return ERROR_INVALID_PARAMETER
        published = printer.attributes | PRINTER_ATTRIBUTE_PUBLISHED
        return dataclasses.replace(printer, attributes=published if action != DSPRINT_UNPUBLISH
                                   else published & ~PRINTER_ATTRIBUTE_PUBLISHED)
    if level == 8:
        return dataclasses.replace(printer, devmode=devmode) if devmode else printer
    if level == 9:
        return ERROR_NOT_SUPPORTED  # the per-user DEVMODE of a remote caller
    return ERROR_INVALID_LEVEL


def _renamed(ctx: CallContext, printer: Printer, name: str) -> Printer | int:
    if name.lower() != printer.name.lower():
        other = find_printer(ctx, name)
        if other is not None and other.key != printer.key:
            return ERROR_PRINTER_ALREADY_EXISTS
    return dataclasses.replace(printer, name=name)


@INTERFACE.operation(7, "RpcSetPrinter",
                     request=[("hPrinter", ContextHandle), ("pPrinterContainer", PRINTER_CONTAINER),
                              ("pDevModeContainer", DEVMODE_CONTAINER),
                              ("pSecurityContainer", SECURITY_CONTAINER), ("Command", uint32)],
                     response=[], returns="uint32")
def RpcSetPrinter(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.5.  The order Windows answers (W: smbtorture's test_SetPrinter_errors and
    its PausePrinter, which sends level 0 without a structure): a Command other than 0-3
    (SET_STATUS included), or 1-3 with a level other than 0, ERROR_INVALID_PRINTER_COMMAND;
    level 0 pauses, resumes or purges; otherwise no structure is ERROR_INVALID_PARAMETER,
    level 1 ERROR_INVALID_LEVEL, the others as :func:`_set_level`."""
    entry = opened(ctx, request["hPrinter"])
    container = request["pPrinterContainer"] or {}
    level, command = int(container.get("Level") or 0), request["Command"]
    tag, info = container.get("PrinterInfo") or (None, None)
    if entry.obj.printer is None:
        return {"ReturnValue": _set_server(ctx, entry, request, level)}
    printer = current(ctx, entry.obj.printer)
    if printer is None:
        return {"ReturnValue": ERROR_INVALID_PRINTER_NAME}
    need = (WRITE_DAC if level == 3 else PRINTER_ACCESS_ADMINISTER)
    if not ctx.require(entry.granted_access, need, PRINTER):
        return {"ReturnValue": _denied(ctx)}
    changed: Printer | int
    if command > PRINTER_CONTROL_PURGE or (command and level != 0):
        changed = ERROR_INVALID_PRINTER_COMMAND
    elif level == 0 and command:
        changed = _command(printer, command)  # a command needs no structure (PausePrinter)
        if command == PRINTER_CONTROL_PURGE:
            purge(ctx, printer)  # "deletes all print jobs" (MS-RPRN 3.1.4.2.5)
    elif tag != level or info is None:
        changed = ERROR_INVALID_PARAMETER
    elif level == 0:
        changed = printer
    elif level == 1:
        changed = ERROR_INVALID_LEVEL
    else:
        changed = _set_level(ctx, printer, level, info, request)
    if isinstance(changed, int):
        return {"ReturnValue": changed}
    store(ctx, changed)
    return {"ReturnValue": 0}


@INTERFACE.operation(14, "RpcAddPrintProcessor",
                     request=[("pName", WString), ("pEnvironment", WStringRef),
                              ("pPathName", WStringRef), ("pPrintProcessorName", WStringRef)],
                     response=[], returns="uint32")
def RpcAddPrintProcessor(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.8.1: an administrator installing a print processor.  The environment must
    be one the server knows (ERROR_INVALID_ENVIRONMENT); winprint, the one installed, is
    ERROR_PRINT_PROCESSOR_ALREADY_INSTALLED (W: smbtorture's add_processor expects it of
    Windows); any other name needs its DLL in the print processor directory, where the
    emulated machine has none: ERROR_MOD_NOT_FOUND, the loader's answer (W: the same test)."""
    if ctx.grant(SPOOLER_SERVER, SERVER_ACCESS_ADMINISTER) is None:
        return {"ReturnValue": _denied(ctx)}
    if _text(request["pEnvironment"]).lower() not in ENVIRONMENTS:
        return {"ReturnValue": ERROR_INVALID_ENVIRONMENT}
    if _text(request["pPrintProcessorName"]).lower() == PRINT_PROCESSOR:
        return {"ReturnValue": ERROR_PRINT_PROCESSOR_ALREADY_INSTALLED}
    return {"ReturnValue": ERROR_MOD_NOT_FOUND}


def per_machine_connections(ctx: CallContext) -> dict[str, str]:
    """The per-machine printer connections, ``\\\\server\\printer`` by lower-cased name."""
    return ctx.server.memo("spoolss.per_machine_connections", dict)


@INTERFACE.operation(85, "RpcAddPerMachineConnection",
                     request=[("pServer", WString), ("pPrinterName", WStringRef),
                              ("pPrintServer", WStringRef), ("pProvider", WStringRef)],
                     response=[], returns="uint32")
def RpcAddPerMachineConnection(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.24: a printer connection every user of the machine gets at logon.  The
    server checks the form, not the printer (nothing is connected until a user logs on; W:
    smbtorture's addpermachineconnection table, recorded against Windows): a name that is not
    ``\\\\server\\printer`` is ERROR_INVALID_PRINTER_NAME; a print provider other than the
    default (empty, or win32spl.dll) is a DLL the machine does not have, ERROR_FILE_NOT_FOUND;
    otherwise the connection is kept and listed by RpcEnumPerMachineConnections.  Nothing ever
    connects out."""
    if ctx.grant(SPOOLER_SERVER, SERVER_ACCESS_ADMINISTER) is None:
        return {"ReturnValue": _denied(ctx)}
    name = _text(request["pPrinterName"])
    server, _, printer = name[2:].partition("\\") if name.startswith("\\\\") else ("", "", "")
    if not server or not printer:
        return {"ReturnValue": ERROR_INVALID_PRINTER_NAME}
    if _text(request["pProvider"]).lower() not in ("", "win32spl.dll"):
        return {"ReturnValue": ERROR_FILE_NOT_FOUND}
    connections = per_machine_connections(ctx)
    if len(connections) < MAX_ADDED_PRINTERS:
        connections[name.lower()] = name
    return {"ReturnValue": 0}


def _local_name(ctx: CallContext) -> str:
    return ctx.server.directory.machine.netbios_name.upper()


@INTERFACE.operation(86, "RpcDeletePerMachineConnection",
                     request=[("pServer", WString), ("pPrinterName", WStringRef)],
                     response=[], returns="uint32")
def RpcDeletePerMachineConnection(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.25: a connection added before goes; another name is
    ERROR_INVALID_PRINTER_NAME (U)."""
    if ctx.grant(SPOOLER_SERVER, SERVER_ACCESS_ADMINISTER) is None:
        return {"ReturnValue": _denied(ctx)}
    if per_machine_connections(ctx).pop(_text(request["pPrinterName"]).lower(), None) is None:  # U
        return {"ReturnValue": ERROR_INVALID_PRINTER_NAME}
    return {"ReturnValue": 0}


@INTERFACE.operation(87, "RpcEnumPerMachineConnections",
                     request=[("pServer", WString), ("pPrinterEnum", BUFFER), ("cbBuf", uint32)],
                     response=[("pPrinterEnum", BUFFER), ("pcbNeeded", uint32),
                               ("pcReturned", uint32)], returns="uint32")
def RpcEnumPerMachineConnections(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.26: PRINTER_INFO_4 of every per-machine connection (pPrinterName, the
    print server, PRINTER_ATTRIBUTE_NETWORK); no access check ("SHOULD NOT perform any")."""
    names = list(per_machine_connections(ctx).values())
    records = [[("s", name), ("s", "\\\\" + name[2:].partition("\\")[0]),
                ("u32", PRINTER_ATTRIBUTE_NETWORK)] for name in names]
    data = pack(records)
    return _answer(request["pPrinterEnum"], request["cbBuf"], data + bytes(-len(data) % 4),
                   len(names), "pPrinterEnum")


@INTERFACE.operation(48, "RpcDeletePrintProcessor",
                     request=[("pName", WString), ("pEnvironment", WString),
                              ("pPrintProcessorName", WStringRef)],
                     response=[], returns="uint32")
def RpcDeletePrintProcessor(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.8.5: winprint, the print processor every printer uses, cannot go:
    ERROR_CAN_NOT_COMPLETE (W: smbtorture's add_processor expects it of Windows); any other
    name is not installed: ERROR_UNKNOWN_PRINTPROCESSOR."""
    if ctx.grant(SPOOLER_SERVER, SERVER_ACCESS_ADMINISTER) is None:
        return {"ReturnValue": _denied(ctx)}
    environment = _text(request["pEnvironment"])
    if environment and environment.lower() not in ENVIRONMENTS:
        return {"ReturnValue": ERROR_INVALID_ENVIRONMENT}
    if _text(request["pPrintProcessorName"]).lower() == PRINT_PROCESSOR:
        return {"ReturnValue": ERROR_CAN_NOT_COMPLETE}
    return {"ReturnValue": ERROR_UNKNOWN_PRINTPROCESSOR}


@INTERFACE.operation(37, "RpcAddPort", request=(), response=[], returns="uint32")
def RpcAddPort(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """Opnum 37, "Opnum37NotUsedOnWire" in MS-RPRN 3.1.4 (clients add ports through
    RpcXcvData): the server's stub still has the legacy AddPort and answers
    ERROR_NOT_SUPPORTED (W: smbtorture's test_AddPort, "win2k3 returns WERR_NOT_SUPPORTED")."""
    return {"ReturnValue": ERROR_NOT_SUPPORTED}


__all__ = ["PRINTER_CONTAINER", "SECURITY_CONTAINER"]
