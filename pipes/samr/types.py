"""samr NDR types and constants (MS-SAMR 2.2): handles, enumeration and lookup buffers,
the domain / group / alias / user / display information classes, and the access each readable
class needs (MS-SAMR 3.1.5.5.2, 3.1.5.5.5)."""

from __future__ import annotations

from typing import Final

from smbemu.filetime import TICKS_PER_SECOND
from smbemu.policy.access import (
    DOMAIN_READ_OTHER_PARAMETERS,
    DOMAIN_READ_PASSWORD_PARAMETERS,
    USER_READ_ACCOUNT,
    USER_READ_GENERAL,
    USER_READ_LOGON,
    USER_READ_PREFERENCES,
)
from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantBytes,
    ConformantVaryingArray,
    ConformantVaryingBytes,
    FixedBytes,
    ContextHandle,
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
from smbemu.rpc.ndr.strings import RpcUnicodeStringEmptyBuffer

# -------------------------------------------------------------------------------------------
# Constants
# -------------------------------------------------------------------------------------------

#: MS-SAMR 2.2.1.10 SE_GROUP_MANDATORY | SE_GROUP_ENABLED_BY_DEFAULT | SE_GROUP_ENABLED.
SE_GROUP_DEFAULT: Final = 0x00000007
#: MS-SAMR 2.2.4.2 / 2.2.4.4.
DOMAIN_SERVER_ENABLED: Final = 1
DOMAIN_SERVER_ROLE_PRIMARY: Final = 3
#: MS-SAMR 2.2.1.12 account-type bits of UserAccountControl.
USER_NORMAL_ACCOUNT: Final = 0x00000010
USER_WORKSTATION_TRUST_ACCOUNT: Final = 0x00000080
USER_SERVER_TRUST_ACCOUNT: Final = 0x00000100
USER_DONT_EXPIRE_PASSWORD: Final = 0x00000200
#: The largest negative delta, "never" for ForceLogoff / MaxPasswordAge / LockoutDuration
#: (MS-SAMR 2.2.4.5, 2.2.4.6); FILETIME_NEVER is its positive twin for AccountExpires /
#: PasswordMustChange (MS-SAMR 2.2.7.6).
DELTA_NEVER: Final = -0x8000000000000000
TICKS_PER_MINUTE: Final = 60 * TICKS_PER_SECOND
TICKS_PER_DAY: Final = 24 * 60 * TICKS_PER_MINUTE
#: SAMPR_LOGON_HOURS: 168 units per week (hours), all allowed; the buffer is size_is(1260).
UNITS_PER_WEEK: Final = 168
#: SamrLookupNamesInDomain / SamrLookupIdsInDomain: [range(0, 1000)] Count.
MAX_LOOKUP: Final = 1000
#: SamrConnect5 revision answered (MS-SAMR 2.2.3.15: Revision 3, no extra features).
SAM_REVISION: Final = 3

# -------------------------------------------------------------------------------------------
# NDR types (MS-SAMR 2.2)
# -------------------------------------------------------------------------------------------

SAMPR_HANDLE: Final = ContextHandle
#: 2.2.2.2 OLD_LARGE_INTEGER (two 32-bit halves: 4-byte aligned, unlike LARGE_INTEGER).
OLD_LARGE_INTEGER: Final = Struct("OLD_LARGE_INTEGER", [("LowPart", uint32), ("HighPart", int32)])
#: 2.2.2.4 RPC_SHORT_BLOB (only ever NULL here: no password hashes leave the server).
RPC_SHORT_BLOB: Final = Struct("RPC_SHORT_BLOB", [
    ("Length", uint16), ("MaximumLength", uint16),
    ("Buffer", Pointer(ConformantVaryingArray(uint16)))])
#: MS-DTYP 2.3.9 / MS-SAMR 2.2.8.5 RPC_STRING (OEM strings of the OEM display classes).
RPC_STRING: Final = Struct("RPC_STRING", [
    ("Length", uint16), ("MaximumLength", uint16),
    ("Buffer", Pointer(ConformantVaryingBytes()))])
