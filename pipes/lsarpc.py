"""lsarpc: the Local Security Authority Remote Protocol (MS-LSAD policy calls and MS-LSAT
translation calls), on ``\\PIPE\\lsarpc``.

UUID 12345778-1234-abcd-ef00-0123456789ab version 0.0 (MS-LSAD 2.1, MS-LSAT 2.1).  Both
specifications share one interface; every opnum from 0 to 81 (the last one Windows Server 2003
defines, Samba's lsa.idl agrees) is declared here, in one of four ways:

* **emulated** — answered from the fixture directory (``ctx.server.directory``): LsarClose (0),
  LsarEnumeratePrivileges (2), LsarOpenPolicy (6), LsarQueryInformationPolicy (7),
  LsarEnumerateAccounts (11), LsarEnumerateTrustedDomains (13), LsarLookupNames (14),
  LsarLookupSids (15), LsarOpenAccount (17), LsarEnumeratePrivilegesAccount (18),
  LsarGetSystemAccessAccount (23), LsarLookupPrivilegeValue (31), LsarLookupPrivilegeName (32),
  LsarLookupPrivilegeDisplayName (33), LsarEnumerateAccountsWithUserRight (35),
  LsarEnumerateAccountRights (36), LsarOpenPolicy2 (44), LsarGetUserName (45),
  LsarQueryInformationPolicy2 (46), LsarEnumerateTrustedDomainsEx (50), LsarLookupSids2 (57),
  LsarLookupNames2 (58), LsarLookupNames3 (68);
* **refused** — the calls that change the LSA database (LsarSetInformationPolicy,
  LsarCreateAccount, LsarAddAccountRights, LsarCreateSecret, ...): the emulated server is
  read-only, so after the handle check they answer STATUS_ACCESS_DENIED (what a
  non-administrator gets on Windows; ``smbemu.policy`` logs why an administrator gets it too);
* **LsarLookupSids3 (76) / LsarLookupNames4 (77)** — MS-LSAT 2.1 and 3.2: TCP/IP with a Netlogon
  secure channel only.  Over a named pipe they fault with access denied (0x5), as Samba's
  server does for the same case (W: Samba's wire-tested behaviour; MS-LSAT leaves the answer
  to a wrong transport unstated);
* **faulted** — "OpnumNNNotUsedOnWire" (MS-LSAD 3.1.4) and the read-only calls not emulated
  yet (LsarQuerySecurityObject, the account/secret/trusted-domain objects...): nca_op_rng_error
  0x1C010002, listed in :data:`NOT_EMULATED` / :data:`NOT_USED_ON_WIRE`.

Access: LsarOpenPolicy / LsarOpenPolicy2 first ask the policy (``ctx.decide(access=...)``: the
anonymous rules of windows-defaults.md §0 rule 5), then grant the requested mask from the
caller's rights on the policy object (``ctx.grant(LSA_POLICY, ...)``: the default policy DACL of
MS-LSAD 3.1.1.1 the policy models — Everyone POLICY_EXECUTE, Administrators POLICY_ALL_ACCESS,
and from XP on an explicit ANONYMOUS LOGON ACE for 0x801, §0 rule 6).  The handle carries the
granted mask; each call checks the right MS-LSAD / MS-LSAT names for it (``ctx.require``:
STATUS_ACCESS_DENIED when it is missing), then asks the policy about the call itself (per
information class where there is one).  A closed, unknown or wrongly typed handle gets
STATUS_INVALID_HANDLE.

Translation (MS-LSAT 3.1.4): names and SIDs resolve through the directory's role rule
(``Directory.lookup_name`` / ``lookup_sid``: well-known SIDs, BUILTIN, the account domain —
the machine's SAM on a member or standalone server, the domain on a DC — then the primary
domain's groups on a member).  Referenced domains are listed once each, in the order first
met; MappedCount counts the translated entries; the status is STATUS_SUCCESS,
STATUS_SOME_NOT_MAPPED (0x107) or STATUS_NONE_MAPPED (0xC0000073) with the [out] structures
filled in every case, as Windows does (the Win32 LsaLookupSids page: the buffers must be
freed "even when the function fails with STATUS_NONE_MAPPED or STATUS_SOME_NOT_MAPPED").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final, NamedTuple

from smbemu.errors import RpcFault
from smbemu.policy.access import (
    LSA_ACCOUNT,
    LSA_POLICY,
    POLICY_GET_PRIVATE_INFORMATION,
    POLICY_LOOKUP_NAMES,
    POLICY_VIEW_AUDIT_INFORMATION,
    POLICY_VIEW_LOCAL_INFORMATION,
)
from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantBytes,
    ConformantVaryingBytes,
    ContextHandle,
    Guid,
    NdrType,
    Pointer,
    PSid,
    RpcUnicodeString,
    Sid,
    Struct,
    Union,
    WString,
    enum16,
    int32,
    int64,
    uint8,
    uint16,
    uint32,
    wchar,
)
from smbemu.rpc.paging import page
from smbemu.rpc.status import (
    RPC_X_INVALID_BOUND,
    FAULT_ACCESS_DENIED,
    STATUS_ACCESS_DENIED,
    STATUS_INVALID_HANDLE,
    STATUS_INVALID_PARAMETER,
    STATUS_NONE_MAPPED,
    STATUS_NO_MORE_ENTRIES,
    STATUS_NO_SUCH_PRIVILEGE,
    STATUS_OBJECT_NAME_NOT_FOUND,
    STATUS_SOME_NOT_MAPPED,
    STATUS_SUCCESS,
)

# -------------------------------------------------------------------------------------------
# Access rights (MS-LSAD 2.2.1.1; the object types and their generic mappings are
# smbemu.policy's, status codes smbemu.rpc.status's)
# -------------------------------------------------------------------------------------------

#: MS-LSAT 2.2.13 SID_NAME_USE values used here.
SID_TYPE_DOMAIN: Final = 3
SID_TYPE_UNKNOWN: Final = 8
#: LSAPR_REFERENCED_DOMAIN_LIST.MaxEntries as Windows fills it (Samba's
#: LSA_REF_DOMAIN_LIST_MULTIPLIER, taken from Windows traces).
REFERENCED_DOMAINS_MAX: Final = 32
#: MS-LSAT 2.2.15 / 2.2.17: at most 20480 SIDs and 1000 names per call ([range] attributes).
MAX_LOOKUP_SIDS: Final = 20480
MAX_LOOKUP_NAMES: Final = 1000
#: MS-LSAT 2.2.16 LSAP_LOOKUP_LEVEL: LsapLookupWksta (1) .. LsapLookupRODCReferralToFullDC (7).
LOOKUP_LEVELS: Final = range(1, 8)
POLICY_HANDLE: Final = "lsarpc.policy"
ACCOUNT_HANDLE: Final = "lsarpc.account"
#: MS-LSAD 2.2.1.1.3: the account object right the read calls need.
ACCOUNT_VIEW: Final = 0x00000001
#: MS-LSAD 2.2.1.1.5 (POLICY_MODE_*): the system access bit of each logon right.
SYSTEM_ACCESS_BITS: Final[dict[str, int]] = {
    "SeInteractiveLogonRight": 0x1, "SeNetworkLogonRight": 0x2, "SeBatchLogonRight": 0x4,
    "SeServiceLogonRight": 0x10, "SeDenyInteractiveLogonRight": 0x40,
    "SeDenyNetworkLogonRight": 0x80, "SeDenyBatchLogonRight": 0x100,
    "SeDenyServiceLogonRight": 0x200, "SeRemoteInteractiveLogonRight": 0x400,
    "SeDenyRemoteInteractiveLogonRight": 0x800}

# -------------------------------------------------------------------------------------------
# NDR types (MS-LSAD 2.2, MS-LSAT 2.2, MS-DTYP)
# -------------------------------------------------------------------------------------------

LSAPR_HANDLE: Final = ContextHandle
#: MS-DTYP 2.3.7 LUID.
LUID: Final = Struct("LUID", [("LowPart", uint32), ("HighPart", int32)])
#: MS-DTYP 2.3.6 STRING (8-bit, counted).
STRING: Final = Struct("STRING", [("Length", uint16), ("MaximumLength", uint16),
                                  ("Buffer", Pointer(ConformantVaryingBytes()))])
#: MS-LSAD 2.2.3 LSAPR_ACL and 2.2.4 LSAPR_SECURITY_DESCRIPTOR (decoded, never used).
LSAPR_ACL: Final = Struct("LSAPR_ACL", [("AclRevision", uint8), ("Sbz1", uint8),
                                        ("AclSize", uint16), ("Dummy1", ConformantBytes())])
LSAPR_SECURITY_DESCRIPTOR: Final = Struct("LSAPR_SECURITY_DESCRIPTOR", [
    ("Revision", uint8), ("Sbz1", uint8), ("Control", uint16), ("Owner", PSid),
    ("Group", PSid), ("Sacl", Pointer(LSAPR_ACL)), ("Dacl", Pointer(LSAPR_ACL))])
#: MS-LSAD 2.2.2.3 SECURITY_QUALITY_OF_SERVICE.
SECURITY_QUALITY_OF_SERVICE: Final = Struct("SECURITY_QUALITY_OF_SERVICE", [
    ("Length", uint32), ("ImpersonationLevel", enum16), ("ContextTrackingMode", uint8),
    ("EffectiveOnly", uint8)])
#: MS-LSAD 2.2.2.4 LSAPR_OBJECT_ATTRIBUTES (ignored by the server except for its presence).
LSAPR_OBJECT_ATTRIBUTES: Final = Struct("LSAPR_OBJECT_ATTRIBUTES", [
    ("Length", uint32), ("RootDirectory", Pointer(uint8)), ("ObjectName", Pointer(STRING)),
    ("Attributes", uint32), ("SecurityDescriptor", Pointer(LSAPR_SECURITY_DESCRIPTOR)),
    ("SecurityQualityOfService", Pointer(SECURITY_QUALITY_OF_SERVICE))])

# MS-LSAD 2.2.4.1-2.2.4.14: the LSAPR_POLICY_INFORMATION arms
POLICY_AUDIT_LOG_INFO: Final = Struct("POLICY_AUDIT_LOG_INFO", [
    ("AuditLogPercentFull", uint32), ("MaximumLogSize", uint32),
    ("AuditRetentionPeriod", int64), ("AuditLogFullShutdownInProgress", uint8),
    ("TimeToShutdown", int64), ("NextAuditRecordId", uint32)])
LSAPR_POLICY_AUDIT_EVENTS_INFO: Final = Struct("LSAPR_POLICY_AUDIT_EVENTS_INFO", [
    ("AuditingMode", uint8), ("EventAuditingOptions", Pointer(ConformantArray(uint32))),
    ("MaximumAuditEventCount", uint32)])
LSAPR_POLICY_PRIMARY_DOM_INFO: Final = Struct("LSAPR_POLICY_PRIMARY_DOM_INFO", [
    ("Name", RpcUnicodeString), ("Sid", PSid)])
LSAPR_POLICY_PD_ACCOUNT_INFO: Final = Struct("LSAPR_POLICY_PD_ACCOUNT_INFO", [
    ("Name", RpcUnicodeString)])
LSAPR_POLICY_ACCOUNT_DOM_INFO: Final = Struct("LSAPR_POLICY_ACCOUNT_DOM_INFO", [
    ("DomainName", RpcUnicodeString), ("DomainSid", PSid)])
#: POLICY_LSA_SERVER_ROLE is a plain (16-bit) enum in MS-LSAD 2.2.4.8, and impacket aligns the
#: arm of the union to 4 after the 16-bit class; Samba's lsa.idl makes it [v1_enum] (32-bit).
#: Written as a 32-bit value the bytes are the same for both readings (class, 2 bytes of
#: padding, role, zero high half), so both clients decode it.
POLICY_LSA_SERVER_ROLE_INFO: Final = Struct("POLICY_LSA_SERVER_ROLE_INFO", [
    ("LsaServerRole", uint32)])
LSAPR_POLICY_REPLICA_SRCE_INFO: Final = Struct("LSAPR_POLICY_REPLICA_SRCE_INFO", [
    ("ReplicaSource", RpcUnicodeString), ("ReplicaAccountName", RpcUnicodeString)])
LSAPR_POLICY_DNS_DOMAIN_INFO: Final = Struct("LSAPR_POLICY_DNS_DOMAIN_INFO", [
    ("Name", RpcUnicodeString), ("DnsDomainName", RpcUnicodeString),
    ("DnsForestName", RpcUnicodeString), ("DomainGuid", Guid), ("Sid", PSid)])
POLICY_INFORMATION_ARMS: Final[dict[int, NdrType]] = {
    1: POLICY_AUDIT_LOG_INFO, 2: LSAPR_POLICY_AUDIT_EVENTS_INFO,
    3: LSAPR_POLICY_PRIMARY_DOM_INFO, 4: LSAPR_POLICY_PD_ACCOUNT_INFO,
    5: LSAPR_POLICY_ACCOUNT_DOM_INFO, 6: POLICY_LSA_SERVER_ROLE_INFO,
    7: LSAPR_POLICY_REPLICA_SRCE_INFO, 12: LSAPR_POLICY_DNS_DOMAIN_INFO,
    13: LSAPR_POLICY_DNS_DOMAIN_INFO, 14: LSAPR_POLICY_ACCOUNT_DOM_INFO}
#: ``[switch_is(InformationClass)] LSAPR_POLICY_INFORMATION`` (POLICY_INFORMATION_CLASS is a
#: 16-bit enum).
LSAPR_POLICY_INFORMATION: Final = Union(enum16, POLICY_INFORMATION_ARMS, default=None,
                                        name="LSAPR_POLICY_INFORMATION")

# MS-LSAT 2.2.x: translation structures
LSAPR_TRUST_INFORMATION: Final = Struct("LSAPR_TRUST_INFORMATION", [
    ("Name", RpcUnicodeString), ("Sid", PSid)])
LSAPR_REFERENCED_DOMAIN_LIST: Final = Struct("LSAPR_REFERENCED_DOMAIN_LIST", [
    ("Entries", uint32), ("Domains", Pointer(ConformantArray(LSAPR_TRUST_INFORMATION))),
    ("MaxEntries", uint32)])
LSAPR_SID_INFORMATION: Final = Struct("LSAPR_SID_INFORMATION", [("Sid", PSid)])
LSAPR_SID_ENUM_BUFFER: Final = Struct("LSAPR_SID_ENUM_BUFFER", [
    ("Entries", uint32), ("SidInfo", Pointer(ConformantArray(LSAPR_SID_INFORMATION)))])
LSA_TRANSLATED_SID: Final = Struct("LSA_TRANSLATED_SID", [
    ("Use", enum16), ("RelativeId", uint32), ("DomainIndex", int32)])
LSAPR_TRANSLATED_SID_EX: Final = Struct("LSAPR_TRANSLATED_SID_EX", [
    ("Use", enum16), ("RelativeId", uint32), ("DomainIndex", int32), ("Flags", uint32)])
LSAPR_TRANSLATED_SID_EX2: Final = Struct("LSAPR_TRANSLATED_SID_EX2", [
    ("Use", enum16), ("Sid", PSid), ("DomainIndex", int32), ("Flags", uint32)])
LSAPR_TRANSLATED_NAME: Final = Struct("LSAPR_TRANSLATED_NAME", [
    ("Use", enum16), ("Name", RpcUnicodeString), ("DomainIndex", int32)])
LSAPR_TRANSLATED_NAME_EX: Final = Struct("LSAPR_TRANSLATED_NAME_EX", [
    ("Use", enum16), ("Name", RpcUnicodeString), ("DomainIndex", int32), ("Flags", uint32)])


def _translated(name: str, field: str, item: Struct) -> Struct:
    """``{unsigned long Entries; [size_is(Entries)] ITEM* <field>;}``."""
    return Struct(name, [("Entries", uint32), (field, Pointer(ConformantArray(item)))])


LSAPR_TRANSLATED_SIDS: Final = _translated("LSAPR_TRANSLATED_SIDS", "Sids", LSA_TRANSLATED_SID)
LSAPR_TRANSLATED_SIDS_EX: Final = _translated("LSAPR_TRANSLATED_SIDS_EX", "Sids",
                                              LSAPR_TRANSLATED_SID_EX)
LSAPR_TRANSLATED_SIDS_EX2: Final = _translated("LSAPR_TRANSLATED_SIDS_EX2", "Sids",
                                               LSAPR_TRANSLATED_SID_EX2)
LSAPR_TRANSLATED_NAMES: Final = _translated("LSAPR_TRANSLATED_NAMES", "Names",
                                            LSAPR_TRANSLATED_NAME)
LSAPR_TRANSLATED_NAMES_EX: Final = _translated("LSAPR_TRANSLATED_NAMES_EX", "Names",
                                               LSAPR_TRANSLATED_NAME_EX)

# MS-LSAD 2.2.5-2.2.8: enumerations
LSAPR_ACCOUNT_INFORMATION: Final = Struct("LSAPR_ACCOUNT_INFORMATION", [("Sid", PSid)])
LSAPR_ACCOUNT_ENUM_BUFFER: Final = Struct("LSAPR_ACCOUNT_ENUM_BUFFER", [
    ("EntriesRead", uint32),
    ("Information", Pointer(ConformantArray(LSAPR_ACCOUNT_INFORMATION)))])
LSAPR_USER_RIGHT_SET: Final = Struct("LSAPR_USER_RIGHT_SET", [
    ("Entries", uint32), ("UserRights", Pointer(ConformantArray(RpcUnicodeString)))])
LSAPR_POLICY_PRIVILEGE_DEF: Final = Struct("LSAPR_POLICY_PRIVILEGE_DEF", [
    ("Name", RpcUnicodeString), ("LocalValue", LUID)])
LSAPR_PRIVILEGE_ENUM_BUFFER: Final = Struct("LSAPR_PRIVILEGE_ENUM_BUFFER", [
    ("Entries", uint32), ("Privileges", Pointer(ConformantArray(LSAPR_POLICY_PRIVILEGE_DEF)))])
LSAPR_TRUSTED_ENUM_BUFFER: Final = Struct("LSAPR_TRUSTED_ENUM_BUFFER", [
    ("EntriesRead", uint32), ("Information", Pointer(ConformantArray(LSAPR_TRUST_INFORMATION)))])
LSAPR_TRUSTED_DOMAIN_INFORMATION_EX: Final = Struct("LSAPR_TRUSTED_DOMAIN_INFORMATION_EX", [
    ("Name", RpcUnicodeString), ("FlatName", RpcUnicodeString), ("Sid", PSid),
    ("TrustDirection", uint32), ("TrustType", uint32), ("TrustAttributes", uint32)])
LSAPR_TRUSTED_ENUM_BUFFER_EX: Final = Struct("LSAPR_TRUSTED_ENUM_BUFFER_EX", [
    ("EntriesRead", uint32),
    ("EnumerationBuffer", Pointer(ConformantArray(LSAPR_TRUSTED_DOMAIN_INFORMATION_EX)))])

#: MS-LSAD 2.2.5.3 / 2.2.5.4: LSAPR_LUID_AND_ATTRIBUTES, LSAPR_PRIVILEGE_SET (conformant).
LSAPR_LUID_AND_ATTRIBUTES: Final = Struct("LSAPR_LUID_AND_ATTRIBUTES", [
    ("Luid", LUID), ("Attributes", uint32)])
LSAPR_PRIVILEGE_SET: Final = Struct("LSAPR_PRIVILEGE_SET", [
    ("PrivilegeCount", uint32), ("Control", uint32),
    ("Privilege", ConformantArray(LSAPR_LUID_AND_ATTRIBUTES))])

PULONG: Final = Pointer(uint32, "ref")
P_REFERENCED_DOMAINS: Final = Pointer(LSAPR_REFERENCED_DOMAIN_LIST)
P_POLICY_INFORMATION: Final = Pointer(LSAPR_POLICY_INFORMATION)
P_UNICODE_STRING: Final = Pointer(RpcUnicodeString)

# -------------------------------------------------------------------------------------------
# The interface and its fault-only opnums
# -------------------------------------------------------------------------------------------

INTERFACE: Final = Interface(
    name="lsarpc", uuid="12345778-1234-abcd-ef00-0123456789ab", version=(0, 0),
    pipes=("lsarpc",), opnum_count=82,
    # Windows answers a bind on \PIPE\lsarpc with the secondary address of the LSA process's
    # own endpoint, \PIPE\lsass (network captures of Windows 2000-2022; Samba does the same).
    secondary_address="\\PIPE\\lsass",
    description="Local Security Authority (MS-LSAD / MS-LSAT)")

#: Read-only calls Windows implements and smbemu does not emulate yet: nca_op_rng_error.
NOT_EMULATED: Final = {
    3: "LsarQuerySecurityObject", 25: "LsarOpenTrustedDomain",
    26: "LsarQueryInfoTrustedDomain", 28: "LsarOpenSecret", 30: "LsarQuerySecret",
    39: "LsarQueryTrustedDomainInfo", 43: "LsarRetrievePrivateData",
    48: "LsarQueryTrustedDomainInfoByName", 53: "LsarQueryDomainInformationPolicy",
    55: "LsarOpenTrustedDomainByName", 73: "LsarQueryForestTrustInformation"}
#: MS-LSAD 3.1.4: "Opnum..NotUsedOnWire" (reserved for local use): nca_op_rng_error.
NOT_USED_ON_WIRE: Final = {n: f"Opnum{n}NotUsedOnWire" for n in (
    1, 5, 9, 21, 22, 52, 56, *range(60, 68), *range(69, 73), 75, *range(78, 82))}
for _opnum, _name in {**NOT_EMULATED, **NOT_USED_ON_WIRE}.items():
    INTERFACE.not_implemented(_opnum, _name)


# -------------------------------------------------------------------------------------------
# Access: caller rights, handles, the policy
# -------------------------------------------------------------------------------------------


def _kind(ctx: CallContext) -> str:
    kind = ctx.principal.kind
    return str(getattr(kind, "value", kind)).lower()


def _handle_status(ctx: CallContext, handle: bytes, needed: int) -> int:
    """STATUS_INVALID_HANDLE for a handle that is not an open policy handle of this
    association, STATUS_ACCESS_DENIED if it lacks ``needed`` (recorded), else 0."""
    entry = ctx.handles.lookup(handle, POLICY_HANDLE)
    if entry is None:
        return STATUS_INVALID_HANDLE
    if not ctx.require(entry.granted_access, needed, LSA_POLICY):
        return STATUS_ACCESS_DENIED
    return STATUS_SUCCESS


def _check(ctx: CallContext, handle: bytes, needed: int, operation: str,
           level: int | None = None) -> int:
    """The handle check, then the policy's word on the call (told the handle's granted
    access)."""
    status = _handle_status(ctx, handle, needed)
    if status:
        return status
    entry = ctx.handles.lookup(handle, POLICY_HANDLE)
    assert entry is not None
    return ctx.decide(operation, level, access=entry.granted_access).status


def _fail(ctx: CallContext, status: int, **values: Any) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    return op.error_response(status, **values)


# -------------------------------------------------------------------------------------------
# LsarClose (0), LsarOpenPolicy (6), LsarOpenPolicy2 (44)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(0, "LsarClose", request=[("ObjectHandle", LSAPR_HANDLE)],
                     response=[("ObjectHandle", LSAPR_HANDLE)])
def LsarClose(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.9.4: close the handle; the [out] handle is zeroed."""
    handle = request["ObjectHandle"]
    entry = ctx.handles.lookup(handle)
    if entry is None or entry.kind not in (POLICY_HANDLE, ACCOUNT_HANDLE):
        return {"ObjectHandle": handle, "ReturnValue": STATUS_INVALID_HANDLE}
    if ctx.handles.close(handle) is None:
        return {"ObjectHandle": handle, "ReturnValue": STATUS_INVALID_HANDLE}
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
    7: POLICY_VIEW_LOCAL_INFORMATION, 12: POLICY_VIEW_LOCAL_INFORMATION,
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
    if info_class == 3:
        return {"Name": primary.name, "Sid": _sid_text(primary.sid)}
    if info_class == 4:
        # MS-LSAD 3.1.4.4.3: "the server MUST return an empty string" (no PD account)
        return {"Name": ""}
    if info_class == 5:
        return {"DomainName": account.name, "DomainSid": str(account.sid)}
    if info_class == 6:
        return {"LsaServerRole": POLICY_SERVER_ROLE_PRIMARY}
    if info_class == 7:
        return {"ReplicaSource": "", "ReplicaAccountName": ""}
    if info_class in (12, 13):
        return {"Name": primary.name, "DnsDomainName": primary.dns_name or "",
                "DnsForestName": primary.forest_dns_name or "",
                "DomainGuid": primary.guid if primary.guid is not None else _NULL_GUID,
                "Sid": _sid_text(primary.sid)}
    # 14 PolicyLocalAccountDomainInformation: the machine's own SAM, whatever the role
    machine = directory.machine
    return {"DomainName": machine.netbios_name, "DomainSid": str(machine.sid)}


