"""SMB2 ECHO (MS-SMB2 2.2.28, 2.2.29, 3.3.5.13): a keep-alive answered with an empty body."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu.smb2.layouts.session import ECHO_RESPONSE

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView, RequestContext


def handle(conn: ConnectionView, ctx: RequestContext) -> bytes:
    # Built once from EchoResponse: ECHO is the keep-alive, and its request has nothing to read
    # beyond the StructureSize the connection checks (smbemu.smb2.layouts.session).
    return ECHO_RESPONSE
