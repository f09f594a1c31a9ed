"""SMB2 QUERY_INFO on a named pipe (MS-SMB2 2.2.37, 2.2.38, 3.3.5.20; classes from MS-FSCC 2.4).

smbclient and Windows ask a pipe for FileStandardInformation, FilePipeInformation and
FilePipeLocalInformation; the values are what a Windows named pipe in message mode reports.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from smbemu.errors import SmbStatusError
from smbemu.smb2.close import find_open
from smbemu.smb2.constants import HEADER_SIZE, NtStatus

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView as Connection, RequestContext

# StructureSize, InfoType, FileInfoClass, OutputBufferLength (FileId at 24) (MS-SMB2 2.2.37).
_REQUEST = struct.Struct("<HBBI")
_RESPONSE = struct.Struct("<HHI")  # StructureSize, OutputBufferOffset, OutputBufferLength
SMB2_0_INFO_FILE = 0x01
OUTPUT_OFFSET = HEADER_SIZE + 8

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
    return struct.pack("<IIIIIIIIII", 1, 2, 0xFFFFFFFF, 1, 4096, available, 4096, 4096, 3, 1)


def _info(info_class: int, endpoint: object, granted_access: int) -> bytes:
    if info_class == FILE_STANDARD_INFORMATION:
        # AllocationSize, EndOfFile, NumberOfLinks, DeletePending, Directory, Reserved (MS-FSCC 2.4.41).
        return struct.pack("<qqIBBH", 4096, 0, 1, 1, 0, 0)
    if info_class == FILE_PIPE_INFORMATION:
        return struct.pack("<II", 1, 0)  # ReadMode message, CompletionMode queue (MS-FSCC 2.4.29)
    if info_class == FILE_PIPE_LOCAL_INFORMATION:
        return _pipe_local_information(endpoint)
    if info_class == FILE_BASIC_INFORMATION:
        return struct.pack("<qqqqII", 0, 0, 0, 0, FILE_ATTRIBUTE_NORMAL, 0)
    if info_class == FILE_NETWORK_OPEN_INFORMATION:
        return struct.pack("<qqqqqqII", 0, 0, 0, 0, 4096, 0, FILE_ATTRIBUTE_NORMAL, 0)
    if info_class == FILE_INTERNAL_INFORMATION:
        return struct.pack("<q", 0)
    if info_class == FILE_EA_INFORMATION:
        return struct.pack("<I", 0)
    if info_class == FILE_ACCESS_INFORMATION:
        return struct.pack("<I", granted_access)
    if info_class == FILE_POSITION_INFORMATION:
        return struct.pack("<q", 0)
    if info_class == FILE_MODE_INFORMATION:
        return struct.pack("<I", 0)
    if info_class == FILE_ALIGNMENT_INFORMATION:
        return struct.pack("<I", 0)
    raise SmbStatusError(NtStatus.INVALID_INFO_CLASS, f"file information class {info_class} is not served on a pipe")


def handle(conn: Connection, ctx: RequestContext) -> bytes:
    _, info_type, info_class, output_length = _REQUEST.unpack_from(ctx.body, 0)
    open_ = find_open(ctx, 24)
    if info_type != SMB2_0_INFO_FILE:
        raise SmbStatusError(NtStatus.NOT_SUPPORTED, f"InfoType {info_type} is not served on a pipe")
    data = _info(info_class, open_.endpoint, open_.granted_access)
    if output_length < len(data):
        # MS-SMB2 3.3.5.20.1: fixed-size classes that do not fit fail outright.
        raise SmbStatusError(NtStatus.INFO_LENGTH_MISMATCH, "output buffer too small")
    return _RESPONSE.pack(9, OUTPUT_OFFSET, len(data)) + data
