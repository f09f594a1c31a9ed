"""A sans-I/O SMB2 client for in-process tests and benchmarks: one `Connection` with an anonymous
session, an IPC$ tree and a bound srvsvc pipe, and the request bodies it sends (MS-SMB2 2.2)."""

from __future__ import annotations

import struct
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/ for smb2raw

# helpers.build_config: a pre-Vista profile also offers SMB 2.0.2 (the SMB2 lab convenience).
from helpers import build_config  # noqa: E402
from smbemu.connection import Connection  # noqa: E402

from smb2raw import frame, negotiate_body, request, responses  # noqa: E402

# The same bytes benchmarks/loadgen.py sends (impacket's anonymous logon, rpcclient's srvsvc calls).
SPNEGO_NEGOTIATE = bytes.fromhex(
    "604006062b0601050502a0363034a00e300c060a2b06010401823702020aa22204204e544c4d5353500001000000"
    "050288a000000000000000000000000000000000")
SPNEGO_AUTH_ANON = bytes.fromhex(
    "a1473045a24304414e544c4d5353500003000000010001004000000000000000410000000000000040000000000000"
    "0040000000000000004000000000000000410000000502888000")
SRVSVC_BIND = bytes.fromhex(
    "05000b03100000004800000001000000b810b810000000000100000000000100c84f324b7016d30112785a47bf6ee188"
    "03000000045d888aeb1cc9119fe808002b10486002000000")
SHARE_ENUM_L1 = bytes.fromhex(
    "050000031000000058000000020000004000000000000f00000002000a000000000000000a0000003100320037002e00"
    "30002e0030002e00310000000100000001000000040002000000000000000000ffffffff00000000")

ECHO, SESSION_SETUP, LOGOFF, TREE_CONNECT, TREE_DISCONNECT = 13, 1, 2, 3, 4
CREATE, CLOSE, READ, WRITE, IOCTL = 5, 6, 8, 9, 11
FSCTL_PIPE_TRANSCEIVE = 0x0011C017
IPC_PATH = "\\\\127.0.0.1\\IPC$".encode("utf-16-le")
PIPE_NAME = "srvsvc".encode("utf-16-le")


class Client:
    """One Connection with an anonymous session, an IPC$ tree and a bound srvsvc pipe."""

    def __init__(self, config: Any = None) -> None:
        self.conn = Connection(config if config is not None else build_config("win2000"))
        self.message_id = 0
        self.session_id = 0
        self.tree_id = 0
        self.send(0, negotiate_body((0x0202, 0x0210)))
        first = self.session_setup(SPNEGO_NEGOTIATE)
        self.session_id = first["session_id"]
        self.session_setup(SPNEGO_AUTH_ANON)
        self.tree_id = self.send(TREE_CONNECT, self.tree_connect_body())["tree_id"]
        self.file_id = bytes(self.send(CREATE, self.create_body())["body"][64:80])
        self.send(WRITE, self.write_body(SRVSVC_BIND))
        self.send(READ, self.read_body())

    def frame(self, command: int, body: bytes) -> bytes:
        message = request(command, body, message_id=self.message_id, credits=1,
                          session_id=self.session_id, tree_id=self.tree_id)
        self.message_id += 1
        return frame(message)

    def send(self, command: int, body: bytes) -> dict[str, Any]:
        (answer,) = responses(self.conn.receive_data(self.frame(command, body)))
        assert answer["status"] in (0, 0xC0000016), hex(answer["status"])  # SUCCESS, MORE_PROCESSING_REQUIRED
        if command == TREE_CONNECT:
            answer["tree_id"] = max(self.conn.sessions[self.session_id].tree_connects)
        return answer

    def session_setup(self, token: bytes) -> dict[str, Any]:
        return self.send(SESSION_SETUP, self.setup_body(token))

    @staticmethod
    def setup_body(token: bytes) -> bytes:
        return struct.pack("<HBBIIHHQ", 25, 0, 1, 0, 0, 64 + 24, len(token), 0) + token

    @staticmethod
    def tree_connect_body() -> bytes:
        return struct.pack("<HHHH", 9, 0, 72, len(IPC_PATH)) + IPC_PATH

    @staticmethod
    def create_body() -> bytes:
        return struct.pack("<HBBIQQIIIIIHHII", 57, 0, 0, 2, 0, 0, 0x0012019F, 0, 3, 1, 0x40, 64 + 56,
                           len(PIPE_NAME), 0, 0) + PIPE_NAME

    def write_body(self, data: bytes) -> bytes:
        return struct.pack("<HHIQ16sIIHHI", 49, 64 + 48, len(data), 0, self.file_id, 0, 0, 0, 0, 0) + data

    def read_body(self) -> bytes:
        return struct.pack("<HBBIQ16sIIIHH", 49, 0, 0, 4280, 0, self.file_id, 0, 0, 0, 0, 0) + b"\x00"

    def ioctl_body(self, data: bytes) -> bytes:
        return struct.pack("<HHI16sIIIIIIII", 57, 0, FSCTL_PIPE_TRANSCEIVE, self.file_id, 64 + 56, len(data), 0,
                           0, 0, 4280, 1, 0) + data
