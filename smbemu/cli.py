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
from collections.abc import Sequence

from smbemu import __version__
from smbemu.errors import ConfigError

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
    serve.add_argument("--pipes-dir", default=None, help="directory of extra RPC interface modules (*.py)")
    serve.add_argument("--max-connections", type=int, default=None, help="connections accepted at once (default 10000)")
    serve.add_argument("--idle-timeout", type=float, default=None, help="seconds before an idle connection is closed (default 900)")
    serve.add_argument("--preauth-timeout", type=float, default=None, help="seconds to complete a session setup (default 30)")
    serve.add_argument("--max-frame-size", type=int, default=None, help="largest SMB2 frame in bytes (default 8454144)")
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
    except ConfigError as exc:
        return _fail(str(exc))
    return EXIT_USAGE


def build_config(
    profile: str | None = None,
    fixture: str | None = None,
    overrides: Sequence[str] = (),
    pipes_dir: str | None = None,
    **limit_overrides: object,
) -> object:
    """Load and validate everything a server needs; raises ConfigError with the one-line message."""
    from dataclasses import replace

    from smbemu.config import Limits, ServerConfig
    from smbemu.profiles import directory_for, load_profile
    from smbemu.rpc_binding import load_pipes

    loaded_profile = load_profile(profile, overrides)
    directory = directory_for(loaded_profile, fixture)
    limits = Limits()
    changes = {k: v for k, v in limit_overrides.items() if v is not None}
    for key, value in changes.items():
        if not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError("command line", f"--{key.replace('_', '-')}", f"{value!r} must be a positive number")
    limits = replace(limits, **changes)  # type: ignore[arg-type]
    config = ServerConfig(profile=loaded_profile, directory=directory, limits=limits)
    config.pipes = load_pipes(pipes_dir)
    return config


def _serve(args: argparse.Namespace) -> int:
    level = logging.INFO
    if args.quiet:
        level = logging.WARNING
    elif args.verbose >= 2:
        level = logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    if not 0 <= args.port <= 65535:
        return _fail(f"--port: {args.port} is not a TCP port (0-65535)")
    config = build_config(
        args.profile,
        args.fixture,
        args.overrides,
        args.pipes_dir,
        max_connections=args.max_connections,
        idle_timeout=args.idle_timeout,
        preauth_timeout=args.preauth_timeout,
        max_frame_size=args.max_frame_size,
    )
    try:
        return asyncio.run(_run(config, args.host, args.port))
    except KeyboardInterrupt:
        return 0


async def _run(config: object, host: str, port: int) -> int:
    from smbemu.server import SmbServer

    server = SmbServer(config)  # type: ignore[arg-type]
    # Handlers first, so a signal that arrives as soon as we listen still stops us gracefully.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        address = await server.listen(host, port)
    except PermissionError:
        return _fail(
            f"cannot listen on {host}:{port}: ports below 1024 need root or CAP_NET_BIND_SERVICE; "
            f"pick another port, e.g. --port 4445"
        )
    except OSError as exc:
        return _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    profile = config.profile  # type: ignore[attr-defined]
    directory = config.directory  # type: ignore[attr-defined]
    log.info(
        "smbemu %s listening on %s:%d — profile %s, machine %s, dialects %s",
        __version__,
        address[0],
        address[1],
        profile.name,
        directory.machine.netbios_name,
        ", ".join(f"{d >> 8}.{(d >> 4) & 0xF}.{d & 0xF}" for d in profile.smb.dialects),
    )
    if host not in ("127.0.0.1", "localhost", "::1") and not host.startswith("127."):
        log.warning("listening beyond loopback: this server is deliberately weak; keep it on a lab network")
    await stop.wait()
    log.info("stopping: closing %d connection(s)", len(server.protocols))
    await server.close()
    return 0


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
    return EXIT_USAGE
