"""Issue 15 bug 4: a connection whose session logged off is not cut by the pre-authentication
timer (Windows keeps it; MS-SMB2 3.3.5.6 ends the session, not the connection); a connection
that never logged on still is."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from helpers import build_config
from smbemu.connection import Connection

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sansio_client import LOGOFF, Client  # noqa: E402


def test_logged_off_connection_outlives_the_preauth_deadline() -> None:
    config = build_config("win2000")
    client = Client(config)  # logs on (anonymous), connects IPC$, opens srvsvc at time 0
    client.send(LOGOFF, struct.pack("<HH", 4, 0))
    assert not client.conn.smb2.has_valid_session()
    after = config.limits.preauth_timeout + 1
    client.conn.handle_timer(after)
    assert not client.conn.closed


def test_connection_that_never_logged_on_is_cut_at_the_preauth_deadline() -> None:
    config = build_config("win2000")
    conn = Connection(config)
    conn.handle_timer(config.limits.preauth_timeout + 1)
    assert conn.closed
