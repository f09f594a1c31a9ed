"""The handler API: how an RPC interface module declares itself and how its handlers are called.

An interface is a module-level :class:`Interface` object. Its operations are NDR descriptions
(:class:`smbemu.rpc.ndr.Operation`) registered by opnum, each paired with a handler::

    from smbemu.rpc import Interface, ndr

    INTERFACE = Interface(name="echo", uuid="12345678-1234-abcd-ef00-0123456789ab",
                          version=(1, 0), pipes=("echo",))

    @INTERFACE.operation(0, "EchoString", request=[("Text", ndr.WStringRef)],
                         response=[("Text", ndr.WString)], returns="WERROR")
    def EchoString(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        return {"Text": request["Text"], "ReturnValue": 0}

    INTERFACE.not_implemented(1, "EchoTwice")     # faults nca_op_rng_error, as Windows does

The handler convention:

* a handler is ``def Name(ctx: CallContext, request: dict) -> dict``;
* ``request`` maps each [in] parameter name to its decoded Python value;
* the returned dict maps each [out] parameter name to its value, plus ``"ReturnValue"``
  for the function's return code (NTSTATUS / WERROR / ...; 0 when omitted);
  ``Operation.error_response(status)`` builds the usual "all [out] NULL + error" answer;
* to answer with a fault PDU instead, raise :class:`smbemu.errors.RpcFault`;
* any other exception is logged and answered with a fault; nothing of it reaches the wire.

Access is decided in one place, the call context (the handler never reads the principal's kind
itself): a rule declared with the operation (``operation(..., rule=Rule(...))`` or
``Interface(..., rules={...})``) is checked by the runtime before the handler runs, unless it
varies per info level; a handler asks ``ctx.decide(level=...)`` for checks that need the
decoded request, ``ctx.grant(object_type, desired)`` when it opens a handle and
``ctx.require(granted, needed, object_type)`` when a call needs a right on one.  Every decision
lands on ``ctx.decision`` (the refusing one wins), which the audit log reads; a refusal's status
is the access denied of the operation's return type (``smbemu.policy.denied_status``)::

    @INTERFACE.operation(0, "EchoGreet", ..., returns="WERROR",
                         rule=Rule(Require.AUTHENTICATED, source="example"))

Every opnum from 0 to the highest one must be declared (an operation, or
``not_implemented(...)``); the registry checks this when it loads the interface.
"""

from __future__ import annotations

import inspect
import os
import re
import uuid as uuid_mod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, TypeVar, Union

from smbemu.errors import RpcFault
from smbemu.pipe_names import normalize_pipe_name
from smbemu.policy import Decision, Rule
from smbemu.principal import Principal, PrincipalKind
from smbemu.rpc.enforcement import Enforcement
from smbemu.rpc.handler_server import HandlerServer
from smbemu.rpc.ndr import NdrType, Operation, ReturnKind
from smbemu.status import FAULT_OUT_OF_RESOURCES, NCA_S_FAULT_CONTEXT_MISMATCH, NCA_S_OP_RNG_ERROR

__all__ = [
    "PRINCIPAL_KINDS",
    "HandleEntry", "HandleTable", "RpcStats",
    "CallContext", "ContextFactory", "make_context_factory", "Handler",
    "NotImplementedOp",
    "not_implemented", "Interface", "InterfaceError",
]


# -------------------------------------------------------------------------------------------
# Who is calling: smbemu.principal.Principal, the SMB session's own object (or the identity
# DCE/RPC authentication established), handed to the call context as is
# -------------------------------------------------------------------------------------------


#: The four kinds' names (``PrincipalKind`` values).
PRINCIPAL_KINDS: Final = frozenset(kind.value for kind in PrincipalKind)


# -------------------------------------------------------------------------------------------
# Context handles
# -------------------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class HandleEntry:
    """What a context handle refers to: a type tag (``"samr.domain"``), the object, the access
    mask granted when it was opened, and who opened it (``owner``: the caller key of the table
    view that created it, :meth:`HandleTable.for_caller`)."""

    kind: str
    obj: Any
    granted_access: int
    owner: Any = None


