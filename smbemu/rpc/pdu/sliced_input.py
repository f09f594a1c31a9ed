"""The input side of a pipe's DCE/RPC endpoint: what the client wrote, processed in slices.

A WRITE (or FSCTL_PIPE_TRANSCEIVE, or SMB1's TransactNmPipe) may carry thousands of PDUs: one
8 MiB write of 24-byte requests is 350,000 calls. Processing them all at once would hold the
event loop -- and every other client -- for tens of seconds (issue 14). Here a write is processed
in slices: at most ``SLICE_PDUS`` PDUs and ``SLICE_CALLS`` calls, and none once ``output_limit``
bytes of answers wait to be read (the server's ``--max-pipe-output``, checked while a write's
answers are produced, not only before it: a Windows pipe would block its writer there). What is
left is processed by ``pump`` on later turns of the event loop (:mod:`smbemu.pipe_work`).

What the endpoint holds for its client -- unprocessed input, and the stub of a fragmented request
being reassembled -- is charged to ``budget`` (:mod:`smbemu.rpc.pdu.budget`: per connection and
per server); the SMB layer asks ``budget.fits`` before a write, and a fragment that does not fit
ends the association as an over-long request does.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from smbemu.rpc.pdu.budget import ConnectionBudget
from smbemu.rpc.pdu.codec import peek_frag_length
from smbemu.rpc.pdu.messages import HEADER_SIZE

__all__ = ["SlicedInput", "SLICE_PDUS", "SLICE_CALLS"]

log = logging.getLogger("smbemu.rpc.endpoint")

#: Most PDUs, and most calls, one slice processes (bounded work per turn of the event loop; a
#: call costs 10-200 µs, so a slice stays in the low milliseconds).
SLICE_PDUS: Final = 256
SLICE_CALLS: Final = 32


class SlicedInput:
    """Mixed into :class:`smbemu.rpc.endpoint.RpcEndpoint`, which provides ``_process`` (one PDU),
    ``_terminate``, ``_terminated``, ``_out_bytes``, ``stats`` and ``pipe_name``."""

    pipe_name: str
    _terminated: bool
    _out_bytes: int
    stats: Any  # smbemu.rpc.interface.RpcStats: calls_in counts the calls run

    def __init__(self) -> None:
        self._inbuf = bytearray()
        #: Where what this endpoint holds for its client is charged (None: not bounded), how
        #: many bytes of answers may wait unread before processing stops (None: no limit), and
        #: the bytes charged now for unprocessed input and for the stub being reassembled.
        self.budget: ConnectionBudget | None = None
        self.output_limit: int | None = None
        self._held_input = 0
        self._held_stub = 0
        self._backlog = False
        #: Set by the SMB layer while a later turn of the event loop is to call ``pump``.
        self.deferred = False

    def _process(self, raw: bytes) -> None:
        raise NotImplementedError

    def _terminate(self) -> None:
        raise NotImplementedError

    @property
    def backlog(self) -> bool:
        """Whole PDUs written by the client wait to be processed (a later ``pump``)."""
        return self._backlog

    @property
    def output_full(self) -> bool:
        """``output_limit`` bytes of answers or more wait to be read: processing waits too."""
        return self.output_limit is not None and self._out_bytes >= self.output_limit

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Bytes the client wrote to the pipe: any number of whole or partial PDUs. The first
        slice is processed now; ``backlog`` says whether more is left for ``pump``."""
        if self._terminated:
            return
        self._inbuf += data
        self.pump()  # what it leaves is charged to the budget (the usual write leaves nothing)

    def pump(self) -> bool:
        """Process one slice of the PDUs written and not processed yet. True while more wait
        and may be processed at once; False when none wait, or when answers wait to be read."""
        buf = self._inbuf
        size, pos, pdus = len(buf), 0, 0
        stats = self.stats
        last_call = stats.calls_in + SLICE_CALLS
        limit = self.output_limit
        stopped = False
        while size - pos >= HEADER_SIZE:
            frag_len = peek_frag_length(buf, pos)
            if frag_len < HEADER_SIZE:
                log.info("pipe %s: frag_length %d is not a PDU; closing", self.pipe_name,
                         frag_len)
                self._terminate()
                break
            if size - pos < frag_len:
                break
            if pdus == SLICE_PDUS or stats.calls_in >= last_call or (
                    limit is not None and self._out_bytes >= limit):
                stopped = True
                break
            raw = bytes(buf[pos:pos + frag_len])
            pos += frag_len
            pdus += 1
            self._process(raw)
            if self._terminated:
                break
        if self._terminated:
            buf.clear()
            self._settle_input()
            self._backlog = False
            return False
        if pos:
            del buf[:pos]
        if len(buf) != self._held_input:
            self._settle_input()
        self._backlog = stopped
        return stopped and not self.output_full

    def _settle_input(self) -> None:
        """Charge (or give back) what the input buffer holds now; input that does not fit the
        budget (the SMB layer asked ``fits`` before a large write) ends the association."""
        held = len(self._inbuf)
        budget = self.budget
        if budget is not None:
            more = held - self._held_input
            if more > 0 and not budget.take(more):
                log.info("pipe %s: input beyond the memory budget; closing", self.pipe_name)
                self._inbuf.clear()
                self._terminate()
                self._backlog = False
                held = 0
                more = -self._held_input
            if more < 0:
                budget.give(-more)
        self._held_input = held

    def _release_stub(self) -> None:
        if self._held_stub and self.budget is not None:
            self.budget.give(self._held_stub)
        self._held_stub = 0

    def _hold_stub(self, size: int) -> bool:
        """Charge ``size`` more bytes of a stub being reassembled; False if they do not fit."""
        if self.budget is None:
            return True
        if not self.budget.take(size):
            return False
        self._held_stub += size
        return True

    def _drop_input(self) -> None:
        """The pipe is closed: nothing written is processed any more, nothing is held."""
        self._release_stub()
        self._inbuf.clear()
        self._settle_input()
        self._backlog = False
