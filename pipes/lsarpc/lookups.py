"""lsarpc translation (MS-LSAT 3.1.4): LsarLookupSids / 2 / 3 (3.1.4.9-11), LsarLookupNames /
2 / 3 / 4 (3.1.4.5-8) and LsarGetUserName (3.1.4.4), with the referenced-domain list they
share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, NamedTuple

from smbemu.errors import RpcFault
from smbemu.policy.access import POLICY_LOOKUP_NAMES
from smbemu.rpc import CallContext, PrincipalKind
from smbemu.rpc.ndr import (
    ConformantArray,
    NdrType,
    Pointer,
    RpcUnicodeString,
    Struct,
    WString,
    enum16,
    uint32,
    unicode_string_nul_room,
)
from smbemu.sid import SidNameUse
from smbemu.status import (
    FAULT_ACCESS_DENIED,
    RPC_X_INVALID_BOUND,
    STATUS_INVALID_PARAMETER,
    STATUS_NONE_MAPPED,
    STATUS_SOME_NOT_MAPPED,
    STATUS_SUCCESS,
)

from .objects import INTERFACE, check_call, error_response
from .types import (
    LOOKUP_LEVELS,
    LSAPR_HANDLE,
    LSAPR_SID_ENUM_BUFFER,
    LSAPR_TRANSLATED_NAMES,
    LSAPR_TRANSLATED_NAMES_EX,
    LSAPR_TRANSLATED_SIDS,
    LSAPR_TRANSLATED_SIDS_EX,
    LSAPR_TRANSLATED_SIDS_EX2,
    MAX_LOOKUP_NAMES,
    MAX_LOOKUP_SIDS,
    P_REFERENCED_DOMAINS,
    P_UNICODE_STRING,
    PULONG,
    REFERENCED_DOMAINS_MAX,
)


# -------------------------------------------------------------------------------------------
# Translation: LsarLookupSids (15) / 2 (57) / 3 (76), LsarLookupNames (14) / 2 (58) / 3 (68)
# / 4 (77)
# -------------------------------------------------------------------------------------------


class _Domains:
    """The LSAPR_REFERENCED_DOMAIN_LIST being built: each domain once, in first-use order."""

    __slots__ = ("entries", "_index")

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self._index: dict[str, int] = {}

    def add(self, name: str, sid: str) -> int:
        index = self._index.get(sid)
        if index is None:
            index = self._index[sid] = len(self.entries)
            # MaximumLength = Length + 2, as Windows sends the referenced domain names
            # (ndr.unicode_string_nul_room; the empty name of S-1-1 stays 0 / 0)
            self.entries.append({"Name": unicode_string_nul_room(name), "Sid": sid})
        return index

    def value(self) -> dict[str, Any]:
        return {"Entries": len(self.entries), "Domains": self.entries,
                "MaxEntries": REFERENCED_DOMAINS_MAX}


class Translation(NamedTuple):
    """One translated entry: SID_NAME_USE, isolated name, full SID, index in the domain list."""

    use: int
    name: str
    sid: str
    domain_index: int


def _known_domains(directory: Any) -> dict[str, str]:
    """SID -> name of the domains this machine can name an unknown account in."""
    known = {"S-1-5-32": "BUILTIN", "S-1-5": "NT AUTHORITY",
             str(directory.account_domain.sid): directory.account_domain.name}
    primary = directory.primary_domain
    if primary.sid is not None:
        known.setdefault(str(primary.sid), primary.name)
    return known


def translate_sid(directory: Any, sid_text: str, domains: _Domains) -> Translation:
    """MS-LSAT 3.1.4.11: one SID to its name, its domain added to ``domains``.

    A SID that does not translate keeps SidTypeUnknown.  When the machine knows its domain,
    the domain is listed and the name is the RID in eight upper-case hex digits; otherwise the
    name is the SID's string form and DomainIndex -1 (Samba's lookup rewrite modelled on
    Windows traces, W; MS-LSAT leaves the fields of unmapped entries undefined)."""
    sid_class = type(directory.account_domain.sid)
    try:
        sid = sid_class.parse(sid_text)
    except ValueError:
        return Translation(SidNameUse.UNKNOWN, sid_text, sid_text, -1)
    found = directory.lookup_sid(sid)
    if found is None:
        if not sid.sub_authorities:
            return Translation(SidNameUse.UNKNOWN, sid_text, sid_text, -1)
        dom_sid = str(sid.domain)
        dom_name = _known_domains(directory).get(dom_sid)
        if dom_name is None:
            return Translation(SidNameUse.UNKNOWN, sid_text, sid_text, -1)
        return Translation(SidNameUse.UNKNOWN, f"{sid.rid:08X}", sid_text,
                           domains.add(dom_name, dom_sid))
    use = int(found.sid_type)
    if use == SidNameUse.DOMAIN or not sid.sub_authorities:
        index = domains.add(found.domain_name, sid_text)
    else:
        index = domains.add(found.domain_name, str(sid.domain))
    return Translation(use, found.name, sid_text, index)


def _domain_by_dns_name(directory: Any, name: str) -> str | None:
    """The NetBIOS name of the primary domain when ``name`` is its DNS name, alone or followed
    by a backslash (``corp.local``, ``corp.local\\``): MS-LSAT 3.1.4.5 accepts a domain in
    either form, and Samba's rpc.lsa, written against a Windows DC, expects both to translate to
    the domain.  None for any other name."""
    dns_name = directory.primary_domain.dns_name
    if dns_name and name.rstrip("\\").lower() == dns_name.lower() and name.count("\\") <= 1:
        return str(directory.primary_domain.name)
    return None


def translate_name(directory: Any, name: str, domains: _Domains) -> Translation:
    """MS-LSAT 3.1.4.8: one name (isolated, ``DOMAIN\\name`` or ``name@dns``) to its SID.

    An empty name translates to the BUILTIN domain (Windows Server 2008 behaviour, as Samba
    records it; W).  A domain name, NetBIOS or DNS, translates to the domain (SidTypeDomain, RID
    0xFFFFFFFF)."""
    found = directory.lookup_name(_domain_by_dns_name(directory, name) or name or "BUILTIN")
    if found is None:
        return Translation(SidNameUse.UNKNOWN, name, "", -1)
    use = int(found.sid_type)
    sid = found.sid
    if use == SidNameUse.DOMAIN or not sid.sub_authorities:
        index = domains.add(found.domain_name, str(sid))
    else:
        index = domains.add(found.domain_name, str(sid.domain))
    return Translation(use, name, str(sid), index)


def _lookup_status(mapped: int, total: int) -> int:
    if mapped == total:
        return STATUS_SUCCESS
    return STATUS_NONE_MAPPED if mapped == 0 else STATUS_SOME_NOT_MAPPED


def _lookup_sids(ctx: CallContext, request: dict[str, Any], operation: str,
                 entry: Callable[[Translation], dict[str, Any]],
                 handle: bool = True) -> dict[str, Any]:
    buffer = request["SidEnumBuffer"]
    sid_infos = buffer["SidInfo"] or []
    if buffer["Entries"] > MAX_LOOKUP_SIDS:
        raise RpcFault(RPC_X_INVALID_BOUND, "SidEnumBuffer.Entries outside range(0, 20480)")
    empty = {"Entries": 0, "Names": None}
    if handle:
        status = check_call(ctx, request["PolicyHandle"], POLICY_LOOKUP_NAMES, operation)
        if status:
            return error_response(ctx, status, TranslatedNames=empty, MappedCount=0)
    if request["LookupLevel"] not in LOOKUP_LEVELS or len(sid_infos) != buffer["Entries"] \
            or any(info["Sid"] is None for info in sid_infos):
        # MS-LSAT 3.1.4.11: a NULL SID or an unknown level are invalid parameters. No SIDs at all
        # is a valid LSAPR_SID_ENUM_BUFFER (2.2.18: "If Entries is 0, [SidInfo] MUST be
        # ignored") and is answered with nothing mapped and STATUS_SUCCESS: nmap's
        # smb-enum-groups looks up the members of every group, empty ones too, and completes
        # against Windows.
        return error_response(ctx, STATUS_INVALID_PARAMETER, TranslatedNames=empty, MappedCount=0)
    directory = ctx.server.directory
    domains = _Domains()
    names = [translate_sid(directory, info["Sid"], domains) for info in sid_infos]
    mapped = sum(1 for t in names if t.use != SidNameUse.UNKNOWN)
    return {"ReferencedDomains": domains.value(),
            "TranslatedNames": {"Entries": len(names), "Names": [entry(t) for t in names]},
            "MappedCount": mapped, "ReturnValue": _lookup_status(mapped, len(names))}


def _entry_name(t: Translation) -> dict[str, Any]:
    return {"Use": t.use, "Name": t.name, "DomainIndex": t.domain_index}


def _entry_name_ex(t: Translation) -> dict[str, Any]:
    return {"Use": t.use, "Name": t.name, "DomainIndex": t.domain_index, "Flags": 0}


_SIDS_OUT: Final = (("ReferencedDomains", P_REFERENCED_DOMAINS),)


@INTERFACE.operation(15, "LsarLookupSids",
                     request=[("PolicyHandle", LSAPR_HANDLE),
                              ("SidEnumBuffer", Pointer(LSAPR_SID_ENUM_BUFFER, "ref")),
                              ("TranslatedNames", Pointer(LSAPR_TRANSLATED_NAMES, "ref")),
                              ("LookupLevel", enum16), ("MappedCount", PULONG)],
                     response=[*_SIDS_OUT,
                               ("TranslatedNames", Pointer(LSAPR_TRANSLATED_NAMES, "ref")),
                               ("MappedCount", PULONG)])
def LsarLookupSids(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAT 3.1.4.11: SIDs to names (needs POLICY_LOOKUP_NAMES on the handle)."""
    return _lookup_sids(ctx, request, "LsarLookupSids", _entry_name)


