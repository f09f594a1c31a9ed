"""Every resource limit (smbemu.config.Limits), exceeded by a real client: the offender gets the
refusal (an NTSTATUS, a DCE/RPC fault, or its connection closed) and a bystander is still served.

Limits are set low per test (`ServerThread(..., max_x=N)`, as `smbemu serve --max-x N`) so that a
client reaches them in a few requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
import uuid
from typing import Any

import pytest
from impacket.dcerpc.v5 import samr, srvs, transport
from impacket.dcerpc.v5.dtypes import NULL
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.nmb import NetBIOSError
from impacket.smbconnection import SMB_DIALECT, SessionError, SMBConnection
from smbprotocol.connection import Connection, Dialects
from smbprotocol.exceptions import SMBException, SMBResponseException
from smbprotocol.session import Session
from smbprotocol.tree import TreeConnect

from helpers import HOST, ServerThread, run_tool
from pipeclient import bind_pdu, open_pipe

pytestmark = [pytest.mark.interop, pytest.mark.limits]

USER, PASSWORD = "alice", "Wonderland1"
STATUS_INSUFFICIENT_RESOURCES = 0xC000009A
STATUS_PENDING = 0x00000103
RPC_S_OUT_OF_RESOURCES = 0x000006B9


# ------------------------------------------------------------------ clients


def bystander_share_names(port: int) -> list[str]:
    """What another client gets meanwhile: alice's NetrShareEnum level 1 through impacket."""
    conn = SMBConnection(HOST, HOST, sess_port=port)
    try:
        conn.login(USER, PASSWORD)
        rpc = transport.SMBTransport(HOST, port, r"\srvsvc", smb_connection=conn)
        dce = rpc.get_dce_rpc()
        dce.connect()
        dce.bind(srvs.MSRPC_UUID_SRVS)
        reply = srvs.hNetrShareEnum(dce, 1)
        dce.disconnect()
        return [entry["shi1_netname"][:-1] for entry in reply["InfoStruct"]["ShareInfo"]["Level1"]["Buffer"]]
    finally:
        conn.close()


def smbprotocol_session(port: int, dialect: int = Dialects.SMB_3_1_1) -> tuple[Connection, Session, TreeConnect]:
    conn = Connection(uuid.uuid4(), HOST, port)
    conn.connect(dialect=dialect, timeout=10)
    session = Session(conn, USER, PASSWORD, auth_protocol="ntlm")
    session.connect()
    tree = TreeConnect(session, rf"\\{HOST}\IPC$")
    tree.connect()
    return conn, session, tree


def share_enum_pdu(call_id: int) -> bytes:
    """A NetrShareEnum level 1 request PDU (opnum 15), its stub encoded by impacket."""
    call = srvs.NetrShareEnum()
    call["ServerName"] = "\x00"
    call["InfoStruct"]["Level"] = 1
    call["InfoStruct"]["ShareInfo"]["tag"] = 1
    call["InfoStruct"]["ShareInfo"]["Level1"]["Buffer"] = NULL
    call["PreferedMaximumLength"] = 0xFFFFFFFF
    call["ResumeHandle"] = NULL
    stub = call.getData()
    header = struct.pack("<BBBB4sHHI", 5, 0, 0, 3, b"\x10\x00\x00\x00", 24 + len(stub), 0, call_id)
    return header + struct.pack("<IHH", len(stub), 0, 15) + stub


