"""BaseRegNotifyChangeKeyValue, opnum 14 ("Opnum14NotImplemented" in MS-RRP 3.1.5: no Windows
client calls it remotely, so the protocol leaves it out).  Windows' Remote Registry still
dispatches it: smbtorture's rpc.winreg, written against Windows, calls it on every key it opens
and requires a response, tolerating any status (W: ``test_NotifyChangeKeyValue`` in
source4/torture/rpc/winreg.c).  Its [in] parameters begin, as Samba's winreg.idl gives them,
with the key handle, ``watch_subtree`` (boolean8) and ``notify_filter`` (REG_NOTIFY_CHANGE_*).

The answer follows RegNotifyChangeKeyValue (D): the handle must carry KEY_NOTIFY
(ERROR_ACCESS_DENIED), the filter must name at least one of REG_NOTIFY_CHANGE_NAME / ATTRIBUTES /
LAST_SET / SECURITY and nothing else but REG_NOTIFY_THREAD_AGNOSTIC (ERROR_INVALID_PARAMETER,
what smbtorture's filter of 0 gets).  A valid request would wait for a change of the key; the
emulation answers each call at once and cannot hold one, so it says ERROR_CALL_NOT_IMPLEMENTED
(U: Windows keeps the call pending until the key changes).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import boolean8, uint32
from smbemu.status import ERROR_CALL_NOT_IMPLEMENTED, ERROR_INVALID_PARAMETER

from . import _HANDLE_KIND, INTERFACE, _opened
from .security import REGISTRY_KEY
from .types import KEY_NOTIFY, RPC_HKEY

#: REG_NOTIFY_CHANGE_NAME | ATTRIBUTES | LAST_SET | SECURITY (winnt.h).
REG_NOTIFY_CHANGE_ALL: Final = 0x0000000F
REG_NOTIFY_THREAD_AGNOSTIC: Final = 0x10000000


@INTERFACE.operation(14, "BaseRegNotifyChangeKeyValue",
                     request=[("hKey", RPC_HKEY), ("watch_subtree", boolean8),
                              ("notify_filter", uint32)],
                     response=[], returns="error_status_t")
def BaseRegNotifyChangeKeyValue(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """The module docstring's checks, in that order."""
    _opened(ctx, request["hKey"])
    entry = ctx.handles.lookup(request["hKey"], _HANDLE_KIND)
    assert entry is not None
    if not ctx.require(entry.granted_access, KEY_NOTIFY, REGISTRY_KEY):
        assert ctx.decision is not None
        return {"ReturnValue": ctx.decision.status}
    wanted = request["notify_filter"]
    if not wanted & REG_NOTIFY_CHANGE_ALL or wanted & ~(REG_NOTIFY_CHANGE_ALL
                                                        | REG_NOTIFY_THREAD_AGNOSTIC):
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    return {"ReturnValue": ERROR_CALL_NOT_IMPLEMENTED}


__all__ = ["BaseRegNotifyChangeKeyValue"]
