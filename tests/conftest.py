"""Shared fixtures. Servers started here listen on 127.0.0.1 on an ephemeral port only."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from helpers import ServerThread  # noqa: E402


@pytest.fixture(scope="module")
def win2000_server() -> Iterator[ServerThread]:
    with ServerThread("win2000") as server:
        yield server


@pytest.fixture(scope="module")
def win2016_server() -> Iterator[ServerThread]:
    with ServerThread("win2016") as server:
        yield server


@pytest.fixture(scope="module")
def signing_server() -> Iterator[ServerThread]:
    """win2016 with RequireSecuritySignature (smb.signing_required). NEGOTIATE grants the credits
    asked (identity.smb2.negotiate_credits=0; Windows grants 1): the replay attacks of
    tests/interop/test_signing_attacks.py send captured MessageIds on a fresh connection, and should
    meet the session checks they test rather than the credit window."""
    with ServerThread("win2016", overrides=["smb.signing_required=true", "identity.smb2.negotiate_credits=0"]) as running:
        yield running


@pytest.fixture(scope="module")
def encrypting_server() -> Iterator[ServerThread]:
    """win2016 with EncryptData (smb.encrypt_data): 3.x sessions must encrypt."""
    with ServerThread("win2016", overrides=["smb.encrypt_data=true"]) as running:
        yield running
