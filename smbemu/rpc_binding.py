"""Glue between the SMB2 layer and the RPC runtime: which interfaces are served, and what an RPC
handler is told about its caller. Kept apart so that `smbemu.rpc` knows nothing about SMB."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smbemu.connection import Connection
    from smbemu.state import Open, Session


def load_pipes(pipes_dir: str | None) -> Any:
    """The interface registry: built-ins and plug-ins from the `smbemu.pipes` entry points, plus --pipes-dir."""
    from smbemu.rpc.registry import Registry

    return Registry.load(pipes_dirs=[pipes_dir] if pipes_dir else [])


def make_context_factory(conn: Connection, session: Session, open_: Open) -> Any:
    from smbemu.rpc.interface import make_context_factory as factory

    # srvsvc NetrSessionEnum / NetrConnectionEnum name each session's client by its address
    # (MS-SRVS 2.2.4.15 sesi*_cname, "\\\\127.0.0.1" as Windows shows it); the Session object
    # does not know its connection, so record the peer here for every session of this one.
    for known in conn.sessions.values():
        if not known.client_address:
            known.client_address = conn.peer[0]
    return factory(session.principal, session.session_id, conn.config, pipe_name=open_.pipe_name)
