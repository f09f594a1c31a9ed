"""SMB2 LOGOFF (MS-SMB2 2.2.7, 2.2.8, 3.3.5.6): end the session, its trees and opens."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from smbemu.smb2.layouts.session import LOGOFF_RESPONSE
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView, RequestContext

log = logging.getLogger("smbemu.session")


def handle(conn: ConnectionView, ctx: RequestContext) -> bytes:
    session = ctx.session
    assert session is not None
    log.info("session 0x%x: %s logged off", session.session_id, session.principal.display_name)
    # READs still waiting on the session's pipes complete with STATUS_PIPE_BROKEN (signed with the
    # session's key, which is still there) before the LOGOFF response, as at TREE_DISCONNECT;
    # drop_session alone would forget them unanswered (right when the connection is gone).
    for open_ in list(session.opens.values()):
        conn.pipe_reads.fail(open_, NtStatus.PIPE_BROKEN)
    # The response is still signed with the session's key, so the session object lives on
    # until the response is built (the connection signs with `ctx.session`). drop_session also
    # tells the observers (events.LoggedOff: the audit log's 4634), as when the connection goes away.
    conn.drop_session(session)
    # Built once from LogoffResponse; the request (LogoffRequest) has nothing to read beyond the
    # StructureSize the connection checks.
    return LOGOFF_RESPONSE
