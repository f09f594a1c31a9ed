"""SMB1 session and tree commands, declared as MS-CIFS / MS-SMB draw them.

SESSION_SETUP_ANDX with extended security (MS-SMB 2.2.4.6.1, 2.2.4.6.2) and in the NT LM 0.12
form without it (MS-CIFS 2.2.4.53.1, 2.2.4.53.2); TREE_CONNECT_ANDX (MS-CIFS 2.2.4.55, with the
extended response of MS-SMB 2.2.4.7.2); LOGOFF_ANDX (MS-CIFS 2.2.4.54); TREE_DISCONNECT
(MS-CIFS 2.2.4.51).

The declarations are the parameter words a handler sees and returns: WITHOUT the WordCount byte
and WITHOUT the 4-byte AndX block (AndXCommand, AndXReserved, AndXOffset), which the engine reads
and writes. The variable data (blobs, passwords, strings) is located by the lengths in the words
and by the string rules below, which need the data's absolute offset in the message (Unicode
strings start on an even offset from the start of the SMB header, MS-CIFS 2.2.1.1.1 SMB_STRING).
"""

from __future__ import annotations

import construct as cs  # type: ignore[import-untyped]

from typing import Any

from smbemu.errors import SmbStatusError
from smbemu.status import NtStatus

# ------------------------------------------------------------------ SESSION_SETUP_ANDX requests
# MS-SMB 2.2.4.6.1: WordCount 12 (with the AndX block), CAP_EXTENDED_SECURITY in Capabilities.
# Data: SecurityBlob[SecurityBlobLength], Pad (Unicode alignment), NativeOS, NativeLanMan.
SESSION_SETUP_EXTENDED_WORDS = 12
SessionSetupExtendedRequest = cs.Struct(
    "max_buffer_size" / cs.Int16ul,
    "max_mpx_count" / cs.Int16ul,
    "vc_number" / cs.Int16ul,
    "session_key" / cs.Int32ul,
    "security_blob_length" / cs.Int16ul,
    "reserved" / cs.Int32ul,
    "capabilities" / cs.Int32ul,
)

# MS-CIFS 2.2.4.53.1: WordCount 13 (with the AndX block). Data: OEMPassword[OEMPasswordLen],
# UnicodePassword[UnicodePasswordLen], Pad (Unicode alignment), AccountName, PrimaryDomain,
# NativeOS, NativeLanMan.
SESSION_SETUP_NT_WORDS = 13
SessionSetupNtRequest = cs.Struct(
    "max_buffer_size" / cs.Int16ul,
    "max_mpx_count" / cs.Int16ul,
    "vc_number" / cs.Int16ul,
    "session_key" / cs.Int32ul,
    "oem_password_len" / cs.Int16ul,
    "unicode_password_len" / cs.Int16ul,
    "reserved" / cs.Int32ul,
    "capabilities" / cs.Int32ul,
)

# ----------------------------------------------------------------- SESSION_SETUP_ANDX responses
# MS-SMB 2.2.4.6.2: WordCount 4. Data: SecurityBlob, Pad, NativeOS, NativeLanMan.
SessionSetupExtendedResponse = cs.Struct(
    "action" / cs.Int16ul,
    "security_blob_length" / cs.Int16ul,
)

# MS-CIFS 2.2.4.53.2: WordCount 3. Data: Pad, NativeOS, NativeLanMan, PrimaryDomain.
SessionSetupNtResponse = cs.Struct(
    "action" / cs.Int16ul,
)

#: Action bits (MS-CIFS 2.2.4.53.2): the session is a guest logon; the LM session key is used.
SMB_SETUP_GUEST = 0x0001
SMB_SETUP_USE_LANMAN_KEY = 0x0002

# ------------------------------------------------------------------- TREE_CONNECT_ANDX
# MS-CIFS 2.2.4.55.1 / MS-SMB 2.2.4.7.1: WordCount 4. Data: Password[PasswordLength], Pad,
# Path (SMB_STRING), Service (OEM_STRING).
TreeConnectRequest = cs.Struct(
    "flags" / cs.Int16ul,
    "password_length" / cs.Int16ul,
)
TREE_CONNECT_ANDX_DISCONNECT_TID = 0x0001
TREE_CONNECT_ANDX_EXTENDED_SIGNATURES = 0x0004
TREE_CONNECT_ANDX_EXTENDED_RESPONSE = 0x0008

