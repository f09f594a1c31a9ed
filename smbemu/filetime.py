"""Windows FILETIME (MS-DTYP 2.3.3): 100-nanosecond ticks since 1601-01-01 UTC, in one place.

SMB2 NEGOTIATE's SystemTime / ServerStartTime, NTLM's MsvAvTimestamp, SAMR's logon and
password times (as OLD_LARGE_INTEGER) and srvsvc's statistics all count in these ticks.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Final

__all__ = ["FILETIME_UNIX_EPOCH", "FILETIME_NEVER", "TICKS_PER_SECOND", "filetime_now", "to_filetime"]

#: 1970-01-01 00:00:00 UTC as a FILETIME (the Unix epoch in 100 ns ticks since 1601).
FILETIME_UNIX_EPOCH: Final = 116444736000000000
#: MS-SAMR 2.2.3.x / MS-DTYP: the largest positive 64-bit value, "never" for AccountExpires,
#: PasswordMustChange and PasswordCanChange.
FILETIME_NEVER: Final = 0x7FFFFFFFFFFFFFFF
TICKS_PER_SECOND: Final = 10_000_000

_EPOCH_1601: Final = datetime(1601, 1, 1, tzinfo=timezone.utc)


def filetime_now() -> int:
    """The current time as a FILETIME."""
    return FILETIME_UNIX_EPOCH + time.time_ns() // 100


def to_filetime(moment: datetime | None, never: int = 0) -> int:
    """A timezone-aware datetime as a FILETIME, exactly (integer arithmetic, no float rounding);
    ``never`` when None (0 for "never logged on", `FILETIME_NEVER` for "never expires")."""
    if moment is None:
        return never
    delta = moment - _EPOCH_1601
    return (delta.days * 86400 + delta.seconds) * TICKS_PER_SECOND + delta.microseconds * 10
