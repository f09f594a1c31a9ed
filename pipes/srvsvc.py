"""srvsvc: the Server Service Remote Protocol (MS-SRVS), on ``\\PIPE\\srvsvc``.

UUID 4b324fc8-1670-01d3-1278-5a47bf6ee188 version 3.0 (MS-SRVS 2.1).  Every opnum MS-SRVS 3.1.4
lists (0 to 57) is declared here, in opnum order, in one of four ways:

* **emulated** — answered from the live server state: the fixture's shares (IPC$ first, then the
  fixture's, ``ctx.server.directory.shares``), the profile's identity (platform id, version and
  server-type bits), the real sessions, tree connects and open pipes (``ctx.server.sessions``),
  the real clock;
* **"Opnum0NotUsedOnWire" .. 7** — MS-SRVS 3.1.4 says these "return ERROR_NOT_SUPPORTED"; they
  are the LAN Manager character-device calls (NetrCharDev*), decoded with their real [in]
  parameters (Samba's srvsvc.idl spells them out) and answered ERROR_NOT_SUPPORTED (50) with
  empty [out] parameters — not faulted: MS-SRVS states the return value.
* **"Opnum29/42/47NotUsedOnWire"** — "reserved for local use", server behaviour undefined by
  MS-SRVS: fault nca_op_rng_error 0x1C010002, what an RPC server answers for an opnum it does
  not dispatch;
* **not emulated** — calls Windows implements but that change the server (NetrShareAdd,
  NetrSessionDel, ...) are refused with ERROR_ACCESS_DENIED (5), what Windows returns to a
  non-administrator; an administrator gets the same answer here because the emulated server is
  read-only (``smbemu.policy`` explains it in the log).  Their [in] parameters are not decoded
  (the answer does not depend on them); their [out] parameters are NULL / zero.  A few read-only
  calls that are not emulated yet (NetrServerTransportEnum, NetprNameCanonicalize,
  NetrpGetFileSecurity, the DFS calls, NetrServerAliasEnum) fault nca_op_rng_error rather than
  invent an answer — listed in :data:`NOT_EMULATED`.

Access rules (who may call what, at which level) are :mod:`smbemu.policy`'s; handlers ask their
call context (``ctx.decide(level=...)``) and return the WERROR it gives as the return value,
never as a fault (windows-defaults.md §0 rule 9).

NDR types are declared once, below, named after MS-SRVS 2.2.4 (``SHARE_INFO_1``...), with the
[in]/[out] parameter lists of each method as MS-SRVS 3.1.4.x gives them.  Enumerations share one
pager (:mod:`smbemu.rpc.paging`): ``PreferedMaximumLength`` bounds the bytes returned (entry sizes are
estimated the way NetApi buffers are sized: 4 bytes per fixed field plus the UTF-16 strings with
their NUL), at least one entry is returned per call so a client always progresses, the resume
handle is the index of the next entry, and a short answer returns ERROR_MORE_DATA (234).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext, Interface, ndr
from smbemu.rpc.dtyp import FILETIME_UNIX_EPOCH, TICKS_PER_SECOND
from smbemu.rpc.paging import netapi_entry_size, page
from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantBytes,
    ConformantVaryingArray,
    ContextHandle,
    NdrType,
    Pointer,
    Struct,
    Union,
    VaryingArray,
    WString,
    WStringRef,
    uint32,
)
from smbemu.rpc.status import (
    RPC_X_INVALID_BOUND,
    ERROR_ACCESS_DENIED,
    ERROR_INVALID_LEVEL,
    ERROR_INVALID_NAME,
    ERROR_INVALID_PARAMETER,
    ERROR_NOT_SUPPORTED,
    NERR_BUF_TOO_SMALL,
    NERR_CLIENT_NAME_NOT_FOUND,
    NERR_DEVICE_NOT_SHARED,
    NERR_FILE_ID_NOT_FOUND,
    NERR_NET_NAME_NOT_FOUND,
    NERR_SUCCESS,
    NERR_USER_NOT_FOUND,
)

# -------------------------------------------------------------------------------------------
# Constants (status codes come from smbemu.rpc.status)
# -------------------------------------------------------------------------------------------

#: MS-SRVS 2.2.4.23 shi2_max_uses: "no limit" on concurrent connections.
SHI_USES_UNLIMITED: Final = 0xFFFFFFFF

#: MS-SRVS 2.2.2.4 share types.
STYPE_DISKTREE: Final = 0x00000000
STYPE_SPECIAL: Final = 0x80000000
#: MS-SRVS 2.2.2.7 / lmshare.h: session user flags.
SESS_GUEST: Final = 0x00000001
#: lmaccess.h ACCESS_READ / ACCESS_WRITE as FILE_INFO_3 fi3_permissions uses them (PERM_FILE_*).
PERM_FILE_READ: Final = 0x1
PERM_FILE_WRITE: Final = 0x2

#: MS-SRVS 2.2.2.9 path types (ITYPE_*): base classes and modifier bits.
ITYPE_UNC: Final = 0x1000
ITYPE_UNC_COMPNAME: Final = 0x1030
ITYPE_PATH: Final = 0x2000
ITYPE_DEVICE_DISK: Final = 0x4000
ITYPE_DEVICE_LPT: Final = 0x4010
ITYPE_DEVICE_COM: Final = 0x4020
ITYPE_DEVICE_CON: Final = 0x4040
ITYPE_DEVICE_NUL: Final = 0x4050
_ITYPE_WILDCARD: Final = 0x1
_ITYPE_ABSOLUTE: Final = 0x2
_ITYPE_DRIVE: Final = 0x4
#: \\server\PIPE\..., \PIPE\... and the other system directories (MS-SRVS 2.2.2.9).
_SYS_DIRS: Final = {"PIPE": 0x0B00, "MAILSLOT": 0x0800, "SEM": 0x0900, "SHAREMEM": 0x0A00,
                    "QUEUES": 0x0E00}
#: NetprPath*/NetprName* Flags: LM 2.x compatible names (MS-SRVS 3.1.4.29-35); 0x1 in the
#: Compare calls means "already canonicalized".
_LM2X_COMPATIBLE: Final = 0x80000000
_ALREADY_CANONICAL: Final = 0x00000001

# -------------------------------------------------------------------------------------------
# NDR types (MS-SRVS 2.2.4)
# -------------------------------------------------------------------------------------------

#: SRVSVC_HANDLE (2.2.1.1): ``[string, unique] wchar_t*``.
SRVSVC_HANDLE: Final = WString
#: ``[in, out, unique] DWORD* ResumeHandle`` and friends.
PDWORD: Final = Pointer(uint32)


def _container(name: str, item: NdrType) -> Struct:
    """``{DWORD EntriesRead; [size_is(EntriesRead)] ITEM* Buffer;}`` (every *_CONTAINER)."""
    return Struct(name, [("EntriesRead", uint32), ("Buffer", Pointer(ConformantArray(item)))])


def _enum_struct(name: str, union_field: str, arms: Mapping[int, NdrType]) -> Struct:
    """``{DWORD Level; [switch_is(Level)] UNION}`` with a pointer to a container per level.

    The default arm is empty (as Samba declares it) so that an unknown level decodes and the
    handler answers ERROR_INVALID_LEVEL instead of the runtime faulting.
    """
    return Struct(name, [("Level", uint32),
                         (union_field, Union(uint32, {k: Pointer(v) for k, v in arms.items()},
                                             default=None, name=f"{name}.{union_field}"))])


def _info_union(name: str, arms: Mapping[int, NdrType]) -> Union:
    """``[switch_is(Level)] LP..._INFO``: a pointer to the structure of each level."""
    return Union(uint32, {k: Pointer(v) for k, v in arms.items()}, default=None, name=name)


# 2.2.4.22-2.2.4.29 SHARE_INFO_*
SHARE_INFO_0: Final = Struct("SHARE_INFO_0", [("shi0_netname", WString)])
SHARE_INFO_1: Final = Struct("SHARE_INFO_1", [
    ("shi1_netname", WString), ("shi1_type", uint32), ("shi1_remark", WString)])
SHARE_INFO_2: Final = Struct("SHARE_INFO_2", [
    ("shi2_netname", WString), ("shi2_type", uint32), ("shi2_remark", WString),
    ("shi2_permissions", uint32), ("shi2_max_uses", uint32), ("shi2_current_uses", uint32),
    ("shi2_path", WString), ("shi2_passwd", WString)])
SHARE_INFO_501: Final = Struct("SHARE_INFO_501", [
    ("shi501_netname", WString), ("shi501_type", uint32), ("shi501_remark", WString),
    ("shi501_flags", uint32)])
SHARE_INFO_502_I: Final = Struct("SHARE_INFO_502_I", [
    ("shi502_netname", WString), ("shi502_type", uint32), ("shi502_remark", WString),
    ("shi502_permissions", uint32), ("shi502_max_uses", uint32), ("shi502_current_uses", uint32),
    ("shi502_path", WString), ("shi502_passwd", WString), ("shi502_reserved", uint32),
    ("shi502_security_descriptor", Pointer(ConformantBytes()))])
SHARE_INFO_503_I: Final = Struct("SHARE_INFO_503_I", [
    ("shi503_netname", WString), ("shi503_type", uint32), ("shi503_remark", WString),
    ("shi503_permissions", uint32), ("shi503_max_uses", uint32), ("shi503_current_uses", uint32),
    ("shi503_path", WString), ("shi503_passwd", WString), ("shi503_servername", WString),
    ("shi503_reserved", uint32), ("shi503_security_descriptor", Pointer(ConformantBytes()))])
SHARE_INFO_1004: Final = Struct("SHARE_INFO_1004", [("shi1004_remark", WString)])
SHARE_INFO_1005: Final = Struct("SHARE_INFO_1005", [("shi1005_flags", uint32)])
SHARE_INFO_1006: Final = Struct("SHARE_INFO_1006", [("shi1006_max_uses", uint32)])
SHARE_INFO_1501_I: Final = Struct("SHARE_INFO_1501_I", [
    ("shi1501_reserved", uint32), ("shi1501_security_descriptor", Pointer(ConformantBytes()))])

#: The structure of each NetrShareEnum level (2.2.4.38 SHARE_ENUM_UNION).
SHARE_ENUM_LEVELS: Final[dict[int, Struct]] = {
    0: SHARE_INFO_0, 1: SHARE_INFO_1, 2: SHARE_INFO_2, 501: SHARE_INFO_501,
    502: SHARE_INFO_502_I, 503: SHARE_INFO_503_I}
SHARE_ENUM_STRUCT: Final = _enum_struct("SHARE_ENUM_STRUCT", "ShareInfo", {
    level: _container(f"SHARE_INFO_{level}_CONTAINER", s)
    for level, s in SHARE_ENUM_LEVELS.items()})
#: 2.2.3.6 SHARE_INFO union (NetrShareGetInfo).
SHARE_INFO_LEVELS: Final[dict[int, Struct]] = {
    **SHARE_ENUM_LEVELS, 1004: SHARE_INFO_1004, 1005: SHARE_INFO_1005,
    1006: SHARE_INFO_1006, 1501: SHARE_INFO_1501_I}
SHARE_INFO: Final = _info_union("SHARE_INFO", SHARE_INFO_LEVELS)

# 2.2.4.40-2.2.4.43 SERVER_INFO_100 / 101 / 102 (the 101 layout is MS-DTYP 2.3.12)
SERVER_INFO_100: Final = Struct("SERVER_INFO_100", [
    ("sv100_platform_id", uint32), ("sv100_name", WString)])
SERVER_INFO_101: Final = Struct("SERVER_INFO_101", [
    ("sv101_platform_id", uint32), ("sv101_name", WString), ("sv101_version_major", uint32),
    ("sv101_version_minor", uint32), ("sv101_type", uint32), ("sv101_comment", WString)])
SERVER_INFO_102: Final = Struct("SERVER_INFO_102", [
    ("sv102_platform_id", uint32), ("sv102_name", WString), ("sv102_version_major", uint32),
    ("sv102_version_minor", uint32), ("sv102_type", uint32), ("sv102_comment", WString),
    ("sv102_users", uint32), ("sv102_disc", ndr.int32), ("sv102_hidden", uint32),
    ("sv102_announce", uint32), ("sv102_anndelta", uint32), ("sv102_licenses", uint32),
    ("sv102_userpath", WString)])
SERVER_INFO: Final = _info_union("SERVER_INFO", {
    100: SERVER_INFO_100, 101: SERVER_INFO_101, 102: SERVER_INFO_102})

# 2.2.4.8-2.2.4.14 SESSION_INFO_*
SESSION_INFO_0: Final = Struct("SESSION_INFO_0", [("sesi0_cname", WString)])
SESSION_INFO_1: Final = Struct("SESSION_INFO_1", [
    ("sesi1_cname", WString), ("sesi1_username", WString), ("sesi1_num_opens", uint32),
    ("sesi1_time", uint32), ("sesi1_idle_time", uint32), ("sesi1_user_flags", uint32)])
SESSION_INFO_2: Final = Struct("SESSION_INFO_2", [
    ("sesi2_cname", WString), ("sesi2_username", WString), ("sesi2_num_opens", uint32),
    ("sesi2_time", uint32), ("sesi2_idle_time", uint32), ("sesi2_user_flags", uint32),
    ("sesi2_cltype_name", WString)])
SESSION_INFO_10: Final = Struct("SESSION_INFO_10", [
    ("sesi10_cname", WString), ("sesi10_username", WString), ("sesi10_time", uint32),
    ("sesi10_idle_time", uint32)])
SESSION_INFO_502: Final = Struct("SESSION_INFO_502", [
    ("sesi502_cname", WString), ("sesi502_username", WString), ("sesi502_num_opens", uint32),
    ("sesi502_time", uint32), ("sesi502_idle_time", uint32), ("sesi502_user_flags", uint32),
    ("sesi502_cltype_name", WString), ("sesi502_transport", WString)])
SESSION_LEVELS: Final[dict[int, Struct]] = {
    0: SESSION_INFO_0, 1: SESSION_INFO_1, 2: SESSION_INFO_2, 10: SESSION_INFO_10,
    502: SESSION_INFO_502}
SESSION_ENUM_STRUCT: Final = _enum_struct("SESSION_ENUM_STRUCT", "SessionInfo", {
    level: _container(f"SESSION_INFO_{level}_CONTAINER", s)
    for level, s in SESSION_LEVELS.items()})

# 2.2.4.1-2.2.4.5 CONNECTION_INFO_*
CONNECTION_INFO_0: Final = Struct("CONNECTION_INFO_0", [("coni0_id", uint32)])
CONNECTION_INFO_1: Final = Struct("CONNECTION_INFO_1", [
    ("coni1_id", uint32), ("coni1_type", uint32), ("coni1_num_opens", uint32),
    ("coni1_num_users", uint32), ("coni1_time", uint32), ("coni1_username", WString),
    ("coni1_netname", WString)])
CONNECTION_LEVELS: Final[dict[int, Struct]] = {0: CONNECTION_INFO_0, 1: CONNECTION_INFO_1}
CONNECT_ENUM_STRUCT: Final = _enum_struct("CONNECT_ENUM_STRUCT", "ConnectInfo", {
    level: _container(f"CONNECT_INFO_{level}_CONTAINER", s)
    for level, s in CONNECTION_LEVELS.items()})

# 2.2.4.6-2.2.4.10 FILE_INFO_*
FILE_INFO_2: Final = Struct("FILE_INFO_2", [("fi2_id", uint32)])
FILE_INFO_3: Final = Struct("FILE_INFO_3", [
    ("fi3_id", uint32), ("fi3_permissions", uint32), ("fi3_num_locks", uint32),
    ("fi3_path_name", WString), ("fi3_username", WString)])
FILE_LEVELS: Final[dict[int, Struct]] = {2: FILE_INFO_2, 3: FILE_INFO_3}
FILE_ENUM_STRUCT: Final = _enum_struct("FILE_ENUM_STRUCT", "FileInfo", {
    level: _container(f"FILE_INFO_{level}_CONTAINER", s) for level, s in FILE_LEVELS.items()})
FILE_INFO: Final = _info_union("FILE_INFO", dict(FILE_LEVELS))

# 2.2.4.91-2.2.4.92 DISK_INFO ("[string] WCHAR Disk[3]": a varying array, no max_count) and
# DISK_ENUM_CONTAINER ("[size_is(EntriesRead), length_is(EntriesRead)] LPDISK_INFO Buffer").
DISK_INFO: Final = Struct("DISK_INFO", [("Disk", VaryingArray(ndr.wchar, 3))])
DISK_ENUM_CONTAINER: Final = Struct("DISK_ENUM_CONTAINER", [
    ("EntriesRead", uint32), ("Buffer", Pointer(ConformantVaryingArray(DISK_INFO)))])

# 2.2.4.105 TIME_OF_DAY_INFO
TIME_OF_DAY_INFO: Final = Struct("TIME_OF_DAY_INFO", [
    ("tod_elapsedt", uint32), ("tod_msecs", uint32), ("tod_hours", uint32), ("tod_mins", uint32),
    ("tod_secs", uint32), ("tod_hunds", uint32), ("tod_timezone", ndr.int32),
    ("tod_tinterval", uint32), ("tod_day", uint32), ("tod_month", uint32), ("tod_year", uint32),
    ("tod_weekday", uint32)])

# 2.2.4.39 STAT_SERVER_0
STAT_SERVER_0: Final = Struct("STAT_SERVER_0", [(name, uint32) for name in (
    "sts0_start", "sts0_fopens", "sts0_devopens", "sts0_jobsqueued", "sts0_sopens",
    "sts0_stimedout", "sts0_serrorout", "sts0_pwerrors", "sts0_permerrors", "sts0_syserrors",
    "sts0_bytessent_low", "sts0_bytessent_high", "sts0_bytesrcvd_low", "sts0_bytesrcvd_high",
    "sts0_avresponse", "sts0_reqbufneed", "sts0_bigbufneed")])

# The LAN Manager character-device structures of opnums 0-7 (Samba srvsvc.idl; MS-SRVS keeps
# only their opnums): only their pointers ever go on the wire here (always NULL), and the [in]
# union of NetrCharDevQSetInfo.
CHARDEV_INFO_0: Final = Struct("CHARDEV_INFO_0", [("ch0_dev", WString)])
CHARDEV_INFO_1: Final = Struct("CHARDEV_INFO_1", [
    ("ch1_dev", WString), ("ch1_status", uint32), ("ch1_username", WString),
    ("ch1_time", uint32)])
CHARDEVQ_INFO_0: Final = Struct("CHARDEVQ_INFO_0", [("cq0_dev", WString)])
CHARDEVQ_INFO_1: Final = Struct("CHARDEVQ_INFO_1", [
    ("cq1_dev", WString), ("cq1_priority", uint32), ("cq1_devs", WString),
    ("cq1_numusers", uint32), ("cq1_numahead", uint32)])
CHARDEV_ENUM_STRUCT: Final = _enum_struct("CHARDEV_ENUM_STRUCT", "ChardevInfo", {
    0: _container("CHARDEV_INFO_0_CONTAINER", CHARDEV_INFO_0),
    1: _container("CHARDEV_INFO_1_CONTAINER", CHARDEV_INFO_1)})
CHARDEVQ_ENUM_STRUCT: Final = _enum_struct("CHARDEVQ_ENUM_STRUCT", "ChardevQInfo", {
    0: _container("CHARDEVQ_INFO_0_CONTAINER", CHARDEVQ_INFO_0),
    1: _container("CHARDEVQ_INFO_1_CONTAINER", CHARDEVQ_INFO_1)})
CHARDEV_INFO: Final = _info_union("CHARDEV_INFO", {0: CHARDEV_INFO_0, 1: CHARDEV_INFO_1})
CHARDEVQ_INFO: Final = _info_union("CHARDEVQ_INFO", {0: CHARDEVQ_INFO_0, 1: CHARDEVQ_INFO_1})

#: Parameter lists every enumeration method shares (MS-SRVS 3.1.4.x).
_ENUM_TAIL_IN: Final = (("PreferedMaximumLength", uint32), ("ResumeHandle", PDWORD))
_ENUM_TAIL_OUT: Final = (("TotalEntries", uint32), ("ResumeHandle", PDWORD))

INTERFACE: Final = Interface(
    name="srvsvc", uuid="4b324fc8-1670-01d3-1278-5a47bf6ee188", version=(3, 0),
    pipes=("srvsvc",), opnum_count=58,
    description="Server Service Remote Protocol (MS-SRVS)")

#: Read-only calls Windows implements and smbemu does not emulate yet: fault nca_op_rng_error.
NOT_EMULATED: Final = {26: "NetrServerTransportEnum", 34: "NetprNameCanonicalize",
                       39: "NetrpGetFileSecurity", 43: "NetrDfsGetVersion",
                       44: "NetrDfsCreateLocalPartition", 45: "NetrDfsDeleteLocalPartition",
                       46: "NetrDfsSetLocalVolumeState", 48: "NetrDfsCreateExitPoint",
                       49: "NetrDfsDeleteExitPoint", 50: "NetrDfsModifyPrefix",
                       51: "NetrDfsFixLocalVolume", 52: "NetrDfsManagerReportSiteInfo",
                       55: "NetrServerAliasEnum"}
#: MS-SRVS 3.1.4: "reserved for local use" (behaviour undefined): nca_op_rng_error.
NOT_USED_ON_WIRE: Final = {29: "Opnum29NotUsedOnWire", 42: "Opnum42NotUsedOnWire",
                           47: "Opnum47NotUsedOnWire"}
for _opnum, _name in {**NOT_EMULATED, **NOT_USED_ON_WIRE}.items():
    INTERFACE.not_implemented(_opnum, _name)


# -------------------------------------------------------------------------------------------
# Helpers
# -------------------------------------------------------------------------------------------


def _strings_size(*values: str | None) -> int:
    return sum(2 * (len(v) + 1) for v in values if v is not None)


def _enum_reply(ctx: CallContext, union_field: str, level: int, entries: list[dict[str, Any]],
                request: dict[str, Any], struct_name: str = "InfoStruct") -> dict[str, Any]:
    """The [out] parameters of an Enum method from the full list of entries."""
    got = page(entries, request["ResumeHandle"] or 0, request["PreferedMaximumLength"],
               netapi_entry_size)
    container = {"EntriesRead": len(got.items), "Buffer": got.items}
    return {struct_name: {"Level": level, union_field: (level, container)},
            "TotalEntries": got.remaining, "ResumeHandle": got.resume_handle(request["ResumeHandle"]),
            "ReturnValue": got.werror}


def _enum_error(ctx: CallContext, union_field: str, level: int, status: int,
                request: dict[str, Any]) -> dict[str, Any]:
    """An Enum method's failure: the level echoed with a NULL container (what Windows sends)."""
    return {"InfoStruct": {"Level": level, union_field: (level, None)}, "TotalEntries": 0,
            "ResumeHandle": request.get("ResumeHandle"), "ReturnValue": status}


