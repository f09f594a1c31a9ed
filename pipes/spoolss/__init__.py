"""spoolss: the Print System Remote Protocol (MS-RPRN) on ``\\PIPE\\spoolss``.

UUID 12345678-1234-abcd-ef00-0123456789ab version 1.0 (MS-RPRN 2.1).  Every opnum of MS-RPRN
3.1.4 (0 to 123) is declared:

* **emulated**: RpcEnumPrinters (0), RpcOpenPrinter (1), RpcGetPrinter (8), RpcClosePrinter
  (29), RpcOpenPrinterEx (69) -- over the fixture's printer shares (:mod:`.objects`);
  RpcEnumPrinterDrivers (10), RpcGetPrinterDriverDirectory (12), RpcGetPrinterData (26),
  RpcGetPrinterDataEx (78) (:mod:`.data`); RpcEnumForms (34), RpcGetForm (32) over Windows'
  built-in forms (:mod:`.forms`); RpcEnumPorts (35), RpcEnumMonitors (36),
  RpcEnumPrintProcessors (15), RpcGetPrintProcessorDirectory (16),
  RpcEnumPrintProcessorDatatypes (51) (:mod:`.catalog`); RpcGetCorePrinterDrivers (102),
  RpcGetPrinterDriverPackagePath (104) (:mod:`.packages`);
  the print jobs (:mod:`.jobs`: RpcGetJob 3, RpcEnumJobs 4, RpcSetJob 2, RpcAddJob 24,
  RpcScheduleJob 25; :mod:`.documents`: RpcStartDocPrinter 17 to RpcEndDocPrinter 23, kept in
  memory, never printed); RpcRemoteFindFirstPrinterChangeNotification (62)
  and its Ex (65), RpcFindClosePrinterChangeNotification (56) (:mod:`.notify`): answered as
  Windows answers when it cannot reach the client's machine, **never connecting out**, and
  reported to the audit log (the "printer bug" coercion);
* **every other opnum** (:mod:`.others`): the handle checked first, then ERROR_ACCESS_DENIED for
  the calls that change the spooler, ERROR_INVALID_HANDLE for a call made on the wrong kind of
  handle, ERROR_NOT_SUPPORTED for reads not emulated; "OpnumNNNotUsedOnWire" and the opnums a
  release does not have yet fault nca_op_rng_error.

Presence: the pipe exists while the Print Spooler service runs -- automatic on every release
from NT 4 to Server 2022, domain controllers included (``policies/services/windows.yaml``
Spooler row; D: Microsoft's "Guidance on disabling system services on Windows Server 2016" lists
Print Spooler as Automatic, and the 2021 PrintNightmare advisories tell administrators to stop it
on DCs precisely because it runs there by default).  Stopping it through svcctl removes the
pipe.  Anonymous callers reach the pipe where ``spoolss`` is in NullSessionPipes (NT 4, 2000,
XP, 2003: the profiles' lists, windows-defaults §1.2), like every other pipe (smbemu.ipc).

Access (:mod:`.objects`): the server object gives Everyone SERVER_ACCESS_ENUMERATE, a printer
gives Everyone PRINTER_ACCESS_USE, Administrators hold everything; the anonymous token has
Everyone only where EveryoneIncludesAnonymous holds (2000 and NT 4), so from XP / 2003 on an
anonymous caller that reaches the pipe is refused the enumeration and the opens (U: whether the
2003 spooler refuses anonymous enumeration is inferred from the DACL model).
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Final

from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import (
    ConformantBytes,
    ContextHandle,
    Pointer,
    Struct,
    Union,
    WString,
    uint16,
    uint32,
    uint64,
)
from smbemu.security_descriptor import self_relative
from smbemu.service_catalog import running_on
from smbemu.status import (
    ERROR_INSUFFICIENT_BUFFER,
    ERROR_INVALID_LEVEL,
    ERROR_INVALID_NAME,
    ERROR_INVALID_PARAMETER,
)

from .info import devmode, pack
from .objects import (
    ERROR_INVALID_PRINTER_NAME,
    ERROR_INVALID_USER_BUFFER,
    HANDLE_KIND,
    PRINTER,
    PRINTER_ACCESS_USE,
    READ_CONTROL,
    SERVER_ACCESS_ENUMERATE,
    SPOOLER_SERVER,
    Opened,
    Printer,
    check_room,
    current,
    find_printer,
    is_this_server,
    job_count,
    opened,
    printers,
)

INTERFACE: Final = Interface(
    name="spoolss", uuid="12345678-1234-abcd-ef00-0123456789ab", version=(1, 0),
    pipes=("spoolss",), opnum_count=124,
    description="Print System Remote Protocol (MS-RPRN)")


def spooler_running(config: Any) -> bool:
    """Is ``\\PIPE\\spoolss`` there?  While the Print Spooler service runs (the catalog's
    Spooler row: automatic on every release; an administrator may stop it through svcctl) --
    and, from Windows Server 2003 on, only while a printer is shared: the spooler creates the
    named-pipe endpoint only then, unless RegisterSpoolerRemoteRpcEndPoint says otherwise (W:
    HSC, "Windows network services internals", MSRPC spoolss section; the policy "Allow Print
    Spooler to accept client connections")."""
    if not running_on(config, "Spooler"):
        return False
    if config.profile.identity.version < (5, 2):
        return True
    return any(share.type == "print" for share in config.directory.shares)


#: Consulted by the pipe open (smbemu.ipc) and the endpoint mapper: a stopped service's pipe
#: does not exist.
INTERFACE.available = spooler_running  # type: ignore[attr-defined]

#: MS-RPRN 2.2.1.2.1 DEVMODE_CONTAINER.
DEVMODE_CONTAINER: Final = Struct("DEVMODE_CONTAINER", [
    ("cbBuf", uint32), ("pDevMode", Pointer(ConformantBytes()))])
#: ``[in, out, unique, size_is(cbBuf), disable_consistency_check] BYTE*``: the caller's buffer.
BUFFER: Final = Pointer(ConformantBytes())

# PRINTER_ENUM_* flags (MS-RPRN 2.2.3.7)
PRINTER_ENUM_LOCAL: Final = 0x00000002
PRINTER_ENUM_CONNECTIONS: Final = 0x00000004
PRINTER_ENUM_NAME: Final = 0x00000008
PRINTER_ENUM_REMOTE: Final = 0x00000010
PRINTER_ENUM_SHARED: Final = 0x00000020
PRINTER_ENUM_NETWORK: Final = 0x00000040
PRINTER_ENUM_ICON8: Final = 0x00800000
#: PRINTER_INFO_5 timeouts in ms (the Windows defaults, D: PRINTER_INFO_5 documentation).
_NOT_SELECTED_TIMEOUT: Final = 15000
_RETRY_TIMEOUT: Final = 45000
#: PRINTER_INFO_7 dwAction of a printer not published in the directory (MS-RPRN 2.2.1.10.8).
DSPRINT_UNPUBLISH: Final = 0x00000004
DSPRINT_PUBLISH: Final = 0x00000001
#: PRINTER_ATTRIBUTE_PUBLISHED (MS-RPRN 2.2.3.12): the printer is published in the directory.
PRINTER_ATTRIBUTE_PUBLISHED: Final = 0x00002000


def _answer(buffer: bytes | None, room: int, data: bytes, count: int | None,
            out_name: str) -> dict[str, Any]:
    """The [in, out] buffer answer of an Enum/Get call (MS-RPRN 3.1.4.1.9 "buffer sizing"):
    the data when it fits in the caller's ``cbBuf``, else ERROR_INSUFFICIENT_BUFFER with
    pcbNeeded; the buffer goes back as the caller sent it, ``cbBuf`` bytes (NULL stays NULL)."""
    needed = len(data)
    out: dict[str, Any] = {"pcbNeeded": needed}
    if count is not None:
        out["pcReturned"] = 0
    if buffer is not None:
        check_room(room)
        if len(buffer) < room:
            out[out_name] = bytes(len(buffer))
            out["pcbNeeded"] = 0
            out["ReturnValue"] = ERROR_INVALID_USER_BUFFER
            return out
    if buffer is None or room < needed:
        out[out_name] = None if buffer is None else bytes(room)
        out["ReturnValue"] = ERROR_INSUFFICIENT_BUFFER if needed else 0
        return out
    out[out_name] = data + bytes(room - needed)
    if count is not None:
        out["pcReturned"] = count
    out["ReturnValue"] = 0
    return out


# -------------------------------------------------------------------------------------------
# The PRINTER_INFO levels (MS-RPRN 2.2.1.10)
# -------------------------------------------------------------------------------------------

#: A shared printer's DACL (D: the default "Security" tab of a printer): Everyone Print,
#: CREATOR OWNER manage documents (not modelled), Administrators / Print Operators / Server
#: Operators full control.
_PRINTER_DACL: Final = (("S-1-1-0", 0x00020008), ("S-1-5-32-544", 0x000F000C),
                        ("S-1-5-32-550", 0x000F000C), ("S-1-5-32-549", 0x000F000C))


def printer_descriptor() -> bytes:
    return self_relative(0x7, "S-1-5-32-544", "S-1-5-18", _PRINTER_DACL)


#: The print server's DACL as the object model grants it (pipes/spoolss/objects.py
#: SPOOLER_SERVER): Everyone SERVER_READ (READ_CONTROL | SERVER_ACCESS_ENUMERATE),
#: Administrators SERVER_ALL_ACCESS (MS-RPRN 2.2.3.1; U on the exact ACE list).
_SERVER_DACL: Final = (("S-1-1-0", 0x00020002), ("S-1-5-32-544", 0x000F0003))


def server_descriptor() -> bytes:
    return self_relative(0x7, "S-1-5-32-544", "S-1-5-18", _SERVER_DACL)


def _devmode_of(printer: Printer, name: str) -> bytes:
    """The printer's global DEVMODE, its dmDeviceName the printer as this handle names it
    (at most 31 characters): Windows rewrites it so (W: smbtorture's enum_printers_servername
    expects ``\\\\server\\printer`` there after opening the full name)."""
    if printer.devmode is None:
        return devmode(name)
    return name[:31].encode("utf-16-le").ljust(64, b"\x00") + printer.devmode[64:]


def _printer_record(ctx: CallContext, printer: Printer, level: int, unc: str | None) -> list[Any]:
    """``unc``: the server as the client named it (``\\\\127.0.0.1``), None for the printer's
    short name and a NULL pServerName (MS-RPRN 3.1.4.2.1: Windows echoes the name the client
    used rather than its own; W: smbtorture's enum_printers_servername against Windows)."""
    name = f"{unc}\\{printer.name}" if unc else printer.name
    if level == 0:
        version = ctx.server.profile.identity
        major, minor = version.version
        return [("s", name), ("s", unc), ("u32", 0), ("u32", 0),
                ("u32", 0), ("raw", bytes(16)), ("u32", 0), ("u32", 0),
                ("u32", (major << 16) | minor), ("u32", version.build), ("u32", 0), ("u32", 0),
                ("u32", 0), ("u32", 0), ("u32", 0), ("u32", 0), ("u32", 1), ("u32", 0x24A),
                ("u32", 0), ("u32", 1), ("u32", 0), ("u32", printer.status), ("u32", 0),
                ("u32", 0), ("u16", 0), ("u16", 6), ("u32", 0), ("u32", 0), ("u32", 0)]
    if level == 1:
        return [("u32", PRINTER_ENUM_ICON8),
                ("s", f"{name},{printer.driver},{printer.location}"), ("s", name),
                ("s", printer.comment)]
    if level == 2:
        return [("s", unc), ("s", name), ("s", printer.share_name),
                ("s", printer.port), ("s", printer.driver), ("s", printer.comment),
                ("s", printer.location), ("b", _devmode_of(printer, name)), ("s", ""),
                ("s", printer.processor),
                ("s", printer.datatype), ("s", ""), ("b", printer.security or printer_descriptor()),
                ("u32", printer.attributes), ("u32", 1), ("u32", 0), ("u32", 0), ("u32", 0),
                ("u32", printer.status), ("u32", job_count(ctx, printer)), ("u32", 0)]
    if level == 3:
        return [("b", printer.security or printer_descriptor())]
    if level == 4:
        return [("s", name), ("s", unc), ("u32", printer.attributes)]
    if level == 5:
        return [("s", name), ("s", printer.port), ("u32", printer.attributes),
                ("u32", _NOT_SELECTED_TIMEOUT), ("u32", _RETRY_TIMEOUT)]
    if level == 7:
        if printer.attributes & PRINTER_ATTRIBUTE_PUBLISHED:
            guid = uuid.uuid5(uuid.NAMESPACE_URL, f"smbemu:printer:{printer.key}")
            return [("s", "{" + str(guid).upper() + "}"), ("u32", DSPRINT_PUBLISH)]
        return [("s", None), ("u32", DSPRINT_UNPUBLISH)]
    if level == 8:
        return [("b", _devmode_of(printer, name))]
    raise ValueError(level)


#: Levels RpcEnumPrinters answers (MS-RPRN 3.1.4.2.1) and RpcGetPrinter answers here
#: (3.1.4.2.6: 6 and 9 exist too; not emulated, ERROR_INVALID_LEVEL, U).
ENUM_LEVELS: Final = (0, 1, 2, 4, 5)
GET_LEVELS: Final = (0, 1, 2, 3, 4, 5, 7, 8)


# -------------------------------------------------------------------------------------------
# RpcEnumPrinters (0)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(0, "RpcEnumPrinters",
                     request=[("Flags", uint32), ("Name", WString), ("Level", uint32),
                              ("pPrinterEnum", BUFFER), ("cbBuf", uint32)],
                     response=[("pPrinterEnum", BUFFER), ("pcbNeeded", uint32),
                               ("pcReturned", uint32)],
                     returns="uint32")
