"""The print server's registry: what Windows' spooler keeps under
``HKLM\\SYSTEM\\CurrentControlSet\\Control\\Print``, generated from the live spooler state and
served by the emulated winreg (a view, :mod:`smbemu.rpc.registry_views`), so a form added with
RpcAddForm, a printer added or changed with RpcAddPrinter / RpcSetPrinter, or the server's
security descriptor set with RpcSetPrinter level 3 reads back through winreg at once.

The layout, key by key (D: Microsoft's documentation of the print spooler's registry keys --
"Print spooler registry settings" / KB "Description of the Print Spooler registry keys" -- names
Control\\Print with its Environments, Forms, Monitors, Printers and Providers subkeys and the
values below; W: smbtorture's rpc.spoolss ``*_winreg`` sub-tests, written against Windows, read
each value named here from these keys and compare it with the spoolss answer; U where marked):

* ``Control\\Print``: BeepEnabled, MajorVersion, MinorVersion, PortThreadPriority,
  SchedulerThreadPriority (the print server data of the same names, :func:`.data.server_values`)
  and ServerSecurityDescriptor, the print server's self-relative security descriptor
  (RpcGetPrinter level 3 on the server handle; W: smbtorture's printserver_info_winreg);
* ``Forms``: one REG_BINARY value per form an administrator added (the built-in forms are not
  stored, W), 32 bytes: width, height, left, top, right, bottom, an index, the flags (W: the
  layout smbtorture's forms_winreg decodes; the index, which it skips, is the form's position in
  the enumeration, U);
* ``Printers`` -- from Vista / 2008 on a symbolic link to ``SOFTWARE\\Microsoft\\Windows NT\\
  CurrentVersion\\Print\\Printers``, where the printers live (W: smbtorture checks the link's
  SymbolicLinkValue; U on the first release with it): DefaultSpoolDirectory (D: Microsoft's
  "change the default spool folder" guidance), and per printer a key named after it with Name,
  Share Name, Port, Printer Driver, Description, Location, Separator File, Print Processor,
  Datatype, Parameters, Attributes, Priority, Default Priority, StartTime, UntilTime, Status,
  Default DevMode, Security and its PrinterDriverData subkey (W: smbtorture's
  printer_info_winreg);
* ``Environments\\<environment>\\Drivers\\Version-<n>\\<driver>`` with the DRIVER_INFO_8 members
  as values (W: smbtorture's driver_info_winreg names them) and ``Print Processors\\winprint``
  (Driver ``winprint.dll``; W: print_processors_winreg opens it for each processor listed);
* ``Monitors\\<monitor>``: Driver, its DLL (D);
* ``Providers``: EventLog, NetPopup, RetryPopup and the two providers of a server (LanMan Print
  Services, win32spl.dll; Internet Print Provider, inetpp.dll) with their Name (W; U on the
  exact value set).
"""

from __future__ import annotations

import struct
import time
from types import SimpleNamespace
from typing import Any, Final, cast

from smbemu.rpc import CallContext
from smbemu.rpc.handler_server import HandlerServer
from smbemu.rpc.registry_views import RegistryValue, RegistryView, register_view
from smbemu.service_catalog import running_on

from . import _devmode_of, printer_descriptor, server_descriptor
from .catalog import PRINT_PROCESSOR, monitors
from .data import (
    REG_BINARY,
    REG_DWORD,
    REG_SZ,
    _driver_record,
    _system_root,
    installed_drivers,
    server_values,
)
from .forms import BUILTIN_FORMS, added_forms
from .objects import ENVIRONMENTS, environment_arch, printers
from .printer_data import DRIVER_DATA_KEY, printer_data

CONTROL_PRINT: Final = "SYSTEM\\CurrentControlSet\\Control\\Print"
SOFTWARE_PRINT: Final = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Print"
REG_MULTI_SZ: Final = 7
#: The Printers link's target as the link spells it (W: smbtorture expects the SymbolicLinkValue
#: ``\\Registry\\Machine\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Print\\Printers`` of
#: Windows; key names are case-insensitive, the value is compared as written).
_LINK_TARGET: Final = "Software\\Microsoft\\Windows NT\\CurrentVersion\\Print\\Printers"
#: The environment names as Windows spells its Environments subkeys (MS-RPRN 2.2.4.4).
_ENVIRONMENT_NAMES: Final = {"windows nt x86": "Windows NT x86", "windows x64": "Windows x64",
                             "windows 4.0": "Windows 4.0", "windows ia64": "Windows IA64",
                             "windows arm64": "Windows ARM64"}


def _sz(name: str, text: str | None) -> RegistryValue:
    return name, REG_SZ, ((text or "") + "\x00").encode("utf-16-le")


