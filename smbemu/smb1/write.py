"""SMB1 WRITE_ANDX on a named pipe (MS-CIFS 2.2.4.43, 3.3.5.37; MS-SMB 2.2.4.3): feed the endpoint.

The data is located by DataOffset, counted from the start of the SMB header; data outside the
request's bytes fails the request with STATUS_INVALID_SMB (ERRSRV/ERRerror; MS-CIFS 3.3.5.37:
"the server SHOULD fail the request with STATUS_INVALID_SMB"). WordCount 14 adds OffsetHigh
(ignored on a pipe, as Offset is); another WordCount is STATUS_INVALID_PARAMETER.

WriteMode RAW_MODE | MSG_START (0x0004 | 0x0008, MS-CIFS 2.2.4.43.1) marks the first write of a
message written in pieces: its first two bytes are the message's length, not message data. They
are skipped, and counted as written (what Windows clients expect back, and Samba's
reply_pipe_write_and_X does the same); the length itself is not trusted: the DCE/RPC fragment
header carries its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu.errors import SmbStatusError
from smbemu.pipe_work import write_pipe
from smbemu.smb1.layouts.files import WriteAndxRequest, WriteAndxRequest64, WriteAndxResponse
from smbemu.smb1.layouts.files import build, parse
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb1.context import Smb1Request, Smb1View

WRITE_RAW_MODE = 0x0004
WRITE_MSG_START = 0x0008
_MESSAGE_LENGTH_PREFIX = 2
#: CAP_LARGE_WRITEX (MS-SMB 2.2.4.5.2.1): DataLengthHigh counts only when both sides have it.
CAP_LARGE_WRITEX = 0x00008000

_WRITE_WORDS = WriteAndxRequest.sizeof()  # WordCount 12 without the AndX block
_WRITE_WORDS_64 = WriteAndxRequest64.sizeof()  # WordCount 14


def handle(conn: Smb1View, req: Smb1Request) -> tuple[bytes, bytes]:
    size = len(req.words)
    if size == _WRITE_WORDS:
        request = parse(WriteAndxRequest, req.words)
    elif size == _WRITE_WORDS_64:
        request = parse(WriteAndxRequest64, req.words)
    else:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, f"WRITE_ANDX with {size // 2 + 2} words")
    # The FID is looked up before the data is: an unknown FID is STATUS_INVALID_HANDLE whatever
    # the offsets say (MS-CIFS 3.3.5.37 checks the FID first).
    open_ = conn.find_open(req, request.fid)
    length = request.data_length
    if conn.client_capabilities & CAP_LARGE_WRITEX:
        length |= request.data_length_high << 16
    start, data_start, data_end = request.data_offset, req.data_offset, req.data_offset + len(req.data)
    if start < data_start or start + length > data_end:
        raise SmbStatusError(NtStatus.INVALID_SMB, "WRITE_ANDX data outside the request")
    data = req.raw[start : start + length]
    written = length
    if request.write_mode & (WRITE_RAW_MODE | WRITE_MSG_START) == WRITE_RAW_MODE | WRITE_MSG_START:
        if length < _MESSAGE_LENGTH_PREFIX:
            raise SmbStatusError(NtStatus.INVALID_PARAMETER, "message start without its length")
        data = data[_MESSAGE_LENGTH_PREFIX:]
    # Bounded output, memory and work per turn (issue 14): smbemu.pipe_work.
    write_pipe(conn, open_, data)
    return build(
        WriteAndxResponse,
        count=written & 0xFFFF,
        # MS-CIFS 2.2.4.43.2 Available: bytes left to read on the pipe after the write (none
        # are left on the write side of an RPC pipe: its answers are read separately).
        available=0,
        count_high=written >> 16,
        reserved=0,
    ), b""
