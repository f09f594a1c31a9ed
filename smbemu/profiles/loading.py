"""Loading a profile: built-in names and files, the ``extends:`` chain down to ``_base``, ``--set``
overrides, validation against the schema, and the checks that involve two keys."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from smbemu.dialects import Dialect
from smbemu.directory import Directory, builtin_data_dir, load_fixture
from smbemu.errors import ConfigError
from smbemu.profiles.model import Profile
from smbemu.profiles.schema import (
    FILE_ONLY_KEYS,
    KEY_BY_PATH,
    KEYS,
    SECTION_CLASSES,
    SECTIONS,
    SHORT_NAMES,
    Invalid,
    Key,
    children,
    show_value,
)
from smbemu.yamlfile import read_yaml

__all__ = ["DEFAULT_PROFILE", "BASE_PROFILE", "SET_SOURCE", "load_profile", "list_profiles", "profile_path", "directory_for"]

DEFAULT_PROFILE = "win2000"
BASE_PROFILE = "_base"
SET_SOURCE = "--set"


def _builtin_dir() -> Path:
    return builtin_data_dir("smbemu_policies", "policies")


def list_profiles() -> list[str]:
    """Names of the built-in profiles (files in ``policies/`` not starting with ``_``)."""
    return sorted(p.stem for p in _builtin_dir().glob("*.yaml") if not p.name.startswith("_"))


def _display(path: Path) -> str:
    try:
        if path.resolve().parent == _builtin_dir().resolve():
            return f"policies/{path.name}"
    except OSError:  # pragma: no cover
        pass
    return str(path)


def profile_path(name_or_path: str | Path) -> Path:
    """The file of a built-in profile name or a path; ConfigError if there is none."""
    text = str(name_or_path)
    looks_like_path = isinstance(name_or_path, Path) or "/" in text or "\\" in text or text.endswith((".yaml", ".yml"))
    if looks_like_path:
        path = Path(text)
        if not path.is_file():
            raise ConfigError(text, "", "no such profile file")
        return path
    for stem in (text, text.lower()):
        candidate = _builtin_dir() / f"{stem}.yaml"
        if candidate.is_file():
            return candidate
    close = difflib.get_close_matches(text, list_profiles(), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ConfigError("--profile", "", f"no profile named {text!r}{hint}; available: {', '.join(list_profiles())} (or give a path to a .yaml file)")


def _read_yaml(path: Path, source: str) -> dict[str, Any]:
    data = read_yaml(path, source)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(source, "", f"expected a mapping of keys ({', '.join(children(''))}); got {show_value(data)}")
    return data


def _flatten(data: Mapping[str, Any], source: str, prefix: str = "") -> dict[str, Any]:
    """Check the keys of one file against the schema and parse every leaf; return path -> value."""
    allowed = children(prefix)
    out: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = str(raw_key)
        path = f"{prefix}.{key}" if prefix else key
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            if not close:  # a Windows name or attribute name used in the wrong spelling?
                matches = SHORT_NAMES.get(key.lower(), [])
                close = [m.path.rsplit(".", 1)[-1] for m in matches if m.path.rsplit(".", 1)[0] == prefix]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(source, path, f"unknown key{hint}; allowed: {', '.join(allowed)}")
        if not prefix and key in FILE_ONLY_KEYS:
            continue
        if path in SECTIONS:
            if not isinstance(value, dict):
                raise ConfigError(source, path, f"expected a mapping with keys {', '.join(children(path))}; got {show_value(value)}")
            out.update(_flatten(value, source, path))
            continue
        schema = KEY_BY_PATH[path]
        try:
            out[path] = schema.kind.parse(value)
        except Invalid as exc:
            raise ConfigError(source, path + exc.subkey, exc.problem) from None
    return out


def _chain(path: Path, seen: list[tuple[Path, str]]) -> list[tuple[Path, str, dict[str, Any]]]:
    """Files from the root (_base) to ``path``, each with its parsed data."""
    source = _display(path)
    resolved = path.resolve()
    if any(p == resolved for p, _ in seen):
        cycle = " → ".join([*(name for _, name in seen), source])
        raise ConfigError(seen[-1][1], "extends", f"cycle: {cycle}")
    data = _read_yaml(path, source)
    seen = [*seen, (resolved, source)]
    parent = data.get("extends")
    if parent is None:
        if path.stem == BASE_PROFILE:
            return [(path, source, data)]
        parent = BASE_PROFILE
    if not isinstance(parent, str) or not parent.strip():
        raise ConfigError(source, "extends", f"expected a profile name or path; got {show_value(parent)}")
    parent_path = _find_parent(parent.strip(), path, source)
    return [*_chain(parent_path, seen), (path, source, data)]


def _find_parent(name: str, child: Path, source: str) -> Path:
    if name.endswith((".yaml", ".yml")) or "/" in name:
        candidate = (child.parent / name).resolve()
        if candidate.is_file():
            return candidate
        raise ConfigError(source, "extends", f"no such profile file {name!r} (relative to {child.parent})")
    for folder in (child.parent, _builtin_dir()):
        candidate = folder / f"{name}.yaml"
        if candidate.is_file():
            return candidate
    raise ConfigError(source, "extends", f"no profile named {name!r}; available: {', '.join(list_profiles())}")


def _resolve_override_key(name: str) -> Key:
    matches = SHORT_NAMES.get(name.strip().lower(), [])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ConfigError(SET_SOURCE, name, f"ambiguous; say one of: {', '.join(m.path for m in matches)}")
    close = difflib.get_close_matches(name.lower(), list(SHORT_NAMES), n=1)
    hint = ""
    if close:
        hint = f" (did you mean {SHORT_NAMES[close[0]][0].path!r}?)"
    raise ConfigError(SET_SOURCE, name, f"unknown key{hint}; allowed: {', '.join(k.path for k in KEYS)} (or their last part / Windows value name)")


def _parse_overrides(overrides: Mapping[str, str] | Iterable[str]) -> list[tuple[Key, Any]]:
    pairs: list[tuple[str, str]] = []
    if isinstance(overrides, str):  # a single "KEY=VALUE", not an iterable of characters
        overrides = [overrides]
    if isinstance(overrides, Mapping):
        pairs = [(str(k), str(v)) for k, v in overrides.items()]
    else:
        for item in overrides:
            name, sep, value = item.partition("=")
            if not sep or not name.strip():
                raise ConfigError(SET_SOURCE, item, "expected KEY=VALUE (e.g. RestrictAnonymous=2 or NullSessionPipes=)")
            pairs.append((name, value))
    out: list[tuple[Key, Any]] = []
    for name, value in pairs:
        key = _resolve_override_key(name)
        try:
            out.append((key, key.kind.parse_text(value)))
        except Invalid as exc:
            raise ConfigError(SET_SOURCE, key.path + exc.subkey, exc.problem) from None
    return out


def load_profile(
    name_or_path: str | Path | None = None,
    overrides: Mapping[str, str] | Iterable[str] = (),
) -> Profile:
    """Load a built-in profile by name (default `DEFAULT_PROFILE`, ``win2000``) or a profile file,
    follow its ``extends:`` chain down to ``_base``, apply ``--set`` overrides and validate."""
    path = profile_path(DEFAULT_PROFILE if name_or_path is None else name_or_path)
    files = _chain(path, [])
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for _, source, data in files:
        for path_key, value in _flatten(data, source).items():
            values[path_key] = value
            sources[path_key] = source
    base_source = files[0][1]
    for schema_key in KEYS:
        if schema_key.path not in values:
            raise ConfigError(base_source, schema_key.path, f"missing: {BASE_PROFILE}.yaml must give every key a default")
    chain = tuple(source for _, source, _ in files)
    parsed = _parse_overrides(overrides)
    for override_key, value in parsed:
        values[override_key.path] = value
        sources[override_key.path] = SET_SOURCE
    if parsed:
        chain = (*chain, SET_SOURCE)
    _check_consistency(values, sources)
    return _build_profile(path.stem, path, values, sources, chain)


def _check_consistency(values: Mapping[str, Any], sources: Mapping[str, str]) -> None:
    """Rules that involve two keys; the error names the file of the later-set key."""
    if not values["smb.dialects"] and not values["smb.smb1"]:
        key = "smb.dialects" if sources["smb.dialects"] == SET_SOURCE or sources["smb.smb1"] != SET_SOURCE else "smb.smb1"
        raise ConfigError(sources[key], key, "no protocol left: smb.dialects is [] and smb.smb1 is false (serve SMB1, an SMB2 dialect, or both)")
    if values["smb.encrypt_data"] and not any(d >= Dialect.SMB_3_0 for d in values["smb.dialects"]):
        raise ConfigError(sources["smb.encrypt_data"], "smb.encrypt_data",
                          "true needs an SMB 3.x dialect (3.0, 3.0.2 or 3.1.1) in smb.dialects")


def _build_profile(name: str, path: Path | None, values: dict[str, Any], sources: dict[str, str], chain: tuple[str, ...]) -> Profile:
    built: dict[str, Any] = {}
    for section in SECTIONS:  # innermost first, so identity gets its ntlm / srvsvc objects
        kwargs: dict[str, Any] = {}
        for key in KEYS:
            if key.path.rsplit(".", 1)[0] == section:
                kwargs[key.attr] = values[key.path]
        for sub, obj in built.items():
            if sub.rsplit(".", 1)[0] == section and "." in sub:
                kwargs[sub.rsplit(".", 1)[1]] = obj
        built[section] = SECTION_CLASSES[section](**kwargs)
    return Profile(
        name=name,
        description=values["description"],
        role=values["role"],
        identity=built["identity"],
        smb=built["smb"],
        smb1=built["smb1"],
        anonymous=built["anonymous"],
        rpc=built["rpc"],
        sources=MappingProxyType(dict(sources)),
        chain=chain,
        path=path,
        values=MappingProxyType(dict(values)),
    )


def directory_for(profile: Profile, fixture: str | Path | None = None) -> Directory:
    """Load ``fixture`` (default: the built-in corp.yaml) the way ``profile`` sees it: its role,
    its release's BUILTIN aliases, its guest-account setting and its Pre-Windows 2000 members."""
    return load_fixture(
        fixture,
        role=profile.role,
        os_version=(*profile.identity.version, profile.identity.build),
        guest_enabled=profile.smb.guest_account_enabled,
        pre2000_members=profile.anonymous.pre2000_compatible_access_members,
    )

