"""SMB2 bodies of the file commands a named pipe answers, declared as MS-SMB2 2.2 draws them.

CREATE (2.2.13, 2.2.14), CLOSE (2.2.15, 2.2.16), READ (2.2.19, 2.2.20), WRITE (2.2.21, 2.2.22),
IOCTL (2.2.31, 2.2.32, with the FSCTL payloads the IPC$ share reads and writes), QUERY_INFO
(2.2.37, 2.2.38, with the MS-FSCC 2.4 classes a pipe reports), and the requests answered with
STATUS_NOT_SUPPORTED (FLUSH 2.2.17, LOCK 2.2.26, QUERY_DIRECTORY 2.2.33, CHANGE_NOTIFY 2.2.35,
SET_INFO 2.2.39, OPLOCK_BREAK acknowledgment 2.2.24.1), whose answer is the ERROR response.

READ, WRITE and IOCTL are the per-call path of every RPC on a pipe: each has a hand-written
`struct` codec beside its declaration (`parse_*_request`, `*_response`), and
`tests/unit/smb2/test_layouts.py` proves for generated inputs that the two give the same fields
and bytes and refuse the same malformed bodies. Everything else runs its declaration.
"""

from __future__ import annotations

import struct
from typing import Any

import construct as cs  # type: ignore[import-untyped]

from smbemu.errors import SmbStatusError
from smbemu.smb2.constants import HEADER_SIZE
from smbemu.smb2.layouts.base import Body, BufferAt, offset_of, this
from smbemu.status import NtStatus

# ----------------------------------------------------------------------------------- 2.2.13 CREATE
# The Buffer holds the file name and the create contexts; only the name is read (no create
# context changes how a pipe opens). An empty name may sit at any offset.
CreateRequest = Body(
    "structure_size" / cs.Const(57, cs.Int16ul),
    "security_flags" / cs.Int8ul,
    "requested_oplock_level" / cs.Int8ul,
    "impersonation_level" / cs.Int32ul,
    "smb_create_flags" / cs.Int64ul,
    "reserved" / cs.Int64ul,
    "desired_access" / cs.Int32ul,
    "file_attributes" / cs.Int32ul,
    "share_access" / cs.Int32ul,
    "create_disposition" / cs.Int32ul,
    "create_options" / cs.Int32ul,
    "name_offset" / cs.Int16ul,
    "name_length" / cs.Int16ul,
    "create_contexts_offset" / cs.Int32ul,
    "create_contexts_length" / cs.Int32ul,
    "name" / BufferAt(this.name_offset, this.name_length, 56, empty_anywhere=True, even=True),
)

# 2.2.14
CreateResponse = Body(
    "structure_size" / cs.Const(89, cs.Int16ul),
    "oplock_level" / cs.Int8ul,
    "flags" / cs.Int8ul,
    "create_action" / cs.Int32ul,
    "creation_time" / cs.Int64ul,
    "last_access_time" / cs.Int64ul,
    "last_write_time" / cs.Int64ul,
    "change_time" / cs.Int64ul,
    "allocation_size" / cs.Int64ul,
    "end_of_file" / cs.Int64ul,
    "file_attributes" / cs.Int32ul,
    "reserved2" / cs.Int32ul,
    "file_id" / cs.Bytes(16),
    "create_contexts_offset" / cs.Int32ul,
    "create_contexts_length" / cs.Int32ul,
    "buffer" / BufferAt(this.create_contexts_offset, this.create_contexts_length, 88, empty_anywhere=True),
)

# ------------------------------------------------------------------------------------ 2.2.15 CLOSE
CloseRequest = Body(
    "structure_size" / cs.Const(24, cs.Int16ul),
    "flags" / cs.Int16ul,
    "reserved" / cs.Int32ul,
    "file_id" / cs.Bytes(16),
)

# 2.2.16
CloseResponse = Body(
    "structure_size" / cs.Const(60, cs.Int16ul),
    "flags" / cs.Int16ul,
    "reserved" / cs.Int32ul,
    "creation_time" / cs.Int64ul,
    "last_access_time" / cs.Int64ul,
    "last_write_time" / cs.Int64ul,
    "change_time" / cs.Int64ul,
    "allocation_size" / cs.Int64ul,
    "end_of_file" / cs.Int64ul,
    "file_attributes" / cs.Int32ul,
)

