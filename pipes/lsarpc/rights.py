"""lsarpc accounts, privileges and rights (MS-LSAD 3.1.4.5, 3.1.4.8): the privilege table and
the default rights assignment the profiles model, LsarEnumerateAccounts / AccountRights /
AccountsWithUserRight, LsarEnumeratePrivileges, LsarLookupPrivilegeValue / Name / DisplayName,
and the account object (LsarOpenAccount, LsarEnumeratePrivilegesAccount,
LsarGetSystemAccessAccount)."""

from __future__ import annotations

from typing import Any, Final, NamedTuple

from smbemu.policy.access import LSA_ACCOUNT, POLICY_LOOKUP_NAMES, POLICY_VIEW_LOCAL_INFORMATION
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import Pointer, RpcUnicodeString, Sid, uint16, uint32
from smbemu.rpc.paging import page
from smbemu.status import (
    STATUS_ACCESS_DENIED,
    STATUS_INVALID_HANDLE,
    STATUS_NO_MORE_ENTRIES,
    STATUS_NO_SUCH_PRIVILEGE,
    STATUS_OBJECT_NAME_NOT_FOUND,
    STATUS_SUCCESS,
)

from .objects import INTERFACE, check_call
from .types import (
    ACCOUNT_HANDLE,
    ACCOUNT_VIEW,
    LSAPR_ACCOUNT_ENUM_BUFFER,
    LSAPR_HANDLE,
    LSAPR_PRIVILEGE_ENUM_BUFFER,
    LSAPR_PRIVILEGE_SET,
    LSAPR_USER_RIGHT_SET,
    LUID,
    P_UNICODE_STRING,
    PULONG,
    SYSTEM_ACCESS_BITS,
)

# -------------------------------------------------------------------------------------------
# Privileges and rights: LsarEnumeratePrivileges (2), LsarLookupPrivilegeValue (31) / Name (32)
# / DisplayName (33), LsarEnumerateAccounts (11), LsarEnumerateAccountsWithUserRight (35),
# LsarEnumerateAccountRights (36)
# -------------------------------------------------------------------------------------------


class Privilege(NamedTuple):
    """A privilege: its LUID LowPart as Windows numbers it (winnt.h SE_*_PRIVILEGE), its name,
    its display name (English), the first release that has it."""

    luid: int
    name: str
    display_name: str
    since: tuple[int, int]


#: winnt.h / MS-LSAD 3.1.1.2.1: the privileges with the LUIDs of every Windows release.
PRIVILEGES: Final[tuple[Privilege, ...]] = (
    Privilege(2, "SeCreateTokenPrivilege", "Create a token object", (4, 0)),
    Privilege(3, "SeAssignPrimaryTokenPrivilege", "Replace a process level token", (4, 0)),
    Privilege(4, "SeLockMemoryPrivilege", "Lock pages in memory", (4, 0)),
    Privilege(5, "SeIncreaseQuotaPrivilege", "Adjust memory quotas for a process", (4, 0)),
    Privilege(6, "SeMachineAccountPrivilege", "Add workstations to domain", (4, 0)),
    Privilege(7, "SeTcbPrivilege", "Act as part of the operating system", (4, 0)),
    Privilege(8, "SeSecurityPrivilege", "Manage auditing and security log", (4, 0)),
    Privilege(9, "SeTakeOwnershipPrivilege", "Take ownership of files or other objects", (4, 0)),
    Privilege(10, "SeLoadDriverPrivilege", "Load and unload device drivers", (4, 0)),
    Privilege(11, "SeSystemProfilePrivilege", "Profile system performance", (4, 0)),
    Privilege(12, "SeSystemtimePrivilege", "Change the system time", (4, 0)),
    Privilege(13, "SeProfileSingleProcessPrivilege", "Profile single process", (4, 0)),
    Privilege(14, "SeIncreaseBasePriorityPrivilege", "Increase scheduling priority", (4, 0)),
    Privilege(15, "SeCreatePagefilePrivilege", "Create a pagefile", (4, 0)),
    Privilege(16, "SeCreatePermanentPrivilege", "Create permanent shared objects", (4, 0)),
    Privilege(17, "SeBackupPrivilege", "Back up files and directories", (4, 0)),
    Privilege(18, "SeRestorePrivilege", "Restore files and directories", (4, 0)),
    Privilege(19, "SeShutdownPrivilege", "Shut down the system", (4, 0)),
    Privilege(20, "SeDebugPrivilege", "Debug programs", (4, 0)),
    Privilege(21, "SeAuditPrivilege", "Generate security audits", (4, 0)),
    Privilege(22, "SeSystemEnvironmentPrivilege", "Modify firmware environment values", (4, 0)),
    Privilege(23, "SeChangeNotifyPrivilege", "Bypass traverse checking", (4, 0)),
    Privilege(24, "SeRemoteShutdownPrivilege", "Force shutdown from a remote system", (4, 0)),
    Privilege(25, "SeUndockPrivilege", "Remove computer from docking station", (5, 0)),
    Privilege(26, "SeSyncAgentPrivilege", "Synchronize directory service data", (5, 0)),
    Privilege(27, "SeEnableDelegationPrivilege",
              "Enable computer and user accounts to be trusted for delegation", (5, 0)),
    Privilege(28, "SeManageVolumePrivilege", "Perform volume maintenance tasks", (5, 1)),
    # 29 / 30 came with Windows 2000 SP4 (and XP SP2 / 2003)
    Privilege(29, "SeImpersonatePrivilege", "Impersonate a client after authentication", (5, 0)),
    Privilege(30, "SeCreateGlobalPrivilege", "Create global objects", (5, 0)),
    Privilege(31, "SeTrustedCredManAccessPrivilege",
              "Access Credential Manager as a trusted caller", (6, 0)),
    Privilege(32, "SeRelabelPrivilege", "Modify an object label", (6, 0)),
    Privilege(33, "SeIncreaseWorkingSetPrivilege", "Increase a process working set", (6, 0)),
    Privilege(34, "SeTimeZonePrivilege", "Change the time zone", (6, 0)),
    Privilege(35, "SeCreateSymbolicLinkPrivilege", "Create symbolic links", (6, 0)),
    Privilege(36, "SeDelegateSessionUserImpersonatePrivilege",
              "Obtain an impersonation token for another user in the same session", (10, 0)),
)

