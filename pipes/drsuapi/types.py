"""drsuapi's NDR types (MS-DRSR 4.1 and 5, the IDL of appendix A) and constants.

Every structure is declared as the IDL writes it; the unions are the ``[switch_is(dwInVersion)]``
/ ``[switch_is(*pdwOutVersion)]`` messages (a DWORD discriminant on the wire, C706 14.3.8).
Only the request and reply versions this server reads or writes are declared: a request
version without an arm is nca_s_fault_invalid_tag, the fault the RPC runtime of Windows raises
for a union tag its stub does not know (MS-RPCE 3.1.1.5.4 / C706 "invalid_tag").
"""

from __future__ import annotations

from typing import Final

from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantBytes,
    ContextHandle,
    FixedBytes,
    Guid,
    Pointer,
    Struct,
    Union,
    WString,
    hyper,
    uint32,
    wchar,
)

#: MS-DRSR 5.39 DRS_EXTENSIONS_INT dwFlags bits used here.
DRS_EXT_BASE: Final = 0x00000001
DRS_EXT_GETCHGREQ_V8: Final = 0x01000000
DRS_EXT_GETCHGREPLY_V6: Final = 0x04000000
DRS_EXT_STRONG_ENCRYPTION: Final = 0x00008000
#: 5.39 dwFlagsExt.
DRS_EXT_ADAM: Final = 0x00000001
DRS_EXT_LH_BETA2: Final = 0x00000002
DRS_EXT_RECYCLE_BIN: Final = 0x00000004

#: ulExtendedOp (EXOP_REQ, MS-DRSR 4.1.10.2.22) and ulFlags (DRS_OPTIONS) values used here.
EXOP_REPL_OBJ: Final = 6
EXOP_REPL_SECRETS: Final = 7
DRS_INIT_SYNC: Final = 0x00000020
DRS_WRIT_REP: Final = 0x00000010

#: MS-DRSR 4.1.4.1.3 DS_NAME_FORMAT, and the extra formats of 4.1.4.1.2 (formatOffered /
#: formatDesired values above 0xFFFFFF00).
DS_UNKNOWN_NAME: Final = 0
DS_FQDN_1779_NAME: Final = 1
DS_NT4_ACCOUNT_NAME: Final = 2
DS_DISPLAY_NAME: Final = 3
DS_UNIQUE_ID_NAME: Final = 6
DS_CANONICAL_NAME: Final = 7
DS_USER_PRINCIPAL_NAME: Final = 8
DS_CANONICAL_NAME_EX: Final = 9
DS_SERVICE_PRINCIPAL_NAME: Final = 10
DS_SID_OR_SID_HISTORY_NAME: Final = 11
DS_DNS_DOMAIN_NAME: Final = 12
DS_LIST_SITES: Final = 0xFFFFFFFF
DS_LIST_SERVERS_IN_SITE: Final = 0xFFFFFFFE
DS_LIST_ROLES: Final = 0xFFFFFFFA
DS_NT4_ACCOUNT_NAME_SANS_DOMAIN: Final = 0xFFFFFFF9
DS_LIST_DOMAINS: Final = 0xFFFFFFF7
DS_LIST_NCS: Final = 0xFFFFFFF6
DS_STRING_SID_NAME: Final = 0xFFFFFFF4
DS_USER_PRINCIPAL_NAME_FOR_LOGON: Final = 0xFFFFFFF2
DS_NT4_ACCOUNT_NAME_SANS_DOMAIN_EX: Final = 0xFFFFFFF0
#: 4.1.4.1.4 DS_NAME_RESULT_ITEMW status values (DS_NAME_ERROR).
DS_NAME_NO_ERROR: Final = 0
DS_NAME_ERROR_RESOLVING: Final = 1
DS_NAME_ERROR_NOT_FOUND: Final = 2
DS_NAME_ERROR_NOT_UNIQUE: Final = 3
DS_NAME_ERROR_NO_MAPPING: Final = 4
DS_NAME_ERROR_DOMAIN_ONLY: Final = 5
DS_NAME_ERROR_NO_SYNTACTICAL_MAPPING: Final = 6

