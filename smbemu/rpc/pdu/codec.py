"""Parsing and encoding PDUs: the header and body layouts as pairs of precompiled ``struct.Struct``
(indexed by ``be``), `parse_pdu` (which raises nothing but `PduError`), `encode_pdu`, and the
hand-built response header of the per-call fast path."""

from __future__ import annotations

import struct
import uuid
from typing import Final

from smbemu.rpc.pdu.messages import (
    AlterContext,
    AlterContextResp,
    Auth3,
    AuthVerifier,
    Bind,
    BindAck,
    BindNak,
    CoCancel,
    ContextElement,
    ContextResult,
    DREP_LE,
    Fault,
    Header,
    HEADER_SIZE,
    Orphaned,
    Pdu,
    PduBody,
    PduError,
    PFC_OBJECT_UUID,
    PType,
    Request,
    Response,
    SEC_TRAILER_SIZE,
    Shutdown,
    SyntaxId,
)


_BE: Final = (0, 1)
_HDR: Final = (struct.Struct("<BBBB4sHHI"), struct.Struct(">BBBB4sHHI"))
_FRAG_LEN: Final = (struct.Struct("<H"), struct.Struct(">H"))
_BIND_HDR: Final = (struct.Struct("<HHIB3x"), struct.Struct(">HHIB3x"))
_CTX_HDR: Final = (struct.Struct("<HBx"), struct.Struct(">HBx"))
_SYNTAX: Final = (struct.Struct("<16sI"), struct.Struct(">16sI"))
_ACK_HDR: Final = (struct.Struct("<HHIH"), struct.Struct(">HHIH"))
_RESULT: Final = (struct.Struct("<HH16sI"), struct.Struct(">HH16sI"))
_REQ: Final = (struct.Struct("<IHH"), struct.Struct(">IHH"))
_RESP: Final = (struct.Struct("<IHBx"), struct.Struct(">IHBx"))
_FAULT: Final = (struct.Struct("<IHBBII"), struct.Struct(">IHBBII"))
_NAK: Final = (struct.Struct("<HB"), struct.Struct(">HB"))
_TRAILER: Final = (struct.Struct("<BBBBI"), struct.Struct(">BBBBI"))


def _uuid_from(raw: bytes, be: int) -> uuid.UUID:
    return uuid.UUID(bytes=raw) if be else uuid.UUID(bytes_le=raw)


def _uuid_to(value: uuid.UUID, be: int) -> bytes:
    return value.bytes if be else value.bytes_le


def _be_of(drep: bytes) -> int:
    return 0 if drep[0] & 0x10 else 1


def parse_header(data: bytes | bytearray | memoryview) -> Header:
    """Parse the 16-byte common header (frag_length read in the PDU's own byte order)."""
    if len(data) < HEADER_SIZE:
        raise PduError(f"{len(data)} bytes is shorter than a PDU header")
    be = 0 if data[4] & 0x10 else 1
    vers, minor, ptype, flags, drep, frag_len, auth_len, call_id = _HDR[be].unpack_from(data, 0)
    return Header(vers, minor, ptype, flags, bytes(drep), frag_len, auth_len, call_id)


def peek_frag_length(data: bytes | bytearray | memoryview, offset: int = 0) -> int:
    """frag_length of the PDU at ``offset`` in ``data`` (needs at least 10 bytes there)."""
    be = 0 if data[offset + 4] & 0x10 else 1
    value: int = _FRAG_LEN[be].unpack_from(data, offset + 8)[0]
    return value


def _parse_syntax(data: bytes, off: int, be: int) -> SyntaxId:
    raw, version = _SYNTAX[be].unpack_from(data, off)
    return SyntaxId(_uuid_from(raw, be), version)


def _parse_bind(data: bytes, off: int, end: int, be: int, alter: bool) -> Bind:
    max_xmit, max_recv, assoc, n_ctx = _BIND_HDR[be].unpack_from(data, off)
    off += 12
    contexts = []
    for _ in range(n_ctx):
        if off + 24 > end:
            raise PduError("presentation context list runs past the PDU body")
        ctx_id, n_ts = _CTX_HDR[be].unpack_from(data, off)
        abstract = _parse_syntax(data, off + 4, be)
        off += 24
        if off + 20 * n_ts > end:
            raise PduError("transfer syntax list runs past the PDU body")
        ts = tuple(_parse_syntax(data, off + 20 * i, be) for i in range(n_ts))
        off += 20 * n_ts
        contexts.append(ContextElement(ctx_id, abstract, ts))
    cls = AlterContext if alter else Bind
    return cls(max_xmit, max_recv, assoc, tuple(contexts))


