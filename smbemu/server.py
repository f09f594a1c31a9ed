"""The only asyncio module: listeners, one protocol object per TCP connection, limits, shutdown.

It reads bytes, feeds the sans-I/O `Connection`, writes what comes back, and enforces what
only a transport can: the number of connections (in total and per source address), the
pre-authentication, idle and partial-frame (slowloris) timeouts, and back-pressure when a
client stops reading. It uses `asyncio.Protocol` callbacks rather than streams so that the
per-request path has no await at all (and runs on uvloop's loop as well as asyncio's).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any, cast

from smbemu.config import ServerConfig
from smbemu.connection import Connection
from smbemu.netbios import NameService, NbssFilter, names_for
from smbemu.pcap import PcapWriter, TcpStream

log = logging.getLogger("smbemu.server")

# CPython 3.12.0-3.12.8 and 3.13.0-3.13.1: the standard loop's socket transport writelines()
# never pauses the protocol at the high-water mark (gh-127655, CVE-2024-12254), so a client
# that does not read would make the server buffer its answers without bound (pause_writing,
# below, is never called). There the answers are joined and written with write().
_WRITELINES_PAUSES = not ((3, 12) <= sys.version_info < (3, 12, 9) or (3, 13) <= sys.version_info < (3, 13, 2))


def _write(transport: asyncio.Transport, chunks: list[bytes]) -> None:
    if _WRITELINES_PAUSES:
        transport.writelines(chunks)
    else:
        transport.write(b"".join(chunks))


class SmbProtocol(asyncio.Protocol):
    """One TCP connection."""

    def __init__(self, server: SmbServer, netbios: bool = False) -> None:
        self.server = server
        self.netbios = netbios
        # RFC 1002 session service framing on port 139 (`--netbios`), None on Direct TCP.
        self.nbss: NbssFilter | None = None
        self.pcap_stream: TcpStream | None = None
        self.transport: asyncio.Transport | None = None
        self.connection: Connection | None = None
        self._connected_at = 0.0
        self._last_activity = 0.0
        # When the bytes of a still incomplete frame began to arrive (0: no partial frame).
        self._frame_started = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._authenticated = False

    # asyncio callbacks ------------------------------------------------------
    def connection_made(self, base_transport: asyncio.BaseTransport) -> None:
        # A stream transport (asyncio's, or uvloop's, which does not subclass asyncio.Transport).
        self.transport = transport = cast(asyncio.Transport, base_transport)
        peer = transport.get_extra_info("peername") or ("?", 0)
        peer = (str(peer[0]), int(peer[1]))
        server = self.server
        limits = server.config.limits
        if len(server.protocols) >= limits.max_connections:
            log.warning("refusing connection from %s:%d: %d connections already open", *peer, limits.max_connections)
            transport.abort()
            return
        per_address = server.connections_by_address.get(peer[0], 0)
        if per_address >= limits.max_connections_per_address:
            log.warning("refusing connection from %s:%d: %d connections already open from that address",
                        *peer, per_address)
            transport.abort()
            return
        server.connections_by_address[peer[0]] = per_address + 1
        server.protocols.add(self)
        config = server.config
        local = transport.get_extra_info("sockname") or ("127.0.0.1", 0)
        self.connection = Connection(config, peer, (str(local[0]), int(local[1])))
        if self.netbios:
            self.nbss = NbssFilter(accepted_called_names(config, transport))
        pcap = server.pcap
        if pcap is not None:
            sock = transport.get_extra_info("sockname") or ("0.0.0.0", 0)
            self.pcap_stream = pcap.stream(peer, (str(sock[0]), int(sock[1])))
            self.connection.tap = self.pcap_stream.record_message
            if self.nbss is not None:
                self.nbss.tap = self.pcap_stream.record
        log.info("connection from %s:%d%s", *peer, " (netbios session service)" if self.netbios else "")
        loop = asyncio.get_running_loop()
        self._last_activity = self._connected_at = loop.time()
        self._timer = loop.call_at(self._next_deadline(), self._check_timeouts)

    def data_received(self, data: bytes) -> None:
        connection = self.connection
        transport = self.transport
        if connection is None or transport is None:
            return
        self._last_activity = asyncio.get_running_loop().time()
        nbss = self.nbss
        if nbss is not None:
            data, reply = nbss.feed(data)
            if reply:
                transport.write(reply)
            if nbss.closed:
                transport.close()
                return
            if not data:
                self._track_partial_frame(nbss.has_partial_packet, False)
                return
        frames_before = connection.frames_received
        out = connection.receive_data(data)
        self._track_partial_frame(
            connection.has_partial_frame or (nbss is not None and nbss.has_partial_packet),
            connection.frames_received != frames_before,
        )
        if connection.pending_actions:  # fault injection (smbemu.faults): a delayed answer
            self._hold(out)
            return
        if out:
            _write(transport, out)
        if connection.closed:
            transport.close()

    def _track_partial_frame(self, partial: bool, new_frame: bool) -> None:
        if partial:
            if not self._frame_started or new_frame:
                # Slowloris: the rest of this (new) frame has `frame_timeout` seconds to arrive.
                self._frame_started = self._last_activity
                self._rearm()
        else:
            self._frame_started = 0.0

    # fault injection (smbemu.faults) ------------------------------------------
    def _hold(self, out: list[bytes]) -> None:
        """Send `out` after the delay a fault rule asked for; read nothing meanwhile (keeps order)."""
        connection, transport = self.connection, self.transport
        assert connection is not None and transport is not None
        delay = sum(float(action[1]) for action in connection.pending_actions if action[0] == "delay")
        connection.pending_actions.clear()
        transport.pause_reading()
        asyncio.get_running_loop().call_later(delay, self._release, out)

    def _release(self, out: list[bytes]) -> None:
        connection, transport = self.connection, self.transport
        if connection is None or transport is None or transport.is_closing():
            return
        if out:
            _write(transport, out)
        if connection.closed:
            transport.close()
            return
        transport.resume_reading()
        more = connection.receive_data(b"")  # requests that arrived behind the delayed one
        if connection.pending_actions:
            self._hold(more)
            return
        if more:
            _write(transport, more)
        if connection.closed:
            transport.close()

    def eof_received(self) -> bool | None:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.pcap_stream is not None:
            self.pcap_stream.close()
            self.pcap_stream = None
        if self.connection is not None:
            self.connection.connection_lost()
            log.info("connection from %s:%d closed", *self.connection.peer)
            server = self.server
            if self in server.protocols:
                server.protocols.discard(self)
                address = self.connection.peer[0]
                remaining = server.connections_by_address.get(address, 1) - 1
                if remaining > 0:
                    server.connections_by_address[address] = remaining
                else:
                    server.connections_by_address.pop(address, None)

    def pause_writing(self) -> None:
        # The client is not reading its responses: stop reading its requests until it does.
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    # timeouts ---------------------------------------------------------------
    def _next_deadline(self) -> float:
        """The earliest moment one of the timeouts could expire (loop time)."""
        limits = self.server.config.limits
        deadline = self._last_activity + limits.idle_timeout
        if not self._authenticated:
            deadline = min(deadline, self._connected_at + limits.preauth_timeout)
        if self._frame_started:
            deadline = min(deadline, self._frame_started + limits.frame_timeout)
        return deadline

    def _rearm(self) -> None:
        """Bring the timer forward if a new deadline (a partial frame) is earlier than it."""
        deadline = self._next_deadline()
        timer = self._timer
        if timer is not None and timer.when() <= deadline:
            return
        if timer is not None:
            timer.cancel()
        self._timer = asyncio.get_running_loop().call_at(deadline, self._check_timeouts)

    def _check_timeouts(self) -> None:
        self._timer = None
        connection, transport = self.connection, self.transport
        if connection is None or transport is None or transport.is_closing():
            return
        limits = self.server.config.limits
        loop = asyncio.get_running_loop()
        now = loop.time()
        if not self._authenticated:
            if connection.has_valid_session():
                self._authenticated = True
            elif now >= self._connected_at + limits.preauth_timeout:
                log.info("closing connection from %s:%d: no session after %g s", *connection.peer, limits.preauth_timeout)
                transport.abort()
                return
        if self._frame_started and now >= self._frame_started + limits.frame_timeout:
            log.info("closing connection from %s:%d: a frame still incomplete after %g s (trickled bytes)",
                     *connection.peer, limits.frame_timeout)
            transport.abort()
            return
        if now >= self._last_activity + limits.idle_timeout:
            log.info("closing idle connection from %s:%d after %.0f s", *connection.peer, now - self._last_activity)
            transport.abort()
            return
        self._timer = loop.call_at(self._next_deadline(), self._check_timeouts)


class SmbServer:
    """A listening SMB2 server over one `ServerConfig`."""

    def __init__(self, config: ServerConfig, pcap: PcapWriter | None = None) -> None:
        # Replaced as a whole on reload (SIGHUP): new connections get the new config, established
        # ones keep the one they started with.
        self.config = config
        self.pcap = pcap
        self.protocols: set[SmbProtocol] = set()
        # Open connections per source address (Limits.max_connections_per_address).
        self.connections_by_address: dict[str, int] = {}
        self._servers: list[asyncio.base_events.Server] = []
        self._datagrams: list[asyncio.DatagramTransport] = []

    async def listen(self, host: str, port: int, netbios: bool = False) -> tuple[str, int]:
        """Bind and start accepting; returns the bound address (port 0 picks a free port).

        `netbios`: the port speaks the NetBIOS session service (RFC 1002, TCP 139) instead of
        Direct TCP (445).
        """
        loop = asyncio.get_running_loop()
        # A class of scanners connects in bursts: a short accept queue overflows and the kernel
        # drops their SYNs (seen at 2,000 connections at once with 512); the kernel caps the
        # backlog at net.core.somaxconn anyway.
        backlog = max(512, min(self.config.limits.max_connections, 65535))
        server = await loop.create_server(
            lambda: SmbProtocol(self, netbios), host, port, reuse_address=True, backlog=backlog
        )
        self._servers.append(server)
        sockname = server.sockets[0].getsockname()
        return str(sockname[0]), int(sockname[1])

    async def listen_names(self, host: str, port: int = 137) -> tuple[str, int]:
        """Answer NetBIOS name service queries (UDP 137) for this server's names on `host`."""
        loop = asyncio.get_running_loop()
        directory = self.config.directory
        names = names_for(directory.machine.netbios_name, directory.primary_domain.name, self.config.profile.role)
        service = NameService(names, host)
        transport, _ = await loop.create_datagram_endpoint(lambda: service, local_addr=(host, port))
        self._datagrams.append(transport)
        sockname = transport.get_extra_info("sockname")
        return str(sockname[0]), int(sockname[1])

    def reload(self, config: ServerConfig) -> None:
        """Serve new connections with `config`; established sessions keep theirs."""
        self.config = config
        for transport in self._datagrams:
            service = transport.get_protocol()
            if isinstance(service, NameService):
                directory = config.directory
                service.names = names_for(directory.machine.netbios_name, directory.primary_domain.name, config.profile.role)

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
        for transport in self._datagrams:
            transport.close()
        self._datagrams.clear()
        for protocol in list(self.protocols):
            if protocol.transport is not None:
                protocol.transport.abort()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        if self.pcap is not None:
            self.pcap.flush()

    async def __aenter__(self) -> SmbServer:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


def accepted_called_names(config: ServerConfig, transport: asyncio.BaseTransport) -> set[str]:
    """NetBIOS names a session request may call: ours, the DNS host label, the address dialled."""
    machine = config.directory.machine
    names = {machine.netbios_name.upper(), "*SMBSERVER"}
    if machine.dns_name:
        names.add(machine.dns_name.split(".")[0].upper()[:15])
    sock = transport.get_extra_info("sockname")
    if sock:
        names.add(str(sock[0])[:15])
    return names
