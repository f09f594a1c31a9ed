"""SMB2 TREE_CONNECT (MS-SMB2 2.2.9, 2.2.10, 3.3.5.7).

Which share a path names and whether the session may connect to it is decided in
`smbemu.shares` (the same for SMB1 TREE_CONNECT_ANDX); here is the SMB2 framing: the 3.1.1
signing rule and path extension, the TreeId and the response's share type, flags and access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu.dialects import Dialect
from smbemu.errors import ProtocolViolation
from smbemu.shares import authorize_tree_connect, share_name_from_path
from smbemu.smb2.constants import ShareFlags, ShareType
from smbemu.smb2.layouts import build, parse
from smbemu.smb2.layouts.session import (
    SMB2_TREE_CONNECT_FLAG_EXTENSION_PRESENT,
    TREE_CONNECT_FLAGS,
    TreeConnectRequest,
    TreeConnectRequestWithExtension,
    TreeConnectResponse,
)
from smbemu.state import TreeConnect

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView, RequestContext


def handle(conn: ConnectionView, ctx: RequestContext) -> bytes:
    """MS-SMB2 3.3.5.7 Receiving an SMB2 TREE_CONNECT Request."""
    session = ctx.session
    assert session is not None
    if (
        conn.dialect == Dialect.SMB_3_1_1
        and not session.is_anonymous
        and not session.is_guest
        and not ctx.encrypted
        and not ctx.header.is_signed
    ):
        # MS-SMB2 3.3.5.7: a 3.1.1 user session must sign or encrypt TREE_CONNECT.
        raise ProtocolViolation("unsigned TREE_CONNECT on a 3.1.1 user session")
    # MS-SMB2 2.2.9.1: on 3.1.1 the Flags may announce an extension that carries the path (the
    # flag sits in Flags' low byte; the connection has checked the body holds the fixed part).
    extended = (
        conn.dialect == Dialect.SMB_3_1_1 and ctx.body[TREE_CONNECT_FLAGS] & SMB2_TREE_CONNECT_FLAG_EXTENSION_PRESENT
    )
    request = parse(TreeConnectRequestWithExtension if extended else TreeConnectRequest, ctx.body)
    path = request.path.decode("utf-16-le", "replace")
    share_name = share_name_from_path(path)
    share = authorize_tree_connect(conn.config, session, share_name, peer=conn.peer)

    tree_id = session.next_tree_id
    session.next_tree_id += 1
    tree = TreeConnect(tree_id=tree_id, share_name=share.name, is_ipc=True, encrypt_data=session.encrypt_data)
    session.tree_connects[tree_id] = tree
    ctx.response_tree_id = tree_id
    share_flags = ShareFlags.NO_CACHING
    if tree.encrypt_data:
        share_flags |= ShareFlags.ENCRYPT_DATA
    return build(
        TreeConnectResponse,
        share_type=ShareType.PIPE,
        reserved=0,
        share_flags=int(share_flags),
        capabilities=0,
        maximal_access=conn.config.profile.identity.smb2.ipc_maximal_access,
    )
