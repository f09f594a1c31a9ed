"""SMB1 commands on an open pipe, declared as MS-CIFS / MS-SMB draw them.

NT_CREATE_ANDX (MS-CIFS 2.2.4.64, extended response MS-SMB 2.2.4.9.2), OPEN_ANDX (MS-CIFS
2.2.4.41, extended response MS-SMB 2.2.4.1.2), READ_ANDX (MS-CIFS 2.2.4.42, MS-SMB 2.2.4.2),
WRITE_ANDX (MS-CIFS 2.2.4.43, MS-SMB 2.2.4.3), CLOSE (MS-CIFS 2.2.4.5), NT_CANCEL (MS-CIFS
2.2.4.65: no parameters, no data, never answered).

The declarations are the parameter words a handler sees and returns: WITHOUT the WordCount byte
and, for AndX commands, WITHOUT the 4-byte AndX block (AndXCommand, AndXReserved, AndXOffset),
which the engine reads and writes. A command that has two word counts (READ_ANDX 10 / 12,
WRITE_ANDX 12 / 14: 32- or 64-bit offsets) has one declaration per form; the handler picks it by
the length of the words.
"""

from __future__ import annotations

import struct
from collections import namedtuple
from typing import Any

import construct as cs  # type: ignore[import-untyped]

from smbemu.errors import SmbStatusError
from smbemu.status import NtStatus


class Fixed:
    """A message part of fixed-size fields: declared once with construct (`declaration`), read and
    written through the `struct` codec derived from that declaration (the pipe commands are the
    per-call path of every RPC over SMB1; construct interpreted costs about 1 µs a field).
    `tests/unit/smb1/test_pipes_layouts.py` proves both read and write every declaration alike.

    `parse` answers a part shorter than its declaration with STATUS_INVALID_PARAMETER (what a
    malformed request gets, MS-CIFS 3.3.5.x); bytes after it are not its business (the handler
    checks WordCount where the command has several forms)."""

    __slots__ = ("declaration", "codec", "names", "record")

    def __init__(self, name: str, *fields: Any) -> None:
        self.declaration = cs.Struct(*fields)
        self.codec = struct.Struct("<" + "".join(_format(field) for field in self.declaration.subcons))
        self.names = tuple(field.name for field in self.declaration.subcons)
        self.record: Any = namedtuple(name, self.names)  # type: ignore[misc]

    def sizeof(self) -> int:
        return self.codec.size

    def parse(self, data: bytes | memoryview) -> Any:
        if len(data) < self.codec.size:
            raise SmbStatusError(NtStatus.INVALID_PARAMETER, f"{self.record.__name__} is {len(data)} bytes, "
                                                              f"{self.codec.size} expected")
        return self.record._make(self.codec.unpack_from(data))

    def build(self, **fields: Any) -> bytes:
        return self.codec.pack(*[fields[name] for name in self.names])


def _format(field: Any) -> str:
    """The `struct` format of one declared field: a little-endian integer or fixed-length bytes."""
    inner = field.subcon
    if isinstance(inner, cs.FormatField):
        return str(inner.fmtstr[1:])
    if isinstance(inner, cs.Bytes) and isinstance(inner.length, int):
        return f"{inner.length}s"
    raise TypeError(f"{field.name}: only fixed-size integers and bytes are declared in a Fixed part")


def parse(layout: Fixed, data: bytes | memoryview) -> Any:
    return layout.parse(data)


def build(layout: Fixed, **fields: Any) -> bytes:
    return layout.build(**fields)


#: The SMB header's size (MS-CIFS 2.2.3.1): data offsets are counted from its start.
SMB1_HEADER_SIZE = 32
#: WordCount byte + ByteCount field around a command's words (MS-CIFS 2.2.3.2, 2.2.3.3).
WORD_COUNT_SIZE = 1
BYTE_COUNT_SIZE = 2
#: The AndX block the engine adds in front of an AndX command's words (MS-CIFS 2.2.4.x).
ANDX_BLOCK_SIZE = 4

# ----------------------------------------------------------------------------- NT_CREATE_ANDX
# MS-CIFS 2.2.4.64.1: WordCount 0x18 (with the AndX block). Data: [Pad to an even offset when
# Unicode] FileName (NameLength bytes; Unicode names may or may not carry a terminating NUL).
NtCreateAndxRequest = Fixed("NtCreateAndxRequest",
    "reserved" / cs.Int8ul,
    "name_length" / cs.Int16ul,
    "flags" / cs.Int32ul,
    "root_directory_fid" / cs.Int32ul,
    "desired_access" / cs.Int32ul,
    "allocation_size" / cs.Int64ul,
    "ext_file_attributes" / cs.Int32ul,
    "share_access" / cs.Int32ul,
    "create_disposition" / cs.Int32ul,
    "create_options" / cs.Int32ul,
    "impersonation_level" / cs.Int32ul,
    "security_flags" / cs.Int8ul,
)

