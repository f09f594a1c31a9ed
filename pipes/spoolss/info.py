"""The flat buffers of MS-RPRN: PRINTER_INFO_n, DRIVER_INFO_n and DEVMODE as RpcEnumPrinters,
RpcGetPrinter and RpcEnumPrinterDrivers return them (MS-RPRN 2.2.2 "Custom-Marshaled Data
Types": each structure's fixed part, its pointers as 32-bit offsets relative to the start of
that structure, the strings and other variable data after the fixed parts; an array of
structures is the fixed parts one after the other, every offset relative to its own element).

A field is ``("s", text)`` (a NUL-terminated UTF-16LE string, offset 0 for None), ``("m", list)``
(a multi-string, MS-RPRN 2.2.3.3 "multisz": each string NUL-terminated, then one more NUL;
offset 0 for None), ``("b", bytes)``
(a variable blob, 4-byte aligned: a DEVMODE or a security descriptor; offset 0 for None),
``("u32", n)`` or ``("u16", n)`` or ``("raw", bytes)`` (a fixed part written as is)."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any, Final

Field = tuple[str, Any]
_FIXED_SIZE: Final = {"s": 4, "m": 4, "b": 4, "u32": 4, "u16": 2}


def _fixed_size(fields: Sequence[Field]) -> int:
    return sum(len(v) if kind == "raw" else _FIXED_SIZE[kind] for kind, v in fields)


def pack(records: Sequence[Sequence[Field]]) -> bytes:
    """The buffer holding ``records`` (fixed parts first, then the variable data)."""
    sizes = [_fixed_size(r) for r in records]
    fixed_total = sum(sizes)
    fixed = bytearray()
    data = bytearray()
    base = 0
    for record, size in zip(records, sizes):
        for kind, value in record:
            if kind == "u32":
                fixed += struct.pack("<I", value)
            elif kind == "u16":
                fixed += struct.pack("<H", value)
            elif kind == "raw":
                fixed += value
            elif value is None:
                fixed += b"\x00\x00\x00\x00"
            else:
                if kind == "b":
                    data += bytes(-(fixed_total + len(data)) % 4)
                    blob = value
                elif kind == "m":
                    blob = ("".join(text + "\x00" for text in value) + "\x00").encode("utf-16-le")
                else:
                    blob = (value + "\x00").encode("utf-16-le")
                fixed += struct.pack("<I", fixed_total + len(data) - base)
                data += blob
        base += size
    return bytes(fixed + data)


# -------------------------------------------------------------------------------------------
# DEVMODE (MS-RPRN 2.2.2.1), the printer's default settings
# -------------------------------------------------------------------------------------------

#: dmFields: ORIENTATION | PAPERSIZE | SCALE | COPIES | DEFAULTSOURCE | PRINTQUALITY | COLOR |
#: DUPLEX | YRESOLUTION | TTOPTION | COLLATE | FORMNAME (what a LaserJet driver sets; U).
_DM_FIELDS: Final = 0x00010001 | 0x2 | 0x10 | 0x100 | 0x200 | 0x400 | 0x800 | 0x1000 \
    | 0x2000 | 0x4000 | 0x8000


def devmode(device_name: str) -> bytes:
    """A 220-byte DEVMODEW (dmSize 0xDC, dmSpecVersion 0x0401, no driver-private part):
    portrait, Letter, 100 %, one copy, automatic tray, 600 dpi, monochrome, simplex, form
    "Letter" (U: the fixture names no driver settings; these are a LaserJet's defaults)."""
    name = device_name[:31].encode("utf-16-le").ljust(64, b"\x00")
    form = "Letter".encode("utf-16-le").ljust(64, b"\x00")
    head = struct.pack("<HHHHI", 0x0401, 0x0600, 220, 0, _DM_FIELDS)
    # orientation, papersize, paperlength, paperwidth, scale, copies, defaultsource,
    # printquality, color, duplex, yresolution, ttoption, collate
    shorts = struct.pack("<13H", 1, 1, 0, 0, 100, 1, 7, 600, 1, 1, 600, 1, 1)
    tail = struct.pack("<H13I", 0, *([0] * 13))
    blob = name + head + shorts + form + tail
    assert len(blob) == 220
    return blob


__all__ = ["Field", "pack", "devmode"]
