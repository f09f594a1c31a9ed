"""DCOM (pipes/dcom; `smbemu serve --rpc-tcp`) with impacket's dcomrt client and the lab's DCOM tools.

* the OXID resolver on the mapper's port: ServerAlive2 anonymously (the COMVERSION of the release,
  the machine's name and address), pings and their errors (MS-DCOM 3.1.2.5.1);
* remote activation of the COM+ Event System as the Administrator (RemoteCreateInstance,
  RemoteActivation, RemoteGetClassObject), then IRemUnknown on the object exporter's port the
  resolver names; the refusals: a user and an anonymous caller E_ACCESSDENIED, an unknown class
  REGDB_E_CLASSNOTREG (MS-DCOM 3.1.2.5.2.3);
* in a network namespace (the tools insist on TCP 135): ``wmiexec.py`` and ``dcomexec.py`` get the
  documented answer (pipes/dcom/classes.py), run nothing, and the audit log names the class they
  tried; ``rpcdump.py`` (TCP 135) and nmap's ``msrpc-enum`` (\\PIPE\\epmapper) still list the endpoints.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from impacket.dcerpc.v5 import dcomrt, transport  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dcom import comev  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import (  # type: ignore[import-untyped]
    RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
    DCERPCException,
)
from impacket.uuid import string_to_bin  # type: ignore[import-untyped]

from helpers import HOST, ServerThread
from netns import NetnsServer

pytestmark = pytest.mark.interop

ADMIN = ("Administrator", "Adm!n2003", "CORP")  # fixtures/corp.yaml
USER = ("alice", "Wonderland1", "CORP")
SCRIPTS = Path(sys.executable).parent
E_ACCESSDENIED, REGDB_E_CLASSNOTREG, OR_INVALID_SET = 0x80070005, 0x80040154, 1912


class DcomLab:
    def __init__(self, server: ServerThread) -> None:
        self.server = server
        future = asyncio.run_coroutine_threadsafe(server._server.listen_rpc_tcp(HOST, 0, 0), server._loop)
        self.ports = {name: port for _, port, name in future.result(10)}

    def dce(self, who: tuple[str, str, str] | None = ADMIN) -> Any:
        rpc = transport.DCERPCTransportFactory(f"ncacn_ip_tcp:{HOST}[{self.ports['epmapper']}]")
        if who is not None:
            rpc.set_credentials(*who)
        dce = rpc.get_dce_rpc()
        if who is not None:
            dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
        dce.connect()
        # impacket's object calls find the activating connection by target (dcomrt.INTERFACE.connect)
        dcomrt.DCOMConnection.PORTMAPS[HOST] = dce
        return dce


@pytest.fixture(params=["win2016-dc"])
def lab(request: pytest.FixtureRequest) -> Iterator[DcomLab]:
    with ServerThread(request.param) as server:
        yield DcomLab(server)
    dcomrt.DCOMConnection.PORTMAPS.pop(HOST, None)
    dcomrt.INTERFACE.CONNECTIONS.pop(HOST, None)


def _addresses(bindings: list[Any]) -> list[str]:
    return [b["aNetworkAddr"].rstrip("\x00") for b in bindings]


@pytest.mark.parametrize("lab", ["win2016-dc", "win2003"], indirect=True)
def test_server_alive2_answers_anonymously_with_the_release_and_the_machine(lab: DcomLab) -> None:
    dce = lab.dce(None)
    dce.bind(dcomrt.IID_IObjectExporter)
    resp = dce.request(dcomrt.ServerAlive2())
    version = (resp["pComVersion"]["MajorVersion"], resp["pComVersion"]["MinorVersion"])
    assert version == ((5, 7) if lab.server.config.profile.identity.version >= (6, 0) else (5, 6))
    bindings = dcomrt.IObjectExporter(dce).ServerAlive2()
    assert _addresses(bindings) == [lab.server.config.directory.machine.netbios_name.upper(), HOST]


def test_pings_keep_a_set_and_an_unknown_set_is_refused(lab: DcomLab) -> None:
    exporter = dcomrt.IObjectExporter(lab.dce(None))
    set_id = exporter.ComplexPing()["pSetId"]
    assert set_id
    assert exporter.SimplePing(set_id)["ErrorCode"] == 0
    with pytest.raises(dcomrt.DCERPCSessionError) as refused:
        exporter.SimplePing(set_id ^ 0x5A5A)
    assert refused.value.get_error_code() == OR_INVALID_SET


def test_the_administrator_activates_the_event_system_and_talks_to_it(lab: DcomLab) -> None:
    dce = lab.dce()
    created = dcomrt.IRemoteSCMActivator(dce).RemoteCreateInstance(comev.CLSID_EventSystem, comev.IID_IEventSystem)
    oxid = created.get_oxid()
    bindings = _addresses(dcomrt.IObjectExporter(dce).ResolveOxid2(oxid, (7,)))
    assert f"{HOST}[{lab.ports['dcom']}]" in bindings
    # IRemUnknown on the object exporter's port: a second reference, then both released
    again = created.RemQueryInterface(1, (comev.IID_IEventSystem,))
    assert again.get_oid() == created.get_oxid()  # impacket stores the OXID in its oid slot here
    assert created.RemAddRef()["ErrorCode"] == 0
    assert created.RemRelease()["ErrorCode"] == 0
    # one bind per association: each activator on a connection of its own, as impacket's suite does
    activated = dcomrt.IActivation(lab.dce()).RemoteActivation(comev.CLSID_EventSystem, comev.IID_IEventSystem)
    assert activated.get_oxid() == oxid
    factory = dcomrt.IRemoteSCMActivator(lab.dce()).RemoteGetClassObject(
        comev.CLSID_EventSystem, dcomrt.IID_IClassFactory)
    assert factory.RemRelease()["ErrorCode"] == 0


def test_one_object_connection_switches_interfaces_with_a_new_authentication_each(lab: DcomLab) -> None:
    """impacket keeps one TCP connection per object exporter and moves between interfaces with
    alter_ctx, each carrying a new NTLM authentication under a new auth_context_id (a security
    context of its own, MS-RPCE 3.3.1.5.4): every call after a switch is signed with the newest
    context's keys, and impacket checks nothing, so a wrong answer shows as a failed call."""
    created = dcomrt.IRemoteSCMActivator(lab.dce()).RemoteCreateInstance(comev.CLSID_EventSystem,
                                                                         comev.IID_IEventSystem)
    assert created.RemAddRef()["ErrorCode"] == 0  # binds IRemUnknown on the object port
    event_system = comev.IEventSystem(created)
    for _ in range(2):  # alter_ctx to IEventSystem, back to IRemUnknown, and again
        assert event_system.GetTypeInfoCount()["pctinfo"] == 1
        assert created.RemAddRef()["ErrorCode"] == 0
    connection = dcomrt.INTERFACE.CONNECTIONS[HOST][threading.current_thread().name][created.get_oxid()]
    assert connection["dce"]._ctx == 4  # four alter_ctx on the connection, each a new context
    assert created.RemRelease()["ErrorCode"] == 0