#: 2.2.3.4 SAMPR_ULONG_ARRAY.
SAMPR_ULONG_ARRAY: Final = Struct("SAMPR_ULONG_ARRAY", [
    ("Count", uint32), ("Element", Pointer(ConformantArray(uint32)))])
#: 2.2.3.5 / 2.2.3.6 / 2.2.3.7 SAMPR_SID_INFORMATION, SAMPR_PSID_ARRAY(_OUT).
SAMPR_SID_INFORMATION: Final = Struct("SAMPR_SID_INFORMATION", [("SidPointer", PSid)])
SAMPR_PSID_ARRAY: Final = Struct("SAMPR_PSID_ARRAY", [
    ("Count", uint32), ("Sids", Pointer(ConformantArray(SAMPR_SID_INFORMATION)))])
#: 2.2.3.8 SAMPR_RETURNED_USTRING_ARRAY.
SAMPR_RETURNED_USTRING_ARRAY: Final = Struct("SAMPR_RETURNED_USTRING_ARRAY", [
    ("Count", uint32), ("Element", Pointer(ConformantArray(RpcUnicodeString)))])
#: 2.2.3.9 / 2.2.3.10 SAMPR_RID_ENUMERATION, SAMPR_ENUMERATION_BUFFER.
SAMPR_RID_ENUMERATION: Final = Struct("SAMPR_RID_ENUMERATION", [
    ("RelativeId", uint32), ("Name", RpcUnicodeString)])
SAMPR_ENUMERATION_BUFFER: Final = Struct("SAMPR_ENUMERATION_BUFFER", [
    ("EntriesRead", uint32), ("Buffer", Pointer(ConformantArray(SAMPR_RID_ENUMERATION)))])
#: 2.2.3.11 SAMPR_SR_SECURITY_DESCRIPTOR.
SAMPR_SR_SECURITY_DESCRIPTOR: Final = Struct("SAMPR_SR_SECURITY_DESCRIPTOR", [
    ("Length", uint32), ("SecurityDescriptor", Pointer(ConformantBytes()))])
#: 2.2.3.12 / 2.2.3.13 / 2.2.3.14.
GROUP_MEMBERSHIP: Final = Struct("GROUP_MEMBERSHIP", [("RelativeId", uint32),
                                                      ("Attributes", uint32)])
SAMPR_GET_GROUPS_BUFFER: Final = Struct("SAMPR_GET_GROUPS_BUFFER", [
    ("MembershipCount", uint32), ("Groups", Pointer(ConformantArray(GROUP_MEMBERSHIP)))])
SAMPR_GET_MEMBERS_BUFFER: Final = Struct("SAMPR_GET_MEMBERS_BUFFER", [
    ("MemberCount", uint32), ("Members", Pointer(ConformantArray(uint32))),
    ("Attributes", Pointer(ConformantArray(uint32)))])
#: 2.2.3.15 / 2.2.3.16 SAMPR_REVISION_INFO ([switch_type(unsigned long)]).
SAMPR_REVISION_INFO_V1: Final = Struct("SAMPR_REVISION_INFO_V1", [
    ("Revision", uint32), ("SupportedFeatures", uint32)])
SAMPR_REVISION_INFO: Final = Union(uint32, {1: SAMPR_REVISION_INFO_V1}, ms_union=True,
                                   name="SAMPR_REVISION_INFO")
#: 2.2.3.17 USER_DOMAIN_PASSWORD_INFORMATION.
USER_DOMAIN_PASSWORD_INFORMATION: Final = Struct("USER_DOMAIN_PASSWORD_INFORMATION", [
    ("MinPasswordLength", uint16), ("PasswordProperties", uint32)])

# 2.2.4 domain information.  The server state / role enums are marshalled as 32-bit values
# (Samba's samr.idl declares them [v1_enum]; a 16-bit reader sees the same low half).
DOMAIN_PASSWORD_INFORMATION: Final = Struct("DOMAIN_PASSWORD_INFORMATION", [
    ("MinPasswordLength", uint16), ("PasswordHistoryLength", uint16),
    ("PasswordProperties", uint32), ("MaxPasswordAge", OLD_LARGE_INTEGER),
    ("MinPasswordAge", OLD_LARGE_INTEGER)])
