"""samr user objects: SamrQueryInformationUser / 2 (MS-SAMR 3.1.5.5.5-6), SamrGetGroupsForUser
(3.1.5.9.1) and the password information calls (3.1.5.13.2-3)."""

from __future__ import annotations

from typing import Any, Final

from smbemu.filetime import FILETIME_NEVER, to_filetime
from smbemu.policy.access import (
    DOMAIN_READ_PASSWORD_PARAMETERS,
    USER_LIST_GROUPS,
    USER_READ_ACCOUNT,
    USER_READ_GENERAL,
    USER_READ_LOGON,
    USER_READ_PREFERENCES,
)
from smbemu.rpc import CallContext, Sized
from smbemu.rpc.ndr import Pointer, RpcUnicodeString, uint16
from smbemu.status import STATUS_ACCESS_DENIED, STATUS_INVALID_INFO_CLASS, STATUS_SUCCESS

from .objects import DOMAIN, INTERFACE, USER, directory_of, error_response, lookup_handle, old_large_int
from .types import (
    SAMPR_GET_GROUPS_BUFFER,
    SAMPR_HANDLE,
    SAMPR_USER_ALL_INFORMATION,
    SAMPR_USER_INFO_BUFFER,
    SE_GROUP_DEFAULT,
    TICKS_PER_DAY,
    UNITS_PER_WEEK,
    USER_CLASS_ACCESS,
    USER_DOMAIN_PASSWORD_INFORMATION,
    USER_DONT_EXPIRE_PASSWORD,
    USER_INFO_CLASSES,
    USER_NORMAL_ACCOUNT,
)

#: MS-SAMR 2.2.7.6 WhichFields bits this server fills, per user access right.
_FIELDS_GENERAL: Final = 0x1 | 0x2 | 0x4 | 0x8 | 0x10            # names, ids, admin comment
_FIELDS_PREFERENCES: Final = 0x20 | 0x400000 | 0x800000           # user comment, country, code page
_FIELDS_LOGON: Final = (0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800 | 0x1000 | 0x2000 | 0x4000
                        | 0x8000 | 0x10000 | 0x20000)
