"""Signing and verifying (MS-SMB2 3.1.4.1, 3.1.5.1): HMAC-SHA256 (2.0.2, 2.1), AES-128-CMAC (3.x)
and AES-128-GMAC (3.1.1 with a SIGNING_CAPABILITIES context), each a MAC over a whole message
whose Signature field reads zero."""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.ciphers.algorithms import AES
from cryptography.hazmat.primitives.cmac import CMAC

from smbemu.crypto.keys import check_dialect, SMB2_DIALECTS, SMB30_DIALECTS
from smbemu.crypto.wire import (
    AES_CMAC,
    AES_GMAC,
    Buffer,
    COMMAND_CANCEL,
    COMMAND_OFFSET,
    FLAGS_OFFSET,
    HEADER_SIZE,
    HMAC_SHA256,
    SERVER_TO_REDIR,
    SIGNATURE_END,
    SIGNATURE_OFFSET,
    SIGNATURE_SIZE,
    SIGNATURE_SLICE,
    SIGNED,
    ZERO_SIGNATURE,
)


def signing_algorithm_for(dialect: int, negotiated: int | None) -> int:
    """The signing algorithm of a connection (MS-SMB2 3.1.4.1).

    2.0.2 / 2.1 sign with HMAC-SHA256, 3.0 / 3.0.2 with AES-128-CMAC; 3.1.1 uses the algorithm of
    the SMB2_SIGNING_CAPABILITIES context when one was negotiated, else AES-128-CMAC.
    ``negotiated`` is ignored below 3.1.1, so passing an already-resolved algorithm back in
    returns it unchanged.
    """
    check_dialect(dialect)
    if dialect in SMB2_DIALECTS:
        return HMAC_SHA256
    if dialect in SMB30_DIALECTS or negotiated is None:
        return AES_CMAC
    if negotiated not in _SIGNING_ALGORITHMS:
        raise ValueError(f"unknown signing algorithm 0x{negotiated:04x}")
    return negotiated


# A MAC takes one complete SMB2 message whose Signature field already reads zero.
Mac = Callable[[Buffer], bytes]

# AES-GMAC nonce tail (3.1.4.1): bit 0 = sender is the server, bit 1 = SMB2 CANCEL request.
_GMAC_FIELDS = struct.Struct("<H2xI4x8s")  # from offset 12: Command, Flags, MessageId (raw bytes)
_GMAC_ROLE = (b"\x00\x00\x00\x00", b"\x01\x00\x00\x00", b"\x02\x00\x00\x00", b"\x03\x00\x00\x00")


_XOR_IPAD = bytes(b ^ 0x36 for b in range(256))  # RFC 2104 ipad / opad as translate tables
_XOR_OPAD = bytes(b ^ 0x5C for b in range(256))


def _hmac_sha256_mac(key: bytes) -> Mac:
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
        return o.digest()[:SIGNATURE_SIZE]

    return mac


def _aes_cmac_mac(key: bytes) -> Mac:
    # A keyed CMAC context copied per message: about 1 µs, versus 5 µs to build one.
    keyed = CMAC(AES(key))

    def mac(message: Buffer) -> bytes:
        c = keyed.copy()
        # The stub says bytes; the Rust binding takes any buffer (bytearray, memoryview slices).
        c.update(message)  # type: ignore[arg-type]
        return c.finalize()

    return mac


def _aes_gmac_mac(key: bytes) -> Mac:
    # GMAC (RFC 4543) is AES-GCM over an empty plaintext with the message as associated data;
    # the 16-byte tag is the signature. Nonce = MessageId (8 bytes LE) || role/cancel bits (4).
    gcm = AESGCM(key)
    unpack = _GMAC_FIELDS.unpack_from

    def mac(message: Buffer) -> bytes:
        command, flags, message_id = unpack(message, COMMAND_OFFSET)
        role = (flags & SERVER_TO_REDIR) | (2 if command == COMMAND_CANCEL else 0)
        return gcm.encrypt(message_id + _GMAC_ROLE[role], b"", message)

    return mac


_SIGNING_ALGORITHMS: dict[int, Callable[[bytes], Mac]] = {
    HMAC_SHA256: _hmac_sha256_mac,
    AES_CMAC: _aes_cmac_mac,
    AES_GMAC: _aes_gmac_mac,
}


def make_mac(algorithm: int, key: bytes) -> Mac:
    try:
        factory = _SIGNING_ALGORITHMS[algorithm]
    except KeyError:
        raise ValueError(f"unknown signing algorithm 0x{algorithm:04x}") from None
    if algorithm != HMAC_SHA256 and len(key) != 16:
        raise ValueError(f"AES-128-CMAC/GMAC signing needs a 16-byte key, got {len(key)}")
    return factory(key)


def zeroed_copy(message: Buffer) -> bytes:
    """The message with its Signature field read as zero, without touching the caller's buffer."""
    view = memoryview(message)
    return b"".join((view[:SIGNATURE_OFFSET], ZERO_SIGNATURE, view[SIGNATURE_END:]))


def sign_in_place(mac: Mac, message: bytearray | memoryview) -> None:
    if len(message) < HEADER_SIZE:
        raise ValueError(f"an SMB2 message is at least {HEADER_SIZE} bytes, got {len(message)}")
    message[FLAGS_OFFSET] |= SIGNED  # Flags is little-endian and SIGNED (0x8) sits in its low byte
    message[SIGNATURE_SLICE] = ZERO_SIGNATURE
    message[SIGNATURE_SLICE] = mac(message)


def verify_with(mac: Mac, message: Buffer) -> bool:
    if len(message) < HEADER_SIZE:
        return False
    received = bytes(message[SIGNATURE_SLICE])
    return hmac.compare_digest(mac(zeroed_copy(message)), received)


def compute_signature(algorithm: int, key: bytes, message: Buffer) -> bytes:
    """The 16-byte signature of one SMB2 message (MS-SMB2 3.1.4.1).

    ``message`` is one complete message of a chain: its 64-byte header, body and any padding up
    to the next message's NextCommand offset. The Signature field is treated as zero; the message
    is not modified. ``algorithm`` is a `SigningAlgorithm` (see `signing_algorithm_for`).
    """
    if len(message) < HEADER_SIZE:
        raise ValueError(f"an SMB2 message is at least {HEADER_SIZE} bytes, got {len(message)}")
    return make_mac(algorithm, key)(zeroed_copy(message))


def sign_message(algorithm: int, key: bytes, message: bytearray | memoryview) -> None:
    """Sign one SMB2 message in place: set SMB2_FLAGS_SIGNED, then write the Signature field.

    ``message`` may be a writable memoryview slice of a larger compound buffer.
    """
    sign_in_place(make_mac(algorithm, key), message)


def verify_signature(algorithm: int, key: bytes, message: Buffer) -> bool:
    """Whether the Signature field of one SMB2 message is right (MS-SMB2 3.1.5.1).

    Compares in constant time. A message shorter than an SMB2 header does not verify.
    """
    return verify_with(make_mac(algorithm, key), message)
