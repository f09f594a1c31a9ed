"""samr against real clients over a real SMB connection: Samba's rpcclient and impacket's
DCE/RPC client (issue 4, "What it must show": samr lines).

Profiles: win2000 (member server: the account domain is LEGACYSRV, the machine's local SAM) and
win2000-dc (domain controller: the account domain is CORP with krbtgt, Domain Controllers...),
both with samr a null-session pipe as on Windows 2000.  Credentials are the corp fixture's:
alice / Wonderland1.  A 1,200-user fixture (``make_large_fixture``) checks paging.  A missing
client fails the test (run_tool).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from impacket.dcerpc.v5 import samr, transport  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import (  # type: ignore[import-untyped]
    RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
    DCERPCException,
)

from helpers import HOST, ServerThread, corp_rid, run_tool
from smbemu.directory import make_large_fixture

pytestmark = pytest.mark.interop

ALICE = ("alice", "Wonderland1")
DIALECTS = "smb.dialects=2.0.2,2.1,3.0,3.0.2,3.1.1"
STATUS_MORE_ENTRIES = 0x105
RPCCLIENT_COMMANDS = ("enumdomusers;queryuser 0x1f4;querydominfo;getdompwinfo;enumdomgroups;"
                      "enumalsgroups builtin;enumalsgroups domain;queryusergroups 0x1f4;"
                      "querygroupmem 0x200;enumdomains;samlookupnames domain Administrator;"
                      "samlookuprids domain 0x1f4")


@pytest.fixture(scope="module")
def member() -> Iterator[ServerThread]:
    with ServerThread("win2000", overrides=[DIALECTS]) as server:
        yield server


@pytest.fixture(scope="module")
def dc() -> Iterator[ServerThread]:
    with ServerThread("win2000-dc", overrides=[DIALECTS]) as server:
        yield server


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    path = Path(tmp_path_factory.mktemp("samr")) / "large.yaml"
    path.write_text(yaml.safe_dump(make_large_fixture(1200)), encoding="utf-8")
    with ServerThread("win2000", fixture=str(path), overrides=[DIALECTS]) as server:
        yield server


def rpcclient(server: ServerThread, commands: str, *auth: str) -> str:
    args = ["rpcclient", "-p", str(server.port), *(auth or ("-U", "", "-N")), HOST,
            "-c", commands]
    result = run_tool(args, timeout=60)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def check_common(out: str, role: str) -> None:
    """What both roles print from the corp fixture (the RIDs as ``role`` numbers them: a
    member's local SAM from 1000, a DC's domain RIDs)."""
    assert "user:[Administrator] rid:[0x1f4]" in out
    assert f"user:[alice] rid:[{corp_rid('alice', role):#x}]" in out
    assert f"user:[jhall] rid:[{corp_rid('jhall', role):#x}]" in out
    # queryuser 0x1f4 (level 21)
    assert re.search(r"User Name\s*:\s*Administrator", out)
    assert re.search(r"Description :\s*Built-in account for administering the computer/domain",
                     out)
    assert re.search(r"user_rid :\s*0x1f4", out) and re.search(r"acb_info :\s*0x00000210", out)
    assert re.search(r"logon_count:\s*0x00000752", out)  # 1874 logons in the fixture
    assert re.search(r"Password last set Time\s*:\s*Mon, 05 Nov 2007 08:15:00 UTC", out)
    # getdompwinfo
    assert "min_password_length: 7" in out and "DOMAIN_PASSWORD_COMPLEX" in out
    # enumalsgroups builtin
    assert "group:[Administrators] rid:[0x220]" in out and "group:[Users] rid:[0x221]" in out
    # enumdomains (a domain has no RID: Windows numbers both entries 0), samlookupnames, samlookuprids
    assert "name:[Builtin] idx:[0x0]" in out
    assert "name Administrator: 0x1f4 (1)" in out and "rid 0x1f4: Administrator (1)" in out


def test_rpcclient_anonymous_member(member: ServerThread) -> None:
    out = rpcclient(member, RPCCLIENT_COMMANDS)
    check_common(out, "member")
    # enum4linux's default RID range 1000-1050 holds the local accounts, as on a real member
    assert "user:[alice] rid:[0x3e8]" in out
    assert "user:[krbtgt]" not in out  # a member server's local SAM
    assert re.search(r"Domain:\s*LEGACYSRV", out) and re.search(r"Total Users:\s*32", out)
    assert re.search(r"Server Role:\s*ROLE_DOMAIN_PDC", out)
    assert "group:[None] rid:[0x201]" in out  # enumdomgroups: the local SAM's only group
    # enumalsgroups domain: local aliases, numbered after the local users
    assert f"group:[FS_Finance_RW] rid:[{corp_rid('FS_Finance_RW'):#x}]" in out
    assert re.search(r"group rid:\[0x201\] attr:\[0x7\]", out)  # queryusergroups
    # querygroupmem 0x200: Domain Admins is not in a member server's SAM (as on Windows)
    assert "NT_STATUS_NO_SUCH_GROUP" in out
    assert "name:[LEGACYSRV] idx:[0x0]" in out


def test_rpcclient_anonymous_dc(dc: ServerThread) -> None:
    out = rpcclient(dc, RPCCLIENT_COMMANDS + ";querydispinfo;querydominfo 12")
    check_common(out, "dc")
    assert "user:[krbtgt] rid:[0x1f6]" in out
    assert re.search(r"Domain:\s*CORP", out) and re.search(r"Total Users:\s*34", out)
    assert "group:[Domain Admins] rid:[0x200]" in out
    assert "group:[Domain Controllers] rid:[0x204]" in out
    assert "group:[Cert Publishers] rid:[0x205]" in out  # enumalsgroups domain on a DC
    assert "group:[Pre-Windows 2000 Compatible Access] rid:[0x22a]" in out
    groups = re.findall(r"group rid:\[(0x[0-9a-f]+)\] attr:\[0x7\]", out)
    assert {"0x200", "0x201", "0x206", "0x207", "0x208"} <= set(groups)
    assert re.findall(r"^\s*rid:\[(0x[0-9a-f]+)\] attr:\[0x7\]", out, re.M) == [
        "0x1f4", f"{corp_rid('mjones', 'dc'):#x}"]
    assert "name:[CORP] idx:[0x0]" in out
    # querydispinfo: the password left in a description, the classic finding
    assert re.search(r"Account: nyoung\tName: Nancy Young\tDesc: Accounting temp \(Robert Half\)"
                     r"\. Temp password: Welcome2003!", out)
    # querydominfo 12: the lockout policy
    # (rpcclient 4.17 prints the duration deltas through a display_time that mangles them)
    assert re.search(r"Lockout after bad attempts:\s*5", out)


def test_rpcclient_authenticated_with_signing(dc: ServerThread, member: ServerThread) -> None:
    auth = ("-U", f"CORP/{ALICE[0]}%{ALICE[1]}", "--option=client signing=required")
    out = rpcclient(dc, RPCCLIENT_COMMANDS, *auth)
    check_common(out, "dc")
    assert "user:[krbtgt] rid:[0x1f6]" in out
    alice = f"{corp_rid('alice'):#x}"
    out = rpcclient(member, f"enumdomusers;queryuser {alice};getdompwinfo",
                    "-U", f"LEGACYSRV/{ALICE[0]}%{ALICE[1]}", "--option=client signing=required")
    assert f"user:[alice] rid:[{alice}]" in out
    assert re.search(r"Full Name\s*:\s*Alice Liddell", out)
    assert re.search(r"Home Drive\s*:\s*\\\\LEGACYSRV\\Users\$\\alice", out)
    assert re.search(r"Dir Drive\s*:\s*H:", out)
    assert re.search(r"Logon Script\s*:\s*logon.bat", out)
    assert re.search(r"Profile Path\s*:\s*\\\\LEGACYSRV\\Profiles\$\\alice", out)


# ------------------------------------------------------------------ impacket


def impacket_dce(server: ServerThread, user: str = "", password: str = "", domain: str = "",
                 integrity: bool = False) -> Any:
    rpc = transport.DCERPCTransportFactory(rf"ncacn_np:{HOST}[\pipe\samr]")
    rpc.set_dport(server.port)
    rpc.set_credentials(user, password, domain)
    dce = rpc.get_dce_rpc()
    if integrity:
        dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
    dce.connect()
    dce.bind(samr.MSRPC_UUID_SAMR)
    return dce


def samrdump(dce: Any, max_length: int = 0xFFFFFFFF) -> tuple[str, dict[str, Any], int]:
    """samrdump.py's chain: connect, the first domain, every user (paged), UserAll for each.
    Returns (domain name, {user name: UserAll info}, number of enumeration calls)."""
    server = samr.hSamrConnect(dce)["ServerHandle"]
    domains = samr.hSamrEnumerateDomainsInSamServer(dce, server)["Buffer"]["Buffer"]
    name = domains[0]["Name"]
    sid = samr.hSamrLookupDomainInSamServer(dce, server, name)["DomainId"]
    domain = samr.hSamrOpenDomain(dce, server, domainId=sid)["DomainHandle"]
    users: dict[str, Any] = {}
    status, context, calls = STATUS_MORE_ENTRIES, 0, 0
    while status == STATUS_MORE_ENTRIES:
        try:
            resp = samr.hSamrEnumerateUsersInDomain(dce, domain, enumerationContext=context,
                                                    preferedMaximumLength=max_length)
        except DCERPCException as e:
            assert "STATUS_MORE_ENTRIES" in str(e)
            resp = e.get_packet()
        calls += 1
        for user in resp["Buffer"]["Buffer"]:
            users[user["Name"]] = user["RelativeId"]
        context, status = resp["EnumerationContext"], resp["ErrorCode"]
    infos = {}
    if len(users) < 100:
        for user_name, rid in users.items():
            handle = samr.hSamrOpenUser(dce, domain, samr.MAXIMUM_ALLOWED, rid)["UserHandle"]
            infos[user_name] = samr.hSamrQueryInformationUser2(
                dce, handle, samr.USER_INFORMATION_CLASS.UserAllInformation)["Buffer"]["All"]
            samr.hSamrCloseHandle(dce, handle)
    else:
        infos = dict.fromkeys(users)
    return name, infos, calls


def polenum(dce: Any) -> dict[str, Any]:
    server = samr.hSamrConnect(dce)["ServerHandle"]
    name = samr.hSamrEnumerateDomainsInSamServer(dce, server)["Buffer"]["Buffer"][0]["Name"]
    sid = samr.hSamrLookupDomainInSamServer(dce, server, name)["DomainId"]
    domain = samr.hSamrOpenDomain(dce, server, domainId=sid)["DomainHandle"]
    c = samr.DOMAIN_INFORMATION_CLASS
    return {
        "password": samr.hSamrQueryInformationDomain2(
            dce, domain, c.DomainPasswordInformation)["Buffer"]["Password"],
        "lockout": samr.hSamrQueryInformationDomain2(
            dce, domain, c.DomainLockoutInformation)["Buffer"]["Lockout"],
        "logoff": samr.hSamrQueryInformationDomain2(
            dce, domain, c.DomainLogoffInformation)["Buffer"]["Logoff"],
    }


def check_polenum(policy: dict[str, Any]) -> None:
    """corp.yaml: min length 7, history 24, max age 42 days, min age 1 day, complexity;
    lockout 5 attempts, 30 minutes, window 30 minutes; no forced logoff."""
    day, minute = 864_000_000_000, 600_000_000
    pw = policy["password"]
    assert (pw["MinPasswordLength"], pw["PasswordHistoryLength"], pw["PasswordProperties"]) == (7, 24, 1)
    max_age = (pw["MaxPasswordAge"]["HighPart"] << 32) | pw["MaxPasswordAge"]["LowPart"]
    min_age = (pw["MinPasswordAge"]["HighPart"] << 32) | pw["MinPasswordAge"]["LowPart"]
    assert (max_age, min_age) == (-42 * day, -day)
    lockout = policy["lockout"]
    assert lockout["LockoutThreshold"] == 5
    assert lockout["LockoutDuration"] == lockout["LockoutObservationWindow"] == -30 * minute
    logoff = policy["logoff"]["ForceLogoff"]
    assert (logoff["LowPart"], logoff["HighPart"]) == (0, -0x80000000)  # never


def check_alice(info: Any, role: str, home: str = "\\\\LEGACYSRV\\Users$\\alice") -> None:
    assert info["UserName"] == "alice" and info["FullName"] == "Alice Liddell"
    assert info["AdminComment"] == "Finance - Accounts Payable"
    assert info["HomeDirectory"] == home and info["HomeDirectoryDrive"] == "H:"
    # 912 in the fixture; alice's own logons in earlier tests count too (live counters)
    assert info["ScriptPath"] == "logon.bat" and info["LogonCount"] >= 912
    assert info["UserId"] == corp_rid("alice", role) and info["UserAccountControl"] == 0x10


def test_impacket_samrdump_and_polenum_anonymous(member: ServerThread, dc: ServerThread) -> None:
    dce = impacket_dce(member)
    name, users, _ = samrdump(dce)
    assert name == "LEGACYSRV" and len(users) == 32 and "krbtgt" not in users
    check_alice(users["alice"], "member")
    jhall = users["jhall"]
    assert jhall["UserAccountControl"] & 0x400 and jhall["BadPasswordCount"] == 5
    assert users["Guest"]["UserAccountControl"] & 0x1
    assert "Welcome2003!" in users["nyoung"]["AdminComment"]
    assert users["nyoung"]["UserAccountControl"] & 0x200
    check_polenum(polenum(dce))
    dce.disconnect()
    dce = impacket_dce(dc)
    name, users, _ = samrdump(dce)
    # USER_NORMAL_ACCOUNT (impacket's default filter): the DC's machine account is left out
    assert name == "CORP" and "krbtgt" in users and len(users) == 33
    assert not any(user.endswith("$") for user in users)
    check_alice(users["alice"], "dc")
    check_polenum(polenum(dce))
    dce.disconnect()


def test_impacket_authenticated_with_signing(dc: ServerThread) -> None:
    """win2000-dc requires SMB signing (impacket signs); DCE/RPC packet integrity on top."""
    dce = impacket_dce(dc, *ALICE, domain="CORP", integrity=True)
    name, users, _ = samrdump(dce, max_length=512)
    assert name == "CORP" and len(users) == 33
    check_alice(users["alice"], "dc")
    check_polenum(polenum(dce))
    dce.disconnect()


def test_large_fixture_fully_enumerated(large: ServerThread) -> None:
    out = rpcclient(large, "enumdomusers;querydispinfo")
    names = re.findall(r"^user:\[(user\d+|Administrator|Guest)\] rid:\[0x[0-9a-f]+\]", out, re.M)
    assert len(names) == 1202 and len(set(names)) == 1202
    # querydispinfo asks 110, 440, 1760 entries at a time: paged by STATUS_MORE_ENTRIES
    assert len(re.findall(r"^index: 0x[0-9a-f]+ RID:", out, re.M)) == 1202
    dce = impacket_dce(large)
    _, users, calls = samrdump(dce, max_length=4096)
    assert len(users) == 1202 and calls > 5
    dce.disconnect()


def test_rpcclient_standalone_workgroup_server() -> None:
    """`--set role=standalone`: a workgroup server -- its own SAM numbered from 1000, the
    workgroup as primary domain (no SID), no CORP names to resolve."""
    with ServerThread("win2000", overrides=[DIALECTS, "role=standalone"]) as server:
        out = rpcclient(server, "lsaquery;enumdomusers;enumdomains;lookupnames alice")
        corp = run_tool(["rpcclient", "-p", str(server.port), "-U", "", "-N", HOST, "-c",
                         "lookupnames 'CORP\\Domain Admins'"])
    assert "Domain Name: WORKGROUP" in out and "Domain Sid: (NULL SID)" in out
    assert "user:[alice] rid:[0x3e8]" in out and "user:[Administrator] rid:[0x1f4]" in out
    assert "name:[LEGACYSRV] idx:[0x0]" in out and "name:[Builtin] idx:[0x0]" in out
    assert "alice S-1-5-21-2446098351-2891839154-3815493722-1000 (User: 1)" in out
    assert "NT_STATUS_NONE_MAPPED" in corp.stdout + corp.stderr, corp.stdout + corp.stderr
