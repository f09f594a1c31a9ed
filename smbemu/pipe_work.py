"""Writing to a pipe's DCE/RPC endpoint from any dialect, with the work bounded per turn.

SMB2 WRITE and FSCTL_PIPE_TRANSCEIVE, SMB1 WRITE_ANDX and the TRANSACTION pipe writes all come
here (issue 14: one client must not freeze, fill or exhaust the server):

- answers already waiting: more than ``--max-pipe-output`` bytes unread refuse the write
  (`smbemu.ipc.check_pipe_output`); while the write's own answers are produced the endpoint stops
  at that bound too (`smbemu.rpc.pdu.sliced_input`), so the queue stays bounded at all times;
- memory: what the endpoint holds for its client (unprocessed PDUs, a request's fragments) is
  charged to its connection's and the server's budgets (`--max-reassembly-per-connection`,
  `--max-reassembly-memory`, `smbemu.rpc.pdu.budget`); a write that does not fit is refused
  with STATUS_INSUFFICIENT_RESOURCES and nothing is written, like a full output queue;
- time: the endpoint processes one slice of the write at once; the rest is deferred to later
  turns of the event loop (`ConnectionCore.defer`), each completing the reads it can.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from smbemu.core import WORK_DONE, WORK_MORE, WORK_WAITING
from smbemu.errors import SmbStatusError
from smbemu.ipc import check_pipe_output
from smbemu.rpc.pdu.budget import ServerBudget
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.pipeio import PipeReads
    from smbemu.state import Open

__all__ = ["write_pipe", "server_budget", "DeferredWork"]

#: MS-RPCE 3.3.3.5.4: the largest fragment on a named pipe (smbemu.rpc.endpoint.SMB_MAX_FRAG).
_ONE_FRAGMENT = 4280


class DeferredWork(Protocol):
    """The part of the connection core (`smbemu.core.ConnectionCore`) a command handler may use:
    queue a job for later turns of the event loop."""

    def defer(self, work: Callable[[], int]) -> None: ...


class PipeConnection(Protocol):
    """What both dialects' engines offer this module."""

    config: ServerConfig
    peer: tuple[str, int]

    @property
    def core(self) -> DeferredWork: ...

    @property
    def pipe_reads(self) -> PipeReads[Any]: ...


def server_budget(config: ServerConfig) -> ServerBudget:
    """The server's reassembly budget (one per running configuration, in its cache)."""
    budget = config.cache.get("reassembly_budget")
    if budget is None:
        limits = config.limits
        budget = config.cache["reassembly_budget"] = ServerBudget(
            limits.max_reassembly_memory, limits.max_reassembly_per_connection)
    assert isinstance(budget, ServerBudget)
    return budget


def write_pipe(conn: PipeConnection, open_: Open, data: bytes | bytearray | memoryview, *,
               transceive: bool = False) -> None:
    """Write `data` to the pipe `open_` (or raise SmbStatusError, nothing written); answer the
    reads its first slice allows (unless `transceive`: the caller reads the first message, then
    calls `pipe_reads.complete` itself), and defer the rest of the work."""
    endpoint = open_.endpoint
    config = conn.config
    check_pipe_output(config, endpoint)
    budget = endpoint.budget
    if budget is None:
        budget = endpoint.budget = server_budget(config).connection(conn.peer)
        endpoint.output_limit = config.limits.max_pipe_output
    # A write of one fragment or less (every ordinary call) leaves at most a partial PDU behind,
    # which the endpoint charges itself; a larger one is refused whole when it cannot be held.
    if len(data) > _ONE_FRAGMENT and not budget.fits(len(data)):
        raise SmbStatusError(
            NtStatus.INSUFFICIENT_RESOURCES,
            f"{len(data)} bytes more would exceed the pipe input held for this connection "
            f"({budget.server.held_by(conn.peer)} bytes) or the server ({budget.server.used} bytes)",
        )
    endpoint.write(data)
    if not transceive:
        conn.pipe_reads.complete(open_)
    if endpoint.backlog and not endpoint.deferred:
        endpoint.deferred = True
        conn.core.defer(lambda: _next_slice(conn, open_))


def _next_slice(conn: PipeConnection, open_: Open) -> int:
    """One more slice of what was written to `open_`, and the reads it answers."""
    endpoint = open_.endpoint
    if endpoint is None:
        return WORK_DONE  # the pipe was closed (smbemu.ipc.close_pipe: its endpoint let go)
    more = endpoint.pump()
    conn.pipe_reads.complete(open_)
    if not endpoint.backlog:
        endpoint.deferred = False
        return WORK_DONE
    return WORK_MORE if more else WORK_WAITING
