"""The protocol-neutral connection core: bytes to messages, deadlines, and the dialect hand-off.

Sans-I/O in the manner of h11 and aioquic: no socket, no event loop and no clock of its own.
The transport feeds it what arrived and the time (`receive_data(data, now)`), writes the frames
it returns, and keeps one timer at `get_timer()`, calling `handle_timer(now)` when it is due.

What lives here is what any dialect on TCP 445/139 shares:

- Direct TCP framing (MS-SMB2 2.1, also SMB1's): a zero byte, a 24-bit length, the message.
  Frames are sliced out of one `memoryview` of what arrived (no copy per frame); a partial frame
  is kept and copied out once, when it is whole. Frame size is limited before and after logon.
- The NetBIOS session service (RFC 1002, TCP 139) in front of it, when asked for.
- Each message goes to the dialect family that claims its protocol id (the first four bytes):
  `claim(b"\\xfeSMB", handler)`. `smbemu.connection.Connection` claims SMB2's ids for the SMB2
  engine and 0xFF 'SMB' for its multi-protocol NEGOTIATE; an SMB1 engine can claim it instead.
- Deadlines: pre-authentication, idle, the partial-frame (slowloris) deadline, and a fault
  injection delay, during which the answers are held and later requests wait behind them.
- Fault injection's transport actions (delay, truncate, drop) on the frame that fired them.
- Work deferred to later turns of the event loop (issue 14: one client's large request never
  holds up the others): a handler that did one slice of a long job (a pipe write of thousands of
  DCE/RPC PDUs, `smbemu.pipe_work`) queues the rest with `defer(work)`; `has_pending_work` tells
  the transport to call `continue_work(now)` on its next turn, which runs one slice of each job.
  A job that waits for its client (answers unread) is set aside until the client sends again.

A stream that cannot go on (bad framing, a handler's ProtocolViolation, a bug) sets `closed`
and `close_reason`; nothing raises out of `receive_data` or `handle_timer`.
"""

from __future__ import annotations

import collections
import logging
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from smbemu.errors import ProtocolViolation
from smbemu.netbios import NbssFilter

if TYPE_CHECKING:
    from smbemu.config import Limits

log = logging.getLogger("smbemu.connection")

_LEN = struct.Struct(">I")

# A dialect family's entry point: one message (without its 4-byte length) in, the answer out
# (None or b"" when nothing is sent). It raises ProtocolViolation when the stream cannot go on.
MessageHandler = Callable[[memoryview], bytes | bytearray | None]

# What one slice of deferred work (`ConnectionCore.defer`) returns: run it again on the next turn,
# set it aside until the client sends something (it waits for the client to read), or it is done.
WORK_MORE, WORK_WAITING, WORK_DONE = 0, 1, 2
Work = Callable[[], int]