# ------------------------------------------------------------------------------------- 2.2.19 READ
# The Buffer carries RDMA channel information, which a pipe never uses: it is the rest of the body.
ReadRequest = Body(
    "structure_size" / cs.Const(49, cs.Int16ul),
    "padding" / cs.Int8ul,
    "flags" / cs.Int8ul,
    "length" / cs.Int32ul,
    "offset" / cs.Int64ul,
    "file_id" / cs.Bytes(16),
    "minimum_count" / cs.Int32ul,
    "channel" / cs.Int32ul,
    "remaining_bytes" / cs.Int32ul,
    "read_channel_info_offset" / cs.Int16ul,
    "read_channel_info_length" / cs.Int16ul,
    "buffer" / cs.GreedyBytes,
)

# 2.2.20
ReadResponse = Body(
    "structure_size" / cs.Const(17, cs.Int16ul),
    "data_offset" / cs.Int8ul,
    "reserved" / cs.Int8ul,
    "data_length" / cs.Int32ul,
    "data_remaining" / cs.Int32ul,
    "reserved2" / cs.Int32ul,
    "buffer" / BufferAt(this.data_offset, this.data_length, 16, empty_anywhere=True),
)

# ------------------------------------------------------------------------------------ 2.2.21 WRITE
# The data must lie after the fixed part, even when it is empty.
WriteRequest = Body(
    "structure_size" / cs.Const(49, cs.Int16ul),
    "data_offset" / cs.Int16ul,
    "length" / cs.Int32ul,
    "offset" / cs.Int64ul,
    "file_id" / cs.Bytes(16),
    "channel" / cs.Int32ul,
    "remaining_bytes" / cs.Int32ul,
    "write_channel_info_offset" / cs.Int16ul,
    "write_channel_info_length" / cs.Int16ul,
    "flags" / cs.Int32ul,
    "buffer" / BufferAt(this.data_offset, this.length, 48),
)

# 2.2.22 (StructureSize counts one byte of a Buffer that is never sent)
WriteResponse = Body(
    "structure_size" / cs.Const(17, cs.Int16ul),
    "reserved" / cs.Int16ul,
    "count" / cs.Int32ul,
    "remaining" / cs.Int32ul,
    "write_channel_info_offset" / cs.Int16ul,
    "write_channel_info_length" / cs.Int16ul,
)

# ------------------------------------------------------------------------------------ 2.2.31 IOCTL
IoctlRequest = Body(
    "structure_size" / cs.Const(57, cs.Int16ul),
    "reserved" / cs.Int16ul,
    "ctl_code" / cs.Int32ul,
    "file_id" / cs.Bytes(16),
    "input_offset" / cs.Int32ul,
    "input_count" / cs.Int32ul,
    "max_input_response" / cs.Int32ul,
    "output_offset" / cs.Int32ul,
    "output_count" / cs.Int32ul,
    "max_output_response" / cs.Int32ul,
    "flags" / cs.Int32ul,
    "reserved2" / cs.Int32ul,
    "buffer" / BufferAt(this.input_offset, this.input_count, 56, empty_anywhere=True),
)

# 2.2.32: the server returns no input, only output, right after the fixed part.
IoctlResponse = Body(
    "structure_size" / cs.Const(49, cs.Int16ul),
    "reserved" / cs.Int16ul,
    "ctl_code" / cs.Int32ul,
    "file_id" / cs.Bytes(16),
    "input_offset" / cs.Int32ul,
    "input_count" / cs.Int32ul,
    "output_offset" / cs.Int32ul,
    "output_count" / cs.Int32ul,
    "flags" / cs.Int32ul,
    "reserved2" / cs.Int32ul,
    "buffer" / BufferAt(this.output_offset, this.output_count, 48, empty_anywhere=True),
)
IOCTL_OUTPUT_OFFSET = HEADER_SIZE + 48

# 2.2.31.4 VALIDATE_NEGOTIATE_INFO Request
ValidateNegotiateInfoRequest = Body(
    "capabilities" / cs.Int32ul,
    "guid" / cs.Bytes(16),
    "security_mode" / cs.Int16ul,
    "dialect_count" / cs.Int16ul,
    "dialects" / cs.Array(this.dialect_count, cs.Int16ul),
)