_SIDS2_IN: Final = (("SidEnumBuffer", Pointer(LSAPR_SID_ENUM_BUFFER, "ref")),
                    ("TranslatedNames", Pointer(LSAPR_TRANSLATED_NAMES_EX, "ref")),
                    ("LookupLevel", enum16), ("MappedCount", PULONG),
                    ("LookupOptions", uint32), ("ClientRevision", uint32))
_SIDS2_OUT: Final = (*_SIDS_OUT, ("TranslatedNames", Pointer(LSAPR_TRANSLATED_NAMES_EX, "ref")),
                     ("MappedCount", PULONG))


@INTERFACE.operation(57, "LsarLookupSids2",
                     request=[("PolicyHandle", LSAPR_HANDLE), *_SIDS2_IN], response=_SIDS2_OUT)
def LsarLookupSids2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAT 3.1.4.10: as LsarLookupSids with LSAPR_TRANSLATED_NAME_EX (Flags 0)."""
    return _lookup_sids(ctx, request, "LsarLookupSids2", _entry_name_ex)


@INTERFACE.operation(76, "LsarLookupSids3", request=_SIDS2_IN, response=_SIDS2_OUT)
def LsarLookupSids3(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAT 3.1.4.9: TCP/IP and a Netlogon secure channel only (see the package docstring)."""
    raise RpcFault(FAULT_ACCESS_DENIED, "LsarLookupSids3 needs ncacn_ip_tcp with Netlogon auth")


