"""Shared fixtures for the DCE/RPC runtime tests: toy interfaces, endpoints, PDU helpers.

Helpers are reached through the ``h`` fixture (the test modules are imported with
``--import-mode=importlib`` and cannot import this file).
"""

from __future__ import annotations

import types
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from smbemu.errors import RpcFault
from smbemu.principal import ANONYMOUS, Principal, PrincipalKind
from smbemu.rpc import ndr
from smbemu.rpc.association import AssociationGroups
from smbemu.rpc.endpoint import RpcEndpoint
from smbemu.rpc.interface import CallContext, Interface, make_context_factory
from smbemu.rpc.ndr import ContextHandle, Pointer, WString, WStringRef
from smbemu.rpc.pdu import (
    DREP_LE,
    NDR20,
    NDR64,
    PFC_FIRST_FRAG,
    PFC_LAST_FRAG,
    AlterContext,
    AuthVerifier,
    Bind,
    ContextElement,
    Fault,
    Pdu,
    Request,
    Response,
    SyntaxId,
    encode_pdu,
    parse_pdu,
    peek_frag_length,
)
from smbemu.rpc.registry import Registry

TOY_UUID = "12345678-1234-abcd-ef00-0123456789ab"
TOY2_UUID = "87654321-4321-dcba-00fe-ba9876543210"
TOY = SyntaxId.of(TOY_UUID, 1, 0)
TOY2 = SyntaxId.of(TOY2_UUID, 2, 1)
MGMT = SyntaxId.of("afa8bd80-7d8a-11c9-bef4-08002b102989", 1, 0)
UNKNOWN = SyntaxId.of("11111111-2222-3333-4444-555555555555", 1, 0)
STATUS_INVALID_HANDLE = 0xC0000008


class FakeServer:
    """Stands in for the SMB server state handed to handlers."""

    rpc_principal_name = "LEGACYSRV$"