BOOL: Final = uint32
DRS_HANDLE: Final = ContextHandle

DRS_EXTENSIONS: Final = Struct("DRS_EXTENSIONS", [("cb", uint32), ("rgb", ConformantBytes())])

#: 5.50 DSNAME: the name's characters (NameLen of them) plus the terminating NUL, as a
#: conformant WCHAR array; 5.136 NT4SID: 28 bytes, the SID's binary form padded with zeros.
DSNAME: Final = Struct("DSNAME", [
    ("structLen", uint32), ("SidLen", uint32), ("Guid", Guid), ("Sid", FixedBytes(28)),
    ("NameLen", uint32), ("StringName", ConformantArray(wchar))])

USN_VECTOR: Final = Struct("USN_VECTOR", [
    ("usnHighObjUpdate", hyper), ("usnReserved", hyper), ("usnHighPropUpdate", hyper)])
UPTODATE_CURSOR_V1: Final = Struct("UPTODATE_CURSOR_V1", [("uuidDsa", Guid), ("usnHighPropUpdate", hyper)])
UPTODATE_VECTOR_V1_EXT: Final = Struct("UPTODATE_VECTOR_V1_EXT", [
    ("dwVersion", uint32), ("dwReserved1", uint32), ("cNumCursors", uint32), ("dwReserved2", uint32),
    ("rgCursors", ConformantArray(UPTODATE_CURSOR_V1))])
UPTODATE_CURSOR_V2: Final = Struct("UPTODATE_CURSOR_V2", [
    ("uuidDsa", Guid), ("usnHighPropUpdate", hyper), ("timeLastSyncSuccess", hyper)])
UPTODATE_VECTOR_V2_EXT: Final = Struct("UPTODATE_VECTOR_V2_EXT", [
    ("dwVersion", uint32), ("dwReserved1", uint32), ("cNumCursors", uint32), ("dwReserved2", uint32),
    ("rgCursors", ConformantArray(UPTODATE_CURSOR_V2))])

OID_T: Final = Struct("OID_t", [("length", uint32), ("elements", Pointer(ConformantBytes()))])
PREFIX_TABLE_ENTRY: Final = Struct("PrefixTableEntry", [("ndx", uint32), ("prefix", OID_T)])
SCHEMA_PREFIX_TABLE: Final = Struct("SCHEMA_PREFIX_TABLE", [
    ("PrefixCount", uint32), ("pPrefixEntry", Pointer(ConformantArray(PREFIX_TABLE_ENTRY)))])

PARTIAL_ATTR_VECTOR_V1_EXT: Final = Struct("PARTIAL_ATTR_VECTOR_V1_EXT", [
    ("dwVersion", uint32), ("dwReserved1", uint32), ("cAttrs", uint32),
    ("rgPartialAttr", ConformantArray(uint32))])

ATTRVAL: Final = Struct("ATTRVAL", [("valLen", uint32), ("pVal", Pointer(ConformantBytes()))])
ATTRVALBLOCK: Final = Struct("ATTRVALBLOCK", [("valCount", uint32), ("pAVal", Pointer(ConformantArray(ATTRVAL)))])
ATTR: Final = Struct("ATTR", [("attrTyp", uint32), ("AttrVal", ATTRVALBLOCK)])
ATTRBLOCK: Final = Struct("ATTRBLOCK", [("attrCount", uint32), ("pAttr", Pointer(ConformantArray(ATTR)))])
ENTINF: Final = Struct("ENTINF", [("pName", Pointer(DSNAME)), ("ulFlags", uint32), ("AttrBlock", ATTRBLOCK)])

PROPERTY_META_DATA_EXT: Final = Struct("PROPERTY_META_DATA_EXT", [
    ("dwVersion", uint32), ("timeChanged", hyper), ("uuidDsaOriginating", Guid), ("usnOriginating", hyper)])
