"""The MS-EVEN calls that change a log: clearing, backing up, flushing, writing events.

Clearing and backing up (ElfrClearELFW/A, ElfrBackupELFW/A) need ELF_LOGFILE_CLEAR /
ELF_LOGFILE_BACKUP on the handle, which the logs' CustomSD give administrators only (KB 323076,
D): everyone else gets STATUS_ACCESS_DENIED before anything else is looked at.  For an
administrator, in Windows' order:

* a backup file name that is not an NT path (``C:\\x`` rather than ``\\??\\C:\\x``) is
  STATUS_OBJECT_PATH_SYNTAX_BAD, what NtCreateFile answers (W: smbtorture's BackupLog, written
  against Windows); the Security log's backup to ``\\??\\c:\\beto2`` is STATUS_OBJECT_NAME_INVALID
  (W: impacket's tests/dcerpc/test_even.py, run against Windows as an administrator; U: why that
  name, on that log); a name already written is STATUS_OBJECT_NAME_COLLISION (W: smbtorture);
  otherwise the backup is kept in the server's memory -- never on the host -- and ElfrOpenBELW
  opens it (``BACKUPS_MEMO``);
* clearing hides the log's records from every reader, MS-EVEN and MS-EVEN6 alike
  (``records.clear_log``; the audit log file keeps them), and a cleared Security log starts with
  event 1102 "The audit log was cleared" with the caller as Subject, as Windows logs it (D: the
  1102 documentation).

ElfrFlushEL (opnum 23; "Opnum23NotUsedOnWire" in MS-EVEN 3.1.4, reserved for local use) is
STATUS_ACCESS_DENIED to a remote caller (W: smbtorture's FlushEventLog expects exactly that of
Windows: "Does this RPC always return access denied?").

Writing an event (ElfrReportEventW, 3.1.4.13) needs ELF_LOGFILE_WRITE, which the CustomSD give
administrators on the Application and System logs and nobody on Security (MS-EVEN 3.1.4.13: the
Security log is written by the system only; D: KB 323076): an administrator's event is appended
to the log in the server's memory, numbered after its last record, and read back by
ElfrReadELW / ElfrNumberOfRecords and MS-EVEN6 (W: smbtorture's ReportEventLog expects success
from Windows).  Registering a source and the other report calls (ElfrRegisterEventSourceW/A,
ElfrReportEventA, ElfrReportEventAndSourceW, ElfrReportEventExW/A) stay STATUS_ACCESS_DENIED
(impacket's suite gets it from Windows for ElfrRegisterEventSourceW on "Security", D; for the
other logs U).  Their [in] parameters are not decoded; [out] parameters are NULL / zero."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, Final

from smbemu.policy import Require, Rule
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantBytes,
    ContextHandle,
    NdrType,
    Pointer,
    PSid,
    RpcUnicodeString,
    uint16,
    uint32,
)
from smbemu.status import (
    STATUS_ACCESS_DENIED,
    STATUS_OBJECT_NAME_COLLISION,
    STATUS_OBJECT_NAME_INVALID,
    STATUS_OBJECT_PATH_SYNTAX_BAD,
)

from . import BACKUPS_MEMO, INTERFACE, RPC_STRING, OpenLog, opened, records_of
from .records import append_record, clear_log

ADMINISTRATORS: Final = Rule(Require.ADMINISTRATORS,
                             source="KB 323076 (D: ELF_LOGFILE_CLEAR / BACKUP / WRITE in the CustomSD)")
#: The Eventlog provider of event 1102 (its System/Provider in every 1102, W).
EVENTLOG_PROVIDER: Final = "Microsoft-Windows-Eventlog"
#: The most backups kept on one server (U: a bound on what a scripted client can make it keep).
MAX_BACKUPS: Final = 64


def _backup_name(value: object) -> str:
    if isinstance(value, dict):  # RPC_STRING of the *A calls
        buffer = value.get("Buffer")
        return bytes(buffer or b"").decode("cp1252", "replace")
    return str(value or "")


def _backup(ctx: CallContext, log: str, name: str) -> int:
    """Keep the log's records under ``name``; 0, or the status refusing the name."""
    if not name.startswith("\\??\\"):
        return STATUS_OBJECT_PATH_SYNTAX_BAD
    if log == "Security":
        return STATUS_OBJECT_NAME_INVALID
    backups: dict[str, tuple[str, Any]] = ctx.server.memo(BACKUPS_MEMO, dict)
    key = name.lower()
    if key in backups:
        return STATUS_OBJECT_NAME_COLLISION
    if len(backups) >= MAX_BACKUPS:
        return STATUS_ACCESS_DENIED
    backups[key] = (log, list(records_of(ctx, OpenLog(log))))
    return 0


