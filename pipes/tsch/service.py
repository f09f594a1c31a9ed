"""ITaskSchedulerService, the Task Scheduler 2.0 interface (MS-TSCH 3.2.5.4), on
``\\PIPE\\atsvc`` and, with ``--rpc-tcp``, on a dynamic TCP port: UUID
86d35949-83c9-4044-b424-db363231fd0c version 1.0 (MS-TSCH 2.1), from Windows Vista / Server
2008 on (MS-TSCH Appendix B <1>: "the ITaskSchedulerService interface made its debut in Windows
Vista"; on an older release every opnum faults nca_op_rng_error -- U: Windows rejects the bind,
abstract syntax not supported, which the runtime cannot yet be told per release).

This module: the interface, its types and opnums 0-8 (version, registration, folders,
security, enumeration); :mod:`.runs` has 9-19 (instances, run, stop, delete, rename, the
per-task queries, enable).

Access (the rules below, which each handler asks first: `.store.asked_first`): the changes (register, create folder,
set security, run, stop, delete, enable) need an administrator (the Tasks folder's DACL grants
Administrators full control, :mod:`.store`; E_ACCESSDENIED otherwise); the queries need an
authenticated caller, and a caller who is not an administrator sees only the tasks whose SDDL
lets Authenticated Users, Everyone or Users read them (hidden from enumerations, and
E_ACCESSDENIED when named).  U: Windows also lets a user register a task of their own in the
root folder; not emulated (the user is refused).
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from typing import Any, Final

from smbemu.policy import Require, Rule
from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import ConformantArray, Guid, Pointer, Struct, WString, WStringRef, uint16, uint32

from . import reports
from .store import (
    ASKED_BY_HANDLER, E_ACCESSDENIED, E_ALREADY_EXISTS, E_FILE_NOT_FOUND, E_INVALIDARG, E_PATH_NOT_FOUND, MAX_TASKS,
    MAX_XML_CHARS, S_FALSE, SCHED_E_MALFORMEDXML, Task, TaskStore, canonical, hresult,
    asked_first, is_administrator, owner_sddl, parent_of, store_of, users_may_read, valid_sddl,
)

_CHANGES: Final = ("SchRpcRegisterTask", "SchRpcCreateFolder", "SchRpcSetSecurity",
                   "SchRpcStopInstance", "SchRpcStop", "SchRpcRun", "SchRpcDelete",
                   "SchRpcEnableTask")
_QUERIES: Final = ("SchRpcRetrieveTask", "SchRpcGetSecurity", "SchRpcEnumFolders",
                   "SchRpcEnumTasks", "SchRpcEnumInstances", "SchRpcGetInstanceInfo",
                   "SchRpcScheduledRuntimes", "SchRpcGetLastRunInfo", "SchRpcGetTaskInfo",
                   "SchRpcGetNumberOfMissedRuns")
INTERFACE: Final = Interface(
    name="tsch", uuid="86d35949-83c9-4044-b424-db363231fd0c", version=(1, 0),
    pipes=("atsvc",), opnum_count=20,
    description="Task Scheduler 2.0 (MS-TSCH ITaskSchedulerService): tasks stored, none run",
    rules={**{name: Rule(Require.ADMINISTRATORS, {ASKED_BY_HANDLER: Require.ADMINISTRATORS},
                         source="MS-TSCH 3.2.5.4 (the Tasks folder DACL: Administrators)")
              for name in _CHANGES},
           **{name: Rule(Require.AUTHENTICATED, {ASKED_BY_HANDLER: Require.AUTHENTICATED}, source="MS-TSCH 3.2.5.4 (read access: the DACL)")
              for name in _QUERIES}})

TASK_VALIDATE_ONLY: Final = 0x1
TASK_CREATE: Final = 0x2
TASK_UPDATE: Final = 0x4
TASK_DISABLE: Final = 0x8
#: MS-TSCH 2.3.7 TASK_ENUM_HIDDEN.
TASK_ENUM_HIDDEN: Final = 0x1
#: MS-TSCH 2.3.1 (SECURITY_INFORMATION, MS-DTYP 2.4.7) parts of an SDDL string.
_SDDL_PARTS: Final = ((0x1, "O"), (0x2, "G"), (0x4, "D"), (0x8, "S"))
#: HRESULT_FROM_WIN32(ERROR_INVALID_SECURITY_DESCR).
E_INVALID_SECURITY_DESCR: Final = hresult(0x8007053A)
_VERSION_BY_RELEASE: Final = (((6, 2), 0x00010004), ((6, 1), 0x00010003), ((6, 0), 0x00010002))

#: MS-TSCH 2.3.8 TASK_USER_CRED, 2.3.10 TASK_XML_ERROR_INFO, MS-DTYP 2.3.13 SYSTEMTIME.
TASK_USER_CRED: Final = Struct("TASK_USER_CRED", [("userId", WString), ("password", WString),
                                                  ("flags", uint32)])
TASK_XML_ERROR_INFO: Final = Struct("TASK_XML_ERROR_INFO", [
    ("line", uint32), ("column", uint32), ("node", WString), ("value", WString)])
SYSTEMTIME: Final = Struct("SYSTEMTIME", [(n, uint16) for n in (
    "wYear", "wMonth", "wDayOfWeek", "wDay", "wHour", "wMinute", "wSecond", "wMilliseconds")])
TASK_NAMES: Final = Pointer(ConformantArray(WString))
GUIDS: Final = Pointer(ConformantArray(Guid))


def introduced(ctx: CallContext) -> None:
    """Fault nca_op_rng_error before Vista / 2008 (the module docstring)."""
    if ctx.server.profile.identity.version < (6, 0):
        from smbemu.errors import RpcFault
        from smbemu.status import NCA_S_OP_RNG_ERROR
        raise RpcFault(NCA_S_OP_RNG_ERROR, "ITaskSchedulerService came with Vista / 2008")


def visible(ctx: CallContext, task: Task) -> bool:
    return is_administrator(ctx) or users_may_read(task.sddl)


def find_task(ctx: CallContext, path: str | None) -> tuple[Task | None, int]:
    """The task ``path`` names and 0, or None and the HRESULT the caller gets."""
    name = canonical(path)
    if name is None:
        return None, E_INVALIDARG
    task = store_of(ctx).task(name)
    if task is None:
        return None, E_FILE_NOT_FOUND
    if not visible(ctx, task):
        return None, E_ACCESSDENIED
    return task, 0


@INTERFACE.operation(0, "SchRpcHighestVersion", request=[], response=[("pVersion", uint32)],
                     returns="HRESULT")
@asked_first
def SchRpcHighestVersion(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.4.1 and <65>: 1.2 on Vista / 2008, 1.3 on 7 / 2008 R2, 1.4 from 8 / 2012 on
    (0xMMMMmmmm; U for the releases after 2012, which the note lists with 1.4)."""
    introduced(ctx)
    version = ctx.server.profile.identity.version
    value = next(v for since, v in _VERSION_BY_RELEASE if version >= since)
    return {"pVersion": value, "ReturnValue": 0}


