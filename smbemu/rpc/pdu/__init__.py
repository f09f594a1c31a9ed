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

The package has two halves: `messages` (the vocabulary and the body records) and `codec` (the byte
layouts, parsing and encoding). Every name is importable from ``smbemu.rpc.pdu`` as before.
"""

from __future__ import annotations

from smbemu.rpc.pdu.codec import (
    parse_header,
    peek_frag_length,
    parse_pdu,
    encode_header,
    encode_pdu,
    encode_sec_trailer,
    encode_response_header,
)
from smbemu.rpc.pdu.messages import (
    PduError,
    PType,
    PFC_FIRST_FRAG,
    PFC_LAST_FRAG,
    PFC_SUPPORT_HEADER_SIGN,
    PFC_PENDING_CANCEL,
    PFC_CONC_MPX,
    PFC_DID_NOT_EXECUTE,
    PFC_MAYBE,
    PFC_OBJECT_UUID,
    DREP_LE,
    DREP_BE,
    HEADER_SIZE,
    REQUEST_HEADER_SIZE,
    RESPONSE_HEADER_SIZE,
    SEC_TRAILER_SIZE,
    ResultCode,
    ProviderReason,
    BindNakReason,
    AuthLevel,
    AuthType,
    SyntaxId,
    NDR20,
    NDR64,
    BIND_TIME_FEATURE_PREFIX,
    ZERO_SYNTAX,
    ContextElement,
    ContextResult,
    AuthVerifier,
    Bind,
    AlterContext,
    BindAck,
    AlterContextResp,
    BindNak,
    Request,
    Response,
    Fault,
    Auth3,
    Shutdown,
    CoCancel,
    Orphaned,
    PduBody,
    Header,
    Pdu,
)

__all__ = [
    "PduError", "PType", "PFC_FIRST_FRAG", "PFC_LAST_FRAG", "PFC_SUPPORT_HEADER_SIGN",
    "PFC_PENDING_CANCEL", "PFC_CONC_MPX", "PFC_DID_NOT_EXECUTE", "PFC_MAYBE", "PFC_OBJECT_UUID",
    "DREP_LE", "DREP_BE", "HEADER_SIZE", "REQUEST_HEADER_SIZE", "RESPONSE_HEADER_SIZE",
    "SEC_TRAILER_SIZE", "SyntaxId", "ContextElement", "ContextResult", "AuthVerifier",
    "Header", "Bind", "AlterContext", "BindAck", "AlterContextResp", "BindNak", "Request",
    "Response", "Fault", "Auth3", "Shutdown", "CoCancel", "Orphaned", "Pdu", "PduBody",
    "parse_header", "parse_pdu", "encode_pdu", "NDR20", "NDR64", "BIND_TIME_FEATURE_PREFIX",
    "ResultCode", "ProviderReason", "BindNakReason", "AuthLevel", "AuthType",
    "ZERO_SYNTAX", "peek_frag_length", "encode_header", "encode_sec_trailer", "encode_response_header",
]
