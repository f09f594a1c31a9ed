"""The directory's records: machine, domain, policies, users, groups, aliases, shares (MS-SAMR /
MS-LSAT vocabulary).

Everything here is immutable except `AccountState`: one small mutable record per user holding the
counters that logons and lockout change. FILETIME conversion lives in `smbemu.filetime`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple

from smbemu.sid import Sid, SidNameUse


Role = Literal["standalone", "member", "dc"]
ROLES: tuple[Role, ...] = ("standalone", "member", "dc")
ShareType = Literal["disk", "ipc", "print"]
AccountType = Literal["normal", "workstation", "server", "interdomain"]
SHARE_TYPES: tuple[ShareType, ...] = ("disk", "ipc", "print")
ACCOUNT_TYPES: tuple[AccountType, ...] = ("normal", "workstation", "server", "interdomain")

DEFAULT_FIXTURE = "corp"


class UserAccountControl:
    """MS-SAMR 2.2.1.12 USER_ACCOUNT Codes (the UserAccountControl field of SAMPR_USER_ALL_INFORMATION)."""

    ACCOUNT_DISABLED = 0x00000001
    HOME_DIRECTORY_REQUIRED = 0x00000002
    PASSWORD_NOT_REQUIRED = 0x00000004
    TEMP_DUPLICATE_ACCOUNT = 0x00000008
    NORMAL_ACCOUNT = 0x00000010
    MNS_LOGON_ACCOUNT = 0x00000020
    INTERDOMAIN_TRUST_ACCOUNT = 0x00000040
    WORKSTATION_TRUST_ACCOUNT = 0x00000080
    SERVER_TRUST_ACCOUNT = 0x00000100
    DONT_EXPIRE_PASSWORD = 0x00000200
    ACCOUNT_AUTO_LOCKED = 0x00000400
    ENCRYPTED_TEXT_PASSWORD_ALLOWED = 0x00000800
    SMARTCARD_REQUIRED = 0x00001000
    TRUSTED_FOR_DELEGATION = 0x00002000
    NOT_DELEGATED = 0x00004000
    USE_DES_KEY_ONLY = 0x00008000
    DONT_REQUIRE_PREAUTH = 0x00010000
    PASSWORD_EXPIRED = 0x00020000


_ACCOUNT_TYPE_BITS: dict[str, int] = {
    "normal": UserAccountControl.NORMAL_ACCOUNT,
    "workstation": UserAccountControl.WORKSTATION_TRUST_ACCOUNT,
    "server": UserAccountControl.SERVER_TRUST_ACCOUNT,
    "interdomain": UserAccountControl.INTERDOMAIN_TRUST_ACCOUNT,
}


@dataclass(frozen=True, slots=True)
class Machine:
    """The emulated computer: NetBIOS and DNS names, machine SID, server comment (sv101_comment)."""

    netbios_name: str
    dns_name: str
    sid: Sid
    comment: str = ""


@dataclass(frozen=True, slots=True)
class DomainInfo:
    """The fixture's Windows domain (what a DC serves and a member server is joined to)."""

    name: str
    dns_name: str
    sid: Sid
    guid: uuid.UUID
    forest_dns_name: str
    #: ms-DS-MachineAccountQuota: how many computer accounts one authenticated user may add to the
    #: domain through SeMachineAccountPrivilege (default 10; MS-ADTS 3.1.1.5.2.1.1).
    machine_account_quota: int = 10


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """DOMAIN_PASSWORD_INFORMATION (MS-SAMR 2.2.3.5) plus the forced-logoff time (2.2.3.6)."""

    min_length: int = 0
    history: int = 0
    max_age_days: int = 42  # 0 = passwords never expire
    min_age_days: int = 0
    complexity: bool = False  # DOMAIN_PASSWORD_COMPLEX
    reversible: bool = False  # DOMAIN_PASSWORD_STORE_CLEARTEXT
    force_logoff_minutes: int | None = None  # None = never (DomainLogoffInformation)

    @property
    def properties(self) -> int:
        """PasswordProperties bits of DOMAIN_PASSWORD_INFORMATION."""
        return (0x1 if self.complexity else 0) | (0x10 if self.reversible else 0)


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """DOMAIN_LOCKOUT_INFORMATION (MS-SAMR 2.2.3.15). threshold 0 = never lock; duration 0 = until unlocked."""

    threshold: int = 0
    duration_minutes: int = 30
    window_minutes: int = 30


