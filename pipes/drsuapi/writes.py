"""Calls that change the directory: IDL_DRSWriteSPN (13) and the NGC key calls (29, 30), kept in
memory; and those smbemu does not carry out, answered with the status Windows gives the caller:
IDL_DRSInterDomainMove (10), IDL_DRSRemoveDsServer (14), IDL_DRSRemoveDsDomain (15),
IDL_DRSAddEntry (17), IDL_DRSAddSidHistory (20), the AD LDS demotion calls (25-27) and
IDL_DRSAddCloneDC (28).

Access: the policy's drsuapi rules (administrators: Domain Admins and Enterprise Admins hold
the rights these calls check on a default forest, MS-ADTS 6.1.1.x default security descriptors);
a refusal is ERROR_DS_DRA_ACCESS_DENIED, the DRA's access denied (U where a section below says so).
"""

from __future__ import annotations

import weakref
from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import uint32
from smbemu.status import (
    ERROR_DS_CANT_DELETE_DSA_OBJ,
    ERROR_DS_CANT_FIND_DSA_OBJ,
    ERROR_DS_DESTINATION_AUDITING_NOT_ENABLED,
    ERROR_DS_DRA_ACCESS_DENIED,
    ERROR_DS_DRA_INVALID_PARAMETER,
    ERROR_DS_DRA_NOT_SUPPORTED,
    ERROR_DS_MUST_BE_RUN_ON_DST_DC,
    ERROR_DS_NC_STILL_HAS_DSAS,
    ERROR_DS_NO_CROSSREF_FOR_NC,
    ERROR_DS_OBJ_NOT_FOUND,
    ERROR_INVALID_PARAMETER,
    ERROR_SUCCESS,
)

from . import admin_types as t
from .objects import INTERFACE, DirectoryObject, accounts, bound, find_object, identity, state_owner
from .types import DRS_HANDLE

#: 4.1.28.1.3 DS_SPN_OPERATION.
DS_SPN_ADD_SPN_OP: Final = 0
DS_SPN_REPLACE_SPN_OP: Final = 1
DS_SPN_DELETE_SPN_OP: Final = 2
#: MS-RPCE 2.2.1.1.8: RPC_C_AUTHN_LEVEL_PKT_PRIVACY, the "secure" call of 4.1.2.3.
PKT_PRIVACY: Final = 6

#: servicePrincipalName values written through IDL_DRSWriteSPN, per server and account DN
#: (lower case); NGC keys (msDS-KeyCredentialLink) likewise.  In memory: lost on restart.
_SPNS: weakref.WeakKeyDictionary[Any, dict[str, list[str]]] = weakref.WeakKeyDictionary()
_NGC_KEYS: weakref.WeakKeyDictionary[Any, dict[str, bytes]] = weakref.WeakKeyDictionary()


def written_spns(ctx: CallContext) -> dict[str, list[str]]:
    """{account DN (lower case): its SPNs} as IDL_DRSWriteSPN left them (IDL_DRSCrackNames reads it)."""
    return _SPNS.setdefault(state_owner(ctx), {})


def _account(ctx: CallContext, dn: str | None) -> DirectoryObject | None:
    obj = find_object(ctx, dn=dn or "") if dn else None
    return obj if obj is not None and obj.account is not None else None


def _denied(ctx: CallContext) -> bool:
    return bool(ctx.decide().status)


def _account_refusal(ctx: CallContext, message: dict[str, Any]) -> tuple[DirectoryObject | None, int]:
    """The account ``pwszAccount`` names, or why the call stops there: an unknown account is
    ERROR_DS_OBJ_NOT_FOUND (U), checked before the caller's right (ERROR_DS_DRA_ACCESS_DENIED, U)."""
    target = _account(ctx, message["pwszAccount"])
    if target is None:
        return None, ERROR_DS_OBJ_NOT_FOUND
    if _denied(ctx):
        return None, ERROR_DS_DRA_ACCESS_DENIED
    return target, ERROR_SUCCESS


