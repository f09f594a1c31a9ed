"""SMB1 TRANSACTION and TRANSACTION_SECONDARY on IPC$ (MS-CIFS 2.2.4.33, 2.2.4.34, 3.3.5.57, 2.2.5).

A transaction names what it is for: `\\PIPE\\` with a named-pipe subcommand in Setup[0] and the
pipe's FID in Setup[1] (MS-CIFS 2.2.5), or `\\PIPE\\LANMAN`, the Remote Administration Protocol
(MS-RAP 2.5.1; answered by `smbemu.rap.serve`). TRANS_TRANSACT_NMPIPE is the DCE/RPC path of
every SMB1 client: the request's data is written to the pipe and one message is read back; an
answer longer than MaxDataCount returns its first part with STATUS_BUFFER_OVERFLOW
(ERRDOS/ERRmoredata) and the rest is read with READ_ANDX (MS-CIFS 3.3.5.57.7).

A request whose parameters or data do not fit in one message is sent in parts (MS-CIFS
3.3.5.57 / 3.2.4.1.5): the primary request with the first part is answered with an interim
response (no words, no bytes, success), TRANSACTION_SECONDARY requests carry the rest and are not
answered, and the complete transaction is answered as if it had come in one piece. The parts are
kept per connection by (UID, TID, PID, MID). Their memory is bounded: a transaction's totals are
16-bit (at most 128 KiB with its parameters), and a connection may have at most
`max_outstanding_requests` transactions in reassembly, or the profile's MaxMpxCount if smaller
(an interim-answered transaction is an outstanding request, MS-CIFS 3.3.5.2; the same bound as
the engine's parked reads); one more is answered STATUS_INSUFFICIENT_RESOURCES, that limit's
documented answer. A secondary that writes outside the announced totals ends its transaction with
STATUS_INVALID_PARAMETER.

The response is one message when it fits the client's MaxBufferSize (what the clients send:
DCE/RPC fragments of at most 4,280 bytes, RAP answers bounded by MaxDataCount); a larger one is
split into several responses, each carrying a part of the parameters and data at its
displacement (MS-CIFS 3.3.5.57: "the server MAY send multiple responses").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from smbemu import ipc
from smbemu.errors import SmbStatusError
from smbemu.pipe_names import normalize_pipe_name
from smbemu.pipe_work import write_pipe
from smbemu.rap import serve as serve_rap
from smbemu.smb1.layouts.files import SMB1_HEADER_SIZE, build, bytes_offset, parse, smb_string
from smbemu.smb1.layouts.trans import (
    NmPipeInfoLevel1,
    PeekNmPipeParameters,
    QueryNmPipeInfoParameters,
    QueryNmPipeStateParameters,
    SetNmPipeStateParameters,
    TransactionRequest,
    TransactionResponse,
    TransactionSecondaryRequest,
    WriteNmPipeParameters,
    pack_setup_words,
    setup_words,
)
from smbemu.smb1.read import PIPE_NONBLOCKING, PIPE_READ_MODE_MESSAGE, read_pipe
from smbemu.smb1.layouts.files import build, parse
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb1.context import Smb1Request, Smb1View
    from smbemu.state import Open

log = logging.getLogger("smbemu.pipe")

# Named-pipe subcommands (MS-CIFS 2.2.5), Setup[0] of a `\PIPE\` transaction.
TRANS_SET_NMPIPE_STATE = 0x0001
TRANS_RAW_READ_NMPIPE = 0x0011
TRANS_QUERY_NMPIPE_STATE = 0x0021
TRANS_QUERY_NMPIPE_INFO = 0x0022
TRANS_PEEK_NMPIPE = 0x0023
TRANS_TRANSACT_NMPIPE = 0x0026
TRANS_RAW_WRITE_NMPIPE = 0x0031
TRANS_READ_NMPIPE = 0x0036
TRANS_WRITE_NMPIPE = 0x0037
TRANS_WAIT_NMPIPE = 0x0053
TRANS_CALL_NMPIPE = 0x0054

PIPE_PREFIX = "\\PIPE\\"
LANMAN_NAME = "\\PIPE\\LANMAN"
#: SMB_NMPIPE_STATUS (MS-CIFS 2.2.1.3) apart from the bits the client sets: ICount 0xFF
#: (unlimited instances), NamedPipeType message (0x0400), client end.
NMPIPE_STATUS_FIXED = 0x04FF
#: Only the Nonblocking and ReadMode bits may be set (MS-CIFS 2.2.5.1.1).
SETTABLE_PIPE_STATE = PIPE_NONBLOCKING | PIPE_READ_MODE_MESSAGE
#: TRANS_PEEK_NMPIPE NamedPipeState (MS-CIFS 2.2.5.5.2): connected.
NAMED_PIPE_STATE_CONNECTED = 0x0003
#: TRANS_QUERY_NMPIPE_INFO level 1 (MS-CIFS 2.2.5.4.2): the quotas a Windows pipe reports (the
#: same 4 KiB as FilePipeLocalInformation, smbemu.smb2.query_info), unlimited instances.
PIPE_BUFFER_SIZE = 4096
MAXIMUM_INSTANCES_UNLIMITED = 0xFF

_UNBOUNDED = 1 << 30  # a response size limit no message reaches
_FIXED_WORDS = TransactionRequest.sizeof()
_RESPONSE_WORDS = TransactionResponse.sizeof()


@dataclass(slots=True, eq=False)
class Transaction:
    """A transaction (possibly still arriving in parts): what its final answer needs."""

    command: int
    name: str
    setup: tuple[int, ...]
    max_parameter_count: int
    max_data_count: int
    params: bytearray
    data: bytearray
    params_received: int = 0
    data_received: int = 0

    @property
    def complete(self) -> bool:
        return self.params_received >= len(self.params) and self.data_received >= len(self.data)


# The transactions in reassembly, per connection (the engine's object), by (UID, TID, PID, MID).
_IN_PARTS: WeakKeyDictionary[Any, dict[tuple[int, int, int, int], Transaction]] = WeakKeyDictionary()


def _key(req: Smb1Request) -> tuple[int, int, int, int]:
    header = req.header
    return header.uid, header.tid, header.pid, header.mid


def _span(req: Smb1Request, offset: int, count: int, what: str) -> bytes:
    """`count` bytes at the absolute `offset`, which must lie within the request's bytes."""
    if count == 0:
        return b""
    start, end = req.data_offset, req.data_offset + len(req.data)
    if offset < start or offset + count > end:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, f"transaction {what} outside the request")
    return bytes(req.raw[offset : offset + count])