@dataclass(frozen=True, slots=True)
class User:
    """A SAM user account (fields of SAMPR_USER_ALL_INFORMATION, MS-SAMR 2.2.6.6).

    ``locked``, ``bad_password_count``, ``logon_count`` and ``last_logon`` are the values the fixture
    starts with; the live values are in `Directory.state(user)`.
    ``nt_hash``/``lm_hash`` are None when no password of that kind can match.
    ``groups`` are the names of the (domain) groups the fixture puts the user in.
    """

    rid: int
    name: str
    sid: Sid
    full_name: str = ""
    description: str = ""
    comment: str = ""
    nt_hash: bytes | None = None
    lm_hash: bytes | None = None
    disabled: bool = False
    locked: bool = False
    password_never_expires: bool = False
    password_not_required: bool = False
    cannot_change_password: bool = False
    password_expired: bool = False
    #: "User must change password at next logon" (pwdLastSet 0): STATUS_PASSWORD_MUST_CHANGE.
    must_change_password: bool = False
    smartcard_required: bool = False
    trusted_for_delegation: bool = False
    not_delegated: bool = False
    dont_require_preauth: bool = False
    reversible_password: bool = False
    account_type: AccountType = "normal"
    account_expires: datetime | None = None
    last_logon: datetime | None = None
    last_logoff: datetime | None = None
    last_password_change: datetime | None = None
    bad_password_count: int = 0
    bad_password_time: datetime | None = None
    logon_count: int = 0
    home_directory: str = ""
    home_drive: str = ""
    script_path: str = ""
    profile_path: str = ""
    workstations: str = ""
    #: The 168-bit logon-hours week (MS-SAMR 2.2.7.5); None = every hour.
    logon_hours: bytes | None = None
    groups: tuple[str, ...] = ()
    primary_group_rid: int = 513

    def account_control(self, *, locked: bool | None = None) -> int:
        """UserAccountControl bits; ``locked`` overrides the fixture value (pass the live state)."""
        uac = _ACCOUNT_TYPE_BITS[self.account_type]
        for flag, bit in (
            (self.disabled, UserAccountControl.ACCOUNT_DISABLED),
            (self.password_not_required, UserAccountControl.PASSWORD_NOT_REQUIRED),
            (self.password_never_expires, UserAccountControl.DONT_EXPIRE_PASSWORD),
            (self.locked if locked is None else locked, UserAccountControl.ACCOUNT_AUTO_LOCKED),
            (self.reversible_password, UserAccountControl.ENCRYPTED_TEXT_PASSWORD_ALLOWED),
            (self.smartcard_required, UserAccountControl.SMARTCARD_REQUIRED),
            (self.trusted_for_delegation, UserAccountControl.TRUSTED_FOR_DELEGATION),
            (self.not_delegated, UserAccountControl.NOT_DELEGATED),
            (self.dont_require_preauth, UserAccountControl.DONT_REQUIRE_PREAUTH),
            (self.password_expired, UserAccountControl.PASSWORD_EXPIRED),
        ):
            if flag:
                uac |= bit
        return uac


@dataclass(frozen=True, slots=True)
class Group:
    """A global group (MS-SAMR GROUP_GENERAL_INFORMATION); members are user or group SIDs."""

    rid: int
    name: str
    sid: Sid
    description: str = ""
    members: tuple[Sid, ...] = ()


@dataclass(frozen=True, slots=True)
class Alias:
    """An alias / local group (MS-SAMR ALIAS_GENERAL_INFORMATION); members are any SIDs."""

    rid: int
    name: str
    sid: Sid
    description: str = ""
    members: tuple[Sid, ...] = ()


@dataclass(frozen=True, slots=True)
class Share:
    """A share as NetrShareEnum reports it (MS-SRVS 2.2.4.23 SHARE_INFO_2)."""

    name: str
    type: ShareType
    special: bool = False  # STYPE_SPECIAL: administrative shares (C$, ADMIN$, IPC$)
    comment: str = ""
    path: str = ""
    # What an administrator may set at run time (srvsvc NetrShareAdd / NetrShareSetInfo,
    # MS-SRVS 3.1.4.7 / 3.1.4.11): shi*_max_uses (SHI_USES_UNLIMITED by default), the
    # self-relative security descriptor (b"": none set), the shi1005_flags word and
    # STYPE_TEMPORARY (0x40000000) of a share added so.
    max_uses: int = 0xFFFFFFFF
    security_descriptor: bytes = b""
    flags: int = 0
    temporary: bool = False

    @property
    def hidden(self) -> bool:
        return self.name.endswith("$")

    @property
    def stype(self) -> int:
        """shi*_type: STYPE_DISKTREE 0, STYPE_PRINTQ 1, STYPE_IPC 3, | STYPE_SPECIAL 0x80000000."""
        base = {"disk": 0, "print": 1, "ipc": 3}[self.type]
        return base | (0x80000000 if self.special else 0) | (0x40000000 if self.temporary else 0)


