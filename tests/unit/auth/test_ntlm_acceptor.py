"""The NTLM acceptor: CHALLENGE contents, the MS-NLMP 4.2 exchanges end to end, and real client
code (pyspnego, impacket) against it, including signing and sealing afterwards."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import spnego
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from impacket import ntlm as impacket_ntlm  # type: ignore[import-untyped]
from spnego.iov import BufferType

from smbemu.auth.ntlm import NtlmAccount, NtlmAcceptor, NtlmResult, NtlmSecurity, Outcome, ServerIdentity
from smbemu.auth.ntlm_crypto import compute_response_v2, desl, hmac_md5, lm_owf_v1, nt_owf_v1, nt_owf_v2
from smbemu.auth.ntlm_messages import (
    AuthenticateMessage,
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

MakeAcceptor = Callable[..., NtlmAcceptor]


def step(client: spnego.ContextProxy, token: bytes | None = None) -> bytes:
    out = client.step(token)
    assert out is not None
    return out



def u(text: str) -> bytes:
    return text.encode("utf-16-le")


WINDOWS_NEGOTIATE = NegotiateMessage(0xE2088297, version=Version(10, 0, 19041)).pack()
FIXED_CHALLENGE = bytes.fromhex("0123456789abcdef")
FIXED_TIME = 0x01D90000_12345678


# --- CHALLENGE_MESSAGE --------------------------------------------------------------------------


def test_challenge_golden(make_acceptor: MakeAcceptor) -> None:
    """A Windows client's NEGOTIATE (0xe2088297) answered like a member server (0xe28a8215)."""
    acceptor = make_acceptor(challenge=FIXED_CHALLENGE, filetime=lambda: FIXED_TIME)
    expected = (
        b"NTLMSSP\x00"
        b"\x02\x00\x00\x00"  # MessageType
        b"\x12\x00\x12\x00\x38\x00\x00\x00"  # TargetNameFields
        b"\x15\x82\x8a\xe2"  # NegotiateFlags
        b"\x01\x23\x45\x67\x89\xab\xcd\xef"  # ServerChallenge
        b"\x00\x00\x00\x00\x00\x00\x00\x00"  # Reserved
        b"\x8e\x00\x8e\x00\x4a\x00\x00\x00"  # TargetInfoFields
        b"\x0a\x00\x63\x45\x00\x00\x00\x0f"  # Version 10.0.17763, NTLMRevisionCurrent 15
        + u("LEGACYSRV")  # TargetName
        + b"\x02\x00\x08\x00" + u("CORP")  # MsvAvNbDomainName
        + b"\x01\x00\x12\x00" + u("LEGACYSRV")  # MsvAvNbComputerName
        + b"\x04\x00\x14\x00" + u("corp.local")  # MsvAvDnsDomainName
        + b"\x03\x00\x28\x00" + u("legacysrv.corp.local")  # MsvAvDnsComputerName
        + b"\x05\x00\x14\x00" + u("corp.local")  # MsvAvDnsTreeName
        + b"\x07\x00\x08\x00" + FIXED_TIME.to_bytes(8, "little")  # MsvAvTimestamp
        + b"\x00\x00\x00\x00"  # MsvAvEOL
    )  # fmt: skip
    assert acceptor.accept_negotiate(WINDOWS_NEGOTIATE) == expected


def test_challenge_windows_2000_style(make_acceptor: MakeAcceptor, w2k: ServerIdentity) -> None:
    data = make_acceptor(w2k).accept_negotiate(WINDOWS_NEGOTIATE)
    challenge = ChallengeMessage.parse(data)
    assert challenge.flags == 0xE0898215  # TARGET_TYPE_DOMAIN, no VERSION
    assert data[40:48] == b"\x5a\x00\x5a\x00\x38\x00\x00\x00"  # 48-byte header: payload at 0x30 + "CORP"
    assert challenge.target_name == "CORP"
    assert challenge.target_info is not None
    pairs = parse_av_pairs(challenge.target_info)
    assert [pid for pid, _ in pairs] == [AvId.MsvAvNbDomainName, AvId.MsvAvNbComputerName,
                                         AvId.MsvAvDnsDomainName, AvId.MsvAvDnsComputerName]  # fmt: skip


