"""A client author's test suite, written only against the pytest plugin's `smbemu_server` fixture.

Nothing here imports smbemu or the project's test helpers: this is what a project that depends
on smbemu (and has it installed) writes.
"""

from __future__ import annotations

import socket
import time

import pytest
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.smbconnection import SessionError, SMBConnection

STATUS_ACCESS_DENIED = 0xC0000022
STATUS_ACCOUNT_LOCKED_OUT = 0xC0000234
STATUS_INSUFFICIENT_RESOURCES = 0xC000009A
ERROR_ACCESS_DENIED = 5

# Windows 2000 offered no SMB2 dialect (it spoke only SMB1); these tests drive impacket over SMB2, so
# they run the Windows 2000 policy over SMB 2.0.2: a profile override the plugin takes like any other.
WIN2000_OVER_SMB2 = {"profile": "win2000", "smb.dialects": "2.0.2"}


def connect(server) -> SMBConnection:
    return SMBConnection(server.host, server.host, sess_port=server.port, timeout=5)


def test_anonymous_login(smbemu_server):
    server = smbemu_server(**WIN2000_OVER_SMB2)
    conn = connect(server)
    conn.login("", "")
    assert conn.connectTree("IPC$")
    conn.logoff()


def test_user_login_with_smbprotocol(smbemu_server):
    from smbprotocol.connection import Connection
    from smbprotocol.session import Session
    from smbprotocol.tree import TreeConnect

    server = smbemu_server(profile="win2016", fixture="minimal")
    username, password = server.user
    connection = Connection(None, server.host, server.port)
    connection.connect(timeout=5)
    try:
        session = Session(connection, username, password, require_encryption=False)
        session.connect()
        tree = TreeConnect(session, rf"\\{server.host}\IPC$")
        tree.connect()
        tree.disconnect()
        session.disconnect()
    finally:
        connection.disconnect()


def test_list_shares(smbemu_server):
    server = smbemu_server(**WIN2000_OVER_SMB2)
    conn = connect(server)
    conn.login("", "")
    names = [share["shi1_netname"][:-1] for share in conn.listShares()]
    assert "IPC$" in names and "ADMIN$" in names


def test_fixture_as_a_dict_and_credentials(smbemu_server):
    fixture = {
        "machine": {"netbios_name": "FILER", "dns_name": "filer.example.test", "sid": "S-1-5-21-1-2-3"},
        "domain": {"name": "EXAMPLE", "dns_name": "example.test", "sid": "S-1-5-21-4-5-6"},
        "users": [
            {"name": "Administrator", "rid": 500, "password": "Adm1n!"},
            {"name": "bob", "rid": 1001, "password": "Builder1"},
        ],
    }
    server = smbemu_server(profile="win2016", fixture=fixture)
    assert server.credentials == {"Administrator": "Adm1n!", "bob": "Builder1"}
    assert tuple(server.admin) == ("Administrator", "Adm1n!")
    conn = connect(server)
    conn.login(*server.user)
    assert conn.getServerName().upper() == "FILER"
    with pytest.raises(SessionError) as raised:
        connect(server).login("bob", "wrong")
    assert raised.value.getErrorCode() == 0xC000006D  # STATUS_LOGON_FAILURE


def test_profile_override(smbemu_server):
    server = smbemu_server(**WIN2000_OVER_SMB2, RestrictAnonymous=2)
    conn = connect(server)
    conn.login("", "")
    with pytest.raises(SessionError) as raised:
        conn.connectTree("IPC$")
    assert raised.value.getErrorCode() == STATUS_ACCESS_DENIED


def test_injected_tree_connect_status(smbemu_server):
    server = smbemu_server(faults=[{"command": "TREE_CONNECT", "nth": 2, "status": "STATUS_ACCESS_DENIED"}])
    conn = connect(server)
    conn.login(*server.user)
    conn.disconnectTree(conn.connectTree("IPC$"))  # the first one is answered normally
    with pytest.raises(SessionError) as raised:
        conn.connectTree("IPC$")
    assert raised.value.getErrorCode() == STATUS_ACCESS_DENIED
    conn.connectTree("IPC$")  # and the third again
    assert server.faults.history == ["fault rule #1 fired: TREE_CONNECT -> STATUS_ACCESS_DENIED"]


