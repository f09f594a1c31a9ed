"""`Directory`: the machine's directory for one role, and the questions the server asks it — account
and share look-ups, name <-> SID translation (MS-LSAT), group and alias membership, token SIDs, and
the lockout counters of `AccountState`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone

from smbemu.directory.changes import DirectoryChanges
from smbemu.directory.model import (
    AccountState,
    Alias,
    DomainInfo,
    Group,
    Machine,
    NameLookup,
    PrimaryDomain,
    Role,
    SamDomain,
    Share,
    SidLookup,
    User,
)
from smbemu.sid import (
    AUTHENTICATED_USERS,
    BUILTIN_ADMINISTRATORS,
    BUILTIN_DOMAIN_SID,
    EVERYONE,
    NETWORK,
    Sid,
    SidNameUse,
    WELL_KNOWN,
    WELL_KNOWN_BY_NAME,
)


class Directory(DirectoryChanges):
    """The machine's directory for one role: account domain, BUILTIN, primary domain, shares.

    Built with `load_fixture` or `directory_from_dict`; the live counters are `state(user)`, and the
    SAM changes (users created, deleted and changed, memberships, passwords) are the methods of
    `DirectoryChanges` -- every later question sees them.
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
        # Its own SAM domain objects: the records are shared (immutable), the sequences a SAMR
        # change replaces (`DirectoryChanges`) are this directory's, so a change made on one
        # server never reaches another built from the same cached fixture.
        self.account_domain = dataclasses.replace(account_domain)
        self.builtin_domain = dataclasses.replace(builtin_domain)
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
        self._shares = {share.name.lower(): share for share in shares}
        #: Changes made at run time (SAMR writes): creator SIDs of accounts added under the
        #: machine-account quota, password histories, a change counter (`changes`).
        self._init_changes()
        self._index()

    def __repr__(self) -> str:
        return (
            f"<Directory {self.source} role={self.role} account_domain={self.account_domain.name} "
            f"users={len(self.account_domain.users)}>"
        )

    def _index(self) -> None:
        """(Re)build the reverse membership indexes: member SID -> SIDs of the groups / aliases
        that list it (after construction and after every change)."""
        account_domain, builtin_domain, primary_domain = self.account_domain, self.builtin_domain, self.primary_domain
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
        self._primary_groups_by_name: dict[str, User | Group | Alias] = {
            g.name.lower(): g for g in primary_domain.groups
        }

    def copy(self) -> Directory:
        """A directory of its own with this one's accounts as they are now (fresh counters)."""
        return Directory(role=self.role, source=self.source, machine=self.machine, domain=self.domain,
                         account_domain=self.account_domain, builtin_domain=self.builtin_domain,
                         primary_domain=self.primary_domain, shares=self.shares)

    # -- accounts ------------------------------------------------------------------------------

    @property
    def users(self) -> tuple[User, ...]:
        """The account domain's users, by RID."""
        return self.account_domain.users

    def find_user(self, name: str) -> User | None:
        """The account-domain user called ``name`` (case-insensitive); ``DOMAIN\\name`` and
        ``name@dns`` are accepted when they name the account domain."""
        account_name, domain = split_qualified(name)
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

    def shares_in_order(self, share_order: str) -> list[Share]:
        """The shares in the order a share enumeration lists them (srvsvc NetrShareEnum, RAP
        NetShareEnum), as the profile's ``identity.srvsvc.share_order`` says: "created" keeps
        this list's order (IPC$, the fixture's shares, then those added at run time); "name"
        sorts case-insensitively by name, as the SMB2-era server service lists them
        (policies/win2008.yaml cites the listing)."""
        if share_order == "name":
            return sorted(self.shares, key=lambda share: share.name.upper())
        return list(self.shares)

    @staticmethod
    def make_share(**fields: object) -> Share:
        """A share record (handlers build one without importing the model: NetrShareAdd)."""
        return Share(**fields)  # type: ignore[arg-type]

    def replace_shares(self, shares: tuple[Share, ...]) -> None:
        """The one way the share list changes (srvsvc NetrShareAdd / SetInfo / Del, MS-SRVS
        3.1.4.7-3.1.4.12): a new tuple, so readers that keyed a cache on the old one rebuild."""
        self.shares = shares
        self._shares = {share.name.lower(): share for share in shares}

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
        shortcut = None
        if self.role == "member" and self.primary_domain.sid is not None:
            # The shortcut described in the module docstring: the person's domain groups, which
            # list the domain account under the local RID -- unless that RID is a domain group's
            # own (an account created at run time has no domain account)
            shortcut = self.primary_domain.sid.child(user.rid)
            if shortcut in self._groups:
                shortcut = None
        if shortcut is not None:
            start.add(shortcut)
        sids = self._group_closure(start) | start
        if shortcut is not None:
            sids.discard(shortcut)
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
        account_name, domain = split_qualified(name)
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


def split_qualified(name: str) -> tuple[str, str | None]:
    name = name.strip()
    if "\\" in name:
        domain, _, account = name.partition("\\")
        return account, domain
    if "@" in name:
        account, _, domain = name.rpartition("@")
        return account, domain
    return name, None
