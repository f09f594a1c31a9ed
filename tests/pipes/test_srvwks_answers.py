"""What the srvsvc and wkssvc opnums that used to fault now answer (issue 15 item 7), each
against the spec section or the smbtorture expectation it follows."""

from __future__ import annotations

from typing import Any

import pytest
from impacket.dcerpc.v5 import srvs, wkst  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

ALL = 0xFFFFFFFF
ERROR_ACCESS_DENIED, ERROR_FILE_NOT_FOUND, ERROR_NOT_SUPPORTED = 5, 2, 50
ERROR_INVALID_PARAMETER, ERROR_INVALID_NAME, ERROR_INVALID_LEVEL = 87, 123, 124
NERR_BUF_TOO_SMALL, NERR_NAME_NOT_FOUND, NERR_NET_NAME_NOT_FOUND = 2123, 2273, 2310
ERROR_NO_SUCH_LOGON_SESSION, RPC_E_REMOTE_DISABLED = 1312, 0x8001011C


def test_transport_enum_names_the_workstation_transport(pipes_h: Any) -> None:
    server = pipes_h.fresh_config("win2016")
    dce = pipes_h.impacket_dce(server, "srvsvc", "user")
    wks = pipes_h.impacket_dce(server, "wkssvc", "user")
    (ours,) = wkst.hNetrWkstaTransportEnum(wks, 0)["TransportInfo"]["WkstaTransportInfo"][
        "Level0"]["Buffer"]
    for level in range(4):
        req = srvs.NetrServerTransportEnum()
        req["ServerName"] = "\x00"
        req["InfoStruct"]["Level"] = level
        req["InfoStruct"]["XportInfo"]["tag"] = level
        req["InfoStruct"]["XportInfo"][f"Level{level}"]["Buffer"] = srvs.NULL
        req["PreferedMaximumLength"] = ALL
        req["ResumeHandle"] = srvs.NULL
        resp = dce.request(req)
        (entry,) = resp["InfoStruct"]["XportInfo"][f"Level{level}"]["Buffer"]
        assert entry[f"svti{level}_transportname"] == ours["wkti0_transport_name"]
        assert entry[f"svti{level}_networkaddress"] == ours["wkti0_transport_address"]
        assert b"".join(entry[f"svti{level}_transportaddress"]) == b"LEGACYSRV".ljust(16)
        if level:
            assert entry[f"svti{level}_domain"][:-1] == "CORP"


@pytest.mark.parametrize("profile,allowed", [("win2000", True), ("win2003", False),
                                             ("win2016", False)])
def test_transport_enum_needs_an_authenticated_caller_from_2003(pipe_client: Any, profile: str,
                                                               allowed: bool) -> None:
    """Win32 NetServerTransportEnum: authenticated users; "Windows XP/2000: no special group"."""
    reply = pipe_client("srvsvc", "anonymous", profile).call(
        26, InfoStruct={"Level": 0, "XportInfo": (0, None)}, PreferedMaximumLength=ALL,
        ResumeHandle=None)
    assert reply["ReturnValue"] == (0 if allowed else ERROR_ACCESS_DENIED)


@pytest.mark.parametrize("name,size,flags,expected,text", [
    ("legacysrv", 64, 0, 0, "legacysrv"),
    ("legacysrv", 64, 0x80000000, 0, "LEGACYSRV"),
    ("legacysrv", 8, 0, NERR_BUF_TOO_SMALL, ""),
    ("bad*name", 64, 0, ERROR_INVALID_NAME, ""),
])
def test_name_canonicalize(pipe_client: Any, name: str, size: int, flags: int, expected: int,
                           text: str) -> None:
    reply = pipe_client("srvsvc", "user", "win2016").call(
        34, Name=name, OutbufLen=size, NameType=4, Flags=flags)  # NAMETYPE_COMPUTER
    assert reply["ReturnValue"] == expected and len(reply["Outbuf"]) == size
    got = "".join(map(chr, reply["Outbuf"])).split("\0")[0]
    assert got == text


@pytest.mark.parametrize("kind,share,expected", [
    ("administrator", "C$", ERROR_FILE_NOT_FOUND), ("administrator", "NOPE", NERR_NET_NAME_NOT_FOUND),
    ("anonymous", "C$", ERROR_ACCESS_DENIED)])
