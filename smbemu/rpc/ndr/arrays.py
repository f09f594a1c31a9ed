"""Arrays (C706 14.3.3-14.3.5): fixed, conformant, conformant-varying and varying ones, and their
byte-string forms (``bytes`` values, packed without a per-element call)."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

from smbemu.rpc.ndr.primitives import NdrType, Primitive
from smbemu.rpc.ndr.stream import (
    check_count,
    Decoder,
    Encoder,
    ENDIAN_CHAR,
    get_u32,
    NdrError,
    put_u32,
    Sized,
    U32,
    U32x2,
    unwrap_sized,
)


def _push_items(e: Encoder, item: NdrType, items: Sequence[Any]) -> None:
    item.push_items(e, items)


def _pull_items(d: Decoder, item: NdrType, count: int) -> list[Any]:
    if type(item) is Primitive:
        if not count:
            return []
        p = d.pos
        p += -p & (item.align - 1)
        values = list(struct.unpack_from(f"{ENDIAN_CHAR[d.be]}{count}{item.code}", d.data, p))
        d.pos = p + count * item.size
        return values
    pull = item.pull
    return [pull(d) for _ in range(count)]


def _push_items_deferred(e: Encoder, item: NdrType, items: Sequence[Any]) -> None:
    if item.has_buffers:
        item.push_items_deferred(e, items)


def _pull_items_deferred(d: Decoder, item: NdrType, items: list[Any]) -> list[Any]:
    pull_deferred = item.pull_deferred
    return [pull_deferred(d, x) for x in items]


class FixedArray(NdrType):
    """``T a[n]``: n elements, no counts on the wire."""

    __slots__ = ("item", "count")

    def __init__(self, item: NdrType, count: int) -> None:
        if item.conformant:
            raise TypeError(f"array of conformant {item.name}")
        super().__init__(f"{item.name}[{count}]", item.align, has_buffers=item.has_buffers,
                         min_size=item.min_size * count)
        self.item = item
        self.count = count

    def push(self, e: Encoder, v: Any) -> None:
        if len(v) != self.count:
            raise NdrError(f"{self.name} needs {self.count} elements, got {len(v)}")
        _push_items(e, self.item, v)

    def pull(self, d: Decoder) -> list[Any]:
        return _pull_items(d, self.item, self.count)

    def push_deferred(self, e: Encoder, v: Any) -> None:
        _push_items_deferred(e, self.item, v)

    def pull_deferred(self, d: Decoder, v: Any) -> list[Any]:
        return _pull_items_deferred(d, self.item, v)

    def default(self) -> list[Any]:
        return [self.item.default() for _ in range(self.count)]


class ConformantArray(NdrType):
    """``[size_is(n)] T a[]``: max_count, then the elements (max_count hoisted in structs)."""

    __slots__ = ("item",)

    def __init__(self, item: NdrType) -> None:
        if item.conformant:
            raise TypeError(f"array of conformant {item.name}")
        super().__init__(f"{item.name}[*]", item.align, has_buffers=item.has_buffers,
                         conformant=True)
        self.item = item

    def max_count(self, v: Any) -> int:
        return v.max_count if type(v) is Sized else len(v)

    def push(self, e: Encoder, v: Any) -> None:
        put_u32(e, self.max_count(v))
        self.push_body(e, v)

    def push_body(self, e: Encoder, v: Any) -> None:
        items = unwrap_sized(v)
        if type(v) is Sized and len(items) != v.max_count:
            raise NdrError(f"{self.name}: a conformant array holds exactly max_count elements")
        _push_items(e, self.item, items)

    def pull(self, d: Decoder) -> list[Any]:
        return self.pull_body(d, get_u32(d))

    def pull_body(self, d: Decoder, count: int) -> list[Any]:
        check_count(d, count, self.item.min_size)
        return _pull_items(d, self.item, count)

    def push_deferred(self, e: Encoder, v: Any) -> None:
        _push_items_deferred(e, self.item, unwrap_sized(v))

    def pull_deferred(self, d: Decoder, v: Any) -> list[Any]:
        return _pull_items_deferred(d, self.item, v)

    def default(self) -> list[Any]:
        return []


def get_variance(d: Decoder, max_count: int) -> int:
    p = d.pos
    p += -p & 3
    offset, actual = U32x2[d.be].unpack_from(d.data, p)
    d.pos = p + 8
    if offset > max_count or actual > max_count - offset:
        raise NdrError(f"varying array offset {offset} + count {actual} exceeds {max_count}")
    return int(actual)


class ConformantVaryingArray(NdrType):
    """``[size_is(m), length_is(n)] T a[]``: max_count, offset (0), actual_count, elements."""

    __slots__ = ("item",)

    def __init__(self, item: NdrType) -> None:
        if item.conformant:
            raise TypeError(f"array of conformant {item.name}")
        super().__init__(f"{item.name}[*v]", max(4, item.align), has_buffers=item.has_buffers,
                         conformant=True, min_size=8)
        self.item = item

    def max_count(self, v: Any) -> int:
        return v.max_count if type(v) is Sized else len(v)

    def push(self, e: Encoder, v: Any) -> None:
        put_u32(e, self.max_count(v))
        self.push_body(e, v)

    def push_body(self, e: Encoder, v: Any) -> None:
        items = unwrap_sized(v)
        if type(v) is Sized and len(items) > v.max_count:
            raise NdrError(f"{self.name}: {len(items)} elements exceed max_count {v.max_count}")
        put_u32(e, 0)
        e.buf += U32[e.be].pack(len(items))
        _push_items(e, self.item, items)

    def pull(self, d: Decoder) -> list[Any]:
        return self.pull_body(d, get_u32(d))

    def pull_body(self, d: Decoder, count: int) -> list[Any]:
        actual = get_variance(d, count)
        check_count(d, actual, self.item.min_size)
        return _pull_items(d, self.item, actual)

    def push_deferred(self, e: Encoder, v: Any) -> None:
        _push_items_deferred(e, self.item, unwrap_sized(v))

    def pull_deferred(self, d: Decoder, v: Any) -> list[Any]:
        return _pull_items_deferred(d, self.item, v)

    def default(self) -> list[Any]:
        return []


class VaryingArray(NdrType):
    """``[length_is(n)] T a[size]``: offset (0), actual_count, elements; no max_count."""

    __slots__ = ("item", "size")

    def __init__(self, item: NdrType, size: int) -> None:
        if item.conformant:
            raise TypeError(f"array of conformant {item.name}")
        super().__init__(f"{item.name}[{size}v]", max(4, item.align),
                         has_buffers=item.has_buffers, min_size=8)
        self.item = item
        self.size = size

    def push(self, e: Encoder, v: Any) -> None:
        if len(v) > self.size:
            raise NdrError(f"{self.name}: {len(v)} elements exceed {self.size}")
        put_u32(e, 0)
        e.buf += U32[e.be].pack(len(v))
        _push_items(e, self.item, v)

    def pull(self, d: Decoder) -> list[Any]:
        actual = get_variance(d, self.size)
        check_count(d, actual, self.item.min_size)
        return _pull_items(d, self.item, actual)

    def push_deferred(self, e: Encoder, v: Any) -> None:
        _push_items_deferred(e, self.item, v)

    def pull_deferred(self, d: Decoder, v: Any) -> list[Any]:
        return _pull_items_deferred(d, self.item, v)

    def default(self) -> list[Any]:
        return []


class FixedBytes(NdrType):
    """``unsigned char a[n]`` as ``bytes``."""

    __slots__ = ("count",)

    def __init__(self, count: int) -> None:
        super().__init__(f"uint8[{count}]", 1, min_size=count)
        self.count = count

    def push(self, e: Encoder, v: Any) -> None:
        if len(v) != self.count:
            raise NdrError(f"{self.name} needs {self.count} bytes, got {len(v)}")
        e.buf += v

    def pull(self, d: Decoder) -> bytes:
        p = d.pos
        end = p + self.count
        if end > len(d.data):
            raise NdrError(f"{self.name} runs past the end of the stub")
        d.pos = end
        return bytes(d.data[p:end])

    def default(self) -> bytes:
        return bytes(self.count)


class ConformantBytes(NdrType):
    """``[size_is(n)] unsigned char a[]`` as ``bytes``."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__("uint8[*]", 1, conformant=True)

    def max_count(self, v: Any) -> int:
        return v.max_count if type(v) is Sized else len(v)

    def push(self, e: Encoder, v: Any) -> None:
        put_u32(e, self.max_count(v))
        self.push_body(e, v)

    def push_body(self, e: Encoder, v: Any) -> None:
        e.buf += unwrap_sized(v)

    def pull(self, d: Decoder) -> bytes:
        return self.pull_body(d, get_u32(d))

    def pull_body(self, d: Decoder, count: int) -> bytes:
        p = d.pos
        end = p + count
        if end > len(d.data):
            raise NdrError(f"{self.name} of {count} bytes runs past the end of the stub")
        d.pos = end
        return bytes(d.data[p:end])

    def default(self) -> bytes:
        return b""


class ConformantVaryingBytes(ConformantBytes):
    """``[size_is(m), length_is(n)] unsigned char a[]`` as ``bytes``."""

    __slots__ = ()

    def __init__(self) -> None:
        NdrType.__init__(self, "uint8[*v]", 4, conformant=True, min_size=8)

    def push_body(self, e: Encoder, v: Any) -> None:
        data = unwrap_sized(v)
        put_u32(e, 0)
        e.buf += U32[e.be].pack(len(data))
        e.buf += data

    def pull_body(self, d: Decoder, count: int) -> bytes:
        actual = get_variance(d, count)
        return ConformantBytes.pull_body(self, d, actual)
