"""Hostile clients (issue 14): each attack reproduced with a real client or raw SMB2, and the
server's answer asserted.

Sections (one per attack; other helpers add theirs below their own heading):

* association groups and context handles (issue 14 item 5);
* a pipe READ pending at TREE_DISCONNECT / LOGOFF (item 7);
* forged and flooded logs (items 2 and 7): see also tests/unit/test_audit.py.
* fairness and bounded memory (items 1-3): five attacks from one anonymous raw SMB2 client,
  a timed bystander and the server's RSS (marked `limits`); see also
  tests/unit/rpc/test_sliced_input.py.
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


def context_mismatch(exc: DCERPCException) -> bool:
    """impacket names the fault nca_s_fault_context_mismatch (0x1C00001A) by its string only."""
    return "context_mismatch" in str(exc).lower()
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
    # answered as an unknown handle -- the runtime's context mismatch fault
    # (pipes/samr/__init__.py) -- so the answer does not even tell the handle exists
    for call in (samr.hSamrEnumerateDomainsInSamServer, samr.hSamrCloseHandle):
        with pytest.raises(DCERPCException) as refused:
            call(inside.dce, server_handle)
        assert context_mismatch(refused.value), refused.value
    # its own handles are its own
    own = samr.hSamrConnect(inside.dce)["ServerHandle"]
    with pytest.raises(DCERPCException) as refused:
        samr.hSamrEnumerateDomainsInSamServer(victim.dce, own)
    assert context_mismatch(refused.value), refused.value
    inside.close()

    # from another connection, the handle is out of reach too
    attacker = Pipe(win2000, r"\samr")
    attacker.bind(samr.MSRPC_UUID_SAMR)
    with pytest.raises(DCERPCException) as refused:
        samr.hSamrEnumerateDomainsInSamServer(attacker.dce, server_handle)
    assert context_mismatch(refused.value), refused.value
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


# =========================================================================================
# Fairness and bounded memory (issue 14 items 1-3)
# =========================================================================================
#
# One `smbemu serve` subprocess (win2016-dc: samr, lsarpc and netlogon are null-session pipes,
# so every attack below is anonymous); each attack runs in a thread over raw SMB2 2.1 (MaxWrite /
# MaxTransact 8 MiB) while a bystander (impacket: logon as alice, NetrShareEnum, logoff) is timed
# again and again, and the server's RSS is read from /proc. Bounds, measured on this 2-core VM
# while it was loaded by other work (a bystander session alone: 40-120 ms; see README "Hostile
# clients"): every bystander session under BYSTANDER_BOUND; RSS at most RSS_GROWTH_BOUND above
# what it was before the attack while it runs, and back within RSS_AFTER_BOUND once the attacker
# has disconnected.

BYSTANDER_BOUND = 1.0  # seconds
RSS_GROWTH_BOUND = 64 * 1024 * 1024
RSS_AFTER_BOUND = 24 * 1024 * 1024
ATTACK_SECONDS = 4.0
SMB2_HEADER = struct.Struct("<4sHHIHHIIQIIQ16s")
NEGOTIATE, SESSION_SETUP, TREE_CONNECT, CREATE, READ, WRITE, IOCTL = 0, 1, 3, 5, 8, 9, 11
FSCTL_PIPE_TRANSCEIVE = 0x0011C017
STATUS_PENDING = 0x00000103
STATUS_INVALID_PARAMETER = 0xC000000D
STATUS_INSUFFICIENT_RESOURCES = 0xC000009A
# SPNEGO NegTokenInit(NTLMSSP NEGOTIATE) and NegTokenResp(anonymous NTLMSSP AUTHENTICATE), as
# impacket sends them for login("", "") (the same blobs as benchmarks/loadgen.py).
SPNEGO_NEGOTIATE = bytes.fromhex(
    "604006062b0601050502a0363034a00e300c060a2b06010401823702020aa22204204e544c4d5353500001000000"
    "050288a000000000000000000000000000000000")
SPNEGO_AUTH_ANON = bytes.fromhex(
    "a1473045a24304414e544c4d5353500003000000010001004000000000000000410000000000000040000000000000"
    "0040000000000000004000000000000000410000000502888000")
NDR20 = uuid.UUID("8a885d04-1ceb-11c9-9fe8-08002b104860")
MGMT = uuid.UUID("afa8bd80-7d8a-11c9-bef4-08002b102989")
SAMR = uuid.UUID("12345778-1234-abcd-ef00-0123456789ac")
LSARPC = uuid.UUID("12345778-1234-abcd-ef00-0123456789ab")


def rpc_bind(interface: uuid.UUID, major: int) -> bytes:
    """A DCE/RPC bind (C706 12.6.4.3) to one interface over NDR20."""
    body = struct.pack("<HHIB3x", 4280, 4280, 0, 1)
    body += struct.pack("<HBB", 0, 1, 0) + interface.bytes_le + struct.pack("<HH", major, 0)
    body += NDR20.bytes_le + struct.pack("<I", 2)
    return struct.pack("<BBBBIHHI", 5, 0, 11, 3, 0x10, 16 + len(body), 0, 1) + body


def rpc_request(opnum: int, stub: bytes, call_id: int = 2, flags: int = 3, alloc_hint: int | None = None) -> bytes:
    """A DCE/RPC request PDU (C706 12.6.4.9); flags 3 = first and last fragment."""
    hint = len(stub) if alloc_hint is None else alloc_hint
    return struct.pack("<BBBBIHHIIHH", 5, 0, 0, flags, 0x10, 24 + len(stub), 0, call_id, hint, 0, opnum) + stub


class RawSmb2:
    """A blocking anonymous SMB2 client on a raw socket (2.1 by default), one request at a time."""

    def __init__(self, port: int, dialect: int = 0x0210) -> None:
        import socket

        self.sock = socket.create_connection((HOST, port))
        self.message_id = 0
        self.session_id = 0
        self.tree_id = 0
        body = struct.pack("<HHHHI16sQH", 36, 1, 1, 0, 0, uuid.uuid4().bytes, 0, dialect) + bytes(6)
        assert self.call(NEGOTIATE, body)[0] == 0
        status, _ = self.call(SESSION_SETUP, self._setup(SPNEGO_NEGOTIATE))
        assert status == 0xC0000016  # MORE_PROCESSING_REQUIRED
        assert self.call(SESSION_SETUP, self._setup(SPNEGO_AUTH_ANON))[0] == 0
        path = f"\\\\{HOST}\\IPC$".encode("utf-16-le")
        assert self.call(TREE_CONNECT, struct.pack("<HHHH", 9, 0, 64 + 8, len(path)) + path)[0] == 0

    @staticmethod
    def _setup(token: bytes) -> bytes:
        return struct.pack("<HBBIIHHQ", 25, 0, 1, 0, 0, 64 + 24, len(token), 0) + token

    def send(self, command: int, body: bytes, charge: int = 1) -> None:
        header = SMB2_HEADER.pack(b"\xfeSMB", 64, charge, 0, command, 256, 0, 0, self.message_id, 0xFEFF,
                                  self.tree_id, self.session_id, bytes(16))
        self.message_id += max(charge, 1)
        self.sock.sendall(struct.pack(">I", 64 + len(body)) + header + body)

    def receive(self) -> tuple[int, bytes]:
        """The next final response (interim STATUS_PENDING answers skipped): status and body."""
        while True:
            length = struct.unpack(">I", self._exactly(4))[0]
            message = self._exactly(length)
            fields = SMB2_HEADER.unpack_from(message, 0)
            status, flags = fields[3], fields[6]
            if status == STATUS_PENDING and flags & 2:
                continue
            if fields[4] == SESSION_SETUP:
                self.session_id = fields[11]
            if fields[4] == TREE_CONNECT and status == 0:
                self.tree_id = fields[10]
            return status, message[64:]

    def _exactly(self, size: int) -> bytes:
        chunks = bytearray()
        while len(chunks) < size:
            chunk = self.sock.recv(size - len(chunks))
            if not chunk:
                raise ConnectionError("the server closed the connection")
            chunks += chunk
        return bytes(chunks)

    def call(self, command: int, body: bytes, charge: int = 1) -> tuple[int, bytes]:
        self.send(command, body, charge)
        return self.receive()

    def create(self, name: str) -> tuple[int, bytes]:
        data = name.encode("utf-16-le")
        body = struct.pack("<HBBIQQIIIIIHHII", 57, 0, 0, 2, 0, 0, 0x0012019F, 0, 3, 1, 0x40, 64 + 56, len(data), 0, 0)
        status, answer = self.call(CREATE, body + data)
        return status, answer[64:80]

    @staticmethod
    def charge_for(size: int) -> int:
        return (size - 1) // 65536 + 1 if size > 65536 else 1

    def write_body(self, file_id: bytes, data: bytes) -> bytes:
        return struct.pack("<HHIQ16sIIHHI", 49, 64 + 48, len(data), 0, file_id, 0, 0, 0, 0, 0) + data

    def read_body(self, file_id: bytes, length: int = 65536) -> bytes:
        return struct.pack("<HBBIQ16sIIIHH", 49, 0x50, 0, length, 0, file_id, 0, 0, 0, 0, 0) + b"\x00"

    def transceive_body(self, file_id: bytes, data: bytes, max_out: int = 4280) -> bytes:
        return struct.pack("<HHI16sIIIIIIII", 57, 0, FSCTL_PIPE_TRANSCEIVE, file_id, 64 + 56, len(data), 0,
                           64 + 56, 0, max_out, 1, 0) + data

    def bound_pipe(self, name: str, interface: uuid.UUID, major: int) -> bytes:
        status, file_id = self.create(name)
        assert status == 0, hex(status)
        status, answer = self.call(IOCTL, self.transceive_body(file_id, rpc_bind(interface, major)))
        assert status == 0 and answer[-100:], hex(status)
        return file_id

    def close(self) -> None:
        self.sock.close()


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _bystander(port: int) -> float:
    """Seconds for a whole bystander session: impacket logon as alice, list shares, logoff."""
    from impacket.smbconnection import SMBConnection

    start = time.perf_counter()
    smb = SMBConnection(HOST, HOST, sess_port=port, timeout=30)
    smb.login(*ALICE)
    assert any(share["shi1_netname"][:-1] == "IPC$" for share in smb.listShares())
    smb.logoff()
    smb.close()
    return time.perf_counter() - start


@pytest.fixture(scope="module")
def target() -> Iterator[CliServer]:
    with CliServer(["--port", "0", "--profile", "win2016-dc"]) as server:
        _bystander(int(server.addresses[0].rsplit(":", 1)[1]))  # warm: first logon builds caches
        yield server


def _under_attack(server: CliServer, attack: Any) -> dict[str, Any]:
    """Run `attack(port, stop)` in a thread; time bystander sessions and sample the server's RSS
    while it runs (at most ATTACK_SECONDS, then `stop` is set); the RSS after it has gone."""
    port = int(server.addresses[0].rsplit(":", 1)[1])
    assert server._process is not None
    pid = server._process.pid
    before = _rss(pid)
    stop = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            attack(port, stop)
        except BaseException as exc:  # reported by the test
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    time.sleep(0.3)  # the attack's first frames are in
    latencies, peak = [], before
    deadline = time.monotonic() + ATTACK_SECONDS
    while time.monotonic() < deadline and (thread.is_alive() or len(latencies) < 3):
        latencies.append(_bystander(port))
        peak = max(peak, _rss(pid))
    stop.set()
    thread.join(30)
    assert not thread.is_alive(), "the attacker did not finish"
    assert not failure, failure
    after = _rss(pid)
    settle = time.monotonic() + 5
    while after > before + RSS_AFTER_BOUND and time.monotonic() < settle:
        time.sleep(0.2)
        after = _rss(pid)
    result = {"latencies": latencies, "before": before, "peak": peak, "after": after}
    print("hostile:", {k: v if k != "latencies" else (len(v), round(max(v), 3)) for k, v in result.items()})
    assert max(latencies) < BYSTANDER_BOUND, result
    assert peak - before < RSS_GROWTH_BOUND, result
    assert after - before < RSS_AFTER_BOUND, result
    return result


def _read_until(client: RawSmb2, file_id: bytes, stop: threading.Event) -> int:
    """READ the pipe's answers until told to stop; returns how many messages were read."""
    reads = 0
    while not stop.is_set():
        status, _ = client.call(READ, client.read_body(file_id))
        if status not in (0, 0x80000005):
            break
        reads += 1
    return reads


