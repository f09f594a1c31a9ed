"""The fixture model: what the emulated machine contains (MS-SAMR / MS-LSAT vocabulary).

A *fixture* (``fixtures/*.yaml``) describes the machine, its domain, users, groups, aliases and shares.
`load_fixture` validates it (every error is one `ConfigError` line naming file, key and what is allowed)
and builds a `Directory` for one **role** — the role comes from the profile, because the same
people look different depending on what the server is, exactly as on Windows:

* ``member`` / ``standalone``: the fixture's users are the machine's **local SAM**. The account domain is
  named after the machine (NetBIOS name) and uses the machine SID; its only group is "None" (513), which
  holds every local user. The fixture's groups (Domain Admins, IT, ...) belong to the joined domain and
  live in `Directory.primary_domain` (a standalone server has none: its primary domain is the workgroup,
  without a SID). Local aliases hold ``CORP\\Domain Admins`` and friends as on a real member server.
* ``dc``: the fixture's users are the **domain's accounts** (account domain = the domain, domain SID);
  krbtgt (502), the DC's own machine account and the standard groups (Domain Controllers 516, Domain
  Computers 515, Schema/Enterprise Admins 518/519, ...) are added when absent.

BUILTIN (S-1-5-32) always exists; which aliases it has depends on role and Windows release (Power Users
only off DCs, Account Operators only on DCs, IIS_IUSRS from 2008, ...). Default memberships Windows
creates (Administrators ∋ Domain Admins, Users ∋ Authenticated Users, ...) are always present; fixture
members are added to them.

One deliberate shortcut (the emulator has no separate DC to pass a logon through): on a member server a
fixture user's token also carries the domain groups the fixture puts that person in, as if they had logged
on with their domain account. So ``mjones`` (Domain Admins) is an administrator on both roles.

Everything here is immutable except `AccountState`: one small mutable record per user holding the
counters that logons and lockout change (bad_password_count, logon_count, last_logon, locked).
"""

from __future__ import annotations

import difflib
import hashlib
import importlib.util
import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any, Literal, NamedTuple, cast

from smbemu.auth.ntlm_crypto import lm_owf_v1 as lm_hash  # re-export: the one LMOWFv1 (MS-NLMP 3.3.1)
from smbemu.auth.ntlm_crypto import nt_owf_v1 as nt_hash  # re-export: the one NTOWFv1
from smbemu.errors import ConfigError
from smbemu.sid import (
    AUTHENTICATED_USERS,
    BUILTIN_ADMINISTRATORS,
    BUILTIN_DOMAIN_SID,
    EVERYONE,
    INTERACTIVE,
    NETWORK,
    WELL_KNOWN,
    WELL_KNOWN_BY_NAME,
    Sid,
    SidNameUse,
    builtin_alias,
    BUILTIN_ALIASES,
)
from smbemu.yamlfile import read_yaml

__all__ = [
    "Role",
    "ROLES",
    "Machine",
    "DomainInfo",
    "PasswordPolicy",
    "LockoutPolicy",
    "User",
    "Group",
    "Alias",
    "Share",
    "SamDomain",
    "PrimaryDomain",
    "AccountState",
    "NameLookup",
    "SidLookup",
    "Directory",
    "UserAccountControl",
    "load_fixture",
    "directory_from_dict",
    "fixture_path",
    "list_fixtures",
    "make_large_fixture",
    "nt_hash",
    "lm_hash",
    "to_filetime",
    "FILETIME_NEVER",
    "builtin_data_dir",
]

Role = Literal["standalone", "member", "dc"]
ROLES: tuple[Role, ...] = ("standalone", "member", "dc")
ShareType = Literal["disk", "ipc", "print"]
AccountType = Literal["normal", "workstation", "server", "interdomain"]
_SHARE_TYPES: tuple[ShareType, ...] = ("disk", "ipc", "print")
_ACCOUNT_TYPES: tuple[AccountType, ...] = ("normal", "workstation", "server", "interdomain")

DEFAULT_FIXTURE = "corp"
_EPOCH = datetime(1601, 1, 1, tzinfo=timezone.utc)
FILETIME_NEVER = 0x7FFFFFFFFFFFFFFF  # MS-SAMR "never" for AccountExpires / PasswordMustChange


def to_filetime(moment: datetime | None, never: int = 0) -> int:
    """A datetime as a FILETIME / OLD_LARGE_INTEGER (100 ns since 1601, MS-DTYP 2.3.3); ``never``
    when None (0 for "never logged on", `FILETIME_NEVER` for "never expires")."""
    if moment is None:
        return never
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


# --------------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------------

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

    @property
    def hidden(self) -> bool:
        return self.name.endswith("$")

    @property
    def stype(self) -> int:
        """shi*_type: STYPE_DISKTREE 0, STYPE_PRINTQ 1, STYPE_IPC 3, | STYPE_SPECIAL 0x80000000."""
        base = {"disk": 0, "print": 1, "ipc": 3}[self.type]
        return base | (0x80000000 if self.special else 0)


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


