"""Connection-oriented PDUs: round trips, golden bytes, impacket's encoder as an oracle."""

from __future__ import annotations

import uuid

import pytest
from impacket.dcerpc.v5 import rpcrt  # type: ignore[import-untyped]
from impacket.uuid import uuidtup_to_bin  # type: ignore[import-untyped]

from smbemu.rpc.pdu import (
    DREP_BE,
    DREP_LE,
    NDR20,
    NDR64,
    PFC_FIRST_FRAG,
    PFC_LAST_FRAG,
    PFC_OBJECT_UUID,
    AlterContext,
    AlterContextResp,
    Auth3,
    AuthVerifier,
    Bind,
    BindAck,
    BindNak,
    CoCancel,
    ContextElement,
    ContextResult,
    Fault,
    Orphaned,
    Pdu,
    PduBody,
    PduError,
    PType,
    Request,
    Response,
    Shutdown,
    SyntaxId,
    encode_pdu,
    parse_header,
    parse_pdu,
)

SRVSVC = SyntaxId.of("4b324fc8-1670-01d3-1278-5a47bf6ee188", 3, 0)
FL = PFC_FIRST_FRAG | PFC_LAST_FRAG

BODIES: list[PduBody] = [
    Bind(4280, 4280, 0, (ContextElement(0, SRVSVC, (NDR20,)),
                         ContextElement(1, SRVSVC, (NDR64, NDR20)))),
    AlterContext(4280, 4280, 0x12C4, (ContextElement(2, SRVSVC, (NDR20,)),)),
    BindAck(4280, 4280, 0x12C4, "\\PIPE\\srvsvc",
            (ContextResult(0, 0, NDR20), ContextResult(2, 2), ContextResult(3, 3))),
    AlterContextResp(4280, 4280, 0x12C4, "", (ContextResult(0, 0, NDR20),)),
    BindNak(4, ((5, 0),)),
    Request(3, 1, 15, b"abc"),
    Request(0, 1, 15, b"", uuid.UUID("01234567-89ab-cdef-0123-456789abcdef")),
    Response(5, 1, 0, b"hello"),
    Fault(24, 1, 0, 0x1C010002),
    Auth3(),
    Shutdown(),
    CoCancel(),
    Orphaned(),
]


@pytest.mark.parametrize("body", BODIES, ids=lambda b: type(b).__name__)
@pytest.mark.parametrize("drep", [DREP_LE, DREP_BE], ids=["LE", "BE"])
def test_round_trip(body: PduBody, drep: bytes) -> None:
    flags = FL | (PFC_OBJECT_UUID if isinstance(body, Request) and body.object_uuid else 0)
    pdu = Pdu(body, 77, flags, drep=drep)
    data = encode_pdu(pdu)
    hdr = parse_header(data)
    assert hdr.frag_length == len(data) and hdr.call_id == 77
    assert parse_pdu(data) == pdu


@pytest.mark.parametrize("body", [BODIES[0], BODIES[2], BODIES[5], BODIES[7], Auth3()],
                         ids=lambda b: type(b).__name__)
def test_round_trip_with_verifier(body: PduBody) -> None:
    auth = AuthVerifier(10, 6, 79231, b"S" * 16)
    data = encode_pdu(Pdu(body, 3, FL, auth))
    parsed = parse_pdu(data)
    assert parsed.auth is not None
    assert parsed.auth.auth_value == b"S" * 16
    assert (parsed.auth.auth_type, parsed.auth.auth_level, parsed.auth.auth_context_id) == (
        10, 6, 79231)
    trailer_at = len(data) - 16 - 8
    assert trailer_at % 4 == 0
    if isinstance(body, (Request, Response)):
        stub_len = len(body.stub)
        assert parsed.auth.auth_pad_length == -stub_len & 15
        parsed_body = parsed.body
        assert isinstance(parsed_body, (Request, Response))
        assert parsed_body.stub == body.stub + bytes(parsed.auth.auth_pad_length)


def test_fault_golden_bytes() -> None:
    data = encode_pdu(Pdu(Fault(24, 1, 0, 0x1C010002), 9, FL | 0x20))
    assert data == bytes.fromhex(
        "05 00 03 23 10000000 2000 0000 09000000"
        "18000000 0100 00 00 0200011c 00000000".replace(" ", ""))


