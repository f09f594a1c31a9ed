"""NDR types and constants of the trusted domain calls (MS-LSAD 2.2.7): the information classes
of LSAPR_TRUSTED_DOMAIN_INFO (2.2.7.1-2.2.7.18), the forest trust records (2.2.7.21-2.2.7.28) and
the access rights of a trusted domain object (2.2.1.1.5)."""

from __future__ import annotations

from typing import Final

from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantBytes,
    NdrType,
    Pointer,
    PSid,
    RpcUnicodeString,
    Struct,
    Union,
    enum16,
    int64,
    uint8,
    uint32,
)

from .secrets import LSAPR_CR_CIPHER_VALUE
from .types import LSAPR_TRUSTED_DOMAIN_INFORMATION_EX, LSAPR_TRUST_INFORMATION

TRUSTED_DOMAIN_HANDLE: Final = "lsarpc.trusted_domain"

# MS-LSAD 2.2.1.1.5: trusted domain object access rights.
TRUSTED_QUERY_DOMAIN_NAME: Final = 0x00000001
TRUSTED_QUERY_CONTROLLERS: Final = 0x00000002
TRUSTED_SET_CONTROLLERS: Final = 0x00000004
TRUSTED_QUERY_POSIX: Final = 0x00000008
TRUSTED_SET_POSIX: Final = 0x00000010
TRUSTED_SET_AUTH: Final = 0x00000020
TRUSTED_QUERY_AUTH: Final = 0x00000040
#: STANDARD_RIGHTS_REQUIRED (0x000F0000) and every specific right above.
TRUSTED_ALL_ACCESS: Final = 0x000F007F
DELETE: Final = 0x00010000
MAXIMUM_ALLOWED: Final = 0x02000000
#: MS-LSAD 2.2.1.1.5 generic mapping of the trusted domain object (GENERIC_READ / WRITE /
#: EXECUTE / ALL -> STANDARD_RIGHTS_x | the object's rights).
GENERIC_MAPPING: Final = ((0x80000000, 0x00020000 | TRUSTED_QUERY_DOMAIN_NAME),
                          (0x40000000, 0x00020000 | TRUSTED_SET_CONTROLLERS | TRUSTED_SET_POSIX),
                          (0x20000000, 0x00020000 | TRUSTED_QUERY_CONTROLLERS | TRUSTED_QUERY_POSIX),
                          (0x10000000, TRUSTED_ALL_ACCESS))

# MS-LSAD 2.2.7.9 TrustDirection / TrustType and the TrustAttributes this module looks at.
TRUST_DIRECTION_INBOUND: Final = 0x1
TRUST_DIRECTION_OUTBOUND: Final = 0x2
TRUST_TYPE_DOWNLEVEL: Final = 1
TRUST_TYPE_UPLEVEL: Final = 2
TRUST_TYPE_MIT: Final = 3
TRUST_ATTRIBUTE_FOREST_TRANSITIVE: Final = 0x00000008
TRUST_ATTRIBUTE_CROSS_ORGANIZATION: Final = 0x00000010

# MS-LSAD 2.2.7.1 TRUSTED_INFORMATION_CLASS.
NAME_INFORMATION: Final = 1
CONTROLLERS_INFORMATION: Final = 2
POSIX_OFFSET_INFORMATION: Final = 3
PASSWORD_INFORMATION: Final = 4
BASIC_INFORMATION: Final = 5
INFORMATION_EX: Final = 6
AUTH_INFORMATION: Final = 7
FULL_INFORMATION: Final = 8
AUTH_INFORMATION_INTERNAL: Final = 9
FULL_INFORMATION_INTERNAL: Final = 10
INFORMATION_EX2_INTERNAL: Final = 11
FULL_INFORMATION2_INTERNAL: Final = 12
SUPPORTED_ENCRYPTION_TYPES: Final = 13

# MS-LSAD 2.2.7.4-2.2.7.18: the arms.
LSAPR_TRUSTED_DOMAIN_NAME_INFO: Final = Struct("LSAPR_TRUSTED_DOMAIN_NAME_INFO", [("Name", RpcUnicodeString)])
LSAPR_TRUSTED_CONTROLLERS_INFO: Final = Struct("LSAPR_TRUSTED_CONTROLLERS_INFO", [
    ("Entries", uint32), ("Names", Pointer(ConformantArray(RpcUnicodeString)))])
