"""samr calls that change accounts: SamrCreateUser2InDomain / SamrCreateUserInDomain (MS-SAMR
3.1.5.4.4-5), SamrDeleteUser (3.1.5.7.3), SamrAddMemberToGroup / SamrRemoveMemberFromGroup,
SamrAddMemberToAlias / SamrRemoveMemberFromAlias, SamrRemoveMemberFromForeignDomain (3.1.5.8.x).

Each call checks its handle (known, of its kind, with the right: ``lookup_handle``), asks the one
enforcement point (``ctx.decide``: administrators; a computer account on a DC also an
authenticated user, up to the machine-account quota), makes the change in the directory
(`smbemu.directory.changes`, whose refusals carry MS-SAMR's status) and reports it to the
observers (the audit log's 4720 / 4741, 4726 / 4743, 4728 / 4729, 4732 / 4733)."""

from __future__ import annotations

from typing import Any

from smbemu.errors import ChangeRefused
from smbemu.policy.access import (
    ALIAS_ADD_MEMBER,
    ALIAS_REMOVE_MEMBER,
    DELETE,
    DOMAIN_CREATE_USER,
    DOMAIN_LOOKUP,
    GROUP_ADD_MEMBER,
    GROUP_REMOVE_MEMBER,
)
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import RpcUnicodeString, Sid, uint32
from smbemu.sid import Sid as SidValue
from smbemu.status import (
    STATUS_ACCESS_DENIED,
    STATUS_DS_MACHINE_ACCOUNT_QUOTA_EXCEEDED,
    STATUS_INVALID_PARAMETER,
    STATUS_NO_SUCH_USER,
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
    protected_refusal,
    report_change,
)
from .setinfo import account_type_of
from .types import SAMPR_HANDLE, USER_NORMAL_ACCOUNT, USER_WORKSTATION_TRUST_ACCOUNT

#: The account types SamrCreateUser2InDomain accepts (MS-SAMR 3.1.5.4.4: exactly one of the
#: normal, workstation-trust, server-trust, interdomain-trust bits; TEMP_DUPLICATE is not kept).
_CREATABLE = {USER_NORMAL_ACCOUNT, USER_WORKSTATION_TRUST_ACCOUNT, 0x100, 0x40}


def uac_attributes(user: Any, directory: Any) -> tuple[tuple[str, str], ...]:
    """The 4720 / 4741 attribute fields of a new account (Windows' names; "-" = not set)."""
    return (("SamAccountName", user.name), ("DisplayName", user.full_name or "%%1793"),
            ("UserPrincipalName", "-"), ("HomeDirectory", "%%1793"), ("HomePath", "%%1793"),
            ("ScriptPath", "%%1793"), ("ProfilePath", "%%1793"), ("UserWorkstations", "%%1793"),
            ("PasswordLastSet", "%%1794"), ("AccountExpires", "%%1794"),
            ("PrimaryGroupId", str(user.primary_group_rid)), ("AllowedToDelegateTo", "-"),
            ("OldUacValue", "0x0"), ("NewUacValue", f"0x{directory.account_control(user):X}"),
            ("UserParameters", "%%1793"), ("SidHistory", "-"), ("LogonHours", "%%1797"))


def _create(ctx: CallContext, request: dict[str, Any], account_type_bits: int,
            operation: str) -> tuple[dict[str, Any], int]:
    """(the new user's handle fields, status)."""
    entry, status = lookup_handle(ctx, request["DomainHandle"], (DOMAIN.kind,), DOMAIN_CREATE_USER)
    if entry is None:
        return {}, status
    directory = directory_of(ctx)
    if entry.obj.domain is not directory.account_domain:
        # Builtin holds aliases only (MS-SAMR 3.1.5.4.4: "an error MUST be returned"; U: which)
        return {}, STATUS_ACCESS_DENIED
    if account_type_bits not in _CREATABLE:
        return {}, STATUS_INVALID_PARAMETER
    status = ctx.decide(operation, account_type_bits).status
    if status:
        return {}, status
    creator = None
    if entry.obj.machine_accounts_only:
        # DOMAIN_CREATE_USER through SeMachineAccountPrivilege: computer accounts, under the quota
        if account_type_bits != USER_WORKSTATION_TRUST_ACCOUNT:
            ctx.deny("SeMachineAccountPrivilege account type",
                     "may create computer accounts only (SeMachineAccountPrivilege)")
            return {}, STATUS_ACCESS_DENIED
        creator = caller_sid(ctx)
        quota = directory.domain.machine_account_quota if directory.domain is not None else 0
        made = directory.accounts_created_by(creator) if creator is not None else quota
        if made >= quota:
            ctx.deny("ms-DS-MachineAccountQuota",
                     f"has added {made} computer accounts (ms-DS-MachineAccountQuota {quota})")
            return {}, STATUS_DS_MACHINE_ACCOUNT_QUOTA_EXCEEDED
    try:
        user = directory.create_user(request["Name"] or "", account_type_of(account_type_bits) or "normal",
                                     creator=creator)
    except ChangeRefused as refused:
        return {}, refused.status
    granted = ctx.grant(USER, request["DesiredAccess"],
                        extra=CREATOR_RIGHTS if creator is not None else 0)
    report_change(ctx, "created", user, attributes=uac_attributes(user, directory))
    if granted is None:
        # the account exists; the handle asked for more than the caller holds on it
        return {"RelativeId": user.rid}, STATUS_ACCESS_DENIED
    handle = ctx.handles.create(USER.kind, SamObject(entry.obj.domain, user), granted)
    return {"UserHandle": handle, "GrantedAccess": granted, "RelativeId": user.rid}, STATUS_SUCCESS


