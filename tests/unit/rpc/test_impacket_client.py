"""impacket's DCE/RPC client (``DCERPC_v5``) against an RpcEndpoint, in memory.

The transport below plays the SMB named pipe: ``send`` is a pipe write, ``recv`` reads one
message in chunks the way an SMB2 READ of a message-mode pipe does (STATUS_BUFFER_OVERFLOW
until the message is complete).
"""

from __future__ import annotations

import types
from typing import Any

import pytest
from impacket.dcerpc.v5 import mgmt, srvs  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPC_v5, DCERPCException  # type: ignore[import-untyped]
from impacket.uuid import uuidtup_to_bin  # type: ignore[import-untyped]

from rpcmem import MemoryPipe
from smbemu.errors import RpcFault
from smbemu.rpc import CallContext, Interface, ndr
from smbemu.rpc.endpoint import RpcEndpoint
from smbemu.rpc.ndr import ConformantArray, Operation, Pointer, Struct, Union, WString
from smbemu.rpc.registry import Registry

H = types.SimpleNamespace
WERR_INVALID_LEVEL = 124

SHARE_INFO_1 = Struct("SHARE_INFO_1", [("shi1_netname", WString), ("shi1_type", ndr.uint32),
                                       ("shi1_remark", WString)])
SHARE_INFO_1_CONTAINER = Struct("SHARE_INFO_1_CONTAINER", [
    ("EntriesRead", ndr.uint32), ("Buffer", Pointer(ConformantArray(SHARE_INFO_1)))])
SHARE_INFO_0_CONTAINER = Struct("SHARE_INFO_0_CONTAINER", [
    ("EntriesRead", ndr.uint32),
    ("Buffer", Pointer(ConformantArray(Struct("SHARE_INFO_0", [("shi0_netname", WString)]))))])
SHARE_ENUM_STRUCT = Struct("SHARE_ENUM_STRUCT", [
    ("Level", ndr.uint32),
    ("ShareInfo", Union(ndr.uint32, {0: Pointer(SHARE_INFO_0_CONTAINER),
                                     1: Pointer(SHARE_INFO_1_CONTAINER)}))])
SERVER_INFO_101 = Struct("SERVER_INFO_101", [
    ("sv101_platform_id", ndr.uint32), ("sv101_name", WString),
    ("sv101_version_major", ndr.uint32), ("sv101_version_minor", ndr.uint32),
    ("sv101_type", ndr.uint32), ("sv101_comment", WString)])


def make_srvsvc(shares: list[tuple[str, int, str]]) -> Interface:
    """A test-only srvsvc with the two calls impacket's helpers make (not the real one)."""
    iface = Interface(name="srvsvc-test", uuid="4b324fc8-1670-01d3-1278-5a47bf6ee188",
                      version=(3, 0), pipes=("srvsvc",))
    for opnum in (*range(15), *range(16, 21)):
        iface.not_implemented(opnum)

    @iface.operation(15, "NetrShareEnum",
                     request=[("ServerName", WString),
                              ("InfoStruct", Pointer(SHARE_ENUM_STRUCT, "ref")),
                              ("PreferedMaximumLength", ndr.uint32),
                              ("ResumeHandle", Pointer(ndr.uint32))],
                     response=[("InfoStruct", Pointer(SHARE_ENUM_STRUCT, "ref")),
                               ("TotalEntries", ndr.uint32),
                               ("ResumeHandle", Pointer(ndr.uint32))],
                     returns="WERROR")
    def NetrShareEnum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        level = request["InfoStruct"]["Level"]
        op = ctx.operation
        assert op is not None
        if level != 1:
            return op.error_response(WERR_INVALID_LEVEL, InfoStruct={
                "Level": level, "ShareInfo": (level, None)})
        items = [{"shi1_netname": n, "shi1_type": t, "shi1_remark": c} for n, t, c in shares]
        return {"InfoStruct": {"Level": 1, "ShareInfo": (1, {"EntriesRead": len(items),
                                                             "Buffer": items})},
                "TotalEntries": len(items), "ResumeHandle": None, "ReturnValue": 0}

    @iface.operation(21, "NetrServerGetInfo",
                     request=[("ServerName", WString), ("Level", ndr.uint32)],
                     response=[("InfoStruct", Union(ndr.uint32, {101: Pointer(SERVER_INFO_101)}))],
                     returns="WERROR")
    def NetrServerGetInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        if request["Level"] != 101:
            raise RpcFault(0x1C000006)
        return {"InfoStruct": (101, {
            "sv101_platform_id": 500, "sv101_name": "LEGACYSRV", "sv101_version_major": 5,
            "sv101_version_minor": 2, "sv101_type": 0x9003, "sv101_comment": "emulated"})}

    return iface


PipeTransport = MemoryPipe


SHARES = [("IPC$", 0x80000003, "Remote IPC"), ("C$", 0x80000000, "Default share"),
          ("Public", 0, "Everyone's files")]


def connect(shares: list[tuple[str, int, str]], h: H, factory: Any,
            read_size: int = 1024) -> tuple[DCERPC_v5, PipeTransport]:
    toy, _ = h.make_toy_interfaces()
    toy.pipes = ("srvsvc",)
    registry = Registry([make_srvsvc(shares), toy])
    transport = PipeTransport(RpcEndpoint("srvsvc", registry, factory), read_size)
    dce = transport.get_dce_rpc()
    dce.connect()
    return dce, transport


