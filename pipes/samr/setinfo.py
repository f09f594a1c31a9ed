"""samr SamrSetInformationUser / SamrSetInformationUser2 (MS-SAMR 3.1.5.6.4-5): names, comments,
paths, workstations, logon hours, account control (enable / disable), expiry, and the password
classes 23-26 (UserInternal4/5 Information and their "New" forms, encrypted under the session
key: `passwords`).

Each class needs its right on the handle (MS-SAMR 3.1.5.6.4 table: USER_WRITE_PREFERENCES for the
user's own preferences, USER_FORCE_PASSWORD_CHANGE for a password, USER_WRITE_ACCOUNT for the
rest; UserAllInformation per WhichFields), then the one enforcement point decides: administrators,
or the creator of a computer account under the machine-account rule.  The change is reported:
4722 / 4725 (enabled / disabled), 4724 (password reset), then 4738 (4742 for a computer) with the
changed attributes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Final

from smbemu.errors import ChangeRefused
from smbemu.filetime import FILETIME_NEVER
from smbemu.policy.access import USER_FORCE_PASSWORD_CHANGE, USER_WRITE_ACCOUNT, USER_WRITE_PREFERENCES
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import FixedBytes, Struct, Union, uint8, uint16
from smbemu.status import (
    STATUS_ACCESS_DENIED,
    STATUS_INVALID_INFO_CLASS,
    STATUS_INVALID_PARAMETER,
    STATUS_MEMBER_NOT_IN_GROUP,
    STATUS_SUCCESS,
)

from .objects import (INTERFACE, USER, caller_sid, directory_of, error_response, lookup_handle,
                      protected_refusal, report_change)
from .types import SAMPR_HANDLE, USER_SET_CLASSES, USER_WORKSTATION_TRUST_ACCOUNT

#: MS-SAMR 2.2.6.23 SAMPR_USER_INTERNAL1_INFORMATION (class 18): the OWF hashes, each encrypted
#: with the session key as 2.2.11.1.4 says (`smbemu.directory.sam_crypto.encrypt_hash`);
#: impacket's hSamrSetNTInternal1 (changepasswd.py -reset -newhashes) sends it.
SAMPR_USER_INTERNAL1_INFORMATION: Final = Struct("SAMPR_USER_INTERNAL1_INFORMATION", [
    ("EncryptedNtOwfPassword", FixedBytes(16)), ("EncryptedLmOwfPassword", FixedBytes(16)),
    ("NtPasswordPresent", uint8), ("LmPasswordPresent", uint8), ("PasswordExpired", uint8)])
#: The [in] SAMPR_USER_INFO_BUFFER of the set calls: types.USER_SET_CLASSES and class 18.
SAMPR_USER_SET_INFO_BUFFER: Final = Union(uint16, {**USER_SET_CLASSES, 18: SAMPR_USER_INTERNAL1_INFORMATION},
                                          default=None, ms_union=True, name="SAMPR_USER_INFO_BUFFER")
#: SAMPR_USER_ALL_INFORMATION member -> (WhichFields bit, User field) for the fields that are set
#: (MS-SAMR 2.2.1.8); UserId, the logon counters and the computed times are not settable.
_SETTABLE: Final[dict[str, tuple[int, str]]] = {
    "UserName": (0x1, "name"), "FullName": (0x2, "full_name"), "PrimaryGroupId": (0x8, "primary_group_rid"),
    "AdminComment": (0x10, "description"), "UserComment": (0x20, "comment"),
    "HomeDirectory": (0x40, "home_directory"), "HomeDirectoryDrive": (0x80, "home_drive"),
    "ScriptPath": (0x100, "script_path"), "ProfilePath": (0x200, "profile_path"),
    "WorkStations": (0x400, "workstations"), "LogonHours": (0x2000, "logon_hours"),
    "AccountExpires": (0x80000, "account_expires"), "UserAccountControl": (0x100000, "account_control"),
}
#: WhichFields bits (2.2.1.8) of the password and "must change" members.
_NT_PASSWORD_PRESENT: Final = 0x01000000
_LM_PASSWORD_PRESENT: Final = 0x02000000
_PASSWORD_EXPIRED: Final = 0x08000000
#: The fields each right lets a caller set (USER_WRITE_PREFERENCES: the user's own comment).
_PREFERENCE_FIELDS: Final = {"UserComment"}
#: 4738 / 4742 field names of the changed User fields (Windows' EventData names).
_EVENT_FIELDS: Final = {"name": "SamAccountName", "full_name": "DisplayName", "home_directory": "HomeDirectory",
                        "home_drive": "HomePath", "script_path": "ScriptPath", "profile_path": "ProfilePath",
                        "workstations": "UserWorkstations", "account_expires": "AccountExpires",
                        "primary_group_rid": "PrimaryGroupId", "logon_hours": "LogonHours"}


#: MS-SAMR 2.2.1.12 UserAccountControl bits and the `User` fields they set.
_UAC_FIELDS: Final = {0x1: "disabled", 0x4: "password_not_required", 0x200: "password_never_expires",
                      0x800: "reversible_password", 0x1000: "smartcard_required",
                      0x2000: "trusted_for_delegation", 0x4000: "not_delegated",
                      0x10000: "dont_require_preauth"}
#: The account-type bits (exactly one is set).
ACCOUNT_TYPES: Final = {0x10: "normal", 0x80: "workstation", 0x100: "server", 0x40: "interdomain"}


def account_type_of(account_control: int) -> str | None:
    """The account type of a UserAccountControl value (exactly one type bit), else None."""
    types = [name for bit, name in ACCOUNT_TYPES.items() if account_control & bit]
    return types[0] if len(types) == 1 else None


def fields_from_account_control(account_control: int) -> dict[str, Any]:
    """The `User` fields USER_CONTROL_INFORMATION sets (MS-SAMR 2.2.7.15): ACCOUNT_AUTO_LOCKED and
    PASSWORD_EXPIRED are computed, not set (3.1.5.6.4.x)."""
    fields: dict[str, Any] = {field: bool(account_control & bit) for bit, field in _UAC_FIELDS.items()}
    account_type = account_type_of(account_control)
    if account_type is not None:
        fields["account_type"] = account_type
    return fields


def _expires(value: dict[str, int]) -> Any:
    ticks = (value["HighPart"] << 32) | value["LowPart"]
    if ticks in (0, FILETIME_NEVER, 0xFFFFFFFFFFFFFFFF) or ticks < 0:
        return None  # 0 and the largest value both mean "never" (MS-SAMR 2.2.7.6 AccountExpires)
    try:
        return datetime(1601, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=ticks // 10)
    except OverflowError:
        return None


#: The key of `_changes`' answer that asks `_apply` to unlock the account (not a `User` field).
_UNLOCK: Final = "unlock"


def _changes(values: dict[str, Any], which: int | None) -> tuple[dict[str, Any], int]:
    """The User fields to change, and the right they need."""
    fields: dict[str, Any] = {}
    need = 0
    for member, value in values.items():
        if member not in _SETTABLE:
            continue
        bit, field = _SETTABLE[member]
        if which is not None and not which & bit:
            continue
        need |= USER_WRITE_PREFERENCES if member in _PREFERENCE_FIELDS else USER_WRITE_ACCOUNT
        if field == "account_expires":
            fields[field] = _expires(value)
        elif field == "logon_hours":
            # 168 units, one bit an hour (MS-SAMR 2.2.7.5); a shorter week or every hour allowed
            # is "no restriction" (U: Windows' answer to a short buffer)
            hours = value.get("LogonHours")
            week = bytes(hours[:21]) if hours and len(hours) >= 21 and value.get("UnitsPerWeek") == 168 else None
            fields[field] = None if week is None or week == b"\xff" * 21 else week
        elif field == "account_control":
            fields.update(fields_from_account_control(value))
            # ACCOUNT_AUTO_LOCKED is computed, but a client clearing it unlocks a locked account
            # (an administrator's unlock: Windows logs 4767; MS-SAMR 2.2.1.12 USER_ACCOUNT_AUTO_LOCKED
            # mirrors lockoutTime, which a cleared bit sets back to 0)
            fields[_UNLOCK] = not value & 0x400
        else:
            fields[field] = value if value is not None else ""
    if which is not None and which & _PASSWORD_EXPIRED:
        need |= USER_WRITE_ACCOUNT
        fields["must_change_password"] = bool(values.get("PasswordExpired"))
    return fields, need


def _set_user(ctx: CallContext, request: dict[str, Any], operation: str) -> dict[str, Any]:
    info_class = request["UserInformationClass"]
    tag, value = request["Buffer"]
    entry, status = lookup_handle(ctx, request["UserHandle"], (USER.kind,))
    if entry is None:
        return error_response(ctx, status)
    if value is None or tag != info_class:
        return error_response(ctx, STATUS_INVALID_INFO_CLASS)
    # what the class sets
    password: bytes | None = None
    expired = False
    fields: dict[str, Any] = {}
    need = 0
    hashes: tuple[bytes, bytes | None] | None = None
    if info_class == 18:
        if not value["NtPasswordPresent"]:
            return error_response(ctx, STATUS_INVALID_PARAMETER)  # U: an LM-only reset
        key = (ctx.session_key or b"")[:16]
        if len(key) < 16:
            return error_response(ctx, STATUS_INVALID_PARAMETER)
        directory = directory_of(ctx)
        hashes = (directory.decrypt_hash(value["EncryptedNtOwfPassword"], key),
                  directory.decrypt_hash(value["EncryptedLmOwfPassword"], key) if value["LmPasswordPresent"] else None)
        expired = bool(value["PasswordExpired"])
    elif info_class in (24, 26):
        password, expired = value["UserPassword"]["Buffer"], bool(value["PasswordExpired"])
    elif info_class in (23, 25):
        which = value["I1"]["WhichFields"]
        fields, need = _changes(value["I1"], which & ~(_NT_PASSWORD_PRESENT | _LM_PASSWORD_PRESENT
                                                      | _PASSWORD_EXPIRED))
        if which & (_NT_PASSWORD_PRESENT | _LM_PASSWORD_PRESENT):
            password = value["UserPassword"]["Buffer"]
            expired = bool(which & _PASSWORD_EXPIRED and value["I1"]["PasswordExpired"])
    elif info_class == 21:
        which = value["WhichFields"]
        fields, need = _changes(value, which)
        if which & (_NT_PASSWORD_PRESENT | _LM_PASSWORD_PRESENT):
            # the OWF passwords, each encrypted with the session key (MS-SAMR 2.2.6.6 NtOwfPassword
            # / LmOwfPassword, 2.2.11.1.4), as class 18 carries them
            key = (ctx.session_key or b"")[:16]
            nt = _owf(value["NtOwfPassword"]) if which & _NT_PASSWORD_PRESENT and value["NtPasswordPresent"] else None
            lm = _owf(value["LmOwfPassword"]) if which & _LM_PASSWORD_PRESENT and value["LmPasswordPresent"] else None
            if nt is None or len(key) < 16:
                return error_response(ctx, STATUS_INVALID_PARAMETER)  # U: an LM-only reset, as class 18
            directory = directory_of(ctx)
            hashes = (directory.decrypt_hash(nt, key), directory.decrypt_hash(lm, key) if lm is not None else None)
            expired = bool(fields.pop("must_change_password", False))
    else:
        fields, need = _changes(value, None)
    if password is not None or hashes is not None:
        need |= USER_FORCE_PASSWORD_CHANGE
    if not ctx.require(entry.granted_access, need, USER):
        return error_response(ctx, STATUS_ACCESS_DENIED)
    directory = directory_of(ctx)
    user = entry.obj.account
    creator = directory.creator_of(user)
    if creator is not None and creator == caller_sid(ctx):
        # the account's creator, under the machine-account rule: a computer account it stays
        status = ctx.decide("SamrCreateUser2InDomain", USER_WORKSTATION_TRUST_ACCOUNT).status
        if not status and fields.get("account_type", "workstation") != "workstation":
            status = ctx.deny("creator account type", "may not change the type of a computer account it added").status
    else:
        status = ctx.decide(operation, info_class).status or protected_refusal(ctx, user)
    if status:
        return error_response(ctx, status)
    if hashes is not None:
        # an administrator's reset given as hashes: no policy check can read a hash (U: Windows)
        user = directory.set_password_hashes(user, hashes[0], hashes[1], expired=expired)
        report_change(ctx, "password-reset", user)
        if fields:  # class 21: the other fields it sets
            return _apply(ctx, user, fields, None, expired)
        report_change(ctx, "changed", user, attributes=(("PasswordLastSet", _shown(user.last_password_change)),))
        return {"ReturnValue": STATUS_SUCCESS}
    return _apply(ctx, user, fields, password, expired)


def _apply(ctx: CallContext, user: Any, fields: dict[str, Any], password: bytes | None,
           expired: bool) -> dict[str, Any]:
    directory = directory_of(ctx)
    unlock = fields.pop(_UNLOCK, False)
    before = directory.account_control(user)
    if "primary_group_rid" in fields:
        group = directory.account_domain.group(fields["primary_group_rid"])
        if group is None or user.sid not in group.members:
            # MS-SAMR 3.1.5.6.4.x: the primary group must be a group the user is a member of
            return error_response(ctx, STATUS_MEMBER_NOT_IN_GROUP)
    clear = None
    if password is not None:
        clear = directory.clear_password_for(password, ctx.session_key)
        if clear is None:
            report_change(ctx, "password-reset", user, success=False)
            return error_response(ctx, STATUS_INVALID_PARAMETER)
    try:
        if fields:
            user = directory.update_user(user, **fields)
        if clear is not None:
            user = directory.set_password(user, clear, check_history=False, expired=expired)
    except ChangeRefused as refused:
        if clear is not None:
            report_change(ctx, "password-reset", user, success=False)
        return error_response(ctx, refused.status)
    if unlock and directory.is_locked(user):
        directory.unlock(user)
        report_change(ctx, "unlocked", user)
    after = directory.account_control(user)
    if before & 0x1 and not after & 0x1:
        report_change(ctx, "enabled", user)
    elif after & 0x1 and not before & 0x1:
        report_change(ctx, "disabled", user)
    if clear is not None:
        report_change(ctx, "password-reset", user)
    attributes = [(_EVENT_FIELDS[name], _shown(value)) for name, value in fields.items() if name in _EVENT_FIELDS]
    if clear is not None:
        attributes.append(("PasswordLastSet", _shown(user.last_password_change)))
    if before != after:
        attributes += [("OldUacValue", f"0x{before:X}"), ("NewUacValue", f"0x{after:X}")]
    report_change(ctx, "changed", user, attributes=tuple(attributes))
    return {"ReturnValue": STATUS_SUCCESS}


def _owf(blob: dict[str, Any] | None) -> bytes | None:
    """The 16 bytes of an RPC_SHORT_BLOB holding an encrypted OWF (its Buffer is 16-bit words)."""
    words = (blob or {}).get("Buffer")
    if not words or blob is None or blob["Length"] != 16:
        return None
    data = b"".join(int(word).to_bytes(2, "little") for word in words)
    return data[:16] if len(data) >= 16 else None


def _shown(value: Any) -> str:
    if value is None:
        return "%%1794"  # <never>
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


_SET_IN: Final = [("UserHandle", SAMPR_HANDLE), ("UserInformationClass", uint16),
                  ("Buffer", SAMPR_USER_SET_INFO_BUFFER)]


@INTERFACE.operation(37, "SamrSetInformationUser", request=_SET_IN, response=[])
def SamrSetInformationUser(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.6.5 (as SamrSetInformationUser2)."""
    return _set_user(ctx, request, "SamrSetInformationUser")


@INTERFACE.operation(58, "SamrSetInformationUser2", request=_SET_IN, response=[])
def SamrSetInformationUser2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.6.4: classes 1, 2, 4, 6-14, 16, 17, 20, 21, the OWF class 18 and the password
    classes 23-26; other classes (3, 5, unknown ones) STATUS_INVALID_INFO_CLASS."""
    return _set_user(ctx, request, "SamrSetInformationUser2")