class ConnectionCore:
    """One TCP connection's bytes and deadlines, before any dialect."""

    def __init__(
        self,
        limits: Limits,
        peer: tuple[str, int] = ("127.0.0.1", 0),
        *,
        faults: Any = None,
        now: float = 0.0,
        netbios_names: set[str] | None = None,
    ) -> None:
        self.limits = limits
        self.peer = peer
        self.closed = False
        self.close_reason = ""
        # Closed by a deadline: the transport drops the connection without flushing (a client
        # that trickles bytes or never reads must not hold the socket open).
        self.timed_out = False
        self.frames_received = 0
        self._buffer = bytearray()
        # Protocol id -> the dialect family's handler; `_sealed` ids carry encrypted messages,
        # which their handler passes to `tap` itself once decrypted.
        self._families: dict[bytes, MessageHandler] = {}
        self._sealed: set[bytes] = set()
        # Frames produced outside the message being answered (async completions), sent after it.
        self._outbox: list[bytes] = []
        self._ahead: list[bytes] = []
        # Deferred work: jobs to run a slice of on the next turn (the transport reads this queue
        # on its per-request path: an empty deque is all the usual request costs), and jobs
        # waiting for the client.
        self.deferred_work: collections.deque[Work] = collections.deque()
        self._waiting_work: list[Work] = []
        # RFC 1002 session service framing on TCP 139, or None on Direct TCP.
        self.nbss = NbssFilter(netbios_names) if netbios_names is not None else None
        # Fault injection (smbemu.faults.FaultEngine), or None.
        self.faults = faults
        # Optional observer of the clear text (`--pcap`): called as tap(inbound, message) with every
        # message without its 4-byte length -- for encrypted sessions the decrypted one.
        self.tap: Callable[[bool, bytes], None] | None = None
        # Deadlines (times as the transport gives them).
        self._now = now
        self._connected_at = now
        self._last_activity = now
        self._authenticated = False  # latched: the pre-auth deadline no longer applies
        self._frame_started: float | None = None  # when the bytes of a still partial frame began
        # A fault injection delay: answers held until `_hold_until`, then sent; closing after them.
        self._hold_until: float | None = None
        self._held: list[bytes] = []
        self._close_after_hold = ""

    # ------------------------------------------------------------------ wiring
    def claim(self, protocol_id: bytes, handler: MessageHandler, *, sealed: bool = False) -> None:
        """Hand every message starting with `protocol_id` to `handler` (the last claim wins)."""
        self._families[protocol_id] = handler
        if sealed:
            self._sealed.add(protocol_id)
        else:
            self._sealed.discard(protocol_id)

    def is_authenticated(self) -> bool:
        """Whether a logon completed (lifts the pre-auth frame limit and deadline); dialects say."""
        return False

    def send(self, message: bytes, *, ahead: bool = False) -> None:
        """Queue a message the peer did not just ask for (an async completion); it is sent after
        the answer to the message being processed, or before it when `ahead` (a completion that
        processing caused, e.g. a READ broken by the LOGOFF of its session, which the client
        must see while the session still exists)."""
        framed = _LEN.pack(len(message)) + message
        if ahead:
            self._ahead.append(framed)
        else:
            self._outbox.append(framed)

    def defer(self, work: Work) -> None:
        """Run `work` (one slice per call, returning WORK_MORE, WORK_WAITING or WORK_DONE) on a
        later turn of the transport's event loop; completions it queues with `send` go out then."""
        self.deferred_work.append(work)

    @property
    def has_pending_work(self) -> bool:
        """Deferred work is ready to run: the transport calls `continue_work` on its next turn."""
        return bool(self.deferred_work) and not self.closed and self._hold_until is None

    def continue_work(self, now: float | None = None) -> list[bytes]:
        """Run one slice of each deferred job; returns the frames they produced."""
        if now is not None:
            self._now = now
        if self.closed or self._hold_until is not None:
            return []
        work = self.deferred_work
        for _ in range(len(work)):
            job = work.popleft()
            try:
                state = job()
            except Exception:  # a bug must not take the server down or leak a traceback
                log.exception("internal error in deferred work for %s:%d; closing that connection", *self.peer)
                self.close("internal error")
                return []
            if state == WORK_MORE:
                work.append(job)
            elif state == WORK_WAITING:
                self._waiting_work.append(job)
        out = self._ahead + self._outbox
        self._ahead.clear()
        self._outbox.clear()
        return out

    def close(self, reason: str) -> None:
        """The stream cannot go on: the transport closes after sending what was returned."""
        if self.closed:
            return
        self.closed = True
        self.close_reason = reason
        log.info("closing connection from %s:%d: %s", self.peer[0], self.peer[1], reason)

    # ------------------------------------------------------------------ bytes in
    def receive_data(self, data: bytes, now: float | None = None) -> list[bytes]:
        """Feed bytes from the socket at time `now`; returns frames to write.

        Sets `closed` when the connection must end (after writing what was returned)."""
        if now is not None:
            self._now = now
        if self.closed:
            return []
        self._last_activity = self._now
        if self._waiting_work:  # the client is active again (it may have read what a job waits on)
            self.deferred_work.extend(self._waiting_work)
            self._waiting_work.clear()
        nbss = self.nbss
        reply: list[bytes] = []
        if nbss is not None:
            data, answer = nbss.feed(data)
            if answer:
                reply.append(answer)
            if nbss.closed:
                self.closed = True
                self.close_reason = "netbios session service refused"  # NbssFilter logged why
                return reply
        frames_before = self.frames_received
        if self._hold_until is not None:
            self._buffer += data  # processed once the held answers are sent
            out = reply
        elif data:
            out = self._frames(data)
            if reply:
                out[:0] = reply
        else:
            out = reply
        # Slowloris: the rest of a frame has `frame_timeout` seconds from its first bytes; the
        # deadline moves only when a new frame starts.
        if self._buffer or (nbss is not None and nbss.has_partial_packet):
            if self._frame_started is None or self.frames_received != frames_before:
                self._frame_started = self._now
        else:
            self._frame_started = None
        return out

    @property
    def has_partial_frame(self) -> bool:
        """Bytes of a frame that is not whole yet are buffered."""
        return bool(self._buffer)

    @property
    def holding(self) -> bool:
        """Answers are held by a fault injection delay (the transport may stop reading meanwhile)."""
        return self._hold_until is not None

    def _frames(self, data: bytes) -> list[bytes]:
        """Process every whole frame in what is buffered plus `data`."""
        buffer = self._buffer
        if buffer:
            # Bytes of an unfinished frame are waiting: append, and copy them out only once the
            # first frame is whole (a large frame arriving in many segments is not re-copied).
            buffer += data
            if len(buffer) >= 4 and len(buffer) < 4 + _LEN.unpack_from(buffer, 0)[0] and buffer[0] == 0:
                return []
            data = bytes(buffer)
            buffer.clear()
        # Frames are processed in place, as slices of one memoryview: no copy per frame.
        view = memoryview(data)
        total = len(data)
        offset = 0
        out: list[bytes] = []
        limits = self.limits
        faults = self.faults
        families = self._families
        while total - offset >= 4 and not self.closed and self._hold_until is None:
            if data[offset] != 0:
                # MS-SMB2 2.1: the Direct TCP header is a zero byte and a 24-bit length.
                self.close("not a Direct TCP session message (first byte 0x%02x)" % data[offset])
                break
            length = _LEN.unpack_from(data, offset)[0]
            if length > limits.max_preauth_frame_size and (length > limits.max_frame_size or not self.is_authenticated()):
                limit = limits.max_frame_size if self.is_authenticated() else limits.max_preauth_frame_size
                self.close(f"frame of {length} bytes exceeds the limit of {limit}")
                break
            end = offset + 4 + length
            if end > total:
                break
            message = view[offset + 4 : end]
            offset = end
            self.frames_received += 1
            mark = len(out)
            if faults is not None:  # fault injection: actions belong to the frame that fired them
                faults.pending.clear()
            protocol_id = bytes(message[:4])
            try:
                handler = families.get(protocol_id)
                if handler is None:
                    raise ProtocolViolation(f"unknown protocol id {protocol_id.hex()}")
                tap = self.tap
                if tap is not None and protocol_id not in self._sealed:
                    tap(True, bytes(message))
                response = handler(message)
            except ProtocolViolation as exc:
                self.close(str(exc))
                break
            except Exception:  # a bug must not take the server down or leak a traceback
                log.exception("internal error on a frame from %s:%d; closing that connection", *self.peer)
                self.close("internal error")
                break
            if self._ahead:
                out.extend(self._ahead)
                self._ahead.clear()
            if response:
                if self.tap is not None and protocol_id not in self._sealed:
                    self.tap(False, bytes(response))
                out.append(_LEN.pack(len(response)) + response)
            if self._outbox:
                out.extend(self._outbox)
                self._outbox.clear()
            if faults is not None and faults.pending:  # fault injection (smbemu.faults)
                out[mark:] = self._apply_transport_faults(out[mark:])
        if offset < total and not self.closed:
            buffer += view[offset:]  # the start of the next frame (or frames behind a fault delay)
        if self._hold_until is not None:
            self._held = out
            return []
        return out

    def _apply_transport_faults(self, frames: list[bytes]) -> list[bytes]:
        """Fault injection: delay (hold every answer so far), truncate or drop this frame's answer."""
        assert self.faults is not None
        delay = 0.0
        closing = ""
        for action in self.faults.take_transport_actions():
            if action[0] == "delay":
                delay += float(action[1])
            elif action[0] == "truncate":
                frames = [b"".join(frames)[: action[1]]]
                closing = f"fault injection: answer truncated to {action[1]} bytes"
            elif action[0] == "drop":
                frames = []
                closing = "fault injection: dropped without an answer"
        if delay:
            # Requests behind the delayed one wait (order holds); the close, if any, follows the
            # held answers.
            self._hold_until = self._now + delay
            self._close_after_hold = closing
        elif closing:
            self.close(closing)
        return frames

    # ------------------------------------------------------------------ time
    def get_timer(self) -> float | None:
        """The next moment `handle_timer` must be called (None: never, the connection is closed)."""
        if self.closed:
            return None
        limits = self.limits
        deadline = self._last_activity + limits.idle_timeout
        if not self._authenticated:
            preauth = self._connected_at + limits.preauth_timeout
            if preauth < deadline:
                deadline = preauth
        if self._frame_started is not None:
            frame = self._frame_started + limits.frame_timeout
            if frame < deadline:
                deadline = frame
        if self._hold_until is not None and self._hold_until < deadline:
            deadline = self._hold_until
        return deadline

    def handle_timer(self, now: float) -> list[bytes]:
        """Act on what is due at `now`: send held answers (and process what waited behind them),
        or close on a deadline (`timed_out`). Returns frames to write."""
        self._now = now
        if self.closed:
            return []
        out: list[bytes] = []
        if self._hold_until is not None and now >= self._hold_until:
            out = self.resume()
            if self.closed:
                return out
        limits = self.limits
        if not self._authenticated:
            if self.is_authenticated():
                self._authenticated = True
            elif now >= self._connected_at + limits.preauth_timeout:
                self._expire(f"no session after {limits.preauth_timeout:g} s")
                return out
        if self._frame_started is not None and now >= self._frame_started + limits.frame_timeout:
            self._expire(f"a frame still incomplete after {limits.frame_timeout:g} s (trickled bytes)")
            return out
        if now >= self._last_activity + limits.idle_timeout:
            self._expire(f"idle for {now - self._last_activity:.0f} s")
        return out

    def resume(self) -> list[bytes]:
        """End a fault injection delay now: the held answers, then the answers to the requests
        that arrived behind the delayed one (which may start another delay)."""
        if self._hold_until is None:
            return []
        out, self._held = self._held, []
        self._hold_until = None
        if self._close_after_hold:
            self.close(self._close_after_hold)
            return out
        if self._buffer:
            frames_before = self.frames_received
            out += self._frames(b"")
            if not self._buffer:
                self._frame_started = None
            elif self.frames_received != frames_before:
                self._frame_started = self._now
        return out

    def _expire(self, reason: str) -> None:
        self.timed_out = True
        self.close(reason)

    def connection_lost(self) -> None:
        """The transport is gone."""
        self.deferred_work.clear()
        self._waiting_work.clear()
