"""Connection-oriented DCE/RPC PDUs (C706 12.6, MS-RPCE 2.2.2).

Every PDU starts with the 16-byte common header (C706 12.6.3.1)::

    rpc_vers u8 | rpc_vers_minor u8 | PTYPE u8 | pfc_flags u8 | drep[4]
    frag_length u16 | auth_length u16 | call_id u32

The integers of the header *and* of the body are in the byte order of ``drep[0]``
(0x10 little-endian, 0x00 big-endian), so every layout below is a pair of precompiled
``struct.Struct`` objects indexed by ``be`` (0 = little-endian, 1 = big-endian).
UUIDs are NDR GUIDs and follow the same rule.

When ``auth_length`` is non-zero the PDU ends with the authentication verifier
(MS-RPCE 2.2.2.11)::

    ... body ... | auth_pad (auth_pad_length bytes) | sec_trailer (8) | auth_value (auth_length)

``sec_trailer`` = auth_type u8, auth_level u8, auth_pad_length u8, auth_reserved u8,
auth_context_id u32, and it is 4-byte aligned relative to the start of the PDU.

Parsing never raises anything but :class:`PduError`.
"""

from __future__ import annotations

import enum
import struct
import uuid
from dataclasses import dataclass, field
from typing import Final, NamedTuple, Union

__all__ = [
    "PduError", "PType", "PFC_FIRST_FRAG", "PFC_LAST_FRAG", "PFC_SUPPORT_HEADER_SIGN",
    "PFC_PENDING_CANCEL", "PFC_CONC_MPX", "PFC_DID_NOT_EXECUTE", "PFC_MAYBE", "PFC_OBJECT_UUID",
    "DREP_LE", "DREP_BE", "HEADER_SIZE", "REQUEST_HEADER_SIZE", "RESPONSE_HEADER_SIZE",
    "SEC_TRAILER_SIZE", "SyntaxId", "ContextElement", "ContextResult", "AuthVerifier",
    "Header", "Bind", "AlterContext", "BindAck", "AlterContextResp", "BindNak", "Request",
    "Response", "Fault", "Auth3", "Shutdown", "CoCancel", "Orphaned", "Pdu", "PduBody",
    "parse_header", "parse_pdu", "encode_pdu", "NDR20", "NDR64", "BIND_TIME_FEATURE_PREFIX",
    "ResultCode", "ProviderReason", "BindNakReason", "AuthLevel", "AuthType",
]


class PduError(Exception):
    """The bytes are not a well-formed connection-oriented PDU."""


class PType(enum.IntEnum):
    """C706 12.6.3.1 / MS-RPCE 2.2.2.1 PTYPE values (connection-oriented subset marked)."""

    REQUEST = 0
    PING = 1
    RESPONSE = 2
    FAULT = 3
    WORKING = 4
    NOCALL = 5
    REJECT = 6
    ACK = 7
    CL_CANCEL = 8
    FACK = 9
    CANCEL_ACK = 10
    BIND = 11
    BIND_ACK = 12
    BIND_NAK = 13
    ALTER_CONTEXT = 14
    ALTER_CONTEXT_RESP = 15
    AUTH3 = 16
    SHUTDOWN = 17
    CO_CANCEL = 18
    ORPHANED = 19
    RTS = 20


# pfc_flags (C706 12.6.3.1, MS-RPCE 2.2.2.3)
PFC_FIRST_FRAG: Final = 0x01
PFC_LAST_FRAG: Final = 0x02
#: bind/bind_ack/alter_context(_resp): PFC_SUPPORT_HEADER_SIGN; other PDUs: PFC_PENDING_CANCEL.
PFC_SUPPORT_HEADER_SIGN: Final = 0x04
PFC_PENDING_CANCEL: Final = 0x04
PFC_CONC_MPX: Final = 0x10
PFC_DID_NOT_EXECUTE: Final = 0x20
PFC_MAYBE: Final = 0x40
PFC_OBJECT_UUID: Final = 0x80

#: drep: little-endian integers, ASCII characters, IEEE floats (what Windows sends).
DREP_LE: Final = b"\x10\x00\x00\x00"
DREP_BE: Final = b"\x00\x00\x00\x00"

HEADER_SIZE: Final = 16
REQUEST_HEADER_SIZE: Final = 24  # without the optional object UUID
RESPONSE_HEADER_SIZE: Final = 24
SEC_TRAILER_SIZE: Final = 8


class ResultCode(enum.IntEnum):
    """p_cont_def_result_t (C706 12.6.3.1) + MS-RPCE 2.2.2.4 negotiate_ack."""

    ACCEPTANCE = 0
    USER_REJECTION = 1
    PROVIDER_REJECTION = 2
    NEGOTIATE_ACK = 3