#: The domain's OEM information and replica source: empty is a non-NULL, zero-length buffer, as
#: for the account classes below (W: impacket's test_hSamrQueryInformationDomain_hSamrSetInformationDomain,
#: written against a DC, sets a value into the structure it queried and sends it back -- a NULL
#: pointer there would send the new value as NULL).  Decoding is RpcUnicodeString's.
_DomainString: Final = RpcUnicodeStringEmptyBuffer
DOMAIN_LOGOFF_INFORMATION: Final = Struct("DOMAIN_LOGOFF_INFORMATION", [
    ("ForceLogoff", OLD_LARGE_INTEGER)])
#: 2.2.4.7 / 2.2.4.3: the single fields are the enumerations DOMAIN_SERVER_ROLE (2.2.4.4) and
#: DOMAIN_SERVER_ENABLE_STATE (2.2.4.2), 16 bits in NDR (C706 14.2.4; 4 bytes in NDR64), unlike
#: the same values inside SAMPR_DOMAIN_GENERAL_INFORMATION, which the IDL declares unsigned long.
DOMAIN_SERVER_ROLE_INFORMATION: Final = Struct("DOMAIN_SERVER_ROLE_INFORMATION", [
    ("DomainServerRole", enum16)])
DOMAIN_STATE_INFORMATION: Final = Struct("DOMAIN_STATE_INFORMATION", [
    ("DomainServerState", enum16)])
DOMAIN_MODIFIED_INFORMATION: Final = Struct("DOMAIN_MODIFIED_INFORMATION", [
    ("DomainModifiedCount", OLD_LARGE_INTEGER), ("CreationTime", OLD_LARGE_INTEGER)])
DOMAIN_MODIFIED_INFORMATION2: Final = Struct("DOMAIN_MODIFIED_INFORMATION2", [
    ("DomainModifiedCount", OLD_LARGE_INTEGER), ("CreationTime", OLD_LARGE_INTEGER),
    ("ModifiedCountAtLastPromotion", OLD_LARGE_INTEGER)])
SAMPR_DOMAIN_GENERAL_INFORMATION: Final = Struct("SAMPR_DOMAIN_GENERAL_INFORMATION", [
    ("ForceLogoff", OLD_LARGE_INTEGER), ("OemInformation", _DomainString),
    ("DomainName", RpcUnicodeString), ("ReplicaSourceNodeName", _DomainString),
    ("DomainModifiedCount", OLD_LARGE_INTEGER), ("DomainServerState", uint32),
    ("DomainServerRole", uint32), ("UasCompatibilityRequired", uint8), ("UserCount", uint32),
    ("GroupCount", uint32), ("AliasCount", uint32)])
SAMPR_DOMAIN_GENERAL_INFORMATION2: Final = Struct("SAMPR_DOMAIN_GENERAL_INFORMATION2", [
    ("I1", SAMPR_DOMAIN_GENERAL_INFORMATION), ("LockoutDuration", int64),
    ("LockoutObservationWindow", int64), ("LockoutThreshold", uint16)])
SAMPR_DOMAIN_OEM_INFORMATION: Final = Struct("SAMPR_DOMAIN_OEM_INFORMATION", [
    ("OemInformation", _DomainString)])
SAMPR_DOMAIN_NAME_INFORMATION: Final = Struct("SAMPR_DOMAIN_NAME_INFORMATION", [
    ("DomainName", RpcUnicodeString)])
SAMPR_DOMAIN_REPLICATION_INFORMATION: Final = Struct("SAMPR_DOMAIN_REPLICATION_INFORMATION", [
    ("ReplicaSourceNodeName", _DomainString)])
SAMPR_DOMAIN_LOCKOUT_INFORMATION: Final = Struct("SAMPR_DOMAIN_LOCKOUT_INFORMATION", [
    ("LockoutDuration", int64), ("LockoutObservationWindow", int64),
    ("LockoutThreshold", uint16)])
