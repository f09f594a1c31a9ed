"""Print jobs: the queue of each printer, RpcGetJob (3), RpcEnumJobs (4), RpcSetJob (2),
RpcAddJob (24) and RpcScheduleJob (25), MS-RPRN 3.1.4.3 and 3.1.4.9.

A job is created by RpcStartDocPrinter (:mod:`.documents`) and kept in the server's memory, in
its printer's queue, until it is deleted (RpcSetJob JOB_CONTROL_DELETE / CANCEL, RpcAbortPrinter,
a purge, the printer's deletion) or the server stops.  The emulated printer never prints: its
port has no device behind it, so a job that finished spooling waits in the queue (status 0),
where RpcEnumJobs lists it, as Windows leaves jobs queued for a printer that does not take them
(W: smbtorture's print_test_extended expects the 8 jobs it spooled in the queue).  The data
written is counted (Size, TotalPages), never kept.

Auditing: Windows records a printed document as event 307 of the
Microsoft-Windows-PrintService/Operational log (D: "Event ID 307", disabled by default), not in
the Security log; the emulation writes no event for it.

Access: reading jobs needs PRINTER_ACCESS_USE on the printer handle; changing one needs the
handle's PRINTER_ACCESS_ADMINISTER (administrators) or being the job's owner (the printer's
default security descriptor gives CREATOR OWNER "Manage documents", D); else
ERROR_ACCESS_DENIED.  A job the queue does not hold is ERROR_INVALID_PARAMETER (W: Windows'
answer, smbtorture's GetJob tests).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ContextHandle, Pointer, Struct, Union, WString, uint16, uint32, uint3264
from smbemu.status import ERROR_INVALID_LEVEL, ERROR_INVALID_PARAMETER, ERROR_SPL_NO_ADDJOB

from . import BUFFER, INTERFACE, _answer, _devmode_of
from .info import Field, pack
from .objects import (
    ERROR_INVALID_HANDLE,
    JOBS_MEMO,
    PRINTER,
    PRINTER_ACCESS_ADMINISTER,
    PRINTER_ACCESS_USE,
    Printer,
    check_room,
    current,
    opened,
)

#: JOB_STATUS_* (MS-RPRN 2.2.3.12 "Job Status"): the ones the emulation sets.
JOB_STATUS_PAUSED: Final = 0x00000001
JOB_STATUS_SPOOLING: Final = 0x00000008
JOB_STATUS_RESTART: Final = 0x00000800
JOB_STATUS_RETAINED: Final = 0x00002000
#: JOB_CONTROL_* (MS-RPRN 2.2.4.6 / 3.1.4.3.1): RpcSetJob's Command.
(JOB_CONTROL_PAUSE, JOB_CONTROL_RESUME, JOB_CONTROL_CANCEL, JOB_CONTROL_RESTART,
 JOB_CONTROL_DELETE, JOB_CONTROL_SENT_TO_PRINTER, JOB_CONTROL_LAST_PAGE_EJECTED,
 JOB_CONTROL_RETAIN, JOB_CONTROL_RELEASE) = range(1, 10)
#: The most jobs one server keeps (U: Windows' limit is the spool folder's disk; a bound keeps
#: a scripted client from filling the emulator's memory).
MAX_JOBS: Final = 10000


@dataclass(slots=True)
class Job:
    """One job: its id, its printer (:attr:`.objects.Printer.key`), who submitted it, its
    document, and what the spooler counted."""

    ident: int
    printer: str
    user: str
    machine: str
    document: str
    datatype: str
    submitted: float = field(default_factory=time.time)
    notify: str = ""
    parameters: str = ""
    status: int = JOB_STATUS_SPOOLING
    priority: int = 1
    pages: int = 0
    size: int = 0
    start_time: int = 0
    until_time: int = 0
    #: Its named properties (:mod:`.job_properties`): name -> RPC_PrintPropertyValue.
    properties: dict[str, Any] = field(default_factory=dict)


def queues(ctx: CallContext) -> dict[str, list[Job]]:
    """Each printer's queue (by printer key), in position order."""
    return ctx.server.memo(JOBS_MEMO, dict)


