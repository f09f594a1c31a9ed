"""Enumerating a printer's data: RpcEnumPrinterData (72, MS-RPRN 3.1.4.2.16),
RpcEnumPrinterDataEx (79, 3.1.4.2.20), RpcEnumPrinterKey (80, 3.1.4.2.21) and
RpcDeletePrinterKey (82, 3.1.4.2.23) over the values RpcSetPrinterData(Ex) keeps in memory
(:mod:`.printer_data`).

Keys: a printer always has its "PrinterDriverData" key (the registry view shows it for every
printer, :mod:`.registry`); the other keys are those RpcSetPrinterDataEx created, a backslash
separating a key from its subkeys (MS-RPRN 2.2.4.7).  The DsSpooler / DsDriver keys Windows fills
in are not emulated (U, as :mod:`.data` says).  On the print-server handle the values are the
server's own (MS-RPRN 2.2.3.10.1, :func:`.data.server_values`), read under any key name as
RpcGetPrinterDataEx reads them, and the server has no subkeys (U).

Reading needs no more than an open handle, as RpcGetPrinterData (:mod:`.data`); deleting a key
needs PRINTER_ACCESS_ADMINISTER, as RpcSetPrinterDataEx (:mod:`.printer_data`)."""

from __future__ import annotations

import struct
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ConformantArray, ConformantBytes, ContextHandle, WStringRef, uint16, uint32
from smbemu.status import (
    ERROR_FILE_NOT_FOUND,
    ERROR_INVALID_PARAMETER,
    ERROR_MORE_DATA,
    ERROR_NO_MORE_ITEMS,
)

from . import INTERFACE
from .data import server_values
from .objects import check_room, current, opened
from .printer_data import DRIVER_DATA_KEY, _changed_printer, printer_data

#: The print server's values by the names MS-RPRN 2.2.3.10.1 spells ("Server Handle Key
#: Values"); :func:`.data.server_values` keys them lower-cased.
SERVER_VALUE_NAMES: Final = (
    "OSVersion", "OSVersionEx", "Architecture", "MajorVersion", "MinorVersion",
    "DefaultSpoolDirectory", "DNSMachineName", "BeepEnabled", "EventLog", "NetPopup",
    "RetryPopup", "SchedulerThreadPriority", "PortThreadPriority", "W3SvcInstalled", "DsPresent")

Value = tuple[str, int, bytes]  # (name, REG_* type, data)


def _key_name(given: str | None) -> str:
    return (given or "").rstrip("\x00").strip("\\")


def _values(ctx: CallContext, handle: bytes, key: str) -> list[Value] | None:
    """The values of ``key`` on the handle's object, None when the key does not exist."""
    entry = opened(ctx, handle)
    if entry.obj.printer is None:
        found = server_values(ctx)
        return [(name, *found[name.lower()]) for name in SERVER_VALUE_NAMES]
    printer = current(ctx, entry.obj.printer)
    if printer is None:
        return None
    stored = printer_data(ctx, printer).get(key.lower())
    if stored is None:
        return [] if key.lower() == DRIVER_DATA_KEY.lower() else None
    return list(stored[1].values())


def _subkeys(ctx: CallContext, handle: bytes, key: str) -> list[str] | None:
    """The immediate subkeys of ``key`` ("" the printer's top-level keys), None when ``key``
    does not exist."""
    entry = opened(ctx, handle)
    if entry.obj.printer is None:
        return []
    printer = current(ctx, entry.obj.printer)
    if printer is None:
        return None
    names = [DRIVER_DATA_KEY] + [name for name, _values in printer_data(ctx, printer).values()]
    prefix = f"{key.lower()}\\" if key else ""
    found: dict[str, str] = {}
    exists = not key
    for name in names:
        if name.lower() == key.lower():
            exists = True
        elif name.lower().startswith(prefix):
            exists = True
            child = name[len(prefix):].split("\\", 1)[0]
            found.setdefault(child.lower(), child)
    return list(found.values()) if exists else None