@pytest.mark.parametrize(
    "client, expected",
    [
        (F.NTLMSSP_NEGOTIATE_UNICODE | F.NTLMSSP_NEGOTIATE_NTLM, F.NTLMSSP_NEGOTIATE_UNICODE),
        (F.NTLM_NEGOTIATE_OEM, F.NTLM_NEGOTIATE_OEM),
        # 128/56 and ALWAYS_SIGN echo the client, with or without SIGN/SEAL (issue 13: as Windows)
        (F.NTLMSSP_NEGOTIATE_UNICODE | F.NTLMSSP_NEGOTIATE_128 | F.NTLMSSP_NEGOTIATE_KEY_EXCH,
         F.NTLMSSP_NEGOTIATE_UNICODE | F.NTLMSSP_NEGOTIATE_128 | F.NTLMSSP_NEGOTIATE_KEY_EXCH),
        (F.NTLMSSP_NEGOTIATE_UNICODE | F.NTLMSSP_NEGOTIATE_ALWAYS_SIGN,
         F.NTLMSSP_NEGOTIATE_UNICODE | F.NTLMSSP_NEGOTIATE_ALWAYS_SIGN),
        (F.NTLMSSP_NEGOTIATE_UNICODE | F.NTLMSSP_NEGOTIATE_LM_KEY | F.NTLMSSP_NEGOTIATE_DATAGRAM,
         F.NTLMSSP_NEGOTIATE_UNICODE),
        (F.NTLMSSP_NEGOTIATE_UNICODE | F.NTLMSSP_NEGOTIATE_SEAL | F.NTLMSSP_NEGOTIATE_56,
         F.NTLMSSP_NEGOTIATE_UNICODE | F.NTLMSSP_NEGOTIATE_SEAL | F.NTLMSSP_NEGOTIATE_56),
    ],
)  # fmt: skip
def test_challenge_flags_follow_the_client(make_acceptor: MakeAcceptor, client: int, expected: int) -> None:
    # VERSION is sent whether asked or not by a server that has one (XP SP2 and later, issue 13).
    always = F.NTLMSSP_NEGOTIATE_NTLM | F.NTLMSSP_NEGOTIATE_TARGET_INFO | F.NTLMSSP_NEGOTIATE_VERSION
    challenge = ChallengeMessage.parse(make_acceptor().accept_negotiate(NegotiateMessage(client).pack()))
    assert challenge.flags == always | expected
    assert challenge.version is not None and (challenge.version.major, challenge.version.build) == (10, 17763)
    assert challenge.target_name == ""  # no REQUEST_TARGET, no TargetName


def test_negotiate_errors(make_acceptor: MakeAcceptor) -> None:
    acceptor = make_acceptor()
    with pytest.raises(NtlmError):
        acceptor.accept_authenticate(b"NTLMSSP\x00\x03\x00\x00\x00")  # before NEGOTIATE
    with pytest.raises(NtlmError):
        acceptor.accept_negotiate(b"NTLMSSP\x00\x01\x00")
    acceptor.accept_negotiate(WINDOWS_NEGOTIATE)
    with pytest.raises(NtlmError):
        acceptor.accept_negotiate(WINDOWS_NEGOTIATE)
    with pytest.raises(ValueError):
        make_acceptor(lm_compatibility_level=6)


# --- MS-NLMP 4.2 exchanges end to end ---------------------------------------------------------

SPEC_USER = NtlmAccount("User", nt_owf_v1("Password"), lm_owf_v1("Password"))
SESSION_KEY_55 = b"\x55" * 16
V1_FLAGS = 0xE2028233  # 4.2.2
V1_ESS_FLAGS = 0x820A8233  # 4.2.3
V2_FLAGS = 0xE28A8233  # 4.2.4


def spec_exchange(flags: int, lm: bytes, nt: bytes, key: bytes = b"", level: int = 3) -> NtlmAcceptor:
    acceptor = NtlmAcceptor(
        ServerIdentity("Server", "Domain", None, None, None, False, False, (6, 0, 6000)),
        lambda name: SPEC_USER if name == "User" else None,
        challenge=FIXED_CHALLENGE,
        lm_compatibility_level=level,
    )
    acceptor.accept_negotiate(NegotiateMessage(flags).pack())
    acceptor.accept_authenticate(AuthenticateMessage(flags, lm, nt, "Domain", "User", "COMPUTER", key).pack())
    return acceptor


