"""The Security events of share changes (`smbemu.events.ShareChanged`), for the audit log.

`smbemu.audit` keeps the log and the observer; this module writes the three events an
administrator's srvsvc changes produce (:data:`WRITERS`, merged into the observer's table), with
the EventData names of the Security log's XML view:

=====  ==========================================================================================
5142   A network share object was added (NetrShareAdd, MS-SRVS 3.1.4.7)
5143   A network share object was modified (NetrShareSetInfo, 3.1.4.11): OldRemark / NewRemark,
       OldMaxUsers / NewMaxUsers, OldShareFlags / NewShareFlags, OldSD / NewSD
5144   A network share object was deleted (NetrShareDel / DelEx / DelCommit, 3.1.4.12-3.1.4.15)
=====  ==========================================================================================

Event IDs and fields: Microsoft Learn, "Audit File Share" and its event pages
(windows/security/threat-protection/auditing/event-5142, -5143, -5144).  The subcategory
"Audit File Share" exists from Windows Vista / Server 2008 on and is **not audited by default**
on any release (the "Audit File Share" page: default "No Auditing" for domain controllers, member
servers and workstations); Windows 2000 / XP / 2003 have no such event (their object-access
auditing logged 560 on the share's registry key, U).  smbemu's log is a teaching log that also
writes 5140 / 5145 of the same subcategory whatever the policy (`smbemu.audit`), so it writes
these three too: a defender sees what Windows would log once "File Share" auditing is enabled.

OldSD / NewSD: Windows prints SDDL; smbemu has no SDDL writer, so the self-relative descriptor
is printed as hex ("" when none is set; U).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from smbemu import events
from smbemu.audit_subject import subject_fields

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.principal import Principal

__all__ = ["WRITERS", "share_change", "SHARE_CHANGE_EVENTS"]

#: ShareChanged.change -> its Security event.
SHARE_CHANGE_EVENTS: Final = {"added": 5142, "modified": 5143, "deleted": 5144}


def _modified_fields(old: tuple[str, int, int, str], new: tuple[str, int, int, str]) -> dict[str, object]:
    """5143's before / after pairs, in the order of its EventData."""
    fields: dict[str, object] = {}
    for index, (old_name, new_name) in enumerate((("OldRemark", "NewRemark"),
                                                   ("OldMaxUsers", "NewMaxUsers"),
                                                   ("OldShareFlags", "NewShareFlags"),
                                                   ("OldSD", "NewSD"))):
        before, after = old[index], new[index]
        if index in (1, 2):
            before, after = f"0x{int(before):X}", f"0x{int(after):X}"
        fields[old_name], fields[new_name] = before, after
    return fields


def share_change(config: ServerConfig, event: events.ShareChanged) -> dict[str, object] | None:
    """One of 5142 / 5143 / 5144: the Subject (who), the share, and for 5143 what changed."""
    log = getattr(config, "audit", None)
    event_id = SHARE_CHANGE_EVENTS.get(event.change)
    if log is None or event_id is None:
        return None
    fields: dict[str, object] = {**subject_fields(config, event.principal, event.session_id)}
    if event_id == 5143:
        fields["ObjectType"] = "Directory"
    fields["ShareName"] = f"\\\\*\\{event.share}"
    fields["ShareLocalPath"] = event.path
    if event_id == 5143 and event.old is not None and event.new is not None:
        fields.update(_modified_fields(event.old, event.new))
    result: dict[str, object] | None = log.emit(event_id, True, fields)
    return result


#: The writers this module adds to the audit observer's table (`smbemu.audit._WRITERS`).
WRITERS: Final[dict[type, Callable[[Any, Any], object]]] = {events.ShareChanged: share_change}