class HandleTable:
    """The context handles of one association group (C706 14.3.11, MS-RPCE 3.3.1.4).

    Handles are 20 bytes: four zero attribute bytes and a 16-byte identifier.  ``lookup``
    and ``close`` return ``None`` for an unknown, stale or wrongly typed handle; the handler
    decides what Windows answers (``STATUS_INVALID_HANDLE``, or
    ``RpcFault(NCA_S_FAULT_CONTEXT_MISMATCH)``).

    A handle belongs to the caller that opened it: the RPC runtime hands each call the view
    :meth:`for_caller` gives for the caller's identity, and a view sees only its own caller's
    handles; another principal's handle is answered exactly like an unknown one (MS-SAMR 3.1.2:
    "the identity of the client is the same as the identity of the client that originally
    opened the handle"; Samba's dcesrv_handle_lookup refuses a handle whose creator SID differs
    from the caller's).  The views share one table, its limit and its ids.
    """

    __slots__ = ("_entries", "_limit", "_new_id", "_owner", "_views")

    def __init__(self, limit: int = 4096, id_source: Callable[[], bytes] | None = None) -> None:
        self._entries: dict[bytes, HandleEntry] = {}
        self._limit = limit
        self._new_id = id_source or (lambda: os.urandom(16))
        self._owner: Any = None
        self._views: dict[Any, HandleTable] = {}

    def for_caller(self, owner: Any) -> HandleTable:
        """The table as the caller ``owner`` (any hashable key) sees it: the same view for the
        same owner, so its identity is stable across the calls of an association."""
        view = self._views.get(owner)
        if view is None:
            view = HandleTable.__new__(HandleTable)
            view._entries = self._entries
            view._limit = self._limit
            view._new_id = self._new_id
            view._owner = owner
            view._views = self._views
            self._views[owner] = view
        return view

    def __len__(self) -> int:
        return len(self._entries)

    def create(self, kind: str, obj: Any = None, granted_access: int = 0) -> bytes:
        """Open a handle; raises ``RpcFault(FAULT_OUT_OF_RESOURCES)`` when the table is full."""
        if len(self._entries) >= self._limit:
            raise RpcFault(FAULT_OUT_OF_RESOURCES, "context handle table full")
        while True:
            ident = self._new_id()
            if len(ident) != 16:
                raise ValueError("handle id source must return 16 bytes")
            handle = b"\x00\x00\x00\x00" + ident
            if handle not in self._entries and any(ident):
                break
        self._entries[handle] = HandleEntry(kind, obj, granted_access, self._owner)
        return handle

    def lookup(self, handle: bytes, kind: str | None = None) -> HandleEntry | None:
        entry = self._entries.get(bytes(handle))
        if entry is None or entry.owner != self._owner or (kind is not None and entry.kind != kind):
            return None
        return entry

    def issued(self, handle: bytes, interface: str) -> HandleEntry:
        """The entry of a handle this caller opened on ``interface`` (its kinds are named
        ``"<interface>.<object>"``), else the fault the RPC runtime answers before the server
        routine runs: nca_s_fault_context_mismatch 0x1C00001A (C706 14.3.11 / MS-RPCE 3.1.1.5.3:
        a context handle the server never issued, or already closed, is rejected by the
        runtime; the ``strict_context_handle`` attribute (MS-RPCE 2.2.4.15; MS-SAMR 3.1.2 /
        MS-LSAD 3.1.4 require it: "reject use of context handles created by a method of a
        different RPC interface") makes it reject a handle another interface of the same
        association group issued too, e.g. an lsarpc policy handle given to samr).  Samba's torture tests written against Windows
        (rpc.handles, samr.handletype) expect exactly this fault."""
        entry = self.lookup(handle)
        if entry is None or not entry.kind.startswith(interface + "."):
            raise RpcFault(NCA_S_FAULT_CONTEXT_MISMATCH,
                           f"context handle not issued by {interface} to this caller")
        return entry

    def close(self, handle: bytes, kind: str | None = None) -> HandleEntry | None:
        entry = self.lookup(handle, kind)
        if entry is not None:
            del self._entries[bytes(handle)]
        return entry

    def clear(self) -> None:
        self._entries.clear()
        self._views.clear()


