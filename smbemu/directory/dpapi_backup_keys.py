"""The domain's DPAPI backup keys, kept as the LSA secrets a Windows DC keeps them in.

A domain controller holds the keys of the BackupKey Remote Protocol (MS-BKRP 3.1.1) as global
LSA secret objects, which is how ``dpapi.py backupkeys`` / mimikatz ``lsadump::backupkeys`` read
them back (LsarRetrievePrivateData, MS-LSAD 3.1.4.6.6) -- the "DPAPI domain backup key theft"
lab topic:

* ``G$BCKUPKEY_P``: the GUID (MS-DTYP 2.3.4.2 binary form) of the current **ServerWrap** key
  (MS-BKRP 3.1.1.1, 3.1.4.1.1), the "legacy" key of Windows 2000 DCs;
* ``G$BCKUPKEY_PREFERRED``: the GUID of the current **ClientWrap** key pair (3.1.1.2,
  3.1.4.1.3);
* ``G$BCKUPKEY_<GUIDString>`` (MS-DTYP 2.3.4.3, lower case as Windows names the secret objects:
  DSInternals' Get-LsaBackupKey output, W): the key itself -- a ServerWrap key as MS-BKRP 2.2.7
  (version 1, then 256 random bytes), a ClientWrap key pair as 2.2.5 (version 2, the private
  key as a CryptoAPI PRIVATEKEYBLOB, then the self-signed certificate of 2.2.1).

Windows creates them when the domain is created (dcpromo); smbemu creates them the first time
they are needed -- a BackuprKey call or an LSA read of a ``G$BCKUPKEY_`` name -- so that
starting a server stays fast (a 2048-bit RSA key pair costs some 25 ms here), and stores them
with the other LSA secrets (``Directory.lsa_secrets``), so ``--state`` keeps them and every
reader sees the same keys.  The secret table is seeded here too (DPAPI_SYSTEM, which every
Windows machine has: MS-LSAD 3.1.1.4's secret objects), so that whichever reader comes first
finds the same table.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import struct
import uuid
from typing import Any, Final

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from smbemu.filetime import filetime_now

__all__ = ["PREFERRED_SECRET", "SERVER_WRAP_SECRET", "KEY_SECRET_PREFIX", "key_secret_name",
           "seeded_secrets", "with_backup_keys", "backup_key", "client_wrap_key_pair", "certificate_der"]

SERVER_WRAP_SECRET: Final = "G$BCKUPKEY_P"
PREFERRED_SECRET: Final = "G$BCKUPKEY_PREFERRED"
KEY_SECRET_PREFIX: Final = "G$BCKUPKEY_"
#: MS-BKRP 2.2.7: a ServerWrap key object is version 1 then 256 random bytes (3.1.4.1.1 step 2).
SERVER_WRAP_VERSION: Final = 1
SERVER_WRAP_KEY_SIZE: Final = 256
#: MS-BKRP 2.2.5: a ClientWrap key pair object is version 2, the PRIVATEKEYBLOB length (0x494:
#: a 20-byte header and the 1,152 bytes of a 2048-bit key's parts), the certificate length.
CLIENT_WRAP_VERSION: Final = 2
RSA_BITS: Final = 2048
PRIVATE_KEY_BLOB_SIZE: Final = 0x494
#: CryptoAPI PUBLICKEYSTRUC of the blob (MS-BKRP 2.2.5's fixed bytes): PRIVATEKEYBLOB (7),
#: CUR_BLOB_VERSION (2), CALG_RSA_KEYX (0xA400); then RSAPUBKEY's magic "RSA2" and bit length.
_BLOB_HEADER: Final = struct.pack("<BBHI4sI", 0x07, 0x02, 0, 0x0000A400, b"RSA2", RSA_BITS)
#: MS-BKRP 2.2.1: the certificate is valid for exactly 365 days from the key's creation.
CERTIFICATE_LIFETIME: Final = datetime.timedelta(days=365)
#: sha1RSA (OIW 1.3.14.3.2.29), the signature algorithm MS-BKRP 2.2.1 gives the self-signed
#: certificate (U: the section's last bullets, as Windows DCs sign it; Samba signs with SHA-1 too).
_SHA1_RSA_OIW: Final = "1.3.14.3.2.29"
_COMMON_NAME: Final = "2.5.4.3"


def key_secret_name(key_guid: uuid.UUID) -> str:
    """MS-BKRP 3.1.4.1.1: ``G$BCKUPKEY_`` and the key's GUIDString."""
    return KEY_SECRET_PREFIX + str(key_guid)


