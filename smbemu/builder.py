"""The one config builder: names and files in, a validated `ServerConfig` out.

`smbemu serve` (one host or ``--hosts``), `smbemu.serve`, the ``smbemu_server`` pytest fixture
and the SIGHUP reload all build a server's configuration here, so a profile, a fixture, a
limit or a fault rule means the same thing whichever way the server was started, and every
mistake is the same `ConfigError` line.

Parsing is what makes starting a server slow: the profile's YAML chain, the fixture's YAML and
its validation, importing and validating the RPC interfaces (about 0.9 s for the first server of
a process). A client author's test suite starts a server per test, so what is parsed is kept in
a process-wide cache and shared read-only by every server built from the same files. An entry
is keyed by what was asked (the profile's resolved path and overrides; the fixture's resolved
path and the profile values that shape it) and is valid while each file it was read from has
the same modification time and size: an edited file is read again, which the reload relies on.

Sharing is safe because nothing a server does changes what is shared: a `Profile` is a frozen
dataclass; the directory's model (machine, domains, users, groups, aliases, shares) is made of
frozen records; the interface registry is not changed once loaded. What a server does change
is its own: each server gets its own `Directory` around the shared model (so a user locked out
on one server is not locked out on another), its own `ServerState` and its own fault engine.
A fixture given as a dict (``smbemu.serve(fixture={...})``) is not cached.
"""

from __future__ import annotations

import hashlib
import struct
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from smbemu.config import ServerConfig, make_limits

if TYPE_CHECKING:
    from smbemu.directory import Directory
    from smbemu.profiles import Profile
    from smbemu.rpc.registry import Registry

__all__ = ["build_config", "load_profile_cached", "fixture_document", "clear_cache", "Overrides", "FixtureArg"]

#: Profile overrides: ``{"RestrictAnonymous": 2}`` (the test fixture's keywords) or
#: ``["RestrictAnonymous=2"]`` (``--set`` and a hosts file's ``set:``).
Overrides = Mapping[str, object] | Iterable[str]
#: A fixture: a built-in name (``"minimal"``), a path, a dict in the fixture format, or None (corp).
FixtureArg = str | Path | Mapping[str, Any] | None

T = TypeVar("T")

# -------------------------------------------------------------------------------- the cache

#: One stat of a file: (resolved path, st_mtime_ns, st_size); None when it cannot be read.
_Stamp = tuple[tuple[str, int, int] | None, ...]

#: Entries kept at most: a suite that cycles through many profiles and overrides keeps the
#: recent ones (a large fixture's model can be hundreds of MB: it is not kept forever).
_MAX_ENTRIES = 64


def _stamp(files: Sequence[Path]) -> _Stamp:
    stamps: list[tuple[str, int, int] | None] = []
    for file in files:
        try:
            st = file.stat()
        except OSError:
            stamps.append(None)
        else:
            stamps.append((str(file), st.st_mtime_ns, st.st_size))
    return tuple(stamps)


class _ParseCache:
    """Parsed files by key, each valid while the files it came from are unchanged."""

    def __init__(self) -> None:
        self._entries: OrderedDict[Hashable, tuple[tuple[Path, ...], _Stamp, Any]] = OrderedDict()
        # Servers are built from several threads (the pytest fixture builds in the test's
        # thread, a server's loop thread may build another): one build of a key at a time.
        self._lock = threading.RLock()

    def get(self, key: Hashable, load: Callable[[], tuple[T, Sequence[Path]]]) -> T:
        """The cached value of `key`, or ``load()`` → (value, the files it was read from)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                files, stamp, value = entry
                if _stamp(files) == stamp:
                    self._entries.move_to_end(key)
                    return value  # type: ignore[no-any-return]
                del self._entries[key]
            loaded, read = load()
            files = tuple(Path(f).resolve() for f in read)
            stamp = _stamp(files)
            if None not in stamp:  # a file that cannot be stat'ed is read again next time
                self._entries[key] = (files, stamp, loaded)
                while len(self._entries) > _MAX_ENTRIES:
                    self._entries.popitem(last=False)
            return loaded

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_CACHE = _ParseCache()


def clear_cache() -> None:
    """Forget every parsed file (the next server parses again, as the first of a process does)."""
    _CACHE.clear()


# ------------------------------------------------------------------------------ the profile

def _override_text(value: object) -> str:
    """A keyword override's value as ``--set`` would spell it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(str(v) for v in value)
    return str(value)


