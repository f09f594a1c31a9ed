"""Where the audit log's lines go, and how much of them: the size cap with rotation, and the
folding of repeated events (issue 14: an audit log an attacker cannot flood).

Windows' Security log has a maximum size (20,480 KB by default since Windows Server 2008) and a
retention policy ("Overwrite events as needed", or "Archive the log when full, do not overwrite
events"); :class:`RotatingFile` does the archiving kind: when the next line would take ``FILE``
past ``max_size`` bytes, ``FILE`` becomes ``FILE.1`` (``FILE.1`` becomes ``FILE.2``, ...), the
oldest beyond ``keep`` archives is deleted, and a new ``FILE`` starts.  The disk used is then at
most ``max_size * (keep + 1)`` bytes, whatever clients do.

:class:`RepeatFolder` folds repeated identical events: the first ``burst`` (10) within
``window`` seconds are written, the copies that follow in the window are only counted, and once
the window has passed one more event is written with ``RepeatCount`` (how many copies it stands
for) and ``RepeatFirstTime`` (when the first of them happened); its ``TimeCreated`` is the last
copy's.  "Identical" ignores the event
time and the client's TCP port (a flood of failed logons on new connections is one source), so
the count stays exact while the bytes written stay bounded: a flood of one refused logon writes
at most ``burst + 1`` lines per window, not one per attempt.  A folded count is written when the next event
arrives after its window, or when the log is closed.  Windows folds nothing; ``window`` 0 writes
every event.
"""

from __future__ import annotations

import collections
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Final

__all__ = ["AuditTarget", "LineSink", "RotatingFile", "RepeatFolder", "DEFAULT_MAX_SIZE",
           "DEFAULT_KEEP", "DEFAULT_REPEAT_WINDOW", "DEFAULT_REPEAT_BURST", "RecentEvents",
           "RECENT_EVENTS"]

#: Windows Server 2008 and later: the Security log's default maximum size, 20,480 KB.
DEFAULT_MAX_SIZE: Final = 20480 * 1024
#: Archived files kept beside the live one (Windows keeps every archive; a lab disk is smaller).
DEFAULT_KEEP: Final = 5
#: Seconds within which identical events are folded into one count.
DEFAULT_REPEAT_WINDOW: Final = 1.0
#: Identical events written one by one in a window before the rest are counted: a lab's brute
#: force at a human pace, or a lockout threshold's worth of failures, still reads event by event.
DEFAULT_REPEAT_BURST: Final = 10
#: Fields left out when deciding whether two events are the same.
_VOLATILE: Final = frozenset({"TimeCreated", "IpPort"})
#: Distinct events remembered at most while folding (the oldest is written out first).
MAX_TRACKED: Final = 4096
#: Recent events an audit log keeps in memory (:class:`RecentEvents`): a flood of logons costs
#: at most this many (about 1-2 KiB each).
RECENT_EVENTS: Final = 2048


class RecentEvents:
    """The last :data:`RECENT_EVENTS` events an audit log wrote, each numbered from 1 in the
    order written (every event is counted, also the ones the repeat folding keeps out of the
    file): what the eventlog pipe serves back as the Security log, with these numbers as its
    MS-EVEN record numbers.  A bounded ring, filled from the server's event loop."""

    __slots__ = ("_ring", "_count")

    def __init__(self, size: int = RECENT_EVENTS) -> None:
        self._ring: collections.deque[tuple[int, dict[str, object]]] = collections.deque(maxlen=size)
        self._count = 0

    def add(self, event: dict[str, object]) -> None:
        self._count += 1
        self._ring.append((self._count, event))

    def records(self) -> tuple[tuple[int, dict[str, object]], ...]:
        """The events kept, oldest first, each with its number."""
        return tuple(self._ring)


@dataclass(frozen=True, slots=True)
class AuditTarget:
    """An audit log file with its limits (``--audit-log``, ``--audit-log-max-size``,
    ``--audit-log-keep``, ``--audit-log-repeat-window``): what :func:`smbemu.audit.open_audit_log`
    opens.  ``max_size`` 0: no cap; ``repeat_window`` 0: every event written."""

    path: str
    max_size: int = DEFAULT_MAX_SIZE
    keep: int = DEFAULT_KEEP
    repeat_window: float = DEFAULT_REPEAT_WINDOW


