"""An account's logon hours: the fixture's ``logon_hours`` read into the 168-bit week Windows
keeps (SAMPR_LOGON_HOURS, MS-SAMR 2.2.7.5: UnitsPerWeek 168, one bit per hour, bit 0 of byte 0
= Sunday 00:00-00:59 UTC), and the check a logon makes against it.

Fixture form (hours in UTC, half-open ranges)::

    logon_hours: {mon: "08-18", tue: "08-18", wed: "08-12,13-18", sat: none, sun: all}

Days left out allow no hour; an account without ``logon_hours`` may log on at any hour.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Final

__all__ = ["DAYS", "HOURS_PER_WEEK", "ALL_HOURS", "parse_logon_hours", "allows"]

#: Fixture day keys, in Windows' order (Sunday first).
DAYS: Final = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
HOURS_PER_WEEK: Final = 168
ALL_HOURS: Final = b"\xff" * (HOURS_PER_WEEK // 8)
_RANGE: Final = re.compile(r"^(\d{1,2})-(\d{1,2})$")


def parse_logon_hours(value: object, where: str, error: Callable[[str, str], Exception]) -> bytes:
    """The 21-byte bit field of a fixture ``logon_hours`` mapping; ``error(key, problem)``
    builds the one-line load error."""
    if not isinstance(value, dict) or not value:
        raise error(where, "expected a mapping of days (sun, mon, ... sat) to hour ranges "
                           "like \"08-18\" (UTC), \"all\" or \"none\"")
    bits = bytearray(HOURS_PER_WEEK // 8)
    for day, ranges in value.items():
        if day not in DAYS:
            raise error(f"{where}.{day}", f"{day!r} is not a day; allowed: {', '.join(DAYS)}")
        base = DAYS.index(day) * 24
        for start, end in _hour_ranges(ranges, f"{where}.{day}", error):
            for hour in range(start, end):
                bits[(base + hour) // 8] |= 1 << ((base + hour) % 8)
    return bytes(bits)


def _hour_ranges(text: object, where: str, error: Callable[[str, str], Exception]) -> list[tuple[int, int]]:
    if text is None or str(text).strip().lower() == "none":
        return []
    if str(text).strip().lower() == "all":
        return [(0, 24)]
    ranges = []
    for part in str(text).split(","):
        match = _RANGE.match(part.strip())
        start, end = (int(match.group(1)), int(match.group(2))) if match else (-1, -1)
        if not match or not 0 <= start < end <= 24:
            raise error(where, f"{part.strip()!r} is not an hour range; expected START-END with "
                               "0 <= START < END <= 24 (UTC), e.g. \"08-18\", or all / none")
        ranges.append((start, end))
    return ranges


def allows(hours: bytes, when: datetime) -> bool:
    """May the account log on at ``when`` (an aware datetime)?  MS-SAMR 2.2.7.5's hour bit."""
    utc = when.utctimetuple()
    hour = ((utc.tm_wday + 1) % 7) * 24 + utc.tm_hour   # tm_wday: Monday 0; Windows: Sunday first
    return bool(hours[hour // 8] >> (hour % 8) & 1)
