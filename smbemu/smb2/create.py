"""SMB2 CREATE on IPC$ (MS-SMB2 2.2.13, 2.2.14, 3.3.5.9): open a named pipe.

Only named pipes live on IPC$: a served pipe name opens an Open bound to a fresh RPC endpoint,
anything else is STATUS_OBJECT_NAME_NOT_FOUND (what Windows answers for an unknown pipe).
Anonymous opens are decided first by `smbemu.policy.Policy.pipe_open` (NullSessionPipes,
pipe_anonymous_refusal): STATUS_ACCESS_DENIED, with the reason in the log.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from smbemu import events, ipc
from smbemu.errors import SmbStatusError
from smbemu.pipe_names import normalize_pipe_name
from smbemu.policy import policy_for
from smbemu.smb2.layouts import build, parse
from smbemu.smb2.layouts.files import CreateRequest, CreateResponse
from smbemu.state import Open, Session
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.rpc.interface import ContextFactory
    from smbemu.smb2.context import ConnectionView, RequestContext

log = logging.getLogger("smbemu.pipe")

FILE_OPENED = 0x00000001
FILE_ATTRIBUTE_NORMAL = 0x00000080
PIPE_ALLOCATION_SIZE = 4096
MAX_IMPERSONATION_LEVEL = 3  # Delegate (MS-SMB2 2.2.13)
MAX_CREATE_DISPOSITION = 5  # FILE_OVERWRITE_IF


def handle(conn: ConnectionView, ctx: RequestContext) -> bytes:
    session, tree = ctx.session, ctx.tree
    assert session is not None and tree is not None
    request = parse(CreateRequest, ctx.body)  # a name outside the body: INVALID_PARAMETER
    if request.impersonation_level > MAX_IMPERSONATION_LEVEL or request.create_disposition > MAX_CREATE_DISPOSITION:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "bad ImpersonationLevel or CreateDisposition")
    desired_access = request.desired_access
    raw_name = request.name.decode("utf-16-le", "replace")
    pipe_name = normalize_pipe_name(raw_name)
    config = conn.config
    # MS-SMB2 3.3.5.9 / MS-SRVS 3.1.6.17: an anonymous session may open only NullSessionPipes,
    # and samr / lsarpc refuse anonymous on Vista SP1+ non-DCs (windows-defaults.md §0 rules 3-4).
    # The name check comes before the pipe is looked up, as on Windows: a null session asking for
    # a pipe outside the list is refused whether or not the pipe exists.
    if pipe_name:
        decision = policy_for(config).pipe_open(session.principal, pipe_name)
        # observers (the audit log's 5145): the open was access-checked
        if config.observers:
            config.observers.emit(events.PipeOpen(
                session=session, peer=conn.peer, share=tree.share_name, pipe=pipe_name,
                access_mask=desired_access, decision=decision))
        if not decision.allowed:
            raise SmbStatusError(decision.status, decision.reason)
    if not pipe_name or pipe_name not in ipc.served_pipes(config):
        log.info("open of unknown pipe %r by %s -> OBJECT_NAME_NOT_FOUND", raw_name, session.principal.display_name)
        raise SmbStatusError(NtStatus.OBJECT_NAME_NOT_FOUND, f"no pipe named {raw_name!r}")
    if len(session.opens) >= config.limits.max_opens_per_session:
        raise SmbStatusError(NtStatus.INSUFFICIENT_RESOURCES, "too many open pipes on the session")

    volatile_id = int.from_bytes(os.urandom(8), "little") | 1
    persistent_id = int.from_bytes(os.urandom(8), "little") | 1
    open_ = Open(
        persistent_id=persistent_id,
        volatile_id=volatile_id,
        tree=tree,
        pipe_name=pipe_name,
        endpoint=None,
        granted_access=desired_access,
    )
    open_.endpoint = ipc.open_endpoint(config, pipe_name, _context_factory(conn, session, open_))
    # observers: one RpcCall event per DCE/RPC call on this pipe, with what was decided
    if config.observers and hasattr(open_.endpoint, "on_call"):
        open_.endpoint.on_call = events.rpc_call_reporter(config.observers, session, conn.peer, pipe_name)
    session.opens[volatile_id] = open_
    ctx.created_file_id = open_.file_id
    log.debug("pipe %s opened by %s", pipe_name, session.principal.display_name)
    return build(
        CreateResponse,
        oplock_level=0,
        flags=0,
        create_action=FILE_OPENED,
        creation_time=0,
        last_access_time=0,
        last_write_time=0,
        change_time=0,
        allocation_size=PIPE_ALLOCATION_SIZE,
        end_of_file=0,
        file_attributes=FILE_ATTRIBUTE_NORMAL,
        reserved2=0,
        file_id=open_.file_id,
        create_contexts_offset=0,
        create_contexts_length=0,
        buffer=b"",
    )


def _context_factory(conn: ConnectionView, session: Session, open_: Open) -> ContextFactory:
    """What an RPC handler learns about its caller: bound late so the RPC layer stays SMB-agnostic."""
    from smbemu.rpc_binding import make_context_factory

    return make_context_factory(conn, session, open_)
