"""The SPNEGO/NTLMSSP exchange of a session setup, the same for SMB2 SESSION_SETUP (MS-SMB2
3.3.5.5.3) and SMB1 SESSION_SETUP_ANDX with extended security (MS-SMB 3.3.5.3): the security
blob in, the security blob out, and at the end who logged on.

The dialects differ only in their framing (SessionId or UID, session flags or Action, keys); the
token handling, the mechListMIC, the principal, the lockout bookkeeping and the audit events
(`smbemu.logon.principal_for`, `logon_succeeded`) are decided here once, so SMB1 and SMB2 give
the same answer to the same credentials.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from smbemu import events
from smbemu.auth import spnego
from smbemu.auth.ntlm import NtlmAcceptor, NtlmResult, Outcome
from smbemu.auth.ntlm_messages import NtlmError
from smbemu.errors import SmbStatusError
from smbemu.logon import logon_succeeded, new_acceptor, principal_for
from smbemu.state import Session, SessionState
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.directory import User
    from smbemu.principal import Principal

log = logging.getLogger("smbemu.session")

#: Legs an exchange may take: NEGOTIATE, AUTHENTICATE, and one more when the client led with a
#: mechanism other than NTLMSSP (the server then asks for NTLMSSP, RFC 4178 §5).
MAX_LEGS = 4


@dataclass(slots=True, eq=False)
class AuthExchange:
    """One SPNEGO/NTLMSSP exchange in progress on a session (kept in `Session.authenticator`;
    the fault hooks count its `legs`)."""

    acceptor: NtlmAcceptor
    raw_ntlm: bool = False
    mech_types_der: bytes | None = None
    downgraded: bool = False
    legs: int = 0


class LogonStep(NamedTuple):
    """What one leg gives: the security blob to answer with and, when the exchange is over
    (``result`` set), who logged on. ``result`` None means STATUS_MORE_PROCESSING_REQUIRED."""

    blob: bytes
    result: NtlmResult | None = None
    principal: Principal | None = None
    account: User | None = None


def step(config: ServerConfig, session: Session, token: bytes, *, peer: tuple[str, int]) -> LogonStep:
    """Run one leg of the exchange kept in ``session.authenticator`` (started when there is none).

    A refusal raises SmbStatusError (the status both dialects answer); a failed logon has then
    been bookkept and reported by `principal_for`. The caller forgets the exchange on failure."""
    try:
        client = spnego.parse_client_token(token)
    except spnego.SpnegoError as exc:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, f"bad SPNEGO token: {exc}") from None
    exchange: AuthExchange | None = session.authenticator
    if exchange is None:
        exchange = AuthExchange(
            new_acceptor(config),
            raw_ntlm=client.raw_ntlm,
            mech_types_der=client.mech_types_der,
            downgraded=client.downgraded,
        )
        session.authenticator = exchange
        selection = spnego.select_mech(client)
        if selection is spnego.MechSelection.REJECT:
            raise SmbStatusError(NtStatus.LOGON_FAILURE, "the client offers no NTLMSSP")
        if selection is spnego.MechSelection.NTLM_NEEDS_NEGOTIATE:
            # The client led with Kerberos (or sent no token): choose NTLMSSP and let it start
            # NTLM in its next token (RFC 4178 §5; MS-SPNG 3.2.5.2).
            exchange.legs += 1
            return LogonStep(spnego.accept_incomplete(None, request_mic=client.downgraded))
    exchange.legs += 1
    if exchange.legs > MAX_LEGS:
        raise SmbStatusError(NtStatus.LOGON_FAILURE, "authentication exchange too long")
    acceptor = exchange.acceptor
    wrap = not exchange.raw_ntlm
    ntlm_token = client.mech_token
    message_type = int.from_bytes(ntlm_token[8:12], "little") if len(ntlm_token) >= 12 else 0
    if message_type == 1:
        challenge = _call(acceptor.accept_negotiate, ntlm_token)
        if not wrap:
            return LogonStep(challenge)
        return LogonStep(spnego.accept_incomplete(challenge, supported_mech=exchange.legs == 1))
    if message_type != 3:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "expected an NTLM NEGOTIATE or AUTHENTICATE message")

    result = _call(acceptor.accept_authenticate, ntlm_token)
    if result.outcome is Outcome.MALFORMED:
        # Before the account is looked at, as Windows (smbtorture smb2.session.ntlmssp_bug14932).
        session.authenticator = None
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "NTLMv2 response with malformed AvPairs")
    principal, account = principal_for(config, result, peer=peer)
    blob = b""
    if wrap:
        if result.outcome is Outcome.AUTHENTICATED:
            ok, blob = spnego.finish_ntlm(
                acceptor.security(), exchange.mech_types_der, client.mech_list_mic, mic_required=exchange.downgraded
            )
            if not ok:
                if config.observers:
                    config.observers.emit(events.LogonFailed(
                        user_name=result.user_name, domain_name=result.domain_name,
                        workstation=result.workstation, status=NtStatus.LOGON_FAILURE,
                        sub_status=0, peer=peer))
                raise SmbStatusError(NtStatus.LOGON_FAILURE, "bad SPNEGO mechListMIC")
        else:
            blob = spnego.accept_completed()
    session.authenticator = None
    return LogonStep(blob, result, principal, account)


def complete_logon(config: ServerConfig, session: Session, principal: Principal, account: User | None,
                   package: str, *, peer: tuple[str, int]) -> None:
    """The logon is accepted (after the dialect set its keys): the session becomes valid and
    server-wide (srvsvc NetSessionEnum lists `config.sessions`), the account is stamped and the
    observers told (4624) -- the same for every dialect and either form of SMB1 logon."""
    session.authenticator = None
    session.principal = principal
    session.state = SessionState.VALID
    config.sessions[session.session_id] = session
    log.info(
        "session 0x%x from %s:%d: %s logged on (%s, %s)",
        session.session_id, peer[0], peer[1], principal.display_name, principal.kind.value,
        package or "no password",
    )
    logon_succeeded(config, principal, account, session_id=session.session_id,
                    key_length=128 if session.session_key else 0, peer=peer)


def _call(function: Any, token: bytes) -> Any:
    try:
        return function(token)
    except NtlmError as exc:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, f"bad NTLM message: {exc}") from None
