"""Finding RPC interfaces: the entry-point group ``smbemu.pipes`` and ``--pipes-dir``.

Built-in interfaces (``pipes/`` in the source tree, installed as ``smbemu_pipes``) are
registered in ``pyproject.toml`` under the entry-point group ``smbemu.pipes`` exactly like
third-party ones, so the core never imports them by name (docs: "the pipes name clash").
An entry point names an :class:`~smbemu.rpc.interface.Interface`, a list of them, or a
module exporting ``INTERFACE`` / ``INTERFACES``::

    [project.entry-points."smbemu.pipes"]
    srvsvc = "smbemu_pipes.srvsvc:INTERFACE"

:func:`load_pipes_dir` loads ``*.py`` files and sub-packages (folders with ``__init__.py``)
by path under the private package ``smbemu._extpipes`` (they must import the runtime
absolutely: ``from smbemu.rpc import ...``; relative imports between files of the same
directory, and inside a sub-package, work too).

Every interface is validated when it is added (UUID and version format, duplicates, every
opnum declared, handlers callable with ``(ctx, request)``, every access rule -- the policy's
:data:`smbemu.policy.RULES` rows for the interface and the interface's own ``rules`` -- naming
an operation it declares); errors are
:class:`smbemu.errors.ConfigError` naming the entry point or file.  The mgmt interface
(:data:`smbemu.rpc.mgmt.MGMT`) is part of the runtime and present on every pipe.
"""

from __future__ import annotations

import importlib.machinery
import importlib.metadata
import importlib.util
import logging
import sys
import types
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from smbemu.errors import ConfigError
from smbemu.pipe_names import normalize_pipe_name
from smbemu.policy import check_rules, declare_operations
from smbemu.rpc.interface import Interface, InterfaceError, iter_interfaces
from smbemu.rpc.mgmt import MGMT
from smbemu.rpc.ndr import Operation

__all__ = ["ENTRY_POINT_GROUP", "EXT_PACKAGE", "PipeInfo", "Registry", "load_entry_points",
           "load_pipes_dir"]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP: Final = "smbemu.pipes"
#: Private package under which ``--pipes-dir`` files are imported.
EXT_PACKAGE: Final = "smbemu._extpipes"


@dataclass(frozen=True, slots=True)
class PipeInfo:
    """What one pipe offers: its interfaces (mgmt included) and the bind_ack address."""

    name: str
    interfaces: tuple[Interface, ...]
    #: (uuid, major version) -> interfaces with that syntax, highest minor first.
    by_syntax: dict[tuple[uuid.UUID, int], tuple[Interface, ...]]
    secondary_address: str

    def find(self, if_uuid: uuid.UUID, major: int, minor: int) -> Interface | None:
        """The interface a bind for ``if_uuid`` vmajor.minor selects: same major version and
        a minor version at least the client's (C706 12.6.3.1, "compatible versions")."""
        for iface in self.by_syntax.get((if_uuid, major), ()):
            if iface.version[1] >= minor:
                return iface
        return None

    def without(self, absent: Collection[Interface]) -> PipeInfo:
        """This pipe without the interfaces ``absent`` (an interface the emulated machine does
        not run, e.g. drsuapi on a member server: its bind is refused like any unknown one)."""
        return PipeInfo(self.name, tuple(i for i in self.interfaces if i not in absent),
                        {k: kept for k, v in self.by_syntax.items()
                         if (kept := tuple(i for i in v if i not in absent))},
                        self.secondary_address)


class PipeView:
    """A registry that knows one pipe only (what an `RpcEndpoint` asks for its interfaces)."""

    def __init__(self, info: PipeInfo) -> None:
        self._info = info

    def pipe(self, name: str) -> PipeInfo:
        return self._info


def served_on(iface: Interface, config: Any) -> bool:
    """Does the emulated machine serve ``iface``?  An interface may say it is absent on some
    machines with a ``served_on(config)`` attribute (drsuapi: domain controllers only); its
    pipes still exist (unlike ``available``, which removes the interface's pipes)."""
    check = getattr(iface, "served_on", None)
    return True if check is None else bool(check(config))


