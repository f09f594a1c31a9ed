"""A service's optional configuration: RChangeServiceConfig2W (37) / RChangeServiceConfig2A (36)
set it, RQueryServiceConfig2W / A (pipes/svcctl/queries.py) read it back through
:func:`settings_buffer` (MS-SCMR 3.1.4.35-37, the SC_RPC_CONFIG_INFOW union of 2.2.22).

What each level keeps (Microsoft's ChangeServiceConfig2 documentation, D, for the NULL rules):

1  SERVICE_DESCRIPTION: lpDescription; NULL keeps it, "" deletes it.
2  SERVICE_FAILURE_ACTIONS: lpRebootMsg and lpCommand (NULL keeps, "" deletes); lpsaActions
   replaces the actions and dwResetPeriod -- "If this value is NULL, the cActions and
   dwResetPeriod members are ignored", i.e. an omitted list keeps the existing actions.
3  delayed auto-start, 4 failure actions on non-crash failures, 5 the service SID type (NONE 0,
   UNRESTRICTED 1, RESTRICTED 3; anything else ERROR_INVALID_PARAMETER), 6 the required
   privileges (a multi-string), 7 the preshutdown timeout; 8 triggers are accepted and their
   number kept (RQueryServiceConfigEx lists none, U).
9-11 (preferred NUMA node, run level, managed account): ERROR_INVALID_LEVEL (U: impacket's own
   suite notes that Windows rejects them).

Levels 3 and up exist from Windows Vista / Server 2008 on (ERROR_INVALID_LEVEL before, as the
queries answer).  The settings live in the server's memory with the service
(:data:`.lifecycle.CONFIG2`) and go when it is deleted.
"""

from __future__ import annotations

import struct
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantBytes,
    ContextHandle,
    Guid,
    Pointer,
    Struct,
    Union,
    WString,
    boolean8,
    uint16,
    uint32,
)
from smbemu.rpc.ndr.strings import CString
from smbemu.service_catalog import Service, current
from smbemu.status import ERROR_INVALID_LEVEL, ERROR_INVALID_PARAMETER, ERROR_SERVICE_MARKED_FOR_DELETE

from . import _SERVICE, INTERFACE, _entry, _lacks
from .access import SERVICE, SERVICE_CHANGE_CONFIG, SERVICE_START
from .lifecycle import CONFIG2, is_marked

#: SC_ACTION_RESTART (MS-SCMR 2.2.19): an action that starts the service needs SERVICE_START.
SC_ACTION_RESTART: Final = 1
#: SERVICE_SID_TYPE_NONE / UNRESTRICTED / RESTRICTED (MS-SCMR 2.2.46).
_SID_TYPES: Final = (0, 1, 3)
#: The default preshutdown timeout, 180 000 ms (D: SERVICE_PRESHUTDOWN_INFO, "the default is 180
#: seconds" from Windows 7 / Server 2008 R2 on).
PRESHUTDOWN_MS: Final = 180_000

SC_ACTION: Final = Struct("SC_ACTION", [("Type", uint32), ("Delay", uint32)])
_DWORD: Final = Struct("DWORD_INFO", [("dwValue", uint32)])
_TRIGGER_ITEM: Final = Struct("SERVICE_TRIGGER_SPECIFIC_DATA_ITEM", [
    ("dwDataType", uint32), ("cbData", uint32), ("pData", Pointer(ConformantBytes()))])
_TRIGGER: Final = Struct("SERVICE_TRIGGER", [
    ("dwTriggerType", uint32), ("dwAction", uint32), ("pTriggerSubtype", Pointer(Guid)),
    ("cDataItems", uint32), ("pDataItems", Pointer(ConformantArray(_TRIGGER_ITEM)))])


def _config_info(text: Any, name: str) -> Struct:
    """SC_RPC_CONFIG_INFOW / A (MS-SCMR 2.2.22 / 2.2.21) with the string type ``text``."""
    arms = {
        1: Pointer(Struct("SERVICE_DESCRIPTION", [("lpDescription", text)])),
        2: Pointer(Struct("SERVICE_FAILURE_ACTIONS", [
            ("dwResetPeriod", uint32), ("lpRebootMsg", text), ("lpCommand", text),
            ("cActions", uint32), ("lpsaActions", Pointer(ConformantArray(SC_ACTION)))])),
        3: Pointer(_DWORD), 4: Pointer(_DWORD), 5: Pointer(_DWORD),
        6: Pointer(Struct("SERVICE_RPC_REQUIRED_PRIVILEGES_INFO", [
            ("cbRequiredPrivileges", uint32), ("pRequiredPrivileges", Pointer(ConformantBytes()))])),
        7: Pointer(_DWORD),
        8: Pointer(Struct("SERVICE_TRIGGER_INFO", [
            ("cTriggers", uint32), ("pTriggers", Pointer(ConformantArray(_TRIGGER))),
            ("pReserved", Pointer(ConformantBytes()))])),
        9: Pointer(Struct("SERVICE_PREFERRED_NODE_INFO", [("usPreferredNode", uint16),
                                                          ("fDelete", boolean8)])),
        10: Pointer(_DWORD), 11: Pointer(_DWORD)}
    return Struct(name, [("dwInfoLevel", uint32), ("Union", Union(uint32, arms, name=name + "_u"))])


def stored(server: Any, name: str) -> dict[str, Any]:
    """The optional settings of service ``name`` (empty: Windows' defaults)."""
    settings: dict[str, dict[str, Any]] = server.memo(CONFIG2, dict)
    return settings.setdefault(name.lower(), {})