DOMAIN_INFO_CLASSES: Final[dict[int, Struct]] = {
    1: DOMAIN_PASSWORD_INFORMATION, 2: SAMPR_DOMAIN_GENERAL_INFORMATION,
    3: DOMAIN_LOGOFF_INFORMATION, 4: SAMPR_DOMAIN_OEM_INFORMATION,
    5: SAMPR_DOMAIN_NAME_INFORMATION, 6: SAMPR_DOMAIN_REPLICATION_INFORMATION,
    7: DOMAIN_SERVER_ROLE_INFORMATION, 8: DOMAIN_MODIFIED_INFORMATION,
    9: DOMAIN_STATE_INFORMATION, 11: SAMPR_DOMAIN_GENERAL_INFORMATION2,
    12: SAMPR_DOMAIN_LOCKOUT_INFORMATION, 13: DOMAIN_MODIFIED_INFORMATION2}
#: 2.2.4.17 SAMPR_DOMAIN_INFO_BUFFER, [switch_type(DOMAIN_INFORMATION_CLASS)]: a 16-bit enum.  Every
#: union of this interface is ``ms_union``: the IDL declares the interface so (MS-SAMR 6).
SAMPR_DOMAIN_INFO_BUFFER: Final = Union(uint16, DOMAIN_INFO_CLASSES, default=None,
                                        ms_union=True, name="SAMPR_DOMAIN_INFO_BUFFER")

#: The RPC_UNICODE_STRING of the group, alias, user and display information classes: an empty
#: value is a non-NULL, zero-length buffer, as Windows' SAM sends it (smbtorture rpc.samr.users
#: and impacket's Set*Information tests, written against Windows, read "" there; None is NULL).
#: Decoding is RpcUnicodeString's, so the same structures serve the set calls.
_OutString: Final = RpcUnicodeStringEmptyBuffer

# 2.2.5 group information
SAMPR_GROUP_GENERAL_INFORMATION: Final = Struct("SAMPR_GROUP_GENERAL_INFORMATION", [
    ("Name", _OutString), ("Attributes", uint32), ("MemberCount", uint32),
    ("AdminComment", _OutString)])
GROUP_INFO_CLASSES: Final[dict[int, Struct]] = {
    1: SAMPR_GROUP_GENERAL_INFORMATION,
    2: Struct("SAMPR_GROUP_NAME_INFORMATION", [("Name", _OutString)]),
    3: Struct("GROUP_ATTRIBUTE_INFORMATION", [("Attributes", uint32)]),
    4: Struct("SAMPR_GROUP_ADM_COMMENT_INFORMATION", [("AdminComment", _OutString)]),
    5: SAMPR_GROUP_GENERAL_INFORMATION}
SAMPR_GROUP_INFO_BUFFER: Final = Union(uint16, GROUP_INFO_CLASSES, default=None,
                                       ms_union=True, name="SAMPR_GROUP_INFO_BUFFER")

# 2.2.6 alias information
ALIAS_INFO_CLASSES: Final[dict[int, Struct]] = {
    1: Struct("SAMPR_ALIAS_GENERAL_INFORMATION", [
        ("Name", _OutString), ("MemberCount", uint32), ("AdminComment", _OutString)]),
    2: Struct("SAMPR_ALIAS_NAME_INFORMATION", [("Name", _OutString)]),
    3: Struct("SAMPR_ALIAS_ADM_COMMENT_INFORMATION", [("AdminComment", _OutString)])}
SAMPR_ALIAS_INFO_BUFFER: Final = Union(uint16, ALIAS_INFO_CLASSES, default=None,
                                       ms_union=True, name="SAMPR_ALIAS_INFO_BUFFER")

# 2.2.7 user information
#: 2.2.7.5 SAMPR_LOGON_HOURS: ``unsigned short UnitsPerWeek; [size_is(1260),
#: length_is((UnitsPerWeek+7)/8)] unsigned char* LogonHours``.
SAMPR_LOGON_HOURS: Final = Struct("SAMPR_LOGON_HOURS", [
    ("UnitsPerWeek", uint16), ("LogonHours", Pointer(ConformantVaryingBytes()))])


def _ustrings(*names: str) -> list[tuple[str, NdrType]]:
    return [(n, _OutString) for n in names]


def _olis(*names: str) -> list[tuple[str, NdrType]]:
    return [(n, OLD_LARGE_INTEGER) for n in names]


