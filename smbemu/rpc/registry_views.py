"""Registry keys a service keeps: the seam between an interface's live state and winreg.

Windows keeps some services' state in the registry, where the Remote Registry service serves it
to winreg clients: the print spooler writes its forms, printers, drivers, print processors,
monitors and print server values under ``HKLM\\SYSTEM\\CurrentControlSet\\Control\\Print``
(MS-RPRN 3.1.1 leaves the store to the implementation; Windows' is that key, W: smbtorture's
rpc.spoolss ``*_winreg`` sub-tests, written against Windows, read it there).  An interface module
that emulates such a service registers a *view* here (:func:`register_view`): a function of the
server answering, as plain data, the keys it owns.  The emulated registry (``pipes/winreg``)
mirrors every registered view into HKEY_LOCAL_MACHINE before each call, so a change made through
the service shows in winreg at once; neither interface imports the other (the layout rule: a
pipe module imports no other interface).

The registration is process-wide (the interface modules are loaded once); a view answers None
for a server where its service does not run (its keys are then left as the hive has them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from smbemu.rpc.handler_server import HandlerServer

__all__ = ["RegistryValue", "RegistryView", "ViewSource", "register_view", "registry_views"]

#: (name, REG_* type, data) of one value (MS-RRP 2.2.5 types).
RegistryValue = tuple[str, int, bytes]


@dataclass(frozen=True, slots=True)
class RegistryView:
    """The keys a service owns, below HKEY_LOCAL_MACHINE.

    ``roots``: the subtrees the view owns whole (each path relative to HKLM): every key below a
    root that ``keys`` does not list is not there.  ``keys``: each key's path (relative to HKLM,
    below one of the roots) and its values in order.  ``links``: a key that is another key under
    a second name (a registry symbolic link, REG_LINK): path -> target path."""

    roots: tuple[str, ...]
    keys: Mapping[str, Sequence[RegistryValue]]
    links: Mapping[str, str] = field(default_factory=dict)


ViewSource = Callable[[HandlerServer], "RegistryView | None"]
_SOURCES: dict[str, ViewSource] = {}


def register_view(name: str, source: ViewSource) -> None:
    """Register (or replace) the view ``name`` (the interface's name, e.g. ``"spoolss"``)."""
    _SOURCES[name] = source


def registry_views(server: HandlerServer) -> list[RegistryView]:
    """Every registered view as it is now on ``server`` (those whose service runs)."""
    views = (source(server) for source in tuple(_SOURCES.values()))
    return [view for view in views if view is not None]
