"""The NTLMSSP acceptor (MS-NLMP 3.2, server role) and NTLM session security (MS-NLMP 3.4).

One :class:`NtlmAcceptor` per authentication attempt: ``accept_negotiate`` answers the client's
NEGOTIATE_MESSAGE with a CHALLENGE_MESSAGE, ``accept_authenticate`` checks the AUTHENTICATE_MESSAGE
and returns an :class:`NtlmResult`; after ``Outcome.AUTHENTICATED``, ``security()`` gives the
:class:`NtlmSecurity` that signs and seals (DCE/RPC packet integrity / privacy, SPNEGO mechListMIC).

The server plays the role of the DC as well (the accounts are ours), so ``lm_compatibility_level``
has the *DC-side* meaning of "Network security: LAN Manager authentication level": levels 0-3
accept LM, NTLM and NTLMv2 responses, 4 refuses LM, 5 refuses LM and NTLM (v1, with or without
the NTLM2 session response); LMv2 counts as NTLMv2.
"""

from __future__ import annotations

import enum
import functools
import hmac
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from smbemu.auth.ntlm_crypto import (
    compute_response_v1,
    desl,
    hmac_md5,
    kx_key,
    mac,
    md4,
    nt_owf_v2,
    nt_proof_str,
    rc4_init,
    rc4k,
    seal_key,
    sign_key,
    utf16,
)
from smbemu.auth.ntlm_messages import (
    AuthenticateMessage,
    AvFlags,
    AvId,
    ChallengeMessage,
    NegotiateMessage,
    NtlmError,
    Version,
    av_value,
    pack_av_pairs,
    parse_av_pairs,
)
from smbemu.auth.ntlm_messages import NegotiateFlags as F
from smbemu.filetime import filetime_now

__all__ = [
    "NtlmAccount",
    "NtlmAcceptor",
    "NtlmError",
    "NtlmResult",
    "NtlmSecurity",
    "Outcome",
    "ServerIdentity",
    "verify_challenge_response",
]


@dataclass(frozen=True)
class NtlmAccount:
    name: str  # canonical account name as stored
    nt_hash: bytes  # 16 bytes NTOWFv1
    lm_hash: bytes | None  # 16 bytes LMOWFv1, or None when unknown / password longer than 14

    def __post_init__(self) -> None:
        if len(self.nt_hash) != 16 or (self.lm_hash is not None and len(self.lm_hash) != 16):
            raise ValueError(f"{self.name}: NT and LM hashes are 16 bytes")


@dataclass(frozen=True)
class ServerIdentity:
    """What the CHALLENGE_MESSAGE says about the server (MS-NLMP 2.2.1.2, 3.2.5.1.1)."""

    netbios_computer: str
    netbios_domain: str  # joined/DC domain, or the computer name for a workgroup host
    dns_computer: str | None
    dns_domain: str | None
    dns_tree: str | None  # MsvAvDnsTreeName; None = omit (NT/2000 never send it)
    target_is_domain: bool  # TargetName = domain + TARGET_TYPE_DOMAIN, else computer + _SERVER
    send_timestamp: bool  # MsvAvTimestamp (Vista/2008 and later only)
    version: tuple[int, int, int] | None  # (major, minor, build); None = never send VERSION
    av_flags: int = 0  # MsvAvFlags sent in the CHALLENGE (XP sends 1); 0 = not sent


class Outcome(enum.Enum):
    ANONYMOUS = "anonymous"  # empty user and NT response, LM response empty or Z(1) (3.2.5.1.2)
    AUTHENTICATED = "authenticated"
    NO_SUCH_USER = "no_such_user"  # lookup returned None (the caller may map to guest)
    WRONG_PASSWORD = "wrong_password"
    REFUSED = "refused"  # response type not allowed by the level, bad MIC, or malformed message
    MALFORMED = "malformed"  # an NTLMv2 response with malformed AvPairs (Windows: INVALID_PARAMETER)


