"""wkssvc NetrWkstaSetInfo (pipes/wkssvc/settings.py, MS-WKST 3.2.4.2) through impacket's real
client: an administrator's level-502 and one-value changes read back by NetrWkstaGetInfo 502,
out-of-range values refused with ERROR_INVALID_PARAMETER and the member's parameter number, and
a normal user refused."""

from __future__ import annotations

import types
from typing import Any

import pytest
from impacket.dcerpc.v5 import wkst  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

H = types.SimpleNamespace
ERROR_ACCESS_DENIED = 5
ERROR_INVALID_PARAMETER = 87
ERROR_INVALID_LEVEL = 124


def info_502(dce: Any) -> Any:
    return wkst.hNetrWkstaGetInfo(dce, 502)["WkstaInfo"]["WkstaInfo502"]


def test_an_administrator_changes_the_dormant_file_limit(pipes_h: H) -> None:
    """impacket's test_NetrWkstaSetInfo, checked further: the value sticks for a new client of
    the same server, and the members MS-WKST 2.2.5.4 says to ignore are not taken."""
    server = pipes_h.fresh_config("win2016")
    dce = pipes_h.impacket_dce(server, "wkssvc", "administrator")
    info = info_502(dce)
    assert info["wki502_dormant_file_limit"] == 45  # the registry default
    info["wki502_dormant_file_limit"] = 500
    info["wki502_char_wait"] = 7  # "MUST be ignored on receipt"
    wkst.hNetrWkstaSetInfo(dce, 502, info)
    again = info_502(pipes_h.impacket_dce(server, "wkssvc", "administrator"))
    assert again["wki502_dormant_file_limit"] == 500 and again["wki502_char_wait"] == 3600
    other = info_502(pipes_h.impacket_dce(pipes_h.fresh_config("win2016"), "wkssvc", "administrator"))
    assert other["wki502_dormant_file_limit"] == 45  # another server keeps its own


def _set(dce: Any, level: int, info: Any) -> tuple[int, int]:
    request = wkst.NetrWkstaSetInfo()
    request["ServerName"] = "\x00"
    request["Level"] = level
    request["WkstaInfo"]["tag"] = level
    request["WkstaInfo"][f"WkstaInfo{level}"] = info
    request["ErrorParameter"] = 0
    try:
        dce.request(request)
    except DCERPCException as err:
        # ERROR_ACCESS_DENIED (5) is also an RPC status: impacket keeps no packet for it
        packet = err.get_packet()
        return err.get_error_code(), packet["ErrorParameter"] if packet is not None else -1
    return 0, 0


@pytest.mark.parametrize("member, value, parm", [
    ("wki502_sess_timeout", 59, 18), ("wki502_keep_conn", 0, 13), ("wki502_max_cmds", 49, 15),
    ("wki502_dormant_file_limit", 0, 46)])
def test_out_of_range_is_refused_with_the_parameter_number(pipes_h: H, member: str, value: int,
                                                           parm: int) -> None:
    server = pipes_h.fresh_config("win2016")
    dce = pipes_h.impacket_dce(server, "wkssvc", "administrator")
    info = info_502(dce)
    info["wki502_dormant_file_limit"] = 99  # valid, but not applied: another member is not
    info[member] = value
    assert _set(dce, 502, info) == (ERROR_INVALID_PARAMETER, parm)
    assert info_502(dce)["wki502_dormant_file_limit"] == 45


def test_one_value_level_and_unknown_level(pipes_h: H) -> None:
    server = pipes_h.fresh_config("win2016")
    dce = pipes_h.impacket_dce(server, "wkssvc", "administrator")
    one = wkst.WKSTA_INFO_1018()
    one["wki1018_sess_timeout"] = 120
    assert _set(dce, 1018, one) == (0, 0)
    assert info_502(dce)["wki502_sess_timeout"] == 120
    request = wkst.NetrWkstaSetInfo()
    request["ServerName"] = "\x00"
    request["Level"] = 100
    request["WkstaInfo"]["tag"] = 100
    request["WkstaInfo"]["WkstaInfo100"]["wki100_computername"] = "X\x00"
    request["WkstaInfo"]["WkstaInfo100"]["wki100_langroup"] = "Y\x00"
    with pytest.raises(DCERPCException) as err:
        dce.request(request)
    assert err.value.get_error_code() == ERROR_INVALID_LEVEL


def test_a_user_may_not_change_the_settings(pipes_h: H) -> None:
    server = pipes_h.fresh_config("win2016")
    admin = pipes_h.impacket_dce(server, "wkssvc", "administrator")
    info = info_502(admin)
    info["wki502_dormant_file_limit"] = 77
    user = pipes_h.impacket_dce(server, "wkssvc", "user")
    assert _set(user, 502, info)[0] == ERROR_ACCESS_DENIED
    assert info_502(admin)["wki502_dormant_file_limit"] == 45
