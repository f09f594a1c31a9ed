"""FILETIME (smbemu.filetime) and the binary SID handlers use (smbemu.sid.sid_bytes), each once."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from smbemu.auth import ntlm
from smbemu.filetime import (
    FILETIME_NEVER,
    FILETIME_UNIX_EPOCH,
    TICKS_PER_SECOND,
    filetime_now,
    to_filetime,
)
from smbemu.sid import Sid, sid_bytes


def test_to_filetime_is_exact_to_the_microsecond() -> None:
    assert to_filetime(datetime(1601, 1, 1, tzinfo=timezone.utc)) == 0
    assert to_filetime(datetime(1970, 1, 1, tzinfo=timezone.utc)) == FILETIME_UNIX_EPOCH
    moment = datetime(2026, 12, 7, 2, 30, 0, 123457, tzinfo=timezone.utc)
    whole = to_filetime(moment.replace(microsecond=0))
    assert to_filetime(moment) - whole == 1_234_570  # float seconds would round these ticks
    assert to_filetime(moment + timedelta(days=1)) - to_filetime(moment) == 86400 * TICKS_PER_SECOND
    assert to_filetime(None) == 0 and to_filetime(None, FILETIME_NEVER) == FILETIME_NEVER


def test_filetime_now() -> None:
    before = FILETIME_UNIX_EPOCH + time.time_ns() // 100
    assert before <= filetime_now() <= before + 60 * TICKS_PER_SECOND


def test_one_filetime_now_for_config_ntlm_and_negotiate() -> None:
    assert ntlm.filetime_now is filetime_now


def test_sid_bytes_is_the_ms_dtyp_binary_form() -> None:
    # MS-DTYP 2.4.2.2: revision, count, 48-bit big-endian authority, little-endian sub-authorities
    assert sid_bytes("S-1-5-32-544") == bytes.fromhex("01020000000000052000000020020000")
    text = "S-1-5-21-1004336348-1177238915-682003330-1104"
    assert sid_bytes(text) == Sid.parse(text).to_bytes()
    assert Sid.from_bytes(sid_bytes(text)) == Sid.parse(text)