def receive_primary(conn: Smb1View, req: Smb1Request, *, named: bool) -> Transaction | None:
    """The transaction of a TRANSACTION / TRANSACTION2 request, or None when more parts follow
    (the interim response is then the empty reply)."""
    words = req.words
    fixed = parse(TransactionRequest, words[:_FIXED_WORDS])
    if len(words) != _FIXED_WORDS + 2 * fixed.setup_count:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "transaction WordCount does not match SetupCount")
    setup = setup_words(words[_FIXED_WORDS:], fixed.setup_count)
    if fixed.parameter_count > fixed.total_parameter_count or fixed.data_count > fixed.total_data_count:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "transaction counts exceed its totals")
    name = ""
    if named:
        start = req.data_offset
        name = smb_string(req.raw, start, start + len(req.data), req.unicode)
    transaction = Transaction(
        command=req.command, name=name, setup=setup,
        max_parameter_count=fixed.max_parameter_count, max_data_count=fixed.max_data_count,
        params=bytearray(fixed.total_parameter_count), data=bytearray(fixed.total_data_count),
    )
    _store(transaction, 0, _span(req, fixed.parameter_offset, fixed.parameter_count, "parameters"), True)
    _store(transaction, 0, _span(req, fixed.data_offset, fixed.data_count, "data"), False)
    if transaction.complete:
        return transaction
    waiting = _IN_PARTS.setdefault(conn, {})
    config = conn.config
    bound = min(config.limits.max_outstanding_requests, config.profile.smb1.max_mpx_count)
    if len(waiting) >= bound:
        raise SmbStatusError(NtStatus.INSUFFICIENT_RESOURCES,
                             f"{len(waiting)} transactions already in reassembly on the connection (limit {bound})")
    waiting[_key(req)] = transaction
    return None


