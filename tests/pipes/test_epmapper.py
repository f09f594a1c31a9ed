"""The endpoint mapper (C706 appendix O) through the real RPC endpoint: the towers' bytes (C706
appendix L), ept_lookup / ept_map / ept_lookup_handle_free as impacket's epm client and smbemu's
own NDR see them, paging with the lookup handle, what each profile lists, and untrusted towers.
"""

from __future__ import annotations

import importlib
import re
import importlib.metadata
import uuid
from typing import Any

import pytest
from impacket.dcerpc.v5 import epm, lsat, samr  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]
from impacket.uuid import uuidtup_to_bin  # type: ignore[import-untyped]

from smbemu.principal import Principal, PrincipalKind
from smbemu.rpc.endpoint import RpcEndpoint
from smbemu.rpc.interface import make_context_factory

# The package is reached through its entry point, as the server loads it (tests never name
# smbemu_pipes: the pipes name clash, style-anchors §9).
EPM: Any = importlib.import_module(
    next(ep for ep in importlib.metadata.entry_points(group="smbemu.pipes") if ep.name == "epmapper").module)

SAMR = (uuid.UUID("12345778-1234-abcd-ef00-0123456789ac"), 1, 0)
EPT_S_NOT_REGISTERED = 0x16C9A0D6
EPT_S_CANT_PERFORM_OP = 0x16C9A0CD
NCA_S_OP_RNG_ERROR = 0x1C010002
NULL_HANDLE = bytes(20)
NDR64 = ("71710533-beba-4937-8319-b5dbef9ccc36", "1.0")

# C706 appendix L with the values of appendix I, written out by hand: samr v1.0, NDR v2.0,
# connection-oriented RPC, TCP port 49155 (network order), IPv4 127.0.0.1.
SAMR_TCP_TOWER = bytes.fromhex(
    "0500"
    "1300" "0d" "785734123412cdabef000123456789ac" "0100" "0200" "0000"
    "1300" "0d" "045d888aeb1cc9119fe808002b104860" "0200" "0200" "0000"
    "0100" "0b" "0200" "0000"
    "0100" "07" "0200" "c003"
    "0100" "09" "0400" "7f000001"
)


def _tcp_published(config: Any, port: int = 49155) -> Any:
    """What the ncacn_ip_tcp listener publishes (smbemu.rpc_tcp.publish), without listening."""
    listening = config.memo(EPM.TCP_MEMO_KEY, dict)
    listening.update(address="127.0.0.1", mapper_port=135, port=port,
                     interfaces=("lsarpc", "samr", "netlogon", "dssetup"))
    return config


# ------------------------------------------------------------------ towers


def test_tcp_tower_golden_bytes_both_ways() -> None:
    tower = EPM.tcp_tower(SAMR, 49155, "127.0.0.1")
    assert EPM.encode_tower(tower) == SAMR_TCP_TOWER
    decoded = EPM.decode_tower(SAMR_TCP_TOWER)
    assert decoded == tower and decoded.interface == SAMR and decoded.protocols == (0x0B, 0x07, 0x09)
    # impacket's own tower parser reads the same binding
    assert epm.PrintStringBinding(epm.EPMTower(SAMR_TCP_TOWER)["Floors"]) == "ncacn_ip_tcp:127.0.0.1[49155]"


def test_pipe_and_local_towers_as_impacket_reads_them() -> None:
    np = EPM.encode_tower(EPM.pipe_tower(SAMR, "\\pipe\\lsass", "\\\\DC1"))
    assert np.endswith(bytes.fromhex("0100" "0f" "0c00") + b"\\pipe\\lsass\x00"
                       + bytes.fromhex("0100" "11" "0600") + b"\\\\DC1\x00")
    assert epm.PrintStringBinding(epm.EPMTower(np)["Floors"]) == "ncacn_np:\\\\DC1[\\pipe\\lsass]"
    lrpc = EPM.encode_tower(EPM.local_tower(SAMR, "samss lpc"))
    assert lrpc[:2] == b"\x04\x00" and bytes.fromhex("0100" "0c" "0200" "0000") in lrpc
    assert epm.PrintStringBinding(epm.EPMTower(lrpc)["Floors"]) == "ncalrpc:[samss lpc]"


@pytest.mark.parametrize("raw", [
    b"", b"\x05", b"\x00\x00", b"\xff\xff" + bytes(40), SAMR_TCP_TOWER[:-1], SAMR_TCP_TOWER[:30],
    b"\x01\x00\x00\x00\x00\x00",  # a floor whose left-hand side is empty
])
def test_malformed_towers_are_refused(raw: bytes) -> None:
    with pytest.raises(EPM.TowerError):
        EPM.decode_tower(raw)


