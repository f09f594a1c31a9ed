"""Glue between the SMB2 layer and the RPC runtime: which interfaces are served, and what an RPC
handler is told about its caller. Kept apart so that `smbemu.rpc` knows nothing about SMB."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smbemu.rpc.interface import ContextFactory
    from smbemu.rpc.registry import Registry
    from smbemu.smb2.context import ConnectionView
    from smbemu.state import Open, Session


def load_pipes(pipes_dir: str | None) -> Registry:
    """The interface registry: built-ins and plug-ins from the `smbemu.pipes` entry points, plus --pipes-dir."""
    from smbemu.rpc.registry import Registry

    return Registry.load(pipes_dirs=[pipes_dir] if pipes_dir else [])


def make_context_factory(conn: ConnectionView, session: Session, open_: Open) -> ContextFactory:
    from smbemu.rpc.interface import make_context_factory as factory

    return factory(session.principal, session.session_id, conn.config, pipe_name=open_.pipe_name)