def receive_secondary(conn: Smb1View, req: Smb1Request, words: bytes | memoryview) -> Transaction | None:
    """Add a TRANSACTION(2)_SECONDARY's part; the transaction once it is whole, else None."""
    part = parse(TransactionSecondaryRequest, words[: TransactionSecondaryRequest.sizeof()])
    waiting = _IN_PARTS.get(conn, {})
    key = _key(req)
    transaction = waiting.get(key)
    if transaction is None:
        # No primary in reassembly: nothing to add to and, as for every secondary, no answer.
        log.info("TRANSACTION_SECONDARY without its primary (MID %d): dropped", req.header.mid)
        return None
    try:
        params = _span(req, part.parameter_offset, part.parameter_count, "parameters")
        data = _span(req, part.data_offset, part.data_count, "data")
        if (part.parameter_displacement + len(params) > len(transaction.params)
                or part.data_displacement + len(data) > len(transaction.data)):
            raise SmbStatusError(NtStatus.INVALID_PARAMETER, "secondary part outside the transaction's totals")
    except SmbStatusError:
        del waiting[key]
        raise
    _store(transaction, part.parameter_displacement, params, True)
    _store(transaction, part.data_displacement, data, False)
    # A client may lower the totals in a secondary (MS-CIFS 2.2.4.34.1); never raise them.
    if part.total_parameter_count < len(transaction.params):
        del transaction.params[part.total_parameter_count :]
    if part.total_data_count < len(transaction.data):
        del transaction.data[part.total_data_count :]
    if not transaction.complete:
        return None
    del waiting[key]
    return transaction


def _store(transaction: Transaction, displacement: int, chunk: bytes, params: bool) -> None:
    target = transaction.params if params else transaction.data
    target[displacement : displacement + len(chunk)] = chunk
    if params:
        transaction.params_received += len(chunk)
    else:
        transaction.data_received += len(chunk)


# ------------------------------------------------------------------------------------ responses
def responses(
    params: bytes, data: bytes, max_message: int, command_offset: int = SMB1_HEADER_SIZE, setup: tuple[int, ...] = (),
) -> list[tuple[bytes, bytes]]:
    """The TRANSACTION / TRANSACTION2 response(s) carrying `params` and `data`, each message at most
    `max_message` bytes (the client's MaxBufferSize) when it can be (MS-CIFS 2.2.4.33.2,
    3.3.5.57). Parameters and data each start on a 4-byte boundary from the SMB header, where
    Windows and Samba put them. The first response's command starts at `command_offset` (after
    the commands chained before it), the others alone in their message."""
    setup_block = pack_setup_words(setup)
    replies: list[tuple[bytes, bytes]] = []
    sent_params = sent_data = 0
    offset = command_offset
    while True:
        start = bytes_offset(offset, _RESPONSE_WORDS + len(setup_block), andx=False)
        param_offset = start + (-start % 4)
        param_chunk = params[sent_params : sent_params + max(max_message - param_offset, 0)]
        after_params = param_offset + len(param_chunk)
        data_offset = after_params + (-after_params % 4)
        data_chunk = data[sent_data : sent_data + max(max_message - data_offset, 0)]
        if replies and not param_chunk and not data_chunk:
            break  # the client's buffer cannot hold one more byte: stop rather than loop
        words = build(
            TransactionResponse,
            total_parameter_count=len(params), total_data_count=len(data), reserved1=0,
            parameter_count=len(param_chunk), parameter_offset=param_offset,
            parameter_displacement=sent_params,
            data_count=len(data_chunk), data_offset=data_offset if data_chunk else after_params,
            data_displacement=sent_data,
            setup_count=len(setup), reserved2=0,
        ) + setup_block
        body = bytes(param_offset - start) + param_chunk
        if data_chunk:
            body += bytes(data_offset - after_params) + data_chunk
        replies.append((words, body))
        sent_params += len(param_chunk)
        sent_data += len(data_chunk)
        if sent_params >= len(params) and sent_data >= len(data):
            break
        offset = SMB1_HEADER_SIZE
    return replies


