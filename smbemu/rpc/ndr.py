"""A declarative NDR20 engine (C706 chapter 14, MS-RPCE 2.2.5).

Types are described once, as data, at module level::

    SHARE_INFO_1 = Struct("SHARE_INFO_1", [
        ("shi1_netname", WString),
        ("shi1_type", uint32),
        ("shi1_remark", WString),
    ])
    SHARE_INFO_1_CONTAINER = Struct("SHARE_INFO_1_CONTAINER", [
        ("EntriesRead", uint32),
        ("Buffer", Pointer(ConformantArray(SHARE_INFO_1))),
    ])

and every type object carries precomputed encoders and decoders, so the per-call path does
no schema building and no ``isinstance`` dispatch: encoding a value is a walk over bound methods
chosen when the type was defined.

Values are plain Python:

=====================================  ==============================================
NDR                                    Python value
=====================================  ==============================================
integers, enums                        ``int``
``boolean8`` / ``boolean32``           ``bool`` (any truthy value is accepted)
structures                             ``dict`` keyed by field name
fixed / conformant / varying arrays    ``list`` (``bytes`` for the ``*Bytes`` types)
unions                                 ``(tag, arm_value)`` tuple
unique / full pointers                 the referent, or ``None`` for NULL
``[string] wchar_t*``, RPC_UNICODE_STRING  ``str`` (no terminating NUL)
RPC_SID                                ``str`` in ``S-1-5-21-...`` form
GUID                                   ``uuid.UUID``
context handle                         20 ``bytes`` (canonical little-endian form)
=====================================  ==============================================

Rules implemented (C706 14.3):

* every primitive is aligned to its size, relative to the start of the stub (the encoder's
  buffer starts at the stub start, so ``len(buffer)`` is the stream offset);
* a structure is aligned to its most-aligned member; no trailing padding (NDR20);
* a conformant structure (one whose last member is a conformant array, or a structure that
  is itself conformant) carries the array's ``max_count`` at its very start, before the
  structure's own alignment; nested conformant structures hoist it to the outermost one
  (C706 14.3.7.1);
* pointers embedded in a construct are written as referent ids where they sit, and their
  referents are *deferred*: they follow the whole embedding construct, in the order the
  pointers appear, depth first (C706 14.3.12.3).  A top-level parameter is its own
  outermost construct: its referents follow it immediately.  A top-level ``[ref]`` pointer
  has no representation of its own (C706 14.3.10);
* referent ids are deterministic: a counter starting at 0x00020000, +4 per non-NULL pointer,
  so golden bytes are stable;
* integer byte order follows the caller's ``little_endian`` flag (the drep of the PDU).

A top-level parameter's value may be wrapped in :class:`Memo` when the same value is sent
again and again (a share list): its bytes are then computed once and copied afterwards.

Decoding garbage raises exactly one exception type, :class:`NdrError`; its ``status`` is the
fault the RPC runtime sends (``nca_s_fault_ndr`` 0x000006F7 unless a more precise one applies).
Trailing bytes after the last parameter are ignored (Windows clients append the MS-RPCE
2.2.2.13 verification trailer after the stub).
"""

from __future__ import annotations

import codecs
import functools
import operator
import re
import struct
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Literal

from smbemu.status import NCA_S_FAULT_INVALID_TAG, NCA_S_FAULT_NDR

__all__ = [
    "NCA_S_FAULT_NDR",
    "NCA_S_FAULT_INVALID_TAG",
    "NdrError",
    "Sized",
    "NdrType",
    "Primitive",
    "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
    "hyper", "uhyper", "enum16", "enum32", "boolean8", "boolean32", "wchar", "float32", "float64",
    "Struct", "Pointer", "FixedArray", "ConformantArray", "ConformantVaryingArray", "VaryingArray",
    "FixedBytes", "ConformantBytes", "ConformantVaryingBytes",
    "WSTR", "CSTR", "WString", "WStringRef", "CString",
    "RpcUnicodeString", "Union", "ContextHandle", "Guid", "Sid", "PSid",
    "Operation", "encode", "decode", "Memo",
]


#: First referent id and step (any non-zero value is legal; this is what Windows uses).
_REF_START: Final = 0x00020000
_REF_STEP: Final = 4
#: No conformant array may claim more elements than this, whatever the stub says.
_MAX_ELEMENTS: Final = 1 << 24

_ZEROS: Final = bytes(16)
_U32: Final = (struct.Struct("<I"), struct.Struct(">I"))
_U32x2: Final = (struct.Struct("<II"), struct.Struct(">II"))
_U32x3: Final = (struct.Struct("<III"), struct.Struct(">III"))
_NULL_PTR: Final = b"\x00\x00\x00\x00"
# The codec functions themselves.  ``str.encode("utf-16-le", ...)`` looks the codec up by name
# on every call (about 0.7 us against 0.12 us for the function, measured), and
# ``bytes.decode("utf-16-le")`` goes through a Python wrapper in ``encodings.utf_16_le``.
_UTF16_ENCODE: Final = (codecs.utf_16_le_encode, codecs.utf_16_be_encode)
_UTF16_DECODE: Final = (codecs.utf_16_le_decode, codecs.utf_16_be_decode)
_ENDIAN_CHAR: Final = ("<", ">")


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


class Memo:
    """A top-level parameter value whose encoding is computed once and then copied.

    ``Memo(value)`` stands for ``value`` as an [out] (or [in]) parameter.  The bytes of a
    top-level construct depend only on its type, its value, the stream offset modulo 8
    (alignment is relative to the start of the stub and nothing aligns to more than 8, C706
    14.2.2), the first referent id it hands out (ids are a running counter, C706 14.3.12.3) and
    the byte order.  The first encoding under each combination of these is kept with the
    number of referent ids it used; later encodings append the kept bytes.  The wrapped value
    must not change afterwards: a handler keeps a ``Memo`` in a cache whose key is everything
    the value depends on.
    """

    __slots__ = ("value", "_encodings")

    def __init__(self, value: Any) -> None:
        self.value = value
        self._encodings: dict[tuple[NdrType, int, int, int], tuple[bytes, int]] = {}

    def __repr__(self) -> str:
        return f"Memo({self.value!r})"

    def _push(self, e: _Enc, ndr_type: NdrType) -> None:
        buf = e.buf
        key = (ndr_type, len(buf) & 7, e.ref, e.be)
        kept = self._encodings.get(key)
        if kept is None:
            start, first_ref = len(buf), e.ref
            _push_toplevel(e, ndr_type, self.value)
            kept = self._encodings[key] = (bytes(buf[start:]), e.ref - first_ref)
        else:
            buf += kept[0]
            e.ref += kept[1]


# -------------------------------------------------------------------------------------------
# Marshalling state
# -------------------------------------------------------------------------------------------


