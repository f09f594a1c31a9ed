"""Commands a named-pipe share does not serve (FLUSH, LOCK, QUERY_DIRECTORY, CHANGE_NOTIFY,
SET_INFO, OPLOCK_BREAK): after the usual session and tree checks they fail with
STATUS_NOT_SUPPORTED, which is what a client gets asking these of an IPC$ tree.

Their requests are declared in smbemu.smb2.layouts.files and their answer is the ERROR response
(smbemu.smb2.layouts.session); the body is not parsed, so a malformed one is still answered
STATUS_NOT_SUPPORTED, as before."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu.errors import SmbStatusError
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView, RequestContext


def handle(conn: ConnectionView, ctx: RequestContext) -> bytes:
    raise SmbStatusError(NtStatus.NOT_SUPPORTED, f"command 0x{ctx.header.command:04x} is not served on IPC$")
