"""Security event 4662 for directory replication ("DCSync"), for the audit log.

`smbemu.audit` keeps the log and the observer; this module writes the event for a granted
IDL_DRSGetNCChanges (`smbemu.events.DirectoryReplicated`, from pipes/drsuapi):

=====  ==========================================================================================
4662   An operation was performed on an object: ObjectServer ``DS``, the domain object
       (ObjectType the domainDNS class GUID 19195a5b-6da0-11d0-afd3-00c04fd930c9, ObjectName its
       objectGUID), AccessList ``%%7688`` (Control Access), AccessMask 0x100, Properties the
       control access right used: DS-Replication-Get-Changes 1131f6aa-9c07-11d1-f79f-00c04fc2dcd2,
       and for secrets DS-Replication-Get-Changes-All 1131f6ad-9c07-11d1-f79f-00c04fc2dcd2 --
       one event per right, as Windows writes one per access check
=====  ==========================================================================================

Sources: Microsoft's event-4662 page (learn.microsoft.com, windows/security/threat-protection/
auditing/event-4662: fields, %%7688, AccessMask 0x100) and the control access rights' rightsGuids
(MS-ADTS 5.1.3.2.1, Control Access Rights).

When it is written: 4662 belongs to the "Directory Service Access" subcategory (category
"DS Access").  Its default: Success on domain controllers from Windows Server 2003 on (the
Default Domain Controllers Policy audits directory service access; from 2008 the advanced
policy's "Directory Service Access" is Success on a DC: Microsoft's "Audit Directory Service
Access" page, W), off on Windows 2000 (U).  A category setting an administrator stored with
LsarSetInformationPolicy (PolicyAuditEventsInformation, category 6 AuditCategoryDirectoryServiceAccess,
MS-LSAD 2.2.4.20) replaces the default.  The domain object's default SACL audits the replication
rights for Everyone (U: which SACL entry Windows matches).  Refusals are not written: failure
auditing of the subcategory is off by default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from smbemu import events
from smbemu.audit_subject import subject_fields

if TYPE_CHECKING:
    from smbemu.config import ServerConfig

__all__ = ["WRITERS", "DS_ACCESS_EVENT", "GET_CHANGES", "GET_CHANGES_ALL", "ds_access_audited"]

DS_ACCESS_EVENT: Final = 4662
GET_CHANGES: Final = "1131f6aa-9c07-11d1-f79f-00c04fc2dcd2"
GET_CHANGES_ALL: Final = "1131f6ad-9c07-11d1-f79f-00c04fc2dcd2"
#: MS-ADSC: the domainDNS class's schemaIDGUID.
DOMAIN_DNS_CLASS: Final = "19195a5b-6da0-11d0-afd3-00c04fd930c9"
#: MS-LSAD 2.2.4.20 POLICY_AUDIT_EVENT_TYPE AuditCategoryDirectoryServiceAccess; 2.2.4.4
#: POLICY_AUDIT_EVENT_SUCCESS.
_DS_ACCESS_CATEGORY: Final = 6
_AUDIT_SUCCESS: Final = 0x1


def ds_access_audited(config: ServerConfig) -> bool:
    """Is success auditing of directory service access on (module docstring)?"""
    stored = (getattr(config.directory, "lsa_policy", None) or {}).get("audit_events")
    if stored is not None:
        options = list(stored.get("options") or [])
        return bool(stored.get("mode")) and len(options) > _DS_ACCESS_CATEGORY \
            and bool(int(options[_DS_ACCESS_CATEGORY]) & _AUDIT_SUCCESS)
    return bool(config.profile.is_dc) and config.profile.identity.version >= (5, 2)


def replication(config: ServerConfig, event: events.DirectoryReplicated) -> None:
    log = getattr(config, "audit", None)
    if log is None or not ds_access_audited(config):
        return
    rights = (GET_CHANGES, GET_CHANGES_ALL) if event.secrets else (GET_CHANGES,)
    for right in rights:
        log.emit(DS_ACCESS_EVENT, True, {
            **subject_fields(config, event.principal, event.session_id), "ObjectServer": "DS", "ObjectType": f"%{{{DOMAIN_DNS_CLASS}}}",
            "ObjectName": f"%{{{event.nc_guid}}}", "OperationType": "Object Access", "HandleId": "0x0",
            "AccessList": "%%7688", "AccessMask": "0x100",
            "Properties": f"%%7688 {{{right}}} {{{DOMAIN_DNS_CLASS}}}",
            "AdditionalInfo": "-", "AdditionalInfo2": "", "IpAddress": event.client_address or "-",
            "ReplicatedObject": event.object_dn})


#: Merged into `smbemu.audit`'s observer table.
WRITERS: Final[dict[type, Callable[[ServerConfig, Any], object]]] = {
    events.DirectoryReplicated: replication,
}
