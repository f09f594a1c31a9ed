"""SMB1 (NT LM 0.12) SESSION_SETUP_ANDX, TREE_CONNECT_ANDX, TREE_DISCONNECT and LOGOFF_ANDX against
clients nobody here wrote: impacket (extended security, and its NTLMv1 form without it), pysmb in
its SMB1 mode, and Samba's smbclient with `client max protocol = NT1` (NTLMv2, NTLMv1 and signing).

The fixture's credentials (fixtures/corp.yaml): alice / Wonderland1 an ordinary user,
Administrator / Adm!n2003 the built-in administrator, tmartin disabled, jhall locked out. The same outcomes as over
SMB2 (tests/interop/test_smb2_core.py): the logon decisions are one code path (smbemu.logon_exchange).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from impacket import smb
from impacket.smbconnection import SMB_DIALECT, SessionError, SMBConnection

from helpers import HOST, ServerThread, pcap_server_port_as_445, run_tool
from smbemu.builder import build_config
from smbemu.status import NtStatus

pytestmark = pytest.mark.interop

ALICE = ("alice", "Wonderland1")
ADMIN = ("Administrator", "Adm!n2003")
ANONYMOUS = ("", "")
NT1 = ["--option=client max protocol=NT1", "--option=client min protocol=NT1"]


@pytest.fixture(scope="module")
def win2003() -> Iterator[ServerThread]:
    with ServerThread("win2003") as running:
        yield running


def impacket_smb1(port: int, user: str, password: str) -> SMBConnection:
    conn = SMBConnection(HOST, HOST, sess_port=port, preferredDialect=SMB_DIALECT, timeout=10)
    # No NTLMv1 retry after a refused NTLMv2 logon: each wrong password counts once.
    conn.login(user, password, "CORP", ntlmFallback=False)
    return conn


def refusal(call: Any, *args: Any) -> int:
    """The NTSTATUS an impacket call fails with (SMBConnection's or its SMB1 class's error)."""
    with pytest.raises((SessionError, smb.SessionError)) as refused:
        call(*args)
    error = refused.value
    return int(error.getErrorCode() if isinstance(error, SessionError) else error.get_error_code())


# ---------------------------------------------------------------------------- impacket
@pytest.mark.parametrize(("user", "password"), [ANONYMOUS, ALICE, ADMIN], ids=["anonymous", "user", "administrator"])
def test_impacket_smb1_logon_tree_and_logoff(win2003: ServerThread, user: str, password: str) -> None:
    conn = impacket_smb1(win2003.port, user, password)
    try:
        assert conn.getDialect() == SMB_DIALECT
        # NativeOS / NativeLanMan of the SESSION_SETUP_ANDX response (the profile's identity)
        assert conn.getServerOS() == "Windows Server 2003 3790 Service Pack 2"
        assert conn.getSMBServer().get_server_lanman() == "Windows Server 2003 5.2"
        assert not conn.isGuestSession()
        (session,) = [s for s in win2003.config.sessions.values() if s.principal.user_name == user
                      and s.client_address == HOST and s.tree_connects == {}][-1:]
        tid = conn.connectTree("IPC$")
        assert session.tree_connects[tid].share_name == "IPC$"
        conn.disconnectTree(tid)
        assert session.tree_connects == {}
        assert refusal(conn.connectTree, "NOPE") == NtStatus.BAD_NETWORK_NAME
        assert refusal(conn.connectTree, "C$") == NtStatus.ACCESS_DENIED
        conn.logoff()
        assert session.session_id not in win2003.config.sessions
    finally:
        conn.close()


@pytest.mark.parametrize(("user", "password", "status"), [
    ("alice", "wrong", NtStatus.LOGON_FAILURE),
    ("nobody", "x", NtStatus.LOGON_FAILURE),
    ("tmartin", "Goodbye2007", NtStatus.ACCOUNT_DISABLED),
    ("jhall", "Justice4All", NtStatus.ACCOUNT_LOCKED_OUT),  # locked out in the fixture
])
def test_impacket_smb1_refusals_match_smb2(win2003: ServerThread, user: str, password: str, status: int) -> None:
    assert refusal(impacket_smb1, win2003.port, user, password) == status


def test_impacket_smb1_guest_when_the_profile_enables_it() -> None:
    with ServerThread("win2003", overrides=["smb.guest_account_enabled=true"]) as server:
        conn = impacket_smb1(server.port, "nobody", "x")
        try:
            assert conn.isGuestSession()
            assert conn.connectTree("IPC$")
        finally:
            conn.close()


class _WithoutExtendedSecurity(smb.SMB):  # type: ignore[misc]
    """impacket's SMB1 client asking for the NT LM 0.12 logon without extended security: its
    NEGOTIATE leaves FLAGS2_EXTENDED_SECURITY out, so the server sends an 8-byte challenge and
    impacket's login_standard answers with the LM and NTLM (v1) responses."""

    def neg_session(self, extended_security: bool = True, negPacket: Any = None) -> Any:
        return super().neg_session(extended_security=False, negPacket=negPacket)


