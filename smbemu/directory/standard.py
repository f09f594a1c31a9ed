"""The accounts and groups Windows creates by itself, which the directory adds when a fixture leaves
them out (krbtgt, Domain Admins, Cert Publishers, ...), with the release that introduced each."""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple


class Standard(NamedTuple):
    rid: int
    name: str
    description: str
    since: tuple[int, int]


# Global groups of every AD domain (rid 498 is domain-relative although below 500).
DOMAIN_GROUPS: tuple[Standard, ...] = (
    Standard(498, "Enterprise Read-only Domain Controllers", "Members of this group are Read-Only Domain Controllers in the enterprise", (6, 0)),
    Standard(512, "Domain Admins", "Designated administrators of the domain", (5, 0)),
    Standard(513, "Domain Users", "All domain users", (5, 0)),
    Standard(514, "Domain Guests", "All domain guests", (5, 0)),
    Standard(515, "Domain Computers", "All workstations and servers joined to the domain", (5, 0)),
    Standard(516, "Domain Controllers", "All domain controllers in the domain", (5, 0)),
    Standard(518, "Schema Admins", "Designated administrators of the schema", (5, 0)),
    Standard(519, "Enterprise Admins", "Designated administrators of the enterprise", (5, 0)),
    Standard(520, "Group Policy Creator Owners", "Members in this group can modify group policy for the domain", (5, 0)),
    Standard(521, "Read-only Domain Controllers", "Members of this group are Read-Only Domain Controllers in the domain", (6, 0)),
    Standard(522, "Cloneable Domain Controllers", "Members of this group that are domain controllers may be cloned.", (6, 2)),
    Standard(525, "Protected Users", "Members of this group are afforded additional protections against authentication security threats.", (6, 3)),
    Standard(526, "Key Admins", "Members of this group can perform administrative actions on key objects within the domain.", (10, 0)),
    Standard(527, "Enterprise Key Admins", "Members of this group can perform administrative actions on key objects within the forest.", (10, 0)),
)
# Domain-local groups of a DC's account domain. Cert Publishers was a global group on Windows 2000 and
# became domain-local with 2003; it is modelled as an alias on every release.
DOMAIN_ALIASES: tuple[Standard, ...] = (
    Standard(517, "Cert Publishers", "Members of this group are permitted to publish certificates to the directory", (5, 0)),
    Standard(553, "RAS and IAS Servers", "Servers in this group can access remote access properties of users", (5, 0)),
    Standard(571, "Allowed RODC Password Replication Group", "Members in this group can have their passwords replicated to all read-only domain controllers in the domain", (6, 0)),
    Standard(572, "Denied RODC Password Replication Group", "Members in this group cannot have their passwords replicated to any read-only domain controllers in the domain", (6, 0)),
)
DOMAIN_GROUP_BY_RID = {g.rid: g for g in DOMAIN_GROUPS}
DOMAIN_ALIAS_BY_RID = {a.rid: a for a in DOMAIN_ALIASES}
BUILTIN_USERS: dict[int, tuple[str, str]] = {
    500: ("Administrator", "Built-in account for administering the computer/domain"),
    501: ("Guest", "Built-in account for guest access to the computer/domain"),
    502: ("krbtgt", "Key Distribution Center Service Account"),
    503: ("DefaultAccount", "A user account managed by the system."),
}
BUILTIN_USERS[504] = ("WDAGUtilityAccount",
                      "A user account managed and used by the system for Windows Defender Application Guard scenarios.")
ALLOWED_USER_RIDS = "500, 501, 502, 503, 504 or 1000 and above"


class LocalDefault(NamedTuple):
    """An account a release's Setup puts in a machine's own SAM beside Administrator and Guest."""

    rid: int
    name: str
    full_name: str
    description: str
    fields: dict[str, bool]
    alias_members: tuple[int, ...] = ()  # an alias (these are its members' RIDs); () = a user


#: Windows XP's (member or workgroup): Remote Assistance's HelpAssistant (1000), the Help and Support
#: Center's group (1001) and vendor account (1002), all three before the first account of the
#: machine's owner (1003). As enum4linux lists an XP SP2 workgroup machine (ELS-WINXP: RIDs
#: 0x3e8 / 0x3e9 alias / 0x3ea, acb 0x211 = disabled, normal, password never expires; the owner's
#: accounts from 0x3eb; published write-up) and the m57-jean XP SAM hive shows them (samparser's
#: sample output: the same names, full names, comments and flags; users from 1003). 2003 has
#: SUPPORT_388945a0 and HelpServicesGroup too (nmap smb-enumusers' documented output; a 2003 SP2
#: enumeration lists them at 1004 / 1003), but a fresh 2003's numbering was not found in a
#: source: not modelled there.
_XP_DEFAULTS = (
    LocalDefault(1000, "HelpAssistant", "Remote Desktop Help Assistant Account", "Account for Providing Remote Assistance",
                 {"disabled": True, "password_never_expires": True}),
    LocalDefault(1001, "HelpServicesGroup", "", "Group for the Help and Support Center", {}, alias_members=(1002,)),
    LocalDefault(1002, "SUPPORT_388945a0", "CN=Microsoft Corporation,L=Redmond,S=Washington,C=US",
                 "This is a vendor's account for the Help and Support Service",
                 {"disabled": True, "password_never_expires": True}),
)
#: Windows 10 1709+ / Server 2019+ (build 17763 on): WDAGUtilityAccount, RID 504, disabled, a
#: password required and expiring (winPEAS's local-user listings of 2019 / 10 machines:
#: "WDAGUtilityAccount(Disabled): A user account managed and used by the system for Windows
#: Defender Application Guard scenarios. |->Password: CanChange-Expi-Req", User Id 504).
#: A local account: a DC's domain has none.
_WDAG_DEFAULT = LocalDefault(504, "WDAGUtilityAccount", "", BUILTIN_USERS[504][1], {"disabled": True})
WDAG_SINCE_BUILD = 17763


def local_defaults(release: tuple[int, ...] | None) -> tuple[LocalDefault, ...]:
    """The accounts Setup of ``release`` ((major, minor[, build])) adds to a machine's own SAM."""
    if release is None:
        return ()
    if tuple(release[:2]) == (5, 1):
        return _XP_DEFAULTS
    if len(release) > 2 and tuple(release[:2]) >= (10, 0) and release[2] >= WDAG_SINCE_BUILD:
        return (_WDAG_DEFAULT,)
    return ()
NONE_GROUP_DESCRIPTION = "Ordinary users"
_SYSTEM_ROOT = {(5, 0): "C:\\WINNT", (5, 1): "C:\\WINDOWS", (5, 2): "C:\\WINDOWS"}
SYSTEM_ROOT_TOKEN = re.compile(re.escape("%SystemRoot%"), re.IGNORECASE)


def system_root_of(os_version: tuple[int, ...] | None) -> str:
    if os_version is None:
        return "C:\\Windows"
    release = (os_version[0], os_version[1])
    return _SYSTEM_ROOT.get(release, "C:\\WINNT" if release < (5, 0) else "C:\\Windows")


def derived_hash(*parts: str) -> bytes:
    """A stable stand-in for a random machine-generated password hash (krbtgt, machine accounts)."""
    return hashlib.sha256("\x00".join(("smbemu", *parts)).encode()).digest()[:16]
