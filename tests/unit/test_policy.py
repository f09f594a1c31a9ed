"""The policy engine on its own: each §0 step, the explanations it logs, tokens and access masks."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from smbemu.policy import (
    INTERFACE_CHECKS,
    LSA_POLICY,
    MAXIMUM_ALLOWED,
    POLICY_LOOKUP_NAMES,
    POLICY_VIEW_LOCAL_INFORMATION,
    RULES,
    SAM_DOMAIN,
    Policy,
    Require,
    Rule,
    check_rules,
    denied_status,
    grant_access,
    policy_for,
    principal_kind,
)
from smbemu.principal import Principal, PrincipalKind
from smbemu.profiles import load_profile
from smbemu.sid import ANONYMOUS_LOGON, AUTHENTICATED_USERS, BUILTIN_ADMINISTRATORS, EVERYONE
from smbemu.status import ERROR_ACCESS_DENIED, STATUS_ACCESS_DENIED, status_name


def policy(name: str, *overrides: str) -> Policy:
    return Policy(load_profile(name, overrides))


# ------------------------------------------------------------------ explanations


def test_pipe_open_denial_is_logged_in_the_issue_format(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="smbemu.policy"):
        decision = policy("win2016").pipe_open(Principal(PrincipalKind.ANONYMOUS), "samr")
    assert decision.status == STATUS_ACCESS_DENIED
    assert decision.reason == "deny pipe-open samr: anonymous, not in NullSessionPipes (win2016)"
    assert [r.getMessage() for r in caplog.records] == [decision.reason]
    assert caplog.records[0].levelno == logging.INFO


def test_allows_are_logged_at_debug_only(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="smbemu.policy"):
        assert policy("win2000").pipe_open("anonymous", "\\PIPE\\samr").allowed
    assert caplog.records == []


def test_every_step_explains_itself() -> None:
    w2016, w2003, w2016dc = policy("win2016"), policy("win2003"), policy("win2016-dc")
    assert w2016.session_setup("anonymous").reason == \
        "allow session-setup: anonymous, accepted on every release (win2016)"
    assert w2016.tree_connect("anonymous", "IPC$", "ipc").reason == \
        "allow tree-connect IPC$: anonymous, IPC$ is always reachable (win2016)"
    assert w2016.tree_connect("anonymous", "C$").reason == \
        "deny tree-connect C$: anonymous, not in NullSessionShares (win2016)"
    assert policy("win2008", "NullSessionPipes=samr").pipe_open("anonymous", "samr").reason == (
        "deny pipe-open samr: anonymous, the samr endpoint refuses anonymous callers "
        "(pipe_anonymous_refusal) (win2008)")
    assert w2003.decide("anonymous", "samr", "SamrEnumerateUsersInDomain").reason == \
        "deny samr SamrEnumerateUsersInDomain: anonymous is refused by RestrictAnonymousSAM=1 (win2003)"
    assert w2003.decide("anonymous", "lsarpc", "LsarOpenPolicy2", access=MAXIMUM_ALLOWED).reason == (
        "deny lsarpc LsarOpenPolicy2: anonymous is blocked by LsaRestrictAnonymous "
        "(TurnOffAnonymousBlock=0) on a non-DC (win2003)")
    assert w2016dc.decide("anonymous", "samr", "SamrConnect5").reason == (
        "deny samr SamrConnect5: anonymous is not in Pre-Windows 2000 Compatible Access "
        "(Authenticated Users) (win2016-dc)")
    assert w2016.decide("user", "samr", "SamrConnect5").reason == \
        "deny samr SamrConnect5: user is refused by RestrictRemoteSAM O:SYG:SYD:(A;;RC;;;BA) (win2016)"


# ------------------------------------------------------------------ SMB steps


@pytest.mark.parametrize("kind", ["anonymous", "guest", "user", "administrator"])
def test_session_setup_always_allowed(kind: str) -> None:
    for name in ("nt4", "win2000", "win2016", "win2022-dc"):
        assert policy(name).session_setup(kind).allowed


def test_tree_connect_rules() -> None:
    assert policy("win2016").tree_connect("anonymous", "ipc$", "ipc").allowed
    assert policy("win2016", "NullSessionShares=Public").tree_connect("anonymous", "PUBLIC").allowed
    assert policy("win2016", "RestrictNullSessAccess=0").tree_connect("anonymous", "C$").allowed
    assert policy("win2016").tree_connect("user", "C$").allowed  # not this rule's business
    ra2 = policy("win2000", "RestrictAnonymous=2")
    assert ra2.tree_connect("anonymous", "IPC$", "ipc").status == STATUS_ACCESS_DENIED
    assert "RestrictAnonymous=2" in ra2.tree_connect("anonymous", "IPC$", "ipc").reason
    assert ra2.tree_connect("user", "IPC$", "ipc").allowed
    # RestrictAnonymous=2 exists on 2000 only: on NT4 / 2003 it acts as 1 (IPC$ stays reachable).
    for name in ("nt4", "win2003"):
        assert policy(name, "RestrictAnonymous=2").tree_connect("anonymous", "IPC$", "ipc").allowed


def test_pipe_open_rules() -> None:
    w2000, w2016dc = policy("win2000"), policy("win2016-dc")
    assert w2000.pipe_open("anonymous", "srvsvc").allowed
    assert w2000.pipe_open("anonymous", "spoolss").allowed
    assert w2000.pipe_open("anonymous", "eventlog").status == STATUS_ACCESS_DENIED
    assert w2016dc.pipe_open("anonymous", "samr").allowed and w2016dc.pipe_open("anonymous", "lsarpc").allowed
    assert w2016dc.pipe_open("anonymous", "srvsvc").status == STATUS_ACCESS_DENIED
    # Only null sessions are filtered; guests and users open anything.
    assert policy("win2016").pipe_open("guest", "samr").allowed
    assert policy("win2016").pipe_open("user", "lsarpc").allowed
    # Without RestrictNullSessAccess the list does not apply, but the Vista SP1+ endpoint refusal does.
    open_2008 = policy("win2008", "RestrictNullSessAccess=0")
    assert open_2008.pipe_open("anonymous", "srvsvc").allowed
    assert open_2008.pipe_open("anonymous", "samr").status == STATUS_ACCESS_DENIED


# ------------------------------------------------------------------ SAMR


def test_restrict_remote_sam_applies_to_every_samr_call() -> None:
    w2016 = policy("win2016")
    assert INTERFACE_CHECKS["samr"].require is Require.REMOTE_SAM
    for operation in ("SamrConnect5", "SamrCloseHandle", "SamrGetDomainPasswordInformation", "SamrLookupIdsInDomain"):
        assert w2016.decide("user", "samr", operation).status == STATUS_ACCESS_DENIED
        assert w2016.decide("administrator", "samr", operation).allowed
    assert policy("win2016", "RestrictRemoteSAM=").decide("user", "samr", "SamrConnect5").allowed
    assert policy("win2016", "RestrictRemoteSAM=null").decide("user", "samr", "SamrConnect5").allowed
    custom = policy("win2016", "RestrictRemoteSAM=O:SYG:SYD:(A;;RC;;;AU)")
    assert custom.decide("user", "samr", "SamrConnect5").allowed
    assert custom.decide("guest", "samr", "SamrConnect5").status == STATUS_ACCESS_DENIED
    denying = policy("win2016", "RestrictRemoteSAM=O:SYG:SYD:(D;;RC;;;BA)(A;;RC;;;WD)")
    assert denying.decide("administrator", "samr", "SamrConnect5").status == STATUS_ACCESS_DENIED
    assert denying.decide("user", "samr", "SamrConnect5").allowed
    # Not on an older release (no such check), not on a DC (descriptor "").
    assert policy("win2012r2").decide("user", "samr", "SamrEnumerateUsersInDomain").allowed
    assert policy("win2016-dc").decide("user", "samr", "SamrEnumerateUsersInDomain").allowed


def test_sam_server_object_on_dcs() -> None:
    for name in ("win2003-dc", "win2008-dc", "win2016-dc", "win2022-dc"):
        dc = policy(name)
        for operation in ("SamrConnect", "SamrConnect2", "SamrConnect4", "SamrConnect5", "SamrOpenDomain"):
            assert dc.decide("anonymous", "samr", operation).status == STATUS_ACCESS_DENIED, (name, operation)
            assert dc.decide("guest", "samr", operation).status == STATUS_ACCESS_DENIED
            assert dc.decide("user", "samr", operation).allowed
        assert dc.decide("anonymous", "samr", "SamrGetDomainPasswordInformation").allowed
    w2000dc = policy("win2000-dc")  # Everyone in the group, anonymous in Everyone
    assert w2000dc.decide("anonymous", "samr", "SamrConnect5").allowed
    assert w2000dc.decide("anonymous", "samr", "SamrEnumerateUsersInDomain").allowed
    # XP+ DCs: Everyone alone does not admit anonymous (EveryoneIncludesAnonymous=0) ...
    assert policy("win2003-dc", "pre2000_compatible_access_members=Everyone").decide(
        "anonymous", "samr", "SamrConnect5").status == STATUS_ACCESS_DENIED
    # ... ANONYMOUS LOGON does; then RestrictAnonymousSAM is ignored on DCs, RestrictAnonymous is not.
    compat = policy("win2003-dc", "pre2000_compatible_access_members=Everyone,ANONYMOUS LOGON")
    assert compat.decide("anonymous", "samr", "SamrConnect5").allowed
    assert compat.decide("anonymous", "samr", "SamrEnumerateUsersInDomain").allowed
    strict = policy("win2003-dc", "pre2000_compatible_access_members=Everyone,ANONYMOUS LOGON", "RestrictAnonymous=1")
    assert strict.decide("anonymous", "samr", "SamrEnumerateUsersInDomain").status == STATUS_ACCESS_DENIED


def test_enumeration_blocks_and_the_rid_cycling_gap() -> None:
    ra1 = policy("win2000", "RestrictAnonymous=1")
    for operation in ("SamrEnumerateUsersInDomain", "SamrEnumerateGroupsInDomain", "SamrEnumerateAliasesInDomain",
                      "SamrQueryDisplayInformation", "SamrQueryDisplayInformation2", "SamrQueryDisplayInformation3"):
        assert RULES[("samr", operation)].require is Require.SAM_ENUMERATION
        assert ra1.decide("anonymous", "samr", operation).status == STATUS_ACCESS_DENIED
        assert ra1.decide("user", "samr", operation).allowed
    # the other paths to the same lists and details follow the switch (issue 14 item 4)
    for operation in ("SamrGetMembersInGroup", "SamrGetMembersInAlias", "SamrGetAliasMembership",
                      "SamrGetGroupsForUser", "SamrQueryInformationUser", "SamrQueryInformationUser2",
                      "SamrQueryInformationGroup", "SamrQueryInformationAlias"):
        assert ra1.decide("anonymous", "samr", operation).status == STATUS_ACCESS_DENIED, operation
        assert ra1.decide("user", "samr", operation).allowed, operation
    for operation in ("SamrLookupIdsInDomain", "SamrLookupNamesInDomain", "SamrOpenUser",
                      "SamrQueryInformationDomain", "SamrGetDomainPasswordInformation"):
        assert ra1.decide("anonymous", "samr", operation).allowed, operation
    for operation in ("LsarOpenPolicy2", "LsarLookupSids", "LsarLookupNames"):
        assert ra1.decide("anonymous", "lsarpc", operation).allowed
    assert ra1.decide("anonymous", "srvsvc", "NetrShareEnum", 1).status == ERROR_ACCESS_DENIED


# ------------------------------------------------------------------ LSA


def test_lsa_open_block_and_access_masks() -> None:
    w2003 = policy("win2003")
    assert w2003.decide("anonymous", "lsarpc", "LsarOpenPolicy").status == STATUS_ACCESS_DENIED
    assert w2003.decide("user", "lsarpc", "LsarOpenPolicy2", access=MAXIMUM_ALLOWED).allowed
    lifted = policy("win2003", "TurnOffAnonymousBlock=1")
    assert lifted.decide("anonymous", "lsarpc", "LsarOpenPolicy2", access=MAXIMUM_ALLOWED).allowed
    # Anonymous holds VIEW_LOCAL (the XP+ ACE) but not LOOKUP_NAMES while translation is off.
    assert lifted.lsa_granted("anonymous") == POLICY_VIEW_LOCAL_INFORMATION
    asked = MAXIMUM_ALLOWED | POLICY_LOOKUP_NAMES
    assert lifted.decide("anonymous", "lsarpc", "LsarOpenPolicy2", access=asked).status == STATUS_ACCESS_DENIED
    assert lifted.decide("anonymous", "lsarpc", "LsarLookupSids").status == STATUS_ACCESS_DENIED
    assert lifted.decide("anonymous", "lsarpc", "LsarQueryInformationPolicy", 5).allowed
    both = policy("win2003", "TurnOffAnonymousBlock=1", "LSAAnonymousNameLookup=1")
    assert both.decide("anonymous", "lsarpc", "LsarOpenPolicy2", access=asked).allowed
    assert both.decide("anonymous", "lsarpc", "LsarLookupNames3").allowed
    # A handle the handler says lacks LOOKUP_NAMES is refused even for a user.
    assert both.decide("user", "lsarpc", "LsarLookupSids", access=POLICY_VIEW_LOCAL_INFORMATION).status \
        == STATUS_ACCESS_DENIED
    # Generic rights map through MS-LSAD 2.2.1.1.2: GENERIC_READ (audit / private) is not Everyone's.
    assert both.decide("user", "lsarpc", "LsarOpenPolicy2", access=0x80000000).status == STATUS_ACCESS_DENIED
    assert both.decide("user", "lsarpc", "LsarOpenPolicy2", access=0x20000000).allowed
    assert both.decide("administrator", "lsarpc", "LsarOpenPolicy2", access=0x10000000).allowed
    assert both.decide("user", "lsarpc", "LsarOpenPolicy2", access=0x01000000).status == STATUS_ACCESS_DENIED


def test_lsa_on_dcs_and_on_2000() -> None:
    w2016dc = policy("win2016-dc")  # the block does not apply to DCs; translation chosen Disabled
    assert w2016dc.decide("anonymous", "lsarpc", "LsarOpenPolicy2", access=MAXIMUM_ALLOWED).allowed
    assert w2016dc.decide("anonymous", "lsarpc", "LsarLookupNames").status == STATUS_ACCESS_DENIED
    assert policy("win2016-dc", "LSAAnonymousNameLookup=1").decide("anonymous", "lsarpc", "LsarLookupSids").allowed
    assert policy("win2003-dc").decide("anonymous", "lsarpc", "LsarLookupSids").allowed
    # Audit classes need POLICY_VIEW_AUDIT_INFORMATION: administrators only.
    assert w2016dc.decide("user", "lsarpc", "LsarQueryInformationPolicy2", 2).status == STATUS_ACCESS_DENIED
    assert w2016dc.decide("administrator", "lsarpc", "LsarQueryInformationPolicy2", 2).allowed
    # Windows 2000: no anonymous ACE, anonymous gets Everyone's rights -- unless RestrictAnonymous=2.
    assert policy("win2000", "LSAAnonymousNameLookup=0").decide("anonymous", "lsarpc", "LsarLookupSids").allowed
    assert policy("win2000", "RestrictAnonymous=2").lsa_granted("anonymous") == 0


# ------------------------------------------------------------------ tokens and plumbing


def test_tokens() -> None:
    w2000, w2003 = policy("win2000"), policy("win2003")
    assert EVERYONE in w2000.token("anonymous") and ANONYMOUS_LOGON in w2000.token("anonymous")
    assert EVERYONE not in w2003.token("anonymous")
    assert EVERYONE in policy("win2003", "EveryoneIncludesAnonymous=1").token("anonymous")
    assert EVERYONE not in policy("win2000", "RestrictAnonymous=2").token("anonymous")
    assert AUTHENTICATED_USERS not in w2003.token("guest") and EVERYONE in w2003.token("guest")
    assert AUTHENTICATED_USERS in w2003.token("user") and BUILTIN_ADMINISTRATORS not in w2003.token("user")
    assert BUILTIN_ADMINISTRATORS in w2003.token(Principal(PrincipalKind.ADMINISTRATOR))


def test_principal_kind_and_status_names() -> None:
    assert principal_kind(PrincipalKind.GUEST) == "guest"
    assert principal_kind(SimpleNamespace(kind="User")) == "user"
    with pytest.raises(ValueError, match="not one of"):
        principal_kind("root")
    assert status_name(STATUS_ACCESS_DENIED) == "STATUS_ACCESS_DENIED"
    assert status_name(ERROR_ACCESS_DENIED) == "ERROR_ACCESS_DENIED"
    assert status_name(0xC0000099) == "0xC0000099"


def test_unknown_operations_are_allowed_and_decisions_cached() -> None:
    w2000 = policy("win2000")
    assert w2000.decide("anonymous", "netlogon", "NetrLogonControl2").allowed
    first = w2000.decide("anonymous", "samr", "SamrConnect5", access=MAXIMUM_ALLOWED)
    assert w2000.decide("anonymous", "samr", "SamrConnect5", access=MAXIMUM_ALLOWED) is first


def test_policy_for_builds_once_per_profile() -> None:
    server = SimpleNamespace(profile=load_profile("win2016"), cache={})
    assert policy_for(server) is policy_for(server)
    server.profile = load_profile("win2000")
    assert policy_for(server).name == "win2000"
    own = Policy(load_profile("win2003"))
    assert policy_for(SimpleNamespace(policy=own)) is own


# ------------------------------------------------------------------ the model of issue 11


def test_a_rule_names_who_passes_never_a_status() -> None:
    assert "status" not in Rule.__dataclass_fields__
    assert not hasattr(Policy(load_profile("win2016")), "last_decision")


@pytest.mark.parametrize("returns,status", [("NTSTATUS", STATUS_ACCESS_DENIED),
                                            ("WERROR", ERROR_ACCESS_DENIED),
                                            ("uint32", ERROR_ACCESS_DENIED),
                                            ("HRESULT", 0x80070005), (None, 5)])
def test_the_refusal_family_follows_the_return_type(returns: object, status: int) -> None:
    assert denied_status(returns) == status


def test_the_engine_alone_knows_the_families_of_the_installed_interfaces() -> None:
    # no registry here: srvsvc (WERROR) and samr (NTSTATUS) are read from the entry points
    w2016 = policy("win2016")
    assert w2016.decide("user", "srvsvc", "NetrSessionEnum", 2).status == ERROR_ACCESS_DENIED
    assert w2016.decide("user", "samr", "SamrConnect5").status == STATUS_ACCESS_DENIED


def test_decisions_name_their_rule() -> None:
    w2016dc, w2016 = policy("win2016-dc"), policy("win2016")
    assert w2016dc.decide("anonymous", "samr", "SamrConnect5").rule == \
        "samr SamrConnect5 SAM_SERVER (§0 rule 8 (D))"
    assert w2016.decide("user", "samr", "SamrEnumerateUsersInDomain").rule == \
        "samr * REMOTE_SAM (§0 rule 7 (D))"
    assert w2016.decide("anonymous", "srvsvc", "NetrShareEnum", 2).rule == \
        "srvsvc NetrShareEnum level 2 ADMINISTRATORS (§0 rule 9)"
    assert w2016.pipe_open("anonymous", "samr").rule == "pipe-open NullSessionPipes (§0 rule 3)"
    assert w2016.tree_connect("anonymous", "C$").rule == "tree-connect NullSessionShares (§0 rule 2)"
    assert w2016.decide("anonymous", "netlogon", "NetrLogonControl2").rule == ""  # no rule


def test_a_plugin_rule_is_decided_like_a_table_row() -> None:
    rule = Rule(Require.ADMINISTRATORS, {1: Require.EVERYONE}, source="plugin")
    w2016 = policy("win2016")
    refused = w2016.decide_rule("user", "echo", "EchoGreet", rule, returns="WERROR")
    assert (refused.status, refused.rule) == (ERROR_ACCESS_DENIED, "echo EchoGreet ADMINISTRATORS (plugin)")
    assert w2016.decide_rule("user", "echo", "EchoGreet", rule, 1, returns="WERROR").allowed


def test_held_rights_come_from_the_token() -> None:
    w2016 = policy("win2016")
    assert w2016.held_rights("administrator", SAM_DOMAIN) == SAM_DOMAIN.all | 0x01000000
    assert w2016.held_rights("user", SAM_DOMAIN) == SAM_DOMAIN.read | SAM_DOMAIN.execute
    assert w2016.held_rights("user", LSA_POLICY) == w2016.lsa_granted("user")
    assert grant_access(SAM_DOMAIN, MAXIMUM_ALLOWED, 0x20084) == 0x20084
    assert grant_access(SAM_DOMAIN, 0x10, 0x20084) is None
    assert SAM_DOMAIN.describe(0x10 | 0x20000) == "DOMAIN_CREATE_USER|READ_CONTROL"


def test_rules_are_checked_against_the_declared_operations() -> None:
    assert check_rules("srvsvc", [name for (iface, name) in RULES if iface == "srvsvc"], {}) == []
    problems = check_rules("samr", ["SamrConnect5"], {"SamrConnect3": Rule(Require.NOBODY)})
    assert "rule for samr SamrConnect3: the interface declares no operation 'SamrConnect3'" in problems
    assert ("samr", "SamrConnect3") not in RULES and ("lsarpc", "LsarOpenPolicy3") not in RULES
