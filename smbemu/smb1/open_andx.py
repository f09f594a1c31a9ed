"""SMB1 OPEN_ANDX on IPC$ (MS-CIFS 2.2.4.41, 3.3.5.35; MS-SMB 2.2.4.1): open a pipe the old way.

Clients older than NT LM 0.12's NT_CREATE_ANDX (and RAP-era tools) open `\\PIPE\\name` with it.
The open is `smbemu.ipc.open_pipe` as for NT_CREATE_ANDX and SMB2 CREATE; MS-CIFS 3.3.5.35 is
the anonymous rule's SMB1 statement (windows-defaults.md [30]).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu import ipc
from smbemu.smb1.layouts.files import OpenAndxExtendedResponse, OpenAndxRequest, OpenAndxResponse, smb_string
from smbemu.smb1.nt_create import (
    FILE_TYPE_MESSAGE_MODE_PIPE,
    GUEST_MAXIMAL_ACCESS_PIPE,
    MAXIMAL_ACCESS_PIPE,
    NMPIPE_STATUS_MESSAGE,
    new_open_ids,
)
from smbemu.smb1.layouts.files import build, parse

if TYPE_CHECKING:
    from smbemu.smb1.context import Smb1Request, Smb1View

#: MS-CIFS 2.2.4.41.1 Flags / MS-SMB 2.2.4.1.1: ask for the extended response.
SMB_OPEN_EXTENDED_RESPONSE = 0x0010
#: AccessMode's access bits (MS-CIFS 2.2.4.41.1 AccessMode, bits 0-2): 0 read, 1 write,
#: 2 read/write, 3 execute.
_ACCESS_BITS = 0x0007
#: The access mask the open is checked and recorded with (the PipeOpen event's access_mask):
#: the generic right each AccessMode asks for (MS-CIFS 3.3.5.35 maps AccessMode to an NT open).
_GENERIC_READ = 0x80000000
_GENERIC_WRITE = 0x40000000
_ACCESS_MASKS = {0: _GENERIC_READ, 1: _GENERIC_WRITE, 2: _GENERIC_READ | _GENERIC_WRITE, 3: _GENERIC_READ}
#: OpenResults (MS-CIFS 2.2.4.41.2): the file existed and was opened.
OPEN_RESULT_OPENED = 0x0001
FILE_ATTRIBUTE_NORMAL_DOS = 0x0000  # SMB_FILE_ATTRIBUTES (2.2.1.2.4): none set


def handle(conn: Smb1View, req: Smb1Request) -> tuple[bytes, bytes]:
    session, tree = req.session, req.tree
    assert session is not None and tree is not None
    request = parse(OpenAndxRequest, req.words)
    start = req.data_offset
    name = smb_string(req.raw, start, start + len(req.data), req.unicode)
    access_mode = request.access_mode & _ACCESS_BITS
    open_ = ipc.open_pipe(
        conn.config, session, tree, name, _ACCESS_MASKS.get(access_mode, _GENERIC_READ | _GENERIC_WRITE),
        conn.peer, lambda: new_open_ids(conn),
    )
    fields = dict(
        fid=open_.volatile_id,
        file_attrs=FILE_ATTRIBUTE_NORMAL_DOS,
        last_write_time=0,
        file_data_size=0,
        access_rights=access_mode,
        resource_type=FILE_TYPE_MESSAGE_MODE_PIPE,
        nmpipe_status=NMPIPE_STATUS_MESSAGE,
        open_results=OPEN_RESULT_OPENED,
    )
    if request.flags & SMB_OPEN_EXTENDED_RESPONSE:
        # MS-SMB 2.2.4.1.2; the access rights of a pipe as NT_CREATE_ANDX's extended response.
        return build(
            OpenAndxExtendedResponse, **fields, server_fid=open_.volatile_id, reserved=0,
            maximal_access_rights=MAXIMAL_ACCESS_PIPE, guest_maximal_access_rights=GUEST_MAXIMAL_ACCESS_PIPE,
        ), b""
    return build(OpenAndxResponse, **fields, reserved=bytes(6)), b""
