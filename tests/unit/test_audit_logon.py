"""The events Windows writes around a network logon (smbemu.audit_logon): 4776 credential
validation and 4672 special privileges before the 4624, a 4776 failure before the 4625 once
failures are audited, per release, role and LSA audit policy."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from helpers import build_config
from smbemu import audit, audit_logon, events
from smbemu.auth.ntlm import NtlmResult, Outcome
from smbemu.logon import LogonFailure, logon_succeeded, principal_for

PEER = ("192.0.2.7", 49731)
#: An administrator's PrivilegeList on a 2016 DC (audit_logon's docstring).
DC_ADMIN_PRIVILEGES = ("SeSecurityPrivilege", "SeBackupPrivilege", "SeRestorePrivilege",
                       "SeTakeOwnershipPrivilege", "SeDebugPrivilege", "SeSystemEnvironmentPrivilege",
                       "SeLoadDriverPrivilege", "SeImpersonatePrivilege", "SeEnableDelegationPrivilege")


def audited(profile: str) -> tuple[Any, io.StringIO]:
    stream = io.StringIO()
    config: Any = build_config(profile, audit_log=audit.AuditLog(stream))
    return config, stream


def events_of(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def ntlm(outcome: Outcome, user: str, password_ok: bool = True) -> NtlmResult:
    authenticated = outcome is Outcome.AUTHENTICATED
    return NtlmResult(outcome, user, "CORP", "STUDENT-PC", b"k" * 16 if authenticated else b"",
                      "NTLM V2" if authenticated else "", 0, None)


def log_on(config: Any, user: str, session_id: int = 0x51) -> None:
    principal, account = principal_for(config, ntlm(Outcome.AUTHENTICATED, user), peer=PEER)
    logon_succeeded(config, principal, account, session_id=session_id, key_length=128, peer=PEER)


def set_audit_policy(config: Any, mode: int, options: dict[int, int]) -> None:
    """As LsarSetInformationPolicy(PolicyAuditEventsInformation) leaves it (pipes/lsarpc)."""
    merged = [0] * 9
    for category, option in options.items():
        merged[category] = option
    config.directory.set_lsa_policy({"audit_events": {"mode": mode, "options": merged}})


def test_an_administrator_on_a_2016_dc_reads_4776_4672_4624() -> None:
    config, stream = audited("win2016-dc")
    log_on(config, "Administrator", 0x51)
    validation, special, logon = events_of(stream)
    assert [validation["EventID"], special["EventID"], logon["EventID"]] == [4776, 4672, 4624]
    assert {k: validation[k] for k in ("PackageName", "TargetUserName", "Workstation", "Status", "Keywords")} == {
        "PackageName": "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0", "TargetUserName": "Administrator",
        "Workstation": "STUDENT-PC", "Status": "0x0", "Keywords": "Audit Success"}
    admin = config.directory.find_user("Administrator")
    assert (special["SubjectUserSid"], special["SubjectUserName"], special["SubjectDomainName"]) == (
        str(admin.sid), "Administrator", config.directory.account_domain.name)
    # the 4672 names the logon it accompanies
    assert special["SubjectLogonId"] == logon["TargetLogonId"] == "0x51"
    assert special["PrivilegeList"] == "\n\t\t\t".join(DC_ADMIN_PRIVILEGES)
    assert special["Provider"] == validation["Provider"] == "Microsoft-Windows-Security-Auditing"


def test_a_normal_user_gets_no_4672_and_a_null_session_neither_event() -> None:
    config, stream = audited("win2016-dc")
    log_on(config, "alice")
    assert [e["EventID"] for e in events_of(stream)] == [4776, 4624]
    stream.truncate(0)
    stream.seek(0)
    principal, account = principal_for(config, ntlm(Outcome.ANONYMOUS, ""), peer=PEER)
    logon_succeeded(config, principal, account, session_id=0x52, key_length=0, peer=PEER)
    assert [e["EventID"] for e in events_of(stream)] == [4624]


def test_backup_operators_hold_backup_and_restore() -> None:
    config, stream = audited("win2016-dc")
    log_on(config, "svc_backup")
    special = next(e for e in events_of(stream) if e["EventID"] == 4672)
    assert special["PrivilegeList"].split("\n\t\t\t") == ["SeBackupPrivilege", "SeRestorePrivilege"]


@pytest.mark.parametrize(("profile", "expected", "privileges"), [
    # a member server validates its local accounts itself; no SeEnableDelegationPrivilege off a DC
    ("win2016", [4776, 4672, 4624], DC_ADMIN_PRIVILEGES[:-1]),
    # 2019 adds SeDelegateSessionUserImpersonatePrivilege to Administrators
    ("win2019", [4776, 4672, 4624], (*DC_ADMIN_PRIVILEGES[:-1], "SeDelegateSessionUserImpersonatePrivilege")),
    # a client edition does not audit Credential Validation by default
    ("win7", [4672, 4624], DC_ADMIN_PRIVILEGES[:-1]),
    # neither event exists before Vista (their 2003 predecessors, 680 / 576, are not written)
    ("win2003", [4624], ()),
])
def test_per_release_and_role(profile: str, expected: list[int], privileges: tuple[str, ...]) -> None:
    config, stream = audited(profile)
    log_on(config, "Administrator")
    got = events_of(stream)
    assert [e["EventID"] for e in got] == expected
    special = [e for e in got if e["EventID"] == 4672]
    assert [e["PrivilegeList"].split("\n\t\t\t") for e in special] == ([list(privileges)] if privileges else [])


def test_failures_are_not_audited_by_default_then_are_once_the_policy_says_so() -> None:
    config, stream = audited("win2016-dc")
    with pytest.raises(LogonFailure):
        principal_for(config, ntlm(Outcome.WRONG_PASSWORD, "alice"), peer=PEER)
    assert [e["EventID"] for e in events_of(stream)] == [4625]
    stream.truncate(0)
    stream.seek(0)
    # auditpol's legacy "Audit account logon events": Success and Failure (MS-LSAD 2.2.4.20, 8)
    set_audit_policy(config, 1, {audit_logon.ACCOUNT_LOGON_CATEGORY: 0x3, audit_logon.LOGON_CATEGORY: 0x1})
    with pytest.raises(LogonFailure):
        principal_for(config, ntlm(Outcome.WRONG_PASSWORD, "alice"), peer=PEER)
    with pytest.raises(LogonFailure):
        principal_for(config, ntlm(Outcome.NO_SUCH_USER, "nobody"), peer=PEER)
    disabled = next(u for u in config.directory.users if u.disabled and u.rid != 501)
    with pytest.raises(LogonFailure):
        principal_for(config, ntlm(Outcome.AUTHENTICATED, disabled.name), peer=PEER)
    got = events_of(stream)
    assert [e["EventID"] for e in got] == [4776, 4625, 4776, 4625, 4776, 4625]
    validations = got[0::2]
    assert [(e["TargetUserName"], e["Status"], e["Keywords"]) for e in validations] == [
        ("alice", "0xc000006a", "Audit Failure"), ("nobody", "0xc0000064", "Audit Failure"),
        (disabled.name, "0xc0000072", "Audit Failure")]
    # the 4625 that follows carries the same reason as its SubStatus
    assert [e["SubStatus"].lower() for e in got[1::2]] == [e["Status"] for e in validations]


def test_the_lsa_audit_policy_switches_them_off_and_on() -> None:
    config, stream = audited("win2016-dc")
    set_audit_policy(config, 1, {})  # auditing on, no category audited
    log_on(config, "Administrator")
    assert [e["EventID"] for e in events_of(stream)] == [4624]
    stream.truncate(0)
    stream.seek(0)
    set_audit_policy(config, 0, {audit_logon.ACCOUNT_LOGON_CATEGORY: 0x1, audit_logon.LOGON_CATEGORY: 0x1})
    log_on(config, "Administrator")  # auditing mode off: neither
    assert [e["EventID"] for e in events_of(stream)] == [4624]
    stream.truncate(0)
    stream.seek(0)
    set_audit_policy(config, 1, {audit_logon.LOGON_CATEGORY: 0x1})  # Logon only: 4672, no 4776
    log_on(config, "Administrator")
    assert [e["EventID"] for e in events_of(stream)] == [4672, 4624]


def test_rights_assigned_through_lsa_replace_the_defaults() -> None:
    """LsarAddAccountRights gives alice SeDebugPrivilege (Directory.lsa_accounts): her next logon
    is a special one; the Administrators' rights are then the ones the table lists."""
    config, stream = audited("win2016-dc")
    alice = str(config.directory.find_user("alice").sid)
    config.directory.set_lsa_accounts({alice: ["SeTcbPrivilege", "SeDebugPrivilege", "SeNetworkLogonRight",
                                               "SeCreateTokenPrivilege"],
                                       "S-1-5-32-544": ["SeSecurityPrivilege"]})
    log_on(config, "alice")
    log_on(config, "Administrator")
    special = [e for e in events_of(stream) if e["EventID"] == 4672]
    # the ones no network logon holds by default come last, in LUID order
    assert [(e["SubjectUserName"], e["PrivilegeList"].split("\n\t\t\t")) for e in special] == [
        ("alice", ["SeDebugPrivilege", "SeCreateTokenPrivilege", "SeTcbPrivilege"]),
        ("Administrator", ["SeSecurityPrivilege"])]


def test_the_observer_writes_them_for_the_protocol_event() -> None:
    """The LogonSucceeded an SMB or DCE/RPC logon emits is what writes all three (smbemu.audit)."""
    config, stream = audited("win2016-dc")
    admin = config.directory.find_user("Administrator")
    principal, _ = principal_for(config, ntlm(Outcome.AUTHENTICATED, admin.name), peer=PEER)
    config.observers.emit(events.LogonSucceeded(principal=principal, session_id=0x77, key_length=128, peer=PEER))
    got = events_of(stream)
    assert [e["EventID"] for e in got] == [4776, 4672, 4624]
    assert got[1]["SubjectLogonId"] == got[2]["TargetLogonId"] == "0x77"
