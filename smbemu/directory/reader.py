"""Fixture reading, the typed part: the keys each fixture section may hold and `FixtureReader`, which
reads a YAML/JSON value as a string, integer, SID, date, ... or raises one `ConfigError` line naming
the file, the key path and what is allowed."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timezone
from typing import Any, cast

from smbemu.directory.model import ROLES
from smbemu.errors import ConfigError
from smbemu.sid import Sid


TOP_KEYS = ("machine", "domain", "workgroup", "users", "groups", "aliases", "shares")
MACHINE_KEYS = ("netbios_name", "dns_name", "sid", "comment", "local_rids")
DOMAIN_KEYS = ("name", "dns_name", "sid", "guid", "forest_dns_name", "password_policy", "lockout_policy",
               "machine_account_quota")
PASSWORD_KEYS = ("min_length", "history", "max_age_days", "min_age_days", "complexity", "reversible", "force_logoff_minutes")
LOCKOUT_KEYS = ("threshold", "duration_minutes", "window_minutes")
USER_BOOL_KEYS = (
    "disabled", "locked", "password_never_expires", "password_not_required", "cannot_change_password",
    "password_expired", "smartcard_required", "trusted_for_delegation", "not_delegated",
    "dont_require_preauth", "reversible_password", "must_change_password",
)
USER_STR_KEYS = ("full_name", "description", "comment", "home_directory", "home_drive", "script_path", "profile_path", "workstations")
USER_DATE_KEYS = ("account_expires", "last_logon", "last_logoff", "last_password_change", "bad_password_time")
USER_KEYS = (
    "name", "rid", "password", "nt_hash", "lm_hash", *USER_STR_KEYS, *USER_BOOL_KEYS, "account_type",
    *USER_DATE_KEYS, "bad_password_count", "logon_count", "groups", "primary_group_rid", "roles",
    "logon_hours",
)
GROUP_KEYS = ("name", "rid", "description", "members", "roles")
SHARE_KEYS = ("name", "type", "special", "comment", "path", "roles")
BAD_ACCOUNT_CHARS = re.compile(r'["/\\\[\]:;|=,+*?<>@]')
BAD_SHARE_CHARS = re.compile(r'["/\\\[\]:|<>+=;,?*]')
NETBIOS_NAME = re.compile(r"^[A-Za-z0-9!#$%&'()\-.@^_{}~]{1,15}$")
_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {value!r}".replace("True", "true").replace("False", "false")
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class FixtureReader:
    """Typed access to a YAML mapping that raises one-line ConfigErrors naming file and key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.source, key, problem)

    def mapping(self, value: object, path: str, allowed: Sequence[str], required: Sequence[str] = ()) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(path, f"expected a mapping with keys {', '.join(allowed)}; got {_type_name(value)}")
        for key in value:
            if key not in allowed:
                where = f"{path}.{key}" if path else str(key)
                hint = _did_you_mean(str(key), allowed)
                raise self.error(where, f"unknown key{hint}; allowed: {', '.join(allowed)}")
        for key in required:
            if key not in value or value[key] is None:
                raise self.error(f"{path}.{key}" if path else key, "missing (required)")
        return cast(dict[str, Any], value)

    def seq(self, value: object, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(path, f"expected a list; got {_type_name(value)}")
        return value

    def string(self, data: Mapping[str, Any], key: str, path: str, default: str = "", *, max_len: int | None = None) -> str:
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.error(f"{path}.{key}", f"expected a string; got {_type_name(value)} (quote it)")
        if max_len is not None and len(value) > max_len:
            raise self.error(f"{path}.{key}", f"{value!r} is longer than {max_len} characters")
        return value

    def integer(self, data: Mapping[str, Any], key: str, path: str, default: int, lo: int, hi: int) -> int:
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"{path}.{key}", f"expected an integer {lo}–{hi}; got {_type_name(value)}")
        if not lo <= value <= hi:
            raise self.error(f"{path}.{key}", f"{value} is out of range; allowed: {lo}–{hi}")
        return value

    def boolean(self, data: Mapping[str, Any], key: str, path: str, default: bool = False) -> bool:
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(f"{path}.{key}", f"expected true or false; got {_type_name(value)}")
        return value

    def sid(self, data: Mapping[str, Any], key: str, path: str) -> Sid:
        value = data.get(key)
        where = f"{path}.{key}"
        if not isinstance(value, str):
            raise self.error(where, f"expected a SID string such as S-1-5-21-1-2-3; got {_type_name(value)}")
        try:
            return Sid.parse(value)
        except ValueError:
            raise self.error(where, f"{value!r} is not a SID (expected S-1-<authority>-<sub-authority>...)") from None

    def date(self, data: Mapping[str, Any], key: str, path: str) -> datetime | None:
        value = data.get(key)
        where = f"{path}.{key}"
        if value is None or value == "never":
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        if isinstance(value, date):
            return datetime.combine(value, time(0), tzinfo=timezone.utc)
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                pass
            else:
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        raise self.error(where, f"{value!r} is not an ISO 8601 date or date-time (e.g. 2003-06-01T09:12:00Z) or null")

    def hash(self, data: Mapping[str, Any], key: str, path: str) -> bytes | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not _HEX32.match(value):
            raise self.error(f"{path}.{key}", f"expected 32 hexadecimal digits (16 bytes); got {_type_name(value)}")
        return bytes.fromhex(value)

    def roles(self, data: Mapping[str, Any], path: str) -> frozenset[str]:
        items = self.seq(data.get("roles", list(ROLES)), f"{path}.roles")
        for index, item in enumerate(items):
            if item not in ROLES:
                raise self.error(f"{path}.roles[{index}]", f"{item!r} is not a role; allowed: {', '.join(ROLES)}")
        return frozenset(items)

    def names(self, data: Mapping[str, Any], key: str, path: str) -> list[tuple[str, str]]:
        """A list of strings; returns (key path of the item, value)."""
        out = []
        for index, item in enumerate(self.seq(data.get(key), f"{path}.{key}")):
            where = f"{path}.{key}[{index}]"
            if not isinstance(item, str) or not item.strip():
                raise self.error(where, f"expected a name or SID string; got {_type_name(item)}")
            out.append((where, item.strip()))
        return out


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" {word!r} (did you mean {close[0]!r}?)" if close else f" {word!r}"
