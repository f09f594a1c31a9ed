"""SMB1 TRANSACTION on IPC$, sans-I/O (tests/smb1pipefake.py): the named-pipe subcommands
(MS-CIFS 2.2.5), multi-part requests with TRANSACTION_SECONDARY, responses split to the client's
buffer, and TRANSACTION2 answered as Windows answers on IPC$."""

from __future__ import annotations

import struct

import pytest
from pipeclient import bind_pdu
from smb1pipefake import (
    FakeView,
    Request,
    open_pipe,
    read_data,
    read_words,
    status_of,
    trans_request,
    trans_result,
    write_pipe,
)

from smbemu.builder import build_config
from smbemu.errors import SmbStatusError
from smbemu.smb1 import read, trans2, transaction
from smbemu.status import NtStatus


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
    # ReadData: the start of the message (here the bind_ack, packet type 12), left queued; a
    # MaxDataCount smaller than the message is BUFFER_OVERFLOW (MS-CIFS 3.3.5.57.4)
    request = trans_request(view, (0x0023, fid), max_data=10)
    _, data, _ = trans_result(transaction.handle(view, request))  # type: ignore[arg-type]
    assert len(data) == 10 and data[:3] == b"\x05\x00\x0c" and request.status == NtStatus.BUFFER_OVERFLOW
    _, whole, _ = trans_result(transaction.handle(view, trans_request(view, (0x0023, fid))))  # type: ignore[arg-type]
    assert len(whole) == available and whole[:10] == data
    assert view.session.opens[fid].endpoint.queued_bytes == available  # still all there


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
    # GET_DFS_REFERRAL (a domain referral) on a 2000 member: its DFS server refuses (MS-DFSC 3.2.5.2;
    # the rest in tests/unit/smb1/test_dfs_referral.py).
    ((0x0010,), struct.pack("<H", 3), NtStatus.INVALID_PARAMETER),
    ((0x0001,), bytes(12), NtStatus.ACCESS_DENIED),  # FIND_FIRST2
    ((0x0003, 0), struct.pack("<H", 0x0105), NtStatus.INVALID_SMB),  # two Setup words
])
def test_trans2_on_ipc_is_answered_as_windows_answers(setup: tuple[int, ...], params: bytes, status: int) -> None:
    view = FakeView()
    with pytest.raises(SmbStatusError) as excinfo:
        trans2.handle(view, trans_request(view, setup, params=params, command=0x32))
    assert status_of(excinfo) == status


# ------------------------------------------------------------------ DCE/RPC through the handlers


def test_mutated_requests_get_a_status_never_a_traceback() -> None:
    """Bad network input (the project's rule): every pipe command, fed valid requests with bytes
    flipped, cut or added, answers or raises SmbStatusError, and never anything else."""
    import random

    from smbemu.smb1 import close, nt_cancel, nt_create, open_andx, write

    rng = random.Random(12)
    view = FakeView()
    fid = open_pipe(view)
    write_pipe(view, fid, bind_pdu())
    seeds = [
        (transaction.handle, trans_request(view, (0x0026, fid), data=bind_pdu(7))),
        (transaction.handle, trans_request(view, (0x0022, fid), params=b"\x01\x00")),
        (transaction.handle, trans_request(view, (0x0053, 0), name="\\PIPE\\srvsvc")),
        (transaction.handle, trans_request(view, (0x0026, fid), data=b"abc", total_data=10, mid=99)),
        (trans2.handle, trans_request(view, (0x0005,), params=bytes(8), command=0x32)),
        (read.handle, view.request(0x2E, read_words(fid, 100), andx=True)),
    ]
    handlers = {0xA2: nt_create.handle, 0x2D: open_andx.handle, 0x2F: write.handle, 0x04: close.handle,
                0xA4: nt_cancel.handle, 0x26: transaction.handle_secondary}
    seeds += [(handler, view.request(command, bytes(rng.randrange(256) for _ in range(rng.randrange(60))),
                                     bytes(rng.randrange(256) for _ in range(rng.randrange(60))),
                                     andx=command in (0xA2, 0x2D, 0x2F)))
              for command, handler in handlers.items()]
    for _ in range(1500):
        handler, seed = seeds[rng.randrange(len(seeds))]
        raw = bytearray(seed.raw[32:])
        for _ in range(rng.randrange(1, 6)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        if rng.random() < 0.2:
            del raw[rng.randrange(len(raw)) :]
        word_count = raw[0] if raw else 0
        words_end = min(1 + 2 * word_count, len(raw))
        start = 4 if seed.andx else 0
        mutated = Request(seed.command, bytes(raw[1 + start : words_end]), bytes(raw[words_end + 2 :]),
                          andx=seed.andx, session=view.session, tree=view.tree, mid=rng.randrange(4))
        try:
            handler(view, mutated)
        except SmbStatusError:
            pass
