"""netlogon NDR types and constants (MS-NRPC 2.2.1): NetrLogonControl function codes, DsrGetDcName
flags, trust flags, the authenticator, DOMAIN_CONTROLLER_INFOW, the trusted-domain array and the
logon-control information unions."""

from __future__ import annotations

from typing import Final

from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantBytes,
    FixedBytes,
    Guid,
    Pointer,
    PSid,
    Struct,
    Union,
    WString,
    enum16,
    uint32,
)

#: MS-NRPC 2.2.1.7.1 / 3.5.4.9.1 NetrLogonControl2Ex FunctionCode values.
NETLOGON_CONTROL_QUERY: Final = 0x0001
NETLOGON_CONTROL_REPLICATE: Final = 0x0002
NETLOGON_CONTROL_SYNCHRONIZE: Final = 0x0003
NETLOGON_CONTROL_PDC_REPLICATE: Final = 0x0004
NETLOGON_CONTROL_REDISCOVER: Final = 0x0005
NETLOGON_CONTROL_TC_QUERY: Final = 0x0006
NETLOGON_CONTROL_TRANSPORT_NOTIFY: Final = 0x0007
NETLOGON_CONTROL_FIND_USER: Final = 0x0008
NETLOGON_CONTROL_CHANGE_PASSWORD: Final = 0x0009
NETLOGON_CONTROL_TC_VERIFY: Final = 0x000A
NETLOGON_CONTROL_FORCE_DNS_REG: Final = 0x000B
NETLOGON_CONTROL_QUERY_DNS_REG: Final = 0x000C
NETLOGON_CONTROL_BACKUP_CHANGE_LOG: Final = 0xFFFC
NETLOGON_CONTROL_TRUNCATE_LOG: Final = 0xFFFD
NETLOGON_CONTROL_SET_DBFLAG: Final = 0xFFFE
NETLOGON_CONTROL_BREAKPOINT: Final = 0xFFFF
#: NT 4 (SAM) domain replication and its change log, which Active Directory DCs do not do
#: (MS-NRPC 3.5.4.9.1), and BREAKPOINT, which only a debug build of Windows honours.
NT4_REPLICATION_CODES: Final = frozenset({
    NETLOGON_CONTROL_REPLICATE, NETLOGON_CONTROL_SYNCHRONIZE, NETLOGON_CONTROL_PDC_REPLICATE,
    NETLOGON_CONTROL_BACKUP_CHANGE_LOG, NETLOGON_CONTROL_BREAKPOINT})
#: The codes that take Data (NETLOGON_CONTROL_DATA_INFORMATION, 2.2.1.7.1), and QUERY_DNS_REG:
#: NetrLogonControl, which has no Data, does not support them.
DATA_CODES: Final = frozenset({
    NETLOGON_CONTROL_REDISCOVER, NETLOGON_CONTROL_TC_QUERY, NETLOGON_CONTROL_TRANSPORT_NOTIFY,
    NETLOGON_CONTROL_FIND_USER, NETLOGON_CONTROL_CHANGE_PASSWORD, NETLOGON_CONTROL_TC_VERIFY,
    NETLOGON_CONTROL_FORCE_DNS_REG, NETLOGON_CONTROL_QUERY_DNS_REG, NETLOGON_CONTROL_SET_DBFLAG})

#: The codes that change or drive the service (NETLOGON_CONTROL_ACCESS): refused.
CONTROL_CODES: Final = frozenset({
    NETLOGON_CONTROL_REPLICATE, NETLOGON_CONTROL_SYNCHRONIZE, NETLOGON_CONTROL_PDC_REPLICATE,
    NETLOGON_CONTROL_REDISCOVER, NETLOGON_CONTROL_TRANSPORT_NOTIFY, NETLOGON_CONTROL_FIND_USER,
    NETLOGON_CONTROL_CHANGE_PASSWORD, NETLOGON_CONTROL_TC_VERIFY, NETLOGON_CONTROL_FORCE_DNS_REG,
    NETLOGON_CONTROL_BACKUP_CHANGE_LOG, NETLOGON_CONTROL_TRUNCATE_LOG,
    NETLOGON_CONTROL_SET_DBFLAG, NETLOGON_CONTROL_BREAKPOINT})

#: MS-NRPC 2.2.1.7.2 / 2.2.1.7.3 netlog*_flags.
NETLOGON_HAS_IP: Final = 0x10
NETLOGON_HAS_TIMESERV: Final = 0x20

