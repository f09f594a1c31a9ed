"""SMB1 TREE_DISCONNECT (MS-CIFS 2.2.4.51, 3.3.5.44): close the tree's opens, forget the tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu.smb1.layouts.session import EMPTY_REPLY
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb1.context import Smb1Request, Smb1View
    from smbemu.state import Session, TreeConnect


def disconnect_tree(conn: Smb1View, session: Session, tree: TreeConnect) -> None:
    """Close every open of ``tree`` and forget it. A read still waiting on one of its pipes ends
    with STATUS_PIPE_BROKEN, as when the pipe itself is closed (MS-CIFS 3.3.5.44 closes the
    tree's files; a pending read on a closed pipe fails that way on Windows, as SMB2 CLOSE)."""
    for open_ in [o for o in session.opens.values() if o.tree is tree]:
        conn.pipe_reads.fail(open_, NtStatus.PIPE_BROKEN)
        session.opens.pop(open_.volatile_id, None)
        endpoint, open_.endpoint = open_.endpoint, None
        if endpoint is not None and hasattr(endpoint, "close"):
            endpoint.close()
    session.tree_connects.pop(tree.tree_id, None)


def handle(conn: Smb1View, req: Smb1Request) -> tuple[bytes, bytes]:
    """WordCount 0 and ByteCount 0 both ways (MS-CIFS 2.2.4.51)."""
    session, tree = req.session, req.tree
    assert session is not None and tree is not None
    disconnect_tree(conn, session, tree)
    return EMPTY_REPLY
