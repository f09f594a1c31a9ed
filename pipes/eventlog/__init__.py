"""eventlog: the EventLog Remoting Protocol (MS-EVEN), read-only, on ``\\PIPE\\eventlog``.

UUID 82273fdc-e32a-18c3-3f78-827929dc23ea version 0.0 (MS-EVEN 2.1.1).  Every opnum of MS-EVEN
3.1.4 (0 to 26) is declared:

* **emulated**: ElfrOpenELW/A (7, 14), ElfrCloseEL (2), ElfrNumberOfRecords (4),
  ElfrOldestRecord (5), ElfrReadELW/A (10, 17, :mod:`.reading`), ElfrGetLogInformation (22),
  ElfrOpenBELW/A (9, 16: the emulated disk holds no backup file), ElfrChangeNotify (6:
  STATUS_INVALID_HANDLE, what Windows always answers a remote caller, MS-EVEN 3.1.4.x
  ElfrChangeNotify), ElfrDeregisterEventSource (3, closes a handle like ElfrCloseEL);
* **changes** (ElfrClearELFW/A, ElfrBackupELFW/A, ElfrRegisterEventSourceW/A, ElfrReportEvent*):
  STATUS_ACCESS_DENIED (:mod:`.refused`).  Windows refuses clearing and backing up a log to a
  caller whose handle lacks ELF_LOGFILE_CLEAR / BACKUP (every non-administrator: the logs'
  CustomSD, KB 323076, D); the administrator gets the same status because the emulated logs
  are read-only, as winreg and svcctl refuse their changes (a success would let a tool
  believe the Security log was cleared); the refusal is the 100001 event a defender sees;
* **"Opnum19/20/21/23NotUsedOnWire"**: fault nca_op_rng_error (MS-EVEN 3.1.4).

The logs (:mod:`.records`): Security = the audit log read back; Application and System exist,
empty.  A ModuleName that is neither a log nor a known source opens the Application log
(MS-EVEN 3.1.4.3: "If the ModuleName is not found, the server MUST use the Application log").

Access (the rule of ElfrOpenELW, its "level" being the log opened): the Security log to
administrators only (NT 4 / 2000: reading it needs SeSecurityPrivilege, held by Administrators;
2003 and later: its CustomSD grants read to SYSTEM, Administrators and, from 2008, Event Log
Readers; KB 323076, D).  Application and System: any authenticated user before 2003 (Guests and
anonymous kept out by RestrictGuestAccess=1, W), administrators only from 2003 on (their
CustomSD grants read to INTERACTIVE, SERVICE and BATCH, which a network logon does not hold, D:
KB 323076).  Anonymous callers do not reach the pipe: eventlog is in no release's
NullSessionPipes (policies/*.yaml; NT 4 / 2000 included), so CREATE is STATUS_ACCESS_DENIED.

An unknown or closed handle is a fault nca_s_fault_context_mismatch: the RPC runtime rejects it
before the method runs (MS-RPCE 3.3.3.2.1, as every pipe here), although MS-EVEN's methods
document STATUS_INVALID_HANDLE for the case (the runtime answers first).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.policy import Later, Require, Rule
from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import (
    ConformantBytes,
    ConformantVaryingBytes,
    ContextHandle,
    Pointer,
    RpcUnicodeString,
    Struct,
    uint8,
    uint16,
    uint32,
)
from smbemu.status import (
    NCA_S_FAULT_CONTEXT_MISMATCH,
    RPC_X_INVALID_BOUND,
    STATUS_BUFFER_TOO_SMALL,
    STATUS_INVALID_HANDLE,
    STATUS_INVALID_LEVEL,
    STATUS_OBJECT_NAME_NOT_FOUND,
)

from .records import LOGS, SOURCES, visible_records

#: The per-log "level" of the ElfrOpenELW rule.
LOG_LEVELS: Final = {"Application": 1, "System": 2, "Security": 3}
_ADM: Final = Require.ADMINISTRATORS
OPEN_RULE: Final = Rule(
    Require.AUTHENTICATED, {LOG_LEVELS["Security"]: _ADM},
    since=(Later((5, 2), _ADM),),
    source="KB 323076 (D: the logs' CustomSD); Security: SeSecurityPrivilege before 2003")

INTERFACE: Final = Interface(
    name="eventlog", uuid="82273fdc-e32a-18c3-3f78-827929dc23ea", version=(0, 0),
    pipes=("eventlog",), opnum_count=27,
    description="EventLog Remoting Protocol (MS-EVEN), read-only",
    rules={name: OPEN_RULE for name in ("ElfrOpenELW", "ElfrOpenELA", "ElfrOpenBELW", "ElfrOpenBELA")})

#: MS-EVEN 3.1.4: opnums no client sends.
NOT_USED_ON_WIRE: Final = {n: f"Opnum{n}NotUsedOnWire" for n in (19, 20, 21)}
for _opnum, _name in NOT_USED_ON_WIRE.items():
    INTERFACE.not_implemented(_opnum, _name)

#: MS-EVEN 2.2.7 / IDL: MAX_BATCH_BUFF, the range of NumberOfBytesToRead and cbBufSize.
MAX_BATCH_BUFF: Final = 0x0007FFFF
_HANDLE_KIND: Final = "eventlog.log"

#: MS-EVEN 2.2.2 EVENTLOG_HANDLE_W / _A: ``[handle, unique]`` wchar_t* / char*: one character.
EVENTLOG_HANDLE_W: Final = Pointer(uint16)
EVENTLOG_HANDLE_A: Final = Pointer(uint8)
#: MS-DTYP 2.3.9 RPC_STRING (ANSI counted string, the *A calls).
RPC_STRING: Final = Struct("RPC_STRING", [
    ("Length", uint16), ("MaximumLength", uint16), ("Buffer", Pointer(ConformantVaryingBytes()))])


class OpenLog:
    """What a log handle refers to: the log, and the reader's position (the record number the
    next sequential read starts at; None until the first read, MS-EVEN 3.1.1.5)."""

    __slots__ = ("log", "position", "backup")

    def __init__(self, log: str, backup: Any = None) -> None:
        self.log = log
        self.position: int | None = None
        #: A backup file's records (ElfrOpenBELW), None for the live log.
        self.backup = backup


def opened(ctx: CallContext, handle: bytes) -> OpenLog:
    entry = ctx.handles.lookup(handle, _HANDLE_KIND)
    if entry is None:
        raise RpcFault(NCA_S_FAULT_CONTEXT_MISMATCH, "unknown eventlog handle")
    log: OpenLog = entry.obj
    return log


def records_of(ctx: CallContext, log: OpenLog) -> Any:
    return log.backup if log.backup is not None else visible_records(ctx.server, log.log)


#: The backups ElfrBackupELFW / ElfrClearELFW wrote (the server's memo): the NT path, lower-cased,
#: to (log, the records it held).  Kept in memory: the emulated machine writes no file.
BACKUPS_MEMO: Final = "eventlog.backups"


def _log_named(name: str) -> str:
    """MS-EVEN 3.1.4.3: a log name, or a source registered under a log, else Application."""
    key = name.rstrip("\x00").strip().lower()
    return LOGS.get(key) or SOURCES.get(key) or "Application"


def _open(ctx: CallContext, name: str) -> dict[str, Any]:
    log = _log_named(name)
    decision = ctx.decide(level=LOG_LEVELS[log])
    if not decision.allowed:
        return {"LogHandle": bytes(20), "ReturnValue": decision.status}
    return {"LogHandle": ctx.handles.create(_HANDLE_KIND, OpenLog(log)), "ReturnValue": 0}


def _ansi(value: Any) -> str:
    buffer = (value or {}).get("Buffer") if isinstance(value, dict) else None
    return bytes(buffer or b"").decode("cp1252", "replace")


_OPEN_OUT: Final = [("LogHandle", ContextHandle)]


@INTERFACE.operation(7, "ElfrOpenELW",
                     request=[("UNCServerName", EVENTLOG_HANDLE_W),
                              ("ModuleName", RpcUnicodeString),
                              ("RegModuleName", RpcUnicodeString),
                              ("MajorVersion", uint32), ("MinorVersion", uint32)],
                     response=_OPEN_OUT)
def ElfrOpenELW(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-EVEN 3.1.4.3: a handle to the log ModuleName names (UNCServerName, RegModuleName and
    the versions are ignored, as the server MUST)."""
    return _open(ctx, request["ModuleName"] or "")


