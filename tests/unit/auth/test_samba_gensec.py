"""Samba's gensec SPNEGO / NTLMSSP client -- the code smbclient and rpcclient run -- against our
acceptor, in memory. Samba's Python bindings belong to the system interpreter, so the client runs
there (``SMBEMU_SAMBA_PYTHON``, default /usr/bin/python3) and trades hex tokens over a pipe.
Marked ``interop``: it needs python3-samba, and fails (rather than skips) without it."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from smbemu.auth import spnego as sp
from smbemu.auth.ntlm import NtlmAcceptor, NtlmResult, Outcome, ServerIdentity

pytestmark = pytest.mark.interop
MakeAcceptor = Callable[..., NtlmAcceptor]

_CLIENT = r"""
import json, sys
import samba.param
from samba import gensec
from samba.credentials import Credentials, DONT_USE_KERBEROS
cfg = json.loads(sys.argv[1])
lp = samba.param.LoadParm()
lp.load("/dev/null")
for name, value in cfg["lp"].items():
    lp.set(name, value)
creds = Credentials()
creds.guess(lp)
creds.set_kerberos_state(DONT_USE_KERBEROS)
creds.set_workstation("SAMBACLI")
if cfg["user"]:
    creds.set_username(cfg["user"]); creds.set_password(cfg["password"]); creds.set_domain("CORP")
else:
    creds.set_anonymous()
g = gensec.Security.start_client({"lp_ctx": lp, "target_hostname": "legacysrv", "target_service": "cifs"})
g.set_credentials(creds)
g.want_feature(gensec.FEATURE_SEAL)
g.start_mech_by_name(cfg["mech"])
for line in sys.stdin:
    op, arg = json.loads(line)
    try:
        if op == "update":
            finished, token = g.update(bytes.fromhex(arg))
            reply = [bool(finished), bytes(token).hex()]
        elif op == "session_key":
            reply = bytes(g.session_key()).hex()
        else:
            reply = bytes(getattr(g, op)(bytes.fromhex(arg))).hex()
    except Exception as error:
        reply = {"error": str(error)}
    print(json.dumps(reply), flush=True)
"""


class SambaClient:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._process = process

    def _call(self, op: str, arg: bytes = b"") -> Any:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps([op, arg.hex()]) + "\n")
        self._process.stdin.flush()
        reply = json.loads(self._process.stdout.readline())
        if isinstance(reply, dict):
            raise RuntimeError(reply["error"])
        return reply

    def update(self, token: bytes) -> tuple[bool, bytes]:
        finished, out = self._call("update", token)
        return finished, bytes.fromhex(out)

    def session_key(self) -> bytes:
        return bytes.fromhex(self._call("session_key"))

    def wrap(self, data: bytes) -> bytes:
        return bytes.fromhex(self._call("wrap", data))

    def unwrap(self, data: bytes) -> bytes:
        return bytes.fromhex(self._call("unwrap", data))


@contextmanager
def samba_client(user: str, password: str, mech: str = "spnego", **lp: str) -> Iterator[SambaClient]:
    config = json.dumps({"user": user, "password": password, "mech": mech, "lp": lp})
    python = os.environ.get("SMBEMU_SAMBA_PYTHON", "/usr/bin/python3")
    command = [python, "-c", _CLIENT, config]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as p:
        try:
            yield SambaClient(p)
        finally:
            assert p.stdin is not None
            p.stdin.close()


def spnego_logon(client: SambaClient, acceptor: NtlmAcceptor) -> tuple[NtlmResult, bool]:
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


def check_sealing(client: SambaClient, acceptor: NtlmAcceptor, result: NtlmResult) -> None:
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
