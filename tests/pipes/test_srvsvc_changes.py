"""srvsvc changes an administrator makes (pipes/srvsvc/share_changes.py, session_changes.py,
dfs.py) through impacket's real client over the in-memory pipe: shares added, changed and
deleted as NetrShareEnum / GetInfo then show them, the audit log's 5142 / 5143 / 5144, the
statuses MS-SRVS names for bad input, sessions and open files closed, server aliases, the DFS
answers; and a normal user's attempts refused."""

from __future__ import annotations

import io
import json
import types
from typing import Any

import pytest
from impacket.dcerpc.v5 import srvs  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

from smbemu.audit import AuditLog, subscribe

H = types.SimpleNamespace
ERROR_FILE_NOT_FOUND = 2
ERROR_ACCESS_DENIED = 5
ERROR_NOT_SUPPORTED = 50
ERROR_INVALID_PARAMETER = 87
ERROR_INVALID_NAME = 123
ERROR_INVALID_LEVEL = 124
NERR_UNKNOWN_DEV_DIR = 2116
NERR_DUPLICATE_SHARE = 2118
NERR_USER_NOT_FOUND = 2221
NERR_NET_NAME_NOT_FOUND = 2310
NERR_CLIENT_NAME_NOT_FOUND = 2312
NERR_FILE_ID_NOT_FOUND = 2314
RPC_X_BAD_STUB_DATA = 0x6F7


def s(value: Any) -> Any:
    return value[:-1] if isinstance(value, str) and value.endswith("\x00") else value


def status_of(call: Any) -> int:
    try:
        call()
    except DCERPCException as err:
        return int(err.get_error_code())
    return 0


def share_info_2(name: str, path: str = "C:\\lab", remark: str = "Lab files", stype: int = 0) -> Any:
    info = srvs.SHARE_INFO_2()
    info["shi2_netname"] = name + "\x00"
    info["shi2_type"] = stype
    info["shi2_remark"] = remark + "\x00"
    info["shi2_max_uses"] = 0xFFFFFFFF
    info["shi2_path"] = path + "\x00"
    info["shi2_passwd"] = NULL
    return info


def own_server(pipes_h: H, profile: str = "win2016") -> Any:
    """A server with a directory of its own (fresh_config shares the profile's directory between
    tests; a share added here must not reach another test)."""
    base = pipes_h.fresh_config(profile)
    return type(base)(profile=base.profile, directory=base.directory.copy(), pipes=base.pipes)


@pytest.fixture
def lab(pipes_h: H) -> tuple[Any, Any, io.StringIO]:
    """A win2016 server with an audit log, and the Administrator's impacket client on it."""
    server = own_server(pipes_h)
    log = io.StringIO()
    subscribe(server, AuditLog(log, "LEGACYSRV"))
    return server, pipes_h.impacket_dce(server, "srvsvc", "administrator"), log


def events(log: io.StringIO, event_id: int) -> list[dict[str, Any]]:
    return [e for e in map(json.loads, log.getvalue().splitlines()) if e["EventID"] == event_id]


def names(dce: Any) -> list[str]:
    reply = srvs.hNetrShareEnum(dce, 1)
    return [s(e["shi1_netname"]) for e in reply["InfoStruct"]["ShareInfo"]["Level1"]["Buffer"]]


# ------------------------------------------------------------------ shares


def test_added_share_is_listed_until_deleted(lab: tuple[Any, Any, io.StringIO]) -> None:
    server, dce, log = lab
    srvs.hNetrShareAdd(dce, 2, share_info_2("LabShare"))
    assert "LabShare" in names(dce)
    info = srvs.hNetrShareGetInfo(dce, "labshare\x00", 2)["InfoStruct"]["ShareInfo2"]
    assert (s(info["shi2_remark"]), s(info["shi2_path"]), info["shi2_type"]) == \
        ("Lab files", "C:\\lab", 0)
    (added,) = events(log, 5142)
    assert added["ShareName"] == "\\\\*\\LabShare" and added["ShareLocalPath"] == "C:\\lab"
    assert added["SubjectUserName"] == "Administrator"
    srvs.hNetrShareDel(dce, "LabShare\x00")
    assert "LabShare" not in names(dce)
    assert status_of(lambda: srvs.hNetrShareGetInfo(dce, "LabShare\x00", 1)) == NERR_NET_NAME_NOT_FOUND
    (deleted,) = events(log, 5144)
    assert deleted["ShareName"] == "\\\\*\\LabShare"


