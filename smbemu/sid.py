"""Security identifiers (MS-DTYP 2.4.2) and the well-known SIDs Windows resolves by itself.

A `Sid` is a small frozen value: ``Sid.parse("S-1-5-21-1-2-3-500")``, ``str(sid)``,
``sid.to_bytes()`` / ``Sid.from_bytes(b)`` (the binary form of MS-DTYP 2.4.2.2), ``sid.rid``,
``sid.domain`` and ``sid.child(rid)``; `sid_bytes` is the binary form of a SID's text, cached for the
handlers that encode the same few SIDs on every call.

`WELL_KNOWN` maps the SIDs that every Windows machine resolves without a directory (MS-DTYP 2.4.2.4)
to their name, their SID_NAME_USE (MS-LSAT 2.2.13) and the domain name LSA reports with them
("NT AUTHORITY", "BUILTIN" or "" for the universal ones). `BUILTIN_ALIASES` lists the aliases of the
BUILTIN domain (S-1-5-32) with the first Windows release and the roles that have them, so the
directory can show a Windows 2000 member server the aliases it really had.
"""

from __future__ import annotations

import enum
import functools
import re
import struct
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "Sid",
    "sid_bytes",
    "SidNameUse",
    "WellKnown",
    "BuiltinAlias",
    "WELL_KNOWN",
    "WELL_KNOWN_BY_NAME",
    "BUILTIN_ALIASES",
    "builtin_alias",
    "BUILTIN_DOMAIN_SID",
    "NT_AUTHORITY_SID",
    "EVERYONE",
    "ANONYMOUS_LOGON",
    "AUTHENTICATED_USERS",
    "NETWORK",
    "INTERACTIVE",
    "LOCAL_SYSTEM",
    "BUILTIN_ADMINISTRATORS",
    "BUILTIN_USERS",
    "BUILTIN_GUESTS",
    "PRE_WINDOWS_2000_COMPATIBLE_ACCESS",
]

_MAX_SUB_AUTHORITIES = 15  # MS-DTYP 2.4.2: SubAuthorityCount is at most 15
_MAX_AUTHORITY = (1 << 48) - 1
_MAX_DWORD = (1 << 32) - 1
_SID_TEXT = re.compile(r"^[Ss]-(\d+)-(0[xX][0-9a-fA-F]{1,12}|\d+)((?:-\d+)*)$")


class SidNameUse(enum.IntEnum):
    """MS-LSAT 2.2.13 SID_NAME_USE (also MS-SAMR 2.2.2.3)."""

    USER = 1  # SidTypeUser
    GROUP = 2  # SidTypeGroup
    DOMAIN = 3  # SidTypeDomain
    ALIAS = 4  # SidTypeAlias
    WELL_KNOWN_GROUP = 5  # SidTypeWellKnownGroup
    DELETED_ACCOUNT = 6  # SidTypeDeletedAccount
    INVALID = 7  # SidTypeInvalid
    UNKNOWN = 8  # SidTypeUnknown
    COMPUTER = 9  # SidTypeComputer
    LABEL = 10  # SidTypeLabel


