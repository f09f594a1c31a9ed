"""DCE/RPC directly over TCP (ncacn_ip_tcp, MS-RPCE 2.1.1.1), sans-I/O.

`smbemu serve --rpc-tcp` adds two listeners per host (the asyncio part is `smbemu.server`):

* **TCP 135**, the endpoint mapper (C706 appendix I, its well-known endpoint);
* **a dynamic port** for the interfaces of the LSA process -- lsarpc, samr, netlogon and
  dssetup -- and, from Vista / 2008 on, **another** for the service control manager (svcctl,
  which services.exe registers on ncacn_ip_tcp from Vista on; before, MS-SCMR was reachable over
  \\PIPE\\svcctl only: MS-SCMR 2.1), each as Windows allocates it from the dynamic range: 49152-65535 from Vista / 2008 on,
  1025-5000 before (KB 929851, "The default dynamic port range for TCP/IP has changed in Windows
  Vista and in Windows Server 2008"), or the one given with `--rpc-tcp-port`.  Windows hands
  dynamic ports out in order from the start of the range at boot, so lsass's port is a low one
  and is the same from boot to boot: 1025 on 2000 / XP / 2003, 49155 on Vista / 2008 / 7 / 2012,
  49667 from 2012 R2 / 8.1 on (W: netstat and rpcdump outputs published for each generation);
  smbemu takes that port, or the next free one in the range; services.exe's is the next free one
  after it (U: its place in the boot order varies; --rpc-tcp-port N gives lsass N and it N+1).
  From Vista / 2008 on more processes listen on ports of their own, each the next one (N+2,
  N+3, ...): the event log service (MS-EVEN6) and the print spooler (MS-PAR) -- interfaces that
  say so with a ``tcp_process`` attribute (`own_process_services`) --, the Task Scheduler
  (MS-TSCH) and the COM+ Event System's object exporter (pipes/dcom).

Each TCP connection is one association served by the same `RpcEndpoint` as a named pipe: the
stream carries whole PDUs back to back (MS-RPCE 2.1.1.1), so the bytes read are fed to the
endpoint and whatever it queues is written back.  Differences from a pipe, as on Windows:

* fragments up to 5840 bytes (Windows' max_xmit_frag / max_recv_frag on TCP, seen in every
  capture of a Windows bind_ack over TCP (W); 4280 is the named-pipe value);
* the bind_ack's secondary address is the port number as a decimal string (C706 12.6.4.4,
  ``port_any_t``: "135" for the mapper);
* there is no SMB session: a bind without authentication is ANONYMOUS LOGON (S-1-5-7); a bind
  with NTLMSSP / SPNEGO (connect, integrity or privacy) logs on with the same logon path as SMB
  (`smbemu.logon.RpcLogons`) and the caller is that account.  The NullSessionPipes and pipe ACL
  checks of SMB do not exist over TCP; the operations' own rules (the one enforcement point)
  decide, with the caller's token;
* RestrictRemoteClients (the "Restrict Unauthenticated RPC clients" policy): its default is
  "Authenticated" on client releases from XP SP2 on and "None" on servers (Microsoft's policy
  reference; XP SP2 "Network Protection Technologies" changes), so on the winxp and win7
  profiles an unauthenticated call on the lsass port is refused with the fault
  ERROR_ACCESS_DENIED (5), the answer of an interface's security callback.  The mapper is exempt
  (an unauthenticated client must resolve an endpoint before it can authenticate to it).
"""

from __future__ import annotations

import dataclasses

import itertools
import logging
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from smbemu.events import LoggedOff
from smbemu.principal import ANONYMOUS
from smbemu.rpc.auth_contexts import SecurityContexts
from smbemu.rpc.interface import CallContext, HandleTable, Interface
from smbemu.rpc.mgmt import MGMT
from smbemu.rpc.pdu import (
    HEADER_SIZE,
    PFC_DID_NOT_EXECUTE,
    PFC_FIRST_FRAG,
    PFC_LAST_FRAG,
    PFC_OBJECT_UUID,
    REQUEST_HEADER_SIZE,
    Fault,
    Pdu,
    PType,
    encode_pdu,
    peek_frag_length,
)
from smbemu.rpc.registry import PipeInfo, served_on
from smbemu.status import FAULT_ACCESS_DENIED

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.principal import Principal
    from smbemu.profiles import Profile
    from smbemu.rpc.endpoint import RpcEndpoint

__all__ = [
    "MAPPER_PORT", "TCP_MAX_FRAG", "LSASS_TCP_INTERFACES", "TCP_MEMO_KEY",
    "RpcTcpService", "RpcTcpConnection", "dynamic_port_range", "restricts_unauthenticated",
    "dynamic_ports", "services_for", "publish",
]

