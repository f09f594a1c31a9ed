"""ElfrReadELW (opnum 10) and ElfrReadELA (opnum 17): MS-EVEN 3.1.4.7 / 3.1.4.8.

ReadFlags carries exactly one of EVENTLOG_SEQUENTIAL_READ (1) / EVENTLOG_SEEK_READ (2) and one
of EVENTLOG_FORWARDS_READ (4) / EVENTLOG_BACKWARDS_READ (8); anything else is
STATUS_INVALID_PARAMETER.  A sequential read goes on from where the handle's last read stopped
(the first one starts at the oldest record forwards, the newest backwards); a seek read starts
at RecordOffset.  As many whole records as fit are returned; when not even the first fits, the
answer is STATUS_BUFFER_TOO_SMALL with its size in MinNumberOfBytesNeeded (clients then ask again
with that size: Samba's rpcclient, ReadEventLog); past the last record STATUS_END_OF_FILE.

A seek to a record no longer (or never) in the log: STATUS_INVALID_PARAMETER below the oldest
record (U: Windows' answer for an overwritten record), STATUS_END_OF_FILE beyond the newest
(ReadEventLog's ERROR_HANDLE_EOF, W).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ContextHandle, Sized, ConformantBytes, uint32
from smbemu.status import (
    RPC_X_INVALID_BOUND,
    STATUS_BUFFER_TOO_SMALL,
    STATUS_END_OF_FILE,
    STATUS_INVALID_PARAMETER,
)

from . import INTERFACE, MAX_BATCH_BUFF, opened, records_of
from .records import eventlog_record

EVENTLOG_SEQUENTIAL_READ: Final = 0x1
EVENTLOG_SEEK_READ: Final = 0x2
EVENTLOG_FORWARDS_READ: Final = 0x4
EVENTLOG_BACKWARDS_READ: Final = 0x8


def _answer(room: int, data: bytes, status: int, needed: int = 0) -> dict[str, Any]:
    # [out, size_is(NumberOfBytesToRead)] Buffer: the array is always as large as the caller's
    # buffer; what was read fills its start.
    return {"Buffer": Sized(data + bytes(room - len(data)), room) if room else b"",
            "NumberOfBytesRead": len(data), "MinNumberOfBytesNeeded": needed,
            "ReturnValue": status}


def _read(ctx: CallContext, request: dict[str, Any], ansi: bool) -> dict[str, Any]:
    log = opened(ctx, request["LogHandle"])
    room = request["NumberOfBytesToRead"]
    if room > MAX_BATCH_BUFF:
        # IDL: [in, range(0, MAX_BATCH_BUFF)] RULONG: the stub refuses the call.
        raise RpcFault(RPC_X_INVALID_BOUND, "NumberOfBytesToRead beyond MAX_BATCH_BUFF")
    flags = request["ReadFlags"]
    how = flags & (EVENTLOG_SEQUENTIAL_READ | EVENTLOG_SEEK_READ)
    direction = flags & (EVENTLOG_FORWARDS_READ | EVENTLOG_BACKWARDS_READ)
    if (how not in (EVENTLOG_SEQUENTIAL_READ, EVENTLOG_SEEK_READ)
            or direction not in (EVENTLOG_FORWARDS_READ, EVENTLOG_BACKWARDS_READ)
            or flags & ~0xF):
        return _answer(room, b"", STATUS_INVALID_PARAMETER)
    records = records_of(ctx, log)
    if not records:
        return _answer(room, b"", STATUS_END_OF_FILE)
    oldest, newest = records[0][0], records[-1][0]
    forwards = direction == EVENTLOG_FORWARDS_READ
    if how == EVENTLOG_SEEK_READ:
        start = request["RecordOffset"]
        if start < oldest:
            return _answer(room, b"", STATUS_INVALID_PARAMETER)
    elif log.position is not None:
        start = log.position
    else:
        start = oldest if forwards else newest
    # A forward position left below the oldest record (the ring moved on) resumes at the oldest.
    if forwards and start < oldest:
        start = oldest
    if start > newest or start < oldest:
        return _answer(room, b"", STATUS_END_OF_FILE)
    version = ctx.server.profile.identity.version
    index = start - oldest
    step = 1 if forwards else -1
    out = bytearray()
    while 0 <= index < len(records):
        number, event = records[index]
        record = eventlog_record(number, event, version, ansi=ansi)
        if len(out) + len(record) > room:
            if not out:
                return _answer(room, b"", STATUS_BUFFER_TOO_SMALL, len(record))
            break
        out += record
        index += step
    log.position = oldest + index
    return _answer(room, bytes(out), 0)


_REQUEST: Final = [("LogHandle", ContextHandle), ("ReadFlags", uint32),
                   ("RecordOffset", uint32), ("NumberOfBytesToRead", uint32)]
_RESPONSE: Final = [("Buffer", ConformantBytes()), ("NumberOfBytesRead", uint32),
                    ("MinNumberOfBytesNeeded", uint32)]


@INTERFACE.operation(10, "ElfrReadELW", request=_REQUEST, response=_RESPONSE)
def ElfrReadELW(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-EVEN 3.1.4.7: records with UTF-16 strings."""
    return _read(ctx, request, ansi=False)


@INTERFACE.operation(17, "ElfrReadELA", request=_REQUEST, response=_RESPONSE)
def ElfrReadELA(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-EVEN 3.1.4.8: the same records with ANSI strings."""
    return _read(ctx, request, ansi=True)
