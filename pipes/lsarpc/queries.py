"""lsarpc read calls on the domain policies (secrets live in ``secrets``, trusted domain
objects in ``trusted_domains`` / ``trust_info``) and its security descriptor: answered with the
status Windows gives, never a fault (issue 15 item 7: ``rpcclient lsaquerysecobj`` must not print PROCNUM_OUT_OF_RANGE).

* LsarQuerySecurityObject (3, MS-LSAD 3.1.4.9.1): the policy / account object's self-relative
  security descriptor, with READ_CONTROL (owner, group, DACL) or ACCESS_SYSTEM_SECURITY (SACL)
  on the handle;
* LsarDelete (1): Windows' LSA answers STATUS_NOT_SUPPORTED (Samba's torture test lsa.c
  test_Delete, written against Windows, asserts exactly that for this opnum; MS-LSAD 3.1.4 lists
  it as Opnum1NotUsedOnWire, yet the runtime dispatches it);
* LsarQueryDomainInformationPolicy (53, MS-LSAD 3.1.4.4.7): on a DC the Kerberos ticket policy
  (PolicyDomainKerberosTicketInformation: the Default Domain Policy's, or what an administrator
  set, ``policy_store``); the EFS recovery policy once one was set, else
  STATUS_OBJECT_NAME_NOT_FOUND (no EFS policy, as on a fresh domain: Samba's torture test
  rpc.lsa, written against Windows, accepts exactly that for EFS and requires success for
  Kerberos); the Kerberos class on a non-DC STATUS_OBJECT_NAME_NOT_FOUND (U: the policy lives on
  DCs; impacket's remote test accepts that status) and STATUS_INVALID_PARAMETER for
  PolicyDomainQualityOfServiceInformation (impacket's remote test expects it) and any other class.

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
from .policy_store import build_descriptor, efs_blob, kerberos, parse_descriptor, stored_parts
from .types import ACCOUNT_HANDLE, LSAPR_HANDLE, P_POLICY_DOMAIN_INFORMATION, POLICY_HANDLE

#: MS-LSAD 2.2.1.1.2 access rights the calls below need on the policy handle.
POLICY_VIEW_LOCAL_INFORMATION: Final = 0x00000001
#: MS-LSAD 2.2.4.1 POLICY_DOMAIN_INFORMATION_CLASS: EFS (2), Kerberos ticket (3).
_EFS_CLASS: Final = 2
_KERBEROS_CLASS: Final = 3

#: MS-LSAD 2.2.2.5 LSAPR_SR_SECURITY_DESCRIPTOR.
LSAPR_SR_SECURITY_DESCRIPTOR: Final = Struct("LSAPR_SR_SECURITY_DESCRIPTOR", [
    ("Length", uint32), ("SecurityDescriptor", Pointer(ConformantBytes()))])

#: The default owner / group of the LSA objects and the DACL the policy models (MS-LSAD 3.1.1.1,
#: 3.1.1.2: Everyone POLICY_EXECUTE, Administrators POLICY_ALL_ACCESS; windows-defaults.md §0
#: rule 6 adds ANONYMOUS LOGON 0x801 from XP on).
_ADMINISTRATORS: Final = "S-1-5-32-544"
_SYSTEM: Final = "S-1-5-18"
_ANONYMOUS_POLICY_ACE: Final = ("S-1-5-7", 0x00000801)


@INTERFACE.operation(1, "LsarDelete", request=[("ObjectHandle", LSAPR_HANDLE)], response=[])
def LsarDelete(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """STATUS_NOT_SUPPORTED once the handle is known (see the module docstring).  The handle is
    [in] only (Samba's lsa.idl lsa_Delete, the NT 4 LsarDelete): the response is the status
    alone -- with a handle in front, Samba's client read its first four bytes as the status."""
    lsa_handle(ctx, request["ObjectHandle"])
    return {"ReturnValue": STATUS_NOT_SUPPORTED}


def object_key(entry: Any) -> str:
    """The name an LSA object's changed security descriptor is kept under (policy_store)."""
    return "policy" if entry.kind == POLICY_HANDLE else f"account.{entry.obj}"


def descriptor_parts(ctx: CallContext, entry: Any) -> dict[str, bytes]:
    """The object's security descriptor by part: the default owner / group / DACL (see above),
    with the parts an administrator set through LsarSetSecurityObject over them."""
    object_type = LSA_POLICY if entry.kind == POLICY_HANDLE else LSA_ACCOUNT
    dacl = [("S-1-1-0", object_type.execute), (_ADMINISTRATORS, object_type.all)]
    if entry.kind == POLICY_HANDLE and ctx.server_view.version >= (5, 1):
        dacl.append(_ANONYMOUS_POLICY_ACE)
    parts = parse_descriptor(self_relative(0x7, _ADMINISTRATORS, _SYSTEM, dacl))
    parts.update(stored_parts(ctx.server.directory, object_key(entry)))
    return parts


@INTERFACE.operation(3, "LsarQuerySecurityObject",
                     request=[("ObjectHandle", LSAPR_HANDLE), ("SecurityInformation", uint32)],
                     response=[("SecurityDescriptor", Pointer(LSAPR_SR_SECURITY_DESCRIPTOR))])
def LsarQuerySecurityObject(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.9.1: READ_CONTROL for owner / group / DACL, ACCESS_SYSTEM_SECURITY for the
    SACL (returned only once an administrator set one: the default LSA objects carry none in
    this model)."""
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
    sd = build_descriptor(info, descriptor_parts(ctx, entry))
    return {"SecurityDescriptor": {"Length": len(sd), "SecurityDescriptor": sd},
            "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(53, "LsarQueryDomainInformationPolicy",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("InformationClass", enum16)],
                     response=[("PolicyDomainInformation", P_POLICY_DOMAIN_INFORMATION)])
def LsarQueryDomainInformationPolicy(ctx: CallContext,
                                     request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.4.7 (see the module docstring)."""
    info_class = request["InformationClass"]
    status = policy_handle_status(ctx, request["PolicyHandle"], POLICY_VIEW_LOCAL_INFORMATION)
    if not status:
        status = ctx.decide(level=info_class).status
    if status:
        return error_response(ctx, status)
    directory = ctx.server.directory
    if info_class == _EFS_CLASS:
        blob = efs_blob(directory)
        if blob is None:
            return error_response(ctx, STATUS_OBJECT_NAME_NOT_FOUND)
        info: Any = {"InfoLength": len(blob), "EfsBlob": blob}
    elif info_class == _KERBEROS_CLASS and ctx.server_view.is_dc:
        info = kerberos(directory)
    elif info_class == _KERBEROS_CLASS:
        return error_response(ctx, STATUS_OBJECT_NAME_NOT_FOUND)
    else:
        return error_response(ctx, STATUS_INVALID_PARAMETER)
    return {"PolicyDomainInformation": (info_class, info), "ReturnValue": STATUS_SUCCESS}
