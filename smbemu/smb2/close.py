"""SMB2 CLOSE (MS-SMB2 2.2.15, 2.2.16, 3.3.5.10), and the helpers that close opens in bulk."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from smbemu.errors import SmbStatusError
from smbemu.smb2.constants import NtStatus

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView as Connection, RequestContext
    from smbemu.state import Open, Session, TreeConnect

_REQUEST = struct.Struct("<HHI")  # StructureSize, Flags, Reserved (FileId follows at 8)
# StructureSize, Flags, Reserved, CreationTime, LastAccessTime, LastWriteTime, ChangeTime,
# AllocationSize, EndofFile, FileAttributes (MS-SMB2 2.2.16).
_RESPONSE = struct.Struct("<HHIQQQQQQI")
SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB = 0x0001
FILE_ATTRIBUTE_NORMAL = 0x00000080


def find_open(ctx: RequestContext, offset: int) -> Open:
    """The Open named by the FileId at `offset` of the body, on this tree (MS-SMB2 3.3.5.2.10)."""
    session, tree = ctx.session, ctx.tree
    assert session is not None
    file_id = ctx.file_id(offset)
    open_ = session.opens.get(int.from_bytes(file_id[8:], "little"))
    if open_ is None or open_.file_id != file_id or (tree is not None and open_.tree is not tree):
        raise SmbStatusError(NtStatus.FILE_CLOSED, "unknown FileId")
    return open_


def close_open(session: Session, open_: Open) -> None:
    session.opens.pop(open_.volatile_id, None)
    endpoint = open_.endpoint
    if endpoint is not None and hasattr(endpoint, "close"):
        endpoint.close()
    open_.endpoint = None


def close_opens_of_tree(session: Session, tree: TreeConnect) -> None:
    for open_ in [o for o in session.opens.values() if o.tree is tree]:
        close_open(session, open_)


def close_all_opens(session: Session) -> None:
    for open_ in list(session.opens.values()):
        close_open(session, open_)
    session.tree_connects.clear()


def handle(conn: Connection, ctx: RequestContext) -> bytes:
    session = ctx.session
    assert session is not None
    _, flags, _ = _REQUEST.unpack_from(ctx.body, 0)
    open_ = find_open(ctx, 8)
    # A READ still waiting on this pipe completes with STATUS_PIPE_BROKEN, as on Windows.
    conn.pipe_reads.fail(open_, NtStatus.PIPE_BROKEN)
    close_open(session, open_)
    if flags & SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB:
        return _RESPONSE.pack(60, flags, 0, 0, 0, 0, 0, 4096, 0, FILE_ATTRIBUTE_NORMAL)
    return _RESPONSE.pack(60, 0, 0, 0, 0, 0, 0, 0, 0, 0)
