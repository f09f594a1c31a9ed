"""The protocol-neutral connection core with a fake clock: framing, the dialect table, deadlines.

No sockets and no sleeping: time is whatever the test passes as `now`, the way the asyncio
transport passes `loop.time()`. The dialect here is a stub that echoes each message back.
"""

from __future__ import annotations

import struct
from typing import Any

from smbemu.config import Limits
from smbemu.core import ConnectionCore

LIMITS = Limits(preauth_timeout=30.0, idle_timeout=900.0, frame_timeout=60.0)
ECHO_ID = b"\xfeTST"


def message(text: bytes) -> bytes:
    return ECHO_ID + text


def frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


class FakeFaults:
    """What the core asks of smbemu.faults.FaultEngine: actions fired by the frame just handled."""

    def __init__(self) -> None:
        self.pending: list[tuple[Any, ...]] = []

    def take_transport_actions(self) -> list[tuple[Any, ...]]:
        actions, self.pending = self.pending, []
        return actions


class EchoCore(ConnectionCore):
    """A core with one dialect family that answers every message with itself; a message whose
    text names a fault action fires it, and "logon" completes an authentication."""

    def __init__(self, limits: Limits = LIMITS, now: float = 0.0, faults: FakeFaults | None = None) -> None:
        super().__init__(limits, ("192.0.2.1", 1234), faults=faults, now=now)
        self.logged_on = False
        self.claim(ECHO_ID, self.echo)

    def echo(self, data: memoryview) -> bytes:
        text = bytes(data[4:])
        if text == b"logon":
            self.logged_on = True
        if self.faults is not None and text.startswith(b"delay"):
            self.faults.pending.append(("delay", float(text[5:])))
        if self.faults is not None and text == b"truncate":
            self.faults.pending.append(("truncate", 6))
        return bytes(data)

    def is_authenticated(self) -> bool:
        return self.logged_on


def texts(frames: list[bytes]) -> list[bytes]:
    out = []
    for data in frames:
        assert struct.unpack(">I", data[:4])[0] == len(data) - 4
        out.append(data[8:])
    return out


# ------------------------------------------------------------------ framing and the table
def test_messages_go_to_the_family_that_claims_their_protocol_id() -> None:
    core = EchoCore()
    assert texts(core.receive_data(frame(message(b"one")) + frame(message(b"two")), 1.0)) == [b"one", b"two"]
    assert core.frames_received == 2 and not core.closed
    assert core.receive_data(frame(b"\xfdXYZ..."), 2.0) == []
    assert core.closed and core.close_reason == "unknown protocol id fd58595a" and not core.timed_out


def test_a_later_claim_replaces_the_family() -> None:
    core = EchoCore()
    core.claim(ECHO_ID, lambda data: b"\xfeTSTother")
    assert texts(core.receive_data(frame(message(b"one")))) == [b"other"]


def test_frames_cut_at_any_byte_are_answered_each_when_whole() -> None:
    stream = b"".join(frame(message(b"m%d" % index)) for index in range(4))
    for piece in (1, 2, 5, 9, 10, 11, len(stream)):
        core = EchoCore()
        answers: list[bytes] = []
        for start in range(0, len(stream), piece):
            answers += core.receive_data(stream[start : start + piece], 1.0)
            fed = min(start + piece, len(stream))
            assert len(answers) == fed // 10  # each frame is 10 bytes, answered as soon as whole
        assert texts(answers) == [b"m0", b"m1", b"m2", b"m3"] and not core.has_partial_frame


def test_frame_size_limits_before_and_after_logon() -> None:
    limits = Limits(max_preauth_frame_size=1024)
    core = EchoCore(limits)
    core.receive_data(frame(message(b"x" * 2000)))
    assert core.closed and core.close_reason == "frame of 2004 bytes exceeds the limit of 1024"
    core = EchoCore(limits)
    core.receive_data(frame(message(b"logon")))
    assert texts(core.receive_data(frame(message(b"x" * 2000)))) == [b"x" * 2000]


def test_messages_sent_outside_an_answer_follow_it() -> None:
    core = EchoCore()
    core.claim(ECHO_ID, lambda data: (core.send(b"\xfeTSTlater"), bytes(data))[1])
    assert texts(core.receive_data(frame(message(b"now")))) == [b"now", b"later"]


# ------------------------------------------------------------------ deadlines
def test_preauth_deadline_is_not_moved_by_activity() -> None:
    core = EchoCore(now=100.0)
    assert core.get_timer() == 130.0
    core.receive_data(frame(message(b"hello")), 110.0)
    core.receive_data(frame(message(b"hello")), 120.0)
    assert core.get_timer() == 130.0
    assert core.handle_timer(129.9) == [] and not core.closed
    core.handle_timer(130.0)
    assert core.closed and core.timed_out and core.close_reason == "no session after 30 s"
    assert core.get_timer() is None


def test_logon_lifts_the_preauth_deadline_then_idle_applies() -> None:
    core = EchoCore(now=0.0)
    core.receive_data(frame(message(b"logon")), 5.0)
    assert core.get_timer() == 30.0  # still armed: the check at its moment finds the logon
    assert core.handle_timer(30.0) == [] and not core.closed
    assert core.get_timer() == 905.0  # idle, from the last bytes received
    core.receive_data(frame(message(b"ping")), 400.0)
    assert core.get_timer() == 1300.0
    core.handle_timer(1299.0)
    assert not core.closed
    core.handle_timer(1300.0)
    assert core.closed and core.timed_out and core.close_reason == "idle for 900 s"