class Registry:
    """Interfaces by pipe name and by syntax.  Build with :meth:`load` in production."""

    def __init__(self, interfaces: Iterable[Interface] = (), *,
                 blocked: Collection[str] = ()) -> None:
        self._blocked = frozenset(b.lower() for b in blocked)
        self._by_name: dict[str, Interface] = {}
        self._sources: dict[str, str] = {}
        self._by_syntax: dict[tuple[uuid.UUID, int, int], Interface] = {}
        self._by_pipe: dict[str, list[Interface]] = {}
        self._pipe_cache: dict[str, PipeInfo] = {}
        for iface in interfaces:
            self.add(iface)

    @classmethod
    def load(cls, *, group: str = ENTRY_POINT_GROUP, pipes_dirs: Sequence[str | Path] = (),
             blocked: Collection[str] = (), entry_points: bool = True) -> Registry:
        """Entry points of ``group`` (built-ins and plugins), then each ``--pipes-dir``."""
        reg = cls(blocked=blocked)
        if entry_points:
            for source, iface in load_entry_points(group):
                reg.add(iface, source)
        for d in pipes_dirs:
            for source, iface in load_pipes_dir(d):
                reg.add(iface, source)
        return reg

    def add(self, iface: Interface, source: str = "<code>") -> None:
        """Validate and register ``iface``; raises :class:`ConfigError` naming ``source``."""
        if not isinstance(iface, Interface):
            raise ConfigError(source, "", f"{iface!r} is not an Interface")
        if iface.name.lower() in self._blocked:
            log.info("interface %s from %s is blocked by configuration", iface.name, source)
            return
        try:
            iface.validate()
        except InterfaceError as exc:
            raise ConfigError(source, iface.name, str(exc)) from exc
        if iface.uuid == MGMT.uuid:
            raise ConfigError(source, iface.name, "mgmt is provided by the RPC runtime")
        other = self._by_name.get(iface.name.lower())
        if other is not None:
            raise ConfigError(source, iface.name, f"an interface named {iface.name!r} is "
                              f"already registered by {self._sources[iface.name.lower()]}")
        key = (iface.uuid, iface.version[0], iface.version[1])
        dup = self._by_syntax.get(key)
        if dup is not None:
            raise ConfigError(source, iface.name, f"{iface.uuid} v{iface.version[0]}."
                              f"{iface.version[1]} is already registered as {dup.name!r} by "
                              f"{self._sources[dup.name.lower()]}")
        if not iface.pipes:
            raise ConfigError(source, iface.name, "declares no pipe (pipes=(...))")
        operations = [op for op in iface.operations.values() if isinstance(op, Operation)]
        unknown = check_rules(iface.name, (op.name for op in operations), iface.rules)
        if unknown:
            raise ConfigError(source, iface.name, unknown[0])
        declare_operations(iface.name, {op.name: op.returns for op in operations})
        self._by_name[iface.name.lower()] = iface
        self._sources[iface.name.lower()] = source
        self._by_syntax[key] = iface
        for pipe in iface.pipes:
            self._by_pipe.setdefault(pipe, []).append(iface)
        self._pipe_cache.clear()

    # queries
    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._by_name

    def __iter__(self) -> Any:
        return iter(tuple(self._by_name.values()))

    def interface(self, name: str) -> Interface | None:
        return self._by_name.get(name.lower())

    def lookup(self, if_uuid: uuid.UUID | str, version: tuple[int, int]) -> Interface | None:
        """The interface registered with exactly this UUID and version."""
        u = if_uuid if isinstance(if_uuid, uuid.UUID) else uuid.UUID(if_uuid)
        return self._by_syntax.get((u, version[0], version[1]))

    def pipe_names(self) -> frozenset[str]:
        return frozenset(self._by_pipe)

    def has_pipe(self, name: str) -> bool:
        return normalize_pipe_name(name) in self._by_pipe

    def interfaces_for_pipe(self, name: str) -> tuple[Interface, ...]:
        """The interfaces reachable on pipe ``name`` (mgmt included); empty if unknown."""
        info = self.pipe(name)
        return info.interfaces if info is not None else ()

    def pipe(self, name: str) -> PipeInfo | None:
        """The :class:`PipeInfo` of pipe ``name`` (any case, with or without ``\\PIPE\\``)."""
        key = normalize_pipe_name(name)
        info = self._pipe_cache.get(key)
        if info is not None:
            return info
        ifaces = self._by_pipe.get(key)
        if ifaces is None:
            return None
        all_ifaces = (*ifaces, MGMT)
        by_syntax: dict[tuple[uuid.UUID, int], list[Interface]] = {}
        for i in all_ifaces:
            by_syntax.setdefault((i.uuid, i.version[0]), []).append(i)
        addresses = {i.secondary_address for i in ifaces if i.secondary_address}
        address = sorted(addresses)[0] if addresses else f"\\PIPE\\{key}"
        info = PipeInfo(key, all_ifaces,
                        {k: tuple(sorted(v, key=lambda i: i.version[1], reverse=True))
                         for k, v in by_syntax.items()}, address)
        self._pipe_cache[key] = info
        return info


# -------------------------------------------------------------------------------------------
# Discovery
# -------------------------------------------------------------------------------------------