@INTERFACE.operation(50, "SamrCreateUser2InDomain",
                     request=[("DomainHandle", SAMPR_HANDLE), ("Name", RpcUnicodeString),
                              ("AccountType", uint32), ("DesiredAccess", uint32)],
                     response=[("UserHandle", SAMPR_HANDLE), ("GrantedAccess", uint32),
                               ("RelativeId", uint32)])
def SamrCreateUser2InDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.4.4: a new, disabled account of ``AccountType`` (see `_create`)."""
    values, status = _create(ctx, request, request["AccountType"], "SamrCreateUser2InDomain")
    if status:
        return error_response(ctx, status, **values)
    return {**values, "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(12, "SamrCreateUserInDomain",
                     request=[("DomainHandle", SAMPR_HANDLE), ("Name", RpcUnicodeString),
                              ("DesiredAccess", uint32)],
                     response=[("UserHandle", SAMPR_HANDLE), ("RelativeId", uint32)])
def SamrCreateUserInDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.4.5: SamrCreateUser2InDomain with USER_NORMAL_ACCOUNT."""
    values, status = _create(ctx, request, USER_NORMAL_ACCOUNT, "SamrCreateUserInDomain")
    values.pop("GrantedAccess", None)
    if status:
        return error_response(ctx, status, **values)
    return {**values, "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(35, "SamrDeleteUser", request=[("UserHandle", SAMPR_HANDLE)],
                     response=[("UserHandle", SAMPR_HANDLE)])
def SamrDeleteUser(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.7.3: DELETE on the handle; built-in accounts (RID < 1000) are refused
    (STATUS_SPECIAL_ACCOUNT); the handle is closed and returned zeroed.  Other handles to the
    account then answer STATUS_NO_SUCH_USER (``lookup_handle``)."""
    handle = request["UserHandle"]
    entry, status = lookup_handle(ctx, handle, (USER.kind,), DELETE)
    if entry is None:
        return error_response(ctx, status, UserHandle=handle)
    status = ctx.decide().status or protected_refusal(ctx, entry.obj.account)
    if status:
        return error_response(ctx, status, UserHandle=handle)
    user = entry.obj.account
    try:
        directory_of(ctx).delete_user(user)
    except ChangeRefused as refused:
        return error_response(ctx, refused.status, UserHandle=handle)
    ctx.handles.close(handle)
    report_change(ctx, "deleted", user)
    return {"UserHandle": bytes(20), "ReturnValue": STATUS_SUCCESS}


# -------------------------------------------------------------------------------------------
# Memberships: groups (22, 24), aliases (31, 32)
# -------------------------------------------------------------------------------------------


def member_name(ctx: CallContext, sid: SidValue) -> str:
    found = directory_of(ctx).lookup_sid(sid)
    return f"{found.domain_name}\\{found.name}" if found is not None else "-"


def _change_membership(ctx: CallContext, request: dict[str, Any], kind: Any, need: int,
                       member: SidValue | None, adding: bool) -> dict[str, Any]:
    handle_field = "GroupHandle" if kind is GROUP else "AliasHandle"
    entry, status = lookup_handle(ctx, request[handle_field], (kind.kind,), need)
    if entry is None:
        return error_response(ctx, status)
    status = ctx.decide().status or protected_refusal(ctx, entry.obj.account)
    if status:
        return error_response(ctx, status)
    if member is None:
        return error_response(ctx, STATUS_NO_SUCH_USER)
    directory = directory_of(ctx)
    container = entry.obj.account
    try:
        if adding:
            directory.add_member(container, member)
        else:
            directory.remove_member(container, member)
    except ChangeRefused as refused:
        return error_response(ctx, refused.status)
    report_change(ctx, "member-added" if adding else "member-removed", container,
                  group_scope="global" if kind is GROUP else "local", member_sid=str(member),
                  member_name=member_name(ctx, member))
    return {"ReturnValue": STATUS_SUCCESS}


def _group_member(ctx: CallContext, entry_handle: bytes, rid: int) -> SidValue | None:
    """A group's members are users of its domain, by RID (MS-SAMR 3.1.5.8.1: STATUS_NO_SUCH_USER
    for a RID that is not a user of the domain)."""
    entry = ctx.handles.lookup(entry_handle)
    if entry is None or entry.kind != GROUP.kind:
        return None
    user = entry.obj.domain.user(rid)
    return user.sid if user is not None else None


@INTERFACE.operation(22, "SamrAddMemberToGroup",
                     request=[("GroupHandle", SAMPR_HANDLE), ("MemberId", uint32), ("Attributes", uint32)],
                     response=[])
def SamrAddMemberToGroup(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.8.2 (GROUP_ADD_MEMBER): STATUS_MEMBER_IN_GROUP when already a member."""
    member = _group_member(ctx, request["GroupHandle"], request["MemberId"])
    return _change_membership(ctx, request, GROUP, GROUP_ADD_MEMBER, member, True)


