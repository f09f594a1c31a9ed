"""smbemu.status: every NTSTATUS, WERROR and fault code once, and the one renderer."""

from __future__ import annotations

import enum

import pytest

from smbemu import status
from smbemu.status import FaultStatus, NtStatus, StatusFamily, Win32Error, status_hex, status_name

_PREFIX = {NtStatus: "STATUS_", Win32Error: "", FaultStatus: ""}


@pytest.mark.parametrize("family", [NtStatus, Win32Error, FaultStatus])
def test_each_value_once_per_family(family: type[enum.IntEnum]) -> None:
    # an enum member with a repeated value would silently become an alias of the first one
    assert len(family.__members__) == len(list(family))


def test_flat_names_are_plain_ints_aliasing_the_enums_both_ways() -> None:
    flat = {name: value for name, value in vars(status).items()
            if name.isupper() and not name.startswith("_") and isinstance(value, int)}
    expected = {_PREFIX[family] + m.name: int(m) for family in _PREFIX for m in family}
    expected["NERR_SUCCESS"] = 0  # lmerr.h: NERR_Success, the same 0 as ERROR_SUCCESS
    assert flat == expected
    assert all(type(value) is int for value in flat.values())  # noqa: E721 (not an IntEnum)


@pytest.mark.parametrize(("code", "family", "name"), [
    (0xC0000022, None, "STATUS_ACCESS_DENIED"),
    (5, None, "ERROR_ACCESS_DENIED"),          # Win32 wins over the fault of the same value
    (5, StatusFamily.FAULT, "FAULT_ACCESS_DENIED"),
    (5, StatusFamily.NTSTATUS, "0x00000005"),  # not an NTSTATUS (the fault-rule history's view)
    (0, None, "STATUS_SUCCESS"),
    (0, StatusFamily.WERROR, "ERROR_SUCCESS"),
    (234, None, "ERROR_MORE_DATA"),
    (2123, None, "NERR_BUF_TOO_SMALL"),
    (0x105, None, "STATUS_MORE_ENTRIES"),
    (0x1C010002, None, "NCA_S_OP_RNG_ERROR"),
    (0x6F7, StatusFamily.FAULT, "NCA_S_FAULT_NDR"),
    (0xC05D0000, None, "STATUS_SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP"),
    (0xC0000001, None, "STATUS_UNSUCCESSFUL"),  # MS-DFSC 3.3.5.2: a DC referral below version 3
    (0xC0000099, None, "0xC0000099"),          # never sent, so not named
    (0x12345678, StatusFamily.WERROR, "0x12345678"),
])
def test_status_name(code: int, family: StatusFamily | None, name: str) -> None:
    assert status_name(code, family) == name


def test_families_overlap_only_where_documented() -> None:
    nt = {int(m) for m in NtStatus}
    win32 = {int(m) for m in Win32Error}
    fault = {int(m) for m in FaultStatus}
    # 0x103: STATUS_PENDING and ERROR_NO_MORE_ITEMS (MS-RRP enumerations) share the number
    assert nt & win32 == {0, 0x103}
    assert not nt & fault
    assert win32 & fault == {5}


def test_status_hex() -> None:
    assert status_hex(0xC000006D) == "0xC000006D"
    assert status_hex(0) == "0x00000000"
