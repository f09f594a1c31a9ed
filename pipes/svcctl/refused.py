"""The MS-SCMR changes the emulated SCM does not model (status reports,
boot configuration, the WOW64 creates, the extended controls): ERROR_ACCESS_DENIED for everyone
(the package docstring says why).  [in] parameters are not decoded;
[out] parameters are NULL / zero."""

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


_PULONG: Final = Pointer(uint32)
#: (opnum, name, [out] parameters) -- MS-SCMR 3.1.4.
REFUSED: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]]], ...]] = (
    (7, "RSetServiceStatus", []),
    (9, "RNotifyBootConfigStatus", []),
    (44, "RCreateServiceWOW64A", [("lpdwTagId", _PULONG), ("lpServiceHandle", ContextHandle)]),
    (45, "RCreateServiceWOW64W", [("lpdwTagId", _PULONG), ("lpServiceHandle", ContextHandle)]),
    (50, "RControlServiceExA", []),
    (51, "RControlServiceExW", []),
    (60, "RCreateWowService", [("lpdwTagId", _PULONG), ("lpServiceHandle", ContextHandle)]),
)
for _opnum, _name, _out in REFUSED:
    INTERFACE.operation(_opnum, _name, request=(), response=_out,
                        returns="error_status_t")(_refuse)

REFUSED_NAMES: Final = tuple(name for _, name, _ in REFUSED)
