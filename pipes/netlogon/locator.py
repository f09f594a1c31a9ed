"""netlogon DC location and trusts (MS-NRPC 3.5.4.3, 3.5.4.7): NetrGetDCName, NetrGetAnyDCName,
DsrGetDcName / Ex / Ex2, DsrGetSiteName, NetrEnumerateTrustedDomains / Ex and
DsrEnumerateDomainTrusts, answered per the profile's role."""

from __future__ import annotations

import uuid
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import Guid, Pointer, WString, WStringRef, uint32
from smbemu.status import (
    ERROR_INVALID_FLAGS,
    ERROR_NO_LOGON_SERVERS,
    ERROR_NO_SITENAME,
    ERROR_NO_SUCH_DOMAIN,
    ERROR_NO_SUCH_USER,
    NERR_DC_NOT_FOUND,
    NERR_SUCCESS,
    STATUS_SUCCESS,
)

from .objects import INTERFACE, has_domain, is_dc, machine_name, names_domain, primary_domain
from .types import (
    DEFAULT_SITE,
    DOMAIN_NAME_BUFFER,
    DS_AVOID_SELF,
    DS_CLOSEST_FLAG,
    DS_DNS_CONTROLLER_FLAG,
    DS_DNS_DOMAIN_FLAG,
    DS_DNS_FOREST_FLAG,
    DS_DOMAIN_DIRECT_INBOUND,
    DS_DOMAIN_DIRECT_OUTBOUND,
    DS_DOMAIN_IN_FOREST,
    DS_DOMAIN_NATIVE_MODE,
    DS_DOMAIN_PRIMARY,
    DS_DOMAIN_TREE_ROOT,
    DS_DS_8_FLAG,
    DS_DS_9_FLAG,
    DS_DS_10_FLAG,
    DS_DS_FLAG,
    DS_FULL_SECRET_DOMAIN_6_FLAG,
    DS_GC_FLAG,
    DS_GOOD_TIMESERV_FLAG,
    DS_INET_ADDRESS,
    DS_IS_DNS_NAME,
    DS_IS_FLAT_NAME,
    DS_KDC_FLAG,
    DS_LDAP_FLAG,
    DS_PDC_FLAG,
    DS_REQUEST_FLAGS_SINCE,
    DS_RETURN_DNS_NAME,
    DS_RETURN_FLAT_NAME,
    DS_TIMESERV_FLAG,
    DS_VALID_REQUEST_FLAGS,
    DS_WRITABLE_FLAG,
    DS_WS_FLAG,
    LOGONSRV_HANDLE,
    NETLOGON_TRUSTED_DOMAIN_ARRAY,
    PPDOMAIN_CONTROLLER_INFOW,
    TRUST_TYPE_UPLEVEL,
)


def _version(ctx: CallContext) -> tuple[int, int]:
    version = getattr(ctx.server.profile.identity, "version", (5, 0))
    return int(version[0]), int(version[1])


def _machine_dns(ctx: CallContext) -> str:
    return str(ctx.server.directory.machine.dns_name).lower()


def _native_mode(ctx: CallContext) -> bool:
    """Is the domain in native mode?  A domain created by Windows 2000 or 2003 starts in mixed
    mode (domain functional level "Windows 2000 mixed"); from Windows Server 2008 the default
    level is at least "Windows 2000 native" (U: the out-of-the-box dcpromo defaults)."""
    return _version(ctx) >= (6, 0)


def _session(ctx: CallContext) -> Any:
    sessions = ctx.server.sessions
    return sessions.get(ctx.session_id)


def _dc_address(ctx: CallContext) -> str:
    """DomainControllerAddress: ``\\\\`` + the address at which *this caller* reaches the DC, i.e.
    the address its connection was accepted on (one process may serve several hosts);
    127.0.0.1 when there is no session (in-memory tests)."""
    session = _session(ctx)
    local = str(getattr(session, "server_address", "") or "") if session is not None else ""
    return "\\\\" + (local or "127.0.0.1")


