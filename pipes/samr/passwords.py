"""samr passwords: the encrypted password buffers (MS-SAMR 2.2.6.21-22, 2.2.11.1) and
SamrUnicodeChangePasswordUser2 (3.1.5.10.3), a user's change of its own password.

A password travels as a SAMPR_USER_PASSWORD -- 512 bytes whose end holds the UTF-16LE password,
then its length in bytes (2.2.6.20) -- encrypted with RC4 (3.2.2.1-3.2.2.3): under the session key
(SamrSetInformationUser2 classes 23 / 24), under MD5(ClearSalt || session key) (classes 25 / 26,
the "New" buffers with their 16-byte salt), or under the account's current NT hash
(SamrUnicodeChangePasswordUser2, whose caller proves it knows the old password twice: the buffer
decrypts to a well-formed password, and the old NT hash encrypted with the new one matches,
2.2.11.1.1)."""

from __future__ import annotations

import hashlib
import struct
from typing import Any

from smbemu.auth.ntlm_crypto import des, nt_owf_v1, rc4k
from smbemu.directory.changes import ChangeRefused
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import Pointer, RpcUnicodeString, uint8
from smbemu.status import (
    STATUS_ACCESS_DENIED,
    STATUS_INVALID_PARAMETER,
    STATUS_NO_SUCH_USER,
    STATUS_SUCCESS,
    STATUS_WRONG_PASSWORD,
)

from .objects import INTERFACE, directory_of, error_response, report_change
from .types import ENCRYPTED_OWF_PASSWORD, SAMPR_ENCRYPTED_USER_PASSWORD

#: SAMPR_USER_PASSWORD: 512 bytes of buffer, then the length (2.2.6.20).
_BUFFER = 512


def clear_password(plain: bytes) -> str | None:
    """The password inside a decrypted SAMPR_USER_PASSWORD (516 bytes), or None when the length
    does not fit (the wrong key: a garbage length)."""
    (length,) = struct.unpack_from("<I", plain, _BUFFER)
    if length > _BUFFER or length % 2:
        return None
    try:
        return plain[_BUFFER - length:_BUFFER].decode("utf-16-le")
    except UnicodeDecodeError:
        return None


def decrypt_with_session_key(buffer: bytes, session_key: bytes) -> str | None:
    """SAMPR_ENCRYPTED_USER_PASSWORD (516 bytes, RC4 under the session key, 3.2.2.1) or
    SAMPR_ENCRYPTED_USER_PASSWORD_NEW (532 bytes: RC4 under MD5(ClearSalt || session key),
    ClearSalt being the last 16 bytes, 3.2.2.2)."""
    if not session_key:
        return None
    if len(buffer) == 532:
        key = hashlib.md5(buffer[516:] + session_key).digest()
        return clear_password(rc4k(key, buffer[:516]))
    return clear_password(rc4k(session_key, buffer))


def encrypt_hash(data16: bytes, key16: bytes) -> bytes:
    """MS-SAMR 2.2.11.1.1 "Encrypting an NT or LM hash value with a specified key": two DES
    blocks, under the key's bytes 0-6 and 7-13."""
    return des(key16[:7], data16[:8]) + des(key16[7:14], data16[8:])


def _wrong_password(ctx: CallContext, user: Any, why: str) -> dict[str, Any]:
    """STATUS_WRONG_PASSWORD; the bad password counts against the lockout policy as a failed
    logon does, and the audit log gets a failed 4723."""
    directory_of(ctx).record_bad_password(user)
    report_change(ctx, "password-changed", user, success=False)
    ctx.deny("SamrUnicodeChangePasswordUser2 old password", why)
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
    name is STATUS_NO_SUCH_USER (U)."""
    status = ctx.decide().status
    if status:
        return error_response(ctx, status)
    directory = directory_of(ctx)
    user = directory.find_user(request["UserName"] or "")
    if user is None:
        return error_response(ctx, STATUS_NO_SUCH_USER)
    new_encrypted = request["NewPasswordEncryptedWithOldNt"]
    old_check = request["OldNtOwfPasswordEncryptedWithNewNt"]
    if new_encrypted is None or old_check is None:
        return error_response(ctx, STATUS_INVALID_PARAMETER)
    if directory.is_locked(user):
        # a locked-out account cannot prove anything (U: Windows answers the lockout status)
        return error_response(ctx, STATUS_WRONG_PASSWORD)
    old_hash = user.nt_hash or nt_owf_v1("")
    password = clear_password(rc4k(old_hash, new_encrypted["Buffer"]))
    if password is None:
        return _wrong_password(ctx, user, "does not know the old password (the buffer does not decrypt)")
    if encrypt_hash(old_hash, nt_owf_v1(password)) != old_check["data"]:
        return _wrong_password(ctx, user, "does not know the old password (the verifier does not match)")
    if user.cannot_change_password:
        report_change(ctx, "password-changed", user, success=False)
        ctx.deny("USER_CHANGE_PASSWORD", f"may not change the password of {user.name} (cannot change)")
        return error_response(ctx, STATUS_ACCESS_DENIED)
    try:
        directory.set_password(user, password, check_history=True)
    except ChangeRefused as refused:
        report_change(ctx, "password-changed", user, success=False)
        return error_response(ctx, refused.status)
    report_change(ctx, "password-changed", user)
    return {"ReturnValue": STATUS_SUCCESS}
