"""SMB2 CANCEL (MS-SMB2 2.2.30, 3.3.5.16).

CANCEL is never answered itself; it completes a pending request with STATUS_CANCELLED. Requests
on IPC$ complete synchronously unless a pipe READ is waiting for data, which the IPC layer
keeps (smbemu.pipeio); with nothing pending the CANCEL is accepted and ignored, as the spec says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView, RequestContext


def handle(conn: ConnectionView, ctx: RequestContext) -> bytes | None:
    header = ctx.header
    conn.pipe_reads.cancel(lambda request: request.named_by(header))
    return None
