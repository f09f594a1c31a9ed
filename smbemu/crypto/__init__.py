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

The package follows those seams: `wire` (protocol numbers and layouts), `keys` (KDF, session
keys, preauth hash), `signing`, `sealing` and `session` (`SessionCrypto`). Everything public is
importable from ``smbemu.crypto``.
"""

from __future__ import annotations

from smbemu.crypto.keys import PREAUTH_INITIAL, SessionKeys, derive_session_keys, preauth_hash_update, smb3_kdf
from smbemu.crypto.sealing import DecryptError, decrypt_message, encrypt_message, parse_transform_session_id
from smbemu.crypto.session import SessionCrypto
from smbemu.crypto.signing import compute_signature, sign_message, signing_algorithm_for, verify_signature

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
