"""The security audit log (smbemu.audit) and the lockout bookkeeping of logons (smbemu.logon):
event shapes as Windows names them, and the lockout arithmetic with an injected clock."""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from smbemu import audit, events
from smbemu.auth.ntlm import NtlmResult, Outcome
from helpers import build_config  # a pre-Vista profile also offers SMB 2.0.2 (the SMB2 lab convenience)
from smbemu.config import ServerConfig
from smbemu.directory import directory_from_dict, make_large_fixture
from smbemu.logon import LogonFailure, logon_succeeded, principal_for
from smbemu.policy import Decision
from smbemu.principal import Principal, PrincipalKind, as_principal
from smbemu.profiles import load_profile
from smbemu.state import Session, SessionState

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


def events_of(stream: io.StringIO) -> list[dict[str, Any]]:
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
    (event,) = events_of(stream)
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
    (event,) = events_of(stream)
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
    (event,) = events_of(stream)
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
    (event,) = events_of(stream)
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
    (event,) = events_of(stream)
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
    e5140, e5145, rpc, e4634 = events_of(stream)
    assert e5140["EventID"] == 5140 and e5140["ShareName"] == "\\\\*\\IPC$"
    assert (e5140["SubjectUserName"], e5140["SubjectDomainName"], e5140["SubjectLogonId"]) == (
        "ANONYMOUS LOGON", "NT AUTHORITY", "0x77")
    assert e5140["AccessMask"] == "0x1" and e5140["IpAddress"] == "192.0.2.7"
    assert e5145["EventID"] == 5145 and e5145["Keywords"] == "Audit Failure"
    assert e5145["RelativeTargetName"] == "samr" and e5145["AccessMask"] == "0x12019F"
    assert e5145["AccessReason"].startswith("deny pipe-open samr") and e5145["Result"] == "access denied"
    assert rpc["EventID"] == audit.RPC_EVENT_ID == 100001 and rpc["Keywords"] == "Audit Failure"
    assert rpc["Provider"] == "smbemu" and rpc["PolicyDecision"] == "deny"
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
    target = audit.AuditTarget(str(path), repeat_window=0)  # identical events each written
    first: Any = build_config("win2000", audit_log=target)
    second: Any = build_config("win2016", audit_log=target)  # hosts share one stream per file
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
    got = events_of(stream)
    assert [e["EventID"] for e in got] == [4625] * 5 + [4740]
    lock = got[-1]
    assert (lock["TargetUserName"], lock["TargetSid"], lock["CallerComputerName"], lock["TargetDomainName"]) == (
        "alice", str(alice.sid), "STUDENT-PC", "STUDENT-PC")
    machine = directory.machine.netbios_name.upper()
    assert lock["SubjectUserName"] == f"{machine}$" and lock["SubjectUserSid"] == "S-1-5-18"

    with pytest.raises(LogonFailure) as refused:
        principal_for(config, result(Outcome.AUTHENTICATED), peer=PEER)
    assert refused.value.status == 0xC0000234
    last = events_of(stream)[-1]
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
    assert 4740 not in [e["EventID"] for e in events_of(stream)]


def test_threshold_zero_never_locks() -> None:
    directory = directory_from_dict(make_large_fixture(2), role="member")
    assert directory.account_domain.lockout_policy.threshold == 0
    config = ServerConfig(profile=load_profile("win2000"), directory=directory)
    for _ in range(50):
        with pytest.raises(LogonFailure):
            principal_for(config, result(Outcome.WRONG_PASSWORD, "user00001"))
    user = directory.find_user("user00001")
    assert user is not None and not directory.is_locked(user) and directory.state(user).bad_password_count == 50




# ------------------------------------------------------------------------------------ the observer

def test_the_audit_log_is_one_observer_of_the_server(server: tuple[Any, io.StringIO, Clock]) -> None:
    config, stream, _ = server
    subscribed = [o for o in config.observers if isinstance(o, audit.AuditObserver)]
    assert len(subscribed) == 1 and subscribed[0].config is config
    assert audit.subscribe(config, config.audit) is config.audit  # again: still one subscription
    assert len([o for o in config.observers if isinstance(o, audit.AuditObserver)]) == 1
    config.observers.emit(events.LoggedOff(session=session(Principal(PrincipalKind.ANONYMOUS)), peer=PEER))
    assert [e["EventID"] for e in events_of(stream)] == [4634]
    audit.subscribe(config, None)
    assert not config.observers and config.audit is None