def test_share_enum_and_server_info(h: H, factory: Any) -> None:
    dce, _ = connect(SHARES, h, factory)
    dce.bind(srvs.MSRPC_UUID_SRVS)
    resp = srvs.hNetrShareEnum(dce, 1)
    got = [(e["shi1_netname"][:-1], e["shi1_type"], e["shi1_remark"][:-1])
           for e in resp["InfoStruct"]["ShareInfo"]["Level1"]["Buffer"]]
    assert got == SHARES
    info = srvs.hNetrServerGetInfo(dce, 101)["InfoStruct"]["ServerInfo101"]
    assert info["sv101_name"] == "LEGACYSRV\x00"
    assert (info["sv101_version_major"], info["sv101_version_minor"]) == (5, 2)
    with pytest.raises(DCERPCException) as err:
        srvs.hNetrShareEnum(dce, 0)                 # known arm, refused by the handler
    assert err.value.get_error_code() == WERR_INVALID_LEVEL
    with pytest.raises(DCERPCException, match="nca_s_fault_invalid_tag"):
        srvs.hNetrShareEnum(dce, 2)                 # no such union arm: the runtime faults


def test_large_response_is_reassembled_by_impacket(h: H, factory: Any) -> None:
    shares = [(f"SHARE{i:04d}", 0, "a fairly long comment " * 3) for i in range(300)]
    dce, transport = connect(shares, h, factory, read_size=700)
    dce.bind(srvs.MSRPC_UUID_SRVS)
    resp = srvs.hNetrShareEnum(dce, 1)
    buffer = resp["InfoStruct"]["ShareInfo"]["Level1"]["Buffer"]
    assert len(buffer) == 300 and buffer[299]["shi1_netname"] == "SHARE0299\x00"
    assert transport.endpoint.stats.pkts_out > 10


def test_fragmented_request_from_impacket(h: H, factory: Any) -> None:
    dce, transport = connect(SHARES, h, factory)
    dce.bind(uuidtup_to_bin((h.TOY_UUID, "1.0")))
    dce.set_max_fragment_size(64)
    op = h.toy_op(6)
    values = list(range(500))
    before = len(transport.writes)
    dce.call(6, op.encode_request({"Values": values}))
    assert len(transport.writes) - before > 20          # 64-byte stub pieces
    assert op.decode_response(dce.recv()) == {"Count": 500, "Total": sum(values),
                                              "ReturnValue": 0}


def test_mgmt_through_alter_context(h: H, factory: Any) -> None:
    dce, _ = connect(SHARES, h, factory)
    dce.bind(srvs.MSRPC_UUID_SRVS)
    m = dce.alter_ctx(mgmt.MSRPC_UUID_MGMT)
    ids = mgmt.hinq_if_ids(m)["if_id_vector"]
    assert ids["count"] == 2
    assert {(bytes(e["Uuid"]), e["VersMajor"]) for e in ids["if_id"]} == {
        (srvs.MSRPC_UUID_SRVS[:16], 3), (uuidtup_to_bin((h.TOY_UUID, "1.0"))[:16], 1)}
    stats = mgmt.hinq_stats(m)
    assert stats["count"] == 4 and stats["statistics"][0] >= 2
    # any count the caller passes gets the four counters (Windows succeeds; Samba refuses)
    assert mgmt.hinq_stats(m, count=1)["count"] == 4
    assert mgmt.his_server_listening(m)["status"] == 0
    with pytest.raises(DCERPCException) as err:
        mgmt.hstop_server_listening(m)
    assert err.value.get_error_code() == 5
    princ = mgmt.hinq_princ_name(m, authn_proto=10, princ_name_size=32)
    assert b"".join(princ["princ_name"]) == b"LEGACYSRV$\x00"
    # the first context still works after the alter_context
    assert len(srvs.hNetrShareEnum(dce, 1)["InfoStruct"]["ShareInfo"]["Level1"]["Buffer"]) == 3


def test_unknown_opnum_fault_seen_by_impacket(h: H, factory: Any) -> None:
    dce, _ = connect(SHARES, h, factory)
    dce.bind(srvs.MSRPC_UUID_SRVS)
    dce.call(40, b"\x00" * 8)
    with pytest.raises(DCERPCException, match="nca_s_op_rng_error"):
        dce.recv()
    dce.call(3, b"")
    with pytest.raises(DCERPCException, match="nca_s_op_rng_error"):
        dce.recv()


def test_impacket_sees_rejections(h: H, factory: Any) -> None:
    dce, _ = connect(SHARES, h, factory)
    with pytest.raises(DCERPCException, match="abstract_syntax_not_supported"):
        dce.bind(uuidtup_to_bin(("11111111-2222-3333-4444-555555555555", "1.0")))
    dce, _ = connect(SHARES, h, factory)
    with pytest.raises(DCERPCException, match="proposed_transfer_syntaxes_not_supported"):
        dce.bind(srvs.MSRPC_UUID_SRVS,
                 transfer_syntax=("71710533-BEBA-4937-8319-B5DBEF9CCC36", "1.0"))


def test_handler_crash_is_a_fault_for_impacket(h: H, factory: Any) -> None:
    dce, _ = connect(SHARES, h, factory)
    dce.bind(uuidtup_to_bin((h.TOY_UUID, "1.0")))
    dce.call(3, b"")
    with pytest.raises(DCERPCException, match="nca_s_fault_unspec"):
        dce.recv()
    dce.call(1, Operation(1, "Add", request=[("A", ndr.uint32), ("B", ndr.uint32)])
             .encode_request({"A": 40, "B": 2}))
    assert h.toy_op(1).decode_response(dce.recv()) == {"Sum": 42, "ReturnValue": 0}
