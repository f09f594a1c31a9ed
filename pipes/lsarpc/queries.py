"""lsarpc read calls on objects the emulated LSA holds none of (trusted domain objects,
domain policies; secrets live in ``secrets``) and its security descriptor: answered with the
status Windows gives, never a fault (issue 15 item 7: ``rpcclient lsaquerysecobj`` must not print PROCNUM_OUT_OF_RANGE).

* LsarQuerySecurityObject (3, MS-LSAD 3.1.4.9.1): the policy / account object's self-relative
  security descriptor, with READ_CONTROL (owner, group, DACL) or ACCESS_SYSTEM_SECURITY (SACL)
  on the handle;
* LsarDelete (1): Windows' LSA answers STATUS_NOT_SUPPORTED (Samba's torture test lsa.c
  test_Delete, written against Windows, asserts exactly that for this opnum; MS-LSAD 3.1.4 lists
  it as Opnum1NotUsedOnWire, yet the runtime dispatches it);
* the object opens and queries by name (LsarOpenTrustedDomain 25, LsarOpenTrustedDomainByName
  55, LsarQueryTrustedDomainInfo 39, LsarQueryTrustedDomainInfoByName 48,
  LsarQueryForestTrustInformation 73): the fixture holds no trusted domain object, so each
  answers STATUS_OBJECT_NAME_NOT_FOUND (MS-LSAD
  3.1.4.6.2 / 3.1.4.7.x: an object that does not exist is STATUS_OBJECT_NAME_NOT_FOUND; U for
  73, which also looks its TDO up by name: the status Windows gives for a missing TDO there is
  not verified, the other lookups' is used) once the policy handle holds the right MS-LSAD
  names (else STATUS_ACCESS_DENIED);
* the call on a trusted-domain handle (LsarQueryInfoTrustedDomain 26): no such handle can
  have been opened, so its handle is one lsarpc never issued: the runtime's context mismatch
  fault (objects.lsa_handle);
* LsarQueryDomainInformationPolicy (53, MS-LSAD 3.1.4.4.7): the Kerberos / EFS domain policies
  live in the domain's Group Policy, which the emulation does not model: STATUS_OBJECT_NAME_NOT_FOUND
  for EFS (no EFS policy, as on a fresh domain) and STATUS_INVALID_PARAMETER for any other
  class on a non-DC (U: the classes need a DC; Samba answers NOT_SUPPORTED).

Only the leading handle and, where the answer depends on it, the next [in] value are decoded;
[out] pointers are NULL.
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.policy.access import ACCESS_SYSTEM_SECURITY, LSA_ACCOUNT, LSA_POLICY, READ_CONTROL
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ConformantBytes, Pointer, Struct, enum16, uint32
from smbemu.security_descriptor import self_relative
from smbemu.status import (
    STATUS_ACCESS_DENIED,
    STATUS_INVALID_HANDLE,
    STATUS_INVALID_PARAMETER,
    STATUS_NOT_SUPPORTED,
    STATUS_OBJECT_NAME_NOT_FOUND,
    STATUS_SUCCESS,
)

from .objects import INTERFACE, error_response, lsa_handle, policy_handle_status
from .types import ACCOUNT_HANDLE, LSAPR_HANDLE, POLICY_HANDLE

#: MS-LSAD 2.2.1.1.2 access rights the calls below need on the policy handle.
POLICY_VIEW_LOCAL_INFORMATION: Final = 0x00000001
#: MS-LSAD 2.2.4.1 POLICY_DOMAIN_INFORMATION_CLASS: EFS (2), Kerberos ticket (3).
_EFS_CLASS: Final = 2

#: MS-LSAD 2.2.2.5 LSAPR_SR_SECURITY_DESCRIPTOR.
LSAPR_SR_SECURITY_DESCRIPTOR: Final = Struct("LSAPR_SR_SECURITY_DESCRIPTOR", [
    ("Length", uint32), ("SecurityDescriptor", Pointer(ConformantBytes()))])

#: The default owner / group of the LSA objects and the DACL the policy models (MS-LSAD 3.1.1.1,
#: 3.1.1.2: Everyone POLICY_EXECUTE, Administrators POLICY_ALL_ACCESS; windows-defaults.md §0
#: rule 6 adds ANONYMOUS LOGON 0x801 from XP on).
_ADMINISTRATORS: Final = "S-1-5-32-544"
_SYSTEM: Final = "S-1-5-18"
_ANONYMOUS_POLICY_ACE: Final = ("S-1-5-7", 0x00000801)


@INTERFACE.operation(1, "LsarDelete", request=[("ObjectHandle", LSAPR_HANDLE)],
                     response=[("ObjectHandle", LSAPR_HANDLE)])
def LsarDelete(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """STATUS_NOT_SUPPORTED once the handle is known (see the module docstring)."""
    handle = request["ObjectHandle"]
    lsa_handle(ctx, handle)
    return {"ObjectHandle": handle, "ReturnValue": STATUS_NOT_SUPPORTED}


@INTERFACE.operation(3, "LsarQuerySecurityObject",
                     request=[("ObjectHandle", LSAPR_HANDLE), ("SecurityInformation", uint32)],
                     response=[("SecurityDescriptor", Pointer(LSAPR_SR_SECURITY_DESCRIPTOR))])
def LsarQuerySecurityObject(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.9.1: READ_CONTROL for owner / group / DACL, ACCESS_SYSTEM_SECURITY for the
    SACL (never returned: the default LSA objects carry none in this model)."""
    entry = lsa_handle(ctx, request["ObjectHandle"])
    if entry.kind not in (POLICY_HANDLE, ACCOUNT_HANDLE):
        return error_response(ctx, STATUS_INVALID_HANDLE)
    info = request["SecurityInformation"]
    need = (READ_CONTROL if info & 0x7 else 0) | (ACCESS_SYSTEM_SECURITY if info & 0x8 else 0)
    object_type = LSA_POLICY if entry.kind == POLICY_HANDLE else LSA_ACCOUNT
    if not ctx.require(entry.granted_access, need, object_type):
        return error_response(ctx, STATUS_ACCESS_DENIED)
    status = ctx.decide("LsarQuerySecurityObject").status
    if status:
        return error_response(ctx, status)
    dacl = [("S-1-1-0", object_type.execute), (_ADMINISTRATORS, object_type.all)]
    if entry.kind == POLICY_HANDLE and ctx.server_view.version >= (5, 1):
        dacl.append(_ANONYMOUS_POLICY_ACE)
    sd = self_relative(info, _ADMINISTRATORS, _SYSTEM, dacl)
    return {"SecurityDescriptor": {"Length": len(sd), "SecurityDescriptor": sd},
            "ReturnValue": STATUS_SUCCESS}