def queue_of(ctx: CallContext, printer: Printer) -> list[Job]:
    return queues(ctx).setdefault(printer.key, [])


def new_job(ctx: CallContext, printer: Printer, document: str, datatype: str) -> Job | None:
    """A new job at the end of ``printer``'s queue (None past :data:`MAX_JOBS`).  Job ids count
    up per server from 2 (U: Windows numbers its jobs per spooler; the first is 2 on a fresh
    install, W)."""
    if sum(len(q) for q in queues(ctx).values()) >= MAX_JOBS:
        return None
    numbers = ctx.server.memo("spoolss.job_numbers", lambda: [1])
    numbers[0] += 1
    principal = ctx.principal
    job = Job(numbers[0], printer.key, principal.user_name, principal.workstation,
              document, datatype or printer.datatype, notify=principal.user_name)
    queue_of(ctx, printer).append(job)
    return job


def find_job(ctx: CallContext, printer: Printer, ident: int) -> Job | None:
    return next((job for job in queue_of(ctx, printer) if job.ident == ident), None)


def delete_job(ctx: CallContext, printer: Printer, job: Job) -> None:
    queue = queue_of(ctx, printer)
    if job in queue:
        queue.remove(job)


def purge(ctx: CallContext, printer: Printer) -> None:
    """Every job of ``printer`` goes (PRINTER_CONTROL_PURGE, the printer's deletion)."""
    queues(ctx).pop(printer.key, None)


# -------------------------------------------------------------------------------------------
# JOB_INFO_1 .. 4 (MS-RPRN 2.2.2.6, custom-marshaled)
# -------------------------------------------------------------------------------------------


def _systemtime(moment: float) -> bytes:
    """SYSTEMTIME (MS-DTYP 2.3.13), UTC: year, month, day of week, day, hour, minute, second,
    milliseconds."""
    t = time.gmtime(moment)
    return b"".join(v.to_bytes(2, "little") for v in (
        t.tm_year, t.tm_mon, (t.tm_wday + 1) % 7, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
        int(moment * 1000) % 1000))


def job_record(printer: Printer, job: Job, position: int, level: int,
               next_job: int = 0) -> list[Field]:
    if level == 3:
        return [("u32", job.ident), ("u32", next_job), ("u32", 0)]
    head: list[Field] = [("u32", job.ident), ("s", printer.name), ("s", job.machine or None),
                         ("s", job.user), ("s", job.document)]
    if level == 1:
        return head + [("s", job.datatype), ("s", None), ("u32", job.status),
                       ("u32", job.priority), ("u32", position), ("u32", job.pages),
                       ("u32", 0), ("raw", _systemtime(job.submitted))]
    record = head + [("s", job.notify), ("s", job.datatype), ("s", printer.processor),
                     ("s", job.parameters), ("s", printer.driver),
                     ("b", _devmode_of(printer, printer.name)), ("s", None), ("b", None),
                     ("u32", job.status), ("u32", job.priority), ("u32", position),
                     ("u32", job.start_time), ("u32", job.until_time), ("u32", job.pages),
                     ("u32", job.size & 0xFFFFFFFF), ("raw", _systemtime(job.submitted)),
                     ("u32", 0), ("u32", 0)]
    return record + ([("u32", job.size >> 32)] if level == 4 else [])


JOB_LEVELS: Final = (1, 2, 3, 4)


def printer_for_jobs(ctx: CallContext, entry: Any, needed: int) -> Printer | int:
    """The handle's printer as it is now, or the status refusing the call."""
    if entry.obj.printer is None:
        return ERROR_INVALID_HANDLE  # a job lives in a printer's queue, not the server's
    printer = current(ctx, entry.obj.printer)
    if printer is None:
        return ERROR_INVALID_HANDLE
    if not ctx.require(entry.granted_access, needed, PRINTER):
        assert ctx.decision is not None
        return ctx.decision.status
    return printer


