"""SAMR writes (issue 16) through the real RPC endpoint with impacket's own client: accounts
created, changed, deleted; memberships; passwords set with the session-key buffers and changed
with SamrUnicodeChangePasswordUser2; the password policy; who may do what (administrators, a
user's own password, the machine-account quota on a DC); the audit events of each change; and
what a second connection sees.  Each test has a directory of its own (``Directory.copy``)."""

from __future__ import annotations

import io
import json
import types
from collections.abc import Callable
from typing import Any

import pytest
from impacket.dcerpc.v5 import samr  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]

from smbemu.audit import AuditLog, subscribe
from smbemu.auth.ntlm_crypto import nt_owf_v1
from smbemu.config import ServerConfig
from smbemu.principal import Principal, PrincipalKind
from smbemu.rpc.endpoint import RpcEndpoint
from smbemu.rpc.interface import make_context_factory
from impacket.uuid import uuidtup_to_bin  # type: ignore[import-untyped]

SESSION_KEY = bytes(range(16))
STATUS_INVALID_PARAMETER = 0xC000000D
STATUS_ACCESS_DENIED = 0xC0000022
STATUS_NO_SUCH_USER = 0xC0000064
STATUS_USER_EXISTS = 0xC0000063
STATUS_WRONG_PASSWORD = 0xC000006A
STATUS_PASSWORD_RESTRICTION = 0xC000006C
STATUS_MEMBER_IN_GROUP = 0xC0000067
STATUS_SPECIAL_ACCOUNT = 0xC0000124
STATUS_QUOTA = 0xC00002E7
USERS = {"administrator": ("Administrator", "CORP"), "user": ("alice", "CORP"),
         "other": ("kpatel", "CORP"), "anonymous": ("", "")}


class Lab:
    """One server (its own directory and audit log) and impacket clients on it."""

    def __init__(self, base: ServerConfig) -> None:
        self.config = ServerConfig(profile=base.profile, directory=base.directory.copy(), pipes=base.pipes)
        self.log = io.StringIO()
        subscribe(self.config, AuditLog(self.log, "DC"))

    @property
    def directory(self) -> Any:
        return self.config.directory

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.getvalue().splitlines()
                if json.loads(line)["EventID"] < 100000]

    def dce(self, who: str) -> Any:
        user, domain = USERS[who]
        kind = "user" if who == "other" else who
        endpoint = RpcEndpoint("samr", self.config.pipes, make_context_factory(
            Principal(PrincipalKind(kind), user, domain), 0x2001, self.config, SESSION_KEY))
        transport = MemoryPipe(endpoint)
        # impacket reads the SMB session key for the password buffers
        transport.get_smb_connection = lambda: types.SimpleNamespace(getSessionKey=lambda: SESSION_KEY)
        dce = transport.get_dce_rpc()
        dce.connect()
        iface = self.config.pipes.interface("samr")
        dce.bind(uuidtup_to_bin((str(iface.uuid), f"{iface.version[0]}.{iface.version[1]}")))
        return dce

    def domain(self, dce: Any, access: int = samr.MAXIMUM_ALLOWED) -> bytes:
        server = samr.hSamrConnect5(dce, "\\\\DC\x00", samr.SAM_SERVER_ENUMERATE_DOMAINS
                                    | samr.SAM_SERVER_LOOKUP_DOMAIN)["ServerHandle"]
        return samr.hSamrOpenDomain(dce, server, access, self.directory.account_domain.sid.to_bytes()
                                    and _rpc_sid(str(self.directory.account_domain.sid)))["DomainHandle"]


def _rpc_sid(text: str) -> Any:
    from impacket.dcerpc.v5.dtypes import RPC_SID  # type: ignore[import-untyped]

    sid = RPC_SID()
    sid.fromCanonical(text)
    return sid


MemoryPipe: Any = None


@pytest.fixture
def lab(pipes_h: Any) -> Callable[[str], Lab]:
    global MemoryPipe
    MemoryPipe = pipes_h.PipeTransport
    return lambda profile="win2016-dc": Lab(pipes_h.fresh_config(profile))


def _status(call: Callable[[], Any]) -> int:
    try:
        call()
    except samr.DCERPCSessionError as error:
        return int(error.get_error_code())
    return 0


