"""The DCOM object exporter's tables (pipes/dcom/objects.py): ping-set expiry (MS-DCOM 3.2.6.1:
three missed 120 s pings), release, and the bounds a hostile client meets; the activation
BLOB parser on garbage (pipes/dcom/activation.py)."""

from __future__ import annotations

import uuid

import pytest

from smbemu.rpc.ndr import NdrError
from smbemu_pipes.dcom import activation, objects, wire
from smbemu_pipes.dcom.classes import CLSID_EVENT_SYSTEM, IID_IEVENT_SYSTEM


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_pinged_object_lives_and_an_unpinged_set_expires_with_its_objects() -> None:
    clock = Clock()
    table = objects.ObjectExporter(clock)
    obj = table.create(CLSID_EVENT_SYSTEM)
    assert obj is not None
    ipid = table.export(obj, IID_IEVENT_SYSTEM)
    set_id, error = table.complex_ping(0, [obj.oid], [])
    assert error == 0 and set_id
    for _ in range(10):  # pinged every period: alive long past the expiry
        clock.now += 120
        assert table.simple_ping(set_id) == 0
    assert table.find(ipid) is not None
    clock.now += objects.PING_EXPIRY + 1  # three pings missed
    assert table.find(ipid) is None
    assert table.simple_ping(set_id) == wire.OR_INVALID_SET


def test_an_object_never_pinged_is_collected_and_a_released_one_at_once() -> None:
    clock = Clock()
    table = objects.ObjectExporter(clock)
    kept = table.create(CLSID_EVENT_SYSTEM)
    released = table.create(CLSID_EVENT_SYSTEM)
    assert kept is not None and released is not None
    kept_ipid = table.export(kept, IID_IEVENT_SYSTEM)
    released_ipid = table.export(released, IID_IEVENT_SYSTEM, 5)
    assert table.release(released_ipid, 5)
    assert table.find(released_ipid) is None and table.find(kept_ipid) is not None
    clock.now += objects.PING_EXPIRY + 1
    assert table.find(kept_ipid) is None
    assert not table.release(uuid.uuid4(), 1)


def test_the_tables_are_bounded() -> None:
    table = objects.ObjectExporter(Clock())
    made = [table.create(CLSID_EVENT_SYSTEM) for _ in range(objects.MAX_OBJECTS)]
    for obj in made:
        assert obj is not None
        table.export(obj, IID_IEVENT_SYSTEM)
    assert table.create(CLSID_EVENT_SYSTEM) is None
    for _ in range(objects.MAX_SETS):
        assert table.complex_ping(0, [], [])[1] == 0
    assert table.complex_ping(0, [], [])[1] == wire.E_OUTOFMEMORY
    assert len(table.sets) == objects.MAX_SETS


@pytest.mark.parametrize("blob", [b"", b"MEOW", bytes(48), wire.objref_custom(uuid.uuid4(), uuid.uuid4(), b"\x01" * 40),
                                  wire.objref_custom(uuid.uuid4(), uuid.uuid4(), bytes(8) + b"\x01\x10\x08\x00" + bytes(60))])
def test_a_malformed_activation_blob_is_an_ndr_error(blob: bytes) -> None:
    with pytest.raises(NdrError):
        activation._requested(blob)


def test_the_string_bindings_are_packed_as_ms_dcom_2_2_19_says() -> None:
    words, offset = wire.string_bindings(["HOST[135]"], [(wire.RPC_C_AUTHN_WINNT, "")])
    raw = b"".join(w.to_bytes(2, "little") for w in words)
    assert raw[:2] == b"\x07\x00" and raw[2:2 + 20] == "HOST[135]\x00".encode("utf-16-le")
    assert offset == (2 + 20 + 2) // 2 and raw[offset * 2:offset * 2 + 4] == b"\x0a\x00\xff\xff"
    assert raw.endswith(b"\x00\x00\x00\x00")
