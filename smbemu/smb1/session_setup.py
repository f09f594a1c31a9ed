"""SMB1 SESSION_SETUP_ANDX (MS-CIFS 2.2.4.53, 3.3.5.43; MS-SMB 2.2.4.6, 3.3.5.3).

Two forms, told apart by WordCount:
- 12 words, extended security (MS-SMB 2.2.4.6.1): the SecurityBlob carries SPNEGO-wrapped (or
  raw) NTLMSSP, run by the same exchange as SMB2 SESSION_SETUP (`smbemu.logon_exchange`): legs
  answered with STATUS_MORE_PROCESSING_REQUIRED under the UID given on the first leg, then
  success or the refusal SMB2 gives;
- 13 words, NT LM 0.12 without extended security (MS-CIFS 2.2.4.53.1): OEMPassword carries the
  LM or LMv2 response and UnicodePassword the NTLM or NTLMv2 response to the 8-byte challenge of
  the NEGOTIATE response, checked by `smbemu.auth.ntlm.verify_challenge_response` under the
  profile's LmCompatibilityLevel (MS-NLMP 3.3.1, 3.3.2), with the anonymous logon (empty name and
  passwords). A plaintext password is refused: the NEGOTIATE response always asks for
  encrypted passwords (NEGOTIATE_ENCRYPT_PASSWORDS, MS-CIFS 2.2.4.52.2).
Either way the principal, lockout bookkeeping and audit events are `smbemu.logon`'s, the valid
session is registered server-wide under a session id of its own (srvsvc NetSessionEnum lists it),
and signing starts with the first user session (MS-CIFS 3.3.5.43, MS-SMB 3.3.5.3).
"""

from __future__ import annotations

import logging
import os
import time
from typing import TYPE_CHECKING

from smbemu import logon_exchange
from smbemu.auth.ntlm import verify_challenge_response
from smbemu.errors import SmbStatusError
from smbemu.logon import account_lookup, principal_for
from smbemu.principal import PrincipalKind
from smbemu.smb1.constants import Flags2, SecurityMode
from smbemu.smb1.negotiate import primary_domain_name
from smbemu.smb1.layouts.session import (
    SESSION_SETUP_EXTENDED_WORDS,
    SESSION_SETUP_NT_WORDS,
    SMB_SETUP_GUEST,
    SessionSetupExtendedRequest,
    SessionSetupExtendedResponse,
    SessionSetupNtRequest,
    SessionSetupNtResponse,
    build_words,
    data_slice,
    parse_words,
    read_string,
    smb_string,
)
from smbemu.state import Session, SessionState
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.principal import Principal
    from smbemu.smb1.context import Smb1Request, Smb1View

log = logging.getLogger("smbemu.session")


def handle(conn: Smb1View, req: Smb1Request) -> tuple[bytes, bytes]:
    """MS-CIFS 3.3.5.43 / MS-SMB 3.3.5.3 Receiving an SMB_COM_SESSION_SETUP_ANDX Request."""
    words = len(req.words) // 2 + 2  # the AndX block is not in req.words
    if words == SESSION_SETUP_EXTENDED_WORDS and conn.extended_security:
        return _extended(conn, req)
    if words == SESSION_SETUP_NT_WORDS:
        return _nt_lm(conn, req)
    # Any other WordCount (the LANMAN 2.x form among them, or the extended form when the
    # NEGOTIATE did not choose extended security) is not the negotiated dialect's: a malformed
    # SMB, ERRSRV/ERRerror (MS-CIFS 2.2.2.4).
    raise SmbStatusError(NtStatus.INVALID_SMB, f"SESSION_SETUP_ANDX with WordCount {words}")


