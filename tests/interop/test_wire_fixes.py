"""Issue 15 bugs 3-6 on the wire, judged by real clients (Samba's smbclient, smbprotocol).

Credentials are the default fixture's (fixtures/corp.yaml): alice / Wonderland1."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from smbprotocol.connection import Connection, Dialects
from smbprotocol.exceptions import SMBResponseException
from smbprotocol.connection import SMB2Echo
from smbprotocol.session import Session

from helpers import HOST, ServerThread, run_tool

pytestmark = pytest.mark.interop

USER, PASSWORD = "alice", "Wonderland1"
# smbclient logging on with NTLMv1 and without the NTLM2 session response ("extended session
# security"), as the pre-NTLMv2 clients the old profiles exist for do.
NTLMV1_WITHOUT_ESS = ("--option=client ntlmv2 auth=no", "--option=client lanman auth=yes",
                      "--option=ntlmssp_client:ntlm2=no")


@pytest.fixture(scope="module")
def dc() -> Iterator[ServerThread]:
    """win2016-dc: a domain controller requires SMB signing (RequireSecuritySignature=1)."""
    with ServerThread("win2016-dc") as running:
        assert running.config.profile.smb.signing_required
        yield running


@pytest.mark.parametrize("protocol", ["SMB2_02", "SMB3_11"])
def test_smbclient_ntlmv1_without_ess_logs_on_to_a_signing_dc(dc: ServerThread, protocol: str) -> None:
    """Bug 3: the server's SPNEGO mechListMIC under NTLM v1 session security (one RC4 stream for
    both directions, MS-NLMP 3.4.4.1) verifies at Samba's client; before, smbclient printed
    "BAD SIG NTLM1" and NT_STATUS_ACCESS_DENIED."""
    result = run_tool(["smbclient", f"//{HOST}/IPC$", "-p", str(dc.port), "-U", f"CORP/{USER}%{PASSWORD}",
                       f"--option=client max protocol={protocol}", *NTLMV1_WITHOUT_ESS, "-c", "exit"])
    assert result.returncode == 0, result.stdout + result.stderr


class _BadEcho(SMB2Echo):
    """An ECHO whose StructureSize is 5 instead of 4 (MS-SMB2 2.2.28)."""

    def __init__(self) -> None:
        super().__init__()
        self["structure_size"] = 5


@pytest.mark.parametrize("dialect", [Dialects.SMB_2_0_2, Dialects.SMB_3_1_1])
def test_early_error_is_signed_on_a_signing_required_session(dc: ServerThread, dialect: int) -> None:
    """Bug 5: an error found before the session is looked up (here a bad StructureSize) comes
    back signed on a signing-required session (MS-SMB2 3.3.4.1.1), so smbprotocol -- which
    checks every signature of the session -- reads STATUS_INVALID_PARAMETER, not a signature
    failure, and the session goes on."""
    conn = Connection(uuid.uuid4(), HOST, dc.port, require_signing=True)
    conn.connect(dialect=dialect, timeout=10)
    try:
        session = Session(conn, USER, PASSWORD, require_encryption=False, auth_protocol="ntlm")
        session.connect()
        request = conn.send(_BadEcho(), sid=session.session_id)
        with pytest.raises(SMBResponseException) as info:
            conn.receive(request)
        assert info.value.status == 0xC000000D  # STATUS_INVALID_PARAMETER
        assert request.response is not None and request.response["signature"].get_value() != bytes(16)
        echo = conn.send(SMB2Echo(), sid=session.session_id)
        conn.receive(echo)
        session.disconnect()
    finally:
        conn.disconnect()


@pytest.mark.parametrize("test", ["smb2.session.ntlmssp_bug14932", "smb2.session.two_logoff"])
def test_smbtorture_session_tests_pass(dc: ServerThread, test: str) -> None:
    """Bug 6 and re-authentication: smbtorture's ntlmssp_bug14932 logs on, re-authenticates the
    session (every interim response signed, MS-SMB2 3.3.4.1.1) with an NTLMv2 response whose
    AvPairs run past its end, and expects Windows' STATUS_INVALID_PARAMETER (not LOGON_FAILURE)."""
    result = run_tool(["smbtorture", f"//{HOST}/IPC$", "-p", str(dc.port), "-U", "CORP/Administrator%Adm!n2003",
                       test], timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and f"success: {test.rsplit('.', 1)[1]}" in output, output
