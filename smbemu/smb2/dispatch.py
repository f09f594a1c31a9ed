"""The SMB2 command table (the shape of Samba's smbd_smb2_dispatch_table).

Checks every command needs run in `smbemu.smb2.engine` before the handler, driven by the flags
here: `needs_session` (a valid SessionId, signature and encryption rules), `needs_tree` (a
TreeId of that session) and `structure_size` (the StructureSize the body must declare,
MS-SMB2 2.2.x). Each command lives in its own module with one `handle(conn, ctx)` entry point,
returning the response body (or None when nothing is sent now) or raising SmbStatusError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smbemu.smb2 import (
    cancel,
    close,
    create,
    echo,
    ioctl,
    logoff,
    negotiate,
    query_info,
    read,
    session_setup,
    tree_connect,
    tree_disconnect,
    unsupported,
    write,
)
from smbemu.smb2.constants import Command

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView, RequestContext


@dataclass(frozen=True, slots=True)
class CommandSpec:
    handler: Callable[[ConnectionView, RequestContext], bytes | None]
    needs_session: bool
    needs_tree: bool
    structure_size: int


COMMANDS: dict[int, CommandSpec] = {
    Command.NEGOTIATE: CommandSpec(negotiate.handle, False, False, 36),
    Command.SESSION_SETUP: CommandSpec(session_setup.handle, False, False, 25),
    Command.LOGOFF: CommandSpec(logoff.handle, True, False, 4),
    Command.TREE_CONNECT: CommandSpec(tree_connect.handle, True, False, 9),
    Command.TREE_DISCONNECT: CommandSpec(tree_disconnect.handle, True, True, 4),
    Command.CREATE: CommandSpec(create.handle, True, True, 57),
    Command.CLOSE: CommandSpec(close.handle, True, True, 24),
    Command.FLUSH: CommandSpec(unsupported.handle, True, True, 24),
    Command.READ: CommandSpec(read.handle, True, True, 49),
    Command.WRITE: CommandSpec(write.handle, True, True, 49),
    Command.LOCK: CommandSpec(unsupported.handle, True, True, 48),
    Command.IOCTL: CommandSpec(ioctl.handle, True, True, 57),
    Command.CANCEL: CommandSpec(cancel.handle, False, False, 4),
    Command.ECHO: CommandSpec(echo.handle, False, False, 4),
    Command.QUERY_DIRECTORY: CommandSpec(unsupported.handle, True, True, 33),
    Command.CHANGE_NOTIFY: CommandSpec(unsupported.handle, True, True, 32),
    Command.QUERY_INFO: CommandSpec(query_info.handle, True, True, 41),
    Command.SET_INFO: CommandSpec(unsupported.handle, True, True, 33),
    Command.OPLOCK_BREAK: CommandSpec(unsupported.handle, True, True, 24),
}
