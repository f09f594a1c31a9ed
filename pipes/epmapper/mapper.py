"""The endpoint mapper interface: ept_* of C706 appendix O (MS-RPCE 2.2.1.2, 3.3.3.x).

UUID e1af8308-5d1f-11c9-91a4-08002b14a0fa version 3.0, on ``\\PIPE\\epmapper`` and TCP 135.
Opnums (C706 appendix O; Samba's librpc/idl/epmapper.idl numbers them the same):

== ========================== ==============================================================
0  ept_insert                 remote registration refused: ept_s_cant_perform_op (U: the
                              Windows answer to a remote caller is not documented; Samba
                              answers so for any non-local caller)
1  ept_delete                 the same
2  ept_lookup                 emulated (inquiry types and version options of C706)
3  ept_map                    emulated (interface, NDR, protocol sequence of the map tower)
4  ept_lookup_handle_free     emulated
5  ept_inq_object             fault nca_op_rng_error, as Windows' mapper (below)
6  ept_mgmt_delete            fault nca_op_rng_error, likewise
7  ept_map_auth               emulated: ept_map with the server principal's SID (below)
8  ept_map_auth_async         the same (below)
== ========================== ==============================================================

What Windows' mapper (rpcss) serves of the interface: ept_lookup, ept_map,
ept_lookup_handle_free, ept_map_auth and ept_map_auth_async (opnum 8) -- the procedures of the
endpoint-mapper client NtApiDotNet generates from rpcss's own NDR tables (W: its
``Win32/Rpc/EndpointMapper`` client, opnums 2, 3, 4, 7, 8); MS-RPCE says of ept_inq_object and
ept_mgmt_delete that a client SHOULD NOT call them and offers no alternative, and Microsoft's
RpcMgmtEpUnregister (the management deletion) "returns EP_S_CANT_PERFORM_OP" on every release
since Windows 2000 without reaching a remote mapper (D).  So 5 and 6 are the runtime's
nca_op_rng_error, as Samba's mapper answers them too.  ept_map_auth ("EnableAuthEpResolution",
XP SP2 on) is ept_map whose object UUID and map tower are [ref] and which adds the SID of the
server principal the client expects (a unique RPC_SID): the mapper answers with the towers of
the interfaces a process of that account registered -- here every registration, all made by
the emulated system services (U: the SID is not compared; Windows' lsass, services and spooler
all run as LocalSystem, S-1-5-18).  ept_map_auth_async (8), its asynchronous twin, is the same
call on the wire (an asynchronous procedure differs only at the server's API) and answers alike.

Anyone may call it: Windows exempts the mapper from RestrictRemoteClients (an unauthenticated
client must be able to resolve an endpoint before it authenticates to it; "RestrictRemoteClients"
and "EnableAuthEpResolution" policy documentation), and \\PIPE\\epmapper is in NullSessionPipes
on NT4 and 2000 (windows-defaults.md 1.2; later releases refuse the anonymous pipe open itself).

Enumeration (ept_lookup / ept_map): up to ``max_ents`` / ``max_towers`` entries per call; while
entries remain the answer carries a context handle to continue with, and the call that returns
the last ones zeroes it, with status 0 (impacket's ``hept_lookup`` and Windows'
``RpcMgmtEpEltInqNext`` loop until the handle is zero).  Nothing (more) to return:
``ept_s_not_registered`` (0x16C9A0D6) and a zero handle (C706 ept_lookup: "no more elements").
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import (
    ConformantBytes,
    ConformantVaryingArray,
    ContextHandle,
    Guid,
    Pointer,
    PSid,
    Sized,
    Struct,
    VaryingArray,
    uint8,
    uint16,
    uint32,
)

from .registrations import Entry, endpoint_map
from .towers import NDR20_SYNTAX, TowerError, decode_tower, encode_tower

__all__ = ["INTERFACE", "EPT_S_NOT_REGISTERED", "EPT_S_CANT_PERFORM_OP"]

INTERFACE: Final = Interface(
    name="epmapper", uuid="e1af8308-5d1f-11c9-91a4-08002b14a0fa", version=(3, 0),
    pipes=("epmapper",), opnum_count=9,
    description="DCE/RPC endpoint mapper (C706 appendix O, MS-RPCE 2.2.1.2)")

# DCE status codes (C706 appendix E; impacket's rpcrt.rpc_status_codes names them alike).
EPT_S_CANT_PERFORM_OP: Final = 0x16C9A0CD
EPT_S_INVALID_ENTRY: Final = 0x16C9A0D3
EPT_S_NOT_REGISTERED: Final = 0x16C9A0D6

# ept_lookup inquiry types and version options (C706 appendix O, rpc_c_ep_* / rpc_c_vers_*).
RPC_C_EP_ALL_ELTS: Final = 0
RPC_C_EP_MATCH_BY_IF: Final = 1
RPC_C_EP_MATCH_BY_OBJ: Final = 2
RPC_C_EP_MATCH_BY_BOTH: Final = 3
RPC_C_VERS_ALL: Final = 1
RPC_C_VERS_COMPATIBLE: Final = 2
RPC_C_VERS_EXACT: Final = 3
RPC_C_VERS_MAJOR_ONLY: Final = 4
RPC_C_VERS_UPTO: Final = 5

#: C706 appendix O: ept_max_annotation_size.
ANNOTATION_SIZE: Final = 64
#: The most entries one call returns, whatever max_ents says (bounds a client's allocation ask).
MAX_PER_CALL: Final = 500
NULL_HANDLE: Final = bytes(20)
HANDLE_KIND: Final = "epmapper.lookup"
_NIL: Final = uuid.UUID(int=0)

# NDR types (C706 appendix O; Samba epmapper.idl).
twr_t: Final = Struct("twr_t", [("tower_length", uint32), ("tower_octet_string", ConformantBytes())])
rpc_if_id_t: Final = Struct("rpc_if_id_t", [("uuid", Guid), ("vers_major", uint16), ("vers_minor", uint16)])
ept_entry_t: Final = Struct("ept_entry_t", [
    ("object", Guid),
    ("tower", Pointer(twr_t)),
    ("annotation", VaryingArray(uint8, ANNOTATION_SIZE)),  # [string] char[64]: offset, length, chars
])


def _twr(entry: Entry) -> dict[str, Any]:
    raw = encode_tower(entry.tower)
    return {"tower_length": len(raw), "tower_octet_string": raw}


@INTERFACE.operation(0, "ept_insert", request=[], response=[], returns="error_status_t")
def ept_insert(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return {"ReturnValue": EPT_S_CANT_PERFORM_OP}


@INTERFACE.operation(1, "ept_delete", request=[], response=[], returns="error_status_t")
def ept_delete(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return {"ReturnValue": EPT_S_CANT_PERFORM_OP}


def _version_matches(option: int, asked: tuple[int, int], have: tuple[int, int]) -> bool:
    """C706 ept_lookup vers_option, comparing the registered version ``have``."""
    if option == RPC_C_VERS_ALL:
        return True
    if option == RPC_C_VERS_COMPATIBLE:
        return have[0] == asked[0] and have[1] >= asked[1]
    if option == RPC_C_VERS_EXACT:
        return have == asked
    if option == RPC_C_VERS_MAJOR_ONLY:
        return have[0] == asked[0]
    if option == RPC_C_VERS_UPTO:
        return have <= asked
    return False


@INTERFACE.operation(
    2, "ept_lookup",
    request=[("inquiry_type", uint32), ("object", Pointer(Guid)), ("Ifid", Pointer(rpc_if_id_t)),
             ("vers_option", uint32), ("entry_handle", ContextHandle), ("max_ents", uint32)],
    response=[("entry_handle", ContextHandle), ("num_ents", uint32),
              ("entries", ConformantVaryingArray(ept_entry_t))],
    returns="error_status_t")
def ept_lookup(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    max_ents = request["max_ents"]
    handle = bytes(request["entry_handle"])
    if handle != NULL_HANDLE:
        held = ctx.handles.lookup(handle, HANDLE_KIND)
        remaining: list[Entry] = held.obj if held is not None else []
    else:
        inquiry = request["inquiry_type"]
        if inquiry not in (RPC_C_EP_ALL_ELTS, RPC_C_EP_MATCH_BY_IF, RPC_C_EP_MATCH_BY_OBJ,
                           RPC_C_EP_MATCH_BY_BOTH):
            return _lookup_answer(max_ents, [], EPT_S_CANT_PERFORM_OP)
        remaining = [e for e in endpoint_map(ctx) if _selected(e, inquiry, request)]
    if not remaining:
        if handle != NULL_HANDLE:
            ctx.handles.close(handle, HANDLE_KIND)
        return _lookup_answer(max_ents, [], EPT_S_NOT_REGISTERED)
    count = min(max_ents, MAX_PER_CALL, len(remaining))
    if count == 0:
        # max_ents 0: nothing fits; the walk is not advanced (C706: num_ents <= max_ents).
        return _lookup_answer(max_ents, [], 0, handle)
    page, rest = remaining[:count], remaining[count:]
    if rest:
        if handle == NULL_HANDLE:
            handle = ctx.handles.create(HANDLE_KIND, rest)
        else:
            held = ctx.handles.lookup(handle, HANDLE_KIND)
            assert held is not None
            held.obj = rest
        out_handle = handle
    else:
        if handle != NULL_HANDLE:
            ctx.handles.close(handle, HANDLE_KIND)
        out_handle = NULL_HANDLE
    entries = [{"object": e.object_uuid, "tower": _twr(e),
                "annotation": list(e.annotation.encode("ascii", "replace")[:ANNOTATION_SIZE - 1] + b"\x00")}
               for e in page]
    return _lookup_answer(max_ents, entries, 0, out_handle)


def _lookup_answer(max_ents: int, entries: list[dict[str, Any]], status: int,
                   handle: bytes = NULL_HANDLE) -> dict[str, Any]:
    return {"entry_handle": handle, "num_ents": len(entries),
            "entries": Sized(entries, max(max_ents, len(entries))), "ReturnValue": status}


def _selected(entry: Entry, inquiry: int, request: dict[str, Any]) -> bool:
    """C706 ept_lookup: does ``entry`` answer the inquiry?"""
    if inquiry == RPC_C_EP_ALL_ELTS:
        return True
    if inquiry in (RPC_C_EP_MATCH_BY_OBJ, RPC_C_EP_MATCH_BY_BOTH):
        wanted = request["object"] or _NIL
        if entry.object_uuid != wanted:
            return False
    if inquiry in (RPC_C_EP_MATCH_BY_IF, RPC_C_EP_MATCH_BY_BOTH):
        ifid = request["Ifid"]
        if ifid is None or entry.syntax[0] != ifid["uuid"]:
            return False
        return _version_matches(request["vers_option"], (ifid["vers_major"], ifid["vers_minor"]),
                                entry.syntax[1:])
    return True


@INTERFACE.operation(
    3, "ept_map",
    request=[("obj", Pointer(Guid)), ("map_tower", Pointer(twr_t)), ("entry_handle", ContextHandle),
             ("max_towers", uint32)],
    response=[("entry_handle", ContextHandle), ("num_towers", uint32),
              ("ITowers", ConformantVaryingArray(Pointer(twr_t)))],
    returns="error_status_t")
def ept_map(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return _map(ctx, request)


def _map(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """ept_map and ept_map_auth: the towers matching the map tower, a page at a time."""
    max_towers = request["max_towers"]
    handle = bytes(request["entry_handle"])
    if handle != NULL_HANDLE:
        held = ctx.handles.lookup(handle, HANDLE_KIND)
        remaining: list[Entry] = held.obj if held is not None else []
    else:
        remaining = _mapped(ctx, request)
    if not remaining or max_towers == 0:
        if handle != NULL_HANDLE:
            ctx.handles.close(handle, HANDLE_KIND)
        return _map_answer(max_towers, [], EPT_S_NOT_REGISTERED)
    count = min(max_towers, MAX_PER_CALL, len(remaining))
    page, rest = remaining[:count], remaining[count:]
    if rest:
        if handle == NULL_HANDLE:
            handle = ctx.handles.create(HANDLE_KIND, rest)
        else:
            held = ctx.handles.lookup(handle, HANDLE_KIND)
            assert held is not None
            held.obj = rest
        out_handle = handle
    else:
        if handle != NULL_HANDLE:
            ctx.handles.close(handle, HANDLE_KIND)
        out_handle = NULL_HANDLE
    return _map_answer(max_towers, [_twr(e) for e in page], 0, out_handle)


def _map_answer(max_towers: int, towers: list[dict[str, Any]], status: int,
                handle: bytes = NULL_HANDLE) -> dict[str, Any]:
    return {"entry_handle": handle, "num_towers": len(towers),
            "ITowers": Sized(towers, max(max_towers, len(towers))), "ReturnValue": status}


def _mapped(ctx: CallContext, request: dict[str, Any]) -> list[Entry]:
    """C706 ept_map: the registered towers of the map tower's interface (same major version, a
    minor version at least the client's), transfer syntax (NDR) and protocol sequence (floors 3
    and 4: ncacn_ip_tcp, ncacn_np or ncalrpc); an object UUID other than nil matches nothing
    (nothing is registered with one)."""
    wanted_object = request["obj"] or _NIL
    twr = request["map_tower"]
    if twr is None or wanted_object != _NIL:
        return []
    try:
        tower = decode_tower(twr["tower_octet_string"])
    except TowerError:
        return []
    interface, transfer = tower.interface, tower.transfer_syntax
    if interface is None or transfer != NDR20_SYNTAX or len(tower.floors) < 4:
        return []
    protocols = tower.protocols[:2]
    found = []
    for entry in endpoint_map(ctx):
        syntax = entry.syntax
        if syntax[0] != interface[0] or syntax[1] != interface[1] or syntax[2] < interface[2]:
            continue
        if entry.tower.protocols[:2] != protocols:
            continue
        found.append(entry)
    return found


@INTERFACE.operation(4, "ept_lookup_handle_free", request=[("entry_handle", ContextHandle)],
                     response=[("entry_handle", ContextHandle)], returns="error_status_t")
def ept_lookup_handle_free(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    handle = bytes(request["entry_handle"])
    if handle != NULL_HANDLE:
        ctx.handles.close(handle, HANDLE_KIND)
    return {"entry_handle": NULL_HANDLE, "ReturnValue": 0}


INTERFACE.not_implemented(5, "ept_inq_object")
INTERFACE.not_implemented(6, "ept_mgmt_delete")


_MAP_AUTH_IN: Final = [("obj", Guid), ("map_tower", twr_t), ("pSid", PSid),
                       ("entry_handle", ContextHandle), ("max_towers", uint32)]
_MAP_OUT: Final = [("entry_handle", ContextHandle), ("num_towers", uint32),
                   ("ITowers", ConformantVaryingArray(Pointer(twr_t)))]


@INTERFACE.operation(7, "ept_map_auth", request=_MAP_AUTH_IN, response=_MAP_OUT,
                     returns="error_status_t")
def ept_map_auth(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """ept_map with the expected server principal (module docstring)."""
    return _map(ctx, request)


INTERFACE.operation(8, "ept_map_auth_async", request=_MAP_AUTH_IN, response=_MAP_OUT,
                    returns="error_status_t")(_map)
