"""NTLMSSP wire formats: golden bytes both ways, layouts, and robustness of every parser."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smbemu.auth.ntlm_messages import (
    AuthenticateMessage,
    AvId,
    ChallengeMessage,
    MessageType,
    NegotiateMessage,
    NtlmError,
    Version,
    message_type,
    pack_av_pairs,
    parse_av_pairs,
)
from smbemu.auth.ntlm_messages import NegotiateFlags as F


def u(text: str) -> bytes:
    return text.encode("utf-16-le")


# A Windows 10 client's NEGOTIATE_MESSAGE (flags 0xe2088297).
NEGOTIATE = (
    b"NTLMSSP\x00"
    b"\x01\x00\x00\x00"  # MessageType
    b"\x97\x82\x08\xe2"  # NegotiateFlags
    b"\x00\x00\x00\x00\x28\x00\x00\x00"  # DomainNameFields
    b"\x00\x00\x00\x00\x28\x00\x00\x00"  # WorkstationFields
    b"\x0a\x00\x63\x45\x00\x00\x00\x0f"  # Version 10.0.17763, NTLMRevisionCurrent 15
)


def test_negotiate_parse() -> None:
    message = NegotiateMessage.parse(NEGOTIATE)
    assert message.flags == 0xE2088297
    assert message.flags & F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
    assert (message.domain_name, message.workstation) == ("", "")
    assert message.version == Version(10, 0, 17763, 15)


def test_negotiate_pack() -> None:
    assert NegotiateMessage(0xE2088297, version=Version(10, 0, 17763)).pack() == NEGOTIATE


def test_negotiate_oem_fields_and_old_short_form() -> None:
    flags = F.NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED | F.NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED
    packed = NegotiateMessage(flags, "CORP", "WS01").pack()
    assert packed[16:32] == b"\x04\x00\x04\x00\x20\x00\x00\x00" b"\x04\x00\x04\x00\x24\x00\x00\x00"
    assert NegotiateMessage.parse(packed) == NegotiateMessage(flags, "CORP", "WS01")
    # NT4-era clients stop after NegotiateFlags
    assert NegotiateMessage.parse(b"NTLMSSP\x00\x01\x00\x00\x00\x07\x82\x00\x00").flags == 0x8207


def test_challenge_golden() -> None:
    target_info = pack_av_pairs([(AvId.MsvAvNbDomainName, u("CORP")), (AvId.MsvAvNbComputerName, u("SRV"))])
    challenge = ChallengeMessage(0xE28A8215, bytes.fromhex("0123456789abcdef"), "SRV", target_info, Version(6, 1, 7601))
    data = (
        b"NTLMSSP\x00"
        b"\x02\x00\x00\x00"  # MessageType
        b"\x06\x00\x06\x00\x38\x00\x00\x00"  # TargetNameFields
        b"\x15\x82\x8a\xe2"  # NegotiateFlags
        b"\x01\x23\x45\x67\x89\xab\xcd\xef"  # ServerChallenge
        b"\x00\x00\x00\x00\x00\x00\x00\x00"  # Reserved
        b"\x1a\x00\x1a\x00\x3e\x00\x00\x00"  # TargetInfoFields
        b"\x06\x01\xb1\x1d\x00\x00\x00\x0f"  # Version 6.1.7601
        b"S\x00R\x00V\x00"  # TargetName
        b"\x02\x00\x08\x00C\x00O\x00R\x00P\x00"  # MsvAvNbDomainName
        b"\x01\x00\x06\x00S\x00R\x00V\x00"  # MsvAvNbComputerName
        b"\x00\x00\x00\x00"  # MsvAvEOL
    )
    assert challenge.pack() == data
    assert ChallengeMessage.parse(data) == challenge


def test_challenge_without_version_has_48_byte_header() -> None:
    challenge = ChallengeMessage(F.NTLMSSP_NEGOTIATE_UNICODE, bytes(8), "", pack_av_pairs([]))
    data = challenge.pack()
    assert data[40:48] == b"\x04\x00\x04\x00\x30\x00\x00\x00"
    assert len(data) == 52
    assert ChallengeMessage.parse(data) == challenge


def test_authenticate_layouts() -> None:
    args = (F.NTLMSSP_NEGOTIATE_UNICODE, b"L" * 24, b"N" * 24, "Domain", "User", "WS")
    minimal = AuthenticateMessage(*args).pack()
    assert minimal[12:20] == b"\x18\x00\x18\x00\x40\x00\x00\x00"  # payload right after 64 bytes
    assert AuthenticateMessage.parse(minimal).mic is None

    flags = F.NTLMSSP_NEGOTIATE_UNICODE | F.NTLMSSP_NEGOTIATE_VERSION
    with_mic = AuthenticateMessage(flags, *args[1:], b"K" * 16, Version(10, 0, 1), b"M" * 16)
    data = with_mic.pack()
    assert data[12:20] == b"\x18\x00\x18\x00\x58\x00\x00\x00"  # payload after 88 bytes
    assert data[64:88] == Version(10, 0, 1).pack() + b"M" * 16
    assert AuthenticateMessage.parse(data) == with_mic

    oem = AuthenticateMessage(F.NTLM_NEGOTIATE_OEM, b"", b"", "D", "U", "W").pack()
    assert AuthenticateMessage.parse(oem).user_name == "U"


def test_av_pairs() -> None:
    data = pack_av_pairs([(AvId.MsvAvFlags, b"\x02\x00\x00\x00"), (AvId.MsvAvTimestamp, bytes(8))])
    assert data.endswith(b"\x00\x00\x00\x00")
    assert parse_av_pairs(data + b"\x00\x00\x00\x00") == [(6, b"\x02\x00\x00\x00"), (7, bytes(8))]
    with pytest.raises(NtlmError):
        parse_av_pairs(data[:-4])  # no MsvAvEOL
    with pytest.raises(NtlmError):
        parse_av_pairs(b"\x01\x00\x10\x00abc")  # value runs past the end


def test_message_type() -> None:
    assert message_type(NEGOTIATE) is MessageType.NEGOTIATE
    assert message_type(b"NTLMSSP\x00\x09\x00\x00\x00") is None
    assert message_type(b"\x60\x48") is None


def test_wrong_message_type_and_signature() -> None:
    with pytest.raises(NtlmError):
        ChallengeMessage.parse(NEGOTIATE)
    with pytest.raises(NtlmError):
        NegotiateMessage.parse(b"NTLMSSQ\x00" + NEGOTIATE[8:])
    with pytest.raises(NtlmError):  # odd-length UTF-16 user name
        data = AuthenticateMessage(F.NTLMSSP_NEGOTIATE_UNICODE, b"", b"", "", "ab", "").pack()
        AuthenticateMessage.parse(data[:36] + b"\x03\x00" + data[38:])


# --- robustness: only NtlmError, whatever the input ------------------------------------------

_SAMPLES = [
    NEGOTIATE,
    ChallengeMessage(0xE28A8215, bytes(8), "SRV", pack_av_pairs([(1, u("SRV"))]), Version(6, 1, 7601)).pack(),
    AuthenticateMessage(0xE2888215 | F.NTLMSSP_NEGOTIATE_VERSION, b"L" * 24, b"N" * 60, "D", "U", "W",
                        b"K" * 16, Version(10, 0, 1), b"M" * 16).pack(),  # fmt: skip
]
_PARSERS = (NegotiateMessage.parse, ChallengeMessage.parse, AuthenticateMessage.parse, parse_av_pairs)


def _parse_all(data: bytes) -> None:
    for parse in _PARSERS:
        try:
            parse(data)
        except NtlmError:
            pass
    message_type(data)


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_parsers_random_bytes(data: bytes) -> None:
    _parse_all(data)
    _parse_all(b"NTLMSSP\x00" + data)


@settings(max_examples=200)
@given(st.sampled_from(_SAMPLES), st.integers(0, 200), st.lists(st.tuples(st.integers(0, 199), st.integers(0, 255))))
def test_parsers_mutated_messages(sample: bytes, cut: int, flips: list[tuple[int, int]]) -> None:
    data = bytearray(sample[:cut] if cut < len(sample) else sample)
    for pos, value in flips:
        if pos < len(data):
            data[pos] = value
    _parse_all(bytes(data))
