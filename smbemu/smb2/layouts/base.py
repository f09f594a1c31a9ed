"""What every SMB2 body declaration shares: the Buffer field, and parsing / building at the boundary.

Request bodies are parsed by the interpreted declarations only: construct's compiled mode skips
its checks and raises a bare `struct.error` on short input, and its documentation says not to use
it on untrusted data (DESIGN.md, performance notes). Every construct error while parsing a
request becomes STATUS_INVALID_PARAMETER here, at the message boundary, as Windows answers a
malformed body (MS-SMB2 3.3.5.2.x: "the server MUST fail the request with
STATUS_INVALID_PARAMETER").

Response bodies carry only the server's own values, so `build` runs the declaration's compiled
form (compiled once, on first use): about a third of the interpreted cost on CREATE, CLOSE and
TREE_CONNECT, once per open or tree. `tests/unit/smb2/test_layouts.py` proves both forms build the
same bytes.
"""

from __future__ import annotations

from typing import Any

import construct as cs  # type: ignore[import-untyped]

from smbemu.errors import ProtocolViolation, SmbStatusError
from smbemu.smb2.constants import HEADER_SIZE, NtStatus

this = cs.this


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


def parse(layout: Any, body: memoryview | bytes, **params: Any) -> Any:
    """Parse a request body with its (interpreted) declaration; malformed → STATUS_INVALID_PARAMETER."""
    try:
        return layout.parse(body, **params)
    except cs.ConstructError as exc:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, f"malformed request body: {exc}") from None


def parse_or_disconnect(layout: Any, data: memoryview | bytes, reason: str) -> Any:
    """Parse a payload whose corruption the spec treats as tampering (MS-SMB2 3.3.5.15.12):
    a malformed one drops the connection instead of failing the request."""
    try:
        return layout.parse(data)
    except cs.ConstructError:
        raise ProtocolViolation(reason) from None


_compiled: dict[int, Any] = {}


def build(layout: Any, **fields: Any) -> bytes:
    """Build a response body from the server's own values (compiled form, see the module docstring)."""
    compiled = _compiled.get(id(layout))
    if compiled is None:
        compiled = _compiled[id(layout)] = layout.compile()
    data: bytes = compiled.build(fields)
    return data


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


def fixed_size(layout: Any) -> int:
    """The size of the fixed part: every field before the first Buffer."""
    size = 0
    for subcon in layout.subcons:
        try:
            size += subcon.sizeof()
        except cs.SizeofError:
            break
    return size
