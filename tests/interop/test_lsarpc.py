"""lsarpc and dssetup against real clients over a real SMB connection (issue 4, "What it must
show"): Samba's rpcclient (lsaquery, lookupnames, lookupsids, lsaenumsid, getusername,
dsroledominfo) and impacket's lookupsid.py-style RID cycling, anonymously and as a fixture user
with signing.

Profiles: win2000 (a member server: the users are LEGACYSRV's local SAM under the machine SID,
the LSA primary domain is CORP) and win2000-dc (a DC: the users are CORP's accounts).
Credentials are the corp fixture's: alice / Wonderland1.  A missing client fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from impacket.dcerpc.v5 import lsad, lsat, transport  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import MAXIMUM_ALLOWED  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]
from impacket.smbconnection import SMBConnection  # type: ignore[import-untyped]

from helpers import HOST, ServerThread, corp_rid, run_tool

pytestmark = pytest.mark.interop

ALICE = ("alice", "Wonderland1")
MACHINE = "S-1-5-21-2446098351-2891839154-3815493722"
DOMAIN = "S-1-5-21-1004336348-1177238915-682003330"
ALICE_RID = corp_rid("alice")  # the member's local RID (1000: its SAM numbers from there)
COMMANDS = "lsaquery;lookupnames Administrator;lookupsids {sid}-500;lsaenumsid;getusername;" \
           "dsroledominfo"
USE = {1: "SidTypeUser", 2: "SidTypeGroup", 4: "SidTypeAlias"}


@pytest.fixture(scope="module")
def member() -> Iterator[ServerThread]:
    with ServerThread("win2000", overrides=["smb.signing_required=true"]) as server:
        yield server


@pytest.fixture(scope="module")
def dc() -> Iterator[ServerThread]:
    with ServerThread("win2000-dc") as server:
        yield server


def rpcclient(port: int, commands: str, *extra: str,
              creds: tuple[str, str] | None = None) -> Any:
    user = ["-U", "%".join(creds)] if creds else ["-U", "", "-N"]
    result = run_tool(["rpcclient", "-p", str(port), *user, *extra, HOST, "-c", commands])
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def lines(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.strip()]


# ------------------------------------------------------------------ rpcclient


def test_rpcclient_anonymous_member_server(member: ServerThread) -> None:
    out = rpcclient(member.port, COMMANDS.format(sid=MACHINE))
    got = lines(out)
    assert got[:3] == ["Domain Name: CORP", f"Domain Sid: {DOMAIN}",
                       f"Administrator {MACHINE}-500 (User: 1)"]
    assert f"{MACHINE}-500 LEGACYSRV\\Administrator (1)" in got
    start = got.index("found 5 SIDs")
    assert got[start + 1:start + 6] == ["S-1-1-0", "S-1-5-32-544", "S-1-5-32-545",
                                        "S-1-5-32-547", "S-1-5-32-551"]
    assert "Account Name: ANONYMOUS LOGON, Authority Name: NT AUTHORITY" in got
    assert "Machine Role = [3]" in got and "Directory Service not running on server" in got
    assert "CORP\\Administrator" not in out


def test_rpcclient_anonymous_domain_controller(dc: ServerThread) -> None:
    out = rpcclient(dc.port, COMMANDS.format(sid=DOMAIN) + ";lsaquery 12;lsaquery 5")
    got = lines(out)
    assert got[:3] == ["Domain Name: CORP", f"Domain Sid: {DOMAIN}",
                       f"Administrator {DOMAIN}-500 (User: 1)"]
    assert f"{DOMAIN}-500 CORP\\Administrator (1)" in got
    start = got.index("found 9 SIDs")
    assert got[start + 1:start + 10] == [
        "S-1-1-0", "S-1-5-9", "S-1-5-11", "S-1-5-32-544", "S-1-5-32-548", "S-1-5-32-549",
        "S-1-5-32-550", "S-1-5-32-551", "S-1-5-32-554"]
    assert "Account Name: ANONYMOUS LOGON, Authority Name: NT AUTHORITY" in got
    assert "Machine Role = [5]" in got and "Directory Service is running." in got
    assert "Domain is in mixed mode." in got
    for expected in ("Domain NetBios Name: CORP", "Domain DNS Name: corp.local",
                     "Domain Forest Name: corp.local",
                     "Domain GUID: 4a6e7c1b-93d2-4f0a-8d5e-2b1c9e6f7a31", "Domain Name: CORP"):
        assert expected in got, expected
    assert "LEGACYSRV\\Administrator" not in out


def test_rpcclient_mapped_counts(member: ServerThread) -> None:
    out = rpcclient(member.port, f"lookupsids {MACHINE}-500 {MACHINE}-999 S-1-5-7 S-1-5-32-544;"
                                 "lookupnames alice Everyone nosuch")
    got = lines(out)
    assert f"{MACHINE}-500 LEGACYSRV\\Administrator (1)" in got
    assert f"{MACHINE}-999 LEGACYSRV\\000003E7 (8)" in got
    assert "S-1-5-7 NT AUTHORITY\\ANONYMOUS LOGON (5)" in got
    assert "S-1-5-32-544 BUILTIN\\Administrators (4)" in got
    assert f"alice {MACHINE}-{ALICE_RID} (User: 1)" in got
    assert "Everyone S-1-1-0 (Well-known Group: 5)" in got
    assert re.search(r"^nosuch \S+ \(UNKNOWN: 8\)$", out, re.M)
    none = run_tool(["rpcclient", "-p", str(member.port), "-U", "", "-N", HOST, "-c",
                     f"lookupsids {MACHINE}-999"])
    # STATUS_NONE_MAPPED: rpcclient shows every entry as unknown
    assert none.stdout.strip() == f"{MACHINE}-999 *unknown*\\*unknown* (8)"


def test_rpcclient_user_with_signing(member: ServerThread) -> None:
    out = rpcclient(member.port, f"getusername;lsaquery;lookupsids {MACHINE}-{ALICE_RID};dsroledominfo",
                    "--option=client signing=required", creds=ALICE)
    got = lines(out)
    assert "Account Name: alice, Authority Name: LEGACYSRV" in got
    assert "Domain Name: CORP" in got and f"{MACHINE}-{ALICE_RID} LEGACYSRV\\alice (1)" in got
    assert "Machine Role = [3]" in got


# ------------------------------------------------------------------ impacket lookupsid.py


def lsa_dce(port: int, creds: tuple[str, str] = ("", "")) -> tuple[Any, Any]:
    conn = SMBConnection(HOST, HOST, sess_port=port)
    conn.login(*creds)
    rpc = transport.SMBTransport(HOST, port, r"\lsarpc", smb_connection=conn)
    dce = rpc.get_dce_rpc()
    dce.connect()
    dce.bind(lsat.MSRPC_UUID_LSAT)
    return conn, dce


def rid_cycle(dce: Any, max_rid: int = 1200, batch: int = 200) -> tuple[str, dict[int, str]]:
    """impacket lookupsid.py's loop: open with LOOKUP_NAMES, the account domain SID from
    PolicyAccountDomainInformation, LsarLookupSids over RIDs in batches."""
    h = lsad.hLsarOpenPolicy2(dce, MAXIMUM_ALLOWED | lsat.POLICY_LOOKUP_NAMES)["PolicyHandle"]
    resp = lsad.hLsarQueryInformationPolicy2(
        dce, h, lsad.POLICY_INFORMATION_CLASS.PolicyAccountDomainInformation)
    domain_sid = resp["PolicyInformation"]["PolicyAccountDomainInfo"]["DomainSid"] \
        .formatCanonical()
    found: dict[int, str] = {}
    for start in range(500, max_rid + 1, batch):
        sids = [f"{domain_sid}-{rid}" for rid in range(start, min(start + batch, max_rid + 1))]
        try:
            resp = lsat.hLsarLookupSids(dce, h, sids, lsat.LSAP_LOOKUP_LEVEL.LsapLookupWksta)
        except DCERPCException as e:
            if str(e).find("STATUS_NONE_MAPPED") >= 0:
                continue
            if str(e).find("STATUS_SOME_NOT_MAPPED") >= 0:
                resp = e.get_packet()
            else:
                raise
        for n, item in enumerate(resp["TranslatedNames"]["Names"]):
            if item["Use"] != lsat.SID_NAME_USE.SidTypeUnknown:
                domain = resp["ReferencedDomains"]["Domains"][item["DomainIndex"]]["Name"]
                found[start + n] = "%s\\%s (%s)" % (
                    domain, item["Name"], lsat.SID_NAME_USE.enumItems(item["Use"]).name)
    lsad.hLsarClose(dce, h)
    return domain_sid, found


def fixture_accounts(server: ServerThread, domain: str) -> dict[int, str]:
    account = server.config.directory.account_domain
    out = {}
    for kind, items in ((1, account.users), (2, account.groups), (4, account.aliases)):
        for a in items:
            if 500 <= a.rid <= 1200:
                out[a.rid] = f"{domain}\\{a.name} ({USE[kind]})"
    return out


@pytest.mark.parametrize("which,domain,sid", [("member", "LEGACYSRV", MACHINE),
                                              ("dc", "CORP", DOMAIN)])
def test_impacket_lookupsid_anonymous(request: pytest.FixtureRequest, which: str, domain: str,
                                      sid: str) -> None:
    server: ServerThread = request.getfixturevalue(which)
    conn, dce = lsa_dce(server.port)
    try:
        domain_sid, found = rid_cycle(dce)
    finally:
        dce.disconnect()
        conn.close()
    assert domain_sid == sid
    assert found == fixture_accounts(server, domain)
    assert found[500] == f"{domain}\\Administrator (SidTypeUser)"
    role = "dc" if which == "dc" else "member"
    assert found[corp_rid("alice", role)] == f"{domain}\\alice (SidTypeUser)"
    if which == "dc":
        assert found[502] == "CORP\\krbtgt (SidTypeUser)"
        assert found[512] == "CORP\\Domain Admins (SidTypeGroup)"
    else:
        assert found[513] == "LEGACYSRV\\None (SidTypeGroup)"
        assert found[corp_rid("FS_Finance_RW")] == "LEGACYSRV\\FS_Finance_RW (SidTypeAlias)"
        # lookupsid.py's RID cycle finds every local account between 1000 and 1050, where
        # enum4linux looks (its default ranges 500-550 and 1000-1050), as on a real member
        assert sum(1000 <= rid <= 1050 for rid in found) == 30 + 3


def test_impacket_lookupsid_as_alice_with_signing(member: ServerThread) -> None:
    conn, dce = lsa_dce(member.port, ALICE)
    try:
        assert conn.isSigningRequired()
        user = lsat.hLsarGetUserName(dce)
        assert user["UserName"] == "alice"
        domain_sid, found = rid_cycle(dce, batch=701)
    finally:
        dce.disconnect()
        conn.close()
    assert domain_sid == MACHINE
    assert found == fixture_accounts(member, "LEGACYSRV")


def test_rpcclient_lsaquerysecobj(dc: ServerThread) -> None:
    """Issue 15 item 7: LsarQuerySecurityObject answers a descriptor, never PROCNUM_OUT_OF_RANGE
    (the fixture's Administrator; rpcclient prints the SD it decoded)."""
    out = rpcclient(dc.port, "lsaquerysecobj", creds=("CORP\\Administrator", "Adm!n2003"))
    assert "PROCNUM_OUT_OF_RANGE" not in out and "NT_STATUS" not in out, out
    assert "S-1-5-32-544" in out, out  # the owner / the Administrators ACE