@pytest.mark.parametrize(("profile", "sorted_by_name"), [("win2016", True), ("win2003", False)])
def test_added_shares_take_the_profiles_place_in_the_list(pipes_h: H, profile: str,
                                                          sorted_by_name: bool) -> None:
    """2008 and later list shares sorted by name, an added one included; 2003 and earlier (the
    fixture's order, identity.srvsvc.share_order) list it after the fixture's."""
    server = own_server(pipes_h, profile)
    dce = pipes_h.impacket_dce(server, "srvsvc", "administrator")
    before = names(dce)
    srvs.hNetrShareAdd(dce, 2, share_info_2("aardvark"))
    srvs.hNetrShareAdd(dce, 2, share_info_2("Gamma"))
    after = names(dce)
    if sorted_by_name:
        assert after == sorted([*before, "aardvark", "Gamma"], key=str.upper)
        assert after[0] == "aardvark" and after.index("Gamma") < after.index("HR")
    else:
        assert before[0] == "IPC$" and after == [*before, "aardvark", "Gamma"]


def test_temporary_share_keeps_its_type_bit(lab: tuple[Any, Any, io.StringIO]) -> None:
    _, dce, _ = lab
    srvs.hNetrShareAdd(dce, 2, share_info_2("Temp", stype=srvs.STYPE_TEMPORARY))
    info = srvs.hNetrShareGetInfo(dce, "Temp\x00", 1)["InfoStruct"]["ShareInfo1"]
    assert info["shi1_type"] == srvs.STYPE_TEMPORARY
    srvs.hNetrShareAdd(dce, 2, share_info_2("Kept"))
    # NetrShareEnumSticky lists the persistent shares only (MS-SRVS 3.1.4.9)
    sticky = srvs.hNetrShareEnumSticky(dce, 1)["InfoStruct"]["ShareInfo"]["Level1"]["Buffer"]
    sticky_names = [s(e["shi1_netname"]) for e in sticky]
    assert "Kept" in sticky_names and "Temp" not in sticky_names


@pytest.mark.parametrize("name, path, stype, expected", [
    ("Public", "C:\\x", 0, NERR_DUPLICATE_SHARE),           # the fixture already shares it
    ("bad/name", "C:\\x", 0, ERROR_INVALID_NAME),            # NAMETYPE_SHARE characters
    ("x" * 81, "C:\\x", 0, ERROR_INVALID_NAME),              # longer than NNLEN (80)
    ("", "C:\\x", 0, ERROR_INVALID_PARAMETER),               # no name: ParmErr 1
    ("Dev", "C:\\x", 2, ERROR_INVALID_PARAMETER),            # STYPE_DEVICE: ParmErr 3
    ("Ipc2", "", 3, ERROR_INVALID_PARAMETER),                # a second IPC share
    ("NoPath", "relative", 0, NERR_UNKNOWN_DEV_DIR),         # not a directory of the machine
])
def test_bad_share_add_answers(lab: tuple[Any, Any, io.StringIO], name: str, path: str, stype: int,
                               expected: int) -> None:
    _, dce, log = lab
    assert status_of(lambda: srvs.hNetrShareAdd(dce, 2, share_info_2(name, path, stype=stype))) == expected
    assert not events(log, 5142)


def test_parm_err_names_the_bad_member(lab: tuple[Any, Any, io.StringIO]) -> None:
    _, dce, _ = lab
    request = srvs.NetrShareAdd()
    request["ServerName"] = NULL
    request["Level"] = 2
    request["InfoStruct"]["tag"] = 2
    request["InfoStruct"]["ShareInfo2"] = share_info_2("Dev", stype=2)
    request["ParmErr"] = 0
    with pytest.raises(DCERPCException) as err:
        dce.request(request)
    assert err.value.get_error_code() == ERROR_INVALID_PARAMETER
    assert err.value.get_packet()["ParmErr"] == 3  # SHARE_TYPE_PARMNUM


