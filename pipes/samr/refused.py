"""samr calls that change the SAM, refused (read-only emulation; MS-SAMR 3.1.5.x set / create /
delete / add-member / password calls)."""

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
    DOMAIN_CREATE_USER,
    DOMAIN_WRITE_OTHER_PARAMETERS,
    GROUP_ADD_MEMBER,
    GROUP_REMOVE_MEMBER,
    GROUP_WRITE_ACCOUNT,
    SAM_SERVER_SHUTDOWN,
    USER_CHANGE_PASSWORD,
    USER_WRITE_ACCOUNT,
    ObjectType,
)
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ContextHandle, NdrType, uint32
from smbemu.status import STATUS_ACCESS_DENIED

from .objects import ALIAS, DOMAIN, GROUP, INTERFACE, SERVER, USER

# -------------------------------------------------------------------------------------------
# Refused calls (read-only emulation)
# -------------------------------------------------------------------------------------------


#: The right each refused call needs on its object (MS-SAMR 3.1.5.x; U for
#: SamrSetInformationDomain, whose right depends on the class).  Only administrators hold it
#: (the default DACLs, MS-SAMR 3.1.1.6): anyone else is refused for the missing right before the
#: read-only rule refuses administrators too.
_WRITE_ACCESS: Final[dict[str, tuple[ObjectType, int]]] = {
    "SamrShutdownSamServer": (SERVER, SAM_SERVER_SHUTDOWN),
    "SamrSetInformationDomain": (DOMAIN, DOMAIN_WRITE_OTHER_PARAMETERS),
    "SamrCreateGroupInDomain": (DOMAIN, DOMAIN_CREATE_GROUP),
    "SamrCreateUserInDomain": (DOMAIN, DOMAIN_CREATE_USER),
    "SamrCreateUser2InDomain": (DOMAIN, DOMAIN_CREATE_USER),
    "SamrCreateAliasInDomain": (DOMAIN, DOMAIN_CREATE_ALIAS),
    "SamrSetInformationGroup": (GROUP, GROUP_WRITE_ACCOUNT),
    "SamrAddMemberToGroup": (GROUP, GROUP_ADD_MEMBER),
    "SamrDeleteGroup": (GROUP, DELETE),
    "SamrRemoveMemberFromGroup": (GROUP, GROUP_REMOVE_MEMBER),
    "SamrSetMemberAttributesOfGroup": (GROUP, GROUP_ADD_MEMBER),
    "SamrSetInformationAlias": (ALIAS, ALIAS_WRITE_ACCOUNT),
    "SamrDeleteAlias": (ALIAS, DELETE),
    "SamrAddMemberToAlias": (ALIAS, ALIAS_ADD_MEMBER),
    "SamrRemoveMemberFromAlias": (ALIAS, ALIAS_REMOVE_MEMBER),
    "SamrAddMultipleMembersToAlias": (ALIAS, ALIAS_ADD_MEMBER),
    "SamrRemoveMultipleMembersFromAlias": (ALIAS, ALIAS_REMOVE_MEMBER),
    "SamrDeleteUser": (USER, DELETE),
    "SamrSetInformationUser": (USER, USER_WRITE_ACCOUNT),
    "SamrSetInformationUser2": (USER, USER_WRITE_ACCOUNT),
    "SamrChangePasswordUser": (USER, USER_CHANGE_PASSWORD),
}


def _refuse(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """STATUS_ACCESS_DENIED with NULL [out] parameters; an [in, out] handle is echoed."""
    op = ctx.operation
    assert op is not None
    needed = _WRITE_ACCESS.get(op.name)
    if needed is None or ctx.grant(*needed) is not None:
        status = ctx.decide().status or STATUS_ACCESS_DENIED
    else:
        status = STATUS_ACCESS_DENIED
    return op.error_response(status, **{k: v for k, v in request.items() if k.endswith("Handle")})


_H = ContextHandle
_REFUSED_OPS: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]],
                                Sequence[tuple[str, NdrType]]], ...]] = (
    (2, "SamrSetSecurityObject", (), ()),
    (4, "SamrShutdownSamServer", (), ()),
    (9, "SamrSetInformationDomain", (), ()),
    (10, "SamrCreateGroupInDomain", (), (("GroupHandle", _H), ("RelativeId", uint32))),
    (12, "SamrCreateUserInDomain", (), (("UserHandle", _H), ("RelativeId", uint32))),
    (14, "SamrCreateAliasInDomain", (), (("AliasHandle", _H), ("RelativeId", uint32))),
    (21, "SamrSetInformationGroup", (), ()),
    (22, "SamrAddMemberToGroup", (), ()),
    (23, "SamrDeleteGroup", (("GroupHandle", _H),), (("GroupHandle", _H),)),
    (24, "SamrRemoveMemberFromGroup", (), ()),
    (26, "SamrSetMemberAttributesOfGroup", (), ()),
    (29, "SamrSetInformationAlias", (), ()),
    (30, "SamrDeleteAlias", (("AliasHandle", _H),), (("AliasHandle", _H),)),
    (31, "SamrAddMemberToAlias", (), ()),
    (32, "SamrRemoveMemberFromAlias", (), ()),
    (35, "SamrDeleteUser", (("UserHandle", _H),), (("UserHandle", _H),)),
    (37, "SamrSetInformationUser", (), ()),
    (38, "SamrChangePasswordUser", (), ()),
    (45, "SamrRemoveMemberFromForeignDomain", (), ()),
    (50, "SamrCreateUser2InDomain", (),
     (("UserHandle", _H), ("GrantedAccess", uint32), ("RelativeId", uint32))),
    (52, "SamrAddMultipleMembersToAlias", (), ()),
    (53, "SamrRemoveMultipleMembersFromAlias", (), ()),
    (54, "SamrOemChangePasswordUser2", (), ()),
    (55, "SamrUnicodeChangePasswordUser2", (), ()),
    (58, "SamrSetInformationUser2", (), ()),
    (66, "SamrSetDSRMPassword", (), ()),
)
for _opnum, _name, _in, _out in _REFUSED_OPS:
    # [in] parameters past the declared ones are not decoded: trailing stub bytes are ignored.
    INTERFACE.operation(_opnum, _name, request=_in, response=_out)(_refuse)
