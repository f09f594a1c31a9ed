"""How ``smbemu profiles show`` and ``profiles diff`` write values: through each key's kind."""

from __future__ import annotations

from typing import Any

from smbemu.profiles.model import Profile
from smbemu.profiles.schema import KEY_BY_PATH, KEYS

__all__ = ["format_value", "explain", "diff"]


def format_value(key: str, value: Any) -> str:
    """A value as `profiles show` prints it (dialect labels, server-type bit names, SID names)."""
    return KEY_BY_PATH[key].kind.show(value)


def explain(profile: Profile) -> list[tuple[str, str, str]]:
    """(key path, value as text, where it came from) for every key, in schema order."""
    return [(key.path, format_value(key.path, profile.values[key.path]), profile.sources[key.path]) for key in KEYS]


def diff(a: Profile, b: Profile) -> list[tuple[str, str, str]]:
    """(key path, value in a, value in b) for every key whose effective value differs."""
    return [
        (key.path, format_value(key.path, a.values[key.path]), format_value(key.path, b.values[key.path]))
        for key in KEYS
        if a.values[key.path] != b.values[key.path]
    ]