@dataclass(frozen=True)
class NtlmResult:
    outcome: Outcome
    user_name: str
    domain_name: str
    workstation: str
    session_key: bytes  # ExportedSessionKey when AUTHENTICATED, else b""
    package: str  # "NTLM V2", "NTLM V1", "LM" or "" -- Windows' LmPackageName values
    negotiate_flags: int
    account: NtlmAccount | None  # set once the lookup found the user (also on failures)
    mic_present: bool = False  # the AUTHENTICATE carried a verified MIC (MsvAvFlags 0x2)


LM_PACKAGE = "LM"
NTLM_V1_PACKAGE = "NTLM V1"
NTLM_V2_PACKAGE = "NTLM V2"

# Lowest LmCompatibilityLevel at which a DC refuses each response type.
_REFUSED_FROM_LEVEL = {LM_PACKAGE: 4, NTLM_V1_PACKAGE: 5, NTLM_V2_PACKAGE: 6}

@functools.lru_cache(maxsize=64)
def answer_flags(client: int, target_is_domain: bool, send_version: bool) -> int:
    """The CHALLENGE's NegotiateFlags (MS-NLMP 3.2.5.1.1): ours, intersected with the client's.
    (Cached: IntFlag arithmetic is slow and clients send few distinct flag sets.)

    As Windows answers (issue 13, compared with Windows captures): NEGOTIATE_128/56 and
    ALWAYS_SIGN echo what the client asked, whether or not it asked for signing or sealing
    (MS-NLMP 3.2.5.1.1: the server sets the flags it supports that the client set), and
    NEGOTIATE_VERSION with the VERSION field is sent whatever the client asked from XP SP2 on
    (``send_version``: the profile has an NTLM version; MS-NLMP 2.2.2.10 <> and the OS line
    impacket's DumpNTLMInfo, NetExec and enum4linux-ng print for every such Windows)."""
    flags = F.NTLMSSP_NEGOTIATE_NTLM | F.NTLMSSP_NEGOTIATE_TARGET_INFO
    flags |= F.NTLMSSP_NEGOTIATE_UNICODE if client & F.NTLMSSP_NEGOTIATE_UNICODE else F.NTLM_NEGOTIATE_OEM
    if client & F.NTLMSSP_REQUEST_TARGET:  # TargetName and its type go together (2.2.2.5 R/S)
        flags |= F.NTLMSSP_REQUEST_TARGET
        flags |= F.NTLMSSP_TARGET_TYPE_DOMAIN if target_is_domain else F.NTLMSSP_TARGET_TYPE_SERVER
    # LM_KEY is never offered: with ESS it must not be returned (2.2.2.5), without it we prefer
    # the plain NTLM v1 session key; DATAGRAM (connectionless) is not supported.
    flags |= client & (
        F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
        | F.NTLMSSP_NEGOTIATE_SIGN
        | F.NTLMSSP_NEGOTIATE_SEAL
        | F.NTLMSSP_NEGOTIATE_KEY_EXCH
        | F.NTLMSSP_NEGOTIATE_ALWAYS_SIGN
        | F.NTLMSSP_NEGOTIATE_128
        | F.NTLMSSP_NEGOTIATE_56
    )
    if send_version:
        flags |= F.NTLMSSP_NEGOTIATE_VERSION
    return int(flags)


@dataclass(frozen=True)
class _Verified:
    package: str
    session_base_key: bytes
    ntlm_v2: bool
    client_av_pairs: bytes = b""  # the AvPairs of the NTLMv2_CLIENT_CHALLENGE


def _ntowf_v2_candidates(account: NtlmAccount, user: str, domain: str) -> Iterator[bytes]:
    """NTOWFv2 keys to try. MS-NLMP 3.3.2 keys on the user and domain *as the client typed
    them*; clients differ on the domain's case, and some hash with an empty domain (user given
    as a UPN, or no domain configured), so -- as Samba does -- try the domain as sent, then
    upper-cased, then empty."""
    domains = dict.fromkeys((domain, domain.upper(), ""))
    return (nt_owf_v2(account.nt_hash, user, candidate) for candidate in domains)


