"""One open named pipe speaking connection-oriented DCE/RPC, sans-I/O (MS-RPCE 3.3.3).

The SMB layer creates an :class:`RpcEndpoint` when a pipe is opened and feeds it the bytes the
client writes (``write``), or writes and reads at once (``transceive`` for
FSCTL_PIPE_TRANSCEIVE).  Answers are queued as messages, one per PDU fragment, and taken
with ``read`` (message mode: a short buffer gets the first part, ``more=True``, and the rest
stays for the next read).  Nothing here blocks, awaits or raises to the caller.

Behaviour, following Windows (as Samba's raw_protocol tests, run against Windows, pin it):

* the first PDU must be a bind; anything else gets bind_nak "protocol version not
  supported" and ends the association; a second bind gets bind_nak "reason not specified";
* max_xmit_frag / max_recv_frag: ``max(2048, min(client xmit, client recv))``, capped at
  the transport maximum (4280 on SMB), rounded down to a multiple of 8, both set to that
  value; later alter_context values are ignored;
* presentation contexts: NDR20, and NDR64 (preferred) where the profile's ``rpc.ndr64``
  says (:func:`~smbemu.rpc.association.negotiate`); one *new* context is accepted per
  bind/alter_context, later ones for known interfaces are refused with "proposed transfer
  syntaxes not supported", unknown ones with "abstract syntax not supported" (the bind itself
  still succeeds: bind_ack, not bind_nak); a bind-time feature negotiation context is
  answered ``negotiate_ack`` with the features Windows supports (security context
  multiplexing, keep connection on orphan) that were asked for;
* bind_ack names the pipe as ``\\PIPE\\srvsvc``, lsass's as ``rpc.lsass_pipe_address`` says;
* a bind naming an association group joins it only when the group is this client's (same
  machine and principal, :func:`smbemu.rpc.association.client_of`); an unknown id or another
  client's gets bind_nak "reason not specified", as Samba answers a group it will not give;
* requests: fragments reassembled up to 4 MiB (more, or more than the connection's or the
  server's budget, :mod:`smbemu.rpc.pdu.budget`: fault access denied and disconnect);
  unknown context id: fault nca_unk_if; unknown opnum: fault nca_op_rng_error; stub that
  does not decode: fault nca_s_fault_ndr; a handler's RpcFault: that fault; any other
  handler exception: logged, fault nca_s_fault_unspec;
* responses are fragmented to max_xmit_frag (stub chunks of ``max_xmit_frag - 24``, minus
  the verifier when there is one, rounded down to 16), alloc_hint = bytes remaining,
  context id truncated to 8 bits as Windows does;
* a write is processed in slices; the rest waits for a later turn of the event loop
  (:mod:`smbemu.rpc.pdu.sliced_input`);
* the client's drep is honoured for decoding; answers use the server's own little-endian
  representation (NDR "receiver makes right", what Windows sends), unless
  ``reply_in_client_drep=True``;
* protocol violations answer a fault (nca_proto_error or as noted) and end the association:
  :attr:`RpcEndpoint.terminated` becomes true, further input is ignored, and the SMB layer
  should treat the pipe as disconnected once the queued output is read.

Beside this module: :mod:`smbemu.rpc.association` (association groups, presentation context
negotiation), :mod:`smbemu.rpc.dispatch` (one call from stub to answer, the declared access
rule checked before the handler), :mod:`smbemu.rpc.fragments` (response fragmentation).
"""

from __future__ import annotations

import collections
import logging
from dataclasses import dataclass
from typing import Any, Final

