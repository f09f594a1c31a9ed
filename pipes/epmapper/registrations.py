"""Which endpoints the emulated Windows registered with its endpoint mapper.

Windows' mapper lists what each server process registered (``RpcEpRegister``): every interface
of a process on every endpoint that process listens on, since the RPC runtime of a process
serves all its interfaces on all its protocol sequences.  For the interfaces smbemu serves:

* **lsass** (lsarpc, samr; netlogon on a DC): the named pipe ``\\pipe\\lsass`` (MS-SAMR 2.1 and
  MS-LSAT 2.1: RPC over TCP with *dynamic* endpoints, i.e. registered with the mapper; the
  secondary address Windows answers in bind_ack names the same pipe), its one dynamic TCP port
  when ncacn_ip_tcp is served (``smbemu serve --rpc-tcp``), and its local (ncalrpc) endpoints.
  Netlogon's TCP endpoint exists on domain controllers only (MS-NRPC 2.1: the DC side of the
  secure channel; a member's Netlogon service has no remote callers) (U for the member's
  pipe-only registration).  drsuapi (MS-DRSR 2.1, a DC's directory service in lsass) is
  registered on the same endpoints, on DCs only (the interface is not served elsewhere).  The local endpoint names are those public ``rpcdump.py`` outputs of
  each generation show for lsass (W): ``audit``, ``securityevent``, ``protected_storage`` and
  ``dsrole`` up to 2003; ``samss lpc``, ``SidKey Local End Point``, ``lsasspirpc``,
  ``lsapolicylookup``, ``LSARPC_ENDPOINT`` from Vista / 2008; ``LSA_EAS_ENDPOINT``, ``lsacap``,
  ``LSA_IDPEXT_ENDPOINT`` from 8 / 2012.
* **dssetup** is not registered: MS-DSSP 2.1 gives it the well-known endpoint ``\\PIPE\\lsarpc``
  only ("a client MUST only attempt to connect ... via RPC over the above-named pipe"); it is
  still callable on the lsass TCP port, like every interface of the process.
* **bkrp** (MS-BKRP, BackupKey) is not registered: it is served by lsass on its pipes and TCP
  port, but a Metasploit ``dcerpc/hidden`` scan of a Windows DC finds it on every lsass port as
  "HIDDEN" -- answering without an endpoint-map entry (W); clients reach it on the well-known
  ``\\pipe\\protected_storage`` (MS-BKRP 2.1).
* **spoolss** (spoolsv.exe): ``\\pipe\\spoolss`` and its local endpoint ``spoolss`` (W: HSC's
  "Windows network services internals", MSRPC spoolss section: ifids lists the interface on
  ncacn_np ``\\pipe\\spoolss`` and ncalrpc ``spoolss``); registered only while the pipe exists
  (the Spooler runs, and from 2003 on a printer is shared: pipes/spoolss).
* **eventlog** (MS-EVEN) is not registered: MS-EVEN 2.1.1 gives it the well-known endpoint
  ``\\PIPE\\eventlog`` (a client needs no mapper).  What Windows' mapper lists on that pipe from
  Vista / 2008 on is the *other* event log interface, **even6** (MS-EVEN6, f6beaff7-...,
  annotation "Event log TCPIP"): on ``\\PIPE\\eventlog`` and on the event log service's dynamic
  TCP port (W: hsc.fr "IEventService" rpcdump listing; MS-EVEN6 2.1: ncacn_ip_tcp, dynamic
  endpoint), from Vista / 2008 on only (its ``present``; pipes/eventlog/even6).
* **par** (MS-PAR, IRemoteWinspool): on spoolsv.exe's dynamic TCP port only (MS-PAR 2.1: "RPC
  over TCP/IP", dynamic endpoint; it is not registered on the spooler's pipe), from Vista /
  2008 on while the spooler serves (its ``present``; pipes/spoolss/par).  Annotation empty (U).
* **the Task Scheduler** (MS-TSCH; svchost's Schedule service): ATSvc, SASec and, from Vista /
  2008 on, ITaskSchedulerService on ``\\PIPE\\atsvc``; ITaskSchedulerService also on its
  dynamic TCP port with ``--rpc-tcp`` (MS-TSCH 2.1: the ITaskSchedulerService interface uses
  RPC over TCP with a dynamic endpoint, the two older ones the named pipe only) (W: public
  ``rpcdump.py`` outputs of 2012 / 2016 list 1ff70682 and 378e52b0 on ``\\PIPE\\atsvc`` and
  86d35949 on ``\\PIPE\\atsvc`` and ncacn_ip_tcp; their local endpoints, LRPC-<random>,
  are not modelled);
* **every other served interface** (srvsvc, wkssvc, plug-ins): its own named pipe
  (``\\PIPE\\<name>``, the first one it declares) (U: Windows registers srvsvc and wkssvc from
  their service hosts; the exact local endpoints of those processes are not modelled).

The mapper does not list itself (its endpoints are well known: TCP 135, ``\\pipe\\epmapper``;
C706 appendix I).  Annotations are empty: lsass registers its interfaces without one (W, public
``rpcdump.py`` outputs print an empty annotation for them).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from smbemu.rpc import CallContext, Interface

from .towers import Tower, local_tower, pipe_tower, tcp_tower

__all__ = ["Entry", "TCP_MEMO_KEY", "endpoint_map", "LSASS_INTERFACES", "UNREGISTERED"]

#: Where the ncacn_ip_tcp listener (smbemu.rpc_tcp) publishes what it listens on: a dict with
#: ``address``, ``mapper_port``, ``port`` (the lsass dynamic port), ``interfaces`` (names
#: served on that port) and ``ports`` (every interface's port); empty when ncacn_ip_tcp is off.
TCP_MEMO_KEY: Final = "rpc_tcp.listening"

LSASS_PIPE: Final = "\\pipe\\lsass"
#: The interfaces served by lsass (their bind_ack secondary address is \PIPE\lsass).
LSASS_INTERFACES: Final = frozenset({"lsarpc", "samr", "netlogon", "dssetup", "drsuapi", "bkrp"})
#: Served, but never registered with the mapper (see the module docstring).
UNREGISTERED: Final = frozenset({"dssetup", "epmapper", "eventlog", "bkrp",
                                 # DCOM's resolver and activators: well-known endpoints (MS-DCOM 2.1)
                                 "IObjectExporter", "IActivation", "IRemoteSCMActivator"})

_LOCAL_2000: Final = ("audit", "securityevent", "protected_storage", "dsrole")
_LOCAL_VISTA: Final = ("samss lpc", "SidKey Local End Point", "protected_storage", "lsasspirpc",
                       "lsapolicylookup", "LSARPC_ENDPOINT", "securityevent", "audit")
_LOCAL_2012: Final = ("LSA_EAS_ENDPOINT", "lsacap", "LSA_IDPEXT_ENDPOINT")
#: Local (ncalrpc) endpoints of the other served interfaces' processes (module docstring).
_LOCAL_OTHERS: Final = {"spoolss": ("spoolss",)}
#: Registered on their TCP endpoint only, not on the pipe they are reachable on (module docstring).
TCP_ONLY: Final = frozenset({"par"})
#: Annotations Windows registers (module docstring).
ANNOTATIONS: Final = {"even6": "Event log TCPIP"}

#: When the server has no interface registry to show (unit tests' stand-in servers).
_BUILTIN: Final = (
    ("lsarpc", uuid.UUID("12345778-1234-abcd-ef00-0123456789ab"), (0, 0), ("lsarpc",)),
    ("samr", uuid.UUID("12345778-1234-abcd-ef00-0123456789ac"), (1, 0), ("samr",)),
    ("netlogon", uuid.UUID("12345678-1234-abcd-ef00-01234567cffb"), (1, 0), ("netlogon",)),
    ("srvsvc", uuid.UUID("4b324fc8-1670-01d3-1278-5a47bf6ee188"), (3, 0), ("srvsvc",)),
    ("wkssvc", uuid.UUID("6bffd098-a112-3610-9833-46c3f87e345a"), (1, 0), ("wkssvc",)),
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One element of the endpoint map (C706 ept_entry_t): object UUID, tower, annotation."""

    interface_name: str
    syntax: tuple[uuid.UUID, int, int]
    tower: Tower
    annotation: str = ""
    object_uuid: uuid.UUID = uuid.UUID(int=0)


