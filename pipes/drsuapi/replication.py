"""IDL_DRSGetNCChanges (3, MS-DRSR 4.1.10): replication out of the domain NC -- "DCSync".

A V8 or V10 request (4.1.10.2.5 / 4.1.10.2.7) gets a V6 reply (4.1.10.2.11; the server answers
V6 to a client that announced DRS_EXT_GETCHGREPLY_V6, 4.1.10.5.1; V9 only to one announcing
DRS_EXT_GETCHGREPLY_V9 with a V10 request, which smbemu does not serve):

* ``ulExtendedOp`` EXOP_REPL_OBJ (6) or EXOP_REPL_SECRETS (7) (4.1.10.5): the one object the
  request's pNC names (by GUID, else SID, else DN), ulExtendedRet EXOP_ERR_SUCCESS (1); an object
  that does not exist is ERROR_DS_DRA_BAD_DN (U: the code Windows answers), so secretsdump
  falls back to CrackNames;
* ``ulExtendedOp`` 0: the NC itself -- the domain NC (its root, then its accounts) or the
  configuration NC (the site and server objects) or the schema NC (its head only: classes and
  attributes are not modelled) -- paged by ``usnvecFrom`` (each object's USN
  is its place in the NC) at most ``cMaxObjects`` (and :data:`MAX_OBJECTS_PER_REPLY`) per
  reply, fMoreData while objects remain (4.1.10.5, replication of an NC);
* the other extended operations (the FSMO transfers, EXOP_REPL_SECRETS aside) are refused
  ERROR_DS_DRA_NOT_SUPPORTED (U).

Attributes: those of the request's partial attribute set (its ATTRTYPs read through the
client's PrefixTableDest, 5.16.4), else every attribute modelled: sAMAccountName,
userPrincipalName, objectSid, userAccountControl, pwdLastSet, and the secrets (encrypted,
``secrets``): unicodePwd, dBCSPwd (only where the profile keeps LM hashes: NoLMHash is on from
Windows Server 2008), ntPwdHistory / lmPwdHistory (the current hash: the fixture keeps no older
ones).  supplementalCredentials is not sent: the fixture keeps hashes, not the cleartext the
Kerberos keys derive from.  Replies name attributes through the server's prefix table
(PrefixTableSrc).

Access: ``ctx.decide`` (the policy's drsuapi rule: DS-Replication-Get-Changes(-All)); a refusal
is ERROR_DS_DRA_ACCESS_DENIED (8453), MS-DRSR 4.1.10.5.1 ("If ... not granted, return
ERROR_DS_DRA_ACCESS_DENIED").  Each granted replication of the domain NC is reported
(`smbemu.events.DirectoryReplicated`) for the audit log's 4662.
"""

from __future__ import annotations

import struct
import uuid
from typing import Any, Final

from smbemu.events import DirectoryReplicated
from smbemu.filetime import to_filetime
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import uint32
from smbemu.status import (
    ERROR_DS_DRA_ACCESS_DENIED,
    ERROR_DS_DRA_BAD_DN,
    ERROR_DS_DRA_BAD_NC,
    ERROR_DS_DRA_NOT_SUPPORTED,
)

from .objects import (
    INTERFACE,
    DirectoryObject,
    DsaIdentity,
    accounts,
    bound,
    configuration_objects,
    domain_object,
    dsname,
    dsname_parts,
    find_object,
    identity,
    schema_dn,
)
from .secrets import (
    SECRET_OIDS,
    encrypt_value,
    make_attrtyp,
    oid_from_attrtyp,
    server_prefix_table,
    with_rid_layer,
)
from .types import (
    DRS_HANDLE,
    DRS_MSG_GETCHGREPLY,
    DRS_MSG_GETCHGREQ,
    EXOP_REPL_OBJ,
    EXOP_REPL_SECRETS,
    MAX_OBJECTS_PER_REPLY,
)

#: EXOP_ERR (MS-DRSR 4.1.10.2, ulExtendedRet).
EXOP_ERR_SUCCESS: Final = 1
EXOP_ERR_PARAM_ERR: Final = 7

