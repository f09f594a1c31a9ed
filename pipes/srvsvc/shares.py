"""srvsvc shares: NetrShareEnum (MS-SRVS 3.1.4.8), NetrShareEnumSticky (3.1.4.9),
NetrShareGetInfo (3.1.4.10) and NetrShareCheck (3.1.4.16)."""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext, PrincipalKind, ndr
from smbemu.rpc.ndr import Pointer, WString, WStringRef, uint32
from smbemu.status import (
    ERROR_ACCESS_DENIED,
    ERROR_FILE_NOT_FOUND,
    ERROR_INVALID_LEVEL,
    NERR_DEVICE_NOT_SHARED,
    NERR_NET_NAME_NOT_FOUND,
    NERR_SUCCESS,
)

from .objects import INTERFACE, all_sessions, enum_error, enum_reply
from .types import (
    ADT_SECURITY_DESCRIPTOR,
    ENUM_TAIL_IN,
    ENUM_TAIL_OUT,
    SHARE_ENUM_LEVELS,
    SHARE_ENUM_STRUCT,
    SHARE_INFO,
    SHARE_INFO_LEVELS,
    SRVSVC_HANDLE,
    STYPE_SPECIAL,
)


def _share_uses(ctx: CallContext, share_name: str) -> int:
    """shi2_current_uses: tree connects to the share, over every session."""
    name = share_name.lower()
    return sum(1 for s in all_sessions(ctx) for t in s.tree_connects.values()
               if t.share_name.lower() == name)


# -------------------------------------------------------------------------------------------
# Shares: NetrShareEnum (15), NetrShareEnumSticky (36), NetrShareGetInfo (16), NetrShareCheck (20)
# -------------------------------------------------------------------------------------------


def _share_entry(ctx: CallContext, share: Any, level: int) -> dict[str, Any]:
    """One SHARE_INFO_<level> from a fixture share (MS-SRVS 2.2.4.22-2.2.4.29)."""
    name, stype, remark = share.name, share.stype, share.comment
    if level == 0:
        return {"shi0_netname": name}
    if level == 1:
        return {"shi1_netname": name, "shi1_type": stype, "shi1_remark": remark}
    if level == 501:
        # shi501_flags: CSC policy "manual caching" (0) for every share (U: Windows default).
        return {"shi501_netname": name, "shi501_type": stype, "shi501_remark": remark,
                "shi501_flags": share.flags}
    if level == 1004:
        return {"shi1004_remark": remark}
    # max uses, flags and the security descriptor are the fixture's defaults (unlimited, 0, none:
    # reserved = 0 and a NULL buffer) until an administrator sets them (NetrShareSetInfo,
    # MS-SRVS 3.1.4.11: share_changes); shi*_reserved is the descriptor's length (2.2.4.26).
    descriptor = share.security_descriptor or None
    if level == 1005:
        return {"shi1005_flags": share.flags}
    if level == 1006:
        return {"shi1006_max_uses": share.max_uses}
    if level == 1501:
        return {"shi1501_reserved": len(share.security_descriptor),
                "shi1501_security_descriptor": descriptor}
    prefix = {2: "shi2_", 502: "shi502_", 503: "shi503_"}[level]
    entry: dict[str, Any] = {
        f"{prefix}netname": name, f"{prefix}type": stype, f"{prefix}remark": remark,
        # shi*_permissions is ignored with user-level security and reported 0 (MS-SRVS
        # 2.2.4.24); passwd: NULL.
        f"{prefix}permissions": 0, f"{prefix}max_uses": share.max_uses,
        f"{prefix}current_uses": _share_uses(ctx, name), f"{prefix}path": share.path,
        f"{prefix}passwd": None,
    }
    if level == 503:
        # "*" = the share is not scoped to one server name (MS-SRVS 2.2.4.27).
        entry["shi503_servername"] = "*"
    if level in (502, 503):
        entry[f"{prefix}reserved"] = len(share.security_descriptor)
        entry[f"{prefix}security_descriptor"] = descriptor
    return entry


