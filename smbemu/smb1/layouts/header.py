"""The SMB1 header (MS-CIFS 2.2.3.1) and the frame of every command: WordCount, parameter words,
ByteCount, data (MS-CIFS 2.2.3.2, 2.2.3.3) and the AndX block (2.2.3.4).

The header is read on every message: `HEADER` is its declaration, `unpack_header` /
`pack_header` the same 32 bytes as one struct call."""

from __future__ import annotations

import struct
from typing import NamedTuple

import construct as cs  # type: ignore[import-untyped]

HEADER = cs.Struct(
    "protocol" / cs.Const(b"\xffSMB"),
    "command" / cs.Int8ul,
    "status" / cs.Int32ul,
    "flags" / cs.Int8ul,
    "flags2" / cs.Int16ul,
    "pid_high" / cs.Int16ul,
    "security_features" / cs.Bytes(8),  # the signature once signing is active (MS-CIFS 3.1.4.1)
    "reserved" / cs.Int16ul,
    "tid" / cs.Int16ul,
    "pid_low" / cs.Int16ul,
    "uid" / cs.Int16ul,
    "mid" / cs.Int16ul,
)
_HEADER = struct.Struct("<4sBIBHH8sHHHHH")
assert _HEADER.size == HEADER.sizeof() == 32
SIGNATURE_OFFSET = 14  # SecurityFeatures within the header
STATUS_OFFSET = 5
FLAGS_OFFSET = 9


class Header(NamedTuple):
    command: int
    status: int
    flags: int
    flags2: int
    pid_high: int
    signature: bytes
    tid: int
    pid_low: int
    uid: int
    mid: int

    @property
    def pid(self) -> int:
        return self.pid_high << 16 | self.pid_low


def unpack_header(message: bytes | memoryview) -> Header:
    """The header of `message` (at least 32 bytes, starting with 0xFF 'SMB')."""
    _, command, status, flags, flags2, pid_high, signature, _, tid, pid_low, uid, mid = _HEADER.unpack_from(message, 0)
    return Header(command, status, flags, flags2, pid_high, signature, tid, pid_low, uid, mid)


def pack_header(
    command: int, status: int, flags: int, flags2: int, pid_high: int, tid: int, pid_low: int, uid: int, mid: int
) -> bytes:
    """A header with a zero SecurityFeatures (signing fills it in afterwards)."""
    return _HEADER.pack(b"\xffSMB", command, status, flags, flags2, pid_high, b"\0" * 8, 0, tid, pid_low, uid, mid)


# The AndX block that starts the parameter words of an AndX command (MS-CIFS 2.2.3.4).
ANDX = cs.Struct(
    "andx_command" / cs.Int8ul,
    "andx_reserved" / cs.Int8ul,
    "andx_offset" / cs.Int16ul,
)
_ANDX = struct.Struct("<BBH")
ANDX_SIZE = 4


def pack_andx(command: int, offset: int) -> bytes:
    return _ANDX.pack(command, 0, offset)


def unpack_andx(words: bytes | memoryview) -> tuple[int, int]:
    """(AndXCommand, AndXOffset) of an AndX command's parameter words."""
    command, _, offset = _ANDX.unpack_from(words, 0)
    return command, offset


_SEQUENCE = struct.Struct("<I4x")


def pack_sequence(sequence: int) -> bytes:
    """What SecuritySignature holds while the signature is computed (MS-CIFS 3.1.4.1)."""
    return _SEQUENCE.pack(sequence & 0xFFFFFFFF)


_U16 = struct.Struct("<H")


def read_u16(data: bytes | memoryview, offset: int) -> int:
    """WordCount-relative reads of the frame (ByteCount): one 16-bit little-endian value."""
    value: int = _U16.unpack_from(data, offset)[0]
    return value


def pack_u16(value: int) -> bytes:
    return _U16.pack(value)
