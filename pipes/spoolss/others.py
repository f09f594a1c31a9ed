"""Every MS-RPRN opnum the emulation does not serve with data (MS-RPRN 3.1.4, "Methods in RPC
Opnum Order"), answered in the order Windows checks:

1. an opnum the emulated release does not have yet (RpcSendRecvBidiData before XP, the
   package calls before Vista, the job-property and branch-office calls before Windows 8 /
   2012, RpcRegeneratePrintDeviceCapabilities before 10, the IPP calls before Server 2022):
   fault nca_op_rng_error, as that release's stub answers an opnum beyond its table;
2. the context handle: unknown or closed, fault nca_s_fault_context_mismatch (MS-RPCE
   3.3.3.2.1); a handle of the wrong kind -- a job, document or driver call on the print-server
   handle, an Xcv call on anything but an Xcv handle (none is ever given out) --
   ERROR_INVALID_HANDLE (MS-RPRN 3.1.4.1.11 "the handle MUST be of the right type");
3. calls that change the spooler (add / delete / set printers, drivers, forms, ports,
   monitors, processors, data, per-machine connections, jobs): ERROR_ACCESS_DENIED.  Windows
   refuses them so to every non-administrator (SERVER_ACCESS_ADMINISTER /
   PRINTER_ACCESS_ADMINISTER, which the default DACLs give Administrators only, MS-RPRN
   2.2.3.1; since the 2021 PrintNightmare fixes also RpcAddPrinterDriverEx,
   RestrictDriverInstallationToAdministrators = 1, D: KB5005010); an administrator gets it too
   because the emulated spooler is read-only -- no driver is installed, no file written;
4. the reads and the printing calls not emulated (RpcReadPrinter, RpcWaitForPrinterChange,
   RpcResetPrinter, RpcFlushPrinter, GDI, the client-side reply calls, BiDi, IPP; forms,
   ports, monitors and print processors are served by :mod:`.forms`, :mod:`.form_changes`,
   :mod:`.printer_changes` and :mod:`.catalog`, printer data by :mod:`.printer_data` and
   :mod:`.printer_data_enum`, a printer's driver by :mod:`.printer_driver`):
   ERROR_NOT_SUPPORTED
   (HRESULT_FROM_WIN32 of it for the HRESULT calls) -- U: Windows answers these with data.

[out] parameters go back NULL / zero, arrays of the size the caller named (so an NDR-strict
client reads the status).  "OpnumNNNotUsedOnWire" (reserved for local use: the client MUST NOT
send them) fault nca_op_rng_error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantBytes,
    ContextHandle,
    NdrType,
    Pointer,
    ReturnKind,
    Struct,
    Union,
    WStringRef,
    enum16,
    int32,
    int64,
    uint8,
    uint16,
    uint32,
)
from smbemu.status import ERROR_ACCESS_DENIED, ERROR_NOT_SUPPORTED, NCA_S_OP_RNG_ERROR

from . import BUFFER, INTERFACE
from .objects import ERROR_INVALID_HANDLE, check_room, opened

NOT_USED_ON_WIRE: Final = {n: f"Opnum{n}NotUsedOnWire" for n in (
    38, 43, 44, 45, 49, 50, 54, 55, 57, 63, 64, 68, 74, 75, 76, 83, 90, 91, 92, 93, 94, 95,
    98, 99, 100, 101, 103, 105, 106, 107, 108, 109, 114, 115, 118)}
for _opnum, _name in NOT_USED_ON_WIRE.items():
    INTERFACE.not_implemented(_opnum, _name)

#: (version, build) from which an opnum exists (MS-RPRN Appendix B product notes; W on builds).
#: 102 and 104 are served by :mod:`.packages`, which refuses them before Vista the same way.
_SINCE: Final = {97: ((5, 1), 0), 102: ((6, 0), 0), 104: ((6, 0), 0),
                 110: ((6, 2), 0), 111: ((6, 2), 0), 112: ((6, 2), 0), 113: ((6, 2), 0),
                 116: ((6, 2), 0), 117: ((10, 0), 0),
                 **{n: ((10, 0), 20348) for n in range(119, 124)}}

#: HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED), HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED).
_HR_NOT_SUPPORTED: Final = 0x80070032
_HR_ACCESS_DENIED: Final = 0x80070005

_H: Final = ContextHandle
_U32: Final = uint32
_NULL: Final = Pointer(uint32)   # an [out] unique pointer answered NULL
_WCHARS: Final = ConformantArray(uint16)

# Kinds: "write" refused (3.), "read" not emulated (4.).  Handle: "printer" (a printer handle
# needed), "any" (server or printer), "xcv" (an Xcv handle), None (a string binding handle).
# Sized [out] arrays name the [in] parameter that sizes them.
Spec = tuple[int, str, str, str | None, Sequence[tuple[str, NdrType]],
             Sequence[tuple[str, Any]], ReturnKind]
_BUF3: Final = [("buffer", BUFFER), ("pcbNeeded", _U32), ("pcReturned", _U32)]
_BUF2: Final = [("buffer", BUFFER), ("pcbNeeded", _U32)]

SPECS: Final[tuple[Spec, ...]] = (
    (9, "RpcAddPrinterDriver", "write", None, [], [], "uint32"),
    (13, "RpcDeletePrinterDriver", "write", None, [], [], "uint32"),
    (22, "RpcReadPrinter", "read", "printer", [("cbBuf", _U32)],
     [("pBuf", "bytes:cbBuf"), ("pcNoBytesRead", _U32)], "uint32"),
    (28, "RpcWaitForPrinterChange", "read", "printer", [], [("pFlags", _U32)], "uint32"),
    (39, "RpcDeletePort", "write", None, [], [], "uint32"),
    (40, "RpcCreatePrinterIC", "read", "printer", [], [("pHandle", _H)], "uint32"),
    (41, "RpcPlayGdiScriptOnPrinterIC", "read", "gdi",
     [("pIn", ConformantBytes()), ("cIn", _U32), ("cOut", _U32)], [("pOut", "bytes:cOut")],
     "uint32"),
    (42, "RpcDeletePrinterIC", "read", "gdi", [], [("phPrinterIC", _H)], "uint32"),
    (46, "RpcAddMonitor", "write", None, [], [], "uint32"),
    (47, "RpcDeleteMonitor", "write", None, [], [], "uint32"),
    (52, "RpcResetPrinter", "read", "printer", [], [], "uint32"),
    (58, "RpcReplyOpenPrinter", "read", None, [], [("phPrinterNotify", _H)], "uint32"),
    (59, "RpcRouterReplyPrinter", "read", "notify", [], [], "uint32"),
    (60, "RpcReplyClosePrinter", "read", "notify", [], [("phNotify", _H)], "uint32"),
    (61, "RpcAddPortEx", "write", None, [], [], "uint32"),
    (66, "RpcRouterReplyPrinterEx", "read", "notify", [], [("pdwResult", _U32)], "uint32"),
    (67, "RpcRouterRefreshPrinterChangeNotification", "read", "any", [],
     [("ppInfo", _NULL)], "uint32"),
    (71, "RpcSetPort", "write", None, [], [], "uint32"),
    (84, "RpcDeletePrinterDriverEx", "write", None, [], [], "uint32"),
    (88, "RpcXcvData", "read", "xcv",
     [("pszDataName", WStringRef), ("pInputData", ConformantBytes()), ("cbInputData", _U32),
      ("cbOutputData", _U32)],
     [("pOutputData", "bytes:cbOutputData"), ("pcbOutputNeeded", _U32), ("pdwStatus", _U32)],
     "uint32"),
    (89, "RpcAddPrinterDriverEx", "write", None, [], [], "uint32"),
    (96, "RpcFlushPrinter", "read", "printer", [], [("pcWritten", _U32)], "uint32"),
    (97, "RpcSendRecvBidiData", "read", "printer", [], [("ppRespData", _NULL)], "uint32"),
    (116, "RpcLogJobInfoForBranchOffice", "read", "printer", [], [], "HRESULT"),
    (117, "RpcRegeneratePrintDeviceCapabilities", "write", "printer", [], [], "HRESULT"),
    *((n, name, "read", "printer", [], [("ippResponseBufferSize", _U32),
                                         ("ippResponseBuffer", _NULL)], "HRESULT")
      for n, name in ((119, "RpcIppCreateJobOnPrinter"), (120, "RpcIppGetJobAttributes"),
                      (121, "RpcIppSetJobAttributes"), (122, "RpcIppGetPrinterAttributes"),
                      (123, "RpcIppSetPrinterAttributes"))),
)


def _out_type(kind: Any) -> NdrType:
    if isinstance(kind, str):
        return _WCHARS if kind.startswith("wchars:") else ConformantBytes()
    assert isinstance(kind, NdrType)
    return kind


def _out_value(kind: Any, request: dict[str, Any]) -> Any:
    if isinstance(kind, str):
        size = request.get(kind.split(":", 1)[1]) or 0
        check_room(size)
        return [0] * (size // 2) if kind.startswith("wchars:") else bytes(size)
    if kind is _H:
        return bytes(20)
    return None if kind is _NULL or kind is BUFFER else 0


def _handler(opnum: int, kind: str, handle: str | None, outs: Sequence[tuple[str, Any]],
             returns: ReturnKind) -> Callable[[CallContext, dict[str, Any]], dict[str, Any]]:
    hresult = returns == "HRESULT"

    def answer(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        since = _SINCE.get(opnum)
        if since is not None:
            identity = ctx.server.profile.identity
            if identity.version < since[0] or identity.build < since[1]:
                raise RpcFault(NCA_S_OP_RNG_ERROR, "opnum not in this release's spooler")
        if handle is not None:
            entry = opened(ctx, request["hPrinter"])
            wrong = handle in ("xcv", "gdi", "notify") or (
                handle == "printer" and entry.obj.printer is None)
        else:
            wrong = False
        out = {name: _out_value(t, request) for name, t in outs}
        if wrong:
            status = ERROR_INVALID_HANDLE
        elif kind == "write":
            status = ctx.deny("read-only emulation",
                              "changes the print spooler (administrators only on Windows; "
                              "the emulated spooler is read-only)").status
        else:
            status = ERROR_NOT_SUPPORTED
        if hresult:
            status = {ERROR_NOT_SUPPORTED: _HR_NOT_SUPPORTED, ERROR_ACCESS_DENIED:
                      _HR_ACCESS_DENIED}.get(status, 0x80070000 | status)
            status -= 1 << 32  # an HRESULT is a signed 32-bit value on the wire
        return {**out, "ReturnValue": status}

    return answer


for _opnum, _name, _kind, _handle, _in, _outs, _returns in SPECS:
    _request: list[tuple[str, NdrType]] = ([("hPrinter", _H)] if _handle else []) + list(_in)
    INTERFACE.operation(_opnum, _name, request=_request,
                        response=[(n, _out_type(t)) for n, t in _outs],
                        returns=_returns)(_handler(_opnum, _kind, _handle, _outs, _returns))

__all__ = ["NOT_USED_ON_WIRE", "SPECS"]