PROPERTY_META_DATA_EXT_VECTOR: Final = Struct("PROPERTY_META_DATA_EXT_VECTOR", [
    ("cNumProps", uint32), ("rgMetaData", ConformantArray(PROPERTY_META_DATA_EXT))])

#: The most objects one reply carries (the REPLENTINFLIST chain, 5.161, is declared unrolled
#: to this depth: the engine's types are not recursive).  MS-DRSR 4.1.10.5: the server returns
#: "at most" cMaxObjects objects and sets fMoreData when more remain, so a client pages on.
MAX_OBJECTS_PER_REPLY: Final = 64


def _entinf_list(depth: int) -> Struct:
    """REPLENTINFLIST (5.161) whose pNextEntInf chain may be ``depth`` entries long."""
    node: Struct | None = None
    for _ in range(depth):
        next_type = Pointer(node) if node is not None else Pointer(uint32)  # the last is NULL
        node = Struct("REPLENTINFLIST", [
            ("pNextEntInf", next_type), ("Entinf", ENTINF), ("fIsNCPrefix", BOOL),
            ("pParentGuid", Pointer(Guid)), ("pMetaDataExt", Pointer(PROPERTY_META_DATA_EXT_VECTOR))])
    assert node is not None
    return node


REPLENTINFLIST: Final = _entinf_list(MAX_OBJECTS_PER_REPLY)

DRS_MSG_GETCHGREQ_V8_FIELDS: Final = [
    ("uuidDsaObjDest", Guid), ("uuidInvocIdSrc", Guid), ("pNC", Pointer(DSNAME, "ref")),
    ("usnvecFrom", USN_VECTOR), ("pUpToDateVecDest", Pointer(UPTODATE_VECTOR_V1_EXT)),
    ("ulFlags", uint32), ("cMaxObjects", uint32), ("cMaxBytes", uint32), ("ulExtendedOp", uint32),
    ("liFsmoInfo", hyper), ("pPartialAttrSet", Pointer(PARTIAL_ATTR_VECTOR_V1_EXT)),
    ("pPartialAttrSetEx1", Pointer(PARTIAL_ATTR_VECTOR_V1_EXT)), ("PrefixTableDest", SCHEMA_PREFIX_TABLE)]
DRS_MSG_GETCHGREQ_V8: Final = Struct("DRS_MSG_GETCHGREQ_V8", DRS_MSG_GETCHGREQ_V8_FIELDS)
DRS_MSG_GETCHGREQ_V10: Final = Struct("DRS_MSG_GETCHGREQ_V10", [*DRS_MSG_GETCHGREQ_V8_FIELDS,
                                                                ("ulMoreFlags", uint32)])
DRS_MSG_GETCHGREQ: Final = Union(uint32, {8: DRS_MSG_GETCHGREQ_V8, 10: DRS_MSG_GETCHGREQ_V10},
                                 name="DRS_MSG_GETCHGREQ")

VALUE_META_DATA_EXT_V1: Final = Struct("VALUE_META_DATA_EXT_V1", [
    ("timeCreated", hyper), ("MetaData", PROPERTY_META_DATA_EXT)])
REPLVALINF_V1: Final = Struct("REPLVALINF_V1", [("pObject", Pointer(DSNAME)), ("attrTyp", uint32),
                                               ("Aval", ATTRVAL), ("fIsPresent", BOOL),
                                               ("MetaData", VALUE_META_DATA_EXT_V1)])
DRS_MSG_GETCHGREPLY_V6: Final = Struct("DRS_MSG_GETCHGREPLY_V6", [
    ("uuidDsaObjSrc", Guid), ("uuidInvocIdSrc", Guid), ("pNC", Pointer(DSNAME)),
    ("usnvecFrom", USN_VECTOR), ("usnvecTo", USN_VECTOR),
    ("pUpToDateVecSrc", Pointer(UPTODATE_VECTOR_V2_EXT)), ("PrefixTableSrc", SCHEMA_PREFIX_TABLE),
    ("ulExtendedRet", uint32), ("cNumObjects", uint32), ("cNumBytes", uint32),
    ("pObjects", Pointer(REPLENTINFLIST)), ("fMoreData", BOOL), ("cNumNcSizeObjects", uint32),
    ("cNumNcSizeValues", uint32), ("cNumValues", uint32),
    ("rgValues", Pointer(ConformantArray(REPLVALINF_V1))), ("dwDRSError", uint32)])
