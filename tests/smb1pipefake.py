"""A small fake SMB1 engine (`FakeView`: smbemu.smb1.context.Smb1View as the pipe commands use
it) and SMB1 pipe requests built byte by byte from MS-CIFS 2.2, for tests/unit/smb1/test_pipes*.py."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import pytest

from smbemu.builder import build_config
from smbemu.errors import SmbStatusError
from smbemu.pipeio import PendingRead, PipeReads
from smbemu.principal import Principal, PrincipalKind
from smbemu.smb1 import nt_create, write
from smbemu.state import Open, Session, SessionState, TreeConnect
from smbemu.status import NtStatus

FLAGS2_UNICODE = 0x8000
ALICE = Principal(PrincipalKind.USER, "alice", "CORP", sid="S-1-5-21-1-2-3-1104")
_CONFIGS: dict[str, Any] = {}


def config_for(profile: str) -> Any:
    if profile not in _CONFIGS:
        _CONFIGS[profile] = build_config(profile)
    return _CONFIGS[profile]


class Header:
    """The request header fields handlers and NT_CANCEL read (smbemu.smb1.layouts.header.Header)."""

    def __init__(self, uid: int, tid: int, mid: int, pid: int, flags2: int) -> None:
        self.uid, self.tid, self.mid, self.flags2 = uid, tid, mid, flags2
        self.pid_low, self.pid_high = pid & 0xFFFF, pid >> 16

    @property
    def pid(self) -> int:
        return self.pid_high << 16 | self.pid_low


class Request:
    """What the engine hands a handler (smbemu.smb1.context.Smb1Request), for one command at the
    start of a message: header, WordCount, [AndX block], words, ByteCount, data."""

    def __init__(self, command: int, words: bytes, data: bytes = b"", *, andx: bool = False, unicode: bool = True,
                 session: Session | None = None, tree: TreeConnect | None = None, mid: int = 1,
                 pid: int = 0x1234, tail: bytes = b"") -> None:
        andx_block = b"\xff\x00\x00\x00" if andx else b""
        self.header = Header(0x0800, 0x0800, mid, pid, FLAGS2_UNICODE if unicode else 0)
        self.command = command
        self.words_offset = 32 + 1 + len(andx_block)
        self.data_offset = self.words_offset + len(words) + 2
        raw = bytes(32) + bytes([(len(andx_block) + len(words)) // 2]) + andx_block + words
        raw += struct.pack("<H", len(data)) + data + tail
        self.raw = memoryview(raw)
        self.words = self.raw[self.words_offset : self.words_offset + len(words)]
        self.data = self.raw[self.data_offset : self.data_offset + len(data)]
        self.session, self.tree, self.unicode, self.andx = session, tree, unicode, andx
        self.uid, self.tid = 0x0800, 0x0800
        self.response_uid = self.response_tid = None
        self.status = 0
        self.response_offset = 32
        self.response_word_count: int | None = None
        self.response_command: int | None = None


class Pending:
    def __init__(self, header: Header, finish: Callable[[int, bytes], tuple[bytes, bytes]]) -> None:
        self.header, self.finish = header, finish

    def named_by(self, header: Header) -> bool:
        mine = self.header
        return (mine.mid, mine.pid_low, mine.pid_high, mine.uid) == (header.mid, header.pid_low, header.pid_high,
                                                                      header.uid)


class FakeView:
    """The engine as the pipe handlers use it (smbemu.smb1.context.Smb1View)."""

    def __init__(self, profile: str = "win2000", principal: Principal = ALICE, max_buffer: int = 16644) -> None:
        self.config = config_for(profile)
        self.peer = ("192.0.2.7", 50000)
        self.local = ("192.0.2.1", 445)
        self.client_capabilities = 0
        self.client_max_buffer_size = max_buffer
        self.max_buffer_size = 16644
        self.session = Session(session_id=0x0800, state=SessionState.VALID, principal=principal)
        self.tree = TreeConnect(tree_id=0x0800, share_name="IPC$", is_ipc=True)
        self.session.tree_connects[0x0800] = self.tree
        self.sessions = {0x0800: self.session}
        self.answers: list[tuple[int, tuple[bytes, bytes] | None]] = []
        self.extra: list[tuple[bytes, bytes]] = []
        self.pipe_reads: PipeReads[Pending] = PipeReads(self._answer)
        self._fid = 0x4000

    def new_fid(self) -> int:
        self._fid += 1
        return self._fid

    def find_open(self, req: Any, fid: int) -> Open:
        open_ = self.session.opens.get(fid)
        if open_ is None:
            raise SmbStatusError(NtStatus.INVALID_HANDLE, "unknown FID")
        return open_

    def park(self, req: Any, open_: Open, length: int, finish: Callable[[int, bytes], tuple[bytes, bytes]]) -> None:
        self.pipe_reads.park(open_, length, Pending(req.header, finish))

    def send_more(self, req: Any, replies: list[tuple[bytes, bytes]]) -> None:
        self.extra.extend(replies)

    def _answer(self, pending: PendingRead[Pending], status: int, data: bytes | None) -> None:
        body = pending.request.finish(status, data or b"") if status < 0xC0000000 else None
        self.answers.append((status, body))

    def request(self, command: int, words: bytes, data: bytes = b"", **kwargs: Any) -> Request:
        return Request(command, words, data, session=self.session, tree=self.tree, **kwargs)


# ----------------------------------------------------------------------------- request builders
def nt_create_words(name_length: int, flags: int = 0x16, access: int = 0x0002019F) -> bytes:
    """MS-CIFS 2.2.4.64.1 words after the AndX block."""
    return struct.pack("<BHIIIQIIIIIB", 0, name_length, flags, 0, access, 0, 0, 3, 1, 0, 2, 0)


def unicode_name(name: str) -> bytes:
    # Data starts at an odd offset (32 + 1 + 48 + 2 = 83): one pad byte, then UTF-16LE with a NUL.
    return b"\x00" + (name + "\x00").encode("utf-16-le")


def open_pipe(view: FakeView, name: str = "\\srvsvc", flags: int = 0) -> int:
    encoded = unicode_name(name)
    words, _ = nt_create.handle(view, view.request(0xA2, nt_create_words(len(encoded) - 1, flags), encoded, andx=True))
    return int(struct.unpack_from("<H", words, 1)[0])


def write_words(fid: int, length: int, data_offset: int, mode: int = 0, large: bool = False) -> bytes:
    words = struct.pack("<HIIHHHHH", fid, 0, 0, mode, length, 0, length, data_offset)
    return words + (struct.pack("<I", 0) if large else b"")


def write_pipe(view: FakeView, fid: int, payload: bytes, mode: int = 0, large: bool = False) -> bytes:
    word_bytes = 24 if large else 20
    data_offset = 32 + 1 + 4 + word_bytes + 2 + 1  # one pad byte before the data, as clients send
    words, _ = write.handle(view, view.request(
        0x2F, write_words(fid, len(payload), data_offset, mode, large), b"\x00" + payload, andx=True))
    return words


def read_words(fid: int, max_count: int, large: bool = False, timeout: int = 0) -> bytes:
    return struct.pack("<HIHHIH", fid, 0, max_count, max_count, timeout, 0) + (struct.pack("<I", 0) if large else b"")


def read_data(reply: tuple[bytes, bytes], response_offset: int = 32) -> bytes:
    words, data = reply
    _, _, _, length, offset, high = struct.unpack_from("<HHHHHH", words)
    start = response_offset + 1 + 4 + len(words) + 2
    return data[offset - start : offset - start + (length | high << 16)]


def trans_words(setup: tuple[int, ...], *, params: int, data: int, param_offset: int, data_offset: int,
                max_data: int = 4280, max_params: int = 0, total_params: int | None = None,
                total_data: int | None = None) -> bytes:
    fixed = struct.pack(
        "<HHHHBBHIHHHHHBB",
        params if total_params is None else total_params, data if total_data is None else total_data,
        max_params, max_data, 0, 0, 0, 0, 0, params, param_offset, data, data_offset, len(setup), 0,
    )
    return fixed + b"".join(struct.pack("<H", value) for value in setup)


def trans_request(view: FakeView, setup: tuple[int, ...], *, name: str = "\\PIPE\\", params: bytes = b"",
                  data: bytes = b"", max_data: int = 4280, max_params: int = 0, command: int = 0x25,
                  total_params: int | None = None, total_data: int | None = None, mid: int = 1) -> Request:
    """A TRANSACTION (or TRANSACTION2, without a name) with the parameters and data in one message."""
    word_bytes = 28 + 2 * len(setup)
    data_start = 32 + 1 + word_bytes + 2
    name_bytes = b""
    if command == 0x25:
        name_bytes = (b"\x00" if data_start % 2 else b"") + (name + "\x00").encode("utf-16-le")
    param_offset = data_start + len(name_bytes)
    param_offset += -param_offset % 4
    data_offset = param_offset + len(params)
    data_offset += -data_offset % 4
    body = name_bytes.ljust(param_offset - data_start, b"\x00") + params
    body = body.ljust(data_offset - data_start, b"\x00") + data
    words = trans_words(setup, params=len(params), data=len(data), param_offset=param_offset,
                        data_offset=data_offset, max_data=max_data, max_params=max_params,
                        total_params=total_params, total_data=total_data)
    return view.request(command, words, body, mid=mid)


def trans_result(reply: tuple[bytes, bytes], response_offset: int = 32) -> tuple[bytes, bytes, tuple[int, ...]]:
    """(parameters, data, (total params, total data, param displacement, data displacement))."""
    words, body = reply
    (total_params, total_data, _, param_count, param_offset, param_disp, data_count, data_offset, data_disp,
     setup_count, _) = struct.unpack_from("<HHHHHHHHHBB", words)
    start = response_offset + 1 + len(words) + 2
    params = body[param_offset - start : param_offset - start + param_count] if param_count else b""
    data = body[data_offset - start : data_offset - start + data_count] if data_count else b""
    return params, data, (total_params, total_data, param_disp, data_disp)


def status_of(excinfo: pytest.ExceptionInfo[SmbStatusError]) -> int:
    return int(excinfo.value.status)