def test_spec_ntlm_v1() -> None:
    acceptor = spec_exchange(
        V1_FLAGS,
        bytes.fromhex("98def7b87f88aa5dafe2df779688a172def11c7d5ccdef13"),
        bytes.fromhex("67c43011f30298a2ad35ece64f16331c44bdbed927841f94"),
        bytes.fromhex("518822b1b3f350c8958682ecbb3e3cb7"),
    )
    result = acceptor.result
    assert result is not None
    assert (result.outcome, result.package, result.session_key) == (Outcome.AUTHENTICATED, "NTLM V1", SESSION_KEY_55)
    assert (result.user_name, result.domain_name, result.workstation) == ("User", "Domain", "COMPUTER")
    sealed = bytes.fromhex("56fe04d861f9319af0d7238a2e3b4d457fb8")  # 4.2.2.4
    assert acceptor.security().unseal(sealed, bytes.fromhex("0100000000000000" "09dcd1df2e459d36")) == u("Plaintext")


def test_spec_ntlm_v1_ess() -> None:
    result = spec_exchange(
        V1_ESS_FLAGS,
        b"\xaa" * 8 + bytes(16),
        bytes.fromhex("7537f803ae367128ca458204bde7caf81e97ed2683267232"),
    ).result
    assert result is not None
    assert (result.outcome, result.package) == (Outcome.AUTHENTICATED, "NTLM V1")
    assert result.session_key == bytes.fromhex("eb93429a8bd952f8b89c55b87f475edc")


def test_spec_ntlm_v2() -> None:
    temp = bytes.fromhex(
        "0101000000000000" "0000000000000000" "aaaaaaaaaaaaaaaa" "00000000"
        "02000c0044006f006d00610069006e00" "01000c0053006500720076006500720000000000" "00000000"
    )  # fmt: skip
    acceptor = spec_exchange(
        V2_FLAGS,
        bytes.fromhex("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa"),
        bytes.fromhex("68cd0ab851e51c96aabc927bebef6a1c") + temp,
        bytes.fromhex("c5dad2544fc9799094ce1ce90bc9d03e"),
        level=5,
    )
    result = acceptor.result
    assert result is not None
    assert (result.outcome, result.package, result.session_key) == (Outcome.AUTHENTICATED, "NTLM V2", SESSION_KEY_55)
    assert not result.mic_present
    sealed = bytes.fromhex("54e50165bf1936dc996020c1811b0f06fb5f")
    signature = bytes.fromhex("01000000" "7fb38ec5c55d4976" "00000000")
    assert acceptor.security().unseal(sealed, signature) == u("Plaintext")  # 4.2.4.4


def test_spec_ntlm_v1_refused_at_level_5() -> None:
    result = spec_exchange(
        V1_FLAGS,
        bytes.fromhex("98def7b87f88aa5dafe2df779688a172def11c7d5ccdef13"),
        bytes.fromhex("67c43011f30298a2ad35ece64f16331c44bdbed927841f94"),
        bytes.fromhex("518822b1b3f350c8958682ecbb3e3cb7"),
        level=5,
    ).result
    assert result is not None and (result.outcome, result.package) == (Outcome.REFUSED, "NTLM V1")


# --- pyspnego as the client ---------------------------------------------------------------------


def pyspnego_exchange(acceptor: NtlmAcceptor, user: str, password: str) -> tuple[spnego.ContextProxy, NtlmResult]:
    client = spnego.client(user, password, hostname="legacysrv", protocol="ntlm")
    challenge = acceptor.accept_negotiate(step(client))
    result = acceptor.accept_authenticate(step(client, challenge))
    return client, result


def test_pyspnego_ntlm_v2(make_acceptor: MakeAcceptor, password: str, alice: NtlmAccount) -> None:
    acceptor = make_acceptor(lm_compatibility_level=5)
    client, result = pyspnego_exchange(acceptor, "CORP\\alice", password)
    assert result.outcome is Outcome.AUTHENTICATED
    assert (result.user_name, result.domain_name, result.package) == ("alice", "CORP", "NTLM V2")
    assert result.account == alice
    assert result.mic_present  # the CHALLENGE had a timestamp
    assert result.session_key == client.session_key


def test_pyspnego_without_timestamp_sends_no_mic(
    make_acceptor: MakeAcceptor, w2k: ServerIdentity, password: str
) -> None:
    client, result = pyspnego_exchange(make_acceptor(w2k), "alice", password)
    assert result.outcome is Outcome.AUTHENTICATED and not result.mic_present
    assert result.session_key == client.session_key