#: MS-NRPC 3.5.4.3.1 DsrGetDcNameEx2 Flags (the request).
DS_FORCE_REDISCOVERY: Final = 0x00000001
DS_AVOID_SELF: Final = 0x00004000
DS_IS_FLAT_NAME: Final = 0x00010000
DS_IS_DNS_NAME: Final = 0x00020000
DS_RETURN_DNS_NAME: Final = 0x40000000
DS_RETURN_FLAT_NAME: Final = 0x80000000
#: The request flags a Windows 2000 DC knows (FORCE_REDISCOVERY .. IS_DNS_NAME, RETURN_*);
#: each later release accepts one more "requirement" bit (MS-NRPC 3.5.4.3.1: TRY_NEXTCLOSEST_SITE
#: 2003, DIRECTORY_SERVICE_6_REQUIRED 2008, WEB_SERVICE_REQUIRED 2008 R2,
#: DIRECTORY_SERVICE_8/9/10_REQUIRED 2012 / 2012 R2 / 2016).  Other bits: ERROR_INVALID_FLAGS.
#: The emulated DC is of the profile's release, so an accepted requirement is always met.
DS_VALID_REQUEST_FLAGS: Final = 0xC003FFF1
DS_REQUEST_FLAGS_SINCE: Final = (((5, 2), 0x00040000), ((6, 0), 0x00080000),
                                 ((6, 1), 0x00100000), ((6, 2), 0x00200000),
                                 ((6, 3), 0x00400000), ((10, 0), 0x00800000))

#: MS-NRPC 2.2.1.2.1 DOMAIN_CONTROLLER_INFOW Flags (the answer).
DS_PDC_FLAG: Final = 0x00000001
DS_GC_FLAG: Final = 0x00000004
DS_LDAP_FLAG: Final = 0x00000008
DS_DS_FLAG: Final = 0x00000010
DS_KDC_FLAG: Final = 0x00000020
DS_TIMESERV_FLAG: Final = 0x00000040
DS_CLOSEST_FLAG: Final = 0x00000080
DS_WRITABLE_FLAG: Final = 0x00000100
DS_GOOD_TIMESERV_FLAG: Final = 0x00000200
DS_FULL_SECRET_DOMAIN_6_FLAG: Final = 0x00001000
DS_WS_FLAG: Final = 0x00002000
DS_DS_8_FLAG: Final = 0x00004000
DS_DS_9_FLAG: Final = 0x00008000
DS_DS_10_FLAG: Final = 0x00010000
DS_DNS_CONTROLLER_FLAG: Final = 0x20000000
DS_DNS_DOMAIN_FLAG: Final = 0x40000000
DS_DNS_FOREST_FLAG: Final = 0x80000000
#: DomainControllerAddressType (MS-NRPC 2.2.1.2.1).
DS_INET_ADDRESS: Final = 1

#: MS-NRPC 2.2.1.6.2 DS_DOMAIN_TRUSTSW Flags.
DS_DOMAIN_IN_FOREST: Final = 0x0001
DS_DOMAIN_DIRECT_OUTBOUND: Final = 0x0002
DS_DOMAIN_TREE_ROOT: Final = 0x0004
DS_DOMAIN_PRIMARY: Final = 0x0008
DS_DOMAIN_NATIVE_MODE: Final = 0x0010
DS_DOMAIN_DIRECT_INBOUND: Final = 0x0020
#: MS-LSAD 2.2.7.9 TRUSTED_DOMAIN_INFORMATION_EX TrustType: an Active Directory domain.
TRUST_TYPE_UPLEVEL: Final = 2

#: The site every new forest gets (MS-ADTS 6.1.1.2.2.1.1); smbemu models no other site.
DEFAULT_SITE: Final = "Default-First-Site-Name"


# -------------------------------------------------------------------------------------------
# NDR types (MS-NRPC 2.2.1)
# -------------------------------------------------------------------------------------------

#: LOGONSRV_HANDLE (2.2.1.1.1) ``[string] wchar_t*``: unique in most methods, [in] ref in some.
LOGONSRV_HANDLE: Final = WString
#: NETLOGON_CREDENTIAL (2.2.1.3.4): 8 bytes, passed by [ref] pointer (no wire representation).
NETLOGON_CREDENTIAL: Final = FixedBytes(8)
#: NETLOGON_AUTHENTICATOR (2.2.1.1.5).
NETLOGON_AUTHENTICATOR: Final = Struct("NETLOGON_AUTHENTICATOR", [
    ("Credential", NETLOGON_CREDENTIAL), ("Timestamp", uint32)])
#: ENCRYPTED_NT_OWF_PASSWORD (2.2.1.3.? / MS-SAMR 2.2.7.3): 16 bytes.
ENCRYPTED_NT_OWF_PASSWORD: Final = FixedBytes(16)
#: An [out] pointer smbemu only ever answers NULL: the structure it points to (a validation, a
#: delta array, forest trust records...) is never produced, so its target type is never
#: marshalled and is not modelled.
NULL_ONLY: Final = Pointer(uint32)
#: NETLOGON_SECURE_CHANNEL_TYPE (2.2.1.3.13): a plain IDL enum, 16 bits on the wire.
NETLOGON_SECURE_CHANNEL_TYPE: Final = enum16