class _Enc:
    """Encoder state: the stub being built, byte order (0 = LE, 1 = BE), next referent id."""

    __slots__ = ("buf", "be", "ref")

    def __init__(self, be: int) -> None:
        self.buf = bytearray()
        self.be = be
        self.ref = _REF_START


class _Dec:
    """Decoder state: the stub, the read position, byte order and full-pointer referents."""

    __slots__ = ("data", "pos", "be", "full")

    def __init__(self, data: bytes, be: int) -> None:
        self.data = data
        self.pos = 0
        self.be = be
        self.full: dict[int, Any] = {}


def _align(e: _Enc, mask: int) -> None:
    pad = -len(e.buf) & mask
    if pad:
        e.buf += _ZEROS[:pad]


def _put_u32(e: _Enc, value: int) -> None:
    buf = e.buf
    pad = -len(buf) & 3
    if pad:
        buf += _ZEROS[:pad]
    buf += _U32[e.be].pack(value)


def _get_u32(d: _Dec) -> int:
    p = d.pos
    p += -p & 3
    v: int = _U32[d.be].unpack_from(d.data, p)[0]
    d.pos = p + 4
    return v


def _check_count(d: _Dec, count: int, min_size: int) -> None:
    if count > _MAX_ELEMENTS or count * min_size > len(d.data) - d.pos:
        raise NdrError(f"array of {count} elements does not fit in the stub")


def _unwrap(v: Any) -> Any:
    return v.value if type(v) is Sized else v


# -------------------------------------------------------------------------------------------
# The type protocol
# -------------------------------------------------------------------------------------------


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
    def push(self, e: _Enc, v: Any) -> None:
        raise NotImplementedError

    def pull(self, d: _Dec) -> Any:
        raise NotImplementedError

    # conformant types only
    def push_body(self, e: _Enc, v: Any) -> None:
        self.push(e, v)

    def pull_body(self, d: _Dec, count: int) -> Any:
        raise NdrError(f"{self.name} is not conformant")

    def max_count(self, v: Any) -> int:
        raise NdrError(f"{self.name} is not conformant")

    # deferred referents
    def push_deferred(self, e: _Enc, v: Any) -> None:
        return None

    # arrays of this type (the scalar parts of every element, then every element's referents)
    def push_items(self, e: _Enc, items: Sequence[Any]) -> None:
        push = self.push
        for x in items:
            push(e, x)

    def push_items_deferred(self, e: _Enc, items: Sequence[Any]) -> None:
        push_deferred = self.push_deferred
        for x in items:
            push_deferred(e, x)

    def pull_deferred(self, d: _Dec, v: Any) -> Any:
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

    def push(self, e: _Enc, v: Any) -> None:
        buf = e.buf
        pad = -len(buf) & self._mask
        if pad:
            buf += _ZEROS[:pad]
        buf += self._s[e.be].pack(v)

    def pull(self, d: _Dec) -> Any:
        p = d.pos
        p += -p & self._mask
        v = self._s[d.be].unpack_from(d.data, p)[0]
        d.pos = p + self.size
        return v

    def push_items(self, e: _Enc, items: Sequence[Any]) -> None:
        if items:
            _align(e, self._mask)
            e.buf += struct.pack(f"{_ENDIAN_CHAR[e.be]}{len(items)}{self.code}", *items)

    def default(self) -> Any:
        return 0.0 if self.code in "fd" else 0


class _Boolean(Primitive):
    __slots__ = ()

    def push(self, e: _Enc, v: Any) -> None:
        super().push(e, 1 if v else 0)

    def pull(self, d: _Dec) -> Any:
        return bool(super().pull(d))

    def push_items(self, e: _Enc, items: Sequence[Any]) -> None:
        Primitive.push_items(self, e, [1 if x else 0 for x in items])

    def default(self) -> Any:
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
boolean8: Final = _Boolean("boolean8", "B")
boolean32: Final = _Boolean("boolean32", "I")
wchar: Final = Primitive("wchar", "H")
float32: Final = Primitive("float32", "f")
float64: Final = Primitive("float64", "d")


# -------------------------------------------------------------------------------------------
# Structures
# -------------------------------------------------------------------------------------------


