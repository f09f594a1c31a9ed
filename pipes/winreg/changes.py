"""Where the registry changes an administrator makes live: the server's memory.

The emulated hives are generated from the live profile each time a predefined key is opened
(:mod:`.hive`); the changes made through winreg are kept beside them as a journal of operations
per hive (:func:`record`) and replayed onto every freshly built hive (:func:`replay`), so every
later connection sees them, ``--set`` changes still show through wherever no change covers them,
and everything is gone when the server stops.  A tree a handle holds catches up with the changes
made since it was built before each call on the handle (:func:`replay`), so every connection
sees a change at once, as on Windows.

Hive files (BaseRegSaveKey(Ex), BaseRegRestoreKey, BaseRegLoadKey, BaseRegReplaceKey) are files
on the emulated server, never on the host: :func:`save_file` keeps a copy of the key's tree in
the server's memory under the file's full path (:func:`file_path`), :func:`read_file` reads it
back.

What a change to a value the profile decides does (Lsa\\RestrictAnonymous, the LanmanServer
Parameters...): the registry view only.  The enforcement point (``smbemu.policy``) reads the
profile, which only ``--set`` and a reload change; the written value is what winreg reads back.
Windows applies most of these at once ("Changes to this policy become effective without a
computer restart", Microsoft's security-policy reference, D); the README says so.
"""

from __future__ import annotations

import copy
from typing import Any, Final

from .hive import Key

#: server memo: hive name -> the operations replayed onto it (:func:`replay`).
_JOURNAL: Final = "winreg.changes"
#: server memo: full path (lower case) -> (path as given, the saved tree).
_FILES: Final = "winreg.files"
#: server memo: (hive, lower-cased path) of the keys BaseRegLoadKey mounted.
_LOADED: Final = "winreg.loaded"


def _parent_and_name(root: Key, path: str) -> tuple[Key | None, str]:
    parts = [p for p in path.split("\\") if p]
    if not parts:
        return None, ""
    return root.find("\\".join(parts[:-1])), parts[-1]


def apply(root: Key, operation: tuple[Any, ...]) -> None:
    """One journal operation on the tree ``root`` (a missing key makes it a no-op)."""
    kind, path = operation[0], operation[1]
    if kind == "create":
        created = root.path(path)
        if operation[2]:
            created.class_name = operation[2]
        return
    if kind == "delkey":
        parent, name = _parent_and_name(root, path)
        if parent is not None:
            parent.subkeys.pop(name.lower(), None)
        return
    key = root.find(path)
    if key is None:
        return
    if kind == "set":
        name, value_type, data = operation[2:]
        key.values = [v for v in key.values if v[0].lower() != name.lower()]
        key.values.append((name, value_type, data))
    elif kind == "delvalue":
        key.values = [v for v in key.values if v[0].lower() != operation[2].lower()]
    elif kind == "graft":
        graft(key, operation[2])


def graft(key: Key, tree: Key) -> None:
    """Replace ``key``'s values, subkeys and class with a copy of ``tree``'s (in place: the
    handles on ``key`` see the new content)."""
    fresh = copy.deepcopy(tree)
    key.values, key.subkeys, key.class_name = fresh.values, fresh.subkeys, fresh.class_name


def record(server: Any, hive: str, root: Key, operation: tuple[Any, ...]) -> None:
    """Keep ``operation`` for every later build of ``hive`` and apply it to ``root`` now."""
    journal: dict[str, list[tuple[Any, ...]]] = server.memo(_JOURNAL, dict)
    journal.setdefault(hive, []).append(operation)
    replay(server, hive, root)


def replay(server: Any, hive: str, root: Key) -> Key:
    """``root`` with every change recorded for ``hive`` that it does not have yet: all of them
    on a hive just built, those made since on one a handle holds (every call catches its
    handle's tree up first, so a change shows on every connection's handles at once)."""
    journal = server.memo(_JOURNAL, dict).get(hive, ())
    for operation in journal[root.replayed:]:
        apply(root, operation)
    root.replayed = len(journal)
    return root


# -------------------------------------------------------------------------------------------
# Hive files
# -------------------------------------------------------------------------------------------


def file_path(name: str, system_root: str) -> str:
    """The full path a file name given to a hive call means on the server: a relative name is
    relative to the Remote Registry service's current directory, %SystemRoot%\\System32 (W:
    impacket's suite deletes its saved files from ADMIN$\\System32)."""
    name = name.strip()
    if len(name) >= 2 and name[1] == ":" or name.startswith("\\"):
        return name
    return f"{system_root}\\System32\\{name}"


def read_file(server: Any, path: str) -> Key | None:
    entry = server.memo(_FILES, dict).get(path.lower())
    return None if entry is None else entry[1]


def save_file(server: Any, path: str, key: Key) -> bool:
    """Keep a copy of ``key``'s tree as the file ``path``; False if that file exists."""
    files: dict[str, tuple[str, Key]] = server.memo(_FILES, dict)
    if path.lower() in files:
        return False
    files[path.lower()] = (path, copy.deepcopy(key))
    return True


def mark_loaded(server: Any, hive: str, path: str, loaded: bool) -> None:
    mounted: set[tuple[str, str]] = server.memo(_LOADED, set)
    (mounted.add if loaded else mounted.discard)((hive, path.lower()))


def is_loaded(server: Any, hive: str, path: str) -> bool:
    return (hive, path.lower()) in server.memo(_LOADED, set)
