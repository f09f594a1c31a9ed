"""Name translation: IDL_DRSCrackNames (12, MS-DRSR 4.1.4) and IDL_DRSVerifyNames (8, 4.1.27).

IDL_DRSCrackNames translates each name from ``formatOffered`` to ``formatDesired`` (4.1.4.3):
the call succeeds (0) and each result item carries its own DS_NAME_ERROR status
(4.1.4.1.4): DS_NAME_ERROR_NOT_FOUND when no object has that name, DS_NAME_ERROR_NO_MAPPING
when the object has no name in the desired format (a display name it lacks), and
DS_NAME_ERROR_RESOLVING for an offered format the server does not translate.  pDomain is the
DNS name of the object's domain (4.1.4.1.4).  The special "list" formats answer the lists
4.1.4.2 (the CrackNames procedures) describe: DS_LIST_ROLES the five FSMO role owners (all this DC's nTDSDSA object: the
forest's only DC holds every role), DS_LIST_SITES the one site, DS_LIST_DOMAINS and DS_LIST_NCS
the domain and configuration NCs.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import uint32
from smbemu.sid import Sid
from smbemu.status import ERROR_INVALID_PARAMETER, ERROR_SUCCESS

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
)
from .replication import entinf, requested_oids
from .secrets import SECRET_OIDS, server_prefix_table
from .types import (
    DRS_HANDLE,
    DRS_MSG_CRACKREPLY,
    DRS_MSG_CRACKREQ,
    DRS_MSG_VERIFYREPLY,
    DRS_MSG_VERIFYREQ,
    DRS_VERIFY_DSNAMES,
    DRS_VERIFY_SAM_ACCOUNT_NAMES,
    DRS_VERIFY_SIDS,
    DS_CANONICAL_NAME,
    DS_CANONICAL_NAME_EX,
    DS_DISPLAY_NAME,
    DS_FQDN_1779_NAME,
    DS_LIST_DOMAINS,
    DS_LIST_NCS,
    DS_LIST_ROLES,
    DS_LIST_SITES,
    DS_NAME_ERROR_NO_MAPPING,
    DS_NAME_ERROR_NOT_FOUND,
    DS_NAME_ERROR_RESOLVING,
    DS_NAME_NO_ERROR,
    DS_NT4_ACCOUNT_NAME,
    DS_NT4_ACCOUNT_NAME_SANS_DOMAIN,
    DS_SERVICE_PRINCIPAL_NAME,
    DS_SID_OR_SID_HISTORY_NAME,
    DS_STRING_SID_NAME,
    DS_UNIQUE_ID_NAME,
    DS_UNKNOWN_NAME,
    DS_USER_PRINCIPAL_NAME,
    DS_USER_PRINCIPAL_NAME_FOR_LOGON,
)

#: The offered formats tried, in this order, for DS_UNKNOWN_NAME (4.1.4.2: the server
#: attempts each format in turn).
_GUESS_ORDER: Final = (DS_FQDN_1779_NAME, DS_USER_PRINCIPAL_NAME, DS_NT4_ACCOUNT_NAME,
                       DS_CANONICAL_NAME, DS_UNIQUE_ID_NAME, DS_SID_OR_SID_HISTORY_NAME)
#: 4.1.4.1.2: at most this many names per call (``[range(1,10000)] cNames``).
MAX_NAMES: Final = 10000


def _account_name(obj: DirectoryObject) -> str | None:
    return getattr(obj.account, "name", None)


def _canonical(me: DsaIdentity, obj: DirectoryObject) -> str:
    """MS-DRSR 4.1.4.2 canonical name: the domain's DNS name, then the RDN values from the
    top down, separated by '/'."""
    dn = obj.dn
    parts = [p.split("=", 1)[1] for p in _split_dn(dn) if not p.upper().startswith("DC=")]
    dns = ".".join(p.split("=", 1)[1] for p in _split_dn(dn) if p.upper().startswith("DC="))
    return "/".join([dns or me.domain_dns, *reversed(parts)]) if parts else (dns or me.domain_dns) + "/"


def _split_dn(dn: str) -> list[str]:
    out, current, escaped = [], "", False
    for ch in dn:
        if escaped:
            current += ch
            escaped = False
        elif ch == "\\":
            current += ch
            escaped = True
        elif ch == ",":
            out.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        out.append(current.strip())
    return out


def _upn(me: DsaIdentity, obj: DirectoryObject) -> str | None:
    """userPrincipalName: ``<sAMAccountName>@<DNS domain>`` for users (the value Active
    Directory Users and Computers sets; U: accounts created through SAM carry none), none for
    groups and configuration objects."""
    name = _account_name(obj)
    if name is None or not hasattr(obj.account, "nt_hash"):
        return None
    return f"{name}@{me.domain_dns}"


def find_by_format(ctx: CallContext, me: DsaIdentity, fmt: int, name: str) -> DirectoryObject | None:
    directory = ctx.server.directory
    text = name.strip()
    if fmt == DS_UNKNOWN_NAME:
        for guess in _GUESS_ORDER:
            found = find_by_format(ctx, me, guess, text)
            if found is not None:
                return found
        return None
    if fmt == DS_FQDN_1779_NAME:
        return find_object(ctx, dn=text)
    if fmt in (DS_NT4_ACCOUNT_NAME, DS_NT4_ACCOUNT_NAME_SANS_DOMAIN):
        if fmt == DS_NT4_ACCOUNT_NAME:
            domain, sep, account = text.partition("\\")
            if not sep or domain.lower() not in (me.domain_flat.lower(), me.domain_dns.lower()):
                return None
            if not account:
                return find_object(ctx, dn=me.domain_dn)
            text = account
        account_obj = directory.account_domain.by_name(text)
        return find_object(ctx, sid=account_obj.sid) if account_obj is not None else None
    if fmt == DS_UNIQUE_ID_NAME:
        try:
            return find_object(ctx, guid=uuid.UUID(text.strip("{}")))
        except ValueError:
            return None
    if fmt in (DS_SID_OR_SID_HISTORY_NAME, DS_STRING_SID_NAME):
        try:
            return find_object(ctx, sid=Sid.parse(text))
        except ValueError:
            return None
    if fmt in (DS_USER_PRINCIPAL_NAME, DS_USER_PRINCIPAL_NAME_FOR_LOGON):
        account, sep, dns = text.rpartition("@")
        if not sep or dns.lower() != me.domain_dns.lower():
            return None
        return find_by_format(ctx, me, DS_NT4_ACCOUNT_NAME_SANS_DOMAIN, account)
    if fmt in (DS_CANONICAL_NAME, DS_CANONICAL_NAME_EX):
        wanted = text.replace("\n", "/").rstrip("/").lower()
        for obj in (domain_object(me), *configuration_objects(me), *accounts(ctx)):
            if _canonical(me, obj).rstrip("/").lower() == wanted:
                return obj
        return None
    if fmt == DS_SERVICE_PRINCIPAL_NAME:
        # the servicePrincipalName values IDL_DRSWriteSPN wrote (4.1.4.2: an SPN names its account)
        from .writes import account_by_spn

        return account_by_spn(ctx, text)
    if fmt == DS_DISPLAY_NAME:
        matches = [u for u in directory.account_domain.users if u.full_name and u.full_name.lower() == text.lower()]
        return find_object(ctx, sid=matches[0].sid) if len(matches) == 1 else None
    return None


def render(me: DsaIdentity, obj: DirectoryObject, fmt: int) -> str | None:
    """The object's name in ``fmt``, or None when it has none (DS_NAME_ERROR_NO_MAPPING)."""
    if fmt == DS_FQDN_1779_NAME:
        return obj.dn
    if fmt == DS_UNIQUE_ID_NAME:
        return "{" + str(obj.guid) + "}"
    if fmt in (DS_NT4_ACCOUNT_NAME, DS_NT4_ACCOUNT_NAME_SANS_DOMAIN):
        name = _account_name(obj)
        if name is None:
            return f"{me.domain_flat}\\" if obj.dn == me.domain_dn else None
        return name if fmt == DS_NT4_ACCOUNT_NAME_SANS_DOMAIN else f"{me.domain_flat}\\{name}"
    if fmt in (DS_SID_OR_SID_HISTORY_NAME, DS_STRING_SID_NAME):
        return str(obj.sid) if obj.sid is not None else None
    if fmt in (DS_USER_PRINCIPAL_NAME, DS_USER_PRINCIPAL_NAME_FOR_LOGON):
        return _upn(me, obj)
    if fmt == DS_CANONICAL_NAME:
        return _canonical(me, obj)
    if fmt == DS_CANONICAL_NAME_EX:
        canonical = _canonical(me, obj)
        head, _, tail = canonical.rpartition("/")
        return f"{head}\n{tail}"
    if fmt == DS_DISPLAY_NAME:
        return getattr(obj.account, "full_name", "") or None
    return None


