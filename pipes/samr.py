"""samr: the Security Account Manager Remote Protocol (MS-SAMR), on ``\\PIPE\\samr``.

UUID 12345778-1234-abcd-ef00-0123456789ac version 1.0 (MS-SAMR 1.9, 2.1).  Every opnum MS-SAMR 3.1.5
lists (0 to 73) is declared here, in one of four ways:

* **emulated** — answered from the fixture directory (``ctx.server.directory``): the account domain
  (the machine's local SAM on a member / standalone profile, the domain's accounts on a DC profile,
  see ``smbemu/directory.py``) and Builtin (S-1-5-32);
* **refused** — calls that change the SAM (SamrSetInformation*, SamrCreate*, SamrDelete*,
  SamrAddMember*, password changes...) answer STATUS_ACCESS_DENIED (0xC0000022): the emulated
  server is read-only.  Their [in] parameters are not decoded (except the handle of the Delete*
  calls, which is [in, out] and echoed back); their [out] parameters are NULL / zero;
* **"OpnumNNNotUsedOnWire"** (42, 43, 59-61, 63, 68-72) — MS-SAMR: "reserved for local use";
  fault nca_op_rng_error 0x1C010002, what the RPC runtime answers for an opnum it does not
  dispatch;
* **not emulated** — SamrValidatePassword (67; MS-SAMR 3.1.5.13.7: an RPC-over-TCP call) and
  SamrUnicodeChangePasswordUser4 (73, added after the releases the profiles model) fault
  nca_op_rng_error.

Context handles (MS-SAMR 3.1.1.10) live in ``ctx.handles`` with a kind (``samr.server``,
``samr.domain``, ``samr.user``, ``samr.group``, ``samr.alias``) and the access granted when they were
opened.  Each call checks, in this order (the order of MS-SAMR 3.1.5.x's processing rules):

1. the handle is known (else STATUS_INVALID_HANDLE 0xC0000008: a closed, stale or foreign
   handle, as issue 4 asks.  Note: Windows' RPC runtime rejects a context handle it never issued
   before the SAM sees it, with the fault nca_s_fault_context_mismatch 0x1C00001A — Samba's
   torture test samr.handletype, written against Windows, expects NT_STATUS_RPC_SS_CONTEXT_MISMATCH
   for a handle with a random GUID.  Returning the NTSTATUS keeps tools' error paths simple; U);
2. it is of the kind the call takes (else STATUS_OBJECT_TYPE_MISMATCH 0xC0000024 for a live
   handle of another SAM object type, e.g. a domain handle given to SamrQueryInformationUser:
   the NT object-type status for "right handle, wrong object type".  U: MS-SAMR does not say;
   ReactOS's samsrv (SampValidateDbObject) answers STATUS_INVALID_HANDLE);
3. the access the call needs (MS-SAMR 3.1.5.x, "the server MUST return STATUS_ACCESS_DENIED if
   the GrantedAccess of the handle does not contain ...") is in the granted access;
4. ``ctx.decide(level=..., access=...)``: who may call what on this profile (RestrictAnonymous,
   RestrictRemoteSAM, the Pre-Windows 2000 Compatible Access rules of windows-defaults.md §0
   rules 7-8, §1.3) is the policy's; its status is returned as the NTSTATUS.

Access granted on open (MS-SAMR 3.1.2.1, MS-DTYP 2.5.3.2) is the policy's access model
(``ctx.grant``, :mod:`smbemu.policy.access`): generic bits are mapped with the object's generic
mapping (MS-SAMR 2.2.1.x); MAXIMUM_ALLOWED (0x02000000) becomes every right the caller holds on
the object; any other requested right the caller does not hold fails the open with
STATUS_ACCESS_DENIED.  What a caller holds is the default DACL of each object type (MS-SAMR
3.1.1.6 / the SDs Windows creates): Administrators get the object's ALL_ACCESS, everyone else the
object's READ | EXECUTE rights (plus WRITE_PREFERENCES | CHANGE_PASSWORD on their own user
object).  ACCESS_SYSTEM_SECURITY needs SeSecurityPrivilege: administrators only.

Enumerations page as Windows does: ``PreferedMaximumLength`` bounds the bytes returned (each
entry counts as its fixed part plus its name in UTF-16, U: the SAM's own estimate is not
documented), at least one entry is returned per call, the enumeration context / index is the
position of the next entry, and a partial answer returns STATUS_MORE_ENTRIES (0x00000105).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.policy.access import (
    ACCESS_SYSTEM_SECURITY,
    ALIAS_ADD_MEMBER,
    ALIAS_LIST_MEMBERS,
    ALIAS_READ_INFORMATION,
    ALIAS_REMOVE_MEMBER,
    ALIAS_WRITE_ACCOUNT,
    DELETE,
    DOMAIN_CREATE_ALIAS,
    DOMAIN_CREATE_GROUP,
    DOMAIN_CREATE_USER,
    DOMAIN_GET_ALIAS_MEMBERSHIP,
    DOMAIN_LIST_ACCOUNTS,
    DOMAIN_LOOKUP,
    DOMAIN_READ_OTHER_PARAMETERS,
    DOMAIN_READ_PASSWORD_PARAMETERS,
    DOMAIN_WRITE_OTHER_PARAMETERS,
    GROUP_ADD_MEMBER,
    GROUP_LIST_MEMBERS,
    GROUP_READ_INFORMATION,
    GROUP_REMOVE_MEMBER,
    GROUP_WRITE_ACCOUNT,
    READ_CONTROL,
    SAM_ALIAS,
    SAM_DOMAIN,
    SAM_GROUP,
    SAM_SERVER,
    SAM_SERVER_ENUMERATE_DOMAINS,
    SAM_SERVER_LOOKUP_DOMAIN,
    SAM_SERVER_SHUTDOWN,
    SAM_USER,
    USER_CHANGE_PASSWORD,
    USER_LIST_GROUPS,
    USER_READ_ACCOUNT,
    USER_READ_GENERAL,
    USER_READ_LOGON,
    USER_READ_PREFERENCES,
    USER_WRITE_ACCOUNT,
    USER_WRITE_PREFERENCES,
    ObjectType,
    grant_access as _grant,
)
from smbemu.rpc import CallContext, HandleEntry, Interface, Sized, ndr
from smbemu.rpc.dtyp import FILETIME_NEVER, TICKS_PER_SECOND, sid_bytes, to_filetime
from smbemu.rpc.paging import page
from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantBytes,
    ConformantVaryingArray,
    ConformantVaryingBytes,
    ContextHandle,
    NdrType,
    Pointer,
    PSid,
    RpcUnicodeString,
    Sid,
    Struct,
    Union,
    WString,
    int32,
    int64,
    uint8,
    uint16,
    uint32,
)
from smbemu.rpc.status import (
    RPC_X_INVALID_BOUND,
    STATUS_ACCESS_DENIED,
    STATUS_INVALID_HANDLE,
    STATUS_INVALID_INFO_CLASS,
    STATUS_INVALID_PARAMETER,
    STATUS_NONE_MAPPED,
    STATUS_NO_MORE_ENTRIES,
    STATUS_NO_SUCH_ALIAS,
    STATUS_NO_SUCH_DOMAIN,
    STATUS_NO_SUCH_GROUP,
    STATUS_NO_SUCH_USER,
    STATUS_OBJECT_TYPE_MISMATCH,
    STATUS_SOME_NOT_MAPPED,
    STATUS_SUCCESS,
)

# -------------------------------------------------------------------------------------------
# Object types (MS-SAMR 2.2.1: rights and generic mappings are smbemu.policy.access's)
# -------------------------------------------------------------------------------------------

SERVER: Final = SAM_SERVER
DOMAIN: Final = SAM_DOMAIN
GROUP: Final = SAM_GROUP
ALIAS: Final = SAM_ALIAS
USER: Final = SAM_USER
_TYPES: Final = {t.kind: t for t in (SERVER, DOMAIN, GROUP, ALIAS, USER)}


def grant_access(obj_type: ObjectType, desired: int, *, administrator: bool,
                 extra: int = 0) -> int | None:
    """The policy's access model (``smbemu.policy.grant_access``) for a caller holding an
    administrator's rights (ALL_ACCESS and ACCESS_SYSTEM_SECURITY) or everyone's (READ |
    EXECUTE, plus ``extra``), without a call: handlers use ``ctx.grant``."""
    held = (obj_type.all | ACCESS_SYSTEM_SECURITY) if administrator else obj_type.everyone | extra
    return _grant(obj_type, desired, held)


# -------------------------------------------------------------------------------------------
# Other constants
# -------------------------------------------------------------------------------------------

#: MS-SAMR 2.2.1.10 SE_GROUP_MANDATORY | SE_GROUP_ENABLED_BY_DEFAULT | SE_GROUP_ENABLED.
SE_GROUP_DEFAULT: Final = 0x00000007
#: MS-SAMR 2.2.2.3 / MS-LSAT 2.2.13 SID_NAME_USE.
SID_TYPE_USER: Final = 1
SID_TYPE_GROUP: Final = 2
SID_TYPE_DOMAIN: Final = 3
SID_TYPE_ALIAS: Final = 4
SID_TYPE_UNKNOWN: Final = 8
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
_TICKS_PER_MINUTE: Final = 60 * TICKS_PER_SECOND
_TICKS_PER_DAY: Final = 24 * 60 * _TICKS_PER_MINUTE
#: MS-SAMR 2.2.7.6 WhichFields bits this server fills, per user access right.
_FIELDS_GENERAL: Final = 0x1 | 0x2 | 0x4 | 0x8 | 0x10            # names, ids, admin comment
_FIELDS_PREFERENCES: Final = 0x20 | 0x400000 | 0x800000           # user comment, country, code page
_FIELDS_LOGON: Final = (0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800 | 0x1000 | 0x2000 | 0x4000
                        | 0x8000 | 0x10000 | 0x20000)
_FIELDS_ACCOUNT: Final = 0x40000 | 0x80000 | 0x100000 | 0x200000  # pwdlastset, expires, uac, params
#: SAMPR_LOGON_HOURS: 168 units per week (hours), all allowed; the buffer is size_is(1260).
UNITS_PER_WEEK: Final = 168
_LOGON_HOURS_ALL: Final = b"\xff" * (UNITS_PER_WEEK // 8)
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
SAMPR_REVISION_INFO: Final = Union(uint32, {1: SAMPR_REVISION_INFO_V1}, name="SAMPR_REVISION_INFO")
#: 2.2.3.17 USER_DOMAIN_PASSWORD_INFORMATION.
USER_DOMAIN_PASSWORD_INFORMATION: Final = Struct("USER_DOMAIN_PASSWORD_INFORMATION", [
    ("MinPasswordLength", uint16), ("PasswordProperties", uint32)])

# 2.2.4 domain information.  The server state / role enums are marshalled as 32-bit values
# (Samba's samr.idl declares them [v1_enum]; a 16-bit reader sees the same low half).
DOMAIN_PASSWORD_INFORMATION: Final = Struct("DOMAIN_PASSWORD_INFORMATION", [
    ("MinPasswordLength", uint16), ("PasswordHistoryLength", uint16),
    ("PasswordProperties", uint32), ("MaxPasswordAge", OLD_LARGE_INTEGER),
    ("MinPasswordAge", OLD_LARGE_INTEGER)])
DOMAIN_LOGOFF_INFORMATION: Final = Struct("DOMAIN_LOGOFF_INFORMATION", [
    ("ForceLogoff", OLD_LARGE_INTEGER)])
DOMAIN_SERVER_ROLE_INFORMATION: Final = Struct("DOMAIN_SERVER_ROLE_INFORMATION", [
    ("DomainServerRole", uint32)])
DOMAIN_STATE_INFORMATION: Final = Struct("DOMAIN_STATE_INFORMATION", [
    ("DomainServerState", uint32)])
DOMAIN_MODIFIED_INFORMATION: Final = Struct("DOMAIN_MODIFIED_INFORMATION", [
    ("DomainModifiedCount", OLD_LARGE_INTEGER), ("CreationTime", OLD_LARGE_INTEGER)])
DOMAIN_MODIFIED_INFORMATION2: Final = Struct("DOMAIN_MODIFIED_INFORMATION2", [
    ("DomainModifiedCount", OLD_LARGE_INTEGER), ("CreationTime", OLD_LARGE_INTEGER),
    ("ModifiedCountAtLastPromotion", OLD_LARGE_INTEGER)])
SAMPR_DOMAIN_GENERAL_INFORMATION: Final = Struct("SAMPR_DOMAIN_GENERAL_INFORMATION", [
    ("ForceLogoff", OLD_LARGE_INTEGER), ("OemInformation", RpcUnicodeString),
    ("DomainName", RpcUnicodeString), ("ReplicaSourceNodeName", RpcUnicodeString),
    ("DomainModifiedCount", OLD_LARGE_INTEGER), ("DomainServerState", uint32),
    ("DomainServerRole", uint32), ("UasCompatibilityRequired", uint8), ("UserCount", uint32),
    ("GroupCount", uint32), ("AliasCount", uint32)])
SAMPR_DOMAIN_GENERAL_INFORMATION2: Final = Struct("SAMPR_DOMAIN_GENERAL_INFORMATION2", [
    ("I1", SAMPR_DOMAIN_GENERAL_INFORMATION), ("LockoutDuration", int64),
    ("LockoutObservationWindow", int64), ("LockoutThreshold", uint16)])
SAMPR_DOMAIN_OEM_INFORMATION: Final = Struct("SAMPR_DOMAIN_OEM_INFORMATION", [
    ("OemInformation", RpcUnicodeString)])
SAMPR_DOMAIN_NAME_INFORMATION: Final = Struct("SAMPR_DOMAIN_NAME_INFORMATION", [
    ("DomainName", RpcUnicodeString)])
SAMPR_DOMAIN_REPLICATION_INFORMATION: Final = Struct("SAMPR_DOMAIN_REPLICATION_INFORMATION", [
    ("ReplicaSourceNodeName", RpcUnicodeString)])
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
#: 2.2.4.17 SAMPR_DOMAIN_INFO_BUFFER, [switch_type(DOMAIN_INFORMATION_CLASS)]: a 16-bit enum.
SAMPR_DOMAIN_INFO_BUFFER: Final = Union(uint16, DOMAIN_INFO_CLASSES, default=None,
                                        name="SAMPR_DOMAIN_INFO_BUFFER")

# 2.2.5 group information
SAMPR_GROUP_GENERAL_INFORMATION: Final = Struct("SAMPR_GROUP_GENERAL_INFORMATION", [
    ("Name", RpcUnicodeString), ("Attributes", uint32), ("MemberCount", uint32),
    ("AdminComment", RpcUnicodeString)])
GROUP_INFO_CLASSES: Final[dict[int, Struct]] = {
    1: SAMPR_GROUP_GENERAL_INFORMATION,
    2: Struct("SAMPR_GROUP_NAME_INFORMATION", [("Name", RpcUnicodeString)]),
    3: Struct("GROUP_ATTRIBUTE_INFORMATION", [("Attributes", uint32)]),
    4: Struct("SAMPR_GROUP_ADM_COMMENT_INFORMATION", [("AdminComment", RpcUnicodeString)]),
    5: SAMPR_GROUP_GENERAL_INFORMATION}
SAMPR_GROUP_INFO_BUFFER: Final = Union(uint16, GROUP_INFO_CLASSES, default=None,
                                       name="SAMPR_GROUP_INFO_BUFFER")

# 2.2.6 alias information
ALIAS_INFO_CLASSES: Final[dict[int, Struct]] = {
    1: Struct("SAMPR_ALIAS_GENERAL_INFORMATION", [
        ("Name", RpcUnicodeString), ("MemberCount", uint32), ("AdminComment", RpcUnicodeString)]),
    2: Struct("SAMPR_ALIAS_NAME_INFORMATION", [("Name", RpcUnicodeString)]),
    3: Struct("SAMPR_ALIAS_ADM_COMMENT_INFORMATION", [("AdminComment", RpcUnicodeString)])}
SAMPR_ALIAS_INFO_BUFFER: Final = Union(uint16, ALIAS_INFO_CLASSES, default=None,
                                       name="SAMPR_ALIAS_INFO_BUFFER")

# 2.2.7 user information
#: 2.2.7.5 SAMPR_LOGON_HOURS: ``unsigned short UnitsPerWeek; [size_is(1260),
#: length_is((UnitsPerWeek+7)/8)] unsigned char* LogonHours``.
SAMPR_LOGON_HOURS: Final = Struct("SAMPR_LOGON_HOURS", [
    ("UnitsPerWeek", uint16), ("LogonHours", Pointer(ConformantVaryingBytes()))])


def _ustrings(*names: str) -> list[tuple[str, NdrType]]:
    return [(n, RpcUnicodeString) for n in names]


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
                                      name="SAMPR_USER_INFO_BUFFER")
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
                        ("AccountName", RpcUnicodeString), ("AdminComment", RpcUnicodeString)]
SAMPR_DOMAIN_DISPLAY_USER: Final = Struct("SAMPR_DOMAIN_DISPLAY_USER", [
    *_DISPLAY_HEAD, ("FullName", RpcUnicodeString)])
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
                                         name="SAMPR_DISPLAY_INFO_BUFFER")

# -------------------------------------------------------------------------------------------
# The interface
# -------------------------------------------------------------------------------------------

INTERFACE: Final = Interface(
    name="samr", uuid="12345778-1234-abcd-ef00-0123456789ac", version=(1, 0),
    pipes=("samr",), opnum_count=74, secondary_address="\\PIPE\\lsass",
    description="Security Account Manager Remote Protocol (MS-SAMR)")

#: MS-SAMR 3.1.5: "Opnum..NotUsedOnWire" (reserved for local use): nca_op_rng_error.
NOT_USED_ON_WIRE: Final = {42: "Opnum42NotUsedOnWire", 43: "Opnum43NotUsedOnWire",
                           59: "Opnum59NotUsedOnWire", 60: "Opnum60NotUsedOnWire",
                           61: "Opnum61NotUsedOnWire", 63: "Opnum63NotUsedOnWire",
                           68: "Opnum68NotUsedOnWire", 69: "Opnum69NotUsedOnWire",
                           70: "Opnum70NotUsedOnWire", 71: "Opnum71NotUsedOnWire",
                           72: "Opnum72NotUsedOnWire"}
#: Calls not emulated: nca_op_rng_error (see the module docstring).
NOT_EMULATED: Final = {67: "SamrValidatePassword", 73: "SamrUnicodeChangePasswordUser4"}
for _opnum, _name in {**NOT_USED_ON_WIRE, **NOT_EMULATED}.items():
    INTERFACE.not_implemented(_opnum, _name)


# -------------------------------------------------------------------------------------------
# Helpers
# -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SamObject:
    """What a handle refers to: the SAM domain (None for the server object) and the account.

    ``listing`` holds the list a paged enumeration on this handle walks (see `_listing`)."""

    domain: Any = None
    account: Any = None
    listing: list[Any] = field(default_factory=lambda: [None, None], compare=False)


def _listing(obj: SamObject, key: tuple[Any, ...], first_page: bool, build: Callable[[], Any]) -> Any:
    """The entries a paged enumeration (SamrEnumerate*, SamrQueryDisplayInformation*) returns,
    built on its first page and kept on the handle for the pages that follow: page k then costs
    one page, not a pass over the whole domain (100,000 users would make paging quadratic).
    One listing per handle; a new first page, or another operation, rebuilds it."""
    if first_page or obj.listing[0] != key:
        obj.listing[0], obj.listing[1] = key, build()
    return obj.listing[1]


def _oli(value: int) -> dict[str, int]:
    """A signed 64-bit value as OLD_LARGE_INTEGER."""
    value &= 0xFFFFFFFFFFFFFFFF
    high = value >> 32
    return {"LowPart": value & 0xFFFFFFFF, "HighPart": high - (1 << 32) if high >= 1 << 31 else high}


def _delta(amount: int, unit: int) -> int:
    """A negative relative time (MS-SAMR 2.2.4.5: "delta"), DELTA_NEVER for 0."""
    return -amount * unit if amount else DELTA_NEVER


def _directory(ctx: CallContext) -> Any:
    return ctx.server.directory


def _lookup(ctx: CallContext, handle: bytes, kinds: Sequence[str],
            need: int = 0) -> tuple[HandleEntry | None, int]:
    """(entry, 0) or (None, STATUS_INVALID_HANDLE / OBJECT_TYPE_MISMATCH / ACCESS_DENIED)."""
    entry = ctx.handles.lookup(handle)
    if entry is None:
        return None, STATUS_INVALID_HANDLE
    if entry.kind not in kinds:
        return None, STATUS_OBJECT_TYPE_MISMATCH
    if not ctx.require(entry.granted_access, need, _TYPES[entry.kind]):
        return None, STATUS_ACCESS_DENIED
    return entry, STATUS_SUCCESS


def _sam_domains(ctx: CallContext) -> list[tuple[str, Any]]:
    """(SAM name, SamDomain): the account domain, then Builtin (MS-SAMR 3.1.1.1: "Builtin")."""
    directory = _directory(ctx)
    return [(directory.account_domain.name, directory.account_domain),
            ("Builtin", directory.builtin_domain)]


def _domain_name(ctx: CallContext, domain: Any) -> str:
    return "Builtin" if domain is _directory(ctx).builtin_domain else str(domain.name)


def _error(ctx: CallContext, status: int, **values: Any) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    return op.error_response(status, **values)


# -------------------------------------------------------------------------------------------
# Security descriptors (SamrQuerySecurityObject)
# -------------------------------------------------------------------------------------------


def _ace(mask: int, sid: str) -> bytes:
    """ACCESS_ALLOWED_ACE (MS-DTYP 2.4.4.2)."""
    body = struct.pack("<I", mask) + sid_bytes(sid)
    return struct.pack("<BBH", 0, 0, 4 + len(body)) + body


def security_descriptor(obj_type: ObjectType, security_information: int,
                        self_sid: str | None = None) -> bytes:
    """A self-relative SD (MS-DTYP 2.4.6) as the SAM's defaults: owner BUILTIN\\Administrators,
    group SYSTEM, a DACL giving Everyone READ | EXECUTE, Administrators ALL_ACCESS (and a user
    WRITE_PREFERENCES | CHANGE_PASSWORD on itself).  Only the parts ``security_information``
    asks for (OWNER 1, GROUP 2, DACL 4) are present; a SACL is never returned."""
    owner = sid_bytes("S-1-5-32-544") if security_information & 1 else b""
    group = sid_bytes("S-1-5-18") if security_information & 2 else b""
    dacl = b""
    control = 0x8000  # SE_SELF_RELATIVE
    if security_information & 4:
        aces = [_ace(obj_type.everyone, "S-1-1-0"), _ace(obj_type.all, "S-1-5-32-544")]
        if self_sid is not None:
            aces.append(_ace(USER_WRITE_PREFERENCES | USER_CHANGE_PASSWORD | READ_CONTROL,
                             self_sid))
        body = b"".join(aces)
        dacl = struct.pack("<BBHHH", 2, 0, 8 + len(body), len(aces), 0) + body
        control |= 0x0004  # SE_DACL_PRESENT
    offset = 20
    offsets = []
    for part in (owner, group, dacl):
        offsets.append(offset if part else 0)
        offset += len(part)
    header = struct.pack("<BBHIIII", 1, 0, control, offsets[0], offsets[1], 0, offsets[2])
    return header + owner + group + dacl


# -------------------------------------------------------------------------------------------
# Refused calls (read-only emulation)
# -------------------------------------------------------------------------------------------


#: The right each refused call needs on its object (MS-SAMR 3.1.5.x; U for
#: SamrSetInformationDomain, whose right depends on the class).  Only administrators hold it
#: (the default DACLs, MS-SAMR 3.1.1.6): anyone else is refused for the missing right before the
#: read-only rule refuses administrators too.
_WRITE_ACCESS: Final[dict[str, tuple[ObjectType, int]]] = {
    "SamrShutdownSamServer": (SERVER, SAM_SERVER_SHUTDOWN),
    "SamrSetInformationDomain": (DOMAIN, DOMAIN_WRITE_OTHER_PARAMETERS),
    "SamrCreateGroupInDomain": (DOMAIN, DOMAIN_CREATE_GROUP),
    "SamrCreateUserInDomain": (DOMAIN, DOMAIN_CREATE_USER),
    "SamrCreateUser2InDomain": (DOMAIN, DOMAIN_CREATE_USER),
    "SamrCreateAliasInDomain": (DOMAIN, DOMAIN_CREATE_ALIAS),
    "SamrSetInformationGroup": (GROUP, GROUP_WRITE_ACCOUNT),
    "SamrAddMemberToGroup": (GROUP, GROUP_ADD_MEMBER),
    "SamrDeleteGroup": (GROUP, DELETE),
    "SamrRemoveMemberFromGroup": (GROUP, GROUP_REMOVE_MEMBER),
    "SamrSetMemberAttributesOfGroup": (GROUP, GROUP_ADD_MEMBER),
    "SamrSetInformationAlias": (ALIAS, ALIAS_WRITE_ACCOUNT),
    "SamrDeleteAlias": (ALIAS, DELETE),
    "SamrAddMemberToAlias": (ALIAS, ALIAS_ADD_MEMBER),
    "SamrRemoveMemberFromAlias": (ALIAS, ALIAS_REMOVE_MEMBER),
    "SamrAddMultipleMembersToAlias": (ALIAS, ALIAS_ADD_MEMBER),
    "SamrRemoveMultipleMembersFromAlias": (ALIAS, ALIAS_REMOVE_MEMBER),
    "SamrDeleteUser": (USER, DELETE),
    "SamrSetInformationUser": (USER, USER_WRITE_ACCOUNT),
    "SamrSetInformationUser2": (USER, USER_WRITE_ACCOUNT),
    "SamrChangePasswordUser": (USER, USER_CHANGE_PASSWORD),
}


def _refuse(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """STATUS_ACCESS_DENIED with NULL [out] parameters; an [in, out] handle is echoed."""
    op = ctx.operation
    assert op is not None
    needed = _WRITE_ACCESS.get(op.name)
    if needed is None or ctx.grant(*needed) is not None:
        status = ctx.decide().status or STATUS_ACCESS_DENIED
    else:
        status = STATUS_ACCESS_DENIED
    return op.error_response(status, **{k: v for k, v in request.items() if k.endswith("Handle")})


_H = ContextHandle
_REFUSED_OPS: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]],
                                Sequence[tuple[str, NdrType]]], ...]] = (
    (2, "SamrSetSecurityObject", (), ()),
    (4, "SamrShutdownSamServer", (), ()),
    (9, "SamrSetInformationDomain", (), ()),
    (10, "SamrCreateGroupInDomain", (), (("GroupHandle", _H), ("RelativeId", uint32))),
    (12, "SamrCreateUserInDomain", (), (("UserHandle", _H), ("RelativeId", uint32))),
    (14, "SamrCreateAliasInDomain", (), (("AliasHandle", _H), ("RelativeId", uint32))),
    (21, "SamrSetInformationGroup", (), ()),
    (22, "SamrAddMemberToGroup", (), ()),
    (23, "SamrDeleteGroup", (("GroupHandle", _H),), (("GroupHandle", _H),)),
    (24, "SamrRemoveMemberFromGroup", (), ()),
    (26, "SamrSetMemberAttributesOfGroup", (), ()),
    (29, "SamrSetInformationAlias", (), ()),
    (30, "SamrDeleteAlias", (("AliasHandle", _H),), (("AliasHandle", _H),)),
    (31, "SamrAddMemberToAlias", (), ()),
    (32, "SamrRemoveMemberFromAlias", (), ()),
    (35, "SamrDeleteUser", (("UserHandle", _H),), (("UserHandle", _H),)),
    (37, "SamrSetInformationUser", (), ()),
    (38, "SamrChangePasswordUser", (), ()),
    (45, "SamrRemoveMemberFromForeignDomain", (), ()),
    (50, "SamrCreateUser2InDomain", (),
     (("UserHandle", _H), ("GrantedAccess", uint32), ("RelativeId", uint32))),
    (52, "SamrAddMultipleMembersToAlias", (), ()),
    (53, "SamrRemoveMultipleMembersFromAlias", (), ()),
    (54, "SamrOemChangePasswordUser2", (), ()),
    (55, "SamrUnicodeChangePasswordUser2", (), ()),
    (58, "SamrSetInformationUser2", (), ()),
    (66, "SamrSetDSRMPassword", (), ()),
)
for _opnum, _name, _in, _out in _REFUSED_OPS:
    # [in] parameters past the declared ones are not decoded: trailing stub bytes are ignored.
    INTERFACE.operation(_opnum, _name, request=_in, response=_out)(_refuse)


# -------------------------------------------------------------------------------------------
# Connect (0, 57, 62, 64) and CloseHandle (1)
# -------------------------------------------------------------------------------------------


def _connect(ctx: CallContext, operation: str, desired: int) -> tuple[bytes, int]:
    status = ctx.decide(operation, access=desired).status
    if status:
        return bytes(20), status
    granted = ctx.grant(SERVER, desired)
    if granted is None:
        return bytes(20), STATUS_ACCESS_DENIED
    return ctx.handles.create(SERVER.kind, SamObject(), granted), STATUS_SUCCESS


@INTERFACE.operation(0, "SamrConnect",
                     request=[("ServerName", Pointer(ndr.wchar)), ("DesiredAccess", uint32)],
                     response=[("ServerHandle", SAMPR_HANDLE)])
def SamrConnect(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.1.4: a server handle (ServerName, a single character, is ignored)."""
    handle, status = _connect(ctx, "SamrConnect", request["DesiredAccess"])
    return {"ServerHandle": handle, "ReturnValue": status}