def _lookup_names(ctx: CallContext, request: dict[str, Any], operation: str,
                  entry: Callable[[Translation], dict[str, Any]],
                  handle: bool = True) -> dict[str, Any]:
    names = request["Names"]
    if request["Count"] > MAX_LOOKUP_NAMES:
        raise RpcFault(RPC_X_INVALID_BOUND, "Count outside range(0, 1000)")
    empty = {"Entries": 0, "Sids": None}
    if handle:
        status = check_call(ctx, request["PolicyHandle"], POLICY_LOOKUP_NAMES, operation)
        if status:
            return error_response(ctx, status, TranslatedSids=empty, MappedCount=0)
    if request["LookupLevel"] not in LOOKUP_LEVELS or not names:
        # MS-LSAT 3.1.4.8: no names or an unknown level are invalid parameters (U for 0 names)
        return error_response(ctx, STATUS_INVALID_PARAMETER, TranslatedSids=empty, MappedCount=0)
    directory = ctx.server.directory
    domains = _Domains()
    sids = [translate_name(directory, name, domains) for name in names]
    mapped = sum(1 for t in sids if t.use != SidNameUse.UNKNOWN)
    return {"ReferencedDomains": domains.value(),
            "TranslatedSids": {"Entries": len(sids), "Sids": [entry(t) for t in sids]},
            "MappedCount": mapped, "ReturnValue": _lookup_status(mapped, len(sids))}


def _rid(t: Translation) -> int:
    if t.use == SidNameUse.UNKNOWN:
        return 0
    if t.use == SidNameUse.DOMAIN or t.sid.count("-") < 3:
        return 0xFFFFFFFF
    return int(t.sid.rsplit("-", 1)[1])


def _entry_sid(t: Translation) -> dict[str, Any]:
    return {"Use": t.use, "RelativeId": _rid(t), "DomainIndex": t.domain_index}


def _entry_sid_ex(t: Translation) -> dict[str, Any]:
    return {"Use": t.use, "RelativeId": _rid(t), "DomainIndex": t.domain_index, "Flags": 0}


def _entry_sid_ex2(t: Translation) -> dict[str, Any]:
    # an untranslated name carries the empty SID S-0-0 (the field is [ref]; Samba, W)
    return {"Use": t.use, "Sid": t.sid or "S-0-0", "DomainIndex": t.domain_index, "Flags": 0}