_DOCTYPE: Final = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DECLARATION: Final = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>")
_ENABLED_FALSE: Final = re.compile(r"<Settings\b.*?<Enabled>\s*false\s*</Enabled>", re.DOTALL)


def _xml_error(xml: str) -> dict[str, Any] | None:
    """None for task XML the service accepts, else its TASK_XML_ERROR_INFO (MS-TSCH 2.5: the
    root is ``Task`` and holds ``Actions``).  A DOCTYPE or ENTITY declaration is refused
    before parsing: the task schema has none, and no entity is ever expanded."""
    if _DOCTYPE.search(xml):
        return {"line": 1, "column": 1, "node": "DOCTYPE", "value": None}
    # The declaration names the encoding of the client's file (UTF-16); the string arrived
    # decoded, so it is dropped before parsing (its line is kept, for the error positions).
    body = _DECLARATION.sub(lambda m: " " * len(m.group(0)), xml, count=1)
    try:
        root = ET.fromstring(body.encode("utf-8"))
    except ET.ParseError as exc:
        line, column = exc.position
        return {"line": line, "column": column, "node": None, "value": None}
    local = root.tag.rsplit("}", 1)[-1]
    if local != "Task":
        return {"line": 1, "column": 1, "node": local, "value": None}
    if not any(child.tag.rsplit("}", 1)[-1] == "Actions" for child in root):
        return {"line": 1, "column": 1, "node": "Actions", "value": None}
    return None


@INTERFACE.operation(1, "SchRpcRegisterTask",
                     request=[("path", WString), ("xml", WStringRef), ("flags", uint32),
                              ("sddl", WString), ("logonType", uint32), ("cCreds", uint32),
                              ("pCreds", Pointer(ConformantArray(TASK_USER_CRED)))],
                     response=[("pActualPath", WString),
                               ("pErrorInfo", Pointer(TASK_XML_ERROR_INFO))],
                     returns="HRESULT")