# MS-CIFS 2.2.4.55.2: WordCount 3. Data: Service (OEM_STRING), NativeFileSystem (SMB_STRING).
TreeConnectResponse = cs.Struct(
    "optional_support" / cs.Int16ul,
)

# MS-SMB 2.2.4.7.2: WordCount 7, sent when the request set TREE_CONNECT_ANDX_EXTENDED_RESPONSE.
TreeConnectExtendedResponse = cs.Struct(
    "optional_support" / cs.Int16ul,
    "maximal_share_access_rights" / cs.Int32ul,
    "guest_maximal_share_access_rights" / cs.Int32ul,
)

#: OptionalSupport bits (MS-CIFS 2.2.4.55.2, MS-SMB 2.2.4.7.2).
SMB_SUPPORT_SEARCH_BITS = 0x0001
SMB_SHARE_IS_IN_DFS = 0x0002
SMB_CSC_NO_CACHING = 0x000C
SMB_UNIQUE_FILE_NAME = 0x0010
SMB_EXTENDED_SIGNATURES = 0x0020

# --------------------------------------------------------- LOGOFF_ANDX, TREE_DISCONNECT
# MS-CIFS 2.2.4.54: LOGOFF_ANDX has WordCount 2 (the AndX block alone) and no data either way.
# MS-CIFS 2.2.4.51: TREE_DISCONNECT has WordCount 0 and ByteCount 0 either way.
EMPTY_REPLY: tuple[bytes, bytes] = (b"", b"")


# ------------------------------------------------------------------------- boundary
def parse_words(layout: Any, words: memoryview | bytes) -> Any:
    """The parameter words of a request, read with their declaration. Another number of words
    than the command has is STATUS_INVALID_SMB (ERRSRV/ERRerror, MS-CIFS 2.2.2.4: the SMB is
    malformed) -- the engine has already checked that WordCount fits in the message."""
    if len(words) != layout.sizeof():
        raise SmbStatusError(NtStatus.INVALID_SMB, f"{len(words) // 2} parameter words, not {layout.sizeof() // 2}")
    return layout.parse(bytes(words))


def build_words(layout: Any, **fields: Any) -> bytes:
    """The parameter words of a response, from their declaration."""
    return bytes(layout.build(fields))


# ------------------------------------------------------------------------- strings
def read_string(raw: memoryview | bytes, offset: int, end: int, *, unicode: bool) -> tuple[str, int]:
    """An SMB_STRING at ``offset`` of the message ``raw`` (MS-CIFS 2.2.1.1.1): UTF-16LE from the
    next even offset (the pad byte skipped) up to a 16-bit NUL, or OEM up to a NUL byte; the
    string may also end where the data does (``end``) without a terminator, as some clients
    send the last one. Returns the text and the offset after its terminator."""
    if unicode:
        offset += offset & 1
        position = offset
        while position + 1 < end and (raw[position] or raw[position + 1]):
            position += 2
        text = bytes(raw[offset:min(position, end)]).decode("utf-16-le", "replace")
        return text, min(position + 2, end)
    position = offset
    while position < end and raw[position]:
        position += 1
    return bytes(raw[offset:position]).decode("cp437", "replace"), min(position + 1, end)


def read_oem_string(raw: memoryview | bytes, offset: int, end: int) -> tuple[str, int]:
    """An OEM_STRING (MS-CIFS 2.2.1.1.1): bytes up to a NUL, never Unicode (the Service field)."""
    return read_string(raw, offset, end, unicode=False)


def smb_string(text: str, *, unicode: bool, offset: int) -> bytes:
    """``text`` as an SMB_STRING whose first byte lands at ``offset`` of the message: a pad byte
    first when Unicode would start odd, then UTF-16LE or OEM (code page 437), NUL-terminated."""
    if unicode:
        return (b"\x00" if offset & 1 else b"") + text.encode("utf-16-le") + b"\x00\x00"
    return text.encode("cp437", "replace") + b"\x00"


def oem_string(text: str) -> bytes:
    return text.encode("ascii", "replace") + b"\x00"


def data_slice(data: memoryview | bytes, start: int, length: int, what: str) -> bytes:
    """``length`` bytes at ``start`` of the data, or STATUS_INVALID_PARAMETER (ERRSRV/ERRerror in
    DOS form) when the data is shorter than the words say."""
    if start + length > len(data):
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, f"{what} runs past ByteCount")
    return bytes(data[start:start + length])
