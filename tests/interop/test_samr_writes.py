"""Issue 16 with real clients: Samba's rpcclient, net and smbpasswd and impacket's addcomputer.py
change the directory of a running `win2016-dc` server, later logons use the change, and each
change is in the audit log with Windows' event ids and field names.

rpcclient and smbclient take a port; `net rpc user add` (libnetapi), smbpasswd and impacket's
example scripts connect to 445 (and 135) only, so those run in a network namespace of their own
(tests/netns.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from helpers import HOST, ServerThread, run_tool
from netns import NetnsServer

ADMIN = "Administrator%Adm!n2003"
#: impacket's addcomputer.py as installed: it asks the endpoint mapper (TCP 135, `--rpc-tcp`) where
#: samr is, and gets \pipe\lsass.
ADDCOMPUTER = str(Path(sys.executable).parent / "addcomputer.py")


def read_events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def sam_events(path: Path) -> list[dict[str, Any]]:
    """The SAM change events (4720-4767), in order."""
    return [e for e in read_events(path) if 4720 <= e["EventID"] <= 4767 and e["EventID"] != 4740]


def smbclient(port: int | None, user: str, password: str) -> str:
    args = ["smbclient", *(["-p", str(port)] if port else []), "-U", f"CORP/{user}%{password}", "-L", HOST]
    result = run_tool(args)
    return result.stdout + result.stderr


def _enable(port: int, name: str) -> None:
    """USER_CONTROL_INFORMATION through impacket's client over SMB (rpcclient has no command)."""
    from impacket.dcerpc.v5 import samr, transport  # type: ignore[import-untyped]

    rpc = transport.SMBTransport(HOST, port, r"\samr", username="Administrator", password="Adm!n2003",
                                 domain="CORP")
    dce = rpc.get_dce_rpc()
    dce.connect()
    dce.bind(samr.MSRPC_UUID_SAMR)
    server = samr.hSamrConnect(dce)["ServerHandle"]
    sid = samr.hSamrLookupDomainInSamServer(dce, server, "CORP")["DomainId"]
    domain = samr.hSamrOpenDomain(dce, server, samr.MAXIMUM_ALLOWED, sid)["DomainHandle"]
    rid = samr.hSamrLookupNamesInDomain(dce, domain, [name])["RelativeIds"]["Element"][0]["Data"]
    user = samr.hSamrOpenUser(dce, domain, samr.MAXIMUM_ALLOWED, rid)["UserHandle"]
    buffer = samr.SAMPR_USER_INFO_BUFFER()
    buffer["tag"] = samr.USER_INFORMATION_CLASS.UserControlInformation
    buffer["Control"]["UserAccountControl"] = samr.USER_NORMAL_ACCOUNT
    samr.hSamrSetInformationUser2(dce, user, buffer)
    dce.disconnect()


