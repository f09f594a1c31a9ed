"""The DCE/RPC authentication hook (MS-RPCE 2.2.2.11, 3.3.1.5.2; C706 13).

The endpoint does the framing: it finds the sec_trailer and auth_value, pads stubs to 16
octets, sets ``auth_length``, writes the trailer, sizes fragments so header + stub + pad +
trailer + signature fit in max_xmit_frag, and strips the padding after unsealing.  An
:class:`RpcAuth` object (one per endpoint) does the security-provider part:

* ``process_bind_auth(verifier, alter=..., client_flags=...)`` consumes the token a bind or
  alter_context carries (NTLMSSP NEGOTIATE, or AUTHENTICATE for the alter_context leg) and
  returns the verifier to put in bind_ack / alter_context_resp (CHALLENGE), or ``None``;
* ``process_auth3(verifier)`` consumes the rpc_auth_3 token (NTLMSSP AUTHENTICATE); no reply;
* ``verify_and_unseal(pdu, stub_offset, stub_end, verifier)`` checks a request fragment and
  returns the plaintext of ``pdu[stub_offset:stub_end]`` (stub + auth padding);
* ``sign_and_seal(pdu, stub_offset, stub_end)`` protects a response fragment: ``pdu`` holds
  the fragment from its header through the sec_trailer with ``auth_length`` already set;
  it seals ``pdu[stub_offset:stub_end]`` in place (privacy) and returns the auth_value
  (exactly :meth:`sig_size` bytes).

For NTLMSSP (``smbemu.auth.ntlm``): ``process_bind_auth`` maps to
``NtlmAcceptor.accept_negotiate`` (returning the CHALLENGE), ``process_auth3`` (or the second
alter_context) to ``accept_authenticate``, after which an ``NtlmSecurity`` built from the
session key provides sign/verify/seal/unseal: at PKT_INTEGRITY, verify the signature over
``pdu[:len(pdu)-auth_length]`` (the whole PDU up to and including the sec_trailer, as
Windows signs with NTLM2 session security); at PKT_PRIVACY, unseal the stub region first.
:class:`NullAuth` is the no-authentication provider used until then.
"""

from __future__ import annotations

from typing import Protocol

from smbemu.principal import Principal
from smbemu.rpc.pdu import AuthLevel, AuthType, AuthVerifier, BindNakReason
from smbemu.status import FAULT_ACCESS_DENIED, FAULT_SEC_PKG_ERROR, NCA_S_PROTO_ERROR

__all__ = ["AuthRejected", "VerifyFailed", "RpcAuth", "NullAuth"]



class AuthRejected(Exception):
    """Refuse an authentication leg.

    In a bind the endpoint answers bind_nak ``reject_reason``; in an alter_context or
    rpc_auth_3 it answers a fault with ``fault_status`` (or nothing if it is 0, for auth3)
    and ends the association.
    """

    def __init__(self, reject_reason: int = BindNakReason.AUTHENTICATION_TYPE_NOT_RECOGNIZED,
                 fault_status: int = FAULT_SEC_PKG_ERROR, message: str = "") -> None:
        super().__init__(message or f"authentication rejected (reason {reject_reason})")
        self.reject_reason = reject_reason
        self.fault_status = fault_status


class VerifyFailed(Exception):
    """A request's verifier is missing, wrong or unexpected: fault ``status`` and end the
    association (MS-RPCE 3.3.3.5.3)."""

    def __init__(self, status: int = FAULT_ACCESS_DENIED, message: str = "") -> None:
        super().__init__(message or f"verifier rejected (fault 0x{status:08X})")
        self.status = status


class RpcAuth(Protocol):
    """One endpoint's DCE/RPC security state (see the module docstring).  The attributes are
    read-only to the endpoint: a provider may keep them as plain attributes or compute them
    (:class:`smbemu.rpc.auth_contexts.SecurityContexts` answers for the context in use)."""

    @property
    def auth_level(self) -> int:
        """MS-RPCE 2.2.1.1.8 level in force (``AuthLevel.NONE`` without RPC auth)."""

    @property
    def auth_type(self) -> int:
        """MS-RPCE 2.2.1.1.7 provider in force (``AuthType.NONE`` without RPC auth)."""

    @property
    def auth_context_id(self) -> int:
        """auth_context_id of the established context (echoed in response sec_trailers)."""

    @property
    def principal(self) -> Principal | None:
        """Identity established by RPC auth, or ``None`` (the SMB session's identity applies)."""

    @property
    def session_key(self) -> bytes | None:
        """Session key of the RPC security context, or ``None``."""

    @property
    def protects(self) -> bool:
        """True when requests and responses carry verifiers (PKT / PKT_INTEGRITY /
        PKT_PRIVACY)."""

    @property
    def header_signing(self) -> bool:
        """True to echo PFC_SUPPORT_HEADER_SIGN in bind_ack when the client offered it."""

    def process_bind_auth(self, verifier: AuthVerifier, *, alter: bool,
                          client_flags: int) -> AuthVerifier | None: ...

    def process_auth3(self, verifier: AuthVerifier) -> None: ...

    def sig_size(self) -> int: ...

    def verify_and_unseal(self, pdu: bytes, stub_offset: int, stub_end: int,
                          verifier: AuthVerifier | None) -> bytes: ...

    def sign_and_seal(self, pdu: bytearray, stub_offset: int, stub_end: int) -> bytes: ...


class NullAuth:
    """No DCE/RPC authentication: the SMB session carries the identity.

    A bind carrying a verifier is refused the way Windows refuses an unknown provider
    (bind_nak 8, or 0 for a level outside 2..6); rpc_auth_3 without a started context is a
    protocol error; a request carrying a verifier is refused with access denied.
    """

    __slots__ = ("auth_level", "auth_type", "auth_context_id", "principal", "session_key",
                 "protects", "header_signing")

    def __init__(self) -> None:
        self.auth_level: int = AuthLevel.NONE
        self.auth_type: int = AuthType.NONE
        self.auth_context_id = 0
        self.principal: Principal | None = None
        self.session_key: bytes | None = None
        self.protects = False
        self.header_signing = False

    def process_bind_auth(self, verifier: AuthVerifier, *, alter: bool,
                          client_flags: int) -> AuthVerifier | None:
        valid_level = AuthLevel.CONNECT <= verifier.auth_level <= AuthLevel.PKT_PRIVACY
        reason = (BindNakReason.AUTHENTICATION_TYPE_NOT_RECOGNIZED if valid_level
                  else BindNakReason.REASON_NOT_SPECIFIED)
        raise AuthRejected(reason, FAULT_SEC_PKG_ERROR,
                           f"no security provider for auth_type {verifier.auth_type}")

    def process_auth3(self, verifier: AuthVerifier) -> None:
        raise AuthRejected(BindNakReason.REASON_NOT_SPECIFIED, NCA_S_PROTO_ERROR,
                           "rpc_auth_3 without an authentication in progress")

    def sig_size(self) -> int:
        return 0

    def verify_and_unseal(self, pdu: bytes, stub_offset: int, stub_end: int,
                          verifier: AuthVerifier | None) -> bytes:
        if verifier is not None:
            raise VerifyFailed(FAULT_ACCESS_DENIED, "verifier on an unauthenticated association")
        return pdu[stub_offset:stub_end]

    def sign_and_seal(self, pdu: bytearray, stub_offset: int, stub_end: int) -> bytes:
        return b""
