"""The audit log records a DCE/RPC call over ncacn_ip_tcp as it records one on a named pipe: one
smbemu event 100001 per call with the authenticated caller, the endpoint (``ncacn_ip_tcp:PORT``),
what the enforcement point decided and the status the client got -- for lsass's port (samr, as
impacket's samrdump.py / NetExec reach it over TCP) and for services.exe's (svcctl), not only for
the DCOM exporter.  A student who enumerates over TCP instead of \\pipe\\samr is not invisible."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from impacket.dcerpc.v5 import samr, scmr, transport  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_LEVEL_PKT_PRIVACY, DCERPCException  # type: ignore[import-untyped]

from helpers import HOST, ServerThread
from smbemu.audit import RPC_EVENT_ID

pytestmark = pytest.mark.interop

ADMIN = ("Administrator", "Adm!n2003", "CORP")
ALICE = ("alice", "Wonderland1", "CORP")


def tcp_bind(port: int, interface: bytes, who: tuple[str, str, str]) -> Any:
    rpc = transport.DCERPCTransportFactory(f"ncacn_ip_tcp:{HOST}[{port}]")
    rpc.set_credentials(*who)
    dce = rpc.get_dce_rpc()
    dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.connect()
    dce.bind(interface)
    return dce


def rpc_events(log: Path) -> list[dict[str, Any]]:
    return [e for e in (json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line)
            if e["EventID"] == RPC_EVENT_ID]


def test_tcp_calls_are_audited_with_caller_endpoint_and_decision(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    with ServerThread("win2016-dc", audit_log=str(log)) as server:
        listening = asyncio.run_coroutine_threadsafe(server._server.listen_rpc_tcp(HOST, 0, 0), server._loop)
        ports = {name: port for _, port, name in listening.result(10)}
        dce = tcp_bind(ports["lsass"], samr.MSRPC_UUID_SAMR, ALICE)
        samr.hSamrConnect5(dce)
        dce.disconnect()
        services = tcp_bind(ports["services"], scmr.MSRPC_UUID_SCMR, ALICE)
        with pytest.raises(DCERPCException) as refused:  # a user may not open the SCM for changes
            scmr.hROpenSCManagerW(services, dwDesiredAccess=scmr.SC_MANAGER_CREATE_SERVICE)
        assert refused.value.get_error_code() == 5
        services.disconnect()
    server.config.audit.close()
    events = rpc_events(log)
    connect = next(e for e in events if e["OperationName"] == "SamrConnect5")
    assert connect["SubjectUserName"] == "alice"
    assert connect["PipeName"] == f"ncacn_ip_tcp:{ports['lsass']}"
    assert connect["Keywords"] == "Audit Success"
    opened = next(e for e in events if e["OperationName"] == "ROpenSCManagerW")
    assert opened["SubjectUserName"] == "alice"
    assert opened["PipeName"] == f"ncacn_ip_tcp:{ports['services']}"
    assert opened["Keywords"] == "Audit Failure"