def make_toy_interfaces() -> tuple[Interface, Interface]:
    """A fresh pair of toy interfaces (fresh objects: registries validate them)."""
    toy = Interface(name="toy", uuid=TOY_UUID, version=(1, 0), pipes=("toy",))

    @toy.operation(0, "Echo", request=[("Text", WStringRef)], response=[("Text", WString)],
                   returns="WERROR")
    def Echo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        return {"Text": request["Text"], "ReturnValue": 0}

    @toy.operation(1, "Add", request=[("A", ndr.uint32), ("B", ndr.uint32)],
                   response=[("Sum", ndr.uint32)])
    def Add(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        return {"Sum": (request["A"] + request["B"]) & 0xFFFFFFFF}

    @toy.operation(2, "Blob", request=[("Size", ndr.uint32)],
                   response=[("Data", Pointer(ndr.ConformantBytes()))])
    def Blob(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        size = request["Size"]
        return {"Data": bytes(i & 0xFF for i in range(size))}

    @toy.operation(3, "Boom")
    def Boom(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        raise ValueError("handler bug: secret internal detail")

    @toy.operation(4, "Deny")
    def Deny(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        raise RpcFault(5)

    toy.not_implemented(5, "Reserved")

    @toy.operation(6, "Sum",
                   request=[("Values", Pointer(ndr.ConformantArray(ndr.uint32), "ref"))],
                   response=[("Count", ndr.uint32), ("Total", ndr.uint64)])
    def Sum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        return {"Count": len(request["Values"]), "Total": sum(request["Values"])}

    @toy.operation(7, "Open", request=[("Name", WStringRef)],
                   response=[("Handle", ContextHandle)])
    def Open(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        return {"Handle": ctx.handles.create("toy.object", request["Name"], 0x1F)}

    @toy.operation(8, "Close", request=[("Handle", ContextHandle)],
                   response=[("Handle", ContextHandle), ("Name", WString)])
    def Close(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        entry = ctx.handles.close(request["Handle"], "toy.object")
        if entry is None:
            return {"Handle": request["Handle"], "Name": None,
                    "ReturnValue": STATUS_INVALID_HANDLE}
        return {"Handle": bytes(20), "Name": entry.obj}

    @toy.operation(9, "BadReturn", response=[("Value", ndr.uint16)])
    def BadReturn(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        return {"Value": "not a number"}

    @toy.operation(10, "WhoAmI",
                   response=[("Kind", WString), ("User", WString), ("Pipe", WString),
                             ("Session", ndr.uint32), ("AuthLevel", ndr.uint32),
                             ("Opnum", ndr.uint32)])
    def WhoAmI(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        assert ctx.operation is not None
        return {"Kind": ctx.principal.kind, "User": ctx.principal.user_name,
                "Pipe": ctx.pipe_name, "Session": ctx.session_id, "AuthLevel": ctx.auth_level,
                "Opnum": ctx.operation.opnum}

    toy2 = Interface(name="toy2", uuid=TOY2_UUID, version=(2, 1), pipes=("toy", "other"))

    @toy2.operation(0, "Ping", response=[("Answer", ndr.uint32)], returns=None)
    def Ping(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        return {"Answer": 2}

    return toy, toy2


def bind_pdu(contexts: Sequence[tuple[int, SyntaxId, Sequence[SyntaxId]]], *, call_id: int = 1,
             max_xmit: int = 4280, max_recv: int = 4280, assoc_group: int = 0,
             drep: bytes = DREP_LE, alter: bool = False, auth: AuthVerifier | None = None,
             flags: int = PFC_FIRST_FRAG | PFC_LAST_FRAG, rpc_vers: int = 5) -> bytes:
    cls = AlterContext if alter else Bind
    elements = tuple(ContextElement(cid, a, tuple(ts)) for cid, a, ts in contexts)
    return encode_pdu(Pdu(cls(max_xmit, max_recv, assoc_group, elements), call_id, flags,
                          auth, drep=drep, rpc_vers=rpc_vers))


def request_pdu(call_id: int, context_id: int, opnum: int, stub: bytes, *,
                flags: int = PFC_FIRST_FRAG | PFC_LAST_FRAG, drep: bytes = DREP_LE,
                alloc_hint: int | None = None, auth: AuthVerifier | None = None) -> bytes:
    hint = len(stub) if alloc_hint is None else alloc_hint
    return encode_pdu(Pdu(Request(hint, context_id, opnum, stub), call_id, flags, auth,
                          drep=drep))


def split_pdus(data: bytes) -> list[bytes]:
    out = []
    while data:
        n = peek_frag_length(data)
        out.append(data[:n])
        data = data[n:]
    return out


def drain(ep: RpcEndpoint) -> list[Pdu]:
    """Every queued message, parsed (each message must be exactly one PDU)."""
    pdus = []
    while ep.has_output():
        msg, more = ep.read(1 << 20)
        assert not more
        pdus.append(parse_pdu(msg))
    return pdus


def bind_toy(ep: RpcEndpoint, syntax: SyntaxId = TOY, context_id: int = 0) -> Pdu:
    ep.write(bind_pdu([(context_id, syntax, [NDR20])]))
    (ack,) = drain(ep)
    return ack


def call(ep: RpcEndpoint, context_id: int, opnum: int, stub: bytes, call_id: int = 2,
         drep: bytes = DREP_LE) -> Response | Fault:
    """One unfragmented request; the response stub reassembled, or the fault."""
    ep.write(request_pdu(call_id, context_id, opnum, stub, drep=drep))
    pdus = drain(ep)
    assert pdus, "no answer"
    if isinstance(pdus[0].body, Fault):
        assert len(pdus) == 1
        return pdus[0].body
    stub_out = b""
    for p in pdus:
        assert isinstance(p.body, Response)
        assert p.call_id == call_id
        stub_out += p.body.stub
    first = pdus[0].body
    assert isinstance(first, Response)
    return Response(first.alloc_hint, first.context_id, 0, stub_out)


def toy_op(opnum: int) -> ndr.Operation:
    toy, _ = make_toy_interfaces()
    op = toy.operations[opnum]
    assert isinstance(op, ndr.Operation)
    return op


HELPERS = types.SimpleNamespace(
    TOY=TOY, TOY2=TOY2, MGMT=MGMT, UNKNOWN=UNKNOWN, NDR20=NDR20, NDR64=NDR64,
    TOY_UUID=TOY_UUID, TOY2_UUID=TOY2_UUID, STATUS_INVALID_HANDLE=STATUS_INVALID_HANDLE,
    FakeServer=FakeServer, make_toy_interfaces=make_toy_interfaces, bind_pdu=bind_pdu,
    request_pdu=request_pdu, split_pdus=split_pdus, drain=drain, bind_toy=bind_toy, call=call,
    toy_op=toy_op,
)


@pytest.fixture
def h() -> types.SimpleNamespace:
    return HELPERS


@pytest.fixture
def registry() -> Registry:
    return Registry(make_toy_interfaces())


@pytest.fixture
def factory() -> Any:
    return make_context_factory(Principal(PrincipalKind.USER, "alice", "CORP", sid="S-1-5-21-1-2-3-1104"),
                                42, FakeServer(), b"k" * 16)


@pytest.fixture
def groups() -> AssociationGroups:
    return AssociationGroups()


@pytest.fixture
def endpoint(registry: Registry, factory: Any, groups: AssociationGroups) -> Iterator[RpcEndpoint]:
    ep = RpcEndpoint("toy", registry, factory, assoc_groups=groups)
    yield ep
    ep.close()


@pytest.fixture
def anon_factory() -> Any:
    return make_context_factory(ANONYMOUS, 1, None)
