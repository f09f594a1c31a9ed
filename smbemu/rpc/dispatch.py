"""One call, from its request stub to its answer: the runtime's call semantics without PDUs.

:func:`run_call` asks fault injection first (``ctx.server.faults``, :mod:`smbemu.faults`), then
finds the opnum (unknown: fault nca_op_rng_error; declared ``not_implemented``: its fault),
decodes the stub (fault nca_s_fault_ndr when it does not decode), checks the rule the interface
declares for the operation (:func:`smbemu.rpc.enforcement.refusal_before_handler`), runs the
handler and encodes its answer.  A handler's :class:`~smbemu.errors.RpcFault` is answered as
that fault; any other exception is logged and answered nca_s_fault_unspec.  The endpoint turns
the :class:`Answer` into PDUs and tells its ``on_call`` observer.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

from smbemu.errors import RpcFault
from smbemu.rpc.enforcement import refusal_before_handler
from smbemu.rpc.interface import CallContext, Interface, NotImplementedOp
from smbemu.rpc.ndr import NdrError
from smbemu.rpc.pdu import DREP_BE, DREP_LE
from smbemu.status import NCA_S_FAULT_UNSPEC, NCA_S_OP_RNG_ERROR

__all__ = ["Answer", "run_call"]

log = logging.getLogger("smbemu.rpc.endpoint")



class Answer(NamedTuple):
    """How a call was answered: a response ``stub`` (in ``drep``), or a fault (``stub`` None)
    with ``status``; ``status`` is the return value otherwise.  ``reason`` is the runtime's own
    when no handler answered (None: the handler did); ``dne``: the fault says the call did not
    execute. A NamedTuple: one is built per call, and a frozen dataclass costs several times
    more to create (benchmarks/profiling.md)."""

    operation: str
    status: int
    stub: bytes | None = None
    drep: bytes = DREP_LE
    reason: str | None = None
    dne: bool = False


def run_call(ctx: CallContext, iface: Interface, opnum: int, stub: bytes, *, pipe_name: str,
             little_endian: bool, reply_little_endian: bool, call_id: int,
             context_id: int, ndr64: bool = False) -> Answer:
    """Decode, decide, run the handler and encode its response (see the module docstring)."""
    faults = getattr(ctx.server, "faults", None)
    if faults is not None:
        injected = _injected(faults, ctx, iface, opnum, pipe_name, ndr64)
        if injected is not None:
            return injected
    table = iface.dispatch
    if opnum >= len(table):
        return Answer(f"opnum {opnum}", NCA_S_OP_RNG_ERROR, reason="fault: opnum out of range",
                      dne=True)
    entry = table[opnum]
    if isinstance(entry, NotImplementedOp):
        return Answer(entry.name or f"opnum {opnum}", entry.fault,
                      reason="fault: operation not implemented",
                      dne=entry.fault == NCA_S_OP_RNG_ERROR)
    op, handler = entry
    try:
        request = op.decode_request(stub, little_endian, ndr64=ndr64)
    except NdrError as exc:
        log.info("pipe %s: %s.%s: undecodable stub: %s", pipe_name, iface.name, op.name, exc)
        return Answer(op.name, exc.status, reason="fault: the request stub does not decode")
    ctx.interface = iface
    ctx.operation = op
    ctx.call_id = call_id
    ctx.context_id = context_id
    ctx.little_endian = little_endian
    try:
        # A rule the interface declares for the operation is checked before the handler runs
        # (most interfaces declare none: their handlers ask ctx.decide with the decoded level).
        refusal = refusal_before_handler(ctx, iface, op, request) if iface.rules else None
        response = refusal or handler(ctx, request)
        out = op.encode_response(response, reply_little_endian, ndr64=ndr64)
    except RpcFault as fault:
        return Answer(op.name, fault.status)
    except Exception:
        log.exception("pipe %s: %s.%s (opnum %d) failed", pipe_name, iface.name, op.name, opnum)
        return Answer(op.name, NCA_S_FAULT_UNSPEC, reason="fault: internal error")
    status = response.get("ReturnValue", 0) if hasattr(response, "get") else 0
    return Answer(op.name, status if isinstance(status, int) else 0, out,
                  DREP_LE if reply_little_endian else DREP_BE)


def _injected(faults: Any, ctx: CallContext, iface: Interface, opnum: int,
              pipe_name: str, ndr64: bool = False) -> Answer | None:
    """Fault injection (smbemu.faults): ask the server's rules about this call.

    A ``fault`` rule answers a fault PDU; a ``status`` rule a normal response whose return
    value is the status ([out] parameters NULL/zero), or a fault PDU carrying it when the
    operation has no return value.  None when no rule fired.
    """
    table = iface.dispatch
    entry = table[opnum] if opnum < len(table) else None
    op = entry[0] if isinstance(entry, tuple) else None
    name = op.name if op is not None else (entry.name if isinstance(entry, NotImplementedOp) else "")
    injected = faults.rpc_call(pipe=pipe_name, interface=iface, opnum=opnum, operation=name,
                               principal=ctx.principal)
    if injected is None:
        return None
    kind, value = injected
    if kind == "status" and op is not None and op.returns is not None:
        try:
            stub = op.encode_response(op.error_response(value), True, ndr64=ndr64)
        except Exception:  # an [out] parameter without a neutral value: fall back to a fault
            log.warning("pipe %s: %s cannot encode an error response; injecting a fault",
                        pipe_name, op.name)
        else:
            return Answer(name, value, stub, reason="fault injection")
    return Answer(name or f"opnum {opnum}", value, reason="fault injection")
