"""The NDR64 transfer syntax (MS-RPCE 2.2.5.3, 71710533-beba-4937-8319-b5dbef9ccc36 v1).

Every type is declared once, for NDR20; :func:`to_ndr64` derives its NDR64 twin (cached), so
an interface works over NDR64 with no code of its own and the NDR20 path pays nothing.  What
NDR64 changes (MS-RPCE 2.2.5.3.1-2.2.5.3.5):

* pointers (referent ids) are 8 bytes, aligned to 8 (2.2.5.3.5); the first is
  0x0000000000020000 as in NDR20 (a Windows client's NDR64 JobAdd in Nate Marx's public
  20171220_smb_at_schedule.pcap carries Referent ID 0x0000000000020000);
* conformance, offset and actual counts are 8 bytes, aligned to 8 (2.2.5.3.3);
* enumerations are 4 bytes (2.2.5.2: "enumerated types ... MUST be represented as signed
  long integers (4 octets)");
* a structure is aligned to its largest member and padded at its end to a multiple of that
  alignment (2.2.5.3.4.1 "Structure with Trailing Gap"); a conformant structure's count
  precedes it, aligned to 8 on its own;
* a union is aligned to the largest of its discriminant and arms, and the arm follows the
  discriminant at that alignment (2.2.5.3.4.6); impacket aligns the arm to 8 whatever the
  arms, which is the same for every union whose arms include a pointer or a hyper;
* arrays align to their elements; GUIDs and context handles keep their NDR20 layout
  (context handles are 20 bytes in both syntaxes, 2.2.5.3.2).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc.ndr.arrays import (
    ConformantArray,
    ConformantBytes,
    ConformantVaryingArray,
    ConformantVaryingBytes,
    FixedArray,
    FixedBytes,
    VaryingArray,
    _pull_items,
    _push_items,
)
from smbemu.rpc.ndr.pointers import Pointer
from smbemu.rpc.ndr.primitives import Boolean, enum16, NdrType, Primitive, uint3264
from smbemu.rpc.ndr.stream import (
    check_count,
    Decoder,
    Encoder,
    get_u64,
    NdrError,
    NULL_PTR64,
    pad_to,
    put_u64,
    REF_STEP,
    Sized,
    U64,
    U64x2,
    U64x3,
    unwrap_sized,
    UTF16_DECODE,
    UTF16_ENCODE,
    ZEROS,
)
from smbemu.rpc.ndr.strings import _RpcUnicodeString, _RpcUnicodeStringEmptyBuffer, _StringBody
from smbemu.rpc.ndr.structure import Struct
from smbemu.rpc.ndr.unions import Union, _NO_DEFAULT
from smbemu.rpc.ndr.wellknown import _ContextHandle, _Guid, _Sid

import struct

#: enum16 becomes a 4-byte enumeration in NDR64 (MS-RPCE 2.2.5.2).
enum16_ndr64: Final = Primitive("enum16", "I")
#: __int3264 becomes 8 bytes in NDR64 (MS-RPCE 2.2.5.3).
uint3264_ndr64: Final = Primitive("uint3264", "Q")


def get_variance64(d: Decoder, max_count: int) -> int:
    p = d.pos
    p += -p & 7
    offset, actual = U64x2[d.be].unpack_from(d.data, p)
    d.pos = p + 16
    if offset > max_count or actual > max_count - offset:
        raise NdrError(f"varying array offset {offset} + count {actual} exceeds {max_count}")
    return int(actual)


def _put_variance64(e: Encoder, actual: int) -> None:
    pad_to(e, 7)
    e.buf += U64x2[e.be].pack(0, actual)


class Pointer64(Pointer):
    """A pointer in NDR64: an 8-byte referent id aligned to 8 (MS-RPCE 2.2.5.3.5)."""

    __slots__ = ()

    def __init__(self, target: NdrType, kind: Any) -> None:
        super().__init__(target, kind)
        self.align = 8
        self.min_size = 8

    def push(self, e: Encoder, v: Any) -> None:
        buf = e.buf
        pad = -len(buf) & 7
        if pad:
            buf += ZEROS[:pad]
        if v is None:
            if self.kind == "ref":
                raise NdrError("NULL [ref] pointer")
            buf += NULL_PTR64
        else:
            ref = e.ref
            e.ref = ref + REF_STEP
            buf += U64[e.be].pack(ref)

    def pull(self, d: Decoder) -> Any:
        ref = get_u64(d)
        if ref == 0 and self.kind == "ref":
            raise NdrError("NULL [ref] pointer")
        return ref

    def pull_with_referent(self, d: Decoder) -> Any:
        if get_u64(d) == 0:
            return None
        return self.target.pull(d)


class Struct64(Struct):
    """A structure in NDR64: 8-byte pointers in its flat layout, an 8-byte hoisted count,
    a trailing pad to its alignment (MS-RPCE 2.2.5.3.4.1)."""

    __slots__ = ()
    _PTR_CODE = "Q"
    _TRAILING_PAD = True

    def push(self, e: Encoder, v: Any) -> None:
        if self.conformant:
            try:
                put_u64(e, self.max_count(v))
            except NdrError as exc:
                raise exc.add_path(self.name) from None
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise NdrError(f"{exc!r}").add_path(self.name) from exc
        self.push_body(e, v)

    def push_body(self, e: Encoder, v: Any) -> None:
        Struct.push_body(self, e, v)
        pad_to(e, self._mask)  # a no-op for a flat layout, which holds its trailing pad

    def pull(self, d: Decoder) -> dict[str, Any]:
        if self.conformant:
            return self.pull_body(d, get_u64(d))
        out = Struct.pull(self, d)
        d.pos += -d.pos & self._mask
        return out

    def pull_body(self, d: Decoder, count: int) -> dict[str, Any]:
        out = Struct.pull_body(self, d, count)
        d.pos += -d.pos & self._mask
        return out


class Union64(Union):
    """A union in NDR64 (MS-RPCE 2.2.5.3.4.6): the whole union, discriminant first, starts at
    the union's alignment (the largest of the discriminant's and the arms'), and the arm
    follows at that alignment too."""

    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.encapsulated = True  # i.e. align the arm (to _arm_mask) after the discriminant
        self._arm_mask = self.align - 1

    def push(self, e: Encoder, v: Any) -> None:
        pad_to(e, self._arm_mask)
        Union.push(self, e, v)

    def pull(self, d: Decoder) -> tuple[int, Any]:
        d.pos += -d.pos & self._arm_mask
        return Union.pull(self, d)


class ConformantArray64(ConformantArray):
    __slots__ = ()

    def push(self, e: Encoder, v: Any) -> None:
        put_u64(e, self.max_count(v))
        self.push_body(e, v)

    def pull(self, d: Decoder) -> list[Any]:
        return self.pull_body(d, get_u64(d))


class ConformantVaryingArray64(ConformantVaryingArray):
    __slots__ = ()

    def __init__(self, item: NdrType) -> None:
        super().__init__(item)
        self.align = max(8, item.align)
        self.min_size = 16

    def push(self, e: Encoder, v: Any) -> None:
        put_u64(e, self.max_count(v))
        self.push_body(e, v)

    def push_body(self, e: Encoder, v: Any) -> None:
        items = unwrap_sized(v)
        if type(v) is Sized and len(items) > v.max_count:
            raise NdrError(f"{self.name}: {len(items)} elements exceed max_count {v.max_count}")
        _put_variance64(e, len(items))
        _push_items(e, self.item, items)

    def pull(self, d: Decoder) -> list[Any]:
        return self.pull_body(d, get_u64(d))

    def pull_body(self, d: Decoder, count: int) -> list[Any]:
        actual = get_variance64(d, count)
        check_count(d, actual, self.item.min_size)
        return _pull_items(d, self.item, actual)


class VaryingArray64(VaryingArray):
    __slots__ = ()

    def __init__(self, item: NdrType, size: int) -> None:
        super().__init__(item, size)
        self.align = max(8, item.align)
        self.min_size = 16

    def push(self, e: Encoder, v: Any) -> None:
        if len(v) > self.size:
            raise NdrError(f"{self.name}: {len(v)} elements exceed {self.size}")
        _put_variance64(e, len(v))
        _push_items(e, self.item, v)

    def pull(self, d: Decoder) -> list[Any]:
        actual = get_variance64(d, self.size)
        check_count(d, actual, self.item.min_size)
        return _pull_items(d, self.item, actual)


class ConformantBytes64(ConformantBytes):
    __slots__ = ()

    def push(self, e: Encoder, v: Any) -> None:
        put_u64(e, self.max_count(v))
        self.push_body(e, v)

    def pull(self, d: Decoder) -> bytes:
        return self.pull_body(d, get_u64(d))


class ConformantVaryingBytes64(ConformantVaryingBytes):
    __slots__ = ()

    def __init__(self) -> None:
        super().__init__()
        self.align = 8
        self.min_size = 16

    def push(self, e: Encoder, v: Any) -> None:
        put_u64(e, self.max_count(v))
        self.push_body(e, v)

    def push_body(self, e: Encoder, v: Any) -> None:
        data = unwrap_sized(v)
        _put_variance64(e, len(data))
        e.buf += data

    def pull(self, d: Decoder) -> bytes:
        return self.pull_body(d, get_u64(d))

    def pull_body(self, d: Decoder, count: int) -> bytes:
        return ConformantBytes.pull_body(self, d, get_variance64(d, count))


class _StringBody64(_StringBody):
    """``[string]`` arrays in NDR64: max_count, offset, actual_count as 8-byte values."""

    __slots__ = ()

    def __init__(self, name: str, width: int) -> None:
        super().__init__(name, width)
        self.align = 8
        self.min_size = 16

    def push(self, e: Encoder, v: Any) -> None:
        max_count = -1
        if type(v) is Sized:
            max_count = v.max_count
            v = v.value
        raw = self._encoders[e.be](v, self._errors)[0]
        n = len(raw) // self.width + 1
        if max_count < 0:
            max_count = n
        elif n > max_count:
            raise NdrError(f"string of {n} characters exceeds max_count {max_count}")
        pad_to(e, 7)
        e.buf += U64x3[e.be].pack(max_count, 0, n)
        e.buf += raw
        e.buf += self._nul

    def push_body(self, e: Encoder, v: Any) -> None:
        raw = self._encoders[e.be](unwrap_sized(v), self._errors)[0]
        _put_variance64(e, len(raw) // self.width + 1)
        e.buf += raw
        e.buf += self._nul

    def pull(self, d: Decoder) -> str:
        p = d.pos
        p += -p & 7
        max_count, offset, actual = U64x3[d.be].unpack_from(d.data, p)
        if offset > max_count or actual > max_count - offset:
            raise NdrError(f"{self.name}: offset {offset} + count {actual} exceeds {max_count}")
        d.pos = p + 24
        return self._chars(d, actual)

    def pull_body(self, d: Decoder, count: int) -> str:
        return self._chars(d, get_variance64(d, count))


class _RpcUnicodeString64(_RpcUnicodeString):
    """RPC_UNICODE_STRING in NDR64: Length, MaximumLength, 4 bytes of pad, an 8-byte
    pointer (16 bytes, aligned to 8); the buffer's counts are 8 bytes."""

    __slots__ = ()
    _HDR = (struct.Struct("<HH4xQ"), struct.Struct(">HH4xQ"))

    def __init__(self) -> None:
        super().__init__()
        self.align = 8
        self.min_size = 16

    def push(self, e: Encoder, v: Any) -> None:
        raw, max_len = self._parts(e.be, v)
        if max_len > 0xFFFF:
            raise NdrError("RPC_UNICODE_STRING longer than 65535 bytes")
        pad_to(e, 7)
        if max_len == 0:
            e.buf += self._HDR[e.be].pack(0, 0, 0)
        else:
            ref = e.ref
            e.ref = ref + REF_STEP
            e.buf += self._HDR[e.be].pack(len(raw), max_len, ref)

    def push_deferred(self, e: Encoder, v: Any) -> None:
        raw, max_len = self._parts(e.be, v)
        if max_len:
            pad_to(e, 7)
            e.buf += U64x3[e.be].pack(max_len // 2, 0, len(raw) // 2)
            e.buf += raw

    def pull(self, d: Decoder) -> Any:
        p = d.pos
        p += -p & 7
        length, max_len, ref = self._HDR[d.be].unpack_from(d.data, p)
        d.pos = p + 16
        if length > max_len:
            raise NdrError("RPC_UNICODE_STRING: Length above MaximumLength")
        return ref

    def pull_deferred(self, d: Decoder, v: Any) -> Any:
        if v == 0:
            return ""
        actual = get_variance64(d, get_u64(d))
        p = d.pos
        end = p + 2 * actual
        if end > len(d.data):
            raise NdrError("RPC_UNICODE_STRING buffer runs past the end of the stub")
        d.pos = end
        text: str = UTF16_DECODE[d.be](d.data[p:end], "surrogatepass", True)[0]
        return text


class _RpcUnicodeStringEmptyBuffer64(_RpcUnicodeString64):
    """:data:`~smbemu.rpc.ndr.strings.RpcUnicodeStringEmptyBuffer` in NDR64: ``""`` is a non-NULL
    pointer to an empty buffer (8-byte counts 0, 0, 0); only ``None`` is NULL."""

    __slots__ = ()

    def push(self, e: Encoder, v: Any) -> None:
        if v is None or self._parts(e.be, v)[1]:
            super().push(e, v)
            return
        pad_to(e, 7)
        ref = e.ref
        e.ref = ref + REF_STEP
        e.buf += self._HDR[e.be].pack(0, 0, ref)

    def push_deferred(self, e: Encoder, v: Any) -> None:
        if v is None:
            return
        if self._parts(e.be, v)[1]:
            super().push_deferred(e, v)
            return
        pad_to(e, 7)
        e.buf += U64x3[e.be].pack(0, 0, 0)


class _Sid64(_Sid):
    """RPC_SID in NDR64: its conformance (SubAuthorityCount) is an 8-byte count."""

    __slots__ = ()

    def push(self, e: Encoder, v: Any) -> None:
        put_u64(e, self.max_count(v))
        self.push_body(e, v)

    def pull(self, d: Decoder) -> str:
        return self.pull_body(d, get_u64(d))


# -------------------------------------------------------------------------------------------
# The conversion
# -------------------------------------------------------------------------------------------

_twins: dict[int, tuple[NdrType, NdrType]] = {}


def to_ndr64(t: NdrType) -> NdrType:
    """The NDR64 twin of an NDR20 type (built once per type, then cached)."""
    kept = _twins.get(id(t))
    if kept is not None:
        return kept[1]
    twin = _convert(t)
    _twins[id(t)] = (t, twin)  # the key object is kept alive with its twin
    return twin


def _convert(t: NdrType) -> NdrType:
    kind = type(t)
    if t is enum16:
        return enum16_ndr64
    if t is uint3264:
        return uint3264_ndr64
    if kind in (Primitive, Boolean, FixedBytes, _Guid, _ContextHandle):
        return t  # same representation in both syntaxes
    if kind is Pointer:
        assert isinstance(t, Pointer)
        return Pointer64(to_ndr64(t.target), t.kind)
    if kind is Struct:
        assert isinstance(t, Struct)
        return Struct64(t.name, [(n, to_ndr64(f)) for n, f in t.fields])
    if kind is Union:
        assert isinstance(t, Union)
        default = t.default_arm
        if isinstance(default, NdrType):
            default = to_ndr64(default)
        switch = to_ndr64(t.switch)
        assert isinstance(switch, Primitive)
        return Union64(switch, {k: None if a is None else to_ndr64(a) for k, a in t.arms.items()},
                       default if default is not _NO_DEFAULT else _NO_DEFAULT,
                       encapsulated=t.encapsulated, name=t.name)
    if kind is FixedArray:
        assert isinstance(t, FixedArray)
        return FixedArray(to_ndr64(t.item), t.count)
    if kind is ConformantArray:
        assert isinstance(t, ConformantArray)
        return ConformantArray64(to_ndr64(t.item))
    if kind is ConformantVaryingArray:
        assert isinstance(t, ConformantVaryingArray)
        return ConformantVaryingArray64(to_ndr64(t.item))
    if kind is VaryingArray:
        assert isinstance(t, VaryingArray)
        return VaryingArray64(to_ndr64(t.item), t.size)
    if kind is ConformantBytes:
        return ConformantBytes64()
    if kind is ConformantVaryingBytes:
        return ConformantVaryingBytes64()
    if kind is _StringBody:
        assert isinstance(t, _StringBody)
        return _StringBody64(t.name, t.width)
    if kind is _RpcUnicodeString:
        return _RpcUnicodeString64()
    if kind is _RpcUnicodeStringEmptyBuffer:
        return _RpcUnicodeStringEmptyBuffer64()
    if kind is _Sid:
        return _Sid64()
    raise TypeError(f"{t.name}: no NDR64 form for {kind.__name__}")
