"""samr changes an administrator makes besides accounts and memberships: SamrSetSecurityObject
(MS-SAMR 3.1.5.12.1), SamrSetMemberAttributesOfGroup (3.1.5.13.2) and SamrSetDSRMPassword
(3.1.5.13.6).

Each checks its handle in the package's order (``lookup_handle``), then asks the one enforcement
point (``ctx.decide``: administrators; Account Operators on a DC where the rule says so), then
does what Windows does:

* SamrSetSecurityObject: the descriptor must be a valid self-relative SD of simple ACEs (MS-DTYP
  2.4.6), the handle must hold the right of each SecurityInformation bit (WRITE_OWNER for owner and
  group, WRITE_DAC for the DACL, ACCESS_SYSTEM_SECURITY for the SACL; other bits ignored).  On a DC
  (3.1.5.12.1.1) only a user's DACL means anything: it must be one of the SAM's own DACLs, which
  differ only in whether Everyone and the user may change the password -- that becomes the
  account's "cannot change password" (what SamrQuerySecurityObject then returns, and what
  SamrUnicodeChangePasswordUser2 refuses).  A DACL that is none of them is
  STATUS_BAD_DESCRIPTOR_FORMAT (W: impacket's test_SamrSetSecurityObject, written against a DC,
  accepts exactly that status besides success).  Owner, group and SACL, and any other object's
  DACL, are accepted and not kept (U: the DC stores them in the directory object, which the
  emulation does not model; the SAM's own checks never read them).  Off a DC (3.1.5.12.1.2) the
  SD would replace the object's DACL for every later access check: not emulated, so a DACL there
  is STATUS_NOT_SUPPORTED (U) rather than a success that would not hold.
* SamrSetMemberAttributesOfGroup: GROUP_ADD_MEMBER (3.1.2.2); off a DC the member must be in the
  group (3.1.5.13.2 step 3: STATUS_MEMBER_NOT_IN_GROUP, U which error); the attributes themselves
  are not kept -- on a DC 3.1.5.14.7 ignores them, and every member is reported with
  SE_GROUP_MANDATORY | ENABLED_BY_DEFAULT | ENABLED as before (U off a DC).
* SamrSetDSRMPassword: a binding-handle call (no context handle).  Over RPC over TCP Windows
  refuses it in the runtime (fault rpc_s_access_denied), over \\pipe\\samr it answers an
  administrator STATUS_NOT_SUPPORTED -- W: impacket's test_SamrSetDSRMPassword, written against a
  DC, expects exactly these two; the emulation keeps no Directory Services Restore Mode account.
  A non-administrator is refused first (3.1.5.13.6 step 1), a non-DC answers STATUS_NOT_SUPPORTED
  too (step 2: "an error code", U which).
"""

from __future__ import annotations

import struct
from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.policy.access import (
    ACCESS_SYSTEM_SECURITY,
    GROUP_ADD_MEMBER,
    USER_CHANGE_PASSWORD,
)
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import Pointer, RpcUnicodeString, uint32
from smbemu.status import (
    FAULT_ACCESS_DENIED,
    STATUS_ACCESS_DENIED,
    STATUS_BAD_DESCRIPTOR_FORMAT,
    STATUS_INVALID_SECURITY_DESCR,
    STATUS_MEMBER_NOT_IN_GROUP,
    STATUS_NOT_SUPPORTED,
    STATUS_SUCCESS,
)

from .objects import GROUP, INTERFACE, OBJECT_TYPES, USER, directory_of, error_response, lookup_handle
from .types import ENCRYPTED_OWF_PASSWORD, SAMPR_HANDLE, SAMPR_SR_SECURITY_DESCRIPTOR

#: MS-DTYP 2.4.3: WRITE_DAC, WRITE_OWNER.
WRITE_DAC: Final = 0x00040000
WRITE_OWNER: Final = 0x00080000
#: SecurityInformation bits (MS-DTYP 2.4.7) -> the right they need (MS-SAMR 3.1.5.12.1.x table).
_SET_RIGHTS: Final = ((0x1, WRITE_OWNER), (0x2, WRITE_OWNER), (0x4, WRITE_DAC),
                      (0x8, ACCESS_SYSTEM_SECURITY))
