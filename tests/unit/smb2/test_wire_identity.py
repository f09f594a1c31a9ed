"""Issue 13: the SMB2 wire identity of each profile, against values read from public Windows
captures (suricata-verify, named per test) -- sans I/O."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

from helpers import build_config
from smbemu.connection import Connection
from smbemu.dialects import Dialect
from smbemu.smb2.constants import Command
from smbemu.smb2.negotiate import negotiated_capabilities
from smb2raw import frame, negotiate_body, request, responses

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sansio_client import SPNEGO_AUTH_ANON, SPNEGO_NEGOTIATE, Client  # noqa: E402


@pytest.mark.parametrize(
    ("profile", "dialect", "client", "expected"),
    [
        # tests/smb3-01/input.pcap: 10.0.14393 answers a 3.0 client's 0x57 with 0x47.
        ("win2016", Dialect.SMB_3_0, 0x57, 0x47),
        # tests/smb2-ntlmssp-negotiateflags/input.pcap: 8.1 answers 3.0.2 to 0x7F with 0x6B (over
        # NetBIOS, hence no LARGE_MTU there; 0x6F on TCP 445), 10 1511 answers 3.1.1 with 0x2F.
        ("win2012r2", Dialect.SMB_3_0_2, 0x7F, 0x6F),
        ("win2016", Dialect.SMB_3_1_1, 0x7F, 0x2F),
        # tests/smb-version-keyword/input.pcap: 10.0.17763 answers 2.1 (and 0x02FF) with 0x07.
        ("win2019", Dialect.SMB_2_1, 0x40, 0x07),
        ("win2019", Dialect.WILDCARD, 0, 0x07),
        # 2.0.2: DFS only (nmap's smb2-capabilities @output sample).
        ("win2008", Dialect.SMB_2_0_2, 0x7F, 0x01),
    ],
)
def test_negotiate_capabilities_as_the_captures(profile: str, dialect: int, client: int, expected: int) -> None:
    supported = build_config(profile).profile.identity.smb2.global_capabilities
    assert int(negotiated_capabilities(supported, dialect, client)) == expected


def _negotiate(profile: str) -> dict:
    conn = Connection(build_config(profile))
    (answer,) = responses(conn.receive_data(frame(request(Command.NEGOTIATE, negotiate_body((0x0202, 0x0210)),
                                                          credits=31))))
    return answer


@pytest.mark.parametrize(("profile", "sends_start_time"), [("win2008", True), ("win7", True), ("win2016", True),
                                                          ("win2019", False), ("win2022", False)])
def test_server_start_time(profile: str, sends_start_time: bool) -> None:
    """ServerStartTime: 8.1, 10 1511 and 10.0.14393 send their boot time, 10.0.17763 sends 0
    (suricata-verify captures above)."""
    answer = _negotiate(profile)
    start_time = struct.unpack_from("<Q", answer["body"], 48)[0]
    assert (start_time != 0) == sends_start_time


@pytest.mark.parametrize(("profile", "access"), [("win2008", 0x001F01FF), ("win7", 0x011F01FF),
                                                 ("win2016", 0x011F01FF), ("win2022", 0x011F01FF)])
def test_ipc_maximal_access(profile: str, access: int) -> None:
    """IPC$ MaximalAccess 0x011F01FF (suricata-verify: 8.1, 10.0.14393, 10.0.17763, 10 2004)."""
    conn = Connection(build_config(profile))
    conn.receive_data(frame(request(Command.NEGOTIATE, negotiate_body((0x0202, 0x0210)))))
    setup = Client.setup_body
    (first,) = responses(conn.receive_data(frame(request(Command.SESSION_SETUP, setup(SPNEGO_NEGOTIATE),
                                                         message_id=1))))
    session_id = first["session_id"]
    conn.receive_data(frame(request(Command.SESSION_SETUP, setup(SPNEGO_AUTH_ANON), message_id=2,
                                    session_id=session_id)))
    (tree,) = responses(conn.receive_data(frame(request(Command.TREE_CONNECT, Client.tree_connect_body(),
                                                        message_id=3, session_id=session_id))))
    assert tree["status"] == 0
    assert struct.unpack_from("<I", tree["body"], 12)[0] == access
