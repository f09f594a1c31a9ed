"""The task store of the emulated Task Scheduler (MS-TSCH 3.2.1): folders, tasks, AT jobs and
running instances, kept in the server's memory and shared by every connection (all three
interfaces of ``\\PIPE\\atsvc`` read and write the same store, as on Windows, where AT jobs
are tasks of the root folder: MS-TSCH 3.2.1, "AT tasks ... are stored in the task store").

What is modelled, per object:

* **folder**: its path (MS-TSCH 2.3.11: ``\\`` separated, from the root ``\\``) and its security
  descriptor as SDDL (SchRpcCreateFolder / SchRpcSetSecurity / SchRpcGetSecurity);
* **task**: its path, its XML exactly as registered (SchRpcRetrieveTask returns it), its SDDL,
  enabled or not, the last run (time, result) and the AT_INFO of an AT job;
* **instance**: SchRpcRun's record (a GUID, MS-TSCH 3.2.5.4.13).  **The emulator never runs
  anything**: an instance is reported TASK_STATE_RUNNING (4) for :data:`INSTANCE_SECONDS`
  after SchRpcRun, then it has ended -- SchRpcEnumInstances no longer lists it,
  SchRpcGetInstanceInfo answers SCHED_E_TASK_NOT_RUNNING, and SchRpcGetLastRunInfo reports the
  run's start time with the result SCHED_S_TASK_TERMINATED (0x00041306, "the last run of the
  task was terminated"): the truthful status of a run that never executed its action.
  SchRpcStopInstance / SchRpcStop end it at once, with the same result.

The built-in tasks of the release are not listed beyond one (``\\Microsoft\\Windows\\Defrag\\
ScheduledDefrag``, present from Windows 8 / 2012 on: W, ``schtasks /query`` outputs), so a
client that reads a well-known task finds it (impacket's suite reads that one).

Security descriptors (U: the SDDL of ``%SystemRoot%\\System32\\Tasks``, which the service
applies to folders and tasks, is not published by Microsoft; the one below is what
``icacls`` outputs in public write-ups show: Administrators and SYSTEM full control,
Authenticated Users read and execute): administrators may do everything; other callers read
folders and the tasks whose SDDL grants them read, and change nothing (E_ACCESSDENIED).
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Final


#: HRESULTs (MS-ERREF 2.1; the SCHED_* values: MS-TSCH 2.3.14), in the signed form the NDR
#: engine's HRESULT (an int32) carries.
def hresult(value: int) -> int:
    return value - (1 << 32) if value >= 0x80000000 else value


S_OK: Final = 0
S_FALSE: Final = 1
E_NOTIMPL: Final = hresult(0x80004001)
E_INVALIDARG: Final = hresult(0x80070057)
E_ACCESSDENIED: Final = hresult(0x80070005)
#: HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND / ERROR_PATH_NOT_FOUND / ERROR_ALREADY_EXISTS /
#: ERROR_DIR_NOT_EMPTY / ERROR_INSUFFICIENT_BUFFER).
E_FILE_NOT_FOUND: Final = hresult(0x80070002)
E_PATH_NOT_FOUND: Final = hresult(0x80070003)
E_ALREADY_EXISTS: Final = hresult(0x800700B7)
E_DIR_NOT_EMPTY: Final = hresult(0x80070091)
E_INSUFFICIENT_BUFFER: Final = hresult(0x8007007A)
SCHED_S_TASK_HAS_NOT_RUN: Final = 0x00041303
SCHED_S_TASK_NOT_SCHEDULED: Final = 0x00041305
SCHED_S_TASK_TERMINATED: Final = 0x00041306
SCHED_E_TASK_NOT_RUNNING: Final = hresult(0x8004130B)
SCHED_E_MALFORMEDXML: Final = hresult(0x8004131A)

#: MS-TSCH 2.3.13 TASK_STATE.
TASK_STATE_DISABLED: Final = 1
TASK_STATE_READY: Final = 3
TASK_STATE_RUNNING: Final = 4
#: How long an instance is reported running (the module docstring).
INSTANCE_SECONDS: Final = 2.0
#: Largest task XML accepted (the service's own limit is not documented, U): a bound, so that
#: one client cannot fill the server's memory.
MAX_XML_CHARS: Final = 256 * 1024
MAX_TASKS: Final = 4096

DEFAULT_SDDL: Final = "O:BAG:SYD:(A;;FA;;;BA)(A;;FA;;;SY)(A;;FRFX;;;AU)"
#: A task registered without SDDL: the folder's, owned by the caller (U, as DEFAULT_SDDL).
TASK_SDDL: Final = "O:{owner}G:SYD:(A;;FA;;;BA)(A;;FA;;;SY)(A;;FA;;;{owner})"
_BAD_NAME: Final = re.compile(r'[<>:"/|?*\x00-\x1f]')

DEFRAG_XML: Final = (
    '<?xml version="1.0" encoding="UTF-16"?>\n'
    '<Task version="1.4" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">\n'
    '  <RegistrationInfo><Source>$(@%systemroot%\\system32\\dfrgui.exe,-126)</Source>'
    '<Author>Microsoft Corporation</Author><URI>\\Microsoft\\Windows\\Defrag\\ScheduledDefrag</URI>'
    '</RegistrationInfo>\n'
    '  <Principals><Principal id="LocalSystem"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable'
    '</RunLevel></Principal></Principals>\n'
    '  <Settings><MaintenanceSettings><Period>P7D</Period><Deadline>P1M</Deadline>'
    '</MaintenanceSettings><Hidden>true</Hidden></Settings>\n'
    '  <Actions Context="LocalSystem"><Exec><Command>%windir%\\system32\\defrag.exe</Command>'
    '<Arguments>-c -h -o -$</Arguments></Exec></Actions>\n'
    '</Task>\n')


@dataclass(slots=True)
class Folder:
    path: str
    sddl: str = DEFAULT_SDDL


@dataclass(slots=True)
class Task:
    path: str
    xml: str
    sddl: str = DEFAULT_SDDL
    enabled: bool = True
    last_run: datetime | None = None
    last_result: int = SCHED_S_TASK_HAS_NOT_RUN
    #: An AT job's AT_INFO (MS-TSCH 2.3.4) and id, None for other tasks.
    at_info: dict[str, Any] | None = None
    at_id: int = 0

    @property
    def name(self) -> str:
        return self.path.rsplit("\\", 1)[-1]


@dataclass(slots=True)
class Instance:
    guid: uuid.UUID
    task: Task
    started: datetime
    ends: float  # time.monotonic() at which it has ended

    def running(self, now: float) -> bool:
        return now < self.ends


@dataclass(slots=True)
class TaskStore:
    folders: dict[str, Folder] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    instances: dict[uuid.UUID, Instance] = field(default_factory=dict)
    next_at_id: int = 1
    #: SASec's AT service account (SASetNSAccountInformation): "" = LocalSystem.
    ns_account: str = ""

    # -- lookups --------------------------------------------------------------------------
    def folder(self, path: str) -> Folder | None:
        return self.folders.get(path.lower())

    def task(self, path: str) -> Task | None:
        return self.tasks.get(path.lower())

    def children(self, path: str) -> tuple[list[Folder], list[Task]]:
        """The folders and tasks directly in folder ``path``, sorted by name."""
        prefix = "\\" if path == "\\" else path.lower() + "\\"
        folders = [f for key, f in self.folders.items()
                   if key != "\\" and key.startswith(prefix) and "\\" not in key[len(prefix):]]
        tasks = [t for key, t in self.tasks.items()
                 if key.startswith(prefix) and "\\" not in key[len(prefix):]]
        return (sorted(folders, key=lambda f: f.path.lower()),
                sorted(tasks, key=lambda t: t.path.lower()))

    # -- changes --------------------------------------------------------------------------
    def add_folder(self, path: str, sddl: str = DEFAULT_SDDL) -> Folder:
        """Add ``path`` and any missing parent folder (their SDDL the default)."""
        parts = path.strip("\\").split("\\")
        for depth in range(1, len(parts)):
            parent = "\\" + "\\".join(parts[:depth])
            self.folders.setdefault(parent.lower(), Folder(parent))
        folder = Folder(path, sddl)
        self.folders[path.lower()] = folder
        return folder

    def add_task(self, task: Task) -> None:
        if self.folder(parent_of(task.path)) is None:
            self.add_folder(parent_of(task.path))
        self.tasks[task.path.lower()] = task

    def remove(self, path: str) -> None:
        self.tasks.pop(path.lower(), None)
        self.folders.pop(path.lower(), None)

    def start(self, task: Task) -> Instance:
        """SchRpcRun's record (the module docstring): nothing is executed."""
        self.expire()
        now = datetime.now(timezone.utc)
        instance = Instance(uuid.uuid4(), task, now, time.monotonic() + INSTANCE_SECONDS)
        self.instances[instance.guid] = instance
        task.last_run = now
        task.last_result = SCHED_S_TASK_TERMINATED
        return instance

    def stop(self, instance: Instance) -> None:
        self.instances.pop(instance.guid, None)

    def running(self, task: Task | None = None) -> list[Instance]:
        self.expire()
        return [i for i in self.instances.values() if task is None or i.task is task]

    def expire(self) -> None:
        now = time.monotonic()
        for guid in [g for g, i in self.instances.items() if not i.running(now)]:
            del self.instances[guid]


