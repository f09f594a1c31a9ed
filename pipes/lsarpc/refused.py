"""lsarpc calls that change trusted domains (MS-LSAD 3.1.4.7): the fixture models no trust, so
a DC here is one "with no trusts".

* creating a trust (LsarCreateTrustedDomain 12, Ex 51, Ex2 59) is refused: after the handle check
  STATUS_ACCESS_DENIED (what a non-administrator gets on Windows; ``smbemu.policy`` logs why an
  administrator gets it too: trusts are not modelled);
* changing or deleting one (LsarSetTrustedDomainInfo 40, LsarDeleteTrustedDomain 41,
  LsarSetTrustedDomainInfoByName 49, LsarSetForestTrustInformation 74): POLICY_TRUST_ADMIN on the
  policy handle (MS-LSAD 2.2.1.1.2: "trusted domain objects ... create, delete, modify"; held by
  Administrators only, 3.1.1.1.1), then the status for a trusted domain that does not exist:
  STATUS_NO_SUCH_DOMAIN by SID and for the forest trust (3.1.4.7.3, 3.1.4.7.14, 3.1.4.7.16:
  "the specified trusted domain object does not exist"), STATUS_OBJECT_NAME_NOT_FOUND by name
  (3.1.4.7.6);
* LsarSetInformationTrustedDomain (27) takes a trusted-domain handle: none can have been opened,
  so an unknown handle is the runtime's context mismatch fault and a policy or account handle
  STATUS_INVALID_HANDLE (the handle check order of the other calls).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import NdrType, Pointer, uint32
from smbemu.status import (
    STATUS_ACCESS_DENIED,
    STATUS_INVALID_HANDLE,
    STATUS_NO_SUCH_DOMAIN,
    STATUS_OBJECT_NAME_NOT_FOUND,
)

from .objects import INTERFACE, error_response, lsa_handle, policy_handle_status
from .types import LSAPR_HANDLE

#: MS-LSAD 2.2.1.1.2.
POLICY_TRUST_ADMIN: Final = 0x00000008


def _refuse(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """The context mismatch fault for a handle lsarpc never issued to this caller
    (``lsa_handle``), else STATUS_ACCESS_DENIED (the policy logs why); [out] handles zero."""
    op = ctx.operation
    assert op is not None
    lsa_handle(ctx, request["PolicyHandle"])
    return op.error_response(ctx.decide().status or STATUS_ACCESS_DENIED)


def _no_such_trust(missing: int) -> Any:
    def handler(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        status = policy_handle_status(ctx, request["PolicyHandle"], POLICY_TRUST_ADMIN)
        return error_response(ctx, status or ctx.decide().status or missing)
    return handler


_OUT_HANDLE: Final = [("Handle", LSAPR_HANDLE)]
_CREATE_OPS: Final = ((12, "LsarCreateTrustedDomain"), (51, "LsarCreateTrustedDomainEx"),
                      (59, "LsarCreateTrustedDomainEx2"))
for _opnum, _name in _CREATE_OPS:
    # only the leading handle is decoded; the rest of the stub is ignored (smbemu.rpc.ndr)
    INTERFACE.operation(_opnum, _name, request=[("PolicyHandle", LSAPR_HANDLE)],
                        response=_OUT_HANDLE)(_refuse)

_CHANGE_OPS: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]], int], ...]] = (
    (40, "LsarSetTrustedDomainInfo", [], STATUS_NO_SUCH_DOMAIN),
    (41, "LsarDeleteTrustedDomain", [], STATUS_NO_SUCH_DOMAIN),
    (49, "LsarSetTrustedDomainInfoByName", [], STATUS_OBJECT_NAME_NOT_FOUND),
    (74, "LsarSetForestTrustInformation", [("CollisionInfo", Pointer(uint32))], STATUS_NO_SUCH_DOMAIN),
)
for _opnum, _name, _out, _missing in _CHANGE_OPS:
    INTERFACE.operation(_opnum, _name, request=[("PolicyHandle", LSAPR_HANDLE)],
                        response=_out)(_no_such_trust(_missing))


@INTERFACE.operation(27, "LsarSetInformationTrustedDomain", request=[("TrustedDomainHandle", LSAPR_HANDLE)],
                     response=[])
def LsarSetInformationTrustedDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    lsa_handle(ctx, request["TrustedDomainHandle"])
    return {"ReturnValue": STATUS_INVALID_HANDLE}