def _query_policy(ctx: CallContext, request: dict[str, Any], operation: str) -> dict[str, Any]:
    info_class = request["InformationClass"]
    needed = CLASS_ACCESS.get(info_class)
    handle_status = _handle_status(ctx, request["PolicyHandle"], 0)
    if handle_status:
        return {"PolicyInformation": None, "ReturnValue": handle_status}
    if needed is None:
        # 8 (quota: not modelled), 9-11 (MS-LSAD: not valid over RPC), unknown classes
        return {"PolicyInformation": None, "ReturnValue": STATUS_INVALID_PARAMETER}
    status = _check(ctx, request["PolicyHandle"], needed, operation, info_class)
    if status:
        return {"PolicyInformation": None, "ReturnValue": status}
    info = policy_information(ctx.server.directory, info_class)
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


# -------------------------------------------------------------------------------------------
# Translation: LsarLookupSids (15) / 2 (57) / 3 (76), LsarLookupNames (14) / 2 (58) / 3 (68)
# / 4 (77)
# -------------------------------------------------------------------------------------------


class _Domains:
    """The LSAPR_REFERENCED_DOMAIN_LIST being built: each domain once, in first-use order."""

    __slots__ = ("entries", "_index")

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self._index: dict[str, int] = {}

    def add(self, name: str, sid: str) -> int:
        index = self._index.get(sid)
        if index is None:
            index = self._index[sid] = len(self.entries)
            self.entries.append({"Name": name, "Sid": sid})
        return index

    def value(self) -> dict[str, Any]:
        return {"Entries": len(self.entries), "Domains": self.entries,
                "MaxEntries": REFERENCED_DOMAINS_MAX}


