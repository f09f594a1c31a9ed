"""The MS-RRP calls that would change the machine: refused with ERROR_ACCESS_DENIED (5) as the
call's normal return value -- never a fault (the package docstring says why administrators get
it too).  impacket prints that status as "rpc_s_access_denied" because 5 is also in its table
of DCE fault codes, which it consults first; on the wire it is an error_status_t in a response.

Each refusal runs the checks Windows runs before the change itself, in its order, so a caller
sees the status Windows gives it and the audit log records the check that refused it:

1. the key handle (the first [in] parameter of every call but the shutdown ones): an unknown
   one is a fault nca_s_fault_context_mismatch, the RPC runtime's check (MS-RPCE 3.3.3.2.1);
2. the right the call needs on that handle (MS-RRP 3.1.5: BaseRegCreateKey needs
   KEY_CREATE_SUB_KEY, BaseRegSetValue / BaseRegDeleteValue KEY_SET_VALUE, BaseRegSetKeySecurity
   WRITE_DAC): a handle opened without it is ERROR_ACCESS_DENIED (``ctx.require``) -- what a
   user's KEY_READ handle gets on Windows;
3. then the policy's rule for the call (``ctx.decide``, smbemu.policy RULES: the key DACLs and
   privileges Windows checks -- DELETE on the subkey, SeBackupPrivilege / SeRestorePrivilege for
   the hive files, SeRemoteShutdownPrivilege -- and the read-only emulation), which refuses.

[in] parameters after the handle are not decoded (the answer does not depend on them); [out]
parameters are NULL / zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ContextHandle, NdrType, Pointer, uint32
from smbemu.status import ERROR_ACCESS_DENIED

from . import _HANDLE_KIND, INTERFACE, _opened
from .security import REGISTRY_KEY
from .types import KEY_CREATE_SUB_KEY, KEY_SET_VALUE, RPC_HKEY

#: WRITE_DAC (MS-DTYP 2.4.3): what BaseRegSetKeySecurity needs for a DACL (RegSetKeySecurity, D).
WRITE_DAC: Final = 0x00040000


def _refuse(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    needed = _NEEDED.get(op.name, 0)
    if "hKey" in request:
        _opened(ctx, request["hKey"])
        entry = ctx.handles.lookup(request["hKey"], _HANDLE_KIND)
        assert entry is not None
        if needed and not ctx.require(entry.granted_access, needed, REGISTRY_KEY):
            assert ctx.decision is not None
            return op.error_response(ctx.decision.status)
    return op.error_response(ctx.decide().status or ERROR_ACCESS_DENIED)


_PULONG: Final = Pointer(uint32)
_KEY_FIRST: Final = [("hKey", RPC_HKEY)]
#: (opnum, name, [in] parameters decoded, [out] parameters) -- MS-RRP 3.1.5.
REFUSED: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]],
                         Sequence[tuple[str, NdrType]]], ...]] = (
    (6, "BaseRegCreateKey", _KEY_FIRST, [("phkResult", ContextHandle),
                                         ("lpdwDisposition", _PULONG)]),
    (7, "BaseRegDeleteKey", _KEY_FIRST, []),
    (8, "BaseRegDeleteValue", _KEY_FIRST, []),
    (13, "BaseRegLoadKey", _KEY_FIRST, []),
    (18, "BaseRegReplaceKey", _KEY_FIRST, []),
    (19, "BaseRegRestoreKey", _KEY_FIRST, []),
    (20, "BaseRegSaveKey", _KEY_FIRST, []),
    (21, "BaseRegSetKeySecurity", _KEY_FIRST, []),
    (22, "BaseRegSetValue", _KEY_FIRST, []),
    (23, "BaseRegUnLoadKey", _KEY_FIRST, []),
    (24, "BaseInitiateSystemShutdown", (), []),
    (25, "BaseAbortSystemShutdown", (), []),
    (30, "BaseInitiateSystemShutdownEx", (), []),
    (31, "BaseRegSaveKeyEx", _KEY_FIRST, []),
    (35, "BaseRegDeleteKeyEx", _KEY_FIRST, []),
)
#: The right each call needs on its handle (module docstring, step 2).
_NEEDED: Final = {"BaseRegCreateKey": KEY_CREATE_SUB_KEY, "BaseRegDeleteValue": KEY_SET_VALUE,
                  "BaseRegSetValue": KEY_SET_VALUE, "BaseRegSetKeySecurity": WRITE_DAC}
for _opnum, _name, _in, _out in REFUSED:
    INTERFACE.operation(_opnum, _name, request=_in, response=_out,
                        returns="error_status_t")(_refuse)

REFUSED_NAMES: Final = tuple(name for _, name, _, _ in REFUSED)
