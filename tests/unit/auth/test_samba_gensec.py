"""Samba's gensec SPNEGO / NTLMSSP client -- the code smbclient and rpcclient run -- against our
acceptor, in memory. Samba's Python bindings belong to the system interpreter, so the client runs
there (``SMBEMU_SAMBA_PYTHON``, default /usr/bin/python3) and trades hex tokens over a pipe.
Marked ``interop``: it needs python3-samba, and fails (rather than skips) without it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from sambagensec import SambaGensec, samba_gensec
from smbemu.auth import spnego as sp
from smbemu.auth.ntlm import NtlmAcceptor, NtlmResult, Outcome, ServerIdentity

pytestmark = pytest.mark.interop
MakeAcceptor = Callable[..., NtlmAcceptor]

@contextmanager
def samba_client(user: str, password: str, mech: str = "spnego", **lp: str) -> Iterator[SambaGensec]:
    """Samba's client as smbclient runs it for SMB: sealing wanted, service cifs."""
    with samba_gensec(user, password, mech=mech, features=["FEATURE_SEAL"], target_service="cifs", **lp) as client:
        yield client


def spnego_logon(client: SambaGensec, acceptor: NtlmAcceptor) -> tuple[NtlmResult, bool]:
    """One SESSION_SETUP conversation, as the SMB layer is meant to drive it; returns the NTLM
    result and whether the client ended up satisfied."""
    _finished, token = client.update(sp.negotiate_hint())
    first = sp.parse_client_token(token)
    assert sp.select_mech(first) is sp.MechSelection.NTLM
    _finished, token = client.update(sp.accept_incomplete(acceptor.accept_negotiate(first.mech_token)))
    second = sp.parse_client_token(token)
    result = acceptor.accept_authenticate(second.mech_token)
    if result.outcome is Outcome.ANONYMOUS:
        final = sp.accept_completed()
    elif result.outcome is Outcome.AUTHENTICATED:
        ok, final = sp.finish_ntlm(acceptor.security(), first.mech_types_der, second.mech_list_mic)
        assert ok
    else:
        final = sp.reject()
    try:
        finished, token = client.update(final)
    except RuntimeError:
        return result, False
    return result, finished and not token


def check_sealing(client: SambaGensec, acceptor: NtlmAcceptor, result: NtlmResult) -> None:
    assert client.session_key() == result.session_key
    security = acceptor.security()
    for n in range(2):
        wrapped = client.wrap(b"from samba %d" % n)
        assert security.unseal(wrapped[16:], wrapped[:16]) == b"from samba %d" % n
        sealed, signature = security.seal(b"to samba %d" % n)
        assert client.unwrap(signature + sealed) == b"to samba %d" % n


def test_samba_spnego_ntlmv2_with_mech_list_mic(make_acceptor: MakeAcceptor, password: str) -> None:
    acceptor = make_acceptor()
    with samba_client("alice", password) as client:
        result, satisfied = spnego_logon(client, acceptor)
        assert (result.outcome, result.package, result.mic_present, satisfied) == (
            Outcome.AUTHENTICATED, "NTLM V2", True, True,
        )  # fmt: skip
        check_sealing(client, acceptor, result)


def test_samba_spnego_without_timestamp(make_acceptor: MakeAcceptor, w2k: ServerIdentity, password: str) -> None:
    acceptor = make_acceptor(w2k)
    with samba_client("alice", password) as client:
        result, satisfied = spnego_logon(client, acceptor)
        assert (result.outcome, result.mic_present, satisfied) == (Outcome.AUTHENTICATED, False, True)
        check_sealing(client, acceptor, result)


@pytest.mark.parametrize("level, outcome", [(3, Outcome.AUTHENTICATED), (5, Outcome.REFUSED)])
def test_samba_ntlmv1(make_acceptor: MakeAcceptor, password: str, level: int, outcome: Outcome) -> None:
    acceptor = make_acceptor(lm_compatibility_level=level)
    with samba_client("alice", password, **{"client ntlmv2 auth": "no", "client lanman auth": "yes"}) as client:
        result, satisfied = spnego_logon(client, acceptor)
        assert (result.outcome, result.package, satisfied) == (outcome, "NTLM V1", outcome is Outcome.AUTHENTICATED)
        if satisfied:
            check_sealing(client, acceptor, result)


@pytest.mark.parametrize("features", [["FEATURE_SIGN"], ["FEATURE_SEAL"]])
def test_samba_ntlmv1_without_extended_session_security(make_acceptor: MakeAcceptor, password: str,
                                                        features: list[str]) -> None:
    """Issue 15 bug 3: smbclient with NTLMv1 and no NTLM2 session response (``ntlmssp_client:ntlm2
    = no``) on a signing-required server. One RC4 handle and sequence number serve both
    directions (MS-NLMP 3.4.4.1), so our mechListMIC must continue the stream the client's left
    (Samba: "BAD SIG NTLM1" and ACCESS_DENIED before the fix)."""
    acceptor = make_acceptor()
    lp = {"client ntlmv2 auth": "no", "client lanman auth": "yes", "ntlmssp_client:ntlm2": "no"}
    with samba_gensec("alice", password, mech="spnego", features=features, target_service="cifs", **lp) as client:
        result, satisfied = spnego_logon(client, acceptor)
        assert not result.negotiate_flags & 0x00080000  # no NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
        assert (result.outcome, result.package, satisfied) == (Outcome.AUTHENTICATED, "NTLM V1", True)
        assert client.session_key() == result.session_key


def test_samba_failures_and_anonymous(make_acceptor: MakeAcceptor, password: str) -> None:
    with samba_client("alice", "wrong") as client:
        result, satisfied = spnego_logon(client, make_acceptor())
        assert (result.outcome, satisfied) == (Outcome.WRONG_PASSWORD, False)
    with samba_client("", "") as client:
        result, satisfied = spnego_logon(client, make_acceptor())
        assert (result.outcome, satisfied) == (Outcome.ANONYMOUS, True)


def test_samba_raw_ntlmssp(make_acceptor: MakeAcceptor, password: str) -> None:
    acceptor = make_acceptor()
    with samba_client("alice", password, mech="ntlmssp") as client:
        _finished, negotiate = client.update(b"")
        assert sp.parse_client_token(negotiate).raw_ntlm
        _finished, authenticate = client.update(acceptor.accept_negotiate(negotiate))
        result = acceptor.accept_authenticate(authenticate)
        assert result.outcome is Outcome.AUTHENTICATED
        check_sealing(client, acceptor, result)