#: The attributes smbemu models, by OID (MS-ADA1/ADA3 attributeID).
SAM_ACCOUNT_NAME: Final = "1.2.840.113556.1.4.221"
USER_PRINCIPAL_NAME: Final = "1.2.840.113556.1.4.656"
OBJECT_SID: Final = "1.2.840.113556.1.4.146"
USER_ACCOUNT_CONTROL: Final = "1.2.840.113556.1.4.8"
PWD_LAST_SET: Final = "1.2.840.113556.1.4.96"
UNICODE_PWD: Final = "1.2.840.113556.1.4.90"
DBCS_PWD: Final = "1.2.840.113556.1.4.55"
NT_PWD_HISTORY: Final = "1.2.840.113556.1.4.94"
LM_PWD_HISTORY: Final = "1.2.840.113556.1.4.160"
CN: Final = "2.5.4.3"
OBJECT_GUID: Final = "1.2.840.113556.1.4.2"
MODELLED: Final = (CN, OBJECT_GUID, SAM_ACCOUNT_NAME, USER_PRINCIPAL_NAME, OBJECT_SID,
                   USER_ACCOUNT_CONTROL, PWD_LAST_SET, UNICODE_PWD, DBCS_PWD, NT_PWD_HISTORY,
                   LM_PWD_HISTORY)

#: The attributes of each kind of object (the configuration objects carry only their name).
_ACCOUNT_ATTRIBUTES: Final = MODELLED
_NAMED_ONLY: Final = (CN, OBJECT_GUID)
#: A user's password attributes are written when the account is created (the SAM sets them, an
#: empty LM hash included), so they carry replication metadata even without a value: the
#: attribute goes out with no value (valCount 0) -- what secretsdump reads as "no LM hash" on a
#: NoLMHash DC (4.1.10.6.x: an attribute whose value was removed replicates with its metadata).
_EMPTY_WHEN_UNSET: Final = (UNICODE_PWD, DBCS_PWD, NT_PWD_HISTORY, LM_PWD_HISTORY, PWD_LAST_SET)


def _unicode(text: str) -> bytes:
    """A Unicode-string attribute value (MS-DRSR 5.16.2: UTF-16LE, no terminating NUL)."""
    return text.encode("utf-16-le")


def _cn(obj: DirectoryObject) -> str:
    first = obj.dn.split(",", 1)[0]
    return first.split("=", 1)[1] if "=" in first else first


def attribute_values(ctx: CallContext, me: DsaIdentity, obj: DirectoryObject, oid: str) -> list[bytes] | None:
    """The clear values of ``oid`` on ``obj`` (None: the object has no such attribute)."""
    account = obj.account
    if oid == CN:
        return [_unicode(_cn(obj))]
    if oid == OBJECT_GUID:
        return [obj.guid.bytes_le]
    if account is None:
        return None
    is_user = hasattr(account, "nt_hash")
    if oid == SAM_ACCOUNT_NAME:
        return [_unicode(account.name)]
    if oid == OBJECT_SID:
        return [account.sid.to_bytes()]
    if not is_user:
        return None
    directory = ctx.server.directory
    if oid == USER_PRINCIPAL_NAME:
        return [_unicode(f"{account.name}@{me.domain_dns}")] if not account.name.endswith("$") else None
    if oid == USER_ACCOUNT_CONTROL:
        return [struct.pack("<I", directory.account_control(account))]
    if oid == PWD_LAST_SET:
        return [struct.pack("<q", to_filetime(account.last_password_change))]
    keeps_lm = not ctx.server.profile.smb.no_lm_hash
    if oid in (UNICODE_PWD, NT_PWD_HISTORY):
        return [account.nt_hash] if account.nt_hash else None
    if oid in (DBCS_PWD, LM_PWD_HISTORY):
        return [account.lm_hash] if keeps_lm and account.lm_hash else None
    return None


