"""Replica management on the domain's only DC: IDL_DRSReplicaSync (2), IDL_DRSUpdateRefs (4),
IDL_DRSReplicaAdd (5), IDL_DRSReplicaDel (6), IDL_DRSReplicaModify (7), IDL_DRSExecuteKCC (18),
IDL_DRSReplicaVerifyObjects (22) and IDL_DRSQuerySitesByCost (24).

The emulated forest has one DC: its NC replicas have no repsFrom (no source DC), and smbemu
never connects out, so a request naming a source DSA finds no replica (ERROR_DS_DRA_NO_REPLICA,
MS-DRSR 4.1.23.2 / 4.1.20.2 / 4.1.22.2: "select one v from nc!repsFrom ... if rf = null") and
an addition of a source cannot reach it.  repsTo (IDL_DRSUpdateRefs) is kept in memory, per
server, as 5.201 UpdateRefs edits it.

Each call checks, in the order of its "Server Behavior" section: the version
(ERROR_DS_DRA_INVALID_PARAMETER), the arguments, the control access right on the NC root
(DS-Replication-Synchronize for a sync, DS-Replication-Manage-Topology for the others; the
default domain / configuration NC security descriptors grant both to Administrators and Domain
Admins, MS-ADTS 6.1.1.x, and to no plain user: the policy's drsuapi rules) --
ERROR_DS_DRA_ACCESS_DENIED -- and then that the NC exists (ERROR_DS_DRA_BAD_NC).  An operation
with DRS_ASYNC_OP returns ERROR_SUCCESS once the checks pass: the rest runs "asynchronously"
(5.201 / 4.1.23.2 "Asynchronous Processing ... return ERROR_SUCCESS").

The statuses and their order are those of the pseudocode the sections give, as Microsoft's own
protocol test suite quotes and asserts it against Windows DCs (WindowsProtocolTestSuites,
TestSuites/ADFamily/src/TestSuite/MS-DRSR: Failures/DrsReplicaSyncFailures.cs,
DrsReplicaModifyNegTests.cs, DrsReplicaVerifyObjectsFailures.cs, DrsrKCCFailures.cs -- "[MS]"
below); U marks what neither shows.
"""

from __future__ import annotations

import uuid
import weakref
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import uint32
from smbemu.status import (
    ERROR_DS_CANT_FIND_DSA_OBJ,
    ERROR_DS_DNS_LOOKUP_FAILURE,
    ERROR_DS_DRA_ACCESS_DENIED,
    ERROR_DS_DRA_BAD_NC,
    ERROR_DS_DRA_INVALID_PARAMETER,
    ERROR_DS_DRA_NO_REPLICA,
    ERROR_DS_DRA_REF_ALREADY_EXISTS,
    ERROR_DS_DRA_REF_NOT_FOUND,
    ERROR_DS_OBJ_NOT_FOUND,
    ERROR_INVALID_PARAMETER,
    ERROR_SUCCESS,
)

from .admin_types import (
    DRS_MSG_KCC_EXECUTE,
    DRS_MSG_QUERYSITESREPLY,
    DRS_MSG_QUERYSITESREQ,
    DRS_MSG_REPADD,
    DRS_MSG_REPDEL,
    DRS_MSG_REPMOD,
    DRS_MSG_REPSYNC,
    DRS_MSG_REPVERIFYOBJ,
    DRS_MSG_UPDREFS,
)
from .objects import (
    INTERFACE,
    SITE_NAME,
    DirectoryObject,
    bound,
    dsname_parts,
    find_object,
    identity,
    schema_dn,
    state_owner,
)
from .types import DRS_HANDLE

#: DRS_OPTIONS (MS-DRSR 5.41) bits these calls read.
DRS_ASYNC_OP: Final = 0x00000001
DRS_GETCHG_CHECK: Final = 0x00000002
DRS_ADD_REF: Final = 0x00000004
DRS_DEL_REF: Final = 0x00000008
DRS_SYNC_ALL: Final = 0x00000008
DRS_WRIT_REP: Final = 0x00000010
DRS_SYNC_BYNAME: Final = 0x00004000
DRS_NO_SOURCE: Final = 0x00008000
#: 4.1.22.1.2 ulModifyFields DRS_UPDATE_ADDRESS.
DRS_UPDATE_ADDRESS: Final = 0x00000002
#: 4.1.6.1.2 DS_KCC_FLAG_ASYNC_OP.
DS_KCC_FLAG_ASYNC_OP: Final = 0x00000001
#: 4.1.16.3: the cost from a site to itself (the one site of the forest has no siteLink).
SAME_SITE_COST: Final = 0

