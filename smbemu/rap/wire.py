"""The RAP wire format: the request in the TRANSACTION's parameters, and the response's
parameters and data, marshalled by their descriptor strings (MS-RAP 2.5.1, 2.5.2, 2.5.11).

A request (MS-RAP 2.5.1) is ``RAPOpcode`` (16 bits), ``ParamDesc`` and ``DataDesc`` (ASCII,
NUL-terminated), then the parameters ``ParamDesc`` describes (``W`` a word, ``D`` a dword, ``z``
an ASCII string; ``r``/``L``/``e``/``h`` are the receive buffer and its output words and occupy
nothing in the request except ``L``, the receive buffer's length, a word).

A response (MS-RAP 2.5.2) is ``Win32ErrorCode``, ``Converter`` and the command's output words
in the parameters, and the fixed-size records then their strings in the data.  The records are
packed from the start of the client's receive buffer and each record's strings downwards from
its end, as Windows does (MS-RAP 4.1: in a 4096-byte buffer the first share's remark sits in the
last 14 bytes); the unused middle is then dropped and the ``Converter`` is chosen so that a
string pointer minus the converter is the string's offset in the data returned (MS-RAP 2.5.2).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from smbemu.errors import SmbStatusError
from smbemu.status import (
    ERROR_MORE_DATA,
    NERR_BUF_TOO_SMALL,
    NERR_SUCCESS,
    STATUS_INVALID_PARAMETER,
)

__all__ = ["RapRequest", "parse_request", "Record", "Packed", "pack_records", "record_size",
           "ascii_bytes", "BadRequest"]

#: One item of a data descriptor: a letter and its optional count (``B13``, ``W``, ``z``).
_ITEM: Final = re.compile(r"([A-Za-z])(\d*)")
_WORD: Final = struct.Struct("<H")
_DWORD: Final = struct.Struct("<I")


class BadRequest(SmbStatusError):
    """A request Windows refuses at the SMB level: a ParamDesc that does not match the opcode,
    or parameters cut short.  MS-RAP Appendix A <67>-<91>: "Windows-based servers will fail the
    underlying SMB_COM_TRANSACT request with STATUS_INVALID_PARAMETER, instead of sending back
    an error in the RAP response" (Samba's api_reply does the same for truncated parameters)."""

    def __init__(self, why: str) -> None:
        super().__init__(STATUS_INVALID_PARAMETER, f"RAP: {why}")


@dataclass(slots=True)
class RapRequest:
    """A parsed request; the command's parameters are read in order with :meth:`word`,
    :meth:`dword` and :meth:`string`, which raise :class:`BadRequest` past the end."""

    opcode: int
    param_desc: str
    data_desc: str
    params: bytes
    position: int

    def word(self) -> int:
        end = self.position + 2
        if end > len(self.params):
            raise BadRequest(f"parameters end before a word at offset {self.position}")
        value: int = _WORD.unpack_from(self.params, self.position)[0]
        self.position = end
        return value

    def dword(self) -> int:
        end = self.position + 4
        if end > len(self.params):
            raise BadRequest(f"parameters end before a dword at offset {self.position}")
        value: int = _DWORD.unpack_from(self.params, self.position)[0]
        self.position = end
        return value

    def string(self) -> str:
        """An ASCII, NUL-terminated parameter (``z``); bytes above 0x7F are kept as Latin-1
        (MS-RAP 1.7: "interpreted in the code page of the processing system")."""
        end = self.params.find(b"\x00", self.position)
        if end < 0:
            raise BadRequest(f"unterminated string at offset {self.position}")
        value = self.params[self.position:end].decode("latin-1")
        self.position = end + 1
        return value


def parse_request(params: bytes) -> RapRequest:
    """The opcode and both descriptors; the rest is left for the command to read."""
    request = RapRequest(0, "", "", bytes(params), 0)
    request.opcode = request.word()
    request.param_desc = request.string()
    request.data_desc = request.string()
    return request


def ascii_bytes(text: str) -> bytes:
    """A string as RAP carries it: one byte per character, ``?`` for what ASCII / Latin-1
    cannot hold (MS-RAP 1.7: RAP has no Unicode)."""
    return text.encode("latin-1", "replace")


# ---------------------------------------------------------------------------------- records


def _items(descriptor: str) -> list[tuple[str, int]]:
    return [(letter, int(count) if count else 1) for letter, count in _ITEM.findall(descriptor)]


