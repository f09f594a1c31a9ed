"""SPNEGO: golden tokens, client tokens from pyspnego and by hand, full exchanges with the
mechListMIC (pyspnego as smbprotocol drives it), the Kerberos-first downgrade, robustness."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import spnego
from hypothesis import given, settings
from hypothesis import strategies as st
from impacket import ntlm as impacket_ntlm  # type: ignore[import-untyped]
from spnego._spnego import NegState, NegTokenInit, NegTokenResp, unpack_token

from smbemu.auth import spnego as sp
from smbemu.auth.ntlm import NtlmAcceptor, NtlmSecurity, Outcome
from smbemu.auth.spnego import MechSelection, SpnegoError

MakeAcceptor = Callable[..., NtlmAcceptor]


def step(client: spnego.ContextProxy, token: bytes | None = None) -> bytes:
    out = client.step(token)
    assert out is not None
    return out

NTLM = sp.NTLMSSP_OID
MS_KRB5, KRB5 = sp.KERBEROS_OIDS[0], sp.KERBEROS_OIDS[1]
NTLM_OID_DER = b"\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"


# --- server tokens -----------------------------------------------------------------------------


def test_negotiate_hint_golden() -> None:
    expected = (
        b"\x60\x1c"  # [APPLICATION 0] (RFC 2743 3.1)
        b"\x06\x06\x2b\x06\x01\x05\x05\x02"  # 1.3.6.1.5.5.2 SPNEGO
        b"\xa0\x12\x30\x10"  # [0] NegTokenInit2 SEQUENCE
        b"\xa0\x0e\x30\x0c" + NTLM_OID_DER  # mechTypes [0] = [NTLMSSP], no negHints (as 2008+)
    )  # fmt: skip
    assert sp.negotiate_hint() == expected
    parsed = unpack_token(expected)  # pyspnego reads it as a NegTokenInit2
    assert isinstance(parsed, NegTokenInit)
    assert parsed.mech_types == [NTLM] and parsed.hint_name is None


def test_response_tokens_golden() -> None:
    assert sp.reject() == b"\xa1\x07\x30\x05\xa0\x03\x0a\x01\x02"
    assert sp.accept_completed(b"M" * 16) == (
        b"\xa1\x1b\x30\x19" b"\xa0\x03\x0a\x01\x00" b"\xa3\x12\x04\x10" + b"M" * 16
    )
    assert sp.accept_completed() == b"\xa1\x07\x30\x05\xa0\x03\x0a\x01\x00"
    assert sp.accept_incomplete(b"CHAL") == (
        b"\xa1\x1d\x30\x1b" b"\xa0\x03\x0a\x01\x01" b"\xa1\x0c" + NTLM_OID_DER + b"\xa2\x06\x04\x04CHAL"
    )
    assert sp.accept_incomplete(None, request_mic=True) == (
        b"\xa1\x15\x30\x13" b"\xa0\x03\x0a\x01\x03" b"\xa1\x0c" + NTLM_OID_DER
    )
    assert sp.accept_incomplete(b"CHAL", supported_mech=False) == (
        b"\xa1\x0f\x30\x0d" b"\xa0\x03\x0a\x01\x01" b"\xa2\x06\x04\x04CHAL"
    )
    big = sp.accept_incomplete(b"x" * 300)  # long-form DER lengths
    parsed = unpack_token(big)
    assert isinstance(parsed, NegTokenResp) and parsed.response_token == b"x" * 300


# --- client tokens ----------------------------------------------------------------------------


def test_parse_pyspnego_init() -> None:
    client = spnego.client("alice", "pw", hostname="srv", protocol="negotiate")
    token = sp.parse_client_token(step(client))
    assert token.mech_types == [NTLM] and not token.raw_ntlm and not token.downgraded
    assert token.mech_types_der == b"\x30\x0c" + NTLM_OID_DER
    assert token.mech_token.startswith(b"NTLMSSP\x00\x01")
    assert sp.select_mech(token) is MechSelection.NTLM


def test_parse_variants() -> None:
    raw = sp.parse_client_token(b"NTLMSSP\x00\x01\x00\x00\x00\x07\x82\x08\xa2")
    assert raw.raw_ntlm and raw.mech_types is None and sp.select_mech(raw) is MechSelection.NTLM

    bare_init = NegTokenInit([NTLM], mech_token=b"tok").pack()[10:]  # without the GSS framing
    assert bare_init[0] == 0xA0 and sp.parse_client_token(bare_init).mech_token == b"tok"

    resp = sp.parse_client_token(NegTokenResp(response_token=b"NTLMSSP\x00", mech_list_mic=b"m" * 16).pack())
    assert (resp.mech_types, resp.mech_token, resp.mech_list_mic) == (None, b"NTLMSSP\x00", b"m" * 16)

    w2k_bug = sp.parse_client_token(NegTokenResp(response_token=b"same", mech_list_mic=b"same").pack())
    assert w2k_bug.mech_list_mic is None  # Windows 2000 echoed the token in mechListMIC

    with_mic = sp.parse_client_token(NegTokenInit([NTLM], mech_token=b"t", mech_list_mic=b"mic").pack())
    assert with_mic.mech_list_mic == b"mic"


def test_kerberos_first_is_downgraded() -> None:
    token = sp.parse_client_token(NegTokenInit([MS_KRB5, KRB5, NTLM], mech_token=b"\x6e\x00AP-REQ").pack())
    assert token.mech_types == [MS_KRB5, KRB5, NTLM] and token.downgraded
    assert sp.select_mech(token) is MechSelection.NTLM_NEEDS_NEGOTIATE

    no_token = sp.parse_client_token(NegTokenInit([NTLM]).pack())
    assert not no_token.downgraded and sp.select_mech(no_token) is MechSelection.NTLM_NEEDS_NEGOTIATE

    kerberos_only = sp.parse_client_token(NegTokenInit([MS_KRB5, KRB5], mech_token=b"AP-REQ").pack())
    assert sp.select_mech(kerberos_only) is MechSelection.REJECT


@pytest.mark.parametrize(
    "token",
    [
        b"",
        b"\x60",
        b"\x60\x80\x06\x06\x2b\x06\x01\x05\x05\x02",  # indefinite length
        b"\x60\x0a\x06\x06\x2a\x86\x48\x86\xf7\x12\xa0\x00",  # not the SPNEGO OID
        b"\xa0\x02\x30\x00",  # NegTokenInit without mechTypes
        b"\xa1\x05\x30\x03\xa0\x01\x0a",  # truncated negState
        b"\xa0\x08\x30\x06\xa0\x04\x30\x02\x04\x00",  # MechTypeList holding an OCTET STRING
        b"\x30\x00",  # neither [0] nor [1]
    ],
)
def test_malformed_tokens(token: bytes) -> None:
    with pytest.raises(SpnegoError):
        sp.parse_client_token(token)


_SAMPLES = [
    NegTokenInit([MS_KRB5, NTLM], mech_token=b"NTLMSSP\x00" + bytes(30), mech_list_mic=b"m" * 16).pack(),
    NegTokenResp(
        neg_state=NegState.accept_incomplete, supported_mech=NTLM, response_token=b"t" * 40, mech_list_mic=b"m" * 16
    ).pack(),
    sp.negotiate_hint(),
]


@settings(max_examples=200)
@given(st.binary(max_size=150))
def test_parse_random_bytes(data: bytes) -> None:
    for token in (data, b"\x60" + data, b"\xa0" + data, b"\xa1" + data):
        try:
            sp.parse_client_token(token)
        except SpnegoError:
            pass


@settings(max_examples=200)
@given(st.sampled_from(_SAMPLES), st.integers(0, 200), st.lists(st.tuples(st.integers(0, 199), st.integers(0, 255))))
def test_parse_mutated_tokens(sample: bytes, cut: int, flips: list[tuple[int, int]]) -> None:
    data = bytearray(sample[:cut])
    for pos, value in flips:
        if pos < len(data):
            data[pos] = value
    try:
        sp.parse_client_token(bytes(data))
    except SpnegoError:
        pass


# --- full exchanges -----------------------------------------------------------------------------


def test_pyspnego_negotiate_exchange(make_acceptor: MakeAcceptor, password: str) -> None:
    """As smbprotocol does it: the client starts from the NEGOTIATE response's hint."""
    client = spnego.client("CORP\\alice", password, hostname="legacysrv", protocol="negotiate",
                           options=spnego.NegotiateOptions.session_key)  # fmt: skip
    first = sp.parse_client_token(step(client, sp.negotiate_hint()))
    assert sp.select_mech(first) is MechSelection.NTLM
    acceptor = make_acceptor()
    second = sp.parse_client_token(step(client, sp.accept_incomplete(acceptor.accept_negotiate(first.mech_token))))
    assert second.mech_list_mic is not None  # NTLM had a MIC, so SPNEGO protects the mech list
    result = acceptor.accept_authenticate(second.mech_token)
    assert result.outcome is Outcome.AUTHENTICATED and result.mic_present
    ok, final = sp.finish_ntlm(acceptor.security(), first.mech_types_der, second.mech_list_mic)
    assert ok
    assert client.step(final) is None  # pyspnego verified our mechListMIC and has nothing more to say
    assert client.complete and client.session_key == result.session_key

    # After the mechListMICs both sides re-keyed RC4 (MS-SPNG 3.3.5.1): application traffic still works.
    security = acceptor.security()
    wrapped = client.wrap(b"after the MIC").data
    assert security.unseal(wrapped[16:], wrapped[:16]) == b"after the MIC"
    sealed, signature = security.seal(b"answer")
    assert client.unwrap(signature + sealed).data == b"answer"


