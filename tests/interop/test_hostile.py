"""Hostile clients (issue 14): each attack reproduced with a real client or raw SMB2, and the
server's answer asserted.

Sections (one per attack; other helpers add theirs below their own heading):

* association groups and context handles (issue 14 item 5);
* a pipe READ pending at TREE_DISCONNECT / LOGOFF (item 7);
* forged and flooded logs (items 2 and 7): see also tests/unit/test_audit.py.
"""

from __future__ import annotations

import json
import struct
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from impacket.dcerpc.v5 import lsat, rpcrt, samr, transport  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import (  # type: ignore[import-untyped]
    RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
    DCERPCException,
)

from smbprotocol.connection import Connection, Dialects
from smbprotocol.exceptions import SMBResponseException
from smbprotocol.session import Session
from smbprotocol.tree import TreeConnect

from helpers import HOST, CliServer, ServerThread
from pipeclient import open_pipe

pytestmark = pytest.mark.interop

DIALECTS = "smb.dialects=2.0.2,2.1,3.0,3.0.2,3.1.1"
ALICE = ("alice", "Wonderland1")
ADMINISTRATOR = ("Administrator", "Adm!n2003")
STATUS_INVALID_HANDLE = 0xC0000008
#: C706 / MS-RPCE 2.2.2.5: the bind_nak reject reason "reason not specified".
BIND_NAK = 13
REASON_NOT_SPECIFIED = 0
#: MS-ERREF 2.2: RPC_S_OUT_OF_RESOURCES (1721), the fault of a full handle table.
RPC_S_OUT_OF_RESOURCES = 0x000006B9
HANDLE_LIMIT = 8


# =========================================================================================
# Association groups and context handles (issue 14 item 5)
# =========================================================================================


@pytest.fixture(scope="module")
def win2000() -> Iterator[ServerThread]:
    # samr is a null-session pipe on Windows 2000, so an anonymous attacker reaches it; a small
    # handle table so filling it is quick
    with ServerThread("win2000", overrides=[DIALECTS], max_rpc_handles=HANDLE_LIMIT) as server:
        yield server


class Pipe:
    """One SMB connection with one pipe open (impacket), and what its last bind received."""

    def __init__(self, server: ServerThread, pipe: str, credentials: tuple[str, str] = ("", ""),
                 smb: Any = None) -> None:
        self.rpc = transport.SMBTransport(HOST, server.port, pipe, smb_connection=smb or 0)
        if smb is None:
            self.rpc.set_credentials(credentials[0], credentials[1], "")
        self.dce = self.rpc.get_dce_rpc()
        self.dce.connect()
        self.last_pdu = b""
        receive = self.rpc.recv

        def recorded(*args: Any, **kwargs: Any) -> Any:
            self.last_pdu = receive(*args, **kwargs)
            return self.last_pdu

        self.rpc.recv = recorded

    def bind(self, uuid: bytes, group_id: int = 0) -> int:
        """Bind naming ``group_id`` (impacket's bind always sends 0: its bind PDU class is
        swapped for one that names the group); the group id of the bind_ack."""
        original = rpcrt.MSRPCBind

        class BindNamingGroup(original):  # type: ignore[misc, valid-type]
            def __init__(self, data: bytes | None = None, alignment: int = 0) -> None:
                super().__init__(data, alignment)
                if data is None:
                    self["assoc_group"] = group_id

        rpcrt.MSRPCBind = BindNamingGroup
        try:
            self.dce.bind(uuid)
        finally:
            rpcrt.MSRPCBind = original
        # C706 12.6.4.4 bind_ack: the 16-byte header, max_xmit_frag, max_recv_frag, assoc_group_id
        (group,) = struct.unpack_from("<I", self.last_pdu, 20)
        return int(group)

    @property
    def smb(self) -> Any:
        return self.rpc.get_smb_connection()

    def close(self) -> None:
        self.dce.disconnect()


