"""RpcEndpoint behaviour: bind negotiation, requests, fragments, faults, drep, mgmt."""

from __future__ import annotations

import logging
import types
import uuid
from typing import Any

import pytest

from smbemu.rpc import ndr
from smbemu.rpc.association import AssociationGroups
from smbemu.rpc.endpoint import RpcEndpoint
from smbemu.rpc.mgmt import MGMT
from smbemu.rpc.pdu import (
    DREP_BE,
    DREP_LE,
    NDR20,
    NDR64,
    PFC_DID_NOT_EXECUTE,
    PFC_FIRST_FRAG,
    PFC_LAST_FRAG,
    AlterContextResp,
    AuthVerifier,
    BindAck,
    BindNak,
    CoCancel,
    Fault,
    Pdu,
    PType,
    Response,
    Shutdown,
    SyntaxId,
    encode_pdu,
    parse_pdu,
)
from smbemu.rpc.registry import Registry
from smbemu.status import (
    FAULT_ACCESS_DENIED,
    NCA_S_FAULT_NDR,
    NCA_S_FAULT_UNSPEC,
    NCA_S_OP_RNG_ERROR,
    NCA_S_PROTO_ERROR,
    NCA_S_UNK_IF,
)

H = types.SimpleNamespace
FEATURES_3 = SyntaxId(uuid.UUID("6cb71c2c-9812-4540-0300-000000000000"), 1)


def ack_of(pdus: list[Pdu]) -> BindAck:
    assert len(pdus) == 1
    body = pdus[0].body
    assert isinstance(body, BindAck)
    return body


def fault_of(result: Any) -> int:
    assert isinstance(result, Fault), result
    return result.status


# ------------------------------------------------------------------ bind

def test_bind_request_response(endpoint: RpcEndpoint, h: H) -> None:
    endpoint.write(h.bind_pdu([(0, h.TOY, [NDR20])], call_id=7))
    (pdu,) = h.drain(endpoint)
    assert pdu.ptype == PType.BIND_ACK and pdu.call_id == 7
    assert pdu.pfc_flags == PFC_FIRST_FRAG | PFC_LAST_FRAG
    ack = ack_of([pdu])
    assert (ack.max_xmit_frag, ack.max_recv_frag) == (4280, 4280)
    assert ack.assoc_group_id != 0
    assert ack.secondary_address == "\\PIPE\\toy"
    assert [(r.result, r.reason, r.transfer_syntax) for r in ack.results] == [(0, 0, NDR20)]

    op = h.toy_op(0)
    resp = h.call(endpoint, 0, 0, op.encode_request({"Text": "hello, world"}), call_id=8)
    assert isinstance(resp, Response)
    assert resp.context_id == 0
    assert resp.alloc_hint == len(resp.stub)
    assert op.decode_response(resp.stub) == {"Text": "hello, world", "ReturnValue": 0}


@pytest.mark.parametrize(("xmit", "recv", "expected"), [
    (4280, 4280, 4280), (5840, 5840, 4280), (1000, 1000, 2048), (3000, 4000, 3000),
    (4279, 65535, 4272), (65535, 2100, 2096),
])
def test_fragment_size_negotiation(registry: Registry, factory: Any, h: H, xmit: int,
                                   recv: int, expected: int) -> None:
    ep = RpcEndpoint("toy", registry, factory)
    ep.write(h.bind_pdu([(0, h.TOY, [NDR20])], max_xmit=xmit, max_recv=recv))
    ack = ack_of(h.drain(ep))
    assert (ack.max_xmit_frag, ack.max_recv_frag) == (expected, expected)
    assert ep.max_xmit_frag == expected


