"""`smbemu serve | profiles …` — the only reader of argv.

Every user mistake (a bad flag, an unknown profile, a broken fixture, a privileged port) ends
in one line on stderr naming what is wrong and what is allowed, and exit status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from smbemu import __version__, builder, safelog
from smbemu.audit_files import AuditTarget
from smbemu.config import ServerConfig, limit_fields
from smbemu.errors import ConfigError

if TYPE_CHECKING:
    from smbemu.server import SmbServer

log = logging.getLogger("smbemu")
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smbemu",
        description="SMB2 server emulator: IPC$, named pipes and DCE/RPC answered as a given Windows version would.",
    )
    parser.add_argument("--version", action="version", version=f"smbemu {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--profile", default=None, help="profile name (see `smbemu profiles list`) or a YAML file; default: win2000")
    serve.add_argument("--fixture", default=None, help="directory fixture YAML (users, groups, shares); default: the built-in corp.yaml")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=445, help="TCP port (default 445, which needs root; e.g. --port 4445)")
    serve.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a profile value, e.g. --set RestrictAnonymous=2 (repeatable)",
    )
    serve.add_argument("--state", default=None, metavar="FILE",
                       help="keep the directory's changes (SAMR/LSA writes) in FILE (JSON, written atomically after each change, "
                            "loaded at start and on SIGHUP; while it exists it replaces --fixture)")
    serve.add_argument("--pipes-dir", default=None, help="directory of extra RPC interface modules (*.py)")
    serve.add_argument("--faults", default=None, metavar="FILE", help="fault injection rules (YAML; see smbemu.faults and the README)")
    # Security audit log (README "Reading the audit log"; smbemu.audit).
    serve.add_argument(
        "--audit-log", default=None, metavar="FILE",
        help="write Windows Security events (4624, 4625, 4634, 4672, 4740, 4776, 5140, 5145, ...) and one event per RPC call as JSON lines to FILE ('-' = stdout)",
    )
    # Its bounds (issue 14: an attacker cannot flood it; smbemu.audit_files).
    serve.add_argument(
        "--audit-log-max-size", default=None, metavar="SIZE",
        help="rotate the audit log when it would pass SIZE bytes (K, M, G suffixes; 0 = never); "
             "default 20M, Windows' default Security log size",
    )
    serve.add_argument(
        "--audit-log-keep", type=int, default=None, metavar="N",
        help="rotated audit logs kept as FILE.1 .. FILE.N, older ones deleted (default 5)",
    )
    serve.add_argument(
        "--audit-log-repeat-window", type=float, default=None, metavar="SECONDS",
        help="of identical audit events within SECONDS the first 10 are written, then one with "
             "RepeatCount for the rest (default 1; 0 = write every event)",
    )
    # Lab features: packet capture, NetBIOS, several hosts (README "Labs: pcap, NetBIOS, many hosts").
    serve.add_argument("--pcap", default=None, metavar="FILE", help="write every connection's SMB traffic (decrypted) to a pcap file")
    serve.add_argument("--netbios", action="store_true", help="also serve the NetBIOS session service (TCP 139) and name service (UDP 137)")
    serve.add_argument("--netbios-port", type=int, default=139, help="TCP port of the NetBIOS session service (default 139)")
    # DCE/RPC over TCP (README "RPC over TCP"; smbemu.rpc_tcp): off unless asked, it opens more ports.
    serve.add_argument("--rpc-tcp", action="store_true",
                       help="also serve DCE/RPC over TCP (ncacn_ip_tcp): the endpoint mapper on TCP 135 and the LSA "
                            "interfaces (lsarpc, samr, netlogon, dssetup) on one dynamic port, as the profile's Windows does")
    serve.add_argument("--rpc-tcp-port", type=int, default=None, metavar="PORT",
                       help="the LSA interfaces' TCP port (default: the one the release gave lsass, else the next free one of its dynamic range, "
                            "49152-65535 from Vista/2008 on, 1025-5000 before)")
    serve.add_argument("--epm-port", type=int, default=135, metavar="PORT", help="TCP port of the endpoint mapper with --rpc-tcp (default 135)")
    serve.add_argument("--hosts", default=None, metavar="FILE", help="YAML list of hosts {address, port, profile, fixture, set, netbios} to serve at once")
    limits = serve.add_argument_group("limits", "resource limits; exceeding one affects only the offending client")
    for name, kind, default, text in limit_fields():
        limits.add_argument(
            "--" + name.replace("_", "-"), dest=name, type=kind, default=None,
            metavar="SECONDS" if kind is float else "N", help=f"{text} (default {default})",
        )
    serve.add_argument(
        "--event-loop", choices=("auto", "uvloop", "asyncio"), default="auto",
        help="auto (default): uvloop when installed, else asyncio's own loop",
    )
    serve.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-v info is default, -vv debug)")
    serve.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")

    profiles = commands.add_parser("profiles", help="list, show and compare profiles")
    profile_commands = profiles.add_subparsers(dest="profiles_command", metavar="ACTION")
    profile_commands.required = True
    profile_commands.add_parser("list", help="the built-in profiles")
    show = profile_commands.add_parser("show", help="a profile's effective values and where each came from")
    show.add_argument("name")
    show.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    diff = profile_commands.add_parser("diff", help="the values two profiles disagree on")
    diff.add_argument("a")
    diff.add_argument("b")
    new = profile_commands.add_parser("new", help="write a profile with the wire identity a capture of a real server shows")
    new.add_argument("name", help="the new profile's name (the file is NAME.yaml unless --output)")
    new.add_argument("--from-pcap", required=True, metavar="FILE", help="a pcap or pcapng capture of the server (SMB, NTLM, DCE/RPC)")
    new.add_argument("--base", default=None, metavar="PROFILE",
                     help="the profile to extend (default: the built-in one closest to the capture's version)")
    new.add_argument("--output", "-o", default=None, metavar="PATH", help="where to write the profile (default: NAME.yaml)")
    new.add_argument("--force", action="store_true", help="overwrite PATH if it exists")

    fixture = commands.add_parser("fixture", help="work with directory fixtures")
    fixture_commands = fixture.add_subparsers(dest="fixture_command", metavar="ACTION")
    fixture_commands.required = True
    export = fixture_commands.add_parser("export", help="write the directory (a fixture, or a --state file) as a fixture file")
    export.add_argument("--profile", default=None, help="the profile whose role the directory is seen with (default: win2000)")
    export.add_argument("--fixture", default=None, help="the fixture (default: corp)")
    export.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    export.add_argument("--state", default=None, metavar="FILE", help="a `smbemu serve --state` file: export the directory it holds")
    export.add_argument("-o", "--output", default="-", metavar="OUT", help="the fixture file to write (.yaml or .json; default: YAML on stdout)")
    return parser


def _fail(message: str) -> int:
    print(f"smbemu: {message}", file=sys.stderr)
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "profiles":
            return _profiles(args)
        if args.command == "fixture":
            from smbemu.directory_state import export_fixture

            return export_fixture(args.profile, args.fixture, args.overrides, args.state, args.output)
    except ConfigError as exc:
        return _fail(str(exc))
    return EXIT_USAGE


def build_config(
    profile: str | None = None,
    fixture: str | None = None,
    overrides: Sequence[str] = (),
    pipes_dir: str | None = None,
    audit_log: object = None,
    **limit_overrides: object,
) -> ServerConfig:
    """`smbemu.builder.build_config` with the command line's argument shapes (``--set`` strings,
    limits as keywords named like their flags); raises ConfigError with the one-line message."""
    return builder.build_config(
        profile, fixture, overrides=overrides, pipes_dir=pipes_dir, limits=limit_overrides, audit_log=audit_log
    )


def _serve(args: argparse.Namespace) -> int:
    level = logging.INFO
    if args.quiet:
        level = logging.WARNING
    elif args.verbose >= 2:
        level = logging.DEBUG
    # every message escaped and cut, floods of one message held back (smbemu.safelog)
    safelog.install(level)
    if not 0 <= args.port <= 65535:
        return _fail(f"--port: {args.port} is not a TCP port (0-65535)")
    if not 0 <= args.netbios_port <= 65535:
        return _fail(f"--netbios-port: {args.netbios_port} is not a TCP port (0-65535)")
    for flag, port in (("--rpc-tcp-port", args.rpc_tcp_port), ("--epm-port", args.epm_port)):
        if port is not None and not 0 <= port <= 65535:
            return _fail(f"{flag}: {port} is not a TCP port (0-65535)")
    limits: dict[str, object] = {name: getattr(args, name) for name, _, _, _ in limit_fields()}
    hosts = _hosts_from_args(args, limits)
    if args.rpc_tcp:
        for host in hosts:
            host.rpc_tcp = (args.epm_port, args.rpc_tcp_port)
    configs = [host.build() for host in hosts]
    for host, config in zip(hosts, configs):
        host.config = config
        # Every host's browse list (RAP NetServerEnum2) shows the hosts as they are now.
        config.lab_hosts = lambda: [h.config for h in hosts if h.config is not None]
    _raise_open_file_limit(sum(config.limits.max_connections for config in configs), args.max_connections is not None)
    loop_factory = _event_loop_factory(args.event_loop)
    if isinstance(loop_factory, str):
        return _fail(loop_factory)
    try:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            return runner.run(_run(hosts, args.pcap, lambda: _hosts_from_args(args, limits)))
    except KeyboardInterrupt:
        return 0


def _event_loop_factory(choice: str) -> Callable[[], asyncio.AbstractEventLoop] | None | str:
    """uvloop's event loop unless refused (`--event-loop asyncio`), else asyncio's (None).

    uvloop is a dependency wherever it installs (CPython off Windows), so `auto` means uvloop
    there and asyncio's own loop elsewhere; a string is the error for `--event-loop uvloop`
    where uvloop is missing."""
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            return "--event-loop: uvloop is not installed (it does not install on this platform); allowed: auto, asyncio"
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def _raise_open_file_limit(connections: int, asked: bool) -> None:
    """One descriptor per connection: lift the soft RLIMIT_NOFILE towards what the limits allow.

    Past the descriptor limit accept() fails and asyncio stops accepting for everyone for a
    while, so a limit below --max-connections is raised if the hard limit allows, else said:
    as a warning when the user asked for that many connections, in the log when it is the default."""
    try:
        import resource
    except ImportError:  # not on POSIX
        return
    wanted = connections + 256  # listeners, logs, pcap, the resolver...
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
        if soft < wanted:
            log.log(
                logging.WARNING if asked else logging.INFO,
                "open-file limit %d is below --max-connections %d: about %d connections fit; raise `ulimit -n`",
                soft, connections, max(soft - 256, 0),
            )


class _Host:
    """One emulated machine: where it listens, and how to (re)build its config."""

    def __init__(self, address: str, port: int, netbios: bool, netbios_port: int,
                 build: Callable[[], ServerConfig]) -> None:
        self.address = address
        self.port = port
        self.netbios = netbios
        self.netbios_port = netbios_port
        self.build = build
        self.config: ServerConfig | None = None
        self.server: SmbServer | None = None
        # --rpc-tcp: (endpoint mapper port, LSA port or None = the release's usual one, smbemu.rpc_tcp.dynamic_ports)
        self.rpc_tcp: tuple[int, int | None] | None = None


def _hosts_from_args(args: argparse.Namespace, limits: dict[str, object]) -> list[_Host]:
    """`--hosts FILE` (smbemu.hosts) or the single host of --host/--port/--profile."""
    # Fault injection (smbemu.faults): the file is read once, and a mistake in it is named as
    # the file's own, not a host's; each host gets its own engine, counting its own matches.
    faults = None
    if args.faults is not None:
        from smbemu.faults import load_faults

        faults = load_faults(args.faults).rules
    audit_log = _audit_target(args)
    shared = {"pipes_dir": args.pipes_dir, "faults": faults, "limits": limits, "audit_log": audit_log}
    if args.hosts is None:
        build: Callable[[], ServerConfig] = lambda: builder.build_config(  # noqa: E731
            args.profile, args.fixture, overrides=args.overrides, **shared)
        if args.state is not None:
            # one StateFile for the start and every SIGHUP reload (smbemu.directory.persist)
            from smbemu.directory.persist import StateFile
            from smbemu.directory_state import attach_state

            state = vars(args).setdefault("state_file", StateFile(args.state))
            plain = build
            build = lambda: attach_state(plain(), state)  # noqa: E731
        return [_Host(args.host, args.port, args.netbios, args.netbios_port, build)]
    from smbemu.hosts import HostSpec, host_config, load_hosts

    if args.state is not None:
        raise ConfigError("command line", "--state", "cannot be combined with --hosts (one directory per file); "
                                                     "allowed: --state with a single host")
    for flag, value in (("--profile", args.profile), ("--fixture", args.fixture), ("--set", args.overrides)):
        if value:
            raise ConfigError("command line", flag, "cannot be combined with --hosts; give it per host in the hosts file")
    hosts = []
    for index, spec in enumerate(load_hosts(args.hosts)):
        def build(spec: HostSpec = spec, index: int = index) -> ServerConfig:
            return host_config(spec, args.pipes_dir, args.hosts, index, faults=faults, limits=limits,
                               audit_log=audit_log)

        netbios = args.netbios if spec.netbios is None else spec.netbios
        hosts.append(_Host(spec.address, args.port if spec.port is None else spec.port, netbios, args.netbios_port, build))
    return hosts


_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


def _audit_target(args: argparse.Namespace) -> AuditTarget | None:
    """``--audit-log`` with its bounds; a bound without ``--audit-log`` is a mistake."""
    bounds = {"--audit-log-max-size": args.audit_log_max_size, "--audit-log-keep": args.audit_log_keep,
              "--audit-log-repeat-window": args.audit_log_repeat_window}
    if args.audit_log is None:
        for flag, value in bounds.items():
            if value is not None:
                raise ConfigError("command line", flag, "needs --audit-log FILE")
        return None
    target = AuditTarget(args.audit_log)
    if args.audit_log_max_size is not None:
        text = str(args.audit_log_max_size).strip().upper().removesuffix("B")
        unit = text[-1:] if text[-1:] in _SIZE_UNITS else ""
        number = text[: len(text) - len(unit)]
        if not number.isdigit():
            raise ConfigError("command line", "--audit-log-max-size",
                              f"{args.audit_log_max_size!r} is not a size; e.g. 20M, 500K, 1048576, 0 (no cap)")
        target = replace(target, max_size=int(number) * _SIZE_UNITS[unit])
    if args.audit_log_keep is not None:
        if args.audit_log_keep < 0:
            raise ConfigError("command line", "--audit-log-keep", f"{args.audit_log_keep} is negative; allowed: 0 or more")
        target = replace(target, keep=args.audit_log_keep)
    if args.audit_log_repeat_window is not None:
        if not 0 <= args.audit_log_repeat_window <= 3600:
            raise ConfigError("command line", "--audit-log-repeat-window",
                              f"{args.audit_log_repeat_window} is not between 0 and 3600 seconds")
        target = replace(target, repeat_window=args.audit_log_repeat_window)
    return target


def _reload(hosts: list[_Host], reread: Callable[[], list[_Host]]) -> None:
    """SIGHUP: re-read the hosts file, rebuild every host's profile and fixture for new
    connections; established sessions keep theirs. Addresses and ports need a restart."""
    fresh = []
    try:
        wanted = {(h.address, h.port, h.netbios, h.netbios_port): h for h in reread()}
        for host in hosts:
            match = wanted.pop((host.address, host.port, host.netbios, host.netbios_port), None)
            if match is None:
                log.warning("reload: %s:%d is no longer in the hosts file; it keeps running until a restart",
                            host.address, host.port)
            else:
                host.build = match.build
        for extra in wanted.values():
            log.warning("reload: new host %s:%d needs a restart to listen", extra.address, extra.port)
        for host in hosts:
            fresh.append(host.build())
    except ConfigError as exc:
        log.error("reload failed, keeping the running configuration: %s", exc)
        return
    for host, config in zip(hosts, fresh):
        old = host.config
        assert old is not None and host.server is not None
        # Take the new profile, fixture, pipes and audit log; keep what belongs to the running
        # server: its identity, its running state (sessions, RPC association groups, the
        # session counter) and its fault engine with its counts.
        new = replace(
            config,
            server_guid=old.server_guid,
            start_filetime=old.start_filetime,
            faults=old.faults,
            state=old.state.carried_over(),
            lab_hosts=old.lab_hosts,
        )
        host.config = new
        host.server.reload(new)
        log.info("reloaded %s: profile %s, machine %s (established sessions keep the previous configuration)",
                 host.address, new.profile.name, new.directory.machine.netbios_name)


def _is_loopback(address: str) -> bool:
    import ipaddress

    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


async def _run(hosts: list[_Host], pcap_path: str | None = None, reread: Callable[[], list[_Host]] | None = None) -> int:
    from smbemu.server import SmbServer

    pcap = None
    if pcap_path is not None:
        from smbemu.pcap import PcapWriter

        try:
            pcap = PcapWriter(pcap_path)
        except OSError as exc:
            return _fail(f"--pcap: cannot write {pcap_path}: {exc.strerror or exc}")
    if reread is None:
        reread = lambda: hosts  # noqa: E731 - nothing to re-read: rebuild the same hosts
    # Handlers first, so a signal that arrives as soon as we listen still stops us gracefully.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    loop.add_signal_handler(signal.SIGHUP, _reload, hosts, reread)
    servers: list[SmbServer] = []
    flusher: asyncio.Task[None] | None = None
    sweeper: asyncio.Task[None] | None = None
    try:
        for host in hosts:
            assert host.config is not None  # built by _serve before the loop starts
            server = SmbServer(host.config, pcap=pcap)
            servers.append(server)
            host.server = server
            endpoints = [(host.port, "tcp", False)]
            if host.netbios:
                endpoints += [(host.netbios_port, "tcp", True), (137, "udp", True)]
            bound = []
            for port, kind, netbios in endpoints:
                try:
                    if kind == "udp":
                        address = await server.listen_names(host.address, port)
                        bound.append(f"{address[0]}:{address[1]}/udp (netbios names)")
                    else:
                        if netbios:
                            address = await server.listen(host.address, port, netbios=True)
                        else:
                            address = await server.listen(host.address, port)
                        bound.append(f"{address[0]}:{address[1]}" + (" (netbios session)" if netbios else ""))
                except PermissionError:
                    return _fail(
                        f"cannot listen on {host.address}:{port}: ports below 1024 need root or CAP_NET_BIND_SERVICE; "
                        f"pick another port, e.g. --port 4445"
                    )
                except OSError as exc:
                    return _fail(f"cannot listen on {host.address}:{port}{'/udp' if kind == 'udp' else ''}: {exc.strerror or exc}")
            if host.rpc_tcp is not None:
                mapper_port, lsa_port = host.rpc_tcp
                try:
                    for rpc_address, rpc_port, service in await server.listen_rpc_tcp(host.address, mapper_port, lsa_port):
                        bound.append(f"{rpc_address}:{rpc_port} (ncacn_ip_tcp {service})")
                except PermissionError:
                    return _fail(f"cannot listen on {host.address}:{mapper_port}: ports below 1024 need root or "
                                 "CAP_NET_BIND_SERVICE; pick another endpoint mapper port, e.g. --epm-port 1135")
                except OSError as exc:
                    return _fail(f"cannot listen for ncacn_ip_tcp on {host.address}: {exc.strerror or exc}")
            profile = host.config.profile
            directory = host.config.directory
            log.info(
                "smbemu %s listening on %s — profile %s (%s), machine %s, domain %s, dialects %s",
                __version__,
                ", ".join(bound),
                profile.name,
                profile.role,
                directory.machine.netbios_name,
                directory.primary_domain.name,
                ", ".join((["NT LM 0.12"] if profile.smb.smb1 else [])  # SMB1's dialect, then SMB2's
                          + [f"{d >> 8}.{(d >> 4) & 0xF}.{d & 0xF}" for d in profile.smb.dialects]),
            )
            if not _is_loopback(host.address):
                log.warning("listening beyond loopback on %s: this server is deliberately weak; keep it on a lab network",
                            host.address)
        log.info("event loop: %s", "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio")
        if pcap is not None:
            log.info("writing a pcap of every connection (decrypted) to %s", pcap.path)
            flusher = loop.create_task(_flush_every_second(pcap))
        sweeper = loop.create_task(_sweep_audit_logs_every_second(hosts))
        if len(hosts) > 1:
            log.info("%d hosts; SIGHUP reloads their profiles and fixtures", len(hosts))
        _settle_garbage_collector()
        await stop.wait()
        log.info("stopping: closing %d connection(s)", sum(len(server.protocols) for server in servers))
    finally:
        if flusher is not None:
            flusher.cancel()
        if sweeper is not None:
            sweeper.cancel()
        for server in servers:
            await server.close()
        if pcap is not None:
            pcap.close()
        for host in hosts:  # the counts of repeated audit events still open are written
            if host.config is not None and host.config.audit is not None:
                host.config.audit.close()
    return 0


async def _sweep_audit_logs_every_second(hosts: list[_Host]) -> None:
    """A folded count of repeated audit events is written once its window has passed, even when
    no other event follows (smbemu.audit_files.RepeatFolder)."""
    while True:
        await asyncio.sleep(1.0)
        for host in hosts:
            if host.config is not None and host.config.audit is not None:
                host.config.audit.sweep()


def _settle_garbage_collector() -> None:
    """What start-up loaded (profiles, the directory: 600 MB with 100,000 users) lives as long
    as the process: take it out of the cyclic collector's view, and make full collections rarer.
    Each held session adds ~40 tracked objects, and a full pass over 10,000 of them stopped the
    server for ~0.3 s at a time (benchmarks/README.md, "10,000 held sessions")."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(700, 10, 100)


