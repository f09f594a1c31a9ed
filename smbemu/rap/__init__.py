"""The LAN Manager Remote Administration Protocol (MS-RAP) served on ``\\PIPE\\LANMAN``.

Sans-I/O: the SMB1 engine hands :func:`serve` the parameters and data of a TRANSACTION whose
name is ``\\PIPE\\LANMAN`` (MS-RAP 2.1, 3.2.3) and sends back the parameters and data it
returns.  RAP does not exist over SMB2 (MS-RAP 1.4).

What is served, per profile (MS-RAP Appendix A; :data:`smbemu.rap.commands.COMMANDS`):
NetShareEnum (0), NetShareGetInfo (1), NetServerGetInfo (13), NetUserEnum (53, LAN Manager),
NetWkstaGetInfo (63), NetRemoteTOD (91) on NT 4.0 to Server 2008; NetServerEnum2 (104) and NetServerEnum3 (215),
the browse list (:mod:`smbemu.rap.browse`), on every release.  Each is decided by the policy
as its DCE/RPC twin (:mod:`smbemu.rap.access`).  Any other opcode -- or one the emulated
release no longer serves -- is answered NERR_InvalidAPI (2142, "The requested API is not
supported on the remote server", MS-ERREF 2.2), the status a Windows client reports for an
API a server lacks (W; Samba's lanman.c answers ERROR_NOT_SUPPORTED instead), with the
4-byte parameters of an empty RAP response.

A ParamDesc that does not match the opcode, or parameters cut short, fail the transaction
itself with STATUS_INVALID_PARAMETER (:class:`smbemu.rap.wire.BadRequest`, an
``SmbStatusError``), as MS-RAP Appendix A <67>-<91> says Windows does.  When the client's
MaxParameterCount cannot hold the answer's parameters, the answer is NERR_BufTooSmall with
as many parameter bytes as allowed (Samba's api_TooSmall; Windows: U).

Each call is reported to the server's observers as a :class:`smbemu.events.RapCall` (the
audit log writes it like an RPC call, smbemu event 100002).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Final

from smbemu.events import RapCall
from smbemu.principal import ANONYMOUS
from smbemu.rap.commands import COMMANDS, Call, Command, Reply
from smbemu.rap.wire import BadRequest, parse_request
from smbemu.status import NERR_BUF_TOO_SMALL, NERR_INVALID_API

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.state import Session

__all__ = ["serve", "COMMANDS", "BadRequest", "PIPE_NAME"]

#: MS-RAP 1.9: the TRANSACTION Name that carries RAP (compared case-insensitively by servers).
PIPE_NAME: Final = "\\PIPE\\LANMAN"
_HEADER: Final = struct.Struct("<HH")


def _served(command: Command | None, config: ServerConfig) -> Command | None:
    if command is None or command.last_version is None:
        return command
    version = config.profile.identity.version
    return command if version <= command.last_version else None


def _parameters(reply: Reply, max_param_count: int) -> bytes:
    out = _HEADER.pack(reply.status & 0xFFFF, reply.converter & 0xFFFF)
    out += b"".join(word.to_bytes(2, "little") for word in reply.words)
    if len(out) > max_param_count:
        # The answer's parameters do not fit what the client will take (Samba api_TooSmall).
        return _HEADER.pack(NERR_BUF_TOO_SMALL, 0)[:max(0, max_param_count)]
    return out


def serve(config: ServerConfig, session: Session | None, params: bytes, data: bytes,
          max_param_count: int, max_data_count: int, *,
          peer: tuple[str, int] | None = None) -> tuple[bytes, bytes]:
    """Answer one RAP request: (response parameters, response data).

    ``params`` / ``data`` are the TRANSACTION's parameter and data bytes; ``max_param_count``
    and ``max_data_count`` its MaxParameterCount and MaxDataCount.  Raises
    :class:`~smbemu.rap.wire.BadRequest` (STATUS_INVALID_PARAMETER) for a malformed request."""
    principal = session.principal if session is not None else ANONYMOUS
    request = parse_request(params)
    command = _served(COMMANDS.get(request.opcode), config)
    call = Call(config, principal, max(0, max_data_count))
    if command is None:
        reply = Reply(NERR_INVALID_API)
    else:
        if request.param_desc not in command.param_descs:
            raise BadRequest(f"ParamDesc {request.param_desc!r} does not match opcode "
                             f"{request.opcode} ({command.name})")
        reply = command.handler(call, request)
    out = _parameters(reply, max_param_count)
    returned = reply.data if len(reply.data) <= call.max_data_count else b""
    if config.observers and session is not None:
        config.observers.emit(RapCall(
            session=session, peer=peer, opcode=request.opcode,
            command=command.name if command is not None else f"opcode {request.opcode}",
            level=call.level, principal=principal, status=int.from_bytes(out[:2], "little"),
            decision=call.decision))
    return out, returned
