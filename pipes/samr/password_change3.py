"""samr SamrUnicodeChangePasswordUser3 (opnum 63), decided per profile.

MS-SAMR 3.1.5 lists opnum 63 as "Opnum63NotUsedOnWire" (reserved for local use), yet Windows
servers answer it -- W, from Samba's own code, written and checked against Windows:

* winbindd (source3/winbindd/winbindd_pam.c, its password change) calls it first and notes
  "Windows 2003 returns NT_STATUS_PASSWORD_RESTRICTION" with the domain's password information
  and a reject reason; and that a Windows 2000 DC "just returns with 4byte error code
  (NT_STATUS_NOT_SUPPORTED)", after which the client falls back to SamrUnicodeChangePasswordUser2;
* smbtorture's rpc.samr password tests (source4/torture/rpc/samr.c, test_ChangePasswordUser3)
  check the reject reasons' order of precedence "tested" against Windows: minimum password age
  (no reason), length (SAM_PWD_CHANGE_PASSWORD_TOO_SHORT), history (PWD_IN_HISTORY), complexity
  (NOT_COMPLEX).

So, per profile: Windows XP / Server 2003 and later (version 5.1+; U for XP, which Samba's notes do
not name) take it as SamrUnicodeChangePasswordUser2 with two more [out] parameters, filled on
STATUS_PASSWORD_RESTRICTION: the domain's DOMAIN_PASSWORD_INFORMATION (MS-SAMR 2.2.4.5) and a
USER_PWD_CHANGE_FAILURE_INFORMATION (ExtendedFailureReason, FilterModuleName; Samba's
userPwdChangeFailureInformation); NULL otherwise (U).  The extra [in] AdditionalData buffer is
ignored (U).  Windows 2000 answers STATUS_NOT_SUPPORTED -- with both [out] pointers NULL here,
where Windows 2000 sent the status alone (4 bytes; U: the emulator's NDR always writes the
declared [out] parameters, and clients fall back to SamrUnicodeChangePasswordUser2 on either).
NT 4.0 predates the opnum (SamrConnect4, 62, came with Windows 2000): nca_op_rng_error.
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import Pointer, RpcUnicodeString, Struct, uint8, uint32
from smbemu.status import NCA_S_OP_RNG_ERROR, STATUS_NOT_SUPPORTED, STATUS_PASSWORD_RESTRICTION

from .objects import INTERFACE, directory_of, error_response
from .passwords import change_with_old_nt
from .server import domain_info
from .types import DOMAIN_PASSWORD_INFORMATION, ENCRYPTED_OWF_PASSWORD, SAMPR_ENCRYPTED_USER_PASSWORD

#: Samba's userPwdChangeFailureInformation (librpc/idl/samr.idl): why the policy refused.
USER_PWD_CHANGE_FAILURE_INFORMATION: Final = Struct("USER_PWD_CHANGE_FAILURE_INFORMATION", [
    ("ExtendedFailureReason", uint32), ("FilterModuleName", RpcUnicodeString)])
#: samPwdChangeReason values (Samba's samr.idl; the names smbtorture checks).
SAM_PWD_CHANGE_NO_ERROR: Final = 0
SAM_PWD_CHANGE_PASSWORD_TOO_SHORT: Final = 1
SAM_PWD_CHANGE_PWD_IN_HISTORY: Final = 2
SAM_PWD_CHANGE_USERNAME_IN_PASSWORD: Final = 3
SAM_PWD_CHANGE_FULLNAME_IN_PASSWORD: Final = 4
SAM_PWD_CHANGE_NOT_COMPLEX: Final = 5
#: The directory's refusal (smbemu.directory.changes.password_problem / check_password_age) ->
#: the reason: its words are the only thing the refusal carries.
_REASONS: Final = (("minimum password age", SAM_PWD_CHANGE_NO_ERROR),
                   ("shorter than", SAM_PWD_CHANGE_PASSWORD_TOO_SHORT),
                   ("history", SAM_PWD_CHANGE_PWD_IN_HISTORY),
                   ("account name", SAM_PWD_CHANGE_USERNAME_IN_PASSWORD),
                   ("full name", SAM_PWD_CHANGE_FULLNAME_IN_PASSWORD),
                   ("complexity", SAM_PWD_CHANGE_NOT_COMPLEX))
#: The first release that answers the call (see the module docstring).
_ANSWERED_FROM: Final = (5, 1)
_WINDOWS_2000: Final = (5, 0)


def refusal_reason(message: str) -> int:
    """The samPwdChangeReason of a password-policy refusal."""
    for words, reason in _REASONS:
        if words in message:
            return reason
    return SAM_PWD_CHANGE_NO_ERROR


@INTERFACE.operation(63, "SamrUnicodeChangePasswordUser3",
                     request=[("ServerName", Pointer(RpcUnicodeString)), ("UserName", RpcUnicodeString),
                              ("NewPasswordEncryptedWithOldNt", Pointer(SAMPR_ENCRYPTED_USER_PASSWORD)),
                              ("OldNtOwfPasswordEncryptedWithNewNt", Pointer(ENCRYPTED_OWF_PASSWORD)),
                              ("LmPresent", uint8),
                              ("NewPasswordEncryptedWithOldLm", Pointer(SAMPR_ENCRYPTED_USER_PASSWORD)),
                              ("OldLmOwfPasswordEncryptedWithNewNt", Pointer(ENCRYPTED_OWF_PASSWORD)),
                              ("AdditionalData", Pointer(SAMPR_ENCRYPTED_USER_PASSWORD))],
                     response=[("EffectivePasswordPolicy", Pointer(DOMAIN_PASSWORD_INFORMATION)),
                               ("PasswordChangeFailureInfo", Pointer(USER_PWD_CHANGE_FAILURE_INFORMATION))])
def SamrUnicodeChangePasswordUser3(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """See the module docstring."""
    version = ctx.server_view.version
    if version < _WINDOWS_2000:
        raise RpcFault(NCA_S_OP_RNG_ERROR, "SamrUnicodeChangePasswordUser3: not on NT 4.0")
    if version < _ANSWERED_FROM:
        return error_response(ctx, STATUS_NOT_SUPPORTED)
    refusals: list[str] = []
    response = change_with_old_nt(ctx, request, refusals)
    if response["ReturnValue"] == STATUS_PASSWORD_RESTRICTION and refusals:
        domain = directory_of(ctx).account_domain
        response["EffectivePasswordPolicy"] = domain_info(ctx, domain, 1)
        response["PasswordChangeFailureInfo"] = {
            "ExtendedFailureReason": refusal_reason(refusals[0]), "FilterModuleName": ""}
    return response