class Struct(NdrType):
    """``Struct("NAME", [("field", TYPE), ...])``; only the last field may be conformant."""

    __slots__ = ("fields", "_mask", "_pushers", "_pullers", "_buffered", "_deferred",
                 "_deferred_pullers", "_last",
                 "_flat", "_flat_kinds", "_flat_names", "_flat_getter", "_flat_pointers",
                 "_flat_booleans", "_flat_checks")

    def __init__(self, name: str, fields: Sequence[tuple[str, NdrType]]) -> None:
        fields = tuple(fields)
        if not fields:
            raise TypeError(f"{name}: a structure needs at least one field")
        seen: set[str] = set()
        for i, (fname, ftype) in enumerate(fields):
            if not isinstance(ftype, NdrType):
                raise TypeError(f"{name}.{fname}: {ftype!r} is not an NDR type")
            if fname in seen:
                raise TypeError(f"{name}: duplicate field {fname!r}")
            seen.add(fname)
            if ftype.conformant and i != len(fields) - 1:
                raise TypeError(f"{name}.{fname}: only the last member may be conformant")
        last_name, last_type = fields[-1]
        conformant = last_type.conformant
        # the hoisted max_count aligns itself to 4; the body aligns to its members (C706 14.3.7.1)
        align = max(t.align for _, t in fields)
        super().__init__(
            name, align,
            has_buffers=any(t.has_buffers for _, t in fields),
            conformant=conformant,
            min_size=sum(t.min_size for _, t in fields) + (4 if conformant else 0),
        )
        self.fields = fields
        self._mask = align - 1
        pushers: list[tuple[str, Callable[[_Enc, Any], None]]] = [(n, t.push) for n, t in fields]
        pullers: list[tuple[str, Callable[[_Dec], Any]]] = [(n, t.pull) for n, t in fields]
        if conformant:
            pushers[-1] = (last_name, last_type.push_body)
            pullers.pop()
        self._pushers = tuple(pushers)
        self._pullers = tuple(pullers)
        self._buffered = tuple((n, t) for n, t in fields if t.has_buffers)
        # The deferred pass, precomputed: a pointer whose referent has no pointers of its own
        # (a string, a SID, an array of integers...) writes the referent directly when it is
        # not NULL, saving the pointer's own push_deferred call per field.
        deferred: list[tuple[str, Callable[[_Enc, Any], None], bool]] = []
        for n, t in self._buffered:
            if isinstance(t, Pointer) and not t.target.has_buffers:
                deferred.append((n, t.target.push, True))
            else:
                deferred.append((n, t.push_deferred, False))
        self._deferred = tuple(deferred)
        # and when decoding: such a pointer's referent is read in place of its id (0 = NULL);
        # full pointers keep their own pull_deferred, which resolves aliases
        deferred_pullers: list[tuple[str, Callable[..., Any], bool]] = []
        for n, t in self._buffered:
            if isinstance(t, Pointer) and t.kind != "full" and not t.target.has_buffers:
                deferred_pullers.append((n, t.target.pull, True))
            else:
                deferred_pullers.append((n, t.pull_deferred, False))
        self._deferred_pullers = tuple(deferred_pullers)
        self._last = (last_name, last_type)
        self._flat: tuple[struct.Struct, struct.Struct] | None = None
        self._flat_kinds: tuple[tuple[str, int], ...] = ()
        self._flat_names: tuple[str, ...] = ()
        self._flat_getter: Callable[[Any], tuple[Any, ...]] | None = None
        self._flat_pointers: tuple[tuple[int, bool], ...] = ()
        self._flat_booleans: tuple[int, ...] = ()
        self._flat_checks: tuple[tuple[str, int], ...] = ()
        if not conformant and all(type(t) in (Primitive, _Boolean) or isinstance(t, Pointer)
                                  for _, t in fields):
            self._compile_flat()

    # kinds of the members of a flat structure
    _PLAIN, _BOOL, _PTR, _REF = 0, 1, 2, 3

    def _compile_flat(self) -> None:
        """Only primitives and pointers: the scalar part is one fixed layout (offsets from the
        structure start, which is aligned to the largest member), packed in one call."""
        fmt = []
        kinds = []
        off = 0
        for fname, ftype in self.fields:
            pad = -off & (ftype.align - 1)
            fmt.append("x" * pad)
            off += pad
            if isinstance(ftype, Pointer):
                fmt.append("I")
                off += 4
                kinds.append((fname, self._REF if ftype.kind == "ref" else self._PTR))
            else:
                assert isinstance(ftype, Primitive)
                fmt.append(ftype.code)
                off += ftype.size
                kinds.append((fname, self._BOOL if type(ftype) is _Boolean else self._PLAIN))
        layout = "".join(fmt)
        self._flat = (struct.Struct("<" + layout), struct.Struct(">" + layout))
        self._flat_kinds = tuple(kinds)
        self._flat_names = tuple(n for n, _ in kinds)
        # For arrays of this structure: all members fetched by one itemgetter call, then only
        # the pointer (referent id) and boolean positions fixed up.
        getter = operator.itemgetter(*self._flat_names)
        if len(kinds) == 1:
            self._flat_getter = lambda v: (getter(v),)
        else:
            self._flat_getter = getter
        self._flat_pointers = tuple((i, kind == self._REF) for i, (_, kind) in enumerate(kinds)
                                    if kind in (self._PTR, self._REF))
        self._flat_booleans = tuple(i for i, (_, kind) in enumerate(kinds)
                                    if kind == self._BOOL)
        # decoding: booleans to convert, [ref] pointers that must not be NULL
        self._flat_checks = tuple((n, kind) for n, kind in kinds
                                  if kind in (self._BOOL, self._REF))

    def max_count(self, v: Any) -> int:
        name, ftype = self._last
        return ftype.max_count(v[name])

    def push(self, e: _Enc, v: Any) -> None:
        if self.conformant:
            try:
                _put_u32(e, self.max_count(v))
            except NdrError as exc:
                raise exc.add_path(self.name) from None
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise NdrError(f"{exc!r}").add_path(self.name) from exc
        self.push_body(e, v)

    def push_body(self, e: _Enc, v: Any) -> None:
        buf = e.buf
        pad = -len(buf) & self._mask
        if pad:
            buf += _ZEROS[:pad]
        fname = ""
        try:
            if self._flat is not None:
                values: list[Any] = []
                for fname, kind in self._flat_kinds:
                    x = v[fname]
                    if kind == 0:
                        values.append(x)
                    elif kind == 1:
                        values.append(1 if x else 0)
                    elif x is None:
                        if kind == 3:
                            raise NdrError("NULL [ref] pointer")
                        values.append(0)
                    else:
                        ref = e.ref
                        e.ref = ref + _REF_STEP
                        values.append(ref)
                fname = ""
                buf += self._flat[e.be].pack(*values)
                return
            for fname, push in self._pushers:
                push(e, v[fname])
        except NdrError as exc:
            raise exc.add_path(f"{self.name}.{fname}") from None
        except (KeyError, TypeError, ValueError, AttributeError, struct.error,
                OverflowError, UnicodeError) as exc:
            raise NdrError(f"cannot encode {exc!r}").add_path(f"{self.name}.{fname}") from exc

    def push_deferred(self, e: _Enc, v: Any) -> None:
        fname = ""
        try:
            for fname, push, direct in self._deferred:
                x = v[fname]
                if not direct:
                    push(e, x)
                elif x is not None:
                    push(e, x)
        except NdrError as exc:
            raise exc.add_path(f"{self.name}.{fname}") from None
        except (KeyError, TypeError, ValueError, AttributeError, struct.error,
                OverflowError, UnicodeError) as exc:
            raise NdrError(f"cannot encode {exc!r}").add_path(f"{self.name}.{fname}") from exc

    def push_items(self, e: _Enc, items: Sequence[Any]) -> None:
        """The scalar parts of an array of this structure (arrays never hold conformant ones).

        A flat structure packs each element with its precompiled layout without a call per
        element; on any error the elements are encoded again one by one, which raises the
        error with the field's path."""
        getter = self._flat_getter
        buf = e.buf
        mask = self._mask
        if getter is None:
            pushers = self._pushers
            start, first_ref = len(buf), e.ref
            try:
                for v in items:
                    pad = -len(buf) & mask
                    if pad:
                        buf += _ZEROS[:pad]
                    for fname, push in pushers:
                        push(e, v[fname])
            except Exception:
                del buf[start:]
                e.ref = first_ref
                for x in items:
                    self.push_body(e, x)
                raise
            return
        pack = self._flat[e.be].pack  # type: ignore[index]
        pointers = self._flat_pointers
        booleans = self._flat_booleans
        start, ref = len(buf), e.ref
        try:
            for v in items:
                values = list(getter(v))
                for i, is_ref in pointers:
                    if values[i] is None:
                        if is_ref:
                            raise NdrError("NULL [ref] pointer")
                        values[i] = 0
                    else:
                        values[i] = ref
                        ref += _REF_STEP
                for i in booleans:
                    values[i] = 1 if values[i] else 0
                pad = -len(buf) & mask
                if pad:
                    buf += _ZEROS[:pad]
                buf += pack(*values)
        except Exception:
            # start again element by element: that path names the field that failed
            del buf[start:]
            push_body = self.push_body
            for x in items:
                push_body(e, x)
            raise
        e.ref = ref

    def push_items_deferred(self, e: _Enc, items: Sequence[Any]) -> None:
        deferred = self._deferred
        try:
            for v in items:
                for fname, push, direct in deferred:
                    x = v[fname]
                    if not direct:
                        push(e, x)
                    elif x is not None:
                        push(e, x)
        except Exception:
            # again element by element: that path names the field that failed
            push_deferred = self.push_deferred
            for x in items:
                push_deferred(e, x)
            raise

    def pull(self, d: _Dec) -> Any:
        if self.conformant:
            return self.pull_body(d, _get_u32(d))
        p = d.pos
        p += -p & self._mask
        flat = self._flat
        if flat is not None:
            layout = flat[d.be]
            out = dict(zip(self._flat_names, layout.unpack_from(d.data, p)))
            d.pos = p + layout.size
            for fname, kind in self._flat_checks:
                if kind == 1:
                    out[fname] = out[fname] != 0
                elif out[fname] == 0:
                    raise NdrError(f"{self.name}.{fname}: NULL [ref] pointer")
            return out
        d.pos = p
        values: dict[str, Any] = {}
        for fname, pull in self._pullers:  # a loop: a comprehension is one more frame (3.11)
            values[fname] = pull(d)
        return values

    def pull_body(self, d: _Dec, count: int) -> Any:
        d.pos += -d.pos & self._mask
        out: dict[str, Any] = {}
        for fname, pull in self._pullers:
            out[fname] = pull(d)
        name, ftype = self._last
        out[name] = ftype.pull_body(d, count)
        return out

    def pull_deferred(self, d: _Dec, v: Any) -> Any:
        for fname, pull, direct in self._deferred_pullers:
            if not direct:
                v[fname] = pull(d, v[fname])
            elif v[fname] == 0:
                v[fname] = None
            else:
                v[fname] = pull(d)
        return v

    def default(self) -> Any:
        return {fname: ftype.default() for fname, ftype in self.fields}


