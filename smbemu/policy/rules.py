"""The access rules as data: who may call which RPC operation (:data:`RULES`), the checks before
every call of an interface (:data:`INTERFACE_CHECKS`), and the :class:`Decision` every question
gets.

A rule names who it lets through (:class:`Require`), never a status: a refusal is the access
denied of the operation's declared return type (:func:`denied_status`: NTSTATUS
``STATUS_ACCESS_DENIED`` 0xC0000022, WERROR ``ERROR_ACCESS_DENIED`` 5, a fault where the
operation returns nothing).  The interfaces tell the policy their return types when the
registry loads them (:func:`declare_operations`), and the registry checks each rule against
them: a rule naming an operation no loaded interface declares is a load error
(:func:`check_rules`).  A plugin ships its own rules on its ``Interface`` (``rules=`` or
``operation(..., rule=...)``); they are checked the same way.
"""

from __future__ import annotations

import enum
import importlib.metadata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from smbemu.policy.protected import PROTECTED_OPERATION
from smbemu.status import (
    E_ACCESSDENIED,
    ERROR_ACCESS_DENIED,
    FAULT_ACCESS_DENIED,
    STATUS_ACCESS_DENIED,
)

__all__ = [
    "ALLOW", "Decision", "Require", "Later", "Rule", "RULES", "INTERFACE_CHECKS", "OBJECT_RULES",
    "denied_status", "declare_operations", "declared_returns", "check_rules", "rule_label",
]

class Require(enum.Enum):
    """Who a rule lets through (see the module docstring)."""

    EVERYONE = "everyone"
    EVERYONE_SID = "members of Everyone"
    AUTHENTICATED = "authenticated users"
    ADMINISTRATORS = "administrators"
    NOBODY = "nobody (the emulated server is read-only)"
    REMOTE_SAM = "READ_CONTROL on RestrictRemoteSAM"
    SAM_SERVER = "the desired access on the SAM object, from the caller's token"
    SAM_ENUMERATION = "anonymous SAM enumeration allowed"
    LSA_OPEN = "the LSA policy object opens"
    LSA_LOOKUP = "POLICY_LOOKUP_NAMES"
    LSA_VIEW_LOCAL = "POLICY_VIEW_LOCAL_INFORMATION"
    LSA_VIEW_AUDIT = "POLICY_VIEW_AUDIT_INFORMATION"
    LSA_PRIVATE = "POLICY_GET_PRIVATE_INFORMATION"
    MACHINE_ACCOUNT = ("administrators; on a DC also authenticated users (SeMachineAccountPrivilege), "
                       "up to ms-DS-MachineAccountQuota")
    ACCOUNT_OPERATORS = ("administrators; on a DC also Account Operators (accounts that are not "
                         "AdminSDHolder-protected: checked per object)")


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one question: ``status`` 0 = allowed, otherwise the status to return."""

    status: int
    reason: str
    #: The rule that decided, e.g. ``samr SamrConnect5 SAM_SERVER (§0 rule 8)`` or
    #: ``samr handle access DOMAIN_CREATE_USER``; "" when no rule applies.
    rule: str = ""

    @property
    def allowed(self) -> bool:
        return self.status == 0


#: The decision handlers get when nothing restricts the call.
ALLOW: Final = Decision(0, "allow")


@dataclass(frozen=True, slots=True)
class Later:
    """From Windows ``version`` (identity ``os_version``, e.g. ``(10, 0)``) on, a rule becomes
    ``require`` with per-level overrides ``levels``."""

    version: tuple[int, int]
    require: Require
    levels: Mapping[int, Require] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of :data:`RULES`.

    ``require`` applies to every level not in ``levels``; ``levels`` overrides it per info
    level.  ``since`` lists :class:`Later` versions of the rule: the last one whose version the
    profile reaches replaces ``require`` and ``levels``.  ``source`` says where the rule comes
    from.  A refusal returns the access denied of the operation's return type
    (:func:`denied_status`).
    """

    require: Require
    levels: Mapping[int, Require] = field(default_factory=dict)
    since: tuple[Later, ...] = ()
    source: str = ""
    #: For an operation that opens a handle: the handle kind (``samr.domain``...) whose object
    #: the DesiredAccess is checked against (Require.SAM_SERVER).
    opens: str = ""


_E, _ES, _AU, _ADM, _NO = (Require.EVERYONE, Require.EVERYONE_SID, Require.AUTHENTICATED,
                           Require.ADMINISTRATORS, Require.NOBODY)

