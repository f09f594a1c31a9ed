"""Printer driver packages: RpcGetCorePrinterDrivers (102) and RpcGetPrinterDriverPackagePath
(104), MS-RPRN 3.1.4.4.9 / 3.1.4.4.10, both from Vista / 2008 on (MS-RPRN Appendix B; an
older spooler's stub has no such opnum: fault nca_op_rng_error).

What a default server has: the core printer drivers of ``ntprint.inf`` -- the in-box package
staged in the driver store at setup, whose core driver sections every class driver builds on
(D: Microsoft's "Core printer drivers" / "Printer driver packages" documentation): UNIDRV,
PSCRIPT and XPSDRV, with the IDs Samba's IDL names ``SPOOLSS_CORE_PRINT_PACKAGE_FILES_*`` (W:
smbtorture's get_core_printer_drivers asks Windows for the XPSDRV one and expects it found).
Each is dated and versioned as the in-box class drivers are (pipes/spoolss/data.py: the
06/21/2006 DriverVer of ntprint.inf, the OS's four-part version).  Its package ID is the
package's INF in the driver store and the package's CAB is kept in the spooler's "package cab
cache", ``spool\\drivers\\<arch>\\PCC`` (W: the folders of a Windows server); the store
folder's hash suffix is invented (U: every installation's is what its INF hashes to).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    ConformantArray,
    FixedArray,
    Guid,
    Pointer,
    Struct,
    WString,
    WStringRef,
    uint16,
    uint32,
    uint64,
)
from smbemu.status import (
    ERROR_FILE_NOT_FOUND,
    ERROR_INSUFFICIENT_BUFFER,
    ERROR_INVALID_NAME,
    ERROR_INVALID_PARAMETER,
    ERROR_NOT_FOUND,
    NCA_S_OP_RNG_ERROR,
)

from . import INTERFACE
from .data import _INBOX_DRIVER_DATE, _environment, _host_ok, _system_root
from .objects import ERROR_INVALID_ENVIRONMENT, check_room

#: The core drivers of ntprint.inf by ID (W: Samba's spoolss.idl SPOOLSS_CORE_PRINT_PACKAGE_
#: FILES_UNIDRV / _PSCRIPT / _XPSDRV, the IDs Windows answers).
CORE_DRIVERS: Final = {
    uuid.UUID("D20EA372-DD35-4950-9ED8-A6335AFE79F0"): "UNIDRV",
    uuid.UUID("D20EA372-DD35-4950-9ED8-A6335AFE79F1"): "PSCRIPT",
    uuid.UUID("D20EA372-DD35-4950-9ED8-A6335AFE79F5"): "XPSDRV",
}
#: The driver-store architecture suffix of each environment's driver directory (W: the
#: ``ntprint.inf_amd64_...`` folders; D: INF "TargetOSVersion" decorations).
_STORE_ARCH: Final = {"W32X86": "x86", "x64": "amd64", "IA64": "ia64", "ARM64": "arm64"}
#: MAX_PATH: szPackageID holds 260 wide characters (MS-RPRN 2.2.2.13).
_PACKAGE_ID_CHARS: Final = 260

#: MS-RPRN 2.2.2.13 CORE_PRINTER_DRIVER.  The date is a FILETIME (two DWORDs); the structure
#: is 8-aligned by its DWORDLONG, so a uint64 lays the date out alike.
CORE_PRINTER_DRIVER: Final = Struct("CORE_PRINTER_DRIVER", [
    ("CoreDriverGUID", Guid), ("ftDriverDate", uint64), ("dwlDriverVersion", uint64),
    ("szPackageID", FixedArray(uint16, _PACKAGE_ID_CHARS))])


def _hresult(win32: int) -> int:
    """HRESULT_FROM_WIN32 (MS-ERREF 2.1.2), as a signed 32-bit value on the wire."""
    return (0x80070000 | win32) - (1 << 32) if win32 else 0


def _since_vista(ctx: CallContext) -> None:
    if ctx.server.profile.identity.version < (6, 0):
        raise RpcFault(NCA_S_OP_RNG_ERROR, "opnum not in this release's spooler")


def _store_folder(ctx: CallContext, directory: str) -> str:
    """ntprint.inf's folder in the driver store for an environment's directory name."""
    arch = _STORE_ARCH.get(directory)
    if arch is None:
        return ""
    digest = hashlib.sha256(f"ntprint.inf {arch} {ctx.server.profile.identity.build}".encode())
    return f"ntprint.inf_{arch}_{digest.hexdigest()[:16]}"


def package_id(ctx: CallContext, directory: str) -> str:
    """The core drivers' package ID for an environment: ntprint.inf in the driver store."""
    folder = _store_folder(ctx, directory)
    root = _system_root(ctx.server.profile.identity.version)
    return f"{root}\\System32\\DriverStore\\FileRepository\\{folder}\\ntprint.inf" if folder else ""