_DACL_SECURITY_INFORMATION: Final = 0x4
#: MS-DTYP 2.4.4.1 ACE types that are "simple": ACCESS_ALLOWED_ACE, ACCESS_DENIED_ACE, and the
#: SACL's SYSTEM_AUDIT_ACE / SYSTEM_ALARM_ACE.
_SIMPLE_ACES: Final = frozenset({0, 1, 2, 3})
_WORLD_SID: Final = "S-1-1-0"


# -------------------------------------------------------------------------------------------
# Security descriptors (MS-DTYP 2.4.6 self-relative form)
# -------------------------------------------------------------------------------------------


def _sid_at(data: bytes, offset: int) -> str | None:
    """The SID at ``offset`` as S-1-..., or None when it does not fit (MS-DTYP 2.4.2.2)."""
    if offset + 8 > len(data) or data[offset] != 1:
        return None
    count = data[offset + 1]
    end = offset + 8 + 4 * count
    if count > 15 or end > len(data):
        return None
    authority = int.from_bytes(data[offset + 2:offset + 8], "big")
    subs = struct.unpack_from(f"<{count}I", data, offset + 8)
    return "-".join(["S-1", str(authority), *map(str, subs)])


def _acl_at(data: bytes, offset: int) -> list[tuple[int, int, str]] | None:
    """The ACEs (type, mask, SID) of the ACL at ``offset``; None when malformed or an ACE is not
    simple (MS-DTYP 2.4.5, 2.4.4)."""
    if offset + 8 > len(data):
        return None
    revision, _, size, count, _ = struct.unpack_from("<BBHHH", data, offset)
    if revision not in (2, 4) or size < 8 or offset + size > len(data):
        return None
    aces, position, end = [], offset + 8, offset + size
    for _ in range(count):
        if position + 8 > end:
            return None
        ace_type, _, ace_size = struct.unpack_from("<BBH", data, position)
        if ace_type not in _SIMPLE_ACES or ace_size < 16 or position + ace_size > end:
            return None
        sid = _sid_at(data[:position + ace_size], position + 8)
        if sid is None:
            return None
        aces.append((ace_type, struct.unpack_from("<I", data, position + 4)[0], sid))
        position += ace_size
    return aces


def parse_security_descriptor(data: bytes) -> dict[str, Any] | None:
    """A self-relative SD's owner, group and DACL (``None`` each when absent); None when the SD
    is not valid (MS-DTYP 2.4.6: revision 1, SE_SELF_RELATIVE, every offset inside the buffer)."""
    if len(data) < 20:
        return None
    revision, _, control, owner, group, sacl, dacl = struct.unpack_from("<BBHIIII", data)
    if revision != 1 or not control & 0x8000:
        return None
    parsed: dict[str, Any] = {"owner": None, "group": None, "dacl": None}
    for name, offset in (("owner", owner), ("group", group)):
        if offset:
            parsed[name] = _sid_at(data, offset)
            if parsed[name] is None:
                return None
    if sacl and control & 0x0010 and _acl_at(data, sacl) is None:
        return None
    if dacl and control & 0x0004:
        parsed["dacl"] = _acl_at(data, dacl)
        if parsed["dacl"] is None:
            return None
    return parsed


def _change_password_allowed(aces: list[tuple[int, int, str]], user_sid: str) -> bool | None:
    """Which of the SAM's user DACLs (MS-SAMR 3.1.5.12.1.1 step 3) ``aces`` is: True when the
    World and Self ACEs grant USER_CHANGE_PASSWORD, False when both withhold it, None when the DACL
    is not one of them (no World or Self allow ACE, a deny ACE, or the two disagree)."""
    allowed = {sid: mask for kind, mask, sid in aces if kind == 0}
    if any(kind == 1 for kind, _, _ in aces) or _WORLD_SID not in allowed or user_sid not in allowed:
        return None
    world = bool(allowed[_WORLD_SID] & USER_CHANGE_PASSWORD)
    if world != bool(allowed[user_sid] & USER_CHANGE_PASSWORD):
        return None
    return world


