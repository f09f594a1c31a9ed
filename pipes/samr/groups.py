"""samr calls that create, change and delete groups and aliases: SamrCreateGroupInDomain (MS-SAMR
3.1.5.4.2), SamrCreateAliasInDomain (3.1.5.4.3), SamrSetInformationGroup / Alias (3.1.5.6.3,
3.1.5.6.2), SamrDeleteGroup / Alias (3.1.5.7.1-2), SamrAddMultipleMembersToAlias /
SamrRemoveMultipleMembersFromAlias (3.1.5.8.x).

Each call checks its handle (``lookup_handle``: known, of its kind, with the right the call
names), then the one enforcement point decides (administrators: the Administrators ALL_ACCESS ACE
of MS-SAMR 3.1.5.12.2.1); the change is the directory's (`smbemu.directory.changes`) and is
reported: 4727 / 4730 / 4737 (a global group created / deleted / changed), 4731 / 4734 / 4735 (a
local group, i.e. an alias), 4732 / 4733 per member of the multiple-member calls.  A deleted
group's or alias's other handles answer STATUS_NO_SUCH_GROUP / STATUS_NO_SUCH_ALIAS
(``lookup_handle``)."""

from __future__ import annotations

from typing import Any, Final

from smbemu.errors import ChangeRefused
from smbemu.policy.access import (
    ALIAS_ADD_MEMBER,
    ALIAS_REMOVE_MEMBER,
    ALIAS_WRITE_ACCOUNT,
    DELETE,
    DOMAIN_CREATE_ALIAS,
    DOMAIN_CREATE_GROUP,
    GROUP_WRITE_ACCOUNT,
)
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import RpcUnicodeString, uint16, uint32
from smbemu.status import (
    STATUS_ACCESS_DENIED,
    STATUS_INVALID_INFO_CLASS,
    STATUS_INVALID_PARAMETER,
    STATUS_SUCCESS,
)

from .objects import (ALIAS, DOMAIN, GROUP, INTERFACE, SamObject, directory_of, error_response,
                      lookup_handle, protected_refusal, report_change)
from .types import SAMPR_ALIAS_INFO_BUFFER, SAMPR_GROUP_INFO_BUFFER, SAMPR_HANDLE, SAMPR_PSID_ARRAY
from .writes import member_name, parse_sid

#: The classes SamrSetInformationGroup sets (MS-SAMR 3.1.5.6.3): 2 name, 3 attributes (accepted,
#: the attributes are always SE_GROUP_DEFAULT here), 4 comment; 1 and 5 are query-only
#: (STATUS_INVALID_INFO_CLASS).  SamrSetInformationAlias (3.1.5.6.2): 2 name, 3 comment.
_GROUP_SETTABLE: Final = {2, 3, 4}
_ALIAS_SETTABLE: Final = {2, 3}


def _create(ctx: CallContext, request: dict[str, Any], kind: Any, need: int, field: str) -> dict[str, Any]:
    """SamrCreateGroupInDomain / SamrCreateAliasInDomain: the response, the new handle in ``field``."""
    values, status = _created(ctx, request, kind, need)
    if "Handle" in values:
        values[field] = values.pop("Handle")
    if status:
        return error_response(ctx, status, **values)
    return {**values, "ReturnValue": STATUS_SUCCESS}


