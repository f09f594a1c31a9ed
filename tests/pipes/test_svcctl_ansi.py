"""svcctl: the ANSI forms of the reads (MS-SCMR opnums 25-33, 38, 41), REnumServiceGroupW (35)
and the status notifications (47-49), through the RPC endpoint with smbemu's NDR (impacket has
no client for them) -- each compared with its W twin."""

from __future__ import annotations

import struct
import uuid
from collections.abc import Callable
from typing import Any

import pytest

SC_MANAGER_ALL_ACCESS = 0x000F003F
SERVICE_ALL_ACCESS = 0x000F01FF
SERVICE_QUERY_CONFIG = 0x0001
ERROR_ACCESS_DENIED = 5
ERROR_INSUFFICIENT_BUFFER = 122
ERROR_MORE_DATA = 234
ERROR_SERVICE_DOES_NOT_EXIST = 1060
ERROR_REQUEST_ABORTED = 1235
NCA_S_OP_RNG_ERROR = 0x1C010002
SERVICE_NOTIFY_STOPPED, SERVICE_NOTIFY_RUNNING = 0x1, 0x8


def _scm(client: Any, access: int = SC_MANAGER_ALL_ACCESS, opnum: int = 27) -> bytes:
    reply = client.call(opnum, lpMachineName=None, lpDatabaseName=None, dwDesiredAccess=access)
    assert reply["ReturnValue"] == 0
    return bytes(reply["lpScHandle"])


def _service(client: Any, scm: bytes, name: str, access: int = SERVICE_ALL_ACCESS) -> bytes:
    reply = client.call(28, hSCManager=scm, lpServiceName=name, dwDesiredAccess=access)
    assert reply["ReturnValue"] == 0, reply
    return bytes(reply["lpServiceHandle"])


def _names(buffer: bytes, count: int, record: int, width: int) -> list[str]:
    """The service names of ``count`` enumeration records (offset of the name first)."""
    names = []
    for index in range(count):
        at = struct.unpack_from("<I", buffer, index * record)[0]
        end = buffer.index(b"\x00" * width, at)
        while (end - at) % width:
            end = buffer.index(b"\x00" * width, end + 1)
        names.append(buffer[at:end].decode("cp1252" if width == 1 else "utf-16-le"))
    return names


@pytest.mark.parametrize("opnum_a,opnum_w,record,extra", [
    (26, 14, 36, {}), (41, 42, 44, {"InfoLevel": 0, "pszGroupName": None})])
def test_enumerations_list_the_w_services_in_ansi(pipe_client: Callable[..., Any], opnum_a: int,
                                                  opnum_w: int, record: int,
                                                  extra: dict[str, Any]) -> None:
    client = pipe_client("svcctl", "administrator", "win2016")
    scm = _scm(client)
    asked = {"hSCManager": scm, "dwServiceType": 0x30, "dwServiceState": 3,
             "lpResumeIndex": None, **extra}
    first = client.call(opnum_a, cbBufSize=0, **asked)
    assert first["ReturnValue"] == ERROR_MORE_DATA
    ansi = client.call(opnum_a, cbBufSize=first["pcbBytesNeeded"], **asked)
    wide_size = client.call(opnum_w, cbBufSize=0, **asked)["pcbBytesNeeded"]
    wide = client.call(opnum_w, cbBufSize=wide_size, **asked)
    assert ansi["ReturnValue"] == wide["ReturnValue"] == 0
    count = ansi["lpServicesReturned"]
    assert count == wide["lpServicesReturned"] > 20
    assert first["pcbBytesNeeded"] < wide_size  # one byte per character
    assert _names(ansi["lpBuffer"], count, record, 1) == _names(wide["lpBuffer"], count, record, 2)


