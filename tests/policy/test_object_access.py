"""Object access from the caller's real token (issue 14 item 4): what each principal holds on the
SAM and LSA objects, and that a DACL granting the token nothing fails even MAXIMUM_ALLOWED."""

from __future__ import annotations

import pytest

from smbemu.policy import MAXIMUM_ALLOWED, Policy, grant_access
from smbemu.policy.access import LSA_ACCOUNT, SAM_DOMAIN, SAM_GROUP, SAM_SERVER, SAM_USER
from smbemu.profiles import load_profile

SAM_OBJECTS = (SAM_SERVER, SAM_DOMAIN, SAM_GROUP, SAM_USER)


def policy(name: str, *overrides: str) -> Policy:
    return Policy(load_profile(name, list(overrides)))


@pytest.mark.parametrize("object_type", SAM_OBJECTS + (LSA_ACCOUNT,), ids=lambda t: t.name)
def test_anonymous_without_everyone_holds_nothing(object_type: object) -> None:
    # 2003: EveryoneIncludesAnonymous=0, the World ACE does not apply (windows-defaults §0.1)
    w2003 = policy("win2003")
    assert w2003.held_rights("anonymous", object_type) == 0
    assert w2003.held_rights("guest", object_type) == object_type.read | object_type.execute
    assert w2003.held_rights("user", object_type) == object_type.read | object_type.execute
    # 2000 puts ANONYMOUS LOGON into Everyone; with EveryoneIncludesAnonymous=1 2003 does too
    assert policy("win2000").held_rights("anonymous", object_type) == object_type.read | object_type.execute
    assert policy("win2003", "EveryoneIncludesAnonymous=1").held_rights("anonymous", object_type) != 0
    # 2000's RestrictAnonymous=2 token lacks Everyone
    assert policy("win2000", "RestrictAnonymous=2").held_rights("anonymous", object_type) == 0


def test_dc_sam_objects_follow_pre2000_and_authenticated_users() -> None:
    dc = policy("win2003-dc")
    assert dc.held_rights("anonymous", SAM_DOMAIN) == 0
    assert dc.held_rights("guest", SAM_DOMAIN) == 0          # not in Authenticated Users
    assert dc.held_rights("user", SAM_DOMAIN) == SAM_DOMAIN.read | SAM_DOMAIN.execute
    compat = policy("win2003-dc", "pre2000_compatible_access_members=Everyone,ANONYMOUS LOGON")
    assert compat.held_rights("anonymous", SAM_DOMAIN) == SAM_DOMAIN.read | SAM_DOMAIN.execute


def test_maximum_allowed_over_nothing_is_denied() -> None:
    assert grant_access(SAM_SERVER, MAXIMUM_ALLOWED, 0) is None
    assert grant_access(SAM_SERVER, 0, 0) == 0     # nothing asked, nothing checked
    assert grant_access(SAM_SERVER, MAXIMUM_ALLOWED, 0x20031) == 0x20031


def test_opens_are_refused_with_the_token_reason() -> None:
    decision = policy("win2003").decide("anonymous", "samr", "SamrConnect5", access=MAXIMUM_ALLOWED)
    assert not decision.allowed and "EveryoneIncludesAnonymous=0" in decision.reason
    for operation in ("SamrOpenGroup", "SamrOpenAlias", "SamrOpenUser", "SamrOpenDomain"):
        assert not policy("win2003").decide("anonymous", "samr", operation, access=MAXIMUM_ALLOWED).allowed
        assert policy("win2000", "RestrictAnonymous=1").decide("anonymous", "samr", operation,
                                                               access=MAXIMUM_ALLOWED).allowed