from smbemu.pipe_names import normalize_pipe_name
from smbemu.rpc.association import (
    AssociationGroup,
    AssociationGroups,
    ContextListError,
    PresContext,
    caller_identity,
    client_of,
    negotiate,
)
from smbemu.rpc.dispatch import run_call
from smbemu.rpc.fragments import response_fragments
from smbemu.rpc.interface import (
    CallContext,
    ContextFactory,
    HandleTable,
    Interface,
    RpcStats,
)
from smbemu.rpc.pdu.sliced_input import SlicedInput
from smbemu.rpc.pdu import (
    DREP_BE,
    DREP_LE,
    PFC_DID_NOT_EXECUTE,
    PFC_FIRST_FRAG,
    PFC_LAST_FRAG,
    PFC_OBJECT_UUID,
    PFC_PENDING_CANCEL,
    PFC_SUPPORT_HEADER_SIGN,
    REQUEST_HEADER_SIZE,
    AlterContextResp,
    AuthVerifier,
    Bind,
    BindAck,
    BindNak,
    BindNakReason,
    ContextElement,
    ContextResult,
    Fault,
    Header,
    Pdu,
    PduError,
    PType,
    Request,
    encode_pdu,
    parse_header,
    parse_pdu,
)
from smbemu.rpc.registry import PipeInfo, Registry
from smbemu.rpc.security import AuthRejected, NullAuth, RpcAuth, VerifyFailed
from smbemu.status import (
    FAULT_ACCESS_DENIED,
    FAULT_NO_CALL_ACTIVE,
    NCA_S_FAULT_UNSPEC,
    NCA_S_PROTO_ERROR,
    NCA_S_UNK_IF,
)

__all__ = ["RpcEndpoint", "SMB_MAX_FRAG", "MAX_REQUEST_SIZE"]

log = logging.getLogger(__name__)

#: The largest fragment Windows accepts and sends on a named pipe (MS-RPCE 3.3.3.5.4).
SMB_MAX_FRAG: Final = 4280
#: The smallest max_xmit/recv_frag a bind can negotiate (Windows answers at least 2048).
MIN_FRAG: Final = 2048
#: MS-RPCE 3.3.3.5.4: default limit of a reassembled request stub.
MAX_REQUEST_SIZE: Final = 4 * 1024 * 1024
#: The handle table of a context built only to learn who the client is (never used for calls).
_NO_HANDLES: Final = HandleTable(0)
#: A fault PDU's alloc_hint (Windows sends a non-zero value; Samba sends 24).
FAULT_ALLOC_HINT: Final = 24


@dataclass(slots=True)
class _Pending:
    """A request whose later fragments are still to come."""

    call_id: int
    context: PresContext
    opnum: int
    drep: bytes
    stub: bytearray


def _profile_rpc(ctx: CallContext) -> Any:
    """The profile's ``rpc`` settings (``ndr64``, ``lsass_pipe_address``); None without one."""
    return getattr(getattr(ctx.server, "profile", None), "rpc", None)


class _Abort(Exception):
    """Internal: answer with ``pdu`` (if any) and end the association."""

    def __init__(self, reply: bytes | None) -> None:
        super().__init__("association aborted")
        self.reply = reply