def test_pyspnego_rejects_a_bad_server_mic(make_acceptor: MakeAcceptor, password: str) -> None:
    client = spnego.client("alice", password, hostname="legacysrv", protocol="negotiate")
    first = sp.parse_client_token(step(client))
    acceptor = make_acceptor()
    second = sp.parse_client_token(step(client, sp.accept_incomplete(acceptor.accept_negotiate(first.mech_token))))
    acceptor.accept_authenticate(second.mech_token)
    with pytest.raises(spnego.exceptions.SpnegoError):
        client.step(sp.accept_completed(b"\x01\x00\x00\x00" + bytes(12)))


def test_bad_client_mic_is_rejected(make_acceptor: MakeAcceptor, password: str) -> None:
    client = spnego.client("alice", password, hostname="legacysrv", protocol="negotiate")
    first = sp.parse_client_token(step(client))
    acceptor = make_acceptor()
    second = sp.parse_client_token(step(client, sp.accept_incomplete(acceptor.accept_negotiate(first.mech_token))))
    assert acceptor.accept_authenticate(second.mech_token).outcome is Outcome.AUTHENTICATED
    assert second.mech_list_mic is not None
    mic = second.mech_list_mic
    ok, token = sp.finish_ntlm(acceptor.security(), first.mech_types_der, mic[:5] + bytes([mic[5] ^ 1]) + mic[6:])
    assert (ok, token) == (False, sp.reject())
    assert sp.finish_ntlm(acceptor.security(), None, second.mech_list_mic) == (False, sp.reject())


