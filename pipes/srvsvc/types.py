"""srvsvc NDR types and constants (MS-SRVS 2.2): the SHARE / SERVER / SESSION / CONNECTION /
FILE information levels and their enumeration containers, the character-device structures,
the path and name type codes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from smbemu.rpc import ndr
from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantBytes,
    ConformantVaryingArray,
    NdrType,
    Pointer,
    Struct,
    Union,
    VaryingArray,
    WString,
    uint32,
)

# -------------------------------------------------------------------------------------------
# Constants (status codes come from smbemu.status)
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
# 2.2.4.44 SERVER_INFO_103: the 102 fields plus sv103_capabilities.
SERVER_INFO_103: Final = Struct("SERVER_INFO_103", [
    *((name.replace("sv102_", "sv103_"), t) for name, t in SERVER_INFO_102.fields),
    ("sv103_capabilities", uint32)])
#: 2.2.4.45 SERVER_INFO_502 (18 DWORDs) and 2.2.4.46 SERVER_INFO_503 (the 502 tuning fields,
#: sv503_domain, then 23 more DWORDs), in wire order.
SERVER_INFO_502_FIELDS: Final = (
    "sessopens", "sessvcs", "opensearch", "sizreqbuf", "initworkitems", "maxworkitems",
    "rawworkitems", "irpstacksize", "maxrawbuflen", "sessusers", "sessconns",
    "maxpagedmemoryusage", "maxnonpagedmemoryusage", "enablesoftcompat", "enableforcedlogoff",
    "timesource", "acceptdownlevelapis", "lmannounce")
SERVER_INFO_503_TAIL: Final = (
    "maxcopyreadlen", "maxcopywritelen", "minkeepsearch", "maxkeepsearch",
    "minkeepcomplsearch", "maxkeepcomplsearch", "threadcountadd", "numblockthreads",
    "scavtimeout", "minrcvqueue", "minfreeworkitems", "xactmemsize", "threadpriority",
    "maxmpxct", "oplockbreakwait", "oplockbreakresponsewait", "enableoplocks",
    "enableoplockforceclose", "enablefcbopens", "enableraw", "enablesharednetdrives",
    "minfreeconnections", "maxfreeconnections")
SERVER_INFO_502: Final = Struct("SERVER_INFO_502", [
    (f"sv502_{name}", uint32) for name in SERVER_INFO_502_FIELDS])
SERVER_INFO_503: Final = Struct("SERVER_INFO_503", [
    *((f"sv503_{name}", uint32) for name in SERVER_INFO_502_FIELDS), ("sv503_domain", WString),
    *((f"sv503_{name}", uint32) for name in SERVER_INFO_503_TAIL)])
#: A union arm that is declared but never filled: only its NULL pointer goes on the wire.
NULL_ONLY: Final = Struct("NULL_ONLY", [("unused", uint32)])
#: 2.2.3.7 LPSERVER_INFO: every arm MS-SRVS declares is a pointer, so a refused or unknown
#: level still sends the 4-byte NULL referent after the tag (an NDR-strict client -- Samba's
#: generated code, impacket -- fails the whole call without it).  The levels not emulated
#: (599 and the 10xx/15xx single-field levels) are only ever sent NULL.
SERVER_INFO_LEVELS: Final[dict[int, NdrType]] = {
    **{level: NULL_ONLY for level in (
        599, 1005, 1107, 1010, 1016, 1017, 1018, 1501, 1502, 1503, 1506, 1510, 1511, 1512,
        1513, 1514, 1515, 1516, 1518, 1523, 1528, 1529, 1530, 1533, 1534, 1535, 1536, 1538,
        1539, 1540, 1541, 1542, 1543, 1544, 1545, 1546, 1547, 1548, 1549, 1550, 1552, 1553,
        1554, 1555, 1556)},
    100: SERVER_INFO_100, 101: SERVER_INFO_101, 102: SERVER_INFO_102, 103: SERVER_INFO_103,
    502: SERVER_INFO_502, 503: SERVER_INFO_503}
SERVER_INFO: Final = _info_union("SERVER_INFO", SERVER_INFO_LEVELS)

# 2.2.4.93-2.2.4.96 SERVER_TRANSPORT_INFO_0..3 and their containers (2.2.4.97-2.2.4.101)
_XPORT_COMMON: Final = (
    ("numberofvcs", uint32), ("transportname", WString),
    ("transportaddress", Pointer(ConformantBytes())), ("transportaddresslength", uint32),
    ("networkaddress", WString))
_XPORT_EXTRA: Final[dict[int, tuple[tuple[str, NdrType], ...]]] = {
    0: (), 1: (("domain", WString),), 2: (("domain", WString), ("flags", uint32)),
    3: (("domain", WString), ("flags", uint32), ("passwordlength", uint32),
        ("password", ndr.FixedBytes(256)))}
SERVER_TRANSPORT_LEVELS: Final[dict[int, Struct]] = {
    level: Struct(f"SERVER_TRANSPORT_INFO_{level}", [
        (f"svti{level}_{name}", t) for name, t in (*_XPORT_COMMON, *extra)])
    for level, extra in _XPORT_EXTRA.items()}
SERVER_XPORT_ENUM_STRUCT: Final = _enum_struct("SERVER_XPORT_ENUM_STRUCT", "XportInfo", {
    level: _container(f"SERVER_XPORT_INFO_{level}_CONTAINER", s)
    for level, s in SERVER_TRANSPORT_LEVELS.items()})

# 2.2.4.102-2.2.4.104 SERVER_ALIAS_INFO_0 and SERVER_ALIAS_ENUM_STRUCT
SERVER_ALIAS_INFO_0: Final = Struct("SERVER_ALIAS_INFO_0", [
    ("srvai0_alias", WString), ("srvai0_target", WString), ("srvai0_default", ndr.boolean8),
    ("srvai0_reserved", uint32)])
SERVER_ALIAS_ENUM_STRUCT: Final = _enum_struct("SERVER_ALIAS_ENUM_STRUCT", "ServerAliasInfo", {
    0: _container("SERVER_ALIAS_INFO_0_CONTAINER", SERVER_ALIAS_INFO_0)})
#: SERVER_ALIAS_INFO (NetrServerAliasAdd / Del): a pointer to SERVER_ALIAS_INFO_0 (level 0).
SERVER_ALIAS_INFO: Final = _info_union("SERVER_ALIAS_INFO", {0: SERVER_ALIAS_INFO_0})

# 2.2.4.4 ADT_SECURITY_DESCRIPTOR (NetrpGetFileSecurity)
ADT_SECURITY_DESCRIPTOR: Final = Struct("ADT_SECURITY_DESCRIPTOR", [
    ("Length", uint32), ("Buffer", Pointer(ConformantBytes()))])

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
ENUM_TAIL_IN: Final = (("PreferedMaximumLength", uint32), ("ResumeHandle", PDWORD))
ENUM_TAIL_OUT: Final = (("TotalEntries", uint32), ("ResumeHandle", PDWORD))
