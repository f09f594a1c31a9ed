"""Wrapping and unwrapping secrets (MS-BKRP 3.1.4.1.1, 3.1.4.1.2.1, 3.1.4.1.4).

Pure functions over bytes: the keys come from :mod:`.keys`, the caller's SID from the handler.
A malformed or foreign blob raises :class:`Refused` with the WERROR the DC answers.

The statuses of the refusals are Windows' as Samba's rpc.backupkey suite records them (it runs
against Windows DCs and accepts only their answers, W): an empty, short or inconsistent blob
ERROR_INVALID_PARAMETER; a ServerWrap blob naming an unknown key ERROR_INVALID_DATA (MS-BKRP
3.1.4.1.2.1 says ERROR_FILE_NOT_FOUND SHOULD; Windows answers INVALID_DATA); a payload that does
not decrypt to a SID ERROR_INVALID_SID; a blob sealed for another user ERROR_INVALID_ACCESS; a
ClientWrap secret or access check whose magic or hash is wrong ERROR_INVALID_DATA.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
import uuid
from typing import Final

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

try:  # cryptography 43+: 3DES and RC4 live with the legacy ciphers
    from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4, TripleDES
except ImportError:  # pragma: no cover - older cryptography
    ARC4, TripleDES = algorithms.ARC4, algorithms.TripleDES  # type: ignore[misc]

from smbemu.status import (
    ERROR_INVALID_ACCESS,
    ERROR_INVALID_DATA,
    ERROR_INVALID_PARAMETER,
    ERROR_INVALID_SID,
)

__all__ = ["Refused", "server_wrap", "server_unwrap", "client_unwrap", "SERVER_WRAP_SIGNATURE",
           "CLIENT_WRAP_VERSIONS", "rc4"]

#: MS-BKRP 2.2.4: the fixed first field of a ServerWrap wrapped secret.
SERVER_WRAP_SIGNATURE: Final = 1
#: MS-BKRP 2.2.2: the dwVersion values of a Client-Side-Wrapped Secret.
CLIENT_WRAP_VERSIONS: Final = (2, 3)
#: MS-BKRP 2.2.4: Signature, Payload_Length, Ciphertext_Length, GUID_of_Wrapping_Key, R2 (68).
_SERVER_HEADER: Final = struct.Struct("<III16s68s")
#: MS-BKRP 2.2.4 Rc4EncryptedPayload: R3 (32 bytes) and MAC (20) before the SID and the secret.
_R3_SIZE: Final = 32
_MAC_SIZE: Final = 20
#: MS-BKRP 2.2.2: dwVersion, cbEncryptedSecret, cbAccessCheck, guidKey.
_CLIENT_HEADER: Final = struct.Struct("<III16s")


class Refused(Exception):
    """The blob is refused with ``status`` (a WERROR)."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status


def rc4(key: bytes, data: bytes) -> bytes:
    """RC4 ([SCHNEIER] 17.1), the cipher of the ServerWrap payload (MS-BKRP 3.1.4.1.1 step 4):
    OpenSSL's (a request may carry up to 4 MiB), else written out (an OpenSSL 3 build without
    the legacy provider has no RC4)."""
    try:
        return bytes(Cipher(ARC4(key), mode=None).encryptor().update(data))
    except Exception:  # pragma: no cover - depends on the OpenSSL build
        pass
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) & 0xFF
        state[i], state[j] = state[j], state[i]
    out = bytearray(len(data))
    i = j = 0
    for n, byte in enumerate(data):
        i = (i + 1) & 0xFF
        j = (j + state[i]) & 0xFF
        state[i], state[j] = state[j], state[i]
        out[n] = byte ^ state[(state[i] + state[j]) & 0xFF]
    return bytes(out)


def _hmac_sha1(key: bytes, *parts: bytes) -> bytes:
    mac = hmac.new(key, digestmod=hashlib.sha1)
    for part in parts:
        mac.update(part)
    return mac.digest()


# -------------------------------------------------------------------------------------------
# ServerWrap (MS-BKRP 3.1.4.1.1, 3.1.4.1.2.1; format 2.2.4)
# -------------------------------------------------------------------------------------------


def server_wrap(secret: bytes, caller_sid: bytes, key_guid: uuid.UUID, server_key: bytes) -> bytes:
    """MS-BKRP 3.1.4.1.1 steps 3-5: R2 (68 random bytes) keys the RC4 cipher through
    HMAC-SHA1(SrvKey, R2); R3 (32 random bytes) the MAC through HMAC-SHA1(SrvKey, R3); the MAC is
    HMAC-SHA1 over the caller's SID and the secret.  SrvKey is the whole 256-byte key (the section
    says its first 64 bytes; Windows uses all of them, as Samba's suite shows by unwrapping
    Windows' blobs with the key read from G$BCKUPKEY_<guid>)."""
    r2, r3 = os.urandom(68), os.urandom(_R3_SIZE)
    mac = _hmac_sha1(_hmac_sha1(server_key, r3), caller_sid, secret)
    payload = rc4(_hmac_sha1(server_key, r2), r3 + mac + caller_sid + secret)
    return _SERVER_HEADER.pack(SERVER_WRAP_SIGNATURE, len(secret), len(payload), key_guid.bytes_le, r2) + payload


