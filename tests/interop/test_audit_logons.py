"""The Security events of a network logon as a 2016 DC writes them (smbemu.audit_logon), driven
by impacket: an administrator's SMB logon reads 4776, 4672, 4624 (one Logon ID) and its LOGOFF
4634; an authenticated ncacn_ip_tcp bind is a logon of its own (4776, 4672, 4624 with the
client's address) whose 4634 comes when the connection closes, while an unauthenticated bind
(the endpoint mapper's) is no logon at all; and the Security log that MS-EVEN6 serves right
after EvtRpcClearLog holds enough of them for two batches of five (impacket's own
test_even6.py::test_hEvtRpcRegisterLogQuery_hEvtRpcQueryNext).  Credentials: the corp
fixture's Administrator / Adm!n2003, alice / Wonderland1."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from impacket.dcerpc.v5 import epm, even6, lsad, transport  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_LEVEL_PKT_PRIVACY  # type: ignore[import-untyped]
from impacket.smbconnection import SMBConnection  # type: ignore[import-untyped]

from helpers import HOST, ServerThread

pytestmark = pytest.mark.interop

ADMIN = ("Administrator", "Adm!n2003", "CORP")
ALICE = ("alice", "Wonderland1", "CORP")
LOGON_EVENTS = {4776, 4672, 4624, 4634}


class Lab:
    """A 2016 DC with ncacn_ip_tcp on ephemeral ports and an audit log."""

    def __init__(self, server: ServerThread, audit: Path) -> None:
        self.server = server
        self.audit = audit
        future = asyncio.run_coroutine_threadsafe(server._server.listen_rpc_tcp(HOST, 0, 0), server._loop)
        self.ports = {name: port for _, port, name in future.result(10)}

    def tcp(self, service: str, interface: bytes, who: tuple[str, str, str] | None) -> Any:
        rpc = transport.DCERPCTransportFactory(f"ncacn_ip_tcp:{HOST}[{self.ports[service]}]")
        if who is not None:
            rpc.set_credentials(*who)
        dce = rpc.get_dce_rpc()
        if who is not None:
            dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
        dce.connect()
        dce.bind(interface)
        return dce

    def logon_events(self, until: int | None = None) -> list[dict[str, Any]]:
        """The logon events of the log, once it holds ``until`` of them (4634s follow a close)."""
        deadline = time.monotonic() + 5
        while True:
            got = [e for e in map(json.loads, self.audit.read_text().splitlines()) if e["EventID"] in LOGON_EVENTS]
            if until is None or len(got) >= until or time.monotonic() > deadline:
                return got
            time.sleep(0.05)


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    audit = tmp_path / "audit.jsonl"
    with ServerThread("win2016-dc", audit_log=str(audit)) as server:
        yield Lab(server, audit)
    server.config.audit.close()


def test_an_administrator_smb_logon_and_logoff(lab: Lab) -> None:
    smb = SMBConnection(HOST, HOST, sess_port=lab.server.port)
    smb.login(*ADMIN)
    smb.logoff()
    validation, special, logon, logoff = lab.logon_events(until=4)
    assert [e["EventID"] for e in (validation, special, logon, logoff)] == [4776, 4672, 4624, 4634]
    assert (validation["TargetUserName"], validation["Status"], validation["PackageName"]) == (
        "Administrator", "0x0", "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0")
    assert special["SubjectLogonId"] == logon["TargetLogonId"] == logoff["TargetLogonId"]
    assert special["PrivilegeList"].startswith("SeSecurityPrivilege\n\t\t\tSeBackupPrivilege\n\t\t\t")
    assert special["PrivilegeList"].endswith("SeEnableDelegationPrivilege")  # a DC's administrator
    smb.close()


def test_an_authenticated_tcp_bind_is_a_logon_until_the_connection_closes(lab: Lab) -> None:
    dce = lab.tcp("lsass", lsad.MSRPC_UUID_LSAD, ALICE)
    lsad.hLsarOpenPolicy2(dce)
    validation, logon = lab.logon_events()
    assert [validation["EventID"], logon["EventID"]] == [4776, 4624]  # alice holds no special privilege
    assert logon["TargetUserName"] == "alice" and logon["IpAddress"] == HOST
    dce.disconnect()
    *_, logoff = lab.logon_events(until=3)
    assert logoff["EventID"] == 4634 and logoff["TargetLogonId"] == logon["TargetLogonId"]
    assert logoff["TargetUserName"] == "alice" and logoff["LogonType"] == 3


def test_an_authenticated_bind_on_a_pipe_is_a_logon_until_the_pipe_closes(lab: Lab) -> None:
    """A bind that authenticates on \\pipe\\lsarpc (impacket with an authentication level)
    is a logon of its own besides the SMB session's: 4624 with the client's address, and 4634
    with the same TargetLogonId when the pipe closes -- before the SMB session logs off."""
    rpc = transport.DCERPCTransportFactory(rf"ncacn_np:{HOST}[\pipe\lsarpc]")
    rpc.set_dport(lab.server.port)
    rpc.set_credentials(*ALICE)
    dce = rpc.get_dce_rpc()
    dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.connect()  # the SMB session's logon: 4776, 4624
    dce.bind(lsad.MSRPC_UUID_LSAD)  # the bind's: 4776, 4624
    lsad.hLsarOpenPolicy2(dce)
    events = lab.logon_events(until=4)
    assert [e["EventID"] for e in events] == [4776, 4624, 4776, 4624]
    session_logon, bind_logon = events[1], events[3]
    assert bind_logon["TargetUserName"] == "alice" and bind_logon["IpAddress"] == HOST
    assert bind_logon["TargetLogonId"] != session_logon["TargetLogonId"]
    dce.disconnect()  # the pipe closes, then the SMB session ends
    logoffs = [e for e in lab.logon_events(until=6)[4:] if e["EventID"] == 4634]
    assert [e["TargetLogonId"] for e in logoffs] == [bind_logon["TargetLogonId"], session_logon["TargetLogonId"]]


def test_an_unauthenticated_tcp_bind_is_no_logon(lab: Lab) -> None:
    dce = lab.tcp("epmapper", epm.MSRPC_UUID_PORTMAP, None)
    dce.disconnect()
    time.sleep(0.3)
    assert lab.logon_events() == []


def test_the_cleared_security_log_fills_with_logon_events(lab: Lab) -> None:
    """impacket's test_even6.py clears the log, then its next connections read two batches of
    five: each of its TCP connections as the Administrator adds 4776, 4672, 4624 and, at
    close, 4634."""
    control_dce = lab.tcp("eventlog", even6.MSRPC_UUID_EVEN6, ADMIN)
    control = even6.hEvtRpcRegisterControllableOperation(control_dce)["Handle"]
    even6.hEvtRpcClearLog(control_dce, control, "Security\x00")  # leaves 1102
    control_dce.disconnect()  # 4634
    lab.tcp("eventlog", even6.MSRPC_UUID_EVEN6, ADMIN).disconnect()  # 4776, 4672, 4624, 4634
    dce = lab.tcp("eventlog", even6.MSRPC_UUID_EVEN6, ADMIN)  # 4776, 4672, 4624
    since_clear = lab.logon_events(until=3 + 1 + 4 + 3)[3:]
    assert [e["EventID"] for e in since_clear] == [4634, 4776, 4672, 4624, 4634, 4776, 4672, 4624]
    handle = even6.hEvtRpcRegisterLogQuery(dce, "Security\x00",
                                           even6.EvtQueryChannelName | even6.EvtReadNewestToOldest, "*\x00")["Handle"]
    # impacket's helper reads two batches and returns the second: 9 records, so 5 then 4
    second = even6.hEvtRpcQueryNext(dce, handle, 5, 1000)
    assert second["NumActualRecords"] == 4
    dce.disconnect()