#: The account rights (no LUID; MS-LSAD 3.1.1.2.1), with their first release.
LOGON_RIGHTS: Final[dict[str, tuple[int, int]]] = {
    "SeInteractiveLogonRight": (4, 0), "SeNetworkLogonRight": (4, 0),
    "SeBatchLogonRight": (4, 0), "SeServiceLogonRight": (4, 0),
    "SeDenyInteractiveLogonRight": (5, 0), "SeDenyNetworkLogonRight": (5, 0),
    "SeDenyBatchLogonRight": (5, 0), "SeDenyServiceLogonRight": (5, 0),
    "SeRemoteInteractiveLogonRight": (5, 1), "SeDenyRemoteInteractiveLogonRight": (5, 1)}

_EVERYONE, _AUTH_USERS, _EDC = "S-1-1-0", "S-1-5-11", "S-1-5-9"
_ADMINS, _USERS, _POWER_USERS = "S-1-5-32-544", "S-1-5-32-545", "S-1-5-32-547"
_ACCOUNT_OPS, _SERVER_OPS, _PRINT_OPS = "S-1-5-32-548", "S-1-5-32-549", "S-1-5-32-550"
_BACKUP_OPS, _PRE2000 = "S-1-5-32-551", "S-1-5-32-554"

#: The default user rights assignment of a Windows 2000 / 2003 member or standalone server
#: (the "Local Security Settings" defaults; W: Microsoft's "User Rights Assignment" pages):
#: right -> SIDs holding it.  Rights held only by LocalSystem are not in the LSA database.
MEMBER_RIGHTS: Final[dict[str, tuple[str, ...]]] = {
    "SeNetworkLogonRight": (_EVERYONE, _ADMINS, _USERS, _POWER_USERS, _BACKUP_OPS),
    "SeInteractiveLogonRight": (_ADMINS, _USERS, _POWER_USERS, _BACKUP_OPS),
    "SeChangeNotifyPrivilege": (_EVERYONE, _ADMINS, _USERS, _POWER_USERS, _BACKUP_OPS),
    "SeBackupPrivilege": (_ADMINS, _BACKUP_OPS),
    "SeRestorePrivilege": (_ADMINS, _BACKUP_OPS),
    "SeShutdownPrivilege": (_ADMINS, _POWER_USERS, _BACKUP_OPS),
    "SeSystemtimePrivilege": (_ADMINS, _POWER_USERS),
    "SeProfileSingleProcessPrivilege": (_ADMINS, _POWER_USERS),
    "SeRemoteShutdownPrivilege": (_ADMINS,),
    "SeSecurityPrivilege": (_ADMINS,),
    "SeTakeOwnershipPrivilege": (_ADMINS,),
    "SeLoadDriverPrivilege": (_ADMINS,),
    "SeSystemProfilePrivilege": (_ADMINS,),
    "SeIncreaseBasePriorityPrivilege": (_ADMINS,),
    "SeCreatePagefilePrivilege": (_ADMINS,),
    "SeDebugPrivilege": (_ADMINS,),
    "SeSystemEnvironmentPrivilege": (_ADMINS,),
    "SeUndockPrivilege": (_ADMINS, _POWER_USERS),
    "SeIncreaseQuotaPrivilege": (_ADMINS,),
}
#: The Default Domain Controllers Policy of a Windows 2000 / 2003 DC (W, same pages).
DC_RIGHTS: Final[dict[str, tuple[str, ...]]] = {
    "SeNetworkLogonRight": (_EVERYONE, _ADMINS, _AUTH_USERS, _EDC),
    "SeInteractiveLogonRight": (_ADMINS, _ACCOUNT_OPS, _SERVER_OPS, _PRINT_OPS, _BACKUP_OPS),
    "SeChangeNotifyPrivilege": (_EVERYONE, _ADMINS, _AUTH_USERS, _PRE2000),
    "SeMachineAccountPrivilege": (_AUTH_USERS,),
    "SeBackupPrivilege": (_ADMINS, _SERVER_OPS, _BACKUP_OPS),
    "SeRestorePrivilege": (_ADMINS, _SERVER_OPS, _BACKUP_OPS),
    "SeShutdownPrivilege": (_ADMINS, _ACCOUNT_OPS, _SERVER_OPS, _PRINT_OPS, _BACKUP_OPS),
    "SeSystemtimePrivilege": (_ADMINS, _SERVER_OPS),
    "SeRemoteShutdownPrivilege": (_ADMINS, _SERVER_OPS),
    "SeLoadDriverPrivilege": (_ADMINS, _PRINT_OPS),
    "SeEnableDelegationPrivilege": (_ADMINS,),
    "SeSecurityPrivilege": (_ADMINS,),
    "SeTakeOwnershipPrivilege": (_ADMINS,),
    "SeSystemProfilePrivilege": (_ADMINS,),
    "SeProfileSingleProcessPrivilege": (_ADMINS,),
    "SeIncreaseBasePriorityPrivilege": (_ADMINS,),
    "SeCreatePagefilePrivilege": (_ADMINS,),
    "SeDebugPrivilege": (_ADMINS,),
    "SeSystemEnvironmentPrivilege": (_ADMINS,),
    "SeUndockPrivilege": (_ADMINS,),
    "SeIncreaseQuotaPrivilege": (_ADMINS,),
}