def _event_system(lab: DcomLab) -> Any:
    created = dcomrt.IRemoteSCMActivator(lab.dce()).RemoteCreateInstance(comev.CLSID_EventSystem,
                                                                         comev.IID_IEventSystem)
    return comev.IEventSystem(created)


def _text(answer: Any, field: str) -> str:
    return str(answer[field]["asData"])


def test_the_event_store_lists_what_sens_registered(lab: DcomLab) -> None:
    """IEventSystem::Query (MS-COMEV 3.1.4.1.1) as impacket's test_comev walks it: the SENS event
    classes (sens.h) and WinInet's subscriptions to SENS network events, each object reached
    through the collection's enumerator and RemQueryInterface; a query on one field narrows it."""
    event_system = _event_system(lab)
    classes = event_system.Query("EventSystem.EventClassCollection", "ALL")
    assert classes.get_Count()["pCount"] == 4
    enumerator = classes.get_NewEnum()
    ids = []
    for _ in range(4):
        (item,) = enumerator.Next(1)
        event_class = comev.IEventClass2(item.RemQueryInterface(1, (comev.IID_IEventClass2,)))
        ids.append(_text(event_class.get_EventClassID(), "pbstrEventClassID"))
        event_class.RemRelease()
    assert ids == [f"{{D59786{n}0-5B9F-11D1-8DD2-00AA004ABD5E}}" for n in (2, 3, 4, 5)]
    with pytest.raises(DCERPCException) as exhausted:  # S_FALSE: fewer left than asked for
        enumerator.Next(1)
    assert exhausted.value.get_error_code() == 1
    logon = event_system.Query("EventSystem.EventClassCollection",
                               "EventClassID == {d5978630-5b9f-11d1-8dd2-00aa004abd5e}")
    assert logon.get_Count()["pCount"] == 1
    subscriptions = event_system.Query("EventSystem.EventSubscriptionCollection", "MethodName = 'ConnectionLost'")
    first = subscriptions.get_NewEnum().Next(1)[0]
    subscription = comev.IEventSubscription3(first.RemQueryInterface(1, (comev.IID_IEventSubscription3,)))
    assert _text(subscription.get_SubscriptionName(), "pbstrSubscriptionName") == "WinInet ConnectionLost"
    assert _text(subscription.get_EventClassID(), "pbstrEventClassID") == "{D5978620-5B9F-11D1-8DD2-00AA004ABD5E}"