def test_windows_style_multi_context_bind(endpoint: RpcEndpoint, h: H) -> None:
    """What Windows clients send: NDR64, NDR20 and a bind-time feature context."""
    endpoint.write(h.bind_pdu([(0, h.TOY, [NDR64]), (1, h.TOY, [NDR20]), (2, h.TOY, [FEATURES_3])]))
    ack = ack_of(h.drain(endpoint))
    assert [(r.result, r.reason, r.transfer_syntax) for r in ack.results] == [
        (2, 2, SyntaxId(uuid.UUID(int=0), 0)),     # NDR64: proposed transfer syntaxes refused
        (0, 0, NDR20),                              # NDR20: accepted
        (3, 3, SyntaxId(uuid.UUID(int=0), 0)),     # negotiate_ack, both features
    ]
    assert endpoint.bind_time_features == 3
    assert isinstance(h.call(endpoint, 1, 1, ndr.encode(ndr.uint32, 1) * 2), Response)
    assert fault_of(h.call(endpoint, 0, 1, bytes(8))) == NCA_S_UNK_IF


def test_feature_bits_are_intersected(endpoint: RpcEndpoint, h: H) -> None:
    only_orphan = SyntaxId(uuid.UUID("6cb71c2c-9812-4540-0200-000000000000"), 1)
    endpoint.write(h.bind_pdu([(0, h.TOY, [NDR20]), (1, h.UNKNOWN, [only_orphan])]))
    ack = ack_of(h.drain(endpoint))
    assert (ack.results[1].result, ack.results[1].reason) == (3, 2)


def test_one_new_context_per_bind_then_alter_context(endpoint: RpcEndpoint, h: H) -> None:
    endpoint.write(h.bind_pdu([(0, h.TOY, [NDR20]), (1, h.TOY2, [NDR20])]))
    ack = ack_of(h.drain(endpoint))
    assert [(r.result, r.reason) for r in ack.results] == [(0, 0), (2, 2)]
    assert fault_of(h.call(endpoint, 1, 0, b"")) == NCA_S_UNK_IF

    endpoint.write(h.bind_pdu([(1, h.TOY2, [NDR20])], alter=True, call_id=3))
    (pdu,) = h.drain(endpoint)
    resp = pdu.body
    assert isinstance(resp, AlterContextResp) and pdu.call_id == 3
    assert resp.secondary_address == ""
    assert resp.assoc_group_id == endpoint.assoc_group_id
    assert (resp.max_xmit_frag, resp.max_recv_frag) == (4280, 4280)
    assert [(r.result, r.reason) for r in resp.results] == [(0, 0)]
    pong = h.call(endpoint, 1, 0, b"")
    assert isinstance(pong, Response) and pong.stub == b"\x02\x00\x00\x00"


def test_alter_context_cannot_rebind_a_context_to_another_interface(
        endpoint: RpcEndpoint, h: H) -> None:
    h.bind_toy(endpoint)
    endpoint.write(h.bind_pdu([(0, h.TOY2, [NDR20])], alter=True))
    assert fault_of(h.drain(endpoint)[0].body) == NCA_S_PROTO_ERROR
    assert endpoint.terminated


def test_ndr64_only_is_refused_per_context(endpoint: RpcEndpoint, h: H) -> None:
    endpoint.write(h.bind_pdu([(0, h.TOY, [NDR64])]))
    ack = ack_of(h.drain(endpoint))
    assert [(r.result, r.reason) for r in ack.results] == [(2, 2)]
    assert not endpoint.terminated


def test_unknown_interface_gets_bind_ack_with_rejection(endpoint: RpcEndpoint, h: H) -> None:
    endpoint.write(h.bind_pdu([(0, h.UNKNOWN, [NDR20])]))
    ack = ack_of(h.drain(endpoint))
    assert [(r.result, r.reason) for r in ack.results] == [(2, 1)]
    assert fault_of(h.call(endpoint, 0, 0, b"")) == NCA_S_UNK_IF


