"""SMB1 LOGOFF_ANDX (MS-CIFS 2.2.4.54, 3.3.5.45): the session, its trees and its opens go."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from smbemu.smb1.layouts.session import EMPTY_REPLY

if TYPE_CHECKING:
    from smbemu.smb1.context import Smb1Request, Smb1View

log = logging.getLogger("smbemu.session")


def handle(conn: Smb1View, req: Smb1Request) -> tuple[bytes, bytes]:
    """The response carries the UID it logged off and no words beyond the AndX block
    (MS-CIFS 2.2.4.54.2). `drop_session` ends the session as SMB2 LOGOFF does: its waiting
    reads, opens and trees go, it leaves `config.sessions`, and the observers get
    `events.LoggedOff` (the audit log's 4634)."""
    session = req.session
    assert session is not None
    log.info("session 0x%x (UID %d): %s logged off", session.session_id, req.header.uid,
             session.principal.display_name)
    conn.drop_session(session)
    return EMPTY_REPLY