# -------------------------------------------------------------------------------------------
# The call context
# -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class RpcStats:
    """The four counters of mgmt inq_stats (C706 appendix Q: calls in/out, packets in/out)."""

    calls_in: int = 0
    calls_out: int = 0
    pkts_in: int = 0
    pkts_out: int = 0


@dataclass(slots=True, eq=False)
class CallContext(Enforcement):
    """Everything a handler may know about the call, and the one place it asks about access
    (``decide`` / ``deny`` / ``grant`` / ``require``, :class:`~smbemu.rpc.enforcement.Enforcement`).

    Built by the SMB layer's context factory once per association (and again after DCE/RPC
    authentication changes the identity); the endpoint fills the per-call fields
    (``interface``, ``operation``, ``call_id``, ``context_id``, ``little_endian``) before each
    call.  Handlers must not keep it beyond the call.
    """

    #: Who is calling: the SMB session's principal itself, or the one DCE/RPC authentication
    #: established on this association.
    principal: Principal
    session_id: int
    pipe_name: str
    #: The server as a handler may read it (profile, directory, sessions: read-only).
    server: HandlerServer
    #: Context handles of this association group.
    handles: HandleTable
    #: MS-RPCE 2.2.1.1.8 level of DCE/RPC authentication (1 = none: the SMB session's identity).
    auth_level: int = 1
    #: MS-RPCE 2.2.1.1.7 security provider of DCE/RPC authentication (0 = none).
    auth_type: int = 0
    #: The session key (SMB session key, or the DCE/RPC one when RPC auth is used).
    session_key: bytes = b""
    assoc_group_id: int = 0
    #: Interfaces registered on this pipe (mgmt inq_if_ids lists them).
    pipe_interfaces: tuple[Interface, ...] = ()
    stats: RpcStats = field(default_factory=RpcStats)
    # per call
    interface: Interface | None = None
    operation: Operation | None = None
    call_id: int = 0
    context_id: int = 0
    little_endian: bool = True
    #: The access decision of this call (reset by the runtime before each call): the refusal
    #: when one was made, else the last rule that allowed it; None when no rule applied.
    decision: Decision | None = None


class ContextFactory(Protocol):
    """Builds the :class:`CallContext` of an association (supplied by the SMB/IPC layer).

    ``rpc_principal`` is the identity DCE/RPC authentication established, or ``None`` when
    the SMB session's identity applies; likewise ``session_key``.
    """

    def __call__(self, *, pipe_name: str, handles: HandleTable,
                 rpc_principal: Principal | None, auth_level: int, auth_type: int,
                 session_key: bytes | None) -> CallContext: ...


def make_context_factory(principal: Principal, session_id: int, server: HandlerServer,
                         session_key: bytes = b"", *,
                         pipe_name: str | None = None) -> ContextFactory:
    """The simplest factory: the SMB session's identity (``principal``, handed through as is)
    unless DCE/RPC auth supplies one.  ``pipe_name`` is accepted for callers that know it; the
    endpoint's normalized pipe name is the one the context carries."""
    default_key = session_key

    def factory(*, pipe_name: str, handles: HandleTable, rpc_principal: Principal | None,
                auth_level: int, auth_type: int, session_key: bytes | None) -> CallContext:
        return CallContext(
            principal=rpc_principal if rpc_principal is not None else principal,
            session_id=session_id, pipe_name=pipe_name, server=server, handles=handles,
            auth_level=auth_level, auth_type=auth_type,
            session_key=session_key if session_key is not None else default_key,
        )

    return factory


# -------------------------------------------------------------------------------------------
# Interfaces
# -------------------------------------------------------------------------------------------

