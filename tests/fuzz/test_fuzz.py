"""Fuzz the sans-I/O `Connection` (SMB2 and SMB1) and the DCE/RPC endpoint with mutated real traffic.

Seeds are recorded client conversations (`seeds/*.hex`, see `record_seeds.py`; `smb1-*` are
clients forced to NT LM 0.12). Each example picks a seed, mutates some of its frames (byte flips,
truncation, length-prefix and header-field changes, inserted/dropped/duplicated/spliced frames,
SMB1 WordCount/ByteCount/AndX fields, DCE/RPC PDU fields inside WRITE/IOCTL/WRITE_ANDX/
TRANSACTION), replays it into a fresh `Connection` and asserts: nothing escapes `receive_data`,
smbemu logs no internal error, every returned frame is well formed (length prefix, SMB2 header
and message ids, or the SMB1 checks of `smb1_frames`; DCE/RPC PDUs), and a clean session of the
same dialect afterwards on the same server gets exactly what it gets on an untouched one.

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

import smb1_frames  # noqa: E402
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
CLEAN_SMB1 = "smb1-impacket-anon-1"  # the same over NT LM 0.12, then a SAMR domain enumeration
CLEAN_SIGNED = "smb1-signed-impacket-user-1"  # alice over NT LM 0.12, every message signed
BASE: Any = build_config("win2000")
INTERESTING = (0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0xFFFFFFFF)
HEADER_FIELDS = ((4, 2), (6, 2), (8, 4), (12, 2), (14, 2), (16, 4), (20, 4), (24, 8), (32, 4), (36, 4), (40, 8))
RPC_FIELDS = ((0, 1), (1, 1), (2, 1), (3, 1), (4, 1), (8, 2), (10, 2), (12, 4), (16, 4), (20, 2), (22, 2), (24, 4))
STATS = {"conversations": 0, "frames": 0, "pdus": 0}


_ACCOUNT_STATES = copy.deepcopy(BASE.directory._states)


# The server of the `smb1-signed-*` seeds: win2000 requiring signing (record_seeds.SIGNED_OVERRIDES).
SIGNED_PROFILE: Any = build_config("win2000", overrides=["signing_required=true"]).profile


def fresh_config(seed: str = "") -> ServerConfig:
    """A new server (its own sessions) with the fixture's account state as loaded: the lockout
    counters the replayed (failing) user logons raise must not carry over to the next example.
    `seed`: the seed it will replay (a signed one gets the server that requires signing)."""
    BASE.directory._states = copy.deepcopy(_ACCOUNT_STATES)
    profile = SIGNED_PROFILE if seed.startswith("smb1-signed-") else BASE.profile
    return ServerConfig(profile=profile, directory=BASE.directory, pipes=BASE.pipes)


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
    if kind in ("header", "body", "rpc") and smb1_frames.is_smb1(frame[4:8]):
        return apply_smb1(kind, pos, value, data)
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


def apply_smb1(kind: str, pos: int, value: int, data: bytearray) -> bytes:
    """The "header", "body" and "rpc" mutations of an SMB1 frame (fields of MS-CIFS 2.2.3)."""
    if kind == "header":
        smb1_frames.mutate_header(data, value, INTERESTING)
    elif kind == "body":
        smb1_frames.mutate_body(data, pos, value, INTERESTING)
    else:
        span = smb1_frames.pipe_data_span(bytes(data))
        if span is not None:
            start, end = span
            if value % 3 == 0:
                offset, size = RPC_FIELDS[pos % len(RPC_FIELDS)]
                _put(data, start + offset, size, INTERESTING[(value // 3) % len(INTERESTING)])
            elif value % 3 == 1:
                data[start + pos % (end - start)] ^= 1 << (value % 8)
            else:  # cut the PDU short inside its message (the counts unchanged)
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


_BASELINE: dict[str, list[tuple[int, int]]] = {}


def clean_baseline(name: str = CLEAN) -> list[tuple[int, int]]:
    if name not in _BASELINE:
        _BASELINE[name] = signature(replay(fresh_config(name), SEEDS[name]))
    return list(_BASELINE[name])


# ---------------------------------------------------------------- the tests
def test_seeds_replay_cleanly() -> None:
    """Unmutated seeds replay as the real client ran them (proves the id rewriting works): the
    anonymous ones, and the SMB1 users' (recorded under harness.fixed_ntlm_challenge)."""
    with ErrorLog() as errors:
        for name, frames in SEEDS.items():
            result = replay(fresh_config(name), frames)
            errors.check()
            assert not result.closed, name
            if name.startswith("smb1-"):
                assert all(command & smb1_frames.SMB1 for command, _ in signature(result)), name
                # Every SMB1 client gets as far as a pipe answer (TransactNmPipe or READ_ANDX): the
                # users' too, recorded and replayed with one NTLM challenge (harness.fixed_ntlm_challenge).
                pipe_answers = (smb1_frames.TRANSACTION, smb1_frames.READ_ANDX)
                answered = {(smb1_frames.SMB1 | command, 0) for command in pipe_answers}
                assert answered & set(signature(result)), (name, signature(result))
                # A signed seed's requests verify on the replay's server (one challenge, one key).
                assert all(status != 0xC0000022 for _, status in signature(result)), name
            elif "anon" in name or name.startswith(("smbclient", "rpcclient-")) and "user" not in name:
                assert (11, 0) in signature(result) or (8, 0) in signature(result), (name, signature(result))
    assert len(SEEDS) >= 8
    assert len([name for name in SEEDS if name.startswith("smb1-")]) >= 5