class Directory:
    """The machine's directory for one role: account domain, BUILTIN, primary domain, shares.

    Read-only after construction except `state(user)`. Build it with `load_fixture` or
    `directory_from_dict`.
    """

    def __init__(
        self,
        *,
        role: Role,
        source: str,
        machine: Machine,
        domain: DomainInfo | None,
        account_domain: SamDomain,
        builtin_domain: SamDomain,
        primary_domain: PrimaryDomain,
        shares: tuple[Share, ...],
    ) -> None:
        self.role: Role = role
        self.source = source
        self.machine = machine
        self.domain = domain
        self.account_domain = account_domain
        self.builtin_domain = builtin_domain
        self.primary_domain = primary_domain
        self.shares = shares
        #: The lockout policy's clock (UTC now); tests replace it to jump past a lockout duration.
        self.clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
        self._states: dict[int, AccountState] = {
            user.rid: AccountState(
                bad_password_count=user.bad_password_count,
                bad_password_time=user.bad_password_time,
                logon_count=user.logon_count,
                last_logon=user.last_logon,
                locked=user.locked,
            )
            for user in account_domain.users
        }
        # Reverse membership indexes: member SID -> SIDs of the groups / aliases that list it.
        self._group_of: dict[Sid, list[Sid]] = {}
        for group in (*account_domain.groups, *primary_domain.groups):
            for member in group.members:
                self._group_of.setdefault(member, []).append(group.sid)
        self._alias_of: dict[Sid, list[Sid]] = {}
        self._aliases: dict[Sid, Alias] = {}
        for alias in (*account_domain.aliases, *builtin_domain.aliases):
            self._aliases[alias.sid] = alias
            for member in alias.members:
                self._alias_of.setdefault(member, []).append(alias.sid)
        self._groups: dict[Sid, Group] = {g.sid: g for g in (*account_domain.groups, *primary_domain.groups)}
        self._shares = {share.name.lower(): share for share in shares}
        self._primary_groups_by_name: dict[str, User | Group | Alias] = {
            g.name.lower(): g for g in primary_domain.groups
        }

    def __repr__(self) -> str:
        return (
            f"<Directory {self.source} role={self.role} account_domain={self.account_domain.name} "
            f"users={len(self.account_domain.users)}>"
        )

    # -- accounts ------------------------------------------------------------------------------

    @property
    def users(self) -> tuple[User, ...]:
        """The account domain's users, by RID."""
        return self.account_domain.users

    def find_user(self, name: str) -> User | None:
        """The account-domain user called ``name`` (case-insensitive); ``DOMAIN\\name`` and
        ``name@dns`` are accepted when they name the account domain."""
        account_name, domain = _split_qualified(name)
        if domain is not None and not self._names_account_domain(domain):
            return None
        account = self.account_domain.by_name(account_name)
        return account if isinstance(account, User) else None

    def user_by_rid(self, rid: int) -> User | None:
        return self.account_domain.user(rid)

    def state(self, user: User) -> AccountState:
        """The live counters of ``user`` (mutable; shared by every caller)."""
        return self._states[user.rid]

    def account_control(self, user: User) -> int:
        """UserAccountControl with the live lockout state (a lockout past its duration is lifted)."""
        return user.account_control(locked=self.is_locked(user))

    def share(self, name: str) -> Share | None:
        """The share called ``name`` (case-insensitive)."""
        return self._shares.get(name.lower())

    find_share = share

    # -- lockout bookkeeping (MS-SAMR 3.1.1.9 / the lockout policy) ------------------------------

    def is_locked(self, user: User, now: datetime | None = None) -> bool:
        """True while ``user`` is locked out; a lockout older than the policy's duration lifts itself
        (duration 0, or a lockout the fixture set without a time, lasts until unlocked)."""
        state = self._states[user.rid]
        if not state.locked:
            return False
        duration = self.account_domain.lockout_policy.duration_minutes
        if duration and state.lockout_time is not None:
            now = now or self.clock()
            if (now - state.lockout_time).total_seconds() >= duration * 60:
                self.unlock(user)
                return False
        return True

    def unlock(self, user: User) -> None:
        state = self._states[user.rid]
        state.locked, state.lockout_time, state.bad_password_count = False, None, 0

    def record_logon(self, user: User, now: datetime | None = None) -> None:
        """A successful logon: count it, stamp it, clear the bad-password count."""
        state = self._states[user.rid]
        state.logon_count = min(state.logon_count + 1, 0xFFFF)
        state.last_logon = now or self.clock()
        state.bad_password_count = 0

    def record_bad_password(self, user: User, now: datetime | None = None) -> bool:
        """A wrong password for ``user``; returns True if this locked the account. The count restarts
        after the observation window; the built-in Administrator (500) is never locked out."""
        policy = self.account_domain.lockout_policy
        state = self._states[user.rid]
        now = now or self.clock()
        window = policy.window_minutes * 60
        if window and state.bad_password_time is not None and (now - state.bad_password_time).total_seconds() >= window:
            state.bad_password_count = 0
        state.bad_password_count = min(state.bad_password_count + 1, 0xFFFF)
        state.bad_password_time = now
        if policy.threshold and user.rid != 500 and not state.locked and state.bad_password_count >= policy.threshold:
            state.locked, state.lockout_time = True, now
            return True
        return False

    # -- membership ----------------------------------------------------------------------------

    def groups_of(self, user: User, *, transitive: bool = False) -> tuple[Group, ...]:
        """Account-domain groups of ``user`` (SamrGetGroupsForUser: direct memberships, primary
        group included); ``transitive`` follows nested groups. On a member server this is "None"."""
        start = {user.sid}
        sids = self._group_closure(start) if transitive else set(self._group_of.get(user.sid, ()))
        sids.add(self.account_domain.sid.child(user.primary_group_rid))
        found = [self.account_domain.group(sid.rid) for sid in sids if sid.is_in(self.account_domain.sid)]
        return tuple(sorted((g for g in found if g is not None), key=lambda g: g.rid))

    def aliases_of(self, sids: Iterable[Sid], *, domain: Sid | None = None, transitive: bool = True) -> tuple[Alias, ...]:
        """Aliases that contain any of ``sids`` (SamrGetAliasMembership), in the account domain and
        BUILTIN, or only in ``domain``. ``transitive`` also follows aliases nested in aliases."""
        start = set(sids)
        found: set[Sid] = set()
        frontier = list(start)
        while frontier:
            member = frontier.pop()
            for alias_sid in self._alias_of.get(member, ()):
                if alias_sid not in found:
                    found.add(alias_sid)
                    if transitive:
                        frontier.append(alias_sid)
        aliases = [self._aliases[s] for s in found if domain is None or s.is_in(domain)]
        return tuple(sorted(aliases, key=lambda a: (a.sid.domain != self.account_domain.sid, a.rid)))

    def token_sids(self, user: User) -> frozenset[Sid]:
        """Every SID in the logon token of ``user``: itself, its groups (nested), its aliases
        (nested), Everyone, Authenticated Users and NETWORK (a network logon)."""
        start = {user.sid, self.account_domain.sid.child(user.primary_group_rid)}
        if self.role == "member" and self.primary_domain.sid is not None:
            # The shortcut described in the module docstring: the person's domain groups.
            start.add(self.primary_domain.sid.child(user.rid))
        sids = self._group_closure(start) | start
        if self.role == "member" and self.primary_domain.sid is not None:
            sids.discard(self.primary_domain.sid.child(user.rid))
        sids |= {EVERYONE, AUTHENTICATED_USERS, NETWORK}
        sids |= {alias.sid for alias in self.aliases_of(sids)}
        return frozenset(sids)

    def is_administrator(self, user: User) -> bool:
        """Member of BUILTIN\\Administrators, directly or through Domain Admins / nested groups."""
        return BUILTIN_ADMINISTRATORS in self.token_sids(user)

    def _group_closure(self, start: Iterable[Sid]) -> set[Sid]:
        found: set[Sid] = set()
        frontier = list(start)
        while frontier:
            member = frontier.pop()
            for group_sid in self._group_of.get(member, ()):
                if group_sid not in found:
                    found.add(group_sid)
                    frontier.append(group_sid)
        return found

    # -- LSA-style lookups (MS-LSAT 3.1.4.5 / 3.1.4.9) -----------------------------------------

    def lookup_name(self, name: str) -> NameLookup | None:
        """Translate ``name``, ``DOMAIN\\name`` or ``name@dns.domain`` the way LsarLookupNames does:
        well-known names, then BUILTIN, then the account domain, then the primary domain. A bare
        domain name resolves to the domain itself."""
        account_name, domain = _split_qualified(name)
        if not account_name:
            if domain is None:
                return None
            account_name, domain = domain, None
        lower = account_name.lower()
        for candidate in self._domains():
            dom_name, dom_sid, _ = candidate
            if domain is None and lower == dom_name.lower() and dom_sid is not None:
                return NameLookup(dom_sid, SidNameUse.DOMAIN, dom_name)
        # Well-known names outside BUILTIN (Everyone, NT AUTHORITY\...).
        wk_sid = WELL_KNOWN_BY_NAME.get(lower)
        if wk_sid is not None and not wk_sid.is_in(BUILTIN_DOMAIN_SID):
            entry = WELL_KNOWN[wk_sid]
            if domain is None or domain.lower() == entry.domain_name.lower():
                return NameLookup(wk_sid, entry.sid_type, entry.domain_name)
        for dom_name, dom_sid, accounts in self._domains():
            if dom_sid is None or (domain is not None and not self._domain_matches(domain, dom_name)):
                continue
            account = accounts(lower)
            if account is not None:
                return NameLookup(account.sid, _sid_type(account), dom_name)
        return None

    def lookup_sid(self, sid: Sid) -> SidLookup | None:
        """Translate a SID to (name, SID_NAME_USE, domain name) as LsarLookupSids does."""
        if sid.is_in(BUILTIN_DOMAIN_SID):
            alias = self.builtin_domain.alias(sid.rid)
            return SidLookup(alias.name, SidNameUse.ALIAS, "BUILTIN") if alias else None
        entry = WELL_KNOWN.get(sid)
        if entry is not None:
            return SidLookup(entry.name, entry.sid_type, entry.domain_name)
        for dom_name, dom_sid, _ in self._domains():
            if dom_sid is None:
                continue
            if sid == dom_sid:
                return SidLookup(dom_name, SidNameUse.DOMAIN, dom_name)
        for dom_name, dom_sid, _ in self._domains():
            if dom_sid is not None and sid.is_in(dom_sid):
                account = self._account_in(dom_sid, sid)
                if account is not None:
                    return SidLookup(account.name, _sid_type(account), dom_name)
        return None

    def _account_in(self, dom_sid: Sid, sid: Sid) -> User | Group | Alias | None:
        if dom_sid == self.account_domain.sid:
            return self.account_domain.by_rid(sid.rid)
        if dom_sid == BUILTIN_DOMAIN_SID:
            return self.builtin_domain.by_rid(sid.rid)
        return self._groups.get(sid)

    def _domains(self) -> Iterator[tuple[str, Sid | None, Callable[[str], User | Group | Alias | None]]]:
        """(name, SID, lower-case name -> account) in LSA lookup order."""
        yield "BUILTIN", BUILTIN_DOMAIN_SID, self.builtin_domain.by_name
        yield self.account_domain.name, self.account_domain.sid, self.account_domain.by_name
        if self.role == "member":
            yield self.primary_domain.name, self.primary_domain.sid, self._primary_groups_by_name.get

    def _names_account_domain(self, domain: str) -> bool:
        return self._domain_matches(domain, self.account_domain.name)

    def _domain_matches(self, given: str, dom_name: str) -> bool:
        given = given.lower()
        if given == dom_name.lower():
            return True
        if dom_name == self.account_domain.name:
            if self.role == "dc" and self.domain is not None:
                return given == self.domain.dns_name.lower()
            return given == self.machine.dns_name.lower()
        if self.role == "member" and dom_name == self.primary_domain.name and self.primary_domain.dns_name:
            return given == self.primary_domain.dns_name.lower()
        return False