def _retval_reply(status: int) -> dict[str, Any]:
    """A version-1 reply whose one field, retVal, repeats the status."""
    return {"pdwOutVersion": 1, "pmsgOut": (1, {"retVal": status}), "ReturnValue": status}


@INTERFACE.operation(13, "IDL_DRSWriteSPN",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32), ("pmsgIn", t.DRS_MSG_SPNREQ)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", t.DRS_MSG_SPNREPLY)], returns="WERROR")
def IDL_DRSWriteSPN(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.28.3: add, replace or delete servicePrincipalName values of the account named
    by its DN, as an LDAP modify with the caller's rights would.  Administrators may write any
    account's; a user may write only validated SPNs of its own computer object (the Validated-SPN
    right SELF holds on computer objects, MS-ADTS 3.1.1.5.3.1.1.4) -- on a user object the write
    is refused: ERROR_DS_DRA_ACCESS_DENIED (U: the status).  A version other than 1 ->
    ERROR_DS_DRA_INVALID_PARAMETER; an unknown operation -> ERROR_INVALID_PARAMETER; an account
    DN naming no account -> ERROR_DS_OBJ_NOT_FOUND (U).  retVal repeats the status."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgIn"]
    if request["dwInVersion"] != 1:
        return _retval_reply(ERROR_DS_DRA_INVALID_PARAMETER)
    operation = int(message["operation"])
    if operation not in (DS_SPN_ADD_SPN_OP, DS_SPN_REPLACE_SPN_OP, DS_SPN_DELETE_SPN_OP):
        return _retval_reply(ERROR_INVALID_PARAMETER)
    target, refusal = _account_refusal(ctx, message)
    if target is None:
        return _retval_reply(refusal)
    values = [str(v) for v in (message["rpwszSPN"] or []) if v]
    store = written_spns(ctx)
    current = store.get(target.dn.lower(), [])
    if operation == DS_SPN_ADD_SPN_OP:
        current = current + [v for v in values if v.lower() not in {c.lower() for c in current}]
    elif operation == DS_SPN_REPLACE_SPN_OP:
        current = list(dict.fromkeys(values))
    else:
        current = [c for c in current if c.lower() not in {v.lower() for v in values}]
    store[target.dn.lower()] = current
    return _retval_reply(ERROR_SUCCESS)


def account_by_spn(ctx: CallContext, spn: str) -> DirectoryObject | None:
    """The account whose servicePrincipalName (as written through IDL_DRSWriteSPN) is ``spn``."""
    wanted = spn.strip().lower()
    owners = {dn for dn, values in written_spns(ctx).items() if wanted in (v.lower() for v in values)}
    return next((obj for obj in accounts(ctx) if obj.dn.lower() in owners), None)


