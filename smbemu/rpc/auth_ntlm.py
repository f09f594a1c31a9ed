"""The NTLMSSP security provider for DCE/RPC, bare or wrapped in SPNEGO (MS-RPCE 3.3.1.5.2;
MS-NLMP 3.2.5, 3.4; MS-SPNG 3.3.5.1; RFC 4178).

One :class:`NtlmRpcAuth` per security context (:mod:`smbemu.rpc.auth_contexts` keeps an
association's contexts, keyed by auth_context_id) implements
:class:`smbemu.rpc.security.RpcAuth` for

* ``auth_type`` 10 (RPC_C_AUTHN_WINNT, bare NTLMSSP): bind NEGOTIATE -> bind_ack CHALLENGE ->
  rpc_auth_3 AUTHENTICATE (no answer), or -> alter_context AUTHENTICATE -> alter_context_resp
  carrying a sec_trailer with an empty auth_value (auth_length 0);
* ``auth_type`` 9 (RPC_C_AUTHN_GSS_NEGOTIATE, SPNEGO offering NTLMSSP): bind NegTokenInit ->
  bind_ack NegTokenResp(CHALLENGE) -> alter_context NegTokenResp(AUTHENTICATE, mechListMIC) ->
  alter_context_resp NegTokenResp(accept-completed, mechListMIC); when the client led with
  another mechanism, one more alter_context leg carries the NTLM NEGOTIATE
  (:mod:`smbemu.auth.spnego`, step 3);

at levels CONNECT (2), PKT (4, protected exactly like PKT_INTEGRITY), PKT_INTEGRITY (5) and
PKT_PRIVACY (6).  It knows nothing about SMB: the acceptor comes from ``new_acceptor`` and the
identity from ``resolve_principal`` (an ``NtlmResult`` in, a :class:`~smbemu.principal.Principal` out, any
exception meaning "refused").  :func:`rpc_auth_factory` wires both to the server's logons, an
:class:`RpcLogons` the SMB/IPC layer hands in (:class:`smbemu.logon.RpcLogons`, the same two calls
SMB2 SESSION_SETUP makes): the RPC runtime never imports the logon layer.

Until a bind carries a verifier the object behaves exactly as
:class:`~smbemu.rpc.security.NullAuth` (the SMB session carries the identity).

What the wire shows, as Windows answers (Samba's ``raw_protocol`` tests, which are run against
Windows, pin these; Samba's ``dcesrv_auth.c`` / ``dcerpc_pkt_auth.c`` implement the same):

=============================================  =================================================
bind with auth_level outside 2..6              bind_nak reason_not_specified (0)
bind with an auth_type other than 9 / 10       bind_nak authentication_type_not_recognized (8)
bind with auth_level CALL (3)                  bind_nak invalid_checksum (9): no provider starts
                                               at that level
bind whose token is not a usable NEGOTIATE     bind_nak reason_not_specified (0)
alter_context leg that fails (bad password,    fault ERROR_SEC_PKG_ERROR (0x721), association ends
unknown user, disabled account, bad MIC,
PKT_PRIVACY without NTLMSSP_NEGOTIATE_SEAL...)
alter_context changing auth_type               fault 0x721 (ACCESS_DENIED when changed to NONE)
alter_context changing level or context id     fault ERROR_ACCESS_DENIED (5)
alter_context for this context once             fault ERROR_ACCESS_DENIED (another
established                                    auth_context_id starts another context:
                                               :mod:`smbemu.rpc.auth_contexts`)
rpc_auth_3 that fails, or that tries to end    no answer; the next request faults
an SPNEGO exchange (it cannot carry the final  ERROR_ACCESS_DENIED and the association ends
token)
rpc_auth_3 once established                    fault nca_proto_error
request before the exchange finished           fault nca_proto_error, association ends
request without verifier at PKT and above      fault nca_proto_error, association ends
request verifier with another type / level /   fault ERROR_ACCESS_DENIED, association ends
context id (first fragment)
request signature that does not verify         fault ERROR_SEC_PKG_ERROR, association ends
CONNECT level: request with or without a       accepted (its auth_value is ignored); responses
matching verifier                              carry none
=============================================  =================================================

Protection (MS-NLMP 3.4; MS-RPCE 3.3.1.5.2.2): with extended session security ("NTLM2") the
signature covers the whole PDU up to and including the sec_trailer with the stub in plaintext;
with NTLM v1 session security it covers the stub and its padding only.  At PKT_PRIVACY the stub
and its padding are sealed.  Anonymous (and guest-mapped) logons have no session key, so they
are accepted at CONNECT level only.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import Final, Protocol

from smbemu.auth import spnego
from smbemu.auth.ntlm import NtlmAcceptor, NtlmError, NtlmResult, NtlmSecurity, Outcome
from smbemu.auth.ntlm_messages import NegotiateFlags
from smbemu.errors import SmbStatusError
from smbemu.principal import Principal
from smbemu.rpc.auth_contexts import SecurityContexts
from smbemu.rpc.pdu import PFC_FIRST_FRAG, AuthLevel, AuthType, AuthVerifier, BindNakReason
from smbemu.rpc.security import AuthRejected, NullAuth, VerifyFailed
from smbemu.status import FAULT_ACCESS_DENIED, FAULT_SEC_PKG_ERROR, NCA_S_PROTO_ERROR

__all__ = ["NtlmRpcAuth", "RpcLogons", "rpc_auth_factory", "SIGNATURE_SIZE"]

log = logging.getLogger(__name__)

#: MS-NLMP 2.2.2.9: every NTLMSSP_MESSAGE_SIGNATURE is 16 octets.
SIGNATURE_SIZE: Final = 16
_ESS: Final = int(NegotiateFlags.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY)
_SEAL: Final = int(NegotiateFlags.NTLMSSP_NEGOTIATE_SEAL)
_NTLM_NEGOTIATE: Final = 1
_NTLM_AUTHENTICATE: Final = 3
_PROVIDERS: Final = frozenset({AuthType.GSS_NEGOTIATE, AuthType.WINNT})


class _State(enum.Enum):
    NONE = "none"  # no DCE/RPC authentication: NullAuth behaviour
    CHALLENGED = "challenged"  # CHALLENGE sent, AUTHENTICATE expected
    WANT_NEGOTIATE = "want-negotiate"  # SPNEGO chose NTLMSSP, its NEGOTIATE is still to come
    ESTABLISHED = "established"
    FAILED = "failed"  # rpc_auth_3 refused: every request is access denied


class _Refused(Exception):
    """Internal: an authentication leg failed; ``fault`` is what an alter_context leg answers
    (an rpc_auth_3 leg answers nothing)."""

    def __init__(self, message: str, fault: int = FAULT_SEC_PKG_ERROR) -> None:
        super().__init__(message)
        self.fault = fault


class NtlmRpcAuth:
    """DCE/RPC NTLMSSP / SPNEGO security state of one association (see the module docstring).

    ``new_acceptor`` is called once, when a bind first carries a verifier;
    ``resolve_principal(result)`` maps the NTLM outcome to the caller's identity or raises
    (an :class:`AuthRejected` it raises is passed on as is in an alter_context leg).
    """

    __slots__ = ("auth_level", "auth_type", "auth_context_id", "principal", "session_key",
                 "protects", "header_signing", "_new_acceptor", "_resolve", "_null", "_state",
                 "_acceptor", "_security", "_ess", "_bound", "_wrap", "_mech_types_der",
                 "_downgraded")

    def __init__(self, new_acceptor: Callable[[], NtlmAcceptor],
                 resolve_principal: Callable[[NtlmResult], Principal]) -> None:
        self.auth_level: int = AuthLevel.NONE
        self.auth_type: int = AuthType.NONE
        self.auth_context_id = 0
        self.principal: Principal | None = None
        self.session_key: bytes | None = None
        self.protects = False
        #: NTLMSSP signs the whole PDU anyway (with NTLM2), so PFC_SUPPORT_HEADER_SIGN is echoed.
        self.header_signing = True
        self._new_acceptor = new_acceptor
        self._resolve = resolve_principal
        self._null = NullAuth()
        self._state = _State.NONE
        self._acceptor: NtlmAcceptor | None = None
        self._security: NtlmSecurity | None = None
        self._ess = False
        self._bound: tuple[int, int, int] = (0, 0, 0)  # (auth_type, auth_level, context id)
        self._wrap = False  # SPNEGO framing on our tokens
        self._mech_types_der: bytes | None = None
        self._downgraded = False

    @property
    def established(self) -> bool:
        """True once DCE/RPC authentication succeeded."""
        return self._state is _State.ESTABLISHED

    # ------------------------------------------------------------------ legs
    def process_bind_auth(self, verifier: AuthVerifier, *, alter: bool,
                          client_flags: int) -> AuthVerifier | None:
        state = self._state
        if state is _State.NONE:
            if alter:  # the bind carried no verifier: as NullAuth
                return self._null.process_bind_auth(verifier, alter=alter,
                                                    client_flags=client_flags)
            return self._start(verifier)
        if state is _State.ESTABLISHED or state is _State.FAILED:
            raise AuthRejected(BindNakReason.REASON_NOT_SPECIFIED, FAULT_ACCESS_DENIED,
                               "alter_context with authentication on an authenticated "
                               "association (one security context per association)")
        self._check_leg_fields(verifier)
        if not alter:  # unreachable from the endpoint (one bind per association)
            raise AuthRejected(BindNakReason.REASON_NOT_SPECIFIED, FAULT_SEC_PKG_ERROR,
                               "second bind during authentication")
        try:
            return self._continue(verifier)
        except _Refused as exc:
            raise AuthRejected(BindNakReason.REASON_NOT_SPECIFIED, exc.fault, str(exc)) \
                from None

    def process_auth3(self, verifier: AuthVerifier) -> None:
        state = self._state
        if state is _State.NONE:
            self._null.process_auth3(verifier)
            return
        if state is _State.ESTABLISHED:
            raise AuthRejected(BindNakReason.REASON_NOT_SPECIFIED, NCA_S_PROTO_ERROR,
                               "rpc_auth_3 on an authenticated association")
        if state is _State.FAILED:
            raise AuthRejected(BindNakReason.REASON_NOT_SPECIFIED, 0,
                               "rpc_auth_3 after a failed authentication")
        reason = ""
        if (verifier.auth_type, verifier.auth_level, verifier.auth_context_id) != self._bound:
            reason = "rpc_auth_3 sec_trailer differs from the bind's"
        elif self._wrap:
            reason = "SPNEGO cannot complete in rpc_auth_3 (its last token has no PDU)"
        elif state is not _State.CHALLENGED:
            reason = "rpc_auth_3 before the NTLM NEGOTIATE"
        else:
            try:
                token = self._ntlm_token(verifier.auth_value)
                self._authenticate(token, mech_list_mic=None, in_spnego=False)
                return
            except _Refused as exc:
                reason = str(exc)
        self._fail()
        raise AuthRejected(BindNakReason.REASON_NOT_SPECIFIED, 0, reason)

    # ------------------------------------------------------------------ protection
    def sig_size(self) -> int:
        return SIGNATURE_SIZE if self.protects else 0

    def verify_and_unseal(self, pdu: bytes, stub_offset: int, stub_end: int,
                          verifier: AuthVerifier | None) -> bytes:
        state = self._state
        if state is _State.NONE:
            return self._null.verify_and_unseal(pdu, stub_offset, stub_end, verifier)
        if state is _State.FAILED:
            raise VerifyFailed(FAULT_ACCESS_DENIED, "request after a failed authentication")
        if state is not _State.ESTABLISHED:
            raise VerifyFailed(NCA_S_PROTO_ERROR, "request before authentication finished")
        level = self.auth_level
        if verifier is None:
            if level == AuthLevel.CONNECT:
                return bytes(pdu[stub_offset:stub_end])
            raise VerifyFailed(NCA_S_PROTO_ERROR, f"request without verifier at level {level}")
        if pdu[3] & PFC_FIRST_FRAG and (verifier.auth_type, verifier.auth_level,
                                        verifier.auth_context_id) != self._bound:
            raise VerifyFailed(FAULT_ACCESS_DENIED, "request sec_trailer differs from the "
                               "established security context")
        if level == AuthLevel.CONNECT:
            return bytes(pdu[stub_offset:stub_end])
        security = self._security
        signature = verifier.auth_value
        if security is None or len(signature) != SIGNATURE_SIZE:
            raise VerifyFailed(FAULT_SEC_PKG_ERROR, "bad verifier size")
        signed_end = len(pdu) - len(signature)
        if level == AuthLevel.PKT_PRIVACY:
            prefix = pdu[:stub_offset] if self._ess else b""
            suffix = pdu[stub_end:signed_end] if self._ess else b""
            try:
                return security.unseal(pdu[stub_offset:stub_end], signature,
                                       signed_prefix=prefix, signed_suffix=suffix)
            except NtlmError:
                raise VerifyFailed(FAULT_SEC_PKG_ERROR, "sealed request does not verify") \
                    from None
        data = bytes(pdu[stub_offset:stub_end])
        if not security.verify(pdu[:signed_end] if self._ess else data, signature):
            raise VerifyFailed(FAULT_SEC_PKG_ERROR, "request signature does not verify")
        return data

    def sign_and_seal(self, pdu: bytearray, stub_offset: int, stub_end: int) -> bytes:
        security = self._security
        if security is None or not self.protects:
            return b""
        if self.auth_level == AuthLevel.PKT_PRIVACY:
            stub = bytes(pdu[stub_offset:stub_end])
            sealed, signature = security.seal(stub, bytes(pdu) if self._ess else None)
            pdu[stub_offset:stub_end] = sealed
            return signature
        return security.sign(bytes(pdu) if self._ess else bytes(pdu[stub_offset:stub_end]))

    # ------------------------------------------------------------------ internals
    def _start(self, verifier: AuthVerifier) -> AuthVerifier:
        """The bind leg (MS-RPCE 3.3.1.5.2; reject reasons as Windows, module docstring)."""
        auth_type, level = verifier.auth_type, verifier.auth_level
        if not AuthLevel.CONNECT <= level <= AuthLevel.PKT_PRIVACY:
            raise AuthRejected(BindNakReason.REASON_NOT_SPECIFIED, FAULT_SEC_PKG_ERROR,
                               f"auth_level {level} is not a level")
        if auth_type not in _PROVIDERS:
            raise AuthRejected(BindNakReason.AUTHENTICATION_TYPE_NOT_RECOGNIZED,
                               FAULT_SEC_PKG_ERROR, f"no security provider {auth_type}")
        if level == AuthLevel.CALL:
            raise AuthRejected(BindNakReason.INVALID_CHECKSUM, FAULT_SEC_PKG_ERROR,
                               "RPC_C_AUTHN_LEVEL_CALL is not offered on ncacn")
        self._bound = (auth_type, level, verifier.auth_context_id)
        self._acceptor = self._new_acceptor()
        self.protects = True  # until established: the endpoint asks us about every request
        try:
            token = verifier.auth_value
            if auth_type == AuthType.WINNT:
                out = self._acceptor.accept_negotiate(token)
                self._state = _State.CHALLENGED
            else:
                out = self._spnego_first(token)
        except (NtlmError, spnego.SpnegoError, _Refused) as exc:
            self._acceptor = None
            self.protects = False
            raise AuthRejected(BindNakReason.REASON_NOT_SPECIFIED, FAULT_SEC_PKG_ERROR,
                               f"bad first authentication token: {exc}") from None
        return AuthVerifier(auth_type, level, verifier.auth_context_id, out)

    def _spnego_first(self, token: bytes) -> bytes:
        client = spnego.parse_client_token(token)
        acceptor = self._acceptor
        assert acceptor is not None
        if client.raw_ntlm:  # a bare NTLMSSP token under auth_type 9: answer bare
            challenge = acceptor.accept_negotiate(client.mech_token)
            self._state = _State.CHALLENGED
            return challenge
        self._wrap = True
        self._mech_types_der = client.mech_types_der
        self._downgraded = client.downgraded
        selection = spnego.select_mech(client)
        if selection is spnego.MechSelection.REJECT:
            raise _Refused("the client's SPNEGO offers no NTLMSSP")
        if selection is spnego.MechSelection.NTLM_NEEDS_NEGOTIATE:
            self._state = _State.WANT_NEGOTIATE
            return spnego.accept_incomplete(None, request_mic=client.downgraded)
        challenge = acceptor.accept_negotiate(client.mech_token)
        self._state = _State.CHALLENGED
        return spnego.accept_incomplete(challenge)

    def _check_leg_fields(self, verifier: AuthVerifier) -> None:
        """An alter_context leg must keep the bind's type, level and context id."""
        auth_type, level, context_id = self._bound
        if verifier.auth_type != auth_type:
            fault = FAULT_ACCESS_DENIED if verifier.auth_type == AuthType.NONE \
                else FAULT_SEC_PKG_ERROR
            raise AuthRejected(BindNakReason.REASON_NOT_SPECIFIED, fault,
                               f"auth_type changed from {auth_type} to {verifier.auth_type}")
        if verifier.auth_level != level or verifier.auth_context_id != context_id:
            raise AuthRejected(BindNakReason.REASON_NOT_SPECIFIED, FAULT_ACCESS_DENIED,
                               "auth_level or auth_context_id changed during authentication")

    def _continue(self, verifier: AuthVerifier) -> AuthVerifier:
        """An alter_context leg: the NEGOTIATE (SPNEGO after a downgrade) or AUTHENTICATE."""
        auth_type, level, context_id = self._bound
        acceptor = self._acceptor
        assert acceptor is not None
        mic: bytes | None = None
        if self._wrap:
            try:
                client = spnego.parse_client_token(verifier.auth_value)
            except spnego.SpnegoError as exc:
                raise _Refused(f"bad SPNEGO token: {exc}") from None
            token, mic = client.mech_token, client.mech_list_mic
        else:
            token = self._ntlm_token(verifier.auth_value)
        if self._state is _State.WANT_NEGOTIATE:
            if _message_type(token) != _NTLM_NEGOTIATE:
                raise _Refused("expected the NTLM NEGOTIATE_MESSAGE")
            try:
                challenge = acceptor.accept_negotiate(token)
            except NtlmError as exc:
                raise _Refused(f"bad NTLM NEGOTIATE_MESSAGE: {exc}") from None
            self._state = _State.CHALLENGED
            out = spnego.accept_incomplete(challenge, supported_mech=False)
            return AuthVerifier(auth_type, level, context_id, out)
        final = self._authenticate(token, mech_list_mic=mic, in_spnego=self._wrap)
        return AuthVerifier(auth_type, level, context_id, final)

    @staticmethod
    def _ntlm_token(token: bytes) -> bytes:
        if _message_type(token) != _NTLM_AUTHENTICATE:
            raise _Refused("expected the NTLM AUTHENTICATE_MESSAGE")
        return token

    def _authenticate(self, token: bytes, *, mech_list_mic: bytes | None,
                      in_spnego: bool) -> bytes:
        """Check the AUTHENTICATE_MESSAGE, resolve the principal, establish the context;
        return our last token (b"" for bare NTLMSSP)."""
        acceptor = self._acceptor
        assert acceptor is not None
        auth_type, level, context_id = self._bound
        try:
            result = acceptor.accept_authenticate(token)
        except NtlmError as exc:
            raise _Refused(f"AUTHENTICATE_MESSAGE out of sequence: {exc}") from None
        who = f"{result.domain_name}\\{result.user_name}" if result.domain_name \
            else result.user_name or "ANONYMOUS LOGON"
        authenticated = result.outcome is Outcome.AUTHENTICATED
        if authenticated and level == AuthLevel.PKT_PRIVACY \
                and not result.negotiate_flags & _SEAL:
            raise _Refused(f"{who}: packet privacy without NTLMSSP_NEGOTIATE_SEAL")
        try:
            principal = self._resolve(result)
        except AuthRejected as exc:
            raise _Refused(f"{who}: {exc}", exc.fault_status or FAULT_SEC_PKG_ERROR) from None
        except Exception as exc:
            raise _Refused(f"{who}: {result.outcome.value}: {exc}") from None
        if level >= AuthLevel.PKT and not authenticated:
            raise _Refused(f"{who}: no session key ({result.outcome.value}) for level {level}")
        security = acceptor.security() if authenticated else None
        final = b""
        if in_spnego:
            if security is not None:
                ok, final = _finish_spnego(security, self._mech_types_der, mech_list_mic,
                                           mic_required=self._downgraded)
                if not ok:
                    raise _Refused(f"{who}: SPNEGO mechListMIC missing or wrong")
            else:
                final = spnego.accept_completed()
        self._state = _State.ESTABLISHED
        self._security = security
        self._ess = bool(result.negotiate_flags & _ESS)
        self.auth_type, self.auth_level, self.auth_context_id = auth_type, level, context_id
        self.principal = principal
        self.session_key = result.session_key
        self.protects = level >= AuthLevel.PKT
        self._acceptor = None
        log.info("DCE/RPC %s authentication of %s (%s, level %d)",
                 "SPNEGO" if auth_type == AuthType.GSS_NEGOTIATE else "NTLMSSP", who,
                 result.package or result.outcome.value, level)
        return final

    def _fail(self) -> None:
        self._state = _State.FAILED
        self._acceptor = None
        self._security = None
        self.protects = True  # so that the endpoint asks us about every request


