"""The Task Scheduler (MS-TSCH, pipes/tsch) with real clients: impacket's tsch / atsvc / sasec
modules and its atexec.py and rpcdump.py (in a network namespace: they insist on 445 / 135).
Samba's rpcclient has no Task Scheduler or ``at`` command, so none of its commands applies.

Credentials: fixtures/corp.yaml (Administrator / Adm!n2003, alice / Wonderland1).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from impacket.dcerpc.v5 import atsvc, dtypes, lsad, sasec, transport, tsch  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_LEVEL_PKT_PRIVACY, DCERPCException  # type: ignore[import-untyped]
from impacket.smbconnection import SessionError  # type: ignore[import-untyped]

from helpers import HOST, ServerThread
from netns import NetnsServer

pytestmark = pytest.mark.interop

ADMIN = ("Administrator", "Adm!n2003")
ALICE = ("alice", "Wonderland1")
SCRIPTS = Path(sys.executable).parent
XML = ('<?xml version="1.0" encoding="UTF-16"?>\n<Task version="1.2" '
       'xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task"><Actions Context="LocalSystem">'
       '<Exec><Command>cmd.exe</Command><Arguments>/C whoami &gt; %windir%\\Temp\\x.tmp</Arguments>'
       '</Exec></Actions></Task>')


def _bind(server: ServerThread, interface: bytes, who: tuple[str, str]) -> Any:
    rpc = transport.DCERPCTransportFactory(rf"ncacn_np:{HOST}[\pipe\atsvc]")
    rpc.set_dport(server.port)
    rpc.set_credentials(who[0], who[1], "CORP")
    dce = rpc.get_dce_rpc()
    dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.connect()
    dce.bind(interface)
    return dce


def _audit_object_access(server: ServerThread) -> None:
    """Turn on Success auditing of Object Access (LsarSetInformationPolicy2), which covers the
    "Other Object Access Events" subcategory of 4698-4702."""
    rpc = transport.SMBTransport(HOST, server.port, r"\lsarpc", username=ADMIN[0],
                                 password=ADMIN[1], domain="CORP")
    dce = rpc.get_dce_rpc()
    dce.connect()
    dce.bind(lsad.MSRPC_UUID_LSAD)
    policy = lsad.hLsarOpenPolicy2(dce, lsad.MAXIMUM_ALLOWED)["PolicyHandle"]
    klass = lsad.POLICY_INFORMATION_CLASS.PolicyAuditEventsInformation
    info = lsad.hLsarQueryInformationPolicy2(dce, policy, klass)["PolicyInformation"]
    options = []
    for value in (0, 0, 1, 0, 0, 0, 0, 0, 0):  # AuditCategoryObjectAccess: success
        word = dtypes.DWORD()
        word["Data"] = value
        options.append(word)
    info["PolicyAuditEventsInfo"]["AuditingMode"] = 1
    info["PolicyAuditEventsInfo"]["EventAuditingOptions"] = options
    lsad.hLsarSetInformationPolicy2(dce, policy, klass, info)


def _events(server: ServerThread, log: Path) -> list[dict[str, Any]]:
    server.config.audit.close()
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_a_task_is_registered_run_never_and_audited(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    with ServerThread("win2016-dc", audit_log=str(log)) as server:
        _audit_object_access(server)
        dce = _bind(server, tsch.MSRPC_UUID_TSCHS, ADMIN)
        assert tsch.hSchRpcHighestVersion(dce)["pVersion"] == 0x00010004
        path = tsch.hSchRpcRegisterTask(dce, "\\Lab", XML, tsch.TASK_CREATE, NULL,
                                        tsch.TASK_LOGON_NONE)["pActualPath"]
        assert path == "\\Lab\x00"
        # another connection sees it, with its XML exactly as registered
        other = _bind(server, tsch.MSRPC_UUID_TSCHS, ADMIN)
        assert tsch.hSchRpcRetrieveTask(other, "\\Lab")["pXml"] == XML + "\x00"
        with pytest.raises(tsch.DCERPCSessionError, match="SCHED_S_TASK_HAS_NOT_RUN"):
            tsch.hSchRpcGetLastRunInfo(dce, "\\Lab")
        guid = tsch.hSchRpcRun(dce, "\\Lab")["pGuid"]
        # the instance: running for a moment (no process: pEnginePID 0), then ended
        info = tsch.hSchRpcGetInstanceInfo(dce, guid)
        assert (info["pState"], info["pEnginePID"]) == (tsch.TASK_STATE_RUNNING, 0)
        assert tsch.hSchRpcEnumInstances(dce, "\\")["pcGuids"] == 1
        time.sleep(2.2)
        with pytest.raises(tsch.DCERPCSessionError, match="SCHED_E_TASK_NOT_RUNNING"):
            tsch.hSchRpcGetInstanceInfo(dce, guid)
        last = tsch.hSchRpcGetLastRunInfo(dce, "\\Lab")
        assert last["pLastRuntime"]["wYear"] >= 2024 and last["pLastReturnCode"] == 0x00041306
        tsch.hSchRpcEnableTask(dce, "\\Lab", False)
        assert tsch.hSchRpcGetTaskInfo(dce, "\\Lab")["pState"] == tsch.TASK_STATE_DISABLED
        with pytest.raises(tsch.DCERPCSessionError, match="E_NOTIMPL"):
            tsch.hSchRpcRename(dce, "\\Lab", "\\Lab2")
        tsch.hSchRpcDelete(dce, "\\Lab")
        with pytest.raises(tsch.DCERPCSessionError, match="0x80070002"):
            tsch.hSchRpcRetrieveTask(dce, "\\Lab")
        # malformed XML, and a DOCTYPE (no entity is ever expanded)
        for bad in ("<Task><Actions>", '<!DOCTYPE x [<!ENTITY a "b">]><Task><Actions/></Task>'):
            with pytest.raises(tsch.DCERPCSessionError, match="SCHED_E_MALFORMEDXML"):
                tsch.hSchRpcRegisterTask(dce, "\\Bad", bad, tsch.TASK_CREATE, NULL, tsch.TASK_LOGON_NONE)
        events = _events(server, log)
    tasks = [(e["EventID"], e["TaskName"], e["SubjectUserName"]) for e in events
             if 4698 <= e["EventID"] <= 4702]
    assert tasks == [(4698, "\\Lab", "Administrator"), (4701, "\\Lab", "Administrator"),
                     (4699, "\\Lab", "Administrator")]
    created = next(e for e in events if e["EventID"] == 4698)
    # the log escapes control characters in client text (README, "Reading the audit log")
    assert created["TaskContent"] == XML.replace("\n", "\\x0a")


def test_no_task_event_while_object_access_is_not_audited(tmp_path: Path) -> None:
    """Windows' default: "Other Object Access Events" not audited (smbemu/audit_tasks.py)."""
    log = tmp_path / "audit.jsonl"
    with ServerThread("win2016-dc", audit_log=str(log)) as server:
        dce = _bind(server, tsch.MSRPC_UUID_TSCHS, ADMIN)
        tsch.hSchRpcRegisterTask(dce, "\\Quiet", XML, tsch.TASK_CREATE, NULL, tsch.TASK_LOGON_NONE)
        events = _events(server, log)
    assert not [e for e in events if 4698 <= e["EventID"] <= 4702]
    assert any(e["EventID"] == 100001 and e.get("Operation") == "SchRpcRegisterTask" for e in events) or \
        any(e["EventID"] == 100001 and "SchRpcRegisterTask" in json.dumps(e) for e in events)


