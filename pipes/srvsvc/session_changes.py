"""srvsvc changes an administrator makes to the running server beyond its shares: NetrSessionDel
(MS-SRVS 3.1.4.6), NetrFileClose (3.1.4.4), NetrServerAliasAdd (3.1.4.44) and NetrServerAliasDel
(3.1.4.46); the aliases are listed by NetrServerAliasEnum (3.1.4.45, ``transports``).

* **NetrSessionDel** ends the real SMB sessions it names: srvsvc stops listing them at once
  (``objects.all_sessions``) and the SMB layer tears each down at its next request, answered
  STATUS_USER_SESSION_DELETED (SMB1: ERRbaduid), its tree connects and pipes closed, a 4634
  logged off.  The caller may delete its own session (impacket's test deletes the first listed
  session, often its own): the call is answered NERR_Success and the session ends once that reply
  has been read from its pipe (U: whether Windows' reply still reaches the caller; no public
  capture).
* **NetrFileClose** closes an open file by the id NetrFileEnum lists (here the open named pipes):
  the pipe's endpoint and its association group end, and the client's next I/O on it is answered
  STATUS_FILE_CLOSED (the open no longer exists).  The caller may close its own pipe: the reply
  still leaves the call (Windows' srvsvc answers before the close completes, U), later I/O fails.
* **Server aliases** (3.1.1.3 AliasList): kept per running server until it stops.
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext, PrincipalKind
from smbemu.rpc.ndr import WString, uint32
from smbemu.status import (
    ERROR_INVALID_LEVEL,
    ERROR_INVALID_PARAMETER,
    NERR_CLIENT_NAME_NOT_FOUND,
    NERR_DUPLICATE_SHARE,
    NERR_FILE_ID_NOT_FOUND,
    NERR_NET_NAME_NOT_FOUND,
    NERR_SUCCESS,
    NERR_USER_NOT_FOUND,
)

from .objects import INTERFACE, all_sessions
from .types import SERVER_ALIAS_INFO, SRVSVC_HANDLE

# -------------------------------------------------------------------------------------------
# NetrSessionDel (13)
# -------------------------------------------------------------------------------------------


def _client_of(session: Any) -> str:
    """The client name NetrSessionEnum shows (sesi*_cname without its ``\\\\``)."""
    return (getattr(session, "client_address", "") or session.principal.workstation or "").lower()


def _user_of(session: Any) -> str:
    return "" if session.principal.kind == PrincipalKind.ANONYMOUS else session.principal.user_name.lower()


@INTERFACE.operation(13, "NetrSessionDel",
                     request=[("ServerName", SRVSVC_HANDLE), ("ClientName", WString),
                              ("UserName", WString)], returns="WERROR")
def NetrSessionDel(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.6: end the sessions from ``ClientName`` (``\\\\`` + the client's name or
    address) of ``UserName``; either may be NULL (every client / every user), not both (U: the
    spec lists ERROR_INVALID_PARAMETER; no capture of the both-NULL case).  A client with no
    session is NERR_ClientNameNotFound (2312); a user with none there NERR_UserNotFound (2221)."""
    status = ctx.decide().status
    if status:
        return {"ReturnValue": status}
    client, user = request["ClientName"] or "", request["UserName"] or ""
    if client and not client.startswith("\\\\"):
        # "a NULL (zero-length) string; or a string that MUST begin with \\" (3.1.4.6)
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    if not client and not user:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    sessions = all_sessions(ctx)
    if client:
        wanted = client[2:].lower()
        sessions = [s for s in sessions if _client_of(s) == wanted]
        if not sessions:
            return {"ReturnValue": NERR_CLIENT_NAME_NOT_FOUND}
    if user:
        sessions = [s for s in sessions if _user_of(s) == user.lower()]
        if not sessions:
            return {"ReturnValue": NERR_USER_NOT_FOUND}
    for session in sessions:
        session.deleted = True
    return {"ReturnValue": NERR_SUCCESS}


# -------------------------------------------------------------------------------------------
# NetrFileClose (11)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(11, "NetrFileClose",
                     request=[("ServerName", SRVSVC_HANDLE), ("FileId", uint32)],
                     returns="WERROR")