def _shares(ctx: CallContext, sticky: bool) -> list[Any]:
    """The shares in the profile's enumeration order (``Directory.shares_in_order``).  Sticky shares (MS-SRVS 3.1.4.9) are the persistent
    ones: the special shares (IPC$, ADMIN$, C$...) are recreated at every start, not stored, and
    a share added with STYPE_TEMPORARY (NetrShareAdd, 2.2.2.4) is not stored either."""
    shares = ctx.server.directory.shares_in_order(ctx.server.profile.identity.srvsvc.share_order)
    return [s for s in shares if not (sticky and (s.special or s.temporary))]


#: Levels whose entries depend on the fixture's shares alone; 2/502/503 carry the live
#: shi*_current_uses and are built afresh for every call.
_SHARE_LEVELS_FROM_FIXTURE: Final = frozenset({0, 1, 501})
#: Where the encoded share lists live: ``ctx.server.memo`` is per server configuration (a
#: SIGHUP reload builds a new configuration, hence starts without them).
_SHARE_ENUM_CACHE: Final = "srvsvc.share_enum"
#: (sticky, level, PreferedMaximumLength, ResumeHandle) combinations kept per configuration;
#: clients choose the last two, so the cache is emptied rather than let grow past this.
_SHARE_ENUM_CACHE_SIZE: Final = 64


def _share_enum(ctx: CallContext, request: dict[str, Any], operation: str,
                sticky: bool) -> dict[str, Any]:
    level = request["InfoStruct"]["Level"]
    # NetrShareEnumSticky does not know level 501: smbtorture rpc.srvsvc NetShareEnum (opnum
    # 36) expects WERR_UNKNOWN_LEVEL there from every caller, as Windows answered it.
    if level not in SHARE_ENUM_LEVELS or (sticky and level == 501):
        return enum_error(ctx, "ShareInfo", level, ERROR_INVALID_LEVEL, request)
    # the access decision is made (and logged) for every call: it depends on the caller
    status = ctx.decide(operation, level).status
    if status:
        return enum_error(ctx, "ShareInfo", level, status, request)
    shares = ctx.server.directory.shares
    if level not in _SHARE_LEVELS_FROM_FIXTURE or type(shares) is not tuple:
        entries = [_share_entry(ctx, s, level) for s in _shares(ctx, sticky)]
        return enum_reply(ctx, "ShareInfo", level, entries, request)
    # An allowed answer at these levels is a function of the share tuple (immutable, frozen
    # Share records) and of the request's level and paging: kept with its InfoStruct encoded
    # once (ndr.Memo), checked against the tuple the directory holds now.
    replies: dict[tuple[bool, int, int, int | None], tuple[tuple[Any, ...], dict[str, Any]]]
    replies = ctx.server.memo(_SHARE_ENUM_CACHE, dict)
    key = (sticky, level, request["PreferedMaximumLength"], request["ResumeHandle"])
    kept = replies.get(key)
    if kept is None or kept[0] is not shares:
        entries = [_share_entry(ctx, s, level) for s in _shares(ctx, sticky)]
        reply = enum_reply(ctx, "ShareInfo", level, entries, request)
        reply["InfoStruct"] = ndr.Memo(reply["InfoStruct"])
        if len(replies) >= _SHARE_ENUM_CACHE_SIZE:
            replies.clear()
        kept = replies[key] = (shares, reply)
    return dict(kept[1])


_SHARE_ENUM_IN: Final = [("ServerName", SRVSVC_HANDLE),
                         ("InfoStruct", Pointer(SHARE_ENUM_STRUCT, "ref")), *ENUM_TAIL_IN]
_SHARE_ENUM_OUT: Final = [("InfoStruct", Pointer(SHARE_ENUM_STRUCT, "ref")), *ENUM_TAIL_OUT]


@INTERFACE.operation(15, "NetrShareEnum", request=_SHARE_ENUM_IN, response=_SHARE_ENUM_OUT,
                     returns="WERROR")
