"""samr SamrUnicodeChangePasswordUser4 (opnum 73, MS-SAMR 3.1.5.10.4): the AES password change on
the Windows Server 2022 profiles, nca_op_rng_error before them.  The request is built here from
the specification's steps (3.2.2.4); Samba's rpcclient `chgpasswd4` is tests/interop's judge."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from smbemu.auth.ntlm_crypto import nt_owf_v1
from smbemu_pipes.samr.password_change4 import DerivationBudget

SUCCESS, WRONG_PASSWORD, INVALID_PARAMETER = 0, 0xC000006A, 0xC000000D
PASSWORD_RESTRICTION = 0xC000006C
NCA_S_OP_RNG_ERROR = 0x1C010002
RPC_S_SERVER_TOO_BUSY = 0x000006BB


def encrypted_password(old: str, new: str, iterations: int = 5555) -> dict[str, Any]:
    """SAMPR_ENCRYPTED_PASSWORD_AES (2.2.6.32) as a client builds it: a 16-byte key by
    PBKDF2-HMAC-SHA512 from the old NT hash and the salt, AES-256-CBC of the length-prefixed
    UTF-16 password padded with random bytes to 514 (PKCS#7 on top), HMAC-SHA512 over version,
    salt, cipher and the version's length."""
    salt = os.urandom(16)
    key = hashlib.pbkdf2_hmac("sha512", nt_owf_v1(old), salt, iterations, 16)
    encryption_key = hmac.digest(key, b"Microsoft SAM encryption key AEAD-AES-256-CBC-HMAC-SHA512 16\0",
                                 "sha512")[:32]
    mac_key = hmac.digest(key, b"Microsoft SAM MAC key AEAD-AES-256-CBC-HMAC-SHA512 16\0", "sha512")
    secret = new.encode("utf-16-le")
    plain = len(secret).to_bytes(2, "little") + secret
    plain += os.urandom(514 - len(plain))
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.AES(encryption_key), modes.CBC(salt)).encryptor()
    cipher = encryptor.update(padded) + encryptor.finalize()
    auth = hmac.digest(mac_key, b"\x01" + salt + cipher + b"\x01", "sha512")
    return {"AuthData": auth, "Salt": salt, "cbCipher": len(cipher), "Cipher": cipher,
            "PBKDF2Iterations": iterations}


@pytest.fixture
def dc2022(pipe_client: Callable[..., Any], pipes_h: Any) -> Any:
    server = pipes_h.fresh_config("win2022-dc")
    server.directory = server.directory.copy()  # its own passwords
    return server


def change(client: Any, user: str, password: dict[str, Any]) -> int:
    status: int = client.call(73, ServerName=None, UserName=user, EncryptedPassword=password)["ReturnValue"]
    return status


def test_a_user_changes_its_password(pipe_client: Callable[..., Any], dc2022: Any) -> None:
    client = pipe_client("samr", "anonymous", server=dc2022)  # no logon needed: the old password is the proof
    assert change(client, "alice", encrypted_password("Wonderland1", "Looking-Glass-2")) == SUCCESS
    assert dc2022.directory.find_user("alice").nt_hash == nt_owf_v1("Looking-Glass-2")
    # the old one no longer proves anything; a wrong one counts as a bad password
    alice = dc2022.directory.find_user("alice")
    before = dc2022.directory.state(alice).bad_password_count
    assert change(client, "alice", encrypted_password("Wonderland1", "Third-Passw0rd")) == WRONG_PASSWORD
    assert dc2022.directory.state(alice).bad_password_count == before + 1
    # an unknown name answers as a wrong password; the policy applies (too short)
    assert change(client, "nobody", encrypted_password("x", "Another-Passw0rd")) == WRONG_PASSWORD
    assert change(client, "alice", encrypted_password("Looking-Glass-2", "a")) == PASSWORD_RESTRICTION


def test_the_buffer_is_checked(pipe_client: Callable[..., Any], dc2022: Any) -> None:
    client = pipe_client("samr", "user", server=dc2022)
    for iterations in (4999, 1_000_001):
        assert change(client, "alice", encrypted_password("Wonderland1", "Looking-Glass-2", iterations)) \
            == INVALID_PARAMETER
    tampered = encrypted_password("Wonderland1", "Looking-Glass-2")
    tampered["Cipher"] = bytes([tampered["Cipher"][0] ^ 1]) + tampered["Cipher"][1:]
    assert change(client, "alice", tampered) == WRONG_PASSWORD
    short = encrypted_password("Wonderland1", "Looking-Glass-2")
    short["cbCipher"] = 15
    assert change(client, "alice", short) == WRONG_PASSWORD
    assert dc2022.directory.find_user("alice").nt_hash == nt_owf_v1("Wonderland1")


@pytest.mark.parametrize("profile", ["win2016-dc", "win2019", "win2000"])
def test_earlier_releases_have_no_opnum_73(pipe_client: Callable[..., Any], profile: str) -> None:
    client = pipe_client("samr", "user", profile)
    op = client.op(73)
    stub = op.encode_request({"ServerName": None, "UserName": "alice",
                              "EncryptedPassword": encrypted_password("Wonderland1", "Looking-Glass-2")})
    assert client.fault(73, stub) == NCA_S_OP_RNG_ERROR


def test_the_key_derivation_budget_keeps_a_looping_caller_from_stalling_the_server(
        pipe_client: Callable[..., Any], dc2022: Any) -> None:
    """The caller chooses the PBKDF2 cost and needs no logon: past the server's budget the call
    is refused RPC_S_SERVER_TOO_BUSY before any account is touched (no bad-password count), and
    it is paid again once the budget has refilled."""
    now = [0.0]
    dc2022.memo("samr.derivation_budget",
                lambda: DerivationBudget(rounds=10_000, refill_per_second=1_000, clock=lambda: now[0]))
    client = pipe_client("samr", "anonymous", server=dc2022)
    alice = dc2022.directory.find_user("alice")
    before = dc2022.directory.state(alice).bad_password_count
    assert change(client, "alice", encrypted_password("wrong", "Looking-Glass-2", 6_000)) == WRONG_PASSWORD
    stub = client.op(73).encode_request({
        "ServerName": None, "UserName": "alice",
        "EncryptedPassword": encrypted_password("wrong", "Looking-Glass-2", 6_000)})
    assert client.fault(73, stub) == RPC_S_SERVER_TOO_BUSY  # 4,000 rounds left
    assert dc2022.directory.state(alice).bad_password_count == before + 1
    now[0] += 2.0  # 2,000 rounds back: 6,000
    assert change(client, "alice", encrypted_password("Wonderland1", "Looking-Glass-2", 6_000)) == SUCCESS


def test_the_budget_refills_to_its_size_only() -> None:
    now = [0.0]
    budget = DerivationBudget(rounds=1_000, refill_per_second=100, clock=lambda: now[0])
    assert budget.pay(1_000) and not budget.pay(1)
    now[0] = 100.0  # far more than the size's worth of refill
    assert budget.pay(1_000) and not budget.pay(1)
    now[0] = 105.0
    assert not budget.pay(501) and budget.pay(500)