def wait_until(predicate: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


def closed_by_server(sock: socket.socket, timeout: float = 5.0) -> bool:
    """True when the server closes (or resets) `sock` within `timeout`; data is read and dropped."""
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not sock.recv(65536):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    return False


def negotiate_frame(message_id: int = 0) -> bytes:
    header = struct.pack("<4sHHIHHIIQIIQ16s", b"\xfeSMB", 64, 0, 0, 0, 1, 0, 0, message_id, 0, 0, 0, bytes(16))
    body = struct.pack("<HHHHI16sIHH", 36, 1, 1, 0, 0, uuid.uuid4().bytes, 0, 0, 0) + struct.pack("<H", 0x0202)
    return struct.pack(">I", len(header + body)) + header + body


def negotiated_socket(port: int, source: str = HOST) -> socket.socket:
    sock = socket.socket()
    sock.bind((source, 0))
    sock.connect((HOST, port))
    sock.settimeout(5)
    sock.sendall(negotiate_frame())
    assert sock.recv(4), "no NEGOTIATE response"
    return sock


# ------------------------------------------------------------------ connections


def test_connections_per_source_address() -> None:
    """A fourth connection from 127.0.0.1 is refused; 127.0.0.2 still gets in; a slot frees on close."""
    with ServerThread("win2000", max_connections_per_address=3) as server:
        held = [negotiated_socket(server.port) for _ in range(3)]
        with pytest.raises(Exception, match="No answer|reset|closed"):  # impacket: the server hung up
            SMBConnection(HOST, HOST, sess_port=server.port).login("", "")
        # Another student's machine (impacket cannot pick its source address; a raw NEGOTIATE can).
        other_address = negotiated_socket(server.port, source="127.0.0.2")
        held.pop().close()
        assert wait_until(lambda: server.connection_count == 3)
        assert "IPC$" in bystander_share_names(server.port)  # the freed slot is usable again
        for sock in held + [other_address]:
            sock.close()


def test_total_connections_refuse_the_extra_one_and_free_on_close() -> None:
    with ServerThread("win2000", max_connections=2) as server:
        first, second = negotiated_socket(server.port), negotiated_socket(server.port, "127.0.0.3")
        third = socket.create_connection((HOST, server.port))
        assert closed_by_server(third)
        first.close()
        assert wait_until(lambda: server.connection_count == 1)
        assert "IPC$" in bystander_share_names(server.port)
        second.close()


# ------------------------------------------------------------------ frames and timeouts


def test_frame_over_the_limit_after_logon_closes_only_that_connection() -> None:
    """Once a session is up, frames may be as large as max_frame_size; one byte more drops the
    connection, and negotiation told the client the transfer sizes that fit."""
    limit = 256 * 1024
    with ServerThread("win2016", max_frame_size=limit) as server:
        conn, session, tree = smbprotocol_session(server.port)
        # MS-SMB2 3.3.5.4: sizes offered so that a request of that size fits a frame.
        assert conn.max_write_size <= limit - 4096 and conn.max_transact_size <= limit - 4096
        assert "IPC$" in bystander_share_names(server.port)
        conn.transport.send(b"\xfeSMB" + bytes(limit))  # smbprotocol adds the 4-byte length
        assert wait_until(lambda: server.connection_count == 0)
        with pytest.raises((SMBException, OSError)):
            tree.disconnect()
        assert "IPC$" in bystander_share_names(server.port)
        conn.disconnect()


def test_preauth_frame_limit() -> None:
    with ServerThread("win2000", max_preauth_frame_size=1024) as server:
        sock = socket.create_connection((HOST, server.port))
        sock.sendall(struct.pack(">I", 2048) + b"\xfeSMB")
        assert closed_by_server(sock)
        assert "IPC$" in bystander_share_names(server.port)  # whose NEGOTIATE fits in 1 KiB


def _trickle(sock: socket.socket, data: bytes, interval: float, until: float) -> bool:
    """Send `data` a byte at a time; True if the server closed the connection meanwhile."""
    for byte in data:
        if time.monotonic() > until:
            return False
        try:
            sock.send(bytes([byte]))
        except OSError:  # reset, broken pipe, or the client library closed it on the server's FIN
            return True
        time.sleep(interval)
    return False


def test_slowloris_before_logon_is_dropped_at_the_preauth_timeout() -> None:
    with ServerThread("win2000", preauth_timeout=1.0) as server:
        sock = socket.create_connection((HOST, server.port))
        started = time.monotonic()
        # One byte every 50 ms: activity all along, but no session within the timeout.
        frame = negotiate_frame() * 20
        dropped = _trickle(sock, frame, 0.05, started + 8)
        assert dropped or closed_by_server(sock, 1)
        assert time.monotonic() - started < 6
        sock.close()


def test_slowloris_after_logon_is_dropped_at_the_frame_timeout() -> None:
    """An authenticated client that trickles one frame byte by byte keeps the idle timer alive,
    but the frame must be whole within frame_timeout; meanwhile another client is served."""
    with ServerThread("win2016", frame_timeout=1.5) as server:
        conn, session, tree = smbprotocol_session(server.port)
        raw = conn.transport._sock
        started = time.monotonic()
        raw.send(struct.pack(">I", 4096))  # the length of a frame that will never be whole
        served = bystander_share_names(server.port)
        assert "IPC$" in served
        dropped = _trickle(raw, b"\xfeSMB" + bytes(200), 0.05, started + 8)
        assert dropped or wait_until(lambda: server.connection_count == 0, 2)
        assert wait_until(lambda: server.connection_count == 0, 2)
        assert 1.0 < time.monotonic() - started < 6
        conn.disconnect()


def test_slowloris_on_the_netbios_session_service() -> None:
    """Port 139 framing (RFC 1002): a session service header trickled byte by byte after a
    valid SESSION REQUEST is dropped at the frame timeout too, however early in the connection."""
    with ServerThread("win2000", frame_timeout=1.0, preauth_timeout=30) as server:
        future = asyncio.run_coroutine_threadsafe(server._server.listen(HOST, 0, True), server._loop)
        _, port = future.result(5)
        sock = socket.create_connection((HOST, port))
        sock.sendall(nbss_session_request("*SMBSERVER"))
        sock.settimeout(5)
        assert sock.recv(4)[0] == 0x82  # POSITIVE SESSION RESPONSE
        started = time.monotonic()
        dropped = _trickle(sock, b"\x00\x00", 0.4, started + 5)  # half a header, slowly
        assert dropped or closed_by_server(sock, 3)
        assert time.monotonic() - started < 5
        sock.close()


def nbss_session_request(called: str) -> bytes:
    """RFC 1002 4.3.2 SESSION REQUEST: the called and calling names, first-level encoded."""

    def encode(name: str) -> bytes:
        padded = name.upper().ljust(15)[:15].encode() + b"\x20"
        return bytes([32]) + bytes(c for byte in padded for c in (0x41 + (byte >> 4), 0x41 + (byte & 0xF))) + b"\x00"

    payload = encode(called) + encode("STUDENT")
    return struct.pack(">BBH", 0x81, 0, len(payload)) + payload


def test_a_large_frame_arriving_in_pieces_within_the_timeout_is_fine() -> None:
    with ServerThread("win2016", frame_timeout=2.0) as server:
        conn, session, tree = smbprotocol_session(server.port)
        pipe = open_pipe(tree)
        raw = conn.transport._sock

        def send_in_slices(message: Any) -> None:
            # A real WRITE of a bind, sent in three slices 0.5 s apart (1.0 s < 2 s in all).
            packed = message if isinstance(message, bytes) else message.pack()
            data = struct.pack(">I", len(packed)) + packed
            step = len(data) // 3 + 1
            for start in range(0, len(data), step):
                raw.sendall(data[start : start + step])
                time.sleep(0.5)

        conn.transport.send = send_in_slices
        pipe.write(bind_pdu(), 0)
        assert pipe.read(0, 4280)[2] == 12  # bind_ack
        pipe.close()
        conn.disconnect()


def test_idle_connection_is_closed() -> None:
    with ServerThread("win2000", idle_timeout=1.0) as server:
        conn = SMBConnection(HOST, HOST, sess_port=server.port)
        conn.login("", "")
        tid = conn.connectTree("IPC$")
        assert wait_until(lambda: server.connection_count == 0, 4)
        with pytest.raises((SessionError, NetBIOSError, OSError)):
            conn.openFile(tid, r"\srvsvc")


# ------------------------------------------------------------------ credits and requests


def test_credits_never_exceed_the_limit_and_ids_beyond_are_fatal() -> None:
    with ServerThread("win2016", max_credits=32) as server:
        conn, session, tree = smbprotocol_session(server.port)
        for _ in range(4):
            conn.echo(sid=session.session_id, credit_request=500)  # a greedy client
        window = conn.sequence_window
        assert 1 <= window["high"] - window["low"] <= 32
        bystander = smbprotocol_session(server.port)
        # A message id the server never granted (MS-SMB2 3.3.5.2.3): the connection ends.
        from smbprotocol.connection import SMB2Echo  # noqa: PLC0415 - only this test needs it

        beyond = window["high"] + 5
        conn.send(SMB2Echo(), sid=session.session_id, message_id=beyond)
        assert wait_until(lambda: server.connection_count == 1)
        bystander[0].echo(sid=bystander[1].session_id)  # the other connection is still served
        bystander[0].disconnect()
        # The server has closed `conn`; smbprotocol's own clean-up of it may or may not notice the
        # close first (its reader thread races the LOGOFF it sends), which is not under test here.
        with contextlib.suppress(Exception):
            conn.disconnect()


def test_outstanding_requests_per_connection() -> None:
    """Pipe READs with nothing to read pend (STATUS_PENDING); one more than the limit is refused."""
    with ServerThread("win2016", max_outstanding_requests=2) as server:
        conn, session, tree = smbprotocol_session(server.port)
        pipe = open_pipe(tree)
        requests = []
        for _ in range(3):
            message, _ = pipe.read(0, 4280, send=False)
            requests.append(conn.send(message, sid=session.session_id, tid=tree.tree_connect_id))
        with pytest.raises(SMBResponseException) as refused:
            conn.receive(requests[2])
        assert refused.value.status == STATUS_INSUFFICIENT_RESOURCES
        assert wait_until(lambda: all(r.async_id for r in requests[:2]))  # both got an interim
        assert "IPC$" in bystander_share_names(server.port)
        pipe.write(bind_pdu(), 0)  # the first pending READ completes with the bind_ack
        answer = conn.receive(requests[0])
        assert answer["status"].get_value() == 0
        pipe.close()
        conn.disconnect()


def test_a_client_that_never_reads_its_answers_is_held_back() -> None:
    """Back-pressure: ECHOs pipelined by a client that reads nothing. Once its answers fill the
    socket, the server stops reading from it (its sends block) instead of buffering without end;
    another client is served meanwhile."""
    with ServerThread("win2000") as server:
        sock = socket.create_connection((HOST, server.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.sendall(negotiate_frame())
        echo = struct.pack("<HH", 4, 0)
        blocked = False
        sock.settimeout(2.0)
        try:
            for message_id in range(1, 400_000):  # ~30 MB of requests, 27 MB of answers
                header = struct.pack("<4sHHIHHIIQIIQ16s", b"\xfeSMB", 64, 0, 0, 13, 64, 0, 0, message_id, 0, 0, 0,
                                     bytes(16))
                sock.sendall(struct.pack(">I", 68) + header + echo)
        except socket.timeout:
            blocked = True  # the server stopped reading: the kernel buffers are full
        assert blocked, "the server kept reading a client that does not read"

        def buffered() -> int:
            return max(p.transport.get_write_buffer_size() for p in server._server.protocols)

        assert server.call(buffered) < 4 * 1024 * 1024
        assert "IPC$" in bystander_share_names(server.port)
        sock.close()


# ------------------------------------------------------------------ sessions, trees, opens


def test_sessions_per_connection() -> None:
    with ServerThread("win2016", max_sessions_per_connection=2) as server:
        conn = Connection(uuid.uuid4(), HOST, server.port)
        conn.connect(dialect=Dialects.SMB_3_1_1, timeout=10)
        for _ in range(2):
            Session(conn, USER, PASSWORD, auth_protocol="ntlm").connect()
        with pytest.raises(SMBResponseException) as refused:
            Session(conn, USER, PASSWORD, auth_protocol="ntlm").connect()
        assert refused.value.status == STATUS_INSUFFICIENT_RESOURCES
        assert "IPC$" in bystander_share_names(server.port)
        conn.disconnect()


def test_tree_connects_per_session() -> None:
    with ServerThread("win2016", max_tree_connects_per_session=2) as server:
        conn, session, first = smbprotocol_session(server.port)
        TreeConnect(session, rf"\\{HOST}\IPC$").connect()
        with pytest.raises(SMBResponseException) as refused:
            TreeConnect(session, rf"\\{HOST}\IPC$").connect()
        assert refused.value.status == STATUS_INSUFFICIENT_RESOURCES
        first.disconnect()
        TreeConnect(session, rf"\\{HOST}\IPC$").connect()  # a freed slot is usable again
        assert "IPC$" in bystander_share_names(server.port)
        conn.disconnect()


def test_open_handles_per_session() -> None:
    with ServerThread("win2000", max_opens_per_session=2) as server:
        conn = SMBConnection(HOST, HOST, sess_port=server.port)
        conn.login("", "")
        tid = conn.connectTree("IPC$")
        fids = [conn.openFile(tid, r"\srvsvc"), conn.openFile(tid, r"\wkssvc")]
        with pytest.raises(SessionError) as refused:
            conn.openFile(tid, r"\srvsvc")
        assert refused.value.getErrorCode() == STATUS_INSUFFICIENT_RESOURCES
        assert "IPC$" in bystander_share_names(server.port)
        conn.closeFile(tid, fids.pop())
        fids.append(conn.openFile(tid, r"\srvsvc"))
        conn.close()


# ------------------------------------------------------------------ DCE/RPC


def _dce(port: int, pipe: str, interface: bytes) -> tuple[SMBConnection, Any]:
    conn = SMBConnection(HOST, HOST, sess_port=port)
    conn.login("", "")
    rpc = transport.SMBTransport(HOST, port, pipe, smb_connection=conn)
    dce = rpc.get_dce_rpc()
    dce.connect()
    dce.bind(interface)
    return conn, dce


def test_rpc_request_larger_than_the_reassembly_limit() -> None:
    """A call whose fragments add up to more than max_rpc_request is faulted (access denied) and
    its association ends; a new pipe and other clients work."""
    with ServerThread("win2000", max_rpc_request=16 * 1024) as server:
        conn, dce = _dce(server.port, r"\srvsvc", srvs.MSRPC_UUID_SRVS)
        assert srvs.hNetrShareGetInfo(dce, "IPC$\x00", 1)  # small calls are fine
        with pytest.raises(DCERPCException) as faulted:
            srvs.hNetrShareGetInfo(dce, "A" * 12000 + "\x00", 1)  # 24 KB of UTF-16 in fragments
        assert faulted.value.error_string == "rpc_s_access_denied"  # fault status 5
        conn.close()
        assert "IPC$" in bystander_share_names(server.port)


def test_rpc_context_handles_per_association() -> None:
    with ServerThread("win2000", max_rpc_handles=4) as server:
        conn, dce = _dce(server.port, r"\samr", samr.MSRPC_UUID_SAMR)
        handles = [samr.hSamrConnect(dce)["ServerHandle"] for _ in range(4)]
        with pytest.raises(DCERPCException) as refused:
            samr.hSamrConnect(dce)
        # fault RPC_S_OUT_OF_RESOURCES (1721), which impacket has no name for
        assert f"{RPC_S_OUT_OF_RESOURCES:08x}" in refused.value.error_string
        samr.hSamrCloseHandle(dce, handles.pop())
        handles.append(samr.hSamrConnect(dce)["ServerHandle"])  # a closed handle frees its slot
        other_conn, other = _dce(server.port, r"\samr", samr.MSRPC_UUID_SAMR)
        samr.hSamrConnect(other)  # another association has its own table
        other_conn.close()
        conn.close()


def test_pipe_output_a_client_does_not_read() -> None:
    """Writing requests without reading the answers: past max_pipe_output the WRITE is refused
    (nothing is written) until the client reads; then it goes on."""
    with ServerThread("win2000", max_pipe_output=2048) as server:
        conn = SMBConnection(HOST, HOST, sess_port=server.port)
        conn.login("", "")
        tid = conn.connectTree("IPC$")
        fid = conn.openFile(tid, r"\srvsvc")
        conn.writeFile(tid, fid, bind_pdu())
        written, refused = 1, None
        for call_id in range(2, 40):  # each NetrShareEnum answer queues a few hundred bytes
            try:
                conn.writeFile(tid, fid, share_enum_pdu(call_id))
                written += 1
            except SessionError as exc:
                refused = exc
                break
        assert refused is not None and refused.getErrorCode() == STATUS_INSUFFICIENT_RESOURCES
        assert 3 <= written < 39
        assert "IPC$" in bystander_share_names(server.port)
        answers = [conn.readFile(tid, fid, 0, 4280) for _ in range(written)]
        assert answers[0][2] == 12 and all(answer[2] == 2 for answer in answers[1:])  # bind_ack, responses
        conn.writeFile(tid, fid, share_enum_pdu(99))  # read back: writing works again
        assert conn.readFile(tid, fid, 0, 4280)[2] == 2
        conn.close()


# ------------------------------------------------------------------ SMB1 (issue 12, item 7)
# Every limit with an SMB1 counterpart, exceeded over NT LM 0.12: by impacket forced to SMB1
# (`preferredDialect=SMB_DIALECT`) where it can get there, else by `Smb1Raw`, a client that
# builds each request from MS-CIFS 2.2 (impacket cannot hold many sessions on one connection or
# leave reads waiting). The limits that belong to the connection whatever its dialect
# (connections, frame and idle timeouts) are exercised once over SMB1 too where it is cheap.

SMB1_HEADER = struct.Struct("<4sBIBHH8sHHHHH")  # MS-CIFS 2.2.3.1
SMB1_NEGOTIATE, SMB1_SESSION_SETUP, SMB1_TREE_CONNECT, SMB1_TREE_DISCONNECT = 0x72, 0x73, 0x75, 0x71
SMB1_NT_CREATE, SMB1_READ, SMB1_WRITE, SMB1_CLOSE = 0xA2, 0x2E, 0x2F, 0x04
STATUS_MORE_PROCESSING_REQUIRED = 0xC0000016
NO_ANDX = b"\xff\x00\x00\x00"
# SPNEGO NegTokenInit(NTLMSSP NEGOTIATE) and NegTokenResp(anonymous NTLMSSP AUTHENTICATE), as
# impacket sends them for login("", "").
SPNEGO_NEGOTIATE = bytes.fromhex(
    "604006062b0601050502a0363034a00e300c060a2b06010401823702020aa22204204e544c4d5353500001000000"
    "050288a000000000000000000000000000000000")
SPNEGO_AUTH_ANON = bytes.fromhex(
    "a1473045a24304414e544c4d5353500003000000010001004000000000000000410000000000000040000000000000"
    "0040000000000000004000000000000000410000000502888000")


class Smb1Raw:
    """One SMB1 connection, requests built field by field (MS-CIFS 2.2.4, MS-SMB 2.2.4)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection((HOST, port), timeout=10)
        self.mid = 1
        self.uid = 0
        self.tid = 0

    def send(self, command: int, words: bytes = b"", data: bytes = b"", *, uid: int | None = None) -> int:
        """Send one request (Unicode, NT status, extended security); returns its MID."""
        mid, self.mid = self.mid, self.mid + 1
        header = SMB1_HEADER.pack(b"\xffSMB", command, 0, 0x18, 0xC801, 0, bytes(8), 0, self.tid, 0x4242,
                                  self.uid if uid is None else uid, mid)
        message = header + bytes([len(words) // 2]) + words + struct.pack("<H", len(data)) + data
        self.sock.sendall(struct.pack(">I", len(message)) + message)
        return mid

    def receive(self) -> tuple[int, bytes]:
        """The next response: (status, message)."""
        prefix = self._exactly(4)
        message = self._exactly(struct.unpack(">I", prefix)[0])
        assert message[:4] == b"\xffSMB", message[:4]
        return struct.unpack_from("<I", message, 5)[0], message

    def _exactly(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("closed by the server")
            data += chunk
        return data

    def call(self, command: int, words: bytes = b"", data: bytes = b"", **kwargs: Any) -> tuple[int, bytes]:
        self.send(command, words, data, **kwargs)
        return self.receive()

    def negotiate(self) -> None:
        status, _ = self.call(SMB1_NEGOTIATE, data=b"\x02NT LM 0.12\x00")
        assert status == 0

    def session_setup(self, token: bytes, uid: int) -> tuple[int, int]:
        """MS-SMB 2.2.4.6.1 (extended security); (status, the response's UID)."""
        words = NO_ANDX + struct.pack("<HHHIHII", 16644, 50, 0, 0, len(token), 0, 0x80000054)
        pad = b"\x00" * ((32 + 1 + len(words) + 2 + len(token)) % 2)
        status, answer = self.call(SMB1_SESSION_SETUP, words, token + pad + b"\x00" * 4, uid=uid)
        return status, struct.unpack_from("<H", answer, 28)[0]

    def anonymous_logon(self) -> int:
        """A NULL session (two legs); its status, and `self.uid` set on success."""
        status, uid = self.session_setup(SPNEGO_NEGOTIATE, 0)
        if status != STATUS_MORE_PROCESSING_REQUIRED:
            return status
        status, uid = self.session_setup(SPNEGO_AUTH_ANON, uid)
        if status == 0:
            self.uid = uid
        return status

    def tree_connect(self) -> int:
        """TREE_CONNECT_ANDX \\\\127.0.0.1\\IPC$ (MS-CIFS 2.2.4.55.1); `self.tid` set on success."""
        data = b"\x00" + f"\\\\{HOST}\\IPC$\x00".encode("utf-16-le") + b"?????\x00"
        status, answer = self.call(SMB1_TREE_CONNECT, NO_ANDX + struct.pack("<HH", 0, 1), data)
        if status == 0:
            self.tid = struct.unpack_from("<H", answer, 24)[0]
        return status

    def nt_create(self, name: str) -> tuple[int, int]:
        """NT_CREATE_ANDX of a pipe (MS-CIFS 2.2.4.64.1); (status, FID)."""
        encoded = name.encode("utf-16-le")
        words = NO_ANDX + struct.pack("<BHIIIQIIIIIB", 0, len(encoded), 0, 0, 0x0002019F, 0, 0, 3, 1, 0, 2, 0)
        status, answer = self.call(SMB1_NT_CREATE, words, b"\x00" + encoded + b"\x00\x00")
        return status, (struct.unpack_from("<H", answer, 38)[0] if status == 0 else 0)

    def send_read(self, fid: int) -> int:
        """READ_ANDX of up to 4280 bytes (MS-CIFS 2.2.4.42.1); not waited for. Its MID."""
        return self.send(SMB1_READ, NO_ANDX + struct.pack("<HIHHIHI", fid, 0, 4280, 4280, 0, 0, 0))

    def send_write(self, fid: int, data: bytes) -> int:
        """WRITE_ANDX in message mode (MS-CIFS 2.2.4.43.1); not waited for. Its MID."""
        data_offset = 32 + 1 + 28 + 2 + 1
        words = NO_ANDX + struct.pack("<HIIHHHHHI", fid, 0, 0, 0x0008, len(data), 0, len(data), data_offset, 0)
        return self.send(SMB1_WRITE, words, b"\x00" + data)

    def write(self, fid: int, data: bytes) -> int:
        """WRITE_ANDX and its status."""
        self.send_write(fid, data)
        return self.receive()[0]

    def close(self) -> None:
        self.sock.close()


def smb1_impacket(port: int, user: tuple[str, str] = ("", "")) -> SMBConnection:
    conn = SMBConnection(HOST, HOST, sess_port=port, preferredDialect=SMB_DIALECT)
    conn.login(*user)
    return conn


def test_smb1_sessions_per_connection() -> None:
    """SESSION_SETUP_ANDX with UID 0 starts another session on the connection; one more than
    the limit is STATUS_INSUFFICIENT_RESOURCES, and the sessions there still work."""
    with ServerThread("win2000", max_sessions_per_connection=2) as server:
        client = Smb1Raw(server.port)
        client.negotiate()
        uids = []
        for _ in range(2):
            assert client.anonymous_logon() == 0
            uids.append(client.uid)
        assert len(set(uids)) == 2
        assert client.anonymous_logon() == STATUS_INSUFFICIENT_RESOURCES
        assert client.tree_connect() == 0  # under the last UID that logged on
        assert "IPC$" in bystander_share_names(server.port)
        client.close()


def test_smb1_tree_connects_per_session() -> None:
    with ServerThread("win2000", max_tree_connects_per_session=2) as server:
        conn = smb1_impacket(server.port)
        first = conn.connectTree("IPC$")
        conn.connectTree("IPC$")
        with pytest.raises(SessionError) as refused:
            conn.connectTree("IPC$")
        assert refused.value.getErrorCode() == STATUS_INSUFFICIENT_RESOURCES
        conn.disconnectTree(first)
        conn.connectTree("IPC$")  # TREE_DISCONNECT freed a slot
        assert "IPC$" in bystander_share_names(server.port)
        conn.close()


def test_smb1_open_handles_per_session() -> None:
    with ServerThread("win2000", max_opens_per_session=2) as server:
        conn = smb1_impacket(server.port)
        tid = conn.connectTree("IPC$")
        fids = [conn.openFile(tid, r"\srvsvc"), conn.openFile(tid, r"\wkssvc")]  # NT_CREATE_ANDX
        with pytest.raises(SessionError) as refused:
            conn.openFile(tid, r"\srvsvc")
        assert refused.value.getErrorCode() == STATUS_INSUFFICIENT_RESOURCES
        assert "IPC$" in bystander_share_names(server.port)
        conn.closeFile(tid, fids.pop())  # CLOSE frees the slot
        fids.append(conn.openFile(tid, r"\srvsvc"))
        conn.close()


@pytest.mark.parametrize(("limits", "overrides", "waiting"), [
    ({"max_outstanding_requests": 2}, [], 2),
    # MS-CIFS 3.3.5.2: MaxMpxCount bounds a client's outstanding requests too; the smaller applies.
    ({"max_outstanding_requests": 64}, ["smb1.max_mpx_count=3"], 3),
])
def test_smb1_reads_waiting_on_pipes(limits: dict[str, int], overrides: list[str], waiting: int) -> None:
    """READ_ANDX on an empty (blocking) pipe waits; one more than the bound is refused at once
    with STATUS_INSUFFICIENT_RESOURCES; a WRITE_ANDX then answers the first waiting read."""
    with ServerThread("win2000", overrides=overrides, **limits) as server:
        client = Smb1Raw(server.port)
        client.negotiate()
        assert client.anonymous_logon() == 0 and client.tree_connect() == 0
        fids = [client.nt_create("\\srvsvc")[1] for _ in range(waiting + 1)]
        parked = [client.send_read(fid) for fid in fids[:waiting]]
        refused_mid = client.send_read(fids[waiting])
        status, answer = client.receive()  # the parked reads do not answer: the refusal comes first
        assert status == STATUS_INSUFFICIENT_RESOURCES and struct.unpack_from("<H", answer, 30)[0] == refused_mid
        assert "IPC$" in bystander_share_names(server.port)
        write = client.send_write(fids[0], bind_pdu())
        answers = {}
        for _ in range(2):  # the WRITE_ANDX's answer and the first read's, in either order
            status, answer = client.receive()
            answers[struct.unpack_from("<H", answer, 30)[0]] = (status, answer)
        assert answers[write][0] == 0 and sorted(answers) == sorted([write, parked[0]])
        status, answer = answers[parked[0]]
        data_length, data_offset = struct.unpack_from("<HH", answer, 33 + 10)
        assert status == 0 and data_length >= 24 and answer[data_offset + 2] == 12  # bind_ack
        client.close()


def test_smb1_preauth_frame_limit() -> None:
    """Before any session an SMB1 frame above max_preauth_frame_size closes the connection;
    a real NEGOTIATE fits."""
    with ServerThread("win2000", max_preauth_frame_size=1024) as server:
        sock = socket.create_connection((HOST, server.port))
        sock.sendall(struct.pack(">I", 2048) + b"\xffSMB\x72")
        assert closed_by_server(sock)
        assert smb1_impacket(server.port).listShares()


def test_smb1_frame_over_the_limit_after_logon_closes_only_that_connection() -> None:
    limit = 128 * 1024
    with ServerThread("win2000", max_frame_size=limit) as server:
        client = Smb1Raw(server.port)
        client.negotiate()
        assert client.anonymous_logon() == 0 and client.tree_connect() == 0
        _, fid = client.nt_create("\\srvsvc")
        assert client.write(fid, bind_pdu()) == 0  # a frame under the limit is served
        header = SMB1_HEADER.pack(b"\xffSMB", SMB1_WRITE, 0, 0x18, 0xC801, 0, bytes(8), 0, client.tid, 1, client.uid,
                                  99)
        client.sock.sendall(struct.pack(">I", limit + 1) + header + bytes(limit + 1 - len(header)))
        assert closed_by_server(client.sock)
        assert "IPC$" in bystander_share_names(server.port)
        client.close()


def test_smb1_preauth_timeout() -> None:
    """An SMB1 connection that negotiates but never sets up a session is closed at the
    pre-authentication timeout; one with a session (even a NULL session) is not."""
    with ServerThread("win2000", preauth_timeout=1.0) as server:
        idle, logged_on = Smb1Raw(server.port), Smb1Raw(server.port)
        idle.negotiate()
        logged_on.negotiate()
        assert logged_on.anonymous_logon() == 0
        started = time.monotonic()
        assert closed_by_server(idle.sock, 4) and time.monotonic() - started < 4
        assert logged_on.tree_connect() == 0
        idle.close()
        logged_on.close()


def test_smb1_idle_connection_is_closed() -> None:
    with ServerThread("win2000", idle_timeout=1.0) as server:
        conn = smb1_impacket(server.port)
        tid = conn.connectTree("IPC$")
        assert wait_until(lambda: server.connection_count == 0, 4)
        with pytest.raises((SessionError, NetBIOSError, OSError)):
            conn.openFile(tid, r"\srvsvc")


def test_smb1_pipe_output_a_client_does_not_read() -> None:
    """WRITE_ANDX requests whose answers are not read: past max_pipe_output the WRITE_ANDX is
    refused (nothing written) until the client reads."""
    with ServerThread("win2000", max_pipe_output=2048) as server:
        conn = smb1_impacket(server.port)
        tid = conn.connectTree("IPC$")
        fid = conn.openFile(tid, r"\srvsvc")
        conn.writeFile(tid, fid, bind_pdu())
        written, refused = 1, None
        for call_id in range(2, 40):
            try:
                conn.writeFile(tid, fid, share_enum_pdu(call_id))
                written += 1
            except SessionError as exc:
                refused = exc
                break
        assert refused is not None and refused.getErrorCode() == STATUS_INSUFFICIENT_RESOURCES
        assert 3 <= written < 39
        assert "IPC$" in bystander_share_names(server.port)
        answers = [conn.readFile(tid, fid, 0, 4280) for _ in range(written)]
        assert answers[0][2] == 12 and all(answer[2] == 2 for answer in answers[1:])
        conn.writeFile(tid, fid, share_enum_pdu(99))
        assert conn.readFile(tid, fid, 0, 4280)[2] == 2
        conn.close()


def test_smb1_rpc_context_handles_per_association() -> None:
    """DCE/RPC limits are the pipe's, whatever carries it: over SMB1 (TransactNmPipe, READ_ANDX)
    the opening call past max_rpc_handles gets fault RPC_S_OUT_OF_RESOURCES."""
    with ServerThread("win2000", max_rpc_handles=4) as server:
        conn = smb1_impacket(server.port)
        rpc = transport.SMBTransport(HOST, server.port, r"\samr", smb_connection=conn)
        dce = rpc.get_dce_rpc()
        dce.connect()
        dce.bind(samr.MSRPC_UUID_SAMR)
        handles = [samr.hSamrConnect(dce)["ServerHandle"] for _ in range(4)]
        with pytest.raises(DCERPCException) as refused:
            samr.hSamrConnect(dce)
        assert f"{RPC_S_OUT_OF_RESOURCES:08x}" in refused.value.error_string
        samr.hSamrCloseHandle(dce, handles.pop())
        samr.hSamrConnect(dce)
        conn.close()


def test_aes_password_changes_past_the_key_derivation_rate() -> None:
    """Samba's rpcclient `chgpasswd4` draws its PBKDF2 count at random (5,000 to 1,000,000): at
    the smallest rate (a budget of 1,000,000 rounds) a few attempts in a row spend it, the next
    is refused RPC_S_SERVER_TOO_BUSY -- and the server keeps answering everyone else at once."""
    with ServerThread("win2022-dc", max_key_derivation_rate=100_000) as server:
        outputs = []
        for attempt in range(12):  # a wrong old password: each attempt costs its rounds all the same
            result = run_tool(["rpcclient", "-p", str(server.port), "-U", "CORP/Administrator%Adm!n2003", HOST,
                               "-c", f"chgpasswd4 alice Not-Her-Password-{attempt} Looking-Glass-2"])
            outputs.append(result.stdout + result.stderr)
            if "WRONG_PASSWORD" not in outputs[-1]:
                break
        refused = outputs[-1]
        assert len(outputs) >= 2 and all("NT_STATUS_WRONG_PASSWORD" in out for out in outputs[:-1]), outputs
        # Samba reads fault 0x6BB as RPC_NT_SERVER_TOO_BUSY (0xC00006BB), which it has no name for
        assert "0xc00006bb" in refused.lower(), refused
        started = time.monotonic()
        lookup = run_tool(["rpcclient", "-p", str(server.port), "-U", "CORP/Administrator%Adm!n2003", HOST,
                           "-c", "lookupnames alice"])
        assert "S-1-5-21-" in lookup.stdout and time.monotonic() - started < 5, lookup