def _create(dce: Any, domain: bytes, name: str, account_type: int, access: int) -> Any:
    """SamrCreateUser2InDomain without impacket's helper (which rewords ACCESS_DENIED)."""
    request = samr.SamrCreateUser2InDomain()
    request["DomainHandle"] = domain
    request["Name"] = name
    request["AccountType"] = account_type
    request["DesiredAccess"] = access
    return dce.request(request)


def _set_password(dce: Any, user_handle: bytes, password: str, level: int = 24) -> None:
    """UserInternal5Information (24) as Samba's rpcclient sends it, or impacket's 25 helper."""
    if level == 25:
        samr.hSamrSetPasswordInternal4New(dce, user_handle, password)
        return
    from smbemu.auth.ntlm_crypto import rc4k

    clear = password.encode("utf-16-le").rjust(512, b"\0") + len(password.encode("utf-16-le")).to_bytes(4, "little")
    request = samr.SamrSetInformationUser2()
    request["UserHandle"] = user_handle
    request["UserInformationClass"] = samr.USER_INFORMATION_CLASS.UserInternal5Information
    request["Buffer"]["tag"] = samr.USER_INFORMATION_CLASS.UserInternal5Information
    request["Buffer"]["Internal5"]["UserPassword"]["Buffer"] = rc4k(SESSION_KEY, clear)
    request["Buffer"]["Internal5"]["PasswordExpired"] = 0
    dce.request(request)


def _enable(dce: Any, user_handle: bytes, uac: int = samr.USER_NORMAL_ACCOUNT) -> None:
    buffer = samr.SAMPR_USER_INFO_BUFFER()
    buffer["tag"] = samr.USER_INFORMATION_CLASS.UserControlInformation
    buffer["Control"]["UserAccountControl"] = uac
    samr.hSamrSetInformationUser2(dce, user_handle, buffer)


# ------------------------------------------------------------------ administrators


def test_administrator_creates_sets_and_deletes_a_user(lab: Callable[..., Lab]) -> None:
    lab = lab()
    dce = lab.dce("administrator")
    domain = lab.domain(dce)
    created = _create(dce, domain, "bob", samr.USER_NORMAL_ACCOUNT, samr.MAXIMUM_ALLOWED)
    handle, rid = created["UserHandle"], created["RelativeId"]
    assert rid >= 1000
    bob = lab.directory.find_user("bob")
    # disabled, password not required, must change (MS-SAMR 3.1.5.4.4 / Windows' new-user defaults)
    assert bob.disabled and bob.must_change_password and lab.directory.account_control(bob) == 0x15
    assert _status(lambda: _create(dce, domain, "BOB", samr.USER_NORMAL_ACCOUNT,
                                                         samr.MAXIMUM_ALLOWED)) == STATUS_USER_EXISTS
    _set_password(dce, handle, "NewPassw0rd!")
    _enable(dce, handle)
    samr.hSamrSetInformationUser2(dce, handle, _full_name("Bob Builder"))
    bob = lab.directory.find_user("bob")
    assert bob.nt_hash == nt_owf_v1("NewPassw0rd!") and not bob.disabled and not bob.must_change_password
    assert bob.full_name == "Bob Builder"
    # a second connection sees it: enumeration, lookup, query
    other = lab.dce("administrator")
    other_domain = lab.domain(other)
    names = [e["Name"] for e in samr.hSamrEnumerateUsersInDomain(other, other_domain)["Buffer"]["Buffer"]]
    assert "bob" in names
    assert samr.hSamrLookupNamesInDomain(other, other_domain, ["bob"])["RelativeIds"]["Element"][0]["Data"] == rid
    second = samr.hSamrOpenUser(other, other_domain, samr.MAXIMUM_ALLOWED, rid)["UserHandle"]
    info = samr.hSamrQueryInformationUser2(other, second, samr.USER_INFORMATION_CLASS.UserAllInformation)
    assert info["Buffer"]["All"]["FullName"] == "Bob Builder"
    assert info["Buffer"]["All"]["UserAccountControl"] == samr.USER_NORMAL_ACCOUNT
    # deleted through one handle: the other answers STATUS_NO_SUCH_USER
    samr.hSamrDeleteUser(dce, handle)
    assert lab.directory.find_user("bob") is None
    assert _status(lambda: samr.hSamrQueryInformationUser2(
        other, second, samr.USER_INFORMATION_CLASS.UserAllInformation)) == STATUS_NO_SUCH_USER
    assert lab.directory.lookup_name("bob") is None
    ids = [e["EventID"] for e in lab.events()]
    assert ids == [4720, 4724, 4738, 4722, 4738, 4738, 4726]
    created_event = lab.events()[0]
    assert created_event["TargetUserName"] == "bob" and created_event["SubjectUserName"] == "Administrator"
    assert created_event["TargetSid"] == str(bob.sid) and created_event["NewUacValue"] == "0x15"
    assert created_event["TargetDomainName"] == "CORP" and created_event["SamAccountName"] == "bob"


