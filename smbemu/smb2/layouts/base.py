"""What every SMB2 body declaration shares: `Body`, the Buffer field, and the message boundary.

Bodies are parsed and built by their declarations, interpreted: construct's compiled mode skips
its checks and raises a bare `struct.error` on short input, and its documentation says not to use
it on untrusted data (DESIGN.md, performance notes), so it is used nowhere. `Body` is `cs.Struct`
with runs of fixed-size fields interpreted in one `struct` call (same checks, same errors), which
takes the interpreter's per-field cost off the fifteen-field CREATE and its kin; and `parse` and
`build` first try each declaration's `_Plan` (its runs, Buffers and Arrays read straight from
the bytes), which gives up to construct on anything malformed, so the per-connection messages
cost a few struct calls and construct still decides every refusal. Every construct
error while parsing a request becomes STATUS_INVALID_PARAMETER here, at the message boundary, as
Windows answers a malformed body (MS-SMB2 3.3.5.2.x: "the server MUST fail the request with
STATUS_INVALID_PARAMETER").
"""

from __future__ import annotations

import functools
import io
import operator
import struct
from collections.abc import Callable
from typing import Any

import construct as cs  # type: ignore[import-untyped]

from smbemu.errors import ProtocolViolation, SmbStatusError
from smbemu.smb2.constants import HEADER_SIZE
from smbemu.status import NtStatus

this = cs.this


class Body(cs.Struct):  # type: ignore[misc]
    """`cs.Struct` that reads each run of fixed-size fields with one `struct` call.

    The declaration, the checks and the errors are `cs.Struct`'s: a run is read with
    `stream_read` (StreamError when the body is short) and every `Const` is compared (ConstError),
    every field lands in the result and in the context `this` expressions read. Only the
    interpretation is batched: the interpreter's cost is per field (about 1 µs each), and a
    CREATE request has fifteen. Fields other than integers, constants and fixed-length bytes
    (Buffers, arrays, checks, nested structures) are parsed one by one, as `cs.Struct` does.
    Building batches the same runs; a value `struct` cannot pack as construct would (out of
    range, wrong type, a Bytes of the wrong length, a Const given another value) sends that run
    through the fields one by one, so construct raises its own error for it.
    `tests/unit/smb2/test_layouts.py` proves every declaration parses and builds as its
    `cs.Struct` twin.
    """

    def __init__(self, *subcons: Any) -> None:
        super().__init__(*subcons)
        self._steps = _batched(self.subcons)
        self.plan = _Plan.of(self._steps)

    def _parse(self, stream: Any, context: Any, path: str) -> Any:
        obj = cs.Container()
        obj["_io"] = stream
        context = self._context(context, stream)
        for step in self._steps:
            if isinstance(step, _Run):
                data = stream.read(step.layout.size)
                if len(data) == step.layout.size:
                    values = step.layout.unpack(data)
                    for index, expected in step.constants:
                        if values[index] != expected:
                            raise cs.ConstError(
                                f"parsing expected {expected!r} but parsed {values[index]!r}", path=path
                            )
                    for name, value in zip(step.names, values):
                        obj[name] = value
                        context[name] = value
                    continue
                # A short body: read the run field by field, for construct's own error (a wrong
                # constant before the end is a ConstError, as cs.Struct reports it).
                stream.seek(-len(data), 1)
                subcons = step.subcons
            else:
                subcons = (step,)
            for subcon in subcons:  # as cs.Struct._parse
                subobj = subcon._parsereport(stream, context, path)
                if subcon.name:
                    obj[subcon.name] = subobj
                    context[subcon.name] = subobj
        return obj

    def _context(self, outer: Any, stream: Any) -> Any:
        """The context cs.Struct gives its fields (read by item: Container's attribute access is
        a Python call per name)."""
        context = cs.Container(
            _=outer, _params=outer["_params"], _root=None, _parsing=outer["_parsing"],
            _building=outer["_building"], _sizing=outer["_sizing"], _subcons=self._subcons, _io=stream,
            _index=outer.get("_index", None),
        )
        context["_root"] = outer.get("_root", context)
        return context

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        if obj is None:
            obj = cs.Container()
        context = self._context(context, stream)
        dict.update(context, obj)  # Container (a dict) overrides update with a Python loop
        for step in self._steps:
            if isinstance(step, _Run):
                if step.build(obj, stream, context, path):
                    continue
                subcons = step.subcons
            else:
                subcons = (step,)
            for subcon in subcons:  # as cs.Struct._build
                subobj = obj.get(subcon.name, None) if subcon.flagbuildnone else obj[subcon.name]
                if subcon.name:
                    context[subcon.name] = subobj
                built = subcon._build(subobj, stream, context, path)
                if subcon.name:
                    context[subcon.name] = built
        return context