# -------------------------------------------------------------------------------------------
# Pointers
# -------------------------------------------------------------------------------------------

PointerKind = Literal["unique", "ref", "full"]


class Pointer(NdrType):
    """``Pointer(TYPE, kind="unique"|"ref"|"full")``.

    Embedded anywhere, a pointer is a 4-byte referent id (0 = NULL) and its referent is
    deferred.  As a top-level operation parameter a ``ref`` pointer has no representation
    and its referent stands in its place; ``unique``/``full`` ones are followed by their
    referent right away.  Full pointers are decoded with aliasing (a repeated id is the
    same object) and encoded like unique ones.
    """

    __slots__ = ("target", "kind")

    def __init__(self, target: NdrType, kind: PointerKind = "unique") -> None:
        if kind not in ("unique", "ref", "full"):
            raise TypeError(f"pointer kind {kind!r} is not unique, ref or full")
        if not isinstance(target, NdrType):
            raise TypeError(f"{target!r} is not an NDR type")
        super().__init__(f"{kind} *{target.name}", 4, has_buffers=True, min_size=4)
        self.target = target
        self.kind = kind

    def push(self, e: _Enc, v: Any) -> None:
        buf = e.buf
        pad = -len(buf) & 3
        if pad:
            buf += _ZEROS[:pad]
        if v is None:
            if self.kind == "ref":
                raise NdrError("NULL [ref] pointer")
            buf += _NULL_PTR
        else:
            ref = e.ref
            e.ref = ref + _REF_STEP
            buf += _U32[e.be].pack(ref)

    def push_deferred(self, e: _Enc, v: Any) -> None:
        if v is not None:
            target = self.target
            target.push(e, v)
            if target.has_buffers:
                target.push_deferred(e, v)

    def pull(self, d: _Dec) -> Any:
        ref = _get_u32(d)
        if ref == 0 and self.kind == "ref":
            raise NdrError("NULL [ref] pointer")
        return ref

    def pull_with_referent(self, d: _Dec) -> Any:
        """A top-level unique pointer whose referent has no pointers: the referent id, then
        the referent right behind it (C706 14.3.12.3), or None for NULL."""
        if _get_u32(d) == 0:
            return None
        return self.target.pull(d)

    def pull_deferred(self, d: _Dec, v: Any) -> Any:
        if v == 0:
            return None
        if self.kind == "full" and v in d.full:
            return d.full[v]
        target = self.target
        value = target.pull(d)
        if target.has_buffers:
            value = target.pull_deferred(d, value)
        if self.kind == "full":
            d.full[v] = value
        return value

    def default(self) -> Any:
        return self.target.default() if self.kind == "ref" else None


def _toplevel(t: NdrType) -> NdrType:
    """A top-level [ref] pointer is represented by its referent alone (C706 14.3.10)."""
    while isinstance(t, Pointer) and t.kind == "ref":
        t = t.target
    return t


# -------------------------------------------------------------------------------------------
# Arrays
# -------------------------------------------------------------------------------------------


def _push_items(e: _Enc, item: NdrType, items: Sequence[Any]) -> None:
    item.push_items(e, items)


def _pull_items(d: _Dec, item: NdrType, count: int) -> list[Any]:
    if type(item) is Primitive:
        if not count:
            return []
        p = d.pos
        p += -p & (item.align - 1)
        values = list(struct.unpack_from(f"{_ENDIAN_CHAR[d.be]}{count}{item.code}", d.data, p))
        d.pos = p + count * item.size
        return values
    pull = item.pull
    return [pull(d) for _ in range(count)]


def _push_items_deferred(e: _Enc, item: NdrType, items: Sequence[Any]) -> None:
    if item.has_buffers:
        item.push_items_deferred(e, items)


def _pull_items_deferred(d: _Dec, item: NdrType, items: list[Any]) -> list[Any]:
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

    def push(self, e: _Enc, v: Any) -> None:
        if len(v) != self.count:
            raise NdrError(f"{self.name} needs {self.count} elements, got {len(v)}")
        _push_items(e, self.item, v)

    def pull(self, d: _Dec) -> Any:
        return _pull_items(d, self.item, self.count)

    def push_deferred(self, e: _Enc, v: Any) -> None:
        _push_items_deferred(e, self.item, v)

    def pull_deferred(self, d: _Dec, v: Any) -> Any:
        return _pull_items_deferred(d, self.item, v)

    def default(self) -> Any:
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

    def push(self, e: _Enc, v: Any) -> None:
        _put_u32(e, self.max_count(v))
        self.push_body(e, v)

    def push_body(self, e: _Enc, v: Any) -> None:
        items = _unwrap(v)
        if type(v) is Sized and len(items) != v.max_count:
            raise NdrError(f"{self.name}: a conformant array holds exactly max_count elements")
        _push_items(e, self.item, items)

    def pull(self, d: _Dec) -> Any:
        return self.pull_body(d, _get_u32(d))

    def pull_body(self, d: _Dec, count: int) -> Any:
        _check_count(d, count, self.item.min_size)
        return _pull_items(d, self.item, count)

    def push_deferred(self, e: _Enc, v: Any) -> None:
        _push_items_deferred(e, self.item, _unwrap(v))

    def pull_deferred(self, d: _Dec, v: Any) -> Any:
        return _pull_items_deferred(d, self.item, v)

    def default(self) -> Any:
        return []


