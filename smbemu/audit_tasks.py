"""The Security events of scheduled-task changes (`smbemu.events.ScheduledTaskChanged`, reported
by pipes/tsch), for the audit log:

=====  ==========================================================================================
4698   A scheduled task was created (SchRpcRegisterTask with TASK_CREATE, NetrJobAdd)
4699   A scheduled task was deleted (SchRpcDelete, NetrJobDel)
4700   A scheduled task was enabled (SchRpcEnableTask)
4701   A scheduled task was disabled (SchRpcEnableTask)
4702   A scheduled task was updated (SchRpcRegisterTask with TASK_UPDATE)
=====  ==========================================================================================

EventData, in the order of Microsoft's event pages (learn.microsoft.com, windows/security/
threat-protection/auditing/event-4698 ... event-4702, Windows Server 2016 and 10 before 1903):
the Subject (SubjectUserSid, SubjectUserName, SubjectDomainName, SubjectLogonId), TaskName
(the task's path) and TaskContent (its XML; TaskContentNew for 4702).  IpAddress is an smbemu
addition (Windows' events name no client address; the 4624 of the same logon does).

These events belong to the "Audit Other Object Access Events" subcategory, which is **not
audited by default** on any release that has it (Windows Vista / Server 2008 on: "Default: Not
configured", Microsoft's "Audit Other Object Access Events" page for 2008 R2 - 2012 R2 and its
Windows 10 / 2016 successor; the events do not exist before Vista, whose 2003 predecessor,
event 602, belonged to the "Audit object access" category).  So, as on Windows, they are
written only once Object Access auditing is on: the LSA audit policy (``Directory.lsa_policy``
``audit_events``, set by LsarSetInformationPolicy -- ``auditpol``'s legacy category, which
turns on all its subcategories -- or given in a ``--state`` file) has auditing on and Success
set for the Object Access category (POLICY_AUDIT_EVENT_TYPE 2, MS-LSAD 2.2.4.20).  smbemu's
100001 (one RPC call) shows every call regardless.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from smbemu import events
from smbemu.audit_policy_changes import _subject

if TYPE_CHECKING:
    from smbemu.config import ServerConfig

__all__ = ["WRITERS", "task_change", "TASK_EVENTS", "object_access_audited"]

TASK_EVENTS: Final = frozenset({4698, 4699, 4700, 4701, 4702})
#: MS-LSAD 2.2.4.20 AuditCategoryObjectAccess; 2.2.4.4 POLICY_AUDIT_EVENT_SUCCESS.
OBJECT_ACCESS_CATEGORY: Final = 2
POLICY_AUDIT_EVENT_SUCCESS: Final = 0x1


def object_access_audited(config: ServerConfig) -> bool:
    """Is success auditing of Object Access on (the module docstring)?  Off by default."""
    if config.profile.identity.version < (6, 0):
        return False
    stored = (getattr(config.directory, "lsa_policy", None) or {}).get("audit_events")
    if not stored or not int(stored.get("mode") or 0):
        return False
    options = list(stored.get("options") or ())
    return len(options) > OBJECT_ACCESS_CATEGORY and bool(
        int(options[OBJECT_ACCESS_CATEGORY]) & POLICY_AUDIT_EVENT_SUCCESS)


def task_change(config: ServerConfig, event: events.ScheduledTaskChanged) -> dict[str, object] | None:
    """4698-4702: who changed which task, and its XML (never run: smbemu executes nothing)."""
    log = getattr(config, "audit", None)
    if log is None or event.event_id not in TASK_EVENTS or not object_access_audited(config):
        return None
    content = "TaskContentNew" if event.event_id == 4702 else "TaskContent"
    fields: dict[str, object] = {
        **_subject(config, event.principal, event.session_id),
        "TaskName": event.task_name, content: event.task_content,
        "IpAddress": event.client_address or "-"}
    result: dict[str, object] | None = log.emit(event.event_id, True, fields)
    return result


#: The writer this module adds to the audit observer's table (`smbemu.audit._WRITERS`).
WRITERS: Final[dict[type, Callable[[Any, Any], object]]] = {events.ScheduledTaskChanged: task_change}