def NetrFileClose(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.4: force the open with this id (NetrFileEnum's fi*_id) closed;
    NERR_FileIdNotFound (2314) when there is none."""
    status = ctx.decide().status
    if status:
        return {"ReturnValue": status}
    file_id = request["FileId"]
    for session in all_sessions(ctx):
        for volatile_id, open_ in list(session.opens.items()):
            if volatile_id & 0xFFFFFFFF != file_id:
                continue
            session.opens.pop(volatile_id, None)
            endpoint, open_.endpoint = open_.endpoint, None
            own = (session.session_id == ctx.session_id and endpoint is not None
                   and getattr(endpoint, "assoc_group_id", None) == ctx.assoc_group_id)
            # the caller's own pipe: its endpoint is answering this very call, so it is left to
            # finish (unreachable from now on: the open is gone); any other leaves its group now
            if endpoint is not None and not own and hasattr(endpoint, "close"):
                endpoint.close()
            return {"ReturnValue": NERR_SUCCESS}
    return {"ReturnValue": NERR_FILE_ID_NOT_FOUND}


# -------------------------------------------------------------------------------------------
# NetrServerAliasAdd (54), NetrServerAliasDel (56)
# -------------------------------------------------------------------------------------------

#: Where the AliasList (3.1.1.3) lives: per running server (``ctx.server.memo``).
ALIASES: Final = "srvsvc.aliases"


def server_aliases(ctx: CallContext) -> dict[str, dict[str, Any]]:
    """The AliasList: alias (lower case) -> its SERVER_ALIAS_INFO_0 as added."""
    aliases: dict[str, dict[str, Any]] = ctx.server.memo(ALIASES, dict)
    return aliases


def _server_names(ctx: CallContext) -> set[str]:
    """The names Alias.target may take: a Transport.ServerName (3.1.1.3), i.e. the machine's
    NetBIOS or DNS name, or an address the client reached it on (impacket names the target by
    the address it connected to)."""
    machine = ctx.server.directory.machine
    names = {machine.netbios_name.lower(), (machine.dns_name or "").lower()}
    session = ctx.server.sessions.get(ctx.session_id)
    names.add((getattr(session, "server_address", "") or "").lower())
    names.discard("")
    return names


_ALIAS_IN: Final = [("ServerName", SRVSVC_HANDLE), ("Level", uint32),
                    ("InfoStruct", SERVER_ALIAS_INFO)]


def _alias_info(request: dict[str, Any]) -> tuple[dict[str, Any] | None, int]:
    if request["Level"] != 0:
        return None, ERROR_INVALID_LEVEL
    _, info = request["InfoStruct"]
    if info is None:
        return None, ERROR_INVALID_PARAMETER
    return info, NERR_SUCCESS


@INTERFACE.operation(54, "NetrServerAliasAdd", request=_ALIAS_IN, returns="WERROR")
def NetrServerAliasAdd(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.44: add an alias of this server (level 0).  The alias MUST be non-empty
    unless srvai0_default is set (2.2.4.102); the target MUST be one of the server's names
    (3.1.1.3), else ERROR_INVALID_PARAMETER; an alias already listed is NERR_DuplicateShare
    (2118, "The alias already exists")."""
    status = ctx.decide().status
    if status:
        return {"ReturnValue": status}
    info, status = _alias_info(request)
    if info is None:
        return {"ReturnValue": status}
    alias = (info["srvai0_alias"] or "").rstrip("\x00")
    target = (info["srvai0_target"] or "").rstrip("\x00")
    default = bool(info["srvai0_default"])
    if (not alias and not default) or (alias and default) or not target:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    if target.lstrip("\\").lower() not in _server_names(ctx):
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    aliases = server_aliases(ctx)
    if alias.lower() in aliases:
        return {"ReturnValue": NERR_DUPLICATE_SHARE}
    aliases[alias.lower()] = {"srvai0_alias": alias, "srvai0_target": target,
                              "srvai0_default": default, "srvai0_reserved": 0}
    return {"ReturnValue": NERR_SUCCESS}


@INTERFACE.operation(56, "NetrServerAliasDel", request=_ALIAS_IN, returns="WERROR")
def NetrServerAliasDel(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.46: remove an alias by name (target and default are ignored);
    NERR_NetNameNotFound (2310, "The alias does not exist")."""
    status = ctx.decide().status
    if status:
        return {"ReturnValue": status}
    info, status = _alias_info(request)
    if info is None:
        return {"ReturnValue": status}
    alias = (info["srvai0_alias"] or "").rstrip("\x00")
    if not alias:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    if server_aliases(ctx).pop(alias.lower(), None) is None:
        return {"ReturnValue": NERR_NET_NAME_NOT_FOUND}
    return {"ReturnValue": NERR_SUCCESS}
