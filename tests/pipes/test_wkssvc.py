"""wkssvc (MS-WKST) through the real RPC endpoint, with impacket cross-checks both ways."""

from __future__ import annotations

import logging
import types
from collections.abc import Callable
from typing import Any

import pytest
from impacket.dcerpc.v5 import wkst  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

H = types.SimpleNamespace
ERROR_ACCESS_DENIED = 5
ERROR_CALL_NOT_IMPLEMENTED = 120
ERROR_INVALID_LEVEL = 124
ERROR_MORE_DATA = 234
NCA_S_OP_RNG_ERROR = 0x1C010002
ALL = 0xFFFFFFFF
KINDS = ("anonymous", "guest", "user", "administrator")


def s(value: Any) -> Any:
    return value[:-1] if isinstance(value, str) and value.endswith("\x00") else value


def test_every_ms_wkst_opnum_is_declared(pipe_client: Callable[..., Any]) -> None:
    iface = pipe_client("wkssvc").interface
    assert str(iface.uuid) == "6bffd098-a112-3610-9833-46c3f87e345a" and iface.version == (1, 0)
    assert sorted(iface.operations) == list(range(31))
    for opnum, (req, _) in wkst.OPNUMS.items():
        assert iface.operations[opnum].name == req.__name__, opnum


@pytest.mark.parametrize("opnum", [31, 99])
def test_unused_and_unknown_opnums_fault(pipe_client: Callable[..., Any], opnum: int) -> None:
    assert pipe_client("wkssvc").fault(opnum) == NCA_S_OP_RNG_ERROR


@pytest.mark.parametrize("level", [100, 101, 102])
def test_wksta_get_info_levels(pipe_client: Callable[..., Any], level: int) -> None:
    reply = pipe_client("wkssvc", "administrator").call(0, Level=level)
    tag, info = reply["WkstaInfo"]
    assert reply["ReturnValue"] == 0 and tag == level
    p = f"wki{level}_"
    assert (info[f"{p}platform_id"], info[f"{p}computername"], info[f"{p}langroup"],
            info[f"{p}ver_major"], info[f"{p}ver_minor"]) == (500, "LEGACYSRV", "CORP", 5, 0)
    if level >= 101:
        assert info[f"{p}lanroot"] == "C:\\WINNT"
    if level == 102:
        assert info["wki102_logged_on_users"] == 1


def test_wksta_get_info_version_follows_profile(pipe_client: Callable[..., Any]) -> None:
    info = pipe_client("wkssvc", "user", "win2016").call(0, Level=100)["WkstaInfo"][1]
    assert (info["wki100_ver_major"], info["wki100_ver_minor"]) == (10, 0)


@pytest.mark.parametrize("profile,kind,level,expected", [
    # Windows 2000: every level for every member of Everyone, anonymous included (§0.1)
    ("win2000", "anonymous", 100, 0), ("win2000", "anonymous", 101, 0),
    ("win2000", "anonymous", 102, 0), ("win2000", "user", 102, 0),
    # XP / 2003 and later: 100 for anyone, 101 for Everyone (not anonymous, §0.1), 102 admins
    ("win2003", "anonymous", 100, 0), ("win2003", "anonymous", 101, ERROR_ACCESS_DENIED),
    ("win2003", "user", 101, 0), ("win2003", "user", 102, ERROR_ACCESS_DENIED),
    ("win2016", "guest", 101, 0), ("win2016", "administrator", 102, 0),
    ("win2016", "anonymous", 102, ERROR_ACCESS_DENIED),
])
def test_wksta_get_info_access(pipe_client: Callable[..., Any], profile: str, kind: str,
                               level: int, expected: int) -> None:
    reply = pipe_client("wkssvc", kind, profile).call(0, Level=level)
    assert reply["ReturnValue"] == expected
    if expected:
        assert reply["WkstaInfo"] == (level, None)


def test_wksta_get_info_unknown_level(pipe_client: Callable[..., Any]) -> None:
    assert pipe_client("wkssvc", "administrator").call(0, Level=7) == \
        {"WkstaInfo": (7, None), "ReturnValue": ERROR_INVALID_LEVEL}


def user_enum(client: Any, level: int, maxlen: int = ALL, resume: int | None = 0) -> Any:
    return client.call(2, UserInfo={"Level": level, "WkstaUserInfo": (level, None)},
                       PreferredMaximumLength=maxlen, ResumeHandle=resume)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("level", [0, 1])
