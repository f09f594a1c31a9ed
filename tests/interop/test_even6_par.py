"""MS-EVEN6 (even6) and MS-PAR (par) over ncacn_ip_tcp with the clients a lab uses (issue 15).

* impacket's ``even6`` client reads back, as the Administrator over TCP with packet privacy, the
  failed logon the test made just before: its BinXml (MS-EVEN6 2.2.12, decoded here by a reader
  written from the spec: no packaged tool parses the wire form of BinXml, and Wireshark has no
  MS-EVEN6 dissector) carries the EventID, TimeCreated, Computer and the data strings MS-EVEN's
  ElfrReadELW gives for the same record (impacket's ``even`` client on \\PIPE\\eventlog);
* a normal user is refused (ERROR_ACCESS_DENIED), and a call without packet privacy faults
  rpc_s_access_denied (MS-EVEN6 2.1, MS-PAR 2.1);
* EvtRpcClearLog empties the Security log for both protocols and leaves event 1102;
  EvtRpcExportLog keeps its file in memory (never on the host) and it reads back;
* impacket's ``par`` client gets the same printer list, byte for byte, as ``rprn`` over
  \\PIPE\\spoolss; the PAR notification registration is audited (100003) and connects nowhere;
* the endpoint mapper lists both on their TCP ports from Vista / 2008 on (and even6 on
  \\PIPE\\eventlog), neither on 2003; ``rpcdump.py`` on the real ports (in a namespace) names them.

Credentials are the corp fixture's: Administrator / Adm!n2003, alice / Wonderland1."""

from __future__ import annotations

import asyncio
import json
import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from impacket.dcerpc.v5 import epm, even, even6, par, rprn, transport  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import (  # type: ignore[import-untyped]
    RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
    RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
    DCERPCException,
)

from helpers import HOST, ServerThread, run_tool
from netns import ADDRESS, NetnsServer

pytestmark = pytest.mark.interop

ADMIN = ("Administrator", "Adm!n2003", "CORP")
ALICE = ("alice", "Wonderland1", "CORP")
SCRIPTS = Path(sys.executable).parent


class Lab:
    """A server thread with ncacn_ip_tcp on ephemeral ports and an audit log."""

    def __init__(self, server: ServerThread, audit: Path) -> None:
        self.server = server
        self.audit = audit
        future = asyncio.run_coroutine_threadsafe(server._server.listen_rpc_tcp(HOST, 0, 0), server._loop)
        self.ports = {name: port for _, port, name in future.result(10)}

    def dce(self, service: str, interface: bytes, who: tuple[str, str, str],
            level: int = RPC_C_AUTHN_LEVEL_PKT_PRIVACY) -> Any:
        rpc = transport.DCERPCTransportFactory(f"ncacn_ip_tcp:{HOST}[{self.ports[service]}]")
        rpc.set_credentials(*who)
        dce = rpc.get_dce_rpc()
        dce.set_auth_level(level)
        dce.connect()
        dce.bind(interface)
        return dce

    def pipe(self, pipe: str, interface: bytes, who: tuple[str, str, str], level: int = 0) -> Any:
        rpc = transport.DCERPCTransportFactory(f"ncacn_np:{HOST}[\\pipe\\{pipe}]")
        rpc.set_dport(self.server.port)
        rpc.set_credentials(*who)
        dce = rpc.get_dce_rpc()
        if level:
            dce.set_auth_level(level)
        dce.connect()
        dce.bind(interface)
        return dce

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.audit.read_text().splitlines() if line.strip()]


@pytest.fixture
def lab(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Lab]:
    audit = tmp_path / "audit.jsonl"
    with ServerThread(getattr(request, "param", "win2016-dc"), audit_log=str(audit)) as server:
        yield Lab(server, audit)
    server.config.audit.close()


# ------------------------------------------------------------------ a BinXml reader (MS-EVEN6 2.2.12)


