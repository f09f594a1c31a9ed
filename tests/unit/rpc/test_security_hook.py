"""The DCE/RPC auth hook: framing done by the endpoint, crypto by a (toy) provider.

``XorAuth`` stands in for the NTLMSSP provider: three legs (bind token -> challenge, auth3
token -> established), a 16-byte "signature" (SHA-256 of the plaintext PDU up to the
sec_trailer) and "sealing" by XOR.  The tests check what the endpoint owes any provider:
the sec_trailer fields, 16-octet stub padding, auth_length, fragment sizes that leave room
for the verifier, unsealing before stripping the padding, and the identity change.
"""

from __future__ import annotations

import hashlib
import struct
import types
from typing import Any

from smbemu.rpc.endpoint import RpcEndpoint
from smbemu.principal import Principal, PrincipalKind
from smbemu.rpc.pdu import (
    NDR20,
    PFC_FIRST_FRAG,
    PFC_LAST_FRAG,
    PFC_SUPPORT_HEADER_SIGN,
    Auth3,
    AuthVerifier,
    BindAck,
    Fault,
    Pdu,
    Response,
    encode_pdu,
    parse_pdu,
)
from smbemu.rpc.registry import Registry
from smbemu.rpc.security import AuthRejected, VerifyFailed
from smbemu.status import FAULT_ACCESS_DENIED

H = types.SimpleNamespace
TOY_AUTH_TYPE = 0x7F
PRIVACY = 6


def xor(data: bytes | bytearray) -> bytes:
    return bytes(b ^ 0x5A for b in data)


class XorAuth:
    """A toy security provider implementing the RpcAuth protocol."""

    def __init__(self) -> None:
        self.auth_level = 1
        self.auth_type = 0
        self.auth_context_id = 0
        self.principal: Principal | None = None
        self.session_key: bytes | None = None
        self.protects = False
        self.header_signing = True
        self._started = False

    def process_bind_auth(self, verifier: AuthVerifier, *, alter: bool,
                          client_flags: int) -> AuthVerifier | None:
        if verifier.auth_type != TOY_AUTH_TYPE or verifier.auth_value != b"HELLO":
            raise AuthRejected()
        self._started = True
        self.auth_context_id = verifier.auth_context_id
        self._level = verifier.auth_level
        return AuthVerifier(TOY_AUTH_TYPE, verifier.auth_level, verifier.auth_context_id,
                            b"CHALLENGE")

    def process_auth3(self, verifier: AuthVerifier) -> None:
        if not self._started or verifier.auth_value != b"PROOF":
            raise AuthRejected(fault_status=0)
        self.auth_type = TOY_AUTH_TYPE
        self.auth_level = self._level
        self.principal = Principal(PrincipalKind.ADMINISTRATOR, "root", "CORP", sid="S-1-5-21-9-500")
        self.session_key = b"s" * 16
        self.protects = True

    def sig_size(self) -> int:
        return 16

    def verify_and_unseal(self, pdu: bytes, stub_offset: int, stub_end: int,
                          verifier: AuthVerifier | None) -> bytes:
        if verifier is None:
            raise VerifyFailed()
        plain = bytearray(pdu[:len(pdu) - len(verifier.auth_value)])
        plain[stub_offset:stub_end] = xor(plain[stub_offset:stub_end])
        if hashlib.sha256(plain).digest()[:16] != verifier.auth_value:
            raise VerifyFailed(FAULT_ACCESS_DENIED, "bad signature")
        return bytes(plain[stub_offset:stub_end])

    def sign_and_seal(self, pdu: bytearray, stub_offset: int, stub_end: int) -> bytes:
        signature = hashlib.sha256(pdu).digest()[:16]
        pdu[stub_offset:stub_end] = xor(pdu[stub_offset:stub_end])
        return signature


def protected_request(call_id: int, opnum: int, stub: bytes, *, corrupt: bool = False,
                      flags: int = PFC_FIRST_FRAG | PFC_LAST_FRAG) -> bytes:
    """What a client sends at packet privacy: header, stub + pad, trailer, signature."""
    pad = -len(stub) & 15
    frag_len = 24 + len(stub) + pad + 8 + 16
    plain = bytearray(struct.pack("<BBBB4sHHIIHH", 5, 0, 0, flags, b"\x10\0\0\0", frag_len,
                                  16, call_id, len(stub), 0, opnum))
    plain += stub + bytes(pad) + struct.pack("<BBBBI", TOY_AUTH_TYPE, PRIVACY, pad, 0, 3)
    signature = hashlib.sha256(plain).digest()[:16]
    plain[24:24 + len(stub) + pad] = xor(plain[24:24 + len(stub) + pad])
    if corrupt:
        plain[30] ^= 1
    return bytes(plain) + signature


