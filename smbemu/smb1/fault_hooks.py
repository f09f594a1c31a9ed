"""Fault injection on SMB1 requests: the SMB1 side of `smbemu.faults` (the SMB2 side is
`smbemu.smb2.fault_hooks`).

A rule names an operation by its SMB2 command name (`command: TREE_CONNECT`); on an SMB1
connection it matches the SMB1 command that does the same thing, so one faults file covers both
dialects: NEGOTIATE, SESSION_SETUP(_ANDX), LOGOFF(_ANDX), TREE_CONNECT(_ANDX), TREE_DISCONNECT,
CREATE (NT_CREATE_ANDX, OPEN_ANDX), CLOSE, READ (READ_ANDX), WRITE (WRITE_ANDX), IOCTL (a named-pipe
TRANSACTION: TransactNmPipe and its kin are SMB2's FSCTL_PIPE_* on SMB1), ECHO, CANCEL (NT_CANCEL).
Called by the engine after the UID, signature and TID checks, like the SMB2 hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu.errors import SmbStatusError
from smbemu.faults import FaultEngine, FaultRule, command_number, user_matches
from smbemu.pipe_names import normalize_pipe_name
from smbemu.smb1.constants import Command

if TYPE_CHECKING:
    from smbemu.smb1.context import Smb1Request, Smb1View

__all__ = ["before_request", "SMB2_EQUIVALENT"]

# SMB1 command -> the SMB2 command name a fault rule uses for it.
SMB2_EQUIVALENT: dict[int, str] = {
    Command.NEGOTIATE: "NEGOTIATE",
    Command.SESSION_SETUP_ANDX: "SESSION_SETUP",
    Command.LOGOFF_ANDX: "LOGOFF",
    Command.TREE_CONNECT_ANDX: "TREE_CONNECT",
    Command.TREE_DISCONNECT: "TREE_DISCONNECT",
    Command.NT_CREATE_ANDX: "CREATE",
    Command.OPEN_ANDX: "CREATE",
    Command.CLOSE: "CLOSE",
    Command.READ_ANDX: "READ",
    Command.WRITE_ANDX: "WRITE",
    Command.TRANSACTION: "IOCTL",
    Command.ECHO: "ECHO",
    Command.NT_CANCEL: "CANCEL",
}
# Where the FID sits in the parameter words (after the AndX block) of the commands naming an open.
_FID_WORD = {Command.READ_ANDX: 0, Command.WRITE_ANDX: 0, Command.CLOSE: 0, Command.TRANSACTION: 15}


def before_request(faults: FaultEngine, conn: Smb1View, req: Smb1Request) -> None:
    """Raise the status of the fault rule this request matches, if any."""
    if not faults.has_smb_rules:
        return
    name = SMB2_EQUIVALENT.get(req.command)
    command = command_number(name) if name is not None else None
    principal = req.session.principal if req.session is not None else None
    round_ = _setup_round(conn, req) if req.command == Command.SESSION_SETUP_ANDX else None

    def matches(rule: FaultRule) -> bool:
        if rule.command is not None and rule.command != command:
            return False
        if rule.session_setup_round is not None and rule.session_setup_round != round_:
            return False
        if rule.user is not None and not user_matches(rule.user, principal):
            return False
        if rule.pipe is not None and rule.pipe != _request_pipe(req):
            return False
        return True

    what = "SMB1 " + (Command(req.command).name if req.command in Command._value2member_map_ else f"0x{req.command:02x}")
    if round_ is not None:
        what += f" round {round_}"
    chosen = faults.on_request(matches, what)
    if chosen is None or chosen.status is None:
        return
    raise SmbStatusError(chosen.status, f"fault rule #{chosen.index}")


def _setup_round(conn: Smb1View, req: Smb1Request) -> int:
    """1 for the first SESSION_SETUP_ANDX of an exchange, then 2, ... (by the UID it names)."""
    session = conn.sessions.get(req.uid) if req.uid else None
    if session is None or session.state.value != "in-progress":
        return 1
    return int(getattr(session.authenticator, "legs", 0)) + 1


def _request_pipe(req: Smb1Request) -> str | None:
    """The pipe a request is about: the name it opens, or the pipe of the FID it names."""
    if req.command in (Command.NT_CREATE_ANDX, Command.OPEN_ANDX):
        data = bytes(req.data)
        if req.unicode:
            if req.data_offset % 2:
                data = data[1:]  # the pad byte that aligns a Unicode name (MS-CIFS 2.2.4.64.1)
            name = data.decode("utf-16-le", "replace")
        else:
            name = data.decode("latin-1")
        return normalize_pipe_name(name.split("\0", 1)[0]) or None
    word = _FID_WORD.get(req.command)
    if word is None or req.session is None or len(req.words) < 2 * word + 2:
        return None
    fid = int.from_bytes(req.words[2 * word : 2 * word + 2], "little")
    open_ = req.session.opens.get(fid)
    return open_.pipe_name if open_ is not None else None
