"""Issue 6 items 1-2, "What it must show", with Samba's own clients against a real server:
the audit log of a NULL-session enumeration (4624 ANONYMOUS LOGON, 5140, 5145, RPC events, in
that order), a wrong password (4625 SubStatus 0xC000006A), and the lockout threshold reached
(4740, then NT_STATUS_ACCOUNT_LOCKED_OUT to smbclient even with the right password; samr shows
the lock, and the lockout lifts itself after its duration — the directory's clock is moved,
nobody sleeps 30 minutes)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from helpers import HOST, ServerThread, run_tool
from smbemu.audit import RPC_EVENT_ID

ALICE = ("alice", "Wonderland1")
ADMIN = ("Administrator", "Adm!n2003")


def read_events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def wait_for(path: Path, event_id: int, count: int = 1) -> list[dict[str, Any]]:
    """The log once it holds ``count`` events ``event_id`` (4634 follows the client's disconnect)."""
    deadline = time.monotonic() + 5
    while True:
        events = read_events(path)
        if sum(e["EventID"] == event_id for e in events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.05)


def first(events: list[dict[str, Any]], event_id: int) -> int:
    return next(i for i, e in enumerate(events) if e["EventID"] == event_id)


@pytest.fixture()
def win2000(tmp_path: Path) -> Iterator[tuple[ServerThread, Path]]:
    log = tmp_path / "audit.jsonl"
    with ServerThread("win2000", audit_log=str(log)) as server:
        yield server, log
    server.config.audit.close()


def smbclient_list(server: ServerThread, user: str, password: str) -> str:
    result = run_tool(["smbclient", "-p", str(server.port), "-U", f"CORP/{user}%{password}", "-L", HOST])
    return result.stdout + result.stderr


def test_null_session_enumeration_in_the_audit_log(win2000: tuple[ServerThread, Path]) -> None:
    server, log = win2000
    result = run_tool(["rpcclient", "-p", str(server.port), "-U", "", "-N", HOST, "-c", "enumdomusers"])
    alice = server.config.directory.find_user("alice")
    assert f"user:[alice] rid:[{alice.rid:#x}]" in result.stdout, result.stderr
    events = wait_for(log, 4634)
    logon, tree, pipe = first(events, 4624), first(events, 5140), first(events, 5145)
    rpc = first(events, RPC_EVENT_ID)
    assert logon < tree < pipe < rpc < first(events, 4634)

    e = events[logon]
    assert (e["TargetUserName"], e["TargetDomainName"], e["TargetUserSid"]) == (
        "ANONYMOUS LOGON", "NT AUTHORITY", "S-1-5-7")
    assert (e["LogonType"], e["AuthenticationPackageName"], e["LogonProcessName"]) == (3, "NTLM", "NtLmSsp ")
    assert e["IpAddress"] == HOST and int(e["IpPort"]) > 0 and e["Keywords"] == "Audit Success"
    session_id = e["TargetLogonId"]
    assert events[tree]["ShareName"] == "\\\\*\\IPC$" and events[tree]["SubjectLogonId"] == session_id
    assert events[pipe]["RelativeTargetName"] == "samr" and events[pipe]["Result"] == "access granted"
    assert "in NullSessionPipes" in events[pipe]["AccessReason"]
    calls = [x for x in events if x["EventID"] == RPC_EVENT_ID]
    enum = next(x for x in calls if x["OperationName"] == "SamrEnumerateUsersInDomain")
    assert (enum["InterfaceName"], enum["SubjectUserName"], enum["Status"]) == ("samr", "ANONYMOUS LOGON", "0x00000000")
    assert enum["PolicyReason"].startswith("allow samr SamrEnumerateUsersInDomain: anonymous")
    assert "RestrictAnonymous=0" in enum["PolicyReason"]
    assert events[first(events, 4634)]["TargetLogonId"] == session_id
    for x in events:
        assert x["Computer"] and datetime.fromisoformat(x["TimeCreated"].replace("Z", "+00:00"))


def test_denied_pipe_open_is_a_5145_failure(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    with ServerThread("win2016", audit_log=str(log)) as server:
        run_tool(["rpcclient", "-p", str(server.port), "-U", "", "-N", HOST, "-c", "enumdomusers"])
    server.config.audit.close()
    denied = [e for e in read_events(log) if e["EventID"] == 5145 and e["RelativeTargetName"] == "samr"]
    assert denied and denied[0]["Keywords"] == "Audit Failure" and denied[0]["Result"] == "access denied"
    assert denied[0]["AccessReason"].startswith("deny pipe-open samr: anonymous")


def test_wrong_password_then_lockout_then_unlock(win2000: tuple[ServerThread, Path]) -> None:
    server, log = win2000
    directory = server.config.directory
    policy = directory.account_domain.lockout_policy
    assert policy.threshold == 5

    assert "NT_STATUS_LOGON_FAILURE" in smbclient_list(server, ALICE[0], "not-her-password")
    events = read_events(log)
    failure = events[-1]
    assert (failure["EventID"], failure["Status"], failure["SubStatus"]) == (4625, "0xC000006D", "0xC000006A")
    assert failure["TargetUserName"] == "alice" and failure["IpAddress"] == HOST
    assert failure["WorkstationName"] not in ("", "-")  # smbclient names its host in AUTHENTICATE

    for _ in range(policy.threshold - 1):
        assert "NT_STATUS_LOGON_FAILURE" in smbclient_list(server, ALICE[0], "not-her-password")
    events = read_events(log)
    assert [e["EventID"] for e in events[-2:]] == [4625, 4740]
    locked = events[-1]
    alice = directory.find_user("alice")
    assert (locked["TargetUserName"], locked["TargetSid"]) == ("alice", str(alice.sid))
    assert locked["CallerComputerName"] == failure["WorkstationName"]
    assert locked["SubjectUserName"] == directory.machine.netbios_name.upper() + "$"

    # Locked: the right password is refused too.
    assert "NT_STATUS_ACCOUNT_LOCKED_OUT" in smbclient_list(server, *ALICE)
    assert read_events(log)[-1]["Status"] == "0xC0000234"

    # samr shows the live state: ACB_AUTOLOCK (0x400) and the bad-password count.
    out = run_tool(["rpcclient", "-p", str(server.port), "-U", f"CORP/{ADMIN[0]}%{ADMIN[1]}", HOST,
                    "-c", f"queryuser {alice.rid:#x}"]).stdout
    assert re.search(r"bad_password_count:\s*0x00000005", out), out
    acb = int(re.search(r"acb_info\s*:\s*0x([0-9a-f]+)", out).group(1), 16)  # type: ignore[union-attr]
    assert acb & 0x400

    # After the lockout duration the account unlocks itself; the logon is counted and stamped.
    moved = datetime.now(timezone.utc) + timedelta(minutes=policy.duration_minutes + 1)
    directory.clock = lambda: moved
    count = directory.state(alice).logon_count
    output = smbclient_list(server, *ALICE)
    assert "IPC$" in output, output
    assert directory.state(alice).logon_count == count + 1 and directory.state(alice).last_logon == moved
    out = run_tool(["rpcclient", "-p", str(server.port), "-U", f"CORP/{ADMIN[0]}%{ADMIN[1]}", HOST,
                    "-c", f"queryuser {alice.rid:#x}"]).stdout
    assert re.search(r"bad_password_count:\s*0x00000000", out), out
    assert re.search(rf"logon_count:\s*0x{count + 1:08x}", out), out
    acb = int(re.search(r"acb_info\s*:\s*0x([0-9a-f]+)", out).group(1), 16)  # type: ignore[union-attr]
    assert not acb & 0x400
    success = [e for e in read_events(log) if e["EventID"] == 4624 and e["TargetUserName"] == "alice"]
    assert success and success[-1]["LmPackageName"] == "NTLM V2" and success[-1]["KeyLength"] == 128
