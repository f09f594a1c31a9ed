"""samr SamrUnicodeChangePasswordUser2 and SamrOemChangePasswordUser2 (MS-SAMR 3.1.5.10.3,
3.1.5.10.2): a user's change of its own password.

The buffers are decrypted by the directory (`smbemu.directory.sam_crypto`, next to the hashes they
are checked against).  A password travels as a SAMPR_USER_PASSWORD -- 512 bytes whose end holds the UTF-16LE password,
then its length in bytes (2.2.6.20) -- encrypted with RC4 (3.2.2.1-3.2.2.3): under the session key
(SamrSetInformationUser2 classes 23 / 24), under MD5(ClearSalt || session key) (classes 25 / 26,
the "New" buffers with their 16-byte salt), or under the account's current NT hash
(SamrUnicodeChangePasswordUser2, whose caller proves it knows the old password twice: the buffer
decrypts to a well-formed password, and the old NT hash encrypted with the new one matches,
2.2.11.1.1)."""

from __future__ import annotations

from typing import Any

from smbemu.errors import ChangeRefused
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import Pointer, RpcUnicodeString, uint8
from smbemu.status import (
    STATUS_ACCESS_DENIED,
    STATUS_INVALID_PARAMETER,
    STATUS_SUCCESS,
    STATUS_WRONG_PASSWORD,
)

from smbemu.policy.access import USER_CHANGE_PASSWORD

from .objects import INTERFACE, USER, directory_of, error_response, lookup_handle, report_change
from .types import ENCRYPTED_OWF_PASSWORD, RPC_STRING, SAMPR_ENCRYPTED_USER_PASSWORD, SAMPR_HANDLE


def _wrong_password(ctx: CallContext, user: Any, why: str) -> dict[str, Any]:
    """STATUS_WRONG_PASSWORD; the bad password counts against the lockout policy as a failed
    logon does, and the audit log gets a failed 4723."""
    directory_of(ctx).record_bad_password(user)
    report_change(ctx, "password-changed", user, success=False)
    ctx.deny("old password", why)
    return error_response(ctx, STATUS_WRONG_PASSWORD)


@INTERFACE.operation(55, "SamrUnicodeChangePasswordUser2",
                     request=[("ServerName", Pointer(RpcUnicodeString)), ("UserName", RpcUnicodeString),
                              ("NewPasswordEncryptedWithOldNt", Pointer(SAMPR_ENCRYPTED_USER_PASSWORD)),
                              ("OldNtOwfPasswordEncryptedWithNewNt", Pointer(ENCRYPTED_OWF_PASSWORD)),
                              ("LmPresent", uint8),
                              ("NewPasswordEncryptedWithOldLm", Pointer(SAMPR_ENCRYPTED_USER_PASSWORD)),
                              ("OldLmOwfPasswordEncryptedWithNewNt", Pointer(ENCRYPTED_OWF_PASSWORD))],
                     response=[])
def SamrUnicodeChangePasswordUser2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.10.3: the account (by name, in the account domain) gets the new password when
    the caller proves the old one; the domain's password policy applies, history included
    (STATUS_PASSWORD_RESTRICTION).  The NT form only: a request without it is
    STATUS_INVALID_PARAMETER (U: the LM-only form of old clients is not emulated).  An unknown
    name is STATUS_WRONG_PASSWORD, as for a wrong old password: the call needs no logon, so its
    answer must not tell which names exist (W: smbtorture's rpc.samr.passwords, written against
    Windows, expects WRONG_PASSWORD for an invalid user name in test_ChangePasswordUser3)."""
    return change_with_old_nt(ctx, request)


def change_with_old_nt(ctx: CallContext, request: dict[str, Any],
                       refusals: list[str] | None = None) -> dict[str, Any]:
    """SamrUnicodeChangePasswordUser2's processing, shared with SamrUnicodeChangePasswordUser3
    (``password_change3``): ``refusals`` collects why the password policy refused the password."""
    status = ctx.decide().status
    if status:
        return error_response(ctx, status)
    directory = directory_of(ctx)
    user = directory.find_user(request["UserName"] or "")
    if user is None:  # indistinguishable from a wrong password (see above)
        return error_response(ctx, STATUS_WRONG_PASSWORD)
    new_encrypted = request["NewPasswordEncryptedWithOldNt"]
    old_check = request["OldNtOwfPasswordEncryptedWithNewNt"]
    if new_encrypted is None or old_check is None:
        return error_response(ctx, STATUS_INVALID_PARAMETER)
    if directory.is_locked(user):
        # a locked-out account cannot prove anything (U: Windows answers the lockout status)
        return error_response(ctx, STATUS_WRONG_PASSWORD)
    password = directory.proven_password(user, new_encrypted["Buffer"], old_check["data"])
    if password is None:
        return _wrong_password(ctx, user, "does not prove the old password")
    return _changed(ctx, user, password, refusals)


def _changed(ctx: CallContext, user: Any, password: str,
             refusals: list[str] | None = None) -> dict[str, Any]:
    """The proven change: refused for an account that may not change its password, else the
    password policy decides (history included)."""
    directory = directory_of(ctx)
    if user.cannot_change_password:
        report_change(ctx, "password-changed", user, success=False)
        ctx.deny("USER_CHANGE_PASSWORD", f"may not change the password of {user.name} (cannot change)")
        return error_response(ctx, STATUS_ACCESS_DENIED)
    try:
        directory.set_password(user, password, check_history=True)
    except ChangeRefused as refused:
        report_change(ctx, "password-changed", user, success=False)
        if refusals is not None:
            refusals.append(str(refused))
        return error_response(ctx, refused.status)
    report_change(ctx, "password-changed", user)
    return error_response(ctx, STATUS_SUCCESS)


@INTERFACE.operation(54, "SamrOemChangePasswordUser2",
                     request=[("ServerName", Pointer(RPC_STRING)), ("UserName", RPC_STRING),
                              ("NewPasswordEncryptedWithOldLm", Pointer(SAMPR_ENCRYPTED_USER_PASSWORD)),
                              ("OldLmOwfPasswordEncryptedWithNewLm", Pointer(ENCRYPTED_OWF_PASSWORD))],
                     response=[])
def SamrOemChangePasswordUser2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.10.2: the LM form of SamrUnicodeChangePasswordUser2 (old clients): the
    account (its name in OEM characters) must have an LM hash -- none is kept for a password
    longer than 14 characters -- else STATUS_WRONG_PASSWORD (U: Windows' status for an account
    without one)."""
    status = ctx.decide().status
    if status:
        return error_response(ctx, status)
    directory = directory_of(ctx)
    name = (request["UserName"]["Buffer"] or b"")[:request["UserName"]["Length"]].decode("cp437")
    user = directory.find_user(name)
    if user is None:  # indistinguishable from a wrong password (SamrUnicodeChangePasswordUser2)
        return error_response(ctx, STATUS_WRONG_PASSWORD)
    new_encrypted = request["NewPasswordEncryptedWithOldLm"]
    old_check = request["OldLmOwfPasswordEncryptedWithNewLm"]
    if new_encrypted is None or old_check is None:
        return error_response(ctx, STATUS_INVALID_PARAMETER)
    if directory.is_locked(user):
        return error_response(ctx, STATUS_WRONG_PASSWORD)
    password = directory.proven_oem_password(user, new_encrypted["Buffer"], old_check["data"])
    if password is None:
        return _wrong_password(ctx, user, "does not prove the old password (LM form)")
    return _changed(ctx, user, password)


