"""Structures (C706 14.3.6-14.3.7): `Struct`, with its codec compiled when the type is declared.

A structure made only of primitives and pointers gets one precompiled ``struct.Struct`` layout for
its scalar part (``_compile_flat``), so encoding an element is one ``pack`` call and encoding an
array of them needs no call per field; other structures keep a precomputed list of bound pushers
and pullers. The deferred pass is precomputed the same way."""

from __future__ import annotations

import operator
import struct
from collections.abc import Callable, Sequence
from typing import Any

from smbemu.rpc.ndr.pointers import Pointer
from smbemu.rpc.ndr.primitives import Boolean, NdrType, Primitive
from smbemu.rpc.ndr.stream import Decoder, Encoder, get_u32, NdrError, put_u32, REF_STEP, ZEROS


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
        pushers: list[tuple[str, Callable[[Encoder, Any], None]]] = [(n, t.push) for n, t in fields]
        pullers: list[tuple[str, Callable[[Decoder], Any]]] = [(n, t.pull) for n, t in fields]
        if conformant:
            pushers[-1] = (last_name, last_type.push_body)
            pullers.pop()
        self._pushers = tuple(pushers)
        self._pullers = tuple(pullers)
        self._buffered = tuple((n, t) for n, t in fields if t.has_buffers)
        # The deferred pass, precomputed: a pointer whose referent has no pointers of its own
        # (a string, a SID, an array of integers...) writes the referent directly when it is
        # not NULL, saving the pointer's own push_deferred call per field.
        deferred: list[tuple[str, Callable[[Encoder, Any], None], bool]] = []
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
        if not conformant and all(type(t) in (Primitive, Boolean) or isinstance(t, Pointer)
                                  for _, t in fields):
            self._compile_flat()

    # kinds of the members of a flat structure
    _PLAIN, _BOOL, _PTR, _REF = 0, 1, 2, 3
    #: how a flat layout packs a referent id; whether it ends with the trailing pad (NDR64
    #: sets both: 8-byte pointers and a size that is a multiple of the alignment, MS-RPCE
    #: 2.2.5.3.4.1; NDR20 has no trailing pad, C706 14.3.6)
    _PTR_CODE = "I"
    _TRAILING_PAD = False

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
                fmt.append(self._PTR_CODE)
                off += ftype.align
                kinds.append((fname, self._REF if ftype.kind == "ref" else self._PTR))
            else:
                assert isinstance(ftype, Primitive)
                fmt.append(ftype.code)
                off += ftype.size
                kinds.append((fname, self._BOOL if type(ftype) is Boolean else self._PLAIN))
        if self._TRAILING_PAD:
            fmt.append("x" * (-off & self._mask))
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

    def push(self, e: Encoder, v: Any) -> None:
        if self.conformant:
            try:
                put_u32(e, self.max_count(v))
            except NdrError as exc:
                raise exc.add_path(self.name) from None
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise NdrError(f"{exc!r}").add_path(self.name) from exc
        self.push_body(e, v)

    def push_body(self, e: Encoder, v: Any) -> None:
        buf = e.buf
        pad = -len(buf) & self._mask
        if pad:
            buf += ZEROS[:pad]
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
                        e.ref = ref + REF_STEP
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

    def push_deferred(self, e: Encoder, v: Any) -> None:
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

    def push_items(self, e: Encoder, items: Sequence[Any]) -> None:
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
                        buf += ZEROS[:pad]
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
                        ref += REF_STEP
                for i in booleans:
                    values[i] = 1 if values[i] else 0
                pad = -len(buf) & mask
                if pad:
                    buf += ZEROS[:pad]
                buf += pack(*values)
        except Exception:
            # start again element by element: that path names the field that failed
            del buf[start:]
            push_body = self.push_body
            for x in items:
                push_body(e, x)
            raise
        e.ref = ref

    def push_items_deferred(self, e: Encoder, items: Sequence[Any]) -> None:
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

    def pull(self, d: Decoder) -> dict[str, Any]:
        if self.conformant:
            return self.pull_body(d, get_u32(d))
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

    def pull_body(self, d: Decoder, count: int) -> dict[str, Any]:
        d.pos += -d.pos & self._mask
        out: dict[str, Any] = {}
        for fname, pull in self._pullers:
            out[fname] = pull(d)
        name, ftype = self._last
        out[name] = ftype.pull_body(d, count)
        return out

    def pull_deferred(self, d: Decoder, v: Any) -> Any:
        for fname, pull, direct in self._deferred_pullers:
            if not direct:
                v[fname] = pull(d, v[fname])
            elif v[fname] == 0:
                v[fname] = None
            else:
                v[fname] = pull(d)
        return v

    def default(self) -> dict[str, Any]:
        return {fname: ftype.default() for fname, ftype in self.fields}
