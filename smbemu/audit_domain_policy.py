"""The Security event of a SAM domain-settings change (`smbemu.events.DomainPolicyChanged`), for
the audit log: 4739, "Domain Policy was changed" (SamrSetInformationDomain,
``pipes/samr/domain_writes.py``).

4739 belongs to the "Audit Authentication Policy Change" subcategory, audited (Success) by
default on Windows Server (Microsoft's "Advanced security audit policy settings" reference and its
event-4739 page, learn.microsoft.com windows/security/threat-protection/auditing/event-4739).
Its EventData, in the order of that page: the Subject, DomainPolicyChanged (the "Change Type":
"Password Policy", "Lockout Policy"), DomainName, DomainSid, PrivilegeList, then one field per
domain attribute -- "-" for an attribute this change did not touch.  A changed delta time is
written as its 100 ns value (U: the page's sample shows only unchanged "-" values).

`smbemu.audit` keeps the log and the observer and merges :data:`WRITERS` into its table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from smbemu import events
from smbemu.audit_subject import subject_fields

if TYPE_CHECKING:
    from smbemu.config import ServerConfig

__all__ = ["WRITERS", "domain_policy_change", "DOMAIN_POLICY_CHANGED"]

DOMAIN_POLICY_CHANGED: Final = 4739
#: 4739's attribute fields in Windows' order -> the `smbemu.directory.domain_settings` name that
#: fills it (None: SamrSetInformationDomain never changes it).
_FIELDS: Final[tuple[tuple[str, str | None], ...]] = (
    ("MinPasswordAge", "min_age"), ("MaxPasswordAge", "max_age"), ("ForceLogoff", "force_logoff"),
    ("LockoutThreshold", "lockout_threshold"), ("LockoutObservationWindow", "lockout_window"),
    ("LockoutDuration", "lockout_duration"), ("PasswordProperties", "properties"),
    ("MinPasswordLength", "min_length"), ("PasswordHistoryLength", "history"),
    ("MachineAccountQuota", None), ("MixedDomainMode", None), ("DomainBehaviorVersion", None),
    ("OemInformation", "oem_information"),
)


def domain_policy_change(config: ServerConfig, event: events.DomainPolicyChanged) -> dict[str, object] | None:
    """4739: who changed which settings of which domain."""
    log = getattr(config, "audit", None)
    if log is None:
        return None
    values = dict(event.values)
    fields: dict[str, object] = {
        **subject_fields(config, event.principal, event.session_id),
        "DomainPolicyChanged": event.change_type, "DomainName": event.domain_name,
        "DomainSid": event.domain_sid, "PrivilegeList": "-"}
    for field, name in _FIELDS:
        value = values.get(name) if name is not None else None
        fields[field] = "-" if value is None else (value if isinstance(value, str) else str(value))
    result: dict[str, object] | None = log.emit(DOMAIN_POLICY_CHANGED, True, fields)
    return result


#: The writer this module adds to the audit observer's table (`smbemu.audit._WRITERS`).
WRITERS: Final[dict[type, Callable[[Any, Any], object]]] = {events.DomainPolicyChanged: domain_policy_change}
