"""srvsvc share changes made by an administrator: NetrShareAdd (MS-SRVS 3.1.4.7),
NetrShareSetInfo (3.1.4.11), NetrShareDel (3.1.4.12), NetrShareDelSticky (3.1.4.13),
NetrShareDelStart / NetrShareDelCommit (3.1.4.14 / 3.1.4.15) and NetrShareDelEx (3.1.4.47).

A change replaces the directory's share tuple (``Directory.replace_shares``): NetrShareEnum /
NetrShareGetInfo, RAP NetShareEnum (SMB1 profiles) and TREE_CONNECT all read that tuple, so
``smbclient -L`` shows an added share at once.  Changes live until the server stops (or a SIGHUP
reload), like every other run-time change (``smbemu.directory.changes``).  A TREE_CONNECT to a
disk share added so is refused with STATUS_ACCESS_DENIED, exactly as the fixture's own disk
shares (``smbemu.shares``: the emulator serves no files, IPC$ only).

Each change is reported to the observers (`smbemu.events.ShareChanged`; the audit log's 5142 /
5143 / 5144, `smbemu.audit_shares`).  Who may change shares is the policy's (administrators,
``smbemu.policy.rules``); a refusal is ERROR_ACCESS_DENIED as the return value.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final

from smbemu.events import ShareChanged
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ContextHandle, WStringRef, uint32
from smbemu.status import (
    ERROR_INVALID_HANDLE,
    ERROR_INVALID_LEVEL,
    ERROR_INVALID_NAME,
    ERROR_INVALID_PARAMETER,
    NERR_DUPLICATE_SHARE,
    NERR_NET_NAME_NOT_FOUND,
    NERR_SUCCESS,
    NERR_UNKNOWN_DEV_DIR,
)

from .names import validate_name
from .objects import INTERFACE
from .types import PDWORD, SHARE_INFO, SRVSVC_HANDLE

#: NetprNameValidate's NAMETYPE_SHARE (MS-SRVS 3.1.4.32): the share-name rules NetrShareAdd applies.
_NAMETYPE_SHARE: Final = 9
#: lmshare.h / MS-SRVS 3.1.4.7 ParmErr: the index of the first SHARE_INFO member that is wrong.
SHARE_NETNAME_PARMNUM: Final = 1
SHARE_TYPE_PARMNUM: Final = 3
SHARE_REMARK_PARMNUM: Final = 4
SHARE_MAX_USES_PARMNUM: Final = 6
SHARE_PATH_PARMNUM: Final = 8
SHARE_FILE_SD_PARMNUM: Final = 501
#: MAXCOMMENTSZ (lmcons.h): the longest remark, in characters.
MAXCOMMENTSZ: Final = 256
#: shi*_type (MS-SRVS 2.2.2.4): the base types, and the modifier bits.  STYPE_CLUSTER_* (0x02000000,
#: 0x04000000, 0x08000000) "the server MUST ignore them on receipt" (3.1.4.7).
STYPE_DISKTREE, STYPE_PRINTQ, STYPE_DEVICE, STYPE_IPC = 0, 1, 2, 3
STYPE_TEMPORARY: Final = 0x40000000
STYPE_SPECIAL: Final = 0x80000000
_STYPE_CLUSTER: Final = 0x0E000000
#: The levels each call takes (MS-SRVS 3.1.4.7: 2, 502, 503; 3.1.4.11: 1, 2, 502, 503, 1004,
#: 1005, 1006, 1501; 3.1.4.47 NetrShareDelEx: 503).
ADD_LEVELS: Final = frozenset({2, 502, 503})
SET_LEVELS: Final = frozenset({1, 2, 502, 503, 1004, 1005, 1006, 1501})
#: The handle kind NetrShareDelStart issues (MS-SRVS 3.1.4.14 "SHARE_DEL_HANDLE").
_DEL_HANDLE: Final = "srvsvc.share_del"


def _report(ctx: CallContext, change: str, share: Any, old: Any = None) -> None:
    """Tell the observers (the audit log's 5142 / 5143 / 5144); nothing is built without them."""
    observers = getattr(ctx.server, "observers", None)
    if not observers:
        return

    def summary(s: Any) -> tuple[str, int, int, str]:
        return (s.comment, s.max_uses, s.flags, s.security_descriptor.hex())

    observers.emit(ShareChanged(
        change=change, principal=ctx.principal, session_id=ctx.session_id, share=share.name,
        path=share.path, old=summary(old) if old is not None else None,
        new=summary(share) if change == "modified" else None))


def _failed(status: int, parm_err: int, request: dict[str, Any]) -> dict[str, Any]:
    """The return value with the [in, out, unique] ParmErr: NULL when the caller sent NULL, the
    index of the bad member for ERROR_INVALID_PARAMETER, else the value the caller sent."""
    sent = request.get("ParmErr")
    if sent is not None and status == ERROR_INVALID_PARAMETER and parm_err:
        sent = parm_err
    return {"ParmErr": sent, "ReturnValue": status}


def _fields(level: int, info: dict[str, Any]) -> dict[str, Any]:
    """The SHARE_INFO_<level> members without their ``shi<level>_`` prefix."""
    prefix = f"shi{level}_"
    return {k[len(prefix):]: v for k, v in info.items() if k.startswith(prefix)}


def _security_descriptor(value: Any) -> bytes:
    return bytes(value) if value else b""


# -------------------------------------------------------------------------------------------
# NetrShareAdd (14)
# -------------------------------------------------------------------------------------------


def _new_share(ctx: CallContext, level: int, info: dict[str, Any]) -> tuple[Any, int, int]:
    """(the share, status, ParmErr) for a NetrShareAdd request: MS-SRVS 3.1.4.7's checks in the
    order of the structure's members."""
    f = _fields(level, info)
    name = (f.get("netname") or "").rstrip("\x00")
    if not name:
        return None, ERROR_INVALID_PARAMETER, SHARE_NETNAME_PARMNUM
    if validate_name(name, _NAMETYPE_SHARE, 0):
        # NetprNameValidate's NAMETYPE_SHARE rules: 80 characters, none of " / \ [ ] : | < > + = ; , ? *
        return None, ERROR_INVALID_NAME, 0
    stype = (f.get("type") or 0) & ~_STYPE_CLUSTER
    base = stype & 0xFF
    # A disk or printer share; STYPE_DEVICE / STYPE_IPC (or an unknown type) would need a device
    # or a second IPC share the emulated machine does not have (U: Windows' code for them).
    if base not in (STYPE_DISKTREE, STYPE_PRINTQ) or stype & ~(0xFF | STYPE_TEMPORARY | STYPE_SPECIAL):
        return None, ERROR_INVALID_PARAMETER, SHARE_TYPE_PARMNUM
    remark = (f.get("remark") or "").rstrip("\x00")
    if len(remark) > MAXCOMMENTSZ:
        return None, ERROR_INVALID_PARAMETER, SHARE_REMARK_PARMNUM
    path = (f.get("path") or "").rstrip("\x00")
    if base == STYPE_DISKTREE and not _local_directory(path):
        # A disk share names a local directory (3.1.4.7); the emulated machine has no file
        # system, so any absolute drive path ("C:\", "D:\data") is taken to exist (U: the exact
        # code for a missing directory on Windows; lmerr.h's NERR_UnknownDevDir is its meaning).
        return None, NERR_UNKNOWN_DEV_DIR, 0
    if ctx.server.directory.share(name) is not None:
        return None, NERR_DUPLICATE_SHARE, 0
    share_type = "disk" if base == STYPE_DISKTREE else "print"
    share = ctx.server.directory.make_share(
        # a hidden name ("Tools$") is not STYPE_SPECIAL: that bit marks the administrative shares
        name=name, type=share_type, special=bool(stype & STYPE_SPECIAL),
        comment=remark, path=path, max_uses=f.get("max_uses", 0xFFFFFFFF),
        security_descriptor=_security_descriptor(f.get("security_descriptor")),
        temporary=bool(stype & STYPE_TEMPORARY))
    return share, NERR_SUCCESS, 0


def _local_directory(path: str) -> bool:
    """``X:\\...``: an absolute path on a drive of the machine."""
    return len(path) >= 3 and path[0].isalpha() and path[1] == ":" and path[2] == "\\"


@INTERFACE.operation(14, "NetrShareAdd",
                     request=[("ServerName", SRVSVC_HANDLE), ("Level", uint32),
                              ("InfoStruct", SHARE_INFO), ("ParmErr", PDWORD)],
                     response=[("ParmErr", PDWORD)], returns="WERROR")
def NetrShareAdd(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.7: a new share at level 2, 502 or 503; ERROR_INVALID_LEVEL for another
    level, ERROR_INVALID_PARAMETER (with ParmErr) for a NULL structure or a bad member,
    ERROR_INVALID_NAME for a name NetprNameValidate refuses, NERR_DuplicateShare (2118) for a
    name already shared."""
    status = ctx.decide().status
    if status:
        return _failed(status, 0, request)
    level = request["Level"]
    if level not in ADD_LEVELS:
        return _failed(ERROR_INVALID_LEVEL, 0, request)
    _, info = request["InfoStruct"]
    if info is None:
        return _failed(ERROR_INVALID_PARAMETER, 0, request)
    share, status, parm_err = _new_share(ctx, level, info)
    if status:
        return _failed(status, parm_err, request)
    directory = ctx.server.directory
    directory.replace_shares((*directory.shares, share))
    _report(ctx, "added", share)
    return _failed(NERR_SUCCESS, 0, request)


# -------------------------------------------------------------------------------------------
# NetrShareSetInfo (17)
# -------------------------------------------------------------------------------------------


def _changed(share: Any, level: int, f: dict[str, Any]) -> tuple[Any, int]:
    """The share with what ``level`` may change (MS-SRVS 3.1.4.11: the remark, the maximum uses,
    the flags and the security descriptor; the name, type, path and password are not changed by
    SetInfo), or (None, ParmErr) for a bad member."""
    changes: dict[str, Any] = {}
    if "remark" in f:
        remark = (f["remark"] or "").rstrip("\x00")
        if len(remark) > MAXCOMMENTSZ:
            return None, SHARE_REMARK_PARMNUM
        changes["comment"] = remark
    if "max_uses" in f and level in (2, 502, 503, 1006):
        changes["max_uses"] = f["max_uses"]
    if "flags" in f:
        changes["flags"] = f["flags"]
    if "security_descriptor" in f:
        changes["security_descriptor"] = _security_descriptor(f["security_descriptor"])
    return dataclasses.replace(share, **changes), 0


@INTERFACE.operation(17, "NetrShareSetInfo",
                     request=[("ServerName", SRVSVC_HANDLE), ("NetName", WStringRef),
                              ("Level", uint32), ("ShareInfo", SHARE_INFO), ("ParmErr", PDWORD)],
                     response=[("ParmErr", PDWORD)], returns="WERROR")
def NetrShareSetInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.11: change a share's remark (1, 2, 502, 503, 1004), maximum uses (2, 502,
    503, 1006), flags (1005) or security descriptor (502, 503, 1501); NERR_NetNameNotFound for an
    unknown share."""
    status = ctx.decide().status
    if status:
        return _failed(status, 0, request)
    level = request["Level"]
    if level not in SET_LEVELS:
        return _failed(ERROR_INVALID_LEVEL, 0, request)
    _, info = request["ShareInfo"]
    if info is None:
        return _failed(ERROR_INVALID_PARAMETER, 0, request)
    directory = ctx.server.directory
    share = directory.share(request["NetName"])
    if share is None:
        return _failed(NERR_NET_NAME_NOT_FOUND, 0, request)
    new, parm_err = _changed(share, level, _fields(level, info))
    if new is None:
        return _failed(ERROR_INVALID_PARAMETER, parm_err, request)
    if new != share:
        directory.replace_shares(tuple(new if s is share else s for s in directory.shares))
        _report(ctx, "modified", new, old=share)
    return _failed(NERR_SUCCESS, 0, request)


# -------------------------------------------------------------------------------------------
# NetrShareDel (18), NetrShareDelSticky (19), NetrShareDelStart (37) / Commit (38), DelEx (57)
# -------------------------------------------------------------------------------------------


def _delete(ctx: CallContext, name: str) -> int:
    """Remove the share ``name``: NERR_Success, or NERR_NetNameNotFound (3.1.4.12)."""
    directory = ctx.server.directory
    share = directory.share(name or "")
    if share is None:
        return NERR_NET_NAME_NOT_FOUND
    directory.replace_shares(tuple(s for s in directory.shares if s is not share))
    _report(ctx, "deleted", share)
    return NERR_SUCCESS


_DEL_IN: Final = [("ServerName", SRVSVC_HANDLE), ("NetName", WStringRef), ("Reserved", uint32)]


@INTERFACE.operation(18, "NetrShareDel", request=_DEL_IN, returns="WERROR")
def NetrShareDel(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.12: delete a share by name."""
    status = ctx.decide().status
    return {"ReturnValue": status or _delete(ctx, request["NetName"])}


@INTERFACE.operation(19, "NetrShareDelSticky", request=_DEL_IN, returns="WERROR")
def NetrShareDelSticky(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.13: the share stops being persistent but stays shared until the server
    stops.  No share is persisted here, so only the name is checked."""
    status = ctx.decide().status
    if not status and ctx.server.directory.share(request["NetName"]) is None:
        status = NERR_NET_NAME_NOT_FOUND
    return {"ReturnValue": status}


@INTERFACE.operation(37, "NetrShareDelStart", request=_DEL_IN,
                     response=[("ContextHandle", ContextHandle)], returns="WERROR")
def NetrShareDelStart(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.14: the first phase of a two-phase delete: the share is looked up and a
    handle naming it returned; NetrShareDelCommit deletes it.  (The share stays listed until
    then; U: whether Windows refuses new tree connects to it in between.)"""
    null = bytes(20)
    status = ctx.decide().status
    if status:
        return {"ContextHandle": null, "ReturnValue": status}
    share = ctx.server.directory.share(request["NetName"])
    if share is None:
        return {"ContextHandle": null, "ReturnValue": NERR_NET_NAME_NOT_FOUND}
    handle = ctx.handles.create(_DEL_HANDLE, share.name)
    return {"ContextHandle": handle, "ReturnValue": NERR_SUCCESS}


@INTERFACE.operation(38, "NetrShareDelCommit", request=[("ContextHandle", ContextHandle)],
                     response=[("ContextHandle", ContextHandle)], returns="WERROR")
def NetrShareDelCommit(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.15: delete the share NetrShareDelStart named and close the handle (a zero
    handle comes back).  A handle srvsvc never issued to this caller (or already committed) is
    rejected by the RPC runtime before the routine runs: fault nca_s_fault_context_mismatch
    (C706 14.3.11, ``HandleTable.issued``).  A NULL handle passes the runtime (an [in, out]
    context handle may be NULL on input, C706 5.1.6) and, like one of another kind, is
    ERROR_INVALID_HANDLE (U: Windows' exact code)."""
    handle = request["ContextHandle"]
    status = ctx.decide().status
    if status:
        return {"ContextHandle": handle, "ReturnValue": status}
    if any(handle):
        ctx.handles.issued(handle, "srvsvc")
    entry = ctx.handles.close(handle, _DEL_HANDLE)
    if entry is None:
        return {"ContextHandle": handle, "ReturnValue": ERROR_INVALID_HANDLE}
    return {"ContextHandle": bytes(20), "ReturnValue": _delete(ctx, entry.obj)}


@INTERFACE.operation(57, "NetrShareDelEx",
                     request=[("ServerName", SRVSVC_HANDLE), ("Level", uint32),
                              ("ShareInfo", SHARE_INFO)], returns="WERROR")
def NetrShareDelEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.47: delete the share a SHARE_INFO_503_I names (netname, and servername for
    a scoped share; "*" or NULL is the unscoped one: the only kind here); level 503 only."""
    status = ctx.decide().status
    if status:
        return {"ReturnValue": status}
    if request["Level"] != 503:
        return {"ReturnValue": ERROR_INVALID_LEVEL}
    _, info = request["ShareInfo"]
    if info is None:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    return {"ReturnValue": _delete(ctx, (info.get("shi503_netname") or "").rstrip("\x00"))}


__all__ = ["NetrShareAdd", "NetrShareSetInfo", "NetrShareDel", "NetrShareDelSticky",
           "NetrShareDelStart", "NetrShareDelCommit", "NetrShareDelEx"]
