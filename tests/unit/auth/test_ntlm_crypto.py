"""NTLM crypto against RFC 1320 and the MS-NLMP 4.2 test vectors.

MS-NLMP 4.2.1 common values: User "User", UserDom "Domain", Passwd "Password", Server "Server",
Workstation "COMPUTER", RandomSessionKey 55..55, Time 0, ClientChallenge aa..aa,
ServerChallenge 0123456789abcdef.
"""

from __future__ import annotations

import os

import pytest
from Cryptodome.Hash import MD4
from hypothesis import given, settings
from hypothesis import strategies as st

from smbemu.auth.ntlm import NtlmSecurity
from smbemu.auth.ntlm_crypto import (
    PyRc4,
    compute_response_v1,
    compute_response_v2,
    crc32,
    desl,
    kx_key,
    lm_owf_v1,
    md4,
    nt_owf_v1,
    nt_owf_v2,
    rc4_init,
    rc4k,
    seal_key,
    sign_key,
)
from smbemu.auth.ntlm_messages import AvId, pack_av_pairs
from smbemu.auth.ntlm_messages import NegotiateFlags as F

USER, DOMAIN, PASSWORD = "User", "Domain", "Password"
RANDOM_SESSION_KEY = b"\x55" * 16
CLIENT_CHALLENGE = b"\xaa" * 8
SERVER_CHALLENGE = bytes.fromhex("0123456789abcdef")
PLAINTEXT = "Plaintext".encode("utf-16-le")

# MS-NLMP 4.2.2 (NTLMv1), 4.2.3 (NTLMv1 with client challenge), 4.2.4 (NTLMv2) challenge flags
V1_FLAGS = (
    F.NTLMSSP_NEGOTIATE_KEY_EXCH | F.NTLMSSP_NEGOTIATE_56 | F.NTLMSSP_NEGOTIATE_128 | F.NTLMSSP_NEGOTIATE_VERSION
    | F.NTLMSSP_TARGET_TYPE_SERVER | F.NTLMSSP_NEGOTIATE_ALWAYS_SIGN | F.NTLMSSP_NEGOTIATE_NTLM
    | F.NTLMSSP_NEGOTIATE_SEAL | F.NTLMSSP_NEGOTIATE_SIGN | F.NTLM_NEGOTIATE_OEM | F.NTLMSSP_NEGOTIATE_UNICODE
)  # fmt: skip
V1_ESS_FLAGS = (
    F.NTLMSSP_NEGOTIATE_56 | F.NTLMSSP_NEGOTIATE_VERSION | F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
    | F.NTLMSSP_TARGET_TYPE_SERVER | F.NTLMSSP_NEGOTIATE_ALWAYS_SIGN | F.NTLMSSP_NEGOTIATE_NTLM
    | F.NTLMSSP_NEGOTIATE_SEAL | F.NTLMSSP_NEGOTIATE_SIGN | F.NTLM_NEGOTIATE_OEM | F.NTLMSSP_NEGOTIATE_UNICODE
)  # fmt: skip
V2_FLAGS = V1_FLAGS | F.NTLMSSP_NEGOTIATE_TARGET_INFO | F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY


# --- primitives --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message, digest",
    [  # RFC 1320 A.5
        (b"", "31d6cfe0d16ae931b73c59d7e0c089c0"),
        (b"a", "bde52cb31de33e46245e05fbdbd6fb24"),
        (b"abc", "a448017aaf21d8525fc10ae87aa6729d"),
        (b"message digest", "d9130a8164549fe818874806e1c7014b"),
        (b"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"),
        (b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043f8582f241db351ce627e153e7f0e4"),
        (b"1234567890" * 8, "e33b4ddc9c38f2199c3e7b164fcc0536"),
    ],
)
def test_md4_rfc1320(message: bytes, digest: str) -> None:
    assert md4(message).hex() == digest


@settings(max_examples=100)
@given(st.binary(max_size=300))
def test_md4_matches_pycryptodome(data: bytes) -> None:
    assert md4(data) == MD4.new(data).digest()


@settings(max_examples=50)
@given(st.binary(min_size=1, max_size=32), st.binary(max_size=200), st.integers(0, 200))
def test_pure_rc4_matches_cryptography(key: bytes, data: bytes, split: int) -> None:
    ours = PyRc4(key)
    theirs = rc4_init(key)  # cryptography's ARC4 where the key size allows, else PyRc4
    assert ours.update(data[:split]) + ours.update(data[split:]) == theirs.update(data)