class _Run:
    """Consecutive fixed-size fields read and written as one `struct` layout."""

    __slots__ = ("layout", "names", "constants", "byte_lengths", "subcons")

    def __init__(self, fields: list[tuple[Any, str, Any]]) -> None:
        """`fields`: (subcon, struct format, constant or None) of each field, in wire order."""
        self.layout = struct.Struct("<" + "".join(fmt for _, fmt, _ in fields))
        self.names = tuple(subcon.name for subcon, _, _ in fields)
        self.constants = tuple((index, value) for index, (_, _, value) in enumerate(fields) if value is not None)
        # Fixed-length Bytes fields: `struct` would pad or cut a value of another length.
        self.byte_lengths = tuple(
            (index, int(fmt[:-1])) for index, (_, fmt, _) in enumerate(fields) if fmt.endswith("s")
        )
        self.subcons = tuple(subcon for subcon, _, _ in fields)

    def values(self, obj: Any) -> list[Any] | None:
        """The run's values from `obj` (a constant may be left out), or None when one needs
        construct's own handling (a constant given another value, a Bytes of another length or
        type, a field missing)."""
        # A field left out reads as None, which `struct` refuses (construct then raises KeyError).
        values = list(map(obj.get, self.names))
        for index, expected in self.constants:
            if values[index] is None:
                values[index] = expected
            elif values[index] != expected:
                return None
        for index, length in self.byte_lengths:
            if type(values[index]) is not bytes or len(values[index]) != length:
                return None
        return values

    def build(self, obj: Any, stream: Any, context: Any, path: str) -> bool:
        """Write the run from `obj` in one pack; False (nothing written) when a value needs
        construct's own handling, field by field."""
        values = self.values(obj)
        if values is None:
            return False
        try:
            data = self.layout.pack(*values)
        except struct.error:
            return False
        cs.stream_write(stream, data, self.layout.size, path)
        for name, value in zip(self.names, values):
            context[name] = value
        return True


def _fixed_format(subcon: Any) -> tuple[str, Any] | None:
    """The `struct` format of a named little-endian integer, constant integer or fixed-length
    Bytes field, with its constant (or None); None for anything else."""
    if not isinstance(subcon, cs.Renamed) or not subcon.name:
        return None
    inner, constant = subcon.subcon, None
    if isinstance(inner, cs.Const) and isinstance(inner.subcon, cs.FormatField):
        inner, constant = inner.subcon, inner.value
    if isinstance(inner, cs.FormatField) and inner.fmtstr[0] == "<" and len(inner.fmtstr) == 2:
        return inner.fmtstr[1], constant
    if constant is None and isinstance(inner, cs.Bytes) and isinstance(inner.length, int):
        return f"{inner.length}s", None
    return None


def _fixed_element(subcon: Any) -> bool:
    """An Array element `struct` reads as construct does: a little-endian integer."""
    return isinstance(subcon, cs.FormatField) and subcon.fmtstr[0] == "<" and len(subcon.fmtstr) == 2


def _batched(subcons: list[Any]) -> list[Any]:
    """The steps of a parse or build: runs of fixed-size fields, and every other field alone."""
    steps: list[Any] = []
    run: list[tuple[Any, str, Any]] = []
    for subcon in subcons:
        fixed = _fixed_format(subcon)
        if fixed is not None:
            run.append((subcon, *fixed))
            continue
        if run:
            steps.append(_Run(run))
            run = []
        steps.append(subcon)
    if run:
        steps.append(_Run(run))
    return steps


