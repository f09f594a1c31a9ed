"""SMB2/SMB3 cryptography: key derivation, signing, encryption, preauth integrity.

Pure functions over bytes plus one small per-session helper (`SessionCrypto`) that keeps the
keyed primitives built once, for the per-request hot path. No I/O and no module-level state.

Spec map (MS-SMB2):

- 3.1.4.2  the SMB 3.x KDF: SP800-108 counter mode, PRF HMAC-SHA256, r = 32, L = 128 or 256
           (`smb3_kdf`).
- 3.3.5.5.3 which keys a *server* derives after authentication, and from which labels
           (`derive_session_keys`); 3.2.5.3.1 is the client's mirror image.
- 3.1.4.1 / 3.1.5.1  signing and verifying: HMAC-SHA256 (2.0.2, 2.1), AES-128-CMAC (3.x),
           AES-128-GMAC (3.1.1 with a SIGNING_CAPABILITIES context) (`compute_signature`,
           `sign_message`, `verify_signature`).
- 3.1.4.3 / 2.2.41  encrypting a message into an SMB2 TRANSFORM_HEADER with AES-CCM or
           AES-GCM (`encrypt_message`, `decrypt_message`).
- 3.3.5.4 / 3.3.5.5  the SHA-512 preauthentication integrity hash (`preauth_hash_update`).

Direction naming follows the server's abstract data model: ``Session.EncryptionKey`` protects
what the *server sends* ("ServerOut" / "SMBS2CCipherKey"), ``Session.DecryptionKey`` opens what
the *client sends* ("ServerIn " / "SMBC2SCipherKey"). Microsoft's blog test vectors name keys from
the client's side, so their "EncryptionKey" is our ``decryption_key``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeAlias

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM
from cryptography.hazmat.primitives.ciphers.algorithms import AES
from cryptography.hazmat.primitives.cmac import CMAC

__all__ = [
    "PREAUTH_INITIAL",
    "DecryptError",
    "SessionCrypto",
    "SessionKeys",
    "compute_signature",
    "decrypt_message",
    "derive_session_keys",
    "encrypt_message",
    "parse_transform_session_id",
    "preauth_hash_update",
    "sign_message",
    "signing_algorithm_for",
    "smb3_kdf",
    "verify_signature",
]

Buffer: TypeAlias = bytes | bytearray | memoryview

# ---------------------------------------------------------------------------------------------
# Protocol numbers. The same values as smbemu.smb2.constants (Dialect, Cipher, SigningAlgorithm,
# HeaderFlags, TRANSFORM_MAGIC; a unit test checks they agree), repeated here so that this module
# stays a leaf: importing smbemu.smb2.constants runs smbemu/smb2/__init__.py, whose command
# modules import this one (DESIGN: smb2.* -> crypto).
# ---------------------------------------------------------------------------------------------

_SMB_2_0_2 = 0x0202  # MS-SMB2 2.2.3 DialectRevision
_SMB_2_1 = 0x0210
_SMB_3_0 = 0x0300
_SMB_3_0_2 = 0x0302
_SMB_3_1_1 = 0x0311

_AES_128_CCM = 0x0001  # MS-SMB2 2.2.3.1.2 Ciphers
_AES_128_GCM = 0x0002
_AES_256_CCM = 0x0003
_AES_256_GCM = 0x0004

_HMAC_SHA256 = 0x0000  # MS-SMB2 2.2.3.1.7 SigningAlgorithms
_AES_CMAC = 0x0001
_AES_GMAC = 0x0002

_SERVER_TO_REDIR = 0x00000001  # MS-SMB2 2.2.1.2 Flags
_SIGNED = 0x00000008
_COMMAND_CANCEL = 0x000C  # MS-SMB2 2.2.1.2 Command

_TRANSFORM_MAGIC = b"\xfdSMB"  # MS-SMB2 2.2.41 ProtocolId

# ---------------------------------------------------------------------------------------------
# Layout constants (MS-SMB2 2.2.1.2 SMB2 header, 2.2.41 TRANSFORM_HEADER)
# ---------------------------------------------------------------------------------------------

_HEADER_SIZE = 64
_COMMAND_OFFSET = 12  # Command, 2 bytes
_FLAGS_OFFSET = 16  # Flags, 4 bytes
_MESSAGE_ID_OFFSET = 24  # MessageId, 8 bytes (read by _GMAC_FIELDS)
_SIGNATURE_OFFSET = 48  # Signature, 16 bytes
_SIGNATURE_END = _SIGNATURE_OFFSET + 16
_SIGNATURE_SIZE = 16
_SIGNATURE_SLICE = slice(_SIGNATURE_OFFSET, _SIGNATURE_END)
_ZERO_SIGNATURE = bytes(_SIGNATURE_SIZE)

# TRANSFORM_HEADER: ProtocolId(4) Signature(16) Nonce(16) OriginalMessageSize(4) Reserved(2)
# Flags/EncryptionAlgorithm(2) SessionId(8) = 52 bytes. The AEAD's associated data is everything
# after Signature: offsets 20..52 (3.1.4.3: "excluding the ProtocolId and Signature fields").
_TRANSFORM_SIZE = 52
_TH_SIGNATURE = 4
_TH_NONCE = 20
_TH_AAD_END = _TRANSFORM_SIZE
_TH_NONCE_FIELD_SIZE = 16
_TRANSFORM_TAIL = struct.Struct("<IHHQ")  # OriginalMessageSize, Reserved, Flags, SessionId
_TRANSFORM_PEEK = struct.Struct("<4s40xQ")  # ProtocolId ... SessionId at offset 44
_TRANSFORM_FLAGS_ENCRYPTED = 0x0001  # 3.0.x: EncryptionAlgorithm AES-128-CCM; 3.1.1: Flags "Encrypted"
_AEAD_TAG_SIZE = 16

_CCM_NONCE_SIZE = 11  # 2.2.41: AES_CCM_Nonce, 11 bytes, rest of the 16-byte field reserved
_GCM_NONCE_SIZE = 12  # 2.2.41: AES_GCM_Nonce, 12 bytes, rest reserved

PREAUTH_INITIAL: bytes = bytes(64)
"""MS-SMB2 3.3.5.4: Connection.PreauthIntegrityHashValue starts as 64 zero bytes."""

_PREAUTH_HASH_SIZE = 64


class DecryptError(ValueError):
    """A TRANSFORM_HEADER message that cannot be opened: short, malformed, or failing its tag.

    MS-SMB2 3.3.5.2.1.1: the server disconnects on any of these; the message never says which.
    """


# ---------------------------------------------------------------------------------------------
# Key derivation (MS-SMB2 3.1.4.2, 3.3.5.5.3)
# ---------------------------------------------------------------------------------------------


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


_KEY_SIZE: dict[int, int] = {
    _AES_128_CCM: 16,
    _AES_128_GCM: 16,
    _AES_256_CCM: 32,
    _AES_256_GCM: 32,
}
_GCM_CIPHERS = frozenset({_AES_128_GCM, _AES_256_GCM})

_SMB2_DIALECTS = frozenset({_SMB_2_0_2, _SMB_2_1})
_SMB30_DIALECTS = frozenset({_SMB_3_0, _SMB_3_0_2})


def _check_dialect(dialect: int) -> None:
    if dialect not in _SMB2_DIALECTS and dialect not in _SMB30_DIALECTS and dialect != _SMB_3_1_1:
        raise ValueError(f"no session keys for dialect 0x{dialect:04x}")


def _check_cipher(cipher: int) -> None:
    if cipher not in _KEY_SIZE:
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
    _check_dialect(dialect)
    short_key = session_key[:16].ljust(16, b"\x00")
    if dialect in _SMB2_DIALECTS:
        return SessionKeys(short_key, b"", b"", short_key)
    if dialect in _SMB30_DIALECTS:
        if cipher is not None and cipher != _AES_128_CCM:
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
        _check_cipher(cipher)
        size = _KEY_SIZE[cipher]
        cipher_ki = session_key if size == 32 else short_key
        encryption_key = smb3_kdf(cipher_ki, b"SMBS2CCipherKey\x00", preauth_hash, size)
        decryption_key = smb3_kdf(cipher_ki, b"SMBC2SCipherKey\x00", preauth_hash, size)
    return SessionKeys(
        signing_key=smb3_kdf(short_key, b"SMBSigningKey\x00", preauth_hash),
        encryption_key=encryption_key,
        decryption_key=decryption_key,
        application_key=smb3_kdf(short_key, b"SMBAppKey\x00", preauth_hash),
    )


def signing_algorithm_for(dialect: int, negotiated: int | None) -> int:
    """The signing algorithm of a connection (MS-SMB2 3.1.4.1).

    2.0.2 / 2.1 sign with HMAC-SHA256, 3.0 / 3.0.2 with AES-128-CMAC; 3.1.1 uses the algorithm of
    the SMB2_SIGNING_CAPABILITIES context when one was negotiated, else AES-128-CMAC.
    ``negotiated`` is ignored below 3.1.1, so passing an already-resolved algorithm back in
    returns it unchanged.
    """
    _check_dialect(dialect)
    if dialect in _SMB2_DIALECTS:
        return _HMAC_SHA256
    if dialect in _SMB30_DIALECTS or negotiated is None:
        return _AES_CMAC
    if negotiated not in _SIGNING_ALGORITHMS:
        raise ValueError(f"unknown signing algorithm 0x{negotiated:04x}")
    return negotiated


# ---------------------------------------------------------------------------------------------
# Signing (MS-SMB2 3.1.4.1, 3.1.5.1)
# ---------------------------------------------------------------------------------------------

# A MAC takes one complete SMB2 message whose Signature field already reads zero.
_Mac = Callable[[Buffer], bytes]

# AES-GMAC nonce tail (3.1.4.1): bit 0 = sender is the server, bit 1 = SMB2 CANCEL request.
_GMAC_FIELDS = struct.Struct("<H2xI4x8s")  # from offset 12: Command, Flags, MessageId (raw bytes)
_GMAC_ROLE = (b"\x00\x00\x00\x00", b"\x01\x00\x00\x00", b"\x02\x00\x00\x00", b"\x03\x00\x00\x00")


_XOR_IPAD = bytes(b ^ 0x36 for b in range(256))  # RFC 2104 ipad / opad as translate tables
_XOR_OPAD = bytes(b ^ 0x5C for b in range(256))


def _hmac_sha256_mac(key: bytes) -> _Mac:
    # HMAC (RFC 2104) with the key's inner and outer pads hashed once: each message then costs two
    # SHA-256 state copies, a third of hmac.digest()'s time, which re-keys OpenSSL on every call.
    block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\x00")
    inner = hashlib.sha256(block.translate(_XOR_IPAD))
    outer = hashlib.sha256(block.translate(_XOR_OPAD))

    def mac(message: Buffer) -> bytes:
        i = inner.copy()
        i.update(message)
        o = outer.copy()
        o.update(i.digest())
        return o.digest()[:_SIGNATURE_SIZE]

    return mac


def _aes_cmac_mac(key: bytes) -> _Mac:
    # A keyed CMAC context copied per message: about 1 µs, versus 5 µs to build one.
    keyed = CMAC(AES(key))

    def mac(message: Buffer) -> bytes:
        c = keyed.copy()
        # The stub says bytes; the Rust binding takes any buffer (bytearray, memoryview slices).
        c.update(message)  # type: ignore[arg-type]
        return c.finalize()

    return mac


def _aes_gmac_mac(key: bytes) -> _Mac:
    # GMAC (RFC 4543) is AES-GCM over an empty plaintext with the message as associated data;
    # the 16-byte tag is the signature. Nonce = MessageId (8 bytes LE) || role/cancel bits (4).
    gcm = AESGCM(key)
    unpack = _GMAC_FIELDS.unpack_from

    def mac(message: Buffer) -> bytes:
        command, flags, message_id = unpack(message, _COMMAND_OFFSET)
        role = (flags & _SERVER_TO_REDIR) | (2 if command == _COMMAND_CANCEL else 0)
        return gcm.encrypt(message_id + _GMAC_ROLE[role], b"", message)

    return mac


_SIGNING_ALGORITHMS: dict[int, Callable[[bytes], _Mac]] = {
    _HMAC_SHA256: _hmac_sha256_mac,
    _AES_CMAC: _aes_cmac_mac,
    _AES_GMAC: _aes_gmac_mac,
}


def _make_mac(algorithm: int, key: bytes) -> _Mac:
    try:
        factory = _SIGNING_ALGORITHMS[algorithm]
    except KeyError:
        raise ValueError(f"unknown signing algorithm 0x{algorithm:04x}") from None
    if algorithm != _HMAC_SHA256 and len(key) != 16:
        raise ValueError(f"AES-128-CMAC/GMAC signing needs a 16-byte key, got {len(key)}")
    return factory(key)


def _zeroed_copy(message: Buffer) -> bytes:
    """The message with its Signature field read as zero, without touching the caller's buffer."""
    view = memoryview(message)
    return b"".join((view[:_SIGNATURE_OFFSET], _ZERO_SIGNATURE, view[_SIGNATURE_END:]))


