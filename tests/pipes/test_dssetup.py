"""dssetup (MS-DSSP) through the real RPC endpoint, on the lsarpc pipe: every level of
DsRolerGetPrimaryDomainInformation per role, the policy question, the fault-only opnums, and
NDR cross-checks with impacket's dssp (its client runs in memory against the endpoint).
"""

from __future__ import annotations

import types
import uuid
from typing import Any

import pytest
from impacket.dcerpc.v5 import dssp  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

from smbemu.policy import Decision, policy_for
from smbemu.rpc.endpoint import RpcEndpoint
from smbemu.principal import ANONYMOUS, Principal, PrincipalKind
from smbemu.rpc.interface import make_context_factory
from smbemu.rpc.ndr import Operation
from smbemu.rpc.pdu import (
    NDR20,
    PFC_FIRST_FRAG,
    PFC_LAST_FRAG,
    Bind,
    BindAck,
    ContextElement,
    Fault,
    Pdu,
    Request,
    Response,
    SyntaxId,
    encode_pdu,
    parse_pdu,
)

H = types.SimpleNamespace
DSSETUP = SyntaxId.of("3919286a-b10c-11d0-9ba8-00c04fd92ef5", 0, 0)
GUID = uuid.UUID("4a6e7c1b-93d2-4f0a-8d5e-2b1c9e6f7a31")
NCA_S_OP_RNG_ERROR = 0x1C010002
ERROR_INVALID_PARAMETER = 87
ERROR_ACCESS_DENIED = 5


class Client:
    """A bound dssetup association on the lsarpc pipe (the interface is not named after it)."""

    def __init__(self, server: Any, kind: str = "anonymous") -> None:
        self.server = server
        self.interface = server.pipes.interface("dssetup")
        self.endpoint = RpcEndpoint("lsarpc", server.pipes, make_context_factory(
            Principal(PrincipalKind(kind)), 1, server))
        self.call_id = 1
        self.endpoint.write(encode_pdu(Pdu(Bind(4280, 4280, 0, (ContextElement(0, DSSETUP,
                                                                                 (NDR20,)),)),
                                           1, PFC_FIRST_FRAG | PFC_LAST_FRAG)))
        self.ack = self._read()
        assert isinstance(self.ack.body, BindAck) and self.ack.body.results[0].result == 0

    def _read(self) -> Pdu:
        msg, more = self.endpoint.read(1 << 16)
        assert not more
        return parse_pdu(msg)

    def raw(self, opnum: int, stub: bytes) -> Pdu:
        self.call_id += 1
        self.endpoint.write(encode_pdu(Pdu(Request(len(stub), 0, opnum, stub), self.call_id,
                                           PFC_FIRST_FRAG | PFC_LAST_FRAG)))
        return self._read()

    def call(self, level: int) -> dict[str, Any]:
        op = self.interface.operations[0]
        assert isinstance(op, Operation)
        pdu = self.raw(0, op.encode_request({"InfoLevel": level}))
        assert isinstance(pdu.body, Response)
        return op.decode_response(pdu.body.stub)


def test_declaration_and_bind_on_the_lsarpc_pipe(pipes_h: H) -> None:
    client = Client(pipes_h.fresh_config("win2000"))
    iface = client.interface
    assert str(iface.uuid) == "3919286a-b10c-11d0-9ba8-00c04fd92ef5" and iface.version == (0, 0)
    assert sorted(iface.operations) == list(range(11)) and iface.pipes == ("lsarpc", "lsass")
    assert iface.operations[0].name == "DsRolerGetPrimaryDomainInformation"
    assert client.ack.body.secondary_address == "\\PIPE\\lsass"


@pytest.mark.parametrize("opnum", [1, 5, 10, 11, 99])
def test_other_opnums_fault(pipes_h: H, opnum: int) -> None:
    pdu = Client(pipes_h.fresh_config("win2000")).raw(opnum, b"")
    assert isinstance(pdu.body, Fault) and pdu.body.status == NCA_S_OP_RNG_ERROR


