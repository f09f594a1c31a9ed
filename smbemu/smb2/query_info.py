"""SMB2 QUERY_INFO on a named pipe (MS-SMB2 2.2.37, 2.2.38, 3.3.5.20; classes from MS-FSCC 2.4).

smbclient and Windows ask a pipe for FileStandardInformation, FilePipeInformation and
FilePipeLocalInformation; the values are what a Windows named pipe in message mode reports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smbemu.errors import SmbStatusError
from smbemu.smb2.close import find_open
from smbemu.smb2.layouts import build, parse
from smbemu.smb2.layouts.files import (
    QUERY_INFO_FILE_ID,
    QUERY_INFO_OUTPUT_OFFSET,
    FileAccessInformation,
    FileAlignmentInformation,
    FileBasicInformation,
    FileEaInformation,
    FileInternalInformation,
    FileModeInformation,
    FileNetworkOpenInformation,
    FilePipeInformation,
    FilePipeLocalInformation,
    FilePositionInformation,
    FileStandardInformation,
    QueryInfoRequest,
    QueryInfoResponse,
)
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView, RequestContext

SMB2_0_INFO_FILE = 0x01

FILE_BASIC_INFORMATION = 4
FILE_STANDARD_INFORMATION = 5
FILE_INTERNAL_INFORMATION = 6
FILE_EA_INFORMATION = 7
FILE_ACCESS_INFORMATION = 8
FILE_POSITION_INFORMATION = 14
FILE_MODE_INFORMATION = 16
FILE_ALIGNMENT_INFORMATION = 17
FILE_PIPE_INFORMATION = 23
FILE_PIPE_LOCAL_INFORMATION = 24
FILE_NETWORK_OPEN_INFORMATION = 34
FILE_ATTRIBUTE_NORMAL = 0x80


def _pipe_local_information(endpoint: object) -> bytes:
    """MS-FSCC 2.4.30: message-type, full-duplex, connected, unlimited instances."""
    available = endpoint.peek()[0] if hasattr(endpoint, "peek") else 0
    return build(
        FilePipeLocalInformation,
        named_pipe_type=1,  # FILE_PIPE_MESSAGE_TYPE
        named_pipe_configuration=2,  # FILE_PIPE_FULL_DUPLEX
        maximum_instances=0xFFFFFFFF,  # unlimited
        current_instances=1,
        inbound_quota=4096,
        read_data_available=available,
        outbound_quota=4096,
        write_quota_available=4096,
        named_pipe_state=3,  # FILE_PIPE_CONNECTED_STATE
        named_pipe_end=1,  # FILE_PIPE_SERVER_END
    )


_ZERO_TIMES: dict[str, Any] = dict(creation_time=0, last_access_time=0, last_write_time=0, change_time=0)

# The fixed-valued classes, built once from their declarations (MS-FSCC 2.4).
_FIXED: dict[int, bytes] = {
    # A pipe: one link, delete pending once its last handle closes (MS-FSCC 2.4.41).
    FILE_STANDARD_INFORMATION: FileStandardInformation.build(
        dict(allocation_size=4096, end_of_file=0, number_of_links=1, delete_pending=1, directory=0, reserved=0)
    ),
    # Message read mode, queued completion (MS-FSCC 2.4.29).
    FILE_PIPE_INFORMATION: FilePipeInformation.build(dict(read_mode=1, completion_mode=0)),
    FILE_BASIC_INFORMATION: FileBasicInformation.build(
        dict(_ZERO_TIMES, file_attributes=FILE_ATTRIBUTE_NORMAL, reserved=0)
    ),
    FILE_NETWORK_OPEN_INFORMATION: FileNetworkOpenInformation.build(
        dict(_ZERO_TIMES, allocation_size=4096, end_of_file=0, file_attributes=FILE_ATTRIBUTE_NORMAL, reserved=0)
    ),
    FILE_INTERNAL_INFORMATION: FileInternalInformation.build(dict(index_number=0)),
    FILE_EA_INFORMATION: FileEaInformation.build(dict(ea_size=0)),
    FILE_POSITION_INFORMATION: FilePositionInformation.build(dict(current_byte_offset=0)),
    FILE_MODE_INFORMATION: FileModeInformation.build(dict(mode=0)),
    FILE_ALIGNMENT_INFORMATION: FileAlignmentInformation.build(dict(alignment_requirement=0)),
}


def _info(info_class: int, endpoint: object, granted_access: int) -> bytes:
    fixed = _FIXED.get(info_class)
    if fixed is not None:
        return fixed
    if info_class == FILE_PIPE_LOCAL_INFORMATION:
        return _pipe_local_information(endpoint)
    if info_class == FILE_ACCESS_INFORMATION:
        return build(FileAccessInformation, access_flags=granted_access)
    raise SmbStatusError(NtStatus.INVALID_INFO_CLASS, f"file information class {info_class} is not served on a pipe")


def handle(conn: ConnectionView, ctx: RequestContext) -> bytes:
    request = parse(QueryInfoRequest, ctx.body)
    info_type, info_class, output_length = request.info_type, request.file_info_class, request.output_buffer_length
    open_ = find_open(ctx, QUERY_INFO_FILE_ID)
    if info_type != SMB2_0_INFO_FILE:
        raise SmbStatusError(NtStatus.NOT_SUPPORTED, f"InfoType {info_type} is not served on a pipe")
    data = _info(info_class, open_.endpoint, open_.granted_access)
    if output_length < len(data):
        # MS-SMB2 3.3.5.20.1: fixed-size classes that do not fit fail outright.
        raise SmbStatusError(NtStatus.INFO_LENGTH_MISMATCH, "output buffer too small")
    return build(
        QueryInfoResponse,
        output_buffer_offset=QUERY_INFO_OUTPUT_OFFSET,
        output_buffer_length=len(data),
        buffer=data,
    )