def server_wrapped_key_guid(blob: bytes) -> uuid.UUID:
    """GUID_of_Wrapping_Key of a 2.2.4 blob whose lengths are consistent: Ciphertext_Length is
    what follows R2, and holds R3, the MAC, a SID (8 bytes at least) and Payload_Length bytes.
    A blob that is not a 2.2.4 structure is ERROR_INVALID_PARAMETER before any key is looked up
    (3.1.4.1.2.1: "not conform to the format ... return a non-zero error code"; Windows answers
    INVALID_PARAMETER to a ClientWrap blob relabelled version 1, Samba's wrong_version test)."""
    if len(blob) < _SERVER_HEADER.size:
        raise Refused(ERROR_INVALID_PARAMETER, "shorter than a ServerWrap header (MS-BKRP 2.2.4)")
    signature, payload_length, ciphertext_length, key_guid, _r2 = _SERVER_HEADER.unpack_from(blob)
    if (signature != SERVER_WRAP_SIGNATURE or ciphertext_length != len(blob) - _SERVER_HEADER.size
            or payload_length + _R3_SIZE + _MAC_SIZE + 8 > ciphertext_length):
        raise Refused(ERROR_INVALID_PARAMETER, "Payload_Length / Ciphertext_Length do not fit the blob")
    return uuid.UUID(bytes_le=key_guid)


def _sid_length(data: bytes) -> int:
    """The length of the binary SID (MS-DTYP 2.4.2.2) at the start of ``data``; ERROR_INVALID_SID
    when it is not one (revision 1, at most 15 sub-authorities)."""
    if len(data) < 8 or data[0] != 1 or data[1] > 15 or len(data) < 8 + 4 * data[1]:
        raise Refused(ERROR_INVALID_SID, "the decrypted payload does not start with a SID")
    return 8 + 4 * data[1]


def server_unwrap(blob: bytes, server_key: bytes, caller_sid: bytes) -> bytes:
    """MS-BKRP 3.1.4.1.2.1 steps 2-5 on a blob `server_wrapped_key_guid` accepted: decrypt, check the MAC and that the caller is the SID the
    secret was wrapped for; the secret."""
    _signature, payload_length, _ciphertext_length, _guid, r2 = _SERVER_HEADER.unpack_from(blob)
    payload = rc4(_hmac_sha1(server_key, r2), blob[_SERVER_HEADER.size:])
    if len(payload) < _R3_SIZE + _MAC_SIZE:
        raise Refused(ERROR_INVALID_PARAMETER, "the payload is shorter than R3 and the MAC")
    r3, mac = payload[:_R3_SIZE], payload[_R3_SIZE:_R3_SIZE + _MAC_SIZE]
    rest = payload[_R3_SIZE + _MAC_SIZE:]
    sid = rest[:_sid_length(rest)]
    secret = rest[len(sid):]
    if len(secret) != payload_length:
        raise Refused(ERROR_INVALID_PARAMETER, "Payload_Length is not the length of the secret")
    if not hmac.compare_digest(_hmac_sha1(_hmac_sha1(server_key, r3), sid, secret), mac):
        raise Refused(ERROR_INVALID_PARAMETER, "the MAC does not verify")
    if sid != caller_sid:
        raise Refused(ERROR_INVALID_ACCESS, "wrapped for another user")
    return secret


# -------------------------------------------------------------------------------------------
# ClientWrap (MS-BKRP 3.1.4.1.4; formats 2.2.2.1-2.2.2.4, answer 2.2.3)
# -------------------------------------------------------------------------------------------


def client_wrapped_key_guid(blob: bytes) -> uuid.UUID:
    """guidKey of a 2.2.2 blob; ERROR_INVALID_PARAMETER when the lengths do not fit."""
    if len(blob) < _CLIENT_HEADER.size:
        raise Refused(ERROR_INVALID_PARAMETER, "shorter than a Client-Side-Wrapped Secret header")
    _version, secret_length, check_length, key_guid = _CLIENT_HEADER.unpack_from(blob)
    if _CLIENT_HEADER.size + secret_length + check_length > len(blob):
        raise Refused(ERROR_INVALID_PARAMETER, "cbEncryptedSecret / cbAccessCheck overrun the blob")
    return uuid.UUID(bytes_le=key_guid)