class RpcEndpoint(SlicedInput):
    """The DCE/RPC server side of one open pipe (one association).

    ``context_factory`` builds the :class:`CallContext` handlers receive (see
    :func:`smbemu.rpc.interface.make_context_factory`); ``auth`` is the DCE/RPC security
    provider state (default :class:`~smbemu.rpc.security.NullAuth`); ``assoc_groups`` lets
    several endpoints share association groups (and their context handles).
    """

    def __init__(self, pipe_name: str, registry: Registry, context_factory: ContextFactory, *,
                 auth: RpcAuth | None = None, assoc_groups: AssociationGroups | None = None,
                 secondary_address: str | None = None, max_frag: int = SMB_MAX_FRAG,
                 max_request_size: int = MAX_REQUEST_SIZE,
                 reply_in_client_drep: bool = False) -> None:
        info = registry.pipe(pipe_name)
        if info is None:
            info = PipeInfo(normalize_pipe_name(pipe_name), (), {}, "")
        self.pipe_name = info.name
        self._pipe = info
        self._context_factory = context_factory
        self._auth: RpcAuth = auth if auth is not None else NullAuth()
        self._groups = assoc_groups if assoc_groups is not None else AssociationGroups()
        self._group: AssociationGroup | None = None
        self._secondary = secondary_address if secondary_address is not None \
            else info.secondary_address
        self._server_max_frag = max_frag
        self._max_request = max_request_size
        self._client_drep = reply_in_client_drep
        SlicedInput.__init__(self)
        self._out: collections.deque[bytes] = collections.deque()
        self._out_bytes = 0
        self._bound = False
        self._terminated = False
        self._max_xmit = max_frag
        self._contexts: dict[int, PresContext] = {}
        self._pending: _Pending | None = None
        self._features = 0
        self._ndr64 = False
        self._ctx: CallContext | None = None
        self._ctx_key: tuple[Any, ...] = ()  # the security context self._ctx was made for
        self.stats = RpcStats()
        #: Called after every call as ``on_call(ctx, interface, operation_name, status, reason,
        #: fault=..., opnum=...)``: ``reason`` is the runtime's when it answered without running
        #: a handler, else None (the SMB layer's audit log fills in the policy's). Never raises.
        self.on_call: Any = None

    # ---------------------------------------------------------------- public surface
    @property
    def terminated(self) -> bool:
        """True once a protocol violation ended the association (see module docstring)."""
        return self._terminated

    @property
    def bound(self) -> bool:
        return self._bound

    @property
    def max_xmit_frag(self) -> int:
        return self._max_xmit

    @property
    def assoc_group_id(self) -> int:
        return self._group.id if self._group is not None else 0

    @property
    def bind_time_features(self) -> int:
        return self._features

    @property
    def auth(self) -> RpcAuth:
        return self._auth

    def read(self, max_bytes: int) -> tuple[bytes, bool]:
        """The next queued message, or its first ``max_bytes`` with ``more=True``."""
        out = self._out
        if not out:
            return b"", False
        msg = out[0]
        if len(msg) <= max_bytes:
            out.popleft()
            self._out_bytes -= len(msg)
            return msg, False
        out[0] = msg[max_bytes:]
        self._out_bytes -= max_bytes
        return msg[:max_bytes], True

    def has_output(self) -> bool:
        return bool(self._out)

    @property
    def queued_bytes(self) -> int:
        """Response bytes written by the server and not yet read by the client."""
        return self._out_bytes

    def peek(self) -> tuple[int, int, int]:
        """(bytes queued, messages queued, length of the next message): FSCTL_PIPE_PEEK and
        FilePipeLocalInformation report these (MS-FSCC 2.3.46, 2.4.30)."""
        out = self._out
        if not out:
            return 0, 0, 0
        return self._out_bytes, len(out), len(out[0])

    def peek_data(self, max_bytes: int) -> tuple[bytes, bool]:
        """What `read(max_bytes)` would return, left queued (a pipe peek, MS-FSCC 2.3.46):
        the start of the next message, and whether more of it is left beyond ``max_bytes``."""
        out = self._out
        if not out or max_bytes <= 0:
            return b"", bool(out)
        msg = out[0]
        return msg[:max_bytes], len(msg) > max_bytes

    def transceive(self, data: bytes | bytearray | memoryview, max_out: int) -> tuple[bytes, bool]:
        """FSCTL_PIPE_TRANSCEIVE: write ``data`` and read one message."""
        self.write(data)
        return self.read(max_out)

    def close(self) -> None:
        """The pipe was closed: leave the association group."""
        if self._group is not None:
            self._groups.release(self._group)
            self._group = None
        self._contexts.clear()
        self._pending = None
        self._drop_input()
        self._ctx = None

    # ---------------------------------------------------------------- dispatch
    def _process(self, raw: bytes) -> None:
        self.stats.pkts_in += 1
        hdr = parse_header(raw)
        try:
            if not self._bound:
                self._on_first(raw, hdr)
                return
            if hdr.rpc_vers != 5 or hdr.rpc_vers_minor > 1:
                raise _Abort(self._fault(hdr.call_id, NCA_S_PROTO_ERROR, 0, dne=True))
            handler = self._HANDLERS.get(hdr.ptype, RpcEndpoint._on_unexpected)
            handler(self, raw, hdr)
        except _Abort as abort:
            if abort.reply is not None:
                self._emit(abort.reply)
            self._terminate()
        except Exception:  # a bug of ours: never let it reach the wire or the SMB layer
            log.exception("pipe %s: internal error on PTYPE %d call %d", self.pipe_name,
                          hdr.ptype, hdr.call_id)
            self._emit(self._fault(hdr.call_id, NCA_S_FAULT_UNSPEC, 0))
            self._terminate()

    def _terminate(self) -> None:
        self._terminated = True
        self._pending = None
        self._release_stub()

    def _emit(self, frag: bytes) -> None:
        self._out.append(frag)
        self._out_bytes += len(frag)
        self.stats.pkts_out += 1

    def _reply_drep(self, drep: bytes) -> bytes:
        if self._client_drep and not drep[0] & 0x10:
            return DREP_BE
        return DREP_LE

    def _fault(self, call_id: int, status: int, context_id: int, *, dne: bool = False,
               drep: bytes = DREP_LE) -> bytes:
        flags = PFC_FIRST_FRAG | PFC_LAST_FRAG | (PFC_DID_NOT_EXECUTE if dne else 0)
        body = Fault(FAULT_ALLOC_HINT, context_id & 0xFFFF, 0, status)
        return encode_pdu(Pdu(body, call_id, flags, drep=self._reply_drep(drep)))

    def _proto_error(self, hdr: Header) -> _Abort:
        """nca_proto_error (did not execute) and end the association."""
        return _Abort(self._fault(hdr.call_id, NCA_S_PROTO_ERROR, 0, dne=True, drep=hdr.drep))

    def _nak(self, call_id: int, reason: int, drep: bytes) -> _Abort:
        return _Abort(encode_pdu(Pdu(BindNak(reason), call_id, drep=self._reply_drep(drep))))

    # ---------------------------------------------------------------- bind
    def _on_first(self, raw: bytes, hdr: Header) -> None:
        """MS-RPCE 3.3.3.4: the association starts with a bind."""
        if hdr.ptype != PType.BIND or hdr.rpc_vers != 5 or hdr.rpc_vers_minor > 1:
            raise self._nak(hdr.call_id, BindNakReason.PROTOCOL_VERSION_NOT_SUPPORTED, hdr.drep)
        try:
            pdu = parse_pdu(raw)
        except PduError as exc:
            log.info("pipe %s: malformed bind: %s", self.pipe_name, exc)
            raise self._nak(hdr.call_id, BindNakReason.REASON_NOT_SPECIFIED, hdr.drep) from None
        body = pdu.body
        assert isinstance(body, Bind)
        group: AssociationGroup | None = None
        transport = self._transport_context()
        settings = _profile_rpc(transport)
        self._ndr64 = bool(getattr(settings, "ndr64", False))
        if getattr(settings, "lsass_pipe_address", "") and self._secondary.lower() == "\\pipe\\lsass":
            self._secondary = settings.lsass_pipe_address  # the version's case
        client = client_of(transport)
        if body.assoc_group_id:
            # Another client's group is refused like an unknown one (association.client_of);
            # Samba answers a group it will not give out with bind_nak reason 0 as well.
            group = self._groups.join(body.assoc_group_id, client)
            if group is None:
                raise self._nak(hdr.call_id, BindNakReason.REASON_NOT_SPECIFIED, hdr.drep)
        if not body.contexts:
            raise self._nak(hdr.call_id, BindNakReason.PROTOCOL_VERSION_NOT_SUPPORTED, hdr.drep)
        try:
            results = self._negotiate(body.contexts, bind=True)
        except ContextListError:
            raise self._nak(hdr.call_id, BindNakReason.REASON_NOT_SPECIFIED, hdr.drep) from None
        out_auth: AuthVerifier | None = None
        flags = PFC_FIRST_FRAG | PFC_LAST_FRAG
        if pdu.auth is not None:
            try:
                out_auth = self._auth.process_bind_auth(pdu.auth, alter=False,
                                                        client_flags=pdu.pfc_flags)
            except AuthRejected as exc:
                log.info("pipe %s: bind authentication refused: %s", self.pipe_name, exc)
                raise self._nak(hdr.call_id, exc.reject_reason, hdr.drep) from None
            if pdu.pfc_flags & PFC_SUPPORT_HEADER_SIGN and self._auth.header_signing:
                flags |= PFC_SUPPORT_HEADER_SIGN
            self._ctx = None
        max_req = max(MIN_FRAG, min(body.max_xmit_frag, body.max_recv_frag))
        self._max_xmit = min(max_req, self._server_max_frag) & 0xFFF8
        if group is None:
            group = self._groups.create(client)
        self._groups.acquire(group)
        self._group = group
        self._bound = True
        ack = BindAck(self._max_xmit, self._max_xmit, group.id, self._secondary, results)
        self._emit(encode_pdu(Pdu(ack, hdr.call_id, flags, out_auth,
                                  drep=self._reply_drep(hdr.drep))))

    def _negotiate(self, contexts: tuple[ContextElement, ...], *,
                   bind: bool) -> tuple[ContextResult, ...]:
        results, features = negotiate(self._pipe, self._contexts, contexts, bind=bind,
                                      ndr64=self._ndr64)
        if features is not None:
            self._features = features
        return results

    def _on_bind(self, raw: bytes, hdr: Header) -> None:
        """Only one bind per association (C706 12.4.2.3): bind_nak and disconnect."""
        raise self._nak(hdr.call_id, BindNakReason.REASON_NOT_SPECIFIED, hdr.drep)

    def _on_alter(self, raw: bytes, hdr: Header) -> None:
        """alter_context: add presentation contexts, continue authentication."""
        try:
            pdu = parse_pdu(raw)
        except PduError as exc:
            log.info("pipe %s: malformed alter_context: %s", self.pipe_name, exc)
            raise self._proto_error(hdr) from None
        body = pdu.body
        assert isinstance(body, Bind)
        out_auth: AuthVerifier | None = None
        if pdu.auth is not None:
            try:
                out_auth = self._auth.process_bind_auth(pdu.auth, alter=True,
                                                        client_flags=pdu.pfc_flags)
            except AuthRejected as exc:
                log.info("pipe %s: alter_context authentication refused: %s",
                         self.pipe_name, exc)
                raise _Abort(self._fault(hdr.call_id, exc.fault_status, 0, dne=True,
                                         drep=hdr.drep)) from None
            self._ctx = None
        if not body.contexts:
            raise self._proto_error(hdr)
        try:
            results = self._negotiate(body.contexts, bind=False)
        except ContextListError:
            raise self._proto_error(hdr) from None
        group_id = self._group.id if self._group is not None else 0
        resp = AlterContextResp(self._max_xmit, self._max_xmit, group_id, "", results)
        self._emit(encode_pdu(Pdu(resp, hdr.call_id, PFC_FIRST_FRAG | PFC_LAST_FRAG, out_auth,
                                  drep=self._reply_drep(hdr.drep))))

    def _on_auth3(self, raw: bytes, hdr: Header) -> None:
        """rpc_auth_3 (MS-RPCE 2.2.2.10): the last authentication leg; no answer."""
        try:
            pdu = parse_pdu(raw)
        except PduError:
            raise self._proto_error(hdr) from None
        if pdu.auth is None:
            raise self._proto_error(hdr)
        try:
            self._auth.process_auth3(pdu.auth)
        except AuthRejected as exc:
            log.info("pipe %s: auth3 refused: %s", self.pipe_name, exc)
            if exc.fault_status:
                raise _Abort(self._fault(hdr.call_id, exc.fault_status, 0, dne=True,
                                         drep=hdr.drep)) from None
        self._ctx = None

    def _on_ignored(self, raw: bytes, hdr: Header) -> None:
        """co_cancel / orphaned: calls run to completion here; nothing to cancel."""

    def _on_unexpected(self, raw: bytes, hdr: Header) -> None:
        raise _Abort(self._fault(hdr.call_id, NCA_S_PROTO_ERROR, 0, dne=True, drep=hdr.drep))

    # ---------------------------------------------------------------- requests
    def _on_request(self, raw: bytes, hdr: Header) -> None:
        flags = hdr.pfc_flags
        pending = self._pending
        if hdr.frag_length > self._server_max_frag:
            raise _Abort(self._fault(hdr.call_id, NCA_S_PROTO_ERROR, 0, drep=hdr.drep))
        try:
            pdu = parse_pdu(raw)
        except PduError as exc:
            log.info("pipe %s: malformed request: %s", self.pipe_name, exc)
            raise self._proto_error(hdr) from None
        body = pdu.body
        assert isinstance(body, Request)
        if flags & PFC_FIRST_FRAG:
            if pending is not None:
                # a new call while one is being reassembled: fault the pending one
                raise _Abort(self._fault(pending.call_id, NCA_S_PROTO_ERROR,
                                         pending.context.context_id, drep=pending.drep))
            if flags & PFC_PENDING_CANCEL:
                raise _Abort(self._fault(hdr.call_id, FAULT_NO_CALL_ACTIVE, 0, dne=True,
                                         drep=hdr.drep))
            context = self._contexts.get(body.context_id)
            if context is None:
                self._emit(self._fault(hdr.call_id, NCA_S_UNK_IF, 0, dne=True, drep=hdr.drep))
                return
            opnum = body.opnum
        else:
            if pending is None or pending.call_id != hdr.call_id:
                call_id = pending.call_id if pending is not None else hdr.call_id
                ctx_id = pending.context.context_id if pending is not None else 0
                raise _Abort(self._fault(call_id, NCA_S_PROTO_ERROR, ctx_id, drep=hdr.drep))
            if pending.drep != hdr.drep:
                raise _Abort(self._fault(pending.call_id, NCA_S_PROTO_ERROR,
                                         pending.context.context_id, drep=pending.drep))
            context = pending.context
            opnum = pending.opnum

        stub: bytes = body.stub
        verifier = pdu.auth
        if verifier is not None or self._auth.protects:
            offset = REQUEST_HEADER_SIZE + (16 if flags & PFC_OBJECT_UUID else 0)
            try:
                plain = self._auth.verify_and_unseal(raw, offset, offset + len(stub), verifier)
            except VerifyFailed as exc:
                log.info("pipe %s: request verifier refused: %s", self.pipe_name, exc)
                raise _Abort(self._fault(hdr.call_id, exc.status, context.context_id,
                                         drep=hdr.drep)) from None
            pad = verifier.auth_pad_length if verifier is not None else 0
            if pad > len(plain):
                raise _Abort(self._fault(hdr.call_id, NCA_S_PROTO_ERROR, context.context_id,
                                         drep=hdr.drep))
            stub = plain[:len(plain) - pad]

        if flags & PFC_LAST_FRAG and flags & PFC_FIRST_FRAG:
            self._call(hdr.call_id, context, opnum, stub, hdr.drep)
            return
        limit = self._max_request
        if flags & PFC_FIRST_FRAG:
            if body.alloc_hint > limit or len(stub) > limit or not self._hold_stub(len(stub)):
                raise _Abort(self._fault(hdr.call_id, FAULT_ACCESS_DENIED, context.context_id,
                                         drep=hdr.drep))
            self._pending = _Pending(hdr.call_id, context, opnum, hdr.drep, bytearray(stub))
            return
        assert pending is not None
        have = len(pending.stub)
        if have + len(stub) > limit or have + body.alloc_hint > limit or \
                not self._hold_stub(len(stub)):
            raise _Abort(self._fault(pending.call_id, FAULT_ACCESS_DENIED,
                                     pending.context.context_id, drep=pending.drep))
        pending.stub += stub
        if flags & PFC_LAST_FRAG:
            self._pending = None
            self._release_stub()
            self._call(pending.call_id, context, opnum, bytes(pending.stub), pending.drep)

    def _transport_context(self) -> CallContext:
        """Who the transport says the client is (the SMB session's identity, before any DCE/RPC
        authentication): what a bind is checked against when it names a group."""
        return self._context_factory(pipe_name=self.pipe_name, handles=_NO_HANDLES,
                                     rpc_principal=None, auth_level=1, auth_type=0,
                                     session_key=None)

    def _call_context(self) -> CallContext:
        auth = self._auth  # with several security contexts, each call may be another caller's
        key = (auth.principal, auth.auth_level, auth.auth_type, auth.session_key)
        ctx = self._ctx
        if ctx is None or key != self._ctx_key:
            assert self._group is not None
            ctx = self._context_factory(
                pipe_name=self.pipe_name, handles=self._group.handles,
                rpc_principal=auth.principal, auth_level=auth.auth_level,
                auth_type=auth.auth_type, session_key=auth.session_key)
            # the caller sees (and opens) only its own handles of the group
            ctx.handles = self._group.handles.for_caller(caller_identity(ctx.principal,
                                                                         ctx.session_id))
            ctx.pipe_interfaces = self._pipe.interfaces
            ctx.stats = self.stats
            ctx.assoc_group_id = self._group.id
            self._ctx, self._ctx_key = ctx, key
        return ctx

    def _call(self, call_id: int, context: PresContext, opnum: int, stub: bytes,
              drep: bytes) -> None:
        """Run the call (:func:`smbemu.rpc.dispatch.run_call`), queue its response or fault,
        tell ``on_call``."""
        self.stats.calls_in += 1
        ctx = self._call_context()
        ctx.decision = None  # each call starts undecided
        le = bool(drep[0] & 0x10)
        answer = run_call(ctx, context.interface, opnum, stub, pipe_name=self.pipe_name,
                          little_endian=le, reply_little_endian=not self._client_drep or le,
                          call_id=call_id, context_id=context.context_id, ndr64=context.ndr64)
        if answer.stub is None:
            self._emit(self._fault(call_id, answer.status, context.context_id, dne=answer.dne,
                                   drep=drep))
        else:
            self._respond(call_id, context.context_id, answer.stub, answer.drep)
            if answer.reason is None:
                self.stats.calls_out += 1
        if self.on_call is not None:
            self._notify(context.interface, answer.operation, answer.status, answer.reason, opnum,
                         fault=answer.stub is None)

    def _notify(self, iface: Interface, operation: str, status: int, reason: str | None,
                opnum: int, *, fault: bool = True) -> None:
        """Tell ``on_call`` (the audit log) about a finished call; ``ctx.decision`` holds what
        the enforcement point decided for it (None before the handler ran)."""
        if self.on_call is None:
            return
        try:
            self.on_call(self._ctx, iface.name, operation, status, reason, fault=fault,
                         opnum=opnum)
        except Exception:  # an observer must not break the call
            log.exception("pipe %s: on_call observer failed", self.pipe_name)

    def _respond(self, call_id: int, context_id: int, stub: bytes, drep: bytes) -> None:
        """Queue the response fragments (C706 12.6.4.10; chunking as Windows, see module doc)."""
        for fragment in response_fragments(self._auth, self._max_xmit, call_id, context_id, stub,
                                           drep):
            self._emit(fragment)

    _HANDLERS: Final[dict[int, Any]] = {
        PType.REQUEST: _on_request,
        PType.ALTER_CONTEXT: _on_alter,
        PType.BIND: _on_bind,
        PType.AUTH3: _on_auth3,
        PType.CO_CANCEL: _on_ignored,
        PType.ORPHANED: _on_ignored,
    }

