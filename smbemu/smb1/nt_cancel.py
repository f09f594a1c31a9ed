"""SMB1 NT_CANCEL (MS-CIFS 2.2.4.65, 3.3.5.52).

NT_CANCEL is never answered. It names the request to cancel by the UID, TID, PID and MID of its
own header (MS-CIFS 3.3.5.52: "the server MUST search for a pending request with the same
MID, PID, TID and UID"); on IPC$ only a pipe read waiting for data can be pending, and it ends
with STATUS_CANCELLED. With nothing pending the cancel is dropped, as the specification says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smbemu.smb1.context import Smb1Request, Smb1View


def handle(conn: Smb1View, req: Smb1Request) -> None:
    header = req.header
    conn.pipe_reads.cancel(lambda pending: pending.named_by(header))
    return None
