"""Drivers and print-server data: RpcEnumPrinterDrivers (10), RpcGetPrinterDriverDirectory (12),
RpcGetPrinterData (26), RpcGetPrinterDataEx (78)."""

from __future__ import annotations

import struct
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ConformantBytes, ContextHandle, WString, WStringRef, uint32
from smbemu.status import (
    ERROR_FILE_NOT_FOUND,
    ERROR_INVALID_LEVEL,
    ERROR_INVALID_NAME,
    ERROR_MORE_DATA,
)

from . import BUFFER, INTERFACE, _answer
from .info import pack
from .objects import (
    DRIVER_NAME,
    ENVIRONMENTS,
    ERROR_INVALID_ENVIRONMENT,
    SERVER_ACCESS_ENUMERATE,
    SPOOLER_SERVER,
    check_room,
    current,
    environment_arch,
    is_this_server,
    opened,
    printers,
)
from .printer_data import read_value

REG_SZ: Final = 1
REG_BINARY: Final = 3
REG_DWORD: Final = 4


def _system_root(version: tuple[int, int]) -> str:
    # NT 4 and 2000 install to C:\WINNT, XP / 2003 and later to C:\WINDOWS (W).
    return "C:\\WINNT" if version < (5, 1) else "C:\\Windows"


def _host_ok(ctx: CallContext, name: str | None) -> bool:
    host = (name or "").rstrip("\x00")
    return not host or (host.startswith("\\\\") and is_this_server(ctx, host[2:]))


def _environment(ctx: CallContext, given: str | None) -> str | None:
    """The driver directory name of ``given`` (NULL: the server's own), None if unknown."""
    name = (given or "").rstrip("\x00") or environment_arch(ctx.server.profile.identity.version)
    return ENVIRONMENTS.get(name.lower())


# -------------------------------------------------------------------------------------------
# RpcEnumPrinterDrivers (10), RpcGetPrinterDriverDirectory (12)
# -------------------------------------------------------------------------------------------

#: The driver's version (cVersion, MS-RPRN 2.2.1.5.2): 3 for the NT 4 .. 2022 kernel-mode /
#: user-mode driver model (D: Windows 2000 and later "version 3" drivers); NT 4's are 2.
def _driver_version(version: tuple[int, int]) -> int:
    return 2 if version < (5, 0) else 3


#: The class driver Windows 8 / Server 2012 and later install in the box for the XPS Document
#: Writer, a version-4 driver (cVersion 4: the v4 print driver model of Windows 8, D: "V4
#: Printer Driver" documentation); smbtorture's printer tests look for it on the server
#: before adding a printer ("Microsoft XPS Document Writer v4", W: spoolss.c's printer setup,
#: written against Windows).  Its files live in the driver store (U: the folder's hash).
XPS_V4_DRIVER: Final = "Microsoft XPS Document Writer v4"


def installed_drivers(version: tuple[int, int]) -> list[str]:
    """The printer drivers of the server's own environment, in enumeration order."""
    return [DRIVER_NAME] + ([XPS_V4_DRIVER] if version >= (6, 2) else [])


@INTERFACE.operation(10, "RpcEnumPrinterDrivers",
                     request=[("pName", WString), ("pEnvironment", WString), ("Level", uint32),
                              ("pDrivers", BUFFER), ("cbBuf", uint32)],
                     response=[("pDrivers", BUFFER), ("pcbNeeded", uint32),
                               ("pcReturned", uint32)],
                     returns="uint32")
