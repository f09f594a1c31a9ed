"""NDR types of drsuapi's administration calls (MS-DRSR 4.1.x.1 and appendix A): replica
management, memberships, SPN writes, DC removal, replication status, site costs, object
existence, the NGC key calls.

Layouts are the IDL of MS-DRSR (appendix A) as the sections named below write it, checked
against a MIDL-generated header of that IDL (ms-drsr.h) and Samba's drsuapi.idl; where Samba
differs the MS-DRSR IDL is followed and the difference noted.  The request versions are those
of the IDL of Windows Server 2016's generation (the NGC key calls are in it): the later
``correlationID`` versions (DRS_MSG_REPSYNC_V2, DRS_MSG_UPDREFS_V2, DRS_MSG_REPADD_V3 ...) are
not, so they are nca_s_fault_invalid_tag, as an unknown union arm is to Windows' NDR engine.
REVERSE_MEMBERSHIP_OPERATION_TYPE (4.1.8.1.3) is a plain ``enum``: 16 bits on the wire (Samba
declares it ``v1_enum``; with the pointer after it aligned to 4, both read the same).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from smbemu.rpc.ndr import (
    CSTR,
    ConformantArray,
    ConformantBytes,
    FixedBytes,
    Guid,
    NdrType,
    Pointer,
    Struct,
    Union,
    WString,
    hyper,
    enum16,
    uint16,
    uint32,
    wchar,
)

from .types import BOOL, DSNAME, UPTODATE_CURSOR_V1, UPTODATE_VECTOR_V1_EXT

#: 5.164 REPLTIMES: 84 bytes, one bit per 15 minutes of the week.
REPLTIMES: Final = FixedBytes(84)
CStringRef: Final = Pointer(CSTR, "ref")
CStringUnique: Final = Pointer(CSTR, "unique")


def _versions(name: str, *arms: tuple[int, Sequence[tuple[str, NdrType]]]) -> Union:
    """A ``[switch_is(dwVersion)]`` message union: one DRS_MSG_..._V<n> structure per version."""
    return Union(uint32, {v: Struct(f"{name}_V{v}", fields) for v, fields in arms}, name=name)


# -- IDL_DRSReplicaSync (4.1.23.1) ------------------------------------------------------------
_REPSYNC_V1: Final = [("pNC", Pointer(DSNAME, "ref")), ("uuidDsaSrc", Guid), ("pszDsaSrc", CStringUnique),
                      ("ulOptions", uint32)]
DRS_MSG_REPSYNC: Final = _versions("DRS_MSG_REPSYNC", (1, _REPSYNC_V1))

# -- IDL_DRSUpdateRefs (4.1.26.1) -------------------------------------------------------------
_UPDREFS_V1: Final = [("pNC", Pointer(DSNAME, "ref")), ("pszDsaDest", CStringRef), ("uuidDsaObjDest", Guid),
                      ("ulOptions", uint32)]
DRS_MSG_UPDREFS: Final = _versions("DRS_MSG_UPDREFS", (1, _UPDREFS_V1))

# -- IDL_DRSReplicaAdd (4.1.19.1; pszDsaSrc a char string: Samba declares it UTF-16) -----------
_REPADD_V2: Final = [("pNC", Pointer(DSNAME, "ref")), ("pSourceDsaDN", Pointer(DSNAME)),
                     ("pTransportDN", Pointer(DSNAME)), ("pszSourceDsaAddress", CStringRef),
                     ("rtSchedule", REPLTIMES), ("ulOptions", uint32)]
DRS_MSG_REPADD: Final = _versions(
    "DRS_MSG_REPADD",
    (1, [("pNC", Pointer(DSNAME, "ref")), ("pszDsaSrc", CStringRef), ("rtSchedule", REPLTIMES),
         ("ulOptions", uint32)]),
    (2, _REPADD_V2))

# -- IDL_DRSReplicaDel (4.1.20.1) -------------------------------------------------------------
_REPDEL_V1: Final = [("pNC", Pointer(DSNAME, "ref")), ("pszDsaSrc", CStringUnique), ("ulOptions", uint32)]
DRS_MSG_REPDEL: Final = _versions("DRS_MSG_REPDEL", (1, _REPDEL_V1))

# -- IDL_DRSReplicaModify (4.1.22.1) ----------------------------------------------------------
_REPMOD_V1: Final = [("pNC", Pointer(DSNAME, "ref")), ("uuidSourceDRA", Guid), ("pszSourceDRA", CStringUnique),
                     ("rtSchedule", REPLTIMES), ("ulReplicaFlags", uint32), ("ulModifyFields", uint32),
                     ("ulOptions", uint32)]
DRS_MSG_REPMOD: Final = _versions("DRS_MSG_REPMOD", (1, _REPMOD_V1))

# -- IDL_DRSReplicaVerifyObjects (4.1.24.1) ---------------------------------------------------
DRS_MSG_REPVERIFYOBJ: Final = _versions("DRS_MSG_REPVERIFYOBJ", (1, [
    ("pNC", Pointer(DSNAME, "ref")), ("uuidDsaSrc", Guid), ("ulOptions", uint32)]))

# -- IDL_DRSExecuteKCC (4.1.6.1) --------------------------------------------------------------
DRS_MSG_KCC_EXECUTE: Final = _versions("DRS_MSG_KCC_EXECUTE", (1, [("dwTaskID", uint32), ("dwFlags", uint32)]))

# -- IDL_DRSGetMemberships (4.1.8.1) / IDL_DRSGetMemberships2 (4.1.9.1) --------------------------
NT4SID: Final = FixedBytes(28)
DRS_MSG_REVMEMB_REQ_V1: Final = Struct("DRS_MSG_REVMEMB_REQ_V1", [
    ("cDsNames", uint32), ("ppDsNames", Pointer(ConformantArray(Pointer(DSNAME)))), ("dwFlags", uint32),
    ("OperationType", enum16), ("pLimitingDomain", Pointer(DSNAME))])
DRS_MSG_REVMEMB_REPLY_V1: Final = Struct("DRS_MSG_REVMEMB_REPLY_V1", [
    ("errCode", uint32), ("cDsNames", uint32), ("cSidHistory", uint32),
    ("ppDsNames", Pointer(ConformantArray(Pointer(DSNAME)))), ("pAttributes", Pointer(ConformantArray(uint32))),
    ("ppSidHistory", Pointer(ConformantArray(Pointer(NT4SID))))])
DRS_MSG_REVMEMB_REQ: Final = Union(uint32, {1: DRS_MSG_REVMEMB_REQ_V1}, name="DRS_MSG_REVMEMB_REQ")
DRS_MSG_REVMEMB_REPLY: Final = Union(uint32, {1: DRS_MSG_REVMEMB_REPLY_V1}, name="DRS_MSG_REVMEMB_REPLY")
#: 4.1.9.1.2 / 4.1.9.1.4: a pointer to an array of requests / replies (Samba declares arrays of
#: pointers; MS-DRSR's IDL is followed).
DRS_MSG_GETMEMBERSHIPS2_REQ: Final = _versions("DRS_MSG_GETMEMBERSHIPS2_REQ", (1, [
    ("Count", uint32), ("Requests", Pointer(ConformantArray(DRS_MSG_REVMEMB_REQ_V1)))]))
DRS_MSG_GETMEMBERSHIPS2_REPLY: Final = _versions("DRS_MSG_GETMEMBERSHIPS2_REPLY", (1, [
    ("Count", uint32), ("Replies", Pointer(ConformantArray(DRS_MSG_REVMEMB_REPLY_V1)))]))

# -- IDL_DRSWriteSPN (4.1.28.1) ---------------------------------------------------------------
DRS_MSG_SPNREQ: Final = _versions("DRS_MSG_SPNREQ", (1, [
    ("operation", uint32), ("flags", uint32), ("pwszAccount", WString), ("cSPN", uint32),
    ("rpwszSPN", Pointer(ConformantArray(WString)))]))
DRS_MSG_SPNREPLY: Final = _versions("DRS_MSG_SPNREPLY", (1, [("retVal", uint32)]))

# -- IDL_DRSRemoveDsServer (4.1.18.1) / IDL_DRSRemoveDsDomain (4.1.17.1) -------------------------
DRS_MSG_RMSVRREQ: Final = _versions("DRS_MSG_RMSVRREQ", (1, [
    ("ServerDN", WString), ("DomainDN", WString), ("fCommit", BOOL)]))
DRS_MSG_RMSVRREPLY: Final = _versions("DRS_MSG_RMSVRREPLY", (1, [("fLastDcInDomain", BOOL)]))
DRS_MSG_RMDMNREQ: Final = _versions("DRS_MSG_RMDMNREQ", (1, [("DomainDN", WString)]))
DRS_MSG_RMDMNREPLY: Final = _versions("DRS_MSG_RMDMNREPLY", (1, [("Reserved", uint32)]))

# -- IDL_DRSQuerySitesByCost (4.1.16.1) -------------------------------------------------------
DRS_MSG_QUERYSITESREQ: Final = _versions("DRS_MSG_QUERYSITESREQ", (1, [
    ("pwszFromSite", WString), ("cToSites", uint32), ("rgszToSites", Pointer(ConformantArray(WString))),
    ("dwFlags", uint32)]))
DRS_MSG_QUERYSITESREPLYELEMENT_V1: Final = Struct("DRS_MSG_QUERYSITESREPLYELEMENT_V1", [
    ("dwErrorCode", uint32), ("dwCost", uint32)])
DRS_MSG_QUERYSITESREPLY: Final = _versions("DRS_MSG_QUERYSITESREPLY", (1, [
    ("cToSites", uint32), ("rgCostInfo", Pointer(ConformantArray(DRS_MSG_QUERYSITESREPLYELEMENT_V1))),
    ("dwFlags", uint32)]))

# -- IDL_DRSGetObjectExistence (4.1.12.1) -----------------------------------------------------
DRS_MSG_EXISTREQ: Final = _versions("DRS_MSG_EXISTREQ", (1, [
    ("guidStart", Guid), ("cGuids", uint32), ("pNC", Pointer(DSNAME)),
    ("pUpToDateVecCommonV1", Pointer(UPTODATE_VECTOR_V1_EXT)), ("Md5Digest", FixedBytes(16))]))
DRS_MSG_EXISTREPLY: Final = _versions("DRS_MSG_EXISTREPLY", (1, [
    ("dwStatusFlags", uint32), ("cNumGuids", uint32), ("rgGuids", Pointer(ConformantArray(Guid)))]))

# -- IDL_DRSInterDomainMove (4.1.15.1) / IDL_DRSAddEntry (4.1.1.1): the replies only (the ----------
#    requests are refused on their version and the caller, before their messages are read)
DRS_MSG_MOVEREPLY: Final = _versions("DRS_MSG_MOVEREPLY", (2, [("win32Error", uint32),
                                                               ("pAddedName", Pointer(DSNAME))]))
ADDENTRY_REPLY_INFO: Final = Struct("ADDENTRY_REPLY_INFO", [("objGuid", Guid), ("objSid", NT4SID)])
DRS_MSG_ADDENTRYREPLY: Final = _versions(
    "DRS_MSG_ADDENTRYREPLY",
    (2, [("pErrorObject", Pointer(DSNAME)), ("errCode", uint32), ("dsid", uint32), ("extendedErr", uint32),
         ("extendedData", uint32), ("problem", uint16), ("cObjectsAdded", uint32),
         ("infoList", Pointer(ConformantArray(ADDENTRY_REPLY_INFO)))]),
    (3, [("pdsErrObject", Pointer(DSNAME)), ("dwErrVer", uint32), ("pErrData", Pointer(uint32)),
         ("cObjectsAdded", uint32), ("infoList", Pointer(ConformantArray(ADDENTRY_REPLY_INFO)))]))

# -- IDL_DRSAddSidHistory (4.1.2.1) -----------------------------------------------------------
DRS_MSG_ADDSIDREQ: Final = _versions("DRS_MSG_ADDSIDREQ", (1, [
    ("Flags", uint32), ("SrcDomain", WString), ("SrcPrincipal", WString), ("SrcDomainController", WString),
    ("SrcCredsUserLength", uint32), ("SrcCredsUser", Pointer(ConformantArray(wchar))),
    ("SrcCredsDomainLength", uint32), ("SrcCredsDomain", Pointer(ConformantArray(wchar))),
    ("SrcCredsPasswordLength", uint32), ("SrcCredsPassword", Pointer(ConformantArray(wchar))),
    ("DstDomain", WString), ("DstPrincipal", WString)]))
DRS_MSG_ADDSIDREPLY: Final = _versions("DRS_MSG_ADDSIDREPLY", (1, [("dwWin32Error", uint32)]))
#: 4.1.2.1.5 DRS_ADDSID_FLAGS.
DS_ADDSID_FLAG_PRIVATE_CHK_SECURE: Final = 0x40000000
DS_ADDSID_FLAG_PRIVATE_DEL_SRC_OBJ: Final = 0x80000000

# -- IDL_DRSAddCloneDC (4.1.31.1) / IDL_DRSWriteNgcKey (4.1.29.1) / IDL_DRSReadNgcKey (4.1.30.1) ---
DRS_MSG_ADDCLONEDCREQ: Final = _versions("DRS_MSG_ADDCLONEDCREQ", (1, [
    ("pwszCloneDCName", WString), ("pwszSite", WString)]))
DRS_MSG_ADDCLONEDCREPLY: Final = _versions("DRS_MSG_ADDCLONEDCREPLY", (1, [
    ("pwszCloneDCName", WString), ("pwszSite", WString), ("cPasswordLength", uint32),
    ("pwsNewDCAccountPassword", Pointer(ConformantArray(wchar)))]))
DRS_MSG_WRITENGCKEYREQ: Final = _versions("DRS_MSG_WRITENGCKEYREQ", (1, [
    ("pwszAccount", WString), ("cNgcKey", uint32), ("pNgcKey", Pointer(ConformantBytes()))]))
DRS_MSG_WRITENGCKEYREPLY: Final = _versions("DRS_MSG_WRITENGCKEYREPLY", (1, [("retVal", uint32)]))
DRS_MSG_READNGCKEYREQ: Final = _versions("DRS_MSG_READNGCKEYREQ", (1, [("pwszAccount", WString)]))
DRS_MSG_READNGCKEYREPLY: Final = _versions("DRS_MSG_READNGCKEYREPLY", (1, [
    ("retVal", uint32), ("cNgcKey", uint32), ("pNgcKey", Pointer(ConformantBytes()))]))

# -- IDL_DRSGetReplInfo (4.1.13.1) ------------------------------------------------------------
DRS_MSG_GETREPLINFO_REQ: Final = _versions(
    "DRS_MSG_GETREPLINFO_REQ",
    (1, [("InfoType", uint32), ("pszObjectDN", WString), ("uuidSourceDsaObjGuid", Guid)]),
    (2, [("InfoType", uint32), ("pszObjectDN", WString), ("uuidSourceDsaObjGuid", Guid), ("ulFlags", uint32),
         ("pszAttributeName", WString), ("pszValueDN", WString), ("dwEnumerationContext", uint32)]))

#: 4.1.13.1.2 DS_REPL_INFO_TYPE values served.
DS_REPL_INFO_NEIGHBORS: Final = 0
DS_REPL_INFO_CURSORS_FOR_NC: Final = 1
DS_REPL_INFO_METADATA_FOR_OBJ: Final = 2
DS_REPL_INFO_KCC_DSA_CONNECT_FAILURES: Final = 3
DS_REPL_INFO_KCC_DSA_LINK_FAILURES: Final = 4
DS_REPL_INFO_PENDING_OPS: Final = 5
DS_REPL_INFO_METADATA_FOR_ATTR_VALUE: Final = 6
DS_REPL_INFO_CURSORS_2_FOR_NC: Final = 7
DS_REPL_INFO_CURSORS_3_FOR_NC: Final = 8
DS_REPL_INFO_METADATA_2_FOR_OBJ: Final = 9
DS_REPL_INFO_METADATA_2_FOR_ATTR_VALUE: Final = 10
DS_REPL_INFO_REPSTO: Final = 0xFFFFFFFE
DS_REPL_INFO_CLIENT_CONTEXTS: Final = 0xFFFFFFFC
DS_REPL_INFO_UPTODATE_VECTOR_V1: Final = 0xFFFFFFFB
DS_REPL_INFO_SERVER_OUTGOING_CALLS: Final = 0xFFFFFFFA

FILETIME: Final = hyper  # 2.3.3 FILETIME: two DWORDs; every use below sits at an 8-byte offset


def _list(name: str, item: Struct, second: str = "dwReserved") -> Struct:
    """The DS_REPL_* list structures of 4.1.13.1: a count, a reserved word or the enumeration
    context, and the conformant array of items."""
    return Struct(name, [("count", uint32), (second, uint32), ("items", ConformantArray(item))])


DS_REPL_NEIGHBORW: Final = Struct("DS_REPL_NEIGHBORW", [
    ("pszNamingContext", WString), ("pszSourceDsaDN", WString), ("pszSourceDsaAddress", WString),
    ("pszAsyncIntersiteTransportDN", WString), ("dwReplicaFlags", uint32), ("dwReserved", uint32),
    ("uuidNamingContextObjGuid", Guid), ("uuidSourceDsaObjGuid", Guid), ("uuidSourceDsaInvocationID", Guid),
    ("uuidAsyncIntersiteTransportObjGuid", Guid), ("usnLastObjChangeSynced", hyper), ("usnAttributeFilter", hyper),
    ("ftimeLastSyncSuccess", FILETIME), ("ftimeLastSyncAttempt", FILETIME), ("dwLastSyncResult", uint32),
    ("cNumConsecutiveSyncFailures", uint32)])
DS_REPL_CURSOR: Final = Struct("DS_REPL_CURSOR", [("uuidSourceDsaInvocationID", Guid), ("usnAttributeFilter", hyper)])
DS_REPL_CURSOR_2: Final = Struct("DS_REPL_CURSOR_2", [
    ("uuidSourceDsaInvocationID", Guid), ("usnAttributeFilter", hyper), ("ftimeLastSyncSuccess", FILETIME)])
DS_REPL_CURSOR_3W: Final = Struct("DS_REPL_CURSOR_3W", [
    ("uuidSourceDsaInvocationID", Guid), ("usnAttributeFilter", hyper), ("ftimeLastSyncSuccess", FILETIME),
    ("pszSourceDsaDN", WString)])
DS_REPL_ATTR_META_DATA: Final = Struct("DS_REPL_ATTR_META_DATA", [
    ("pszAttributeName", WString), ("dwVersion", uint32), ("ftimeLastOriginatingChange", FILETIME),
    ("uuidLastOriginatingDsaInvocationID", Guid), ("usnOriginatingChange", hyper), ("usnLocalChange", hyper)])
DS_REPL_ATTR_META_DATA_2: Final = Struct("DS_REPL_ATTR_META_DATA_2", [
    ("pszAttributeName", WString), ("dwVersion", uint32), ("ftimeLastOriginatingChange", FILETIME),
    ("uuidLastOriginatingDsaInvocationID", Guid), ("usnOriginatingChange", hyper), ("usnLocalChange", hyper),
    ("pszLastOriginatingDsaDN", WString)])
DS_REPL_KCC_DSA_FAILUREW: Final = Struct("DS_REPL_KCC_DSA_FAILUREW", [
    ("pszDsaDN", WString), ("uuidDsaObjGuid", Guid), ("ftimeFirstFailure", FILETIME), ("cNumFailures", uint32),
    ("dwLastResult", uint32)])
DS_REPL_OPW: Final = Struct("DS_REPL_OPW", [
    ("ftimeEnqueued", FILETIME), ("ulSerialNumber", uint32), ("ulPriority", uint32), ("OpType", uint32),
    ("ulOptions", uint32), ("pszNamingContext", WString), ("pszDsaDN", WString), ("pszDsaAddress", WString),
    ("uuidNamingContextObjGuid", Guid), ("uuidDsaObjGuid", Guid)])
DS_REPL_VALUE_META_DATA: Final = Struct("DS_REPL_VALUE_META_DATA", [
    ("pszAttributeName", WString), ("pszObjectDn", WString), ("cbData", uint32),
    ("pbData", Pointer(ConformantBytes())), ("ftimeDeleted", FILETIME), ("ftimeCreated", FILETIME),
    ("dwVersion", uint32), ("ftimeLastOriginatingChange", FILETIME), ("uuidLastOriginatingDsaInvocationID", Guid),
    ("usnOriginatingChange", hyper), ("usnLocalChange", hyper)])
DS_REPL_VALUE_META_DATA_2: Final = Struct("DS_REPL_VALUE_META_DATA_2", [
    *DS_REPL_VALUE_META_DATA.fields, ("pszLastOriginatingDsaDN", WString)])
DS_REPL_CLIENT_CONTEXT: Final = Struct("DS_REPL_CLIENT_CONTEXT", [
    ("hCtx", hyper), ("lReferenceCount", uint32), ("fIsBound", BOOL), ("uuidClient", Guid),
    ("timeLastUsed", hyper), ("IPAddr", uint32), ("pid", uint32)])
DS_REPL_SERVER_OUTGOING_CALL: Final = Struct("DS_REPL_SERVER_OUTGOING_CALL", [
    ("pszServerName", WString), ("fIsHandleBound", BOOL), ("fIsHandleFromCache", BOOL),
    ("fIsHandleInCache", BOOL), ("dwThreadId", uint32), ("dwBindingTimeoutMins", uint32),
    ("dstimeCreated", hyper), ("dwCallType", uint32)])

DRS_MSG_GETREPLINFO_REPLY: Final = Union(uint32, {
    DS_REPL_INFO_NEIGHBORS: Pointer(_list("DS_REPL_NEIGHBORSW", DS_REPL_NEIGHBORW)),
    DS_REPL_INFO_CURSORS_FOR_NC: Pointer(_list("DS_REPL_CURSORS", DS_REPL_CURSOR)),
    DS_REPL_INFO_METADATA_FOR_OBJ: Pointer(_list("DS_REPL_OBJ_META_DATA", DS_REPL_ATTR_META_DATA)),
    DS_REPL_INFO_KCC_DSA_CONNECT_FAILURES: Pointer(_list("DS_REPL_KCC_DSA_FAILURESW", DS_REPL_KCC_DSA_FAILUREW)),
    DS_REPL_INFO_KCC_DSA_LINK_FAILURES: Pointer(_list("DS_REPL_KCC_DSA_FAILURESW", DS_REPL_KCC_DSA_FAILUREW)),
    DS_REPL_INFO_PENDING_OPS: Pointer(Struct("DS_REPL_PENDING_OPSW", [
        ("ftimeCurrentOpStarted", FILETIME), ("count", uint32), ("items", ConformantArray(DS_REPL_OPW))])),
    DS_REPL_INFO_METADATA_FOR_ATTR_VALUE: Pointer(_list("DS_REPL_ATTR_VALUE_META_DATA", DS_REPL_VALUE_META_DATA,
                                                        "dwEnumerationContext")),
    DS_REPL_INFO_CURSORS_2_FOR_NC: Pointer(_list("DS_REPL_CURSORS_2", DS_REPL_CURSOR_2, "dwEnumerationContext")),
    DS_REPL_INFO_CURSORS_3_FOR_NC: Pointer(_list("DS_REPL_CURSORS_3W", DS_REPL_CURSOR_3W, "dwEnumerationContext")),
    DS_REPL_INFO_METADATA_2_FOR_OBJ: Pointer(_list("DS_REPL_OBJ_META_DATA_2", DS_REPL_ATTR_META_DATA_2)),
    DS_REPL_INFO_METADATA_2_FOR_ATTR_VALUE: Pointer(_list("DS_REPL_ATTR_VALUE_META_DATA_2",
                                                          DS_REPL_VALUE_META_DATA_2, "dwEnumerationContext")),
    DS_REPL_INFO_REPSTO: Pointer(_list("DS_REPL_NEIGHBORSW", DS_REPL_NEIGHBORW)),
    DS_REPL_INFO_CLIENT_CONTEXTS: Pointer(_list("DS_REPL_CLIENT_CONTEXTS", DS_REPL_CLIENT_CONTEXT)),
    DS_REPL_INFO_UPTODATE_VECTOR_V1: Pointer(UPTODATE_VECTOR_V1_EXT),
    DS_REPL_INFO_SERVER_OUTGOING_CALLS: Pointer(_list("DS_REPL_SERVER_OUTGOING_CALLS",
                                                      DS_REPL_SERVER_OUTGOING_CALL)),
}, name="DRS_MSG_GETREPLINFO_REPLY")

__all__ = ["UPTODATE_CURSOR_V1"]
