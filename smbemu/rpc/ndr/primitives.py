"""The type protocol every NDR type implements (`NdrType`: the scalar pass and the deferred pass,
C706 14.3.12.3) and the primitive types: integers, enums, booleans, characters, floats (C706 14.2)."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any, Final

from smbemu.rpc.ndr.stream import Decoder, Encoder, ENDIAN_CHAR, NdrError, pad_to, ZEROS


class NdrType:
    """Base of every NDR type.

    Subclasses implement the two NDR passes:

    * ``push`` / ``pull``: the scalar part, i.e. the representation where the value sits
      (for a pointer: its referent id; for a conformant type: conformance included);
    * ``push_deferred`` / ``pull_deferred``: the referents of embedded pointers.  ``pull``
      returns a placeholder for pointers (the referent id) that ``pull_deferred`` replaces.

    Conformant types also implement ``push_body`` / ``pull_body`` (everything but the hoisted
    ``max_count``) and ``max_count``.
    """

    __slots__ = ("name", "align", "has_buffers", "conformant", "min_size")

    def __init__(self, name: str, align: int, *, has_buffers: bool = False,
                 conformant: bool = False, min_size: int = 0) -> None:
        self.name = name
        self.align = align
        self.has_buffers = has_buffers
        self.conformant = conformant
        self.min_size = min_size

    def __repr__(self) -> str:
        return f"<NDR {self.name}>"

    # scalars
    def push(self, e: Encoder, v: Any) -> None:
        raise NotImplementedError

    def pull(self, d: Decoder) -> Any:
        raise NotImplementedError

    # conformant types only
    def push_body(self, e: Encoder, v: Any) -> None:
        self.push(e, v)

    def pull_body(self, d: Decoder, count: int) -> Any:
        raise NdrError(f"{self.name} is not conformant")

    def max_count(self, v: Any) -> int:
        raise NdrError(f"{self.name} is not conformant")

    # deferred referents
    def push_deferred(self, e: Encoder, v: Any) -> None:
        return None

    # arrays of this type (the scalar parts of every element, then every element's referents)
    def push_items(self, e: Encoder, items: Sequence[Any]) -> None:
        push = self.push
        for x in items:
            push(e, x)

    def push_items_deferred(self, e: Encoder, items: Sequence[Any]) -> None:
        push_deferred = self.push_deferred
        for x in items:
            push_deferred(e, x)

    def pull_deferred(self, d: Decoder, v: Any) -> Any:
        return v

    def default(self) -> Any:
        """A neutral value of this type (0, "", None, [], a dict of defaults...)."""
        raise NotImplementedError


# -------------------------------------------------------------------------------------------
# Primitives
# -------------------------------------------------------------------------------------------


class Primitive(NdrType):
    """A fixed-size integer or float, aligned to its size."""

    __slots__ = ("size", "code", "_mask", "_s")

    def __init__(self, name: str, code: str) -> None:
        size = struct.calcsize("<" + code)
        super().__init__(name, size, min_size=size)
        self.size = size
        self.code = code
        self._mask = size - 1
        self._s = (struct.Struct("<" + code), struct.Struct(">" + code))

    def push(self, e: Encoder, v: Any) -> None:
        buf = e.buf
        pad = -len(buf) & self._mask
        if pad:
            buf += ZEROS[:pad]
        buf += self._s[e.be].pack(v)

    def pull(self, d: Decoder) -> Any:
        p = d.pos
        p += -p & self._mask
        v = self._s[d.be].unpack_from(d.data, p)[0]
        d.pos = p + self.size
        return v

    def push_items(self, e: Encoder, items: Sequence[Any]) -> None:
        if items:
            pad_to(e, self._mask)
            e.buf += struct.pack(f"{ENDIAN_CHAR[e.be]}{len(items)}{self.code}", *items)

    def default(self) -> Any:
        return 0.0 if self.code in "fd" else 0


class Boolean(Primitive):
    __slots__ = ()

    def push(self, e: Encoder, v: Any) -> None:
        super().push(e, 1 if v else 0)

    def pull(self, d: Decoder) -> bool:
        return bool(super().pull(d))

    def push_items(self, e: Encoder, items: Sequence[Any]) -> None:
        Primitive.push_items(self, e, [1 if x else 0 for x in items])

    def default(self) -> bool:
        return False


uint8: Final = Primitive("uint8", "B")
uint16: Final = Primitive("uint16", "H")
uint32: Final = Primitive("uint32", "I")
uint64: Final = Primitive("uint64", "Q")
int8: Final = Primitive("int8", "b")
int16: Final = Primitive("int16", "h")
int32: Final = Primitive("int32", "i")
int64: Final = Primitive("int64", "q")
hyper: Final = int64
uhyper: Final = uint64
#: NDR enums are 16 bits on the wire unless declared ``[v1_enum]`` (C706 14.2.5).
enum16: Final = Primitive("enum16", "H")
enum32: Final = Primitive("enum32", "I")
#: ``__int3264`` / ULONG_PTR / DWORD_PTR: 4 bytes in NDR, 8 in NDR64 (MS-RPCE 2.2.5.3).
uint3264: Final = Primitive("uint3264", "I")
boolean8: Final = Boolean("boolean8", "B")
boolean32: Final = Boolean("boolean32", "I")
wchar: Final = Primitive("wchar", "H")
float32: Final = Primitive("float32", "f")
float64: Final = Primitive("float64", "d")