def test_interface_version_matching(endpoint: RpcEndpoint, h: H) -> None:
    newer_minor = SyntaxId.of(h.TOY2_UUID, 2, 0)       # server has 2.1: compatible
    other_major = SyntaxId.of(h.TOY_UUID, 2, 0)
    too_new = SyntaxId.of(h.TOY2_UUID, 2, 5)
    endpoint.write(h.bind_pdu([(0, other_major, [NDR20]), (1, too_new, [NDR20]),
                               (2, newer_minor, [NDR20])]))
    ack = ack_of(h.drain(endpoint))
    assert [(r.result, r.reason) for r in ack.results] == [(2, 1), (2, 1), (0, 0)]


def test_interface_not_on_this_pipe(registry: Registry, factory: Any, h: H) -> None:
    ep = RpcEndpoint("other", registry, factory)
    ep.write(h.bind_pdu([(0, h.TOY, [NDR20]), (1, h.TOY2, [NDR20])]))
    ack = ack_of(h.drain(ep))
    assert [(r.result, r.reason) for r in ack.results] == [(2, 1), (0, 0)]
    assert ack.secondary_address == "\\PIPE\\other"


@pytest.mark.parametrize(("contexts", "reason"), [
    ([], 4),
    ([(0, SyntaxId.of("12345678-1234-abcd-ef00-0123456789ab", 1), [])], 0),
    ([(0, SyntaxId(uuid.UUID(int=0)), [FEATURES_3]),
      (1, SyntaxId(uuid.UUID(int=0)), [FEATURES_3])], 0),
])
def test_bind_nak(endpoint: RpcEndpoint, h: H, contexts: Any, reason: int) -> None:
    endpoint.write(h.bind_pdu(contexts))
    (pdu,) = h.drain(endpoint)
    assert isinstance(pdu.body, BindNak)
    assert pdu.body.reject_reason == reason
    assert pdu.body.versions == ((5, 0),)
    assert endpoint.terminated


def test_first_pdu_must_be_a_bind(endpoint: RpcEndpoint, h: H) -> None:
    endpoint.write(h.request_pdu(1, 0, 0, b""))
    (pdu,) = h.drain(endpoint)
    assert isinstance(pdu.body, BindNak) and pdu.body.reject_reason == 4
    assert endpoint.terminated
    endpoint.write(h.bind_pdu([(0, h.TOY, [NDR20])]))
    assert not endpoint.has_output()


def test_wrong_rpc_version_bind(endpoint: RpcEndpoint, h: H) -> None:
    endpoint.write(h.bind_pdu([(0, h.TOY, [NDR20])], rpc_vers=4))
    (pdu,) = h.drain(endpoint)
    assert isinstance(pdu.body, BindNak) and pdu.body.reject_reason == 4


def test_second_bind_is_refused(endpoint: RpcEndpoint, h: H) -> None:
    h.bind_toy(endpoint)
    endpoint.write(h.bind_pdu([(0, h.TOY, [NDR20])], call_id=2))
    (pdu,) = h.drain(endpoint)
    assert isinstance(pdu.body, BindNak) and pdu.body.reject_reason == 0
    assert endpoint.terminated


def test_unknown_association_group(endpoint: RpcEndpoint, h: H) -> None:
    endpoint.write(h.bind_pdu([(0, h.TOY, [NDR20])], assoc_group=0xDEAD))
    (pdu,) = h.drain(endpoint)
    assert isinstance(pdu.body, BindNak) and pdu.body.reject_reason == 0


def test_association_group_shares_context_handles(registry: Registry, factory: Any,
                                                  groups: AssociationGroups, h: H) -> None:
    ep1 = RpcEndpoint("toy", registry, factory, assoc_groups=groups)
    ack1 = ack_of([h.bind_toy(ep1)])
    ep2 = RpcEndpoint("toy", registry, factory, assoc_groups=groups)
    ep2.write(h.bind_pdu([(0, h.TOY, [NDR20])], assoc_group=ack1.assoc_group_id))
    assert ack_of(h.drain(ep2)).assoc_group_id == ack1.assoc_group_id

    opened = h.call(ep1, 0, 7, h.toy_op(7).encode_request({"Name": "obj"}))
    handle = h.toy_op(7).decode_response(opened.stub)["Handle"]
    assert len(handle) == 20 and handle[:4] == bytes(4)
    closed = h.call(ep2, 0, 8, h.toy_op(8).encode_request({"Handle": handle}))
    assert h.toy_op(8).decode_response(closed.stub) == {
        "Handle": bytes(20), "Name": "obj", "ReturnValue": 0}
    again = h.call(ep2, 0, 8, h.toy_op(8).encode_request({"Handle": handle}))
    assert h.toy_op(8).decode_response(again.stub)["ReturnValue"] == h.STATUS_INVALID_HANDLE
    ep1.close()
    assert len(groups) == 1
    ep2.close()
    assert len(groups) == 0


