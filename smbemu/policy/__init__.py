"""Who may do what: the one place that turns a profile's knobs into allow / deny decisions.

Every question the server asks goes through the :class:`Policy` of its profile
(``policy_for(config)``) and gets a :class:`Decision`: allowed (status 0), or the exact status
Windows answers at that step -- ``STATUS_ACCESS_DENIED`` 0xC0000022 on SMB2, and on an RPC call
the access denied of the operation's declared return type (NTSTATUS on SAMR and LSA, WERROR
``ERROR_ACCESS_DENIED`` 5 on the Net* management calls, returned as the RPC return value, not
as a fault; windows-defaults.md §0 rule 9).  RPC handlers reach the policy only through their
call context (``ctx.decide`` / ``ctx.grant`` / ``ctx.require``, :mod:`smbemu.rpc.interface`),
which records the decision on the call for the audit log.  Every decision carries a
one-line explanation, e.g. ``deny pipe-open samr: anonymous, not in NullSessionPipes (win2016)``
or ``deny samr SamrEnumerateUsersInDomain: anonymous is refused by RestrictAnonymousSAM=1
(win2003)``; denials are logged at INFO on ``smbemu.policy`` (allows at DEBUG), so a lab operator
sees which rule refused a tool.

The checks follow windows-defaults.md §0 in order; each step is a method, and the RPC rules are
data (:data:`RULES`, :data:`INTERFACE_CHECKS`):

1. :meth:`Policy.session_setup` -- an anonymous (NULL) logon is accepted on every release (§0
   rule 1; §5 "anonymous SESSION_SETUP succeeds", W).
2. :meth:`Policy.tree_connect` -- IPC$ is always reachable (§0 rule 2), except on Windows 2000
   with ``RestrictAnonymous=2`` ("no access without explicit anonymous permissions", §0.1; the
   refused ``net use \\\\host\\IPC$ "" /u:""`` is W).  Other shares: an anonymous session needs
   the share in ``NullSessionShares`` while ``RestrictNullSessAccess`` is on (§0 rule 2, D).
   Refusals are ``STATUS_ACCESS_DENIED`` (U: the share-ACL status of MS-SMB2 3.3.5.7).
3. :meth:`Policy.pipe_open` -- an anonymous CREATE of a pipe not in ``NullSessionPipes`` (while
   ``RestrictNullSessAccess``) fails with ``STATUS_ACCESS_DENIED`` (§0 rule 3, D); then the
   endpoint refusal of samr / lsarpc on Vista SP1+ non-DCs, ``pipe_anonymous_refusal`` (§0 rule 4,
   D), with the same status.
4. :meth:`Policy.decide` -- RPC.  First the interface-wide check (:data:`INTERFACE_CHECKS`: the
   RestrictRemoteSAM descriptor before every SAMR call, §0 rule 7), then the operation's
   :class:`Rule`: LsarOpenPolicy* refused to anonymous on non-DCs while LsaRestrictAnonymous holds
   (and not TurnOffAnonymousBlock), else access-checked against the modelled LSA policy DACL (§0
   rules 5-6); lookups need POLICY_LOOKUP_NAMES; SamrConnect* / SamrOpenDomain on DCs need
   Authenticated Users or Pre-Windows 2000 Compatible Access membership (§0 rule 8); SAM account
   enumeration refused to anonymous by RestrictAnonymous>=1 or (non-DC) RestrictAnonymousSAM
   (§0.1, D) while single lookups stay open -- the RID-cycling gap; srvsvc / wkssvc levels (§0
   rule 9).

A requirement (:class:`Require`) is evaluated against the principal kind (``anonymous``,
``guest``, ``user``, ``administrator``), the token those kinds carry (:meth:`Policy.token`) and
the profile:

=====================  ===============================================================================
``EVERYONE``           anyone who reached the pipe (the pipe-open rules already filtered anonymous)
``EVERYONE_SID``       members of Everyone: users, guests, administrators; anonymous only when the
                       profile puts ANONYMOUS LOGON into Everyone (EveryoneIncludesAnonymous, and not
                       the Windows 2000 RestrictAnonymous=2 token; §0.1)
``AUTHENTICATED``      Authenticated Users (S-1-5-11): users and administrators
``ADMINISTRATORS``     BUILTIN\\Administrators
``NOBODY``             refused to everyone: the emulator does not change the emulated server
``REMOTE_SAM``         READ_CONTROL on the RestrictRemoteSAM descriptor (absent / "" = everyone)
``SAM_SERVER``         an open of a SAM object (server, domain, group, alias, user) whose DACL grants
                       the caller's token something: on a non-DC the World ACE (a token holding
                       Everyone: not the XP / 2003+ anonymous token); on a DC Authenticated Users
                       or a member of Pre-Windows 2000 Compatible Access (``Policy.held_rights``)
``SAM_ENUMERATION``    not anonymous, or anonymous with RestrictAnonymous=0 and (non-DC)
                       RestrictAnonymousSAM=0
``LSA_OPEN``           the LsarOpenPolicy* rule: anonymous block, then the desired access
``LSA_LOOKUP``         POLICY_LOOKUP_NAMES granted (and on the handle, when the handler says which)
``LSA_VIEW_LOCAL``     POLICY_VIEW_LOCAL_INFORMATION granted
``LSA_VIEW_AUDIT``     POLICY_VIEW_AUDIT_INFORMATION (administrators)
``LSA_PRIVATE``        POLICY_GET_PRIVATE_INFORMATION (administrators)
=====================  ===============================================================================

:data:`ACTIONS` lists what a null-session tool does, step by step (the matrix columns); the
README's profile matrix is generated from the profiles and this engine
(``python -m smbemu.policy matrix``, ``--write README.md`` to refresh it).

The package: :mod:`~smbemu.policy.rules` (the rules as data, :class:`Decision`, the status
families), :mod:`~smbemu.policy.access` (access masks, generic mappings, granting),
:mod:`~smbemu.policy.engine` (:class:`Policy`), :mod:`~smbemu.policy.matrix` (the README
matrix).

Sources, cited per rule: windows-defaults.md (§0 rules 1-9, §0.1, §1) and the Win32
"Requirements for Network Management Functions" pages it cites ([46], [49]); where the
reference is silent the row says what it follows and tags it W (widely reported) or U.
"""