def privileges(ctx: CallContext) -> tuple[Privilege, ...]:
    version = ctx.server_view.version
    return tuple(p for p in PRIVILEGES if p.since <= version)


def rights_table(ctx: CallContext) -> dict[str, tuple[str, ...]]:
    """right -> SIDs for this machine's role, restricted to the SIDs that exist on it (no Power
    Users on a DC, no Account Operators off one)."""
    directory = ctx.server.directory
    changed = getattr(directory, "lsa_accounts", None)
    if changed is not None:  # account objects a client created or changed (account_writes)
        table: dict[str, list[str]] = {}
        for sid, held in changed.items():
            for right in held:
                table.setdefault(right, []).append(sid)
        return {right: tuple(sids) for right, sids in table.items()}
    table = DC_RIGHTS if directory.role == "dc" else MEMBER_RIGHTS  # type: ignore[assignment]
    builtin = {str(a.sid) for a in directory.builtin_domain.aliases}
    return {right: tuple(s for s in sids if not s.startswith("S-1-5-32-") or s in builtin)
            for right, sids in table.items()}


def accounts(ctx: CallContext) -> list[str]:
    """The SIDs that hold a privilege or right (the LSA account objects), in a stable order:
    well-known first, then BUILTIN by RID."""
    found: dict[str, None] = dict.fromkeys(getattr(ctx.server.directory, "lsa_accounts", None) or ())
    for sids in rights_table(ctx).values():
        for sid in sids:
            found.setdefault(sid, None)

    def key(sid: str) -> tuple[int, ...]:
        return tuple(int(x) for x in sid.split("-")[1:])

    return sorted(found, key=lambda s: (s.startswith("S-1-5-32-"), key(s)))


