"""Several security contexts on one association, keyed by ``auth_context_id`` (MS-RPCE
3.3.1.5.4 "Security Context Multiplexing"; 3.2.3.1.4 / the connection's "Table of Security
Context Handles", looked up "using the auth_context_id field in the sec_trailer").

:class:`SecurityContexts` implements :class:`smbemu.rpc.security.RpcAuth` for an endpoint and
keeps one provider (:class:`smbemu.rpc.auth_ntlm.NtlmRpcAuth`: its own NTLM state, session key,
signing and sealing keys and principal) per security context.  What Windows does, as Samba's
raw_protocol tests (run against Windows) pin it -- Samba's dcesrv_core.c implements the same
table -- and where those are silent, what smbemu chose:

=================================================  ============================================
bind with a verifier                               the association's first context (unchanged)
alter_context naming a context it has              that context's next leg (an established one
                                                   refuses: ERROR_ACCESS_DENIED, as before)
alter_context naming a new auth_context_id         a new context: its first leg (NEGOTIATE),
                                                   answered in alter_context_resp; the next leg
                                                   comes in rpc_auth_3 or alter_context
                                                   (raw_protocol test_spnego_multiple_auth_
                                                   hdr_signing, _test_lsa_multi_auth_connect2;
                                                   impacket's ``alter_ctx``).  Also after a
                                                   bind without authentication (same tests)
... while another context is still being built     refused as that exchange refuses a changed
                                                   sec_trailer (ERROR_ACCESS_DENIED; U: the
                                                   sources are silent, smbemu keeps one
                                                   exchange at a time)
... beyond 2049 contexts                           fault nca_proto_error (MS-RPCE 3.3.1.5.4 "the
                                                   server MUST send ... RPC_S_PROTOCOL_ERROR";
                                                   raw_protocol test_multiple_auth_limit: 2049)
rpc_auth_3                                         the context its auth_context_id names
request with a verifier (first fragment)           the context its auth_context_id names signs,
                                                   verifies, unseals, and names the caller; the
                                                   response is protected with the same context
request naming an auth_context_id the              fault ERROR_ACCESS_DENIED, association ends
association does not have                          (raw_protocol test_ntlmssp_auth_MPX_middle_
                                                   auth_context_111; Samba marks the call's
                                                   context invalid and refuses it)
later fragments of a request                       the first fragment's context, whatever their
                                                   sec_trailer says (raw_protocol test_ntlmssp_
                                                   multi_auth_first1_lastSame2: a fragment
                                                   signed with another context fails
                                                   ERROR_SEC_PKG_ERROR)
request without a verifier                         the bind's context, as with one context;
                                                   after a bind without authentication, the
                                                   only explicit context when that is at
                                                   CONNECT level (MS-RPCE 3.3.1.5.4, raw_protocol
                                                   _test_lsa_multi_auth_connect2), else the
                                                   transport's identity
=================================================  ============================================

Windows also serves several contexts when the client did not negotiate the multiplexing bind
feature (the raw_protocol tests above negotiate none; impacket never does), so neither does
smbemu ask for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Literal, Protocol

from smbemu.principal import Principal
from smbemu.rpc.pdu import PFC_FIRST_FRAG, AuthLevel, AuthVerifier, BindNakReason
from smbemu.rpc.security import AuthRejected, RpcAuth, VerifyFailed
from smbemu.status import FAULT_ACCESS_DENIED, NCA_S_PROTO_ERROR

__all__ = ["SecurityContext", "SecurityContexts", "MAX_SECURITY_CONTEXTS"]

#: Samba's raw_protocol test_multiple_auth_limit builds 2049 contexts on one connection and
#: expects the 2050th alter_context to fault nca_proto_error (its default, taken from Windows;
#: Samba's "dcesrv:max auth states" defaults to the same number).
MAX_SECURITY_CONTEXTS: Final = 2049


class SecurityContext(RpcAuth, Protocol):
    """One security context's provider (:class:`smbemu.rpc.auth_ntlm.NtlmRpcAuth`)."""

    @property
    def established(self) -> bool:
        """True once its authentication succeeded."""


