"""DCSync with the tool a lab uses: impacket's ``secretsdump.py -just-dc`` against a DC profile,
in a network namespace (it asks the endpoint mapper on TCP 135 for drsuapi's port and reads the
user list over SMB on 445).  Every hash it prints must be the fixture's; a normal user is
refused with ERROR_DS_DRA_ACCESS_DENIED; the Security log holds the 4662 a defender alerts on;
a member server has no drsuapi to sync from."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from netns import ADDRESS, NetnsServer
from smbemu.builder import build_config

pytestmark = pytest.mark.interop

SECRETSDUMP = Path(sys.executable).parent / "secretsdump.py"  # installed with impacket
ADMIN = "CORP/Administrator:Adm!n2003"  # fixtures/corp.yaml
USER = "CORP/alice:Wonderland1"
#: secretsdump's NTDS line: [domain\]name:rid:lmhash:nthash:::
LINE = re.compile(r"^(?:[^\\:\s]+\\)?([^:\s]+):(\d+):([0-9a-f]{32}):([0-9a-f]{32}):::$", re.M)
EMPTY_LM = "aad3b435b51404eeaad3b435b51404ee"
#: What secretsdump prints for an account without an NT hash (unicodePwd sent without a value:
#: Guest, DefaultAccount): the NT hash of the empty password.
EMPTY_NT = "31d6cfe0d16ae931b73c59d7e0c089c0"


def _fixture_hashes(profile: str) -> dict[str, tuple[int, str]]:
    directory = build_config(profile).directory
    return {u.name: (u.rid, u.nt_hash.hex() if u.nt_hash else EMPTY_NT) for u in directory.users}


def test_secretsdump_just_dc_prints_the_fixtures_hashes(tmp_path: Path) -> None:
    audit = tmp_path / "security.jsonl"
    with NetnsServer("win2016-dc", "--audit-log", str(audit), rpc_tcp=True, netbios=False) as server:
        # in a scratch directory: secretsdump leaves its sessionresume_* file behind when refused
        dump = ["env", "-C", str(tmp_path), str(SECRETSDUMP)]
        everyone = server.run([*dump, "-just-dc", f"{ADMIN}@{ADDRESS}"], timeout=120)
        one = server.run([*dump, "-just-dc-user", "alice", f"{ADMIN}@{ADDRESS}"], timeout=120)
        refused = server.run([*dump, "-just-dc", f"{USER}@{ADDRESS}"], timeout=120)
    expected = _fixture_hashes("win2016-dc")
    printed = {name: (int(rid), lm, nt) for name, rid, lm, nt in LINE.findall(everyone.stdout)}
    assert set(printed) == set(expected), everyone.stdout + everyone.stderr
    for name, (rid, lm, nt) in printed.items():
        # NoLMHash (on from 2008): the empty LM hash, as secretsdump prints a DC's
        assert (rid, nt, lm) == (*expected[name], EMPTY_LM), name
    assert "Error" not in everyone.stdout + everyone.stderr
    assert LINE.findall(one.stdout) == [("alice", "1104", EMPTY_LM, expected["alice"][1])], one.stdout
    assert "ERROR_DS_DRA_ACCESS_DENIED" in refused.stdout + refused.stderr
    assert not LINE.findall(refused.stdout)
    events = [json.loads(line) for line in audit.read_text().splitlines()]
    syncs = [e for e in events if e["EventID"] == 4662]
    # one Get-Changes and one Get-Changes-All check per replicated account, by the Administrator only
    assert len(syncs) >= 2 * len(expected)
    assert {e["SubjectUserName"] for e in syncs} == {"Administrator"}
    assert {e["Properties"].split()[1] for e in syncs} == {"{1131f6aa-9c07-11d1-f79f-00c04fc2dcd2}",
                                                          "{1131f6ad-9c07-11d1-f79f-00c04fc2dcd2}"}


#: What secretsdump asks the endpoint mapper on TCP 135 first (RemoteOperations.__connectDrds).
HEPT_MAP = ("from impacket.dcerpc.v5 import epm, drsuapi\n"
            "try:\n"
            f"    print(epm.hept_map('{ADDRESS}', drsuapi.MSRPC_UUID_DRSUAPI, protocol='ncacn_ip_tcp'))\n"
            "except Exception as exc:\n"
            "    print(exc)\n")


def test_the_mapper_gives_drsuapis_port_on_a_dc_only(tmp_path: Path) -> None:
    with NetnsServer("win2016-dc", rpc_tcp=True, netbios=False) as server:
        dc = server.run([sys.executable, "-c", HEPT_MAP])
        lsass = server.lsa_port
    assert dc.stdout.strip() == f"ncacn_ip_tcp:{ADDRESS}[{lsass}]", dc.stdout + dc.stderr
    with NetnsServer("win2016", rpc_tcp=True, netbios=False) as server:
        member = server.run([sys.executable, "-c", HEPT_MAP])
        dump = server.run(["env", "-C", str(tmp_path), str(SECRETSDUMP), "-just-dc", f"{ADMIN}@{ADDRESS}"],
                          timeout=120)
    # a member runs no directory service: nothing registered (as Windows' mapper answers)
    assert "ept_s_not_registered" in member.stdout, member.stdout + member.stderr
    # and secretsdump stops before it: the member's SAM has no domain CORP (SamrLookupDomainInSamServer)
    assert not LINE.findall(dump.stdout)
