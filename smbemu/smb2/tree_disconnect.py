"""SMB2 TREE_DISCONNECT (MS-SMB2 2.2.11, 2.2.12, 3.3.5.8): close the tree's opens, forget the tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu.smb2.close import close_opens_of_tree
from smbemu.smb2.layouts.session import TREE_DISCONNECT_RESPONSE
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView, RequestContext


def handle(conn: ConnectionView, ctx: RequestContext) -> bytes:
    session, tree = ctx.session, ctx.tree
    assert session is not None and tree is not None
    # A READ still waiting on one of the tree's pipes completes with STATUS_PIPE_BROKEN before
    # this response, as when its pipe is closed (CLOSE) and as on Windows: left waiting, the
    # client would wait out its timeout and the read would keep an outstanding-request slot.
    for open_ in [o for o in session.opens.values() if o.tree is tree]:
        conn.pipe_reads.fail(open_, NtStatus.PIPE_BROKEN)
    close_opens_of_tree(session, tree)
    del session.tree_connects[tree.tree_id]
    # Built once from TreeDisconnectResponse; the request (TreeDisconnectRequest) has nothing to
    # read beyond the StructureSize the connection checks.
    return TREE_DISCONNECT_RESPONSE
