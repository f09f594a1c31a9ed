"""The access check of the DCOM calls that need one, and their HRESULT return values.

The rules live with the policy (`smbemu.policy.rules`, "DCOM": remote activation and calls on
an activated object for Administrators only); a handler wrapped with :func:`checked` asks the
call context once (the one enforcement point) and answers a refusal with every [out] parameter
neutral and E_ACCESSDENIED.  HRESULTs are written as the engine's signed return type
(`.wire.signed`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from smbemu.policy import Require, Rule
from smbemu.rpc import CallContext

from .wire import signed

__all__ = ["checked", "ACCESS_RULE"]

#: Calls on the COM+ Event System's objects declared with their rule (the store's objects, the
#: type information): the COM server's access permission, the machine default (Administrators,
#: SYSTEM, SELF), as the DCOM rows of `smbemu.policy.rules` say for IRemUnknown and IEventSystem.
ACCESS_RULE = Rule(Require.ADMINISTRATORS, source="MS-DCOM 3.2.4.1.1: the COM server's access "
                                                  "permission (D: DefaultAccessPermission)")

Handler = Callable[[CallContext, dict[str, Any]], dict[str, Any]]


def checked(handler: Handler) -> Handler:
    @functools.wraps(handler)
    def call(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        decision = ctx.decide()
        if not decision.allowed:
            assert ctx.operation is not None
            return ctx.operation.error_response(signed(decision.status))
        answer = handler(ctx, request)
        answer["ReturnValue"] = signed(answer.get("ReturnValue", 0))
        return answer
    return call