def test_enum_group_w_and_its_group_rules(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("svcctl", "administrator", "win2016")
    scm = _scm(client, opnum=27)
    asked = {"hSCManager": scm, "dwServiceType": 0x30, "dwServiceState": 3,
             "lpResumeIndex": None, "cbBufSize": 256 * 1024}
    everything = client.call(35, pszGroupName=None, **asked)
    assert everything["ReturnValue"] == 0 and everything["lpServicesReturned"] > 20
    assert client.call(35, pszGroupName="", **asked)["lpServicesReturned"] == \
        everything["lpServicesReturned"]
    assert client.call(35, pszGroupName="NoSuchGroup", **asked)["ReturnValue"] == \
        ERROR_SERVICE_DOES_NOT_EXIST


def test_open_and_query_config_in_ansi(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("svcctl", "administrator", "win2016")
    scm = _scm(client)
    service = _service(client, scm, "Spooler")
    small = client.call(29, hService=service, cbBufSize=0)
    assert small["ReturnValue"] == ERROR_INSUFFICIENT_BUFFER
    config = client.call(29, hService=service, cbBufSize=small["pcbBytesNeeded"])
    assert config["ReturnValue"] == 0
    assert config["lpServiceConfig"]["lpDisplayName"] == "Print Spooler"
    wide = client.call(17, hService=service, cbBufSize=8192)
    strings = sum(len(v) + 1 for v in config["lpServiceConfig"].values() if isinstance(v, str))
    assert small["pcbBytesNeeded"] == 36 + strings == wide["pcbBytesNeeded"] - strings
    assert client.call(28, hSCManager=scm, lpServiceName="NoSuchService",
                       dwDesiredAccess=1)["ReturnValue"] == ERROR_SERVICE_DOES_NOT_EXIST
    description = client.call(38, hService=service, dwInfoLevel=1, cbBufSize=100)
    assert description["ReturnValue"] == 0 and description["pcbBytesNeeded"] == 5
    lock = client.call(30, hSCManager=scm, cbBufSize=100)
    assert lock["ReturnValue"] == 0 and lock["pcbBytesNeeded"] == 13
    assert client.call(25, hService=service, dwServiceState=3,
                       cbBufSize=10)["lpServicesReturned"] == 0


def test_a_user_gets_the_w_refusals(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("svcctl", "user", "win2016")
    reply = client.call(27, lpMachineName=None, lpDatabaseName=None, dwDesiredAccess=0x4)
    assert reply["ReturnValue"] == ERROR_ACCESS_DENIED
    scm = _scm(client, access=1)
    service = _service(client, scm, "Spooler", access=0x4)  # SERVICE_QUERY_STATUS only
    assert client.call(29, hService=service, cbBufSize=8192)["ReturnValue"] == ERROR_ACCESS_DENIED
    assert client.call(26, hSCManager=scm, dwServiceType=0x30, dwServiceState=3,
                       cbBufSize=1000, lpResumeIndex=None)["ReturnValue"] == ERROR_ACCESS_DENIED


@pytest.mark.parametrize("opnum,field_in,name,field_out,expected", [
    (32, "lpServiceName", "spooler", "lpDisplayName", "Print Spooler"),
    (33, "lpDisplayName", "print spooler", "lpKeyName", "Spooler")])
def test_name_lookups_in_ansi(pipe_client: Callable[..., Any], opnum: int, field_in: str,
                              name: str, field_out: str, expected: str) -> None:
    client = pipe_client("svcctl", "administrator", "win2016")
    scm = _scm(client)
    small = client.call(opnum, hSCManager=scm, lpcchBuffer=3, **{field_in: name})
    assert small["ReturnValue"] == ERROR_INSUFFICIENT_BUFFER and small["lpcchBuffer"] == len(expected)
    found = client.call(opnum, hSCManager=scm, lpcchBuffer=len(expected) + 1, **{field_in: name})
    assert found["ReturnValue"] == 0 and found[field_out] == expected
    missing = client.call(opnum, hSCManager=scm, lpcchBuffer=50, **{field_in: "nothing"})
    assert missing["ReturnValue"] == ERROR_SERVICE_DOES_NOT_EXIST


def _notify(client: Any, handle: bytes, mask: int, level: int = 2) -> dict[str, Any]:
    arm: dict[str, Any] = {
        "ullThreadId": 0, "dwNotifyMask": mask, "CallbackAddressArray": bytes(16),
        "CallbackParamAddressArray": bytes(16),
        "ServiceStatus": {n: 0 for n in ("dwServiceType", "dwCurrentState", "dwControlsAccepted",
                                         "dwWin32ExitCode", "dwServiceSpecificExitCode",
                                         "dwCheckPoint", "dwWaitHint", "dwProcessId",
                                         "dwServiceFlags")},
        "dwNotificationStatus": 0, "dwSequence": 0}
    if level == 2:
        arm.update(dwNotificationTriggered=0, pszServiceNames=None)
    return client.call(47, hService=handle, NotifyParams={"dwInfoLevel": level, "params": (level, arm)},
                       pClientProcessGuid=uuid.uuid4())


@pytest.mark.parametrize("level", [1, 2])
def test_a_notification_due_now_is_answered(pipe_client: Callable[..., Any], level: int) -> None:
    client = pipe_client("svcctl", "administrator", "win2016")
    service = _service(client, _scm(client), "LanmanServer")
    registered = _notify(client, service, SERVICE_NOTIFY_RUNNING | SERVICE_NOTIFY_STOPPED, level)
    assert registered["ReturnValue"] == 0
    result = client.call(48, hNotify=registered["phNotify"])
    assert result["ReturnValue"] == 0
    (params,) = result["ppNotifyParams"]["NotifyParamsArray"]
    tag, notice = params["params"]
    assert tag == level and notice["ServiceStatus"]["dwCurrentState"] == 4  # SERVICE_RUNNING
    if level == 2:
        assert notice["dwNotificationTriggered"] == SERVICE_NOTIFY_RUNNING
    closed = client.call(49, phNotify=registered["phNotify"])
    assert closed["ReturnValue"] == 0 and closed["phNotify"] == bytes(20)


def test_a_notification_never_due_ends_the_wait(pipe_client: Callable[..., Any],
                                                pipes_h: Any) -> None:
    client = pipe_client("svcctl", "administrator", "win2016")
    service = _service(client, _scm(client), "LanmanServer")
    registered = _notify(client, service, SERVICE_NOTIFY_STOPPED)
    assert client.call(48, hNotify=registered["phNotify"])["ReturnValue"] == ERROR_REQUEST_ABORTED
    client.call(49, phNotify=registered["phNotify"])
    with pytest.raises(pipes_h.CallFault):  # closed: the runtime's context mismatch
        client.call(48, hNotify=registered["phNotify"])


def test_notifications_need_query_status_and_vista(pipe_client: Callable[..., Any],
                                                   pipes_h: Any) -> None:
    client = pipe_client("svcctl", "administrator", "win2016")
    service = _service(client, _scm(client), "LanmanServer", access=SERVICE_QUERY_CONFIG)
    assert _notify(client, service, SERVICE_NOTIFY_RUNNING)["ReturnValue"] == ERROR_ACCESS_DENIED
    old = pipe_client("svcctl", "administrator", "win2003")
    service = _service(old, _scm(old), "LanmanServer")
    with pytest.raises(pipes_h.CallFault) as info:
        _notify(old, service, SERVICE_NOTIFY_RUNNING)
    assert info.value.status == NCA_S_OP_RNG_ERROR


@pytest.mark.parametrize("asked", [0, 0x100])
def test_object_security_of_no_valid_information_is_invalid(pipe_client: Callable[..., Any],
                                                           asked: int) -> None:
    # smbtorture's rpc.svcctl QueryServiceObjectSecurity: 0 is ERROR_INVALID_PARAMETER, even
    # with a buffer too small for any descriptor
    client = pipe_client("svcctl", "administrator", "win2016")
    service = _service(client, _scm(client), "Spooler")
    reply = client.call(4, hService=service, dwSecurityInformation=asked, cbBufSize=0)
    assert reply["ReturnValue"] == 87
    assert client.call(4, hService=service, dwSecurityInformation=4,
                       cbBufSize=0)["ReturnValue"] == ERROR_INSUFFICIENT_BUFFER
