"""svcctl (MS-SCMR) through the real RPC endpoint, driven by impacket's scmr client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from impacket.dcerpc.v5 import scmr  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

ERROR_ACCESS_DENIED = 5
ERROR_INSUFFICIENT_BUFFER = 122
ERROR_SERVICE_DOES_NOT_EXIST = 1060
NCA_S_OP_RNG_ERROR = 0x1C010002


def _code(exc: BaseException) -> int:
    return int(exc.get_error_code())  # type: ignore[attr-defined]


def _dce(pipes_h: Any, profile: str, kind: str) -> Any:
    return pipes_h.impacket_dce(pipes_h.fresh_config(profile), "svcctl", kind)


def test_every_ms_scmr_opnum_is_declared(pipe_client: Callable[..., Any]) -> None:
    iface = pipe_client("svcctl", "administrator", "win2016").interface
    assert str(iface.uuid) == "367abb81-9844-35f1-ad32-98f038001003" and iface.version == (2, 0)
    assert sorted(iface.operations) == list(range(61))
    for opnum, (req, _) in scmr.OPNUMS.items():
        if opnum in iface.operations and hasattr(iface.operations[opnum], "opnum"):
            assert iface.operations[opnum].name == req.__name__, opnum


@pytest.mark.parametrize("opnum", [10, 22, 34, 61])
def test_unused_and_unemulated_opnums_fault(pipe_client: Callable[..., Any], opnum: int) -> None:
    assert pipe_client("svcctl", "administrator", "win2016").fault(opnum) == NCA_S_OP_RNG_ERROR


@pytest.mark.parametrize("profile,present,absent", [
    ("win2000", "Messenger", "MpsSvc"), ("win2016", "MpsSvc", "Messenger"),
    ("win2016-dc", "NTDS", "Alerter")])
def test_enum_services_per_release(pipes_h: Any, profile: str, present: str,
                                   absent: str) -> None:
    dce = _dce(pipes_h, profile, "administrator")
    scm = scmr.hROpenSCManagerW(dce)["lpScHandle"]
    names = [s["lpServiceName"].rstrip("\x00") for s in scmr.hREnumServicesStatusW(dce, scm)]
    assert present in names and absent not in names and "LanmanServer" in names
    assert names == sorted(names, key=str.lower)


def test_enum_filters_state(pipes_h: Any) -> None:
    dce = _dce(pipes_h, "win2016", "administrator")
    scm = scmr.hROpenSCManagerW(dce)["lpScHandle"]
    running = scmr.hREnumServicesStatusW(dce, scm, dwServiceState=scmr.SERVICE_ACTIVE)
    assert running and all(s["ServiceStatus"]["dwCurrentState"] == scmr.SERVICE_RUNNING
                           for s in running)


def test_open_query_close(pipes_h: Any) -> None:
    dce = _dce(pipes_h, "win2016", "administrator")
    scm = scmr.hROpenSCManagerW(dce)["lpScHandle"]
    service = scmr.hROpenServiceW(dce, scm, "spooler")["lpServiceHandle"]
    status = scmr.hRQueryServiceStatus(dce, service)["lpServiceStatus"]
    assert status["dwCurrentState"] == scmr.SERVICE_RUNNING
    assert status["dwServiceType"] == scmr.SERVICE_WIN32_OWN_PROCESS
    config = scmr.hRQueryServiceConfigW(dce, service)["lpServiceConfig"]
    assert config["lpDisplayName"].rstrip("\x00") == "Print Spooler"
    assert config["dwStartType"] == scmr.SERVICE_AUTO_START
    request = scmr.RQueryServiceStatusEx()
    request["hService"], request["InfoLevel"], request["cbBufSize"] = service, 0, 36
    reply = dce.request(request)
    assert reply["ErrorCode"] == 0 and len(reply["lpBuffer"]) == 36
    scmr.hRCloseServiceHandle(dce, service)
    with pytest.raises(DCERPCException) as info:
        scmr.hROpenServiceW(dce, scm, "NoSuchService")
    assert _code(info.value) == ERROR_SERVICE_DOES_NOT_EXIST


def test_name_lookups(pipes_h: Any) -> None:
    dce = _dce(pipes_h, "win2016", "administrator")
    scm = scmr.hROpenSCManagerW(dce)["lpScHandle"]
    assert scmr.hRGetServiceDisplayNameW(dce, scm, "Spooler", 100)["lpDisplayName"] == \
        "Print Spooler\x00"
    assert scmr.hRGetServiceKeyNameW(dce, scm, "print spooler", 100)["lpDisplayName"] == \
        "Spooler\x00"
    with pytest.raises(DCERPCException) as info:
        scmr.hRGetServiceDisplayNameW(dce, scm, "Spooler", 3)
    assert _code(info.value) == ERROR_INSUFFICIENT_BUFFER


def test_user_gets_connect_only_on_modern_releases(pipes_h: Any) -> None:
    dce = _dce(pipes_h, "win2016", "user")
    with pytest.raises(DCERPCException) as info:
        scmr.hROpenSCManagerW(dce)      # impacket asks for CREATE_SERVICE, LOCK...
    assert _code(info.value) == ERROR_ACCESS_DENIED
    scm = scmr.hROpenSCManagerW(dce, dwDesiredAccess=scmr.SC_MANAGER_CONNECT)["lpScHandle"]
    with pytest.raises(DCERPCException) as info:
        scmr.hREnumServicesStatusW(dce, scm)
    assert _code(info.value) == ERROR_ACCESS_DENIED
    # the default service DACL lets authenticated users query a service
    service = scmr.hROpenServiceW(dce, scm, "Spooler",
                                  scmr.SERVICE_QUERY_STATUS)["lpServiceHandle"]
    assert scmr.hRQueryServiceStatus(dce, service)["lpServiceStatus"]["dwCurrentState"] == 4


def test_user_enumerates_on_windows_2000(pipes_h: Any) -> None:
    dce = _dce(pipes_h, "win2000", "user")
    scm = scmr.hROpenSCManagerW(dce, dwDesiredAccess=scmr.SC_MANAGER_ENUMERATE_SERVICE)
    assert scmr.hREnumServicesStatusW(dce, scm["lpScHandle"])


@pytest.mark.parametrize("kind", ["user", "administrator"])
def test_changes_are_refused(pipes_h: Any, kind: str) -> None:
    dce = _dce(pipes_h, "win2016", kind)
    scm = scmr.hROpenSCManagerW(dce, dwDesiredAccess=scmr.SC_MANAGER_CONNECT)["lpScHandle"]
    service = scmr.hROpenServiceW(dce, scm, "Spooler",
                                  scmr.SERVICE_QUERY_STATUS)["lpServiceHandle"]
    for call in (lambda: scmr.hRStartServiceW(dce, service),
                 lambda: scmr.hRControlService(dce, service, scmr.SERVICE_CONTROL_STOP),
                 lambda: scmr.hRDeleteService(dce, service),
                 lambda: scmr.hRCreateServiceW(dce, scm, "evil\x00", "evil\x00",
                                               lpBinaryPathName="c:\\evil.exe\x00")):
        with pytest.raises(DCERPCException) as info:
            call()
        assert _code(info.value) == ERROR_ACCESS_DENIED


# ------------------------------------------------------------ starting and stopping (MS-SCMR 3.1.4.19, 3.1.4.2)
ERROR_INVALID_PARAMETER = 87
ERROR_INVALID_SERVICE_CONTROL = 1052
ERROR_SERVICE_ALREADY_RUNNING = 1056
ERROR_SERVICE_DISABLED = 1058
ERROR_SERVICE_NOT_ACTIVE = 1062


def _service(dce: Any, name: str, access: int = scmr.SERVICE_ALL_ACCESS) -> Any:
    scm = scmr.hROpenSCManagerW(dce, dwDesiredAccess=scmr.SC_MANAGER_CONNECT)["lpScHandle"]
    return scmr.hROpenServiceW(dce, scm, name, access)["lpServiceHandle"]


def _state(dce: Any, service: Any) -> int:
    return int(scmr.hRQueryServiceStatus(dce, service)["lpServiceStatus"]["dwCurrentState"])


def test_an_administrator_starts_remote_registry_and_winreg_appears(pipes_h: Any) -> None:
    """Windows 7's Remote Registry is Manual and stopped (impacket's secretsdump starts it):
    starting it makes \\PIPE\\winreg exist, on every connection; stopping it removes the pipe."""
    config = pipes_h.fresh_config("win7")
    winreg = config.pipes.interface("winreg")
    assert not winreg.available(config)
    dce = pipes_h.impacket_dce(config, "svcctl", "administrator")
    service = _service(dce, "RemoteRegistry")
    assert _state(dce, service) == scmr.SERVICE_STOPPED
    with pytest.raises(DCERPCException) as info:
        scmr.hRControlService(dce, service, scmr.SERVICE_CONTROL_STOP)
    assert _code(info.value) == ERROR_SERVICE_NOT_ACTIVE
    scmr.hRStartServiceW(dce, service)
    assert winreg.available(config)
    other = pipes_h.impacket_dce(config, "svcctl", "administrator", session_id=0x2002)
    assert _state(other, _service(other, "RemoteRegistry")) == scmr.SERVICE_RUNNING
    running = scmr.hREnumServicesStatusW(other, scmr.hROpenSCManagerW(other)["lpScHandle"],
                                         dwServiceState=scmr.SERVICE_ACTIVE)
    assert "RemoteRegistry" in [s["lpServiceName"].rstrip("\x00") for s in running]
    with pytest.raises(DCERPCException) as info:
        scmr.hRStartServiceW(dce, service)
    assert _code(info.value) == ERROR_SERVICE_ALREADY_RUNNING
    answer = scmr.hRControlService(dce, service, scmr.SERVICE_CONTROL_INTERROGATE)
    assert answer["lpServiceStatus"]["dwCurrentState"] == scmr.SERVICE_RUNNING
    answer = scmr.hRControlService(dce, service, scmr.SERVICE_CONTROL_STOP)
    assert answer["lpServiceStatus"]["dwCurrentState"] == scmr.SERVICE_STOPPED
    assert not winreg.available(config)
    # Another server (a new configuration) starts from the release's defaults.
    assert not winreg.available(pipes_h.fresh_config("win7"))


def test_start_and_control_answer_as_windows(pipes_h: Any) -> None:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2016"), "svcctl", "administrator")
    # Computer Browser is Disabled on 2016 (policies/services/windows.yaml).
    with pytest.raises(DCERPCException) as info:
        scmr.hRStartServiceW(dce, _service(dce, "Browser"))
    assert _code(info.value) == ERROR_SERVICE_DISABLED
    spooler = _service(dce, "Spooler")
    # PAUSE: the catalog's services accept STOP only; 5 (SHUTDOWN) is the SCM's own control.
    for control, expected in ((scmr.SERVICE_CONTROL_PAUSE, ERROR_INVALID_SERVICE_CONTROL),
                              (5, ERROR_INVALID_PARAMETER)):
        with pytest.raises(DCERPCException) as info:
            scmr.hRControlService(dce, spooler, control)
        assert _code(info.value) == expected, control
    assert _state(dce, spooler) == scmr.SERVICE_RUNNING


def test_a_user_may_not_open_a_service_to_start_it(pipes_h: Any) -> None:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win7"), "svcctl", "user")
    scm = scmr.hROpenSCManagerW(dce, dwDesiredAccess=scmr.SC_MANAGER_CONNECT)["lpScHandle"]
    with pytest.raises(DCERPCException) as info:
        scmr.hROpenServiceW(dce, scm, "RemoteRegistry", scmr.SERVICE_START)
    assert _code(info.value) == ERROR_ACCESS_DENIED


# ------------------------------------------------------------ the other queries and the lock
def test_object_security_dependents_and_lock(pipes_h: Any) -> None:
    config = pipes_h.fresh_config("win2016")
    dce = pipes_h.impacket_dce(config, "svcctl", "administrator")
    # impacket's default access has no READ_CONTROL: the descriptor is refused (its own suite
    # accepts that answer), as Windows checks the handle's rights first.
    with pytest.raises(DCERPCException) as info:
        scmr.hRQueryServiceObjectSecurity(dce, scmr.hROpenSCManagerW(dce)["lpScHandle"],
                                          scmr.DACL_SECURITY_INFORMATION, 0)
    assert _code(info.value) == ERROR_ACCESS_DENIED
    scm = scmr.hROpenSCManagerW(dce, dwDesiredAccess=0x000F003F)["lpScHandle"]  # SC_MANAGER_ALL_ACCESS
    # MS-SCMR 3.1.4.4: the size first (impacket's helper asks again with pcbBytesNeeded), then
    # the self-relative descriptor with the DACL present.
    request = scmr.RQueryServiceObjectSecurity()
    request["hService"], request["dwSecurityInformation"], request["cbBufSize"] = scm, scmr.DACL_SECURITY_INFORMATION, 0
    with pytest.raises(DCERPCException) as info:
        dce.request(request)
    assert _code(info.value) == ERROR_INSUFFICIENT_BUFFER
    needed = info.value.get_packet()["pcbBytesNeeded"]
    answer = scmr.hRQueryServiceObjectSecurity(dce, scm, scmr.DACL_SECURITY_INFORMATION, 0)
    descriptor = b"".join(answer["lpSecurityDescriptor"])
    assert descriptor[:4] == b"\x01\x00\x04\x80" and len(descriptor) == needed
    service = _service(dce, "Spooler")
    assert scmr.hREnumDependentServicesW(dce, service, scmr.SERVICE_STATE_ALL, 0)["lpServicesReturned"] == 0
    status = scmr.hRQueryServiceLockStatusW(dce, scm, 1000)["lpLockStatus"]
    assert status["fIsLocked"] == 0
    lock = scmr.hRLockServiceDatabase(dce, scm)["lpLock"]
    other = pipes_h.impacket_dce(config, "svcctl", "administrator", session_id=0x2002)
    other_scm = scmr.hROpenSCManagerW(other)["lpScHandle"]
    status = scmr.hRQueryServiceLockStatusW(other, other_scm, 1000)["lpLockStatus"]
    assert status["fIsLocked"] == 1 and status["lpLockOwner"] == "CORP\\Administrator\x00"
    with pytest.raises(DCERPCException) as info:
        scmr.hRLockServiceDatabase(other, other_scm)
    assert _code(info.value) == 1055  # ERROR_SERVICE_DATABASE_LOCKED
    scmr.hRUnlockServiceDatabase(dce, lock)
    scmr.hRUnlockServiceDatabase(other, scmr.hRLockServiceDatabase(other, other_scm)["lpLock"])


def test_enum_services_ex_and_config_queries(pipes_h: Any) -> None:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2016"), "svcctl", "administrator")
    scm = scmr.hROpenSCManagerW(dce)["lpScHandle"]
    request = scmr.REnumServicesStatusExW()
    request["hSCManager"], request["InfoLevel"] = scm, scmr.SC_STATUS_PROCESS_INFO
    request["dwServiceType"], request["dwServiceState"] = 0x30, scmr.SERVICE_STATE_ALL  # SERVICE_WIN32
    request["lpResumeIndex"], request["pszGroupName"], request["cbBufSize"] = scmr.NULL, scmr.NULL, 0
    with pytest.raises(DCERPCException) as info:
        dce.request(request)
    assert _code(info.value) == 234  # ERROR_MORE_DATA
    request["cbBufSize"] = info.value.get_packet()["pcbBytesNeeded"]
    answer = dce.request(request)
    plain = scmr.hREnumServicesStatusW(dce, scm, 0x30, scmr.SERVICE_STATE_ALL)
    assert answer["lpServicesReturned"] == len(plain) > 20
    service = _service(dce, "RemoteRegistry")
    request = scmr.RQueryServiceConfig2W()
    request["hService"], request["dwInfoLevel"], request["cbBufSize"] = service, 7, 4  # PRESHUTDOWN_INFO
    assert b"".join(dce.request(request)["lpBuffer"]) == (180000).to_bytes(4, "little")
    request = scmr.RQueryServiceConfigEx()
    request["hService"], request["dwInfoLevel"] = service, 8
    assert dce.request(request)["pInfo"]["Union"]["psti"]["cTriggers"] == 0