#: repsTo values IDL_DRSUpdateRefs added, per server and NC (5.201: keyed by the DSA's address
#: and GUID).  Lost on restart, as the emulated directory's other run-time changes are.
_REPS_TO: weakref.WeakKeyDictionary[Any, dict[str, dict[tuple[str, uuid.UUID], int]]] = weakref.WeakKeyDictionary()


def naming_context(ctx: CallContext, value: dict[str, Any] | None) -> DirectoryObject | None:
    """The NC root a DSNAME names (the domain, configuration or schema NC), else None."""
    if value is None:
        return None
    text, guid, sid = dsname_parts(value)
    obj = find_object(ctx, dn=text, guid=guid, sid=sid)
    me = identity(ctx)
    roots = {me.domain_dn.lower(), me.configuration_dn.lower(), schema_dn(me).lower()}
    return obj if obj is not None and obj.dn.lower() in roots else None


def refused(ctx: CallContext) -> bool:
    """The control access check of this call (the policy's drsuapi rule for it)."""
    return bool(ctx.decide().status)


def _is_async(options: int) -> bool:
    return bool(options & DRS_ASYNC_OP)


@INTERFACE.operation(2, "IDL_DRSReplicaSync",
                     request=[("hDrs", DRS_HANDLE), ("dwVersion", uint32), ("pmsgSync", DRS_MSG_REPSYNC)],
                     returns="WERROR")
def IDL_DRSReplicaSync(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.23.2, in its order: no NC, or neither a source GUID nor a name without
    DRS_SYNC_ALL -> ERROR_DS_DRA_INVALID_PARAMETER; an NC that does not exist ->
    ERROR_DS_DRA_BAD_NC; the source missing for the form DRS_SYNC_BYNAME says (or the NULL GUID)
    -> ERROR_DS_DRA_INVALID_PARAMETER; no DS-Replication-Synchronize -> ERROR_DS_DRA_ACCESS_DENIED;
    DRS_ASYNC_OP -> success; else no repsFrom for that source -> ERROR_DS_DRA_NO_REPLICA.
    DRS_SYNC_ALL selects every repsFrom value: there is none, so ERROR_DS_DRA_NO_REPLICA too
    ("rf := select all v in nc!repsFrom where DRS_SYNC_ALL in options ... if rf = null", [MS])."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgSync"]
    if request["dwVersion"] != 1:
        return {"ReturnValue": ERROR_DS_DRA_INVALID_PARAMETER}
    options = int(message["ulOptions"])
    source_guid = message["uuidDsaSrc"] or uuid.UUID(int=0)
    source_name = message["pszDsaSrc"]
    if message["pNC"] is None or (not options & DRS_SYNC_ALL and not source_guid.int and source_name is None):
        return {"ReturnValue": ERROR_DS_DRA_INVALID_PARAMETER}
    if naming_context(ctx, message["pNC"]) is None:
        return {"ReturnValue": ERROR_DS_DRA_BAD_NC}
    by_name = bool(options & DRS_SYNC_BYNAME)
    if not options & DRS_SYNC_ALL and ((by_name and source_name is None) or (not by_name and not source_guid.int)):
        return {"ReturnValue": ERROR_DS_DRA_INVALID_PARAMETER}
    if refused(ctx):
        return {"ReturnValue": ERROR_DS_DRA_ACCESS_DENIED}
    if _is_async(options):
        return {"ReturnValue": ERROR_SUCCESS}
    return {"ReturnValue": ERROR_DS_DRA_NO_REPLICA}


@INTERFACE.operation(4, "IDL_DRSUpdateRefs",
                     request=[("hDrs", DRS_HANDLE), ("dwVersion", uint32), ("pmsgUpdRefs", DRS_MSG_UPDREFS)],
                     returns="WERROR")