def new_store(version: tuple[int, int]) -> TaskStore:
    store = TaskStore()
    store.folders["\\"] = Folder("\\")
    if version >= (6, 2):
        store.add_task(Task("\\Microsoft\\Windows\\Defrag\\ScheduledDefrag", DEFRAG_XML))
    return store


STORE_KEY: Final = "tsch.store"


def store_of(ctx: Any) -> TaskStore:
    """The server's task store, shared by every connection (built on first use)."""
    version = ctx.server.profile.identity.version
    store: TaskStore = ctx.server.memo(STORE_KEY, lambda: new_store(version))
    return store


def canonical(path: str | None) -> str | None:
    """MS-TSCH 2.3.11: a path from the root, ``\\`` separated; None when it is not one (an empty
    component, ``.`` / ``..``, a character a file name cannot hold)."""
    if path is None:
        return None
    text = path.rstrip("\x00").strip()
    if not text.startswith("\\"):
        text = "\\" + text
    if text == "\\":
        return text
    parts = text[1:].rstrip("\\").split("\\")
    if any(not p or p in (".", "..") or _BAD_NAME.search(p) or len(p) > 255 for p in parts):
        return None
    return "\\" + "\\".join(parts)


def parent_of(path: str) -> str:
    head = path.rsplit("\\", 1)[0]
    return head or "\\"


