"""SMB1 SESSION_SETUP_ANDX, TREE_CONNECT_ANDX, TREE_DISCONNECT and LOGOFF_ANDX handlers against a
fake `Smb1View`: requests built byte by byte as MS-CIFS / MS-SMB draw them, the NTLM messages
and responses made by impacket (extended security) or from MS-NLMP's functions (raw responses)."""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from impacket import ntlm

from smbemu.auth.ntlm import NtlmAccount, Outcome, verify_challenge_response
from smbemu.auth.ntlm_crypto import compute_response_v2, desl, lm_owf_v1, md4, nt_owf_v1, nt_owf_v2
from smbemu.builder import build_config
from smbemu.errors import SmbStatusError
from smbemu.principal import PrincipalKind
from smbemu.smb1 import logoff, session_setup, tree_connect, tree_disconnect
from smbemu.state import SessionState
from smbemu.status import NtStatus

ALICE, ALICE_PASSWORD = "alice", "Wonderland1"
CHALLENGE = bytes.fromhex("0123456789abcdef")
FLAGS2_UNICODE = 0x8000
FLAGS2_SIGNATURE = 0x0004
HEADER = 32


@dataclass
class FakeView:
    """What the handlers may use of the engine (BRIEF: Smb1View)."""

    config: Any
    extended_security: bool = True
    challenge: bytes = CHALLENGE
    peer: tuple[str, int] = ("192.0.2.7", 50123)
    local: tuple[str, int] = ("192.0.2.1", 445)
    sessions: dict[int, Any] = field(default_factory=dict)
    signing: list[tuple[bytes, bool]] = field(default_factory=list)
    dropped: list[Any] = field(default_factory=list)
    client_capabilities: int = 0
    server_security_mode: int = 0x07  # user security, encrypted passwords, signing enabled
    client_max_buffer_size: int = 0
    _uids: Any = field(default_factory=lambda: itertools.count(0x800))
    _tids: Any = field(default_factory=lambda: itertools.count(0x800))

    def __post_init__(self) -> None:
        self.pipe_reads = SimpleNamespace(fail=lambda open_, status: None)

    def new_uid(self) -> int:
        return next(self._uids)

    def new_tid(self) -> int:
        return next(self._tids)

    def start_signing(self, mac_key: bytes, *, required: bool) -> None:
        self.signing.append((mac_key, required))

    def drop_session(self, session: Any) -> None:
        self.dropped.append(session)
        for uid, known in list(self.sessions.items()):
            if known is session:
                del self.sessions[uid]
        self.config.sessions.pop(session.session_id, None)


@dataclass
class FakeRequest:
    header: Any
    raw: memoryview
    words: memoryview
    data: memoryview
    words_offset: int
    data_offset: int
    unicode: bool
    uid: int
    tid: int
    andx: bool
    session: Any = None
    tree: Any = None
    response_uid: int | None = None
    response_tid: int | None = None
    status: int = 0
    response_offset: int = HEADER

    def response_data_offset(self, words_length: int) -> int:
        return self.response_offset + 1 + (4 if self.andx else 0) + words_length + 2


