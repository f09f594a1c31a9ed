"""wkssvc reads: NetrWkstaGetInfo (MS-WKST 3.2.4.1), NetrWkstaUserEnum (3.2.4.3),
NetrWkstaTransportEnum (3.2.4.4), NetrGetJoinInformation (3.2.4.16) and
NetrEnumerateComputerNames (3.2.4.21)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    enum16,
    Pointer,
    uint32,
    WString,
)
from smbemu.status import (
    ERROR_INVALID_FLAGS,
    ERROR_INVALID_LEVEL,
    ERROR_INVALID_PARAMETER,
    NERR_SUCCESS,
)

from .types import (
    NET_ALL_COMPUTER_NAMES,
    NET_ALTERNATE_COMPUTER_NAMES,
    NET_COMPUTER_NAME_ARRAY,
    NET_PRIMARY_COMPUTER_NAME,
    NET_SETUP_DOMAIN_NAME,
    NET_SETUP_WORKGROUP_NAME,
    USER_LEVELS,
    WKSSVC_HANDLE,
    WKSTA_INFO,
    WKSTA_TRANSPORT_ENUM_STRUCT,
    WKSTA_USER_ENUM_STRUCT,
    ENUM_TAIL_IN,
    ENUM_TAIL_OUT,
)
from .settings import workstation_settings
from .objects import (
    INTERFACE,
    enum_error,
    enum_reply,
    is_joined,
    lan_group,
)


# -------------------------------------------------------------------------------------------
# NetrWkstaGetInfo (0), NetrWkstaUserEnum (2), NetrWkstaTransportEnum (5)
# -------------------------------------------------------------------------------------------

def _lanroot(ctx: CallContext) -> str:
    """wki101_lanroot: the LAN Manager root, the system root on NT (the ADMIN$ share's path
    when the fixture has one; U for the exact text Windows reports)."""
    admin = ctx.server.directory.share("ADMIN$")
    return str(admin.path) if admin is not None and admin.path else "C:\\WINDOWS"


@INTERFACE.operation(0, "NetrWkstaGetInfo",
                     request=[("ServerName", WKSSVC_HANDLE), ("Level", uint32)],
                     response=[("WkstaInfo", WKSTA_INFO)], returns="WERROR")
def NetrWkstaGetInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-WKST 3.2.4.1: levels 100, 101, 102 and 502 (who may ask which level:
    ``smbemu.policy``); the 10xx levels belong to NetrWkstaSetInfo: ERROR_INVALID_LEVEL."""
    level = request["Level"]
    status = ctx.decide("NetrWkstaGetInfo", level).status
    if status:
        return {"WkstaInfo": (level, None), "ReturnValue": status}
    if level == 502:
        return {"WkstaInfo": (level, {f"wki502_{name}": value
                                      for name, value in workstation_settings(ctx).items()}),
                "ReturnValue": NERR_SUCCESS}
    if level not in (100, 101, 102):
        return {"WkstaInfo": (level, None), "ReturnValue": ERROR_INVALID_LEVEL}
    identity = ctx.server.profile.identity.srvsvc
    p = f"wki{level}_"
    info: dict[str, Any] = {
        f"{p}platform_id": identity.platform_id,
        f"{p}computername": ctx.server.directory.machine.netbios_name,
        f"{p}langroup": lan_group(ctx),
        f"{p}ver_major": identity.version_major, f"{p}ver_minor": identity.version_minor}
    if level >= 101:
        info[f"{p}lanroot"] = _lanroot(ctx)
    if level == 102:
        info["wki102_logged_on_users"] = len(_logged_on_users(ctx))
    return {"WkstaInfo": (level, info), "ReturnValue": NERR_SUCCESS}


def _logged_on_users(ctx: CallContext) -> list[tuple[str, str, str]]:
    """(user, logon domain, logon server) of the users logged on to the machine itself.

    Network (SMB) sessions are not workstation logons (MS-WKST 3.2.4.3 lists interactive,
    service and batch logons).  Nobody sits at the emulated console; what remains is the
    machine account the services use on the network, ``NAME$`` in the primary domain, as a
    domain member lists it (U: the exact Windows list depends on its services).
    """
    machine = ctx.server.directory.machine.netbios_name
    if is_joined(ctx):
        return [(f"{machine}$", lan_group(ctx), "")]
    return []


@INTERFACE.operation(2, "NetrWkstaUserEnum",
                     request=[("ServerName", WKSSVC_HANDLE),
                              ("UserInfo", Pointer(WKSTA_USER_ENUM_STRUCT, "ref")),
                              *ENUM_TAIL_IN],
                     response=[("UserInfo", Pointer(WKSTA_USER_ENUM_STRUCT, "ref")),
                               *ENUM_TAIL_OUT],
                     returns="WERROR")