def _entry(value: bytes, now: int) -> dict[str, Any]:
    """A secret as the directory keeps it (pipes/lsarpc/secrets.py's table: hex values, FILETIMEs)."""
    return {"current": value.hex(), "old": None, "current_time": now, "old_time": now}


def seeded_secrets(directory: Any) -> dict[str, dict[str, Any]]:
    """The LSA secret table, seeded on first use with the machine's DPAPI_SYSTEM: a version and
    two 20-byte keys drawn from the machine SID (U: the layout Windows stores)."""
    if directory.lsa_secrets is None:
        seed = hashlib.sha256(f"smbemu:DPAPI_SYSTEM:{directory.machine.sid}".encode()).digest()
        value = (struct.pack("<I", 1) + seed + hashlib.sha1(seed).digest())[:44]
        directory.lsa_secrets = {"DPAPI_SYSTEM": {"current": value.hex(), "old": value.hex(),
                                                  "current_time": 0, "old_time": 0}}
    secrets: dict[str, dict[str, Any]] = directory.lsa_secrets
    return secrets


def _current(secrets: dict[str, dict[str, Any]], name: str) -> bytes | None:
    lower = name.lower()
    for key, entry in secrets.items():
        if key.lower() == lower and entry.get("current") is not None:
            return bytes.fromhex(entry["current"])
    return None


def backup_key(secrets: dict[str, dict[str, Any]], pointer: str,
               key_guid: uuid.UUID | None = None) -> tuple[uuid.UUID, bytes] | None:
    """The value of ``G$BCKUPKEY_<guid>`` for ``key_guid``, or, when None, for the GUID the
    ``pointer`` secret holds (SERVER_WRAP_SECRET or PREFERRED_SECRET: the current key); None
    when there is no such secret."""
    if key_guid is None:
        current = _current(secrets, pointer)
        if current is None or len(current) != 16:
            return None
        key_guid = uuid.UUID(bytes_le=current)
    value = _current(secrets, key_secret_name(key_guid))
    return None if value is None else (key_guid, value)


def _key_present(secrets: dict[str, dict[str, Any]], pointer: str, version: int) -> bool:
    """The pointer secret names a key secret of the expected format version (3.1.4.1.1 step 1,
    3.1.4.1.3 step 2: otherwise a new key is made)."""
    found = backup_key(secrets, pointer)
    return found is not None and len(found[1]) >= 4 and struct.unpack_from("<I", found[1])[0] == version


def with_backup_keys(secrets: dict[str, dict[str, Any]], dns_domain: str) -> dict[str, dict[str, Any]] | None:
    """A copy of ``secrets`` with the keys that are missing created (MS-BKRP 3.1.4.1.1 step 2,
    3.1.4.1.3 step 3), or None when both kinds are there already."""
    table = {key: dict(entry) for key, entry in secrets.items()}
    now = filetime_now()
    created = False
    if not _key_present(table, SERVER_WRAP_SECRET, SERVER_WRAP_VERSION):
        key_guid = uuid.uuid4()
        value = struct.pack("<I", SERVER_WRAP_VERSION) + os.urandom(SERVER_WRAP_KEY_SIZE)
        table[key_secret_name(key_guid)] = _entry(value, now)
        table[SERVER_WRAP_SECRET] = _entry(key_guid.bytes_le, now)
        created = True
    if not _key_present(table, PREFERRED_SECRET, CLIENT_WRAP_VERSION):
        key_guid = uuid.uuid4()
        table[key_secret_name(key_guid)] = _entry(client_wrap_key_pair(key_guid, dns_domain), now)
        table[PREFERRED_SECRET] = _entry(key_guid.bytes_le, now)
        created = True
    return table if created else None


# -------------------------------------------------------------------------------------------
# The ClientWrap key pair (MS-BKRP 2.2.5) and its certificate (2.2.1)
# -------------------------------------------------------------------------------------------


