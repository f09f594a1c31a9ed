"""What every connection of one listening server shares: its configuration and its running state.

`ServerConfig` is what the server was told (profile, directory, limits, identity, the RPC
interface registry, fault rules, the audit log); `ServerState` is what serving changes (the
session table, the RPC association groups, values computed on first use, the session id
counter). Both are built once at start-up by `smbemu.builder` (for the CLI, the test fixture
and ``--hosts``); the sans-I/O `Connection` reads them, never argv or the environment.

The profile and the directory's model are parsed once per process and shared read-only by every
server built from the same files (`smbemu.builder`); everything a server changes lives in its own
`ServerState` and in its directory's account states (lockout, bad-password counts), which are
never shared.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from smbemu.events import Observers
from smbemu.filetime import filetime_now

if TYPE_CHECKING:
    from smbemu.directory import Directory
    from smbemu.faults import FaultEngine
    from smbemu.profiles import Profile
    from smbemu.rpc.association import AssociationGroups
    from smbemu.rpc.registry import Registry
    from smbemu.state import Session

T = TypeVar("T")



class AuditSink(Protocol):
    """What the configuration holds of its audit log (`smbemu.audit.AuditLog`): the log is an
    observer of `ServerConfig.observers` and nothing else writes to it, so the configuration only
    keeps it to name its machine and close it (a protocol: config does not import the audit log)."""

    computer: str

    def close(self) -> None: ...

    def sweep(self) -> None:
        """Write the counts of repeated events whose window has passed (smbemu.audit_files)."""
        ...

def _limit(default: float, flag_help: str, exceeded: str, minimum: float = 0) -> Any:
    """A limit field: its default, the one-line help of its `smbemu serve` flag, what the
    offending client sees when it goes past it, and the smallest value that still lets a
    well-behaved client work (0: any positive value)."""
    return field(default=default, metadata={"help": flag_help, "exceeded": exceeded, "minimum": minimum})


_CLOSED = "its connection is closed"
_REFUSED = "that request gets STATUS_INSUFFICIENT_RESOURCES"


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits, each a `smbemu serve --<name>` flag (dashes for underscores).

    Exceeding one refuses or closes only what belongs to the offending client: its request
    (an NTSTATUS), its pipe, or its connection -- never another client's.
    """

    # Direct TCP frames: MS-SMB2 2.1 allows 2^24-1 bytes; 8 MiB of data plus headers is the
    # most a request needs with the MaxWrite/MaxTransact sizes negotiate offers. Negotiate
    # offers sizes that fit this limit (smbemu.smb2.negotiate); clients expect >= 64 KiB.
    max_frame_size: int = _limit(
        8 * 1024 * 1024 + 64 * 1024, "largest SMB1 or SMB2 frame in bytes once a session is established", _CLOSED,
        minimum=64 * 1024 + 4096,
    )
    # NEGOTIATE and SESSION_SETUP are small: an unauthenticated peer cannot make us buffer 8 MiB.
    max_preauth_frame_size: int = _limit(64 * 1024, "largest frame in bytes before any session is established", _CLOSED, 1024)
    max_connections: int = _limit(16_384, "TCP connections open at once", "the new connection is closed at once")
    # One source address (a student's scanner) cannot take every connection slot.
    max_connections_per_address: int = _limit(
        1024, "TCP connections open at once from one source address", "the new connection is closed at once"
    )
    preauth_timeout: float = _limit(30.0, "seconds a connection has to establish its first session", _CLOSED)
    # Windows' autodisconnect default is 15 minutes.
    idle_timeout: float = _limit(900.0, "seconds without a request before a connection is closed", _CLOSED)
    # Slowloris: a frame whose first bytes arrived must be whole within this time, however
    # steadily its bytes trickle in (each byte would otherwise reset the idle timeout).
    frame_timeout: float = _limit(60.0, "seconds to receive the rest of a frame once it has started", _CLOSED)
    # MS-SMB2 3.3.1.2: the sequence window; Windows' Smb2CreditsMax default is 8192.
    max_credits: int = _limit(
        8192, "credits (message ids) a connection may hold at once",
        "fewer credits are granted; a message id outside the window closes the connection",
    )
    # Requests answered STATUS_PENDING (pipe READs waiting for data, MS-SMB2 3.3.4.2).
    # SMB1: reads waiting on a pipe, bounded also by the profile's MaxMpxCount (MS-CIFS 3.3.5.2);
    # the same bound holds SMB1 transactions whose parts are still arriving (smbemu.smb1.transaction).
    max_outstanding_requests: int = _limit(64, "pending asynchronous requests per connection (SMB1: also at most MaxMpxCount)", _REFUSED)
    max_sessions_per_connection: int = _limit(64, "sessions per connection", "SESSION_SETUP gets STATUS_INSUFFICIENT_RESOURCES")
    max_tree_connects_per_session: int = _limit(1024, "tree connects per session", "TREE_CONNECT gets STATUS_INSUFFICIENT_RESOURCES")
    max_opens_per_session: int = _limit(1024, "open files (pipe handles) per session", "CREATE gets STATUS_INSUFFICIENT_RESOURCES")
    # MS-RPCE 3.3.3.5.4: the reassembled stub of one fragmented call (Windows: 4 MiB by default).
    max_rpc_request: int = _limit(
        4 * 1024 * 1024, "bytes of one reassembled DCE/RPC request",
        "fault 5 (access denied) and the pipe's association ends, as on Windows",
    )
    # MS-RPCE 3.3.1.4: context handles (policy, domain, user handles, ...) per association group.
    max_rpc_handles: int = _limit(
        1024, "open DCE/RPC context handles per association group", "the opening call gets fault RPC_S_OUT_OF_RESOURCES"
    )
    # Responses a client has not read back yet; a WRITE beyond it is refused, not buffered, and
    # a large write's requests are processed only while its answers stay under it (issue 14).
    max_pipe_output: int = _limit(
        1024 * 1024, "unread DCE/RPC response bytes queued on one pipe",
        "the WRITE (or transceive) gets STATUS_INSUFFICIENT_RESOURCES and writes nothing; "
        "a write's remaining requests wait until answers are read",
    )
    # What pipes hold for their clients before a call runs: PDUs written and not processed yet
    # (a large write is processed in slices) and the fragments of requests being reassembled
    # (each bounded by max_rpc_request, their sum by nothing in MS-RPCE). Issue 14: one anonymous
    # connection held 1.05 GiB in 250 pipes of fragments that never end. Per connection: two
    # full-size writes (8 MiB, MaxWriteSize) fit; per server, the operator's memory budget.
    max_reassembly_per_connection: int = _limit(
        16 * 1024 * 1024, "bytes of unprocessed pipe input and unfinished DCE/RPC requests one connection may hold",
        "the WRITE gets STATUS_INSUFFICIENT_RESOURCES; a fragment gets fault 5 and its pipe's association ends",
        minimum=64 * 1024 + 4096,
    )
    # SamrUnicodeChangePasswordUser4 (MS-SAMR 3.1.5.10.4) runs as many PBKDF2-HMAC-SHA512 rounds
    # as its caller asks (5,000 to 1,000,000: about half a second of one core), with no logon
    # needed; one event loop answers every client, so the rounds come from one server-wide budget
    # holding ten seconds' worth (issue 14). The minimum pays one change at the highest count.
    max_key_derivation_rate: int = _limit(
        200_000, "PBKDF2 rounds a second spent on AES password changes (bursts: ten seconds' worth)",
        "SamrUnicodeChangePasswordUser4 gets fault RPC_S_SERVER_TOO_BUSY before the account is looked at",
        minimum=100_000,
    )
    max_reassembly_memory: int = _limit(
        256 * 1024 * 1024, "bytes of unprocessed pipe input and unfinished DCE/RPC requests all connections may hold",
        "the WRITE gets STATUS_INSUFFICIENT_RESOURCES; a fragment gets fault 5 and its pipe's association ends",
        minimum=64 * 1024 + 4096,
    )


