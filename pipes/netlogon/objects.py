"""netlogon's interface object (MS-NRPC 2.1, 3.5.4) and the helpers its calls share: the
``INTERFACE`` every other module of the package declares its operations on, the fault-only
opnums, and the role, names and session facts the answers depend on."""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext, Interface

from .types import DS_IS_DNS_NAME, DS_IS_FLAT_NAME

INTERFACE: Final = Interface(
    name="netlogon", uuid="12345678-1234-abcd-ef00-01234567cffb", version=(1, 0),
    pipes=("netlogon", "lsass"), opnum_count=50, secondary_address="\\PIPE\\lsass",
    description="Netlogon Remote Protocol (MS-NRPC)")

#: Calls Windows implements and smbemu does not emulate: fault nca_op_rng_error (see the
#: package docstring: their [out] structures are not modelled).
NOT_EMULATED: Final = {
    2: "NetrLogonSamLogon", 7: "NetrDatabaseDeltas", 8: "NetrDatabaseSync",
    9: "NetrAccountDeltas", 10: "NetrAccountSync", 16: "NetrDatabaseSync2",
    17: "NetrDatabaseRedo", 29: "NetrLogonGetDomainInfo", 32: "NetrLogonSendToSam",
    39: "NetrLogonSamLogonEx", 44: "NetrGetForestTrustInformation",
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


def is_dc(ctx: CallContext) -> bool:
    return bool(getattr(ctx.server.profile, "role", "member") == "dc")


def machine_name(ctx: CallContext) -> str:
    return str(ctx.server.directory.machine.netbios_name).upper()


def primary_domain(ctx: CallContext) -> Any:
    """The primary domain (``Directory.primary_domain``): the DC's own domain, the member's
    joined domain, or the standalone server's workgroup (no SID)."""
    return ctx.server.directory.primary_domain


def has_domain(ctx: CallContext) -> bool:
    return primary_domain(ctx).sid is not None


def names_domain(ctx: CallContext, name: str | None, flags: int = 0) -> bool:
    """Does ``name`` (NULL/empty = the primary domain) name the primary domain?  NetBIOS or DNS
    name, case-insensitively; DS_IS_FLAT_NAME / DS_IS_DNS_NAME restrict which form counts."""
    domain = primary_domain(ctx)
    if not name:
        return True
    given = name.rstrip(".").lower()
    flat_ok = not flags & DS_IS_DNS_NAME
    dns_ok = not flags & DS_IS_FLAT_NAME
    if flat_ok and given == str(domain.name).lower():
        return True
    return bool(dns_ok and domain.dns_name and given == str(domain.dns_name).lower())