@INTERFACE.operation(10, "IDL_DRSInterDomainMove",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", t.DRS_MSG_MOVEREPLY)], returns="WERROR")
def IDL_DRSInterDomainMove(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.15.3: called by the source DC of a cross-domain move on the target DC, with the
    user's Kerberos credentials in pClientCreds; the forest has one domain, so no DC ever calls
    it, and a caller that is not a DC is refused: ERROR_DS_DRA_ACCESS_DENIED for everyone (U).
    Only the V2 request is served from Windows Server 2003 on (4.1.15.1.2: V1 is obsolete):
    another version -> ERROR_DS_DRA_INVALID_PARAMETER.  The message itself is not read."""
    bound(ctx, request["hDrs"])
    status = ERROR_DS_DRA_INVALID_PARAMETER if request["dwInVersion"] != 2 else ERROR_DS_DRA_ACCESS_DENIED
    return {"pdwOutVersion": 2, "pmsgOut": (2, {"win32Error": status, "pAddedName": None}), "ReturnValue": status}


@INTERFACE.operation(14, "IDL_DRSRemoveDsServer",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32), ("pmsgIn", t.DRS_MSG_RMSVRREQ)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", t.DRS_MSG_RMSVRREPLY)], returns="WERROR")
def IDL_DRSRemoveDsServer(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.18.2: ServerDN must name a server object with an nTDSDSA child: any other ->
    ERROR_DS_CANT_FIND_DSA_OBJ; the caller needs the delete right on it (administrators) ->
    else ERROR_DS_DRA_ACCESS_DENIED; with fCommit 0 only the check runs and fLastDcInDomain says
    whether DomainDN (when given) has no other DC: here always true; with fCommit the DC's own
    DSA object is not deleted while the DC runs: ERROR_DS_CANT_DELETE_DSA_OBJ (U)."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgIn"]

    def answer(status: int, last: int = 0) -> dict[str, Any]:
        return {"pdwOutVersion": 1, "pmsgOut": (1, {"fLastDcInDomain": last}), "ReturnValue": status}

    if request["dwInVersion"] != 1:
        return answer(ERROR_DS_DRA_INVALID_PARAMETER)
    me = identity(ctx)
    if (message["ServerDN"] or "").strip().lower() != me.server_dn.lower():
        return answer(ERROR_DS_CANT_FIND_DSA_OBJ)
    if _denied(ctx):
        return answer(ERROR_DS_DRA_ACCESS_DENIED)
    domain = (message["DomainDN"] or "").strip().lower()
    last = int(domain == me.domain_dn.lower())
    if message["fCommit"]:
        return answer(ERROR_DS_CANT_DELETE_DSA_OBJ, last)
    return answer(ERROR_SUCCESS, last)


@INTERFACE.operation(15, "IDL_DRSRemoveDsDomain",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32), ("pmsgIn", t.DRS_MSG_RMDMNREQ)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", t.DRS_MSG_RMDMNREPLY)], returns="WERROR")
def IDL_DRSRemoveDsDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.17.2: removes a domain's crossRef once no DC hosts it.  Deleting a crossRef
    is for Enterprise Admins (administrators here) -> else ERROR_DS_DRA_ACCESS_DENIED; a DN
    naming no domain of the forest -> ERROR_DS_NO_CROSSREF_FOR_NC; the forest's one domain is
    hosted by this DC -> ERROR_DS_NC_STILL_HAS_DSAS (U: the statuses)."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgIn"]

    def answer(status: int) -> dict[str, Any]:
        return {"pdwOutVersion": 1, "pmsgOut": (1, {"Reserved": 0}), "ReturnValue": status}

    if request["dwInVersion"] != 1:
        return answer(ERROR_DS_DRA_INVALID_PARAMETER)
    if _denied(ctx):
        return answer(ERROR_DS_DRA_ACCESS_DENIED)
    if (message["DomainDN"] or "").strip().lower() != identity(ctx).domain_dn.lower():
        return answer(ERROR_DS_NO_CROSSREF_FOR_NC)
    return answer(ERROR_DS_NC_STILL_HAS_DSAS)


@INTERFACE.operation(17, "IDL_DRSAddEntry",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", t.DRS_MSG_ADDENTRYREPLY)], returns="WERROR")
def IDL_DRSAddEntry(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.1.3: adds crossRef and nTDSDSA objects (dcpromo's and the domain naming
    master's work) or modifies objects.  V2 and V3 requests are served (V1 is Windows 2000's:
    the server does not set DRS_EXT_ADDENTRY, 5.39) -> else ERROR_DS_DRA_INVALID_PARAMETER with
    the V2 reply; a caller who is not an administrator -> ERROR_DS_DRA_ACCESS_DENIED (U); an
    administrator's add is not carried out (the emulated directory adds no objects):
    ERROR_DS_DRA_NOT_SUPPORTED (U: not what Windows answers, which would add the object).  The
    message is not read: every answer is decided before it."""
    bound(ctx, request["hDrs"])
    version = int(request["dwInVersion"])
    reply_version = 3 if version == 3 else 2
    reply = ({"pdsErrObject": None, "dwErrVer": 1, "pErrData": None, "cObjectsAdded": 0, "infoList": None}
             if reply_version == 3 else
             {"pErrorObject": None, "errCode": 0, "dsid": 0, "extendedErr": 0, "extendedData": 0, "problem": 0,
              "cObjectsAdded": 0, "infoList": None})
    if version not in (2, 3):
        status = ERROR_DS_DRA_INVALID_PARAMETER
    elif _denied(ctx):
        status = ERROR_DS_DRA_ACCESS_DENIED
    else:
        status = ERROR_DS_DRA_NOT_SUPPORTED
    return {"pdwOutVersion": reply_version, "pmsgOut": (reply_version, reply), "ReturnValue": status}


@INTERFACE.operation(20, "IDL_DRSAddSidHistory",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32), ("pmsgIn", t.DRS_MSG_ADDSIDREQ)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", t.DRS_MSG_ADDSIDREPLY)], returns="WERROR")
def IDL_DRSAddSidHistory(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.2.3 (return values, 4.1.2: 0, ERROR_DS_MUST_RUN_ON_DST_DC or
    ERROR_INVALID_PARAMETER): a version other than 1 -> ERROR_INVALID_PARAMETER;
    DS_ADDSID_FLAG_PRIVATE_CHK_SECURE only checks that the call is secure -- a call sealed with
    packet privacy (MS-RPCE 2.2.1.1.8) succeeds, any other -> ERROR_DS_MUST_BE_RUN_ON_DST_DC;
    a destination domain other than this DC's -> ERROR_DS_MUST_BE_RUN_ON_DST_DC (the method runs
    on a DC of the destination domain, 4.1.2.3); not an administrator -> ERROR_DS_DRA_ACCESS_DENIED
    (U); then the destination domain must audit account management successes and failures,
    which a default domain does not (its DC policy audits successes only) ->
    ERROR_DS_DESTINATION_AUDITING_NOT_ENABLED (U: the order of these checks)."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgIn"]

    def answer(status: int, reply_status: int | None = None) -> dict[str, Any]:
        inner = status if reply_status is None else reply_status
        return {"pdwOutVersion": 1, "pmsgOut": (1, {"dwWin32Error": inner}), "ReturnValue": status}

    if request["dwInVersion"] != 1:
        return answer(ERROR_INVALID_PARAMETER)
    flags = int(message["Flags"])
    if flags & t.DS_ADDSID_FLAG_PRIVATE_CHK_SECURE:
        return answer(ERROR_SUCCESS if ctx.auth_level >= PKT_PRIVACY else ERROR_DS_MUST_BE_RUN_ON_DST_DC)
    me = identity(ctx)
    destination = (message["DstDomain"] or "").strip().rstrip(".").lower()
    if destination not in (me.domain_flat.lower(), me.domain_dns.lower()):
        return answer(ERROR_DS_MUST_BE_RUN_ON_DST_DC)
    if _denied(ctx):
        return answer(ERROR_DS_DRA_ACCESS_DENIED)
    return answer(ERROR_DS_DESTINATION_AUDITING_NOT_ENABLED)


def _demotion(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 5.212 ValidateDRSDemotionInput: on AD DS (not AD LDS) opnums 25 and 27 MUST and
    26 SHOULD raise the exception ERROR_INVALID_PARAMETER -- a fault with that status, after
    the context handle is checked."""
    bound(ctx, request["hDrs"])
    raise RpcFault(ERROR_INVALID_PARAMETER, "drsuapi: the AD LDS demotion calls are refused on AD DS (5.212)")


@INTERFACE.operation(25, "IDL_DRSInitDemotion", request=[("hDrs", DRS_HANDLE)], returns="WERROR")
def IDL_DRSInitDemotion(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.14 / 5.212 (see ``_demotion``)."""
    return _demotion(ctx, request)


@INTERFACE.operation(26, "IDL_DRSReplicaDemotion", request=[("hDrs", DRS_HANDLE)], returns="WERROR")
def IDL_DRSReplicaDemotion(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.21 / 5.212 (see ``_demotion``)."""
    return _demotion(ctx, request)


@INTERFACE.operation(27, "IDL_DRSFinishDemotion", request=[("hDrs", DRS_HANDLE)], returns="WERROR")
def IDL_DRSFinishDemotion(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.7 / 5.212 (see ``_demotion``)."""
    return _demotion(ctx, request)


@INTERFACE.operation(28, "IDL_DRSAddCloneDC",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32), ("pmsgIn", t.DRS_MSG_ADDCLONEDCREQ)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", t.DRS_MSG_ADDCLONEDCREPLY)], returns="WERROR")
def IDL_DRSAddCloneDC(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.31.2: creates the objects of a cloned DC; the caller must hold the
    DS-Clone-Domain-Controller control access right on the domain NC, which a default domain
    grants to the Cloneable Domain Controllers group only (MS-ADTS 6.1.1.6.x) -- no caller here is
    a DC of that group: ERROR_DS_DRA_ACCESS_DENIED for everyone (U: the status); a version
    other than 1 -> ERROR_DS_DRA_INVALID_PARAMETER."""
    bound(ctx, request["hDrs"])
    status = ERROR_DS_DRA_INVALID_PARAMETER if request["dwInVersion"] != 1 else ERROR_DS_DRA_ACCESS_DENIED
    reply = {"pwszCloneDCName": None, "pwszSite": None, "cPasswordLength": 0, "pwsNewDCAccountPassword": None}
    return {"pdwOutVersion": 1, "pmsgOut": (1, reply), "ReturnValue": status}


@INTERFACE.operation(29, "IDL_DRSWriteNgcKey",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32), ("pmsgIn", t.DRS_MSG_WRITENGCKEYREQ)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", t.DRS_MSG_WRITENGCKEYREPLY)], returns="WERROR")
def IDL_DRSWriteNgcKey(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.29.2: writes a Windows Hello (NGC) public key to the account's
    msDS-KeyCredentialLink.  Administrators may (kept in memory, read back by IDL_DRSReadNgcKey);
    others are refused ERROR_DS_DRA_ACCESS_DENIED (U); an unknown account ->
    ERROR_DS_OBJ_NOT_FOUND (U); a version other than 1 -> ERROR_DS_DRA_INVALID_PARAMETER."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgIn"]
    if request["dwInVersion"] != 1:
        return _retval_reply(ERROR_DS_DRA_INVALID_PARAMETER)
    target, refusal = _account_refusal(ctx, message)
    if target is None:
        return _retval_reply(refusal)
    _NGC_KEYS.setdefault(state_owner(ctx), {})[target.dn.lower()] = bytes(message["pNgcKey"] or b"")
    return _retval_reply(ERROR_SUCCESS)


@INTERFACE.operation(30, "IDL_DRSReadNgcKey",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32), ("pmsgIn", t.DRS_MSG_READNGCKEYREQ)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", t.DRS_MSG_READNGCKEYREPLY)], returns="WERROR")
def IDL_DRSReadNgcKey(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.30.2: the account's NGC key, to administrators (others:
    ERROR_DS_DRA_ACCESS_DENIED, U); none written -> an empty key; an unknown account ->
    ERROR_DS_OBJ_NOT_FOUND (U)."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgIn"]

    def answer(status: int, key: bytes = b"") -> dict[str, Any]:
        return {"pdwOutVersion": 1, "pmsgOut": (1, {"retVal": status, "cNgcKey": len(key), "pNgcKey": key or None}),
                "ReturnValue": status}

    if request["dwInVersion"] != 1:
        return answer(ERROR_DS_DRA_INVALID_PARAMETER)
    target, refusal = _account_refusal(ctx, message)
    if target is None:
        return answer(refusal)
    return answer(ERROR_SUCCESS, _NGC_KEYS.get(state_owner(ctx), {}).get(target.dn.lower(), b""))
