"""samr SamrValidatePassword (opnum 67, MS-SAMR 3.1.5.13.7): the domain's password policy applied
to an account the *caller* keeps (an application's own user store), over RPC over TCP with packet
privacy only.

Over \\pipe\\samr or \\pipe\\lsass, or without packet privacy, the runtime refuses it with the
fault rpc_s_access_denied (5) -- W: impacket's own remote test, written against Windows, expects
exactly that on its SMB classes, and success over TCP with privacy.

The caller hands in the account's persisted fields (SAM_VALIDATE_PERSISTED_FIELDS, 2.2.9.2) and
gets back a status (SAM_VALIDATE_VALIDATION_STATUS, 2.2.9.3) and the fields that changed, which
the caller stores; the server keeps nothing.  The checks, in the order MS-SAMR 3.1.5.13.7.1-3
gives them, with the account domain's password and lockout policy:

* authentication (1): a lockout still running -> SamValidateAccountLockedOut; a wrong password
  (PasswordMatched 0) -> SamValidatePasswordIncorrect, counting a bad password (BadPasswordTime,
  BadPasswordCount within the observation window, LockoutTime at the threshold); otherwise
  PasswordLastSet 0 -> SamValidatePasswordMustChange, older than the maximum age ->
  SamValidatePasswordExpired; a success clears BadPasswordCount;
* password change (2): lockout and wrong password as above, then the minimum age
  (SamValidatePasswordTooRecent), then the new password's policy checks, then the history;
* reset (3): the policy checks and the history; ClearLockout clears LockoutTime and
  BadPasswordCount; PasswordLastSet becomes 0 when PasswordMustChangeAtNextLogon.

The policy checks: shorter than the minimum length -> SamValidatePasswordTooShort; longer than
256 characters -> SamValidatePasswordTooLong (PWLEN, U); with complexity on, the account name in
the password or fewer than three of the four character classes ->
SamValidatePasswordNotComplexEnough (the rule of ``smbemu.directory.changes.password_problem``,
without a full name: the caller's account has none here).  The history compares HashedPassword
with the last PasswordHistoryLength entries byte for byte (the hash is the caller's, opaque to the
server); a success appends it, keeping the domain's history length.  U: the exact order of the
checks within 3.1.5.13.7.3 and the TooLong bound.
"""

from __future__ import annotations

import time
from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantBytes,
    Pointer,
    RpcUnicodeString,
    Struct,
    Union,
    int64,
    uint8,
    uint16,
    uint32,
)
from smbemu.status import FAULT_ACCESS_DENIED, STATUS_SUCCESS

from .objects import INTERFACE, directory_of

#: MS-RPCE 2.2.1.1.8 RPC_C_AUTHN_LEVEL_PKT_PRIVACY.
_PKT_PRIVACY: Final = 6
#: 2.2.9.2 PresentFields bits.
LAST_SET, BAD_TIME, LOCKOUT_TIME, BAD_COUNT, HISTORY_LENGTH, HISTORY = 0x1, 0x2, 0x4, 0x8, 0x10, 0x20
#: 2.2.9.3 SAM_VALIDATE_VALIDATION_STATUS.
(SUCCESS, MUST_CHANGE, LOCKED_OUT, EXPIRED, INCORRECT, IN_HISTORY, TOO_SHORT, TOO_LONG, NOT_COMPLEX,
 TOO_RECENT) = range(10)
_TICKS_PER_SECOND: Final = 10_000_000
_EPOCH_AS_FILETIME: Final = 116444736000000000
#: PWLEN: the longest password Windows takes (U for this call).
_MAX_LENGTH: Final = 256

#: 2.2.9.1 SAM_VALIDATE_PASSWORD_HASH.
SAM_VALIDATE_PASSWORD_HASH: Final = Struct("SAM_VALIDATE_PASSWORD_HASH", [
    ("Length", uint32), ("Hash", Pointer(ConformantBytes()))])
#: 2.2.9.2 SAM_VALIDATE_PERSISTED_FIELDS (LARGE_INTEGER: 8-byte aligned).
SAM_VALIDATE_PERSISTED_FIELDS: Final = Struct("SAM_VALIDATE_PERSISTED_FIELDS", [
    ("PresentFields", uint32), ("PasswordLastSet", int64), ("BadPasswordTime", int64),
    ("LockoutTime", int64), ("BadPasswordCount", uint32), ("PasswordHistoryLength", uint32),
    ("PasswordHistory", Pointer(ConformantArray(SAM_VALIDATE_PASSWORD_HASH)))])