def test_hosts_and_reloads_each_write_an_event_once(tmp_path: Path) -> None:
    """`--hosts` builds one configuration per host and SIGHUP rebuilds them, all on one file:
    every configuration has its own single subscription, so each event is one line."""
    path = tmp_path / "audit.jsonl"
    target = audit.AuditTarget(str(path), repeat_window=0)  # identical events each written
    first: Any = build_config("win2000", audit_log=target)
    second: Any = build_config("win2016", audit_log=target)
    reloaded: Any = build_config("win2016", audit_log=target)  # SIGHUP: a new configuration
    for config in (first, second, reloaded):
        assert len(list(config.observers)) == 1
        config.observers.emit(events.LoggedOff(session=session(Principal(PrincipalKind.ANONYMOUS)), peer=PEER))
    assert [json.loads(line)["EventID"] for line in path.read_text().splitlines()] == [4634] * 3
    first.audit.close()


def test_without_an_audit_log_nobody_listens() -> None:
    config: Any = build_config("win2000")
    assert not config.observers  # call sites build no event at all


def test_a_failing_observer_never_reaches_the_protocol_path(server: tuple[Any, io.StringIO, Clock]) -> None:
    config, stream, _ = server

    def broken(event: events.Event) -> None:
        raise RuntimeError("observer bug")

    config.observers.subscribe(broken)
    config.observers.emit(events.LoggedOff(session=session(Principal(PrincipalKind.ANONYMOUS)), peer=PEER))
    assert [e["EventID"] for e in events_of(stream)] == [4634]  # the others are still told


def test_each_protocol_event_becomes_its_windows_event(server: tuple[Any, io.StringIO, Clock]) -> None:
    config, stream, _ = server
    s = session(Principal(PrincipalKind.USER, user_name="alice"), 0x42)
    allow = Decision(0, "allow tree-connect IPC$: ...")
    for event in (
        events.LogonSucceeded(principal=s.principal, session_id=0x42, key_length=128, peer=PEER),
        events.LogonFailed(user_name="alice", domain_name="CORP", workstation="PC", status=0xC000006D,
                           sub_status=0xC000006A, peer=PEER),
        events.AccountLockedOut(user_name="alice", user_sid="S-1-5-21-1-2-3-1104", workstation="PC"),
        events.ShareConnect(session=s, peer=PEER, share="IPC$", decision=allow),
        events.ShareConnect(session=s, peer=PEER, share="C$", decision=allow,
                            refused="deny tree-connect C$: only IPC$ is served by the emulator"),
        events.PipeOpen(session=s, peer=PEER, share="IPC$", pipe="srvsvc", access_mask=0x3, decision=allow),
        events.RpcCall(session=s, peer=PEER, pipe="srvsvc", interface="srvsvc", operation="NetrShareEnum",
                       opnum=15, principal=s.principal, status=0, fault=False, decision=None, reason=None),
        events.LoggedOff(session=s, peer=PEER),
    ):
        config.observers.emit(event)
    got = events_of(stream)
    assert [e["EventID"] for e in got] == [4624, 4625, 4740, 5140, 5140, 5145, 100001, 4634]
    assert [e["Keywords"] for e in got[3:5]] == ["Audit Success", "Audit Failure"]
    assert got[4]["AccessReason"] == "deny tree-connect C$: only IPC$ is served by the emulator"
    assert [e["Provider"] for e in got].count("smbemu") == 1 and got[6]["Provider"] == "smbemu"
    assert all(type(e["EventID"]) is int for e in got)


@dataclass(frozen=True)
class RuledDecision:
    """A decision as the enforcement point records it on the call context (with its rule)."""

    status: int
    reason: str
    rule: str | None = None

    @property
    def allowed(self) -> bool:
        return self.status == 0


