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

from typing import Final

from smbemu.policy.access import ObjectType
from smbemu.rpc import CallContext
from smbemu.security_descriptor import self_relative

from .hive import remote_paths
from .types import KEY_ALL_ACCESS, KEY_READ, KEY_SET_VALUE, MAXIMUM_ALLOWED

#: A registry key as an access-checked object (MS-RRP 2.2.3 REGSAM; winnt.h generic mapping:
#: KEY_READ, KEY_WRITE, KEY_EXECUTE = KEY_READ, KEY_ALL_ACCESS).  Its default DACL, as the
#: policy's model applies it, gives administrators every right and Everyone READ | EXECUTE,
#: i.e. KEY_READ -- the Users read ACE of HKLM's keys (W).
REGISTRY_KEY: Final = ObjectType(
    "REGISTRY_KEY", "winreg.key", read=KEY_READ, write=0x00020006, execute=KEY_READ,
    all=KEY_ALL_ACCESS,
    rights=(("KEY_QUERY_VALUE", 0x1), ("KEY_SET_VALUE", 0x2), ("KEY_CREATE_SUB_KEY", 0x4),
            ("KEY_ENUMERATE_SUB_KEYS", 0x8), ("KEY_NOTIFY", 0x10), ("KEY_CREATE_LINK", 0x20)))


#: KEY_WOW64_64KEY / KEY_WOW64_32KEY choose the registry view, not a right (MS-RRP 2.2.3).
_VIEW_BITS: Final = 0x0300


def open_predefined(ctx: CallContext, desired: int) -> tuple[int, bool] | None:
    """(granted access, in the winreg ACL) for a predefined-key open, or None after recording
    the refusal.  The winreg key's DACL admits administrators only; they are told apart by what
    their token holds on a key (write access: only administrators hold it, W)."""
    desired &= ~_VIEW_BITS
    held = ctx.grant(REGISTRY_KEY, MAXIMUM_ALLOWED)
    if held is None:
        return None
    granted = ctx.grant(REGISTRY_KEY, desired) if desired else KEY_READ
    if granted is None:
        return None
    return granted, bool(held & KEY_SET_VALUE)


def open_subkey(ctx: CallContext, desired: int) -> int | None:
    """The access a subkey handle gets (the key's DACL through the caller's token)."""
    desired &= ~_VIEW_BITS
    return ctx.grant(REGISTRY_KEY, desired) if desired else KEY_READ


def path_allowed(version: tuple[int, int], path: str) -> bool:
    """May a caller outside the winreg ACL open HKLM\\``path``?  Exact paths match exactly,
    AllowedPaths also their subpaths; comparisons ignore case (registry names do)."""
    exact, subpaths = remote_paths(version)
    wanted = path.strip("\\").lower()
    if any(wanted == p.lower() for p in exact):
        return True
    return any(wanted == p.lower() or wanted.startswith(p.lower() + "\\") for p in subpaths)


# -------------------------------------------------------------------------------------------
# The key security descriptor (MS-DTYP 2.4.6 self-relative form)
# -------------------------------------------------------------------------------------------

_CONTAINER_INHERIT_ACE: Final = 0x02
#: The DACL of HKLM's hives (W: `icacls`-style view of HKLM\SOFTWARE on 2003+; U on exact ACEs):
#: SYSTEM and Administrators full control, Users read, each inherited by subkeys.
_KEY_DACL: Final = (("S-1-5-18", KEY_ALL_ACCESS), ("S-1-5-32-544", KEY_ALL_ACCESS),
                    ("S-1-5-32-545", KEY_READ))


def key_security_descriptor(information: int) -> bytes:
    """The self-relative descriptor of an emulated key, with the parts ``information`` asks
    (owner Administrators, group SYSTEM, the DACL above); the SACL is never returned."""
    return self_relative(information, "S-1-5-32-544", "S-1-5-18", _KEY_DACL, _CONTAINER_INHERIT_ACE)