@pytest.mark.limits
def test_a_transceive_of_340000_tiny_requests_does_not_stall_others(target: CliServer) -> None:
    # issue 14 item 1: one FSCTL_PIPE_TRANSCEIVE of ~350,000 mgmt inq_if_ids stalled every other
    # client for 22-45 s. It is processed in slices now, at most --max-pipe-output ahead of the
    # attacker's reads, between other clients' requests.
    payload = b"".join(rpc_request(0, b"", call_id=i + 2) for i in range(340_000))
    outcome: dict[str, Any] = {}

    def attack(port: int, stop: threading.Event) -> None:
        client = RawSmb2(port)
        file_id = client.bound_pipe("lsarpc", MGMT, 1)
        outcome["status"], answer = client.call(IOCTL, client.transceive_body(file_id, payload),
                                                client.charge_for(len(payload)))
        outcome["reads"] = _read_until(client, file_id, stop)
        client.close()

    _under_attack(target, attack)
    assert outcome["status"] == 0 and outcome["reads"] > 100, outcome


@pytest.mark.limits
def test_an_8_mib_write_of_samr_requests_does_not_stall_others(target: CliServer) -> None:
    # issue 14 item 1: an 8 MiB WRITE of requests to \pipe\samr stalled win2016-dc for 30 s.
    connect = struct.pack("<II", 0, 0x00000031)  # SamrConnect: no ServerName, DesiredAccess
    pdu = rpc_request(0, connect)
    payload = pdu * (8 * 1024 * 1024 // len(pdu))
    outcome: dict[str, Any] = {}

    def attack(port: int, stop: threading.Event) -> None:
        client = RawSmb2(port)
        file_id = client.bound_pipe("samr", SAMR, 1)
        # MS-SMB2 3.3.5.2.5: charged one credit, an 8 MiB WRITE is refused before it is read
        outcome["one_credit"], _ = client.call(WRITE, client.write_body(file_id, payload), 1)
        outcome["status"], _ = client.call(WRITE, client.write_body(file_id, payload),
                                           client.charge_for(len(payload)))
        outcome["reads"] = _read_until(client, file_id, stop)
        client.close()

    _under_attack(target, attack)
    assert outcome["one_credit"] == STATUS_INVALID_PARAMETER, outcome
    assert outcome["status"] == 0 and outcome["reads"] > 100, outcome


@pytest.mark.limits
def test_transceive_input_is_held_to_max_transact_size(target: CliServer) -> None:
    # 2.0.2 advertises MaxTransactSize 64 KiB (MS-SMB2 3.3.5.4 caps it there); 128 KiB of input
    # is refused with STATUS_INVALID_PARAMETER (MS-SMB2 3.3.5.15), nothing written.
    client = RawSmb2(int(target.addresses[0].rsplit(":", 1)[1]), dialect=0x0202)
    try:
        file_id = client.bound_pipe("lsarpc", MGMT, 1)
        payload = rpc_request(0, b"") * (128 * 1024 // 24)
        assert client.call(IOCTL, client.transceive_body(file_id, payload))[0] == STATUS_INVALID_PARAMETER
        status, answer = client.call(IOCTL, client.transceive_body(file_id, rpc_request(0, b"", call_id=9)))
        assert status == 0 and answer  # the pipe still answers the next call: nothing was queued
    finally:
        client.close()


@pytest.mark.limits
def test_a_flood_of_distinct_pipe_names_costs_no_memory(target: CliServer) -> None:
    # issue 14 item 2: 2,000 anonymous CREATEs of distinct 32,000-character names grew the server
    # by ~132 MiB, kept after disconnect (one policy decision cached per name).
    statuses: set[int] = set()

    def attack(port: int, stop: threading.Event) -> None:
        client = RawSmb2(port)
        for i in range(2000):
            statuses.add(client.create(f"x{i:05d}" + "A" * 31_994)[0])
        client.close()

    _under_attack(target, attack)
    assert statuses and 0 not in statuses, statuses  # every one refused


@pytest.mark.limits
def test_a_flood_of_distinct_access_masks_costs_bounded_memory(target: CliServer) -> None:
    # issue 14 item 2: 40,000 distinct DesiredAccess values grew the server by ~18 MiB (one
    # decision cached per mask); the decision tables are bounded now. Three samr pipes of 14,000
    # SamrConnect each (their answers stay under --max-pipe-output unread).
    def attack(port: int, stop: threading.Event) -> None:
        client = RawSmb2(port)
        for pipe in range(3):
            file_id = client.bound_pipe("samr", SAMR, 1)
            payload = b"".join(rpc_request(0, struct.pack("<II", 0, 0x10000 + pipe * 14_000 + i), call_id=i + 2)
                               for i in range(14_000))
            assert client.call(WRITE, client.write_body(file_id, payload), client.charge_for(len(payload)))[0] == 0
        while not stop.is_set():
            time.sleep(0.05)
        client.close()

    _under_attack(target, attack)


@pytest.mark.limits
def test_250_pipes_of_unfinished_fragments_hold_a_bounded_amount(target: CliServer) -> None:
    # issue 14 item 3: one anonymous connection opened 250 pipes and held 1.05 GiB with fragments
    # that never end. What one connection holds is bounded (--max-reassembly-per-connection,
    # 16 MiB by default): past it a WRITE is refused or the fragment ends its pipe's association.
    stub = bytes(4256)
    # alloc_hint 0: "not known" (C706 12.6.3.1), so only the stub received so far is counted
    first = rpc_request(0, stub, flags=1, alloc_hint=0)
    middle = rpc_request(0, stub, flags=0, alloc_hint=0)
    payload = first + middle * (512 * 1024 // len(middle))
    statuses: list[int] = []
    fault: list[bytes] = []

    def attack(port: int, stop: threading.Event) -> None:
        client = RawSmb2(port)
        for _ in range(250):
            file_id = client.bound_pipe("lsarpc", LSARPC, 0)
            statuses.append(client.call(WRITE, client.write_body(file_id, payload),
                                        client.charge_for(len(payload)))[0])
        # one fragment per WRITE (as clients send them): taken, but the fragment finds the
        # connection's budget full and ends its call with a fault
        file_id = client.bound_pipe("lsarpc", LSARPC, 0)
        for pdu in [first] + [middle] * 16:  # 68 KiB, more than the room left
            statuses.append(client.call(WRITE, client.write_body(file_id, pdu))[0])
        fault.append(client.call(READ, client.read_body(file_id))[1][16:])
        while not stop.is_set():
            time.sleep(0.05)
        client.close()

    _under_attack(target, attack)
    # the first 32 pipes hold ~512 KiB of stub each (16 MiB); every later WRITE is refused whole
    assert set(statuses) == {0, STATUS_INSUFFICIENT_RESOURCES}, statuses
    assert statuses.index(STATUS_INSUFFICIENT_RESOURCES) <= 16 * 1024 * 1024 // len(payload) + 1, statuses
    # nca_s_fault_access_denied (5), as for an over-long request (MS-RPCE 3.3.3.5.4)
    assert statuses[-1] == 0 and fault[0][2] == 3 and struct.unpack_from("<I", fault[0], 24)[0] == 5
