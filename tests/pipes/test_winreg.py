"""winreg (MS-RRP) through the real RPC endpoint, driven by impacket's rrp client."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import pytest
from impacket.dcerpc.v5 import rrp  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

ERROR_FILE_NOT_FOUND = 2
ERROR_ACCESS_DENIED = 5
ERROR_NO_MORE_ITEMS = 259
NCA_S_OP_RNG_ERROR = 0x1C010002
LSA = "SYSTEM\\CurrentControlSet\\Control\\Lsa"
LANMAN = "SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters"
CURRENT_VERSION = "Software\\Microsoft\\Windows NT\\CurrentVersion"


def _code(exc: BaseException) -> int:
    return int(exc.get_error_code())  # type: ignore[attr-defined]


def _value(dce: Any, hklm: bytes, path: str, name: str) -> tuple[int, Any]:
    key = rrp.hBaseRegOpenKey(dce, hklm, path)["phkResult"]
    kind, data = rrp.hBaseRegQueryValue(dce, key, name)
    rrp.hBaseRegCloseKey(dce, key)
    return kind, data


def _admin(pipes_h: Any, profile: str, *overrides: str) -> tuple[Any, bytes]:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config(profile, *overrides), "winreg",
                               "administrator")
    return dce, rrp.hOpenLocalMachine(dce)["phKey"]


def test_every_ms_rrp_opnum_is_declared(pipe_client: Callable[..., Any]) -> None:
    iface = pipe_client("winreg", "administrator", "win2016").interface
    assert str(iface.uuid) == "338cd001-2244-31f1-aaaa-900038001003" and iface.version == (1, 0)
    assert sorted(iface.operations) == list(range(36))
    for opnum, (req, _) in rrp.OPNUMS.items():
        assert iface.operations[opnum].name == req.__name__, opnum


@pytest.mark.parametrize("opnum", [28, 36])
def test_unused_and_unemulated_opnums_fault(pipe_client: Callable[..., Any], opnum: int) -> None:
    assert pipe_client("winreg", "administrator", "win2016").fault(opnum) == NCA_S_OP_RNG_ERROR


@pytest.mark.parametrize("profile,expected", [("win2000", 0), ("win2003", 0), ("win2016", 0)])
def test_lsa_values_follow_the_profile(pipes_h: Any, profile: str, expected: int) -> None:
    dce, hklm = _admin(pipes_h, profile)
    assert _value(dce, hklm, LSA, "RestrictAnonymous") == (rrp.REG_DWORD, expected)
    assert _value(dce, hklm, LSA, "LmCompatibilityLevel")[0] == rrp.REG_DWORD


def test_set_is_reflected(pipes_h: Any) -> None:
    dce, hklm = _admin(pipes_h, "win2016", "anonymous.RestrictAnonymous=1")
    assert _value(dce, hklm, LSA, "RestrictAnonymous") == (rrp.REG_DWORD, 1)


def test_null_session_pipes_is_multi_sz(pipes_h: Any) -> None:
    dce, hklm = _admin(pipes_h, "win2003")
    kind, data = _value(dce, hklm, LANMAN, "NullSessionPipes")
    assert kind == rrp.REG_MULTI_SZ
    names = [n.lower() for n in data.split("\x00") if n]
    assert "lsarpc" in names and "winreg" not in names


def test_current_version(pipes_h: Any) -> None:
    dce, hklm = _admin(pipes_h, "win2016")
    assert _value(dce, hklm, CURRENT_VERSION, "ProductName")[1].rstrip("\x00") == \
        "Windows Server 2016 Standard"
    assert _value(dce, hklm, CURRENT_VERSION, "CurrentBuildNumber")[1].rstrip("\x00") == "14393"
    # Windows 8.1 and later keep "6.3" here
    assert _value(dce, hklm, CURRENT_VERSION, "CurrentVersion")[1].rstrip("\x00") == "6.3"


def test_missing_key_and_value(pipes_h: Any) -> None:
    dce, hklm = _admin(pipes_h, "win2016")
    with pytest.raises(DCERPCException) as info:
        rrp.hBaseRegOpenKey(dce, hklm, "SOFTWARE\\NoSuchVendor")
    assert _code(info.value) == ERROR_FILE_NOT_FOUND
    key = rrp.hBaseRegOpenKey(dce, hklm, LSA)["phkResult"]
    with pytest.raises(DCERPCException) as info:
        rrp.hBaseRegQueryValue(dce, key, "NoSuchValue")
    assert _code(info.value) == ERROR_FILE_NOT_FOUND


def test_enum_key_and_query_info(pipes_h: Any) -> None:
    dce, hklm = _admin(pipes_h, "win2016")
    names = []
    index = 0
    while True:
        try:
            names.append(rrp.hBaseRegEnumKey(dce, hklm, index)["lpNameOut"].rstrip("\x00"))
        except DCERPCException as exc:
            assert _code(exc) == ERROR_NO_MORE_ITEMS
            break
        index += 1
    assert names == ["HARDWARE", "SAM", "SECURITY", "SOFTWARE", "SYSTEM"]
    key = rrp.hBaseRegOpenKey(dce, hklm, LSA)["phkResult"]
    info = rrp.hBaseRegQueryInfoKey(dce, key)
    # JD, Skew1, GBG and Data: the boot key's four parts (hive.BOOT_KEY_PARTS)
    assert info["lpcSubKeys"] == 4 and info["lpcValues"] >= 6 and info["lpcbMaxClassLen"] == 8


def test_enum_value(pipes_h: Any) -> None:
    dce, hklm = _admin(pipes_h, "win2003")
    key = rrp.hBaseRegOpenKey(dce, hklm, LSA)["phkResult"]
    first = rrp.hBaseRegEnumValue(dce, key, 0)
    assert first["lpValueNameOut"] == "RestrictAnonymous\x00" and first["lpType"] == rrp.REG_DWORD
    assert struct.unpack("<I", b"".join(first["lpData"]))[0] == 0


def test_get_version_and_key_security(pipes_h: Any) -> None:
    dce, hklm = _admin(pipes_h, "win2003")
    assert rrp.hBaseRegGetVersion(dce, hklm)["lpdwVersion"] == 5
    dce, hklm = _admin(pipes_h, "win2016")
    assert rrp.hBaseRegGetVersion(dce, hklm)["lpdwVersion"] == 6
    sd = b"".join(rrp.hBaseRegGetKeySecurity(dce, hklm, 0x7)["pRpcSecurityDescriptorOut"]
                  ["lpSecurityDescriptor"])
    assert sd[0] == 1 and struct.unpack_from("<H", sd, 2)[0] & 0x8004 == 0x8004


def test_close_then_reuse_is_a_context_fault(pipes_h: Any) -> None:
    dce, hklm = _admin(pipes_h, "win2016")
    rrp.hBaseRegCloseKey(dce, hklm)
    with pytest.raises(DCERPCException) as info:
        rrp.hBaseRegEnumKey(dce, hklm, 0)
    assert "nca_s_fault_context_mismatch" in str(info.value)


@pytest.mark.parametrize("kind", ["user"])  # an administrator's: tests/pipes/test_winreg_writes.py
def test_writes_are_refused(pipes_h: Any, kind: str) -> None:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2016"), "winreg", kind)
    hklm = rrp.hOpenLocalMachine(dce, samDesired=rrp.KEY_READ)["phKey"]
    for call in (lambda: rrp.hBaseRegCreateKey(dce, hklm, "SOFTWARE\\x"),
                 lambda: rrp.hBaseRegSetValue(dce, hklm, "x", rrp.REG_DWORD, 1),
                 lambda: rrp.hBaseRegDeleteKey(dce, hklm, "SOFTWARE"),
                 lambda: rrp.hBaseRegSaveKey(dce, hklm, "C:\\x.hiv")):
        with pytest.raises(DCERPCException) as info:
            call()
        assert _code(info.value) == ERROR_ACCESS_DENIED


def test_user_reads_only_the_allowed_paths(pipes_h: Any) -> None:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2016"), "winreg", "user")
    hklm = rrp.hOpenLocalMachine(dce, samDesired=rrp.KEY_READ)["phKey"]
    with pytest.raises(DCERPCException) as info:
        rrp.hBaseRegOpenKey(dce, hklm, LSA, samDesired=rrp.KEY_READ)
    assert _code(info.value) == ERROR_ACCESS_DENIED
    with pytest.raises(DCERPCException) as info:
        rrp.hBaseRegEnumKey(dce, hklm, 0)
    assert _code(info.value) == ERROR_ACCESS_DENIED
    key = rrp.hBaseRegOpenKey(dce, hklm, CURRENT_VERSION, samDesired=rrp.KEY_READ)["phkResult"]
    assert rrp.hBaseRegQueryValue(dce, key, "CurrentBuildNumber")[1].rstrip("\x00") == "14393"
    # an AllowedPaths entry opens with its subpaths; asking to write is refused
    with pytest.raises(DCERPCException) as info:
        rrp.hBaseRegOpenKey(dce, hklm, CURRENT_VERSION, samDesired=rrp.KEY_SET_VALUE)
    assert _code(info.value) == ERROR_ACCESS_DENIED


def test_services_keys_come_from_the_catalog(pipes_h: Any) -> None:
    dce, hklm = _admin(pipes_h, "win2016")
    path = "SYSTEM\\CurrentControlSet\\Services\\RemoteRegistry"
    assert _value(dce, hklm, path, "Start") == (rrp.REG_DWORD, 2)
    dce, hklm = _admin(pipes_h, "win7")
    assert _value(dce, hklm, path, "Start") == (rrp.REG_DWORD, 3)


def test_enum_key_past_the_end_echoes_the_in_out_time(pipe_client: Callable[..., Any]) -> None:
    # nmap's smb-enum-sessions reads the [in, out] time before the status
    client = pipe_client("winreg", "administrator", "win2016")
    hku = client.call(4, samDesired=0x02000000)["phKey"]
    sent = {"dwLowDateTime": 0, "dwHighDateTime": 0}
    reply = client.call(9, hKey=hku, dwIndex=99, lpNameIn="", lpClassIn=None,
                        lpftLastWriteTime=sent)
    assert reply["ReturnValue"] == ERROR_NO_MORE_ITEMS and reply["lpftLastWriteTime"] == sent
    names = [client.call(9, hKey=hku, dwIndex=i, lpNameIn="", lpClassIn=None,
                         lpftLastWriteTime=None)["lpNameOut"] for i in range(4)]
    assert names == [".DEFAULT\x00", "S-1-5-18\x00", "S-1-5-19\x00", "S-1-5-20\x00"]


def test_winreg_pipe_exists_only_where_remote_registry_runs(server_config: Any) -> None:
    iface = server_config("win2016").pipes.interface("winreg")
    assert iface.available(server_config("win2016")) and iface.available(server_config("winxp"))
    assert not iface.available(server_config("win7"))


def test_query_value_with_a_null_name_is_an_invalid_parameter(pipes_h: Any) -> None:
    """MS-RRP 2.2.3: value names carry their NUL, the default value's too ("\\x00"); a NULL name
    is ERROR_INVALID_PARAMETER on Windows (smbtorture rpc.winreg expects it), the default value
    is read as usual."""
    from impacket.dcerpc.v5 import rrp  # type: ignore[import-untyped]
    from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]

    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2016"), "winreg", "administrator")
    hklm = rrp.hOpenLocalMachine(dce)["phKey"]
    key = rrp.hBaseRegOpenKey(dce, hklm, "SYSTEM\\CurrentControlSet\\Control\\Lsa")["phkResult"]
    request = rrp.BaseRegQueryValue()
    request["hKey"], request["lpValueName"] = key, NULL
    request["lpType"], request["lpcbData"], request["lpcbLen"] = NULL, 100, NULL
    request["lpData"] = b" " * 100
    answer = dce.request(request, checkError=False)
    assert answer["ErrorCode"] == 87
    value = rrp.hBaseRegQueryValue(dce, key, "RestrictAnonymous")
    assert value[0] == rrp.REG_DWORD
