"""SMB2 CREATE on IPC$ (MS-SMB2 2.2.13, 2.2.14, 3.3.5.9): open a named pipe.

Only named pipes live on IPC$: a served pipe name opens an Open bound to a fresh RPC endpoint,
anything else is STATUS_OBJECT_NAME_NOT_FOUND (what Windows answers for an unknown pipe).
Anonymous opens are decided first by `smbemu.policy.Policy.pipe_open` (NullSessionPipes,
pipe_anonymous_refusal): STATUS_ACCESS_DENIED, with the reason in the log. The open itself is
`smbemu.ipc.open_pipe`, shared with SMB1; only the FileId (numbered as the profile's release
numbers them, `smbemu.smb2.file_ids`) and the response are SMB2's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu import ipc
from smbemu.errors import SmbStatusError
from smbemu.smb2.layouts import build, parse
from smbemu.smb2.layouts.files import CreateRequest, CreateResponse
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView, RequestContext

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
    name = request.name.decode("utf-16-le", "replace")
    if name.startswith("\\"):
        # MS-SMB2 3.3.5.9 (Path Name Validation): "If the file name length is greater than zero
        # and the first character is a path separator character, the server MUST fail the
        # request with STATUS_INVALID_PARAMETER" -- for every share, IPC$ too: an SMB2 client
        # names the pipe bare ("srvsvc"); "\srvsvc" is the SMB1 form (MS-CIFS 2.2.4.64).
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "CREATE name starts with a path separator")
    open_ = ipc.open_pipe(
        conn.config, session, tree, name, request.desired_access,
        conn.peer, lambda: conn.file_ids.new_ids(session.opens),
    )
    ctx.created_file_id = open_.file_id
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