class BufferAt(cs.Construct):  # type: ignore[misc]
    """A "Buffer (variable)" span of an SMB2 body, found by an Offset and a Length field.

    MS-SMB2 counts every Offset from the start of the SMB2 header (2.2.x), so `offset` is a header
    offset and `HEADER_SIZE` is taken off to find the span in the body. A span may not start
    inside the fixed part (`fixed_size`) nor run past the body. `empty_anywhere`: an empty span
    is accepted whatever its offset (a request that carries no name or input). `nonempty` /
    `even`: a zero length / an odd length (UTF-16 text) is malformed. `length=None`: the span
    runs to the end of the body (a list with no length field of its own).

    Building writes the bytes where the offset says, zero-padding from the end of what precedes
    (the 8-byte alignment MS-SMB2 asks for between a blob and a context list, 2.2.4).
    """

    def __init__(self, offset: Any, length: Any, fixed_size: int, *, empty_anywhere: bool = False,
                 nonempty: bool = False, even: bool = False) -> None:
        super().__init__()
        self.offset = offset
        self.length = length
        self.fixed_size = fixed_size
        self.empty_anywhere = empty_anywhere
        self.nonempty = nonempty
        self.even = even
        self.flagbuildnone = False

    def _parse(self, stream: Any, context: Any, path: str) -> bytes:
        start = cs.evaluate(self.offset, context) - HEADER_SIZE
        size = cs.stream_size(stream)
        length = size - start if self.length is None else cs.evaluate(self.length, context)
        if length == 0 and self.empty_anywhere:
            return b""
        if (self.nonempty and length == 0) or (self.even and length % 2):
            raise cs.ValidationError(f"bad buffer length {length}", path=path)
        if start < self.fixed_size or length < 0 or start + length > size:
            raise cs.ValidationError(f"buffer [{start}, {start + length}) outside the body", path=path)
        fallback = cs.stream_tell(stream, path)
        cs.stream_seek(stream, start, 0, path)
        data = cs.stream_read(stream, length, path)
        cs.stream_seek(stream, fallback, 0, path)
        return bytes(data)

    def span(self, body: memoryview | bytes, offset: int, length: int | None) -> bytes | None:
        """The Buffer of a whole `body` at header offset `offset` (`length` None: to the end), as
        `_parse` finds it; None where `_parse` raises (a `_Plan` then lets construct raise it)."""
        start = offset - HEADER_SIZE
        size = len(body)
        if length is None:
            length = size - start
        if length == 0 and self.empty_anywhere:
            return b""
        if (self.nonempty and length == 0) or (self.even and length % 2):
            return None
        if start < self.fixed_size or length < 0 or start + length > size:
            return None
        return bytes(body[start : start + length])

    def _build(self, obj: bytes, stream: Any, context: Any, path: str) -> bytes:
        if not obj:
            return obj
        position = cs.stream_tell(stream, path)
        start = cs.evaluate(self.offset, context) - HEADER_SIZE
        if start < position or start < self.fixed_size:
            raise cs.ValidationError(f"buffer offset {start} overlaps what precedes it", path=path)
        cs.stream_write(stream, bytes(start - position) + obj, start - position + len(obj), path)
        return obj

    def _sizeof(self, context: Any, path: str) -> int:
        raise cs.SizeofError("a buffer has no fixed size", path=path)


class _Plan:
    """A body of fixed-size runs, Buffers and integer Arrays, parsed from and built to bytes
    without construct's stream, contexts and per-field calls: what `parse` and `build` try first.

    The plan is derived from the declaration (its fields, in wire order, and the expressions that
    place its Buffers) and only takes the well-formed path: the moment anything is off (a short
    body, a wrong constant, a Buffer outside the body, a value `struct` would not pack as construct
    does, a missing field) it gives up (None) and construct runs the declaration, raising its own
    error or giving its own result. `tests/unit/smb2/test_layout_plans.py` proves for generated
    bodies and fields that the two agree. A body with anything else (a Check, a nested structure,
    a Bytes of computed length) has no plan.
    """

    __slots__ = ("steps",)

    def __init__(self, steps: list[tuple[Any, ...]]) -> None:
        """`steps`, in wire order: ("run", _Run); ("array", name, count, element); ("greedy", name);
        ("buffer", name, BufferAt, offset, length or None, condition or None), where count, offset,
        length and condition read the fields parsed so far."""
        self.steps = steps

    @classmethod
    def of(cls, batched: list[Any]) -> _Plan | None:
        steps: list[tuple[Any, ...]] = []
        for step in batched:
            if isinstance(step, _Run):
                steps.append(("run", step))
                continue
            if not isinstance(step, cs.Renamed) or not step.name:
                return None
            inner, condition = step.subcon, None
            if (isinstance(inner, cs.IfThenElse) and isinstance(inner.thensubcon, BufferAt)
                    and isinstance(inner.elsesubcon, type(cs.Pass))):
                inner, condition = inner.thensubcon, _reader(inner.condfunc)
            if isinstance(inner, cs.Array) and _fixed_element(inner.subcon) and not inner.discard:
                steps.append(("array", step.name, _reader(inner.count), inner.subcon))
            elif inner is cs.GreedyBytes:
                steps.append(("greedy", step.name))
            elif isinstance(inner, BufferAt):
                length = None if inner.length is None else _reader(inner.length)
                steps.append(("buffer", step.name, inner, _reader(inner.offset), length, condition))
            else:
                return None
        return cls(steps)

    def parse(self, body: memoryview | bytes) -> dict[str, Any] | None:
        """The fields of a well-formed body, or None (construct decides)."""
        fields: dict[str, Any] = {}
        position, size = 0, len(body)
        for step in self.steps:
            kind = step[0]
            if kind == "run":
                run = step[1]
                end = position + run.layout.size
                if end > size:
                    return None
                values = run.layout.unpack_from(body, position)
                for index, expected in run.constants:
                    if values[index] != expected:
                        return None
                fields.update(zip(run.names, values))
                position = end
            elif kind == "buffer":
                _, name, buffer, offset, length, condition = step
                if condition is not None and not condition(fields):
                    fields[name] = None  # cs.If's Pass
                    continue
                data = buffer.span(body, offset(fields), None if length is None else length(fields))
                if data is None:
                    return None
                fields[name] = data
            elif kind == "array":
                _, name, count_of, element = step
                count = count_of(fields)
                end = position + count * element.length
                if count < 0 or end > size:
                    return None
                fields[name] = cs.ListContainer(struct.unpack_from(f"<{count}{element.fmtstr[1]}", body, position))
                position = end
            else:  # greedy
                fields[step[1]] = bytes(body[position:])
                position = size
        return fields

    def build(self, fields: dict[str, Any]) -> bytes | None:
        """The bytes of `fields`, or None (construct decides, or refuses)."""
        known = dict(fields)  # what the expressions read, the constants left out included
        parts: list[bytes] = []
        position = 0
        for step in self.steps:
            kind = step[0]
            if kind == "run":
                run = step[1]
                values = run.values(fields)
                if values is None:
                    return None
                try:
                    parts.append(run.layout.pack(*values))
                except struct.error:
                    return None
                known.update(zip(run.names, values))
                position += run.layout.size
                continue
            data = fields.get(step[1], _MISSING)
            if data is _MISSING:
                return None
            if kind == "buffer":
                _, _, buffer, offset, _, condition = step
                if condition is not None and not condition(known):
                    continue
                if not data:
                    continue  # BufferAt writes nothing for an empty Buffer
                if type(data) is not bytes:
                    return None
                start = offset(known) - HEADER_SIZE
                if start < position or start < buffer.fixed_size:
                    return None
                parts.append(bytes(start - position))
                parts.append(data)
                position = start + len(data)
            elif kind == "array":
                _, _, count_of, element = step
                count = count_of(known)
                if type(data) not in (list, cs.ListContainer) or len(data) != count:
                    return None
                try:
                    parts.append(struct.pack(f"<{count}{element.fmtstr[1]}", *data))
                except struct.error:
                    return None
                position += count * element.length
            else:  # greedy
                if type(data) is not bytes:
                    return None
                parts.append(data)
                position += len(data)
        return b"".join(parts)