# ------------------------------------------------------------------ ept_lookup


def _lookup_all(dce: Any) -> list[tuple[str, str]]:
    return [(str(e["tower"]["Floors"][0]), epm.PrintStringBinding(e["tower"]["Floors"]))
            for e in epm.hept_lookup(None, dce=dce)]


def _dce(pipes_h: Any, config: Any, kind: str = "anonymous") -> Any:
    """impacket's client on an in-memory \\PIPE\\epmapper, connected, not bound (hept_* bind)."""
    user, domain = pipes_h.USERS[kind]
    endpoint = RpcEndpoint("epmapper", config.pipes, make_context_factory(
        Principal(PrincipalKind(kind), user, domain), 0x1001, config))
    dce = pipes_h.PipeTransport(endpoint).get_dce_rpc()
    dce.connect()
    return dce


def test_lookup_lists_the_lsass_endpoints_with_the_tcp_port(pipes_h: Any) -> None:
    config = _tcp_published(pipes_h.fresh_config("win2016-dc"))
    found = _lookup_all(_dce(pipes_h, config))
    samr_bindings = [b for i, b in found if i.startswith("12345778-1234-ABCD-EF00-0123456789AC v1.0")]
    assert samr_bindings[:2] == ["ncacn_np:\\\\LEGACYSRV[\\pipe\\lsass]", "ncacn_ip_tcp:127.0.0.1[49155]"]
    assert "ncalrpc:[samss lpc]" in samr_bindings and "ncalrpc:[LSA_EAS_ENDPOINT]" in samr_bindings
    interfaces = {i.split()[0].lower() for i, _ in found}
    # lsarpc, netlogon (a DC: also on TCP), srvsvc and wkssvc on their pipes; dssetup is not
    # registered (MS-DSSP 2.1: well-known \PIPE\lsarpc only), nor the mapper itself
    assert interfaces == {"12345778-1234-abcd-ef00-0123456789ab", "12345778-1234-abcd-ef00-0123456789ac",
                          "12345678-1234-abcd-ef00-01234567cffb", "4b324fc8-1670-01d3-1278-5a47bf6ee188",
                          "6bffd098-a112-3610-9833-46c3f87e345a",
                          # winreg (Remote Registry runs on 2016) and svcctl on their pipes
                          "338cd001-2244-31f1-aaaa-900038001003", "367abb81-9844-35f1-ad32-98f038001003",
                          # spoolss (the Spooler runs; the fixture shares a printer)
                          "12345678-1234-abcd-ef00-0123456789ab",
                          # drsuapi (a DC's directory service in lsass, MS-DRSR 2.1)
                          "e3514235-4b06-11d1-ab04-00c04fc2dcd2",
                          # the Task Scheduler's ATSvc, SASec, ITaskSchedulerService on \PIPE\atsvc
                          "1ff70682-0a51-30e8-076d-740be8cee98b", "378e52b0-c0a9-11cf-822d-00aa0051e40f",
                          "86d35949-83c9-4044-b424-db363231fd0c",
                          # MS-EVEN6 on its pipe, \\pipe\\eventlog (from Vista on: pipes/eventlog/even6)
                          "f6beaff7-1e19-4fbb-9f8f-b89e2018337c"}
    assert ("86D35949-83C9-4044-B424-DB363231FD0C v1.0", "ncacn_np:\\\\LEGACYSRV[\\PIPE\\atsvc]") in found
    assert ("12345678-1234-ABCD-EF00-01234567CFFB v1.0", "ncacn_ip_tcp:127.0.0.1[49155]") in found
    assert ("12345678-1234-ABCD-EF00-0123456789AB v1.0", "ncacn_np:\\\\LEGACYSRV[\\PIPE\\spoolss]") in found
    assert ("12345678-1234-ABCD-EF00-0123456789AB v1.0", "ncalrpc:[spoolss]") in found
    assert ("4B324FC8-1670-01D3-1278-5A47BF6EE188 v3.0", "ncacn_np:\\\\LEGACYSRV[\\PIPE\\srvsvc]") in found