def _full_name(name: str) -> Any:
    buffer = samr.SAMPR_USER_INFO_BUFFER()
    buffer["tag"] = samr.USER_INFORMATION_CLASS.UserFullNameInformation
    buffer["FullName"]["FullName"] = name
    return buffer


def test_built_in_accounts_cannot_be_deleted(lab: Callable[..., Lab]) -> None:
    lab = lab()
    dce = lab.dce("administrator")
    handle = samr.hSamrOpenUser(dce, lab.domain(dce), samr.MAXIMUM_ALLOWED, 500)["UserHandle"]
    assert _status(lambda: samr.hSamrDeleteUser(dce, handle)) == STATUS_SPECIAL_ACCOUNT


def test_group_and_alias_membership(lab: Callable[..., Lab]) -> None:
    lab = lab()
    dce = lab.dce("administrator")
    domain = lab.domain(dce)
    alice = lab.directory.find_user("alice")
    group = samr.hSamrOpenGroup(dce, domain, samr.MAXIMUM_ALLOWED, 512)["GroupHandle"]  # Domain Admins
    samr.hSamrAddMemberToGroup(dce, group, alice.rid, samr.SE_GROUP_ENABLED_BY_DEFAULT)
    assert _status(lambda: samr.hSamrAddMemberToGroup(dce, group, alice.rid, 7)) == STATUS_MEMBER_IN_GROUP
    assert alice.rid in [m["Data"] for m in samr.hSamrGetMembersInGroup(dce, group)["Members"]["Members"]]
    assert lab.directory.is_administrator(lab.directory.find_user("alice"))
    samr.hSamrRemoveMemberFromGroup(dce, group, alice.rid)
    assert not lab.directory.is_administrator(lab.directory.find_user("alice"))
    builtin = samr.hSamrOpenDomain(dce, samr.hSamrConnect5(dce, "\\\\DC\x00", samr.MAXIMUM_ALLOWED)["ServerHandle"],
                                   samr.MAXIMUM_ALLOWED, _rpc_sid("S-1-5-32"))["DomainHandle"]
    alias = samr.hSamrOpenAlias(dce, builtin, samr.MAXIMUM_ALLOWED, 544)["AliasHandle"]
    samr.hSamrAddMemberToAlias(dce, alias, _rpc_sid(str(alice.sid)))
    assert lab.directory.is_administrator(lab.directory.find_user("alice"))
    samr.hSamrRemoveMemberFromAlias(dce, alias, _rpc_sid(str(alice.sid)))
    events = lab.events()
    assert [e["EventID"] for e in events] == [4728, 4729, 4732, 4733]
    assert events[0]["TargetUserName"] == "Domain Admins" and events[0]["MemberSid"] == str(alice.sid)
    assert events[2]["TargetUserName"] == "Administrators" and events[2]["TargetDomainName"] == "Builtin"


def test_an_administrator_unlocks_a_locked_account_4767(lab: Callable[..., Lab]) -> None:
    """jhall is locked out in the fixture; an administrator's UserControlInformation without
    USER_ACCOUNT_AUTO_LOCKED unlocks her (4767, then 4738 with the old and new UAC); the same
    call on an account that is not locked logs no 4767."""
    lab = lab()
    dce = lab.dce("administrator")
    jhall = lab.directory.find_user("jhall")
    assert lab.directory.is_locked(jhall)
    handle = samr.hSamrOpenUser(dce, lab.domain(dce), samr.MAXIMUM_ALLOWED, jhall.rid)["UserHandle"]
    _enable(dce, handle)
    assert not lab.directory.is_locked(lab.directory.find_user("jhall"))
    alice = samr.hSamrOpenUser(dce, lab.domain(dce), samr.MAXIMUM_ALLOWED,
                               lab.directory.find_user("alice").rid)["UserHandle"]
    _enable(dce, alice)
    events = lab.events()
    assert [e["EventID"] for e in events] == [4767, 4738, 4738], events
    assert events[0]["TargetUserName"] == "jhall" and events[0]["SubjectUserName"] == "Administrator"
    assert events[1]["OldUacValue"] == "0x410" and events[1]["NewUacValue"] == "0x10"


