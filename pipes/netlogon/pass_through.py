"""netlogon pass-through authentication (MS-NRPC 3.5.4.5): NetrLogonSamLogon (2),
NetrLogonSamLogoff (3), NetrLogonSamLogonEx (39) and NetrLogonSamLogonWithFlags (45).

A member server or a DC's own services forward a user's logon to a DC over an established secure
channel.  smbemu never has one (the fixture holds no machine secret, ``secure_channel``), so every
call is refused, as Windows refuses a caller it cannot authenticate:

* NetrLogonSamLogon / WithFlags / SamLogoff carry a Netlogon authenticator that cannot be
  verified: STATUS_ACCESS_DENIED (MS-NRPC 3.5.4.5.2-3.5.4.5.4 via 3.1.4.5);
* NetrLogonSamLogonEx has no authenticator: the server only accepts it over Secure RPC (the
  Netlogon SSP of an established secure channel, MS-NRPC 3.5.4.5.1), which no smbemu binding
  is: STATUS_ACCESS_DENIED (Samba's DC answers the same when the binding is not schannel).

The [in] LogonInformation union (NETLOGON_LEVEL, 2.2.1.4.6) is decoded in full because the
ValidationLevel that selects the [out] union's arm follows it on the wire.  The answer carries:
ValidationInformation with ValidationLevel as its tag and a NULL arm (every arm of
NETLOGON_VALIDATION, 2.2.1.4.14, is a pointer); Authoritative 1 (U: Samba's DC sets it before
any check; MS-NRPC leaves a refused call's value unsaid); ExtraFlags echoed (U: nothing was
processed); the [in, out, unique] ReturnAuthenticator zero when the client passed one, NULL when
it passed none (the [out] side of a unique [in, out] pointer mirrors its [in] side).  A
ValidationLevel outside 2-6 cannot be marshalled by the server stub (the union has no default
arm): fault nca_s_fault_invalid_tag (U: what the stub's marshalling raises, MS-RPCE 3.1.1.5.x).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    ConformantBytes,
    ConformantVaryingBytes,
    FixedBytes,
    Pointer,
    RpcUnicodeString,
    Struct,
    Union,
    WString,
    enum16,
    uint8,
    uint16,
    uint32,
)
from smbemu.status import NCA_S_FAULT_INVALID_TAG

from .objects import INTERFACE, ZERO_AUTHENTICATOR, no_secure_channel
from .types import NETLOGON_AUTHENTICATOR, NULL_ONLY

# -------------------------------------------------------------------------------------------
# NDR types (MS-NRPC 2.2.1.4)
# -------------------------------------------------------------------------------------------

#: STRING: the counted byte string NETLOGON_NETWORK_INFO carries the challenge responses in
#: (MS-NRPC 2.2.1.4.5): [size_is(MaximumLength), length_is(Length)] CHAR* Buffer.
NL_STRING: Final = Struct("STRING", [
    ("Length", uint16), ("MaximumLength", uint16),
    ("Buffer", Pointer(ConformantVaryingBytes()))])
#: 2.2.1.4.15 NETLOGON_LOGON_IDENTITY_INFO (Reserved is an OLD_LARGE_INTEGER: two ULONGs).
NETLOGON_LOGON_IDENTITY_INFO: Final = Struct("NETLOGON_LOGON_IDENTITY_INFO", [
    ("LogonDomainName", RpcUnicodeString), ("ParameterControl", uint32),
    ("ReservedLow", uint32), ("ReservedHigh", uint32),
    ("UserName", RpcUnicodeString), ("Workstation", RpcUnicodeString)])
#: 2.2.1.4.3 NETLOGON_INTERACTIVE_INFO and 2.2.1.4.4 NETLOGON_SERVICE_INFO (the same layout:
#: the identity, then the LM and NT OWF passwords, 16 bytes each).
NETLOGON_PASSWORD_INFO: Final = Struct("NETLOGON_INTERACTIVE_INFO", [
    ("Identity", NETLOGON_LOGON_IDENTITY_INFO), ("LmOwfPassword", FixedBytes(16)),
    ("NtOwfPassword", FixedBytes(16))])
#: 2.2.1.4.5 NETLOGON_NETWORK_INFO (LM_CHALLENGE is 8 bytes, 2.2.1.4.1).
NETLOGON_NETWORK_INFO: Final = Struct("NETLOGON_NETWORK_INFO", [
    ("Identity", NETLOGON_LOGON_IDENTITY_INFO), ("LmChallenge", FixedBytes(8)),
    ("NtChallengeResponse", NL_STRING), ("LmChallengeResponse", NL_STRING)])
#: 2.2.1.4.2 NETLOGON_GENERIC_INFO.
NETLOGON_GENERIC_INFO: Final = Struct("NETLOGON_GENERIC_INFO", [
    ("Identity", NETLOGON_LOGON_IDENTITY_INFO), ("PackageName", RpcUnicodeString),
    ("DataLength", uint32), ("LogonData", Pointer(ConformantBytes()))])
#: 2.2.1.4.6 NETLOGON_LEVEL, switched by NETLOGON_LOGON_INFO_CLASS (2.2.1.4.16, an enum: 16
#: bits on the wire): 1 interactive, 2 network, 3 service, 4 generic, 5-7 their transitive
#: forms.  No default arm: another level is nca_s_fault_invalid_tag while unmarshalling.
NETLOGON_LEVEL: Final = Union(enum16, {
    1: Pointer(NETLOGON_PASSWORD_INFO), 2: Pointer(NETLOGON_NETWORK_INFO),
    3: Pointer(NETLOGON_PASSWORD_INFO), 4: Pointer(NETLOGON_GENERIC_INFO),
    5: Pointer(NETLOGON_PASSWORD_INFO), 6: Pointer(NETLOGON_NETWORK_INFO),
    7: Pointer(NETLOGON_PASSWORD_INFO)}, name="NETLOGON_LEVEL")

#: 2.2.1.4.14 NETLOGON_VALIDATION, switched by NETLOGON_VALIDATION_INFO_CLASS (2.2.1.4.17):
#: 2 SAM_INFO, 3 SAM_INFO2, 4 GENERIC_INFO2, 5 GENERIC_INFO2, 6 SAM_INFO4 -- all pointers.
VALIDATION_LEVELS: Final = frozenset(range(2, 7))
NETLOGON_VALIDATION: Final = Union(enum16, dict.fromkeys(VALIDATION_LEVELS, NULL_ONLY),
                                   name="NETLOGON_VALIDATION")

PNETLOGON_AUTHENTICATOR: Final = Pointer(NETLOGON_AUTHENTICATOR)

# -------------------------------------------------------------------------------------------
# The calls
# -------------------------------------------------------------------------------------------


def _validation(request: dict[str, Any]) -> tuple[int, None]:
    level = request["ValidationLevel"]
    if level not in VALIDATION_LEVELS:
        raise RpcFault(NCA_S_FAULT_INVALID_TAG, f"ValidationLevel {level}: no arm to marshal")
    return (level, None)


def _return_authenticator(request: dict[str, Any]) -> dict[str, Any] | None:
    return None if request["ReturnAuthenticator"] is None else ZERO_AUTHENTICATOR


_ANSWERED_IN: Final = [("LogonServer", WString), ("ComputerName", WString)]
_AUTHENTICATED_IN: Final = [*_ANSWERED_IN, ("Authenticator", PNETLOGON_AUTHENTICATOR),
                            ("ReturnAuthenticator", PNETLOGON_AUTHENTICATOR)]
_LOGON_IN: Final = [("LogonLevel", enum16), ("LogonInformation", NETLOGON_LEVEL),
                    ("ValidationLevel", enum16)]
_LOGON_OUT: Final = [("ValidationInformation", NETLOGON_VALIDATION), ("Authoritative", uint8)]


@INTERFACE.operation(2, "NetrLogonSamLogon", request=[*_AUTHENTICATED_IN, *_LOGON_IN],
                     response=[("ReturnAuthenticator", PNETLOGON_AUTHENTICATOR), *_LOGON_OUT],
                     returns="NTSTATUS")
def NetrLogonSamLogon(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.5.3: the authenticator cannot be verified: STATUS_ACCESS_DENIED."""
    validation = _validation(request)
    return {"ReturnAuthenticator": _return_authenticator(request),
            "ValidationInformation": validation, "Authoritative": 1,
            "ReturnValue": no_secure_channel(ctx)}


