"""The pytest plugin (entry point ``pytest11``: ``smbemu = "smbemu.pytest_plugin"``).

It gives one fixture, ``smbemu_server``, a factory::

    def test_shares(smbemu_server):
        server = smbemu_server(profile="win2000", fixture="minimal")
        conn = SMBConnection(server.host, server.host, sess_port=server.port)
        conn.login(*server.user)

Each call starts a server in-process on 127.0.0.1 and an ephemeral port, on its own event loop
in a background thread (so synchronous clients work); every server the test started is stopped
when the test ends. Arguments: ``profile`` (name or path, default ``win2016``), ``fixture``
(name, path or dict), ``faults`` (list of rules or a YAML path, see `smbemu.faults`),
``pipes_dir``, and profile overrides as keywords (``RestrictAnonymous=2``).

Importing this module is cheap and has no side effects: smbemu itself is imported only when the
fixture is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from smbemu.testing import RunningServer, ThreadedServer


@pytest.fixture
def smbemu_server() -> Iterator[Callable[..., RunningServer]]:
    """Factory: ``smbemu_server(profile="win2016", fixture=PATH_OR_DICT, faults=[...], limits={...}, state=FILE, **overrides)``
    → a running server (``host``, ``port``, ``address``, ``credentials``, ``admin``, ``user``,
    ``config``, ``faults``), stopped at the end of the test."""
    started: list[ThreadedServer] = []

    def start(profile: Any = "win2016", fixture: Any = None, *, faults: Any = None,
              pipes_dir: str | None = None, limits: Any = None, state: Any = None,
              **overrides: Any) -> RunningServer:
        from smbemu.testing import start_in_thread

        threaded, info = start_in_thread(profile, fixture, faults=faults, pipes_dir=pipes_dir, limits=limits,
                                         state=state, **overrides)
        started.append(threaded)
        return info

    try:
        yield start
    finally:
        for threaded in reversed(started):
            threaded.stop()