def test_share_add_levels(lab: tuple[Any, Any, io.StringIO]) -> None:
    _, dce, _ = lab
    info = srvs.SHARE_INFO_1()
    info["shi1_netname"] = "One\x00"
    info["shi1_type"] = 0
    info["shi1_remark"] = "x\x00"
    assert status_of(lambda: srvs.hNetrShareAdd(dce, 1, info)) == ERROR_INVALID_LEVEL


def test_set_info_changes_remark_and_max_uses(lab: tuple[Any, Any, io.StringIO]) -> None:
    _, dce, log = lab
    old = srvs.hNetrShareGetInfo(dce, "IPC$\x00", 1)["InfoStruct"]["ShareInfo1"]
    old["shi1_remark"] = "Lab IPC\x00"
    srvs.hNetrShareSetInfo(dce, "IPC$\x00", 1, old)
    assert s(srvs.hNetrShareGetInfo(dce, "IPC$\x00", 1)["InfoStruct"]["ShareInfo1"]["shi1_remark"]) == \
        "Lab IPC"
    uses = srvs.SHARE_INFO_1006()
    uses["shi1006_max_uses"] = 7
    srvs.hNetrShareSetInfo(dce, "Public\x00", 1006, uses)
    assert srvs.hNetrShareGetInfo(dce, "Public\x00", 2)["InfoStruct"]["ShareInfo2"]["shi2_max_uses"] == 7
    first, second = events(log, 5143)
    assert first["ShareName"] == "\\\\*\\IPC$" and first["OldRemark"] == "Remote IPC"
    assert first["NewRemark"] == "Lab IPC"
    assert second["OldMaxUsers"] == "0xFFFFFFFF" and second["NewMaxUsers"] == "0x7"
    assert status_of(lambda: srvs.hNetrShareSetInfo(dce, "Nope\x00", 1006, uses)) == \
        NERR_NET_NAME_NOT_FOUND


def test_del_start_and_commit(lab: tuple[Any, Any, io.StringIO]) -> None:
    _, dce, _ = lab
    srvs.hNetrShareAdd(dce, 2, share_info_2("TwoPhase"))
    handle = srvs.hNetrShareDelStart(dce, "TwoPhase\x00")["ContextHandle"]
    assert "TwoPhase" in names(dce)  # still shared until the commit
    srvs.hNetrShareDelCommit(dce, handle)  # impacket decodes only the return value
    assert "TwoPhase" not in names(dce)
    with pytest.raises(DCERPCException) as err:  # the handle is gone
        srvs.hNetrShareDelCommit(dce, handle)
    assert "context_mismatch" in str(err.value)
    assert status_of(lambda: srvs.hNetrShareDelStart(dce, "TwoPhase\x00")) == NERR_NET_NAME_NOT_FOUND


def test_del_ex_deletes_by_503(lab: tuple[Any, Any, io.StringIO]) -> None:
    _, dce, _ = lab
    srvs.hNetrShareAdd(dce, 2, share_info_2("Scoped"))
    request = srvs.NetrShareDelEx()
    request["ServerName"] = NULL
    request["Level"] = 503
    request["ShareInfo"]["tag"] = 503
    info = request["ShareInfo"]["ShareInfo503"]
    info["shi503_netname"] = "Scoped\x00"
    for field in ("shi503_remark", "shi503_path", "shi503_passwd", "shi503_servername",
                  "shi503_security_descriptor"):
        info[field] = NULL
    dce.request(request)
    assert "Scoped" not in names(dce)


def test_a_user_may_not_change_shares(pipes_h: H) -> None:
    server = own_server(pipes_h)
    dce = pipes_h.impacket_dce(server, "srvsvc", "user")
    assert status_of(lambda: srvs.hNetrShareAdd(dce, 2, share_info_2("Mine"))) == ERROR_ACCESS_DENIED
    assert status_of(lambda: srvs.hNetrShareDel(dce, "Public\x00")) == ERROR_ACCESS_DENIED
    assert server.directory.share("Public") is not None and server.directory.share("Mine") is None


# ------------------------------------------------------------------ sessions, files, aliases


