"""The marshalling stream: encoder and decoder state, alignment and count helpers, the one
exception decoding raises (`NdrError`, with its fault status) and the `Sized` value wrapper.

Everything in the other modules of the engine writes through `Encoder` (a bytearray that starts at
the stub start, so ``len(buf)`` is the stream offset alignment is relative to, C706 14.2.2) and
reads through `Decoder`."""

from __future__ import annotations

import codecs
import struct
from typing import Any, Final

from smbemu.status import NCA_S_FAULT_INVALID_TAG, NCA_S_FAULT_NDR



#: First referent id and step (any non-zero value is legal; this is what Windows uses).
_REF_START: Final = 0x00020000
REF_STEP: Final = 4
#: No conformant array may claim more elements than this, whatever the stub says.
_MAX_ELEMENTS: Final = 1 << 24

ZEROS: Final = bytes(16)
U32: Final = (struct.Struct("<I"), struct.Struct(">I"))
U32x2: Final = (struct.Struct("<II"), struct.Struct(">II"))
U32x3: Final = (struct.Struct("<III"), struct.Struct(">III"))
NULL_PTR: Final = b"\x00\x00\x00\x00"
# NDR64 (MS-RPCE 2.2.5.3.1): pointers and conformance/variance counts are 8 bytes, 8-aligned
U64: Final = (struct.Struct("<Q"), struct.Struct(">Q"))
U64x2: Final = (struct.Struct("<QQ"), struct.Struct(">QQ"))
U64x3: Final = (struct.Struct("<QQQ"), struct.Struct(">QQQ"))
NULL_PTR64: Final = bytes(8)
# The codec functions themselves.  ``str.encode("utf-16-le", ...)`` looks the codec up by name
# on every call (about 0.7 us against 0.12 us for the function, measured), and
# ``bytes.decode("utf-16-le")`` goes through a Python wrapper in ``encodings.utf_16_le``.
UTF16_ENCODE: Final = (codecs.utf_16_le_encode, codecs.utf_16_be_encode)
UTF16_DECODE: Final = (codecs.utf_16_le_decode, codecs.utf_16_be_decode)
ENDIAN_CHAR: Final = ("<", ">")


class NdrError(Exception):
    """A stub that cannot be decoded (or a value that cannot be encoded).

    ``status`` is the fault code the runtime answers with.  ``path`` names where it happened,
    e.g. ``NetrShareEnum.InfoStruct.ShareInfo``.
    """

    def __init__(self, message: str, status: int = NCA_S_FAULT_NDR) -> None:
        super().__init__(message)
        self.status = status
        self.path: list[str] = []

    def add_path(self, element: str) -> NdrError:
        self.path.insert(0, element)
        return self

    def __str__(self) -> str:
        base = super().__str__()
        return f"{'.'.join(self.path)}: {base}" if self.path else base


class Sized:
    """A value for a conformant type whose ``max_count`` is larger than its length.

    ``Sized("abc", 20)`` encodes a ``[string, size_is(20)]`` buffer holding "abc"; for
    :data:`RpcUnicodeString` it gives MaximumLength = 2 * max_count.  Decoders return the bare
    value (the max_count of a received buffer is seldom of interest).
    """

    __slots__ = ("value", "max_count")

    def __init__(self, value: Any, max_count: int) -> None:
        self.value = value
        self.max_count = max_count

    def __repr__(self) -> str:
        return f"Sized({self.value!r}, {self.max_count})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Sized) and self.value == other.value
                and self.max_count == other.max_count)

    def __hash__(self) -> int:
        return hash((self.value, self.max_count))


class Encoder:
    """Encoder state: the stub being built, byte order (0 = LE, 1 = BE), next referent id."""

    __slots__ = ("buf", "be", "ref")

    def __init__(self, be: int) -> None:
        self.buf = bytearray()
        self.be = be
        self.ref = _REF_START


class Decoder:
    """Decoder state: the stub, the read position, byte order and full-pointer referents."""

    __slots__ = ("data", "pos", "be", "full")

    def __init__(self, data: bytes, be: int) -> None:
        self.data = data
        self.pos = 0
        self.be = be
        self.full: dict[int, Any] = {}


def pad_to(e: Encoder, mask: int) -> None:
    pad = -len(e.buf) & mask
    if pad:
        e.buf += ZEROS[:pad]


def put_u32(e: Encoder, value: int) -> None:
    buf = e.buf
    pad = -len(buf) & 3
    if pad:
        buf += ZEROS[:pad]
    buf += U32[e.be].pack(value)


def get_u32(d: Decoder) -> int:
    p = d.pos
    p += -p & 3
    v: int = U32[d.be].unpack_from(d.data, p)[0]
    d.pos = p + 4
    return v


def put_u64(e: Encoder, value: int) -> None:
    buf = e.buf
    pad = -len(buf) & 7
    if pad:
        buf += ZEROS[:pad]
    buf += U64[e.be].pack(value)


def get_u64(d: Decoder) -> int:
    p = d.pos
    p += -p & 7
    v: int = U64[d.be].unpack_from(d.data, p)[0]
    d.pos = p + 8
    return v


def check_count(d: Decoder, count: int, min_size: int) -> None:
    if count > _MAX_ELEMENTS or count * min_size > len(d.data) - d.pos:
        raise NdrError(f"array of {count} elements does not fit in the stub")


def unwrap_sized(v: Any) -> Any:
    return v.value if type(v) is Sized else v
