"""Profiles: how the emulated server behaves, one YAML file per Windows release (``policies/``).

A profile says which dialects the server offers, whether it requires signing, which identity strings it
reports, and the anonymous-access knobs under the names Windows gives them (RestrictAnonymous,
NullSessionPipes, ...). What the machine *contains* is the fixture's business (`smbemu.directory`).

* ``policies/_base.yaml`` holds every key with its default and a comment naming the registry value or
  security option it mirrors; it is the root every other profile extends.
* ``policies/<release>.yaml`` says ``extends: <other>`` and only what differs. A new release is a new
  file; the Python code does not change.
* `load_profile` validates while merging: an unknown key, a wrong type, an out-of-range value or an
  unknown dialect is one `ConfigError` line naming the file, the key path and what is allowed.
* ``--set KEY=VALUE`` overrides (`load_profile(..., overrides=...)`) take the full key path
  (``anonymous.RestrictAnonymous``), the Windows value name (``RestrictAnonymous``,
  ``RequireSecuritySignature``), the Python attribute name (``restrict_anonymous``) or any unambiguous
  last segment (``dialects``); values are parsed with the key's type (``NullSessionPipes=`` is the empty
  list, lists are comma-separated) and validated the same way, with ``--set`` named as the source.
* `explain` lists every effective value with the file (or ``--set``) it came from.

The built-in default profile is **win2000**: smbemu exists to show what a null session could take from
an old Windows server (shares, users, groups, password policy, SID lookups), so the zero-flag quick start
shows exactly that. Pick ``--profile win2016`` (or a ``-dc`` variant) for a modern, refusing server.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from smbemu.directory import Directory, builtin_data_dir, load_fixture
from smbemu.errors import ConfigError
from smbemu.sid import WELL_KNOWN, WELL_KNOWN_BY_NAME, Sid
from smbemu.smb2.constants import DIALECT_BY_LABEL, Dialect
from smbemu.yamlfile import read_yaml

__all__ = [
    "DEFAULT_PROFILE",
    "Profile",
    "Identity",
    "NtlmIdentity",
    "SrvsvcIdentity",
    "SmbSettings",
    "AnonymousSettings",
    "RpcSettings",
    "SecurityDescriptor",
    "Ace",
    "SERVER_TYPE_BITS",
    "KEYS",
    "load_profile",
    "list_profiles",
    "profile_path",
    "explain",
    "diff",
    "format_value",
    "parse_sddl",
    "directory_for",
]

DEFAULT_PROFILE = "win2000"
BASE_PROFILE = "_base"
SET_SOURCE = "--set"

# MS-SRVS 2.2.2.7 / lmserver.h SV_TYPE_* bits for SERVER_INFO_101.sv101_type.
SERVER_TYPE_BITS: dict[str, int] = {
    "WORKSTATION": 0x00000001,
    "SERVER": 0x00000002,
    "SQLSERVER": 0x00000004,
    "DOMAIN_CTRL": 0x00000008,
    "DOMAIN_BAKCTRL": 0x00000010,
    "TIME_SOURCE": 0x00000020,
    "AFP": 0x00000040,
    "NOVELL": 0x00000080,
    "DOMAIN_MEMBER": 0x00000100,
    "PRINTQ_SERVER": 0x00000200,
    "DIALIN_SERVER": 0x00000400,
    "XENIX_SERVER": 0x00000800,
    "NT": 0x00001000,
    "WFW": 0x00002000,
    "SERVER_MFPN": 0x00004000,
    "SERVER_NT": 0x00008000,
    "POTENTIAL_BROWSER": 0x00010000,
    "BACKUP_BROWSER": 0x00020000,
    "MASTER_BROWSER": 0x00040000,
    "DOMAIN_MASTER": 0x00080000,
    "SERVER_OSF": 0x00100000,
    "SERVER_VMS": 0x00200000,
    "WINDOWS": 0x00400000,
    "DFS": 0x00800000,
    "CLUSTER_NT": 0x01000000,
    "TERMINALSERVER": 0x02000000,
    "CLUSTER_VS_NT": 0x04000000,
    "DCE": 0x10000000,
    "ALTERNATE_XPORT": 0x20000000,
    "LOCAL_LIST_ONLY": 0x40000000,
    "DOMAIN_ENUM": 0x80000000,
}


# --------------------------------------------------------------------------------------------------
# SDDL (MS-DTYP 2.5.1), just enough for RestrictRemoteSam
# --------------------------------------------------------------------------------------------------

_SDDL_SIDS: dict[str, str] = {
    "WD": "S-1-1-0", "CO": "S-1-3-0", "CG": "S-1-3-1", "NU": "S-1-5-2", "IU": "S-1-5-4", "SU": "S-1-5-6",
    "AN": "S-1-5-7", "ED": "S-1-5-9", "PS": "S-1-5-10", "AU": "S-1-5-11", "RC": "S-1-5-12", "SY": "S-1-5-18",
    "LS": "S-1-5-19", "NS": "S-1-5-20", "BA": "S-1-5-32-544", "BU": "S-1-5-32-545", "BG": "S-1-5-32-546",
    "PU": "S-1-5-32-547", "AO": "S-1-5-32-548", "SO": "S-1-5-32-549", "PO": "S-1-5-32-550",
    "BO": "S-1-5-32-551", "RE": "S-1-5-32-552", "RU": "S-1-5-32-554", "RD": "S-1-5-32-555",
    "NO": "S-1-5-32-556", "MU": "S-1-5-32-558", "LU": "S-1-5-32-559", "IS": "S-1-5-32-568",
    "CY": "S-1-5-32-569", "ER": "S-1-5-32-573", "RM": "S-1-5-32-580",
}
_SDDL_DOMAIN_RELATIVE = {"LA", "LG", "DA", "DU", "DG", "DC", "DD", "CA", "SA", "EA", "PA", "RS", "CN", "AP", "KA", "EK", "RO"}
_SDDL_RIGHTS: dict[str, int] = {
    "GA": 0x10000000, "GR": 0x80000000, "GW": 0x40000000, "GX": 0x20000000,
    "RC": 0x00020000, "SD": 0x00010000, "WD": 0x00040000, "WO": 0x00080000,
    "RP": 0x00000010, "WP": 0x00000020, "CC": 0x00000001, "DC": 0x00000002, "LC": 0x00000004,
    "SW": 0x00000008, "LO": 0x00000080, "DT": 0x00000040, "CR": 0x00000100,
    "FA": 0x001F01FF, "FR": 0x00120089, "FW": 0x00120116, "FX": 0x001200A0,
    "KA": 0x000F003F, "KR": 0x00020019, "KW": 0x00020006, "KX": 0x00020019,
}
_SDDL_ACE_TYPES = ("A", "D", "OA", "OD")
_SDDL_ACE_FLAGS = ("CI", "OI", "NP", "IO", "ID", "SA", "FA")
_SDDL_COMPONENT = re.compile(r"([OGDS]):")


@dataclass(frozen=True, slots=True)
class Ace:
    """One access-allowed ("A"/"OA") or access-denied ("D"/"OD") ACE."""

    type: str
    flags: tuple[str, ...]
    mask: int
    sid: Sid

    @property
    def allows(self) -> bool:
        return self.type in ("A", "OA")


@dataclass(frozen=True, slots=True)
class SecurityDescriptor:
    """Owner, group and DACL of an SDDL string. ``dacl`` None is a NULL DACL (everyone gets everything)."""

    owner: Sid | None
    group: Sid | None
    dacl: tuple[Ace, ...] | None

    def grants(self, token: Iterable[Sid], desired: int) -> bool:
        """Simplified access check (MS-DTYP 2.5.3.2): walk the DACL in order; a deny ACE naming a token
        SID for a not-yet-granted desired bit refuses; allow ACEs accumulate bits."""
        if self.dacl is None:
            return True
        sids = set(token)
        granted = 0
        for ace in self.dacl:
            if ace.sid not in sids:
                continue
            if ace.allows:
                granted |= ace.mask & desired
                if granted == desired:
                    return True
            elif ace.mask & desired & ~granted:
                return False
        return granted == desired


def parse_sddl(text: str) -> SecurityDescriptor:
    """Parse ``O:..G:..D:(ace)(ace)`` (SACL ignored); ValueError with a short reason if malformed."""
    text = text.strip()
    parts = _SDDL_COMPONENT.split(text)
    if parts[0].strip():
        raise ValueError(f"unexpected {parts[0]!r} before O:, G: or D:")
    owner = group = None
    dacl: tuple[Ace, ...] | None = None
    seen: set[str] = set()
    for tag, body in zip(parts[1::2], parts[2::2]):
        if tag in seen:
            raise ValueError(f"{tag}: appears twice")
        seen.add(tag)
        if tag == "O":
            owner = _sddl_sid(body)
        elif tag == "G":
            group = _sddl_sid(body)
        elif tag == "D":
            dacl = _sddl_acl(body)
    return SecurityDescriptor(owner, group, dacl)


def _sddl_sid(token: str) -> Sid:
    token = token.strip()
    if token.upper() in _SDDL_SIDS:
        return Sid.parse(_SDDL_SIDS[token.upper()])
    if token.upper() in _SDDL_DOMAIN_RELATIVE:
        raise ValueError(f"domain-relative SID alias {token!r} is not supported here; write the SID")
    if token[:2].upper() == "S-":
        return Sid.parse(token)
    raise ValueError(f"{token!r} is not a SID or SDDL SID alias (BA, AU, WD, AN, SY, ...)")


def _sddl_acl(body: str) -> tuple[Ace, ...]:
    match = re.match(r"^((?:P|AI|AR|NO_ACCESS_CONTROL)*)(.*)$", body)
    assert match is not None
    if "NO_ACCESS_CONTROL" in match.group(1):
        raise ValueError("NO_ACCESS_CONTROL is not supported; use a DACL or an empty string")
    rest = match.group(2)
    aces: list[Ace] = []
    for ace_text in re.findall(r"\(([^()]*)\)", rest):
        fields = ace_text.split(";")
        if len(fields) < 6:
            raise ValueError(f"ACE ({ace_text}) needs 6 fields: type;flags;rights;object;inherited-object;sid")
        ace_type, flags_text, rights, _, _, sid_text = fields[:6]
        if ace_type not in _SDDL_ACE_TYPES:
            raise ValueError(f"ACE type {ace_type!r} is not supported; allowed: {', '.join(_SDDL_ACE_TYPES)}")
        flags = tuple(flags_text[i : i + 2] for i in range(0, len(flags_text), 2))
        if any(flag not in _SDDL_ACE_FLAGS for flag in flags):
            raise ValueError(f"ACE flags {flags_text!r} are not SDDL ACE flags ({', '.join(_SDDL_ACE_FLAGS)})")
        aces.append(Ace(ace_type, flags, _sddl_rights(rights), _sddl_sid(sid_text)))
    leftover = re.sub(r"\([^()]*\)", "", rest).strip()
    if leftover:
        raise ValueError(f"unexpected {leftover!r} in the DACL")
    return tuple(aces)


def _sddl_rights(text: str) -> int:
    text = text.strip()
    if re.fullmatch(r"0[xX][0-9a-fA-F]+|\d+", text):
        return int(text, 0)
    if len(text) % 2:
        raise ValueError(f"access rights {text!r} are not two-letter codes or a number")
    mask = 0
    for i in range(0, len(text), 2):
        code = text[i : i + 2].upper()
        if code not in _SDDL_RIGHTS:
            raise ValueError(f"{code!r} is not an access-right code ({', '.join(sorted(_SDDL_RIGHTS))})")
        mask |= _SDDL_RIGHTS[code]
    return mask


# --------------------------------------------------------------------------------------------------
# The Profile value
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class NtlmIdentity:
    """Which optional parts the NTLM CHALLENGE carries (MS-NLMP 2.2.2.1, reference §4.3)."""

    dns_names: bool  # MsvAvDnsComputerName / MsvAvDnsDomainName
    dns_tree: bool  # MsvAvDnsTreeName (not sent by NT / 2000)
    timestamp: bool  # MsvAvTimestamp (sent from Vista / 2008 on)


@dataclass(frozen=True, slots=True)
class SrvsvcIdentity:
    """SERVER_INFO_101 values (MS-DTYP 2.3.12 / MS-SRVS)."""

    platform_id: int
    version_major: int
    version_minor: int
    server_type: int  # sv101_type bits; see SERVER_TYPE_BITS


@dataclass(frozen=True, slots=True)
class Identity:
    """What the server says it is."""

    os_name: str
    os_version: str  # "5.0"
    build: int
    native_os: str  # SMB1 NativeOS (smbemu speaks no SMB1 yet; kept for the data)
    native_lanman: str
    ntlm_version: tuple[int, int, int] | None  # NTLM VERSION (major, minor, build); None = never sent
    ntlm: NtlmIdentity
    srvsvc: SrvsvcIdentity

    @property
    def version(self) -> tuple[int, int]:
        major, minor = self.os_version.split(".")
        return int(major), int(minor)

    @property
    def ntlm_dns_tree(self) -> bool:
        """Shorthand for ``ntlm.dns_tree``."""
        return self.ntlm.dns_tree

    @property
    def ntlm_timestamp(self) -> bool:
        """Shorthand for ``ntlm.timestamp``."""
        return self.ntlm.timestamp


@dataclass(frozen=True, slots=True)
class SmbSettings:
    """SMB2 behaviour and logon settings."""

    dialects: tuple[Dialect, ...]  # sorted ascending
    signing_required: bool
    encrypt_data: bool
    reject_unencrypted_access: bool
    guest_account_enabled: bool
    lm_compatibility_level: int
    no_lm_hash: bool
    limit_blank_password_use: bool
    max_transact_size: int
    max_read_size: int
    max_write_size: int


@dataclass(frozen=True, slots=True)
class AnonymousSettings:
    """The knobs that decide what a null session gets (reference §0–§1)."""

    restrict_anonymous: int
    restrict_anonymous_sam: bool
    everyone_includes_anonymous: bool
    restrict_null_sess_access: bool
    null_session_pipes: tuple[str, ...]  # lower case, without \pipe\
    null_session_shares: tuple[str, ...]  # as written; compare case-insensitively
    lsa_restrict_anonymous: bool
    turn_off_anonymous_block: bool
    lsa_anonymous_name_lookup: bool
    restrict_remote_sam: str | None  # SDDL; None = feature absent, "" = nobody restricted
    pre2000_compatible_access_members: tuple[Sid, ...]
    pipe_anonymous_refusal: tuple[str, ...]  # lower case

    @property
    def anonymous_block_in_force(self) -> bool:
        """MS-LSAD 3.1.1.6.1: LsaRestrictAnonymous, unless TurnOffAnonymousBlock is non-zero."""
        return self.lsa_restrict_anonymous and not self.turn_off_anonymous_block

    @property
    def remote_sam_descriptor(self) -> SecurityDescriptor | None:
        """The parsed RestrictRemoteSam descriptor; None when absent or empty (no one restricted)."""
        if not self.restrict_remote_sam:
            return None
        return parse_sddl(self.restrict_remote_sam)


@dataclass(frozen=True, slots=True)
class RpcSettings:
    """RPC-level rules that are not registry values."""

    share_enum_admin_levels: tuple[int, ...]


@dataclass(frozen=True)
class Profile:
    """An effective, validated profile. ``sources`` maps every key path to where its value came from."""

    name: str
    description: str
    role: str  # "standalone" | "member" | "dc"
    identity: Identity
    smb: SmbSettings
    anonymous: AnonymousSettings
    rpc: RpcSettings
    sources: Mapping[str, str] = field(repr=False, compare=False)
    chain: tuple[str, ...] = field(repr=False)  # files merged, root first (then "--set" if used)
    path: Path | None = field(default=None, repr=False)
    values: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_dc(self) -> bool:
        return self.role == "dc"

    def get(self, key: str) -> Any:
        """The effective value of a dotted key path (``anonymous.RestrictAnonymous``)."""
        return self.values[key]


# --------------------------------------------------------------------------------------------------
# Key kinds: parse a YAML value or a --set string, or say what is allowed
# --------------------------------------------------------------------------------------------------

class _Invalid(Exception):
    def __init__(self, problem: str, subkey: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.subkey = subkey


def _show(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return repr(value)
    return str(value)


_TRUE = {"true", "yes", "on", "1", "enabled"}
_FALSE = {"false", "no", "off", "0", "disabled"}
_NULL = {"null", "none", "~"}


class _Kind:
    allowed = ""

    def parse(self, value: Any) -> Any:
        raise NotImplementedError

    def parse_text(self, text: str) -> Any:
        return self.parse(text)

    def show(self, value: Any) -> str:
        """How `profiles show` prints the value: YAML-like, strings unquoted unless empty."""
        if isinstance(value, str):
            return value if value else '""'
        return _show(value)


class _Bool(_Kind):
    """true/false; 1/0 too, because most of these mirror REG_DWORD switches."""

    allowed = "true or false (1 or 0)"

    def parse(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise _Invalid(f"{_show(value)} is not a boolean; allowed: {self.allowed}")

    def parse_text(self, text: str) -> Any:
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise _Invalid(f"{text!r} is not a boolean; allowed: true, false, 1, 0, yes, no, on, off")


class _Int(_Kind):
    def __init__(self, lo: int, hi: int, choices: Sequence[int] = ()) -> None:
        self.lo, self.hi, self.choices = lo, hi, tuple(choices)
        self.allowed = ", ".join(map(str, choices)) if choices else f"{lo}–{hi}"

    def parse(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(f"{_show(value)} is not an integer; allowed: {self.allowed}")
        if (self.choices and value not in self.choices) or not self.lo <= value <= self.hi:
            raise _Invalid(f"{value} is out of range; allowed: {self.allowed}")
        return value

    def parse_text(self, text: str) -> Any:
        try:
            return self.parse(int(text.strip(), 0))
        except ValueError:
            raise _Invalid(f"{text!r} is not an integer; allowed: {self.allowed}") from None


class _Choice(_Kind):
    def __init__(self, *choices: str) -> None:
        self.choices = choices
        self.allowed = ", ".join(choices)

    def parse(self, value: Any) -> Any:
        if value not in self.choices:
            raise _Invalid(f"{_show(value)} is not allowed; allowed: {self.allowed}")
        return value

    def parse_text(self, text: str) -> Any:
        return self.parse(text.strip())


class _Str(_Kind):
    def __init__(self, pattern: str | None = None, example: str = "") -> None:
        self.pattern = re.compile(pattern) if pattern else None
        self.allowed = f"a string like {example!r}" if example else "a string"

    def parse(self, value: Any) -> Any:
        if not isinstance(value, str):
            raise _Invalid(f"{_show(value)} is not a string; allowed: {self.allowed} (quote it)")
        if self.pattern is not None and not self.pattern.fullmatch(value):
            raise _Invalid(f"{value!r} is not valid; allowed: {self.allowed}")
        return value


class _NameList(_Kind):
    """A list of names (pipes, shares); --set takes them comma-separated, empty = []."""

    def __init__(self, *, lower: bool, pipe: bool = False) -> None:
        self.lower, self.pipe = lower, pipe
        self.allowed = "a list of pipe names" if pipe else "a list of names"

    def parse(self, value: Any) -> Any:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise _Invalid(f"{_show(value)} is not a list; allowed: {self.allowed}")
        out: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip() or "/" in item:
                raise _Invalid(f"{_show(item)} is not a name; allowed: {self.allowed}", f"[{index}]")
            name = item.strip()
            if self.pipe and name.lower().startswith("\\pipe\\"):
                name = name[6:]
            name = name.lower() if self.lower else name
            if name.lower() not in (n.lower() for n in out):
                out.append(name)
        return tuple(out)

    def parse_text(self, text: str) -> Any:
        return self.parse([part.strip() for part in text.split(",") if part.strip()])

    def show(self, value: Any) -> str:
        return "[" + ", ".join(value) + "]"


class _Dialects(_Kind):
    allowed = ", ".join(DIALECT_BY_LABEL)

    def parse(self, value: Any) -> Any:
        if not isinstance(value, list) or not value:
            raise _Invalid(f"{_show(value)} is not a non-empty list of dialects; allowed: {self.allowed}")
        out: set[Dialect] = set()
        for index, item in enumerate(value):
            # YAML reads an unquoted 2.1 or 3.0 as a float; take it back as written.
            text = item.strip() if isinstance(item, str) else str(item) if isinstance(item, float) else None
            if text is None or text not in DIALECT_BY_LABEL:
                shown = repr(text) if text is not None else _show(item)
                raise _Invalid(f"{shown} is not a dialect; allowed: {self.allowed}", f"[{index}]")
            out.add(DIALECT_BY_LABEL[text])
        return tuple(sorted(out))

    def parse_text(self, text: str) -> Any:
        return self.parse([part.strip() for part in text.split(",") if part.strip()])

    def show(self, value: Any) -> str:
        return "[" + ", ".join(Dialect(d).label for d in value) + "]"


class _NtlmVersion(_Kind):
    allowed = "null or [major, minor, build] (e.g. [5, 2, 3790])"

    def parse(self, value: Any) -> Any:
        if value is None:
            return None
        if (
            not isinstance(value, list)
            or len(value) != 3
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            or not (0 <= value[0] <= 255 and 0 <= value[1] <= 255 and 0 <= value[2] <= 65535)
        ):
            raise _Invalid(f"{_show(value)} is not an NTLM version; allowed: {self.allowed}")
        return (value[0], value[1], value[2])

    def parse_text(self, text: str) -> Any:
        text = text.strip()
        if text.lower() in _NULL or not text:
            return None
        try:
            return self.parse([int(p) for p in re.split(r"[.,]", text)])
        except ValueError:
            raise _Invalid(f"{text!r} is not an NTLM version; allowed: null or MAJOR.MINOR.BUILD") from None

    def show(self, value: Any) -> str:
        return "null" if value is None else f"[{value[0]}, {value[1]}, {value[2]}]"


class _ServerType(_Kind):
    allowed = "an integer or a list of SV_TYPE names (" + ", ".join(SERVER_TYPE_BITS) + ")"

    def parse(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            if not 0 <= value <= 0xFFFFFFFF:
                raise _Invalid(f"{value} is out of range; allowed: 0–0xFFFFFFFF")
            return value
        if not isinstance(value, list):
            raise _Invalid(f"{_show(value)} is not a server type; allowed: {self.allowed}")
        bits = 0
        for index, item in enumerate(value):
            name = item.upper().removeprefix("SV_TYPE_") if isinstance(item, str) else None
            if name not in SERVER_TYPE_BITS:
                raise _Invalid(f"{_show(item)} is not an SV_TYPE name; allowed: {', '.join(SERVER_TYPE_BITS)}", f"[{index}]")
            bits |= SERVER_TYPE_BITS[name]
        return bits

    def parse_text(self, text: str) -> Any:
        text = text.strip()
        try:
            return self.parse(int(text, 0))
        except ValueError:
            return self.parse([part.strip() for part in text.split(",") if part.strip()])

    def show(self, value: Any) -> str:
        names = [name for name, bit in SERVER_TYPE_BITS.items() if value & bit]
        return f"0x{value:08X} [{', '.join(names)}]"


class _SidList(_Kind):
    allowed = "a list of SIDs or well-known names (Everyone, ANONYMOUS LOGON, Authenticated Users, ...)"

    def parse(self, value: Any) -> Any:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise _Invalid(f"{_show(value)} is not a list; allowed: {self.allowed}")
        out: list[Sid] = []
        for index, item in enumerate(value):
            sid = self._one(item)
            if sid is None:
                raise _Invalid(f"{_show(item)} is not a SID or a well-known name; allowed: {self.allowed}", f"[{index}]")
            if sid not in out:
                out.append(sid)
        return tuple(out)

    @staticmethod
    def _one(item: object) -> Sid | None:
        if not isinstance(item, str):
            return None
        text = item.strip()
        if text.lower().startswith("nt authority\\"):
            text = text[len("nt authority\\"):]
        elif text.lower().startswith("builtin\\"):
            text = text[len("builtin\\"):]
        if text[:2].upper() == "S-":
            try:
                return Sid.parse(text)
            except ValueError:
                return None
        return WELL_KNOWN_BY_NAME.get(text.lower())

    def parse_text(self, text: str) -> Any:
        return self.parse([part.strip() for part in text.split(",") if part.strip()])

    def show(self, value: Any) -> str:
        return "[" + ", ".join(WELL_KNOWN[s].name if s in WELL_KNOWN else str(s) for s in value) + "]"


class _Sddl(_Kind):
    allowed = "null (not present), \"\" (nobody restricted) or an SDDL string like 'O:SYG:SYD:(A;;RC;;;BA)'"

    def parse(self, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            raise _Invalid(f"{_show(value)} is not an SDDL string; allowed: {self.allowed}")
        if value.strip():
            try:
                parse_sddl(value)
            except ValueError as exc:
                raise _Invalid(f"{value!r} is not valid SDDL: {exc}") from None
        return value

    def parse_text(self, text: str) -> Any:
        return None if text.strip().lower() in _NULL else self.parse(text)


class _IntList(_Kind):
    def __init__(self, choices: Sequence[int]) -> None:
        self.choices = tuple(choices)
        self.allowed = "a list of " + ", ".join(map(str, choices))

    def parse(self, value: Any) -> Any:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise _Invalid(f"{_show(value)} is not a list; allowed: {self.allowed}")
        for index, item in enumerate(value):
            if isinstance(item, bool) or item not in self.choices:
                raise _Invalid(f"{_show(item)} is not allowed; allowed: {', '.join(map(str, self.choices))}", f"[{index}]")
        return tuple(sorted(set(value)))

    def parse_text(self, text: str) -> Any:
        try:
            return self.parse([int(p, 0) for p in text.split(",") if p.strip()])
        except ValueError:
            raise _Invalid(f"{text!r} is not a comma-separated list of integers; allowed: {self.allowed}") from None


@dataclass(frozen=True)
class _Key:
    path: str  # dotted path in the YAML ("anonymous.RestrictAnonymous")
    attr: str  # attribute on the section dataclass ("restrict_anonymous")
    kind: _Kind
    aliases: tuple[str, ...] = ()  # other names accepted by --set (registry value names)


_SIZE = _Int(65536, 8388608)

# The schema. Defaults live in policies/_base.yaml, not here.
KEYS: tuple[_Key, ...] = (
    _Key("description", "description", _Str()),
    _Key("role", "role", _Choice("standalone", "member", "dc")),
    _Key("identity.os_name", "os_name", _Str()),
    _Key("identity.os_version", "os_version", _Str(r"\d{1,2}\.\d{1,2}", "5.0")),
    _Key("identity.build", "build", _Int(0, 65535)),
    _Key("identity.native_os", "native_os", _Str()),
    _Key("identity.native_lanman", "native_lanman", _Str()),
    _Key("identity.ntlm_version", "ntlm_version", _NtlmVersion()),
    _Key("identity.ntlm.dns_names", "dns_names", _Bool()),
    _Key("identity.ntlm.dns_tree", "dns_tree", _Bool()),
    _Key("identity.ntlm.timestamp", "timestamp", _Bool()),
    _Key("identity.srvsvc.platform_id", "platform_id", _Int(300, 700, (300, 400, 500, 600, 700))),
    _Key("identity.srvsvc.version_major", "version_major", _Int(0, 255)),
    _Key("identity.srvsvc.version_minor", "version_minor", _Int(0, 255)),
    _Key("identity.srvsvc.server_type", "server_type", _ServerType()),
    _Key("smb.dialects", "dialects", _Dialects()),
    _Key("smb.signing_required", "signing_required", _Bool(), ("RequireSecuritySignature", "RequireMessageSigning")),
    _Key("smb.encrypt_data", "encrypt_data", _Bool(), ("EncryptData",)),
    _Key("smb.reject_unencrypted_access", "reject_unencrypted_access", _Bool(), ("RejectUnencryptedAccess",)),
    _Key("smb.guest_account_enabled", "guest_account_enabled", _Bool(), ("EnableGuestAccount",)),
    _Key("smb.lm_compatibility_level", "lm_compatibility_level", _Int(0, 5), ("LmCompatibilityLevel",)),
    _Key("smb.no_lm_hash", "no_lm_hash", _Bool(), ("NoLMHash",)),
    _Key("smb.limit_blank_password_use", "limit_blank_password_use", _Bool(), ("LimitBlankPasswordUse",)),
    _Key("smb.max_transact_size", "max_transact_size", _SIZE),
    _Key("smb.max_read_size", "max_read_size", _SIZE),
    _Key("smb.max_write_size", "max_write_size", _SIZE),
    _Key("anonymous.RestrictAnonymous", "restrict_anonymous", _Int(0, 2)),
    _Key("anonymous.RestrictAnonymousSAM", "restrict_anonymous_sam", _Bool()),
    _Key("anonymous.EveryoneIncludesAnonymous", "everyone_includes_anonymous", _Bool()),
    _Key("anonymous.RestrictNullSessAccess", "restrict_null_sess_access", _Bool()),
    _Key("anonymous.NullSessionPipes", "null_session_pipes", _NameList(lower=True, pipe=True)),
    _Key("anonymous.NullSessionShares", "null_session_shares", _NameList(lower=False)),
    _Key("anonymous.LsaRestrictAnonymous", "lsa_restrict_anonymous", _Bool()),
    _Key("anonymous.TurnOffAnonymousBlock", "turn_off_anonymous_block", _Bool()),
    _Key("anonymous.LSAAnonymousNameLookup", "lsa_anonymous_name_lookup", _Bool()),
    _Key("anonymous.RestrictRemoteSAM", "restrict_remote_sam", _Sddl(), ("RestrictRemoteSam",)),
    _Key("anonymous.pre2000_compatible_access_members", "pre2000_compatible_access_members", _SidList()),
    _Key("anonymous.pipe_anonymous_refusal", "pipe_anonymous_refusal", _NameList(lower=True, pipe=True)),
    _Key("rpc.share_enum_admin_levels", "share_enum_admin_levels", _IntList((0, 1, 2, 501, 502, 503))),
)
_KEY_BY_PATH = {key.path: key for key in KEYS}
_SECTIONS: tuple[str, ...] = ("identity.ntlm", "identity.srvsvc", "identity", "smb", "anonymous", "rpc")
_SECTION_CLASSES: dict[str, type] = {
    "identity.ntlm": NtlmIdentity,
    "identity.srvsvc": SrvsvcIdentity,
    "identity": Identity,
    "smb": SmbSettings,
    "anonymous": AnonymousSettings,
    "rpc": RpcSettings,
}
_FILE_ONLY_KEYS = ("extends",)


def _children(prefix: str) -> list[str]:
    """The keys allowed directly under ``prefix`` ("" = top level)."""
    out: list[str] = []
    for path in (*(k.path for k in KEYS), *_SECTIONS):
        if prefix and not path.startswith(prefix + "."):
            continue
        rest = path[len(prefix) + 1 :] if prefix else path
        head = rest.split(".")[0]
        if head not in out:
            out.append(head)
    return out if prefix else [*_FILE_ONLY_KEYS, *out]


def _short_names() -> dict[str, list[_Key]]:
    names: dict[str, list[_Key]] = {}
    for key in KEYS:
        for name in {key.path, key.attr, key.path.rsplit(".", 1)[-1], *key.aliases}:
            bucket = names.setdefault(name.lower(), [])
            if key not in bucket:
                bucket.append(key)
    return names


_SHORT_NAMES = _short_names()


# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------

def _builtin_dir() -> Path:
    return builtin_data_dir("smbemu_policies", "policies")


def list_profiles() -> list[str]:
    """Names of the built-in profiles (files in ``policies/`` not starting with ``_``)."""
    return sorted(p.stem for p in _builtin_dir().glob("*.yaml") if not p.name.startswith("_"))


def _display(path: Path) -> str:
    try:
        if path.resolve().parent == _builtin_dir().resolve():
            return f"policies/{path.name}"
    except OSError:  # pragma: no cover
        pass
    return str(path)


def profile_path(name_or_path: str | Path) -> Path:
    """The file of a built-in profile name or a path; ConfigError if there is none."""
    text = str(name_or_path)
    looks_like_path = isinstance(name_or_path, Path) or "/" in text or "\\" in text or text.endswith((".yaml", ".yml"))
    if looks_like_path:
        path = Path(text)
        if not path.is_file():
            raise ConfigError(text, "", "no such profile file")
        return path
    for stem in (text, text.lower()):
        candidate = _builtin_dir() / f"{stem}.yaml"
        if candidate.is_file():
            return candidate
    close = difflib.get_close_matches(text, list_profiles(), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ConfigError("--profile", "", f"no profile named {text!r}{hint}; available: {', '.join(list_profiles())} (or give a path to a .yaml file)")


def _read_yaml(path: Path, source: str) -> dict[str, Any]:
    data = read_yaml(path, source)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(source, "", f"expected a mapping of keys ({', '.join(_children(''))}); got {_show(data)}")
    return data


def _flatten(data: Mapping[str, Any], source: str, prefix: str = "") -> dict[str, Any]:
    """Check the keys of one file against the schema and parse every leaf; return path -> value."""
    allowed = _children(prefix)
    out: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = str(raw_key)
        path = f"{prefix}.{key}" if prefix else key
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            if not close:  # a Windows name or attribute name used in the wrong spelling?
                matches = _SHORT_NAMES.get(key.lower(), [])
                close = [m.path.rsplit(".", 1)[-1] for m in matches if m.path.rsplit(".", 1)[0] == prefix]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(source, path, f"unknown key{hint}; allowed: {', '.join(allowed)}")
        if not prefix and key in _FILE_ONLY_KEYS:
            continue
        if path in _SECTIONS:
            if not isinstance(value, dict):
                raise ConfigError(source, path, f"expected a mapping with keys {', '.join(_children(path))}; got {_show(value)}")
            out.update(_flatten(value, source, path))
            continue
        schema = _KEY_BY_PATH[path]
        try:
            out[path] = schema.kind.parse(value)
        except _Invalid as exc:
            raise ConfigError(source, path + exc.subkey, exc.problem) from None
    return out


def _chain(path: Path, seen: list[tuple[Path, str]]) -> list[tuple[Path, str, dict[str, Any]]]:
    """Files from the root (_base) to ``path``, each with its parsed data."""
    source = _display(path)
    resolved = path.resolve()
    if any(p == resolved for p, _ in seen):
        cycle = " → ".join([*(name for _, name in seen), source])
        raise ConfigError(seen[-1][1], "extends", f"cycle: {cycle}")
    data = _read_yaml(path, source)
    seen = [*seen, (resolved, source)]
    parent = data.get("extends")
    if parent is None:
        if path.stem == BASE_PROFILE:
            return [(path, source, data)]
        parent = BASE_PROFILE
    if not isinstance(parent, str) or not parent.strip():
        raise ConfigError(source, "extends", f"expected a profile name or path; got {_show(parent)}")
    parent_path = _find_parent(parent.strip(), path, source)
    return [*_chain(parent_path, seen), (path, source, data)]


def _find_parent(name: str, child: Path, source: str) -> Path:
    if name.endswith((".yaml", ".yml")) or "/" in name:
        candidate = (child.parent / name).resolve()
        if candidate.is_file():
            return candidate
        raise ConfigError(source, "extends", f"no such profile file {name!r} (relative to {child.parent})")
    for folder in (child.parent, _builtin_dir()):
        candidate = folder / f"{name}.yaml"
        if candidate.is_file():
            return candidate
    raise ConfigError(source, "extends", f"no profile named {name!r}; available: {', '.join(list_profiles())}")


def _resolve_override_key(name: str) -> _Key:
    matches = _SHORT_NAMES.get(name.strip().lower(), [])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ConfigError(SET_SOURCE, name, f"ambiguous; say one of: {', '.join(m.path for m in matches)}")
    close = difflib.get_close_matches(name.lower(), list(_SHORT_NAMES), n=1)
    hint = ""
    if close:
        hint = f" (did you mean {_SHORT_NAMES[close[0]][0].path!r}?)"
    raise ConfigError(SET_SOURCE, name, f"unknown key{hint}; allowed: {', '.join(k.path for k in KEYS)} (or their last part / Windows value name)")


def _parse_overrides(overrides: Mapping[str, str] | Iterable[str]) -> list[tuple[_Key, Any]]:
    pairs: list[tuple[str, str]] = []
    if isinstance(overrides, str):  # a single "KEY=VALUE", not an iterable of characters
        overrides = [overrides]
    if isinstance(overrides, Mapping):
        pairs = [(str(k), str(v)) for k, v in overrides.items()]
    else:
        for item in overrides:
            name, sep, value = item.partition("=")
            if not sep or not name.strip():
                raise ConfigError(SET_SOURCE, item, "expected KEY=VALUE (e.g. RestrictAnonymous=2 or NullSessionPipes=)")
            pairs.append((name, value))
    out: list[tuple[_Key, Any]] = []
    for name, value in pairs:
        key = _resolve_override_key(name)
        try:
            out.append((key, key.kind.parse_text(value)))
        except _Invalid as exc:
            raise ConfigError(SET_SOURCE, key.path + exc.subkey, exc.problem) from None
    return out


def load_profile(
    name_or_path: str | Path | None = None,
    overrides: Mapping[str, str] | Iterable[str] = (),
) -> Profile:
    """Load a built-in profile by name (default `DEFAULT_PROFILE`, ``win2000``) or a profile file,
    follow its ``extends:`` chain down to ``_base``, apply ``--set`` overrides and validate."""
    path = profile_path(DEFAULT_PROFILE if name_or_path is None else name_or_path)
    files = _chain(path, [])
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for _, source, data in files:
        for path_key, value in _flatten(data, source).items():
            values[path_key] = value
            sources[path_key] = source
    base_source = files[0][1]
    for schema_key in KEYS:
        if schema_key.path not in values:
            raise ConfigError(base_source, schema_key.path, f"missing: {BASE_PROFILE}.yaml must give every key a default")
    chain = tuple(source for _, source, _ in files)
    parsed = _parse_overrides(overrides)
    for override_key, value in parsed:
        values[override_key.path] = value
        sources[override_key.path] = SET_SOURCE
    if parsed:
        chain = (*chain, SET_SOURCE)
    _check_consistency(values, sources)
    return _build_profile(path.stem, path, values, sources, chain)


def _check_consistency(values: Mapping[str, Any], sources: Mapping[str, str]) -> None:
    """Rules that involve two keys; the error names the file of the later-set key."""
    if values["smb.encrypt_data"] and not any(d >= Dialect.SMB_3_0 for d in values["smb.dialects"]):
        raise ConfigError(sources["smb.encrypt_data"], "smb.encrypt_data",
                          "true needs an SMB 3.x dialect (3.0, 3.0.2 or 3.1.1) in smb.dialects")


def _build_profile(name: str, path: Path | None, values: dict[str, Any], sources: dict[str, str], chain: tuple[str, ...]) -> Profile:
    built: dict[str, Any] = {}
    for section in _SECTIONS:  # innermost first, so identity gets its ntlm / srvsvc objects
        kwargs: dict[str, Any] = {}
        for key in KEYS:
            if key.path.rsplit(".", 1)[0] == section:
                kwargs[key.attr] = values[key.path]
        for sub, obj in built.items():
            if sub.rsplit(".", 1)[0] == section and "." in sub:
                kwargs[sub.rsplit(".", 1)[1]] = obj
        built[section] = _SECTION_CLASSES[section](**kwargs)
    return Profile(
        name=name,
        description=values["description"],
        role=values["role"],
        identity=built["identity"],
        smb=built["smb"],
        anonymous=built["anonymous"],
        rpc=built["rpc"],
        sources=MappingProxyType(dict(sources)),
        chain=chain,
        path=path,
        values=MappingProxyType(dict(values)),
    )


# --------------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------------

def format_value(key: str, value: Any) -> str:
    """A value as `profiles show` prints it (dialect labels, server-type bit names, SID names)."""
    return _KEY_BY_PATH[key].kind.show(value)


def explain(profile: Profile) -> list[tuple[str, str, str]]:
    """(key path, value as text, where it came from) for every key, in schema order."""
    return [(key.path, format_value(key.path, profile.values[key.path]), profile.sources[key.path]) for key in KEYS]


def diff(a: Profile, b: Profile) -> list[tuple[str, str, str]]:
    """(key path, value in a, value in b) for every key whose effective value differs."""
    return [
        (key.path, format_value(key.path, a.values[key.path]), format_value(key.path, b.values[key.path]))
        for key in KEYS
        if a.values[key.path] != b.values[key.path]
    ]


def directory_for(profile: Profile, fixture: str | Path | None = None) -> Directory:
    """Load ``fixture`` (default: the built-in corp.yaml) the way ``profile`` sees it: its role,
    its release's BUILTIN aliases, its guest-account setting and its Pre-Windows 2000 members."""
    return load_fixture(
        fixture,
        role=profile.role,
        os_version=profile.identity.version,
        guest_enabled=profile.smb.guest_account_enabled,
        pre2000_members=profile.anonymous.pre2000_compatible_access_members,
    )