def test_universal_group_membership_is_logged_as_4756_4757(lab: Callable[..., Lab]) -> None:
    """Enterprise Admins (519) is a universal group on the forest root DC the profile models:
    Windows logs its membership changes as 4756 / 4757, not the global group's 4728 / 4729."""
    lab = lab()
    dce = lab.dce("administrator")
    alice = lab.directory.find_user("alice")
    group = samr.hSamrOpenGroup(dce, lab.domain(dce), samr.MAXIMUM_ALLOWED, 519)["GroupHandle"]
    samr.hSamrAddMemberToGroup(dce, group, alice.rid, samr.SE_GROUP_ENABLED_BY_DEFAULT)
    samr.hSamrRemoveMemberFromGroup(dce, group, alice.rid)
    events = lab.events()
    assert [e["EventID"] for e in events] == [4756, 4757]
    assert events[0]["TargetUserName"] == "Enterprise Admins" and events[0]["MemberSid"] == str(alice.sid)


# ------------------------------------------------------------------ passwords


def _change(dce: Any, name: str, old: str, new: str) -> int:
    return _status(lambda: samr.hSamrUnicodeChangePasswordUser2(dce, "\x00", name, old, new))


def test_own_password_change_and_the_policy(lab: Callable[..., Lab]) -> None:
    lab = lab()
    dce = lab.dce("user")
    assert _change(dce, "alice", "wrong", "Sunsh1ne!Day") == STATUS_WRONG_PASSWORD
    assert lab.directory.state(lab.directory.find_user("alice")).bad_password_count == 1
    assert _change(dce, "alice", "Wonderland1", "short") == STATUS_PASSWORD_RESTRICTION  # min length 7
    assert _change(dce, "alice", "Wonderland1", "alllowercase") == STATUS_PASSWORD_RESTRICTION  # complexity
    assert _change(dce, "alice", "Wonderland1", "Alice!2024x") == STATUS_PASSWORD_RESTRICTION  # the name
    assert _change(dce, "alice", "Wonderland1", "Sunsh1ne!Day") == 0
    assert lab.directory.find_user("alice").nt_hash == nt_owf_v1("Sunsh1ne!Day")
    if lab.directory.account_domain.password_policy.history:
        assert _change(dce, "alice", "Sunsh1ne!Day", "Wonderland1") == STATUS_PASSWORD_RESTRICTION
    events = lab.events()
    assert [(e["EventID"], e["Keywords"]) for e in events][:5] == [(4723, "Audit Failure")] * 4 + [
        (4723, "Audit Success")]
    assert events[0]["TargetUserName"] == "alice" and events[0]["SubjectUserName"] == "alice"


def test_anonymous_may_change_a_password_it_knows(lab: Callable[..., Lab]) -> None:
    lab = lab()
    dce = lab.dce("anonymous")
    assert _change(dce, "alice", "Wonderland1", "Sunsh1ne!Day") == 0
    assert lab.events()[-1]["SubjectUserName"] == "ANONYMOUS LOGON"



def test_an_unknown_name_looks_like_a_wrong_password(lab: Callable[..., Lab]) -> None:
    """The change calls need no logon: naming an account that does not exist answers what a wrong
    old password answers, so an anonymous caller cannot probe for account names."""
    lab = lab()
    dce = lab.dce("anonymous")
    assert _change(dce, "nosuchuser", "Wonderland1", "Sunsh1ne!Day") == STATUS_WRONG_PASSWORD
    assert _oem_change(dce, "nosuchuser", "Wonderland1", "Sunsh1ne!Day") == STATUS_WRONG_PASSWORD
    assert _change(dce, "alice", "NotHerPassword1", "Sunsh1ne!Day") == STATUS_WRONG_PASSWORD

def test_password_set_with_the_new_buffer_of_impacket(lab: Callable[..., Lab]) -> None:
    lab = lab()
    dce = lab.dce("administrator")
    handle = samr.hSamrOpenUser(dce, lab.domain(dce), samr.MAXIMUM_ALLOWED,
                                lab.directory.find_user("kpatel").rid)["UserHandle"]
    _set_password(dce, handle, "Spr1ng!Time", level=25)
    user = lab.directory.find_user("kpatel")
    # impacket's helper sets PasswordExpired=1: "must change at next logon"
    assert user.nt_hash == nt_owf_v1("Spr1ng!Time") and user.must_change_password
    assert _status(lambda: _set_password(dce, handle, "x")) == STATUS_PASSWORD_RESTRICTION


