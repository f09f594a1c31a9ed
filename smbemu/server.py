"""The only asyncio module: listeners, one protocol object per TCP connection, limits, shutdown.

It reads bytes, feeds the sans-I/O `Connection`, writes what comes back, and enforces what
only a transport can: the number of connections, the pre-authentication and idle timeouts,
and back-pressure when a client stops reading. It uses `asyncio.Protocol` callbacks rather
than streams so that the per-request path has no await at all.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from smbemu.config import ServerConfig
from smbemu.connection import Connection

log = logging.getLogger("smbemu.server")


class SmbProtocol(asyncio.Protocol):
    """One TCP connection."""

    def __init__(self, server: SmbServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.connection: Connection | None = None
        self._last_activity = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._authenticated = False

    # asyncio callbacks ------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        peer = transport.get_extra_info("peername") or ("?", 0)
        peer = (str(peer[0]), int(peer[1]))
        limits = self.server.config.limits
        if len(self.server.protocols) >= limits.max_connections:
            log.warning("refusing connection from %s:%d: %d connections already open", *peer, limits.max_connections)
            transport.abort()
            return
        self.server.protocols.add(self)
        self.connection = Connection(self.server.config, peer)
        log.info("connection from %s:%d", *peer)
        loop = asyncio.get_running_loop()
        self._last_activity = loop.time()
        self._timer = loop.call_later(limits.preauth_timeout, self._check_timeouts)

    def data_received(self, data: bytes) -> None:
        connection = self.connection
        transport = self.transport
        if connection is None or transport is None:
            return
        self._last_activity = asyncio.get_running_loop().time()
        out = connection.receive_data(data)
        if out:
            transport.writelines(out)
        if connection.closed:
            transport.close()

    def eof_received(self) -> bool | None:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.connection is not None:
            self.connection.connection_lost()
            log.info("connection from %s:%d closed", *self.connection.peer)
        self.server.protocols.discard(self)

    def pause_writing(self) -> None:
        # The client is not reading its responses: stop reading its requests until it does.
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    # timeouts ---------------------------------------------------------------
    def _check_timeouts(self) -> None:
        self._timer = None
        connection, transport = self.connection, self.transport
        if connection is None or transport is None or transport.is_closing():
            return
        limits = self.server.config.limits
        loop = asyncio.get_running_loop()
        if not self._authenticated:
            if not connection.sessions or not any(s.state.value == "valid" for s in connection.sessions.values()):
                log.info("closing connection from %s:%d: no session after %.0f s", *connection.peer, limits.preauth_timeout)
                transport.abort()
                return
            self._authenticated = True
        idle = loop.time() - self._last_activity
        if idle >= limits.idle_timeout:
            log.info("closing idle connection from %s:%d after %.0f s", *connection.peer, idle)
            transport.abort()
            return
        self._timer = loop.call_later(limits.idle_timeout - idle, self._check_timeouts)


class SmbServer:
    """A listening SMB2 server over one `ServerConfig`."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.protocols: set[SmbProtocol] = set()
        self._servers: list[asyncio.base_events.Server] = []

    async def listen(self, host: str, port: int) -> tuple[str, int]:
        """Bind and start accepting; returns the bound address (port 0 picks a free port)."""
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: SmbProtocol(self), host, port, reuse_address=True, backlog=512)
        self._servers.append(server)
        sockname = server.sockets[0].getsockname()
        return str(sockname[0]), int(sockname[1])

    @property
    def addresses(self) -> list[tuple[str, int]]:
        result = []
        for server in self._servers:
            for sock in server.sockets:
                name = sock.getsockname()
                result.append((str(name[0]), int(name[1])))
        return result

    async def close(self) -> None:
        """Stop listening, drop every connection, and wait until they are gone."""
        for server in self._servers:
            server.close()
        for protocol in list(self.protocols):
            if protocol.transport is not None:
                protocol.transport.abort()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()

    async def __aenter__(self) -> SmbServer:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()