def _created(ctx: CallContext, request: dict[str, Any], kind: Any, need: int) -> tuple[dict[str, Any], int]:
    entry, status = lookup_handle(ctx, request["DomainHandle"], (DOMAIN.kind,), need)
    if entry is None:
        return {}, status
    directory = directory_of(ctx)
    domain = entry.obj.domain
    if kind is GROUP and domain is not directory.account_domain:
        # Builtin holds aliases only (MS-SAMR 3.1.5.4.2; Samba's torture test, written against
        # Windows, expects STATUS_ACCESS_DENIED for a group in Builtin)
        return {}, STATUS_ACCESS_DENIED
    status = ctx.decide().status
    if status:
        return {}, status
    try:
        created = directory.create_container(domain, request["Name"] or "", "group" if kind is GROUP else "alias")
    except ChangeRefused as refused:
        return {}, refused.status
    report_change(ctx, "created", created, group_scope="global" if kind is GROUP else "local",
                  attributes=(("SamAccountName", created.name), ("SidHistory", "-")))
    granted = ctx.grant(kind, request["DesiredAccess"])
    if granted is None:
        return {"RelativeId": created.rid}, STATUS_ACCESS_DENIED
    handle = ctx.handles.create(kind.kind, SamObject(domain, created), granted)
    return {"Handle": handle, "RelativeId": created.rid}, STATUS_SUCCESS


_CREATE_IN: Final = [("DomainHandle", SAMPR_HANDLE), ("Name", RpcUnicodeString), ("DesiredAccess", uint32)]


@INTERFACE.operation(10, "SamrCreateGroupInDomain", request=_CREATE_IN,
                     response=[("GroupHandle", SAMPR_HANDLE), ("RelativeId", uint32)])
def SamrCreateGroupInDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.4.2 (DOMAIN_CREATE_GROUP): a new global group of the account domain."""
    return _create(ctx, request, GROUP, DOMAIN_CREATE_GROUP, "GroupHandle")


@INTERFACE.operation(14, "SamrCreateAliasInDomain", request=_CREATE_IN,
                     response=[("AliasHandle", SAMPR_HANDLE), ("RelativeId", uint32)])
def SamrCreateAliasInDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.4.3 (DOMAIN_CREATE_ALIAS): a new alias (local group) of the domain."""
    return _create(ctx, request, ALIAS, DOMAIN_CREATE_ALIAS, "AliasHandle")


def _set(ctx: CallContext, request: dict[str, Any], kind: Any, need: int, settable: set[int]) -> dict[str, Any]:
    handle_field, class_field = ("GroupHandle", "GroupInformationClass") if kind is GROUP \
        else ("AliasHandle", "AliasInformationClass")
    entry, status = lookup_handle(ctx, request[handle_field], (kind.kind,), need)
    if entry is None:
        return error_response(ctx, status)
    info_class = request[class_field]
    tag, value = request["Buffer"]
    if info_class not in settable or tag != info_class or value is None:
        return error_response(ctx, STATUS_INVALID_INFO_CLASS)
    status = ctx.decide().status or protected_refusal(ctx, entry.obj.account)
    if status:
        return error_response(ctx, status)
    fields: dict[str, Any] = {}
    if "Name" in value:
        fields["name"] = value["Name"] or ""
    if "AdminComment" in value:
        fields["description"] = value["AdminComment"] or ""
    if not fields:
        return {"ReturnValue": STATUS_SUCCESS}  # the group attributes (class 3)
    try:
        changed = directory_of(ctx).update_container(entry.obj.account, **fields)
    except ChangeRefused as refused:
        return error_response(ctx, refused.status)
    report_change(ctx, "changed", changed, group_scope="global" if kind is GROUP else "local",
                  attributes=(("SamAccountName", changed.name if "name" in fields else "-"), ("SidHistory", "-")))
    return {"ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(21, "SamrSetInformationGroup",
                     request=[("GroupHandle", SAMPR_HANDLE), ("GroupInformationClass", uint16),
                              ("Buffer", SAMPR_GROUP_INFO_BUFFER)], response=[])