def verify_responses(account: NtlmAccount, challenge: bytes, lm: bytes, nt: bytes, user: str, domain: str,
                     *, ess: bool) -> _Verified | None:
    """Which response type, if any, proves knowledge of the account's password (MS-NLMP 3.3.1,
    3.3.2), whatever carried the responses: an AUTHENTICATE_MESSAGE, or the OEMPassword /
    UnicodePassword of an SMB1 SESSION_SETUP_ANDX without extended security (MS-CIFS 3.1.5.2).
    ``ess``: NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY (the NTLM2 session response)."""
    if len(nt) > 24:  # NTLMv2_RESPONSE (2.2.2.8): NTProofStr || NTLMv2_CLIENT_CHALLENGE
        proof, temp = nt[:16], nt[16:]
        for key in _ntowf_v2_candidates(account, user, domain):
            if hmac.compare_digest(nt_proof_str(key, challenge, temp), proof):
                return _Verified(NTLM_V2_PACKAGE, hmac_md5(key, proof), True, temp[28:])
        return None
    if not nt:  # LMv2 alone (3.3.2), else LM (3.3.1)
        for key in _ntowf_v2_candidates(account, user, domain):
            if hmac.compare_digest(hmac_md5(key, challenge + lm[16:]), lm[:16]):
                return _Verified(NTLM_V2_PACKAGE, hmac_md5(key, lm[:16]), True)
    elif ess and len(lm) >= 8 and (len(lm) != 24 or not any(lm[8:])):
        # NTLM2 session response: with ESS, LmChallengeResponse is the client challenge followed
        # by Z(16) (MS-NLMP 3.3.1 ComputeResponse). A 24-byte LM field with anything else after
        # its first 8 bytes is a plain NTLMv1 pair from a client that set the flag without
        # computing the ESS form (nmap's smbauth.lua does this, and logs on to Windows with it),
        # so it is checked as NTLMv1 below.
        expected, _lm, base_key = compute_response_v1(
            F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY, account.nt_hash, None, challenge, lm[:8])
        if hmac.compare_digest(expected, nt):
            return _Verified(NTLM_V1_PACKAGE, base_key, False)
    elif hmac.compare_digest(desl(account.nt_hash, challenge), nt):
        return _Verified(NTLM_V1_PACKAGE, md4(account.nt_hash), False)
    if not nt and len(lm) == 24 and hmac.compare_digest(desl(account.nt_hash, challenge), lm):
        # The NTLMv1 response in the LM field (the NT hash's DESL): accepted where NTLM is
        # (Samba's ntlm_password_check: "Checking NT MD4 password in LM field").
        return _Verified(NTLM_V1_PACKAGE, md4(account.nt_hash), False)
    if account.lm_hash is not None and len(lm) == 24 and hmac.compare_digest(desl(account.lm_hash, challenge), lm):
        return _Verified(LM_PACKAGE, md4(account.nt_hash), False)
    return None


# NTProofStr (16) + RespType, HiRespType, Z(6), TimeStamp (8), ChallengeFromClient (8), Z(4).
_NTLMV2_AV_PAIRS_OFFSET = 44