@INTERFACE.operation(57, "SamrConnect2",
                     request=[("ServerName", WString), ("DesiredAccess", uint32)],
                     response=[("ServerHandle", SAMPR_HANDLE)])
def SamrConnect2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.1.3."""
    handle, status = _connect(ctx, "SamrConnect2", request["DesiredAccess"])
    return {"ServerHandle": handle, "ReturnValue": status}


@INTERFACE.operation(62, "SamrConnect4",
                     request=[("ServerName", WString), ("ClientRevision", uint32),
                              ("DesiredAccess", uint32)],
                     response=[("ServerHandle", SAMPR_HANDLE)])
def SamrConnect4(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.1.2 (ClientRevision is ignored)."""
    handle, status = _connect(ctx, "SamrConnect4", request["DesiredAccess"])
    return {"ServerHandle": handle, "ReturnValue": status}


@INTERFACE.operation(64, "SamrConnect5",
                     request=[("ServerName", WString), ("DesiredAccess", uint32),
                              ("InVersion", uint32), ("InRevisionInfo", SAMPR_REVISION_INFO)],
                     response=[("OutVersion", uint32), ("OutRevisionInfo", SAMPR_REVISION_INFO),
                               ("ServerHandle", SAMPR_HANDLE)])
def SamrConnect5(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.1.1: InVersion must be 1 (else STATUS_NOT_SUPPORTED... the spec says
    "return an error"; STATUS_INVALID_PARAMETER here, U); OutRevisionInfo V1 = {3, 0}."""
    revision = {"OutVersion": 1,
                "OutRevisionInfo": (1, {"Revision": SAM_REVISION, "SupportedFeatures": 0})}
    if request["InVersion"] != 1:
        return {**revision, "ServerHandle": bytes(20), "ReturnValue": STATUS_INVALID_PARAMETER}
    handle, status = _connect(ctx, "SamrConnect5", request["DesiredAccess"])
    return {**revision, "ServerHandle": handle, "ReturnValue": status}


@INTERFACE.operation(1, "SamrCloseHandle", request=[("SamHandle", SAMPR_HANDLE)],
                     response=[("SamHandle", SAMPR_HANDLE)])
def SamrCloseHandle(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.13.1: the handle is released and returned zeroed."""
    handle = request["SamHandle"]
    entry = ctx.handles.lookup(handle)
    if entry is None:
        return {"SamHandle": handle, "ReturnValue": STATUS_INVALID_HANDLE}
    if entry.kind not in _TYPES:
        return {"SamHandle": handle, "ReturnValue": STATUS_OBJECT_TYPE_MISMATCH}
    ctx.handles.close(handle)
    return {"SamHandle": bytes(20), "ReturnValue": STATUS_SUCCESS}


# -------------------------------------------------------------------------------------------
# Security (3), RidToSid (65)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(3, "SamrQuerySecurityObject",
                     request=[("ObjectHandle", SAMPR_HANDLE), ("SecurityInformation", uint32)],
                     response=[("SecurityDescriptor", Pointer(SAMPR_SR_SECURITY_DESCRIPTOR))])
