"""Who an audit event names: the Subject* / Target* fields every Security event of `smbemu.audit`
and its writer modules (``smbemu.audit_*``) prints, in one place.

This module imports none of them (they all import it), so a writer module never reaches into
`smbemu.audit`, which merges their :data:`WRITERS` tables into its observer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Protocol

if TYPE_CHECKING:
    from smbemu.principal import Principal


class HasDirectory(Protocol):
    """A server configuration, or a handler's view of the server: anything with the directory."""

    @property
    def directory(self) -> Any: ...

__all__ = ["NULL_SID", "ANONYMOUS_SID", "ServerText", "logon_id", "identity_fields", "subject_fields"]

NULL_SID: Final = "S-1-0-0"
ANONYMOUS_SID: Final = "S-1-5-7"


class ServerText(str):
    """A field value the server composed from its own data, never from client input, whose line
    breaks are part of it as Windows writes it (4672's PrivilegeList: one privilege a line):
    `smbemu.audit.AuditLog.emit` writes it as is instead of escaping it as client text."""

    __slots__ = ()


def logon_id(session_id: int) -> str:
    """A session's TargetLogonId / SubjectLogonId (Windows prints a LUID in hex)."""
    return f"0x{session_id:X}"


def identity_fields(config: HasDirectory, principal: Principal) -> tuple[str, str, str]:
    """(SID, user name, domain name) as 4624 / 4634 print the Target* and the change events
    the Subject*: ANONYMOUS LOGON for a null session, else the directory's account (NULL SID
    when the name is not one of the directory's)."""
    if principal.is_anonymous:
        return ANONYMOUS_SID, "ANONYMOUS LOGON", "NT AUTHORITY"
    user = config.directory.find_user(principal.user_name) if principal.user_name else None
    name = user.name if user is not None else principal.user_name
    domain = config.directory.account_domain.name
    return (str(user.sid) if user is not None else NULL_SID), name, domain


def subject_fields(config: HasDirectory, principal: Principal, session_id: int) -> dict[str, object]:
    """SubjectUserSid / SubjectUserName / SubjectDomainName / SubjectLogonId of the caller."""
    sid, name, domain = identity_fields(config, principal)
    return {"SubjectUserSid": sid, "SubjectUserName": name, "SubjectDomainName": domain,
            "SubjectLogonId": logon_id(session_id)}
