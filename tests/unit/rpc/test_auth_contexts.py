"""Several security contexts on one association (``smbemu.rpc.auth_contexts``; MS-RPCE
3.3.1.5.4), in memory, with pyspnego as each context's client provider: every response
signature is checked with the keys of the context the request named, so a response protected
with another context's keys fails the test.

What Windows answers comes from Samba's raw_protocol tests, which are run against Windows
(test_spnego_multiple_auth_hdr_signing, _test_lsa_multi_auth_connect*, test_multiple_auth_limit,
test_ntlmssp_auth_MPX_middle_auth_context_111, test_ntlmssp_multi_auth_first1_lastSame2).
"""

from __future__ import annotations

import struct
import types
from typing import Any

import pytest
from rpcauthclient import CTX_ID, PySpnego, RawClient

from smbemu.builder import build_config
from smbemu.logon import RpcLogons
from smbemu.rpc import auth_contexts
from smbemu.rpc.auth_contexts import SecurityContexts
from smbemu.rpc.auth_ntlm import rpc_auth_factory
from smbemu.rpc.endpoint import RpcEndpoint
from smbemu.rpc.registry import Registry
from smbemu.rpc.pdu import NDR20, PFC_FIRST_FRAG, PFC_LAST_FRAG, AuthVerifier, Fault, Response
from smbemu.status import FAULT_ACCESS_DENIED, FAULT_SEC_PKG_ERROR, NCA_S_PROTO_ERROR

H = types.SimpleNamespace
WINNT, NEGOTIATE = 10, 9
CONNECT, INTEGRITY, PRIVACY = 2, 5, 6
ALICE = ("alice", "Wonderland1")
ADMIN = ("Administrator", "Adm!n2003")


@pytest.fixture(scope="module")
def config() -> Any:
    return build_config("win2016")


@pytest.fixture
def ep(registry: Registry, factory: Any, config: Any) -> RpcEndpoint:
    """The toy pipe (toy, toy2, mgmt) with the SMB identity alice (see conftest), its security
    contexts speaking for the corp fixture's accounts."""
    return RpcEndpoint("toy", registry, factory, auth=rpc_auth_factory(RpcLogons(config))())


def who(client: RawClient, h: H) -> tuple[str, int]:
    out = client.request(10, b"")
    assert isinstance(out, bytes), f"fault 0x{out:08x}"
    answer = h.toy_op(10).decode_response(out)
    return answer["User"], answer["AuthLevel"]


def table(ep: RpcEndpoint) -> SecurityContexts:
    assert isinstance(ep.auth, SecurityContexts)
    return ep.auth


@pytest.mark.parametrize("second_type, use_auth3", [(WINNT, True), (NEGOTIATE, False)])
def test_two_callers_on_one_association_each_with_its_own_keys(ep: RpcEndpoint, h: H,
                                                              second_type: int,
                                                              use_auth3: bool) -> None:
    """impacket's alter_ctx: a second NTLM authentication (alter_context NEGOTIATE, then
    rpc_auth_3 AUTHENTICATE) under a new auth_context_id; each request is answered as the caller
    its context names, protected with that context's keys and sequence numbers."""
    alice = RawClient(ep, PySpnego(*ALICE, WINNT, INTEGRITY), WINNT, INTEGRITY, h)
    alice.bind()
    admin = RawClient(ep, PySpnego(*ADMIN, second_type, PRIVACY), second_type, PRIVACY, h,
                      context_id=CTX_ID + 1)
    admin.call_id = alice.call_id
    admin.bind(alter=True, use_auth3=use_auth3)
    for _ in range(2):  # sequence numbers advance per context
        alice.call_id = admin.call_id = max(alice.call_id, admin.call_id)
        assert who(admin, h) == ("Administrator", PRIVACY)
        alice.call_id = admin.call_id
        assert who(alice, h) == ("alice", INTEGRITY)
    assert sorted(table(ep).contexts) == [CTX_ID, CTX_ID + 1]
    assert not ep.terminated


