"""srvsvc (MS-SRVS) through the real RPC endpoint: every emulated opnum and level, the access
rules per principal kind and profile, paging, faults — and NDR cross-checks against impacket
(requests impacket encodes decode in smbemu; responses smbemu encodes decode in impacket; the
impacket client runs in memory against the endpoint, see conftest.PipeTransport).
"""

from __future__ import annotations

import logging
import time
import types
from collections.abc import Callable
from typing import Any

import pytest
from impacket.dcerpc.v5 import srvs  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

H = types.SimpleNamespace
ERROR_ACCESS_DENIED = 5
ERROR_NOT_SUPPORTED = 50
ERROR_INVALID_PARAMETER = 87
ERROR_INVALID_NAME = 123
ERROR_INVALID_LEVEL = 124
ERROR_MORE_DATA = 234
NERR_BUF_TOO_SMALL = 2123
NERR_USER_NOT_FOUND = 2221
NERR_NET_NAME_NOT_FOUND = 2310
NERR_DEVICE_NOT_SHARED = 2311
NERR_CLIENT_NAME_NOT_FOUND = 2312
NERR_FILE_ID_NOT_FOUND = 2314
NCA_S_OP_RNG_ERROR = 0x1C010002
RPC_X_INVALID_BOUND = 0x6C6
ALL = 0xFFFFFFFF
KINDS = ("anonymous", "guest", "user", "administrator")

#: The win2000 fixture's shares as NetrShareEnum level 1 lists them (IPC$ first).
SHARES = [
    ("IPC$", 0x80000003, "Remote IPC"), ("ADMIN$", 0x80000000, "Remote Admin"),
    ("C$", 0x80000000, "Default share"), ("D$", 0x80000000, "Default share"),
    ("print$", 0, "Printer Drivers"), ("Public", 0, "Public files - everyone can read"),
    ("Finance", 0, "Finance department"), ("HR", 0, "Human Resources - CONFIDENTIAL"),
    ("Software", 0, "Software installers and keys"), ("Users$", 0, "Home directories"),
    ("Profiles$", 0, "Roaming profiles"), ("Backups$", 0, "Nightly SQL and Exchange dumps"),
    ("HPLJ4250", 1, "HP LaserJet 4250 - 2nd floor")]


def s(value: Any) -> Any:
    """impacket strings carry their NUL."""
    return value[:-1] if isinstance(value, str) and value.endswith("\x00") else value


def share_enum(client: Any, level: int, maxlen: int = ALL, resume: int | None = 0,
               opnum: int = 15) -> Any:
    return client.call(opnum, InfoStruct={"Level": level, "ShareInfo": (level, None)},
                       PreferedMaximumLength=maxlen, ResumeHandle=resume)


def entries(reply: dict[str, Any], union: str = "ShareInfo") -> list[dict[str, Any]]:
    container = reply["InfoStruct"][union][1]
    return [] if container is None else list(container["Buffer"] or [])


# ------------------------------------------------------------------ the opnum table


def test_every_ms_srvs_opnum_is_declared(pipe_client: Callable[..., Any]) -> None:
    iface = pipe_client("srvsvc").interface
    assert str(iface.uuid) == "4b324fc8-1670-01d3-1278-5a47bf6ee188" and iface.version == (3, 0)
    assert sorted(iface.operations) == list(range(58))
    # names agree with impacket's table wherever impacket has the opnum
    for opnum, (req, _) in srvs.OPNUMS.items():
        assert iface.operations[opnum].name == req.__name__, opnum


@pytest.mark.parametrize("opnum", [29, 42, 47, 58, 200])
def test_unused_and_unknown_opnums_fault_op_rng_error(pipe_client: Callable[..., Any],
                                                      opnum: int) -> None:
    assert pipe_client("srvsvc").fault(opnum) == NCA_S_OP_RNG_ERROR


@pytest.mark.parametrize("opnum,values", [
    (0, {"InfoStruct": {"Level": 1, "ChardevInfo": (1, None)}, "PreferedMaximumLength": ALL,
         "ResumeHandle": 0}),
    (1, {"DevName": "COM1", "Level": 1}), (2, {"DevName": "COM1", "Opcode": 0}),
    (3, {"UserName": None, "InfoStruct": {"Level": 0, "ChardevQInfo": (0, None)},
         "PreferedMaximumLength": ALL, "ResumeHandle": None}),
    (4, {"QueueName": "Q", "UserName": "u", "Level": 1}),
    (5, {"QueueName": "Q", "Level": 0, "CharDevQInfo": (0, {"cq0_dev": "COM1"}),
         "ParmErr": 0}),
    (6, {"QueueName": "Q"}), (7, {"QueueName": "Q", "ComputerName": "C"}),
])
def test_char_dev_opnums_return_error_not_supported(pipe_client: Callable[..., Any],
                                                    opnum: int, values: dict[str, Any]) -> None:
    """MS-SRVS 3.1.4: Opnum0..7NotUsedOnWire "return ERROR_NOT_SUPPORTED"."""
    reply = pipe_client("srvsvc", "administrator").call(opnum, **values)
    assert reply["ReturnValue"] == ERROR_NOT_SUPPORTED
    if opnum in (0, 3):
        level = values["InfoStruct"]["Level"]
        assert reply["InfoStruct"]["Level"] == level
        assert reply["ResumeHandle"] == values["ResumeHandle"]
    if opnum in (1, 4):
        assert reply["InfoStruct"] == (values["Level"], None)


#: The share, session, file and alias changes an administrator may make (pipes/srvsvc/
#: share_changes.py, session_changes.py; tests/pipes/test_srvsvc_changes.py).
ADMIN_CHANGES = (11, 13, 14, 17, 18, 19, 37, 38, 54, 56, 57)
#: The server's own configuration: refused to everyone (read-only emulation).
READ_ONLY = (22, 25, 27, 40, 41, 53)