def _get_variance(d: _Dec, max_count: int) -> int:
    p = d.pos
    p += -p & 3
    offset, actual = _U32x2[d.be].unpack_from(d.data, p)
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

    def push(self, e: _Enc, v: Any) -> None:
        _put_u32(e, self.max_count(v))
        self.push_body(e, v)

    def push_body(self, e: _Enc, v: Any) -> None:
        items = _unwrap(v)
        if type(v) is Sized and len(items) > v.max_count:
            raise NdrError(f"{self.name}: {len(items)} elements exceed max_count {v.max_count}")
        _put_u32(e, 0)
        e.buf += _U32[e.be].pack(len(items))
        _push_items(e, self.item, items)

    def pull(self, d: _Dec) -> Any:
        return self.pull_body(d, _get_u32(d))

    def pull_body(self, d: _Dec, count: int) -> Any:
        actual = _get_variance(d, count)
        _check_count(d, actual, self.item.min_size)
        return _pull_items(d, self.item, actual)

    def push_deferred(self, e: _Enc, v: Any) -> None:
        _push_items_deferred(e, self.item, _unwrap(v))

    def pull_deferred(self, d: _Dec, v: Any) -> Any:
        return _pull_items_deferred(d, self.item, v)

    def default(self) -> Any:
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

    def push(self, e: _Enc, v: Any) -> None:
        if len(v) > self.size:
            raise NdrError(f"{self.name}: {len(v)} elements exceed {self.size}")
        _put_u32(e, 0)
        e.buf += _U32[e.be].pack(len(v))
        _push_items(e, self.item, v)

    def pull(self, d: _Dec) -> Any:
        actual = _get_variance(d, self.size)
        _check_count(d, actual, self.item.min_size)
        return _pull_items(d, self.item, actual)

    def push_deferred(self, e: _Enc, v: Any) -> None:
        _push_items_deferred(e, self.item, v)

    def pull_deferred(self, d: _Dec, v: Any) -> Any:
        return _pull_items_deferred(d, self.item, v)

    def default(self) -> Any:
        return []


class FixedBytes(NdrType):
    """``unsigned char a[n]`` as ``bytes``."""

    __slots__ = ("count",)

    def __init__(self, count: int) -> None:
        super().__init__(f"uint8[{count}]", 1, min_size=count)
        self.count = count

    def push(self, e: _Enc, v: Any) -> None:
        if len(v) != self.count:
            raise NdrError(f"{self.name} needs {self.count} bytes, got {len(v)}")
        e.buf += v

    def pull(self, d: _Dec) -> Any:
        p = d.pos
        end = p + self.count
        if end > len(d.data):
            raise NdrError(f"{self.name} runs past the end of the stub")
        d.pos = end
        return bytes(d.data[p:end])

    def default(self) -> Any:
        return bytes(self.count)