def _sid_type(account: User | Group | Alias) -> SidNameUse:
    if isinstance(account, User):
        return SidNameUse.USER
    if isinstance(account, Group):
        return SidNameUse.GROUP
    return SidNameUse.ALIAS


def _split_qualified(name: str) -> tuple[str, str | None]:
    name = name.strip()
    if "\\" in name:
        domain, _, account = name.partition("\\")
        return account, domain
    if "@" in name:
        account, _, domain = name.rpartition("@")
        return account, domain
    return name, None


# --------------------------------------------------------------------------------------------------
# Windows defaults the directory adds by itself
# --------------------------------------------------------------------------------------------------

class _Standard(NamedTuple):
    rid: int
    name: str
    description: str
    since: tuple[int, int]


# Global groups of every AD domain (rid 498 is domain-relative although below 500).
_DOMAIN_GROUPS: tuple[_Standard, ...] = (
    _Standard(498, "Enterprise Read-only Domain Controllers", "Members of this group are Read-Only Domain Controllers in the enterprise", (6, 0)),
    _Standard(512, "Domain Admins", "Designated administrators of the domain", (5, 0)),
    _Standard(513, "Domain Users", "All domain users", (5, 0)),
    _Standard(514, "Domain Guests", "All domain guests", (5, 0)),
    _Standard(515, "Domain Computers", "All workstations and servers joined to the domain", (5, 0)),
    _Standard(516, "Domain Controllers", "All domain controllers in the domain", (5, 0)),
    _Standard(518, "Schema Admins", "Designated administrators of the schema", (5, 0)),
    _Standard(519, "Enterprise Admins", "Designated administrators of the enterprise", (5, 0)),
    _Standard(520, "Group Policy Creator Owners", "Members in this group can modify group policy for the domain", (5, 0)),
    _Standard(521, "Read-only Domain Controllers", "Members of this group are Read-Only Domain Controllers in the domain", (6, 0)),
    _Standard(522, "Cloneable Domain Controllers", "Members of this group that are domain controllers may be cloned.", (6, 2)),
    _Standard(525, "Protected Users", "Members of this group are afforded additional protections against authentication security threats.", (6, 3)),
    _Standard(526, "Key Admins", "Members of this group can perform administrative actions on key objects within the domain.", (10, 0)),
    _Standard(527, "Enterprise Key Admins", "Members of this group can perform administrative actions on key objects within the forest.", (10, 0)),
)
# Domain-local groups of a DC's account domain. Cert Publishers was a global group on Windows 2000 and
# became domain-local with 2003; it is modelled as an alias on every release.
_DOMAIN_ALIASES: tuple[_Standard, ...] = (
    _Standard(517, "Cert Publishers", "Members of this group are permitted to publish certificates to the directory", (5, 0)),
    _Standard(553, "RAS and IAS Servers", "Servers in this group can access remote access properties of users", (5, 0)),
    _Standard(571, "Allowed RODC Password Replication Group", "Members in this group can have their passwords replicated to all read-only domain controllers in the domain", (6, 0)),
    _Standard(572, "Denied RODC Password Replication Group", "Members in this group cannot have their passwords replicated to any read-only domain controllers in the domain", (6, 0)),
)
_DOMAIN_GROUP_BY_RID = {g.rid: g for g in _DOMAIN_GROUPS}
_DOMAIN_ALIAS_BY_RID = {a.rid: a for a in _DOMAIN_ALIASES}
_BUILTIN_USERS: dict[int, tuple[str, str]] = {
    500: ("Administrator", "Built-in account for administering the computer/domain"),
    501: ("Guest", "Built-in account for guest access to the computer/domain"),
    502: ("krbtgt", "Key Distribution Center Service Account"),
    503: ("DefaultAccount", "A user account managed by the system."),
}
_ALLOWED_USER_RIDS = "500, 501, 502, 503 or 1000 and above"
_NONE_GROUP_DESCRIPTION = "Ordinary users"
_SYSTEM_ROOT = {(5, 0): "C:\\WINNT", (5, 1): "C:\\WINDOWS", (5, 2): "C:\\WINDOWS"}
_SYSTEM_ROOT_TOKEN = re.compile(re.escape("%SystemRoot%"), re.IGNORECASE)


def _system_root(os_version: tuple[int, int] | None) -> str:
    if os_version is None:
        return "C:\\Windows"
    return _SYSTEM_ROOT.get(os_version, "C:\\WINNT" if os_version < (5, 0) else "C:\\Windows")


def _derived_hash(*parts: str) -> bytes:
    """A stable stand-in for a random machine-generated password hash (krbtgt, machine accounts)."""
    return hashlib.sha256("\x00".join(("smbemu", *parts)).encode()).digest()[:16]


# --------------------------------------------------------------------------------------------------
# Fixture reading (pass 1: role-independent validation)
# --------------------------------------------------------------------------------------------------