# MS-CIFS 2.2.4.64.2: WordCount 0x22 (with the AndX block), ByteCount 0.
_NT_CREATE_RESPONSE_FIELDS = (
    "oplock_level" / cs.Int8ul,
    "fid" / cs.Int16ul,
    "create_disposition" / cs.Int32ul,
    "create_time" / cs.Int64ul,
    "last_access_time" / cs.Int64ul,
    "last_write_time" / cs.Int64ul,
    "last_change_time" / cs.Int64ul,
    "ext_file_attributes" / cs.Int32ul,
    "allocation_size" / cs.Int64ul,
    "end_of_file" / cs.Int64ul,
    "resource_type" / cs.Int16ul,
    "nmpipe_status" / cs.Int16ul,
    "directory" / cs.Int8ul,
)
NtCreateAndxResponse = Fixed("NtCreateAndxResponse", *_NT_CREATE_RESPONSE_FIELDS)

# MS-SMB 2.2.4.9.2: asked for with NT_CREATE_REQUEST_EXTENDED_RESPONSE. The words are 50 (with
# the AndX block) while the WordCount byte says 42 (0x2A): what Windows puts on the wire, and what
# Samba copies ("We return 50 words, but only set the wcnt to 42", source3/smbd/nttrans.c
# do_ntcreate_pipe_open); Wireshark and impacket read it so.
NtCreateAndxExtendedResponse = Fixed("NtCreateAndxExtendedResponse",
    *_NT_CREATE_RESPONSE_FIELDS,
    "volume_guid" / cs.Bytes(16),
    "file_id" / cs.Int64ul,
    "maximal_access_rights" / cs.Int32ul,
    "guest_maximal_access_rights" / cs.Int32ul,
)
NT_CREATE_EXTENDED_WORD_COUNT = 0x2A

# --------------------------------------------------------------------------------- OPEN_ANDX
# MS-CIFS 2.2.4.41.1: WordCount 0x0F (with the AndX block). Data: [Pad] FileName (SMB_STRING).
OpenAndxRequest = Fixed("OpenAndxRequest",
    "flags" / cs.Int16ul,
    "access_mode" / cs.Int16ul,
    "search_attrs" / cs.Int16ul,
    "file_attrs" / cs.Int16ul,
    "creation_time" / cs.Int32ul,
    "open_mode" / cs.Int16ul,
    "allocation_size" / cs.Int32ul,
    "timeout" / cs.Int32ul,
    "reserved" / cs.Bytes(4),
)

# MS-CIFS 2.2.4.41.2: WordCount 0x0F (with the AndX block), ByteCount 0.
_OPEN_RESPONSE_FIELDS = (
    "fid" / cs.Int16ul,
    "file_attrs" / cs.Int16ul,
    "last_write_time" / cs.Int32ul,
    "file_data_size" / cs.Int32ul,
    "access_rights" / cs.Int16ul,
    "resource_type" / cs.Int16ul,
    "nmpipe_status" / cs.Int16ul,
    "open_results" / cs.Int16ul,
)
OpenAndxResponse = Fixed("OpenAndxResponse", *_OPEN_RESPONSE_FIELDS, "reserved" / cs.Bytes(6))
# MS-SMB 2.2.4.1.2: WordCount 0x13 (with the AndX block), asked for with
# SMB_OPEN_EXTENDED_RESPONSE.
OpenAndxExtendedResponse = Fixed("OpenAndxExtendedResponse",
    *_OPEN_RESPONSE_FIELDS,
    "server_fid" / cs.Int32ul,
    "reserved" / cs.Int16ul,
    "maximal_access_rights" / cs.Int32ul,
    "guest_maximal_access_rights" / cs.Int32ul,
)

# --------------------------------------------------------------------------------- READ_ANDX
# MS-CIFS 2.2.4.42.1 / MS-SMB 2.2.4.2.1: WordCount 0x0A, or 0x0C with OffsetHigh. On a pipe the
# union Timeout_or_MaxCountHigh is the 32-bit Timeout (MS-SMB 3.3.5.7).
_READ_FIELDS = (
    "fid" / cs.Int16ul,
    "offset" / cs.Int32ul,
    "max_count" / cs.Int16ul,
    "min_count" / cs.Int16ul,
    "timeout" / cs.Int32ul,
    "remaining" / cs.Int16ul,
)
ReadAndxRequest = Fixed("ReadAndxRequest", *_READ_FIELDS)
ReadAndxRequest64 = Fixed("ReadAndxRequest64", *_READ_FIELDS, "offset_high" / cs.Int32ul)