# 2.2.1.2.1 DOMAIN_CONTROLLER_INFOW
DOMAIN_CONTROLLER_INFOW: Final = Struct("DOMAIN_CONTROLLER_INFOW", [
    ("DomainControllerName", WString), ("DomainControllerAddress", WString),
    ("DomainControllerAddressType", uint32), ("DomainGuid", Guid), ("DomainName", WString),
    ("DnsForestName", WString), ("Flags", uint32), ("DcSiteName", WString),
    ("ClientSiteName", WString)])
#: ``[out] PDOMAIN_CONTROLLER_INFOW* DomainControllerInfo``: a ref pointer to a unique one.
PPDOMAIN_CONTROLLER_INFOW: Final = Pointer(Pointer(DOMAIN_CONTROLLER_INFOW), "ref")

# 2.2.1.6.1 DOMAIN_NAME_BUFFER, 2.2.1.6.2 DS_DOMAIN_TRUSTSW, 2.2.1.6.3
# NETLOGON_TRUSTED_DOMAIN_ARRAY
DOMAIN_NAME_BUFFER: Final = Struct("DOMAIN_NAME_BUFFER", [
    ("DomainNameByteCount", uint32), ("DomainNames", Pointer(ConformantBytes()))])
DS_DOMAIN_TRUSTSW: Final = Struct("DS_DOMAIN_TRUSTSW", [
    ("NetbiosDomainName", WString), ("DnsDomainName", WString), ("Flags", uint32),
    ("ParentIndex", uint32), ("TrustType", uint32), ("TrustAttributes", uint32),
    ("DomainSid", PSid), ("DomainGuid", Guid)])
NETLOGON_TRUSTED_DOMAIN_ARRAY: Final = Struct("NETLOGON_TRUSTED_DOMAIN_ARRAY", [
    ("DomainCount", uint32), ("Domains", Pointer(ConformantArray(DS_DOMAIN_TRUSTSW)))])

# 2.2.1.7.1 NETLOGON_CONTROL_DATA_INFORMATION (the default arm is empty, as Samba's IDL has it,
# so NETLOGON_CONTROL_QUERY and unknown codes decode)
NETLOGON_CONTROL_DATA_INFORMATION: Final = Union(uint32, {
    NETLOGON_CONTROL_REDISCOVER: WString, NETLOGON_CONTROL_TC_QUERY: WString,
    NETLOGON_CONTROL_TRANSPORT_NOTIFY: WString, NETLOGON_CONTROL_CHANGE_PASSWORD: WString,
    NETLOGON_CONTROL_TC_VERIFY: WString, NETLOGON_CONTROL_FIND_USER: WString,
    NETLOGON_CONTROL_SET_DBFLAG: uint32}, default=None, name="NETLOGON_CONTROL_DATA_INFORMATION")

# 2.2.1.7.2-2.2.1.7.6 NETLOGON_INFO_1..4 and NETLOGON_CONTROL_QUERY_INFORMATION
NETLOGON_INFO_1: Final = Struct("NETLOGON_INFO_1", [
    ("netlog1_flags", uint32), ("netlog1_pdc_connection_status", uint32)])
NETLOGON_INFO_2: Final = Struct("NETLOGON_INFO_2", [
    ("netlog2_flags", uint32), ("netlog2_pdc_connection_status", uint32),
    ("netlog2_trusted_dc_name", WString), ("netlog2_tc_connection_status", uint32)])
NETLOGON_INFO_3: Final = Struct("NETLOGON_INFO_3", [
    ("netlog3_flags", uint32), ("netlog3_logon_attempts", uint32),
    *((f"netlog3_reserved{i}", uint32) for i in range(1, 6))])
NETLOGON_INFO_4: Final = Struct("NETLOGON_INFO_4", [
    ("netlog4_trusted_dc_name", WString), ("netlog4_trusted_domain_name", WString)])
NETLOGON_CONTROL_QUERY_INFORMATION: Final = Union(uint32, {
    1: Pointer(NETLOGON_INFO_1), 2: Pointer(NETLOGON_INFO_2), 3: Pointer(NETLOGON_INFO_3),
    4: Pointer(NETLOGON_INFO_4)}, default=None, name="NETLOGON_CONTROL_QUERY_INFORMATION")

#: NETLOGON_CAPABILITIES (2.2.1.1.6): ``[switch_is(QueryLevel)]``; level 1 the flags, 2 the
#: requested flags (MS-NRPC 3.5.4.4.10).
NETLOGON_CAPABILITIES: Final = Union(uint32, {1: uint32, 2: uint32}, default=None,
                                     name="NETLOGON_CAPABILITIES")