#: 2.2.9.4 SAM_VALIDATE_STANDARD_OUTPUT_ARG (the status is a 16-bit NDR enum).
SAM_VALIDATE_STANDARD_OUTPUT_ARG: Final = Struct("SAM_VALIDATE_STANDARD_OUTPUT_ARG", [
    ("ChangedPersistedFields", SAM_VALIDATE_PERSISTED_FIELDS), ("ValidationStatus", uint16)])
#: 2.2.9.5-2.2.9.7 the three inputs; 2.2.9.9 / 2.2.9.10 the unions on ValidationType (2.2.9.8).
SAM_VALIDATE_INPUT_ARG: Final = Union(uint16, {
    1: Struct("SAM_VALIDATE_AUTHENTICATION_INPUT_ARG", [
        ("InputPersistedFields", SAM_VALIDATE_PERSISTED_FIELDS), ("PasswordMatched", uint8)]),
    2: Struct("SAM_VALIDATE_PASSWORD_CHANGE_INPUT_ARG", [
        ("InputPersistedFields", SAM_VALIDATE_PERSISTED_FIELDS), ("ClearPassword", RpcUnicodeString),
        ("UserAccountName", RpcUnicodeString), ("HashedPassword", SAM_VALIDATE_PASSWORD_HASH),
        ("PasswordMatch", uint8)]),
    3: Struct("SAM_VALIDATE_PASSWORD_RESET_INPUT_ARG", [
        ("InputPersistedFields", SAM_VALIDATE_PERSISTED_FIELDS), ("ClearPassword", RpcUnicodeString),
        ("UserAccountName", RpcUnicodeString), ("HashedPassword", SAM_VALIDATE_PASSWORD_HASH),
        ("PasswordMustChangeAtNextLogon", uint8), ("ClearLockout", uint8)]),
}, ms_union=True, name="SAM_VALIDATE_INPUT_ARG")
SAM_VALIDATE_OUTPUT_ARG: Final = Union(uint16, {t: SAM_VALIDATE_STANDARD_OUTPUT_ARG for t in (1, 2, 3)},
                                       ms_union=True, name="SAM_VALIDATE_OUTPUT_ARG")


def _now() -> int:
    return _EPOCH_AS_FILETIME + int(time.time() * _TICKS_PER_SECOND)


def _not_complex(password: str, account: str) -> bool:
    """Windows' "Password must meet complexity requirements" without a full name."""
    if len(account) >= 3 and account.lower() in password.lower():
        return True
    classes = sum((any(c.isupper() for c in password), any(c.islower() for c in password),
                   any(c.isdigit() for c in password), any(not c.isalnum() for c in password)))
    return classes < 3


class _Validation:
    """One validation: the input fields, the policy, and what changed."""

    def __init__(self, ctx: CallContext, fields: dict[str, Any]) -> None:
        domain = directory_of(ctx).account_domain
        self.password, self.lockout = domain.password_policy, domain.lockout_policy
        self.fields = fields
        self.now = _now()
        self.changed: dict[str, Any] = {"PresentFields": 0, "PasswordLastSet": 0, "BadPasswordTime": 0,
                                        "LockoutTime": 0, "BadPasswordCount": 0,
                                        "PasswordHistoryLength": 0, "PasswordHistory": None}

    def field(self, name: str, bit: int) -> Any:
        return self.fields[name] if self.fields["PresentFields"] & bit else 0

    def change(self, name: str, bit: int, value: Any) -> None:
        self.changed[name] = value
        self.changed["PresentFields"] |= bit

    def locked_out(self) -> bool:
        locked_at = self.field("LockoutTime", LOCKOUT_TIME)
        if not locked_at:
            return False
        duration = self.lockout.duration_minutes  # 0: until an administrator unlocks it
        return not duration or self.now - locked_at < duration * 60 * _TICKS_PER_SECOND

    def bad_password(self) -> int:
        window = self.lockout.window_minutes * 60 * _TICKS_PER_SECOND
        last = self.field("BadPasswordTime", BAD_TIME)
        count = self.field("BadPasswordCount", BAD_COUNT)
        count = count + 1 if last and self.now - last < window else 1
        self.change("BadPasswordCount", BAD_COUNT, count)
        self.change("BadPasswordTime", BAD_TIME, self.now)
        if self.lockout.threshold and count >= self.lockout.threshold:
            self.change("LockoutTime", LOCKOUT_TIME, self.now)
        return INCORRECT

    def new_password(self, clear: str, account: str, hashed: dict[str, Any]) -> int:
        if len(clear) < self.password.min_length:
            return TOO_SHORT
        if len(clear) > _MAX_LENGTH:
            return TOO_LONG
        if self.password.complexity and _not_complex(clear, account):
            return NOT_COMPLEX
        history = self.fields["PasswordHistory"] if self.fields["PresentFields"] & HISTORY else None
        entries = [bytes(h["Hash"] or b"") for h in (history or [])]
        entries = entries[:self.field("PasswordHistoryLength", HISTORY_LENGTH) or len(entries)]
        new_hash = bytes(hashed["Hash"] or b"")
        remembered = entries[-self.password.history:] if self.password.history else []
        if new_hash and new_hash in remembered:
            return IN_HISTORY
        if self.password.history:
            kept = [*entries, new_hash][-self.password.history:]
            self.change("PasswordHistory", HISTORY, [{"Length": len(h), "Hash": h or None} for h in kept])
            self.change("PasswordHistoryLength", HISTORY_LENGTH, len(kept))
        return SUCCESS