Handler = Callable[[CallContext, dict[str, Any]], Mapping[str, Any]]
H = TypeVar("H", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class NotImplementedOp:
    """An opnum the interface defines but answers only with a fault."""

    fault: int = NCA_S_OP_RNG_ERROR
    name: str = ""


def not_implemented(fault: int = NCA_S_OP_RNG_ERROR, name: str = "") -> NotImplementedOp:
    """An ``operations`` entry for an opnum answered with ``fault`` (default nca_op_rng_error,
    what Windows answers for an opnum it does not implement)."""
    return NotImplementedOp(fault, name)


class InterfaceError(ValueError):
    """An interface declaration is inconsistent (bad UUID, gaps in the opnum table...)."""


#: A dispatch table entry: the operation and its handler, or a fault-only opnum.
DispatchEntry = Union[tuple[Operation, Handler], NotImplementedOp]

_PIPE_NAME_RE: Final = re.compile(r"^[A-Za-z0-9_.$-]{1,64}$")


class Interface:
    """An RPC interface: its syntax (UUID + version), the pipes it listens on, and one
    operation per opnum.

    ``operations`` maps opnum -> :class:`Operation` or :func:`not_implemented`; ``handlers``
    maps opnum -> handler for every :class:`Operation`.  Both may also be filled with the
    :meth:`operation` decorator and :meth:`not_implemented`.  ``opnum_count`` (optional) is
    the number of opnums the spec defines, so a missing tail is caught too.
    ``secondary_address`` is what Windows names in bind_ack for the pipes of this interface
    (``\\PIPE\\lsass`` for lsarpc/samr/netlogon); by default ``\\PIPE\\<pipe>``.
    """

    def __init__(self, name: str, uuid: str, version: tuple[int, int],
                 pipes: Sequence[str] = (),
                 operations: Mapping[int, Operation | NotImplementedOp] | None = None,
                 handlers: Mapping[int, Handler] | None = None, *,
                 opnum_count: int | None = None, secondary_address: str | None = None,
                 description: str = "", rules: Mapping[str, Rule] | None = None) -> None:
        try:
            parsed = uuid_mod.UUID(uuid)
        except (ValueError, TypeError, AttributeError) as exc:
            raise InterfaceError(f"interface {name!r}: {uuid!r} is not a UUID") from exc
        if (not isinstance(version, tuple) or len(version) != 2
                or not all(isinstance(v, int) and 0 <= v <= 0xFFFF for v in version)):
            raise InterfaceError(f"interface {name!r}: version {version!r} must be "
                                 "(major, minor) with 16-bit integers")
        if isinstance(pipes, str):
            raise InterfaceError(f"interface {name!r}: pipes must be a tuple of names, "
                                 f"not the string {pipes!r}")
        pipe_names = []
        for p in pipes:
            n = normalize_pipe_name(p)
            if not _PIPE_NAME_RE.match(n):
                raise InterfaceError(f"interface {name!r}: {p!r} is not a pipe name")
            pipe_names.append(n)
        self.name = name
        self.uuid = parsed
        self.version = version
        self.pipes: tuple[str, ...] = tuple(dict.fromkeys(pipe_names))
        self.operations: dict[int, Operation | NotImplementedOp] = dict(operations or {})
        self.handlers: dict[int, Handler] = dict(handlers or {})
        self.opnum_count = opnum_count
        self.secondary_address = secondary_address
        self.description = description
        #: operation name -> the rule the interface ships for it (checked against the operations
        #: when the registry loads the interface).
        self.rules: dict[str, Rule] = dict(rules or {})
        #: opnum -> entry, built by :meth:`validate`.
        self.dispatch: tuple[DispatchEntry, ...] = ()

    def __repr__(self) -> str:
        return f"<Interface {self.name} {self.uuid} v{self.version[0]}.{self.version[1]}>"

    @property
    def syntax(self) -> tuple[uuid_mod.UUID, int, int]:
        return (self.uuid, self.version[0], self.version[1])

    # declaration helpers
    def operation(self, opnum: int, name: str | None = None,
                  request: Sequence[tuple[str, NdrType]] = (),
                  response: Sequence[tuple[str, NdrType]] = (),
                  returns: ReturnKind | NdrType | None = "NTSTATUS", *,
                  rule: Rule | None = None) -> Callable[[H], H]:
        """Decorator: declare opnum ``opnum`` and register the function as its handler;
        ``rule`` is who may call it (checked by the runtime before the handler runs)."""

        def register(fn: H) -> H:
            op = Operation(opnum, name or fn.__name__, request, response, returns)
            self._add(opnum, op)
            self.handlers[opnum] = fn
            if rule is not None:
                self.rules[op.name] = rule
            return fn

        return register

    def not_implemented(self, opnum: int, name: str = "",
                        fault: int = NCA_S_OP_RNG_ERROR) -> None:
        self._add(opnum, NotImplementedOp(fault, name))

    def _add(self, opnum: int, op: Operation | NotImplementedOp) -> None:
        if opnum in self.operations:
            raise InterfaceError(f"interface {self.name!r}: opnum {opnum} declared twice")
        self.operations[opnum] = op

    # checked at load time
    def validate(self) -> None:
        """Check the declaration and build :attr:`dispatch`; raises :class:`InterfaceError`."""
        where = f"interface {self.name!r}"
        if not self.name or not isinstance(self.name, str):
            raise InterfaceError(f"{where}: needs a name")
        count = self.opnum_count
        top = max(self.operations, default=-1) + 1
        if count is None:
            count = top
        elif top > count:
            raise InterfaceError(f"{where}: opnum {top - 1} is beyond opnum_count {count}")
        missing = [n for n in range(count) if n not in self.operations]
        if missing:
            shown = ", ".join(map(str, missing[:10])) + ("..." if len(missing) > 10 else "")
            raise InterfaceError(f"{where}: opnums {shown} are not declared; declare each one "
                                 "(use not_implemented() for those that only fault)")
        entries: list[DispatchEntry] = []
        for opnum in range(count):
            op = self.operations[opnum]
            if isinstance(op, NotImplementedOp):
                if opnum in self.handlers:
                    raise InterfaceError(f"{where}: opnum {opnum} is not_implemented but "
                                         "has a handler")
                entries.append(op)
                continue
            if not isinstance(op, Operation):
                raise InterfaceError(f"{where}: opnum {opnum}: {op!r} is not an Operation")
            if op.opnum != opnum:
                raise InterfaceError(f"{where}: {op.name} is declared with opnum {op.opnum} "
                                     f"but registered under {opnum}")
            handler = self.handlers.get(opnum)
            if handler is None:
                raise InterfaceError(f"{where}: opnum {opnum} ({op.name}) has no handler")
            _check_handler(where, op.name, handler)
            entries.append((op, handler))
        extra = sorted(set(self.handlers) - set(self.operations))
        if extra:
            raise InterfaceError(f"{where}: handlers for undeclared opnums {extra}")
        self.dispatch = tuple(entries)


def _check_handler(where: str, opname: str, handler: object) -> None:
    if not callable(handler):
        raise InterfaceError(f"{where}: handler of {opname} is not callable")
    try:
        sig = inspect.signature(handler)
    except (TypeError, ValueError):  # builtins without a signature: trust them
        return
    try:
        sig.bind(None, None)
    except TypeError as exc:
        raise InterfaceError(f"{where}: handler of {opname} must accept (ctx, request): "
                             f"{exc}") from exc


def iter_interfaces(obj: object) -> Iterable[Interface]:
    """Interfaces exported by an entry-point object or a module: an :class:`Interface`, an
    iterable of them, or a module with ``INTERFACE`` / ``INTERFACES``."""
    if isinstance(obj, Interface):
        return (obj,)
    if inspect.ismodule(obj):
        found: list[Interface] = []
        single = getattr(obj, "INTERFACE", None)
        if single is not None:
            found.extend(iter_interfaces(single))
        many = getattr(obj, "INTERFACES", None)
        if many is not None:
            found.extend(iter_interfaces(many))
        return found
    if isinstance(obj, (list, tuple)):
        out: list[Interface] = []
        for item in obj:
            if not isinstance(item, Interface):
                raise InterfaceError(f"{item!r} is not an Interface")
            out.append(item)
        return out
    raise InterfaceError(f"{obj!r} is not an Interface, a list of them or a module")