# ----------------------------------------------------------------------------- sessions
def _session_for(conn: Smb1View, req: Smb1Request) -> Session:
    """The session this request authenticates: a new one (UID 0; MS-SMB 3.3.5.3 gives it its
    UID on the first leg), the exchange in progress under its UID, or an established session
    being re-authenticated. An unknown UID is STATUS_SMB_BAD_UID."""
    uid = req.uid
    if uid:
        found = conn.sessions.get(uid)
        if found is None:
            raise SmbStatusError(NtStatus.SMB_BAD_UID, f"SESSION_SETUP_ANDX for unknown UID {uid}")
        req.response_uid = uid
        return found
    config = conn.config
    if len(conn.sessions) >= config.limits.max_sessions_per_connection:
        raise SmbStatusError(NtStatus.INSUFFICIENT_RESOURCES, "too many sessions on this connection")
    session = Session(
        session_id=config.new_session_id(),
        created_at=time.time(),
        client_address=conn.peer[0],
        server_address=conn.local[0],
    )
    uid = conn.new_uid()
    conn.sessions[uid] = session
    req.response_uid = uid
    return session


def _forget_failed(conn: Smb1View, req: Smb1Request, session: Session) -> None:
    """MS-SMB 3.3.5.3: a failed authentication removes the session still in progress (an
    established one being re-authenticated stays as it was)."""
    session.authenticator = None
    if session.state is SessionState.IN_PROGRESS:
        uid = req.response_uid if req.response_uid is not None else req.uid
        conn.sessions.pop(uid, None)


def _remember_client(conn: Smb1View, max_buffer_size: int, capabilities: int) -> None:
    """MS-CIFS 3.3.5.43: the first successful session setup's MaxBufferSize and Capabilities
    are kept for the connection (later ones do not override them)."""
    if not conn.client_max_buffer_size:
        conn.client_max_buffer_size = max_buffer_size
    if not conn.client_capabilities:
        conn.client_capabilities = capabilities


def _user_session(conn: Smb1View, req: Smb1Request, session: Session, principal: Principal,
                  session_key: bytes, mac_key: bytes) -> int:
    """Keys and signing of a logon that completed; returns the Action bits (MS-CIFS 2.2.4.53.2).

    Anonymous and guest sessions have no key and never start signing; Action says GUEST for a
    guest logon. For an anonymous one the sources are silent on what Windows sets; SMB2 tells a
    NULL session from a guest one (SMB2_SESSION_FLAG_IS_NULL), and SMB1 has no such bit, so
    Action stays 0 (Samba sets GUEST there)."""
    if principal.kind is PrincipalKind.GUEST:
        return SMB_SETUP_GUEST
    if principal.kind is PrincipalKind.ANONYMOUS:
        return 0
    session.session_key = session_key
    profile = conn.config.profile
    flags2 = req.header.flags2
    required = bool(profile.smb.signing_required or flags2 & Flags2.SECURITY_SIGNATURE_REQUIRED)
    session.signing_required = required
    asked = bool(flags2 & Flags2.SECURITY_SIGNATURE)
    enabled = bool(conn.server_security_mode & SecurityMode.SECURITY_SIGNATURES_ENABLED)
    # MS-CIFS 3.3.5.43 / MS-SMB 3.3.5.3: signing starts with the first session that has a key,
    # when the server requires it, or the client asked for it and the NEGOTIATE response said
    # the server can sign; the engine keeps the first MAC key (later calls change nothing).
    if profile.smb.signing_required or (asked and enabled):
        conn.start_signing(mac_key, required=required)
    return 0


# ---------------------------------------------------------------------- extended security
def _extended(conn: Smb1View, req: Smb1Request) -> tuple[bytes, bytes]:
    request = parse_words(SessionSetupExtendedRequest, req.words)
    blob = data_slice(req.data, 0, request.security_blob_length, "SecurityBlob")
    session = _session_for(conn, req)
    try:
        leg = logon_exchange.step(conn.config, session, blob, peer=conn.peer)
    except SmbStatusError:
        _forget_failed(conn, req, session)
        raise
    if leg.result is None:
        req.status = NtStatus.MORE_PROCESSING_REQUIRED
        return _extended_response(conn, req, 0, leg.blob)
    principal, result = leg.principal, leg.result
    assert principal is not None
    _remember_client(conn, request.max_buffer_size, request.capabilities)
    # MS-SMB 3.1.4.1 (extended security): the MAC key is the session key alone.
    action = _user_session(conn, req, session, principal, result.session_key, result.session_key)
    logon_exchange.complete_logon(conn.config, session, principal, leg.account, result.package, peer=conn.peer)
    return _extended_response(conn, req, action, leg.blob)


