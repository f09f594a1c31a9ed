"""samr groups and aliases, and looking accounts up: SamrLookupNamesInDomain /
SamrLookupIdsInDomain (MS-SAMR 3.1.5.11.2-3), SamrRidToSid, SamrGetAliasMembership (3.1.5.9.2),
SamrOpenGroup / Alias / User (3.1.5.1.7-9), SamrQueryInformationGroup / Alias (3.1.5.5.3-4),
SamrGetMembersInGroup / Alias (3.1.5.8.2-3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from smbemu.errors import RpcFault
from smbemu.policy.access import (
    ALIAS_LIST_MEMBERS,
    ALIAS_READ_INFORMATION,
    DOMAIN_GET_ALIAS_MEMBERSHIP,
    DOMAIN_LOOKUP,
    GROUP_LIST_MEMBERS,
    GROUP_READ_INFORMATION,
    MAXIMUM_ALLOWED,
    USER_CHANGE_PASSWORD,
    USER_WRITE_PREFERENCES,
    ObjectType,
)
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ConformantVaryingArray, Pointer, PSid, RpcUnicodeString, uint16, uint32
from smbemu.sid import SidNameUse
from smbemu.status import (
    RPC_X_INVALID_BOUND,
    STATUS_ACCESS_DENIED,
    STATUS_INVALID_INFO_CLASS,
    STATUS_NO_SUCH_ALIAS,
    STATUS_NO_SUCH_GROUP,
    STATUS_NO_SUCH_USER,
    STATUS_NONE_MAPPED,
    STATUS_SOME_NOT_MAPPED,
    STATUS_SUCCESS,
)

from .objects import (
    ALIAS,
    CREATOR_RIGHTS,
    DOMAIN,
    GROUP,
    INTERFACE,
    USER,
    SamObject,
    caller_sid,
    directory_of,
    error_response,
    lookup_handle,
)
from .types import (
    ALIAS_INFO_CLASSES,
    GROUP_INFO_CLASSES,
    MAX_LOOKUP,
    SAMPR_ALIAS_INFO_BUFFER,
    SAMPR_GET_MEMBERS_BUFFER,
    SAMPR_GROUP_INFO_BUFFER,
    SAMPR_HANDLE,
    SAMPR_PSID_ARRAY,
    SAMPR_RETURNED_USTRING_ARRAY,
    SAMPR_ULONG_ARRAY,
    SE_GROUP_DEFAULT,
)

# -------------------------------------------------------------------------------------------
# Lookups: names (17), ids (18), alias membership (16), RidToSid (65)
# -------------------------------------------------------------------------------------------


def _sid_use(account: Any) -> int:
    kind = type(account).__name__
    return {"User": SidNameUse.USER, "Group": SidNameUse.GROUP, "Alias": SidNameUse.ALIAS}.get(
        kind, SidNameUse.UNKNOWN)


def _ulong_array(values: Sequence[int]) -> dict[str, Any]:
    return {"Count": len(values), "Element": list(values) if values else None}


def _mapped_status(mapped: int, total: int) -> int:
    if total and not mapped:
        return STATUS_NONE_MAPPED
    return STATUS_SOME_NOT_MAPPED if mapped < total else STATUS_SUCCESS


@INTERFACE.operation(17, "SamrLookupNamesInDomain",
                     request=[("DomainHandle", SAMPR_HANDLE), ("Count", uint32),
                              ("Names", ConformantVaryingArray(RpcUnicodeString))],
                     response=[("RelativeIds", SAMPR_ULONG_ARRAY), ("Use", SAMPR_ULONG_ARRAY)])
def SamrLookupNamesInDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.11.2: DOMAIN_LOOKUP; names compared case-insensitively; unmapped names get
    RID 0 and SidTypeUnknown; STATUS_SOME_NOT_MAPPED / STATUS_NONE_MAPPED."""
    if request["Count"] > MAX_LOOKUP:
        raise _bound_fault()
    entry, status = lookup_handle(ctx, request["DomainHandle"], (DOMAIN.kind,), DOMAIN_LOOKUP)
    if entry is None:
        return error_response(ctx, status, RelativeIds=_ulong_array([]), Use=_ulong_array([]))
    status = ctx.decide("SamrLookupNamesInDomain").status
    if status:
        return error_response(ctx, status, RelativeIds=_ulong_array([]), Use=_ulong_array([]))
    domain = entry.obj.domain
    rids, uses = [], []
    for name in request["Names"][:request["Count"]]:
        account = domain.by_name(name or "")
        rids.append(account.rid if account is not None else 0)
        uses.append(_sid_use(account) if account is not None else SidNameUse.UNKNOWN)
    mapped = sum(1 for u in uses if u != SidNameUse.UNKNOWN)
    return {"RelativeIds": _ulong_array(rids), "Use": _ulong_array(uses),
            "ReturnValue": _mapped_status(mapped, len(uses))}


