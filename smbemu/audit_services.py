"""Audit event 4697, "A service was installed in the system", for the audit log.

svcctl's RCreateServiceW / RCreateServiceA (pipes/svcctl/writes.py) report each service an
administrator creates (`smbemu.events.ServiceInstalled`) -- psexec.py, smbexec.py and
services.py create install one, the classic lateral-movement step of a lab.  This writer turns it
into the Security event Windows writes, with the EventData names of its XML view: the Subject
(who), ServiceName, ServiceFileName (the binary path as given: recorded, never run), ServiceType
and ServiceStartType (hexadecimal and decimal, as Windows prints them) and ServiceAccount.

When Windows writes it (D: Microsoft Learn, "4697(S): A service was installed in the system" and
"Audit Security System Extension"): the event belongs to the "Security System Extension"
subcategory of the System category, which a default Windows Server 2016 does not audit ("No
Auditing" in the default policy; W: `auditpol /get /category:System` on a fresh install).  So,
as on Windows, it is written only once an administrator switched success auditing of the System
category on (LsarSetInformationPolicy PolicyAuditEventsInformation, MS-LSAD 2.2.4.20:
AuditCategorySystem is the first POLICY_AUDIT_EVENT_OPTIONS word; the legacy category setting
enables every subcategory of it) and only for Windows Vista / Server 2008 and later (4697's
predecessor on 2000 / XP / 2003 is 601, "Attempt to install service", not written here).

The System log's 7045 ("A service was installed in the system", Service Control Manager),
which Windows always writes, is not served: smbemu's eventlog serves the Security log only.
Whatever the audit policy, the call itself is in the log as smbemu's 100001 (RCreateServiceW,
the caller, the status), which is how a defender sees it on a default configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from smbemu import events

if TYPE_CHECKING:
    from smbemu.config import ServerConfig

__all__ = ["SERVICE_INSTALLED_EVENT_ID", "WRITERS", "service_installed", "system_success_audited"]

SERVICE_INSTALLED_EVENT_ID: Final = 4697
#: POLICY_AUDIT_EVENT_SUCCESS (MS-LSAD 2.2.4.20) in AuditCategorySystem's options word (index 0).
_AUDIT_SUCCESS: Final = 0x1
_SYSTEM_CATEGORY: Final = 0


def system_success_audited(config: ServerConfig) -> bool:
    """Is success auditing of the System category on (the LSA audit policy as an administrator
    set it; off on a fresh install)?"""
    stored = (getattr(config.directory, "lsa_policy", None) or {}).get("audit_events")
    if not stored or not stored.get("mode"):
        return False
    options = list(stored.get("options") or ())
    return bool(options) and bool(int(options[_SYSTEM_CATEGORY]) & _AUDIT_SUCCESS)


def _subject(config: ServerConfig, event: events.ServiceInstalled) -> dict[str, object]:
    principal = event.principal
    user = config.directory.find_user(principal.user_name) if principal.user_name else None
    return {"SubjectUserSid": str(user.sid) if user is not None else "S-1-0-0",
            "SubjectUserName": user.name if user is not None else principal.user_name,
            "SubjectDomainName": str(config.directory.account_domain.name),
            "SubjectLogonId": f"0x{event.session_id:X}"}


def service_installed(config: ServerConfig, event: events.ServiceInstalled) -> dict[str, object] | None:
    """4697 when the System category's success auditing is on (module docstring), else nothing."""
    log = getattr(config, "audit", None)
    if log is None or config.profile.identity.version < (6, 0) or not system_success_audited(config):
        return None
    result: dict[str, object] | None = log.emit(SERVICE_INSTALLED_EVENT_ID, True, {
        **_subject(config, event), "ServiceName": event.name,
        "ServiceFileName": event.binary_path, "ServiceType": f"0x{event.service_type:x}",
        "ServiceStartType": event.start_type, "ServiceAccount": event.account})
    return result


#: The writers this module adds to the audit observer's table (`smbemu.audit._WRITERS`).
WRITERS: Final[dict[type, Callable[[Any, Any], object]]] = {events.ServiceInstalled: service_installed}
