"""Signing and encryption under attack: tampered, replayed, misdirected and downgraded requests.

A real client (smbprotocol; impacket where it adds something) talks to the server through `Mitm`,
a small man-in-the-middle proxy on 127.0.0.1 that relays Direct TCP frames and lets the test
record, rewrite or inject them, as an attacker on the path could. A second attacker connection
(`RawClient`) stands beside the path. Each test asserts what a user of the client notices: the
NTSTATUS of the refused request, or the connection going away -- and that nothing else does.

Credentials are the default fixture's (fixtures/corp.yaml): alice / Wonderland1 is an ordinary
user, Administrator / Adm!n2003 the built-in administrator.
"""

from __future__ import annotations

import os
import queue
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import aead
from impacket.nmb import NetBIOSError
from impacket.smbconnection import SMBConnection
from smbprotocol.connection import Ciphers, Connection, Dialects, SigningAlgorithms
from smbprotocol.exceptions import SMBConnectionClosed, SMBException, SMBResponseException
from smbprotocol.session import Session, SMB2SessionSetupRequest
from smbprotocol.tree import SMB2TreeConnectRequest, TreeConnect

from helpers import HOST, ServerThread

pytestmark = pytest.mark.interop

USER, PASSWORD = "alice", "Wonderland1"
ADMIN, ADMIN_PASSWORD = "Administrator", "Adm!n2003"
TIMEOUT = 10.0  # every wait in this module, and the proxy's watchdog

STATUS_ACCESS_DENIED = 0xC0000022
STATUS_USER_SESSION_DELETED = 0xC0000203
STATUS_MORE_PROCESSING_REQUIRED = 0xC0000016
STATUS_LOGON_FAILURE = 0xC000006D
SMB2_NEGOTIATE = 0x0000
SMB2_SESSION_SETUP = 0x0001
SMB2_TREE_CONNECT = 0x0003
SMB2_MAGIC = b"\xfeSMB"
TRANSFORM_MAGIC = b"\xfdSMB"

# label: (dialect, Connection.connect keyword arguments)
SIGNED: dict[str, tuple[int, dict[str, Any]]] = {
    "2.0.2": (Dialects.SMB_2_0_2, {}),  # HMAC-SHA256
    "2.1": (Dialects.SMB_2_1_0, {}),
    "3.0": (Dialects.SMB_3_0_0, {}),  # AES-CMAC
    "3.0.2": (Dialects.SMB_3_0_2, {}),
    "3.1.1-gmac": (Dialects.SMB_3_1_1, {"preferred_signing_algos": [SigningAlgorithms.AES_GMAC]}),
    "3.1.1-cmac": (Dialects.SMB_3_1_1, {"preferred_signing_algos": [SigningAlgorithms.AES_CMAC]}),
}
ENCRYPTED: dict[str, tuple[int, dict[str, Any]]] = {
    "3.0-ccm": (Dialects.SMB_3_0_0, {}),  # 3.0/3.0.2 imply AES-128-CCM
    "3.0.2-ccm": (Dialects.SMB_3_0_2, {}),
    "3.1.1-gcm": (Dialects.SMB_3_1_1, {"preferred_encryption_algos": [Ciphers.AES_128_GCM]}),
    "3.1.1-ccm": (Dialects.SMB_3_1_1, {"preferred_encryption_algos": [Ciphers.AES_128_CCM]}),
    "3.1.1-gcm256": (Dialects.SMB_3_1_1, {"preferred_encryption_algos": [Ciphers.AES_256_GCM]}),
    "3.1.1-ccm256": (Dialects.SMB_3_1_1, {"preferred_encryption_algos": [Ciphers.AES_256_CCM]}),
}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    """win2016 defaults: every dialect from 2.0.2 to 3.1.1, signing enabled but not required."""
    with ServerThread("win2016") as running:
        yield running


# ---------------------------------------------------------------------------- the attacker's tools
def _recv_exactly(sock: socket.socket, count: int) -> bytes | None:
    data = bytearray()
    while len(data) < count:
        try:
            chunk = sock.recv(count - len(data))
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def _read_frame(sock: socket.socket) -> bytes | None:
    """One Direct TCP frame (MS-SMB2 2.1): a zero byte, a 24-bit length, the SMB2 message."""
    prefix = _recv_exactly(sock, 4)
    if prefix is None:
        return None
    return _recv_exactly(sock, struct.unpack(">I", prefix)[0])


def _frame(message: bytes) -> bytes:
    return struct.pack(">I", len(message)) + message


