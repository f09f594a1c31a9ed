"""ept_map_auth (endpoint mapper opnum 7) and ept_map_auth_async (8): ept_map with [ref] object and tower and the expected
server principal's SID, marshalled by hand as the client NtApiDotNet generates from Windows'
rpcss lays it out (pipes/epmapper/mapper.py), answered like ept_map."""

from __future__ import annotations

import importlib
import importlib.metadata
import struct
from typing import Any

import pytest

# the package through its entry point, as the server loads it (style-anchors §9)
EPM: Any = importlib.import_module(
    next(ep for ep in importlib.metadata.entry_points(group="smbemu.pipes") if ep.name == "epmapper").module)

EPT_S_NOT_REGISTERED = 0x16C9A0D6
NULL_HANDLE = bytes(20)
# C706 appendix L by hand: samr v1.0, NDR v2.0, connection-oriented RPC, TCP port 49155,
# IPv4 127.0.0.1 (the map tower; the port in it is not matched)
SAMR_TCP_TOWER = bytes.fromhex(
    "0500"
    "1300" "0d" "785734123412cdabef000123456789ac" "0100" "0200" "0000"
    "1300" "0d" "045d888aeb1cc9119fe808002b104860" "0200" "0200" "0000"
    "0100" "0b" "0200" "0000"
    "0100" "07" "0200" "c003"
    "0100" "09" "0400" "7f000001")
#: S-1-5-18 (LocalSystem) as an RPC_SID: its conformance (1 sub-authority) first.
LOCAL_SYSTEM_SID = struct.pack("<IBB", 1, 1, 1) + bytes(5) + b"\x05" + struct.pack("<I", 18)


def _stub(tower: bytes, sid: bytes | None, max_towers: int = 4) -> bytes:
    """obj (a [ref] GUID: the nil UUID), map_tower (a [ref] twr_t: conformance, length,
    octets), pSid (unique), entry_handle, max_towers."""
    stub = bytes(16) + struct.pack("<II", len(tower), len(tower)) + tower
    stub += bytes(-len(stub) % 4)
    stub += struct.pack("<I", 0x20000) + sid if sid is not None else struct.pack("<I", 0)
    stub += bytes(-len(stub) % 4)
    return stub + NULL_HANDLE + struct.pack("<I", max_towers)


def _towers(answer: bytes) -> tuple[int, list[bytes]]:
    """(status, towers) of an ept_map / ept_map_auth response."""
    count = struct.unpack_from("<I", answer, 20)[0]
    offset = 24 + 12 + 4 * count  # max, offset, actual, then the tower pointers
    towers = []
    for _ in range(count):
        offset += -offset % 4
        _, length = struct.unpack_from("<II", answer, offset)
        towers.append(answer[offset + 8:offset + 8 + length])
        offset += 8 + length
    return struct.unpack_from("<I", answer, len(answer) - 4)[0], towers


@pytest.mark.parametrize("opnum", [7, 8])  # ept_map_auth, ept_map_auth_async
@pytest.mark.parametrize("sid", [None, LOCAL_SYSTEM_SID])
def test_map_auth_answers_as_map(pipe_client: Any, pipes_h: Any, sid: bytes | None,
                                 opnum: int) -> None:
    config = pipes_h.fresh_config("win2019")
    # what the ncacn_ip_tcp listener publishes (smbemu.rpc_tcp), without listening
    config.memo(EPM.TCP_MEMO_KEY, dict).update(
        address="127.0.0.1", mapper_port=135, port=49667,
        interfaces=("lsarpc", "samr", "netlogon", "dssetup"))
    client = pipe_client("epmapper", "anonymous", server=config)
    status, towers = _towers(client.raw(opnum, _stub(SAMR_TCP_TOWER, sid)))
    plain = client.op(3).encode_request({
        "obj": None, "entry_handle": NULL_HANDLE, "max_towers": 4,
        "map_tower": {"tower_length": len(SAMR_TCP_TOWER), "tower_octet_string": SAMR_TCP_TOWER}})
    assert (status, towers) == _towers(client.raw(3, plain))
    assert status == 0 and len(towers) == 1 and towers[0][-11:-9] == struct.pack(">H", 49667)


def test_map_auth_of_garbage_is_not_registered(pipe_client: Any) -> None:
    client = pipe_client("epmapper", "anonymous", "win2019")
    status, towers = _towers(client.raw(7, _stub(b"\x05\x00garbage", None)))
    assert (status, towers) == (EPT_S_NOT_REGISTERED, [])
