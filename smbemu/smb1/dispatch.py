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

from smbemu.smb1 import echo, negotiate
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
}