def _le(value: int, size: int) -> bytes:
    return value.to_bytes(size, "little")


def client_wrap_key_pair(key_guid: uuid.UUID, dns_domain: str,
                         created: datetime.datetime | None = None) -> bytes:
    """MS-BKRP 2.2.5: a new 2048-bit RSA key pair (3.1.4.1.3 step 3) as version, lengths, the
    PRIVATEKEYBLOB (its integers little-endian: modulus, prime1, prime2, exponent1, exponent2,
    coefficient, private exponent) and the certificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    numbers = key.private_numbers()
    public = numbers.public_numbers
    half = RSA_BITS // 16
    blob = b"".join((_BLOB_HEADER, _le(public.e, 4), _le(public.n, RSA_BITS // 8),
                     _le(numbers.p, half), _le(numbers.q, half), _le(numbers.dmp1, half),
                     _le(numbers.dmq1, half), _le(numbers.iqmp, half), _le(numbers.d, RSA_BITS // 8)))
    certificate = certificate_der(key, key_guid, dns_domain,
                                  created or datetime.datetime.now(datetime.timezone.utc))
    return struct.pack("<III", CLIENT_WRAP_VERSION, len(blob), len(certificate)) + blob + certificate


def _der(tag: int, content: bytes) -> bytes:
    """One DER TLV (X.690 8.1: definite length, short form below 128 bytes)."""
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(raw))) + raw + content


def _oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    body = bytearray([40 * parts[0] + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        while part > 0x7F:
            part >>= 7
            chunk.append(0x80 | (part & 0x7F))
        body += bytes(reversed(chunk))
    return _der(0x06, bytes(body))


def _name(common_name: str) -> bytes:
    """Name ::= RDNSequence with the one CN (PrintableString when its characters allow it, as
    CryptoAPI encodes a domain name; UTF8String otherwise)."""
    printable = all(c.isascii() and (c.isalnum() or c in " '()+,-./:=?") for c in common_name)
    value = _der(0x13 if printable else 0x0C, common_name.encode())
    return _der(0x30, _der(0x31, _der(0x30, _oid(_COMMON_NAME) + value)))


def _utc_time(moment: datetime.datetime) -> bytes:
    return _der(0x17, moment.astimezone(datetime.timezone.utc).strftime("%y%m%d%H%M%SZ").encode())


def certificate_der(key: rsa.RSAPrivateKey, key_guid: uuid.UUID, dns_domain: str,
                    created: datetime.datetime) -> bytes:
    """MS-BKRP 2.2.1: the DER X.509 v3 certificate of the public key, self-signed: subject and
    issuer CN = the DNS domain name; serialNumber = the key GUID, whose bytes (MS-DTYP 2.3.4.2)
    CryptoAPI writes as a little-endian integer, so the DER serial is them reversed (Samba's
    rpc.backupkey test, written against Windows, checks exactly that); issuerUniqueID =
    subjectUniqueID = the GUID; valid from the key's creation for 365 days; no extensions.
    Built by hand: X.509 libraries do not write unique identifiers."""
    guid_bytes = key_guid.bytes_le
    serial = bytes(reversed(guid_bytes))
    if serial[0] & 0x80:
        serial = b"\x00" + serial  # X.690 8.3: a positive INTEGER
    algorithm = _der(0x30, _oid(_SHA1_RSA_OIW) + _der(0x05, b""))
    spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    name = _name(dns_domain)
    created = created.replace(microsecond=0)
    tbs = _der(0x30, b"".join((
        _der(0xA0, _der(0x02, b"\x02")),          # [0] version v3 (2)
        _der(0x02, serial),
        algorithm,
        name,                                      # issuer
        _der(0x30, _utc_time(created) + _utc_time(created + CERTIFICATE_LIFETIME)),
        name,                                      # subject
        spki,                                      # rsaEncryption (1.2.840.113549.1.1.1)
        _der(0x81, b"\x00" + guid_bytes),          # [1] IMPLICIT issuerUniqueID BIT STRING
        _der(0x82, b"\x00" + guid_bytes),          # [2] IMPLICIT subjectUniqueID BIT STRING
    )))
    signature = key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())
    return _der(0x30, tbs + algorithm + _der(0x03, b"\x00" + signature))
