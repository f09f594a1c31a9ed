"""What every connection of one listening server shares: profile, directory, identity, limits.

Built once at start-up by the CLI (or the test fixture) from a profile and a fixture; the
sans-I/O `Connection` reads it, never argv or the environment.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits; exceeding one closes (or refuses) only the offending connection."""

    # Largest Direct TCP frame accepted (MS-SMB2 allows 2^24-1; Windows caps near 8 MiB + headers).
    max_frame_size: int = 8 * 1024 * 1024 + 64 * 1024
    # Largest frame before a session is authenticated: NEGOTIATE and SESSION_SETUP are small.
    max_preauth_frame_size: int = 64 * 1024
    # Seconds a connection may take to complete its first session setup.
    preauth_timeout: float = 30.0
    # Seconds without any request before an idle connection is closed.
    idle_timeout: float = 900.0
    max_connections: int = 10_000
    # Credits a client may hold at once (MS-SMB2 3.3.1.2 sequence window).
    max_credits: int = 8192
    max_sessions_per_connection: int = 64
    max_opens_per_session: int = 1024


def filetime_now() -> int:
    """The current time as a Windows FILETIME (100 ns ticks since 1601-01-01)."""
    return time.time_ns() // 100 + 116444736000000000


@dataclass(slots=True, eq=False)
class ServerConfig:
    profile: Any  # smbemu.profiles.Profile
    directory: Any  # smbemu.directory.Directory
    limits: Limits = field(default_factory=Limits)
    server_guid: bytes = field(default_factory=lambda: uuid.uuid4().bytes_le)
    start_filetime: int = field(default_factory=filetime_now)
    # The RPC interface registry (smbemu.rpc.registry.Registry) once pipes are served.
    pipes: Any = None
    # DCE/RPC association groups shared by every pipe of the server (smbemu.rpc.endpoint),
    # so a client can bind a second pipe into the group of the first (MS-RPCE 3.3.1.3).
    rpc_groups: Any = None
    # Every established session on this server, for NetrSessionEnum and the audit log.
    sessions: dict[int, Any] = field(default_factory=dict)
    # Values derived from the profile and directory once (the NTLM server identity, ...).
    cache: dict[str, Any] = field(default_factory=dict)
    # Fault injection rules (smbemu.faults.FaultEngine), None when no rule is set.
    faults: Any = None
    # The security audit log (smbemu.audit.AuditLog; `--audit-log`), or None.
    audit: Any = None
    _next_session_seq: int = 1

    def new_session_id(self) -> int:
        """Session ids look like Windows' (a counter in the low bits, a random high part) and never repeat."""
        seq = self._next_session_seq
        self._next_session_seq += 1
        return (int.from_bytes(os.urandom(2), "little") | 1) << 40 | seq