# 2.2.32.6 VALIDATE_NEGOTIATE_INFO Response
ValidateNegotiateInfoResponse = Body(
    "capabilities" / cs.Int32ul,
    "guid" / cs.Bytes(16),
    "security_mode" / cs.Int16ul,
    "dialect" / cs.Int16ul,
)

# MS-FSCC 2.3.49 FSCTL_PIPE_WAIT Request
FsctlPipeWaitRequest = Body(
    "timeout" / cs.Int64sl,
    "name_length" / cs.Int32ul,
    "timeout_specified" / cs.Int8ul,
    "padding" / cs.Int8ul,
    cs.Check((this.name_length % 2) == 0),
    "name" / cs.Bytes(this.name_length),
)

# MS-FSCC 2.3.46 FSCTL_PIPE_PEEK Reply (no Data: a peek reports, the READ takes)
FsctlPipePeekReply = Body(
    "named_pipe_state" / cs.Int32ul,
    "read_data_available" / cs.Int32ul,
    "number_of_messages" / cs.Int32ul,
    "message_length" / cs.Int32ul,
)

# ------------------------------------------------------------------------------- 2.2.37 QUERY_INFO
# The Buffer (input for quota and EA queries) is never read on a pipe: it is the rest of the body.
# MS-SMB2 2.2.32.5 NETWORK_INTERFACE_INFO (FSCTL_QUERY_NETWORK_INTERFACE_INFO output).
NetworkInterfaceInfo = Body(
    "next" / cs.Int32ul,
    "if_index" / cs.Int32ul,
    "capability" / cs.Int32ul,
    "reserved" / cs.Int32ul,
    "link_speed" / cs.Int64ul,
    "sockaddr_storage" / cs.Bytes(128),
)

QueryInfoRequest = Body(
    "structure_size" / cs.Const(41, cs.Int16ul),
    "info_type" / cs.Int8ul,
    "file_info_class" / cs.Int8ul,
    "output_buffer_length" / cs.Int32ul,
    "input_buffer_offset" / cs.Int16ul,
    "reserved" / cs.Int16ul,
    "input_buffer_length" / cs.Int32ul,
    "additional_information" / cs.Int32ul,
    "flags" / cs.Int32ul,
    "file_id" / cs.Bytes(16),
    "buffer" / cs.GreedyBytes,
)

# 2.2.38
QueryInfoResponse = Body(
    "structure_size" / cs.Const(9, cs.Int16ul),
    "output_buffer_offset" / cs.Int16ul,
    "output_buffer_length" / cs.Int32ul,
    "buffer" / BufferAt(this.output_buffer_offset, this.output_buffer_length, 8, empty_anywhere=True),
)
QUERY_INFO_OUTPUT_OFFSET = HEADER_SIZE + 8

# MS-FSCC 2.4: the information classes a named pipe answers, each named as the spec names it
# (its section numbers move between revisions of the document).
FileBasicInformation = Body(
    "creation_time" / cs.Int64sl,
    "last_access_time" / cs.Int64sl,
    "last_write_time" / cs.Int64sl,
    "change_time" / cs.Int64sl,
    "file_attributes" / cs.Int32ul,
    "reserved" / cs.Int32ul,
)
FileStandardInformation = Body(
    "allocation_size" / cs.Int64sl,
    "end_of_file" / cs.Int64sl,
    "number_of_links" / cs.Int32ul,
    "delete_pending" / cs.Int8ul,
    "directory" / cs.Int8ul,
    "reserved" / cs.Int16ul,
)
FileInternalInformation = Body("index_number" / cs.Int64sl)
FileEaInformation = Body("ea_size" / cs.Int32ul)
FileAccessInformation = Body("access_flags" / cs.Int32ul)
FilePositionInformation = Body("current_byte_offset" / cs.Int64sl)
FileModeInformation = Body("mode" / cs.Int32ul)
FileAlignmentInformation = Body("alignment_requirement" / cs.Int32ul)
FilePipeInformation = Body(
    "read_mode" / cs.Int32ul,
    "completion_mode" / cs.Int32ul,
)
FilePipeLocalInformation = Body(
    "named_pipe_type" / cs.Int32ul,
    "named_pipe_configuration" / cs.Int32ul,
    "maximum_instances" / cs.Int32ul,
    "current_instances" / cs.Int32ul,
    "inbound_quota" / cs.Int32ul,
    "read_data_available" / cs.Int32ul,
    "outbound_quota" / cs.Int32ul,
    "write_quota_available" / cs.Int32ul,
    "named_pipe_state" / cs.Int32ul,
    "named_pipe_end" / cs.Int32ul,
)
FileNetworkOpenInformation = Body(
    "creation_time" / cs.Int64sl,
    "last_access_time" / cs.Int64sl,
    "last_write_time" / cs.Int64sl,
    "change_time" / cs.Int64sl,
    "allocation_size" / cs.Int64sl,
    "end_of_file" / cs.Int64sl,
    "file_attributes" / cs.Int32ul,
    "reserved" / cs.Int32ul,
)

