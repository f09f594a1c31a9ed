"""Fault injection on SMB2 requests: which `smbemu.faults` rule a request matches.

The rules engine (`smbemu.faults`) knows no dialect; this module is the SMB2 side of it, called by
the engine before a request's handler runs (after the session, signature and tree checks, so an
injected status is answered like any handler's). A rule names a command, the round of a
SESSION_SETUP exchange, a user and a pipe; the first rule that matches (and has not run out of
``times``) fires, and a rule with a ``status`` answers the request with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from smbemu.errors import SmbStatusError
from smbemu.faults import FaultEngine, FaultRule, user_matches
from smbemu.pipe_names import normalize_pipe_name
from smbemu.smb2.constants import Command

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView, RequestContext

__all__ = ["before_request"]

# Where the FileId sits in request bodies that name an open (MS-SMB2 2.2.x).
_FILE_ID_OFFSET: Final[dict[int, int]] = {
    Command.CLOSE: 8, Command.FLUSH: 8, Command.READ: 16, Command.WRITE: 16, Command.LOCK: 8,
    Command.IOCTL: 8, Command.QUERY_DIRECTORY: 8, Command.CHANGE_NOTIFY: 8,
    Command.QUERY_INFO: 24, Command.SET_INFO: 16,
}


def before_request(faults: FaultEngine, conn: ConnectionView, ctx: RequestContext) -> None:
    """Raise the status of the fault rule this request matches, if any (MS-SMB2 3.3.5.5.3: a
    failed SESSION_SETUP of an exchange in progress also removes its session)."""
    if not faults.has_smb_rules:
        return
    command = ctx.header.command
    round_ = _setup_round(conn, ctx) if command == Command.SESSION_SETUP else None
    principal = ctx.session.principal if ctx.session is not None else None
    pipe_cache: list[str | None] = []

    def pipe() -> str | None:
        if not pipe_cache:
            pipe_cache.append(_request_pipe(ctx, command))
        return pipe_cache[0]

    def matches(rule: FaultRule) -> bool:
        if rule.command is not None and rule.command != command:
            return False
        if rule.session_setup_round is not None and rule.session_setup_round != round_:
            return False
        if rule.user is not None and not user_matches(rule.user, principal):
            return False
        if rule.pipe is not None and rule.pipe != pipe():
            return False
        return True

    what = Command(command).name if command in Command._value2member_map_ else f"0x{command:04x}"
    if round_ is not None:
        what += f" round {round_}"
    chosen = faults.on_request(matches, what)
    if chosen is None or chosen.status is None:
        return
    if command == Command.SESSION_SETUP and ctx.header.session_id:
        session = conn.sessions.get(ctx.header.session_id)
        if session is not None and session.state.value == "in-progress":
            conn.sessions.pop(session.session_id, None)
    raise SmbStatusError(chosen.status, f"fault rule #{chosen.index}")


def _setup_round(conn: ConnectionView, ctx: RequestContext) -> int:
    """1 for the first SESSION_SETUP of an exchange (new session or re-authentication), then 2, ..."""
    session_id = ctx.header.session_id
    if not session_id:
        return 1
    session = conn.sessions.get(session_id)
    if session is None or session.state.value != "in-progress":
        return 1
    return int(getattr(session.authenticator, "legs", 0)) + 1


def _request_pipe(ctx: RequestContext, command: int) -> str | None:
    """The pipe a request is about: the name a CREATE opens, or the open a FileId names."""
    body = ctx.body
    try:
        if command == Command.CREATE:
            # MS-SMB2 2.2.13: NameOffset (from the header) and NameLength at body offsets 44, 46.
            offset = int.from_bytes(body[44:46], "little")
            length = int.from_bytes(body[46:48], "little")
            name = bytes(ctx.raw[offset : offset + length]).decode("utf-16-le")
            return normalize_pipe_name(name) or None
        file_offset = _FILE_ID_OFFSET.get(command)
        if file_offset is None or ctx.session is None:
            return None
        file_id = ctx.file_id(file_offset)
        open_ = ctx.session.opens.get(int.from_bytes(file_id[8:16], "little"))
        return open_.pipe_name if open_ is not None else None
    except (SmbStatusError, UnicodeDecodeError, ValueError):
        return None
