"""wkssvc NetrWkstaSetInfo (MS-WKST 3.2.4.2): an administrator changes the redirector's
settings, and NetrWkstaGetInfo level 502 (3.2.4.1) reads them back.

Levels (3.2.4.2): 502 (WKSTA_INFO_502, 2.2.5.4) and the one-value levels 1013
(wki1013_keep_conn), 1018 (wki1018_sess_timeout) and 1046 (wki1046_dormant_file_limit); any
other level is ERROR_INVALID_LEVEL.  Of WKSTA_INFO_502, 2.2.5.4 says the members other than
keep_conn, max_cmds, sess_timeout and dormant_file_limit are "any value when sent, and MUST be
ignored on receipt": those four are applied, the rest keep their values.

A value out of its range is ERROR_INVALID_PARAMETER with ErrorParameter set to the member's
parameter number (lmwksta.h WKSTA_*_PARMNUM: KEEPCONN 13, MAXCMDS 15, SESSTIMEOUT 18,
DORMANTFILELIMIT 46 -- the 10xx levels are 1000 + these).  The ranges are the
LanmanWorkstation\\Parameters registry limits Microsoft documents for the same settings
(KeepConn 1-65535 s, MaxCmds 50-65535, SessTimeout 60-65535 s, DormantFileLimit from 1; U: no
capture of Windows refusing a value).  Values live per running server (``ctx.server.memo``)
until it stops.
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import uint32
from smbemu.status import ERROR_INVALID_LEVEL, ERROR_INVALID_PARAMETER, NERR_SUCCESS

from .objects import INTERFACE
from .types import PULONG, WKSSVC_HANDLE, WKSTA_502_DEFAULTS, WKSTA_INFO

#: Where the workstation's settings live: per running server.
SETTINGS: Final = "wkssvc.settings"
#: member -> (WKSTA_*_PARMNUM, lowest, highest): the settings NetrWkstaSetInfo applies.
APPLIED: Final[dict[str, tuple[int, int, int]]] = {
    "keep_conn": (13, 1, 65535),
    "max_cmds": (15, 50, 65535),
    "sess_timeout": (18, 60, 65535),
    "dormant_file_limit": (46, 1, 0xFFFFFFFF),
}
#: The one-value levels: level -> the member it sets.
SINGLE_VALUE_LEVELS: Final = {1013: "keep_conn", 1018: "sess_timeout", 1046: "dormant_file_limit"}


def workstation_settings(ctx: CallContext) -> dict[str, int]:
    """WKSTA_INFO_502's values as NetrWkstaGetInfo reports them (member name without prefix)."""
    settings: dict[str, int] = ctx.server.memo(SETTINGS, lambda: dict(WKSTA_502_DEFAULTS))
    return settings


def _failed(status: int, parm: int, request: dict[str, Any]) -> dict[str, Any]:
    """[in, out, unique] ErrorParameter: the parameter number for ERROR_INVALID_PARAMETER when
    the caller passed the pointer, else what it sent (NULL stays NULL)."""
    sent = request.get("ErrorParameter")
    if sent is not None and status == ERROR_INVALID_PARAMETER and parm:
        sent = parm
    return {"ErrorParameter": sent, "ReturnValue": status}


@INTERFACE.operation(1, "NetrWkstaSetInfo",
                     request=[("ServerName", WKSSVC_HANDLE), ("Level", uint32), ("WkstaInfo", WKSTA_INFO), ("ErrorParameter", PULONG)],
                     response=[("ErrorParameter", PULONG)], returns="WERROR")
def NetrWkstaSetInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-WKST 3.2.4.2: apply level 502 / 1013 / 1018 / 1046 (module docstring); nothing is
    changed unless every value is in range."""
    status = ctx.decide().status
    if status:
        return _failed(status, 0, request)
    level = request["Level"]
    if level != 502 and level not in SINGLE_VALUE_LEVELS:
        return _failed(ERROR_INVALID_LEVEL, 0, request)
    _, info = request["WkstaInfo"]
    if info is None:
        return _failed(ERROR_INVALID_PARAMETER, 0, request)
    if level == 502:
        values = {name: info[f"wki502_{name}"] for name in APPLIED}
    else:
        values = {SINGLE_VALUE_LEVELS[level]: info}
    for name, value in values.items():
        parm, lowest, highest = APPLIED[name]
        if not lowest <= value <= highest:
            return _failed(ERROR_INVALID_PARAMETER, parm, request)
    workstation_settings(ctx).update(values)
    return _failed(NERR_SUCCESS, 0, request)
