"""Hive files: BaseRegSaveKey (20), BaseRegSaveKeyEx (31), BaseRegRestoreKey (19),
BaseRegLoadKey (13), BaseRegUnLoadKey (23) and BaseRegReplaceKey (18), as MS-RRP 3.1.5 answers
them.

The files named are files on the emulated server: a saved key is a copy of its tree kept in the
server's memory under the file's full path (a relative name is under %SystemRoot%\\System32,
:func:`.changes.file_path`), never a file on the host.  As on Windows, saving to a file that
exists is ERROR_ALREADY_EXISTS, and restoring, loading or replacing from one that does not is
ERROR_FILE_NOT_FOUND.  The server serves no disk share, so a saved file cannot be fetched or
deleted over SMB (impacket's suite deletes its saved files through ADMIN$: those tests stay
listed as needing a file share).

The checks come in Windows' order: the handle, the policy's rule (SeBackupPrivilege for saving,
SeRestorePrivilege -- and SeBackupPrivilege -- for the others: Administrators hold both, D:
"Back up files and directories" / "Restore files and directories" user rights; a non-administrator
is refused ERROR_ACCESS_DENIED, the handle it may hold being a read-only AllowedPaths one), then
the parameters and the files.
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import uint32
from smbemu.status import (
    ERROR_ALREADY_EXISTS,
    ERROR_FILE_NOT_FOUND,
    ERROR_INVALID_PARAMETER,
)

from . import INTERFACE, _name_in, _Opened
from .changes import file_path, is_loaded, mark_loaded, read_file, record, save_file
from .hive import _system_root
from .types import RPC_HKEY, RRP_UNICODE_STRING
from .writes import PRPC_SECURITY_ATTRIBUTES, checked

#: BaseRegSaveKeyEx Flags (MS-RRP 3.1.5.30): REG_STANDARD_FORMAT 1, REG_LATEST_FORMAT 2,
#: REG_NO_COMPRESSION 4 -- exactly one of them.
_SAVE_FORMATS: Final = (1, 2, 4)
#: BaseRegRestoreKey Flags (MS-RRP 3.1.5.19): REG_WHOLE_HIVE_VOLATILE 1, REG_REFRESH_HIVE 2,
#: REG_NO_LAZY_FLUSH 4, REG_FORCE_RESTORE 8.
_RESTORE_FLAGS: Final = 0x0F
#: The predefined keys a hive may be loaded under (MS-RRP 3.1.5.14: HKEY_LOCAL_MACHINE or
#: HKEY_USERS).
_LOAD_ROOTS: Final = ("HKLM", "HKU")


def _file(ctx: CallContext, name: str | None) -> str:
    return file_path(_name_in(name or ""), _system_root(ctx.server.profile.identity.version))


def _save(ctx: CallContext, request: dict[str, Any], flags: int | None) -> dict[str, Any]:
    opened, status = checked(ctx, request, 0)
    if status:
        return {"ReturnValue": status}
    if flags is not None and flags not in _SAVE_FORMATS:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    path = _file(ctx, request["lpFile"])
    if not _name_in(request["lpFile"] or ""):
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    if not save_file(ctx.server, path, opened.key):
        return {"ReturnValue": ERROR_ALREADY_EXISTS}
    return {"ReturnValue": 0}


@INTERFACE.operation(20, "BaseRegSaveKey",
                     request=[("hKey", RPC_HKEY), ("lpFile", RRP_UNICODE_STRING),
                              ("pSecurityAttributes", PRPC_SECURITY_ATTRIBUTES)],
                     response=[], returns="error_status_t")
def BaseRegSaveKey(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.20: the handle's key and its subkeys saved to lpFile (a new file)."""
    return _save(ctx, request, None)


@INTERFACE.operation(31, "BaseRegSaveKeyEx",
                     request=[("hKey", RPC_HKEY), ("lpFile", RRP_UNICODE_STRING),
                              ("pSecurityAttributes", PRPC_SECURITY_ATTRIBUTES),
                              ("Flags", uint32)],
                     response=[], returns="error_status_t")
def BaseRegSaveKeyEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.30: BaseRegSaveKey in a format the Flags choose (one copy here)."""
    return _save(ctx, request, request["Flags"])


@INTERFACE.operation(19, "BaseRegRestoreKey",
                     request=[("hKey", RPC_HKEY), ("lpFile", RRP_UNICODE_STRING),
                              ("Flags", uint32)],
                     response=[], returns="error_status_t")
def BaseRegRestoreKey(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.19: the handle's key replaced by the tree saved in lpFile."""
    opened, status = checked(ctx, request, 0)
    if status:
        return {"ReturnValue": status}
    if request["Flags"] & ~_RESTORE_FLAGS:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    tree = read_file(ctx.server, _file(ctx, request["lpFile"]))
    if tree is None:
        return {"ReturnValue": ERROR_FILE_NOT_FOUND}
    record(ctx.server, opened.hive, opened.root, ("graft", opened.path, tree))
    return {"ReturnValue": 0}


def _root_handle(opened: _Opened) -> bool:
    return not opened.path and opened.hive in _LOAD_ROOTS


@INTERFACE.operation(13, "BaseRegLoadKey",
                     request=[("hKey", RPC_HKEY), ("lpSubKey", RRP_UNICODE_STRING),
                              ("lpFile", RRP_UNICODE_STRING)],
                     response=[], returns="error_status_t")
def BaseRegLoadKey(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.14: the hive saved in lpFile mounted as lpSubKey, a new key directly below
    HKEY_LOCAL_MACHINE or HKEY_USERS (ERROR_INVALID_PARAMETER for another handle; a name
    already there is ERROR_ALREADY_EXISTS, U: the status Windows gives)."""
    opened, status = checked(ctx, request, 0)
    if status:
        return {"ReturnValue": status}
    sub = _name_in(request["lpSubKey"] or "").strip("\\")
    if not _root_handle(opened) or not sub or "\\" in sub:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    tree = read_file(ctx.server, _file(ctx, request["lpFile"]))
    if tree is None:
        return {"ReturnValue": ERROR_FILE_NOT_FOUND}
    if opened.key.find(sub) is not None:
        return {"ReturnValue": ERROR_ALREADY_EXISTS}
    record(ctx.server, opened.hive, opened.root, ("create", sub, ""))
    record(ctx.server, opened.hive, opened.root, ("graft", sub, tree))
    mark_loaded(ctx.server, opened.hive, sub, True)
    return {"ReturnValue": 0}


@INTERFACE.operation(23, "BaseRegUnLoadKey",
                     request=[("hKey", RPC_HKEY), ("lpSubKey", RRP_UNICODE_STRING)],
                     response=[], returns="error_status_t")
def BaseRegUnLoadKey(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.23: a hive BaseRegLoadKey mounted is removed; a key that is not one is
    ERROR_INVALID_PARAMETER (U: the status Windows gives), a missing one ERROR_FILE_NOT_FOUND."""
    opened, status = checked(ctx, request, 0)
    if status:
        return {"ReturnValue": status}
    sub = _name_in(request["lpSubKey"] or "").strip("\\")
    if not _root_handle(opened) or opened.key.find(sub) is None:
        return {"ReturnValue": ERROR_FILE_NOT_FOUND if _root_handle(opened)
                else ERROR_INVALID_PARAMETER}
    if not is_loaded(ctx.server, opened.hive, sub):
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    record(ctx.server, opened.hive, opened.root, ("delkey", sub))
    mark_loaded(ctx.server, opened.hive, sub, False)
    return {"ReturnValue": 0}


@INTERFACE.operation(18, "BaseRegReplaceKey",
                     request=[("hKey", RPC_HKEY), ("lpSubKey", RRP_UNICODE_STRING),
                              ("lpNewFile", RRP_UNICODE_STRING),
                              ("lpOldFile", RRP_UNICODE_STRING)],
                     response=[], returns="error_status_t")
def BaseRegReplaceKey(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.18: lpNewFile becomes the key's hive at the next restart, the current one
    being kept as lpOldFile.  The new file must exist (ERROR_FILE_NOT_FOUND), the old name must
    not (ERROR_ALREADY_EXISTS).  The emulated server never restarts, so the key keeps its
    content, as a Windows server's does until it restarts; lpOldFile holds the current tree."""
    opened, status = checked(ctx, request, 0)
    if status:
        return {"ReturnValue": status}
    sub = _name_in(request["lpSubKey"] or "").strip("\\")
    key = opened.key.find(sub)
    if key is None or read_file(ctx.server, _file(ctx, request["lpNewFile"])) is None:
        return {"ReturnValue": ERROR_FILE_NOT_FOUND}
    if not save_file(ctx.server, _file(ctx, request["lpOldFile"]), key):
        return {"ReturnValue": ERROR_ALREADY_EXISTS}
    return {"ReturnValue": 0}