def test_unknown_auth_context_id_is_access_denied_and_ends_the_association(ep: RpcEndpoint,
                                                                           h: H) -> None:
    alice = RawClient(ep, PySpnego(*ALICE, WINNT, INTEGRITY), WINNT, INTEGRITY, h)
    alice.bind()
    admin = RawClient(ep, PySpnego(*ADMIN, WINNT, INTEGRITY), WINNT, INTEGRITY, h,
                      context_id=CTX_ID + 1)
    admin.bind(alter=True, use_auth3=True)
    stranger = RawClient(ep, alice.p, WINNT, INTEGRITY, h, context_id=CTX_ID + 7)
    assert stranger.request(10, b"") == FAULT_ACCESS_DENIED
    assert ep.terminated


def test_bind_without_authentication_then_a_context_by_alter_context(ep: RpcEndpoint,
                                                                     h: H) -> None:
    """raw_protocol _test_lsa_multi_auth_connect2 / test_spnego_multiple_auth_hdr_signing: the
    association binds without authentication, an alter_context builds a context; a request
    naming it runs as its caller, one without a verifier as the transport's (the SMB session's
    alice here)."""
    h.bind_toy(ep)
    admin = RawClient(ep, PySpnego(*ADMIN, WINNT, INTEGRITY), WINNT, INTEGRITY, h)
    admin.call_id = 2
    admin.bind(alter=True, use_auth3=True)
    assert who(admin, h) == ("Administrator", INTEGRITY)
    plain = h.call(ep, 0, 10, b"", call_id=admin.call_id)
    assert isinstance(plain, Response)
    assert h.toy_op(10).decode_response(plain.stub)["User"] == "alice"
    admin.call_id += 1
    assert who(admin, h) == ("Administrator", INTEGRITY)


def test_only_context_at_connect_level_serves_requests_without_verifier(ep: RpcEndpoint,
                                                                        h: H) -> None:
    """MS-RPCE 3.3.1.5.4: with one security context, at CONNECT level, a request without
    authentication information is treated as that context's (raw_protocol
    _test_lsa_multi_auth_connect2, call 3)."""
    h.bind_toy(ep)
    admin = RawClient(ep, PySpnego(*ADMIN, WINNT, CONNECT), WINNT, CONNECT, h)
    admin.bind(alter=True, use_auth3=True)
    plain = h.call(ep, 0, 10, b"", call_id=5)
    assert isinstance(plain, Response)
    answer = h.toy_op(10).decode_response(plain.stub)
    assert (answer["User"], answer["AuthLevel"]) == ("Administrator", CONNECT)


def test_later_fragment_signed_by_another_context_fails(ep: RpcEndpoint, h: H) -> None:
    """raw_protocol test_ntlmssp_multi_auth_first1_lastSame2: a call's later fragments belong
    to its first fragment's context; one signed with another context's keys does not verify."""
    alice = RawClient(ep, PySpnego(*ALICE, WINNT, INTEGRITY), WINNT, INTEGRITY, h)
    alice.bind()
    admin = RawClient(ep, PySpnego(*ADMIN, WINNT, INTEGRITY), WINNT, INTEGRITY, h,
                      context_id=CTX_ID + 1)
    admin.bind(alter=True, use_auth3=True)
    call_id = 9
    ep.write(_signed_fragment(alice, call_id, PFC_FIRST_FRAG, bytes(16), alloc_hint=32))
    assert not ep.has_output()
    ep.write(_signed_fragment(admin, call_id, PFC_LAST_FRAG, bytes(16), alloc_hint=16))
    (fault,) = h.drain(ep)
    assert isinstance(fault.body, Fault) and fault.body.status == FAULT_SEC_PKG_ERROR
    assert ep.terminated


