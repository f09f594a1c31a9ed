"""Group memberships and object existence: IDL_DRSGetMemberships (9, MS-DRSR 4.1.8),
IDL_DRSGetMemberships2 (21, 4.1.9) and IDL_DRSGetObjectExistence (23, 4.1.12).

The membership graph (4.1.8.3) is the fixture's: the account domain's global groups (their
members include each user's primary group, as the directory builds them on a DC), its
domain-local groups (SAM aliases) and BUILTIN's.  Enterprise Admins (519) and Schema Admins (518)
are universal groups in a forest root domain (MS-ADTS 6.1.1.6.x: groupType of the well-known
forest groups); the other account-domain groups are global.  Group objects are named as the
directory names them (``objects``); domain-local groups under ``CN=Users`` and BUILTIN's aliases
under ``CN=Builtin`` (MS-ADTS 6.1.1.4 well-known containers).

Access: DS-Replication-Get-Changes on the default NC for the memberships (4.1.8.3 "if not
AccessCheckCAR(DefaultNC(), DS-Replication-Get-Changes) then return ERROR_DS_DRA_ACCESS_DENIED",
as Microsoft's protocol test suite quotes it in Failures/DrsGetMembershipsFailures.cs and asserts
it for a domain user) and on the NC for the object existence (4.1.12.3, likewise
Failures/DrsGetObjectExistenceFailures.cs): the policy's drsuapi rules (administrators).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import uint32
from smbemu.sid import Sid
from smbemu.status import ERROR_DS_DRA_ACCESS_DENIED, ERROR_DS_DRA_INVALID_PARAMETER, ERROR_SUCCESS

from .admin_types import (
    DRS_MSG_EXISTREPLY,
    DRS_MSG_EXISTREQ,
    DRS_MSG_GETMEMBERSHIPS2_REPLY,
    DRS_MSG_GETMEMBERSHIPS2_REQ,
    DRS_MSG_REVMEMB_REPLY,
    DRS_MSG_REVMEMB_REQ,
)
from .objects import INTERFACE, DirectoryObject, DsaIdentity, bound, dsname, dsname_parts, find_object, identity
from .replication import nc_objects
from .topology import naming_context
from .types import DRS_HANDLE

#: 4.1.8.1.3 REVERSE_MEMBERSHIP_OPERATION_TYPE.
REV_GROUPS_FOR_USER: Final = 1
REV_ALIAS_MEMBERSHIP: Final = 2
REV_ACCOUNT_GROUPS: Final = 3
REV_RESOURCE_GROUPS: Final = 4
REV_UNIVERSAL_GROUPS: Final = 5
GROUP_MEMBERS_TRANSITIVE: Final = 6
REV_GLOBAL_GROUPS_NON_TRANSITIVE: Final = 7
#: 4.1.8.1.2 dwFlags DRS_REVMEMB_FLAG_GET_ATTRIBUTES.
DRS_REVMEMB_FLAG_GET_ATTRIBUTES: Final = 0x00000001
#: MS-DTYP 2.4.2.4 / MS-PAC 2.2.1: SE_GROUP_MANDATORY | ENABLED_BY_DEFAULT | ENABLED, and
#: SE_GROUP_RESOURCE for domain-local groups.
SE_GROUP_DEFAULT: Final = 0x00000007
SE_GROUP_RESOURCE: Final = 0x20000000
#: Forest-root universal groups (module docstring).
UNIVERSAL_RIDS: Final = frozenset({518, 519})
BUILTIN_SID: Final = Sid.parse("S-1-5-32")
#: 4.1.12.1.3 dwStatusFlags: DRS_EXIST_MATCH.
DRS_EXIST_MATCH: Final = 0x00000001


def _group_objects(ctx: CallContext, me: DsaIdentity) -> list[tuple[DirectoryObject, str]]:
    """Every group of the graph with its kind: "global", "universal", "local" or "builtin"."""
    directory = ctx.server.directory
    out: list[tuple[DirectoryObject, str]] = []
    for group in directory.account_domain.groups:
        dn = f"CN={group.name},CN=Users,{me.domain_dn}"
        out.append((DirectoryObject(dn, me.guid_of(dn), group.sid, group),
                    "universal" if group.rid in UNIVERSAL_RIDS else "global"))
    for alias in directory.account_domain.aliases:
        dn = f"CN={alias.name},CN=Users,{me.domain_dn}"
        out.append((DirectoryObject(dn, me.guid_of(dn), alias.sid, alias), "local"))
    for alias in directory.builtin_domain.aliases:
        dn = f"CN={alias.name},CN=Builtin,{me.domain_dn}"
        out.append((DirectoryObject(dn, me.guid_of(dn), alias.sid, alias), "builtin"))
    return out


def _resolve(ctx: CallContext, groups: list[tuple[DirectoryObject, str]], value: dict[str, Any] | None) -> DirectoryObject | None:
    if value is None:
        return None
    text, guid, sid = dsname_parts(value)
    found = find_object(ctx, dn=text, guid=guid, sid=sid)
    if found is not None:
        return found
    for obj, _kind in groups:
        if (guid.int and obj.guid == guid) or (sid is not None and obj.sid == sid) \
                or (text and obj.dn.lower() == text.lower()):
            return obj
    return None


def _kinds(operation: int, limiting_builtin: bool) -> set[str]:
    """The groups an operation type follows (4.1.8.1.3), BUILTIN's only when the limiting
    domain is BUILTIN."""
    if operation in (REV_GROUPS_FOR_USER, REV_ACCOUNT_GROUPS, REV_GLOBAL_GROUPS_NON_TRANSITIVE):
        return {"global"}  # account (global) groups: confined to the domain, not universal
    if operation in (REV_ALIAS_MEMBERSHIP, REV_RESOURCE_GROUPS):
        return {"builtin"} if limiting_builtin else {"local"}
    if operation == REV_UNIVERSAL_GROUPS:
        return {"universal"}
    return {"global", "universal", "local", "builtin"}


def reverse_membership(ctx: CallContext, message: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """(status, DRS_MSG_REVMEMB_REPLY_V1) for one request (4.1.8.3)."""
    me = identity(ctx)
    groups = _group_objects(ctx, me)
    operation = int(message["OperationType"])
    names = list(message["ppDsNames"] or [])
    empty = {"errCode": 0, "cDsNames": 0, "cSidHistory": 0, "ppDsNames": None, "pAttributes": None,
             "ppSidHistory": None}
    if not 1 <= operation <= 7 or not 1 <= len(names) <= 10000:
        return ERROR_DS_DRA_INVALID_PARAMETER, empty
    limiting = message["pLimitingDomain"]
    limiting_builtin = limiting is not None and dsname_parts(limiting)[2] == BUILTIN_SID
    kinds = _kinds(operation, limiting_builtin)
    starts = [obj for obj in (_resolve(ctx, groups, value) for value in names) if obj is not None]
    if operation == GROUP_MEMBERS_TRANSITIVE:
        found = _members_closure(ctx, me, groups, starts)
    else:
        transitive = operation in (REV_ACCOUNT_GROUPS, REV_RESOURCE_GROUPS, REV_UNIVERSAL_GROUPS)
        found = _membership_closure(groups, kinds, starts, transitive)
    start_sids = {obj.sid for obj in starts}
    result = [obj for obj in found if obj.sid not in start_sids]
    with_attributes = bool(int(message["dwFlags"]) & DRS_REVMEMB_FLAG_GET_ATTRIBUTES)
    kind_of = {obj.sid: kind for obj, kind in groups}
    attributes = [SE_GROUP_DEFAULT | (SE_GROUP_RESOURCE if kind_of.get(obj.sid) == "local" else 0)
                  for obj in result]
    reply = dict(empty, cDsNames=len(result), ppDsNames=[dsname(obj) for obj in result] or None,
                 pAttributes=(attributes or None) if with_attributes else None)
    return ERROR_SUCCESS, reply


def _membership_closure(groups: list[tuple[DirectoryObject, str]], kinds: set[str],
                        starts: Iterable[DirectoryObject], transitive: bool) -> list[DirectoryObject]:
    """The groups of ``kinds`` the starting objects are members of (transitively or not)."""
    found: list[DirectoryObject] = []
    frontier = [obj.sid for obj in starts if obj.sid is not None]
    seen = set(frontier)
    while frontier:
        sid = frontier.pop(0)
        for obj, kind in groups:
            if kind in kinds and sid in obj.account.members and obj.sid is not None and obj.sid not in seen:
                seen.add(obj.sid)
                found.append(obj)
                if transitive:
                    frontier.append(obj.sid)
    return found


def _members_closure(ctx: CallContext, me: DsaIdentity, groups: list[tuple[DirectoryObject, str]],
                     starts: Iterable[DirectoryObject]) -> list[DirectoryObject]:
    """GroupMembersTransitive: every member of the starting groups, transitively."""
    by_sid: dict[Any, DirectoryObject] = {obj.sid: obj for obj, _kind in groups}
    found: list[DirectoryObject] = []
    frontier = [obj for obj in starts]
    seen = {obj.sid for obj in frontier}
    while frontier:
        group = frontier.pop(0)
        for member_sid in getattr(group.account, "members", ()) or ():
            if member_sid in seen:
                continue
            seen.add(member_sid)
            member = by_sid.get(member_sid) or find_object(ctx, sid=member_sid)
            if member is not None:
                found.append(member)
                frontier.append(member)
    return found


def _refusal(message_reply: dict[str, Any]) -> dict[str, Any]:
    return {"pdwOutVersion": 1, "pmsgOut": (1, message_reply), "ReturnValue": ERROR_DS_DRA_ACCESS_DENIED}


_EMPTY_REPLY: Final = {"errCode": 0, "cDsNames": 0, "cSidHistory": 0, "ppDsNames": None, "pAttributes": None,
                       "ppSidHistory": None}


@INTERFACE.operation(9, "IDL_DRSGetMemberships",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32), ("pmsgIn", DRS_MSG_REVMEMB_REQ)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", DRS_MSG_REVMEMB_REPLY)], returns="WERROR")
def IDL_DRSGetMemberships(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.8.3: version other than 1 -> ERROR_DS_DRA_INVALID_PARAMETER; then the
    memberships of the named objects (module docstring).  Names that resolve to no object add
    nothing (U)."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgIn"]
    if request["dwInVersion"] != 1:
        return {"pdwOutVersion": 1, "pmsgOut": (1, _EMPTY_REPLY), "ReturnValue": ERROR_DS_DRA_INVALID_PARAMETER}
    if ctx.decide().status:
        return _refusal(_EMPTY_REPLY)
    status, reply = reverse_membership(ctx, message)
    return {"pdwOutVersion": 1, "pmsgOut": (1, reply), "ReturnValue": status}


@INTERFACE.operation(21, "IDL_DRSGetMemberships2",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32), ("pmsgIn", DRS_MSG_GETMEMBERSHIPS2_REQ)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", DRS_MSG_GETMEMBERSHIPS2_REPLY)],
                     returns="WERROR")
def IDL_DRSGetMemberships2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.9.2: IDL_DRSGetMemberships for each request of the sequence, the replies in
    the same order; the first failing request's status fails the call (U)."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgIn"]
    empty = {"Count": 0, "Replies": None}
    requests = list(message["Requests"] or [])
    if request["dwInVersion"] != 1 or not 1 <= len(requests) <= 10000:
        return {"pdwOutVersion": 1, "pmsgOut": (1, empty), "ReturnValue": ERROR_DS_DRA_INVALID_PARAMETER}
    if ctx.decide().status:
        return {"pdwOutVersion": 1, "pmsgOut": (1, empty), "ReturnValue": ERROR_DS_DRA_ACCESS_DENIED}
    replies = []
    for one in requests:
        status, reply = reverse_membership(ctx, one)
        if status:
            return {"pdwOutVersion": 1, "pmsgOut": (1, empty), "ReturnValue": status}
        replies.append(reply)
    return {"pdwOutVersion": 1, "pmsgOut": (1, {"Count": len(replies), "Replies": replies}),
            "ReturnValue": ERROR_SUCCESS}


def object_guids(ctx: CallContext, nc: DirectoryObject, start: uuid.UUID, count: int) -> list[uuid.UUID]:
    """4.1.12.3: the objectGUIDs of the NC's objects above ``start``, in ascending order, at most
    ``count`` of them (GUIDs compare as their 16-byte wire form, MS-DTYP 2.3.4)."""
    me = identity(ctx)
    guids = sorted((obj.guid for obj in nc_objects(ctx, me, nc)), key=lambda g: g.bytes_le)
    return [g for g in guids if g.bytes_le > start.bytes_le][:count]


@INTERFACE.operation(23, "IDL_DRSGetObjectExistence",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32), ("pmsgIn", DRS_MSG_EXISTREQ)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", DRS_MSG_EXISTREPLY)], returns="WERROR")
def IDL_DRSGetObjectExistence(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.12.3: the NULL guidStart, or an NC of which this DC holds no master replica
    -> ERROR_DS_DRA_INVALID_PARAMETER; no DS-Replication-Get-Changes on the NC ->
    ERROR_DS_DRA_ACCESS_DENIED (the three as Failures/DrsGetObjectExistenceFailures.cs of
    Microsoft's protocol test suite quotes and asserts them).  Then the server takes the cGuids objectGUIDs of the NC after guidStart in
    order, and their MD5 digest: equal to the client's Md5Digest -> DRS_EXIST_MATCH and no
    GUIDs; else the GUIDs themselves."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgIn"]
    empty: dict[str, Any] = {"dwStatusFlags": 0, "cNumGuids": 0, "rgGuids": None}
    start = message["guidStart"] or uuid.UUID(int=0)
    nc = naming_context(ctx, message["pNC"])
    if request["dwInVersion"] != 1 or not start.int or nc is None:
        return {"pdwOutVersion": 1, "pmsgOut": (1, empty), "ReturnValue": ERROR_DS_DRA_INVALID_PARAMETER}
    if ctx.decide().status:
        return {"pdwOutVersion": 1, "pmsgOut": (1, empty), "ReturnValue": ERROR_DS_DRA_ACCESS_DENIED}
    guids = object_guids(ctx, nc, start, int(message["cGuids"]))
    digest = hashlib.md5(b"".join(g.bytes_le for g in guids)).digest()
    if digest == bytes(message["Md5Digest"]):
        reply: dict[str, Any] = {"dwStatusFlags": DRS_EXIST_MATCH, "cNumGuids": 0, "rgGuids": None}
    else:
        reply = {"dwStatusFlags": 0, "cNumGuids": len(guids), "rgGuids": guids or None}
    return {"pdwOutVersion": 1, "pmsgOut": (1, reply), "ReturnValue": ERROR_SUCCESS}