def make_limits(changes: Mapping[str, Any], source: str = "command line") -> Limits:
    """Defaults with `changes` applied; a bad name or value raises ConfigError naming it."""
    from dataclasses import fields, replace

    from smbemu.errors import ConfigError

    kinds = {name: kind for name, kind, _, _ in limit_fields()}
    minimums = {f.name: f.metadata["minimum"] for f in fields(Limits)}

    def flag(name: str) -> str:
        return "--" + name.replace("_", "-") if source == "command line" else name

    values: dict[str, Any] = {}
    for name, value in changes.items():
        if value is None:
            continue
        kind = kinds.get(name)
        if kind is None:
            raise ConfigError(source, flag(name), "is not a limit; limits are " + ", ".join(flag(n) for n in kinds))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 or (
            kind is int and not float(value).is_integer()
        ):
            allowed = "a positive whole number" if kind is int else "a positive number of seconds"
            raise ConfigError(source, flag(name), f"{value!r} is not allowed: must be {allowed}")
        if value < minimums[name]:
            raise ConfigError(source, flag(name), f"{value!r} is too small: allowed is {minimums[name]:g} or more")
        values[name] = kind(value)
    return replace(Limits(), **values)


def limit_fields() -> list[tuple[str, type, Any, str]]:
    """(name, int or float, default, help) of every limit, for the CLI and the docs."""
    from dataclasses import fields

    return [
        (f.name, float if isinstance(f.default, float) else int, f.default, f.metadata["help"])
        for f in fields(Limits)
    ]


LIMITS_BEGIN = "<!-- limits table: generated by `python -m smbemu.config --write README.md`; a test checks it -->"
LIMITS_END = "<!-- end of limits table -->"


