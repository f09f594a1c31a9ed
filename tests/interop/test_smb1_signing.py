"""SMB1 signing under attack (issue 12, item 4): tampered, unsigned, replayed and downgraded requests.

MS-CIFS 3.1.4.1 / MS-SMB 3.1.4.1: once a session with a key is set up, every message carries
the first 8 bytes of MD5(MAC key + message with its sequence number in SecuritySignature); a
request takes sequence number n, its response n + 1. The real clients here are impacket's
`SMBConnection(preferredDialect=SMB_DIALECT)` (signs when the server requires it; it does not
check the server's signatures, so the tests check them) and Samba's rpcclient / smbclient forced
to NT1 (which check every response's signature and give up on a bad one). The attacker is
`test_signing_attacks.Mitm`, a man in the middle that records, tampers with and injects frames.

Profiles: win2003-dc, whose Windows required signing (RequireSecuritySignature=1 on a domain
controller), and win2000 with `smb1.signing_enabled=true` (EnableSecuritySignature: signing
offered, not required). alice / Wonderland1 is an ordinary user of the corp fixture.
"""

from __future__ import annotations

import hashlib
import importlib.util
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from impacket.smbconnection import SMB_DIALECT, SessionError, SMBConnection

from helpers import HOST, ServerThread, run_tool