_NAMES_IN: Final = (("Count", uint32), ("Names", ConformantArray(RpcUnicodeString)))


def _names_ops(sids_type: Struct, extra: bool) -> tuple[list[tuple[str, NdrType]],
                                                         list[tuple[str, NdrType]]]:
    request: list[tuple[str, NdrType]] = [
        *_NAMES_IN, ("TranslatedSids", Pointer(sids_type, "ref")), ("LookupLevel", enum16),
        ("MappedCount", PULONG)]
    if extra:
        request += [("LookupOptions", uint32), ("ClientRevision", uint32)]
    response: list[tuple[str, NdrType]] = [
        *_SIDS_OUT, ("TranslatedSids", Pointer(sids_type, "ref")), ("MappedCount", PULONG)]
    return request, response


_N1_IN, _N1_OUT = _names_ops(LSAPR_TRANSLATED_SIDS, False)
_N2_IN, _N2_OUT = _names_ops(LSAPR_TRANSLATED_SIDS_EX, True)
_N3_IN, _N3_OUT = _names_ops(LSAPR_TRANSLATED_SIDS_EX2, True)


@INTERFACE.operation(14, "LsarLookupNames", request=[("PolicyHandle", LSAPR_HANDLE), *_N1_IN],
                     response=_N1_OUT)
def LsarLookupNames(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAT 3.1.4.8: names to SIDs (domain-relative RIDs)."""
    return _lookup_names(ctx, request, "LsarLookupNames", _entry_sid)


@INTERFACE.operation(58, "LsarLookupNames2", request=[("PolicyHandle", LSAPR_HANDLE), *_N2_IN],
                     response=_N2_OUT)
def LsarLookupNames2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAT 3.1.4.7: as LsarLookupNames with LSAPR_TRANSLATED_SID_EX (Flags 0)."""
    return _lookup_names(ctx, request, "LsarLookupNames2", _entry_sid_ex)


@INTERFACE.operation(68, "LsarLookupNames3", request=[("PolicyHandle", LSAPR_HANDLE), *_N3_IN],
                     response=_N3_OUT)
def LsarLookupNames3(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAT 3.1.4.6: as LsarLookupNames2 with full SIDs (LSAPR_TRANSLATED_SID_EX2)."""
    return _lookup_names(ctx, request, "LsarLookupNames3", _entry_sid_ex2)


@INTERFACE.operation(77, "LsarLookupNames4", request=_N3_IN, response=_N3_OUT)
def LsarLookupNames4(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAT 3.1.4.5: TCP/IP and a Netlogon secure channel only (see the package docstring)."""
    raise RpcFault(FAULT_ACCESS_DENIED, "LsarLookupNames4 needs ncacn_ip_tcp with Netlogon auth")


# -------------------------------------------------------------------------------------------
# LsarGetUserName (45)
# -------------------------------------------------------------------------------------------


def user_name(ctx: CallContext) -> tuple[str, str]:
    """(account, authority) of the caller as LSA names it: ANONYMOUS LOGON / NT AUTHORITY for
    the null session, else the account and the domain that holds it (the account domain: the
    machine on a member or standalone server, the domain on a DC)."""
    if ctx.principal.kind == PrincipalKind.ANONYMOUS:
        return "ANONYMOUS LOGON", "NT AUTHORITY"
    directory = ctx.server.directory
    name = ctx.principal.user_name
    user = directory.find_user(name)
    if user is not None:
        return user.name, directory.account_domain.name
    return name, ctx.principal.domain or directory.account_domain.name


@INTERFACE.operation(45, "LsarGetUserName",
                     # [in, out, unique] PRPC_UNICODE_STRING* DomainName: callers send a
                     # non-NULL pointer to a NULL one to ask for the domain; the [in] side is
                     # read as the outer pointer and the inner referent id (what follows it,
                     # if anything, is ignored)
                     request=[("SystemName", WString), ("UserName", P_UNICODE_STRING),
                              ("DomainName", Pointer(uint32))],
                     response=[("UserName", P_UNICODE_STRING),
                               ("DomainName", Pointer(P_UNICODE_STRING))])
def LsarGetUserName(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAT 3.1.4.4: the caller's name, and its domain when DomainName is not NULL."""
    status = ctx.decide("LsarGetUserName").status
    if status:
        return {"UserName": None, "DomainName": None, "ReturnValue": status}
    account, authority = user_name(ctx)
    domain = authority if request["DomainName"] is not None else None
    return {"UserName": account, "DomainName": domain, "ReturnValue": STATUS_SUCCESS}