@dataclass(frozen=True, order=True, slots=True)
class Sid:
    """A SID (MS-DTYP 2.4.2): revision 1, a 48-bit identifier authority, up to 15 sub-authorities."""

    revision: int
    authority: int
    sub_authorities: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.revision != 1:
            raise ValueError(f"SID revision must be 1, not {self.revision}")
        if not 0 <= self.authority <= _MAX_AUTHORITY:
            raise ValueError(f"SID identifier authority {self.authority} does not fit in 48 bits")
        if len(self.sub_authorities) > _MAX_SUB_AUTHORITIES:
            raise ValueError(f"a SID has at most {_MAX_SUB_AUTHORITIES} sub-authorities")
        for sub in self.sub_authorities:
            if not 0 <= sub <= _MAX_DWORD:
                raise ValueError(f"SID sub-authority {sub} does not fit in 32 bits")

    @classmethod
    def parse(cls, text: str) -> Sid:
        """Parse the string form (MS-DTYP 2.4.2.1), e.g. ``S-1-5-32-544``; ValueError if malformed."""
        match = _SID_TEXT.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"{text!r} is not a SID (expected S-1-<authority>-<sub-authority>...)")
        revision = int(match.group(1))
        authority_text = match.group(2)
        authority = int(authority_text, 16) if authority_text[:2].lower() == "0x" else int(authority_text)
        subs = tuple(int(part) for part in match.group(3).split("-")[1:])
        return cls(revision, authority, subs)

    def __str__(self) -> str:
        # MS-DTYP 2.4.2.1: the authority is decimal below 2**32 and hexadecimal (0x + 12 digits) above.
        authority = str(self.authority) if self.authority <= _MAX_DWORD else f"0x{self.authority:012X}"
        return "-".join(["S", str(self.revision), authority, *map(str, self.sub_authorities)])

    def __repr__(self) -> str:
        return f"Sid({str(self)!r})"

    def to_bytes(self) -> bytes:
        """MS-DTYP 2.4.2.2: revision, count, 6-byte big-endian authority, little-endian sub-authorities."""
        count = len(self.sub_authorities)
        return (
            bytes((self.revision, count))
            + self.authority.to_bytes(6, "big")
            + struct.pack(f"<{count}I", *self.sub_authorities)
        )

    @classmethod
    def from_buffer(cls, data: bytes | bytearray | memoryview, offset: int = 0) -> tuple[Sid, int]:
        """Parse a binary SID at ``offset``; return it and the offset just past it."""
        view = memoryview(data)
        if len(view) < offset + 8:
            raise ValueError("truncated SID: fewer than 8 bytes")
        revision, count = view[offset], view[offset + 1]
        if count > _MAX_SUB_AUTHORITIES:
            raise ValueError(f"SID sub-authority count {count} exceeds {_MAX_SUB_AUTHORITIES}")
        end = offset + 8 + 4 * count
        if len(view) < end:
            raise ValueError(f"truncated SID: {count} sub-authorities need {8 + 4 * count} bytes")
        authority = int.from_bytes(view[offset + 2 : offset + 8], "big")
        subs = struct.unpack_from(f"<{count}I", view, offset + 8)
        return cls(revision, authority, tuple(subs)), end

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> Sid:
        """Parse exactly one binary SID; trailing bytes are an error."""
        sid, end = cls.from_buffer(data)
        if end != len(data):
            raise ValueError(f"{len(data) - end} trailing bytes after the SID")
        return sid

    @property
    def rid(self) -> int:
        """The last sub-authority (the relative identifier)."""
        if not self.sub_authorities:
            raise ValueError(f"{self} has no sub-authority")
        return self.sub_authorities[-1]

    @property
    def domain(self) -> Sid:
        """The SID without its last sub-authority (the domain SID of an account SID)."""
        if not self.sub_authorities:
            raise ValueError(f"{self} has no sub-authority")
        return Sid(self.revision, self.authority, self.sub_authorities[:-1])

    def child(self, rid: int) -> Sid:
        """The SID of relative identifier ``rid`` in this domain."""
        return Sid(self.revision, self.authority, (*self.sub_authorities, rid))

    def is_in(self, domain: Sid) -> bool:
        """True if this SID is ``domain`` plus exactly one RID."""
        return (
            self.authority == domain.authority
            and len(self.sub_authorities) == len(domain.sub_authorities) + 1
            and self.sub_authorities[:-1] == domain.sub_authorities
        )


@functools.lru_cache(maxsize=1024)
def sid_bytes(text: str) -> bytes:
    """MS-DTYP 2.4.2.2: the binary form of the SID ``S-1-...`` (ValueError if malformed)."""
    return Sid.parse(text).to_bytes()


class WellKnown(NamedTuple):
    """How LSA names a well-known SID: account name, SID_NAME_USE, referenced domain name."""

    name: str
    sid_type: SidNameUse
    domain_name: str


class BuiltinAlias(NamedTuple):
    """A BUILTIN alias: RID, name, description, first release (major, minor), roles that have it."""

    rid: int
    name: str
    description: str
    since: tuple[int, int]
    roles: frozenset[str]