def SamrQuerySecurityObject(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.12.2: READ_CONTROL for owner/group/DACL, ACCESS_SYSTEM_SECURITY for a SACL."""
    info = request["SecurityInformation"]
    need = (READ_CONTROL if info & 0x7 else 0) | (ACCESS_SYSTEM_SECURITY if info & 0x8 else 0)
    entry, status = _lookup(ctx, request["ObjectHandle"], tuple(_TYPES), need)
    if entry is None:
        return _error(ctx, status)
    status = ctx.decide("SamrQuerySecurityObject").status
    if status:
        return _error(ctx, status)
    account = entry.obj.account
    self_sid = str(account.sid) if entry.kind == USER.kind else None
    sd = security_descriptor(_TYPES[entry.kind], info, self_sid)
    return {"SecurityDescriptor": {"Length": len(sd), "SecurityDescriptor": sd},
            "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(65, "SamrRidToSid",
                     request=[("ObjectHandle", SAMPR_HANDLE), ("Rid", uint32)],
                     response=[("Sid", PSid)])
def SamrRidToSid(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.13.3: the SID of ``Rid`` in the domain of a domain/user/group/alias handle."""
    entry, status = _lookup(ctx, request["ObjectHandle"],
                            (DOMAIN.kind, USER.kind, GROUP.kind, ALIAS.kind))
    if entry is None:
        return _error(ctx, status)
    status = ctx.decide("SamrRidToSid").status
    if status:
        return _error(ctx, status)
    return {"Sid": f"{entry.obj.domain.sid}-{request['Rid']}", "ReturnValue": STATUS_SUCCESS}


# -------------------------------------------------------------------------------------------
# Domains: Lookup (5), Enumerate (6), Open (7), QueryInformation (8, 46)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(5, "SamrLookupDomainInSamServer",
                     request=[("ServerHandle", SAMPR_HANDLE), ("Name", RpcUnicodeString)],
                     response=[("DomainId", PSid)])