@asked_first
def SchRpcRegisterTask(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.4.2: the XML is checked (SCHED_E_MALFORMEDXML with its error info), then
    stored as given under ``path`` (NULL: a GUID name in the root folder, U); TASK_CREATE /
    TASK_UPDATE say whether it may be new / replace one (E_ALREADY_EXISTS / E_FILE_NOT_FOUND);
    TASK_VALIDATE_ONLY stores nothing; TASK_DISABLE (or ``<Enabled>false``) registers it
    disabled.  4698 (created) or 4702 (updated) is reported.  Credentials are never kept, and
    nothing is ever run."""
    introduced(ctx)
    out: dict[str, Any] = {"pActualPath": None, "pErrorInfo": None}
    flags, xml = request["flags"], request["xml"] or ""
    if flags & ~0x3F or len(xml) > MAX_XML_CHARS:
        return {**out, "ReturnValue": E_INVALIDARG}
    error = _xml_error(xml)
    if error is not None:
        return {**out, "pErrorInfo": error, "ReturnValue": SCHED_E_MALFORMEDXML}
    if flags & TASK_VALIDATE_ONLY:
        return {**out, "ReturnValue": 0}
    given = request["path"]
    path = canonical("\\{" + str(uuid.uuid4()).upper() + "}" if given is None else given)
    sddl = request["sddl"]
    if path is None or path == "\\" or (sddl is not None and not valid_sddl(sddl)):
        return {**out, "ReturnValue": E_INVALIDARG if path in (None, "\\") else E_INVALID_SECURITY_DESCR}
    store = store_of(ctx)
    existing = store.task(path)
    if store.folder(path) is not None:
        return {**out, "ReturnValue": E_ALREADY_EXISTS}
    if existing is not None and not flags & TASK_UPDATE:
        return {**out, "ReturnValue": E_ALREADY_EXISTS}
    if existing is None and not flags & TASK_CREATE:
        return {**out, "ReturnValue": E_FILE_NOT_FOUND}
    if existing is None and len(store.tasks) >= MAX_TASKS:
        return {**out, "ReturnValue": hresult(0x8007000E)}  # E_OUTOFMEMORY: the store's bound
    enabled = not (flags & TASK_DISABLE or _ENABLED_FALSE.search(xml))
    if existing is not None:
        existing.xml, existing.enabled = xml, enabled
        if sddl is not None:
            existing.sddl = sddl
        reports.task_changed(ctx, reports.TASK_UPDATED, existing)
        return {**out, "pActualPath": existing.path, "ReturnValue": 0}
    task = Task(path, xml, sddl or owner_sddl(ctx), enabled)
    store.add_task(task)
    reports.task_changed(ctx, reports.TASK_CREATED, task)
    return {**out, "pActualPath": path, "ReturnValue": 0}


@INTERFACE.operation(2, "SchRpcRetrieveTask",
                     request=[("path", WStringRef), ("lpcwszLanguagesBuffer", WStringRef),
                              ("pulNumLanguages", uint32)],
                     response=[("pXml", WString)], returns="HRESULT")
@asked_first
def SchRpcRetrieveTask(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.4.3: the task's XML as it was registered (the languages are ignored: the
    stored XML has no localized strings to resolve, U)."""
    introduced(ctx)
    task, status = find_task(ctx, request["path"])
    if task is None:
        return {"pXml": None, "ReturnValue": status}
    return {"pXml": task.xml, "ReturnValue": 0}


@INTERFACE.operation(3, "SchRpcCreateFolder",
                     request=[("path", WStringRef), ("sddl", WString), ("flags", uint32)],
                     response=[], returns="HRESULT")
@asked_first
def SchRpcCreateFolder(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.4.4: flags MUST be 0 (E_INVALIDARG); an existing folder or task
    E_ALREADY_EXISTS; missing parents are created (U); the SDDL, when given, is kept."""
    introduced(ctx)
    path, sddl = canonical(request["path"]), request["sddl"]
    if request["flags"] or path is None or path == "\\":
        return {"ReturnValue": E_INVALIDARG}
    if sddl is not None and not valid_sddl(sddl):
        return {"ReturnValue": E_INVALID_SECURITY_DESCR}
    store = store_of(ctx)
    if store.folder(path) is not None or store.task(path) is not None:
        return {"ReturnValue": E_ALREADY_EXISTS}
    if len(store.folders) >= MAX_TASKS:
        return {"ReturnValue": hresult(0x8007000E)}
    if sddl is not None:
        store.add_folder(path, sddl)
    else:
        store.add_folder(path)
    return {"ReturnValue": 0}


def _node(store: TaskStore, path: str | None) -> tuple[Any, int]:
    name = canonical(path)
    if name is None:
        return None, E_INVALIDARG
    node = store.folder(name) or store.task(name)
    return (node, 0) if node is not None else (None, E_FILE_NOT_FOUND)


@INTERFACE.operation(4, "SchRpcSetSecurity",
                     request=[("path", WStringRef), ("sddl", WStringRef), ("flags", uint32)],
                     response=[], returns="HRESULT")
@asked_first
def SchRpcSetSecurity(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.4.5: the folder's or task's security descriptor becomes ``sddl``."""
    introduced(ctx)
    node, status = _node(store_of(ctx), request["path"])
    if node is None:
        return {"ReturnValue": status}
    if not valid_sddl(request["sddl"] or ""):
        return {"ReturnValue": E_INVALID_SECURITY_DESCR}
    node.sddl = request["sddl"]
    return {"ReturnValue": 0}


@INTERFACE.operation(5, "SchRpcGetSecurity",
                     request=[("path", WStringRef), ("securityInformation", uint32)],
                     response=[("sddl", WString)], returns="HRESULT")
@asked_first
def SchRpcGetSecurity(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.4.6: the parts of the SDDL ``securityInformation`` asks for."""
    introduced(ctx)
    node, status = _node(store_of(ctx), request["path"])
    if node is None or (isinstance(node, Task) and not visible(ctx, node)):
        return {"sddl": None, "ReturnValue": status or E_ACCESSDENIED}
    wanted = request["securityInformation"]
    parts = re.findall(r"([OGDS]):((?:(?![OGDS]:).)*)", node.sddl)
    text = "".join(f"{tag}:{body}" for bit, tag in _SDDL_PARTS if wanted & bit
                   for part_tag, body in parts if part_tag == tag)
    return {"sddl": text, "ReturnValue": 0}


def _names(ctx: CallContext, request: dict[str, Any], folders: bool) -> dict[str, Any]:
    """SchRpcEnumFolders / SchRpcEnumTasks (MS-TSCH 3.2.5.4.7-8): the names in the folder from
    startIndex on, at most cRequested; S_FALSE when none is left; a path that is no folder
    E_PATH_NOT_FOUND (0x80070003)."""
    introduced(ctx)
    start = request["startIndex"]
    out = {"startIndex": start, "pcNames": 0, "pNames": None}
    path = canonical(request["path"])
    store = store_of(ctx)
    if path is None:
        return {**out, "ReturnValue": E_INVALIDARG}
    if store.folder(path) is None:
        return {**out, "ReturnValue": E_PATH_NOT_FOUND}
    sub_folders, tasks = store.children(path)
    hidden = bool(request["flags"] & TASK_ENUM_HIDDEN)
    if folders:
        names = [f.path.rsplit("\\", 1)[-1] for f in sub_folders]
    else:
        names = [t.name for t in tasks if visible(ctx, t)
                 and (hidden or "<Hidden>true</Hidden>" not in t.xml)]
    chosen = names[start:start + request["cRequested"]]
    if not chosen:
        return {**out, "ReturnValue": S_FALSE}
    return {"startIndex": start + len(chosen), "pcNames": len(chosen), "pNames": chosen,
            "ReturnValue": 0}


_ENUM_REQUEST: Final = [("path", WStringRef), ("flags", uint32), ("startIndex", uint32),
                        ("cRequested", uint32)]
_ENUM_RESPONSE: Final = [("startIndex", uint32), ("pcNames", uint32), ("pNames", TASK_NAMES)]


@INTERFACE.operation(6, "SchRpcEnumFolders", request=_ENUM_REQUEST, response=_ENUM_RESPONSE,
                     returns="HRESULT")
@asked_first
def SchRpcEnumFolders(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return _names(ctx, request, folders=True)


@INTERFACE.operation(7, "SchRpcEnumTasks", request=_ENUM_REQUEST, response=_ENUM_RESPONSE,
                     returns="HRESULT")
@asked_first
def SchRpcEnumTasks(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return _names(ctx, request, folders=False)


@INTERFACE.operation(8, "SchRpcEnumInstances", request=[("path", WString), ("flags", uint32)],
                     response=[("pcGuids", uint32), ("pGuids", GUIDS)], returns="HRESULT")
@asked_first
def SchRpcEnumInstances(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.4.9: the running instances of the task ``path`` names, or of every task in
    the folder (NULL: every task); hidden tasks' only with TASK_ENUM_HIDDEN."""
    introduced(ctx)
    store = store_of(ctx)
    path = canonical(request["path"]) if request["path"] is not None else "\\"
    if path is None:
        return {"pcGuids": 0, "pGuids": None, "ReturnValue": E_INVALIDARG}
    task = store.task(path)
    if task is None and store.folder(path) is None:
        return {"pcGuids": 0, "pGuids": None, "ReturnValue": E_FILE_NOT_FOUND}
    prefix = path.lower().rstrip("\\") + "\\"
    hidden = bool(request["flags"] & TASK_ENUM_HIDDEN)
    guids = [i.guid for i in store.running()
             if visible(ctx, i.task) and (i.task is task or (
                 task is None and i.task.path.lower().startswith(prefix)
                 and (hidden or "<Hidden>true</Hidden>" not in i.task.xml)))]
    return {"pcGuids": len(guids), "pGuids": guids or None, "ReturnValue": 0}


__all__ = ["INTERFACE", "SYSTEMTIME", "GUIDS", "find_task", "introduced", "visible", "parent_of"]