@pytest.mark.parametrize("kind", KINDS)
def test_changes_are_refused_with_access_denied(pipe_client: Callable[..., Any], kind: str,
                                                caplog: pytest.LogCaptureFixture) -> None:
    """Windows refuses them to non-administrators; the server's own configuration is
    read-only for everyone."""
    dce_client = pipe_client("srvsvc", kind)
    caplog.set_level(logging.INFO, "smbemu.policy")
    for opnum in READ_ONLY if kind == "administrator" else ADMIN_CHANGES + READ_ONLY:
        op = dce_client.op(opnum)
        out = op.decode_response(dce_client.raw(opnum, b"\x00" * 64))
        assert out["ReturnValue"] == ERROR_ACCESS_DENIED, op.name
    assert f"deny srvsvc NetrServerSetInfo: {kind} may not change the emulated server" in caplog.text
    if kind != "administrator":
        assert f"deny srvsvc NetrShareAdd: {kind} is not an administrator" in caplog.text


def test_refused_calls_through_impacket(pipes_h: H) -> None:
    """A normal user's changes: ERROR_ACCESS_DENIED, what Windows answers (MS-SRVS 3.1.4.6-7,
    3.1.4.12, 3.1.4.14: the server SHOULD enforce its security measures)."""
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2000"), "srvsvc", "user")
    info = srvs.SHARE_INFO_1()
    info["shi1_netname"] = "evil\x00"
    info["shi1_type"] = 0
    info["shi1_remark"] = "x\x00"
    for call in (lambda: srvs.hNetrShareAdd(dce, 1, info),
                 lambda: srvs.hNetrShareDel(dce, "Public\x00"),
                 lambda: srvs.hNetrSessionDel(dce, "\\\\10.0.0.5\x00", NULL),
                 lambda: srvs.hNetrFileClose(dce, 1),
                 lambda: srvs.hNetrShareDelStart(dce, "Public\x00")):
        with pytest.raises(DCERPCException) as err:
            call()  # type: ignore[no-untyped-call]
        assert err.value.get_error_code() == ERROR_ACCESS_DENIED


# ------------------------------------------------------------------ shares


@pytest.mark.parametrize("level", [0, 1, 2, 501, 502, 503])
def test_share_enum_every_level_as_administrator(pipe_client: Callable[..., Any],
                                                 level: int) -> None:
    reply = share_enum(pipe_client("srvsvc", "administrator"), level)
    assert reply["ReturnValue"] == 0 and reply["TotalEntries"] == len(SHARES)
    assert reply["InfoStruct"]["Level"] == level and reply["ResumeHandle"] == 0
    got = entries(reply)
    prefix = "shi0_" if level == 0 else f"shi{level}_"
    assert [e[f"{prefix}netname"] for e in got] == [n for n, _, _ in SHARES]
    if level:
        assert [(e[f"{prefix}type"], e[f"{prefix}remark"]) for e in got] == \
            [(t, c) for _, t, c in SHARES]
    if level in (2, 502, 503):
        admin = next(e for e in got if e[f"{prefix}netname"] == "ADMIN$")
        assert admin[f"{prefix}path"] == "C:\\WINNT" and admin[f"{prefix}passwd"] is None
        assert admin[f"{prefix}max_uses"] == ALL and admin[f"{prefix}permissions"] == 0
    if level == 503:
        assert {e["shi503_servername"] for e in got} == {"*"}


def test_share_enum_counts_current_uses(pipe_client: Callable[..., Any], pipes_h: H) -> None:
    server = pipes_h.fresh_config("win2000")
    pipes_h.add_session(server, "user")
    pipes_h.add_session(server, "anonymous")
    got = entries(share_enum(pipe_client("srvsvc", "administrator", server=server), 2))
    uses = {e["shi2_netname"]: e["shi2_current_uses"] for e in got}
    assert uses["IPC$"] == 2 and uses["C$"] == 0


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("level", [0, 1, 2, 501, 502, 503])
def test_share_enum_levels_per_principal(pipe_client: Callable[..., Any], kind: str,
                                         level: int) -> None:
    """windows-defaults §0 rule 9: levels 0/1 (and 501) need no group; 2/502/503 need
    Administrators; the refusal is ERROR_ACCESS_DENIED as the return value."""
    reply = share_enum(pipe_client("srvsvc", kind), level)
    denied = level in (2, 502, 503) and kind != "administrator"
    assert reply["ReturnValue"] == (ERROR_ACCESS_DENIED if denied else 0)
    if denied:
        assert reply["InfoStruct"] == {"Level": level, "ShareInfo": (level, None)}
        assert reply["TotalEntries"] == 0


def test_restrict_anonymous_blocks_anonymous_share_enumeration(
        pipe_client: Callable[..., Any], pipes_h: H, caplog: pytest.LogCaptureFixture) -> None:
    """§0.1: RestrictAnonymous=1 blocks anonymous enumeration of shares (not users')."""
    server = pipes_h.fresh_config("win2000", "RestrictAnonymous=1")
    caplog.set_level(logging.INFO, "smbemu.policy")
    assert share_enum(pipe_client("srvsvc", "anonymous", server=server), 1)["ReturnValue"] == 5
    assert "RestrictAnonymous=1" in caplog.text
    assert share_enum(pipe_client("srvsvc", "user", server=server), 1)["ReturnValue"] == 0


def test_share_enum_unknown_level(pipe_client: Callable[..., Any]) -> None:
    reply = share_enum(pipe_client("srvsvc", "administrator"), 7)
    assert reply["ReturnValue"] == ERROR_INVALID_LEVEL
    assert reply["InfoStruct"] == {"Level": 7, "ShareInfo": (7, None)}


