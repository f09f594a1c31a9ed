"""The NDR64 transfer syntax (MS-RPCE 2.2.5.3): layouts against the spec's rules, round trips over
every type and every served operation, cross-checks with impacket's independent NDR64 encoder
(``isNDR64=True``), and the transfer-syntax choice at bind."""

from __future__ import annotations

import uuid

import pytest
from impacket.dcerpc.v5 import lsat, samr, srvs, wkst  # type: ignore[import-untyped]

from smbemu.rpc import ndr
from smbemu.rpc.association import PresContext, negotiate
from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantVaryingArray,
    ContextHandle,
    Guid,
    Operation,
    Pointer,
    PSid,
    RpcUnicodeString,
    Sized,
    Struct,
    Union,
    WString,
)
from smbemu.rpc.ndr.ndr64 import to_ndr64
from smbemu.rpc.pdu import NDR20, NDR64, ContextElement, ProviderReason, ResultCode, SyntaxId
from smbemu.rpc.registry import Registry


def enc64(t: ndr.NdrType, v: object) -> bytes:
    return ndr.encode(t, v, ndr64=True)


def roundtrip64(t: ndr.NdrType, v: object) -> object:
    data = enc64(t, v)
    out, used = ndr.decode(t, data, ndr64=True)
    assert used == len(data)
    return out


# ------------------------------------------------------------------ layouts (MS-RPCE 2.2.5.3)
def test_unique_string_pointer_is_8_bytes_and_counts_are_8_bytes() -> None:
    # 2.2.5.3.5: referent id 8 bytes; 2.2.5.3.3: max_count, offset, actual_count 8 bytes each
    assert enc64(WString, "ab") == (
        (0x20000).to_bytes(8, "little") + (3).to_bytes(8, "little") + bytes(8)
        + (3).to_bytes(8, "little") + "ab\0".encode("utf-16-le"))


def test_enum16_is_4_bytes_in_ndr64() -> None:
    # 2.2.5.2: enumerations are 4 octets in NDR64 (2 in NDR20, C706 14.2.5)
    assert ndr.encode(ndr.enum16, 7) == b"\x07\x00"
    assert enc64(ndr.enum16, 7) == b"\x07\x00\x00\x00"


def test_rpc_unicode_string_header_is_16_bytes() -> None:
    data = enc64(RpcUnicodeString, Sized("ab", 3))
    assert data[:16] == bytes.fromhex("0400 0600 00000000 0000020000000000".replace(" ", ""))
    assert data[16:40] == (3).to_bytes(8, "little") + bytes(8) + (2).to_bytes(8, "little")
    assert data[40:] == "ab".encode("utf-16-le")


def test_structure_trailing_pad() -> None:
    # 2.2.5.3.4.1: {uint32; pointer; uint32} is aligned to 8 and padded to 24 bytes, so the
    # uint16 after it in the outer structure sits at 24 (NDR20 puts it at 12); the outer one
    # is padded to 32 in turn
    inner = Struct("INNER", [("a", ndr.uint32), ("p", Pointer(ndr.uint32)), ("b", ndr.uint32)])
    outer = Struct("OUTER", [("i", inner), ("c", ndr.uint16)])
    value = {"i": {"a": 1, "p": None, "b": 2}, "c": 3}
    data = enc64(outer, value)
    assert len(data) == 32 and data[24:] == b"\x03" + bytes(7)
    assert len(ndr.encode(outer, value)) == 14
    assert roundtrip64(outer, value) == value


def test_conformant_structure_count_is_8_bytes() -> None:
    t = Struct("CS", [("n", ndr.uint32), ("a", ConformantArray(ndr.uint16))])
    data = enc64(t, {"n": 2, "a": [5, 6]})
    assert data == (2).to_bytes(8, "little") + b"\x02\x00\x00\x00\x05\x00\x06\x00"


def test_union_arm_aligned_to_the_union() -> None:
    # 2.2.5.3.4.6: the arm follows the discriminant at the union's alignment (8 here)
    # and the discriminant itself starts at that alignment (impacket's NDR64 encoder agrees)
    u = Union(ndr.uint32, {1: ndr.uint64, 2: ndr.uint16}, name="U")
    assert enc64(u, (2, 9)) == b"\x02\x00\x00\x00" + bytes(4) + b"\x09\x00"
    assert ndr.encode(u, (2, 9)) == b"\x02\x00\x00\x00\x09\x00"
    s = Struct("S", [("level", ndr.uint32), ("u", u)])
    assert enc64(s, {"level": 2, "u": (2, 9)}) == (b"\x02\x00\x00\x00" + bytes(4) + b"\x02"
                                                   + bytes(7) + b"\x09" + bytes(7))


def test_sid_and_handles_keep_their_layout() -> None:
    assert enc64(Guid, uuid.UUID(int=1)) == ndr.encode(Guid, uuid.UUID(int=1))
    assert enc64(ContextHandle, bytes(range(20))) == bytes(range(20))
    sid = enc64(PSid, "S-1-5-32-544")
    assert sid[:16] == (0x20000).to_bytes(8, "little") + (2).to_bytes(8, "little")
    assert roundtrip64(PSid, "S-1-5-32-544") == "S-1-5-32-544"


