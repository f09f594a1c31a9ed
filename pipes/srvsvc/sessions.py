"""srvsvc sessions, connections and open files, from the live server state: NetrSessionEnum
(MS-SRVS 3.1.4.5), NetrConnectionEnum (3.1.4.1), NetrFileEnum (3.1.4.2) and NetrFileGetInfo
(3.1.4.3)."""

from __future__ import annotations

import time
from typing import Any, Final

from smbemu.rpc import CallContext, PrincipalKind
from smbemu.rpc.ndr import Pointer, WString, uint32
from smbemu.status import (
    ERROR_INVALID_LEVEL,
    ERROR_INVALID_PARAMETER,
    NERR_CLIENT_NAME_NOT_FOUND,
    NERR_FILE_ID_NOT_FOUND,
    NERR_NET_NAME_NOT_FOUND,
    NERR_SUCCESS,
    NERR_USER_NOT_FOUND,
)

from .objects import INTERFACE, all_sessions, enum_error, enum_reply
from .types import (
    CONNECT_ENUM_STRUCT,
    CONNECTION_LEVELS,
    ENUM_TAIL_IN,
    ENUM_TAIL_OUT,
    FILE_ENUM_STRUCT,
    FILE_INFO,
    FILE_LEVELS,
    PERM_FILE_READ,
    PERM_FILE_WRITE,
    SESS_GUEST,
    SESSION_ENUM_STRUCT,
    SESSION_LEVELS,
    SRVSVC_HANDLE,
    STYPE_SPECIAL,
)


def _user_name(session: Any) -> str:
    """sesi*_username: the account name; empty for the null session (as Windows lists it)."""
    return "" if session.principal.kind == PrincipalKind.ANONYMOUS else session.principal.user_name


def _client_name(session: Any) -> str:
    """sesi*_cname: ``\\\\`` + the client's address (Windows shows ``\\\\127.0.0.1`` for SMB2
    clients); the NTLM workstation name if the address was never recorded."""
    address = getattr(session, "client_address", "") or session.principal.workstation or ""
    return "\\\\" + address


def _seconds_since(moment: float) -> int:
    return max(0, int(time.time() - moment)) if moment else 0


# -------------------------------------------------------------------------------------------
# Sessions, connections, open files: NetrSessionEnum (12), NetrConnectionEnum (8),
# NetrFileEnum (9), NetrFileGetInfo (10)
# -------------------------------------------------------------------------------------------

#: sesi502_transport for a direct-hosted (port 445) SMB connection (W).
_TRANSPORT: Final = "\\Device\\NetbiosSmb"


def _session_entry(session: Any, level: int) -> dict[str, Any]:
    cname, user = _client_name(session), _user_name(session)
    if level == 0:
        return {"sesi0_cname": cname}
    age = _seconds_since(session.created_at)
    if level == 10:
        # idle time is not tracked by the SMB layer: 0
        return {"sesi10_cname": cname, "sesi10_username": user, "sesi10_time": age,
                "sesi10_idle_time": 0}
    p = f"sesi{level}_"
    entry: dict[str, Any] = {
        f"{p}cname": cname, f"{p}username": user, f"{p}num_opens": len(session.opens),
        f"{p}time": age, f"{p}idle_time": 0,
        f"{p}user_flags": SESS_GUEST if session.principal.kind == PrincipalKind.GUEST else 0}
    if level in (2, 502):
        # cltype_name is the client's SMB1 NativeOS; SMB2 carries none: empty.
        entry[f"{p}cltype_name"] = ""
    if level == 502:
        entry["sesi502_transport"] = _TRANSPORT
    return entry


def _strip_unc(name: str) -> str:
    return name[2:] if name.startswith("\\\\") else name


@INTERFACE.operation(12, "NetrSessionEnum",
                     request=[("ServerName", SRVSVC_HANDLE), ("ClientName", WString),
                              ("UserName", WString),
                              ("InfoStruct", Pointer(SESSION_ENUM_STRUCT, "ref")),
                              *ENUM_TAIL_IN],
                     response=[("InfoStruct", Pointer(SESSION_ENUM_STRUCT, "ref")),
                               *ENUM_TAIL_OUT],
                     returns="WERROR")