def _list(ctx: CallContext, me: DsaIdentity, fmt: int) -> list[dict[str, Any]] | None:
    values: list[str]
    if fmt == DS_LIST_ROLES:
        values = [me.ntds_dn] * 5  # schema, naming, PDC, RID, infrastructure (4.1.4.2 ListRoles)
    elif fmt == DS_LIST_SITES:
        values = [me.site_dn]
    elif fmt == DS_LIST_DOMAINS:
        values = [me.domain_dn]
    elif fmt == DS_LIST_NCS:
        values = [me.domain_dn, me.configuration_dn, f"CN=Schema,{me.configuration_dn}"]
    else:
        return None
    return [{"status": DS_NAME_NO_ERROR, "pDomain": None, "pName": v} for v in values]


def crack(ctx: CallContext, offered: int, desired: int, names: list[str]) -> list[dict[str, Any]]:
    me = identity(ctx)
    listed = _list(ctx, me, offered)
    if listed is not None:
        return listed
    items: list[dict[str, Any]] = []
    for name in names:
        obj = find_by_format(ctx, me, offered, name or "")
        if obj is None:
            known = offered in (*_GUESS_ORDER, DS_UNKNOWN_NAME, DS_NT4_ACCOUNT_NAME_SANS_DOMAIN,
                                DS_STRING_SID_NAME, DS_USER_PRINCIPAL_NAME_FOR_LOGON,
                                DS_CANONICAL_NAME_EX, DS_DISPLAY_NAME, DS_SERVICE_PRINCIPAL_NAME)
            items.append({"status": DS_NAME_ERROR_NOT_FOUND if known else DS_NAME_ERROR_RESOLVING,
                          "pDomain": None, "pName": None})
            continue
        value = render(me, obj, desired)
        if value is None:
            items.append({"status": DS_NAME_ERROR_NO_MAPPING, "pDomain": me.domain_dns, "pName": None})
        else:
            items.append({"status": DS_NAME_NO_ERROR, "pDomain": me.domain_dns, "pName": value})
    return items