def test_bind_ack_layout_secondary_address_and_padding() -> None:
    data = encode_pdu(Pdu(BodyAck := BindAck(4280, 4280, 0x53F0, "\\PIPE\\srvsvc",
                                            (ContextResult(0, 0, NDR20),)), 1))
    # 16 header + 8 + 2 (length) + 13 ("\PIPE\srvsvc\0") = 39 -> pad 1 -> 40, results
    assert data[24:26] == b"\x0d\x00"
    assert data[26:39] == b"\\PIPE\\srvsvc\x00"
    assert data[39:40] == b"\x00"
    assert data[40:44] == b"\x01\x00\x00\x00"
    assert len(data) == 44 + 24
    assert parse_pdu(data).body == BodyAck
    empty = encode_pdu(Pdu(AlterContextResp(4280, 4280, 1, "", (ContextResult(0, 0, NDR20),)), 1))
    assert empty[24:28] == b"\x00\x00\x00\x00"  # size 0, no bytes, 2 bytes of padding


def test_parse_impacket_bind() -> None:
    bind = rpcrt.MSRPCBind()
    item = rpcrt.CtxItem()
    item["AbstractSyntax"] = uuidtup_to_bin(("4b324fc8-1670-01d3-1278-5a47bf6ee188", "3.0"))
    item["TransferSyntax"] = uuidtup_to_bin(("8a885d04-1ceb-11c9-9fe8-08002b104860", "2.0"))
    item["ContextID"] = 0
    item["TransItems"] = 1
    bind.addCtxItem(item)
    packet = rpcrt.MSRPCHeader()
    packet["type"] = rpcrt.MSRPC_BIND
    packet["pduData"] = bind.getData()
    packet["call_id"] = 1
    pdu = parse_pdu(packet.get_packet())
    assert pdu.ptype == PType.BIND
    assert pdu.body == Bind(4280, 4280, 0, (ContextElement(0, SRVSVC, (NDR20,)),))


def test_impacket_parses_our_bind_ack() -> None:
    data = encode_pdu(Pdu(BindAck(4280, 4280, 0x12C4, "\\PIPE\\srvsvc",
                                  (ContextResult(2, 2), ContextResult(0, 0, NDR20))), 1))
    ack = rpcrt.MSRPCBindAck(data)
    assert ack["max_rfrag"] == 4280
    assert ack["assoc_group"] == 0x12C4
    assert ack["SecondaryAddr"] == "\\PIPE\\srvsvc"
    assert [(i["Result"], i["Reason"]) for i in ack.getCtxItems()] == [(2, 2), (0, 0)]


def test_big_endian_header_fields() -> None:
    data = encode_pdu(Pdu(Request(4, 0x0102, 0x0304, b"\x00\x00\x00\x01"), 0x0A0B0C0D,
                          drep=DREP_BE))
    assert data[4:8] == DREP_BE
    assert data[8:10] == (28).to_bytes(2, "big")
    assert data[12:16] == bytes.fromhex("0a0b0c0d")
    hdr = parse_header(data)
    assert not hdr.little_endian and hdr.frag_length == 28


REQ = encode_pdu(Pdu(Request(0, 0, 0, b"x"), 1))


def fix_len(data: bytes) -> bytes:
    return data[:8] + len(data).to_bytes(2, "little") + data[10:]


@pytest.mark.parametrize("data", [
    b"",
    bytes(15),
    REQ[:-1],                                                   # shorter than frag_length
    REQ[:10] + b"\xff\x00" + REQ[12:],                          # auth_length past the start
    fix_len(REQ[:20]),                                          # request header cut
    bytes.fromhex("05000110100000001000000001000000"),          # PING is connectionless
    fix_len(encode_pdu(Pdu(Bind(1, 1, 0, (ContextElement(0, SRVSVC, (NDR20,)),)), 1))[:-20]),
    fix_len(encode_pdu(Pdu(BindNak(4), 1))[:18]),
])
def test_malformed_pdus_raise_pdu_error(data: bytes) -> None:
    with pytest.raises(PduError):
        parse_pdu(data)
