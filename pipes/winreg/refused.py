"""The MS-RRP calls that would change the machine: refused with ERROR_ACCESS_DENIED (the
package docstring says why administrators get it too).  Their [in] parameters are not decoded
(the answer does not depend on them); [out] parameters are NULL / zero."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ContextHandle, NdrType, Pointer, uint32
from smbemu.status import ERROR_ACCESS_DENIED

from . import INTERFACE


def _refuse(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    return op.error_response(ctx.decide().status or ERROR_ACCESS_DENIED)


#: (opnum, name, [out] parameters) -- MS-RRP 3.1.5.
REFUSED: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]]], ...]] = (
    (6, "BaseRegCreateKey", [("phkResult", ContextHandle),
                             ("lpdwDisposition", Pointer(uint32))]),
    (7, "BaseRegDeleteKey", []),
    (8, "BaseRegDeleteValue", []),
    (13, "BaseRegLoadKey", []),
    (18, "BaseRegReplaceKey", []),
    (19, "BaseRegRestoreKey", []),
    (20, "BaseRegSaveKey", []),
    (21, "BaseRegSetKeySecurity", []),
    (22, "BaseRegSetValue", []),
    (23, "BaseRegUnLoadKey", []),
    (24, "BaseInitiateSystemShutdown", []),
    (25, "BaseAbortSystemShutdown", []),
    (30, "BaseInitiateSystemShutdownEx", []),
    (31, "BaseRegSaveKeyEx", []),
    (35, "BaseRegDeleteKeyEx", []),
)
for _opnum, _name, _out in REFUSED:
    INTERFACE.operation(_opnum, _name, request=(), response=_out,
                        returns="error_status_t")(_refuse)

REFUSED_NAMES: Final = tuple(name for _, name, _ in REFUSED)