def NetrWkstaUserEnum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-WKST 3.2.4.3: levels 0 and 1; administrators only."""
    level = request["UserInfo"]["Level"]
    if level not in USER_LEVELS:
        return enum_error(level, "WkstaUserInfo", "UserInfo", ERROR_INVALID_LEVEL, request)
    status = ctx.decide("NetrWkstaUserEnum", level).status
    if status:
        return enum_error(level, "WkstaUserInfo", "UserInfo", status, request)
    entries: list[dict[str, Any]] = []
    for user, domain, server in _logged_on_users(ctx):
        if level == 0:
            entries.append({"wkui0_username": user})
        else:
            entries.append({"wkui1_username": user, "wkui1_logon_domain": domain,
                            "wkui1_oth_domains": "", "wkui1_logon_server": server})
    return enum_reply(level, "WkstaUserInfo", "UserInfo", entries, request)


def transport(directory: Any) -> dict[str, Any]:
    """The one NetBT-over-TCP/IP transport (MS-WKST 2.2.5.12), stable for a fixture: its
    device name carries an adapter GUID and its address a MAC-like 12 hex digits, both derived
    from the machine SID (locally administered MAC, 0x02 first octet)."""
    seed = hashlib.sha256(str(directory.machine.sid).encode()).digest()
    guid = uuid.UUID(bytes=seed[:16])
    mac = bytes([0x02]) + seed[16:21]
    return {"wkti0_quality_of_service": 0, "wkti0_number_of_vcs": 0,
            "wkti0_transport_name": f"\\Device\\NetBT_Tcpip_{{{str(guid).upper()}}}",
            "wkti0_transport_address": mac.hex().upper(),
            # TRUE: the transport is routable (TCP/IP), MS-WKST 2.2.5.12
            "wkti0_wan_ish": 1}


@INTERFACE.operation(5, "NetrWkstaTransportEnum",
                     request=[("ServerName", WKSSVC_HANDLE),
                              ("TransportInfo", Pointer(WKSTA_TRANSPORT_ENUM_STRUCT, "ref")),
                              *ENUM_TAIL_IN],
                     response=[("TransportInfo", Pointer(WKSTA_TRANSPORT_ENUM_STRUCT, "ref")),
                               *ENUM_TAIL_OUT],
                     returns="WERROR")
def NetrWkstaTransportEnum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-WKST 3.2.4.4: level 0, one NetBT/TCP transport entry."""
    level = request["TransportInfo"]["Level"]
    if level != 0:
        return enum_error(level, "WkstaTransportInfo", "TransportInfo", ERROR_INVALID_LEVEL,
                          request)
    status = ctx.decide("NetrWkstaTransportEnum", level).status
    if status:
        return enum_error(level, "WkstaTransportInfo", "TransportInfo", status, request)
    entry = transport(ctx.server.directory)
    entry["wkti0_number_of_vcs"] = len(ctx.server.sessions)
    return enum_reply(level, "WkstaTransportInfo", "TransportInfo", [entry], request)


# -------------------------------------------------------------------------------------------
# NetrGetJoinInformation (20), NetrEnumerateComputerNames (30)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(20, "NetrGetJoinInformation",
                     request=[("ServerName", WKSSVC_HANDLE), ("NameBuffer", WString)],
                     response=[("NameBuffer", WString), ("BufferType", enum16)],
                     returns="WERROR")
def NetrGetJoinInformation(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-WKST 3.2.4.16: the domain (NetSetupDomainName) or workgroup (NetSetupWorkgroupName)
    the machine belongs to."""
    joined = is_joined(ctx)
    return {"NameBuffer": lan_group(ctx),
            "BufferType": NET_SETUP_DOMAIN_NAME if joined else NET_SETUP_WORKGROUP_NAME,
            "ReturnValue": NERR_SUCCESS}


@INTERFACE.operation(30, "NetrEnumerateComputerNames",
                     request=[("ServerName", WKSSVC_HANDLE), ("NameType", enum16),
                              ("Reserved", uint32)],
                     response=[("ComputerNames", Pointer(NET_COMPUTER_NAME_ARRAY))],
                     returns="WERROR")
def NetrEnumerateComputerNames(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-WKST 3.2.4.21: the primary name is the DNS name; the fixture defines no alternate
    names.  Administrators only; Reserved must be 0 (or carry only the ignore-flags bit)."""
    name_type, reserved = request["NameType"], request["Reserved"]
    if reserved and reserved != 1:
        return {"ComputerNames": None, "ReturnValue": ERROR_INVALID_FLAGS}
    if name_type not in (NET_PRIMARY_COMPUTER_NAME, NET_ALTERNATE_COMPUTER_NAMES,
                         NET_ALL_COMPUTER_NAMES):
        return {"ComputerNames": None, "ReturnValue": ERROR_INVALID_PARAMETER}
    status = ctx.decide("NetrEnumerateComputerNames").status
    if status:
        return {"ComputerNames": None, "ReturnValue": status}
    machine = ctx.server.directory.machine
    names = [] if name_type == NET_ALTERNATE_COMPUTER_NAMES else \
        [machine.dns_name or machine.netbios_name]
    return {"ComputerNames": {"EntryCount": len(names), "ComputerNames": names},
            "ReturnValue": NERR_SUCCESS}
