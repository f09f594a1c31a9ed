"""The virtual IPC$ share: its namespace of named pipes and what opening one means.

A pipe name arrives in CREATE as `srvsvc`, `\\srvsvc`, `pipe\\srvsvc` or `\\PIPE\\SRVSVC`
depending on the client; all name the same pipe (MS-SMB2 3.3.5.9, names are case-insensitive).
Opening one binds a fresh `RpcEndpoint` (one DCE/RPC association per open, as on Windows).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu.errors import SmbStatusError
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.rpc.endpoint import RpcEndpoint
    from smbemu.rpc.interface import ContextFactory

# The pipes served when no interface registry is configured (the SMB2 core on its own).
DEFAULT_PIPES = ("srvsvc", "wkssvc", "lsarpc", "samr", "netlogon")


def served_pipes(config: ServerConfig) -> tuple[str, ...]:
    registry = config.pipes
    if registry is None:
        return DEFAULT_PIPES
    names: tuple[str, ...] = tuple(registry.pipe_names())
    return names


def open_endpoint(config: ServerConfig, pipe_name: str, context_factory: ContextFactory) -> RpcEndpoint:
    """A new DCE/RPC endpoint for `pipe_name` (already normalized and known to be served).

    Each endpoint gets its own DCE/RPC security provider (NTLMSSP / SPNEGO, used only when the
    client's bind carries a verifier; otherwise the SMB session's identity applies) and joins
    the server-wide association groups (MS-RPCE 3.3.1.3).
    """
    from smbemu.logon import RpcLogons
    from smbemu.rpc.association import AssociationGroups
    from smbemu.rpc.auth_ntlm import rpc_auth_factory
    from smbemu.rpc.endpoint import RpcEndpoint

    limits = config.limits
    assert config.pipes is not None  # a served pipe name comes from the registry (served_pipes)
    if config.rpc_groups is None:
        config.rpc_groups = AssociationGroups(handle_limit=limits.max_rpc_handles)
    new_auth = config.cache.get("rpc_auth_factory")
    if new_auth is None:
        new_auth = config.cache["rpc_auth_factory"] = rpc_auth_factory(RpcLogons(config))
    return RpcEndpoint(
        pipe_name, config.pipes, context_factory, assoc_groups=config.rpc_groups, auth=new_auth(),
        max_request_size=limits.max_rpc_request,
    )


def check_pipe_output(config: ServerConfig, endpoint: RpcEndpoint) -> None:
    """Refuse a pipe WRITE while the client leaves more than `max_pipe_output` bytes of answers
    unread: the server would otherwise buffer without bound for a client that never reads.
    Windows' pipe would block the writer instead; an SMB2 server cannot hold a WRITE forever,
    so the request is refused and nothing is written (the client can READ, then retry)."""
    if endpoint.queued_bytes >= config.limits.max_pipe_output:
        raise SmbStatusError(
            NtStatus.INSUFFICIENT_RESOURCES,
            f"{endpoint.queued_bytes} bytes of answers unread on the pipe (max_pipe_output {config.limits.max_pipe_output})",
        )