# ------------------------------------------------------------------ requests and faults

def test_call_context(endpoint: RpcEndpoint, h: H) -> None:
    h.bind_toy(endpoint)
    resp = h.call(endpoint, 0, 10, b"")
    assert h.toy_op(10).decode_response(resp.stub) == {
        "Kind": "user", "User": "alice", "Pipe": "toy", "Session": 42, "AuthLevel": 1,
        "Opnum": 10, "ReturnValue": 0}


def test_unknown_and_unimplemented_opnums(endpoint: RpcEndpoint, h: H) -> None:
    h.bind_toy(endpoint)
    for opnum in (5, 11, 0xFFFF):
        endpoint.write(h.request_pdu(3, 0, opnum, b""))
        (pdu,) = h.drain(endpoint)
        assert isinstance(pdu.body, Fault) and pdu.call_id == 3
        assert pdu.body.status == NCA_S_OP_RNG_ERROR
        assert pdu.pfc_flags & PFC_DID_NOT_EXECUTE
    assert not endpoint.terminated


@pytest.mark.parametrize("stub", [b"", b"\x01\x00", b"\x00\x00\x02\x00\xff\xff\xff\x7f"])
def test_undecodable_stub_is_fault_ndr(endpoint: RpcEndpoint, h: H, stub: bytes) -> None:
    h.bind_toy(endpoint)
    endpoint.write(h.request_pdu(4, 0, 0, stub))
    (pdu,) = h.drain(endpoint)
    assert isinstance(pdu.body, Fault)
    assert pdu.body.status == NCA_S_FAULT_NDR
    assert not pdu.pfc_flags & PFC_DID_NOT_EXECUTE
    assert not endpoint.terminated


def test_handler_faults_never_leak_tracebacks(endpoint: RpcEndpoint, h: H,
                                              caplog: pytest.LogCaptureFixture) -> None:
    h.bind_toy(endpoint)
    with caplog.at_level(logging.ERROR, logger="smbemu.rpc.endpoint"):
        endpoint.write(h.request_pdu(5, 0, 3, b""))
        endpoint.write(h.request_pdu(6, 0, 9, b""))
    out = [endpoint.read(4096)[0] for _ in range(2)]
    for raw in out:
        assert len(raw) == 32
        assert b"secret" not in raw and b"Traceback" not in raw
        body = parse_pdu(raw).body
        assert isinstance(body, Fault) and body.status == NCA_S_FAULT_UNSPEC
    assert "secret internal detail" in caplog.text      # logged, not sent
    assert "BadReturn" in caplog.text
    assert fault_of(h.call(endpoint, 0, 4, b"")) == 5    # RpcFault(5) is sent as is
    assert isinstance(h.call(endpoint, 0, 1, bytes(8)), Response)


def test_request_fragments_of_64_bytes_are_reassembled(endpoint: RpcEndpoint, h: H) -> None:
    h.bind_toy(endpoint)
    values = list(range(1000))
    stub = h.toy_op(6).encode_request({"Values": values})
    pieces = [stub[i:i + 64] for i in range(0, len(stub), 64)]
    for i, piece in enumerate(pieces):
        flags = (PFC_FIRST_FRAG if i == 0 else 0) | (PFC_LAST_FRAG if i == len(pieces) - 1 else 0)
        endpoint.write(h.request_pdu(9, 0, 6 if i == 0 else 0, piece, flags=flags,
                                     alloc_hint=len(stub) - 64 * i))
        if i < len(pieces) - 1:
            assert not endpoint.has_output()
    (pdu,) = h.drain(endpoint)
    assert isinstance(pdu.body, Response) and pdu.call_id == 9
    assert h.toy_op(6).decode_response(pdu.body.stub) == {
        "Count": 1000, "Total": sum(values), "ReturnValue": 0}


