"""Issue 13: the SMB2 NEGOTIATE / IOCTL identity items as real clients see them -- smbprotocol and
impacket asking FSCTL_QUERY_NETWORK_INTERFACE_INFO and FSCTL_DFS_GET_REFERRALS and decoding the
answers with their own parsers, tshark decoding the server's capture, impacket and rpcclient doing
RPC over 2008's echoing TRANSCEIVE, smbclient seeing the credits Windows grants.

Each expected value is the one the profile file cites (policies/*.yaml, identity.smb2)."""

from __future__ import annotations

import ipaddress
import struct
import uuid
from pathlib import Path
from typing import Any

import pytest

from helpers import HOST, ServerThread, pcap_server_port_as_445, run_tool

pytestmark = pytest.mark.interop

ALICE = ("alice", "Wonderland1")
FSCTL_QUERY_NETWORK_INTERFACE_INFO = 0x001401FC
FSCTL_DFS_GET_REFERRALS = 0x00060194
SMB2_0_IOCTL_IS_FSCTL = 1


def _smbprotocol_interfaces(port: int) -> list[Any]:
    """smbprotocol (its own IOCTL request and NETWORK_INTERFACE_INFO parser), signed session as alice."""
    from smbprotocol.connection import Connection
    from smbprotocol.ioctl import CtlCode, IOCTLFlags, SMB2IOCTLRequest, SMB2IOCTLResponse, SMB2NetworkInterfaceInfo
    from smbprotocol.session import Session
    from smbprotocol.tree import TreeConnect

    connection = Connection(uuid.uuid4(), HOST, port, require_signing=True)
    connection.connect(timeout=10)
    try:
        session = Session(connection, *ALICE, require_encryption=False)
        session.connect()
        tree = TreeConnect(session, rf"\\{HOST}\IPC$")
        tree.connect()
        ioctl = SMB2IOCTLRequest()
        ioctl["ctl_code"] = CtlCode.FSCTL_QUERY_NETWORK_INTERFACE_INFO
        ioctl["file_id"] = b"\xff" * 16
        ioctl["max_output_response"] = 65536
        ioctl["flags"] = IOCTLFlags.SMB2_0_IOCTL_IS_FSCTL
        request = connection.send(ioctl, sid=session.session_id, tid=tree.tree_connect_id)
        response = connection.receive(request)
        answer = SMB2IOCTLResponse()
        answer.unpack(response["data"].get_value())
        return list(SMB2NetworkInterfaceInfo.unpack_multiple(answer["buffer"].get_value()))
    finally:
        connection.disconnect(True)


@pytest.mark.parametrize("profile", ["win2012r2", "win2022"])
def test_smbprotocol_reads_the_interface_list(profile: str) -> None:
    """zeek smb3_multichannel.pcap (10.0.19041) and suricata-verify tests/smb2-ntlmssp-negotiateflags
    (8.1 / 10 1511): one entry per address, RSS, 1 Gbit/s, port 0."""
    with ServerThread(profile) as server:
        interfaces = _smbprotocol_interfaces(server.port)
    assert len(interfaces) == 1
    (entry,) = interfaces
    assert entry["capability"].get_value() == 1  # RSS
    assert entry["link_speed"].get_value() == 1_000_000_000
    assert entry["if_index"].get_value() != 0
    storage = entry["sock_addr_storage"].get_value()
    assert storage["family"].get_value() == 2  # SockAddrFamily.INTER_NETWORK
    address = storage["buffer"].get_value()
    assert address.get_ipaddress() == HOST and address["port"].get_value() == 0


def test_smbprotocol_on_2008_gets_what_2008_answered() -> None:
    """2008 has no SMB 3.x and no such FSCTL: the generic answer, STATUS_FILE_CLOSED."""
    from smbprotocol.exceptions import SMBResponseException

    with ServerThread("win2008") as server, pytest.raises(SMBResponseException) as raised:
        _smbprotocol_interfaces(server.port)
    assert raised.value.status == 0xC0000128


