"""The print server's registry keys (pipes/spoolss/registry.py, mirrored by pipes/winreg/views.py)
through the real RPC endpoints, driven by impacket's rrp and rprn clients: what the spooler
changes shows at once on handles opened before, a winreg change below the keys stays, and the
layout follows the release (the Printers link from Vista on)."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import pytest
from impacket.dcerpc.v5 import rrp  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

CONTROL_PRINT = "SYSTEM\\CurrentControlSet\\Control\\Print"
SOFTWARE_PRINTERS = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Print\\Printers"


def _open(dce: Any, hive: Any, path: str) -> Any:
    return rrp.hBaseRegOpenKey(dce, hive, path + "\x00")["phkResult"]


def _value(dce: Any, key: Any, name: str) -> tuple[int, Any]:
    kind, data = rrp.hBaseRegQueryValue(dce, key, name + "\x00", 1024)
    return int(kind), data


def _subkeys(dce: Any, key: Any) -> list[str]:
    names, index = [], 0
    while True:
        try:
            names.append(rrp.hBaseRegEnumKey(dce, key, index)["lpNameOut"].rstrip("\x00"))
        except DCERPCException:
            return names
        index += 1


def test_a_form_added_shows_on_a_key_handle_opened_before(pipes_h: Any,
                                                          pipe_client: Callable[..., Any]) -> None:
    """RpcAddForm puts the form in the Forms key (32 bytes: size, imageable area, index,
    flags): a handle on the key opened before the add reads it at its next call (the keys are
    copied in place); RpcDeleteForm takes it away."""
    config = pipes_h.fresh_config("win2016")
    reg = pipes_h.impacket_dce(config, "winreg", "administrator")
    forms = _open(reg, rrp.hOpenLocalMachine(reg)["phKey"], f"{CONTROL_PRINT}\\Forms")
    spool = pipe_client("spoolss", "administrator", server=config)
    opened = spool.call(1, pPrinterName="\\\\LEGACYSRV", pDatatype=None,
                        pDevModeContainer={"cbBuf": 0, "pDevMode": None},
                        AccessRequired=0x000F0003)  # SERVER_ALL_ACCESS
    form = {"Flags": 2, "pName": "Lab", "Size": {"cx": 5000, "cy": 7000},
            "ImageableArea": {"left": 10, "top": 20, "right": 4990, "bottom": 6980}}
    added = spool.call(30, hPrinter=opened["pHandle"],
                       pFormInfoContainer={"Level": 1, "FormInfo": (1, form)})
    assert added["ReturnValue"] == 0
    kind, data = _value(reg, forms, "Lab")
    assert kind == rrp.REG_BINARY and len(data) == 32
    assert struct.unpack("<6i2I", data) == (5000, 7000, 10, 20, 4990, 6980, 119, 2)
    assert spool.call(31, hPrinter=opened["pHandle"], pFormName="Lab")["ReturnValue"] == 0
    with pytest.raises(DCERPCException):
        _value(reg, forms, "Lab")


def test_a_winreg_change_below_a_printer_stays_and_shows_through_the_link(pipes_h: Any) -> None:
    """A value an administrator writes with winreg below a printer's key is kept over the
    spooler's copy, and Control\\Print\\Printers and SOFTWARE\\...\\Print\\Printers are one key
    from Vista on (a symbolic link on Windows)."""
    config = pipes_h.fresh_config("win2016")
    reg = pipes_h.impacket_dce(config, "winreg", "administrator")
    hklm = rrp.hOpenLocalMachine(reg)["phKey"]
    data = _open(reg, hklm, f"{CONTROL_PRINT}\\Printers\\HPLJ4250\\PrinterDriverData")
    rrp.hBaseRegSetValue(reg, data, "Model\x00", rrp.REG_SZ, "LJ4250\x00")
    other = pipes_h.impacket_dce(config, "winreg", "administrator", session_id=0x1003)
    hklm2 = rrp.hOpenLocalMachine(other)["phKey"]
    seen = _open(other, hklm2, f"{SOFTWARE_PRINTERS}\\HPLJ4250\\PrinterDriverData")
    assert _value(other, seen, "Model") == (rrp.REG_SZ, "LJ4250\x00")
    assert _value(reg, data, "Model") == (rrp.REG_SZ, "LJ4250\x00")  # after another mirror


def test_before_vista_the_printers_are_under_control_print(pipes_h: Any) -> None:
    """Windows Server 2003: the printers' keys are Control\\Print\\Printers' own (no Software
    copy); forms added with RpcAddForm go to the Forms key in order after the built-in ones."""
    config = pipes_h.fresh_config("win2003")
    reg = pipes_h.impacket_dce(config, "winreg", "administrator")
    hklm = rrp.hOpenLocalMachine(reg)["phKey"]
    printers = _open(reg, hklm, f"{CONTROL_PRINT}\\Printers")
    assert "HPLJ4250" in _subkeys(reg, printers)
    with pytest.raises(DCERPCException):
        _open(reg, hklm, f"{SOFTWARE_PRINTERS}\\HPLJ4250")
    environments = _open(reg, hklm, f"{CONTROL_PRINT}\\Environments\\Windows NT x86\\Drivers")
    assert _subkeys(reg, environments) == ["Version-3"]


def test_the_printers_link_opens_as_a_link(pipes_h: Any) -> None:
    """BaseRegOpenKey with REG_OPTION_OPEN_LINK (8) on Control\\Print\\Printers opens the link:
    SymbolicLinkValue, REG_LINK (6), the target's native path, as Windows (smbtorture's
    test_winreg_symbolic_link); without the option the key is the printers' own."""
    config = pipes_h.fresh_config("win2016")
    reg = pipes_h.impacket_dce(config, "winreg", "administrator")
    hklm = rrp.hOpenLocalMachine(reg)["phKey"]
    link = rrp.hBaseRegOpenKey(reg, hklm, f"{CONTROL_PRINT}\\Printers\x00", dwOptions=8)["phkResult"]
    kind, data = rrp.hBaseRegQueryValue(reg, link, "SymbolicLinkValue\x00", 512)
    assert kind == 6
    target = "\\Registry\\Machine\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Print\\Printers"
    assert bytes(data) == target.encode("utf-16-le") or data == target, data
    assert "HPLJ4250" in _subkeys(reg, _open(reg, hklm, f"{CONTROL_PRINT}\\Printers"))