def _wire_value(ctx: CallContext, obj: DirectoryObject, oid: str, value: bytes) -> bytes:
    """What goes on the wire for one value: secrets under the RID layer (hashes) and then the
    session layer (``secrets``)."""
    if oid not in SECRET_OIDS:
        return value
    if oid in (UNICODE_PWD, DBCS_PWD, NT_PWD_HISTORY, LM_PWD_HISTORY) and obj.sid is not None:
        value = with_rid_layer(value, obj.sid.rid)
    return encrypt_value(value, ctx.session_key)


def entinf(ctx: CallContext, me: DsaIdentity, obj: DirectoryObject, wanted: tuple[str, ...],
           prefixes: dict[bytes, int]) -> tuple[dict[str, Any], int, int]:
    """(ENTINF, attribute count, value bytes) of ``obj`` with the attributes ``wanted``."""
    attrs = []
    size = 0
    for oid in wanted:
        if obj.account is None and oid not in _NAMED_ONLY:
            continue
        values = attribute_values(ctx, me, obj, oid)
        if values is None:
            if not (hasattr(obj.account, "nt_hash") and oid in _EMPTY_WHEN_UNSET):
                continue
            values = []
        wire = [_wire_value(ctx, obj, oid, v) for v in values]
        size += sum(len(v) for v in wire)
        attrs.append({"attrTyp": make_attrtyp(oid, prefixes),
                      "AttrVal": {"valCount": len(wire),
                                  "pAVal": [{"valLen": len(v), "pVal": v} for v in wire] or None}})
    return {"pName": dsname(obj), "ulFlags": 0,
            "AttrBlock": {"attrCount": len(attrs), "pAttr": attrs or None}}, len(attrs), size


def requested_oids(message: dict[str, Any]) -> tuple[str, ...]:
    """The OIDs the partial attribute set asks for, through the client's prefix table; every
    modelled attribute when there is none (4.1.10.5: no pPartialAttrSet = all attributes)."""
    pas = message.get("pPartialAttrSet")
    if not pas:
        return MODELLED
    table = {}
    for entry in (message["PrefixTableDest"].get("pPrefixEntry") or []):
        table[int(entry["ndx"])] = bytes(entry["prefix"]["elements"] or b"")
    oids = []
    for attrtyp in pas.get("rgPartialAttr") or []:
        oid = oid_from_attrtyp(int(attrtyp), table)
        if oid in MODELLED and oid not in oids:
            oids.append(oid)
    return tuple(oids)


def nc_objects(ctx: CallContext, me: DsaIdentity, nc: DirectoryObject) -> list[DirectoryObject]:
    if nc.dn.lower() == me.domain_dn.lower():
        return [nc, *accounts(ctx)]
    if nc.dn.lower() == me.configuration_dn.lower():
        return [nc, *(o for o in configuration_objects(me) if o.dn not in (nc.dn, schema_dn(me)))]
    if nc.dn.lower() == schema_dn(me).lower():
        return [nc]  # the schema's classes and attributes are not modelled: its head only
    return []


def _reply(me: DsaIdentity, nc: DirectoryObject | None, usn_from: dict[str, int], **fields: Any) -> dict[str, Any]:
    prefix_entries = fields.pop("prefix_entries")
    reply = {"uuidDsaObjSrc": me.ntds_guid, "uuidInvocIdSrc": me.ntds_guid,
             "pNC": dsname(nc) if nc is not None else None, "usnvecFrom": usn_from,
             "usnvecTo": {"usnHighObjUpdate": 0, "usnReserved": 0, "usnHighPropUpdate": 0},
             "pUpToDateVecSrc": None,
             "PrefixTableSrc": {"PrefixCount": len(prefix_entries), "pPrefixEntry": prefix_entries},
             "ulExtendedRet": 0, "cNumObjects": 0, "cNumBytes": 0, "pObjects": None, "fMoreData": 0,
             "cNumNcSizeObjects": 0, "cNumNcSizeValues": 0, "cNumValues": 0, "rgValues": None,
             "dwDRSError": 0}
    reply.update(fields)
    return reply


