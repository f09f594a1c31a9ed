"""IDL_DRSGetReplInfo (19, MS-DRSR 4.1.13): the replication state of the domain's only DC.

* DS_REPL_INFO_NEIGHBORS: no repsFrom value -- an empty list; DS_REPL_INFO_REPSTO: the repsTo
  values IDL_DRSUpdateRefs added (``topology``);
* DS_REPL_INFO_CURSORS_FOR_NC / _2_ / _3_ and DS_REPL_INFO_UPTODATE_VECTOR_V1: the NC's
  up-to-dateness vector holds the DC's own cursor (its invocation ID, which smbemu gives the
  nTDSDSA object's GUID as dcpromo does for a forest's first DC, and the NC's highest USN: each
  object's USN is its place in the NC, ``replication``);
* DS_REPL_INFO_METADATA_FOR_OBJ / _2_: one stamp per modelled attribute the object has -- version
  1, originated by this DC at its USN, at the server's start (the fixture keeps no history);
* DS_REPL_INFO_METADATA_FOR_ATTR_VALUE / _2_: no linked value is modelled (empty);
* the KCC failure lists, the pending operations, the outgoing calls: empty; the client contexts:
  the caller's own DRS handles.

Checks (4.1.13.3): a version other than 1 or 2 -> ERROR_DS_DRA_INVALID_PARAMETER; an InfoType not
listed -> ERROR_INVALID_PARAMETER (U); a V2 request with dwEnumerationContext 0xFFFFFFFF (the end
of an enumeration) -> ERROR_NO_MORE_ITEMS; access to replication state (DS-Replication-Manage-
Topology / -Monitor-Topology on the NC: the policy's drsuapi rule) -> else
ERROR_DS_DRA_ACCESS_DENIED (U: the order); the metadata types without an object ->
ERROR_INVALID_PARAMETER, with one that does not exist -> ERROR_DS_OBJ_NOT_FOUND (these three as
Microsoft's protocol test suite quotes 4.1.13.3 and asserts them, Failures/DrsGetReplInfoFailures.cs);
the NC types with an unknown NC -> ERROR_DS_DRA_BAD_NC (U).
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import uint32
from smbemu.status import (
    ERROR_DS_DRA_ACCESS_DENIED,
    ERROR_DS_DRA_BAD_NC,
    ERROR_DS_DRA_INVALID_PARAMETER,
    ERROR_DS_OBJ_NOT_FOUND,
    ERROR_INVALID_PARAMETER,
    ERROR_NO_MORE_ITEMS,
    ERROR_SUCCESS,
)

from . import admin_types as t
from .objects import INTERFACE, bound, find_object, identity, schema_dn
from .replication import MODELLED, attribute_values, nc_objects
from .topology import reps_to
from .types import DRS_HANDLE

#: The lDAPDisplayName of each modelled attribute (MS-ADA1/ADA3), as the metadata names it.
ATTRIBUTE_NAMES: Final = {
    "2.5.4.3": "cn", "1.2.840.113556.1.4.2": "objectGUID", "1.2.840.113556.1.4.221": "sAMAccountName",
    "1.2.840.113556.1.4.656": "userPrincipalName", "1.2.840.113556.1.4.146": "objectSid",
    "1.2.840.113556.1.4.8": "userAccountControl", "1.2.840.113556.1.4.96": "pwdLastSet",
    "1.2.840.113556.1.4.90": "unicodePwd", "1.2.840.113556.1.4.55": "dBCSPwd",
    "1.2.840.113556.1.4.94": "ntPwdHistory", "1.2.840.113556.1.4.160": "lmPwdHistory"}
_NEEDS_NC: Final = frozenset({t.DS_REPL_INFO_CURSORS_FOR_NC, t.DS_REPL_INFO_CURSORS_2_FOR_NC,
                              t.DS_REPL_INFO_CURSORS_3_FOR_NC, t.DS_REPL_INFO_UPTODATE_VECTOR_V1})
_NEEDS_OBJECT: Final = frozenset({t.DS_REPL_INFO_METADATA_FOR_OBJ, t.DS_REPL_INFO_METADATA_2_FOR_OBJ,
                                  t.DS_REPL_INFO_METADATA_FOR_ATTR_VALUE, t.DS_REPL_INFO_METADATA_2_FOR_ATTR_VALUE})


def _empty(count_field: str = "dwReserved") -> dict[str, Any]:
    return {"count": 0, count_field: 0, "items": []}


@INTERFACE.operation(19, "IDL_DRSGetReplInfo",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32), ("pmsgIn", t.DRS_MSG_GETREPLINFO_REQ)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", t.DRS_MSG_GETREPLINFO_REPLY)], returns="WERROR")
def IDL_DRSGetReplInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.13.3 (see the module docstring)."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgIn"]
    info_type = int(message["InfoType"])
    arms = t.DRS_MSG_GETREPLINFO_REPLY.arms

    def answer(status: int, value: Any = None) -> dict[str, Any]:
        kind = info_type if info_type in arms else t.DS_REPL_INFO_NEIGHBORS
        return {"pdwOutVersion": kind, "pmsgOut": (kind, value), "ReturnValue": status}

    if request["dwInVersion"] not in (1, 2):
        return answer(ERROR_DS_DRA_INVALID_PARAMETER)
    if info_type not in arms:
        return answer(ERROR_INVALID_PARAMETER)
    if ctx.decide().status:
        return answer(ERROR_DS_DRA_ACCESS_DENIED)
    if request["dwInVersion"] == 2 and int(message["dwEnumerationContext"]) == 0xFFFFFFFF:
        return answer(ERROR_NO_MORE_ITEMS)  # the enumeration's base index (4.1.13.3), after the access
    me = identity(ctx)
    name = message["pszObjectDN"]
    started = int(ctx.server.start_filetime)
    if info_type in _NEEDS_NC or info_type == t.DS_REPL_INFO_REPSTO:
        nc = _nc_named(ctx, name)
        if nc is None:
            return answer(ERROR_DS_DRA_BAD_NC)
        if info_type == t.DS_REPL_INFO_REPSTO:
            return answer(ERROR_SUCCESS, {"count": len(reps := reps_to(ctx, nc.dn)), "dwReserved": 0,
                                          "items": [_neighbor(nc, address, guid, flags) for address, guid, flags in reps]})
        usn = len(nc_objects(ctx, me, nc))
        cursor = {"uuidSourceDsaInvocationID": me.ntds_guid, "usnAttributeFilter": usn,
                  "ftimeLastSyncSuccess": started, "pszSourceDsaDN": me.ntds_dn}
        if info_type == t.DS_REPL_INFO_UPTODATE_VECTOR_V1:
            return answer(ERROR_SUCCESS, {"dwVersion": 1, "dwReserved1": 0, "cNumCursors": 1, "dwReserved2": 0,
                                          "rgCursors": [{"uuidDsa": me.ntds_guid, "usnHighPropUpdate": usn}]})
        second = "dwReserved" if info_type == t.DS_REPL_INFO_CURSORS_FOR_NC else "dwEnumerationContext"
        # dwEnumerationContext 0xFFFFFFFF: nothing more to read (4.1.13.1.x)
        return answer(ERROR_SUCCESS, {"count": 1, second: 0 if second == "dwReserved" else 0xFFFFFFFF,
                                      "items": [cursor]})
    if info_type in _NEEDS_OBJECT:
        if not name:
            return answer(ERROR_INVALID_PARAMETER)
        obj = find_object(ctx, dn=name)
        if obj is None:
            return answer(ERROR_DS_OBJ_NOT_FOUND)
        if info_type in (t.DS_REPL_INFO_METADATA_FOR_ATTR_VALUE, t.DS_REPL_INFO_METADATA_2_FOR_ATTR_VALUE):
            return answer(ERROR_SUCCESS, _empty("dwEnumerationContext"))
        return answer(ERROR_SUCCESS, _metadata(ctx, obj, started, info_type == t.DS_REPL_INFO_METADATA_2_FOR_OBJ))
    if info_type == t.DS_REPL_INFO_NEIGHBORS:
        return answer(ERROR_SUCCESS, _empty())
    if info_type == t.DS_REPL_INFO_PENDING_OPS:
        return answer(ERROR_SUCCESS, {"ftimeCurrentOpStarted": 0, "count": 0, "items": []})
    if info_type == t.DS_REPL_INFO_CLIENT_CONTEXTS:
        return answer(ERROR_SUCCESS, _client_contexts(ctx))
    return answer(ERROR_SUCCESS, _empty())


def _nc_named(ctx: CallContext, name: str | None) -> Any:
    obj = find_object(ctx, dn=name) if name else None
    me = identity(ctx)
    roots = {me.domain_dn.lower(), me.configuration_dn.lower(), schema_dn(me).lower()}
    return obj if obj is not None and obj.dn.lower() in roots else None


def _neighbor(nc: Any, address: str, guid: Any, flags: int) -> dict[str, Any]:
    return {"pszNamingContext": nc.dn, "pszSourceDsaDN": None, "pszSourceDsaAddress": address,
            "pszAsyncIntersiteTransportDN": None, "dwReplicaFlags": flags, "dwReserved": 0,
            "uuidNamingContextObjGuid": nc.guid, "uuidSourceDsaObjGuid": guid, "uuidSourceDsaInvocationID": guid,
            "uuidAsyncIntersiteTransportObjGuid": uuid.UUID(int=0), "usnLastObjChangeSynced": 0, "usnAttributeFilter": 0,
            "ftimeLastSyncSuccess": 0, "ftimeLastSyncAttempt": 0, "dwLastSyncResult": 0,
            "cNumConsecutiveSyncFailures": 0}


def _metadata(ctx: CallContext, obj: Any, started: int, with_dsa: bool) -> dict[str, Any]:
    me = identity(ctx)
    nc = find_object(ctx, dn=me.domain_dn)
    objects = nc_objects(ctx, me, nc) if nc is not None else []
    usn = next((i + 1 for i, o in enumerate(objects) if o.dn == obj.dn), 1)
    items = []
    for oid in MODELLED:
        if attribute_values(ctx, me, obj, oid) is None:
            continue
        item = {"pszAttributeName": ATTRIBUTE_NAMES[oid], "dwVersion": 1, "ftimeLastOriginatingChange": started,
                "uuidLastOriginatingDsaInvocationID": me.ntds_guid, "usnOriginatingChange": usn,
                "usnLocalChange": usn}
        if with_dsa:
            item["pszLastOriginatingDsaDN"] = me.ntds_dn
        items.append(item)
    return {"count": len(items), "dwReserved": 0, "items": items}


def _client_contexts(ctx: CallContext) -> dict[str, Any]:
    """DS_REPL_CLIENT_CONTEXTS: empty (U: Windows lists the DRS client contexts lsass holds;
    smbemu does not expose other callers' binds)."""
    del ctx
    return {"count": 0, "dwReserved": 0, "items": []}
