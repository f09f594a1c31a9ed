"""SMB2 READ on a named pipe (MS-SMB2 2.2.19, 2.2.20, 3.3.5.12).

Pipes on IPC$ are message-mode: a READ returns at most one message; if the client's buffer is
shorter than the message, it gets the first part with STATUS_BUFFER_OVERFLOW and the rest stays
for the next READ. A READ with nothing queued pends, as a Windows pipe read does: the server
answers at once with an interim STATUS_PENDING response and completes the read when the RPC
endpoint has a response (MS-SMB2 3.3.4.2), or with STATUS_CANCELLED on CANCEL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu.errors import SmbStatusError
from smbemu.smb2.close import find_open
from smbemu.smb2.layouts.files import READ_FILE_ID, parse_read_request, read_response
from smbemu.smb2.layouts.session import ERROR_BODY  # the interim response body (MS-SMB2 2.2.2)
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView, RequestContext


def handle(conn: ConnectionView, ctx: RequestContext) -> bytes:
    (_, _, _, length, _, _, _, _, _, _, _) = parse_read_request(ctx.body)
    open_ = find_open(ctx, READ_FILE_ID)
    if length > conn.max_read_size:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "Length exceeds MaxReadSize")
    endpoint = open_.endpoint
    if not endpoint.has_output():
        conn.pipe_reads.park(open_, length, conn.go_async(ctx))
        return ERROR_BODY
    data, more = endpoint.read(length)
    if more:
        ctx.status = NtStatus.BUFFER_OVERFLOW
    # READ is on the per-call path of every RPC on a pipe: its fast struct codec (beside
    # ReadRequest and ReadResponse in smbemu.smb2.layouts.files) runs here.
    return read_response(data)