def refused_bind(pipe: Pipe, uuid: bytes, group_id: int) -> None:
    """The bind naming ``group_id`` gets bind_nak "reason not specified" (asserted on the PDU)."""
    with pytest.raises(DCERPCException):
        pipe.bind(uuid, group_id)
    ptype = pipe.last_pdu[2]
    (reason,) = struct.unpack_from("<H", pipe.last_pdu, 16)
    assert (ptype, reason) == (BIND_NAK, REASON_NOT_SPECIFIED)


def test_another_principal_cannot_join_a_group(win2000: ServerThread) -> None:
    victim = Pipe(win2000, r"\samr", ALICE)
    group = victim.bind(samr.MSRPC_UUID_SAMR)
    server_handle = samr.hSamrConnect(victim.dce)["ServerHandle"]

    # anonymous, on its own connection: the victim's group id is refused like an unknown one
    attacker = Pipe(win2000, r"\samr")
    refused_bind(attacker, samr.MSRPC_UUID_SAMR, group)
    attacker.close()
    # another user, too (MS-RPCE: the group belongs to its client)
    other_user = Pipe(win2000, r"\samr", ADMINISTRATOR)
    refused_bind(other_user, samr.MSRPC_UUID_SAMR, group)
    other_user.close()
    # and an id nobody holds
    stranger = Pipe(win2000, r"\samr")
    refused_bind(stranger, samr.MSRPC_UUID_SAMR, group ^ 0x5A5A5A5A)
    stranger.close()

    # the victim is untouched
    samr.hSamrEnumerateDomainsInSamServer(victim.dce, server_handle)
    victim.close()


def test_same_principal_shares_its_group(win2000: ServerThread) -> None:
    first = Pipe(win2000, r"\samr", ALICE)
    group = first.bind(samr.MSRPC_UUID_SAMR)
    server_handle = samr.hSamrConnect(first.dce)["ServerHandle"]
    # lsarpc on the same session joins the samr group (what Windows clients do)
    second = Pipe(win2000, r"\lsarpc", ALICE, smb=first.smb)
    assert second.bind(lsat.MSRPC_UUID_LSAT, group) == group
    # the same user on a new connection from the same machine joins too, and may use the handle
    third = Pipe(win2000, r"\samr", ALICE)
    assert third.bind(samr.MSRPC_UUID_SAMR, group) == group
    domains = samr.hSamrEnumerateDomainsInSamServer(third.dce, server_handle)
    assert domains["ErrorCode"] == 0
    for pipe in (third, second, first):
        pipe.close()


def test_a_handle_replayed_by_another_principal_is_invalid(win2000: ServerThread) -> None:
    victim = Pipe(win2000, r"\samr", ALICE)
    group = victim.bind(samr.MSRPC_UUID_SAMR)
    server_handle = samr.hSamrConnect(victim.dce)["ServerHandle"]

    # another principal inside the victim's own group: a second pipe of the victim's SMB session
    # (so the bind may name the group) that authenticates at the DCE/RPC level as Administrator
    inside = Pipe(win2000, r"\samr", smb=victim.smb)
    inside.rpc.set_credentials(*ADMINISTRATOR, "")
    inside.dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
    assert inside.bind(samr.MSRPC_UUID_SAMR, group) == group
    # answered as an unknown handle (the project's answer for one: pipes/samr/__init__.py), so
    # the answer does not even tell the handle exists
    for call in (samr.hSamrEnumerateDomainsInSamServer, samr.hSamrCloseHandle):
        with pytest.raises(DCERPCException) as refused:
            call(inside.dce, server_handle)
        assert refused.value.get_error_code() == STATUS_INVALID_HANDLE
    # its own handles are its own
    own = samr.hSamrConnect(inside.dce)["ServerHandle"]
    with pytest.raises(DCERPCException) as refused:
        samr.hSamrEnumerateDomainsInSamServer(victim.dce, own)
    assert refused.value.get_error_code() == STATUS_INVALID_HANDLE
    inside.close()

    # from another connection, the handle is out of reach too
    attacker = Pipe(win2000, r"\samr")
    attacker.bind(samr.MSRPC_UUID_SAMR)
    with pytest.raises(DCERPCException) as refused:
        samr.hSamrEnumerateDomainsInSamServer(attacker.dce, server_handle)
    assert refused.value.get_error_code() == STATUS_INVALID_HANDLE
    attacker.close()

    samr.hSamrEnumerateDomainsInSamServer(victim.dce, server_handle)  # still open, still the victim's
    victim.close()