@INTERFACE.operation(24, "SamrRemoveMemberFromGroup",
                     request=[("GroupHandle", SAMPR_HANDLE), ("MemberId", uint32)], response=[])
def SamrRemoveMemberFromGroup(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.8.x (GROUP_REMOVE_MEMBER): STATUS_MEMBER_NOT_IN_GROUP, and
    STATUS_MEMBERS_PRIMARY_GROUP for the member's primary group."""
    member = _group_member(ctx, request["GroupHandle"], request["MemberId"])
    return _change_membership(ctx, request, GROUP, GROUP_REMOVE_MEMBER, member, False)


def parse_sid(value: Any) -> SidValue | None:
    try:
        return SidValue.parse(str(value)) if value is not None else None
    except ValueError:
        return None


@INTERFACE.operation(45, "SamrRemoveMemberFromForeignDomain",
                     request=[("DomainHandle", SAMPR_HANDLE), ("MemberSid", Sid)], response=[])
def SamrRemoveMemberFromForeignDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.8.3 (DOMAIN_LOOKUP): the SID leaves every alias of the domain (Samba's
    ``net rpc user delete`` calls it on Builtin and the account domain before SamrDeleteUser);
    success when it was in none."""
    entry, status = lookup_handle(ctx, request["DomainHandle"], (DOMAIN.kind,), DOMAIN_LOOKUP)
    if entry is None:
        return error_response(ctx, status)
    status = ctx.decide().status
    if status:
        return error_response(ctx, status)
    member = parse_sid(request["MemberSid"])
    if member is None:
        return error_response(ctx, STATUS_INVALID_PARAMETER)
    directory = directory_of(ctx)
    for alias in entry.obj.domain.aliases:
        if member in alias.members:
            directory.remove_member(alias, member)
            report_change(ctx, "member-removed", alias, group_scope="local", member_sid=str(member),
                          member_name=member_name(ctx, member))
    return {"ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(31, "SamrAddMemberToAlias",
                     request=[("AliasHandle", SAMPR_HANDLE), ("MemberId", Sid)], response=[])
def SamrAddMemberToAlias(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.8.x (ALIAS_ADD_MEMBER): any SID; STATUS_MEMBER_IN_ALIAS when present."""
    return _change_membership(ctx, request, ALIAS, ALIAS_ADD_MEMBER, parse_sid(request["MemberId"]), True)


@INTERFACE.operation(32, "SamrRemoveMemberFromAlias",
                     request=[("AliasHandle", SAMPR_HANDLE), ("MemberId", Sid)], response=[])
def SamrRemoveMemberFromAlias(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.8.x (ALIAS_REMOVE_MEMBER): STATUS_MEMBER_NOT_IN_ALIAS when absent."""
    return _change_membership(ctx, request, ALIAS, ALIAS_REMOVE_MEMBER, parse_sid(request["MemberId"]), False)


__all__ = ["uac_attributes", "member_name", "parse_sid"]