def _reader(expression: Any) -> Callable[[dict[str, Any]], Any]:
    """`expression` (a constant, `this.name` or any construct expression) as a function of the
    fields parsed so far; `this.name` as a C-level item lookup."""
    if isinstance(expression, cs.expr.Path) and expression._Path__parent is this:
        return operator.itemgetter(expression._Path__field)
    return functools.partial(cs.evaluate, expression)


_MISSING = object()


def _top_context(parsing: bool, params: dict[str, Any]) -> Any:
    """The context `Construct.parse_stream` / `build_stream` start from, set by item."""
    context = cs.Container(params)
    context["_parsing"] = parsing
    context["_building"] = not parsing
    context["_sizing"] = False
    context["_params"] = context
    return context


def parse(layout: Any, body: memoryview | bytes, **params: Any) -> Any:
    """Parse a request body with its (interpreted) declaration; malformed → STATUS_INVALID_PARAMETER."""
    plan = getattr(layout, "plan", None)
    if plan is not None and not params:
        fields = plan.parse(body)
        if fields is not None:
            return cs.Container(fields)
    try:
        return layout._parsereport(io.BytesIO(body), _top_context(True, params), "(parsing)")
    except cs.ConstructError as exc:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, f"malformed request body: {exc}") from None


def parse_or_disconnect(layout: Any, data: memoryview | bytes, reason: str) -> Any:
    """Parse a payload whose corruption the spec treats as tampering (MS-SMB2 3.3.5.15.12):
    a malformed one drops the connection instead of failing the request."""
    try:
        return layout.parse(data)
    except cs.ConstructError:
        raise ProtocolViolation(reason) from None


def build(layout: Any, **fields: Any) -> bytes:
    """Build a response body from its declaration (what `Construct.build` does)."""
    plan = getattr(layout, "plan", None)
    if plan is not None:
        data: bytes | None = plan.build(fields)
        if data is not None:
            return data
    stream = io.BytesIO()
    layout._build(fields, stream, _top_context(False, {}), "(building)")
    return stream.getvalue()


def offset_of(layout: Any, name: str) -> int:
    """Where field `name` starts in a body: the sizes of the fixed fields before it."""
    offset = 0
    for subcon in layout.subcons:
        if subcon.name == name:
            return offset
        offset += subcon.sizeof()
    raise KeyError(name)


def field_names(layout: Any) -> tuple[str, ...]:
    """The declared fields in wire order (what a fast codec returns, in the same order)."""
    return tuple(subcon.name for subcon in layout.subcons if subcon.name)