def RpcEnumPrinters(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.1.  PRINTER_ENUM_LOCAL / NAME (naming this server or NULL) list the
    local printers, SHARED keeps the shared ones (all of them here); CONNECTIONS lists the
    caller's per-user connections (none for a remote caller); NETWORK lists the domain's print
    servers from the browse list (level 1 only; none here, U).  A Name naming another machine is
    ERROR_INVALID_NAME (U: Windows tries the other machine's spooler first)."""
    flags, level, name = request["Flags"], request["Level"], request["Name"]
    buffer, room = request["pPrinterEnum"], request["cbBuf"]
    empty = _answer(buffer, room, b"", 0, "pPrinterEnum")
    if flags & PRINTER_ENUM_NETWORK:
        return empty if level == 1 else {**empty, "ReturnValue": ERROR_INVALID_LEVEL}
    if level not in ENUM_LEVELS:
        return {**empty, "ReturnValue": ERROR_INVALID_LEVEL}
    host = (name or "").rstrip("\x00")
    if host and not (host.startswith("\\\\") and is_this_server(ctx, host[2:].split("\\")[0])):
        return {**empty, "ReturnValue": ERROR_INVALID_NAME}
    if not flags & (PRINTER_ENUM_LOCAL | PRINTER_ENUM_NAME):
        return empty
    if ctx.grant(SPOOLER_SERVER, SERVER_ACCESS_ENUMERATE) is None:
        assert ctx.decision is not None
        return {**empty, "ReturnValue": ctx.decision.status}
    found = printers(ctx)
    unc = "\\\\" + host[2:].split("\\")[0] if host else None
    data = pack([_printer_record(ctx, p, level, unc) for p in found])
    return _answer(buffer, room, data, len(found), "pPrinterEnum")


# -------------------------------------------------------------------------------------------
# RpcOpenPrinter (1), RpcOpenPrinterEx (69), RpcClosePrinter (29)
# -------------------------------------------------------------------------------------------


def _open(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.2 / 3.1.4.2.14: NULL or ``\\\\SERVER`` opens the print server,
    ``\\\\SERVER\\printer`` or ``printer`` a printer (by its name or its share name).  A name
    the server does not have is ERROR_INVALID_PRINTER_NAME; the access asked for is checked
    against the object's DACL (ERROR_ACCESS_DENIED)."""
    failed = {"pHandle": bytes(20)}
    given = request["pPrinterName"]
    text = (given or "").rstrip("\x00")
    target: Printer | None = None
    unc: str | None = None
    if given is not None and not text:
        # an empty name is neither the server (NULL) nor a printer (W: smbtorture's
        # openprinter_badnamelist expects ERROR_INVALID_PRINTER_NAME from Windows)
        return {**failed, "ReturnValue": ERROR_INVALID_PRINTER_NAME}
    if text.startswith("\\\\"):
        host, separator, rest = text[2:].partition("\\")
        # "\\\\\\..." (no host) and "\\\\SERVER\\" (no printer after the separator) name
        # nothing: ERROR_INVALID_PRINTER_NAME (W: the same smbtorture test)
        if not host or not is_this_server(ctx, host) or (separator and not rest):
            return {**failed, "ReturnValue": ERROR_INVALID_PRINTER_NAME}
        unc = "\\\\" + host
    else:
        rest = text
    if rest:
        # ",LocalOnly" / ",DrvConvert" name the same printer (MS-RPRN 2.2.4.14): the keyword
        # right after the comma or after one space, case-sensitive, anything after it ignored;
        # a space before the comma or a misspelt keyword is a bad name (W: smbtorture's
        # test_openprinter suffix table, recorded against Windows).  ",LocalsplOnly" is the
        # share path form of the fixture.  Job, port and monitor objects (",Job n",
        # ",XcvPort", ",XcvMonitor") are not emulated.
        base, comma, suffix = rest.partition(",")
        if comma and not (_OPEN_SUFFIX.match(suffix) or suffix == "LocalsplOnly"):
            return {**failed, "ReturnValue": ERROR_INVALID_PRINTER_NAME}
        target = find_printer(ctx, base)
        if target is None:
            return {**failed, "ReturnValue": ERROR_INVALID_PRINTER_NAME}
    granted = ctx.grant(PRINTER if target else SPOOLER_SERVER, request["AccessRequired"])
    if granted is None:
        assert ctx.decision is not None
        return {**failed, "ReturnValue": ctx.decision.status}
    handle = ctx.handles.create(HANDLE_KIND, Opened(target, granted, unc), granted)
    return {"pHandle": handle, "ReturnValue": 0}


_OPEN_SUFFIX: Final = re.compile(r" ?(LocalOnly|DrvConvert)")
_OPEN_IN: Final = [("pPrinterName", WString), ("pDatatype", WString),
                   ("pDevModeContainer", DEVMODE_CONTAINER), ("AccessRequired", uint32)]


@INTERFACE.operation(1, "RpcOpenPrinter", request=_OPEN_IN,
                     response=[("pHandle", ContextHandle)], returns="uint32")
def RpcOpenPrinter(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return _open(ctx, request)


#: MS-RPRN 2.2.1.2.14 SPLCLIENT_INFO_1 and 2.2.1.2.16 SPLCLIENT_INFO_3: the client's machine,
#: user and build; 2.2.1.2.15 SPLCLIENT_INFO_2 (a placeholder).
_CLIENT_1: Final = Struct("SPLCLIENT_INFO_1", [
    ("dwSize", uint32), ("pMachineName", WString), ("pUserName", WString),
    ("dwBuildNum", uint32), ("dwMajorVersion", uint32), ("dwMinorVersion", uint32),
    ("wProcessorArchitecture", uint16)])
_CLIENT_3: Final = Struct("SPLCLIENT_INFO_3", [
    ("cbSize", uint32), ("dwFlags", uint32), ("dwSize", uint32), ("pMachineName", WString),
    ("pUserName", WString), ("dwBuildNum", uint32), ("dwMajorVersion", uint32),
    ("dwMinorVersion", uint32), ("wProcessorArchitecture", uint16), ("hSplPrinter", uint64)])
#: MS-RPRN 2.2.1.2.8 SPLCLIENT_CONTAINER: Level, then a pointer to the level's structure.
#: Another level decodes as an empty arm and is refused below.
SPLCLIENT_CONTAINER: Final = Struct("SPLCLIENT_CONTAINER", [
    ("Level", uint32),
    ("ClientInfo", Union(uint32, {1: Pointer(_CLIENT_1), 2: Pointer(uint64),
                                  3: Pointer(_CLIENT_3)}, default=None))])


@INTERFACE.operation(69, "RpcOpenPrinterEx",
                     request=[*_OPEN_IN, ("pClientInfo", SPLCLIENT_CONTAINER)],
                     response=[("pHandle", ContextHandle)], returns="uint32")
def RpcOpenPrinterEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.14: the client information is checked before the name: a level other
    than 1-3, or a NULL structure, is ERROR_INVALID_PARAMETER (W: smbtorture's
    openprinter_badnamelist sends level 1 with NULL and expects ERROR_INVALID_PARAMETER from
    Windows for every name)."""
    container = request["pClientInfo"]
    level, info = container["Level"], container["ClientInfo"][1]
    if level not in (1, 2, 3) or info is None:
        return {"pHandle": bytes(20), "ReturnValue": ERROR_INVALID_PARAMETER}
    return _open(ctx, request)


@INTERFACE.operation(29, "RpcClosePrinter", request=[("phPrinter", ContextHandle)],
                     response=[("phPrinter", ContextHandle)], returns="uint32")
def RpcClosePrinter(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.9: the handle is closed and returned zeroed."""
    opened(ctx, request["phPrinter"])
    ctx.handles.close(request["phPrinter"], HANDLE_KIND)
    return {"phPrinter": bytes(20), "ReturnValue": 0}


# -------------------------------------------------------------------------------------------
# RpcGetPrinter (8)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(8, "RpcGetPrinter",
                     request=[("hPrinter", ContextHandle), ("Level", uint32),
                              ("pPrinter", BUFFER), ("cbBuf", uint32)],
                     response=[("pPrinter", BUFFER), ("pcbNeeded", uint32)], returns="uint32")
def RpcGetPrinter(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.6 on a printer handle: levels 0-5, 7, 8 (others ERROR_INVALID_LEVEL);
    the handle needs PRINTER_ACCESS_USE (level 3, the security descriptor: READ_CONTROL).
    On the server handle only level 3, the print server's security descriptor, answers; every
    other level is ERROR_INVALID_LEVEL (W: smbtorture's get_printer expects exactly this of
    Windows; the server's other properties are read through RpcGetPrinterData)."""
    entry = opened(ctx, request["hPrinter"])
    buffer, room, level = request["pPrinter"], request["cbBuf"], request["Level"]
    empty = _answer(buffer, room, b"", None, "pPrinter")
    target: Printer | None = entry.obj.printer
    if target is None:
        if level != 3:
            return {**empty, "ReturnValue": ERROR_INVALID_LEVEL}
        if not ctx.require(entry.granted_access, READ_CONTROL, SPOOLER_SERVER):
            assert ctx.decision is not None
            return {**empty, "ReturnValue": ctx.decision.status}
        kept: dict[str, bytes] = ctx.server.memo("spoolss.server_security", dict)
        security = kept.get("sd") or server_descriptor()
        return _answer(buffer, room, pack([[("b", security)]]), None, "pPrinter")
    target = current(ctx, target)
    if target is None:  # deleted since the handle was opened (MS-RPRN 3.1.4.2.7)
        return {**empty, "ReturnValue": ERROR_INVALID_PRINTER_NAME}
    if level not in GET_LEVELS:
        return {**empty, "ReturnValue": ERROR_INVALID_LEVEL}
    needed = READ_CONTROL if level == 3 else PRINTER_ACCESS_USE
    if not ctx.require(entry.granted_access, needed, PRINTER):
        assert ctx.decision is not None
        return {**empty, "ReturnValue": ctx.decision.status}
    data = pack([_printer_record(ctx, target, level, entry.obj.unc)])
    return _answer(buffer, room, data, None, "pPrinter")


from . import catalog  # noqa: E402,F401  (ports, monitors, print processors)
from . import data  # noqa: E402,F401  (driver and printer-data calls)
from . import forms  # noqa: E402,F401  (the built-in forms)
from . import form_changes  # noqa: E402,F401  (an administrator's forms)
from . import jobs  # noqa: E402,F401  (the job queues)
from . import documents  # noqa: E402,F401  (printing a document: the jobs' source)
from . import job_properties  # noqa: E402,F401  (a job's named properties)
from . import printer_data  # noqa: E402,F401  (a printer's own data)
from . import printer_data_enum  # noqa: E402,F401  (enumerating it, its keys)
from . import printer_driver  # noqa: E402,F401  (a printer's driver)
from . import notify  # noqa: E402,F401  (change notifications: the printer bug, audited)
from . import printer_changes  # noqa: E402,F401  (adding, changing, deleting printers)
from . import packages  # noqa: E402,F401  (driver packages: the core XPS driver)
from . import others  # noqa: E402,F401  (every other opnum)
from . import registry  # noqa: E402,F401  (the Print keys winreg serves)

__all__ = ["INTERFACE", "spooler_running", "printer_descriptor"]
