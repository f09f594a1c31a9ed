"""SMB1 CLOSE of a pipe (MS-CIFS 2.2.4.5, 3.3.5.7).

A read still waiting on the pipe ends with STATUS_PIPE_BROKEN (ERRDOS 109), the status SMB2 CLOSE
ends it with (smbemu.smb2.close): one behaviour for both dialects. MS-CIFS and MS-SMB are silent
on what a pending pipe read gets when its FID is closed; the named-pipe file system completes
the reads of an end that is closing with STATUS_PIPE_BROKEN. LastTimeModified means nothing on a
pipe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu import ipc
from smbemu.smb1.layouts.files import CloseRequest, parse
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb1.context import Smb1Request, Smb1View


def handle(conn: Smb1View, req: Smb1Request) -> tuple[bytes, bytes]:
    session = req.session
    assert session is not None
    request = parse(CloseRequest, req.words)
    open_ = conn.find_open(req, request.fid)
    conn.pipe_reads.fail(open_, NtStatus.PIPE_BROKEN)
    ipc.close_pipe(session, open_)
    return b"", b""