_FIELDS_ACCOUNT: Final = 0x40000 | 0x80000 | 0x100000 | 0x200000  # pwdlastset, expires, uac, params
#: SAMPR_LOGON_HOURS.LogonHours: every hour of the week allowed (MS-SAMR 2.2.7.5).
_LOGON_HOURS_ALL: Final = b"\xff" * (UNITS_PER_WEEK // 8)


# -------------------------------------------------------------------------------------------
# Users: QueryInformation (36, 47), GetGroupsForUser (39), password information (44, 56)
# -------------------------------------------------------------------------------------------


def user_fields(ctx: CallContext, domain: Any, user: Any) -> dict[str, Any]:
    """Every readable SAMPR_USER_* field of ``user`` (MS-SAMR 2.2.7), live counters included."""
    directory = directory_of(ctx)
    state = directory.state(user)
    uac = directory.account_control(user)
    pw = domain.password_policy
    # "must change at next logon" is pwdLastSet 0 (MS-SAMR 2.2.7.6 PasswordLastSet; MS-ADA3
    # pwdLastSet): PasswordMustChange is then 0 as well
    last_set = 0 if user.must_change_password else to_filetime(user.last_password_change)
    if user.cannot_change_password:
        can_change = FILETIME_NEVER
    else:
        can_change = last_set + pw.min_age_days * TICKS_PER_DAY
    if user.password_expired or user.must_change_password:
        must_change = 0
    elif uac & USER_DONT_EXPIRE_PASSWORD or not pw.max_age_days or not (
            uac & USER_NORMAL_ACCOUNT):
        must_change = FILETIME_NEVER
    else:
        must_change = last_set + pw.max_age_days * TICKS_PER_DAY
    return {
        "UserName": user.name, "FullName": user.full_name, "UserId": user.rid,
        "PrimaryGroupId": user.primary_group_rid, "AdminComment": user.description,
        "UserComment": user.comment, "Reserved1": "", "CountryCode": 0, "CodePage": 0,
        "HomeDirectory": user.home_directory, "HomeDirectoryDrive": user.home_drive,
        "ScriptPath": user.script_path, "ProfilePath": user.profile_path,
        "WorkStations": user.workstations, "Parameters": "",
        "LastLogon": old_large_int(to_filetime(state.last_logon)),
        "LastLogoff": old_large_int(to_filetime(user.last_logoff)),
        "PasswordLastSet": old_large_int(last_set), "PasswordCanChange": old_large_int(can_change),
        "PasswordMustChange": old_large_int(must_change),
        "AccountExpires": old_large_int(to_filetime(user.account_expires, FILETIME_NEVER)),
        "LogonHours": {"UnitsPerWeek": UNITS_PER_WEEK,
                       "LogonHours": Sized(user.logon_hours or _LOGON_HOURS_ALL, 1260)},
        "BadPasswordCount": min(state.bad_password_count, 0xFFFF),
        "LogonCount": min(state.logon_count, 0xFFFF), "UserAccountControl": uac,
    }


def user_all_information(ctx: CallContext, domain: Any, user: Any, granted: int) -> dict[str, Any]:
    """SAMPR_USER_ALL_INFORMATION (MS-SAMR 2.2.7.6): the fields the handle's rights allow
    (WhichFields says which); no password hashes, no private data, no SD."""
    fields = user_fields(ctx, domain, user)
    which = 0
    for right, bits in ((USER_READ_GENERAL, _FIELDS_GENERAL),
                        (USER_READ_PREFERENCES, _FIELDS_PREFERENCES),
                        (USER_READ_LOGON, _FIELDS_LOGON), (USER_READ_ACCOUNT, _FIELDS_ACCOUNT)):
        if granted & right:
            which |= bits
    info: dict[str, Any] = SAMPR_USER_ALL_INFORMATION.default()
    info["LogonHours"] = {"UnitsPerWeek": 0, "LogonHours": None}
    for name in info:
        if name in fields and _ALL_FIELD_BITS.get(name, 0) & which:
            info[name] = fields[name]
        elif type(info[name]) is str:
            # a field the handle may not read: a NULL string, not an empty one (U: MS-SAMR
            # 3.1.5.5.5.2 leaves the unset fields' contents to the implementation)
            info[name] = None
    info["WhichFields"] = which
    info["PasswordExpired"] = 1 if (which & _FIELDS_ACCOUNT and user.password_expired) else 0
    return info


#: SAMPR_USER_ALL_INFORMATION member -> its WhichFields bit (MS-SAMR 2.2.1.8).
_ALL_FIELD_BITS: Final[dict[str, int]] = {
    "UserName": 0x1, "FullName": 0x2, "UserId": 0x4, "PrimaryGroupId": 0x8, "AdminComment": 0x10,
    "UserComment": 0x20, "HomeDirectory": 0x40, "HomeDirectoryDrive": 0x80, "ScriptPath": 0x100,
    "ProfilePath": 0x200, "WorkStations": 0x400, "LastLogon": 0x800, "LastLogoff": 0x1000,
    "LogonHours": 0x2000, "BadPasswordCount": 0x4000, "LogonCount": 0x8000,
    "PasswordCanChange": 0x10000, "PasswordMustChange": 0x20000, "PasswordLastSet": 0x40000,
    "AccountExpires": 0x80000, "UserAccountControl": 0x100000, "Parameters": 0x200000,
    "CountryCode": 0x400000, "CodePage": 0x800000}


def _query_user(ctx: CallContext, request: dict[str, Any], operation: str) -> dict[str, Any]:
    info_class = request["UserInformationClass"]
    need = USER_CLASS_ACCESS.get(info_class)
    entry, status = lookup_handle(ctx, request["UserHandle"], (USER.kind,), need or 0)
    if entry is None:
        return error_response(ctx, status)
    if need is None:
        # the password classes (18, 23-26, 30) and unknown ones: MS-SAMR 3.1.5.5.5
        return error_response(ctx, STATUS_INVALID_INFO_CLASS)
    if info_class == 21 and not entry.granted_access & (
            USER_READ_GENERAL | USER_READ_PREFERENCES | USER_READ_LOGON | USER_READ_ACCOUNT):
        return error_response(ctx, STATUS_ACCESS_DENIED)
    status = ctx.decide(operation, info_class).status
    if status:
        return error_response(ctx, status)
    domain, user = entry.obj.domain, entry.obj.account
    if info_class == 21:
        value = user_all_information(ctx, domain, user, entry.granted_access)
    else:
        fields = user_fields(ctx, domain, user)
        value = {name: fields[name] for name, _ in USER_INFO_CLASSES[info_class].fields}
    return {"Buffer": (info_class, value), "ReturnValue": STATUS_SUCCESS}


_QUERY_USER_IN: Final = [("UserHandle", SAMPR_HANDLE), ("UserInformationClass", uint16)]
_QUERY_USER_OUT: Final = [("Buffer", Pointer(SAMPR_USER_INFO_BUFFER))]


@INTERFACE.operation(36, "SamrQueryInformationUser", request=_QUERY_USER_IN,
                     response=_QUERY_USER_OUT)
def SamrQueryInformationUser(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.5.6 (same as SamrQueryInformationUser2)."""
    return _query_user(ctx, request, "SamrQueryInformationUser")


@INTERFACE.operation(47, "SamrQueryInformationUser2", request=_QUERY_USER_IN,
                     response=_QUERY_USER_OUT)
def SamrQueryInformationUser2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.5.5: classes 1-14, 16, 17, 20, 21 with the access each needs."""
    return _query_user(ctx, request, "SamrQueryInformationUser2")


@INTERFACE.operation(39, "SamrGetGroupsForUser", request=[("UserHandle", SAMPR_HANDLE)],
                     response=[("Groups", Pointer(SAMPR_GET_GROUPS_BUFFER))])
def SamrGetGroupsForUser(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.9.1: USER_LIST_GROUPS; the user's groups in its domain (primary included)."""
    entry, status = lookup_handle(ctx, request["UserHandle"], (USER.kind,), USER_LIST_GROUPS)
    if entry is None:
        return error_response(ctx, status)
    status = ctx.decide("SamrGetGroupsForUser").status
    if status:
        return error_response(ctx, status)
    groups = directory_of(ctx).groups_of(entry.obj.account)
    memberships = [{"RelativeId": g.rid, "Attributes": SE_GROUP_DEFAULT} for g in groups]
    return {"Groups": {"MembershipCount": len(memberships), "Groups": memberships or None},
            "ReturnValue": STATUS_SUCCESS}


def _password_information(domain: Any) -> dict[str, Any]:
    pw = domain.password_policy
    return {"MinPasswordLength": pw.min_length, "PasswordProperties": pw.properties}


@INTERFACE.operation(44, "SamrGetUserDomainPasswordInformation",
                     request=[("UserHandle", SAMPR_HANDLE)],
                     response=[("PasswordInformation", USER_DOMAIN_PASSWORD_INFORMATION)])
def SamrGetUserDomainPasswordInformation(ctx: CallContext,
                                         request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.13.3: no right on the user handle -- the caller's identity needs
    DOMAIN_READ_PASSWORD_PARAMETERS on the account domain object (``ctx.grant``); the domain's
    MinPasswordLength and PasswordProperties, zero for a machine account and krbtgt (502).
    (Samba's NetUserAdd asks right after SamrCreateUser2InDomain, on a handle without
    USER_READ_GENERAL.)"""
    entry, status = lookup_handle(ctx, request["UserHandle"], (USER.kind,))
    if entry is None:
        return error_response(ctx, status)
    if ctx.grant(DOMAIN, DOMAIN_READ_PASSWORD_PARAMETERS) is None:
        return error_response(ctx, STATUS_ACCESS_DENIED)
    status = ctx.decide("SamrGetUserDomainPasswordInformation").status
    if status:
        return error_response(ctx, status)
    if entry.obj.account.rid == 502 or not directory_of(ctx).account_control(entry.obj.account) & USER_NORMAL_ACCOUNT:
        info = {"MinPasswordLength": 0, "PasswordProperties": 0}
    else:
        info = _password_information(entry.obj.domain)
    return {"PasswordInformation": info, "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(56, "SamrGetDomainPasswordInformation",
                     request=[("Unused", Pointer(RpcUnicodeString))],
                     response=[("PasswordInformation", USER_DOMAIN_PASSWORD_INFORMATION)])
def SamrGetDomainPasswordInformation(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.13.3: no handle; the account domain's password length and properties."""
    status = ctx.decide("SamrGetDomainPasswordInformation").status
    if status:
        return error_response(ctx, status)
    return {"PasswordInformation": _password_information(directory_of(ctx).account_domain),
            "ReturnValue": STATUS_SUCCESS}