def _entry_bytes(sid: str) -> int:
    """Buffer bytes of one LSAPR_ACCOUNT_INFORMATION: a pointer and the SID (8 + 4n)."""
    return 4 + 8 + 4 * (sid.count("-") - 2)


def _privilege_bytes(privilege: Privilege) -> int:
    """Buffer bytes of one POLICY_PRIVILEGE_DEFINITION: the name's UNICODE_STRING header and
    LUID (16) plus the name in UTF-16."""
    return 16 + 2 * len(privilege.name)


@INTERFACE.operation(11, "LsarEnumerateAccounts",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("EnumerationContext", PULONG),
                              ("PreferedMaximumLength", uint32)],
                     response=[("EnumerationContext", PULONG),
                               ("EnumerationBuffer", Pointer(LSAPR_ACCOUNT_ENUM_BUFFER, "ref"))])
def LsarEnumerateAccounts(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.5.1: the account objects, paged by PreferedMaximumLength (at least one
    entry per call); STATUS_NO_MORE_ENTRIES once the context is past the end.  A page that
    leaves entries behind is still STATUS_SUCCESS, not STATUS_MORE_ENTRIES: Samba's
    rpc.lsa.privileges, written against Windows, pages with a 100-byte preference and accepts
    only STATUS_SUCCESS until STATUS_NO_MORE_ENTRIES."""
    start = request["EnumerationContext"]
    empty = {"EntriesRead": 0, "Information": None}
    status = check_call(ctx, request["PolicyHandle"], POLICY_VIEW_LOCAL_INFORMATION,
                        "LsarEnumerateAccounts")
    if status:
        return {"EnumerationContext": start, "EnumerationBuffer": empty, "ReturnValue": status}
    sids = accounts(ctx)
    if start >= len(sids):
        return {"EnumerationContext": start, "EnumerationBuffer": empty,
                "ReturnValue": STATUS_NO_MORE_ENTRIES}
    got = page(sids, start, request["PreferedMaximumLength"], _entry_bytes)
    return {"EnumerationContext": got.end,
            "EnumerationBuffer": {"EntriesRead": len(got.items),
                                  "Information": [{"Sid": s} for s in got.items]},
            "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(36, "LsarEnumerateAccountRights",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("AccountSid", Pointer(Sid, "ref"))],
                     response=[("UserRights", Pointer(LSAPR_USER_RIGHT_SET, "ref"))])
def LsarEnumerateAccountRights(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.5.10: the privileges and rights of one account object;
    STATUS_OBJECT_NAME_NOT_FOUND for a SID that holds none."""
    empty = {"Entries": 0, "UserRights": None}
    status = check_call(ctx, request["PolicyHandle"], POLICY_VIEW_LOCAL_INFORMATION,
                        "LsarEnumerateAccountRights")
    if status:
        return {"UserRights": empty, "ReturnValue": status}
    sid = request["AccountSid"]
    known = {p.name for p in privileges(ctx)} | set(LOGON_RIGHTS)
    rights = [r for r, sids in rights_table(ctx).items() if sid in sids and r in known]
    if not rights:
        return {"UserRights": empty, "ReturnValue": STATUS_OBJECT_NAME_NOT_FOUND}
    return {"UserRights": {"Entries": len(rights), "UserRights": rights},
            "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(35, "LsarEnumerateAccountsWithUserRight",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("UserRight", P_UNICODE_STRING)],
                     response=[("EnumerationBuffer", Pointer(LSAPR_ACCOUNT_ENUM_BUFFER, "ref"))])
def LsarEnumerateAccountsWithUserRight(ctx: CallContext,
                                       request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.5.9: the accounts holding one right; STATUS_NO_SUCH_PRIVILEGE for an
    unknown name, STATUS_NO_MORE_ENTRIES when nobody holds it."""
    empty = {"EntriesRead": 0, "Information": None}
    status = check_call(ctx, request["PolicyHandle"],
                        POLICY_LOOKUP_NAMES | POLICY_VIEW_LOCAL_INFORMATION,
                        "LsarEnumerateAccountsWithUserRight")
    if status:
        return {"EnumerationBuffer": empty, "ReturnValue": status}
    right = request["UserRight"]
    if right is None:
        # a NULL right: every account object
        sids = accounts(ctx)
    else:
        if right not in {p.name for p in privileges(ctx)} | set(LOGON_RIGHTS):
            return {"EnumerationBuffer": empty, "ReturnValue": STATUS_NO_SUCH_PRIVILEGE}
        sids = list(rights_table(ctx).get(right, ()))
    if not sids:
        return {"EnumerationBuffer": empty, "ReturnValue": STATUS_NO_MORE_ENTRIES}
    return {"EnumerationBuffer": {"EntriesRead": len(sids),
                                  "Information": [{"Sid": s} for s in sids]},
            "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(2, "LsarEnumeratePrivileges",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("EnumerationContext", PULONG),
                              ("PreferedMaximumLength", uint32)],
                     response=[("EnumerationContext", PULONG),
                               ("EnumerationBuffer",
                                Pointer(LSAPR_PRIVILEGE_ENUM_BUFFER, "ref"))])
def LsarEnumeratePrivileges(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.8.1: the privileges (name and LUID), paged like LsarEnumerateAccounts -- a
    partial page is STATUS_SUCCESS too (Samba's rpc.lsa.privileges, written against Windows,
    asks with a 100-byte preference and requires STATUS_SUCCESS)."""
    start = request["EnumerationContext"]
    empty = {"Entries": 0, "Privileges": None}
    status = check_call(ctx, request["PolicyHandle"], POLICY_VIEW_LOCAL_INFORMATION,
                        "LsarEnumeratePrivileges")
    if status:
        return {"EnumerationContext": start, "EnumerationBuffer": empty, "ReturnValue": status}
    privs = privileges(ctx)
    if start >= len(privs):
        return {"EnumerationContext": start, "EnumerationBuffer": empty,
                "ReturnValue": STATUS_NO_MORE_ENTRIES}
    got = page(privs, start, request["PreferedMaximumLength"], _privilege_bytes)
    entries = [{"Name": p.name, "LocalValue": {"LowPart": p.luid, "HighPart": 0}} for p in got.items]
    return {"EnumerationContext": got.end,
            "EnumerationBuffer": {"Entries": len(entries), "Privileges": entries},
            "ReturnValue": STATUS_SUCCESS}


def _privilege_by_name(ctx: CallContext, name: str) -> Privilege | None:
    lower = name.lower()
    return next((p for p in privileges(ctx) if p.name.lower() == lower), None)


@INTERFACE.operation(31, "LsarLookupPrivilegeValue",
                     request=[("PolicyHandle", LSAPR_HANDLE),
                              ("Name", Pointer(RpcUnicodeString, "ref"))],
                     response=[("Value", Pointer(LUID, "ref"))])
def LsarLookupPrivilegeValue(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.8.2: a privilege name to its LUID (names compare case-insensitively)."""
    zero = {"LowPart": 0, "HighPart": 0}
    status = check_call(ctx, request["PolicyHandle"], POLICY_LOOKUP_NAMES,
                        "LsarLookupPrivilegeValue")
    if status:
        return {"Value": zero, "ReturnValue": status}
    priv = _privilege_by_name(ctx, request["Name"])
    if priv is None:
        return {"Value": zero, "ReturnValue": STATUS_NO_SUCH_PRIVILEGE}
    return {"Value": {"LowPart": priv.luid, "HighPart": 0}, "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(32, "LsarLookupPrivilegeName",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("Value", Pointer(LUID, "ref"))],
                     response=[("Name", P_UNICODE_STRING)])
def LsarLookupPrivilegeName(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.8.3: a LUID to its privilege name."""
    status = check_call(ctx, request["PolicyHandle"], POLICY_LOOKUP_NAMES,
                        "LsarLookupPrivilegeName")
    if status:
        return {"Name": None, "ReturnValue": status}
    value = request["Value"]
    priv = next((p for p in privileges(ctx)
                 if p.luid == value["LowPart"] and value["HighPart"] == 0), None)
    if priv is None:
        return {"Name": None, "ReturnValue": STATUS_NO_SUCH_PRIVILEGE}
    return {"Name": priv.name, "ReturnValue": STATUS_SUCCESS}


#: MS-LCID: en-US, the language of the display names.
LANG_EN_US: Final = 0x0409


@INTERFACE.operation(33, "LsarLookupPrivilegeDisplayName",
                     request=[("PolicyHandle", LSAPR_HANDLE),
                              ("Name", Pointer(RpcUnicodeString, "ref")),
                              ("ClientLanguage", uint16), ("ClientSystemDefaultLanguage", uint16)],
                     response=[("DisplayName", P_UNICODE_STRING),
                               ("LanguageReturned", Pointer(uint16, "ref"))])
def LsarLookupPrivilegeDisplayName(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.8.4: the English description of a privilege (the only language here)."""
    status = check_call(ctx, request["PolicyHandle"], POLICY_LOOKUP_NAMES,
                        "LsarLookupPrivilegeDisplayName")
    if status:
        return {"DisplayName": None, "LanguageReturned": 0, "ReturnValue": status}
    priv = _privilege_by_name(ctx, request["Name"])
    if priv is None:
        return {"DisplayName": None, "LanguageReturned": 0,
                "ReturnValue": STATUS_NO_SUCH_PRIVILEGE}
    return {"DisplayName": priv.display_name, "LanguageReturned": LANG_EN_US,
            "ReturnValue": STATUS_SUCCESS}


# -------------------------------------------------------------------------------------------
# Account objects: LsarOpenAccount (17), LsarEnumeratePrivilegesAccount (18),
# LsarGetSystemAccessAccount (23)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(17, "LsarOpenAccount",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("AccountSid", Pointer(Sid, "ref")),
                              ("DesiredAccess", uint32)],
                     response=[("AccountHandle", LSAPR_HANDLE)])
def LsarOpenAccount(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.5.3: a handle to the account object of a SID that holds a privilege or a
    right; STATUS_OBJECT_NAME_NOT_FOUND for any other SID."""
    status = check_call(ctx, request["PolicyHandle"], 0, "LsarOpenAccount")
    if status:
        return {"AccountHandle": bytes(20), "ReturnValue": status}
    sid = request["AccountSid"]
    if sid not in accounts(ctx):
        return {"AccountHandle": bytes(20), "ReturnValue": STATUS_OBJECT_NAME_NOT_FOUND}
    # U: MS-LSAD leaves the account object's default DACL to the implementation; modelled like
    # the policy object's: administrators all, everyone else ACCOUNT_READ | ACCOUNT_EXECUTE.
    granted = ctx.grant(LSA_ACCOUNT, request["DesiredAccess"])
    if granted is None:
        return {"AccountHandle": bytes(20), "ReturnValue": STATUS_ACCESS_DENIED}
    return {"AccountHandle": ctx.handles.create(ACCOUNT_HANDLE, sid, granted),
            "ReturnValue": STATUS_SUCCESS}


def _account(ctx: CallContext, handle: bytes, needed: int) -> tuple[str | None, int]:
    entry = ctx.handles.lookup(handle, ACCOUNT_HANDLE)
    if entry is None:
        return None, STATUS_INVALID_HANDLE
    if not ctx.require(entry.granted_access, needed, LSA_ACCOUNT):
        return None, STATUS_ACCESS_DENIED
    if str(entry.obj) not in accounts(ctx):
        # the account object was deleted through another handle or call (U: Windows' status)
        return None, STATUS_INVALID_HANDLE
    return str(entry.obj), STATUS_SUCCESS


def _rights_of(ctx: CallContext, sid: str) -> list[str]:
    return [r for r, sids in rights_table(ctx).items() if sid in sids]


@INTERFACE.operation(18, "LsarEnumeratePrivilegesAccount",
                     request=[("AccountHandle", LSAPR_HANDLE)],
                     response=[("Privileges", Pointer(LSAPR_PRIVILEGE_SET))])
def LsarEnumeratePrivilegesAccount(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.5.5: the privileges (not the logon rights) of the account, by LUID,
    attributes 0."""
    sid, status = _account(ctx, request["AccountHandle"], ACCOUNT_VIEW)
    if sid is None:
        return {"Privileges": None, "ReturnValue": status}
    luids = {p.name: p.luid for p in privileges(ctx)}
    held = [luids[r] for r in _rights_of(ctx, sid) if r in luids]
    return {"Privileges": {"PrivilegeCount": len(held), "Control": 0,
                           "Privilege": [{"Luid": {"LowPart": luid, "HighPart": 0},
                                          "Attributes": 0} for luid in held]},
            "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(23, "LsarGetSystemAccessAccount",
                     request=[("AccountHandle", LSAPR_HANDLE)],
                     response=[("SystemAccess", PULONG)])
def LsarGetSystemAccessAccount(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.5.7: the account's logon rights as POLICY_MODE_* bits."""
    sid, status = _account(ctx, request["AccountHandle"], ACCOUNT_VIEW)
    if sid is None:
        return {"SystemAccess": 0, "ReturnValue": status}
    bits = 0
    for right in _rights_of(ctx, sid):
        bits |= SYSTEM_ACCESS_BITS.get(right, 0)
    return {"SystemAccess": bits, "ReturnValue": STATUS_SUCCESS}
