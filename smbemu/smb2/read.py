"""SMB2 READ on a named pipe (MS-SMB2 2.2.19, 2.2.20, 3.3.5.12).

Pipes on IPC$ are message-mode: a READ returns at most one message; if the client's buffer is
shorter than the message, it gets the first part with STATUS_BUFFER_OVERFLOW and the rest stays
for the next READ. A READ with nothing queued pends, as a Windows pipe read does: the server
answers at once with an interim STATUS_PENDING response and completes the read when the RPC
endpoint has a response (MS-SMB2 3.3.4.2), or with STATUS_CANCELLED on CANCEL.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from smbemu.errors import SmbStatusError
from smbemu.smb2.close import find_open
from smbemu.smb2.constants import HEADER_SIZE, NtStatus

ERROR_BODY = b"\x09\x00\x00\x00\x00\x00\x00\x00\x00"  # interim response body (MS-SMB2 2.2.2)

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView as Connection, RequestContext

# StructureSize, Padding, Flags, Length, Offset (FileId follows at 16), MinimumCount at 32.
_REQUEST = struct.Struct("<HBBIQ")
_MINIMUM_COUNT = struct.Struct("<I")
# StructureSize, DataOffset, Reserved, DataLength, DataRemaining, Reserved2 (MS-SMB2 2.2.20).
_RESPONSE = struct.Struct("<HBBIII")
DATA_OFFSET = HEADER_SIZE + 16


def response_body(data: bytes) -> bytes:
    return _RESPONSE.pack(17, DATA_OFFSET, 0, len(data), 0, 0) + data


def handle(conn: Connection, ctx: RequestContext) -> bytes:
    _, _, _, length, _ = _REQUEST.unpack_from(ctx.body, 0)
    open_ = find_open(ctx, 16)
    if length > conn.max_read_size:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "Length exceeds MaxReadSize")
    endpoint = open_.endpoint
    if not endpoint.has_output():
        conn.pipe_reads.park(open_, length, conn.go_async(ctx))
        return ERROR_BODY
    data, more = endpoint.read(length)
    if more:
        ctx.status = NtStatus.BUFFER_OVERFLOW
    return response_body(data)