def test_rpcclient_creates_sets_the_password_and_deletes(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    with ServerThread("win2016-dc", audit_log=str(log)) as server:
        result = run_tool(["rpcclient", "-p", str(server.port), "-U", ADMIN, HOST,
                           "-c", "createdomuser bob; setuserinfo2 bob 24 NewPassw0rd!; queryuser bob"])
        out = result.stdout + result.stderr
        assert "User Name   :\tbob" in out and "acb_info :\t0x00000015" in out, out
        # LSA's name translation sees it too
        result = run_tool(["rpcclient", "-p", str(server.port), "-U", ADMIN, HOST, "-c", "lookupnames bob"])
        assert "bob S-1-5-21-" in result.stdout and "(User: 1)" in result.stdout, result.stdout + result.stderr
        # a new account is disabled until enabled (Windows' default), then logs on with the password
        assert "NT_STATUS_ACCOUNT_DISABLED" in smbclient(server.port, "bob", "NewPassw0rd!")
        _enable(server.port, "bob")
        assert "IPC$" in smbclient(server.port, "bob", "NewPassw0rd!")
        assert "NT_STATUS_LOGON_FAILURE" in smbclient(server.port, "bob", "wrong")
        # the password policy (7 characters, complexity) refuses a weak one
        result = run_tool(["rpcclient", "-p", str(server.port), "-U", ADMIN, HOST,
                           "-c", "setuserinfo2 bob 24 weak"])
        assert "NT_STATUS_PASSWORD_RESTRICTION" in result.stdout + result.stderr
        result = run_tool(["rpcclient", "-p", str(server.port), "-U", ADMIN, HOST, "-c", "deletedomuser bob"])
        assert "NT_STATUS_LOGON_FAILURE" in smbclient(server.port, "bob", "NewPassw0rd!")
        bob_gone = server.config.directory.find_user("bob") is None
    server.config.audit.close()
    assert bob_gone
    events = sam_events(log)
    ids = [e["EventID"] for e in events]
    assert ids[:2] == [4720, 4724] and 4722 in ids and ids[-1] == 4726, ids
    created = events[0]
    assert (created["SubjectUserName"], created["TargetUserName"], created["TargetDomainName"]) == (
        "Administrator", "bob", "CORP")
    assert created["TargetSid"].startswith("S-1-5-21-") and created["NewUacValue"] == "0x15"
    refused = [e for e in events if e["EventID"] == 4724 and e["Keywords"] == "Audit Failure"]
    assert refused and refused[0]["TargetUserName"] == "bob"


def test_net_rpc_and_smbpasswd_in_a_namespace(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    with NetnsServer("win2016-dc", "--audit-log", str(log)) as server:
        def run(*argv: str) -> str:
            result = server.run(list(argv))
            return result.stdout + result.stderr

        assert "Added user 'carol'" in run("net", "rpc", "user", "add", "carol", "Winter-Passw0rd",
                                           "-I", HOST, "-U", ADMIN)
        assert "IPC$" in run("smbclient", "-U", "CORP/carol%Winter-Passw0rd", "-L", HOST)
        run("net", "rpc", "group", "addmem", "Domain Admins", "carol", "-I", HOST, "-U", ADMIN)
        assert "CORP\\carol" in run("net", "rpc", "group", "members", "Domain Admins", "-I", HOST, "-U", ADMIN)
        assert "Deleted user 'carol'" in run("net", "rpc", "user", "delete", "carol", "-I", HOST, "-U", ADMIN)
        assert "NT_STATUS_LOGON_FAILURE" in run("smbclient", "-U", "CORP/carol%Winter-Passw0rd", "-L", HOST)
        # a normal user: Windows' refusal
        assert "Access is denied" in run("net", "rpc", "user", "add", "eve", "Winter-Passw0rd",
                                         "-I", HOST, "-U", "alice%Wonderland1")
        # alice changes her own password (SamrUnicodeChangePasswordUser2), then logs on with it
        assert "Password changed for user alice" in run(
            "bash", "-c", "printf 'Wonderland1\\nSunsh1ne!Day\\nSunsh1ne!Day\\n' | smbpasswd -s -r 127.0.0.1 -U alice")
        assert "IPC$" in run("smbclient", "-U", "CORP/alice%Sunsh1ne!Day", "-L", HOST)
        assert "NT_STATUS_LOGON_FAILURE" in run("smbclient", "-U", "CORP/alice%Wonderland1", "-L", HOST)
        # an expired password: the logon is refused, smbpasswd changes it on an anonymous session
        assert "NT_STATUS_PASSWORD_EXPIRED" in run("smbclient", "-U", "CORP/ghernandez%Welcome2008", "-L", HOST)
        assert "Password changed for user ghernandez" in run(
            "bash", "-c", "printf 'Welcome2008\\nAutumn#2026x\\nAutumn#2026x\\n' | smbpasswd -s -r 127.0.0.1 -U ghernandez")
        assert "IPC$" in run("smbclient", "-U", "CORP/ghernandez%Autumn#2026x", "-L", HOST)
    events = sam_events(log)
    ids = [e["EventID"] for e in events]
    assert ids[0] == 4720 and 4728 in ids and 4726 in ids, ids
    added = next(e for e in events if e["EventID"] == 4728)
    assert (added["TargetUserName"], added["MemberName"]) == ("Domain Admins", "CORP\\carol")
    changes = [e for e in events if e["EventID"] == 4723 and e["Keywords"] == "Audit Success"]
    assert [e["TargetUserName"] for e in changes] == ["alice", "ghernandez"]
    assert changes[1]["SubjectUserName"] == "ANONYMOUS LOGON"


def test_addcomputer_up_to_the_machine_account_quota(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    with NetnsServer("win2016-dc", "--audit-log", str(log), rpc_tcp=True) as server:
        def addcomputer(n: int) -> str:
            result = server.run([sys.executable, ADDCOMPUTER, "-method", "SAMR", "-computer-name",
                                 f"LAB{n:02d}$", "-computer-pass", "Machine-Passw0rd1", "-dc-ip", HOST,
                                 "corp.local/alice:Wonderland1"], timeout=60)
            return result.stdout + result.stderr

        for n in range(10):
            out = addcomputer(n)
            assert f"Successfully added machine account LAB{n:02d}$" in out, out
        assert "machine account quota exceeded" in addcomputer(10)  # impacket's words for 0xC00002E7
        # the account addcomputer.py made: a workstation trust account, enabled
        out = server.run(["rpcclient", "-U", ADMIN, HOST, "-c", "queryuser LAB00$"])
        assert "acb_info :\t0x00000080" in out.stdout, out.stdout + out.stderr
    events = sam_events(log)
    created = [e for e in events if e["EventID"] == 4741]
    assert len(created) == 10 and created[0]["SubjectUserName"] == "alice"
    assert created[0]["TargetUserName"] == "LAB00$" and "DnsHostName" in created[0]
    assert 4742 in [e["EventID"] for e in events] and 4720 not in [e["EventID"] for e in events]
    denied = [e for e in read_events(log) if e["EventID"] == 100001
              and e["OperationName"] == "SamrCreateUser2InDomain" and e["Status"] == "0xC00002E7"]
    assert denied and "ms-DS-MachineAccountQuota" in denied[0]["PolicyRule"]



#: impacket's changepasswd.py as installed (SMB to 445: run in a namespace).
CHANGEPASSWD = str(Path(sys.executable).parent / "changepasswd.py")


def test_changepasswd_for_an_expired_password_and_with_hashes(tmp_path: Path) -> None:
    """changepasswd.py: an expired password (STATUS_PASSWORD_EXPIRED at logon) is changed on an
    anonymous session with SamrUnicodeChangePasswordUser2; ``-newhashes`` sends the OWF form
    (SamrChangePasswordUser, opnum 38).  Each is a 4723 (the expired one's Subject ANONYMOUS LOGON)."""
    from smbemu.auth.ntlm_crypto import nt_owf_v1

    log = tmp_path / "audit.jsonl"
    with NetnsServer("win2016-dc", "--audit-log", str(log)) as server:
        def run(*argv: str) -> str:
            result = server.run(list(argv))
            return result.stdout + result.stderr

        assert "NT_STATUS_PASSWORD_EXPIRED" in run("smbclient", "-U", "CORP/ghernandez%Welcome2008", "-L", HOST)
        out = run(sys.executable, CHANGEPASSWD, f"CORP/ghernandez:Welcome2008@{HOST}", "-newpass", "Autumn#2026x")
        assert "trying to bind with a null session" in out and "Password was changed successfully" in out, out
        assert "IPC$" in run("smbclient", "-U", "CORP/ghernandez%Autumn#2026x", "-L", HOST)
        out = run(sys.executable, CHANGEPASSWD, f"CORP/alice:Wonderland1@{HOST}",
                  "-newhashes", ":" + nt_owf_v1("Sunsh1ne!Day").hex())
        assert "Password was changed successfully" in out, out
        assert "IPC$" in run("smbclient", "-U", "CORP/alice%Sunsh1ne!Day", "-L", HOST)
        # a second change within the minimum password age (1 day): refused
        out = run(sys.executable, CHANGEPASSWD, f"CORP/alice:Sunsh1ne!Day@{HOST}", "-newpass", "Another#Pass9")
        assert "Some password update rule has been violated" in out, out  # STATUS_PASSWORD_RESTRICTION
    changes = [e for e in sam_events(log) if e["EventID"] == 4723]
    assert [(e["TargetUserName"], e["SubjectUserName"], e["Keywords"]) for e in changes] == [
        ("ghernandez", "ANONYMOUS LOGON", "Audit Success"), ("alice", "alice", "Audit Success"),
        ("alice", "alice", "Audit Failure")]
    calls = [e["OperationName"] for e in read_events(log) if e["EventID"] == 100001]
    assert "SamrChangePasswordUser" in calls and "SamrUnicodeChangePasswordUser2" in calls
