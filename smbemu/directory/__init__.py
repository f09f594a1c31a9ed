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
  The accounts the release's Setup created come first (`standard.local_defaults`: XP's HelpAssistant,
  HelpServicesGroup and SUPPORT_388945a0 at 1000-1002, 2019's WDAGUtilityAccount 504), then the
  fixture's, numbered after them.
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

The records are immutable. What changes at run time: `AccountState`, one small mutable record per
user holding the counters that logons and lockout change (bad_password_count, logon_count,
last_logon, locked), and the SAM itself through `DirectoryChanges` (`changes`: users created,
changed and deleted, memberships, passwords checked against the password policy -- SAMR's writes),
which replaces records and keeps each server's directory its own.

The package follows those steps: `model` (the records), `lookup` (`Directory` and its queries),
`standard` (what Windows adds by itself), `reader` and `fixture` (loading and validation, pass 1),
`build` (pass 2, the role rule), `loading` (the entry points), `changes` and `sam_crypto` (changes
at run time and the SAMR password buffers) and `generate` (synthetic directories for benchmarks). Everything public is importable from ``smbemu.directory``.
"""

from __future__ import annotations

from smbemu.directory.generate import make_large_fixture
from smbemu.directory.loading import (
    builtin_data_dir,
    directory_from_dict,
    fixture_path,
    list_fixtures,
    load_fixture,
    read_fixture_data,
)
from smbemu.directory.lookup import Directory
from smbemu.directory.model import (
    DEFAULT_FIXTURE,
    ROLES,
    AccountState,
    Alias,
    DomainInfo,
    Group,
    LockoutPolicy,
    Machine,
    NameLookup,
    PasswordPolicy,
    PrimaryDomain,
    Role,
    SamDomain,
    Share,
    SidLookup,
    User,
    UserAccountControl,
)

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
    "builtin_data_dir",
    "read_fixture_data",
    "DEFAULT_FIXTURE",
]
