"""wkssvc: the Workstation Service Remote Protocol (MS-WKST), on ``\\PIPE\\wkssvc``.

UUID 6bffd098-a112-3610-9833-46c3f87e345a version 1.0 (MS-WKST 2.1).  Every opnum of MS-WKST 3.2.4
(0 to 30) is declared here, in opnum order:

* **emulated**: NetrWkstaGetInfo (0) levels 100/101/102, NetrWkstaUserEnum (2) levels 0/1,
  NetrWkstaTransportEnum (5) level 0, NetrGetJoinInformation (20), NetrEnumerateComputerNames
  (30) — from the fixture's machine and primary domain and the profile's identity;
* **"OpnumNNotUsedOnWire"** (3, 4, 12, 14-19, 21): "reserved for local use", behaviour
  undefined by MS-WKST: fault nca_op_rng_error 0x1C010002;
* **NetrUse*** (8-11): MS-WKST 3.2.4.7-3.2.4.10 "SHOULD NOT allow this method to be invoked
  remotely and SHOULD return ERROR_CALL_NOT_IMPLEMENTED" (120): answered so, levels echoed;
* **changes to the workstation**: ERROR_ACCESS_DENIED for non-administrators; administrators
  get Windows' answer where one is known (a bad join password, an unbound transport, the
  name calls) and ERROR_ACCESS_DENIED otherwise, the emulated machine being read-only;
* **not emulated yet** (NetrWorkstationStatisticsGet, NetrValidateName2,
  NetrGetJoinableOUs2): fault nca_op_rng_error rather than an invented answer.

Who may call what is decided by :mod:`smbemu.policy` (NetrWkstaGetInfo per level and per
release, NetrWkstaUserEnum administrators only); refusals are ERROR_ACCESS_DENIED as the return
value, not a fault.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Final

from smbemu.policy import Require, Rule
from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import (
    ConformantArray,
    FixedBytes,
    NdrType,
    Pointer,
    RpcUnicodeString,
    Struct,
    Union,
    WString,
    WStringRef,
    enum16,
    int64,
    uint32,
)
from smbemu.rpc.paging import netapi_entry_size, page
from smbemu.status import (
    ERROR_ACCESS_DENIED,
    ERROR_CALL_NOT_IMPLEMENTED,
    ERROR_INVALID_FLAGS,
    ERROR_INVALID_FUNCTION,
    ERROR_INVALID_LEVEL,
    ERROR_INVALID_PARAMETER,
    ERROR_INVALID_PASSWORD,
    ERROR_NO_SUCH_LOGON_SESSION,
    ERROR_NOT_SUPPORTED,
    NERR_NAME_NOT_FOUND,
    NERR_SUCCESS,
    RPC_E_REMOTE_DISABLED,
)

#: MS-WKST 2.2.3.1 NETSETUP_JOIN_STATUS and 2.2.3.3 NET_COMPUTER_NAME_TYPE are plain IDL
#: enums: 16 bits on the wire (C706 14.2.5; rpcclient and impacket decode them so).
NET_SETUP_WORKGROUP_NAME: Final = 2
NET_SETUP_DOMAIN_NAME: Final = 3
#: MS-WKST 2.2.3.3 NET_COMPUTER_NAME_TYPE.
NET_PRIMARY_COMPUTER_NAME: Final = 0
NET_ALTERNATE_COMPUTER_NAMES: Final = 1
NET_ALL_COMPUTER_NAMES: Final = 2

# -------------------------------------------------------------------------------------------
# NDR types (MS-WKST 2.2.5)
# -------------------------------------------------------------------------------------------

#: WKSSVC_IDENTIFY_HANDLE / WKSSVC_IMPERSONATE_HANDLE (2.2.2.1-2): ``[string, unique] wchar_t*``.
WKSSVC_HANDLE: Final = WString
PULONG: Final = Pointer(uint32)

WKSTA_INFO_100: Final = Struct("WKSTA_INFO_100", [
    ("wki100_platform_id", uint32), ("wki100_computername", WString),
    ("wki100_langroup", WString), ("wki100_ver_major", uint32), ("wki100_ver_minor", uint32)])
WKSTA_INFO_101: Final = Struct("WKSTA_INFO_101", [
    ("wki101_platform_id", uint32), ("wki101_computername", WString),
    ("wki101_langroup", WString), ("wki101_ver_major", uint32), ("wki101_ver_minor", uint32),
    ("wki101_lanroot", WString)])
WKSTA_INFO_102: Final = Struct("WKSTA_INFO_102", [
    ("wki102_platform_id", uint32), ("wki102_computername", WString),
    ("wki102_langroup", WString), ("wki102_ver_major", uint32), ("wki102_ver_minor", uint32),
    ("wki102_lanroot", WString), ("wki102_logged_on_users", uint32)])
#: 2.2.5.4 WKSTA_INFO_502: 18 ULONG tuning values, then 17 BOOL switches (wire order), each
#: with the LanmanWorkstation\\Parameters registry default Windows documents for it (Windows
#: 2000 / 2003 registry reference, the same on later releases; W).  The emulated machine's
#: redirector is never used, so nothing changes them.
WKSTA_502_DEFAULTS: Final = (
    ("char_wait", 3600), ("collection_time", 250), ("maximum_collection_count", 16),
    ("keep_conn", 600), ("max_cmds", 50), ("sess_timeout", 60), ("siz_char_buf", 512),
    ("max_threads", 17), ("lock_quota", 6144), ("lock_increment", 10), ("lock_maximum", 500),
    ("pipe_increment", 10), ("pipe_maximum", 500), ("cache_file_timeout", 40),
    ("dormant_file_limit", 45), ("read_ahead_throughput", 0xFFFFFFFF),
    ("num_mailslot_buffers", 3), ("num_srv_announce_buffers", 20),
    ("max_illegal_datagram_events", 5), ("illegal_datagram_event_reset_frequency", 60),
    ("log_election_packets", 0), ("use_opportunistic_locking", 1), ("use_unlock_behind", 1),
    ("use_close_behind", 1), ("buf_named_pipes", 1), ("use_lock_read_unlock", 1),
    ("utilize_nt_caching", 1), ("use_raw_read", 1), ("use_raw_write", 1),
    ("use_write_raw_data", 0), ("use_encryption", 1), ("buf_files_deny_write", 1),
    ("buf_read_only_files", 1), ("force_core_create_mode", 1), ("use_512_byte_max_transfer", 0))
WKSTA_INFO_502: Final = Struct("WKSTA_INFO_502", [
    (f"wki502_{name}", uint32) for name, _ in WKSTA_502_DEFAULTS])
#: An arm declared but never filled: only its NULL pointer goes on the wire.
_NULL_ONLY: Final = Pointer(uint32)
#: 2.2.4.1 WKSTA_INFO: every arm a pointer, so a refused or unknown level still carries its
#: 4-byte NULL referent after the tag (an NDR-strict client fails the call without it).
#: 1013/1018/1046 are NetrWkstaSetInfo levels: only ever sent NULL.
WKSTA_INFO: Final = Union(uint32, {100: Pointer(WKSTA_INFO_100), 101: Pointer(WKSTA_INFO_101),
                                   102: Pointer(WKSTA_INFO_102), 502: Pointer(WKSTA_INFO_502),
                                   1013: _NULL_ONLY, 1018: _NULL_ONLY, 1046: _NULL_ONLY},
                          default=None, name="WKSTA_INFO")

WKSTA_USER_INFO_0: Final = Struct("WKSTA_USER_INFO_0", [("wkui0_username", WString)])
WKSTA_USER_INFO_1: Final = Struct("WKSTA_USER_INFO_1", [
    ("wkui1_username", WString), ("wkui1_logon_domain", WString),
    ("wkui1_oth_domains", WString), ("wkui1_logon_server", WString)])
USER_LEVELS: Final[dict[int, Struct]] = {0: WKSTA_USER_INFO_0, 1: WKSTA_USER_INFO_1}

WKSTA_TRANSPORT_INFO_0: Final = Struct("WKSTA_TRANSPORT_INFO_0", [
    ("wkti0_quality_of_service", uint32), ("wkti0_number_of_vcs", uint32),
    ("wkti0_transport_name", WString), ("wkti0_transport_address", WString),
    ("wkti0_wan_ish", uint32)])


def _container(name: str, item: NdrType) -> Struct:
    return Struct(name, [("EntriesRead", uint32), ("Buffer", Pointer(ConformantArray(item)))])


def _enum_struct(name: str, union_field: str, arms: Mapping[int, NdrType]) -> Struct:
    """``{Level; [switch_is(Level)] union of container pointers}``; unknown levels decode
    (empty default arm) so the handler can answer ERROR_INVALID_LEVEL."""
    return Struct(name, [("Level", uint32),
                         (union_field, Union(uint32, {k: Pointer(v) for k, v in arms.items()},
                                             default=None, name=f"{name}.{union_field}"))])


WKSTA_USER_ENUM_STRUCT: Final = _enum_struct("WKSTA_USER_ENUM_STRUCT", "WkstaUserInfo", {
    level: _container(f"WKSTA_USER_INFO_{level}_CONTAINER", s)
    for level, s in USER_LEVELS.items()})
WKSTA_TRANSPORT_ENUM_STRUCT: Final = _enum_struct(
    "WKSTA_TRANSPORT_ENUM_STRUCT", "WkstaTransportInfo",
    {0: _container("WKSTA_TRANSPORT_INFO_0_CONTAINER", WKSTA_TRANSPORT_INFO_0)})

#: 2.2.5.21 NET_COMPUTER_NAME_ARRAY: ``{EntryCount; [size_is(EntryCount)] PUNICODE_STRING}``.
NET_COMPUTER_NAME_ARRAY: Final = Struct("NET_COMPUTER_NAME_ARRAY", [
    ("EntryCount", uint32), ("ComputerNames", Pointer(ConformantArray(RpcUnicodeString)))])

# NetrUse* [out] shapes: only NULL pointers are ever sent, so the arms' targets are nominal.
USE_INFO: Final = Union(uint32, {level: _NULL_ONLY for level in range(4)}, default=None,
                        name="USE_INFO")
USE_ENUM_STRUCT: Final = Struct("USE_ENUM_STRUCT", [
    ("Level", uint32), ("UseInfo", Union(uint32, {level: _NULL_ONLY for level in range(3)},
                                         default=None, name="USE_ENUM_UNION"))])

_ENUM_TAIL_IN: Final = (("PreferredMaximumLength", uint32), ("ResumeHandle", PULONG))
_ENUM_TAIL_OUT: Final = (("TotalEntries", uint32), ("ResumeHandle", PULONG))

INTERFACE: Final = Interface(
    name="wkssvc", uuid="6bffd098-a112-3610-9833-46c3f87e345a", version=(1, 0),
    pipes=("wkssvc",), opnum_count=31,
    description="Workstation Service Remote Protocol (MS-WKST)")

#: Every opnum 0-30 is answered: MS-WKST 3.2.4 marks 3, 4, 12, 14-19 and 21 "reserved for local
#: use", yet Windows answers them over the wire as its NT 4 era methods (Samba's wkssvc.idl
#: names them; its smbtorture rpc.wkssvc, written against Windows, expects each answer below).
NOT_USED_ON_WIRE: Final[dict[int, str]] = {}
NOT_EMULATED: Final[dict[int, str]] = {}


# -------------------------------------------------------------------------------------------
# Helpers
# -------------------------------------------------------------------------------------------


def _enum_error(level: int, union_field: str, struct_name: str, status: int,
                request: dict[str, Any]) -> dict[str, Any]:
    return {struct_name: {"Level": level, union_field: (level, None)}, "TotalEntries": 0,
            "ResumeHandle": request["ResumeHandle"], "ReturnValue": status}


def _enum_reply(level: int, union_field: str, struct_name: str,
                entries: list[dict[str, Any]], request: dict[str, Any]) -> dict[str, Any]:
    got = page(entries, request["ResumeHandle"] or 0, request["PreferredMaximumLength"],
               netapi_entry_size)
    return {struct_name: {"Level": level,
                          union_field: (level, {"EntriesRead": len(got.items), "Buffer": got.items})},
            "TotalEntries": got.remaining, "ResumeHandle": got.resume_handle(request["ResumeHandle"]),
            "ReturnValue": got.werror}


def _lan_group(ctx: CallContext) -> str:
    """wki*_langroup: the domain the machine belongs to, or its workgroup (the LSA primary
    domain of the fixture: MS-WKST 2.2.5.1)."""
    return str(ctx.server.directory.primary_domain.name)


def _is_joined(ctx: CallContext) -> bool:
    return ctx.server.directory.primary_domain.sid is not None


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
                                      for name, value in WKSTA_502_DEFAULTS}),
                "ReturnValue": NERR_SUCCESS}
    if level not in (100, 101, 102):
        return {"WkstaInfo": (level, None), "ReturnValue": ERROR_INVALID_LEVEL}
    identity = ctx.server.profile.identity.srvsvc
    p = f"wki{level}_"
    info: dict[str, Any] = {
        f"{p}platform_id": identity.platform_id,
        f"{p}computername": ctx.server.directory.machine.netbios_name,
        f"{p}langroup": _lan_group(ctx),
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
    if _is_joined(ctx):
        return [(f"{machine}$", _lan_group(ctx), "")]
    return []


@INTERFACE.operation(2, "NetrWkstaUserEnum",
                     request=[("ServerName", WKSSVC_HANDLE),
                              ("UserInfo", Pointer(WKSTA_USER_ENUM_STRUCT, "ref")),
                              *_ENUM_TAIL_IN],
                     response=[("UserInfo", Pointer(WKSTA_USER_ENUM_STRUCT, "ref")),
                               *_ENUM_TAIL_OUT],
                     returns="WERROR")
def NetrWkstaUserEnum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-WKST 3.2.4.3: levels 0 and 1; administrators only."""
    level = request["UserInfo"]["Level"]
    if level not in USER_LEVELS:
        return _enum_error(level, "WkstaUserInfo", "UserInfo", ERROR_INVALID_LEVEL, request)
    status = ctx.decide("NetrWkstaUserEnum", level).status
    if status:
        return _enum_error(level, "WkstaUserInfo", "UserInfo", status, request)
    entries: list[dict[str, Any]] = []
    for user, domain, server in _logged_on_users(ctx):
        if level == 0:
            entries.append({"wkui0_username": user})
        else:
            entries.append({"wkui1_username": user, "wkui1_logon_domain": domain,
                            "wkui1_oth_domains": "", "wkui1_logon_server": server})
    return _enum_reply(level, "WkstaUserInfo", "UserInfo", entries, request)


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
                              *_ENUM_TAIL_IN],
                     response=[("TransportInfo", Pointer(WKSTA_TRANSPORT_ENUM_STRUCT, "ref")),
                               *_ENUM_TAIL_OUT],
                     returns="WERROR")
