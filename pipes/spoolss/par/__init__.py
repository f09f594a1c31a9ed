"""par: the Print System Asynchronous Remote Protocol (MS-PAR), ``IRemoteWinspool``.

UUID 76f03f96-cdfd-44fc-a22c-64950a001209 version 1.0 (MS-PAR 2.1).  Every call carries the
object UUID 9940CA8E-512F-4C58-88A9-61098D6896BD in its request header (MS-PAR 2.1; the RPC
runtime here accepts any object UUID, U on Windows' answer to a call without it).

**Where it is served.**  spoolsv.exe registers the interface from Windows Vista / Server 2008 on
(MS-PAR 1.7 and its Appendix A product notes: "not supported" before Vista / 2008), on a dynamic
ncacn_ip_tcp endpoint registered with the endpoint mapper (MS-PAR 2.1: "RPC over TCP/IP ...
dynamic endpoints"), only while the Print Spooler runs -- :func:`present` follows
:func:`smbemu_pipes.spoolss.spooler_running` (the spooler's presence rules: the service's state,
and from 2003 on a shared printer).  The RPC runtime of a process serves all its interfaces on
all its endpoints, so the interface is also reachable on ``\\PIPE\\spoolss`` (its declared pipe
here; the mapper lists only the TCP endpoint, as Windows registers it).

**Authentication.**  MS-PAR 2.1 / 3.1.4: the server requires RPC_C_AUTHN_LEVEL_PKT_PRIVACY; a
call made at a lower level (or unauthenticated) is rejected before the method runs.  Windows
does that in the interface's security callback, whose refusal the runtime sends as the fault
ERROR_ACCESS_DENIED (5) (MS-RPCE 3.3.3.2.1: a security callback's error is returned as a
fault) -- the same fault :mod:`smbemu.rpc_tcp` sends for RestrictRemoteClients.  A release
without the interface (before Vista / 2008) refuses its bind on the pipe (bind_ack: provider
rejection, abstract syntax not supported -- C706 12.6.4.4, MS-RPCE 2.2.2.4), and over TCP it has
no endpoint at all.

**Methods.**  MS-PAR 3.1.4: every ``RpcAsyncX`` method "has the same semantics" as MS-RPRN's
``RpcX`` (the notes of each MS-PAR 3.1.4.x section point to the MS-RPRN section), with the same
[in] / [out] parameters in the same order; only the opnums differ.  So each PAR opnum here is
the spoolss operation's NDR description and handler under the PAR opnum and name
(:data:`SPOOLSS_COUNTERPART`): the answers -- printers, drivers, forms, refusals -- are
pipes/spoolss's, byte for byte.  Three are spoolss's ``...Ex`` / ``...2`` forms
(RpcAsyncOpenPrinter = RpcOpenPrinterEx, RpcAsyncAddPrinter = RpcAddPrinterEx,
RpcAsyncGetPrinterDriver = RpcGetPrinterDriver2, RpcAsyncAddPrinterDriver =
RpcAddPrinterDriverEx, RpcAsyncAddPort = RpcAddPortEx).  The eight methods MS-RPRN has no
counterpart for are in :mod:`.notifications` (the remote-notification calls, which -- like
spoolss's -- never connect anywhere and are audited) and :mod:`.packages`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import Operation
from smbemu.status import FAULT_ACCESS_DENIED
from .. import INTERFACE as SPOOLSS
from .. import spooler_running

INTERFACE: Final = Interface(
    name="par", uuid="76f03f96-cdfd-44fc-a22c-64950a001209", version=(1, 0),
    pipes=("spoolss",), opnum_count=75,
    description="Print System Asynchronous Remote Protocol (MS-PAR), over the spooler's answers")

#: MS-PAR 2.1: the object UUID every request carries.
OBJECT_UUID: Final = "9940ca8e-512f-4c58-88a9-61098d6896bd"
#: MS-RPCE 2.2.1.1.8 RPC_C_AUTHN_LEVEL_PKT_PRIVACY.
PKT_PRIVACY: Final = 6
#: The first release whose spooler registers IRemoteWinspool (MS-PAR Appendix A).
SINCE: Final = (6, 0)


def present(config: Any) -> bool:
    """Is IRemoteWinspool registered?  From Vista / 2008 on, while the spooler serves remote
    clients (pipes/spoolss's presence rules)."""
    return config.profile.identity.version >= SINCE and spooler_running(config)


#: Read by the pipe open (bind refused), smbemu.rpc_tcp (which process listens for it) and the
#: endpoint mapper (whether it is registered): smbemu.rpc.registry.served_on; not `available`,
#: which would remove \PIPE\spoolss itself on older releases.
INTERFACE.served_on = present  # type: ignore[attr-defined]
INTERFACE.tcp_process = "spoolsv"  # type: ignore[attr-defined]
INTERFACE.tcp_only = True  # type: ignore[attr-defined]


def require_privacy(ctx: CallContext) -> None:
    """MS-PAR 2.1 / 3.1.4 (module docstring): the call is made with packet privacy, else the
    fault Windows' runtime sends (a release without the interface refused the bind)."""
    if ctx.auth_level < PKT_PRIVACY:
        ctx.deny("RPC_C_AUTHN_LEVEL_PKT_PRIVACY (MS-PAR 2.1)",
                 f"called without packet privacy (authentication level {ctx.auth_level})")
        raise RpcFault(FAULT_ACCESS_DENIED, "MS-PAR needs RPC_C_AUTHN_LEVEL_PKT_PRIVACY")


Handler = Callable[[CallContext, dict[str, Any]], Any]


def gated(handler: Handler) -> Handler:
    """``handler`` behind :func:`require_privacy`."""

    def call(ctx: CallContext, request: dict[str, Any]) -> Any:
        require_privacy(ctx)
        return handler(ctx, request)

    call.__name__ = getattr(handler, "__name__", "call")
    return call


#: PAR opnum -> the MS-RPRN method it is (MS-PAR 3.1.4, each method's MS-RPRN reference).
SPOOLSS_COUNTERPART: Final = {
    0: "RpcOpenPrinterEx", 1: "RpcAddPrinterEx", 2: "RpcSetJob", 3: "RpcGetJob",
    4: "RpcEnumJobs", 5: "RpcAddJob", 6: "RpcScheduleJob", 7: "RpcDeletePrinter",
    8: "RpcSetPrinter", 9: "RpcGetPrinter", 10: "RpcStartDocPrinter",
    11: "RpcStartPagePrinter", 12: "RpcWritePrinter", 13: "RpcEndPagePrinter",
    14: "RpcEndDocPrinter", 15: "RpcAbortPrinter", 16: "RpcGetPrinterData",
    17: "RpcGetPrinterDataEx", 18: "RpcSetPrinterData", 19: "RpcSetPrinterDataEx",
    20: "RpcClosePrinter", 21: "RpcAddForm", 22: "RpcDeleteForm", 23: "RpcGetForm",
    24: "RpcSetForm", 25: "RpcEnumForms", 26: "RpcGetPrinterDriver2",
    27: "RpcEnumPrinterData", 28: "RpcEnumPrinterDataEx", 29: "RpcEnumPrinterKey",
    30: "RpcDeletePrinterData", 31: "RpcDeletePrinterDataEx", 32: "RpcDeletePrinterKey",
    33: "RpcXcvData", 34: "RpcSendRecvBidiData", 35: "RpcCreatePrinterIC",
    36: "RpcPlayGdiScriptOnPrinterIC", 37: "RpcDeletePrinterIC", 38: "RpcEnumPrinters",
    39: "RpcAddPrinterDriverEx", 40: "RpcEnumPrinterDrivers",
    41: "RpcGetPrinterDriverDirectory", 42: "RpcDeletePrinterDriver",
    43: "RpcDeletePrinterDriverEx", 44: "RpcAddPrintProcessor",
    45: "RpcEnumPrintProcessors", 46: "RpcGetPrintProcessorDirectory", 47: "RpcEnumPorts",
    48: "RpcEnumMonitors", 49: "RpcAddPortEx", 50: "RpcSetPort", 51: "RpcAddMonitor",
    52: "RpcDeleteMonitor", 53: "RpcDeletePrintProcessor",
    54: "RpcEnumPrintProcessorDatatypes", 55: "RpcAddPerMachineConnection",
    56: "RpcDeletePerMachineConnection", 57: "RpcEnumPerMachineConnections",
    64: "RpcGetCorePrinterDrivers", 66: "RpcGetPrinterDriverPackagePath",
    68: "RpcReadPrinter", 69: "RpcResetPrinter", 70: "RpcGetJobNamedPropertyValue",
    71: "RpcSetJobNamedProperty", 72: "RpcDeleteJobNamedProperty",
    73: "RpcEnumJobNamedProperties", 74: "RpcLogJobInfoForBranchOffice",
}


#: MS-RPRN methods whose MS-PAR name drops a suffix (module docstring).
_RENAMED: Final = {"RpcOpenPrinterEx": "RpcAsyncOpenPrinter", "RpcAddPrinterEx": "RpcAsyncAddPrinter",
                   "RpcGetPrinterDriver2": "RpcAsyncGetPrinterDriver",
                   "RpcAddPrinterDriverEx": "RpcAsyncAddPrinterDriver",
                   "RpcAddPortEx": "RpcAsyncAddPort"}


def _async_name(rprn: str) -> str:
    return _RENAMED.get(rprn) or "RpcAsync" + rprn[len("Rpc"):]


def _declare() -> None:
    by_name = {op.name: (opnum, op) for opnum, op in SPOOLSS.operations.items()
               if isinstance(op, Operation)}
    for opnum, rprn in SPOOLSS_COUNTERPART.items():
        spool_opnum, op = by_name[rprn]
        handler = SPOOLSS.handlers[spool_opnum]
        INTERFACE.operation(opnum, _async_name(rprn), request=op.request,
                            response=op.response, returns=op.returns)(gated(handler))


_declare()

from . import notifications  # noqa: E402,F401  (58-61: remote notifications, audited)
from . import packages  # noqa: E402,F401  (62, 63, 65, 67: driver packages)

__all__ = ["INTERFACE", "OBJECT_UUID", "SPOOLSS_COUNTERPART", "gated", "present",
           "require_privacy"]