def test_lookup_per_release(pipes_h: Any) -> None:
    # a member registers no netlogon TCP endpoint; 2000 has the pre-Vista local endpoints
    member = _lookup_all(_dce(pipes_h, _tcp_published(pipes_h.fresh_config("win2016"))))
    assert not [b for i, b in member if i.startswith("12345678-1234-ABCD-EF00-01234567CFFB") and "ip_tcp" in b]
    w2k = _lookup_all(_dce(pipes_h, pipes_h.fresh_config("win2000")))
    samr_w2k = [b for i, b in w2k if i.startswith("12345778-1234-ABCD-EF00-0123456789AC")]
    assert samr_w2k == ["ncacn_np:\\\\LEGACYSRV[\\pipe\\lsass]", "ncalrpc:[audit]", "ncalrpc:[securityevent]",
                        "ncalrpc:[protected_storage]", "ncalrpc:[dsrole]"]  # no --rpc-tcp: no TCP tower
    # winreg registers where Remote Registry runs (2016) and not where it is stopped (7), like its pipe
    winreg = "338CD001-2244-31F1-AAAA-900038001003"
    assert any(i.startswith(winreg) for i, _ in member)
    win7 = _lookup_all(_dce(pipes_h, pipes_h.fresh_config("win7")))
    assert not any(i.startswith(winreg) for i, _ in win7) and any(i.startswith("4B324FC8") for i, _ in win7)


def test_lookup_pages_with_the_handle_and_ends_with_not_registered(pipe_client: Any) -> None:
    client = pipe_client("epmapper", "anonymous", "win2003")
    total = client.call(2, inquiry_type=0, max_ents=500)
    assert total["ReturnValue"] == 0 and total["entry_handle"] == NULL_HANDLE
    everything = total["entries"]
    handle, seen = NULL_HANDLE, []
    while True:
        page = client.call(2, inquiry_type=0, entry_handle=handle, max_ents=3)
        assert page["ReturnValue"] == 0 and page["num_ents"] == len(page["entries"]) <= 3
        seen += page["entries"]
        handle = page["entry_handle"]
        if handle == NULL_HANDLE:
            break
    assert seen == everything and len(everything) > 3
    # the walk is over: the handle is gone, and a lookup that finds nothing says so
    assert client.call(2, inquiry_type=0, entry_handle=bytes(4) + b"\x11" * 16, max_ents=3)["ReturnValue"] \
        == EPT_S_NOT_REGISTERED
    nothing = client.call(2, inquiry_type=1, Ifid={"uuid": uuid.uuid4(), "vers_major": 1, "vers_minor": 0},
                          vers_option=1, max_ents=10)
    assert (nothing["ReturnValue"], nothing["num_ents"], nothing["entry_handle"]) == (EPT_S_NOT_REGISTERED, 0, NULL_HANDLE)
    # ept_lookup_handle_free closes an unfinished walk
    page = client.call(2, inquiry_type=0, max_ents=1)
    assert page["entry_handle"] != NULL_HANDLE
    freed = client.call(4, entry_handle=page["entry_handle"])
    assert (freed["entry_handle"], freed["ReturnValue"]) == (NULL_HANDLE, 0)
    assert client.call(2, inquiry_type=0, entry_handle=page["entry_handle"], max_ents=1)["ReturnValue"] \
        == EPT_S_NOT_REGISTERED


@pytest.mark.parametrize(("option", "version", "expected"), [
    (1, (9, 9), True),   # RPC_C_VERS_ALL
    (2, (1, 0), True),   # COMPATIBLE: same major, registered minor >= asked
    (2, (1, 1), False),
    (3, (1, 0), True),   # EXACT
    (3, (2, 0), False),
    (4, (1, 7), True),   # MAJOR_ONLY
    (5, (0, 9), False),  # UPTO: registered <= asked
    (5, (2, 0), True),
])
def test_lookup_by_interface_and_version(pipe_client: Any, option: int, version: tuple[int, int],
                                         expected: bool) -> None:
    client = pipe_client("epmapper", "anonymous", "win2000")
    answer = client.call(2, inquiry_type=1, vers_option=option, max_ents=50,
                         Ifid={"uuid": SAMR[0], "vers_major": version[0], "vers_minor": version[1]})
    assert (answer["num_ents"] > 0) is expected
    assert all(EPM.decode_tower(e["tower"]["tower_octet_string"]).interface == SAMR for e in answer["entries"])


# ------------------------------------------------------------------ ept_map