def test_wksta_user_enum_is_for_administrators(pipe_client: Callable[..., Any], kind: str,
                                               level: int,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "smbemu.policy")
    reply = user_enum(pipe_client("wkssvc", kind), level)
    if kind != "administrator":
        assert reply["ReturnValue"] == ERROR_ACCESS_DENIED
        assert f"deny wkssvc NetrWkstaUserEnum level {level}: {kind} is not an administrator" \
            in caplog.text
        return
    users = reply["UserInfo"]["WkstaUserInfo"][1]["Buffer"]
    assert reply["ReturnValue"] == 0 and reply["TotalEntries"] == 1
    assert users[0][f"wkui{level}_username"] == "LEGACYSRV$"
    if level == 1:
        assert users[0]["wkui1_logon_domain"] == "CORP"


def test_wksta_user_enum_unknown_level(pipe_client: Callable[..., Any]) -> None:
    assert user_enum(pipe_client("wkssvc", "administrator"), 5)["ReturnValue"] == \
        ERROR_INVALID_LEVEL


def transport_enum(client: Any, level: int = 0) -> Any:
    return client.call(5, TransportInfo={"Level": level, "WkstaTransportInfo": (level, None)},
                       PreferredMaximumLength=ALL, ResumeHandle=0)


def test_wksta_transport_enum(pipe_client: Callable[..., Any]) -> None:
    reply = transport_enum(pipe_client("wkssvc", "user"))
    (entry,) = reply["TransportInfo"]["WkstaTransportInfo"][1]["Buffer"]
    assert reply["ReturnValue"] == 0
    assert entry["wkti0_transport_name"].startswith("\\Device\\NetBT_Tcpip_{")
    address = entry["wkti0_transport_address"]
    assert len(address) == 12 and int(address, 16) >> 40 == 0x02  # locally administered
    assert entry["wkti0_wan_ish"] == 1
    # stable for the fixture
    assert transport_enum(pipe_client("wkssvc", "user"))["TransportInfo"] == reply["TransportInfo"]
    assert transport_enum(pipe_client("wkssvc", "user"), 1)["ReturnValue"] == ERROR_INVALID_LEVEL
    assert transport_enum(pipe_client("wkssvc", "anonymous", "win2003"))["ReturnValue"] == \
        ERROR_ACCESS_DENIED


def test_join_information(pipe_client: Callable[..., Any]) -> None:
    assert pipe_client("wkssvc", "user").call(20, NameBuffer=None) == \
        {"NameBuffer": "CORP", "BufferType": 3, "ReturnValue": 0}


def test_enumerate_computer_names(pipe_client: Callable[..., Any]) -> None:
    reply = pipe_client("wkssvc", "administrator").call(30, NameType=0, Reserved=0)
    assert reply["ComputerNames"] == {"EntryCount": 1,
                                      "ComputerNames": ["legacysrv.corp.local"]}
    assert pipe_client("wkssvc", "administrator").call(30, NameType=1, Reserved=0)[
        "ComputerNames"] == {"EntryCount": 0, "ComputerNames": []}
    assert pipe_client("wkssvc", "user").call(30, NameType=0, Reserved=0)["ReturnValue"] == \
        ERROR_ACCESS_DENIED
    assert pipe_client("wkssvc", "administrator").call(30, NameType=7, Reserved=0)[
        "ReturnValue"] == 87


def test_use_calls_are_not_remotely_callable(pipe_client: Callable[..., Any]) -> None:
    """MS-WKST 3.2.4.7-10: ERROR_CALL_NOT_IMPLEMENTED, levels echoed."""
    client = pipe_client("wkssvc", "administrator")
    assert client.call(9, UseName="X:", Level=2) == \
        {"InfoStruct": (2, None), "ReturnValue": ERROR_CALL_NOT_IMPLEMENTED}
    enum = client.call(11, InfoStruct={"Level": 1, "UseInfo": (1, None)},
                       PreferredMaximumLength=ALL, ResumeHandle=7)
    assert enum["InfoStruct"] == {"Level": 1, "UseInfo": (1, None)}
    assert enum["ResumeHandle"] == 7 and enum["ReturnValue"] == ERROR_CALL_NOT_IMPLEMENTED
    assert client.call(10, UseName="X:", ForceLevel=0)["ReturnValue"] == ERROR_CALL_NOT_IMPLEMENTED
    assert client.call(8, Level=0)["ReturnValue"] == ERROR_CALL_NOT_IMPLEMENTED