def SamrLookupDomainInSamServer(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.11.1: SAM_SERVER_LOOKUP_DOMAIN; the name is compared case-insensitively."""
    entry, status = _lookup(ctx, request["ServerHandle"], (SERVER.kind,),
                            SAM_SERVER_LOOKUP_DOMAIN)
    if entry is None:
        return _error(ctx, status)
    status = ctx.decide("SamrLookupDomainInSamServer").status
    if status:
        return _error(ctx, status)
    wanted = (request["Name"] or "").lower()
    for name, domain in _sam_domains(ctx):
        if name.lower() == wanted:
            return {"DomainId": str(domain.sid), "ReturnValue": STATUS_SUCCESS}
    return _error(ctx, STATUS_NO_SUCH_DOMAIN)


def _rid_listing(accounts: Iterable[Any]) -> tuple[list[tuple[int, str]], list[int]]:
    """(RID, name) pairs and their sizes: sizeof(SAMPR_RID_ENUMERATION) (16) plus the name in UTF-16."""
    items = [(a.rid, a.name) for a in accounts]
    return items, [16 + 2 * len(name) for _, name in items]


def _rid_entries(items: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    return [{"RelativeId": rid, "Name": name} for rid, name in items]


def _enumerate(ctx: CallContext, listing: tuple[Sequence[tuple[int, str]], Sequence[int]], context: int,
               max_length: int) -> dict[str, Any]:
    """One page of a SamrEnumerate* call (MS-SAMR 3.1.5.2): entries from index ``context``.

    ``listing`` is (items, sizes) from `_rid_listing`."""
    items, sizes = listing
    start = min(context, len(items))
    got = page(range(len(items)), start, max_length, sizes.__getitem__)  # positions, sized
    entries = items[got.start:got.end]
    return {"EnumerationContext": got.end,
            "Buffer": {"EntriesRead": len(entries), "Buffer": _rid_entries(entries)},
            "CountReturned": len(entries),
            "ReturnValue": got.ntstatus}


@INTERFACE.operation(6, "SamrEnumerateDomainsInSamServer",
                     request=[("ServerHandle", SAMPR_HANDLE), ("EnumerationContext", uint32),
                              ("PreferedMaximumLength", uint32)],
                     response=[("EnumerationContext", uint32),
                               ("Buffer", Pointer(SAMPR_ENUMERATION_BUFFER)),
                               ("CountReturned", uint32)])
def SamrEnumerateDomainsInSamServer(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.2.1: the account domain and Builtin (RelativeId = index, as Windows)."""
    entry, status = _lookup(ctx, request["ServerHandle"], (SERVER.kind,),
                            SAM_SERVER_ENUMERATE_DOMAINS)
    if entry is None:
        return _error(ctx, status, EnumerationContext=request["EnumerationContext"])
    status = ctx.decide("SamrEnumerateDomainsInSamServer").status
    if status:
        return _error(ctx, status, EnumerationContext=request["EnumerationContext"])
    items = [(i, name) for i, (name, _) in enumerate(_sam_domains(ctx))]  # two domains: no listing kept
    return _enumerate(ctx, (items, [16 + 2 * len(name) for _, name in items]), request["EnumerationContext"],
                      request["PreferedMaximumLength"])


@INTERFACE.operation(7, "SamrOpenDomain",
                     request=[("ServerHandle", SAMPR_HANDLE), ("DesiredAccess", uint32),
                              ("DomainId", Sid)],
                     response=[("DomainHandle", SAMPR_HANDLE)])
def SamrOpenDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.1.5: SAM_SERVER_LOOKUP_DOMAIN on the server handle; STATUS_NO_SUCH_DOMAIN
    for a SID that is neither the account domain nor Builtin."""
    entry, status = _lookup(ctx, request["ServerHandle"], (SERVER.kind,),
                            SAM_SERVER_LOOKUP_DOMAIN)
    if entry is None:
        return _error(ctx, status)
    desired = request["DesiredAccess"]
    status = ctx.decide("SamrOpenDomain", access=desired).status
    if status:
        return _error(ctx, status)
    for _, domain in _sam_domains(ctx):
        if str(domain.sid) == request["DomainId"]:
            break
    else:
        return _error(ctx, STATUS_NO_SUCH_DOMAIN)
    granted = ctx.grant(DOMAIN, desired)
    if granted is None:
        return _error(ctx, STATUS_ACCESS_DENIED)
    return {"DomainHandle": ctx.handles.create(DOMAIN.kind, SamObject(domain), granted),
            "ReturnValue": STATUS_SUCCESS}


def _modified_count(domain: Any) -> int:
    """DomainModifiedCount: a stable serial number for the fixture (U: Windows counts changes)."""
    return 1 + len(domain.users) + len(domain.groups) + len(domain.aliases)


def _creation_time(ctx: CallContext) -> int:
    return int(getattr(ctx.server, "start_filetime", 0) or 0)


def domain_info(ctx: CallContext, domain: Any, info_class: int) -> dict[str, Any]:
    """The DOMAIN_* / SAMPR_DOMAIN_* structure of ``info_class`` (MS-SAMR 2.2.4)."""
    pw, lockout = domain.password_policy, domain.lockout_policy
    force_logoff = (DELTA_NEVER if pw.force_logoff_minutes is None
                    else -pw.force_logoff_minutes * _TICKS_PER_MINUTE)
    name = _domain_name(ctx, domain)
    modified = _modified_count(domain)
    if info_class == 1:
        return {"MinPasswordLength": pw.min_length, "PasswordHistoryLength": pw.history,
                "PasswordProperties": pw.properties,
                "MaxPasswordAge": _oli(_delta(pw.max_age_days, _TICKS_PER_DAY)),
                "MinPasswordAge": _oli(-pw.min_age_days * _TICKS_PER_DAY)}
    general = {
        "ForceLogoff": _oli(force_logoff), "OemInformation": "", "DomainName": name,
        "ReplicaSourceNodeName": "", "DomainModifiedCount": _oli(modified),
        "DomainServerState": DOMAIN_SERVER_ENABLED, "DomainServerRole": DOMAIN_SERVER_ROLE_PRIMARY,
        "UasCompatibilityRequired": 1, "UserCount": len(domain.users),
        "GroupCount": len(domain.groups), "AliasCount": len(domain.aliases)}
    lockout_info = {
        "LockoutDuration": _delta(lockout.duration_minutes, _TICKS_PER_MINUTE),
        "LockoutObservationWindow": -lockout.window_minutes * _TICKS_PER_MINUTE,
        "LockoutThreshold": lockout.threshold}
    modified_info = {"DomainModifiedCount": _oli(modified),
                     "CreationTime": _oli(_creation_time(ctx))}
    table: dict[int, dict[str, Any]] = {
        2: general,
        3: {"ForceLogoff": _oli(force_logoff)},
        4: {"OemInformation": ""},
        5: {"DomainName": name},
        6: {"ReplicaSourceNodeName": ""},
        7: {"DomainServerRole": DOMAIN_SERVER_ROLE_PRIMARY},
        8: modified_info,
        9: {"DomainServerState": DOMAIN_SERVER_ENABLED},
        11: {"I1": general, **lockout_info},
        12: lockout_info,
        13: {**modified_info, "ModifiedCountAtLastPromotion": _oli(0)},
    }
    return table[info_class]


def _query_domain(ctx: CallContext, request: dict[str, Any], operation: str) -> dict[str, Any]:
    info_class = request["DomainInformationClass"]
    need = DOMAIN_CLASS_ACCESS.get(info_class)
    entry, status = _lookup(ctx, request["DomainHandle"], (DOMAIN.kind,), need or 0)
    if entry is None:
        return _error(ctx, status)
    if need is None:
        return _error(ctx, STATUS_INVALID_INFO_CLASS)
    status = ctx.decide(operation, info_class).status
    if status:
        return _error(ctx, status)
    return {"Buffer": (info_class, domain_info(ctx, entry.obj.domain, info_class)),
            "ReturnValue": STATUS_SUCCESS}


_QUERY_DOMAIN_IN: Final = [("DomainHandle", SAMPR_HANDLE), ("DomainInformationClass", uint16)]
_QUERY_DOMAIN_OUT: Final = [("Buffer", Pointer(SAMPR_DOMAIN_INFO_BUFFER))]


@INTERFACE.operation(8, "SamrQueryInformationDomain", request=_QUERY_DOMAIN_IN,
                     response=_QUERY_DOMAIN_OUT)
def SamrQueryInformationDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.5.2 (same as SamrQueryInformationDomain2)."""
    return _query_domain(ctx, request, "SamrQueryInformationDomain")


@INTERFACE.operation(46, "SamrQueryInformationDomain2", request=_QUERY_DOMAIN_IN,
                     response=_QUERY_DOMAIN_OUT)
def SamrQueryInformationDomain2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.5.1: classes 1-9, 11-13; others STATUS_INVALID_INFO_CLASS."""
    return _query_domain(ctx, request, "SamrQueryInformationDomain2")


# -------------------------------------------------------------------------------------------
# Enumerations: groups (11), users (13), aliases (15)
# -------------------------------------------------------------------------------------------

_ENUM_OUT: Final = [("EnumerationContext", uint32), ("Buffer", Pointer(SAMPR_ENUMERATION_BUFFER)),
                    ("CountReturned", uint32)]


def _enum_accounts(ctx: CallContext, request: dict[str, Any], operation: str,
                   accounts: Any) -> dict[str, Any]:
    entry, status = _lookup(ctx, request["DomainHandle"], (DOMAIN.kind,), DOMAIN_LIST_ACCOUNTS)
    if entry is None:
        return _error(ctx, status, EnumerationContext=request["EnumerationContext"])
    status = ctx.decide(operation).status
    if status:
        return _error(ctx, status, EnumerationContext=request["EnumerationContext"])
    context = request["EnumerationContext"]
    key = (operation, request.get("UserAccountControl"))
    listing = _listing(entry.obj, key, context == 0, lambda: _rid_listing(accounts(entry.obj.domain)))
    return _enumerate(ctx, listing, context, request["PreferedMaximumLength"])


@INTERFACE.operation(11, "SamrEnumerateGroupsInDomain",
                     request=[("DomainHandle", SAMPR_HANDLE), ("EnumerationContext", uint32),
                              ("PreferedMaximumLength", uint32)],
                     response=_ENUM_OUT)
def SamrEnumerateGroupsInDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.2.3: the domain's groups by RID."""
    return _enum_accounts(ctx, request, "SamrEnumerateGroupsInDomain", lambda d: d.groups)


@INTERFACE.operation(13, "SamrEnumerateUsersInDomain",
                     request=[("DomainHandle", SAMPR_HANDLE), ("EnumerationContext", uint32),
                              ("UserAccountControl", uint32), ("PreferedMaximumLength", uint32)],
                     response=_ENUM_OUT)
def SamrEnumerateUsersInDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.2.5: users by RID; a non-zero UserAccountControl keeps only the accounts
    with at least one of its bits set (USER_NORMAL_ACCOUNT: no machine accounts)."""
    directory = _directory(ctx)
    wanted = request["UserAccountControl"]

    def users(domain: Any) -> list[Any]:
        if not wanted:
            return list(domain.users)
        return [u for u in domain.users if directory.account_control(u) & wanted]

    return _enum_accounts(ctx, request, "SamrEnumerateUsersInDomain", users)


@INTERFACE.operation(15, "SamrEnumerateAliasesInDomain",
                     request=[("DomainHandle", SAMPR_HANDLE), ("EnumerationContext", uint32),
                              ("PreferedMaximumLength", uint32)],
                     response=_ENUM_OUT)
def SamrEnumerateAliasesInDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.2.4: the domain's aliases by RID (Builtin: the BUILTIN aliases)."""
    return _enum_accounts(ctx, request, "SamrEnumerateAliasesInDomain", lambda d: d.aliases)


# -------------------------------------------------------------------------------------------
# Display information (40, 48, 51) and GetDisplayEnumerationIndex (41, 49)
# -------------------------------------------------------------------------------------------


def _display_accounts(ctx: CallContext, domain: Any, info_class: int) -> list[Any]:
    """MS-SAMR 3.1.5.3.3: the accounts of a display class, sorted by name (case-insensitive)."""
    directory = _directory(ctx)
    if info_class in (1, 4):
        accounts = [u for u in domain.users if directory.account_control(u) & USER_NORMAL_ACCOUNT]
    elif info_class == 2:
        accounts = [u for u in domain.users if directory.account_control(u)
                    & (USER_WORKSTATION_TRUST_ACCOUNT | USER_SERVER_TRUST_ACCOUNT)]
    else:
        accounts = list(domain.groups)
    return sorted(accounts, key=lambda a: a.name.upper())


def _display_entry(ctx: CallContext, account: Any, info_class: int,
                   index: int) -> tuple[dict[str, Any], int]:
    """(SAMPR_DOMAIN_DISPLAY_* entry, its size in bytes)."""
    if info_class in (4, 5):
        raw = account.name.upper().encode("cp437", "replace")
        entry = {"Index": index, "OemAccountName": {"Length": len(raw), "MaximumLength": len(raw),
                                                    "Buffer": raw}}
        return entry, 12 + len(raw)
    if info_class == 3:
        control = SE_GROUP_DEFAULT
    else:
        control = _directory(ctx).account_control(account)
    entry = {"Index": index, "Rid": account.rid, "AccountControl": control,
             "AccountName": account.name, "AdminComment": account.description}
    size = 28 + 2 * (len(account.name) + len(account.description))
    if info_class == 1:
        entry["FullName"] = account.full_name
        size += 8 + 2 * len(account.full_name)
    return entry, size


def _display_error(ctx: CallContext, info_class: int, status: int) -> dict[str, Any]:
    """A failed display query: the [out] union is not a pointer, so it is still marshalled —
    the class's buffer with no entries (or only the tag for a class with no arm)."""
    empty = {"EntriesRead": 0, "Buffer": None} if info_class in DISPLAY_CLASSES else None
    return _error(ctx, status, Buffer=(info_class, empty))


def _query_display(ctx: CallContext, request: dict[str, Any], operation: str) -> dict[str, Any]:
    info_class = request["DisplayInformationClass"]
    entry, status = _lookup(ctx, request["DomainHandle"], (DOMAIN.kind,), DOMAIN_LIST_ACCOUNTS)
    if entry is None:
        return _display_error(ctx, info_class, status)
    if info_class not in DISPLAY_CLASSES:
        return _display_error(ctx, info_class, STATUS_INVALID_INFO_CLASS)
    status = ctx.decide(operation, info_class).status
    if status:
        return _display_error(ctx, info_class, status)
    start = request["Index"]

    def build() -> tuple[list[Any], list[int], int]:
        accounts = _display_accounts(ctx, entry.obj.domain, info_class)
        built = [_display_entry(ctx, a, info_class, i + 1) for i, a in enumerate(accounts)]
        sizes = [size for _, size in built]
        return built, sizes, sum(sizes)

    built, sizes, total_size = _listing(entry.obj, (operation, info_class), start == 0, build)
    # MS-SAMR 3.1.5.3.3: nothing left from Index: an empty buffer and STATUS_SUCCESS; an
    # EntryCount of 0 returns nothing either (STATUS_MORE_ENTRIES if entries remain).
    got = page(range(len(built)), start, request["PreferredMaximumLength"], sizes.__getitem__,
               max_count=request["EntryCount"])
    entries = [e for e, _ in built[got.start:got.end]]
    return {"TotalAvailable": total_size, "TotalReturned": sum(sizes[got.start:got.end]),
            "Buffer": (info_class, {"EntriesRead": len(entries), "Buffer": entries}),
            "ReturnValue": got.ntstatus}


_DISPLAY_IN: Final = [("DomainHandle", SAMPR_HANDLE), ("DisplayInformationClass", uint16),
                      ("Index", uint32), ("EntryCount", uint32),
                      ("PreferredMaximumLength", uint32)]
_DISPLAY_OUT: Final = [("TotalAvailable", uint32), ("TotalReturned", uint32),
                       ("Buffer", SAMPR_DISPLAY_INFO_BUFFER)]


@INTERFACE.operation(40, "SamrQueryDisplayInformation", request=_DISPLAY_IN,
                     response=_DISPLAY_OUT)
def SamrQueryDisplayInformation(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.3.3 (same processing as SamrQueryDisplayInformation3)."""
    return _query_display(ctx, request, "SamrQueryDisplayInformation")


@INTERFACE.operation(48, "SamrQueryDisplayInformation2", request=_DISPLAY_IN,
                     response=_DISPLAY_OUT)
def SamrQueryDisplayInformation2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.3.2."""
    return _query_display(ctx, request, "SamrQueryDisplayInformation2")


@INTERFACE.operation(51, "SamrQueryDisplayInformation3", request=_DISPLAY_IN,
                     response=_DISPLAY_OUT)
def SamrQueryDisplayInformation3(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.3.1: 1-based Index fields, entries sorted by account name; Index is the
    0-based position to start from; STATUS_MORE_ENTRIES while entries remain."""
    return _query_display(ctx, request, "SamrQueryDisplayInformation3")


def _display_index(ctx: CallContext, request: dict[str, Any], operation: str) -> dict[str, Any]:
    info_class = request["DisplayInformationClass"]
    entry, status = _lookup(ctx, request["DomainHandle"], (DOMAIN.kind,), DOMAIN_LIST_ACCOUNTS)
    if entry is None:
        return _error(ctx, status)
    if info_class not in (1, 2, 3):
        return _error(ctx, STATUS_INVALID_INFO_CLASS)
    status = ctx.decide(operation, info_class).status
    if status:
        return _error(ctx, status)
    prefix = (request["Prefix"] or "").upper()
    for index, account in enumerate(_display_accounts(ctx, entry.obj.domain, info_class)):
        if account.name.upper() >= prefix:
            return {"Index": index, "ReturnValue": STATUS_SUCCESS}
    return _error(ctx, STATUS_NO_MORE_ENTRIES)


_INDEX_IN: Final = [("DomainHandle", SAMPR_HANDLE), ("DisplayInformationClass", uint16),
                    ("Prefix", RpcUnicodeString)]


@INTERFACE.operation(41, "SamrGetDisplayEnumerationIndex", request=_INDEX_IN,
                     response=[("Index", uint32)])
def SamrGetDisplayEnumerationIndex(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.3.5: the position of the first account whose name is >= Prefix."""
    return _display_index(ctx, request, "SamrGetDisplayEnumerationIndex")


@INTERFACE.operation(49, "SamrGetDisplayEnumerationIndex2", request=_INDEX_IN,
                     response=[("Index", uint32)])
def SamrGetDisplayEnumerationIndex2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.3.4."""
    return _display_index(ctx, request, "SamrGetDisplayEnumerationIndex2")


# -------------------------------------------------------------------------------------------
# Lookups: names (17), ids (18), alias membership (16)
# -------------------------------------------------------------------------------------------


def _sid_use(account: Any) -> int:
    kind = type(account).__name__
    return {"User": SID_TYPE_USER, "Group": SID_TYPE_GROUP, "Alias": SID_TYPE_ALIAS}.get(
        kind, SID_TYPE_UNKNOWN)


def _ulong_array(values: Sequence[int]) -> dict[str, Any]:
    return {"Count": len(values), "Element": list(values) if values else None}


def _mapped_status(mapped: int, total: int) -> int:
    if total and not mapped:
        return STATUS_NONE_MAPPED
    return STATUS_SOME_NOT_MAPPED if mapped < total else STATUS_SUCCESS


@INTERFACE.operation(17, "SamrLookupNamesInDomain",
                     request=[("DomainHandle", SAMPR_HANDLE), ("Count", uint32),
                              ("Names", ConformantVaryingArray(RpcUnicodeString))],
                     response=[("RelativeIds", SAMPR_ULONG_ARRAY), ("Use", SAMPR_ULONG_ARRAY)])
def SamrLookupNamesInDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.11.2: DOMAIN_LOOKUP; names compared case-insensitively; unmapped names get
    RID 0 and SidTypeUnknown; STATUS_SOME_NOT_MAPPED / STATUS_NONE_MAPPED."""
    if request["Count"] > MAX_LOOKUP:
        raise _bound_fault()
    entry, status = _lookup(ctx, request["DomainHandle"], (DOMAIN.kind,), DOMAIN_LOOKUP)
    if entry is None:
        return _error(ctx, status, RelativeIds=_ulong_array([]), Use=_ulong_array([]))
    status = ctx.decide("SamrLookupNamesInDomain").status
    if status:
        return _error(ctx, status, RelativeIds=_ulong_array([]), Use=_ulong_array([]))
    domain = entry.obj.domain
    rids, uses = [], []
    for name in request["Names"][:request["Count"]]:
        account = domain.by_name(name or "")
        rids.append(account.rid if account is not None else 0)
        uses.append(_sid_use(account) if account is not None else SID_TYPE_UNKNOWN)
    mapped = sum(1 for u in uses if u != SID_TYPE_UNKNOWN)
    return {"RelativeIds": _ulong_array(rids), "Use": _ulong_array(uses),
            "ReturnValue": _mapped_status(mapped, len(uses))}


def _bound_fault() -> Exception:
    return RpcFault(RPC_X_INVALID_BOUND, "Count outside range(0, 1000)")


@INTERFACE.operation(18, "SamrLookupIdsInDomain",
                     request=[("DomainHandle", SAMPR_HANDLE), ("Count", uint32),
                              ("RelativeIds", ConformantVaryingArray(uint32))],
                     response=[("Names", SAMPR_RETURNED_USTRING_ARRAY),
                               ("Use", SAMPR_ULONG_ARRAY)])
def SamrLookupIdsInDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.11.3: DOMAIN_LOOKUP; unknown RIDs get an empty name and SidTypeUnknown."""
    if request["Count"] > MAX_LOOKUP:
        raise _bound_fault()
    empty = {"Count": 0, "Element": None}
    entry, status = _lookup(ctx, request["DomainHandle"], (DOMAIN.kind,), DOMAIN_LOOKUP)
    if entry is None:
        return _error(ctx, status, Names=empty, Use=_ulong_array([]))
    status = ctx.decide("SamrLookupIdsInDomain").status
    if status:
        return _error(ctx, status, Names=empty, Use=_ulong_array([]))
    domain = entry.obj.domain
    names, uses = [], []
    for rid in request["RelativeIds"][:request["Count"]]:
        account = domain.by_rid(rid)
        names.append(account.name if account is not None else "")
        uses.append(_sid_use(account) if account is not None else SID_TYPE_UNKNOWN)
    mapped = sum(1 for u in uses if u != SID_TYPE_UNKNOWN)
    return {"Names": {"Count": len(names), "Element": names if names else None},
            "Use": _ulong_array(uses), "ReturnValue": _mapped_status(mapped, len(uses))}


@INTERFACE.operation(16, "SamrGetAliasMembership",
                     request=[("DomainHandle", SAMPR_HANDLE), ("SidArray", SAMPR_PSID_ARRAY)],
                     response=[("Membership", SAMPR_ULONG_ARRAY)])
def SamrGetAliasMembership(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.9.2: DOMAIN_GET_ALIAS_MEMBERSHIP; the RIDs of the aliases of this domain
    that directly contain any of the SIDs."""
    entry, status = _lookup(ctx, request["DomainHandle"], (DOMAIN.kind,),
                            DOMAIN_GET_ALIAS_MEMBERSHIP)
    if entry is None:
        return _error(ctx, status, Membership=_ulong_array([]))
    status = ctx.decide("SamrGetAliasMembership").status
    if status:
        return _error(ctx, status, Membership=_ulong_array([]))
    domain = entry.obj.domain
    wanted = {s["SidPointer"] for s in (request["SidArray"]["Sids"] or [])
              if s["SidPointer"] is not None}
    rids = sorted(a.rid for a in domain.aliases if wanted & {str(m) for m in a.members})
    return {"Membership": _ulong_array(rids), "ReturnValue": STATUS_SUCCESS}


# -------------------------------------------------------------------------------------------
# Opening accounts: groups (19), aliases (27), users (34)
# -------------------------------------------------------------------------------------------


def _open_account(ctx: CallContext, request: dict[str, Any], operation: str, obj_type: ObjectType,
                  rid_field: str, handle_field: str, find: str, missing: int) -> dict[str, Any]:
    entry, status = _lookup(ctx, request["DomainHandle"], (DOMAIN.kind,), DOMAIN_LOOKUP)
    if entry is None:
        return _error(ctx, status)
    desired = request["DesiredAccess"]
    status = ctx.decide(operation, access=desired).status
    if status:
        return _error(ctx, status)
    domain = entry.obj.domain
    account = getattr(domain, find)(request[rid_field])
    if account is None:
        return _error(ctx, missing)
    extra = 0
    if obj_type is USER and ctx.principal.user_name.lower() == account.name.lower() \
            and ctx.principal.user_name:
        # the user's own object grants it WRITE_PREFERENCES | CHANGE_PASSWORD (its DACL's
        # self ACE, see security_descriptor)
        extra = USER_WRITE_PREFERENCES | USER_CHANGE_PASSWORD
    granted = ctx.grant(obj_type, desired, extra=extra)
    if granted is None:
        return _error(ctx, STATUS_ACCESS_DENIED)
    return {handle_field: ctx.handles.create(obj_type.kind, SamObject(domain, account), granted),
            "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(19, "SamrOpenGroup",
                     request=[("DomainHandle", SAMPR_HANDLE), ("DesiredAccess", uint32),
                              ("GroupId", uint32)],
                     response=[("GroupHandle", SAMPR_HANDLE)])
def SamrOpenGroup(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.1.7: STATUS_NO_SUCH_GROUP for a RID that is not a group of the domain."""
    return _open_account(ctx, request, "SamrOpenGroup", GROUP, "GroupId", "GroupHandle", "group",
                         STATUS_NO_SUCH_GROUP)


@INTERFACE.operation(27, "SamrOpenAlias",
                     request=[("DomainHandle", SAMPR_HANDLE), ("DesiredAccess", uint32),
                              ("AliasId", uint32)],
                     response=[("AliasHandle", SAMPR_HANDLE)])
def SamrOpenAlias(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.1.8: STATUS_NO_SUCH_ALIAS for a RID that is not an alias of the domain."""
    return _open_account(ctx, request, "SamrOpenAlias", ALIAS, "AliasId", "AliasHandle", "alias",
                         STATUS_NO_SUCH_ALIAS)


@INTERFACE.operation(34, "SamrOpenUser",
                     request=[("DomainHandle", SAMPR_HANDLE), ("DesiredAccess", uint32),
                              ("UserId", uint32)],
                     response=[("UserHandle", SAMPR_HANDLE)])
def SamrOpenUser(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.1.9: STATUS_NO_SUCH_USER for a RID that is not a user of the domain."""
    return _open_account(ctx, request, "SamrOpenUser", USER, "UserId", "UserHandle", "user",
                         STATUS_NO_SUCH_USER)


# -------------------------------------------------------------------------------------------
# Groups: QueryInformation (20), GetMembers (25)
# -------------------------------------------------------------------------------------------


def _domain_rids(domain: Any, sids: Sequence[Any]) -> list[int]:
    """RIDs of the member SIDs that belong to ``domain``."""
    prefix = f"{domain.sid}-"
    rids = []
    for sid in sids:
        text = str(sid)
        if text.startswith(prefix) and text[len(prefix):].isdigit():
            rids.append(int(text[len(prefix):]))
    return rids


@INTERFACE.operation(20, "SamrQueryInformationGroup",
                     request=[("GroupHandle", SAMPR_HANDLE), ("GroupInformationClass", uint16)],
                     response=[("Buffer", Pointer(SAMPR_GROUP_INFO_BUFFER))])
def SamrQueryInformationGroup(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.5.4: GROUP_READ_INFORMATION; classes 1-5 (5, replication, is the general
    class)."""
    info_class = request["GroupInformationClass"]
    entry, status = _lookup(ctx, request["GroupHandle"], (GROUP.kind,), GROUP_READ_INFORMATION)
    if entry is None:
        return _error(ctx, status)
    if info_class not in GROUP_INFO_CLASSES:
        return _error(ctx, STATUS_INVALID_INFO_CLASS)
    status = ctx.decide("SamrQueryInformationGroup", info_class).status
    if status:
        return _error(ctx, status)
    group = entry.obj.account
    general = {"Name": group.name, "Attributes": SE_GROUP_DEFAULT,
               "MemberCount": len(_domain_rids(entry.obj.domain, group.members)),
               "AdminComment": group.description}
    value = {1: general, 2: {"Name": group.name}, 3: {"Attributes": SE_GROUP_DEFAULT},
             4: {"AdminComment": group.description}, 5: general}[info_class]
    return {"Buffer": (info_class, value), "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(25, "SamrGetMembersInGroup", request=[("GroupHandle", SAMPR_HANDLE)],
                     response=[("Members", Pointer(SAMPR_GET_MEMBERS_BUFFER))])
def SamrGetMembersInGroup(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.8.3: GROUP_LIST_MEMBERS; the RIDs of the members in the domain, each with
    the default attributes."""
    entry, status = _lookup(ctx, request["GroupHandle"], (GROUP.kind,), GROUP_LIST_MEMBERS)
    if entry is None:
        return _error(ctx, status)
    status = ctx.decide("SamrGetMembersInGroup").status
    if status:
        return _error(ctx, status)
    rids = sorted(_domain_rids(entry.obj.domain, entry.obj.account.members))
    return {"Members": {"MemberCount": len(rids), "Members": rids or None,
                        "Attributes": [SE_GROUP_DEFAULT] * len(rids) or None},
            "ReturnValue": STATUS_SUCCESS}


# -------------------------------------------------------------------------------------------
# Aliases: QueryInformation (28), GetMembers (33)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(28, "SamrQueryInformationAlias",
                     request=[("AliasHandle", SAMPR_HANDLE), ("AliasInformationClass", uint16)],
                     response=[("Buffer", Pointer(SAMPR_ALIAS_INFO_BUFFER))])
def SamrQueryInformationAlias(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.5.3: ALIAS_READ_INFORMATION; classes 1-3."""
    info_class = request["AliasInformationClass"]
    entry, status = _lookup(ctx, request["AliasHandle"], (ALIAS.kind,), ALIAS_READ_INFORMATION)
    if entry is None:
        return _error(ctx, status)
    if info_class not in ALIAS_INFO_CLASSES:
        return _error(ctx, STATUS_INVALID_INFO_CLASS)
    status = ctx.decide("SamrQueryInformationAlias", info_class).status
    if status:
        return _error(ctx, status)
    alias = entry.obj.account
    value = {1: {"Name": alias.name, "MemberCount": len(alias.members),
                 "AdminComment": alias.description},
             2: {"Name": alias.name}, 3: {"AdminComment": alias.description}}[info_class]
    return {"Buffer": (info_class, value), "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(33, "SamrGetMembersInAlias", request=[("AliasHandle", SAMPR_HANDLE)],
                     response=[("Members", SAMPR_PSID_ARRAY)])
def SamrGetMembersInAlias(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.8.2: ALIAS_LIST_MEMBERS; the member SIDs."""
    empty = {"Count": 0, "Sids": None}
    entry, status = _lookup(ctx, request["AliasHandle"], (ALIAS.kind,), ALIAS_LIST_MEMBERS)
    if entry is None:
        return _error(ctx, status, Members=empty)
    status = ctx.decide("SamrGetMembersInAlias").status
    if status:
        return _error(ctx, status, Members=empty)
    sids = [{"SidPointer": str(s)} for s in entry.obj.account.members]
    return {"Members": {"Count": len(sids), "Sids": sids or None}, "ReturnValue": STATUS_SUCCESS}


# -------------------------------------------------------------------------------------------
# Users: QueryInformation (36, 47), GetGroupsForUser (39), password information (44, 56)
# -------------------------------------------------------------------------------------------


def user_fields(ctx: CallContext, domain: Any, user: Any) -> dict[str, Any]:
    """Every readable SAMPR_USER_* field of ``user`` (MS-SAMR 2.2.7), live counters included."""
    directory = _directory(ctx)
    state = directory.state(user)
    uac = directory.account_control(user)
    pw = domain.password_policy
    last_set = to_filetime(user.last_password_change)
    if user.cannot_change_password:
        can_change = FILETIME_NEVER
    else:
        can_change = last_set + pw.min_age_days * _TICKS_PER_DAY
    if user.password_expired:
        must_change = 0
    elif uac & USER_DONT_EXPIRE_PASSWORD or not pw.max_age_days or not (
            uac & USER_NORMAL_ACCOUNT):
        must_change = FILETIME_NEVER
    else:
        must_change = last_set + pw.max_age_days * _TICKS_PER_DAY
    return {
        "UserName": user.name, "FullName": user.full_name, "UserId": user.rid,
        "PrimaryGroupId": user.primary_group_rid, "AdminComment": user.description,
        "UserComment": user.comment, "Reserved1": "", "CountryCode": 0, "CodePage": 0,
        "HomeDirectory": user.home_directory, "HomeDirectoryDrive": user.home_drive,
        "ScriptPath": user.script_path, "ProfilePath": user.profile_path,
        "WorkStations": user.workstations, "Parameters": "",
        "LastLogon": _oli(to_filetime(state.last_logon)),
        "LastLogoff": _oli(to_filetime(user.last_logoff)),
        "PasswordLastSet": _oli(last_set), "PasswordCanChange": _oli(can_change),
        "PasswordMustChange": _oli(must_change),
        "AccountExpires": _oli(to_filetime(user.account_expires, FILETIME_NEVER)),
        "LogonHours": {"UnitsPerWeek": UNITS_PER_WEEK,
                       "LogonHours": Sized(_LOGON_HOURS_ALL, 1260)},
        "BadPasswordCount": min(state.bad_password_count, 0xFFFF),
        "LogonCount": min(state.logon_count, 0xFFFF), "UserAccountControl": uac,
    }


def user_all_information(ctx: CallContext, domain: Any, user: Any, granted: int) -> dict[str, Any]:
    """SAMPR_USER_ALL_INFORMATION (MS-SAMR 2.2.7.6): the fields the handle's rights allow
    (WhichFields says which); no password hashes, no private data, no SD."""
    fields = user_fields(ctx, domain, user)
    which = 0
    for right, bits in ((USER_READ_GENERAL, _FIELDS_GENERAL),
                        (USER_READ_PREFERENCES, _FIELDS_PREFERENCES),
                        (USER_READ_LOGON, _FIELDS_LOGON), (USER_READ_ACCOUNT, _FIELDS_ACCOUNT)):
        if granted & right:
            which |= bits
    info: dict[str, Any] = SAMPR_USER_ALL_INFORMATION.default()
    info["LogonHours"] = {"UnitsPerWeek": 0, "LogonHours": None}
    for name in info:
        if name in fields and _ALL_FIELD_BITS.get(name, 0) & which:
            info[name] = fields[name]
    info["WhichFields"] = which
    info["PasswordExpired"] = 1 if (which & _FIELDS_ACCOUNT and user.password_expired) else 0
    return info


#: SAMPR_USER_ALL_INFORMATION member -> its WhichFields bit (MS-SAMR 2.2.1.8).
_ALL_FIELD_BITS: Final[dict[str, int]] = {
    "UserName": 0x1, "FullName": 0x2, "UserId": 0x4, "PrimaryGroupId": 0x8, "AdminComment": 0x10,
    "UserComment": 0x20, "HomeDirectory": 0x40, "HomeDirectoryDrive": 0x80, "ScriptPath": 0x100,
    "ProfilePath": 0x200, "WorkStations": 0x400, "LastLogon": 0x800, "LastLogoff": 0x1000,
    "LogonHours": 0x2000, "BadPasswordCount": 0x4000, "LogonCount": 0x8000,
    "PasswordCanChange": 0x10000, "PasswordMustChange": 0x20000, "PasswordLastSet": 0x40000,
    "AccountExpires": 0x80000, "UserAccountControl": 0x100000, "Parameters": 0x200000,
    "CountryCode": 0x400000, "CodePage": 0x800000}


def _query_user(ctx: CallContext, request: dict[str, Any], operation: str) -> dict[str, Any]:
    info_class = request["UserInformationClass"]
    need = USER_CLASS_ACCESS.get(info_class)
    entry, status = _lookup(ctx, request["UserHandle"], (USER.kind,), need or 0)
    if entry is None:
        return _error(ctx, status)
    if need is None:
        # the password classes (18, 23-26, 30) and unknown ones: MS-SAMR 3.1.5.5.5
        return _error(ctx, STATUS_INVALID_INFO_CLASS)
    if info_class == 21 and not entry.granted_access & (
            USER_READ_GENERAL | USER_READ_PREFERENCES | USER_READ_LOGON | USER_READ_ACCOUNT):
        return _error(ctx, STATUS_ACCESS_DENIED)
    status = ctx.decide(operation, info_class).status
    if status:
        return _error(ctx, status)
    domain, user = entry.obj.domain, entry.obj.account
    if info_class == 21:
        value = user_all_information(ctx, domain, user, entry.granted_access)
    else:
        fields = user_fields(ctx, domain, user)
        value = {name: fields[name] for name, _ in USER_INFO_CLASSES[info_class].fields}
    return {"Buffer": (info_class, value), "ReturnValue": STATUS_SUCCESS}


_QUERY_USER_IN: Final = [("UserHandle", SAMPR_HANDLE), ("UserInformationClass", uint16)]
_QUERY_USER_OUT: Final = [("Buffer", Pointer(SAMPR_USER_INFO_BUFFER))]


@INTERFACE.operation(36, "SamrQueryInformationUser", request=_QUERY_USER_IN,
                     response=_QUERY_USER_OUT)
def SamrQueryInformationUser(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.5.6 (same as SamrQueryInformationUser2)."""
    return _query_user(ctx, request, "SamrQueryInformationUser")


@INTERFACE.operation(47, "SamrQueryInformationUser2", request=_QUERY_USER_IN,
                     response=_QUERY_USER_OUT)
def SamrQueryInformationUser2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.5.5: classes 1-14, 16, 17, 20, 21 with the access each needs."""
    return _query_user(ctx, request, "SamrQueryInformationUser2")


@INTERFACE.operation(39, "SamrGetGroupsForUser", request=[("UserHandle", SAMPR_HANDLE)],
                     response=[("Groups", Pointer(SAMPR_GET_GROUPS_BUFFER))])
def SamrGetGroupsForUser(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.9.1: USER_LIST_GROUPS; the user's groups in its domain (primary included)."""
    entry, status = _lookup(ctx, request["UserHandle"], (USER.kind,), USER_LIST_GROUPS)
    if entry is None:
        return _error(ctx, status)
    status = ctx.decide("SamrGetGroupsForUser").status
    if status:
        return _error(ctx, status)
    groups = _directory(ctx).groups_of(entry.obj.account)
    memberships = [{"RelativeId": g.rid, "Attributes": SE_GROUP_DEFAULT} for g in groups]
    return {"Groups": {"MembershipCount": len(memberships), "Groups": memberships or None},
            "ReturnValue": STATUS_SUCCESS}


def _password_information(domain: Any) -> dict[str, Any]:
    pw = domain.password_policy
    return {"MinPasswordLength": pw.min_length, "PasswordProperties": pw.properties}


@INTERFACE.operation(44, "SamrGetUserDomainPasswordInformation",
                     request=[("UserHandle", SAMPR_HANDLE)],
                     response=[("PasswordInformation", USER_DOMAIN_PASSWORD_INFORMATION)])
def SamrGetUserDomainPasswordInformation(ctx: CallContext,
                                         request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.13.2: USER_READ_GENERAL; the domain's MinPasswordLength and
    PasswordProperties, zero for a machine account."""
    entry, status = _lookup(ctx, request["UserHandle"], (USER.kind,), USER_READ_GENERAL)
    if entry is None:
        return _error(ctx, status)
    status = ctx.decide("SamrGetUserDomainPasswordInformation").status
    if status:
        return _error(ctx, status)
    if not _directory(ctx).account_control(entry.obj.account) & USER_NORMAL_ACCOUNT:
        info = {"MinPasswordLength": 0, "PasswordProperties": 0}
    else:
        info = _password_information(entry.obj.domain)
    return {"PasswordInformation": info, "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(56, "SamrGetDomainPasswordInformation",
                     request=[("Unused", Pointer(RpcUnicodeString))],
                     response=[("PasswordInformation", USER_DOMAIN_PASSWORD_INFORMATION)])
def SamrGetDomainPasswordInformation(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.13.3: no handle; the account domain's password length and properties."""
    status = ctx.decide("SamrGetDomainPasswordInformation").status
    if status:
        return _error(ctx, status)
    return {"PasswordInformation": _password_information(_directory(ctx).account_domain),
            "ReturnValue": STATUS_SUCCESS}


__all__ = ["INTERFACE", "NOT_USED_ON_WIRE", "NOT_EMULATED", "grant_access", "ObjectType",
           "SERVER", "DOMAIN", "GROUP", "ALIAS", "USER", "domain_info", "user_fields",
           "user_all_information", "security_descriptor"]