def _parse_bind_ack(data: bytes, off: int, end: int, be: int, alter: bool) -> BindAck:
    max_xmit, max_recv, assoc, addr_len = _ACK_HDR[be].unpack_from(data, off)
    off += 10
    if off + addr_len > end:
        raise PduError("secondary address runs past the PDU body")
    addr = data[off:off + addr_len].split(b"\x00", 1)[0].decode("latin-1")
    off += addr_len
    off += -off & 3
    if off + 4 > end:
        raise PduError("result list runs past the PDU body")
    n_results = data[off]
    off += 4
    if off + 24 * n_results > end:
        raise PduError("result list runs past the PDU body")
    results = []
    for i in range(n_results):
        result, reason, raw, version = _RESULT[be].unpack_from(data, off + 24 * i)
        results.append(ContextResult(result, reason, SyntaxId(_uuid_from(raw, be), version)))
    cls = AlterContextResp if alter else BindAck
    return cls(max_xmit, max_recv, assoc, addr, tuple(results))


def parse_pdu(data: bytes | bytearray | memoryview) -> Pdu:
    """Parse one complete PDU (``len(data)`` must equal its frag_length)."""
    raw = bytes(data)
    try:
        hdr = parse_header(raw)
        if hdr.frag_length != len(raw):
            raise PduError(f"frag_length {hdr.frag_length} but {len(raw)} bytes")
        be = _be_of(hdr.drep)
        end = hdr.frag_length
        auth: AuthVerifier | None = None
        if hdr.auth_length:
            tstart = end - hdr.auth_length - SEC_TRAILER_SIZE
            if tstart < HEADER_SIZE:
                raise PduError(f"auth_length {hdr.auth_length} does not fit in the PDU")
            atype, alevel, apad, ares, actx = _TRAILER[be].unpack_from(raw, tstart)
            auth = AuthVerifier(atype, alevel, actx, raw[tstart + SEC_TRAILER_SIZE:end],
                                apad, ares)
            end = tstart
        body = _parse_body(hdr, raw, end, be)
    except PduError:
        raise
    except (struct.error, IndexError, ValueError, UnicodeError) as exc:
        raise PduError(f"malformed PDU: {exc}") from exc
    return Pdu(body, hdr.call_id, hdr.pfc_flags, auth, hdr.drep, hdr.rpc_vers,
               hdr.rpc_vers_minor, hdr.ptype)


def _parse_body(hdr: Header, raw: bytes, end: int, be: int) -> PduBody:
    off = HEADER_SIZE
    ptype = hdr.ptype
    if ptype == PType.REQUEST:
        alloc_hint, ctx_id, opnum = _REQ[be].unpack_from(raw, off)
        off += 8
        obj = None
        if hdr.pfc_flags & PFC_OBJECT_UUID:
            if off + 16 > end:
                raise PduError("object UUID runs past the PDU body")
            obj = _uuid_from(raw[off:off + 16], be)
            off += 16
        if off > end:
            raise PduError("request header runs past the PDU body")
        return Request(alloc_hint, ctx_id, opnum, raw[off:end], obj)
    if ptype == PType.RESPONSE:
        alloc_hint, ctx_id, cancel = _RESP[be].unpack_from(raw, off)
        if off + 8 > end:
            raise PduError("response header runs past the PDU body")
        return Response(alloc_hint, ctx_id, cancel, raw[off + 8:end])
    if ptype in (PType.BIND, PType.ALTER_CONTEXT):
        if off + 12 > end:
            raise PduError("bind header runs past the PDU body")
        return _parse_bind(raw, off, end, be, ptype == PType.ALTER_CONTEXT)
    if ptype in (PType.BIND_ACK, PType.ALTER_CONTEXT_RESP):
        if off + 10 > end:
            raise PduError("bind_ack header runs past the PDU body")
        return _parse_bind_ack(raw, off, end, be, ptype == PType.ALTER_CONTEXT_RESP)
    if ptype == PType.BIND_NAK:
        reason, n = _NAK[be].unpack_from(raw, off)
        if off + 3 + 2 * n > end:
            raise PduError("bind_nak versions run past the PDU")
        versions = tuple((raw[off + 3 + 2 * i], raw[off + 4 + 2 * i]) for i in range(n))
        return BindNak(reason, versions)
    if ptype == PType.FAULT:
        if off + 16 > end:
            raise PduError("fault body runs past the PDU")
        alloc_hint, ctx_id, cancel, flags, status, _reserved = _FAULT[be].unpack_from(raw, off)
        return Fault(alloc_hint, ctx_id, cancel, status, flags, raw[off + 16:end])
    if ptype == PType.AUTH3:
        return Auth3()
    if ptype == PType.SHUTDOWN:
        return Shutdown()
    if ptype == PType.CO_CANCEL:
        return CoCancel()
    if ptype == PType.ORPHANED:
        return Orphaned()
    raise PduError(f"PTYPE {ptype} is not a connection-oriented PDU")


# -------------------------------------------------------------------------------------------
# Encoding
# -------------------------------------------------------------------------------------------


def _encode_syntax(s: SyntaxId, be: int) -> bytes:
    return _SYNTAX[be].pack(_uuid_to(s.uuid, be), s.version)