def _all_sessions(ctx: CallContext) -> list[Any]:
    """The server's established sessions, oldest first (``smbemu.state.Session``)."""
    sessions = getattr(ctx.server, "sessions", None) or {}
    return sorted(sessions.values(), key=lambda s: (s.created_at, s.session_id))


def _kind(session: Any) -> str:
    kind = session.principal.kind
    return str(getattr(kind, "value", kind))


def _user_name(session: Any) -> str:
    """sesi*_username: the account name; empty for the null session (as Windows lists it)."""
    return "" if _kind(session) == "anonymous" else session.principal.user_name


def _client_name(session: Any) -> str:
    """sesi*_cname: ``\\\\`` + the client's address (Windows shows ``\\\\127.0.0.1`` for SMB2
    clients); the NTLM workstation name if the address was never recorded."""
    address = getattr(session, "client_address", "") or session.principal.workstation or ""
    return "\\\\" + address


def _seconds_since(moment: float) -> int:
    return max(0, int(time.time() - moment)) if moment else 0


def _share_uses(ctx: CallContext, share_name: str) -> int:
    """shi2_current_uses: tree connects to the share, over every session."""
    name = share_name.lower()
    return sum(1 for s in _all_sessions(ctx) for t in s.tree_connects.values()
               if t.share_name.lower() == name)


