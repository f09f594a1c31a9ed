"""Issue 13: credits granted on NEGOTIATE and on the NTLM CHALLENGE, per profile, against the values
public Windows captures show (each profile file names them) -- sans I/O."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from helpers import build_config
from smbemu.connection import Connection
from smbemu.smb2.constants import Command
from smbemu.status import NtStatus
from smb2raw import frame, negotiate_body, request, responses

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sansio_client import SPNEGO_AUTH_ANON, SPNEGO_NEGOTIATE, Client  # noqa: E402


def _grants(profile: str, asked: int) -> tuple[int, int, int]:
    """Credits granted on NEGOTIATE, on the CHALLENGE and on the final SESSION_SETUP when every
    request asks for `asked`."""
    conn = Connection(build_config(profile))
    (negotiate,) = responses(conn.receive_data(frame(request(
        Command.NEGOTIATE, negotiate_body((0x0202, 0x0210)), credits=asked))))
    (challenge,) = responses(conn.receive_data(frame(request(
        Command.SESSION_SETUP, Client.setup_body(SPNEGO_NEGOTIATE), message_id=1, credits=asked))))
    assert challenge["status"] == NtStatus.MORE_PROCESSING_REQUIRED
    # The next message id must be inside the window the grants opened.
    (final,) = responses(conn.receive_data(frame(request(
        Command.SESSION_SETUP, Client.setup_body(SPNEGO_AUTH_ANON), message_id=2, credits=asked,
        session_id=challenge["session_id"]))))
    assert final["status"] == NtStatus.SUCCESS
    return negotiate["credits"], challenge["credits"], final["credits"]


@pytest.mark.parametrize(
    ("profile", "asked", "expected"),
    [
        # suricata-verify tests/smb3-01 and zeek smb3.pcap (10.0.14393): asked 3 -> 1, 1, 3.
        ("win2016", 3, (1, 1, 3)),
        # zeek smb3_multichannel.pcap (10.0.19041) and suricata-verify tests/dcerpc/dcerpc-smb-ctxid
        # (10.0.14393): asked 33 -> 1, 1, 33.
        ("win2019", 33, (1, 1, 33)),
        # suricata-verify tests/smb2-delete (10.0.15063): asked 256 -> 1, 1, 256.
        ("win2022", 256, (1, 1, 256)),
        # zeek smb2.pcap / suricata-verify tests/smb2-03-rule (6.0.6001): the CHALLENGE follows the
        # request (8 -> 8); NEGOTIATE still 1.
        ("win2008", 8, (1, 8, 8)),
    ],
)
def test_credits_on_negotiate_and_challenge(profile: str, asked: int, expected: tuple[int, int, int]) -> None:
    assert _grants(profile, asked) == expected


def test_a_client_asking_nothing_still_gets_one() -> None:
    """MS-SMB2 3.3.1.2: at least 1 credit on NEGOTIATE (10.0.20348 in suricata-verify
    tests/dcerpc/dcerpc-bind-no-frag-flag: asked 0, granted 1 on NEGOTIATE and CHALLENGE)."""
    assert _grants("win2022", 0)[:2] == (1, 1)