@settings_for(1500)
@given(conversations())
def test_mutated_conversations(case: tuple[str, list[bytes], dict[int, list[Any]], int]) -> None:
    name, frames, mutations, chunk = case

    def mutate(index: int, frame: bytes) -> bytes:
        for op in mutations.get(index, ()):
            frame = apply(op, frame)
        return frame

    config = fresh_config(name)
    with ErrorLog() as errors:
        result = replay(config, frames, mutate, chunk)
        errors.check()
        STATS["conversations"] += 1
        STATS["frames"] += result.frames_in
        # Nothing of the fuzzed connection survives it, and the next client is served as usual.
        assert not config.sessions, "sessions outlived their connection"
        clean = (CLEAN_SIGNED if name.startswith("smb1-signed-") else CLEAN_SMB1) if name.startswith("smb1-") else CLEAN
        assert signature(replay(config, SEEDS[clean])) == clean_baseline(clean)
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


def test_the_smb1_checks_catch_malformed_responses() -> None:
    """The SMB1 response checks are not vacuous: real answers pass, each kind of damage fails."""
    from smbemu.connection import Connection

    conn = Connection(fresh_config(), ("127.0.0.1", 40000))
    sent: dict[int, list[smb1_frames.Sent]] = {}
    answers, views = [], []  # each answer, and what had been sent when it came
    for frame in SEEDS[CLEAN_SMB1][:4]:  # NEGOTIATE, SESSION_SETUP_ANDX x2, TREE_CONNECT_ANDX
        request = smb1_frames.sent_request(frame[4:])
        assert request is not None
        sent.setdefault(request[0], []).append(request[1])
        (out,) = conn.receive_data(frame)
        answers.append(bytes(out[4:]))
        views.append({mid: list(requests) for mid, requests in sent.items()})
    assert [answer[4] for answer in answers] == [0x72, 0x73, 0x73, 0x75]
    for answer, view in zip(answers, views):
        smb1_frames.check_response(answer, view)
    negotiate, more_processing, _, tree = answers

    def damaged(message: bytes, at: int, value: bytes) -> bytes:
        return message[:at] + value + message[at + len(value) :]

    broken = [
        (damaged(tree, 9, bytes([tree[9] & ~0x80])), 3),  # no SMB_FLAGS_REPLY
        (damaged(tree, 30, b"\x77\x77"), 3),  # a MID never sent
        (damaged(tree, 4, b"\x72"), 3),  # a NEGOTIATE answer to a TREE_CONNECT_ANDX
        (damaged(tree, 10, bytes([tree[10], tree[11] & ~0x40])), 3),  # DOS form where NT status was asked
        (damaged(negotiate, 33 + 2 * negotiate[32], b"\xff\x7f"), 0),  # ByteCount past the end
        (damaged(tree, 32, b"\x7f"), 3),  # WordCount past the end
        (damaged(tree, 33, b"\x75\x00\x20\x00"), 3),  # AndXOffset pointing back into the header
        (damaged(tree, 5, b"\x22\x00\x00\xc0"), 3),  # STATUS_ACCESS_DENIED with a body
        (damaged(more_processing, 5, b"\x0d\x00\x00\xc0"), 1),  # STATUS_INVALID_PARAMETER with a body
    ]
    for message, when in broken:
        with pytest.raises(smb1_frames.Malformed):
            smb1_frames.check_response(message, views[when])
    dos = {mid: [smb1_frames.Sent(r.command, False, r.rpc) for r in requests] for mid, requests in views[3].items()}
    no_nt = damaged(tree, 10, bytes([tree[10], tree[11] & ~0x40]))
    smb1_frames.check_response(no_nt, dos)  # the DOS form, asked for: fine
    for status in (b"\x02\x00\x06\x00",  # ERRSRV/ERRinvnetname with a body
                   b"\x01\x01\x00\x00",  # the reserved byte set
                   b"\x00\x00\x06\x00"):  # class SUCCESS with a code
        with pytest.raises(smb1_frames.Malformed):
            smb1_frames.check_response(damaged(no_nt, 5, status), dos)


