"""The SAM's password buffers (MS-SAMR 2.2.6.20-22, 2.2.11.1, 3.2.2.1-3.2.2.3), for the SAMR
calls that carry a password: a SAMPR_USER_PASSWORD -- 512 bytes ending with the UTF-16LE password,
then its length in bytes -- encrypted with RC4 under the session key (SamrSetInformationUser2
classes 23 / 24), under MD5(ClearSalt || session key) (classes 25 / 26, whose "New" buffer ends
with the 16-byte salt), or under the account's current NT hash (SamrUnicodeChangePasswordUser2,
whose caller also sends the old NT hash encrypted with the new one: the proof)."""

from __future__ import annotations

import hashlib
import struct
from typing import Final

from smbemu.auth.ntlm_crypto import des, lm_owf_v1, nt_owf_v1, rc4k

__all__ = ["clear_password", "decrypt_with_session_key", "encrypt_hash", "decrypt_hash", "proven_password",
           "proven_oem_password", "proven_owf_change", "des_decrypt", "encrypt_secret", "decrypt_secret"]

#: SAMPR_USER_PASSWORD: 512 bytes of buffer, then the length (2.2.6.20).
_BUFFER: Final = 512


def clear_password(plain: bytes) -> str | None:
    """The password inside a decrypted SAMPR_USER_PASSWORD (516 bytes), or None when the length
    does not fit (the wrong key gives a garbage length)."""
    if len(plain) != _BUFFER + 4:
        return None
    (length,) = struct.unpack_from("<I", plain, _BUFFER)
    if length > _BUFFER or length % 2:
        return None
    try:
        return plain[_BUFFER - length:_BUFFER].decode("utf-16-le")
    except UnicodeDecodeError:
        return None


def decrypt_with_session_key(buffer: bytes, session_key: bytes) -> str | None:
    """SAMPR_ENCRYPTED_USER_PASSWORD (516 bytes, RC4 under the session key, 3.2.2.1) or
    SAMPR_ENCRYPTED_USER_PASSWORD_NEW (532 bytes: RC4 under MD5(ClearSalt || session key), the
    salt being the last 16 bytes, 3.2.2.2)."""
    if not session_key:
        return None
    if len(buffer) == 532:
        key = hashlib.md5(buffer[516:] + session_key).digest()
        return clear_password(rc4k(key, buffer[:516]))
    return clear_password(rc4k(session_key, buffer))


def encrypt_hash(data16: bytes, key16: bytes) -> bytes:
    """2.2.11.1.1 "Encrypting an NT or LM hash value with a specified key": two DES blocks under
    the key's bytes 0-6 and 7-13."""
    return des(key16[:7], data16[:8]) + des(key16[7:14], data16[8:])


def des_decrypt(key7: bytes, block: bytes) -> bytes:
    """The inverse of `smbemu.auth.ntlm_crypto.des`: one 8-byte block under a 7-byte key."""
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    try:  # where cryptography keeps (Triple)DES now, and where it kept it
        from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
    except ImportError:  # pragma: no cover - cryptography < 43
        from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES  # type: ignore[no-redef,unused-ignore]
    from smbemu.auth.ntlm_crypto import _des_key

    decryptor = Cipher(TripleDES(_des_key(key7) * 3), modes.ECB()).decryptor()
    return decryptor.update(block) + decryptor.finalize()


def decrypt_hash(data16: bytes, key16: bytes) -> bytes:
    """The inverse of `encrypt_hash` (2.2.11.1.1): two DES decryptions under the same keys."""
    return des_decrypt(key16[:7], data16[:8]) + des_decrypt(key16[7:14], data16[8:16])


def _key_windows(session_key: bytes, blocks: int) -> list[bytes]:
    """MS-LSAD 5.1.2: the 7-byte key of each 8-byte block -- offsets 0, 7, 14, ..., wrapping to
    (length - offset) when fewer than 7 bytes remain."""
    keys, offset = [], 0
    for _ in range(blocks):
        if offset + 7 > len(session_key):
            offset = len(session_key) - offset
        keys.append(session_key[offset:offset + 7])
        offset += 7
    return keys


def encrypt_secret(value: bytes, session_key: bytes) -> bytes:
    """An LSA secret value for the wire (MS-LSAD 5.1.2): ``Length | Version 1 | value``, padded to
    8 bytes, DES-ECB per block under the session key's windows."""
    plain = struct.pack("<II", len(value), 1) + value
    plain += bytes(-len(plain) % 8)
    blocks = [plain[i:i + 8] for i in range(0, len(plain), 8)]
    return b"".join(des(key, block) for key, block in zip(_key_windows(session_key, len(blocks)), blocks))


def decrypt_secret(cipher: bytes, session_key: bytes) -> bytes | None:
    """The value of an encrypted LSAPR_CR_CIPHER_VALUE buffer, or None (a length that does not
    fit: the wrong key, or garbage)."""
    if len(cipher) % 8 or len(cipher) < 8 or len(session_key) < 7:
        return None
    blocks = [cipher[i:i + 8] for i in range(0, len(cipher), 8)]
    plain = b"".join(des_decrypt(key, block) for key, block in zip(_key_windows(session_key, len(blocks)), blocks))
    length, _version = struct.unpack_from("<II", plain)
    return plain[8:8 + length] if length <= len(plain) - 8 else None


def proven_owf_change(old_nt_hash: bytes, new_nt_encrypted_with_old_nt: bytes,
                      old_nt_encrypted_with_new_nt: bytes) -> bytes | None:
    """The new NT hash of a SamrChangePasswordUser (3.1.5.10.1) whose caller knows the old one:
    NewNtEncryptedWithOldNt decrypts under the old hash, and the old hash encrypted with the new
    one matches OldNtEncryptedWithNewNt; None otherwise (STATUS_WRONG_PASSWORD)."""
    new_nt = decrypt_hash(new_nt_encrypted_with_old_nt, old_nt_hash)
    if encrypt_hash(old_nt_hash, new_nt) != old_nt_encrypted_with_new_nt:
        return None
    return new_nt


def proven_password(old_nt_hash: bytes, new_encrypted: bytes, old_encrypted_with_new: bytes) -> str | None:
    """The new password of a SamrUnicodeChangePasswordUser2 (3.1.5.10.3) whose caller knows the
    old one: the buffer decrypts under the old NT hash, and the old NT hash encrypted with the new
    one matches; None otherwise (STATUS_WRONG_PASSWORD)."""
    password = clear_password(rc4k(old_nt_hash, new_encrypted))
    if password is None or encrypt_hash(old_nt_hash, nt_owf_v1(password)) != old_encrypted_with_new:
        return None
    return password


def proven_oem_password(old_lm_hash: bytes, new_encrypted: bytes, old_encrypted_with_new: bytes) -> str | None:
    """The new password of a SamrOemChangePasswordUser2 (3.1.5.10.2): an OEM-character password
    (its length counts bytes) encrypted under the old LM hash, proven by the old LM hash encrypted
    with the new one; None otherwise (also for a password no LM hash can hold: longer than 14)."""
    plain = rc4k(old_lm_hash, new_encrypted)
    if len(plain) != _BUFFER + 4:
        return None
    (length,) = struct.unpack_from("<I", plain, _BUFFER)
    if length > _BUFFER:
        return None
    # the OEM code page of a US Windows (437; U: the server's own OEM code page)
    password = plain[_BUFFER - length:_BUFFER].decode("cp437")
    new_lm = lm_owf_v1(password)
    if new_lm is None or encrypt_hash(old_lm_hash, new_lm) != old_encrypted_with_new:
        return None
    return password
