"""A printer's data enumerated and a printer's driver read through the RPC endpoint
(pipes/spoolss/printer_data_enum.py, printer_driver.py): RpcEnumPrinterData (72),
RpcEnumPrinterDataEx (79), RpcEnumPrinterKey (80), RpcDeletePrinterKey (82), RpcGetPrinterDriver
(11) and RpcGetPrinterDriver2 (53), with the statuses and sizes of MS-RPRN 3.1.4.2.16-23 and
3.1.4.4.3 / 3.1.4.4.6."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import pytest

ERROR_FILE_NOT_FOUND = 2
ERROR_ACCESS_DENIED = 5
ERROR_INVALID_HANDLE = 6
ERROR_INSUFFICIENT_BUFFER = 122
ERROR_INVALID_PARAMETER = 87
ERROR_INVALID_LEVEL = 124
ERROR_MORE_DATA = 234
ERROR_NO_MORE_ITEMS = 259
ERROR_UNKNOWN_PRINTER_DRIVER = 1797
ERROR_INVALID_ENVIRONMENT = 1805
PRINTER_ALL_ACCESS = 0x000F000C
PRINTER_READ = 0x00020008
SERVER_ALL_ACCESS = 0x000F0003
REG_SZ, REG_BINARY, REG_DWORD = 1, 3, 4


def _open(client: Any, name: str | None, access: int = PRINTER_ALL_ACCESS) -> bytes:
    answer = client.call(1, pPrinterName=name, pDatatype=None,
                         pDevModeContainer={"cbBuf": 0, "pDevMode": None},
                         AccessRequired=access)
    assert answer["ReturnValue"] == 0
    return bytes(answer["pHandle"])


def _set(client: Any, handle: bytes, key: str, name: str, kind: int, data: bytes) -> int:
    return int(client.call(77, hPrinter=handle, pKeyName=key, pValueName=name, Type=kind,
                           pData=data, cbData=len(data))["ReturnValue"])


def _sz(text: str) -> bytes:
    return (text + "\x00").encode("utf-16-le")


def _text(units: list[int]) -> str:
    return struct.pack(f"<{len(units)}H", *units).decode("utf-16-le")


@pytest.fixture
def seeded(pipe_client: Callable[..., Any]) -> tuple[Any, bytes]:
    """The administrator's printer handle on a printer with data under three keys."""
    client = pipe_client("spoolss", "administrator", "win2016-dc")
    handle = _open(client, "\\\\LEGACYSRV\\HPLJ4250")
    assert _set(client, handle, "PrinterDriverData", "Tray", REG_SZ, _sz("Upper")) == 0
    assert _set(client, handle, "PrinterDriverData", "Copies", REG_DWORD, b"\x03\0\0\0") == 0
    assert _set(client, handle, "DsSpooler", "location", REG_SZ, _sz("Floor 2")) == 0
    assert _set(client, handle, "DsSpooler\\Sub", "x", REG_BINARY, b"\x01\x02") == 0
    return client, handle


def _enum(client: Any, handle: bytes, index: int, names: int, data: int) -> dict[str, Any]:
    return client.call(72, hPrinter=handle, dwIndex=index, cbValueName=names, cbData=data)


def test_enum_printer_data_sizes_then_values(seeded: tuple[Any, bytes]) -> None:
    """Both sizes zero: the largest name and data of the key (one pair of buffers enumerates
    every value); too small ERROR_MORE_DATA; past the end ERROR_NO_MORE_ITEMS."""
    client, handle = seeded
    sizes = _enum(client, handle, 0, 0, 0)
    assert sizes["ReturnValue"] == 0
    assert sizes["pcbValueName"] == len(_sz("Copies")) and sizes["pcbData"] == len(_sz("Upper"))
    first = _enum(client, handle, 0, sizes["pcbValueName"], sizes["pcbData"])
    assert first["ReturnValue"] == 0 and first["pType"] == REG_SZ
    assert _text(first["pValueName"]).rstrip("\x00") == "Tray"
    assert first["pcbValueName"] == 10 and first["pData"][:first["pcbData"]] == _sz("Upper")
    second = _enum(client, handle, 1, 14, 12)
    assert second["ReturnValue"] == 0 and second["pType"] == REG_DWORD
    assert second["pcbData"] == 4 and second["pData"] == b"\x03" + bytes(11)
    small = _enum(client, handle, 0, 4, 12)
    assert small["ReturnValue"] == ERROR_MORE_DATA and small["pcbValueName"] == 10
    assert len(small["pValueName"]) == 2
    assert _enum(client, handle, 2, 14, 12)["ReturnValue"] == ERROR_NO_MORE_ITEMS
    assert _enum(client, handle, 2, 0, 0)["ReturnValue"] == ERROR_NO_MORE_ITEMS


