"""The sans-I/O Connection fed plain bytes: framing, NEGOTIATE, credits, compounds, errors.

No sockets: requests are built by hand from the MS-SMB2 layouts and the answers parsed back.
"""

from __future__ import annotations

import struct
from typing import Any

import pytest

from helpers import build_config  # a pre-Vista profile also offers SMB 2.0.2 (the SMB2 lab convenience)
from smbemu.connection import Connection
from smbemu.dialects import Dialect
from smbemu.smb2.constants import Cipher, Command, SigningAlgorithm
from smbemu.status import NtStatus

from smb2raw import RELATED, frame, negotiate_body, request, responses


@pytest.fixture(scope="module")
def config_2016() -> Any:
    return build_config("win2016")


@pytest.fixture(scope="module")
def config_2000() -> Any:
    return build_config("win2000")


def negotiated(config: Any, dialects: tuple[int, ...] = (0x0202, 0x0210)) -> Connection:
    conn = Connection(config)
    (answer,) = responses(conn.receive_data(frame(request(Command.NEGOTIATE, negotiate_body(dialects), credits=10))))
    assert answer["status"] == NtStatus.SUCCESS
    return conn


def test_negotiate_picks_the_highest_common_dialect(config_2016: Any) -> None:
    conn = Connection(config_2016)
    (answer,) = responses(conn.receive_data(frame(request(Command.NEGOTIATE, negotiate_body((0x0202, 0x0210, 0x0300))))))
    assert answer["status"] == 0 and answer["flags"] & 1  # SMB2_FLAGS_SERVER_TO_REDIR
    structure_size, security_mode, dialect, _, guid, capabilities, max_transact = struct.unpack_from(
        "<HHHH16sII", answer["body"], 0
    )
    assert structure_size == 65
    assert dialect == Dialect.SMB_3_0
    assert guid == config_2016.server_guid
    assert security_mode & 1  # signing enabled always (MS-SMB2 3.3.5.4)
    assert capabilities & 0x4 and capabilities & 0x40  # LARGE_MTU; ENCRYPTION because the client (0x7F) has it
    assert max_transact == 8 * 1024 * 1024
    # The SPNEGO hint follows the fixed part.
    offset, length = struct.unpack_from("<HH", answer["body"], 56)
    blob = answer["body"][offset - 64 : offset - 64 + length]
    assert blob.startswith(b"\x60") and b"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a" in blob


def test_negotiate_311_contexts(config_2016: Any) -> None:
    conn = Connection(config_2016)
    preauth = struct.pack("<HHH", 1, 32, 1) + b"S" * 32
    ciphers = struct.pack("<HHH", 2, Cipher.AES_128_CCM, Cipher.AES_128_GCM)
    signing = struct.pack("<HHH", 2, SigningAlgorithm.AES_CMAC, SigningAlgorithm.AES_GMAC)
    body = negotiate_body((0x0202, 0x0311), [(1, preauth), (2, ciphers), (8, signing)])
    (answer,) = responses(conn.receive_data(frame(request(Command.NEGOTIATE, body))))
    assert answer["status"] == 0
    dialect, context_count = struct.unpack_from("<HH", answer["body"], 4)
    # 2016 knows no SMB2_SIGNING_CAPABILITIES (2022 / 11 do: test_identity_negotiate.py): no answer
    # to it, and AES-CMAC signing.
    assert (dialect, context_count) == (0x0311, 2)
    assert conn.smb2.cipher == Cipher.AES_128_GCM  # Windows' preference
    assert conn.smb2.signing_algorithm == SigningAlgorithm.AES_CMAC
    assert len(conn.smb2.preauth_hash) == 64 and conn.smb2.preauth_hash != bytes(64)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (negotiate_body((0x0311,)), NtStatus.INVALID_PARAMETER),  # 3.1.1 without a preauth context
        (negotiate_body(()), NtStatus.INVALID_PARAMETER),  # DialectCount 0
        (negotiate_body((0x0400,)), NtStatus.NOT_SUPPORTED),  # nothing in common
    ],
)
def test_negotiate_errors(config_2016: Any, body: bytes, status: int) -> None:
    conn = Connection(config_2016)
    (answer,) = responses(conn.receive_data(frame(request(Command.NEGOTIATE, body))))
    assert answer["status"] == status
    assert not conn.closed


def test_profile_limits_the_dialects(config_2000: Any) -> None:
    conn = Connection(config_2000)
    (answer,) = responses(conn.receive_data(frame(request(Command.NEGOTIATE, negotiate_body((0x0202, 0x0300))))))
    assert struct.unpack_from("<H", answer["body"], 4)[0] == 0x0202