def test_get_file_security(pipe_client: Any, kind: str, share: str, expected: int) -> None:
    reply = pipe_client("srvsvc", kind, "win2000").call(
        39, ShareName=share, lpFileName="boot.ini", RequestedInformation=4)
    assert reply == {"SecurityDescriptor": None, "ReturnValue": expected}


def test_dfs_calls_are_not_supported_and_aliases_are_empty(pipe_client: Any) -> None:
    """pipes/srvsvc/dfs.py: the answers impacket's suite accepts from a 2016 DC."""
    client = pipe_client("srvsvc", "administrator", "win2016-dc")
    assert client.call(43) == {"Version": 0, "ReturnValue": 2}  # ERROR_FILE_NOT_FOUND
    reply = client.call(48, Prefix="\\x", ShortPrefixLen=5)
    assert reply == {"ShortPrefix": [0] * 5, "ReturnValue": ERROR_NOT_SUPPORTED}
    for opnum in (44, 45, 46, 49, 50, 52):
        assert client.call(opnum)["ReturnValue"] == ERROR_NOT_SUPPORTED
    volume = [ord(c) for c in "\\??\\C:\\Dfs"]
    assert client.call(51, VolumeName=[*volume, 0])["ReturnValue"] == ERROR_NOT_SUPPORTED
    assert client.fault(51, client.op(51).encode_request({"ServerName": None,
                                                          "VolumeName": volume})) == 0x6F7
    reply = client.call(55, InfoStruct={"Level": 0, "ServerAliasInfo": (0, None)},
                        PreferedMaximumLength=ALL, ResumeHandle=None)
    assert reply["ReturnValue"] == 0 and reply["TotalEntries"] == 0


@pytest.mark.parametrize("reserved,level,expected", [
    (None, 0, ERROR_NO_SUCH_LOGON_SESSION), (None, 1, ERROR_NO_SUCH_LOGON_SESSION),
    (None, 1101, 0), ("CORP", 0, ERROR_INVALID_PARAMETER), (None, 7, ERROR_INVALID_LEVEL)])
def test_wksta_user_get_info(pipe_client: Any, reserved: Any, level: int, expected: int) -> None:
    """smbtorture rpc.wkssvc NetrWkstaUserGetInfo's table of Windows' answers."""
    reply = pipe_client("wkssvc", "administrator", "win2016").call(3, Reserved=reserved,
                                                                   Level=level)
    assert reply["ReturnValue"] == expected


@pytest.mark.parametrize("profile,expected", [("win2000", 0), ("win2016", NERR_NAME_NOT_FOUND)])
def test_message_send_needs_the_messenger(pipe_client: Any, profile: str, expected: int) -> None:
    assert pipe_client("wkssvc", "user", profile).call(12)["ReturnValue"] == expected


def test_wkssvc_legacy_and_netsetup_answers(pipe_client: Any) -> None:
    client = pipe_client("wkssvc", "administrator", "win2016")
    for opnum in (4, 14, 15, 16, 17, 18, 19, 21):
        assert client.call(opnum)["ReturnValue"] == ERROR_NOT_SUPPORTED, opnum
    assert client.call(25)["ReturnValue"] == RPC_E_REMOTE_DISABLED
    assert client.call(26) == {"OUCount": 0, "OUs": None, "ReturnValue": RPC_E_REMOTE_DISABLED}


def test_workstation_statistics(pipes_h: Any) -> None:
    server = pipes_h.fresh_config("win2016")
    server.start_filetime = 133_000_000_000_000_000
    stats = wkst.hNetrWorkstationStatisticsGet(
        pipes_h.impacket_dce(server, "wkssvc", "administrator"), "\x00", 0, 0)["Buffer"]
    assert stats["StatisticsStartTime"] == 133_000_000_000_000_000 and stats["Sessions"] == 0
    with pytest.raises(DCERPCException) as info:
        wkst.hNetrWorkstationStatisticsGet(pipes_h.impacket_dce(server, "wkssvc", "user"),
                                           "\x00", 0, 0)
    assert info.value.get_error_code() == ERROR_ACCESS_DENIED