@INTERFACE.operation(14, "ElfrOpenELA",
                     request=[("UNCServerName", EVENTLOG_HANDLE_A), ("ModuleName", RPC_STRING),
                              ("RegModuleName", RPC_STRING),
                              ("MajorVersion", uint32), ("MinorVersion", uint32)],
                     response=_OPEN_OUT)
def ElfrOpenELA(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-EVEN 3.1.4.4: ElfrOpenELW with ANSI names."""
    return _open(ctx, _ansi(request["ModuleName"]))


def _open_backup(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-EVEN 3.1.4.1-2: open a backup log file: one an administrator's ElfrBackupELFW /
    ElfrClearELFW wrote on this server (kept in memory), read like the log it was taken from;
    any other name is STATUS_OBJECT_NAME_NOT_FOUND, what NtOpenFile answers for a missing file
    (U on which status a path in a missing directory gets)."""
    name = request["BackupFileName"]
    text = _ansi(name) if isinstance(name, dict) else str(name or "")
    backups: dict[str, tuple[str, Any]] = ctx.server.memo(BACKUPS_MEMO, dict)
    found = backups.get(text.rstrip("\x00").lower())
    if found is None:
        return {"LogHandle": bytes(20), "ReturnValue": STATUS_OBJECT_NAME_NOT_FOUND}
    decision = ctx.decide(level=LOG_LEVELS["Security"])  # a backup file: administrators (U)
    if not decision.allowed:
        return {"LogHandle": bytes(20), "ReturnValue": decision.status}
    log, records = found
    return {"LogHandle": ctx.handles.create(_HANDLE_KIND, OpenLog(log, records)), "ReturnValue": 0}


INTERFACE.operation(9, "ElfrOpenBELW",
                    request=[("UNCServerName", EVENTLOG_HANDLE_W),
                             ("BackupFileName", RpcUnicodeString),
                             ("MajorVersion", uint32), ("MinorVersion", uint32)],
                    response=_OPEN_OUT)(_open_backup)
INTERFACE.operation(16, "ElfrOpenBELA",
                    request=[("UNCServerName", EVENTLOG_HANDLE_A), ("BackupFileName", RPC_STRING),
                             ("MajorVersion", uint32), ("MinorVersion", uint32)],
                    response=_OPEN_OUT)(_open_backup)


def _close(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-EVEN 3.1.4.21 / 3.1.4.22: the handle is closed and returned zeroed."""
    opened(ctx, request["LogHandle"])
    ctx.handles.close(request["LogHandle"], _HANDLE_KIND)
    return {"LogHandle": bytes(20), "ReturnValue": 0}


for _opnum, _name in ((2, "ElfrCloseEL"), (3, "ElfrDeregisterEventSource")):
    INTERFACE.operation(_opnum, _name, request=[("LogHandle", ContextHandle)],
                        response=[("LogHandle", ContextHandle)])(_close)


@INTERFACE.operation(4, "ElfrNumberOfRecords", request=[("LogHandle", ContextHandle)],
                     response=[("NumberOfRecords", uint32)])
def ElfrNumberOfRecords(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-EVEN 3.1.4.20: how many records the log holds."""
    return {"NumberOfRecords": len(records_of(ctx, opened(ctx, request["LogHandle"]))),
            "ReturnValue": 0}


@INTERFACE.operation(5, "ElfrOldestRecord", request=[("LogHandle", ContextHandle)],
                     response=[("OldestRecordNumber", uint32)])
def ElfrOldestRecord(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-EVEN 3.1.4.19: the oldest record's number, 0 for an empty log."""
    records = records_of(ctx, opened(ctx, request["LogHandle"]))
    return {"OldestRecordNumber": records[0][0] if records else 0, "ReturnValue": 0}


@INTERFACE.operation(6, "ElfrChangeNotify",
                     request=[("LogHandle", ContextHandle), ("UniqueProcess", uint32),
                              ("UniqueThread", uint32), ("Event", uint32)],
                     response=[])
def ElfrChangeNotify(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-EVEN 3.1.4.x ElfrChangeNotify: "always returns STATUS_INVALID_HANDLE when called
    remotely" (it is for local use)."""
    opened(ctx, request["LogHandle"])
    return {"ReturnValue": STATUS_INVALID_HANDLE}


@INTERFACE.operation(22, "ElfrGetLogInformation",
                     request=[("LogHandle", ContextHandle), ("InfoLevel", uint32),
                              ("cbBufSize", uint32)],
                     response=[("Buffer", ConformantBytes()), ("pcbBytesNeeded", uint32)])
def ElfrGetLogInformation(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-EVEN 3.1.4.15: level 0 (EVENTLOG_FULL_INFORMATION, 2.2.4: dwFull, 0 = the log is not
    full); any other level STATUS_INVALID_LEVEL; a buffer under 4 bytes STATUS_BUFFER_TOO_SMALL
    with the size needed.  cbBufSize is ``range(0, MAX_BATCH_BUFF)`` in the IDL: beyond it the
    stub refuses the call (RPC_X_INVALID_BOUND)."""
    opened(ctx, request["LogHandle"])
    room = request["cbBufSize"]
    if room > MAX_BATCH_BUFF:
        raise RpcFault(RPC_X_INVALID_BOUND, "cbBufSize beyond MAX_BATCH_BUFF")
    if request["InfoLevel"] != 0:
        return {"Buffer": bytes(room), "pcbBytesNeeded": 0, "ReturnValue": STATUS_INVALID_LEVEL}
    if room < 4:
        return {"Buffer": bytes(room), "pcbBytesNeeded": 4, "ReturnValue": STATUS_BUFFER_TOO_SMALL}
    return {"Buffer": bytes(room), "pcbBytesNeeded": 4, "ReturnValue": 0}


from . import reading  # noqa: E402,F401  (ElfrReadELW / ElfrReadELA)
from . import refused  # noqa: E402,F401  (declares the refused opnums on INTERFACE)

__all__ = ["INTERFACE", "LOG_LEVELS", "MAX_BATCH_BUFF", "NOT_USED_ON_WIRE", "OpenLog"]
