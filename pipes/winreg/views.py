"""The keys other services keep, mirrored into HKEY_LOCAL_MACHINE (:mod:`smbemu.rpc.registry_views`).

Before every call (and when HKLM is opened) each registered view -- the print spooler's
``Control\\Print`` keys, pipes/spoolss/registry.py -- is copied into the handle's tree **in
place**: a key that stays keeps its object, so a handle opened on it sees the new values at once;
a key the service no longer has leaves its parent (a handle on it keeps reading what it last
held, as a handle on a deleted key does, :mod:`.changes`).  A link (a registry symbolic link) is
the target key itself under a second name.

Changes an administrator made through winreg below a view's roots (:mod:`.changes`' journal)
are applied again after the copy, so they stay visible: the registry is written last, as when
Windows' spooler has not rewritten the key since (U: Windows' spooler keeps its state in memory
and rewrites a key when it changes the object, so a value written behind its back lasts until
then; the emulation keeps it for good).  A winreg change does not reach the service's own state:
the Windows spooler reads these keys when it starts, and the emulated one never restarts (U).
"""

from __future__ import annotations

from typing import Any

from smbemu.filetime import filetime_now
from smbemu.rpc.registry_views import RegistryView, registry_views

from .changes import _JOURNAL, apply
from .hive import Key


def _below(path: str, root: str) -> bool:
    path, root = path.lower().strip("\\"), root.lower().strip("\\")
    return path == root or path.startswith(root + "\\")


def _fresh_tree(view: RegistryView, root: str, linked: dict[str, Key]) -> Key:
    """The subtree ``root`` as the view has it, as new Key objects; a link below it is its
    target's own object (``linked``: link path, lower-cased -> target key)."""
    top = Key(root.rsplit("\\", 1)[-1])
    depth = len([p for p in root.split("\\") if p])
    for path, values in view.keys.items():
        if not _below(path, root) or any(_below(path, link) for link in linked):
            continue
        key = top
        for part in [p for p in path.split("\\") if p][depth:]:
            key = key.child(part)
        key.values = list(values)
    for link, target in linked.items():
        if _below(link, root) and link != root.lower():
            parent_path, _, name = link.rpartition("\\")
            parent = top
            for part in [p for p in parent_path.split("\\") if p][depth:]:
                parent = parent.child(part)
            parent.subkeys[name] = target
    return top


def _sync(key: Key, fresh: Key, now: int, linked: set[int]) -> None:
    """Make ``key`` hold what ``fresh`` holds, keeping the objects of the subkeys that stay; a
    link's target (in ``linked``) is put in place as it is, never copied nor changed here."""
    if key.values != fresh.values:
        key.values = list(fresh.values)
        key.last_write = now
    for name in [n for n in key.subkeys if n not in fresh.subkeys]:
        del key.subkeys[name]
        key.last_write = now
    for name, sub in fresh.subkeys.items():
        mine = key.subkeys.get(name)
        if id(sub) in linked:
            if mine is not sub:
                key.subkeys[name] = sub
            continue
        if mine is None:
            key.subkeys[name] = mine = Key(sub.name, last_write=now)
            key.last_write = now
        _sync(mine, sub, now, linked)


def mirror(server: Any, hive: str, root: Key) -> Key:
    """``root`` (an HKLM tree) with every registered view copied in, then the winreg changes
    made below the views' roots applied again."""
    if hive != "HKLM":
        return root
    views = registry_views(server)
    if not views:
        return root
    now = filetime_now()
    owned: list[str] = []
    for view in views:
        linked = {link.lower().strip("\\"): root.path(target) for link, target in view.links.items()}
        for path in view.roots:
            _sync(root.path(path), _fresh_tree(view, path, linked), now,
                  {id(target) for target in linked.values()})
            owned.append(path)
        owned += list(linked)
    journal = server.memo(_JOURNAL, dict).get(hive, ())
    for operation in journal[:root.replayed]:
        if any(_below(operation[1], path) for path in owned):
            apply(root, operation)
    return root


#: REG_LINK (MS-RRP 2.2.5): a symbolic link's target, the SymbolicLinkValue of a link key.
REG_LINK = 6


def link_key(server: Any, hive: str, path: str) -> Key | None:
    """What BaseRegOpenKey with REG_OPTION_OPEN_LINK opens at ``path``: when a view declares a
    link there, the link itself -- a key holding only SymbolicLinkValue, REG_LINK, the target's
    native path (``\\Registry\\Machine\\...``, UTF-16LE without a terminating NUL; W:
    smbtorture's test_winreg_symbolic_link, written against Windows, reads the Printers link so)
    -- else None (the key opens as usual)."""
    if hive != "HKLM":
        return None
    wanted = path.lower().strip("\\")
    for view in registry_views(server):
        for link, target in view.links.items():
            if link.lower().strip("\\") == wanted:
                native = "\\Registry\\Machine\\" + target.strip("\\")
                return Key(link.rsplit("\\", 1)[-1], last_write=filetime_now(),
                           values=[("SymbolicLinkValue", REG_LINK, native.encode("utf-16-le"))])
    return None