def test_crc32_check_value() -> None:
    assert crc32(b"123456789") == bytes.fromhex("2639f4cb")  # 0xCBF43926, little-endian


# --- MS-NLMP 4.2.2 NTLM v1 ---------------------------------------------------------------------


def test_owf_v1() -> None:
    assert lm_owf_v1(PASSWORD) == bytes.fromhex("e52cac67419a9a224a3b108f3fa6cb6d")  # 4.2.2.1.1
    assert nt_owf_v1(PASSWORD) == bytes.fromhex("a4f49c406510bdcab6824ee7c30fd852")  # 4.2.2.1.2


def test_lm_owf_v1_limits() -> None:
    assert lm_owf_v1("x" * 15) is None  # longer than 14: no LM hash
    assert lm_owf_v1("password") == lm_owf_v1("PASSWORD")


def _lm_of_oem_bytes(oem: bytes) -> bytes:
    """LMOWFv1 over already-converted OEM bytes, with PyCryptodome's DES (an independent DES)."""
    from Cryptodome.Cipher import DES

    padded = oem.ljust(14, b"\x00")
    halves = (padded[:7], padded[7:])
    return b"".join(DES.new(_parity_key(half), DES.MODE_ECB).encrypt(b"KGS!@#$%") for half in halves)


def _parity_key(key7: bytes) -> bytes:
    bits = int.from_bytes(key7, "big")
    return bytes(((bits >> (49 - 7 * i)) & 0x7F) << 1 for i in range(8))


def test_lm_owf_v1_non_ascii_password_in_the_oem_code_page() -> None:
    # "ß" is 0xE1 in code page 437 and has no one-character upper case: Windows' per-character
    # upper-casing leaves it, so the OEM password is STRA<E1>E1 -- not Python's "STRASSE1".
    assert lm_owf_v1("straße1") == _lm_of_oem_bytes(b"STRA\xe1E1")
    assert lm_owf_v1("straße1") == bytes.fromhex("9290ab38da36f44aaad3b435b51404ee")
    assert lm_owf_v1("straße1") != lm_owf_v1("STRASSE1")
    assert lm_owf_v1("Straße1") == lm_owf_v1("STRAßE1")  # still case-insensitive
    assert lm_owf_v1("äöü") == _lm_of_oem_bytes("ÄÖÜ".encode("cp437"))  # upper case inside cp437


def test_lm_owf_v1_stores_nothing_windows_cannot_hash() -> None:
    assert lm_owf_v1("x" * 14) is not None  # exactly 14 OEM bytes still has one
    assert lm_owf_v1("€uro") is None  # no euro sign in code page 437
    assert lm_owf_v1("日本") is None
    assert lm_owf_v1("ßßßßßßßßßßßßßßß") is None  # 15 characters, one byte each


def test_the_directory_uses_these_hashes() -> None:
    from smbemu.directory import fixture

    assert fixture.lm_owf_v1 is lm_owf_v1 and fixture.nt_owf_v1 is nt_owf_v1


def test_compute_response_v1() -> None:
    nt, lm, session_base_key = compute_response_v1(
        V1_FLAGS, nt_owf_v1(PASSWORD), lm_owf_v1(PASSWORD), SERVER_CHALLENGE, CLIENT_CHALLENGE
    )
    assert session_base_key == bytes.fromhex("d87262b0cde4b1cb7499becccdf10784")  # 4.2.2.1.3
    assert nt == bytes.fromhex("67c43011f30298a2ad35ece64f16331c44bdbed927841f94")  # 4.2.2.2.1
    assert lm == bytes.fromhex("98def7b87f88aa5dafe2df779688a172def11c7d5ccdef13")  # 4.2.2.2.2
    no_lm = compute_response_v1(V1_FLAGS, nt_owf_v1(PASSWORD), None, SERVER_CHALLENGE, CLIENT_CHALLENGE)
    assert no_lm[1] == nt