def _decrypted_secret(version: int, data: bytes) -> tuple[bytes, bytes, bytes]:
    """(secret, cipher key, IV) of an EncryptedSecret: v2 (2.2.2.1) cbSecret, 0x20, Secret, a
    3DES key (24) and IV (8); v3 (2.2.2.2) cbSecret, 0x30, 0x6610 (CALG_AES_256), 0x800E
    (CALG_SHA_512), Secret, an AES-256 key (32) and IV (16).  ERROR_INVALID_DATA otherwise."""
    magic = b"\x20\x00\x00\x00" if version == 2 else struct.pack("<III", 0x30, 0x6610, 0x800E)
    key_size, iv_size = (24, 8) if version == 2 else (32, 16)
    start = 4 + len(magic)
    if len(data) < start or data[4:start] != magic:
        raise Refused(ERROR_INVALID_DATA, "the EncryptedSecret magic is wrong")
    size = struct.unpack_from("<I", data)[0]
    if len(data) != start + size + key_size + iv_size:
        raise Refused(ERROR_INVALID_DATA, "cbSecret does not fit the EncryptedSecret")
    payload_key = data[start + size:]
    return data[start:start + size], payload_key[:key_size], payload_key[key_size:]


def _access_check_sid(version: int, data: bytes, key: bytes, iv: bytes) -> bytes:
    """The SID an AccessCheck (2.2.2.3 / 2.2.2.4) names, after decrypting it with the payload key
    (3DES-CBC / AES-256-CBC) and verifying its magic (1) and its Hash, the last 20 (SHA-1) / 64
    (SHA-512) bytes, over everything before it: magic, cbNonce, Nonce, SID and the padding that
    makes the structure a whole number of cipher blocks.  ERROR_INVALID_DATA when either is wrong."""
    algorithm = TripleDES(key) if version == 2 else algorithms.AES(key)
    block = algorithm.block_size // 8
    if not data or len(data) % block:
        raise Refused(ERROR_INVALID_DATA, "the AccessCheck is not a whole number of blocks")
    decryptor = Cipher(algorithm, modes.CBC(iv)).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    digest = hashlib.sha1 if version == 2 else hashlib.sha512
    hash_size = digest().digest_size
    if len(plain) < 8 + hash_size or struct.unpack_from("<I", plain)[0] != 1:
        raise Refused(ERROR_INVALID_DATA, "the AccessCheck magic is wrong")
    if not hmac.compare_digest(digest(plain[:-hash_size]).digest(), plain[-hash_size:]):
        raise Refused(ERROR_INVALID_DATA, "the AccessCheck hash does not verify")
    sid_start = 8 + struct.unpack_from("<I", plain, 4)[0]
    fields = plain[:-hash_size]
    try:
        return fields[sid_start:sid_start + _sid_length(fields[sid_start:])]
    except Refused:
        raise Refused(ERROR_INVALID_DATA, "the AccessCheck holds no SID") from None


def _rsa_pkcs1_decrypt(private_key: rsa.RSAPrivateKey, ciphertext: bytes) -> bytes:
    """RSAES-PKCS1-v1_5 decryption (RFC 8017 7.2.2) with an explicit padding check: OpenSSL 3.2+
    answers a bad padding with random bytes ("implicit rejection"), and Windows tells the two
    cases apart -- ERROR_INVALID_PARAMETER for a secret that does not decrypt (Samba's
    unable_to_decrypt_secret test), ERROR_INVALID_DATA for a decrypted one that is wrong."""
    numbers = private_key.private_numbers()
    modulus = numbers.public_numbers.n
    size = (modulus.bit_length() + 7) // 8
    value = int.from_bytes(ciphertext, "big")
    if len(ciphertext) != size or value >= modulus:
        raise Refused(ERROR_INVALID_PARAMETER, "the EncryptedSecret is not a ciphertext of the key")
    # RFC 8017 5.1.2 with the CRT parts
    m1, m2 = pow(value, numbers.dmp1, numbers.p), pow(value, numbers.dmq1, numbers.q)
    message = (m2 + (numbers.iqmp * (m1 - m2) % numbers.p) * numbers.q).to_bytes(size, "big")
    separator = message.find(b"\x00", 2)
    if message[:2] != b"\x00\x02" or separator < 10:
        raise Refused(ERROR_INVALID_PARAMETER, "the EncryptedSecret does not decrypt")
    return message[separator + 1:]


def client_unwrap(blob: bytes, private_key: rsa.RSAPrivateKey, caller_sid: bytes) -> bytes:
    """MS-BKRP 3.1.4.1.4 steps 2-6: RSA-decrypt the EncryptedSecret (PKCS #1 v1.5, its bytes
    reversed as CryptoAPI writes them), decrypt and verify the AccessCheck with the payload key,
    check that it names the caller; the 2.2.3 answer (a zero DWORD, then the secret)."""
    version, secret_length, check_length, _guid = _CLIENT_HEADER.unpack_from(blob)
    body = blob[_CLIENT_HEADER.size:]
    decrypted = _rsa_pkcs1_decrypt(private_key, bytes(reversed(body[:secret_length])))
    secret, key, iv = _decrypted_secret(version, decrypted)
    sid = _access_check_sid(version, body[secret_length:secret_length + check_length], key, iv)
    if sid != caller_sid:
        raise Refused(ERROR_INVALID_ACCESS, "the AccessCheck names another user")
    return b"\x00\x00\x00\x00" + secret
