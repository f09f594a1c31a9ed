"""Bad input from the network closes only its own connection; other clients are served meanwhile."""

from __future__ import annotations

import socket
import struct

import pytest
from impacket.smbconnection import SMBConnection

from helpers import HOST, ServerThread

# Malformed frames, trickles, credit abuse and connection limits: run with the limit tests in CI.
pytestmark = pytest.mark.limits


def _recv_all(sock: socket.socket, timeout: float = 5.0) -> bytes:
    sock.settimeout(timeout)
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _read_frame(sock: socket.socket) -> bytes:
    """One whole Direct TCP frame (length prefix + message)."""
    sock.settimeout(5.0)
    data = b""
    while len(data) < 4:
        chunk = sock.recv(4 - len(data))
        assert chunk, "connection closed"
        data += chunk
    length = struct.unpack(">I", data)[0]
    body = b""
    while len(body) < length:
        chunk = sock.recv(length - len(body))
        assert chunk, "connection closed"
        body += chunk
    return body


def _negotiate_request(message_id: int = 0, dialects: tuple[int, ...] = (0x0202, 0x0210)) -> bytes:
    header = struct.pack("<4sHHIHHIIQIIQ16s", b"\xfeSMB", 64, 0, 0, 0, 1, 0, 0, message_id, 0, 0, 0, bytes(16))
    body = struct.pack("<HHHHI16sIHH", 36, len(dialects), 1, 0, 0, bytes(16), 0, 0, 0)
    body += struct.pack(f"<{len(dialects)}H", *dialects)
    message = header + body
    return struct.pack(">I", len(message)) + message


def _impacket_login(port: int) -> list[str]:
    conn = SMBConnection(HOST, HOST, sess_port=port)
    conn.login("", "")
    conn.connectTree("IPC$")
    dialect = conn.getDialect()
    conn.close()
    return [hex(dialect)]


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"GARBAGE GARBAGE GARBAGE", id="not-direct-tcp"),
        pytest.param(struct.pack(">I", 12) + b"\xfeSMBtruncated", id="truncated-header"),
        pytest.param(struct.pack(">I", 0xFFFFFF), id="oversized-frame"),
        pytest.param(struct.pack(">I", 70) + b"\xfeSMB" + b"\x00" * 66, id="zeroed-header"),
        pytest.param(struct.pack(">I", 68) + b"\xffSMB" + b"\x01" * 64, id="smb1-not-negotiate"),
        pytest.param(struct.pack(">I", 8) + b"\xfdSMB" + b"\x00" * 4, id="transform-before-negotiate"),
    ],
)
def test_bad_frame_closes_only_its_connection(win2000_server: ServerThread, payload: bytes) -> None:
    bystander = socket.create_connection((HOST, win2000_server.port))
    bystander.sendall(_negotiate_request())
    assert _read_frame(bystander)[:4] == b"\xfeSMB"  # the bystander has a live, negotiated connection

    offender = socket.create_connection((HOST, win2000_server.port))
    offender.sendall(payload)
    assert _recv_all(offender) == b""  # closed without an answer
    offender.close()

    # Another client logs in meanwhile, and the bystander's connection still answers.
    assert _impacket_login(win2000_server.port)
    bystander.sendall(_negotiate_request(message_id=1))  # a second NEGOTIATE is a protocol error...
    assert _recv_all(bystander) == b""  # ...which closes that connection, proving it was still served
    bystander.close()


def test_trickled_frame_does_not_block_others(win2000_server: ServerThread) -> None:
    slow = socket.create_connection((HOST, win2000_server.port))
    slow.sendall(_negotiate_request()[:30])  # half a frame, then silence
    assert _impacket_login(win2000_server.port)
    slow.close()


def test_message_id_outside_credit_window_closes(win2000_server: ServerThread) -> None:
    sock = socket.create_connection((HOST, win2000_server.port))
    sock.sendall(_negotiate_request(message_id=5))  # only message id 0 is granted at first
    assert _recv_all(sock) == b""
    sock.close()


def test_preauth_timeout_drops_silent_connection() -> None:
    with ServerThread("win2000", preauth_timeout=0.5) as server:
        sock = socket.create_connection((HOST, server.port))
        sock.sendall(_negotiate_request())
        data = _recv_all(sock, timeout=5.0)
        assert data[:4] != b"" and b"\xfeSMB" in data  # negotiated, then dropped for not logging on
        sock.close()


def test_max_connections_refuses_the_extra_one() -> None:
    with ServerThread("win2000", max_connections=1) as server:
        first = socket.create_connection((HOST, server.port))
        first.sendall(_negotiate_request())
        assert _read_frame(first)[:4] == b"\xfeSMB"
        second = socket.create_connection((HOST, server.port))
        assert _recv_all(second) == b""
        second.close()
        first.sendall(_negotiate_request(message_id=1))
        first.close()