def _client_resp(ntlm_message: bytes, mic: bytes | None = None) -> bytes:
    return bytes(NegTokenResp(response_token=ntlm_message, mech_list_mic=mic).pack())


@pytest.mark.parametrize("client_sends_mic", [True, False])
def test_kerberos_first_downgrade_exchange(make_acceptor: MakeAcceptor, password: str, client_sends_mic: bool) -> None:
    """Windows / smbclient with krb5 offer Kerberos first; we pick NTLMSSP, ignore the AP-REQ,
    ask for the client's NEGOTIATE with request-mic, and insist on the mechListMIC exchange."""
    first = sp.parse_client_token(NegTokenInit([MS_KRB5, KRB5, NTLM], mech_token=b"\x6e\x00AP-REQ").pack())
    assert sp.select_mech(first) is MechSelection.NTLM_NEEDS_NEGOTIATE
    reply = unpack_token(sp.accept_incomplete(None, request_mic=first.downgraded))
    assert (reply.neg_state, reply.supported_mech, reply.response_token) == (3, NTLM, None)

    acceptor = make_acceptor()
    type1 = impacket_ntlm.getNTLMSSPType1("WS01", "", signingRequired=True)
    second = sp.parse_client_token(_client_resp(type1.getData()))
    challenge = acceptor.accept_negotiate(second.mech_token)
    reply = unpack_token(sp.accept_incomplete(challenge, supported_mech=False))
    assert (reply.neg_state, reply.supported_mech, reply.response_token) == (1, None, challenge)

    type3, session_key = impacket_ntlm.getNTLMSSPType3(type1, challenge, "alice", password, "CORP")
    client_security = NtlmSecurity(type3["flags"], session_key, initiator=True)
    assert first.mech_types_der is not None
    mic = sp.make_mech_list_mic(client_security, first.mech_types_der) if client_sends_mic else None
    third = sp.parse_client_token(_client_resp(type3.getData(), mic))
    assert acceptor.accept_authenticate(third.mech_token).outcome is Outcome.AUTHENTICATED

    ok, final = sp.finish_ntlm(acceptor.security(), first.mech_types_der, third.mech_list_mic,
                               mic_required=first.downgraded)  # fmt: skip
    assert ok is client_sends_mic
    if ok:
        server_mic = unpack_token(final).mech_list_mic
        assert sp.verify_mech_list_mic(client_security, first.mech_types_der, server_mic)
    else:
        assert final == sp.reject()


def test_negotiate_hint_of_a_domain_joined_windows_is_byte_for_byte_the_capture() -> None:
    """suricata-verify tests/smb-version-keyword/input.pcap, frame 5: the SMB2 NEGOTIATE response
    security blob of Windows 10.0.17763 (NEGOEX, MS-KRB5, KRB5, KRB5-U2U, NTLMSSP + negHints)."""
    windows = bytes.fromhex(
        "607606062b0601050502a06c306aa03c303a060a2b06010401823702021e06092a864882f71201020206092a8648"
        "86f712010202060a2a864886f71201020203060a2b06010401823702020aa32a3028a0261b246e6f745f646566696e"
        "65645f696e5f5246433431373840706c656173655f69676e6f7265")
    assert sp.negotiate_hint(("NEGOEX", "MS_KRB5", "KRB5", "KRB5_U2U", "NTLMSSP"), True) == windows
    parsed = unpack_token(windows)  # pyspnego reads it as a NegTokenInit2 with the hint
    assert isinstance(parsed, NegTokenInit) and parsed.mech_types[-1] == NTLM