@INTERFACE.operation(3, "RpcGetJob",
                     request=[("hPrinter", ContextHandle), ("JobId", uint32), ("Level", uint32),
                              ("pJob", BUFFER), ("cbBuf", uint32)],
                     response=[("pJob", BUFFER), ("pcbNeeded", uint32)], returns="uint32")
def RpcGetJob(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.3.2: one job at levels 1-4 (others ERROR_INVALID_LEVEL, W: smbtorture
    asks level 0 and expects it); a job the queue does not hold is ERROR_INVALID_PARAMETER."""
    entry = opened(ctx, request["hPrinter"])
    buffer, room, level = request["pJob"], request["cbBuf"], request["Level"]
    empty = _answer(buffer, room, b"", None, "pJob")
    printer = printer_for_jobs(ctx, entry, PRINTER_ACCESS_USE)
    if isinstance(printer, int):
        return {**empty, "ReturnValue": printer}
    if level not in JOB_LEVELS:
        return {**empty, "ReturnValue": ERROR_INVALID_LEVEL}
    queue = queue_of(ctx, printer)
    job = find_job(ctx, printer, request["JobId"])
    if job is None:
        return {**empty, "ReturnValue": ERROR_INVALID_PARAMETER}
    index = queue.index(job)
    following = queue[index + 1].ident if index + 1 < len(queue) else 0
    data = pack([job_record(printer, job, index + 1, level, following)])
    return _answer(buffer, room, data + bytes(-len(data) % 4), None, "pJob")


@INTERFACE.operation(4, "RpcEnumJobs",
                     request=[("hPrinter", ContextHandle), ("FirstJob", uint32),
                              ("NoJobs", uint32), ("Level", uint32), ("pJob", BUFFER),
                              ("cbBuf", uint32)],
                     response=[("pJob", BUFFER), ("pcbNeeded", uint32), ("pcReturned", uint32)],
                     returns="uint32")
def RpcEnumJobs(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.3.3: NoJobs jobs from position FirstJob (0-based) on, levels 1-4."""
    entry = opened(ctx, request["hPrinter"])
    empty = _answer(request["pJob"], request["cbBuf"], b"", 0, "pJob")
    printer = printer_for_jobs(ctx, entry, PRINTER_ACCESS_USE)
    if isinstance(printer, int):
        return {**empty, "ReturnValue": printer}
    level = request["Level"]
    if level not in JOB_LEVELS:
        return {**empty, "ReturnValue": ERROR_INVALID_LEVEL}
    queue = queue_of(ctx, printer)
    first = request["FirstJob"]
    chosen = list(enumerate(queue))[first:first + request["NoJobs"]]
    records = [job_record(printer, job, index + 1, level,
                          queue[index + 1].ident if index + 1 < len(queue) else 0)
               for index, job in chosen]
    data = pack(records) if records else b""
    return _answer(request["pJob"], request["cbBuf"], data + bytes(-len(data) % 4),
                   len(records), "pJob")


# -------------------------------------------------------------------------------------------
# RpcSetJob (2)
# -------------------------------------------------------------------------------------------

_SYSTEMTIME: Final = Struct("SYSTEMTIME", [(n, uint16) for n in (
    "wYear", "wMonth", "wDayOfWeek", "wDay", "wHour", "wMinute", "wSecond", "wMilliseconds")])
_HEAD: Final = [("JobId", uint32), ("pPrinterName", WString), ("pMachineName", WString),
                ("pUserName", WString), ("pDocument", WString)]
#: MS-RPRN 2.2.1.7.1-4 JOB_INFO_1..4 as RpcSetJob's container carries them.
_JOB_INFO_1: Final = Struct("JOB_INFO_1", [
    *_HEAD, ("pDatatype", WString), ("pStatus", WString), ("Status", uint32),
    ("Priority", uint32), ("Position", uint32), ("TotalPages", uint32),
    ("PagesPrinted", uint32), ("Submitted", _SYSTEMTIME)])
_INFO_2_FIELDS: Final = [
    *_HEAD, ("pNotifyName", WString), ("pDatatype", WString), ("pPrintProcessor", WString),
    ("pParameters", WString), ("pDriverName", WString), ("pDevMode", uint3264),
    ("pStatus", WString), ("pSecurityDescriptor", uint3264), ("Status", uint32),
    ("Priority", uint32), ("Position", uint32), ("StartTime", uint32), ("UntilTime", uint32),
    ("TotalPages", uint32), ("Size", uint32), ("Submitted", _SYSTEMTIME), ("Time", uint32),
    ("PagesPrinted", uint32)]
_JOB_INFO_2: Final = Struct("JOB_INFO_2", _INFO_2_FIELDS)
_JOB_INFO_3: Final = Struct("JOB_INFO_3", [("JobId", uint32), ("NextJobId", uint32),
                                          ("Reserved", uint32)])
_JOB_INFO_4: Final = Struct("JOB_INFO_4", [*_INFO_2_FIELDS, ("SizeHigh", uint32)])
#: MS-RPRN 2.2.1.2.5 JOB_CONTAINER.
JOB_CONTAINER: Final = Struct("JOB_CONTAINER", [
    ("Level", uint32),
    ("JobInfo", Union(uint32, {1: Pointer(_JOB_INFO_1), 2: Pointer(_JOB_INFO_2),
                               3: Pointer(_JOB_INFO_3), 4: Pointer(_JOB_INFO_4)}, default=None))])


def _text(value: Any) -> str:
    return (value or "").rstrip("\x00")


def _apply_info(ctx: CallContext, printer: Printer, job: Job, container: dict[str, Any]) -> int:
    """MS-RPRN 3.1.4.3.1: the job properties a JOB_INFO level sets -- the document name, data
    type, priority and position (levels 1, 2, 4), the notify name, parameters and the time
    window (2, 4); level 3 links jobs, checked only (the emulated printer prints none)."""
    level, (tag, info) = container["Level"], container["JobInfo"]
    if level not in JOB_LEVELS or tag != level:
        return ERROR_INVALID_LEVEL
    if not info:
        return ERROR_INVALID_PARAMETER
    if level == 3:
        linked = find_job(ctx, printer, info["NextJobId"])
        return 0 if info["JobId"] == job.ident and linked is not None else ERROR_INVALID_PARAMETER
    if not 1 <= info["Priority"] <= 99:  # MIN_PRIORITY .. MAX_PRIORITY (MS-RPRN 2.2.1.7.1)
        return ERROR_INVALID_PARAMETER
    job.document = _text(info["pDocument"]) or job.document
    job.datatype = _text(info["pDatatype"]) or job.datatype
    job.priority = info["Priority"]
    if level in (2, 4):
        job.notify = _text(info["pNotifyName"]) or job.notify
        job.parameters = _text(info["pParameters"])
        job.start_time, job.until_time = info["StartTime"], info["UntilTime"]
    queue = queue_of(ctx, printer)
    position = info["Position"]
    if position and position != queue.index(job) + 1:  # JOB_POSITION_UNSPECIFIED: 0
        queue.remove(job)
        queue.insert(min(position, len(queue) + 1) - 1, job)
    return 0


def _control(ctx: CallContext, printer: Printer, job: Job, command: int) -> int:
    if command in (JOB_CONTROL_CANCEL, JOB_CONTROL_DELETE):
        delete_job(ctx, printer, job)
    elif command == JOB_CONTROL_PAUSE:
        job.status |= JOB_STATUS_PAUSED
    elif command == JOB_CONTROL_RESUME:
        job.status &= ~JOB_STATUS_PAUSED
    elif command == JOB_CONTROL_RESTART:
        job.status |= JOB_STATUS_RESTART
    elif command == JOB_CONTROL_RETAIN:
        job.status |= JOB_STATUS_RETAINED
    elif command == JOB_CONTROL_RELEASE:
        job.status &= ~JOB_STATUS_RETAINED
    elif command not in (0, JOB_CONTROL_SENT_TO_PRINTER, JOB_CONTROL_LAST_PAGE_EJECTED):
        return ERROR_INVALID_PARAMETER
    return 0


@INTERFACE.operation(2, "RpcSetJob",
                     request=[("hPrinter", ContextHandle), ("JobId", uint32),
                              ("pJobContainer", Pointer(JOB_CONTAINER)), ("Command", uint32)],
                     response=[], returns="uint32")
def RpcSetJob(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.3.1: the container's properties, then the command (0: none), on a job of
    the handle's printer; its owner or an administrator only."""
    entry = opened(ctx, request["hPrinter"])
    printer = printer_for_jobs(ctx, entry, PRINTER_ACCESS_USE)
    if isinstance(printer, int):
        return {"ReturnValue": printer}
    job = find_job(ctx, printer, request["JobId"])
    if job is None:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    owner = job.user.lower() == ctx.principal.user_name.lower()
    if not owner and not ctx.require(entry.granted_access, PRINTER_ACCESS_ADMINISTER, PRINTER):
        assert ctx.decision is not None
        return {"ReturnValue": ctx.decision.status}
    container = request["pJobContainer"]
    if container is not None:
        status = _apply_info(ctx, printer, job, container)
        if status:
            return {"ReturnValue": status}
    return {"ReturnValue": _control(ctx, printer, job, request["Command"])}


# -------------------------------------------------------------------------------------------
# RpcAddJob (24), RpcScheduleJob (25)
# -------------------------------------------------------------------------------------------

@INTERFACE.operation(24, "RpcAddJob",
                     request=[("hPrinter", ContextHandle), ("Level", uint32),
                              ("pAddJob", BUFFER), ("cbBuf", uint32)],
                     response=[("pAddJob", BUFFER), ("pcbNeeded", uint32)], returns="uint32")
def RpcAddJob(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.9.7: AddJob hands back a spool file path for the caller to write; over the
    wire it is refused -- a level other than 1-3 ERROR_INVALID_LEVEL, else
    ERROR_INVALID_PARAMETER (W: smbtorture's AddJob test, written against Windows, expects
    these two)."""
    entry = opened(ctx, request["hPrinter"])
    buffer = request["pAddJob"]
    check_room(request["cbBuf"])
    out = {"pAddJob": None if buffer is None else bytes(len(buffer)), "pcbNeeded": 0}
    if entry.obj.printer is None:
        return {**out, "ReturnValue": ERROR_INVALID_HANDLE}
    if request["Level"] not in (1, 2, 3):
        return {**out, "ReturnValue": ERROR_INVALID_LEVEL}
    return {**out, "ReturnValue": ERROR_INVALID_PARAMETER}


@INTERFACE.operation(25, "RpcScheduleJob",
                     request=[("hPrinter", ContextHandle), ("JobId", uint32)],
                     response=[], returns="uint32")
def RpcScheduleJob(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.9.8: schedules a job RpcAddJob created; no job here was (AddJob is refused
    over the wire), so a known job is ERROR_SPL_NO_ADDJOB, an unknown one
    ERROR_INVALID_PARAMETER."""
    entry = opened(ctx, request["hPrinter"])
    printer = printer_for_jobs(ctx, entry, PRINTER_ACCESS_USE)
    if isinstance(printer, int):
        return {"ReturnValue": printer}
    if find_job(ctx, printer, request["JobId"]) is None:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    return {"ReturnValue": ERROR_SPL_NO_ADDJOB}


__all__ = ["Job", "JOB_CONTAINER", "queues", "queue_of", "new_job", "find_job", "delete_job",
           "purge", "job_record", "printer_for_jobs"]