def _served(ctx: CallContext) -> Iterable[tuple[str, uuid.UUID, tuple[int, int], tuple[str, ...]]]:
    # The server's interface registry (smbemu.config.ServerConfig.pipes): not part of the
    # handler's view, read here only to list what is served.
    registry: Any = getattr(ctx.server, "pipes", None)
    if registry is None:
        return _BUILTIN
    # An interface whose service is stopped on this release (winreg without Remote Registry)
    # registers no endpoint, as its pipe does not exist either (smbemu.ipc).
    config = ctx.server
    return [(i.name, i.uuid, i.version, i.pipes) for i in registry if isinstance(i, Interface)
            and getattr(i, "available", lambda _config: True)(config)
            and getattr(i, "served_on", lambda _config: True)(config)]


def _local_endpoints(version: tuple[int, int]) -> tuple[str, ...]:
    if version < (5, 0):
        return _LOCAL_2000[:3]  # NT 4 has no DsRole interface (it came with 2000's dcpromo) (U)
    if version < (6, 0):
        return _LOCAL_2000
    if version < (6, 2):
        return _LOCAL_VISTA
    return _LOCAL_VISTA + _LOCAL_2012


def endpoint_map(ctx: CallContext) -> tuple[Entry, ...]:
    """The endpoint map of this server, in the order the mapper walks it."""
    profile = ctx.server.profile
    host = "\\\\" + ctx.server.directory.machine.netbios_name.upper()
    tcp: Mapping[str, Any] = ctx.server.memo(TCP_MEMO_KEY, dict)
    tcp_ports: Mapping[str, int] = tcp.get("ports") or {name: tcp["port"] for name in tcp.get("interfaces", ())}
    address = str(tcp.get("address") or "0.0.0.0")
    if ":" in address or address == "localhost":
        address = "127.0.0.1" if address in ("::1", "localhost") else "0.0.0.0"
    entries: list[Entry] = []
    for name, if_uuid, version, pipes in _served(ctx):
        if name in UNREGISTERED:
            continue
        syntax = (if_uuid, version[0], version[1])
        if name == "tsch" and profile.identity.version < (6, 0):
            continue  # ITaskSchedulerService came with Vista / 2008 (MS-TSCH Appendix B <1>)
        if name in LSASS_INTERFACES:
            towers = [pipe_tower(syntax, LSASS_PIPE, host)]
            if tcp_ports.get(name) and (name != "netlogon" or profile.is_dc):
                towers.append(tcp_tower(syntax, int(tcp_ports[name]), address))
            towers += [local_tower(syntax, e) for e in _local_endpoints(profile.identity.version)]
        elif pipes:
            towers = [] if name in TCP_ONLY else [pipe_tower(syntax, "\\PIPE\\" + pipes[0], host)]
            if tcp_ports.get(name):  # svcctl, even6, par from Vista on (smbemu.rpc_tcp)
                towers.append(tcp_tower(syntax, int(tcp_ports[name]), address))
            towers += [local_tower(syntax, e) for e in _LOCAL_OTHERS.get(name, ())]
        else:
            continue
        annotation = ANNOTATIONS.get(name, "")
        entries.extend(Entry(name, syntax, tower, annotation) for tower in towers)
    return tuple(entries)
