"""`smbemu serve --hosts lab.yaml`: several emulated machines in one process.

```yaml
hosts:
  - address: 127.0.0.2        # required: an IP address to bind
    port: 445                 # optional (default: --port)
    profile: win2000          # required: a built-in profile name or a YAML file
    fixture: lab/corp.yaml    # optional (default: the built-in corp.yaml)
    set: [RestrictAnonymous=1]  # optional profile overrides, as --set
    netbios: true             # optional: also TCP 139 (session service) and UDP 137 (names)
    name: WS2000              # optional: the machine's NetBIOS name (default: the fixture's);
                              #   also its DNS name in the fixture's domain and its own machine SID
    mac: 00-15-5D-20-00-01    # optional: its adapter's MAC address (NetBIOS node status);
                              #   default: one derived from the name
  - {address: 127.0.0.3, profile: win2016, name: WS2016}
```

Relative profile and fixture paths are read relative to the hosts file. Every mistake is a
`ConfigError` naming the file, the key (`hosts[1].port`) and what is allowed.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from smbemu.builder import build_config
from smbemu.config import ServerConfig
from smbemu.errors import ConfigError
from smbemu.yamlfile import read_yaml

_KEYS = ("address", "port", "profile", "fixture", "set", "netbios", "name", "mac")
#: A NetBIOS computer name as Windows setup accepts it: 1-15 characters, letters, digits and
#: - _ . (MS-NBTE 2.2.1; the fixture's own rule for machine.netbios_name).
_NETBIOS_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,14}")
_MAC = re.compile(r"[0-9A-Fa-f]{2}([-:]?)[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2}){4}")


@dataclass(frozen=True, slots=True)
class HostSpec:
    address: str
    port: int | None
    profile: str
    fixture: str | None
    overrides: tuple[str, ...]
    netbios: bool | None  # None: as the command line says
    name: str | None = None  # None: the fixture's machine name
    mac: bytes | None = None  # None: derived from the name (smbemu.netbios.unit_id_for)


def load_hosts(path: str | Path) -> list[HostSpec]:
    source = str(path)
    data = read_yaml(path)
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"hosts"})
        if unknown:
            raise ConfigError(source, str(unknown[0]), "unknown key; allowed: hosts")
        data = data.get("hosts")
    if not isinstance(data, list) or not data:
        raise ConfigError(source, "hosts", "must be a non-empty list of hosts ({address, profile, ...})")
    base = Path(path).parent
    specs: list[HostSpec] = []
    seen: dict[tuple[str, int | None], str] = {}
    names: dict[str, str] = {}
    for index, entry in enumerate(data):
        where = f"hosts[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(source, where, "must be a mapping with address and profile")
        for key in entry:
            if key not in _KEYS:
                raise ConfigError(source, f"{where}.{key}", f"unknown key; allowed: {', '.join(_KEYS)}")
        for key in ("address", "profile"):
            if key not in entry:
                raise ConfigError(source, f"{where}.{key}", "missing (required)")
        address = str(entry["address"])
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise ConfigError(source, f"{where}.address", f"{address!r} is not an IP address") from None
        port = entry.get("port")
        if port is not None and (not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535):
            raise ConfigError(source, f"{where}.port", f"{port!r} is not a TCP port (0-65535)")
        profile = entry["profile"]
        if not isinstance(profile, str) or not profile:
            raise ConfigError(source, f"{where}.profile", "must be a profile name or a YAML file")
        fixture = entry.get("fixture")
        if fixture is not None and not isinstance(fixture, str):
            raise ConfigError(source, f"{where}.fixture", "must be a path to a fixture YAML file")
        overrides = entry.get("set", [])
        if isinstance(overrides, str):
            overrides = [overrides]
        if not isinstance(overrides, list) or not all(isinstance(o, str) and "=" in o for o in overrides):
            raise ConfigError(source, f"{where}.set", "must be a list of KEY=VALUE strings")
        netbios = entry.get("netbios")
        if netbios is not None and not isinstance(netbios, bool):
            raise ConfigError(source, f"{where}.netbios", f"{netbios!r} must be true or false")
        name = entry.get("name")
        if name is not None and (not isinstance(name, str) or not _NETBIOS_NAME.fullmatch(name)):
            raise ConfigError(source, f"{where}.name", f"{name!r} is not a NetBIOS computer name (1-15 letters, digits or -_.)")
        if name is not None and name.upper() in names:
            raise ConfigError(source, f"{where}.name", f"{name} is already the name of {names[name.upper()]}")
        mac = entry.get("mac")
        if mac is not None and (not isinstance(mac, str) or not _MAC.fullmatch(mac)):
            raise ConfigError(source, f"{where}.mac", f"{mac!r} is not a MAC address (six hex bytes, as 00-15-5D-20-00-01)")
        key = (address, port)
        if key in seen:
            raise ConfigError(source, f"{where}.address", f"{address} port {port or 'default'} is already used by {seen[key]}")
        seen[key] = where
        if name is not None:
            names[name.upper()] = where
        specs.append(
            HostSpec(
                address=address,
                port=port,
                profile=_relative(profile, base, yaml_only=True),
                fixture=_relative(fixture, base) if fixture else None,
                overrides=tuple(overrides),
                netbios=netbios,
                name=name.upper() if name else None,
                mac=bytes.fromhex(re.sub("[-:]", "", mac)) if mac else None,
            )
        )
    return specs


def _relative(value: str, base: Path, yaml_only: bool = False) -> str:
    """A path relative to the hosts file when it names a file there; built-in names unchanged."""
    if yaml_only and not value.endswith((".yaml", ".yml")):
        return value
    candidate = Path(value)
    if not candidate.is_absolute() and (base / candidate).exists():
        return str(base / candidate)
    return value


def host_config(
    spec: HostSpec,
    pipes_dir: str | None,
    source: str,
    index: int,
    *,
    faults: object = None,
    limits: Mapping[str, object] | None = None,
    audit_log: object = None,
) -> ServerConfig:
    """Build one host's ServerConfig (`smbemu.builder`); errors name the hosts file entry too."""
    try:
        config = build_config(
            spec.profile, spec.fixture, overrides=spec.overrides, pipes_dir=pipes_dir, faults=faults,
            limits=limits, audit_log=audit_log, machine_name=spec.name,
        )
        config.adapter_mac = spec.mac
        return config
    except ConfigError as exc:
        raise ConfigError(source, f"hosts[{index}]", str(exc)) from None
