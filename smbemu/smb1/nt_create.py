"""SMB1 NT_CREATE_ANDX on IPC$ (MS-CIFS 2.2.4.64, 3.3.5.51; MS-SMB 2.2.4.9, 3.3.5.6): open a pipe.

The open itself is `smbemu.ipc.open_pipe`, shared with SMB2 CREATE (the anonymous rules, the
PipeOpen event, the served-pipe check, the per-session open limit); only the FID and the
response are SMB1's. A pipe answers as Windows' named-pipe file system reports one: opened
(FILE_OPENED), FILE_ATTRIBUTE_NORMAL, resource type FileTypeMessageModePipe, NMPipeStatus 0x05FF
(MS-CIFS 2.2.1.3: ICount 0xFF, message read mode, message pipe type; the value Samba sends as
Windows does, source3/smbd/nttrans.c do_ntcreate_pipe_open).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu import ipc
from smbemu.smb1.layouts.files import build, parse
from smbemu.smb1.layouts.files import (
    NT_CREATE_EXTENDED_WORD_COUNT,
    NtCreateAndxExtendedResponse,
    NtCreateAndxRequest,
    NtCreateAndxResponse,
    smb_string,
)

if TYPE_CHECKING:
    from smbemu.smb1.context import Smb1Request, Smb1View

#: MS-SMB 2.2.4.9.1 Flags: the client asks for the extended response.
NT_CREATE_REQUEST_EXTENDED_RESPONSE = 0x00000010
FILE_OPENED = 0x00000001  # CreateDisposition of the response (MS-CIFS 2.2.4.64.2)
FILE_ATTRIBUTE_NORMAL = 0x00000080
FILE_TYPE_MESSAGE_MODE_PIPE = 0x0002  # ResourceType (MS-CIFS 2.2.4.64.2)
#: SMB_NMPIPE_STATUS (MS-CIFS 2.2.1.3) of a fresh pipe handle: unlimited instances (ICount
#: 0xFF), ReadMode message (bit 8), NamedPipeType message (bit 10), blocking, client end.
NMPIPE_STATUS_MESSAGE = 0x05FF
PIPE_ALLOCATION_SIZE = 4096
#: MS-SMB 2.2.4.9.2 MaximalAccessRights / GuestMaximalAccessRights of a pipe: FILE_GENERIC_ALL
#: and (FILE_GENERIC_READ | FILE_GENERIC_WRITE) & ~FILE_APPEND_DATA, what Windows Server 2003
#: was seen to return (Samba's do_ntcreate_pipe_open, which copies it).
MAXIMAL_ACCESS_PIPE = 0x001F01FF
GUEST_MAXIMAL_ACCESS_PIPE = 0x0012019B


def handle(conn: Smb1View, req: Smb1Request) -> tuple[bytes, bytes]:
    session, tree = req.session, req.tree
    assert session is not None and tree is not None
    request = parse(NtCreateAndxRequest, req.words)  # short words: STATUS_INVALID_PARAMETER
    # The name runs to its NUL or the end of the data (Unicode after a pad to an even offset);
    # NameLength is not trusted, as Windows and Samba read it.
    start = req.data_offset
    name = smb_string(req.raw, start, start + len(req.data), req.unicode)
    open_ = ipc.open_pipe(
        conn.config, session, tree, name, request.desired_access, conn.peer, lambda: new_open_ids(conn),
    )
    fields = dict(
        oplock_level=0,
        fid=open_.volatile_id,
        create_disposition=FILE_OPENED,
        create_time=0,
        last_access_time=0,
        last_write_time=0,
        last_change_time=0,
        ext_file_attributes=FILE_ATTRIBUTE_NORMAL,
        allocation_size=PIPE_ALLOCATION_SIZE,
        end_of_file=0,
        resource_type=FILE_TYPE_MESSAGE_MODE_PIPE,
        nmpipe_status=NMPIPE_STATUS_MESSAGE,
        directory=0,
    )
    if request.flags & NT_CREATE_REQUEST_EXTENDED_RESPONSE:
        # MS-SMB 2.2.4.9.2: 50 words on the wire under a WordCount of 42 (layouts.files).
        req.response_word_count = NT_CREATE_EXTENDED_WORD_COUNT
        return build(
            NtCreateAndxExtendedResponse,
            **fields,
            volume_guid=bytes(16),
            file_id=0,
            maximal_access_rights=MAXIMAL_ACCESS_PIPE,
            guest_maximal_access_rights=GUEST_MAXIMAL_ACCESS_PIPE,
        ), b""
    return build(NtCreateAndxResponse, **fields), b""


def new_open_ids(conn: Smb1View) -> tuple[int, int]:
    """The new open's ids: SMB1 names it by a 16-bit FID (MS-CIFS 2.2.1.6.1) only."""
    fid = conn.new_fid()
    return fid, fid