def _name(data: bytes, pos: int) -> tuple[str, int]:
    _hash, count = struct.unpack_from("<HH", data, pos)
    pos += 4
    return data[pos:pos + 2 * count].decode("utf-16-le"), pos + 2 * count + 2


def _value(data: bytes, pos: int) -> tuple[str, int]:
    assert data[pos] == 0x05 and data[pos + 1] == 0x01, data[pos:pos + 2]  # ValueText, string
    (count,) = struct.unpack_from("<H", data, pos + 2)
    pos += 4
    return data[pos:pos + 2 * count].decode("utf-16-le"), pos + 2 * count


def _element(data: bytes, pos: int) -> tuple[dict[str, Any], int]:
    token = data[pos]
    assert token in (0x01, 0x41), hex(token)
    (length,) = struct.unpack_from("<I", data, pos + 1)
    end = pos + 5 + length
    name, pos = _name(data, pos + 5)
    node: dict[str, Any] = {"name": name, "attrs": {}, "children": [], "text": ""}
    if token == 0x41:
        pos += 4  # attribute list byte length
        while data[pos] in (0x06, 0x46):
            more = data[pos] == 0x46
            attr, pos = _name(data, pos + 1)
            node["attrs"][attr], pos = _value(data, pos)
            if not more:
                break
    if data[pos] == 0x03:  # CloseEmptyElement
        assert pos + 1 == end
        return node, end
    assert data[pos] == 0x02
    pos += 1
    while data[pos] != 0x04:
        if data[pos] == 0x05:
            text, pos = _value(data, pos)
            node["text"] += text
        else:
            child, pos = _element(data, pos)
            node["children"].append(child)
    assert pos + 1 == end
    return node, end


def parse_event(result_set: bytes) -> dict[str, Any]:
    """One Result Set (MS-EVEN6 2.2.17): the event's System values and its EventData."""
    total, header, event_offset, bookmark_offset, size = struct.unpack_from("<IIIII", result_set)
    assert total == len(result_set) and header == 0x10 and event_offset == 0x10
    binxml = result_set[20:20 + size]
    assert binxml[:4] == b"\x0f\x01\x01\x00" and binxml[-1] == 0x00  # fragment header, EOF
    root, end = _element(binxml, 4)
    assert end == len(binxml) - 1 and root["name"] == "Event"
    system, data = root["children"]
    by_name = {child["name"]: child for child in system["children"]}
    return {"EventID": int(by_name["EventID"]["text"]),
            "EventRecordID": int(by_name["EventRecordID"]["text"]),
            "SystemTime": by_name["TimeCreated"]["attrs"]["SystemTime"],
            "Computer": by_name["Computer"]["text"], "Channel": by_name["Channel"]["text"],
            "Provider": by_name["Provider"]["attrs"]["Name"],
            "Data": [(d["attrs"]["Name"], d["text"]) for d in data["children"]],
            "bookmark": struct.unpack_from("<Q", result_set, bookmark_offset + 0x18)[0]}


def query(dce: Any, xpath: str, channel: str | None = "Security", count: int = 50,
          flags: int = even6.EvtQueryChannelName) -> list[dict[str, Any]]:
    path = NULL if channel is None else channel + "\x00"
    handle = even6.hEvtRpcRegisterLogQuery(dce, path, flags, xpath + "\x00")["Handle"]
    request = even6.EvtRpcQueryNext()
    request["LogQuery"], request["NumRequestedRecords"] = handle, count
    request["TimeOutEnd"], request["Flags"] = 1000, 0
    # impacket's response class reads these [out] arrays as varying ones: decode the IDL's layout
    raw = _raw_call(dce, 11, request.getData())
    number = struct.unpack_from("<I", raw, 0)[0]
    if number == 0:
        return []
    pos = 4 + 4 + 4  # referent, max count
    offsets = struct.unpack_from(f"<{number}I", raw, pos)
    pos += 4 * number + 4 + 4
    sizes = struct.unpack_from(f"<{number}I", raw, pos)
    pos += 4 * number
    buffer_size = struct.unpack_from("<I", raw, pos)[0]
    buffer = raw[pos + 12:pos + 12 + buffer_size]
    return [parse_event(buffer[o:o + s]) for o, s in zip(offsets, sizes)]