@pytest.mark.parametrize("profile,overrides,expected", [
    ("win2000", (), {"MachineRole": 3, "Flags": 0x01000000, "DomainNameFlat": "CORP",
                     "DomainNameDns": "corp.local", "DomainForestName": "corp.local",
                     "DomainGuid": GUID}),
    ("win2000-dc", (), {"MachineRole": 5, "Flags": 0x01000003, "DomainNameFlat": "CORP",
                        "DomainNameDns": "corp.local", "DomainForestName": "corp.local",
                        "DomainGuid": GUID}),
    ("win2016-dc", (), {"MachineRole": 5, "Flags": 0x01000001, "DomainNameFlat": "CORP",
                        "DomainNameDns": "corp.local", "DomainForestName": "corp.local",
                        "DomainGuid": GUID}),
    ("win2000", ("role=standalone",), {
        "MachineRole": 2, "Flags": 0, "DomainNameFlat": "WORKGROUP", "DomainNameDns": None,
        "DomainForestName": None, "DomainGuid": uuid.UUID(int=0)}),
])
def test_basic_information_per_role(pipes_h: H, profile: str, overrides: tuple[str, ...],
                                    expected: dict[str, Any]) -> None:
    reply = Client(pipes_h.fresh_config(profile, *overrides)).call(1)
    assert reply == {"DomainInfo": (1, expected), "ReturnValue": 0}


def test_upgrade_and_operation_state(pipes_h: H) -> None:
    client = Client(pipes_h.fresh_config("win2000"), "user")
    assert client.call(2) == {"DomainInfo": (2, {"OperationState": 0, "PreviousServerState": 0}),
                              "ReturnValue": 0}
    assert client.call(3) == {"DomainInfo": (3, {"OperationState": 0}), "ReturnValue": 0}
    for bad in (0, 4, 0xFFFF):
        assert client.call(bad) == {"DomainInfo": None, "ReturnValue": ERROR_INVALID_PARAMETER}


def test_the_policy_is_asked(pipes_h: H, monkeypatch: pytest.MonkeyPatch) -> None:
    server = pipes_h.fresh_config("win2000")
    asked = []

    def decide(principal: Any, interface: str, operation: str, level: int | None = None,
               **kw: Any) -> Decision:
        asked.append((interface, operation, level))
        return Decision(ERROR_ACCESS_DENIED if level == 1 else 0, "test")

    monkeypatch.setattr(policy_for(server), "decide", decide)
    client = Client(server)
    assert client.call(1) == {"DomainInfo": None, "ReturnValue": ERROR_ACCESS_DENIED}
    assert client.call(3)["ReturnValue"] == 0
    assert asked == [("dssetup", "DsRolerGetPrimaryDomainInformation", 1),
                     ("dssetup", "DsRolerGetPrimaryDomainInformation", 3)]


@pytest.mark.parametrize("profile,role", [("win2000", 3), ("win2000-dc", 5)])
def test_impacket_every_level(pipes_h: H, profile: str, role: int) -> None:
    server = pipes_h.fresh_config(profile)
    endpoint = RpcEndpoint("lsarpc", server.pipes, make_context_factory(
        ANONYMOUS, 1, server))
    dce = pipes_h.PipeTransport(endpoint).get_dce_rpc()
    dce.connect()
    dce.bind(dssp.MSRPC_UUID_DSSP)
    levels = dssp.DSROLE_PRIMARY_DOMAIN_INFO_LEVEL
    basic = dssp.hDsRolerGetPrimaryDomainInformation(dce, levels.DsRolePrimaryDomainInfoBasic)
    info = basic["DomainInfo"]["DomainInfoBasic"]
    assert info["MachineRole"] == role
    assert info["DomainNameFlat"][:-1] == "CORP" and info["DomainNameDns"][:-1] == "corp.local"
    assert info["DomainForestName"][:-1] == "corp.local"
    assert uuid.UUID(bytes_le=bytes(info["DomainGuid"])) == GUID
    upgrade = dssp.hDsRolerGetPrimaryDomainInformation(dce, levels.DsRoleUpgradeStatus)
    assert upgrade["DomainInfo"]["UpgradStatusInfo"]["OperationState"] == 0
    state = dssp.hDsRolerGetPrimaryDomainInformation(dce, levels.DsRoleOperationState)
    assert state["DomainInfo"]["OperationStateInfo"]["OperationState"] == 0
    with pytest.raises(DCERPCException):
        dssp.hDsRolerGetPrimaryDomainInformation(dce, 7)
