"""The MS-EVEN calls that would change a log.

Clearing and backing up (ElfrClearELFW/A, ElfrBackupELFW/A) need ELF_LOGFILE_CLEAR /
ELF_LOGFILE_BACKUP on the handle, which the logs' CustomSD give administrators only (KB 323076,
D): everyone else gets STATUS_ACCESS_DENIED before anything else is looked at.  The
administrator naming a backup file gets STATUS_OBJECT_NAME_INVALID: the emulated machine has no
file system to write it to, and it is what Windows answers impacket's own test suite for
``\\??\\c:\\beto2`` (tests/dcerpc/test_even.py, run against Windows as an administrator, D);
clearing without a backup is STATUS_ACCESS_DENIED to the administrator too (read-only emulation:
a success would let a tool believe the Security log was cleared).

Registering a source and reporting events: STATUS_ACCESS_DENIED to everyone (impacket's suite
gets it from Windows for ElfrRegisterEventSourceW and ElfrReportEventW on "Security", D; for
the other logs, read-only emulation).  Their [in] parameters are not decoded; [out] parameters
are NULL / zero."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from smbemu.policy import Require, Rule
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ContextHandle, NdrType, Pointer, RpcUnicodeString, uint32
from smbemu.status import STATUS_ACCESS_DENIED, STATUS_OBJECT_NAME_INVALID

from . import INTERFACE, RPC_STRING, opened

ADMINISTRATORS: Final = Rule(Require.ADMINISTRATORS,
                             source="KB 323076 (D: ELF_LOGFILE_CLEAR / BACKUP in the CustomSD)")


def _backup_name(value: object) -> str:
    if isinstance(value, dict):  # RPC_STRING of the *A calls
        buffer = value.get("Buffer")
        return bytes(buffer or b"").decode("cp1252", "replace")
    return str(value or "")


def _clear_or_backup(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    opened(ctx, request["LogHandle"])
    if _backup_name(request["BackupFileName"]).strip("\x00"):
        return {"ReturnValue": STATUS_OBJECT_NAME_INVALID}
    return {"ReturnValue": ctx.deny("read-only", "clears a log (read-only emulation)").status}


for _opnum, _name, _kind in ((0, "ElfrClearELFW", Pointer(RpcUnicodeString)),
                             (1, "ElfrBackupELFW", RpcUnicodeString),
                             (12, "ElfrClearELFA", Pointer(RPC_STRING)),
                             (13, "ElfrBackupELFA", RPC_STRING)):
    INTERFACE.operation(_opnum, _name,
                        request=[("LogHandle", ContextHandle), ("BackupFileName", _kind)],
                        response=[], rule=ADMINISTRATORS)(_clear_or_backup)

#: Writing an event needs ELF_LOGFILE_WRITE: (local) services and administrators on Windows,
#: never for Security (MS-EVEN 3.1.4.16; the CustomSD of KB 323076, D); nobody here.
READ_ONLY: Final = Rule(Require.NOBODY, source="MS-EVEN 3.1.4 (D: the log's CustomSD); "
                        "read-only emulation")


def _refuse(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    return op.error_response(ctx.decide().status or STATUS_ACCESS_DENIED)


#: ElfrReportEvent*'s [in, out, unique] RecordNumber / TimeWritten, returned NULL.
_RECORD_OUT: Final = [("RecordNumber", Pointer(uint32)), ("TimeWritten", Pointer(uint32))]
#: (opnum, name, [out] parameters) -- MS-EVEN 3.1.4.
REFUSED: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]]], ...]] = (
    (8, "ElfrRegisterEventSourceW", [("LogHandle", ContextHandle)]),
    (11, "ElfrReportEventW", _RECORD_OUT),
    (15, "ElfrRegisterEventSourceA", [("LogHandle", ContextHandle)]),
    (18, "ElfrReportEventA", _RECORD_OUT),
    (24, "ElfrReportEventAndSourceW", _RECORD_OUT),
    (25, "ElfrReportEventExW", _RECORD_OUT[:1]),
    (26, "ElfrReportEventExA", _RECORD_OUT[:1]),
)
for _opnum, _name, _out in REFUSED:
    INTERFACE.operation(_opnum, _name, request=(), response=_out, rule=READ_ONLY)(_refuse)

REFUSED_NAMES: Final = tuple(name for _, name, _ in REFUSED)
