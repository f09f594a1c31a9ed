"""SMB2 ECHO (MS-SMB2 2.2.28, 2.2.29, 3.3.5.13): a keep-alive answered with an empty body."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView as Connection, RequestContext

RESPONSE = b"\x04\x00\x00\x00"  # StructureSize 4, Reserved


def handle(conn: Connection, ctx: RequestContext) -> bytes:
    return RESPONSE