def test_anything_before_negotiate_closes(config_2016: Any) -> None:
    conn = Connection(config_2016)
    assert conn.receive_data(frame(request(Command.ECHO, b"\x04\x00\x00\x00"))) == []
    assert conn.closed


def test_frames_may_arrive_in_pieces(config_2016: Any) -> None:
    conn = Connection(config_2016)
    data = frame(request(Command.NEGOTIATE, negotiate_body((0x0210,))))
    out = []
    for index in range(len(data)):
        out += conn.receive_data(data[index : index + 1])
    assert len(responses(out)) == 1


def test_unrelated_compound_is_answered_as_a_compound(config_2016: Any) -> None:
    conn = negotiated(config_2016)
    echo = b"\x04\x00\x00\x00"
    out = conn.receive_data(frame(request(Command.ECHO, echo, message_id=1), request(Command.ECHO, echo, message_id=2)))
    assert len(out) == 1  # one frame
    first, second = responses(out)
    assert first["next"] % 8 == 0 and first["next"] > 0 and second["next"] == 0
    assert (first["message_id"], second["message_id"]) == (1, 2)
    assert first["status"] == second["status"] == 0


def test_first_request_marked_related_is_invalid(config_2016: Any) -> None:
    conn = negotiated(config_2016)
    (answer,) = responses(conn.receive_data(frame(request(Command.ECHO, b"\x04\x00\x00\x00", message_id=1, flags=RELATED))))
    assert answer["status"] == NtStatus.INVALID_PARAMETER


def test_related_compound_inherits_the_session(config_2016: Any) -> None:
    """MS-SMB2 3.3.5.2.7.2: a related request uses the previous one's SessionId; here that
    session does not exist, so both fail with the same status and the connection goes on."""
    conn = negotiated(config_2016)
    tree = request(Command.TREE_CONNECT, struct.pack("<HHHH", 9, 0, 72, 2) + b"x\x00", message_id=1, session_id=77)
    logoff = request(Command.LOGOFF, b"\x04\x00\x00\x00", message_id=2, flags=RELATED)
    first, second = responses(conn.receive_data(frame(tree, logoff)))
    assert first["status"] == second["status"] == NtStatus.USER_SESSION_DELETED
    assert second["session_id"] == 77
    assert not conn.closed


@pytest.mark.parametrize(
    ("command", "body"),
    [
        (0x0099, b"\x04\x00\x00\x00"),  # no such command
        (Command.ECHO, b"\x05\x00\x00\x00"),  # wrong StructureSize
        (Command.SESSION_SETUP, b"\x19\x00"),  # body shorter than its fixed part
    ],
)
def test_malformed_requests_get_invalid_parameter(config_2016: Any, command: int, body: bytes) -> None:
    conn = negotiated(config_2016)
    (answer,) = responses(conn.receive_data(frame(request(command, body, message_id=1))))
    assert answer["status"] == NtStatus.INVALID_PARAMETER
    assert answer["body"] == b"\x09\x00\x00\x00\x00\x00\x00\x00\x00"  # MS-SMB2 2.2.2 ERROR
    assert not conn.closed


def test_session_setup_with_garbage_token(config_2016: Any) -> None:
    conn = negotiated(config_2016)
    token = b"\x60\x03garbage"
    body = struct.pack("<HBBIIHHQ", 25, 0, 1, 0, 0, 64 + 24, len(token), 0) + token
    (answer,) = responses(conn.receive_data(frame(request(Command.SESSION_SETUP, body, message_id=1))))
    assert answer["status"] == NtStatus.INVALID_PARAMETER
    assert conn.sessions == {}  # a failed first leg leaves no session behind


def test_credits_are_granted_and_enforced(config_2016: Any) -> None:
    conn = negotiated(config_2016)  # NEGOTIATE asked for 10 credits...
    assert conn.smb2.window_high - conn.smb2.window_low == 1  # ...and got 1, as Windows grants
    echo = b"\x04\x00\x00\x00"
    (answer,) = responses(conn.receive_data(frame(request(Command.ECHO, echo, message_id=1, credits=10))))
    assert answer["credits"] == 10 and conn.smb2.window_high - conn.smb2.window_low == 10
    (answer,) = responses(conn.receive_data(frame(request(Command.ECHO, echo, message_id=5, credits=3))))
    assert answer["credits"] == 3  # out of order inside the window is fine
    conn.receive_data(frame(request(Command.ECHO, echo, message_id=5)))  # ...but not twice
    assert conn.closed and "reused" in conn.close_reason


