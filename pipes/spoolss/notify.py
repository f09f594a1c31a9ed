"""Change notifications: RpcRemoteFindFirstPrinterChangeNotification (62), its Ex (65) and
RpcFindClosePrinterChangeNotification (56).

On Windows these make the spooler open a channel back to the client: it calls
RpcReplyOpenPrinter on ``\\\\<pszLocalMachine>\\PIPE\\spoolss``, authenticating as the machine
account (MS-RPRN 3.1.4.10.3 / 3.1.4.10.4, 3.2.4.1).  Any authenticated user can so make a server
-- a domain controller included -- authenticate to a host of their choice: the "printer bug"
(SpoolSample, dementor / printerbug.py), a lab topic for NTLM relay and unconstrained
delegation.

smbemu **never connects out**.  It answers as Windows does when the named machine cannot be
reached, RPC_S_SERVER_UNAVAILABLE (1722) -- what the coercion tools expect ("Got expected
RPC_S_SERVER_UNAVAILABLE exception. Attack worked") -- and reports the request to the observers
(the audit log's event 100003, with the caller and TargetHost) so a defender can alert on it.
A machine name that is the server itself (its names, a loopback address, the address the client
reached it on) gets ERROR_INVALID_HANDLE instead: the spooler's callback to itself fails there
(W: impacket's test_rprn, written against Windows Server, asserts ERROR_INVALID_HANDLE when
pszLocalMachine names the server it calls).
"""

from __future__ import annotations

import ipaddress
from typing import Any, Final

from smbemu.events import PrinterCallbackRequested
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantBytes,
    ContextHandle,
    Pointer,
    Struct,
    WString,
    uint16,
    uint32,
)
from smbemu.status import ERROR_INVALID_PARAMETER

from . import INTERFACE
from .objects import (
    ERROR_INVALID_HANDLE,
    RPC_S_SERVER_UNAVAILABLE,
    check_room,
    is_this_server,
    opened,
    server_unc,
)

#: MS-RPRN 2.2.1.13.1 RPC_V2_NOTIFY_OPTIONS_TYPE and 2.2.1.13.2 RPC_V2_NOTIFY_OPTIONS.
RPC_V2_NOTIFY_OPTIONS_TYPE: Final = Struct("RPC_V2_NOTIFY_OPTIONS_TYPE", [
    ("Type", uint16), ("Reserved0", uint16), ("Reserved1", uint32), ("Reserved2", uint32),
    ("Count", uint32), ("pFields", Pointer(ConformantArray(uint16)))])
RPC_V2_NOTIFY_OPTIONS: Final = Struct("RPC_V2_NOTIFY_OPTIONS", [
    ("Version", uint32), ("Reserved", uint32), ("Count", uint32),
    ("pTypes", Pointer(ConformantArray(RPC_V2_NOTIFY_OPTIONS_TYPE)))])


def _request_callback(ctx: CallContext, request: dict[str, Any], operation: str,
                      options_given: bool) -> int:
    """The common part of 62 and 65: the handle, the arguments, then the answer of a callback
    that could not be made -- reported before it is answered."""
    entry = opened(ctx, request["hPrinter"])
    target = (request["pszLocalMachine"] or "").rstrip("\x00")
    flags = request["fdwFlags"]
    # MS-RPRN 3.1.4.10.4: no change asked for (fdwFlags 0 and no options), or no machine to
    # reply to, is ERROR_INVALID_PARAMETER before anything else happens.
    if (not flags and not options_given) or not target:
        status = ERROR_INVALID_PARAMETER
    elif _names_this_server(ctx, target):
        status = ERROR_INVALID_HANDLE
    else:
        status = RPC_S_SERVER_UNAVAILABLE
    observers = getattr(ctx.server, "observers", None)
    if observers:
        session = ctx.server.sessions.get(ctx.session_id)
        printer = entry.obj.printer
        observers.emit(PrinterCallbackRequested(
            principal=ctx.principal, session_id=ctx.session_id,
            client_address=getattr(session, "client_address", "") or "",
            operation=operation,
            printer=f"{server_unc(ctx)}\\{printer.name}" if printer else server_unc(ctx),
            target=target, flags=flags, status=status))
    return status


def _names_this_server(ctx: CallContext, target: str) -> bool:
    """``\\\\NAME`` names this server: one of its names, or an address that is its own -- a
    loopback address or the one the client reached it on (any other address is another host)."""
    name = target.lstrip("\\").split("\\", 1)[0].strip("[]")
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return bool(name) and is_this_server(ctx, name)
    session = ctx.server.sessions.get(ctx.session_id)
    return address.is_loopback or str(address) == getattr(session, "server_address", "")


@INTERFACE.operation(62, "RpcRemoteFindFirstPrinterChangeNotification",
                     request=[("hPrinter", ContextHandle), ("fdwFlags", uint32),
                              ("fdwOptions", uint32), ("pszLocalMachine", WString),
                              ("dwPrinterLocal", uint32), ("cbBuffer", uint32),
                              ("pBuffer", Pointer(ConformantBytes()))],
                     response=[("pBuffer", Pointer(ConformantBytes()))], returns="uint32")
def RpcRemoteFindFirstPrinterChangeNotification(ctx: CallContext,
                                                request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.10.3; the [in, out] buffer goes back as it came."""
    check_room(request["cbBuffer"])
    status = _request_callback(ctx, request, "RpcRemoteFindFirstPrinterChangeNotification",
                               False)
    return {"pBuffer": request["pBuffer"], "ReturnValue": status}


@INTERFACE.operation(65, "RpcRemoteFindFirstPrinterChangeNotificationEx",
                     request=[("hPrinter", ContextHandle), ("fdwFlags", uint32),
                              ("fdwOptions", uint32), ("pszLocalMachine", WString),
                              ("dwPrinterLocal", uint32),
                              ("pOptions", Pointer(RPC_V2_NOTIFY_OPTIONS))],
                     response=[], returns="uint32")
def RpcRemoteFindFirstPrinterChangeNotificationEx(ctx: CallContext,
                                                  request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.10.4."""
    status = _request_callback(ctx, request, "RpcRemoteFindFirstPrinterChangeNotificationEx",
                               request["pOptions"] is not None)
    return {"ReturnValue": status}


@INTERFACE.operation(56, "RpcFindClosePrinterChangeNotification",
                     request=[("hPrinter", ContextHandle)], response=[], returns="uint32")
def RpcFindClosePrinterChangeNotification(ctx: CallContext,
                                          request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.10.2: closes the notification registered on the handle.  No registration
    ever succeeds here (the callback is never made), so there is none to close:
    ERROR_INVALID_HANDLE, what the spooler answers for a handle without one (U)."""
    opened(ctx, request["hPrinter"])
    return {"ReturnValue": ERROR_INVALID_HANDLE}


__all__ = ["RPC_V2_NOTIFY_OPTIONS"]