def _impacket_standard(port: int, user: str, password: str) -> smb.SMB:
    client = _WithoutExtendedSecurity(HOST, HOST, sess_port=port, timeout=10)
    assert not client._dialects_parameters["Capabilities"] & smb.SMB.CAP_EXTENDED_SECURITY
    client.login(user, password, "CORP")
    return client


@pytest.mark.parametrize(("user", "password"), [ANONYMOUS, ALICE], ids=["anonymous", "user"])
def test_impacket_smb1_lm_and_ntlmv1_without_extended_security(user: str, password: str) -> None:
    with ServerThread("win2000") as server:  # LmCompatibilityLevel 0
        client = _impacket_standard(server.port, user, password)
        try:
            assert client.get_server_os() == "Windows 5.0"
            assert client.get_server_domain() == "CORP"
            tid = client.tree_connect_andx("\\\\LEGACYSRV\\IPC$", None)
            client.disconnect_tree(tid)
            client.logoff()
        finally:
            client.close_session()
        session = _logged_on(server, user)
        assert session is None or session.principal.package == "NTLM V1"


def _logged_on(server: ServerThread, user: str) -> Any:
    return next((s for s in server.config.sessions.values() if s.principal.user_name == user and user), None)


def test_impacket_smb1_ntlmv1_refused_at_level_5() -> None:
    with ServerThread("win2000", overrides=["smb.lm_compatibility_level=5"]) as server:
        assert refusal(_impacket_standard, server.port, *ALICE) == NtStatus.LOGON_FAILURE
        # the anonymous logon has no response to refuse
        _impacket_standard(server.port, *ANONYMOUS).close_session()


# ------------------------------------------------------------------------------- pysmb
@pytest.fixture()
def pysmb_smb1(monkeypatch: pytest.MonkeyPatch) -> Any:
    """pysmb with SMB2 turned off (its NEGOTIATE then offers only the SMB1 dialects)."""
    import smb.smb_structs as structs
    from smb.SMBConnection import SMBConnection as PySmbConnection

    monkeypatch.setattr(structs, "SUPPORT_SMB2", False)
    return PySmbConnection


@pytest.mark.parametrize("use_ntlm_v2", [True, False], ids=["ntlmv2", "ntlmv1"])
@pytest.mark.parametrize(("user", "password"), [ALICE, ADMIN], ids=["user", "administrator"])
def test_pysmb_smb1_logon(win2003: ServerThread, pysmb_smb1: Any, use_ntlm_v2: bool, user: str, password: str) -> None:
    conn = pysmb_smb1(user, password, "TESTCLIENT", "LEGACYSRV", domain="CORP",
                      use_ntlm_v2=use_ntlm_v2, is_direct_tcp=True)
    try:
        assert conn.connect(HOST, win2003.port, timeout=10)
        assert not conn.isUsingSMB2
    finally:
        conn.close()


