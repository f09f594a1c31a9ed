"""winreg changes an administrator makes (MS-RRP 3.1.5.7-9, 3.1.5.14, 3.1.5.18-23, 3.1.5.30-31)
through the real RPC endpoint driven by impacket's rrp client; a user is refused."""

from __future__ import annotations

from typing import Any

import pytest
from impacket.dcerpc.v5 import rrp  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

ERROR_FILE_NOT_FOUND = 2
ERROR_ACCESS_DENIED = 5
ERROR_INVALID_PARAMETER = 87
ERROR_ALREADY_EXISTS = 183
LSA = "SYSTEM\\CurrentControlSet\\Control\\Lsa"


def _code(exc: BaseException) -> int:
    return int(exc.get_error_code())  # type: ignore[attr-defined]


def _fails(expected: int, call: Any) -> None:
    with pytest.raises(DCERPCException) as info:
        call()
    assert _code(info.value) == expected


def _admin(pipes_h: Any, config: Any, session_id: int = 0x1001) -> tuple[Any, bytes]:
    dce = pipes_h.impacket_dce(config, "winreg", "administrator", session_id=session_id)
    return dce, rrp.hOpenLocalMachine(dce)["phKey"]


def test_a_created_key_and_value_are_seen_by_later_connections(pipes_h: Any) -> None:
    config = pipes_h.fresh_config("win2016")
    dce, hklm = _admin(pipes_h, config)
    answer = rrp.hBaseRegCreateKey(dce, hklm, "SOFTWARE\\Lab\\Deep\x00")
    assert answer["lpdwDisposition"] == 1  # REG_CREATED_NEW_KEY
    key = answer["phkResult"]
    rrp.hBaseRegSetValue(dce, key, "Flag\x00", rrp.REG_DWORD, 7)
    assert rrp.hBaseRegQueryValue(dce, key, "Flag\x00") == (rrp.REG_DWORD, 7)
    assert rrp.hBaseRegCreateKey(dce, hklm, "software\\lab\\deep\x00")["lpdwDisposition"] == 2
    other, hklm2 = _admin(pipes_h, config, 0x2002)
    lab = rrp.hBaseRegOpenKey(other, hklm2, "SOFTWARE\\Lab")["phkResult"]
    assert rrp.hBaseRegEnumKey(other, lab, 0)["lpNameOut"] == "Deep\x00"
    assert rrp.hBaseRegQueryInfoKey(other, lab)["lpcSubKeys"] == 1
    deep = rrp.hBaseRegOpenKey(other, lab, "Deep")["phkResult"]
    assert rrp.hBaseRegEnumValue(other, deep, 0)["lpValueNameOut"] == "Flag\x00"
    # a key with subkeys is not deleted; a missing one is not found
    _fails(ERROR_ACCESS_DENIED, lambda: rrp.hBaseRegDeleteKey(other, hklm2, "SOFTWARE\\Lab\x00"))
    rrp.hBaseRegDeleteValue(other, deep, "Flag\x00")
    _fails(ERROR_FILE_NOT_FOUND, lambda: rrp.hBaseRegDeleteValue(other, deep, "Flag\x00"))
    rrp.hBaseRegDeleteKey(other, hklm2, "SOFTWARE\\Lab\\Deep\x00")
    rrp.hBaseRegDeleteKey(other, hklm2, "SOFTWARE\\Lab\x00")
    third, hklm3 = _admin(pipes_h, config, 0x3003)
    _fails(ERROR_FILE_NOT_FOUND, lambda: rrp.hBaseRegOpenKey(third, hklm3, "SOFTWARE\\Lab"))
    # A fresh server starts from the profile again.
    fresh, hklm4 = _admin(pipes_h, pipes_h.fresh_config("win2016"))
    _fails(ERROR_FILE_NOT_FOUND, lambda: rrp.hBaseRegOpenKey(fresh, hklm4, "SOFTWARE\\Lab"))


def test_no_key_directly_below_hklm(pipes_h: Any) -> None:
    dce, hklm = _admin(pipes_h, pipes_h.fresh_config("win2016"))
    _fails(ERROR_ACCESS_DENIED, lambda: rrp.hBaseRegCreateKey(dce, hklm, "NEWHIVE\x00"))
    _fails(ERROR_ACCESS_DENIED, lambda: rrp.hBaseRegDeleteKey(dce, hklm, "SAM\x00"))


def test_a_profile_value_written_changes_the_registry_view(pipes_h: Any) -> None:
    config = pipes_h.fresh_config("win2016")
    dce, hklm = _admin(pipes_h, config)
    lsa = rrp.hBaseRegOpenKey(dce, hklm, LSA)["phkResult"]
    rrp.hBaseRegSetValue(dce, lsa, "RestrictAnonymous\x00", rrp.REG_DWORD, 2)
    other, hklm2 = _admin(pipes_h, config, 0x2002)
    lsa2 = rrp.hBaseRegOpenKey(other, hklm2, LSA)["phkResult"]
    assert rrp.hBaseRegQueryValue(other, lsa2, "RestrictAnonymous\x00") == (rrp.REG_DWORD, 2)
    # the registry view only: the profile the enforcement point reads is unchanged
    assert config.profile.anonymous.restrict_anonymous == 0