class Translation(NamedTuple):
    """One translated entry: SID_NAME_USE, isolated name, full SID, index in the domain list."""

    use: int
    name: str
    sid: str
    domain_index: int


def _sid_text(sid: Any) -> str | None:
    return None if sid is None else str(sid)


_NULL_GUID: Final = Guid.default()


def _known_domains(directory: Any) -> dict[str, str]:
    """SID -> name of the domains this machine can name an unknown account in."""
    known = {"S-1-5-32": "BUILTIN", "S-1-5": "NT AUTHORITY",
             str(directory.account_domain.sid): directory.account_domain.name}
    primary = directory.primary_domain
    if primary.sid is not None:
        known.setdefault(str(primary.sid), primary.name)
    return known


def translate_sid(directory: Any, sid_text: str, domains: _Domains) -> Translation:
    """MS-LSAT 3.1.4.11: one SID to its name, its domain added to ``domains``.

    A SID that does not translate keeps SidTypeUnknown.  When the machine knows its domain,
    the domain is listed and the name is the RID in eight upper-case hex digits; otherwise the
    name is the SID's string form and DomainIndex -1 (Samba's lookup rewrite modelled on
    Windows traces, W; MS-LSAT leaves the fields of unmapped entries undefined)."""
    sid_class = type(directory.account_domain.sid)
    try:
        sid = sid_class.parse(sid_text)
    except ValueError:
        return Translation(SID_TYPE_UNKNOWN, sid_text, sid_text, -1)
    found = directory.lookup_sid(sid)
    if found is None:
        if not sid.sub_authorities:
            return Translation(SID_TYPE_UNKNOWN, sid_text, sid_text, -1)
        dom_sid = str(sid.domain)
        dom_name = _known_domains(directory).get(dom_sid)
        if dom_name is None:
            return Translation(SID_TYPE_UNKNOWN, sid_text, sid_text, -1)
        return Translation(SID_TYPE_UNKNOWN, f"{sid.rid:08X}", sid_text,
                           domains.add(dom_name, dom_sid))
    use = int(found.sid_type)
    if use == SID_TYPE_DOMAIN or not sid.sub_authorities:
        index = domains.add(found.domain_name, sid_text)
    else:
        index = domains.add(found.domain_name, str(sid.domain))
    return Translation(use, found.name, sid_text, index)


