"""Sealing: encrypting a message into an SMB2 TRANSFORM_HEADER with AES-CCM or AES-GCM and opening
one (MS-SMB2 3.1.4.3, 2.2.41, 3.3.5.2.1.1)."""

from __future__ import annotations

import os
from typing import TypeAlias

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM

from smbemu.crypto.keys import check_cipher, GCM_CIPHERS, KEY_SIZE
from smbemu.crypto.wire import (
    AEAD_TAG_SIZE,
    Buffer,
    CCM_NONCE_SIZE,
    GCM_NONCE_SIZE,
    TH_AAD_END,
    TH_NONCE,
    TH_NONCE_FIELD_SIZE,
    TH_SIGNATURE,
    TRANSFORM_FLAGS_ENCRYPTED,
    TRANSFORM_MAGIC,
    TRANSFORM_PEEK,
    TRANSFORM_SIZE,
    TRANSFORM_TAIL,
)


class DecryptError(ValueError):
    """A TRANSFORM_HEADER message that cannot be opened: short, malformed, or failing its tag.

    MS-SMB2 3.3.5.2.1.1: the server disconnects on any of these; the message never says which.
    """


Aead: TypeAlias = AESCCM | AESGCM


def make_aead(cipher: int, key: bytes) -> Aead:
    check_cipher(cipher)
    if len(key) != KEY_SIZE[cipher]:
        raise ValueError(f"cipher 0x{cipher:04x} needs a {KEY_SIZE[cipher]}-byte key, got {len(key)}")
    return AESGCM(key) if cipher in GCM_CIPHERS else AESCCM(key)


def nonce_size_of(cipher: int) -> int:
    return GCM_NONCE_SIZE if cipher in GCM_CIPHERS else CCM_NONCE_SIZE


def seal_transform(aead: Aead, nonce_size: int, nonce_field: bytes, session_id: int, message: Buffer) -> bytes:
    aad = nonce_field + TRANSFORM_TAIL.pack(len(message), 0, TRANSFORM_FLAGS_ENCRYPTED, session_id)
    sealed = memoryview(aead.encrypt(nonce_field[:nonce_size], message, aad))
    return b"".join((TRANSFORM_MAGIC, sealed[-AEAD_TAG_SIZE:], aad, sealed[:-AEAD_TAG_SIZE]))


def open_transform(aead: Aead, nonce_size: int, transform: Buffer) -> tuple[int, bytes]:
    view = memoryview(transform)
    if len(view) <= TRANSFORM_SIZE:  # 3.3.5.2.1.1: not greater than the header -> disconnect
        raise DecryptError(f"transform message of {len(view)} bytes is too short")
    if view[:4] != TRANSFORM_MAGIC:
        raise DecryptError("not an SMB2 TRANSFORM_HEADER")
    size, _reserved, flags, session_id = TRANSFORM_TAIL.unpack_from(view, TH_NONCE + TH_NONCE_FIELD_SIZE)
    if flags != TRANSFORM_FLAGS_ENCRYPTED:
        raise DecryptError(f"unsupported Flags/EncryptionAlgorithm 0x{flags:04x}")
    if size != len(view) - TRANSFORM_SIZE:
        raise DecryptError(f"OriginalMessageSize {size} does not match {len(view) - TRANSFORM_SIZE} bytes")
    nonce = bytes(view[TH_NONCE : TH_NONCE + nonce_size])
    sealed = b"".join((view[TRANSFORM_SIZE:], view[TH_SIGNATURE:TH_NONCE]))
    try:
        plaintext = aead.decrypt(nonce, sealed, view[TH_NONCE:TH_AAD_END])
    except InvalidTag:
        raise DecryptError("transform message failed authentication") from None
    return session_id, plaintext


def _nonce_field(cipher: int, nonce: bytes | None) -> bytes:
    size = nonce_size_of(cipher)
    if nonce is None:
        return os.urandom(size) + bytes(TH_NONCE_FIELD_SIZE - size)
    if len(nonce) == size:
        return nonce + bytes(TH_NONCE_FIELD_SIZE - size)
    if len(nonce) == TH_NONCE_FIELD_SIZE:  # a whole Nonce field, reserved tail included, as-is
        return bytes(nonce)
    raise ValueError(f"nonce must be {size} or {TH_NONCE_FIELD_SIZE} bytes, got {len(nonce)}")


def encrypt_message(cipher: int, key: bytes, session_id: int, message: Buffer, nonce: bytes | None = None) -> bytes:
    """Wrap one SMB2 message (or compound chain) in a TRANSFORM_HEADER (MS-SMB2 3.1.4.3, 2.2.41).

    Returns header + ciphertext. The AEAD nonce is 11 bytes for CCM and 12 for GCM, stored at the
    start of the 16-byte Nonce field with the rest zero. ``nonce`` may give those 11/12 bytes or a
    whole 16-byte Nonce field (used verbatim, for reproducing captures); by default it is random,
    which is fine for occasional use. `SessionCrypto.encrypt` uses a per-session counter instead.
    The associated data is the header from Nonce to SessionId (32 bytes).
    """
    return seal_transform(make_aead(cipher, key), nonce_size_of(cipher), _nonce_field(cipher, nonce), session_id, message)


def decrypt_message(cipher: int, key: bytes, transform: Buffer) -> tuple[int, bytes]:
    """Open one TRANSFORM_HEADER message: returns (SessionId, plaintext SMB2 message).

    Raises `DecryptError` when the input is not longer than the 52-byte header, the ProtocolId is
    not 0xFD 'SMB', Flags/EncryptionAlgorithm is not 0x0001, OriginalMessageSize does not match
    the bytes that follow, or the tag does not verify (wrong key, wrong session, tampering).
    """
    return open_transform(make_aead(cipher, key), nonce_size_of(cipher), transform)


def parse_transform_session_id(transform: Buffer) -> int:
    """SessionId of a TRANSFORM_HEADER message, to find the session whose key opens it.

    Raises `DecryptError` if the input is shorter than the header or is not a transform header.
    """
    if len(transform) < TRANSFORM_SIZE:
        raise DecryptError(f"transform message of {len(transform)} bytes is too short")
    magic, session_id = TRANSFORM_PEEK.unpack_from(transform, 0)
    if magic != TRANSFORM_MAGIC:
        raise DecryptError("not an SMB2 TRANSFORM_HEADER")
    session_id_int: int = session_id
    return session_id_int
