"""Issue 16 with real clients against `win2016-dc`: the Administrator changes the domain's
settings with impacket's SamrSetInformationDomain over SMB; Samba's rpcclient, on another
connection, sees them (`getdompwinfo`, `querydominfo 1 / 2 / 12`: rpcclient has no command
that sets them); the audit log has Windows' 4739; a normal user (alice) is refused
STATUS_ACCESS_DENIED."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from helpers import HOST, ServerThread, run_tool

ADMIN = ("CORP/Administrator", "Adm!n2003")


def _rpcclient(port: int, commands: str) -> str:
    result = run_tool(["rpcclient", "-p", str(port), "-U", "%".join(ADMIN), HOST, "-c", commands])
    return result.stdout + result.stderr


def _samr(port: int, user: str, password: str) -> tuple[Any, Any]:
    from impacket.dcerpc.v5 import samr, transport  # type: ignore[import-untyped]

    rpc = transport.SMBTransport(HOST, port, r"\samr", username=user, password=password, domain="CORP")
    dce = rpc.get_dce_rpc()
    dce.connect()
    dce.bind(samr.MSRPC_UUID_SAMR)
    server = samr.hSamrConnect5(dce)["ServerHandle"]
    sid = samr.hSamrLookupDomainInSamServer(dce, server, "CORP")["DomainId"]
    return dce, samr.hSamrOpenDomain(dce, server, samr.MAXIMUM_ALLOWED, sid)["DomainHandle"]


def test_domain_settings_set_with_impacket_are_seen_by_rpcclient(tmp_path: Path) -> None:
    from impacket.dcerpc.v5 import samr  # type: ignore[import-untyped]

    classes = samr.DOMAIN_INFORMATION_CLASS
    log = tmp_path / "audit.jsonl"
    with ServerThread("win2016-dc", audit_log=str(log)) as server:
        before = _rpcclient(server.port, "getdompwinfo")
        assert "min_password_length: 7" in before, before
        dce, domain = _samr(server.port, "Administrator", "Adm!n2003")
        password = samr.hSamrQueryInformationDomain(dce, domain, classes.DomainPasswordInformation)["Buffer"]
        password["Password"]["MinPasswordLength"] = 14
        password["Password"]["PasswordHistoryLength"] = 10
        samr.hSamrSetInformationDomain(dce, domain, password)
        oem = samr.hSamrQueryInformationDomain(dce, domain, classes.DomainOemInformation)["Buffer"]
        oem["Oem"]["OemInformation"] = "lab domain"
        samr.hSamrSetInformationDomain(dce, domain, oem)
        lockout = samr.hSamrQueryInformationDomain(dce, domain, classes.DomainLockoutInformation)["Buffer"]
        lockout["Lockout"]["LockoutThreshold"] = 5
        samr.hSamrSetInformationDomain(dce, domain, lockout)
        out = _rpcclient(server.port, "getdompwinfo;querydominfo 1;querydominfo 2;querydominfo 12")
        assert "min_password_length: 14" in out, out
        assert "Minimum password length:\t\t\t14" in out and "Password uniqueness (remember x passwords):\t10" in out, out
        assert "Comment:\tlab domain" in out, out
        assert re.search(r"Lockout after bad attempts:\s+5\n", out), out
        alice, alice_domain = _samr(server.port, "alice", "Wonderland1")
        oem["Oem"]["OemInformation"] = "alice was here"
        try:
            samr.hSamrSetInformationDomain(alice, alice_domain, oem)
            refused = ""
        except samr.DCERPCSessionError as error:
            refused = str(error)
        assert "STATUS_ACCESS_DENIED" in refused
        assert "Comment:\tlab domain" in _rpcclient(server.port, "querydominfo 2")
        server.config.audit.close()
    events = [json.loads(line) for line in log.read_text().splitlines()]
    changed = [e for e in events if e["EventID"] == 4739]
    assert [(e["DomainPolicyChanged"], e["SubjectUserName"]) for e in changed] == \
        [("Password Policy", "Administrator"), ("Password Policy", "Administrator"),
         ("Lockout Policy", "Administrator")]
    assert changed[0]["MinPasswordLength"] == "14" and changed[1]["OemInformation"] == "lab domain"


def test_server_role_and_state_classes_decode_in_impacket_and_are_not_set() -> None:
    """Classes 7 and 9 carry the 16-bit enumerations DOMAIN_SERVER_ROLE / DOMAIN_SERVER_ENABLE_STATE
    (MS-SAMR 2.2.3.7 / 2.2.3.3): impacket, written against Windows, reads them as 2 bytes; with a
    32-bit field its SamrSetInformationDomain request faulted rpc_x_bad_stub_data at the server.
    Setting them is STATUS_INVALID_INFO_CLASS (the emulation models no backup role / disabled SAM)."""
    from impacket.dcerpc.v5 import samr  # type: ignore[import-untyped]

    classes = samr.DOMAIN_INFORMATION_CLASS
    with ServerThread("win2016-dc") as server:
        dce, domain = _samr(server.port, "Administrator", "Adm!n2003")
        role = samr.hSamrQueryInformationDomain(dce, domain, classes.DomainServerRoleInformation)["Buffer"]
        state = samr.hSamrQueryInformationDomain(dce, domain, classes.DomainStateInformation)["Buffer"]
        assert role["Role"]["DomainServerRole"] == 3  # DomainServerRolePrimary (MS-SAMR 2.2.3.4)
        assert state["State"]["DomainServerState"] == 1  # DomainServerEnabled (2.2.3.2)
        for buffer in (role, state):
            try:
                samr.hSamrSetInformationDomain(dce, domain, buffer)
                answer = "STATUS_SUCCESS"
            except samr.DCERPCSessionError as error:
                answer = str(error)
            assert "STATUS_INVALID_INFO_CLASS" in answer, answer
