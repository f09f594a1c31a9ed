"""IObjectExporter (MS-DCOM 3.1.2.5.1), the OXID resolver, on TCP 135 and ``\\PIPE\\epmapper``.

UUID 99fcfec4-5260-101b-bbcb-00aa0021347a version 0.0 (MS-DCOM 1.9).  The resolver listens on
the well-known endpoints of the RPC endpoint mapper's process (MS-DCOM 2.1: ncacn_ip_tcp 135,
ncacn_np ``\\pipe\\epmapper``, ...).

* ResolveOxid (0) / ResolveOxid2 (4): the string and security bindings of the object exporter
  that owns the OXID (smbemu's one COM server process: its ncacn_ip_tcp port), the IPID of its
  IRemUnknown, the authentication hint, and (2) the COMVERSION; an unknown OXID is
  OR_INVALID_OXID (3.1.2.5.1.1).
* SimplePing (1) / ComplexPing (2): the ping sets (3.1.2.5.1.2-3; `.objects`).
* ServerAlive (3): S_OK.  ServerAlive2 (5): the COMVERSION and the resolver's own bindings --
  the machine's name and addresses, without ports (3.1.2.5.1.6).  Windows answers ServerAlive2
  without authentication: it is what network scanners use to list a host's addresses (W, the
  "IOXIDResolver ServerAlive2 interface enumeration" write-ups); the other calls alike (the
  resolver checks no caller: MS-DCOM 3.1.2.5.1 gives it no access check).

The bindings: one STRINGBINDING for the NetBIOS name and one per address the server listens
on, ``name[port]`` for an object exporter (2.2.19.3: "the port ... in square brackets"), then the
SECURITYBINDINGs of the authentication services smbemu accepts (NTLM 0x0A, SPNEGO 0x09; Windows
also lists Kerberos 0x10 and others, which smbemu does not serve: U), principal names empty.
"""

from __future__ import annotations

import socket
from typing import Any, Final

from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import ConformantArray, Guid, Pointer, uint16, uint32, uint64

from .objects import MEMO_KEY, ObjectExporter
from .wire import (
    COMVERSION,
    DUALSTRINGARRAY,
    OR_INVALID_OXID,
    RPC_C_AUTHN_GSS_NEGOTIATE,
    RPC_C_AUTHN_WINNT,
    comversion_for,
    dual_string_array,
)

__all__ = ["INTERFACE", "exporter", "resolver_bindings", "object_bindings", "OBJECT_SERVICE"]

#: The ncacn_ip_tcp service (smbemu.rpc_tcp) of the emulated COM server's object exporter.
OBJECT_SERVICE: Final = "dcom"
#: smbemu.rpc_tcp's memo of what listens where (epmapper.registrations.TCP_MEMO_KEY).
_TCP_MEMO_KEY: Final = "rpc_tcp.listening"
#: MS-DCOM 3.1.2.5.1.1 pAuthnHint: RPC_C_AUTHN_LEVEL_CONNECT (2), the minimum level the
#: exporter accepts (Windows' default machine-wide authentication level is Connect, W:
#: "DCOM default authentication level" of dcomcnfg).
AUTHN_HINT: Final = 2
_SECURITY: Final = ((RPC_C_AUTHN_WINNT, ""), (RPC_C_AUTHN_GSS_NEGOTIATE, ""))

INTERFACE: Final = Interface(
    name="IObjectExporter", uuid="99fcfec4-5260-101b-bbcb-00aa0021347a", version=(0, 0),
    pipes=("epmapper",), opnum_count=6, secondary_address="\\PIPE\\epmapper",
    description="DCOM OXID resolver (MS-DCOM IObjectExporter)")


def exporter(ctx: CallContext) -> ObjectExporter:
    """This server's object exporter tables (one per server: `.objects`)."""
    return ctx.server.memo(MEMO_KEY, ObjectExporter)


def _addresses(ctx: CallContext) -> list[str]:
    tcp: Any = ctx.server.memo(_TCP_MEMO_KEY, dict)
    address = str(tcp.get("address") or "")
    names = [ctx.server.directory.machine.netbios_name.upper()]
    if address in ("", "0.0.0.0", "::"):
        try:  # listening on every address: the host's own (U: Windows lists each adapter's)
            address = socket.gethostbyname(socket.gethostname())
        except OSError:
            address = ""
    if address:
        names.append(address)
    return names


