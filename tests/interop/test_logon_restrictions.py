"""Issue 14 item 6: the fixture's logon restrictions, refused with Windows' statuses to smbclient and
impacket, each refusal a 4625 with Status STATUS_ACCOUNT_RESTRICTION (0xC000006E) and the reason as
SubStatus (event 4625 docs, "Windows logon status codes"): an expired password (ghernandez,
0xC0000071), "must change at next logon" (0xC0000224), a workstation list (scanner: RICOH2F only,
0xC0000070), logon hours (0xC000006F) and a blank password under LimitBlankPasswordUse
(STATUS_ACCOUNT_RESTRICTION itself; not on a DC, whose accounts are not local)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped, unused-ignore]
from impacket.smbconnection import SessionError, SMBConnection  # type: ignore[import-untyped]

from helpers import HOST, ServerThread, run_tool
from smbemu.directory import load_fixture
from smbemu.errors import ConfigError

pytestmark = pytest.mark.interop

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
RESTRICTION = "0xC000006E"


def _fixture(tmp_path: Path) -> str:
    """corp.yaml plus an account that must change its password and one allowed no hour at all."""
    data = yaml.safe_load((FIXTURES / "corp.yaml").read_text(encoding="utf-8"))
    data["users"] += [
        {"name": "newhire", "rid": 1190, "password": "Welcome2009", "must_change_password": True},
        {"name": "nightshift", "rid": 1191, "password": "Night2008!", "logon_hours": {"sun": "none"}},
        {"name": "dayshift", "rid": 1192, "password": "Day2008!!", "logon_hours": {d: "all" for d in
                                                                                  ("sun", "mon", "tue", "wed", "thu", "fri", "sat")}},
    ]
    path = tmp_path / "restricted.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def _audited_server(profile: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerThread, Path]]:
    tmp = tmp_path_factory.mktemp(profile)
    log = tmp / "audit.jsonl"
    with ServerThread(profile, fixture=_fixture(tmp), audit_log=str(log)) as running:
        yield running, log
    running.config.audit.close()


@pytest.fixture(scope="module", params=["win2003", "win2000"])
def server(request: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerThread, Path]]:
    yield from _audited_server(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def win2000_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerThread, Path]]:
    # lsarpc is reachable by a null session on win2000 (its NullSessionPipes), which the
    # DCE/RPC test below needs for its anonymous SMB session.
    yield from _audited_server("win2000", tmp_path_factory)


def impacket_status(server: ServerThread, user: str, password: str, workstation: str = "ATTACKER") -> int:
    conn = SMBConnection(HOST, HOST, myName=workstation, sess_port=server.port, timeout=10)
    try:
        conn.login(user, password, "CORP")
    except SessionError as exc:
        return int(exc.getErrorCode())
    finally:
        conn.close()
    return 0


def failures(log: Path, user: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 5
    while True:
        events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]
        found = [e for e in events if e["EventID"] == 4625 and e["TargetUserName"] == user]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


@pytest.mark.parametrize(("user", "password", "status"), [
    ("ghernandez", "Welcome2008", 0xC0000071),      # STATUS_PASSWORD_EXPIRED
    ("newhire", "Welcome2009", 0xC0000224),         # STATUS_PASSWORD_MUST_CHANGE
    ("nightshift", "Night2008!", 0xC000006F),       # STATUS_INVALID_LOGON_HOURS
])
def test_impacket_gets_the_restriction_and_a_4625(server: tuple[ServerThread, Path], user: str, password: str,
                                                  status: int) -> None:
    running, log = server
    assert impacket_status(running, user, password) == status
    event = failures(log, user)[-1]
    assert (event["Status"], event["SubStatus"]) == (RESTRICTION, f"0x{status:X}")
    assert event["WorkstationName"] == "ATTACKER"
    # a wrong password is refused as one, before any restriction is looked at
    assert impacket_status(running, user, "wrong") == 0xC000006D


def test_smbclient_sees_the_expired_password(server: tuple[ServerThread, Path]) -> None:
    running, _ = server
    result = run_tool(["smbclient", "-p", str(running.port), "-U", "CORP/ghernandez%Welcome2008", "-L", HOST])
    assert "NT_STATUS_PASSWORD_EXPIRED" in result.stdout + result.stderr


def test_logon_hours_that_allow_every_hour_let_the_user_in(server: tuple[ServerThread, Path]) -> None:
    running, _ = server
    assert impacket_status(running, "dayshift", "Day2008!!") == 0


def test_workstation_list_and_blank_password(server: tuple[ServerThread, Path]) -> None:
    """scanner has a blank password and may log on from RICOH2F only.  2003 limits blank
    passwords to console logons (LimitBlankPasswordUse=1): refused from anywhere over the
    network; 2000 has no such rule: the workstation list decides."""
    running, log = server
    blank_limited = running.config.profile.smb.limit_blank_password_use
    from_attacker = impacket_status(running, "scanner", "", workstation="ATTACKER")
    from_ricoh = impacket_status(running, "scanner", "", workstation="RICOH2F")
    if blank_limited:
        assert (from_attacker, from_ricoh) == (0xC000006E, 0xC000006E)
        assert (failures(log, "scanner")[-1]["SubStatus"]) == RESTRICTION
    else:
        assert (from_attacker, from_ricoh) == (0xC0000070, 0)   # STATUS_INVALID_WORKSTATION
        event = failures(log, "scanner")[-1]
        assert (event["Status"], event["SubStatus"], event["WorkstationName"]) == (RESTRICTION, "0xC0000070", "ATTACKER")
        result = run_tool(["smbclient", "-p", str(running.port), "-U", "CORP/scanner%", "-L", HOST,
                           "--netbiosname", "ATTACKER"])
        assert "NT_STATUS_INVALID_WORKSTATION" in result.stdout + result.stderr


def test_blank_password_allowed_on_a_dc(tmp_path: Path) -> None:
    """LimitBlankPasswordUse restricts local accounts; a DC's accounts are domain accounts."""
    with ServerThread("win2003-dc") as running:
        assert running.config.profile.smb.limit_blank_password_use
        assert impacket_status(running, "scanner", "", workstation="RICOH2F") == 0