def _signed_fragment(client: RawClient, call_id: int, flags: int, stub: bytes, *,
                     alloc_hint: int) -> bytes:
    """One request fragment of opnum 10 signed by ``client``'s context (16-octet stub: no pad)."""
    frag_len = 24 + len(stub) + 8 + 16
    header = struct.pack("<BBBB4sHHIIHH", 5, 0, 0, flags, b"\x10\0\0\0", frag_len, 16, call_id,
                         alloc_hint, 0, 10)
    trailer = struct.pack("<BBBBI", client.auth_type, client.level, 0, 0, client.context_id)
    return header + stub + trailer + client.p.sign(header + stub + trailer)


def test_contexts_beyond_the_limit_are_a_protocol_error(ep: RpcEndpoint, h: H,
                                                         monkeypatch: Any) -> None:
    """MS-RPCE 3.3.1.5.4: past the server's limit (Windows: 2049, raw_protocol
    test_multiple_auth_limit) the alter_context faults nca_proto_error and the association
    ends."""
    monkeypatch.setattr(auth_contexts, "MAX_SECURITY_CONTEXTS", 2)
    alice = RawClient(ep, PySpnego(*ALICE, WINNT, INTEGRITY), WINNT, INTEGRITY, h)
    alice.bind()
    RawClient(ep, PySpnego(*ADMIN, WINNT, INTEGRITY), WINNT, INTEGRITY, h,
              context_id=2).bind(alter=True, use_auth3=True)
    third = PySpnego(*ADMIN, WINNT, INTEGRITY)
    ep.write(h.bind_pdu([(0, h.TOY, [NDR20])], call_id=7, alter=True,
                        auth=AuthVerifier(WINNT, INTEGRITY, 3, third.step(None))))
    (fault,) = h.drain(ep)
    assert isinstance(fault.body, Fault) and fault.body.status == NCA_S_PROTO_ERROR
    assert ep.terminated


def test_established_context_cannot_be_rebuilt(ep: RpcEndpoint, h: H) -> None:
    """An alter_context with a new token for a context already built: ERROR_ACCESS_DENIED (as
    with one context per association; Samba's dcesrv_auth_alter answers the same)."""
    alice = RawClient(ep, PySpnego(*ALICE, WINNT, INTEGRITY), WINNT, INTEGRITY, h)
    alice.bind()
    again = PySpnego(*ADMIN, WINNT, INTEGRITY)
    ep.write(h.bind_pdu([(0, h.TOY, [NDR20])], call_id=5, alter=True,
                        auth=AuthVerifier(WINNT, INTEGRITY, CTX_ID, again.step(None))))
    (fault,) = h.drain(ep)
    assert isinstance(fault.body, Fault) and fault.body.status == FAULT_ACCESS_DENIED
    assert ep.terminated


def test_who_a_request_will_run_as_before_it_is_handed_in(ep: RpcEndpoint, h: H) -> None:
    """What a transport screening unauthenticated calls (RestrictRemoteClients, smbemu.rpc_tcp)
    asks before the endpoint sees a request: after a bind without authentication and a context
    built by alter_context, a request naming the context is the Administrator's, one without a
    verifier the transport's (no RPC principal: refused there), one naming no context nobody's."""
    h.bind_toy(ep)
    admin = RawClient(ep, PySpnego(*ADMIN, WINNT, INTEGRITY), WINNT, INTEGRITY, h)
    admin.call_id = 2
    admin.bind(alter=True, use_auth3=True)
    signed = _signed_fragment(admin, 9, PFC_FIRST_FRAG | PFC_LAST_FRAG, bytes(16), alloc_hint=16)
    contexts = table(ep)
    who = contexts.principal_for(signed)
    assert who is not None and who.user_name == "Administrator"
    assert contexts.principal_for(h.request_pdu(10, 0, 10, b"")) is None
    stranger = RawClient(ep, admin.p, WINNT, INTEGRITY, h, context_id=CTX_ID + 9)
    assert contexts.principal_for(_signed_fragment(stranger, 11, PFC_FIRST_FRAG | PFC_LAST_FRAG, bytes(16),
                                                   alloc_hint=16)) is None
