"""netlogon administrative services: NetrLogonControl / 2 / 2Ex (MS-NRPC 3.5.4.9.1-3), the
query function codes answered and the service-changing ones refused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from smbemu.principal import PrincipalKind
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import uint32
from smbemu.status import (
    ERROR_INVALID_LEVEL,
    ERROR_INVALID_PARAMETER,
    ERROR_NO_LOGON_SERVERS,
    ERROR_NO_SUCH_DOMAIN,
    ERROR_NOT_SUPPORTED,
    NERR_SUCCESS,
    NERR_USER_NOT_FOUND,
)

from .objects import INTERFACE, has_domain, is_dc, machine_name, names_domain, primary_domain
from .types import (
    CONTROL_CODES,
    LOGONSRV_HANDLE,
    NETLOGON_CONTROL_DATA_INFORMATION,
    NETLOGON_CONTROL_FIND_USER,
    NETLOGON_CONTROL_QUERY,
    NETLOGON_CONTROL_QUERY_DNS_REG,
    NETLOGON_CONTROL_QUERY_INFORMATION,
    NETLOGON_CONTROL_TC_QUERY,
    NETLOGON_CONTROL_TRUNCATE_LOG,
    DATA_CODES,
    NETLOGON_HAS_IP,
    NETLOGON_HAS_TIMESERV,
    NT4_REPLICATION_CODES,
)

# -------------------------------------------------------------------------------------------
# NetrLogonControl (12), NetrLogonControl2 (14), NetrLogonControl2Ex (18)
# -------------------------------------------------------------------------------------------


def _secure_channel_state(ctx: CallContext) -> tuple[int, str | None, int]:
    """(netlog*_flags, trusted DC name, connection status) of the secure channel to the primary
    domain.  A DC (the PDC of a single-DC domain) is its own "trusted DC": it has an IP address
    and runs W32Time.  A member has no DC to reach in the emulation: no DC name,
    ERROR_NO_LOGON_SERVERS, which is what a member whose DC is unreachable reports (U)."""
    if is_dc(ctx):
        return NETLOGON_HAS_IP | NETLOGON_HAS_TIMESERV, "\\\\" + machine_name(ctx), NERR_SUCCESS
    return 0, None, ERROR_NO_LOGON_SERVERS


def _query_info(ctx: CallContext, level: int, domain: str | None) -> dict[str, Any]:
    """The NETLOGON_INFO_<level> of a query (function code QUERY or TC_QUERY)."""
    flags, dc_name, status = _secure_channel_state(ctx)
    if level == 1:
        # No replication flags (A-D): NT4-style replication is not emulated; the PDC status is
        # the status of the secure channel (NERR_Success on a DC: it is the PDC).
        return {"netlog1_flags": 0, "netlog1_pdc_connection_status": status}
    if level == 2:
        return {"netlog2_flags": flags, "netlog2_pdc_connection_status": status,
                "netlog2_trusted_dc_name": dc_name, "netlog2_tc_connection_status": status}
    if level == 3:
        # netlog3_logon_attempts: pass-through logons handled by the service; smbemu emulates
        # none (NetrLogonSamLogon* fault), so 0.
        return {"netlog3_flags": 0, "netlog3_logon_attempts": 0,
                **{f"netlog3_reserved{i}": 0 for i in range(1, 6)}}
    return {"netlog4_trusted_dc_name": dc_name,
            "netlog4_trusted_domain_name": domain or str(primary_domain(ctx).name)}


def _logon_control(ctx: CallContext, request: dict[str, Any], operation: str,
                   levels: Mapping[int, int]) -> dict[str, Any]:
    """The shared processing of the three NetrLogonControl methods.

    ``levels`` maps each QueryLevel the method refuses to its status; other levels outside
    1-4 are ERROR_INVALID_LEVEL.
    """
    level = request["QueryLevel"]
    code = request["FunctionCode"]
    data = request.get("Data")
    refused = {"Buffer": (level, None)}
    if code == NETLOGON_CONTROL_FIND_USER and "Data" in request:
        return {**refused, "ReturnValue": _find_user(ctx, operation, level, data)}
    if level in levels:
        return {**refused, "ReturnValue": levels[level]}
    if level not in (1, 2, 3, 4):
        return {**refused, "ReturnValue": ERROR_INVALID_LEVEL}
    status = ctx.decide(operation, level).status
    if status:
        return {**refused, "ReturnValue": status}
    admin = ctx.principal.kind is PrincipalKind.ADMINISTRATOR
    domain: str | None = None
    if code == NETLOGON_CONTROL_QUERY:
        pass
    elif code in DATA_CODES and "Data" not in request:
        # NetrLogonControl carries no Data: the codes that need it, and QUERY_DNS_REG, are
        # ERROR_NOT_SUPPORTED there (smbtorture's rpc.netlogon.admin LogonControl, written
        # against Windows, expects it for every one of them at level 1).
        return {**refused, "ReturnValue": ERROR_NOT_SUPPORTED}
    elif code == NETLOGON_CONTROL_TC_QUERY:
        # MS-NRPC 3.5.4.9.1: the status of the secure channel to the domain named in Data.
        domain = data[1] if isinstance(data, tuple) and data[0] == code else None
        if not domain:
            return {**refused, "ReturnValue": ERROR_INVALID_PARAMETER}
        if not has_domain(ctx) or not names_domain(ctx, domain):
            return {**refused, "ReturnValue": ERROR_NO_SUCH_DOMAIN}
    elif code == NETLOGON_CONTROL_QUERY_DNS_REG:
        # Only DCs register DNS records; level 1 only (MS-NRPC 3.5.4.9.1).
        if not is_dc(ctx):
            return {**refused, "ReturnValue": ERROR_NOT_SUPPORTED}
        if level != 1:
            return {**refused, "ReturnValue": ERROR_INVALID_PARAMETER}
        return {"Buffer": (1, {"netlog1_flags": 0, "netlog1_pdc_connection_status": 0}),
                "ReturnValue": NERR_SUCCESS}
    elif (code in NT4_REPLICATION_CODES and is_dc(ctx)
          and ctx.server.profile.identity.version >= (5, 0) and admin):
        # NT 4 domain replication and its change log: an Active Directory DC does not do it
        # (MS-NRPC 3.5.4.9.1), nor does a release build break into a debugger, so the
        # administrator allowed to drive the service gets ERROR_NOT_SUPPORTED (what smbtorture's
        # rpc.netlogon.admin, written against Windows, expects); others are refused below.
        return {**refused, "ReturnValue": ERROR_NOT_SUPPORTED}
    elif code == NETLOGON_CONTROL_TRUNCATE_LOG and admin:
        # Truncating the (NT 4) change log succeeds for an administrator: NERR_Success and the
        # query information (smbtorture's rpc.netlogon.admin LogonControl, written against
        # Windows); nothing is kept, so there is nothing to truncate.
        pass
    elif code in CONTROL_CODES:
        # NETLOGON_CONTROL_ACCESS: administrators (and operators) only on Windows; refused to
        # every caller here, the emulated service being read-only.
        return {**refused,
                "ReturnValue": ctx.deny(f"{operation} function code {code:#x} (read-only emulation)",
                                        "may not change the emulated service (read-only)").status}
    else:
        return {**refused, "ReturnValue": ERROR_NOT_SUPPORTED}
    return {"Buffer": (level, _query_info(ctx, level, domain)), "ReturnValue": NERR_SUCCESS}


def _find_user(ctx: CallContext, operation: str, level: int, data: Any) -> int:
    """NETLOGON_CONTROL_FIND_USER (MS-NRPC 3.5.4.9.1): which trusted domain holds the account
    named in Data?  It needs NETLOGON_CONTROL_ACCESS (administrators; ERROR_ACCESS_DENIED
    otherwise, 2.2.1.4.18) and answers a NETLOGON_INFO_4 at QueryLevel 4.  The fixture's domain
    trusts no other domain, so no trusted domain holds any account: NERR_UserNotFound (2221) --
    what impacket's test_nrpc, written against a Windows DC, gets from NetrLogonControl2 and
    NetrLogonControl2Ex alike (NetrLogonControl2 answers it before refusing QueryLevel 4).
    Another level, or no user name: ERROR_INVALID_PARAMETER (U: the Data and level rules of
    3.5.4.9.1, as Samba's DC applies them)."""
    status = ctx.decide(operation, level).status
    if status:
        return status
    if ctx.principal.kind is not PrincipalKind.ADMINISTRATOR:
        return ctx.deny(f"{operation} function code FIND_USER (NETLOGON_CONTROL_ACCESS)",
                        "is not an administrator").status
    user = data[1] if isinstance(data, tuple) and data[0] == NETLOGON_CONTROL_FIND_USER else None
    if level != 4 or not user:
        return ERROR_INVALID_PARAMETER
    return NERR_USER_NOT_FOUND


_CONTROL_IN: Final = [("ServerName", LOGONSRV_HANDLE), ("FunctionCode", uint32),
                      ("QueryLevel", uint32)]
_CONTROL_OUT: Final = [("Buffer", NETLOGON_CONTROL_QUERY_INFORMATION)]


@INTERFACE.operation(12, "NetrLogonControl", request=_CONTROL_IN, response=_CONTROL_OUT,
                     returns="WERROR")
def NetrLogonControl(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.9.3: level 1 only (2 -> ERROR_NOT_SUPPORTED, more -> ERROR_INVALID_LEVEL);
    no Data."""
    refuse = {2: ERROR_NOT_SUPPORTED, 3: ERROR_INVALID_LEVEL, 4: ERROR_INVALID_LEVEL}
    return _logon_control(ctx, request, "NetrLogonControl", refuse)


@INTERFACE.operation(14, "NetrLogonControl2",
                     request=[*_CONTROL_IN, ("Data", NETLOGON_CONTROL_DATA_INFORMATION)],
                     response=_CONTROL_OUT, returns="WERROR")
def NetrLogonControl2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.9.2: as NetrLogonControl2Ex, level 4 -> ERROR_INVALID_LEVEL."""
    return _logon_control(ctx, request, "NetrLogonControl2", {4: ERROR_INVALID_LEVEL})


@INTERFACE.operation(18, "NetrLogonControl2Ex",
                     request=[*_CONTROL_IN, ("Data", NETLOGON_CONTROL_DATA_INFORMATION)],
                     response=_CONTROL_OUT, returns="WERROR")
def NetrLogonControl2Ex(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.9.1: levels 1-4 of the query function codes."""
    return _logon_control(ctx, request, "NetrLogonControl2Ex", {})
