"""A pipe write processed in slices, answers bounded while they are produced, and the memory a
client makes pipes hold charged to its connection and to the server (issue 14 items 1 and 3)."""

from __future__ import annotations

import types

from smbemu.config import Limits
from smbemu.core import WORK_DONE, WORK_MORE, WORK_WAITING, ConnectionCore
from smbemu.rpc.endpoint import RpcEndpoint
from smbemu.rpc.pdu import PFC_FIRST_FRAG, Fault
from smbemu.rpc.pdu.budget import ServerBudget
from smbemu.rpc.pdu.sliced_input import SLICE_CALLS, SLICE_PDUS
from smbemu.status import FAULT_ACCESS_DENIED

H = types.SimpleNamespace
PEER = ("192.0.2.1", 50000)


def _echo_requests(h: H, count: int) -> bytes:
    stub = h.toy_op(0).encode_request({"Text": "x"})
    return b"".join(h.request_pdu(i + 2, 0, 0, stub) for i in range(count))


def test_a_large_write_is_processed_in_slices(endpoint: RpcEndpoint, h: H) -> None:
    h.bind_toy(endpoint)
    endpoint.write(_echo_requests(h, 1000))
    # the write itself ran one slice: SLICE_CALLS calls, the rest waits
    assert endpoint.stats.calls_in == SLICE_CALLS and endpoint.backlog
    slices = 1
    while endpoint.backlog:
        endpoint.pump()
        slices += 1
    assert not endpoint.backlog and endpoint.stats.calls_in == 1000
    assert slices == -(-1000 // SLICE_CALLS)
    assert len(h.drain(endpoint)) == 1000  # every answer, in order, nothing lost


def test_pdus_without_calls_are_sliced_too(endpoint: RpcEndpoint, h: H) -> None:
    h.bind_toy(endpoint)
    stub = h.toy_op(0).encode_request({"Text": "x"})
    # fragments of one call that never ends: PDUs without a call or an answer are counted too
    first = h.request_pdu(2, 0, 0, stub, flags=PFC_FIRST_FRAG, alloc_hint=0)
    middle = h.request_pdu(2, 0, 0, stub, flags=0, alloc_hint=0)
    endpoint.write(first + middle * (3 * SLICE_PDUS))
    assert endpoint.backlog and endpoint.stats.pkts_in == 1 + SLICE_PDUS  # bind + one slice


def test_answers_stop_at_the_output_limit_until_they_are_read(endpoint: RpcEndpoint, h: H) -> None:
    h.bind_toy(endpoint)
    endpoint.output_limit = 500
    endpoint.write(_echo_requests(h, 200))
    assert endpoint.backlog and endpoint.output_full
    calls = endpoint.stats.calls_in
    assert calls < SLICE_CALLS  # stopped at the limit, not at the end of the slice
    assert not endpoint.pump() and endpoint.stats.calls_in == calls  # waits for the client
    assert endpoint.queued_bytes < 500 + 100  # at most one answer beyond the limit
    h.drain(endpoint)
    endpoint.pump()
    assert endpoint.stats.calls_in > calls  # reading lets it go on


def test_unfinished_fragments_are_charged_to_the_connection(registry: object, factory: object,
                                                            h: H) -> None:
    budget = ServerBudget(limit=1 << 30, per_connection=64 * 1024)
    stub = bytes(4000)
    pipes = []
    faults = 0
    for _ in range(40):  # 40 pipes x 16 KiB of fragments, more than the connection's 64 KiB
        ep = RpcEndpoint("toy", registry, factory)  # type: ignore[arg-type]
        ep.budget = budget.connection(PEER)
        h.bind_toy(ep)
        ep.write(h.request_pdu(2, 0, 0, stub, flags=PFC_FIRST_FRAG, alloc_hint=0)
                 + h.request_pdu(2, 0, 0, stub, flags=0, alloc_hint=0) * 3)
        answers = h.drain(ep)
        if answers:
            assert isinstance(answers[0].body, Fault) and answers[0].body.status == FAULT_ACCESS_DENIED
            assert ep.terminated
            faults += 1
        pipes.append(ep)
    assert budget.held_by(PEER) <= 64 * 1024 and faults >= 40 - 64 * 1024 // 16000
    for ep in pipes:
        ep.close()
    assert budget.held_by(PEER) == 0 and budget.used == 0  # closing gives everything back


def test_the_server_budget_bounds_every_connection_together() -> None:
    budget = ServerBudget(limit=100, per_connection=60)
    assert budget.take(("a", 1), 60) and not budget.take(("a", 1), 1)
    assert not budget.take(("b", 1), 41) and budget.take(("b", 1), 40)
    budget.give(("a", 1), 60)
    assert budget.held_by(("a", 1)) == 0 and budget.take(("c", 1), 60)


def test_the_core_runs_one_slice_of_each_job_per_turn() -> None:
    core = ConnectionCore(Limits())
    runs: list[str] = []
    left = {"a": 3, "b": 1}

    def job(name: str) -> object:
        def run() -> int:
            runs.append(name)
            left[name] -= 1
            return WORK_MORE if left[name] else WORK_DONE
        return run

    core.defer(job("a"))  # type: ignore[arg-type]
    core.defer(job("b"))  # type: ignore[arg-type]
    turns = 0
    while core.has_pending_work:
        core.continue_work(0.0)
        turns += 1
    assert runs == ["a", "b", "a", "a"] and turns == 3


def test_a_job_waiting_for_its_client_resumes_when_the_client_sends() -> None:
    core = ConnectionCore(Limits())
    states = [WORK_WAITING, WORK_DONE]
    core.defer(lambda: states.pop(0))
    core.continue_work(0.0)
    assert not core.has_pending_work  # set aside: no busy loop while the client does not read
    core.receive_data(b"", 1.0)
    assert core.has_pending_work
    core.continue_work(1.0)
    assert not core.has_pending_work and not states