def _dns_name(ctx: CallContext) -> str:
    """The machine's DNS name (its NetBIOS name without one), as DNSMachineName has it."""
    machine = ctx.server.directory.machine
    return getattr(machine, "dns_name", "") or machine.netbios_name


def _wchars(text: str, size: int) -> list[int]:
    data = list(text.encode("utf-16-le"))
    chars = [data[i] | data[i + 1] << 8 for i in range(0, len(data), 2)]
    return (chars + [0] * size)[:size]


def _ids(dependencies: list[int] | None) -> list[str] | None:
    """The strings of the multisz ``pszzCoreDriverDependencies`` (None when it does not end
    with its empty string)."""
    text = "".join(map(chr, dependencies or ()))
    if not text.endswith("\x00\x00") and text != "\x00":
        return None
    return [item for item in text.split("\x00") if item]


@INTERFACE.operation(102, "RpcGetCorePrinterDrivers",
                     request=[("pszServer", WString), ("pszEnvironment", WStringRef),
                              ("cchCoreDrivers", uint32),
                              ("pszzCoreDriverDependencies",
                               Pointer(ConformantArray(uint16), kind="ref")),
                              ("cCorePrinterDrivers", uint32)],
                     response=[("pCorePrinterDrivers",
                                Pointer(ConformantArray(CORE_PRINTER_DRIVER), kind="ref"))],
                     returns="HRESULT")