def _bound_fault() -> Exception:
    return RpcFault(RPC_X_INVALID_BOUND, "Count outside range(0, 1000)")


@INTERFACE.operation(18, "SamrLookupIdsInDomain",
                     request=[("DomainHandle", SAMPR_HANDLE), ("Count", uint32),
                              ("RelativeIds", ConformantVaryingArray(uint32))],
                     response=[("Names", SAMPR_RETURNED_USTRING_ARRAY),
                               ("Use", SAMPR_ULONG_ARRAY)])
def SamrLookupIdsInDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.11.3: DOMAIN_LOOKUP; unknown RIDs get an empty name and SidTypeUnknown."""
    if request["Count"] > MAX_LOOKUP:
        raise _bound_fault()
    empty = {"Count": 0, "Element": None}
    entry, status = lookup_handle(ctx, request["DomainHandle"], (DOMAIN.kind,), DOMAIN_LOOKUP)
    if entry is None:
        return error_response(ctx, status, Names=empty, Use=_ulong_array([]))
    status = ctx.decide("SamrLookupIdsInDomain").status
    if status:
        return error_response(ctx, status, Names=empty, Use=_ulong_array([]))
    domain = entry.obj.domain
    names, uses = [], []
    for rid in request["RelativeIds"][:request["Count"]]:
        account = domain.by_rid(rid)
        names.append(account.name if account is not None else "")
        uses.append(_sid_use(account) if account is not None else SidNameUse.UNKNOWN)
    mapped = sum(1 for u in uses if u != SidNameUse.UNKNOWN)
    return {"Names": {"Count": len(names), "Element": names if names else None},
            "Use": _ulong_array(uses), "ReturnValue": _mapped_status(mapped, len(uses))}


@INTERFACE.operation(16, "SamrGetAliasMembership",
                     request=[("DomainHandle", SAMPR_HANDLE), ("SidArray", SAMPR_PSID_ARRAY)],
                     response=[("Membership", SAMPR_ULONG_ARRAY)])
def SamrGetAliasMembership(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.9.2: DOMAIN_GET_ALIAS_MEMBERSHIP (3.1.2.2); the RIDs of the aliases of this
    domain that directly contain any of the SIDs.

    On a DC the domain handle's GrantedAccess is, by MS-SAMR 3.1.5.1.5 step 5, "the union of all
    bits in the DesiredAccess column ... where the client has the specified access" on the domain
    object's security descriptor -- every right the caller holds, whether it asked for it or not
    (the DS access check of the DC configuration).  So a DC's domain handle opened without
    DOMAIN_GET_ALIAS_MEMBERSHIP still answers this call for any caller holding the right (Everyone's
    DOMAIN_READ includes it): W, impacket's test_SamrGetAliasMembership, written against a 2012 R2 /
    2016 DC, opens the domain without the bit and expects STATUS_SUCCESS.  Off a DC (the local SAM,
    3.1.5.1.5's non-DC processing) the handle carries only what was asked."""
    entry, status = lookup_handle(ctx, request["DomainHandle"], (DOMAIN.kind,))
    if entry is None:
        return error_response(ctx, status, Membership=_ulong_array([]))
    granted = entry.granted_access
    if ctx.server_view.is_dc and not granted & DOMAIN_GET_ALIAS_MEMBERSHIP:
        granted |= ctx.grant(DOMAIN, MAXIMUM_ALLOWED) or 0
    if not ctx.require(granted, DOMAIN_GET_ALIAS_MEMBERSHIP, DOMAIN):
        return error_response(ctx, STATUS_ACCESS_DENIED, Membership=_ulong_array([]))
    status = ctx.decide("SamrGetAliasMembership").status
    if status:
        return error_response(ctx, status, Membership=_ulong_array([]))
    domain = entry.obj.domain
    wanted = {s["SidPointer"] for s in (request["SidArray"]["Sids"] or [])
              if s["SidPointer"] is not None}
    rids = sorted(a.rid for a in domain.aliases if wanted & {str(m) for m in a.members})
    return {"Membership": _ulong_array(rids), "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(65, "SamrRidToSid",
                     request=[("ObjectHandle", SAMPR_HANDLE), ("Rid", uint32)],
                     response=[("Sid", PSid)])
