"""The NDR engine is a package, and ``smbemu.rpc.ndr`` still offers every name it offered as a module."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import smbemu.rpc.ndr as ndr


def test_every_exported_name_resolves() -> None:
    for name in ndr.__all__:
        assert hasattr(ndr, name), name
    # the names the pipe modules use through ``from smbemu.rpc import ndr``
    for name in ("uint32", "WString", "WStringRef", "Struct", "Pointer", "ConformantArray", "Operation", "Memo",
                 "Sized", "encode", "CSTR", "RETURN_VALUE"):
        assert hasattr(ndr, name), name


def test_the_modules_stay_small() -> None:
    for module in pkgutil.iter_modules(ndr.__path__):
        path = Path(importlib.import_module(f"smbemu.rpc.ndr.{module.name}").__file__ or "")
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 600, path.name
