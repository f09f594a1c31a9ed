"""The services a profile's Windows release runs by default, read from
``policies/services/windows.yaml`` (its header cites the sources: typical default installs,
not captures).  Shared by svcctl (MS-SCMR), winreg (the ``Services`` keys, and whether the
Remote Registry service serves ``\\PIPE\\winreg`` at all) and the NetBIOS name service (the
Messenger and Computer Browser services register names, `smbemu.netbios.names_for`)."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from dataclasses import dataclass, replace
from typing import Any, Final

import yaml

_CATALOG: Final = ("services", "windows.yaml")


def _catalog_file() -> Path:
    """policies/services/windows.yaml: installed as the ``smbemu_policies`` package's data, or
    in the checkout beside ``smbemu/`` (found by spec, not importlib.resources, which fails on the
    editable install's namespace package)."""
    spec = importlib.util.find_spec("smbemu_policies")
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        candidate = Path(location).joinpath(*_CATALOG)
        if candidate.is_file():
            return candidate
    return Path(__file__).resolve().parents[1].joinpath("policies", *_CATALOG)

#: MS-SCMR 2.2.47 dwServiceType.
SERVICE_KERNEL_DRIVER: Final = 0x01
SERVICE_FILE_SYSTEM_DRIVER: Final = 0x02
SERVICE_WIN32_OWN_PROCESS: Final = 0x10
SERVICE_WIN32_SHARE_PROCESS: Final = 0x20
SERVICE_DRIVER: Final = SERVICE_KERNEL_DRIVER | SERVICE_FILE_SYSTEM_DRIVER
SERVICE_WIN32: Final = SERVICE_WIN32_OWN_PROCESS | SERVICE_WIN32_SHARE_PROCESS
TYPES: Final = {"kernel": SERVICE_KERNEL_DRIVER, "fs": SERVICE_FILE_SYSTEM_DRIVER,
                "own": SERVICE_WIN32_OWN_PROCESS, "share": SERVICE_WIN32_SHARE_PROCESS}
#: MS-SCMR 2.2.15 dwStartType.
START_TYPES: Final = {"boot": 0, "system": 1, "auto": 2, "demand": 3, "disabled": 4}
#: MS-SCMR 2.2.47 dwCurrentState.
SERVICE_STOPPED: Final = 1
SERVICE_RUNNING: Final = 4
STATES: Final = {"stopped": SERVICE_STOPPED, "running": SERVICE_RUNNING}
#: dwControlsAccepted of a running service: STOP | SHUTDOWN (MS-SCMR 2.2.47), what most
#: svchost services accept (U: per service on Windows).
RUNNING_CONTROLS: Final = 0x00000005
#: MS-SCMR 2.2.15 dwErrorControl SERVICE_ERROR_NORMAL.
SERVICE_ERROR_NORMAL: Final = 1

#: SV_TYPE_DOMAIN_CTRL / SV_TYPE_DOMAIN_BAKCTRL / SV_TYPE_SERVER_NT (MS-SRVS 2.2.2.7): a server SKU.
_SERVER_SKU_BITS: Final = 0x00000008 | 0x00000010 | 0x00008000


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    display_name: str
    service_type: int
    start_type: int
    state: int
    binary_path: str
    account: str
    #: What RChangeServiceConfigW / RCreateServiceW set (MS-SCMR 3.1.4.11-12); the catalog's
    #: services keep Windows' defaults: SERVICE_ERROR_NORMAL, no group, no dependencies.
    error_control: int = 1
    load_order_group: str = ""
    #: The services and groups (a group prefixed with "+") this one depends on.
    dependencies: tuple[str, ...] = ()
    #: Created by an administrator through svcctl (not one of the release's services).
    created: bool = False

    @property
    def controls_accepted(self) -> int:
        return RUNNING_CONTROLS if self.state == SERVICE_RUNNING else 0


def era(version: tuple[int, int]) -> str:
    """The catalog's era of a Windows ``os_version``."""
    if version < (5, 1):
        return "nt5"
    if version < (6, 0):
        return "xp2003"
    if version < (6, 2):
        return "vista"
    return "w2012"


@functools.cache
def _rows() -> tuple[dict[str, Any], ...]:
    text = _catalog_file().read_text(encoding="utf-8")
    return tuple(yaml.safe_load(text)["services"])


def _per_era(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else value


def is_client_sku(profile: Any) -> bool:
    """A workstation SKU: its server type has none of the server / DC bits."""
    return not (profile.identity.srvsvc.server_type & _SERVER_SKU_BITS) and not profile.is_dc


@functools.lru_cache(maxsize=64)
def _services(version: tuple[int, int], dc: bool, client: bool) -> tuple[Service, ...]:
    key = era(version)
    out = []
    for row in _rows():
        when = row["start"].get(key)
        if when is None or (row.get("dc") and not dc):
            continue
        if client and key in row.get("client", {}):
            when = row["client"][key]
        start, state = when.split()
        out.append(Service(row["name"], _per_era(row["display"], key), TYPES[row["type"]],
                           START_TYPES[start], STATES[state], _per_era(row["binary"], key) or "",
                           _per_era(row["account"], key) or ""))
    return tuple(sorted(out, key=lambda s: s.name.lower()))


def services_for(profile: Any) -> tuple[Service, ...]:
    """The services of ``profile``'s release, role and SKU, sorted by name (case-insensitive,
    the SCM database's order)."""
    return _services(profile.identity.version, bool(profile.is_dc), is_client_sku(profile))


def find(profile: Any, name: str) -> Service | None:
    """A service by key name, case-insensitively (service names are, MS-SCMR 3.1.4.16)."""
    wanted = name.lower()
    return next((s for s in services_for(profile) if s.name.lower() == wanted), None)


def is_running(profile: Any, name: str) -> bool:
    """Does the release run ``name`` by default (as the server starts)?"""
    service = find(profile, name)
    return service is not None and service.state == SERVICE_RUNNING


# ---------------------------------------------------------------- the running server's services
#: Where a server keeps the services administrators started or stopped since it started (its
#: memo, ``ServerConfig.memo``: a SIGHUP reload starts from the release's defaults again).
_CHANGED: Final = "services.changed"
#: ... the configurations administrators changed or created (MS-SCMR RChangeServiceConfigW,
#: RCreateServiceW; pipes/svcctl/writes.py), by lower-cased name ...
_CONFIGURED: Final = "services.configured"
#: ... and the names of the services deleted (RDeleteService, once their last handle closed).
_REMOVED: Final = "services.removed"


def services_of(server: Any) -> tuple[Service, ...]:
    """The services of a running server (its ``ServerConfig``): the release's, as administrators
    left them (`set_running`, `configure`, `remove`), sorted by name."""
    services = services_for(server.profile)
    changed: dict[str, int] = server.memo(_CHANGED, dict)
    configured: dict[str, Service] = server.memo(_CONFIGURED, dict)
    removed: set[str] = server.memo(_REMOVED, set)
    if not changed and not configured and not removed:
        return services
    merged = {s.name.lower(): s for s in services if s.name.lower() not in removed}
    merged.update(configured)
    return tuple(replace(s, state=changed.get(key, s.state))
                 for key, s in sorted(merged.items()))


def find_on(server: Any, name: str) -> Service | None:
    """A service of the running server by key name, case-insensitively (MS-SCMR 3.1.4.16)."""
    wanted = name.lower()
    return next((s for s in services_of(server) if s.name.lower() == wanted), None)


def current(server: Any, service: Service) -> Service:
    """``service`` as the running server has it now (its latest configuration and state; a
    service deleted since keeps the configuration it had)."""
    key = service.name.lower()
    configured: dict[str, Service] = server.memo(_CONFIGURED, dict)
    service = configured.get(key, service)
    changed: dict[str, int] = server.memo(_CHANGED, dict)
    state = changed.get(key)
    return service if state is None or state == service.state else replace(service, state=state)


def running_on(server: Any, name: str) -> bool:
    """Does the running server run ``name`` now?"""
    service = find_on(server, name)
    return service is not None and service.state == SERVICE_RUNNING


def set_running(server: Any, service: Service, running: bool) -> None:
    """An administrator started (``running``) or stopped ``service`` (MS-SCMR 3.1.4.19 /
    3.1.4.2): later calls, on every connection, see it so."""
    changed: dict[str, int] = server.memo(_CHANGED, dict)
    changed[service.name.lower()] = SERVICE_RUNNING if running else SERVICE_STOPPED


def configure(server: Any, service: Service) -> None:
    """An administrator created ``service`` or changed its configuration: every later call,
    on every connection, reads it so (until the server stops)."""
    server.memo(_REMOVED, set).discard(service.name.lower())
    server.memo(_CONFIGURED, dict)[service.name.lower()] = service


def remove(server: Any, name: str) -> None:
    """A service marked for deletion lost its last handle: the SCM forgets it."""
    key = name.lower()
    server.memo(_CONFIGURED, dict).pop(key, None)
    server.memo(_CHANGED, dict).pop(key, None)
    server.memo(_REMOVED, set).add(key)