def _finish_spnego(security: NtlmSecurity, mech_types_der: bytes | None,
                   client_mic: bytes | None, *, mic_required: bool) -> tuple[bool, bytes]:
    """:func:`smbemu.auth.spnego.finish_ntlm`, except for NTLM v1 session security.

    Without extended session security one RC4 handle and one sequence number serve both
    directions, and the peer (Samba's gensec in DCE style, which sends a mechListMIC even
    then) checks our mechListMIC with the handle its own mechListMIC advanced, re-keying
    once at the end: so verify, sign, then re-key -- not re-key in between, as
    ``finish_ntlm`` does (harmless with two handles, fatal with one; SMB never notices
    because it discards the context).
    """
    if security.flags & _ESS:
        return spnego.finish_ntlm(security, mech_types_der, client_mic,
                                  mic_required=mic_required)
    if client_mic is None:
        return spnego.finish_ntlm(security, mech_types_der, None, mic_required=mic_required)
    if mech_types_der is None or not security.verify(mech_types_der, client_mic):
        return False, spnego.reject()
    mic = security.sign(mech_types_der)
    security.reset_rc4_state(outgoing=True)  # the shared handle
    return True, spnego.accept_completed(mic)


def _message_type(token: bytes) -> int:
    """MS-NLMP 2.2.1: MessageType of an NTLMSSP message (0 when it is not one)."""
    if len(token) < 12 or token[:8] != b"NTLMSSP\x00":
        return 0
    return int.from_bytes(token[8:12], "little")