def _dword(name: str, number: int) -> RegistryValue:
    return name, REG_DWORD, struct.pack("<I", number & 0xFFFFFFFF)


def _multi_sz(name: str, items: list[str] | None) -> RegistryValue:
    return name, REG_MULTI_SZ, ("".join(f"{i}\x00" for i in items or ()) + "\x00").encode("utf-16-le")


def _reader(server: HandlerServer) -> CallContext:
    """The spooler's state functions read only ``ctx.server``: a context holding just it."""
    return cast(CallContext, SimpleNamespace(server=server))


def server_security(ctx: Any) -> bytes:
    """The print server's security descriptor as RpcSetPrinter level 3 left it."""
    kept: dict[str, bytes] = ctx.server.memo("spoolss.server_security", dict)
    return kept.get("sd") or server_descriptor()


# -------------------------------------------------------------------------------------------
# The keys
# -------------------------------------------------------------------------------------------


def _server_keys(ctx: CallContext, keys: dict[str, list[RegistryValue]]) -> None:
    data = server_values(ctx)

    def value(name: str) -> RegistryValue:
        kind, blob = data[name.lower()]
        return name, kind, blob

    keys[CONTROL_PRINT] = [value("BeepEnabled"), value("MajorVersion"), value("MinorVersion"),
                           value("PortThreadPriority"), value("SchedulerThreadPriority"),
                           ("ServerSecurityDescriptor", REG_BINARY, server_security(ctx))]
    keys[f"{CONTROL_PRINT}\\Providers"] = [
        value("EventLog"), value("NetPopup"), value("RetryPopup"),
        _multi_sz("Order", ["LanMan Print Services", "Internet Print Provider"])]
    keys[f"{CONTROL_PRINT}\\Providers\\LanMan Print Services"] = [_sz("Name", "win32spl.dll")]
    keys[f"{CONTROL_PRINT}\\Providers\\Internet Print Provider"] = [_sz("Name", "inetpp.dll")]
    version = ctx.server.profile.identity.version
    for name, dll in monitors(version):
        keys[f"{CONTROL_PRINT}\\Monitors\\{name}"] = [_sz("Driver", dll)]


def _form_keys(ctx: CallContext, keys: dict[str, list[RegistryValue]]) -> None:
    values: list[RegistryValue] = []
    for index, form in enumerate(added_forms(ctx).values(), start=len(BUILTIN_FORMS) + 1):
        left, top, right, bottom = form.area
        blob = struct.pack("<6i2I", form.width, form.height, left, top, right, bottom,
                           index, form.flags)
        values.append((form.name, REG_BINARY, blob))
    keys[f"{CONTROL_PRINT}\\Forms"] = values


def printers_key(version: tuple[int, int]) -> str:
    """Where the printers' keys are: SOFTWARE\\...\\Print\\Printers from Vista / 2008 on (with
    Control\\Print\\Printers a link to it), Control\\Print\\Printers before."""
    return f"{SOFTWARE_PRINT}\\Printers" if version >= (6, 0) else f"{CONTROL_PRINT}\\Printers"


def _printer_keys(ctx: CallContext, keys: dict[str, list[RegistryValue]]) -> None:
    version = ctx.server.profile.identity.version
    base = printers_key(version)
    keys[base] = [_sz("DefaultSpoolDirectory", f"{_system_root(version)}\\system32\\spool\\PRINTERS")]
    for printer in printers(ctx):
        key = f"{base}\\{printer.name}"
        keys[key] = [
            _sz("Name", printer.name), _sz("Share Name", printer.share_name),
            _sz("Port", printer.port), _sz("Printer Driver", printer.driver),
            _sz("Description", printer.comment), _sz("Location", printer.location),
            _sz("Separator File", ""), _sz("Print Processor", printer.processor),
            _sz("Datatype", printer.datatype), _sz("Parameters", ""),
            _dword("Attributes", printer.attributes), _dword("Priority", 1),
            _dword("Default Priority", 0), _dword("StartTime", 0), _dword("UntilTime", 0),
            _dword("Status", printer.status),
            ("Default DevMode", REG_BINARY, _devmode_of(printer, printer.name)),
            ("Security", REG_BINARY, printer.security or printer_descriptor())]
        keys[f"{key}\\{DRIVER_DATA_KEY}"] = []
        # the printer's own data, under the keys RpcSetPrinterData(Ex) named
        for name, values in printer_data(ctx, printer).values():
            keys[f"{key}\\{name}"] = [(v[0], v[1], v[2]) for v in values.values()]


