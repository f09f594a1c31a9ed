"""`--netbios`: the session service on TCP 139 and the name service on UDP 137, judged by Samba's tools.

`nmblookup -A` lists the names Windows registers for the profile's role; `smbclient -p 139` runs
SMB2 over a NetBIOS session; a session request for a name that is not ours is refused with
"called name not present". Port 137 is fixed in nmblookup, so these tests bind 127.0.0.61/.62
(not 127.0.0.1) on 137 and 139, which needs root (CI runs as root).
"""

from __future__ import annotations

import os
import re
import socket
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import CliServer, run_tool
from smb2raw import negotiate_body, request
from smbemu.builder import build_config
from smbemu.netbios import NameService, NbssFilter, encode_name, names_for, netbios_names

pytestmark = pytest.mark.interop

DC_ADDRESS = "127.0.0.61"
MEMBER_ADDRESS = "127.0.0.62"


@pytest.fixture(scope="module")
def pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("netbios") / "nbss.pcap"


@pytest.fixture(scope="module")
def dc(pcap: Path) -> Iterator[CliServer]:
    assert os.geteuid() == 0, "binding UDP 137 / TCP 139 needs root (CI runs as root)"
    args = ["--host", DC_ADDRESS, "--port", "0", "--netbios", "--profile", "win2016-dc", "--pcap", str(pcap)]
    with CliServer(args) as server:
        yield server


def _status_names(output: str) -> set[tuple[str, str, bool]]:
    """nmblookup -A lines: '\tLEGACYSRV       <00> -         B <ACTIVE>' -> (name, suffix, group)."""
    names = set()
    for match in re.finditer(r"^\s+(\S+)\s+<([0-9a-fA-F]{2})> - +(<GROUP>)?", output, re.M):
        names.add((match.group(1), match.group(2).upper(), match.group(3) is not None))
    return names


def test_banner_lists_the_netbios_endpoints(dc: CliServer) -> None:
    assert f"{DC_ADDRESS}:139 (netbios session)" in dc.addresses[0]
    assert f"{DC_ADDRESS}:137/udp (netbios names)" in dc.addresses[0]
    assert "profile win2016-dc (dc), machine LEGACYSRV, domain CORP" in dc.log()


def test_nmblookup_node_status_lists_a_dc_names(dc: CliServer) -> None:
    result = run_tool(["nmblookup", "-A", DC_ADDRESS])
    assert result.returncode == 0, result.stdout + result.stderr
    assert _status_names(result.stdout) == {
        ("LEGACYSRV", "00", False),
        ("LEGACYSRV", "20", False),
        ("CORP", "00", True),
        ("CORP", "1E", True),
        ("CORP", "1C", True),
        ("CORP", "1B", False),
    }, result.stdout


def test_nmblookup_name_query_finds_our_names_only(dc: CliServer) -> None:
    found = run_tool(["nmblookup", "-U", DC_ADDRESS, "CORP#1b"])
    assert f"{DC_ADDRESS} CORP<1b>" in found.stdout, found.stdout + found.stderr
    found = run_tool(["nmblookup", "-U", DC_ADDRESS, "LEGACYSRV"])
    assert f"{DC_ADDRESS} LEGACYSRV<00>" in found.stdout, found.stdout + found.stderr


