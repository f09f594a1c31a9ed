"""Pipe READs waiting for data, as the IPC layer keeps them (smbemu.pipeio)."""

from __future__ import annotations

from typing import Any

from smbemu.pipeio import PendingRead, PipeReads
from smbemu.state import Open, TreeConnect
from smbemu.status import NtStatus


class Endpoint:
    """A message-mode pipe end: `queue` holds the answers not read yet."""

    def __init__(self) -> None:
        self.queue: list[bytes] = []

    def has_output(self) -> bool:
        return bool(self.queue)

    def read(self, length: int) -> tuple[bytes, bool]:
        message = self.queue[0]
        if len(message) > length:
            self.queue[0] = message[length:]
            return message[:length], True
        self.queue.pop(0)
        return message, False


def pipe(volatile_id: int) -> Open:
    return Open(1, volatile_id, TreeConnect(1, "IPC$", True), "srvsvc", Endpoint())


def reads() -> tuple[PipeReads[str], list[tuple[str, int, bytes | None]]]:
    answered: list[tuple[str, int, bytes | None]] = []

    def answer(pending: PendingRead[str], status: int, data: bytes | None) -> None:
        answered.append((pending.request, status, data))

    return PipeReads(answer), answered


def test_reads_complete_oldest_first_one_message_each() -> None:
    waiting, answered = reads()
    first, other = pipe(1), pipe(2)
    waiting.park(first, 100, "a")
    waiting.park(other, 100, "b")
    waiting.park(first, 4, "c")
    endpoint: Any = first.endpoint
    endpoint.queue += [b"one", b"second"]
    waiting.complete(first)
    assert answered == [("a", NtStatus.SUCCESS, b"one"), ("c", NtStatus.BUFFER_OVERFLOW, b"seco")]
    assert len(waiting) == 1 and endpoint.queue == [b"nd"]


def test_complete_stops_when_the_pipe_is_empty() -> None:
    waiting, answered = reads()
    open_ = pipe(1)
    waiting.park(open_, 10, "a")
    waiting.park(open_, 10, "b")
    endpoint: Any = open_.endpoint
    endpoint.queue.append(b"x")
    waiting.complete(open_)
    assert answered == [("a", NtStatus.SUCCESS, b"x")] and len(waiting) == 1


def test_fail_cancel_and_forget() -> None:
    waiting, answered = reads()
    first, other = pipe(1), pipe(2)
    for request, open_ in (("a", first), ("b", first), ("c", other), ("d", other)):
        waiting.park(open_, 10, request)
    waiting.fail(first, NtStatus.PIPE_BROKEN)
    waiting.cancel(lambda request: request == "c")
    assert answered == [("a", NtStatus.PIPE_BROKEN, None), ("b", NtStatus.PIPE_BROKEN, None),
                        ("c", NtStatus.CANCELLED, None)]
    waiting.forget(lambda pending: pending.open is other)
    assert len(waiting) == 0 and len(answered) == 3  # forgotten reads are not answered