def rpc(status: int = 0, decision: Any = None, reason: str | None = None, fault: bool = False) -> events.RpcCall:
    return events.RpcCall(session=None, peer=PEER, pipe="samr", interface="samr", operation="SamrConnect5",
                          opnum=64, principal=None, status=status, fault=fault, decision=decision, reason=reason)


@pytest.mark.parametrize(("call", "verdict"), [
    (rpc(0, RuledDecision(0, "allow samr SamrConnect5: ...", "samr.SamrConnect5")),
     (True, "samr.SamrConnect5", "allow samr SamrConnect5: ...")),
    (rpc(0xC0000022, RuledDecision(0xC0000022, "deny samr SamrConnect5: ...", "samr.RestrictRemoteSam")),
     (False, "samr.RestrictRemoteSam", "deny samr SamrConnect5: ...")),
    (rpc(0), (True, "-", "allow samr SamrConnect5: no policy check applies")),
    # Refused with nothing recorded: never "allow" (the handler refused it on its own).
    (rpc(0xC0000022), (False, "-", "deny samr SamrConnect5: refused by the handler")),
    (rpc(5), (False, "-", "deny samr SamrConnect5: refused by the handler")),
    (rpc(0xC0000022, RuledDecision(0, "allow samr SamrConnect5: ...", "samr.SamrConnect5")),
     (False, "-", "deny samr SamrConnect5: refused by the handler")),
    (rpc(0x1C010002, reason="fault: opnum out of range", fault=True), (False, "-", "fault: opnum out of range")),
    (rpc(0xC0000022, Decision(0xC0000022, "deny ...")), (False, "-", "deny ...")),  # a decision without a rule
], ids=["allow-rule", "deny-rule", "no-check", "handler-refused-nt", "handler-refused-werror",
        "allowed-then-refused", "runtime-fault", "no-rule-field"])
def test_the_rpc_event_says_what_was_decided(call: events.RpcCall, verdict: tuple[bool, str, str]) -> None:
    assert audit.rpc_verdict(call) == verdict


def test_rpc_reporter_takes_the_decision_on_the_call_context(server: tuple[Any, io.StringIO, Clock]) -> None:
    config, stream, _ = server
    s = session(Principal(PrincipalKind.ANONYMOUS))
    on_call = events.rpc_call_reporter(config.observers, s, PEER, "samr")

    class Ctx:
        principal = as_principal(s.principal)
        decision: Any = None

    ctx = Ctx()
    ctx.decision = RuledDecision(0xC0000022, "deny samr SamrConnect5: anonymous ...", "samr.RestrictRemoteSam")
    on_call(ctx, "samr", "SamrConnect5", 0xC0000022, None, fault=False, opnum=64)
    ctx.decision = None  # the runtime resets it per call; this operation has no rule
    on_call(ctx, "samr", "SamrCloseHandle", 0, None, fault=False, opnum=1)
    on_call(ctx, "samr", "opnum 99", 0x1C010002, "fault: opnum out of range", fault=True, opnum=99)
    denied, unchecked, faulted = events_of(stream)
    assert (denied["Keywords"], denied["PolicyDecision"], denied["PolicyRule"], denied["Status"]) == (
        "Audit Failure", "deny", "samr.RestrictRemoteSam", "0xC0000022")
    assert denied["PolicyReason"].startswith("deny samr SamrConnect5: anonymous")
    assert denied["PrincipalKind"] == "anonymous" and denied["Opnum"] == 64
    assert (unchecked["Keywords"], unchecked["PolicyDecision"], unchecked["PolicyRule"]) == ("Audit Success", "allow", "-")
    assert unchecked["PolicyReason"] == "allow samr SamrCloseHandle: no policy check applies"
    assert (faulted["Keywords"], faulted["Status"], faulted["Fault"]) == ("Audit Failure", "0x1C010002", True)
    assert faulted["PolicyReason"] == "fault: opnum out of range"


