"""SMB2 CLOSE (MS-SMB2 2.2.15, 2.2.16, 3.3.5.10), and the helpers that close opens in bulk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu.errors import SmbStatusError
from smbemu.ipc import close_pipe
from smbemu.smb2.layouts import build, parse
from smbemu.smb2.layouts.files import CLOSE_FILE_ID, CloseRequest, CloseResponse
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView, RequestContext
    from smbemu.state import Open, Session, TreeConnect

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
    close_pipe(session, open_)  # the close both dialects share (smbemu.ipc)


def close_opens_of_tree(session: Session, tree: TreeConnect) -> None:
    for open_ in [o for o in session.opens.values() if o.tree is tree]:
        close_open(session, open_)


def close_all_opens(session: Session) -> None:
    for open_ in list(session.opens.values()):
        close_open(session, open_)
    session.tree_connects.clear()


def handle(conn: ConnectionView, ctx: RequestContext) -> bytes:
    session = ctx.session
    assert session is not None
    flags = parse(CloseRequest, ctx.body).flags
    open_ = find_open(ctx, CLOSE_FILE_ID)
    # A READ still waiting on this pipe completes with STATUS_PIPE_BROKEN, as on Windows.
    conn.pipe_reads.fail(open_, NtStatus.PIPE_BROKEN)
    close_open(session, open_)
    # MS-SMB2 3.3.5.10: the attributes are returned only when the client asks for them.
    postquery = bool(flags & SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB)
    return build(
        CloseResponse,
        flags=flags if postquery else 0,
        reserved=0,
        creation_time=0,
        last_access_time=0,
        last_write_time=0,
        change_time=0,
        allocation_size=4096 if postquery else 0,
        end_of_file=0,
        file_attributes=FILE_ATTRIBUTE_NORMAL if postquery else 0,
    )