class SecurityContexts:
    """The security contexts of one association (see the module docstring).

    ``new_context`` makes one provider per context; the first one made serves the bind (and,
    until a bind carries a verifier, behaves as no authentication: the SMB session's or the
    transport's identity).  The ``RpcAuth`` attributes (``principal``, ``auth_level``...) are
    those of the context the last PDU used: the endpoint reads them right after handing that
    PDU in, for the call it runs and the response it protects.
    """

    __slots__ = ("_new", "_first", "_table", "_current", "header_signing")

    def __init__(self, new_context: Callable[[], SecurityContext]) -> None:
        self._new = new_context
        self._first = new_context()
        self._table: dict[int, SecurityContext] = {}
        self._current = self._first
        #: NTLMSSP signs the whole PDU anyway (NTLM2), so PFC_SUPPORT_HEADER_SIGN is echoed.
        self.header_signing = self._first.header_signing

    # ------------------------------------------------------------------ the current context
    @property
    def current(self) -> SecurityContext:
        """The context the last PDU used."""
        return self._current

    @property
    def contexts(self) -> dict[int, SecurityContext]:
        """auth_context_id -> context, for every context a bind or alter_context started."""
        return dict(self._table)

    @property
    def auth_level(self) -> int:
        return self._current.auth_level

    @property
    def auth_type(self) -> int:
        return self._current.auth_type

    @property
    def auth_context_id(self) -> int:
        return self._current.auth_context_id

    @property
    def principal(self) -> Principal | None:
        return self._current.principal

    @property
    def session_key(self) -> bytes | None:
        return self._current.session_key

    @property
    def established(self) -> bool:
        return self._current.established

    @property
    def protects(self) -> bool:
        """True when the endpoint must hand every request in (to pick its context), and when
        the current context protects its PDUs."""
        return bool(self._table) or self._current.protects

    def sig_size(self) -> int:
        return self._current.sig_size()

    # ------------------------------------------------------------------ legs
    def _building(self) -> SecurityContext | None:
        """A context whose exchange has started and not succeeded (still running, or failed)."""
        for context in self._table.values():
            if not context.established:
                return context
        return None

    def process_bind_auth(self, verifier: AuthVerifier, *, alter: bool,
                          client_flags: int) -> AuthVerifier | None:
        if not alter:  # the bind: the first context, as with one context per association
            self._current = self._first
            answer = self._first.process_bind_auth(verifier, alter=False,
                                                   client_flags=client_flags)
            self._table[verifier.auth_context_id] = self._first
            return answer
        known = self._table.get(verifier.auth_context_id)
        if known is None:
            known = self._building()  # refuses the changed sec_trailer as it always did
        if known is not None:
            self._current = known
            return known.process_bind_auth(verifier, alter=True, client_flags=client_flags)
        if len(self._table) >= MAX_SECURITY_CONTEXTS:
            raise AuthRejected(BindNakReason.REASON_NOT_SPECIFIED, NCA_S_PROTO_ERROR,
                               f"more than {MAX_SECURITY_CONTEXTS} security contexts")
        context = self._new()
        # A new context starts as a bind's does (the same checks and first token).
        answer = context.process_bind_auth(verifier, alter=False, client_flags=client_flags)
        self._table[verifier.auth_context_id] = context
        self._current = context
        return answer

    def process_auth3(self, verifier: AuthVerifier) -> None:
        context = self._table.get(verifier.auth_context_id) or self._building() or self._first
        self._current = context
        context.process_auth3(verifier)

    # ------------------------------------------------------------------ protection
    def _for_request(self, verifier: AuthVerifier | None) -> SecurityContext:
        if verifier is None:
            first = self._first
            if first.auth_type == 0 and len(self._table) == 1:
                (only,) = self._table.values()
                if only.established and only.auth_level == AuthLevel.CONNECT:
                    return only
            return first
        context = self._table.get(verifier.auth_context_id)
        if context is not None:
            return context
        if not self._table:
            return self._first  # no context at all: refused as without multiplexing
        building = self._building()
        if building is not None:
            return building  # "before authentication finished", as with one context
        raise VerifyFailed(FAULT_ACCESS_DENIED, f"request names auth_context_id "
                           f"{verifier.auth_context_id}, a security context the association "
                           f"does not have")

    def principal_for(self, pdu: bytes) -> Principal | None:
        """Who a request PDU, not yet handed in, will run as: the principal of the context its
        sec_trailer names (None for one the association does not have, which will be refused),
        of the default context when it carries no verifier, of the call's context for a later
        fragment.  For a transport that screens unauthenticated calls before the endpoint sees
        them (RestrictRemoteClients, smbemu.rpc_tcp)."""
        if len(pdu) < 16 or not pdu[3] & PFC_FIRST_FRAG:
            return self._current.principal
        order: Literal["little", "big"] = "little" if pdu[4] & 0x10 else "big"
        auth_length = int.from_bytes(pdu[10:12], order)
        if auth_length == 0 or len(pdu) < auth_length + 8 + 16:
            return self._for_request(None).principal
        trailer = len(pdu) - auth_length - 8
        context = self._table.get(int.from_bytes(pdu[trailer + 4:trailer + 8], order))
        return context.principal if context is not None else None

    def verify_and_unseal(self, pdu: bytes, stub_offset: int, stub_end: int,
                          verifier: AuthVerifier | None) -> bytes:
        if pdu[3] & PFC_FIRST_FRAG:
            self._current = self._for_request(verifier)
        return self._current.verify_and_unseal(pdu, stub_offset, stub_end, verifier)

    def sign_and_seal(self, pdu: bytearray, stub_offset: int, stub_end: int) -> bytes:
        return self._current.sign_and_seal(pdu, stub_offset, stub_end)