#: The smallest response buffer a transaction answer is split for. A client's MaxBufferSize is
#: at least this in practice (Windows 16,644, Samba 65,535, impacket 61,440); a smaller claimed
#: one would otherwise make one answer thousands of messages. Not a Windows value: a bound.
MIN_SPLIT_BUFFER = 1024


def _max_message(conn: Smb1View) -> int:
    """The client's MaxBufferSize (MS-CIFS 2.2.4.53.1), 64 KiB before it said one."""
    size = conn.client_max_buffer_size
    return max(size, MIN_SPLIT_BUFFER) if size > 0 else 0xFFFF


def send_responses(conn: Smb1View, req: Smb1Request, params: bytes, data: bytes) -> tuple[bytes, bytes]:
    """Answer with the response(s): the first is returned, the others go out after it."""
    parts = responses(params, data, _max_message(conn), req.response_offset)
    extra = getattr(conn, "send_more", None)
    if len(parts) > 1 and extra is not None:
        extra(req, parts[1:])
    elif len(parts) > 1:
        # An engine without multi-response support: one message carrying everything.
        return responses(params, data, _UNBOUNDED, req.response_offset)[0]
    return parts[0]


# --------------------------------------------------------------------------------- the handler
def handle(conn: Smb1View, req: Smb1Request) -> tuple[bytes, bytes] | None:
    transaction = receive_primary(conn, req, named=True)
    if transaction is None:
        return b"", b""  # the interim response (MS-CIFS 3.3.5.57)
    return execute(conn, req, transaction)


def handle_secondary(conn: Smb1View, req: Smb1Request) -> tuple[bytes, bytes] | None:
    transaction = receive_secondary(conn, req, req.words)
    if transaction is None:
        return None
    # The complete transaction is answered as a TRANSACTION response (MS-CIFS 2.2.4.34.2).
    req.response_command = transaction.command
    return execute(conn, req, transaction)


def execute(conn: Smb1View, req: Smb1Request, transaction: Transaction) -> tuple[bytes, bytes] | None:
    name = transaction.name.upper()
    if name == LANMAN_NAME:
        return _rap(conn, req, transaction)
    if name == PIPE_PREFIX.rstrip("\\") or name.startswith(PIPE_PREFIX):
        return _named_pipe(conn, req, transaction)
    # Mailslots and other names are not served on this IPC$ (the specifications are silent on
    # Windows' status for an unknown transaction name; STATUS_NOT_SUPPORTED says what it is).
    raise SmbStatusError(NtStatus.NOT_SUPPORTED, f"transaction name {transaction.name!r} is not served")


def _rap(conn: Smb1View, req: Smb1Request, transaction: Transaction) -> tuple[bytes, bytes]:
    """`\\PIPE\\LANMAN`: the Remote Administration Protocol (smbemu.rap)."""
    session = req.session
    assert session is not None
    params, data = serve_rap(
        conn.config, session, bytes(transaction.params), bytes(transaction.data),
        transaction.max_parameter_count, transaction.max_data_count, peer=conn.peer,
    )
    return send_responses(conn, req, params, data)


def _named_pipe(conn: Smb1View, req: Smb1Request, transaction: Transaction) -> tuple[bytes, bytes] | None:
    setup = transaction.setup
    if len(setup) != 2:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "a named-pipe transaction has two Setup words")
    subcommand, fid = setup
    if subcommand == TRANS_WAIT_NMPIPE:
        return _wait_nmpipe(conn, req, transaction)
    if subcommand == TRANS_CALL_NMPIPE:
        return _call_nmpipe(conn, req, transaction)
    handler = _BY_FID.get(subcommand)
    if handler is None:
        raise SmbStatusError(NtStatus.NOT_SUPPORTED, f"named-pipe subcommand 0x{subcommand:04x}")
    open_ = conn.find_open(req, fid)
    return handler(conn, req, transaction, open_)