class ProviderReason(enum.IntEnum):
    """p_provider_reason_t (C706 12.6.3.1)."""

    REASON_NOT_SPECIFIED = 0
    ABSTRACT_SYNTAX_NOT_SUPPORTED = 1
    PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED = 2
    LOCAL_LIMIT_EXCEEDED = 3


class BindNakReason(enum.IntEnum):
    """p_reject_reason_t (C706 12.6.3.1) + MS-RPCE 2.2.2.5 additions."""

    REASON_NOT_SPECIFIED = 0
    TEMPORARY_CONGESTION = 1
    LOCAL_LIMIT_EXCEEDED = 2
    CALLED_PADDR_UNKNOWN = 3
    PROTOCOL_VERSION_NOT_SUPPORTED = 4
    DEFAULT_CONTEXT_NOT_SUPPORTED = 5
    USER_DATA_NOT_READABLE = 6
    NO_PSAP_AVAILABLE = 7
    AUTHENTICATION_TYPE_NOT_RECOGNIZED = 8
    INVALID_CHECKSUM = 9


class AuthLevel(enum.IntEnum):
    """MS-RPCE 2.2.1.1.8 authentication levels."""

    DEFAULT = 0
    NONE = 1
    CONNECT = 2
    CALL = 3
    PKT = 4
    PKT_INTEGRITY = 5
    PKT_PRIVACY = 6


class AuthType(enum.IntEnum):
    """MS-RPCE 2.2.1.1.7 security providers."""

    NONE = 0
    GSS_NEGOTIATE = 9
    WINNT = 10  # NTLMSSP
    GSS_SCHANNEL = 14
    GSS_KERBEROS = 16
    NETLOGON = 68
    DEFAULT = 255


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


@dataclass(frozen=True, slots=True)
class SyntaxId:
    """p_syntax_id_t: an interface or transfer syntax UUID and its version.

    On the wire the version is one uint32 with the major version in the low 16 bits and the
    minor version in the high 16 bits (C706 12.6.3.1 ``if_version``).
    """

    uuid: uuid.UUID
    version: int = 0

    @classmethod
    def of(cls, uuid_str: str, major: int, minor: int = 0) -> SyntaxId:
        return cls(uuid.UUID(uuid_str), (minor << 16) | major)

    @property
    def major(self) -> int:
        return self.version & 0xFFFF

    @property
    def minor(self) -> int:
        return self.version >> 16

    def __str__(self) -> str:
        return f"{self.uuid} v{self.major}.{self.minor}"


#: NDR 2.0 transfer syntax (C706 appendix I).
NDR20: Final = SyntaxId.of("8a885d04-1ceb-11c9-9fe8-08002b104860", 2)
#: NDR64 transfer syntax (MS-RPCE 2.2.5.3.1).
NDR64: Final = SyntaxId.of("71710533-beba-4937-8319-b5dbef9ccc36", 1)
#: Bind time feature negotiation (MS-RPCE 3.3.1.5.3): 6cb71c2c-9812-4540-XXXX-000000000000,
#: version 1, where the first two bytes of the fourth group are the feature bitmask.
BIND_TIME_FEATURE_PREFIX: Final = uuid.UUID("6cb71c2c-9812-4540-0000-000000000000").bytes_le[:8]
ZERO_SYNTAX: Final = SyntaxId(uuid.UUID(int=0), 0)


@dataclass(frozen=True, slots=True)
class ContextElement:
    """p_cont_elem_t: one presentation context proposed in bind / alter_context."""

    context_id: int
    abstract_syntax: SyntaxId
    transfer_syntaxes: tuple[SyntaxId, ...]


@dataclass(frozen=True, slots=True)
class ContextResult:
    """p_result_t: the answer to one presentation context in bind_ack / alter_context_resp.

    For ``NEGOTIATE_ACK`` the reason field carries the bind-time feature bitmask."""

    result: int
    reason: int = 0
    transfer_syntax: SyntaxId = ZERO_SYNTAX


@dataclass(frozen=True, slots=True)
class AuthVerifier:
    """sec_trailer + auth_value (MS-RPCE 2.2.2.11)."""

    auth_type: int
    auth_level: int
    auth_context_id: int
    auth_value: bytes
    auth_pad_length: int = 0
    auth_reserved: int = 0


@dataclass(frozen=True, slots=True)
class Bind:
    """bind (C706 12.6.4.3); alter_context has the same body."""

    max_xmit_frag: int
    max_recv_frag: int
    assoc_group_id: int
    contexts: tuple[ContextElement, ...]


@dataclass(frozen=True, slots=True)
class AlterContext(Bind):
    """alter_context (C706 12.6.4.1)."""


@dataclass(frozen=True, slots=True)
class BindAck:
    """bind_ack (C706 12.6.4.4); alter_context_resp has the same body."""

    max_xmit_frag: int
    max_recv_frag: int
    assoc_group_id: int
    secondary_address: str
    results: tuple[ContextResult, ...]


