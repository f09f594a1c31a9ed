"""samr calls that change the SAM which the emulator does not make (groups and aliases created,
changed or deleted, domain settings, security descriptors, the OWF / OEM password changes):
STATUS_ACCESS_DENIED (MS-SAMR 3.1.5.x)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from smbemu.policy.access import (
    ALIAS_ADD_MEMBER,
    ALIAS_REMOVE_MEMBER,
    ALIAS_WRITE_ACCOUNT,
    DELETE,
    DOMAIN_CREATE_ALIAS,
    DOMAIN_CREATE_GROUP,
    DOMAIN_WRITE_OTHER_PARAMETERS,
    GROUP_ADD_MEMBER,
    GROUP_WRITE_ACCOUNT,
    SAM_SERVER_SHUTDOWN,
    USER_CHANGE_PASSWORD,
    ObjectType,
)
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ContextHandle, NdrType, uint32
from smbemu.status import STATUS_ACCESS_DENIED

from .objects import ALIAS, DOMAIN, GROUP, INTERFACE, OBJECT_TYPES, SERVER, USER, lookup_handle

# -------------------------------------------------------------------------------------------
# Refused calls (changes not emulated)
# -------------------------------------------------------------------------------------------


#: The right each refused call needs on its object (MS-SAMR 3.1.5.x; U for
#: SamrSetInformationDomain, whose right depends on the class).  Only administrators hold it
#: (the default DACLs, MS-SAMR 3.1.1.6): anyone else is refused for the missing right before the
#: read-only rule refuses administrators too.
_WRITE_ACCESS: Final[dict[str, tuple[ObjectType, int]]] = {
    "SamrShutdownSamServer": (SERVER, SAM_SERVER_SHUTDOWN),
    "SamrSetInformationDomain": (DOMAIN, DOMAIN_WRITE_OTHER_PARAMETERS),
    "SamrCreateGroupInDomain": (DOMAIN, DOMAIN_CREATE_GROUP),
    "SamrCreateAliasInDomain": (DOMAIN, DOMAIN_CREATE_ALIAS),
    "SamrSetInformationGroup": (GROUP, GROUP_WRITE_ACCOUNT),
    "SamrDeleteGroup": (GROUP, DELETE),
    "SamrSetMemberAttributesOfGroup": (GROUP, GROUP_ADD_MEMBER),
    "SamrSetInformationAlias": (ALIAS, ALIAS_WRITE_ACCOUNT),
    "SamrDeleteAlias": (ALIAS, DELETE),
    "SamrAddMultipleMembersToAlias": (ALIAS, ALIAS_ADD_MEMBER),
    "SamrRemoveMultipleMembersFromAlias": (ALIAS, ALIAS_REMOVE_MEMBER),
    "SamrChangePasswordUser": (USER, USER_CHANGE_PASSWORD),
}


def _refuse(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """STATUS_ACCESS_DENIED with NULL [out] parameters; an [in, out] handle is echoed.

    The leading context handle is checked first, in the package's order (``lookup_handle``):
    one samr never issued to this caller is the runtime's context mismatch fault, a SAM handle
    of another object type STATUS_OBJECT_TYPE_MISMATCH, a handle lacking the right
    STATUS_ACCESS_DENIED."""
    op = ctx.operation
    assert op is not None
    needed = _WRITE_ACCESS.get(op.name)
    handle = request.get("Handle", request.get("GroupHandle", request.get("AliasHandle")))
    if handle is not None:
        kinds = (needed[0].kind,) if needed is not None else tuple(OBJECT_TYPES)
        entry, status = lookup_handle(ctx, handle, kinds, needed[1] if needed else 0)
        if entry is None:
            return op.error_response(status, **_echoed(request))
        return op.error_response(ctx.decide().status or STATUS_ACCESS_DENIED,
                                 **_echoed(request))
    if needed is None or ctx.grant(*needed) is not None:
        status = ctx.decide().status or STATUS_ACCESS_DENIED
    else:
        status = STATUS_ACCESS_DENIED
    return op.error_response(status, **_echoed(request))


def _echoed(request: dict[str, Any]) -> dict[str, Any]:
    """The [in, out] handles of the Delete* calls, echoed back unchanged."""
    return {k: v for k, v in request.items() if k in ("GroupHandle", "AliasHandle")}


_H = ContextHandle
#: The leading [in] context handle, the only [in] parameter decoded.
_IN: Final = (("Handle", _H),)
_REFUSED_OPS: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]],
                                Sequence[tuple[str, NdrType]]], ...]] = (
    (2, "SamrSetSecurityObject", _IN, ()),
    (4, "SamrShutdownSamServer", _IN, ()),
    (9, "SamrSetInformationDomain", _IN, ()),
    (10, "SamrCreateGroupInDomain", _IN, (("GroupHandle", _H), ("RelativeId", uint32))),
    (14, "SamrCreateAliasInDomain", _IN, (("AliasHandle", _H), ("RelativeId", uint32))),
    (21, "SamrSetInformationGroup", _IN, ()),
    (23, "SamrDeleteGroup", (("GroupHandle", _H),), (("GroupHandle", _H),)),
    (26, "SamrSetMemberAttributesOfGroup", _IN, ()),
    (29, "SamrSetInformationAlias", _IN, ()),
    (30, "SamrDeleteAlias", (("AliasHandle", _H),), (("AliasHandle", _H),)),
    (38, "SamrChangePasswordUser", _IN, ()),
    (52, "SamrAddMultipleMembersToAlias", _IN, ()),
    (53, "SamrRemoveMultipleMembersFromAlias", _IN, ()),
    # MS-SAMR 3.1.5.13.6: a binding handle, no context handle
    (66, "SamrSetDSRMPassword", (), ()),
)
for _opnum, _name, _in, _out in _REFUSED_OPS:
    # [in] parameters past the declared ones are not decoded: trailing stub bytes are ignored.
    INTERFACE.operation(_opnum, _name, request=_in, response=_out)(_refuse)