# ------------------------------------------------------------------ who may


def test_a_normal_user_is_refused_every_write(lab: Callable[..., Lab]) -> None:
    lab = lab()
    dce = lab.dce("user")
    domain = lab.domain(dce)
    assert _status(lambda: _create(
        dce, domain, "eve", samr.USER_NORMAL_ACCOUNT, samr.MAXIMUM_ALLOWED)) == STATUS_ACCESS_DENIED
    own = samr.hSamrOpenUser(dce, domain, samr.MAXIMUM_ALLOWED, lab.directory.find_user("alice").rid)["UserHandle"]
    assert _status(lambda: _set_password(dce, own, "Sunsh1ne!Day")) == STATUS_ACCESS_DENIED  # a reset
    assert _status(lambda: samr.hSamrOpenUser(dce, domain, samr.DELETE, 1105)) == STATUS_ACCESS_DENIED
    assert lab.events() == []


def test_machine_account_quota_on_a_dc(lab: Callable[..., Lab]) -> None:
    lab = lab()
    dce = lab.dce("user")
    domain = lab.domain(dce, samr.DOMAIN_LOOKUP | samr.DOMAIN_CREATE_USER)
    # a normal account is refused even with the privilege's handle
    assert _status(lambda: _create(
        dce, domain, "eve", samr.USER_NORMAL_ACCOUNT, samr.USER_FORCE_PASSWORD_CHANGE)) == STATUS_ACCESS_DENIED
    for n in range(10):
        created = _create(dce, domain, f"PC{n}$", samr.USER_WORKSTATION_TRUST_ACCOUNT,
                                                samr.USER_FORCE_PASSWORD_CHANGE)
        _set_password(dce, created["UserHandle"], "Machine-Passw0rd-%d" % n, level=25)
        # addcomputer.py reopens it with MAXIMUM_ALLOWED and sets the control bits
        again = samr.hSamrOpenUser(dce, domain, samr.MAXIMUM_ALLOWED, created["RelativeId"])["UserHandle"]
        _enable(dce, again, samr.USER_WORKSTATION_TRUST_ACCOUNT)
    assert _status(lambda: _create(
        dce, domain, "PC10$", samr.USER_WORKSTATION_TRUST_ACCOUNT, samr.USER_FORCE_PASSWORD_CHANGE)) == STATUS_QUOTA
    computer = lab.directory.find_user("PC0$")
    assert computer.account_type == "workstation" and not computer.disabled
    assert computer.primary_group_rid == 515
    # another user has a quota of its own
    other = lab.dce("other")
    other_domain = lab.domain(other, samr.DOMAIN_LOOKUP | samr.DOMAIN_CREATE_USER)
    assert _create(other, other_domain, "PCX$", samr.USER_WORKSTATION_TRUST_ACCOUNT,
                                         samr.USER_FORCE_PASSWORD_CHANGE)["RelativeId"]
    # the creator may not delete it (no DELETE right)
    assert _status(lambda: samr.hSamrOpenUser(dce, domain, samr.DELETE, computer.rid)) == STATUS_ACCESS_DENIED
    ids = [e["EventID"] for e in lab.events()]
    assert ids.count(4741) == 11 and 4720 not in ids and 4742 in ids


def test_no_machine_accounts_for_users_off_a_dc(lab: Callable[..., Lab]) -> None:
    # a member server's SAM: SeMachineAccountPrivilege adds accounts to a domain, not to it
    lab = lab("win2008")
    dce = lab.dce("user")
    assert _status(lambda: lab.domain(dce, samr.DOMAIN_LOOKUP | samr.DOMAIN_CREATE_USER)) == STATUS_ACCESS_DENIED
    admin = lab.dce("administrator")
    created = _create(admin, lab.domain(admin), "PC1$", samr.USER_WORKSTATION_TRUST_ACCOUNT, samr.MAXIMUM_ALLOWED)
    assert lab.directory.find_user("PC1$").account_type == "workstation" and created["RelativeId"] >= 1000