def resolver_bindings(ctx: CallContext) -> dict[str, Any]:
    """The OXID resolver's bindings: names and addresses without a port (MS-DCOM 3.1.2.5.1.6)."""
    return dual_string_array(_addresses(ctx), _SECURITY)


def object_bindings(ctx: CallContext) -> dict[str, Any] | None:
    """The object exporter's bindings, ``name[port]`` (2.2.19.3); None when its port is not
    served (ncacn_ip_tcp off)."""
    tcp: Any = ctx.server.memo(_TCP_MEMO_KEY, dict)
    port = (tcp.get("ports") or {}).get("IRemUnknown2")
    if not port:
        return None
    return dual_string_array([f"{a}[{port}]" for a in _addresses(ctx)], _SECURITY)


_PROTSEQS = ("cRequestedProtseqs", uint16), ("arRequestedProtseqs", ConformantArray(uint16))


def _resolve(ctx: CallContext, oxid: int) -> dict[str, Any]:
    bindings = object_bindings(ctx) if oxid == exporter(ctx).oxid else None
    if bindings is None:
        return {"ppdsaOxidBindings": None, "pipidRemUnknown": Guid.default(), "pAuthnHint": 0,
                "pComVersion": {"MajorVersion": 0, "MinorVersion": 0}, "ReturnValue": OR_INVALID_OXID}
    return {"ppdsaOxidBindings": bindings, "pipidRemUnknown": exporter(ctx).ipid_rem_unknown,
            "pAuthnHint": AUTHN_HINT, "pComVersion": comversion_for(ctx.server.profile.identity.version),
            "ReturnValue": 0}


@INTERFACE.operation(0, "ResolveOxid", request=[("pOxid", uint64), *_PROTSEQS],
                     response=[("ppdsaOxidBindings", Pointer(DUALSTRINGARRAY)), ("pipidRemUnknown", Guid),
                               ("pAuthnHint", uint32)], returns="uint32")
def ResolveOxid(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DCOM 3.1.2.5.1.1."""
    return _resolve(ctx, request["pOxid"])


@INTERFACE.operation(1, "SimplePing", request=[("pSetId", uint64)], returns="uint32")
def SimplePing(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DCOM 3.1.2.5.1.2."""
    return {"ReturnValue": exporter(ctx).simple_ping(request["pSetId"])}


@INTERFACE.operation(2, "ComplexPing",
                     request=[("pSetId", uint64), ("SequenceNum", uint16), ("cAddToSet", uint16),
                              ("cDelFromSet", uint16), ("AddToSet", Pointer(ConformantArray(uint64))),
                              ("DelFromSet", Pointer(ConformantArray(uint64)))],
                     response=[("pSetId", uint64), ("pPingBackoffFactor", uint16)], returns="uint32")
def ComplexPing(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DCOM 3.1.2.5.1.3: pPingBackoffFactor 0 (no back-off asked)."""
    set_id, error = exporter(ctx).complex_ping(request["pSetId"], list(request["AddToSet"] or ()),
                                               list(request["DelFromSet"] or ()))
    return {"pSetId": set_id, "pPingBackoffFactor": 0, "ReturnValue": error}


@INTERFACE.operation(3, "ServerAlive", returns="uint32")
def ServerAlive(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DCOM 3.1.2.5.1.4."""
    return {"ReturnValue": 0}


@INTERFACE.operation(4, "ResolveOxid2", request=[("pOxid", uint64), *_PROTSEQS],
                     response=[("ppdsaOxidBindings", Pointer(DUALSTRINGARRAY)), ("pipidRemUnknown", Guid),
                               ("pAuthnHint", uint32), ("pComVersion", COMVERSION)], returns="uint32")
def ResolveOxid2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DCOM 3.1.2.5.1.5."""
    return _resolve(ctx, request["pOxid"])


@INTERFACE.operation(5, "ServerAlive2",
                     response=[("pComVersion", COMVERSION), ("ppdsaOrBindings", Pointer(DUALSTRINGARRAY)),
                               ("pReserved", uint32)], returns="uint32")
def ServerAlive2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DCOM 3.1.2.5.1.6: pReserved is an [out] DWORD* the server sets to 0."""
    return {"pComVersion": comversion_for(ctx.server.profile.identity.version),
            "ppdsaOrBindings": resolver_bindings(ctx), "pReserved": 0, "ReturnValue": 0}