# -------------------------------------------------------------------------------------------
# SamrSetSecurityObject (2)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(2, "SamrSetSecurityObject",
                     request=[("ObjectHandle", SAMPR_HANDLE), ("SecurityInformation", uint32),
                              ("SecurityDescriptor", Pointer(SAMPR_SR_SECURITY_DESCRIPTOR, "ref"))],
                     response=[])
def SamrSetSecurityObject(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.12.1 (see the module docstring)."""
    entry, status = lookup_handle(ctx, request["ObjectHandle"], tuple(OBJECT_TYPES))
    if entry is None:
        return error_response(ctx, status)
    wrapper = request["SecurityDescriptor"] or {}
    parsed = parse_security_descriptor(bytes(wrapper.get("SecurityDescriptor") or b""))
    if parsed is None:
        return error_response(ctx, STATUS_INVALID_SECURITY_DESCR)
    info = request["SecurityInformation"]
    need = 0
    for bit, right in _SET_RIGHTS:
        if info & bit:
            need |= right
    if not ctx.require(entry.granted_access, need, OBJECT_TYPES[entry.kind]):
        return error_response(ctx, STATUS_ACCESS_DENIED)
    status = ctx.decide().status
    if status:
        return error_response(ctx, status)
    if not info & _DACL_SECURITY_INFORMATION or parsed["dacl"] is None:
        return {"ReturnValue": STATUS_SUCCESS}
    if not ctx.server_view.is_dc:
        return error_response(ctx, STATUS_NOT_SUPPORTED)
    if entry.kind != USER.kind:
        return {"ReturnValue": STATUS_SUCCESS}
    user = entry.obj.account
    may_change = _change_password_allowed(parsed["dacl"], str(user.sid))
    if may_change is None:
        return error_response(ctx, STATUS_BAD_DESCRIPTOR_FORMAT)
    if user.cannot_change_password == may_change:
        directory_of(ctx).update_user(user, cannot_change_password=not may_change)
    return {"ReturnValue": STATUS_SUCCESS}


# -------------------------------------------------------------------------------------------
# SamrSetMemberAttributesOfGroup (26)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(26, "SamrSetMemberAttributesOfGroup",
                     request=[("GroupHandle", SAMPR_HANDLE), ("MemberId", uint32),
                              ("Attributes", uint32)],
                     response=[])
def SamrSetMemberAttributesOfGroup(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.13.2 (see the module docstring)."""
    entry, status = lookup_handle(ctx, request["GroupHandle"], (GROUP.kind,), GROUP_ADD_MEMBER)
    if entry is None:
        return error_response(ctx, status)
    status = ctx.decide().status
    if status:
        return error_response(ctx, status)
    if not ctx.server_view.is_dc:
        member = f"{entry.obj.domain.sid}-{request['MemberId']}"
        if member not in {str(sid) for sid in entry.obj.account.members}:
            return error_response(ctx, STATUS_MEMBER_NOT_IN_GROUP)
    return {"ReturnValue": STATUS_SUCCESS}


# -------------------------------------------------------------------------------------------
# SamrSetDSRMPassword (66)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(66, "SamrSetDSRMPassword",
                     request=[("Unused", Pointer(RpcUnicodeString)), ("UserId", uint32),
                              ("EncryptedNtOwfPassword", Pointer(ENCRYPTED_OWF_PASSWORD))],
                     response=[])
def SamrSetDSRMPassword(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.13.6 (see the module docstring)."""
    over_smb = ctx.session_id in getattr(ctx.server, "sessions", {})  # an SMB session's pipe
    if not over_smb:
        ctx.deny("ncacn_np", "called SamrSetDSRMPassword over RPC over TCP")
        raise RpcFault(FAULT_ACCESS_DENIED, "SamrSetDSRMPassword is refused over ncacn_ip_tcp")
    status = ctx.decide().status
    if status:
        return error_response(ctx, status)
    return error_response(ctx, STATUS_NOT_SUPPORTED)
