"""A DCE/RPC client doing its own framing around pyspnego (NTLM or Negotiate), for the RPC
authentication tests (tests/unit/rpc/test_auth_ntlm.py, test_auth_contexts.py): every response
fragment's signature is verified (and unsealed) with the client's own context."""

from __future__ import annotations

import struct
import types
from typing import Any

import spnego as pyspnego
from spnego.iov import BufferType

from smbemu.rpc.endpoint import RpcEndpoint
from smbemu.rpc.pdu import (
    NDR20,
    PFC_FIRST_FRAG,
    PFC_LAST_FRAG,
    AlterContextResp,
    Auth3,
    AuthVerifier,
    BindAck,
    Fault,
    Pdu,
    Response,
    encode_pdu,
    parse_pdu,
)

__all__ = ["CTX_ID", "PySpnego", "RawClient"]

H = types.SimpleNamespace
NEGOTIATE = 9
PKT, PRIVACY = 4, 6
CTX_ID = 0x4711


class PySpnego:
    """pyspnego as the client's security provider (NTLM or Negotiate)."""

    def __init__(self, user: str, password: str, auth_type: int, level: int) -> None:
        req = pyspnego.ContextReq.default
        if level >= PKT:
            req |= pyspnego.ContextReq.integrity
        if level == PRIVACY:
            req |= pyspnego.ContextReq.confidentiality
        if auth_type == NEGOTIATE:
            req |= pyspnego.ContextReq.dce_style
        self.ctx = pyspnego.client(user, password, hostname="legacysrv", service="host",
                                   protocol="negotiate" if auth_type == NEGOTIATE else "ntlm",
                                   context_req=req)

    def step(self, token: bytes | None) -> bytes:
        return self.ctx.step(token) or b""

    @property
    def complete(self) -> bool:
        return bool(self.ctx.complete)

    def sign(self, whole: bytes) -> bytes:
        return bytes(self.ctx.sign(whole))

    def verify(self, whole: bytes, signature: bytes) -> None:
        self.ctx.verify(whole, signature)

    def seal(self, prefix: bytes, stub: bytes, suffix: bytes) -> tuple[bytes, bytes]:
        res = self.ctx.wrap_iov([BufferType.header, (BufferType.sign_only, prefix),
                                 (BufferType.data, stub), (BufferType.sign_only, suffix)])
        sealed, signature = res.buffers[2].data, res.buffers[0].data
        assert sealed is not None and signature is not None
        return sealed, signature

    def unseal(self, prefix: bytes, sealed: bytes, suffix: bytes, signature: bytes) -> bytes:
        res = self.ctx.unwrap_iov([(BufferType.header, signature),
                                   (BufferType.sign_only, prefix), (BufferType.data, sealed),
                                   (BufferType.sign_only, suffix)])
        plain = res.buffers[2].data
        assert plain is not None
        return plain


class RawClient:
    """A DCE/RPC client doing its own framing around a client security provider."""

    def __init__(self, ep: RpcEndpoint, provider: Any, auth_type: int, level: int,
                 h: H, context_id: int = CTX_ID) -> None:
        self.ep, self.p, self.auth_type, self.level, self.h = ep, provider, auth_type, level, h
        self.context_id = context_id
        self.call_id = 1

    def verifier(self, token: bytes, pad: int = 0) -> AuthVerifier:
        return AuthVerifier(self.auth_type, self.level, self.context_id, token, pad)

    def bind(self, *, use_auth3: bool = False, syntax: Any = None, alter: bool = False) -> None:
        """Build the security context: with a bind, or (``alter``) with an alter_context on an
        association already bound."""
        h = self.h
        syntax = syntax or h.TOY
        self.ep.write(h.bind_pdu([(0, syntax, [NDR20])], call_id=self.call_id, alter=alter,
                                 auth=self.verifier(self.p.step(None))))
        (ack,) = h.drain(self.ep)
        assert isinstance(ack.body, AlterContextResp if alter else BindAck), ack.body
        assert ack.auth is not None
        token = self.p.step(ack.auth.auth_value)
        if use_auth3:
            self.ep.write(encode_pdu(Pdu(Auth3(), self.call_id, auth=self.verifier(token))))
            assert not self.ep.has_output()
        while not use_auth3:
            self.ep.write(h.bind_pdu([(0, syntax, [NDR20])], call_id=self.call_id,
                                     alter=True, auth=self.verifier(token)))
            raw, more = self.ep.read(1 << 20)
            assert not more and not self.ep.has_output()
            resp = parse_pdu(raw)
            assert isinstance(resp.body, AlterContextResp), resp.body
            auth_length = struct.unpack_from("<H", raw, 10)[0]
            auth_type, level, _pad, _res, context_id = struct.unpack_from(
                "<BBBBI", raw, len(raw) - auth_length - 8)
            assert (auth_type, level, context_id) == (self.auth_type, self.level,
                                                      self.context_id)
            if self.p.complete:
                assert auth_length == 0  # a 3-leg mech: the sec_trailer alone, no auth_value
                break
            assert resp.auth is not None
            token = self.p.step(resp.auth.auth_value)
            if self.p.complete and not token:
                break
        assert self.p.complete
        self.call_id += 1

    def request(self, opnum: int, stub: bytes, *, tamper: bool = False) -> bytes | int:
        """One call; the response stub (every fragment's verifier checked), or a fault."""
        pad = -len(stub) & 15
        body = stub + bytes(pad)
        frag_len = 24 + len(body) + 8 + 16
        header = struct.pack("<BBBB4sHHIIHH", 5, 0, 0, PFC_FIRST_FRAG | PFC_LAST_FRAG,
                             b"\x10\0\0\0", frag_len, 16, self.call_id, len(stub), 0, opnum)
        trailer = struct.pack("<BBBBI", self.auth_type, self.level, pad, 0, self.context_id)
        if self.level == PRIVACY:
            body, signature = self.p.seal(header, body, trailer)
        else:
            signature = self.p.sign(header + body + trailer)
        raw = bytearray(header + body + trailer + signature)
        if tamper:
            raw[-20] ^= 1  # in the sec_trailer: auth_context_id
        self.call_id += 1
        self.ep.write(raw)
        out = b""
        while self.ep.has_output():
            wire, more = self.ep.read(1 << 20)
            assert not more
            frag = parse_pdu(wire)
            if isinstance(frag.body, Fault):
                return frag.body.status
            assert isinstance(frag.body, Response) and frag.auth is not None
            sig = frag.auth.auth_value
            stub_end = len(wire) - 16 - 8
            prefix, suffix = wire[:24], wire[stub_end:len(wire) - 16]
            if self.level == PRIVACY:
                plain = self.p.unseal(prefix, wire[24:stub_end], suffix, sig)
            else:
                plain = wire[24:stub_end]
                self.p.verify(wire[:-16], sig)
            out += plain[:len(plain) - frag.auth.auth_pad_length]
        return out