@pytest.mark.parametrize("progid, criteria, error", [
    ("EventSystem.EventClassCollection", "EventClassID ==", 0x80040203),         # EVENT_E_QUERYSYNTAX
    ("EventSystem.EventClassCollection", "Colour = 'red'", 0x80040204),          # EVENT_E_QUERYFIELD
    ("EventSystem.NoSuchCollection", "ALL", 0x80070057),                         # E_INVALIDARG
])
def test_a_query_windows_refuses_is_refused(lab: DcomLab, progid: str, criteria: str, error: int) -> None:
    with pytest.raises(DCERPCException) as refused:
        _event_system(lab).Query(progid, criteria)
    assert refused.value.get_error_code() == error


def test_the_type_information_describes_ieventsystem(lab: DcomLab) -> None:
    """IDispatch::GetTypeInfo (MS-OAUT 3.1.4.2): IEventSystem's dispatch view -- IUnknown's and
    IDispatch's seven methods, then Query ... RemoveS with the DISPIDs and help strings MS-COMEV
    3.1.4.1 gives them."""
    type_info = _event_system(lab).GetTypeInfo()
    attr = type_info.GetTypeAttr()["ppTypeAttr"]
    assert (attr["cFuncs"], attr["typeKind"], attr["cImplTypes"]) == (13, 4, 1)  # TKIND_DISPATCH
    query = type_info.GetFuncDesc(7)["ppFuncDesc"]
    assert (query["memid"], query["cParams"]) == (1, 3)
    names = [name["asData"] for name in type_info.GetNames(1)["rgBstrNames"]]
    assert names == ["Query", "progID", "queryCriteria", "errorIndex"]
    assert _text(type_info.GetDocumentation(1), "pBstrDocString") == "method Query"
    assert _text(type_info.GetDocumentation(-1), "pBstrName") == "IEventSystem"
    with pytest.raises(DCERPCException) as missing:
        type_info.GetFuncDesc(13)
    assert missing.value.get_error_code() == 0x8002802B  # TYPE_E_ELEMENTNOTFOUND
    assert type_info.RemRelease()["ErrorCode"] == 0


@pytest.mark.parametrize("who", [USER, None], ids=["user", "anonymous"])
def test_others_may_not_activate(lab: DcomLab, who: tuple[str, str, str] | None) -> None:
    for call in (lambda: dcomrt.IRemoteSCMActivator(lab.dce(who)).RemoteCreateInstance(comev.CLSID_EventSystem,
                                                                                      comev.IID_IEventSystem),
                 lambda: dcomrt.IActivation(lab.dce(who)).RemoteActivation(comev.CLSID_EventSystem,
                                                                          comev.IID_IEventSystem)):
        with pytest.raises(dcomrt.DCERPCSessionError) as refused:
            call()
        assert refused.value.get_error_code() == E_ACCESSDENIED


def test_an_unknown_class_is_not_registered(lab: DcomLab) -> None:
    dce = lab.dce()
    with pytest.raises(dcomrt.DCERPCSessionError) as refused:
        dcomrt.IRemoteSCMActivator(dce).RemoteCreateInstance(string_to_bin(str(uuid.uuid4())), dcomrt.IID_IRemUnknown)
    assert refused.value.get_error_code() == REGDB_E_CLASSNOTREG