def NetrShareEnum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.8: every share, at level 0, 1, 2, 501, 502 or 503."""
    return _share_enum(ctx, request, "NetrShareEnum", sticky=False)


@INTERFACE.operation(36, "NetrShareEnumSticky", request=_SHARE_ENUM_IN,
                     response=_SHARE_ENUM_OUT, returns="WERROR")
def NetrShareEnumSticky(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.9: the persistent (non-special) shares."""
    return _share_enum(ctx, request, "NetrShareEnumSticky", sticky=True)


@INTERFACE.operation(16, "NetrShareGetInfo",
                     request=[("ServerName", SRVSVC_HANDLE), ("NetName", WStringRef),
                              ("Level", uint32)],
                     response=[("InfoStruct", SHARE_INFO)], returns="WERROR")
def NetrShareGetInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.10: one share; NERR_NetNameNotFound (2310) for an unknown name."""
    level = request["Level"]
    if level not in SHARE_INFO_LEVELS:
        return {"InfoStruct": (level, None), "ReturnValue": ERROR_INVALID_LEVEL}
    share = ctx.server.directory.share(request["NetName"])
    if share is None:
        return {"InfoStruct": (level, None), "ReturnValue": NERR_NET_NAME_NOT_FOUND}
    status = ctx.decide("NetrShareGetInfo", level).status
    if status:
        return {"InfoStruct": (level, None), "ReturnValue": status}
    return {"InfoStruct": (level, _share_entry(ctx, share, level)), "ReturnValue": NERR_SUCCESS}


@INTERFACE.operation(20, "NetrShareCheck",
                     request=[("ServerName", SRVSVC_HANDLE), ("Device", WStringRef)],
                     response=[("Type", uint32)], returns="WERROR")
def NetrShareCheck(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.16: is a device ("C:") shared?  The type of the first share on it, or
    NERR_DeviceNotShared (2311)."""
    device = request["Device"].rstrip("\\").upper()
    if not device:
        # An empty device is the path of IPC$ (its shi2_path is ""): smbtorture's rpc.srvsvc
        # checks every share's path, IPC$'s too, and expects NERR_Success from Windows.
        for share in ctx.server.directory.shares:
            if not share.path:
                return {"Type": share.stype & ~STYPE_SPECIAL, "ReturnValue": NERR_SUCCESS}
    else:
        for share in ctx.server.directory.shares:
            path = share.path.upper()
            # a disk share on the device, or any share whose path is the device itself (a
            # printer share's "HPLJ4250,LocalsplOnly": smbtorture checks each share's shi2_path
            # and expects NERR_Success from Windows)
            if (share.type == "disk" and path.startswith(device)) or path == device:
                return {"Type": share.stype & ~STYPE_SPECIAL, "ReturnValue": NERR_SUCCESS}
    return {"Type": 0, "ReturnValue": NERR_DEVICE_NOT_SHARED}


@INTERFACE.operation(39, "NetrpGetFileSecurity",
                     request=[("ServerName", SRVSVC_HANDLE), ("ShareName", WString),
                              ("lpFileName", WStringRef), ("RequestedInformation", uint32)],
                     response=[("SecurityDescriptor", Pointer(ADT_SECURITY_DESCRIPTOR))],
                     returns="WERROR")
def NetrpGetFileSecurity(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.27: the security descriptor of a file on a share.  An unknown share is
    NERR_NetNameNotFound; the server opens the file as the caller (impersonating), so a null
    session is refused (ERROR_ACCESS_DENIED); the emulated shares hold no files, so any other
    caller gets ERROR_FILE_NOT_FOUND (U: a real share's files are not modelled)."""
    share = ctx.server.directory.share(request["ShareName"] or "")
    if share is None:
        status = NERR_NET_NAME_NOT_FOUND
    elif ctx.principal.kind == PrincipalKind.ANONYMOUS:
        status = ERROR_ACCESS_DENIED
    else:
        status = ERROR_FILE_NOT_FOUND
    return {"SecurityDescriptor": None, "ReturnValue": status}