def NetrWkstaTransportEnum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-WKST 3.2.4.4: level 0, one NetBT/TCP transport entry."""
    level = request["TransportInfo"]["Level"]
    if level != 0:
        return _enum_error(level, "WkstaTransportInfo", "TransportInfo", ERROR_INVALID_LEVEL,
                           request)
    status = ctx.decide("NetrWkstaTransportEnum", level).status
    if status:
        return _enum_error(level, "WkstaTransportInfo", "TransportInfo", status, request)
    entry = transport(ctx.server.directory)
    entry["wkti0_number_of_vcs"] = len(ctx.server.sessions)
    return _enum_reply(level, "WkstaTransportInfo", "TransportInfo", [entry], request)


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
    joined = _is_joined(ctx)
    return {"NameBuffer": _lan_group(ctx),
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


# -------------------------------------------------------------------------------------------
# NetrUse* (8-11): not remotely callable
# -------------------------------------------------------------------------------------------


def _use_not_implemented(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-WKST 3.2.4.7-10: ERROR_CALL_NOT_IMPLEMENTED, levels echoed, [out] NULL."""
    op = ctx.operation
    assert op is not None
    out = op.error_response(ERROR_CALL_NOT_IMPLEMENTED)
    if op.name == "NetrUseGetInfo":
        out["InfoStruct"] = (request["Level"], None)
    elif op.name == "NetrUseEnum":
        level = request["InfoStruct"]["Level"]
        out["InfoStruct"] = {"Level": level, "UseInfo": (level, None)}
        out["ResumeHandle"] = request["ResumeHandle"]
    return out