def _audit(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_wmiexec_and_dcomexec_get_windows_answers_and_are_audited(tmp_path: Path) -> None:
    log = tmp_path / "security.jsonl"
    target = f"{ADMIN[2]}/{ADMIN[0]}:{ADMIN[1]}@127.0.0.1"
    with NetnsServer("win2016-dc", "--audit-log", str(log), netbios=False, rpc_tcp=True) as server:
        wmi = server.run([sys.executable, str(SCRIPTS / "wmiexec.py"), "-nooutput", target, "whoami"], timeout=120)
        mmc = server.run([sys.executable, str(SCRIPTS / "dcomexec.py"), "-object", "MMC20", "-nooutput", target,
                          "whoami"], timeout=120)
        rpcdump = server.run([sys.executable, str(SCRIPTS / "rpcdump.py"), "127.0.0.1"], timeout=120)
        msrpc_enum = server.run(["nmap", "-Pn", "-p445", "--script", "msrpc-enum", "--script-args",
                                 f"smbusername={ADMIN[0]},smbpassword={ADMIN[1]},smbdomain={ADMIN[2]}", "127.0.0.1"],
                                timeout=120)
    # pipes/dcom/classes.py: WMI's service disabled, MMC20 not registered (Server Core); nothing ran
    assert "0x80070422" in wmi.stdout + wmi.stderr, wmi.stdout + wmi.stderr
    assert "REGDB_E_CLASSNOTREG" in mmc.stdout + mmc.stderr, mmc.stdout + mmc.stderr
    assert "12345778-1234-ABCD-EF00-0123456789AB" in rpcdump.stdout, rpcdump.stdout  # lsarpc, as before
    assert "12345778-1234-abcd-ef00-0123456789ab" in msrpc_enum.stdout, msrpc_enum.stdout
    attempts = [e for e in _audit(log) if e.get("EventData", e).get("OperationName") == "RemoteCreateInstance"]
    reasons = " ".join(str(e.get("EventData", e).get("PolicyReason")) for e in attempts)
    assert "8BC3F05E-D86B-11D0-A075-00C04FB68820" in reasons and "WbemLevel1Login" in reasons, attempts
    assert "49B2791A-B1AE-4C90-9B8E-E860BA07F889" in reasons and "MMC20.Application" in reasons, attempts
    assert all(e.get("EventData", e).get("PolicyDecision") == "deny" for e in attempts)
    assert all(e.get("EventData", e).get("SubjectUserName") == ADMIN[0] for e in attempts)
    assert all(str(e.get("EventData", e).get("SubjectUserSid")).endswith("-500") for e in attempts)


def test_garbage_activation_properties_and_unknown_ipids_get_protocol_answers(lab: DcomLab) -> None:
    dce = lab.dce()
    dce.bind(dcomrt.IID_IRemoteSCMActivator)
    request = dcomrt.RemoteCreateInstance()
    request["ORPCthis"]["cid"] = string_to_bin(str(uuid.uuid4()))
    request["ORPCthis"]["extensions"] = dcomrt.NULL
    request["pUnkOuter"] = dcomrt.NULL
    garbage = b"MEOW" + bytes(60)
    request["pActProperties"]["ulCntData"] = len(garbage)
    request["pActProperties"]["abData"] = list(garbage)
    answer = dce.request(request, checkError=False)
    assert answer["ErrorCode"] == 0x80070057  # E_INVALIDARG
    # an ORPC call naming an IPID the exporter never issued: the fault RPC_E_DISCONNECTED
    created = dcomrt.IRemoteSCMActivator(lab.dce()).RemoteCreateInstance(comev.CLSID_EventSystem,
                                                                         comev.IID_IEventSystem)
    stale = dcomrt.IRemUnknown2(dcomrt.INTERFACE(created.get_cinstance(), None, string_to_bin(str(uuid.uuid4())),
                                                 created.get_iPid(), oxid=created.get_oxid(), target=HOST))
    with pytest.raises(Exception, match="RPC_E_DISCONNECTED|0x80010108"):
        stale.RemAddRef()
    assert lab.server.config.profile  # the server is still serving
    assert dcomrt.IObjectExporter(lab.dce(None)).ServerAlive()["ErrorCode"] == 0