def test_smb1_requests_that_ask_for_memory_get_a_bounded_amount() -> None:
    """No unbounded memory over SMB1: one connection asks for 1,500 pipe opens, 300
    transactions announcing 64 KiB of parameters and data each (kept for their secondaries), and
    300 reads on an empty pipe (kept until data comes). The server keeps what the limits allow
    (max_opens_per_session; MaxMpxCount and max_outstanding_requests for the rest), refuses the
    others with STATUS_INSUFFICIENT_RESOURCES, and stays within a few MiB; a clean SMB1 session
    afterwards on the same server gets exactly what it gets on an untouched one."""
    import tracemalloc

    def with_mid(frame: bytes, mid: int) -> bytes:
        data = bytearray(frame)
        struct.pack_into("<H", data, 4 + 30, mid)
        return bytes(data)

    conversation = SEEDS["smb1-rpcclient-srvinfo-1"]  # NEGOTIATE .. NT_CREATE_ANDX \srvsvc, TRANSACTION
    assert [frame[8] for frame in conversation[:6]] == [0x72, 0x73, 0x73, 0x75, 0xA2, 0x25]
    transaction = bytearray(conversation[5])
    struct.pack_into("<HH", transaction, 4 + 33, 0xFFFF, 0xFFFF)  # TotalParameterCount, TotalDataCount
    read = next(frame for frame in SEEDS[CLEAN_SMB1] if frame[8] == smb1_frames.READ_ANDX)  # FID 0x4000
    frames = list(conversation[:5])
    frames += [with_mid(conversation[4], 1000 + n) for n in range(1500)]
    frames += [with_mid(bytes(transaction), 3000 + n) for n in range(300)]
    frames += [with_mid(read, 4000 + n) for n in range(300)]
    config = fresh_config()
    bound = min(config.limits.max_outstanding_requests, config.profile.smb1.max_mpx_count)
    tracemalloc.start()
    try:
        with ErrorLog() as errors:
            result = replay(config, frames)
            errors.check()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    answers = signature(result)
    refused = 0xC000009A  # STATUS_INSUFFICIENT_RESOURCES
    create, trans, read_andx = (smb1_frames.SMB1 | c for c in (smb1_frames.NT_CREATE_ANDX, smb1_frames.TRANSACTION,
                                                                smb1_frames.READ_ANDX))
    assert answers.count((create, 0)) == config.limits.max_opens_per_session
    assert answers.count((create, refused)) == 1501 - config.limits.max_opens_per_session
    assert answers.count((trans, 0)) == bound and answers.count((trans, refused)) == 300 - bound  # interim answers
    assert answers.count((read_andx, refused)) == 300 - bound and (read_andx, 0) not in answers  # the rest wait
    assert not result.closed and peak < 32 * 1024 * 1024, peak
    assert signature(replay(config, SEEDS[CLEAN_SMB1])) == clean_baseline(CLEAN_SMB1)
