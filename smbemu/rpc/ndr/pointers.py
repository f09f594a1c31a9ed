"""Pointers (C706 14.3.10-14.3.12): unique, ref and full, embedded (a referent id where they sit,
the referent deferred) or top level (a [ref] pointer stands for its referent alone)."""

from __future__ import annotations

from typing import Any, Literal

from smbemu.rpc.ndr.primitives import NdrType
from smbemu.rpc.ndr.stream import (
    Decoder,
    Encoder,
    get_u32,
    NdrError,
    NULL_PTR,
    REF_STEP,
    U32,
    ZEROS,
)


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

    def push(self, e: Encoder, v: Any) -> None:
        buf = e.buf
        pad = -len(buf) & 3
        if pad:
            buf += ZEROS[:pad]
        if v is None:
            if self.kind == "ref":
                raise NdrError("NULL [ref] pointer")
            buf += NULL_PTR
        else:
            ref = e.ref
            e.ref = ref + REF_STEP
            buf += U32[e.be].pack(ref)

    def push_deferred(self, e: Encoder, v: Any) -> None:
        if v is not None:
            target = self.target
            target.push(e, v)
            if target.has_buffers:
                target.push_deferred(e, v)

    def pull(self, d: Decoder) -> Any:
        ref = get_u32(d)
        if ref == 0 and self.kind == "ref":
            raise NdrError("NULL [ref] pointer")
        return ref

    def pull_with_referent(self, d: Decoder) -> Any:
        """A top-level unique pointer whose referent has no pointers: the referent id, then
        the referent right behind it (C706 14.3.12.3), or None for NULL."""
        if get_u32(d) == 0:
            return None
        return self.target.pull(d)

    def pull_deferred(self, d: Decoder, v: Any) -> Any:
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


def toplevel_type(t: NdrType) -> NdrType:
    """A top-level [ref] pointer is represented by its referent alone (C706 14.3.10)."""
    while isinstance(t, Pointer) and t.kind == "ref":
        t = t.target
    return t
