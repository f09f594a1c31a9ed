"""netlogon's interface object (MS-NRPC 2.1, 3.5.4) and the helpers its calls share: the
``INTERFACE`` every other module of the package declares its operations on, the fault-only
opnums, and the role, names and session facts the answers depend on."""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext, Interface

from .types import DS_IS_DNS_NAME, DS_IS_FLAT_NAME

INTERFACE: Final = Interface(
    name="netlogon", uuid="12345678-1234-abcd-ef00-01234567cffb", version=(1, 0),
    pipes=("netlogon",), opnum_count=50, secondary_address="\\PIPE\\lsass",
    description="Netlogon Remote Protocol (MS-NRPC)")

#: Calls Windows implements and smbemu does not emulate: fault nca_op_rng_error (see the
#: module docstring: their [out] structures are not modelled).
NOT_EMULATED: Final = {
    0: "NetrLogonUasLogon", 1: "NetrLogonUasLogoff", 2: "NetrLogonSamLogon",
    3: "NetrLogonSamLogoff", 7: "NetrDatabaseDeltas", 8: "NetrDatabaseSync",
    9: "NetrAccountDeltas", 10: "NetrAccountSync", 16: "NetrDatabaseSync2",
    17: "NetrDatabaseRedo", 22: "NetrLogonSetServiceBits", 23: "NetrLogonGetTrustRid",
    24: "NetrLogonComputeServerDigest", 25: "NetrLogonComputeClientDigest",
    29: "NetrLogonGetDomainInfo", 32: "NetrLogonSendToSam", 33: "DsrAddressToSiteNamesW",
    35: "NetrLogonGetTimeServiceParentDomain", 37: "DsrAddressToSiteNamesExW",
    38: "DsrGetDcSiteCoverageW", 39: "NetrLogonSamLogonEx", 41: "DsrDeregisterDnsHostRecords",
    43: "DsrGetForestTrustInformation", 44: "NetrGetForestTrustInformation",
    45: "NetrLogonSamLogonWithFlags", 46: "NetrServerGetTrustInfo",
    48: "DsrUpdateReadOnlyServerDnsRecords", 49: "NetrChainSetClientAttributes",
}
#: MS-NRPC 3.5.4: not used on the wire: nca_op_rng_error.
NOT_USED_ON_WIRE: Final = {47: "Opnum47NotUsedOnWire"}
for _opnum, _name in {**NOT_EMULATED, **NOT_USED_ON_WIRE}.items():
    INTERFACE.not_implemented(_opnum, _name)


# -------------------------------------------------------------------------------------------
# Helpers: role, names, policy
# -------------------------------------------------------------------------------------------


def _is_dc(ctx: CallContext) -> bool:
    return bool(getattr(ctx.server.profile, "role", "member") == "dc")


def _version(ctx: CallContext) -> tuple[int, int]:
    version = getattr(ctx.server.profile.identity, "version", (5, 0))
    return int(version[0]), int(version[1])


def _machine_name(ctx: CallContext) -> str:
    return str(ctx.server.directory.machine.netbios_name).upper()


def _machine_dns(ctx: CallContext) -> str:
    return str(ctx.server.directory.machine.dns_name).lower()


def _domain(ctx: CallContext) -> Any:
    """The primary domain (``Directory.primary_domain``): the DC's own domain, the member's
    joined domain, or the standalone server's workgroup (no SID)."""
    return ctx.server.directory.primary_domain


def _has_domain(ctx: CallContext) -> bool:
    return _domain(ctx).sid is not None


def _names_domain(ctx: CallContext, name: str | None, flags: int = 0) -> bool:
    """Does ``name`` (NULL/empty = the primary domain) name the primary domain?  NetBIOS or DNS
    name, case-insensitively; DS_IS_FLAT_NAME / DS_IS_DNS_NAME restrict which form counts."""
    domain = _domain(ctx)
    if not name:
        return True
    given = name.rstrip(".").lower()
    flat_ok = not flags & DS_IS_DNS_NAME
    dns_ok = not flags & DS_IS_FLAT_NAME
    if flat_ok and given == str(domain.name).lower():
        return True
    return bool(dns_ok and domain.dns_name and given == str(domain.dns_name).lower())


def _native_mode(ctx: CallContext) -> bool:
    """Is the domain in native mode?  A domain created by Windows 2000 or 2003 starts in mixed
    mode (domain functional level "Windows 2000 mixed"); from Windows Server 2008 the default
    level is at least "Windows 2000 native" (U: the out-of-the-box dcpromo defaults)."""
    return _version(ctx) >= (6, 0)


def _session(ctx: CallContext) -> Any:
    sessions = getattr(ctx.server, "sessions", None) or {}
    return sessions.get(ctx.session_id)


def _dc_address(ctx: CallContext) -> str:
    """DomainControllerAddress: ``\\\\`` + the address at which *this caller* reaches the DC, i.e.
    the address its connection was accepted on (one process may serve several hosts);
    127.0.0.1 when there is no session (in-memory tests)."""
    session = _session(ctx)
    local = str(getattr(session, "server_address", "") or "") if session is not None else ""
    return "\\\\" + (local or "127.0.0.1")