class NtlmAcceptor:
    """Server side of one NTLM authentication (MS-NLMP 3.2.5.1, connection-oriented)."""

    def __init__(
        self,
        identity: ServerIdentity,
        lookup: Callable[[str], NtlmAccount | None],
        *,
        lm_compatibility_level: int = 3,
        challenge: bytes | None = None,
        filetime: Callable[[], int] | None = None,
    ) -> None:
        if not 0 <= lm_compatibility_level <= 5:
            raise ValueError(f"lm_compatibility_level must be 0..5, not {lm_compatibility_level}")
        if challenge is not None and len(challenge) != 8:
            raise ValueError("the server challenge is 8 bytes")
        self._identity = identity
        self._lookup = lookup
        self._level = lm_compatibility_level
        self._server_challenge = challenge if challenge is not None else os.urandom(8)
        self._filetime = filetime or filetime_now
        self._negotiate_raw: bytes | None = None
        self._challenge_raw = b""
        self._challenge_flags = 0
        self._result: NtlmResult | None = None
        self._security: NtlmSecurity | None = None

    @property
    def server_challenge(self) -> bytes:
        return self._server_challenge

    # --- leg 1 ----------------------------------------------------------------------------------

    def accept_negotiate(self, message: bytes) -> bytes:
        """Parse the NEGOTIATE_MESSAGE and return the CHALLENGE_MESSAGE (MS-NLMP 3.2.5.1.1).
        Raises NtlmError when the message is malformed or a NEGOTIATE was already accepted."""
        if self._negotiate_raw is not None:
            raise NtlmError("NEGOTIATE_MESSAGE already processed")
        negotiate = NegotiateMessage.parse(message)
        identity = self._identity
        flags = answer_flags(negotiate.flags, identity.target_is_domain, identity.version is not None)
        target_name = ""
        if flags & F.NTLMSSP_REQUEST_TARGET:
            target_name = identity.netbios_domain if identity.target_is_domain else identity.netbios_computer
        version = Version(*identity.version) if flags & F.NTLMSSP_NEGOTIATE_VERSION and identity.version else None
        challenge = ChallengeMessage(flags, self._server_challenge, target_name, self._target_info(), version)
        self._negotiate_raw = bytes(message)
        self._challenge_raw = challenge.pack()
        self._challenge_flags = flags
        return self._challenge_raw

    def _target_info(self) -> bytes:
        """MS-NLMP 2.2.2.1, in the order Windows sends them."""
        identity = self._identity
        pairs = [
            (AvId.MsvAvNbDomainName, utf16(identity.netbios_domain)),
            (AvId.MsvAvNbComputerName, utf16(identity.netbios_computer)),
        ]
        for av_id, name in (
            (AvId.MsvAvDnsDomainName, identity.dns_domain),
            (AvId.MsvAvDnsComputerName, identity.dns_computer),
            (AvId.MsvAvDnsTreeName, identity.dns_tree),
        ):
            if name is not None:
                pairs.append((av_id, utf16(name)))
        if identity.av_flags:  # after the DNS names, as XP sends it (tests/captures/winxp-smb1-raw-ntlm.pcap)
            pairs.append((AvId.MsvAvFlags, identity.av_flags.to_bytes(4, "little")))
        if identity.send_timestamp:
            pairs.append((AvId.MsvAvTimestamp, self._filetime().to_bytes(8, "little")))
        return pack_av_pairs(pairs)

    # --- leg 2 ----------------------------------------------------------------------------------

    def accept_authenticate(self, message: bytes) -> NtlmResult:
        """Check the AUTHENTICATE_MESSAGE (MS-NLMP 3.2.5.1.2). A malformed message gives
        ``Outcome.REFUSED``, except an NTLMv2 response with malformed AvPairs, which gives
        ``Outcome.MALFORMED`` (Windows: STATUS_INVALID_PARAMETER); calling this before
        ``accept_negotiate`` or twice raises NtlmError."""
        if self._negotiate_raw is None or self._result is not None:
            raise NtlmError("AUTHENTICATE_MESSAGE out of sequence")
        try:
            auth = AuthenticateMessage.parse(message)
        except NtlmError:
            self._result = NtlmResult(Outcome.REFUSED, "", "", "", b"", "", self._challenge_flags, None)
        else:
            self._result = self._authenticate(auth, bytes(message))
        return self._result

    def _authenticate(self, auth: AuthenticateMessage, raw: bytes) -> NtlmResult:
        # The client may drop offered flags in its AUTHENTICATE (it then derives its keys without
        # them); a zero field (very old clients) means "as offered".
        flags = self._challenge_flags & auth.flags if auth.flags else self._challenge_flags
        lm, nt = auth.lm_challenge_response, auth.nt_challenge_response

        def result(outcome: Outcome, account: NtlmAccount | None, package: str = "", key: bytes = b"") -> NtlmResult:
            return NtlmResult(
                outcome, auth.user_name, auth.domain_name, auth.workstation, key, package, flags, account
            )

        if not auth.user_name and not nt and lm in (b"", b"\x00"):
            return result(Outcome.ANONYMOUS, None)
        if len(nt) > _NTLMV2_AV_PAIRS_OFFSET:
            try:  # NTLMv2_CLIENT_CHALLENGE.AvPairs (MS-NLMP 2.2.2.7) must parse, up to MsvAvEOL
                parse_av_pairs(nt[_NTLMV2_AV_PAIRS_OFFSET:])
            except NtlmError:
                # Windows answers such a response STATUS_INVALID_PARAMETER before it checks the
                # password: Samba's smbtorture smb2.session.ntlmssp_bug14932 (a 95-byte NTLMv2
                # response whose AvPairs run past its end) expects exactly that of a Windows
                # server. SMB answers Outcome.MALFORMED with INVALID_PARAMETER.
                return result(Outcome.MALFORMED, None)
        account = self._lookup(auth.user_name)
        if account is None:
            return result(Outcome.NO_SUCH_USER, None)
        if 0 < len(nt) < 24:
            # An NT field too short to be any response is ignored and the LM field decides, as
            # Windows' MSV1_0 and Samba's ntlm_password_check do: nmap's smbauth.lua sends its
            # NTLMv1 response in the LM field with an 8-byte NT field, and logs on to Windows so.
            nt = b""
        if 24 < len(nt) < 44 or (not nt and len(lm) != 24):
            return result(Outcome.REFUSED, account)  # not any response type MS-NLMP defines
        verified = verify_responses(
            account, self._server_challenge, lm, nt, auth.user_name, auth.domain_name,
            ess=bool(flags & F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY),
        )
        if verified is None:
            return result(Outcome.WRONG_PASSWORD, account)
        if self._level >= _REFUSED_FROM_LEVEL[verified.package]:
            return result(Outcome.REFUSED, account, verified.package)

        # MS-NLMP 3.2.5.1.2: KeyExchangeKey, then ExportedSessionKey (decrypted when KEY_EXCH).
        exchange_key = kx_key(
            flags,
            verified.session_base_key,
            lm,
            self._server_challenge,
            account.lm_hash,
            ntlm_v2=verified.ntlm_v2,
        )
        session_key = exchange_key
        if flags & F.NTLMSSP_NEGOTIATE_KEY_EXCH and flags & (F.NTLMSSP_NEGOTIATE_SIGN | F.NTLMSSP_NEGOTIATE_SEAL):
            if len(auth.encrypted_random_session_key) != 16:
                return result(Outcome.REFUSED, account, verified.package)
            session_key = rc4k(exchange_key, auth.encrypted_random_session_key)

        mic_present = self._mic_present(verified)
        if mic_present:
            if auth.mic is None:
                return result(Outcome.REFUSED, account, verified.package)
            zeroed = raw[: auth.mic_offset] + bytes(16) + raw[auth.mic_offset + 16 :]
            assert self._negotiate_raw is not None
            expected = hmac_md5(session_key, self._negotiate_raw + self._challenge_raw + zeroed)
            if not hmac.compare_digest(expected, auth.mic):
                return result(Outcome.REFUSED, account, verified.package)
        return NtlmResult(
            Outcome.AUTHENTICATED,
            auth.user_name,
            auth.domain_name,
            auth.workstation,
            session_key,
            verified.package,
            flags,
            account,
            mic_present,
        )

    @staticmethod
    def _mic_present(verified: _Verified) -> bool:
        """MS-NLMP 3.2.5.1.2: the client's AV pairs carry MsvAvFlags with bit 0x2."""
        if not verified.client_av_pairs:
            return False
        try:
            pairs = parse_av_pairs(verified.client_av_pairs)
        except NtlmError:  # covered by NTProofStr, so leniency cannot be abused
            return False
        value = av_value(pairs, AvId.MsvAvFlags)
        return value is not None and len(value) >= 4 and bool(int.from_bytes(value[:4], "little") & AvFlags.MIC_PRESENT)

    # --- after ------------------------------------------------------------------------------------

    @property
    def result(self) -> NtlmResult | None:
        return self._result

    def security(self) -> NtlmSecurity:
        """Session security for the server side; only after ``Outcome.AUTHENTICATED``."""
        if self._result is None or self._result.outcome is not Outcome.AUTHENTICATED:
            raise NtlmError("no session security without an authenticated NTLM context")
        if self._security is None:
            self._security = NtlmSecurity(self._result.negotiate_flags, self._result.session_key)
        return self._security


