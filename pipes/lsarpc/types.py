"""lsarpc NDR types and constants (MS-LSAD 2.2, MS-LSAT 2.2, MS-DTYP): object attributes, the
policy information classes, the translation buffers and the enumeration buffers."""

from __future__ import annotations

from typing import Final

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
    Struct,
    Union,
    enum16,
    int32,
    int64,
    uint8,
    uint16,
    uint32,
)

# -------------------------------------------------------------------------------------------
# Access rights (MS-LSAD 2.2.1.1; the object types and their generic mappings are
# smbemu.policy's, status codes smbemu.status's)
# -------------------------------------------------------------------------------------------

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
#: MS-LSAD 2.2.4.9 POLICY_DEFAULT_QUOTA_INFO: a QUOTA_LIMITS, whose first five members are
#: ``unsigned __int3264`` (4 bytes in NDR) and TimeLimit a LARGE_INTEGER (Samba's lsa.idl
#: lsa_DefaultQuotaInfo reads the same bytes).  Under NDR64 an ``__int3264`` is 8 bytes, which
#: smbemu's NDR types cannot express: an NDR64 caller of this class gets the 32-bit layout (a
#: known gap; no tool the project runs asks for the class over NDR64).
POLICY_DEFAULT_QUOTA_INFO: Final = Struct("POLICY_DEFAULT_QUOTA_INFO", [
    ("PagedPoolLimit", uint32), ("NonPagedPoolLimit", uint32), ("MinimumWorkingSetSize", uint32),
    ("MaximumWorkingSetSize", uint32), ("PagefileLimit", uint32), ("TimeLimit", int64)])
POLICY_INFORMATION_ARMS: Final[dict[int, NdrType]] = {
    1: POLICY_AUDIT_LOG_INFO, 2: LSAPR_POLICY_AUDIT_EVENTS_INFO,
    3: LSAPR_POLICY_PRIMARY_DOM_INFO, 4: LSAPR_POLICY_PD_ACCOUNT_INFO,
    5: LSAPR_POLICY_ACCOUNT_DOM_INFO, 6: POLICY_LSA_SERVER_ROLE_INFO,
    7: LSAPR_POLICY_REPLICA_SRCE_INFO, 8: POLICY_DEFAULT_QUOTA_INFO, 12: LSAPR_POLICY_DNS_DOMAIN_INFO,
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

#: MS-LSAD 2.2.4.23 LSAPR_POLICY_DOMAIN_EFS_INFO and 2.2.4.24 POLICY_DOMAIN_KERBEROS_TICKET_INFO,
#: the arms of 2.2.4.21 LSAPR_POLICY_DOMAIN_INFORMATION ([switch_is] on the 16-bit
#: POLICY_DOMAIN_INFORMATION_CLASS).  No arm for PolicyDomainQualityOfServiceInformation (1): it
#: is not supported (3.1.4.4.8: "RPC exception RPC_S_INVALID_TAG"), which the decoder's
#: nca_s_fault_invalid_tag gives.
LSAPR_POLICY_DOMAIN_EFS_INFO: Final = Struct("LSAPR_POLICY_DOMAIN_EFS_INFO", [
    ("InfoLength", uint32), ("EfsBlob", Pointer(ConformantBytes()))])
POLICY_DOMAIN_KERBEROS_TICKET_INFO: Final = Struct("POLICY_DOMAIN_KERBEROS_TICKET_INFO", [
    ("AuthenticationOptions", uint32), ("MaxServiceTicketAge", int64), ("MaxTicketAge", int64),
    ("MaxRenewAge", int64), ("MaxClockSkew", int64), ("Reserved", int64)])
LSAPR_POLICY_DOMAIN_INFORMATION: Final = Union(
    enum16, {2: LSAPR_POLICY_DOMAIN_EFS_INFO, 3: POLICY_DOMAIN_KERBEROS_TICKET_INFO},
    name="LSAPR_POLICY_DOMAIN_INFORMATION")
P_POLICY_DOMAIN_INFORMATION: Final = Pointer(LSAPR_POLICY_DOMAIN_INFORMATION)