def _impacket_interfaces(port: int) -> list[Any]:
    """What NetExec's enum_inet module asks (Pennyw0rth/NetExec nxc/modules/enum_inet.py): impacket's
    SMB 3.x connection (client capabilities ENCRYPTION only), IOCTL on IPC$ with no FileId; parsed
    with impacket's NETWORK_INTERFACE_INFO."""
    from impacket.smb3structs import NETWORK_INTERFACE_INFO
    from impacket.smbconnection import SMBConnection

    connection = SMBConnection(HOST, HOST, sess_port=port)
    try:
        connection.login(*ALICE)
        tid = connection.connectTree("IPC$")
        data = connection.getSMBServer().ioctl(tid, None, FSCTL_QUERY_NETWORK_INTERFACE_INFO, SMB2_0_IOCTL_IS_FSCTL,
                                               b"", maxOutputResponse=8192)
    finally:
        connection.close()
    entries, offset = [], 0
    while True:
        entry = NETWORK_INTERFACE_INFO(data[offset:])
        entries.append(entry)
        if not entry["Next"]:
            return entries
        offset += entry["Next"]


@pytest.mark.parametrize("profile", ["win2016", "win2022-dc"])
def test_impacket_reads_the_interface_list_as_netexec_does(profile: str) -> None:
    with ServerThread(profile) as server:
        (entry,) = _impacket_interfaces(server.port)
    assert entry["Capability"] == 1 and entry["LinkSpeed"] == 1_000_000_000 and entry["IfIndex"] != 0
    family, _port = struct.unpack_from("<HH", entry["SockAddr_Storage"])
    assert family == 2 and ipaddress.ip_address(bytes(entry["SockAddr_Storage"])[4:8]) == ipaddress.ip_address(HOST)


def _impacket_referral(port: int, name: str, level: int = 4) -> bytes:
    from impacket.smbconnection import SMBConnection

    connection = SMBConnection(HOST, HOST, sess_port=port)
    try:
        connection.login(*ALICE)
        tid = connection.connectTree("IPC$")
        request = struct.pack("<H", level) + name.encode("utf-16-le") + b"\x00\x00"
        return connection.getSMBServer().ioctl(tid, None, FSCTL_DFS_GET_REFERRALS, SMB2_0_IOCTL_IS_FSCTL,
                                               request, maxOutputResponse=4096)
    finally:
        connection.close()


def test_dc_referrals_decode_in_tshark(tmp_path: Path) -> None:
    """impacket asks win2016-dc for the domain, DC and SYSVOL referrals a Windows client asks for
    (MS-DFSC 3.1.4.1); tshark's DFS dissector reads what suricata-verify
    tests/smb2-09-trunc-file-logging shows of a 2008 R2 DC: \\CORP and \\corp.local, the DC's FQDN,
    a version-4 SYSVOL target with TTL 900."""
    pcap = tmp_path / "dfs.pcap"
    with ServerThread("win2016-dc", pcap=str(pcap)) as server:
        domains = _impacket_referral(server.port, "", level=3)
        dc = _impacket_referral(server.port, "corp.local", level=3)
        sysvol = _impacket_referral(server.port, "\\corp.local\\SYSVOL")
    assert struct.unpack_from("<HH", domains) == (0, 2)
    assert "\\LEGACYSRV.corp.local".encode("utf-16-le") in dc
    assert sysvol.endswith("\\LEGACYSRV.corp.local\\SYSVOL\x00".encode("utf-16-le"))
    pcap_server_port_as_445(str(pcap), server.port)
    decoded = run_tool(["tshark", "-r", str(pcap), "-Y", "smb2.ioctl.function == 0x00060194", "-V"], timeout=60)
    assert decoded.returncode == 0, decoded.stderr
    text = decoded.stdout
    for line in ("Domain Name: \\CORP", "Domain Name: \\corp.local", "Expanded Name: \\LEGACYSRV.corp.local",
                 "Node: \\LEGACYSRV.corp.local\\SYSVOL", "TTL: 900", "TTL: 600", "NameListReferral"):
        assert line in text, line
    assert "Malformed" not in text and "Expert Info (Error" not in text


