"""The virtual IPC$ share: its namespace of named pipes and what opening one means.

A pipe name arrives in CREATE as `srvsvc`, `\\srvsvc`, `pipe\\srvsvc` or `\\PIPE\\SRVSVC`
depending on the client; all name the same pipe (MS-SMB2 3.3.5.9, names are case-insensitive).
Opening one binds a fresh `RpcEndpoint` (one DCE/RPC association per open, as on Windows).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smbemu.config import ServerConfig

# The pipes served when no interface registry is configured (the SMB2 core on its own).
DEFAULT_PIPES = ("srvsvc", "wkssvc", "lsarpc", "samr", "netlogon")


def normalize_pipe_name(name: str) -> str:
    r"""`\PIPE\SrvSvc` → `srvsvc`; an empty result means no pipe was named."""
    name = name.replace("/", "\\").lstrip("\\")
    if name.lower().startswith("pipe\\"):
        name = name[5:]
    return name.lower()


def served_pipes(config: ServerConfig) -> tuple[str, ...]:
    registry = config.pipes
    if registry is None:
        return DEFAULT_PIPES
    names: tuple[str, ...] = tuple(registry.pipe_names())
    return names


def open_endpoint(config: ServerConfig, pipe_name: str, context_factory: Any) -> Any:
    """A new DCE/RPC endpoint for `pipe_name` (already normalized and known to be served).

    Each endpoint gets its own DCE/RPC security provider (NTLMSSP / SPNEGO, used only when the
    client's bind carries a verifier; otherwise the SMB session's identity applies) and joins
    the server-wide association groups (MS-RPCE 3.3.1.3).
    """
    from smbemu.rpc.auth_ntlm import rpc_auth_factory
    from smbemu.rpc.endpoint import AssociationGroups, RpcEndpoint

    if config.rpc_groups is None:
        config.rpc_groups = AssociationGroups()
    new_auth = config.cache.get("rpc_auth_factory")
    if new_auth is None:
        new_auth = config.cache["rpc_auth_factory"] = rpc_auth_factory(config)
    return RpcEndpoint(pipe_name, config.pipes, context_factory, assoc_groups=config.rpc_groups, auth=new_auth())