def RpcEnumPrinterDrivers(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.4.2: the drivers installed for ``pEnvironment`` (NULL: the server's own;
    "all": every environment, MS-RPRN 2.2.4.4 <product note>, W: smbtorture enumerates "all"
    against Windows): the one the fixture's printers use, for the native environment only;
    levels 1-6 and 8 (MS-RPRN 2.2.1.5; level 7 is client-side only, ERROR_INVALID_LEVEL)."""
    buffer, room, level = request["pDrivers"], request["cbBuf"], request["Level"]
    empty = _answer(buffer, room, b"", 0, "pDrivers")
    if not _host_ok(ctx, request["pName"]):
        return {**empty, "ReturnValue": ERROR_INVALID_NAME}
    every = (request["pEnvironment"] or "").rstrip("\x00").lower() == ALL_ENVIRONMENTS
    directory = None if every else _environment(ctx, request["pEnvironment"])
    if directory is None and not every:
        return {**empty, "ReturnValue": ERROR_INVALID_ENVIRONMENT}
    if level not in DRIVER_LEVELS:
        return {**empty, "ReturnValue": ERROR_INVALID_LEVEL}
    if ctx.grant(SPOOLER_SERVER, SERVER_ACCESS_ENUMERATE) is None:
        assert ctx.decision is not None
        return {**empty, "ReturnValue": ctx.decision.status}
    version = ctx.server.profile.identity.version
    native = environment_arch(version)
    if not every and ENVIRONMENTS[native.lower()] != directory:
        return _answer(buffer, room, b"", 0, "pDrivers")
    names = installed_drivers(version) if printers(ctx) else []
    data = pack([_driver_record(ctx, level, name) for name in names])
    return _answer(buffer, room, data + bytes(-len(data) % 4), len(names), "pDrivers")


#: The environment name that asks RpcEnumPrinterDrivers for every environment's drivers.
ALL_ENVIRONMENTS: Final = "all"
DRIVER_LEVELS: Final = (1, 2, 3, 4, 5, 6, 8)
#: DriverVer of Windows' in-box printer class drivers from Vista on (W: ntprint.inf
#: "DriverVer=06/21/2006,<OS version>"); the version is the OS's own four-part version.
_INBOX_DRIVER_DATE: Final = 127953216000000000  # 2006-06-21 00:00 UTC as a FILETIME


def _driver_record(ctx: CallContext, level: int, name: str = DRIVER_NAME) -> list[Any]:
    """DRIVER_INFO_<level> of an installed driver (MS-RPRN 2.2.1.5.1-2.2.1.5.8;
    custom-marshaled as 2.2.2.4, the 64-bit fields 8-byte aligned as Samba's client expects
    them).  "Generic / Text Only": the Unidrv files it installs (W: ntprint.inf [TTY] section);
    the XPS v4 driver: its driver-store files (U); no dependent or previous names, no monitor
    (U)."""
    identity = ctx.server.profile.identity
    version = identity.version
    native = environment_arch(version)
    directory = ENVIRONMENTS[native.lower()]
    if level == 1:
        return [("s", name)]
    if name == XPS_V4_DRIVER:
        store = (f"{_system_root(version)}\\System32\\DriverStore\\FileRepository\\"
                 f"prnms001.inf_{directory.lower()}\\{directory}")
        files: list[Any] = [("u32", 4), ("s", name), ("s", native),
                            ("s", f"{store}\\mxdwdrv.dll"), ("s", f"{store}\\MXDW-manifest.ini"),
                            ("s", f"{store}\\PrintConfig.dll")]
        base = store
    else:
        base = (f"{_system_root(version)}\\system32\\spool\\DRIVERS\\{directory}"
                f"\\{_driver_version(version)}")
        files = [("u32", _driver_version(version)), ("s", name), ("s", native),
                 ("s", f"{base}\\UNIDRV.DLL"), ("s", f"{base}\\TTY.GPD"),
                 ("s", f"{base}\\UNIDRVUI.DLL")]
    if level == 2:
        return files
    if level == 5:
        # dwDriverAttributes, dwConfigVersion, dwDriverVersion (U: 0, no counters kept)
        return files + [("u32", 0), ("u32", 0), ("u32", 0)]
    help_file = None if name == XPS_V4_DRIVER else f"{base}\\UNIDRV.HLP"
    record = files + [("s", help_file), ("m", []), ("s", None), ("s", "RAW")]
    if level == 3:
        return record
    record.append(("m", None))  # pszzPreviousNames
    if level == 4:
        return record
    vista = version >= (6, 0)
    date = _INBOX_DRIVER_DATE if vista else 0
    four_part = ((version[0] << 48) | (version[1] << 32) | (identity.build << 16)) if vista else 0
    record += [("u32", date & 0xFFFFFFFF), ("u32", date >> 32), ("raw", bytes(4)),
               ("u32", four_part & 0xFFFFFFFF), ("u32", four_part >> 32),
               ("s", "Generic"), ("s", None), ("s", None), ("s", "Microsoft Windows")]
    if level == 6:
        return record
    return record + [("s", "winprint"), ("s", None), ("m", None),
                     ("s", f"{_system_root(version)}\\INF\\ntprint.inf"), ("u32", 0),
                     ("m", None), ("u32", 0), ("u32", 0), ("u32", 0), ("u32", 0)]


@INTERFACE.operation(12, "RpcGetPrinterDriverDirectory",
                     request=[("pName", WString), ("pEnvironment", WString), ("Level", uint32),
                              ("pDriverDirectory", BUFFER), ("cbBuf", uint32)],
                     response=[("pDriverDirectory", BUFFER), ("pcbNeeded", uint32)],
                     returns="uint32")
def RpcGetPrinterDriverDirectory(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.4.4: the directory's path on the server as a NUL-terminated string
    (``C:\\Windows\\system32\\spool\\DRIVERS\\x64``).  The level is not checked: Windows
    answers the path at any level although the spec says it "MUST be 1" (W: smbtorture's
    GetPrinterDriverDirectory test expects levels 78 and 1024 to succeed against Windows)."""
    return spool_directory(ctx, request, "pDriverDirectory", "DRIVERS")


def spool_directory(ctx: CallContext, request: dict[str, Any], out: str, folder: str) -> dict[str, Any]:
    """The answer of the spooler's directory calls (drivers, print processors): the path of
    ``folder`` under the spool directory for the environment asked, NUL-terminated, in the
    client's buffer; a server name that is not this host ERROR_INVALID_NAME, an unknown
    environment ERROR_INVALID_ENVIRONMENT."""
    buffer, room = request[out], request["cbBuf"]
    empty = _answer(buffer, room, b"", None, out)
    if not _host_ok(ctx, request["pName"]):
        return {**empty, "ReturnValue": ERROR_INVALID_NAME}
    directory = _environment(ctx, request["pEnvironment"])
    if directory is None:
        return {**empty, "ReturnValue": ERROR_INVALID_ENVIRONMENT}
    root = _system_root(ctx.server.profile.identity.version)
    path = f"{root}\\system32\\spool\\{folder}\\{directory}\x00"
    return _answer(buffer, room, path.encode("utf-16-le"), None, out)


# -------------------------------------------------------------------------------------------
# RpcGetPrinterData (26), RpcGetPrinterDataEx (78)
# -------------------------------------------------------------------------------------------

#: OSVERSIONINFOW is 276 bytes, OSVERSIONINFOEXW 284 (MS-RPRN 2.2.3.10.1 server data).
_VER_PLATFORM_WIN32_NT: Final = 2


def _service_pack(native_os: str) -> str:
    marker = "Service Pack"
    at = native_os.find(marker)
    return native_os[at:].strip() if at >= 0 else ""


def _os_version(ctx: CallContext, extended: bool) -> bytes:
    identity = ctx.server.profile.identity
    major, minor = identity.version
    csd = _service_pack(identity.native_os).encode("utf-16-le")[:254].ljust(256, b"\x00")
    size = 284 if extended else 276
    blob = struct.pack("<5I", size, major, minor, identity.build, _VER_PLATFORM_WIN32_NT) + csd
    if extended:
        sp = _service_pack(identity.native_os).rsplit(" ", 1)[-1]
        product = 2 if ctx.server.profile.is_dc else 3  # VER_NT_DOMAIN_CONTROLLER / SERVER
        blob += struct.pack("<HHHBB", int(sp) if sp.isdigit() else 0, 0, 0x0110, product, 0)
    return blob


def _sz(text: str) -> tuple[int, bytes]:
    return REG_SZ, (text + "\x00").encode("utf-16-le")


def _dword(value: int) -> tuple[int, bytes]:
    return REG_DWORD, struct.pack("<I", value)


def server_values(ctx: CallContext) -> dict[str, tuple[int, bytes]]:
    """The print server's data (MS-RPRN 2.2.3.10.1, "Server Handle Key Values"), by lowercase
    name: what rpcclient ``getdata`` and NetExec's spooler checks read."""
    version = ctx.server.profile.identity.version
    machine = ctx.server.directory.machine
    root = _system_root(version)
    return {
        "osversion": (REG_BINARY, _os_version(ctx, False)),
        "osversionex": (REG_BINARY, _os_version(ctx, True)),
        "architecture": _sz(environment_arch(version)),
        # MajorVersion 3 / MinorVersion 0: the print system version, not the OS's (MS-RPRN
        # 2.2.3.10.1: "MUST be 3" from Windows 2000 on; NT 4 answers 2).
        "majorversion": _dword(2 if version < (5, 0) else 3),
        "minorversion": _dword(0),
        "defaultspooldirectory": _sz(f"{root}\\system32\\spool\\PRINTERS"),
        "dnsmachinename": _sz(getattr(machine, "dns_name", "") or machine.netbios_name),
        "beepenabled": _dword(0),
        "eventlog": _dword(0x1F if version < (6, 0) else 1),  # U: errors+warnings+info
        "netpopup": _dword(0),
        "retrypopup": _dword(0),
        "schedulerthreadpriority": _dword(0),
        "portthreadpriority": _dword(0),
        "w3svcinstalled": _dword(0),
        "dspresent": _dword(1 if ctx.server.profile.is_dc else 0),
    }


def _data_answer(ctx: CallContext, handle: bytes, value: str, room: int,
                 key: str = "PrinterDriverData") -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.7 / 3.1.4.2.19: ``pData`` is always ``nSize`` bytes; a buffer too small is
    ERROR_MORE_DATA with pcbNeeded; an unknown value ERROR_FILE_NOT_FOUND."""
    entry = opened(ctx, handle)
    check_room(room)
    missing = {"pType": 0, "pData": bytes(room), "pcbNeeded": 0,
               "ReturnValue": ERROR_FILE_NOT_FOUND}
    found: tuple[int, bytes] | None
    if entry.obj.printer is not None:
        # A printer's own data: what RpcSetPrinterData(Ex) stored (pipes/spoolss/printer_data.py;
        # the DsSpooler / DsDriver values Windows fills in are not emulated, U)
        printer = current(ctx, entry.obj.printer)
        found = None if printer is None else read_value(
            ctx, printer, (key or "").rstrip("\x00").strip("\\"), value.rstrip("\x00"))
    else:
        # On the server handle the key is not looked at: every key name reads the server's
        # values (W: smbtorture's printer_data_list reads them under "random_string" and "" from
        # Windows and expects the answer of RpcGetPrinterData).
        found = server_values(ctx).get(value.rstrip("\x00").lower())
    if found is None:
        return missing
    kind, blob = found
    if room < len(blob):
        return {"pType": kind, "pData": bytes(room), "pcbNeeded": len(blob),
                "ReturnValue": ERROR_MORE_DATA}
    return {"pType": kind, "pData": blob + bytes(room - len(blob)), "pcbNeeded": len(blob),
            "ReturnValue": 0}


_DATA_OUT: Final = [("pType", uint32), ("pData", ConformantBytes()), ("pcbNeeded", uint32)]


@INTERFACE.operation(26, "RpcGetPrinterData",
                     request=[("hPrinter", ContextHandle), ("pValueName", WStringRef),
                              ("nSize", uint32)],
                     response=_DATA_OUT, returns="uint32")
def RpcGetPrinterData(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return _data_answer(ctx, request["hPrinter"], request["pValueName"], request["nSize"])


@INTERFACE.operation(78, "RpcGetPrinterDataEx",
                     request=[("hPrinter", ContextHandle), ("pKeyName", WStringRef),
                              ("pValueName", WStringRef), ("nSize", uint32)],
                     response=_DATA_OUT, returns="uint32")
def RpcGetPrinterDataEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return _data_answer(ctx, request["hPrinter"], request["pValueName"], request["nSize"],
                        request["pKeyName"] or "")


__all__ = ["server_values"]
