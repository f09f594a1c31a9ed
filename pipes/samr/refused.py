"""samr calls that change the SAM which the emulator does not make (shutting the SAM down):
STATUS_ACCESS_DENIED (MS-SAMR 3.1.5.x).  Security descriptors, group member attributes and the
DSRM password are ``admin_changes``'s, the domain settings (SamrSetInformationDomain)
``domain_writes``'s."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from smbemu.policy.access import (
    SAM_SERVER_SHUTDOWN,
    ObjectType,
)
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ContextHandle, NdrType
from smbemu.status import STATUS_ACCESS_DENIED

from .objects import INTERFACE, OBJECT_TYPES, SERVER, lookup_handle

# -------------------------------------------------------------------------------------------
# Refused calls (changes not emulated)
# -------------------------------------------------------------------------------------------


#: The right each refused call needs on its object (MS-SAMR 3.1.5.x).  Only administrators hold it
#: (the default DACLs, MS-SAMR 3.1.1.6): anyone else is refused for the missing right before the
#: read-only rule refuses administrators too.
_WRITE_ACCESS: Final[dict[str, tuple[ObjectType, int]]] = {
    "SamrShutdownSamServer": (SERVER, SAM_SERVER_SHUTDOWN),
}


def _refuse(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """STATUS_ACCESS_DENIED with NULL [out] parameters.

    The leading context handle is checked first, in the package's order (``lookup_handle``):
    one samr never issued to this caller is the runtime's context mismatch fault, a SAM handle
    of another object type STATUS_OBJECT_TYPE_MISMATCH, a handle lacking the right
    STATUS_ACCESS_DENIED."""
    op = ctx.operation
    assert op is not None
    needed = _WRITE_ACCESS.get(op.name)
    handle = request.get("Handle")
    if handle is not None:
        kinds = (needed[0].kind,) if needed is not None else tuple(OBJECT_TYPES)
        entry, status = lookup_handle(ctx, handle, kinds, needed[1] if needed else 0)
        if entry is None:
            return op.error_response(status)
        return op.error_response(ctx.decide().status or STATUS_ACCESS_DENIED)
    if needed is None or ctx.grant(*needed) is not None:
        status = ctx.decide().status or STATUS_ACCESS_DENIED
    else:
        status = STATUS_ACCESS_DENIED
    return op.error_response(status)


#: The leading [in] context handle, the only [in] parameter decoded.
_IN: Final = (("Handle", ContextHandle),)
_REFUSED_OPS: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]],
                                Sequence[tuple[str, NdrType]]], ...]] = (
    (4, "SamrShutdownSamServer", _IN, ()),
)
for _opnum, _name, _in, _out in _REFUSED_OPS:
    # [in] parameters past the declared ones are not decoded: trailing stub bytes are ignored.
    INTERFACE.operation(_opnum, _name, request=_in, response=_out)(_refuse)
