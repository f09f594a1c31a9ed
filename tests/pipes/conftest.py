"""Fixtures for the pipe handler tests: a real RpcEndpoint per pipe, bound like a client binds.

Handlers are reached the production way: the registry loads them through the ``smbemu.pipes``
entry points (style-anchors §9: tests never import ``smbemu_pipes`` by name), an
``RpcEndpoint`` is opened on the pipe with a context factory whose principal the test chooses,
and every call travels as bind / request / response PDUs.

``pipe_client(pipe, kind="anonymous", profile="win2000", server=None)`` returns a
:class:`PipeClient`; ``server_config(profile)`` a fresh ``ServerConfig`` (its own ``sessions``)
sharing the profile, directory and registry loaded once per profile.  The module's test files
reach these classes only through the fixtures (``--import-mode=importlib``).
"""

from __future__ import annotations

import random
import time
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from impacket.dcerpc.v5.rpcrt import DCERPC_v5  # type: ignore[import-untyped]
from impacket.uuid import uuidtup_to_bin  # type: ignore[import-untyped]

from smbemu.builder import build_config
from smbemu.config import ServerConfig
from smbemu.principal import Principal, PrincipalKind
from smbemu.rpc.endpoint import RpcEndpoint
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
from smbemu.rpc.registry import Registry
from smbemu.state import Open, Session, SessionState, TreeConnect

from rpcmem import MemoryPipe

_LOADED: dict[str, Any] = {}

USERS = {
    "anonymous": ("", ""),
    "guest": ("Guest", "LEGACYSRV"),
    "user": ("alice", "CORP"),
    "administrator": ("Administrator", "CORP"),
}


def _base(profile: str, overrides: tuple[str, ...] = ()) -> Any:
    key = f"{profile}|{'|'.join(overrides)}"
    cfg = _LOADED.get(key)
    if cfg is None:
        cfg = _LOADED[key] = build_config(profile, overrides=overrides)
    return cfg


def fresh_config(profile: str = "win2000", *overrides: str) -> ServerConfig:
    """A new ServerConfig (its own sessions and cache) over a profile loaded once."""
    base = _base(profile, tuple(overrides))
    return ServerConfig(profile=base.profile, directory=base.directory, pipes=base.pipes)


class CallFault(Exception):
    """The call was answered with a fault PDU."""

    def __init__(self, status: int) -> None:
        super().__init__(f"fault 0x{status:08X}")
        self.status = status


class PipeClient:
    """A DCE/RPC client in memory: one bound association on one pipe."""

    def __init__(self, registry: Registry, server: Any, pipe: str, kind: str,
                 session_id: int = 0x1001) -> None:
        user, domain = USERS[kind]
        principal = Principal(PrincipalKind(kind), user, domain)
        self.server = server
        self.registry = registry
        self.pipe = pipe
        self.interface = next(i for i in registry.interfaces_for_pipe(pipe) if i.name == pipe)
        self.endpoint = RpcEndpoint(pipe, registry, make_context_factory(principal, session_id,
                                                                         server))
        #: ``ctx.decision`` of the last call, as the endpoint's on_call observer (the audit log)
        #: sees it.
        self.decision: Any = None
        self.endpoint.on_call = self._observe
        self.call_id = 1
        major, minor = self.interface.version
        syntax = SyntaxId(self.interface.uuid, minor << 16 | major)
        self.endpoint.write(encode_pdu(Pdu(Bind(4280, 4280, 0, (ContextElement(0, syntax,
                                                                                 (NDR20,)),)),
                                           self.call_id, PFC_FIRST_FRAG | PFC_LAST_FRAG)))
        (ack,) = self.drain()
        assert isinstance(ack.body, BindAck) and ack.body.results[0].result == 0

    def _observe(self, ctx: Any, interface: str, operation: str, status: int, reason: Any,
                 **_: Any) -> None:
        self.decision = ctx.decision

    def op(self, opnum: int) -> Operation:
        op = self.interface.operations[opnum]
        assert isinstance(op, Operation), f"opnum {opnum} is not an operation"
        return op

    def drain(self) -> list[Pdu]:
        out = []
        while self.endpoint.has_output():
            msg, more = self.endpoint.read(1 << 20)
            assert not more
            out.append(parse_pdu(msg))
        return out

    def raw(self, opnum: int, stub: bytes) -> bytes:
        """Send one request with ``stub``; the reassembled response stub, or CallFault."""
        self.call_id += 1
        self.endpoint.write(encode_pdu(Pdu(Request(len(stub), 0, opnum, stub), self.call_id,
                                           PFC_FIRST_FRAG | PFC_LAST_FRAG)))
        pdus = self.drain()
        assert pdus, "no answer"
        if isinstance(pdus[0].body, Fault):
            raise CallFault(pdus[0].body.status)
        data = b""
        for pdu in pdus:
            assert isinstance(pdu.body, Response) and pdu.call_id == self.call_id
            data += pdu.body.stub
        return data

    def call(self, opnum: int, **values: Any) -> dict[str, Any]:
        """Encode the request with smbemu's own NDR, send it, decode the response."""
        op = self.op(opnum)
        stub = op.encode_request({**{n: t.default() for n, t in op.request}, **values})
        return op.decode_response(self.raw(opnum, stub))

    def garbled(self, opnum: int, handle: bytes, rng: random.Random, **values: Any) -> int | None:
        """A valid request (every parameter its neutral value, the first one ``handle``, those
        of ``values`` the request has set to them) with a few 32-bit words after the handle
        replaced by small numbers (counts, lengths, pointers, levels), so that decoding and the
        handler get far; the fault status, or None for a response."""
        op = self.op(opnum)
        request = {name: kind.default() for name, kind in op.request}
        request[op.request[0][0]] = handle
        request.update((name, value) for name, value in values.items() if name in request)
        body = bytearray(op.encode_request(request))
        for _ in range(rng.randrange(0, 4)):
            if len(body) > 24:
                at = rng.randrange(20, len(body) - 3) & ~3
                body[at:at + 4] = rng.choice((0, 1, 2, 3, 4, 8, 0x20000, 0xFFFFFFFF)).to_bytes(4, "little")
        try:
            self.raw(opnum, bytes(body))
        except CallFault as fault:
            return fault.status
        return None

    def fault(self, opnum: int, stub: bytes = b"") -> int:
        with pytest.raises(CallFault) as info:
            self.raw(opnum, stub)
        return info.value.status


