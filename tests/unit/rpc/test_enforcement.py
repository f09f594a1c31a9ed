"""The one enforcement point (``CallContext.decide`` / ``deny`` / ``grant`` / ``require``, and
declared rules checked by the runtime): every decision lands on ``ctx.decision``, a refusal's
status follows the operation's declared return type, and a rule naming an operation the
interface does not declare is a load error."""

from __future__ import annotations

import logging
import types
from typing import Any

import pytest

from smbemu.errors import ConfigError
from smbemu.policy import SAM_DOMAIN, LSA_POLICY, Require, Rule
from smbemu.profiles import load_profile
from smbemu.rpc import ndr
from smbemu.rpc.endpoint import RpcEndpoint
from smbemu.principal import Principal, PrincipalKind
from smbemu.rpc.interface import CallContext, HandleTable, Interface, make_context_factory
from smbemu.rpc.pdu import SyntaxId
from smbemu.rpc.registry import Registry

UUID = "5a5a5a5a-0000-1111-2222-333344445555"
STATUS_ACCESS_DENIED = 0xC0000022
ERROR_ACCESS_DENIED = 5
FAULT_ACCESS_DENIED = 5


def _server(profile: str = "win2016", *overrides: str) -> Any:
    return types.SimpleNamespace(profile=load_profile(profile, overrides), cache={})


def _context(kind: str, returns: Any = "NTSTATUS", interface: Interface | None = None,
             profile: str = "win2016") -> CallContext:
    iface = interface or Interface(name="gate", uuid=UUID, version=(1, 0), pipes=("gate",))
    ctx = CallContext(Principal(PrincipalKind(kind), "alice" if kind != "anonymous" else ""), 1, "gate",
                      _server(profile), HandleTable())
    ctx.interface = iface
    ctx.operation = ndr.Operation(0, "GateCall", [], [], returns)
    return ctx


# ------------------------------------------------------------------ the status family


@pytest.mark.parametrize("returns,status", [("NTSTATUS", STATUS_ACCESS_DENIED),
                                            ("WERROR", ERROR_ACCESS_DENIED),
                                            ("HRESULT", 0x80070005),
                                            (None, FAULT_ACCESS_DENIED)])
def test_a_declared_rule_refuses_with_the_family_of_the_return_type(returns: Any,
                                                                    status: int) -> None:
    iface = Interface(name="gate", uuid=UUID, version=(1, 0), pipes=("gate",),
                      rules={"GateCall": Rule(Require.ADMINISTRATORS, source="test")})
    ctx = _context("user", returns, iface)
    decision = ctx.decide()
    assert (decision.allowed, decision.status) == (False, status)
    assert decision.rule == "gate GateCall ADMINISTRATORS (test)"
    assert ctx.decision is decision
    assert _context("administrator", returns, iface).decide().allowed


def _named(name: str) -> Interface:
    return Interface(name=name, uuid=UUID, version=(1, 0), pipes=(name,))


def test_the_policy_table_refusal_takes_the_family_of_the_operation() -> None:
    # srvsvc NetrSessionEnum is an administrators' call on 10.0 (WERROR: 5); asked from an
    # operation that returns an NTSTATUS, the same rule refuses with STATUS_ACCESS_DENIED
    assert _context("user", "WERROR", _named("srvsvc")).decide("NetrSessionEnum", 2).status \
        == ERROR_ACCESS_DENIED
    assert _context("user", "NTSTATUS", _named("srvsvc")).decide("NetrSessionEnum", 2).status \
        == STATUS_ACCESS_DENIED
    ctx = _context("anonymous", "NTSTATUS", _named("samr"), profile="win2016-dc")
    decision = ctx.decide("SamrConnect5")
    assert decision.status == STATUS_ACCESS_DENIED
    assert decision.rule == "samr SamrConnect5 SAM_SERVER (§0 rule 8 (D))"


def test_no_rule_records_nothing() -> None:
    ctx = _context("anonymous")
    assert ctx.decide().allowed and ctx.decision is None


# ------------------------------------------------------------------ refusals the handler makes


def test_deny_is_recorded_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    ctx = _context("user", "WERROR")
    with caplog.at_level(logging.INFO, logger="smbemu.policy"):
        decision = ctx.deny("secure channel (MS-NRPC 3.1.4.5)", "has no secure channel")
    assert decision.status == ERROR_ACCESS_DENIED and ctx.decision is decision
    assert decision.rule == "gate secure channel (MS-NRPC 3.1.4.5)"
    assert decision.reason == "deny gate GateCall: user has no secure channel"
    assert [r.getMessage() for r in caplog.records] == [decision.reason]


def test_grant_follows_the_token_and_the_generic_mapping() -> None:
    assert _context("user").grant(SAM_DOMAIN, 0x80000000) == 0x20084       # GENERIC_READ
    assert _context("administrator").grant(SAM_DOMAIN, 0x10000000) == 0xF07FF  # GENERIC_ALL
    ctx = _context("user")
    assert ctx.grant(SAM_DOMAIN, 0x10) is None                             # DOMAIN_CREATE_USER
    assert ctx.decision is not None and not ctx.decision.allowed
    assert ctx.decision.rule == "gate SAM_DOMAIN access DOMAIN_CREATE_USER"
    assert ctx.decision.status == STATUS_ACCESS_DENIED


def test_lsa_rights_come_from_the_policy_dacl_model() -> None:
    # win2016: the ANONYMOUS LOGON ACE grants VIEW_LOCAL, LOOKUP_NAMES only while
    # LSAAnonymousNameLookup is on (off by default; §0 rule 6)
    ctx = _context("anonymous", profile="win2016")
    assert ctx.grant(LSA_POLICY, 0x02000000) == 0x1
    assert ctx.grant(LSA_POLICY, 0x00020000) is None  # READ_CONTROL is not granted


