"""The Security events Windows writes around a network logon besides 4624 / 4625 / 4634:

=====  ==========================================================================================
4776   The computer attempted to validate the credentials for an account (NTLM credential
       validation by msv1_0; subcategory "Audit Credential Validation", category Account Logon)
4672   Special privileges assigned to new logon (the new logon's token holds a sensitive
       privilege -- an administrator's does; subcategory "Audit Special Logon", Logon/Logoff)
=====  ==========================================================================================

EventData names and values are those of Microsoft's event pages (learn.microsoft.com, windows/
security/threat-protection/auditing/event-4776 and event-4672): 4776 PackageName (always
``MICROSOFT_AUTHENTICATION_PACKAGE_V1_0``), TargetUserName (the Logon Account), Workstation (the
client's name; "-" when it named none, as 4624 prints an empty WorkstationName here -- U for
4776) and Status (HexInt32, lower case as the page's XML prints it: 0x0, or the reason --
0xc000006a wrong password, 0xc0000064 no such user, 0xc0000234 locked out, 0xc0000072
disabled, ...); 4672 the Subject (SubjectUserSid / Name /
DomainName / LogonId -- the LogonId of the 4624 it accompanies) and PrivilegeList.

**Order.**  Windows writes them in the order the logon makes them: msv1_0 validates the
credentials first (4776), then LSA builds the token and audits its special privileges (4672)
before the logon itself (4624) -- the order Event Viewer lists them in, oldest first, on a 2016
DC (W: one SMB logon of an administrator reads 4776, 4672, 4624 with the same TimeCreated; the
4672 and 4624 share the Logon ID).  A failed logon: 4776 (Audit Failure, with the Status) before
4625.  `smbemu.audit`'s observer calls :func:`before_logon` / :func:`before_logon_failure` before
it writes 4624 / 4625.

**Who writes 4776.**  The machine authoritative for the account: a DC for domain accounts, a
member or workstation for its local accounts (Microsoft's event-4776 page and "Audit Credential
Validation").  Every account smbemu knows is one of its own directory's (a DC's domain accounts,
else the machine's local SAM), so it validates -- and audits -- every NTLM logon itself; a null
session validates no credentials and writes none (U: from the msv1_0 path, which validates
nothing for ANONYMOUS LOGON).

**When (the audit policy).**  Both events exist from Windows Vista / Server 2008 on (their
2000 / 2003 predecessors, 680 and 576, are not written).  Unless an administrator changed the
LSA audit policy, the subcategory defaults apply (Windows' own explanation of the "Audit account
logon events" / "Audit logon events" security settings, D: "Default values on Server editions:
Credential Validation: Success"; "Client editions: Credential Validation: No Auditing"; Special
Logon: Success on both): so 4776 Success on a server -- a DC or a member server (srvsvc server
type DOMAIN_CTRL or SERVER_NT) -- and never on a workstation, 4776 failures never, 4672 always.
Once an administrator set the policy (LsarSetInformationPolicy PolicyAuditEventsInformation,
MS-LSAD 2.2.4.4, ``Directory.lsa_policy["audit_events"]``; the legacy category setting applies
to every subcategory of the category), it decides: auditing mode on and the Success / Failure
bit of Account Logon (POLICY_AUDIT_EVENT_TYPE 8, MS-LSAD 2.2.4.20) for 4776, of Logon (1) for
4672; auditing mode off writes neither.

**Which privileges.**  The sensitive privileges of the event-4672 page that the logon's token
holds: by default (Microsoft's "User Rights Assignment" reference, "Default values" of each
right) Administrators hold SeSecurityPrivilege, SeBackupPrivilege, SeRestorePrivilege,
SeTakeOwnershipPrivilege, SeDebugPrivilege, SeSystemEnvironmentPrivilege,
SeLoadDriverPrivilege and SeImpersonatePrivilege; on a DC also SeEnableDelegationPrivilege (DCs
only); from Windows Server 2019 (build 17763) also SeDelegateSessionUserImpersonatePrivilege;
Backup Operators (and, on a DC, Server Operators) SeBackupPrivilege / SeRestorePrivilege; Print
Operators on a DC SeLoadDriverPrivilege.  SeTcbPrivilege, SeCreateTokenPrivilege,
SeAssignPrimaryTokenPrivilege and SeAuditPrivilege belong to LocalSystem and the service
accounts, never to a network logon by default.  Rights an administrator assigned through LSA
(``Directory.lsa_accounts``, LsarAddAccountRights) replace the defaults, as they replace them in
LsarEnumerateAccountRights.  PrivilegeList prints one privilege a line, each further line
indented by three tabs, in the order Windows prints an administrator's (W: the ``PrivilegeList``
of real 4672s: SeSecurityPrivilege, SeBackupPrivilege, SeRestorePrivilege,
SeTakeOwnershipPrivilege, SeDebugPrivilege, SeSystemEnvironmentPrivilege, SeLoadDriverPrivilege,
SeImpersonatePrivilege, SeDelegateSessionUserImpersonatePrivilege, SeEnableDelegationPrivilege);
the four never held by default follow in LUID order (U).  Not modelled: remote UAC, which gives a
local administrator other than the built-in one a filtered token -- no 4672 -- on a member or
workstation from Vista on (smbemu's policy treats that account as an administrator as well).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from smbemu.audit_subject import ServerText, identity_fields, logon_id

if TYPE_CHECKING:
    from smbemu import events
    from smbemu.config import ServerConfig

__all__ = ["CREDENTIAL_VALIDATION_EVENT_ID", "SPECIAL_LOGON_EVENT_ID", "PACKAGE_NAME",
           "before_logon", "before_logon_failure", "credential_validation_audited",
           "special_logon_audited", "sensitive_privileges", "PRIVILEGE_SEPARATOR"]

CREDENTIAL_VALIDATION_EVENT_ID: Final = 4776
SPECIAL_LOGON_EVENT_ID: Final = 4672
PACKAGE_NAME: Final = "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0"
#: Between two privileges of PrivilegeList (W: the event's XML and Event Viewer's text).
PRIVILEGE_SEPARATOR: Final = "\n\t\t\t"

#: MS-LSAD 2.2.4.20 POLICY_AUDIT_EVENT_TYPE: AuditCategoryLogon, AuditCategoryAccountLogon.
LOGON_CATEGORY: Final = 1
ACCOUNT_LOGON_CATEGORY: Final = 8
#: MS-LSAD 2.2.4.4 POLICY_AUDIT_EVENT_SUCCESS / _FAILURE.
AUDIT_SUCCESS_BIT: Final = 0x1
AUDIT_FAILURE_BIT: Final = 0x2
#: MS-SRVS 2.2.2.7 SV_TYPE_DOMAIN_CTRL | SV_TYPE_SERVER_NT: a server edition of Windows.
_SERVER_EDITION_TYPES: Final = 0x00000008 | 0x00008000

_ADMINS, _SERVER_OPS, _PRINT_OPS, _BACKUP_OPS = "S-1-5-32-544", "S-1-5-32-549", "S-1-5-32-550", "S-1-5-32-551"

#: The sensitive privileges (event-4672 page) in the order PrivilegeList prints them (module
#: docstring), each with who holds it by default on a member / standalone server and on a DC.
_SENSITIVE: Final[tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]] = (
    ("SeSecurityPrivilege", (_ADMINS,), (_ADMINS,)),
    ("SeBackupPrivilege", (_ADMINS, _BACKUP_OPS), (_ADMINS, _BACKUP_OPS, _SERVER_OPS)),
    ("SeRestorePrivilege", (_ADMINS, _BACKUP_OPS), (_ADMINS, _BACKUP_OPS, _SERVER_OPS)),
    ("SeTakeOwnershipPrivilege", (_ADMINS,), (_ADMINS,)),
    ("SeDebugPrivilege", (_ADMINS,), (_ADMINS,)),
    ("SeSystemEnvironmentPrivilege", (_ADMINS,), (_ADMINS,)),
    ("SeLoadDriverPrivilege", (_ADMINS,), (_ADMINS, _PRINT_OPS)),
    ("SeImpersonatePrivilege", (_ADMINS,), (_ADMINS,)),
    ("SeDelegateSessionUserImpersonatePrivilege", (_ADMINS,), (_ADMINS,)),
    ("SeEnableDelegationPrivilege", (), (_ADMINS,)),
    ("SeCreateTokenPrivilege", (), ()),
    ("SeAssignPrimaryTokenPrivilege", (), ()),
    ("SeTcbPrivilege", (), ()),
    ("SeAuditPrivilege", (), ()),
)
#: Windows Server 2019 (1809): the first server release with SeDelegateSessionUserImpersonate-
#: Privilege (LUID 36; U: the exact build of Windows 10 that added it, 1709 or 1803).
_DELEGATE_SESSION_BUILD: Final = 17763


def _audit_options(config: ServerConfig) -> tuple[bool, list[int]] | None:
    """(auditing mode, options per category) as an administrator set them, or None (defaults)."""
    stored = (getattr(config.directory, "lsa_policy", None) or {}).get("audit_events")
    if not stored:
        return None
    return bool(int(stored.get("mode") or 0)), [int(o) for o in stored.get("options") or ()]


def _category_audited(config: ServerConfig, category: int, bit: int, default: bool) -> bool:
    if config.profile.identity.version < (6, 0):
        return False
    stored = _audit_options(config)
    if stored is None:
        return default
    mode, options = stored
    return mode and len(options) > category and bool(options[category] & bit)


def _server_edition(config: ServerConfig) -> bool:
    return bool(config.profile.identity.srvsvc.server_type & _SERVER_EDITION_TYPES)


def credential_validation_audited(config: ServerConfig, *, success: bool) -> bool:
    """Is 4776 written for a validation with this outcome (module docstring, "When")?"""
    if success:
        return _category_audited(config, ACCOUNT_LOGON_CATEGORY, AUDIT_SUCCESS_BIT, _server_edition(config))
    return _category_audited(config, ACCOUNT_LOGON_CATEGORY, AUDIT_FAILURE_BIT, False)


def special_logon_audited(config: ServerConfig) -> bool:
    """Is 4672 written (Special Logon success: on by default from Vista on)?"""
    return _category_audited(config, LOGON_CATEGORY, AUDIT_SUCCESS_BIT, True)


def sensitive_privileges(config: ServerConfig, token_sids: set[str]) -> list[str]:
    """The sensitive privileges a token with these SIDs holds, in PrivilegeList's order."""
    directory = config.directory
    assigned: dict[str, list[str]] | None = getattr(directory, "lsa_accounts", None)
    identity = config.profile.identity
    held: list[str] = []
    for name, member_holders, dc_holders in _SENSITIVE:
        if assigned is not None:  # the rights as an administrator left them (LsarAddAccountRights)
            holders: tuple[str, ...] = tuple(sid for sid, rights in assigned.items() if name in rights)
        else:
            holders = dc_holders if directory.role == "dc" else member_holders
            if name == "SeDelegateSessionUserImpersonatePrivilege" and identity.build < _DELEGATE_SESSION_BUILD:
                holders = ()
        if token_sids.intersection(holders):
            held.append(name)
    return held


