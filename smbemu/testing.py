"""smbemu as a test fixture: a real server in-process on 127.0.0.1 and an ephemeral port.

Two ways in, the same `RunningServer` out:

* ``async with smbemu.serve(profile="win2016", fixture=..., faults=[...], limits={...}, **overrides) as server:``
  runs the server on the current event loop (for asyncio code and non-pytest users);
* :func:`start_in_thread` (what the pytest fixture ``smbemu_server`` uses) runs it on its own
  event loop in a background thread, for synchronous clients such as impacket or smbprotocol.

``overrides`` are profile overrides (``RestrictAnonymous=2``, ``**{"smb.signing_required": True}``);
``fixture`` is a fixture name (``"minimal"``), a path, or a dict in the fixture format;
``faults`` is a list of rules (dicts or `smbemu.faults.FaultRule`), or a path to a faults YAML;
``limits`` changes resource limits (`smbemu.config.Limits` field names, as the ``smbemu serve`` flags).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.faults import FaultEngine

__all__ = ["serve", "start_in_thread", "RunningServer", "ThreadedServer", "Credential", "build_config"]

DEFAULT_PROFILE = "win2016"
LOOPBACK = "127.0.0.1"


class Credential(NamedTuple):
    """A user name and its password in the fixture."""

    username: str
    password: str


@dataclass(slots=True)
class RunningServer:
    """What a test needs to reach the server."""

    host: str
    port: int
    config: ServerConfig = field(repr=False)
    #: Every fixture account with a plain-text password: name -> password.
    credentials: dict[str, str] = field(default_factory=dict)
    #: The built-in administrator (RID 500), if the fixture gives its password.
    admin: Credential | None = None
    #: An enabled ordinary (non-admin) user with a password, if the fixture has one.
    user: Credential | None = None

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    @property
    def faults(self) -> FaultEngine | None:
        """The fault engine (`smbemu.faults.FaultEngine`: ``fired``, ``history``) or None."""
        return self.config.faults

    @property
    def netbios_name(self) -> str:
        return str(self.config.directory.machine.netbios_name)

    @property
    def domain(self) -> str:
        """The account domain users log on to (the machine's name on a member server)."""
        return str(self.config.directory.account_domain.name)


def build_config(
    profile: str | Path | None = DEFAULT_PROFILE,
    fixture: str | Path | Mapping[str, Any] | None = None,
    faults: Any = None,
    pipes_dir: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    limits: Mapping[str, Any] | None = None,
    state: str | Path | None = None,
) -> ServerConfig:
    """A validated `ServerConfig` (`smbemu.builder.build_config`, with this module's default
    profile); raises `smbemu.errors.ConfigError` naming the bad key.

    ``limits``: `smbemu.config.Limits` fields to change, e.g. ``{"max_connections_per_address": 4}``;
    ``state``: a ``--state`` file (`smbemu.directory.persist`): the directory comes from it when it
    exists and every change is written to it."""
    from smbemu.builder import build_config as build

    config = build(profile, fixture, overrides=overrides, pipes_dir=pipes_dir, faults=faults, limits=limits,
                   limits_source="limits")
    if state is not None:
        from smbemu.directory_state import attach_state

        attach_state(config, state)
    return config


def _credentials(fixture: str | Path | Mapping[str, Any] | None) -> tuple[dict[str, str], Credential | None, Credential | None]:
    if isinstance(fixture, Mapping):
        data: Any = fixture
    else:
        from smbemu.builder import fixture_document

        _, data = fixture_document(fixture)
    users = data.get("users", []) if isinstance(data, Mapping) else []
    credentials: dict[str, str] = {}
    admin: Credential | None = None
    user: Credential | None = None
    admin_groups = {"domain admins", "administrators", "enterprise admins"}
    for entry in users:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("password"), str):
            continue
        name, password = str(entry["name"]), entry["password"]
        credentials[name] = password
        if entry.get("rid") == 500:
            admin = Credential(name, password)
            continue
        usable = not entry.get("disabled") and not entry.get("locked") and not entry.get("password_expired")
        groups = {str(g).lower() for g in entry.get("groups", []) or []}
        if user is None and usable and int(entry.get("rid", 0)) >= 1000 and not groups & admin_groups:
            user = Credential(name, password)
    return credentials, admin, user


def _running(host: str, port: int, config: ServerConfig, fixture: Any) -> RunningServer:
    credentials, admin, user = _credentials(fixture)
    return RunningServer(host=host, port=port, config=config, credentials=credentials, admin=admin, user=user)


@contextlib.asynccontextmanager
async def serve(
    profile: str | Path | None = DEFAULT_PROFILE,
    fixture: str | Path | Mapping[str, Any] | None = None,
    host: str = LOOPBACK,
    port: int = 0,
    faults: Any = None,
    pipes_dir: str | None = None,
    limits: Mapping[str, Any] | None = None,
    state: str | Path | None = None,
    **overrides: Any,
) -> AsyncIterator[RunningServer]:
    """Run a server on the current event loop for the duration of the ``async with`` block.

    ``async with smbemu.serve(profile="win2000", fixture="minimal") as server:``
    ``server.host``, ``server.port``, ``server.credentials``, ``server.admin``, ``server.user``.
    """
    from smbemu.server import SmbServer

    config = build_config(profile, fixture, faults, pipes_dir, overrides, limits, state)
    server = SmbServer(config)
    try:
        bound_host, bound_port = await server.listen(host, port)
        yield _running(bound_host, bound_port, config, fixture)
    finally:
        await server.close()


class ThreadedServer:
    """A server on its own event loop in a daemon thread (for synchronous clients)."""

    def __init__(self, config: ServerConfig, host: str = LOOPBACK, port: int = 0, fixture: Any = None) -> None:
        from smbemu.server import SmbServer

        self.config = config
        self._fixture = fixture
        self._host, self._port = host, port
        self._loop = asyncio.new_event_loop()
        self._server = SmbServer(config)
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="smbemu-server", daemon=True)
        self.info: RunningServer | None = None

    def _run(self) -> None:
        loop = self._loop
        asyncio.set_event_loop(loop)
        try:
            host, port = loop.run_until_complete(self._server.listen(self._host, self._port))
            self.info = _running(host, port, self.config, self._fixture)
        except BaseException as exc:  # reported to the caller of start()
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._server.close())
            pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def start(self) -> RunningServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("smbemu server did not start within 10 s")
        if self._error is not None:
            raise self._error
        assert self.info is not None
        return self.info

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    @property
    def connection_count(self) -> int:
        async def count() -> int:
            return len(self._server.protocols)

        return asyncio.run_coroutine_threadsafe(count(), self._loop).result(10)


def start_in_thread(
    profile: str | Path | None = DEFAULT_PROFILE,
    fixture: str | Path | Mapping[str, Any] | None = None,
    host: str = LOOPBACK,
    port: int = 0,
    faults: Any = None,
    pipes_dir: str | None = None,
    limits: Mapping[str, Any] | None = None,
    state: str | Path | None = None,
    **overrides: Any,
) -> tuple[ThreadedServer, RunningServer]:
    """Start a server in a background thread; call ``.stop()`` on the first item when done."""
    config = build_config(profile, fixture, faults, pipes_dir, overrides, limits, state)
    threaded = ThreadedServer(config, host, port, fixture)
    return threaded, threaded.start()