TRUSTED_POSIX_OFFSET_INFO: Final = Struct("TRUSTED_POSIX_OFFSET_INFO", [("Offset", uint32)])
LSAPR_TRUSTED_PASSWORD_INFO: Final = Struct("LSAPR_TRUSTED_PASSWORD_INFO", [
    ("Password", Pointer(LSAPR_CR_CIPHER_VALUE)), ("OldPassword", Pointer(LSAPR_CR_CIPHER_VALUE))])
LSAPR_TRUSTED_DOMAIN_INFORMATION_EX2: Final = Struct("LSAPR_TRUSTED_DOMAIN_INFORMATION_EX2", [
    ("Name", RpcUnicodeString), ("FlatName", RpcUnicodeString), ("Sid", PSid),
    ("TrustDirection", uint32), ("TrustType", uint32), ("TrustAttributes", uint32),
    ("ForestTrustLength", uint32), ("ForestTrustInfo", Pointer(ConformantBytes()))])
#: 2.2.7.17 LSAPR_AUTH_INFORMATION, one element: the structure's pointers are single
#: elements on the wire (Samba's lsa.idl lsa_TrustDomainInfoBuffer, whose client smbtorture
#: creates trusts on Windows with).
LSAPR_AUTH_INFORMATION: Final = Struct("LSAPR_AUTH_INFORMATION", [
    ("LastUpdateTime", int64), ("AuthType", uint32), ("AuthInfoLength", uint32),
    ("AuthInfo", Pointer(ConformantBytes()))])
LSAPR_TRUSTED_DOMAIN_AUTH_INFORMATION: Final = Struct("LSAPR_TRUSTED_DOMAIN_AUTH_INFORMATION", [
    ("IncomingAuthInfos", uint32), ("IncomingAuthenticationInformation", Pointer(LSAPR_AUTH_INFORMATION)),
    ("IncomingPreviousAuthenticationInformation", Pointer(LSAPR_AUTH_INFORMATION)),
    ("OutgoingAuthInfos", uint32), ("OutgoingAuthenticationInformation", Pointer(LSAPR_AUTH_INFORMATION)),
    ("OutgoingPreviousAuthenticationInformation", Pointer(LSAPR_AUTH_INFORMATION))])
#: 2.2.7.12 / 2.2.7.16: the encrypted blob (5.1.1).
LSAPR_TRUSTED_DOMAIN_AUTH_INFORMATION_INTERNAL: Final = Struct("LSAPR_TRUSTED_DOMAIN_AUTH_INFORMATION_INTERNAL", [
    ("AuthSize", uint32), ("AuthBlob", Pointer(ConformantBytes()))])
LSAPR_TRUSTED_DOMAIN_FULL_INFORMATION: Final = Struct("LSAPR_TRUSTED_DOMAIN_FULL_INFORMATION", [
    ("Information", LSAPR_TRUSTED_DOMAIN_INFORMATION_EX), ("PosixOffset", TRUSTED_POSIX_OFFSET_INFO),
    ("AuthInformation", LSAPR_TRUSTED_DOMAIN_AUTH_INFORMATION)])
LSAPR_TRUSTED_DOMAIN_FULL_INFORMATION_INTERNAL: Final = Struct("LSAPR_TRUSTED_DOMAIN_FULL_INFORMATION_INTERNAL", [
    ("Information", LSAPR_TRUSTED_DOMAIN_INFORMATION_EX), ("PosixOffset", TRUSTED_POSIX_OFFSET_INFO),
    ("AuthInformation", LSAPR_TRUSTED_DOMAIN_AUTH_INFORMATION_INTERNAL)])
#: 2.2.7.15: its Information is the EX2 structure (Samba's lsa_TrustDomainInfoFullInfo2Internal
#: agrees; impacket's lsad.py declares EX, which is not what a DC sends).
LSAPR_TRUSTED_DOMAIN_FULL_INFORMATION2: Final = Struct("LSAPR_TRUSTED_DOMAIN_FULL_INFORMATION2", [
    ("Information", LSAPR_TRUSTED_DOMAIN_INFORMATION_EX2), ("PosixOffset", TRUSTED_POSIX_OFFSET_INFO),
    ("AuthInformation", LSAPR_TRUSTED_DOMAIN_AUTH_INFORMATION)])
