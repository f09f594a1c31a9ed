"""SMB1 pipe commands, sans-I/O, against a small fake engine (tests/smb1pipefake.py): NT_CREATE_ANDX,
OPEN_ANDX, READ_ANDX, WRITE_ANDX, CLOSE and NT_CANCEL, and DCE/RPC driven by impacket over the
handlers (TRANSACTION and TRANSACTION2: test_pipes_transactions.py)."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from impacket.dcerpc.v5 import srvs  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPC_v5  # type: ignore[import-untyped]
from impacket.dcerpc.v5.transport import DCERPCTransport  # type: ignore[import-untyped]
from pipeclient import bind_pdu
from smb1pipefake import (
    FakeView,
    Request,
    nt_create_words,
    open_pipe,
    read_data,
    read_words,
    status_of,
    trans_request,
    trans_result,
    unicode_name,
    write_pipe,
    write_words,
)

from smbemu.builder import build_config
from smbemu.errors import SmbStatusError
from smbemu.principal import ANONYMOUS, Principal, PrincipalKind
from smbemu.smb1 import close, nt_cancel, nt_create, open_andx, read, transaction, write
from smbemu.status import NtStatus


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
