"""`parse` and `build` try a declaration's plan (smbemu.smb2.layouts.base._Plan) before construct:
for generated bodies and fields the plan must give construct's result, or give up (None) exactly
where construct refuses, so the declaration alone still decides every byte and every error.
"""

from __future__ import annotations

import struct
from typing import Any

import construct as cs  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smbemu.errors import SmbStatusError
from smbemu.smb2.constants import HEADER_SIZE
from smbemu.smb2.layouts import build, files, header, parse, session
from smbemu.smb2.layouts.base import Body, BufferAt
from smbemu.status import NtStatus

PLANNED = {
    f"{module.__name__.rsplit('.', 1)[1]}.{name}": value
    for module in (session, files, header) for name, value in vars(module).items()
    if isinstance(value, Body) and value.plan is not None
}
# The messages of every connection must not lose their plan (the churn benchmark's path).
PER_CONNECTION = ["session.NegotiateRequest", "session.NegotiateResponse", "session.SessionSetupRequest",
                  "session.SessionSetupResponse", "session.TreeConnectRequest", "session.TreeConnectResponse",
                  "files.CreateRequest", "files.CreateResponse", "files.CloseRequest", "files.CloseResponse"]


def test_per_connection_messages_have_a_plan() -> None:
    assert set(PER_CONNECTION) <= set(PLANNED)


def fields_of(container: Any) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, list) else value
            for key, value in container.items() if not key.startswith("_")}


def construct_parse(layout: Any, body: bytes) -> dict[str, Any] | None:
    try:
        return fields_of(layout.parse(body))
    except cs.ConstructError:
        return None


def pointer_names(layout: Any) -> tuple[set[str], set[str]]:
    """The Offset fields and the Length / Count fields the Buffers and Arrays read (`this.name`)."""
    offsets, lengths = set(), set()
    for subcon in layout.subcons:
        inner = getattr(subcon, "subcon", None)
        inner = getattr(inner, "thensubcon", inner)
        for names, expression in ((offsets, getattr(inner, "offset", None)), (lengths, getattr(inner, "length", None)),
                                  (lengths, getattr(inner, "count", None))):
            if expression is not None and not isinstance(expression, int):
                names.add(repr(expression).split("'")[1])
    return offsets, lengths


def fixed_part(layout: Any) -> list[Any]:
    """The named fixed-size fields before the first Buffer or Array."""
    out = []
    for subcon in layout.subcons:
        try:
            subcon.sizeof()
        except cs.SizeofError:
            break
        out.append(subcon)
    return out


@st.composite
def bodies(draw: Any, layout: Any) -> bytes:
    """A body whose fixed part is mostly well-formed and whose Offsets and Lengths lie near the
    edges the checks guard, followed by a tail of random length."""
    fixed_size = sum(subcon.sizeof() for subcon in fixed_part(layout))
    offsets, lengths = pointer_names(layout)
    tail = draw(st.binary(max_size=60))
    data, room = b"", len(tail)  # room: what the last Offset leaves of the tail
    for subcon in fixed_part(layout):
        inner, size = subcon.subcon, subcon.sizeof()
        if isinstance(inner, cs.Const) and draw(st.integers(0, 9)) < 9:  # mostly right
            data += inner.build(inner.value)
            continue
        if subcon.name in offsets | lengths and size in (1, 2, 4, 8):
            # (hypothesis favours a range's lower end: the first range of each starts where it fits)
            if subcon.name in offsets:
                start = HEADER_SIZE + fixed_size
                near = st.one_of(st.integers(start, start + len(tail)), st.integers(start - 2, start + len(tail) + 2))
            else:
                near = st.one_of(st.integers(min(2, room), room), st.integers(0, room + 2))
            value = draw(st.one_of(near, near, near, st.integers(0, 2 ** (8 * size) - 1)))
            if subcon.name in offsets:
                room = max(HEADER_SIZE + fixed_size + len(tail) - value, 0)
            data += min(value, 2 ** (8 * size) - 1).to_bytes(size, "little")
            continue
        data += draw(st.binary(min_size=size, max_size=size))
    return data[: draw(st.integers(0, len(data)))] if draw(st.integers(0, 6)) == 6 else data + tail


PLANS = settings(max_examples=150, deadline=None, derandomize=True, database=None)


@pytest.mark.parametrize("name", sorted(PLANNED))
@PLANS
@given(data=st.data())
def test_plan_parses_as_construct(name: str, data: Any) -> None:
    layout = PLANNED[name]
    body = data.draw(bodies(layout))
    expected = construct_parse(layout, body)
    planned = layout.plan.parse(memoryview(body))
    assert planned == expected
    try:
        through_wrapper = fields_of(parse(layout, body))
    except SmbStatusError as exc:
        assert exc.status == NtStatus.INVALID_PARAMETER
        through_wrapper = None
    assert through_wrapper == expected


@pytest.mark.parametrize("name", sorted(PLANNED))
@PLANS
@given(data=st.data())
def test_plan_builds_as_construct(name: str, data: Any) -> None:
    layout = PLANNED[name]
    fields = construct_parse(layout, data.draw(bodies(layout)))
    if fields is None:
        return
    if data.draw(st.booleans()):  # a value construct may refuse, or a constant left out
        key = data.draw(st.sampled_from(sorted(fields)))
        fields[key] = data.draw(st.sampled_from([-1, 0, 2**64, b"\x00" * 3, b"", None, "text", [1], fields[key]]))
        if data.draw(st.booleans()):
            del fields[key]
    try:
        expected: Any = layout.build(fields)
    except Exception as exc:  # the exception's type is the outcome
        expected = type(exc)
    planned = layout.plan.build(fields)
    if planned is not None:
        assert planned == expected
    try:
        wrapped: Any = build(layout, **fields)
    except Exception as exc:
        wrapped = type(exc)
    assert wrapped == expected


def test_plan_gives_the_parsed_fields_back_for_a_well_formed_body() -> None:
    """Not only agreement: the plan takes the well-formed path itself (construct is the fallback)."""
    name = "srvsvc".encode("utf-16-le")
    body = struct.pack("<HBBIQQIIIIIHHII", 57, 0, 0, 2, 0, 0, 0x0012019F, 0, 3, 1, 0x40, 120, len(name), 0, 0) + name
    fields = files.CreateRequest.plan.parse(body)
    assert fields is not None and fields["name"] == name
    assert files.CreateRequest.plan.build(fields) == body
    assert isinstance(files.CreateRequest.subcons[-1].subcon, BufferAt)