def test_frame_deadline_starts_with_a_frame_and_is_not_moved_by_trickled_bytes() -> None:
    core = EchoCore(now=0.0)
    core.receive_data(frame(message(b"logon")), 1.0)
    core.handle_timer(30.0)  # the pre-auth deadline is gone
    data = frame(message(b"slowly"))
    core.receive_data(data[:3], 40.0)  # even the length prefix cut short starts the clock
    assert core.has_partial_frame and core.get_timer() == 100.0
    for index, byte in enumerate(data[3:-1]):
        core.receive_data(bytes([byte]), 41.0 + index)
    assert core.get_timer() == 100.0  # each byte is activity, but the frame's deadline holds
    # The frame completes and the next one starts: the deadline is the new frame's.
    assert texts(core.receive_data(data[-1:] + data[:5], 90.0)) == [b"slowly"]
    assert core.get_timer() == 150.0
    core.handle_timer(150.0)
    assert core.closed and core.timed_out
    assert core.close_reason == "a frame still incomplete after 60 s (trickled bytes)"


def test_a_whole_frame_clears_the_frame_deadline() -> None:
    core = EchoCore(now=0.0)
    core.receive_data(frame(message(b"logon")), 1.0)
    core.handle_timer(30.0)
    data = frame(message(b"x"))
    core.receive_data(data[:4], 40.0)
    core.receive_data(data[4:], 41.0)
    assert not core.has_partial_frame and core.get_timer() == 941.0


# ------------------------------------------------------------------ fault injection delay
def test_fault_delay_holds_the_answers_and_what_arrives_behind() -> None:
    faults = FakeFaults()
    core = EchoCore(now=0.0, faults=faults)
    stream = frame(message(b"first")) + frame(message(b"delay2.5")) + frame(message(b"behind"))
    assert core.receive_data(stream, 10.0) == []
    assert core.holding and core.get_timer() == 12.5
    assert core.receive_data(frame(message(b"later")), 11.0) == []  # read, not processed
    assert core.handle_timer(12.4) == [] and core.holding
    assert texts(core.handle_timer(12.5)) == [b"first", b"delay2.5", b"behind", b"later"]
    assert not core.holding and not core.closed and not core.has_partial_frame


def test_resume_ends_a_delay_at_once() -> None:
    core = EchoCore(now=0.0, faults=FakeFaults())
    assert core.receive_data(frame(message(b"delay60")) + frame(message(b"next")), 1.0) == []
    assert texts(core.resume()) == [b"delay60", b"next"]
    assert core.resume() == [] and not core.holding


def test_a_delay_behind_a_delay_holds_again() -> None:
    core = EchoCore(now=0.0, faults=FakeFaults())
    assert core.receive_data(frame(message(b"delay1")) + frame(message(b"delay2")) + frame(message(b"x")), 0.0) == []
    assert texts(core.handle_timer(1.0)) == [b"delay1"]
    assert core.holding and core.get_timer() == 3.0
    assert texts(core.handle_timer(3.0)) == [b"delay2", b"x"]


def test_delayed_then_truncated_closes_after_the_held_answer() -> None:
    core = EchoCore(now=0.0, faults=FakeFaults())
    core.claim(ECHO_ID, lambda data: (core.faults.pending.extend([("delay", 1.0), ("truncate", 6)]), bytes(data))[1])
    assert core.receive_data(frame(message(b"answer")), 0.0) == [] and not core.closed
    (cut,) = core.handle_timer(1.0)
    assert cut == frame(message(b"answer"))[:6] and core.closed and not core.timed_out
    assert "truncated to 6 bytes" in core.close_reason


# ------------------------------------------------------------------ NetBIOS session service (TCP 139)
class NbssEchoCore(EchoCore):
    def __init__(self) -> None:
        ConnectionCore.__init__(self, LIMITS, ("192.0.2.1", 1234), now=0.0, netbios_names={"LEGACYSRV"})
        self.logged_on = False
        self.claim(ECHO_ID, self.echo)


def session_request(called: str) -> bytes:
    from smbemu.netbios import encode_name

    body = encode_name(called, 0x20) + encode_name("CLIENT", 0)
    return bytes([0x81, 0, 0, len(body)]) + body


def test_netbios_session_request_then_messages_as_on_direct_tcp() -> None:
    core = NbssEchoCore()
    keep_alive = b"\x85\x00\x00\x00"
    out = core.receive_data(session_request("LEGACYSRV") + keep_alive + frame(message(b"hi")), 1.0)
    assert out[0] == b"\x82\x00\x00\x00" and texts(out[1:]) == [b"hi"]


def test_netbios_partial_packet_starts_the_frame_deadline() -> None:
    core = NbssEchoCore()
    core.receive_data(session_request("LEGACYSRV") + frame(message(b"logon")), 1.0)
    core.handle_timer(30.0)  # the pre-auth deadline is gone
    assert core.receive_data(b"\x00\x00", 40.0) == []  # half a session message header
    assert not core.has_partial_frame and core.get_timer() == 100.0


def test_netbios_called_name_not_present_closes() -> None:
    core = NbssEchoCore()
    out = core.receive_data(session_request("SOMEONE") + frame(message(b"hi")), 1.0)
    assert out == [b"\x83\x00\x00\x01\x82"] and core.closed and not core.timed_out
