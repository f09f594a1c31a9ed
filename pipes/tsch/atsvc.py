"""ATSvc, the Net Schedule interface (MS-TSCH 3.2.5.2), on ``\\PIPE\\atsvc``: UUID
1ff70682-0a51-30e8-076d-740be8cee98b version 1.0 (MS-TSCH 2.1).  Opnums 0-3:

* **NetrJobAdd** (0, 3.2.5.2.1): an AT job is a task ``\\At<JobId>`` of the root folder (the
  store of :mod:`.store`; 4698 reported).  From Windows 8 / Server 2012 on the call answers
  ERROR_NOT_SUPPORTED (50) to the administrator: the AT interface is deprecated there
  (learn.microsoft.com, NetScheduleJobAdd: "no longer available for use as of Windows 8. Instead,
  use the Task Scheduler 2.0 Interfaces"; ``at.exe`` on 8 / 2012 and later prints "The AT command
  has been deprecated" and "The request is not supported", the text of ERROR_NOT_SUPPORTED, W;
  impacket's suite, written against 2012 R2 / 2016, expects that status from NetrJobAdd).
  U: the EnableAt registry value that brings it back is not modelled;
* **NetrJobDel** (1, 3.2.5.2.2), **NetrJobEnum** (2, 3.2.5.2.3), **NetrJobGetInfo** (3,
  3.2.5.2.4): over the AT jobs of the store (on 2012 and later there are none, since none can
  be added).

Access: every method "MUST return ERROR_ACCESS_DENIED if the caller does not have administrative
privileges on the server" (3.2.5.2.1-4) -- the rules below, checked before the handler.
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.policy import Require, Rule
from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import ConformantArray, Pointer, Struct, WString, uint8, uint32
from smbemu.status import ERROR_INVALID_PARAMETER, ERROR_NOT_SUPPORTED

from . import reports
from .store import Task, store_of

_SOURCE: Final = "MS-TSCH 3.2.5.2.1-4: administrative privileges"
INTERFACE: Final = Interface(
    name="atsvc", uuid="1ff70682-0a51-30e8-076d-740be8cee98b", version=(1, 0),
    pipes=("atsvc",), opnum_count=4,
    description="Net Schedule (MS-TSCH ATSvc): AT jobs, none run",
    rules={name: Rule(Require.ADMINISTRATORS, source=_SOURCE)
           for name in ("NetrJobAdd", "NetrJobDel", "NetrJobEnum", "NetrJobGetInfo")})

#: MS-TSCH 2.3.14 / lmerr.h: APE_AT_ID_NOT_FOUND, "the AT job was not found" (U: its value,
#: 3806, is from the Windows SDK's lmerr.h, which MS-TSCH does not restate).
APE_AT_ID_NOT_FOUND: Final = 3806
#: From this release on NetrJobAdd is not supported (the module docstring).
AT_DEPRECATED_SINCE: Final = (6, 2)
#: MS-TSCH 2.3.4: JobTime is milliseconds from midnight; DaysOfMonth 31 bits; DaysOfWeek 7.
_DAY_MS: Final = 24 * 3600 * 1000

#: MS-TSCH 2.3.4 AT_INFO / 2.3.6 AT_ENUM.
AT_INFO: Final = Struct("AT_INFO", [("JobTime", uint32), ("DaysOfMonth", uint32),
                                    ("DaysOfWeek", uint8), ("Flags", uint8),
                                    ("Command", WString)])
AT_ENUM: Final = Struct("AT_ENUM", [("JobId", uint32), ("JobTime", uint32),
                                    ("DaysOfMonth", uint32), ("DaysOfWeek", uint8),
                                    ("Flags", uint8), ("Command", WString)])
AT_ENUM_CONTAINER: Final = Struct("AT_ENUM_CONTAINER", [
    ("EntriesRead", uint32), ("Buffer", Pointer(ConformantArray(AT_ENUM)))])
#: AT_INFO Flags bits (MS-TSCH 2.3.4): JOB_ADD_CURRENT_DATE (AC) is cleared on return.
JOB_ADD_CURRENT_DATE: Final = 0x08
JOB_EXEC_ERROR: Final = 0x02
JOB_RUNS_TODAY: Final = 0x04


def at_jobs(ctx: CallContext) -> list[Task]:
    return sorted((t for t in store_of(ctx).tasks.values() if t.at_info is not None),
                  key=lambda t: t.at_id)


def _job_xml(job_id: int, info: dict[str, Any]) -> str:
    """The task XML the service writes for an AT job (U: its exact text; the command is the
    one action, as SchRpcRetrieveTask shows it)."""
    command = (info.get("Command") or "").replace("&", "&amp;").replace("<", "&lt;")
    return ('<?xml version="1.0" encoding="UTF-16"?>\n'
            '<Task version="1.1" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">'
            f'<RegistrationInfo><URI>\\At{job_id}</URI></RegistrationInfo>'
            f'<Actions><Exec><Command>{command}</Command></Exec></Actions></Task>')


@INTERFACE.operation(0, "NetrJobAdd", request=[("ServerName", WString), ("pAtInfo", AT_INFO)],
                     response=[("pJobId", uint32)], returns="WERROR")
def NetrJobAdd(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.2.1 (the module docstring): the field checks of 2.3.4, then the next
    JobId; AC set in Flags becomes today's bit in DaysOfMonth and is cleared."""
    if ctx.server.profile.identity.version >= AT_DEPRECATED_SINCE:
        return {"pJobId": 0, "ReturnValue": ERROR_NOT_SUPPORTED}
    info = dict(request["pAtInfo"])
    if (not info.get("Command") or info["JobTime"] >= _DAY_MS or info["DaysOfMonth"] >> 31
            or info["DaysOfWeek"] & 0x80):
        return {"pJobId": 0, "ReturnValue": ERROR_INVALID_PARAMETER}
    store = store_of(ctx)
    job_id = store.next_at_id
    store.next_at_id += 1
    if info["Flags"] & JOB_ADD_CURRENT_DATE:
        from datetime import datetime, timezone
        info["DaysOfMonth"] |= 1 << (datetime.now(timezone.utc).day - 1)
        info["Flags"] &= ~JOB_ADD_CURRENT_DATE
    task = Task(f"\\At{job_id}", _job_xml(job_id, info), at_info=info, at_id=job_id)
    store.add_task(task)
    reports.task_changed(ctx, reports.TASK_CREATED, task)
    return {"pJobId": job_id, "ReturnValue": 0}