def SamrSetInformationGroup(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.6.3 (GROUP_WRITE_ACCOUNT): name, attributes, comment."""
    return _set(ctx, request, GROUP, GROUP_WRITE_ACCOUNT, _GROUP_SETTABLE)


@INTERFACE.operation(29, "SamrSetInformationAlias",
                     request=[("AliasHandle", SAMPR_HANDLE), ("AliasInformationClass", uint16),
                              ("Buffer", SAMPR_ALIAS_INFO_BUFFER)], response=[])
def SamrSetInformationAlias(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.6.2 (ALIAS_WRITE_ACCOUNT): name, comment."""
    return _set(ctx, request, ALIAS, ALIAS_WRITE_ACCOUNT, _ALIAS_SETTABLE)


def _delete(ctx: CallContext, request: dict[str, Any], kind: Any) -> dict[str, Any]:
    field = "GroupHandle" if kind is GROUP else "AliasHandle"
    handle = request[field]
    entry, status = lookup_handle(ctx, handle, (kind.kind,), DELETE)
    if entry is None:
        return error_response(ctx, status, **{field: handle})
    status = ctx.decide().status or protected_refusal(ctx, entry.obj.account)
    if status:
        return error_response(ctx, status, **{field: handle})
    container = entry.obj.account
    try:
        directory_of(ctx).delete_container(container)
    except ChangeRefused as refused:
        return error_response(ctx, refused.status, **{field: handle})
    ctx.handles.close(handle)
    report_change(ctx, "deleted", container, group_scope="global" if kind is GROUP else "local")
    return {field: bytes(20), "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(23, "SamrDeleteGroup", request=[("GroupHandle", SAMPR_HANDLE)],
                     response=[("GroupHandle", SAMPR_HANDLE)])
def SamrDeleteGroup(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.7.1 (DELETE): the handle is closed and returned zeroed."""
    return _delete(ctx, request, GROUP)


@INTERFACE.operation(30, "SamrDeleteAlias", request=[("AliasHandle", SAMPR_HANDLE)],
                     response=[("AliasHandle", SAMPR_HANDLE)])
def SamrDeleteAlias(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.7.2 (DELETE): as SamrDeleteGroup."""
    return _delete(ctx, request, ALIAS)


def _multiple(ctx: CallContext, request: dict[str, Any], adding: bool) -> dict[str, Any]:
    """MS-SAMR 3.1.5.8.x: each SID as SamrAddMemberToAlias / SamrRemoveMemberFromAlias would, in
    order; the first refusal ends the call with its status (U: whether Windows goes on)."""
    entry, status = lookup_handle(ctx, request["AliasHandle"], (ALIAS.kind,),
                                  ALIAS_ADD_MEMBER if adding else ALIAS_REMOVE_MEMBER)
    if entry is None:
        return error_response(ctx, status)
    status = ctx.decide().status or protected_refusal(ctx, entry.obj.account)
    if status:
        return error_response(ctx, status)
    directory = directory_of(ctx)
    for item in (request["MembersBuffer"] or {}).get("Sids") or []:
        member = parse_sid(item.get("SidPointer"))
        if member is None:
            return error_response(ctx, STATUS_INVALID_PARAMETER)
        try:
            if adding:
                directory.add_member(entry.obj.account, member)
            else:
                directory.remove_member(entry.obj.account, member)
        except ChangeRefused as refused:
            return error_response(ctx, refused.status)
        report_change(ctx, "member-added" if adding else "member-removed", entry.obj.account,
                      group_scope="local", member_sid=str(member), member_name=member_name(ctx, member))
    return {"ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(52, "SamrAddMultipleMembersToAlias",
                     request=[("AliasHandle", SAMPR_HANDLE), ("MembersBuffer", SAMPR_PSID_ARRAY)], response=[])
def SamrAddMultipleMembersToAlias(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.8.x (ALIAS_ADD_MEMBER)."""
    return _multiple(ctx, request, True)


@INTERFACE.operation(53, "SamrRemoveMultipleMembersFromAlias",
                     request=[("AliasHandle", SAMPR_HANDLE), ("MembersBuffer", SAMPR_PSID_ARRAY)], response=[])
def SamrRemoveMultipleMembersFromAlias(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.8.x (ALIAS_REMOVE_MEMBER)."""
    return _multiple(ctx, request, False)