@pytest.mark.parametrize(
    "extra_flag, key_exchange_key, encrypted_session_key",
    [  # 4.2.2.1.3 / 4.2.2.2.3
        (0, "d87262b0cde4b1cb7499becccdf10784", "518822b1b3f350c8958682ecbb3e3cb7"),
        (F.NTLMSSP_REQUEST_NON_NT_SESSION_KEY, "e52cac67419a9a220000000000000000", "7452ca55c225a1ca04b48fae32cf56fc"),
        (F.NTLMSSP_NEGOTIATE_LM_KEY, "b09e379f7fbecb1eaf0afdcb0383c8a0", "4cd7bb57d697ef9b549f02b8f9b37864"),
    ],
)
def test_kx_key_v1(extra_flag: int, key_exchange_key: str, encrypted_session_key: str) -> None:
    flags = V1_FLAGS | extra_flag
    nt_hash, lm_hash = nt_owf_v1(PASSWORD), lm_owf_v1(PASSWORD)
    _nt, lm, base = compute_response_v1(flags, nt_hash, lm_hash, SERVER_CHALLENGE, CLIENT_CHALLENGE)
    kxkey = kx_key(flags, base, lm, SERVER_CHALLENGE, lm_hash, ntlm_v2=False)
    assert kxkey.hex() == key_exchange_key
    assert rc4k(kxkey, RANDOM_SESSION_KEY).hex() == encrypted_session_key


def test_seal_v1() -> None:
    """4.2.2.4: no extended session security -- one RC4 stream, CRC32 checksum."""
    client = NtlmSecurity(V1_FLAGS, RANDOM_SESSION_KEY, initiator=True)
    sealed, signature = client.seal(PLAINTEXT)
    assert sealed == bytes.fromhex("56fe04d861f9319af0d7238a2e3b4d457fb8")
    # The example shows the encrypted RandomPad; MS-NLMP 3.4.4.1 sends it as zero.
    assert signature == bytes.fromhex("01000000" "00000000" "09dcd1df" "2e459d36")
    server = NtlmSecurity(V1_FLAGS, RANDOM_SESSION_KEY)
    assert server.unseal(sealed, bytes.fromhex("01000000" "7fb38ec5" "09dcd1df" "2e459d36")) == PLAINTEXT


# --- MS-NLMP 4.2.3 NTLM v1 with client challenge (NTLM2 session response) ----------------------


def test_compute_response_v1_ess() -> None:
    nt_hash = nt_owf_v1(PASSWORD)
    nt, lm, base = compute_response_v1(V1_ESS_FLAGS, nt_hash, lm_owf_v1(PASSWORD), SERVER_CHALLENGE, CLIENT_CHALLENGE)
    assert nt == bytes.fromhex("7537f803ae367128ca458204bde7caf81e97ed2683267232")  # 4.2.3.2.2
    assert lm == CLIENT_CHALLENGE + bytes(16)  # 4.2.3.2.1
    kxkey = kx_key(V1_ESS_FLAGS, base, lm, SERVER_CHALLENGE, None, ntlm_v2=False)
    assert kxkey == bytes.fromhex("eb93429a8bd952f8b89c55b87f475edc")  # 4.2.3.1.3


def test_seal_v1_ess() -> None:
    """4.2.3.4: 56-bit sealing key, HMAC-MD5 checksum without key exchange."""
    exported = bytes.fromhex("eb93429a8bd952f8b89c55b87f475edc")  # no KEY_EXCH: the KXKEY itself
    client = NtlmSecurity(V1_ESS_FLAGS, exported, initiator=True)
    sealed, signature = client.seal(PLAINTEXT)
    assert sealed == bytes.fromhex("a02372f6530273f3aa1eb90190ce5200c99d")
    assert signature == bytes.fromhex("01000000" "ff2aeb52f681793a" "00000000")
    assert NtlmSecurity(V1_ESS_FLAGS, exported).unseal(sealed, signature) == PLAINTEXT


# --- MS-NLMP 4.2.4 NTLM v2 ---------------------------------------------------------------------

V2_AV_PAIRS = pack_av_pairs([(AvId.MsvAvNbDomainName, DOMAIN.encode("utf-16-le")),
                             (AvId.MsvAvNbComputerName, b"S\0e\0r\0v\0e\0r\0")])  # fmt: skip