DRS_MSG_GETCHGREPLY: Final = Union(uint32, {6: DRS_MSG_GETCHGREPLY_V6}, name="DRS_MSG_GETCHGREPLY")

# -- IDL_DRSDomainControllerInfo (4.1.5.1) ------------------------------------------------------
DRS_MSG_DCINFOREQ_V1: Final = Struct("DRS_MSG_DCINFOREQ_V1", [("Domain", WString), ("InfoLevel", uint32)])
DRS_MSG_DCINFOREQ: Final = Union(uint32, {1: DRS_MSG_DCINFOREQ_V1}, name="DRS_MSG_DCINFOREQ")
DS_DOMAIN_CONTROLLER_INFO_1W: Final = Struct("DS_DOMAIN_CONTROLLER_INFO_1W", [
    ("NetbiosName", WString), ("DnsHostName", WString), ("SiteName", WString),
    ("ComputerObjectName", WString), ("ServerObjectName", WString), ("fIsPdc", BOOL), ("fDsEnabled", BOOL)])
_INFO_2_NAMES: Final = [
    ("NetbiosName", WString), ("DnsHostName", WString), ("SiteName", WString),
    ("SiteObjectName", WString), ("ComputerObjectName", WString), ("ServerObjectName", WString),
    ("NtdsDsaObjectName", WString), ("fIsPdc", BOOL), ("fDsEnabled", BOOL), ("fIsGc", BOOL)]
_INFO_2_GUIDS: Final = [("SiteObjectGuid", Guid), ("ComputerObjectGuid", Guid),
                        ("ServerObjectGuid", Guid), ("NtdsDsaObjectGuid", Guid)]
DS_DOMAIN_CONTROLLER_INFO_2W: Final = Struct("DS_DOMAIN_CONTROLLER_INFO_2W", [*_INFO_2_NAMES, *_INFO_2_GUIDS])
DS_DOMAIN_CONTROLLER_INFO_3W: Final = Struct("DS_DOMAIN_CONTROLLER_INFO_3W", [
    *_INFO_2_NAMES, ("fIsRodc", BOOL), *_INFO_2_GUIDS])
DS_DOMAIN_CONTROLLER_INFO_FFFFFFFFW: Final = Struct("DS_DOMAIN_CONTROLLER_INFO_FFFFFFFFW", [
    ("IPAddress", uint32), ("NotificationCount", uint32), ("secTimeConnected", uint32),
    ("Flags", uint32), ("TotalRequests", uint32), ("Reserved1", uint32), ("UserName", WString)])


def _dcinfo_reply(item: Struct) -> Struct:
    return Struct(f"DRS_MSG_DCINFOREPLY({item.name})",
                  [("cItems", uint32), ("rItems", Pointer(ConformantArray(item)))])


DRS_MSG_DCINFOREPLY: Final = Union(uint32, {
    1: _dcinfo_reply(DS_DOMAIN_CONTROLLER_INFO_1W), 2: _dcinfo_reply(DS_DOMAIN_CONTROLLER_INFO_2W),
    3: _dcinfo_reply(DS_DOMAIN_CONTROLLER_INFO_3W),
    0xFFFFFFFF: _dcinfo_reply(DS_DOMAIN_CONTROLLER_INFO_FFFFFFFFW)}, name="DRS_MSG_DCINFOREPLY")

