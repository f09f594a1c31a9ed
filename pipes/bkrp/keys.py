"""The DC's BackupKey keys, read from the LSA secrets that hold them (MS-BKRP 3.1.1).

The directory creates them the first time they are asked for and keeps them with the other LSA
secrets (``Directory.backup_key``, from ``lsa_secret_table(backup_keys=True)``: ``G$BCKUPKEY_P`` and
``G$BCKUPKEY_PREFERRED`` name the current keys by GUID, ``G$BCKUPKEY_<guid>`` hold them), so
BackuprKey wraps with exactly the keys an administrator reads back through
LsarRetrievePrivateData.  This module only reads and parses them:

* a ServerWrap key (MS-BKRP 2.2.7): version 1, then the 256-byte key;
* a ClientWrap key pair (2.2.5): version 2, the PRIVATEKEYBLOB length, the certificate length,
  the CryptoAPI PRIVATEKEYBLOB of the 2048-bit RSA key (little-endian integers), the
  certificate (2.2.1).
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.asymmetric import rsa

from smbemu.rpc import CallContext

__all__ = ["ServerWrapKey", "ClientWrapKey", "server_wrap_key", "client_wrap_key"]

#: MS-BKRP 2.2.7 / 2.2.5 format versions, and the sizes of a 2048-bit PRIVATEKEYBLOB.
SERVER_WRAP_VERSION: Final = 1
CLIENT_WRAP_VERSION: Final = 2
SERVER_KEY_SIZE: Final = 256
_BITS: Final = 2048
_HEADER: Final = 20  # PUBLICKEYSTRUC (8) + RSAPUBKEY (magic, bitlen, pubexp: 12)


@dataclass(frozen=True, slots=True)
class ServerWrapKey:
    guid: uuid.UUID
    key: bytes


@dataclass(frozen=True, slots=True)
class ClientWrapKey:
    guid: uuid.UUID
    #: None when only the certificate was asked for (`client_wrap_key(..., private=False)`).
    private_key: rsa.RSAPrivateKey | None
    certificate: bytes


#: Parsed private keys by their PRIVATEKEYBLOB (per server): building an RSA key from its numbers
#: checks it, some 70 ms for 2048 bits -- once per key, not once per restore.
_PARSED_KEYS: Final = "bkrp.private_keys"


def server_wrap_key(ctx: CallContext, key_guid: uuid.UUID | None = None) -> ServerWrapKey | None:
    """The ServerWrap key ``key_guid`` (the current one when None) if it is a 2.2.7 object."""
    found = ctx.server.directory.backup_key("server_wrap", key_guid)
    if found is None:
        return None
    guid, value = found
    if len(value) < 4 + SERVER_KEY_SIZE or struct.unpack_from("<I", value)[0] != SERVER_WRAP_VERSION:
        return None
    return ServerWrapKey(guid, value[4:4 + SERVER_KEY_SIZE])


def _integer(blob: bytes, offset: int, size: int) -> tuple[int, int]:
    return int.from_bytes(blob[offset:offset + size], "little"), offset + size


def _private_key(blob: bytes) -> rsa.RSAPrivateKey | None:
    """The key of a PRIVATEKEYBLOB (MS-BKRP 2.2.5): after the 20-byte header, modulus, prime1,
    prime2, exponent1, exponent2, coefficient and private exponent, little-endian."""
    if len(blob) < _HEADER or blob[:1] != b"\x07" or blob[8:12] != b"RSA2":
        return None
    bits, public_exponent = struct.unpack_from("<II", blob, 12)
    if bits != _BITS or len(blob) < _HEADER + 9 * _BITS // 16:
        return None
    offset = _HEADER
    n, offset = _integer(blob, offset, _BITS // 8)
    p, offset = _integer(blob, offset, _BITS // 16)
    q, offset = _integer(blob, offset, _BITS // 16)
    dmp1, offset = _integer(blob, offset, _BITS // 16)
    dmq1, offset = _integer(blob, offset, _BITS // 16)
    iqmp, offset = _integer(blob, offset, _BITS // 16)
    d, offset = _integer(blob, offset, _BITS // 8)
    try:
        return rsa.RSAPrivateNumbers(p, q, d, dmp1, dmq1, iqmp,
                                     rsa.RSAPublicNumbers(public_exponent, n)).private_key()
    except ValueError:
        return None


def client_wrap_key(ctx: CallContext, key_guid: uuid.UUID | None = None, *,
                    private: bool = True) -> ClientWrapKey | None:
    """The ClientWrap key pair ``key_guid`` (the current one when None) if it is a 2.2.5 object;
    ``private=False``: its certificate only (the private key is not parsed)."""
    found = ctx.server.directory.backup_key("client_wrap", key_guid)
    if found is None:
        return None
    guid, value = found
    if len(value) < 12:
        return None
    version, key_length, certificate_length = struct.unpack_from("<III", value)
    if version != CLIENT_WRAP_VERSION or len(value) < 12 + key_length + certificate_length:
        return None
    blob = value[12:12 + key_length]
    private_key = None
    if private:
        parsed: dict[bytes, rsa.RSAPrivateKey | None] = ctx.server.memo(_PARSED_KEYS, dict)
        if blob not in parsed:
            parsed[blob] = _private_key(blob)
        private_key = parsed[blob]
        if private_key is None:
            return None
    return ClientWrapKey(guid, private_key, value[12 + key_length:12 + key_length + certificate_length])