PipeTransport = MemoryPipe  # the name the handler tests use


def impacket_dce(server: Any, pipe: str, kind: str, session_id: int = 0x1001) -> DCERPC_v5:
    """impacket's real DCE/RPC client, bound to ``pipe``'s interface over an in-memory pipe."""
    user, domain = USERS[kind]
    endpoint = RpcEndpoint(pipe, server.pipes, make_context_factory(
        Principal(PrincipalKind(kind), user, domain), session_id, server))
    dce = PipeTransport(endpoint).get_dce_rpc()
    dce.connect()
    iface = server.pipes.interface(pipe)
    dce.bind(uuidtup_to_bin((str(iface.uuid), f"{iface.version[0]}.{iface.version[1]}")))
    return dce


def add_session(server: Any, kind: str, *, address: str = "10.0.0.5", pipes: tuple[str, ...] = (),
                session_id: int | None = None, age: float = 60.0) -> Session:
    """Put an established session (with an IPC$ tree and open pipes) on the server."""
    user, domain = USERS[kind]
    sid = session_id if session_id is not None else 0x10000000 + len(server.sessions) + 1
    session = Session(session_id=sid, state=SessionState.VALID,
                      principal=Principal(PrincipalKind(kind), user, domain, "CLIENTPC"),
                      created_at=time.time() - age, client_address=address)
    tree = TreeConnect(tree_id=1, share_name="IPC$", is_ipc=True)
    session.tree_connects[1] = tree
    for i, name in enumerate(pipes, start=1):
        session.opens[0x100 + i] = Open(persistent_id=i, volatile_id=0x100 + i, tree=tree,
                                        pipe_name=name, endpoint=None, granted_access=0x12019F)
    server.sessions[sid] = session
    return session


@pytest.fixture
def server_config() -> Callable[[str], ServerConfig]:
    return fresh_config


@pytest.fixture
def pipe_client() -> Iterator[Callable[..., PipeClient]]:
    def make(pipe: str, kind: str = "anonymous", profile: str = "win2000",
             server: Any = None) -> PipeClient:
        srv = server if server is not None else fresh_config(profile)
        return PipeClient(srv.pipes, srv, pipe, kind)

    yield make


@pytest.fixture
def pipes_h() -> types.SimpleNamespace:
    """Helpers for the test modules (which cannot import this file)."""
    return types.SimpleNamespace(CallFault=CallFault, add_session=add_session,
                                 fresh_config=fresh_config, USERS=USERS,
                                 impacket_dce=impacket_dce, PipeTransport=PipeTransport)