NT_AUTHORITY_SID = Sid(1, 5, ())
BUILTIN_DOMAIN_SID = Sid(1, 5, (32,))
EVERYONE = Sid(1, 1, (0,))
ANONYMOUS_LOGON = Sid(1, 5, (7,))
AUTHENTICATED_USERS = Sid(1, 5, (11,))
NETWORK = Sid(1, 5, (2,))
INTERACTIVE = Sid(1, 5, (4,))
LOCAL_SYSTEM = Sid(1, 5, (18,))
BUILTIN_ADMINISTRATORS = BUILTIN_DOMAIN_SID.child(544)
BUILTIN_USERS = BUILTIN_DOMAIN_SID.child(545)
BUILTIN_GUESTS = BUILTIN_DOMAIN_SID.child(546)
PRE_WINDOWS_2000_COMPATIBLE_ACCESS = BUILTIN_DOMAIN_SID.child(554)

_ALL = frozenset({"standalone", "member", "dc"})
_DC = frozenset({"dc"})
_NON_DC = frozenset({"standalone", "member"})

# Descriptions are the ones Windows Server 2003 shows (later releases reword a few).
BUILTIN_ALIASES: tuple[BuiltinAlias, ...] = (
    BuiltinAlias(544, "Administrators", "Administrators have complete and unrestricted access to the computer/domain", (4, 0), _ALL),
    BuiltinAlias(545, "Users", "Users are prevented from making accidental or intentional system-wide changes. Thus, Users can run certified applications, but not most legacy applications", (4, 0), _ALL),
    BuiltinAlias(546, "Guests", "Guests have the same access as members of the Users group by default, except for the Guest account which is further restricted", (4, 0), _ALL),
    BuiltinAlias(547, "Power Users", "Power Users possess most administrative powers with some restrictions. Thus, Power Users can run legacy applications in addition to certified applications", (4, 0), _NON_DC),
    BuiltinAlias(548, "Account Operators", "Members can administer domain user and group accounts", (4, 0), _DC),
    BuiltinAlias(549, "Server Operators", "Members can administer domain servers", (4, 0), _DC),
    BuiltinAlias(550, "Print Operators", "Members can administer domain printers", (4, 0), _DC),
    BuiltinAlias(551, "Backup Operators", "Backup Operators can override security restrictions for the sole purpose of backing up or restoring files", (4, 0), _ALL),
    BuiltinAlias(552, "Replicator", "Supports file replication in a domain", (4, 0), _ALL),
    BuiltinAlias(554, "Pre-Windows 2000 Compatible Access", "A backward compatibility group which allows read access on all users and groups in the domain", (5, 0), _DC),
    BuiltinAlias(555, "Remote Desktop Users", "Members in this group are granted the right to logon remotely", (5, 1), _ALL),
    BuiltinAlias(556, "Network Configuration Operators", "Members in this group can have some administrative privileges to manage configuration of networking features", (5, 1), _ALL),
    BuiltinAlias(557, "Incoming Forest Trust Builders", "Members of this group can create incoming, one-way trusts to this forest", (5, 2), _DC),
    BuiltinAlias(558, "Performance Monitor Users", "Members of this group have remote access to monitor this computer", (5, 2), _ALL),
    BuiltinAlias(559, "Performance Log Users", "Members of this group have remote access to schedule logging of performance counters on this computer", (5, 2), _ALL),
    BuiltinAlias(560, "Windows Authorization Access Group", "Members of this group have access to the computed tokenGroupsGlobalAndUniversal attribute on User objects", (5, 2), _DC),
    BuiltinAlias(561, "Terminal Server License Servers", "Terminal Server License Servers", (5, 2), _DC),
    BuiltinAlias(562, "Distributed COM Users", "Members are allowed to launch, activate and use Distributed COM objects on this machine.", (5, 2), _ALL),
    BuiltinAlias(568, "IIS_IUSRS", "Built-in group used by Internet Information Services.", (6, 0), _ALL),
    BuiltinAlias(569, "Cryptographic Operators", "Members are authorized to perform cryptographic operations.", (6, 0), _ALL),
    BuiltinAlias(573, "Event Log Readers", "Members of this group can read event logs from local machine", (6, 0), _ALL),
    BuiltinAlias(574, "Certificate Service DCOM Access", "Members of this group are allowed to connect to Certification Authorities in the enterprise", (6, 0), _ALL),
    BuiltinAlias(575, "RDS Remote Access Servers", "Servers in this group enable users of RemoteApp programs and personal virtual desktops access to these resources.", (6, 2), _NON_DC),
    BuiltinAlias(576, "RDS Endpoint Servers", "Servers in this group run virtual machines and host sessions where users RemoteApp programs and personal virtual desktops run.", (6, 2), _NON_DC),
    BuiltinAlias(577, "RDS Management Servers", "Servers in this group can perform routine administrative actions on servers running Remote Desktop Services.", (6, 2), _NON_DC),
    BuiltinAlias(578, "Hyper-V Administrators", "Members of this group have complete and unrestricted access to all features of Hyper-V.", (6, 2), _ALL),
    BuiltinAlias(579, "Access Control Assistance Operators", "Members of this group can remotely query authorization attributes and permissions for resources on this computer.", (6, 2), _ALL),
    BuiltinAlias(580, "Remote Management Users", "Members of this group can access WMI resources over management protocols (such as WS-Management via the Windows Remote Management service).", (6, 2), _ALL),
    BuiltinAlias(582, "Storage Replica Administrators", "Members of this group have complete and unrestricted access to all features of Storage Replica.", (10, 0), _ALL),
)
_BUILTIN_BY_RID = {alias.rid: alias for alias in BUILTIN_ALIASES}