def test_response_is_fragmented_to_max_xmit_frag(endpoint: RpcEndpoint, h: H) -> None:
    h.bind_toy(endpoint)
    size = 20000
    endpoint.write(h.request_pdu(11, 0, 2, ndr.encode(ndr.uint32, size)))
    pdus = h.drain(endpoint)
    assert len(pdus) > 4
    stub = b""
    for i, pdu in enumerate(pdus):
        raw = encode_pdu(pdu)
        assert len(raw) <= 4280
        body = pdu.body
        assert isinstance(body, Response) and pdu.call_id == 11
        assert bool(pdu.pfc_flags & PFC_FIRST_FRAG) == (i == 0)
        assert bool(pdu.pfc_flags & PFC_LAST_FRAG) == (i == len(pdus) - 1)
        assert body.alloc_hint == sum(len(p.body.stub) for p in pdus[i:]
                                      if isinstance(p.body, Response))
        if i < len(pdus) - 1:
            assert len(body.stub) == 4256
        stub += body.stub
    assert h.toy_op(2).decode_response(stub) == {
        "Data": bytes(i & 0xFF for i in range(size)), "ReturnValue": 0}


def test_response_fragments_honour_a_small_client_max(registry: Registry, factory: Any,
                                                      h: H) -> None:
    ep = RpcEndpoint("toy", registry, factory)
    ep.write(h.bind_pdu([(0, h.TOY, [NDR20])], max_xmit=2048, max_recv=2048))
    h.drain(ep)
    ep.write(h.request_pdu(2, 0, 2, ndr.encode(ndr.uint32, 5000)))
    pdus = h.drain(ep)
    assert all(len(encode_pdu(p)) <= 2048 for p in pdus) and len(pdus) == 3


def test_big_endian_client(registry: Registry, factory: Any, h: H) -> None:
    ep = RpcEndpoint("toy", registry, factory)
    ep.write(h.bind_pdu([(0, h.TOY, [NDR20])], drep=DREP_BE))
    (ack,) = h.drain(ep)
    assert isinstance(ack.body, BindAck) and ack.drep == DREP_LE
    op = h.toy_op(6)
    stub = op.encode_request({"Values": [1, 2, 0x01000000]}, little_endian=False)
    ep.write(h.request_pdu(5, 0, 6, stub, drep=DREP_BE))
    (pdu,) = h.drain(ep)
    assert pdu.drep == DREP_LE and isinstance(pdu.body, Response)
    assert op.decode_response(pdu.body.stub) == {"Count": 3, "Total": 0x01000003,
                                                 "ReturnValue": 0}


def test_big_endian_client_answered_in_its_representation(registry: Registry, factory: Any,
                                                          h: H) -> None:
    ep = RpcEndpoint("toy", registry, factory, reply_in_client_drep=True)
    ep.write(h.bind_pdu([(0, h.TOY, [NDR20])], drep=DREP_BE))
    (ack,) = h.drain(ep)
    assert ack.drep == DREP_BE and isinstance(ack.body, BindAck)
    op = h.toy_op(0)
    ep.write(h.request_pdu(5, 0, 0, op.encode_request({"Text": "big"}, False), drep=DREP_BE))
    (pdu,) = h.drain(ep)
    assert pdu.drep == DREP_BE and isinstance(pdu.body, Response)
    assert op.decode_response(pdu.body.stub, little_endian=False) == {
        "Text": "big", "ReturnValue": 0}