def _set_nmpipe_state(conn: Smb1View, req: Smb1Request, transaction: Transaction, open_: Open) -> tuple[bytes, bytes]:
    """MS-CIFS 3.3.5.57.2: only the Nonblocking and ReadMode bits are set."""
    if len(transaction.params) < 2:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "TRANS_SET_NMPIPE_STATE without its PipeState")
    state = parse(SetNmPipeStateParameters, bytes(transaction.params[:2])).pipe_state
    open_.pipe_state = state & SETTABLE_PIPE_STATE
    return send_responses(conn, req, b"", b"")


def _query_nmpipe_state(conn: Smb1View, req: Smb1Request, transaction: Transaction, open_: Open) -> tuple[bytes, bytes]:
    """MS-CIFS 3.3.5.57.5: the pipe's SMB_NMPIPE_STATUS."""
    status = NMPIPE_STATUS_FIXED | (open_.pipe_state & SETTABLE_PIPE_STATE)
    return send_responses(conn, req, build(QueryNmPipeStateParameters, nmpipe_status=status), b"")


def _query_nmpipe_info(conn: Smb1View, req: Smb1Request, transaction: Transaction, open_: Open) -> tuple[bytes, bytes]:
    """MS-CIFS 3.3.5.57.6: level 1, the pipe's buffer sizes, instances and name."""
    if len(transaction.params) < 2:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "TRANS_QUERY_NMPIPE_INFO without its Level")
    level = parse(QueryNmPipeInfoParameters, bytes(transaction.params[:2])).level
    if level != 1:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, f"TRANS_QUERY_NMPIPE_INFO level {level}")
    pipe_name = PIPE_PREFIX + open_.pipe_name
    name = (pipe_name + "\x00").encode("utf-16-le") if req.unicode else (pipe_name + "\x00").encode("latin-1", "replace")
    fixed = build(
        NmPipeInfoLevel1, output_buffer_size=PIPE_BUFFER_SIZE, input_buffer_size=PIPE_BUFFER_SIZE,
        maximum_instances=MAXIMUM_INSTANCES_UNLIMITED, current_instances=1, pipe_name_length=min(len(name), 0xFF),
    )
    # Unicode names are aligned on an even offset from the start of the data (MS-CIFS 2.2.5.4.2 Pad).
    info = fixed + (b"\x00" * (len(fixed) % 2) if req.unicode else b"") + name
    if len(info) > transaction.max_data_count:
        req.status = NtStatus.BUFFER_OVERFLOW
        info = info[: transaction.max_data_count]
    return send_responses(conn, req, b"", info)


def _peek_nmpipe(conn: Smb1View, req: Smb1Request, transaction: Transaction, open_: Open) -> tuple[bytes, bytes]:
    """MS-CIFS 3.3.5.57.4: how much is queued and the start of the next message (ReadData, at most
    MaxDataCount bytes), left queued; a message longer than that is STATUS_BUFFER_OVERFLOW."""
    available, _, first_length = open_.endpoint.peek()
    data, more = open_.endpoint.peek_data(transaction.max_data_count)
    if more:
        req.status = NtStatus.BUFFER_OVERFLOW
    params = build(
        PeekNmPipeParameters, read_data_available=min(available, 0xFFFF),
        message_bytes_length=min(first_length, 0xFFFF), named_pipe_state=NAMED_PIPE_STATE_CONNECTED,
    )
    return send_responses(conn, req, params, data)


def _transact_nmpipe(conn: Smb1View, req: Smb1Request, transaction: Transaction, open_: Open) -> tuple[bytes, bytes]:
    """MS-CIFS 3.3.5.57.7: write the data, read one message of at most MaxDataCount bytes."""
    if not open_.pipe_state & PIPE_READ_MODE_MESSAGE:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "TRANS_TRANSACT_NMPIPE on a pipe in byte read mode")
    endpoint = open_.endpoint
    # Bounded output, memory and work per turn (issue 14); the data is at most 64 KiB (16-bit
    # totals, module docstring), processed in slices like any pipe write (smbemu.pipe_work).
    write_pipe(conn, open_, bytes(transaction.data), transceive=True)
    output, more = endpoint.read(transaction.max_data_count) if endpoint.has_output() else (b"", False)
    if more:
        req.status = NtStatus.BUFFER_OVERFLOW
    conn.pipe_reads.complete(open_)
    return send_responses(conn, req, b"", output)