@dataclass(frozen=True)
class SamDomain:
    """A SAM domain (MS-SAMR 3.1.1): the account domain or BUILTIN. Sequences are sorted by RID."""

    name: str
    sid: Sid
    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    aliases: tuple[Alias, ...] = ()
    password_policy: PasswordPolicy = PasswordPolicy()
    lockout_policy: LockoutPolicy = LockoutPolicy()
    _by_rid: dict[int, User | Group | Alias] = field(init=False, repr=False, compare=False)
    _by_name: dict[str, User | Group | Alias] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_rid: dict[int, User | Group | Alias] = {}
        by_name: dict[str, User | Group | Alias] = {}
        accounts: list[User | Group | Alias] = [*self.users, *self.groups, *self.aliases]
        for account in accounts:
            by_rid[account.rid] = account
            by_name[account.name.lower()] = account
        object.__setattr__(self, "_by_rid", by_rid)
        object.__setattr__(self, "_by_name", by_name)

    def replace_accounts(self, *, users: tuple[User, ...] | None = None,
                         groups: tuple[Group, ...] | None = None,
                         aliases: tuple[Alias, ...] | None = None) -> None:
        """The one way a SAM domain changes (`smbemu.directory.changes`): new sequences, sorted by
        RID, and the indexes rebuilt.  The domain object itself stays the same, so the SAMR handles
        that hold it see the change."""
        for name, value in (("users", users), ("groups", groups), ("aliases", aliases)):
            if value is not None:
                object.__setattr__(self, name, tuple(sorted(value, key=lambda a: a.rid)))
        self.__post_init__()

    def replace_policies(self, password_policy: PasswordPolicy, lockout_policy: LockoutPolicy) -> None:
        """The password and lockout policies after SamrSetInformationDomain
        (`smbemu.directory.domain_settings`); the domain object stays the same, as for accounts."""
        object.__setattr__(self, "password_policy", password_policy)
        object.__setattr__(self, "lockout_policy", lockout_policy)

    def by_rid(self, rid: int) -> User | Group | Alias | None:
        return self._by_rid.get(rid)

    def by_name(self, name: str) -> User | Group | Alias | None:
        return self._by_name.get(name.lower())

    def user(self, rid: int) -> User | None:
        account = self._by_rid.get(rid)
        return account if isinstance(account, User) else None

    def group(self, rid: int) -> Group | None:
        account = self._by_rid.get(rid)
        return account if isinstance(account, Group) else None

    def alias(self, rid: int) -> Alias | None:
        account = self._by_rid.get(rid)
        return account if isinstance(account, Alias) else None


@dataclass(frozen=True, slots=True)
class PrimaryDomain:
    """LSA PolicyPrimaryDomainInformation / PolicyDnsDomainInformation (MS-LSAD 2.2.4.5 / 2.2.4.13).

    Member: the joined domain, with its groups (known to the member's LSA through the DC).
    DC: the domain itself. Standalone: the workgroup name, no SID, no DNS names, no groups.
    """

    name: str
    dns_name: str | None
    sid: Sid | None
    guid: uuid.UUID | None
    forest_dns_name: str | None
    groups: tuple[Group, ...] = ()


@dataclass(slots=True)
class AccountState:
    """The mutable part of an account: what logons and the lockout policy change at run time.

    ``locked`` with ``lockout_time`` None means locked until an administrator unlocks it.
    """

    bad_password_count: int = 0
    bad_password_time: datetime | None = None
    logon_count: int = 0
    last_logon: datetime | None = None
    locked: bool = False
    lockout_time: datetime | None = None


class NameLookup(NamedTuple):
    """Result of `Directory.lookup_name`."""

    sid: Sid
    sid_type: SidNameUse
    domain_name: str


class SidLookup(NamedTuple):
    """Result of `Directory.lookup_sid`."""

    name: str
    sid_type: SidNameUse
    domain_name: str