@pytest.mark.parametrize("kind", KINDS)
def test_changes_are_refused(pipe_client: Callable[..., Any], kind: str) -> None:
    client = pipe_client("wkssvc", kind)
    # an administrator's transport, join and name calls: tests/pipes/test_wkssvc_setup.py;
    # NetrWkstaSetInfo (1) applied for an administrator: tests/pipes/test_wkssvc_settings.py
    for opnum in (7,) if kind == "administrator" else (1, 6, 7, 22, 23, 24, 27, 28, 29):
        op = client.op(opnum)
        assert op.decode_response(client.raw(opnum, bytes(32)))["ReturnValue"] == \
            ERROR_ACCESS_DENIED, op.name


# ------------------------------------------------------------------ impacket cross-checks


@pytest.fixture
def admin_dce(pipes_h: H) -> Any:
    return pipes_h.impacket_dce(pipes_h.fresh_config("win2000"), "wkssvc", "administrator")


@pytest.mark.parametrize("level", [100, 101, 102])
def test_impacket_wksta_get_info(admin_dce: Any, level: int) -> None:
    info = wkst.hNetrWkstaGetInfo(admin_dce, level)["WkstaInfo"][f"WkstaInfo{level}"]
    assert s(info[f"wki{level}_computername"]) == "LEGACYSRV"
    assert s(info[f"wki{level}_langroup"]) == "CORP"
    assert (info[f"wki{level}_ver_major"], info[f"wki{level}_ver_minor"]) == (5, 0)


@pytest.mark.parametrize("level", [0, 1])
def test_impacket_wksta_user_enum(admin_dce: Any, level: int) -> None:
    # impacket declares the response's ResumeHandle as a plain ULONG where MS-WKST has a
    # unique pointer; its own request sends a pointer, so the answer carries one: impacket then
    # reads the referent id as "ResumeHandle" and the handle value as "ErrorCode" — harmless
    # here (both 0 on success), and the user list decodes.
    resp = wkst.hNetrWkstaUserEnum(admin_dce, level)
    users = resp["UserInfo"]["WkstaUserInfo"][f"Level{level}"]["Buffer"]
    assert [s(u[f"wkui{level}_username"]) for u in users] == ["LEGACYSRV$"]


def test_impacket_transport_enum_join_and_names(admin_dce: Any) -> None:
    resp = wkst.hNetrWkstaTransportEnum(admin_dce, 0)
    (entry,) = resp["TransportInfo"]["WkstaTransportInfo"]["Level0"]["Buffer"]
    assert s(entry["wkti0_transport_name"]).startswith("\\Device\\NetBT_Tcpip_{")
    join = wkst.hNetrGetJoinInformation(admin_dce, NULL)
    assert s(join["NameBuffer"]) == "CORP" and join["BufferType"] == 3
    names = wkst.hNetrEnumerateComputerNames(admin_dce, 0)["ComputerNames"]
    assert names["EntriesRead"] == 1
    assert names["ComputerNames"][0]["Data"] == "legacysrv.corp.local"


def test_impacket_access_denied(pipes_h: H) -> None:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2016"), "wkssvc", "user")
    for call in (lambda: wkst.hNetrWkstaGetInfo(dce, 102),
                 lambda: wkst.hNetrWkstaUserEnum(dce, 0)):
        with pytest.raises(DCERPCException) as err:
            call()  # type: ignore[no-untyped-call]
        assert err.value.get_error_code() == ERROR_ACCESS_DENIED
    assert s(wkst.hNetrWkstaGetInfo(dce, 100)["WkstaInfo"]["WkstaInfo100"][
        "wki100_computername"]) == "LEGACYSRV"


def test_impacket_requests_decode_in_smbemu(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("wkssvc")
    req = wkst.NetrWkstaGetInfo()
    req["ServerName"] = "\\\\host\x00"
    req["Level"] = 102
    assert client.op(0).decode_request(req.getData()) == {"ServerName": "\\\\host", "Level": 102}
    req = wkst.NetrEnumerateComputerNames()
    req["ServerName"] = NULL
    req["NameType"] = 2
    req["Reserved"] = 0
    assert client.op(30).decode_request(req.getData()) == \
        {"ServerName": None, "NameType": 2, "Reserved": 0}
    req = wkst.NetrWkstaTransportEnum()
    req["ServerName"] = NULL
    req["TransportInfo"]["Level"] = 0
    req["TransportInfo"]["WkstaTransportInfo"]["tag"] = 0
    req["TransportInfo"]["WkstaTransportInfo"]["Level0"]["Buffer"] = NULL
    req["PreferredMaximumLength"] = 1000
    req["ResumeHandle"] = 3
    decoded = client.op(5).decode_request(req.getData())
    assert decoded["TransportInfo"]["Level"] == 0
    assert (decoded["PreferredMaximumLength"], decoded["ResumeHandle"]) == (1000, 3)