def load_entry_points(group: str = ENTRY_POINT_GROUP) -> list[tuple[str, Interface]]:
    """Load every entry point of ``group``; ``(source, interface)`` pairs."""
    found: list[tuple[str, Interface]] = []
    for ep in sorted(importlib.metadata.entry_points(group=group), key=lambda e: e.name):
        source = f"entry point {group}:{ep.name} = {ep.value}"
        try:
            obj = ep.load()
        except Exception as exc:  # a broken plugin must name itself, not crash obscurely
            raise ConfigError(source, "", f"cannot be loaded: {exc!r}") from exc
        try:
            ifaces = list(iter_interfaces(obj))
        except InterfaceError as exc:
            raise ConfigError(source, "", str(exc)) from exc
        if not ifaces:
            raise ConfigError(source, "", "exports no Interface")
        found.extend((source, i) for i in ifaces)
    return found


def _ext_package(directory: Path) -> types.ModuleType:
    pkg = sys.modules.get(EXT_PACKAGE)
    if pkg is None:
        pkg = types.ModuleType(EXT_PACKAGE, "interfaces loaded with --pipes-dir")
        pkg.__path__ = []
        pkg.__package__ = EXT_PACKAGE
        pkg.__spec__ = importlib.machinery.ModuleSpec(EXT_PACKAGE, None, is_package=True)
        sys.modules[EXT_PACKAGE] = pkg
    paths = pkg.__path__
    if str(directory) not in paths:
        paths.append(str(directory))
    return pkg


def _pipe_modules(directory: Path) -> list[tuple[str, Path, Path]]:
    """(module name, source shown in errors, file to execute) of every interface module in
    ``directory``: each ``*.py`` file and each sub-package (a folder with ``__init__.py``, for
    an interface split into modules the way the built-ins are), in name order; names starting
    with ``_`` are helpers the others import, not interfaces."""
    found: dict[str, tuple[Path, Path]] = {}
    for entry in sorted(directory.iterdir()):
        if entry.name.startswith(("_", ".")):
            continue
        if entry.is_dir() and (entry / "__init__.py").is_file():
            stem, init = entry.name, entry / "__init__.py"
        elif entry.is_file() and entry.suffix == ".py":
            stem, init = entry.stem, entry
        else:
            continue
        if stem in found:
            raise ConfigError(str(entry), "", f"{found[stem][0]} defines module {stem!r} too")
        found[stem] = (entry, init)
    return [(stem, source, init) for stem, (source, init) in sorted(found.items())]


def _forget(modname: str) -> None:
    """Drop a module that failed to load, and the submodules of a package it imported."""
    for name in [n for n in sys.modules if n == modname or n.startswith(modname + ".")]:
        del sys.modules[name]


def load_pipes_dir(path: str | Path) -> list[tuple[str, Interface]]:
    """Import every ``*.py`` in ``path`` and every sub-package (a folder with ``__init__.py``),
    not ``_*``, as ``smbemu._extpipes.<name>``.  A sub-package imports its own modules
    relatively (``from .types import ...``), as the built-in interfaces split into packages do."""
    directory = Path(path).resolve()
    if not directory.is_dir():
        raise ConfigError(str(path), "", "is not a directory")
    _ext_package(directory)
    found: list[tuple[str, Interface]] = []
    for stem, entry, file in _pipe_modules(directory):
        source = str(entry)
        if not stem.isidentifier():
            raise ConfigError(source, "", f"{stem!r} is not a valid module name")
        modname = f"{EXT_PACKAGE}.{stem}"
        module = sys.modules.get(modname)
        if module is not None:
            if Path(getattr(module, "__file__", "") or "").resolve() != file:
                raise ConfigError(source, "", f"another pipes dir already defines {stem!r} "
                                  f"({getattr(module, '__file__', '?')})")
        else:
            locations = [str(entry)] if entry is not file else None
            spec = importlib.util.spec_from_file_location(
                modname, file, submodule_search_locations=locations)
            if spec is None or spec.loader is None:  # pragma: no cover - .py always has one
                raise ConfigError(source, "", "cannot be imported")
            module = importlib.util.module_from_spec(spec)
            sys.modules[modname] = module
            try:
                spec.loader.exec_module(module)
            except Exception as exc:
                _forget(modname)
                raise ConfigError(source, "", f"cannot be loaded: {exc!r}") from exc
        try:
            ifaces = list(iter_interfaces(module))
        except InterfaceError as exc:
            raise ConfigError(source, "", str(exc)) from exc
        if not ifaces:
            raise ConfigError(source, "", "defines no INTERFACE or INTERFACES")
        found.extend((source, i) for i in ifaces)
    return found