def _clear_or_backup(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    log = opened(ctx, request["LogHandle"]).log
    name = _backup_name(request["BackupFileName"]).rstrip("\x00")
    if name:
        status = _backup(ctx, log, name)
        if status or op.name.startswith("ElfrBackup"):
            return {"ReturnValue": status}
    clear_log(ctx.server, log)
    audit = getattr(ctx.server, "audit", None)
    if log == "Security" and audit is not None:
        principal, directory = ctx.principal, ctx.server.directory
        user = directory.find_user(principal.user_name) if principal.user_name else None
        audit.emit(1102, True, {  # the Subject as every change event prints it (smbemu.audit_subject)
            "Provider": EVENTLOG_PROVIDER,
            "SubjectUserSid": str(user.sid) if user is not None else "S-1-0-0",
            "SubjectUserName": user.name if user is not None else principal.user_name,
            "SubjectDomainName": str(directory.account_domain.name),
            "SubjectLogonId": f"0x{ctx.session_id:X}"})
    return {"ReturnValue": 0}


for _opnum, _name, _kind in ((0, "ElfrClearELFW", Pointer(RpcUnicodeString)),
                             (1, "ElfrBackupELFW", RpcUnicodeString),
                             (12, "ElfrClearELFA", Pointer(RPC_STRING)),
                             (13, "ElfrBackupELFA", RPC_STRING)):
    INTERFACE.operation(_opnum, _name,
                        request=[("LogHandle", ContextHandle), ("BackupFileName", _kind)],
                        response=[], rule=ADMINISTRATORS)(_clear_or_backup)


@INTERFACE.operation(23, "ElfrFlushEL", request=[("LogHandle", ContextHandle)], response=[])
def ElfrFlushEL(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """Opnum 23: STATUS_ACCESS_DENIED to a remote caller, after the handle check (module docstring)."""
    opened(ctx, request["LogHandle"])
    return {"ReturnValue": STATUS_ACCESS_DENIED}


#: ElfrReportEvent*'s [in, out, unique] RecordNumber / TimeWritten.
_RECORD_OUT: Final = [("RecordNumber", Pointer(uint32)), ("TimeWritten", Pointer(uint32))]


@INTERFACE.operation(11, "ElfrReportEventW",
                     request=[("LogHandle", ContextHandle), ("Time", uint32), ("EventType", uint16),
                              ("EventCategory", uint16), ("EventID", uint32), ("NumStrings", uint16),
                              ("DataSize", uint32), ("ComputerName", RpcUnicodeString),
                              ("UserSID", PSid),
                              ("Strings", Pointer(ConformantArray(Pointer(RpcUnicodeString)))),
                              ("Data", Pointer(ConformantBytes())), ("Flags", uint16),
                              *_RECORD_OUT],
                     response=_RECORD_OUT, rule=ADMINISTRATORS)
def ElfrReportEventW(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-EVEN 3.1.4.13: an administrator's event on a log other than Security."""
    out = {"RecordNumber": request["RecordNumber"], "TimeWritten": request["TimeWritten"]}
    log = opened(ctx, request["LogHandle"])
    if log.log == "Security" or log.backup is not None:
        return {**out, "ReturnValue": STATUS_ACCESS_DENIED}
    strings = [str(s or "") for s in (request["Strings"] or [])][:request["NumStrings"]]
    moment = datetime.fromtimestamp(request["Time"], timezone.utc)
    event = {"EventID": request["EventID"], "EventType": request["EventType"],
             "EventCategory": request["EventCategory"],
             "TimeCreated": moment.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
             "Computer": str(request["ComputerName"] or ctx.server.directory.machine.netbios_name),
             **{f"String{i}": text for i, text in enumerate(strings, 1)}}
    number = append_record(ctx.server, log.log, event)
    written = int(datetime.now(timezone.utc).timestamp())
    return {"RecordNumber": number if request["RecordNumber"] is not None else None,
            "TimeWritten": written if request["TimeWritten"] is not None else None,
            "ReturnValue": 0}


#: Writing an event needs ELF_LOGFILE_WRITE (module docstring); these stay refused to everyone.
READ_ONLY: Final = Rule(Require.NOBODY, source="MS-EVEN 3.1.4 (D: the log's CustomSD); "
                        "the source registration and other report calls are not emulated")


def _refuse(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    return op.error_response(ctx.decide().status or STATUS_ACCESS_DENIED)


#: (opnum, name, [out] parameters) -- MS-EVEN 3.1.4.
REFUSED: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]]], ...]] = (
    (8, "ElfrRegisterEventSourceW", [("LogHandle", ContextHandle)]),
    (15, "ElfrRegisterEventSourceA", [("LogHandle", ContextHandle)]),
    (18, "ElfrReportEventA", _RECORD_OUT),
    (24, "ElfrReportEventAndSourceW", _RECORD_OUT),
    (25, "ElfrReportEventExW", _RECORD_OUT[:1]),
    (26, "ElfrReportEventExA", _RECORD_OUT[:1]),
)
for _opnum, _name, _out in REFUSED:
    INTERFACE.operation(_opnum, _name, request=(), response=_out, rule=READ_ONLY)(_refuse)

REFUSED_NAMES: Final = tuple(name for _, name, _ in REFUSED)