def test_pyspnego_failures(make_acceptor: MakeAcceptor, password: str, alice: NtlmAccount) -> None:
    acceptor = make_acceptor()
    _client, result = pyspnego_exchange(acceptor, "CORP\\alice", "wrong")
    assert (result.outcome, result.account, result.session_key) == (Outcome.WRONG_PASSWORD, alice, b"")
    with pytest.raises(NtlmError):
        acceptor.security()
    _client, result = pyspnego_exchange(make_acceptor(), "CORP\\mallory", password)
    assert (result.outcome, result.user_name) == (Outcome.NO_SUCH_USER, "mallory")


@pytest.mark.parametrize("client_level, server_level, outcome", [
    (0, 3, Outcome.AUTHENTICATED),  # LM + NTLM v1
    (1, 4, Outcome.AUTHENTICATED),  # NTLM v1 with the NTLM2 session response
    (2, 4, Outcome.AUTHENTICATED),  # NTLM v1 in both fields
    (0, 5, Outcome.REFUSED),
    (1, 5, Outcome.REFUSED),
    (2, 5, Outcome.REFUSED),
])  # fmt: skip
def test_pyspnego_ntlm_v1(
    make_acceptor: MakeAcceptor, password: str, monkeypatch: pytest.MonkeyPatch,
    client_level: int, server_level: int, outcome: Outcome,
) -> None:  # fmt: skip
    monkeypatch.setenv("LM_COMPAT_LEVEL", str(client_level))
    client, result = pyspnego_exchange(make_acceptor(lm_compatibility_level=server_level), "alice", password)
    assert (result.outcome, result.package) == (outcome, "NTLM V1")
    if outcome is Outcome.AUTHENTICATED:
        assert result.session_key == client.session_key


def _check_security(client: spnego.ContextProxy, server: NtlmSecurity) -> None:
    """Several messages each way, so persisting RC4 state and sequence numbers are exercised."""
    for n in range(3):
        wrapped = client.wrap(b"request %d" % n).data
        assert server.unseal(wrapped[16:], wrapped[:16]) == b"request %d" % n
        sealed, signature = server.seal(b"response %d" % n)
        assert client.unwrap(signature + sealed).data == b"response %d" % n
        assert server.verify(b"signed %d" % n, client.sign(b"signed %d" % n))
        client.verify(b"reply %d" % n, server.sign(b"reply %d" % n))  # raises when wrong
    assert not server.verify(b"tampered", client.sign(b"original"))


def test_security_with_pyspnego_ntlm_v2(make_acceptor: MakeAcceptor, password: str) -> None:
    acceptor = make_acceptor()
    client, _result = pyspnego_exchange(acceptor, "alice", password)
    _check_security(client, acceptor.security())