@INTERFACE.operation(12, "IDL_DRSCrackNames",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32), ("pmsgIn", DRS_MSG_CRACKREQ)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", DRS_MSG_CRACKREPLY)], returns="WERROR")
def IDL_DRSCrackNames(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.4.3 (see the module docstring)."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgIn"]
    names = list(message["rpNames"] or [])
    if request["dwInVersion"] != 1 or not 1 <= len(names) <= MAX_NAMES:
        return {"pdwOutVersion": 1, "pmsgOut": (1, {"pResult": None}), "ReturnValue": ERROR_INVALID_PARAMETER}
    items = crack(ctx, int(message["formatOffered"]), int(message["formatDesired"]), names)
    return {"pdwOutVersion": 1, "pmsgOut": (1, {"pResult": {"cItems": len(items), "rItems": items}}),
            "ReturnValue": ERROR_SUCCESS}


_EMPTY_PREFIX_TABLE: Final = {"PrefixCount": 0, "pPrefixEntry": None}


@INTERFACE.operation(8, "IDL_DRSVerifyNames",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32), ("pmsgIn", DRS_MSG_VERIFYREQ)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", DRS_MSG_VERIFYREPLY)], returns="WERROR")
def IDL_DRSVerifyNames(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.27 (server behavior): for each DSNAME, the object it names (by DSNAME, SID or
    sAMAccountName per dwFlags) as an ENTINF, or an ENTINF with a NULL pName when there is none;
    ``error`` 0.  The attributes RequiredAttrs names (their ATTRTYPs read through the request's
    PrefixTable, 5.16.4) come back with each found object, under the server's prefix table;
    secret attributes never do (MS-DRSR 4.1.27 returns only what the caller may read, and secrets are
    not readable).  Foreign security principals (DRS_VERIFY_FPOS) are never found: the fixture
    has none."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgIn"]
    names = list(message["rpNames"] or [])
    if request["dwInVersion"] != 1 or not 1 <= len(names) <= MAX_NAMES:
        return {"pdwOutVersion": 1, "pmsgOut": (1, {"error": 0, "cNames": 0, "rpEntInf": None,
                                                    "PrefixTable": _EMPTY_PREFIX_TABLE}),
                "ReturnValue": ERROR_INVALID_PARAMETER}
    flags = int(message["dwFlags"])
    me = identity(ctx)
    asked = [int(a["attrTyp"]) for a in (message["RequiredAttrs"].get("pAttr") or [])]
    wanted = tuple(oid for oid in requested_oids({"pPartialAttrSet": {"rgPartialAttr": asked},
                                                  "PrefixTableDest": message["PrefixTable"]})
                   if oid not in SECRET_OIDS) if asked else ()
    prefixes, prefix_entries = server_prefix_table()
    entries = []
    for value in names:
        obj = None
        if value is not None:
            text, guid, sid = dsname_parts(value)
            if flags == DRS_VERIFY_DSNAMES:
                obj = find_object(ctx, dn=text, guid=guid, sid=sid)
            elif flags == DRS_VERIFY_SIDS and sid is not None:
                obj = find_object(ctx, sid=sid)
            elif flags == DRS_VERIFY_SAM_ACCOUNT_NAMES:
                obj = find_by_format(ctx, me, DS_NT4_ACCOUNT_NAME_SANS_DOMAIN, text)
        if obj is None:
            entries.append({"pName": None, "ulFlags": 0, "AttrBlock": {"attrCount": 0, "pAttr": None}})
        else:
            entries.append(entinf(ctx, me, obj, wanted, prefixes)[0])
    table = {"PrefixCount": len(prefix_entries), "pPrefixEntry": prefix_entries} if wanted else _EMPTY_PREFIX_TABLE
    return {"pdwOutVersion": 1, "pmsgOut": (1, {"error": 0, "cNames": len(entries), "rpEntInf": entries,
                                                "PrefixTable": table}),
            "ReturnValue": ERROR_SUCCESS}
