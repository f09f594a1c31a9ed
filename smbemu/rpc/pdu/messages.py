"""The PDU vocabulary: PTYPE and flag values, result and reason codes, authentication levels and
types, and one record per PDU body (C706 12.6.4, MS-RPCE 2.2.2), independent of byte order."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from typing import Final, NamedTuple, Union


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