SAMPR_USER_ALL_INFORMATION: Final = Struct("SAMPR_USER_ALL_INFORMATION", [
    *_olis("LastLogon", "LastLogoff", "PasswordLastSet", "AccountExpires", "PasswordCanChange",
           "PasswordMustChange"),
    *_ustrings("UserName", "FullName", "HomeDirectory", "HomeDirectoryDrive", "ScriptPath",
               "ProfilePath", "AdminComment", "WorkStations", "UserComment", "Parameters"),
    ("LmOwfPassword", RPC_SHORT_BLOB), ("NtOwfPassword", RPC_SHORT_BLOB),
    ("PrivateData", RpcUnicodeString), ("SecurityDescriptor", SAMPR_SR_SECURITY_DESCRIPTOR),
    ("UserId", uint32), ("PrimaryGroupId", uint32), ("UserAccountControl", uint32),
    ("WhichFields", uint32), ("LogonHours", SAMPR_LOGON_HOURS), ("BadPasswordCount", uint16),
    ("LogonCount", uint16), ("CountryCode", uint16), ("CodePage", uint16),
    ("LmPasswordPresent", uint8), ("NtPasswordPresent", uint8), ("PasswordExpired", uint8),
    ("PrivateDataSensitive", uint8)])
USER_INFO_CLASSES: Final[dict[int, Struct]] = {
    1: Struct("SAMPR_USER_GENERAL_INFORMATION", [
        *_ustrings("UserName", "FullName"), ("PrimaryGroupId", uint32),
        *_ustrings("AdminComment", "UserComment")]),
    2: Struct("SAMPR_USER_PREFERENCES_INFORMATION", [
        *_ustrings("UserComment", "Reserved1"), ("CountryCode", uint16), ("CodePage", uint16)]),
    3: Struct("SAMPR_USER_LOGON_INFORMATION", [
        *_ustrings("UserName", "FullName"), ("UserId", uint32), ("PrimaryGroupId", uint32),
        *_ustrings("HomeDirectory", "HomeDirectoryDrive", "ScriptPath", "ProfilePath",
                   "WorkStations"),
        *_olis("LastLogon", "LastLogoff", "PasswordLastSet", "PasswordCanChange",
               "PasswordMustChange"),
        ("LogonHours", SAMPR_LOGON_HOURS), ("BadPasswordCount", uint16), ("LogonCount", uint16),
        ("UserAccountControl", uint32)]),
    4: Struct("SAMPR_USER_LOGON_HOURS_INFORMATION", [("LogonHours", SAMPR_LOGON_HOURS)]),
    5: Struct("SAMPR_USER_ACCOUNT_INFORMATION", [
        *_ustrings("UserName", "FullName"), ("UserId", uint32), ("PrimaryGroupId", uint32),
        *_ustrings("HomeDirectory", "HomeDirectoryDrive", "ScriptPath", "ProfilePath",
                   "AdminComment", "WorkStations"),
        *_olis("LastLogon", "LastLogoff"), ("LogonHours", SAMPR_LOGON_HOURS),
        ("BadPasswordCount", uint16), ("LogonCount", uint16),
        *_olis("PasswordLastSet", "AccountExpires"), ("UserAccountControl", uint32)]),
    6: Struct("SAMPR_USER_NAME_INFORMATION", _ustrings("UserName", "FullName")),
    7: Struct("SAMPR_USER_A_NAME_INFORMATION", _ustrings("UserName")),
    8: Struct("SAMPR_USER_F_NAME_INFORMATION", _ustrings("FullName")),
    9: Struct("USER_PRIMARY_GROUP_INFORMATION", [("PrimaryGroupId", uint32)]),
    10: Struct("SAMPR_USER_HOME_INFORMATION", _ustrings("HomeDirectory", "HomeDirectoryDrive")),
    11: Struct("SAMPR_USER_SCRIPT_INFORMATION", _ustrings("ScriptPath")),
    12: Struct("SAMPR_USER_PROFILE_INFORMATION", _ustrings("ProfilePath")),
    13: Struct("SAMPR_USER_ADMIN_COMMENT_INFORMATION", _ustrings("AdminComment")),
    14: Struct("SAMPR_USER_WORKSTATIONS_INFORMATION", _ustrings("WorkStations")),
    16: Struct("USER_CONTROL_INFORMATION", [("UserAccountControl", uint32)]),
    17: Struct("USER_EXPIRES_INFORMATION", _olis("AccountExpires")),
    20: Struct("SAMPR_USER_PARAMETERS_INFORMATION", _ustrings("Parameters")),
    21: SAMPR_USER_ALL_INFORMATION,
}
#: 2.2.7.29 SAMPR_USER_INFO_BUFFER, [switch_type(USER_INFORMATION_CLASS)] (16-bit).  The classes
#: that carry passwords (18, 23-26, 30) are not readable remotely: they decode to the default arm
#: and are answered STATUS_INVALID_INFO_CLASS.
SAMPR_USER_INFO_BUFFER: Final = Union(uint16, USER_INFO_CLASSES, default=None,
                                      ms_union=True, name="SAMPR_USER_INFO_BUFFER")