def wait_for_event(path: Path, event_id: int) -> list[dict[str, Any]]:
    """The log once it holds an event ``event_id`` (4634 follows the client's disconnect)."""
    deadline = time.monotonic() + 5
    while True:
        got = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        if any(e["EventID"] == event_id for e in got) or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def test_every_event_of_a_whole_session_has_an_integer_event_id(tmp_path: Path) -> None:
    """One numeric type for EventID across the log (README "Reading the audit log": a log
    pipeline maps a field to one type): logons good and bad, IPC$, pipes opened and refused,
    RPC calls allowed, refused and faulted, logoff."""
    from impacket.dcerpc.v5 import srvs, transport  # type: ignore[import-untyped]
    from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]
    from impacket.smbconnection import SessionError, SMBConnection  # type: ignore[import-untyped]

    from helpers import HOST, ServerThread

    log = tmp_path / "audit.jsonl"
    with ServerThread("win2000", audit_log=str(log)) as running:
        smb = SMBConnection(HOST, HOST, sess_port=running.port)
        with pytest.raises(SessionError):
            smb.login("alice", "not-her-password", "CORP")  # 4625
        smb = SMBConnection(HOST, HOST, sess_port=running.port)
        smb.login("alice", "Wonderland1", "CORP")  # 4624
        pipe = transport.SMBTransport(HOST, running.port, r"\srvsvc", smb_connection=smb)
        dce = pipe.get_dce_rpc()
        dce.connect()  # 5140 IPC$, 5145 srvsvc
        dce.bind(srvs.MSRPC_UUID_SRVS)
        srvs.hNetrShareEnum(dce, 1)  # allowed
        with pytest.raises(DCERPCException):
            srvs.hNetrShareEnum(dce, 2)  # refused: alice is not an administrator
        with pytest.raises(DCERPCException):
            dce.call(200, b"")  # a fault before any handler runs
            dce.recv()
        with pytest.raises(SessionError):
            smb.connectTree("C$")  # refused: only IPC$ is served
        smb.logoff()  # 4634
        got = wait_for_event(log, 4634)
    running.config.audit.close()
    ids = [e["EventID"] for e in got]
    assert {4624, 4625, 4634, 5140, 5145, audit.RPC_EVENT_ID} <= set(ids), ids
    assert all(type(event_id) is int for event_id in ids), ids
    calls = [e for e in got if e["EventID"] == audit.RPC_EVENT_ID]
    assert {(e["Keywords"], e["PolicyDecision"]) for e in calls} == {
        ("Audit Success", "allow"), ("Audit Failure", "deny")}


# ------------------------------------------------------------------------------------ hostile input (issue 14)

def test_client_strings_are_escaped_and_cut(server: tuple[Any, io.StringIO, Clock]) -> None:
    config, stream, _ = server
    forged = "eve\n2026-12-07T05:00:00Z fake\r\x1b[2J\u2028\u202e" + "x" * 2000
    audit.logon_failure(config, user_name=forged, domain_name="CORP\x85", workstation="PC\x00",
                        status=0xC000006D, sub_status=0xC0000064, peer=PEER)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0])
    name = event["TargetUserName"]
    assert name.startswith("eve\\x0a2026-12-07T05:00:00Z fake\\x0d\\x1b[2J\\u2028\\u202e")
    assert name.endswith(f"...[+{len(forged) - 512}]") and len(name) < 600  # cut at MAX_FIELD (512)
    assert (event["TargetDomainName"], event["WorkstationName"]) == ("CORP\\x85", "PC\\x00")
    assert not any(ch in lines[0] for ch in "\r\x1b\u2028\u202e\x85")