class RpcLogons(Protocol):
    """What DCE/RPC authentication needs from the server's logon layer.  The SMB/IPC layer hands
    one in when it builds the factory (:class:`smbemu.logon.RpcLogons`), so the RPC runtime
    stays usable without the SMB layer and never imports it."""

    def new_acceptor(self) -> NtlmAcceptor:
        """A fresh NTLM acceptor speaking for this server."""
        ...

    def logon(self, result: NtlmResult) -> Principal:
        """The caller's principal once the exchange is accepted, the logon bookkept and reported
        (logon count, last logon, the audit log's 4624).  A refused logon (bad password, locked
        out, disabled: bookkept and reported as well) raises ``SmbStatusError`` with the
        NTSTATUS SMB2 SESSION_SETUP would answer."""
        ...


def rpc_auth_factory(logons: RpcLogons) -> Callable[[], SecurityContexts]:
    """A factory of per-association security context tables
    (:class:`smbemu.rpc.auth_contexts.SecurityContexts`) whose contexts speak for this server:
    acceptors from ``logons.new_acceptor``, identities from ``logons.logon``.

    A refused logon (its ``SmbStatusError``: LOGON_FAILURE, ACCOUNT_DISABLED, ...) becomes
    :class:`AuthRejected` with ERROR_SEC_PKG_ERROR, the fault Windows ends a failed
    alter_context leg with; in an rpc_auth_3 leg nothing is answered and the next request
    faults ERROR_ACCESS_DENIED.  A successful logon is recorded as SESSION_SETUP records it.
    """

    def resolve(result: NtlmResult) -> Principal:
        try:
            return logons.logon(result)
        except SmbStatusError as exc:
            raise AuthRejected(BindNakReason.REASON_NOT_SPECIFIED, FAULT_SEC_PKG_ERROR,
                               f"logon refused (NTSTATUS 0x{exc.status:08X}): {exc}") from None

    def new_context() -> NtlmRpcAuth:
        return NtlmRpcAuth(logons.new_acceptor, resolve)

    def factory() -> SecurityContexts:
        return SecurityContexts(new_context)

    return factory