log = logging.getLogger("smbemu.rpc_tcp")

#: C706 appendix I: the endpoint mapper's well-known TCP port.
MAPPER_PORT: Final = 135
#: Windows' fragment size on ncacn_ip_tcp (module docstring).
TCP_MAX_FRAG: Final = 5840
#: The lsass process's interfaces, all reachable on its one dynamic port.
LSASS_TCP_INTERFACES: Final = ("lsarpc", "samr", "netlogon", "dssetup", "drsuapi", "bkrp")
#: services.exe's interface on its own dynamic port, from this release on (module docstring).
SCM_TCP_INTERFACE: Final = "svcctl"
SCM_TCP_SINCE: Final = (6, 0)
#: The Task Scheduler's ITaskSchedulerService on its own dynamic port, from Vista / 2008 on
#: (MS-TSCH 2.1: RPC over TCP with a dynamic endpoint; Appendix B <1>: the interface's debut);
#: svchost's Schedule service takes the port after services.exe's (U: the boot order).
SCHEDULER_TCP_INTERFACE: Final = "tsch"
SCHEDULER_TCP_SINCE: Final = (6, 0)
#: Where the listener tells the endpoint mapper what it listens on (the mapper package's
#: PDUs processed per `RpcTcpConnection.receive` call (one event-loop turn): as the pipes' slices
#: (smbemu.rpc.pdu.sliced_input), a bound that keeps one client's flood from stalling the others.
PDUS_PER_TURN: Final = 256

#: ``registrations.TCP_MEMO_KEY``; the core does not import handler modules).
TCP_MEMO_KEY: Final = "rpc_tcp.listening"
MAPPER_NAME: Final = "epmapper"
#: DCOM's OXID resolver and activators, served on 135 beside the mapper (RpcSs hosts them all;
#: MS-DCOM 2.1 gives them the mapper's well-known endpoints), when the DCOM plug-in is loaded.
DCOM_RESOLVER_INTERFACES: Final = ("IObjectExporter", "IActivation", "IRemoteSCMActivator")
DCOM_OBJECT_SERVICE: Final = "dcom"
#: Where a connection records the object UUID of the request being served (MS-RPCE 2.2.2.11
#: PFC_OBJECT_UUID; DCOM's ORPC calls name their target IPID there, MS-DCOM 3.2.4.1.1): session
#: id -> uuid.UUID, in the server's memo (the DCOM plug-in reads it).
OBJECT_MEMO_KEY: Final = "rpc_tcp.object_uuid"
# Session ids of TCP associations: apart from SMB's (which count up from 1), so one anonymous
# TCP client never shares a handle view with a null SMB session (association.caller_identity).
_TCP_SESSION_IDS = itertools.count(0x7E00_0000_0000_0001)


def dynamic_port_range(profile: Profile) -> tuple[int, int]:
    """KB 929851: 49152-65535 from Vista / 2008 (6.0) on; 1025-5000 before."""
    return (49152, 65535) if profile.identity.version >= (6, 0) else (1025, 5000)


def restricts_unauthenticated(profile: Profile) -> bool:
    """RestrictRemoteClients defaults to 1 ("Authenticated") on client releases from XP SP2 on,
    to 0 on servers (module docstring). NT 4 and 2000 predate the setting."""
    return "server" not in profile.identity.os_name.lower() and profile.identity.version >= (5, 1)


def dynamic_ports(profile: Profile) -> range:
    """The ports to try for lsass, in order: the one the release usually gets, then the rest of
    its dynamic range (module docstring)."""
    low, high = dynamic_port_range(profile)
    version = profile.identity.version
    usual = 1025 if version < (6, 0) else 49155 if version < (6, 3) else 49667
    return range(max(usual, low), high + 1)


@dataclass(frozen=True, slots=True)
class RpcTcpService:
    """What one TCP listener serves: a name (logs), its interfaces, and its port."""

    name: str
    interfaces: tuple[Interface, ...]
    port: int
    #: Unauthenticated calls refused (RestrictRemoteClients); never for the mapper.
    authenticated_only: bool = False

    def pipe_info(self) -> PipeInfo:
        ifaces = (*self.interfaces, MGMT)
        by_syntax: dict[tuple[uuid.UUID, int], list[Interface]] = {}
        for iface in ifaces:
            by_syntax.setdefault((iface.uuid, iface.version[0]), []).append(iface)
        return PipeInfo(self.name, ifaces,
                        {k: tuple(sorted(v, key=lambda i: i.version[1], reverse=True)) for k, v in by_syntax.items()},
                        str(self.port))


