"""samr security descriptors: SamrQuerySecurityObject (MS-SAMR 3.1.5.12.2) and the default
SDs of the SAM objects (MS-SAMR 3.1.1.6, MS-DTYP 2.4.6)."""

from __future__ import annotations

import struct
from typing import Any

from smbemu.policy.access import (
    ACCESS_SYSTEM_SECURITY,
    READ_CONTROL,
    USER_CHANGE_PASSWORD,
    USER_WRITE_PREFERENCES,
    ObjectType,
)
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import Pointer, uint32
from smbemu.sid import sid_bytes
from smbemu.status import STATUS_SUCCESS

from .objects import INTERFACE, OBJECT_TYPES, USER, error_response, lookup_handle
from .types import SAMPR_HANDLE, SAMPR_SR_SECURITY_DESCRIPTOR

# -------------------------------------------------------------------------------------------
# Security descriptors: the SAM defaults; SamrQuerySecurityObject (3)
# -------------------------------------------------------------------------------------------


def _ace(mask: int, sid: str) -> bytes:
    """ACCESS_ALLOWED_ACE (MS-DTYP 2.4.4.2)."""
    body = struct.pack("<I", mask) + sid_bytes(sid)
    return struct.pack("<BBH", 0, 0, 4 + len(body)) + body


def security_descriptor(obj_type: ObjectType, security_information: int,
                        self_sid: str | None = None, *, change_password: bool = True) -> bytes:
    """A self-relative SD (MS-DTYP 2.4.6) as the SAM's defaults: owner BUILTIN\\Administrators,
    group SYSTEM, a DACL giving Everyone READ | EXECUTE, Administrators ALL_ACCESS (and a user
    WRITE_PREFERENCES | CHANGE_PASSWORD on itself).  Only the parts ``security_information``
    asks for (OWNER 1, GROUP 2, DACL 4) are present; a SACL is never returned.

    ``change_password`` False: the account "cannot change password", which the SAM keeps as
    Everyone's and the user's ACEs without USER_CHANGE_PASSWORD (MS-SAMR 3.1.5.12.1.1 DACL b)."""
    owner = sid_bytes("S-1-5-32-544") if security_information & 1 else b""
    group = sid_bytes("S-1-5-18") if security_information & 2 else b""
    dacl = b""
    control = 0x8000  # SE_SELF_RELATIVE
    if security_information & 4:
        withheld = 0 if change_password else USER_CHANGE_PASSWORD
        aces = [_ace(obj_type.everyone & ~withheld, "S-1-1-0"), _ace(obj_type.all, "S-1-5-32-544")]
        if self_sid is not None:
            aces.append(_ace((USER_WRITE_PREFERENCES | USER_CHANGE_PASSWORD | READ_CONTROL)
                             & ~withheld, self_sid))
        body = b"".join(aces)
        dacl = struct.pack("<BBHHH", 2, 0, 8 + len(body), len(aces), 0) + body
        control |= 0x0004  # SE_DACL_PRESENT
    offset = 20
    offsets = []
    for part in (owner, group, dacl):
        offsets.append(offset if part else 0)
        offset += len(part)
    header = struct.pack("<BBHIIII", 1, 0, control, offsets[0], offsets[1], 0, offsets[2])
    return header + owner + group + dacl


@INTERFACE.operation(3, "SamrQuerySecurityObject",
                     request=[("ObjectHandle", SAMPR_HANDLE), ("SecurityInformation", uint32)],
                     response=[("SecurityDescriptor", Pointer(SAMPR_SR_SECURITY_DESCRIPTOR))])
def SamrQuerySecurityObject(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.12.2: READ_CONTROL for owner/group/DACL, ACCESS_SYSTEM_SECURITY for a SACL."""
    info = request["SecurityInformation"]
    need = (READ_CONTROL if info & 0x7 else 0) | (ACCESS_SYSTEM_SECURITY if info & 0x8 else 0)
    entry, status = lookup_handle(ctx, request["ObjectHandle"], tuple(OBJECT_TYPES), need)
    if entry is None:
        return error_response(ctx, status)
    status = ctx.decide("SamrQuerySecurityObject").status
    if status:
        return error_response(ctx, status)
    account = entry.obj.account
    self_sid = str(account.sid) if entry.kind == USER.kind else None
    sd = security_descriptor(OBJECT_TYPES[entry.kind], info, self_sid,
                             change_password=not getattr(account, "cannot_change_password", False))
    return {"SecurityDescriptor": {"Length": len(sd), "SecurityDescriptor": sd},
            "ReturnValue": STATUS_SUCCESS}
