"""SMB2 WRITE on a named pipe (MS-SMB2 2.2.21, 2.2.22, 3.3.5.13): feed the RPC endpoint."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from smbemu.errors import SmbStatusError
from smbemu.ipc import check_pipe_output
from smbemu.smb2.close import find_open
from smbemu.smb2.constants import HEADER_SIZE, NtStatus

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView as Connection, RequestContext

_REQUEST = struct.Struct("<HHIQ")  # StructureSize, DataOffset, Length, Offset (FileId follows at 16)
_RESPONSE = struct.Struct("<HHIIHH")  # StructureSize, Reserved, Count, Remaining, ChannelInfoOffset/Length


def handle(conn: Connection, ctx: RequestContext) -> bytes:
    _, data_offset, length, _ = _REQUEST.unpack_from(ctx.body, 0)
    open_ = find_open(ctx, 16)
    start = data_offset - HEADER_SIZE
    if length > conn.max_write_size or start < 48 or start + length > len(ctx.body):
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "write data outside the request")
    check_pipe_output(conn.config, open_.endpoint)
    open_.endpoint.write(bytes(ctx.body[start : start + length]))
    conn.pipe_reads.complete(open_)
    return _RESPONSE.pack(17, 0, length, 0, 0, 0)