# ------------------------------------------------- requests answered with STATUS_NOT_SUPPORTED
FlushRequest = Body(  # 2.2.17
    "structure_size" / cs.Const(24, cs.Int16ul),
    "reserved1" / cs.Int16ul,
    "reserved2" / cs.Int32ul,
    "file_id" / cs.Bytes(16),
)
LockElement = Body(  # 2.2.26.1
    "offset" / cs.Int64ul,
    "length" / cs.Int64ul,
    "flags" / cs.Int32ul,
    "reserved" / cs.Int32ul,
)
LockRequest = Body(  # 2.2.26
    "structure_size" / cs.Const(48, cs.Int16ul),
    "lock_count" / cs.Int16ul,
    "lock_sequence" / cs.Int32ul,
    "file_id" / cs.Bytes(16),
    "locks" / cs.Array(this.lock_count, LockElement),
)
QueryDirectoryRequest = Body(  # 2.2.33
    "structure_size" / cs.Const(33, cs.Int16ul),
    "file_information_class" / cs.Int8ul,
    "flags" / cs.Int8ul,
    "file_index" / cs.Int32ul,
    "file_id" / cs.Bytes(16),
    "file_name_offset" / cs.Int16ul,
    "file_name_length" / cs.Int16ul,
    "output_buffer_length" / cs.Int32ul,
    "buffer" / BufferAt(this.file_name_offset, this.file_name_length, 32, empty_anywhere=True, even=True),
)
ChangeNotifyRequest = Body(  # 2.2.35
    "structure_size" / cs.Const(32, cs.Int16ul),
    "flags" / cs.Int16ul,
    "output_buffer_length" / cs.Int32ul,
    "file_id" / cs.Bytes(16),
    "completion_filter" / cs.Int32ul,
    "reserved" / cs.Int32ul,
)
SetInfoRequest = Body(  # 2.2.39
    "structure_size" / cs.Const(33, cs.Int16ul),
    "info_type" / cs.Int8ul,
    "file_info_class" / cs.Int8ul,
    "buffer_length" / cs.Int32ul,
    "buffer_offset" / cs.Int16ul,
    "reserved" / cs.Int16ul,
    "additional_information" / cs.Int32ul,
    "file_id" / cs.Bytes(16),
    "buffer" / BufferAt(this.buffer_offset, this.buffer_length, 32, empty_anywhere=True),
)
OplockBreakAcknowledgment = Body(  # 2.2.24.1
    "structure_size" / cs.Const(24, cs.Int16ul),
    "oplock_level" / cs.Int8ul,
    "reserved" / cs.Int8ul,
    "reserved2" / cs.Int32ul,
    "file_id" / cs.Bytes(16),
)

# Where each request's FileId sits: the connection resolves it (related compounds, 3.3.5.2.7.2).
CLOSE_FILE_ID = offset_of(CloseRequest, "file_id")
READ_FILE_ID = offset_of(ReadRequest, "file_id")
WRITE_FILE_ID = offset_of(WriteRequest, "file_id")
IOCTL_FILE_ID = offset_of(IoctlRequest, "file_id")
QUERY_INFO_FILE_ID = offset_of(QueryInfoRequest, "file_id")