def _sign_in_place(mac: _Mac, message: bytearray | memoryview) -> None:
    if len(message) < _HEADER_SIZE:
        raise ValueError(f"an SMB2 message is at least {_HEADER_SIZE} bytes, got {len(message)}")
    message[_FLAGS_OFFSET] |= _SIGNED  # Flags is little-endian and SIGNED (0x8) sits in its low byte
    message[_SIGNATURE_SLICE] = _ZERO_SIGNATURE
    message[_SIGNATURE_SLICE] = mac(message)


def _verify(mac: _Mac, message: Buffer) -> bool:
    if len(message) < _HEADER_SIZE:
        return False
    received = bytes(message[_SIGNATURE_SLICE])
    return hmac.compare_digest(mac(_zeroed_copy(message)), received)


def compute_signature(algorithm: int, key: bytes, message: Buffer) -> bytes:
    """The 16-byte signature of one SMB2 message (MS-SMB2 3.1.4.1).

    ``message`` is one complete message of a chain: its 64-byte header, body and any padding up
    to the next message's NextCommand offset. The Signature field is treated as zero; the message
    is not modified. ``algorithm`` is a `SigningAlgorithm` (see `signing_algorithm_for`).
    """
    if len(message) < _HEADER_SIZE:
        raise ValueError(f"an SMB2 message is at least {_HEADER_SIZE} bytes, got {len(message)}")
    return _make_mac(algorithm, key)(_zeroed_copy(message))