def _emit(config: ServerConfig, event_id: int, success: bool, fields: dict[str, object]) -> None:
    log = getattr(config, "audit", None)
    if log is not None:
        log.emit(event_id, success, fields)


def before_logon(config: ServerConfig, event: events.LogonSucceeded) -> None:
    """What precedes a 4624: 4776 (credentials validated) and 4672 (special privileges)."""
    principal = event.principal
    if principal.is_anonymous:
        return
    if credential_validation_audited(config, success=True):
        _emit(config, CREDENTIAL_VALIDATION_EVENT_ID, True, {
            "PackageName": PACKAGE_NAME, "TargetUserName": principal.user_name,
            "Workstation": principal.workstation or "-", "Status": "0x0"})
    if not special_logon_audited(config):
        return
    directory: Any = config.directory
    user = directory.find_user(principal.user_name) if principal.user_name else None
    if user is None:
        return
    privileges = sensitive_privileges(config, {str(sid) for sid in directory.token_sids(user)})
    if privileges:
        sid, name, domain = identity_fields(config, principal)
        _emit(config, SPECIAL_LOGON_EVENT_ID, True, {
            "SubjectUserSid": sid, "SubjectUserName": name, "SubjectDomainName": domain,
            "SubjectLogonId": logon_id(event.session_id),
            "PrivilegeList": ServerText(PRIVILEGE_SEPARATOR.join(privileges))})


def before_logon_failure(config: ServerConfig, event: events.LogonFailed, reason: int) -> None:
    """What precedes a 4625: 4776 Audit Failure with ``reason`` (the 4625's SubStatus when it
    has one, else its Status: 0xc000006a, 0xc0000064, 0xc0000234, ...), when failures of
    Credential Validation are audited (not by default)."""
    if not event.user_name or not credential_validation_audited(config, success=False):
        return
    _emit(config, CREDENTIAL_VALIDATION_EVENT_ID, False, {
        "PackageName": PACKAGE_NAME, "TargetUserName": event.user_name,
        "Workstation": event.workstation or "-", "Status": f"0x{reason & 0xFFFFFFFF:x}"})
