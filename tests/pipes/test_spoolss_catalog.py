"""spoolss (MS-RPRN) reads a Windows print server answers with data: the built-in forms, the
local ports, the port monitors, winprint and its data types, the driver and print processor
directories, the driver levels, the bad printer names and the print-server handle's GetPrinter
-- each request encoded by impacket's NDR (a client nobody here wrote) and each buffer parsed
by its offsets (MS-RPRN 2.2.2 custom marshaling).  Values and statuses are those smbtorture's
rpc.spoolss expects of Windows (tests/interop/test_spoolss_smbtorture.py runs that suite)."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from impacket.dcerpc.v5 import rprn  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import DWORD, LPWSTR, NULL, WSTR  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

from helpers import impacket_raw_call

ERROR_INVALID_PARAMETER = 87
ERROR_INSUFFICIENT_BUFFER = 122
ERROR_INVALID_LEVEL = 124
ERROR_UNKNOWN_PRINTPROCESSOR = 1798
ERROR_INVALID_PRINTER_NAME = 1801
ERROR_INVALID_ENVIRONMENT = 1805
ERROR_INVALID_FORM_NAME = 1902


def _dce(pipes_h: Any, profile: str = "win2016-dc", kind: str = "user") -> Any:
    return pipes_h.impacket_dce(pipes_h.fresh_config(profile), "spoolss", kind)


def _buffer_call(dce: Any, opnum: int, head: list[tuple[str, Any, Any]], counted: bool
                 ) -> tuple[int, bytes, int]:
    """The buffer dance (MS-RPRN 3.1.4.1.9 "buffer sizing"): NULL first, then pcbNeeded bytes.
    Returns (status, buffer, count)."""
    tail = 12 if counted else 8
    answer = impacket_raw_call(dce, opnum, head + [("buffer", rprn.PBYTE_ARRAY, NULL), ("cbBuf", DWORD, 0)])
    status, = struct.unpack("<I", answer[-4:])
    if status != ERROR_INSUFFICIENT_BUFFER:
        return status, b"", 0
    needed, = struct.unpack("<I", answer[-tail:-tail + 4])
    answer = impacket_raw_call(dce, opnum, head + [("buffer", rprn.PBYTE_ARRAY, b"\x00" * needed),
                                       ("cbBuf", DWORD, needed)])
    status, = struct.unpack("<I", answer[-4:])
    count = struct.unpack("<I", answer[-8:-4])[0] if counted else 1
    return status, answer[8:8 + needed], count


def _string(blob: bytes, base: int, offset: int) -> str | None:
    if offset == 0:
        return None
    start = base + offset
    end = blob.index(b"\x00\x00", start)
    while (end - start) % 2:
        end = blob.index(b"\x00\x00", end + 1)
    return blob[start:end].decode("utf-16-le")


def _strings(blob: bytes, count: int, size: int, field: int = 0) -> list[str | None]:
    """The string at pointer ``field`` of each of ``count`` records of ``size`` bytes."""
    return [_string(blob, i * size, struct.unpack_from("<I", blob, i * size + 4 * field)[0])
            for i in range(count)]


def _server(name: str = "") -> list[tuple[str, Any, Any]]:
    return [("pName", LPWSTR, name + "\x00" if name else NULL)]


def _open(dce: Any, name: str | None) -> bytes:
    request = rprn.RpcOpenPrinter()
    request["pPrinterName"] = NULL if name is None else name + "\x00"
    request["pDatatype"], request["pDevModeContainer"]["pDevMode"] = NULL, NULL
    request["AccessRequired"] = 0x02000000  # MAXIMUM_ALLOWED
    return bytes(dce.request(request)["pHandle"])


# -------------------------------------------------------------------------------------------
# Ports, monitors, print processors
# -------------------------------------------------------------------------------------------


def test_enum_ports_lists_the_local_ports_at_levels_1_and_2(pipes_h: Any) -> None:
    dce = _dce(pipes_h)
    status, blob, count = _buffer_call(dce, 35, _server() + [("Level", DWORD, 1)], True)
    assert status == 0 and count == 8
    assert _strings(blob, count, 4) == ["COM1:", "COM2:", "COM3:", "COM4:", "FILE:", "LPT1:",
                                        "LPT2:", "LPT3:"]
    status, blob, count = _buffer_call(dce, 35, _server("\\\\127.0.0.1") + [("Level", DWORD, 2)],
                                       True)
    assert status == 0 and count == 8
    # PORT_INFO_2: pPortName, pMonitorName, pDescription, fPortType, Reserved
    assert _strings(blob, count, 20, 1) == ["Local Port"] * 8
    assert _strings(blob, count, 20)[5] == "LPT1:"
    status, _, _ = _buffer_call(dce, 35, _server() + [("Level", DWORD, 3)], True)
    assert status == ERROR_INVALID_LEVEL


@pytest.mark.parametrize("profile,environment,names", [
    ("win2016-dc", "Windows x64",
     ["Local Port", "Standard TCP/IP Port", "USB Monitor", "WSD Port", "Appmon"]),
    ("win2003", "Windows NT x86", ["Local Port", "Standard TCP/IP Port", "USB Monitor"])])
def test_enum_monitors_per_release(pipes_h: Any, profile: str, environment: str,
                                   names: list[str]) -> None:
    dce = _dce(pipes_h, profile)
    status, blob, count = _buffer_call(dce, 36, _server() + [("Level", DWORD, 2)], True)
    assert status == 0
    assert _strings(blob, count, 12) == names
    assert set(_strings(blob, count, 12, 1)) == {environment}
    assert _strings(blob, count, 12, 2)[0] == "localspl.dll"


def test_enum_print_processors_checks_the_environment_then_the_level(pipes_h: Any) -> None:
    dce = _dce(pipes_h)

    def enum(environment: Any, level: int) -> tuple[int, bytes, int]:
        env = environment + "\x00" if environment else NULL
        return _buffer_call(dce, 15, _server() + [("pEnvironment", LPWSTR, env),
                                                  ("Level", DWORD, level)], True)

    assert enum("phantasy", 1)[0] == ERROR_INVALID_ENVIRONMENT
    assert enum("phantasy", 2)[0] == ERROR_INVALID_ENVIRONMENT
    for level in (0, 2, 3, 32, 256):
        assert enum("Windows x64", level)[0] == ERROR_INVALID_LEVEL, level
    for environment in ("Windows x64", None, "Windows NT x86"):
        status, blob, count = enum(environment, 1)
        assert (status, _strings(blob, count, 4)) == (0, ["winprint"]), environment


def test_enum_print_processor_datatypes(pipes_h: Any) -> None:
    dce = _dce(pipes_h)

    def enum(processor: Any, level: int) -> tuple[int, bytes, int]:
        name = processor + "\x00" if processor else NULL
        return _buffer_call(dce, 51, _server() + [("pPrintProcessorName", LPWSTR, name),
                                                  ("Level", DWORD, level)], True)

    assert enum(None, 1)[0] == ERROR_UNKNOWN_PRINTPROCESSOR
    assert enum("nonexisting", 1)[0] == ERROR_UNKNOWN_PRINTPROCESSOR
    assert enum("winprint", 2)[0] == ERROR_INVALID_LEVEL
    status, blob, count = enum("winprint", 1)
    assert status == 0
    names = _strings(blob, count, 4)
    assert names[:3] == ["RAW", "RAW [FF appended]", "RAW [FF auto]"]
    assert "NT EMF 1.008" in names and "TEXT" in names


@pytest.mark.parametrize("opnum,folder", [(12, "DRIVERS"), (16, "prtprocs")])
def test_directories_answer_at_any_level(pipes_h: Any, opnum: int, folder: str) -> None:
    """Windows ignores the level of both directory calls (smbtorture asks 1, 78 and 1024)."""
    dce = _dce(pipes_h)
    for level in (1, 78, 1024):
        status, blob, _ = _buffer_call(dce, opnum, _server() + [
            ("pEnvironment", LPWSTR, "Windows x64\x00"), ("Level", DWORD, level)], False)
        assert status == 0, level
        assert blob.decode("utf-16-le") == f"C:\\Windows\\system32\\spool\\{folder}\\x64\x00"
    status, _, _ = _buffer_call(dce, opnum, _server() + [
        ("pEnvironment", LPWSTR, "phantasy\x00"), ("Level", DWORD, 1)], False)
    assert status == ERROR_INVALID_ENVIRONMENT


def test_driver_levels_and_the_all_environment(pipes_h: Any) -> None:
    dce = _dce(pipes_h)

    def enum(environment: str, level: int) -> tuple[int, bytes, int]:
        return _buffer_call(dce, 10, _server("\\\\LEGACYSRV") + [
            ("pEnvironment", LPWSTR, environment + "\x00"), ("Level", DWORD, level)], True)

    for level in (1, 2, 3, 4, 5, 6, 8):
        status, blob, count = enum("all", level)
        # the fixture printers' driver, and the in-box XPS v4 driver of 2012 and later
        assert (status, count) == (0, 2), level
        name_field = 0 if level == 1 else 1
        assert _strings(blob, 2, 0, name_field)[:1] == ["Generic / Text Only"], level
    status, blob, _ = enum("Windows x64", 8)
    # DRIVER_INFO_8: 120 bytes, the 64-bit driver version at 56 (8-byte aligned)
    assert struct.unpack_from("<Q", blob, 56)[0] == (10 << 48) | (14393 << 16)
    assert _string(blob, 0, struct.unpack_from("<I", blob, 80)[0]) == "winprint"
    assert enum("all", 7)[0] == ERROR_INVALID_LEVEL
    assert enum("phantasy", 1)[0] == ERROR_INVALID_ENVIRONMENT


# -------------------------------------------------------------------------------------------
# Forms
# -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("printer", [None, "HPLJ4250"])
def test_enum_forms_lists_the_builtin_forms(pipes_h: Any, printer: str | None) -> None:
    dce = _dce(pipes_h)
    handle = _open(dce, printer)
    status, blob, count = _buffer_call(dce, 34, [("hPrinter", rprn.PRINTER_HANDLE, handle),
                                                 ("Level", DWORD, 1)], True)
    assert status == 0 and count == 118
    # FORM_INFO_1: Flags, pName, Size (cx, cy), ImageableArea (4 LONGs) = 32 bytes
    names = _strings(blob, count, 32, 1)
    assert names[:3] == ["Letter", "Letter Small", "Tabloid"] and "A4" in names
    a4 = names.index("A4") * 32
    # FORM_BUILTIN, 210 x 297 mm, imageable area the whole sheet
    assert struct.unpack_from("<I4x6I", blob, a4) == (1, 210000, 297000, 0, 0, 210000, 297000)


def test_get_form_and_levels(pipes_h: Any) -> None:
    dce = _dce(pipes_h)
    handle = _open(dce, None)

    def get(name: str, level: int) -> tuple[int, bytes, int]:
        return _buffer_call(dce, 32, [("hPrinter", rprn.PRINTER_HANDLE, handle),
                                      ("pFormName", WSTR, name + "\x00"),
                                      ("Level", DWORD, level)], False)

    status, blob, _ = get("legal", 2)
    assert status == 0
    # FORM_INFO_2 adds pKeyword (ANSI), StringType, pMuiDll, dwResourceId, pDisplayName, wLangId
    assert _string(blob, 0, struct.unpack_from("<I", blob, 4)[0]) == "Legal"
    keyword = struct.unpack_from("<I", blob, 32)[0]
    assert blob[keyword:blob.index(b"\x00", keyword)] == b"Legal"
    assert get("No Such Form", 1)[0] == ERROR_INVALID_FORM_NAME
    assert get("Legal", 3)[0] == ERROR_INVALID_LEVEL
    # FORM_INFO_2 came with Vista / 2008: 2003 answers level 1 only
    old = _dce(pipes_h, "win2003", "administrator")
    status, _, _ = _buffer_call(old, 34, [("hPrinter", rprn.PRINTER_HANDLE, _open(old, None)),
                                          ("Level", DWORD, 2)], True)
    assert status == ERROR_INVALID_LEVEL


# -------------------------------------------------------------------------------------------
# Names, the server handle, server data, the driver package path
# -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,status", [
    ("", ERROR_INVALID_PRINTER_NAME), ("\\\\", ERROR_INVALID_PRINTER_NAME),
    ("\\\\\\HPLJ4250", ERROR_INVALID_PRINTER_NAME), ("\\\\127.0.0.1\\", ERROR_INVALID_PRINTER_NAME),
    ("HPLJ4250 ,LocalOnly", ERROR_INVALID_PRINTER_NAME),
    ("HPLJ4250, localOnly", ERROR_INVALID_PRINTER_NAME),
    ("HPLJ4250,LocalOnl", ERROR_INVALID_PRINTER_NAME),
    ("HPLJ4250, DrvConvert", 0), ("HPLJ4250,LocalOnlyWhatever", 0),
    ("\\\\127.0.0.1\\HPLJ4250, LocalOnly", 0)])
def test_open_printer_names(pipes_h: Any, name: str, status: int) -> None:
    dce = _dce(pipes_h)
    if status:
        with pytest.raises(DCERPCException) as info:
            _open(dce, name)
        assert info.value.get_error_code() == status
    else:
        assert len(_open(dce, name)) == 20


def test_open_printer_ex_without_client_info_is_invalid_parameter(pipes_h: Any) -> None:
    """SPLCLIENT_CONTAINER level 1 with a NULL structure: ERROR_INVALID_PARAMETER, before the
    name is looked at; with the client's details the same name opens."""
    dce = _dce(pipes_h)

    def open_ex(name: str, with_info: bool) -> Any:
        request = rprn.RpcOpenPrinterEx()
        request["pPrinterName"] = name + "\x00"
        request["pDatatype"], request["pDevModeContainer"]["pDevMode"] = NULL, NULL
        request["AccessRequired"] = 0x02000000
        request["pClientInfo"]["Level"] = 1
        request["pClientInfo"]["ClientInfo"]["tag"] = 1
        if with_info:
            info1 = request["pClientInfo"]["ClientInfo"]["pClientInfo1"]
            info1["dwSize"], info1["pMachineName"], info1["pUserName"] = 28, "KALI\x00", NULL
            info1["dwBuildNum"], info1["dwMajorVersion"], info1["dwMinorVersion"] = 9600, 6, 3
            info1["wProcessorArchitecture"] = 9
        else:
            request["pClientInfo"]["ClientInfo"]["pClientInfo1"] = NULL
        return dce.request(request)

    for name in ("\\\\127.0.0.1\\HPLJ4250", "__INVALID_PRINTER__", ""):
        with pytest.raises(DCERPCException) as info:
            open_ex(name, False)
        assert info.value.get_error_code() == ERROR_INVALID_PARAMETER, name
    assert open_ex("\\\\127.0.0.1\\HPLJ4250", True)["ErrorCode"] == 0
    with pytest.raises(DCERPCException) as info:
        open_ex("__INVALID_PRINTER__", True)
    assert info.value.get_error_code() == ERROR_INVALID_PRINTER_NAME