@INTERFACE.operation(1, "NetrJobDel", request=[("ServerName", WString), ("MinJobId", uint32),
                                               ("MaxJobId", uint32)],
                     response=[], returns="WERROR")
def NetrJobDel(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.2.2: every AT job from MinJobId to MaxJobId; none there is
    APE_AT_ID_NOT_FOUND; MinJobId above MaxJobId ERROR_INVALID_PARAMETER."""
    low, high = request["MinJobId"], request["MaxJobId"]
    if low > high:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    doomed = [t for t in at_jobs(ctx) if low <= t.at_id <= high]
    if not doomed:
        return {"ReturnValue": APE_AT_ID_NOT_FOUND}
    store = store_of(ctx)
    for task in doomed:
        store.remove(task.path)
        reports.task_changed(ctx, reports.TASK_DELETED, task)
    return {"ReturnValue": 0}


@INTERFACE.operation(2, "NetrJobEnum",
                     request=[("ServerName", WString), ("pEnumContainer", AT_ENUM_CONTAINER),
                              ("PreferedMaximumLength", uint32),
                              ("pResumeHandle", Pointer(uint32))],
                     response=[("pEnumContainer", AT_ENUM_CONTAINER), ("pTotalEntries", uint32),
                               ("pResumeHandle", Pointer(uint32))],
                     returns="WERROR")
def NetrJobEnum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.2.3: every AT job from the resume handle on, in one answer (U: how
    PreferedMaximumLength splits a long list; there are few jobs)."""
    start = request["pResumeHandle"] or 0
    jobs = [t for t in at_jobs(ctx) if t.at_id > start]
    entries = [{"JobId": t.at_id, **{k: (t.at_info or {})[k] for k in
                                     ("JobTime", "DaysOfMonth", "DaysOfWeek", "Flags", "Command")}}
               for t in jobs]
    return {"pEnumContainer": {"EntriesRead": len(entries), "Buffer": entries or None},
            "pTotalEntries": len(entries),
            "pResumeHandle": None if request["pResumeHandle"] is None else 0, "ReturnValue": 0}


@INTERFACE.operation(3, "NetrJobGetInfo", request=[("ServerName", WString), ("JobId", uint32)],
                     response=[("ppAtInfo", Pointer(AT_INFO))], returns="WERROR")
def NetrJobGetInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.2.4: the AT_INFO of one job, APE_AT_ID_NOT_FOUND for an unknown id."""
    for task in at_jobs(ctx):
        if task.at_id == request["JobId"]:
            return {"ppAtInfo": dict(task.at_info or {}), "ReturnValue": 0}
    return {"ppAtInfo": None, "ReturnValue": APE_AT_ID_NOT_FOUND}
