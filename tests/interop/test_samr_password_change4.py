"""SamrUnicodeChangePasswordUser4 (opnum 73) judged by Samba's rpcclient `chgpasswd4`: on the
Windows Server 2022 profile the AES password change succeeds and the new password logs on; a wrong
old password is NT_STATUS_WRONG_PASSWORD; on the 2016 profile, whose Windows had no opnum 73, the
client reads nca_op_rng_error (NT_STATUS_RPC_PROCNUM_OUT_OF_RANGE)."""

from __future__ import annotations

import pytest
from helpers import HOST, ServerThread, run_tool

pytestmark = pytest.mark.interop


def _rpcclient(port: int, creds: str, command: str) -> str:
    result = run_tool(["rpcclient", "-p", str(port), "-U", creds, HOST, "-c", command])
    return result.stdout + result.stderr


def test_chgpasswd4_on_2022() -> None:
    with ServerThread("win2022-dc") as server:
        out = _rpcclient(server.port, "CORP/alice%Wonderland1", "chgpasswd4 alice Wonderland1 Looking-Glass-2")
        assert "NT_STATUS" not in out, out
        assert "Account Name: alice" in _rpcclient(server.port, "CORP/alice%Looking-Glass-2", "getusername")
        out = _rpcclient(server.port, "CORP/alice%Looking-Glass-2", "chgpasswd4 alice Wonderland1 Third-Passw0rd")
        assert "NT_STATUS_WRONG_PASSWORD" in out, out


def test_chgpasswd4_before_2022() -> None:
    with ServerThread("win2016-dc") as server:
        out = _rpcclient(server.port, "CORP/alice%Wonderland1", "chgpasswd4 alice Wonderland1 Looking-Glass-2")
        assert "NT_STATUS_RPC_PROCNUM_OUT_OF_RANGE" in out, out
