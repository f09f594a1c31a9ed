"""What the one enforcement point records on the call context (``ctx.decision``), the decision
the audit log's RPC event reports: the three refusals issue 11 names, each a deny with its rule
and the status of the operation's return family."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

STATUS_ACCESS_DENIED = 0xC0000022
ERROR_ACCESS_DENIED = 5
MAXIMUM_ALLOWED = 0x02000000


def _connect5(client: Any, access: int = MAXIMUM_ALLOWED) -> dict[str, Any]:
    return client.call(64, ServerName="\\\\DC", DesiredAccess=access, InVersion=1,
                       InRevisionInfo=(1, {"Revision": 3, "SupportedFeatures": 0}))


def test_anonymous_samr_connect5_on_win2016_dc(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("samr", "anonymous", "win2016-dc")
    assert _connect5(client)["ReturnValue"] == STATUS_ACCESS_DENIED
    decision = client.decision
    assert not decision.allowed and decision.status == STATUS_ACCESS_DENIED
    assert decision.rule.startswith("samr SamrConnect5 SAM_SERVER (§0 rule 8")
    assert "Pre-Windows 2000 Compatible Access" in decision.reason


def test_create_user2_by_a_normal_user_on_win2016_dc(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("samr", "user", "win2016-dc")
    server = bytes(_connect5(client)["ServerHandle"])
    assert client.decision.allowed  # the connect itself was decided and allowed
    domain_sid = client.server.directory.account_domain.sid
    domain = bytes(client.call(7, ServerHandle=server, DesiredAccess=MAXIMUM_ALLOWED,
                               DomainId=str(domain_sid))["DomainHandle"])
    reply = client.call(50, DomainHandle=domain)
    assert reply["ReturnValue"] == STATUS_ACCESS_DENIED
    decision = client.decision
    assert not decision.allowed and decision.status == STATUS_ACCESS_DENIED
    assert decision.rule == "samr handle access DOMAIN_CREATE_USER"
    assert decision.reason.startswith("deny samr SamrCreateUser2InDomain: user holds a SAM_DOMAIN "
                                      "handle without DOMAIN_CREATE_USER")


def test_create_user2_by_an_administrator_is_decided_by_the_administrators_rule(
        pipe_client: Callable[..., Any], server_config: Callable[..., Any]) -> None:
    base = server_config("win2016-dc")
    server = type(base)(profile=base.profile, directory=base.directory.copy(), pipes=base.pipes)
    client = pipe_client("samr", "administrator", "win2016-dc", server)
    handle = bytes(_connect5(client)["ServerHandle"])
    domain = bytes(client.call(7, ServerHandle=handle, DesiredAccess=MAXIMUM_ALLOWED,
                               DomainId=str(server.directory.account_domain.sid))["DomainHandle"])
    reply = client.call(50, DomainHandle=domain, Name="eve", AccountType=0x10, DesiredAccess=MAXIMUM_ALLOWED)
    assert reply["ReturnValue"] == 0
    assert client.decision.allowed
    # the rule that lets administrators (and, on a DC, Account Operators) create accounts
    assert client.decision.rule.startswith("samr SamrCreateUser2InDomain ACCOUNT_OPERATORS")
    assert "administrator is an administrator" in client.decision.reason


def test_anonymous_share_enum_level_2(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("srvsvc", "anonymous", "win2016")
    reply = client.call(15, ServerName=None, InfoStruct={"Level": 2, "ShareInfo": (2, None)},
                        PreferedMaximumLength=0xFFFFFFFF, ResumeHandle=None)
    assert reply["ReturnValue"] == ERROR_ACCESS_DENIED
    decision = client.decision
    assert not decision.allowed and decision.status == ERROR_ACCESS_DENIED
    assert decision.rule == "srvsvc NetrShareEnum level 2 ADMINISTRATORS (§0 rule 9)"
    assert decision.reason == ("deny srvsvc NetrShareEnum level 2: anonymous is not an "
                               "administrator (win2016)")


def test_a_handle_without_the_right_is_a_recorded_deny(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("lsarpc", "user")
    handle = bytes(client.call(44, DesiredAccess=0x00000800)["PolicyHandle"])  # LOOKUP_NAMES
    assert client.call(46, PolicyHandle=handle, InformationClass=3)["ReturnValue"] \
        == STATUS_ACCESS_DENIED
    assert client.decision.rule == "lsarpc handle access POLICY_VIEW_LOCAL_INFORMATION"


def test_no_rule_no_decision_and_each_call_starts_undecided(
        pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("srvsvc", "anonymous", "win2016")
    client.call(15, ServerName=None, InfoStruct={"Level": 2, "ShareInfo": (2, None)},
                PreferedMaximumLength=0xFFFFFFFF, ResumeHandle=None)
    assert client.decision is not None
    client.call(28)  # NetrRemoteTOD: no rule restricts it
    assert client.decision is None