TRUSTED_DOMAIN_SUPPORTED_ENCRYPTION_TYPES: Final = Struct("TRUSTED_DOMAIN_SUPPORTED_ENCRYPTION_TYPES", [
    ("SupportedEncryptionTypes", uint32)])

TRUSTED_DOMAIN_INFO_ARMS: Final[dict[int, NdrType]] = {
    NAME_INFORMATION: LSAPR_TRUSTED_DOMAIN_NAME_INFO, CONTROLLERS_INFORMATION: LSAPR_TRUSTED_CONTROLLERS_INFO,
    POSIX_OFFSET_INFORMATION: TRUSTED_POSIX_OFFSET_INFO, PASSWORD_INFORMATION: LSAPR_TRUSTED_PASSWORD_INFO,
    BASIC_INFORMATION: LSAPR_TRUST_INFORMATION, INFORMATION_EX: LSAPR_TRUSTED_DOMAIN_INFORMATION_EX,
    AUTH_INFORMATION: LSAPR_TRUSTED_DOMAIN_AUTH_INFORMATION, FULL_INFORMATION: LSAPR_TRUSTED_DOMAIN_FULL_INFORMATION,
    AUTH_INFORMATION_INTERNAL: LSAPR_TRUSTED_DOMAIN_AUTH_INFORMATION_INTERNAL,
    FULL_INFORMATION_INTERNAL: LSAPR_TRUSTED_DOMAIN_FULL_INFORMATION_INTERNAL,
    INFORMATION_EX2_INTERNAL: LSAPR_TRUSTED_DOMAIN_INFORMATION_EX2,
    FULL_INFORMATION2_INTERNAL: LSAPR_TRUSTED_DOMAIN_FULL_INFORMATION2,
    SUPPORTED_ENCRYPTION_TYPES: TRUSTED_DOMAIN_SUPPORTED_ENCRYPTION_TYPES}
#: 2.2.7.3 ``[switch_is(InformationClass)] LSAPR_TRUSTED_DOMAIN_INFO`` (TRUSTED_INFORMATION_CLASS
#: is a 16-bit enum).
LSAPR_TRUSTED_DOMAIN_INFO: Final = Union(enum16, TRUSTED_DOMAIN_INFO_ARMS, name="LSAPR_TRUSTED_DOMAIN_INFO")

# MS-LSAD 2.2.7.21-2.2.7.25: forest trust records.
FOREST_TRUST_TOP_LEVEL_NAME: Final = 0
FOREST_TRUST_TOP_LEVEL_NAME_EX: Final = 1
FOREST_TRUST_DOMAIN_INFO: Final = 2
LSA_FOREST_TRUST_DOMAIN_INFO: Final = Struct("LSA_FOREST_TRUST_DOMAIN_INFO", [
    ("Sid", PSid), ("DnsName", RpcUnicodeString), ("NetbiosName", RpcUnicodeString)])
LSA_FOREST_TRUST_BINARY_DATA: Final = Struct("LSA_FOREST_TRUST_BINARY_DATA", [
    ("Length", uint32), ("Buffer", Pointer(ConformantBytes()))])
LSA_FOREST_TRUST_RECORD: Final = Struct("LSA_FOREST_TRUST_RECORD", [
    ("Flags", uint32), ("ForestTrustType", enum16), ("Time", int64),
    ("ForestTrustData", Union(enum16, {FOREST_TRUST_TOP_LEVEL_NAME: RpcUnicodeString,
                                       FOREST_TRUST_TOP_LEVEL_NAME_EX: RpcUnicodeString,
                                       FOREST_TRUST_DOMAIN_INFO: LSA_FOREST_TRUST_DOMAIN_INFO},
                              default=LSA_FOREST_TRUST_BINARY_DATA, name="LSA_FOREST_TRUST_DATA"))])
LSA_FOREST_TRUST_INFORMATION: Final = Struct("LSA_FOREST_TRUST_INFORMATION", [
    ("RecordCount", uint32), ("Entries", Pointer(ConformantArray(Pointer(LSA_FOREST_TRUST_RECORD))))])
#: 2.2.7.27 LSA_FOREST_TRUST_COLLISION_INFORMATION: answered NULL (no collision is modelled);
#: a unique pointer's NULL is four zero bytes whatever it points to.
NULL_COLLISION_INFORMATION: Final = Pointer(uint32)
BOOLEAN: Final = uint8