def translate_name(directory: Any, name: str, domains: _Domains) -> Translation:
    """MS-LSAT 3.1.4.8: one name (isolated, ``DOMAIN\\name`` or ``name@dns``) to its SID.

    An empty name translates to the BUILTIN domain (Windows Server 2008 behaviour, as Samba
    records it; W).  A domain name translates to the domain (SidTypeDomain, RID 0xFFFFFFFF)."""
    found = directory.lookup_name(name or "BUILTIN")
    if found is None:
        return Translation(SID_TYPE_UNKNOWN, name, "", -1)
    use = int(found.sid_type)
    sid = found.sid
    if use == SID_TYPE_DOMAIN or not sid.sub_authorities:
        index = domains.add(found.domain_name, str(sid))
    else:
        index = domains.add(found.domain_name, str(sid.domain))
    return Translation(use, name, str(sid), index)


def _lookup_status(mapped: int, total: int) -> int:
    if mapped == total:
        return STATUS_SUCCESS
    return STATUS_NONE_MAPPED if mapped == 0 else STATUS_SOME_NOT_MAPPED


def _lookup_sids(ctx: CallContext, request: dict[str, Any], operation: str,
                 entry: Callable[[Translation], dict[str, Any]],
                 handle: bool = True) -> dict[str, Any]:
    buffer = request["SidEnumBuffer"]
    sid_infos = buffer["SidInfo"] or []
    if buffer["Entries"] > MAX_LOOKUP_SIDS:
        raise RpcFault(RPC_X_INVALID_BOUND, "SidEnumBuffer.Entries outside range(0, 20480)")
    empty = {"Entries": 0, "Names": None}
    if handle:
        status = _check(ctx, request["PolicyHandle"], POLICY_LOOKUP_NAMES, operation)
        if status:
            return _fail(ctx, status, TranslatedNames=empty, MappedCount=0)
    if request["LookupLevel"] not in LOOKUP_LEVELS or not sid_infos \
            or len(sid_infos) != buffer["Entries"] \
            or any(info["Sid"] is None for info in sid_infos):
        # MS-LSAT 3.1.4.11: no SIDs, a NULL SID or an unknown level are invalid parameters
        return _fail(ctx, STATUS_INVALID_PARAMETER, TranslatedNames=empty, MappedCount=0)
    directory = ctx.server.directory
    domains = _Domains()
    names = [translate_sid(directory, info["Sid"], domains) for info in sid_infos]
    mapped = sum(1 for t in names if t.use != SID_TYPE_UNKNOWN)
    return {"ReferencedDomains": domains.value(),
            "TranslatedNames": {"Entries": len(names), "Names": [entry(t) for t in names]},
            "MappedCount": mapped, "ReturnValue": _lookup_status(mapped, len(names))}


def _entry_name(t: Translation) -> dict[str, Any]:
    return {"Use": t.use, "Name": t.name, "DomainIndex": t.domain_index}


def _entry_name_ex(t: Translation) -> dict[str, Any]:
    return {"Use": t.use, "Name": t.name, "DomainIndex": t.domain_index, "Flags": 0}


_SIDS_OUT: Final = (("ReferencedDomains", P_REFERENCED_DOMAINS),)


@INTERFACE.operation(15, "LsarLookupSids",
                     request=[("PolicyHandle", LSAPR_HANDLE),
                              ("SidEnumBuffer", Pointer(LSAPR_SID_ENUM_BUFFER, "ref")),
                              ("TranslatedNames", Pointer(LSAPR_TRANSLATED_NAMES, "ref")),
                              ("LookupLevel", enum16), ("MappedCount", PULONG)],
                     response=[*_SIDS_OUT,
                               ("TranslatedNames", Pointer(LSAPR_TRANSLATED_NAMES, "ref")),
                               ("MappedCount", PULONG)])
