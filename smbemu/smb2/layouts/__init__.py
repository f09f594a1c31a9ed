"""Every SMB2 message body, declared once with construct (MS-SMB2 2.2; the user's design card).

`session` holds the connection, session and tree commands, `files` the file commands a pipe
answers, `header` the 64-byte packet header (whose fast `struct` codec, smbemu.smb2.header, is
what runs); `base` holds `Body`, the Buffer field and the boundary (`parse`: any construct error
is STATUS_INVALID_PARAMETER; `build`). `MESSAGES` names, for every command of the dispatch table, the declaration
of its request and of the response the server sends.
"""

from __future__ import annotations

from typing import Any

from smbemu.smb2.constants import Command
from smbemu.smb2.layouts import files, header, session
from smbemu.smb2.layouts.base import build, parse, parse_or_disconnect

__all__ = ["MESSAGES", "build", "files", "header", "parse", "parse_or_disconnect", "session"]

# Command -> (request declaration, response declaration). The commands a pipe does not serve are
# answered with the ERROR response (smbemu.smb2.unsupported), and CANCEL is never answered
# (MS-SMB2 3.3.5.16): its request is all there is.
MESSAGES: dict[int, tuple[Any, Any | None]] = {
    Command.NEGOTIATE: (session.NegotiateRequest, session.NegotiateResponse),
    Command.SESSION_SETUP: (session.SessionSetupRequest, session.SessionSetupResponse),
    Command.LOGOFF: (session.LogoffRequest, session.LogoffResponse),
    Command.TREE_CONNECT: (session.TreeConnectRequest, session.TreeConnectResponse),
    Command.TREE_DISCONNECT: (session.TreeDisconnectRequest, session.TreeDisconnectResponse),
    Command.CREATE: (files.CreateRequest, files.CreateResponse),
    Command.CLOSE: (files.CloseRequest, files.CloseResponse),
    Command.FLUSH: (files.FlushRequest, session.ErrorResponse),
    Command.READ: (files.ReadRequest, files.ReadResponse),
    Command.WRITE: (files.WriteRequest, files.WriteResponse),
    Command.LOCK: (files.LockRequest, session.ErrorResponse),
    Command.IOCTL: (files.IoctlRequest, files.IoctlResponse),
    Command.CANCEL: (session.CancelRequest, None),
    Command.ECHO: (session.EchoRequest, session.EchoResponse),
    Command.QUERY_DIRECTORY: (files.QueryDirectoryRequest, session.ErrorResponse),
    Command.CHANGE_NOTIFY: (files.ChangeNotifyRequest, session.ErrorResponse),
    Command.QUERY_INFO: (files.QueryInfoRequest, files.QueryInfoResponse),
    Command.SET_INFO: (files.SetInfoRequest, session.ErrorResponse),
    Command.OPLOCK_BREAK: (files.OplockBreakAcknowledgment, session.ErrorResponse),
}
