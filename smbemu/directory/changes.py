"""SAM changes at run time: users created, changed and deleted, group and alias memberships,
passwords checked against the domain's password policy (what SAMR's write calls do, MS-SAMR
3.1.5.4-3.1.5.10).

The records stay immutable: a change builds the new record and hands the new sequence to the
`SamDomain` (`SamDomain.replace_accounts`), whose object identity does not change, then rebuilds the
directory's membership indexes.  Every later question -- an enumeration, a lookup, LSA's name
translation, a logon's `find_user` / ``nt_hash`` -- sees the change, on every connection: the server
runs every connection in one asyncio thread and a change is one synchronous call, so two clients
changing the same account see the changes one after the other, never half of one (no lost update).

A refused change raises `smbemu.errors.ChangeRefused` with the NTSTATUS MS-SAMR names for it; the
caller (the SAMR handler) returns it.  The password buffers of the SAMR calls are decrypted here too
(`clear_password_for`, `proven_password`: `smbemu.directory.sam_crypto`), next to the hashes they
are checked against.  Changes live in memory until the server stops (or SIGHUP reloads the fixture).
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from datetime import datetime, timezone
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from smbemu.auth.ntlm_crypto import lm_owf_v1, nt_owf_v1
from smbemu.directory import domain_settings, dpapi_backup_keys, sam_crypto
from smbemu.directory.model import Alias, AccountState, Group, User
from smbemu.errors import ChangeRefused
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.directory.model import PrimaryDomain, SamDomain
    from smbemu.sid import Sid

__all__ = ["ChangeRefused", "DirectoryChanges", "password_problem"]

#: sAMAccountName: at most 20 characters, none of ``" / \ [ ] : ; | = , + * ? < >`` (MS-ADTS
#: 3.1.1.5.2.2 / MS-SAMR 3.1.5.4.4 "Name" constraints; the local SAM uses the same rule).
_BAD_NAME: Final = re.compile(r'["/\\\[\]:;|=,+*?<>]')
MAX_NAME_LENGTH: Final = 20
#: The first RID Windows gives an account it creates (MS-SAMR 3.1.1.6: RIDs below 1000 are
#: reserved for well-known accounts).
FIRST_RID: Final = 1000
#: Primary group of a new account on a DC (MS-SAMR 3.1.1.8.10 primaryGroupID: Domain Users 513,
#: Domain Computers 515, Domain Controllers 516).
_DC_PRIMARY_GROUP: Final = {"normal": 513, "workstation": 515, "server": 516, "interdomain": 513}


def password_problem(user: User, password: str, domain: SamDomain, history: list[bytes] | None) -> str | None:
    """Why ``password`` breaks the domain's password policy for ``user`` (None: it does not).

    MS-SAMR 3.1.1.7.1 / MS-ADTS 3.1.1.8.? "password policy": minimum length, the complexity rule
    (the account name or a 3+ character part of the full name is not in it, and it has characters
    of three of the four classes: upper case, lower case, digits, others -- the Windows
    "Password must meet complexity requirements" text), and the history (the last ``history``
    passwords, the current one included).  Machine accounts are not checked: their password
    information is zero (SamrGetUserDomainPasswordInformation, MS-SAMR 3.1.5.13.2)."""
    if user.account_type != "normal":
        return None
    policy = domain.password_policy
    if len(password) < policy.min_length:
        return f"shorter than the minimum length {policy.min_length}"
    if policy.complexity:
        lower = password.lower()
        if len(user.name) >= 3 and user.name.lower() in lower:
            return "contains the account name"
        for part in re.split(r"[,.\-_#\s]+", user.full_name):
            if len(part) >= 3 and part.lower() in lower:
                return "contains part of the full name"
        classes = sum((any(c.isupper() for c in password), any(c.islower() for c in password),
                       any(c.isdigit() for c in password),
                       any(not c.isalnum() for c in password)))
        if classes < 3:
            return "has characters of fewer than three classes (complexity)"
    if history is not None and policy.history and nt_owf_v1(password) in history[-policy.history:]:
        return f"is one of the last {policy.history} passwords (history)"
    return None


class DirectoryChanges:
    """The change methods of `smbemu.directory.Directory` (a mixin: the attributes named here are
    the directory's)."""

    account_domain: SamDomain
    builtin_domain: SamDomain
    primary_domain: PrimaryDomain
    role: str
    _states: dict[int, AccountState]

    def _init_changes(self) -> None:
        #: mS-DS-CreatorSID of the accounts added through the machine-account quota, by RID.
        self._creators: dict[int, Sid] = {}
        #: NT hashes of the previous passwords (the current one last), by RID.
        self._history: dict[int, list[bytes]] = {}
        #: How many changes were made (DomainModifiedCount grows with it, MS-SAMR 2.2.4.1).
        self.changes = 0
        #: The LSA account objects once a client changed them (MS-LSAD 3.1.1.2: SID -> the
        #: privileges and rights it holds); None = the role's default assignment.
        self.lsa_accounts: dict[str, list[str]] | None = None
        #: The LSA secrets once used (pipes/lsarpc/secrets.py): name -> current / old value (hex)
        #: and their FILETIMEs; None = not yet seeded.
        self.lsa_secrets: dict[str, dict[str, Any]] | None = None
        #: The LSA policy settings an administrator changed (pipes/lsarpc/policy_writes.py: audit
        #: events, domain policies, security descriptors), by setting name; None = the defaults.
        self.lsa_policy: dict[str, Any] | None = None
        #: The SAM domain settings SamrSetInformationDomain changed, exactly as set (wire units,
        #: `smbemu.directory.domain_settings`), by domain SID; None = the fixture's.
        self.domain_settings: dict[str, dict[str, Any]] | None = None
        #: Called with the directory after every change (``--state``: `smbemu.directory.persist`).
        self.on_change: Callable[[Any], None] | None = None

    def _index(self) -> None:  # pragma: no cover - the directory's own
        raise NotImplementedError

    def _changed(self) -> None:
        self.changes += 1
        self._index()
        if self.on_change is not None:
            self.on_change(self)

    # -- users -------------------------------------------------------------------------------

    def next_rid(self) -> int:
        """The RID of the next account: one above every account RID of the domain, from 1000."""
        domain = self.account_domain
        accounts: list[User | Group | Alias] = [*domain.users, *domain.groups, *domain.aliases]
        return max([FIRST_RID - 1, *(account.rid for account in accounts)]) + 1

    def check_new_name(self, name: str) -> None:
        """MS-SAMR 3.1.5.4.4: a valid sAMAccountName not used by any account of the domain or
        Builtin (STATUS_INVALID_ACCOUNT_NAME, STATUS_USER_EXISTS / GROUP_EXISTS / ALIAS_EXISTS)."""
        if not name or len(name) > MAX_NAME_LENGTH or _BAD_NAME.search(name) or name.strip(" .") == "":
            raise ChangeRefused(NtStatus.INVALID_ACCOUNT_NAME, f"{name!r} is not a valid account name")
        for domain in (self.account_domain, self.builtin_domain):
            existing = domain.by_name(name)
            if isinstance(existing, User):
                raise ChangeRefused(NtStatus.USER_EXISTS, f"{name!r} already exists")
            if isinstance(existing, Group):
                raise ChangeRefused(NtStatus.GROUP_EXISTS, f"{name!r} is a group")
            if existing is not None:
                raise ChangeRefused(NtStatus.ALIAS_EXISTS, f"{name!r} is an alias")

    def create_user(self, name: str, account_type: str = "normal", *, creator: Sid | None = None,
                    now: datetime | None = None) -> User:
        """A new account as SamrCreateUser2InDomain makes it: disabled, password not required,
        "must change password" (pwdLastSet 0) -- the defaults of MS-ADTS 3.1.1.8.x / the Win32
        "Creating a User" page (UF_ACCOUNTDISABLE | UF_PASSWD_NOTREQD | the type) -- in its
        primary group.  ``creator`` is the mS-DS-CreatorSID of an account added under the
        machine-account quota."""
        self.check_new_name(name)
        rid = self.next_rid()
        domain = self.account_domain
        primary = _DC_PRIMARY_GROUP.get(account_type, 513) if self.role == "dc" else 513
        user = User(rid=rid, name=name, sid=domain.sid.child(rid), disabled=True,
                    password_not_required=True, must_change_password=True,
                    account_type=account_type,  # type: ignore[arg-type]
                    last_password_change=now or datetime.now(timezone.utc),
                    primary_group_rid=primary)
        groups = list(domain.groups)
        for index, group in enumerate(groups):
            # primary-group membership is listed (the fixture's rule, smbemu.directory.build)
            if group.rid == primary and (self.role == "dc" or account_type == "normal"):
                groups[index] = dataclasses.replace(group, members=(*group.members, user.sid))
        self._states[rid] = AccountState()
        if creator is not None:
            self._creators[rid] = creator
        domain.replace_accounts(users=(*domain.users, user), groups=tuple(groups))
        self._changed()
        return user

    def delete_user(self, user: User) -> None:
        """SamrDeleteUser (MS-SAMR 3.1.5.7.3): RIDs below 1000 are refused; the account leaves
        every group and alias."""
        if user.rid < FIRST_RID:
            raise ChangeRefused(NtStatus.SPECIAL_ACCOUNT, f"{user.name} is a built-in account")
        domain = self.account_domain
        domain.replace_accounts(
            users=tuple(u for u in domain.users if u.rid != user.rid),
            groups=tuple(_without(g, user.sid) for g in domain.groups),
            aliases=tuple(_without(a, user.sid) for a in domain.aliases))
        self.builtin_domain.replace_accounts(
            aliases=tuple(_without(a, user.sid) for a in self.builtin_domain.aliases))
        primary = self.primary_domain
        if self.role == "member" and primary.sid is not None:
            # the person's domain account of the member shortcut (smbemu.directory) goes with it
            shortcut = primary.sid.child(user.rid)
            self.primary_domain = dataclasses.replace(
                primary, groups=tuple(_without(g, shortcut) for g in primary.groups))
        self._states.pop(user.rid, None)
        self._creators.pop(user.rid, None)
        self._history.pop(user.rid, None)
        self._changed()

    def update_user(self, user: User, **fields: Any) -> User:
        """The account with ``fields`` changed (names, comments, control bits, expiry...)."""
        current = self.account_domain.user(user.rid)
        if current is None:
            raise ChangeRefused(NtStatus.NO_SUCH_USER, f"{user.name} no longer exists")
        if "name" in fields and fields["name"].lower() != current.name.lower():
            self.check_new_name(fields["name"])
        changed = dataclasses.replace(current, **fields)
        domain = self.account_domain
        domain.replace_accounts(users=tuple(changed if u.rid == user.rid else u for u in domain.users))
        self._changed()
        return changed

    def creator_of(self, user: User) -> Sid | None:
        return self._creators.get(user.rid)

    def accounts_created_by(self, creator: Sid) -> int:
        """How many accounts ``creator`` added under the machine-account quota (and still exist)."""
        return sum(1 for sid in self._creators.values() if sid == creator)

    # -- passwords ---------------------------------------------------------------------------

    def password_history(self, user: User) -> list[bytes]:
        return self._history.setdefault(user.rid, [user.nt_hash] if user.nt_hash else [])

    def set_password(self, user: User, password: str, *, check_history: bool, expired: bool = False,
                     now: datetime | None = None) -> User:
        """A new password for ``user`` after the policy check (STATUS_PASSWORD_RESTRICTION):
        a change (SamrUnicodeChangePasswordUser2) checks the history too, an administrator's reset
        does not (MS-SAMR 3.1.5.6.4.x: "password history ... not enforced on a reset", U).
        ``expired`` = "user must change password at next logon" (PasswordExpired, 2.2.6.x)."""
        history = self.password_history(user)
        problem = password_problem(user, password, self.account_domain, history if check_history else None)
        if problem:
            raise ChangeRefused(NtStatus.PASSWORD_RESTRICTION, f"the new password of {user.name} {problem}")
        if check_history:
            self.check_password_age(user, now)
        nt_hash = nt_owf_v1(password)
        # no LM hash for a password longer than 14 characters (LMOWFv1 cannot hold it, MS-NLMP 3.3.1)
        lm_hash = lm_owf_v1(password) if len(password) <= 14 else None
        return self.set_password_hashes(user, nt_hash, lm_hash, expired=expired, now=now)

    def check_password_age(self, user: User, now: datetime | None = None) -> None:
        """A user's own change within the domain's minimum password age is refused with
        STATUS_PASSWORD_RESTRICTION (the minPwdAge rule of MS-ADTS 3.1.1.3.1.5 / MS-SAMR
        3.1.1.8.x; W: Samba's password_hash module, checked against Windows by smbtorture's
        samr tests, answers the same); an account that must change its password is not held
        back, nor are machine accounts."""
        days = self.account_domain.password_policy.min_age_days
        last = user.last_password_change
        if not days or last is None or user.account_type != "normal" or user.must_change_password \
                or user.password_expired:
            return
        now = now or datetime.now(timezone.utc)
        if (now - last).total_seconds() < days * 86400:
            raise ChangeRefused(NtStatus.PASSWORD_RESTRICTION,
                                f"{user.name} changed the password less than {days} day(s) ago (minimum password age)")

    def set_password_hashes(self, user: User, nt_hash: bytes, lm_hash: bytes | None, *, expired: bool = False,
                            now: datetime | None = None) -> User:
        """The account's new hashes, kept in its history (the checks are the caller's)."""
        history = self.password_history(user)
        history.append(nt_hash)
        del history[:-24]  # the longest history Windows keeps (PasswordHistoryLength <= 24)
        return self.update_user(user, nt_hash=nt_hash, lm_hash=lm_hash, must_change_password=expired,
                                password_expired=False,
                                last_password_change=now or datetime.now(timezone.utc))

    @staticmethod
    def clear_password_for(buffer: bytes, session_key: bytes) -> str | None:
        """The password of a SamrSetInformationUser2 buffer (classes 23-26), or None."""
        return sam_crypto.decrypt_with_session_key(buffer, session_key)

    def proven_password(self, user: User, new_encrypted: bytes, old_encrypted_with_new: bytes) -> str | None:
        """The new password of a SamrUnicodeChangePasswordUser2 whose caller knows ``user``'s
        current one, or None (an account without a password has the empty one's hash)."""
        return sam_crypto.proven_password(user.nt_hash or nt_owf_v1(""), new_encrypted, old_encrypted_with_new)

    def proven_owf_change(self, user: User, new_nt_encrypted: bytes, old_nt_encrypted: bytes) -> bytes | None:
        """The new NT hash of a SamrChangePasswordUser whose caller knows ``user``'s current one."""
        return sam_crypto.proven_owf_change(user.nt_hash or nt_owf_v1(""), new_nt_encrypted, old_nt_encrypted)

    @staticmethod
    def decrypt_hash(data: bytes, key: bytes) -> bytes:
        return sam_crypto.decrypt_hash(data, key)

    def change_password_hash(self, user: User, new_nt: bytes, new_lm: bytes | None) -> User:
        """A user's own change given as hashes (SamrChangePasswordUser): the history and the minimum
        age apply; the length and complexity rules cannot be checked against a hash (U: Windows)."""
        policy = self.account_domain.password_policy
        history = self.password_history(user)
        if user.account_type == "normal" and policy.history and new_nt in history[-policy.history:]:
            raise ChangeRefused(NtStatus.PASSWORD_RESTRICTION,
                                f"the new password of {user.name} is one of the last {policy.history} passwords (history)")
        self.check_password_age(user)
        return self.set_password_hashes(user, new_nt, new_lm)

    def proven_oem_password(self, user: User, new_encrypted: bytes, old_encrypted_with_new: bytes) -> str | None:
        """The same for SamrOemChangePasswordUser2: under the LM hash (None without one)."""
        if user.lm_hash is None:
            return None
        return sam_crypto.proven_oem_password(user.lm_hash, new_encrypted, old_encrypted_with_new)

    def set_lsa_accounts(self, accounts: dict[str, list[str]]) -> None:
        """The LSA account objects after LsarCreateAccount / LsarAddAccountRights / ... ."""
        self.lsa_accounts = accounts
        self._changed()

    def set_lsa_secrets(self, secrets: dict[str, dict[str, Any]]) -> None:
        """The LSA secrets after LsarCreateSecret / LsarSetSecret / LsarStorePrivateData / ... ."""
        self.lsa_secrets = secrets
        self._changed()

    def lsa_secret_table(self, *, backup_keys: bool = False) -> dict[str, dict[str, Any]]:
        """The LSA secrets (seeded with DPAPI_SYSTEM on first use); ``backup_keys``: on a DC, with
        the domain's DPAPI backup keys, created the first time they are asked for
        (`smbemu.directory.dpapi_backup_keys`, MS-BKRP 3.1.1)."""
        secrets = dpapi_backup_keys.seeded_secrets(self)
        if backup_keys and self.role == "dc":
            domain = self.primary_domain
            table = dpapi_backup_keys.with_backup_keys(secrets, domain.dns_name or domain.name)
            if table is not None:
                self.set_lsa_secrets(table)
                secrets = table
        return secrets

    def backup_key(self, kind: str, key_guid: uuid.UUID | None = None) -> tuple[uuid.UUID, bytes] | None:
        """A DC's DPAPI backup key secret (MS-BKRP 3.1.1): ``kind`` "server_wrap" (pointed to by
        ``G$BCKUPKEY_P``) or "client_wrap" (``G$BCKUPKEY_PREFERRED``); ``key_guid`` None for the
        current one.  Its GUID and value, or None."""
        pointer = (dpapi_backup_keys.SERVER_WRAP_SECRET if kind == "server_wrap"
                   else dpapi_backup_keys.PREFERRED_SECRET)
        return dpapi_backup_keys.backup_key(self.lsa_secret_table(backup_keys=True), pointer, key_guid)

    def set_lsa_policy(self, settings: dict[str, Any]) -> None:
        """The LSA policy settings after LsarSetInformationPolicy / LsarSetSecurityObject / ... ."""
        self.lsa_policy = settings
        self._changed()

    def set_domain_settings(self, domain: SamDomain, values: dict[str, Any]) -> None:
        """SamrSetInformationDomain (MS-SAMR 3.1.5.6.1): ``values`` (wire units) kept for the
        queries and applied to the domain's password and lockout policies."""
        settings = dict(self.domain_settings or {})
        settings[str(domain.sid)] = {**settings.get(str(domain.sid), {}), **values}
        self.domain_settings = settings
        domain_settings.apply_settings(domain, settings[str(domain.sid)])
        self._changed()

    def load_domain_settings(self, settings: dict[str, dict[str, Any]]) -> None:
        """The settings of a ``--state`` file, applied to the domains they name (no change counted)."""
        self.domain_settings = settings
        for domain in (self.account_domain, self.builtin_domain):
            if str(domain.sid) in settings:
                domain_settings.apply_settings(domain, settings[str(domain.sid)])

    @staticmethod
    def encrypt_secret(value: bytes, session_key: bytes) -> bytes:
        return sam_crypto.encrypt_secret(value, session_key)

    @staticmethod
    def decrypt_secret(cipher: bytes, session_key: bytes) -> bytes | None:
        return sam_crypto.decrypt_secret(cipher, session_key)

    # -- groups and aliases -------------------------------------------------------------------

    def create_container(self, domain: SamDomain, name: str, kind: str) -> Group | Alias:
        """SamrCreateGroupInDomain / SamrCreateAliasInDomain (MS-SAMR 3.1.5.4.2-3): a new, empty
        group or alias under the next RID, the name checked as an account name (3.1.5.4.4's
        rules: STATUS_INVALID_ACCOUNT_NAME, STATUS_USER_EXISTS / GROUP_EXISTS / ALIAS_EXISTS)."""
        self.check_new_name(name)
        rid = self.next_rid()
        created = (Group if kind == "group" else Alias)(rid=rid, name=name, sid=domain.sid.child(rid))
        if isinstance(created, Group):
            domain.replace_accounts(groups=(*domain.groups, created))
        else:
            domain.replace_accounts(aliases=(*domain.aliases, created))
        self._changed()
        return created

    def delete_container(self, container: Group | Alias) -> None:
        """SamrDeleteGroup / SamrDeleteAlias (MS-SAMR 3.1.5.7.1-2): well-known RIDs (< 1000) are
        refused with STATUS_SPECIAL_ACCOUNT; a group that is some user's primary group with
        STATUS_MEMBER_IN_GROUP (3.1.5.7.1: "the group ... is the primary group of a member");
        the SID leaves every alias it was a member of."""
        current = self._container(container)
        if current.rid < FIRST_RID:
            raise ChangeRefused(NtStatus.SPECIAL_ACCOUNT, f"{current.name} is a built-in group")
        domain = self.account_domain if current.sid.is_in(self.account_domain.sid) else self.builtin_domain
        if isinstance(current, Group):
            if any(u.primary_group_rid == current.rid for u in domain.users):
                raise ChangeRefused(NtStatus.MEMBER_IN_GROUP, f"{current.name} is a user's primary group")
            domain.replace_accounts(groups=tuple(g for g in domain.groups if g.rid != current.rid))
        else:
            domain.replace_accounts(aliases=tuple(a for a in domain.aliases if a.rid != current.rid))
        for other in (self.account_domain, self.builtin_domain):
            other.replace_accounts(aliases=tuple(_without(a, current.sid) for a in other.aliases))
        self._changed()

    def update_container(self, container: Group | Alias, **fields: Any) -> Group | Alias:
        """SamrSetInformationGroup / Alias: a new name (checked as `check_new_name`) or comment."""
        current = self._container(container)
        if "name" in fields and fields["name"].lower() != current.name.lower():
            self.check_new_name(fields["name"])
        changed = dataclasses.replace(current, **fields)
        self._replace_container(changed)
        return changed

    # -- memberships -------------------------------------------------------------------------

    def add_member(self, container: Group | Alias, member: Sid) -> None:
        """SamrAddMemberToGroup / SamrAddMemberToAlias: STATUS_MEMBER_IN_GROUP / _IN_ALIAS when
        already there."""
        current = self._container(container)
        if member in current.members:
            raise ChangeRefused(NtStatus.MEMBER_IN_GROUP if isinstance(current, Group)
                                else NtStatus.MEMBER_IN_ALIAS, f"{member} is already in {current.name}")
        self._replace_container(dataclasses.replace(current, members=(*current.members, member)))

    def remove_member(self, container: Group | Alias, member: Sid) -> None:
        """SamrRemoveMemberFromGroup / Alias: STATUS_MEMBER_NOT_IN_GROUP / _NOT_IN_ALIAS; a user
        cannot leave its primary group (STATUS_MEMBERS_PRIMARY_GROUP, MS-SAMR 3.1.5.8.?)."""
        current = self._container(container)
        if member not in current.members:
            raise ChangeRefused(NtStatus.MEMBER_NOT_IN_GROUP if isinstance(current, Group)
                                else NtStatus.MEMBER_NOT_IN_ALIAS, f"{member} is not in {current.name}")
        if isinstance(current, Group) and member.is_in(self.account_domain.sid):
            user = self.account_domain.user(member.rid)
            if user is not None and user.primary_group_rid == current.rid:
                raise ChangeRefused(NtStatus.MEMBERS_PRIMARY_GROUP,
                                    f"{current.name} is the primary group of {user.name}")
        self._replace_container(dataclasses.replace(
            current, members=tuple(m for m in current.members if m != member)))

    def _container(self, container: Group | Alias) -> Group | Alias:
        for domain in (self.account_domain, self.builtin_domain):
            if container.sid.is_in(domain.sid):
                current = domain.by_rid(container.rid)
                if isinstance(current, type(container)):
                    return current
        missing = NtStatus.NO_SUCH_GROUP if isinstance(container, Group) else NtStatus.NO_SUCH_ALIAS
        raise ChangeRefused(missing, f"{container.name} no longer exists")

    def _replace_container(self, changed: Group | Alias) -> None:
        domain = self.account_domain if changed.sid.is_in(self.account_domain.sid) else self.builtin_domain
        if isinstance(changed, Group):
            domain.replace_accounts(groups=tuple(changed if g.rid == changed.rid else g for g in domain.groups))
        else:
            domain.replace_accounts(aliases=tuple(changed if a.rid == changed.rid else a for a in domain.aliases))
        self._changed()


def _without(container: Any, member: Sid) -> Any:
    if member in container.members:
        return dataclasses.replace(container, members=tuple(m for m in container.members if m != member))
    return container