def _extended_response(conn: Smb1View, req: Smb1Request, action: int, blob: bytes) -> tuple[bytes, bytes]:
    """MS-SMB 2.2.4.6.2: Action and the blob, then NativeOS and NativeLanMan (the profile's,
    on every leg as Windows sends them), Unicode when the client's FLAGS2 says so."""
    identity = conn.config.profile.identity
    words = build_words(SessionSetupExtendedResponse, action=action, security_blob_length=len(blob))
    offset = req.response_data_offset(len(words)) + len(blob)
    native_os = smb_string(identity.native_os, unicode=req.unicode, offset=offset)
    native_lanman = smb_string(identity.native_lanman, unicode=req.unicode, offset=offset + len(native_os))
    return words, blob + native_os + native_lanman


# --------------------------------------------------------------- NT LM 0.12, no extended security
def _nt_lm(conn: Smb1View, req: Smb1Request) -> tuple[bytes, bytes]:
    request = parse_words(SessionSetupNtRequest, req.words)
    oem_password = data_slice(req.data, 0, request.oem_password_len, "OEMPassword")
    unicode_password = data_slice(req.data, request.oem_password_len, request.unicode_password_len, "UnicodePassword")
    offset = req.data_offset + request.oem_password_len + request.unicode_password_len
    end = req.data_offset + len(req.data)
    account_name, offset = read_string(req.raw, offset, end, unicode=req.unicode)
    primary_domain, offset = read_string(req.raw, offset, end, unicode=req.unicode)

    config = conn.config
    session = _session_for(conn, req)
    # The challenge of the NEGOTIATE response; a client that negotiated extended security was
    # sent none, so no response can match (only the anonymous logon succeeds), as on Windows.
    challenge = conn.challenge if len(conn.challenge or b"") == 8 else os.urandom(8)
    lookup = account_lookup(config)
    account = lookup(account_name) if account_name else None
    result = verify_challenge_response(
        account, challenge, oem_password, unicode_password, account_name, primary_domain,
        config.profile.smb.lm_compatibility_level,
    )
    try:
        principal, user = principal_for(config, result, peer=conn.peer)
    except SmbStatusError:
        _forget_failed(conn, req, session)
        raise
    _remember_client(conn, request.max_buffer_size, request.capabilities)
    # MS-CIFS 3.1.4.1 / 3.2.5.3: the MAC key is the session key followed by the challenge
    # response the client authenticated with (the NT response, else the LM one).
    mac_key = result.session_key + (unicode_password or oem_password)
    action = _user_session(conn, req, session, principal, result.session_key, mac_key)
    logon_exchange.complete_logon(config, session, principal, user, result.package, peer=conn.peer)
    return _nt_lm_response(conn, req, action)


def _nt_lm_response(conn: Smb1View, req: Smb1Request, action: int) -> tuple[bytes, bytes]:
    """MS-CIFS 2.2.4.53.2: Action; Pad, NativeOS, NativeLanMan and PrimaryDomain (the domain
    the server belongs to, or its workgroup)."""
    config = conn.config
    identity = config.profile.identity
    words = build_words(SessionSetupNtResponse, action=action)
    offset = req.response_data_offset(len(words))
    data = b""
    for text in (identity.native_os, identity.native_lanman, primary_domain_name(config)):
        data += smb_string(text, unicode=req.unicode, offset=offset + len(data))
    return words, data