def _override_list(overrides: Overrides | None) -> dict[str, str] | list[str]:
    """Overrides as `smbemu.profiles.load_profile` takes them, with text values."""
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        return {str(k): _override_text(v) for k, v in overrides.items()}
    if isinstance(overrides, str):  # a single "KEY=VALUE", not an iterable of characters
        return [overrides]
    return list(overrides)


def _chain_files(profile: Profile) -> list[Path]:
    """The files of a loaded profile's ``extends`` chain, from how `Profile.chain` names them
    (``policies/NAME.yaml`` for a built-in, else the path as read); `--set` is not a file."""
    from smbemu.directory import builtin_data_dir
    from smbemu.profiles import SET_SOURCE

    builtin = builtin_data_dir("smbemu_policies", "policies")
    files = []
    for source in profile.chain:
        if source == SET_SOURCE:
            continue
        name = source.removeprefix("policies/")
        if name != source and (builtin / name).is_file():
            files.append(builtin / name)
        else:
            files.append(Path(source))
    return files


def load_profile_cached(name_or_path: str | Path | None = None, overrides: Overrides | None = None) -> Profile:
    """`smbemu.profiles.load_profile`, parsed once per process for the same files and overrides."""
    from smbemu.profiles import DEFAULT_PROFILE, load_profile, profile_path

    given = _override_list(overrides)
    top = profile_path(DEFAULT_PROFILE if name_or_path is None else name_or_path)

    def load() -> tuple[Profile, list[Path]]:
        loaded = load_profile(name_or_path, given)
        return loaded, [top, *_chain_files(loaded)]

    # The name as given is part of the key: the profile's `path` and `chain` show it.
    asked = tuple(given.items()) if isinstance(given, dict) else tuple(given)
    profile: Profile = _CACHE.get(("profile", str(top.resolve()), str(name_or_path), asked), load)
    return profile


# ------------------------------------------------------------------------------ the fixture

def fixture_document(fixture: str | Path | None) -> tuple[str, Any]:
    """(the name errors give the fixture, its parsed document), parsed once per process.

    The document is shared: read it, never change it."""
    from smbemu.directory import fixture_path, read_fixture_data

    file, source = fixture_path(fixture)

    def load() -> tuple[tuple[str, Any], list[Path]]:
        return (source, read_fixture_data(file, source)), [file]

    result: tuple[str, Any] = _CACHE.get(("fixture", str(file.resolve()), source), load)
    return result


def renamed_machine(document: Any, name: str) -> Any:
    """A copy of a fixture document whose machine is called ``name``: its NetBIOS name, its DNS
    name in the fixture's DNS domain, and a machine SID of its own (Windows draws one at setup;
    here it follows from the name, so the same name always gets the same SID)."""
    if not isinstance(document, Mapping) or not isinstance(document.get("machine"), Mapping):
        return document  # the fixture's own validation names what is wrong
    machine = dict(document["machine"])
    old_dns = str(machine.get("dns_name") or "")
    domain = document.get("domain")
    suffix = str((domain.get("dns_name") if isinstance(domain, Mapping) else None) or (old_dns.partition(".")[2] if "." in old_dns else ""))
    digest = hashlib.sha256(name.upper().encode("utf-8")).digest()
    subauthorities = struct.unpack("<3I", digest[:12])
    machine.update(netbios_name=name.upper(),
                   dns_name=f"{name.lower()}.{suffix}" if suffix else name.lower(),
                   sid="S-1-5-21-" + "-".join(str(value) for value in subauthorities))
    return {**document, "machine": machine}