def _failed_logon(lab: Lab, user: str) -> None:
    result = run_tool(["smbclient", "-L", f"//{HOST}", "-p", str(lab.server.port),
                       "-U", f"{user}%nope", "-c", "exit"], timeout=60)
    assert "NT_STATUS_LOGON_FAILURE" in result.stdout + result.stderr


def _elfr_records(dce: Any) -> dict[int, dict[str, Any]]:
    handle = even.hElfrOpenELW(dce, "Security", "")["LogHandle"]
    resp = even.hElfrReadELW(dce, handle, even.EVENTLOG_SEQUENTIAL_READ | even.EVENTLOG_FORWARDS_READ,
                             0, even.MAX_BATCH_BUFF)
    buffer = b"".join(resp["Buffer"])[:resp["NumberOfBytesRead"]]
    records, pos = {}, 0
    while pos + 56 <= len(buffer):
        length, _sig, number, generated, _w, event_id, _type, count = struct.unpack_from("<IIIIIIHH", buffer, pos)
        (string_offset,) = struct.unpack_from("<I", buffer, pos + 36)
        record = buffer[pos:pos + length]
        computer = record[56:].decode("utf-16-le", "replace").split("\x00")[1]
        strings = record[string_offset:].decode("utf-16-le", "replace").split("\x00")[:count]
        records[number] = {"id": event_id, "time": generated, "computer": computer, "strings": strings}
        pos += length
    return records


# ------------------------------------------------------------------ MS-EVEN6


def test_a_failed_logon_read_back_over_even6_matches_ms_even(lab: Lab) -> None:
    _failed_logon(lab, "trudy")
    dce = lab.dce("eventlog", even6.MSRPC_UUID_EVEN6, ADMIN)
    failures = query(dce, "*[System[(EventID=4625)]]")
    assert [e["EventID"] for e in failures] == [4625]
    event = failures[0]
    assert ("TargetUserName", "trudy") in event["Data"] and event["Channel"] == "Security"
    assert event["Provider"] == "Microsoft-Windows-Security-Auditing"
    assert event["bookmark"] == event["EventRecordID"]
    # the same event through a structured query naming the channel itself (MS-EVEN6 2.2.16)
    structured = ('<QueryList><Query Id="0" Path="Security"><Select Path="Security">'
                  "*[System[(EventID=4625)]]</Select></Query></QueryList>")
    assert [e["EventRecordID"] for e in query(dce, structured, channel=None)] == [event["EventRecordID"]]
    # the same record through MS-EVEN: same number, id, computer, time and strings in order
    classic = _elfr_records(lab.pipe("eventlog", even.MSRPC_UUID_EVEN, ADMIN))[event["EventRecordID"]]
    assert classic["id"] == 4625 and classic["computer"] == event["Computer"] != ""
    assert classic["strings"] == [text for _, text in event["Data"]]
    from datetime import datetime
    assert int(datetime.fromisoformat(event["SystemTime"].replace("0Z", "+00:00")).timestamp()) == classic["time"]
    # everything, newest first; the whole log holds the administrator's own logon too: 4776,
    # 4672, 4624 as a 2016 DC writes them (smbemu.audit_logon), so newest first 4624, 4672, 4776
    every = query(dce, "*", flags=even6.EvtQueryChannelName | even6.EvtReadNewestToOldest)
    numbers = [e["EventRecordID"] for e in every]
    assert numbers == sorted(numbers, reverse=True) and event["EventRecordID"] in numbers
    assert any(e["EventID"] == 4624 and ("TargetUserName", "Administrator") in e["Data"] for e in every)
    ids = [e["EventID"] for e in every]
    at = next(i for i in range(len(ids) - 2) if ids[i:i + 3] == [4624, 4672, 4776])
    logon, special, validation = every[at:at + 3]
    assert ("PackageName", "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0") in validation["Data"]
    assert dict(special["Data"])["SubjectLogonId"] == dict(logon["Data"])["TargetLogonId"]


