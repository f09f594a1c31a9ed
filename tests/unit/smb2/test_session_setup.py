"""SESSION_SETUP through the sans-I/O connection: what the NTLM CHALLENGE says per profile,
and the full anonymous / user exchange with impacket's NTLM messages (no sockets)."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from impacket import ntlm

from helpers import build_config  # a pre-Vista profile also offers SMB 2.0.2 (the SMB2 lab convenience)
from smbemu.connection import Connection
from smbemu.smb2.constants import Command, SessionFlags
from smbemu.status import NtStatus

from smb2raw import frame, negotiate_body, request, responses


def _session_setup(conn: Connection, token: bytes, message_id: int, session_id: int = 0) -> dict[str, Any]:
    body = struct.pack("<HBBIIHHQ", 25, 0, 1, 0, 0, 64 + 24, len(token), 0) + token
    (answer,) = responses(conn.receive_data(frame(request(Command.SESSION_SETUP, body, message_id=message_id, session_id=session_id, credits=8))))
    return answer


def _blob(answer: dict[str, Any]) -> bytes:
    _, _, offset, length = struct.unpack_from("<HHHH", answer["body"], 0)
    return bytes(answer["body"][offset - 64 : offset - 64 + length])


def _challenge(profile: str, *, ask_version: bool = True) -> tuple[Connection, Any, Any]:
    conn = Connection(build_config(profile))
    responses(conn.receive_data(frame(request(Command.NEGOTIATE, negotiate_body((0x0202,)), credits=8))))
    negotiate = ntlm.getNTLMSSPType1("", "", signingRequired=False)
    if ask_version:  # as Windows clients do; impacket does not by itself
        negotiate["flags"] |= ntlm.NTLMSSP_NEGOTIATE_VERSION
        negotiate["os_version"] = struct.pack("<BBH5sB", 10, 0, 19041, b"", 15)
    answer = _session_setup(conn, bytes(negotiate.getData()), 1)
    assert answer["status"] == NtStatus.MORE_PROCESSING_REQUIRED
    challenge = ntlm.NTLMAuthChallenge()
    challenge.fromString(_blob(answer))  # raw NTLMSSP in, raw NTLMSSP out
    return conn, negotiate, (challenge, answer)


@pytest.mark.parametrize(
    ("profile", "version", "timestamp"),
    [("win2000", None, False), ("win2016", (10, 0, 14393), True)],
)
def test_challenge_identity_follows_the_profile(profile: str, version: tuple[int, int, int] | None, timestamp: bool) -> None:
    _, _, (challenge, _) = _challenge(profile)
    pairs = ntlm.AV_PAIRS(challenge["TargetInfoFields"])
    assert pairs[ntlm.NTLMSSP_AV_HOSTNAME][1].decode("utf-16-le") == "LEGACYSRV"
    assert pairs[ntlm.NTLMSSP_AV_DOMAINNAME][1].decode("utf-16-le") == "CORP"
    assert pairs[ntlm.NTLMSSP_AV_DNS_HOSTNAME][1].decode("utf-16-le") == "legacysrv.corp.local"
    assert (pairs[ntlm.NTLMSSP_AV_TIME] is not None) == timestamp
    has_version = bool(challenge["flags"] & ntlm.NTLMSSP_NEGOTIATE_VERSION)
    assert has_version == (version is not None)
    if version is not None:
        major, minor, build = struct.unpack_from("<BBH", challenge["Version"], 0)
        assert (major, minor, build) == version


def test_anonymous_then_user_sessions() -> None:
    conn, negotiate, (challenge, answer) = _challenge("win2016", ask_version=False)
    auth, _ = ntlm.getNTLMSSPType3(negotiate, challenge.getData(), "", "", "")
    done = _session_setup(conn, bytes(auth.getData()), 2, answer["session_id"])
    assert done["status"] == NtStatus.SUCCESS
    flags = struct.unpack_from("<H", done["body"], 2)[0]
    assert flags == SessionFlags.IS_NULL
    assert done["flags"] & 0x8 == 0  # anonymous responses are never signed

    negotiate = ntlm.getNTLMSSPType1("", "", signingRequired=True)
    first = _session_setup(conn, bytes(negotiate.getData()), 3)
    user_challenge = _blob(first)
    auth, _ = ntlm.getNTLMSSPType3(negotiate, user_challenge, "alice", "Wonderland1", "CORP")
    done = _session_setup(conn, bytes(auth.getData()), 4, first["session_id"])
    assert done["status"] == NtStatus.SUCCESS
    assert struct.unpack_from("<H", done["body"], 2)[0] == 0
    assert done["flags"] & 0x8  # the final response of a user session is signed
    assert len(conn.sessions) == 2


def test_session_remembers_both_ends_of_its_connection() -> None:
    """netlogon answers DC look-ups with the address the client reached (several hosts per process)."""
    conn = Connection(build_config("win2000-dc"), ("127.0.0.9", 50000), ("127.0.0.7", 445))
    responses(conn.receive_data(frame(request(Command.NEGOTIATE, negotiate_body((0x0202,)), credits=8))))
    negotiate = ntlm.getNTLMSSPType1("", "", signingRequired=False)
    first = _session_setup(conn, bytes(negotiate.getData()), 1)
    auth, _ = ntlm.getNTLMSSPType3(negotiate, _blob(first), "", "", "")
    done = _session_setup(conn, bytes(auth.getData()), 2, first["session_id"])
    assert done["status"] == NtStatus.SUCCESS
    (session,) = conn.sessions.values()
    assert (session.client_address, session.server_address) == ("127.0.0.9", "127.0.0.7")
