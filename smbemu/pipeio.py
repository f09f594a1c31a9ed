"""Pipe READs that wait for data: the IPC layer's side of an asynchronous read.

A READ on a named pipe with nothing queued does not fail: like a Windows pipe read it waits
until the RPC endpoint has an answer (MS-SMB2 3.3.4.2, 3.3.5.12). The IPC layer keeps those
waiting reads beside the opens they wait on, and decides when each one ends: with data once the
endpoint has output (after a WRITE or a transceive on the same open), with STATUS_PIPE_BROKEN
when the open is closed, with STATUS_CANCELLED on CANCEL.

How an ending read reaches the client is the dialect's business: `PipeReads` hands each one to
the `answer` callback it was built with, and the dialect that parked the read (the SMB2 engine
today) builds, signs or encrypts and queues the response. `request` is that dialect's own record
of the request (for SMB2 its MessageId and AsyncId); this module never looks inside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.state import Open

RequestT = TypeVar("RequestT")

_SUCCESS = int(NtStatus.SUCCESS)
_BUFFER_OVERFLOW = int(NtStatus.BUFFER_OVERFLOW)
_CANCELLED = int(NtStatus.CANCELLED)


@dataclass(slots=True, eq=False)
class PendingRead(Generic[RequestT]):
    """One READ waiting on `open` for at most `length` bytes."""

    open: Open
    length: int
    request: RequestT


# answer(read, status, data): data is what was read (None when the read ends without data).
Answer = Callable[[PendingRead[RequestT], int, bytes | None], None]


class PipeReads(Generic[RequestT]):
    """The reads waiting on one connection's pipes, oldest first."""

    __slots__ = ("_waiting", "_answer")

    def __init__(self, answer: Answer[RequestT]) -> None:
        self._waiting: list[PendingRead[RequestT]] = []
        self._answer = answer

    def __len__(self) -> int:
        return len(self._waiting)

    def park(self, open_: Open, length: int, request: RequestT) -> None:
        """Keep a READ of `length` bytes on `open_` until the endpoint has output."""
        self._waiting.append(PendingRead(open_, length, request))

    def complete(self, open_: Open) -> None:
        """Answer the reads waiting on `open_`, oldest first, while its endpoint has output.

        Pipes on IPC$ are message-mode: each read takes at most one message, and a message longer
        than the read's length leaves its rest for the next read (STATUS_BUFFER_OVERFLOW)."""
        if not self._waiting:  # the usual case: every WRITE and transceive asks
            return
        for pending in [p for p in self._waiting if p.open is open_]:
            endpoint = open_.endpoint
            if endpoint is None or not endpoint.has_output():
                return
            data, more = endpoint.read(pending.length)
            self._end(pending, _BUFFER_OVERFLOW if more else _SUCCESS, data)

    def fail(self, open_: Open, status: int) -> None:
        """End every read waiting on `open_` with `status` (STATUS_PIPE_BROKEN when it is closed)."""
        for pending in [p for p in self._waiting if p.open is open_]:
            self._end(pending, status, None)

    def cancel(self, named: Callable[[RequestT], bool]) -> None:
        """End the reads whose request `named` picks with STATUS_CANCELLED (MS-SMB2 3.3.5.16)."""
        for pending in [p for p in self._waiting if named(p.request)]:
            self._end(pending, _CANCELLED, None)

    def forget(self, which: Callable[[PendingRead[RequestT]], bool]) -> None:
        """Drop reads without answering them: their session or connection is gone."""
        self._waiting = [p for p in self._waiting if not which(p)]

    def clear(self) -> None:
        self._waiting.clear()

    def _end(self, pending: PendingRead[RequestT], status: int, data: bytes | None) -> None:
        self._waiting.remove(pending)
        self._answer(pending, status, data)