#: (interface, operation) -> rule.  Operations absent here are allowed to whoever reached the
#: pipe (after :data:`INTERFACE_CHECKS`).  NetrShareEnum / NetrShareEnumSticky /
#: NetrShareGetInfo levels are not here: they come from the profile
#: (``rpc.share_enum_admin_levels``, decided by ``Policy._share_level``).
RULES: Final[Mapping[tuple[str, str], Rule]] = {
    # -- srvsvc (MS-SRVS) -------------------------------------------------------------------
    # NetSessionEnum: levels 0 and 10 need no group, 1/2/502 need Administrators or Server
    # Operators ([46] "Requirements for Network Management Functions", D).  Windows 10 1607 /
    # Server 2016 restricted remote session enumeration to Administrators (the SrvsvcSessionInfo
    # default changed, the "NetCease" hardening made default; W, not in the reference).
    ("srvsvc", "NetrSessionEnum"): Rule(
        _ES, {1: _ADM, 2: _ADM, 502: _ADM}, since=(Later((10, 0), _ADM),),
        source="[46] (D); 10.0+: W"),
    # NetConnectionEnum, NetFileEnum / NetFileGetInfo, NetServerDiskEnum: Administrators or
    # Server Operators ([46], D; issue 3's list of administrator-only calls).
    ("srvsvc", "NetrConnectionEnum"): Rule(_ADM, source="[46] (D)"),
    ("srvsvc", "NetrFileEnum"): Rule(_ADM, source="[46] (D)"),
    ("srvsvc", "NetrFileGetInfo"): Rule(_ADM, source="[46] (D)"),
    ("srvsvc", "NetrServerDiskEnum"): Rule(_ADM, source="[46] (D)"),
    # NetStatisticsGet on a remote server: Administrators or Server Operators ([46], D).
    ("srvsvc", "NetrServerStatisticsGet"): Rule(_ADM, source="[46] (D)"),
    # NetServerGetInfo: no group for levels 100/101; 102 (and the tuning levels 502/503) need
    # Administrators, Server or Print Operators ([46], D); 103 is 102 plus a capability
    # word (MS-SRVS 2.2.4.44), hence 102's rule (U: [46] predates level 103).
    ("srvsvc", "NetrServerGetInfo"): Rule(_E, {102: _ADM, 103: _ADM, 502: _ADM, 503: _ADM},
                                          source="[46] (D)"),
    # NetRemoteTOD, NetShareCheck, NetprName*/NetprPath*: no special group ([46], D).
    # Shares, sessions, open files and server aliases: Administrators (NetShareAdd / Del /
    # SetInfo, NetSessionDel, NetFileClose: administrators or operators, [46], D; the alias
    # calls alike, MS-SRVS 3.1.4.44 / 3.1.4.46 list ERROR_ACCESS_DENIED); emulated
    # (pipes/srvsvc/share_changes.py, session_changes.py).
    **{("srvsvc", name): Rule(_ADM, source="[46] (D: administrators)")
       for name in ("NetrFileClose", "NetrSessionDel", "NetrShareAdd", "NetrShareSetInfo",
                    "NetrShareDel", "NetrShareDelSticky", "NetrShareDelStart",
                    "NetrShareDelCommit", "NetrShareDelEx", "NetrServerAliasAdd",
                    "NetrServerAliasDel")},
    # The server's own configuration: Administrators on Windows; refused to everyone here
    # (read-only: server settings, transports and file security are not emulated).
    **{("srvsvc", name): Rule(_NO, source="[46] (D: administrators); read-only emulation")
       for name in ("NetrServerSetInfo", "NetrServerTransportAdd", "NetrServerTransportAddEx",
                    "NetrServerTransportDel", "NetrServerTransportDelEx",
                    "NetrpSetFileSecurity")},
    # -- wkssvc (MS-WKST) -------------------------------------------------------------------
    # NetWkstaGetInfo (Win32 remarks, XP / 2003 and later): level 100 always allows anonymous;
    # 101 authenticated users (anonymous when Everyone includes it); 102 and 502
    # Administrators, Server, System or Print Operators.  Windows 2000: every authenticated
    # user, anonymous too unless RestrictAnonymous forbids it — modelled as "members of
    # Everyone" for every level (the 2000 token of RestrictAnonymous=2 lacks Everyone, §0.1).
    ("wkssvc", "NetrWkstaGetInfo"): Rule(
        _ES, since=(Later((5, 1), _ES, {100: _E, 101: _ES, 102: _ADM, 502: _ADM}),),
        source="Win32 NetWkstaGetInfo remarks (D)"),
    # NetWkstaUserEnum: Administrators only (Win32 NetWkstaUserEnum remarks, D; issue 3).
    ("wkssvc", "NetrWkstaUserEnum"): Rule(_ADM, source="Win32 NetWkstaUserEnum remarks (D)"),
    # NetrEnumerateComputerNames: administrators (MS-WKST 3.2.4.21 access check; U on levels).
    ("wkssvc", "NetrEnumerateComputerNames"): Rule(_ADM, source="MS-WKST 3.2.4.21 (U)"),
    # NetWkstaTransportEnum: no special group; anonymous as Everyone (U).
    ("wkssvc", "NetrWkstaTransportEnum"): Rule(_ES, source="[46] (D: no group); anonymous U"),
    # NetrWkstaSetInfo: administrators (MS-WKST 3.2.4.2 "the server SHOULD enforce security
    # measures", Win32 NetWkstaSetInfo remarks: Administrators); applied (pipes/wkssvc/settings.py).
    ("wkssvc", "NetrWkstaSetInfo"): Rule(_ADM, source="MS-WKST 3.2.4.2 (D: administrators)"),
    **{("wkssvc", name): Rule(_NO, source="MS-WKST (D: administrators); read-only emulation")
       for name in ("NetrWkstaTransportAdd", "NetrWkstaTransportDel",
                    "NetrJoinDomain2", "NetrUnjoinDomain2", "NetrRenameMachineInDomain2",
                    "NetrAddAlternateComputerName", "NetrRemoveAlternateComputerName",
                    "NetrSetPrimaryComputerName")},
    # -- lsarpc (MS-LSAD / MS-LSAT) ---------------------------------------------------------
    # LsarOpenPolicy / 2: anonymous on a non-DC while LsaRestrictAnonymous holds (and
    # TurnOffAnonymousBlock is 0) -> STATUS_ACCESS_DENIED (§0 rule 5, MS-LSAD 3.1.4.4.1, D);
    # otherwise the desired access is checked against the policy object DACL (modelled in
    # Policy.lsa_granted: Everyone generic-execute, the XP/2003+ ANONYMOUS LOGON ACE 0x801 whose
    # LOOKUP_NAMES part is "Allow anonymous SID/Name translation", administrators all; §0 rule 6).
    **{("lsarpc", name): Rule(Require.LSA_OPEN, source="§0 rules 5-6 (D)")
       for name in ("LsarOpenPolicy", "LsarOpenPolicy2")},
    # LsarLookupSids* / LsarLookupNames*: POLICY_LOOKUP_NAMES (§0 rule 6, MS-LSAD Appendix B
    # <46>, D).  The handle-less LookupSids3 / LookupNames4 get the same answer.
    **{("lsarpc", name): Rule(Require.LSA_LOOKUP, source="§0 rule 6 (D)")
       for name in ("LsarLookupSids", "LsarLookupSids2", "LsarLookupSids3", "LsarLookupNames",
                    "LsarLookupNames2", "LsarLookupNames3", "LsarLookupNames4")},
    # LsarQueryInformationPolicy / 2 (MS-LSAD 3.1.4.4.3 access table): audit classes (1, 2, 10)
    # need POLICY_VIEW_AUDIT_INFORMATION, PolicyPdAccountInformation (4) needs
    # POLICY_GET_PRIVATE_INFORMATION, every other class POLICY_VIEW_LOCAL_INFORMATION.
    **{("lsarpc", name): Rule(
        Require.LSA_VIEW_LOCAL,
        {1: Require.LSA_VIEW_AUDIT, 2: Require.LSA_VIEW_AUDIT, 10: Require.LSA_VIEW_AUDIT,
         4: Require.LSA_PRIVATE},
        source="MS-LSAD 3.1.4.4.3 (D)")
       for name in ("LsarQueryInformationPolicy", "LsarQueryInformationPolicy2")},
    # LsarEnumerateAccounts: POLICY_VIEW_LOCAL_INFORMATION (MS-LSAD 3.1.4.5.2, D).
    ("lsarpc", "LsarEnumerateAccounts"): Rule(Require.LSA_VIEW_LOCAL,
                                              source="MS-LSAD 3.1.4.5.2 (D)"),
    # LSA account objects, privileges and rights changed (pipes/lsarpc/account_writes.py): the
    # policy and account objects' default DACLs grant POLICY_CREATE_ACCOUNT and ACCOUNT_ADJUST_*
    # to Administrators only (MS-LSAD 3.1.1.1.1, 3.1.4.5.x; D).
    **{("lsarpc", name): Rule(_ADM, source="MS-LSAD 3.1.4.5 (D: Administrators)")
       for name in ("LsarCreateAccount", "LsarAddPrivilegesToAccount", "LsarRemovePrivilegesFromAccount",
                    "LsarSetSystemAccessAccount", "LsarDeleteObject", "LsarAddAccountRights",
                    "LsarRemoveAccountRights", "LsarCreateSecret", "LsarOpenSecret", "LsarSetSecret",
                    "LsarQuerySecret", "LsarStorePrivateData", "LsarRetrievePrivateData")},
    # Trusted domain objects (pipes/lsarpc/trusted_domains.py, trust_info.py): creating one needs
    # POLICY_TRUST_ADMIN, which the policy DACL gives Administrators only (MS-LSAD 2.2.1.1.2,
    # 3.1.1.1.1, D); opening, querying, changing and deleting one are the TDO's DACL's, which
    # MS-LSAD does not give: administrators (U for other callers).
    **{("lsarpc", name): Rule(_ADM, source="MS-LSAD 3.1.4.7, 3.1.1.1.1 (D: Administrators; U: the TDO DACL)")
       for name in ("LsarCreateTrustedDomain", "LsarCreateTrustedDomainEx", "LsarCreateTrustedDomainEx2",
                    "LsarOpenTrustedDomain", "LsarOpenTrustedDomainByName", "LsarQueryTrustedDomainInfo",
                    "LsarQueryTrustedDomainInfoByName", "LsarSetTrustedDomainInfo", "LsarSetTrustedDomainInfoByName",
                    "LsarDeleteTrustedDomain", "LsarSetForestTrustInformation")},
    # -- samr (MS-SAMR) ---------------------------------------------------------------------
    # The SAM changes the emulator makes (smbemu.directory.changes): administrators, whose token
    # matches the AdministratorSid ALL_ACCESS ACE of every SAM object (MS-SAMR 3.1.5.12.2.1, D);
    # on a DC also BUILTIN\Account Operators, whom the default security descriptors of the user
    # and group classes and of the domain's containers let create, change and delete users and
    # groups (Microsoft Learn "Active Directory security groups": Account Operators, D) -- except
    # the AdminSDHolder-protected ones, which the handler asks about per object
    # (PROTECTED_OPERATION below; smbemu.policy.protected).  Everyone else is refused first for
    # the handle's missing right (CallContext.require).
    **{("samr", name): Rule(Require.ACCOUNT_OPERATORS,
                            source="MS-SAMR 3.1.5.12.2.1 (D: Administrators ALL_ACCESS); "
                                   "Account Operators on a DC (Learn: AD security groups, D)")
       for name in ("SamrCreateUserInDomain", "SamrDeleteUser", "SamrSetInformationUser",
                    "SamrSetInformationUser2", "SamrAddMemberToGroup", "SamrRemoveMemberFromGroup",
                    "SamrAddMemberToAlias", "SamrRemoveMemberFromAlias",
                    "SamrCreateGroupInDomain",
                    "SamrCreateAliasInDomain", "SamrSetInformationGroup", "SamrDeleteGroup",
                    "SamrSetInformationAlias", "SamrDeleteAlias", "SamrAddMultipleMembersToAlias",
                    "SamrRemoveMultipleMembersFromAlias")},
    # Removing a SID from every alias of a domain touches protected aliases too: administrators.
    ("samr", "SamrRemoveMemberFromForeignDomain"): Rule(
        _ADM, source="MS-SAMR 3.1.5.8.3, 3.1.5.12.2.1 (D: Administrators ALL_ACCESS)"),
    # SamrCreateUser2InDomain: administrators; a computer account (AccountType
    # USER_WORKSTATION_TRUST_ACCOUNT 0x80) on a DC also any authenticated user: the Default Domain
    # Controllers Policy gives Authenticated Users SeMachineAccountPrivilege ("Add workstations to
    # domain"), which grants DOMAIN_CREATE_USER for that type only, up to ms-DS-MachineAccountQuota
    # (default 10) accounts per creator (MS-SAMR 3.1.5.4.4, MS-ADTS 3.1.1.5.2.1.1, KB 243327, D).
    # The same rule lets the creator set that account's password and control bits.
    # Account Operators on a DC create any account type (normal, computer) as administrators do.
    ("samr", "SamrCreateUser2InDomain"): Rule(Require.ACCOUNT_OPERATORS, {0x80: Require.MACHINE_ACCOUNT},
                                              source="MS-SAMR 3.1.5.4.4, MS-ADTS 3.1.1.5.2.1.1 (D)"),
    # SamrUnicodeChangePasswordUser2: no handle; knowing the old password is the proof, so any
    # caller -- also an unauthenticated one, how a user whose password expired or must change
    # (STATUS_PASSWORD_MUST_CHANGE) changes it: smbpasswd -r, changepasswd.py (MS-SAMR 3.1.5.10.3,
    # D; W for the anonymous session).
    **{("samr", name): Rule(_E, source="MS-SAMR 3.1.5.10.2-4 (D: the old password is the proof)")
       for name in ("SamrUnicodeChangePasswordUser2", "SamrOemChangePasswordUser2",
                    "SamrChangePasswordUser", "SamrUnicodeChangePasswordUser3",
                    "SamrUnicodeChangePasswordUser4")},
    # A SAM object's security descriptor, a group member's attributes: the handle's WRITE_DAC /
    # WRITE_OWNER / GROUP_ADD_MEMBER, which the default DACLs give administrators (MS-SAMR
    # 3.1.5.12.1, 3.1.5.13.2, 3.1.5.12.2.1, D); the DSRM password: "the client MUST be a member of
    # the Administrators alias" (MS-SAMR 3.1.5.13.6, D).
    **{("samr", name): Rule(_ADM, source="MS-SAMR 3.1.5.12.1, 3.1.5.13.2, 3.1.5.13.6 (D: Administrators)")
       for name in ("SamrSetSecurityObject", "SamrSetMemberAttributesOfGroup", "SamrSetDSRMPassword")},
    # The domain's password, lockout and logoff settings (pipes/samr/domain_writes.py): the
    # handle's DOMAIN_WRITE_PASSWORD_PARAMS / DOMAIN_WRITE_OTHER_PARAMETERS / DOMAIN_ADMINISTER_SERVER
    # (MS-SAMR 3.1.2.2), which the default DACLs give administrators (3.1.5.12.2.1, D).
    ("samr", "SamrSetInformationDomain"): Rule(_ADM, source="MS-SAMR 3.1.5.6.1, 3.1.2.2 (D: Administrators)"),
    # Shutting the SAM down: administrators on Windows; refused to everyone here (not emulated).
    ("samr", "SamrShutdownSamServer"): Rule(_NO, source="MS-SAMR (D: the handle's access); not emulated"),
    # SamrConnect*: STATUS_ACCESS_DENIED when nothing requested is granted on the SAM server
    # object; on DCs its DACL grants read to Authenticated Users and Pre-Windows 2000 Compatible
    # Access (§0 rule 8, MS-SAMR 3.1.5.1.1 / MS-ADSC 2.246, D).  The domain object of a DC grants
    # the same read (§1.3, D), so SamrOpenDomain follows it.  On a non-DC the objects' DACLs
    # name Everyone and Administrators only (MS-SAMR 3.1.5.12.2.1), so an anonymous token
    # without Everyone (EveryoneIncludesAnonymous=0, §0.1 D) is granted nothing: the open fails.
    **{("samr", name): Rule(Require.SAM_SERVER, source="§0 rule 8 (D)", opens="samr.server")
       for name in ("SamrConnect", "SamrConnect2", "SamrConnect4", "SamrConnect5")},
    ("samr", "SamrOpenDomain"): Rule(Require.SAM_SERVER, source="§0 rule 8 (D)",
                                     opens="samr.domain"),
    # SamrOpenGroup / Alias / User: the same access check on the account's object
    # (MS-SAMR 3.1.5.1.7-9: "an access check ... against the object's security descriptor").
    **{("samr", name): Rule(Require.SAM_SERVER, source="MS-SAMR 3.1.5.1.7-9 (D)", opens=kind)
       for name, kind in (("SamrOpenGroup", "samr.group"), ("SamrOpenAlias", "samr.alias"),
                          ("SamrOpenUser", "samr.user"))},
    # Account enumeration: RestrictAnonymous=1 / RestrictAnonymousSAM=1 (the latter ignored on
    # DCs) refuse anonymous enumeration of SAM accounts (§0.1, D; status W).  Single lookups
    # (SamrLookupNamesInDomain, SamrLookupIdsInDomain, SamrOpenUser, ...) are not restricted:
    # the RID-cycling gap (§0.1, D [39]).
    **{("samr", name): Rule(Require.SAM_ENUMERATION, source="§0.1 (D; status W)")
       for name in ("SamrEnumerateUsersInDomain", "SamrEnumerateGroupsInDomain",
                    "SamrEnumerateAliasesInDomain", "SamrQueryDisplayInformation",
                    "SamrQueryDisplayInformation2", "SamrQueryDisplayInformation3",
                    "SamrGetDisplayEnumerationIndex", "SamrGetDisplayEnumerationIndex2")},
    # The other paths to the same lists and account details: a group's or alias's members (one
    # call lists every user of Domain Users), a user's or SID's memberships, and the per-account
    # information classes (descriptions, home paths, logon counts).  Windows' sources name
    # "enumeration of SAM accounts" only (§0.1); these calls yield the data the switch withholds,
    # so they follow it (U: which of them Windows 2000 refuses under RestrictAnonymous=1 is not
    # documented; refusing them keeps the README matrix true for every path to the data).
    **{("samr", name): Rule(Require.SAM_ENUMERATION, source="§0.1 (U: same data as enumeration)")
       for name in ("SamrGetMembersInGroup", "SamrGetMembersInAlias", "SamrGetAliasMembership",
                    "SamrGetGroupsForUser", "SamrQueryInformationUser",
                    "SamrQueryInformationUser2", "SamrQueryInformationGroup",
                    "SamrQueryInformationAlias")},
    # -- winreg (MS-RRP) --------------------------------------------------------------------
    # Changing the registry and loading / saving hives: the keys' DACLs give Users read only and
    # the hive calls need SeBackupPrivilege / SeRestorePrivilege, which Administrators hold, so
    # Windows lets administrators only (D: MS-RRP 3.1.5, the default hive ACLs, "Back up files and
    # directories" / "Restore files and directories" user rights): emulated for them in the
    # server's memory (pipes/winreg/writes.py, hives.py).  Shutting down
    # (SeRemoteShutdownPrivilege) stays refused to everyone (read-only emulation).
    **{("winreg", name): Rule(_ADM, source="MS-RRP 3.1.5 (D: key DACL / backup and restore privileges)")
       for name in ("BaseRegCreateKey", "BaseRegDeleteKey", "BaseRegDeleteValue",
                    "BaseRegLoadKey", "BaseRegReplaceKey", "BaseRegRestoreKey", "BaseRegSaveKey",
                    "BaseRegSetKeySecurity", "BaseRegSetValue", "BaseRegUnLoadKey",
                    "BaseRegSaveKeyEx", "BaseRegDeleteKeyEx")},
    **{("winreg", name): Rule(_NO, source="MS-RRP 3.1.5 (D: SeRemoteShutdownPrivilege); read-only emulation")
       for name in ("BaseInitiateSystemShutdown", "BaseAbortSystemShutdown",
                    "BaseInitiateSystemShutdownEx")},
    # -- svcctl (MS-SCMR) -------------------------------------------------------------------
    # Enumerating services (SC_MANAGER_ENUMERATE_SERVICE, asked at ROpenSCManagerW): the SCM DACL
    # gives remote authenticated users SC_MANAGER_CONNECT only from XP SP2 / 2003 SP1 on, so
    # administrators only; before, Authenticated Users also had ENUMERATE_SERVICE (D: "Service
    # Security and Access Rights"; the 2000 DACL W).
    ("svcctl", "REnumServicesStatusW"): Rule(
        _AU, since=(Later((5, 1), _ADM),), source="SCM DACL (D: Service Security and Access Rights)"),
    # Creating, deleting and reconfiguring services need SC_MANAGER_CREATE_SERVICE,
    # SERVICE_CHANGE_CONFIG or DELETE, which the default SCM and service DACLs give
    # administrators only (D: MS-SCMR 3.1.4, "Service Security and Access Rights"): emulated for
    # them (pipes/svcctl/writes.py, config2.py; a user's handle never carries the right, so the
    # handle check refuses first).  Starting and stopping (RStartServiceW/A, RControlService) are
    # decided by the rights the service handle was opened with (pipes/svcctl/control.py).
    **{("svcctl", name): Rule(_ADM, source="MS-SCMR 3.1.4 (D: administrators)")
       for name in ("RDeleteService", "RChangeServiceConfigW", "RCreateServiceW",
                    "RChangeServiceConfigA", "RCreateServiceA",
                    "RChangeServiceConfig2A", "RChangeServiceConfig2W",
                    "RSetServiceObjectSecurity")},
    # The rest (status reports, boot configuration, WOW64 creation, the
    # extended controls) is refused to everyone (read-only emulation).
    **{("svcctl", name): Rule(_NO, source="MS-SCMR 3.1.4 (D: administrators); read-only emulation")
       for name in ("RSetServiceStatus",
                    "RNotifyBootConfigStatus",
                    "RCreateServiceWOW64A", "RCreateServiceWOW64W", "RControlServiceExA",
                    "RControlServiceExW", "RCreateWowService")},
    # -- DCOM (MS-DCOM; pipes/dcom) ----------------------------------------------------------
    # Remote activation: the machine-wide launch and activation restriction grants remote
    # launch / activation to Administrators only (MachineLaunchRestriction from XP SP2 / 2003
    # SP1 on; before, DefaultLaunchPermission: Administrators, SYSTEM, INTERACTIVE -- of network
    # callers, the Administrators; D: MS-DCOM 3.1.2.5.2.3, "Security in COM" launch permissions).
    # Calls on the activated object: the COM server's access permission, the machine default
    # (Administrators, SYSTEM, SELF; D: DefaultAccessPermission).  Refused with E_ACCESSDENIED.
    **{(interface, name): Rule(_ADM, source="MS-DCOM 3.1.2.5.2.3 / 3.2.4.1.1: launch and access "
                                            "permissions (D)")
       for interface, name in (("IActivation", "RemoteActivation"),
                               ("IRemoteSCMActivator", "RemoteGetClassObject"),
                               ("IRemoteSCMActivator", "RemoteCreateInstance"),
                               *((i, n) for i in ("IRemUnknown", "IRemUnknown2")
                                 for n in ("RemQueryInterface", "RemAddRef", "RemRelease")),
                               ("IEventSystem", "GetTypeInfoCount"))},
    # -- drsuapi (MS-DRSR) ------------------------------------------------------------------
    # Replication from the domain NC needs the control access rights DS-Replication-Get-Changes
    # (1131f6aa-...) and, for secrets, DS-Replication-Get-Changes-All (1131f6ad-...) on the NC
    # root (MS-DRSR 4.1.10.5 IsGetNCChangesPermissionGranted); a default domain grants them to
    # Administrators, Domain Admins, Enterprise Admins and Domain Controllers (MS-ADTS 6.1.1.2.x
    # / 7.1.1.x default NC security descriptor, D).  The handler maps the refusal to
    # ERROR_DS_DRA_ACCESS_DENIED (pipes/drsuapi/replication.py).
    ("drsuapi", "IDL_DRSGetNCChanges"): Rule(_ADM, source="MS-DRSR 4.1.10.5 (D: replication rights)"),
    # The PDC change log: the same replication right on the domain NC (MS-DRSR 4.1.11.3; U: the
    # status a user gets, ERROR_ACCESS_DENIED here).  IDL_DRSDomainControllerInfo level
    # 0xFFFFFFFF (the server's LDAP connections) is for administrators (MS-DRSR 4.1.5.2,
    # IsMemberOfBuiltinAdminGroup; U); levels 1-3 for every caller.
    ("drsuapi", "IDL_DRSGetNT4ChangeLog"): Rule(_ADM, source="MS-DRSR 4.1.11.3 (D; status U)"),
    ("drsuapi", "IDL_DRSDomainControllerInfo"): Rule(_AU, {0xFFFFFFFF: _ADM}, source="MS-DRSR 4.1.5.2 (U)"),
    # The administration calls check a control access right on an NC root (DS-Replication-
    # Synchronize for IDL_DRSReplicaSync, DS-Replication-Manage-Topology for the replica
    # management calls and the KCC, MS-DRSR 4.1.23.2 / 4.1.26.2 / 4.1.19.2 / 4.1.20.2 / 4.1.22.2 /
    # 4.1.6.3 / 4.1.24.2), or the right to write / delete the object they change (4.1.28.3,
    # 4.1.18.2, 4.1.17.2, 4.1.1.3, 4.1.2.3, 4.1.29.2); a default forest grants these to
    # Administrators / Domain Admins / Enterprise Admins and to no plain user (MS-ADTS 6.1.1.x
    # default security descriptors, D).  Memberships and object existence check
    # DS-Replication-Get-Changes (4.1.8.3 / 4.1.12.3, D: as Microsoft's MS-DRSR test suite quotes
    # and asserts them for a domain user), replication state the replication topology rights (U).
    # The handlers map a refusal to ERROR_DS_DRA_ACCESS_DENIED (pipes/drsuapi/topology.py...).
    **{("drsuapi", name): Rule(_ADM, source="MS-DRSR 4.1.x server behavior (D: NC root rights; U where noted)")
       for name in ("IDL_DRSReplicaSync", "IDL_DRSUpdateRefs", "IDL_DRSReplicaAdd", "IDL_DRSReplicaDel",
                    "IDL_DRSReplicaModify", "IDL_DRSExecuteKCC", "IDL_DRSReplicaVerifyObjects",
                    "IDL_DRSGetReplInfo", "IDL_DRSGetMemberships", "IDL_DRSGetMemberships2",
                    "IDL_DRSGetObjectExistence", "IDL_DRSWriteSPN", "IDL_DRSRemoveDsServer",
                    "IDL_DRSRemoveDsDomain", "IDL_DRSAddEntry", "IDL_DRSAddSidHistory",
                    "IDL_DRSWriteNgcKey", "IDL_DRSReadNgcKey")},
    # -- bkrp (MS-BKRP) ---------------------------------------------------------------------
    # BackuprKey: any authenticated domain user wraps and unwraps (MS-BKRP 1.5: the client
    # "must possess credentials that are valid for authentication in the server's domain");
    # which blob a caller may unwrap is the blob's own SID check (pipes/bkrp).
    ("bkrp", "BackuprKey"): Rule(_AU, source="MS-BKRP 1.5"),
}