# -------------------------------------------------------------------------------------------
# Opnums 0-7: the LAN Manager character-device calls ("Opnum0..7NotUsedOnWire")
# -------------------------------------------------------------------------------------------


def _char_dev_not_supported(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4: "Returns ERROR_NOT_SUPPORTED"; [out] parameters NULL, levels echoed."""
    op = ctx.operation
    assert op is not None
    out = op.error_response(ERROR_NOT_SUPPORTED)
    if "InfoStruct" in out:
        if "InfoStruct" in request:
            # the Enum calls: [in, out] {Level; [switch_is(Level)] union} and a resume handle
            level = request["InfoStruct"]["Level"]
            arm = next(k for k in request["InfoStruct"] if k != "Level")
            out["InfoStruct"] = {"Level": level, arm: (level, None)}
            out["ResumeHandle"] = request["ResumeHandle"]
        else:
            # the GetInfo calls: [out, switch_is(Level)] union
            out["InfoStruct"] = (request["Level"], None)
    return out


_CHARDEV_OPS: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]],
                                Sequence[tuple[str, NdrType]]], ...]] = (
    (0, "NetrCharDevEnum",
     [("ServerName", SRVSVC_HANDLE), ("InfoStruct", Pointer(CHARDEV_ENUM_STRUCT, "ref")),
      *_ENUM_TAIL_IN],
     [("InfoStruct", Pointer(CHARDEV_ENUM_STRUCT, "ref")), *_ENUM_TAIL_OUT]),
    (1, "NetrCharDevGetInfo",
     [("ServerName", SRVSVC_HANDLE), ("DevName", WStringRef), ("Level", uint32)],
     [("InfoStruct", CHARDEV_INFO)]),
    (2, "NetrCharDevControl",
     [("ServerName", SRVSVC_HANDLE), ("DevName", WStringRef), ("Opcode", uint32)], []),
    (3, "NetrCharDevQEnum",
     [("ServerName", SRVSVC_HANDLE), ("UserName", WString),
      ("InfoStruct", Pointer(CHARDEVQ_ENUM_STRUCT, "ref")), *_ENUM_TAIL_IN],
     [("InfoStruct", Pointer(CHARDEVQ_ENUM_STRUCT, "ref")), *_ENUM_TAIL_OUT]),
    (4, "NetrCharDevQGetInfo",
     [("ServerName", SRVSVC_HANDLE), ("QueueName", WStringRef), ("UserName", WStringRef),
      ("Level", uint32)],
     [("InfoStruct", CHARDEVQ_INFO)]),
    (5, "NetrCharDevQSetInfo",
     [("ServerName", SRVSVC_HANDLE), ("QueueName", WStringRef), ("Level", uint32),
      ("CharDevQInfo", CHARDEVQ_INFO), ("ParmErr", PDWORD)],
     [("ParmErr", PDWORD)]),
    (6, "NetrCharDevQPurge",
     [("ServerName", SRVSVC_HANDLE), ("QueueName", WStringRef)], []),
    (7, "NetrCharDevQPurgeSelf",
     [("ServerName", SRVSVC_HANDLE), ("QueueName", WStringRef), ("ComputerName", WStringRef)],
     []),
)
for _opnum, _name, _in, _out in _CHARDEV_OPS:
    INTERFACE.operation(_opnum, _name, request=_in, response=_out,
                        returns="WERROR")(_char_dev_not_supported)


# -------------------------------------------------------------------------------------------
# Calls that change the server: refused (read-only emulation, see the module docstring)
# -------------------------------------------------------------------------------------------


def _refuse(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """ERROR_ACCESS_DENIED with NULL [out] parameters; the policy logs why."""
    op = ctx.operation
    assert op is not None
    return op.error_response(ctx.decide().status or ERROR_ACCESS_DENIED)


_PARM_ERR: Final = [("ParmErr", PDWORD)]
_REFUSED_OPS: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]]], ...]] = (
    (11, "NetrFileClose", []),
    (13, "NetrSessionDel", []),
    (14, "NetrShareAdd", _PARM_ERR),
    (17, "NetrShareSetInfo", _PARM_ERR),
    (18, "NetrShareDel", []),
    (19, "NetrShareDelSticky", []),
    (22, "NetrServerSetInfo", _PARM_ERR),
    (25, "NetrServerTransportAdd", []),
    (27, "NetrServerTransportDel", []),
    (37, "NetrShareDelStart", [("ContextHandle", ContextHandle)]),
    (38, "NetrShareDelCommit", [("ContextHandle", ContextHandle)]),
    (40, "NetrpSetFileSecurity", []),
    (41, "NetrServerTransportAddEx", []),
    (53, "NetrServerTransportDelEx", []),
    (54, "NetrServerAliasAdd", []),
    (56, "NetrServerAliasDel", []),
    (57, "NetrShareDelEx", []),
)
for _opnum, _name, _out in _REFUSED_OPS:
    # [in] parameters are not decoded: trailing stub bytes are ignored (smbemu.rpc.ndr).
    INTERFACE.operation(_opnum, _name, request=(), response=_out, returns="WERROR")(_refuse)


# -------------------------------------------------------------------------------------------
# Shares: NetrShareEnum (15), NetrShareEnumSticky (36), NetrShareGetInfo (16), NetrShareCheck (20)
# -------------------------------------------------------------------------------------------


def _share_entry(ctx: CallContext, share: Any, level: int) -> dict[str, Any]:
    """One SHARE_INFO_<level> from a fixture share (MS-SRVS 2.2.4.22-2.2.4.29)."""
    name, stype, remark = share.name, share.stype, share.comment
    if level == 0:
        return {"shi0_netname": name}
    if level == 1:
        return {"shi1_netname": name, "shi1_type": stype, "shi1_remark": remark}
    if level == 501:
        # shi501_flags: CSC policy "manual caching" (0) for every share (U: Windows default).
        return {"shi501_netname": name, "shi501_type": stype, "shi501_remark": remark,
                "shi501_flags": 0}
    if level == 1004:
        return {"shi1004_remark": remark}
    if level == 1005:
        return {"shi1005_flags": 0}
    if level == 1006:
        return {"shi1006_max_uses": SHI_USES_UNLIMITED}
    if level == 1501:
        # No security descriptor is modelled: an empty one (reserved = 0, NULL buffer).
        return {"shi1501_reserved": 0, "shi1501_security_descriptor": None}
    prefix = {2: "shi2_", 502: "shi502_", 503: "shi503_"}[level]
    entry: dict[str, Any] = {
        f"{prefix}netname": name, f"{prefix}type": stype, f"{prefix}remark": remark,
        # shi*_permissions is ignored with user-level security and reported 0 (MS-SRVS
        # 2.2.4.24); max_uses: unlimited (SHI_USES_UNLIMITED); passwd: NULL.
        f"{prefix}permissions": 0, f"{prefix}max_uses": SHI_USES_UNLIMITED,
        f"{prefix}current_uses": _share_uses(ctx, name), f"{prefix}path": share.path,
        f"{prefix}passwd": None,
    }
    if level == 503:
        # "*" = the share is not scoped to one server name (MS-SRVS 2.2.4.27).
        entry["shi503_servername"] = "*"
    if level in (502, 503):
        entry[f"{prefix}reserved"] = 0
        entry[f"{prefix}security_descriptor"] = None
    return entry


def _shares(ctx: CallContext, sticky: bool) -> list[Any]:
    """The fixture's shares (IPC$ first).  Sticky shares (MS-SRVS 3.1.4.9) are the persistent
    ones: the special shares (IPC$, ADMIN$, C$...) are recreated at every start, not stored."""
    shares = ctx.server.directory.shares
    return [s for s in shares if not (sticky and s.special)]


#: Levels whose entries depend on the fixture's shares alone; 2/502/503 carry the live
#: shi*_current_uses and are built afresh for every call.
_SHARE_LEVELS_FROM_FIXTURE: Final = frozenset({0, 1, 501})
#: Where the encoded share lists live: ``ctx.server.cache`` is per server configuration (a
#: SIGHUP reload builds a new configuration, hence a new cache).
_SHARE_ENUM_CACHE: Final = "srvsvc.share_enum"
#: (sticky, level, PreferedMaximumLength, ResumeHandle) combinations kept per configuration;
#: clients choose the last two, so the cache is emptied rather than let grow past this.
_SHARE_ENUM_CACHE_SIZE: Final = 64


def _share_enum(ctx: CallContext, request: dict[str, Any], operation: str,
                sticky: bool) -> dict[str, Any]:
    level = request["InfoStruct"]["Level"]
    if level not in SHARE_ENUM_LEVELS:
        return _enum_error(ctx, "ShareInfo", level, ERROR_INVALID_LEVEL, request)
    # the access decision is made (and logged) for every call: it depends on the caller
    status = ctx.decide(operation, level).status
    if status:
        return _enum_error(ctx, "ShareInfo", level, status, request)
    shares = ctx.server.directory.shares
    cache = getattr(ctx.server, "cache", None)
    if level not in _SHARE_LEVELS_FROM_FIXTURE or type(shares) is not tuple \
            or not isinstance(cache, dict):
        entries = [_share_entry(ctx, s, level) for s in _shares(ctx, sticky)]
        return _enum_reply(ctx, "ShareInfo", level, entries, request)
    # An allowed answer at these levels is a function of the share tuple (immutable, frozen
    # Share records) and of the request's level and paging: kept with its InfoStruct encoded
    # once (ndr.Memo), checked against the tuple the directory holds now.
    replies: dict[tuple[bool, int, int, int | None], tuple[tuple[Any, ...], dict[str, Any]]]
    replies = cache.setdefault(_SHARE_ENUM_CACHE, {})
    key = (sticky, level, request["PreferedMaximumLength"], request["ResumeHandle"])
    kept = replies.get(key)
    if kept is None or kept[0] is not shares:
        entries = [_share_entry(ctx, s, level) for s in _shares(ctx, sticky)]
        reply = _enum_reply(ctx, "ShareInfo", level, entries, request)
        reply["InfoStruct"] = ndr.Memo(reply["InfoStruct"])
        if len(replies) >= _SHARE_ENUM_CACHE_SIZE:
            replies.clear()
        kept = replies[key] = (shares, reply)
    return dict(kept[1])


_SHARE_ENUM_IN: Final = [("ServerName", SRVSVC_HANDLE),
                         ("InfoStruct", Pointer(SHARE_ENUM_STRUCT, "ref")), *_ENUM_TAIL_IN]
_SHARE_ENUM_OUT: Final = [("InfoStruct", Pointer(SHARE_ENUM_STRUCT, "ref")), *_ENUM_TAIL_OUT]


@INTERFACE.operation(15, "NetrShareEnum", request=_SHARE_ENUM_IN, response=_SHARE_ENUM_OUT,
                     returns="WERROR")
def NetrShareEnum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.8: every share, at level 0, 1, 2, 501, 502 or 503."""
    return _share_enum(ctx, request, "NetrShareEnum", sticky=False)


@INTERFACE.operation(36, "NetrShareEnumSticky", request=_SHARE_ENUM_IN,
                     response=_SHARE_ENUM_OUT, returns="WERROR")
def NetrShareEnumSticky(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.9: the persistent (non-special) shares."""
    return _share_enum(ctx, request, "NetrShareEnumSticky", sticky=True)


@INTERFACE.operation(16, "NetrShareGetInfo",
                     request=[("ServerName", SRVSVC_HANDLE), ("NetName", WStringRef),
                              ("Level", uint32)],
                     response=[("InfoStruct", SHARE_INFO)], returns="WERROR")
def NetrShareGetInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.10: one share; NERR_NetNameNotFound (2310) for an unknown name."""
    level = request["Level"]
    if level not in SHARE_INFO_LEVELS:
        return {"InfoStruct": (level, None), "ReturnValue": ERROR_INVALID_LEVEL}
    share = ctx.server.directory.share(request["NetName"])
    if share is None:
        return {"InfoStruct": (level, None), "ReturnValue": NERR_NET_NAME_NOT_FOUND}
    status = ctx.decide("NetrShareGetInfo", level).status
    if status:
        return {"InfoStruct": (level, None), "ReturnValue": status}
    return {"InfoStruct": (level, _share_entry(ctx, share, level)), "ReturnValue": NERR_SUCCESS}


@INTERFACE.operation(20, "NetrShareCheck",
                     request=[("ServerName", SRVSVC_HANDLE), ("Device", WStringRef)],
                     response=[("Type", uint32)], returns="WERROR")
def NetrShareCheck(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.16: is a device ("C:") shared?  The type of the first share on it, or
    NERR_DeviceNotShared (2311)."""
    device = request["Device"].rstrip("\\").upper()
    if device:
        for share in ctx.server.directory.shares:
            if share.type == "disk" and share.path.upper().startswith(device):
                return {"Type": share.stype & ~STYPE_SPECIAL, "ReturnValue": NERR_SUCCESS}
    return {"Type": 0, "ReturnValue": NERR_DEVICE_NOT_SHARED}


# -------------------------------------------------------------------------------------------
# The server: NetrServerGetInfo (21), NetrRemoteTOD (28), NetrServerDiskEnum (23),
# NetrServerStatisticsGet (24)
# -------------------------------------------------------------------------------------------

#: SERVER_INFO_102 values a Windows server reports (``net config server``): users 16777216
#: ("Maximum Logged On Users" on server editions), disc 15 minutes (autodisconnect), visible,
#: announce every 240 s, anndelta 3000 ms, licenses 0, userpath "c:\" (W).
_SV102_DEFAULTS: Final = {"sv102_users": 16777216, "sv102_disc": 15, "sv102_hidden": 0,
                          "sv102_announce": 240, "sv102_anndelta": 3000, "sv102_licenses": 0,
                          "sv102_userpath": "c:\\"}


@INTERFACE.operation(21, "NetrServerGetInfo",
                     request=[("ServerName", SRVSVC_HANDLE), ("Level", uint32)],
                     response=[("InfoStruct", SERVER_INFO)], returns="WERROR")
def NetrServerGetInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.17: levels 100, 101, 102 (102 for administrators, [46]).  The
    administrator-only tuning levels (502, 503, 599) are not emulated: ERROR_INVALID_LEVEL."""
    level = request["Level"]
    status = ctx.decide("NetrServerGetInfo", level).status
    if status:
        return {"InfoStruct": (level, None), "ReturnValue": status}
    if level not in (100, 101, 102):
        return {"InfoStruct": (level, None), "ReturnValue": ERROR_INVALID_LEVEL}
    identity = ctx.server.profile.identity.srvsvc
    machine = ctx.server.directory.machine
    prefix = f"sv{level}_"
    info: dict[str, Any] = {f"{prefix}platform_id": identity.platform_id,
                            f"{prefix}name": machine.netbios_name}
    if level >= 101:
        info.update({f"{prefix}version_major": identity.version_major,
                     f"{prefix}version_minor": identity.version_minor,
                     f"{prefix}type": identity.server_type,
                     f"{prefix}comment": machine.comment})
    if level == 102:
        info.update(_SV102_DEFAULTS)
    return {"InfoStruct": (level, info), "ReturnValue": NERR_SUCCESS}


@INTERFACE.operation(28, "NetrRemoteTOD", request=[("ServerName", SRVSVC_HANDLE)],
                     response=[("BufferPtr", Pointer(TIME_OF_DAY_INFO))], returns="WERROR")
def NetrRemoteTOD(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.21 / 2.2.4.105: the real current time, in UTC (GMT) fields."""
    now = time.time()
    utc = time.gmtime(now)
    local = time.localtime(now)
    start = getattr(ctx.server, "start_filetime", 0)
    uptime_ms = 0
    if start:
        uptime_ms = int(now * 1000 - (start - FILETIME_UNIX_EPOCH) / 10_000) & 0xFFFFFFFF
    return {"BufferPtr": {
        "tod_elapsedt": int(now), "tod_msecs": uptime_ms,
        "tod_hours": utc.tm_hour, "tod_mins": utc.tm_min, "tod_secs": utc.tm_sec,
        "tod_hunds": int(now * 100) % 100,
        # minutes west of UTC (UTC - local), as Windows' tod_timezone
        "tod_timezone": -(local.tm_gmtoff or 0) // 60,
        # clock tick in 0.0001 s units: 310 on Windows (Samba's srvsvc.idl note)
        "tod_tinterval": 310,
        "tod_day": utc.tm_mday, "tod_month": utc.tm_mon, "tod_year": utc.tm_year,
        "tod_weekday": (utc.tm_wday + 1) % 7,  # 0 = Sunday
    }, "ReturnValue": NERR_SUCCESS}


def _disks(ctx: CallContext) -> list[str]:
    """The server's drives: C: plus every drive a share lives on ("D:", "E:"...)."""
    drives = {"C:"}
    for share in ctx.server.directory.shares:
        path = share.path
        if len(path) >= 2 and path[1] == ":" and path[0].isalpha():
            drives.add(path[0].upper() + ":")
    return sorted(drives)


@INTERFACE.operation(23, "NetrServerDiskEnum",
                     request=[("ServerName", SRVSVC_HANDLE), ("Level", uint32),
                              ("DiskInfoStruct", Pointer(DISK_ENUM_CONTAINER, "ref")),
                              *_ENUM_TAIL_IN],
                     response=[("DiskInfoStruct", Pointer(DISK_ENUM_CONTAINER, "ref")),
                               *_ENUM_TAIL_OUT],
                     returns="WERROR")
def NetrServerDiskEnum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.18: level 0, administrators only.  The list ends with an empty entry
    counted in EntriesRead (the terminator Windows sends and Samba reproduces)."""
    empty = {"DiskInfoStruct": {"EntriesRead": 0, "Buffer": None}, "TotalEntries": 0,
             "ResumeHandle": request["ResumeHandle"]}
    if request["Level"] != 0:
        return {**empty, "ReturnValue": ERROR_INVALID_LEVEL}
    status = ctx.decide("NetrServerDiskEnum").status
    if status:
        return {**empty, "ReturnValue": status}
    entries = [{"Disk": [ord(c) for c in drive] + [0]} for drive in _disks(ctx)]
    got = page(entries, request["ResumeHandle"] or 0, request["PreferedMaximumLength"],
               netapi_entry_size)
    buffer = [*got.items, {"Disk": [0]}]
    return {"DiskInfoStruct": {"EntriesRead": len(buffer), "Buffer": buffer},
            "TotalEntries": got.remaining, "ResumeHandle": got.resume_handle(request["ResumeHandle"]),
            "ReturnValue": got.werror}


@INTERFACE.operation(24, "NetrServerStatisticsGet",
                     request=[("ServerName", SRVSVC_HANDLE), ("Service", WString),
                              ("Level", uint32), ("Options", uint32)],
                     response=[("InfoStruct", Pointer(STAT_SERVER_0))], returns="WERROR")
def NetrServerStatisticsGet(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.20: level 0, Options 0; administrators only ([46]).  Counters not tracked
    by the emulator (bytes, errors, buffers) are 0."""
    if request["Level"] != 0:
        return {"InfoStruct": None, "ReturnValue": ERROR_INVALID_LEVEL}
    if request["Options"] != 0:
        return {"InfoStruct": None, "ReturnValue": ERROR_INVALID_PARAMETER}
    status = ctx.decide("NetrServerStatisticsGet").status
    if status:
        return {"InfoStruct": None, "ReturnValue": status}
    sessions = _all_sessions(ctx)
    start = getattr(ctx.server, "start_filetime", 0)
    stats = {name: 0 for name, _ in STAT_SERVER_0.fields}
    stats.update({
        "sts0_start": max(0, (start - FILETIME_UNIX_EPOCH) // TICKS_PER_SECOND) if start else 0,
        "sts0_fopens": sum(len(s.opens) for s in sessions),
        "sts0_sopens": len(sessions),
    })
    return {"InfoStruct": stats, "ReturnValue": NERR_SUCCESS}


# -------------------------------------------------------------------------------------------
# Sessions, connections, open files: NetrSessionEnum (12), NetrConnectionEnum (8),
# NetrFileEnum (9), NetrFileGetInfo (10)
# -------------------------------------------------------------------------------------------

#: sesi502_transport for a direct-hosted (port 445) SMB connection (W).
_TRANSPORT: Final = "\\Device\\NetbiosSmb"


def _session_entry(session: Any, level: int) -> dict[str, Any]:
    cname, user = _client_name(session), _user_name(session)
    if level == 0:
        return {"sesi0_cname": cname}
    age = _seconds_since(session.created_at)
    if level == 10:
        # idle time is not tracked by the SMB layer: 0
        return {"sesi10_cname": cname, "sesi10_username": user, "sesi10_time": age,
                "sesi10_idle_time": 0}
    p = f"sesi{level}_"
    entry: dict[str, Any] = {
        f"{p}cname": cname, f"{p}username": user, f"{p}num_opens": len(session.opens),
        f"{p}time": age, f"{p}idle_time": 0,
        f"{p}user_flags": SESS_GUEST if _kind(session) == "guest" else 0}
    if level in (2, 502):
        # cltype_name is the client's SMB1 NativeOS; SMB2 carries none: empty.
        entry[f"{p}cltype_name"] = ""
    if level == 502:
        entry["sesi502_transport"] = _TRANSPORT
    return entry


def _strip_unc(name: str) -> str:
    return name[2:] if name.startswith("\\\\") else name


@INTERFACE.operation(12, "NetrSessionEnum",
                     request=[("ServerName", SRVSVC_HANDLE), ("ClientName", WString),
                              ("UserName", WString),
                              ("InfoStruct", Pointer(SESSION_ENUM_STRUCT, "ref")),
                              *_ENUM_TAIL_IN],
                     response=[("InfoStruct", Pointer(SESSION_ENUM_STRUCT, "ref")),
                               *_ENUM_TAIL_OUT],
                     returns="WERROR")
def NetrSessionEnum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.5: the real current sessions, optionally filtered by client (``\\\\addr``)
    and user; NERR_ClientNameNotFound / NERR_UserNotFound when a filter matches nothing."""
    level = request["InfoStruct"]["Level"]
    if level not in SESSION_LEVELS:
        return _enum_error(ctx, "SessionInfo", level, ERROR_INVALID_LEVEL, request)
    status = ctx.decide("NetrSessionEnum", level).status
    if status:
        return _enum_error(ctx, "SessionInfo", level, status, request)
    sessions = _all_sessions(ctx)
    client = request["ClientName"]
    if client:
        wanted = _strip_unc(client).lower()
        sessions = [s for s in sessions if _strip_unc(_client_name(s)).lower() == wanted]
        if not sessions:
            return _enum_error(ctx, "SessionInfo", level, NERR_CLIENT_NAME_NOT_FOUND, request)
    user = request["UserName"]
    if user:
        sessions = [s for s in sessions if _user_name(s).lower() == user.lower()]
        if not sessions:
            return _enum_error(ctx, "SessionInfo", level, NERR_USER_NOT_FOUND, request)
    entries = [_session_entry(s, level) for s in sessions]
    return _enum_reply(ctx, "SessionInfo", level, entries, request)


def _tree_id(session: Any, tree: Any) -> int:
    """coni*_id: unique over the server (the session's low bits, then the tree id)."""
    return int((session.session_id & 0xFFFF) << 16 | tree.tree_id & 0xFFFF)


@INTERFACE.operation(8, "NetrConnectionEnum",
                     request=[("ServerName", SRVSVC_HANDLE), ("Qualifier", WString),
                              ("InfoStruct", Pointer(CONNECT_ENUM_STRUCT, "ref")),
                              *_ENUM_TAIL_IN],
                     response=[("InfoStruct", Pointer(CONNECT_ENUM_STRUCT, "ref")),
                               *_ENUM_TAIL_OUT],
                     returns="WERROR")
def NetrConnectionEnum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.1: the tree connects to a share (Qualifier = share name; netname is then
    the client) or from a client (Qualifier = ``\\\\client``; netname is the share).  A NULL or
    empty Qualifier is ERROR_INVALID_PARAMETER; an unknown share NERR_NetNameNotFound; a
    client with no session NERR_ClientNameNotFound."""
    level = request["InfoStruct"]["Level"]
    if level not in CONNECTION_LEVELS:
        return _enum_error(ctx, "ConnectInfo", level, ERROR_INVALID_LEVEL, request)
    status = ctx.decide("NetrConnectionEnum", level).status
    if status:
        return _enum_error(ctx, "ConnectInfo", level, status, request)
    qualifier = request["Qualifier"] or ""
    if not qualifier:
        return _enum_error(ctx, "ConnectInfo", level, ERROR_INVALID_PARAMETER, request)
    directory = ctx.server.directory
    rows: list[tuple[Any, Any, str]] = []
    if qualifier.startswith("\\\\"):
        wanted = _strip_unc(qualifier).lower()
        sessions = [s for s in _all_sessions(ctx)
                    if _strip_unc(_client_name(s)).lower() == wanted]
        if not sessions:
            return _enum_error(ctx, "ConnectInfo", level, NERR_CLIENT_NAME_NOT_FOUND, request)
        rows = [(s, t, t.share_name) for s in sessions for t in s.tree_connects.values()]
    else:
        share = directory.share(qualifier)
        if share is None:
            return _enum_error(ctx, "ConnectInfo", level, NERR_NET_NAME_NOT_FOUND, request)
        rows = [(s, t, _strip_unc(_client_name(s))) for s in _all_sessions(ctx)
                for t in s.tree_connects.values() if t.share_name.lower() == share.name.lower()]
    entries: list[dict[str, Any]] = []
    for session, tree, netname in rows:
        if level == 0:
            entries.append({"coni0_id": _tree_id(session, tree)})
            continue
        share = directory.share(tree.share_name)
        entries.append({
            "coni1_id": _tree_id(session, tree),
            "coni1_type": (share.stype & ~STYPE_SPECIAL) if share is not None else 0,
            "coni1_num_opens": sum(1 for o in session.opens.values() if o.tree is tree),
            "coni1_num_users": 1,
            # tree connect times are not recorded: the session's age
            "coni1_time": _seconds_since(session.created_at),
            "coni1_username": _user_name(session), "coni1_netname": netname})
    return _enum_reply(ctx, "ConnectInfo", level, entries, request)


def _open_files(ctx: CallContext) -> list[tuple[int, Any, Any]]:
    """(file id, session, open) for every open pipe: Windows lists them as ``\\PIPE\\name``."""
    files = []
    for session in _all_sessions(ctx):
        for open_ in session.opens.values():
            files.append((open_.volatile_id & 0xFFFFFFFF, session, open_))
    return sorted(files, key=lambda f: f[0])


def _file_entry(file_id: int, session: Any, open_: Any, level: int) -> dict[str, Any]:
    if level == 2:
        return {"fi2_id": file_id}
    access = getattr(open_, "granted_access", 0)
    # FILE_READ_DATA (1) / FILE_WRITE_DATA (2) of the open as PERM_FILE_READ / PERM_FILE_WRITE
    permissions = (PERM_FILE_READ if access & 0x1 else 0) | (PERM_FILE_WRITE if access & 0x2 else 0)
    return {"fi3_id": file_id, "fi3_permissions": permissions, "fi3_num_locks": 0,
            "fi3_path_name": "\\PIPE\\" + open_.pipe_name, "fi3_username": _user_name(session)}


@INTERFACE.operation(9, "NetrFileEnum",
                     request=[("ServerName", SRVSVC_HANDLE), ("BasePath", WString),
                              ("UserName", WString),
                              ("InfoStruct", Pointer(FILE_ENUM_STRUCT, "ref")), *_ENUM_TAIL_IN],
                     response=[("InfoStruct", Pointer(FILE_ENUM_STRUCT, "ref")),
                               *_ENUM_TAIL_OUT],
                     returns="WERROR")
def NetrFileEnum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.2: the open files (here: the open named pipes), levels 2 and 3,
    filtered by path prefix and user name; administrators only."""
    level = request["InfoStruct"]["Level"]
    if level not in FILE_LEVELS:
        return _enum_error(ctx, "FileInfo", level, ERROR_INVALID_LEVEL, request)
    status = ctx.decide("NetrFileEnum", level).status
    if status:
        return _enum_error(ctx, "FileInfo", level, status, request)
    base, user = (request["BasePath"] or "").lower(), (request["UserName"] or "").lower()
    entries = []
    for file_id, session, open_ in _open_files(ctx):
        path = "\\pipe\\" + open_.pipe_name.lower()
        if base and not path.startswith(base):
            continue
        if user and _user_name(session).lower() != user:
            continue
        entries.append(_file_entry(file_id, session, open_, level))
    return _enum_reply(ctx, "FileInfo", level, entries, request)


@INTERFACE.operation(10, "NetrFileGetInfo",
                     request=[("ServerName", SRVSVC_HANDLE), ("FileId", uint32),
                              ("Level", uint32)],
                     response=[("InfoStruct", FILE_INFO)], returns="WERROR")
def NetrFileGetInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.3: one open file by id; NERR_FileIdNotFound (2314) if there is none."""
    level = request["Level"]
    if level not in FILE_LEVELS:
        return {"InfoStruct": (level, None), "ReturnValue": ERROR_INVALID_LEVEL}
    status = ctx.decide("NetrFileGetInfo", level).status
    if status:
        return {"InfoStruct": (level, None), "ReturnValue": status}
    for file_id, session, open_ in _open_files(ctx):
        if file_id == request["FileId"]:
            return {"InfoStruct": (level, _file_entry(file_id, session, open_, level)),
                    "ReturnValue": NERR_SUCCESS}
    return {"InfoStruct": (level, None), "ReturnValue": NERR_FILE_ID_NOT_FOUND}


# -------------------------------------------------------------------------------------------
# Names and paths: NetprNameValidate (33), NetprNameCompare (35), NetprPathType (30),
# NetprPathCanonicalize (31), NetprPathCompare (32)
# -------------------------------------------------------------------------------------------

#: Characters no LAN Manager name may hold (the NetpwNameValidate set): control characters
#: and these.
_ILLEGAL_NAME_CHARS: Final = frozenset('"/\\[]:|<>+=;,?*')
#: NameType -> (maximum length, maximum with LM2X_COMPATIBLE, illegal characters checked).
#: MS-SRVS 2.2.2.8 name types; lengths are lmcons.h's (UNLEN 256, GNLEN 256, CNLEN 15,
#: DNLEN 15, SNLEN 80, NNLEN 80, PWLEN 256, SHPWLEN 8; the LM 2.x limits in the second column).
NAME_TYPES: Final[dict[int, tuple[str, int, int, bool]]] = {
    1: ("NAMETYPE_USER", 256, 20, True),
    2: ("NAMETYPE_PASSWORD", 256, 14, False),
    3: ("NAMETYPE_GROUP", 256, 20, True),
    4: ("NAMETYPE_COMPUTER", 15, 15, True),
    5: ("NAMETYPE_EVENT", 16, 16, True),
    6: ("NAMETYPE_DOMAIN", 15, 15, True),
    7: ("NAMETYPE_SERVICE", 80, 15, True),
    8: ("NAMETYPE_NET", 80, 12, True),
    9: ("NAMETYPE_SHARE", 80, 12, True),
    10: ("NAMETYPE_MESSAGE", 15, 15, True),
    11: ("NAMETYPE_MESSAGEDEST", 255, 255, True),
    12: ("NAMETYPE_SHAREPASSWORD", 8, 8, False),
    13: ("NAMETYPE_WORKGROUP", 15, 15, True),
}


def _check_flags(flags: int, allowed: int = _LM2X_COMPATIBLE) -> bool:
    return not flags & ~allowed


def validate_name(name: str, name_type: int, flags: int) -> int:
    """NetprNameValidate's rules (MS-SRVS 3.1.4.32): 0, ERROR_INVALID_NAME or
    ERROR_INVALID_PARAMETER (unknown NameType or Flags)."""
    spec = NAME_TYPES.get(name_type)
    if spec is None or not _check_flags(flags, _LM2X_COMPATIBLE | _ALREADY_CANONICAL):
        return ERROR_INVALID_PARAMETER
    _, max_len, max_lm2x, check_chars = spec
    limit = max_lm2x if flags & _LM2X_COMPATIBLE else max_len
    if len(name) > limit:
        return ERROR_INVALID_NAME
    if not check_chars:
        return NERR_SUCCESS
    if not name or name.strip(". ") == "":
        return ERROR_INVALID_NAME
    if any(c in _ILLEGAL_NAME_CHARS or ord(c) < 0x20 for c in name):
        return ERROR_INVALID_NAME
    return NERR_SUCCESS


@INTERFACE.operation(33, "NetprNameValidate",
                     request=[("ServerName", SRVSVC_HANDLE), ("Name", WStringRef),
                              ("NameType", uint32), ("Flags", uint32)],
                     returns="WERROR")
def NetprNameValidate(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.32: is ``Name`` a valid name of ``NameType``?"""
    return {"ReturnValue": validate_name(request["Name"], request["NameType"], request["Flags"])}


@INTERFACE.operation(35, "NetprNameCompare",
                     request=[("ServerName", SRVSVC_HANDLE), ("Name1", WStringRef),
                              ("Name2", WStringRef), ("NameType", uint32), ("Flags", uint32)],
                     returns="int32")
def NetprNameCompare(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.34: 0 when the names are equal (case-insensitively, except passwords),
    -1 / 1 otherwise; ERROR_INVALID_NAME if one is not a valid name (unless Flags says they
    are already canonical)."""
    name1, name2, name_type, flags = (request["Name1"], request["Name2"], request["NameType"],
                                      request["Flags"])
    if not flags & _ALREADY_CANONICAL:
        for name in (name1, name2):
            status = validate_name(name, name_type, flags)
            if status:
                return {"ReturnValue": status}
    elif name_type not in NAME_TYPES:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    if name_type not in (2, 12):
        name1, name2 = name1.upper(), name2.upper()
    return {"ReturnValue": (name1 > name2) - (name1 < name2)}


class _BadPath(Exception):
    """Internal: the path is not a valid name (ERROR_INVALID_NAME)."""


_DEVICES: Final = {"CON": ITYPE_DEVICE_CON, "NUL": ITYPE_DEVICE_NUL}


def path_type(path: str) -> int:
    """MS-SRVS 2.2.2.9 / 3.1.4.29: the ITYPE_* of a path; raises _BadPath."""
    if not path or any(ord(c) < 0x20 or c in '<>"|' for c in path):
        raise _BadPath(path)
    p = path.replace("/", "\\")
    wild = _ITYPE_WILDCARD if any(c in "*?" for c in p) else 0
    if p.startswith("\\\\"):
        parts = p[2:].split("\\")
        if not parts[0]:
            raise _BadPath(path)
        if len(parts) == 1 or (len(parts) == 2 and not parts[1]):
            return ITYPE_UNC_COMPNAME | wild
        sysdir = _SYS_DIRS.get(parts[1].upper())
        if sysdir is not None and len(parts) > 2:
            return ITYPE_UNC | sysdir
        return ITYPE_UNC | wild
    device = p.rstrip(":").upper()
    if p.endswith(":") or device in _DEVICES or (device[:3] in ("LPT", "COM")
                                                 and device[3:].isdigit()):
        if len(device) == 1 and device.isalpha():
            return ITYPE_DEVICE_DISK
        if device in _DEVICES:
            return _DEVICES[device]
        for prefix, kind in (("LPT", ITYPE_DEVICE_LPT), ("COM", ITYPE_DEVICE_COM)):
            if device.startswith(prefix) and device[3:].isdigit():
                return kind
        raise _BadPath(path)
    drive = 0
    rest = p
    if len(p) >= 2 and p[1] == ":":
        if not p[0].isalpha():
            raise _BadPath(path)
        drive, rest = _ITYPE_DRIVE, p[2:]
    if ":" in rest:
        raise _BadPath(path)
    absolute = _ITYPE_ABSOLUTE if rest.startswith("\\") else 0
    if absolute and not drive:
        head = rest[1:].split("\\", 1)
        sysdir = _SYS_DIRS.get(head[0].upper())
        if sysdir is not None and len(head) == 2 and head[1]:
            return ITYPE_PATH | sysdir | _ITYPE_ABSOLUTE
    return ITYPE_PATH | absolute | drive | wild


def canonicalize_path(path: str, prefix: str = "") -> tuple[str, int]:
    """NetprPathCanonicalize (MS-SRVS 3.1.4.30): ``/`` -> ``\\``, the prefix joined to a
    relative path, empty and ``.`` components dropped, ``..`` resolved; a ``..`` that climbs
    above the root is an invalid name (never a buffer walk).  The drive letter is upper-cased;
    other characters keep their case (U).  Returns (path, ITYPE_*)."""
    p = path.replace("/", "\\")
    if prefix and not p.startswith("\\") and not (len(p) >= 2 and p[1] == ":"):
        p = prefix.replace("/", "\\").rstrip("\\") + "\\" + p
    kind = path_type(p)
    if kind & 0xF000 == ITYPE_DEVICE_DISK:
        return p.rstrip(":").upper() + ":", kind
    if kind & ITYPE_UNC:
        root, rest = "\\\\", p[2:]
        server, _, rest = rest.partition("\\")
        root += server
        parts = rest.split("\\") if rest else []
        lead = root + ("\\" if parts else "")
    else:
        lead = ""
        rest = p
        if len(p) >= 2 and p[1] == ":":
            lead, rest = p[0].upper() + ":", p[2:]
        if rest.startswith("\\"):
            lead += "\\"
        parts = rest.split("\\")
    out: list[str] = []
    for part in parts:
        if part in ("", "."):
            continue
        if part == "..":
            if not out:
                raise _BadPath(path)
            out.pop()
            continue
        out.append(part)
    result = lead + "\\".join(out)
    if not result:
        raise _BadPath(path)
    return result, path_type(result)


@INTERFACE.operation(30, "NetprPathType",
                     request=[("ServerName", SRVSVC_HANDLE), ("PathName", WStringRef),
                              ("Flags", uint32)],
                     response=[("PathType", uint32)], returns="WERROR")
def NetprPathType(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.29: the ITYPE_* of a path."""
    if not _check_flags(request["Flags"]):
        return {"PathType": 0, "ReturnValue": ERROR_INVALID_PARAMETER}
    try:
        return {"PathType": path_type(request["PathName"]), "ReturnValue": NERR_SUCCESS}
    except _BadPath:
        return {"PathType": 0, "ReturnValue": ERROR_INVALID_NAME}


#: MS-SRVS 3.1.4.30: ``[in, range(0, 64000)] DWORD OutbufLen``.
MAX_OUTBUF: Final = 64000


@INTERFACE.operation(31, "NetprPathCanonicalize",
                     request=[("ServerName", SRVSVC_HANDLE), ("PathName", WStringRef),
                              ("OutbufLen", uint32), ("Prefix", WStringRef),
                              ("PathType", uint32), ("Flags", uint32)],
                     response=[("Outbuf", ConformantBytes()), ("PathType", uint32)],
                     returns="WERROR")
def NetprPathCanonicalize(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.30: the canonical form of Prefix + PathName in a buffer of OutbufLen
    bytes (UTF-16 with its NUL); NERR_BufTooSmall if it does not fit, ERROR_INVALID_NAME for a
    bad path or one whose type differs from a non-zero PathType given by the caller."""
    size = request["OutbufLen"]
    if size > MAX_OUTBUF:
        raise RpcFault(RPC_X_INVALID_BOUND, "OutbufLen outside range(0, 64000)")
    blank = bytes(size)
    if not _check_flags(request["Flags"]):
        return {"Outbuf": blank, "PathType": 0, "ReturnValue": ERROR_INVALID_PARAMETER}
    try:
        result, kind = canonicalize_path(request["PathName"], request["Prefix"])
    except _BadPath:
        return {"Outbuf": blank, "PathType": 0, "ReturnValue": ERROR_INVALID_NAME}
    wanted = request["PathType"]
    if wanted and wanted != kind:
        return {"Outbuf": blank, "PathType": wanted, "ReturnValue": ERROR_INVALID_NAME}
    raw = (result + "\0").encode("utf-16-le")
    if len(raw) > size:
        return {"Outbuf": blank, "PathType": kind, "ReturnValue": NERR_BUF_TOO_SMALL}
    return {"Outbuf": raw + bytes(size - len(raw)), "PathType": kind,
            "ReturnValue": NERR_SUCCESS}


@INTERFACE.operation(32, "NetprPathCompare",
                     request=[("ServerName", SRVSVC_HANDLE), ("PathName1", WStringRef),
                              ("PathName2", WStringRef), ("PathType", uint32),
                              ("Flags", uint32)],
                     returns="int32")
def NetprPathCompare(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.31: 0 when both paths name the same thing (compared case-insensitively
    after canonicalization unless Flags says they are canonical), -1 / 1 otherwise."""
    flags = request["Flags"]
    if not _check_flags(flags, _LM2X_COMPATIBLE | _ALREADY_CANONICAL):
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    paths = [request["PathName1"], request["PathName2"]]
    if not flags & _ALREADY_CANONICAL:
        try:
            paths = [canonicalize_path(p)[0] for p in paths]
        except _BadPath:
            return {"ReturnValue": ERROR_INVALID_NAME}
    a, b = (p.upper() for p in paths)
    return {"ReturnValue": (a > b) - (a < b)}


__all__ = ["INTERFACE", "NOT_EMULATED", "NOT_USED_ON_WIRE", "SHARE_ENUM_STRUCT",
           "SERVER_INFO", "SESSION_ENUM_STRUCT", "validate_name", "path_type",
           "canonicalize_path"]
