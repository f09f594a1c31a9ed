"""The top level: one value encoded as a construct (`encode`, `decode`), `Memo` for a value encoded
once and copied afterwards, and `Operation`, one opnum's [in] and [out] parameters as one stub each
(C706 14.3.12.3: a top-level parameter is its own outermost construct)."""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Literal

from smbemu.rpc.ndr.ndr64 import to_ndr64
from smbemu.rpc.ndr.pointers import Pointer, toplevel_type
from smbemu.rpc.ndr.primitives import boolean32, int32, NdrType, uint32
from smbemu.rpc.ndr.stream import Decoder, Encoder, NdrError


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

    def _push(self, e: Encoder, ndr_type: NdrType) -> None:
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


_DECODE_ERRORS: Final = (struct.error, IndexError, ValueError, TypeError, OverflowError,
                         UnicodeError, KeyError)


def _push_toplevel(e: Encoder, t: NdrType, value: Any) -> None:
    """A top-level construct: its scalar part, then its referents (C706 14.3.12.3)."""
    if type(value) is Memo:
        value._push(e, t)
        return
    t.push(e, value)
    if t.has_buffers:
        t.push_deferred(e, value)


def encode(ndr_type: NdrType, value: Any, little_endian: bool = True, *,
           ndr64: bool = False) -> bytes:
    """Encode one value as a top-level construct (its referents follow it)."""
    t = toplevel_type(to_ndr64(ndr_type) if ndr64 else ndr_type)
    e = Encoder(0 if little_endian else 1)
    _push_toplevel(e, t, value)
    return bytes(e.buf)


def decode(ndr_type: NdrType, data: bytes | bytearray | memoryview,
           little_endian: bool = True, *, ndr64: bool = False) -> tuple[Any, int]:
    """Decode one top-level construct; returns ``(value, bytes consumed)``."""
    t = toplevel_type(to_ndr64(ndr_type) if ndr64 else ndr_type)
    d = Decoder(bytes(data), 0 if little_endian else 1)
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
        self.params = tuple((n, toplevel_type(t)) for n, t in params)
        self.defaults = dict(defaults or {})
        # per parameter: read the scalar part, then (if any) the referents; a top-level
        # unique pointer to a construct without pointers (an optional string, a DWORD*...)
        # reads its referent id and the referent in one call
        readers: list[tuple[str, Callable[[Decoder], Any], Callable[[Decoder, Any], Any] | None]] = []
        for n, t in self.params:
            if isinstance(t, Pointer) and t.kind == "unique" and not t.target.has_buffers:
                readers.append((n, t.pull_with_referent, None))
            else:
                readers.append((n, t.pull, t.pull_deferred if t.has_buffers else None))
        self._readers = tuple(readers)

    def encode(self, values: Mapping[str, Any], be: int) -> bytes:
        e = Encoder(be)
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
        d = Decoder(data if type(data) is bytes else bytes(data), be)
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

    def ndr64(self) -> _Params:
        """The same parameters in NDR64 (MS-RPCE 2.2.5.3)."""
        return _Params(self.owner, [(n, to_ndr64(t)) for n, t in self.params], self.defaults)


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

    __slots__ = ("opnum", "name", "request", "response", "returns", "_in", "_out",
                 "_in64", "_out64")

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
        # the NDR64 forms are derived on the first NDR64 call (most servers never see one)
        self._in64: _Params | None = None
        self._out64: _Params | None = None

    def _params64(self, out: bool) -> _Params:
        if out:
            if self._out64 is None:
                self._out64 = self._out.ndr64()
            return self._out64
        if self._in64 is None:
            self._in64 = self._in.ndr64()
        return self._in64

    def __repr__(self) -> str:
        return f"<Operation {self.opnum} {self.name}>"

    # server side
    # (``ndr64``: the stub is in the NDR64 transfer syntax the presentation context negotiated)
    def decode_request(self, stub: bytes | bytearray | memoryview,
                       little_endian: bool = True, *, ndr64: bool = False) -> dict[str, Any]:
        params = self._params64(False) if ndr64 else self._in
        return params.decode(stub, 0 if little_endian else 1)

    def encode_response(self, values: Mapping[str, Any], little_endian: bool = True, *,
                        ndr64: bool = False) -> bytes:
        params = self._params64(True) if ndr64 else self._out
        return params.encode(values, 0 if little_endian else 1)

    # client side (tests, tools)
    def encode_request(self, values: Mapping[str, Any], little_endian: bool = True, *,
                       ndr64: bool = False) -> bytes:
        params = self._params64(False) if ndr64 else self._in
        return params.encode(values, 0 if little_endian else 1)

    def decode_response(self, stub: bytes | bytearray | memoryview,
                        little_endian: bool = True, *, ndr64: bool = False) -> dict[str, Any]:
        params = self._params64(True) if ndr64 else self._out
        return params.decode(stub, 0 if little_endian else 1)

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