def _encode_body(body: PduBody, be: int) -> bytes:
    if isinstance(body, Request):
        head = _REQ[be].pack(body.alloc_hint, body.context_id, body.opnum)
        if body.object_uuid is not None:
            head += _uuid_to(body.object_uuid, be)
        return head + body.stub
    if isinstance(body, Response):
        return _RESP[be].pack(body.alloc_hint, body.context_id, body.cancel_count) + body.stub
    if isinstance(body, Fault):
        return _FAULT[be].pack(body.alloc_hint, body.context_id, body.cancel_count,
                               body.flags, body.status, 0) + body.extra
    if isinstance(body, Bind):
        parts = [_BIND_HDR[be].pack(body.max_xmit_frag, body.max_recv_frag,
                                    body.assoc_group_id, len(body.contexts))]
        for c in body.contexts:
            parts.append(_CTX_HDR[be].pack(c.context_id, len(c.transfer_syntaxes)))
            parts.append(_encode_syntax(c.abstract_syntax, be))
            parts.extend(_encode_syntax(t, be) for t in c.transfer_syntaxes)
        return b"".join(parts)
    if isinstance(body, BindAck):
        # port_any_t: length including the NUL, and no bytes at all for an empty address
        # (what Windows sends in alter_context_resp); then pad to 4 from the PDU start.
        addr = body.secondary_address.encode("latin-1") + b"\x00" if body.secondary_address else b""
        head = _ACK_HDR[be].pack(body.max_xmit_frag, body.max_recv_frag, body.assoc_group_id,
                                 len(addr)) + addr
        head += bytes(-(HEADER_SIZE + len(head)) & 3)
        results = b"".join(_RESULT[be].pack(r.result, r.reason,
                                            _uuid_to(r.transfer_syntax.uuid, be),
                                            r.transfer_syntax.version) for r in body.results)
        return head + bytes([len(body.results), 0, 0, 0]) + results
    if isinstance(body, BindNak):
        versions = b"".join(bytes(v) for v in body.versions)
        out = _NAK[be].pack(body.reject_reason, len(body.versions)) + versions
        return out + bytes(-len(out) & 3)  # Windows pads the versions to 4 octets
    if isinstance(body, Auth3):
        return b"\x00\x00\x00\x00"
    if isinstance(body, (Shutdown, CoCancel, Orphaned)):
        return b""
    raise TypeError(f"cannot encode {body!r}")  # pragma: no cover


def encode_header(ptype: int, pfc_flags: int, call_id: int, frag_length: int,
                  auth_length: int, drep: bytes = DREP_LE, rpc_vers_minor: int = 0) -> bytes:
    return _HDR[_be_of(drep)].pack(5, rpc_vers_minor, ptype, pfc_flags, drep, frag_length,
                                   auth_length, call_id)


def encode_pdu(pdu: Pdu) -> bytes:
    """Encode a PDU; with ``auth`` the body is padded so the sec_trailer is 4-aligned
    (requests and responses pad their stub to 16 octets, as Windows does) and the pad
    length goes in the trailer."""
    be = _be_of(pdu.drep)
    body = _encode_body(pdu.body, be)
    trailer = b""
    auth_len = 0
    if pdu.auth is not None:
        if isinstance(pdu.body, (Request, Response)):
            pad = -len(pdu.body.stub) & 15
        else:
            pad = -(HEADER_SIZE + len(body)) & 3
        body += bytes(pad)
        a = pdu.auth
        trailer = _TRAILER[be].pack(a.auth_type, a.auth_level, pad, a.auth_reserved,
                                    a.auth_context_id) + a.auth_value
        auth_len = len(a.auth_value)
    frag_len = HEADER_SIZE + len(body) + len(trailer)
    if frag_len > 0xFFFF:
        raise PduError(f"PDU of {frag_len} bytes exceeds frag_length")
    return _HDR[be].pack(pdu.rpc_vers, pdu.rpc_vers_minor, pdu.ptype, pdu.pfc_flags, pdu.drep,
                         frag_len, auth_len, pdu.call_id) + body + trailer


def encode_sec_trailer(auth_type: int, auth_level: int, pad: int, context_id: int,
                       be: int = 0) -> bytes:
    return _TRAILER[be].pack(auth_type, auth_level, pad, 0, context_id)


#: The common header and the response header (C706 12.6.4.10) as one layout: one pack per
#: response fragment instead of two packs and a concatenation.
_RESPONSE_HDR: Final = (struct.Struct("<BBBB4sHHIIHBx"), struct.Struct(">BBBB4sHHIIHBx"))
_PTYPE_RESPONSE: Final = int(PType.RESPONSE)


def encode_response_header(call_id: int, pfc_flags: int, frag_length: int, auth_length: int,
                           alloc_hint: int, context_id: int, drep: bytes = DREP_LE) -> bytes:
    """The 24 bytes in front of a response fragment's stub (hot path)."""
    return _RESPONSE_HDR[0 if drep[0] & 0x10 else 1].pack(
        5, 0, _PTYPE_RESPONSE, pfc_flags, drep, frag_length, auth_length, call_id, alloc_hint,
        context_id, 0)
