"""Fuzz the sans-I/O SMB2 `Connection` and the DCE/RPC endpoint with mutated real traffic.

Seeds are recorded client conversations (`seeds/*.hex`, see `record_seeds.py`). Each example picks
a seed, mutates some of its frames (byte flips, truncation, length-prefix and header-field changes,
inserted/dropped/duplicated/spliced frames, DCE/RPC PDU fields inside WRITE/IOCTL), replays it into
a fresh `Connection` and asserts: nothing escapes `receive_data`, smbemu logs no internal error,
every returned frame is well formed (length prefix, SMB2 header, message ids, DCE/RPC PDUs), and a
clean session afterwards on the same server gets exactly what it gets on an untouched one.

The bounded run in the suite is derandomized (reproducible). A long run:

    SMBEMU_FUZZ_EXAMPLES=100000 .venv/bin/python -m pytest tests/fuzz -q
"""

from __future__ import annotations

import copy
import os
import struct
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    ErrorLog,
    check_rpc,
    load_seeds,
    messages,
    pipe_payloads,
    replay,
    signature,
)

# helpers.build_config: a pre-Vista profile also offers SMB 2.0.2 (the SMB2 lab convenience).
from helpers import build_config  # noqa: E402
from smbemu.config import ServerConfig  # noqa: E402
from smbemu.principal import ANONYMOUS  # noqa: E402
from smbemu.rpc.endpoint import RpcEndpoint  # noqa: E402
from smbemu.rpc.interface import make_context_factory  # noqa: E402

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("SMBEMU_FUZZ_EXAMPLES", "0"))
SEEDS = load_seeds()
SEED_NAMES = sorted(SEEDS)
CLEAN = "smbclient-L-1"  # an anonymous session: negotiate, setup, IPC$, srvsvc, NetrShareEnum
BASE: Any = build_config("win2000")
INTERESTING = (0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0xFFFFFFFF)
HEADER_FIELDS = ((4, 2), (6, 2), (8, 4), (12, 2), (14, 2), (16, 4), (20, 4), (24, 8), (32, 4), (36, 4), (40, 8))
RPC_FIELDS = ((0, 1), (1, 1), (2, 1), (3, 1), (4, 1), (8, 2), (10, 2), (12, 4), (16, 4), (20, 2), (22, 2), (24, 4))
STATS = {"conversations": 0, "frames": 0, "pdus": 0}


_ACCOUNT_STATES = copy.deepcopy(BASE.directory._states)


def fresh_config() -> ServerConfig:
    """A new server (its own sessions) with the fixture's account state as loaded: the lockout
    counters the replayed (failing) user logons raise must not carry over to the next example."""
    BASE.directory._states = copy.deepcopy(_ACCOUNT_STATES)
    return ServerConfig(profile=BASE.profile, directory=BASE.directory, pipes=BASE.pipes)


def settings_for(default: int) -> settings:
    return settings(max_examples=EXAMPLES or default, deadline=None, derandomize=not EXAMPLES,
                    database=None, suppress_health_check=list(HealthCheck), print_blob=True)


# ---------------------------------------------------------------- mutations
def _pipe_data_span(data: bytes) -> tuple[int, int] | None:
    """Where WRITE data / IOCTL input of the first message sits in a frame (absolute offsets)."""
    payload = data[4:]
    for start, end in messages(payload):
        command = struct.unpack_from("<H", payload, start + 12)[0]
        if command == 9 and end - start >= 64 + 16:
            data_offset, length = struct.unpack_from("<HI", payload, start + 64 + 2)
        elif command == 11 and end - start >= 64 + 56:
            data_offset, length = struct.unpack_from("<II", payload, start + 64 + 24)
        else:
            continue
        if length and start + data_offset + length <= len(payload):
            return 4 + start + data_offset, 4 + start + data_offset + length
    return None