def test_partial_and_coalesced_writes(endpoint: RpcEndpoint, h: H) -> None:
    data = h.bind_pdu([(0, h.TOY, [NDR20])]) + b"".join(
        h.request_pdu(10 + i, 0, 1, ndr.encode(ndr.uint32, i) + ndr.encode(ndr.uint32, 1))
        for i in range(3))
    for i in range(len(data)):
        endpoint.write(data[i:i + 1])
    pdus = h.drain(endpoint)
    assert [p.ptype for p in pdus] == [PType.BIND_ACK] + [PType.RESPONSE] * 3
    assert [p.call_id for p in pdus[1:]] == [10, 11, 12]


def test_message_mode_reads(endpoint: RpcEndpoint, h: H) -> None:
    h.bind_toy(endpoint)
    endpoint.write(h.request_pdu(2, 0, 0, h.toy_op(0).encode_request({"Text": "x" * 100})))
    first, more = endpoint.read(50)
    assert more and len(first) == 50
    rest, more = endpoint.read(4280)
    assert not more
    assert isinstance(parse_pdu(first + rest).body, Response)
    assert endpoint.read(100) == (b"", False)
    out, more = endpoint.transceive(h.request_pdu(3, 0, 1, bytes(8)), 4280)
    assert not more and parse_pdu(out).call_id == 3


def test_wrong_call_id_in_a_continuation_fragment(endpoint: RpcEndpoint, h: H) -> None:
    h.bind_toy(endpoint)
    endpoint.write(h.request_pdu(2, 0, 6, bytes(64), flags=PFC_FIRST_FRAG, alloc_hint=200))
    endpoint.write(h.request_pdu(3, 0, 6, bytes(64), flags=PFC_LAST_FRAG))
    (pdu,) = h.drain(endpoint)
    assert isinstance(pdu.body, Fault) and pdu.body.status == NCA_S_PROTO_ERROR
    assert pdu.call_id == 2
    assert endpoint.terminated


def test_reassembly_is_capped(registry: Registry, factory: Any, h: H) -> None:
    ep = RpcEndpoint("toy", registry, factory, max_request_size=1000)
    h.bind_toy(ep)
    ep.write(h.request_pdu(2, 0, 6, bytes(600), flags=PFC_FIRST_FRAG, alloc_hint=600))
    assert not ep.has_output()
    ep.write(h.request_pdu(2, 0, 6, bytes(600), flags=0, alloc_hint=600))
    (pdu,) = h.drain(ep)
    assert isinstance(pdu.body, Fault) and pdu.body.status == FAULT_ACCESS_DENIED
    assert ep.terminated


def test_oversized_request_fragment(endpoint: RpcEndpoint, h: H) -> None:
    h.bind_toy(endpoint)
    endpoint.write(h.request_pdu(2, 0, 6, bytes(5000)))
    (pdu,) = h.drain(endpoint)
    assert isinstance(pdu.body, Fault) and pdu.body.status == NCA_S_PROTO_ERROR
    assert endpoint.terminated


def test_client_may_not_send_server_pdus(endpoint: RpcEndpoint, h: H) -> None:
    h.bind_toy(endpoint)
    endpoint.write(encode_pdu(Pdu(Shutdown(), 5)))
    (pdu,) = h.drain(endpoint)
    assert isinstance(pdu.body, Fault) and pdu.body.status == NCA_S_PROTO_ERROR


def test_cancel_and_orphaned_are_ignored(endpoint: RpcEndpoint, h: H) -> None:
    h.bind_toy(endpoint)
    endpoint.write(encode_pdu(Pdu(CoCancel(), 5)))
    assert not endpoint.has_output() and not endpoint.terminated


def test_garbage_frame_closes_the_association(endpoint: RpcEndpoint, h: H) -> None:
    h.bind_toy(endpoint)
    endpoint.write(b"\x05\x00\x00\x03\x10\x00\x00\x00\x04\x00\x00\x00\x01\x00\x00\x00")
    assert endpoint.terminated and not endpoint.has_output()