def test_map_answers_impacket_for_each_protocol_sequence(pipes_h: Any) -> None:
    config = _tcp_published(pipes_h.fresh_config("win2019"), port=49667)
    assert epm.hept_map("127.0.0.1", samr.MSRPC_UUID_SAMR, protocol="ncacn_ip_tcp",
                        dce=_dce(pipes_h, config)) == "ncacn_ip_tcp:127.0.0.1[49667]"
    assert epm.hept_map("127.0.0.1", lsat.MSRPC_UUID_LSAT, protocol="ncacn_ip_tcp",
                        dce=_dce(pipes_h, config)) == "ncacn_ip_tcp:127.0.0.1[49667]"
    assert epm.hept_map("127.0.0.1", samr.MSRPC_UUID_SAMR, protocol="ncacn_np",
                        dce=_dce(pipes_h, config)) == "ncacn_np:127.0.0.1[\\pipe\\lsass]"


def test_map_of_what_is_not_registered(pipes_h: Any) -> None:
    config = pipes_h.fresh_config("win2008")  # no ncacn_ip_tcp listener
    for interface, protocol, syntax in (
        (samr.MSRPC_UUID_SAMR, "ncacn_ip_tcp", None),                       # TCP off
        (uuidtup_to_bin(("3919286a-b10c-11d0-9ba8-00c04fd92ef5", "0.0")), "ncacn_np", None),  # dssetup
        (uuidtup_to_bin((str(uuid.uuid4()), "1.0")), "ncacn_np", None),     # unknown interface
        (uuidtup_to_bin(("12345778-1234-abcd-ef00-0123456789ac", "1.1")), "ncacn_np", None),  # newer minor
        (samr.MSRPC_UUID_SAMR, "ncacn_np", uuidtup_to_bin(NDR64)),          # NDR64 is not registered
    ):
        kwargs = {"dataRepresentation": syntax} if syntax else {}
        with pytest.raises(DCERPCException) as info:
            epm.hept_map("127.0.0.1", interface, protocol=protocol, dce=_dce(pipes_h, config), **kwargs)
        assert info.value.error_code == EPT_S_NOT_REGISTERED


def test_map_with_garbage_towers_answers_not_registered(pipe_client: Any) -> None:
    client = pipe_client("epmapper", "anonymous", "win2000")
    for raw in (b"", b"\x05\x00garbage", b"\xff\xff", SAMR_TCP_TOWER[:40], EPM.encode_tower(EPM.Tower(()))):
        answer = client.call(3, map_tower={"tower_length": len(raw), "tower_octet_string": raw}, max_towers=4)
        assert (answer["ReturnValue"], answer["num_towers"]) == (EPT_S_NOT_REGISTERED, 0)
    assert client.call(3, map_tower=None, max_towers=4)["ReturnValue"] == EPT_S_NOT_REGISTERED


def test_the_other_opnums(pipe_client: Any) -> None:
    client = pipe_client("epmapper", "administrator", "win2022")
    assert client.call(0)["ReturnValue"] == EPT_S_CANT_PERFORM_OP  # ept_insert: no remote registration
    assert client.call(1)["ReturnValue"] == EPT_S_CANT_PERFORM_OP  # ept_delete
    # ept_inq_object, ept_mgmt_delete: not among the procedures Windows' mapper serves
    # (pipes/epmapper/mapper.py); 9: past ept_map_auth_async, the last one
    for opnum in (5, 6, 9):
        assert client.fault(opnum) == NCA_S_OP_RNG_ERROR


# ------------------------------------------------------------------ ncacn_ip_tcp, sans-I/O


def _tcp(config: Any, service: str, port: int = 135) -> Any:
    from smbemu.rpc_tcp import RpcTcpConnection, services_for

    (chosen,) = [s for s in services_for(config, 135, 49155) if s.name == service]
    return RpcTcpConnection(config, chosen, ("10.0.0.9", 50000))


def _bind_bytes(syntax: Any, max_frag: int = 5840) -> bytes:
    from smbemu.rpc.pdu import NDR20, PFC_FIRST_FRAG, PFC_LAST_FRAG, Bind, ContextElement, Pdu, encode_pdu

    return encode_pdu(Pdu(Bind(max_frag, max_frag, 0, (ContextElement(0, syntax, (NDR20,)),)), 1,
                          PFC_FIRST_FRAG | PFC_LAST_FRAG))