def _write_nmpipe(conn: Smb1View, req: Smb1Request, transaction: Transaction, open_: Open) -> tuple[bytes, bytes]:
    """MS-CIFS 3.3.5.57.10 (and 3.3.5.57.8 raw): write the data, answer BytesWritten."""
    write_pipe(conn, open_, bytes(transaction.data))
    return send_responses(conn, req, build(WriteNmPipeParameters, bytes_written=len(transaction.data) & 0xFFFF), b"")


def _read_nmpipe(conn: Smb1View, req: Smb1Request, transaction: Transaction, open_: Open) -> tuple[bytes, bytes] | None:
    """MS-CIFS 3.3.5.57.9 (and 3.3.5.57.3 raw): read at most MaxDataCount bytes; a blocking pipe
    with nothing queued waits like READ_ANDX."""
    result = read_pipe(open_, transaction.max_data_count)
    if result is None:
        # Answered as a TRANSACTION response when the pipe has data (at most MaxDataCount bytes,
        # which the client sized to its buffer).
        offset = req.response_offset
        conn.park(req, open_, transaction.max_data_count,
                  lambda status, data: responses(b"", data, _UNBOUNDED, offset)[0])
        return None
    status, data = result
    if status != NtStatus.SUCCESS:
        req.status = status
    return send_responses(conn, req, b"", data)


def _raw_read_nmpipe(conn: Smb1View, req: Smb1Request, transaction: Transaction, open_: Open) -> tuple[bytes, bytes] | None:
    """MS-CIFS 3.3.5.57.3: a read that ignores message boundaries."""
    saved = open_.pipe_state
    open_.pipe_state = saved & ~PIPE_READ_MODE_MESSAGE
    try:
        return _read_nmpipe(conn, req, transaction, open_)
    finally:
        open_.pipe_state = saved


def _wait_nmpipe(conn: Smb1View, req: Smb1Request, transaction: Transaction) -> tuple[bytes, bytes]:
    """MS-CIFS 3.3.5.57.11: a served pipe is always available (instances are unlimited)."""
    pipe = normalize_pipe_name(transaction.name)
    if not pipe or pipe not in ipc.served_pipes(conn.config):
        raise SmbStatusError(NtStatus.OBJECT_NAME_NOT_FOUND, f"no pipe named {transaction.name!r}")
    return send_responses(conn, req, b"", b"")


def _call_nmpipe(conn: Smb1View, req: Smb1Request, transaction: Transaction) -> tuple[bytes, bytes]:
    """MS-CIFS 3.3.5.57.12: open the named pipe (with every check of an open), transact, close."""
    from smbemu.smb1.nt_create import new_open_ids

    session, tree = req.session, req.tree
    assert session is not None and tree is not None
    open_ = ipc.open_pipe(conn.config, session, tree, transaction.name, 0x0012019F, conn.peer, lambda: new_open_ids(conn))
    try:
        endpoint = open_.endpoint
        endpoint.write(bytes(transaction.data))
        output, more = endpoint.read(transaction.max_data_count) if endpoint.has_output() else (b"", False)
    finally:
        ipc.close_pipe(session, open_)
    if more:
        req.status = NtStatus.BUFFER_OVERFLOW
    return send_responses(conn, req, b"", output)


_BY_FID = {
    TRANS_SET_NMPIPE_STATE: _set_nmpipe_state,
    TRANS_RAW_READ_NMPIPE: _raw_read_nmpipe,
    TRANS_QUERY_NMPIPE_STATE: _query_nmpipe_state,
    TRANS_QUERY_NMPIPE_INFO: _query_nmpipe_info,
    TRANS_PEEK_NMPIPE: _peek_nmpipe,
    TRANS_TRANSACT_NMPIPE: _transact_nmpipe,
    TRANS_RAW_WRITE_NMPIPE: _write_nmpipe,
    TRANS_READ_NMPIPE: _read_nmpipe,
    TRANS_WRITE_NMPIPE: _write_nmpipe,
}
