"""MS-WKST 2.2 NDR types and constants of the wkssvc interface."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from smbemu.rpc.ndr import (
    ConformantArray,
    NdrType,
    Pointer,
    RpcUnicodeString,
    Struct,
    uint32,
    Union,
    WString,
)
from smbemu.status import ERROR_INVALID_LEVEL


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

ENUM_TAIL_IN: Final = (("PreferredMaximumLength", uint32), ("ResumeHandle", PULONG))
ENUM_TAIL_OUT: Final = (("TotalEntries", uint32), ("ResumeHandle", PULONG))
