"""`--pcap`: the server writes every connection as a pcap that tshark decodes, encrypted sessions in clear.

A session of real clients (smbclient anonymous, rpcclient srvinfo + netshareenumall, an
encrypted smbclient session) against a server with a pcap writer; tshark must decode the SMB2
commands and the DCE/RPC calls (srvsvc) and report no malformed packet.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from helpers import HOST, ServerThread, pcap_server_port_as_445, run_tool

pytestmark = pytest.mark.interop


def _tshark(path: Path, port: int, *args: str) -> str:
    # the session's pcap has the server on 445 (pcap_server_port_as_445): no "decode as" needed
    decode_as = [] if port == 445 else ["-d", f"tcp.port=={port},nbss"]
    result = run_tool(["tshark", "-r", str(path), *decode_as, *args], timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_pcap_of_a_session_decodes_in_tshark(tmp_path: Path) -> None:
    pcap = tmp_path / "session.pcap"
    with ServerThread("win2016", pcap=str(pcap)) as server:
        port = str(server.port)
        ipc = f"//{HOST}/IPC$"
        assert run_tool(["smbclient", ipc, "-p", port, "-N", "-c", "exit"]).returncode == 0
        rpc = run_tool(["rpcclient", "-p", port, "-U", "alice%Wonderland1", HOST, "-c", "srvinfo;netshareenumall 1"])
        assert rpc.returncode == 0, rpc.stdout + rpc.stderr
        encrypted = run_tool(["smbclient", ipc, "-p", port, "-U", "alice%Wonderland1", "--client-protection=encrypt",
                              "-c", "exit"])
        assert encrypted.returncode == 0, encrypted.stdout + encrypted.stderr
    pcap_server_port_as_445(str(pcap), server.port)
    raw = pcap.read_bytes()
    magic, major, minor, _, _, _, linktype = struct.unpack_from("<IHHiIII", raw)
    assert (magic, major, minor, linktype) == (0xA1B2C3D4, 2, 4, 101)  # classic pcap, LINKTYPE_RAW

    smb2 = _tshark(pcap, 445, "-Y", "smb2")
    for text in ("Negotiate Protocol Response", "Session Setup Response", "Tree Connect Request Tree: \\\\127.0.0.1\\IPC$",
                 "Create Request File: srvsvc", "User: WORKGROUP\\alice"):
        assert text in smb2, text
    # The encrypted session is written decrypted: after alice's session setup, its tree connect.
    alice = smb2.index("User: WORKGROUP\\alice")
    assert "Tree Connect Request" in smb2[alice:]
    assert "Encrypted SMB" not in smb2 and "Transform" not in smb2

    rpc_calls = _tshark(pcap, 445, "-Y", "dcerpc")
    assert "NetSrvGetInfo request" in rpc_calls and "NetSrvGetInfo response" in rpc_calls
    assert "NetShareEnumAll request" in rpc_calls and "NetShareEnumAll response" in rpc_calls
    assert "Bind_ack" in rpc_calls

    report = _tshark(pcap, 445, "-q", "-z", "expert,warn")
    assert not [line for line in report.splitlines() if "Malformed" in line or "Error/" in line], report
    # The TCP framing is consistent: no retransmission / lost-segment / out-of-order analysis.
    assert _tshark(pcap, 445, "-Y", "tcp.analysis.flags && !tcp.analysis.window_update") == ""


def test_large_messages_are_cut_into_segments_tshark_reassembles(tmp_path: Path) -> None:
    from smbemu.pcap import PcapWriter

    path = tmp_path / "big.pcap"
    writer = PcapWriter(str(path))
    stream = writer.stream(("10.0.0.2", 50000), ("10.0.0.1", 445))
    stream.record_message(False, b"x" * 150_000)
    stream.close()
    writer.close()
    fields = _tshark(path, 445, "-T", "fields", "-e", "tcp.len", "-e", "tcp.analysis.flags")
    lengths = [int(line.split("\t")[0]) for line in fields.splitlines() if line.split("\t")[0]]
    assert sum(lengths) == 150_004 and max(lengths) < 65_535 and len([n for n in lengths if n]) == 3
    assert all(line.split("\t")[1] == "" for line in fields.splitlines() if "\t" in line)


# rpcclient opens IPC$ under the "client ipc" protocol bounds, smbclient under the plain ones:
# both pairs force NT LM 0.12 (issue 12).
NT1 = ["--option=client ipc min protocol=NT1", "--option=client ipc max protocol=NT1",
       "--option=client min protocol=NT1", "--option=client max protocol=NT1"]


def _impacket_smb1_share_enum(port: int, user: tuple[str, str]) -> list[str]:
    """impacket over SMB1: logon, srvsvc over TransactNmPipe, NetrShareEnum level 1, logoff."""
    from impacket.dcerpc.v5 import srvs, transport
    from impacket.smbconnection import SMB_DIALECT, SMBConnection

    conn = SMBConnection(HOST, HOST, sess_port=port, preferredDialect=SMB_DIALECT)
    conn.login(*user)
    rpc = transport.SMBTransport(HOST, port, r"\srvsvc", smb_connection=conn)
    dce = rpc.get_dce_rpc()
    dce.connect()
    dce.bind(srvs.MSRPC_UUID_SRVS)
    reply = srvs.hNetrShareEnum(dce, 1)
    dce.disconnect()
    conn.logoff()
    conn.close()
    return [entry["shi1_netname"][:-1] for entry in reply["InfoStruct"]["ShareInfo"]["Level1"]["Buffer"]]


def test_pcap_of_an_smb1_conversation_decodes_in_tshark(tmp_path: Path) -> None:
    """Issue 12, item 7: SMB1 (NT LM 0.12) in the pcap, anonymous and signed, decodes without a
    malformed packet or an error item; the SMB1 commands and the DCE/RPC calls are visible."""
    pcap = tmp_path / "smb1.pcap"
    # tshark reads a NegTokenInit's negHints ([3]) as RFC 4178's mechListMIC unless the server port
    # is 445: the 2000 principal hint is checked on 445 in tests/interop/test_wire_identity_smb1.py.
    with ServerThread("win2000", overrides=["smb1.signing_enabled=true", "identity.smb2.spnego_hint=false"],
                      pcap=str(pcap)) as server:
        port = str(server.port)
        assert "IPC$" in _impacket_smb1_share_enum(server.port, ("", ""))
        assert "IPC$" in _impacket_smb1_share_enum(server.port, ("alice", "Wonderland1"))
        listing = run_tool(["smbclient", "-L", f"//{HOST}", "-p", port, "-N", *NT1])
        assert listing.returncode == 0 and "IPC$" in listing.stdout, listing.stdout + listing.stderr
        signed = run_tool(["rpcclient", "-p", port, *NT1, "--option=client ipc signing=required", "-U",
                           "alice%Wonderland1", HOST, "-c", "srvinfo;netshareenumall 1"])
        assert signed.returncode == 0, signed.stdout + signed.stderr
    assert _tshark(pcap, server.port, "-Y", "smb2") == ""  # every client stayed on SMB1
    smb1 = _tshark(pcap, server.port, "-Y", "smb")
    for text in ("Negotiate Protocol Response", "Session Setup AndX Response", "User: WORKGROUP\\alice",
                 "Tree Connect AndX Request, Path: \\\\127.0.0.1\\IPC$", "NT Create AndX Request, Path: \\srvsvc",
                 "NT Create AndX Response, FID: 0x4000", "Close Response", "Tree Disconnect Response",
                 "Logoff AndX Response"):
        assert text in smb1, text
    transactions = _tshark(pcap, server.port, "-Y", "smb.cmd == 0x25", "-T", "fields", "-e", "smb.cmd",
                           "-e", "smb.trans_name")
    assert "\\PIPE\\" in transactions
    rpc_calls = _tshark(pcap, server.port, "-Y", "dcerpc")
    for text in ("Bind_ack", "NetShareEnumAll request", "NetShareEnumAll response", "NetSrvGetInfo response"):
        assert text in rpc_calls, text
    # Signed by the server (rpcclient asked): tshark shows the signature field set.
    assert "1" in _tshark(pcap, server.port, "-Y", "smb.flags2.sec_sig == 1 && smb.flags.response == 1",
                          "-T", "fields", "-e", "smb.flags2.sec_sig")
    problems = _tshark(pcap, server.port, "-Y", "_ws.malformed || _ws.expert.severity == error")
    assert problems == "", problems
    report = _tshark(pcap, 445, "-q", "-z", "expert,warn")
    assert not [line for line in report.splitlines() if "Malformed" in line or "Error/" in line], report
    assert _tshark(pcap, 445, "-Y", "tcp.analysis.flags && !tcp.analysis.window_update") == ""
