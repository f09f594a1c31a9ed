"""Shared fixtures for the NTLM / SPNEGO acceptor tests (alice / "Secret1!" in CORP)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from smbemu.auth.ntlm import NtlmAccount, NtlmAcceptor, ServerIdentity
from smbemu.auth.ntlm_crypto import lm_owf_v1, nt_owf_v1

_PASSWORD = "Secret1!"

# A Windows Server 2019 member server.
_MODERN = ServerIdentity(
    netbios_computer="LEGACYSRV",
    netbios_domain="CORP",
    dns_computer="legacysrv.corp.local",
    dns_domain="corp.local",
    dns_tree="corp.local",
    target_is_domain=False,
    send_timestamp=True,
    version=(10, 0, 17763),
)

# A Windows 2000 domain controller: no VERSION, no timestamp, no tree name.
_W2K = ServerIdentity(
    netbios_computer="OLDDC",
    netbios_domain="CORP",
    dns_computer="olddc.corp.local",
    dns_domain="corp.local",
    dns_tree=None,
    target_is_domain=True,
    send_timestamp=False,
    version=None,
)

_ALICE = NtlmAccount("alice", nt_owf_v1(_PASSWORD), lm_owf_v1(_PASSWORD))


def _lookup(name: str) -> NtlmAccount | None:
    return _ALICE if name.lower() == "alice" else None


@pytest.fixture(scope="session")
def password() -> str:
    return _PASSWORD


@pytest.fixture(scope="session")
def alice() -> NtlmAccount:
    return _ALICE


@pytest.fixture(scope="session")
def modern() -> ServerIdentity:
    return _MODERN


@pytest.fixture(scope="session")
def w2k() -> ServerIdentity:
    return _W2K


@pytest.fixture(scope="session")
def make_acceptor() -> Callable[..., NtlmAcceptor]:
    """``make_acceptor(identity=MODERN, **NtlmAcceptor keyword arguments)``."""

    def make(identity: ServerIdentity = _MODERN, **kwargs: object) -> NtlmAcceptor:
        return NtlmAcceptor(identity, _lookup, **kwargs)  # type: ignore[arg-type]

    return make