@pytest.mark.parametrize(("t", "v"), [
    (ndr.uint8, 5), (ndr.uint16, 5), (ndr.uint32, 5), (ndr.uint64, 5), (ndr.int64, -5),
    (ndr.boolean8, True), (ndr.boolean32, False), (ndr.float64, 1.5),
    (ndr.FixedArray(ndr.uint16, 3), [1, 2, 3]),
    (Pointer(ConformantArray(ndr.uint32)), [1, 2, 3]),
    (Pointer(ConformantVaryingArray(ndr.uint16)), [7, 8]),
    (Pointer(ndr.VaryingArray(ndr.uint32, 4)), [1, 2]),
    (ndr.FixedBytes(3), b"abc"), (Pointer(ndr.ConformantBytes()), b"xyz"),
    (Pointer(ndr.ConformantVaryingBytes()), b"q"),
    (WString, "héllo"), (WString, None), (ndr.CString, "abc"),
    (RpcUnicodeString, "domain"), (RpcUnicodeString, ""), (PSid, "S-1-5-21-1-2-3-500"),
    (Pointer(Struct("S", [("a", ndr.uint8), ("s", RpcUnicodeString), ("h", ndr.hyper)])),
     {"a": 1, "s": "x", "h": 2}),
    (Pointer(ConformantArray(Struct("E", [("n", WString), ("r", ndr.uint32)]))),
     [{"n": "a", "r": 1}, {"n": None, "r": 2}, {"n": "ccc", "r": 3}]),
    (Union(ndr.uint16, {0: None, 1: WString, 2: Pointer(ndr.uint32)}, name="V"), (1, "z")),
    (Pointer(ndr.uint32, "full"), 4),
])
def test_roundtrip_every_type(t: ndr.NdrType, v: object) -> None:
    assert roundtrip64(t, v) == v


def test_every_served_operation_converts_and_round_trips() -> None:
    """No per-interface code: every operation of every registered interface has an NDR64 form,
    and its neutral request and error response round-trip in it."""
    count = 0
    for iface in Registry.load():
        for entry in iface.dispatch:
            if not isinstance(entry, tuple):
                continue
            op: Operation = entry[0]
            request = op._in.default()
            assert op.decode_request(op.encode_request(request, ndr64=True), ndr64=True) == request
            response = op.error_response(5)
            assert op.decode_response(op.encode_response(response, ndr64=True),
                                      ndr64=True) == response
            count += 1
    assert count > 200


def test_conversion_is_cached() -> None:
    assert to_ndr64(RpcUnicodeString) is to_ndr64(RpcUnicodeString)
    assert to_ndr64(ndr.uint32) is ndr.uint32


def test_bad_ndr64_stub_is_ndr_error() -> None:
    op = _served("srvsvc", 21)
    with pytest.raises(ndr.NdrError):
        op.decode_request(b"\x00\x00\x02\x00\x00\x00\x00\x00\xff\xff\xff\xff", ndr64=True)


# ------------------------------------------------------------------ impacket's NDR64 (isNDR64)
def _served(pipe: str, opnum: int) -> Operation:
    iface = Registry.load().interface(pipe)
    assert iface is not None
    entry = iface.dispatch[opnum]
    assert isinstance(entry, tuple)
    return entry[0]


def test_impacket_ndr64_netrservergetinfo_request_and_response() -> None:
    req = srvs.NetrServerGetInfo(isNDR64=True)
    req["ServerName"] = "\\\\LEGACYSRV\x00"
    req["Level"] = 101
    op = _served("srvsvc", 21)
    assert op.decode_request(req.getData(), ndr64=True) == {"ServerName": "\\\\LEGACYSRV",
                                                             "Level": 101}
    stub = op.encode_response({"InfoStruct": (101, {
        "sv101_platform_id": 500, "sv101_name": "LEGACYSRV", "sv101_version_major": 10,
        "sv101_version_minor": 0, "sv101_type": 0x1003, "sv101_comment": "hi"}),
        "ReturnValue": 0}, ndr64=True)
    resp = srvs.NetrServerGetInfoResponse(isNDR64=True)
    resp.fromString(stub)
    info = resp["InfoStruct"]["ServerInfo101"]
    assert info["sv101_name"] == "LEGACYSRV\x00" and info["sv101_comment"] == "hi\x00"
    assert info["sv101_type"] == 0x1003 and resp["ErrorCode"] == 0


