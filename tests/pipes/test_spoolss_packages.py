"""The in-box driver package (pipes/spoolss/packages.py): RpcGetCorePrinterDrivers (102) and
RpcGetPrinterDriverPackagePath (104), each request encoded by impacket's NDR (a client nobody
here wrote) and each answer read by its NDR layout; the statuses are those smbtorture's
get_core_printer_drivers / get_printer_driver_package_path expect of Windows."""

from __future__ import annotations

import struct
import uuid
from typing import Any

import pytest
from impacket.dcerpc.v5.dtypes import DWORD, LPWSTR, NULL, WSTR  # type: ignore[import-untyped]
from impacket.dcerpc.v5.ndr import NDRPOINTER, NDRUniConformantArray  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

from helpers import impacket_raw_call

XPSDRV = "{D20EA372-DD35-4950-9ED8-A6335AFE79F5}"
E_INVALIDARG = 0x80070057
HRESULT_NOT_FOUND = 0x80070490  # HRESULT_FROM_WIN32(ERROR_NOT_FOUND 1168)
HRESULT_INVALID_ENVIRONMENT = 0x8007070D
HRESULT_INSUFFICIENT_BUFFER = 0x8007007A
CORE_PRINTER_DRIVER_SIZE = 16 + 8 + 8 + 520  # MS-RPRN 2.2.2.13


class WCHARS(NDRUniConformantArray):  # type: ignore[misc]
    item = "<H"


class PWCHARS(NDRPOINTER):  # type: ignore[misc]
    referent = (("Data", WCHARS),)


def _multisz(*items: str) -> list[int]:
    return [ord(c) for c in "".join(f"{i}\x00" for i in items) + "\x00"]


def _core(dce: Any, environment: str, ids: list[int], count: int) -> tuple[int, list[bytes]]:
    answer = impacket_raw_call(dce, 102, [("pszServer", LPWSTR, "\\\\127.0.0.1\x00"),
                              ("pszEnvironment", WSTR, environment + "\x00"),
                              ("cchCoreDrivers", DWORD, len(ids)),
                              ("pszzCoreDriverDependencies", WCHARS, ids),
                              ("cCorePrinterDrivers", DWORD, count)])
    max_count, = struct.unpack_from("<I", answer)
    assert max_count == count, "the [out, size_is] array has cCorePrinterDrivers entries"
    start = 8  # the max_count, then the 8-aligned structures (their DWORDLONG)
    entries = [answer[start + i * CORE_PRINTER_DRIVER_SIZE:start + (i + 1) * CORE_PRINTER_DRIVER_SIZE]
               for i in range(count)]
    return struct.unpack("<I", answer[-4:])[0], entries


def _dce(pipes_h: Any, profile: str = "win2016-dc") -> Any:
    return pipes_h.impacket_dce(pipes_h.fresh_config(profile), "spoolss", "user")


@pytest.mark.parametrize("environment,arch", [("Windows x64", "amd64"), ("Windows NT x86", "x86")])
def test_the_core_xps_driver_is_found(pipes_h: Any, environment: str, arch: str) -> None:
    status, (entry,) = _core(_dce(pipes_h), environment, _multisz(XPSDRV), 1)
    assert status == 0
    assert uuid.UUID(bytes_le=entry[:16]) == uuid.UUID(XPSDRV)
    date, version = struct.unpack_from("<QQ", entry, 16)
    assert date == 127953216000000000  # 06/21/2006, ntprint.inf's DriverVer
    assert version >> 16 == (10 << 32) | 14393  # 10.0.14393.0
    package = entry[32:].decode("utf-16-le").split("\x00", 1)[0]
    assert package.startswith(f"C:\\Windows\\System32\\DriverStore\\FileRepository\\ntprint.inf_{arch}_")
    assert package.endswith("\\ntprint.inf")


def test_bad_core_driver_requests(pipes_h: Any) -> None:
    """The count and the multisz are checked before the environment (E_INVALIDARG for a
    "foobar" environment with no IDs, as smbtorture expects of Windows); an ID of no core driver
    is HRESULT(ERROR_NOT_FOUND); every answer carries its cCorePrinterDrivers entries."""
    dce = _dce(pipes_h)
    assert _core(dce, "foobar", [0], 0)[0] == E_INVALIDARG
    assert _core(dce, "Windows x64", _multisz(XPSDRV), 2)[0] == E_INVALIDARG
    assert _core(dce, "foobar", _multisz(XPSDRV), 1)[0] == HRESULT_INVALID_ENVIRONMENT
    status, entries = _core(dce, "Windows x64", _multisz(str(uuid.uuid4())), 1)
    assert status == HRESULT_NOT_FOUND and entries == [bytes(CORE_PRINTER_DRIVER_SIZE)]


def _package_path(dce: Any, server: str | None, package: str, size: int) -> tuple[int, int, str]:
    buffer = NULL if size == 0 else [0] * size

    answer = impacket_raw_call(dce, 104, [("pszServer", LPWSTR, NULL if server is None else server + "\x00"),
                              ("pszEnvironment", WSTR, "Windows x64\x00"),
                              ("pszLanguage", LPWSTR, NULL),
                              ("pszPackageID", WSTR, package + "\x00"),
                              ("pszDriverPackageCab", PWCHARS, buffer),
                              ("cchDriverPackageCab", DWORD, size)])
    status, = struct.unpack("<I", answer[-4:])
    required, = struct.unpack("<I", answer[-8:-4])
    # the unique pointer's referent id and the array's max_count, then the characters
    text = answer[8:-8].decode("utf-16-le").split("\x00", 1)[0] if size else ""
    return status, required, text


def test_the_package_path_is_asked_for_its_size_then_read(pipes_h: Any) -> None:
    """A size query (no buffer, 0) is S_OK with the size; a buffer of that size gets the CAB's
    UNC path through print$, named with the server name given; a NULL server name is the
    machine's DNS name, longer: the same buffer is then too small (HRESULT
    ERROR_INSUFFICIENT_BUFFER), as smbtorture expects of Windows."""
    dce = _dce(pipes_h)
    _, (entry,) = _core(dce, "Windows x64", _multisz(XPSDRV), 1)
    package = entry[32:].decode("utf-16-le").split("\x00", 1)[0]
    status, required, _ = _package_path(dce, "\\\\127.0.0.1", package, 0)
    assert status == 0 and required > 0
    status, _, text = _package_path(dce, "\\\\127.0.0.1", package, required)
    assert status == 0 and len(text) + 1 == required
    assert text.startswith("\\\\127.0.0.1\\print$\\x64\\PCC\\ntprint.inf_amd64_") and text.endswith(".cab")
    assert _package_path(dce, None, package, required)[0] == HRESULT_INSUFFICIENT_BUFFER


def test_the_core_drivers_are_not_in_a_2003_spooler(pipes_h: Any) -> None:
    with pytest.raises(DCERPCException) as info:
        _core(_dce(pipes_h, "win2003"), "Windows NT x86", _multisz(XPSDRV), 1)
    assert "nca_s_op_rng_error" in str(info.value)
