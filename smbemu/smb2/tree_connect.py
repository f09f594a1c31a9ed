"""SMB2 TREE_CONNECT (MS-SMB2 2.2.9, 2.2.10, 3.3.5.7).

`\\\\server\\IPC$` gives the virtual IPC share whose only files are named pipes. The fixture's
other shares (C$, ADMIN$, …) exist — share enumeration lists them — but this emulator serves no
files, so connecting to one is refused with STATUS_ACCESS_DENIED, the answer a share ACL gives;
a name the server does not have gets STATUS_BAD_NETWORK_NAME.

Before that, the policy (`smbemu.policy.Policy.tree_connect`, windows-defaults.md §0 rule 2)
decides for anonymous sessions: IPC$ is always reachable (except Windows 2000 with
RestrictAnonymous=2), any other share only when named in NullSessionShares while
RestrictNullSessAccess is on; a refusal is STATUS_ACCESS_DENIED, with the reason in the log.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from smbemu import events
from smbemu.dialects import Dialect
from smbemu.errors import ProtocolViolation, SmbStatusError
from smbemu.policy import policy_for
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
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView, RequestContext

log = logging.getLogger("smbemu.tree")

# What Windows grants on IPC$ (MS-SMB2 2.2.10 MaximalAccess): FILE_ALL_ACCESS-like 0x001F01FF.
IPC_MAXIMAL_ACCESS = 0x001F01FF


def share_name_from_path(path: str) -> str:
    """`\\\\server\\share` → `share` (MS-SMB2 2.2.9: the path is \\\\server\\share)."""
    if not path.startswith("\\\\"):
        raise SmbStatusError(NtStatus.BAD_NETWORK_NAME, f"path {path!r} is not \\\\server\\share")
    parts = path[2:].split("\\")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise SmbStatusError(NtStatus.BAD_NETWORK_NAME, f"path {path!r} is not \\\\server\\share")
    return parts[1]


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
    if len(session.tree_connects) >= conn.config.limits.max_tree_connects_per_session:
        raise SmbStatusError(NtStatus.INSUFFICIENT_RESOURCES, "too many tree connects on the session")

    share = conn.config.directory.find_share(share_name)
    if share is None:
        log.info("tree connect to unknown share %r by %s -> BAD_NETWORK_NAME", share_name, session.principal.display_name)
        raise SmbStatusError(NtStatus.BAD_NETWORK_NAME, f"no share named {share_name!r}")
    decision = policy_for(conn.config).tree_connect(session.principal, share.name, share.type)
    # observers (the audit log's 5140): the policy's decision, or the emulator's own refusal
    if conn.config.observers:
        refused = (f"deny tree-connect {share.name}: only IPC$ is served by the emulator"
                   if decision.allowed and share.type != "ipc" else None)
        conn.config.observers.emit(events.ShareConnect(
            session=session, peer=conn.peer, share=share.name, decision=decision, refused=refused))
    if not decision.allowed:
        raise SmbStatusError(decision.status, decision.reason)
    if share.type != "ipc":
        log.info("tree connect to %r by %s -> ACCESS_DENIED (only IPC$ is served)", share.name, session.principal.display_name)
        raise SmbStatusError(NtStatus.ACCESS_DENIED, f"share {share.name!r} is not served")

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
        maximal_access=IPC_MAXIMAL_ACCESS,
    )
