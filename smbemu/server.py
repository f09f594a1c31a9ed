"""The only asyncio module: listeners, one protocol object per TCP connection, limits, shutdown.

It reads bytes, feeds the sans-I/O `Connection` with the loop's time, writes what comes back,
and keeps one loop timer per connection at `Connection.get_timer()` (the pre-authentication,
idle, partial-frame and fault-delay deadlines are the connection's; this module only calls
`handle_timer` when the moment comes). Work the connection deferred (one slice of a long job
per turn, `ConnectionCore.defer`) is resumed with `loop.call_soon`, never by blocking: between
two slices the loop serves every other connection (issue 14). It enforces what only a transport can: the number of
connections (in total and per source address) and back-pressure when a client stops reading.
It uses `asyncio.Protocol` callbacks rather than streams so that the per-request path has no
await at all (and runs on uvloop's loop as well as asyncio's).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import replace
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from smbemu.config import ServerConfig
from smbemu.connection import Connection
from smbemu.netbios import NameService, adapter_address, netbios_names
from smbemu.pcap import PcapWriter, TcpStream

if TYPE_CHECKING:
    from smbemu.rpc_tcp import RpcTcpConnection, RpcTcpService

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
    """One TCP connection: feeds the sans-I/O `Connection` and keeps one timer at its deadline."""

    def __init__(self, server: SmbServer, netbios: bool = False) -> None:
        self.server = server
        # The port speaks the RFC 1002 session service (TCP 139, `--netbios`), not Direct TCP.
        self.netbios = netbios
        self.pcap_stream: TcpStream | None = None
        self.transport: asyncio.Transport | None = None
        self.connection: Connection | None = None
        self._loop: asyncio.AbstractEventLoop  # set in connection_made
        # The loop timer at `connection.get_timer()`, and when it fires.
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        # Reading stopped while a fault injection delay holds the answers (order holds).
        self._paused_for_hold = False
        # The loop callback that runs the connection's next slice of deferred work.
        self._work_handle: asyncio.Handle | None = None

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
        self._loop = loop = asyncio.get_running_loop()
        self.connection = connection = Connection(
            config, peer, (str(local[0]), int(local[1])), now=loop.time(),
            netbios_names=accepted_called_names(config, transport) if self.netbios else None,
        )
        pcap = server.pcap
        if pcap is not None:
            sock = transport.get_extra_info("sockname") or ("0.0.0.0", 0)
            self.pcap_stream = pcap.stream(peer, (str(sock[0]), int(sock[1])))
            connection.tap = self.pcap_stream.record_message
            if connection.nbss is not None:
                connection.nbss.tap = self.pcap_stream.record
        log.info("connection from %s:%d%s", *peer, " (netbios session service)" if self.netbios else "")
        self._schedule(connection.get_timer())

    def data_received(self, data: bytes) -> None:
        connection = self.connection
        transport = self.transport
        if connection is None or transport is None:
            return
        out = connection.receive_data(data, self._loop.time())
        self._deliver(connection, transport, out)

    def _deliver(self, connection: Connection, transport: asyncio.Transport, out: list[bytes]) -> None:
        """Write what the connection answered, then close, pause, or re-arm the timer as it says."""
        if out:
            _write(transport, out)
        if connection.closed:
            if connection.timed_out:
                transport.abort()  # a deadline: drop at once, even if the client does not read
            else:
                transport.close()
            return
        if connection.holding != self._paused_for_hold:
            # fault injection (smbemu.faults): read nothing while the answers are held.
            self._paused_for_hold = connection.holding
            if self._paused_for_hold:
                transport.pause_reading()
            else:
                transport.resume_reading()
        if connection.deferred_work and self._work_handle is None and connection.has_pending_work:
            self._work_handle = self._loop.call_soon(self._on_work)
        deadline = connection.get_timer()
        if deadline is not None and (self._timer is None or deadline < self._timer_at):
            self._schedule(deadline)

    def _on_work(self) -> None:
        """The next slice of the connection's deferred work (the loop ran others in between)."""
        self._work_handle = None
        connection, transport = self.connection, self.transport
        if connection is None or transport is None or transport.is_closing():
            return
        self._deliver(connection, transport, connection.continue_work(self._loop.time()))

    def _schedule(self, deadline: float | None) -> None:
        """One loop timer at the connection's deadline. A deadline that moved later (activity)
        does not re-arm: the timer fires early, finds nothing due, and asks again."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if deadline is not None:
            self._timer_at = deadline
            self._timer = self._loop.call_at(deadline, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        connection, transport = self.connection, self.transport
        if connection is None or transport is None or transport.is_closing():
            return
        out = connection.handle_timer(self._loop.time())
        self._deliver(connection, transport, out)  # re-arms the timer: none is set now

    def eof_received(self) -> bool | None:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._work_handle is not None:
            self._work_handle.cancel()
            self._work_handle = None
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
        if self.transport is not None and not self.transport.is_closing() and not self._paused_for_hold:
            self.transport.resume_reading()


class RpcTcpProtocol(asyncio.Protocol):
    """One ncacn_ip_tcp connection (`smbemu.rpc_tcp`): feeds the sans-I/O `RpcTcpConnection`.

    Counted with the SMB connections against `max_connections` and `max_connections_per_address`,
    and closed after `idle_timeout` without a request or `frame_timeout` into a PDU that does not
    complete (the limits of the SMB connections)."""

    def __init__(self, server: SmbServer, service: RpcTcpService) -> None:
        self.server = server
        self.service = service
        self.transport: asyncio.Transport | None = None
        self.connection: RpcTcpConnection | None = None
        self.peer = ("?", 0)
        self._timer: asyncio.TimerHandle | None = None
        self._frame_started = False

    def _arm(self) -> None:
        """The idle deadline after a whole PDU; the frame deadline once one has started (not
        moved by its trickling bytes)."""
        connection = self.connection
        if connection is None:
            return
        limits = self.server.config.limits
        if connection.partial:
            if self._frame_started:
                return
            self._frame_started = True
            delay = limits.frame_timeout
        else:
            self._frame_started = False
            delay = limits.idle_timeout
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(delay, self._expired)

    def _expired(self) -> None:
        self._timer = None
        if self.transport is not None:
            log.info("ncacn_ip_tcp connection from %s:%d timed out", *self.peer)
            self.transport.abort()

    def connection_made(self, base_transport: asyncio.BaseTransport) -> None:
        from smbemu.rpc_tcp import RpcTcpConnection

        self.transport = transport = cast(asyncio.Transport, base_transport)
        peer = transport.get_extra_info("peername") or ("?", 0)
        self.peer = peer = (str(peer[0]), int(peer[1]))
        server = self.server
        limits = server.config.limits
        per_address = server.connections_by_address.get(peer[0], 0)
        if (len(server.protocols) + len(server.rpc_protocols) >= limits.max_connections
                or per_address >= limits.max_connections_per_address):
            log.warning("refusing ncacn_ip_tcp connection from %s:%d: too many connections", *peer)
            transport.abort()
            return
        server.connections_by_address[peer[0]] = per_address + 1
        server.rpc_protocols.add(self)
        self.connection = RpcTcpConnection(server.config, self.service, peer)
        log.info("ncacn_ip_tcp connection from %s:%d to %s", *peer, self.service.name)
        self._arm()

    def data_received(self, data: bytes) -> None:
        connection, transport = self.connection, self.transport
        if connection is None or transport is None:
            return
        self._feed(connection, transport, data)

    def _feed(self, connection: RpcTcpConnection, transport: asyncio.Transport, data: bytes) -> None:
        out = connection.receive(data)
        if out:
            transport.write(out)
        if connection.closed:
            transport.close()
            return
        if connection.backlog:
            # More whole PDUs than one turn's share: stop reading, go on at the next loop turn
            # (other clients are served in between), read again once the backlog is gone.
            transport.pause_reading()
            asyncio.get_running_loop().call_soon(self._continue)
            return
        self._arm()

    def _continue(self) -> None:
        connection, transport = self.connection, self.transport
        if connection is None or transport is None or transport.is_closing():
            return
        self._feed(connection, transport, b"")
        if not connection.backlog and not connection.closed and not transport.is_closing():
            transport.resume_reading()

    def eof_received(self) -> bool | None:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        server = self.server
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.connection is not None:
            self.connection.connection_lost()
        if self in server.rpc_protocols:
            server.rpc_protocols.discard(self)
            remaining = server.connections_by_address.get(self.peer[0], 1) - 1
            if remaining > 0:
                server.connections_by_address[self.peer[0]] = remaining
            else:
                server.connections_by_address.pop(self.peer[0], None)

    def pause_writing(self) -> None:
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()


class NameServiceProtocol(asyncio.DatagramProtocol):
    """UDP 137: each datagram answered by the sans-I/O `smbemu.netbios.NameService`."""

    def __init__(self, service: NameService) -> None:
        self.service = service
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        reply = self.service.reply_to(data, addr)
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)


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
        # ncacn_ip_tcp (`--rpc-tcp`): its connections, and what it listens on (re-published on reload).
        self.rpc_protocols: set[RpcTcpProtocol] = set()
        self._rpc_services: dict[str, RpcTcpService] = {}
        self._rpc_tcp_host: str | None = None

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
        service = NameServiceProtocol(NameService(netbios_names(self.config), host, adapter_address(self.config)))
        transport, _ = await loop.create_datagram_endpoint(lambda: service, local_addr=(host, port))
        self._datagrams.append(transport)
        sockname = transport.get_extra_info("sockname")
        return str(sockname[0]), int(sockname[1])

    async def listen_rpc_tcp(self, host: str, mapper_port: int = 135, port: int | None = None) -> list[tuple[str, int, str]]:
        """ncacn_ip_tcp (`smbemu.rpc_tcp`): the endpoint mapper on `mapper_port` and the lsass
        interfaces on `port`, or on the release's usual port of its dynamic range (the next one
        when taken). Returns (address, port, service name) of each listener."""
        from smbemu.rpc_tcp import MAPPER_NAME, dynamic_ports

        loop = asyncio.get_running_loop()
        bound: list[tuple[str, int, str]] = []
        for service in self._rpc_tcp_services(mapper_port, port or 0):
            fixed = service.name == MAPPER_NAME or port is not None
            candidates = [service.port] if fixed else list(dynamic_ports(self.config.profile)[:256])
            for attempt, wanted in enumerate(candidates):
                try:
                    server = await loop.create_server(self._rpc_tcp_factory(service.name), host, wanted,
                                                      reuse_address=True)
                except OSError:
                    if attempt + 1 == len(candidates):
                        raise
                    continue
                sockname = server.sockets[0].getsockname()
                self._servers.append(server)
                self._rpc_services[service.name] = replace(service, port=int(sockname[1]))
                bound.append((str(sockname[0]), int(sockname[1]), service.name))
                break
        self._rpc_tcp_host = host
        self._publish_rpc_tcp()
        return bound

    def _rpc_tcp_factory(self, name: str) -> Callable[[], RpcTcpProtocol]:
        # the service is looked up per connection: reload replaces it (the new configuration's interfaces)
        return lambda: RpcTcpProtocol(self, self._rpc_services[name])

    def _rpc_tcp_services(self, mapper_port: int, port: int) -> tuple[RpcTcpService, ...]:
        from smbemu.rpc_tcp import services_for

        return services_for(self.config, mapper_port, port)

    def _publish_rpc_tcp(self) -> None:
        """Tell this config's endpoint mapper where ncacn_ip_tcp listens (`smbemu.rpc_tcp.publish`)."""
        from smbemu.rpc_tcp import publish

        if self._rpc_tcp_host is not None:
            publish(self.config, self._rpc_tcp_host, tuple(self._rpc_services.values()))

    def reload(self, config: ServerConfig) -> None:
        """Serve new connections with `config`; established sessions keep theirs."""
        self.config = config
        if self._rpc_tcp_host is not None:
            # the same ports, the new configuration's interfaces
            ports = {name: service.port for name, service in self._rpc_services.items()}
            for fresh in self._rpc_tcp_services(0, 0):
                if fresh.name in ports:
                    self._rpc_services[fresh.name] = replace(fresh, port=ports[fresh.name])
            self._publish_rpc_tcp()
        for transport in self._datagrams:
            service = transport.get_protocol()
            if isinstance(service, NameServiceProtocol):
                service.service.names = netbios_names(config)
                service.service.unit_id = adapter_address(config)

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
        for rpc_protocol in list(self.rpc_protocols):
            if rpc_protocol.transport is not None:
                rpc_protocol.transport.abort()
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