def _put(data: bytearray, at: int, size: int, value: int) -> None:
    if at + size <= len(data):
        data[at : at + size] = (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")


def apply(op: tuple[str, int, int, bytes], frame: bytes) -> bytes:
    kind, pos, value, blob = op
    data = bytearray(frame)
    if not data:
        return frame
    if kind == "flip":
        data[pos % len(data)] ^= 1 << (value % 8)
    elif kind == "byte":
        data[pos % len(data)] = value & 0xFF
    elif kind == "truncate":
        del data[pos % len(data) :]
    elif kind == "length":  # the Direct TCP length prefix, left inconsistent with the payload
        data[:4] = struct.pack(">I", value & 0x00FFFFFF)
    elif kind == "insert":
        at = pos % len(data)
        data[at:at] = blob
        data[:4] = struct.pack(">I", max(0, len(data) - 4))
    elif kind in ("header", "body"):
        spans = messages(bytes(data[4:]))
        if spans:
            start, end = spans[pos % len(spans)]
            if kind == "header":
                offset, size = HEADER_FIELDS[value % len(HEADER_FIELDS)]
                _put(data, 4 + start + offset, size, INTERESTING[(value // 16) % len(INTERESTING)] ^ (value >> 8))
            elif end - start > 64:
                offset = (value >> 4) % (end - start - 64)
                size = (1, 2, 4, 8)[value % 4]
                _put(data, 4 + start + 64 + offset, size, INTERESTING[(value >> 2) % len(INTERESTING)])
    elif kind == "rpc":
        span = _pipe_data_span(bytes(data))
        if span is not None:
            start, end = span
            if value % 3 == 0:
                offset, size = RPC_FIELDS[pos % len(RPC_FIELDS)]
                _put(data, start + offset, size, INTERESTING[(value // 3) % len(INTERESTING)])
            elif value % 3 == 1 and end - start > 0:
                data[start + pos % (end - start)] ^= 1 << (value % 8)
            else:  # cut the PDU short inside its SMB2 message (lengths unchanged)
                del data[start + pos % (end - start) : end]
                data[:4] = struct.pack(">I", len(data) - 4)
    return bytes(data)


ops = st.tuples(
    st.sampled_from(("flip", "byte", "truncate", "length", "insert", "header", "body", "rpc", "rpc", "header")),
    st.integers(0, 1 << 16),
    st.integers(0, 1 << 24),
    st.binary(max_size=16),
)
frame_edits = st.tuples(st.sampled_from(("none", "drop", "dup", "splice")), st.integers(0, 64), st.integers(0, 64))


@st.composite
def conversations(draw: Any) -> tuple[str, list[bytes], dict[int, list[Any]], int]:
    name = draw(st.sampled_from(SEED_NAMES))
    frames = list(SEEDS[name])
    for edit, a, b in draw(st.lists(frame_edits, max_size=2)):
        if edit == "drop" and len(frames) > 1:
            del frames[a % len(frames)]
        elif edit == "dup":
            frames.insert(a % len(frames), frames[b % len(frames)])
        elif edit == "splice":
            other = SEEDS[SEED_NAMES[b % len(SEED_NAMES)]]
            frames.insert(a % (len(frames) + 1), other[b % len(other)])
    mutations: dict[int, list[Any]] = {}
    for index, op in draw(st.lists(st.tuples(st.integers(0, 63), ops), min_size=1, max_size=4)):
        mutations.setdefault(index % len(frames), []).append(op)
    chunk = draw(st.sampled_from((0, 0, 0, 1, 7, 100)))
    return name, frames, mutations, chunk


_BASELINE: list[Any] = []


def clean_baseline() -> list[tuple[int, int]]:
    if not _BASELINE:
        _BASELINE.append(signature(replay(fresh_config(), SEEDS[CLEAN])))
    return list(_BASELINE[0])


# ---------------------------------------------------------------- the tests
def test_seeds_replay_cleanly() -> None:
    """Unmutated anonymous seeds replay as the real client ran them (proves the id rewriting works)."""
    with ErrorLog() as errors:
        for name, frames in SEEDS.items():
            result = replay(fresh_config(), frames)
            errors.check()
            assert not result.closed, name
            if "anon" in name or name.startswith(("smbclient", "rpcclient-")) and "user" not in name:
                assert (11, 0) in signature(result) or (8, 0) in signature(result), (name, signature(result))
    assert len(SEEDS) >= 8


@settings_for(1500)
@given(conversations())
def test_mutated_conversations(case: tuple[str, list[bytes], dict[int, list[Any]], int]) -> None:
    _name, frames, mutations, chunk = case

    def mutate(index: int, frame: bytes) -> bytes:
        for op in mutations.get(index, ()):
            frame = apply(op, frame)
        return frame

    config = fresh_config()
    with ErrorLog() as errors:
        result = replay(config, frames, mutate, chunk)
        errors.check()
        STATS["conversations"] += 1
        STATS["frames"] += result.frames_in
        # Nothing of the fuzzed connection survives it, and the next client is served as usual.
        assert not config.sessions, "sessions outlived their connection"
        assert signature(replay(config, SEEDS[CLEAN])) == clean_baseline()
        errors.check()


def _endpoint(pipe: str, config: ServerConfig) -> RpcEndpoint:
    return RpcEndpoint(pipe, config.pipes, make_context_factory(ANONYMOUS, 0x1001, config))


def _pipe_for(bind: bytes) -> str:
    import uuid

    if len(bind) >= 52:
        wanted = uuid.UUID(bytes_le=bind[32:48])
        for iface in BASE.pipes:
            if iface.uuid == wanted and iface.pipes:
                return str(iface.pipes[0])
    return "srvsvc"


RPC_SEEDS = [(name, pipe_payloads(frames)) for name, frames in SEEDS.items() if pipe_payloads(frames)]


@settings_for(2000)
@given(
    st.sampled_from(range(len(RPC_SEEDS))),
    st.lists(st.tuples(st.integers(0, 31), st.integers(0, 1 << 16), st.integers(0, 1 << 16), st.binary(max_size=8)),
             min_size=1, max_size=4),
    st.sampled_from((0, 1, 5, 4280)),
)
def test_mutated_rpc_pdus(seed: int, edits: list[tuple[int, int, int, bytes]], read_size: int) -> None:
    """The RPC endpoint alone, fed mutated PDUs: every reply is a whole, parseable PDU."""
    _name, pdus = RPC_SEEDS[seed]
    pdus = list(pdus)
    for index, pos, value, blob in edits:
        i = index % len(pdus)
        data = bytearray(pdus[i])
        if not data:
            continue
        kind = value % 5
        if kind == 0:
            offset, size = RPC_FIELDS[pos % len(RPC_FIELDS)]
            _put(data, offset, size, INTERESTING[(value >> 3) % len(INTERESTING)])
        elif kind == 1:
            data[pos % len(data)] ^= 1 << (value % 8)
        elif kind == 2:
            del data[max(1, pos % len(data)) :]
        elif kind == 3:
            at = pos % len(data)
            data[at:at] = blob
            _put(data, 8, 2, len(data))  # keep frag_length consistent: the stub is what changes
        else:
            _put(data, 16 + 8 + (pos % 4) * 2, 2, value)  # request alloc_hint/context id/opnum
        pdus[i] = bytes(data)
    config = fresh_config()
    endpoint = _endpoint(_pipe_for(pdus[0]), config)
    with ErrorLog() as errors:
        for pdu in pdus:
            endpoint.write(pdu)
            STATS["pdus"] += 1
            while endpoint.has_output():
                message = b""
                while True:
                    chunk, more = endpoint.read(read_size or 1 << 20)
                    message += chunk
                    if not more:
                        break
                check_rpc(message)
            if endpoint.terminated:
                break
        endpoint.close()
        errors.check()


@pytest.fixture(scope="module", autouse=True)
def report_counts() -> Any:
    yield
    sys.stderr.write(f"\nfuzz: {STATS['conversations']} conversations ({STATS['frames']} frames), "
                     f"{STATS['pdus']} RPC PDUs\n")
