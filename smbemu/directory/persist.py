"""``--state FILE``: the directory's changes kept across restarts and SIGHUP reloads.

The file is JSON: ``{"smbemu_state": 1, "role": ..., "fixture": <the directory in the fixture
format, smbemu.directory.export>, "password_history": {rid: [NT hash hex, ...]},
"creators": {rid: SID}, "lsa_accounts": {SID: [privilege or right, ...]} or null (the
role's default assignment), "domain_settings": {domain SID: {setting: value in wire units}} or
null (what SamrSetInformationDomain set, `smbemu.directory.domain_settings`), "changes": N}``.  While it exists it *is* the directory: a server
started (or reloaded) with ``--state`` builds its directory from it instead of ``--fixture``;
without it, from the fixture, and the file is written at the first change.

* **Written atomically** after every change (`StateFile.save`): a temporary file in the same
  folder, flushed and fsync'ed, then ``os.replace`` over FILE (POSIX rename: a reader sees the old
  file or the new one, never half of one), then the folder fsync'ed.
* **Refused, never repaired**: a file that is not valid JSON (a truncated copy), not a state
  file, written for another role, or whose fixture part does not validate is refused with one
  `ConfigError` line naming FILE, the key and what is allowed; FILE is left as it is (the
  server does not start, or a reload keeps the running configuration), so nothing in it is
  lost.  Once a file was refused nothing is written over it until it loads again.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from smbemu.directory.domain_settings import SETTING_NAMES
from smbemu.directory.export import fixture_document_of
from smbemu.directory.loading import directory_from_dict
from smbemu.errors import ConfigError
from smbemu.sid import Sid

if TYPE_CHECKING:
    from smbemu.directory.lookup import Directory

__all__ = ["StateFile", "FORMAT_VERSION"]

log = logging.getLogger("smbemu.state")

FORMAT_VERSION: Final = 1
_KEYS: Final = ("smbemu_state", "role", "fixture", "password_history", "creators", "lsa_accounts", "lsa_secrets",
                "lsa_policy", "domain_settings", "changes")
_ALLOWED: Final = "a state file written by `smbemu serve --state` (move it away to start again from the fixture)"


class StateFile:
    """One ``--state`` file: `load` it into a directory, `save` a directory to it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.refused = False
        #: The directory this file belongs to now, the profile view it was built for, and the
        #: bytes last written or read: a SIGHUP reload finding the file as this server left it
        #: keeps the running directory (sessions established before the reload change the same
        #: accounts as new ones: no second copy to overwrite the file with older data).
        self.directory: Directory | None = None
        self.seen_as: dict[str, Any] | None = None
        self.last_text: str | None = None

    # -- reading -----------------------------------------------------------------------------

    def _error(self, key: str, problem: str) -> ConfigError:
        self.refused = True
        return ConfigError(str(self.path), key, problem)

    def load(self, seen_as: dict[str, Any]) -> Directory | None:
        """The directory the file holds, built as ``seen_as`` (role, release... of the profile), or
        None when there is no file yet.  Raises `ConfigError` (one line) for a broken file."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise self._error("", f"cannot read it: {getattr(exc, 'strerror', None) or exc}; allowed: {_ALLOWED}") from None
        if self.directory is not None and text == self.last_text and seen_as == self.seen_as:
            return self.directory
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise self._error(f"line {exc.lineno}",
                              f"not valid JSON ({exc.msg}; a truncated or hand-edited file?); allowed: {_ALLOWED}") from None
        if not isinstance(data, dict):
            raise self._error("", f"expected a JSON object; allowed: {_ALLOWED}")
        unknown = sorted(set(data) - set(_KEYS))
        if unknown:
            raise self._error(unknown[0], f"unknown key; allowed: {', '.join(_KEYS)}")
        if data.get("smbemu_state") != FORMAT_VERSION:
            raise self._error("smbemu_state", f"{data.get('smbemu_state')!r} is not a state format this smbemu reads; allowed: {FORMAT_VERSION}")
        role = seen_as.get("role")
        if data.get("role") != role:
            raise self._error("role", f"{data.get('role')!r} was written by a server of another role; allowed: {role!r} "
                                      "(the running profile's role; give that profile or another --state file)")
        for key in ("fixture", "password_history", "creators"):
            if not isinstance(data.get(key), dict):
                raise self._error(key, f"expected a JSON object; allowed: {_ALLOWED}")
        fixture = data["fixture"]
        machine = fixture.get("machine")
        if role != "dc" and isinstance(machine, dict) and "local_rids" not in machine:
            # written before machine.local_rids existed: its RIDs are the ones that server
            # served (and its password histories and creators are keyed by them), keep them
            fixture = {**fixture, "machine": {**machine, "local_rids": "as_given"}}
        try:
            directory = directory_from_dict(fixture, source=f"{self.path}: fixture", **seen_as)
        except ConfigError as exc:
            self.refused = True
            raise exc from None
        histories, creators = data["password_history"], data["creators"]
        for key, value in histories.items():
            if not key.isdigit() or not isinstance(value, list) or not all(_is_hash(item) for item in value):
                raise self._error(f"password_history.{key}", "expected a RID and a list of NT hashes (32 hexadecimal digits)")
            directory._history[int(key)] = [bytes.fromhex(item) for item in value]
        for key, value in creators.items():
            try:
                if not key.isdigit():
                    raise ValueError
                directory._creators[int(key)] = Sid.parse(value)
            except (ValueError, TypeError, AttributeError):
                raise self._error(f"creators.{key}", "expected a RID and the SID of the account's creator") from None
        lsa = data.get("lsa_accounts")
        if lsa is not None:
            if not isinstance(lsa, dict) or not all(isinstance(v, list) and all(isinstance(r, str) for r in v)
                                                    for v in lsa.values()):
                raise self._error("lsa_accounts", "expected null or an object of SID -> list of privilege and right names")
            directory.lsa_accounts = {str(k): list(v) for k, v in lsa.items()}
        secrets = data.get("lsa_secrets")
        if secrets is not None:
            if not isinstance(secrets, dict) or not all(isinstance(v, dict) for v in secrets.values()):
                raise self._error("lsa_secrets", "expected null or an object of secret name -> its values")
            directory.lsa_secrets = {str(k): dict(v) for k, v in secrets.items()}
        lsa_policy = data.get("lsa_policy")
        if lsa_policy is not None:
            if not isinstance(lsa_policy, dict):
                raise self._error("lsa_policy", "expected null or an object of LSA policy setting -> its value")
            directory.lsa_policy = dict(lsa_policy)
        settings = data.get("domain_settings")
        if settings is not None:
            if not isinstance(settings, dict) or not all(
                    isinstance(v, dict) and set(v) <= set(SETTING_NAMES) for v in settings.values()):
                raise self._error("domain_settings", "expected null or an object of domain SID -> SAM domain settings "
                                  f"({', '.join(SETTING_NAMES)})")
            directory.load_domain_settings({str(k): dict(v) for k, v in settings.items()})
        changes = data.get("changes", 0)
        directory.changes = changes if isinstance(changes, int) and changes >= 0 else 0
        self.refused = False
        self.last_text = text
        return directory

    # -- writing -----------------------------------------------------------------------------

    def save(self, directory: Directory) -> None:
        """Write ``directory`` atomically (see the module docstring); an error is logged, the
        running directory keeps the change."""
        if self.refused:
            log.error("state: not writing %s: the file was refused when loaded; fix or move it", self.path)
            return
        document = {
            "smbemu_state": FORMAT_VERSION,
            "role": directory.role,
            "fixture": fixture_document_of(directory),
            "password_history": {str(rid): [h.hex() for h in hashes]
                                 for rid, hashes in sorted(directory._history.items())},
            "creators": {str(rid): str(sid) for rid, sid in sorted(directory._creators.items())},
            "lsa_accounts": directory.lsa_accounts,
            "lsa_secrets": directory.lsa_secrets,
            "lsa_policy": directory.lsa_policy,
            "domain_settings": directory.domain_settings,
            "changes": directory.changes,
        }
        folder = self.path.parent
        text = json.dumps(document, indent=1)
        try:
            fd, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as stream:
                    stream.write(text)
                    stream.flush()
                    os.fsync(stream.fileno())
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            _fsync_folder(folder)
            self.last_text = text
        except OSError as exc:
            log.error("state: cannot write %s: %s", self.path, exc.strerror or exc)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - a folder that cannot be opened (not POSIX)
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _is_hash(value: object) -> bool:
    return isinstance(value, str) and len(value) == 32 and all(c in "0123456789abcdefABCDEF" for c in value)
