"""The one enforcement point: how a handler asks about access, and where the answer is kept.

Handlers never call the policy engine (:mod:`smbemu.policy`) nor read the caller's kind to
decide: they ask their :class:`~smbemu.rpc.interface.CallContext`, which carries these methods
(:class:`Enforcement`):

* ``ctx.decide(operation=None, level=None, *, access=None)`` -- the rule the interface declares
  for the operation (``Interface(rules=...)``, ``operation(..., rule=...)``), else the policy's
  table (:data:`smbemu.policy.RULES`);
* ``ctx.grant(object_type, desired)`` -- the access a new handle gets: the caller's rights from
  its token (``Policy.held_rights``) through the object type's generic mapping
  (:func:`smbemu.policy.grant_access`), or None;
* ``ctx.require(granted, needed, object_type)`` -- whether a handle carries the right a call
  needs;
* ``ctx.deny(rule, why)`` -- a refusal the handler's own check made (no secure channel...).

Each refusal (and each allow a rule made) is a :class:`~smbemu.policy.Decision` recorded on
``ctx.decision`` -- the refusing one wins -- which the endpoint's ``on_call`` observer (the audit
log) reads after the call; a refusal's status is the access denied of the operation's declared
return type (NTSTATUS 0xC0000022, WERROR 5, a fault without return value:
:func:`smbemu.policy.denied_status`), and it is logged at INFO on ``smbemu.policy``.  A declared
rule that does not vary per level is checked by the runtime before the handler runs
(:func:`refusal_before_handler`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from smbemu.errors import RpcFault
from smbemu.policy import (
    MAXIMUM_ALLOWED,
    Decision,
    ObjectType,
    Rule,
    denied_status,
    grant_access,
    policy_for,
    principal_groups,
)

if TYPE_CHECKING:
    from smbemu.principal import Principal
    from smbemu.rpc.handler_server import HandlerServer
    from smbemu.rpc.ndr import Operation

__all__ = ["ServerView", "Enforcement", "RuleDeclarer", "refusal_before_handler"]

_log_policy = logging.getLogger("smbemu.policy")


class RuleDeclarer(Protocol):
    """What the enforcement point reads of the interface being called (an
    `smbemu.rpc.interface.Interface`): its name and the rules it declares per operation. A
    protocol, so that this module and the interface module do not import each other."""

    @property
    def name(self) -> str: ...

    @property
    def rules(self) -> Mapping[str, Rule]: ...


@dataclass(frozen=True, slots=True)
class ServerView:
    """Read-only facts about the emulated server a handler may need (not access decisions):
    the Windows release it emulates (``version``, e.g. ``(10, 0)``), its role and profile name."""

    version: tuple[int, int]
    is_dc: bool
    profile: str


class Enforcement:
    """The access methods of the call context (mixed into ``CallContext``, whose fields these
    annotations name)."""

    __slots__ = ()
    principal: Principal
    server: HandlerServer
    pipe_name: str
    interface: RuleDeclarer | None
    operation: Operation | None
    decision: Decision | None

    @property
    def server_view(self) -> ServerView:
        """The emulated server's read-only facts (version, role)."""
        policy = policy_for(self.server)
        return ServerView(policy.version, policy.is_dc, policy.name)

    def _where(self, operation: str | None) -> tuple[str, str, object]:
        op = self.operation
        interface = self.interface.name if self.interface is not None else self.pipe_name
        returns: object = op.returns if op is not None else "NTSTATUS"
        return interface, operation or (op.name if op is not None else "?"), returns

    def decide(self, operation: str | None = None, level: int | None = None, *,
               access: int | None = None) -> Decision:
        """May the caller make this call (``operation``: this call's by default) at info
        ``level``, with ``access`` (the DesiredAccess of an open, or the access a handle was
        granted)?  The rule the interface declares for the operation, else the policy's
        :data:`smbemu.policy.RULES`; recorded on :attr:`decision`."""
        interface, name, returns = self._where(operation)
        policy = policy_for(self.server)
        rule = self.interface.rules.get(name) if self.interface is not None else None
        if rule is not None:
            decision = policy.decide_rule(self.principal, interface, name, rule, level,
                                          access=access, returns=returns)
            if not decision.allowed:
                decision = Decision(denied_status(returns), decision.reason, decision.rule)
            return self._record(decision)
        # The per-call path of every enumeration: the final decision (in the operation's status
        # family) is kept per question on the server's policy, which is read-only.
        # keyed on the caller's policy groups too: an Account Operator's allow is not a user's
        key = (self.principal.kind, principal_groups(self.principal), interface, name, level,
               access, returns)
        kept = policy.final_decisions.get(key)
        if kept is None:
            decision = policy.decide(self.principal, interface, name, level, access=access)
            if not decision.allowed:
                decision = Decision(denied_status(returns), decision.reason, decision.rule)
            policy.final_decisions[key] = decision
            return self._record(decision)
        if kept.status:
            _log_policy.info("%s", kept.reason)
        elif _log_policy.isEnabledFor(logging.DEBUG):
            _log_policy.debug("%s", kept.reason)
        return self._record(kept)

    def deny(self, rule: str, why: str, operation: str | None = None) -> Decision:
        """Record a refusal the handler's own check made (a handle without the right, a missing
        secure channel...) and return it: ``rule`` names the check, ``why`` the caller's lack."""
        interface, name, returns = self._where(operation)
        decision = Decision(denied_status(returns),
                            f"deny {interface} {name}: {self.principal.kind.value} {why}",
                            f"{interface} {rule}")
        _log_policy.info("%s", decision.reason)
        return self._record(decision)

    def grant(self, object_type: ObjectType, desired: int, *, extra: int = 0,
              operation: str | None = None) -> int | None:
        """The access a new handle on ``object_type`` gets for ``desired`` (the caller's rights
        from its token through the type's generic mapping, plus ``extra`` rights the object
        grants this caller itself), or None after recording the refusal."""
        held = policy_for(self.server).held_rights(self.principal, object_type) | extra
        granted = grant_access(object_type, desired, held)
        if granted is None:
            missing = object_type.map_generic(desired) & ~held & ~MAXIMUM_ALLOWED
            self.deny(f"{object_type.name} access {object_type.describe(missing)}",
                      f"is not granted {object_type.describe(missing)} on the "
                      f"{object_type.name} object (holds 0x{held:08X})", operation)
        return granted

    def require(self, granted: int, needed: int, object_type: ObjectType,
                operation: str | None = None) -> bool:
        """Does a handle granted ``granted`` carry ``needed``?  If not, the refusal is recorded
        (rule ``<interface> handle access <RIGHT>``)."""
        missing = needed & ~granted
        if not missing:
            return True
        right = object_type.describe(missing)
        self.deny(f"handle access {right}",
                  f"holds a {object_type.name} handle without {right}", operation)
        return False

    def _record(self, decision: Decision) -> Decision:
        """Keep ``decision`` on the call unless a refusal is already there (an allow made by no
        rule is not a decision worth reporting)."""
        current = self.decision
        if current is None or current.allowed:
            if not decision.allowed or decision.rule:
                # the slot is CallContext's field (a slotted dataclass); the mixin has none
                self.decision = decision  # type: ignore[misc]
        return decision


def refusal_before_handler(ctx: Enforcement, iface: RuleDeclarer, op: Operation,
                           request: dict[str, Any]) -> dict[str, Any] | None:
    """The rule ``iface`` declares for ``op``, checked before the handler runs (a rule that
    varies per info level is the handler's to ask, with the decoded level): None when allowed,
    else the refusal -- [out] parameters NULL, [in, out] ones echoed, the return value the
    access denied of the operation's return type; an operation without return value raises the
    fault instead."""
    rule = iface.rules.get(op.name)
    if rule is None or rule.levels or any(later.levels for later in rule.since):
        return None
    decision = ctx.decide()
    if decision.allowed:
        return None
    if op.returns is None:
        raise RpcFault(decision.status, decision.reason)
    echoed = {name: request[name] for name, _ in op.response if name in request}
    return op.error_response(decision.status, **echoed)