def _apply(settings: dict[str, Any], level: int, arm: dict[str, Any], charset: str,
           may_start: bool) -> int:
    """Apply one level's arm to ``settings``; the status."""
    if level == 1:
        if arm["lpDescription"] is not None:
            settings["description"] = arm["lpDescription"].rstrip("\x00")
    elif level == 2:
        actions = arm["lpsaActions"]
        if actions is not None:
            pairs = [(a["Type"], a["Delay"]) for a in actions]
            if any(kind == SC_ACTION_RESTART for kind, _ in pairs) and not may_start:
                return 5  # ERROR_ACCESS_DENIED: a restart action needs SERVICE_START (3.1.4.36)
            settings["actions"], settings["reset"] = pairs, arm["dwResetPeriod"]
        for field, key in (("lpRebootMsg", "reboot"), ("lpCommand", "command")):
            if arm[field] is not None:
                settings[key] = arm[field].rstrip("\x00")
    elif level == 5:
        if arm["dwValue"] not in _SID_TYPES:
            return ERROR_INVALID_PARAMETER
        settings["sid_type"] = arm["dwValue"]
    elif level == 6:
        text = (arm["pRequiredPrivileges"] or b"").decode(charset, "replace")
        settings["privileges"] = [p for p in text.split("\x00") if p]
    elif level in (3, 4, 7):
        settings[{3: "delayed", 4: "non_crash", 7: "preshutdown"}[level]] = arm["dwValue"]
    elif level == 8:
        settings["triggers"] = arm["cTriggers"]
    else:
        return ERROR_INVALID_LEVEL
    return 0


def _change2(charset: str) -> Any:
    def handler(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        """MS-SCMR 3.1.4.36 (W) / 3.1.4.35 (A): SERVICE_CHANGE_CONFIG on the handle."""
        entry = _entry(ctx, request["hService"], _SERVICE)
        status = _lacks(ctx, entry.granted_access, SERVICE_CHANGE_CONFIG, SERVICE)
        if not status:
            status = ctx.decide().status
        if status:
            return {"ReturnValue": status}
        service = current(ctx.server, entry.obj)
        info = request["Info"]
        level, (_tag, arm) = info["dwInfoLevel"], info["Union"]
        if level > 2 and ctx.server.profile.identity.version < (6, 0):
            return {"ReturnValue": ERROR_INVALID_LEVEL}
        if is_marked(ctx, service.name):
            return {"ReturnValue": ERROR_SERVICE_MARKED_FOR_DELETE}
        if arm is None:
            return {"ReturnValue": ERROR_INVALID_PARAMETER}
        settings = dict(stored(ctx.server, service.name))
        status = _apply(settings, level, arm, charset,
                        bool(entry.granted_access & SERVICE_START))
        if not status:
            stored(ctx.server, service.name).update(settings)
        return {"ReturnValue": status}
    return handler


INTERFACE.operation(37, "RChangeServiceConfig2W",
                    request=[("hService", ContextHandle),
                             ("Info", _config_info(WString, "SC_RPC_CONFIG_INFOW"))],
                    response=[], returns="error_status_t")(_change2("utf-16-le"))
INTERFACE.operation(36, "RChangeServiceConfig2A",
                    request=[("hService", ContextHandle),
                             ("Info", _config_info(CString, "SC_RPC_CONFIG_INFOA"))],
                    response=[], returns="error_status_t")(_change2("cp1252"))


# -------------------------------------------------------------------------------------------
# Reading back: the self-relative SERVICE_* structures of RQueryServiceConfig2W / A
# -------------------------------------------------------------------------------------------


def _encoded(text: str, charset: str) -> bytes:
    return (text + "\x00").encode(charset, "replace")


def _failure_actions(settings: dict[str, Any], charset: str) -> bytes:
    """SERVICE_FAILURE_ACTIONSW (MS-SCMR 2.2.39) in its self-relative form: the 20-byte header,
    the SC_ACTION array, then the reboot message and the command; pointers are offsets from the
    buffer start, 0 for none."""
    actions = settings.get("actions", [])
    body = b"".join(struct.pack("<II", kind, delay) for kind, delay in actions)
    actions_at = 20 if actions else 0
    offsets = []
    for key in ("reboot", "command"):
        text = settings.get(key)
        if text:
            offsets.append(20 + len(body))
            body += _encoded(text, charset)
            body += bytes(-len(body) % 4)
        else:
            offsets.append(0)
    return struct.pack("<5I", settings.get("reset", 0), offsets[0], offsets[1], len(actions),
                       actions_at) + body


def settings_buffer(server: Any, service: Service, level: int, charset: str) -> bytes | None:
    """The buffer RQueryServiceConfig2W / A returns for ``level`` (MS-SCMR 2.2.22-2.2.35:
    string and array pointers as offsets from the buffer start); None for a level not
    defined."""
    settings: dict[str, Any] = server.memo(CONFIG2, dict).get(service.name.lower(), {})
    if level == 1:  # SERVICE_DESCRIPTIONW: the catalog keeps no descriptions (U): empty
        return struct.pack("<I", 4) + _encoded(settings.get("description", ""), charset)
    if level == 2:
        return _failure_actions(settings, charset)
    if level in (3, 4, 5, 7):
        key = {3: "delayed", 4: "non_crash", 5: "sid_type", 7: "preshutdown"}[level]
        return struct.pack("<I", settings.get(key, PRESHUTDOWN_MS if level == 7 else 0))
    if level == 6:  # SERVICE_REQUIRED_PRIVILEGES_INFOW: a multi-string
        privileges = settings.get("privileges", [])
        text = "".join(f"{p}\x00" for p in privileges) or "\x00"
        return struct.pack("<I", 4) + _encoded(text, charset)
    return None