def _not_found(needed: int) -> Any:
    def handler(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        status = policy_handle_status(ctx, request["PolicyHandle"], needed)
        if not status:
            status = ctx.decide().status or STATUS_OBJECT_NAME_NOT_FOUND
        return error_response(ctx, status)
    return handler


_OUT_HANDLE: Final = [("Handle", LSAPR_HANDLE)]
_OUT_POINTER: Final = [("Information", Pointer(uint32))]
#: (opnum, name, the right it needs on the policy handle, [out] parameters).
_BY_NAME: Final = (
    (25, "LsarOpenTrustedDomain", 0, _OUT_HANDLE),
    (39, "LsarQueryTrustedDomainInfo", POLICY_VIEW_LOCAL_INFORMATION, _OUT_POINTER),
    (48, "LsarQueryTrustedDomainInfoByName", POLICY_VIEW_LOCAL_INFORMATION, _OUT_POINTER),
    (55, "LsarOpenTrustedDomainByName", 0, _OUT_HANDLE),
    (73, "LsarQueryForestTrustInformation", POLICY_VIEW_LOCAL_INFORMATION, _OUT_POINTER),
)
for _opnum, _name, _needed, _out in _BY_NAME:
    INTERFACE.operation(_opnum, _name, request=[("PolicyHandle", LSAPR_HANDLE)],
                        response=_out)(_not_found(_needed))


def _other_handle(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """A trusted-domain handle: none exists, so the handle is the context mismatch
    fault; a policy or account handle given instead is STATUS_INVALID_HANDLE."""
    lsa_handle(ctx, request["Handle"])
    return error_response(ctx, STATUS_INVALID_HANDLE)


INTERFACE.operation(26, "LsarQueryInfoTrustedDomain", request=[("Handle", LSAPR_HANDLE)],
                    response=_OUT_POINTER)(_other_handle)


@INTERFACE.operation(53, "LsarQueryDomainInformationPolicy",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("InformationClass", enum16)],
                     response=_OUT_POINTER)
def LsarQueryDomainInformationPolicy(ctx: CallContext,
                                     request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.4.7 (see the module docstring)."""
    status = policy_handle_status(ctx, request["PolicyHandle"], POLICY_VIEW_LOCAL_INFORMATION)
    if not status:
        status = ctx.decide(level=request["InformationClass"]).status
    if not status:
        status = (STATUS_OBJECT_NAME_NOT_FOUND if request["InformationClass"] == _EFS_CLASS
                  else STATUS_INVALID_PARAMETER)
    return error_response(ctx, status)