def test_a_pull_subscription_delivers_new_events(lab: Lab) -> None:
    dce = lab.dce("eventlog", even6.MSRPC_UUID_EVEN6, ADMIN)
    resp = even6.hEvtRpcRegisterRemoteSubscription(dce, "Security\x00", "*[System[(EventID=4625)]]\x00",
                                                  NULL, even6.EvtSubscribeToFutureEvents | even6.EvtSubscribePull)
    handle = resp["Handle"]
    with pytest.raises(DCERPCException, match="ERROR_TIMEOUT"):  # nothing new yet
        even6.hEvtRpcRemoteSubscriptionNext(dce, handle, 5)
    _failed_logon(lab, "eve")
    delivered = even6.hEvtRpcRemoteSubscriptionNext(dce, handle, 5)
    assert delivered["NumActualRecords"] == 1
    even6.hEvtRpcClose(dce, handle)
    # the channels: Event Viewer's "Windows Logs"
    listed = _raw_call(dce, 19, struct.pack("<I", 0))
    for name in ("Application", "ForwardedEvents", "Security", "Setup", "System"):
        assert (name + "\x00").encode("utf-16-le") in listed
    assert struct.unpack_from("<I", listed)[0] == 5 and listed[-4:] == bytes(4)


@pytest.mark.parametrize("lab", ["win2003"], indirect=True)
def test_no_even6_before_vista(lab: Lab) -> None:
    """2003 has MS-EVEN only: an MS-EVEN6 bind on \\PIPE\\eventlog is refused (provider
    rejection, abstract syntax not supported), while MS-EVEN binds there as before."""
    with pytest.raises(DCERPCException, match="abstract_syntax_not_supported"):
        lab.pipe("eventlog", even6.MSRPC_UUID_EVEN6, ADMIN, RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    with pytest.raises(DCERPCException, match="abstract_syntax_not_supported"):
        lab.pipe("spoolss", par.MSRPC_UUID_PAR, ADMIN, RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    legacy = lab.pipe("eventlog", even.MSRPC_UUID_EVEN, ADMIN)
    assert even.hElfrOpenELW(legacy, "Security", "")["LogHandle"] != b"\x00" * 20


def test_a_user_is_refused_and_packet_privacy_is_required(lab: Lab) -> None:
    user = lab.dce("eventlog", even6.MSRPC_UUID_EVEN6, ALICE)
    with pytest.raises(DCERPCException) as refused:
        even6.hEvtRpcRegisterLogQuery(user, "Security\x00", even6.EvtQueryChannelName)
    assert refused.value.get_error_code() == 5  # ERROR_ACCESS_DENIED, the method's answer
    integrity = lab.dce("eventlog", even6.MSRPC_UUID_EVEN6, ADMIN, RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
    with pytest.raises(DCERPCException, match="rpc_s_access_denied"):  # the security callback's fault
        even6.hEvtRpcRegisterLogQuery(integrity, "Security\x00", even6.EvtQueryChannelName)
    # over \PIPE\eventlog (where each call is audited, 100001) the same refusal, as Windows
    piped = lab.pipe("eventlog", even6.MSRPC_UUID_EVEN6, ALICE, RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    with pytest.raises(DCERPCException) as refused_on_pipe:
        even6.hEvtRpcRegisterLogQuery(piped, "Security\x00", even6.EvtQueryChannelName)
    assert refused_on_pipe.value.get_error_code() == 5
    denied = [e for e in lab.events() if e["EventID"] == 100001 and e.get("PolicyDecision") == "deny"]
    assert any(e["SubjectUserName"] == "alice" and "EvtRpcRegisterLogQuery" in json.dumps(e) for e in denied)


def test_event_log_readers_may_read_but_not_clear(lab: Lab) -> None:
    """BUILTIN\\Event Log Readers (S-1-5-32-573) is in the channels' read ACE: alice, added to it
    through samr (impacket) by the Administrator, reads the Security log; clearing it stays
    Administrators' (ERROR_ACCESS_DENIED)."""
    from impacket.dcerpc.v5 import samr  # type: ignore[import-untyped]
    from impacket.dcerpc.v5.dtypes import RPC_SID  # type: ignore[import-untyped]

    with pytest.raises(DCERPCException) as before:
        query(lab.dce("eventlog", even6.MSRPC_UUID_EVEN6, ALICE), "*")
    assert before.value.get_error_code() == 5
    dce = lab.pipe("samr", samr.MSRPC_UUID_SAMR, ADMIN)
    server = samr.hSamrConnect(dce)["ServerHandle"]
    builtin = samr.hSamrLookupDomainInSamServer(dce, server, "Builtin")["DomainId"]
    domain = samr.hSamrOpenDomain(dce, server, samr.MAXIMUM_ALLOWED, builtin)["DomainHandle"]
    alias = samr.hSamrOpenAlias(dce, domain, samr.MAXIMUM_ALLOWED, 573)["AliasHandle"]
    member = RPC_SID()
    member.fromCanonical(str(lab.server.config.directory.find_user("alice").sid))
    samr.hSamrAddMemberToAlias(dce, alias, member)
    reader = lab.dce("eventlog", even6.MSRPC_UUID_EVEN6, ALICE)
    assert any(e["EventID"] == 4624 for e in query(reader, "*"))
    control = even6.hEvtRpcRegisterControllableOperation(reader)["Handle"]
    with pytest.raises(DCERPCException) as refused:
        even6.hEvtRpcClearLog(reader, control, "Security\x00")
    assert refused.value.get_error_code() == 5


def test_clear_leaves_1102_and_export_stays_in_memory(lab: Lab, tmp_path: Path) -> None:
    _failed_logon(lab, "trudy")
    dce = lab.dce("eventlog", even6.MSRPC_UUID_EVEN6, ADMIN)
    control = even6.hEvtRpcRegisterControllableOperation(dce)["Handle"]
    target = tmp_path / "exported.evtx"
    # impacket's EvtRpcExportLog sends channelPath as [ref]: the stub of the IDL's [unique] one
    stub = (bytes(control.getData()) + _unique_wstr("Security") + _wstr("*") + _wstr(str(target))
            + struct.pack("<I", 1))
    answer = _raw_call(dce, 7, stub)
    assert struct.unpack_from("<I", answer, len(answer) - 4)[0] == 0, answer.hex()
    assert not target.exists()  # kept in the server's memory only
    again = _raw_call(dce, 7, stub)
    assert struct.unpack_from("<I", again, len(again) - 4)[0] == 80  # ERROR_FILE_EXISTS
    exported = query(dce, "*[System[(EventID=4625)]]", channel=str(target), flags=even6.EvtQueryFilePath)
    assert [e["EventID"] for e in exported] == [4625]
    even6.hEvtRpcClearLog(dce, control, "Security\x00")
    remaining = query(dce, "*")
    assert [e["EventID"] for e in remaining] == [1102]
    assert remaining[0]["Provider"] == "Microsoft-Windows-Eventlog"
    assert ("SubjectUserName", "Administrator") in remaining[0]["Data"]
    classic = _elfr_records(lab.pipe("eventlog", even.MSRPC_UUID_EVEN, ADMIN))
    assert [r["id"] for r in classic.values()][:1] == [1102]
    user = lab.dce("eventlog", even6.MSRPC_UUID_EVEN6, ALICE)
    user_control = even6.hEvtRpcRegisterControllableOperation(user)["Handle"]
    with pytest.raises(DCERPCException) as refused:
        even6.hEvtRpcClearLog(user, user_control, "Security\x00")
    assert refused.value.get_error_code() == 5


def _wstr(text: str) -> bytes:
    data = (text + "\x00").encode("utf-16-le")
    count = len(data) // 2
    body = struct.pack("<III", count, 0, count) + data
    return body + bytes(-len(body) % 4)


def _unique_wstr(text: str) -> bytes:
    return struct.pack("<I", 0x20000) + _wstr(text)


def _raw_call(dce: Any, opnum: int, stub: bytes, object_uuid: bytes | None = None) -> bytes:
    """A request with this stub; the response's stub."""
    dce.call(opnum, stub, object_uuid)
    return bytes(dce.recv())


# ------------------------------------------------------------------ MS-PAR


def test_par_enumerates_what_spoolss_enumerates(lab: Lab) -> None:
    dce = lab.dce("spoolsv", par.MSRPC_UUID_PAR, ADMIN)
    flags = rprn.PRINTER_ENUM_LOCAL
    over_par = par.hRpcAsyncEnumPrinters(dce, flags, level=2)
    over_rprn = rprn.hRpcEnumPrinters(lab.pipe("spoolss", rprn.MSRPC_UUID_RPRN, ADMIN), flags, level=2)
    assert over_par["pcReturned"] == over_rprn["pcReturned"] >= 1
    assert b"".join(over_par["pPrinterEnum"]) == b"".join(over_rprn["pPrinterEnum"])
    directory = par.hRpcAsyncGetPrinterDriverDirectory(dce, NULL, NULL, 1)
    assert "drivers" in b"".join(directory["pDriverDirectory"]).decode("utf-16-le").lower()


def test_par_notification_registration_is_audited_and_connects_nowhere(lab: Lab) -> None:
    dce = lab.dce("spoolsv", par.MSRPC_UUID_PAR, ALICE)
    client = par.SPLCLIENT_CONTAINER()
    client["Level"] = 1
    client["ClientInfo"]["tag"] = 1
    info1 = client["ClientInfo"]["pClientInfo1"]
    info1["dwSize"], info1["pMachineName"], info1["pUserName"] = 28, "KALI\x00", "alice\x00"
    info1["dwBuildNum"], info1["dwMajorVersion"], info1["dwMinorVersion"] = 9600, 6, 3
    info1["wProcessorArchitecture"] = 9
    handle = par.hRpcAsyncOpenPrinter(dce, NULL, pClientInfo=client)["pHandle"]
    stub = bytes(handle) + struct.pack("<II", 0, 0)  # an empty RpcPrintPropertiesCollection
    answer = _raw_call(dce, 58, stub, par.MSRPC_UUID_WINSPOOL)
    assert struct.unpack_from("<I", answer, len(answer) - 4)[0] == 0x80070032  # not emulated (U)
    audited = [e for e in lab.events() if e["EventID"] == 100003]
    assert audited and audited[-1]["OperationName"] == "RpcSyncRegisterForRemoteNotifications"
    assert audited[-1]["ConnectedOut"] is False and audited[-1]["SubjectUserName"] == "alice"


def test_par_needs_packet_privacy(lab: Lab) -> None:
    dce = lab.dce("spoolsv", par.MSRPC_UUID_PAR, ADMIN, RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
    with pytest.raises(DCERPCException, match="rpc_s_access_denied"):
        par.hRpcAsyncEnumPrinters(dce, rprn.PRINTER_ENUM_LOCAL)


# ------------------------------------------------------------------ registrations


@pytest.mark.parametrize("lab", ["win2016-dc", "win2003"], indirect=True)
def test_the_mapper_lists_them_from_vista_on(lab: Lab) -> None:
    rpc = transport.DCERPCTransportFactory(f"ncacn_ip_tcp:{HOST}[{lab.ports['epmapper']}]")
    dce = rpc.get_dce_rpc()
    dce.connect()
    found = {(str(e["tower"]["Floors"][0]), epm.PrintStringBinding(e["tower"]["Floors"]), e["annotation"])
             for e in epm.hept_lookup(None, dce=dce)}
    even6_uuid, par_uuid = "F6BEAFF7-1E19-4FBB-9F8F-B89E2018337C v1.0", "76F03F96-CDFD-44FC-A22C-64950A001209 v1.0"
    if lab.server.config.profile.identity.version < (6, 0):
        assert not any(i in (even6_uuid, par_uuid) for i, _, _ in found)
        assert "eventlog" not in lab.ports and "spoolsv" not in lab.ports
        return
    assert (even6_uuid, f"ncacn_ip_tcp:{HOST}[{lab.ports['eventlog']}]", b"Event log TCPIP\x00") in found
    assert (even6_uuid, "ncacn_np:\\\\LEGACYSRV[\\PIPE\\eventlog]", b"Event log TCPIP\x00") in found
    assert [b for i, b, _ in found if i == par_uuid] == [f"ncacn_ip_tcp:{HOST}[{lab.ports['spoolsv']}]"]


def test_rpcdump_names_them_on_the_real_ports() -> None:
    with NetnsServer("win2016-dc", rpc_tcp=True, netbios=False) as server:
        dump = server.run([str(SCRIPTS / "rpcdump.py"), ADDRESS]).stdout
        # each on its own dynamic port after services.exe's (lsass 49667, services 49668)
        even6_entry = dump.split("Protocol: [MS-EVEN6]: EventLog Remoting Protocol")[1].split("Protocol:")[0]
        assert "F6BEAFF7-1E19-4FBB-9F8F-B89E2018337C v1.0 Event log TCPIP" in even6_entry, dump
        assert f"ncacn_ip_tcp:{ADDRESS}[49669]" in even6_entry and "[\\PIPE\\eventlog]" in even6_entry
        par_entry = dump.split("Protocol: [MS-PAR]: Print System Asynchronous Remote Protocol")[1].split("Protocol:")[0]
        assert f"ncacn_ip_tcp:{ADDRESS}[49670]" in par_entry and "ncacn_np" not in par_entry, dump


# ------------------------------------------------------------------ every opnum, with packet privacy


@pytest.mark.parametrize(("service", "interface", "count"), [
    ("eventlog", even6.MSRPC_UUID_EVEN6, 29), ("spoolsv", par.MSRPC_UUID_PAR, 75)], ids=["even6", "par"])
def test_every_opnum_answers_with_packet_privacy(lab: Lab, service: str, interface: bytes, count: int) -> None:
    """The opnum walk (tests/interop/test_opnum_walk.py) reaches these interfaces over the pipe
    without packet privacy, where every call is refused first; here each opnum, with an empty and
    a zeroed stub, as the Administrator with privacy: an answer or a fault, never nca_op_rng_error
    inside the table (MS-EVEN6 3.1.4: opnums 0-28; MS-PAR 3.1.4: 0-74, the job-property and
    branch-office calls 70-74 from Windows 8 / 2012, before the walked 2016), never a crashed
    handler, and the connection lives on; one past the table is nca_op_rng_error."""
    dce = lab.dce(service, interface, ADMIN)
    for opnum in range(count + 1):
        for stub in (b"", bytes(256)):
            dce.call(opnum, stub, par.MSRPC_UUID_WINSPOOL if service == "spoolsv" else None)
            try:
                dce.recv()
                fault = None
            except DCERPCException as exc:
                fault = exc.get_error_code() or exc.error_string
            assert fault not in (0x1C000012, "nca_s_fault_unspec"), (opnum, stub[:1])
            assert (fault in (0x1C010002, "nca_s_op_rng_error")) == (opnum == count), (opnum, fault)


# ------------------------------------------------------------------ tshark, on the real ports

_CLIENT = '''
from impacket.dcerpc.v5 import even6, par, rprn, transport
from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_LEVEL_PKT_PRIVACY
def bound(port, interface):
    rpc = transport.DCERPCTransportFactory(f"ncacn_ip_tcp:127.0.0.1[{port}]")
    rpc.set_credentials("Administrator", "Adm!n2003", "CORP")
    dce = rpc.get_dce_rpc()
    dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.connect()
    dce.bind(interface)
    return dce
print("printers", par.hRpcAsyncEnumPrinters(bound(49670, par.MSRPC_UUID_PAR), rprn.PRINTER_ENUM_LOCAL)["pcReturned"])
dce = bound(49669, even6.MSRPC_UUID_EVEN6)
handle = even6.hEvtRpcRegisterLogQuery(dce, "Security\\x00", even6.EvtQueryChannelName)["Handle"]
request = even6.EvtRpcQueryNext()
request["LogQuery"], request["NumRequestedRecords"], request["TimeOutEnd"], request["Flags"] = handle, 1, 0, 0
dce.call(11, request)
print("binxml", dce.recv().hex())
'''


def test_tshark_decodes_par_and_decrypts_even6(tmp_path: Path) -> None:
    """Captured on the namespace's loopback and read by tshark with the Administrator's password
    (NTLMSSP packet privacy decrypted): Wireshark's IRemoteWinspool dissector (from Samba's
    winspool.idl) decodes RpcAsyncEnumPrinters' answer without an expert warning; Wireshark has no
    MS-EVEN6 dissector, so the EVEN6 answer is shown as decrypted stub data -- the same bytes,
    BinXml included, the client received."""
    import signal
    import subprocess
    import time

    pcap, client = tmp_path / "rpc.pcapng", tmp_path / "client.py"
    client.write_text(_CLIENT)
    with NetnsServer("win2016-dc", "--audit-log", str(tmp_path / "audit.jsonl"), rpc_tcp=True,
                     netbios=False) as server:
        capture = subprocess.Popen(["ip", "netns", "exec", server.namespace, "tshark", "-i", "lo", "-w", str(pcap),
                                    "-f", "tcp port 49669 or tcp port 49670"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert capture.stderr is not None
        while "Capturing on" not in (line := capture.stderr.readline()):
            assert line, "tshark did not start"
        out = server.run([sys.executable, str(client)]).stdout
        # tshark writes what it captured in batches: wait until the last answer (the EVEN6
        # connection's FIN from the server) is in the file
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            fins = run_tool(["tshark", "-r", str(pcap), "-Y", "tcp.srcport==49669 && tcp.flags.fin==1"],
                            timeout=60).stdout
            if fins.strip():
                break
            time.sleep(0.5)
        capture.send_signal(signal.SIGINT)
        capture.wait(20)
    assert "printers 1" in out, out
    answer = bytes.fromhex(out.split("binxml ")[1].split()[0])
    decode = ["-o", "ntlmssp.nt_password:Adm!n2003", "-d", "tcp.port==49669,dcerpc", "-d", "tcp.port==49670,dcerpc"]
    summary = run_tool(["tshark", "-r", str(pcap), *decode], timeout=60).stdout
    assert "winspool_AsyncEnumPrinters response" in summary, summary
    detail = run_tool(["tshark", "-r", str(pcap), *decode, "-V", "-Y", "iremotewinspool"], timeout=60).stdout
    assert "PcReturned: 1" in detail, detail
    warnings = run_tool(["tshark", "-r", str(pcap), *decode, "-q", "-z", "expert,warn"], timeout=60).stdout
    assert "Malformed" not in warnings and "Warning" not in warnings.split("=====")[-1], warnings
    stubs = run_tool(["tshark", "-r", str(pcap), *decode, "-Y", "tcp.srcport==49669 && dcerpc.pkt_type==2",
                      "-T", "fields", "-e", "dcerpc.opnum", "-e", "dcerpc.decrypted_stub_data"], timeout=60).stdout
    decrypted = [bytes.fromhex(line.split("\t")[1].replace(":", "")) for line in stubs.splitlines()
                 if line.startswith("11\t")]
    assert decrypted and decrypted[0].startswith(answer[:len(answer) - 16]), stubs
    assert "Event".encode("utf-16-le") in decrypted[0]
