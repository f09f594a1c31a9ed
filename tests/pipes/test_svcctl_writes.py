"""svcctl changes an administrator makes (MS-SCMR 3.1.4.3, 3.1.4.11-12, 3.1.4.36), through the
real RPC endpoint driven by impacket's scmr client; a user is refused."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from impacket.dcerpc.v5 import scmr  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

ERROR_ACCESS_DENIED = 5
ERROR_INVALID_PARAMETER = 87
ERROR_SERVICE_REQUEST_TIMEOUT = 1053
ERROR_SERVICE_DOES_NOT_EXIST = 1060
ERROR_SERVICE_MARKED_FOR_DELETE = 1072
ERROR_SERVICE_EXISTS = 1073


def _code(exc: BaseException) -> int:
    return int(exc.get_error_code())  # type: ignore[attr-defined]


def _scm(dce: Any) -> Any:
    return scmr.hROpenSCManagerW(dce)["lpScHandle"]


def _create(dce: Any, scm: Any, name: str = "EVILSVC", binary: str = "C:\\evil.exe") -> Any:
    return scmr.hRCreateServiceW(dce, scm, name + "\x00", name + " display\x00",
                                 lpBinaryPathName=binary + "\x00",
                                 dwStartType=scmr.SERVICE_DEMAND_START)["lpServiceHandle"]


def _names(dce: Any, scm: Any) -> list[str]:
    return [s["lpServiceName"].rstrip("\x00") for s in scmr.hREnumServicesStatusW(dce, scm)]


def test_created_service_is_seen_by_every_connection_and_never_runs(pipes_h: Any) -> None:
    config = pipes_h.fresh_config("win2016")
    dce = pipes_h.impacket_dce(config, "svcctl", "administrator")
    scm = _scm(dce)
    service = _create(dce, scm)
    config_now = scmr.hRQueryServiceConfigW(dce, service)["lpServiceConfig"]
    assert config_now["lpBinaryPathName"] == "C:\\evil.exe\x00"
    assert config_now["lpServiceStartName"] == "LocalSystem\x00"
    with pytest.raises(DCERPCException) as info:
        _create(dce, scm)
    assert _code(info.value) == ERROR_SERVICE_EXISTS
    other = pipes_h.impacket_dce(config, "svcctl", "administrator", session_id=0x2002)
    assert "EVILSVC" in _names(other, _scm(other))
    with pytest.raises(DCERPCException) as info:
        scmr.hRStartServiceW(dce, service)
    assert _code(info.value) == ERROR_SERVICE_REQUEST_TIMEOUT
    status = scmr.hRQueryServiceStatus(dce, service)["lpServiceStatus"]
    assert status["dwCurrentState"] == scmr.SERVICE_STOPPED


def test_change_config_and_delete_when_the_last_handle_closes(pipes_h: Any) -> None:
    config = pipes_h.fresh_config("win2016")
    dce = pipes_h.impacket_dce(config, "svcctl", "administrator")
    scm = _scm(dce)
    service = _create(dce, scm)
    scmr.hRChangeServiceConfigW(dce, service, dwStartType=scmr.SERVICE_DISABLED,
                                lpBinaryPathName="C:\\other.exe\x00",
                                lpDependencies="RemoteRegistry\x00\x00".encode("utf-16-le"),
                                dwDependSize=32)
    answer = scmr.hRQueryServiceConfigW(dce, service)["lpServiceConfig"]
    assert answer["dwStartType"] == scmr.SERVICE_DISABLED
    assert answer["lpBinaryPathName"] == "C:\\other.exe\x00"
    assert answer["lpDependencies"] == "RemoteRegistry/\x00"
    second = scmr.hROpenServiceW(dce, scm, "EVILSVC\x00")["lpServiceHandle"]
    scmr.hRDeleteService(dce, service)
    for call in (lambda: scmr.hRDeleteService(dce, service),
                 lambda: scmr.hRChangeServiceConfigW(dce, second, dwStartType=2),
                 lambda: _create(dce, scm)):
        with pytest.raises(DCERPCException) as info:
            call()
        assert _code(info.value) == ERROR_SERVICE_MARKED_FOR_DELETE
    scmr.hRCloseServiceHandle(dce, service)
    assert "EVILSVC" in _names(dce, scm)  # still marked: `second` is open
    scmr.hRCloseServiceHandle(dce, second)
    assert "EVILSVC" not in _names(dce, scm)
    with pytest.raises(DCERPCException) as info:
        scmr.hROpenServiceW(dce, scm, "EVILSVC\x00")
    assert _code(info.value) == ERROR_SERVICE_DOES_NOT_EXIST


def _config2(dce: Any, service: Any, level: int) -> bytes:
    request = scmr.RQueryServiceConfig2W()
    request["hService"], request["dwInfoLevel"], request["cbBufSize"] = service, level, 0
    try:
        dce.request(request)
    except DCERPCException as exc:  # ERROR_INSUFFICIENT_BUFFER with the size needed
        request["cbBufSize"] = exc.get_packet()["pcbBytesNeeded"]
    return b"".join(dce.request(request)["lpBuffer"])


def test_description_and_failure_actions(pipes_h: Any) -> None:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2016"), "svcctl", "administrator")
    service = _create(dce, _scm(dce))
    request = scmr.RChangeServiceConfig2W()
    request["hService"] = service
    request["Info"]["dwInfoLevel"] = request["Info"]["Union"]["tag"] = 1
    request["Info"]["Union"]["psd"]["lpDescription"] = "a lab service\x00"
    dce.request(request)
    assert _config2(dce, service, 1)[4:].decode("utf-16-le") == "a lab service\x00"
    request = scmr.RChangeServiceConfig2W()
    request["hService"] = service
    request["Info"]["dwInfoLevel"] = request["Info"]["Union"]["tag"] = 2
    action = scmr.SC_ACTION()
    action["Type"], action["Delay"] = scmr.SC_ACTION_RUN_COMMAND, 60000
    actions = scmr.SC_ACTIONS()
    actions["Data"].append(action)
    request["Info"]["Union"]["psfa"]["lpsaActions"] = actions
    request["Info"]["Union"]["psfa"]["lpCommand"] = "first\x00"
    dce.request(request)
    # An omitted list keeps the actions; the command is replaced.
    request = scmr.RChangeServiceConfig2W()
    request["hService"] = service
    request["Info"]["dwInfoLevel"] = request["Info"]["Union"]["tag"] = 2
    request["Info"]["Union"]["psfa"]["lpCommand"] = "second\x00"
    dce.request(request)
    data = _config2(dce, service, 2)
    _reset, _reboot, command_at, count, actions_at = struct.unpack("<5I", data[:20])
    assert (count, struct.unpack("<II", data[actions_at:actions_at + 8])) == \
        (1, (scmr.SC_ACTION_RUN_COMMAND, 60000))
    assert data[command_at:].decode("utf-16-le").split("\x00")[0] == "second"


def test_a_user_cannot_create_change_or_delete(pipes_h: Any) -> None:
    config = pipes_h.fresh_config("win2016")
    dce = pipes_h.impacket_dce(config, "svcctl", "user")
    scm = scmr.hROpenSCManagerW(dce, dwDesiredAccess=scmr.SC_MANAGER_CONNECT)["lpScHandle"]
    with pytest.raises(DCERPCException) as info:
        _create(dce, scm)
    assert _code(info.value) == ERROR_ACCESS_DENIED
    service = scmr.hROpenServiceW(dce, scm, "Spooler\x00",
                                  scmr.SERVICE_QUERY_CONFIG)["lpServiceHandle"]
    for call in (lambda: scmr.hRDeleteService(dce, service),
                 lambda: scmr.hRChangeServiceConfigW(dce, service, dwStartType=4)):
        with pytest.raises(DCERPCException) as info:
            call()
        assert _code(info.value) == ERROR_ACCESS_DENIED
    admin = pipes_h.impacket_dce(config, "svcctl", "administrator", session_id=0x2002)
    assert "Spooler" in _names(admin, _scm(admin))


def test_bad_parameters(pipes_h: Any) -> None:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2016"), "svcctl", "administrator")
    scm = _scm(dce)
    with pytest.raises(DCERPCException) as info:
        scmr.hRCreateServiceW(dce, scm, "X\x00", "X\x00", lpBinaryPathName="c:\\x\x00",
                              dwStartType=scmr.SERVICE_BOOT_START)  # boot start: drivers only
    assert _code(info.value) == ERROR_INVALID_PARAMETER


NCA_S_FAULT_UNSPEC = 0x1C000012  # nca_s_fault_unspec: the endpoint's answer when a handler raises (a bug)
#: SC_RPC_CONFIG_INFOW with a level that has an arm, for the garbled RChangeServiceConfig2W.
CONFIG_INFO_WITH_AN_ARM = {"dwInfoLevel": 1, "Union": (1, {"lpDescription": "x"})}


@pytest.mark.parametrize("seed", range(40))
def test_garbled_changes_get_a_protocol_answer(pipe_client: Any, seed: int) -> None:
    """Every change call with its [in] parameters garbled after a valid handle: a normal
    response or an NDR fault, never an internal error."""
    import random
    rng = random.Random(seed)
    client = pipe_client("svcctl", "administrator", "win2016")
    scm = client.call(15, lpMachineName=None, lpDatabaseName=None,
                      dwDesiredAccess=0xF003F)["lpScHandle"]
    service = client.call(16, hSCManager=scm, lpServiceName="Spooler",
                          dwDesiredAccess=0xF01FF)["lpServiceHandle"]
    for opnum, handle in ((2, service), (5, service), (11, service), (12, scm), (23, service),
                          (24, scm), (36, service), (37, service)):
        fault = client.garbled(opnum, handle, rng, Info=CONFIG_INFO_WITH_AN_ARM)
        if fault is not None:
            assert fault != NCA_S_FAULT_UNSPEC, (opnum, seed)
