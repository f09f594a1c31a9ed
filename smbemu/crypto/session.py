"""`SessionCrypto`: one session's signing and sealing with every keyed primitive built once, for the
per-request hot path, and the nonce counter that keeps each (key, nonce) unique."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

from smbemu.crypto.keys import check_cipher, KEY_SIZE, SessionKeys, SMB30_DIALECTS
from smbemu.crypto.sealing import Aead, make_aead, nonce_size_of, open_transform, seal_transform
from smbemu.crypto.signing import (
    Mac,
    make_mac,
    sign_in_place,
    signing_algorithm_for,
    verify_with,
    zeroed_copy,
)
from smbemu.crypto.wire import (
    AES_128_CCM,
    Buffer,
    GCM_NONCE_SIZE,
    HEADER_SIZE,
    TH_NONCE_FIELD_SIZE,
)


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
    _mac: Mac
    _keys: SessionKeys
    _encryptor: Aead | None
    _decryptor: Aead | None
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
        if cipher is None and dialect in SMB30_DIALECTS and keys.encryption_key:
            cipher = AES_128_CCM
        if cipher is not None:
            check_cipher(cipher)
            for key in (keys.encryption_key, keys.decryption_key):
                if len(key) != KEY_SIZE[cipher]:
                    raise ValueError(f"cipher 0x{cipher:04x} needs {KEY_SIZE[cipher]}-byte keys, got {len(key)}")
        self.cipher = cipher
        self._mac = make_mac(self.signing_algorithm, keys.signing_key)
        self._keys = keys
        self._encryptor = None
        self._decryptor = None
        size = nonce_size_of(cipher) if cipher is not None else GCM_NONCE_SIZE
        self._nonce_size = size
        self._nonce_prefix = os.urandom(size - 8)
        self._nonce_pad = bytes(TH_NONCE_FIELD_SIZE - size)
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
        other._mac = make_mac(self.signing_algorithm, signing_key)
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
    def application_key(self) -> bytes:
        """Session.ApplicationKey (MS-SMB2 3.3.1.8): the session key DCE/RPC over a pipe uses
        (SAMR's password buffers, MS-SAMR 3.2.2.x); the session key itself before SMB 3."""
        return self._keys.application_key

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
        if len(message) < HEADER_SIZE:
            raise ValueError(f"an SMB2 message is at least {HEADER_SIZE} bytes, got {len(message)}")
        return self._mac(zeroed_copy(message))

    def sign(self, message: bytearray | memoryview) -> None:
        """Set SMB2_FLAGS_SIGNED and write the signature in place (a writable memoryview slice of a
        compound buffer is fine)."""
        sign_in_place(self._mac, message)

    def verify(self, message: Buffer) -> bool:
        """Constant-time check of the message's Signature field."""
        return verify_with(self._mac, message)

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
        return seal_transform(encryptor, self._nonce_size, nonce + self._nonce_pad, session_id, message)

    def decrypt(self, transform: Buffer) -> tuple[int, bytes]:
        """(SessionId, plaintext) of a client's TRANSFORM_HEADER message under
        Session.DecryptionKey; raises `DecryptError` as `decrypt_message` does."""
        decryptor = self._decryptor
        if decryptor is None:
            decryptor = self._decryptor = self._build(self._keys.decryption_key)
        return open_transform(decryptor, self._nonce_size, transform)

    def _build(self, key: bytes) -> Aead:
        if self.cipher is None:
            raise ValueError("this session has no cipher: encryption needs SMB 3.x and a negotiated cipher")
        return make_aead(self.cipher, key)
