"""winreg: BaseRegQueryMultipleValues(2) (MS-RRP 3.1.5.26 / 3.1.5.30), the boot-key classes under
Lsa, the QueryValue parameter checks and the order of the write refusals, through impacket's rrp
client and smbemu's own NDR."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from impacket.dcerpc.v5 import rrp  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

ERROR_FILE_NOT_FOUND = 2
ERROR_ACCESS_DENIED = 5
ERROR_INVALID_PARAMETER = 87
ERROR_MORE_DATA = 234
RPC_X_INVALID_BOUND = 0x6C6
CURRENT_VERSION = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
LSA = "SYSTEM\\CurrentControlSet\\Control\\Lsa"


def _admin(pipes_h: Any, profile: str = "win2016") -> tuple[Any, bytes]:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config(profile), "winreg", "administrator")
    return dce, rrp.hOpenLocalMachine(dce)["phKey"]


def _request(cls: Any, key: bytes, names: list[Any], room: int | None) -> Any:
    request = cls()
    request["hKey"] = key
    for name in names:
        item = rrp.RVALENT()
        item["ve_valuename"] = NULL if name is None else name + "\x00"
        item["ve_valuelen"] = 0 if name is None else 2 * (len(name) + 1)
        item["ve_valueptr"] = NULL
        item["ve_type"] = rrp.REG_SZ
        request["val_listIn"].append(item)
    request["num_vals"] = len(names)
    request["lpvalueBuf"] = NULL if room is None else list(b" " * room)
    request["ldwTotsize"] = room or 0
    return request


def test_impacket_reads_several_values_at_once(pipes_h: Any) -> None:
    dce, hklm = _admin(pipes_h)
    key = rrp.hBaseRegOpenKey(dce, hklm, CURRENT_VERSION)["phkResult"]
    values = rrp.hBaseRegQueryMultipleValues(dce, key, [
        {"ValueName": "ProductName\x00", "ValueType": rrp.REG_SZ},
        {"ValueName": "InstallDate\x00", "ValueType": rrp.REG_DWORD},
        {"ValueName": "EditionID\x00", "ValueType": rrp.REG_SZ}])
    assert [v["ValueData"] for v in values] == ["Windows Server 2016 Standard\x00", 1476230400,
                                                 "ServerStandard\x00"]


@pytest.mark.parametrize("cls", [rrp.BaseRegQueryMultipleValues, rrp.BaseRegQueryMultipleValues2])
def test_offsets_lengths_and_the_size_needed(pipes_h: Any, cls: Any) -> None:
    dce, hklm = _admin(pipes_h)
    key = rrp.hBaseRegOpenKey(dce, hklm, CURRENT_VERSION)["phkResult"]
    names = ["CurrentBuildNumber", "SystemRoot", "CurrentBuildNumber"]
    needed = 2 * len("14393\x00") * 2 + 2 * len("C:\\Windows\x00")
    # no buffer: ERROR_MORE_DATA and the size needed
    answer = dce.request(_request(cls, key, names, None), checkError=False)
    assert answer["ErrorCode"] == ERROR_MORE_DATA
    assert answer["ldwTotsize" if cls is rrp.BaseRegQueryMultipleValues else "ldwRequiredSize"] \
        == needed
    answer = dce.request(_request(cls, key, names, 100))
    entries = [(e["ve_valuename"], e["ve_valuelen"], e["ve_valueptr"], e["ve_type"])
               for e in answer["val_listOut"]]
    assert entries == [("CurrentBuildNumber\x00", 12, 0, rrp.REG_SZ),
                       ("SystemRoot\x00", 22, 12, rrp.REG_SZ),
                       ("CurrentBuildNumber\x00", 12, 34, rrp.REG_SZ)]
    data = b"".join(answer["lpvalueBuf"])
    assert data[:needed].decode("utf-16-le") == "14393\x00C:\\Windows\x0014393\x00"


@pytest.mark.parametrize("names", [["CurrentVersion", "IDoNotExist"], ["CurrentVersion", None],
                                   ["CurrentVersion", ""]])
@pytest.mark.parametrize("cls", [rrp.BaseRegQueryMultipleValues, rrp.BaseRegQueryMultipleValues2])
def test_a_missing_value_fails_the_whole_call(pipes_h: Any, cls: Any, names: list[Any]) -> None:
    # smbtorture's rpc.winreg multiple_values_tests: NULL and "" name the default value, absent
    dce, hklm = _admin(pipes_h)
    key = rrp.hBaseRegOpenKey(dce, hklm, CURRENT_VERSION)["phkResult"]
    answer = dce.request(_request(cls, key, names, 255), checkError=False)
    assert answer["ErrorCode"] == ERROR_FILE_NOT_FOUND


def test_nothing_asked_is_success(pipes_h: Any) -> None:
    dce, hklm = _admin(pipes_h)
    key = rrp.hBaseRegOpenKey(dce, hklm, CURRENT_VERSION)["phkResult"]
    for cls in (rrp.BaseRegQueryMultipleValues, rrp.BaseRegQueryMultipleValues2):
        assert dce.request(_request(cls, key, [], None), checkError=False)["ErrorCode"] == 0


def test_the_handle_needs_key_query_value(pipes_h: Any) -> None:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2016"), "winreg", "user")
    hklm = rrp.hOpenLocalMachine(dce, samDesired=rrp.KEY_READ)["phKey"]
    key = rrp.hBaseRegOpenKey(dce, hklm, CURRENT_VERSION,
                              samDesired=rrp.KEY_ENUMERATE_SUB_KEYS)["phkResult"]
    answer = dce.request(_request(rrp.BaseRegQueryMultipleValues, key, ["ProductName"], 200),
                         checkError=False)
    assert answer["ErrorCode"] == ERROR_ACCESS_DENIED
    key = rrp.hBaseRegOpenKey(dce, hklm, CURRENT_VERSION, samDesired=rrp.KEY_READ)["phkResult"]
    answer = dce.request(_request(rrp.BaseRegQueryMultipleValues, key, ["ProductName"], 200))
    assert answer["ErrorCode"] == 0


def test_num_vals_must_be_the_array_size(pipe_client: Callable[..., Any], pipes_h: Any) -> None:
    client = pipe_client("winreg", "administrator", "win2016")
    hklm = client.call(2, samDesired=0x02000000)["phKey"]
    entry = {"ve_valuename": "SystemRoot\x00", "ve_valuelen": 22, "ve_valueptr": 0, "ve_type": 1}
    op = client.op(29)
    stub = op.encode_request({"hKey": hklm, "val_listIn": [entry], "num_vals": 2,
                              "lpvalueBuf": None, "ldwTotsize": 0})
    with pytest.raises(pipes_h.CallFault) as info:
        client.raw(29, stub)
    assert info.value.status == RPC_X_INVALID_BOUND


def test_secretsdump_reads_the_boot_key_classes(pipes_h: Any) -> None:
    """impacket's RemoteOperations.getBootKey: the classes of JD, Skew1, GBG and Data, eight hex
    digits each, the same for one fixture every time."""
    keys = []
    for _ in range(2):
        dce, hklm = _admin(pipes_h)
        classes = ""
        for part in ("JD", "Skew1", "GBG", "Data"):
            key = rrp.hBaseRegOpenKey(dce, hklm, f"{LSA}\\{part}",
                                      samDesired=rrp.MAXIMUM_ALLOWED | rrp.KEY_QUERY_VALUE)["phkResult"]
            classes += rrp.hBaseRegQueryInfoKey(dce, key)["lpClassOut"].rstrip("\x00")
        keys.append(bytes.fromhex(classes))
    assert len(keys[0]) == 16 and keys[0] == keys[1]


def test_edition_and_install_date_per_release(pipes_h: Any) -> None:
    dce, hklm = _admin(pipes_h, "win2003")
    key = rrp.hBaseRegOpenKey(dce, hklm, CURRENT_VERSION)["phkResult"]
    with pytest.raises(DCERPCException) as info:
        rrp.hBaseRegQueryValue(dce, key, "EditionID")
    assert info.value.get_error_code() == ERROR_FILE_NOT_FOUND
    assert rrp.hBaseRegQueryValue(dce, key, "InstallDate") == (rrp.REG_DWORD, 1051142400)


@pytest.mark.parametrize("null", ["lpType", "lpcbData", "lpcbLen"])
def test_query_value_without_its_in_out_pointers_is_invalid(pipes_h: Any, null: str) -> None:
    """MS-RRP 3.1.5.17: a NULL lpType (and, as smbtorture finds on Windows, a NULL lpcbData or
    lpcbLen) is ERROR_INVALID_PARAMETER, for a value that exists or not."""
    dce, hklm = _admin(pipes_h)
    key = rrp.hBaseRegOpenKey(dce, hklm, CURRENT_VERSION)["phkResult"]
    for name in ("CurrentVersion\x00", "IDoNotExist\x00"):
        request = rrp.BaseRegQueryValue()
        request["hKey"], request["lpValueName"] = key, name
        request["lpType"], request["lpcbData"], request["lpcbLen"] = 0, 100, 0
        request["lpData"] = b" " * 100
        request[null] = NULL
        assert dce.request(request, checkError=False)["ErrorCode"] == ERROR_INVALID_PARAMETER


def test_a_write_checks_the_handle_then_the_policy(pipe_client: Callable[..., Any]) -> None:
    """The refusal is a normal ERROR_ACCESS_DENIED response, decided by the handle's rights for a
    read-only handle and by the policy's read-only rule for an administrator's shutdown."""
    user = pipe_client("winreg", "user", "win2016")
    hklm = user.call(2, samDesired=rrp.KEY_READ)["phKey"]
    key = user.call(15, hKey=hklm, lpSubKey=CURRENT_VERSION + "\x00", dwOptions=0,
                    samDesired=rrp.KEY_READ)["phkResult"]
    assert user.call(22, hKey=key, lpValueName="x\x00", dwType=4, lpData=b"\x01\0\0\0",
                     cbData=4)["ReturnValue"] == ERROR_ACCESS_DENIED
    assert "KEY_SET_VALUE" in user.decision.rule
    admin = pipe_client("winreg", "administrator", "win2016")
    for opnum in (24, 25, 30):
        assert admin.call(opnum)["ReturnValue"] == ERROR_ACCESS_DENIED
        assert "read-only" in admin.decision.reason, admin.decision


def test_a_write_on_an_unknown_handle_is_a_context_fault(pipe_client: Callable[..., Any],
                                                         pipes_h: Any) -> None:
    admin = pipe_client("winreg", "administrator", "win2016")
    stub = admin.op(22).encode_request({"hKey": b"\x01" * 20, "lpValueName": "x\x00",
                                        "dwType": 4, "lpData": b"\x01\0\0\0", "cbData": 4})
    with pytest.raises(pipes_h.CallFault) as info:
        admin.raw(22, stub + bytes(64))
    assert info.value.status == 0x1C00001A  # nca_s_fault_context_mismatch


def test_notify_change_key_value_is_dispatched(pipe_client: Callable[..., Any]) -> None:
    """Opnum 14: smbtorture's filter of 0 gets ERROR_INVALID_PARAMETER, a handle without
    KEY_NOTIFY ERROR_ACCESS_DENIED, a valid request the status of a wait not held."""
    admin = pipe_client("winreg", "administrator", "win2016")
    hkcu = admin.call(1, samDesired=0x02000000)["phKey"]
    assert admin.call(14, hKey=hkcu, watch_subtree=True, notify_filter=0)["ReturnValue"] == \
        ERROR_INVALID_PARAMETER
    assert admin.call(14, hKey=hkcu, watch_subtree=True, notify_filter=0x40)["ReturnValue"] == \
        ERROR_INVALID_PARAMETER
    assert admin.call(14, hKey=hkcu, watch_subtree=False, notify_filter=0x1)["ReturnValue"] == \
        120  # ERROR_CALL_NOT_IMPLEMENTED
    narrow = admin.call(1, samDesired=rrp.KEY_QUERY_VALUE)["phKey"]
    assert admin.call(14, hKey=narrow, watch_subtree=True, notify_filter=0x1)["ReturnValue"] == \
        ERROR_ACCESS_DENIED
