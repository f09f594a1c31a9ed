"""How drsuapi sends secret attributes (MS-DRSR 4.1.10.6, the server's EncryptValuesIfNecessary
step, and MS-SAMR 2.2.11.1.3), and the ATTRTYP <-> OID mapping of the prefix tables
(MS-DRSR 5.16.4).

Two layers protect a password hash on the wire:

* the RID layer (MS-SAMR 2.2.11.1.3, used for unicodePwd, dBCSPwd, ntPwdHistory, lmPwdHistory:
  MS-DRSR 4.1.10.6): each 16-byte hash is two DES-ECB blocks under keys made from the
  account's RID, bytes r0..r3 little-endian: K1 = r0 r1 r2 r3 r0 r1 r2, K2 = r3 r0 r1 r2 r3 r0 r1
  (each 7-byte key spread to 8 bytes with the parity bit, MS-SAMR 2.2.11.1.2);
* the session layer (MS-DRSR 4.1.10.6, ENCRYPTED_PAYLOAD 4.1.10.2.16): a random 16-byte Salt, then
  RC4 under MD5(SessionKey || Salt) over CheckSum (the CRC-32 of the clear value) followed by the
  value.  SessionKey is the key of the RPC security context the client bound with (the NTLM
  session key of the bind; impacket's DecryptAttributeValue reads it the same way, W).
"""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from typing import Any, Final


def _ciphers() -> tuple[Any, Any, Any, Any]:
    """(Cipher, modes, ARC4, TripleDES), imported on first use: the cipher bindings cost a
    server's start ~50 ms, and only a replication of secrets needs them."""
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    try:  # where cryptography keeps ARC4 / TripleDES from 43 on, and where it kept them before
        from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4, TripleDES
    except ImportError:  # pragma: no cover - cryptography < 43
        from cryptography.hazmat.primitives.ciphers.algorithms import ARC4, TripleDES  # type: ignore[no-redef,attr-defined,unused-ignore]
    return Cipher, modes, ARC4, TripleDES


#: MS-DRSR 4.1.10.6 (EncryptValuesIfNecessary): the attributes whose values go encrypted (their OIDs, MS-ADA3).
SECRET_OIDS: Final = frozenset({
    "1.2.840.113556.1.4.90",   # unicodePwd
    "1.2.840.113556.1.4.55",   # dBCSPwd
    "1.2.840.113556.1.4.94",   # ntPwdHistory
    "1.2.840.113556.1.4.160",  # lmPwdHistory
    "1.2.840.113556.1.4.125",  # supplementalCredentials
    "1.2.840.113556.1.4.155",  # currentValue
    "1.2.840.113556.1.4.49",   # priorValue
    "1.2.840.113556.1.4.129",  # trustAuthIncoming
    "1.2.840.113556.1.4.135",  # trustAuthOutgoing
})


def _spread(key7: bytes) -> bytes:
    """MS-SAMR 2.2.11.1.2 / the DES key schedule: 56 bits to 8 bytes, the low bit of each byte
    the (odd) parity bit."""
    bits = int.from_bytes(key7, "big")
    out = bytearray()
    for i in range(8):
        seven = (bits >> (49 - 7 * i)) & 0x7F
        byte = seven << 1
        out.append(byte | (bin(byte).count("1") + 1) % 2)
    return bytes(out)


def _des(key7: bytes, block: bytes) -> bytes:
    Cipher, modes, _arc4, TripleDES = _ciphers()
    encryptor = Cipher(TripleDES(_spread(key7) * 3), modes.ECB()).encryptor()
    return bytes(encryptor.update(block) + encryptor.finalize())


def rid_keys(rid: int) -> tuple[bytes, bytes]:
    r = struct.pack("<I", rid)
    return (r + r[:3], r[3:] + r + r[:2])


def with_rid_layer(hashes: bytes, rid: int) -> bytes:
    """Each 16-byte hash in ``hashes`` under the RID layer (module docstring)."""
    k1, k2 = rid_keys(rid)
    return b"".join(_des(k1, hashes[i:i + 8]) + _des(k2, hashes[i + 8:i + 16])
                    for i in range(0, len(hashes), 16))


