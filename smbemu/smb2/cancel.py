"""SMB2 CANCEL (MS-SMB2 2.2.30, 3.3.5.16).

CANCEL is never answered itself; it completes a pending request with STATUS_CANCELLED. Requests
on IPC$ complete synchronously unless a pipe READ is waiting for data, which the pipe layer
tracks; with nothing pending the CANCEL is accepted and ignored, as the spec says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smbemu.connection import Connection, RequestContext


def handle(conn: Connection, ctx: RequestContext) -> bytes | None:
    cancel_pending = getattr(conn, "cancel_pending", None)
    if cancel_pending is not None:
        cancel_pending(ctx.header)
    return None
