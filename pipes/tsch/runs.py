"""ITaskSchedulerService opnums 9-19 (MS-TSCH 3.2.5.4.10-20): instances, run, stop, delete,
rename, the per-task queries and enable.  **Nothing is ever executed**: SchRpcRun records an
instance that is reported running for a moment and then has ended (`.store`'s docstring says
exactly what each query answers).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ConformantArray, Guid, Pointer, WString, WStringRef, uint32

from . import reports
from .service import GUIDS, INTERFACE, SYSTEMTIME, find_task, introduced
from .store import (
    E_ACCESSDENIED, E_DIR_NOT_EMPTY, E_FILE_NOT_FOUND, E_INVALIDARG, E_NOTIMPL, S_FALSE,
    SCHED_E_TASK_NOT_RUNNING, SCHED_S_TASK_HAS_NOT_RUN, TASK_STATE_DISABLED, TASK_STATE_READY,
    TASK_STATE_RUNNING, asked_first, canonical, hresult, store_of,
)

#: MS-TSCH 2.3.7 SchRpcRun flags: TASK_RUN_IGNORE_CONSTRAINTS runs a disabled task.
TASK_RUN_IGNORE_CONSTRAINTS: Final = 0x2
#: SCHED_E_TASK_DISABLED (winerror.h; U: MS-TSCH names it without restating the value).
SCHED_E_TASK_DISABLED: Final = hresult(0x80041326)
#: SCHED_S_TASK_RUNNING: the last result of a task whose run is under way.
SCHED_S_TASK_RUNNING: Final = 0x00041301
#: SchRpcRun's cArgs bound (MS-TSCH IDL: ``[range(0, 32)]``).
MAX_ARGS: Final = 32
_ZERO_TIME: Final = {n: 0 for n in ("wYear", "wMonth", "wDayOfWeek", "wDay", "wHour", "wMinute",
                                    "wSecond", "wMilliseconds")}


def _systemtime(when: datetime) -> dict[str, int]:
    """MS-DTYP 2.3.13 SYSTEMTIME (the server's clock, UTC)."""
    return {"wYear": when.year, "wMonth": when.month, "wDayOfWeek": (when.weekday() + 1) % 7,
            "wDay": when.day, "wHour": when.hour, "wMinute": when.minute,
            "wSecond": when.second, "wMilliseconds": when.microsecond // 1000}


def _instance(ctx: CallContext, guid: Any) -> Any:
    return next((i for i in store_of(ctx).running() if i.guid == guid), None)


@INTERFACE.operation(9, "SchRpcGetInstanceInfo", request=[("guid", Guid)],
                     response=[("pPath", WString), ("pState", uint32),
                               ("pCurrentAction", WString), ("pInfo", WString),
                               ("pcGroupInstances", uint32), ("pGroupInstances", GUIDS),
                               ("pEnginePID", uint32)],
                     returns="HRESULT")
@asked_first
def SchRpcGetInstanceInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.4.10: a running instance's task, TASK_STATE_RUNNING and no action under
    way nor engine process (pEnginePID 0: no process exists); an ended or unknown one
    SCHED_E_TASK_NOT_RUNNING."""
    introduced(ctx)
    instance = _instance(ctx, request["guid"])
    out = {"pPath": None, "pState": 0, "pCurrentAction": None, "pInfo": None,
           "pcGroupInstances": 0, "pGroupInstances": None, "pEnginePID": 0}
    if instance is None:
        return {**out, "ReturnValue": SCHED_E_TASK_NOT_RUNNING}
    return {**out, "pPath": instance.task.path, "pState": TASK_STATE_RUNNING, "ReturnValue": 0}


@INTERFACE.operation(10, "SchRpcStopInstance", request=[("guid", Guid), ("flags", uint32)],
                     response=[], returns="HRESULT")
@asked_first
def SchRpcStopInstance(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.4.11: flags MUST be 0; the instance ends (SCHED_E_TASK_NOT_RUNNING when it
    already has)."""
    introduced(ctx)
    if request["flags"]:
        return {"ReturnValue": E_INVALIDARG}
    instance = _instance(ctx, request["guid"])
    if instance is None:
        return {"ReturnValue": SCHED_E_TASK_NOT_RUNNING}
    store_of(ctx).stop(instance)
    return {"ReturnValue": 0}


@INTERFACE.operation(11, "SchRpcStop", request=[("path", WString), ("flags", uint32)],
                     response=[], returns="HRESULT")
@asked_first
def SchRpcStop(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.4.12: every instance of the task ends; S_FALSE when none was running (what
    impacket's suite notes Windows answers for a task at rest)."""
    introduced(ctx)
    if request["flags"]:
        return {"ReturnValue": E_INVALIDARG}
    task, status = find_task(ctx, request["path"])
    if task is None:
        return {"ReturnValue": status}
    store = store_of(ctx)
    running = store.running(task)
    for instance in running:
        store.stop(instance)
    return {"ReturnValue": 0 if running else S_FALSE}


@INTERFACE.operation(12, "SchRpcRun",
                     request=[("path", WStringRef), ("cArgs", uint32),
                              ("pArgs", Pointer(ConformantArray(WString))), ("flags", uint32),
                              ("sessionId", uint32), ("user", WString)],
                     response=[("pGuid", Guid)], returns="HRESULT")
@asked_first
def SchRpcRun(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.4.13: a new instance GUID; a disabled task SCHED_E_TASK_DISABLED unless
    TASK_RUN_IGNORE_CONSTRAINTS.  The action is NOT executed (`.store`)."""
    introduced(ctx)
    import uuid

    none = {"pGuid": uuid.UUID(int=0)}
    if request["cArgs"] > MAX_ARGS or request["cArgs"] != len(request["pArgs"] or []):
        return {**none, "ReturnValue": E_INVALIDARG}
    task, status = find_task(ctx, request["path"])
    if task is None:
        return {**none, "ReturnValue": status}
    if not task.enabled and not request["flags"] & TASK_RUN_IGNORE_CONSTRAINTS:
        return {**none, "ReturnValue": SCHED_E_TASK_DISABLED}
    return {"pGuid": store_of(ctx).start(task).guid, "ReturnValue": 0}


@INTERFACE.operation(13, "SchRpcDelete", request=[("path", WStringRef), ("flags", uint32)],
                     response=[], returns="HRESULT")
@asked_first
def SchRpcDelete(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.4.14: flags MUST be 0; a task is deleted (4699 reported), a folder only
    when empty (HRESULT_FROM_WIN32(ERROR_DIR_NOT_EMPTY)); the root cannot be (E_ACCESSDENIED,
    U)."""
    introduced(ctx)
    path = canonical(request["path"])
    if request["flags"] or path is None:
        return {"ReturnValue": E_INVALIDARG}
    if path == "\\":
        return {"ReturnValue": E_ACCESSDENIED}
    store = store_of(ctx)
    task = store.task(path)
    if task is not None:
        for instance in store.running(task):
            store.stop(instance)
        store.remove(path)
        reports.task_changed(ctx, reports.TASK_DELETED, task)
        return {"ReturnValue": 0}
    if store.folder(path) is None:
        return {"ReturnValue": E_FILE_NOT_FOUND}
    folders, tasks = store.children(path)
    if folders or tasks:
        return {"ReturnValue": E_DIR_NOT_EMPTY}
    store.remove(path)
    return {"ReturnValue": 0}


@INTERFACE.operation(14, "SchRpcRename",
                     request=[("path", WStringRef), ("newName", WStringRef), ("flags", uint32)],
                     response=[], returns="HRESULT")
@asked_first
def SchRpcRename(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.4.15: not implemented by Windows' server, E_NOTIMPL (MS-TSCH Appendix B
    note on SchRpcRename; impacket's suite expects it)."""
    introduced(ctx)
    return {"ReturnValue": E_NOTIMPL}


@INTERFACE.operation(15, "SchRpcScheduledRuntimes",
                     request=[("path", WStringRef), ("start", Pointer(SYSTEMTIME)),
                              ("end", Pointer(SYSTEMTIME)), ("flags", uint32),
                              ("cRequested", uint32)],
                     response=[("pcRuntimes", uint32),
                               ("pRuntimes", Pointer(ConformantArray(SYSTEMTIME)))],
                     returns="HRESULT")
@asked_first
def SchRpcScheduledRuntimes(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.4.16: the triggers are not evaluated (U), so no run time is listed:
    S_FALSE, "no more run times", what impacket's suite notes Windows answers for
    ScheduledDefrag (a maintenance task without a time trigger)."""
    introduced(ctx)
    task, status = find_task(ctx, request["path"])
    return {"pcRuntimes": 0, "pRuntimes": None, "ReturnValue": status if task is None else S_FALSE}


@INTERFACE.operation(16, "SchRpcGetLastRunInfo", request=[("path", WStringRef)],
                     response=[("pLastRuntime", SYSTEMTIME), ("pLastReturnCode", uint32)],
                     returns="HRESULT")
@asked_first
def SchRpcGetLastRunInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.4.17: never run: SCHED_S_TASK_HAS_NOT_RUN and a zero time; else the last
    SchRpcRun's time and SCHED_S_TASK_RUNNING while its instance lasts, then
    SCHED_S_TASK_TERMINATED (`.store`)."""
    introduced(ctx)
    task, status = find_task(ctx, request["path"])
    if task is None:
        return {"pLastRuntime": dict(_ZERO_TIME), "pLastReturnCode": 0, "ReturnValue": status}
    if task.last_run is None:
        return {"pLastRuntime": dict(_ZERO_TIME), "pLastReturnCode": 0,
                "ReturnValue": SCHED_S_TASK_HAS_NOT_RUN}
    code = SCHED_S_TASK_RUNNING if store_of(ctx).running(task) else task.last_result
    return {"pLastRuntime": _systemtime(task.last_run), "pLastReturnCode": code, "ReturnValue": 0}


@INTERFACE.operation(17, "SchRpcGetTaskInfo", request=[("path", WStringRef), ("flags", uint32)],
                     response=[("pEnabled", uint32), ("pState", uint32)], returns="HRESULT")
@asked_first
def SchRpcGetTaskInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.4.18: enabled or not, and TASK_STATE DISABLED / RUNNING / READY."""
    introduced(ctx)
    task, status = find_task(ctx, request["path"])
    if task is None:
        return {"pEnabled": 0, "pState": 0, "ReturnValue": status}
    state = (TASK_STATE_DISABLED if not task.enabled else
             TASK_STATE_RUNNING if store_of(ctx).running(task) else TASK_STATE_READY)
    return {"pEnabled": int(task.enabled), "pState": state, "ReturnValue": 0}


@INTERFACE.operation(18, "SchRpcGetNumberOfMissedRuns", request=[("path", WStringRef)],
                     response=[("pNumberOfMissedRuns", uint32)], returns="HRESULT")
@asked_first
def SchRpcGetNumberOfMissedRuns(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.4.19: no run is ever missed (no trigger is evaluated): 0."""
    introduced(ctx)
    task, status = find_task(ctx, request["path"])
    return {"pNumberOfMissedRuns": 0, "ReturnValue": status}


@INTERFACE.operation(19, "SchRpcEnableTask", request=[("path", WStringRef), ("enabled", uint32)],
                     response=[], returns="HRESULT")
@asked_first
def SchRpcEnableTask(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.4.20: the task is enabled / disabled (4700 / 4701 reported)."""
    introduced(ctx)
    task, status = find_task(ctx, request["path"])
    if task is None:
        return {"ReturnValue": status}
    task.enabled = bool(request["enabled"])
    reports.task_changed(ctx, reports.TASK_ENABLED if task.enabled else reports.TASK_DISABLED, task)
    return {"ReturnValue": 0}