# MS-CIFS 2.2.4.42.2 / MS-SMB 2.2.4.2.2: WordCount 0x0C (with the AndX block). Data: Pad, Data;
# DataOffset counts from the start of the SMB header.
ReadAndxResponse = Fixed("ReadAndxResponse",
    "available" / cs.Int16ul,
    "data_compaction_mode" / cs.Int16ul,
    "reserved1" / cs.Int16ul,
    "data_length" / cs.Int16ul,
    "data_offset" / cs.Int16ul,
    "data_length_high" / cs.Int16ul,
    "reserved2" / cs.Bytes(8),
)

# -------------------------------------------------------------------------------- WRITE_ANDX
# MS-CIFS 2.2.4.43.1 / MS-SMB 2.2.4.3.1: WordCount 0x0C, or 0x0E with OffsetHigh. On a pipe
# WriteMode carries the message-mode bits (RAW_MODE 0x0004 / MSG_START 0x0008) and Remaining the
# bytes of the whole message still to come (MS-CIFS 2.2.4.43.1). DataOffset counts from the
# start of the SMB header; DataLengthHigh is MS-SMB's (CAP_LARGE_WRITEX).
_WRITE_FIELDS = (
    "fid" / cs.Int16ul,
    "offset" / cs.Int32ul,
    "timeout" / cs.Int32ul,
    "write_mode" / cs.Int16ul,
    "remaining" / cs.Int16ul,
    "data_length_high" / cs.Int16ul,
    "data_length" / cs.Int16ul,
    "data_offset" / cs.Int16ul,
)
WriteAndxRequest = Fixed("WriteAndxRequest", *_WRITE_FIELDS)
WriteAndxRequest64 = Fixed("WriteAndxRequest64", *_WRITE_FIELDS, "offset_high" / cs.Int32ul)

# MS-CIFS 2.2.4.43.2 / MS-SMB 2.2.4.3.2: WordCount 0x06 (with the AndX block), ByteCount 0.
WriteAndxResponse = Fixed("WriteAndxResponse",
    "count" / cs.Int16ul,
    "available" / cs.Int16ul,
    "count_high" / cs.Int16ul,
    "reserved" / cs.Int16ul,
)

# ------------------------------------------------------------------------------------- CLOSE
# MS-CIFS 2.2.4.5.1: WordCount 0x03. The response has no words and no data.
CloseRequest = Fixed("CloseRequest",
    "fid" / cs.Int16ul,
    "last_time_modified" / cs.Int32ul,
)

# NT_CANCEL (MS-CIFS 2.2.4.65.1): WordCount 0, ByteCount 0; no response (2.2.4.65.2).
NtCancelRequest = Fixed("NtCancelRequest")


# ------------------------------------------------------------------------------- strings / offsets
def smb_string(raw: memoryview | bytes, start: int, end: int, unicode: bool) -> str:
    """The SMB_STRING at `start` of the message (MS-CIFS 2.2.1.1.1): a Unicode string starts on
    an even offset from the start of the SMB header (a pad byte before it otherwise) and ends at
    its NUL or at `end`; an OEM string ends at its NUL or at `end`."""
    if unicode:
        if start % 2:
            start += 1
        text = bytes(raw[start:end])
        if len(text) % 2:
            text = text[:-1]
        for index in range(0, len(text), 2):
            if text[index] == 0 and text[index + 1] == 0:
                text = text[:index]
                break
        return text.decode("utf-16-le", "replace")
    text = bytes(raw[start:end])
    nul = text.find(b"\x00")
    return (text if nul < 0 else text[:nul]).decode("latin-1")


def bytes_offset(command_offset: int, word_bytes: int, andx: bool) -> int:
    """Where a response's data bytes start in the message: after the WordCount byte, the AndX
    block (for AndX commands), the words and the ByteCount (MS-CIFS 2.2.3.2, 2.2.3.3);
    `command_offset` is where the command's WordCount byte sits (32 for the first command)."""
    return command_offset + WORD_COUNT_SIZE + (ANDX_BLOCK_SIZE if andx else 0) + word_bytes + BYTE_COUNT_SIZE