#: Checks that run before every operation of an interface: the SAMR server-wide check of
#: Windows 10 1607 / Server 2016 and later (§0 rule 7, MS-SAMR 3.1.2.1, D).
INTERFACE_CHECKS: Final[Mapping[str, Rule]] = {
    "samr": Rule(Require.REMOTE_SAM, source="§0 rule 7 (D)"),
}




# --------------------------------------------------------------------------------------------------
# The operations' declared return types: the family of a refusal
# --------------------------------------------------------------------------------------------------

#: interface name -> operation name -> declared return type ("NTSTATUS", "WERROR", ... or None).
_DECLARED: dict[str, dict[str, str | None]] = {}


def denied_status(returns: object) -> int:
    """The access denied of an operation returning ``returns`` (its ``Operation.returns``):
    NTSTATUS ``STATUS_ACCESS_DENIED``, HRESULT ``E_ACCESSDENIED``, WERROR and the other
    Win32-style codes ``ERROR_ACCESS_DENIED``; an operation without a return value is refused
    with the fault ``FAULT_ACCESS_DENIED`` (the handler or the runtime raises it)."""
    if returns == "NTSTATUS":
        return STATUS_ACCESS_DENIED
    if returns == "HRESULT":
        return E_ACCESSDENIED
    if returns is None:
        return FAULT_ACCESS_DENIED
    return ERROR_ACCESS_DENIED