def encrypt_value(value: bytes, session_key: bytes, salt: bytes | None = None) -> bytes:
    """ENCRYPTED_PAYLOAD (MS-DRSR 4.1.10.2.16) of ``value`` under ``session_key`` (module docstring)."""
    salt = salt if salt is not None else os.urandom(16)
    key = hashlib.md5(session_key + salt).digest()
    Cipher, _modes, ARC4, _des3 = _ciphers()
    encryptor = Cipher(ARC4(key), mode=None).encryptor()
    plain = struct.pack("<I", zlib.crc32(value) & 0xFFFFFFFF) + value
    return salt + bytes(encryptor.update(plain) + encryptor.finalize())


# -- the prefix table (MS-DRSR 5.16.4) ---------------------------------------------------------


def ber_oid(oid: str) -> bytes:
    """The BER contents octets of an OID (X.690 8.19): the first two arcs in one number, each
    arc base-128 with the high bit on all but its last octet."""
    arcs = [int(a) for a in oid.split(".")]
    numbers = [arcs[0] * 40 + arcs[1], *arcs[2:]]
    out = bytearray()
    for n in numbers:
        chunk = [n & 0x7F]
        n >>= 7
        while n:
            chunk.append(0x80 | (n & 0x7F))
            n >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)


def oid_from_ber(data: bytes) -> str:
    arcs: list[int] = []
    n = 0
    for octet in data:
        n = (n << 7) | (octet & 0x7F)
        if not octet & 0x80:
            arcs.append(n)
            n = 0
    if not arcs:
        raise ValueError("empty OID")
    first = arcs[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(a) for a in head + arcs[1:])


#: The prefixes of the schema's default prefix table (MS-DRSR 5.16.4, its first entries) that
#: the attributes smbemu sends use, by their index in that table.
DEFAULT_PREFIXES: Final = {
    0: "2.5.4",                   # cn, ...
    2: "1.2.840.113556.1.2",      # whenCreated, ...
    9: "1.2.840.113556.1.4",      # sAMAccountName, unicodePwd, objectSid, ...
}


def split_oid(oid: str) -> tuple[bytes, int]:
    """(the BER prefix, the last arc) as MakeAttid (5.16.4) splits an OID."""
    encoded = ber_oid(oid)
    last = int(oid.rsplit(".", 1)[1])
    return (encoded[:-1] if last < 128 else encoded[:-2]), last


def make_attrtyp(oid: str, prefixes: dict[bytes, int]) -> int:
    """MakeAttid (5.16.4): the prefix's index in the upper word, the last arc mod 16384 in the
    lower (0x8000 set when the arc is 16384 or more)."""
    prefix, last = split_oid(oid)
    index = prefixes[prefix]
    return (index << 16) | (last % 16384) | (0x8000 if last >= 16384 else 0)


def oid_from_attrtyp(attrtyp: int, table: dict[int, bytes]) -> str | None:
    """OidFromAttid (5.16.4) under the prefix table ``table`` (index -> BER prefix); None when
    the index is not in it."""
    prefix = table.get(attrtyp >> 16)
    if prefix is None:
        return None
    low = attrtyp & 0xFFFF
    if low >= 0x8000:
        low -= 0x8000
    if low < 128:
        encoded = prefix + bytes([low])
    else:
        encoded = prefix + bytes([0x80 | (low >> 7) & 0x7F, low & 0x7F])
    try:
        return oid_from_ber(encoded)
    except ValueError:
        return None


def server_prefix_table() -> tuple[dict[bytes, int], list[dict[str, object]]]:
    """The server's prefixes (BER prefix -> index) and its SCHEMA_PREFIX_TABLE entries."""
    prefixes = {ber_oid(oid): index for index, oid in DEFAULT_PREFIXES.items()}
    entries = [{"ndx": index, "prefix": {"length": len(prefix), "elements": prefix}}
               for prefix, index in sorted(prefixes.items(), key=lambda item: item[1])]
    return prefixes, entries