def test_two_connections_changing_one_account(lab: Callable[..., Lab]) -> None:
    """Both changes land (no lost update: each is one synchronous change of the one directory the
    single-threaded server holds), and each connection reads the other's."""
    lab = lab()
    first, second = lab.dce("administrator"), lab.dce("administrator")
    rid = lab.directory.find_user("alice").rid
    one = samr.hSamrOpenUser(first, lab.domain(first), samr.MAXIMUM_ALLOWED, rid)["UserHandle"]
    two = samr.hSamrOpenUser(second, lab.domain(second), samr.MAXIMUM_ALLOWED, rid)["UserHandle"]
    samr.hSamrSetInformationUser2(first, one, _full_name("Alice Changed"))
    _set_password(second, two, "Sunsh1ne!Day")
    _enable(first, one, samr.USER_NORMAL_ACCOUNT | samr.USER_DONT_EXPIRE_PASSWORD)
    alice = lab.directory.find_user("alice")
    assert alice.full_name == "Alice Changed" and alice.nt_hash == nt_owf_v1("Sunsh1ne!Day")
    assert alice.password_never_expires
    info = samr.hSamrQueryInformationUser2(second, two, samr.USER_INFORMATION_CLASS.UserAllInformation)
    assert info["Buffer"]["All"]["FullName"] == "Alice Changed"


def test_the_change_reaches_logons(lab: Callable[..., Lab]) -> None:
    from smbemu.logon import account_lookup

    lab = lab()
    dce = lab.dce("administrator")
    handle = _create(dce, lab.domain(dce), "carol", samr.USER_NORMAL_ACCOUNT,
                                           samr.MAXIMUM_ALLOWED)["UserHandle"]
    _set_password(dce, handle, "Winter-Passw0rd")
    account = account_lookup(lab.config)("carol")
    assert account is not None and account.nt_hash == nt_owf_v1("Winter-Passw0rd")


def _oem_change(dce: Any, name: str, old: str, new: str) -> int:
    """SamrOemChangePasswordUser2 as an old client sends it (impacket has the request, no helper)."""
    from smbemu.auth.ntlm_crypto import lm_owf_v1, rc4k
    from smbemu.directory.sam_crypto import encrypt_hash

    old_lm, new_lm = lm_owf_v1(old), lm_owf_v1(new)
    assert old_lm is not None and new_lm is not None
    oem = new.encode("cp437")
    clear = oem.rjust(512, b"\0") + len(oem).to_bytes(4, "little")
    request = samr.SamrOemChangePasswordUser2()
    request["ServerName"] = NULL
    request["UserName"] = name
    request["NewPasswordEncryptedWithOldLm"]["Buffer"] = rc4k(old_lm, clear)
    request["OldLmOwfPasswordEncryptedWithNewLm"] = encrypt_hash(old_lm, new_lm)
    return _status(lambda: dce.request(request))


def test_oem_password_change(lab: Callable[..., Lab]) -> None:
    lab = lab()
    dce = lab.dce("anonymous")
    assert _oem_change(dce, "alice", "Wrong1!", "Sunsh1ne!Day") == STATUS_WRONG_PASSWORD
    assert _oem_change(dce, "alice", "Wonderland1", "Sunsh1ne!Day") == 0
    alice = lab.directory.find_user("alice")
    assert alice.nt_hash == nt_owf_v1("Sunsh1ne!Day")
    assert [e["EventID"] for e in lab.events()] == [4723, 4723]


def test_logon_hours_and_bad_buffers(lab: Callable[..., Lab]) -> None:
    lab = lab()
    dce = lab.dce("administrator")
    handle = samr.hSamrOpenUser(dce, lab.domain(dce), samr.MAXIMUM_ALLOWED,
                                lab.directory.find_user("kpatel").rid)["UserHandle"]
    buffer = samr.SAMPR_USER_INFO_BUFFER()
    buffer["tag"] = samr.USER_INFORMATION_CLASS.UserLogonHoursInformation
    buffer["LogonHours"]["LogonHours"]["UnitsPerWeek"] = 168
    buffer["LogonHours"]["LogonHours"]["LogonHours"] = b"\x00" * 21
    samr.hSamrSetInformationUser2(dce, handle, buffer)
    assert lab.directory.find_user("kpatel").logon_hours == b"\x00" * 21
    buffer["LogonHours"]["LogonHours"]["LogonHours"] = b"\x00" * 3  # too short: no restriction
    samr.hSamrSetInformationUser2(dce, handle, buffer)
    assert lab.directory.find_user("kpatel").logon_hours is None
    # a password buffer under the wrong key does not decrypt: STATUS_INVALID_PARAMETER
    request = samr.SamrSetInformationUser2()
    request["UserHandle"] = handle
    request["UserInformationClass"] = samr.USER_INFORMATION_CLASS.UserInternal5Information
    request["Buffer"]["tag"] = samr.USER_INFORMATION_CLASS.UserInternal5Information
    request["Buffer"]["Internal5"]["UserPassword"]["Buffer"] = b"\xAA" * 516
    request["Buffer"]["Internal5"]["PasswordExpired"] = 0
    assert _status(lambda: dce.request(request)) == 0xC000000D
    # a class that is not settable
    request["UserInformationClass"] = 3
    assert _status(lambda: dce.request(request)) == 0xC0000003


