"""SMB2 WRITE on a named pipe (MS-SMB2 2.2.21, 2.2.22, 3.3.5.13): feed the RPC endpoint.

A WRITE larger than MaxWriteSize is refused here; one whose CreditCharge does not cover its
Length is refused by the engine before it gets here (MS-SMB2 3.3.5.2.5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu.errors import SmbStatusError
from smbemu.pipe_work import write_pipe
from smbemu.smb2.close import find_open
from smbemu.smb2.layouts.files import WRITE_FILE_ID, parse_write_request, write_response
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView, RequestContext


def handle(conn: ConnectionView, ctx: RequestContext) -> bytes:
    # WRITE is on the per-call path of every RPC on a pipe: the fast struct codec beside
    # WriteRequest / WriteResponse (smbemu.smb2.layouts.files) runs here. The FileId is looked up
    # before the data is (an unknown handle is STATUS_FILE_CLOSED whatever the offsets say).
    open_ = find_open(ctx, WRITE_FILE_ID)
    # Data outside the body: INVALID_PARAMETER.
    (_, _, length, _, _, _, _, _, _, _, data) = parse_write_request(ctx.body)
    if length > conn.max_write_size:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "write data outside the request")
    # Bounded output, memory and work per turn (issue 14): smbemu.pipe_work.
    write_pipe(conn, open_, data)
    return write_response(length)