def test_save_restore_load_unload_replace(pipes_h: Any) -> None:
    config = pipes_h.fresh_config("win2016")
    dce, hklm = _admin(pipes_h, config)
    lsa = rrp.hBaseRegOpenKey(dce, hklm, LSA)["phkResult"]
    rrp.hBaseRegSaveKey(dce, lsa, "lsa.hiv\x00")
    _fails(ERROR_ALREADY_EXISTS, lambda: rrp.hBaseRegSaveKey(dce, lsa, "lsa.hiv\x00"))
    # the same file by its full path
    _fails(ERROR_ALREADY_EXISTS,
           lambda: rrp.hBaseRegSaveKeyEx(dce, lsa, "C:\\Windows\\System32\\LSA.HIV\x00"))
    _fails(ERROR_FILE_NOT_FOUND, lambda: rrp.hBaseRegRestoreKey(dce, lsa, "nothing.hiv\x00"))
    rrp.hBaseRegLoadKey(dce, hklm, "MOUNTED\x00", "lsa.hiv\x00")
    other, hklm2 = _admin(pipes_h, config, 0x2002)
    mounted = rrp.hBaseRegOpenKey(other, hklm2, "MOUNTED")["phkResult"]
    assert rrp.hBaseRegQueryValue(other, mounted, "RestrictAnonymous\x00") == (rrp.REG_DWORD, 0)
    _fails(ERROR_INVALID_PARAMETER, lambda: rrp.hBaseRegUnLoadKey(dce, hklm, "SOFTWARE\x00"))
    rrp.hBaseRegUnLoadKey(dce, hklm, "MOUNTED\x00")
    _fails(ERROR_FILE_NOT_FOUND, lambda: rrp.hBaseRegOpenKey(other, hklm2, "MOUNTED"))
    # restore: a key created below Lsa goes when the saved Lsa is restored
    rrp.hBaseRegCreateKey(dce, lsa, "Extra\x00")
    rrp.hBaseRegRestoreKey(dce, lsa, "lsa.hiv\x00")
    _fails(ERROR_FILE_NOT_FOUND, lambda: rrp.hBaseRegOpenKey(dce, lsa, "Extra"))
    _fails(ERROR_FILE_NOT_FOUND,
           lambda: rrp.hBaseRegReplaceKey(dce, hklm, "SOFTWARE\x00", "none\x00", "old\x00"))
    rrp.hBaseRegReplaceKey(dce, hklm, "SECURITY\x00", "lsa.hiv\x00", "security.old\x00")
    _fails(ERROR_ALREADY_EXISTS, lambda: rrp.hBaseRegSaveKey(dce, lsa, "security.old\x00"))


def test_a_user_changes_nothing(pipes_h: Any) -> None:
    config = pipes_h.fresh_config("win2016")
    dce = pipes_h.impacket_dce(config, "winreg", "user")
    hklm = rrp.hOpenLocalMachine(dce, samDesired=rrp.KEY_READ)["phKey"]
    path = "Software\\Microsoft\\Windows NT\\CurrentVersion"
    key = rrp.hBaseRegOpenKey(dce, hklm, path, samDesired=rrp.KEY_READ)["phkResult"]
    for call in (lambda: rrp.hBaseRegCreateKey(dce, key, "x\x00"),
                 lambda: rrp.hBaseRegSetValue(dce, key, "x\x00", rrp.REG_DWORD, 1),
                 lambda: rrp.hBaseRegDeleteValue(dce, key, "ProductName\x00"),
                 lambda: rrp.hBaseRegDeleteKey(dce, key, "Windows\x00"),
                 lambda: rrp.hBaseRegSaveKey(dce, key, "stolen.hiv\x00"),
                 lambda: rrp.hBaseRegRestoreKey(dce, key, "stolen.hiv\x00")):
        _fails(ERROR_ACCESS_DENIED, call)
    admin, admin_hklm = _admin(pipes_h, config, 0x2002)
    current = rrp.hBaseRegOpenKey(admin, admin_hklm, path)["phkResult"]
    assert rrp.hBaseRegQueryValue(admin, current, "ProductName\x00")[1].startswith("Windows")
    _fails(ERROR_FILE_NOT_FOUND, lambda: rrp.hBaseRegOpenKey(admin, current, "x"))


NCA_S_FAULT_UNSPEC = 0x1C000012  # nca_s_fault_unspec: the endpoint's answer when a handler raises (a bug)


@pytest.mark.parametrize("seed", range(40))
def test_garbled_changes_get_a_protocol_answer(pipe_client: Any, seed: int) -> None:
    """Every change call with its [in] parameters garbled after a valid handle: a normal
    response or an NDR fault, never an internal error."""
    import random
    rng = random.Random(seed)
    client = pipe_client("winreg", "administrator", "win2016")
    hklm = client.call(2, samDesired=0x02000000)["phKey"]
    for opnum in (6, 7, 8, 13, 18, 19, 20, 21, 22, 23, 31, 35):
        fault = client.garbled(opnum, hklm, rng)
        if fault is not None:
            assert fault != NCA_S_FAULT_UNSPEC, (opnum, seed)