def test_a_full_handle_table_is_the_filler_s_own(win2000: ServerThread) -> None:
    victim = Pipe(win2000, r"\samr", ALICE)
    group = victim.bind(samr.MSRPC_UUID_SAMR)

    attacker = Pipe(win2000, r"\samr")
    refused_bind(attacker, samr.MSRPC_UUID_SAMR, group)
    attacker.close()
    attacker = Pipe(win2000, r"\samr")
    attacker.bind(samr.MSRPC_UUID_SAMR)
    for _ in range(HANDLE_LIMIT):
        samr.hSamrConnect(attacker.dce)
    with pytest.raises(DCERPCException) as full:
        samr.hSamrConnect(attacker.dce)
    # impacket has no name for this fault: its status is in the message
    assert f"{RPC_S_OUT_OF_RESOURCES:08x}" in full.value.error_string

    # the victim's table is its own: its next open succeeds
    for _ in range(HANDLE_LIMIT):
        samr.hSamrConnect(victim.dce)
    attacker.close()
    victim.close()


def test_group_ids_are_not_sequential(win2000: ServerThread) -> None:
    pipes = [Pipe(win2000, r"\samr") for _ in range(6)]
    ids = [pipe.bind(samr.MSRPC_UUID_SAMR) for pipe in pipes]
    for pipe in pipes:
        pipe.close()
    assert 0 not in ids and len(set(ids)) == len(ids)
    steps = {(b - a) & 0xFFFFFFFF for a, b in zip(ids, ids[1:])}
    assert steps != {1}, ids


# =========================================================================================
# A pipe READ pending at TREE_DISCONNECT or LOGOFF (issue 14 item 7)
# =========================================================================================

OUTSTANDING_LIMIT = 4
STATUS_PIPE_BROKEN = 0xC000014B


@pytest.fixture(scope="module")
def win2016() -> Iterator[ServerThread]:
    with ServerThread("win2016", max_outstanding_requests=OUTSTANDING_LIMIT) as server:
        yield server


def _pending_read(tree: Any) -> tuple[threading.Thread, dict[str, Any]]:
    """A READ on a fresh srvsvc pipe with nothing queued: it waits (STATUS_PENDING)."""
    pipe = open_pipe(tree, "srvsvc")
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["data"] = pipe.read(0, 4096)
        except SMBResponseException as exc:
            outcome["status"] = exc.status

    reader = threading.Thread(target=run, daemon=True)
    reader.start()
    connection = tree.session.connection
    deadline = time.monotonic() + 5
    while not any(r.async_id for r in list(connection.outstanding_requests.values())):
        assert time.monotonic() < deadline and reader.is_alive(), outcome  # the READ went async
        time.sleep(0.01)
    return reader, outcome


def _smbprotocol_session(server: ServerThread) -> tuple[Connection, Session]:
    conn = Connection(uuid.uuid4(), HOST, server.port)
    conn.connect(dialect=Dialects.SMB_3_1_1)
    session = Session(conn, *ALICE, auth_protocol="ntlm")
    session.connect()
    return conn, session


def test_tree_disconnect_breaks_a_pending_read(win2016: ServerThread) -> None:
    conn, session = _smbprotocol_session(win2016)
    try:
        # more rounds than outstanding-request slots: a read left pending would use them up
        for _ in range(OUTSTANDING_LIMIT + 3):
            tree = TreeConnect(session, rf"\\{HOST}\IPC$")
            tree.connect()
            reader, outcome = _pending_read(tree)
            tree.disconnect()
            reader.join(5)
            assert outcome == {"status": STATUS_PIPE_BROKEN}
    finally:
        conn.disconnect(close=False)  # the pipes went with their trees / sessions


