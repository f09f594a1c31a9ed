"""Who may read what through winreg, and the security descriptor BaseRegGetKeySecurity returns.

The Remote Registry service checks every caller against the DACL of
``HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurePipeServers\\winreg`` (default: Administrators
full control; Backup Operators and LOCAL SERVICE read on 2003 and later, D: Microsoft KB 153183 /
"How to restrict access to the registry from a remote computer").  A caller the DACL does not
admit may still open the paths listed under ``AllowedExactPaths`` / ``AllowedPaths``
(the security options "Network access: Remotely accessible registry paths [and subpaths]", D);
everything else is ERROR_ACCESS_DENIED.  Administrators are the only principal kind here the
winreg DACL admits (Backup Operators is not a kind smbemu models).

Once past that check, a key's own DACL decides: HKLM's keys give Users KEY_READ and
Administrators / SYSTEM full control (W: the default hive ACLs), so a non-administrator asking
for any right beyond reading is refused (ERROR_ACCESS_DENIED).
"""

from __future__ import annotations

import struct
from typing import Any, Final

from smbemu.policy import Require, Rule, policy_for
from smbemu.rpc import CallContext
from smbemu.sid import Sid

from .hive import remote_paths
from .types import KEY_ALL_ACCESS, KEY_READ, READ_BITS

_WINREG_ACL: Final = Rule(Require.ADMINISTRATORS,
                          source="SecurePipeServers\\winreg DACL (D: KB 153183)")


def in_winreg_acl(ctx: CallContext) -> bool:
    """Does the winreg key's DACL admit the caller (administrators)?"""
    decision = policy_for(ctx.server).decide_rule(
        ctx.principal, "winreg", "SecurePipeServers\\winreg", _WINREG_ACL,
        returns="error_status_t")
    return decision.allowed


def path_allowed(version: tuple[int, int], path: str) -> bool:
    """May a caller outside the winreg ACL open HKLM\\``path``?  Exact paths match exactly,
    AllowedPaths also their subpaths; comparisons ignore case (registry names do)."""
    exact, subpaths = remote_paths(version)
    wanted = path.strip("\\").lower()
    if any(wanted == p.lower() for p in exact):
        return True
    return any(wanted == p.lower() or wanted.startswith(p.lower() + "\\") for p in subpaths)


def grant(full: bool, desired: int) -> int | None:
    """The access a key handle gets: administrators what they ask (MAXIMUM_ALLOWED = all),
    others KEY_READ when they ask no more than reading, else None (refused)."""
    if full:
        return KEY_ALL_ACCESS if desired & 0x02000000 else desired or KEY_READ
    if desired & ~READ_BITS:
        return None
    return KEY_READ


# -------------------------------------------------------------------------------------------
# The key security descriptor (MS-DTYP 2.4.6 self-relative form)
# -------------------------------------------------------------------------------------------

OWNER_SECURITY_INFORMATION: Final = 0x1
GROUP_SECURITY_INFORMATION: Final = 0x2
DACL_SECURITY_INFORMATION: Final = 0x4
_SE_SELF_RELATIVE: Final = 0x8000
_SE_DACL_PRESENT: Final = 0x0004
_CONTAINER_INHERIT_ACE: Final = 0x02
#: The DACL of HKLM's hives (W: `icacls`-style view of HKLM\SOFTWARE on 2003+; U on exact ACEs):
#: SYSTEM and Administrators full control, Users read, each inherited by subkeys.
_KEY_DACL: Final = (("S-1-5-18", KEY_ALL_ACCESS), ("S-1-5-32-544", KEY_ALL_ACCESS),
                    ("S-1-5-32-545", KEY_READ))


def _acl(entries: tuple[tuple[str, int], ...]) -> bytes:
    aces = b""
    for sid_text, mask in entries:
        sid = Sid.parse(sid_text).to_bytes()
        aces += struct.pack("<BBHI", 0, _CONTAINER_INHERIT_ACE, 8 + len(sid), mask) + sid
    return struct.pack("<BBHHH", 2, 0, 8 + len(aces), len(entries), 0) + aces


def key_security_descriptor(information: int) -> bytes:
    """The self-relative descriptor of an emulated key, with the parts ``information`` asks
    (owner Administrators, group SYSTEM, the DACL above); the SACL is never returned."""
    parts: list[tuple[int, bytes]] = []
    control = _SE_SELF_RELATIVE
    owner = Sid.parse("S-1-5-32-544").to_bytes() if information & OWNER_SECURITY_INFORMATION else b""
    group = Sid.parse("S-1-5-18").to_bytes() if information & GROUP_SECURITY_INFORMATION else b""
    dacl = _acl(_KEY_DACL) if information & DACL_SECURITY_INFORMATION else b""
    if dacl:
        control |= _SE_DACL_PRESENT
    offset = 20
    offsets = []
    for blob in (owner, group, b"", dacl):           # owner, group, sacl, dacl
        offsets.append(offset if blob else 0)
        offset += len(blob)
        parts.append((0, blob))
    header = struct.pack("<BBHIIII", 1, 0, control, *offsets)
    return header + owner + group + dacl


def describe(full: bool) -> Any:
    return "in the winreg ACL" if full else "outside the winreg ACL (AllowedPaths only)"
