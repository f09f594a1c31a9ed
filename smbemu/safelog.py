"""Logs a client cannot forge or flood: what every client-controlled string goes through before
it reaches the text log (``logging``) or the audit log (:mod:`smbemu.audit`).

A client chooses many strings the server logs: the NTLM user, domain and workstation names
(up to 64 KiB each in an AUTHENTICATE message), pipe and share names (up to 32,767 UTF-16
characters in a CREATE), RPC arguments quoted in reasons.  Written as they came, a line feed in
a refused logon's user name starts a forged log line ("\\n2026-12-07 ... alice logged on"), an
escape sequence rewrites the reader's terminal, and a 32,000-character name repeated thousands
of times fills the disk.  So:

* :func:`escape_client_text` writes every control character (C0, DEL, C1), the Unicode line and
  paragraph separators (U+2028, U+2029: line breaks to many readers, str.splitlines among them)
  and the bidirectional controls (U+200E, U+200F, U+202A-U+202E, U+2066-U+2069: they reorder
  what a reader sees) as a visible escape (``\\x0a``, ``\\u2028``), and cuts what is longer than
  :data:`MAX_FIELD` characters (``...[+N]``, N the characters cut);
* :class:`EscapingFormatter` does this to every text log message (so no call site can forget),
  cut at :data:`MAX_MESSAGE` characters; tracebacks, which are the server's own, stay as they are;
* :class:`RepeatFilter` lets at most ``burst`` lines of one message template through per
  ``window`` seconds and then says how many it held back, so a flood of one kind of request
  cannot wash the rest of the log out.

The audit log applies :func:`escape_client_text` to every string field of every event (one point
for all of them); its rotation and the folding of repeated events are :mod:`smbemu.audit`'s.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Final

__all__ = ["escape_client_text", "EscapingFormatter", "RepeatFilter", "install", "MAX_FIELD",
           "MAX_MESSAGE"]

#: The longest client string a log keeps: longer than any name Windows itself accepts (user names
#: 20 characters in the SAM and 256 in UNLEN, share names 80 (NNLEN), paths 260 (MAX_PATH)),
#: far shorter than what an attacker sends.
MAX_FIELD: Final = 512
#: The longest text log message (after escaping): a few client strings and the server's words.
MAX_MESSAGE: Final = 2048

_UNSAFE: Final = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_client_text(text: str, limit: int = MAX_FIELD) -> str:
    """``text`` with its control, line-breaking and bidirectional characters made visible and
    cut to ``limit`` characters (see the module docstring)."""
    cut = 0
    if len(text) > limit:
        cut = len(text) - limit
        text = text[:limit]
    if _UNSAFE.search(text) is not None:
        text = _UNSAFE.sub(_visible, text)
    return f"{text}...[+{cut}]" if cut else text


class EscapingFormatter(logging.Formatter):
    """A formatter whose messages are escaped and cut (:func:`escape_client_text` with
    :data:`MAX_MESSAGE`): one log record is one line, whatever its arguments held."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        record.message = escape_client_text(record.message, MAX_MESSAGE)
        return super().formatMessage(record)


class RepeatFilter(logging.Filter):
    """At most ``burst`` records of one (logger, level, message template) per ``window`` seconds;
    the first record after a window that held some back says how many ("N similar messages
    suppressed").  Templates are the call sites' format strings, so the number of keys is
    bounded by the code, not by what clients send."""

    #: Keys kept at most (then forgotten at once): bounds the filter's memory.
    MAX_KEYS: Final = 1024

    def __init__(self, burst: int = 50, window: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.burst = burst
        self.window = window
        self._clock = clock
        # key -> [window start, records let through, records held back]
        self._seen: dict[tuple[str, int, str], list[float]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        now = self._clock()
        seen = self._seen
        state = seen.get(key)
        if state is None and len(seen) >= self.MAX_KEYS:
            seen.clear()  # a message built before logging (an f-string) makes keys of its own
        if state is None or now - state[0] >= self.window:
            held = int(state[2]) if state is not None else 0
            seen[key] = [now, 1, 0]
            if held:
                record.msg = f"{record.msg} [{held} similar messages suppressed]"
            return True
        if state[1] < self.burst:
            state[1] += 1
            return True
        state[2] += 1
        return False


def install(level: int, fmt: str = "%(asctime)s %(levelname)-7s %(name)s: %(message)s") -> None:
    """The server's text log: ``logging.basicConfig`` with the escaping formatter and the repeat
    filter on the root handlers (``smbemu serve``)."""
    logging.basicConfig(level=level, format=fmt)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(EscapingFormatter(fmt))
        handler.addFilter(RepeatFilter())