def test_at_jobs_before_and_after_windows_8() -> None:
    with ServerThread("win2008") as server:
        dce = _bind(server, atsvc.MSRPC_UUID_ATSVC, ADMIN)
        info = atsvc.AT_INFO()
        info["JobTime"], info["DaysOfMonth"], info["DaysOfWeek"], info["Flags"] = 0, 0, 0, 0
        info["Command"] = "cmd.exe /c dir\x00"
        job = atsvc.hNetrJobAdd(dce, NULL, info)["pJobId"]
        assert job == 1
        assert atsvc.hNetrJobEnum(dce)["pEnumContainer"]["EntriesRead"] == 1
        # the AT job is a task of the root folder, seen through ITaskSchedulerService
        names = tsch.hSchRpcEnumTasks(_bind(server, tsch.MSRPC_UUID_TSCHS, ADMIN), "\\")["pNames"]
        assert [n["Data"] for n in names] == ["At1\x00"]
        atsvc.hNetrJobDel(dce, NULL, job, job)
    with ServerThread("win2016-dc") as server:
        dce = _bind(server, atsvc.MSRPC_UUID_ATSVC, ADMIN)
        with pytest.raises(atsvc.DCERPCSessionError, match="0x32"):  # ERROR_NOT_SUPPORTED
            atsvc.hNetrJobAdd(dce, NULL, info)