def sign_message(algorithm: int, key: bytes, message: bytearray | memoryview) -> None:
    """Sign one SMB2 message in place: set SMB2_FLAGS_SIGNED, then write the Signature field.

    ``message`` may be a writable memoryview slice of a larger compound buffer.
    """
    _sign_in_place(_make_mac(algorithm, key), message)


def verify_signature(algorithm: int, key: bytes, message: Buffer) -> bool:
    """Whether the Signature field of one SMB2 message is right (MS-SMB2 3.1.5.1).

    Compares in constant time. A message shorter than an SMB2 header does not verify.
    """
    return _verify(_make_mac(algorithm, key), message)


# ---------------------------------------------------------------------------------------------
# Encryption (MS-SMB2 3.1.4.3, 2.2.41, 3.3.5.2.1.1)
# ---------------------------------------------------------------------------------------------

_Aead: TypeAlias = AESCCM | AESGCM


def _make_aead(cipher: int, key: bytes) -> _Aead:
    _check_cipher(cipher)
    if len(key) != _KEY_SIZE[cipher]:
        raise ValueError(f"cipher 0x{cipher:04x} needs a {_KEY_SIZE[cipher]}-byte key, got {len(key)}")
    return AESGCM(key) if cipher in _GCM_CIPHERS else AESCCM(key)