def test_tcp_bind_ack_names_the_port_and_the_tcp_fragment_size(pipes_h: Any) -> None:
    from smbemu.rpc.pdu import BindAck, SyntaxId, parse_pdu

    connection = _tcp(pipes_h.fresh_config("win2016-dc"), "epmapper")
    bind = _bind_bytes(SyntaxId.of("e1af8308-5d1f-11c9-91a4-08002b14a0fa", 3, 0))
    out = b"".join(connection.receive(bind[i:i + 1]) for i in range(len(bind)))  # a byte at a time
    ack = parse_pdu(out).body
    assert isinstance(ack, BindAck) and ack.results[0].result == 0
    assert (ack.secondary_address, ack.max_xmit_frag, ack.max_recv_frag) == ("135", 5840, 5840)
    # the lsass port serves lsarpc/samr/netlogon/dssetup, not the mapper
    lsass = _tcp(pipes_h.fresh_config("win2016-dc"), "lsass")
    refused = parse_pdu(lsass.receive(_bind_bytes(SyntaxId.of("e1af8308-5d1f-11c9-91a4-08002b14a0fa", 3, 0)))).body
    assert isinstance(refused, BindAck) and refused.results[0].result != 0 and refused.secondary_address == "49155"


@pytest.mark.parametrize("garbage", [
    b"\x00" * 64, b"\x05\x00\x0b\x03\x10\x00\x00\x00\x08\x00" + bytes(8),
    b"\x05\x00\x00\x03\x10\x00\x00\x00\x18\x00\x00\x00\x01\x00\x00\x00" + bytes(8),
    b"\x04\x00\x0b\x03\x10\x00\x00\x00\x18\x00\x00\x00\x01\x00\x00\x00" + bytes(8),
])
def test_tcp_garbage_closes_or_answers_never_raises(pipes_h: Any, garbage: bytes) -> None:
    connection = _tcp(pipes_h.fresh_config("win2000"), "lsass")
    out = connection.receive(garbage)
    # nonsense (a frag_length below the header, a first PDU that is no v5 bind) ends the
    # association: at most one answer (bind_nak), then nothing more is read
    assert connection.closed and len(out) <= 24
    assert connection.receive(garbage) == b""


def test_nmap_smb_probe_gets_windows_bind_nak(pipes_h: Any) -> None:
    # nmap-service-probes' SMBProgNeg probe sent to 135, and its "Microsoft Windows RPC" match:
    # bind_nak, reason 4 (protocol version not supported), versions supported: 5.0
    probe = (b"\0\0\0\xa4\xff\x53\x4d\x42\x72\0\0\0\0\x08\x01\x40" + bytes(14) + b"\x40\x06\0\0\x01\0\0\x81\0"
             + b"".join(b"\x02" + d + b"\0" for d in (b"PC NETWORK PROGRAM 1.0", b"MICROSOFT NETWORKS 1.03",
                                                    b"MICROSOFT NETWORKS 3.0", b"LANMAN1.0", b"LM1.2X002",
                                                    b"Samba", b"NT LANMAN 1.0", b"NT LM 0.12")))
    out = _tcp(pipes_h.fresh_config("win2016-dc"), "epmapper").receive(probe)
    assert re.match(rb"^\x05\0\r\x03\x10\0\0\0\x18\0\0\0....\x04\0\x01\x05\0...$", out, re.S), out.hex()


def test_tcp_a_flood_of_tiny_requests_is_served_in_slices(pipes_h: Any) -> None:
    """Issue 14 over ncacn_ip_tcp: one receive() call runs at most PDUS_PER_TURN PDUs; the rest
    waits (`backlog`) for the next loop turn, and every request is still answered once."""
    from smbemu.rpc.pdu import PFC_FIRST_FRAG, PFC_LAST_FRAG, Pdu, Request, SyntaxId, encode_pdu, parse_pdu
    from smbemu.rpc_tcp import PDUS_PER_TURN

    connection = _tcp(pipes_h.fresh_config("win2016-dc"), "epmapper")
    connection.receive(_bind_bytes(SyntaxId.of("e1af8308-5d1f-11c9-91a4-08002b14a0fa", 3, 0)))
    count = 3 * PDUS_PER_TURN + 7
    # the tiniest call there is: an empty stub (each is answered, a fault or a response)
    requests = b"".join(encode_pdu(Pdu(Request(0, 0, 0, b""), call_id, PFC_FIRST_FRAG | PFC_LAST_FRAG))
                        for call_id in range(2, 2 + count))
    answers = []
    out = connection.receive(requests)
    turns = 1
    while True:
        while out:
            length = int.from_bytes(out[8:10], "little")
            answers.append(parse_pdu(out[:length]).call_id)
            out = out[length:]
        if not connection.backlog:
            break
        out = connection.receive(b"")
        turns += 1
    assert turns == 4 and answers == list(range(2, 2 + count))
