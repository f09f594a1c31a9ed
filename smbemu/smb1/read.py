"""SMB1 READ_ANDX on a named pipe (MS-CIFS 2.2.4.42, 3.3.5.36; MS-SMB 2.2.4.2, 3.3.5.7).

Pipes on IPC$ are message-mode: a read returns at most one message; a read shorter than the
message gets its first part with STATUS_BUFFER_OVERFLOW (ERRDOS/ERRmoredata) and the rest stays
for the next read. A read with nothing queued waits, as a read on a blocking Windows pipe does
(MS-CIFS 3.3.5.57.9: "MUST wait indefinitely for data to become available (or until it is
canceled)"): it is parked on `conn.pipe_reads` and answered when the endpoint has output, with
STATUS_PIPE_BROKEN when the pipe is closed, or STATUS_CANCELLED by NT_CANCEL.

Timeout and MinCountOfBytesToReturn do not change that: an RPC client reads a pipe with Timeout 0
and MinCount equal to its buffer (MS-CIFS 3.4.4.3) and expects the read to wait for the server's
reply and to end at the message boundary, so neither is honoured literally on a message-mode
pipe (the specification is silent on their meaning for pipes beyond that). A pipe set to
nonblocking with TRANS_SET_NMPIPE_STATE answers an empty read with STATUS_PIPE_EMPTY at once, and
one set to byte read mode reads across message boundaries (MS-CIFS 2.2.5.1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu.errors import SmbStatusError
from smbemu.smb1.layouts.files import (
    SMB1_HEADER_SIZE,
    ReadAndxRequest,
    ReadAndxRequest64,
    ReadAndxResponse,
    bytes_offset,
)
from smbemu.smb1.layouts.files import build, parse
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb1.context import Smb1Request, Smb1View
    from smbemu.state import Open

#: MS-SMB 2.2.4.5.2.1: the client reads more than its MaxBufferSize in one READ_ANDX.
CAP_LARGE_READX = 0x00004000
#: SMB_NMPIPE_STATUS bits TRANS_SET_NMPIPE_STATE sets (MS-CIFS 2.2.1.3).
PIPE_NONBLOCKING = 0x8000
PIPE_READ_MODE_MESSAGE = 0x0100

_READ_WORDS = ReadAndxRequest.sizeof()  # WordCount 10 without the AndX block
_READ_WORDS_64 = ReadAndxRequest64.sizeof()  # WordCount 12
_RESPONSE_WORDS = ReadAndxResponse.sizeof()


def read_pipe(open_: Open, length: int) -> tuple[int, bytes] | None:
    """Read at most `length` bytes from the pipe `open_` now: (status, data), or None when the
    read has to wait (blocking pipe, nothing queued). Nonblocking and empty: STATUS_PIPE_EMPTY."""
    endpoint = open_.endpoint
    if not endpoint.has_output():
        if open_.pipe_state & PIPE_NONBLOCKING:
            raise SmbStatusError(NtStatus.PIPE_EMPTY, "nonblocking pipe with nothing to read")
        return None
    if not open_.pipe_state & PIPE_READ_MODE_MESSAGE:
        # Byte read mode: as many queued bytes as fit, across message boundaries.
        parts = []
        while length > 0 and endpoint.has_output():
            data, _ = endpoint.read(length)
            parts.append(data)
            length -= len(data)
        return int(NtStatus.SUCCESS), b"".join(parts)
    data, more = endpoint.read(length)
    return int(NtStatus.BUFFER_OVERFLOW if more else NtStatus.SUCCESS), data


def read_response(data: bytes, available: int, command_offset: int = SMB1_HEADER_SIZE) -> tuple[bytes, bytes]:
    """The READ_ANDX response words and bytes carrying `data`: a pad byte puts the data on an even
    offset (where Windows and Samba put it: DataOffset 60 in a lone response), DataOffset counts
    from the SMB header (MS-CIFS 2.2.4.42.2)."""
    start = bytes_offset(command_offset, _RESPONSE_WORDS, andx=True)
    pad = start % 2
    words = build(
        ReadAndxResponse,
        available=min(available, 0xFFFF),
        data_compaction_mode=0,
        reserved1=0,
        data_length=len(data) & 0xFFFF,
        data_offset=start + pad,
        data_length_high=len(data) >> 16,
        reserved2=bytes(8),
    )
    return words, b"\x00" * pad + data


def handle(conn: Smb1View, req: Smb1Request) -> tuple[bytes, bytes] | None:
    size = len(req.words)
    if size == _READ_WORDS:
        request = parse(ReadAndxRequest, req.words)
    elif size == _READ_WORDS_64:
        request = parse(ReadAndxRequest64, req.words)
    else:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, f"READ_ANDX with {size // 2 + 2} words")
    open_ = conn.find_open(req, request.fid)
    # On a pipe the count is MaxCountOfBytesToReturn alone: Timeout_or_MaxCountHigh is the
    # Timeout (MS-SMB 3.3.5.7). Without CAP_LARGE_READX the response must fit the client's
    # MaxBufferSize (MS-CIFS 2.2.4.42.2); a longer message is read in parts (BUFFER_OVERFLOW).
    length = request.max_count
    room = conn.client_max_buffer_size - bytes_offset(SMB1_HEADER_SIZE, _RESPONSE_WORDS, andx=True) - 1
    if not conn.client_capabilities & CAP_LARGE_READX and room > 0:
        length = min(length, room)
    result = read_pipe(open_, length)
    offset = req.response_offset
    if result is None:
        # Answered when the pipe has data; the response sits where this one would have.
        conn.park(req, open_, length, lambda status, data: read_response(data, _available(open_), offset))
        return None
    status, data = result
    if status != NtStatus.SUCCESS:
        req.status = status
    return read_response(data, _available(open_), offset)


def _available(open_: Open) -> int:
    """MS-CIFS 2.2.4.42.2 Available: the bytes still queued on the pipe after this read."""
    endpoint = open_.endpoint
    return int(endpoint.queued_bytes) if endpoint is not None else 0