def test_security_with_pyspnego_ntlm_v1_no_ess(
    make_acceptor: MakeAcceptor, password: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LM_COMPAT_LEVEL", "0")  # no extended session security: one shared RC4 stream
    acceptor = make_acceptor()
    client, result = pyspnego_exchange(acceptor, "alice", password)
    assert not result.negotiate_flags & F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
    _check_security(client, acceptor.security())


def test_dcerpc_style_sealing_with_pyspnego(make_acceptor: MakeAcceptor, password: str) -> None:
    """Packet privacy: the stub is encrypted, the signature covers header + plain stub + trailer."""
    acceptor = make_acceptor()
    client, _result = pyspnego_exchange(acceptor, "alice", password)
    server = acceptor.security()
    header, stub, trailer = b"\x05\x00\x00\x83" + bytes(12), b"stub data\x00\x00\x00", b"\x0a\x06\x00\x00" + bytes(4)
    wrapped = client.wrap_iov([(BufferType.sign_only, header), (BufferType.data, stub),
                               (BufferType.sign_only, trailer), BufferType.header]).buffers  # fmt: skip
    signature, sealed = wrapped[3].data, wrapped[1].data
    assert signature is not None and sealed is not None
    assert server.unseal(sealed, signature, signed_prefix=header, signed_suffix=trailer) == stub

    sealed, signature = server.seal(stub, data_to_sign=header + stub + trailer)
    iov = [(BufferType.sign_only, header), (BufferType.data, sealed),
           (BufferType.sign_only, trailer), (BufferType.header, signature)]  # fmt: skip
    unwrapped = client.unwrap_iov(iov).buffers
    assert unwrapped[1].data == stub


# --- impacket as the client ---------------------------------------------------------------------


def impacket_exchange(
    acceptor: NtlmAcceptor, user: str, password: str, domain: str = "CORP", v2: bool = True
) -> tuple[NtlmResult, bytes]:
    type1 = impacket_ntlm.getNTLMSSPType1("WS01", "", signingRequired=True, use_ntlmv2=v2)
    challenge = acceptor.accept_negotiate(type1.getData())
    type3, session_key = impacket_ntlm.getNTLMSSPType3(type1, challenge, user, password, domain, use_ntlmv2=v2)
    return acceptor.accept_authenticate(type3.getData()), session_key


def test_impacket_ntlm_v2(make_acceptor: MakeAcceptor, password: str) -> None:
    result, session_key = impacket_exchange(make_acceptor(), "alice", password)
    assert (result.outcome, result.package, result.workstation) == (Outcome.AUTHENTICATED, "NTLM V2", "WS01")
    assert result.session_key == session_key
    assert impacket_exchange(make_acceptor(), "alice", "nope")[0].outcome is Outcome.WRONG_PASSWORD
    assert impacket_exchange(make_acceptor(), "bob", password)[0].outcome is Outcome.NO_SUCH_USER


def test_impacket_anonymous(make_acceptor: MakeAcceptor) -> None:
    acceptor = make_acceptor()
    result, _key = impacket_exchange(acceptor, "", "", domain="")
    assert (result.outcome, result.session_key, result.package) == (Outcome.ANONYMOUS, b"", "")
    with pytest.raises(NtlmError):
        acceptor.security()


@pytest.mark.parametrize("level, outcome", [(3, Outcome.AUTHENTICATED), (5, Outcome.REFUSED)])
def test_impacket_ntlm_v1(
    make_acceptor: MakeAcceptor, password: str, monkeypatch: pytest.MonkeyPatch, level: int, outcome: Outcome
) -> None:
    monkeypatch.setattr(impacket_ntlm, "USE_NTLMv2", False)
    result, session_key = impacket_exchange(make_acceptor(lm_compatibility_level=level), "alice", password, v2=False)
    assert (result.outcome, result.package) == (outcome, "NTLM V1")
    assert result.negotiate_flags & F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY  # NTLM2 session response
    if outcome is Outcome.AUTHENTICATED:
        assert result.session_key == session_key


# --- responses built by hand ------------------------------------------------------------------


def hand_exchange(acceptor: NtlmAcceptor, flags: int, lm: bytes, nt: bytes, user: str = "alice",
                  domain: str = "CORP", key: bytes = b"") -> NtlmResult:  # fmt: skip
    acceptor.accept_negotiate(NegotiateMessage(flags).pack())
    return acceptor.accept_authenticate(AuthenticateMessage(flags, lm, nt, domain, user, "WS", key).pack())


PLAIN = F.NTLMSSP_NEGOTIATE_UNICODE | F.NTLMSSP_NEGOTIATE_NTLM


@pytest.mark.parametrize("level, outcome", [(0, Outcome.AUTHENTICATED), (3, Outcome.AUTHENTICATED),
                                            (4, Outcome.REFUSED), (5, Outcome.REFUSED)])  # fmt: skip
def test_lm_response_alone(make_acceptor: MakeAcceptor, alice: NtlmAccount, level: int, outcome: Outcome) -> None:
    acceptor = make_acceptor(lm_compatibility_level=level, challenge=FIXED_CHALLENGE)
    assert alice.lm_hash is not None
    result = hand_exchange(acceptor, PLAIN, desl(alice.lm_hash, FIXED_CHALLENGE), b"")
    assert (result.outcome, result.package) == (outcome, "LM")


def test_lmv2_response_alone(make_acceptor: MakeAcceptor, alice: NtlmAccount) -> None:
    acceptor = make_acceptor(lm_compatibility_level=5, challenge=FIXED_CHALLENGE)
    key = nt_owf_v2(alice.nt_hash, "alice", "CORP")
    lmv2 = hmac_md5(key, FIXED_CHALLENGE + b"\x11" * 8) + b"\x11" * 8
    result = hand_exchange(acceptor, PLAIN, lmv2, b"")
    assert (result.outcome, result.package) == (Outcome.AUTHENTICATED, "NTLM V2")
    assert result.session_key == hmac_md5(key, lmv2[:16])


@pytest.mark.parametrize("hashed_with, sent", [("CORP", "CORP"), ("CORP", "corp"), ("", "CORP"), ("corp", "corp")])
def test_ntlmv2_domain_variants(make_acceptor: MakeAcceptor, alice: NtlmAccount, hashed_with: str, sent: str) -> None:
    acceptor = make_acceptor(challenge=FIXED_CHALLENGE)
    key = nt_owf_v2(alice.nt_hash, "ALICE", hashed_with)
    nt, _lm, _base = compute_response_v2(key, FIXED_CHALLENGE, b"\x22" * 8, FIXED_TIME, pack_av_pairs([]))
    result = hand_exchange(acceptor, PLAIN, bytes(24), nt, user="Alice", domain=sent)
    assert result.outcome is Outcome.AUTHENTICATED


@pytest.mark.parametrize("nt_length", [1, 23, 30, 43])
def test_malformed_responses_are_refused(make_acceptor: MakeAcceptor, nt_length: int) -> None:
    assert hand_exchange(make_acceptor(), PLAIN, b"", b"x" * nt_length).outcome is Outcome.REFUSED
    assert hand_exchange(make_acceptor(), PLAIN, b"", b"").outcome is Outcome.REFUSED  # user but no response


def test_malformed_authenticate_is_refused(make_acceptor: MakeAcceptor) -> None:
    acceptor = make_acceptor()
    acceptor.accept_negotiate(WINDOWS_NEGOTIATE)
    assert acceptor.accept_authenticate(b"NTLMSSP\x00\x03\x00\x00\x00junk").outcome is Outcome.REFUSED
    with pytest.raises(NtlmError):
        acceptor.accept_authenticate(b"again")


def test_key_exchange_without_encrypted_key_is_refused(make_acceptor: MakeAcceptor, alice: NtlmAccount) -> None:
    flags = PLAIN | F.NTLMSSP_NEGOTIATE_SIGN | F.NTLMSSP_NEGOTIATE_KEY_EXCH
    acceptor = make_acceptor(challenge=FIXED_CHALLENGE)
    result = hand_exchange(acceptor, flags, b"", desl(alice.nt_hash, FIXED_CHALLENGE))
    assert (result.outcome, result.package) == (Outcome.REFUSED, "NTLM V1")


# --- MIC ----------------------------------------------------------------------------------------


def _pyspnego_authenticate(acceptor: NtlmAcceptor, password: str) -> bytes:
    client = spnego.client("CORP\\alice", password, hostname="legacysrv", protocol="ntlm")
    challenge = acceptor.accept_negotiate(step(client))
    return step(client, challenge)


def test_mic_is_checked(make_acceptor: MakeAcceptor, password: str) -> None:
    acceptor = make_acceptor()
    message = bytearray(_pyspnego_authenticate(acceptor, password))
    auth = AuthenticateMessage.parse(bytes(message))
    assert av_value(parse_av_pairs(auth.nt_challenge_response[44:]), AvId.MsvAvFlags) == b"\x02\x00\x00\x00"
    message[80] ^= 1  # inside the MIC
    assert acceptor.accept_authenticate(bytes(message)).outcome is Outcome.REFUSED

    acceptor = make_acceptor()
    message = bytearray(_pyspnego_authenticate(acceptor, password))
    workstation_offset = int.from_bytes(message[48:52], "little")  # not covered by NTProofStr
    message[workstation_offset] ^= 0x20
    assert acceptor.accept_authenticate(bytes(message)).outcome is Outcome.REFUSED


# --- robustness --------------------------------------------------------------------------------


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_accept_authenticate_never_raises(make_acceptor: MakeAcceptor, password: str, data: st.DataObject) -> None:
    acceptor = make_acceptor(challenge=FIXED_CHALLENGE, filetime=lambda: FIXED_TIME)
    message = bytearray(_pyspnego_authenticate(acceptor, password))
    cut = data.draw(st.integers(0, len(message)))
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(message) - 1), st.integers(0, 255)), max_size=4))
    for pos, value in flips:
        message[pos] = value
    result = acceptor.accept_authenticate(bytes(message[:cut]))
    assert isinstance(result.outcome, Outcome)


@settings(max_examples=200)
@given(st.binary(max_size=120))
def test_accept_negotiate_raises_only_ntlm_error(make_acceptor: MakeAcceptor, data: bytes) -> None:
    for token in (data, b"NTLMSSP\x00\x01\x00\x00\x00" + data):
        try:
            ChallengeMessage.parse(make_acceptor().accept_negotiate(token))
        except NtlmError:
            pass
