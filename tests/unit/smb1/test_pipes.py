"""SMB1 pipe commands, sans-I/O, against a small fake engine (`FakeView`): NT_CREATE_ANDX,
OPEN_ANDX, READ_ANDX, WRITE_ANDX, CLOSE, TRANSACTION (named-pipe subcommands, multi-part
requests, split responses), TRANSACTION2 on IPC$ and NT_CANCEL. Requests are built byte by
byte from MS-CIFS 2.2; DCE/RPC is driven by impacket over the handlers."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import pytest
from impacket.dcerpc.v5 import srvs  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPC_v5  # type: ignore[import-untyped]
from impacket.dcerpc.v5.transport import DCERPCTransport  # type: ignore[import-untyped]

from smbemu.builder import build_config
from smbemu.errors import SmbStatusError
from smbemu.pipeio import PendingRead, PipeReads
from smbemu.principal import ANONYMOUS, Principal, PrincipalKind
from smbemu.smb1 import close, nt_cancel, nt_create, open_andx, read, trans2, transaction, write
from smbemu.state import Open, Session, SessionState, TreeConnect
from smbemu.status import NtStatus
from tests.pipeclient import bind_pdu

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


# ------------------------------------------------------------------------------------- opening
def test_nt_create_opens_a_served_pipe_with_the_windows_pipe_answer() -> None:
    view = FakeView()
    encoded = unicode_name("\\srvsvc")
    req = view.request(0xA2, nt_create_words(len(encoded) - 1, flags=0), encoded, andx=True)
    words, data = nt_create.handle(view, req)
    assert data == b"" and len(words) == 64  # WordCount 0x22 with the AndX block
    (oplock, fid, action) = struct.unpack_from("<BHI", words)
    attributes, = struct.unpack_from("<I", words, 39)
    resource_type, nmpipe_status, directory = struct.unpack_from("<HHB", words, 59)
    assert (oplock, action, attributes) == (0, 1, 0x80)
    assert (resource_type, nmpipe_status, directory) == (2, 0x05FF, 0)
    open_ = view.session.opens[fid]
    assert open_.pipe_name == "srvsvc" and open_.endpoint is not None


def test_nt_create_extended_response_is_fifty_words_under_a_word_count_of_42() -> None:
    view = FakeView()
    encoded = unicode_name("\\lsarpc")
    req = view.request(0xA2, nt_create_words(len(encoded) - 1, flags=0x16), encoded, andx=True)
    words, _ = nt_create.handle(view, req)
    assert len(words) + 4 == 100 and req.response_word_count == 42
    maximal, guest = struct.unpack_from("<II", words, 88)
    assert (maximal, guest) == (0x001F01FF, 0x0012019B)


@pytest.mark.parametrize("name", ["\\srvsvc", "srvsvc", "\\PIPE\\srvsvc", "\\pipe\\SRVSVC"])
def test_every_spelling_of_a_pipe_name_opens_it(name: str) -> None:
    view = FakeView()
    fid = open_pipe(view, name)
    assert view.session.opens[fid].pipe_name == "srvsvc"


def test_oem_names_are_read_without_a_pad() -> None:
    view = FakeView()
    name = b"\\wkssvc\x00"
    req = Request(0xA2, nt_create_words(len(name)), name, andx=True, unicode=False, session=view.session,
                  tree=view.tree)
    words, _ = nt_create.handle(view, req)
    assert view.session.opens[struct.unpack_from("<H", words, 1)[0]].pipe_name == "wkssvc"


def test_smb1_opens_and_calls_reach_the_observers_as_smb2_ones_do() -> None:
    """One enforcement point, one audit path: PipeOpen (the 5145) and RpcCall come from smbemu.ipc."""
    from smbemu import events

    view = FakeView()
    view.config = build_config("win2000")
    seen: list[Any] = []
    view.config.observers.subscribe(seen.append)
    fid = open_pipe(view)
    transaction.handle(view, trans_request(view, (0x0026, fid), data=bind_pdu()))
    opened = [event for event in seen if isinstance(event, events.PipeOpen)]
    assert len(opened) == 1 and opened[0].pipe == "srvsvc" and opened[0].share == "IPC$"
    assert opened[0].peer == view.peer and opened[0].decision.allowed
    assert opened[0].access_mask == 0x0002019F


def test_an_unknown_pipe_is_object_name_not_found() -> None:
    view = FakeView()
    with pytest.raises(SmbStatusError) as excinfo:
        open_pipe(view, "\\nosuchpipe")
    assert status_of(excinfo) == NtStatus.OBJECT_NAME_NOT_FOUND
    assert not view.session.opens and view._fid == 0x4000  # a refused open takes no FID


def test_anonymous_is_refused_a_pipe_outside_the_null_session_rules() -> None:
    # win2016 (windows-defaults.md §0 rules 3-4): samr refuses the anonymous caller at open.
    view = FakeView("win2016", ANONYMOUS)
    with pytest.raises(SmbStatusError) as excinfo:
        open_pipe(view, "\\samr")
    assert status_of(excinfo) == NtStatus.ACCESS_DENIED


def test_the_per_session_open_limit_holds_for_smb1() -> None:
    view = FakeView()
    view.config = build_config("win2000", limits={"max_opens_per_session": 2})
    open_pipe(view)
    open_pipe(view)
    with pytest.raises(SmbStatusError) as excinfo:
        open_pipe(view)
    assert status_of(excinfo) == NtStatus.INSUFFICIENT_RESOURCES


def test_open_andx_opens_a_pipe_by_its_pipe_path() -> None:
    view = FakeView()
    name = b"\\PIPE\\srvsvc\x00"
    words_in = struct.pack("<HHHHIHII4s", 0, 0x0042, 0, 0, 0, 1, 0, 0, bytes(4))
    req = Request(0x2D, words_in, name, andx=True, unicode=False, session=view.session, tree=view.tree)
    words, _ = open_andx.handle(view, req)
    assert len(words) == 26  # WordCount 0x0F with the AndX block
    fid, _, _, _, access, resource_type, nmpipe_status, results = struct.unpack_from("<HHIIHHHH", words)
    assert (access, resource_type, nmpipe_status, results) == (2, 2, 0x05FF, 1)
    assert view.session.opens[fid].pipe_name == "srvsvc"


# ------------------------------------------------------------------------------- read and write
def test_write_then_read_returns_the_bind_ack_in_message_mode() -> None:
    view = FakeView()
    fid = open_pipe(view)
    words = write_pipe(view, fid, bind_pdu())
    assert struct.unpack_from("<HHHH", words) == (len(bind_pdu()), 0, 0, 0)
    req = view.request(0x2E, read_words(fid, 4280), andx=True)
    reply = read.handle(view, req)
    assert reply is not None and req.status == 0
    ack = read_data(reply)
    assert ack[2] == 12  # bind_ack
    assert struct.unpack_from("<H", reply[0], 8)[0] == 60  # DataOffset: after one pad byte


def test_a_short_read_gets_buffer_overflow_and_the_rest_stays() -> None:
    view = FakeView()
    fid = open_pipe(view)
    write_pipe(view, fid, bind_pdu())
    req = view.request(0x2E, read_words(fid, 16), andx=True)
    first = read_data(read.handle(view, req))  # type: ignore[arg-type]
    assert req.status == NtStatus.BUFFER_OVERFLOW and len(first) == 16
    req = view.request(0x2E, read_words(fid, 4280, large=True), andx=True)  # WordCount 12 too
    rest = read_data(read.handle(view, req))  # type: ignore[arg-type]
    assert req.status == 0
    frag_length = struct.unpack_from("<H", first, 8)[0]
    assert len(first + rest) == frag_length


def test_a_read_with_nothing_queued_waits_and_completes_after_the_write() -> None:
    view = FakeView()
    fid = open_pipe(view)
    req = view.request(0x2E, read_words(fid, 4280, timeout=0), andx=True)
    assert read.handle(view, req) is None  # parked: Timeout 0 does not make a pipe read fail
    assert len(view.pipe_reads) == 1 and not view.answers
    write_pipe(view, fid, bind_pdu())
    assert len(view.answers) == 1
    status, body = view.answers[0]
    assert status == 0 and body is not None and read_data(body)[2] == 12


def test_nt_cancel_ends_the_waiting_read_with_the_same_ids_only() -> None:
    view = FakeView()
    fid = open_pipe(view)
    assert read.handle(view, view.request(0x2E, read_words(fid, 100), andx=True, mid=7)) is None
    assert nt_cancel.handle(view, view.request(0xA4, b"", mid=8)) is None  # another MID: nothing
    assert not view.answers
    assert nt_cancel.handle(view, view.request(0xA4, b"", mid=7)) is None
    assert view.answers == [(NtStatus.CANCELLED, None)]


def test_close_ends_a_waiting_read_with_pipe_broken() -> None:
    view = FakeView()
    fid = open_pipe(view)
    assert read.handle(view, view.request(0x2E, read_words(fid, 100), andx=True)) is None
    assert close.handle(view, view.request(0x04, struct.pack("<HI", fid, 0))) == (b"", b"")
    assert view.answers == [(NtStatus.PIPE_BROKEN, None)]
    assert fid not in view.session.opens
    with pytest.raises(SmbStatusError) as excinfo:
        close.handle(view, view.request(0x04, struct.pack("<HI", fid, 0)))
    assert status_of(excinfo) == NtStatus.INVALID_HANDLE


def test_write_with_data_outside_the_request_is_refused() -> None:
    view = FakeView()
    fid = open_pipe(view)
    req = view.request(0x2F, write_words(fid, 100, 62), b"\x00" * 10, andx=True)
    with pytest.raises(SmbStatusError) as excinfo:
        write.handle(view, req)
    assert status_of(excinfo) == NtStatus.INVALID_SMB  # MS-CIFS 3.3.5.37
    req = view.request(0x2F, write_words(fid, 4, 20), b"\x00" * 10, andx=True)  # before the bytes
    with pytest.raises(SmbStatusError):
        write.handle(view, req)


def test_a_bad_word_count_is_invalid_parameter() -> None:
    view = FakeView()
    fid = open_pipe(view)
    for handler, command in ((read.handle, 0x2E), (write.handle, 0x2F)):
        with pytest.raises(SmbStatusError) as excinfo:
            handler(view, view.request(command, struct.pack("<HI", fid, 0), andx=True))
        assert status_of(excinfo) == NtStatus.INVALID_PARAMETER


def test_message_start_in_raw_mode_skips_the_two_byte_length_and_counts_it() -> None:
    view = FakeView()
    fid = open_pipe(view)
    pdu = bind_pdu()
    words = write_pipe(view, fid, struct.pack("<H", len(pdu)) + pdu, mode=0x000C, large=True)
    assert struct.unpack_from("<H", words)[0] == len(pdu) + 2
    reply = read.handle(view, view.request(0x2E, read_words(fid, 4280), andx=True))
    assert read_data(reply)[2] == 12  # type: ignore[arg-type]


def test_a_write_beyond_max_pipe_output_is_refused_and_writes_nothing() -> None:
    view = FakeView()
    view.config = build_config("win2000", limits={"max_pipe_output": 10})
    fid = open_pipe(view)
    write_pipe(view, fid, bind_pdu())  # queues a bind_ack (more than 10 bytes)
    with pytest.raises(SmbStatusError) as excinfo:
        write_pipe(view, fid, bind_pdu(2))
    assert status_of(excinfo) == NtStatus.INSUFFICIENT_RESOURCES


# ----------------------------------------------------------------------------- transactions
def test_transact_nmpipe_writes_and_reads_one_message() -> None:
    view = FakeView()
    fid = open_pipe(view)
    req = trans_request(view, (0x0026, fid), data=bind_pdu())
    params, data, totals = trans_result(transaction.handle(view, req))  # type: ignore[arg-type]
    assert params == b"" and data[2] == 12 and totals == (0, len(data), 0, 0) and req.status == 0


def test_transact_nmpipe_longer_than_max_data_count_overflows_into_read_andx() -> None:
    view = FakeView()
    fid = open_pipe(view)
    req = trans_request(view, (0x0026, fid), data=bind_pdu(), max_data=24)
    _, first, _ = trans_result(transaction.handle(view, req))  # type: ignore[arg-type]
    assert req.status == NtStatus.BUFFER_OVERFLOW and len(first) == 24
    rest = read_data(read.handle(view, view.request(0x2E, read_words(fid, 4280), andx=True)))  # type: ignore[arg-type]
    assert len(first + rest) == struct.unpack_from("<H", first, 8)[0]


def test_transaction_parameters_and_data_start_on_four_byte_boundaries() -> None:
    view = FakeView()
    fid = open_pipe(view)
    words, _ = transaction.handle(view, trans_request(view, (0x0026, fid), data=bind_pdu()))  # type: ignore[misc]
    param_offset, data_offset = struct.unpack_from("<H", words, 8)[0], struct.unpack_from("<H", words, 14)[0]
    assert param_offset % 4 == 0 and data_offset % 4 == 0 and data_offset == 56


def test_set_and_query_nmpipe_state() -> None:
    view = FakeView()
    fid = open_pipe(view)
    params, _, _ = trans_result(transaction.handle(view, trans_request(view, (0x0021, fid))))  # type: ignore[arg-type]
    assert params == struct.pack("<H", 0x05FF)
    transaction.handle(view, trans_request(view, (0x0001, fid), params=struct.pack("<H", 0x8000)))
    params, _, _ = trans_result(transaction.handle(view, trans_request(view, (0x0021, fid))))  # type: ignore[arg-type]
    assert params == struct.pack("<H", 0x84FF)  # nonblocking, byte read mode
    # Nonblocking: an empty read answers at once with STATUS_PIPE_EMPTY.
    with pytest.raises(SmbStatusError) as excinfo:
        read.handle(view, view.request(0x2E, read_words(fid, 100), andx=True))
    assert status_of(excinfo) == NtStatus.PIPE_EMPTY
    # TransactNmPipe needs message read mode (MS-CIFS 3.3.5.57.7).
    with pytest.raises(SmbStatusError) as excinfo:
        transaction.handle(view, trans_request(view, (0x0026, fid), data=bind_pdu()))
    assert status_of(excinfo) == NtStatus.INVALID_PARAMETER


def test_query_nmpipe_info_level_1_names_the_pipe() -> None:
    view = FakeView()
    fid = open_pipe(view)
    req = trans_request(view, (0x0022, fid), params=struct.pack("<H", 1), max_data=200)
    _, data, _ = trans_result(transaction.handle(view, req))  # type: ignore[arg-type]
    out_size, in_size, max_instances, current, name_length = struct.unpack_from("<HHBBB", data)
    assert (out_size, in_size, max_instances, current) == (4096, 4096, 0xFF, 1)
    assert data[8 : 8 + name_length].decode("utf-16-le") == "\\PIPE\\srvsvc\x00"
    with pytest.raises(SmbStatusError):
        transaction.handle(view, trans_request(view, (0x0022, fid), params=struct.pack("<H", 2)))


def test_peek_reports_what_is_queued_without_reading_it() -> None:
    view = FakeView()
    fid = open_pipe(view)
    write_pipe(view, fid, bind_pdu())
    params, _, _ = trans_result(transaction.handle(view, trans_request(view, (0x0023, fid))))  # type: ignore[arg-type]
    available, message_length, state = struct.unpack("<HHH", params)
    assert available == message_length > 0 and state == 3
    assert view.session.opens[fid].endpoint.queued_bytes == available


def test_write_and_read_nmpipe() -> None:
    view = FakeView()
    fid = open_pipe(view)
    params, _, _ = trans_result(transaction.handle(view, trans_request(view, (0x0037, fid), data=bind_pdu())))  # type: ignore[arg-type]
    assert params == struct.pack("<H", len(bind_pdu()))
    _, data, _ = trans_result(transaction.handle(view, trans_request(view, (0x0036, fid), max_data=4280)))  # type: ignore[arg-type]
    assert data[2] == 12
    # Nothing queued: TRANS_READ_NMPIPE waits too, and is answered as a transaction.
    fid = open_pipe(view)
    assert transaction.handle(view, trans_request(view, (0x0036, fid), max_data=4280)) is None
    transaction.handle(view, trans_request(view, (0x0037, fid), data=bind_pdu(3)))
    status, body = view.answers[0]
    assert status == 0 and body is not None and trans_result(body)[1][2] == 12


def test_wait_nmpipe_by_name() -> None:
    view = FakeView()
    reply = transaction.handle(view, trans_request(view, (0x0053, 0), name="\\PIPE\\srvsvc"))
    assert trans_result(reply)[:2] == (b"", b"")  # type: ignore[arg-type]
    with pytest.raises(SmbStatusError) as excinfo:
        transaction.handle(view, trans_request(view, (0x0053, 0), name="\\PIPE\\nosuch"))
    assert status_of(excinfo) == NtStatus.OBJECT_NAME_NOT_FOUND


def test_call_nmpipe_opens_transacts_and_closes() -> None:
    view = FakeView()
    reply = transaction.handle(view, trans_request(view, (0x0054, 0), name="\\PIPE\\srvsvc", data=bind_pdu()))
    assert trans_result(reply)[1][2] == 12  # type: ignore[arg-type]
    assert not view.session.opens


def test_unknown_fid_subcommand_and_name() -> None:
    view = FakeView()
    fid = open_pipe(view)
    with pytest.raises(SmbStatusError) as excinfo:
        transaction.handle(view, trans_request(view, (0x0026, fid + 1), data=bind_pdu()))
    assert status_of(excinfo) == NtStatus.INVALID_HANDLE
    with pytest.raises(SmbStatusError) as excinfo:
        transaction.handle(view, trans_request(view, (0x0099, fid)))
    assert status_of(excinfo) == NtStatus.NOT_SUPPORTED
    with pytest.raises(SmbStatusError) as excinfo:
        transaction.handle(view, trans_request(view, (0x0026,), data=bind_pdu()))
    assert status_of(excinfo) == NtStatus.INVALID_PARAMETER
    with pytest.raises(SmbStatusError) as excinfo:
        transaction.handle(view, trans_request(view, (1, 0), name="\\MAILSLOT\\BROWSE"))
    assert status_of(excinfo) == NtStatus.NOT_SUPPORTED


def test_transaction_blocks_outside_the_request_are_refused() -> None:
    view = FakeView()
    fid = open_pipe(view)
    req = trans_request(view, (0x0026, fid), data=bind_pdu())
    raw = bytearray(req.raw)
    struct.pack_into("<H", raw, 33 + 26, 0xFFF0)  # DataOffset past the message
    bad = Request(0x25, bytes(raw[33 : 33 + 32]), bytes(raw[33 + 34 :]), session=view.session, tree=view.tree)
    with pytest.raises(SmbStatusError) as excinfo:
        transaction.handle(view, bad)
    assert status_of(excinfo) == NtStatus.INVALID_PARAMETER


def secondary(view: FakeView, *, total_params: int, total_data: int, data: bytes, displacement: int,
              mid: int = 1) -> Request:
    data_offset = 32 + 1 + 16 + 2
    data_offset += -data_offset % 4
    words = struct.pack("<HHHHHHHH", total_params, total_data, 0, 0, 0, len(data), data_offset, displacement)
    return view.request(0x26, words, bytes(data_offset - (32 + 1 + 16 + 2)) + data, mid=mid)


def test_a_transaction_in_parts_is_answered_once_whole() -> None:
    view = FakeView()
    fid = open_pipe(view)
    pdu = bind_pdu()
    first = trans_request(view, (0x0026, fid), data=pdu[:30], total_data=len(pdu), mid=5)
    assert transaction.handle(view, first) == (b"", b"")  # the interim response
    part = secondary(view, total_params=0, total_data=len(pdu), data=pdu[30:50], displacement=30, mid=5)
    assert transaction.handle_secondary(view, part) is None  # secondaries are not answered
    last = secondary(view, total_params=0, total_data=len(pdu), data=pdu[50:], displacement=50, mid=5)
    reply = transaction.handle_secondary(view, last)
    assert reply is not None and last.response_command == 0x25
    assert trans_result(reply)[1][2] == 12


def test_a_secondary_outside_the_totals_ends_its_transaction() -> None:
    view = FakeView()
    fid = open_pipe(view)
    pdu = bind_pdu()
    transaction.handle(view, trans_request(view, (0x0026, fid), data=pdu[:30], total_data=len(pdu), mid=5))
    with pytest.raises(SmbStatusError) as excinfo:
        transaction.handle_secondary(view, secondary(view, total_params=0, total_data=len(pdu), data=pdu[30:],
                                                     displacement=len(pdu), mid=5))
    assert status_of(excinfo) == NtStatus.INVALID_PARAMETER
    # The transaction is gone: a well-formed part is now dropped unanswered.
    assert transaction.handle_secondary(view, secondary(view, total_params=0, total_data=len(pdu),
                                                        data=pdu[30:], displacement=30, mid=5)) is None


def test_transactions_in_reassembly_are_bounded_per_connection() -> None:
    view = FakeView()
    view.config = build_config("win2000", limits={"max_outstanding_requests": 3})
    fid = open_pipe(view)
    for mid in range(3):
        transaction.handle(view, trans_request(view, (0x0026, fid), data=b"x", total_data=60000, mid=mid))
    with pytest.raises(SmbStatusError) as excinfo:
        transaction.handle(view, trans_request(view, (0x0026, fid), data=b"x", total_data=60000, mid=9))
    assert status_of(excinfo) == NtStatus.INSUFFICIENT_RESOURCES


def test_a_response_larger_than_the_client_buffer_is_split_at_displacements() -> None:
    params, data = bytes(range(256)) * 2, bytes(reversed(range(256))) * 40  # 512 + 10,240 bytes
    parts = transaction.responses(params, data, 4356)
    assert len(parts) == 3
    got_params, got_data = bytearray(len(params)), bytearray(len(data))
    for words, body in parts:
        assert 32 + 1 + len(words) + 2 + len(body) <= 4356
        p, d, (total_params, total_data, param_disp, data_disp) = trans_result((words, body))
        assert (total_params, total_data) == (len(params), len(data))
        got_params[param_disp : param_disp + len(p)] = p
        got_data[data_disp : data_disp + len(d)] = d
    assert bytes(got_params) == params and bytes(got_data) == data


def test_send_responses_hands_the_rest_to_the_engine() -> None:
    view = FakeView(max_buffer=1024)
    req = view.request(0x25, b"")
    first = transaction.send_responses(view, req, b"", bytes(3000))
    assert len(view.extra) == 3
    total = sum(len(trans_result(part)[1]) for part in [first, *view.extra])
    assert total == 3000


# --------------------------------------------------------------------------- TRANSACTION2 on IPC$
@pytest.mark.parametrize(("setup", "params", "status"), [
    ((0x0003,), struct.pack("<H", 0x0105), NtStatus.ACCESS_DENIED),  # QUERY_FS_INFORMATION
    ((0x0005,), struct.pack("<HI", 0x0107, 0) + "\\srvsvc\0".encode("utf-16-le"), NtStatus.INVALID_DEVICE_REQUEST),
    ((0x0005,), struct.pack("<H", 0x0107), NtStatus.INVALID_PARAMETER),  # too short
    ((0x0010,), struct.pack("<H", 3), NtStatus.FS_DRIVER_REQUIRED),  # GET_DFS_REFERRAL
    ((0x0001,), bytes(12), NtStatus.ACCESS_DENIED),  # FIND_FIRST2
    ((0x0003, 0), struct.pack("<H", 0x0105), NtStatus.INVALID_SMB),  # two Setup words
])
def test_trans2_on_ipc_is_answered_as_windows_answers(setup: tuple[int, ...], params: bytes, status: int) -> None:
    view = FakeView()
    with pytest.raises(SmbStatusError) as excinfo:
        trans2.handle(view, trans_request(view, setup, params=params, command=0x32))
    assert status_of(excinfo) == status


# ------------------------------------------------------------------ DCE/RPC through the handlers
class Smb1PipeTransport(DCERPCTransport):  # type: ignore[misc]
    """impacket's DCE/RPC over the SMB1 handlers: each call is a TRANS_TRANSACT_NMPIPE of at most
    `max_data` bytes back, the rest of a long answer READ_ANDX'ed, as impacket and Samba do."""

    def __init__(self, view: FakeView, fid: int, max_data: int) -> None:
        super().__init__("smb1", 0)
        self.view, self.fid, self.max_data = view, fid, max_data
        self.pending = b""
        self.overflows = 0

    def connect(self) -> int:
        return 1

    def disconnect(self) -> int:
        return 1

    def send(self, data: bytes, forceWriteAndx: int = 0, forceRecv: int = 0) -> None:  # noqa: N803
        req = trans_request(self.view, (0x0026, self.fid), data=data, max_data=self.max_data)
        _, answer, _ = trans_result(transaction.handle(self.view, req))  # type: ignore[arg-type]
        self.pending = answer
        while req.status == NtStatus.BUFFER_OVERFLOW:
            self.overflows += 1
            req = self.view.request(0x2E, read_words(self.fid, self.max_data), andx=True)
            self.pending += read_data(read.handle(self.view, req))  # type: ignore[arg-type]

    def recv(self, forceRecv: int = 0, count: int = 0) -> bytes:  # noqa: N803
        answer, self.pending = self.pending, b""
        return answer


def test_netr_share_enum_level_502_through_transact_and_read_andx() -> None:
    view = FakeView("win2000", Principal(PrincipalKind.ADMINISTRATOR, "Administrator", "LEGACYSRV",
                                         sid="S-1-5-21-1-2-3-500"))
    fid = open_pipe(view)
    transport = Smb1PipeTransport(view, fid, max_data=64)  # far smaller than the answer
    dce = DCERPC_v5(transport)
    dce.bind(srvs.MSRPC_UUID_SRVS)
    answer = srvs.hNetrShareEnum(dce, 502)
    names = {entry["shi502_netname"][:-1] for entry in answer["InfoStruct"]["ShareInfo"]["Level502"]["Buffer"]}
    assert "IPC$" in names and transport.overflows > 3
