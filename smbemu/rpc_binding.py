"""Glue between the SMB layer and the RPC runtime: which interfaces are served, and what an RPC
handler is told about its caller. Kept apart so that `smbemu.rpc` knows nothing about SMB; the
same glue serves both dialect families (SMB2 CREATE and SMB1 NT_CREATE_ANDX / OPEN_ANDX open
pipes through `smbemu.ipc.open_pipe`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.rpc.interface import ContextFactory
    from smbemu.rpc.registry import Registry
    from smbemu.state import Open, Session


def load_pipes(pipes_dir: str | None) -> Registry:
    """The interface registry: built-ins and plug-ins from the `smbemu.pipes` entry points, plus --pipes-dir."""
    from smbemu.rpc.registry import Registry

    return Registry.load(pipes_dirs=[pipes_dir] if pipes_dir else [])


def make_context_factory(config: ServerConfig, session: Session, open_: Open) -> ContextFactory:
    """The call contexts of the pipe `open_`: the session's identity, the server `config`."""
    from smbemu.rpc.interface import make_context_factory as factory

    # The key RPC's own encryption uses (SAMR password buffers, MS-SAMR 3.2.2.x): MS-SMB2 3.3.1.8
    # Session.ApplicationKey (the session key itself before SMB 3; SMB1's session key, MS-CIFS).
    crypto = session.crypto
    key = crypto.application_key if crypto is not None else session.session_key[:16]
    return factory(session.principal, session.session_id, config, key, pipe_name=open_.pipe_name)