#: The access each readable user class needs (MS-SAMR 3.1.5.5.5).
USER_CLASS_ACCESS: Final[dict[int, int]] = {
    1: USER_READ_GENERAL, 2: USER_READ_PREFERENCES,
    3: USER_READ_GENERAL | USER_READ_PREFERENCES | USER_READ_LOGON | USER_READ_ACCOUNT,
    4: USER_READ_LOGON,
    5: USER_READ_GENERAL | USER_READ_PREFERENCES | USER_READ_LOGON | USER_READ_ACCOUNT,
    6: USER_READ_GENERAL, 7: USER_READ_GENERAL, 8: USER_READ_GENERAL, 9: USER_READ_GENERAL,
    10: USER_READ_LOGON, 11: USER_READ_LOGON, 12: USER_READ_LOGON, 13: USER_READ_GENERAL,
    14: USER_READ_LOGON, 16: USER_READ_ACCOUNT, 17: USER_READ_ACCOUNT, 20: USER_READ_ACCOUNT,
    # UserAllInformation: fields are returned per right held (WhichFields); at least one needed.
    21: 0,
}
#: The access each domain class needs (MS-SAMR 3.1.5.5.2).
DOMAIN_CLASS_ACCESS: Final[dict[int, int]] = {
    1: DOMAIN_READ_PASSWORD_PARAMETERS, 2: DOMAIN_READ_OTHER_PARAMETERS,
    3: DOMAIN_READ_OTHER_PARAMETERS, 4: DOMAIN_READ_OTHER_PARAMETERS,
    5: DOMAIN_READ_OTHER_PARAMETERS, 6: DOMAIN_READ_OTHER_PARAMETERS,
    7: DOMAIN_READ_OTHER_PARAMETERS, 8: DOMAIN_READ_OTHER_PARAMETERS,
    9: DOMAIN_READ_OTHER_PARAMETERS,
    11: DOMAIN_READ_OTHER_PARAMETERS | DOMAIN_READ_PASSWORD_PARAMETERS,
    12: DOMAIN_READ_PASSWORD_PARAMETERS, 13: DOMAIN_READ_OTHER_PARAMETERS}

# 2.2.8 display information
_DISPLAY_HEAD: Final = [("Index", uint32), ("Rid", uint32), ("AccountControl", uint32),
                        ("AccountName", _OutString), ("AdminComment", _OutString)]
SAMPR_DOMAIN_DISPLAY_USER: Final = Struct("SAMPR_DOMAIN_DISPLAY_USER", [
    *_DISPLAY_HEAD, ("FullName", _OutString)])
SAMPR_DOMAIN_DISPLAY_MACHINE: Final = Struct("SAMPR_DOMAIN_DISPLAY_MACHINE", _DISPLAY_HEAD)
SAMPR_DOMAIN_DISPLAY_GROUP: Final = Struct("SAMPR_DOMAIN_DISPLAY_GROUP", _DISPLAY_HEAD)
SAMPR_DOMAIN_DISPLAY_OEM: Final = Struct("SAMPR_DOMAIN_DISPLAY_OEM_USER", [
    ("Index", uint32), ("OemAccountName", RPC_STRING)])