def record_size(descriptor: str) -> int:
    """Bytes of one fixed-size record of a data descriptor (MS-RAP 2.5.1: ``B``\\ n bytes,
    ``W`` 2, ``D`` 4, ``z`` a 4-byte string pointer, ``b``\\ n a 4-byte pointer to n bytes)."""
    size = 0
    for letter, count in _items(descriptor):
        size += 4 if letter in "zb" else {"B": 1, "W": 2, "D": 4}[letter] * count
    return size


#: The values of one record, in descriptor order: ``str`` for ``B``\ n and ``z``, ``int`` for
#: ``B`` (one byte), ``W``, ``D``, ``bytes`` for ``b``\ n; ``None`` for a NULL pointer.
Record = Sequence["str | int | bytes | None"]


@dataclass(frozen=True, slots=True)
class Packed:
    """Marshalled records: the response data, the converter, how many records fit, and the
    status the packing itself calls for (NERR_Success, ERROR_MORE_DATA, NERR_BufTooSmall)."""

    data: bytes
    converter: int
    returned: int
    status: int
    #: The bytes every record and string would need (a GetInfo's TotalBytesAvailable).
    needed: int


def _fixed(descriptor: str, values: Record, strings: list[bytes | None]) -> bytearray:
    """A record's fixed part with string pointers left 0; the strings to place go to
    ``strings`` (None for a NULL pointer), in order."""
    out = bytearray()
    items = iter(values)
    for letter, count in _items(descriptor):
        value = next(items)
        if letter == "B" and count > 1:
            # A fixed-length ASCII field, NUL-padded, the last byte always NUL.
            raw = ascii_bytes(str(value or ""))[:count - 1]
            out += raw.ljust(count, b"\x00")
        elif letter == "B":
            out.append(int(value or 0) & 0xFF)
        elif letter == "W":
            out += _WORD.pack(int(value or 0) & 0xFFFF)
        elif letter == "D":
            out += _DWORD.pack(int(value or 0) & 0xFFFFFFFF)
        elif letter == "b":
            # A pointer to ``count`` bytes of data (LAN Manager's logon hours).
            raw = value if isinstance(value, bytes) else b""
            strings.append(None if value is None else raw[:count].ljust(count, b"\x00"))
            out += bytes(4)
        else:  # "z"
            strings.append(None if value is None else ascii_bytes(str(value)) + b"\x00")
            out += bytes(4)
    return out


def _pointer_offsets(descriptor: str) -> list[int]:
    offsets, position = [], 0
    for letter, count in _items(descriptor):
        if letter in "zb":
            offsets.append(position)
            position += 4
        else:
            position += {"B": 1, "W": 2, "D": 4}[letter] * count
    return offsets


def pack_records(descriptor: str, records: Sequence[Record], buffer_size: int) -> Packed:
    """Pack ``records`` into a receive buffer of ``buffer_size`` bytes (MS-RAP 2.5.11).

    A record goes in only when its whole fixed part fits (else ERROR_MORE_DATA, and
    NERR_BufTooSmall when not even the first fits); a string that no longer fits gets a 0
    pointer and ERROR_MORE_DATA.  A NULL ``z`` value is a 0 pointer (MS-RAP Appendix A <59>:
    Windows sets some pointers to NULL)."""
    fixed_len = record_size(descriptor)
    pointers = _pointer_offsets(descriptor)
    buffer_size = max(0, min(buffer_size, 0xFFFF))
    fixed = bytearray()
    tail: list[bytes] = []  # strings, from the end of the buffer downwards
    low = buffer_size  # where the lowest placed string starts
    status = NERR_SUCCESS
    returned = needed = 0
    for values in records:
        strings: list[bytes | None] = []
        record = _fixed(descriptor, values, strings)
        needed += fixed_len + sum(len(s) for s in strings if s is not None)
        if status != NERR_SUCCESS or len(fixed) + fixed_len > low:
            status = ERROR_MORE_DATA
            continue
        fixed_at = len(fixed)
        for where, string in zip(pointers, strings):
            if string is None:
                continue
            if len(string) > low - (fixed_at + fixed_len):
                status = ERROR_MORE_DATA
                continue
            low -= len(string)
            tail.append(string)
            _DWORD.pack_into(record, where, low)
        fixed += record
        returned += 1
    if returned == 0 and records:
        return Packed(b"", 0, 0, NERR_BUF_TOO_SMALL, needed)
    converter = low - len(fixed)
    data = bytes(fixed) + b"".join(reversed(tail))
    # Pointers hold the string's place in the client's whole buffer; the data returned keeps
    # only the used ends, so offset = pointer - converter (MS-RAP 2.5.2 "Converter").
    return Packed(data, converter & 0xFFFF, returned, status, needed)