def test_logoff_breaks_a_pending_read(win2016: ServerThread) -> None:
    conn = Connection(uuid.uuid4(), HOST, win2016.port)
    conn.connect(dialect=Dialects.SMB_3_1_1)
    try:
        for _ in range(OUTSTANDING_LIMIT + 3):
            session = Session(conn, *ALICE, auth_protocol="ntlm")
            session.connect()
            tree = TreeConnect(session, rf"\\{HOST}\IPC$")
            tree.connect()
            reader, outcome = _pending_read(tree)
            session.disconnect(close=False)  # LOGOFF with the pipe and its READ still there
            reader.join(5)
            assert outcome == {"status": STATUS_PIPE_BROKEN}
    finally:
        conn.disconnect(close=False)  # the pipes went with their trees / sessions


# =========================================================================================
# Logs a client cannot forge or flood (issue 14 items 2 and 7; the rest in tests/unit/test_audit.py)
# =========================================================================================

FORGED = "2026-12-07 05:00:00,000 INFO    smbemu.session: session 0x1 from 10.0.0.5:1234: CORP\\Administrator logged on"


def test_client_strings_cannot_forge_log_lines(tmp_path: Path) -> None:
    from impacket.smbconnection import SessionError, SMBConnection  # type: ignore[import-untyped]

    audit_path = tmp_path / "audit.jsonl"
    with CliServer(["--port", "0", "--profile", "win2016", "--audit-log", str(audit_path)]) as server:
        port = int(server.addresses[0].rsplit(":", 1)[1])
        # a refused logon whose NTLM user name carries a line of its own
        smb = SMBConnection(HOST, HOST, sess_port=port)
        with pytest.raises(SessionError):
            smb.login("eve\n" + FORGED, "wrong", "CORP")
        smb.close()
        # an accepted one whose domain name does (the text log prints DOMAIN\\user at logon)
        smb = SMBConnection(HOST, HOST, sess_port=port)
        smb.login(ALICE[0], ALICE[1], "CORP\r\n" + FORGED)
        server.wait_for("logged on (user")
        smb.logoff()
        smb.close()
        text_log = server.log()
    assert not any(line.startswith("2026-12-07 05:00:00") for line in text_log.splitlines()), text_log
    assert "CORP\\x0d\\x0a2026-12-07" in text_log
    lines = audit_path.read_text(encoding="utf-8").splitlines()
    failures = [json.loads(line) for line in lines if '"EventID": 4625' in line]
    assert len(failures) == 1 and failures[0]["TargetUserName"] == "eve\\x0a" + FORGED
    assert not any(line.startswith("2026") for line in lines)


def test_a_flood_of_identical_failures_writes_a_bounded_log(tmp_path: Path) -> None:
    from impacket.smbconnection import SessionError, SMBConnection  # type: ignore[import-untyped]

    audit_path = tmp_path / "audit.jsonl"
    attempts = 60
    with CliServer(["--port", "0", "--profile", "win2016", "--audit-log", str(audit_path),
                    "--audit-log-repeat-window", "30"]) as server:
        port = int(server.addresses[0].rsplit(":", 1)[1])
        for _ in range(attempts):
            smb = SMBConnection(HOST, HOST, sess_port=port)
            with pytest.raises(SessionError):
                smb.login("nosuchuser", "guess", "CORP")
            smb.close()
    # the server stopped: the folded count was written at close
    events = [json.loads(line) for line in audit_path.read_text(encoding="utf-8").splitlines()]
    failures = [e for e in events if e["EventID"] == 4625]
    assert len(failures) == 11, failures  # the first 10 one by one, then one for the other 50
    assert [e.get("RepeatCount") for e in failures] == [None] * 10 + [attempts - 10]