# ------------------------------------------------------------------ groups and aliases (issue 16)


def test_groups_and_aliases_are_created_renamed_and_deleted(lab: Callable[[str], Lab]) -> None:
    server = lab("win2016-dc")
    dce = server.dce("administrator")
    domain = server.domain(dce)
    created = samr.hSamrCreateGroupInDomain(dce, domain, "Lab Group", samr.MAXIMUM_ALLOWED)
    group, rid = created["GroupHandle"], created["RelativeId"]
    other = samr.hSamrOpenGroup(dce, domain, samr.MAXIMUM_ALLOWED, rid)["GroupHandle"]
    assert _status(lambda: samr.hSamrCreateAliasInDomain(dce, domain, "lab group", samr.MAXIMUM_ALLOWED)) \
        == 0xC0000065  # STATUS_GROUP_EXISTS: names are unique across users, groups and aliases
    buffer = samr.SAMPR_GROUP_INFO_BUFFER()
    buffer["tag"] = samr.GROUP_INFORMATION_CLASS.GroupNameInformation
    buffer["Name"]["Name"] = "Lab Team"
    samr.hSamrSetInformationGroup(dce, group, buffer)
    assert server.directory.lookup_name("Lab Team") is not None and server.directory.lookup_name("Lab Group") is None
    samr.hSamrAddMemberToGroup(dce, group, 1104, samr.SE_GROUP_ENABLED_BY_DEFAULT)
    samr.hSamrDeleteGroup(dce, group)
    # the other handle to the deleted group: STATUS_NO_SUCH_GROUP
    assert _status(lambda: samr.hSamrQueryInformationGroup(dce, other)) == 0xC0000066
    alias = samr.hSamrCreateAliasInDomain(dce, domain, "Lab Alias", samr.MAXIMUM_ALLOWED)["AliasHandle"]
    members, entry = samr.SAMPR_PSID_ARRAY(), samr.PSAMPR_SID_INFORMATION()
    entry["SidPointer"] = _rpc_sid(str(server.directory.find_user("alice").sid))
    members["Sids"].append(entry)
    samr.hSamrAddMultipleMembersToAlias(dce, alias, members)
    samr.hSamrDeleteAlias(dce, alias)
    assert server.directory.lookup_name("Lab Alias") is None
    # built-in groups stay
    admins = samr.hSamrOpenGroup(dce, domain, samr.MAXIMUM_ALLOWED, 512)["GroupHandle"]
    assert _status(lambda: samr.hSamrDeleteGroup(dce, admins)) == STATUS_SPECIAL_ACCOUNT
    ids = [e["EventID"] for e in server.events()]
    assert ids == [4727, 4737, 4728, 4730, 4731, 4732, 4734], ids
    assert server.events()[1]["SamAccountName"] == "Lab Team"
    # a normal user: Windows' refusal (no DOMAIN_CREATE_GROUP on the domain object)
    user = server.dce("user")
    assert _status(lambda: samr.hSamrCreateGroupInDomain(user, server.domain(user), "x", samr.MAXIMUM_ALLOWED)) \
        == STATUS_ACCESS_DENIED