def test_message_id_beyond_the_window_closes(config_2016: Any) -> None:
    conn = negotiated(config_2016)
    conn.receive_data(frame(request(Command.ECHO, b"\x04\x00\x00\x00", message_id=1000)))
    assert conn.closed


def test_cancel_is_never_answered(config_2016: Any) -> None:
    conn = negotiated(config_2016)
    assert conn.receive_data(frame(request(Command.CANCEL, b"\x04\x00\x00\x00", message_id=99))) == []
    assert not conn.closed


def _smb1_negotiate(*dialects: bytes) -> bytes:
    data = b"".join(b"\x02" + d + b"\x00" for d in dialects)
    header = struct.pack("<4sBIBHH8sHHHHH", b"\xffSMB", 0x72, 0, 0x18, 0xC853, 0, bytes(8), 0, 0xFEFF, 0, 0, 0)
    message = header + b"\x00" + struct.pack("<H", len(data)) + data
    return struct.pack(">I", len(message)) + message


def test_smb1_multiprotocol_negotiate_gets_smb2_wildcard(config_2016: Any) -> None:
    conn = Connection(config_2016)
    (answer,) = responses(conn.receive_data(_smb1_negotiate(b"NT LM 0.12", b"SMB 2.002", b"SMB 2.???")))
    assert struct.unpack_from("<H", answer["body"], 4)[0] == 0x02FF  # MS-SMB2 3.3.5.3.1
    assert not conn.smb2.negotiated
    (second,) = responses(conn.receive_data(frame(request(Command.NEGOTIATE, negotiate_body((0x0202, 0x0210)), message_id=1))))
    assert struct.unpack_from("<H", second["body"], 4)[0] == 0x0210


def test_smb1_negotiate_for_smb2_002_only(config_2000: Any) -> None:
    conn = Connection(config_2000)
    (answer,) = responses(conn.receive_data(_smb1_negotiate(b"NT LM 0.12", b"SMB 2.002")))
    assert struct.unpack_from("<H", answer["body"], 4)[0] == 0x0202
    assert conn.smb2.negotiated and conn.smb2.dialect == 0x0202


def test_smb1_only_client_is_dropped_where_smb1_is_off() -> None:
    # Server 2019 does not install SMB1: an SMB1-only NEGOTIATE gets no answer at all (no
    # "no dialect" reply, which is Samba's signature to nmap -sV), and the connection closes.
    conn = Connection(build_config("win2019"))
    assert conn.receive_data(_smb1_negotiate(b"NT LM 0.12")) == []
    assert conn.closed and "SMB1 is off" in conn.close_reason


def test_smb1_only_client_gets_nt_lm_012_where_smb1_is_on(config_2016: Any) -> None:
    conn = Connection(config_2016)
    (data,) = conn.receive_data(_smb1_negotiate(b"PC NETWORK PROGRAM 1.0", b"NT LM 0.12"))
    assert data[4:9] == b"\xffSMBr" and struct.unpack_from("<H", data, 4 + 33)[0] == 1  # DialectIndex
    assert not conn.closed and conn.smb1 is not None and conn.smb1.negotiated


def _echo_stream(count: int) -> bytes:
    echo = struct.pack("<HH", 4, 0)
    return b"".join(frame(request(Command.ECHO, echo, message_id=mid, credits=4)) for mid in range(1, count + 1))


@pytest.mark.parametrize("piece", [1, 3, 67, 68, 69, 1000])
def test_frames_cut_anywhere_get_the_same_answers(config_2000: Any, piece: int) -> None:
    """TCP delivers bytes, not frames: five ECHO frames fed `piece` bytes at a time (a length
    prefix cut in two, several frames and a partial one in one read) are answered exactly as when
    fed whole, in order, and nothing is left buffered at the end."""
    stream = _echo_stream(5)
    whole = negotiated(config_2000)
    expected = responses(whole.receive_data(stream))
    cut = negotiated(config_2000)
    answers: list[bytes] = []
    size = len(stream) // 5
    for start in range(0, len(stream), piece):
        answers += cut.receive_data(stream[start : start + piece])
        fed = min(start + piece, len(stream))
        assert cut.has_partial_frame == (fed % size != 0)
        assert len(responses(answers)) == fed // size  # each frame is answered as soon as it is whole
    assert [(a["message_id"], a["status"], a["body"]) for a in responses(answers)] == [
        (a["message_id"], a["status"], a["body"]) for a in expected
    ] and [a["message_id"] for a in expected] == [1, 2, 3, 4, 5]
    assert not cut.has_partial_frame and cut.frames_received == whole.frames_received == 6