def test_pysmb_smb1_wrong_password_and_its_empty_user(win2003: ServerThread, pysmb_smb1: Any) -> None:
    """pysmb has no anonymous logon: with an empty user name it still sends NTLM responses, which
    MS-NLMP 3.2.5.1.2 does not take for anonymous; an unknown user fails as over SMB2."""
    for user, password in (("alice", "wrong"), ANONYMOUS):
        conn = pysmb_smb1(user, password, "TESTCLIENT", "LEGACYSRV", domain="CORP", is_direct_tcp=True)
        try:
            assert not conn.connect(HOST, win2003.port, timeout=10)
        finally:
            conn.close()


# ---------------------------------------------------------------------------- smbclient
def smbclient_ipc(port: int, *credentials: str, options: tuple[str, ...] = ()) -> Any:
    return run_tool(["smbclient", f"//{HOST}/IPC$", "-p", str(port), *NT1, *options, *credentials, "-c", "exit"])


@pytest.mark.parametrize("credentials", [("-N",), ("-U", "CORP/alice%Wonderland1"), ("-U", "CORP/Administrator%Adm!n2003")],
                         ids=["anonymous", "user", "administrator"])
def test_smbclient_nt1_connects_to_ipc(win2003: ServerThread, credentials: tuple[str, ...]) -> None:
    result = smbclient_ipc(win2003.port, *credentials)
    assert result.returncode == 0, result.stdout + result.stderr


def test_smbclient_nt1_wrong_password(win2003: ServerThread) -> None:
    result = smbclient_ipc(win2003.port, "-U", "CORP/alice%wrong")
    assert result.returncode != 0 and "NT_STATUS_LOGON_FAILURE" in result.stdout + result.stderr


NTLMV1 = ("--option=client ntlmv2 auth=no", "--option=client lanman auth=yes")


def _without_extended_security(profile: str) -> list[str]:
    """An override that takes CAP_EXTENDED_SECURITY out of the profile's SMB1 capabilities: the
    NEGOTIATE then sends an 8-byte challenge and clients log on with raw responses."""
    capabilities = build_config(profile).profile.smb1.capabilities & ~0x8000_0000
    return [f"smb1.capabilities={capabilities}"]


@pytest.mark.parametrize(("level", "accepted"), [(0, True), (4, True), (5, False)])
def test_smbclient_nt1_raw_responses_follow_lm_compatibility_level(level: int, accepted: bool) -> None:
    """Without extended security smbclient sends the LM and NTLM responses in OEMPassword and
    UnicodePassword: accepted up to level 4 (the NTLM one; level 4 refuses only LM), refused at 5.
    The anonymous logon has no response to refuse."""
    overrides = [*_without_extended_security("win2000"), f"smb.lm_compatibility_level={level}"]
    with ServerThread("win2000", overrides=overrides) as server:
        result = smbclient_ipc(server.port, "-U", "CORP/alice%Wonderland1", options=NTLMV1)
        output = result.stdout + result.stderr
        assert (result.returncode == 0) == accepted, output
        if not accepted:
            assert "NT_STATUS_LOGON_FAILURE" in output
        anonymous = smbclient_ipc(server.port, "-N")
        assert anonymous.returncode == 0, anonymous.stdout + anonymous.stderr


def test_smbclient_nt1_ntlmv1_on_win2000_and_refused_at_level_5() -> None:
    with ServerThread("win2000") as server:
        result = smbclient_ipc(server.port, "-U", "CORP/alice%Wonderland1", options=NTLMV1)
        assert result.returncode == 0, result.stdout + result.stderr
    with ServerThread("win2000", overrides=["smb.lm_compatibility_level=5"]) as server:
        result = smbclient_ipc(server.port, "-U", "CORP/alice%Wonderland1", options=NTLMV1)
        assert "NT_STATUS_LOGON_FAILURE" in result.stdout + result.stderr
        result = smbclient_ipc(server.port, "-U", "CORP/alice%Wonderland1")  # NTLMv2 still works
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("options", "extended"), [((), True), (NTLMV1, True), (NTLMV1, False)],
                         ids=["ntlmssp-ntlmv2", "ntlmssp-ntlmv1", "raw-ntlmv1"])