def builtin_alias(rid: int) -> BuiltinAlias | None:
    """The BUILTIN alias with this RID, if Windows defines one."""
    return _BUILTIN_BY_RID.get(rid)


_NT = "NT AUTHORITY"
_WG = SidNameUse.WELL_KNOWN_GROUP

# MS-DTYP 2.4.2.4, with the names LsarLookupSids returns on an English Windows.
WELL_KNOWN: dict[Sid, WellKnown] = {
    Sid(1, 0, (0,)): WellKnown("NULL SID", _WG, ""),
    EVERYONE: WellKnown("Everyone", _WG, ""),
    Sid(1, 2, (0,)): WellKnown("LOCAL", _WG, ""),
    Sid(1, 3, (0,)): WellKnown("CREATOR OWNER", _WG, ""),
    Sid(1, 3, (1,)): WellKnown("CREATOR GROUP", _WG, ""),
    NT_AUTHORITY_SID: WellKnown(_NT, SidNameUse.DOMAIN, _NT),
    Sid(1, 5, (1,)): WellKnown("DIALUP", _WG, _NT),
    NETWORK: WellKnown("NETWORK", _WG, _NT),
    Sid(1, 5, (3,)): WellKnown("BATCH", _WG, _NT),
    INTERACTIVE: WellKnown("INTERACTIVE", _WG, _NT),
    Sid(1, 5, (6,)): WellKnown("SERVICE", _WG, _NT),
    ANONYMOUS_LOGON: WellKnown("ANONYMOUS LOGON", _WG, _NT),
    Sid(1, 5, (8,)): WellKnown("PROXY", _WG, _NT),
    Sid(1, 5, (9,)): WellKnown("ENTERPRISE DOMAIN CONTROLLERS", _WG, _NT),
    Sid(1, 5, (10,)): WellKnown("SELF", _WG, _NT),
    AUTHENTICATED_USERS: WellKnown("Authenticated Users", _WG, _NT),
    Sid(1, 5, (12,)): WellKnown("RESTRICTED", _WG, _NT),
    Sid(1, 5, (13,)): WellKnown("TERMINAL SERVER USER", _WG, _NT),
    Sid(1, 5, (14,)): WellKnown("REMOTE INTERACTIVE LOGON", _WG, _NT),
    Sid(1, 5, (15,)): WellKnown("This Organization", _WG, _NT),
    Sid(1, 5, (17,)): WellKnown("IUSR", _WG, _NT),
    LOCAL_SYSTEM: WellKnown("SYSTEM", _WG, _NT),
    Sid(1, 5, (19,)): WellKnown("LOCAL SERVICE", _WG, _NT),
    Sid(1, 5, (20,)): WellKnown("NETWORK SERVICE", _WG, _NT),
    BUILTIN_DOMAIN_SID: WellKnown("BUILTIN", SidNameUse.DOMAIN, "BUILTIN"),
    **{
        BUILTIN_DOMAIN_SID.child(alias.rid): WellKnown(alias.name, SidNameUse.ALIAS, "BUILTIN")
        for alias in BUILTIN_ALIASES
    },
}

# Case-insensitive name → SID for the names above (BUILTIN aliases included).
WELL_KNOWN_BY_NAME: dict[str, Sid] = {entry.name.lower(): sid for sid, entry in WELL_KNOWN.items()}