def declare_operations(interface: str, returns: Mapping[str, object]) -> None:
    """Record the return type of each operation of ``interface`` (the registry does this when
    it loads the interface)."""
    _DECLARED[interface] = {name: kind if isinstance(kind, str) or kind is None else "other"
                            for name, kind in returns.items()}


def declared_returns(interface: str, operation: str) -> object:
    """The declared return type of ``interface.operation``.  The engine used on its own (the
    README matrix, ``python -m smbemu.policy``) has no registry: the interfaces installed under
    the ``smbemu.pipes`` entry points are then read once, without importing the RPC runtime here."""
    if interface not in _DECLARED and not _installed_read:
        _read_installed_interfaces()
    return _DECLARED.get(interface, {}).get(operation, "NTSTATUS")


#: True once the installed interfaces were read (once per process: they do not change).
_installed_read = False


def _read_installed_interfaces() -> None:
    global _installed_read
    _installed_read = True
    for entry_point in importlib.metadata.entry_points(group="smbemu.pipes"):
        try:
            exported = entry_point.load()
        except Exception:  # a broken plugin is reported by the registry, not here
            continue
        for interface in exported if isinstance(exported, (list, tuple)) else (exported,):
            operations = getattr(interface, "operations", None)
            if isinstance(operations, dict) and interface.name not in _DECLARED:
                declare_operations(interface.name, {
                    op.name: op.returns for op in operations.values() if hasattr(op, "returns")})


