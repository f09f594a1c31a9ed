"""Issue 16: BUILTIN\\Account Operators on a DC.  The logon records the group on the Principal,
the policy decides and caches on it (an operator's allow never answers a plain user), and the
AdminSDHolder-protected accounts and groups are known (smbemu.policy.protected)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from helpers import build_config

from smbemu.auth.ntlm import NtlmResult, Outcome
from smbemu.directory import load_fixture
from smbemu.logon import principal_for
from smbemu.policy import (
    ACCOUNT_OPERATORS,
    PROTECTED_OPERATION,
    SAM_DOMAIN,
    SAM_USER,
    Policy,
    is_protected,
)
from smbemu.policy.access import DOMAIN_CREATE_USER
from smbemu.principal import Principal, PrincipalKind, as_principal
from smbemu.profiles import load_profile
from smbemu.rpc.enforcement import Enforcement

OPERATOR = Principal(PrincipalKind.USER, "kpatel", "CORP", groups=frozenset({ACCOUNT_OPERATORS}))
PLAIN = Principal(PrincipalKind.USER, "alice", "CORP")
ADMIN = Principal(PrincipalKind.ADMINISTRATOR, "Administrator", "CORP")


def logon(profile: str, user: str, password: str) -> Principal:
    config: Any = build_config(profile)
    result = NtlmResult(Outcome.AUTHENTICATED, user, "CORP", "WS", b"k" * 16, "NTLM V2", 0, None)
    return principal_for(config, result)[0]


def test_the_logon_records_account_operators_on_a_dc_only() -> None:
    # kpatel is in Helpdesk, a member of BUILTIN\Account Operators in the corp fixture (DCs only)
    assert logon("win2016-dc", "kpatel", "Helpdesk123").groups == frozenset({ACCOUNT_OPERATORS})
    assert logon("win2016-dc", "alice", "Wonderland1").groups == frozenset()
    assert logon("win2016", "kpatel", "Helpdesk123").groups == frozenset()


def test_principal_groups_default_and_adapter() -> None:
    assert Principal(PrincipalKind.USER, "x").groups == frozenset()
    assert as_principal(SimpleNamespace(kind="user", user_name="x", groups=[ACCOUNT_OPERATORS])).groups \
        == frozenset({ACCOUNT_OPERATORS})


@pytest.mark.parametrize("operation", ["SamrCreateUserInDomain", "SamrSetInformationUser2",
                                       "SamrDeleteUser", "SamrAddMemberToGroup",
                                       "SamrCreateGroupInDomain", "SamrCreateAliasInDomain"])
def test_account_operators_manage_accounts_on_a_dc(operation: str) -> None:
    dc = Policy(load_profile("win2016-dc"))
    allowed = dc.decide(OPERATOR, "samr", operation)
    assert allowed.allowed and "Account Operators" in allowed.reason
    assert not dc.decide(PLAIN, "samr", operation).allowed
    member = Policy(load_profile("win2003"))  # no RestrictRemoteSAM in the way
    refused = member.decide(OPERATOR, "samr", operation)
    assert not refused.allowed and "domain controllers only" in refused.reason


def test_protected_accounts_are_administrators_only() -> None:
    dc = Policy(load_profile("win2016-dc"))
    refused = dc.decide(OPERATOR, "samr", PROTECTED_OPERATION)
    assert not refused.allowed and "AdminSDHolder" in refused.rule
    assert dc.decide(ADMIN, "samr", PROTECTED_OPERATION).allowed
    # what stays administrators' alone
    assert not dc.decide(OPERATOR, "samr", "SamrSetSecurityObject").allowed
    assert not dc.decide(OPERATOR, "samr", "SamrRemoveMemberFromForeignDomain").allowed


def test_an_operators_allow_is_never_a_plain_users() -> None:
    """The decision caches (the policy's, the held rights, the enforcement point's final
    decisions) key on the groups: the operator asks first, the plain user gets a refusal."""
    dc = Policy(load_profile("win2016-dc"))
    assert dc.decide(OPERATOR, "samr", "SamrCreateUserInDomain").allowed
    assert not dc.decide(PLAIN, "samr", "SamrCreateUserInDomain").allowed
    assert dc.held_rights(OPERATOR, SAM_DOMAIN) & DOMAIN_CREATE_USER
    assert not dc.held_rights(PLAIN, SAM_DOMAIN) & DOMAIN_CREATE_USER
    assert dc.held_rights(OPERATOR, SAM_USER) != dc.held_rights(PLAIN, SAM_USER)
    server = SimpleNamespace(policy=dc)

    class Call(Enforcement):
        __slots__ = ("principal", "server", "pipe_name", "interface", "operation", "decision")

        def __init__(self, principal: Principal) -> None:
            self.principal, self.server, self.pipe_name = principal, server, "samr"
            self.interface, self.operation, self.decision = None, None, None

    assert Call(OPERATOR).decide("SamrDeleteUser").allowed
    assert not Call(PLAIN).decide("SamrDeleteUser").allowed
    assert Call(OPERATOR).decide("SamrDeleteUser").allowed


def test_protected_set() -> None:
    dc = load_fixture(role="dc")

    def account(name: str) -> Any:
        found = dc.account_domain.by_name(name) or dc.builtin_domain.by_name(name)
        assert found is not None, name
        return found

    protected = ["Administrator", "krbtgt", "mjones", "kpatel", "svc_backup", "Domain Admins",
                 "Administrators", "Account Operators", "Backup Operators", "Server Operators",
                 "Print Operators", "Helpdesk"]
    unprotected = ["alice", "tnguyen", "Finance", "Domain Users", "Users"]
    assert [n for n in protected if not is_protected(dc, account(n))] == []
    assert [n for n in unprotected if is_protected(dc, account(n))] == []