#: An SDDL ACE that lets Authenticated Users, Everyone or Users read (FA, FR, GA, GR or a mask
#: with FILE_READ_DATA): what makes a task visible to a caller who is not an administrator.
_USERS_READ: Final = re.compile(r"\(A;[^;]*;(?:[^;]*(?:FA|FR|GA|GR)[^;]*|0x[0-9A-Fa-f]*[13579BbDdFf]);;;(?:AU|WD|BU)\)")


def users_may_read(sddl: str) -> bool:
    return bool(_USERS_READ.search(sddl))


def is_administrator(ctx: Any) -> bool:
    """Does the caller's token hold BUILTIN\\Administrators (the folder and task SDDLs grant
    them full control)?"""
    return str(getattr(ctx.principal.kind, "value", ctx.principal.kind)) == "administrator"


_SDDL_SHAPE: Final = re.compile(r"^(O:[^:()]+)?(G:[^:()]+)?(D:[A-Z]*(\([^()]*\))*)?(S:[A-Z]*(\([^()]*\))*)?$")


def valid_sddl(text: str) -> bool:
    """The shape of an SDDL string (MS-DTYP 2.5.1): owner, group, DACL, SACL, each optional."""
    return bool(text) and bool(_SDDL_SHAPE.match(text.strip()))


def owner_sddl(ctx: Any) -> str:
    return TASK_SDDL.format(owner=ctx.principal.sid or "BA")


#: Rules of the HRESULT interfaces (SASec, ITaskSchedulerService) carry this one-entry
#: ``levels`` map: a rule with levels is the handler's to ask (smbemu.rpc.enforcement:
#: refusal_before_handler), which :func:`asked_first` does, so that the refusal goes out as the
#: signed HRESULT the NDR engine's int32 return value takes (E_ACCESSDENIED, 0x80070005).
ASKED_BY_HANDLER: Final = 0


def asked_first(handler: Any) -> Any:
    """Wrap an HRESULT handler: the operation's rule is decided first (``ctx.decide()``); a
    refusal answers E_ACCESSDENIED with the [out] parameters neutral and the [in, out] ones
    echoed, as the runtime answers a declared rule's refusal."""
    import functools

    @functools.wraps(handler)
    def run(ctx: Any, request: dict[str, Any]) -> dict[str, Any]:
        decision = ctx.decide()
        if decision.allowed:
            result: dict[str, Any] = handler(ctx, request)
            return result
        op = ctx.operation
        echoed = {name: request[name] for name, _ in op.response if name in request}
        refusal: dict[str, Any] = op.error_response(hresult(decision.status), **echoed)
        return refusal

    return run