def _directory_model(profile: Profile, fixture: FixtureArg, machine_name: str | None = None) -> Directory:
    """The fixture's directory as `profile` sees it (its role, release, guest account and
    Pre-Windows 2000 members), as in `smbemu.profiles.directory_for`; cached for files.
    ``machine_name``: the machine is renamed (`renamed_machine`), as a `--hosts` entry's `name:`."""
    from smbemu.directory import directory_from_dict, fixture_path

    seen_as: dict[str, Any] = {
        "role": profile.role,
        "os_version": (*profile.identity.version, profile.identity.build),  # the build: 2016 vs 2019
        "guest_enabled": profile.smb.guest_account_enabled,
        "pre2000_members": profile.anonymous.pre2000_compatible_access_members,
    }
    if isinstance(fixture, Mapping):
        document = renamed_machine(fixture, machine_name) if machine_name else fixture
        return directory_from_dict(document, source="<fixture dict>", **seen_as)
    file, _ = fixture_path(fixture)

    def load() -> tuple[Directory, list[Path]]:
        source, document = fixture_document(fixture)
        if machine_name:
            document = renamed_machine(document, machine_name)
        return directory_from_dict(document, source=source, **seen_as), [file]

    key = ("directory", str(file.resolve()), str(fixture), machine_name,
           tuple(sorted(seen_as.items(), key=lambda kv: kv[0])))
    model: Directory = _CACHE.get(key, load)
    return model


def _own_directory(model: Directory) -> Directory:
    """A directory for one server: the shared, immutable model (machine, domains, accounts,
    shares) with account states of its own (lockout, bad-password and logon counts start
    from the fixture's values), so what one server's clients do to an account stays there."""
    from smbemu.directory import Directory

    return Directory(
        role=model.role,
        source=model.source,
        machine=model.machine,
        domain=model.domain,
        account_domain=model.account_domain,
        builtin_domain=model.builtin_domain,
        primary_domain=model.primary_domain,
        shares=model.shares,
    )


# -------------------------------------------------------------------------------- the pipes

def _pipes(pipes_dir: str | Path | None) -> Registry:
    """The interface registry (entry points, then ``--pipes-dir``), loaded once per process
    for the same modules; the registry is read-only once loaded."""
    from smbemu.rpc_binding import load_pipes

    folder = Path(pipes_dir).resolve() if pipes_dir else None
    modules = tuple(sorted(folder.glob("*.py"))) if folder is not None and folder.is_dir() else ()

    def load() -> tuple[Registry, tuple[Path, ...]]:
        registry: Registry = load_pipes(str(pipes_dir) if pipes_dir else None)
        return registry, modules

    # The module list is part of the key: a file added to the folder is a new registry.
    registry: Registry = _CACHE.get(("pipes", str(folder), modules), load)
    return registry


# ------------------------------------------------------------------------------ the builder

def build_config(
    profile: str | Path | None = None,
    fixture: FixtureArg = None,
    *,
    overrides: Overrides | None = None,
    pipes_dir: str | Path | None = None,
    faults: Any = None,
    limits: Mapping[str, Any] | None = None,
    limits_source: str = "command line",
    audit_log: object = None,
    machine_name: str | None = None,
) -> ServerConfig:
    """A validated `ServerConfig`; raises `smbemu.errors.ConfigError` naming the bad key.

    ``profile``: a built-in name or a YAML file (None: ``win2000``); ``fixture``: see `FixtureArg`;
    ``overrides``: see `Overrides`; ``faults``: a list of rules (dicts or `smbemu.faults.FaultRule`)
    or a faults YAML file; ``limits``: `smbemu.config.Limits` fields to change, named as flags
    in errors when ``limits_source`` is ``"command line"``; ``audit_log``: a path, ``-`` (stdout),
    a text stream or an `smbemu.audit.AuditLog` (None: no audit log); ``machine_name``: the
    fixture's machine under another name (`renamed_machine`)."""
    from smbemu.faults import engine_for

    server_limits = make_limits(limits or {}, source=limits_source)
    loaded_profile = load_profile_cached(profile, overrides)
    directory = _own_directory(_directory_model(loaded_profile, fixture, machine_name))
    config = ServerConfig(profile=loaded_profile, directory=directory, limits=server_limits)
    config.pipes = _pipes(pipes_dir)
    config.faults = engine_for(faults)
    if audit_log is not None:
        from smbemu.audit import computer_name, open_audit_log, subscribe

        subscribe(config, open_audit_log(audit_log, computer_name(config)))  # type: ignore[arg-type]
    return config