DISPLAY_CLASSES: Final[dict[int, Struct]] = {
    cls: Struct(f"SAMPR_DOMAIN_DISPLAY_{tag}_BUFFER", [
        ("EntriesRead", uint32), ("Buffer", Pointer(ConformantArray(item)))])
    for cls, tag, item in ((1, "USER", SAMPR_DOMAIN_DISPLAY_USER),
                           (2, "MACHINE", SAMPR_DOMAIN_DISPLAY_MACHINE),
                           (3, "GROUP", SAMPR_DOMAIN_DISPLAY_GROUP),
                           (4, "OEM_USER", SAMPR_DOMAIN_DISPLAY_OEM),
                           (5, "OEM_GROUP", SAMPR_DOMAIN_DISPLAY_OEM))}
#: 2.2.8.13 SAMPR_DISPLAY_INFO_BUFFER, [switch_type(DOMAIN_DISPLAY_INFORMATION)] (16-bit).
SAMPR_DISPLAY_INFO_BUFFER: Final = Union(uint16, DISPLAY_CLASSES, default=None,
                                         ms_union=True, name="SAMPR_DISPLAY_INFO_BUFFER")

# 2.2.6.x / 2.2.7.x password-carrying user classes (set only: SamrSetInformationUser / 2)
#: 2.2.6.21 SAMPR_ENCRYPTED_USER_PASSWORD: a SAMPR_USER_PASSWORD (512 bytes of UTF-16 password,
#: right-aligned, and its byte length) encrypted with RC4 (key: the session key, or the old NT hash
#: for SamrUnicodeChangePasswordUser2).
SAMPR_ENCRYPTED_USER_PASSWORD: Final = Struct("SAMPR_ENCRYPTED_USER_PASSWORD",
                                              [("Buffer", FixedBytes(516))])
#: 2.2.6.22 SAMPR_ENCRYPTED_USER_PASSWORD_NEW: the same and a 16-byte ClearSalt; RC4 key
#: MD5(ClearSalt || session key).
SAMPR_ENCRYPTED_USER_PASSWORD_NEW: Final = Struct("SAMPR_ENCRYPTED_USER_PASSWORD_NEW",
                                                  [("Buffer", FixedBytes(532))])
#: 2.2.11.1.3 ENCRYPTED_NT_OWF_PASSWORD / ENCRYPTED_LM_OWF_PASSWORD (16 bytes).
ENCRYPTED_OWF_PASSWORD: Final = Struct("ENCRYPTED_NT_OWF_PASSWORD", [("data", FixedBytes(16))])
USER_SET_CLASSES: Final[dict[int, Struct]] = {
    **{cls: USER_INFO_CLASSES[cls] for cls in (1, 2, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 20, 21)},
    # 2.2.6.25 / 2.2.6.26 / 2.2.6.27 / 2.2.6.28
    23: Struct("SAMPR_USER_INTERNAL4_INFORMATION", [
        ("I1", SAMPR_USER_ALL_INFORMATION), ("UserPassword", SAMPR_ENCRYPTED_USER_PASSWORD)]),
    24: Struct("SAMPR_USER_INTERNAL5_INFORMATION", [
        ("UserPassword", SAMPR_ENCRYPTED_USER_PASSWORD), ("PasswordExpired", uint8)]),
    25: Struct("SAMPR_USER_INTERNAL4_INFORMATION_NEW", [
        ("I1", SAMPR_USER_ALL_INFORMATION), ("UserPassword", SAMPR_ENCRYPTED_USER_PASSWORD_NEW)]),
    26: Struct("SAMPR_USER_INTERNAL5_INFORMATION_NEW", [
        ("UserPassword", SAMPR_ENCRYPTED_USER_PASSWORD_NEW), ("PasswordExpired", uint8)]),
}
#: The [in] SAMPR_USER_INFO_BUFFER of the set calls: the settable classes; any other (3, 5, the
#: internal OWF class 18 not emulated...) decodes to the empty default arm and is answered
#: STATUS_INVALID_INFO_CLASS.
SAMPR_USER_SET_INFO_BUFFER: Final = Union(uint16, USER_SET_CLASSES, default=None,
                                          ms_union=True, name="SAMPR_USER_INFO_BUFFER")