class ConformantBytes(NdrType):
    """``[size_is(n)] unsigned char a[]`` as ``bytes``."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__("uint8[*]", 1, conformant=True)

    def max_count(self, v: Any) -> int:
        return v.max_count if type(v) is Sized else len(v)

    def push(self, e: _Enc, v: Any) -> None:
        _put_u32(e, self.max_count(v))
        self.push_body(e, v)

    def push_body(self, e: _Enc, v: Any) -> None:
        e.buf += _unwrap(v)

    def pull(self, d: _Dec) -> Any:
        return self.pull_body(d, _get_u32(d))

    def pull_body(self, d: _Dec, count: int) -> Any:
        p = d.pos
        end = p + count
        if end > len(d.data):
            raise NdrError(f"{self.name} of {count} bytes runs past the end of the stub")
        d.pos = end
        return bytes(d.data[p:end])

    def default(self) -> Any:
        return b""


class ConformantVaryingBytes(ConformantBytes):
    """``[size_is(m), length_is(n)] unsigned char a[]`` as ``bytes``."""

    __slots__ = ()

    def __init__(self) -> None:
        NdrType.__init__(self, "uint8[*v]", 4, conformant=True, min_size=8)

    def push_body(self, e: _Enc, v: Any) -> None:
        data = _unwrap(v)
        _put_u32(e, 0)
        e.buf += _U32[e.be].pack(len(data))
        e.buf += data

    def pull_body(self, d: _Dec, count: int) -> Any:
        actual = _get_variance(d, count)
        return ConformantBytes.pull_body(self, d, actual)


# -------------------------------------------------------------------------------------------
# Strings
# -------------------------------------------------------------------------------------------


class _StringBody(NdrType):
    """``[string]`` conformant-varying character array (C706 14.3.4): max, offset, actual,
    characters including the terminating NUL.  The Python value excludes the NUL."""

    __slots__ = ("width", "_errors", "_nul", "_encoders")

    def __init__(self, name: str, width: int) -> None:
        super().__init__(name, 4, conformant=True, min_size=8)
        self.width = width
        # any 16-bit code unit is a valid WCHAR: unpaired surrogates round-trip
        self._errors = "surrogatepass" if width == 2 else "strict"
        # (little-endian, big-endian) encoders; Latin-1 has no byte order
        self._encoders = _UTF16_ENCODE if width == 2 else (codecs.latin_1_encode,
                                                           codecs.latin_1_encode)
        self._nul = bytes(width)

    def max_count(self, v: Any) -> int:
        if type(v) is Sized:
            return int(v.max_count)
        return len(self._encoders[0](v, self._errors)[0]) // self.width + 1

    def push(self, e: _Enc, v: Any) -> None:
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
        buf = e.buf
        pad = -len(buf) & 3
        if pad:
            buf += _ZEROS[:pad]
        buf += _U32x3[e.be].pack(max_count, 0, n)
        buf += raw
        buf += self._nul

    def push_body(self, e: _Enc, v: Any) -> None:
        raw = self._encoders[e.be](_unwrap(v), self._errors)[0]
        buf = e.buf
        pad = -len(buf) & 3
        if pad:
            buf += _ZEROS[:pad]
        buf += _U32x2[e.be].pack(0, len(raw) // self.width + 1)
        buf += raw
        buf += self._nul

    def pull(self, d: _Dec) -> Any:
        p = d.pos
        p += -p & 3
        max_count, offset, actual = _U32x3[d.be].unpack_from(d.data, p)
        if offset > max_count or actual > max_count - offset:
            raise NdrError(f"{self.name}: offset {offset} + count {actual} exceeds {max_count}")
        d.pos = p + 12
        return self._chars(d, actual)

    def pull_body(self, d: _Dec, count: int) -> Any:
        return self._chars(d, _get_variance(d, count))

    def _chars(self, d: _Dec, actual: int) -> Any:
        p = d.pos
        width = self.width
        end = p + actual * width
        data = d.data
        if end > len(data):
            raise NdrError(f"{self.name} of {actual} characters runs past the end of the stub")
        d.pos = end
        if actual and data[end - width:end] == self._nul:
            end -= width  # the terminating NUL is not part of the value
        if width == 2:
            text: str = _UTF16_DECODE[d.be](data[p:end], "surrogatepass", True)[0]
            return text
        return data[p:end].decode("latin-1")

    def default(self) -> Any:
        return ""


#: The string itself (``[string] wchar_t s[]``), a conformant type usable inline.
WSTR: Final = _StringBody("WSTR", 2)
#: ``[string] char s[]`` (DOS/Latin-1 characters).
CSTR: Final = _StringBody("CSTR", 1)
#: ``[string, unique] wchar_t *`` (LPWSTR): value ``str`` or ``None``.
WString: Final = Pointer(WSTR, "unique")
#: ``[string, ref] wchar_t *``: at top level, just the string.
WStringRef: Final = Pointer(WSTR, "ref")
#: ``[string, unique] char *``.
CString: Final = Pointer(CSTR, "unique")


class _RpcUnicodeString(NdrType):
    """RPC_UNICODE_STRING (MS-DTYP 2.3.10): Length, MaximumLength (bytes), and a unique
    pointer to ``[size_is(MaximumLength/2), length_is(Length/2)] WCHAR`` with no NUL.

    ``""`` and ``None`` both encode as Length = MaximumLength = 0 with a NULL buffer; a NULL
    or empty buffer decodes as ``""``.  ``Sized(s, n)`` sets MaximumLength to 2n.
    """

    __slots__ = ()
    _HDR = (struct.Struct("<HHI"), struct.Struct(">HHI"))

    def __init__(self) -> None:
        super().__init__("RPC_UNICODE_STRING", 4, has_buffers=True, min_size=8)

    @staticmethod
    def _parts(be: int, v: Any) -> tuple[bytes, int]:
        if v is None:
            return b"", 0
        if type(v) is Sized:
            raw = _UTF16_ENCODE[be](v.value, "surrogatepass")[0] if v.value else b""
            max_len = 2 * v.max_count
            if max_len < len(raw):
                raise NdrError("RPC_UNICODE_STRING: MaximumLength below Length")
            return raw, max_len
        raw = _UTF16_ENCODE[be](v, "surrogatepass")[0]
        return raw, len(raw)

    def push(self, e: _Enc, v: Any) -> None:
        if type(v) is str:  # the common case, without the call
            raw = _UTF16_ENCODE[e.be](v, "surrogatepass")[0]
            max_len = len(raw)
        else:
            raw, max_len = self._parts(e.be, v)
        if max_len > 0xFFFF:
            raise NdrError("RPC_UNICODE_STRING longer than 65535 bytes")
        buf = e.buf
        pad = -len(buf) & 3
        if pad:
            buf += _ZEROS[:pad]
        if max_len == 0:
            buf += self._HDR[e.be].pack(0, 0, 0)
        else:
            ref = e.ref
            e.ref = ref + _REF_STEP
            buf += self._HDR[e.be].pack(len(raw), max_len, ref)

    def push_deferred(self, e: _Enc, v: Any) -> None:
        if type(v) is str:
            raw = _UTF16_ENCODE[e.be](v, "surrogatepass")[0]
            max_len = len(raw)
        else:
            raw, max_len = self._parts(e.be, v)
        if max_len:
            buf = e.buf
            pad = -len(buf) & 3
            if pad:
                buf += _ZEROS[:pad]
            buf += _U32x3[e.be].pack(max_len // 2, 0, len(raw) // 2)
            buf += raw

    def pull(self, d: _Dec) -> Any:
        p = d.pos
        p += -p & 3
        length, max_len, ref = self._HDR[d.be].unpack_from(d.data, p)
        d.pos = p + 8
        if length > max_len:
            raise NdrError("RPC_UNICODE_STRING: Length above MaximumLength")
        return ref

    def pull_deferred(self, d: _Dec, v: Any) -> Any:
        if v == 0:
            return ""
        count = _get_u32(d)
        actual = _get_variance(d, count)
        p = d.pos
        end = p + 2 * actual
        if end > len(d.data):
            raise NdrError("RPC_UNICODE_STRING buffer runs past the end of the stub")
        d.pos = end
        text: str = _UTF16_DECODE[d.be](d.data[p:end], "surrogatepass", True)[0]
        return text

    def default(self) -> Any:
        return ""


RpcUnicodeString: Final = _RpcUnicodeString()


# -------------------------------------------------------------------------------------------
# Unions
# -------------------------------------------------------------------------------------------

_NO_DEFAULT: Final = object()


class Union(NdrType):
    """``Union(switch_type, {case: TYPE or None}, default=TYPE)``; value ``(tag, arm)``.

    NDR puts the discriminant on the wire in front of the arm for both kinds of union
    (C706 14.3.8).  A non-encapsulated union (``[switch_is(Level)]`` on the field or
    parameter) aligns the arm to the arm's own alignment; an encapsulated one
    (``encapsulated=True``) aligns it to the largest alignment of all arms.  An unknown tag
    without a default arm is nca_s_fault_invalid_tag.
    """

    __slots__ = ("switch", "arms", "default_arm", "encapsulated", "_arm_mask")

    def __init__(self, switch_type: Primitive, arms: Mapping[int, NdrType | None],
                 default: NdrType | None | object = _NO_DEFAULT, *, encapsulated: bool = False,
                 name: str = "union") -> None:
        all_arms = [t for t in arms.values() if t is not None]
        if isinstance(default, NdrType):
            all_arms.append(default)
        for t in all_arms:
            if t.conformant:
                raise TypeError(f"{name}: conformant union arm {t.name}")
        arm_align = max((t.align for t in all_arms), default=1)
        super().__init__(name, max(switch_type.align, arm_align),
                         has_buffers=any(t.has_buffers for t in all_arms),
                         min_size=switch_type.min_size)
        self.switch = switch_type
        self.arms = dict(arms)
        self.default_arm = default
        self.encapsulated = encapsulated
        self._arm_mask = arm_align - 1

    def _arm(self, tag: int) -> NdrType | None:
        try:
            return self.arms[tag]
        except KeyError:
            if self.default_arm is _NO_DEFAULT:
                raise NdrError(f"{self.name}: no arm for tag {tag}",
                               NCA_S_FAULT_INVALID_TAG) from None
            return self.default_arm  # type: ignore[return-value]

    def push(self, e: _Enc, v: Any) -> None:
        tag, value = v
        self.switch.push(e, tag)
        arm = self._arm(tag)
        if arm is not None:
            if self.encapsulated:
                _align(e, self._arm_mask)
            arm.push(e, value)

    def push_deferred(self, e: _Enc, v: Any) -> None:
        tag, value = v
        arm = self._arm(tag)
        if arm is not None and arm.has_buffers:
            arm.push_deferred(e, value)

    def pull(self, d: _Dec) -> Any:
        tag = self.switch.pull(d)
        arm = self._arm(tag)
        if arm is None:
            return (tag, None)
        if self.encapsulated:
            d.pos += -d.pos & self._arm_mask
        return (tag, arm.pull(d))

    def pull_deferred(self, d: _Dec, v: Any) -> Any:
        tag, value = v
        arm = self._arm(tag)
        if arm is None or not arm.has_buffers:
            return v
        return (tag, arm.pull_deferred(d, value))

    def default(self) -> Any:
        if not self.arms:
            arm = self.default_arm
            return (0, arm.default() if isinstance(arm, NdrType) else None)
        tag = min(self.arms)
        arm = self.arms[tag]
        return (tag, None if arm is None else arm.default())


# -------------------------------------------------------------------------------------------
# Well-known structures with a custom Python value
# -------------------------------------------------------------------------------------------


class _Guid(NdrType):
    """GUID (MS-DTYP 2.3.4.2: uint32, uint16, uint16, uint8[8]), value ``uuid.UUID``."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__("GUID", 4, min_size=16)

    def push(self, e: _Enc, v: Any) -> None:
        _align(e, 3)
        # the NDR big-endian form of the GUID structure is exactly RFC 4122 byte order
        e.buf += v.bytes if e.be else v.bytes_le

    def pull(self, d: _Dec) -> Any:
        p = d.pos
        p += -p & 3
        raw = d.data[p:p + 16]
        if len(raw) != 16:
            raise NdrError("GUID runs past the end of the stub")
        d.pos = p + 16
        return uuid.UUID(bytes=bytes(raw)) if d.be else uuid.UUID(bytes_le=bytes(raw))

    def default(self) -> Any:
        return uuid.UUID(int=0)


