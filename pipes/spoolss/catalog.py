"""What a default print server has installed besides printers: its ports, port monitors, the
print processor and its data types -- RpcEnumPorts (35), RpcEnumMonitors (36),
RpcEnumPrintProcessors (15), RpcGetPrintProcessorDirectory (16),
RpcEnumPrintProcessorDatatypes (51) (the driver packages: :mod:`.packages`).  All read-only: RpcAddPort / RpcAddMonitor /
RpcAddPrintProcessor stay refused (pipes/spoolss/others.py)."""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import WString, uint32
from smbemu.status import (
    ERROR_INVALID_LEVEL,
    ERROR_INVALID_NAME,
    ERROR_UNKNOWN_PRINTPROCESSOR,
)

from . import BUFFER, INTERFACE, _answer
from .data import _environment, _host_ok, spool_directory
from .info import Field, pack
from .objects import ERROR_INVALID_ENVIRONMENT, environment_arch

# -------------------------------------------------------------------------------------------
# What a fresh installation has
# -------------------------------------------------------------------------------------------

#: The Local Port monitor (localspl.dll) and the ports it creates at setup: the parallel and
#: serial ports and FILE: (D: "Local Port" in Print Management of a fresh Windows Server; the
#: same list on every release from NT 4 on, HKLM\...\Windows NT\CurrentVersion\Ports).
#: U: PORTPROMPT: and nul: (added by the "Microsoft Print to PDF" / XPS writers on client
#: editions) are left out: a Server Core-like installation without them.
LOCAL_PORTS: Final = ("COM1:", "COM2:", "COM3:", "COM4:", "FILE:", "LPT1:", "LPT2:", "LPT3:")
LOCAL_PORT_MONITOR: Final = "Local Port"
#: PORT_INFO_2 fPortType (MS-RPRN 2.2.1.9.2): a local port is written to and read from
#: (PORT_TYPE_WRITE | PORT_TYPE_READ; U: the flags Windows sets for its local ports).
PORT_TYPE_WRITE: Final = 0x1
PORT_TYPE_READ: Final = 0x2


def monitors(version: tuple[int, int]) -> list[tuple[str, str]]:
    """(name, DLL) of the port monitors a default installation registers (HKLM\\SYSTEM\\
    CurrentControlSet\\Control\\Print\\Monitors): Local Port everywhere; Standard TCP/IP Port
    from 2000 on; USB Monitor from XP / 2003; WSD Port from Vista / 2008; Appmon from
    Windows 8 / 2012 (W: the Monitors key of fresh installations; U on the exact release each
    one first shipped in)."""
    found = [("Local Port", "localspl.dll")]
    if version >= (5, 0):
        found.append(("Standard TCP/IP Port", "tcpmon.dll"))
    if version >= (5, 1):
        found.append(("USB Monitor", "usbmon.dll"))
    if version >= (6, 0):
        found.append(("WSD Port", "WSDMon.dll"))
    if version >= (6, 2):
        found.append(("Appmon", "AppMon.dll"))
    return found


#: The one print processor Windows ships (MS-RPRN 2.2.4.11 "winprint"; D: WinPrint).
PRINT_PROCESSOR: Final = "winprint"


def datatypes(version: tuple[int, int]) -> list[str]:
    """The data types winprint accepts (MS-RPRN 2.2.4.9 names RAW, "NT EMF 1.003"-"1.008" and
    TEXT; W: EnumPrintProcessorDatatypes on 2000 and later lists the two RAW variants as
    well); XPS2GDI from Windows 8 / 2012 (W, the XPS-to-GDI conversion path; U on the release)."""
    names = ["RAW", "RAW [FF appended]", "RAW [FF auto]", "NT EMF 1.003", "NT EMF 1.006",
             "NT EMF 1.007", "NT EMF 1.008", "TEXT"]
    if version >= (6, 2):
        names.append("XPS2GDI")
    return names


def _aligned(data: bytes) -> bytes:
    # Windows sizes enumeration buffers in whole DWORDs (W: smbtorture's
    # CHECK_NEEDED_SIZE_ENUM_LEVEL rounds the structures' size up to 4).
    return data + bytes(-len(data) % 4)


def _enum(request: dict[str, Any], out_name: str, records: list[list[Field]]) -> dict[str, Any]:
    data = _aligned(pack(records)) if records else b""
    return _answer(request[out_name], request["cbBuf"], data, len(records), out_name)


def _refused(request: dict[str, Any], out_name: str, status: int) -> dict[str, Any]:
    return {**_answer(request[out_name], request["cbBuf"], b"", 0, out_name),
            "ReturnValue": status}


# -------------------------------------------------------------------------------------------
# RpcEnumPorts (35), RpcEnumMonitors (36)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(35, "RpcEnumPorts",
                     request=[("pName", WString), ("Level", uint32), ("pPort", BUFFER),
                              ("cbBuf", uint32)],
                     response=[("pPort", BUFFER), ("pcbNeeded", uint32), ("pcReturned", uint32)],
                     returns="uint32")