def test_smbclient_over_port_139(dc: CliServer) -> None:
    result = run_tool(["smbclient", f"//{DC_ADDRESS}/IPC$", "-p", "139", "-N", "-c", "exit"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Anonymous login successful" in result.stdout + result.stderr
    result = run_tool(["smbclient", f"//{DC_ADDRESS}/IPC$", "-p", "139", "-U", "alice%Wonderland1", "-c", "exit"])
    assert result.returncode == 0, result.stdout + result.stderr
    dc.wait_for("(netbios session service)")


def _session_request(called: str) -> bytes:
    body = encode_name(called, 0x20) + encode_name("CLIENT", 0x00)
    return struct.pack(">BBH", 0x81, 0, len(body)) + body


def _recv_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    return data


def test_session_request_for_another_name_is_refused(dc: CliServer) -> None:
    with socket.create_connection((DC_ADDRESS, 139), timeout=5) as sock:
        sock.sendall(_session_request("NOTTHISHOST"))
        assert sock.recv(16) == bytes([0x83, 0, 0, 1, 0x82])  # NEGATIVE SESSION RESPONSE: called name not present
        assert sock.recv(16) == b""  # and the connection is closed


def _smb1_negotiate() -> bytes:
    """An SMB1 NEGOTIATE as nmap's SMBProgNeg probe sends it (nmap-service-probes): as a session
    message, without a session request first."""
    dialects = b"".join(b"\x02" + name + b"\x00" for name in (b"PC NETWORK PROGRAM 1.0", b"LANMAN1.0", b"NT LM 0.12"))
    header = b"\xffSMBr" + bytes(4) + b"\x08\x01\x40" + bytes(14) + b"\x40\x06\x00\x00\x01\x00"
    message = header + b"\x00" + struct.pack("<H", len(dialects)) + dialects
    return struct.pack(">I", len(message)) + message


def test_a_session_message_before_the_session_request_gets_unspecified_error(dc: CliServer) -> None:
    with socket.create_connection((DC_ADDRESS, 139), timeout=5) as sock:
        sock.sendall(_smb1_negotiate())
        # NEGATIVE SESSION RESPONSE, error 0x8F: what Windows sends (nmap-service-probes' Windows
        # netbios-ssn signature), then the connection is closed.
        assert _recv_exactly(sock, 5) == bytes([0x83, 0, 0, 1, 0x8F])
        assert sock.recv(16) == b""
    dc.wait_for("closing netbios session: session message before a session request")


def test_a_malformed_session_request_gets_unspecified_error() -> None:
    # Its own server: the dc fixture's pcap must stay free of malformed packets.
    args = ["--host", MEMBER_ADDRESS, "--port", "0", "--netbios", "--netbios-port", "0", "--profile", "win2000"]
    with CliServer(args) as server:
        port = int(re.search(r":(\d+) \(netbios session\)", server.addresses[0]).group(1))  # type: ignore[union-attr]
        with socket.create_connection((MEMBER_ADDRESS, port), timeout=5) as sock:
            sock.sendall(b"\x81\x00\x00\x04\x05ABCD")  # a name that is not first-level encoded
            assert _recv_exactly(sock, 5) == bytes([0x83, 0, 0, 1, 0x8F])
            assert sock.recv(16) == b""


def test_smbclient_with_a_wrong_called_name_falls_back_to_smbserver(dc: CliServer) -> None:
    # Samba's client retries with *SMBSERVER after a negative session response (smbsock_connect.c).
    result = run_tool(["smbclient", "//WRONGNAME/IPC$", "-I", DC_ADDRESS, "-p", "139", "-N", "-c", "exit"])
    assert result.returncode == 0, result.stdout + result.stderr
    dc.wait_for("session request for WRONGNAME<20>: called name not present")


def test_nmap_version_scan_names_windows_on_port_139(dc: CliServer) -> None:
    # nmap's SMBProgNeg probe is an SMB1 NEGOTIATE sent without a session request; Windows'
    # answer 83 00 00 01 8F is its "Microsoft Windows netbios-ssn" signature.
    result = run_tool(["nmap", "-n", "-Pn", "-sV", "-p139", DC_ADDRESS], timeout=120)
    assert re.search(r"^139/tcp\s+open\s+netbios-ssn\s+Microsoft Windows netbios-ssn", result.stdout, re.M), result.stdout


def test_nmap_nbstat_lists_the_names(dc: CliServer) -> None:
    result = run_tool(["nmap", "-n", "-Pn", "-sU", "-p137", "--script", "nbstat", DC_ADDRESS], timeout=120)
    assert "NetBIOS name: LEGACYSRV" in result.stdout, result.stdout
    for line in ("LEGACYSRV<00>", "LEGACYSRV<20>", "CORP<00>", "CORP<1c>", "CORP<1b>", "CORP<1e>"):
        assert line in result.stdout, result.stdout


def test_keepalives_are_ignored_and_smb2_follows_the_session_request(dc: CliServer) -> None:
    negotiate = request(0, negotiate_body((0x0202, 0x0210)))
    with socket.create_connection((DC_ADDRESS, 139), timeout=5) as sock:
        sock.sendall(bytes([0x85, 0, 0, 0]) + _session_request("LEGACYSRV"))
        assert _recv_exactly(sock, 4) == bytes([0x82, 0, 0, 0])  # POSITIVE SESSION RESPONSE
        sock.sendall(bytes([0x85, 0, 0, 0]) + struct.pack(">I", len(negotiate)) + negotiate + bytes([0x85, 0, 0, 0]))
        length = struct.unpack(">I", _recv_exactly(sock, 4))[0]
        response = _recv_exactly(sock, length)
        assert response[:4] == b"\xfeSMB" and struct.unpack_from("<I", response, 8)[0] == 0  # STATUS_SUCCESS
        assert struct.unpack_from("<H", response, 64 + 4)[0] == 0x0210  # DialectRevision


def test_the_pcap_shows_the_netbios_session(dc: CliServer, pcap: Path) -> None:
    run_tool(["smbclient", f"//{DC_ADDRESS}/IPC$", "-p", "139", "-N", "-c", "exit"])
    dc.wait_for("writing a pcap")
    result = run_tool(["tshark", "-r", str(pcap), "-Y", "nbss || smb2"])
    assert "Session request, to 127.0.0.61<20>" in result.stdout, result.stdout + result.stderr
    assert "Positive session response" in result.stdout and "Negative session response" in result.stdout
    assert "Tree Connect Request Tree: \\\\127.0.0.61\\IPC$" in result.stdout
    report = run_tool(["tshark", "-r", str(pcap), "-q", "-z", "expert,warn"]).stdout
    assert "Malformed" not in report, report


def test_a_2000_member_registers_messenger_and_browser_names_and_no_dc_names() -> None:
    with CliServer(["--host", MEMBER_ADDRESS, "--port", "0", "--netbios", "--netbios-port", "0", "--profile", "win2000"]):
        result = run_tool(["nmblookup", "-A", MEMBER_ADDRESS])
    # Windows 2000 runs Messenger (MACHINE<03>) and the Computer Browser; its srvsvc server type
    # says it is the master browser, so it holds DOMAIN<1D> and __MSBROWSE__<01> (KB 163409).
    assert _status_names(result.stdout) == {
        ("LEGACYSRV", "00", False),
        ("LEGACYSRV", "20", False),
        ("LEGACYSRV", "03", False),
        ("CORP", "00", True),
        ("CORP", "1E", True),
        ("CORP", "1D", False),
        ("..__MSBROWSE__.", "01", True),
    }, result.stdout
    # The adapter address: Hyper-V's OUI and three bytes of the machine name's digest.
    assert "MAC Address = 00-15-5D-A6-6E-41" in result.stdout, result.stdout


def test_the_names_follow_the_services_each_release_runs() -> None:
    """Messenger is disabled from XP SP2 / 2003 on, the Computer Browser from 2012 R2 on
    (policies/services/windows.yaml cites both)."""
    def labels(profile: str) -> list[str]:
        config = build_config(profile)
        return [name.label() for name in netbios_names(config)]

    assert "LEGACYSRV<03>" in labels("nt4") and "LEGACYSRV<03>" not in labels("win2003")
    assert "CORP<1D>" in labels("win2003") and "CORP<1D>" in labels("win2003-dc")
    # 2008's server type has no browser bits (the profile cites captures); 2016 stops the Browser.
    assert "CORP<1D>" not in labels("win2008") and "CORP<1D>" not in labels("win2016")
    assert "CORP<1D>" not in labels("win2016-dc") and "CORP<1B>" in labels("win2016-dc")
    # Without the master-browser bit, no master browser names although the Browser runs.
    assert "CORP<1D>" not in [n.label() for n in netbios_names(
        build_config("win2003", overrides=["identity.srvsvc.server_type=WORKSTATION,SERVER,NT,SERVER_NT"]))]


def test_node_status_carries_the_names_and_the_unit_id() -> None:
    service = NameService(names_for("BOX", "WORKGROUP", "standalone", master_browser=True), "127.0.0.9",
                          bytes.fromhex("00155d010203"))
    question = encode_name("*", 0x00)
    packet = struct.pack(">HHHHHH", 7, 0x0010, 1, 0, 0, 0) + question + struct.pack(">HH", 0x21, 1)
    answer = service.answer(packet)
    assert answer is not None
    rdata = answer[12 + len(question) + 10:]
    assert rdata[0] == 6  # BOX<00>, WORKGROUP<00>, BOX<20>, WORKGROUP<1E>, <1D>, __MSBROWSE__<01>
    assert rdata[1 + 5 * 18: 1 + 5 * 18 + 16] == b"\x01\x02__MSBROWSE__\x02\x01"
    statistics = rdata[1 + 6 * 18:]
    assert len(statistics) == 46 and statistics[:6] == bytes.fromhex("00155d010203")


# ---------------------------------------------------------------- sans-I/O pieces
def test_names_for_a_standalone_server_use_the_workgroup() -> None:
    labels = [name.label() for name in names_for("box", "workgroup", "standalone")]
    assert labels == ["BOX<00>", "WORKGROUP<00> (group)", "BOX<20>", "WORKGROUP<1E> (group)"]


def test_nbss_filter_passes_split_messages_through() -> None:
    nbss = NbssFilter({"LEGACYSRV"})
    smb, reply = nbss.feed(_session_request("*SMBSERVER")[:10])
    assert (smb, reply) == (b"", b"")
    smb, reply = nbss.feed(_session_request("*SMBSERVER")[10:] + b"\x00\x00\x00\x05ab")
    assert reply == bytes([0x82, 0, 0, 0]) and smb == b"\x00\x00\x00\x05ab"
    smb, reply = nbss.feed(b"cde\x85\x00\x00\x00\x00\x00\x00\x01z")
    assert smb == b"cde\x00\x00\x00\x01z" and reply == b"" and not nbss.closed


def test_nbss_filter_refuses_a_message_before_the_session_request() -> None:
    nbss = NbssFilter({"LEGACYSRV"})
    smb, reply = nbss.feed(b"\x00\x00\x00\x04\xfeSMB")
    assert (smb, reply) == (b"", bytes([0x83, 0, 0, 1, 0x8F])) and nbss.closed  # unspecified error


def test_nbss_filter_refuses_a_malformed_session_request_and_ignores_what_follows() -> None:
    nbss = NbssFilter({"LEGACYSRV"})
    smb, reply = nbss.feed(b"\x81\x00\x00\x04\x05ABCD" + _session_request("LEGACYSRV"))
    assert (smb, reply) == (b"", bytes([0x83, 0, 0, 1, 0x8F])) and nbss.closed
    assert nbss.feed(_session_request("LEGACYSRV")) == (b"", b"")


def test_nbss_filter_closes_silently_on_a_response_type_from_the_client() -> None:
    nbss = NbssFilter({"LEGACYSRV"})
    assert nbss.feed(bytes([0x82, 0, 0, 0])) == (b"", b"") and nbss.closed


def test_name_service_ignores_responses_and_unknown_names() -> None:
    service = NameService(names_for("BOX", "WORKGROUP", "standalone"), "127.0.0.9")
    query = struct.pack(">HHHHHH", 7, 0x0010, 1, 0, 0, 0) + encode_name("NOPE", 0) + struct.pack(">HH", 0x20, 1)
    assert service.answer(query) is None
    assert service.answer(struct.pack(">HHHHHH", 7, 0x8400, 1, 0, 0, 0)) is None
    found = service.answer(query.replace(encode_name("NOPE", 0), encode_name("BOX", 0x20)))
    assert found is not None and found[-4:] == socket.inet_aton("127.0.0.9")