_OWF = Pointer(ENCRYPTED_OWF_PASSWORD)


@INTERFACE.operation(38, "SamrChangePasswordUser",
                     request=[("UserHandle", SAMPR_HANDLE), ("LmPresent", uint8),
                              ("OldLmEncryptedWithNewLm", _OWF), ("NewLmEncryptedWithOldLm", _OWF),
                              ("NtPresent", uint8), ("OldNtEncryptedWithNewNt", _OWF),
                              ("NewNtEncryptedWithOldNt", _OWF), ("NtCrossEncryptionPresent", uint8),
                              ("NewNtEncryptedWithNewLm", _OWF), ("LmCrossEncryptionPresent", uint8),
                              ("NewLmEncryptedWithNewNt", _OWF)],
                     response=[])
def SamrChangePasswordUser(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.10.1: the old clients' change on a user handle (USER_CHANGE_PASSWORD), the
    passwords as OWF hashes each encrypted with the other (2.2.11.1.1): the NT form
    (NtPresent: NewNtEncryptedWithOldNt, proven by OldNtEncryptedWithNewNt), the new LM hash
    from NewLmEncryptedWithNewNt when LmCrossEncryptionPresent.  The LM-only form (NtPresent 0)
    is STATUS_INVALID_PARAMETER here (U).  History and minimum age apply
    (STATUS_PASSWORD_RESTRICTION); a wrong old password is STATUS_WRONG_PASSWORD and counts as
    a bad password, as SamrUnicodeChangePasswordUser2's."""
    entry, status = lookup_handle(ctx, request["UserHandle"], (USER.kind,), USER_CHANGE_PASSWORD)
    if entry is None:
        return error_response(ctx, status)
    status = ctx.decide().status
    if status:
        return error_response(ctx, status)
    new_encrypted, old_check = request["NewNtEncryptedWithOldNt"], request["OldNtEncryptedWithNewNt"]
    if not request["NtPresent"] or new_encrypted is None or old_check is None:
        return error_response(ctx, STATUS_INVALID_PARAMETER)
    directory = directory_of(ctx)
    user = entry.obj.account
    if directory.is_locked(user):
        return error_response(ctx, STATUS_WRONG_PASSWORD)
    new_nt = directory.proven_owf_change(user, new_encrypted["data"], old_check["data"])
    if new_nt is None:
        return _wrong_password(ctx, user, "does not prove the old password (OWF form)")
    new_lm = None
    cross = request["NewLmEncryptedWithNewNt"]
    if request["LmCrossEncryptionPresent"] and cross is not None:
        new_lm = directory.decrypt_hash(cross["data"], new_nt)
    if user.cannot_change_password:
        report_change(ctx, "password-changed", user, success=False)
        ctx.deny("USER_CHANGE_PASSWORD", f"may not change the password of {user.name} (cannot change)")
        return error_response(ctx, STATUS_ACCESS_DENIED)
    try:
        directory.change_password_hash(user, new_nt, new_lm)
    except ChangeRefused as refused:
        report_change(ctx, "password-changed", user, success=False)
        return error_response(ctx, refused.status)
    report_change(ctx, "password-changed", user)
    return {"ReturnValue": STATUS_SUCCESS}


#: The proven change's two outcomes, shared with SamrUnicodeChangePasswordUser4 (``password_change4``).
wrong_password = _wrong_password
changed_password = _changed