from __future__ import annotations

from smbemu.policy.access import (
    ACCESS_SYSTEM_SECURITY,
    DELETE,
    GENERIC_ALL,
    GENERIC_EXECUTE,
    GENERIC_READ,
    GENERIC_WRITE,
    LSA_ACCOUNT,
    LSA_POLICY,
    MAXIMUM_ALLOWED,
    OBJECT_TYPES,
    POLICY_ALL_ACCESS,
    POLICY_GET_PRIVATE_INFORMATION,
    POLICY_LOOKUP_NAMES,
    POLICY_VIEW_AUDIT_INFORMATION,
    POLICY_VIEW_LOCAL_INFORMATION,
    READ_CONTROL,
    SAM_ALIAS,
    SAM_DOMAIN,
    SAM_GROUP,
    SAM_SERVER,
    SAM_USER,
    STANDARD_RIGHTS_REQUIRED,
    ObjectType,
    grant_access,
)
from smbemu.policy.engine import KINDS, Policy, policy_for, principal_kind
from smbemu.policy.protected import (
    ACCOUNT_OPERATORS,
    POLICY_GROUPS,
    PROTECTED_OPERATION,
    is_protected,
    policy_groups,
    principal_groups,
)
from smbemu.policy.matrix import (
    ACTIONS,
    MATRIX_BEGIN,
    MATRIX_END,
    MATRIX_VARIANTS,
    Step,
    first_refusal,
    identity_rows,
    matrix_rows,
    readme_matrix,
    render_matrix,
)
from smbemu.policy.rules import (
    ALLOW,
    INTERFACE_CHECKS,
    RULES,
    Decision,
    Later,
    Require,
    Rule,
    check_rules,
    declare_operations,
    denied_status,
)

__all__ = [
    "ALLOW", "Decision",
    "Require", "Later", "Rule", "RULES", "INTERFACE_CHECKS", "Policy", "policy_for",
    "principal_kind", "Step", "ACTIONS", "first_refusal", "matrix_rows", "render_matrix",
    "KINDS", "denied_status", "declare_operations", "check_rules",
    "MATRIX_BEGIN", "MATRIX_END", "MATRIX_VARIANTS", "identity_rows", "readme_matrix",
    "ObjectType", "grant_access", "OBJECT_TYPES", "SAM_SERVER", "SAM_DOMAIN", "SAM_GROUP",
    "SAM_ALIAS", "SAM_USER", "LSA_POLICY", "LSA_ACCOUNT", "READ_CONTROL", "DELETE", "STANDARD_RIGHTS_REQUIRED",
    "ACCESS_SYSTEM_SECURITY", "MAXIMUM_ALLOWED", "GENERIC_ALL", "GENERIC_EXECUTE",
    "GENERIC_WRITE", "GENERIC_READ", "POLICY_VIEW_LOCAL_INFORMATION",
    "POLICY_VIEW_AUDIT_INFORMATION", "POLICY_GET_PRIVATE_INFORMATION", "POLICY_LOOKUP_NAMES",
    "POLICY_ALL_ACCESS", "ACCOUNT_OPERATORS", "POLICY_GROUPS", "PROTECTED_OPERATION",
    "is_protected", "policy_groups", "principal_groups",
]
