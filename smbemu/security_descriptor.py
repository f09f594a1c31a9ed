"""Self-relative security descriptors (MS-DTYP 2.4.6) of emulated objects -- registry keys,
the service control manager and its services -- as a query returns them: the owner, group and
DACL parts the caller asks for (SECURITY_INFORMATION, MS-DTYP 2.4.7); a SACL is never returned
(it needs SeSecurityPrivilege, which no remote caller of the emulation holds)."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Final

from smbemu.sid import Sid

OWNER_SECURITY_INFORMATION: Final = 0x1
GROUP_SECURITY_INFORMATION: Final = 0x2
DACL_SECURITY_INFORMATION: Final = 0x4
_SE_SELF_RELATIVE: Final = 0x8000
_SE_DACL_PRESENT: Final = 0x0004
_ACCESS_ALLOWED_ACE_TYPE: Final = 0
_ACL_REVISION: Final = 2


def acl(entries: Sequence[tuple[str, int]], ace_flags: int = 0) -> bytes:
    """An ACL of ACCESS_ALLOWED ACEs (MS-DTYP 2.4.5, 2.4.4.2): (SID text, access mask)."""
    aces = b""
    for sid_text, mask in entries:
        sid = Sid.parse(sid_text).to_bytes()
        aces += struct.pack("<BBHI", _ACCESS_ALLOWED_ACE_TYPE, ace_flags, 8 + len(sid), mask) + sid
    return struct.pack("<BBHHH", _ACL_REVISION, 0, 8 + len(aces), len(entries), 0) + aces


def self_relative(information: int, owner: str, group: str, dacl: Sequence[tuple[str, int]],
                  ace_flags: int = 0) -> bytes:
    """The descriptor with the parts ``information`` asks for, in MS-DTYP 2.4.6 order (header,
    then owner, group, DACL)."""
    control = _SE_SELF_RELATIVE
    owner_bytes = Sid.parse(owner).to_bytes() if information & OWNER_SECURITY_INFORMATION else b""
    group_bytes = Sid.parse(group).to_bytes() if information & GROUP_SECURITY_INFORMATION else b""
    dacl_bytes = acl(dacl, ace_flags) if information & DACL_SECURITY_INFORMATION else b""
    if dacl_bytes:
        control |= _SE_DACL_PRESENT
    offset = 20
    offsets = []
    for blob in (owner_bytes, group_bytes, b"", dacl_bytes):  # owner, group, SACL, DACL
        offsets.append(offset if blob else 0)
        offset += len(blob)
    return struct.pack("<BBHIIII", 1, 0, control, *offsets) + owner_bytes + group_bytes + dacl_bytes