def IDL_DRSUpdateRefs(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.26.2 and 5.201 UpdateRefs: a missing destination or neither DRS_ADD_REF nor
    DRS_DEL_REF -> ERROR_DS_DRA_INVALID_PARAMETER; DS-Replication-Manage-Topology on the NC ->
    else ERROR_DS_DRA_ACCESS_DENIED; an unknown NC -> ERROR_DS_DRA_BAD_NC; then DRS_DEL_REF of
    a value repsTo lacks -> ERROR_DS_DRA_REF_NOT_FOUND, DRS_ADD_REF of one it has ->
    ERROR_DS_DRA_REF_ALREADY_EXISTS (both: the later one's answer, 5.201)."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgUpdRefs"]
    if request["dwVersion"] != 1:
        return {"ReturnValue": ERROR_DS_DRA_INVALID_PARAMETER}
    options = int(message["ulOptions"])
    destination = message["pszDsaDest"]
    dest_guid = message["uuidDsaObjDest"] or uuid.UUID(int=0)
    # [MS] DrsrKCCFailures.cs: an empty pszDsaDest, the NULL GUID, neither flag
    if not destination or not dest_guid.int or not options & (DRS_ADD_REF | DRS_DEL_REF):
        return {"ReturnValue": ERROR_DS_DRA_INVALID_PARAMETER}
    if refused(ctx):
        return {"ReturnValue": ERROR_DS_DRA_ACCESS_DENIED}
    nc = naming_context(ctx, message["pNC"])
    if nc is None:
        return {"ReturnValue": ERROR_DS_DRA_BAD_NC}
    if _is_async(options):
        _update_refs(ctx, nc, str(destination), dest_guid, options)
        return {"ReturnValue": ERROR_SUCCESS}
    return {"ReturnValue": _update_refs(ctx, nc, str(destination), dest_guid, options)}


def _update_refs(ctx: CallContext, nc: DirectoryObject, address: str, guid: uuid.UUID, options: int) -> int:
    table = _REPS_TO.setdefault(state_owner(ctx), {}).setdefault(nc.dn.lower(), {})
    match = [key for key in table if key[0].lower() == address.lower() or key[1] == guid]
    status = ERROR_SUCCESS
    if options & DRS_DEL_REF:
        if match:
            for key in match:
                del table[key]
        else:
            status = ERROR_DS_DRA_REF_NOT_FOUND
    if options & DRS_ADD_REF:
        if [key for key in table if key[0].lower() == address.lower() or key[1] == guid]:
            status = ERROR_DS_DRA_REF_ALREADY_EXISTS
        else:
            table[(address, guid)] = options & DRS_WRIT_REP
            status = ERROR_SUCCESS
    return status


def reps_to(ctx: CallContext, nc_dn: str) -> list[tuple[str, uuid.UUID, int]]:
    """The repsTo values of an NC (IDL_DRSGetReplInfo DS_REPL_INFO_REPSTO)."""
    table = _REPS_TO.get(state_owner(ctx), {}).get(nc_dn.lower(), {})
    return [(address, guid, flags) for (address, guid), flags in table.items()]


@INTERFACE.operation(5, "IDL_DRSReplicaAdd",
                     request=[("hDrs", DRS_HANDLE), ("dwVersion", uint32), ("pmsgAdd", DRS_MSG_REPADD)],
                     returns="WERROR")
def IDL_DRSReplicaAdd(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.19.2: no NC or no source address -> ERROR_DS_DRA_INVALID_PARAMETER; no
    DS-Replication-Manage-Topology -> ERROR_DS_DRA_ACCESS_DENIED; an unknown NC ->
    ERROR_DS_DRA_BAD_NC ([MS]: an empty source address, an empty DSNAME as the NC); DRS_ASYNC_OP
    -> success (the rest runs later).  A synchronous add first
    binds to the source DC to replicate from it; the forest has no other DC and the address a
    client sends (``<DSA GUID>._msdcs.<forest>``) is not in DNS: ERROR_DS_DNS_LOOKUP_FAILURE
    (U: the status Windows' DRA reports when the source name does not resolve)."""
    bound(ctx, request["hDrs"])
    version, message = request["pmsgAdd"]
    if request["dwVersion"] not in (1, 2):
        return {"ReturnValue": ERROR_DS_DRA_INVALID_PARAMETER}
    address = message["pszDsaSrc"] if version == 1 else message["pszSourceDsaAddress"]
    if message["pNC"] is None or not address:
        return {"ReturnValue": ERROR_DS_DRA_INVALID_PARAMETER}
    if refused(ctx):
        return {"ReturnValue": ERROR_DS_DRA_ACCESS_DENIED}
    if naming_context(ctx, message["pNC"]) is None:
        return {"ReturnValue": ERROR_DS_DRA_BAD_NC}
    if _is_async(int(message["ulOptions"])):
        return {"ReturnValue": ERROR_SUCCESS}
    return {"ReturnValue": ERROR_DS_DNS_LOOKUP_FAILURE}


@INTERFACE.operation(6, "IDL_DRSReplicaDel",
                     request=[("hDrs", DRS_HANDLE), ("dwVersion", uint32), ("pmsgDel", DRS_MSG_REPDEL)],
                     returns="WERROR")
def IDL_DRSReplicaDel(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.20.2: no NC, or no (or an empty) source address without DRS_NO_SOURCE ->
    ERROR_DS_DRA_INVALID_PARAMETER ([MS] DrsrKCCFailures.cs); no
    DS-Replication-Manage-Topology -> ERROR_DS_DRA_ACCESS_DENIED; an unknown NC ->
    ERROR_DS_DRA_BAD_NC; then the repsFrom value of the named source: none on the forest's only
    DC -> ERROR_DS_DRA_NO_REPLICA (so also for DRS_NO_SOURCE, which expunges a read-only
    replica: the DC's replicas are its writable masters, U)."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgDel"]
    if request["dwVersion"] != 1:
        return {"ReturnValue": ERROR_DS_DRA_INVALID_PARAMETER}
    options = int(message["ulOptions"])
    if message["pNC"] is None or (not options & DRS_NO_SOURCE and not message["pszDsaSrc"]):
        return {"ReturnValue": ERROR_DS_DRA_INVALID_PARAMETER}
    if refused(ctx):
        return {"ReturnValue": ERROR_DS_DRA_ACCESS_DENIED}
    if naming_context(ctx, message["pNC"]) is None:
        return {"ReturnValue": ERROR_DS_DRA_BAD_NC}
    return {"ReturnValue": ERROR_SUCCESS if _is_async(options) else ERROR_DS_DRA_NO_REPLICA}


@INTERFACE.operation(7, "IDL_DRSReplicaModify",
                     request=[("hDrs", DRS_HANDLE), ("dwVersion", uint32), ("pmsgMod", DRS_MSG_REPMOD)],
                     returns="WERROR")
def IDL_DRSReplicaModify(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.22.2: no NC, no source (neither GUID nor address), no field to modify,
    DRS_UPDATE_ADDRESS without an address, or DRS_SYNC_ALL among the options ->
    ERROR_DS_DRA_INVALID_PARAMETER ([MS] DrsReplicaModifyNegTests.cs); no DS-Replication-Manage-Topology ->
    ERROR_DS_DRA_ACCESS_DENIED; an unknown NC -> ERROR_DS_DRA_BAD_NC; the source's repsFrom
    value: none -> ERROR_DS_DRA_NO_REPLICA."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgMod"]
    if request["dwVersion"] != 1:
        return {"ReturnValue": ERROR_DS_DRA_INVALID_PARAMETER}
    source_guid = message["uuidSourceDRA"] or uuid.UUID(int=0)
    fields = int(message["ulModifyFields"])
    if message["pNC"] is None or (not source_guid.int and message["pszSourceDRA"] is None) or not fields \
            or (fields & DRS_UPDATE_ADDRESS and message["pszSourceDRA"] is None) \
            or int(message["ulOptions"]) & DRS_SYNC_ALL:
        return {"ReturnValue": ERROR_DS_DRA_INVALID_PARAMETER}
    if refused(ctx):
        return {"ReturnValue": ERROR_DS_DRA_ACCESS_DENIED}
    if naming_context(ctx, message["pNC"]) is None:
        return {"ReturnValue": ERROR_DS_DRA_BAD_NC}
    return {"ReturnValue": ERROR_SUCCESS if _is_async(int(message["ulOptions"])) else ERROR_DS_DRA_NO_REPLICA}


@INTERFACE.operation(18, "IDL_DRSExecuteKCC",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32), ("pmsgIn", DRS_MSG_KCC_EXECUTE)],
                     returns="WERROR")
def IDL_DRSExecuteKCC(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.6.3: version other than 1 -> ERROR_DS_DRA_INVALID_PARAMETER; a dwTaskID other
    than 0 -> ERROR_INVALID_PARAMETER; no DS-Replication-Manage-Topology on the configuration NC
    -> ERROR_DS_DRA_ACCESS_DENIED; else the KCC runs (a one-DC site needs no connection object:
    nothing changes) and the call succeeds."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgIn"]
    if request["dwInVersion"] != 1:
        return {"ReturnValue": ERROR_DS_DRA_INVALID_PARAMETER}
    if int(message["dwTaskID"]) != 0:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    if refused(ctx):
        return {"ReturnValue": ERROR_DS_DRA_ACCESS_DENIED}
    return {"ReturnValue": ERROR_SUCCESS}


@INTERFACE.operation(22, "IDL_DRSReplicaVerifyObjects",
                     request=[("hDrs", DRS_HANDLE), ("dwVersion", uint32), ("pmsgVerify", DRS_MSG_REPVERIFYOBJ)],
                     returns="WERROR")
def IDL_DRSReplicaVerifyObjects(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.24.2 ([MS] DrsReplicaVerifyObjectsFailures.cs): no NC or the NULL source GUID
    (the source is "checked first") -> ERROR_DS_DRA_INVALID_PARAMETER; an NC with no full replica
    here -> ERROR_DS_DRA_BAD_NC; no DS-Replication-Manage-Topology on it ->
    ERROR_DS_DRA_ACCESS_DENIED; the source DSA (uuidDsaSrc) is looked up among the forest's nTDSDSA
    objects: the DC's own compares its replica with itself and finds no lingering object
    (success); any other GUID names no DSA -> ERROR_DS_CANT_FIND_DSA_OBJ (U)."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgVerify"]
    source = message["uuidDsaSrc"] or uuid.UUID(int=0)
    if request["dwVersion"] != 1 or message["pNC"] is None or not source.int:
        return {"ReturnValue": ERROR_DS_DRA_INVALID_PARAMETER}
    if naming_context(ctx, message["pNC"]) is None:
        return {"ReturnValue": ERROR_DS_DRA_BAD_NC}
    if refused(ctx):
        return {"ReturnValue": ERROR_DS_DRA_ACCESS_DENIED}
    if source != identity(ctx).ntds_guid:
        return {"ReturnValue": ERROR_DS_CANT_FIND_DSA_OBJ}
    return {"ReturnValue": ERROR_SUCCESS}


@INTERFACE.operation(24, "IDL_DRSQuerySitesByCost",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32), ("pmsgIn", DRS_MSG_QUERYSITESREQ)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", DRS_MSG_QUERYSITESREPLY)],
                     returns="WERROR")
def IDL_DRSQuerySitesByCost(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.16.3: the cost from pwszFromSite (a site's RDN) to each of rgszToSites, under
    the siteLink graph.  The forest has one site and no siteLink: the site to itself costs 0,
    any other name is not a site (its element's dwErrorCode ERROR_DS_OBJ_NOT_FOUND, the value
    DS_SITE_COST_INFO documents); a from-site that is not a site fails the call with
    ERROR_DS_OBJ_NOT_FOUND (U).  Any bound caller may ask (U: no access check is named)."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgIn"]
    empty = {"cToSites": 0, "rgCostInfo": None, "dwFlags": 0}
    targets = list(message["rgszToSites"] or [])
    if request["dwInVersion"] != 1 or not 1 <= len(targets) <= 10000:
        return {"pdwOutVersion": 1, "pmsgOut": (1, empty), "ReturnValue": ERROR_DS_DRA_INVALID_PARAMETER}
    if (message["pwszFromSite"] or "").lower() != SITE_NAME.lower():
        return {"pdwOutVersion": 1, "pmsgOut": (1, empty), "ReturnValue": ERROR_DS_OBJ_NOT_FOUND}
    items = [{"dwErrorCode": ERROR_SUCCESS, "dwCost": SAME_SITE_COST} if (name or "").lower() == SITE_NAME.lower()
             else {"dwErrorCode": ERROR_DS_OBJ_NOT_FOUND, "dwCost": 0xFFFFFFFF} for name in targets]
    return {"pdwOutVersion": 1, "pmsgOut": (1, {"cToSites": len(items), "rgCostInfo": items, "dwFlags": 0}),
            "ReturnValue": ERROR_SUCCESS}
