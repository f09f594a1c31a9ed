"""SMB1 message signing (MS-CIFS 3.1.4.1, 3.1.5.1; MS-SMB 3.1.4.1, 3.1.5.1).

The signature is the first 8 bytes of MD5(MAC key + the message with its SecuritySignature field
holding the sequence number), the sequence number counting messages on the connection: a request
takes n, its response n + 1, so each request moves the counter by 2 (an NT_CANCEL, which has no
response, by 1). The MAC key is the session key of the first authenticated session, followed for
a non-extended NTLM logon by the 24-byte NT response (MS-CIFS 3.2.5.3)."""

from __future__ import annotations

import hashlib
import hmac

from smbemu.smb1.layouts.header import SIGNATURE_OFFSET, pack_sequence


def signature(mac_key: bytes, message: bytes | bytearray | memoryview, sequence: int) -> bytes:
    """The 8-byte signature of `message` (its own SecuritySignature bytes are ignored)."""
    digest = hashlib.md5(mac_key)
    digest.update(message[:SIGNATURE_OFFSET])
    digest.update(pack_sequence(sequence))
    digest.update(message[SIGNATURE_OFFSET + 8 :])
    return digest.digest()[:8]


def sign(mac_key: bytes, message: bytearray, sequence: int) -> None:
    message[SIGNATURE_OFFSET : SIGNATURE_OFFSET + 8] = signature(mac_key, message, sequence)


def verify(mac_key: bytes, message: bytes | memoryview, sequence: int) -> bool:
    return hmac.compare_digest(bytes(message[SIGNATURE_OFFSET : SIGNATURE_OFFSET + 8]),
                               signature(mac_key, message, sequence))