def test_owf_v2_and_responses() -> None:
    response_key = nt_owf_v2(nt_owf_v1(PASSWORD), USER, DOMAIN)
    assert response_key == bytes.fromhex("0c868a403bfd7a93a3001ef22ef02e3f")  # 4.2.4.1.1
    nt, lm, base = compute_response_v2(response_key, SERVER_CHALLENGE, CLIENT_CHALLENGE, 0, V2_AV_PAIRS)
    temp = bytes.fromhex(
        "0101000000000000" "0000000000000000" "aaaaaaaaaaaaaaaa" "00000000"
        "02000c0044006f006d00610069006e00" "01000c0053006500720076006500720000000000" "00000000"
    )  # fmt: skip
    assert nt == bytes.fromhex("68cd0ab851e51c96aabc927bebef6a1c") + temp  # 4.2.4.2.2
    assert lm == bytes.fromhex("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa")  # 4.2.4.2.1
    assert base == bytes.fromhex("8de40ccadbc14a82f15cb0ad0de95ca3")  # 4.2.4.1.2
    kxkey = kx_key(V2_FLAGS, base, lm, SERVER_CHALLENGE, None, ntlm_v2=True)
    assert rc4k(kxkey, RANDOM_SESSION_KEY) == bytes.fromhex("c5dad2544fc9799094ce1ce90bc9d03e")  # 4.2.4.2.3


def test_seal_and_sign_keys() -> None:
    """4.2.4.4 and the other directions / strengths of SEALKEY and SIGNKEY."""
    ess = F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
    expected = {
        (F.NTLMSSP_NEGOTIATE_128, True): "59f600973cc4960a25480a7c196e4c58",
        (F.NTLMSSP_NEGOTIATE_128, False): "9355f3a957c1583d25c4c2f11e40390e",
        (F.NTLMSSP_NEGOTIATE_56, True): "a5f7253c1065e8d3d68642040e71cfe0",
        (F.NTLMSSP_NEGOTIATE_56, False): "583e2f98959b385cd158f3734b5f5d3f",
        (0, True): "42f964a471091a02ff4a77455366e4e5",
        (0, False): "c5d3853b406b7c1241c595f0ce0750e2",
    }
    for (strength, c2s), key in expected.items():
        assert seal_key(ess | strength, RANDOM_SESSION_KEY, client_to_server=c2s).hex() == key
    client_key, server_key = "4788dc861b4782f35d43fd98fe1a2d39", "d04d6f10741041d1d246d64188d7a8ad"
    assert sign_key(ess, RANDOM_SESSION_KEY, client_to_server=True) == bytes.fromhex(client_key)
    assert sign_key(ess, RANDOM_SESSION_KEY, client_to_server=False) == bytes.fromhex(server_key)
    assert sign_key(0, RANDOM_SESSION_KEY, client_to_server=True) is None
    lm_key = F.NTLMSSP_NEGOTIATE_LM_KEY
    assert seal_key(lm_key | F.NTLMSSP_NEGOTIATE_56, RANDOM_SESSION_KEY, client_to_server=True) == b"\x55" * 7 + b"\xa0"
    assert seal_key(lm_key, RANDOM_SESSION_KEY, client_to_server=True) == b"\x55" * 5 + b"\xe5\x38\xb0"
    assert seal_key(0, RANDOM_SESSION_KEY, client_to_server=True) == RANDOM_SESSION_KEY


def test_seal_v2() -> None:
    """4.2.4.4: sealed "Plaintext" and its signature, with and without key exchange."""
    client = NtlmSecurity(V2_FLAGS, RANDOM_SESSION_KEY, initiator=True)
    sealed, signature = client.seal(PLAINTEXT)
    assert sealed == bytes.fromhex("54e50165bf1936dc996020c1811b0f06fb5f")
    assert signature == bytes.fromhex("01000000" "7fb38ec5c55d4976" "00000000")
    server = NtlmSecurity(V2_FLAGS, RANDOM_SESSION_KEY)
    assert server.unseal(sealed, signature) == PLAINTEXT

    no_kx = V2_FLAGS & ~F.NTLMSSP_NEGOTIATE_KEY_EXCH
    _sealed, signature = NtlmSecurity(no_kx, RANDOM_SESSION_KEY, initiator=True).seal(PLAINTEXT)
    assert signature == bytes.fromhex("01000000" "70352851f2564309" "00000000")


def test_desl_splits_the_key() -> None:
    key = os.urandom(16)
    assert desl(key, SERVER_CHALLENGE)[16:] == desl(key[14:] + bytes(14), SERVER_CHALLENGE)[:8]