# -- IDL_DRSCrackNames (4.1.4.1) -------------------------------------------------------------------
DRS_MSG_CRACKREQ_V1: Final = Struct("DRS_MSG_CRACKREQ_V1", [
    ("CodePage", uint32), ("LocaleId", uint32), ("dwFlags", uint32), ("formatOffered", uint32),
    ("formatDesired", uint32), ("cNames", uint32), ("rpNames", Pointer(ConformantArray(WString)))])
DRS_MSG_CRACKREQ: Final = Union(uint32, {1: DRS_MSG_CRACKREQ_V1}, name="DRS_MSG_CRACKREQ")
DS_NAME_RESULT_ITEMW: Final = Struct("DS_NAME_RESULT_ITEMW", [
    ("status", uint32), ("pDomain", WString), ("pName", WString)])
DS_NAME_RESULTW: Final = Struct("DS_NAME_RESULTW", [
    ("cItems", uint32), ("rItems", Pointer(ConformantArray(DS_NAME_RESULT_ITEMW)))])
DRS_MSG_CRACKREPLY: Final = Union(uint32, {1: Struct("DRS_MSG_CRACKREPLY_V1", [
    ("pResult", Pointer(DS_NAME_RESULTW))])}, name="DRS_MSG_CRACKREPLY")

# -- IDL_DRSVerifyNames (4.1.27.1) -----------------------------------------------------------------
DRS_MSG_VERIFYREQ: Final = Union(uint32, {1: Struct("DRS_MSG_VERIFYREQ_V1", [
    ("dwFlags", uint32), ("cNames", uint32), ("rpNames", Pointer(ConformantArray(Pointer(DSNAME)))),
    ("RequiredAttrs", ATTRBLOCK), ("PrefixTable", SCHEMA_PREFIX_TABLE)])}, name="DRS_MSG_VERIFYREQ")
DRS_MSG_VERIFYREPLY: Final = Union(uint32, {1: Struct("DRS_MSG_VERIFYREPLY_V1", [
    ("error", uint32), ("cNames", uint32), ("rpEntInf", Pointer(ConformantArray(ENTINF))),
    ("PrefixTable", SCHEMA_PREFIX_TABLE)])}, name="DRS_MSG_VERIFYREPLY")
#: 4.1.27.1.2 dwFlags.
DRS_VERIFY_DSNAMES: Final = 0
DRS_VERIFY_SIDS: Final = 1
DRS_VERIFY_SAM_ACCOUNT_NAMES: Final = 2
DRS_VERIFY_FPOS: Final = 3

# -- IDL_DRSGetNT4ChangeLog (4.1.11.1) -------------------------------------------------------------
DRS_MSG_NT4_CHGLOG_REQ: Final = Union(uint32, {1: Struct("DRS_MSG_NT4_CHGLOG_REQ_V1", [
    ("dwFlags", uint32), ("PreferredMaximumLength", uint32), ("cbRestart", uint32),
    ("pRestart", Pointer(ConformantBytes()))])}, name="DRS_MSG_NT4_CHGLOG_REQ")
NT4_REPLICATION_STATE: Final = Struct("NT4_REPLICATION_STATE", [
    ("SamSerialNumber", hyper), ("SamCreationTime", hyper), ("BuiltinSerialNumber", hyper),
    ("BuiltinCreationTime", hyper), ("LsaSerialNumber", hyper), ("LsaCreationTime", hyper)])
DRS_MSG_NT4_CHGLOG_REPLY: Final = Union(uint32, {1: Struct("DRS_MSG_NT4_CHGLOG_REPLY_V1", [
    ("cbRestart", uint32), ("cbLog", uint32), ("ReplicationState", NT4_REPLICATION_STATE),
    ("ActualNtStatus", uint32), ("pRestart", Pointer(ConformantBytes())),
    ("pLog", Pointer(ConformantBytes()))])}, name="DRS_MSG_NT4_CHGLOG_REPLY")
#: 4.1.11.1.2 dwFlags.
DRS_NT4_CHGLOG_GET_CHANGE_LOG: Final = 0x00000001
DRS_NT4_CHGLOG_GET_SERIAL_NUMBERS: Final = 0x00000002
