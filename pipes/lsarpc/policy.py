"""lsarpc policy object: LsarClose (MS-LSAD 3.1.4.9.4), LsarOpenPolicy / 2 (3.1.4.4.1-2),
LsarQueryInformationPolicy / 2 (3.1.4.4.3-4)."""

from __future__ import annotations

from typing import Any, Final

from smbemu.policy.access import (
    LSA_POLICY,
    POLICY_GET_PRIVATE_INFORMATION,
    POLICY_VIEW_AUDIT_INFORMATION,
    POLICY_VIEW_LOCAL_INFORMATION,
)
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import Guid, Pointer, WString, enum16, uint32, unicode_string_nul_room, wchar
from smbemu.status import (
    STATUS_ACCESS_DENIED,
    STATUS_INVALID_PARAMETER,
    STATUS_SUCCESS,
)

from .objects import INTERFACE, check_call, lsa_handle, policy_handle_status
from .policy_store import DEFAULT_QUOTA, audit_events
from .types import (
    LSAPR_HANDLE,
    LSAPR_OBJECT_ATTRIBUTES,
    P_POLICY_INFORMATION,
    POLICY_HANDLE,
)


def _sid_text(sid: Any) -> str | None:
    return None if sid is None else str(sid)


_NULL_GUID: Final = Guid.default()


# -------------------------------------------------------------------------------------------
# LsarClose (0), LsarOpenPolicy (6), LsarOpenPolicy2 (44)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(0, "LsarClose", request=[("ObjectHandle", LSAPR_HANDLE)],
                     response=[("ObjectHandle", LSAPR_HANDLE)])