@pytest.mark.parametrize(("profile", "status"), [("win2016", 0xC000019C), ("win2008-dc", None)])
def test_impacket_referral_member_and_dc(profile: str, status: int | None) -> None:
    """A member runs no DFS server: STATUS_FS_DRIVER_REQUIRED (10.0.17763 / 10.0.19041 captures)."""
    from impacket.smb3 import SessionError

    with ServerThread(profile) as server:
        if status is None:
            assert struct.unpack_from("<HHI", _impacket_referral(server.port, "\\CORP\\NETLOGON")) == (28, 1, 2)
        else:
            with pytest.raises(SessionError) as raised:
                _impacket_referral(server.port, "")
            assert raised.value.get_error_code() == status


def test_rpc_over_2008s_echoing_transceive() -> None:
    """2008 echoes the TRANSCEIVE input (policies/win2008.yaml); clients read the output at
    OutputOffset, so rpcclient and impacket still get their answers over SMB 2.0.2."""
    from impacket.dcerpc.v5 import srvs, transport

    with ServerThread("win2008") as server:
        result = run_tool(["rpcclient", "-p", str(server.port), "-U", "%".join(ALICE), HOST, "-c", "srvinfo"])
        assert result.returncode == 0 and "LEGACYSRV" in result.stdout.upper(), result.stdout + result.stderr
        rpc = transport.SMBTransport(HOST, server.port, r"\srvsvc", *ALICE)
        dce = rpc.get_dce_rpc()
        dce.connect()
        dce.bind(srvs.MSRPC_UUID_SRVS)
        shares = [entry["shi1_netname"][:-1] for entry in
                  srvs.hNetrShareEnum(dce, 1)["InfoStruct"]["ShareInfo"]["Level1"]["Buffer"]]
        dce.disconnect()
    assert "IPC$" in shares


def test_file_ids_impacket_sees() -> None:
    """impacket opens srvsvc twice on win2016: FileIds with one number in both high halves and
    volatile 1, 5 (suricata-verify tests/smb2-07_20171220_smb_psexec_add_user)."""
    from impacket.smbconnection import SMBConnection

    with ServerThread("win2016") as server:
        connection = SMBConnection(HOST, HOST, sess_port=server.port)
        connection.login(*ALICE)
        tid = connection.connectTree("IPC$")
        handles = [connection.openFile(tid, "srvsvc") for _ in range(2)]
        connection.close()
    ids = [struct.unpack("<QQ", bytes(handle)) if isinstance(handle, (bytes, bytearray)) else
           struct.unpack("<QQ", handle.getData()) for handle in handles]
    assert [volatile & 0xFFFFFFFF for _, volatile in ids] == [1, 5]
    assert len({value >> 32 for pair in ids for value in pair}) == 1


@pytest.mark.parametrize("profile", ["win2008", "win2022"])
def test_smbclient_works_with_windows_credit_grants(tmp_path: Path, profile: str) -> None:
    """smbclient asks 31 credits on NEGOTIATE and 8192 on SESSION_SETUP; Windows grants 1 and 1
    (2008: the CHALLENGE follows the request), then the request (captures in the profiles). The
    listing works, and the capture shows the grants."""
    pcap = tmp_path / "credits.pcap"
    with ServerThread(profile, pcap=str(pcap)) as server:
        result = run_tool(["smbclient", "-L", f"//{HOST}", "-p", str(server.port), "-U", "%".join(ALICE),
                           "--option=client max protocol=SMB3", "-m", "SMB3"])
        assert result.returncode == 0 and "IPC$" in result.stdout, result.stdout + result.stderr
    pcap_server_port_as_445(str(pcap), server.port)
    fields = run_tool(["tshark", "-r", str(pcap), "-Y", "smb2.flags.response == 1 && smb2.cmd <= 1", "-T", "fields",
                       "-e", "smb2.cmd", "-e", "smb2.nt_status", "-e", "smb2.credits.granted"], timeout=60)
    grants = [tuple(line.split("\t")) for line in fields.stdout.splitlines()[:3]]
    assert grants[0] == ("0", "0x00000000", "1") and grants[1][:2] == ("1", "0xc0000016")
    challenge = int(grants[1][2])
    assert challenge > 1 if profile == "win2008" else challenge == 1  # 2008: what was asked
    assert grants[2][:2] == ("1", "0x00000000")