def _nonce_size(cipher: int) -> int:
    return _GCM_NONCE_SIZE if cipher in _GCM_CIPHERS else _CCM_NONCE_SIZE


def _seal(aead: _Aead, nonce_size: int, nonce_field: bytes, session_id: int, message: Buffer) -> bytes:
    aad = nonce_field + _TRANSFORM_TAIL.pack(len(message), 0, _TRANSFORM_FLAGS_ENCRYPTED, session_id)
    sealed = memoryview(aead.encrypt(nonce_field[:nonce_size], message, aad))
    return b"".join((_TRANSFORM_MAGIC, sealed[-_AEAD_TAG_SIZE:], aad, sealed[:-_AEAD_TAG_SIZE]))


def _open(aead: _Aead, nonce_size: int, transform: Buffer) -> tuple[int, bytes]:
    view = memoryview(transform)
    if len(view) <= _TRANSFORM_SIZE:  # 3.3.5.2.1.1: not greater than the header -> disconnect
        raise DecryptError(f"transform message of {len(view)} bytes is too short")
    if view[:4] != _TRANSFORM_MAGIC:
        raise DecryptError("not an SMB2 TRANSFORM_HEADER")
    size, _reserved, flags, session_id = _TRANSFORM_TAIL.unpack_from(view, _TH_NONCE + _TH_NONCE_FIELD_SIZE)
    if flags != _TRANSFORM_FLAGS_ENCRYPTED:
        raise DecryptError(f"unsupported Flags/EncryptionAlgorithm 0x{flags:04x}")
    if size != len(view) - _TRANSFORM_SIZE:
        raise DecryptError(f"OriginalMessageSize {size} does not match {len(view) - _TRANSFORM_SIZE} bytes")
    nonce = bytes(view[_TH_NONCE : _TH_NONCE + nonce_size])
    sealed = b"".join((view[_TRANSFORM_SIZE:], view[_TH_SIGNATURE:_TH_NONCE]))
    try:
        plaintext = aead.decrypt(nonce, sealed, view[_TH_NONCE:_TH_AAD_END])
    except InvalidTag:
        raise DecryptError("transform message failed authentication") from None
    return session_id, plaintext