def test_the_audit_log_rotates_at_its_cap_and_keeps_n_files(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = audit.open_audit_log(audit.AuditTarget(str(path), max_size=4096, keep=2, repeat_window=0))
    assert log is not None
    config: Any = build_config("win2000", audit_log=log)
    for number in range(100):  # each event is a distinct ~600-byte line
        audit.logon_failure(config, user_name=f"user{number}", domain_name="CORP", workstation="PC",
                            status=0xC000006D, sub_status=0xC0000064, peer=PEER)
    log.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2"]
    for name in files:
        assert (tmp_path / name).stat().st_size <= 4096
    names = [json.loads(line)["TargetUserName"] for name in reversed(files)
             for line in (tmp_path / name).read_text().splitlines()]
    assert names == [f"user{n}" for n in range(100 - len(names), 100)]  # newest kept, in order


def test_a_flood_of_identical_events_is_folded_with_its_count(tmp_path: Path) -> None:
    clock = Clock()
    stream = io.StringIO()
    config: Any = build_config("win2000", audit_log=audit.AuditLog(stream, clock=clock, repeat_window=1.0))
    for attempt in range(1000):  # 1,000 refused logons in 0.5 s, each from a new port
        clock.now = T0 + timedelta(microseconds=500 * attempt)
        audit.logon_failure(config, user_name="admin", domain_name="CORP", workstation="KALI",
                            status=0xC000006D, sub_status=0xC0000064, peer=("192.0.2.7", 40000 + attempt))
    audit.logon_failure(config, user_name="root", domain_name="CORP", workstation="KALI",  # another event
                        status=0xC000006D, sub_status=0xC0000064, peer=PEER)
    # the first 10 "admin" (a lockout threshold's worth reads event by event) and the "root"
    assert len(stream.getvalue().splitlines()) == 11
    clock.now = T0 + timedelta(seconds=2)
    config.audit.sweep()  # the window has passed: its count is written
    got = events_of(stream)
    assert [e["TargetUserName"] for e in got] == ["admin"] * 10 + ["root", "admin"]
    assert [e.get("RepeatCount") for e in got[:11]] == [None] * 11
    assert got[11]["RepeatCount"] == 990 and got[11]["IpPort"] == str(40999)
    assert got[11]["RepeatFirstTime"] == "2026-11-27T10:00:00.005000Z"
    assert len(stream.getvalue()) < 12 * 1024


def test_text_log_messages_are_one_escaped_line() -> None:
    import logging

    from smbemu.safelog import MAX_MESSAGE, EscapingFormatter, RepeatFilter

    formatter = EscapingFormatter("%(levelname)s %(message)s")
    record = logging.LogRecord("smbemu.session", logging.INFO, __file__, 1, "%s logged on",
                               ("CORP\r\n2026-12-07 05:00:00,000 INFO fake" + "y" * 5000,), None)
    line = formatter.format(record)
    assert "\n" not in line and "\r" not in line and "CORP\\x0d\\x0a2026" in line
    assert len(line) < MAX_MESSAGE + 64

    now = [0.0]
    repeats = RepeatFilter(burst=3, window=10, clock=lambda: now[0])

    def record_of(name: str) -> logging.LogRecord:
        return logging.LogRecord("smbemu.smb2", logging.INFO, __file__, 1, "open of unknown pipe %r", (name,), None)

    passed = [repeats.filter(record_of(f"p{i}")) for i in range(100)]
    assert passed == [True] * 3 + [False] * 97
    now[0] = 11.0
    later = record_of("q")
    assert repeats.filter(later) and later.getMessage().endswith("[97 similar messages suppressed]")


def test_audit_log_flags() -> None:
    from smbemu import cli
    from smbemu.errors import ConfigError

    def target(*flags: str) -> Any:
        return cli._audit_target(cli._parser().parse_args(["serve", *flags]))

    assert target() is None
    assert target("--audit-log", "a.jsonl") == audit.AuditTarget("a.jsonl", 20480 * 1024, 5, 1.0)
    assert target("--audit-log", "a.jsonl", "--audit-log-max-size", "500K", "--audit-log-keep", "2",
                  "--audit-log-repeat-window", "0") == audit.AuditTarget("a.jsonl", 500 * 1024, 2, 0.0)
    assert target("--audit-log", "-", "--audit-log-max-size", "0").max_size == 0
    for flags, problem in ((("--audit-log-keep", "3"), "--audit-log-keep: needs --audit-log FILE"),
                           (("--audit-log", "a", "--audit-log-max-size", "lots"), "is not a size"),
                           (("--audit-log", "a", "--audit-log-keep", "-1"), "is negative"),
                           (("--audit-log", "a", "--audit-log-repeat-window", "-2"), "between 0 and 3600")):
        with pytest.raises(ConfigError, match=problem):
            target(*flags)