_DUMMY_SIGNATURE = b"\x01" + bytes(15)  # MS-NLMP 3.4.4: neither SIGN nor SEAL negotiated


class NtlmSecurity:
    """Message integrity and confidentiality of an NTLM context (MS-NLMP 3.4), for one side.

    The acceptor signs and seals with the server-to-client keys and verifies and unseals with the
    client-to-server ones (``initiator=True`` swaps them, for tests and clients). With extended
    session security each direction has its own RC4 handle and sequence number; without it
    (NTLM v1 "NTLM1" security) one RC4 handle and one sequence number serve both directions.
    RC4 handles persist across messages (connection-oriented mode).

    ``sign``/``verify`` handle integrity alone. ``seal``/``unseal`` encrypt and sign; DCE/RPC
    packet privacy encrypts only the stub but signs the whole PDU with the stub in *plaintext*
    (header, stub, padding, sec_trailer), so ``seal(stub, data_to_sign=pdu_with_plain_stub)`` and
    ``unseal(sealed_stub, signature, signed_prefix=header, signed_suffix=pad_and_trailer)``. The
    order matters when a single RC4 stream is shared: encrypt first, then sign -- as MS-NLMP 3.4.3.
    ``encrypt``/``decrypt`` are the bare RC4 steps for callers that need to do it themselves.
    """

    SIGNATURE_SIZE = 16

    def __init__(self, flags: int, exported_session_key: bytes, *, initiator: bool = False) -> None:
        self.flags = flags
        self.session_key = exported_session_key
        self._ess = bool(flags & F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY)
        self._integrity = bool(flags & (F.NTLMSSP_NEGOTIATE_SIGN | F.NTLMSSP_NEGOTIATE_SEAL))
        self._confidentiality = bool(flags & F.NTLMSSP_NEGOTIATE_SEAL)
        key = exported_session_key
        self._sign_key_out = sign_key(flags, key, client_to_server=initiator)
        self._sign_key_in = sign_key(flags, key, client_to_server=not initiator)
        self._seal_key_out = seal_key(flags, key, client_to_server=initiator)
        self._seal_key_in = seal_key(flags, key, client_to_server=not initiator)
        self._handle_out = rc4_init(self._seal_key_out)
        self._handle_in = rc4_init(self._seal_key_in) if self._ess else self._handle_out
        self._seq_out = 0
        self._seq_in = 0

    def _next_seq(self, outgoing: bool) -> int:
        if outgoing or not self._ess:
            seq, self._seq_out = self._seq_out, self._seq_out + 1
        else:
            seq, self._seq_in = self._seq_in, self._seq_in + 1
        return seq

    def sign(self, message: bytes) -> bytes:
        """GSS_GetMIC (MS-NLMP 3.4.4, 3.4.6): the 16-byte signature of an outgoing message."""
        if not self._integrity:
            return _DUMMY_SIGNATURE
        return mac(self.flags, self._handle_out, self._sign_key_out, self._next_seq(True), message)

    def verify(self, message: bytes, signature: bytes) -> bool:
        """GSS_VerifyMIC: check an incoming message's signature (consumes a sequence number)."""
        if len(signature) != self.SIGNATURE_SIZE:
            return False
        if not self._integrity:
            return hmac.compare_digest(signature, _DUMMY_SIGNATURE)
        expected = mac(self.flags, self._handle_in, self._sign_key_in, self._next_seq(False), message)
        if not self._ess:  # RandomPad (bytes 4..8) carries nothing; peers fill it differently
            expected, signature = expected[:4] + expected[8:], signature[:4] + signature[8:]
        return hmac.compare_digest(expected, signature)

    def encrypt(self, data: bytes) -> bytes:
        """RC4 with the outgoing handle (the encryption half of SEAL, MS-NLMP 3.4.3)."""
        if not self._confidentiality:
            raise NtlmError("NTLMSSP_NEGOTIATE_SEAL was not negotiated")
        return self._handle_out.update(data)

    def decrypt(self, data: bytes) -> bytes:
        """RC4 with the incoming handle."""
        if not self._confidentiality:
            raise NtlmError("NTLMSSP_NEGOTIATE_SEAL was not negotiated")
        return self._handle_in.update(data)

    def seal(self, message: bytes, data_to_sign: bytes | None = None) -> tuple[bytes, bytes]:
        """SEAL (MS-NLMP 3.4.3): encrypt ``message`` and sign ``data_to_sign`` (default: the
        plaintext ``message``); returns (sealed, signature)."""
        sealed = self.encrypt(message)
        return sealed, self.sign(message if data_to_sign is None else data_to_sign)

    def unseal(
        self, sealed: bytes, signature: bytes, *, signed_prefix: bytes = b"", signed_suffix: bytes = b""
    ) -> bytes:
        """Decrypt ``sealed`` and verify ``signature`` over ``signed_prefix + plaintext +
        signed_suffix``; raise NtlmError when it does not match."""
        plaintext = self.decrypt(sealed)
        if not self.verify(signed_prefix + plaintext + signed_suffix, signature):
            raise NtlmError("NTLM message signature does not verify")
        return plaintext

    def reset_rc4_state(self, *, outgoing: bool) -> None:
        """Re-key one direction's RC4 handle, keeping sequence numbers (MS-SPNG 3.3.5.1: the
        mechListMIC must not advance the key stream the application's first message uses).
        Without extended session security the single shared handle is re-keyed."""
        if not self._ess:
            self._handle_out = self._handle_in = rc4_init(self._seal_key_out)
        elif outgoing:
            self._handle_out = rc4_init(self._seal_key_out)
        else:
            self._handle_in = rc4_init(self._seal_key_in)