def _authenticate(check: _Validation, arg: dict[str, Any]) -> int:
    if check.locked_out():
        return LOCKED_OUT
    if not arg["PasswordMatched"]:
        return check.bad_password()
    if check.field("BadPasswordCount", BAD_COUNT):
        check.change("BadPasswordCount", BAD_COUNT, 0)
    last_set = check.field("PasswordLastSet", LAST_SET)
    if not last_set:
        return MUST_CHANGE
    max_age = check.password.max_age_days
    if max_age and check.now - last_set > max_age * 86400 * _TICKS_PER_SECOND:
        return EXPIRED
    return SUCCESS


def _change(check: _Validation, arg: dict[str, Any]) -> int:
    if check.locked_out():
        return LOCKED_OUT
    if not arg["PasswordMatch"]:
        return check.bad_password()
    last_set = check.field("PasswordLastSet", LAST_SET)
    min_age = check.password.min_age_days * 86400 * _TICKS_PER_SECOND
    if last_set and min_age and check.now - last_set < min_age:
        return TOO_RECENT
    status = check.new_password(arg["ClearPassword"] or "", arg["UserAccountName"] or "", arg["HashedPassword"])
    if status == SUCCESS:
        check.change("PasswordLastSet", LAST_SET, check.now)
    return status


def _reset(check: _Validation, arg: dict[str, Any]) -> int:
    status = check.new_password(arg["ClearPassword"] or "", arg["UserAccountName"] or "", arg["HashedPassword"])
    if status != SUCCESS:
        return status
    check.change("PasswordLastSet", LAST_SET, 0 if arg["PasswordMustChangeAtNextLogon"] else check.now)
    if arg["ClearLockout"]:
        check.change("LockoutTime", LOCKOUT_TIME, 0)
        check.change("BadPasswordCount", BAD_COUNT, 0)
    return SUCCESS


_VALIDATIONS: Final = {1: _authenticate, 2: _change, 3: _reset}


@INTERFACE.operation(67, "SamrValidatePassword",
                     request=[("ValidationType", uint16), ("InputArg", SAM_VALIDATE_INPUT_ARG)],
                     response=[("OutputArg", Pointer(SAM_VALIDATE_OUTPUT_ARG))])
def SamrValidatePassword(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """See the module docstring."""
    over_smb = ctx.session_id in getattr(ctx.server, "sessions", {})  # an SMB session's pipe
    if ctx.auth_level < _PKT_PRIVACY or over_smb:
        ctx.deny("ncacn_ip_tcp, RPC_C_AUTHN_LEVEL_PKT_PRIVACY",
                 "called SamrValidatePassword without packet privacy over TCP")
        raise RpcFault(FAULT_ACCESS_DENIED, "SamrValidatePassword needs RPC over TCP with packet privacy")
    status = ctx.decide().status
    if status:
        return {"OutputArg": None, "ReturnValue": status}
    kind, arg = request["InputArg"]
    check = _Validation(ctx, arg["InputPersistedFields"])
    outcome = _VALIDATIONS[kind](check, arg)
    return {"OutputArg": (kind, {"ChangedPersistedFields": check.changed, "ValidationStatus": outcome}),
            "ReturnValue": STATUS_SUCCESS}