def request(words: bytes, data: bytes, *, uid: int = 0, tid: int = 0, flags2: int = FLAGS2_UNICODE,
            andx: bool = True) -> FakeRequest:
    """A message whose first command has ``words`` (after the AndX block) and ``data``."""
    andx_block = b"\xff\x00\x00\x00" if andx else b""
    all_words = andx_block + words
    raw = bytes(HEADER) + bytes([len(all_words) // 2]) + all_words + struct.pack("<H", len(data)) + data
    view = memoryview(raw)
    words_offset = HEADER + 1 + len(andx_block)
    data_offset = HEADER + 1 + len(all_words) + 2
    header = SimpleNamespace(uid=uid, tid=tid, flags2=flags2, command=0x73)
    return FakeRequest(header, view, view[words_offset:words_offset + len(words)], view[data_offset:],
                       words_offset, data_offset, bool(flags2 & FLAGS2_UNICODE), uid, tid, andx)


def text(value: str, *, unicode: bool) -> bytes:
    return value.encode("utf-16-le") + b"\0\0" if unicode else value.encode() + b"\0"


def extended_request(blob: bytes, *, uid: int = 0, flags2: int = FLAGS2_UNICODE) -> FakeRequest:
    words = struct.pack("<HHHIHII", 16644, 50, 0, 0, len(blob), 0, 0x8000_0000 | 0xD4)
    unicode = bool(flags2 & FLAGS2_UNICODE)
    data = blob
    # Pad to an even offset: words end at 32 + 1 + 24 + 2 = 59, so the data starts odd.
    if unicode and (HEADER + 1 + 24 + 2 + len(blob)) % 2:
        data += b"\0"
    data += text("Unix", unicode=unicode) + text("Samba", unicode=unicode)
    return extended_request_raw(words, data, uid=uid, flags2=flags2)


def extended_request_raw(words: bytes, data: bytes, **kwargs: Any) -> FakeRequest:
    return request(words, data, **kwargs)


def nt_request(user: str, domain: str, oem: bytes, uni: bytes, *, uid: int = 0,
               flags2: int = FLAGS2_UNICODE) -> FakeRequest:
    words = struct.pack("<HHHIHHII", 16644, 50, 0, 0, len(oem), len(uni), 0, 0xD4)
    unicode = bool(flags2 & FLAGS2_UNICODE)
    data = oem + uni
    if unicode and (HEADER + 1 + 26 + 2 + len(data)) % 2:
        data += b"\0"
    for value in (user, domain, "Unix", "Samba"):
        data += text(value, unicode=unicode)
    return request(words, data, uid=uid, flags2=flags2)


def strings_of(reply_data: bytes, offset: int, count: int, *, unicode: bool) -> list[str]:
    """Read ``count`` NUL-terminated strings from reply data that starts at message ``offset``."""
    out, position = [], 0
    for _ in range(count):
        if unicode:
            if (offset + position) % 2:
                assert reply_data[position] == 0, "the pad byte is zero"
                position += 1
            end = position
            while reply_data[end:end + 2] != b"\0\0":
                assert end < len(reply_data), "an unterminated (or misaligned) string"
                end += 2
            out.append(reply_data[position:end].decode("utf-16-le"))
            position = end + 2
        else:
            end = reply_data.index(b"\0", position)
            out.append(reply_data[position:end].decode("cp437"))
            position = end + 1
    assert position == len(reply_data)
    return out


def view(profile: str = "win2003", **overrides: Any) -> FakeView:
    return FakeView(build_config(profile, overrides=overrides or None))


# ------------------------------------------------------------------ extended security
def ntlm_logon(conn: FakeView, user: str, password: str, *, flags2: int = FLAGS2_UNICODE
               ) -> tuple[FakeRequest, tuple[bytes, bytes], FakeRequest]:
    negotiate = ntlm.getNTLMSSPType1("", "", signingRequired=True)
    first = extended_request(bytes(negotiate.getData()), flags2=flags2)
    words, data = session_setup.handle(conn, first)
    assert first.status == NtStatus.MORE_PROCESSING_REQUIRED
    uid = first.response_uid
    assert uid and conn.sessions[uid].state is SessionState.IN_PROGRESS
    blob_length = struct.unpack_from("<H", words, 2)[0]
    authenticate, _ = ntlm.getNTLMSSPType3(negotiate, data[:blob_length], user, password, "CORP", "", "")
    second = extended_request(bytes(authenticate.getData()), uid=uid, flags2=flags2)
    return first, session_setup.handle(conn, second), second


def test_extended_user_logon_assigns_the_uid_on_the_first_leg_and_starts_signing() -> None:
    conn = view("win2003")
    first, (words, data), second = ntlm_logon(conn, ALICE, ALICE_PASSWORD, flags2=FLAGS2_UNICODE | FLAGS2_SIGNATURE)
    assert second.status == 0 and second.response_uid == first.response_uid
    session = conn.sessions[first.response_uid]
    assert session.state is SessionState.VALID and session.principal.user_name == ALICE
    assert conn.config.sessions[session.session_id] is session  # server-wide, for NetSessionEnum
    action, blob_length = struct.unpack("<HH", words)
    assert action == 0 and blob_length == 0  # raw NTLMSSP in, nothing to answer but success
    native = strings_of(data[blob_length:], HEADER + 1 + 8 + 2 + blob_length, 2, unicode=True)
    assert native == ["Windows Server 2003 3790 Service Pack 2", "Windows Server 2003 5.2"]
    assert len(session.session_key) == 16
    assert conn.signing == [(session.session_key, False)]  # MS-SMB 3.1.4.1: the key alone


def test_no_signing_when_the_server_did_not_offer_it() -> None:
    conn = view("win2003")
    conn.server_security_mode = 0x03
    ntlm_logon(conn, ALICE, ALICE_PASSWORD, flags2=FLAGS2_UNICODE | FLAGS2_SIGNATURE)
    assert conn.signing == []


def test_extended_first_leg_answers_the_challenge_with_native_strings_in_oem() -> None:
    conn = view("win2000")
    negotiate = ntlm.getNTLMSSPType1("", "", signingRequired=False)
    req = extended_request(bytes(negotiate.getData()), flags2=0)
    words, data = session_setup.handle(conn, req)
    blob_length = struct.unpack_from("<H", words, 2)[0]
    challenge = ntlm.NTLMAuthChallenge()
    challenge.fromString(data[:blob_length])
    assert challenge["challenge"] and challenge["flags"] & ntlm.NTLMSSP_NEGOTIATE_NTLM
    assert strings_of(data[blob_length:], 0, 2, unicode=False) == ["Windows 5.0", "Windows 2000 LAN Manager"]


def test_extended_wrong_password_is_logon_failure_and_the_uid_goes() -> None:
    conn = view("win2003")
    negotiate = ntlm.getNTLMSSPType1("", "", signingRequired=False)
    first = extended_request(bytes(negotiate.getData()))
    words, data = session_setup.handle(conn, first)
    blob_length = struct.unpack_from("<H", words, 2)[0]
    authenticate, _ = ntlm.getNTLMSSPType3(negotiate, data[:blob_length], ALICE, "wrong", "CORP", "", "")
    second = extended_request(bytes(authenticate.getData()), uid=first.response_uid)
    with pytest.raises(SmbStatusError) as refused:
        session_setup.handle(conn, second)
    assert refused.value.status == NtStatus.LOGON_FAILURE
    assert conn.sessions == {} and conn.config.sessions == {} and conn.signing == []
    user = conn.config.directory.find_user(ALICE)
    assert conn.config.directory.state(user).bad_password_count == 1


def test_extended_anonymous_logon_has_no_key_and_no_guest_bit() -> None:
    conn = view("win2000")
    _, (words, _), second = ntlm_logon(conn, "", "", flags2=FLAGS2_UNICODE | FLAGS2_SIGNATURE)
    assert struct.unpack("<HH", words)[0] == 0
    session = conn.sessions[second.response_uid]
    assert session.principal.kind is PrincipalKind.ANONYMOUS and session.session_key == b""
    assert conn.signing == []


def test_extended_unknown_user_is_guest_when_the_profile_enables_guest() -> None:
    conn = view("win2000", **{"smb.guest_account_enabled": True})
    _, (words, _), second = ntlm_logon(conn, "nobody", "x")
    assert struct.unpack("<HH", words)[0] == 0x0001  # SMB_SETUP_GUEST
    assert conn.sessions[second.response_uid].principal.kind is PrincipalKind.GUEST


def test_extended_signing_required_by_the_profile() -> None:
    conn = view("win2016-dc")
    _, _, second = ntlm_logon(conn, ALICE, ALICE_PASSWORD)  # the client did not ask
    session = conn.sessions[second.response_uid]
    assert conn.signing == [(session.session_key, True)] and session.signing_required


def test_unknown_uid_and_malformed_requests() -> None:
    conn = view()
    with pytest.raises(SmbStatusError) as bad_uid:
        session_setup.handle(conn, extended_request(b"NTLMSSP\0", uid=0x4242))
    assert bad_uid.value.status == NtStatus.SMB_BAD_UID
    # SecurityBlobLength beyond ByteCount
    words = struct.pack("<HHHIHII", 16644, 50, 0, 0, 500, 0, 0)
    with pytest.raises(SmbStatusError) as past:
        session_setup.handle(conn, request(words, b"abc"))
    assert past.value.status == NtStatus.INVALID_PARAMETER
    # WordCount 10 (the LANMAN form) is not NT LM 0.12's
    with pytest.raises(SmbStatusError) as lanman:
        session_setup.handle(conn, request(bytes(16), b""))
    assert lanman.value.status == NtStatus.INVALID_SMB
    # garbage instead of SPNEGO / NTLMSSP
    with pytest.raises(SmbStatusError) as garbage:
        session_setup.handle(conn, extended_request(b"\x60\x03\x06\x01\x00"))
    assert garbage.value.status in (NtStatus.INVALID_PARAMETER, NtStatus.LOGON_FAILURE)
    assert conn.sessions == {}


def test_max_sessions_per_connection() -> None:
    conn = FakeView(build_config("win2000", limits={"max_sessions_per_connection": 2}))
    for _ in range(2):
        ntlm_logon(conn, "", "")
    with pytest.raises(SmbStatusError) as refused:
        session_setup.handle(conn, extended_request(bytes(ntlm.getNTLMSSPType1("", "").getData())))
    assert refused.value.status == NtStatus.INSUFFICIENT_RESOURCES


# ----------------------------------------------------------------- NT LM 0.12 raw responses
def hashes(password: str) -> tuple[bytes, bytes | None]:
    return nt_owf_v1(password), lm_owf_v1(password)


def test_nt_lm_ntlmv1_logon_keys_signing_with_the_response_appended() -> None:
    conn = view("win2000")
    conn.extended_security = False
    nt_hash, lm_hash = hashes(ALICE_PASSWORD)
    assert lm_hash is not None
    nt, lm = desl(nt_hash, CHALLENGE), desl(lm_hash, CHALLENGE)
    req = nt_request(ALICE, "CORP", lm, nt, flags2=FLAGS2_UNICODE | FLAGS2_SIGNATURE)
    words, data = session_setup.handle(conn, req)
    assert struct.unpack("<H", words) == (0,)
    session = conn.sessions[req.response_uid]
    assert session.principal.user_name == ALICE and session.session_key == md4(nt_hash)
    # MS-CIFS 3.1.4.1: MAC key = NT session key || the 24-byte NT response
    assert conn.signing == [(md4(nt_hash) + nt, False)]
    assert strings_of(data, HEADER + 1 + 6 + 2, 3, unicode=True) == [
        "Windows 5.0", "Windows 2000 LAN Manager", "CORP"]


def test_nt_lm_oem_strings_without_unicode() -> None:
    conn = view("win2000")
    req = nt_request("", "", b"", b"", flags2=0)
    words, data = session_setup.handle(conn, req)
    assert strings_of(data, 0, 3, unicode=False) == ["Windows 5.0", "Windows 2000 LAN Manager", "CORP"]
    assert conn.sessions[req.response_uid].principal.kind is PrincipalKind.ANONYMOUS
    assert conn.signing == []


@pytest.mark.parametrize(("level", "accepted"), [(0, True), (3, True), (4, False)])
def test_nt_lm_lm_response_alone_follows_lm_compatibility_level(level: int, accepted: bool) -> None:
    conn = view("win2000", **{"smb.lm_compatibility_level": level})
    _, lm_hash = hashes(ALICE_PASSWORD)
    assert lm_hash is not None
    req = nt_request(ALICE, "CORP", desl(lm_hash, CHALLENGE), b"")
    if accepted:
        session_setup.handle(conn, req)
        assert conn.sessions[req.response_uid].principal.user_name == ALICE
    else:
        with pytest.raises(SmbStatusError) as refused:
            session_setup.handle(conn, req)
        assert refused.value.status == NtStatus.LOGON_FAILURE and conn.sessions == {}


def test_nt_lm_level_5_refuses_ntlmv1_and_accepts_ntlmv2() -> None:
    conn = view("win2003", **{"smb.lm_compatibility_level": 5})
    nt_hash, _ = hashes(ALICE_PASSWORD)
    with pytest.raises(SmbStatusError) as refused:
        session_setup.handle(conn, nt_request(ALICE, "CORP", b"", desl(nt_hash, CHALLENGE)))
    assert refused.value.status == NtStatus.LOGON_FAILURE
    key = nt_owf_v2(nt_hash, ALICE, "CORP")
    nt, lm, base_key = compute_response_v2(key, CHALLENGE, b"C" * 8, 0x01D0_0000_0000_0000, b"")
    req = nt_request(ALICE, "CORP", lm, nt, flags2=FLAGS2_UNICODE | FLAGS2_SIGNATURE)
    session_setup.handle(conn, req)
    session = conn.sessions[req.response_uid]
    assert session.principal.user_name == ALICE and session.session_key == base_key
    assert conn.signing == [(base_key + nt, False)]


def test_nt_lm_plaintext_password_is_refused() -> None:
    conn = view("win2000")
    with pytest.raises(SmbStatusError) as refused:
        session_setup.handle(conn, nt_request(ALICE, "CORP", ALICE_PASSWORD.encode() + b"\0", b""))
    assert refused.value.status == NtStatus.LOGON_FAILURE


def test_nt_lm_wrong_passwords_lock_the_account_out() -> None:
    conn = view("win2000")
    directory = conn.config.directory
    user = directory.find_user(ALICE)
    threshold = directory.account_domain.lockout_policy.threshold
    assert threshold > 0, "the corp fixture has a lockout threshold"
    wrong, _ = hashes("wrong")
    for _ in range(threshold):
        with pytest.raises(SmbStatusError) as refused:
            session_setup.handle(conn, nt_request(ALICE, "CORP", b"", desl(wrong, CHALLENGE)))
        assert refused.value.status == NtStatus.LOGON_FAILURE
    assert directory.is_locked(user)
    right, _ = hashes(ALICE_PASSWORD)
    with pytest.raises(SmbStatusError) as locked:
        session_setup.handle(conn, nt_request(ALICE, "CORP", b"", desl(right, CHALLENGE)))
    assert locked.value.status == NtStatus.ACCOUNT_LOCKED_OUT and conn.sessions == {}


def test_nt_lm_without_a_challenge_accepts_only_anonymous() -> None:
    conn = view("win2003")
    conn.challenge = b""  # extended security was negotiated: no challenge went out
    nt_hash, _ = hashes(ALICE_PASSWORD)
    with pytest.raises(SmbStatusError) as refused:
        session_setup.handle(conn, nt_request(ALICE, "CORP", b"", desl(nt_hash, CHALLENGE)))
    assert refused.value.status == NtStatus.LOGON_FAILURE
    session_setup.handle(conn, nt_request("", "", b"", b""))


# ------------------------------------------------------------- verify_challenge_response
def test_verify_challenge_response_outcomes() -> None:
    nt_hash, lm_hash = hashes("Secret1!")
    account = NtlmAccount("bob", nt_hash, lm_hash)
    assert lm_hash is not None

    def check(lm: bytes, nt: bytes, level: int = 3, user: str = "bob") -> Any:
        return verify_challenge_response(account if user else None, CHALLENGE, lm, nt, user, "CORP", level)

    assert check(b"", b"", user="").outcome is Outcome.ANONYMOUS
    assert check(b"\0", b"", user="").outcome is Outcome.ANONYMOUS
    assert verify_challenge_response(None, CHALLENGE, b"", bytes(24), "x", "", 3).outcome is Outcome.NO_SUCH_USER
    v1 = check(b"", desl(nt_hash, CHALLENGE))
    assert (v1.outcome, v1.package, v1.session_key) == (Outcome.AUTHENTICATED, "NTLM V1", md4(nt_hash))
    assert check(b"", desl(nt_hash, CHALLENGE), level=5).outcome is Outcome.REFUSED
    assert check(desl(lm_hash, CHALLENGE), b"").package == "LM"
    assert check(desl(lm_hash, CHALLENGE), b"", level=4).outcome is Outcome.REFUSED
    assert check(b"", desl(nt_owf_v1("nope"), CHALLENGE)).outcome is Outcome.WRONG_PASSWORD
    assert check(b"", b"short").outcome is Outcome.REFUSED  # a plaintext password
    key = nt_owf_v2(nt_hash, "bob", "CORP")
    nt, lm, base = compute_response_v2(key, CHALLENGE, b"c" * 8, 1, b"")
    v2 = check(lm, nt, level=5)
    assert (v2.outcome, v2.package, v2.session_key) == (Outcome.AUTHENTICATED, "NTLM V2", base)
    lmv2 = check(lm, b"", level=5)  # LMv2 alone counts as NTLMv2
    assert (lmv2.outcome, lmv2.package) == (Outcome.AUTHENTICATED, "NTLM V2")
    with pytest.raises(ValueError):
        verify_challenge_response(account, b"1234", b"", b"", "bob", "", 3)


# ------------------------------------------------------------------ trees and logoff
def logged_on(profile: str = "win2003", user: str = ALICE, password: str = ALICE_PASSWORD) -> tuple[FakeView, Any, int]:
    conn = view(profile)
    _, _, second = ntlm_logon(conn, user, password)
    return conn, conn.sessions[second.response_uid], second.response_uid


def tree_request(session: Any, path: str, service: str = "?????", *, flags: int = 0, unicode: bool = True,
                 password: bytes = b"\0", tid: int = 0) -> FakeRequest:
    words = struct.pack("<HH", flags, len(password))
    data = password
    if unicode and (HEADER + 1 + 8 + 2 + len(data)) % 2:
        data += b"\0"
    data += text(path, unicode=unicode) + service.encode() + b"\0"
    req = request(words, data, tid=tid, flags2=FLAGS2_UNICODE if unicode else 0)
    req.session = session
    return req


@pytest.mark.parametrize("unicode", [True, False])
@pytest.mark.parametrize("response_offset", [HEADER, HEADER + 45], ids=["first", "chained"])
def test_tree_connect_ipc(unicode: bool, response_offset: int) -> None:
    """The NativeFileSystem string is aligned from the start of the response message, wherever
    the TREE_CONNECT_ANDX block lands in an AndX chain (after a SESSION_SETUP_ANDX block)."""
    conn, session, _ = logged_on()
    req = tree_request(session, "\\\\LEGACYSRV\\IPC$", "IPC", unicode=unicode)
    req.response_offset = response_offset
    words, data = tree_connect.handle(conn, req)
    tid = req.response_tid
    assert tid and session.tree_connects[tid].share_name == "IPC$"
    assert words == struct.pack("<H", 0x0001 | 0x000C)  # search bits, no caching
    assert data[:4] == b"IPC\0"
    assert strings_of(data[4:], response_offset + 1 + 6 + 2 + 4, 1, unicode=unicode) == [""]
    assert len(data) == 4 + (3 if unicode and (response_offset + 13) % 2 else 2 if unicode else 1)


def test_tree_connect_extended_response_and_disconnect_tid() -> None:
    conn, session, _ = logged_on()
    first = tree_request(session, "\\\\LEGACYSRV\\IPC$")
    tree_connect.handle(conn, first)
    old = first.response_tid
    req = tree_request(session, "\\\\legacysrv\\ipc$", flags=0x0008 | 0x0001, tid=old)
    words, _ = tree_connect.handle(conn, req)
    assert struct.unpack("<HII", words) == (0x000D, 0x001F01FF, 0x001F01FF)
    assert old not in session.tree_connects and req.response_tid in session.tree_connects


@pytest.mark.parametrize(("path", "service", "status"), [
    ("\\\\LEGACYSRV\\NOPE", "?????", NtStatus.BAD_NETWORK_NAME),
    ("\\\\LEGACYSRV\\C$", "?????", NtStatus.ACCESS_DENIED),
    ("LEGACYSRV\\IPC$", "?????", NtStatus.BAD_NETWORK_NAME),
    ("\\\\LEGACYSRV\\IPC$", "A:", NtStatus.BAD_DEVICE_TYPE),
])
def test_tree_connect_refusals(path: str, service: str, status: int) -> None:
    conn, session, _ = logged_on()
    with pytest.raises(SmbStatusError) as refused:
        tree_connect.handle(conn, tree_request(session, path, service))
    assert refused.value.status == status and session.tree_connects == {}


def test_tree_connect_limit() -> None:
    conn, session, _ = logged_on()
    limit = conn.config.limits.max_tree_connects_per_session
    for _ in range(limit):
        tree_connect.handle(conn, tree_request(session, "\\\\X\\IPC$"))
    with pytest.raises(SmbStatusError) as refused:
        tree_connect.handle(conn, tree_request(session, "\\\\X\\IPC$"))
    assert refused.value.status == NtStatus.INSUFFICIENT_RESOURCES
    assert len(session.tree_connects) == limit


def test_tree_disconnect_and_logoff() -> None:
    conn, session, uid = logged_on()
    req = tree_request(session, "\\\\X\\IPC$")
    tree_connect.handle(conn, req)
    tree = session.tree_connects[req.response_tid]
    bye = request(b"", b"", andx=False, tid=tree.tree_id, uid=uid)
    bye.session, bye.tree = session, tree
    assert tree_disconnect.handle(conn, bye) == (b"", b"")
    assert session.tree_connects == {}
    off = request(b"", b"", uid=uid)
    off.session = session
    assert logoff.handle(conn, off) == (b"", b"")
    assert conn.dropped == [session] and uid not in conn.sessions
    assert session.session_id not in conn.config.sessions