def _shutdown(sock: socket.socket | None) -> None:
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class Mitm:
    """A man in the middle on 127.0.0.1 between one client and the server.

    It relays Direct TCP frames both ways and records the client's (`client_frames`, as
    forwarded). `rewrite` edits every client frame before it is forwarded, `tamper_next` only the
    next one, `rewrite_response` every server frame. `inject` sends a frame of the attacker's on the same TCP connection and returns the
    server's answer (kept from the client), or None when the server hangs up instead.
    `server_closed` is set only when the *server* closes its side; the proxy then closes the
    client's side, so the client sees what it would see without the proxy. A watchdog closes
    everything after TIMEOUT seconds, so no test can hang on a client waiting for an answer.
    """

    def __init__(
        self,
        server_port: int,
        rewrite: Callable[[bytes], bytes] | None = None,
        rewrite_response: Callable[[bytes], bytes] | None = None,
    ) -> None:
        self._listener = socket.create_server((HOST, 0))
        self._listener.settimeout(TIMEOUT)
        self.port: int = self._listener.getsockname()[1]
        self._server_port = server_port
        self._rewrite = rewrite
        self._rewrite_response = rewrite_response
        self._tamper: Callable[[bytes], bytes] | None = None
        self._diverted: queue.Queue[bytes | None] | None = None
        self._send_lock = threading.Lock()
        self._client: socket.socket | None = None
        self._upstream: socket.socket | None = None
        self._connected = threading.Event()
        self._closing = False
        self.client_frames: list[bytes] = []
        self.server_closed = threading.Event()
        self._threads: list[threading.Thread] = []
        self._start(self._run)
        self._watchdog = threading.Timer(TIMEOUT, self.close)
        self._watchdog.daemon = True
        self._watchdog.start()

    def _start(self, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name="mitm", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _run(self) -> None:
        try:
            client, _ = self._listener.accept()
        except OSError:
            return
        client.settimeout(None)
        upstream = socket.create_connection((HOST, self._server_port), timeout=TIMEOUT)
        upstream.settimeout(None)
        self._client, self._upstream = client, upstream
        self._connected.set()
        self._start(self._server_to_client)
        while True:
            message = _read_frame(client)
            if message is None:
                break
            tamper, self._tamper = self._tamper, None
            if self._rewrite is not None:
                message = self._rewrite(message)
            if tamper is not None:
                message = tamper(message)
            self.client_frames.append(message)
            self._send_upstream(message)
        _shutdown(upstream)  # the client went away: so does its connection to the server

    def _server_to_client(self) -> None:
        assert self._client is not None and self._upstream is not None
        while True:
            message = _read_frame(self._upstream)
            diverted = self._diverted
            if message is None:
                if not self._closing:
                    self.server_closed.set()
                if diverted is not None:
                    diverted.put(None)
                _shutdown(self._client)
                return
            if diverted is not None:
                diverted.put(message)
                continue
            if self._rewrite_response is not None:
                message = self._rewrite_response(message)
            try:
                self._client.sendall(_frame(message))
            except OSError:
                pass

    def _send_upstream(self, message: bytes) -> None:
        assert self._upstream is not None
        with self._send_lock:
            try:
                self._upstream.sendall(_frame(message))
            except OSError:
                pass  # the server has gone; _server_to_client reports it

    def tamper_next(self, edit: Callable[[bytes], bytes]) -> None:
        self._tamper = edit

    def inject(self, message: bytes) -> bytes | None:
        """Send `message` to the server on this connection; its answer, or None if it hung up."""
        assert self._connected.wait(TIMEOUT), "the client never connected through the proxy"
        answers: queue.Queue[bytes | None] = queue.Queue()
        self._diverted = answers
        try:
            if self.server_closed.is_set():
                return None
            self._send_upstream(message)
            try:
                return answers.get(timeout=TIMEOUT)
            except queue.Empty:
                raise AssertionError("the server neither answered nor closed the connection") from None
        finally:
            self._diverted = None

    def close(self) -> None:
        self._closing = True
        self._watchdog.cancel()
        for sock in (self._client, self._upstream):
            _shutdown(sock)
        for sock in (self._listener, self._client, self._upstream):
            if sock is not None:
                sock.close()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(TIMEOUT)


class RawClient:
    """An attacker's own connection to the server (beside the path): NEGOTIATE, then any frame."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection((HOST, port), timeout=TIMEOUT)

    def negotiate(self, dialect: int) -> None:
        """A NEGOTIATE for one dialect that asks for 64 credits (MS-SMB2 2.2.3), so that a replayed
        MessageId falls inside this connection's window (MS-SMB2 3.3.5.2.3)."""
        body = struct.pack("<HHHHI16sIHH", 36, 1, 1, 0, 0x7F, uuid.uuid4().bytes, 0, 0, 0) + struct.pack("<H", dialect)
        if dialect == Dialects.SMB_3_1_1:  # MS-SMB2 2.2.3.1.1, 2.2.3.1.2
            fixed = 64 + len(body)
            preauth = _context(1, struct.pack("<HHH", 1, 32, 1) + os.urandom(32))
            ciphers = _context(2, struct.pack("<HHHHH", 4, 1, 2, 3, 4))
            body = body[:28] + struct.pack("<IH", fixed + (-fixed) % 8, 2) + body[34:]
            body += bytes((-fixed) % 8) + preauth + bytes((-len(preauth)) % 8) + ciphers
        answer = self.send(_request_header(SMB2_NEGOTIATE, 0, 0, credits=64) + body)
        assert answer is not None and _status(answer) == 0, "the attacker's NEGOTIATE failed"

    def send(self, message: bytes) -> bytes | None:
        """Send one message; the answer, or None when the server closes the connection."""
        self.sock.sendall(_frame(message))
        return _read_frame(self.sock)

    def close(self) -> None:
        self.sock.close()


def _context(kind: int, data: bytes) -> bytes:
    return struct.pack("<HHI", kind, len(data), 0) + data


def _request_header(command: int, message_id: int, session_id: int, credits: int = 1) -> bytes:
    """An SMB2 sync request header (MS-SMB2 2.2.1.2), unsigned."""
    return struct.pack(
        "<4sHHIHHIIQIIQ16s", SMB2_MAGIC, 64, 1, 0, command, credits, 0, 0, message_id, 0, 0, session_id, bytes(16)
    )


def _command(message: bytes) -> int:
    return int(struct.unpack_from("<H", message, 12)[0])


def _status(message: bytes) -> int:
    return int(struct.unpack_from("<I", message, 8)[0])


def _flip(position: int) -> Callable[[bytes], bytes]:
    """An edit that flips every bit of one byte (negative positions count from the end)."""

    def edit(message: bytes) -> bytes:
        data = bytearray(message)
        data[position] ^= 0xFF
        return bytes(data)

    return edit


def _seal(inner: bytes, session_id: int, key: bytes, cipher: int) -> bytes:
    """Encrypt `inner` in an SMB2 TRANSFORM_HEADER (MS-SMB2 2.2.41, 3.1.4.3) as a client would."""
    gcm = cipher in (Ciphers.AES_128_GCM, Ciphers.AES_256_GCM)
    nonce = os.urandom(12 if gcm else 11)
    aad = struct.pack("<16sIHHQ", nonce.ljust(16, b"\0"), len(inner), 0, 1, session_id)
    sealed = (aead.AESGCM(key) if gcm else aead.AESCCM(key)).encrypt(nonce, inner, aad)
    return TRANSFORM_MAGIC + sealed[-16:] + aad + sealed[:-16]


def _unseal(transform: bytes, key: bytes, cipher: int) -> bytes:
    """Decrypt a server's transform message (MS-SMB2 3.2.5.1.1) with the session's S2C key."""
    gcm = cipher in (Ciphers.AES_128_GCM, Ciphers.AES_256_GCM)
    assert transform[:4] == TRANSFORM_MAGIC, "the answer is not encrypted"
    nonce = transform[20 : 20 + (12 if gcm else 11)]
    box = aead.AESGCM(key) if gcm else aead.AESCCM(key)
    return box.decrypt(nonce, transform[52:] + transform[4:20], transform[20:52])


# ---------------------------------------------------------------------------- client side
@contextmanager
def _through_mitm(
    port: int,
    dialect: int | None,
    rewrite: Callable[[bytes], bytes] | None = None,
    *,
    rewrite_response: Callable[[bytes], bytes] | None = None,
    require_signing: bool = True,
    **connect_kwargs: Any,
) -> Iterator[tuple[Mitm, Connection]]:
    """An smbprotocol connection to the server through a fresh proxy."""
    mitm = Mitm(port, rewrite, rewrite_response)
    conn = Connection(uuid.uuid4(), HOST, mitm.port, require_signing=require_signing)
    try:
        conn.connect(dialect=dialect, timeout=TIMEOUT, **connect_kwargs)
        yield mitm, conn
    finally:
        conn.disconnect(close=False)  # no LOGOFF: the server may already have hung up
        mitm.close()


def _logon(conn: Connection, user: str = USER, password: str = PASSWORD, *, encrypt: bool = False) -> Session:
    session = Session(conn, user, password, require_encryption=encrypt, auth_protocol="ntlm")
    session.connect()
    return session


def _tree_connect(session: Session, share: str = "IPC$") -> int:
    """TREE_CONNECT through smbprotocol's own message machinery (signed or encrypted as the
    session says), with a bounded wait; the TreeId, or SMBResponseException / SMBConnectionClosed."""
    request = SMB2TreeConnectRequest()
    request["buffer"] = rf"\\{HOST}\{share}".encode("utf-16-le")
    sent = session.connection.send(request, sid=session.session_id)
    response = session.connection.receive(sent, timeout=TIMEOUT)
    tree_id = int(response["tree_id"].get_value())
    assert tree_id > 0
    return tree_id


def _capture_tree_connect(mitm: Mitm, session: Session) -> bytes:
    """A TREE_CONNECT as the client put it on the wire (signed, or a transform frame)."""
    mark = len(mitm.client_frames)
    _tree_connect(session)
    assert len(mitm.client_frames) == mark + 1
    return mitm.client_frames[mark]


def _assert_client_sees_close(conn: Connection, session: Session) -> None:
    """What the user notices once the server has hung up: the next request fails."""
    deadline = time.monotonic() + TIMEOUT
    while conn.transport.connected and time.monotonic() < deadline:
        time.sleep(0.02)
    with pytest.raises(SMBConnectionClosed):
        _tree_connect(session)


def _assert_signed(message: bytes) -> None:
    assert message[:4] == SMB2_MAGIC and struct.unpack_from("<I", message, 16)[0] & 0x8, "request is not signed"


def _assert_encrypted(message: bytes) -> None:
    assert message[:4] == TRANSFORM_MAGIC, "request is not encrypted"


# ---------------------------------------------------------------------------- the proxy is honest
@pytest.mark.parametrize("label", ["3.0", "3.1.1-gmac"])
def test_the_proxy_alone_changes_nothing(signing_server: ServerThread, label: str) -> None:
    """Control: through the proxy, without an attack, smbprotocol's whole TREE_CONNECT (with its
    FSCTL_VALIDATE_NEGOTIATE_INFO on 3.0) works -- the failures below are the attacks' doing."""
    dialect, kwargs = SIGNED[label]
    with _through_mitm(signing_server.port, dialect, **kwargs) as (mitm, conn):
        session = _logon(conn)
        tree = TreeConnect(session, rf"\\{HOST}\IPC$")
        tree.connect(require_secure_negotiate=True)
        assert tree.tree_connect_id > 0
        assert _tree_connect(session) > 0
        assert not mitm.server_closed.is_set()


# ---------------------------------------------------------------------------- 1. tampered
TAMPER_SIGNED = {
    "body": -1,  # the last byte of the share path
    "header": 32,  # the Reserved (ProcessId) field: meaningless, yet signed
    "signature": 48,
}


@pytest.mark.parametrize("where", list(TAMPER_SIGNED))
@pytest.mark.parametrize("label", list(SIGNED))
def test_tampered_signed_request_is_refused_and_the_session_goes_on(
    signing_server: ServerThread, label: str, where: str
) -> None:
    """MS-SMB2 3.3.5.2.4: a signed request whose signature does not verify -- one byte flipped
    on the way -- fails with STATUS_ACCESS_DENIED; only that request: the session and the
    connection go on with correctly signed requests."""
    dialect, kwargs = SIGNED[label]
    with _through_mitm(signing_server.port, dialect, **kwargs) as (mitm, conn):
        session = _logon(conn)
        _assert_signed(_capture_tree_connect(mitm, session))
        mitm.tamper_next(_flip(TAMPER_SIGNED[where]))
        with pytest.raises(SMBResponseException) as info:
            _tree_connect(session)
        assert info.value.status == STATUS_ACCESS_DENIED
        assert _tree_connect(session) > 0
        assert not mitm.server_closed.is_set()


@pytest.mark.parametrize("tampered", [0, 1])
@pytest.mark.parametrize("label", ["2.1", "3.0", "3.1.1-gmac"])
def test_tampered_message_in_a_signed_compound(signing_server: ServerThread, label: str, tampered: int) -> None:
    """MS-SMB2 3.3.5.2.7, 3.3.5.2.4: each message of a compound is signed and verified on its own;
    one flipped byte in one of two unrelated TREE_CONNECTs fails that one with
    STATUS_ACCESS_DENIED, and the other is served."""
    dialect, kwargs = SIGNED[label]
    with _through_mitm(signing_server.port, dialect, **kwargs) as (mitm, conn):
        session = _logon(conn)
        messages = []
        for _ in range(2):
            message = SMB2TreeConnectRequest()
            message["buffer"] = rf"\\{HOST}\IPC$".encode("utf-16-le")
            messages.append(message)

        def flip_in_one(frame: bytes) -> bytes:
            second = struct.unpack_from("<I", frame, 20)[0]  # NextCommand of the first message
            _assert_signed(frame)
            _assert_signed(frame[second:])
            return _flip((second if tampered else 0) + 64 + 8)(frame)  # first byte of that one's path

        mitm.tamper_next(flip_in_one)
        requests = conn.send_compound(messages, session.session_id, None)
        for index, request in enumerate(requests):
            if index == tampered:
                with pytest.raises(SMBResponseException) as info:
                    conn.receive(request, timeout=TIMEOUT)
                assert info.value.status == STATUS_ACCESS_DENIED
            else:
                assert conn.receive(request, timeout=TIMEOUT)["tree_id"].get_value() > 0
        assert _tree_connect(session) > 0


TAMPER_ENCRYPTED = {
    "ciphertext": -1,
    "tag": 4,  # the transform header's Signature: the AEAD tag
    "nonce": 20,
    "size": 36,  # OriginalMessageSize: authenticated, not encrypted
    "aad": 40,  # Reserved (Flags on 3.0): authenticated, not encrypted
    "session-id": 44,  # names a session the connection does not have
}


@pytest.mark.parametrize("where", list(TAMPER_ENCRYPTED))
@pytest.mark.parametrize("label", list(ENCRYPTED))
def test_tampered_encrypted_message_closes_only_its_connection(
    encrypting_server: ServerThread, label: str, where: str
) -> None:
    """MS-SMB2 3.3.5.2.1.1: a transform message that fails to decrypt (one byte of ciphertext,
    tag, nonce or authenticated header flipped) makes the server disconnect. Another client's
    encrypted session, on its own connection, does not notice."""
    dialect, kwargs = ENCRYPTED[label]
    with _through_mitm(encrypting_server.port, dialect, **kwargs) as (_, bystander_conn):
        bystander = _logon(bystander_conn)
        with _through_mitm(encrypting_server.port, dialect, **kwargs) as (mitm, conn):
            session = _logon(conn)
            _assert_encrypted(_capture_tree_connect(mitm, session))
            mitm.tamper_next(_flip(TAMPER_ENCRYPTED[where]))
            with pytest.raises(SMBConnectionClosed):
                _tree_connect(session)
            assert mitm.server_closed.wait(TIMEOUT)
        assert _tree_connect(bystander) > 0


@pytest.mark.parametrize("label", list(ENCRYPTED))
def test_plaintext_injected_into_an_encrypted_session_is_refused(encrypting_server: ServerThread, label: str) -> None:
    """MS-SMB2 3.3.5.2.9: with the session's EncryptData (and RejectUnencryptedAccess), a plain,
    unsigned request naming the session -- all an attacker without its keys can inject -- fails
    with STATUS_ACCESS_DENIED; the client's encrypted session goes on."""
    dialect, kwargs = ENCRYPTED[label]
    with _through_mitm(encrypting_server.port, dialect, **kwargs) as (mitm, conn):
        session = _logon(conn)
        _assert_encrypted(_capture_tree_connect(mitm, session))
        with conn.sequence_lock:  # a MessageId the client itself will not use
            message_id = conn.sequence_window["low"]
            conn.sequence_window["low"] += 1
        tree_connect = SMB2TreeConnectRequest()
        tree_connect["buffer"] = rf"\\{HOST}\IPC$".encode("utf-16-le")
        answer = mitm.inject(_request_header(SMB2_TREE_CONNECT, message_id, session.session_id) + tree_connect.pack())
        assert answer is not None, "the server hung up instead of refusing the request"
        assert _status(answer) == STATUS_ACCESS_DENIED
        assert _tree_connect(session) > 0


# ---------------------------------------------------------------------------- 2. replayed
@pytest.mark.parametrize("label", list(SIGNED))
def test_signed_request_replayed_on_its_connection_drops_it(signing_server: ServerThread, label: str) -> None:
    """MS-SMB2 3.3.5.2.3: a captured signed request re-sent verbatim reuses its MessageId, which
    the server treats as an attack: it disconnects, and the client's next request fails."""
    dialect, kwargs = SIGNED[label]
    with _through_mitm(signing_server.port, dialect, **kwargs) as (mitm, conn):
        session = _logon(conn)
        captured = _capture_tree_connect(mitm, session)
        _assert_signed(captured)
        assert mitm.inject(captured) is None
        assert mitm.server_closed.is_set()
        _assert_client_sees_close(conn, session)


@pytest.mark.parametrize("label", list(ENCRYPTED))
def test_encrypted_message_replayed_on_its_connection_drops_it(encrypting_server: ServerThread, label: str) -> None:
    """MS-SMB2 3.3.5.2.3: the replayed transform message decrypts, but its MessageId was used."""
    dialect, kwargs = ENCRYPTED[label]
    with _through_mitm(encrypting_server.port, dialect, **kwargs) as (mitm, conn):
        session = _logon(conn)
        captured = _capture_tree_connect(mitm, session)
        _assert_encrypted(captured)
        assert mitm.inject(captured) is None
        assert mitm.server_closed.is_set()
        _assert_client_sees_close(conn, session)


@pytest.mark.parametrize("label", list(SIGNED))
def test_signed_request_replayed_on_another_connection(signing_server: ServerThread, label: str) -> None:
    """MS-SMB2 3.3.5.2.9: on a connection that never set the session up, the captured request
    names an unknown session: STATUS_USER_SESSION_DELETED. The original session goes on."""
    dialect, kwargs = SIGNED[label]
    with _through_mitm(signing_server.port, dialect, **kwargs) as (mitm, conn):
        session = _logon(conn)
        captured = _capture_tree_connect(mitm, session)
        _assert_signed(captured)
        attacker = RawClient(signing_server.port)
        try:
            attacker.negotiate(dialect)
            answer = attacker.send(captured)
            assert answer is not None, "the server hung up instead of refusing the request"
            assert _status(answer) == STATUS_USER_SESSION_DELETED
        finally:
            attacker.close()
        assert _tree_connect(session) > 0
        assert not mitm.server_closed.is_set()


@pytest.mark.parametrize("label", list(SIGNED))
def test_signed_request_replayed_with_a_fresh_message_id(signing_server: ServerThread, label: str) -> None:
    """MS-SMB2 3.3.5.2.4: renumbering a captured request to slip past the MessageId check breaks
    its signature (the MessageId is signed, and is the AES-GMAC nonce): STATUS_ACCESS_DENIED, and
    the client's session goes on."""
    dialect, kwargs = SIGNED[label]
    with _through_mitm(signing_server.port, dialect, **kwargs) as (mitm, conn):
        session = _logon(conn)
        captured = _capture_tree_connect(mitm, session)
        _assert_signed(captured)
        with conn.sequence_lock:  # a MessageId the client itself will not use
            message_id = conn.sequence_window["low"]
            conn.sequence_window["low"] += 1
        answer = mitm.inject(captured[:24] + struct.pack("<Q", message_id) + captured[32:])
        assert answer is not None, "the server hung up instead of refusing the request"
        assert _status(answer) == STATUS_ACCESS_DENIED
        assert _tree_connect(session) > 0


@pytest.mark.parametrize("label", list(SIGNED))
def test_session_setup_replayed_on_another_connection(label: str) -> None:
    """The captured NTLM exchange is worth nothing elsewhere: its final SESSION_SETUP names a
    session the attacker's connection does not have (MS-SMB2 3.3.5.5: STATUS_USER_SESSION_DELETED);
    replayed into a session of the attacker's own, after a fresh challenge, the NTLMv2 response
    does not match (MS-NLMP 3.2.5.1.2: STATUS_LOGON_FAILURE). The victim's session goes on.
    (A server of its own: the failed logon counts towards alice's lockout threshold.)"""
    dialect, kwargs = SIGNED[label]
    # negotiate_credits=0: the attacker's NEGOTIATE gets the credits it asks (see conftest.signing_server).
    with ServerThread("win2016", overrides=["smb.signing_required=true", "identity.smb2.negotiate_credits=0"]
                      ) as signing_server, _through_mitm(
        signing_server.port, dialect, **kwargs
    ) as (mitm, conn):
        mark = len(mitm.client_frames)
        session = _logon(conn)
        setups = [m for m in mitm.client_frames[mark:] if _command(m) == SMB2_SESSION_SETUP]
        assert len(setups) == 2  # NTLM NEGOTIATE, then AUTHENTICATE
        attacker = RawClient(signing_server.port)
        try:
            attacker.negotiate(dialect)
            answer = attacker.send(setups[1])
            assert answer is not None and _status(answer) == STATUS_USER_SESSION_DELETED
            challenge = attacker.send(setups[0])
            assert challenge is not None and _status(challenge) == STATUS_MORE_PROCESSING_REQUIRED
            own_session = struct.unpack_from("<Q", challenge, 40)[0]
            unused_id = 1 + max(struct.unpack_from("<Q", m, 24)[0] for m in setups)
            retargeted = setups[1][:24] + struct.pack("<Q", unused_id) + setups[1][32:40] + struct.pack("<Q", own_session)
            answer = attacker.send(retargeted + setups[1][48:])
            assert answer is not None and _status(answer) == STATUS_LOGON_FAILURE
        finally:
            attacker.close()
        assert _tree_connect(session) > 0
        assert not mitm.server_closed.is_set()


@pytest.mark.parametrize("how", ["signed", "tampered", "unsigned"])
@pytest.mark.parametrize("label", list(SIGNED))
def test_reauthentication_of_a_signed_session(signing_server: ServerThread, label: str, how: str) -> None:
    """A SESSION_SETUP on an established session re-authenticates it (MS-SMB2 3.3.5.5.2) and
    would give it another user and other keys, so it is verified like any request (MS-SMB2
    3.3.5.2.4): one the client signed is taken up ("signed", the control:
    STATUS_MORE_PROCESSING_REQUIRED); one altered on the way ("tampered") or injected unsigned by
    an attacker without the keys ("unsigned") fails with STATUS_ACCESS_DENIED. Either way the
    session goes on as it was."""
    dialect, kwargs = SIGNED[label]
    with _through_mitm(signing_server.port, dialect, **kwargs) as (mitm, conn):
        mark = len(mitm.client_frames)
        session = _logon(conn)
        first = next(m for m in mitm.client_frames[mark:] if _command(m) == SMB2_SESSION_SETUP)
        offset, length = struct.unpack_from("<HH", first, 64 + 12)  # SecurityBufferOffset/Length
        if how == "unsigned":
            with conn.sequence_lock:  # a MessageId the client itself will not use
                message_id = conn.sequence_window["low"]
                conn.sequence_window["low"] += 1
            header = _request_header(SMB2_SESSION_SETUP, message_id, session.session_id)
            answer = mitm.inject(header + first[64:])
            assert answer is not None, "the server hung up instead of refusing the request"
            status = _status(answer)
        else:
            request = SMB2SessionSetupRequest()
            request["security_mode"] = conn.client_security_mode
            request["buffer"] = first[offset : offset + length]  # a new NTLM NEGOTIATE
            if how == "tampered":
                mitm.tamper_next(_flip(-1))
            sent = conn.send(request, sid=session.session_id)
            with pytest.raises(SMBResponseException) as info:
                conn.receive(sent, timeout=TIMEOUT)
            _assert_signed(mitm.client_frames[-1])
            status = info.value.status
        assert status == (STATUS_MORE_PROCESSING_REQUIRED if how == "signed" else STATUS_ACCESS_DENIED)
        assert _tree_connect(session) > 0
        assert not mitm.server_closed.is_set()


@pytest.mark.parametrize("label", list(ENCRYPTED))
def test_encrypted_message_replayed_on_another_connection(encrypting_server: ServerThread, label: str) -> None:
    """MS-SMB2 3.3.5.2.1.1: a transform header naming a session the connection does not have
    makes the server disconnect that (the attacker's) connection; the original session goes on."""
    dialect, kwargs = ENCRYPTED[label]
    with _through_mitm(encrypting_server.port, dialect, **kwargs) as (mitm, conn):
        session = _logon(conn)
        captured = _capture_tree_connect(mitm, session)
        _assert_encrypted(captured)
        attacker = RawClient(encrypting_server.port)
        try:
            attacker.negotiate(dialect)
            assert attacker.send(captured) is None
        finally:
            attacker.close()
        assert _tree_connect(session) > 0
        assert not mitm.server_closed.is_set()


# ---------------------------------------------------------------------------- 3. wrong session
@pytest.mark.parametrize("label", list(SIGNED))
def test_request_signed_with_another_sessions_key(signing_server: ServerThread, label: str) -> None:
    """MS-SMB2 3.3.5.2.4: the signature is checked with the key of the session the header names;
    a request naming Administrator's session but signed with alice's key (both sessions on one
    connection) is refused with STATUS_ACCESS_DENIED, and both sessions go on."""
    dialect, kwargs = SIGNED[label]
    with _through_mitm(signing_server.port, dialect, **kwargs) as (mitm, conn):
        alice = _logon(conn)
        admin = _logon(conn, ADMIN, ADMIN_PASSWORD)
        assert alice.session_id != admin.session_id and alice.signing_key != admin.signing_key
        admin_key = admin.signing_key
        admin.signing_key = alice.signing_key
        try:
            with pytest.raises(SMBResponseException) as info:
                _tree_connect(admin)
        finally:
            admin.signing_key = admin_key
        assert info.value.status == STATUS_ACCESS_DENIED
        assert _tree_connect(admin) > 0
        assert _tree_connect(alice) > 0
        assert not mitm.server_closed.is_set()


@pytest.mark.parametrize("label", list(ENCRYPTED))
def test_message_encrypted_with_another_sessions_key(encrypting_server: ServerThread, label: str) -> None:
    """MS-SMB2 3.3.5.2.1.1: a transform header naming Administrator's session, encrypted with
    alice's key, does not decrypt: the server disconnects."""
    dialect, kwargs = ENCRYPTED[label]
    with _through_mitm(encrypting_server.port, dialect, **kwargs) as (mitm, conn):
        alice = _logon(conn)
        admin = _logon(conn, ADMIN, ADMIN_PASSWORD)
        assert alice.encryption_key != admin.encryption_key
        admin.encryption_key = alice.encryption_key
        with pytest.raises(SMBConnectionClosed):
            _tree_connect(admin)
        assert mitm.server_closed.wait(TIMEOUT)


@pytest.mark.parametrize("command", ["tree-connect", "session-setup"])
@pytest.mark.parametrize("label", list(ENCRYPTED))
def test_encrypted_message_whose_inner_header_names_another_session(
    encrypting_server: ServerThread, label: str, command: str
) -> None:
    """MS-SMB2 3.3.5.2.1.1 / 3.3.5.2.9: a message correctly encrypted for alice's session whose
    SMB2 header names Administrator's session makes the server disconnect -- whatever the
    command, a SESSION_SETUP (re-authentication) included."""
    dialect, kwargs = ENCRYPTED[label]
    with _through_mitm(encrypting_server.port, dialect, **kwargs) as (mitm, conn):
        mark = len(mitm.client_frames)
        alice = _logon(conn)
        admin = _logon(conn, ADMIN, ADMIN_PASSWORD)
        cipher = conn.cipher_id if conn.dialect == Dialects.SMB_3_1_1 else Ciphers.AES_128_CCM
        if command == "tree-connect":
            tree_connect = SMB2TreeConnectRequest()
            tree_connect["buffer"] = rf"\\{HOST}\IPC$".encode("utf-16-le")
            opcode, body, expected = SMB2_TREE_CONNECT, tree_connect.pack(), 0
        else:  # alice's own first SESSION_SETUP body: a new NTLM NEGOTIATE
            first = next(m for m in mitm.client_frames[mark:] if _command(m) == SMB2_SESSION_SETUP)
            opcode, body, expected = SMB2_SESSION_SETUP, first[64:], STATUS_MORE_PROCESSING_REQUIRED

        def sealed_for_alice(named_session: int) -> bytes:
            with conn.sequence_lock:  # take a MessageId the client itself will not use
                message_id = conn.sequence_window["low"]
                conn.sequence_window["low"] += 1
            inner = _request_header(opcode, message_id, named_session) + body
            return _seal(inner, alice.session_id, alice.encryption_key, cipher)

        # Control: the same hand-sealed message naming alice's own session is served.
        answer = mitm.inject(sealed_for_alice(alice.session_id))
        assert answer is not None
        assert _status(_unseal(answer, alice.decryption_key, cipher)) == expected
        assert mitm.inject(sealed_for_alice(admin.session_id)) is None
        assert mitm.server_closed.is_set()


# ---------------------------------------------------------------------------- 4. downgrade
_NEGOTIATE_FIXED = struct.Struct("<HHHHI16sIHH")  # MS-SMB2 2.2.3, up to the Dialects array


def _negotiate_dialects(message: bytes) -> list[int]:
    count = struct.unpack_from("<H", message, 64 + 2)[0]
    return list(struct.unpack_from(f"<{count}H", message, 64 + 36))


def _edit_negotiate(
    message: bytes,
    *,
    dialects: list[int] | None = None,
    client_guid: bytes | None = None,
    drop_cipher: int | None = None,
) -> bytes:
    """Rebuild an SMB2 NEGOTIATE request (MS-SMB2 2.2.3) with other dialects or ClientGuid, or one
    cipher fewer in its encryption context (2.2.3.1.2), keeping it well formed: contexts 8-byte
    aligned, and dropped altogether (ClientStartTime zero) when 3.1.1 is no longer offered."""
    if message[:4] != SMB2_MAGIC or _command(message) != SMB2_NEGOTIATE:
        return message
    fields = list(_NEGOTIATE_FIXED.unpack_from(message, 64))
    old_dialects = _negotiate_dialects(message)
    contexts: list[tuple[int, bytes]] = []
    if Dialects.SMB_3_1_1 in old_dialects:
        position = fields[6]
        for index in range(fields[7]):
            position += (-position) % 8 if index else 0
            kind, length = struct.unpack_from("<HH", message, position)
            contexts.append((kind, message[position + 8 : position + 8 + length]))
            position += 8 + length
    new_dialects = old_dialects if dialects is None else dialects
    if drop_cipher is not None:
        for index, (kind, data) in enumerate(contexts):
            if kind == 2:  # SMB2_ENCRYPTION_CAPABILITIES: CipherCount, Ciphers[]
                offered = list(struct.unpack_from(f"<{data[0] | data[1] << 8}H", data, 2))
                kept = [cipher for cipher in offered if cipher != drop_cipher]
                assert kept and kept != offered, f"cannot drop 0x{drop_cipher:x} from {offered}"
                contexts[index] = (kind, struct.pack(f"<H{len(kept)}H", len(kept), *kept))
    if Dialects.SMB_3_1_1 not in new_dialects:
        contexts = []
    end = 64 + 36 + 2 * len(new_dialects)
    tail = b""
    fields[6:9] = [0, 0, 0]
    if contexts:
        fields[6:8] = [end + (-end) % 8, len(contexts)]
        blobs = [_context(kind, data) for kind, data in contexts]
        tail = bytes((-end) % 8) + b"".join(blob + bytes((-len(blob)) % 8) for blob in blobs[:-1]) + blobs[-1]
    fields[1] = len(new_dialects)
    if client_guid is not None:
        fields[5] = client_guid
    body = _NEGOTIATE_FIXED.pack(*fields) + struct.pack(f"<{len(new_dialects)}H", *new_dialects) + tail
    return message[:64] + body


def _strip_above(highest: int) -> Callable[[bytes], bytes]:
    def rewrite(message: bytes) -> bytes:
        if message[:4] != SMB2_MAGIC or _command(message) != SMB2_NEGOTIATE:
            return message
        return _edit_negotiate(message, dialects=[d for d in _negotiate_dialects(message) if d <= highest])

    return rewrite


DOWNGRADES = {
    "3.0.2": Dialects.SMB_3_0_2,  # 3.1.1 stripped
    "3.0": Dialects.SMB_3_0_0,  # 3.1.1 and 3.0.2 stripped
    "2.1": Dialects.SMB_2_1_0,  # every 3.x stripped
}


@pytest.mark.parametrize("target", list(DOWNGRADES))
def test_downgraded_negotiate_is_caught_by_validate_negotiate_info(server: ServerThread, target: str) -> None:
    """MS-SMB2 3.3.5.15.12: a man in the middle strips the client's highest dialects from its
    NEGOTIATE, so the server picks a lower one. smbprotocol then sends the dialects it really
    offered in a signed FSCTL_VALIDATE_NEGOTIATE_INFO; they differ from what the server saw, so
    the server disconnects and the client's TreeConnect fails."""
    with _through_mitm(server.port, None, _strip_above(DOWNGRADES[target])) as (mitm, conn):
        assert conn.dialect == DOWNGRADES[target]  # the downgrade itself went through
        session = _logon(conn)
        with pytest.raises(SMBConnectionClosed):
            TreeConnect(session, rf"\\{HOST}\IPC$").connect(require_secure_negotiate=True)
        assert mitm.server_closed.wait(TIMEOUT)


def test_without_the_downgrade_validate_negotiate_info_passes(server: ServerThread) -> None:
    """Control for the test above: the same client and proxy, the NEGOTIATE left alone (3.0 asked
    for by the client itself), and FSCTL_VALIDATE_NEGOTIATE_INFO agrees."""
    with _through_mitm(server.port, Dialects.SMB_3_0_0) as (mitm, conn):
        session = _logon(conn)
        tree = TreeConnect(session, rf"\\{HOST}\IPC$")
        tree.connect(require_secure_negotiate=True)
        assert tree.tree_connect_id > 0
        assert not mitm.server_closed.is_set()


def _alter_311(alteration: str) -> Callable[[bytes], bytes]:
    """Valid 3.1.1 NEGOTIATE rewrites: the server still picks 3.1.1, but its preauth integrity
    hash (MS-SMB2 3.3.5.4) covers other bytes than the client's."""

    def rewrite(message: bytes) -> bytes:
        if message[:4] != SMB2_MAGIC or _command(message) != SMB2_NEGOTIATE:
            return message
        if alteration == "client-guid":
            return _edit_negotiate(message, client_guid=uuid.uuid4().bytes)
        if alteration == "drop-cipher":  # AES-128-GCM gone: the server settles for AES-128-CCM
            return _edit_negotiate(message, drop_cipher=Ciphers.AES_128_GCM)
        if alteration == "dialect-order":
            return _edit_negotiate(message, dialects=_negotiate_dialects(message)[::-1])
        assert alteration == "none"
        return message

    return rewrite


ALTERATIONS = ["client-guid", "drop-cipher", "dialect-order"]


@pytest.mark.parametrize("alteration", ["none", *ALTERATIONS])
def test_altered_311_negotiate_fails_the_session_setup(server: ServerThread, alteration: str) -> None:
    """MS-SMB2 3.3.5.5.3: the server signs the final SESSION_SETUP response with a key derived
    from its preauth integrity hash; after an altered NEGOTIATE that hash differs from the
    client's, so smbprotocol (which verifies that signature) refuses the session. "none" is the
    control: the proxy forwards the NEGOTIATE untouched and the session is set up."""
    with _through_mitm(server.port, None, _alter_311(alteration)) as (mitm, conn):
        assert conn.dialect == Dialects.SMB_3_1_1
        assert conn.cipher_id == (Ciphers.AES_128_CCM if alteration == "drop-cipher" else Ciphers.AES_128_GCM)
        if alteration == "none":
            assert _tree_connect(_logon(conn)) > 0
            return
        with pytest.raises(SMBException, match="signature could not be verified"):
            _logon(conn)


def _flip_first_session_setup(direction: str) -> Callable[[bytes], bytes]:
    """Flip the header's Reserved (ProcessId) byte of the first SESSION_SETUP request, or of the
    server's first (STATUS_MORE_PROCESSING_REQUIRED) answer: harmless to NTLM and to smbprotocol,
    but inside the preauth integrity hash (MS-SMB2 3.3.5.5, 3.2.5.3.1)."""
    done = False

    def rewrite(message: bytes) -> bytes:
        nonlocal done
        if done or message[:4] != SMB2_MAGIC or _command(message) != SMB2_SESSION_SETUP:
            return message
        done = True
        return _flip(32)(message)

    return rewrite


@pytest.mark.parametrize("direction", ["none", "request", "response"])
def test_altered_311_session_setup_exchange_fails_the_session_setup(server: ServerThread, direction: str) -> None:
    """MS-SMB2 3.3.5.5.3: the preauth integrity hash also covers every SESSION_SETUP request and
    interim response, so a man in the middle who alters a byte of one of them, even a byte
    nobody reads, leaves client and server with different keys: smbprotocol refuses the signed
    final response. "none" is the control."""
    rewrite = _flip_first_session_setup(direction)
    with _through_mitm(
        server.port,
        Dialects.SMB_3_1_1,
        rewrite if direction == "request" else None,
        rewrite_response=rewrite if direction == "response" else None,
    ) as (mitm, conn):
        if direction == "none":
            assert _tree_connect(_logon(conn)) > 0
            return
        with pytest.raises(SMBException, match="signature could not be verified"):
            _logon(conn)


@pytest.mark.parametrize("protection", ["signing", "encryption"])
@pytest.mark.parametrize("alteration", ["none", *ALTERATIONS])
def test_altered_311_negotiate_leaves_a_lenient_client_with_a_useless_session(
    server: ServerThread, alteration: str, protection: str
) -> None:
    """A client that does not check the final SESSION_SETUP signature derives its keys from its own
    preauth hash: the server refuses its signed requests (STATUS_ACCESS_DENIED, MS-SMB2 3.3.5.2.4)
    and drops the connection on its first encrypted one (MS-SMB2 3.3.5.2.1.1)."""
    with _through_mitm(server.port, None, _alter_311(alteration), require_signing=False) as (mitm, conn):
        assert conn.dialect == Dialects.SMB_3_1_1
        session = _logon(conn, encrypt=protection == "encryption")
        if protection == "signing":
            session.signing_required = True  # sign from now on, with the client's key
        if alteration == "none":
            assert _tree_connect(session) > 0
        elif protection == "signing":
            for _ in range(2):  # every request, not just the first
                with pytest.raises(SMBResponseException) as info:
                    _tree_connect(session)
                assert info.value.status == STATUS_ACCESS_DENIED
        else:
            with pytest.raises(SMBConnectionClosed):
                _tree_connect(session)
            assert mitm.server_closed.wait(TIMEOUT)


# ---------------------------------------------------------------------------- the server's NEGOTIATE response
# SecurityMode at 66, ServerGuid at 72, Capabilities at 88 (MS-SMB2 2.2.4, after the 64-byte header).
RESPONSE_EDITS: dict[str, Callable[[bytearray], None]] = {
    "security-mode": lambda m: m.__setitem__(66, m[66] & ~0x02),  # "signing is not required"
    "server-guid": lambda m: m.__setitem__(72, m[72] ^ 0xFF),
    "capabilities": lambda m: m.__setitem__(88, m[88] ^ 0x40),  # SMB2_GLOBAL_CAP_ENCRYPTION toggled
}


def _edit_negotiate_response(field: str) -> Callable[[bytes], bytes]:
    def rewrite(message: bytes) -> bytes:
        if message[:4] != SMB2_MAGIC or _command(message) != SMB2_NEGOTIATE:
            return message
        data = bytearray(message)
        if field != "none":
            RESPONSE_EDITS[field](data)
            assert data != message
        return bytes(data)

    return rewrite


@pytest.mark.parametrize("field", ["none", *RESPONSE_EDITS])
@pytest.mark.parametrize("label", ["3.0", "3.0.2", "3.1.1-gmac"])
def test_tampered_negotiate_response_is_caught(signing_server: ServerThread, label: str, field: str) -> None:
    """A man in the middle edits the server's NEGOTIATE response (MS-SMB2 2.2.4): signing
    "not required", another ServerGuid, the encryption capability toggled. On 3.0/3.0.2 the server's
    signed FSCTL_VALIDATE_NEGOTIATE_INFO response carries its real values (MS-SMB2 3.3.5.15.12), so
    smbprotocol's TreeConnect fails; on 3.1.1 the response is in the server's preauth integrity
    hash (MS-SMB2 3.3.5.4), so the session setup fails. "none" is the control."""
    dialect, kwargs = SIGNED[label]
    with _through_mitm(
        signing_server.port, dialect, rewrite_response=_edit_negotiate_response(field), **kwargs
    ) as (mitm, conn):
        if dialect == Dialects.SMB_3_1_1 and field != "none":
            with pytest.raises(SMBException, match="signature could not be verified"):
                _logon(conn)
            return
        session = _logon(conn)
        tree = TreeConnect(session, rf"\\{HOST}\IPC$")
        if field == "none":
            tree.connect(require_secure_negotiate=True)
            assert tree.tree_connect_id > 0
        else:
            with pytest.raises(SMBException, match="Secure negotiate failed to verify"):
                tree.connect(require_secure_negotiate=True)
        assert not mitm.server_closed.is_set()


@pytest.mark.parametrize("stripped", [False, True])
@pytest.mark.parametrize("label", list(SIGNED))
def test_stripped_signing_requirement_does_not_unlock_unsigned_access(
    signing_server: ServerThread, label: str, stripped: bool
) -> None:
    """A man in the middle clears SIGNING_REQUIRED in the NEGOTIATE response, so a client that
    does not insist on signing does not sign. The server still requires it of the session
    (MS-SMB2 3.3.5.5.3, 3.3.5.2.4): every unsigned request is refused with STATUS_ACCESS_DENIED.
    Control (not stripped): smbprotocol sees the requirement, signs, and is served."""
    dialect, kwargs = SIGNED[label]
    rewrite_response = _edit_negotiate_response("security-mode" if stripped else "none")
    with _through_mitm(
        signing_server.port, dialect, rewrite_response=rewrite_response, require_signing=False, **kwargs
    ) as (mitm, conn):
        session = _logon(conn)
        if not stripped:
            assert session.signing_required
            assert _tree_connect(session) > 0
            return
        assert not session.signing_required
        for _ in range(2):
            with pytest.raises(SMBResponseException) as info:
                _tree_connect(session)
            assert info.value.status == STATUS_ACCESS_DENIED
        assert all(frame[:4] == SMB2_MAGIC for frame in mitm.client_frames)
        assert not struct.unpack_from("<I", mitm.client_frames[-1], 16)[0] & 0x8  # really unsigned


@pytest.mark.parametrize("alteration", ["none", "client-guid", "dialect-order"])  # it offers one cipher only
def test_impacket_after_an_altered_311_negotiate(server: ServerThread, alteration: str) -> None:
    """impacket does not verify the final SESSION_SETUP signature, so its logon "succeeds"; it then
    encrypts (3.1.1 with a common cipher) under keys derived from a preauth hash the server does not
    share, and the server drops the connection on its first encrypted request (MS-SMB2
    3.3.5.2.1.1): the TREE_CONNECT fails with the connection gone."""
    mitm = Mitm(server.port, _alter_311(alteration))
    try:
        client = SMBConnection(HOST, HOST, sess_port=mitm.port, timeout=TIMEOUT)
        try:
            client.login(USER, PASSWORD)
            assert client.getDialect() == 0x0311
            if alteration == "none":
                assert client.connectTree("IPC$") > 0
                assert not mitm.server_closed.is_set()
            else:
                with pytest.raises(NetBIOSError):
                    client.connectTree("IPC$")
                assert mitm.server_closed.wait(TIMEOUT)
        finally:
            client.close()
    finally:
        mitm.close()
