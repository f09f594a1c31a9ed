"""Entry points: find a fixture (built-in name or path), read it (YAML, or JSON for large generated
ones), validate it and build its directory for a role."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path

from smbemu.directory.build import build_directory
from smbemu.directory.fixture import read_fixture
from smbemu.directory.lookup import Directory
from smbemu.directory.model import DEFAULT_FIXTURE, ROLES
from smbemu.errors import ConfigError
from smbemu.sid import Sid
from smbemu.yamlfile import read_yaml


def builtin_data_dir(package: str, folder: str) -> Path:
    """The directory of a data package (``smbemu_fixtures`` / ``smbemu_policies``, mapped from the
    repository's ``fixtures/`` / ``policies/`` by pyproject), else ``<repo>/<folder>`` in a checkout."""
    # find_spec rather than importlib.resources: resources.files() fails on a namespace package
    # installed by setuptools' editable finder (Python 3.11: "MultiplexedPath only supports directories").
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        candidate = Path(location)
        if candidate.is_dir() and any(candidate.glob("*.yaml")):
            return candidate
    return Path(__file__).resolve().parents[2] / folder  # smbemu/directory/loading.py -> the checkout


def _builtin_fixture_dir() -> Path:
    return builtin_data_dir("smbemu_fixtures", "fixtures")


def list_fixtures() -> list[str]:
    """Names of the built-in fixtures (``corp``, ``minimal``, ...)."""
    return sorted(p.stem for p in _builtin_fixture_dir().glob("*.yaml") if not p.name.startswith("_"))


def fixture_path(name_or_path: str | Path | None = None) -> tuple[Path, str]:
    """Resolve a fixture name (built-in) or path; return (path, the name errors show)."""
    if name_or_path is None:
        name_or_path = DEFAULT_FIXTURE
    text = str(name_or_path)
    builtin = _builtin_fixture_dir()
    if isinstance(name_or_path, str) and "/" not in text and "\\" not in text and not text.endswith((".yaml", ".yml", ".json")):
        candidate = builtin / f"{text}.yaml"
        if candidate.is_file():
            return candidate, f"fixtures/{candidate.name}"
        raise ConfigError("--fixture", "", f"no built-in fixture named {text!r}; available: {', '.join(list_fixtures())} (or give a path)")
    path = Path(name_or_path)
    if not path.is_file():
        raise ConfigError(text, "", "no such file")
    try:
        if path.resolve().parent == builtin.resolve():
            return path, f"fixtures/{path.name}"
    except OSError:  # pragma: no cover
        pass
    return path, text


def load_fixture(
    path: str | Path | None = None,
    *,
    role: str = "member",
    os_version: tuple[int, ...] | None = None,
    guest_enabled: bool | None = None,
    pre2000_members: Sequence[Sid | str] | None = None,
) -> Directory:
    """Load and validate a fixture file and build its directory for ``role``.

    ``path`` None loads the built-in ``fixtures/corp.yaml``; a bare name (``"minimal"``) loads that
    built-in fixture. ``os_version`` (e.g. ``(5, 0)``, or ``(10, 0, 17763)`` with the build) picks the BUILTIN aliases and default accounts
    that release had and expands ``%SystemRoot%`` in share paths (None: every BUILTIN alias, no
    release-specific account such as DefaultAccount, ``C:\\Windows``); ``guest_enabled`` (from the profile)
    overrides the Guest account's ``disabled`` flag; ``pre2000_members`` sets the members of
    Pre-Windows 2000 Compatible Access on a DC (default: Authenticated Users).
    """
    file, source = fixture_path(path)
    return directory_from_dict(
        read_fixture_data(file, source), source=source, role=role, os_version=os_version,
        guest_enabled=guest_enabled, pre2000_members=pre2000_members,
    )


def read_fixture_data(file: Path, source: str) -> object:
    """The fixture document in `file`, not yet validated: YAML, or JSON for a ``.json`` file
    (the same format; a generated 100,000-user fixture parses in under a second as JSON,
    against half a minute as YAML)."""
    if file.suffix.lower() != ".json":
        return read_yaml(file, source)
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(source, f"line {exc.lineno}", f"not valid JSON: {exc.msg}") from None


def directory_from_dict(
    data: object,
    source: str = "<dict>",
    *,
    role: str = "member",
    os_version: tuple[int, ...] | None = None,
    guest_enabled: bool | None = None,
    pre2000_members: Sequence[Sid | str] | None = None,
) -> Directory:
    """Validate fixture data already parsed from YAML (or built in code) and build its directory."""
    if role not in ROLES:
        raise ConfigError(source, "role", f"{role!r} is not a role; allowed: {', '.join(ROLES)}")
    spec = read_fixture(data, source)
    return build_directory(spec, role, os_version, guest_enabled, pre2000_members)