def RpcEnumPorts(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.6.1: PORT_INFO_1 (the name) or PORT_INFO_2 (name, monitor, description,
    type); other levels ERROR_INVALID_LEVEL."""
    if not _host_ok(ctx, request["pName"]):
        return _refused(request, "pPort", ERROR_INVALID_NAME)
    level = request["Level"]
    if level not in (1, 2):
        return _refused(request, "pPort", ERROR_INVALID_LEVEL)
    records: list[list[Field]] = []
    for port in LOCAL_PORTS:
        if level == 1:
            records.append([("s", port)])
        else:
            records.append([("s", port), ("s", LOCAL_PORT_MONITOR), ("s", LOCAL_PORT_MONITOR),
                            ("u32", PORT_TYPE_WRITE | PORT_TYPE_READ), ("u32", 0)])
    return _enum(request, "pPort", records)


@INTERFACE.operation(36, "RpcEnumMonitors",
                     request=[("pName", WString), ("Level", uint32), ("pMonitor", BUFFER),
                              ("cbBuf", uint32)],
                     response=[("pMonitor", BUFFER), ("pcbNeeded", uint32),
                               ("pcReturned", uint32)],
                     returns="uint32")
def RpcEnumMonitors(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.7.1: MONITOR_INFO_1 (name) or MONITOR_INFO_2 (name, the server's own
    environment, DLL)."""
    if not _host_ok(ctx, request["pName"]):
        return _refused(request, "pMonitor", ERROR_INVALID_NAME)
    level = request["Level"]
    if level not in (1, 2):
        return _refused(request, "pMonitor", ERROR_INVALID_LEVEL)
    version = ctx.server.profile.identity.version
    environment = environment_arch(version)
    records: list[list[Field]] = [
        [("s", name)] if level == 1 else [("s", name), ("s", environment), ("s", dll)]
        for name, dll in monitors(version)]
    return _enum(request, "pMonitor", records)


# -------------------------------------------------------------------------------------------
# RpcEnumPrintProcessors (15), RpcGetPrintProcessorDirectory (16),
# RpcEnumPrintProcessorDatatypes (51)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(15, "RpcEnumPrintProcessors",
                     request=[("pName", WString), ("pEnvironment", WString), ("Level", uint32),
                              ("pPrintProcessorInfo", BUFFER), ("cbBuf", uint32)],
                     response=[("pPrintProcessorInfo", BUFFER), ("pcbNeeded", uint32),
                               ("pcReturned", uint32)],
                     returns="uint32")
def RpcEnumPrintProcessors(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.8.2: the environment is checked first (unknown: ERROR_INVALID_ENVIRONMENT,
    NULL: the server's own), then the level (PRINTPROCESSOR_INFO_1 only, MS-RPRN 2.2.1.13)."""
    out = "pPrintProcessorInfo"
    if not _host_ok(ctx, request["pName"]):
        return _refused(request, out, ERROR_INVALID_NAME)
    if _environment(ctx, request["pEnvironment"]) is None:
        return _refused(request, out, ERROR_INVALID_ENVIRONMENT)
    if request["Level"] != 1:
        return _refused(request, out, ERROR_INVALID_LEVEL)
    return _enum(request, out, [[("s", PRINT_PROCESSOR)]])


@INTERFACE.operation(16, "RpcGetPrintProcessorDirectory",
                     request=[("pName", WString), ("pEnvironment", WString), ("Level", uint32),
                              ("pPrintProcessorDirectory", BUFFER), ("cbBuf", uint32)],
                     response=[("pPrintProcessorDirectory", BUFFER), ("pcbNeeded", uint32)],
                     returns="uint32")
def RpcGetPrintProcessorDirectory(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.8.4: the directory's path on the server, a NUL-terminated string
    (``C:\\Windows\\system32\\spool\\prtprocs\\x64``).  The level is not checked: Windows
    answers the path at any level (MS-RPRN 3.1.4.8.4 says "MUST be 1"; W: smbtorture's
    GetPrintProcessorDirectory test expects levels 78 and 1024 to succeed against Windows)."""
    return spool_directory(ctx, request, "pPrintProcessorDirectory", "prtprocs")


@INTERFACE.operation(51, "RpcEnumPrintProcessorDatatypes",
                     request=[("pName", WString), ("pPrintProcessorName", WString),
                              ("Level", uint32), ("pDatatypes", BUFFER), ("cbBuf", uint32)],
                     response=[("pDatatypes", BUFFER), ("pcbNeeded", uint32),
                               ("pcReturned", uint32)],
                     returns="uint32")
def RpcEnumPrintProcessorDatatypes(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.8.5: the print processor is checked first (NULL or one the server does
    not have: ERROR_UNKNOWN_PRINTPROCESSOR), then the level (DATATYPES_INFO_1 only)."""
    out = "pDatatypes"
    if not _host_ok(ctx, request["pName"]):
        return _refused(request, out, ERROR_INVALID_NAME)
    processor = (request["pPrintProcessorName"] or "").rstrip("\x00")
    if processor.lower() != PRINT_PROCESSOR:
        return _refused(request, out, ERROR_UNKNOWN_PRINTPROCESSOR)
    if request["Level"] != 1:
        return _refused(request, out, ERROR_INVALID_LEVEL)
    names = datatypes(ctx.server.profile.identity.version)
    return _enum(request, out, [[("s", name)] for name in names])


__all__ = ["LOCAL_PORTS", "PRINT_PROCESSOR", "monitors", "datatypes"]