class LineSink:
    """A text stream shared by the audit logs writing to it (several hosts, reloads), with the
    folding of repeated events (shared too, so a reload loses no count); one lock per line."""

    def __init__(self, stream: IO[str], close: bool, repeat_window: float = 0.0) -> None:
        self.stream = stream
        self.close_stream = close
        self.lock = threading.Lock()
        self.folder = RepeatFolder(repeat_window, self._write_event)

    def emit(self, event: dict[str, object], now: float) -> None:
        """Write ``event`` (a JSON line), or count it as a repeat (``now``: its time, seconds)."""
        self.folder.add(event, now)

    def _write_event(self, event: dict[str, object]) -> None:
        self.write(json.dumps(event, ensure_ascii=False))

    def write(self, line: str) -> None:
        with self.lock:
            try:
                self._write(line + "\n")
            except (OSError, ValueError):  # a closed or full stream must not take the server down
                pass

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def close(self) -> None:
        self.folder.flush()
        try:
            self.stream.close()
        except OSError:  # pragma: no cover
            pass


class RotatingFile(LineSink):
    """A log file rotated when full (see the module docstring)."""

    def __init__(self, path: str, max_size: int, keep: int, repeat_window: float = 0.0) -> None:
        self.path = path
        self.max_size = max_size
        self.keep = keep
        super().__init__(self._open(), True, repeat_window)
        self.size = self.stream.tell()

    def _open(self) -> IO[str]:
        return open(self.path, "a", encoding="utf-8")  # noqa: SIM115

    def _write(self, text: str) -> None:
        length = len(text.encode("utf-8"))
        if self.max_size and self.size and self.size + length > self.max_size:
            self._rotate()
        super()._write(text)
        self.size += length

    def _rotate(self) -> None:
        self.stream.close()
        path, keep = self.path, self.keep
        if keep <= 0:
            os.remove(path)
        else:
            oldest = f"{path}.{keep}"
            if os.path.exists(oldest):
                os.remove(oldest)
            for index in range(keep - 1, 0, -1):
                if os.path.exists(f"{path}.{index}"):
                    os.replace(f"{path}.{index}", f"{path}.{index + 1}")
            os.replace(path, f"{path}.1")
        self.stream = self._open()
        self.size = 0


@dataclass(slots=True)
class _Fold:
    """One event being folded: when its window started, the copies counted since, when the
    first copy happened, and the last copy."""

    start: float
    event: dict[str, object]
    written: int = 1
    copies: int = 0
    first_copy_time: object = ""


class RepeatFolder:
    """Folds repeated identical events (see the module docstring); ``write(event)`` is called
    with every event that is to reach the file."""

    def __init__(self, window: float, write: Callable[[dict[str, object]], None],
                 burst: int = DEFAULT_REPEAT_BURST) -> None:
        self.window = window
        self.burst = burst
        self._write = write
        self._lock = threading.Lock()
        self._open: collections.OrderedDict[tuple[object, ...], _Fold] = collections.OrderedDict()

    def add(self, event: dict[str, object], now: float) -> None:
        if self.window <= 0:
            self._write(event)
            return
        key = tuple(sorted((k, v) for k, v in event.items() if k not in _VOLATILE))
        with self._lock:
            out = self._passed(now)
            fold = self._open.get(key)
            if fold is None:
                self._open[key] = _Fold(now, event)
                out.append(event)
            elif fold.written < self.burst:
                fold.written += 1
                out.append(event)
            else:
                if not fold.copies:
                    fold.first_copy_time = event.get("TimeCreated", "")
                fold.copies += 1
                fold.event = event
        for line in out:
            self._write(line)

    def sweep(self, now: float) -> None:
        """Write the counts of the windows that have passed by ``now`` (called by the server
        every second, so a count does not wait for the next event)."""
        if self.window <= 0:
            return
        with self._lock:
            out = self._passed(now)
        for line in out:
            self._write(line)

    def _passed(self, now: float) -> list[dict[str, object]]:
        """Forget the windows that have passed (or the oldest, past MAX_TRACKED); their counts."""
        out: list[dict[str, object]] = []
        folded = self._open
        while folded:
            first_key, fold = next(iter(folded.items()))
            if now - fold.start < self.window and len(folded) < MAX_TRACKED:
                break
            del folded[first_key]
            out.extend(self._summary(fold))
        return out

    def flush(self) -> None:
        with self._lock:
            out = [line for fold in self._open.values() for line in self._summary(fold)]
            self._open.clear()
        for line in out:
            self._write(line)

    @staticmethod
    def _summary(fold: _Fold) -> list[dict[str, object]]:
        if not fold.copies:
            return []
        return [{**fold.event, "RepeatCount": fold.copies, "RepeatFirstTime": fold.first_copy_time}]