def test_the_owf_change_of_old_clients_and_the_minimum_password_age(lab: Callable[[str], Lab]) -> None:
    """SamrChangePasswordUser (opnum 38, MS-SAMR 3.1.5.10.1) as impacket's changepasswd.py
    -newhashes sends it; a second change within the domain's minimum age (1 day in corp.yaml)
    is STATUS_PASSWORD_RESTRICTION."""
    server = lab("win2016-dc")
    dce = server.dce("user")
    alice = samr.hSamrOpenUser(dce, server.domain(dce), samr.MAXIMUM_ALLOWED, 1104)["UserHandle"]
    assert _status(lambda: samr.hSamrChangePasswordUser(dce, alice, "wrong", "Sunsh1ne!Day")) \
        == STATUS_WRONG_PASSWORD
    samr.hSamrChangePasswordUser(dce, alice, "Wonderland1", "Sunsh1ne!Day")
    user = server.directory.find_user("alice")
    assert user.nt_hash == nt_owf_v1("Sunsh1ne!Day") and user.lm_hash is not None
    assert _status(lambda: samr.hSamrChangePasswordUser(dce, alice, "Sunsh1ne!Day", "Another#Pass9")) \
        == STATUS_PASSWORD_RESTRICTION  # changed less than a day ago
    # the same age rule for the Unicode form; an administrator's reset is not held back
    assert _status(lambda: samr.hSamrUnicodeChangePasswordUser2(dce, "\x00", "alice", "Sunsh1ne!Day",
                                                                "Another#Pass9")) == STATUS_PASSWORD_RESTRICTION
    ids = [(e["EventID"], e["Keywords"]) for e in server.events()]
    assert ids == [(4723, "Audit Failure"), (4723, "Audit Success"), (4723, "Audit Failure"),
                   (4723, "Audit Failure")], ids


def test_all_information_sets_the_nt_owf_and_other_fields_together(lab: Callable[[str], Lab]) -> None:
    """SamrSetInformationUser2 class 21 (UserAllInformation, MS-SAMR 2.2.6.6) with
    USER_ALL_NTPASSWORDPRESENT: NtOwfPassword is the NT hash encrypted with the session key
    (2.2.11.1.4), as class 18 carries it; the comment set in the same call is applied too."""
    from smbemu.directory.sam_crypto import encrypt_hash

    server = lab("win2016-dc")
    dce = server.dce("administrator")
    alice = server.directory.find_user("alice")
    handle = samr.hSamrOpenUser(dce, server.domain(dce), samr.MAXIMUM_ALLOWED, alice.rid)["UserHandle"]
    buffer = samr.SAMPR_USER_INFO_BUFFER()
    buffer["tag"] = samr.USER_INFORMATION_CLASS.UserAllInformation
    info = buffer["All"]
    info["WhichFields"] = samr.USER_ALL_NTPASSWORDPRESENT | samr.USER_ALL_ADMINCOMMENT
    encrypted = encrypt_hash(nt_owf_v1("All#Info21"), SESSION_KEY)
    info["NtOwfPassword"]["Length"] = info["NtOwfPassword"]["MaximumLength"] = 16
    info["NtOwfPassword"]["Buffer"] = [int.from_bytes(encrypted[i:i + 2], "little") for i in range(0, 16, 2)]
    info["NtPasswordPresent"] = 1
    info["AdminComment"] = "reset by the helpdesk"
    samr.hSamrSetInformationUser2(dce, handle, buffer)
    changed = server.directory.find_user("alice")
    assert changed.nt_hash == nt_owf_v1("All#Info21") and changed.description == "reset by the helpdesk"
    assert [e["EventID"] for e in server.events()] == [4724, 4738]
    info["NtPasswordPresent"] = 0  # the bit without the hash: refused, nothing changed
    assert _status(lambda: samr.hSamrSetInformationUser2(dce, handle, buffer)) == STATUS_INVALID_PARAMETER


def test_an_administrator_resets_a_password_as_hashes(lab: Callable[[str], Lab]) -> None:
    """SamrSetInformationUser class 18 (UserInternal1Information, MS-SAMR 2.2.6.23): the NT hash
    encrypted with the session key, as impacket's hSamrSetNTInternal1 (changepasswd.py -reset
    -newhashes) sends it; a normal user on another account is refused."""
    server = lab("win2016-dc")
    dce = server.dce("administrator")
    alice = samr.hSamrOpenUser(dce, server.domain(dce), samr.MAXIMUM_ALLOWED, 1104)["UserHandle"]
    samr.hSamrSetNTInternal1(dce, alice, "", nt_owf_v1("Reset#Pass42").hex())
    assert server.directory.find_user("alice").nt_hash == nt_owf_v1("Reset#Pass42")
    assert [e["EventID"] for e in server.events()] == [4724, 4738]
    user = server.dce("user")
    other = samr.hSamrOpenUser(user, server.domain(user), samr.MAXIMUM_ALLOWED, 1105)["UserHandle"]
    assert _status(lambda: samr.hSamrSetNTInternal1(user, other, "x")) == STATUS_ACCESS_DENIED