def RpcGetCorePrinterDrivers(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.4.9: one CORE_PRINTER_DRIVER per ID of the multisz, in order.  The server
    name and the environment are checked first (HRESULT of ERROR_INVALID_NAME /
    ERROR_INVALID_ENVIRONMENT); a multisz that is not one, or whose count of IDs is not
    cCorePrinterDrivers, is E_INVALIDARG (HRESULT of ERROR_INVALID_PARAMETER); an ID that names
    no core driver of the package is HRESULT of ERROR_NOT_FOUND (U: the status Windows gives).
    The array always goes back with cCorePrinterDrivers entries (zeroed on a failure), as the
    stub marshals it."""
    _since_vista(ctx)
    count = request["cCorePrinterDrivers"]
    check_room(count * 552)
    empty = {"CoreDriverGUID": uuid.UUID(int=0), "ftDriverDate": 0, "dwlDriverVersion": 0,
             "szPackageID": [0] * _PACKAGE_ID_CHARS}
    out: dict[str, Any] = {"pCorePrinterDrivers": [empty] * count}
    if not _host_ok(ctx, request["pszServer"]):
        return {**out, "ReturnValue": _hresult(ERROR_INVALID_NAME)}
    ids = _ids(request["pszzCoreDriverDependencies"])
    if not count or ids is None or len(ids) != count:
        return {**out, "ReturnValue": _hresult(ERROR_INVALID_PARAMETER)}
    directory = _environment(ctx, request["pszEnvironment"] or "-")
    if directory is None:
        return {**out, "ReturnValue": _hresult(ERROR_INVALID_ENVIRONMENT)}
    identity = ctx.server.profile.identity
    version = (identity.version[0] << 48) | (identity.version[1] << 32) | (identity.build << 16)
    found = []
    for text in ids:
        try:
            wanted = uuid.UUID(text.strip("{}"))
        except ValueError:
            wanted = None
        if wanted not in CORE_DRIVERS or not _store_folder(ctx, directory):
            return {**out, "ReturnValue": _hresult(ERROR_NOT_FOUND)}
        found.append({"CoreDriverGUID": wanted, "ftDriverDate": _INBOX_DRIVER_DATE,
                      "dwlDriverVersion": version,
                      "szPackageID": _wchars(package_id(ctx, directory), _PACKAGE_ID_CHARS)})
    return {"pCorePrinterDrivers": found, "ReturnValue": 0}


@INTERFACE.operation(104, "RpcGetPrinterDriverPackagePath",
                     request=[("pszServer", WString), ("pszEnvironment", WStringRef),
                              ("pszLanguage", WString), ("pszPackageID", WStringRef),
                              ("pszDriverPackageCab", Pointer(ConformantArray(uint16))),
                              ("cchDriverPackageCab", uint32)],
                     response=[("pszDriverPackageCab", Pointer(ConformantArray(uint16))),
                               ("pcchRequiredSize", uint32)],
                     returns="HRESULT")
def RpcGetPrinterDriverPackagePath(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.4.10: the path of the package's CAB, NUL-terminated, in the caller's
    buffer of cchDriverPackageCab characters; pcchRequiredSize the characters it needs.  Asked
    with no buffer and a size of 0, the server answers S_OK with the size; a buffer too small
    is HRESULT of ERROR_INSUFFICIENT_BUFFER (W: smbtorture's get_printer_driver_package_path,
    written against Windows, expects exactly these two answers).  An unknown environment is
    HRESULT of ERROR_INVALID_ENVIRONMENT, a package the store does not hold HRESULT of
    ERROR_FILE_NOT_FOUND.  The language (pszLanguage) does not change the path (U).

    The path is the CAB in the package cab cache as a point-and-print client fetches it, through
    the server's print$ share (``\\\\host\\print$\\<arch>\\PCC\\<package>.cab``, print$ being
    ``spool\\drivers``; D: "Point and Print with driver packages"), named with the server name
    the caller gave -- its DNS name when it gave none (W: smbtorture, written against Windows,
    expects a NULL pszServer to need more room than ``\\\\127.0.0.1``; U on the exact form)."""
    _since_vista(ctx)
    size = request["cchDriverPackageCab"]
    check_room(size * 2)
    given = request["pszDriverPackageCab"]
    out: dict[str, Any] = {"pszDriverPackageCab": None if given is None else [0] * len(given),
                           "pcchRequiredSize": 0}
    if not _host_ok(ctx, request["pszServer"]):
        return {**out, "ReturnValue": _hresult(ERROR_INVALID_NAME)}
    directory = _environment(ctx, request["pszEnvironment"] or "-")
    if directory is None:
        return {**out, "ReturnValue": _hresult(ERROR_INVALID_ENVIRONMENT)}
    wanted = (request["pszPackageID"] or "").rstrip("\x00").lower()
    if not wanted or wanted != package_id(ctx, directory).lower():
        return {**out, "ReturnValue": _hresult(ERROR_FILE_NOT_FOUND)}
    host = (request["pszServer"] or "").rstrip("\x00").lstrip("\\") or _dns_name(ctx)
    cab = f"\\\\{host}\\print$\\{directory}\\PCC\\{_store_folder(ctx, directory)}.cab\x00"
    out["pcchRequiredSize"] = len(cab)
    if given is None and not size:
        return {**out, "ReturnValue": 0}  # a size query: S_OK with the size (W, see above)
    if given is None or size < len(cab):
        return {**out, "ReturnValue": _hresult(ERROR_INSUFFICIENT_BUFFER)}
    out["pszDriverPackageCab"] = _wchars(cab, len(given))
    return {**out, "ReturnValue": 0}


__all__ = ["CORE_DRIVERS", "CORE_PRINTER_DRIVER", "package_id"]
