"""lsarpc calls that change the policy object's settings, for administrators:
LsarSetInformationPolicy / LsarSetInformationPolicy2 (MS-LSAD 3.1.4.4.6 / 3.1.4.4.5),
LsarSetDomainInformationPolicy (3.1.4.4.8) and LsarSetSecurityObject (3.1.4.9.2).

Who may: each class needs a right on the policy handle (the table of 3.1.4.4.5, below) that the
policy object's default DACL grants to Administrators only (3.1.1.1.1), so anyone else is
refused STATUS_ACCESS_DENIED at the handle; then the policy's rule (administrators, logged with
each decision).  The change lives in the directory (``policy_store``), so every later query on
every connection sees it and ``--state`` keeps it; each one Windows audits by default is told to
the server's observers (`smbemu.events.PolicyChanged`: 4719, 4713, 4714,
`smbemu.audit_policy_changes`).

What is emulated: the audit policy (PolicyAuditEventsInformation), the Kerberos and EFS domain
policies, the security descriptors of the policy and account objects.  The classes that rename
or re-role the machine or its domain (primary / account / DNS domain, server role, replica
source) and the NT 4 quota / audit-log classes are refused by the rule as not modelled (the
emulated domain's identity is the fixture's); the classes MS-LSAD says cannot be set
(PolicyPdAccountInformation, PolicyModificationInformation, PolicyAuditFullQueryInformation, and
anything past PolicyLocalAccountDomainInformation) are STATUS_INVALID_PARAMETER whatever the
caller holds.
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.policy.access import ACCESS_SYSTEM_SECURITY, LSA_ACCOUNT, LSA_POLICY
from smbemu.policy.rules import Require, Rule
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import Pointer, enum16, uint32
from smbemu.status import (
    STATUS_ACCESS_DENIED,
    STATUS_INVALID_HANDLE,
    STATUS_INVALID_PARAMETER,
    STATUS_SUCCESS,
)

from . import policy_store
from .objects import INTERFACE, lsa_handle, policy_handle_status
from .queries import LSAPR_SR_SECURITY_DESCRIPTOR, descriptor_parts, object_key
from .types import (
    ACCOUNT_HANDLE,
    LSAPR_HANDLE,
    LSAPR_POLICY_DOMAIN_INFORMATION,
    LSAPR_POLICY_INFORMATION,
    POLICY_HANDLE,
)

#: MS-LSAD 2.2.1.1.2 policy rights and MS-DTYP 2.4.3 standard rights.
POLICY_TRUST_ADMIN: Final = 0x00000008
POLICY_SET_DEFAULT_QUOTA_LIMITS: Final = 0x00000080
POLICY_SET_AUDIT_REQUIREMENTS: Final = 0x00000100
POLICY_AUDIT_LOG_ADMIN: Final = 0x00000200
POLICY_SERVER_ADMIN: Final = 0x00000400
WRITE_DAC: Final = 0x00040000
WRITE_OWNER: Final = 0x00080000

#: MS-LSAD 3.1.4.4.5: the right each settable POLICY_INFORMATION_CLASS needs.  Classes absent
#: here (4 PolicyPdAccountInformation, 9 PolicyModificationInformation, 11
#: PolicyAuditFullQueryInformation, 15+) are not settable: STATUS_INVALID_PARAMETER.
SET_CLASS_ACCESS: Final[dict[int, int]] = {
    1: POLICY_AUDIT_LOG_ADMIN, 2: POLICY_SET_AUDIT_REQUIREMENTS, 3: POLICY_TRUST_ADMIN,
    5: POLICY_TRUST_ADMIN, 6: POLICY_SERVER_ADMIN, 7: POLICY_SERVER_ADMIN,
    8: POLICY_SET_DEFAULT_QUOTA_LIMITS, 10: POLICY_AUDIT_LOG_ADMIN, 12: POLICY_TRUST_ADMIN,
    13: POLICY_TRUST_ADMIN, 14: POLICY_TRUST_ADMIN}
#: The settable classes the emulation does not model (see the module docstring): refused by
#: the rule, for administrators too, and logged as such.
_NOT_MODELLED: Final = {1, 3, 5, 6, 7, 8, 10, 12, 13, 14}
_SET_RULE: Final = Rule(Require.ADMINISTRATORS, {cls: Require.NOBODY for cls in _NOT_MODELLED},
                        source="MS-LSAD 3.1.4.4.5, 3.1.1.1.1 (D: Administrators); the domain "
                               "identity, role and NT 4 classes not modelled")
#: MS-LSAD 2.2.4.19 POLICY_AUDIT_EVENT_OPTIONS bits.
AUDIT_SUCCESS: Final = 0x1
AUDIT_FAILURE: Final = 0x2
AUDIT_NONE: Final = 0x4
#: Per POLICY_AUDIT_EVENT_TYPE category (MS-LSAD 2.2.4.20), the CategoryId a 4719 prints (the
#: %%8272.. message codes of the Security log, in category order) and the category's GUID
#: (Microsoft, "Auditing Constants": Audit_System .. Audit_AccountLogon).
AUDIT_CATEGORY_IDS: Final = tuple(f"%%{8272 + n}" for n in range(9))
AUDIT_CATEGORY_GUIDS: Final = tuple(f"{{{0x69979848 + n:08X}-797A-11D9-BED3-505054503030}}"
                                    for n in range(9))
#: 4719 AuditPolicyChanges codes: success removed / added, failure removed / added.
_SUCCESS_REMOVED, _SUCCESS_ADDED, _FAILURE_REMOVED, _FAILURE_ADDED = "%%8448", "%%8449", "%%8450", "%%8451"


# -------------------------------------------------------------------------------------------
# LsarSetInformationPolicy (8) / LsarSetInformationPolicy2 (47)
# -------------------------------------------------------------------------------------------


def _new_audit_events(ctx: CallContext, given: Any) -> tuple[int, dict[str, Any] | None]:
    """The audit policy after applying ``given`` (MS-LSAD 2.2.4.4 / 2.2.4.19: per category,
    POLICY_AUDIT_EVENT_NONE clears it first, SUCCESS / FAILURE are then added, 0 leaves it
    unchanged); STATUS_INVALID_PARAMETER for no options, more categories than the server has,
    or an unknown bit (U: the checks' order)."""
    options = given.get("EventAuditingOptions")
    count = given.get("MaximumAuditEventCount", 0)
    if not options or not count or count > policy_store.AUDIT_CATEGORIES or len(options) < count:
        return STATUS_INVALID_PARAMETER, None
    current = policy_store.audit_events(ctx.server.directory)["EventAuditingOptions"]
    merged = list(current)
    for category, option in enumerate(options[:count]):
        if option & ~(AUDIT_SUCCESS | AUDIT_FAILURE | AUDIT_NONE):
            return STATUS_INVALID_PARAMETER, None
        kept = 0 if option & AUDIT_NONE else merged[category]
        merged[category] = kept | (option & (AUDIT_SUCCESS | AUDIT_FAILURE))
    return STATUS_SUCCESS, {"mode": 1 if given.get("AuditingMode") else 0, "options": merged}


def _audit_policy_events(ctx: CallContext, before: list[int], after: list[int]) -> None:
    """One 4719 per category whose options changed (Windows writes one per subcategory of the
    category; U: smbemu names the category, SubcategoryId "-")."""
    for category, (old, new) in enumerate(zip(before, after)):
        changes = [code for bit, added, removed in ((AUDIT_SUCCESS, _SUCCESS_ADDED, _SUCCESS_REMOVED),
                                                    (AUDIT_FAILURE, _FAILURE_ADDED, _FAILURE_REMOVED))
                   for code in ((added,) if new & bit and not old & bit else
                                (removed,) if old & bit and not new & bit else ())]
        if changes:
            policy_store.report(ctx, 4719, [("CategoryId", AUDIT_CATEGORY_IDS[category]), ("SubcategoryId", "-"),
                                ("SubcategoryGuid", AUDIT_CATEGORY_GUIDS[category]),
                                ("AuditPolicyChanges", ", ".join(changes))])


def _set_policy(ctx: CallContext, request: dict[str, Any], operation: str) -> dict[str, Any]:
    info_class = request["InformationClass"]
    handle_status = policy_handle_status(ctx, request["PolicyHandle"], 0)
    if handle_status:
        return {"ReturnValue": handle_status}
    needed = SET_CLASS_ACCESS.get(info_class)
    if needed is None or request["PolicyInformation"] is None:
        return {"ReturnValue": STATUS_INVALID_PARAMETER}
    status = policy_handle_status(ctx, request["PolicyHandle"], needed)
    if not status:
        status = ctx.decide(operation, info_class).status
    if status:
        return {"ReturnValue": status}
    _tag, given = request["PolicyInformation"]
    # Only PolicyAuditEventsInformation (2) gets past the rule (see _NOT_MODELLED).
    status, audit = _new_audit_events(ctx, given or {})
    if audit is None:
        return {"ReturnValue": status}
    before = policy_store.audit_events(ctx.server.directory)["EventAuditingOptions"]
    settings = policy_store.settings(ctx)
    settings["audit_events"] = audit
    policy_store.save(ctx, settings)
    _audit_policy_events(ctx, before, audit["options"])
    return {"ReturnValue": STATUS_SUCCESS}


_SET_IN: Final = [("PolicyHandle", LSAPR_HANDLE), ("InformationClass", enum16),
                  ("PolicyInformation", Pointer(LSAPR_POLICY_INFORMATION, "ref"))]


@INTERFACE.operation(8, "LsarSetInformationPolicy", request=_SET_IN, response=[], rule=_SET_RULE)
def LsarSetInformationPolicy(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.4.6: as LsarSetInformationPolicy2."""
    return _set_policy(ctx, request, "LsarSetInformationPolicy")


@INTERFACE.operation(47, "LsarSetInformationPolicy2", request=_SET_IN, response=[], rule=_SET_RULE)
def LsarSetInformationPolicy2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.4.5: one class of policy information, if the handle grants its right."""
    return _set_policy(ctx, request, "LsarSetInformationPolicy2")


# -------------------------------------------------------------------------------------------
# LsarSetDomainInformationPolicy (54)
# -------------------------------------------------------------------------------------------

_EFS_CLASS: Final = 2
_KERBEROS_CLASS: Final = 3
#: 4713's KerberosPolicyChange names (Microsoft, event 4713: KerMinT service ticket, KerMaxT
#: user ticket, KerMaxR renewal, KerProxy clock skew, KerOpts logon restrictions).
_KERBEROS_NAMES: Final = (("MaxServiceTicketAge", "KerMinT"), ("MaxTicketAge", "KerMaxT"),
                          ("MaxRenewAge", "KerMaxR"), ("MaxClockSkew", "KerProxy"),
                          ("AuthenticationOptions", "KerOpts"))
_DOMAIN_RULE: Final = Rule(Require.ADMINISTRATORS, {1: Require.NOBODY},
                           source="MS-LSAD 3.1.4.4.8, 3.1.1.1.1 (D: Administrators)")


@INTERFACE.operation(54, "LsarSetDomainInformationPolicy",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("InformationClass", enum16),
                              ("PolicyDomainInformation", Pointer(LSAPR_POLICY_DOMAIN_INFORMATION))],
                     response=[], rule=_DOMAIN_RULE)
def LsarSetDomainInformationPolicy(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.4.8: POLICY_SERVER_ADMIN on the handle (U: the right the table names for
    both classes); the EFS blob anywhere, the Kerberos ticket policy on a DC (U: elsewhere
    STATUS_INVALID_PARAMETER, the policy lives on DCs).  A NULL information is
    STATUS_INVALID_PARAMETER."""
    info_class = request["InformationClass"]
    status = policy_handle_status(ctx, request["PolicyHandle"], POLICY_SERVER_ADMIN)
    if not status:
        status = ctx.decide(level=info_class).status
    if status:
        return {"ReturnValue": status}
    given = request["PolicyDomainInformation"]
    if given is None or given[1] is None:
        return {"ReturnValue": STATUS_INVALID_PARAMETER}
    settings = policy_store.settings(ctx)
    directory = ctx.server.directory
    if info_class == _EFS_CLASS:
        blob = bytes(given[1].get("EfsBlob") or b"")
        settings["efs"] = blob.hex()
        policy_store.save(ctx, settings)
        policy_store.report(ctx, 4714, [])
        return {"ReturnValue": STATUS_SUCCESS}
    if info_class != _KERBEROS_CLASS or not ctx.server_view.is_dc:
        return {"ReturnValue": STATUS_INVALID_PARAMETER}
    old = policy_store.kerberos(directory)
    new = {name: int(given[1][name]) for name in policy_store.DEFAULT_KERBEROS}
    settings["kerberos"] = new
    policy_store.save(ctx, settings)
    changed = [f"{label}: 0x{new[name]:x} (0x{old[name]:x})" for name, label in _KERBEROS_NAMES
               if new[name] != old[name]]
    policy_store.report(ctx, 4713, [("KerberosPolicyChange", "; ".join(changed) or "--")])
    return {"ReturnValue": STATUS_SUCCESS}


# -------------------------------------------------------------------------------------------
# LsarSetSecurityObject (4)
# -------------------------------------------------------------------------------------------

#: Its one "level" (0) only makes the runtime leave the rule to the handler, which asks it after
#: the handle checks (the order of MS-LSAD 3.1.4.9.2: a stale handle is a fault first).
_SECURITY_RULE: Final = Rule(Require.ADMINISTRATORS, {0: Require.ADMINISTRATORS},
                             source="MS-LSAD 3.1.4.9.2, 3.1.1.1.1 (D: Administrators)")


@INTERFACE.operation(4, "LsarSetSecurityObject",
                     request=[("ObjectHandle", LSAPR_HANDLE), ("SecurityInformation", uint32),
                              ("SecurityDescriptor", Pointer(LSAPR_SR_SECURITY_DESCRIPTOR, "ref"))],
                     response=[], rule=_SECURITY_RULE)
def LsarSetSecurityObject(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.9.2: WRITE_OWNER for the owner or group, WRITE_DAC for the DACL,
    ACCESS_SYSTEM_SECURITY for the SACL; the parts named by SecurityInformation replace the
    object's, which later LsarQuerySecurityObject calls return.  A descriptor that is not a
    self-relative one, or lacks a part it is asked to set, is STATUS_INVALID_PARAMETER (U: the
    status Windows gives for a malformed descriptor).  Policy and account objects only (the
    secret objects keep their default descriptor: STATUS_INVALID_HANDLE, U)."""
    entry = lsa_handle(ctx, request["ObjectHandle"])
    if entry.kind not in (POLICY_HANDLE, ACCOUNT_HANDLE):
        return {"ReturnValue": STATUS_INVALID_HANDLE}
    info = request["SecurityInformation"]
    need = ((WRITE_OWNER if info & 0x3 else 0) | (WRITE_DAC if info & 0x4 else 0)
            | (ACCESS_SYSTEM_SECURITY if info & 0x8 else 0))
    object_type = LSA_POLICY if entry.kind == POLICY_HANDLE else LSA_ACCOUNT
    if not ctx.require(entry.granted_access, need, object_type):
        return {"ReturnValue": STATUS_ACCESS_DENIED}
    status = ctx.decide(level=0).status
    if status:
        return {"ReturnValue": status}
    given = request["SecurityDescriptor"] or {}
    try:
        parts = policy_store.parse_descriptor(bytes(given.get("SecurityDescriptor") or b""))
    except (ValueError, IndexError):
        return {"ReturnValue": STATUS_INVALID_PARAMETER}
    wanted = [name for bit, name in policy_store.PARTS if info & bit]
    if not wanted or any(name not in parts for name in wanted if name in ("owner", "group")):
        return {"ReturnValue": STATUS_INVALID_PARAMETER}
    current = descriptor_parts(ctx, entry)
    for name in wanted:
        if name in parts:
            current[name] = parts[name]
        else:
            current.pop(name, None)  # a DACL / SACL not present: none (MS-DTYP 2.4.6)
    settings = policy_store.settings(ctx)
    settings[f"security.{object_key(entry)}"] = {name: blob.hex() for name, blob in current.items()}
    policy_store.save(ctx, settings)
    return {"ReturnValue": STATUS_SUCCESS}