def SamrRidToSid(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.13.3: the SID of ``Rid`` in the domain of a domain/user/group/alias handle."""
    entry, status = lookup_handle(ctx, request["ObjectHandle"],
                                  (DOMAIN.kind, USER.kind, GROUP.kind, ALIAS.kind))
    if entry is None:
        return error_response(ctx, status)
    status = ctx.decide("SamrRidToSid").status
    if status:
        return error_response(ctx, status)
    return {"Sid": f"{entry.obj.domain.sid}-{request['Rid']}", "ReturnValue": STATUS_SUCCESS}


# -------------------------------------------------------------------------------------------
# Opening accounts: groups (19), aliases (27), users (34)
# -------------------------------------------------------------------------------------------


def _open_account(ctx: CallContext, request: dict[str, Any], operation: str, obj_type: ObjectType,
                  rid_field: str, handle_field: str, find: str, missing: int) -> dict[str, Any]:
    entry, status = lookup_handle(ctx, request["DomainHandle"], (DOMAIN.kind,), DOMAIN_LOOKUP)
    if entry is None:
        return error_response(ctx, status)
    desired = request["DesiredAccess"]
    status = ctx.decide(operation, access=desired).status
    if status:
        return error_response(ctx, status)
    domain = entry.obj.domain
    account = getattr(domain, find)(request[rid_field])
    if account is None:
        return error_response(ctx, missing)
    extra = 0
    if obj_type is USER and ctx.principal.user_name.lower() == account.name.lower() \
            and ctx.principal.user_name:
        # the user's own object grants it WRITE_PREFERENCES | CHANGE_PASSWORD (its DACL's
        # self ACE, see security_descriptor)
        extra = USER_WRITE_PREFERENCES | USER_CHANGE_PASSWORD
    if obj_type is USER:
        creator = directory_of(ctx).creator_of(account)
        if creator is not None and creator == caller_sid(ctx):
            # the creator of a computer account added under the machine-account quota
            extra |= CREATOR_RIGHTS
    granted = ctx.grant(obj_type, desired, extra=extra)
    if granted is None:
        return error_response(ctx, STATUS_ACCESS_DENIED)
    return {handle_field: ctx.handles.create(obj_type.kind, SamObject(domain, account), granted),
            "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(19, "SamrOpenGroup",
                     request=[("DomainHandle", SAMPR_HANDLE), ("DesiredAccess", uint32),
                              ("GroupId", uint32)],
                     response=[("GroupHandle", SAMPR_HANDLE)])
def SamrOpenGroup(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.1.7: STATUS_NO_SUCH_GROUP for a RID that is not a group of the domain."""
    return _open_account(ctx, request, "SamrOpenGroup", GROUP, "GroupId", "GroupHandle", "group",
                         STATUS_NO_SUCH_GROUP)


@INTERFACE.operation(27, "SamrOpenAlias",
                     request=[("DomainHandle", SAMPR_HANDLE), ("DesiredAccess", uint32),
                              ("AliasId", uint32)],
                     response=[("AliasHandle", SAMPR_HANDLE)])
def SamrOpenAlias(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.1.8: STATUS_NO_SUCH_ALIAS for a RID that is not an alias of the domain."""
    return _open_account(ctx, request, "SamrOpenAlias", ALIAS, "AliasId", "AliasHandle", "alias",
                         STATUS_NO_SUCH_ALIAS)


@INTERFACE.operation(34, "SamrOpenUser",
                     request=[("DomainHandle", SAMPR_HANDLE), ("DesiredAccess", uint32),
                              ("UserId", uint32)],
                     response=[("UserHandle", SAMPR_HANDLE)])
def SamrOpenUser(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.1.9: STATUS_NO_SUCH_USER for a RID that is not a user of the domain."""
    return _open_account(ctx, request, "SamrOpenUser", USER, "UserId", "UserHandle", "user",
                         STATUS_NO_SUCH_USER)


# -------------------------------------------------------------------------------------------
# Groups: QueryInformation (20), GetMembers (25)
# -------------------------------------------------------------------------------------------


def _domain_rids(domain: Any, sids: Sequence[Any]) -> list[int]:
    """RIDs of the member SIDs that belong to ``domain``."""
    prefix = f"{domain.sid}-"
    rids = []
    for sid in sids:
        text = str(sid)
        if text.startswith(prefix) and text[len(prefix):].isdigit():
            rids.append(int(text[len(prefix):]))
    return rids


@INTERFACE.operation(20, "SamrQueryInformationGroup",
                     request=[("GroupHandle", SAMPR_HANDLE), ("GroupInformationClass", uint16)],
                     response=[("Buffer", Pointer(SAMPR_GROUP_INFO_BUFFER))])
def SamrQueryInformationGroup(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.5.4: GROUP_READ_INFORMATION; classes 1-5 (5, replication, is the general
    class)."""
    info_class = request["GroupInformationClass"]
    entry, status = lookup_handle(ctx, request["GroupHandle"], (GROUP.kind,),
                                  GROUP_READ_INFORMATION)
    if entry is None:
        return error_response(ctx, status)
    if info_class not in GROUP_INFO_CLASSES:
        return error_response(ctx, STATUS_INVALID_INFO_CLASS)
    status = ctx.decide("SamrQueryInformationGroup", info_class).status
    if status:
        return error_response(ctx, status)
    group = entry.obj.account
    general = {"Name": group.name, "Attributes": SE_GROUP_DEFAULT,
               "MemberCount": len(_domain_rids(entry.obj.domain, group.members)),
               "AdminComment": group.description}
    value = {1: general, 2: {"Name": group.name}, 3: {"Attributes": SE_GROUP_DEFAULT},
             4: {"AdminComment": group.description}, 5: general}[info_class]
    return {"Buffer": (info_class, value), "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(25, "SamrGetMembersInGroup", request=[("GroupHandle", SAMPR_HANDLE)],
                     response=[("Members", Pointer(SAMPR_GET_MEMBERS_BUFFER))])
def SamrGetMembersInGroup(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.8.3: GROUP_LIST_MEMBERS; the RIDs of the members in the domain, each with
    the default attributes."""
    entry, status = lookup_handle(ctx, request["GroupHandle"], (GROUP.kind,), GROUP_LIST_MEMBERS)
    if entry is None:
        return error_response(ctx, status)
    status = ctx.decide("SamrGetMembersInGroup").status
    if status:
        return error_response(ctx, status)
    rids = sorted(_domain_rids(entry.obj.domain, entry.obj.account.members))
    return {"Members": {"MemberCount": len(rids), "Members": rids or None,
                        "Attributes": [SE_GROUP_DEFAULT] * len(rids) or None},
            "ReturnValue": STATUS_SUCCESS}


# -------------------------------------------------------------------------------------------
# Aliases: QueryInformation (28), GetMembers (33)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(28, "SamrQueryInformationAlias",
                     request=[("AliasHandle", SAMPR_HANDLE), ("AliasInformationClass", uint16)],
                     response=[("Buffer", Pointer(SAMPR_ALIAS_INFO_BUFFER))])
def SamrQueryInformationAlias(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.5.3: ALIAS_READ_INFORMATION; classes 1-3."""
    info_class = request["AliasInformationClass"]
    entry, status = lookup_handle(ctx, request["AliasHandle"], (ALIAS.kind,),
                                  ALIAS_READ_INFORMATION)
    if entry is None:
        return error_response(ctx, status)
    if info_class not in ALIAS_INFO_CLASSES:
        return error_response(ctx, STATUS_INVALID_INFO_CLASS)
    status = ctx.decide("SamrQueryInformationAlias", info_class).status
    if status:
        return error_response(ctx, status)
    alias = entry.obj.account
    value = {1: {"Name": alias.name, "MemberCount": len(alias.members),
                 "AdminComment": alias.description},
             2: {"Name": alias.name}, 3: {"AdminComment": alias.description}}[info_class]
    return {"Buffer": (info_class, value), "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(33, "SamrGetMembersInAlias", request=[("AliasHandle", SAMPR_HANDLE)],
                     response=[("Members", SAMPR_PSID_ARRAY)])
def SamrGetMembersInAlias(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.8.2: ALIAS_LIST_MEMBERS; the member SIDs."""
    empty = {"Count": 0, "Sids": None}
    entry, status = lookup_handle(ctx, request["AliasHandle"], (ALIAS.kind,), ALIAS_LIST_MEMBERS)
    if entry is None:
        return error_response(ctx, status, Members=empty)
    status = ctx.decide("SamrGetMembersInAlias").status
    if status:
        return error_response(ctx, status, Members=empty)
    sids = [{"SidPointer": str(s)} for s in entry.obj.account.members]
    return {"Members": {"Count": len(sids), "Sids": sids or None}, "ReturnValue": STATUS_SUCCESS}
