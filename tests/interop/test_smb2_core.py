"""The SMB2 core against clients nobody here wrote: smbprotocol, impacket and Samba's smbclient.

Credentials are the default fixture's (fixtures/corp.yaml): alice / Wonderland1 is an ordinary
user, Administrator / Adm!n2003 the built-in administrator, tmartin is disabled.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import smbprotocol.session
from impacket import ntlm
from impacket.smbconnection import SessionError, SMBConnection
from smbprotocol.connection import Connection, Dialects
from smbprotocol.exceptions import LogonFailure, SMBAuthenticationError, SMBException, SMBResponseException
from smbprotocol.session import Session
from smbprotocol.tree import TreeConnect

from helpers import HOST, ServerThread, run_tool

pytestmark = pytest.mark.interop

USER, PASSWORD = "alice", "Wonderland1"
DIALECTS = {
    "2.0.2": Dialects.SMB_2_0_2,
    "2.1": Dialects.SMB_2_1_0,
    "3.0": Dialects.SMB_3_0_0,
    "3.0.2": Dialects.SMB_3_0_2,
    "3.1.1": Dialects.SMB_3_1_1,
}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    """win2016 offers every dialect smbemu speaks, 2.0.2 to 3.1.1."""
    with ServerThread("win2016") as running:
        yield running


def _smbprotocol_ipc(
    port: int, dialect: int, user: str = USER, password: str = PASSWORD, *, signing: bool = True, encrypt: bool = False
) -> dict[str, Any]:
    conn = Connection(uuid.uuid4(), HOST, port, require_signing=signing)
    conn.connect(dialect=dialect, timeout=10)
    try:
        session = Session(conn, user, password, require_encryption=encrypt, auth_protocol="ntlm")
        session.connect()
        tree = TreeConnect(session, rf"\\{HOST}\IPC$")
        tree.connect()
        facts = {
            "dialect": conn.dialect,
            "signing": session.signing_required,
            "encrypted": session.encrypt_data,
            "share_type": tree.share_type if hasattr(tree, "share_type") else None,
            "tree_id": tree.tree_connect_id,
        }
        tree.disconnect()
        session.disconnect()
        return facts
    finally:
        conn.disconnect()


@pytest.mark.parametrize("label", list(DIALECTS))
def test_smbprotocol_user_reaches_ipc_on_every_dialect(server: ServerThread, label: str) -> None:
    facts = _smbprotocol_ipc(server.port, DIALECTS[label])
    assert facts["dialect"] == DIALECTS[label]
    assert facts["tree_id"] > 0


@pytest.mark.parametrize("label", list(DIALECTS))
def test_smbprotocol_with_signing_required_by_the_server(signing_server: ServerThread, label: str) -> None:
    facts = _smbprotocol_ipc(signing_server.port, DIALECTS[label])
    # smbprotocol verifies the signed final SESSION_SETUP response and every response after it.
    assert facts["signing"] is True


@pytest.mark.parametrize("label", ["2.0.2", "2.1", "3.0", "3.0.2"])
@pytest.mark.parametrize("tamper", ["unsigned", "bad-signature"])
def test_server_refuses_unsigned_or_badly_signed_requests(signing_server: ServerThread, label: str, tamper: str) -> None:
    """MS-SMB2 3.3.5.2.4: with signing in force, a request that is unsigned or whose signature does
    not verify is refused with STATUS_ACCESS_DENIED, and the connection goes on."""
    conn = Connection(uuid.uuid4(), HOST, signing_server.port)
    conn.connect(dialect=DIALECTS[label], timeout=10)
    try:
        session = Session(conn, USER, PASSWORD, require_encryption=False, auth_protocol="ntlm")
        session.connect()
        good_key = session.signing_key
        if tamper == "unsigned":
            session.signing_required = False
        else:
            session.signing_key = bytes(16) if len(good_key) == 16 else bytes(len(good_key))
        with pytest.raises(SMBResponseException) as info:
            TreeConnect(session, rf"\\{HOST}\IPC$").connect(require_secure_negotiate=False)
        assert info.value.status == 0xC0000022
        session.signing_required, session.signing_key = True, good_key
        tree = TreeConnect(session, rf"\\{HOST}\IPC$")
        tree.connect()
        assert tree.tree_connect_id > 0
    finally:
        conn.disconnect()


def test_smbprotocol_secure_negotiate_mismatch_disconnects(signing_server: ServerThread) -> None:
    """MS-SMB2 3.3.5.15.12: a VALIDATE_NEGOTIATE_INFO that differs from the NEGOTIATE the server saw
    (here smbprotocol's own quirk: it raises its SecurityMode to REQUIRED after negotiating) means
    tampering, and the server drops the connection."""
    with pytest.raises(SMBException):
        _smbprotocol_ipc(signing_server.port, Dialects.SMB_3_0_2, signing=False)


def test_unsigned_311_tree_connect_of_a_user_session_is_dropped(server: ServerThread) -> None:
    """MS-SMB2 3.3.5.7: on 3.1.1 a user session's TREE_CONNECT must be signed or encrypted, else
    the server disconnects (smbprotocol does not sign it when told signing is not required)."""
    with pytest.raises(SMBException):
        _smbprotocol_ipc(server.port, Dialects.SMB_3_1_1, signing=False)


@pytest.mark.parametrize("label", ["3.0", "3.0.2", "3.1.1"])
def test_smbprotocol_with_encryption_required_by_the_server(encrypting_server: ServerThread, label: str) -> None:
    facts = _smbprotocol_ipc(encrypting_server.port, DIALECTS[label])
    assert facts["encrypted"] is True


@pytest.mark.parametrize("label", ["3.0", "3.0.2", "3.1.1"])
def test_smbprotocol_asks_for_encryption_itself(server: ServerThread, label: str) -> None:
    facts = _smbprotocol_ipc(server.port, DIALECTS[label], encrypt=True)
    assert facts["encrypted"] is True


@pytest.mark.parametrize("label", ["2.0.2", "3.1.1"])
def test_smbprotocol_wrong_password_fails_cleanly(server: ServerThread, label: str) -> None:
    with pytest.raises((LogonFailure, SMBAuthenticationError, SMBResponseException)) as info:
        _smbprotocol_ipc(server.port, DIALECTS[label], password="not-the-password")
    assert "0xc000006d" in str(info.value).lower() or "logon" in str(info.value).lower()
    # The server is still there for the next client.
    assert _smbprotocol_ipc(server.port, DIALECTS[label])["tree_id"] > 0


@pytest.mark.parametrize("protocol", ["ntlm", "negotiate"])
def test_smbprotocol_against_a_server_that_sends_no_ntlm_version(win2000_server: ServerThread, protocol: str) -> None:
    """Windows 2000 sends no NTLM VERSION, so pyspnego lays its MIC out without Version bytes."""
    conn = Connection(uuid.uuid4(), HOST, win2000_server.port)
    conn.connect(dialect=Dialects.SMB_2_0_2, timeout=10)
    try:
        session = Session(conn, USER, PASSWORD, require_encryption=False, auth_protocol=protocol)
        session.connect()
        tree = TreeConnect(session, rf"\\{HOST}\IPC$")
        tree.connect()
        assert tree.tree_connect_id > 0
    finally:
        conn.disconnect()


def test_smbprotocol_disabled_account(server: ServerThread) -> None:
    with pytest.raises(SMBResponseException) as info:
        _smbprotocol_ipc(server.port, Dialects.SMB_3_1_1, user="tmartin", password="Goodbye2007")
    assert info.value.status == 0xC0000072  # STATUS_ACCOUNT_DISABLED


class _AnonymousNtlm:
    """A hand-built anonymous NTLMSSP exchange for smbprotocol (which has no anonymous mode):
    NEGOTIATE, then an AUTHENTICATE with empty user, domain and responses (MS-NLMP 3.2.5.1.2)."""

    def __init__(self) -> None:
        self.complete = False
        self.session_key = b""
        self._negotiate: Any = None

    def step(self, in_token: bytes | None) -> bytes:
        if self._negotiate is None:
            self._negotiate = ntlm.getNTLMSSPType1("", "", signingRequired=False)
            return bytes(self._negotiate.getData())
        authenticate, _ = ntlm.getNTLMSSPType3(self._negotiate, in_token, "", "", "")
        self.complete = True
        return bytes(authenticate.getData())


def test_smbprotocol_anonymous_session(server: ServerThread, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(smbprotocol.session.spnego, "client", lambda *a, **k: _AnonymousNtlm())
    conn = Connection(uuid.uuid4(), HOST, server.port, require_signing=False)
    conn.connect(dialect=Dialects.SMB_3_1_1, timeout=10)
    try:
        session = Session(conn, "", "", require_encryption=False, auth_protocol="ntlm")
        session.connect()
        assert session.signing_key is None  # IS_NULL: no key, nothing signed
        tree = TreeConnect(session, rf"\\{HOST}\IPC$")
        tree.connect(require_secure_negotiate=False)  # nothing to verify it with: no session key
        assert tree.tree_connect_id > 0
    finally:
        conn.disconnect()


def test_smbprotocol_share_names(server: ServerThread) -> None:
    conn = Connection(uuid.uuid4(), HOST, server.port)
    conn.connect(dialect=Dialects.SMB_3_1_1, timeout=10)
    try:
        session = Session(conn, USER, PASSWORD, require_encryption=False, auth_protocol="ntlm")
        session.connect()
        with pytest.raises(SMBResponseException) as denied:
            TreeConnect(session, rf"\\{HOST}\C$").connect()
        assert denied.value.status == 0xC0000022  # STATUS_ACCESS_DENIED: known, not served
        with pytest.raises(SMBResponseException) as unknown:
            TreeConnect(session, rf"\\{HOST}\NoSuchShare").connect()
        assert unknown.value.status == 0xC00000CC  # STATUS_BAD_NETWORK_NAME
    finally:
        conn.disconnect()


# ------------------------------------------------------------------------------ impacket
@pytest.mark.parametrize("profile_fixture", ["win2000_server", "server"])
def test_impacket_smb1_multiprotocol_negotiate_anonymous_and_user(request: pytest.FixtureRequest, profile_fixture: str) -> None:
    running: ServerThread = request.getfixturevalue(profile_fixture)
    anonymous = SMBConnection(HOST, HOST, sess_port=running.port)  # starts with an SMB1 NEGOTIATE
    anonymous.login("", "")
    anonymous.connectTree("IPC$")
    expected = max(running.config.profile.smb.dialects)
    assert anonymous.getDialect() == expected
    anonymous.close()

    user = SMBConnection(HOST, HOST, sess_port=running.port)
    user.login(USER, PASSWORD)
    assert user.connectTree("IPC$") > 0
    assert not user.isGuestSession()
    user.close()


def test_impacket_wrong_password(win2000_server: ServerThread) -> None:
    conn = SMBConnection(HOST, HOST, sess_port=win2000_server.port)
    with pytest.raises(SessionError) as info:
        conn.login(USER, "wrong")
    assert info.value.getErrorCode() == 0xC000006D


def test_impacket_guest_when_the_profile_enables_it() -> None:
    with ServerThread("win2000", overrides=["smb.guest_account_enabled=true"]) as running:
        conn = SMBConnection(HOST, HOST, sess_port=running.port)
        conn.login("nobody-here", "whatever")
        assert conn.isGuestSession()
        conn.connectTree("IPC$")
        conn.close()
    with ServerThread("win2000") as running:
        conn = SMBConnection(HOST, HOST, sess_port=running.port)
        with pytest.raises(SessionError) as info:
            conn.login("nobody-here", "whatever")
        assert info.value.getErrorCode() == 0xC000006D


# ------------------------------------------------------------------------------ smbclient
def _smbclient(port: int, *args: str) -> tuple[int, str]:
    result = run_tool(["smbclient", f"//{HOST}/IPC$", "-p", str(port), *args, "-c", "exit"])
    return result.returncode, result.stdout + result.stderr


SMBCLIENT_OPTIONS = {
    "default": [],
    "max-smb2_02": ["--option=client max protocol=SMB2_02"],
    "min-smb3_11": ["--option=client min protocol=SMB3_11"],
    "smb3_00": ["--option=client min protocol=SMB3_00", "--option=client max protocol=SMB3_00"],
}


@pytest.mark.parametrize("options", list(SMBCLIENT_OPTIONS))
def test_smbclient_anonymous_and_user(server: ServerThread, options: str) -> None:
    extra = SMBCLIENT_OPTIONS[options]
    code, output = _smbclient(server.port, "-N", *extra)
    assert code == 0, output
    code, output = _smbclient(server.port, "-U", f"{USER}%{PASSWORD}", *extra)
    assert code == 0, output


@pytest.mark.parametrize("options", ["max-smb2_02", "smb3_00", "min-smb3_11"])
def test_smbclient_user_with_signing_required(server: ServerThread, options: str) -> None:
    code, output = _smbclient(
        server.port, "-U", f"{USER}%{PASSWORD}", "--option=client signing=required", *SMBCLIENT_OPTIONS[options]
    )
    assert code == 0, output


@pytest.mark.parametrize("options", ["smb3_00", "min-smb3_11"])
def test_smbclient_user_with_encryption(server: ServerThread, options: str) -> None:
    code, output = _smbclient(server.port, "-U", f"{USER}%{PASSWORD}", "--client-protection=encrypt", *SMBCLIENT_OPTIONS[options])
    assert code == 0, output


def test_smbclient_against_a_server_that_requires_encryption(encrypting_server: ServerThread) -> None:
    code, output = _smbclient(encrypting_server.port, "-U", f"{USER}%{PASSWORD}")
    assert code == 0, output


def test_smbclient_wrong_password(server: ServerThread) -> None:
    code, output = _smbclient(server.port, "-U", f"{USER}%not-it")
    assert code != 0
    assert "NT_STATUS_LOGON_FAILURE" in output


def test_smbclient_unknown_share(server: ServerThread) -> None:
    result = run_tool(["smbclient", f"//{HOST}/NoSuchShare", "-p", str(server.port), "-U", f"{USER}%{PASSWORD}", "-c", "exit"])
    assert "NT_STATUS_BAD_NETWORK_NAME" in result.stdout + result.stderr


def test_win2000_offers_only_smb2_02(win2000_server: ServerThread) -> None:
    code, output = _smbclient(win2000_server.port, "-N", "--option=client min protocol=SMB3_00")
    assert code != 0
    assert "NT_STATUS" in output  # no common dialect


def test_smbprotocol_dialect_refused_by_profile(win2000_server: ServerThread) -> None:
    conn = Connection(uuid.uuid4(), HOST, win2000_server.port, require_signing=False)
    with pytest.raises((SMBResponseException, SMBException)):
        conn.connect(dialect=Dialects.SMB_3_1_1, timeout=10)
    conn.disconnect()
