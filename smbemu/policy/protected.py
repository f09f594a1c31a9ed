"""BUILTIN\\Account Operators on a DC, and the accounts they may not touch.

Account Operators (S-1-5-32-548) "can create and modify most types of accounts, including
accounts for users, Local groups, and Global groups ... can't manage the Administrator user
account, the user accounts of administrators, or the Administrators, Server Operators, Account
Operators, Backup Operators, or Print Operators groups" (Microsoft Learn, "Active Directory
security groups", Account Operators, D).  The group is a domain controller's only: it lives in
the domain's Builtin container, a member server's SAM has no such alias (same page; smbemu.sid
marks the alias DC-only), so off a DC a member of it is no one special.

What they may not manage is the AdminSDHolder-protected set: SDProp overwrites the DACL of these
accounts and groups, and of every account that is a (nested) member of one of the groups, with
the AdminSDHolder template, which grants Account Operators nothing (Microsoft Learn, "Appendix C:
Protected Accounts and Groups in Active Directory", Windows Server 2008 and later column;
MS-ADTS 3.1.1.6.1 ff. for the protected-object behaviour, D).
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["ACCOUNT_OPERATORS", "NO_GROUPS", "POLICY_GROUPS", "principal_groups", "PROTECTED_OPERATION", "is_protected",
           "policy_groups"]

#: BUILTIN\\Account Operators (MS-DTYP 2.4.2.4: S-1-5-32-548).
ACCOUNT_OPERATORS: Final = "S-1-5-32-548"
#: The group SIDs of a logon token beyond its kind that the policy decides on (and keys its
#: caches on): the logon layer records these on the Principal (``Principal.groups``).
POLICY_GROUPS: Final = frozenset({ACCOUNT_OPERATORS})
#: The pseudo-operation a SAMR handler asks the enforcement point about before it changes an
#: AdminSDHolder-protected account (rule in smbemu.policy.rules: administrators only).
PROTECTED_OPERATION: Final = "AdminSDHolder-protected account"

#: Appendix C (Windows Server 2008 and later): the protected BUILTIN aliases -- Administrators,
#: Account Operators, Server Operators, Print Operators, Backup Operators, Replicator (MS-DTYP
#: 2.4.2.4 RIDs 544, 548-552) ...
_PROTECTED_BUILTIN_RIDS: Final = frozenset({544, 548, 549, 550, 551, 552})
#: ... and the protected accounts and groups of the domain: Administrator (500), krbtgt (502),
#: Domain Admins (512), Domain Controllers (516), Schema Admins (518), Enterprise Admins (519),
#: Read-only Domain Controllers (521) (MS-DTYP 2.4.2.4 relative identifiers).
_PROTECTED_DOMAIN_RIDS: Final = frozenset({500, 502, 512, 516, 518, 519, 521})


#: The policy groups of a caller who has none (most callers).
NO_GROUPS: Final[frozenset[str]] = frozenset()


def principal_groups(principal: object) -> frozenset[str]:
    """The group SIDs of ``principal``'s token the policy decides on besides its kind
    (:data:`POLICY_GROUPS`); empty for a kind given by itself.  Every cache of a decision keys on
    them with the kind, so one Account Operator's allow is never another user's."""
    groups = getattr(principal, "groups", None)
    if not groups:
        return NO_GROUPS
    return frozenset(groups) & POLICY_GROUPS


def policy_groups(token_sids: Any) -> frozenset[str]:
    """The SIDs of ``token_sids`` (a logon token's group SIDs) the policy decides on."""
    return frozenset(str(sid) for sid in token_sids if str(sid) in POLICY_GROUPS)


def _protected_sids(directory: Any) -> set[str]:
    sids = {f"S-1-5-32-{rid}" for rid in _PROTECTED_BUILTIN_RIDS}
    domain_sid = getattr(getattr(directory, "account_domain", None), "sid", None)
    if domain_sid is not None:
        sids |= {f"{domain_sid}-{rid}" for rid in _PROTECTED_DOMAIN_RIDS}
    return sids


def is_protected(directory: Any, account: Any) -> bool:
    """Is ``account`` (a user, group or alias of ``directory``) one of the protected accounts or
    groups, or a member -- directly or through nested groups and aliases -- of a protected group?"""
    protected = _protected_sids(directory)
    start = str(account.sid)
    if start in protected:
        return True
    containers: list[Any] = []
    for domain in (getattr(directory, "account_domain", None), getattr(directory, "builtin_domain", None)):
        if domain is not None:
            containers.extend(getattr(domain, "groups", ()))
            containers.extend(getattr(domain, "aliases", ()))
    primary = getattr(account, "primary_group_rid", None)
    domain_sid = getattr(getattr(directory, "account_domain", None), "sid", None)
    seen = {start}
    if primary is not None and domain_sid is not None:
        seen.add(f"{domain_sid}-{primary}")
    frontier = list(seen)
    while frontier:
        member = frontier.pop()
        for container in containers:
            sid = str(container.sid)
            if sid not in seen and any(str(m) == member for m in container.members):
                if sid in protected:
                    return True
                seen.add(sid)
                frontier.append(sid)
    return bool(seen & protected)