_USE_OPS: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]],
                            Sequence[tuple[str, NdrType]]], ...]] = (
    # [in] Level, InfoStruct, [in, out, unique] ErrorParameter: only the fixed prefix is decoded
    (8, "NetrUseAdd", [("ServerName", WKSSVC_HANDLE), ("Level", uint32)],
     [("ErrorParameter", PULONG)]),
    (9, "NetrUseGetInfo",
     [("ServerName", WKSSVC_HANDLE), ("UseName", WStringRef), ("Level", uint32)],
     [("InfoStruct", USE_INFO)]),
    (10, "NetrUseDel",
     [("ServerName", WKSSVC_HANDLE), ("UseName", WStringRef), ("ForceLevel", uint32)], []),
    (11, "NetrUseEnum",
     [("ServerName", WKSSVC_HANDLE), ("InfoStruct", Pointer(USE_ENUM_STRUCT, "ref")),
      *_ENUM_TAIL_IN],
     [("InfoStruct", Pointer(USE_ENUM_STRUCT, "ref")), *_ENUM_TAIL_OUT]),
)
for _opnum, _name, _in, _out in _USE_OPS:
    INTERFACE.operation(_opnum, _name, request=_in, response=_out,
                        returns="WERROR")(_use_not_implemented)


# -------------------------------------------------------------------------------------------
# Changes to the workstation: refused (read-only emulation)
# -------------------------------------------------------------------------------------------


