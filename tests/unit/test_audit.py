"""The security audit log (smbemu.audit) and the lockout bookkeeping of logons (smbemu.logon):
event shapes as Windows names them, and the lockout arithmetic with an injected clock."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from smbemu import audit
from smbemu.auth.ntlm import NtlmResult, Outcome
from smbemu.cli import build_config
from smbemu.config import ServerConfig
from smbemu.directory import directory_from_dict, make_large_fixture
from smbemu.logon import LogonFailure, logon_succeeded, principal_for
from smbemu.profiles import load_profile
from smbemu.state import Principal, PrincipalKind, Session, SessionState

T0 = datetime(2026, 11, 27, 10, 0, 0, tzinfo=timezone.utc)
PEER = ("192.0.2.7", 49731)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture()
def server() -> tuple[Any, io.StringIO, Clock]:
    stream = io.StringIO()
    clock = Clock()
    config: Any = build_config("win2000", audit_log=audit.AuditLog(stream, clock=clock))
    config.audit.computer = audit.computer_name(config)
    config.directory.clock = clock
    return config, stream, clock


def events(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def result(outcome: Outcome, user: str = "alice", package: str = "NTLM V2") -> NtlmResult:
    return NtlmResult(outcome, user, "CORP", "STUDENT-PC", b"k" * 16 if outcome is Outcome.AUTHENTICATED else b"",
                      package if outcome is Outcome.AUTHENTICATED else "", 0, None)


def session(principal: Principal, session_id: int = 0x1234) -> Session:
    s = Session(session_id=session_id, state=SessionState.VALID, principal=principal)
    return s


# ------------------------------------------------------------------------------------ shapes

def test_every_event_carries_the_system_fields(server: tuple[Any, io.StringIO, Clock]) -> None:
    config, stream, _ = server
    audit.logon_success(config, Principal(PrincipalKind.ANONYMOUS), session_id=0x10, key_length=0, peer=PEER)
    (event,) = events(stream)
    assert event["EventID"] == 4624
    assert event["TimeCreated"] == "2026-11-27T10:00:00.000000Z"
    assert event["Computer"] == config.directory.machine.dns_name
    assert event["Keywords"] == "Audit Success" and event["Channel"] == "Security"
    assert event["Provider"] == "Microsoft-Windows-Security-Auditing"


def test_4624_anonymous_logon(server: tuple[Any, io.StringIO, Clock]) -> None:
    config, stream, _ = server
    principal, account = principal_for(config, result(Outcome.ANONYMOUS, ""), peer=PEER)
    assert account is None
    logon_succeeded(config, principal, account, session_id=0x2A, key_length=0, peer=PEER)
    (event,) = events(stream)
    assert {k: event[k] for k in ("TargetUserSid", "TargetUserName", "TargetDomainName", "LogonType",
                                  "LogonProcessName", "AuthenticationPackageName", "LmPackageName",
                                  "IpAddress", "IpPort", "WorkstationName", "TargetLogonId", "KeyLength")} == {
        "TargetUserSid": "S-1-5-7", "TargetUserName": "ANONYMOUS LOGON", "TargetDomainName": "NT AUTHORITY",
        "LogonType": 3, "LogonProcessName": "NtLmSsp ", "AuthenticationPackageName": "NTLM",
        "LmPackageName": "-", "IpAddress": "192.0.2.7", "IpPort": "49731", "WorkstationName": "STUDENT-PC",
        "TargetLogonId": "0x2A", "KeyLength": 0,
    }


def test_4624_user_logon_counts_and_stamps(server: tuple[Any, io.StringIO, Clock]) -> None:
    config, stream, clock = server
    directory = config.directory
    alice = directory.find_user("alice")
    before = directory.state(alice).logon_count
    principal, account = principal_for(config, result(Outcome.AUTHENTICATED), peer=PEER)
    logon_succeeded(config, principal, account, session_id=0x99, key_length=128, peer=PEER)
    (event,) = events(stream)
    assert event["TargetUserName"] == "alice" and event["TargetUserSid"] == str(alice.sid)
    assert event["TargetDomainName"] == directory.account_domain.name
    assert event["LmPackageName"] == "NTLM V2" and event["KeyLength"] == 128
    assert directory.state(alice).logon_count == before + 1
    assert directory.state(alice).last_logon == clock.now


@pytest.mark.parametrize(("outcome", "user", "status", "sub_status", "reason"), [
    (Outcome.WRONG_PASSWORD, "alice", "0xC000006D", "0xC000006A", "Unknown user name or bad password."),
    (Outcome.NO_SUCH_USER, "nobody", "0xC000006D", "0xC0000064", "Unknown user name or bad password."),
])
def test_4625_status_and_substatus(server: tuple[Any, io.StringIO, Clock], outcome: Outcome, user: str,
                                   status: str, sub_status: str, reason: str) -> None:
    config, stream, _ = server
    with pytest.raises(LogonFailure) as refused:
        principal_for(config, result(outcome, user), peer=PEER)
    assert refused.value.status == 0xC000006D
    (event,) = events(stream)
    assert event["EventID"] == 4625 and event["Keywords"] == "Audit Failure"
    assert (event["Status"], event["SubStatus"], event["FailureReason"]) == (status, sub_status, reason)
    assert event["TargetUserName"] == user and event["TargetDomainName"] == "CORP"
    assert event["TargetUserSid"] == "S-1-0-0" and event["LogonType"] == 3
    assert event["WorkstationName"] == "STUDENT-PC" and event["IpAddress"] == "192.0.2.7"


def test_4625_disabled_account(server: tuple[Any, io.StringIO, Clock]) -> None:
    config, stream, _ = server
    disabled = next(u for u in config.directory.users if u.disabled and u.rid != 501)
    with pytest.raises(LogonFailure) as refused:
        principal_for(config, result(Outcome.AUTHENTICATED, disabled.name), peer=PEER)
    assert refused.value.status == 0xC0000072
    (event,) = events(stream)
    assert (event["Status"], event["SubStatus"], event["FailureReason"]) == (
        "0xC000006E", "0xC0000072", "Account currently disabled.")


def test_4634_5140_5145_and_rpc_shapes(server: tuple[Any, io.StringIO, Clock]) -> None:
    config, stream, _ = server
    s = session(Principal(PrincipalKind.ANONYMOUS), 0x77)
    audit.share_access(config, s, PEER, "IPC$", allowed=True, reason="allow tree-connect IPC$: ...")
    audit.share_object_check(config, s, PEER, "IPC$", "samr", 0x0012019F, allowed=False,
                             reason="deny pipe-open samr: anonymous, not in NullSessionPipes (win2016)")
    audit.rpc_call(config, s, PEER, pipe="srvsvc", interface="srvsvc", operation="NetrShareEnum", opnum=15,
                   principal=None, status=5, fault=False, reason="deny srvsvc NetrShareEnum level 1: ...",
                   allowed=False)
    audit.logoff(config, s)
    e5140, e5145, rpc, e4634 = events(stream)
    assert e5140["EventID"] == 5140 and e5140["ShareName"] == "\\\\*\\IPC$"
    assert (e5140["SubjectUserName"], e5140["SubjectDomainName"], e5140["SubjectLogonId"]) == (
        "ANONYMOUS LOGON", "NT AUTHORITY", "0x77")
    assert e5140["AccessMask"] == "0x1" and e5140["IpAddress"] == "192.0.2.7"
    assert e5145["EventID"] == 5145 and e5145["Keywords"] == "Audit Failure"
    assert e5145["RelativeTargetName"] == "samr" and e5145["AccessMask"] == "0x12019F"
    assert e5145["AccessReason"].startswith("deny pipe-open samr") and e5145["Result"] == "access denied"
    assert rpc["EventID"] == "RPC" and rpc["Keywords"] == "Audit Failure"
    assert (rpc["InterfaceName"], rpc["OperationName"], rpc["Opnum"], rpc["Status"]) == (
        "srvsvc", "NetrShareEnum", 15, "0x00000005")
    assert rpc["PolicyReason"].startswith("deny srvsvc NetrShareEnum")
    assert e4634["EventID"] == 4634 and e4634["TargetLogonId"] == "0x77" and e4634["LogonType"] == 3


def test_no_audit_log_no_events() -> None:
    config: Any = build_config("win2000")
    assert config.audit is None
    assert audit.logoff(config, session(Principal(PrincipalKind.ANONYMOUS))) is None


def test_audit_log_file_and_stdout(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "audit.jsonl"
    first: Any = build_config("win2000", audit_log=str(path))
    second: Any = build_config("win2016", audit_log=str(path))  # hosts share one stream per file
    audit.logoff(first, session(Principal(PrincipalKind.ANONYMOUS)))
    audit.logoff(second, session(Principal(PrincipalKind.ANONYMOUS)))
    lines = path.read_text().splitlines()  # flushed per event: readable while the server runs
    assert [json.loads(line)["EventID"] for line in lines] == [4634, 4634]
    first.audit.close()
    out: Any = build_config("win2000", audit_log="-")
    audit.logoff(out, session(Principal(PrincipalKind.ANONYMOUS)))
    assert json.loads(capsys.readouterr().out)["EventID"] == 4634


# ------------------------------------------------------------------------------------ lockout

def test_threshold_locks_then_locked_out_even_with_the_right_password(server: tuple[Any, io.StringIO, Clock]) -> None:
    config, stream, clock = server
    directory = config.directory
    alice = directory.find_user("alice")
    policy = directory.account_domain.lockout_policy
    assert policy.threshold == 5
    for attempt in range(policy.threshold):
        clock.now = T0 + timedelta(minutes=attempt)
        with pytest.raises(LogonFailure) as refused:
            principal_for(config, result(Outcome.WRONG_PASSWORD), peer=PEER)
        assert refused.value.status == 0xC000006D  # the attempt that locks still says wrong password
    assert directory.state(alice).bad_password_count == 5 and directory.is_locked(alice)
    assert directory.account_control(alice) & 0x400  # ACB_AUTOLOCK as samr reports it
    got = events(stream)
    assert [e["EventID"] for e in got] == [4625] * 5 + [4740]
    lock = got[-1]
    assert (lock["TargetUserName"], lock["TargetSid"], lock["CallerComputerName"], lock["TargetDomainName"]) == (
        "alice", str(alice.sid), "STUDENT-PC", "STUDENT-PC")
    machine = directory.machine.netbios_name.upper()
    assert lock["SubjectUserName"] == f"{machine}$" and lock["SubjectUserSid"] == "S-1-5-18"

    with pytest.raises(LogonFailure) as refused:
        principal_for(config, result(Outcome.AUTHENTICATED), peer=PEER)
    assert refused.value.status == 0xC0000234
    last = events(stream)[-1]
    assert (last["Status"], last["SubStatus"], last["FailureReason"]) == ("0xC0000234", "0x00000000",
                                                                          "Account locked out.")
    # A locked account does not count further bad passwords.
    with pytest.raises(LogonFailure):
        principal_for(config, result(Outcome.WRONG_PASSWORD), peer=PEER)
    assert directory.state(alice).bad_password_count == 5

    clock.now = T0 + timedelta(minutes=4 + policy.duration_minutes)  # the lockout lifts itself
    assert not directory.account_control(alice) & 0x400
    principal, account = principal_for(config, result(Outcome.AUTHENTICATED), peer=PEER)
    logon_succeeded(config, principal, account, session_id=1, key_length=128, peer=PEER)
    assert directory.state(alice).bad_password_count == 0 and directory.state(alice).last_logon == clock.now


def test_observation_window_and_success_reset_the_count(server: tuple[Any, io.StringIO, Clock]) -> None:
    config, _, clock = server
    directory = config.directory
    alice = directory.find_user("alice")
    for _ in range(4):
        with pytest.raises(LogonFailure):
            principal_for(config, result(Outcome.WRONG_PASSWORD), peer=PEER)
    assert directory.state(alice).bad_password_count == 4
    clock.now = T0 + timedelta(minutes=directory.account_domain.lockout_policy.window_minutes)
    with pytest.raises(LogonFailure):
        principal_for(config, result(Outcome.WRONG_PASSWORD), peer=PEER)
    assert directory.state(alice).bad_password_count == 1 and not directory.is_locked(alice)
    principal, account = principal_for(config, result(Outcome.AUTHENTICATED), peer=PEER)
    logon_succeeded(config, principal, account, session_id=2, peer=PEER)
    assert directory.state(alice).bad_password_count == 0


def test_builtin_administrator_is_never_locked_out(server: tuple[Any, io.StringIO, Clock]) -> None:
    config, stream, _ = server
    for _ in range(12):
        with pytest.raises(LogonFailure) as refused:
            principal_for(config, result(Outcome.WRONG_PASSWORD, "Administrator"), peer=PEER)
        assert refused.value.status == 0xC000006D
    admin = config.directory.find_user("Administrator")
    assert config.directory.state(admin).bad_password_count == 12 and not config.directory.is_locked(admin)
    assert 4740 not in [e["EventID"] for e in events(stream)]


def test_threshold_zero_never_locks() -> None:
    directory = directory_from_dict(make_large_fixture(2), role="member")
    assert directory.account_domain.lockout_policy.threshold == 0
    config = ServerConfig(profile=load_profile("win2000"), directory=directory)
    for _ in range(50):
        with pytest.raises(LogonFailure):
            principal_for(config, result(Outcome.WRONG_PASSWORD, "user00001"))
    user = directory.find_user("user00001")
    assert user is not None and not directory.is_locked(user) and directory.state(user).bad_password_count == 50


def test_rpc_call_hook_takes_the_policy_decision(server: tuple[Any, io.StringIO, Clock]) -> None:
    from smbemu.policy import policy_for
    from smbemu.rpc.interface import as_principal

    config, stream, _ = server
    s = session(Principal(PrincipalKind.ANONYMOUS))
    hook = audit.rpc_call_hook(config, s, PEER, "samr")
    anonymous = as_principal(s.principal)
    decided = policy_for(config).decide(anonymous, "samr", "SamrEnumerateUsersInDomain")

    class Ctx:
        principal = anonymous
        decision = decided

    hook(Ctx(), "samr", "SamrEnumerateUsersInDomain", 0, None, fault=False, opnum=13)
    hook(Ctx(), "samr", "opnum 99", 0x1C010002, "fault: opnum out of range", fault=True, opnum=99)
    allowed, faulted = events(stream)
    assert allowed["Keywords"] == "Audit Success" and allowed["PrincipalKind"] == "anonymous"
    assert allowed["PolicyReason"].startswith("allow samr SamrEnumerateUsersInDomain: anonymous")
    assert faulted["Keywords"] == "Audit Failure" and faulted["Status"] == "0x1C010002"
    assert not hasattr(policy_for(config), "last_decision")