def services_for(config: ServerConfig, mapper_port: int, dynamic_port: int) -> tuple[RpcTcpService, ...]:
    """The mapper on `mapper_port`, the lsass interfaces on `dynamic_port` and services.exe's
    svcctl on the next port (where the release registers it and its service runs), of those
    served.  `dynamic_port` 0: each takes a free port of the release's range."""
    registry = config.pipes
    mapper = registry.interface(MAPPER_NAME) if registry is not None else None
    lsass = tuple(i for name in LSASS_TCP_INTERFACES
                  if registry is not None and (i := registry.interface(name)) is not None
                  and served_on(i, config))
    scm = registry.interface(SCM_TCP_INTERFACE) if registry is not None else None
    restricted = restricts_unauthenticated(config.profile)
    services = []
    resolver = tuple(i for name in DCOM_RESOLVER_INTERFACES
                     if registry is not None and (i := registry.interface(name)) is not None)
    if mapper is not None:
        services.append(RpcTcpService(MAPPER_NAME, (mapper, *resolver), mapper_port))
    if lsass:
        services.append(RpcTcpService("lsass", lsass, dynamic_port, authenticated_only=restricted))
    if scm is not None and config.profile.identity.version >= SCM_TCP_SINCE:
        services.append(RpcTcpService("services", (scm,), dynamic_port + 1 if dynamic_port else 0,
                                      authenticated_only=restricted))
    # The processes after services.exe, each on the next port (U: their order in the boot
    # varies): the event log service and the spooler (their interfaces' ``tcp_process``), the
    # Task Scheduler (MS-TSCH), then the COM+ Event System's object exporter.
    for service in own_process_services(config, restricted):
        services.append(dataclasses.replace(service, port=_next_port(services, dynamic_port)))
    scheduler = registry.interface(SCHEDULER_TCP_INTERFACE) if registry is not None else None
    if scheduler is not None and config.profile.identity.version >= SCHEDULER_TCP_SINCE:
        services.append(RpcTcpService("schedule", (scheduler,), _next_port(services, dynamic_port),
                                      authenticated_only=restricted))
    services += _dcom_object_service(resolver, _next_port(services, dynamic_port))
    return tuple(services)


def _next_port(services: list[RpcTcpService], dynamic_port: int) -> int:
    """The port of the next process's listener: the one after the last dynamic port taken
    (``--rpc-tcp-port N``: lsass N, services.exe N+1, then N+2, N+3 ...); 0 (a free port of the
    release's range) when no base port was asked for."""
    if not dynamic_port:
        return 0
    taken = [s.port for s in services if s.name != MAPPER_NAME and s.port]
    return max(taken, default=dynamic_port - 1) + 1


def _dcom_object_service(resolver: tuple[Interface, ...], port: int) -> list[RpcTcpService]:
    """The object exporter of the COM server smbemu emulates (MS-DCOM 3.1.2.5.1.1: the OXID
    resolver's bindings name its port): the interfaces its OXID resolver carries as
    ``object_interfaces`` (the DCOM plug-in, pipes/dcom), on a dynamic port of their own, as the
    svchost of the COM+ Event System listens on one (U: its place in the boot order varies;
    --rpc-tcp-port N gives it the port after the other processes', `_next_port`).  The COM
    server checks its callers itself (every call's access check), so RestrictRemoteClients does
    not apply to it (MS-DCOM 3.2.4.1.1)."""
    objects = tuple(i for iface in resolver for i in getattr(iface, "object_interfaces", ()))
    return [RpcTcpService(DCOM_OBJECT_SERVICE, objects, port)] if objects else []


#: Processes whose interfaces say they listen on ncacn_ip_tcp themselves (an interface's
#: ``tcp_process`` attribute: the Windows process hosting it; its ``present(config)``: whether
#: that release registers it): each on its own dynamic port after services.exe's, in this order
#: (U: their places in the boot order vary): the event log service (MS-EVEN6, from Vista on,
#: pipes/eventlog/even6), the print spooler (MS-PAR, from Vista on while it serves,
#: pipes/spoolss/par).
OWN_PROCESS_ORDER: Final = ("eventlog", "spoolsv")


