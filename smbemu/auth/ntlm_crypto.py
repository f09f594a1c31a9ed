"""NTLM cryptography as pure functions named after MS-NLMP's (sections 3.3, 3.4, 6).

Nothing here keeps state except the RC4 handles (:func:`rc4_init`), which MS-NLMP keeps across messages.
MD4 is our own (hashlib has none under OpenSSL 3); RC4 uses ``cryptography``'s ARC4 when this
build still offers it and our own otherwise; DES comes from ``cryptography``'s TripleDES with the
key repeated three times, which is single DES.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
import zlib
from typing import Protocol

from smbemu.auth.ntlm_messages import NegotiateFlags as F

try:  # cryptography >= 43 keeps the legacy ciphers here
    from cryptography.hazmat.decrepit.ciphers import algorithms as _legacy
except ImportError:  # pragma: no cover - older cryptography
    from cryptography.hazmat.primitives.ciphers import algorithms as _legacy  # type: ignore[no-redef]
from cryptography.hazmat.primitives.ciphers import Cipher, modes

# --- primitives ---------------------------------------------------------------------------------

_MD4_ROUNDS = (
    # (message word order, shift amounts, additive constant) for MD4's three rounds (RFC 1320)
    (tuple(range(16)), (3, 7, 11, 19), 0x00000000),
    ((0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), (3, 5, 9, 13), 0x5A827999),
    ((0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15), (3, 9, 11, 15), 0x6ED9EBA1),
)
_M32 = 0xFFFFFFFF


def md4(data: bytes) -> bytes:
    """MD4 message digest (RFC 1320), used by NTOWFv1 and the NTLMv1 session key."""
    message = bytes(data) + b"\x80" + bytes((55 - len(data)) % 64) + struct.pack("<Q", (8 * len(data)) & (2**64 - 1))
    state = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
    for block in range(0, len(message), 64):
        x = struct.unpack_from("<16I", message, block)
        a, b, c, d = state
        for number, (order, shifts, constant) in enumerate(_MD4_ROUNDS):
            for i, k in enumerate(order):
                if number == 0:
                    f = (b & c) | (~b & d)
                elif number == 1:
                    f = (b & c) | (b & d) | (c & d)
                else:
                    f = b ^ c ^ d
                t = (a + f + x[k] + constant) & _M32
                s = shifts[i % 4]
                a, b, c, d = d, ((t << s) | (t >> (32 - s))) & _M32, b, c
        state = [(v + w) & _M32 for v, w in zip(state, (a, b, c, d))]
    return struct.pack("<4I", *state)


def md5(data: bytes) -> bytes:
    return hashlib.md5(data).digest()


def hmac_md5(key: bytes, data: bytes) -> bytes:
    return hmac.digest(key, data, "md5")


def crc32(data: bytes) -> bytes:
    """CRC32 as MS-NLMP 3.4.4.1 uses it: the 32-bit value, little-endian."""
    return struct.pack("<I", zlib.crc32(data) & _M32)


class Rc4Handle(Protocol):
    def update(self, data: bytes) -> bytes: ...


class PyRc4:
    """RC4 in pure Python (for builds of ``cryptography`` without ARC4)."""

    def __init__(self, key: bytes) -> None:
        s = list(range(256))
        j = 0
        for i in range(256):
            j = (j + s[i] + key[i % len(key)]) & 0xFF
            s[i], s[j] = s[j], s[i]
        self._s, self._i, self._j = s, 0, 0

    def update(self, data: bytes) -> bytes:
        s, i, j = self._s, self._i, self._j
        out = bytearray(data)
        for n in range(len(out)):
            i = (i + 1) & 0xFF
            j = (j + s[i]) & 0xFF
            s[i], s[j] = s[j], s[i]
            out[n] ^= s[(s[i] + s[j]) & 0xFF]
        self._i, self._j = i, j
        return bytes(out)


def _probe_arc4() -> bool:
    try:
        Cipher(_legacy.ARC4(bytes(16)), mode=None).encryptor()
    except Exception:  # pragma: no cover - depends on the OpenSSL build
        return False
    return True


_HAVE_ARC4 = _probe_arc4()


def rc4_init(key: bytes) -> Rc4Handle:
    """RC4Init(Handle, Key) of MS-NLMP 6: a cipher handle whose state persists across calls."""
    if _HAVE_ARC4 and len(key) * 8 in _legacy.ARC4.key_sizes:
        return Cipher(_legacy.ARC4(key), mode=None).encryptor()
    return PyRc4(key)


def rc4k(key: bytes, data: bytes) -> bytes:
    """RC4K(K, D) of MS-NLMP 6: RC4 with a fresh handle keyed with K."""
    return rc4_init(key).update(data)


def _des_key(key7: bytes) -> bytes:
    """Spread 56 key bits over 8 bytes, 7 bits each in the high bits (parity bits ignored by DES)."""
    bits = int.from_bytes(key7, "big")
    return bytes(((bits >> (49 - 7 * i)) & 0x7F) << 1 for i in range(8))


def des(key7: bytes, data: bytes) -> bytes:
    """DES(K, D) of MS-NLMP 6: single DES in ECB mode of one 8-byte block under a 7-byte key."""
    key = _des_key(key7)
    encryptor = Cipher(_legacy.TripleDES(key * 3), modes.ECB()).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def desl(key16: bytes, data8: bytes) -> bytes:
    """DESL(K, D) of MS-NLMP 6: DES(K[0..6], D) || DES(K[7..13], D) || DES(K[14..15] || Z(5), D)."""
    padded = key16 + bytes(5)
    return des(padded[0:7], data8) + des(padded[7:14], data8) + des(padded[14:21], data8)


# --- MS-NLMP 3.3 one-way functions and responses -----------------------------------------------


def _upper(text: str) -> str:
    """Upper-case like Windows' RtlUpcaseUnicodeString: character by character, never changing the
    length (Python's ``'ß'.upper()`` is ``'SS'``; Windows leaves ``ß`` alone)."""
    return "".join(u if len(u := ch.upper()) == 1 else ch for ch in text)


def utf16(text: str) -> bytes:
    return text.encode("utf-16-le", "surrogatepass")


def nt_owf_v1(password: str) -> bytes:
    """NTOWFv1 (MS-NLMP 3.3.1): MD4 of the password in UTF-16LE -- the "NT hash"."""
    return md4(utf16(password))


#: The OEM code page LMOWFv1 converts the password to: 437 on US-English Windows (the code page is a
#: per-installation setting; a German or French Windows uses 850, where the same passwords give
#: different LM hashes for characters outside ASCII).
OEM_CODE_PAGE = "cp437"

#: LMOWFv1 keys two DES blocks with 7 bytes each: the OEM password is cut to, or padded to, 14 bytes.
LM_PASSWORD_BYTES = 14


def lm_owf_v1(password: str) -> bytes | None:
    """LMOWFv1 (MS-NLMP 3.3.1): DES("KGS!@#$%") under each 7-byte half of the upper-cased OEM
    password padded with zeros to 14 bytes; None where Windows stores no LM hash.

    MS-NLMP 3.3.1 writes the function over ``UpperCase(Passwd)`` and says only that a password
    longer than 14 characters has no LMOWFv1; it does not name the character set. What the other
    sources say: Windows upper-cases and converts in one step with RtlUpcaseUnicodeStringToOemString
    (the Windows driver reference: "translates a given Unicode source string into an uppercase OEM
    string using the current system OEM code page"), upper-casing character by character, so
    ``ß`` stays ``ß`` (0xE1 in code page 437) where Python would write ``SS`` (`_upper`). That routine
    documents that it substitutes the default character for what the code page cannot represent;
    Samba's E_deshash (libcli/auth/smbencrypt.c) instead fails the conversion to the DOS code page,
    and its callers then store no LM hash. Windows stores none for a password of 15 characters or
    more (KB 299656); what it stores for a character its OEM code page lacks is not documented in
    anything we found. We follow Samba there: such a character, or more than 14 bytes, means no LM
    hash (None), never the hash of the password with '?' in its place."""
    try:
        oem = _upper(password).encode(OEM_CODE_PAGE)
    except UnicodeEncodeError:
        return None
    if len(oem) > LM_PASSWORD_BYTES:
        return None
    oem = oem.ljust(LM_PASSWORD_BYTES, b"\x00")
    return des(oem[:7], b"KGS!@#$%") + des(oem[7:], b"KGS!@#$%")


def nt_owf_v2(nt_hash: bytes, user: str, domain: str) -> bytes:
    """NTOWFv2 (MS-NLMP 3.3.2): HMAC_MD5(NTOWFv1(password), UNICODE(Uppercase(User) || UserDom)).
    The domain is *not* upper-cased. LMOWFv2 is the same function."""
    return hmac_md5(nt_hash, utf16(_upper(user) + domain))


def compute_response_v1(
    flags: int,
    nt_hash: bytes,
    lm_hash: bytes | None,
    server_challenge: bytes,
    client_challenge: bytes,
    *,
    no_lm_response: bool = False,
) -> tuple[bytes, bytes, bytes]:
    """ComputeResponse for NTLM v1 (MS-NLMP 3.3.1); returns (NtChallengeResponse,
    LmChallengeResponse, SessionBaseKey).

    With extended session security ("NTLM2 session response") the NT response is DESL of the NT
    hash over the first 8 bytes of MD5(ServerChallenge || ClientChallenge), and the LM response is
    the client challenge padded with 16 zero bytes. Without it both are DESL over the server
    challenge, under the NT and LM hashes (or the NT response twice when the client sends no LM).
    SessionBaseKey is MD4(NT hash) either way."""
    session_base_key = md4(nt_hash)
    if flags & F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY:
        nt = desl(nt_hash, md5(server_challenge + client_challenge)[:8])
        return nt, client_challenge + bytes(16), session_base_key
    nt = desl(nt_hash, server_challenge)
    if no_lm_response or lm_hash is None:
        return nt, nt, session_base_key
    return nt, desl(lm_hash, server_challenge), session_base_key


def nt_proof_str(response_key_nt: bytes, server_challenge: bytes, temp: bytes) -> bytes:
    """NTProofStr (MS-NLMP 3.3.2): HMAC_MD5(ResponseKeyNT, ServerChallenge || temp), where temp is
    the NTLMv2_CLIENT_CHALLENGE (2.2.2.7) that follows the proof in the NT response."""
    return hmac_md5(response_key_nt, server_challenge + temp)


def ntlmv2_temp(client_challenge: bytes, time: int, av_pairs: bytes) -> bytes:
    """temp of MS-NLMP 3.3.2: RespType 1, HiRespType 1, Z(6), Time, ClientChallenge, Z(4),
    ServerName (the AV pairs), Z(4)."""
    return b"\x01\x01" + bytes(6) + struct.pack("<Q", time) + client_challenge + bytes(4) + av_pairs + bytes(4)


def compute_response_v2(
    response_key_nt: bytes, server_challenge: bytes, client_challenge: bytes, time: int, av_pairs: bytes
) -> tuple[bytes, bytes, bytes]:
    """ComputeResponse for NTLM v2 (MS-NLMP 3.3.2); returns (NtChallengeResponse,
    LmChallengeResponse, SessionBaseKey): NTProofStr || temp; the LMv2 response
    HMAC_MD5(ResponseKeyLM, ServerChallenge || ClientChallenge) || ClientChallenge; and
    HMAC_MD5(ResponseKeyNT, NTProofStr)."""
    temp = ntlmv2_temp(client_challenge, time, av_pairs)
    proof = nt_proof_str(response_key_nt, server_challenge, temp)
    lm = hmac_md5(response_key_nt, server_challenge + client_challenge) + client_challenge
    return proof + temp, lm, hmac_md5(response_key_nt, proof)


def kx_key(
    flags: int,
    session_base_key: bytes,
    lm_challenge_response: bytes,
    server_challenge: bytes,
    lm_hash: bytes | None,
    *,
    ntlm_v2: bool,
) -> bytes:
    """KXKEY (MS-NLMP 3.4.5.1). With NTLMv2 the key-exchange key is the SessionBaseKey. With v1:
    extended session security gives HMAC_MD5(SessionBaseKey, ServerChallenge ||
    LmChallengeResponse[0..7]); else NTLMSSP_NEGOTIATE_LM_KEY gives two DES blocks of the LM
    response's first 8 bytes under LMOWF[0..6] and LMOWF[7] || 0xBDBDBDBDBDBD;
    NTLMSSP_REQUEST_NON_NT_SESSION_KEY gives LMOWF[0..7] || Z(8); otherwise SessionBaseKey."""
    if ntlm_v2:
        return session_base_key
    if flags & F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY:
        return hmac_md5(session_base_key, server_challenge + lm_challenge_response[:8])
    if flags & (F.NTLMSSP_NEGOTIATE_LM_KEY | F.NTLMSSP_REQUEST_NON_NT_SESSION_KEY):
        if lm_hash is None:
            raise ValueError("this key exchange key needs the LM hash")
        if flags & F.NTLMSSP_NEGOTIATE_LM_KEY:
            data = lm_challenge_response[:8]
            return des(lm_hash[:7], data) + des(lm_hash[7:8] + b"\xbd" * 6, data)
        return lm_hash[:8] + bytes(8)
    return session_base_key


_MAGIC = {
    ("sign", True): b"session key to client-to-server signing key magic constant\x00",
    ("sign", False): b"session key to server-to-client signing key magic constant\x00",
    ("seal", True): b"session key to client-to-server sealing key magic constant\x00",
    ("seal", False): b"session key to server-to-client sealing key magic constant\x00",
}


def sign_key(flags: int, exported_session_key: bytes, *, client_to_server: bool) -> bytes | None:
    """SIGNKEY (MS-NLMP 3.4.5.2): with extended session security, MD5 of the session key and the
    direction's NUL-terminated "signing key magic constant"; without it there is no signing key."""
    if not flags & F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY:
        return None
    return md5(exported_session_key + _MAGIC["sign", client_to_server])


def seal_key(flags: int, exported_session_key: bytes, *, client_to_server: bool) -> bytes:
    """SEALKEY (MS-NLMP 3.4.5.3). With extended session security: MD5 of the first 16 (128-bit),
    7 (56-bit) or 5 (40-bit) bytes of the session key and the direction's "sealing key magic
    constant". Without it, under NTLMSSP_NEGOTIATE_LM_KEY or DATAGRAM the key is weakened to
    key[0..6] || 0xA0 (56-bit) or key[0..4] || 0xE538B0 (40-bit); otherwise it is the session key
    itself, the same for both directions."""
    key = exported_session_key
    if flags & F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY:
        if flags & F.NTLMSSP_NEGOTIATE_128:
            pass
        elif flags & F.NTLMSSP_NEGOTIATE_56:
            key = key[:7]
        else:
            key = key[:5]
        return md5(key + _MAGIC["seal", client_to_server])
    if flags & (F.NTLMSSP_NEGOTIATE_LM_KEY | F.NTLMSSP_NEGOTIATE_DATAGRAM):
        if flags & F.NTLMSSP_NEGOTIATE_56:
            return key[:7] + b"\xa0"
        return key[:5] + b"\xe5\x38\xb0"
    return key


def mac(flags: int, handle: Rc4Handle, signing_key: bytes | None, seq_num: int, message: bytes) -> bytes:
    """MAC (MS-NLMP 3.4.4): the 16-byte NTLMSSP_MESSAGE_SIGNATURE of ``message``.

    With extended session security (3.4.4.2): Version 1, the first 8 bytes of
    HMAC_MD5(SigningKey, SeqNum || Message) -- RC4-encrypted with the handle when
    NTLMSSP_NEGOTIATE_KEY_EXCH -- and SeqNum.
    Without it (3.4.4.1): Version 1, then RandomPad, CRC32(Message) and a zero SeqNum are passed
    through RC4 in that order (12 bytes of key stream), the encrypted SeqNum is XORed with the
    sequence number, and RandomPad goes out as zero."""
    seq = struct.pack("<I", seq_num)
    if flags & F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY:
        assert signing_key is not None
        checksum = hmac_md5(signing_key, seq + message)[:8]
        if flags & F.NTLMSSP_NEGOTIATE_KEY_EXCH:
            checksum = handle.update(checksum)
        return b"\x01\x00\x00\x00" + checksum + seq
    stream = handle.update(bytes(4) + crc32(message) + bytes(4))
    encrypted_seq = struct.unpack("<I", stream[8:12])[0] ^ seq_num
    return b"\x01\x00\x00\x00" + bytes(4) + stream[4:8] + struct.pack("<I", encrypted_seq)