@pytest.mark.parametrize("maxlen", [1, 60, 200, 1000])
def test_share_enum_paging_with_resume_handle(pipe_client: Callable[..., Any],
                                              maxlen: int) -> None:
    """PreferedMaximumLength bounds each answer; ERROR_MORE_DATA + a resume handle until the
    last page (MS-SRVS 3.1.4.8, 4.1); every share exactly once; at least one per call."""
    client = pipe_client("srvsvc", "user")
    names: list[str] = []
    resume = 0
    for _ in range(len(SHARES) + 1):
        reply = share_enum(client, 1, maxlen, resume)
        page = [e["shi1_netname"] for e in entries(reply)]
        assert page, "each call returns at least one entry"
        assert reply["TotalEntries"] == len(SHARES) - len(names)
        names += page
        if reply["ReturnValue"] == 0:
            assert reply["ResumeHandle"] == 0
            break
        assert reply["ReturnValue"] == ERROR_MORE_DATA
        assert reply["ResumeHandle"] == len(names)
        resume = reply["ResumeHandle"]
    assert names == [n for n, _, _ in SHARES]


def test_share_enum_paging_edges(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("srvsvc", "user")
    first = share_enum(client, 0, 1, None)  # NULL resume handle stays NULL
    assert first["ReturnValue"] == ERROR_MORE_DATA and first["ResumeHandle"] is None
    assert len(entries(first)) == 1
    past = share_enum(client, 0, ALL, 99)
    assert past["ReturnValue"] == 0 and entries(past) == [] and past["TotalEntries"] == 0


def test_share_enum_sticky_lists_only_persistent_shares(pipe_client: Callable[..., Any]) -> None:
    reply = share_enum(pipe_client("srvsvc", "user"), 1, opnum=36)
    assert reply["ReturnValue"] == 0
    assert [e["shi1_netname"] for e in entries(reply)] == \
        [n for n, t, _ in SHARES if not t & 0x80000000]
    assert share_enum(pipe_client("srvsvc", "user"), 2, opnum=36)["ReturnValue"] == 5


@pytest.mark.parametrize("level", [0, 1, 2, 501, 502, 503, 1004, 1005, 1006, 1501])
def test_share_get_info_levels(pipe_client: Callable[..., Any], level: int) -> None:
    reply = pipe_client("srvsvc", "administrator").call(16, NetName="ipc$", Level=level)
    assert reply["ReturnValue"] == 0
    tag, info = reply["InfoStruct"]
    assert tag == level
    if level in (0, 1, 2, 501, 502, 503):
        assert info[f"shi{level}_netname"] == "IPC$"
    if level in (1, 2, 501, 502, 503):
        assert info[f"shi{level}_type"] == 0x80000003
    if level == 1004:
        assert info == {"shi1004_remark": "Remote IPC"}


def test_share_get_info_errors(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("srvsvc", "anonymous")
    assert client.call(16, NetName="nosuch", Level=1) == \
        {"InfoStruct": (1, None), "ReturnValue": NERR_NET_NAME_NOT_FOUND}
    assert client.call(16, NetName="IPC$", Level=9)["ReturnValue"] == ERROR_INVALID_LEVEL
    assert client.call(16, NetName="IPC$", Level=502)["ReturnValue"] == ERROR_ACCESS_DENIED
    assert client.call(16, NetName="C$", Level=1)["InfoStruct"] == \
        (1, {"shi1_netname": "C$", "shi1_type": 0x80000000, "shi1_remark": "Default share"})


def test_share_check(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("srvsvc", "user")
    assert client.call(20, Device="D:") == {"Type": 0, "ReturnValue": 0}
    assert client.call(20, Device="Q:") == {"Type": 0, "ReturnValue": NERR_DEVICE_NOT_SHARED}


# ------------------------------------------------------------------ the server


@pytest.mark.parametrize("profile,version,server_type", [
    ("win2000", (5, 0), 0x00059003), ("win2003", (5, 2), 0x00059003),
    ("win2016", (10, 0), 0x00009003), ("win2016-dc", (10, 0), 0x0080102B)])
def test_server_get_info_comes_from_the_profile(pipe_client: Callable[..., Any], profile: str,
                                                version: tuple[int, int],
                                                server_type: int) -> None:
    client = pipe_client("srvsvc", "user", profile)
    assert client.call(21, Level=100) == {"InfoStruct": (100, {
        "sv100_platform_id": 500, "sv100_name": "LEGACYSRV"}), "ReturnValue": 0}
    info = client.call(21, Level=101)["InfoStruct"][1]
    assert (info["sv101_version_major"], info["sv101_version_minor"]) == version
    assert info["sv101_type"] == server_type
    assert info["sv101_comment"] == "File and print server"


def test_server_get_info_102_is_for_administrators(pipe_client: Callable[..., Any]) -> None:
    assert pipe_client("srvsvc", "user").call(21, Level=102) == \
        {"InfoStruct": (102, None), "ReturnValue": ERROR_ACCESS_DENIED}
    reply = pipe_client("srvsvc", "administrator").call(21, Level=102)
    info = reply["InfoStruct"][1]
    assert reply["ReturnValue"] == 0 and info["sv102_name"] == "LEGACYSRV"
    assert (info["sv102_users"], info["sv102_disc"], info["sv102_hidden"],
            info["sv102_announce"], info["sv102_anndelta"], info["sv102_userpath"]) == \
        (16777216, 15, 0, 240, 3000, "c:\\")
    assert pipe_client("srvsvc", "administrator").call(21, Level=7)["ReturnValue"] == \
        ERROR_INVALID_LEVEL


def test_remote_tod_is_the_real_time(pipe_client: Callable[..., Any]) -> None:
    before = int(time.time())
    tod = pipe_client("srvsvc").call(28)["BufferPtr"]
    after = int(time.time())
    assert before <= tod["tod_elapsedt"] <= after
    utc = time.gmtime(tod["tod_elapsedt"])
    assert (tod["tod_year"], tod["tod_month"], tod["tod_day"], tod["tod_hours"],
            tod["tod_mins"], tod["tod_secs"]) == (utc.tm_year, utc.tm_mon, utc.tm_mday,
                                                  utc.tm_hour, utc.tm_min, utc.tm_sec)
    assert tod["tod_weekday"] == (utc.tm_wday + 1) % 7 and tod["tod_tinterval"] == 310


def test_disk_enum(pipe_client: Callable[..., Any]) -> None:
    reply = pipe_client("srvsvc", "administrator").call(
        23, Level=0, DiskInfoStruct={"EntriesRead": 0, "Buffer": None},
        PreferedMaximumLength=ALL, ResumeHandle=0)
    disks = ["".join(map(chr, d["Disk"])) for d in reply["DiskInfoStruct"]["Buffer"]]
    # C: D: E: and the empty terminator Windows appends (counted in EntriesRead)
    assert disks == ["C:\0", "D:\0", "E:\0", "\0"]
    assert reply["DiskInfoStruct"]["EntriesRead"] == 4 and reply["TotalEntries"] == 3
    user = pipe_client("srvsvc", "user").call(
        23, Level=0, DiskInfoStruct={"EntriesRead": 0, "Buffer": None},
        PreferedMaximumLength=ALL, ResumeHandle=0)
    assert user["ReturnValue"] == ERROR_ACCESS_DENIED


def test_statistics(pipe_client: Callable[..., Any], pipes_h: H) -> None:
    server = pipes_h.fresh_config("win2000")
    pipes_h.add_session(server, "user", pipes=("srvsvc", "lsarpc"))
    reply = pipe_client("srvsvc", "administrator", server=server).call(
        24, Service=None, Level=0, Options=0)
    stats = reply["InfoStruct"]
    assert reply["ReturnValue"] == 0 and stats["sts0_sopens"] == 1 and stats["sts0_fopens"] == 2
    assert abs(stats["sts0_start"] - time.time()) < 3600
    user = pipe_client("srvsvc", "user").call(24, Service=None, Level=0, Options=0)
    assert user == {"InfoStruct": None, "ReturnValue": ERROR_ACCESS_DENIED}


# ------------------------------------------------------------------ sessions, connections, files


def session_enum(client: Any, level: int, client_name: str | None = None,
                 user: str | None = None) -> Any:
    return client.call(12, ClientName=client_name, UserName=user,
                       InfoStruct={"Level": level, "SessionInfo": (level, None)},
                       PreferedMaximumLength=ALL, ResumeHandle=0)


@pytest.mark.parametrize("level", [0, 1, 2, 10, 502])
def test_session_enum_lists_the_real_sessions(pipe_client: Callable[..., Any], pipes_h: H,
                                              level: int) -> None:
    server = pipes_h.fresh_config("win2000")
    pipes_h.add_session(server, "user", address="10.0.0.5", pipes=("srvsvc",), age=120)
    pipes_h.add_session(server, "anonymous", address="10.0.0.9")
    pipes_h.add_session(server, "guest", address="10.0.0.7")
    reply = session_enum(pipe_client("srvsvc", "administrator", server=server), level)
    got = entries(reply, "SessionInfo")
    p = f"sesi{level}_"
    assert reply["ReturnValue"] == 0 and reply["TotalEntries"] == 3
    assert [e[f"{p}cname"] for e in got] == ["\\\\10.0.0.5", "\\\\10.0.0.9", "\\\\10.0.0.7"]
    if level:
        assert [e[f"{p}username"] for e in got] == ["alice", "", "Guest"]
        assert 119 <= got[0][f"{p}time"] <= 125
    if level in (1, 2, 502):
        assert [e[f"{p}num_opens"] for e in got] == [1, 0, 0]
        assert [e[f"{p}user_flags"] for e in got] == [0, 0, 1]  # SESS_GUEST
    if level == 502:
        assert got[0]["sesi502_transport"] == "\\Device\\NetbiosSmb"


def test_session_enum_filters(pipe_client: Callable[..., Any], pipes_h: H) -> None:
    server = pipes_h.fresh_config("win2000")
    pipes_h.add_session(server, "user", address="10.0.0.5")
    pipes_h.add_session(server, "administrator", address="10.0.0.6")
    client = pipe_client("srvsvc", "administrator", server=server)
    by_client = session_enum(client, 10, client_name="\\\\10.0.0.6")
    assert [e["sesi10_username"] for e in entries(by_client, "SessionInfo")] == ["Administrator"]
    by_user = session_enum(client, 10, user="ALICE")
    assert [e["sesi10_cname"] for e in entries(by_user, "SessionInfo")] == ["\\\\10.0.0.5"]
    assert session_enum(client, 10, client_name="\\\\10.9.9.9")["ReturnValue"] == \
        NERR_CLIENT_NAME_NOT_FOUND
    assert session_enum(client, 10, user="bob")["ReturnValue"] == NERR_USER_NOT_FOUND
    assert session_enum(client, 3)["ReturnValue"] == ERROR_INVALID_LEVEL


@pytest.mark.parametrize("profile,kind,level,expected", [
    # [46]: levels 0 and 10 need no group, 1/2/502 administrators (2000 / 2003 rules)
    ("win2000", "user", 10, 0), ("win2000", "user", 0, 0), ("win2000", "anonymous", 10, 0),
    ("win2000", "user", 1, 5), ("win2000", "user", 2, 5), ("win2000", "user", 502, 5),
    ("win2000", "guest", 502, 5), ("win2000", "administrator", 502, 0),
    # 2003: anonymous is not in Everyone (EveryoneIncludesAnonymous=0)
    ("win2003", "anonymous", 10, 5), ("win2003", "user", 10, 0),
    # 10.0 / 2016: session enumeration is for administrators at every level (W)
    ("win2016", "user", 10, 5), ("win2016", "user", 0, 5), ("win2016", "administrator", 10, 0),
])
def test_session_enum_access(pipe_client: Callable[..., Any], profile: str, kind: str,
                             level: int, expected: int) -> None:
    assert session_enum(pipe_client("srvsvc", kind, profile), level)["ReturnValue"] == expected


def connection_enum(client: Any, qualifier: str | None, level: int = 1) -> Any:
    return client.call(8, Qualifier=qualifier,
                       InfoStruct={"Level": level, "ConnectInfo": (level, None)},
                       PreferedMaximumLength=ALL, ResumeHandle=0)


def test_connection_enum(pipe_client: Callable[..., Any], pipes_h: H) -> None:
    server = pipes_h.fresh_config("win2000")
    pipes_h.add_session(server, "user", address="10.0.0.5", pipes=("srvsvc", "wkssvc"))
    pipes_h.add_session(server, "anonymous", address="10.0.0.9")
    client = pipe_client("srvsvc", "administrator", server=server)
    by_share = entries(connection_enum(client, "IPC$"), "ConnectInfo")
    assert [(e["coni1_netname"], e["coni1_username"], e["coni1_num_opens"], e["coni1_type"])
            for e in by_share] == [("10.0.0.5", "alice", 2, 3), ("10.0.0.9", "", 0, 3)]
    by_client = entries(connection_enum(client, "\\\\10.0.0.5"), "ConnectInfo")
    assert [e["coni1_netname"] for e in by_client] == ["IPC$"]
    level0 = entries(connection_enum(client, "IPC$", 0), "ConnectInfo")
    assert [e["coni0_id"] for e in level0] == [e["coni1_id"] for e in by_share]
    assert connection_enum(client, "C$")["TotalEntries"] == 0
    assert connection_enum(client, None)["ReturnValue"] == ERROR_INVALID_PARAMETER
    assert connection_enum(client, "nosuch")["ReturnValue"] == NERR_NET_NAME_NOT_FOUND
    assert connection_enum(client, "\\\\1.2.3.4")["ReturnValue"] == NERR_CLIENT_NAME_NOT_FOUND
    assert connection_enum(client, "IPC$", 2)["ReturnValue"] == ERROR_INVALID_LEVEL
    user = pipe_client("srvsvc", "user", server=server)
    assert connection_enum(user, "IPC$")["ReturnValue"] == ERROR_ACCESS_DENIED


def file_enum(client: Any, level: int, base: str | None = None,
              user: str | None = None) -> Any:
    return client.call(9, BasePath=base, UserName=user,
                       InfoStruct={"Level": level, "FileInfo": (level, None)},
                       PreferedMaximumLength=ALL, ResumeHandle=0)


def test_file_enum_lists_open_pipes(pipe_client: Callable[..., Any], pipes_h: H) -> None:
    server = pipes_h.fresh_config("win2000")
    pipes_h.add_session(server, "user", pipes=("srvsvc", "lsarpc"))
    client = pipe_client("srvsvc", "administrator", server=server)
    files = entries(file_enum(client, 3), "FileInfo")
    assert [(f["fi3_path_name"], f["fi3_username"], f["fi3_permissions"]) for f in files] == \
        [("\\PIPE\\srvsvc", "alice", 3), ("\\PIPE\\lsarpc", "alice", 3)]
    ids = [f["fi2_id"] for f in entries(file_enum(client, 2), "FileInfo")]
    assert ids == [f["fi3_id"] for f in files]
    assert len(entries(file_enum(client, 3, base="\\PIPE\\lsa"), "FileInfo")) == 1
    assert entries(file_enum(client, 3, user="bob"), "FileInfo") == []
    assert file_enum(client, 1)["ReturnValue"] == ERROR_INVALID_LEVEL
    got = client.call(10, FileId=ids[1], Level=3)
    assert got["ReturnValue"] == 0 and got["InfoStruct"][1]["fi3_path_name"] == "\\PIPE\\lsarpc"
    assert client.call(10, FileId=1, Level=3)["ReturnValue"] == NERR_FILE_ID_NOT_FOUND
    user = pipe_client("srvsvc", "user", server=server)
    assert file_enum(user, 3)["ReturnValue"] == ERROR_ACCESS_DENIED
    assert user.call(10, FileId=ids[0], Level=3)["ReturnValue"] == ERROR_ACCESS_DENIED


# ------------------------------------------------------------------ names and paths


@pytest.mark.parametrize("name,name_type,flags,expected", [
    ("Public", 9, 0, 0), ("Pub*lic", 9, 0, ERROR_INVALID_NAME),
    ("a" * 80, 9, 0, 0), ("a" * 81, 9, 0, ERROR_INVALID_NAME),
    ("a" * 13, 9, 0x80000000, ERROR_INVALID_NAME), ("LEGACYSRV", 4, 0, 0),
    ("LEGACYSRV-TOO-LONG", 4, 0, ERROR_INVALID_NAME), ("alice", 1, 0, 0),
    ("al:ce", 1, 0, ERROR_INVALID_NAME), ("...", 1, 0, ERROR_INVALID_NAME),
    ("", 9, 0, ERROR_INVALID_NAME), ("p*ss:word", 2, 0, 0), ("CORP", 6, 0, 0),
    ("Public", 99, 0, ERROR_INVALID_PARAMETER), ("Public", 9, 2, ERROR_INVALID_PARAMETER),
])
def test_name_validate(pipe_client: Callable[..., Any], name: str, name_type: int, flags: int,
                       expected: int) -> None:
    reply = pipe_client("srvsvc").call(33, Name=name, NameType=name_type, Flags=flags)
    assert reply == {"ReturnValue": expected}


def test_name_compare(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("srvsvc")
    assert client.call(35, Name1="public", Name2="PUBLIC", NameType=9, Flags=0)["ReturnValue"] == 0
    assert client.call(35, Name1="a", Name2="b", NameType=9, Flags=0)["ReturnValue"] == -1
    assert client.call(35, Name1="pw", Name2="PW", NameType=2, Flags=0)["ReturnValue"] != 0
    assert client.call(35, Name1="a*", Name2="a", NameType=9, Flags=0)["ReturnValue"] == \
        ERROR_INVALID_NAME


@pytest.mark.parametrize("path,expected", [
    ("C:", 0x4000), ("LPT1:", 0x4010), ("COM2", 0x4020), ("NUL", 0x4050),
    ("C:\\WINNT\\system32", 0x2006), ("\\WINNT", 0x2002), ("WINNT\\x", 0x2000),
    ("C:WINNT", 0x2004), ("C:\\*.txt", 0x2007), ("\\\\SERVER", 0x1030),
    ("\\\\SERVER\\share\\dir", 0x1000), ("\\\\SERVER\\PIPE\\srvsvc", 0x1B00),
    ("\\PIPE\\srvsvc", 0x2B02), ("\\MAILSLOT\\x", 0x2802), ("a<b", None), ("", None),
    ("C:\\a:b", None),
])
def test_path_type(pipe_client: Callable[..., Any], path: str, expected: int | None) -> None:
    reply = pipe_client("srvsvc").call(30, PathName=path, Flags=0)
    if expected is None:
        assert reply == {"PathType": 0, "ReturnValue": ERROR_INVALID_NAME}
    else:
        assert reply == {"PathType": expected, "ReturnValue": 0}


@pytest.mark.parametrize("path,flags,expected", [
    ("C:\\WINNT\\system32", 1, (0x2006, 0)),          # MS-DOS rules (MS-SRVS 3.1.4.29): 8.3 names
    ("C:\\Program Files\\x", 1, (0, ERROR_INVALID_NAME)),  # a component over 8 characters
    ("C:\\WINNT\\readme.text", 1, (0, ERROR_INVALID_NAME)),  # an extension over 3
    ("C:\\Program Files\\x", 0, (0x2006, 0)),          # long names allowed without the flag
    ("C:\\" + "a\\" * 130, 0, (0, ERROR_INVALID_NAME)),  # over 260 characters
    ("C:\\WINNT", 2, (0, ERROR_INVALID_PARAMETER)),     # a flag other than 0 or 1
    ("C:\\WINNT", 0x80000000, (0, ERROR_INVALID_PARAMETER)),
])
def test_path_type_flags(pipe_client: Callable[..., Any], path: str, flags: int, expected: tuple[int, int]) -> None:
    reply = pipe_client("srvsvc").call(30, PathName=path, Flags=flags)
    assert (reply["PathType"], reply["ReturnValue"]) == expected


def canonicalize(client: Any, path: str, prefix: str = "", size: int = 200,
                 path_type: int = 0, flags: int = 0) -> tuple[str, int, int]:
    reply = client.call(31, PathName=path, OutbufLen=size, Prefix=prefix, PathType=path_type,
                        Flags=flags)
    raw = reply["Outbuf"]
    assert len(raw) == size
    text = raw.decode("utf-16-le").split("\0", 1)[0]
    return text, reply["PathType"], reply["ReturnValue"]


def test_path_canonicalize(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("srvsvc")
    assert canonicalize(client, "c:/winnt//system32/./drivers/../") == \
        ("C:\\winnt\\system32", 0x2006, 0)
    assert canonicalize(client, "dir\\file", prefix="D:\\Shares") == \
        ("D:\\Shares\\dir\\file", 0x2006, 0)
    assert canonicalize(client, "\\\\SERVER\\share\\a\\..\\b") == ("\\\\SERVER\\share\\b", 0x1000, 0)
    assert canonicalize(client, "c:") == ("C:", 0x4000, 0)
    # MS08-067's territory: ".." above the root is an invalid name, never a buffer walk
    assert canonicalize(client, "\\a\\..\\..\\b")[2] == ERROR_INVALID_NAME
    assert canonicalize(client, "C:\\" + "x" * 60, size=20)[1:] == (0x2006, NERR_BUF_TOO_SMALL)
    assert canonicalize(client, "C:\\x", path_type=0x1000)[2] == ERROR_INVALID_NAME
    assert canonicalize(client, "C:\\x", flags=4)[2] == ERROR_INVALID_PARAMETER
    op = client.op(31)
    stub = op.encode_request({"ServerName": None, "PathName": "x", "OutbufLen": 64001,
                              "Prefix": "", "PathType": 0, "Flags": 0})
    assert client.fault(31, stub) == RPC_X_INVALID_BOUND


def test_path_compare(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("srvsvc")

    def compare(a: str, b: str, flags: int = 0) -> int:
        return int(client.call(32, PathName1=a, PathName2=b, PathType=0,
                               Flags=flags)["ReturnValue"])

    assert compare("c:\\WINNT\\.\\x", "C:/winnt/x") == 0
    assert compare("C:\\a", "C:\\b") == -1 and compare("C:\\b", "C:\\a") == 1
    assert compare("C:\\a\\..", "C:\\A\\..", flags=1) == 0
    assert compare("a<", "b") == ERROR_INVALID_NAME


def test_undecodable_stub_faults_ndr(pipe_client: Callable[..., Any]) -> None:
    assert pipe_client("srvsvc").fault(16, b"\x01\x00") == 0x6F7  # nca_s_fault_ndr


# ------------------------------------------------------------------ impacket cross-checks


@pytest.fixture
def admin_dce(pipes_h: H) -> Any:
    server = pipes_h.fresh_config("win2000")
    pipes_h.add_session(server, "user", address="10.0.0.5", pipes=("srvsvc",))
    return pipes_h.impacket_dce(server, "srvsvc", "administrator")


@pytest.mark.parametrize("level", [0, 1, 2, 501, 502, 503])
def test_impacket_share_enum_every_level(admin_dce: Any, level: int) -> None:
    resp = srvs.hNetrShareEnum(admin_dce, level)
    got = resp["InfoStruct"]["ShareInfo"][f"Level{level}"]["Buffer"]
    assert [s(e[f"shi{level}_netname"]) for e in got] == [n for n, _, _ in SHARES]
    assert resp["TotalEntries"] == len(SHARES)
    if level in (1, 2, 501, 502, 503):
        assert [(e[f"shi{level}_type"], s(e[f"shi{level}_remark"])) for e in got] == \
            [(t, c) for _, t, c in SHARES]
    if level == 501:
        # not a NetrShareEnumSticky level (smbtorture rpc.srvsvc NetShareEnum, Windows' answer)
        with pytest.raises(srvs.DCERPCSessionError, match="ERROR_INVALID_LEVEL"):
            srvs.hNetrShareEnumSticky(admin_dce, level)
        return
    sticky = srvs.hNetrShareEnumSticky(admin_dce, level)
    assert len(sticky["InfoStruct"]["ShareInfo"][f"Level{level}"]["Buffer"]) == 9


def test_impacket_share_enum_paging(admin_dce: Any) -> None:
    names, resume = [], 0
    while True:
        try:
            resp = srvs.hNetrShareEnum(admin_dce, 1, resumeHandle=resume, preferedMaximumLength=100)
        except srvs.DCERPCSessionError as err:
            assert err.get_error_code() == ERROR_MORE_DATA
            resp = err.get_packet()
        names += [s(e["shi1_netname"]) for e in resp["InfoStruct"]["ShareInfo"]["Level1"]["Buffer"]]
        resume = resp["ResumeHandle"]
        if not resume:
            break
    assert names == [n for n, _, _ in SHARES]


@pytest.mark.parametrize("level,arm", [(0, "ShareInfo0"), (1, "ShareInfo1"), (2, "ShareInfo2"),
                                       (501, "ShareInfo501"), (502, "ShareInfo502"),
                                       (503, "ShareInfo503"), (1004, "ShareInfo1004"),
                                       (1005, "ShareInfo1005"), (1006, "ShareInfo1006"),
                                       (1501, "ShareInfo1501")])
def test_impacket_share_get_info(admin_dce: Any, level: int, arm: str) -> None:
    info = srvs.hNetrShareGetInfo(admin_dce, "IPC$\x00", level)["InfoStruct"][arm]
    if level < 1004:
        assert s(info[f"shi{level}_netname"]) == "IPC$"
    if level == 1004:
        assert s(info["shi1004_remark"]) == "Remote IPC"
    with pytest.raises(srvs.DCERPCSessionError) as err:
        srvs.hNetrShareGetInfo(admin_dce, "nosuch\x00", 1)
    assert err.value.get_error_code() == NERR_NET_NAME_NOT_FOUND


@pytest.mark.parametrize("level", [100, 101, 102])
def test_impacket_server_get_info(admin_dce: Any, level: int) -> None:
    info = srvs.hNetrServerGetInfo(admin_dce, level)["InfoStruct"][f"ServerInfo{level}"]
    assert s(info[f"sv{level}_name"]) == "LEGACYSRV" and info[f"sv{level}_platform_id"] == 500
    if level > 100:
        assert info[f"sv{level}_type"] == 0x59003
        assert s(info[f"sv{level}_comment"]) == "File and print server"
    if level == 102:
        assert s(info["sv102_userpath"]) == "c:\\"


def test_impacket_remote_tod_and_disks_and_stats(admin_dce: Any) -> None:
    tod = srvs.hNetrRemoteTOD(admin_dce)["BufferPtr"]
    assert abs(tod["tod_elapsedt"] - time.time()) < 5
    disks = srvs.hNetrServerDiskEnum(admin_dce, 0)["DiskInfoStruct"]
    assert disks["EntriesRead"] == 4
    # MS-SRVS 3.1.4.19: PreferedMaximumLength is ignored, every disk comes back at once
    small = srvs.hNetrServerDiskEnum(admin_dce, 0, preferedMaximumLength=1)
    assert small["DiskInfoStruct"]["EntriesRead"] == 4 and small["TotalEntries"] == 3
    stats = srvs.hNetrServerStatisticsGet(admin_dce, NULL, 0, 0)["InfoStruct"]
    assert stats["sts0_sopens"] == 1


@pytest.mark.parametrize("level", [0, 1, 2, 10, 502])
def test_impacket_session_enum(admin_dce: Any, level: int) -> None:
    resp = srvs.hNetrSessionEnum(admin_dce, NULL, NULL, level)
    got = resp["InfoStruct"]["SessionInfo"][f"Level{level}"]["Buffer"]
    assert [s(e[f"sesi{level}_cname"]) for e in got] == ["\\\\10.0.0.5"]
    if level:
        assert s(got[0][f"sesi{level}_username"]) == "alice"
    with pytest.raises(srvs.DCERPCSessionError) as err:
        srvs.hNetrSessionEnum(admin_dce, "\\\\1.1.1.1\x00", NULL, level)
    assert err.value.get_error_code() == NERR_CLIENT_NAME_NOT_FOUND


@pytest.mark.parametrize("level", [0, 1])
def test_impacket_connection_enum(admin_dce: Any, level: int) -> None:
    got = srvs.hNetrConnectionEnum(admin_dce, "IPC$\x00", level)["InfoStruct"]["ConnectInfo"][
        f"Level{level}"]["Buffer"]
    assert len(got) == 1
    if level:
        assert (s(got[0]["coni1_netname"]), s(got[0]["coni1_username"])) == ("10.0.0.5", "alice")


@pytest.mark.parametrize("level", [2, 3])
def test_impacket_file_enum_and_get_info(admin_dce: Any, level: int) -> None:
    got = srvs.hNetrFileEnum(admin_dce, NULL, NULL, level)["InfoStruct"]["FileInfo"][
        f"Level{level}"]["Buffer"]
    assert len(got) == 1
    info = srvs.hNetrFileGetInfo(admin_dce, got[0][f"fi{level}_id"], level)["InfoStruct"]
    if level == 3:
        assert s(got[0]["fi3_path_name"]) == "\\PIPE\\srvsvc"
        assert s(info["FileInfo3"]["fi3_username"]) == "alice"


def test_impacket_names_and_paths(admin_dce: Any) -> None:
    srvs.hNetprNameValidate(admin_dce, "Public\x00", srvs.NAMETYPE_SHARE)
    with pytest.raises(srvs.DCERPCSessionError) as err:
        srvs.hNetprNameValidate(admin_dce, "Pub*\x00", srvs.NAMETYPE_SHARE)
    assert err.value.get_error_code() == ERROR_INVALID_NAME
    assert srvs.hNetprPathType(admin_dce, "C:\\WINNT\x00", 0)["PathType"] == \
        srvs.ITYPE_PATH_ABSD
    resp = srvs.hNetprPathCanonicalize(admin_dce, "winnt\\..\\temp\x00", "c:\\\x00", 100)
    assert resp["PathType"] == srvs.ITYPE_PATH_ABSD
    assert b"".join(resp["Outbuf"]).decode("utf-16-le").rstrip("\0") == "C:\\temp"
    srvs.hNetprPathCompare(admin_dce, "C:\\A\x00", "c:/a\x00")
    srvs.hNetprNameCompare(admin_dce, "PUBLIC\x00", "public\x00", srvs.NAMETYPE_SHARE)
    assert srvs.hNetrShareCheck(admin_dce, "C:\x00")["Type"] == 0


def test_impacket_access_denied_is_a_return_value_not_a_fault(pipes_h: H) -> None:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2016"), "srvsvc", "user")
    for call in (lambda: srvs.hNetrShareEnum(dce, 502), lambda: srvs.hNetrSessionEnum(
            dce, NULL, NULL, 10), lambda: srvs.hNetrServerGetInfo(dce, 102)):
        # impacket raises its generic DCERPCException for codes that are also RPC statuses (5);
        # the response was a normal one carrying the WERROR, not a fault PDU.
        with pytest.raises(DCERPCException) as err:
            call()  # type: ignore[no-untyped-call]
        assert err.value.get_error_code() == ERROR_ACCESS_DENIED
    assert srvs.hNetrShareEnum(dce, 1)["TotalEntries"] == len(SHARES)


@pytest.mark.parametrize("request_factory,opnum,expected", [
    (lambda: _share_enum_req(2, 100, 5), 15,
     {"InfoStruct": {"Level": 2, "ShareInfo": (2, {"EntriesRead": 0, "Buffer": None})},
      "PreferedMaximumLength": 100,
      "ResumeHandle": 5, "ServerName": "\\\\host"}),
    (lambda: _get_info_req(), 16, {"NetName": "IPC$", "Level": 502, "ServerName": None}),
    (lambda: _session_req(), 12,
     {"ClientName": "\\\\10.0.0.5", "UserName": None,
      "InfoStruct": {"Level": 502, "SessionInfo": (502, {"EntriesRead": 0, "Buffer": None})}}),
])
def test_impacket_requests_decode_in_smbemu(pipe_client: Callable[..., Any],
                                            request_factory: Callable[[], Any], opnum: int,
                                            expected: dict[str, Any]) -> None:
    """The other direction, checked field by field: impacket's encoding → smbemu's decoder."""
    stub = request_factory().getData()
    decoded = pipe_client("srvsvc").op(opnum).decode_request(stub)
    assert {k: decoded[k] for k in expected} == expected


def _share_enum_req(level: int, maxlen: int, resume: int) -> Any:
    req = srvs.NetrShareEnum()
    req["ServerName"] = "\\\\host\x00"
    req["InfoStruct"]["Level"] = level
    req["InfoStruct"]["ShareInfo"]["tag"] = level
    req["InfoStruct"]["ShareInfo"][f"Level{level}"]["Buffer"] = NULL
    req["PreferedMaximumLength"] = maxlen
    req["ResumeHandle"] = resume
    return req


def _get_info_req() -> Any:
    req = srvs.NetrShareGetInfo()
    req["ServerName"] = NULL
    req["NetName"] = "IPC$\x00"
    req["Level"] = 502
    return req


def _session_req() -> Any:
    req = srvs.NetrSessionEnum()
    req["ServerName"] = NULL
    req["ClientName"] = "\\\\10.0.0.5\x00"
    req["UserName"] = NULL
    req["InfoStruct"]["Level"] = 502
    req["InfoStruct"]["SessionInfo"]["tag"] = 502
    req["InfoStruct"]["SessionInfo"]["Level502"]["Buffer"] = NULL
    req["PreferedMaximumLength"] = ALL
    req["ResumeHandle"] = NULL
    return req
