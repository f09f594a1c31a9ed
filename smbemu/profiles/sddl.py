"""SDDL (MS-DTYP 2.5.1), just enough for the RestrictRemoteSam value of a profile."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from smbemu.sid import Sid

__all__ = ["Ace", "SecurityDescriptor", "parse_sddl"]

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

