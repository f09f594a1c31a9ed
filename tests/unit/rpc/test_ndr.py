"""NDR20 engine: golden bytes (worked out by hand from C706 chapter 14) and round trips."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest

from smbemu.rpc import ndr
from smbemu.rpc.ndr import (
    CSTR,
    WSTR,
    ConformantArray,
    ConformantBytes,
    ConformantVaryingArray,
    ConformantVaryingBytes,
    ContextHandle,
    FixedArray,
    FixedBytes,
    Guid,
    NdrError,
    Operation,
    Pointer,
    PSid,
    RpcUnicodeString,
    Sid,
    Sized,
    Struct,
    Union,
    VaryingArray,
    WString,
    WStringRef,
    decode,
    encode,
)
from smbemu.status import NCA_S_FAULT_INVALID_TAG, NCA_S_FAULT_NDR


def hx(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def roundtrip(t: ndr.NdrType, value: Any, expected: bytes | None = None) -> bytes:
    for le in (True, False):
        data = encode(t, value, le)
        if le and expected is not None:
            assert data.hex() == expected.hex()
        back, used = decode(t, data, le)
        assert used == len(data)
        assert back == (value.value if isinstance(value, Sized) else value)
    return encode(t, value)


# ------------------------------------------------------------------ primitives and alignment

def test_primitives_little_and_big_endian() -> None:
    s = Struct("P", [("a", ndr.uint8), ("b", ndr.uint32), ("c", ndr.uint16), ("d", ndr.hyper)])
    v = {"a": 1, "b": 0x11223344, "c": 0x5566, "d": -2}
    assert encode(s, v).hex() == hx(
        "01 000000 44332211 6655 000000000000 feffffffffffffff").hex()
    assert encode(s, v, little_endian=False).hex() == hx(
        "01 000000 11223344 5566 000000000000 fffffffffffffffe").hex()
    roundtrip(s, v)


def test_alignment_is_relative_to_the_stub_start() -> None:
    op = Operation(0, "X", request=[("a", ndr.uint8), ("b", ndr.uint16), ("c", ndr.uint64)])
    data = op.encode_request({"a": 0xAA, "b": 0xBBBB, "c": 1})
    assert data == hx("aa 00 bbbb 00000000 0100000000000000")
    assert op.decode_request(data) == {"a": 0xAA, "b": 0xBBBB, "c": 1}


def test_booleans_enums_floats() -> None:
    s = Struct("B", [("x", ndr.boolean8), ("y", ndr.boolean32), ("e", ndr.enum16),
                     ("f", ndr.enum32), ("g", ndr.float64)])
    v = {"x": True, "y": False, "e": 3, "f": 7, "g": 1.5}
    assert encode(s, v) == hx("01 000000 00000000 0300 0000 07000000 000000000000f83f")
    roundtrip(s, v)
    assert decode(ndr.boolean32, hx("02000000"))[0] is True


# ------------------------------------------------------------------ pointers

def test_unique_pointer_referent_ids_are_deterministic() -> None:
    s = Struct("S", [("p", Pointer(ndr.uint32)), ("q", Pointer(ndr.uint32)),
                     ("r", Pointer(ndr.uint32))])
    data = roundtrip(s, {"p": 5, "q": None, "r": 6},
                     hx("00000200 00000000 04000200 05000000 06000000"))
    assert len(data) == 20


def test_embedded_referents_are_deferred_depth_first() -> None:
    inner = Struct("INNER", [("q", WString)])
    outer = Struct("OUTER", [("p1", Pointer(inner)), ("p2", WString)])
    roundtrip(outer, {"p1": {"q": "A"}, "p2": "B"}, hx(
        "00000200 04000200"                       # OUTER: p1, p2 ids
        "08000200"                                 # p1's referent: INNER.q id
        "02000000 00000000 02000000 4100 0000"     # q's string (deferred inside p1's referent)
        "02000000 00000000 02000000 4200 0000"))   # p2's string


def test_top_level_parameters_referents_follow_each_parameter() -> None:
    op = Operation(0, "X", request=[("A", WString), ("B", ndr.uint16), ("C", WString)])
    data = op.encode_request({"A": "x", "B": 7, "C": None})
    assert data == hx("00000200 02000000 00000000 02000000 7800 0000 0700 0000 00000000")
    assert op.decode_request(data) == {"A": "x", "B": 7, "C": None}


def test_top_level_ref_pointer_has_no_representation() -> None:
    op = Operation(0, "X", request=[("A", WStringRef), ("N", Pointer(ndr.uint32, "ref"))])
    data = op.encode_request({"A": "z", "N": 9})
    assert data == hx("02000000 00000000 02000000 7a00 0000 09000000")
    assert op.decode_request(data) == {"A": "z", "N": 9}


def test_embedded_ref_pointer_is_a_referent_id_and_never_null() -> None:
    s = Struct("S", [("p", Pointer(ndr.uint16, "ref"))])
    roundtrip(s, {"p": 3}, hx("00000200 0300"))
    with pytest.raises(NdrError):
        encode(s, {"p": None})
    with pytest.raises(NdrError):
        decode(s, hx("00000000 0300"))


def test_pointer_to_pointer() -> None:
    op = Operation(0, "X", response=[("pp", Pointer(Pointer(ndr.uint32), "ref"))], returns=None)
    assert op.encode_response({"pp": 7}) == hx("00000200 07000000")
    assert op.encode_response({"pp": None}) == hx("00000000")
    assert op.decode_response(hx("00000200 07000000")) == {"pp": 7}


def test_full_pointer_aliasing_on_decode() -> None:
    s = Struct("S", [("a", Pointer(ndr.uint32, "full")), ("b", Pointer(ndr.uint32, "full"))])
    # both pointers carry referent id 0x1234: the second one refers to the same object
    assert decode(s, hx("34120000 34120000 2a000000")) == ({"a": 42, "b": 42}, 12)


# ------------------------------------------------------------------ arrays

def test_fixed_arrays() -> None:
    s = Struct("F", [("a", FixedArray(ndr.uint16, 3)), ("b", FixedBytes(3)),
                     ("c", FixedArray(WString, 2))])
    roundtrip(s, {"a": [1, 2, 3], "b": b"xyz", "c": ["a", None]}, hx(
        "0100 0200 0300 78797a 000000 00000200 00000000"
        "02000000 00000000 02000000 6100 0000"))
    with pytest.raises(NdrError):
        encode(s, {"a": [1, 2], "b": b"xyz", "c": [None, None]})


def test_conformant_array_standalone() -> None:
    roundtrip(ConformantArray(ndr.uint16), [1, 2, 3], hx("03000000 0100 0200 0300"))
    roundtrip(ConformantArray(ndr.uint32), [], hx("00000000"))
    roundtrip(ConformantBytes(), b"\x01\x02", hx("02000000 0102"))


def test_conformance_is_hoisted_to_the_start_of_the_structure() -> None:
    s = Struct("S", [("n", ndr.uint16), ("a", ConformantArray(ndr.uint16))])
    roundtrip(s, {"n": 2, "a": [7, 8]}, hx("02000000 0200 0700 0800"))
    outer = Struct("O", [("x", ndr.uint8), ("s", s)])
    assert outer.conformant
    roundtrip(outer, {"x": 1, "s": {"n": 2, "a": [7, 8]}},
              hx("02000000 01 00 0200 0700 0800"))
    # behind a pointer the conformant structure is its own outermost construct
    holder = Struct("H", [("p", Pointer(s))])
    roundtrip(holder, {"p": {"n": 1, "a": [9]}}, hx("00000200 01000000 0100 0900"))


def test_only_the_last_member_may_be_conformant() -> None:
    with pytest.raises(TypeError):
        Struct("Bad", [("a", ConformantArray(ndr.uint8)), ("b", ndr.uint8)])
    with pytest.raises(TypeError):
        FixedArray(Sid, 2)


def test_conformant_varying_arrays() -> None:
    cva = ConformantVaryingArray(ndr.uint16)
    roundtrip(cva, [5, 6], hx("02000000 00000000 02000000 0500 0600"))
    roundtrip(cva, Sized([5], 4), hx("04000000 00000000 01000000 0500"))
    s = Struct("S", [("n", ndr.uint8), ("v", cva)])
    roundtrip(s, {"n": 1, "v": [3]}, hx("01000000 01 000000 00000000 01000000 0300"))
    roundtrip(ConformantVaryingBytes(), b"ab", hx("02000000 00000000 02000000 6162"))
    roundtrip(VaryingArray(ndr.uint8, 10), [1, 2], hx("00000000 02000000 0102"))


def test_varying_array_bounds_are_checked() -> None:
    cva = ConformantVaryingArray(ndr.uint16)
    with pytest.raises(NdrError):
        decode(cva, hx("01000000 00000000 02000000 0500 0600"))
    with pytest.raises(NdrError):
        decode(cva, hx("04000000 03000000 02000000 0500 0600"))


def test_absurd_counts_fail_fast() -> None:
    with pytest.raises(NdrError):
        decode(ConformantArray(ndr.uint32), hx("ffffffff 00000000"))
    with pytest.raises(NdrError):
        decode(ConformantArray(Struct("E", [("p", WString)])), hx("00000100"))


# ------------------------------------------------------------------ strings

def test_wstring_is_max_offset_actual_nul_terminated() -> None:
    data = roundtrip(WString, "\\\\SRV", hx(
        "00000200 06000000 00000000 06000000 5c005c00530052005600 0000"))
    assert len(data) == 4 + 12 + 12
    roundtrip(WString, None, hx("00000000"))
    roundtrip(WString, "", hx("00000200 01000000 00000000 01000000 0000"))
    roundtrip(WString, "h\u00e9\U0001F600", None)
    # a sized [string] buffer: max_count is the buffer size, actual the string + NUL
    roundtrip(WSTR, Sized("ab", 10), hx("0a000000 00000000 03000000 6100 6200 0000"))


def test_inline_string_in_a_structure_is_conformant() -> None:
    s = Struct("S", [("len", ndr.uint16), ("name", WSTR)])
    roundtrip(s, {"len": 2, "name": "a"},
              hx("02000000 0200 0000 00000000 02000000 6100 0000"))


def test_char_string() -> None:
    roundtrip(CSTR, "LEGACYSRV$", hx("0b000000 00000000 0b000000") + b"LEGACYSRV$\x00")
    roundtrip(CSTR, Sized("", 1), hx("01000000 00000000 01000000 00"))


def test_rpc_unicode_string() -> None:
    roundtrip(RpcUnicodeString, "abc", hx(
        "0600 0600 00000200 03000000 00000000 03000000 610062006300"))
    roundtrip(RpcUnicodeString, "", hx("0000 0000 00000000"))
    assert encode(RpcUnicodeString, None) == hx("0000 0000 00000000")
    roundtrip(RpcUnicodeString, Sized("ab", 10), hx(
        "0400 1400 00000200 0a000000 00000000 02000000 61006200"))
    arr = ConformantArray(Struct("E", [("Rid", ndr.uint32), ("Name", RpcUnicodeString)]))
    roundtrip(arr, [{"Rid": 500, "Name": "Administrator"}, {"Rid": 501, "Name": "Guest"}])


def test_rpc_unicode_string_length_above_maximum_is_garbage() -> None:
    with pytest.raises(NdrError):
        decode(RpcUnicodeString, hx("0800 0400 00000200 02000000 00000000 02000000 61006200"))


# ------------------------------------------------------------------ unions

SHARE_LIKE = Union(ndr.uint32, {0: Pointer(ndr.uint16), 1: Pointer(WSTR), 7: None},
                   name="SAMPLE_UNION")


def test_union_discriminant_then_arm() -> None:
    s = Struct("S", [("Level", ndr.uint32), ("Info", SHARE_LIKE)])
    roundtrip(s, {"Level": 1, "Info": (1, "x")}, hx(
        "01000000 01000000 00000200 02000000 00000000 02000000 7800 0000"))
    roundtrip(s, {"Level": 0, "Info": (0, None)}, hx("00000000 00000000 00000000"))
    roundtrip(s, {"Level": 7, "Info": (7, None)}, hx("07000000 07000000"))


def test_union_unknown_tag_is_invalid_tag_fault() -> None:
    with pytest.raises(NdrError) as info:
        decode(SHARE_LIKE, hx("09000000 00000000"))
    assert info.value.status == NCA_S_FAULT_INVALID_TAG
    with pytest.raises(NdrError):
        encode(SHARE_LIKE, (9, None))
    with_default = Union(ndr.uint16, {1: ndr.uint32}, default=ndr.uint16)
    roundtrip(with_default, (5, 3), hx("0500 0300"))


def test_encapsulated_union_aligns_the_arm_to_the_largest_arm() -> None:
    arms: dict[int, ndr.NdrType | None] = {1: ndr.uint8, 2: ndr.uint64}
    plain = Union(ndr.uint16, arms)
    encapsulated = Union(ndr.uint16, arms, encapsulated=True)
    roundtrip(plain, (1, 5), hx("0100 05"))
    roundtrip(encapsulated, (1, 5), hx("0100 000000000000 05"))
    roundtrip(encapsulated, (2, 5), hx("0200 000000000000 0500000000000000"))


# ------------------------------------------------------------------ well-known types

def test_sid() -> None:
    roundtrip(Sid, "S-1-5-32-544", hx("02000000 01 02 000000000005 20000000 20020000"))
    roundtrip(PSid, "S-1-5-21-1004336348-1177238915-682003330-500")
    roundtrip(PSid, None, hx("00000000"))
    roundtrip(Sid, "S-1-0x123456789ABC-1")
    assert decode(Sid, hx("00000000 01 00 000000000001"))[0] == "S-1-1"
    with pytest.raises(NdrError):  # conformance disagrees with SubAuthorityCount
        decode(Sid, hx("01000000 01 02 000000000005 20000000 20020000"))
    with pytest.raises(NdrError):
        encode(Sid, "not-a-sid")


def test_sid_inside_a_structure_hoists_its_conformance() -> None:
    s = Struct("S", [("Flags", ndr.uint32), ("Sid", Sid)])
    roundtrip(s, {"Flags": 1, "Sid": "S-1-5-7"},
              hx("01000000 01000000 01 01 000000000005 07000000"))


def test_guid_and_context_handle_follow_the_byte_order() -> None:
    g = uuid.UUID("4b324fc8-1670-01d3-1278-5a47bf6ee188")
    assert encode(Guid, g) == g.bytes_le
    assert encode(Guid, g, little_endian=False) == g.bytes
    roundtrip(Guid, g)
    handle = hx("00000000") + g.bytes_le
    assert encode(ContextHandle, handle) == handle
    big = encode(ContextHandle, handle, little_endian=False)
    assert big == hx("00000000") + g.bytes
    assert decode(ContextHandle, big, little_endian=False)[0] == handle
    with pytest.raises(NdrError):
        encode(ContextHandle, b"short")


# ------------------------------------------------------------------ operations and errors

ENUM_OP = Operation(
    13, "EnumThings",
    request=[("Handle", ContextHandle), ("Resume", Pointer(ndr.uint32)),
             ("Level", ndr.uint32)],
    response=[("Buffer", Pointer(Struct("BUF", [
        ("Count", ndr.uint32),
        ("Items", Pointer(ConformantArray(Struct("ITEM", [
            ("Rid", ndr.uint32), ("Name", RpcUnicodeString), ("Sid", PSid),
            ("Comment", WString)]))))]))),
        ("Total", ndr.uint32)],
    returns="NTSTATUS")

ENUM_VALUE: dict[str, Any] = {
    "Buffer": {"Count": 3, "Items": [
        {"Rid": 500, "Name": "Administrator", "Sid": "S-1-5-21-1-2-3-500", "Comment": "admin"},
        {"Rid": 501, "Name": "Guest", "Sid": None, "Comment": None},
        {"Rid": 1104, "Name": "alice", "Sid": "S-1-5-21-1-2-3-1104", "Comment": ""}]},
    "Total": 3, "ReturnValue": 0x105}


def test_operation_round_trip_both_byte_orders() -> None:
    for le in (True, False):
        data = ENUM_OP.encode_response(ENUM_VALUE, le)
        assert ENUM_OP.decode_response(data, le) == ENUM_VALUE
    req = {"Handle": bytes(range(20)), "Resume": 0, "Level": 1}
    assert ENUM_OP.decode_request(ENUM_OP.encode_request(req)) == req


def test_return_value_defaults_to_zero_and_error_response() -> None:
    data = ENUM_OP.encode_response({"Buffer": None, "Total": 0})
    assert data == hx("00000000 00000000 00000000")
    err = ENUM_OP.error_response(0xC0000022)
    assert err == {"Buffer": None, "Total": 0, "ReturnValue": 0xC0000022}
    assert ENUM_OP.decode_response(ENUM_OP.encode_response(err)) == err


def test_trailing_bytes_are_ignored() -> None:
    op = Operation(0, "X", request=[("A", ndr.uint32)])
    assert op.decode_request(hx("01000000 8a e3 13 71 02 f4 36 71")) == {"A": 1}


def test_every_truncation_is_an_ndr_error() -> None:
    data = ENUM_OP.encode_response(ENUM_VALUE)
    for cut in range(len(data)):
        with pytest.raises(NdrError) as info:
            ENUM_OP.decode_response(data[:cut])
        assert info.value.status == NCA_S_FAULT_NDR


def test_garbage_never_raises_anything_but_ndr_error() -> None:
    rng = random.Random(1234)
    base = ENUM_OP.encode_response(ENUM_VALUE)
    for _ in range(3000):
        data = bytearray(base)
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[:rng.randrange(len(data))]
        try:
            ENUM_OP.decode_response(bytes(data))
        except NdrError:
            pass


def test_encoding_errors_name_the_path() -> None:
    bad = {"Buffer": {"Count": 1, "Items": [{"Rid": "x", "Name": "", "Sid": None,
                                              "Comment": None}]}, "Total": 1}
    with pytest.raises(NdrError) as info:
        ENUM_OP.encode_response(bad)
    assert "EnumThings.Buffer" in str(info.value)
    assert "ITEM.Rid" in str(info.value)
    with pytest.raises(NdrError) as info:
        ENUM_OP.encode_response({"Total": 1})
    assert "EnumThings.Buffer" in str(info.value)


def test_defaults() -> None:
    s = Struct("D", [("a", ndr.uint32), ("p", WString), ("r", Pointer(ndr.uint16, "ref")),
                     ("f", FixedBytes(2)), ("u", SHARE_LIKE), ("c", ConformantArray(ndr.uint8))])
    assert s.default() == {"a": 0, "p": None, "r": 0, "f": b"\x00\x00", "u": (0, None),
                           "c": []}
    roundtrip(s, s.default())
