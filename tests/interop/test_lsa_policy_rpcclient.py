"""Issues 15 and 16 with Samba's rpcclient against `win2016-dc`: the LSA commands a lab types,
as the fixture's Administrator (they change the LSA database, and every later command sees the
change) and as a normal user (alice: Windows' STATUS_ACCESS_DENIED), with the audit event an
audit policy change writes (4719)."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import HOST, ServerThread, run_tool

ADMIN = ("CORP/Administrator", "Adm!n2003")
ALICE = ("CORP/alice", "Wonderland1")
ALICE_SID = "S-1-5-21-1004336348-1177238915-682003330-1104"


def _rpcclient(port: int, creds: tuple[str, str], commands: str) -> tuple[int, str]:
    result = run_tool(["rpcclient", "-p", str(port), "-U", "%".join(creds), HOST, "-c", commands])
    return result.returncode, result.stdout + result.stderr


def test_the_administrator_changes_the_lsa_database() -> None:
    with ServerThread("win2016-dc") as server:
        code, out = _rpcclient(server.port, ADMIN, f"lsacreateaccount {ALICE_SID}")
        assert code == 0 and f"Account for SID {ALICE_SID} successfully created" in out, out
        code, out = _rpcclient(server.port, ADMIN, f"lsaaddacctrights {ALICE_SID} SeBackupPrivilege")
        assert code == 0, out
        code, out = _rpcclient(server.port, ADMIN, f"lsaenumprivsaccount {ALICE_SID}")
        assert f"found 1 privileges for SID {ALICE_SID}" in out and "0\t17\t0" in out, out  # SeBackupPrivilege
        code, out = _rpcclient(server.port, ADMIN, "getdispname SeBackupPrivilege")
        assert "SeBackupPrivilege -> Back up files and directories" in out, out
        # a secret: created, set twice, queried (rpcclient asks for both values with NULL inner
        # pointers: MS-LSAD 3.1.4.6.4 returns them)
        code, out = _rpcclient(server.port, ADMIN, "createsecret LabSecret")
        assert code == 0, out
        _rpcclient(server.port, ADMIN, "setsecret LabSecret first")
        _rpcclient(server.port, ADMIN, "setsecret LabSecret second")
        code, out = _rpcclient(server.port, ADMIN, "querysecret LabSecret")
        assert "new secret: second" in out and "old secret: first" in out, out
        code, out = _rpcclient(server.port, ADMIN, "deletesecret LabSecret")
        assert code == 0, out
        code, out = _rpcclient(server.port, ADMIN, "querysecret LabSecret")
        assert "NT_STATUS_OBJECT_NAME_NOT_FOUND" in out, out
        # a DC with no trusts
        code, out = _rpcclient(server.port, ADMIN, "lsaquerytrustdominfobysid S-1-5-21-1-2-3 1")
        assert "NT_STATUS_NO_SUCH_DOMAIN" in out, out
        code, out = _rpcclient(server.port, ADMIN, "lsaquerytrustdominfobyname CORE 1")
        assert "NT_STATUS_OBJECT_NAME_NOT_FOUND" in out, out


def test_the_audit_policy_change_is_seen_and_audited(tmp_path: Path) -> None:
    """impacket's LsarSetInformationPolicy2 sets it; rpcclient `lsaquery 2` on another
    connection prints it; the audit log has Windows' 4719."""
    from impacket.dcerpc.v5 import dtypes, lsad, transport  # type: ignore[import-untyped]

    log = tmp_path / "audit.jsonl"
    with ServerThread("win2016-dc", audit_log=str(log)) as server:
        rpc = transport.SMBTransport(HOST, server.port, r"\lsarpc", username="Administrator",
                                     password="Adm!n2003", domain="CORP")
        dce = rpc.get_dce_rpc()
        dce.connect()
        dce.bind(lsad.MSRPC_UUID_LSAD)
        policy = lsad.hLsarOpenPolicy2(dce, lsad.MAXIMUM_ALLOWED)["PolicyHandle"]
        klass = lsad.POLICY_INFORMATION_CLASS.PolicyAuditEventsInformation
        info = lsad.hLsarQueryInformationPolicy2(dce, policy, klass)["PolicyInformation"]
        options = []
        for value in (0, 3, 0, 0, 0, 1, 0, 0, 0):  # logon/logoff: success+failure; policy change: success
            word = dtypes.DWORD()
            word["Data"] = value
            options.append(word)
        info["PolicyAuditEventsInfo"]["AuditingMode"] = 1
        info["PolicyAuditEventsInfo"]["EventAuditingOptions"] = options
        lsad.hLsarSetInformationPolicy2(dce, policy, klass, info)
        code, out = _rpcclient(server.port, ADMIN, "lsaquery 2")
        assert "Auditing enabled:\t1" in out and "Logon events:\tSuccess, Failure" in out, out
        assert "Policy Change:\tSuccess" in out and "System Events:\tNone" in out, out
        code, out = _rpcclient(server.port, ALICE, "lsaquery 2")  # POLICY_VIEW_AUDIT_INFORMATION
        assert "NT_STATUS_ACCESS_DENIED" in out, out
        server.config.audit.close()
    events = [json.loads(line) for line in log.read_text().splitlines()]
    changed = [(e["CategoryId"], e["AuditPolicyChanges"], e["SubjectUserName"]) for e in events
               if e["EventID"] == 4719]
    assert changed == [("%%8273", "%%8449, %%8451", "Administrator"), ("%%8277", "%%8449", "Administrator")]


def test_a_normal_user_is_refused() -> None:
    with ServerThread("win2016-dc") as server:
        for command in (f"lsacreateaccount {ALICE_SID}", f"lsaaddacctrights {ALICE_SID} SeBackupPrivilege",
                        "createsecret Mine", "querysecret DPAPI_SYSTEM", "retrieveprivatedata DPAPI_SYSTEM",
                        "createtrustdom FOO S-1-5-21-1-2-3"):
            code, out = _rpcclient(server.port, ALICE, command)
            assert code != 0 and "NT_STATUS_ACCESS_DENIED" in out, (command, out)
        code, out = _rpcclient(server.port, ALICE, "lsaquery")  # POLICY_VIEW_LOCAL_INFORMATION: Everyone
        assert code == 0 and "Domain Sid: S-1-5-21-1004336348-1177238915-682003330" in out, out
        assert server.config.directory.lsa_accounts is None and server.config.directory.lsa_policy is None