@dataclass(frozen=True, slots=True)
class AlterContextResp(BindAck):
    """alter_context_resp (C706 12.6.4.2)."""


@dataclass(frozen=True, slots=True)
class BindNak:
    """bind_nak (C706 12.6.4.5): reject reason and the protocol versions supported."""

    reject_reason: int
    versions: tuple[tuple[int, int], ...] = ((5, 0),)


class Request(NamedTuple):
    """request (C706 12.6.4.9).  ``stub`` is the body up to the sec_trailer, auth padding
    included (it is part of the sealed region; strip it after unsealing).

    A named tuple (immutable, like the dataclasses here) because one is built per request
    fragment received, and a tuple is built in one call."""

    alloc_hint: int
    context_id: int
    opnum: int
    stub: bytes
    object_uuid: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Response:
    """response (C706 12.6.4.10); ``stub`` as for :class:`Request`."""

    alloc_hint: int
    context_id: int
    cancel_count: int
    stub: bytes


@dataclass(frozen=True, slots=True)
class Fault:
    """fault (C706 12.6.4.7, MS-RPCE 2.2.2.9: the reserved octet is ``flags``)."""

    alloc_hint: int
    context_id: int
    cancel_count: int
    status: int
    flags: int = 0
    extra: bytes = b""


@dataclass(frozen=True, slots=True)
class Auth3:
    """rpc_auth_3 (MS-RPCE 2.2.2.10): four pad octets, then the verifier."""


@dataclass(frozen=True, slots=True)
class Shutdown:
    """shutdown (C706 12.6.4.11)."""


@dataclass(frozen=True, slots=True)
class CoCancel:
    """cancel (C706 12.6.4.6)."""


@dataclass(frozen=True, slots=True)
class Orphaned:
    """orphaned (C706 12.6.4.8)."""


PduBody = Union[Bind, BindAck, BindNak, Request, Response, Fault, Auth3, Shutdown, CoCancel,
                Orphaned]

_PTYPE_OF: Final[dict[type, int]] = {
    Bind: PType.BIND, AlterContext: PType.ALTER_CONTEXT, BindAck: PType.BIND_ACK,
    AlterContextResp: PType.ALTER_CONTEXT_RESP, BindNak: PType.BIND_NAK,
    Request: PType.REQUEST, Response: PType.RESPONSE, Fault: PType.FAULT, Auth3: PType.AUTH3,
    Shutdown: PType.SHUTDOWN, CoCancel: PType.CO_CANCEL, Orphaned: PType.ORPHANED,
}


class Header(NamedTuple):
    """The common header (C706 12.6.3.1).

    A named tuple rather than a frozen dataclass: it is built for every PDU received (twice
    for a request: once to dispatch, once in :func:`parse_pdu`), and a tuple is built in one
    call where a frozen dataclass sets each field through ``object.__setattr__``."""

    rpc_vers: int
    rpc_vers_minor: int
    ptype: int
    pfc_flags: int
    drep: bytes
    frag_length: int
    auth_length: int
    call_id: int

    @property
    def little_endian(self) -> bool:
        return bool(self.drep[0] & 0x10)


@dataclass(frozen=True, slots=True)
class Pdu:
    """One PDU (one fragment).  ``ptype`` defaults from the body's class."""

    body: PduBody
    call_id: int = 0
    pfc_flags: int = PFC_FIRST_FRAG | PFC_LAST_FRAG
    auth: AuthVerifier | None = None
    drep: bytes = DREP_LE
    rpc_vers: int = 5
    rpc_vers_minor: int = 0
    ptype: int = field(default=-1)

    def __post_init__(self) -> None:
        if self.ptype == -1:
            object.__setattr__(self, "ptype", _PTYPE_OF[type(self.body)])

    @property
    def little_endian(self) -> bool:
        return bool(self.drep[0] & 0x10)


# -------------------------------------------------------------------------------------------
# Parsing
# -------------------------------------------------------------------------------------------


def _be_of(drep: bytes) -> int:
    return 0 if drep[0] & 0x10 else 1


def parse_header(data: bytes | bytearray | memoryview) -> Header:
    """Parse the 16-byte common header (frag_length read in the PDU's own byte order)."""
    if len(data) < HEADER_SIZE:
        raise PduError(f"{len(data)} bytes is shorter than a PDU header")
    be = 0 if data[4] & 0x10 else 1
    vers, minor, ptype, flags, drep, frag_len, auth_len, call_id = _HDR[be].unpack_from(data, 0)
    return Header(vers, minor, ptype, flags, bytes(drep), frag_len, auth_len, call_id)


def peek_frag_length(data: bytes | bytearray | memoryview) -> int:
    """frag_length of the PDU at the start of ``data`` (needs at least 10 bytes)."""
    be = 0 if data[4] & 0x10 else 1
    value: int = _FRAG_LEN[be].unpack_from(data, 8)[0]
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