def test_impacket_ndr64_wkst_and_samr_and_lsat_requests_decode() -> None:
    req = wkst.NetrWkstaGetInfo(isNDR64=True)
    req["ServerName"] = "\\\\X\x00"
    req["Level"] = 100
    assert _served("wkssvc", 0).decode_request(req.getData(), ndr64=True)["Level"] == 100
    req = samr.SamrConnect5(isNDR64=True)
    req["ServerName"] = "\\\\X\x00"
    req["DesiredAccess"] = 0x02000000
    req["InVersion"] = 1
    req["InRevisionInfo"]["tag"] = 1
    req["InRevisionInfo"]["V1"]["Revision"] = 3
    decoded = _served("samr", 64).decode_request(req.getData(), ndr64=True)
    assert decoded["DesiredAccess"] == 0x02000000 and decoded["InVersion"] == 1
    req = lsat.LsarLookupNames(isNDR64=True)
    req["PolicyHandle"] = bytes(range(20))
    req["Count"] = 1
    name = lsat.RPC_UNICODE_STRING(isNDR64=True)
    name["Data"] = "Administrator"
    req["Names"].append(name)
    req["TranslatedSids"]["Sids"] = lsat.NULL
    req["LookupLevel"] = lsat.LSAP_LOOKUP_LEVEL.LsapLookupWksta
    decoded = _served("lsarpc", 14).decode_request(req.getData(), ndr64=True)
    assert decoded["Names"] == ["Administrator"] and decoded["PolicyHandle"] == bytes(range(20))


# ------------------------------------------------------------------ bind: the syntax chosen
class _Pipe:
    def __init__(self, iface: object) -> None:
        self._iface = iface

    def find(self, *_: object) -> object:
        return self._iface


def _bind(ndr64: bool, *offers: tuple[SyntaxId, ...]) -> tuple[list[tuple[int, int, SyntaxId]],
                                                              dict[int, PresContext]]:
    iface = Registry.load().interface("srvsvc")
    abstract = SyntaxId(uuid.UUID("4b324fc8-1670-01d3-1278-5a47bf6ee188"), 3)
    contexts = tuple(ContextElement(i, abstract, syntaxes) for i, syntaxes in enumerate(offers))
    accepted: dict[int, PresContext] = {}
    results, _ = negotiate(_Pipe(iface), accepted, contexts, bind=True,  # type: ignore[arg-type]
                           ndr64=ndr64)
    return [(r.result, r.reason, r.transfer_syntax) for r in results], accepted


def test_x64_windows_takes_ndr64_and_refuses_the_ndr20_context() -> None:
    results, accepted = _bind(True, (NDR20,), (NDR64,))
    assert results[0][:2] == (ResultCode.PROVIDER_REJECTION,
                              ProviderReason.PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED)
    assert results[1] == (ResultCode.ACCEPTANCE, 0, NDR64)
    assert accepted[1].ndr64 and 0 not in accepted


def test_profile_without_ndr64_refuses_it() -> None:
    results, accepted = _bind(False, (NDR20,), (NDR64,))
    assert results[0] == (ResultCode.ACCEPTANCE, 0, NDR20)
    assert results[1][:2] == (ResultCode.PROVIDER_REJECTION,
                              ProviderReason.PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED)
    assert not accepted[0].ndr64


def test_ndr20_only_client_still_binds_on_x64() -> None:
    results, accepted = _bind(True, (NDR20,))
    assert results == [(ResultCode.ACCEPTANCE, 0, NDR20)] and not accepted[0].ndr64


# ------------------------------------------------------------------ MaximumLength = Length + 2
@pytest.mark.parametrize("ndr64", [False, True])
def test_unicode_string_nul_room(ndr64: bool) -> None:
    value = ndr.unicode_string_nul_room("CORP")
    data = ndr.encode(RpcUnicodeString, value, ndr64=ndr64)
    assert data[:4] == b"\x08\x00\x0a\x00"  # Length 8, MaximumLength 10 (issue 13)
    count = 8 if ndr64 else 4
    body = data[16:] if ndr64 else data[8:]
    assert int.from_bytes(body[:count], "little") == 5  # max_count = characters + 1
    assert int.from_bytes(body[2 * count:3 * count], "little") == 4  # actual_count
    assert ndr.decode(RpcUnicodeString, data, ndr64=ndr64)[0] == "CORP"
    assert ndr.unicode_string_nul_room("") == "" and ndr.unicode_string_nul_room(None) is None


def test_garbage_ndr64_stubs_raise_only_ndr_error() -> None:
    """Bad network input: every served request decoder, in NDR64, on truncated and mutated
    stubs answers NdrError (a fault), never another exception."""
    import random
    rng = random.Random(13)
    for iface in Registry.load():
        for entry in iface.dispatch:
            if not isinstance(entry, tuple):
                continue
            op: Operation = entry[0]
            good = op.encode_request(op._in.default(), ndr64=True)
            for _ in range(10):
                stub = bytearray(good[:rng.randrange(len(good) + 1)])
                for _ in range(rng.randrange(4)):
                    if stub:
                        stub[rng.randrange(len(stub))] = rng.randrange(256)
                stub += bytes(rng.randrange(256) for _ in range(rng.randrange(16)))
                try:
                    op.decode_request(bytes(stub), ndr64=True)
                except ndr.NdrError:
                    pass
