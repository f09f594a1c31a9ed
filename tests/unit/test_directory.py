"""The fixture model: SIDs, hashes, loading, the role rule, lookups, membership, validation errors."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from smbemu.auth.ntlm_crypto import lm_owf_v1, nt_owf_v1
from smbemu.directory import (
    Alias,
    Directory,
    Group,
    UserAccountControl,
    directory_from_dict,
    list_fixtures,
    load_fixture,
    make_large_fixture,
)
from smbemu.errors import ConfigError
from smbemu.filetime import to_filetime
from smbemu.sid import (
    ANONYMOUS_LOGON,
    AUTHENTICATED_USERS,
    BUILTIN_ADMINISTRATORS,
    EVERYONE,
    WELL_KNOWN,
    Sid,
    SidNameUse,
)

MACHINE_SID = Sid.parse("S-1-5-21-2446098351-2891839154-3815493722")
DOMAIN_SID = Sid.parse("S-1-5-21-1004336348-1177238915-682003330")


@pytest.fixture(scope="module")
def member() -> Directory:
    return load_fixture(role="member", os_version=(5, 2))


@pytest.fixture(scope="module")
def dc() -> Directory:
    return load_fixture(role="dc", os_version=(5, 2))


# --------------------------------------------------------------------------------------------------
# SID value type (MS-DTYP 2.4.2)
# --------------------------------------------------------------------------------------------------

def test_sid_parse_str_roundtrip() -> None:
    for text in ("S-1-5-32-544", "S-1-1-0", "S-1-5", str(DOMAIN_SID) + "-1104", "S-1-0x123456789ABC-1"):
        sid = Sid.parse(text)
        assert Sid.parse(str(sid)) == sid
    assert str(Sid.parse("s-1-5-18")) == "S-1-5-18"
    assert str(Sid.parse("S-1-0x0000000005-7")) == "S-1-5-7"  # hex authority below 2**32 prints decimal
    assert str(Sid(1, 0x123456789ABC, (1,))) == "S-1-0x123456789ABC-1"


def test_sid_binary_form() -> None:
    sid = Sid.parse("S-1-5-32-544")
    raw = bytes.fromhex("01020000000000052000000020020000")
    assert sid.to_bytes() == raw
    assert Sid.from_bytes(raw) == sid
    parsed, end = Sid.from_buffer(b"xx" + raw + b"yy", 2)
    assert (parsed, end) == (sid, 2 + len(raw))
    with pytest.raises(ValueError):
        Sid.from_bytes(raw[:-1])
    with pytest.raises(ValueError):
        Sid.from_bytes(raw + b"\x00")


def test_sid_parts() -> None:
    sid = DOMAIN_SID.child(1104)
    assert sid.rid == 1104
    assert sid.domain == DOMAIN_SID
    assert sid.is_in(DOMAIN_SID) and not DOMAIN_SID.is_in(DOMAIN_SID)
    with pytest.raises(ValueError):
        _ = Sid.parse("S-1-5").rid


@pytest.mark.parametrize("bad", ["", "S-1", "S-2-5-32", "X-1-5-32", "S-1-5-32-", "S-1-5--32", "S-1-5-4294967296",
                                 "S-1-" + "-".join(["1"] * 17), "S-1-281474976710656"])
def test_sid_parse_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        Sid.parse(bad)


def test_well_known_table() -> None:
    assert WELL_KNOWN[EVERYONE].name == "Everyone"
    assert WELL_KNOWN[ANONYMOUS_LOGON] == ("ANONYMOUS LOGON", SidNameUse.WELL_KNOWN_GROUP, "NT AUTHORITY")
    assert WELL_KNOWN[AUTHENTICATED_USERS].domain_name == "NT AUTHORITY"
    assert WELL_KNOWN[Sid.parse("S-1-5-32")].sid_type == SidNameUse.DOMAIN
    assert WELL_KNOWN[Sid.parse("S-1-5-32-554")].name == "Pre-Windows 2000 Compatible Access"
    assert WELL_KNOWN[Sid.parse("S-1-5-32-580")] == ("Remote Management Users", SidNameUse.ALIAS, "BUILTIN")
    assert int(SidNameUse.USER) == 1 and int(SidNameUse.WELL_KNOWN_GROUP) == 5


# --------------------------------------------------------------------------------------------------
# Password hashes
# --------------------------------------------------------------------------------------------------

def test_nt_hash_known_values() -> None:
    assert nt_owf_v1("Password").hex() == "a4f49c406510bdcab6824ee7c30fd852"
    assert nt_owf_v1("").hex() == "31d6cfe0d16ae931b73c59d7e0c089c0"


@pytest.mark.parametrize(("message", "digest"), [
    (b"a", "bde52cb31de33e46245e05fbdbd6fb24"),
    (b"abc", "a448017aaf21d8525fc10ae87aa6729d"),
    (b"message digest", "d9130a8164549fe818874806e1c7014b"),
    (b"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"),
    (b"1234567890" * 8, "e33b4ddc9c38f2199c3e7b164fcc0536"),
])
def test_md4_rfc1320_vectors(message: bytes, digest: str) -> None:
    from smbemu.auth.ntlm_crypto import md4 as _md4

    assert _md4(message).hex() == digest


def test_lm_hash_known_values() -> None:
    assert (lm_owf_v1("Password") or b"").hex() == "e52cac67419a9a224a3b108f3fa6cb6d"
    assert (lm_owf_v1("") or b"").hex() == "aad3b435b51404eeaad3b435b51404ee"
    assert lm_owf_v1("password") == lm_owf_v1("PASSWORD")  # upper-cased first
    assert lm_owf_v1("fifteen-chars!!") is None  # > 14 OEM bytes: Windows stores no LM hash
    assert lm_owf_v1("日本") is None  # not encodable in the OEM code page


# --------------------------------------------------------------------------------------------------
# Built-in fixtures
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["standalone", "member", "dc"])
@pytest.mark.parametrize("name", list_fixtures())
@pytest.mark.parametrize("version", [None, (5, 0), (5, 2), (6, 0), (10, 0)])
def test_every_builtin_fixture_loads(name: str, role: str, version: tuple[int, int] | None) -> None:
    directory = load_fixture(name, role=role, os_version=version)
    assert directory.shares[0].name == "IPC$"
    assert directory.find_user("Administrator") is not None


def test_default_fixture_is_corp(member: Directory) -> None:
    assert {"corp", "minimal"} <= set(list_fixtures())
    assert member.source == "fixtures/corp.yaml"
    assert member.machine.netbios_name == "LEGACYSRV"
    assert member.machine.dns_name == "legacysrv.corp.local"
    assert member.domain is not None and member.domain.name == "CORP" and member.domain.dns_name == "corp.local"


def test_corp_is_a_realistic_lab(member: Directory) -> None:
    users = member.users
    assert len([u for u in users if u.rid >= 1000]) >= 28 and len(users) >= 30
    admin = member.user_by_rid(500)
    assert admin is not None and admin.name == "Administrator"
    assert admin.description == "Built-in account for administering the computer/domain"
    guest = member.user_by_rid(501)
    assert guest is not None and guest.disabled
    assert member.find_user("krbtgt") is None
    services = [u for u in users if u.name.startswith("svc_")]
    assert len(services) >= 3 and all(u.password_never_expires for u in services)
    assert any(u.disabled for u in users if u.rid >= 1000)
    assert any(u.locked for u in users)
    policy = member.account_domain.password_policy
    assert (policy.min_length, policy.history, policy.max_age_days, policy.complexity) == (7, 24, 42, True)
    lockout = member.account_domain.lockout_policy
    assert (lockout.threshold, lockout.duration_minutes, lockout.window_minutes) == (5, 30, 30)
    assert all(u.last_logon is None or 2003 <= u.last_logon.year <= 2008 for u in users)


def test_password_in_description_is_the_password(member: Directory) -> None:
    leaked = [u for u in member.users if "password:" in u.description.lower()]
    assert leaked, "corp.yaml must have a password left in a description"
    for user in leaked:
        password = user.description.split("assword:", 1)[1].strip()
        assert user.nt_hash == nt_owf_v1(password)


def test_documented_credentials_match(member: Directory, dc: Directory) -> None:
    """The credentials table at the top of corp.yaml is what the README copies: check it (the
    DC's RID, the member's local RID, the name, the password)."""
    text = (Path(__file__).resolve().parents[2] / "fixtures" / "corp.yaml").read_text(encoding="utf-8")
    rows = [line[1:].split() for line in text.splitlines() if line.startswith("#   ") and line[4:5].isdigit()]
    assert len(rows) >= 30
    for rid_text, local_text, name, password, *_ in rows:
        for directory, rid in ((dc, int(rid_text)), (member, int(local_text))):
            user = directory.user_by_rid(rid)
            assert user is not None and user.name == name
            assert user.nt_hash == nt_owf_v1("" if password == "(blank)" else password), name


def test_long_password_has_no_lm_hash(member: Directory) -> None:
    akim = member.find_user("akim")
    assert akim is not None and akim.lm_hash is None and akim.nt_hash == nt_owf_v1("CorrectHorse#2007")


# --------------------------------------------------------------------------------------------------
# The role rule
# --------------------------------------------------------------------------------------------------

def test_member_users_are_the_local_sam(member: Directory) -> None:
    assert member.role == "member"
    assert member.account_domain.name == "LEGACYSRV"
    assert member.account_domain.sid == MACHINE_SID
    alice = member.find_user("alice")
    # its first ordinary local account: the local SAM numbers from 1000, not the domain's 1104
    assert alice is not None and alice.sid == MACHINE_SID.child(1000)
    # A member's local SAM has one group, "None", holding every local user.
    assert [(g.rid, g.name) for g in member.account_domain.groups] == [(513, "None")]
    assert member.groups_of(alice) == member.account_domain.groups
    # The LSA primary domain is the joined domain, with its groups known for lookups.
    primary = member.primary_domain
    assert (primary.name, primary.dns_name, primary.sid) == ("CORP", "corp.local", DOMAIN_SID)
    assert any(g.name == "Domain Admins" and g.sid == DOMAIN_SID.child(512) for g in primary.groups)
    assert member.find_user("LEGACYSRV$") is None
    # DC-only BUILTIN aliases are absent; Power Users exists on non-DCs.
    assert member.builtin_domain.alias(548) is None and member.builtin_domain.alias(547) is not None
    # Domain-local DC groups are not local groups of a member.
    assert member.account_domain.by_name("DnsAdmins") is None and member.account_domain.alias(517) is None


def test_dc_users_are_the_domain(dc: Directory) -> None:
    assert dc.role == "dc"
    assert dc.account_domain.name == "CORP" and dc.account_domain.sid == DOMAIN_SID
    krbtgt = dc.user_by_rid(502)
    assert krbtgt is not None and krbtgt.name == "krbtgt" and krbtgt.disabled
    assert krbtgt.description == "Key Distribution Center Service Account"
    machine = dc.find_user("LEGACYSRV$")
    assert machine is not None and machine.account_type == "server" and machine.primary_group_rid == 516
    assert machine.account_control() & UserAccountControl.SERVER_TRUST_ACCOUNT
    controllers = dc.account_domain.group(516)
    assert controllers is not None and controllers.name == "Domain Controllers" and machine.sid in controllers.members
    for rid, name in ((512, "Domain Admins"), (513, "Domain Users"), (514, "Domain Guests"),
                      (515, "Domain Computers"), (518, "Schema Admins"), (519, "Enterprise Admins")):
        group = dc.account_domain.group(rid)
        assert group is not None and group.name == name
    assert dc.primary_domain.sid == DOMAIN_SID and dc.primary_domain.name == "CORP"
    guest = dc.user_by_rid(501)
    assert guest is not None and guest.primary_group_rid == 514
    assert dc.builtin_domain.alias(548) is not None and dc.builtin_domain.alias(547) is None
    assert dc.account_domain.by_name("DnsAdmins") is not None
    admins = dc.builtin_domain.alias(544)
    assert admins is not None and DOMAIN_SID.child(519) in admins.members


def test_standalone_has_a_workgroup(member: Directory) -> None:
    standalone = load_fixture(role="standalone")
    assert standalone.account_domain.sid == MACHINE_SID
    assert standalone.primary_domain.name == "WORKGROUP" and standalone.primary_domain.sid is None
    assert standalone.primary_domain.groups == ()
    assert standalone.lookup_name("CORP\\Domain Admins") is None
    # a workgroup machine: no primary DNS suffix, the same local SAM as the member's
    assert (standalone.machine.netbios_name, standalone.machine.dns_name) == ("LEGACYSRV", "legacysrv")
    assert [(u.rid, u.name) for u in standalone.users] == [(u.rid, u.name) for u in member.users]
    fs_hr = standalone.account_domain.by_name("fs_hr_rw")
    assert isinstance(fs_hr, Alias) and fs_hr.members == ()  # its CORP members need the domain


def test_local_accounts_are_numbered_from_1000_off_a_dc(member: Directory, dc: Directory) -> None:
    """A member's SAM gave its accounts RIDs from 1000 (MS-SAMR 3.1.1.6), users and local
    aliases from one counter; the fixture's rid is the DC's, which keeps it."""
    ordinary = [u for u in member.users if u.rid >= 1000]
    assert [u.rid for u in ordinary] == list(range(1000, 1030))
    by_dc_rid = sorted(ordinary, key=lambda u: dc.find_user(u.name).rid)  # type: ignore[union-attr]
    assert by_dc_rid == ordinary  # in the order of the fixture's RIDs
    assert [(a.rid, a.name) for a in member.account_domain.aliases] == [
        (1030, "FS_Finance_RW"), (1031, "FS_HR_RW"), (1032, "SQLServer2005MSSQLUser$LEGACYSRV$MSSQLSERVER")]
    assert [u.rid for u in dc.users if u.name == "alice"] == [1104]
    # memberships follow the new numbers: the SQL Server alias holds svc_sql, the None group everyone
    svc_sql = member.find_user("svc_sql")
    sql_alias = member.account_domain.aliases[2]
    assert svc_sql is not None and sql_alias.members == (svc_sql.sid,)
    assert member.account_domain.group(513).members == tuple(u.sid for u in member.users)  # type: ignore[union-attr]
    # the person's domain groups (the member shortcut) still reach the token
    mjones = member.find_user("mjones")
    assert mjones is not None and member.is_administrator(mjones)
    assert DOMAIN_SID.child(1150) in member.token_sids(mjones)  # Management


def test_a_member_export_keeps_its_local_rids() -> None:
    """`smbemu fixture export` / ``--state`` of a member: the RIDs are local already and stay as
    they are (machine.local_rids: as_given), gaps left by deleted accounts included."""
    from smbemu.directory.export import fixture_document_of

    live = load_fixture(role="member", os_version=(10, 0)).copy()
    live.delete_user(live.find_user("tmartin"))  # type: ignore[arg-type]
    created = live.create_user("bob")
    assert created.rid == 1033  # one above every account of the SAM: the users and the local aliases
    document = fixture_document_of(live)
    assert document["machine"]["local_rids"] == "as_given"
    again = directory_from_dict(document, role="member", os_version=(10, 0))
    assert [(u.rid, u.name) for u in again.users] == [(u.rid, u.name) for u in live.users]
    assert [(a.rid, a.name) for a in again.account_domain.aliases] == [
        (a.rid, a.name) for a in live.account_domain.aliases]
    assert again.find_user("tmartin") is None and again.user_by_rid(1013) is None


def test_a_state_file_from_before_local_rids_keeps_the_rids_it_served(tmp_path: Path) -> None:
    """A member's ``--state`` file written before machine.local_rids existed holds the RIDs that
    server served (corp.yaml's 1104...) and password histories keyed by them: loaded as given."""
    import json

    from smbemu.directory.export import fixture_document_of
    from smbemu.directory.persist import FORMAT_VERSION, StateFile

    old = load_fixture("corp", role="member")
    document = fixture_document_of(old)
    document["machine"]["local_rids"] = "as_given"
    served = directory_from_dict({**document, "users": [
        {**u, "rid": u["rid"] + 104} if u["rid"] >= 1000 else u for u in document["users"]]}, role="member")
    written = fixture_document_of(served)
    del written["machine"]["local_rids"]
    state = tmp_path / "old.json"
    state.write_text(json.dumps({"smbemu_state": FORMAT_VERSION, "role": "member", "fixture": written,
                                 "password_history": {"1104": ["00" * 16]}, "creators": {}, "changes": 1}))
    loaded = StateFile(state).load({"role": "member", "os_version": None, "guest_enabled": None,
                                    "pre2000_members": None})
    assert loaded is not None and loaded.find_user("alice").rid == 1104  # type: ignore[union-attr]
    assert loaded.password_history(loaded.find_user("alice")) == [bytes(16)]  # type: ignore[arg-type]


def test_an_account_created_on_a_member_gets_no_domain_group_by_its_rid() -> None:
    """The member shortcut (a person's domain groups) applies to fixture users: a new local
    account whose RID happens to be a domain group's RID is no member of anything by it."""
    data = _base()
    data["groups"] = [{"name": "Staff", "rid": 1002}, {"name": "Admins2", "rid": 1003, "members": ["Staff"]}]
    live = directory_from_dict(data, role="member").copy()
    created = live.create_user("carol")
    assert created.rid == 1002 and Sid.parse("S-1-5-21-4-5-6-1003") not in live.token_sids(created)


def test_local_rid_numbering_skips_domain_group_rids_and_can_be_turned_off() -> None:
    data = _base()
    data["groups"] = [{"name": "Staff", "rid": 1000, "members": ["alice"]}]
    member = directory_from_dict(data, role="member")
    # RID 1000 names the joined domain's group Staff: the local numbering goes around it
    assert [(u.name, u.rid) for u in member.users] == [("Administrator", 500), ("Guest", 501), ("alice", 1001), ("bob", 1002)]
    staff = member.primary_domain.groups[-1]
    assert staff.name == "Staff" and staff.members == (Sid.parse("S-1-5-21-4-5-6-1001"),)
    data["machine"]["local_rids"] = "as_given"
    assert [u.rid for u in directory_from_dict(data, role="member").users] == [500, 501, 1104, 1105]
    assert [u.rid for u in directory_from_dict(data, role="standalone").users] == [500, 501, 1104, 1105]


def test_release_decides_builtin_aliases_and_default_accounts() -> None:
    win2000 = load_fixture(role="member", os_version=(5, 0))
    win2016 = load_fixture(role="member", os_version=(10, 0))
    assert win2000.builtin_domain.alias(555) is None  # Remote Desktop Users arrived with XP / 2003
    assert win2016.builtin_domain.alias(555) is not None
    assert win2000.builtin_domain.alias(568) is None and win2016.builtin_domain.alias(568) is not None
    assert win2000.user_by_rid(503) is None
    default_account = win2016.user_by_rid(503)
    assert default_account is not None and default_account.name == "DefaultAccount" and default_account.disabled
    assert win2000.share("ADMIN$") is not None and win2000.share("ADMIN$").path == "C:\\WINNT"  # type: ignore[union-attr]
    assert win2016.share("ADMIN$").path == "C:\\Windows"  # type: ignore[union-attr]


def test_guest_switch_and_pre2000_members_come_from_the_profile() -> None:
    enabled = load_fixture(role="member", guest_enabled=True)
    guest = enabled.user_by_rid(501)
    assert guest is not None and not guest.disabled
    dc = load_fixture(role="dc", pre2000_members=[EVERYONE, "ANONYMOUS LOGON"])
    pre2000 = dc.builtin_domain.alias(554)
    assert pre2000 is not None and set(pre2000.members) == {EVERYONE, ANONYMOUS_LOGON}
    default = load_fixture(role="dc").builtin_domain.alias(554)
    assert default is not None and default.members == (AUTHENTICATED_USERS,)


# --------------------------------------------------------------------------------------------------
# Lookups
# --------------------------------------------------------------------------------------------------

def test_lookup_name(member: Directory, dc: Directory) -> None:
    assert member.lookup_name("Administrator") == (MACHINE_SID.child(500), SidNameUse.USER, "LEGACYSRV")
    alice = member.find_user("alice")
    assert alice is not None
    assert member.lookup_name("legacysrv\\ALICE") == (alice.sid, SidNameUse.USER, "LEGACYSRV")
    assert member.lookup_name("CORP\\Domain Admins") == (DOMAIN_SID.child(512), SidNameUse.GROUP, "CORP")
    assert member.lookup_name("None") == (MACHINE_SID.child(513), SidNameUse.GROUP, "LEGACYSRV")
    assert dc.lookup_name("Administrator") == (DOMAIN_SID.child(500), SidNameUse.USER, "CORP")
    assert dc.lookup_name("alice@corp.local") == (DOMAIN_SID.child(1104), SidNameUse.USER, "CORP")  # the fixture's rid
    assert dc.lookup_name("Domain Admins") == (DOMAIN_SID.child(512), SidNameUse.GROUP, "CORP")
    assert dc.lookup_name("FS_Finance_RW") == (DOMAIN_SID.child(1160), SidNameUse.ALIAS, "CORP")
    for directory in (member, dc):
        assert directory.lookup_name("Everyone") == (EVERYONE, SidNameUse.WELL_KNOWN_GROUP, "")
        assert directory.lookup_name("NT AUTHORITY\\ANONYMOUS LOGON") == (ANONYMOUS_LOGON, SidNameUse.WELL_KNOWN_GROUP, "NT AUTHORITY")
        assert directory.lookup_name("authenticated users") == (AUTHENTICATED_USERS, SidNameUse.WELL_KNOWN_GROUP, "NT AUTHORITY")
        assert directory.lookup_name("BUILTIN\\Administrators") == (BUILTIN_ADMINISTRATORS, SidNameUse.ALIAS, "BUILTIN")
        assert directory.lookup_name("Administrators") == (BUILTIN_ADMINISTRATORS, SidNameUse.ALIAS, "BUILTIN")
        assert directory.lookup_name("BUILTIN") == (Sid.parse("S-1-5-32"), SidNameUse.DOMAIN, "BUILTIN")
        assert directory.lookup_name("nobody") is None
        assert directory.lookup_name("OTHERDOM\\alice") is None
    assert dc.lookup_name("CORP") == (DOMAIN_SID, SidNameUse.DOMAIN, "CORP")
    assert member.lookup_name("LEGACYSRV") == (MACHINE_SID, SidNameUse.DOMAIN, "LEGACYSRV")
    assert member.lookup_name("CORP") == (DOMAIN_SID, SidNameUse.DOMAIN, "CORP")
    assert member.lookup_name("Account Operators") is None  # DC-only alias
    assert dc.lookup_name("Account Operators") is not None


def test_lookup_sid(member: Directory, dc: Directory) -> None:
    assert member.lookup_sid(MACHINE_SID.child(500)) == ("Administrator", SidNameUse.USER, "LEGACYSRV")
    assert member.lookup_sid(MACHINE_SID.child(513)) == ("None", SidNameUse.GROUP, "LEGACYSRV")
    assert member.lookup_sid(DOMAIN_SID.child(512)) == ("Domain Admins", SidNameUse.GROUP, "CORP")
    assert member.lookup_sid(MACHINE_SID) == ("LEGACYSRV", SidNameUse.DOMAIN, "LEGACYSRV")
    assert dc.lookup_sid(DOMAIN_SID.child(502)) == ("krbtgt", SidNameUse.USER, "CORP")
    assert dc.lookup_sid(DOMAIN_SID.child(1142)) == ("Finance", SidNameUse.GROUP, "CORP")
    assert dc.lookup_sid(DOMAIN_SID) == ("CORP", SidNameUse.DOMAIN, "CORP")
    assert dc.lookup_sid(Sid.parse("S-1-5-32-544")) == ("Administrators", SidNameUse.ALIAS, "BUILTIN")
    assert dc.lookup_sid(Sid.parse("S-1-5-32-547")) is None  # Power Users: not on a DC
    assert dc.lookup_sid(EVERYONE) == ("Everyone", SidNameUse.WELL_KNOWN_GROUP, "")
    assert dc.lookup_sid(Sid.parse("S-1-5-7")) == ("ANONYMOUS LOGON", SidNameUse.WELL_KNOWN_GROUP, "NT AUTHORITY")
    assert dc.lookup_sid(DOMAIN_SID.child(4242)) is None
    assert dc.lookup_sid(MACHINE_SID.child(500)) is None  # a DC has no separate machine SAM
    assert member.lookup_sid(Sid.parse("S-1-5-21-1-2-3-500")) is None
    for user in dc.users:  # RID cycling finds every account
        found = dc.lookup_sid(user.sid)
        assert found is not None and found.name == user.name


# --------------------------------------------------------------------------------------------------
# Membership
# --------------------------------------------------------------------------------------------------

def _names(items: Any) -> set[str]:
    return {item.name for item in items}


def test_nested_groups(dc: Directory) -> None:
    jwilliams = dc.find_user("jwilliams")
    assert jwilliams is not None
    assert _names(dc.groups_of(jwilliams)) == {"Domain Users", "Finance Managers", "Management"}
    assert "Finance" in _names(dc.groups_of(jwilliams, transitive=True))  # Finance Managers ⊂ Finance
    kpatel = dc.find_user("kpatel")
    assert kpatel is not None
    assert {"Helpdesk", "IT", "SQL Admins"} <= _names(dc.groups_of(kpatel, transitive=True))
    tokens = dc.token_sids(kpatel)
    assert dc.builtin_domain.by_name("Account Operators").sid in tokens  # type: ignore[union-attr]
    assert dc.builtin_domain.by_name("Remote Desktop Users").sid in tokens  # type: ignore[union-attr]
    assert {EVERYONE, AUTHENTICATED_USERS} <= tokens


def test_aliases_of(dc: Directory, member: Directory) -> None:
    finance = dc.account_domain.by_name("Finance")
    assert finance is not None
    assert _names(dc.aliases_of([finance.sid])) == {"FS_Finance_RW"}
    assert "Users" in _names(dc.aliases_of([AUTHENTICATED_USERS]))
    assert _names(dc.aliases_of([AUTHENTICATED_USERS], domain=DOMAIN_SID)) == set()
    assert "Pre-Windows 2000 Compatible Access" in _names(dc.aliases_of([AUTHENTICATED_USERS]))
    alice = member.find_user("alice")
    assert alice is not None
    # On a member, the person's domain groups reach the member's local aliases.
    assert {"FS_Finance_RW", "Users"} <= _names(member.aliases_of(member.token_sids(alice)))


@pytest.mark.parametrize("role", ["member", "dc"])
def test_administrator_detection(role: str) -> None:
    directory = load_fixture(role=role)
    expected = {"Administrator": True, "mjones": True, "alice": False, "kpatel": False, "svc_backup": False}
    for name, is_admin in expected.items():
        user = directory.find_user(name)
        assert user is not None and directory.is_administrator(user) is is_admin, name


def test_shares(member: Directory, dc: Directory) -> None:
    ipc = member.shares[0]
    assert (ipc.name, ipc.type, ipc.special, ipc.comment) == ("IPC$", "ipc", True, "Remote IPC")
    assert ipc.stype == 0x80000003
    admin = member.share("admin$")
    assert admin is not None and admin.special and admin.comment == "Remote Admin" and admin.stype == 0x80000000
    c = member.share("C$")
    assert c is not None and c.comment == "Default share"
    backups = member.share("Backups$")
    assert backups is not None and backups.hidden and not backups.special and backups.stype == 0
    printer = member.share("HPLJ4250")
    assert printer is not None and printer.stype == 1
    assert member.share("NETLOGON") is None and member.share("SYSVOL") is None
    netlogon = dc.share("NETLOGON")
    assert netlogon is not None and netlogon.path == "C:\\WINDOWS\\SYSVOL\\sysvol\\corp.local\\SCRIPTS"
    assert {"Public", "Finance", "HR", "Software"} <= {s.name for s in member.shares}


def test_account_state_is_separate_and_mutable() -> None:
    directory = load_fixture(role="member")
    jhall = directory.find_user("jhall")
    alice = directory.find_user("alice")
    assert jhall is not None and alice is not None
    assert directory.state(jhall).locked and directory.state(jhall).bad_password_count == 5
    assert directory.account_control(jhall) & UserAccountControl.ACCOUNT_AUTO_LOCKED
    state = directory.state(alice)
    assert not state.locked and directory.account_control(alice) & UserAccountControl.ACCOUNT_AUTO_LOCKED == 0
    state.bad_password_count = 5
    state.locked = True
    assert directory.state(alice).locked
    assert directory.account_control(alice) & UserAccountControl.ACCOUNT_AUTO_LOCKED
    assert not alice.locked  # the frozen User keeps the fixture's value
    with pytest.raises(AttributeError):
        alice.locked = True  # type: ignore[misc]


def test_user_account_control_flags(member: Directory) -> None:
    svc = member.find_user("svc_sql")
    scanner = member.find_user("scanner")
    tmartin = member.find_user("tmartin")
    new_hire = member.find_user("ghernandez")
    assert svc is not None and scanner is not None and tmartin is not None and new_hire is not None
    assert svc.account_control() == UserAccountControl.NORMAL_ACCOUNT | UserAccountControl.DONT_EXPIRE_PASSWORD
    assert scanner.account_control() & UserAccountControl.PASSWORD_NOT_REQUIRED
    assert tmartin.account_control() & UserAccountControl.ACCOUNT_DISABLED
    assert new_hire.account_control() & UserAccountControl.PASSWORD_EXPIRED


def test_minimal_fixture_and_paths(tmp_path: Path) -> None:
    minimal = load_fixture("minimal", role="member")
    assert [u.name for u in minimal.users] == ["Administrator", "Guest", "user"]
    user = minimal.find_user("user")
    assert user is not None and user.nt_hash == nt_owf_v1("Password")
    copy_path = tmp_path / "mine.yaml"
    copy_path.write_text((Path(__file__).resolve().parents[2] / "fixtures" / "minimal.yaml").read_text())
    assert load_fixture(copy_path, role="dc").account_domain.name == "TEST"
    with pytest.raises(ConfigError, match=r"^--fixture: no built-in fixture named 'nope'; available: .*corp.*minimal"):
        load_fixture("nope")


def test_hashes_may_be_given_instead_of_passwords() -> None:
    data = _base()
    data["users"][1] = {"name": "alice", "rid": 1104, "nt_hash": nt_owf_v1("Password").hex().upper(),
                        "lm_hash": "e52cac67419a9a224a3b108f3fa6cb6d"}
    alice = directory_from_dict(data).find_user("alice")
    assert alice is not None and alice.nt_hash == nt_owf_v1("Password") and alice.lm_hash == lm_owf_v1("Password")


def test_large_fixture_for_paging() -> None:
    data = make_large_fixture(1500)
    started = time.perf_counter()
    directory = directory_from_dict(data, role="dc")
    elapsed = time.perf_counter() - started
    assert len([u for u in directory.users if u.name.startswith("user")]) == 1500
    assert directory.find_user("user01500") is not None
    team = directory.account_domain.by_name("Team001")
    assert isinstance(team, Group) and len(team.members) == 75
    team2 = directory.account_domain.by_name("Team002")
    assert isinstance(team2, Group) and team.sid in team2.members
    assert elapsed < 5, f"building 1,500 users took {elapsed:.1f}s"
    assert directory_from_dict(make_large_fixture(10, n_groups=0), role="member").find_user("user00010") is not None


# --------------------------------------------------------------------------------------------------
# Validation: one line naming file, key path and what is allowed
# --------------------------------------------------------------------------------------------------

def _base() -> dict[str, Any]:
    return {
        "machine": {"netbios_name": "SRV", "sid": "S-1-5-21-1-2-3"},
        "domain": {"name": "DOM", "dns_name": "dom.local", "sid": "S-1-5-21-4-5-6"},
        "users": [{"name": "Administrator", "rid": 500}, {"name": "alice", "rid": 1104}, {"name": "bob", "rid": 1105}],
        "groups": [],
        "aliases": [],
        "shares": [],
    }


Mutation = Callable[[dict[str, Any]], object]
CASES: list[tuple[str, Mutation, str]] = [
    ("unknown top key", lambda d: d.update(colour=1),
     "colour: unknown key 'colour'; allowed: machine, domain, workgroup, users, groups, aliases, shares"),
    ("unknown user key", lambda d: d["users"][1].update(pasword="x"),
     "users[1].pasword: unknown key 'pasword' (did you mean 'password'?); allowed: name, rid, password, nt_hash"),
    ("duplicate rid", lambda d: d["users"][2].update(rid=1104), "users[2].rid: 1104 is already used by users[1] (alice)"),
    ("duplicate name", lambda d: d["users"][2].update(name="ALICE"), "users[2].name: 'ALICE' is already used by users[1] (alice)"),
    ("group rid clash", lambda d: d["groups"].append({"name": "IT", "rid": 1105}), "groups[0].rid: 1105 is already used by users[2] (bob)"),
    ("wrong type", lambda d: d["users"][2].update(rid="abc"), "users[2].rid: expected an integer 0–4294967295; got string 'abc'"),
    ("unquoted number", lambda d: d["users"][2].update(password=12345678),
     "users[2].password: expected a string; got integer 12345678 (quote it)"),
    ("rid below 500", lambda d: d["users"][2].update(rid=499),
     "users[2].rid: 499 is below 500, which no account may use; allowed: 500, 501, 502, 503, 504 or 1000 and above"),
    ("reserved rid", lambda d: d["users"][2].update(rid=600),
     "users[2].rid: 600 is reserved for built-in accounts; allowed: 500, 501, 502, 503, 504 or 1000 and above"),
    ("reserved group rid", lambda d: d["groups"].append({"name": "X", "rid": 530}),
     "groups[0].rid: 530 is reserved or not a group RID; allowed: a domain group RID (498 Enterprise Read-only"),
    ("bad hash", lambda d: d["users"][2].update(nt_hash="xyz"),
     "users[2].nt_hash: expected 32 hexadecimal digits (16 bytes); got string 'xyz'"),
    ("password and hash", lambda d: d["users"][2].update(password="a", nt_hash="00" * 16),
     "users[2].password: give either password or nt_hash/lm_hash, not both"),
    ("bad date", lambda d: d["users"][2].update(last_logon="2003-13-01"),
     "users[2].last_logon: '2003-13-01' is not an ISO 8601 date or date-time (e.g. 2003-06-01T09:12:00Z) or null"),
    ("bad bool", lambda d: d["users"][2].update(disabled="maybe"),
     "users[2].disabled: expected true or false; got string 'maybe'"),
    ("unknown group of user", lambda d: d["users"][2].update(groups=["Finanse"]),
     "users[2].groups[0]: 'Finanse' is not a group or alias of this fixture"),
    ("unknown group member", lambda d: d["groups"].append({"name": "Finance", "rid": 1200, "members": ["carol"]}),
     "groups[0].members[0]: 'carol' is not a user or group of this fixture"),
    ("alias in a group", lambda d: d["groups"].append({"name": "Finance", "rid": 1200, "members": ["Administrators"]}),
     "groups[0].members[0]: 'Administrators' is not a user or group of this fixture (it is an alias)"),
    ("unknown alias member", lambda d: d["aliases"].append({"name": "X", "rid": 1300, "members": ["nobody"]}),
     "aliases[0].members[0]: 'nobody' is not a user, group, alias or well-known name or SID of this fixture"),
    ("bad member sid", lambda d: d["aliases"].append({"name": "X", "rid": 1300, "members": ["S-1-x"]}),
     "aliases[0].members[0]: 'S-1-x' is not a SID (expected S-1-<authority>-<sub-authority>...)"),
    ("dangling member sid", lambda d: d["aliases"].append({"name": "X", "rid": 1300, "members": ["S-1-5-21-4-5-6-1999"]}),
     "aliases[0].members[0]: 'S-1-5-21-4-5-6-1999' names an account of this machine or domain that the fixture does not have"),
    ("builtin alias name", lambda d: d["aliases"].append({"name": "Admins", "rid": 544}),
     "aliases[0].name: 'Admins' does not match RID 544, which is 'Administrators'"),
    ("bad sid", lambda d: d["machine"].update(sid="banana"),
     "machine.sid: 'banana' is not a SID (expected S-1-<authority>-<sub-authority>...)"),
    ("not a domain sid", lambda d: d["domain"].update(sid="S-1-5-32-544"),
     "domain.sid: S-1-5-32-544 is not a machine/domain SID; expected S-1-5-21-<a>-<b>-<c>"),
    ("bad share type", lambda d: d["shares"].append({"name": "Data", "type": "folder"}),
     "shares[0].type: 'folder' is not a share type; allowed: disk, ipc, print"),
    ("bad role", lambda d: d["shares"].append({"name": "Data", "roles": ["pdc"]}),
     "shares[0].roles[0]: 'pdc' is not a role; allowed: standalone, member, dc"),
    ("duplicate share", lambda d: d["shares"].extend([{"name": "Data"}, {"name": "DATA"}]),
     "shares[1].name: 'DATA' is already used by shares[0] (Data)"),
    ("bad account name", lambda d: d["users"][2].update(name="bo/b"),
     "users[2].name: 'bo/b' is not a SAM account name"),
    ("reserved name", lambda d: d["users"][2].update(name="Everyone"),
     "users[2].name: 'Everyone' is a BUILTIN or well-known name; pick another"),
    ("out of range", lambda d: d["domain"].update(password_policy={"history": 30}),
     "domain.password_policy.history: 30 is out of range; allowed: 0–24"),
    ("lockout window", lambda d: d["domain"].update(lockout_policy={"threshold": 5, "duration_minutes": 10, "window_minutes": 30}),
     "domain.lockout_policy.window_minutes: 30 must not exceed duration_minutes (10)"),
    ("primary group", lambda d: d["users"][2].update(primary_group_rid=1104),
     "users[2].primary_group_rid: 1104 is not the RID of a group"),
    ("missing required", lambda d: d["users"][2].pop("rid"), "users[2].rid: missing (required)"),
    ("no domain on a member", lambda d: d.pop("domain"), "domain: missing: a member server needs the domain it belongs to"),
    ("local rid rule", lambda d: d["machine"].update(local_rids="from_500"),
     "machine.local_rids: 'from_500' is not a numbering; allowed: from_1000, as_given"),
    ("not a mapping", lambda d: d.update(machine=["SRV"]),
     "machine: expected a mapping with keys netbios_name, dns_name, sid, comment, local_rids; got a list"),
]


@pytest.mark.parametrize(("mutation", "expected"), [(m, e) for _, m, e in CASES], ids=[c[0] for c in CASES])
def test_validation_errors(mutation: Mutation, expected: str) -> None:
    data = copy.deepcopy(_base())
    mutation(data)
    with pytest.raises(ConfigError) as info:
        directory_from_dict(data, source="fixtures/x.yaml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("fixtures/x.yaml: " + expected), message


def test_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "x.yaml"
    bad.write_text("machine: {netbios_name: SRV, sid: S-1-5-21-1-2-3}\nusers:\n  - {name: a, rid: 1000}\n  - {name: b, rid: 1000}\n")
    with pytest.raises(ConfigError, match=r"x\.yaml: users\[1\]\.rid: 1000 is already used by users\[0\] \(a\)$"):
        load_fixture(bad, role="standalone")
    broken = tmp_path / "broken.yaml"
    broken.write_text("machine: {netbios_name: SRV\n")
    with pytest.raises(ConfigError, match=r"broken\.yaml: line \d+: not valid YAML"):
        load_fixture(broken)
    with pytest.raises(ConfigError, match=r"role: 'pdc' is not a role; allowed: standalone, member, dc"):
        load_fixture(role="pdc")


def test_filetime() -> None:
    from datetime import datetime, timezone

    assert to_filetime(None) == 0
    assert to_filetime(None, never=0x7FFFFFFFFFFFFFFF) == 0x7FFFFFFFFFFFFFFF
    # 1970-01-01 is 11644473600 seconds after 1601-01-01 (MS-DTYP 2.3.3)
    assert to_filetime(datetime(1970, 1, 1, tzinfo=timezone.utc)) == 116444736000000000


def test_lockout_bookkeeping() -> None:
    from datetime import datetime, timedelta, timezone

    directory = load_fixture(role="member")  # corp: threshold 5, duration 30, window 30
    alice, admin, jhall = (directory.find_user(n) for n in ("alice", "Administrator", "jhall"))
    assert alice is not None and admin is not None and jhall is not None
    t0 = datetime(2008, 6, 14, 9, 0, tzinfo=timezone.utc)
    assert [directory.record_bad_password(alice, t0 + timedelta(minutes=i)) for i in range(5)] == [False] * 4 + [True]
    assert directory.is_locked(alice, t0 + timedelta(minutes=10))
    assert not directory.is_locked(alice, t0 + timedelta(minutes=40))  # the 30-minute lockout lifted itself
    assert directory.state(alice).bad_password_count == 0
    # the count restarts after the observation window
    for i in range(4):
        directory.record_bad_password(alice, t0 + timedelta(hours=2, minutes=i))
    assert not directory.record_bad_password(alice, t0 + timedelta(hours=3))
    assert directory.state(alice).bad_password_count == 1
    # the built-in Administrator is never locked out
    assert not any(directory.record_bad_password(admin, t0) for _ in range(10))
    # a lockout from the fixture (no time) lasts until unlocked; a logon resets the bad count
    assert directory.is_locked(jhall, t0 + timedelta(days=365))
    directory.unlock(jhall)
    assert not directory.is_locked(jhall)
    before = directory.state(alice).logon_count
    directory.record_logon(alice, t0)
    assert directory.state(alice).logon_count == before + 1 and directory.state(alice).last_logon == t0
    assert directory.state(alice).bad_password_count == 0
    assert directory.find_share("ipc$") is directory.shares[0]


def test_a_json_fixture_is_the_same_format(tmp_path: Path) -> None:
    """Generated fixtures can be JSON (parsed far faster than YAML at 100,000 users)."""
    import json

    from smbemu.directory import load_fixture, make_large_fixture

    path = tmp_path / "big.json"
    path.write_text(json.dumps(make_large_fixture(50)), encoding="utf-8")
    directory = load_fixture(str(path))
    names = {user.name for user in directory.account_domain.users}
    assert {"Administrator", "user00001", "user00050"} <= names and len(names) == 52

    broken = tmp_path / "broken.json"
    broken.write_text('{"users": [\n  {"name": "x",}\n]}', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken.json: line 2: not valid JSON"):
        load_fixture(str(broken))


# --------------------------------------------------------------------------------------------------
# A non-ASCII password: the fixture's stored hashes and a client's LM / NTLMv1 responses agree
# --------------------------------------------------------------------------------------------------

_UMLAUT_FIXTURE = """
machine: {netbios_name: TESTSRV, dns_name: testsrv.test.local, sid: S-1-5-21-100-200-300}
domain: {name: TEST, dns_name: test.local, sid: S-1-5-21-400-500-600}
users:
  - {name: Administrator, rid: 500, password: "Secret123!"}
  - {name: jurgen, rid: 1000, password: "straße1"}
"""


@pytest.mark.parametrize("response", ["LM", "NTLM V1"])
def test_session_setup_lm_and_ntlm_v1_with_a_non_ascii_fixture_password(tmp_path: Path, response: str) -> None:
    """SESSION_SETUP (MS-SMB2 3.3.5.5) with the responses an NTLMv1 client computes from the
    password (MS-NLMP 3.3.1): the hashes the fixture loader stores are the ones ntlm_crypto
    computes, so both the LM response alone and the NT response authenticate on a profile that
    accepts them (win2000: LmCompatibilityLevel 0)."""
    import struct

    from smbemu.auth.ntlm_crypto import desl, lm_owf_v1, nt_owf_v1
    from smbemu.auth.ntlm_messages import AuthenticateMessage, ChallengeMessage, NegotiateMessage
    from smbemu.auth.ntlm_messages import NegotiateFlags as F
    from helpers import build_config  # win2000 also offers SMB 2.0.2
    from smbemu.connection import Connection
    from smbemu.smb2.constants import Command
    from smbemu.status import NtStatus

    from smb2raw import frame, negotiate_body, request, responses

    fixture = tmp_path / "umlaut.yaml"
    fixture.write_text(_UMLAUT_FIXTURE, encoding="utf-8")
    conn = Connection(build_config("win2000", str(fixture)))
    responses(conn.receive_data(frame(request(Command.NEGOTIATE, negotiate_body((0x0202,)), credits=8))))

    def session_setup(token: bytes, message_id: int, session_id: int = 0) -> dict[str, Any]:
        body = struct.pack("<HBBIIHHQ", 25, 0, 1, 0, 0, 64 + 24, len(token), 0) + token
        message = request(Command.SESSION_SETUP, body, message_id=message_id, session_id=session_id, credits=8)
        (answer,) = responses(conn.receive_data(frame(message)))
        return answer

    flags = F.NTLMSSP_NEGOTIATE_UNICODE | F.NTLMSSP_NEGOTIATE_NTLM  # NTLMv1, no extended session security
    first = session_setup(NegotiateMessage(flags).pack(), 1)
    assert first["status"] == NtStatus.MORE_PROCESSING_REQUIRED
    _, _, offset, length = struct.unpack_from("<HHHH", first["body"], 0)
    challenge = ChallengeMessage.parse(bytes(first["body"][offset - 64 : offset - 64 + length])).server_challenge

    lm_hash = lm_owf_v1("straße1")
    assert lm_hash is not None  # "ß" is in code page 437
    if response == "LM":
        lm, nt = desl(lm_hash, challenge), b""
    else:
        lm = nt = desl(nt_owf_v1("straße1"), challenge)
    token = AuthenticateMessage(flags, lm, nt, "TEST", "jurgen", "WS").pack()
    done = session_setup(token, 2, first["session_id"])
    assert done["status"] == NtStatus.SUCCESS

    # ... and Python's upper-casing ("STRASSE1") is not what the server stored
    again = session_setup(NegotiateMessage(flags).pack(), 3)
    _, _, offset, length = struct.unpack_from("<HHHH", again["body"], 0)
    challenge = ChallengeMessage.parse(bytes(again["body"][offset - 64 : offset - 64 + length])).server_challenge
    wrong = desl(lm_owf_v1("STRASSE1") or b"", challenge)
    refused = session_setup(AuthenticateMessage(flags, wrong, b"", "TEST", "jurgen", "WS").pack(), 4, again["session_id"])
    assert refused["status"] == NtStatus.LOGON_FAILURE