def limits_table() -> str:
    """The README's table of limits: flag, default, meaning, what the offender sees."""
    from dataclasses import fields

    rows = ["| flag | default | limits | when exceeded |", "|---|---|---|---|"]
    for f in fields(Limits):
        default = f.default
        if isinstance(default, float):
            shown = f"{default:g} s"
        elif "bytes" in f.metadata["help"]:
            shown = f"{default:,} bytes"
        else:
            shown = f"{default:,}"
        flag = "--" + f.name.replace("_", "-")
        rows.append(f"| `{flag}` | {shown} | {f.metadata['help']} | {f.metadata['exceeded']} |")
    return "\n".join(rows)


def write_limits_table(path: str) -> bool:
    """Replace the block between the markers in `path`; True if the file changed."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    begin, end = text.index(LIMITS_BEGIN) + len(LIMITS_BEGIN), text.index(LIMITS_END)
    updated = text[:begin] + "\n" + limits_table() + "\n" + text[end:]
    if updated != text:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(updated)
    return updated != text


@dataclass(slots=True, eq=False)
class ServerState:
    """What one running server changes as it serves; never shared between two servers.

    A SIGHUP reload gives the server a new configuration and a new state that keeps the
    session table, the RPC association groups and the session counter (`carried_over`), so
    established sessions survive and no session id repeats; `cache` starts empty, because what
    it holds was computed from the previous configuration."""

    # Every established session on this server, for NetrSessionEnum and the audit log.
    sessions: dict[int, Session] = field(default_factory=dict)
    # DCE/RPC association groups shared by every pipe of the server (smbemu.rpc.endpoint),
    # so a client can bind a second pipe into the group of the first (MS-RPCE 3.3.1.3);
    # created on the first pipe open.
    rpc_groups: AssociationGroups | None = None
    # Values computed on first use from the configuration (the NTLM server identity, the
    # policy, encoded share lists, ...) and per-server tables such as netlogon's challenges.
    cache: dict[str, Any] = field(default_factory=dict)
    # The low part of session ids (MS-SMB2 3.3.5.5.1: a new, unique SessionId).
    session_numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def new_session_id(self) -> int:
        """Session ids look like Windows' (a counter in the low bits, a random high part) and never repeat."""
        return (int.from_bytes(os.urandom(2), "little") | 1) << 40 | next(self.session_numbers)

    def carried_over(self) -> ServerState:
        """The state a reloaded configuration starts with (see the class docstring)."""
        return ServerState(sessions=self.sessions, rpc_groups=self.rpc_groups, session_numbers=self.session_numbers)


@dataclass(slots=True, eq=False)
class ServerConfig:
    """One server's configuration, and the running state it points to (`state`).

    The running state is also reachable as ``config.sessions``, ``config.rpc_groups`` and
    ``config.cache``, so code that holds only the configuration (a connection, an RPC handler's
    ``ctx.server``) reaches both through one object."""

    profile: Profile
    # This server's directory: the shared, read-only model with its own account states.
    directory: Directory
    limits: Limits = field(default_factory=Limits)
    server_guid: bytes = field(default_factory=lambda: uuid.uuid4().bytes_le)
    start_filetime: int = field(default_factory=filetime_now)
    # The RPC interface registry once pipes are served (None: the default pipe names only).
    pipes: Registry | None = None
    # Fault injection rules, None when no rule is set. The engine counts its matches, so each
    # server has its own.
    faults: FaultEngine | None = None
    # The security audit log (`--audit-log`), or None.
    audit: AuditSink | None = None
    # Who is told what happened (smbemu.events): the audit log subscribes here.
    observers: Observers = field(default_factory=Observers)
    state: ServerState = field(default_factory=ServerState)
    # The machines this process serves (`smbemu serve --hosts`), this one included, as their
    # current configurations: the browse list RAP NetServerEnum2 answers (smbemu.rap.browse).
    # None: the server is alone on its network.
    lab_hosts: Callable[[], Sequence[ServerConfig]] | None = None
    # The network adapter's MAC address (NetBIOS node status), from a `--hosts` entry's `mac:`;
    # None: derived from the machine name (smbemu.netbios.unit_id_for).
    adapter_mac: bytes | None = None

    @property
    def sessions(self) -> dict[int, Session]:
        return self.state.sessions

    @property
    def rpc_groups(self) -> AssociationGroups | None:
        return self.state.rpc_groups

    @rpc_groups.setter
    def rpc_groups(self, groups: AssociationGroups | None) -> None:
        self.state.rpc_groups = groups

    @property
    def cache(self) -> dict[str, Any]:
        return self.state.cache

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """The value kept under ``key`` in this server's running state, built on first use (what
        an RPC handler keeps per server: `smbemu.rpc.handler_server.HandlerServer.memo`)."""
        cache = self.state.cache
        try:
            value: T = cache[key]
        except KeyError:
            value = cache[key] = build()
        return value

    def new_session_id(self) -> int:
        return self.state.new_session_id()


if __name__ == "__main__":  # pragma: no cover - `python -m smbemu.config --write README.md`
    import sys

    if sys.argv[1:2] == ["--write"] and len(sys.argv) == 3:
        print("updated" if write_limits_table(sys.argv[2]) else "already current", sys.argv[2])
    else:
        print(limits_table())