def test_smbclient_nt1_signing_required(tmp_path: Path, options: tuple[str, ...], extended: bool) -> None:
    """smbclient refuses any response whose MAC does not verify once signing is required; the
    server's pcap shows every response from the final SESSION_SETUP_ANDX on signed, and tshark
    decodes the SMB1 conversation without a malformed packet. Without extended security the MAC
    key is the NT session key followed by the NT response (MS-CIFS 3.2.5.3); smbclient then
    sends NTLMv1 (it refuses to send NTLMv2 outside NTLMSSP)."""
    pcap = tmp_path / "signed.pcap"
    overrides = [] if extended else _without_extended_security("win2016-dc")
    with ServerThread("win2016-dc", overrides=overrides, pcap=str(pcap)) as server:
        result = smbclient_ipc(server.port, "-U", "CORP/alice%Wonderland1",
                               options=("--option=client signing=required", *options))
        assert result.returncode == 0, result.stdout + result.stderr
        port = server.port
    # On 445, as Windows serves it: tshark reads the NEGOTIATE's NegTokenInit2 negHints (MS-SPNG
    # 2.2.1) only in a conversation with the SMB port (on another port, decoded as nbss, it takes
    # the [3] field for RFC 4178's mechListMIC and calls it malformed).
    pcap_server_port_as_445(str(pcap), port)
    decode = ["tshark", "-r", str(pcap)]
    rows = run_tool([*decode, "-Y", "smb.flags.response == 1", "-T", "fields", "-e", "smb.cmd",
                     "-e", "smb.flags2.sec_sig", "-e", "smb.signature"]).stdout.split("\n")
    responses = [row.split("\t") for row in rows if row]
    commands = [row[0].split(",")[0] for row in responses]
    assert "0x75" in commands, responses  # the TREE_CONNECT_ANDX answered
    final_setup = max(i for i, command in enumerate(commands) if command == "0x73")
    signed = responses[final_setup:]
    assert all(flag == "1" and signature != "0000000000000000" for _, flag, signature in signed), responses
    report = run_tool([*decode, "-q", "-z", "expert,warn"]).stdout
    assert not [line for line in report.splitlines() if "Malformed" in line], report


# -------------------------------------------------------------------------------- audit
def _events(path: Path, event_id: int, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 5
    while True:
        events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        if sum(e["EventID"] == event_id for e in events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.05)


def test_audit_log_and_lockout_over_smb1(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    with ServerThread("win2000", audit_log=str(log)) as server:
        impacket_smb1(server.port, *ALICE).close()
        events = _events(log, 4634, 1)
        logon = next(e for e in events if e["EventID"] == 4624)
        assert logon["TargetUserName"] == "alice" and logon["IpAddress"] == HOST
        assert any(e["EventID"] == 4634 and e["TargetLogonId"] == logon["TargetLogonId"] for e in events)

        directory = server.config.directory
        user = directory.find_user("kpatel")
        threshold = directory.account_domain.lockout_policy.threshold
        for _ in range(threshold):
            assert refusal(impacket_smb1, server.port, "kpatel", "wrong") == NtStatus.LOGON_FAILURE
        assert directory.is_locked(user)
        assert refusal(impacket_smb1, server.port, "kpatel", "Wonderland1") == NtStatus.ACCOUNT_LOCKED_OUT
        events = _events(log, 4740, 1)
        failures = [e for e in events if e["EventID"] == 4625 and e["TargetUserName"] == "kpatel"]
        assert len(failures) == threshold + 1
        assert failures[0]["SubStatus"] == "0xC000006A" and failures[-1]["Status"] == "0xC0000234"
        assert any(e["EventID"] == 4740 and e["TargetUserName"] == "kpatel" for e in events)