Guid: Final = _Guid()


class _ContextHandle(NdrType):
    """Context handle (C706 ndr_context_handle, MS-RPCE 2.2.5): attributes
    (uint32) + GUID, 20 bytes.  The Python value is the 20-byte little-endian form whatever
    the drep, so a handle issued to a big-endian client compares equal when it comes back."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__("context_handle", 4, min_size=20)

    @staticmethod
    def _swap(raw: bytes) -> bytes:
        # attributes uint32 and the GUID's first three fields change byte order; the rest not
        return (raw[3::-1] + raw[7:3:-1] + raw[9:7:-1] + raw[11:9:-1] + raw[12:20])

    def push(self, e: _Enc, v: Any) -> None:
        if len(v) != 20:
            raise NdrError(f"context handle must be 20 bytes, got {len(v)}")
        _align(e, 3)
        e.buf += self._swap(v) if e.be else v

    def pull(self, d: _Dec) -> Any:
        p = d.pos
        p += -p & 3
        raw = bytes(d.data[p:p + 20])
        if len(raw) != 20:
            raise NdrError("context handle runs past the end of the stub")
        d.pos = p + 20
        return self._swap(raw) if d.be else raw

    def default(self) -> Any:
        return bytes(20)


ContextHandle: Final = _ContextHandle()

_SID_RE: Final = re.compile(r"^S-(\d{1,3})-(\d+|0[xX][0-9a-fA-F]{1,12})((?:-\d+){0,15})$")


@functools.lru_cache(maxsize=4096)
def _parse_sid(text: str) -> tuple[int, bytes, tuple[int, ...]]:
    m = _SID_RE.match(text)
    if m is None:
        raise NdrError(f"{text!r} is not a SID string")
    revision = int(m.group(1))
    authority = int(m.group(2), 0)
    subs = tuple(int(x) for x in m.group(3).split("-")[1:])
    if revision > 255 or authority >= 1 << 48 or any(s > 0xFFFFFFFF for s in subs):
        raise NdrError(f"{text!r} is out of range for a SID")
    return revision, authority.to_bytes(6, "big"), subs


def _format_sid(revision: int, authority: bytes, subs: Iterable[int]) -> str:
    value = int.from_bytes(authority, "big")
    auth = str(value) if value < 1 << 32 else f"0x{value:012X}"
    return "-".join([f"S-{revision}-{auth}", *map(str, subs)])


class _Sid(NdrType):
    """RPC_SID (MS-DTYP 2.4.2.3): Revision, SubAuthorityCount, IdentifierAuthority[6],
    ``[size_is(SubAuthorityCount)] uint32 SubAuthority[]``; a conformant structure whose
    max_count must equal SubAuthorityCount.  Value: ``"S-1-5-32-544"``."""

    __slots__ = ()
    _HEAD = struct.Struct("BB6s")

    def __init__(self) -> None:
        super().__init__("RPC_SID", 4, conformant=True, min_size=8)

    def max_count(self, v: Any) -> int:
        return len(_parse_sid(v)[2])

    def push(self, e: _Enc, v: Any) -> None:
        _put_u32(e, self.max_count(v))
        self.push_body(e, v)

    def push_body(self, e: _Enc, v: Any) -> None:
        revision, authority, subs = _parse_sid(v)
        _align(e, 3)
        e.buf += self._HEAD.pack(revision, len(subs), authority)
        if subs:
            e.buf += struct.pack(f"{_ENDIAN_CHAR[e.be]}{len(subs)}I", *subs)

    def pull(self, d: _Dec) -> Any:
        return self.pull_body(d, _get_u32(d))

    def pull_body(self, d: _Dec, count: int) -> Any:
        p = d.pos
        p += -p & 3
        revision, n, authority = self._HEAD.unpack_from(d.data, p)
        if n != count or n > 15:
            raise NdrError(f"RPC_SID: SubAuthorityCount {n} vs conformance {count}")
        subs = struct.unpack_from(f"{_ENDIAN_CHAR[d.be]}{n}I", d.data, p + 8)
        d.pos = p + 8 + 4 * n
        return _format_sid(revision, authority, subs)

    def default(self) -> Any:
        return "S-1-0-0"


Sid: Final = _Sid()
PSid: Final = Pointer(Sid, "unique")


# -------------------------------------------------------------------------------------------
# Top level: parameters, operations
# -------------------------------------------------------------------------------------------

_DECODE_ERRORS: Final = (struct.error, IndexError, ValueError, TypeError, OverflowError,
                         UnicodeError, KeyError)


def _push_toplevel(e: _Enc, t: NdrType, value: Any) -> None:
    """A top-level construct: its scalar part, then its referents (C706 14.3.12.3)."""
    if type(value) is Memo:
        value._push(e, t)
        return
    t.push(e, value)
    if t.has_buffers:
        t.push_deferred(e, value)


def encode(ndr_type: NdrType, value: Any, little_endian: bool = True) -> bytes:
    """Encode one value as a top-level construct (its referents follow it)."""
    t = _toplevel(ndr_type)
    e = _Enc(0 if little_endian else 1)
    _push_toplevel(e, t, value)
    return bytes(e.buf)


def decode(ndr_type: NdrType, data: bytes | bytearray | memoryview,
           little_endian: bool = True) -> tuple[Any, int]:
    """Decode one top-level construct; returns ``(value, bytes consumed)``."""
    t = _toplevel(ndr_type)
    d = _Dec(bytes(data), 0 if little_endian else 1)
    try:
        v = t.pull(d)
        if t.has_buffers:
            v = t.pull_deferred(d, v)
    except NdrError:
        raise
    except _DECODE_ERRORS as exc:
        raise NdrError(f"{t.name}: {exc}") from exc
    return v, d.pos


class _Params:
    """An ordered list of top-level parameters encoded/decoded as one stub."""

    __slots__ = ("owner", "params", "defaults", "_readers")

    def __init__(self, owner: str, params: Sequence[tuple[str, NdrType]],
                 defaults: Mapping[str, Any] | None = None) -> None:
        names = [n for n, _ in params]
        if len(set(names)) != len(names):
            raise TypeError(f"{owner}: duplicate parameter name in {names}")
        for n, t in params:
            if not isinstance(t, NdrType):
                raise TypeError(f"{owner}.{n}: {t!r} is not an NDR type")
        self.owner = owner
        self.params = tuple((n, _toplevel(t)) for n, t in params)
        self.defaults = dict(defaults or {})
        # per parameter: read the scalar part, then (if any) the referents; a top-level
        # unique pointer to a construct without pointers (an optional string, a DWORD*...)
        # reads its referent id and the referent in one call
        readers: list[tuple[str, Callable[[_Dec], Any], Callable[[_Dec, Any], Any] | None]] = []
        for n, t in self.params:
            if isinstance(t, Pointer) and t.kind == "unique" and not t.target.has_buffers:
                readers.append((n, t.pull_with_referent, None))
            else:
                readers.append((n, t.pull, t.pull_deferred if t.has_buffers else None))
        self._readers = tuple(readers)

    def encode(self, values: Mapping[str, Any], be: int) -> bytes:
        e = _Enc(be)
        name = ""
        try:
            for name, t in self.params:
                if name in values:
                    v = values[name]
                elif name in self.defaults:
                    v = self.defaults[name]
                else:
                    raise NdrError("missing parameter")
                _push_toplevel(e, t, v)
        except NdrError as exc:
            raise exc.add_path(f"{self.owner}.{name}") from None
        except (KeyError, TypeError, ValueError, AttributeError, struct.error,
                OverflowError, UnicodeError) as exc:
            raise NdrError(f"cannot encode {exc!r}").add_path(f"{self.owner}.{name}") from exc
        return bytes(e.buf)

    def decode(self, data: bytes | bytearray | memoryview, be: int) -> dict[str, Any]:
        d = _Dec(data if type(data) is bytes else bytes(data), be)
        out: dict[str, Any] = {}
        name = ""
        try:
            for name, pull, pull_deferred in self._readers:
                v = pull(d)
                if pull_deferred is not None:
                    v = pull_deferred(d, v)
                out[name] = v
        except NdrError as exc:
            raise exc.add_path(f"{self.owner}.{name}") from None
        except _DECODE_ERRORS as exc:
            raise NdrError(f"{exc}").add_path(f"{self.owner}.{name}") from exc
        return out

    def default(self) -> dict[str, Any]:
        return {n: t.default() for n, t in self.params}


ReturnKind = Literal["NTSTATUS", "WERROR", "uint32", "error_status_t", "HRESULT",
                     "int32", "boolean32"]

_RETURN_TYPES: Final[dict[str, NdrType]] = {
    "NTSTATUS": uint32, "WERROR": uint32, "uint32": uint32, "error_status_t": uint32,
    "HRESULT": int32, "int32": int32, "boolean32": boolean32,
}

#: The key of the return value in a response dict.
RETURN_VALUE: Final = "ReturnValue"


class Operation:
    """One opnum of an interface, described as data.

    ``request`` lists the [in] parameters, ``response`` the [out] ones, in IDL order; an
    [in, out] parameter appears in both.  ``returns`` is the type of the function's return
    value (``None`` for void), which the response carries last under the key
    ``"ReturnValue"`` (defaulting to 0 when a handler omits it).
    """

    __slots__ = ("opnum", "name", "request", "response", "returns", "_in", "_out")

    def __init__(self, opnum: int, name: str,
                 request: Sequence[tuple[str, NdrType]] = (),
                 response: Sequence[tuple[str, NdrType]] = (),
                 returns: ReturnKind | NdrType | None = "NTSTATUS") -> None:
        if not 0 <= opnum <= 0xFFFF:
            raise TypeError(f"{name}: opnum {opnum} out of range")
        self.opnum = opnum
        self.name = name
        self.request = tuple(request)
        self.response = tuple(response)
        out = list(self.response)
        if returns is not None:
            rtype = returns if isinstance(returns, NdrType) else _RETURN_TYPES.get(returns)
            if rtype is None:
                raise TypeError(f"{name}: unknown return type {returns!r}")
            out.append((RETURN_VALUE, rtype))
        self.returns = returns
        self._in = _Params(name, self.request)
        self._out = _Params(name, out, {RETURN_VALUE: 0} if returns is not None else None)

    def __repr__(self) -> str:
        return f"<Operation {self.opnum} {self.name}>"

    # server side
    def decode_request(self, stub: bytes | bytearray | memoryview,
                       little_endian: bool = True) -> dict[str, Any]:
        return self._in.decode(stub, 0 if little_endian else 1)

    def encode_response(self, values: Mapping[str, Any], little_endian: bool = True) -> bytes:
        return self._out.encode(values, 0 if little_endian else 1)

    # client side (tests, tools)
    def encode_request(self, values: Mapping[str, Any], little_endian: bool = True) -> bytes:
        return self._in.encode(values, 0 if little_endian else 1)

    def decode_response(self, stub: bytes | bytearray | memoryview,
                        little_endian: bool = True) -> dict[str, Any]:
        return self._out.decode(stub, 0 if little_endian else 1)

    def error_response(self, status: int, **values: Any) -> dict[str, Any]:
        """A response with every [out] parameter at its neutral value and ``status``.

        Windows answers most failures with NULL/zero [out] parameters and the error as the
        return value; keyword arguments override individual parameters.
        """
        out = self._out.default()
        out.update(values)
        if self.returns is not None:
            out[RETURN_VALUE] = status
        return out
