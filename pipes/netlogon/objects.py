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

#: Calls Windows implements and smbemu does not emulate (fault nca_op_rng_error): none left --
#: every other opnum answers the status Windows gives (issue 15 item 7).
NOT_EMULATED: Final[dict[int, str]] = {}
#: MS-NRPC 3.5.4: not used on the wire: nca_op_rng_error.
NOT_USED_ON_WIRE: Final = {47: "Opnum47NotUsedOnWire"}
for _opnum, _name in {**NOT_EMULATED, **NOT_USED_ON_WIRE}.items():
    INTERFACE.not_implemented(_opnum, _name)


# -------------------------------------------------------------------------------------------
# Helpers: role, names, policy
# -------------------------------------------------------------------------------------------


#: The return authenticator of a refused secure-channel call: zero (MS-NRPC 3.1.4.5: no session
#: key, so nothing the client could verify; Samba's server zeroes it alike).
ZERO_AUTHENTICATOR: Final = {"Credential": bytes(8), "Timestamp": 0}


def no_secure_channel(ctx: CallContext) -> int:
    """The status of a call that needs an established secure channel: the policy's refusal, else
    STATUS_ACCESS_DENIED recorded as a refusal.  The fixture holds no machine secret, so no
    NetrServerAuthenticate* succeeds and no client authenticator can be verified (MS-NRPC 3.1.4.5:
    "If the verification fails, the server MUST return STATUS_ACCESS_DENIED")."""
    return ctx.decide().status or ctx.deny(
        "secure channel (MS-NRPC 3.1.4.5)",
        "has no secure channel to verify its authenticator").status


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