def test_require_names_the_missing_right_of_the_handle() -> None:
    ctx = _context("user")
    assert ctx.require(0x20084, 0x4, SAM_DOMAIN)
    assert ctx.decision is None
    assert not ctx.require(0x20084, 0x100, SAM_DOMAIN)
    assert ctx.decision is not None
    assert ctx.decision.rule == "gate handle access DOMAIN_LIST_ACCOUNTS"
    assert ctx.decision.reason == "deny gate GateCall: user holds a SAM_DOMAIN handle without DOMAIN_LIST_ACCOUNTS"


def test_the_refusing_decision_wins() -> None:
    iface = Interface(name="gate", uuid=UUID, version=(1, 0), pipes=("gate",),
                      rules={"GateCall": Rule(Require.EVERYONE, source="test")})
    ctx = _context("user", "NTSTATUS", iface)
    refusal = ctx.deny("test", "is refused")
    assert ctx.decide().allowed
    assert ctx.decision is refusal


# ------------------------------------------------------------------ the runtime checks declared rules


def _gate_interface(calls: list[str]) -> Interface:
    iface = Interface(name="gate", uuid=UUID, version=(1, 0), pipes=("gate",))

    @iface.operation(0, "GateOpen", request=[("Handle", ndr.ContextHandle)],
                     response=[("Handle", ndr.ContextHandle), ("Count", ndr.uint32)],
                     returns="WERROR", rule=Rule(Require.AUTHENTICATED, source="test"))
    def GateOpen(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        calls.append("GateOpen")
        return {"Handle": request["Handle"], "Count": 1, "ReturnValue": 0}

    @iface.operation(1, "GateLevel", request=[("Level", ndr.uint32)], response=[],
                     rule=Rule(Require.EVERYONE, {2: Require.ADMINISTRATORS}, source="test"))
    def GateLevel(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        calls.append("GateLevel")
        return {"ReturnValue": ctx.decide(level=request["Level"]).status}

    @iface.operation(2, "GateFault", returns=None, rule=Rule(Require.ADMINISTRATORS, source="test"))
    def GateFault(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        calls.append("GateFault")
        return {}

    return iface


def _endpoint(h: Any, kind: str, calls: list[str]) -> tuple[RpcEndpoint, Interface, list[Any]]:
    iface = _gate_interface(calls)
    server = _server("win2016")
    seen: list[Any] = []
    factory = make_context_factory(Principal(PrincipalKind(kind), "alice" if kind != "anonymous" else ""),
                                   1, server)
    ep = RpcEndpoint("gate", Registry([iface]), factory)
    ep.on_call = lambda ctx, *args, **kw: seen.append(ctx.decision)
    ep.write(h.bind_pdu([(0, SyntaxId.of(UUID, 1, 0), [h.NDR20])]))
    h.drain(ep)
    return ep, iface, seen


def test_the_runtime_refuses_before_the_handler_and_echoes_in_out_parameters(h: Any) -> None:
    calls: list[str] = []
    ep, iface, seen = _endpoint(h, "anonymous", calls)
    op = iface.operations[0]
    assert isinstance(op, ndr.Operation)
    handle = b"\x00" * 4 + b"\x07" * 16
    reply = h.call(ep, 0, 0, op.encode_request({"Handle": handle}))
    assert op.decode_response(reply.stub) == {"Handle": handle, "Count": 0,
                                              "ReturnValue": ERROR_ACCESS_DENIED}
    assert calls == [] and seen[-1].rule == "gate GateOpen AUTHENTICATED (test)"


def test_a_rule_with_levels_is_the_handlers_to_ask(h: Any) -> None:
    calls: list[str] = []
    ep, iface, seen = _endpoint(h, "user", calls)
    op = iface.operations[1]
    assert isinstance(op, ndr.Operation)
    assert op.decode_response(h.call(ep, 0, 1, op.encode_request({"Level": 1})).stub)["ReturnValue"] == 0
    assert op.decode_response(h.call(ep, 0, 1, op.encode_request({"Level": 2}), call_id=3).stub)[
        "ReturnValue"] == STATUS_ACCESS_DENIED
    assert calls == ["GateLevel", "GateLevel"] and not seen[-1].allowed


def test_an_operation_without_return_value_is_refused_with_a_fault(h: Any) -> None:
    calls: list[str] = []
    ep, _, seen = _endpoint(h, "user", calls)
    fault = h.call(ep, 0, 2, b"")
    assert fault.status == FAULT_ACCESS_DENIED and calls == []
    assert seen[-1] is not None and not seen[-1].allowed


# ------------------------------------------------------------------ rules checked at load


def test_a_rule_for_an_undeclared_operation_is_a_load_error() -> None:
    iface = _gate_interface([])
    iface.rules["GateClose"] = Rule(Require.NOBODY)
    with pytest.raises(ConfigError) as info:
        Registry([iface])
    assert str(info.value) == ("<code>: gate: rule for gate GateClose: the interface declares "
                               "no operation 'GateClose'")


def test_the_policy_table_is_checked_against_an_interface_of_that_name() -> None:
    # an interface called "samr" must declare every operation RULES names for samr
    samr = Interface(name="samr", uuid=UUID, version=(1, 0), pipes=("samr",))
    with pytest.raises(ConfigError, match="rule for samr Samr.*: the interface declares no operation"):
        Registry([samr])


def test_the_built_in_interfaces_load_with_every_rule() -> None:
    registry = Registry.load()
    assert {"samr", "lsarpc", "srvsvc", "wkssvc"} <= {i.name for i in registry}