# -------------------------------------------------------------------------------------------
# DC location: NetrGetDCName (11), NetrGetAnyDCName (13), DsrGetDcName (20) / Ex (27) /
# Ex2 (34), DsrGetSiteName (28)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(11, "NetrGetDCName",
                     request=[("ServerName", WStringRef), ("DomainName", WString)],
                     response=[("Buffer", Pointer(WString, "ref"))], returns="WERROR")
def NetrGetDCName(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.3.4: the PDC of the domain, ``\\\\NAME``.  A DC answers itself for its own
    domain; for any other domain, and on a member (whose DC the emulation does not have),
    NERR_DCNotFound (2453), as NetGetDCName documents when the PDC cannot be found."""
    status = ctx.decide("NetrGetDCName").status
    if status:
        return {"Buffer": None, "ReturnValue": status}
    if is_dc(ctx) and names_domain(ctx, request["DomainName"]):
        return {"Buffer": "\\\\" + machine_name(ctx), "ReturnValue": NERR_SUCCESS}
    return {"Buffer": None, "ReturnValue": NERR_DC_NOT_FOUND}


@INTERFACE.operation(13, "NetrGetAnyDCName",
                     request=[("ServerName", LOGONSRV_HANDLE), ("DomainName", WString)],
                     response=[("Buffer", Pointer(WString, "ref"))], returns="WERROR")
def NetrGetAnyDCName(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.3.5: any DC of a (trusted) domain, ``\\\\NAME``.  A DC answers itself for
    its own domain; a domain that is neither the primary one nor trusted is
    ERROR_NO_SUCH_DOMAIN; a member's own domain has no reachable DC: ERROR_NO_LOGON_SERVERS."""
    status = ctx.decide("NetrGetAnyDCName").status
    if status:
        return {"Buffer": None, "ReturnValue": status}
    if not has_domain(ctx) or not names_domain(ctx, request["DomainName"]):
        return {"Buffer": None, "ReturnValue": ERROR_NO_SUCH_DOMAIN}
    if is_dc(ctx):
        return {"Buffer": "\\\\" + machine_name(ctx), "ReturnValue": NERR_SUCCESS}
    return {"Buffer": None, "ReturnValue": ERROR_NO_LOGON_SERVERS}


def _dc_flags(ctx: CallContext) -> int:
    """DOMAIN_CONTROLLER_INFOW Flags of the emulated DC: the first DC of the forest holds every
    role (PDC emulator, global catalog, KDC, authoritative time source: GTIMESERV), is
    writable and in the caller's site (the location runs on the DC itself), plus the bits each
    release added (MS-NRPC 2.2.1.2.1): FULL_SECRET_DOMAIN_6 from 2008, WS (AD Web Services)
    from 2008 R2, DS_8 / DS_9 / DS_10 from 2012 / 2012 R2 / 2016.  What ``nltest /dsgetdc``
    prints for such DCs (W)."""
    flags = (DS_PDC_FLAG | DS_GC_FLAG | DS_LDAP_FLAG | DS_DS_FLAG | DS_KDC_FLAG
             | DS_TIMESERV_FLAG | DS_CLOSEST_FLAG | DS_WRITABLE_FLAG | DS_GOOD_TIMESERV_FLAG)
    version = _version(ctx)
    for since, bit in (((6, 0), DS_FULL_SECRET_DOMAIN_6_FLAG), ((6, 1), DS_WS_FLAG),
                       ((6, 2), DS_DS_8_FLAG), ((6, 3), DS_DS_9_FLAG),
                       ((10, 0), DS_DS_10_FLAG)):
        if version >= since:
            flags |= bit
    return flags


def _dc_info(ctx: CallContext, request: dict[str, Any]) -> tuple[dict[str, Any] | None, int]:
    """DsGetDcName processing (MS-NRPC 3.5.4.3.1) for the three DsrGetDcName* methods."""
    flags = request["Flags"]
    valid = DS_VALID_REQUEST_FLAGS
    for since, bit in DS_REQUEST_FLAGS_SINCE:
        if _version(ctx) >= since:
            valid |= bit
    if flags & ~valid or (flags & DS_RETURN_DNS_NAME and flags & DS_RETURN_FLAT_NAME):
        return None, ERROR_INVALID_FLAGS
    if flags & DS_IS_FLAT_NAME and flags & DS_IS_DNS_NAME:
        return None, ERROR_INVALID_FLAGS
    if not is_dc(ctx) or not has_domain(ctx):
        # A member would ask the DC locator for a DC of its domain; there is none to find.
        return None, ERROR_NO_SUCH_DOMAIN
    domain = primary_domain(ctx)
    guid = request.get("DomainGuid")
    by_guid = guid is not None and guid.int != 0 and guid == domain.guid
    if not (by_guid or names_domain(ctx, request["DomainName"], flags)):
        return None, ERROR_NO_SUCH_DOMAIN
    if flags & DS_AVOID_SELF:
        return None, ERROR_NO_SUCH_DOMAIN  # the only DC of the domain is this one
    account = request.get("AccountName")
    if account and ctx.server.directory.find_user(account) is None:
        # DsrGetDcNameEx2: the DC must hold the account (MS-NRPC 3.5.4.3.1) (U: the status).
        return None, ERROR_NO_SUCH_USER
    answer = _dc_flags(ctx)
    site = request.get("SiteName")
    client_site: str | None = DEFAULT_SITE
    if site and site.lower() != DEFAULT_SITE.lower():
        answer &= ~DS_CLOSEST_FLAG
        client_site = site
    if flags & DS_RETURN_FLAT_NAME:
        dc_name, domain_name = machine_name(ctx), str(domain.name)
    else:
        # DNS names unless flat ones are asked for: an Active Directory DC has them.
        dc_name, domain_name = _machine_dns(ctx), str(domain.dns_name)
        answer |= DS_DNS_CONTROLLER_FLAG | DS_DNS_DOMAIN_FLAG | DS_DNS_FOREST_FLAG
    return {
        "DomainControllerName": "\\\\" + dc_name,
        "DomainControllerAddress": _dc_address(ctx),
        "DomainControllerAddressType": DS_INET_ADDRESS,
        "DomainGuid": domain.guid or uuid.UUID(int=0),
        "DomainName": domain_name,
        "DnsForestName": str(domain.forest_dns_name or domain.dns_name),
        "Flags": answer,
        "DcSiteName": DEFAULT_SITE,
        "ClientSiteName": client_site,
    }, NERR_SUCCESS


def _get_dc(ctx: CallContext, request: dict[str, Any], operation: str) -> dict[str, Any]:
    status = ctx.decide(operation).status
    if status:
        return {"DomainControllerInfo": None, "ReturnValue": status}
    info, status = _dc_info(ctx, request)
    return {"DomainControllerInfo": info, "ReturnValue": status}


_DC_OUT: Final = [("DomainControllerInfo", PPDOMAIN_CONTROLLER_INFOW)]


@INTERFACE.operation(20, "DsrGetDcName",
                     request=[("ComputerName", LOGONSRV_HANDLE), ("DomainName", WString),
                              ("DomainGuid", Pointer(Guid)), ("SiteGuid", Pointer(Guid)),
                              ("Flags", uint32)],
                     response=_DC_OUT, returns="WERROR")
def DsrGetDcName(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.3.3 (SiteGuid is ignored, as Windows does)."""
    return _get_dc(ctx, request, "DsrGetDcName")


@INTERFACE.operation(27, "DsrGetDcNameEx",
                     request=[("ComputerName", LOGONSRV_HANDLE), ("DomainName", WString),
                              ("DomainGuid", Pointer(Guid)), ("SiteName", WString),
                              ("Flags", uint32)],
                     response=_DC_OUT, returns="WERROR")
def DsrGetDcNameEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.3.2."""
    return _get_dc(ctx, request, "DsrGetDcNameEx")


@INTERFACE.operation(34, "DsrGetDcNameEx2",
                     request=[("ComputerName", LOGONSRV_HANDLE), ("AccountName", WString),
                              ("AllowableAccountControlBits", uint32),
                              ("DomainName", WString), ("DomainGuid", Pointer(Guid)),
                              ("SiteName", WString), ("Flags", uint32)],
                     response=_DC_OUT, returns="WERROR")
def DsrGetDcNameEx2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.3.1."""
    return _get_dc(ctx, request, "DsrGetDcNameEx2")


@INTERFACE.operation(28, "DsrGetSiteName", request=[("ComputerName", LOGONSRV_HANDLE)],
                     response=[("SiteName", Pointer(WString, "ref"))], returns="WERROR")
def DsrGetSiteName(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.3.6: the DC's site; a member or standalone server has no site of its own
    in the emulation (no DC to tell it): ERROR_NO_SITENAME (1919)."""
    status = ctx.decide("DsrGetSiteName").status
    if status:
        return {"SiteName": None, "ReturnValue": status}
    if is_dc(ctx):
        return {"SiteName": DEFAULT_SITE, "ReturnValue": NERR_SUCCESS}
    return {"SiteName": None, "ReturnValue": ERROR_NO_SITENAME}


# -------------------------------------------------------------------------------------------
# Trusts: NetrEnumerateTrustedDomains (19), NetrEnumerateTrustedDomainsEx (36),
# DsrEnumerateDomainTrusts (40)
# -------------------------------------------------------------------------------------------


def _trusts(ctx: CallContext) -> list[dict[str, Any]]:
    """Every DS_DOMAIN_TRUSTSW the server knows: the primary domain (a DC's own domain, the
    forest root; a member's joined domain, to which it has a direct outbound trust), then, on a
    DC, the trusted domain objects an administrator created through LSA (:func:`_created_trusts`).
    A standalone server has none."""
    if not has_domain(ctx):
        return []
    domain = primary_domain(ctx)
    flags = DS_DOMAIN_IN_FOREST | DS_DOMAIN_TREE_ROOT | DS_DOMAIN_PRIMARY
    if not is_dc(ctx):
        flags |= DS_DOMAIN_DIRECT_OUTBOUND
    if _native_mode(ctx):
        flags |= DS_DOMAIN_NATIVE_MODE
    primary = {"NetbiosDomainName": str(domain.name), "DnsDomainName": domain.dns_name,
               "Flags": flags, "ParentIndex": 0, "TrustType": TRUST_TYPE_UPLEVEL,
               "TrustAttributes": 0, "DomainSid": str(domain.sid),
               "DomainGuid": domain.guid or uuid.UUID(int=0)}
    return [primary, *(_created_trusts(ctx) if is_dc(ctx) else [])]


#: MS-LSAD 2.2.7.9 TrustDirection bits, and the DS_DOMAIN_* bit each becomes (MS-NRPC 2.2.1.6.2).
_DIRECTION_FLAGS: Final = {0x1: DS_DOMAIN_DIRECT_INBOUND, 0x2: DS_DOMAIN_DIRECT_OUTBOUND}


def _created_trusts(ctx: CallContext) -> list[dict[str, Any]]:
    """The trusted domain objects of the DC's LSA policy (pipes/lsarpc/trust_store.py keeps them
    in ``Directory.lsa_policy["trusted_domains"]``), as Netlogon lists a DC's trusts (MS-NRPC
    3.5.4.7.1: from its TDOs): the direction bits; neither in the forest nor its root, a
    domain of another forest; the trust's type and attributes; its SID; a zero domain GUID (U:
    no source for the GUID of a domain never contacted); a downlevel (NT 4) or MIT trust has no
    DNS name here."""
    stored = (ctx.server.directory.lsa_policy or {}).get("trusted_domains") or {}
    listed = []
    for record in stored.values():
        flags = 0
        for bit, flag in _DIRECTION_FLAGS.items():
            if record["direction"] & bit:
                flags |= flag
        listed.append({"NetbiosDomainName": record["flat"],
                       "DnsDomainName": record["name"] if record["type"] == TRUST_TYPE_UPLEVEL else None,
                       "Flags": flags, "ParentIndex": 0, "TrustType": record["type"],
                       "TrustAttributes": record["attributes"], "DomainSid": record.get("sid"),
                       "DomainGuid": uuid.UUID(int=0)})
    return listed


def _trust_array(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"DomainCount": len(entries), "Domains": entries}


#: MS-NRPC 3.5.4.7.2: NetrEnumerateTrustedDomainsEx is DsrEnumerateDomainTrusts with these.
_EX_FLAGS: Final = DS_DOMAIN_IN_FOREST | DS_DOMAIN_DIRECT_OUTBOUND
#: DsrEnumerateDomainTrusts Flags: the six DS_DOMAIN_* bits (MS-NRPC 3.5.4.7.1).
_VALID_TRUST_FLAGS: Final = 0x3F


@INTERFACE.operation(19, "NetrEnumerateTrustedDomains",
                     request=[("ServerName", LOGONSRV_HANDLE)],
                     response=[("DomainNameBuffer", DOMAIN_NAME_BUFFER)], returns="NTSTATUS")
def NetrEnumerateTrustedDomains(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.7.3: the NetBIOS names of NetrEnumerateTrustedDomainsEx's domains, as a
    UTF-16 MULTI_SZ (each name NUL-terminated, one more NUL at the end)."""
    status = ctx.decide("NetrEnumerateTrustedDomains").status
    if status:
        return {"DomainNameBuffer": {"DomainNameByteCount": 0, "DomainNames": None},
                "ReturnValue": status}
    names = [t["NetbiosDomainName"] for t in _trusts(ctx) if t["Flags"] & _EX_FLAGS]
    blob = "".join(n + "\0" for n in names).encode("utf-16-le") + b"\0\0"
    return {"DomainNameBuffer": {"DomainNameByteCount": len(blob), "DomainNames": blob},
            "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(36, "NetrEnumerateTrustedDomainsEx",
                     request=[("ServerName", LOGONSRV_HANDLE)],
                     response=[("Domains", NETLOGON_TRUSTED_DOMAIN_ARRAY)], returns="WERROR")
def NetrEnumerateTrustedDomainsEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.7.2: DsrEnumerateDomainTrusts(IN_FOREST | DIRECT_OUTBOUND)."""
    status = ctx.decide("NetrEnumerateTrustedDomainsEx").status
    if status:
        return {"Domains": _trust_array([]), "ReturnValue": status}
    entries = [t for t in _trusts(ctx) if t["Flags"] & _EX_FLAGS]
    return {"Domains": _trust_array(entries), "ReturnValue": NERR_SUCCESS}


@INTERFACE.operation(40, "DsrEnumerateDomainTrusts",
                     request=[("ServerName", LOGONSRV_HANDLE), ("Flags", uint32)],
                     response=[("Domains", NETLOGON_TRUSTED_DOMAIN_ARRAY)], returns="WERROR")
def DsrEnumerateDomainTrusts(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.7.1: the trusts with at least one of the requested DS_DOMAIN_* bits;
    other bits (or none) -> ERROR_INVALID_FLAGS."""
    status = ctx.decide("DsrEnumerateDomainTrusts").status
    if status:
        return {"Domains": _trust_array([]), "ReturnValue": status}
    flags = request["Flags"]
    if not flags or flags & ~_VALID_TRUST_FLAGS:
        return {"Domains": _trust_array([]), "ReturnValue": ERROR_INVALID_FLAGS}
    entries = [t for t in _trusts(ctx) if t["Flags"] & flags]
    return {"Domains": _trust_array(entries), "ReturnValue": NERR_SUCCESS}
