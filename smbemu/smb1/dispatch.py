"""The SMB1 command table: which module answers each command, and what it needs first.

`andx`: the command's parameter words start with the AndX block (MS-CIFS 2.2.3.4) and another
command may follow it in the same message. `needs_session`: the UID must name a valid session
(else STATUS_SMB_BAD_UID). `needs_tree`: the TID must name a tree connect of that session (else
STATUS_SMB_BAD_TID). A command not in the table is answered STATUS_SMB_BAD_COMMAND
(ERRSRV/ERRbadcmd, MS-CIFS 3.3.5.2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from smbemu.smb1 import (
    close,
    echo,
    logoff,
    negotiate,
    nt_cancel,
    nt_create,
    open_andx,
    read,
    session_setup,
    trans2,
    transaction,
    tree_connect,
    tree_disconnect,
    write,
)
from smbemu.smb1.constants import Command


@dataclass(frozen=True, slots=True)
class CommandSpec:
    handler: Callable[[Any, Any], Any]
    andx: bool = False
    needs_session: bool = True
    needs_tree: bool = False


COMMANDS: dict[int, CommandSpec] = {
    Command.NEGOTIATE: CommandSpec(negotiate.handle, needs_session=False),
    # MS-CIFS 3.3.5.37: ECHO needs neither a session nor a tree (the TID may be 0xFFFF).
    Command.ECHO: CommandSpec(echo.handle, needs_session=False),
    Command.SESSION_SETUP_ANDX: CommandSpec(session_setup.handle, andx=True, needs_session=False),
    Command.LOGOFF_ANDX: CommandSpec(logoff.handle, andx=True),
    Command.TREE_CONNECT_ANDX: CommandSpec(tree_connect.handle, andx=True),
    Command.TREE_DISCONNECT: CommandSpec(tree_disconnect.handle, needs_tree=True),
    # Pipes on IPC$ (smbemu.ipc): every one needs the session and the tree of its open.
    Command.NT_CREATE_ANDX: CommandSpec(nt_create.handle, andx=True, needs_tree=True),
    Command.OPEN_ANDX: CommandSpec(open_andx.handle, andx=True, needs_tree=True),
    Command.READ_ANDX: CommandSpec(read.handle, andx=True, needs_tree=True),
    Command.WRITE_ANDX: CommandSpec(write.handle, andx=True, needs_tree=True),
    Command.CLOSE: CommandSpec(close.handle, needs_tree=True),
    Command.TRANSACTION: CommandSpec(transaction.handle, needs_tree=True),
    Command.TRANSACTION_SECONDARY: CommandSpec(transaction.handle_secondary, needs_tree=True),
    Command.TRANSACTION2: CommandSpec(trans2.handle, needs_tree=True),
    Command.TRANSACTION2_SECONDARY: CommandSpec(trans2.handle_secondary, needs_tree=True),
    # MS-CIFS 3.3.5.52: NT_CANCEL is never answered, not even with an error: no UID check (an
    # unknown UID names no pending request, and the cancel is dropped).
    Command.NT_CANCEL: CommandSpec(nt_cancel.handle, needs_session=False),
}
