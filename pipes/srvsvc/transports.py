"""srvsvc transports and aliases: NetrServerTransportEnum (MS-SRVS 3.1.4.22) and
NetrServerAliasEnum (3.1.4.45).  (The DFS calls of opnums 43-52 are in ``dfs``.)"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, Final

from smbemu.policy import Later, Require, Rule
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import Pointer
from smbemu.status import ERROR_INVALID_LEVEL

from .objects import INTERFACE, all_sessions, enum_error, enum_reply
from .session_changes import server_aliases
from .types import (
    ENUM_TAIL_IN,
    ENUM_TAIL_OUT,
    SERVER_ALIAS_ENUM_STRUCT,
    SERVER_TRANSPORT_LEVELS,
    SERVER_XPORT_ENUM_STRUCT,
    SRVSVC_HANDLE,
)

#: MS-SRVS 2.2.4.96 svti2_flags: none of SVTI2_REMAP_PIPE_NAMES / SVTI2_SCOPED_NAME is set on
#: the default transports.
_NO_FLAGS: Final = 0
#: Win32 NetServerTransportEnum remarks: "Only Authenticated Users can successfully call this
#: function. Windows XP/2000: No special group membership is required" (D) -- members of
#: Everyone up to 2000/XP, authenticated users from Server 2003 (5.2) on.
_TRANSPORT_RULE: Final = Rule(Require.EVERYONE_SID,
                              since=(Later((5, 2), Require.AUTHENTICATED),),
                              source="Win32 NetServerTransportEnum remarks (D)")


def _netbt_transport(directory: Any) -> tuple[str, str]:
    """(device name, adapter address) of the one NetBT-over-TCP/IP transport, derived from the
    machine SID exactly as wkssvc's NetrWkstaTransportEnum derives it (a handler package may not
    import another interface's module), so both interfaces name the same adapter."""
    seed = hashlib.sha256(str(directory.machine.sid).encode()).digest()
    guid = str(uuid.UUID(bytes=seed[:16])).upper()
    return f"\\Device\\NetBT_Tcpip_{{{guid}}}", (bytes([0x02]) + seed[16:21]).hex().upper()


def _transport_entry(ctx: CallContext, level: int) -> dict[str, Any]:
    """The NetBT-over-TCP/IP transport the server is bound to (the one wkssvc lists too): its
    device name, the server's NetBIOS name padded to 16 bytes as its transport address
    (MS-SRVS 2.2.4.93), the adapter's MAC as 12 hex digits as its network address."""
    directory = ctx.server.directory
    name, mac = _netbt_transport(directory)
    address = directory.machine.netbios_name.upper().ljust(16).encode("ascii", "replace")[:16]
    p = f"svti{level}_"
    entry: dict[str, Any] = {
        f"{p}numberofvcs": len(all_sessions(ctx)),
        f"{p}transportname": name,
        f"{p}transportaddress": address, f"{p}transportaddresslength": len(address),
        f"{p}networkaddress": mac}
    if level >= 1:
        entry[f"{p}domain"] = str(directory.primary_domain.name)
    if level >= 2:
        entry[f"{p}flags"] = _NO_FLAGS
    if level == 3:
        # no transport password is configured: length 0, 256 zero bytes (2.2.4.96)
        entry.update({"svti3_passwordlength": 0, "svti3_password": bytes(256)})
    return entry


@INTERFACE.operation(26, "NetrServerTransportEnum",
                     request=[("ServerName", SRVSVC_HANDLE),
                              ("InfoStruct", Pointer(SERVER_XPORT_ENUM_STRUCT, "ref")),
                              *ENUM_TAIL_IN],
                     response=[("InfoStruct", Pointer(SERVER_XPORT_ENUM_STRUCT, "ref")),
                               *ENUM_TAIL_OUT],
                     returns="WERROR", rule=_TRANSPORT_RULE)
def NetrServerTransportEnum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.22: levels 0 to 3, one entry per bound transport."""
    level = request["InfoStruct"]["Level"]
    if level not in SERVER_TRANSPORT_LEVELS:
        return enum_error(ctx, "XportInfo", level, ERROR_INVALID_LEVEL, request)
    return enum_reply(ctx, "XportInfo", level, [_transport_entry(ctx, level)], request)


@INTERFACE.operation(55, "NetrServerAliasEnum",
                     request=[("ServerName", SRVSVC_HANDLE),
                              ("InfoStruct", Pointer(SERVER_ALIAS_ENUM_STRUCT, "ref")),
                              *ENUM_TAIL_IN],
                     response=[("InfoStruct", Pointer(SERVER_ALIAS_ENUM_STRUCT, "ref")),
                               *ENUM_TAIL_OUT],
                     returns="WERROR")
def NetrServerAliasEnum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.45: level 0 only; no alias is configured by default (the list is empty;
    aliases exist once an administrator adds them, 3.1.4.44, ``session_changes``)."""
    level = request["InfoStruct"]["Level"]
    if level != 0:
        return enum_error(ctx, "ServerAliasInfo", level, ERROR_INVALID_LEVEL, request)
    entries = [dict(alias) for alias in server_aliases(ctx).values()]
    return enum_reply(ctx, "ServerAliasInfo", level, entries, request)