def test_get_printer_on_the_server_handle(pipes_h: Any) -> None:
    dce = _dce(pipes_h)
    handle = _open(dce, "\\\\127.0.0.1")

    def get(level: int) -> tuple[int, bytes, int]:
        return _buffer_call(dce, 8, [("hPrinter", rprn.PRINTER_HANDLE, handle),
                                     ("Level", DWORD, level)], False)

    for level in (0, 1, 2, 4, 5, 6, 7, 8):
        assert get(level)[0] == ERROR_INVALID_LEVEL, level
    status, blob, _ = get(3)
    assert status == 0
    descriptor = blob[struct.unpack_from("<I", blob)[0]:]
    assert descriptor[0] == 1 and b"\x01\x01\x00\x00\x00\x00\x00\x01" in descriptor  # Everyone


def test_printer_names_follow_the_name_the_client_used(pipes_h: Any) -> None:
    """RpcGetPrinter level 2 answers pServerName / pPrinterName as the open named them."""
    dce = _dce(pipes_h)
    for opened, server, printer in (("\\\\127.0.0.1\\HPLJ4250", "\\\\127.0.0.1",
                                     "\\\\127.0.0.1\\HPLJ4250"),
                                    ("HPLJ4250", None, "HPLJ4250")):
        handle = _open(dce, opened)
        status, blob, _ = _buffer_call(dce, 8, [("hPrinter", rprn.PRINTER_HANDLE, handle),
                                                ("Level", DWORD, 2)], False)
        assert status == 0
        assert _strings(blob, 1, 0, 0) == [server] and _strings(blob, 1, 0, 1) == [printer]