def _wchars(text: str, room: int) -> list[int]:
    units = list(struct.unpack(f"<{len(text)}H", text.encode("utf-16-le"))) if text else []
    return (units + [0] * (room // 2))[:room // 2]


# -------------------------------------------------------------------------------------------
# RpcEnumPrinterData (72)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(72, "RpcEnumPrinterData",
                     request=[("hPrinter", ContextHandle), ("dwIndex", uint32),
                              ("cbValueName", uint32), ("cbData", uint32)],
                     response=[("pValueName", ConformantArray(uint16)), ("pcbValueName", uint32),
                               ("pType", uint32), ("pData", ConformantBytes()),
                               ("pcbData", uint32)],
                     returns="uint32")
def RpcEnumPrinterData(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.16: the ``dwIndex``-th value of PrinterDriverData.  Both sizes zero:
    the largest value name (bytes, NUL included) and the largest data of the key, so that one
    pair of buffers enumerates every value (D: the EnumPrinterData documentation, cbValueName /
    cbData); ERROR_NO_MORE_ITEMS once ``dwIndex`` is past the last value, with zero sizes too
    (W: smbtorture's test_EnumPrinterData_all, written against Windows, sizes each index with
    0/0 and stops at that status).  A buffer too small for the value: ERROR_MORE_DATA with the
    sizes needed (3.1.4.1.6 "Dynamically Typed Query Parameters")."""
    name_room, data_room = request["cbValueName"], request["cbData"]
    check_room(name_room)
    check_room(data_room)
    values = _values(ctx, request["hPrinter"], DRIVER_DATA_KEY)
    out: dict[str, Any] = {"pValueName": [0] * (name_room // 2), "pcbValueName": 0, "pType": 0,
                           "pData": bytes(data_room), "pcbData": 0}
    index = request["dwIndex"]
    if values is None:
        return {**out, "ReturnValue": ERROR_INVALID_PARAMETER}  # the printer is gone
    if index >= len(values):
        return {**out, "ReturnValue": ERROR_NO_MORE_ITEMS}
    name, kind, blob = values[index]
    name_size = 2 * (len(name) + 1)
    if not name_room and not data_room:
        return {**out, "pcbValueName": max(2 * (len(v[0]) + 1) for v in values),
                "pcbData": max(len(v[2]) for v in values), "ReturnValue": 0}
    if name_room < name_size or data_room < len(blob):
        return {**out, "pcbValueName": name_size, "pcbData": len(blob), "pType": kind,
                "ReturnValue": ERROR_MORE_DATA}
    return {"pValueName": _wchars(name, name_room), "pcbValueName": name_size, "pType": kind,
            "pData": blob + bytes(data_room - len(blob)), "pcbData": len(blob), "ReturnValue": 0}


# -------------------------------------------------------------------------------------------
# RpcEnumPrinterDataEx (79)
# -------------------------------------------------------------------------------------------


def enum_values_buffer(values: list[Value]) -> bytes:
    """PRINTER_ENUM_VALUES (MS-RPRN 2.2.2.11): the 20-byte fixed parts (ValueNameOffset,
    cbValueName, dwType, DataOffset, cbData) one after the other, then each value's name
    (UTF-16LE, NUL-terminated) and its data, 4-byte aligned.  Each offset counts from the start
    of its own element, "the start of the structure" (2.2.2.11), as in every custom-marshaled
    array of MS-RPRN 2.2.2 (W: Samba's NDR parser of EnumPrinterDataEx refuses any other
    reading of a second element)."""
    fixed = bytearray()
    variable = bytearray()
    base = 20 * len(values)
    for index, (name, kind, blob) in enumerate(values):
        element = 20 * index
        encoded = (name + "\x00").encode("utf-16-le")
        name_at = base + len(variable)
        variable += encoded
        variable += bytes(-(base + len(variable)) % 4)
        data_at = base + len(variable) - element if blob else 0
        variable += blob
        fixed += struct.pack("<5I", name_at - element, len(encoded), kind, data_at, len(blob))
    variable += bytes(-(base + len(variable)) % 4)
    return bytes(fixed + variable)


@INTERFACE.operation(79, "RpcEnumPrinterDataEx",
                     request=[("hPrinter", ContextHandle), ("pKeyName", WStringRef),
                              ("cbEnumValues", uint32)],
                     response=[("pEnumValues", ConformantBytes()), ("pcbEnumValues", uint32),
                               ("pnEnumValues", uint32)],
                     returns="uint32")
def RpcEnumPrinterDataEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.20 with 3.1.4.1.10 ("PRINTER_ENUM_VALUES Structures Query
    Parameters"): every value of the key; ``pEnumValues`` is always ``cbEnumValues`` bytes, too
    small is ERROR_MORE_DATA with pcbEnumValues; a key the printer does not have is
    ERROR_FILE_NOT_FOUND, an empty key name ERROR_INVALID_PARAMETER (D: the EnumPrinterDataEx
    documentation, "If pKeyName is NULL or an empty string")."""
    room = request["cbEnumValues"]
    check_room(room)
    out: dict[str, Any] = {"pEnumValues": bytes(room), "pcbEnumValues": 0, "pnEnumValues": 0}
    key = _key_name(request["pKeyName"])
    if not key:
        return {**out, "ReturnValue": ERROR_INVALID_PARAMETER}
    values = _values(ctx, request["hPrinter"], key)
    if values is None:
        return {**out, "ReturnValue": ERROR_FILE_NOT_FOUND}
    data = enum_values_buffer(values)
    if room < len(data):
        return {**out, "pcbEnumValues": len(data), "ReturnValue": ERROR_MORE_DATA}
    return {"pEnumValues": data + bytes(room - len(data)), "pcbEnumValues": len(data),
            "pnEnumValues": len(values), "ReturnValue": 0}


# -------------------------------------------------------------------------------------------
# RpcEnumPrinterKey (80), RpcDeletePrinterKey (82)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(80, "RpcEnumPrinterKey",
                     request=[("hPrinter", ContextHandle), ("pKeyName", WStringRef),
                              ("cbSubkey", uint32)],
                     response=[("pSubkey", ConformantArray(uint16)), ("pcbSubkey", uint32)],
                     returns="uint32")
def RpcEnumPrinterKey(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.21: the subkeys of ``pKeyName`` ("" the top-level keys) as a multisz
    (2.2.3.3: each name NUL-terminated, then one more NUL; no subkey at all is two NULs, U);
    ``pSubkey`` is always ``cbSubkey`` bytes, too small is ERROR_MORE_DATA with pcbSubkey; an
    unknown key is ERROR_FILE_NOT_FOUND (D: the EnumPrinterKey documentation, for "" too)."""
    room = request["cbSubkey"]
    check_room(room)
    out: dict[str, Any] = {"pSubkey": [0] * (room // 2), "pcbSubkey": 0}
    subkeys = _subkeys(ctx, request["hPrinter"], _key_name(request["pKeyName"]))
    if subkeys is None:
        return {**out, "ReturnValue": ERROR_FILE_NOT_FOUND}
    text = "".join(f"{name}\x00" for name in subkeys) + "\x00"
    if not subkeys:
        text = "\x00\x00"
    needed = 2 * len(text)
    if room < needed:
        return {**out, "pcbSubkey": needed, "ReturnValue": ERROR_MORE_DATA}
    return {"pSubkey": _wchars(text, room), "pcbSubkey": needed, "ReturnValue": 0}


@INTERFACE.operation(82, "RpcDeletePrinterKey",
                     request=[("hPrinter", ContextHandle), ("pKeyName", WStringRef)],
                     response=[], returns="uint32")
def RpcDeletePrinterKey(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.2.23: the key, its subkeys and all their values go; an empty key name
    deletes every key below the printer's top (D: the DeletePrinterKey documentation).  The
    access checked as for RpcSetPrinterDataEx (PRINTER_ACCESS_ADMINISTER; the print server's
    own keys stay refused, :mod:`.printer_data`); an unknown key ERROR_FILE_NOT_FOUND (U: the
    status of the registry's RegDeleteTree for a missing key)."""
    printer = _changed_printer(ctx, request["hPrinter"])
    if isinstance(printer, int):
        return {"ReturnValue": printer}
    key = _key_name(request["pKeyName"]).lower()
    stored = printer_data(ctx, printer)
    doomed = [name for name in stored
              if not key or name == key or name.startswith(key + "\\")]
    if key and not doomed and key != DRIVER_DATA_KEY.lower():
        return {"ReturnValue": ERROR_FILE_NOT_FOUND}
    for name in doomed:
        del stored[name]
    return {"ReturnValue": 0}


__all__ = ["SERVER_VALUE_NAMES", "enum_values_buffer"]