def NetrSessionEnum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.5: the real current sessions, optionally filtered by client (``\\\\addr``)
    and user; NERR_ClientNameNotFound / NERR_UserNotFound when a filter matches nothing."""
    level = request["InfoStruct"]["Level"]
    if level not in SESSION_LEVELS:
        return enum_error(ctx, "SessionInfo", level, ERROR_INVALID_LEVEL, request)
    status = ctx.decide("NetrSessionEnum", level).status
    if status:
        return enum_error(ctx, "SessionInfo", level, status, request)
    sessions = all_sessions(ctx)
    client = request["ClientName"]
    if client:
        wanted = _strip_unc(client).lower()
        sessions = [s for s in sessions if _strip_unc(_client_name(s)).lower() == wanted]
        if not sessions:
            return enum_error(ctx, "SessionInfo", level, NERR_CLIENT_NAME_NOT_FOUND, request)
    user = request["UserName"]
    if user:
        sessions = [s for s in sessions if _user_name(s).lower() == user.lower()]
        if not sessions:
            return enum_error(ctx, "SessionInfo", level, NERR_USER_NOT_FOUND, request)
    entries = [_session_entry(s, level) for s in sessions]
    return enum_reply(ctx, "SessionInfo", level, entries, request)


def _tree_id(session: Any, tree: Any) -> int:
    """coni*_id: unique over the server (the session's low bits, then the tree id)."""
    return int((session.session_id & 0xFFFF) << 16 | tree.tree_id & 0xFFFF)


@INTERFACE.operation(8, "NetrConnectionEnum",
                     request=[("ServerName", SRVSVC_HANDLE), ("Qualifier", WString),
                              ("InfoStruct", Pointer(CONNECT_ENUM_STRUCT, "ref")),
                              *ENUM_TAIL_IN],
                     response=[("InfoStruct", Pointer(CONNECT_ENUM_STRUCT, "ref")),
                               *ENUM_TAIL_OUT],
                     returns="WERROR")
def NetrConnectionEnum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.1: the tree connects to a share (Qualifier = share name; netname is then
    the client) or from a client (Qualifier = ``\\\\client``; netname is the share).  A NULL or
    empty Qualifier is ERROR_INVALID_PARAMETER; an unknown share NERR_NetNameNotFound; a
    client with no session NERR_ClientNameNotFound."""
    level = request["InfoStruct"]["Level"]
    if level not in CONNECTION_LEVELS:
        return enum_error(ctx, "ConnectInfo", level, ERROR_INVALID_LEVEL, request)
    status = ctx.decide("NetrConnectionEnum", level).status
    if status:
        return enum_error(ctx, "ConnectInfo", level, status, request)
    qualifier = request["Qualifier"] or ""
    if not qualifier:
        return enum_error(ctx, "ConnectInfo", level, ERROR_INVALID_PARAMETER, request)
    directory = ctx.server.directory
    rows: list[tuple[Any, Any, str]] = []
    if qualifier.startswith("\\\\"):
        wanted = _strip_unc(qualifier).lower()
        sessions = [s for s in all_sessions(ctx)
                    if _strip_unc(_client_name(s)).lower() == wanted]
        if not sessions:
            return enum_error(ctx, "ConnectInfo", level, NERR_CLIENT_NAME_NOT_FOUND, request)
        rows = [(s, t, t.share_name) for s in sessions for t in s.tree_connects.values()]
    else:
        share = directory.share(qualifier)
        if share is None:
            return enum_error(ctx, "ConnectInfo", level, NERR_NET_NAME_NOT_FOUND, request)
        rows = [(s, t, _strip_unc(_client_name(s))) for s in all_sessions(ctx)
                for t in s.tree_connects.values() if t.share_name.lower() == share.name.lower()]
    entries: list[dict[str, Any]] = []
    for session, tree, netname in rows:
        if level == 0:
            entries.append({"coni0_id": _tree_id(session, tree)})
            continue
        share = directory.share(tree.share_name)
        entries.append({
            "coni1_id": _tree_id(session, tree),
            "coni1_type": (share.stype & ~STYPE_SPECIAL) if share is not None else 0,
            "coni1_num_opens": sum(1 for o in session.opens.values() if o.tree is tree),
            "coni1_num_users": 1,
            # tree connect times are not recorded: the session's age
            "coni1_time": _seconds_since(session.created_at),
            "coni1_username": _user_name(session), "coni1_netname": netname})
    return enum_reply(ctx, "ConnectInfo", level, entries, request)


def _open_files(ctx: CallContext) -> list[tuple[int, Any, Any]]:
    """(file id, session, open) for every open pipe: Windows lists them as ``\\PIPE\\name``."""
    files = []
    for session in all_sessions(ctx):
        for open_ in session.opens.values():
            files.append((open_.volatile_id & 0xFFFFFFFF, session, open_))
    return sorted(files, key=lambda f: f[0])


def _file_entry(file_id: int, session: Any, open_: Any, level: int) -> dict[str, Any]:
    if level == 2:
        return {"fi2_id": file_id}
    access = getattr(open_, "granted_access", 0)
    # FILE_READ_DATA (1) / FILE_WRITE_DATA (2) of the open as PERM_FILE_READ / PERM_FILE_WRITE
    permissions = (PERM_FILE_READ if access & 0x1 else 0) | (PERM_FILE_WRITE if access & 0x2 else 0)
    return {"fi3_id": file_id, "fi3_permissions": permissions, "fi3_num_locks": 0,
            "fi3_path_name": "\\PIPE\\" + open_.pipe_name, "fi3_username": _user_name(session)}


@INTERFACE.operation(9, "NetrFileEnum",
                     request=[("ServerName", SRVSVC_HANDLE), ("BasePath", WString),
                              ("UserName", WString),
                              ("InfoStruct", Pointer(FILE_ENUM_STRUCT, "ref")), *ENUM_TAIL_IN],
                     response=[("InfoStruct", Pointer(FILE_ENUM_STRUCT, "ref")),
                               *ENUM_TAIL_OUT],
                     returns="WERROR")
def NetrFileEnum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.2: the open files (here: the open named pipes), levels 2 and 3,
    filtered by path prefix and user name; administrators only."""
    level = request["InfoStruct"]["Level"]
    if level not in FILE_LEVELS:
        return enum_error(ctx, "FileInfo", level, ERROR_INVALID_LEVEL, request)
    status = ctx.decide("NetrFileEnum", level).status
    if status:
        return enum_error(ctx, "FileInfo", level, status, request)
    base, user = (request["BasePath"] or "").lower(), (request["UserName"] or "").lower()
    entries = []
    for file_id, session, open_ in _open_files(ctx):
        path = "\\pipe\\" + open_.pipe_name.lower()
        if base and not path.startswith(base):
            continue
        if user and _user_name(session).lower() != user:
            continue
        entries.append(_file_entry(file_id, session, open_, level))
    return enum_reply(ctx, "FileInfo", level, entries, request)


@INTERFACE.operation(10, "NetrFileGetInfo",
                     request=[("ServerName", SRVSVC_HANDLE), ("FileId", uint32),
                              ("Level", uint32)],
                     response=[("InfoStruct", FILE_INFO)], returns="WERROR")
def NetrFileGetInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.3: one open file by id; NERR_FileIdNotFound (2314) if there is none."""
    level = request["Level"]
    if level not in FILE_LEVELS:
        return {"InfoStruct": (level, None), "ReturnValue": ERROR_INVALID_LEVEL}
    status = ctx.decide("NetrFileGetInfo", level).status
    if status:
        return {"InfoStruct": (level, None), "ReturnValue": status}
    for file_id, session, open_ in _open_files(ctx):
        if file_id == request["FileId"]:
            return {"InfoStruct": (level, _file_entry(file_id, session, open_, level)),
                    "ReturnValue": NERR_SUCCESS}
    return {"InfoStruct": (level, None), "ReturnValue": NERR_FILE_ID_NOT_FOUND}
