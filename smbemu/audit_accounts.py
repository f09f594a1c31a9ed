"""The Security events of SAM changes (`smbemu.events.AccountChanged`): user and computer
accounts created, deleted, changed, enabled, disabled, unlocked, their passwords changed or
reset, and group / alias membership and lifecycle -- 4720-4767 and 4754-4758 with the EventData
names of the Security log's XML view (Microsoft Learn, the "Audit User Account Management",
"Audit Computer Account Management" and "Audit Security Group Management" event pages).
`smbemu.audit` keeps the log and merges :data:`WRITERS` into its observer."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from smbemu import events
from smbemu.audit_subject import NULL_SID, subject_fields

if TYPE_CHECKING:
    from smbemu.config import ServerConfig

__all__ = ["WRITERS", "account_change"]

#: Windows' event for each SAM change (user account, computer account).
_CHANGE_EVENTS: Final[dict[str, tuple[int, int]]] = {
    "created": (4720, 4741), "deleted": (4726, 4743), "changed": (4738, 4742),
    "enabled": (4722, 4722), "disabled": (4725, 4725),
    "password-changed": (4723, 4723), "password-reset": (4724, 4724), "unlocked": (4767, 4767)}
#: Membership changes by group scope (a SAMR group is global, an alias local; pipes/samr names
#: the universal ones), then the group itself created / deleted / changed.
_MEMBER_EVENTS: Final[dict[tuple[str, str], int]] = {
    (change, scope): event_id
    for scope, ids in (("global", (4728, 4729, 4727, 4730, 4737)), ("local", (4732, 4733, 4731, 4734, 4735)),
                       ("universal", (4756, 4757, 4754, 4758, 4755)))
    for change, event_id in zip(("member-added", "member-removed", "created", "deleted", "changed"), ids)}
#: The attribute fields of 4720 / 4738 (4741 / 4742 add DnsHostName, ServicePrincipalNames), in
#: Windows' order: "-" means unchanged (4738) or not set.
_ACCOUNT_ATTRIBUTES: Final = (
    "SamAccountName", "DisplayName", "UserPrincipalName", "HomeDirectory", "HomePath", "ScriptPath",
    "ProfilePath", "UserWorkstations", "PasswordLastSet", "AccountExpires", "PrimaryGroupId",
    "AllowedToDelegateTo", "OldUacValue", "NewUacValue", "UserAccountControl", "UserParameters",
    "SidHistory", "LogonHours")


def account_change(config: ServerConfig, event: events.AccountChanged) -> dict[str, object] | None:
    """4720 / 4722-4726 / 4738 / 4741-4743 / 4727-4737 / 4754-4758: a SAM change, with the
    EventData names of the Security log (Subject* = who made it, Target* = the account or group)."""
    audit = getattr(config, "audit", None)
    if audit is None:
        return None
    subject = subject_fields(config, event.principal, event.session_id)
    target = {"TargetUserName": event.target_name, "TargetDomainName": event.target_domain,
              "TargetSid": event.target_sid}
    member_event = _MEMBER_EVENTS.get((event.change, event.group_scope))
    if member_event is not None and not event.member_sid:  # a group itself: 4727/4731/4737/4735 name it
        extra = {} if member_event in (4730, 4734, 4758) else {
            "SamAccountName": dict(event.attributes).get("SamAccountName", "-"), "SidHistory": "-"}
        written: dict[str, object] = audit.emit(member_event, event.success,
                                                {**target, **subject, "PrivilegeList": "-", **extra})
        return written
    if member_event is not None:
        written = audit.emit(member_event, event.success, {
            "MemberName": event.member_name or "-", "MemberSid": event.member_sid or NULL_SID,
            **target, **subject, "PrivilegeList": "-"})
        return written
    ids = _CHANGE_EVENTS.get(event.change)
    if ids is None:
        return None
    event_id = ids[1] if event.computer else ids[0]
    fields: dict[str, object] = {**target, **subject}
    if event_id in (4720, 4726, 4738, 4741, 4742, 4743):
        fields["PrivilegeList"] = "-"
    if event_id in (4720, 4738, 4741, 4742):
        given = dict(event.attributes)
        fields.update({field: given.get(field, "-") for field in _ACCOUNT_ATTRIBUTES})
        if event_id in (4741, 4742):
            fields.update({"DnsHostName": "-", "ServicePrincipalNames": "-"})
    written = audit.emit(event_id, event.success, fields)
    return written


#: The observer's table entry (`smbemu.audit`).
WRITERS: Final[dict[type, Callable[[ServerConfig, Any], object]]] = {events.AccountChanged: account_change}