def LsarClose(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.9.4: close the handle; the [out] handle is zeroed."""
    handle = request["ObjectHandle"]
    lsa_handle(ctx, handle)  # a handle lsarpc never issued: context mismatch fault
    ctx.handles.close(handle)
    return {"ObjectHandle": bytes(20), "ReturnValue": STATUS_SUCCESS}


def _open_policy(ctx: CallContext, request: dict[str, Any], operation: str) -> dict[str, Any]:
    desired = request["DesiredAccess"]
    status = ctx.decide(operation, access=desired).status
    if status:
        return {"PolicyHandle": bytes(20), "ReturnValue": status}
    granted = ctx.grant(LSA_POLICY, desired)
    if granted is None:
        return {"PolicyHandle": bytes(20), "ReturnValue": STATUS_ACCESS_DENIED}
    handle = ctx.handles.create(POLICY_HANDLE, None, granted)
    return {"PolicyHandle": handle, "ReturnValue": STATUS_SUCCESS}


_OPEN_IN: Final = (("ObjectAttributes", Pointer(LSAPR_OBJECT_ATTRIBUTES, "ref")),
                   ("DesiredAccess", uint32))


@INTERFACE.operation(6, "LsarOpenPolicy",
                     request=[("SystemName", Pointer(wchar)), *_OPEN_IN],
                     response=[("PolicyHandle", LSAPR_HANDLE)])
def LsarOpenPolicy(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.4.2: as LsarOpenPolicy2 (SystemName is a single character, ignored)."""
    return _open_policy(ctx, request, "LsarOpenPolicy")


@INTERFACE.operation(44, "LsarOpenPolicy2",
                     request=[("SystemName", WString), *_OPEN_IN],
                     response=[("PolicyHandle", LSAPR_HANDLE)])
def LsarOpenPolicy2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.4.1: a policy handle with the requested (or the maximum) access."""
    return _open_policy(ctx, request, "LsarOpenPolicy2")


# -------------------------------------------------------------------------------------------
# LsarQueryInformationPolicy (7) / 2 (46)
# -------------------------------------------------------------------------------------------

#: MS-LSAD 3.1.4.4.3: the access each information class needs.
CLASS_ACCESS: Final[dict[int, int]] = {
    1: POLICY_VIEW_AUDIT_INFORMATION, 2: POLICY_VIEW_AUDIT_INFORMATION,
    3: POLICY_VIEW_LOCAL_INFORMATION, 4: POLICY_GET_PRIVATE_INFORMATION,
    5: POLICY_VIEW_LOCAL_INFORMATION, 6: POLICY_VIEW_LOCAL_INFORMATION,
    7: POLICY_VIEW_LOCAL_INFORMATION, 8: POLICY_VIEW_LOCAL_INFORMATION, 12: POLICY_VIEW_LOCAL_INFORMATION,
    13: POLICY_VIEW_LOCAL_INFORMATION, 14: POLICY_VIEW_LOCAL_INFORMATION}
#: MS-LSAD 2.2.4.20 POLICY_AUDIT_EVENT_TYPE: nine categories from Windows 2000 on.
AUDIT_CATEGORIES: Final = 9
#: POLICY_LSA_SERVER_ROLE: PolicyServerRolePrimary (a PDC, a member or standalone server).
POLICY_SERVER_ROLE_PRIMARY: Final = 3


def policy_information(directory: Any, info_class: int) -> dict[str, Any]:
    """The LSAPR_POLICY_INFORMATION arm of ``info_class`` from the directory (the classes of
    :data:`CLASS_ACCESS`)."""
    primary = directory.primary_domain
    account = directory.account_domain
    if info_class == 1:
        # no security log is modelled: empty, default size (512 KB), overwrite as needed
        return {"AuditLogPercentFull": 0, "MaximumLogSize": 512 * 1024,
                "AuditRetentionPeriod": 0, "AuditLogFullShutdownInProgress": 0,
                "TimeToShutdown": 0, "NextAuditRecordId": 0}
    if info_class == 2:
        # auditing off, every category "no auditing" (the out-of-the-box member server; U
        # for DCs, whose Default Domain Controllers Policy later enabled success auditing)
        return {"AuditingMode": 0, "EventAuditingOptions": [0] * AUDIT_CATEGORIES,
                "MaximumAuditEventCount": AUDIT_CATEGORIES}
    # The domain names carry their NUL's room (MaximumLength = Length + 2), as Windows sends
    # them: ndr.unicode_string_nul_room (issue 13, compared with Windows captures there)
    room = unicode_string_nul_room
    if info_class == 3:
        return {"Name": room(primary.name), "Sid": _sid_text(primary.sid)}
    if info_class == 4:
        # MS-LSAD 3.1.4.4.3: "the server MUST return an empty string" (no PD account)
        return {"Name": ""}
    if info_class == 5:
        return {"DomainName": room(account.name), "DomainSid": str(account.sid)}
    if info_class == 6:
        return {"LsaServerRole": POLICY_SERVER_ROLE_PRIMARY}
    if info_class == 7:
        return {"ReplicaSource": "", "ReplicaAccountName": ""}
    if info_class in (12, 13):
        return {"Name": room(primary.name), "DnsDomainName": room(primary.dns_name or ""),
                "DnsForestName": room(primary.forest_dns_name or ""),
                "DomainGuid": primary.guid if primary.guid is not None else _NULL_GUID,
                "Sid": _sid_text(primary.sid)}
    # 14 PolicyLocalAccountDomainInformation: the machine's own SAM, whatever the role
    machine = directory.machine
    return {"DomainName": room(machine.netbios_name), "DomainSid": str(machine.sid)}


def _query_policy(ctx: CallContext, request: dict[str, Any], operation: str) -> dict[str, Any]:
    info_class = request["InformationClass"]
    needed = CLASS_ACCESS.get(info_class)
    handle_status = policy_handle_status(ctx, request["PolicyHandle"], 0)
    if handle_status:
        return {"PolicyInformation": None, "ReturnValue": handle_status}
    if needed is None:
        # 9-11 (MS-LSAD: not valid over RPC; Samba's rpc.lsa, written against Windows, expects
        # STATUS_INVALID_PARAMETER for them), unknown classes
        return {"PolicyInformation": None, "ReturnValue": STATUS_INVALID_PARAMETER}
    status = check_call(ctx, request["PolicyHandle"], needed, operation, info_class)
    if status:
        return {"PolicyInformation": None, "ReturnValue": status}
    directory = ctx.server.directory
    # PolicyAuditEventsInformation as an administrator last set it (policy_writes), else the default
    info = (audit_events(directory) if info_class == 2 else DEFAULT_QUOTA if info_class == 8
            else policy_information(directory, info_class))
    return {"PolicyInformation": (info_class, info), "ReturnValue": STATUS_SUCCESS}


_QUERY_IN: Final = (("PolicyHandle", LSAPR_HANDLE), ("InformationClass", enum16))


@INTERFACE.operation(7, "LsarQueryInformationPolicy", request=_QUERY_IN,
                     response=[("PolicyInformation", P_POLICY_INFORMATION)])
def LsarQueryInformationPolicy(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.4.4: as LsarQueryInformationPolicy2."""
    return _query_policy(ctx, request, "LsarQueryInformationPolicy")


@INTERFACE.operation(46, "LsarQueryInformationPolicy2", request=_QUERY_IN,
                     response=[("PolicyInformation", P_POLICY_INFORMATION)])
def LsarQueryInformationPolicy2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.4.3: one class of policy information, if the handle grants its right."""
    return _query_policy(ctx, request, "LsarQueryInformationPolicy2")