def _nonce_field(cipher: int, nonce: bytes | None) -> bytes:
    size = _nonce_size(cipher)
    if nonce is None:
        return os.urandom(size) + bytes(_TH_NONCE_FIELD_SIZE - size)
    if len(nonce) == size:
        return nonce + bytes(_TH_NONCE_FIELD_SIZE - size)
    if len(nonce) == _TH_NONCE_FIELD_SIZE:  # a whole Nonce field, reserved tail included, as-is
        return bytes(nonce)
    raise ValueError(f"nonce must be {size} or {_TH_NONCE_FIELD_SIZE} bytes, got {len(nonce)}")


def encrypt_message(cipher: int, key: bytes, session_id: int, message: Buffer, nonce: bytes | None = None) -> bytes:
    """Wrap one SMB2 message (or compound chain) in a TRANSFORM_HEADER (MS-SMB2 3.1.4.3, 2.2.41).

    Returns header + ciphertext. The AEAD nonce is 11 bytes for CCM and 12 for GCM, stored at the
    start of the 16-byte Nonce field with the rest zero. ``nonce`` may give those 11/12 bytes or a
    whole 16-byte Nonce field (used verbatim, for reproducing captures); by default it is random,
    which is fine for occasional use. `SessionCrypto.encrypt` uses a per-session counter instead.
    The associated data is the header from Nonce to SessionId (32 bytes).
    """
    return _seal(_make_aead(cipher, key), _nonce_size(cipher), _nonce_field(cipher, nonce), session_id, message)


def decrypt_message(cipher: int, key: bytes, transform: Buffer) -> tuple[int, bytes]:
    """Open one TRANSFORM_HEADER message: returns (SessionId, plaintext SMB2 message).

    Raises `DecryptError` when the input is not longer than the 52-byte header, the ProtocolId is
    not 0xFD 'SMB', Flags/EncryptionAlgorithm is not 0x0001, OriginalMessageSize does not match
    the bytes that follow, or the tag does not verify (wrong key, wrong session, tampering).
    """
    return _open(_make_aead(cipher, key), _nonce_size(cipher), transform)


