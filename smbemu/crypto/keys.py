"""Key derivation: the SMB 3.x KDF (MS-SMB2 3.1.4.2), the keys a server derives after authentication
(3.3.5.5.3) and the SHA-512 preauthentication integrity hash that is their context on 3.1.1
(3.3.5.4, 3.3.5.5)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from smbemu.crypto.wire import (
    AES_128_CCM,
    AES_128_GCM,
    AES_256_CCM,
    AES_256_GCM,
    Buffer,
    SMB_2_0_2,
    SMB_2_1,
    SMB_3_0,
    SMB_3_0_2,
    SMB_3_1_1,
)


PREAUTH_INITIAL: bytes = bytes(64)
"""MS-SMB2 3.3.5.4: Connection.PreauthIntegrityHashValue starts as 64 zero bytes."""

_PREAUTH_HASH_SIZE = 64


def smb3_kdf(key: bytes, label: bytes, context: bytes, length: int = 16) -> bytes:
    """SP800-108 KDF in counter mode with HMAC-SHA256 (MS-SMB2 3.1.4.2).

    ``K(i) = HMAC-SHA256(Ki, [i]_32 || Label || 0x00 || Context || [L]_32)``, counter first,
    r = 32, big-endian. ``label`` and ``context`` are passed exactly as MS-SMB2 lists them,
    including their own trailing NUL (e.g. ``b"SMBSigningKey\\0"``); the 0x00 separator is added
    here. ``length`` is in bytes (16 for L = 128, 32 for L = 256).
    """
    if length <= 0:
        raise ValueError(f"KDF output length must be positive, got {length}")
    fixed = label + b"\x00" + context + (length * 8).to_bytes(4, "big")
    if length <= 32:  # one PRF block covers every SMB3 key (L = 128 or 256)
        return hmac.digest(key, b"\x00\x00\x00\x01" + fixed, "sha256")[:length]
    blocks = [
        hmac.digest(key, i.to_bytes(4, "big") + fixed, "sha256") for i in range(1, (length + 31) // 32 + 1)
    ]
    return b"".join(blocks)[:length]


@dataclass(frozen=True, slots=True)
class SessionKeys:
    """The keys of one authenticated session, as the *server* uses them (MS-SMB2 3.3.1.8).

    For 2.0.2/2.1 the encryption and decryption keys are empty (no encryption before SMB 3);
    for 3.1.1 they are empty when no cipher was negotiated.
    """

    signing_key: bytes
    encryption_key: bytes  # server -> client: "ServerOut" / "SMBS2CCipherKey"
    decryption_key: bytes  # client -> server: "ServerIn " / "SMBC2SCipherKey"
    application_key: bytes

    def __repr__(self) -> str:  # never print key material into logs
        return "SessionKeys(<redacted>)"


KEY_SIZE: dict[int, int] = {
    AES_128_CCM: 16,
    AES_128_GCM: 16,
    AES_256_CCM: 32,
    AES_256_GCM: 32,
}
GCM_CIPHERS = frozenset({AES_128_GCM, AES_256_GCM})

SMB2_DIALECTS = frozenset({SMB_2_0_2, SMB_2_1})
SMB30_DIALECTS = frozenset({SMB_3_0, SMB_3_0_2})


def check_dialect(dialect: int) -> None:
    if dialect not in SMB2_DIALECTS and dialect not in SMB30_DIALECTS and dialect != SMB_3_1_1:
        raise ValueError(f"no session keys for dialect 0x{dialect:04x}")


def check_cipher(cipher: int) -> None:
    if cipher not in KEY_SIZE:
        raise ValueError(f"unknown cipher 0x{cipher:04x}")


def derive_session_keys(
    dialect: int, session_key: bytes, preauth_hash: bytes | None, cipher: int | None
) -> SessionKeys:
    """Derive a session's keys on the server side (MS-SMB2 3.3.5.5.3, 3.1.4.2).

    ``session_key`` is the full cryptographic key the GSS mechanism produced (16 bytes for NTLM,
    up to 32 for Kerberos AES-256). ``Session.SessionKey`` is its first 16 bytes, right-padded
    with zeros when shorter; ``Session.FullSessionKey`` is the whole key and only feeds the
    AES-256 cipher keys (3.1.1, L = 256).

    - 2.0.2 / 2.1: the signing key and application key are ``Session.SessionKey``; no cipher keys.
    - 3.0 / 3.0.2: KDF labels "SMB2AESCMAC"/"SmbSign", "SMB2AESCCM"/"ServerOut" (encryption),
      "SMB2AESCCM"/"ServerIn " (decryption), "SMB2APP"/"SmbRpc". The cipher is always
      AES-128-CCM; ``cipher`` must be None or AES_128_CCM.
    - 3.1.1: labels "SMBSigningKey", "SMBS2CCipherKey" (encryption), "SMBC2SCipherKey"
      (decryption), "SMBAppKey", each with ``preauth_hash`` (the session's final
      PreauthIntegrityHashValue) as context. With ``cipher`` None the cipher keys are empty.
    """
    check_dialect(dialect)
    short_key = session_key[:16].ljust(16, b"\x00")
    if dialect in SMB2_DIALECTS:
        return SessionKeys(short_key, b"", b"", short_key)
    if dialect in SMB30_DIALECTS:
        if cipher is not None and cipher != AES_128_CCM:
            raise ValueError(f"dialect 0x{dialect:04x} encrypts only with AES-128-CCM, not 0x{cipher:04x}")
        return SessionKeys(
            signing_key=smb3_kdf(short_key, b"SMB2AESCMAC\x00", b"SmbSign\x00"),
            encryption_key=smb3_kdf(short_key, b"SMB2AESCCM\x00", b"ServerOut\x00"),
            decryption_key=smb3_kdf(short_key, b"SMB2AESCCM\x00", b"ServerIn \x00"),
            application_key=smb3_kdf(short_key, b"SMB2APP\x00", b"SmbRpc\x00"),
        )
    # 3.1.1
    if preauth_hash is None or len(preauth_hash) != _PREAUTH_HASH_SIZE:
        raise ValueError("dialect 3.1.1 needs the 64-byte preauth integrity hash as KDF context")
    encryption_key = decryption_key = b""
    if cipher is not None:
        check_cipher(cipher)
        size = KEY_SIZE[cipher]
        cipher_ki = session_key if size == 32 else short_key
        encryption_key = smb3_kdf(cipher_ki, b"SMBS2CCipherKey\x00", preauth_hash, size)
        decryption_key = smb3_kdf(cipher_ki, b"SMBC2SCipherKey\x00", preauth_hash, size)
    return SessionKeys(
        signing_key=smb3_kdf(short_key, b"SMBSigningKey\x00", preauth_hash),
        encryption_key=encryption_key,
        decryption_key=decryption_key,
        application_key=smb3_kdf(short_key, b"SMBAppKey\x00", preauth_hash),
    )


def preauth_hash_update(previous: bytes, message: Buffer) -> bytes:
    """``SHA-512(previous || message)`` (MS-SMB2 3.3.5.4, 3.3.5.5); start from `PREAUTH_INITIAL`.

    ``message`` is the whole SMB2 message as sent or received (without the 4-byte transport
    length prefix).
    """
    if len(previous) != _PREAUTH_HASH_SIZE:
        raise ValueError(f"the preauth hash is {_PREAUTH_HASH_SIZE} bytes, got {len(previous)}")
    h = hashlib.sha512(previous)
    h.update(message)
    return h.digest()