def _filetime_date(filetime: int) -> str:
    """A driver's date as the Drivers key keeps it, ``MM/DD/YYYY`` (01/01/1601 for none; W:
    smbtorture's driver_info_winreg formats DRIVER_INFO_8's date so to compare)."""
    if not filetime:
        return "01/01/1601"
    moment = time.gmtime(filetime / 10_000_000 - 11644473600)
    return f"{moment.tm_mon:02d}/{moment.tm_mday:02d}/{moment.tm_year:04d}"


def _four_part(number: int) -> str:
    return ".".join(str((number >> shift) & 0xFFFF) for shift in (48, 32, 16, 0))


def _file(path: Any) -> str:
    return str(path or "").rsplit("\\", 1)[-1]


def _driver_values(ctx: CallContext, name: str) -> tuple[int, list[RegistryValue]]:
    """(cVersion, the values of the driver's key), from its DRIVER_INFO_8 (:func:`.data.
    _driver_record`): file names without their directory, as the key keeps them (W)."""
    record = [field[1] for field in _driver_record(ctx, 8, name)]
    (version, _name, _env, driver, data_file, config, help_file, dependents, monitor, datatype,
     previous, date_low, date_high, _pad, ver_low, ver_high, manufacturer, url, hardware_id,
     provider, processor, vendor_setup, color_profiles, inf_path, attributes, core,
     inbox_date_low, inbox_date_high, inbox_ver_low, inbox_ver_high) = record
    return version, [
        _sz("Configuration File", _file(config)), _sz("Data File", _file(data_file)),
        _sz("Datatype", datatype), _sz("Driver", _file(driver)),
        _sz("DriverDate", _filetime_date(date_low | date_high << 32)),
        _sz("DriverVersion", _four_part(ver_low | ver_high << 32)),
        _sz("HardwareID", hardware_id), _sz("Help File", _file(help_file)),
        _sz("InfPath", inf_path), _sz("Manufacturer", manufacturer),
        _sz("MinInboxDriverVerDate", _filetime_date(inbox_date_low | inbox_date_high << 32)),
        _sz("MinInboxDriverVerVersion", _four_part(inbox_ver_low | inbox_ver_high << 32)),
        _sz("Monitor", monitor), _sz("OEM URL", url), _sz("Print Processor", processor),
        _sz("Provider", provider), _sz("VendorSetup", vendor_setup),
        _multi_sz("ColorProfiles", color_profiles),
        _multi_sz("Dependent Files", [_file(f) for f in dependents or ()]),
        _multi_sz("CoreDependencies", core), _multi_sz("Previous Names", previous),
        _dword("PrinterDriverAttributes", attributes), _dword("Version", version)]


def _environment_keys(ctx: CallContext, keys: dict[str, list[RegistryValue]]) -> None:
    version = ctx.server.profile.identity.version
    native = environment_arch(version).lower()
    for lowered in ENVIRONMENTS:
        environment = f"{CONTROL_PRINT}\\Environments\\{_ENVIRONMENT_NAMES[lowered]}"
        keys[f"{environment}\\Drivers"] = []
        # winprint for every environment RpcEnumPrintProcessors answers it for (pipes/spoolss/
        # catalog.py): its key, with the DLL (W: winprint.dll)
        keys[f"{environment}\\Print Processors\\{PRINT_PROCESSOR}"] = [_sz("Driver", "winprint.dll")]
        if lowered != native or not printers(ctx):
            continue  # the drivers RpcEnumPrinterDrivers lists (data.py): the native ones
        for name in installed_drivers(version):
            driver_version, values = _driver_values(ctx, name)
            keys[f"{environment}\\Drivers\\Version-{driver_version}\\{name}"] = values


def print_view(server: HandlerServer) -> RegistryView | None:
    """The spooler's keys on ``server``; None while the Print Spooler service is stopped (its
    keys then stay as they are: the emulated registry keeps only the Printers key)."""
    if not running_on(server, "Spooler"):
        return None
    ctx = _reader(server)
    keys: dict[str, list[RegistryValue]] = {}
    _server_keys(ctx, keys)
    _form_keys(ctx, keys)
    _printer_keys(ctx, keys)
    _environment_keys(ctx, keys)
    version = server.profile.identity.version
    if version >= (6, 0):
        return RegistryView(roots=(CONTROL_PRINT, f"{SOFTWARE_PRINT}\\Printers"), keys=keys,
                            links={f"{CONTROL_PRINT}\\Printers": _LINK_TARGET})
    return RegistryView(roots=(CONTROL_PRINT,), keys=keys)


register_view("spoolss", print_view)

__all__ = ["CONTROL_PRINT", "SOFTWARE_PRINT", "print_view", "printers_key", "server_security"]