def verify_challenge_response(
    account: NtlmAccount | None,
    challenge: bytes,
    lm_response: bytes,
    nt_response: bytes,
    user: str,
    domain: str,
    lm_compatibility_level: int,
    *,
    workstation: str = "",
) -> NtlmResult:
    """Check the raw challenge/response of an SMB1 SESSION_SETUP_ANDX without extended security
    (MS-CIFS 3.3.5.43: OEMPassword carries the LM or LMv2 response, UnicodePassword the NTLM or
    NTLMv2 response, both over the 8-byte challenge of the NEGOTIATE response), as the
    AUTHENTICATE_MESSAGE's are checked: the same outcomes, response types and
    LmCompatibilityLevel (DC side: levels 0-3 accept all, 4 refuses LM, 5 refuses LM and NTLM).

    ``account`` is the looked-up user (None: no such user). The session key is the one MS-CIFS
    3.2.5.3 has the client keep: the NT session key (MD4 of the NT hash) for an LM or NTLM
    response, HMAC_MD5(NTOWFv2, NTProofStr) for NTLMv2 and HMAC_MD5(LMOWFv2, LMv2 proof) for an
    LMv2 response alone (MS-NLMP 3.3.1, 3.3.2)."""
    if len(challenge) != 8:
        raise ValueError("the server challenge is 8 bytes")

    def result(outcome: Outcome, package: str = "", key: bytes = b"") -> NtlmResult:
        return NtlmResult(outcome, user, domain, workstation, key, package, 0,
                          account if outcome is not Outcome.ANONYMOUS else None)

    lm, nt = bytes(lm_response), bytes(nt_response)
    # MS-NLMP 3.2.5.1.2 anonymous: no user name, no NT response, an empty or Z(1) LM response.
    if not user and not nt and lm in (b"", b"\x00"):
        return result(Outcome.ANONYMOUS)
    if account is None:
        return result(Outcome.NO_SUCH_USER)
    # Neither LM/NTLM (24 bytes), nor NTLMv2 (> 24): a plaintext password, which Windows does not
    # accept once the NEGOTIATE response asked for encrypted passwords (MS-CIFS 3.3.5.43).
    if 0 < len(nt) < 24 or 24 < len(nt) < 44 or (not nt and len(lm) != 24):
        return result(Outcome.REFUSED)
    verified = verify_responses(account, challenge, lm, nt, user, domain, ess=False)
    if verified is None:
        return result(Outcome.WRONG_PASSWORD)
    if lm_compatibility_level >= _REFUSED_FROM_LEVEL[verified.package]:
        return result(Outcome.REFUSED, verified.package)
    return result(Outcome.AUTHENTICATED, verified.package, verified.session_base_key)