async def _flush_every_second(pcap: Any) -> None:
    """`--pcap` stays readable while connections are idle (the writer flushes on writes and closes)."""
    while True:
        await asyncio.sleep(1.0)
        pcap.flush()


def _profiles(args: argparse.Namespace) -> int:
    from smbemu import profiles

    if args.profiles_command == "list":
        for name in profiles.list_profiles():
            print(name)
        return 0
    if args.profiles_command == "show":
        profile = profiles.load_profile(args.name, args.overrides)
        for key, value, source in profiles.explain(profile):
            print(f"{key} = {value!r}    # {source}")
        return 0
    if args.profiles_command == "diff":
        a = {key: value for key, value, _ in profiles.explain(profiles.load_profile(args.a))}
        b = {key: value for key, value, _ in profiles.explain(profiles.load_profile(args.b))}
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                print(f"{key}: {args.a}={a.get(key)!r} {args.b}={b.get(key)!r}")
        return 0
    if args.profiles_command == "new":
        from smbemu.pcap_reader import CaptureError
        from smbemu.profile_from_pcap import write_profile

        try:
            path, generated = write_profile(args.name, args.from_pcap, args.output, args.base, args.force)
        except CaptureError as exc:
            return _fail(str(exc))
        print(f"{path}: {len(generated.keys)} identity values read, extends {generated.base}; "
              f"{len(generated.not_read)} identity keys not in the capture (listed at the end of the file)")
        return 0
    return EXIT_USAGE
