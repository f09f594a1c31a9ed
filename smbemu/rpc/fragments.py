"""Cutting a response stub into response PDUs, signed and sealed when the association is
protected (C706 12.6.4.10, MS-RPCE 2.2.2.11)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from smbemu.rpc.pdu import (
    PFC_FIRST_FRAG,
    PFC_LAST_FRAG,
    RESPONSE_HEADER_SIZE,
    SEC_TRAILER_SIZE,
    encode_response_header,
    encode_sec_trailer,
)
from smbemu.rpc.security import RpcAuth

__all__ = ["response_fragments", "AUTH_PAD_ALIGNMENT"]

#: Padding of stubs in front of a sec_trailer, and stub chunk granularity (Windows: 16).
AUTH_PAD_ALIGNMENT: Final = 16


def response_fragments(auth: RpcAuth, max_xmit: int, call_id: int, context_id: int,
                   stub: bytes, drep: bytes) -> list[bytes]:
    """The response PDUs of one call (C706 12.6.4.10): stub chunks of ``max_xmit - 24``, minus
    the sec_trailer and verifier when the association is protected, rounded down to 16 (as
    Windows), alloc_hint = bytes remaining, the context id truncated to 8 bits."""
    sig = auth.sig_size() if auth.protects else 0
    total = len(stub)
    if not sig and total <= _chunk(max_xmit, 0):
        # The usual answer: one unprotected fragment (no generator, no slicing).
        return [encode_response_header(call_id, PFC_FIRST_FRAG | PFC_LAST_FRAG,
                                       RESPONSE_HEADER_SIZE + total, 0, total,
                                       context_id & 0xFF, drep) + stub]
    return list(_fragments(auth, sig, max_xmit, call_id, context_id, stub, drep))


def _chunk(max_xmit: int, sig: int) -> int:
    """Stub bytes per fragment: ``max_xmit - 24``, minus the sec_trailer and verifier when
    protected, rounded down to 16 (as Windows)."""
    chunk = max_xmit - RESPONSE_HEADER_SIZE
    if sig:
        chunk -= SEC_TRAILER_SIZE + sig
    return chunk - chunk % AUTH_PAD_ALIGNMENT


def _fragments(auth: RpcAuth, sig: int, max_xmit: int, call_id: int, context_id: int,
               stub: bytes, drep: bytes) -> Iterator[bytes]:
    chunk = _chunk(max_xmit, sig)
    total = len(stub)
    ctx_byte = context_id & 0xFF  # Windows truncates the context id in responses
    offset = 0
    view = memoryview(stub)
    while True:
        n = min(chunk, total - offset)
        flags = (PFC_FIRST_FRAG if offset == 0 else 0) | \
            (PFC_LAST_FRAG if offset + n == total else 0)
        piece = view[offset:offset + n]
        if not sig:
            frag = encode_response_header(call_id, flags, RESPONSE_HEADER_SIZE + n, 0,
                                          total - offset, ctx_byte, drep) + piece
        else:
            pad = -n & (AUTH_PAD_ALIGNMENT - 1)
            frag_len = RESPONSE_HEADER_SIZE + n + pad + SEC_TRAILER_SIZE + sig
            buf = bytearray(encode_response_header(call_id, flags, frag_len, sig,
                                                   total - offset, ctx_byte, drep))
            buf += piece
            buf += bytes(pad)
            buf += encode_sec_trailer(auth.auth_type, auth.auth_level, pad,
                                      auth.auth_context_id, 0 if drep[0] & 0x10 else 1)
            signature = auth.sign_and_seal(buf, RESPONSE_HEADER_SIZE,
                                           RESPONSE_HEADER_SIZE + n + pad)
            if len(signature) != sig:
                raise RuntimeError(f"security provider returned {len(signature)} bytes "
                                   f"of signature, announced {sig}")
            buf += signature
            frag = bytes(buf)
        yield frag
        offset += n
        if offset >= total:
            break