# ============================================================ fast codecs (READ, WRITE, IOCTL)
# Each mirrors the declaration above it field for field, in wire order, with the same checks.
def _malformed(what: str) -> SmbStatusError:
    return SmbStatusError(NtStatus.INVALID_PARAMETER, f"malformed {what} body")


_READ_REQUEST = struct.Struct("<HBBIQ16sIIIHH")  # ReadRequest without its Buffer


def parse_read_request(body: memoryview | bytes) -> tuple[Any, ...]:
    """ReadRequest's fields up to its Buffer, as a tuple (the Buffer, channel information for
    RDMA, is never read on a pipe)."""
    if len(body) < 48:
        raise _malformed("READ")
    fields = _READ_REQUEST.unpack_from(body, 0)
    if fields[0] != 49:
        raise _malformed("READ")
    return fields


_READ_RESPONSE = struct.Struct("<HBBIII")  # ReadResponse without its Buffer
_READ_DATA_OFFSET = HEADER_SIZE + 16


def read_response(data: bytes) -> bytes:
    """ReadResponse with the data right after the fixed part (DataRemaining 0)."""
    return _READ_RESPONSE.pack(17, _READ_DATA_OFFSET, 0, len(data), 0, 0) + data


_WRITE_REQUEST = struct.Struct("<HHIQ16sIIHHI")  # WriteRequest without its Buffer


def parse_write_request(body: memoryview | bytes) -> tuple[Any, ...]:
    """WriteRequest's fields as a tuple (the data last)."""
    if len(body) < 48:
        raise _malformed("WRITE")
    fields = _WRITE_REQUEST.unpack_from(body, 0)
    start = fields[1] - HEADER_SIZE
    end = start + fields[2]
    if fields[0] != 49 or start < 48 or end > len(body):
        raise _malformed("WRITE")
    return fields + (bytes(body[start:end]),)


_WRITE_RESPONSE = struct.Struct("<HHIIHH")


def write_response(count: int) -> bytes:
    """WriteResponse for `count` bytes written (Remaining and the channel info 0)."""
    return _WRITE_RESPONSE.pack(17, 0, count, 0, 0, 0)


_IOCTL_REQUEST = struct.Struct("<HHI16sIIIIIIII")  # IoctlRequest without its Buffer


def parse_ioctl_request(body: memoryview | bytes) -> tuple[Any, ...]:
    """IoctlRequest's fields as a tuple (the input last)."""
    if len(body) < 56:
        raise _malformed("IOCTL")
    fields = _IOCTL_REQUEST.unpack_from(body, 0)
    if fields[0] != 57:
        raise _malformed("IOCTL")
    count = fields[5]
    if not count:
        return fields + (b"",)
    start = fields[4] - HEADER_SIZE
    if start < 56 or start + count > len(body):
        raise _malformed("IOCTL")
    return fields + (bytes(body[start : start + count]),)


_IOCTL_RESPONSE = struct.Struct("<HHI16sIIIIII")  # IoctlResponse without its Buffer


def ioctl_response(ctl_code: int, file_id: bytes, output: bytes) -> bytes:
    """IoctlResponse with no input and `output` right after the fixed part (Flags 0)."""
    return _IOCTL_RESPONSE.pack(
        49, 0, ctl_code, file_id, IOCTL_OUTPUT_OFFSET, 0, IOCTL_OUTPUT_OFFSET, len(output), 0, 0
    ) + output


def ioctl_response_echoing(ctl_code: int, file_id: bytes, echoed: bytes, output: bytes) -> bytes:
    """IoctlResponse carrying the request's input back before `output` (InputOffset 0x70,
    OutputOffset after the input, 8-byte aligned), as Vista / 2008 answer FSCTL_PIPE_TRANSCEIVE
    (MS-SMB2 3.3.5.15.3; the 6.0.6001 capture named in policies/win2008.yaml)."""
    padding = bytes(-len(echoed) % 8)
    output_offset = IOCTL_OUTPUT_OFFSET + len(echoed) + len(padding)
    return _IOCTL_RESPONSE.pack(
        49, 0, ctl_code, file_id, IOCTL_OUTPUT_OFFSET, len(echoed), output_offset, len(output), 0, 0
    ) + echoed + padding + output