def _signing_attacks() -> Any:
    """The SMB2 signing-attack module, for its proxy (tests run with --import-mode=importlib,
    so a test module is not importable by name)."""
    path = Path(__file__).with_name("test_signing_attacks.py")
    spec = importlib.util.spec_from_file_location("smb2_signing_attacks", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_SMB2 = _signing_attacks()
Mitm, TIMEOUT = _SMB2.Mitm, _SMB2.TIMEOUT

pytestmark = pytest.mark.interop

ALICE = ("alice", "Wonderland1")
STATUS_ACCESS_DENIED = 0xC0000022
# MS-CIFS 2.2.3.1 header: Protocol, Command, Status, Flags, Flags2, PIDHigh, SecuritySignature,
# Reserved, TID, PIDLow, UID, MID.
HEADER = struct.Struct("<4sBIBHH8sHHHHH")
SESSION_SETUP_ANDX, TREE_CONNECT_ANDX, NT_CREATE_ANDX, NEGOTIATE = 0x73, 0x75, 0xA2, 0x72
FLAGS2_SECURITY_SIGNATURE = 0x0004
NEGOTIATE_SECURITY_MODE = 32 + 1 + 2  # after the header, WordCount and DialectIndex (MS-CIFS 2.2.4.52.2)
SIGNATURES_ENABLED, SIGNATURES_REQUIRED = 0x04, 0x08
# rpcclient opens IPC$ under the "client ipc" protocol bounds, smbclient under the plain ones.
NT1 = ["--option=client ipc min protocol=NT1", "--option=client ipc max protocol=NT1",
       "--option=client min protocol=NT1", "--option=client max protocol=NT1"]


@pytest.fixture(scope="module")
def dc() -> Iterator[ServerThread]:
    with ServerThread("win2003-dc") as running:
        yield running


# ---------------------------------------------------------------------------- MS-CIFS 3.1.4.1
def signature(key: bytes, message: bytes, sequence: int) -> bytes:
    """What SecuritySignature must hold: MD5(key + message with the sequence number in it)[:8]."""
    with_sequence = message[:14] + struct.pack("<I4x", sequence) + message[22:]
    return hashlib.md5(key + with_sequence).digest()[:8]


def signed(key: bytes, message: bytes, sequence: int) -> bytes:
    return message[:14] + signature(key, message, sequence) + message[22:]


def verifies(key: bytes, message: bytes, sequence: int) -> bool:
    return message[14:22] == signature(key, message, sequence)


def status_of(message: bytes) -> int:
    return int(struct.unpack_from("<I", message, 5)[0])


def tree_connect_request(uid: int, mid: int, *, sign_flag: bool = True) -> bytes:
    """TREE_CONNECT_ANDX \\\\127.0.0.1\\IPC$ (MS-CIFS 2.2.4.55.1), Unicode, unsigned (zero signature)."""
    flags2 = 0xC801 | (FLAGS2_SECURITY_SIGNATURE if sign_flag else 0)
    header = HEADER.pack(b"\xffSMB", TREE_CONNECT_ANDX, 0, 0x18, flags2, 0, bytes(8), 0, 0, 0x4242, uid, mid)
    words = b"\xff\x00\x00\x00" + struct.pack("<HH", 0, 1)
    data = b"\x00" + f"\\\\{HOST}\\IPC$\x00".encode("utf-16-le") + b"?????\x00"
    return header + bytes([len(words) // 2]) + words + struct.pack("<H", len(data)) + data


# ---------------------------------------------------------------------------- the client side
class Recorder:
    """Keeps every server frame the proxy relays (a `rewrite_response` that changes nothing)."""

    def __init__(self, edit: Callable[[bytes], bytes] | None = None) -> None:
        self.frames: list[bytes] = []
        self._edit = edit

    def __call__(self, message: bytes) -> bytes:
        message = self._edit(message) if self._edit is not None else message
        self.frames.append(message)
        return message


def impacket_logon(port: int, user: tuple[str, str] = ALICE) -> SMBConnection:
    conn = SMBConnection(HOST, HOST, sess_port=port, preferredDialect=SMB_DIALECT, timeout=TIMEOUT)
    conn.login(*user)
    return conn


def signing_state(conn: SMBConnection) -> Any:
    """impacket's SMB1 object: `_SigningSessionKey`, `_SignSequenceNumber` (the next request's)."""
    return conn.getSMBServer()


def server_counts(server: ServerThread) -> list[tuple[int, int]]:
    """(tree connects, opens) of every SMB1 session on the server."""

    def counts() -> list[tuple[int, int]]:
        out = []
        for protocol in server._server.protocols:
            engine = protocol.connection.smb1 if protocol.connection is not None else None
            if engine is not None:
                out += [(len(s.tree_connects), len(s.opens)) for s in engine.sessions.values()]
        return out

    return list(server.call(counts))


def flip(position: int) -> Callable[[bytes], bytes]:
    def edit(message: bytes) -> bytes:
        data = bytearray(message)
        data[position] ^= 0x01
        return bytes(data)

    return edit


# ---------------------------------------------------------------------------- tests
def test_a_signed_conversation_verifies_with_the_expected_sequence_numbers(dc: ServerThread) -> None:
    """The NEGOTIATE response requires signing; from the SESSION_SETUP response that completes the
    logon (sequence 1) on, every response is signed with the number after its request's."""
    recorder = Recorder()
    mitm = Mitm(dc.port, rewrite_response=recorder)
    try:
        conn = impacket_logon(mitm.port)
        shares = [share["shi1_netname"][:-1] for share in conn.listShares()]
        key = signing_state(conn)._SigningSessionKey
        conn.logoff()
    finally:
        mitm.close()
    assert "IPC$" in shares
    negotiate = recorder.frames[0]
    assert negotiate[4] == NEGOTIATE
    assert negotiate[NEGOTIATE_SECURITY_MODE] & 0x0C == SIGNATURES_ENABLED | SIGNATURES_REQUIRED
    done = next(i for i, f in enumerate(recorder.frames) if f[4] == SESSION_SETUP_ANDX and status_of(f) == 0)
    assert all(frame[14:22] == bytes(8) for frame in recorder.frames[:done])  # nothing signed before
    requests = [frame for frame in mitm.client_frames if frame[4] != 0xA4]  # (no NT_CANCEL here)
    assert len(requests) == len(recorder.frames)
    for index in range(done, len(recorder.frames)):
        request_sequence = 2 * (index - done)
        response = recorder.frames[index]
        assert response[10] & FLAGS2_SECURITY_SIGNATURE, index
        assert verifies(key, response, request_sequence + 1), (index, hex(response[4]))
        if index > done:
            assert verifies(key, requests[index], request_sequence), index  # impacket's own, for the record


def test_samba_clients_check_every_signed_response(dc: ServerThread) -> None:
    """rpcclient and smbclient (NT1, signing) verify each response's signature and give up on a bad
    one: they work against the server, and fail when a proxy changes one bit of one response."""
    port = str(dc.port)
    rpc = run_tool(["rpcclient", "-p", port, *NT1, "-U", "%".join(ALICE), HOST, "-c", "srvinfo;netshareenumall 1"],
                   timeout=60)
    assert rpc.returncode == 0 and "netname: IPC$" in rpc.stdout, rpc.stdout + rpc.stderr
    listing = run_tool(["smbclient", "-L", f"//{HOST}", "-p", port, *NT1, "--option=client signing=required",
                        "-U", "%".join(ALICE)], timeout=60)
    assert listing.returncode == 0 and "IPC$" in listing.stdout, listing.stdout + listing.stderr

    seen: list[int] = []

    def spoil_the_tree_connect_response(message: bytes) -> bytes:
        seen.append(message[4])
        return flip(-1)(message) if message[4] == TREE_CONNECT_ANDX else message

    mitm = Mitm(dc.port, rewrite_response=spoil_the_tree_connect_response)
    try:
        spoiled = run_tool(["rpcclient", "-p", str(mitm.port), *NT1, "-U", "%".join(ALICE), HOST, "-c", "srvinfo"],
                           timeout=60)
    finally:
        mitm.close()
    assert TREE_CONNECT_ANDX in seen and spoiled.returncode != 0, spoiled.stdout + spoiled.stderr


def test_a_client_asking_for_signing_gets_signed_responses() -> None:
    """win2000 with signing offered but not required (EnableSecuritySignature=1): a client that
    asks for it (Samba's `client signing = required`) gets a signed session it can verify."""
    with ServerThread("win2000", overrides=["smb1.signing_enabled=true"]) as server:
        recorder = Recorder()
        mitm = Mitm(server.port, rewrite_response=recorder)
        try:
            listing = run_tool(["smbclient", "-L", f"//{HOST}", "-p", str(mitm.port), *NT1,
                                "--option=client signing=required", "-U", "%".join(ALICE)], timeout=60)
        finally:
            mitm.close()
    assert listing.returncode == 0 and "IPC$" in listing.stdout, listing.stdout + listing.stderr
    negotiate = recorder.frames[0]
    assert negotiate[NEGOTIATE_SECURITY_MODE] & 0x0C == SIGNATURES_ENABLED
    after_logon = recorder.frames[[f[4] for f in recorder.frames].index(TREE_CONNECT_ANDX) :]
    assert after_logon and all(frame[10] & FLAGS2_SECURITY_SIGNATURE and frame[14:22] != bytes(8)
                               for frame in after_logon)


def test_a_tampered_signed_request_is_refused_and_nothing_is_done(dc: ServerThread) -> None:
    """A bit changed on the way (a TREE_CONNECT_ANDX's service name, an NT_CREATE_ANDX's pipe
    name): STATUS_ACCESS_DENIED, no tree connect or open made; the counters of both ends moved on
    together, so the client's next requests are served."""
    recorder = Recorder()
    mitm = Mitm(dc.port, rewrite_response=recorder)
    try:
        conn = impacket_logon(mitm.port)
        key = signing_state(conn)._SigningSessionKey
        mitm.tamper_next(flip(-2))  # the last letter of the service "?????"
        with pytest.raises(SessionError) as refused:
            conn.connectTree("IPC$")
        assert refused.value.getErrorCode() == STATUS_ACCESS_DENIED
        answer = recorder.frames[-1]
        assert answer[4] == TREE_CONNECT_ANDX and answer[32:35] == b"\x00\x00\x00"  # WordCount 0, ByteCount 0
        # The refusal is signed too, with the number after the tampered request's.
        assert verifies(key, answer, signing_state(conn)._SignSequenceNumber - 1)
        assert server_counts(dc) == [(0, 0)]
        tid = conn.connectTree("IPC$")
        assert server_counts(dc) == [(1, 0)]
        mitm.tamper_next(flip(-4))  # a letter of "\srvsvc"
        with pytest.raises(SessionError) as refused:
            conn.openFile(tid, r"\srvsvc")
        assert refused.value.getErrorCode() == STATUS_ACCESS_DENIED
        assert server_counts(dc) == [(1, 0)]
        conn.closeFile(tid, conn.openFile(tid, r"\srvsvc"))
        conn.logoff()
    finally:
        mitm.close()


def test_an_unsigned_request_is_refused_and_a_correctly_signed_one_is_not(dc: ServerThread) -> None:
    """An attacker on the path injects a TREE_CONNECT_ANDX into alice's signed session: unsigned
    (with or without FLAGS2_SECURITY_SIGNATURE) it is refused; signed with the session's key
    and the sequence number the server expects it is served (so the refusals are the
    signature's doing). Each injected request took a number on the server: the client, told
    of them, goes on."""
    mitm = Mitm(dc.port)
    try:
        conn = impacket_logon(mitm.port)
        state = signing_state(conn)
        key, uid = state._SigningSessionKey, conn.getSMBServer()._uid
        for flag in (True, False):
            answer = mitm.inject(tree_connect_request(uid, 700 + flag, sign_flag=flag))
            assert answer is not None and status_of(answer) == STATUS_ACCESS_DENIED
            assert verifies(key, answer, state._SignSequenceNumber + 1)
            state._SignSequenceNumber += 2
        assert server_counts(dc) == [(0, 0)]
        answer = mitm.inject(signed(key, tree_connect_request(uid, 702), state._SignSequenceNumber))
        assert answer is not None and status_of(answer) == 0
        assert verifies(key, answer, state._SignSequenceNumber + 1)
        state._SignSequenceNumber += 2
        assert server_counts(dc) == [(1, 0)]
        conn.connectTree("IPC$")
        assert server_counts(dc) == [(2, 0)]
        conn.logoff()
    finally:
        mitm.close()


def test_a_replayed_request_is_refused(dc: ServerThread) -> None:
    """alice's own signed TREE_CONNECT_ANDX sent again later: its signature was made with an old
    sequence number, so it is refused and makes no second tree connect."""
    mitm = Mitm(dc.port)
    try:
        conn = impacket_logon(mitm.port)
        state = signing_state(conn)
        conn.connectTree("IPC$")
        original = mitm.client_frames[-1]
        assert original[4] == TREE_CONNECT_ANDX and original[10] & FLAGS2_SECURITY_SIGNATURE
        assert server_counts(dc) == [(1, 0)]
        answer = mitm.inject(original)
        assert answer is not None and status_of(answer) == STATUS_ACCESS_DENIED
        assert verifies(state._SigningSessionKey, answer, state._SignSequenceNumber + 1)
        state._SignSequenceNumber += 2
        assert server_counts(dc) == [(1, 0)]
        conn.connectTree("IPC$")  # the client's own next request still goes through
        assert server_counts(dc) == [(2, 0)]
        conn.logoff()
    finally:
        mitm.close()


def test_stripping_the_signing_requirement_does_not_unlock_unsigned_access(dc: ServerThread) -> None:
    """Downgrade: the proxy clears SecurityMode's signing bits in the NEGOTIATE response, so
    impacket logs on without signing. The server still requires it: the logon's response is
    signed all the same and every unsigned request after it is refused."""

    def strip(message: bytes) -> bytes:
        if message[4] != NEGOTIATE:
            return message
        data = bytearray(message)
        data[NEGOTIATE_SECURITY_MODE] &= ~(SIGNATURES_ENABLED | SIGNATURES_REQUIRED)
        return bytes(data)

    recorder = Recorder(strip)
    mitm = Mitm(dc.port, rewrite_response=recorder)
    try:
        conn = impacket_logon(mitm.port)
        assert not conn.isSigningRequired()
        logon = next(f for f in recorder.frames if f[4] == SESSION_SETUP_ANDX and status_of(f) == 0)
        assert logon[10] & FLAGS2_SECURITY_SIGNATURE and logon[14:22] != bytes(8)
        with pytest.raises(SessionError) as refused:
            conn.connectTree("IPC$")
        assert refused.value.getErrorCode() == STATUS_ACCESS_DENIED
        assert server_counts(dc) == [(0, 0)]
    finally:
        mitm.close()