def test_enum_printer_data_on_the_server_handle(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("spoolss", "user", "win2016-dc")
    handle = _open(client, None, 0x00020002)  # SERVER_READ
    names = []
    for index in range(40):
        answer = _enum(client, handle, index, 512, 512)
        if answer["ReturnValue"] == ERROR_NO_MORE_ITEMS:
            break
        assert answer["ReturnValue"] == 0
        names.append(_text(answer["pValueName"]).split("\x00")[0])
    assert "Architecture" in names and "MajorVersion" in names and len(names) == 15


def _values(blob: bytes, count: int) -> list[tuple[str, int, bytes]]:
    """PRINTER_ENUM_VALUES (MS-RPRN 2.2.2.11), each offset from its own element."""
    found = []
    for index in range(count):
        base = 20 * index
        name_at, name_size, kind, data_at, data_size = struct.unpack_from("<5I", blob, base)
        name = blob[base + name_at:base + name_at + name_size].decode("utf-16-le")
        found.append((name.rstrip("\x00"), kind, blob[base + data_at:base + data_at + data_size]))
    return found


def test_enum_printer_data_ex(seeded: tuple[Any, bytes]) -> None:
    client, handle = seeded
    sizing = client.call(79, hPrinter=handle, pKeyName="DsSpooler", cbEnumValues=0)
    assert sizing["ReturnValue"] == ERROR_MORE_DATA and sizing["pnEnumValues"] == 0
    room = sizing["pcbEnumValues"]
    full = client.call(79, hPrinter=handle, pKeyName="PrinterDriverData", cbEnumValues=200)
    assert full["ReturnValue"] == 0 and full["pnEnumValues"] == 2
    assert len(full["pEnumValues"]) == 200
    assert _values(full["pEnumValues"], 2) == [("Tray", REG_SZ, _sz("Upper")),
                                               ("Copies", REG_DWORD, b"\x03\0\0\0")]
    exact = client.call(79, hPrinter=handle, pKeyName="DsSpooler", cbEnumValues=room)
    assert exact["ReturnValue"] == 0
    assert _values(exact["pEnumValues"], 1) == [("location", REG_SZ, _sz("Floor 2"))]
    missing = client.call(79, hPrinter=handle, pKeyName="NoSuchKey", cbEnumValues=100)
    assert missing["ReturnValue"] == ERROR_FILE_NOT_FOUND and missing["pcbEnumValues"] == 0
    empty = client.call(79, hPrinter=handle, pKeyName="", cbEnumValues=100)
    assert empty["ReturnValue"] == ERROR_INVALID_PARAMETER


def _keys(client: Any, handle: bytes, key: str, room: int = 256) -> tuple[int, list[str], int]:
    answer = client.call(80, hPrinter=handle, pKeyName=key, cbSubkey=room)
    text = _text(answer["pSubkey"]) if answer["ReturnValue"] == 0 else ""
    return answer["ReturnValue"], [k for k in text.split("\x00") if k], answer["pcbSubkey"]


def test_enum_printer_key_and_delete_printer_key(seeded: tuple[Any, bytes],
                                                 pipe_client: Callable[..., Any]) -> None:
    client, handle = seeded
    status, top, needed = _keys(client, handle, "")
    assert status == 0 and top == ["PrinterDriverData", "DsSpooler"]
    assert needed == 2 * len("PrinterDriverData\x00DsSpooler\x00\x00")
    assert _keys(client, handle, "", 8)[0] == ERROR_MORE_DATA
    assert _keys(client, handle, "DsSpooler")[:2] == (0, ["Sub"])
    assert _keys(client, handle, "DsSpooler\\Sub")[:2] == (0, [])
    assert _keys(client, handle, "Nope")[0] == ERROR_FILE_NOT_FOUND
    alice = pipe_client("spoolss", "user", "win2016-dc", client.server)
    user_handle = _open(alice, "\\\\LEGACYSRV\\HPLJ4250", PRINTER_READ)
    assert alice.call(82, hPrinter=user_handle, pKeyName="DsSpooler")["ReturnValue"] \
        == ERROR_ACCESS_DENIED
    assert _keys(alice, user_handle, "")[1] == ["PrinterDriverData", "DsSpooler"]
    assert client.call(82, hPrinter=handle, pKeyName="DsSpooler")["ReturnValue"] == 0
    assert _keys(client, handle, "")[1] == ["PrinterDriverData"]
    assert _keys(client, handle, "DsSpooler\\Sub")[0] == ERROR_FILE_NOT_FOUND
    assert client.call(82, hPrinter=handle, pKeyName="DsSpooler")["ReturnValue"] \
        == ERROR_FILE_NOT_FOUND
    assert client.call(82, hPrinter=handle, pKeyName="")["ReturnValue"] == 0
    assert _enum(client, handle, 0, 0, 0)["ReturnValue"] == ERROR_NO_MORE_ITEMS


def _driver(client: Any, handle: bytes, level: int, room: int,
            environment: str | None = "Windows x64", opnum: int = 53) -> dict[str, Any]:
    extra = {"dwClientMajorVersion": 3, "dwClientMinorVersion": 0} if opnum == 53 else {}
    return client.call(opnum, hPrinter=handle, pEnvironment=environment, Level=level,
                       pDriver=bytes(room) if room else None, cbBuf=room, **extra)


@pytest.mark.parametrize("opnum", [11, 53])
def test_get_printer_driver(pipe_client: Callable[..., Any], opnum: int) -> None:
    """The printer's driver at every level RpcEnumPrinterDrivers answers;
    ERROR_INSUFFICIENT_BUFFER sizing; the wrong level, environment, handle."""
    client = pipe_client("spoolss", "user", "win2016-dc")
    handle = _open(client, "\\\\LEGACYSRV\\HPLJ4250", PRINTER_READ)
    for level in (1, 2, 3, 4, 5, 6, 8):
        sizing = _driver(client, handle, level, 0, opnum=opnum)
        assert sizing["ReturnValue"] == ERROR_INSUFFICIENT_BUFFER, level
        needed = sizing["pcbNeeded"]
        answer = _driver(client, handle, level, needed, opnum=opnum)
        assert answer["ReturnValue"] == 0 and answer["pcbNeeded"] == needed
        if level > 1:
            assert struct.unpack_from("<I", answer["pDriver"])[0] == 3  # cVersion
        assert "Generic / Text Only".encode("utf-16-le") in answer["pDriver"]
    assert _driver(client, handle, 7, 0, opnum=opnum)["ReturnValue"] == ERROR_INVALID_LEVEL
    assert _driver(client, handle, 3, 0, "Windows NT x86", opnum)["ReturnValue"] \
        == ERROR_UNKNOWN_PRINTER_DRIVER
    assert _driver(client, handle, 3, 0, "foobar", opnum)["ReturnValue"] \
        == ERROR_INVALID_ENVIRONMENT
    assert _driver(client, handle, 3, 0, None, opnum)["ReturnValue"] \
        == ERROR_INSUFFICIENT_BUFFER  # NULL: the server's own environment
    server = _open(client, None, 0x00020002)
    assert _driver(client, server, 3, 0, opnum=opnum)["ReturnValue"] == ERROR_INVALID_HANDLE
    if opnum == 53:
        answer = _driver(client, handle, 1, 200)
        assert answer["pdwServerMaxVersion"] == 0 and answer["pdwServerMinVersion"] == 0