def _chain(entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """REPLENTINFLIST (5.161): each entry points at the next."""
    head: dict[str, Any] | None = None
    for entry in reversed(entries):
        head = dict(entry, pNextEntInf=head)
    return head


def _report(ctx: CallContext, me: DsaIdentity, target: DirectoryObject, secrets: bool) -> None:
    observers = getattr(ctx.server, "observers", None)
    if not observers:
        return
    session = ctx.server.sessions.get(ctx.session_id)
    observers.emit(DirectoryReplicated(
        principal=ctx.principal, session_id=ctx.session_id,
        client_address=getattr(session, "client_address", "") or "",
        nc_guid=me.domain_guid, object_dn=target.dn, secrets=secrets))


@INTERFACE.operation(3, "IDL_DRSGetNCChanges",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32), ("pmsgIn", DRS_MSG_GETCHGREQ)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", DRS_MSG_GETCHGREPLY)], returns="WERROR")
def IDL_DRSGetNCChanges(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.10.5 (see the module docstring)."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgIn"]
    me = identity(ctx)
    prefixes, prefix_entries = server_prefix_table()
    usn_from = dict(message["usnvecFrom"])
    text, guid, sid = dsname_parts(message["pNC"])
    target = find_object(ctx, dn=text, guid=guid, sid=sid)

    def answer(status: int, **fields: Any) -> dict[str, Any]:
        reply = _reply(me, fields.pop("nc", target), usn_from, prefix_entries=prefix_entries, **fields)
        return {"pdwOutVersion": 6, "pmsgOut": (6, reply), "ReturnValue": status}

    if ctx.decide().status:
        return answer(ERROR_DS_DRA_ACCESS_DENIED, nc=None)
    wanted = requested_oids(message)
    exop = int(message["ulExtendedOp"])
    if exop in (EXOP_REPL_OBJ, EXOP_REPL_SECRETS):
        if target is None:
            return answer(ERROR_DS_DRA_BAD_DN, nc=None, ulExtendedRet=EXOP_ERR_PARAM_ERR)
        info, _count, size = entinf(ctx, me, target, wanted, prefixes)
        _report(ctx, me, target, any(oid in SECRET_OIDS for oid in wanted))
        node = {"Entinf": info, "fIsNCPrefix": int(target.dn.lower() == me.domain_dn.lower()),
                "pParentGuid": None, "pMetaDataExt": None}
        return answer(0, ulExtendedRet=EXOP_ERR_SUCCESS, cNumObjects=1, cNumBytes=size, pObjects=_chain([node]),
                      usnvecTo={"usnHighObjUpdate": 1, "usnReserved": 0, "usnHighPropUpdate": 1})
    if exop:
        return answer(ERROR_DS_DRA_NOT_SUPPORTED, nc=None)
    objects = nc_objects(ctx, me, target) if target is not None else []
    if not objects:
        return answer(ERROR_DS_DRA_BAD_NC, nc=None)
    start = max(0, int(usn_from.get("usnHighObjUpdate") or 0))
    limit = max(1, min(int(message["cMaxObjects"]) or MAX_OBJECTS_PER_REPLY, MAX_OBJECTS_PER_REPLY))
    page = objects[start:start + limit]
    nodes, total = [], 0
    for obj in page:
        info, _count, size = entinf(ctx, me, obj, wanted, prefixes)
        total += size
        parent = None if obj is objects[0] else objects[0].guid
        nodes.append({"Entinf": info, "fIsNCPrefix": int(obj is objects[0]), "pParentGuid": parent,
                      "pMetaDataExt": None})
    if target is not None and start == 0:
        _report(ctx, me, target, any(oid in SECRET_OIDS for oid in wanted))
    high = start + len(page)
    return answer(0, cNumObjects=len(page), cNumBytes=total, pObjects=_chain(nodes),
                  fMoreData=int(high < len(objects)),
                  usnvecTo={"usnHighObjUpdate": high, "usnReserved": 0, "usnHighPropUpdate": high})


__all__ = ["IDL_DRSGetNCChanges", "attribute_values", "requested_oids", "uuid"]
