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
    with ServerThread("win2016") as server, LoopbackCapture(server.port, capture_file) as capture:
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