@INTERFACE.operation(45, "NetrLogonSamLogonWithFlags",
                     request=[*_AUTHENTICATED_IN, *_LOGON_IN, ("ExtraFlags", uint32)],
                     response=[("ReturnAuthenticator", PNETLOGON_AUTHENTICATOR), *_LOGON_OUT,
                               ("ExtraFlags", uint32)], returns="NTSTATUS")
def NetrLogonSamLogonWithFlags(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.5.2: as NetrLogonSamLogon, ExtraFlags echoed."""
    validation = _validation(request)
    return {"ReturnAuthenticator": _return_authenticator(request),
            "ValidationInformation": validation, "Authoritative": 1,
            "ExtraFlags": request["ExtraFlags"], "ReturnValue": no_secure_channel(ctx)}


@INTERFACE.operation(39, "NetrLogonSamLogonEx",
                     request=[*_ANSWERED_IN, *_LOGON_IN, ("ExtraFlags", uint32)],
                     response=[*_LOGON_OUT, ("ExtraFlags", uint32)], returns="NTSTATUS")
def NetrLogonSamLogonEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.5.1: only over Secure RPC (Netlogon SSP), which no binding here is."""
    validation = _validation(request)
    status = ctx.decide().status or ctx.deny(
        "Secure RPC (MS-NRPC 3.5.4.5.1)", "is not bound with the Netlogon SSP").status
    return {"ValidationInformation": validation, "Authoritative": 1,
            "ExtraFlags": request["ExtraFlags"], "ReturnValue": status}


@INTERFACE.operation(3, "NetrLogonSamLogoff",
                     request=[*_AUTHENTICATED_IN, ("LogonLevel", enum16),
                              ("LogonInformation", NETLOGON_LEVEL)],
                     response=[("ReturnAuthenticator", PNETLOGON_AUTHENTICATOR)],
                     returns="NTSTATUS")
def NetrLogonSamLogoff(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.5.4: the authenticator cannot be verified: STATUS_ACCESS_DENIED."""
    return {"ReturnAuthenticator": _return_authenticator(request),
            "ReturnValue": no_secure_channel(ctx)}
