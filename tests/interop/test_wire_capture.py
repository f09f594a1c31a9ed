"""tshark decodes everything the server sends and receives, with no malformed packets.

The traffic of real clients (smbclient anonymous and signed, encrypted; impacket's SMB1
multi-protocol start; smbprotocol on 3.1.1) is captured on lo and read back with tshark.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from impacket.smbconnection import SMBConnection
from smbprotocol.connection import Connection, Dialects
from smbprotocol.session import Session
from smbprotocol.tree import TreeConnect

from helpers import HOST, LoopbackCapture, ServerThread, run_tool

pytestmark = pytest.mark.interop


def test_tshark_finds_no_malformed_packets(tmp_path: Path) -> None:
    capture_file = str(tmp_path / "smb2-core.pcapng")
    # tshark takes the NEGOTIATE response's NegTokenInit2 negHints ([3]) for a NegTokenInit's
    # mechListMIC unless the server port is 445, so the hint is left out here and checked on 445
    # in tests/interop/test_wire_identity.py.
    with ServerThread("win2016", overrides=["identity.smb2.spnego_hint=false"]) as server, \
            LoopbackCapture(server.port, capture_file) as capture:
        port = str(server.port)
        ipc = f"//{HOST}/IPC$"
        run_tool(["smbclient", ipc, "-p", port, "-N", "-c", "exit"])
        run_tool(["smbclient", ipc, "-p", port, "-U", "alice%Wonderland1", "--option=client signing=required",
                  "--option=client max protocol=SMB3_00", "-c", "exit"])
        run_tool(["smbclient", ipc, "-p", port, "-U", "alice%Wonderland1", "--client-protection=encrypt", "-c", "exit"])
        run_tool(["smbclient", ipc, "-p", port, "-U", "alice%wrong", "-c", "exit"])
        impacket = SMBConnection(HOST, HOST, sess_port=server.port)
        impacket.login("", "")
        impacket.connectTree("IPC$")
        impacket.close()
        conn = Connection(uuid.uuid4(), HOST, server.port)
        conn.connect(dialect=Dialects.SMB_3_1_1)
        session = Session(conn, "alice", "Wonderland1", auth_protocol="ntlm")
        session.connect()
        TreeConnect(session, rf"\\{HOST}\IPC$").connect()
        conn.disconnect()

    summary = capture.tshark("-Y", "smb2")
    assert "Negotiate Protocol Response" in summary
    assert "Session Setup Response" in summary
    assert "Tree Connect Response" in summary
    assert "STATUS_LOGON_FAILURE" in summary
    assert capture.malformed() == []


def test_tshark_finds_no_malformed_smb1_packets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12, item 7: real clients forced to NT LM 0.12 (impacket anonymous and as a user with
    DCE/RPC, smbclient -L, pysmb), captured on lo: SMB1 throughout, nothing malformed, the
    transactions carrying srvsvc visible."""
    from impacket.dcerpc.v5 import srvs, transport
    from impacket.smbconnection import SMB_DIALECT
    from smb import smb_structs  # type: ignore[import-untyped]
    from smb.SMBConnection import SMBConnection as PySmbConnection  # type: ignore[import-untyped]

    nt1 = ["--option=client min protocol=NT1", "--option=client max protocol=NT1"]
    capture_file = str(tmp_path / "smb1.pcapng")
    # The 2000 NEGOTIATE token's principal hint is left out (tshark reads negHints as mechListMIC
    # off port 445); tests/interop/test_wire_identity_smb1.py checks it on 445.
    with ServerThread("win2000", overrides=["identity.smb2.spnego_hint=false"]) as server, \
            LoopbackCapture(server.port, capture_file) as capture:
        for user, password in (("", ""), ("alice", "Wonderland1")):
            impacket = SMBConnection(HOST, HOST, sess_port=server.port, preferredDialect=SMB_DIALECT)
            impacket.login(user, password)
            rpc = transport.SMBTransport(HOST, server.port, r"\srvsvc", smb_connection=impacket)
            dce = rpc.get_dce_rpc()
            dce.connect()
            dce.bind(srvs.MSRPC_UUID_SRVS)
            srvs.hNetrShareEnum(dce, 1)
            dce.disconnect()
            impacket.logoff()
            impacket.close()
        listing = run_tool(["smbclient", "-L", f"//{HOST}", "-p", str(server.port), "-N", *nt1])
        assert "IPC$" in listing.stdout, listing.stdout + listing.stderr
        run_tool(["smbclient", f"//{HOST}/IPC$", "-p", str(server.port), "-U", "alice%wrong", *nt1, "-c", "exit"])
        monkeypatch.setattr(smb_structs, "SUPPORT_SMB2", False)
        pysmb = PySmbConnection("alice", "Wonderland1", "pytest", "LEGACYSRV", domain="CORP", use_ntlm_v2=True,
                                is_direct_tcp=True)
        assert pysmb.connect(HOST, server.port, timeout=10) and not pysmb.isUsingSMB2
        assert "IPC$" in [share.name for share in pysmb.listShares(timeout=10)]
        pysmb.close()

    assert capture.tshark("-Y", "smb2") == ""
    summary = capture.tshark("-Y", "smb")
    for text in ("Negotiate Protocol Response", "Session Setup AndX Response", "Tree Connect AndX Response",
                 "NT Create AndX Response", "STATUS_LOGON_FAILURE"):
        assert text in summary, text
    assert "NetShareEnumAll response" in capture.tshark("-Y", "smb.cmd == 0x25 && dcerpc")
    assert capture.malformed() == []
    assert capture.tshark("-Y", "_ws.malformed || _ws.expert.severity == error") == ""
