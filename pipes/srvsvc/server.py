"""srvsvc server information: NetrServerGetInfo (MS-SRVS 3.1.4.17), NetrRemoteTOD (3.1.4.21),
NetrServerDiskEnum (3.1.4.18) and NetrServerStatisticsGet (3.1.4.20)."""

from __future__ import annotations

import time
from typing import Any, Final

from smbemu.filetime import FILETIME_UNIX_EPOCH, TICKS_PER_SECOND
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import Pointer, WString, uint32
from smbemu.status import ERROR_INVALID_LEVEL, ERROR_INVALID_PARAMETER, NERR_SUCCESS

from .objects import INTERFACE, all_sessions
from .types import (
    DISK_ENUM_CONTAINER,
    ENUM_TAIL_IN,
    ENUM_TAIL_OUT,
    SERVER_INFO,
    SERVER_INFO_502_FIELDS,
    SERVER_INFO_503_TAIL,
    SRVSVC_HANDLE,
    STAT_SERVER_0,
    TIME_OF_DAY_INFO,
)

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


#: CAP_RAW_MODE (MS-CIFS 2.2.4.52.2): the profile's SMB1 NEGOTIATE says whether raw mode is on.
_CAP_RAW_MODE: Final = 0x00000001
#: SERVER_INFO_103 came with Windows 7 / Server 2008 R2 (BranchCache: MS-SRVS 2.2.4.44 and its
#: product note; NetServerGetInfo documents level 103 from those releases on).  Earlier
#: releases answer ERROR_INVALID_LEVEL.
_LEVEL_103_SINCE: Final = (6, 1)


def _tuning(ctx: CallContext) -> dict[str, int]:
    """The SERVER_INFO_502 / 503 tuning values (LanmanServer\\Parameters), keyed by the field
    name without its ``sv50x_`` prefix.

    Taken from the profile where the profile states them -- what the SMB1 NEGOTIATE response
    of that release sends (policies/*.yaml ``smb1``, each value cited there): SizReqBuf
    (sizreqbuf), MaxMpxCt (maxmpxct), MaxRawSize (maxrawbuflen), MaxNumberVcs (sessvcs), raw
    mode (enableraw).  The booleans are Windows' documented registry defaults (LanmanServer
    parameters: EnableOplocks 1, EnableForcedLogOff 1, EnableSoftCompat 1, Lmannounce 0,
    AcceptDownlevelApis 1; W).  timesource: 1 on a domain controller (it is the domain's time
    source, the TIME_SOURCE bit of sv101_type), 0 elsewhere.  Every other counter depends on
    the machine's memory and is not modelled: 0 (U)."""
    smb1 = ctx.server.profile.smb1
    values = {name: 0 for name in (*SERVER_INFO_502_FIELDS, *SERVER_INFO_503_TAIL)}
    values.update({
        "sessvcs": smb1.max_number_vcs, "sizreqbuf": smb1.max_buffer_size,
        "maxrawbuflen": smb1.max_raw_size, "maxmpxct": smb1.max_mpx_count,
        "enableraw": int(bool(smb1.capabilities & _CAP_RAW_MODE)),
        "enablesoftcompat": 1, "enableforcedlogoff": 1, "acceptdownlevelapis": 1,
        "enableoplocks": 1, "timesource": int(ctx.server.profile.is_dc)})
    return values


@INTERFACE.operation(21, "NetrServerGetInfo",
                     request=[("ServerName", SRVSVC_HANDLE), ("Level", uint32)],
                     response=[("InfoStruct", SERVER_INFO)], returns="WERROR")
def NetrServerGetInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.17: levels 100, 101 for everyone; 102, 103, 502 and 503 for
    administrators ([46]); 103 from Windows 7 / 2008 R2 on.  Any other level (599 and the
    single-field 10xx/15xx levels are for NetrServerSetInfo) is ERROR_INVALID_LEVEL, its
    union arm sent NULL (``types.SERVER_INFO``)."""
    level = request["Level"]
    status = ctx.decide("NetrServerGetInfo", level).status
    if status:
        return {"InfoStruct": (level, None), "ReturnValue": status}
    profile = ctx.server.profile
    if level not in (100, 101, 102, 103, 502, 503) or (
            level == 103 and profile.identity.version < _LEVEL_103_SINCE):
        return {"InfoStruct": (level, None), "ReturnValue": ERROR_INVALID_LEVEL}
    identity = profile.identity.srvsvc
    machine = ctx.server.directory.machine
    prefix = f"sv{level}_"
    if level in (502, 503):
        info: dict[str, Any] = {f"{prefix}{name}": value
                                for name, value in _tuning(ctx).items()
                                if level == 503 or name in SERVER_INFO_502_FIELDS}
        if level == 503:
            info["sv503_domain"] = str(ctx.server.directory.primary_domain.name)
        return {"InfoStruct": (level, info), "ReturnValue": NERR_SUCCESS}
    info = {f"{prefix}platform_id": identity.platform_id,
            f"{prefix}name": machine.netbios_name}
    if level >= 101:
        info.update({f"{prefix}version_major": identity.version_major,
                     f"{prefix}version_minor": identity.version_minor,
                     f"{prefix}type": identity.server_type,
                     f"{prefix}comment": machine.comment})
    if level >= 102:
        info.update({k.replace("sv102_", prefix): v for k, v in _SV102_DEFAULTS.items()})
    if level == 103:
        # sv103_capabilities: SRV_SUPPORT_HASH_GENERATION / SRV_HASH_GENERATION_ACTIVE only
        # when the BranchCache hash feature is installed, which it is not by default (U).
        info["sv103_capabilities"] = 0
    return {"InfoStruct": (level, info), "ReturnValue": NERR_SUCCESS}


@INTERFACE.operation(28, "NetrRemoteTOD", request=[("ServerName", SRVSVC_HANDLE)],
                     response=[("BufferPtr", Pointer(TIME_OF_DAY_INFO))], returns="WERROR")
def NetrRemoteTOD(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.21 / 2.2.4.105: the real current time, in UTC (GMT) fields."""
    now = time.time()
    utc = time.gmtime(now)
    local = time.localtime(now)
    start = ctx.server.start_filetime
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
                              *ENUM_TAIL_IN],
                     response=[("DiskInfoStruct", Pointer(DISK_ENUM_CONTAINER, "ref")),
                               *ENUM_TAIL_OUT],
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
    # MS-SRVS 3.1.4.19: the server MUST ignore PreferedMaximumLength and ResumeHandle: every
    # disk comes back at once.
    entries = [{"Disk": [ord(c) for c in drive] + [0]} for drive in _disks(ctx)]
    buffer = [*entries, {"Disk": [0]}]
    return {"DiskInfoStruct": {"EntriesRead": len(buffer), "Buffer": buffer},
            "TotalEntries": len(entries), "ResumeHandle": request["ResumeHandle"],
            "ReturnValue": NERR_SUCCESS}


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
    sessions = all_sessions(ctx)
    start = ctx.server.start_filetime
    stats = {name: 0 for name, _ in STAT_SERVER_0.fields}
    stats.update({
        "sts0_start": max(0, (start - FILETIME_UNIX_EPOCH) // TICKS_PER_SECOND) if start else 0,
        "sts0_fopens": sum(len(s.opens) for s in sessions),
        "sts0_sopens": len(sessions),
    })
    return {"InfoStruct": stats, "ReturnValue": NERR_SUCCESS}
