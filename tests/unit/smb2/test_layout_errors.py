"""Malformed bodies at the message boundary, command by command, through the sans-I/O Connection.

A body cut short, a Buffer that starts inside the fixed part or runs past the body: STATUS_INVALID_PARAMETER
with the ERROR body (MS-SMB2 2.2.2), and the connection stays up. A body with bytes after what its
fields describe (oversized) is answered as the same body without them. These statuses are the ones
the struct implementation gave before the construct declarations (smbemu.smb2.layouts) replaced it.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sansio_client import (  # noqa: E402
    CLOSE,
    CREATE,
    ECHO,
    FSCTL_PIPE_TRANSCEIVE,
    IOCTL,
    IPC_PATH,
    LOGOFF,
    PIPE_NAME,
    READ,
    SESSION_SETUP,
    SHARE_ENUM_L1,
    SPNEGO_AUTH_ANON,
    SPNEGO_NEGOTIATE,
    TREE_CONNECT,
    TREE_DISCONNECT,
    WRITE,
    Client,
)

# helpers.build_config: a pre-Vista profile also offers SMB 2.0.2 (the SMB2 lab convenience).
from helpers import build_config  # noqa: E402
from smbemu.connection import Connection  # noqa: E402
from smbemu.status import NtStatus  # noqa: E402

from smb2raw import (
    negotiate_body,  # noqa: E402
    responses,  # noqa: E402  (sansio_client puts tests/ on the path)
)

INVALID = NtStatus.INVALID_PARAMETER
ERROR_BODY = b"\x09\x00\x00\x00\x00\x00\x00\x00\x00"
QUERY_INFO, FLUSH, LOCK, QUERY_DIRECTORY, SET_INFO = 16, 7, 10, 14, 17
FSCTL_PIPE_WAIT = 0x00110018


@pytest.fixture(scope="module")
def config() -> Any:
    return build_config("win2000")


@pytest.fixture
def client(config: Any) -> Client:
    return Client(config)


def answer(client: Client, command: int, body: bytes) -> dict[str, Any]:
    (reply,) = responses(client.conn.receive_data(client.frame(command, body)))
    assert not client.conn.closed
    return reply


def setup_body(client: Client) -> bytes:
    return client.setup_body(SPNEGO_NEGOTIATE)


def close_body(client: Client) -> bytes:
    return struct.pack("<HHI16s", 24, 0, 0, client.file_id)


def query_info_body(client: Client) -> bytes:
    return struct.pack("<HBBIHHIII16s", 41, 1, 5, 4096, 0, 0, 0, 0, 0, client.file_id)


def pipe_wait_body(client: Client) -> bytes:
    wait = struct.pack("<qIBB", 0, len(PIPE_NAME), 0, 0) + PIPE_NAME
    return struct.pack("<HHI16sIIIIIIII", 57, 0, FSCTL_PIPE_WAIT, b"\xff" * 16, 120, len(wait), 0, 0, 0, 4280, 1, 0) + wait


# command, body builder, the fixed part's size, the status of the well-formed body
WELL_FORMED: list[tuple[str, int, Callable[[Client], bytes], int, int]] = [
    ("SESSION_SETUP", SESSION_SETUP, setup_body, 24, NtStatus.MORE_PROCESSING_REQUIRED),
    ("TREE_CONNECT", TREE_CONNECT, lambda c: c.tree_connect_body(), 8, NtStatus.SUCCESS),
    ("CREATE", CREATE, lambda c: c.create_body(), 56, NtStatus.SUCCESS),
    ("CLOSE", CLOSE, close_body, 24, NtStatus.SUCCESS),
    ("WRITE", WRITE, lambda c: c.write_body(SHARE_ENUM_L1), 48, NtStatus.SUCCESS),
    ("READ", READ, lambda c: c.read_body(), 48, NtStatus.SUCCESS),
    ("IOCTL", IOCTL, lambda c: c.ioctl_body(SHARE_ENUM_L1), 56, NtStatus.SUCCESS),
    ("IOCTL_PIPE_WAIT", IOCTL, pipe_wait_body, 56, NtStatus.SUCCESS),
    ("QUERY_INFO", QUERY_INFO, query_info_body, 40, NtStatus.SUCCESS),
    ("ECHO", ECHO, lambda c: b"\x04\x00\x00\x00", 4, NtStatus.SUCCESS),
    ("FLUSH", FLUSH, close_body, 24, NtStatus.NOT_SUPPORTED),
    ("TREE_DISCONNECT", TREE_DISCONNECT, lambda c: b"\x04\x00\x00\x00", 4, NtStatus.SUCCESS),
    ("LOGOFF", LOGOFF, lambda c: b"\x04\x00\x00\x00", 4, NtStatus.SUCCESS),
]
IDS = [row[0] for row in WELL_FORMED]


@pytest.mark.parametrize(("name", "command", "body_of", "fixed", "status"), WELL_FORMED, ids=IDS)
def test_well_formed_and_oversized_bodies(client: Client, name: str, command: int, body_of: Callable[[Client], bytes],
                                          fixed: int, status: int) -> None:
    if name == "READ":
        answer(client, WRITE, client.write_body(SHARE_ENUM_L1))  # something to read
    if name == "SESSION_SETUP":
        client.session_id = 0  # each call starts a new session
    assert answer(client, command, body_of(client))["status"] == status
    if name == "CREATE" or name == "TREE_CONNECT" or name == "SESSION_SETUP":
        assert answer(client, command, body_of(client) + b"\xee" * 24)["status"] == status
    elif name == "READ":
        answer(client, WRITE, client.write_body(SHARE_ENUM_L1))
        assert answer(client, command, body_of(client) + b"\xee" * 24)["status"] == status
    elif name not in ("CLOSE", "TREE_DISCONNECT", "LOGOFF"):  # those end what they name
        assert answer(client, command, body_of(client) + b"\xee" * 24)["status"] == status


@pytest.mark.parametrize(("name", "command", "body_of", "fixed", "status"), WELL_FORMED, ids=IDS)
def test_truncated_bodies_are_invalid_parameter(client: Client, name: str, command: int,
                                                body_of: Callable[[Client], bytes], fixed: int, status: int) -> None:
    body = body_of(client)
    cuts = {0, 1, fixed - 1} | ({fixed, len(body) - 1} if len(body) > fixed + 1 else set())
    if name == "READ":
        cuts -= {fixed, len(body) - 1}  # READ's Buffer (channel info) is never read
    for cut in sorted(c for c in cuts if c >= 0):
        reply = answer(client, command, body[:cut])
        assert (reply["status"], reply["body"]) == (INVALID, ERROR_BODY), cut


def _with_u16(body: bytes, offset: int, value: int) -> bytes:
    return body[:offset] + struct.pack("<H", value) + body[offset + 2 :]


def _with_u32(body: bytes, offset: int, value: int) -> bytes:
    return body[:offset] + struct.pack("<I", value) + body[offset + 4 :]


# A Buffer whose offset points inside the fixed part, or whose length runs past the body.
BAD_BUFFERS: list[tuple[str, int, Callable[[Client], bytes]]] = [
    ("SESSION_SETUP inside", SESSION_SETUP, lambda c: _with_u16(setup_body(c), 12, 64 + 8)),
    ("SESSION_SETUP past", SESSION_SETUP, lambda c: _with_u16(setup_body(c), 14, 0x400)),
    ("SESSION_SETUP empty", SESSION_SETUP, lambda c: _with_u16(setup_body(c), 14, 0)),
    ("TREE_CONNECT inside", TREE_CONNECT, lambda c: _with_u16(c.tree_connect_body(), 4, 64)),
    ("TREE_CONNECT past", TREE_CONNECT, lambda c: _with_u16(c.tree_connect_body(), 6, len(IPC_PATH) + 2)),
    ("TREE_CONNECT odd", TREE_CONNECT, lambda c: _with_u16(c.tree_connect_body(), 6, len(IPC_PATH) - 1)),
    ("CREATE inside", CREATE, lambda c: _with_u16(c.create_body(), 44, 64 + 40)),
    ("CREATE past", CREATE, lambda c: _with_u16(c.create_body(), 46, len(PIPE_NAME) + 2)),
    ("CREATE odd", CREATE, lambda c: _with_u16(c.create_body(), 46, len(PIPE_NAME) - 1)),
    ("WRITE inside", WRITE, lambda c: _with_u16(c.write_body(SHARE_ENUM_L1), 2, 64 + 40)),
    ("WRITE past", WRITE, lambda c: _with_u32(c.write_body(SHARE_ENUM_L1), 4, len(SHARE_ENUM_L1) + 1)),
    ("IOCTL inside", IOCTL, lambda c: _with_u32(c.ioctl_body(SHARE_ENUM_L1), 24, 64 + 40)),
    ("IOCTL past", IOCTL, lambda c: _with_u32(c.ioctl_body(SHARE_ENUM_L1), 28, len(SHARE_ENUM_L1) + 1)),
    ("PIPE_WAIT name past", IOCTL, lambda c: pipe_wait_body(c)[:-2]),
]


@pytest.mark.parametrize(("name", "command", "body_of"), BAD_BUFFERS, ids=[row[0] for row in BAD_BUFFERS])
def test_buffers_outside_the_body_are_invalid_parameter(client: Client, name: str, command: int,
                                                        body_of: Callable[[Client], bytes]) -> None:
    reply = answer(client, command, body_of(client))
    assert (reply["status"], reply["body"]) == (INVALID, ERROR_BODY)


def test_an_empty_name_or_input_may_sit_anywhere(client: Client) -> None:
    """MS-SMB2 2.2.13 / 2.2.31: with no name (no input) the offset is not looked at."""
    no_name = _with_u16(_with_u16(client.create_body(), 46, 0), 44, 0)
    assert answer(client, CREATE, no_name)["status"] == NtStatus.OBJECT_NAME_NOT_FOUND
    no_input = _with_u32(_with_u32(client.ioctl_body(b""), 28, 0), 24, 0)
    assert answer(client, IOCTL, no_input)["status"] == NtStatus.SUCCESS


def test_unsupported_commands_do_not_read_their_bodies(client: Client) -> None:
    """FLUSH, LOCK, QUERY_DIRECTORY, SET_INFO on a pipe: NOT_SUPPORTED, even for a malformed body."""
    file_id = client.file_id
    lock_claims_two = struct.pack("<HHI16s", 48, 2, 0, file_id) + bytes(24)  # LockCount 2, one element
    name_past = struct.pack("<HBBI16sHHI", 33, 37, 0, 0, file_id, 96, 200, 65536) + b"*\x00"
    buffer_past = struct.pack("<HBBIHHI16s", 33, 1, 4, 400, 96, 0, 0, file_id) + bytes(4)
    for command, body in ((FLUSH, close_body(client)), (LOCK, lock_claims_two), (QUERY_DIRECTORY, name_past),
                          (SET_INFO, buffer_past)):
        assert answer(client, command, body)["status"] == NtStatus.NOT_SUPPORTED


def test_session_binding_is_refused_before_the_buffer_is_read(client: Client) -> None:
    """MS-SMB2 3.3.5.5.2: a binding request is REQUEST_NOT_ACCEPTED whatever its security buffer says."""
    binding = setup_body(client)
    binding = binding[:2] + b"\x01" + binding[3:]
    assert answer(client, SESSION_SETUP, _with_u16(binding, 14, 0x400))["status"] == NtStatus.REQUEST_NOT_ACCEPTED


def test_ioctl_transceive_answers_on_the_fast_path(client: Client) -> None:
    reply = answer(client, IOCTL, client.ioctl_body(SHARE_ENUM_L1))
    ctl_code, file_id = struct.unpack_from("<I16s", reply["body"], 4)
    assert (reply["status"], ctl_code, file_id) == (NtStatus.SUCCESS, FSCTL_PIPE_TRANSCEIVE, client.file_id)


class SessionOnly(Client):
    """A win2016 connection with an anonymous session and nothing else (anonymous may not open
    srvsvc there), on the dialects given."""

    def __init__(self, dialects: tuple[int, ...]) -> None:
        self.conn = Connection(build_config("win2016"))
        self.message_id = 0
        self.session_id = 0
        self.tree_id = 0
        preauth = struct.pack("<HHH", 1, 32, 1) + b"S" * 32
        self.send(0, negotiate_body(dialects, [(1, preauth)] if 0x0311 in dialects else None))
        first = self.session_setup(SPNEGO_NEGOTIATE)
        self.session_id = first["session_id"]
        self.session_setup(SPNEGO_AUTH_ANON)


def test_tree_connect_extension_is_read_on_311_only() -> None:
    """MS-SMB2 2.2.9.1: with SMB2_TREE_CONNECT_FLAG_EXTENSION_PRESENT on 3.1.1 the path is in the
    extension; on other dialects the flag is a reserved bit and the path is where PathOffset says."""
    client = SessionOnly((0x0202, 0x0311))
    extended = struct.pack("<HHHHIIH", 9, 4, 0, 0, 0, 10, len(IPC_PATH)) + IPC_PATH
    assert answer(client, TREE_CONNECT, extended)["status"] == NtStatus.SUCCESS
    assert answer(client, TREE_CONNECT, extended[:16])["status"] == INVALID
    assert answer(client, TREE_CONNECT, _with_u16(client.tree_connect_body(), 2, 4))["status"] == INVALID
    plain = SessionOnly((0x0202, 0x0302))
    assert answer(plain, TREE_CONNECT, _with_u16(plain.tree_connect_body(), 2, 4))["status"] == NtStatus.SUCCESS


def test_an_fsctl_on_an_unknown_file_id_is_file_closed_before_its_code_is_looked_at() -> None:
    """MS-SMB2 3.3.5.15: an FSCTL that needs an Open and names none is STATUS_FILE_CLOSED (impacket
    refuses to send one, so it is built here); on an open pipe, a code IPC$ does not serve is
    STATUS_INVALID_DEVICE_REQUEST."""
    client = Client()
    fsctl_get_compression = 0x0009003C  # a file-system control no pipe answers
    body = bytearray(client.ioctl_body(b""))
    struct.pack_into("<I", body, 4, fsctl_get_compression)
    conn = client.conn
    (known,) = responses(conn.receive_data(client.frame(IOCTL, bytes(body))))
    assert known["status"] == 0xC0000010  # STATUS_INVALID_DEVICE_REQUEST
    body[8:24] = b"\x11" * 16
    (unknown,) = responses(conn.receive_data(client.frame(IOCTL, bytes(body))))
    assert unknown["status"] == 0xC0000128  # STATUS_FILE_CLOSED