_TOP_KEYS = ("machine", "domain", "workgroup", "users", "groups", "aliases", "shares")
_MACHINE_KEYS = ("netbios_name", "dns_name", "sid", "comment")
_DOMAIN_KEYS = ("name", "dns_name", "sid", "guid", "forest_dns_name", "password_policy", "lockout_policy")
_PASSWORD_KEYS = ("min_length", "history", "max_age_days", "min_age_days", "complexity", "reversible", "force_logoff_minutes")
_LOCKOUT_KEYS = ("threshold", "duration_minutes", "window_minutes")
_USER_BOOL_KEYS = (
    "disabled", "locked", "password_never_expires", "password_not_required", "cannot_change_password",
    "password_expired", "smartcard_required", "trusted_for_delegation", "not_delegated",
    "dont_require_preauth", "reversible_password",
)
_USER_STR_KEYS = ("full_name", "description", "comment", "home_directory", "home_drive", "script_path", "profile_path", "workstations")
_USER_DATE_KEYS = ("account_expires", "last_logon", "last_logoff", "last_password_change", "bad_password_time")
_USER_KEYS = (
    "name", "rid", "password", "nt_hash", "lm_hash", *_USER_STR_KEYS, *_USER_BOOL_KEYS, "account_type",
    *_USER_DATE_KEYS, "bad_password_count", "logon_count", "groups", "primary_group_rid", "roles",
)
_GROUP_KEYS = ("name", "rid", "description", "members", "roles")
_SHARE_KEYS = ("name", "type", "special", "comment", "path", "roles")
_BAD_ACCOUNT_CHARS = re.compile(r'["/\\\[\]:;|=,+*?<>@]')
_BAD_SHARE_CHARS = re.compile(r'["/\\\[\]:|<>+=;,?*]')
_NETBIOS_NAME = re.compile(r"^[A-Za-z0-9!#$%&'()\-.@^_{}~]{1,15}$")
_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {value!r}".replace("True", "true").replace("False", "false")
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class _Reader:
    """Typed access to a YAML mapping that raises one-line ConfigErrors naming file and key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.source, key, problem)

    def mapping(self, value: object, path: str, allowed: Sequence[str], required: Sequence[str] = ()) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(path, f"expected a mapping with keys {', '.join(allowed)}; got {_type_name(value)}")
        for key in value:
            if key not in allowed:
                where = f"{path}.{key}" if path else str(key)
                hint = _did_you_mean(str(key), allowed)
                raise self.error(where, f"unknown key{hint}; allowed: {', '.join(allowed)}")
        for key in required:
            if key not in value or value[key] is None:
                raise self.error(f"{path}.{key}" if path else key, "missing (required)")
        return cast(dict[str, Any], value)

    def seq(self, value: object, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(path, f"expected a list; got {_type_name(value)}")
        return value

    def string(self, data: Mapping[str, Any], key: str, path: str, default: str = "", *, max_len: int | None = None) -> str:
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.error(f"{path}.{key}", f"expected a string; got {_type_name(value)} (quote it)")
        if max_len is not None and len(value) > max_len:
            raise self.error(f"{path}.{key}", f"{value!r} is longer than {max_len} characters")
        return value

    def integer(self, data: Mapping[str, Any], key: str, path: str, default: int, lo: int, hi: int) -> int:
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"{path}.{key}", f"expected an integer {lo}–{hi}; got {_type_name(value)}")
        if not lo <= value <= hi:
            raise self.error(f"{path}.{key}", f"{value} is out of range; allowed: {lo}–{hi}")
        return value

    def boolean(self, data: Mapping[str, Any], key: str, path: str, default: bool = False) -> bool:
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(f"{path}.{key}", f"expected true or false; got {_type_name(value)}")
        return value

    def sid(self, data: Mapping[str, Any], key: str, path: str) -> Sid:
        value = data.get(key)
        where = f"{path}.{key}"
        if not isinstance(value, str):
            raise self.error(where, f"expected a SID string such as S-1-5-21-1-2-3; got {_type_name(value)}")
        try:
            return Sid.parse(value)
        except ValueError:
            raise self.error(where, f"{value!r} is not a SID (expected S-1-<authority>-<sub-authority>...)") from None

    def date(self, data: Mapping[str, Any], key: str, path: str) -> datetime | None:
        value = data.get(key)
        where = f"{path}.{key}"
        if value is None or value == "never":
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        if isinstance(value, date):
            return datetime.combine(value, time(0), tzinfo=timezone.utc)
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                pass
            else:
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        raise self.error(where, f"{value!r} is not an ISO 8601 date or date-time (e.g. 2003-06-01T09:12:00Z) or null")

    def hash(self, data: Mapping[str, Any], key: str, path: str) -> bytes | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not _HEX32.match(value):
            raise self.error(f"{path}.{key}", f"expected 32 hexadecimal digits (16 bytes); got {_type_name(value)}")
        return bytes.fromhex(value)

    def roles(self, data: Mapping[str, Any], path: str) -> frozenset[str]:
        items = self.seq(data.get("roles", list(ROLES)), f"{path}.roles")
        for index, item in enumerate(items):
            if item not in ROLES:
                raise self.error(f"{path}.roles[{index}]", f"{item!r} is not a role; allowed: {', '.join(ROLES)}")
        return frozenset(items)

    def names(self, data: Mapping[str, Any], key: str, path: str) -> list[tuple[str, str]]:
        """A list of strings; returns (key path of the item, value)."""
        out = []
        for index, item in enumerate(self.seq(data.get(key), f"{path}.{key}")):
            where = f"{path}.{key}[{index}]"
            if not isinstance(item, str) or not item.strip():
                raise self.error(where, f"expected a name or SID string; got {_type_name(item)}")
            out.append((where, item.strip()))
        return out


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" {word!r} (did you mean {close[0]!r}?)" if close else f" {word!r}"


@dataclass
class _Entry:
    """One user / group / alias of the fixture after pass 1."""

    kind: Literal["user", "group", "alias"]
    where: str  # "users[3]"
    rid: int
    name: str
    description: str
    roles: frozenset[str]
    members: list[tuple[str, str]] = field(default_factory=list)  # (key path, name or SID)
    fields: dict[str, Any] = field(default_factory=dict)  # user attributes for User(...)
    groups: list[tuple[str, str]] = field(default_factory=list)  # user.groups
    primary_group_rid: int | None = None
    member_refs: list[_Ref] = field(default_factory=list)  # resolved members
    group_refs: list[_Ref] = field(default_factory=list)  # resolved user.groups


@dataclass
class _Spec:
    source: str
    machine: Machine
    domain: DomainInfo | None
    workgroup: str
    password_policy: PasswordPolicy
    lockout_policy: LockoutPolicy
    entries: list[_Entry]
    shares: list[tuple[Share, frozenset[str]]]


def _read_fixture(data: object, source: str) -> _Spec:
    r = _Reader(source)
    top = r.mapping(data, "", _TOP_KEYS, required=("machine",))

    m = r.mapping(top["machine"], "machine", _MACHINE_KEYS, required=("netbios_name", "sid"))
    netbios = r.string(m, "netbios_name", "machine")
    if not _NETBIOS_NAME.match(netbios):
        raise r.error("machine.netbios_name", f"{netbios!r} is not a NetBIOS name (1–15 letters, digits or -_.)")
    machine_sid = r.sid(m, "sid", "machine")
    _check_domain_sid(r, "machine.sid", machine_sid)

    domain: DomainInfo | None = None
    password_policy, lockout_policy = PasswordPolicy(), LockoutPolicy()
    if top.get("domain") is not None:
        d = r.mapping(top["domain"], "domain", _DOMAIN_KEYS, required=("name", "dns_name", "sid"))
        name = r.string(d, "name", "domain")
        if not _NETBIOS_NAME.match(name):
            raise r.error("domain.name", f"{name!r} is not a NetBIOS domain name (1–15 letters, digits or -_.)")
        dns = r.string(d, "dns_name", "domain").lower()
        dsid = r.sid(d, "sid", "domain")
        _check_domain_sid(r, "domain.sid", dsid)
        if dsid == machine_sid:
            raise r.error("domain.sid", "must differ from machine.sid (a member keeps its own machine SID)")
        guid_text = r.string(d, "guid", "domain")
        try:
            guid = uuid.UUID(guid_text) if guid_text else uuid.uuid5(uuid.NAMESPACE_URL, f"smbemu:{dsid}")
        except ValueError:
            raise r.error("domain.guid", f"{guid_text!r} is not a GUID (e.g. 6f3c5d2e-...)") from None
        forest = r.string(d, "forest_dns_name", "domain", dns).lower()
        domain = DomainInfo(name.upper(), dns, dsid, guid, forest)
        if d.get("password_policy") is not None:
            p = r.mapping(d["password_policy"], "domain.password_policy", _PASSWORD_KEYS)
            where = "domain.password_policy"
            logoff = p.get("force_logoff_minutes")
            password_policy = PasswordPolicy(
                min_length=r.integer(p, "min_length", where, 0, 0, 128),
                history=r.integer(p, "history", where, 0, 0, 24),
                max_age_days=r.integer(p, "max_age_days", where, 42, 0, 999),
                min_age_days=r.integer(p, "min_age_days", where, 0, 0, 998),
                complexity=r.boolean(p, "complexity", where),
                reversible=r.boolean(p, "reversible", where),
                force_logoff_minutes=None if logoff is None else r.integer(p, "force_logoff_minutes", where, 0, 0, 99999),
            )
            if password_policy.max_age_days and password_policy.min_age_days >= password_policy.max_age_days:
                raise r.error(f"{where}.min_age_days", f"{password_policy.min_age_days} must be less than max_age_days ({password_policy.max_age_days})")
        if d.get("lockout_policy") is not None:
            where = "domain.lockout_policy"
            lp = r.mapping(d["lockout_policy"], where, _LOCKOUT_KEYS)
            lockout_policy = LockoutPolicy(
                threshold=r.integer(lp, "threshold", where, 0, 0, 999),
                duration_minutes=r.integer(lp, "duration_minutes", where, 30, 0, 99999),
                window_minutes=r.integer(lp, "window_minutes", where, 30, 1, 99999),
            )
            if lockout_policy.duration_minutes and lockout_policy.window_minutes > lockout_policy.duration_minutes:
                raise r.error(f"{where}.window_minutes", f"{lockout_policy.window_minutes} must not exceed duration_minutes ({lockout_policy.duration_minutes})")

    dns_default = f"{netbios.lower()}.{domain.dns_name}" if domain else netbios.lower()
    machine = Machine(
        netbios_name=netbios.upper(),
        dns_name=r.string(m, "dns_name", "machine", dns_default).lower(),
        sid=machine_sid,
        comment=r.string(m, "comment", "machine"),
    )
    workgroup = r.string(top, "workgroup", "", "WORKGROUP").upper()

    entries: list[_Entry] = []
    for index, raw in enumerate(r.seq(top.get("users"), "users")):
        entries.append(_read_user(r, raw, f"users[{index}]"))
    for index, raw in enumerate(r.seq(top.get("groups"), "groups")):
        entries.append(_read_group(r, raw, f"groups[{index}]", "group"))
    for index, raw in enumerate(r.seq(top.get("aliases"), "aliases")):
        entries.append(_read_group(r, raw, f"aliases[{index}]", "alias"))
    _check_unique(r, entries)

    shares: list[tuple[Share, frozenset[str]]] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(r.seq(top.get("shares"), "shares")):
        where = f"shares[{index}]"
        s = r.mapping(raw, where, _SHARE_KEYS, required=("name",))
        name = r.string(s, "name", where, max_len=80)
        if not name or _BAD_SHARE_CHARS.search(name):
            raise r.error(f"{where}.name", f"{name!r} is not a share name (no \\ / : * ? \" < > | and 1–80 characters)")
        if name.lower() in seen:
            raise r.error(f"{where}.name", f"{name!r} is already used by {seen[name.lower()]}")
        seen[name.lower()] = f"{where} ({name})"
        stype = s.get("type", "disk")
        if stype not in _SHARE_TYPES:
            raise r.error(f"{where}.type", f"{stype!r} is not a share type; allowed: {', '.join(_SHARE_TYPES)}")
        if name.lower() == "ipc$" and stype != "ipc":
            raise r.error(f"{where}.type", "IPC$ must have type ipc")
        share = Share(
            name=name,
            type=cast(ShareType, stype),
            special=r.boolean(s, "special", where, name.lower() == "ipc$"),
            comment=r.string(s, "comment", where),
            path=r.string(s, "path", where),
        )
        shares.append((share, r.roles(s, where)))

    spec = _Spec(source, machine, domain, workgroup, password_policy, lockout_policy, entries, shares)
    _Resolver(spec, r).resolve_all()
    return spec


def _check_domain_sid(r: _Reader, key: str, sid: Sid) -> None:
    if sid.authority != 5 or len(sid.sub_authorities) != 4 or sid.sub_authorities[0] != 21:
        raise r.error(key, f"{sid} is not a machine/domain SID; expected S-1-5-21-<a>-<b>-<c>")


def _read_user(r: _Reader, raw: object, where: str) -> _Entry:
    u = r.mapping(raw, where, _USER_KEYS, required=("name", "rid"))
    name = r.string(u, "name", where)
    _check_account_name(r, f"{where}.name", name, 20)
    rid = r.integer(u, "rid", where, 0, 0, 0xFFFFFFFF)
    if rid < 500:
        raise r.error(f"{where}.rid", f"{rid} is below 500, which no account may use; allowed: {_ALLOWED_USER_RIDS}")
    if rid < 1000 and rid not in _BUILTIN_USERS:
        raise r.error(f"{where}.rid", f"{rid} is reserved for built-in accounts; allowed: {_ALLOWED_USER_RIDS}")
    fields: dict[str, Any] = {key: r.string(u, key, where) for key in _USER_STR_KEYS}
    fields.update({key: r.boolean(u, key, where) for key in _USER_BOOL_KEYS})
    fields.update({key: r.date(u, key, where) for key in _USER_DATE_KEYS})
    fields["bad_password_count"] = r.integer(u, "bad_password_count", where, 0, 0, 65535)
    fields["logon_count"] = r.integer(u, "logon_count", where, 0, 0, 65535)
    account_type = u.get("account_type", "normal")
    if account_type not in _ACCOUNT_TYPES:
        raise r.error(f"{where}.account_type", f"{account_type!r} is not an account type; allowed: {', '.join(_ACCOUNT_TYPES)}")
    fields["account_type"] = account_type
    if "password" in u and ("nt_hash" in u or "lm_hash" in u):
        raise r.error(f"{where}.password", "give either password or nt_hash/lm_hash, not both")
    if "lm_hash" in u and "nt_hash" not in u:
        raise r.error(f"{where}.lm_hash", "lm_hash needs nt_hash as well")
    if "nt_hash" in u:
        fields["nt_hash"] = r.hash(u, "nt_hash", where)
        fields["lm_hash"] = r.hash(u, "lm_hash", where)
    else:
        # No password given: the account has an empty password, as `net user NAME /add` leaves it.
        password = r.string(u, "password", where)
        fields["nt_hash"] = nt_hash(password)
        fields["lm_hash"] = lm_hash(password)
    description = fields.pop("description") or _BUILTIN_USERS.get(rid, ("", ""))[1]
    primary = u.get("primary_group_rid")
    primary_rid = None if primary is None else r.integer(u, "primary_group_rid", where, 513, 1, 0xFFFFFFFF)
    return _Entry(
        kind="user", where=where, rid=rid, name=name, description=description, roles=r.roles(u, where),
        fields=fields, groups=r.names(u, "groups", where), primary_group_rid=primary_rid,
    )


def _read_group(r: _Reader, raw: object, where: str, kind: Literal["group", "alias"]) -> _Entry:
    g = r.mapping(raw, where, _GROUP_KEYS, required=("name", "rid"))
    name = r.string(g, "name", where)
    _check_account_name(r, f"{where}.name", name, 256)
    rid = r.integer(g, "rid", where, 0, 0, 0xFFFFFFFF)
    description = r.string(g, "description", where)
    if kind == "group":
        standard = _DOMAIN_GROUP_BY_RID.get(rid)
        allowed = "a domain group RID (" + ", ".join(f"{s.rid} {s.name}" for s in _DOMAIN_GROUPS) + ") or 1000 and above"
    else:
        builtin = builtin_alias(rid)
        standard = _DOMAIN_ALIAS_BY_RID.get(rid) or (
            _Standard(builtin.rid, builtin.name, builtin.description, builtin.since) if builtin else None
        )
        allowed = "a BUILTIN alias RID (544 Administrators, 545 Users, ...), 517, 553, 571, 572 or 1000 and above"
    if rid < 1000 and standard is None:
        raise r.error(f"{where}.rid", f"{rid} is reserved or not a {kind} RID; allowed: {allowed}")
    if standard is not None and standard.name.lower() != name.lower():
        raise r.error(f"{where}.name", f"{name!r} does not match RID {rid}, which is {standard.name!r}")
    if standard is not None:
        name, description = standard.name, description or standard.description
    return _Entry(
        kind=kind, where=where, rid=rid, name=name, description=description, roles=r.roles(g, where),
        members=r.names(g, "members", where),
    )


def _check_account_name(r: _Reader, where: str, name: str, max_len: int) -> None:
    if not name or len(name) > max_len or _BAD_ACCOUNT_CHARS.search(name) or name.strip() != name or name.endswith("."):
        raise r.error(
            where,
            f"{name!r} is not a SAM account name (1–{max_len} characters, none of \" / \\ [ ] : ; | = , + * ? < > @)",
        )


def _check_unique(r: _Reader, entries: list[_Entry]) -> None:
    rids: dict[int, _Entry] = {}
    names: dict[str, _Entry] = {}
    builtin_names = {alias.name.lower() for alias in BUILTIN_ALIASES}
    for entry in entries:
        is_builtin = entry.kind == "alias" and builtin_alias(entry.rid) is not None
        if not is_builtin:
            # RIDs are unique within a domain (users, groups and domain aliases share one space).
            other = rids.get(entry.rid)
            if other is not None:
                raise r.error(f"{entry.where}.rid", f"{entry.rid} is already used by {other.where} ({other.name})")
            rids[entry.rid] = entry
            lowered = entry.name.lower()
            if lowered in builtin_names or lowered in WELL_KNOWN_BY_NAME:
                raise r.error(f"{entry.where}.name", f"{entry.name!r} is a BUILTIN or well-known name; pick another")
        key = ("builtin:" if is_builtin else "") + entry.name.lower()
        other = names.get(key)
        if other is not None:
            raise r.error(f"{entry.where}.name", f"{entry.name!r} is already used by {other.where} ({other.name})")
        names[key] = entry


# --------------------------------------------------------------------------------------------------
# Member resolution (still role-independent) and pass 2: build the directory for a role
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Ref:
    """What a member name resolved to, before the role maps it to a SID.

    kind: "user" / "group" / "alias" (fixture entries or Windows' standard ones, by RID),
    "builtin" (a BUILTIN alias, by RID) or "sid" (well-known or foreign SID).
    """

    kind: Literal["user", "group", "alias", "builtin", "sid"]
    rid: int = 0
    sid: Sid | None = None


_STANDARD_USER_BY_NAME = {name.lower(): rid for rid, (name, _) in _BUILTIN_USERS.items()}
_REF_NOUN = {"user": "a user", "group": "a group", "alias": "an alias", "sid": "a well-known name or SID"}
_REF_NOUN_SHORT = {"user": "user", "group": "group", "alias": "alias", "sid": "well-known name or SID"}


class _Resolver:
    """Resolves fixture member names and SIDs against the fixture and Windows' standard accounts."""

    def __init__(self, spec: _Spec, r: _Reader) -> None:
        self.spec = spec
        self.r = r
        self.by_name: dict[str, _Entry] = {}
        self.by_rid: dict[int, _Entry] = {}
        self.builtin: dict[str, int] = {alias.name.lower(): alias.rid for alias in BUILTIN_ALIASES}
        for entry in spec.entries:
            if not (entry.kind == "alias" and builtin_alias(entry.rid) is not None):
                self.by_name[entry.name.lower()] = entry
                self.by_rid[entry.rid] = entry
        self.domain_names: set[str] = set()
        if spec.domain is not None:
            self.domain_names = {spec.domain.name.lower(), spec.domain.dns_name.lower()}
        self.machine_names = {spec.machine.netbios_name.lower(), spec.machine.dns_name.lower()}

    def resolve(self, where: str, text: str, *, allowed: Sequence[str]) -> _Ref:
        if text[:2].upper() == "S-":
            try:
                sid = Sid.parse(text)
            except ValueError:
                raise self.r.error(where, f"{text!r} is not a SID (expected S-1-<authority>-<sub-authority>...)") from None
            if self._resolve_sid(sid) is None:
                raise self.r.error(where, f"{text!r} names an account of this machine or domain that the fixture does not have")
        ref = self._resolve(text)
        kind = "alias" if ref is not None and ref.kind == "builtin" else ref.kind if ref else None
        if ref is None or kind not in allowed:
            nouns = [_REF_NOUN_SHORT[k] for k in allowed]
            wanted = _REF_NOUN[allowed[0]].split(" ")[0] + " " + (
                nouns[0] if len(nouns) == 1 else ", ".join(nouns[:-1]) + " or " + nouns[-1]
            )
            hint = ""
            if ref is None:
                pool = [*self.by_name, *self.builtin, *(g.name.lower() for g in _DOMAIN_GROUPS)]
                close = difflib.get_close_matches(text.lower(), pool, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
            elif kind is not None:
                hint = f" (it is {_REF_NOUN[kind]})"
            raise self.r.error(where, f"{text!r} is not {wanted} of this fixture{hint}")
        return ref

    def _resolve(self, text: str) -> _Ref | None:
        if text[:2].upper() == "S-":
            try:
                return self._resolve_sid(Sid.parse(text))
            except ValueError:
                return None
        account, domain = _split_qualified(text)
        lowered = account.lower()
        dom = domain.lower() if domain is not None else None
        if dom in (None, "builtin") and lowered in self.builtin:
            return _Ref("builtin", self.builtin[lowered])
        if dom in (None, "nt authority", ""):
            wk = WELL_KNOWN_BY_NAME.get(lowered)
            if wk is not None and not wk.is_in(BUILTIN_DOMAIN_SID):
                return _Ref("sid", sid=wk)
        if dom is None or dom in self.domain_names or dom in self.machine_names:
            entry = self.by_name.get(lowered)
            if entry is not None:
                return _Ref(entry.kind, entry.rid)
            if lowered in _STANDARD_USER_BY_NAME:
                return _Ref("user", _STANDARD_USER_BY_NAME[lowered])
        if dom is None or dom in self.domain_names:
            for standard in _DOMAIN_GROUPS:
                if standard.name.lower() == lowered:
                    return _Ref("group", standard.rid)
            for standard in _DOMAIN_ALIASES:
                if standard.name.lower() == lowered:
                    return _Ref("alias", standard.rid)
        return None

    def _resolve_sid(self, sid: Sid) -> _Ref | None:
        spec = self.spec
        if sid.is_in(BUILTIN_DOMAIN_SID):
            return _Ref("builtin", sid.rid) if builtin_alias(sid.rid) else None
        if (spec.domain is not None and sid.is_in(spec.domain.sid)) or sid.is_in(spec.machine.sid):
            entry = self.by_rid.get(sid.rid)
            if entry is not None:
                return _Ref(entry.kind, entry.rid)
            if sid.rid in _DOMAIN_GROUP_BY_RID:
                return _Ref("group", sid.rid)
            if sid.rid in _DOMAIN_ALIAS_BY_RID:
                return _Ref("alias", sid.rid)
            if sid.rid in _BUILTIN_USERS:
                return _Ref("user", sid.rid)
            return None  # an account of this machine/domain that the fixture does not have
        if sid.authority == 5 and sid.sub_authorities[:1] == (32,):
            return None
        return _Ref("sid", sid=sid)

    def resolve_all(self) -> None:
        """Resolve every member and group reference of the fixture (pass 1 ends here)."""
        for entry in self.spec.entries:
            if entry.kind == "group":
                entry.member_refs = [self.resolve(w, t, allowed=("user", "group")) for w, t in entry.members]
            elif entry.kind == "alias":
                entry.member_refs = [
                    self.resolve(w, t, allowed=("user", "group", "alias", "sid")) for w, t in entry.members
                ]
            else:
                entry.group_refs = [self.resolve(w, t, allowed=("group", "alias")) for w, t in entry.groups]
                primary = entry.primary_group_rid
                if primary is not None:
                    target = self.by_rid.get(primary)
                    if primary not in _DOMAIN_GROUP_BY_RID and (target is None or target.kind != "group"):
                        raise self.r.error(f"{entry.where}.primary_group_rid", f"{primary} is not the RID of a group")


def _build(
    spec: _Spec,
    role: Role,
    os_version: tuple[int, int] | None,
    guest_enabled: bool | None,
    pre2000_members: Sequence[Sid | str] | None,
) -> Directory:
    r = _Reader(spec.source)
    if role != "standalone" and spec.domain is None:
        raise r.error("domain", f"missing: a {role} server needs the domain it belongs to")
    version = os_version or (99, 0)  # unknown release: every alias and default account
    is_dc = role == "dc"
    domain = spec.domain if role != "standalone" else None
    present = [e for e in spec.entries if role in e.roles]

    account_sid = domain.sid if is_dc and domain else spec.machine.sid
    account_name = domain.name if is_dc and domain else spec.machine.netbios_name
    # The domain groups' SIDs: the account domain on a DC, the joined domain on a member, none standalone.
    group_sid = domain.sid if domain is not None else None

    # ---- users ---------------------------------------------------------------------------------
    taken = {e.rid for e in spec.entries if not (e.kind == "alias" and builtin_alias(e.rid))}
    user_specs: list[tuple[int, str, str, int | None, dict[str, Any]]] = []
    for entry in present:
        if entry.kind == "user" and not (entry.rid == 502 and not is_dc):  # krbtgt exists only on DCs
            user_specs.append((entry.rid, entry.name, entry.description, entry.primary_group_rid, dict(entry.fields)))
    blank = {"nt_hash": nt_hash(""), "lm_hash": lm_hash("")}
    if 500 not in taken:
        user_specs.append((500, "Administrator", _BUILTIN_USERS[500][1], None, dict(blank)))
    if 501 not in taken:
        user_specs.append((501, "Guest", _BUILTIN_USERS[501][1], None, {**blank, "disabled": True}))
    if is_dc and 502 not in taken:
        user_specs.append((502, "krbtgt", _BUILTIN_USERS[502][1], None, {
            "disabled": True, "nt_hash": _derived_hash("krbtgt", str(account_sid)),
        }))
    if os_version is not None and os_version >= (10, 0) and 503 not in taken:  # 10 1607 / 2016 add it
        user_specs.append((503, "DefaultAccount", _BUILTIN_USERS[503][1], None, {
            "disabled": True, "password_not_required": True, "password_never_expires": True, "nt_hash": None,
        }))
    if is_dc:  # the DC's own computer account: first free RID from 1000, primary group Domain Controllers
        machine_rid = next(rid for rid in range(1000, 0xFFFFFFFF) if rid not in taken)
        user_specs.append((machine_rid, f"{spec.machine.netbios_name}$", "", 516, {
            "account_type": "server", "trusted_for_delegation": True,
            "nt_hash": _derived_hash("machine", str(account_sid)),
        }))

    users: dict[int, User] = {}
    for rid, name, description, primary, fields in user_specs:
        if not is_dc:
            primary = 513  # a local SAM's only group is "None"
        elif primary is None:
            primary = 514 if rid == 501 else 513  # Guest's primary group on a DC is Domain Guests
        if rid == 501 and guest_enabled is not None:
            fields["disabled"] = not guest_enabled
        users[rid] = User(rid=rid, name=name, sid=account_sid.child(rid), description=description,
                          primary_group_rid=primary, **fields)

    # ---- domain groups (account groups on a DC; the joined domain's groups on a member) ---------
    domain_groups: list[Group] = []
    if group_sid is not None:
        entries = {e.rid: e for e in present if e.kind == "group"}
        members: dict[int, set[int]] = {rid: set() for rid in entries}
        for standard in _DOMAIN_GROUPS:
            if version >= standard.since:
                members.setdefault(standard.rid, set())
        for rid, entry in entries.items():
            members[rid].update(ref.rid for ref in entry.member_refs)
        for entry in present:
            if entry.kind == "user":
                for ref in entry.group_refs:
                    if ref.kind == "group" and ref.rid in members:
                        members[ref.rid].add(entry.rid)
        for user in users.values():
            # Primary-group membership is listed by SamrGetMembersInGroup. On a member server the
            # person's domain account gets the default primary group (the shortcut of the docstring).
            primary = user.primary_group_rid if is_dc else (514 if user.rid == 501 else 513)
            if primary in members and (is_dc or user.account_type == "normal"):
                members[primary].add(user.rid)
        for rid in (512, 518, 519, 520):  # Administrator's memberships in a new forest root domain
            if rid in members and 500 in users:
                members[rid].add(500)
        for rid, member_rids in sorted(members.items()):
            group_entry = entries.get(rid)
            known = _DOMAIN_GROUP_BY_RID.get(rid)
            name = group_entry.name if group_entry else known.name if known else str(rid)
            description = (group_entry.description if group_entry else "") or (known.description if known else "")
            live = sorted((group_sid.child(m) for m in member_rids if m in users or m in members), key=_sid_order)
            domain_groups.append(Group(rid, name, group_sid.child(rid), description, tuple(live)))

    if is_dc:
        account_groups = domain_groups
        primary_groups = domain_groups
    else:
        local_users = tuple(sorted((u.sid for u in users.values()), key=_sid_order))
        account_groups = [Group(513, "None", account_sid.child(513), _NONE_GROUP_DESCRIPTION, local_users)]
        primary_groups = domain_groups

    # ---- aliases -------------------------------------------------------------------------------
    def member_sid(ref: _Ref) -> Sid | None:
        if ref.kind == "sid":
            return ref.sid
        if ref.kind == "builtin":
            return BUILTIN_DOMAIN_SID.child(ref.rid) if ref.rid in builtin_table else None
        if ref.kind == "user":
            return account_sid.child(ref.rid) if ref.rid in users else None
        if ref.kind == "group":
            return group_sid.child(ref.rid) if group_sid is not None and group_sid.child(ref.rid) in group_sids else None
        return account_sid.child(ref.rid) if ref.rid in account_table else None

    group_sids = {g.sid for g in domain_groups}
    builtin_table: dict[int, tuple[str, str, set[Sid]]] = {}
    account_table: dict[int, tuple[str, str, set[Sid]]] = {}
    for builtin in BUILTIN_ALIASES:
        if role in builtin.roles and version >= builtin.since:
            builtin_table[builtin.rid] = (builtin.name, builtin.description, set())
    if is_dc:
        for standard in _DOMAIN_ALIASES:
            if version >= standard.since:
                account_table[standard.rid] = (standard.name, standard.description, set())
    alias_entries = [e for e in present if e.kind == "alias"]
    for entry in alias_entries:
        if builtin_alias(entry.rid) is not None:
            if entry.rid in builtin_table:  # else this release / role has no such BUILTIN alias
                name, description, sids = builtin_table[entry.rid]
                builtin_table[entry.rid] = (name, entry.description or description, sids)
        elif entry.rid not in _DOMAIN_ALIAS_BY_RID or is_dc:  # 517/553/571/572 are a DC's
            account_table[entry.rid] = (entry.name, entry.description, set())
    for entry in alias_entries:
        table = builtin_table if builtin_alias(entry.rid) is not None else account_table
        if entry.rid in table:
            table[entry.rid][2].update(s for s in map(member_sid, entry.member_refs) if s is not None)
    for entry in present:
        if entry.kind == "user" and entry.rid in users:
            for ref in entry.group_refs:
                table = builtin_table if ref.kind == "builtin" else account_table
                if ref.kind in ("builtin", "alias") and ref.rid in table:
                    table[ref.rid][2].add(account_sid.child(entry.rid))

    # Windows' default memberships (a fresh SAM, or dcpromo).
    def add_default(rid: int, *sids: Sid | None) -> None:
        if rid in builtin_table:
            builtin_table[rid][2].update(s for s in sids if s is not None)

    def gsid(rid: int) -> Sid | None:
        return group_sid.child(rid) if group_sid is not None else None

    add_default(544, account_sid.child(500), gsid(512), gsid(519) if is_dc else None)
    add_default(545, AUTHENTICATED_USERS, INTERACTIVE, gsid(513))
    if not is_dc:  # `net user NAME /add` puts a new local account straight into Users
        add_default(545, *(u.sid for u in users.values() if u.rid >= 1000 and u.account_type == "normal"))
    add_default(546, account_sid.child(501), gsid(514))
    add_default(560, Sid.parse("S-1-5-9"))  # ENTERPRISE DOMAIN CONTROLLERS
    add_default(568, Sid.parse("S-1-5-17"))  # IUSR
    if 554 in builtin_table:
        wanted: Sequence[Sid | str] = [AUTHENTICATED_USERS] if pre2000_members is None else pre2000_members
        resolver = _Resolver(spec, r)
        chosen: set[Sid] = set()
        for index, item in enumerate(wanted):
            if isinstance(item, Sid):
                chosen.add(item)
                continue
            ref = resolver.resolve(f"pre2000_compatible_access_members[{index}]", item,
                                   allowed=("user", "group", "alias", "sid"))
            sid = member_sid(ref)
            if sid is not None:
                chosen.add(sid)
        name, description, _ = builtin_table[554]
        builtin_table[554] = (name, description, chosen)

    def make_aliases(table: dict[int, tuple[str, str, set[Sid]]], dom_sid: Sid) -> tuple[Alias, ...]:
        return tuple(
            Alias(rid, name, dom_sid.child(rid), description, tuple(sorted(sids, key=_sid_order)))
            for rid, (name, description, sids) in sorted(table.items())
        )

    account_domain = SamDomain(
        name=account_name,
        sid=account_sid,
        users=tuple(users[rid] for rid in sorted(users)),
        groups=tuple(sorted(account_groups, key=lambda g: g.rid)),
        aliases=make_aliases(account_table, account_sid),
        password_policy=spec.password_policy,
        lockout_policy=spec.lockout_policy,
    )
    builtin_domain = SamDomain(name="BUILTIN", sid=BUILTIN_DOMAIN_SID, aliases=make_aliases(builtin_table, BUILTIN_DOMAIN_SID))
    if domain is None:
        primary_domain = PrimaryDomain(spec.workgroup, None, None, None, None, ())
    else:
        primary_domain = PrimaryDomain(domain.name, domain.dns_name, domain.sid, domain.guid,
                                       domain.forest_dns_name, tuple(primary_groups))

    # ---- shares --------------------------------------------------------------------------------
    system_root = _system_root(os_version)
    ipc = Share("IPC$", "ipc", True, "Remote IPC", "")
    shares: list[Share] = []
    for share, roles in spec.shares:
        if role not in roles:
            continue
        if share.name.lower() == "ipc$":
            ipc = Share("IPC$", "ipc", True, share.comment or ipc.comment, "")
            continue
        path = _SYSTEM_ROOT_TOKEN.sub(lambda _: system_root, share.path)
        shares.append(Share(share.name, share.type, share.special, share.comment, path))

    return Directory(
        role=role,
        source=spec.source,
        machine=spec.machine,
        domain=spec.domain,
        account_domain=account_domain,
        builtin_domain=builtin_domain,
        primary_domain=primary_domain,
        shares=(ipc, *shares),
    )


# --------------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------------

def builtin_data_dir(package: str, folder: str) -> Path:
    """The directory of a data package (``smbemu_fixtures`` / ``smbemu_policies``, mapped from the
    repository's ``fixtures/`` / ``policies/`` by pyproject), else ``<repo>/<folder>`` in a checkout."""
    # find_spec rather than importlib.resources: resources.files() fails on a namespace package
    # installed by setuptools' editable finder (Python 3.11: "MultiplexedPath only supports directories").
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        candidate = Path(location)
        if candidate.is_dir() and any(candidate.glob("*.yaml")):
            return candidate
    return Path(__file__).resolve().parent.parent / folder


def _builtin_fixture_dir() -> Path:
    return builtin_data_dir("smbemu_fixtures", "fixtures")


def list_fixtures() -> list[str]:
    """Names of the built-in fixtures (``corp``, ``minimal``, ...)."""
    return sorted(p.stem for p in _builtin_fixture_dir().glob("*.yaml") if not p.name.startswith("_"))


def _sid_order(sid: Sid) -> tuple[int, int, tuple[int, ...]]:
    """Sid's own ordering as a key: sorting 100,000 SIDs by it avoids a Python __lt__ per comparison."""
    return (sid.revision, sid.authority, sid.sub_authorities)


def fixture_path(name_or_path: str | Path | None = None) -> tuple[Path, str]:
    """Resolve a fixture name (built-in) or path; return (path, the name errors show)."""
    if name_or_path is None:
        name_or_path = DEFAULT_FIXTURE
    text = str(name_or_path)
    builtin = _builtin_fixture_dir()
    if isinstance(name_or_path, str) and "/" not in text and "\\" not in text and not text.endswith((".yaml", ".yml", ".json")):
        candidate = builtin / f"{text}.yaml"
        if candidate.is_file():
            return candidate, f"fixtures/{candidate.name}"
        raise ConfigError("--fixture", "", f"no built-in fixture named {text!r}; available: {', '.join(list_fixtures())} (or give a path)")
    path = Path(name_or_path)
    if not path.is_file():
        raise ConfigError(text, "", "no such file")
    try:
        if path.resolve().parent == builtin.resolve():
            return path, f"fixtures/{path.name}"
    except OSError:  # pragma: no cover
        pass
    return path, text


def load_fixture(
    path: str | Path | None = None,
    *,
    role: str = "member",
    os_version: tuple[int, int] | None = None,
    guest_enabled: bool | None = None,
    pre2000_members: Sequence[Sid | str] | None = None,
) -> Directory:
    """Load and validate a fixture file and build its directory for ``role``.

    ``path`` None loads the built-in ``fixtures/corp.yaml``; a bare name (``"minimal"``) loads that
    built-in fixture. ``os_version`` (e.g. ``(5, 0)``) picks the BUILTIN aliases and default accounts
    that release had and expands ``%SystemRoot%`` in share paths (None: every BUILTIN alias, no
    release-specific account such as DefaultAccount, ``C:\\Windows``); ``guest_enabled`` (from the profile)
    overrides the Guest account's ``disabled`` flag; ``pre2000_members`` sets the members of
    Pre-Windows 2000 Compatible Access on a DC (default: Authenticated Users).
    """
    file, source = fixture_path(path)
    return directory_from_dict(
        read_fixture_data(file, source), source=source, role=role, os_version=os_version,
        guest_enabled=guest_enabled, pre2000_members=pre2000_members,
    )


def read_fixture_data(file: Path, source: str) -> Any:
    """The fixture document in `file`, not yet validated: YAML, or JSON for a ``.json`` file
    (the same format; a generated 100,000-user fixture parses in under a second as JSON,
    against half a minute as YAML)."""
    if file.suffix.lower() != ".json":
        return read_yaml(file, source)
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(source, f"line {exc.lineno}", f"not valid JSON: {exc.msg}") from None


def directory_from_dict(
    data: object,
    source: str = "<dict>",
    *,
    role: str = "member",
    os_version: tuple[int, int] | None = None,
    guest_enabled: bool | None = None,
    pre2000_members: Sequence[Sid | str] | None = None,
) -> Directory:
    """Validate fixture data already parsed from YAML (or built in code) and build its directory."""
    if role not in ROLES:
        raise ConfigError(source, "role", f"{role!r} is not a role; allowed: {', '.join(ROLES)}")
    spec = _read_fixture(data, source)
    return _build(spec, role, os_version, guest_enabled, pre2000_members)


def make_large_fixture(n_users: int, *, password: str = "Passw0rd!", n_groups: int = 20) -> dict[str, Any]:
    """A fixture dict with ``n_users`` ordinary users (plus Administrator and Guest) for paging tests.

    Users are ``user00001``… (RIDs from 1104), all sharing ``password``, spread over ``n_groups``
    groups (RIDs from 1001, group 1 nested in group 2). Feed it to `directory_from_dict`.
    """
    hashed = nt_hash(password).hex()
    lm = lm_hash(password)
    width = max(5, len(str(n_users)))
    users: list[dict[str, Any]] = [
        {"name": "Administrator", "rid": 500, "password": password},
        {"name": "Guest", "rid": 501, "disabled": True},
    ]
    groups: list[dict[str, Any]] = [
        {"name": f"Team{g + 1:03d}", "rid": 1001 + g, "description": f"Generated group {g + 1}"} for g in range(n_groups)
    ]
    if n_groups >= 2:
        groups[1]["members"] = [groups[0]["name"]]
    for i in range(n_users):
        user: dict[str, Any] = {
            "name": f"user{i + 1:0{width}d}",
            "rid": 1104 + i,
            "full_name": f"Generated User {i + 1}",
            "description": f"Paging test account {i + 1}",
            "nt_hash": hashed,
        }
        if lm is not None:
            user["lm_hash"] = lm.hex()
        if n_groups:
            user["groups"] = ["Domain Users", groups[i % n_groups]["name"]]
        users.append(user)
    return {
        "machine": {"netbios_name": "BIGSRV", "dns_name": "bigsrv.big.local", "sid": "S-1-5-21-1111111111-2222222222-3333333333"},
        "domain": {
            "name": "BIG", "dns_name": "big.local", "sid": "S-1-5-21-4044444444-555555555-666666666",
            "password_policy": {"min_length": 7, "history": 24, "max_age_days": 42, "min_age_days": 1, "complexity": True},
            "lockout_policy": {"threshold": 0, "duration_minutes": 30, "window_minutes": 30},
        },
        "users": users,
        "groups": groups,
        "aliases": [],
        "shares": [],
    }
