"""The Security events of LSA policy changes (`smbemu.events.PolicyChanged`), for the audit log.

`smbemu.audit` keeps the log and the observer; this module only writes the policy-change events
it is handed (:data:`WRITERS`, merged into the observer's table), with the EventData names of the
Security log's XML view:

=====  ==========================================================================================
4719   System audit policy was changed (LsarSetInformationPolicy(2) PolicyAuditEventsInformation;
       subcategory "Audit Policy Change", on by default -- Success -- on Windows Server 2016)
4713   Kerberos policy was changed (LsarSetDomainInformationPolicy
       PolicyDomainKerberosTicketInformation on a DC; "Authentication Policy Change", Success by
       default)
4714   Encrypted data recovery policy was changed (LsarSetDomainInformationPolicy
       PolicyDomainEfsInformation; "Authentication Policy Change")
4717   System security access was granted to an account (a logon right added: LsarAddAccountRights,
       LsarSetSystemAccessAccount; "Authentication Policy Change"), TargetSid / AccessGranted
4718   System security access was removed from an account (AccessRemoved)
4706   A new trust was created to a domain; 4707 a trust to a domain was removed; 4716 trusted
       domain information was modified ("Authentication Policy Change"; DomainName, DomainSid,
       TdoType, TdoDirection, TdoAttributes, SidFilteringEnabled: pipes/lsarpc/trust_store.py)
=====  ==========================================================================================

Event IDs, subcategories and their defaults: Microsoft's "Advanced security audit policy
settings" reference and its per-event pages (learn.microsoft.com, windows/security/threat-
protection/auditing/event-4719 / -4713 / -4714 / -4717 / -4718 / -4706 / -4707 / -4716).

The Subject is the caller, as in every other change event (`audit_accounts.account_change`).
LsarSetSecurityObject's 4670 ("Permissions on an object were changed") belongs to "Authorization
Policy Change", which Windows Server 2016 does not audit by default: not written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from smbemu import events
from smbemu.audit_subject import subject_fields

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.principal import Principal

__all__ = ["WRITERS", "policy_change", "POLICY_CHANGE_EVENTS"]

#: The event IDs a `PolicyChanged` may carry (anything else is not written).
POLICY_CHANGE_EVENTS: Final = frozenset({4706, 4707, 4713, 4714, 4716, 4717, 4718, 4719})


#: Kept for the writer modules that import it by this name (use `subject_fields`).
_subject = subject_fields


def policy_change(config: ServerConfig, event: events.PolicyChanged) -> dict[str, object] | None:
    """One Security event of an LSA policy change: the Subject (who), then the event's fields."""
    log = getattr(config, "audit", None)
    if log is None or event.event_id not in POLICY_CHANGE_EVENTS:
        return None
    result: dict[str, object] | None = log.emit(
        event.event_id, True, {**_subject(config, event.principal, event.session_id), **dict(event.fields)})
    return result


#: The writers this module adds to the audit observer's table (`smbemu.audit._WRITERS`).
WRITERS: Final[dict[type, Callable[[Any, Any], object]]] = {events.PolicyChanged: policy_change}