def LsarLookupSids(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAT 3.1.4.11: SIDs to names (needs POLICY_LOOKUP_NAMES on the handle)."""
    return _lookup_sids(ctx, request, "LsarLookupSids", _entry_name)


_SIDS2_IN: Final = (("SidEnumBuffer", Pointer(LSAPR_SID_ENUM_BUFFER, "ref")),
                    ("TranslatedNames", Pointer(LSAPR_TRANSLATED_NAMES_EX, "ref")),
                    ("LookupLevel", enum16), ("MappedCount", PULONG),
                    ("LookupOptions", uint32), ("ClientRevision", uint32))
_SIDS2_OUT: Final = (*_SIDS_OUT, ("TranslatedNames", Pointer(LSAPR_TRANSLATED_NAMES_EX, "ref")),
                     ("MappedCount", PULONG))


@INTERFACE.operation(57, "LsarLookupSids2",
                     request=[("PolicyHandle", LSAPR_HANDLE), *_SIDS2_IN], response=_SIDS2_OUT)
def LsarLookupSids2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAT 3.1.4.10: as LsarLookupSids with LSAPR_TRANSLATED_NAME_EX (Flags 0)."""
    return _lookup_sids(ctx, request, "LsarLookupSids2", _entry_name_ex)


@INTERFACE.operation(76, "LsarLookupSids3", request=_SIDS2_IN, response=_SIDS2_OUT)
def LsarLookupSids3(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAT 3.1.4.9: TCP/IP and a Netlogon secure channel only (see the module docstring)."""
    raise RpcFault(FAULT_ACCESS_DENIED, "LsarLookupSids3 needs ncacn_ip_tcp with Netlogon auth")


def _lookup_names(ctx: CallContext, request: dict[str, Any], operation: str,
                  entry: Callable[[Translation], dict[str, Any]],
                  handle: bool = True) -> dict[str, Any]:
    names = request["Names"]
    if request["Count"] > MAX_LOOKUP_NAMES:
        raise RpcFault(RPC_X_INVALID_BOUND, "Count outside range(0, 1000)")
    empty = {"Entries": 0, "Sids": None}
    if handle:
        status = _check(ctx, request["PolicyHandle"], POLICY_LOOKUP_NAMES, operation)
        if status:
            return _fail(ctx, status, TranslatedSids=empty, MappedCount=0)
    if request["LookupLevel"] not in LOOKUP_LEVELS or not names:
        # MS-LSAT 3.1.4.8: no names or an unknown level are invalid parameters (U for 0 names)
        return _fail(ctx, STATUS_INVALID_PARAMETER, TranslatedSids=empty, MappedCount=0)
    directory = ctx.server.directory
    domains = _Domains()
    sids = [translate_name(directory, name, domains) for name in names]
    mapped = sum(1 for t in sids if t.use != SID_TYPE_UNKNOWN)
    return {"ReferencedDomains": domains.value(),
            "TranslatedSids": {"Entries": len(sids), "Sids": [entry(t) for t in sids]},
            "MappedCount": mapped, "ReturnValue": _lookup_status(mapped, len(sids))}


def _rid(t: Translation) -> int:
    if t.use == SID_TYPE_UNKNOWN:
        return 0
    if t.use == SID_TYPE_DOMAIN or t.sid.count("-") < 3:
        return 0xFFFFFFFF
    return int(t.sid.rsplit("-", 1)[1])


def _entry_sid(t: Translation) -> dict[str, Any]:
    return {"Use": t.use, "RelativeId": _rid(t), "DomainIndex": t.domain_index}


def _entry_sid_ex(t: Translation) -> dict[str, Any]:
    return {"Use": t.use, "RelativeId": _rid(t), "DomainIndex": t.domain_index, "Flags": 0}


def _entry_sid_ex2(t: Translation) -> dict[str, Any]:
    # an untranslated name carries the empty SID S-0-0 (the field is [ref]; Samba, W)
    return {"Use": t.use, "Sid": t.sid or "S-0-0", "DomainIndex": t.domain_index, "Flags": 0}


_NAMES_IN: Final = (("Count", uint32), ("Names", ConformantArray(RpcUnicodeString)))


def _names_ops(sids_type: Struct, extra: bool) -> tuple[list[tuple[str, NdrType]],
                                                         list[tuple[str, NdrType]]]:
    request: list[tuple[str, NdrType]] = [
        *_NAMES_IN, ("TranslatedSids", Pointer(sids_type, "ref")), ("LookupLevel", enum16),
        ("MappedCount", PULONG)]
    if extra:
        request += [("LookupOptions", uint32), ("ClientRevision", uint32)]
    response: list[tuple[str, NdrType]] = [
        *_SIDS_OUT, ("TranslatedSids", Pointer(sids_type, "ref")), ("MappedCount", PULONG)]
    return request, response


_N1_IN, _N1_OUT = _names_ops(LSAPR_TRANSLATED_SIDS, False)
_N2_IN, _N2_OUT = _names_ops(LSAPR_TRANSLATED_SIDS_EX, True)
_N3_IN, _N3_OUT = _names_ops(LSAPR_TRANSLATED_SIDS_EX2, True)


@INTERFACE.operation(14, "LsarLookupNames", request=[("PolicyHandle", LSAPR_HANDLE), *_N1_IN],
                     response=_N1_OUT)
def LsarLookupNames(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAT 3.1.4.8: names to SIDs (domain-relative RIDs)."""
    return _lookup_names(ctx, request, "LsarLookupNames", _entry_sid)


@INTERFACE.operation(58, "LsarLookupNames2", request=[("PolicyHandle", LSAPR_HANDLE), *_N2_IN],
                     response=_N2_OUT)
def LsarLookupNames2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAT 3.1.4.7: as LsarLookupNames with LSAPR_TRANSLATED_SID_EX (Flags 0)."""
    return _lookup_names(ctx, request, "LsarLookupNames2", _entry_sid_ex)


@INTERFACE.operation(68, "LsarLookupNames3", request=[("PolicyHandle", LSAPR_HANDLE), *_N3_IN],
                     response=_N3_OUT)
def LsarLookupNames3(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAT 3.1.4.6: as LsarLookupNames2 with full SIDs (LSAPR_TRANSLATED_SID_EX2)."""
    return _lookup_names(ctx, request, "LsarLookupNames3", _entry_sid_ex2)


@INTERFACE.operation(77, "LsarLookupNames4", request=_N3_IN, response=_N3_OUT)
def LsarLookupNames4(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAT 3.1.4.5: TCP/IP and a Netlogon secure channel only (see the module docstring)."""
    raise RpcFault(FAULT_ACCESS_DENIED, "LsarLookupNames4 needs ncacn_ip_tcp with Netlogon auth")


# -------------------------------------------------------------------------------------------
# LsarGetUserName (45)
# -------------------------------------------------------------------------------------------


def user_name(ctx: CallContext) -> tuple[str, str]:
    """(account, authority) of the caller as LSA names it: ANONYMOUS LOGON / NT AUTHORITY for
    the null session, else the account and the domain that holds it (the account domain: the
    machine on a member or standalone server, the domain on a DC)."""
    if _kind(ctx) == "anonymous":
        return "ANONYMOUS LOGON", "NT AUTHORITY"
    directory = ctx.server.directory
    name = ctx.principal.user_name
    user = directory.find_user(name)
    if user is not None:
        return user.name, directory.account_domain.name
    return name, ctx.principal.domain or directory.account_domain.name


@INTERFACE.operation(45, "LsarGetUserName",
                     # [in, out, unique] PRPC_UNICODE_STRING* DomainName: callers send a
                     # non-NULL pointer to a NULL one to ask for the domain; the [in] side is
                     # read as the outer pointer and the inner referent id (what follows it,
                     # if anything, is ignored)
                     request=[("SystemName", WString), ("UserName", P_UNICODE_STRING),
                              ("DomainName", Pointer(uint32))],
                     response=[("UserName", P_UNICODE_STRING),
                               ("DomainName", Pointer(P_UNICODE_STRING))])
def LsarGetUserName(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAT 3.1.4.4: the caller's name, and its domain when DomainName is not NULL."""
    status = ctx.decide("LsarGetUserName").status
    if status:
        return {"UserName": None, "DomainName": None, "ReturnValue": status}
    account, authority = user_name(ctx)
    domain = authority if request["DomainName"] is not None else None
    return {"UserName": account, "DomainName": domain, "ReturnValue": STATUS_SUCCESS}


# -------------------------------------------------------------------------------------------
# Privileges and rights: LsarEnumeratePrivileges (2), LsarLookupPrivilegeValue (31) / Name (32)
# / DisplayName (33), LsarEnumerateAccounts (11), LsarEnumerateAccountsWithUserRight (35),
# LsarEnumerateAccountRights (36)
# -------------------------------------------------------------------------------------------


class Privilege(NamedTuple):
    """A privilege: its LUID LowPart as Windows numbers it (winnt.h SE_*_PRIVILEGE), its name,
    its display name (English), the first release that has it."""

    luid: int
    name: str
    display_name: str
    since: tuple[int, int]


#: winnt.h / MS-LSAD 3.1.1.2.1: the privileges with the LUIDs of every Windows release.
PRIVILEGES: Final[tuple[Privilege, ...]] = (
    Privilege(2, "SeCreateTokenPrivilege", "Create a token object", (4, 0)),
    Privilege(3, "SeAssignPrimaryTokenPrivilege", "Replace a process level token", (4, 0)),
    Privilege(4, "SeLockMemoryPrivilege", "Lock pages in memory", (4, 0)),
    Privilege(5, "SeIncreaseQuotaPrivilege", "Adjust memory quotas for a process", (4, 0)),
    Privilege(6, "SeMachineAccountPrivilege", "Add workstations to domain", (4, 0)),
    Privilege(7, "SeTcbPrivilege", "Act as part of the operating system", (4, 0)),
    Privilege(8, "SeSecurityPrivilege", "Manage auditing and security log", (4, 0)),
    Privilege(9, "SeTakeOwnershipPrivilege", "Take ownership of files or other objects", (4, 0)),
    Privilege(10, "SeLoadDriverPrivilege", "Load and unload device drivers", (4, 0)),
    Privilege(11, "SeSystemProfilePrivilege", "Profile system performance", (4, 0)),
    Privilege(12, "SeSystemtimePrivilege", "Change the system time", (4, 0)),
    Privilege(13, "SeProfileSingleProcessPrivilege", "Profile single process", (4, 0)),
    Privilege(14, "SeIncreaseBasePriorityPrivilege", "Increase scheduling priority", (4, 0)),
    Privilege(15, "SeCreatePagefilePrivilege", "Create a pagefile", (4, 0)),
    Privilege(16, "SeCreatePermanentPrivilege", "Create permanent shared objects", (4, 0)),
    Privilege(17, "SeBackupPrivilege", "Back up files and directories", (4, 0)),
    Privilege(18, "SeRestorePrivilege", "Restore files and directories", (4, 0)),
    Privilege(19, "SeShutdownPrivilege", "Shut down the system", (4, 0)),
    Privilege(20, "SeDebugPrivilege", "Debug programs", (4, 0)),
    Privilege(21, "SeAuditPrivilege", "Generate security audits", (4, 0)),
    Privilege(22, "SeSystemEnvironmentPrivilege", "Modify firmware environment values", (4, 0)),
    Privilege(23, "SeChangeNotifyPrivilege", "Bypass traverse checking", (4, 0)),
    Privilege(24, "SeRemoteShutdownPrivilege", "Force shutdown from a remote system", (4, 0)),
    Privilege(25, "SeUndockPrivilege", "Remove computer from docking station", (5, 0)),
    Privilege(26, "SeSyncAgentPrivilege", "Synchronize directory service data", (5, 0)),
    Privilege(27, "SeEnableDelegationPrivilege",
              "Enable computer and user accounts to be trusted for delegation", (5, 0)),
    Privilege(28, "SeManageVolumePrivilege", "Perform volume maintenance tasks", (5, 1)),
    # 29 / 30 came with Windows 2000 SP4 (and XP SP2 / 2003)
    Privilege(29, "SeImpersonatePrivilege", "Impersonate a client after authentication", (5, 0)),
    Privilege(30, "SeCreateGlobalPrivilege", "Create global objects", (5, 0)),
    Privilege(31, "SeTrustedCredManAccessPrivilege",
              "Access Credential Manager as a trusted caller", (6, 0)),
    Privilege(32, "SeRelabelPrivilege", "Modify an object label", (6, 0)),
    Privilege(33, "SeIncreaseWorkingSetPrivilege", "Increase a process working set", (6, 0)),
    Privilege(34, "SeTimeZonePrivilege", "Change the time zone", (6, 0)),
    Privilege(35, "SeCreateSymbolicLinkPrivilege", "Create symbolic links", (6, 0)),
    Privilege(36, "SeDelegateSessionUserImpersonatePrivilege",
              "Obtain an impersonation token for another user in the same session", (10, 0)),
)

#: The account rights (no LUID; MS-LSAD 3.1.1.2.1), with their first release.
LOGON_RIGHTS: Final[dict[str, tuple[int, int]]] = {
    "SeInteractiveLogonRight": (4, 0), "SeNetworkLogonRight": (4, 0),
    "SeBatchLogonRight": (4, 0), "SeServiceLogonRight": (4, 0),
    "SeDenyInteractiveLogonRight": (5, 0), "SeDenyNetworkLogonRight": (5, 0),
    "SeDenyBatchLogonRight": (5, 0), "SeDenyServiceLogonRight": (5, 0),
    "SeRemoteInteractiveLogonRight": (5, 1), "SeDenyRemoteInteractiveLogonRight": (5, 1)}

_EVERYONE, _AUTH_USERS, _EDC = "S-1-1-0", "S-1-5-11", "S-1-5-9"
_ADMINS, _USERS, _POWER_USERS = "S-1-5-32-544", "S-1-5-32-545", "S-1-5-32-547"
_ACCOUNT_OPS, _SERVER_OPS, _PRINT_OPS = "S-1-5-32-548", "S-1-5-32-549", "S-1-5-32-550"
_BACKUP_OPS, _PRE2000 = "S-1-5-32-551", "S-1-5-32-554"

#: The default user rights assignment of a Windows 2000 / 2003 member or standalone server
#: (the "Local Security Settings" defaults; W: Microsoft's "User Rights Assignment" pages):
#: right -> SIDs holding it.  Rights held only by LocalSystem are not in the LSA database.
MEMBER_RIGHTS: Final[dict[str, tuple[str, ...]]] = {
    "SeNetworkLogonRight": (_EVERYONE, _ADMINS, _USERS, _POWER_USERS, _BACKUP_OPS),
    "SeInteractiveLogonRight": (_ADMINS, _USERS, _POWER_USERS, _BACKUP_OPS),
    "SeChangeNotifyPrivilege": (_EVERYONE, _ADMINS, _USERS, _POWER_USERS, _BACKUP_OPS),
    "SeBackupPrivilege": (_ADMINS, _BACKUP_OPS),
    "SeRestorePrivilege": (_ADMINS, _BACKUP_OPS),
    "SeShutdownPrivilege": (_ADMINS, _POWER_USERS, _BACKUP_OPS),
    "SeSystemtimePrivilege": (_ADMINS, _POWER_USERS),
    "SeProfileSingleProcessPrivilege": (_ADMINS, _POWER_USERS),
    "SeRemoteShutdownPrivilege": (_ADMINS,),
    "SeSecurityPrivilege": (_ADMINS,),
    "SeTakeOwnershipPrivilege": (_ADMINS,),
    "SeLoadDriverPrivilege": (_ADMINS,),
    "SeSystemProfilePrivilege": (_ADMINS,),
    "SeIncreaseBasePriorityPrivilege": (_ADMINS,),
    "SeCreatePagefilePrivilege": (_ADMINS,),
    "SeDebugPrivilege": (_ADMINS,),
    "SeSystemEnvironmentPrivilege": (_ADMINS,),
    "SeUndockPrivilege": (_ADMINS, _POWER_USERS),
    "SeIncreaseQuotaPrivilege": (_ADMINS,),
}
#: The Default Domain Controllers Policy of a Windows 2000 / 2003 DC (W, same pages).
DC_RIGHTS: Final[dict[str, tuple[str, ...]]] = {
    "SeNetworkLogonRight": (_EVERYONE, _ADMINS, _AUTH_USERS, _EDC),
    "SeInteractiveLogonRight": (_ADMINS, _ACCOUNT_OPS, _SERVER_OPS, _PRINT_OPS, _BACKUP_OPS),
    "SeChangeNotifyPrivilege": (_EVERYONE, _ADMINS, _AUTH_USERS, _PRE2000),
    "SeMachineAccountPrivilege": (_AUTH_USERS,),
    "SeBackupPrivilege": (_ADMINS, _SERVER_OPS, _BACKUP_OPS),
    "SeRestorePrivilege": (_ADMINS, _SERVER_OPS, _BACKUP_OPS),
    "SeShutdownPrivilege": (_ADMINS, _ACCOUNT_OPS, _SERVER_OPS, _PRINT_OPS, _BACKUP_OPS),
    "SeSystemtimePrivilege": (_ADMINS, _SERVER_OPS),
    "SeRemoteShutdownPrivilege": (_ADMINS, _SERVER_OPS),
    "SeLoadDriverPrivilege": (_ADMINS, _PRINT_OPS),
    "SeEnableDelegationPrivilege": (_ADMINS,),
    "SeSecurityPrivilege": (_ADMINS,),
    "SeTakeOwnershipPrivilege": (_ADMINS,),
    "SeSystemProfilePrivilege": (_ADMINS,),
    "SeProfileSingleProcessPrivilege": (_ADMINS,),
    "SeIncreaseBasePriorityPrivilege": (_ADMINS,),
    "SeCreatePagefilePrivilege": (_ADMINS,),
    "SeDebugPrivilege": (_ADMINS,),
    "SeSystemEnvironmentPrivilege": (_ADMINS,),
    "SeUndockPrivilege": (_ADMINS,),
    "SeIncreaseQuotaPrivilege": (_ADMINS,),
}


def privileges(ctx: CallContext) -> tuple[Privilege, ...]:
    version = ctx.server_view.version
    return tuple(p for p in PRIVILEGES if p.since <= version)


def rights_table(ctx: CallContext) -> dict[str, tuple[str, ...]]:
    """right -> SIDs for this machine's role, restricted to the SIDs that exist on it (no Power
    Users on a DC, no Account Operators off one)."""
    directory = ctx.server.directory
    table = DC_RIGHTS if directory.role == "dc" else MEMBER_RIGHTS
    builtin = {str(a.sid) for a in directory.builtin_domain.aliases}
    return {right: tuple(s for s in sids if not s.startswith("S-1-5-32-") or s in builtin)
            for right, sids in table.items()}


def accounts(ctx: CallContext) -> list[str]:
    """The SIDs that hold a privilege or right (the LSA account objects), in a stable order:
    well-known first, then BUILTIN by RID."""
    found: dict[str, None] = {}
    for sids in rights_table(ctx).values():
        for sid in sids:
            found.setdefault(sid, None)

    def key(sid: str) -> tuple[int, ...]:
        return tuple(int(x) for x in sid.split("-")[1:])

    return sorted(found, key=lambda s: (s.startswith("S-1-5-32-"), key(s)))


def _entry_bytes(sid: str) -> int:
    """Buffer bytes of one LSAPR_ACCOUNT_INFORMATION: a pointer and the SID (8 + 4n)."""
    return 4 + 8 + 4 * (sid.count("-") - 2)


def _privilege_bytes(privilege: Privilege) -> int:
    """Buffer bytes of one POLICY_PRIVILEGE_DEFINITION: the name's UNICODE_STRING header and
    LUID (16) plus the name in UTF-16."""
    return 16 + 2 * len(privilege.name)


@INTERFACE.operation(11, "LsarEnumerateAccounts",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("EnumerationContext", PULONG),
                              ("PreferedMaximumLength", uint32)],
                     response=[("EnumerationContext", PULONG),
                               ("EnumerationBuffer", Pointer(LSAPR_ACCOUNT_ENUM_BUFFER, "ref"))])
def LsarEnumerateAccounts(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.5.1: the account objects, paged by PreferedMaximumLength (at least one
    entry per call); STATUS_NO_MORE_ENTRIES once the context is past the end."""
    start = request["EnumerationContext"]
    empty = {"EntriesRead": 0, "Information": None}
    status = _check(ctx, request["PolicyHandle"], POLICY_VIEW_LOCAL_INFORMATION,
                    "LsarEnumerateAccounts")
    if status:
        return {"EnumerationContext": start, "EnumerationBuffer": empty, "ReturnValue": status}
    sids = accounts(ctx)
    if start >= len(sids):
        return {"EnumerationContext": start, "EnumerationBuffer": empty,
                "ReturnValue": STATUS_NO_MORE_ENTRIES}
    got = page(sids, start, request["PreferedMaximumLength"], _entry_bytes)
    return {"EnumerationContext": got.end,
            "EnumerationBuffer": {"EntriesRead": len(got.items),
                                  "Information": [{"Sid": s} for s in got.items]},
            "ReturnValue": got.ntstatus}


@INTERFACE.operation(36, "LsarEnumerateAccountRights",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("AccountSid", Pointer(Sid, "ref"))],
                     response=[("UserRights", Pointer(LSAPR_USER_RIGHT_SET, "ref"))])
def LsarEnumerateAccountRights(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.5.10: the privileges and rights of one account object;
    STATUS_OBJECT_NAME_NOT_FOUND for a SID that holds none."""
    empty = {"Entries": 0, "UserRights": None}
    status = _check(ctx, request["PolicyHandle"], POLICY_VIEW_LOCAL_INFORMATION,
                    "LsarEnumerateAccountRights")
    if status:
        return {"UserRights": empty, "ReturnValue": status}
    sid = request["AccountSid"]
    known = {p.name for p in privileges(ctx)} | set(LOGON_RIGHTS)
    rights = [r for r, sids in rights_table(ctx).items() if sid in sids and r in known]
    if not rights:
        return {"UserRights": empty, "ReturnValue": STATUS_OBJECT_NAME_NOT_FOUND}
    return {"UserRights": {"Entries": len(rights), "UserRights": rights},
            "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(35, "LsarEnumerateAccountsWithUserRight",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("UserRight", P_UNICODE_STRING)],
                     response=[("EnumerationBuffer", Pointer(LSAPR_ACCOUNT_ENUM_BUFFER, "ref"))])
def LsarEnumerateAccountsWithUserRight(ctx: CallContext,
                                       request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.5.9: the accounts holding one right; STATUS_NO_SUCH_PRIVILEGE for an
    unknown name, STATUS_NO_MORE_ENTRIES when nobody holds it."""
    empty = {"EntriesRead": 0, "Information": None}
    status = _check(ctx, request["PolicyHandle"],
                    POLICY_LOOKUP_NAMES | POLICY_VIEW_LOCAL_INFORMATION,
                    "LsarEnumerateAccountsWithUserRight")
    if status:
        return {"EnumerationBuffer": empty, "ReturnValue": status}
    right = request["UserRight"]
    if right is None:
        # a NULL right: every account object
        sids = accounts(ctx)
    else:
        if right not in {p.name for p in privileges(ctx)} | set(LOGON_RIGHTS):
            return {"EnumerationBuffer": empty, "ReturnValue": STATUS_NO_SUCH_PRIVILEGE}
        sids = list(rights_table(ctx).get(right, ()))
    if not sids:
        return {"EnumerationBuffer": empty, "ReturnValue": STATUS_NO_MORE_ENTRIES}
    return {"EnumerationBuffer": {"EntriesRead": len(sids),
                                  "Information": [{"Sid": s} for s in sids]},
            "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(2, "LsarEnumeratePrivileges",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("EnumerationContext", PULONG),
                              ("PreferedMaximumLength", uint32)],
                     response=[("EnumerationContext", PULONG),
                               ("EnumerationBuffer",
                                Pointer(LSAPR_PRIVILEGE_ENUM_BUFFER, "ref"))])
def LsarEnumeratePrivileges(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.8.1: the privileges (name and LUID), paged like LsarEnumerateAccounts."""
    start = request["EnumerationContext"]
    empty = {"Entries": 0, "Privileges": None}
    status = _check(ctx, request["PolicyHandle"], POLICY_VIEW_LOCAL_INFORMATION,
                    "LsarEnumeratePrivileges")
    if status:
        return {"EnumerationContext": start, "EnumerationBuffer": empty, "ReturnValue": status}
    privs = privileges(ctx)
    if start >= len(privs):
        return {"EnumerationContext": start, "EnumerationBuffer": empty,
                "ReturnValue": STATUS_NO_MORE_ENTRIES}
    got = page(privs, start, request["PreferedMaximumLength"], _privilege_bytes)
    entries = [{"Name": p.name, "LocalValue": {"LowPart": p.luid, "HighPart": 0}} for p in got.items]
    return {"EnumerationContext": got.end,
            "EnumerationBuffer": {"Entries": len(entries), "Privileges": entries},
            "ReturnValue": got.ntstatus}


def _privilege_by_name(ctx: CallContext, name: str) -> Privilege | None:
    lower = name.lower()
    return next((p for p in privileges(ctx) if p.name.lower() == lower), None)


@INTERFACE.operation(31, "LsarLookupPrivilegeValue",
                     request=[("PolicyHandle", LSAPR_HANDLE),
                              ("Name", Pointer(RpcUnicodeString, "ref"))],
                     response=[("Value", Pointer(LUID, "ref"))])
def LsarLookupPrivilegeValue(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.8.2: a privilege name to its LUID (names compare case-insensitively)."""
    zero = {"LowPart": 0, "HighPart": 0}
    status = _check(ctx, request["PolicyHandle"], POLICY_LOOKUP_NAMES,
                    "LsarLookupPrivilegeValue")
    if status:
        return {"Value": zero, "ReturnValue": status}
    priv = _privilege_by_name(ctx, request["Name"])
    if priv is None:
        return {"Value": zero, "ReturnValue": STATUS_NO_SUCH_PRIVILEGE}
    return {"Value": {"LowPart": priv.luid, "HighPart": 0}, "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(32, "LsarLookupPrivilegeName",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("Value", Pointer(LUID, "ref"))],
                     response=[("Name", P_UNICODE_STRING)])
def LsarLookupPrivilegeName(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.8.3: a LUID to its privilege name."""
    status = _check(ctx, request["PolicyHandle"], POLICY_LOOKUP_NAMES, "LsarLookupPrivilegeName")
    if status:
        return {"Name": None, "ReturnValue": status}
    value = request["Value"]
    priv = next((p for p in privileges(ctx)
                 if p.luid == value["LowPart"] and value["HighPart"] == 0), None)
    if priv is None:
        return {"Name": None, "ReturnValue": STATUS_NO_SUCH_PRIVILEGE}
    return {"Name": priv.name, "ReturnValue": STATUS_SUCCESS}


#: MS-LCID: en-US, the language of the display names.
LANG_EN_US: Final = 0x0409


@INTERFACE.operation(33, "LsarLookupPrivilegeDisplayName",
                     request=[("PolicyHandle", LSAPR_HANDLE),
                              ("Name", Pointer(RpcUnicodeString, "ref")),
                              ("ClientLanguage", uint16), ("ClientSystemDefaultLanguage", uint16)],
                     response=[("DisplayName", P_UNICODE_STRING),
                               ("LanguageReturned", Pointer(uint16, "ref"))])
def LsarLookupPrivilegeDisplayName(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.8.4: the English description of a privilege (the only language here)."""
    status = _check(ctx, request["PolicyHandle"], POLICY_LOOKUP_NAMES,
                    "LsarLookupPrivilegeDisplayName")
    if status:
        return {"DisplayName": None, "LanguageReturned": 0, "ReturnValue": status}
    priv = _privilege_by_name(ctx, request["Name"])
    if priv is None:
        return {"DisplayName": None, "LanguageReturned": 0,
                "ReturnValue": STATUS_NO_SUCH_PRIVILEGE}
    return {"DisplayName": priv.display_name, "LanguageReturned": LANG_EN_US,
            "ReturnValue": STATUS_SUCCESS}


# -------------------------------------------------------------------------------------------
# Account objects: LsarOpenAccount (17), LsarEnumeratePrivilegesAccount (18),
# LsarGetSystemAccessAccount (23)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(17, "LsarOpenAccount",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("AccountSid", Pointer(Sid, "ref")),
                              ("DesiredAccess", uint32)],
                     response=[("AccountHandle", LSAPR_HANDLE)])
def LsarOpenAccount(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.5.3: a handle to the account object of a SID that holds a privilege or a
    right; STATUS_OBJECT_NAME_NOT_FOUND for any other SID."""
    status = _check(ctx, request["PolicyHandle"], 0, "LsarOpenAccount")
    if status:
        return {"AccountHandle": bytes(20), "ReturnValue": status}
    sid = request["AccountSid"]
    if sid not in accounts(ctx):
        return {"AccountHandle": bytes(20), "ReturnValue": STATUS_OBJECT_NAME_NOT_FOUND}
    # U: MS-LSAD leaves the account object's default DACL to the implementation; modelled like
    # the policy object's: administrators all, everyone else ACCOUNT_READ | ACCOUNT_EXECUTE.
    granted = ctx.grant(LSA_ACCOUNT, request["DesiredAccess"])
    if granted is None:
        return {"AccountHandle": bytes(20), "ReturnValue": STATUS_ACCESS_DENIED}
    return {"AccountHandle": ctx.handles.create(ACCOUNT_HANDLE, sid, granted),
            "ReturnValue": STATUS_SUCCESS}


def _account(ctx: CallContext, handle: bytes, needed: int) -> tuple[str | None, int]:
    entry = ctx.handles.lookup(handle, ACCOUNT_HANDLE)
    if entry is None:
        return None, STATUS_INVALID_HANDLE
    if not ctx.require(entry.granted_access, needed, LSA_ACCOUNT):
        return None, STATUS_ACCESS_DENIED
    return str(entry.obj), STATUS_SUCCESS


def _rights_of(ctx: CallContext, sid: str) -> list[str]:
    return [r for r, sids in rights_table(ctx).items() if sid in sids]


@INTERFACE.operation(18, "LsarEnumeratePrivilegesAccount",
                     request=[("AccountHandle", LSAPR_HANDLE)],
                     response=[("Privileges", Pointer(LSAPR_PRIVILEGE_SET))])
def LsarEnumeratePrivilegesAccount(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.5.5: the privileges (not the logon rights) of the account, by LUID,
    attributes 0."""
    sid, status = _account(ctx, request["AccountHandle"], ACCOUNT_VIEW)
    if sid is None:
        return {"Privileges": None, "ReturnValue": status}
    luids = {p.name: p.luid for p in privileges(ctx)}
    held = [luids[r] for r in _rights_of(ctx, sid) if r in luids]
    return {"Privileges": {"PrivilegeCount": len(held), "Control": 0,
                           "Privilege": [{"Luid": {"LowPart": luid, "HighPart": 0},
                                          "Attributes": 0} for luid in held]},
            "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(23, "LsarGetSystemAccessAccount",
                     request=[("AccountHandle", LSAPR_HANDLE)],
                     response=[("SystemAccess", PULONG)])
def LsarGetSystemAccessAccount(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.5.7: the account's logon rights as POLICY_MODE_* bits."""
    sid, status = _account(ctx, request["AccountHandle"], ACCOUNT_VIEW)
    if sid is None:
        return {"SystemAccess": 0, "ReturnValue": status}
    bits = 0
    for right in _rights_of(ctx, sid):
        bits |= SYSTEM_ACCESS_BITS.get(right, 0)
    return {"SystemAccess": bits, "ReturnValue": STATUS_SUCCESS}


# -------------------------------------------------------------------------------------------
# Trusted domains: LsarEnumerateTrustedDomains (13) / Ex (50) — the fixture models no trusts
# -------------------------------------------------------------------------------------------


def _no_trusts(ctx: CallContext, request: dict[str, Any], buffer_field: str,
               operation: str) -> dict[str, Any]:
    """MS-LSAD 3.1.4.7.8 / 3.1.4.7.7: no trusted domain: STATUS_NO_MORE_ENTRIES, empty buffer."""
    empty = {"EntriesRead": 0, buffer_field: None}
    start = request["EnumerationContext"]
    status = _check(ctx, request["PolicyHandle"], POLICY_VIEW_LOCAL_INFORMATION, operation)
    return {"EnumerationContext": start, "EnumerationBuffer": empty,
            "ReturnValue": status or STATUS_NO_MORE_ENTRIES}


@INTERFACE.operation(13, "LsarEnumerateTrustedDomains",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("EnumerationContext", PULONG),
                              ("PreferedMaximumLength", uint32)],
                     response=[("EnumerationContext", PULONG),
                               ("EnumerationBuffer", Pointer(LSAPR_TRUSTED_ENUM_BUFFER, "ref"))])
def LsarEnumerateTrustedDomains(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return _no_trusts(ctx, request, "Information", "LsarEnumerateTrustedDomains")


@INTERFACE.operation(50, "LsarEnumerateTrustedDomainsEx",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("EnumerationContext", PULONG),
                              ("PreferedMaximumLength", uint32)],
                     response=[("EnumerationContext", PULONG),
                               ("EnumerationBuffer",
                                Pointer(LSAPR_TRUSTED_ENUM_BUFFER_EX, "ref"))])
def LsarEnumerateTrustedDomainsEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return _no_trusts(ctx, request, "EnumerationBuffer", "LsarEnumerateTrustedDomainsEx")


# -------------------------------------------------------------------------------------------
# Calls that change the LSA database: refused (read-only emulation)
# -------------------------------------------------------------------------------------------


def _refuse(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """STATUS_INVALID_HANDLE for a bad handle (the leading policy or account handle), else
    STATUS_ACCESS_DENIED (the policy logs why); [out] handles zero, [out] pointers NULL."""
    op = ctx.operation
    assert op is not None
    entry = ctx.handles.lookup(request["PolicyHandle"])
    if entry is None or entry.kind not in (POLICY_HANDLE, ACCOUNT_HANDLE):
        return op.error_response(STATUS_INVALID_HANDLE)
    return op.error_response(ctx.decide().status or STATUS_ACCESS_DENIED)


_OUT_HANDLE: Final = [("Handle", LSAPR_HANDLE)]
_REFUSED_OPS: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]]], ...]] = (
    (4, "LsarSetSecurityObject", []),
    (8, "LsarSetInformationPolicy", []),
    (10, "LsarCreateAccount", _OUT_HANDLE),
    (12, "LsarCreateTrustedDomain", _OUT_HANDLE),
    (16, "LsarCreateSecret", _OUT_HANDLE),
    (19, "LsarAddPrivilegesToAccount", []),
    (20, "LsarRemovePrivilegesFromAccount", []),
    (24, "LsarSetSystemAccessAccount", []),
    (27, "LsarSetInformationTrustedDomain", []),
    (29, "LsarSetSecret", []),
    (34, "LsarDeleteObject", _OUT_HANDLE),
    (37, "LsarAddAccountRights", []),
    (38, "LsarRemoveAccountRights", []),
    (40, "LsarSetTrustedDomainInfo", []),
    (41, "LsarDeleteTrustedDomain", []),
    (42, "LsarStorePrivateData", []),
    (47, "LsarSetInformationPolicy2", []),
    (49, "LsarSetTrustedDomainInfoByName", []),
    (51, "LsarCreateTrustedDomainEx", _OUT_HANDLE),
    (54, "LsarSetDomainInformationPolicy", []),
    (59, "LsarCreateTrustedDomainEx2", _OUT_HANDLE),
    (74, "LsarSetForestTrustInformation", [("CollisionInfo", Pointer(uint32))]),
)
for _opnum, _name, _out in _REFUSED_OPS:
    # only the leading handle is decoded; the rest of the stub is ignored (smbemu.rpc.ndr)
    INTERFACE.operation(_opnum, _name, request=[("PolicyHandle", LSAPR_HANDLE)],
                        response=_out)(_refuse)


__all__ = ["INTERFACE", "NOT_EMULATED", "NOT_USED_ON_WIRE", "PRIVILEGES", "LOGON_RIGHTS",
           "MEMBER_RIGHTS", "DC_RIGHTS", "CLASS_ACCESS", "policy_information", "translate_sid", "translate_name", "user_name",
           "accounts", "privileges", "rights_table", "Translation", "Privilege",
           "LSAPR_POLICY_INFORMATION", "LSAPR_REFERENCED_DOMAIN_LIST"]