def test_server_data_ignores_the_key_on_the_server_handle(pipes_h: Any) -> None:
    dce = _dce(pipes_h)
    handle = _open(dce, None)
    answers = set()
    for opnum, key in ((26, None), (78, "random_string"), (78, "")):
        head = [("hPrinter", rprn.PRINTER_HANDLE, handle)]
        if key is not None:
            head.append(("pKeyName", WSTR, key + "\x00"))
        answer = impacket_raw_call(dce, opnum, head + [("pValueName", WSTR, "Architecture\x00"),
                                           ("nSize", DWORD, 64)])
        answers.add(answer)
    assert len(answers) == 1
    assert "Windows x64".encode("utf-16-le") in answers.pop()


@pytest.mark.parametrize("environment,hresult", [
    ("foobar", 0x8007070D), ("Windows x64", 0x80070002)])
def test_driver_package_path(pipes_h: Any, environment: str, hresult: int) -> None:
    """An unknown environment, else a package the driver store does not hold (the empty ID):
    ERROR_INVALID_ENVIRONMENT, ERROR_FILE_NOT_FOUND (as HRESULTs)."""
    dce = _dce(pipes_h)
    answer = impacket_raw_call(dce, 104, [("pszServer", LPWSTR, "\\\\LEGACYSRV\x00"),
                              ("pszEnvironment", WSTR, environment + "\x00"),
                              ("pszLanguage", LPWSTR, NULL),
                              ("pszPackageID", WSTR, "\x00"),
                              ("pszDriverPackageCab", LPWSTR, NULL),
                              ("cchDriverPackageCab", DWORD, 0)])
    assert struct.unpack("<I", answer[-4:])[0] == hresult


def test_driver_package_path_is_not_in_a_2003_spooler(pipes_h: Any) -> None:
    dce = _dce(pipes_h, "win2003")
    with pytest.raises(DCERPCException) as info:
        impacket_raw_call(dce, 104, [("pszServer", LPWSTR, NULL), ("pszEnvironment", WSTR, "x\x00"),
                         ("pszLanguage", LPWSTR, NULL), ("pszPackageID", WSTR, "\x00"),
                         ("pszDriverPackageCab", LPWSTR, NULL),
                         ("cchDriverPackageCab", DWORD, 0)])
    assert "nca_s_op_rng_error" in str(info.value)