def _refuse(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    return op.error_response(ctx.decide().status or ERROR_ACCESS_DENIED)


for _opnum, _name, _out in ((1, "NetrWkstaSetInfo", [("ErrorParameter", PULONG)]),
                            (7, "NetrWkstaTransportDel", [])):
    # [in] parameters are not decoded (trailing stub bytes are ignored by smbemu.rpc.ndr)
    INTERFACE.operation(_opnum, _name, request=(), response=_out, returns="WERROR")(_refuse)

# An administrator's transport, join and name calls get Windows' answer to the same request
# (impacket's tests/dcerpc/test_wkst.py, written against Windows, names each); what would
# change the machine stays ERROR_ACCESS_DENIED, the emulated machine being read-only.
_ADMINS: Final = Rule(Require.ADMINISTRATORS, source="MS-WKST 3.2.4.5, 3.2.4.13-15, "
                      "3.2.4.18-20 (D: administrators)")
#: 2.2.5.18 JOINPR_ENCRYPTED_USER_PASSWORD: an 8-byte obfuscator, then 2.2.5.17's 516-byte
#: JOINPR_USER_PASSWORD (512 bytes of right-aligned UTF-16 password, its byte length)
#: RC4-encrypted under MD5(session key || obfuscator).
JOINPR_ENCRYPTED_USER_PASSWORD: Final = Struct("JOINPR_ENCRYPTED_USER_PASSWORD",
                                               [("Buffer", FixedBytes(524))])
_PASSWORD: Final = Pointer(JOINPR_ENCRYPTED_USER_PASSWORD)
#: A well-formed call: join / unjoin / rename (3.2.4.13-15) would change the machine: refused;
#: the name calls (3.2.4.18-20) ERROR_NOT_SUPPORTED, an answer impacket's test accepts from
#: Windows for each (U: which one a 2016 DC gives).
_OTHERWISE: Final = {"NetrJoinDomain2": ERROR_ACCESS_DENIED, "NetrUnjoinDomain2": ERROR_ACCESS_DENIED,
                     "NetrRenameMachineInDomain2": ERROR_ACCESS_DENIED}


def _setup_call(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-WKST 3.2.4.13-15 / 18-20: a password that does not decrypt (its length field beyond
    512 bytes; impacket sends 512 zero bytes) is ERROR_INVALID_PASSWORD; NULL means the
    caller's own."""
    op = ctx.operation
    assert op is not None
    status = ctx.decide().status
    encrypted = request.get("Password", request.get("EncryptedPassword"))
    if not status and encrypted is not None:
        key = hashlib.md5((ctx.session_key or b"") + encrypted["Buffer"][:8]).digest()
        # the RC4 layer and the length check are SAMPR_USER_PASSWORD's (MS-SAMR 2.2.6.21)
        if ctx.server.directory.clear_password_for(encrypted["Buffer"][8:], key) is None:
            status = ERROR_INVALID_PASSWORD
    return op.error_response(status or _OTHERWISE.get(op.name, ERROR_NOT_SUPPORTED))


_SERVER: Final = ("ServerName", WKSSVC_HANDLE)
_ACCOUNT: Final = (("AccountName", WString), ("Password", _PASSWORD), ("Options", uint32))
for _opnum, _name, _in in (
        (22, "NetrJoinDomain2", [_SERVER, ("DomainNameParam", WStringRef),
                                 ("MachineAccountOU", WString), *_ACCOUNT]),
        (23, "NetrUnjoinDomain2", [_SERVER, *_ACCOUNT]),
        (24, "NetrRenameMachineInDomain2", [_SERVER, ("MachineName", WString), *_ACCOUNT]),
        *((opnum, name, [_SERVER, (field, WString), ("DomainAccount", WString),
                         ("EncryptedPassword", _PASSWORD), ("Reserved", uint32)])
          for opnum, name, field in ((27, "NetrAddAlternateComputerName", "AlternateName"),
                                     (28, "NetrRemoveAlternateComputerName", "AlternateName"),
                                     (29, "NetrSetPrimaryComputerName", "PrimaryName")))):
    INTERFACE.operation(_opnum, _name, request=_in, returns="WERROR", rule=_ADMINS)(_setup_call)


@INTERFACE.operation(6, "NetrWkstaTransportAdd",
                     request=[_SERVER, ("Level", uint32),
                              ("TransportInfo", Pointer(WKSTA_TRANSPORT_INFO_0, "ref")),
                              ("ErrorParameter", PULONG)],
                     response=[("ErrorParameter", PULONG)], returns="WERROR", rule=_ADMINS)
def NetrWkstaTransportAdd(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-WKST 3.2.4.5: a Level other than 0 MUST be ERROR_INVALID_LEVEL; a level-0 transport
    is not bound (<41>, Windows' own processing): ERROR_INVALID_FUNCTION, Windows' answer to
    impacket's test (U: the checks behind smbtorture's ERROR_INVALID_PARAMETER)."""
    status = ctx.decide().status
    if not status:
        status = ERROR_INVALID_LEVEL if request["Level"] != 0 else ERROR_INVALID_FUNCTION
    return {"ErrorParameter": request["ErrorParameter"], "ReturnValue": status}

# -------------------------------------------------------------------------------------------
# The NT 4 era methods (3, 4, 12, 14-19, 21), NetrWorkstationStatisticsGet (13) and the
# NetSetup calls NetrValidateName2 (25) / NetrGetJoinableOUs2 (26)
# -------------------------------------------------------------------------------------------

WKSTA_USER_INFO_1101: Final = Struct("WKSTA_USER_INFO_1101", [("wkui1101_oth_domains", WString)])
USER_INFO: Final = Union(uint32, {0: Pointer(WKSTA_USER_INFO_0), 1: Pointer(WKSTA_USER_INFO_1),
                                  1101: Pointer(WKSTA_USER_INFO_1101)},
                         default=None, name="WKSTA_USER_INFO")


@INTERFACE.operation(3, "NetrWkstaUserGetInfo",
                     request=[("Reserved", WString), ("Level", uint32)],
                     response=[("UserInfo", USER_INFO)], returns="WERROR")
def NetrWkstaUserGetInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """The caller's own interactive logon (NetWkstaUserGetInfo): a network caller has none,
    so levels 0 / 1 are ERROR_NO_SUCH_LOGON_SESSION and 1101 (other domains) succeeds empty;
    a non-NULL reserved name is ERROR_INVALID_PARAMETER (smbtorture rpc.wkssvc
    NetrWkstaUserGetInfo, Windows' answers)."""
    level = request["Level"]
    if request["Reserved"] is not None:
        return {"UserInfo": (level, None), "ReturnValue": ERROR_INVALID_PARAMETER}
    if level in (0, 1):
        return {"UserInfo": (level, None), "ReturnValue": ERROR_NO_SUCH_LOGON_SESSION}
    if level == 1101:
        return {"UserInfo": (level, {"wkui1101_oth_domains": None}), "ReturnValue": NERR_SUCCESS}
    return {"UserInfo": (level, None), "ReturnValue": ERROR_INVALID_LEVEL}


@INTERFACE.operation(12, "NetrMessageBufferSend", request=(), returns="WERROR")
def NetrMessageBufferSend(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """A net send message: delivered (and dropped) while the Messenger service runs (NT 4 /
    2000, ``smbemu.service_catalog``; smbtorture: "only succeeds as long as the local messenger
    service is running"); NERR_NameNotFound without it, no alias being registered (U)."""
    from smbemu.service_catalog import is_running

    running = is_running(ctx.server.profile, "Messenger")
    return {"ReturnValue": NERR_SUCCESS if running else NERR_NAME_NOT_FOUND}


def _not_supported(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    return op.error_response(ERROR_NOT_SUPPORTED)


# smbtorture rpc.wkssvc expects WERR_NOT_SUPPORTED from Windows for 14-19 and 21 (the NT 4
# join / logon-domain calls, superseded by the *2 calls); 4 (NetrWkstaUserSetInfo, untested
# there) is answered alike (U).  [in] parameters are not decoded.
for _opnum, _name, _out in (
        (4, "NetrWkstaUserSetInfo", [("ParmErr", PULONG)]),
        (14, "NetrLogonDomainNameAdd", []), (15, "NetrLogonDomainNameDel", []),
        (16, "NetrJoinDomain", []), (17, "NetrUnjoinDomain", []),
        (18, "NetrRenameMachineInDomain", []), (19, "NetrValidateName", []),
        (21, "NetrGetJoinableOus", [("OUCount", uint32), ("OUs", _NULL_ONLY)])):
    INTERFACE.operation(_opnum, _name, request=(), response=_out,
                        returns="WERROR")(_not_supported)

#: MS-WKST 2.2.5.11 STAT_WORKSTATION_0: 13 LARGE_INTEGER counters, then 27 ULONG ones.
_STAT_HYPERS: Final = (
    "StatisticsStartTime", "BytesReceived", "SmbsReceived", "PagingReadBytesRequested",
    "NonPagingReadBytesRequested", "CacheReadBytesRequested", "NetworkReadBytesRequested",
    "BytesTransmitted", "SmbsTransmitted", "PagingWriteBytesRequested",
    "NonPagingWriteBytesRequested", "CacheWriteBytesRequested", "NetworkWriteBytesRequested")
_STAT_LONGS: Final = (
    "InitiallyFailedOperations", "FailedCompletionOperations", "ReadOperations",
    "RandomReadOperations", "ReadSmbs", "LargeReadSmbs", "SmallReadSmbs", "WriteOperations",
    "RandomWriteOperations", "WriteSmbs", "LargeWriteSmbs", "SmallWriteSmbs", "RawReadsDenied",
    "RawWritesDenied", "NetworkErrors", "Sessions", "FailedSessions", "Reconnects",
    "CoreConnects", "Lanman20Connects", "Lanman21Connects", "LanmanNtConnects",
    "ServerDisconnects", "HungSessions", "UseCount", "FailedUseCount", "CurrentCommands")
STAT_WORKSTATION_0: Final = Struct("STAT_WORKSTATION_0", [
    *((name, int64) for name in _STAT_HYPERS), *((name, uint32) for name in _STAT_LONGS)])


@INTERFACE.operation(13, "NetrWorkstationStatisticsGet",
                     request=[("ServerName", WKSSVC_HANDLE), ("ServiceName", WString),
                              ("Level", uint32), ("Options", uint32)],
                     response=[("Buffer", Pointer(STAT_WORKSTATION_0))], returns="WERROR",
                     rule=Rule(Require.ADMINISTRATORS,
                               source="Win32 NetStatisticsGet remarks (D: Administrators)"))
def NetrWorkstationStatisticsGet(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-WKST 3.2.4.11: Level 0, Options 0 (ERROR_INVALID_LEVEL / ERROR_INVALID_PARAMETER
    otherwise).  The emulated machine's redirector never runs: every counter is 0 but the
    start time (the server's, as a FILETIME)."""
    if request["Level"] != 0:
        return {"Buffer": None, "ReturnValue": ERROR_INVALID_LEVEL}
    if request["Options"] != 0:
        return {"Buffer": None, "ReturnValue": ERROR_INVALID_PARAMETER}
    stats = {name: 0 for name, _ in STAT_WORKSTATION_0.fields}
    stats["StatisticsStartTime"] = ctx.server.start_filetime or 0
    return {"Buffer": stats, "ReturnValue": NERR_SUCCESS}


def _remote_disabled(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    return op.error_response(RPC_E_REMOTE_DISABLED)


# smbtorture rpc.wkssvc NetrValidateName2 / NetrGetJoinableOus2 expect RPC_E_REMOTE_DISABLED
# from Windows (U: whether a PKT_PRIVACY caller gets further).  [in] not decoded; OUCount 0,
# OUs NULL.
INTERFACE.operation(25, "NetrValidateName2", request=(), returns="WERROR")(_remote_disabled)
INTERFACE.operation(26, "NetrGetJoinableOUs2", request=(),
                    response=[("OUCount", uint32), ("OUs", _NULL_ONLY)],
                    returns="WERROR")(_remote_disabled)

__all__ = ["INTERFACE", "NOT_USED_ON_WIRE", "NOT_EMULATED", "WKSTA_INFO",
           "WKSTA_USER_ENUM_STRUCT", "WKSTA_TRANSPORT_ENUM_STRUCT", "transport"]