@pytest.mark.parametrize(("hours", "problem"), [
    ({"monday": "08-18"}, "'monday' is not a day"),
    ({"mon": "18-08"}, "'18-08' is not an hour range"),
    ("08-18", "expected a mapping of days"),
])
def test_bad_logon_hours_are_a_one_line_load_error(tmp_path: Path, hours: object, problem: str) -> None:
    data = yaml.safe_load((FIXTURES / "corp.yaml").read_text(encoding="utf-8"))
    data["users"].append({"name": "oops", "rid": 1199, "password": "Oops2008!", "logon_hours": hours})
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_fixture(str(path), role="member")
    message = str(raised.value)
    assert problem in message and "logon_hours" in message and "\n" not in message


def test_dcerpc_ntlm_auth_applies_the_same_restrictions(win2000_server: tuple[ServerThread, Path]) -> None:
    """One logon path for SMB and DCE/RPC: an NTLM bind as ghernandez on a null SMB session is
    refused (the call that follows faults) and audited as the SMB logon is."""
    from impacket.dcerpc.v5 import lsad, lsat, transport  # type: ignore[import-untyped]
    from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_LEVEL_PKT_INTEGRITY, DCERPCException  # type: ignore[import-untyped]

    running, log = win2000_server
    conn = SMBConnection(HOST, HOST, myName="ATTACKER", sess_port=running.port, timeout=10)
    conn.login("", "")
    try:
        rpc = transport.SMBTransport(HOST, running.port, filename="\\lsarpc", smb_connection=conn)
        rpc.set_credentials("ghernandez", "Welcome2008", "CORP")
        dce = rpc.get_dce_rpc()
        dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
        dce.connect()
        with pytest.raises(DCERPCException):
            dce.bind(lsat.MSRPC_UUID_LSAT)
            lsad.hLsarOpenPolicy2(dce, lsad.POLICY_LOOKUP_NAMES)
    finally:
        conn.close()
    event = failures(log, "ghernandez")[-1]
    assert (event["Status"], event["SubStatus"]) == (RESTRICTION, "0xC0000071")


def test_logon_hours_bits_follow_ms_samr() -> None:
    """MS-SAMR 2.2.7.5: bit 0 of byte 0 is Sunday 00:00-00:59 UTC, one bit per hour."""
    from datetime import datetime, timezone

    from smbemu.directory.logon_hours import allows, parse_logon_hours

    def error(key: str, problem: str) -> Exception:
        return ValueError(f"{key}: {problem}")

    sunday_midnight = parse_logon_hours({"sun": "00-01"}, "x", error)
    assert sunday_midnight == b"\x01" + bytes(20)
    monday = parse_logon_hours({"mon": "08-18"}, "x", error)
    assert allows(monday, datetime(2008, 6, 16, 8, 0, tzinfo=timezone.utc))       # a Monday, 08:00 UTC
    assert not allows(monday, datetime(2008, 6, 16, 18, 0, tzinfo=timezone.utc))
    assert not allows(monday, datetime(2008, 6, 15, 9, 0, tzinfo=timezone.utc))     # the Sunday before
    assert allows(sunday_midnight, datetime(2008, 6, 15, 0, 30, tzinfo=timezone.utc))