def test_injected_session_setup_status(smbemu_server):
    server = smbemu_server(faults=[{"session_setup_round": 2, "status": 0xC0000234}])
    with pytest.raises(SessionError) as raised:
        connect(server).login(*server.user)
    assert raised.value.getErrorCode() == STATUS_ACCOUNT_LOCKED_OUT


def test_injected_rpc_fault(smbemu_server):
    server = smbemu_server(
        **WIN2000_OVER_SMB2,
        faults=[{"interface": "srvsvc", "operation": "NetrShareEnum", "fault": "nca_s_op_rng_error"}],
    )
    conn = connect(server)
    conn.login("", "")
    with pytest.raises(DCERPCException) as raised:
        conn.listShares()
    assert "nca_s_op_rng_error" in str(raised.value)  # impacket names the fault status


def test_injected_rpc_return_status(smbemu_server):
    server = smbemu_server(**WIN2000_OVER_SMB2, faults=[{"interface": "srvsvc", "opnum": 15, "status": ERROR_ACCESS_DENIED}])
    conn = connect(server)
    conn.login("", "")
    with pytest.raises(DCERPCException) as raised:
        conn.listShares()
    assert raised.value.get_error_code() == ERROR_ACCESS_DENIED


def test_delayed_response(smbemu_server):
    server = smbemu_server(faults=[{"command": "TREE_CONNECT", "delay": 0.5}])
    conn = connect(server)
    conn.login(*server.user)
    started = time.monotonic()
    conn.connectTree("IPC$")  # answered normally, late
    assert time.monotonic() - started >= 0.45


def test_dropped_connection(smbemu_server):
    server = smbemu_server(faults=[{"command": "TREE_CONNECT", "drop": True}])
    conn = connect(server)
    conn.login(*server.user)
    with pytest.raises(Exception) as raised:
        conn.connectTree("IPC$")
    assert not isinstance(raised.value, SessionError)  # no answer at all, not an error status


def test_truncated_response(smbemu_server):
    server = smbemu_server(faults=[{"command": "NEGOTIATE", "truncate": 10}])
    sock = socket.create_connection(server.address, timeout=5)
    # An SMB2 NEGOTIATE offering 2.0.2: the answer is cut after 10 bytes and the connection closed.
    header = b"\xfeSMB" + (64).to_bytes(2, "little") + bytes(58)
    body = (36).to_bytes(2, "little") + (1).to_bytes(2, "little") + bytes(32) + (0x0202).to_bytes(2, "little")
    message = header + body
    sock.sendall(len(message).to_bytes(4, "big") + message)
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    sock.close()
    assert len(received) == 10 and received[4:8] == b"\xfeSMB"


def test_resource_limits(smbemu_server):
    """A client author checks how the client copes with a server that refuses a second open."""
    server = smbemu_server(**WIN2000_OVER_SMB2, limits={"max_opens_per_session": 1})
    conn = connect(server)
    conn.login("", "")
    tid = conn.connectTree("IPC$")
    conn.openFile(tid, r"\srvsvc")
    with pytest.raises(SessionError) as raised:
        conn.openFile(tid, r"\wkssvc")
    assert raised.value.getErrorCode() == STATUS_INSUFFICIENT_RESOURCES


def test_a_misspelt_limit_is_named(smbemu_server):
    with pytest.raises(Exception, match="max_open_per_session: is not a limit; limits are .*max_opens_per_session"):
        smbemu_server(limits={"max_open_per_session": 1})


def test_each_server_has_its_own_lockout_state(smbemu_server):
    """Servers started one after another share their parsed profile and fixture, not the accounts'
    state: locking a user out of one leaves them free to log on to the other."""
    first = smbemu_server(profile="win2016")
    second = smbemu_server(profile="win2016")
    name, password = "alice", first.credentials["alice"]
    for _ in range(5):  # corp.yaml's lockout threshold
        with pytest.raises(SessionError):
            connect(first).login(name, "not-" + password)
    with pytest.raises(SessionError) as raised:
        connect(first).login(name, password)
    assert raised.value.getErrorCode() == STATUS_ACCOUNT_LOCKED_OUT
    conn = connect(second)
    conn.login(name, password)
    conn.logoff()