def open_session(registry: Registry, factory: Any, h: H) -> tuple[RpcEndpoint, XorAuth]:
    auth = XorAuth()
    ep = RpcEndpoint("toy", registry, factory, auth=auth)
    ep.write(h.bind_pdu([(0, h.TOY, [NDR20])], auth=AuthVerifier(TOY_AUTH_TYPE, PRIVACY, 3,
                                                                 b"HELLO"),
                        flags=PFC_FIRST_FRAG | PFC_LAST_FRAG | PFC_SUPPORT_HEADER_SIGN))
    (ack,) = h.drain(ep)
    assert isinstance(ack.body, BindAck)
    assert ack.pfc_flags & PFC_SUPPORT_HEADER_SIGN
    assert ack.auth is not None and ack.auth.auth_value == b"CHALLENGE"
    assert (ack.auth.auth_type, ack.auth.auth_level, ack.auth.auth_context_id) == (
        TOY_AUTH_TYPE, PRIVACY, 3)
    ep.write(encode_pdu(Pdu(Auth3(), 1, auth=AuthVerifier(TOY_AUTH_TYPE, PRIVACY, 3,
                                                          b"PROOF"))))
    assert not ep.has_output()
    return ep, auth


def unprotect(raw: bytes) -> tuple[Pdu, bytes]:
    pdu = parse_pdu(raw)
    assert pdu.auth is not None
    assert (pdu.auth.auth_type, pdu.auth.auth_level, pdu.auth.auth_context_id) == (
        TOY_AUTH_TYPE, PRIVACY, 3)
    assert len(raw) - 16 - 8 == 24 + len(pdu.body.stub)  # type: ignore[union-attr]
    assert len(pdu.body.stub) % 16 == 0  # type: ignore[union-attr]
    plain = bytearray(raw[:-16])
    end = len(raw) - 16 - 8
    plain[24:end] = xor(plain[24:end])
    assert hashlib.sha256(plain).digest()[:16] == pdu.auth.auth_value
    return pdu, bytes(plain[24:end - pdu.auth.auth_pad_length])


def test_authenticated_call_changes_identity_and_is_protected(
        registry: Registry, factory: Any, h: H) -> None:
    ep, _ = open_session(registry, factory, h)
    ep.write(protected_request(2, 10, b""))
    out, more = ep.read(4280)
    assert not more
    pdu, stub = unprotect(out)
    assert isinstance(pdu.body, Response)
    assert h.toy_op(10).decode_response(stub) == {
        "Kind": "administrator", "User": "root", "Pipe": "toy", "Session": 42,
        "AuthLevel": PRIVACY, "Opnum": 10, "ReturnValue": 0}


def test_protected_response_fragments_leave_room_for_the_verifier(
        registry: Registry, factory: Any, h: H) -> None:
    ep, _ = open_session(registry, factory, h)
    ep.write(protected_request(3, 2, struct.pack("<I", 10000)))
    frags = []
    while ep.has_output():
        frags.append(ep.read(4280)[0])
    assert len(frags) == 3
    stub = b""
    for i, raw in enumerate(frags):
        assert len(raw) <= 4280
        pdu, piece = unprotect(raw)
        assert bool(pdu.pfc_flags & PFC_FIRST_FRAG) == (i == 0)
        assert bool(pdu.pfc_flags & PFC_LAST_FRAG) == (i == 2)
        if i < 2:
            assert len(piece) == 4224  # 4280 - 24 - 8 - 16, rounded down to 16
        stub += piece
    assert h.toy_op(2).decode_response(stub)["Data"] == bytes(i & 0xFF for i in range(10000))


def test_protected_fragmented_request(registry: Registry, factory: Any, h: H) -> None:
    ep, _ = open_session(registry, factory, h)
    stub = h.toy_op(6).encode_request({"Values": [7] * 40})
    ep.write(protected_request(4, 6, stub[:96], flags=PFC_FIRST_FRAG))
    assert not ep.has_output()
    ep.write(protected_request(4, 6, stub[96:], flags=PFC_LAST_FRAG))
    _, out = unprotect(ep.read(4280)[0])
    assert h.toy_op(6).decode_response(out) == {"Count": 40, "Total": 280, "ReturnValue": 0}


def test_bad_signature_is_access_denied(registry: Registry, factory: Any, h: H) -> None:
    ep, _ = open_session(registry, factory, h)
    ep.write(protected_request(5, 1, bytes(8), corrupt=True))
    pdu = parse_pdu(ep.read(4280)[0])
    assert isinstance(pdu.body, Fault) and pdu.body.status == FAULT_ACCESS_DENIED
    assert ep.terminated


def test_missing_verifier_on_protected_association(registry: Registry, factory: Any,
                                                   h: H) -> None:
    ep, _ = open_session(registry, factory, h)
    ep.write(h.request_pdu(6, 0, 1, bytes(8)))
    pdu = parse_pdu(ep.read(4280)[0])
    assert isinstance(pdu.body, Fault) and pdu.body.status == FAULT_ACCESS_DENIED


def test_refused_bind_token_is_bind_nak(registry: Registry, factory: Any, h: H) -> None:
    ep = RpcEndpoint("toy", registry, factory, auth=XorAuth())
    ep.write(h.bind_pdu([(0, h.TOY, [NDR20])], auth=AuthVerifier(TOY_AUTH_TYPE, PRIVACY, 3,
                                                                 b"WRONG")))
    pdu = parse_pdu(ep.read(4280)[0])
    assert pdu.ptype == 13 and ep.terminated
