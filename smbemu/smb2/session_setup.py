"""SMB2 SESSION_SETUP (MS-SMB2 2.2.5, 2.2.6, 3.3.5.5) with SPNEGO-wrapped NTLMSSP.

Outcomes, as Windows gives them:
- an empty user name and empty responses: an anonymous (NULL) session, SMB2_SESSION_FLAG_IS_NULL;
- an unknown user while the profile enables the Guest account: a guest session, IS_GUEST;
- a fixture user with the right password: a user session with a session key, signed final response;
- wrong password or unknown user otherwise: STATUS_LOGON_FAILURE; disabled: STATUS_ACCOUNT_DISABLED;
  locked out: STATUS_ACCOUNT_LOCKED_OUT.
Anonymous and guest sessions have no keys, so they are never signed nor encrypted (3.3.5.5.3).
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import TYPE_CHECKING

from smbemu import crypto, logon_exchange
from smbemu.dialects import Dialect
from smbemu.errors import SmbStatusError
from smbemu.principal import PrincipalKind
from smbemu.smb2.constants import SecurityMode, SessionFlags
from smbemu.smb2.layouts import build, parse
from smbemu.smb2.layouts.session import (
    SESSION_SETUP_BUFFER_OFFSET,
    SESSION_SETUP_FLAGS,
    SessionSetupRequest,
    SessionSetupResponse,
)
from smbemu.state import Session, SessionState
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView, RequestContext

log = logging.getLogger("smbemu.session")

SMB2_SESSION_FLAG_BINDING = 0x01


def _response_body(flags: int, blob: bytes) -> bytes:
    return build(
        SessionSetupResponse,
        session_flags=flags,
        security_buffer_offset=SESSION_SETUP_BUFFER_OFFSET if blob else 0,
        security_buffer_length=len(blob),
        buffer=blob,
    )


def handle(conn: ConnectionView, ctx: RequestContext) -> bytes:
    """MS-SMB2 3.3.5.5 Receiving an SMB2 SESSION_SETUP Request."""
    header = ctx.header
    # Flags first, as before the security buffer is looked for (an ordering clients can see).
    if ctx.body[SESSION_SETUP_FLAGS] & SMB2_SESSION_FLAG_BINDING:
        # Binding a second channel (MS-SMB2 3.3.5.5.2) is not modelled, though 3.x profiles answer
        # MULTI_CHANNEL to a client that asks and list their interface (ioctl.py): the client keeps
        # its one channel when the binding is refused.
        raise SmbStatusError(NtStatus.REQUEST_NOT_ACCEPTED, "session binding is not supported")
    request = parse(SessionSetupRequest, ctx.body)  # a Buffer outside the body: INVALID_PARAMETER
    security_mode = request.security_mode
    token = request.buffer

    limits = conn.config.limits
    if header.session_id == 0:
        if len(conn.sessions) >= limits.max_sessions_per_connection:
            raise SmbStatusError(NtStatus.INSUFFICIENT_RESOURCES, "too many sessions on this connection")
        session = Session(
            session_id=conn.config.new_session_id(),
            created_at=time.time(),
            client_address=conn.peer[0],
            server_address=conn.local[0],
        )
        session.preauth_hash = conn.preauth_hash
        conn.sessions[session.session_id] = session
    else:
        found = conn.sessions.get(header.session_id)
        if found is None:
            raise SmbStatusError(NtStatus.USER_SESSION_DELETED, "unknown SessionId")
        # A second leg, or re-authentication of an established session (MS-SMB2 3.3.5.5.2),
        # which runs a whole new NTLM exchange on the same SessionId.
        if found.state is SessionState.VALID and not ctx.encrypted:
            _verify_reauthentication_signature(conn, ctx, found)
            # Every response of a re-authentication is signed with the session's key (the last
            # with the new one), as the rest of the session's traffic (MS-SMB2 3.3.4.1.1):
            # Samba's client refuses an unsigned interim answer with ACCESS_DENIED.
            ctx.force_sign = found.crypto is not None
        session = found
    ctx.session = session
    ctx.response_session_id = session.session_id
    if conn.dialect == Dialect.SMB_3_1_1 and session.state is SessionState.IN_PROGRESS:
        session.preauth_hash = hashlib.sha512(session.preauth_hash + ctx.raw).digest()

    try:
        return _step(conn, ctx, session, token, security_mode)
    except SmbStatusError:
        session.authenticator = None
        if session.state is SessionState.IN_PROGRESS:
            # MS-SMB2 3.3.5.5.3: a failed authentication removes the session.
            conn.sessions.pop(session.session_id, None)
        raise


def _verify_reauthentication_signature(conn: ConnectionView, ctx: RequestContext, session: Session) -> None:
    """MS-SMB2 3.3.5.2.4 for a SESSION_SETUP on an established session (re-authentication).

    The connection verifies signatures only for commands that need a session, and SESSION_SETUP
    does not; yet re-authentication replaces the session's principal and keys, so a request a man
    in the middle injected or altered must not get that far. A signed request must verify with
    the session's key; an unsigned one is refused when the session requires signing. Either
    failure is STATUS_ACCESS_DENIED, and the session is left as it was.
    """
    if ctx.header.is_signed:
        if session.crypto is None:
            # No signing key (anonymous or guest): MS-SMB2 3.3.5.2.4 answers STATUS_NOT_SUPPORTED.
            raise SmbStatusError(NtStatus.NOT_SUPPORTED, "signed request on a session without keys")
        if not session.crypto.verify(ctx.raw):
            log.warning("bad signature on a re-authentication from %s:%d, session 0x%x", *conn.peer, session.session_id)
            raise SmbStatusError(NtStatus.ACCESS_DENIED, "bad signature on a re-authentication")
    elif session.signing_required:
        raise SmbStatusError(NtStatus.ACCESS_DENIED, "unsigned re-authentication of a session that requires signing")


def _step(conn: ConnectionView, ctx: RequestContext, session: Session, token: bytes, security_mode: int) -> bytes:
    config = conn.config
    leg = logon_exchange.step(config, session, token, peer=conn.peer)
    if leg.result is None:
        ctx.status = NtStatus.MORE_PROCESSING_REQUIRED
        return _response_body(0, leg.blob)
    principal, result = leg.principal, leg.result
    assert principal is not None
    session.principal = principal
    session_flags = 0
    if principal.kind is PrincipalKind.ANONYMOUS:
        session_flags = SessionFlags.IS_NULL
    elif principal.kind is PrincipalKind.GUEST:
        session_flags = SessionFlags.IS_GUEST
    else:
        session.session_key = result.session_key
        profile = config.profile
        session.signing_required = bool(
            profile.smb.signing_required or security_mode & SecurityMode.SIGNING_REQUIRED
        )
        keys = crypto.derive_session_keys(
            conn.dialect,
            result.session_key,
            session.preauth_hash if conn.dialect == Dialect.SMB_3_1_1 else None,
            conn.cipher,
        )
        session.crypto = crypto.SessionCrypto.create(conn.dialect, conn.signing_algorithm, conn.cipher, keys)
        if conn.dialect >= Dialect.SMB_3_0 and conn.cipher and profile.smb.encrypt_data:
            session.encrypt_data = True
            session_flags |= SessionFlags.ENCRYPT_DATA
        # Windows signs the final SESSION_SETUP response of every user session (MS-SMB2 3.3.5.5.3, <233>).
        ctx.force_sign = True
    logon_exchange.complete_logon(config, session, principal, leg.account, result.package, peer=conn.peer)
    return _response_body(int(session_flags), leg.blob)