def own_process_services(config: ServerConfig, restricted: bool) -> list[RpcTcpService]:
    """The listeners of the processes in `OWN_PROCESS_ORDER` whose interfaces are present (their
    ports are given by `services_for`)."""
    groups: dict[str, list[Interface]] = {}
    for iface in config.pipes or ():
        process = getattr(iface, "tcp_process", None)
        if process in OWN_PROCESS_ORDER and served_on(iface, config):
            groups.setdefault(process, []).append(iface)
    return [RpcTcpService(process, tuple(groups[process]), 0, authenticated_only=restricted)
            for process in OWN_PROCESS_ORDER if process in groups]


def publish(config: ServerConfig, address: str, services: tuple[RpcTcpService, ...]) -> None:
    """Tell the endpoint mapper (through the server's memo) where ncacn_ip_tcp listens: the
    address, the mapper's port, and each interface's port (``ports``; ``port`` and
    ``interfaces`` are lsass's)."""
    listening: dict[str, Any] = config.memo(TCP_MEMO_KEY, dict)
    listening.clear()
    listening["address"] = address
    ports: dict[str, int] = {}
    for service in services:
        if service.name == MAPPER_NAME:
            listening["mapper_port"] = service.port
            continue
        if service.name == "lsass":
            listening["port"] = service.port
            listening["interfaces"] = tuple(i.name for i in service.interfaces)
        ports.update((i.name, service.port) for i in service.interfaces)
    listening["ports"] = ports


class _OnePipe:
    """The registry an `RpcEndpoint` asks for its interfaces: this service's only."""

    def __init__(self, info: PipeInfo) -> None:
        self._info = info

    def pipe(self, name: str) -> PipeInfo:
        return self._info


class _TcpCaller:
    """What the audit log reads off an SMB session (``principal``, ``session_id``), for a TCP
    association: the DCE/RPC-authenticated caller, else ANONYMOUS LOGON."""

    __slots__ = ("connection",)

    def __init__(self, connection: RpcTcpConnection) -> None:
        self.connection = connection

    @property
    def principal(self) -> Principal:
        return self.connection.endpoint.auth.principal or ANONYMOUS

    @property
    def session_id(self) -> int:
        return self.connection.session_id


