"""lsarpc calls that change the LSA database, refused (read-only emulation; MS-LSAD 3.1.4 set /
create / add / delete calls)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import NdrType, Pointer, uint32
from smbemu.status import STATUS_ACCESS_DENIED

from .objects import INTERFACE, lsa_handle
from .types import LSAPR_HANDLE

# -------------------------------------------------------------------------------------------
# Calls that change the LSA database: refused (read-only emulation)
# -------------------------------------------------------------------------------------------


def _refuse(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """The context mismatch fault for a handle lsarpc never issued to this caller (the leading
    policy, account, secret or trusted-domain handle; ``lsa_handle``), else
    STATUS_ACCESS_DENIED (the policy logs why); [out] handles zero, [out] pointers NULL."""
    op = ctx.operation
    assert op is not None
    lsa_handle(ctx, request["PolicyHandle"])
    return op.error_response(ctx.decide().status or STATUS_ACCESS_DENIED)


_OUT_HANDLE: Final = [("Handle", LSAPR_HANDLE)]
_REFUSED_OPS: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]]], ...]] = (
    (4, "LsarSetSecurityObject", []),
    (8, "LsarSetInformationPolicy", []),
    (12, "LsarCreateTrustedDomain", _OUT_HANDLE),
    (27, "LsarSetInformationTrustedDomain", []),
    (40, "LsarSetTrustedDomainInfo", []),
    (41, "LsarDeleteTrustedDomain", []),
    (47, "LsarSetInformationPolicy2", []),
    (49, "LsarSetTrustedDomainInfoByName", []),
    (51, "LsarCreateTrustedDomainEx", _OUT_HANDLE),
    (54, "LsarSetDomainInformationPolicy", []),
    (59, "LsarCreateTrustedDomainEx2", _OUT_HANDLE),
    (74, "LsarSetForestTrustInformation", [("CollisionInfo", Pointer(uint32))]),
)
for _opnum, _name, _out in _REFUSED_OPS:
    # only the leading handle is decoded; the rest of the stub is ignored (smbemu.rpc.ndr)
    INTERFACE.operation(_opnum, _name, request=[("PolicyHandle", LSAPR_HANDLE)],
                        response=_out)(_refuse)