def test_a_normal_user_reads_and_is_refused_changes() -> None:
    with ServerThread("win2016-dc") as server:
        dce = _bind(server, tsch.MSRPC_UUID_TSCHS, ALICE)
        assert tsch.hSchRpcEnumFolders(dce, "\\")["pcNames"] == 1  # \Microsoft
        for call in (lambda: tsch.hSchRpcCreateFolder(dce, "\\Mine"),
                     lambda: tsch.hSchRpcRegisterTask(dce, "\\Mine", XML, tsch.TASK_CREATE, NULL,
                                                      tsch.TASK_LOGON_NONE),
                     lambda: tsch.hSchRpcRun(dce, "\\Microsoft\\Windows\\Defrag\\ScheduledDefrag")):
            with pytest.raises(tsch.DCERPCSessionError, match="E_ACCESSDENIED"):
                call()
        # ERROR_ACCESS_DENIED (5), which impacket prints as rpc_s_access_denied
        with pytest.raises(DCERPCException, match="rpc_s_access_denied"):
            atsvc.hNetrJobEnum(_bind(server, atsvc.MSRPC_UUID_ATSVC, ALICE))
        with pytest.raises(sasec.DCERPCSessionError, match="E_ACCESSDENIED"):
            sasec.hSAGetNSAccountInformation(_bind(server, sasec.MSRPC_UUID_SASEC, ALICE), NULL, 25)
        # anonymous: atsvc is in no NullSessionPipes
        with pytest.raises(SessionError, match="STATUS_ACCESS_DENIED"):
            _bind(server, tsch.MSRPC_UUID_TSCHS, ("", ""))


def test_atexec_registers_runs_nothing_and_cannot_read_its_output() -> None:
    """atexec.py (impacket): the task is created, "run" and deleted; its output file is never
    written (nothing ran) and ADMIN$ serves no files: atexec reports STATUS_ACCESS_DENIED."""
    with NetnsServer("win2016-dc", rpc_tcp=True, netbios=False) as server:
        result = server.run([str(SCRIPTS / "atexec.py"), "CORP/Administrator:Adm!n2003@127.0.0.1",
                             "whoami"], timeout=90)
        out = result.stdout + result.stderr
        for step in ("Creating task", "Running task", "Deleting task", "Attempting to read ADMIN$"):
            assert step in out, out
        assert "STATUS_ACCESS_DENIED" in out, out
        dump = server.run([str(SCRIPTS / "rpcdump.py"), "127.0.0.1"], timeout=90)
        text = dump.stdout
        for uuid in ("1FF70682-0A51-30E8-076D-740BE8CEE98B", "378E52B0-C0A9-11CF-822D-00AA0051E40F",
                     "86D35949-83C9-4044-B424-DB363231FD0C"):
            block = text.split(f"UUID    : {uuid} v1.0")[1].split("Protocol:")[0]
            assert "ncacn_np:\\\\LEGACYSRV[\\PIPE\\atsvc]" in block, block
            assert ("ncacn_ip_tcp:" in block) == uuid.startswith("86D35949"), block