# ------------------------------------------------------------------ authentication plumbing

def test_no_auth_provider_refuses_authenticated_bind(endpoint: RpcEndpoint, h: H) -> None:
    endpoint.write(h.bind_pdu([(0, h.TOY, [NDR20])], auth=AuthVerifier(10, 6, 0, b"NTLMSSP\0")))
    (pdu,) = h.drain(endpoint)
    assert isinstance(pdu.body, BindNak) and pdu.body.reject_reason == 8


def test_verifier_on_unauthenticated_association(endpoint: RpcEndpoint, h: H) -> None:
    h.bind_toy(endpoint)
    endpoint.write(h.request_pdu(2, 0, 1, bytes(8), auth=AuthVerifier(10, 5, 0, bytes(16))))
    (pdu,) = h.drain(endpoint)
    assert isinstance(pdu.body, Fault) and pdu.body.status == FAULT_ACCESS_DENIED
    assert endpoint.terminated


def test_auth3_without_authentication(endpoint: RpcEndpoint, h: H) -> None:
    from smbemu.rpc.pdu import Auth3
    h.bind_toy(endpoint)
    endpoint.write(encode_pdu(Pdu(Auth3(), 2, auth=AuthVerifier(10, 5, 0, b"x"))))
    (pdu,) = h.drain(endpoint)
    assert isinstance(pdu.body, Fault) and pdu.body.status == NCA_S_PROTO_ERROR


# ------------------------------------------------------------------ mgmt

def test_mgmt_on_every_pipe(endpoint: RpcEndpoint, h: H) -> None:
    endpoint.write(h.bind_pdu([(3, h.MGMT, [NDR20])]))
    ack = ack_of(h.drain(endpoint))
    assert ack.results[0].result == 0
    inq = MGMT.operations[0]
    assert isinstance(inq, ndr.Operation)
    resp = h.call(endpoint, 3, 0, b"")
    vector = inq.decode_response(resp.stub)
    ids = {(i["Uuid"], i["VersMajor"], i["VersMinor"]) for i in vector["if_id_vector"]["if_id"]}
    assert ids == {(uuid.UUID(h.TOY_UUID), 1, 0), (uuid.UUID(h.TOY2_UUID), 2, 1)}
    assert vector["if_id_vector"]["count"] == 2 and vector["ReturnValue"] == 0

    stats_op = MGMT.operations[1]
    assert isinstance(stats_op, ndr.Operation)
    stats = stats_op.decode_response(h.call(endpoint, 3, 1, ndr.encode(ndr.uint32, 4)).stub)
    assert stats["count"] == 4 and stats["statistics"][0] == 2   # calls in, this one included
    listening = MGMT.operations[2]
    assert isinstance(listening, ndr.Operation)
    assert listening.decode_response(h.call(endpoint, 3, 2, b"").stub) == {
        "status": 0, "ReturnValue": True}
    assert h.call(endpoint, 3, 3, b"").stub == b"\x05\x00\x00\x00"
    princ = MGMT.operations[4]
    assert isinstance(princ, ndr.Operation)
    out = princ.decode_response(h.call(endpoint, 3, 4, princ.encode_request(
        {"authn_proto": 10, "princ_name_size": 64})).stub)
    assert out == {"princ_name": "LEGACYSRV$", "ReturnValue": 0}
    out = princ.decode_response(h.call(endpoint, 3, 4, princ.encode_request(
        {"authn_proto": 10, "princ_name_size": 4})).stub)
    assert out["ReturnValue"] == 122
    out = princ.decode_response(h.call(endpoint, 3, 4, princ.encode_request(
        {"authn_proto": 0, "princ_name_size": 1})).stub)
    assert out == {"princ_name": "", "ReturnValue": 1747}
    assert fault_of(h.call(endpoint, 3, 4, princ.encode_request(
        {"authn_proto": 10, "princ_name_size": 0}))) == NCA_S_FAULT_NDR
