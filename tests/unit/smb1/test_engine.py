"""The SMB1 engine, sans-I/O: NEGOTIATE per profile, the frame checks, AndX chains, the NT and
DOS status forms, ECHO, signing. The requests are built here byte by byte from MS-CIFS 2.2."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from typing import Any

import pytest

from smbemu.builder import build_config
from smbemu.connection import Connection
from smbemu.errors import SmbStatusError
from smbemu.smb1 import dispatch
from smbemu.smb1.dispatch import CommandSpec
from smbemu.state import Session, SessionState, TreeConnect
from smbemu.status import NtStatus

HEADER = struct.Struct("<4sBIBHH8sHHHHH")
FLAGS2_NT_STATUS = 0x4000
FLAGS2_EXTENDED_SECURITY = 0x0800
FLAGS2_UNICODE = 0x8000
FLAGS2_SIGNATURE = 0x0004


def message(command: int, words: bytes = b"", data: bytes = b"", *, flags2: int = 0xC001, uid: int = 0,
            tid: int = 0, mid: int = 1, pid: int = 0x1234, tail: bytes = b"") -> bytes:
    header = HEADER.pack(b"\xffSMB", command, 0, 0x18, flags2, 0, bytes(8), 0, tid, pid, uid, mid)
    return header + bytes([len(words) // 2]) + words + struct.pack("<H", len(data)) + data + tail


def framed(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


def negotiate_request(*dialects: str, flags2: int = 0xC001) -> bytes:
    return message(0x72, data=b"".join(b"\x02" + d.encode() + b"\0" for d in dialects), flags2=flags2, mid=0)


class Response:
    def __init__(self, raw: bytes) -> None:
        assert raw[:4] == struct.pack(">I", len(raw) - 4)
        self.raw = raw[4:]
        (_, self.command, self.status, self.flags, self.flags2, _, self.signature, _, self.tid, self.pid, self.uid,
         self.mid) = HEADER.unpack_from(self.raw, 0)
        self.blocks: list[tuple[bytes, bytes]] = []
        position = 32
        while True:
            count = self.raw[position]
            words = self.raw[position + 1 : position + 1 + 2 * count]
            (byte_count,) = struct.unpack_from("<H", self.raw, position + 1 + 2 * count)
            start = position + 3 + 2 * count
            self.blocks.append((words, self.raw[start : start + byte_count]))
            if count >= 2 and words[0] not in (0xFF,) and self._andx(words):
                position = struct.unpack_from("<H", words, 2)[0]
                continue
            break

    def _andx(self, words: bytes) -> bool:
        offset = struct.unpack_from("<H", words, 2)[0]
        return 32 < offset < len(self.raw) and words[1] == 0


def run(conn: Connection, *bodies: bytes) -> list[Response]:
    return [Response(f) for f in conn.receive_data(b"".join(framed(b) for b in bodies))]


def smb1_config(profile: str = "win2000", *overrides: str) -> Any:
    return build_config(profile, overrides=["smb.dialects=", *overrides])


@pytest.fixture
def conn() -> Connection:
    return Connection(smb1_config())


def test_negotiate_non_extended_carries_the_profiles_values_a_challenge_and_utf16_names(conn: Connection) -> None:
    (answer,) = run(conn, negotiate_request("PC NETWORK PROGRAM 1.0", "LANMAN1.0", "NT LM 0.12"))
    assert (answer.command, answer.status, answer.flags & 0x80, answer.mid, answer.pid) == (0x72, 0, 0x80, 0, 0x1234)
    words, data = answer.blocks[0]
    (index, mode, mpx, vcs, buffer, raw, key, caps, _, zone, challenge_length) = struct.unpack("<HBHHIIIIQhB", words)
    profile = conn.config.profile
    assert index == 2  # NT LM 0.12's place in the client's list
    assert mode == 0x03  # user security, encrypted passwords; a member server does not sign
    assert (mpx, vcs, buffer, raw) == (profile.smb1.max_mpx_count, profile.smb1.max_number_vcs,
                                       profile.smb1.max_buffer_size, profile.smb1.max_raw_size)
    assert caps == profile.smb1.capabilities & ~0x80000000  # no EXTENDED_SECURITY: not asked for
    assert (key, zone, challenge_length) == (0, profile.smb1.server_time_zone, 8)
    names = data[8:].decode("utf-16-le").split("\0")
    assert names[:2] == [conn.config.directory.domain.name.upper(), conn.config.directory.machine.netbios_name.upper()]
    assert not answer.flags2 & FLAGS2_EXTENDED_SECURITY
    assert conn.smb1 is not None and len(conn.smb1.challenge) == 8 and conn.smb1.negotiated


def test_negotiate_extended_security_sends_the_guid_and_a_spnego_token(conn: Connection) -> None:
    (answer,) = run(conn, negotiate_request("NT LM 0.12", flags2=0xC801))
    words, data = answer.blocks[0]
    caps = struct.unpack_from("<I", words, 19)[0]
    assert caps & 0x80000000 and words[-1] == 0  # ChallengeLength 0
    assert data[:16] == conn.config.server_guid and data[16] == 0x60  # GSS-API InitialContextToken
    assert b"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a" in data  # the NTLMSSP mechanism OID
    assert answer.flags2 & FLAGS2_EXTENDED_SECURITY


def test_a_profile_without_extended_security_answers_with_a_challenge() -> None:
    conn = Connection(smb1_config("win2000", "smb1.capabilities=0x0000f3fd"))
    (answer,) = run(conn, negotiate_request("NT LM 0.12", flags2=0xC801))
    words, data = answer.blocks[0]
    assert words[-1] == 8 and len(data) > 8 and not answer.flags2 & FLAGS2_EXTENDED_SECURITY


def test_signing_bits_follow_the_profile() -> None:
    conn = Connection(smb1_config("win2000", "signing_required=true"))
    (answer,) = run(conn, negotiate_request("NT LM 0.12"))
    assert answer.blocks[0][0][2] == 0x0F


def test_no_nt_lm_012_gets_dialect_index_ffff(conn: Connection) -> None:
    (answer,) = run(conn, negotiate_request("PC NETWORK PROGRAM 1.0", "LANMAN1.0"))
    assert answer.blocks[0] == (b"\xff\xff", b"")
    assert conn.smb1 is not None and not conn.smb1.negotiated and not conn.closed


def test_the_multi_protocol_negotiate_still_goes_to_smb2_where_the_profile_has_it() -> None:
    conn = Connection(build_config("win2016"))
    (raw,) = conn.receive_data(framed(negotiate_request("NT LM 0.12", "SMB 2.002", "SMB 2.???")))
    assert raw[4:8] == b"\xfeSMB" and conn.smb1 is None


@pytest.mark.parametrize("bad", [
    negotiate_request("NT LM 0.12")[:34],  # shorter than a header and its counts
    message(0x73, b"\xff\x00\x00\x00"),  # SESSION_SETUP before NEGOTIATE
    message(0x72, data=b"\x01NT LM 0.12\0"),  # buffer format 1, not 2
    message(0x72, data=b"\x02NT LM 0.12"),  # no NUL
])
def test_what_cannot_start_a_conversation_closes_it(bad: bytes, conn: Connection) -> None:
    assert conn.receive_data(framed(bad)) == []
    assert conn.closed


def test_a_second_negotiate_and_smb2_after_smb1_close_the_connection(conn: Connection) -> None:
    run(conn, negotiate_request("NT LM 0.12"))
    assert conn.receive_data(framed(negotiate_request("NT LM 0.12"))) == [] and conn.closed
    other = Connection(smb1_config())
    run(other, negotiate_request("NT LM 0.12"))
    smb2 = b"\xfeSMB" + struct.pack("<H", 64) + bytes(58)
    assert other.receive_data(framed(smb2 + bytes(36))) == [] and other.closed


def test_an_smb2_client_is_dropped_by_a_profile_without_smb2(conn: Connection) -> None:
    assert conn.receive_data(framed(b"\xfeSMB" + struct.pack("<H", 64) + bytes(94))) == []
    assert conn.closed


@pytest.mark.parametrize(("flags2", "status"), [
    (0xC001, 0x00160002),  # STATUS_SMB_BAD_COMMAND, the NT form of ERRSRV/ERRbadcmd
    (0x8001, 0x02 | 22 << 16),  # the DOS form: class ERRSRV, code ERRbadcmd (MS-CIFS 2.2.2.4)
])
def test_an_unknown_command_in_nt_and_dos_form(conn: Connection, flags2: int, status: int) -> None:
    run(conn, negotiate_request("NT LM 0.12"))
    (answer,) = run(conn, message(0x01, data=b"\x04dir\0", flags2=flags2, mid=7))
    assert (answer.command, answer.status, answer.mid, answer.blocks) == (0x01, status, 7, [(b"", b"")])
    assert not conn.closed


def test_echo_answers_echo_count_times_and_zero_times(conn: Connection) -> None:
    run(conn, negotiate_request("NT LM 0.12"))
    answers = run(conn, message(0x2B, struct.pack("<H", 3), b"ping", tid=0xFFFF, mid=9))
    assert [a.blocks[0] for a in answers] == [(struct.pack("<H", n), b"ping") for n in (1, 2, 3)]
    assert run(conn, message(0x2B, struct.pack("<H", 0), b"ping")) == []


def test_frames_that_lie_about_their_counts(conn: Connection) -> None:
    run(conn, negotiate_request("NT LM 0.12"))
    header = message(0x2B)[:32]
    (answer,) = run(conn, header + b"\x05\x01\x00")  # five words announced, none there
    assert answer.status == NtStatus.INVALID_SMB
    (answer,) = run(conn, header + b"\x01\x01\x00\x10\x00ab")  # ByteCount 16, two bytes there
    assert answer.status == NtStatus.INVALID_SMB and not conn.closed


# ---------------------------------------------------------------------- sessions, chains, signing
# Stand-in commands (registered for these tests only) that exercise the engine's own checks.
FAKE_ANDX, FAKE_PLAIN, FAKE_SIGN_ON = 0xE0, 0xE1, 0xE2


def _fake_andx(conn: Any, req: Any) -> tuple[bytes, bytes]:
    if bytes(req.data) == b"fail":
        raise SmbStatusError(NtStatus.ACCESS_DENIED, "asked to fail")
    return b"\x01\x00", bytes(req.data).upper()


def _sign_on(conn: Any, req: Any) -> tuple[bytes, bytes]:
    session = Session(session_id=1, state=SessionState.VALID)
    session.tree_connects[0x0800] = TreeConnect(tree_id=0x0800, share_name="IPC$", is_ipc=True)
    uid = conn.new_uid()
    conn.sessions[uid] = session
    req.response_uid = uid
    conn.start_signing(b"K" * 16, required=True)
    return b"", b""


@pytest.fixture
def fake_commands() -> Iterator[None]:
    added = {
        FAKE_ANDX: CommandSpec(_fake_andx, andx=True, needs_session=False),
        FAKE_PLAIN: CommandSpec(lambda conn, req: (b"", b"tree ok"), needs_session=True, needs_tree=True),
        FAKE_SIGN_ON: CommandSpec(_sign_on, needs_session=False),
    }
    dispatch.COMMANDS.update(added)
    yield
    for command in added:
        del dispatch.COMMANDS[command]


def andx_message(parts: list[tuple[int, bytes]], **kwargs: Any) -> bytes:
    """An AndX chain of (command, data) parts, each with one parameter word after its AndX block."""
    header = message(parts[0][0], **kwargs)[:32]
    blocks = b""
    offsets = []
    position = 32
    for _command, data in parts:
        offsets.append(position)
        position += 1 + 4 + 2 + 2 + len(data)
    for index, (_command, data) in enumerate(parts):
        following = parts[index + 1][0] if index + 1 < len(parts) else 0xFF
        offset = offsets[index + 1] if index + 1 < len(parts) else 0
        blocks += b"\x03" + struct.pack("<BBHH", following, 0, offset, 7) + struct.pack("<H", len(data)) + data
    return header + blocks


def test_an_andx_chain_is_answered_block_by_block(conn: Connection, fake_commands: None) -> None:
    run(conn, negotiate_request("NT LM 0.12"))
    (answer,) = run(conn, andx_message([(FAKE_ANDX, b"one"), (FAKE_ANDX, b"two")]))
    assert answer.status == 0
    assert [(words[4:], data) for words, data in answer.blocks] == [(b"\x01\x00", b"ONE"), (b"\x01\x00", b"TWO")]
    assert answer.blocks[0][0][0] == FAKE_ANDX and answer.blocks[1][0][0] == 0xFF


def test_an_error_ends_the_chain_after_the_answers_before_it(conn: Connection, fake_commands: None) -> None:
    run(conn, negotiate_request("NT LM 0.12"))
    (answer,) = run(conn, andx_message([(FAKE_ANDX, b"one"), (FAKE_ANDX, b"fail"), (FAKE_ANDX, b"three")]))
    assert answer.status == NtStatus.ACCESS_DENIED
    assert answer.blocks == [(answer.blocks[0][0], b"ONE"), (b"", b"")]


def test_uid_and_tid_are_checked_before_the_command(conn: Connection, fake_commands: None) -> None:
    run(conn, negotiate_request("NT LM 0.12"))
    (answer,) = run(conn, message(FAKE_PLAIN, uid=0x0800, tid=0x0800))
    assert answer.status == NtStatus.SMB_BAD_UID


def _signed(body: bytes, key: bytes, sequence: int) -> bytes:
    unsigned = body[:14] + struct.pack("<I4x", sequence) + body[22:]
    return body[:14] + hashlib.md5(key + unsigned).digest()[:8] + body[22:]


def test_signing_once_active_signs_answers_and_refuses_bad_signatures(conn: Connection, fake_commands: None) -> None:
    key = b"K" * 16
    run(conn, negotiate_request("NT LM 0.12"))
    (on,) = run(conn, message(FAKE_SIGN_ON, flags2=0xC005))
    assert on.raw[14:22] == _signed(on.raw, key, 1)[14:22] and on.flags2 & FLAGS2_SIGNATURE
    uid = on.uid
    good = _signed(message(FAKE_PLAIN, flags2=0xC005, uid=uid, tid=0x0800, mid=2), key, 2)
    (answer,) = run(conn, good)
    assert (answer.status, answer.blocks[0][1]) == (0, b"tree ok")
    assert answer.raw[14:22] == _signed(answer.raw, key, 3)[14:22]
    tampered = bytearray(_signed(message(FAKE_PLAIN, flags2=0xC005, uid=uid, tid=0x0800, mid=3), key, 4))
    tampered[-1] ^= 1  # changed after signing
    (refused,) = run(conn, bytes(tampered) + b"")
    assert refused.status == NtStatus.ACCESS_DENIED
    assert refused.raw[14:22] == _signed(refused.raw, key, 5)[14:22]
    # The counter moved on: the next properly signed request (sequence 6) is served.
    (again,) = run(conn, _signed(message(FAKE_PLAIN, flags2=0xC005, uid=uid, tid=0x0800, mid=4), key, 6))
    assert again.status == 0 and again.blocks[0][1] == b"tree ok"
    (bad_tid,) = run(conn, _signed(message(FAKE_PLAIN, flags2=0xC005, uid=uid, tid=0x0999, mid=5), key, 8))
    assert bad_tid.status == NtStatus.SMB_BAD_TID


def test_a_fault_rule_for_an_smb2_command_name_fires_on_its_smb1_twin() -> None:
    # One faults file for both dialects: `command: ECHO` answers SMB1 ECHO too, then runs out.
    config = build_config("win2000", overrides=["smb.dialects="],
                          faults=[{"command": "ECHO", "status": "STATUS_INSUFFICIENT_RESOURCES", "times": 1}])
    conn = Connection(config)
    run(conn, negotiate_request("NT LM 0.12"))
    (refused,) = run(conn, message(0x2B, struct.pack("<H", 1), b"x"))
    assert refused.status == NtStatus.INSUFFICIENT_RESOURCES
    (served,) = run(conn, message(0x2B, struct.pack("<H", 1), b"x"))
    assert served.status == 0 and served.blocks[0][1] == b"x"


def test_a_request_with_the_reply_flag_and_a_stale_status_is_served(conn: Connection) -> None:
    # nmap's smb.lua sends its second SESSION_SETUP_ANDX with the server's response header
    # (REPLY set, the old Status); Windows answers it, so the engine looks at neither.
    run(conn, negotiate_request("NT LM 0.12"))
    request = bytearray(message(0x2B, struct.pack("<H", 1), b"x"))
    request[9] |= 0x80
    request[5:9] = struct.pack("<I", 0xC0000016)
    (answer,) = run(conn, bytes(request))
    assert answer.status == 0 and answer.blocks[0][1] == b"x" and not conn.closed


def test_an_error_to_a_secondary_transaction_is_a_transaction_response(conn: Connection) -> None:
    # MS-CIFS 2.2.4.34.2: there is no TRANSACTION_SECONDARY response; its error comes back as a
    # TRANSACTION (0x25) response (here: no such UID).
    run(conn, negotiate_request("NT LM 0.12"))
    (answer,) = run(conn, message(0x26, bytes(16), uid=0x0900))
    assert (answer.command, answer.status) == (0x25, NtStatus.SMB_BAD_UID)
    (answer,) = run(conn, message(0x33, bytes(18), uid=0x0900))
    assert (answer.command, answer.status) == (0x32, NtStatus.SMB_BAD_UID)