def test_session_del_ends_the_sessions_it_names(lab: tuple[Any, Any, io.StringIO], pipes_h: H) -> None:
    server, dce, _ = lab
    victim = pipes_h.add_session(server, "user", address="10.0.0.7")
    pipes_h.add_session(server, "user", address="10.0.0.8")
    assert status_of(lambda: srvs.hNetrSessionDel(dce, "\\\\10.0.0.9\x00", NULL)) == \
        NERR_CLIENT_NAME_NOT_FOUND
    assert status_of(lambda: srvs.hNetrSessionDel(dce, "\\\\10.0.0.7\x00", "nobody\x00")) == \
        NERR_USER_NOT_FOUND
    assert status_of(lambda: srvs.hNetrSessionDel(dce, "10.0.0.7\x00", NULL)) == ERROR_INVALID_PARAMETER
    srvs.hNetrSessionDel(dce, "\\\\10.0.0.7\x00", NULL)
    assert victim.deleted and victim.ended_by_server
    listed = srvs.hNetrSessionEnum(dce, NULL, NULL, 10)["InfoStruct"]["SessionInfo"]["Level10"]["Buffer"]
    assert [s(e["sesi10_cname"]) for e in listed] == ["\\\\10.0.0.8"]


def test_file_close_closes_an_open_pipe(lab: tuple[Any, Any, io.StringIO], pipes_h: H) -> None:
    server, dce, _ = lab
    session = pipes_h.add_session(server, "user", pipes=("lsarpc",))
    (file_id,) = [v & 0xFFFFFFFF for v in session.opens]
    srvs.hNetrFileClose(dce, file_id)
    assert not session.opens
    assert status_of(lambda: srvs.hNetrFileClose(dce, file_id)) == NERR_FILE_ID_NOT_FOUND


def test_server_aliases(lab: tuple[Any, Any, io.StringIO]) -> None:
    server, dce, _ = lab
    alias = srvs.SERVER_ALIAS_INFO_0()
    alias["srvai0_alias"] = "FILES\x00"
    alias["srvai0_target"] = server.directory.machine.netbios_name + "\x00"
    alias["srvai0_default"] = 0
    srvs.hNetrServerAliasAdd(dce, 0, alias)
    listed = srvs.hNetrServerAliasEnum(dce, 0)["InfoStruct"]["ServerAliasInfo"]["Level0"]["Buffer"]
    assert [s(e["srvai0_alias"]) for e in listed] == ["FILES"]
    assert status_of(lambda: srvs.hNetrServerAliasAdd(dce, 0, alias)) == NERR_DUPLICATE_SHARE
    srvs.hNetrServerAliasDel(dce, 0, alias)
    assert status_of(lambda: srvs.hNetrServerAliasDel(dce, 0, alias)) == NERR_NET_NAME_NOT_FOUND
    alias["srvai0_target"] = "SOMEONEELSE\x00"
    assert status_of(lambda: srvs.hNetrServerAliasAdd(dce, 0, alias)) == ERROR_INVALID_PARAMETER


# ------------------------------------------------------------------ DFS


def test_dfs_answers_of_a_2016_dc(pipes_h: H) -> None:
    dce = pipes_h.impacket_dce(own_server(pipes_h, "win2016-dc"), "srvsvc", "administrator")
    assert status_of(lambda: srvs.hNetrDfsGetVersion(dce)) == ERROR_FILE_NOT_FOUND
    exit_point = srvs.NetrDfsCreateExitPoint()
    exit_point["ServerName"] = NULL
    exit_point["Prefix"] = "c:\\\x00"
    exit_point["Type"] = srvs.PKT_ENTRY_TYPE_LEAFONLY
    exit_point["ShortPrefixLen"] = 50  # outside [range(0, 32)]
    with pytest.raises(DCERPCException) as err:
        dce.request(exit_point)
    assert str(err.value) == "rpc_x_bad_stub_data"
    fix = srvs.NetrDfsFixLocalVolume()
    fix["ServerName"] = NULL
    fix["VolumeName"] = "\\??\\C:\\DfsShare"  # no terminating NUL
    fix["StgId"] = "NONE\x00"
    fix["EntryPrefix"] = "c:\\\x00"
    fix["RelationInfo"]["Buffer"] = NULL
    with pytest.raises(DCERPCException) as err:
        dce.request(fix)
    assert str(err.value) == "rpc_x_bad_stub_data"
    fix["VolumeName"] = "\\??\\C:\\DfsShare\x00"
    with pytest.raises(DCERPCException) as err:
        dce.request(fix)
    assert err.value.get_error_code() == ERROR_NOT_SUPPORTED