#: Rules that name no operation but a per-object check a handler asks the enforcement point
#: about after the operation's own rule (``ctx.decide(PROTECTED_OPERATION)``), by (interface,
#: check).  A change to an AdminSDHolder-protected account or group (one of them, or a nested
#: member of a protected group): the AdminSDHolder DACL grants Account Operators nothing, so only
#: administrators (Learn "Appendix C: Protected Accounts and Groups in Active Directory";
#: MS-ADTS 3.1.1.6.1 ff., D).
OBJECT_RULES: Final[Mapping[tuple[str, str], Rule]] = {
    ("samr", PROTECTED_OPERATION): Rule(
        _ADM, source="AdminSDHolder (Learn: Appendix C, protected accounts and groups; D)"),
}


def check_rules(interface: str, declared: Iterable[str], rules: Mapping[str, Rule]) -> list[str]:
    """One line per rule naming an operation ``interface`` does not declare: the built-in
    :data:`RULES` rows of that interface and the interface's own ``rules``."""
    names = set(declared)
    rows = [name for (owner, name) in RULES if owner == interface] + list(rules)
    return [f"rule for {interface} {name}: the interface declares no operation {name!r}"
            for name in rows if name not in names]


def rule_label(interface: str, operation: str, require: Require, source: str) -> str:
    """The short name of a rule in decisions and the audit log."""
    return f"{interface} {operation} {require.name}" + (f" ({source})" if source else "")
