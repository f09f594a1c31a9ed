"""The virtual IPC$ share: its namespace of named pipes and what opening one means.

A pipe name arrives in SMB2 CREATE, SMB1 NT_CREATE_ANDX or OPEN_ANDX as `srvsvc`, `\\srvsvc`,
`pipe\\srvsvc` or `\\PIPE\\SRVSVC` depending on the client; all name the same pipe (MS-SMB2
3.3.5.9, MS-CIFS 3.3.5.35 / 3.3.5.51, names are case-insensitively compared). Opening one binds
a fresh `RpcEndpoint` (one DCE/RPC association per open, as on Windows). `open_pipe` is the
one place both dialect families open a pipe: the policy decision, its PipeOpen event, the
served-pipe check, the per-session open limit, the endpoint and its RpcCall reporter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from smbemu import events
from smbemu.errors import SmbStatusError
from smbemu.pipe_names import normalize_pipe_name
from smbemu.policy import policy_for
from smbemu.state import Open
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.logon import RpcLogons
    from smbemu.principal import Principal
    from smbemu.rpc.endpoint import RpcEndpoint
    from smbemu.rpc.interface import ContextFactory
    from smbemu.state import Session, TreeConnect

log = logging.getLogger("smbemu.pipe")

# The pipes served when no interface registry is configured (the SMB2 core on its own).
DEFAULT_PIPES = ("srvsvc", "wkssvc", "lsarpc", "samr", "netlogon")


def served_pipes(config: ServerConfig) -> tuple[str, ...]:
    registry = config.pipes
    if registry is None:
        return DEFAULT_PIPES
    names: tuple[str, ...] = tuple(registry.pipe_names())
    return names


def open_endpoint(config: ServerConfig, pipe_name: str, context_factory: ContextFactory, *,
                  logons: RpcLogons | None = None) -> RpcEndpoint:
    """A new DCE/RPC endpoint for `pipe_name` (already normalized and known to be served).

    Each endpoint gets its own DCE/RPC security provider (NTLMSSP / SPNEGO, used only when the
    client's bind carries a verifier; otherwise the SMB session's identity applies) and joins
    the server-wide association groups (MS-RPCE 3.3.1.3).  `logons` speaks for the server when
    a bind authenticates (the server's shared one when None: a fresh TargetLogonId per logon).
    """
    from smbemu.logon import RpcLogons
    from smbemu.rpc.association import AssociationGroups
    from smbemu.rpc.auth_ntlm import rpc_auth_factory
    from smbemu.rpc.endpoint import RpcEndpoint
    from smbemu.rpc.registry import PipeView, served_on

    limits = config.limits
    assert config.pipes is not None  # a served pipe name comes from the registry (served_pipes)
    if config.rpc_groups is None:
        config.rpc_groups = AssociationGroups(handle_limit=limits.max_rpc_handles)
    new_auth: Any = rpc_auth_factory(logons) if logons is not None else config.cache.get("rpc_auth_factory")
    if new_auth is None:
        new_auth = config.cache["rpc_auth_factory"] = rpc_auth_factory(RpcLogons(config))
    registry: Any = config.pipes
    info = registry.pipe(pipe_name)
    absent = tuple(i for i in info.interfaces if not served_on(i, config)) if info is not None else ()
    if absent:  # an interface this machine does not run (drsuapi off a DC): refused at bind
        registry = PipeView(info.without(absent))
    return RpcEndpoint(
        pipe_name, registry, context_factory, assoc_groups=config.rpc_groups, auth=new_auth(),
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


def open_pipe(
    config: ServerConfig,
    session: Session,
    tree: TreeConnect,
    raw_name: str,
    desired_access: int,
    peer: tuple[str, int],
    new_ids: Callable[[], tuple[int, int]],
) -> Open:
    """Open the pipe `raw_name` on the IPC$ tree `tree` for `session`, or raise SmbStatusError.

    `new_ids` gives the (persistent, volatile) ids of the new Open; it is called only once every
    check has passed, so a refused open uses no id (SMB2 draws a random FileId, SMB1 the next
    FID). The Open is registered in `session.opens` by its volatile id.
    """
    pipe_name = normalize_pipe_name(raw_name)
    # MS-SMB2 3.3.5.9 / MS-CIFS 3.3.5.35 / MS-SRVS 3.1.6.17: an anonymous session may open only
    # NullSessionPipes, and samr / lsarpc refuse anonymous on Vista SP1+ non-DCs
    # (windows-defaults.md §0 rules 3-4). The name check comes before the pipe is looked up, as
    # on Windows: a null session asking for a pipe outside the list is refused whether or not
    # the pipe exists.
    if pipe_name:
        decision = policy_for(config).pipe_open(session.principal, pipe_name)
        # observers (the audit log's 5145): the open was access-checked
        if config.observers:
            config.observers.emit(events.PipeOpen(
                session=session, peer=peer, share=tree.share_name, pipe=pipe_name,
                access_mask=desired_access, decision=decision))
        if not decision.allowed:
            raise SmbStatusError(decision.status, decision.reason)
    if not pipe_name or pipe_name not in served_pipes(config):
        log.info("open of unknown pipe %r by %s -> OBJECT_NAME_NOT_FOUND", raw_name, session.principal.display_name)
        raise SmbStatusError(NtStatus.OBJECT_NAME_NOT_FOUND, f"no pipe named {raw_name!r}")
    # A pipe whose service is stopped on the emulated release does not exist (an interface may
    # say so with an `available(config)` attribute: winreg without the Remote Registry service).
    if config.pipes is not None and any(
            not getattr(iface, "available", lambda _config: True)(config)
            for iface in config.pipes.interfaces_for_pipe(pipe_name)):
        log.info("open of pipe %r whose service is stopped -> OBJECT_NAME_NOT_FOUND", raw_name)
        raise SmbStatusError(NtStatus.OBJECT_NAME_NOT_FOUND, f"no pipe named {raw_name!r} (service stopped)")
    if len(session.opens) >= config.limits.max_opens_per_session:
        raise SmbStatusError(NtStatus.INSUFFICIENT_RESOURCES, "too many open pipes on the session")

    from smbemu.rpc_binding import make_context_factory  # bound late: the RPC layer stays SMB-agnostic

    persistent_id, volatile_id = new_ids()
    open_ = Open(
        persistent_id=persistent_id,
        volatile_id=volatile_id,
        tree=tree,
        pipe_name=pipe_name,
        endpoint=None,
        granted_access=desired_access,
    )
    contexts = make_context_factory(config, session, open_)
    if config.observers:
        # A bind that authenticates on this pipe is a network logon of its own (4624 with this
        # TargetLogonId and the client's address), which ends when the pipe closes (4634), as
        # Windows frees the RPC security context with its association.
        from smbemu.logon import RpcLogons, new_rpc_logon_id

        logons = RpcLogons(config, logon_id=new_rpc_logon_id(), peer=peer)
        open_.endpoint = open_endpoint(config, pipe_name, contexts, logons=logons)
        open_.on_close = _rpc_logoff_reporter(config, open_.endpoint, logons, peer)
        # one RpcCall event per DCE/RPC call on this pipe, with what was decided
        if hasattr(open_.endpoint, "on_call"):
            open_.endpoint.on_call = events.rpc_call_reporter(config.observers, session, peer, pipe_name)
    else:
        open_.endpoint = open_endpoint(config, pipe_name, contexts)
    session.opens[volatile_id] = open_
    log.debug("pipe %s opened by %s", pipe_name, session.principal.display_name)
    return open_


@dataclass(frozen=True, slots=True)
class _RpcLogon:
    """What the audit log's 4634 reads off a session, for a DCE/RPC logon on a pipe."""

    principal: Principal
    session_id: int


def _rpc_logoff_reporter(config: ServerConfig, endpoint: Any, logons: RpcLogons,
                         peer: tuple[str, int]) -> Callable[[], None]:
    """The pipe's close: the logon of a bind that authenticated on it ends (events.LoggedOff)."""

    def logged_off() -> None:
        principal = getattr(getattr(endpoint, "auth", None), "principal", None)
        if principal is not None and logons.logon_id is not None:
            config.observers.emit(events.LoggedOff(
                session=_RpcLogon(principal, logons.logon_id), peer=peer))  # type: ignore[arg-type]

    return logged_off


def close_pipe(session: Session, open_: Open) -> None:
    """Close the pipe `open_`: it leaves the session's opens and its endpoint its association
    group (SMB2 CLOSE, SMB1 CLOSE, and every bulk close of a tree or session)."""
    session.opens.pop(open_.volatile_id, None)
    if open_.on_close is not None:
        open_.on_close()
        open_.on_close = None
    endpoint = open_.endpoint
    if endpoint is not None and hasattr(endpoint, "close"):
        endpoint.close()
    open_.endpoint = None