@dataclass(slots=True)
class RpcTcpConnection:
    """One TCP connection to an ncacn_ip_tcp port: `receive(bytes) -> bytes to send`."""

    config: ServerConfig
    service: RpcTcpService
    peer: tuple[str, int]
    endpoint: RpcEndpoint = field(init=False)
    session_id: int = field(init=False)
    closed: bool = False
    _logged_off: bool = False
    _inbuf: bytearray = field(default_factory=bytearray)
    #: OBJECT_MEMO_KEY's dict on the DCOM object port, else None.
    _objects: dict[int, uuid.UUID] | None = None

    def __post_init__(self) -> None:
        # The same provider factory and association groups as the named pipes (smbemu.ipc.
        # open_endpoint): one logon path, and lsarpc + samr handles shared within a group.
        from smbemu.logon import RpcLogons
        from smbemu.rpc.association import AssociationGroups
        from smbemu.rpc.auth_ntlm import rpc_auth_factory
        from smbemu.rpc.endpoint import RpcEndpoint

        config = self.config
        limits = config.limits
        if config.rpc_groups is None:
            config.rpc_groups = AssociationGroups(handle_limit=limits.max_rpc_handles)
        self.session_id = next(_TCP_SESSION_IDS)
        # The association's logon is this connection's: its 4624 carries the connection's id as
        # TargetLogonId (the id its calls' events name) and its 4634 is written at close.
        new_auth = rpc_auth_factory(RpcLogons(config, logon_id=self.session_id, peer=self.peer))
        registry: Any = _OnePipe(self.service.pipe_info())
        self.endpoint = RpcEndpoint(self.service.name, registry, self._context, assoc_groups=config.rpc_groups,
                                    auth=new_auth(), max_frag=TCP_MAX_FRAG,
                                    max_request_size=limits.max_rpc_request)
        if self.service.name == DCOM_OBJECT_SERVICE:
            self._objects = config.memo(OBJECT_MEMO_KEY, dict)
        if config.observers:
            # The audit log's record of every call (smbemu event RPC_EVENT_ID), as on a pipe --
            # lsass, services, the DCOM exporter alike: no SMB session here; the stand-in's
            # identity is the association's (smbemu.audit.rpc_call).
            from smbemu.events import rpc_call_reporter
            stand_in: Any = _TcpCaller(self)
            self.endpoint.on_call = rpc_call_reporter(config.observers, stand_in, self.peer,
                                                      f"ncacn_ip_tcp:{self.service.port}")

    def _context(self, *, pipe_name: str, handles: HandleTable, rpc_principal: Principal | None,
                 auth_level: int, auth_type: int, session_key: bytes | None) -> CallContext:
        return CallContext(principal=rpc_principal if rpc_principal is not None else ANONYMOUS,
                           session_id=self.session_id, pipe_name=self.service.name, server=self.config,
                           handles=handles, auth_level=auth_level, auth_type=auth_type,
                           session_key=session_key or b"")

    def receive(self, data: bytes | bytearray | memoryview) -> bytes:
        """Bytes from the client; returns the bytes to send (possibly empty).

        At most `PDUS_PER_TURN` PDUs are processed per call, so that one client's flood of tiny
        requests never holds the event loop (issue 14): when whole PDUs are left (`backlog`), the
        transport stops reading and calls `receive(b"")` again on a later loop turn."""
        if self.closed:
            return b""
        out = bytearray()
        buf = self._inbuf
        buf += data
        endpoint = self.endpoint
        position = 0
        done = 0
        while len(buf) - position >= HEADER_SIZE and done < PDUS_PER_TURN:
            frag_length = peek_frag_length(buf, position)
            if frag_length < HEADER_SIZE:
                self.closed = True  # not a PDU stream: nothing sensible to answer
                break
            if len(buf) - position < frag_length:
                break
            pdu = bytes(buf[position:position + frag_length])
            position += frag_length
            done += 1
            if self._refused(pdu):
                out += self._access_denied(pdu)
            else:
                if self._objects is not None and pdu[2] == PType.REQUEST:
                    self._note_object(pdu)
                endpoint.write(pdu)
            while endpoint.has_output():
                chunk, _ = endpoint.read(1 << 30)
                out += chunk
            if endpoint.terminated:
                self.closed = True
                break
        del buf[:position]  # once per call: no copy of the rest per PDU
        if self.closed:
            buf.clear()
            self.connection_lost()
        return bytes(out)

    @property
    def backlog(self) -> bool:
        """Whole PDUs are waiting for a later `receive(b"")`."""
        buf = self._inbuf
        return not self.closed and len(buf) >= HEADER_SIZE and len(buf) >= peek_frag_length(buf, 0) >= HEADER_SIZE

    @property
    def partial(self) -> bool:
        """A PDU has started to arrive and is not whole yet (the transport's frame timeout)."""
        return bool(self._inbuf)

    def _refused(self, pdu: bytes) -> bool:
        """RestrictRemoteClients: an unauthenticated request on a restricted service."""
        if not (self.service.authenticated_only and pdu[2] == PType.REQUEST and self.endpoint.bound):
            return False
        auth = self.endpoint.auth  # with several security contexts: the one this request names
        return (auth.principal_for(pdu) if isinstance(auth, SecurityContexts) else auth.principal) is None

    def _access_denied(self, pdu: bytes) -> bytes:
        if not pdu[3] & PFC_FIRST_FRAG:
            return b""  # the call's first fragment was answered already
        call_id = int.from_bytes(pdu[12:16], "little" if pdu[4] & 0x10 else "big")
        log.info("ncacn_ip_tcp %s: unauthenticated call from %s refused (RestrictRemoteClients)",
                 self.service.name, self.peer[0])
        return encode_pdu(Pdu(Fault(24, 0, 0, FAULT_ACCESS_DENIED), call_id,
                              PFC_FIRST_FRAG | PFC_LAST_FRAG | PFC_DID_NOT_EXECUTE))

    def _note_object(self, pdu: bytes) -> None:
        """The request's object UUID (MS-RPCE 2.2.2.11: after the 24-byte request header when
        PFC_OBJECT_UUID is set), or None, for the handler of this call."""
        assert self._objects is not None
        if pdu[3] & PFC_OBJECT_UUID and len(pdu) >= REQUEST_HEADER_SIZE + 16:
            raw = pdu[REQUEST_HEADER_SIZE:REQUEST_HEADER_SIZE + 16]
            self._objects[self.session_id] = uuid.UUID(bytes_le=raw) if pdu[4] & 0x10 else uuid.UUID(bytes=raw)
        else:
            self._objects.pop(self.session_id, None)

    def connection_lost(self) -> None:
        self.closed = True
        if self.endpoint.auth.principal is not None and not self._logged_off:
            # The association's network logon ends with its connection: 4634, as Windows logs
            # off the logon session of an authenticated TCP bind (the RPC runtime frees its
            # security context when the association goes).
            self._logged_off = True
            if self.config.observers:
                stand_in: Any = _TcpCaller(self)
                self.config.observers.emit(LoggedOff(session=stand_in, peer=self.peer))
        self.endpoint.close()
        if self._objects is not None:
            self._objects.pop(self.session_id, None)