def parse_transform_session_id(transform: Buffer) -> int:
    """SessionId of a TRANSFORM_HEADER message, to find the session whose key opens it.

    Raises `DecryptError` if the input is shorter than the header or is not a transform header.
    """
    if len(transform) < _TRANSFORM_SIZE:
        raise DecryptError(f"transform message of {len(transform)} bytes is too short")
    magic, session_id = _TRANSFORM_PEEK.unpack_from(transform, 0)
    if magic != _TRANSFORM_MAGIC:
        raise DecryptError("not an SMB2 TRANSFORM_HEADER")
    session_id_int: int = session_id
    return session_id_int


# ---------------------------------------------------------------------------------------------
# Preauthentication integrity (MS-SMB2 3.3.5.4, 3.3.5.5)
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Per-session contexts for the hot path
# ---------------------------------------------------------------------------------------------


class SessionCrypto:
    """A session's signing and encryption with every keyed primitive built once.

    Build with `SessionCrypto.create` after authentication; keep exactly one per session (share
    it across the session's channels) so the nonce counter below stays unique per key.

    Nonces: a per-session counter, not os.urandom. GCM's security collapses on a repeated
    (key, nonce), and random 96-bit nonces are only safe up to about 2**32 messages per key
    (NIST SP 800-38D 8.3); a counter never repeats and is cheaper than a getrandom() syscall.
    The nonce is a random per-instance prefix (4 bytes for GCM, 3 for CCM) followed by the
    64-bit little-endian counter, so even two instances accidentally built from the same keys
    only collide if their prefixes match. The client encrypts under a different key
    (ServerIn / SMBC2SCipherKey), so its nonces never meet ours.

    The AEAD contexts are built on first use: a 3.x session that never encrypts pays nothing.
    """

    __slots__ = (
        "dialect",
        "signing_algorithm",
        "cipher",
        "_mac",
        "_keys",
        "_encryptor",
        "_decryptor",
        "_nonce_size",
        "_nonce_prefix",
        "_nonce_pad",
        "_counter",
    )

    dialect: int
    signing_algorithm: int
    cipher: int | None
    _mac: _Mac
    _keys: SessionKeys
    _encryptor: _Aead | None
    _decryptor: _Aead | None
    _nonce_size: int
    _nonce_prefix: bytes
    _nonce_pad: bytes
    _counter: Iterator[int]

    @classmethod
    def create(
        cls, dialect: int, signing_algorithm: int | None, cipher: int | None, keys: SessionKeys
    ) -> SessionCrypto:
        """Build the session's contexts.

        ``signing_algorithm`` is Connection.SigningAlgorithmId (None when no signing context was
        negotiated), resolved through `signing_algorithm_for`, so an already-resolved value works. ``cipher`` is Connection.CipherId; for 3.0/3.0.2 None means the
        implied AES-128-CCM. With no cipher (2.x, or 3.1.1 without an encryption context),
        `encrypt`/`decrypt` raise ValueError.
        """
        self = cls.__new__(cls)
        self.dialect = dialect
        self.signing_algorithm = signing_algorithm_for(dialect, signing_algorithm)
        if cipher is None and dialect in _SMB30_DIALECTS and keys.encryption_key:
            cipher = _AES_128_CCM
        if cipher is not None:
            _check_cipher(cipher)
            for key in (keys.encryption_key, keys.decryption_key):
                if len(key) != _KEY_SIZE[cipher]:
                    raise ValueError(f"cipher 0x{cipher:04x} needs {_KEY_SIZE[cipher]}-byte keys, got {len(key)}")
        self.cipher = cipher
        self._mac = _make_mac(self.signing_algorithm, keys.signing_key)
        self._keys = keys
        self._encryptor = None
        self._decryptor = None
        size = _nonce_size(cipher) if cipher is not None else _GCM_NONCE_SIZE
        self._nonce_size = size
        self._nonce_prefix = os.urandom(size - 8)
        self._nonce_pad = bytes(_TH_NONCE_FIELD_SIZE - size)
        self._counter = itertools.count(1)
        return self

    def for_channel(self, signing_key: bytes) -> SessionCrypto:
        """The same session on another channel (multichannel, MS-SMB2 3.3.5.5.2): its own
        Channel.SigningKey, but the session's cipher contexts *and nonce counter* shared, so that
        no (key, nonce) pair is used twice across channels."""
        other = SessionCrypto.__new__(SessionCrypto)
        other.dialect = self.dialect
        other.signing_algorithm = self.signing_algorithm
        other.cipher = self.cipher
        other._mac = _make_mac(self.signing_algorithm, signing_key)
        other._keys = SessionKeys(
            signing_key, self._keys.encryption_key, self._keys.decryption_key, self._keys.application_key
        )
        if self.cipher is not None:  # build now so that both objects hold the same contexts
            if self._encryptor is None:
                self._encryptor = self._build(self._keys.encryption_key)
            if self._decryptor is None:
                self._decryptor = self._build(self._keys.decryption_key)
        other._encryptor = self._encryptor
        other._decryptor = self._decryptor
        other._nonce_size = self._nonce_size
        other._nonce_prefix = self._nonce_prefix
        other._nonce_pad = self._nonce_pad
        other._counter = self._counter
        return other

    @property
    def can_encrypt(self) -> bool:
        """Whether a cipher is set, so that `encrypt` and `decrypt` work."""
        return self.cipher is not None

    def __repr__(self) -> str:
        cipher = "none" if self.cipher is None else f"0x{self.cipher:04x}"
        return (
            f"SessionCrypto(dialect=0x{self.dialect:04x}, "
            f"signing=0x{self.signing_algorithm:04x}, cipher={cipher})"
        )

    # -- signing -------------------------------------------------------------------------------

    def signature(self, message: Buffer) -> bytes:
        """The signature `sign` would write; the message is not modified."""
        if len(message) < _HEADER_SIZE:
            raise ValueError(f"an SMB2 message is at least {_HEADER_SIZE} bytes, got {len(message)}")
        return self._mac(_zeroed_copy(message))

    def sign(self, message: bytearray | memoryview) -> None:
        """Set SMB2_FLAGS_SIGNED and write the signature in place (a writable memoryview slice of a
        compound buffer is fine)."""
        _sign_in_place(self._mac, message)

    def verify(self, message: Buffer) -> bool:
        """Constant-time check of the message's Signature field."""
        return _verify(self._mac, message)

    # -- encryption ----------------------------------------------------------------------------

    def encrypt(self, session_id: int, message: Buffer) -> bytes:
        """TRANSFORM_HEADER + ciphertext of ``message`` under Session.EncryptionKey."""
        encryptor = self._encryptor
        if encryptor is None:
            encryptor = self._encryptor = self._build(self._keys.encryption_key)
        count = next(self._counter)
        if count >= 1 << 64:  # unreachable in practice; never wrap a nonce counter
            raise ValueError("nonce counter exhausted for this session key")
        nonce = self._nonce_prefix + count.to_bytes(8, "little")
        return _seal(encryptor, self._nonce_size, nonce + self._nonce_pad, session_id, message)

    def decrypt(self, transform: Buffer) -> tuple[int, bytes]:
        """(SessionId, plaintext) of a client's TRANSFORM_HEADER message under
        Session.DecryptionKey; raises `DecryptError` as `decrypt_message` does."""
        decryptor = self._decryptor
        if decryptor is None:
            decryptor = self._decryptor = self._build(self._keys.decryption_key)
        return _open(decryptor, self._nonce_size, transform)

    def _build(self, key: bytes) -> _Aead:
        if self.cipher is None:
            raise ValueError("this session has no cipher: encryption needs SMB 3.x and a negotiated cipher")
        return _make_aead(self.cipher, key)
