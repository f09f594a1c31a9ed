"""SMB2 IOCTL on IPC$ (MS-SMB2 2.2.31, 2.2.32, 3.3.5.15).

FSCTL_VALIDATE_NEGOTIATE_INFO (3.3.5.15.12) guards 3.0/3.0.2 connections against downgrade;
FSCTL_PIPE_TRANSCEIVE writes an RPC request and returns the reply in one round trip;
FSCTL_PIPE_WAIT and FSCTL_PIPE_PEEK are answered as a Windows pipe file system answers them.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from smbemu import ipc
from smbemu.errors import ProtocolViolation, SmbStatusError
from smbemu.smb2.close import find_open
from smbemu.smb2.constants import HEADER_SIZE, Dialect, Fsctl, NtStatus

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView as Connection, RequestContext

# StructureSize, Reserved, CtlCode, FileId, InputOffset, InputCount, MaxInputResponse,
# OutputOffset, OutputCount, MaxOutputResponse, Flags, Reserved2 (MS-SMB2 2.2.31).
_REQUEST = struct.Struct("<HHI16sIIIIIIII")
# StructureSize, Reserved, CtlCode, FileId, InputOffset, InputCount, OutputOffset, OutputCount,
# Flags, Reserved2 (MS-SMB2 2.2.32).
_RESPONSE = struct.Struct("<HHI16sIIIIII")
SMB2_0_IOCTL_IS_FSCTL = 0x00000001
OUTPUT_OFFSET = HEADER_SIZE + _RESPONSE.size
_VALIDATE_IN = struct.Struct("<I16sHH")  # Capabilities, Guid, SecurityMode, DialectCount
_VALIDATE_OUT = struct.Struct("<I16sHH")  # Capabilities, Guid, SecurityMode, Dialect
_PIPE_WAIT = struct.Struct("<qIBB")  # Timeout, NameLength, TimeoutSpecified, Padding (MS-FSCC 2.3.49)
_PIPE_PEEK = struct.Struct("<IIII")  # NamedPipeState, ReadDataAvailable, NumberOfMessages, MessageLength
FILE_PIPE_CONNECTED_STATE = 3


def _response(ctl_code: int, file_id: bytes, output: bytes) -> bytes:
    return _RESPONSE.pack(49, 0, ctl_code, file_id, OUTPUT_OFFSET, 0, OUTPUT_OFFSET, len(output), 0, 0) + output


def handle(conn: Connection, ctx: RequestContext) -> bytes:
    (_, _, ctl_code, _, input_offset, input_count, _, _, _, max_output, flags, _) = _REQUEST.unpack_from(ctx.body, 0)
    start = input_offset - HEADER_SIZE
    if input_count and (start < 56 or start + input_count > len(ctx.body)):
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "input buffer outside the request")
    data = bytes(ctx.body[start : start + input_count]) if input_count else b""
    if max_output > conn.max_transact_size:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "MaxOutputResponse exceeds MaxTransactSize")
    if flags != SMB2_0_IOCTL_IS_FSCTL:
        # MS-SMB2 3.3.5.15: only FSCTLs travel over SMB2 IOCTL.
        raise SmbStatusError(NtStatus.NOT_SUPPORTED, "IOCTL without SMB2_0_IOCTL_IS_FSCTL")
    file_id = ctx.file_id(8)

    if ctl_code == Fsctl.VALIDATE_NEGOTIATE_INFO:
        return _response(ctl_code, file_id, _validate_negotiate(conn, data, max_output))
    if ctl_code == Fsctl.PIPE_TRANSCEIVE:
        open_ = find_open(ctx, 8)
        endpoint = open_.endpoint
        ipc.check_pipe_output(conn.config, endpoint)
        endpoint.write(data)
        output, more = endpoint.read(max_output) if endpoint.has_output() else (b"", False)
        if more:
            # MS-SMB2 3.3.5.15.1 / MS-FSCC 2.3.52: the reply did not fit; the rest waits for READ.
            ctx.status = NtStatus.BUFFER_OVERFLOW
        conn.pipe_reads.complete(open_)
        return _response(ctl_code, open_.file_id, output)
    if ctl_code == Fsctl.PIPE_PEEK:
        open_ = find_open(ctx, 8)
        if max_output < _PIPE_PEEK.size:
            raise SmbStatusError(NtStatus.BUFFER_TOO_SMALL, "output buffer too small for FSCTL_PIPE_PEEK")
        available, messages, first_length = open_.endpoint.peek()
        return _response(ctl_code, open_.file_id, _PIPE_PEEK.pack(FILE_PIPE_CONNECTED_STATE, available, messages, first_length))
    if ctl_code == Fsctl.PIPE_WAIT:
        return _response(ctl_code, file_id, _pipe_wait(conn, data))
    if ctl_code in (Fsctl.DFS_GET_REFERRALS, Fsctl.DFS_GET_REFERRALS_EX):
        # MS-SMB2 3.3.5.15.2: no DFS server here.
        raise SmbStatusError(NtStatus.FS_DRIVER_REQUIRED, "DFS is not served")
    if ctl_code == Fsctl.QUERY_NETWORK_INTERFACE_INFO:
        raise SmbStatusError(NtStatus.NOT_SUPPORTED, "multichannel is not offered")
    raise SmbStatusError(NtStatus.INVALID_DEVICE_REQUEST, f"FSCTL 0x{ctl_code:08x} is not supported on IPC$")


def _validate_negotiate(conn: Connection, data: bytes, max_output: int) -> bytes:
    """MS-SMB2 3.3.5.15.12: any mismatch with what NEGOTIATE saw means tampering: disconnect."""
    if conn.dialect == Dialect.SMB_3_1_1:
        raise ProtocolViolation("VALIDATE_NEGOTIATE_INFO on a 3.1.1 connection")
    if max_output < _VALIDATE_OUT.size or len(data) < _VALIDATE_IN.size:
        raise ProtocolViolation("VALIDATE_NEGOTIATE_INFO buffers too small")
    capabilities, guid, security_mode, count = _VALIDATE_IN.unpack_from(data, 0)
    if len(data) < _VALIDATE_IN.size + 2 * count:
        raise ProtocolViolation("VALIDATE_NEGOTIATE_INFO dialect list truncated")
    dialects = struct.unpack_from(f"<{count}H", data, _VALIDATE_IN.size)
    if Dialect.SMB_3_1_1 in conn.config.profile.smb.dialects and tuple(dialects) != conn.client_dialects:
        raise ProtocolViolation("VALIDATE_NEGOTIATE_INFO dialects differ from NEGOTIATE")
    common = [d for d in conn.config.profile.smb.dialects if d in dialects]
    if not common or max(common) != conn.dialect:
        raise ProtocolViolation("VALIDATE_NEGOTIATE_INFO implies another dialect (downgrade)")
    if guid != conn.client_guid or security_mode != conn.client_security_mode or capabilities != conn.client_capabilities:
        raise ProtocolViolation("VALIDATE_NEGOTIATE_INFO differs from NEGOTIATE (downgrade)")
    return _VALIDATE_OUT.pack(conn.server_capabilities, conn.config.server_guid, conn.server_security_mode, conn.dialect)


def _pipe_wait(conn: Connection, data: bytes) -> bytes:
    """MS-FSCC 2.3.49 FSCTL_PIPE_WAIT: succeeds at once for a served pipe (instances are unlimited)."""
    if len(data) < _PIPE_WAIT.size:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "FSCTL_PIPE_WAIT input too short")
    _, name_length, _, _ = _PIPE_WAIT.unpack_from(data, 0)
    name_bytes = data[_PIPE_WAIT.size : _PIPE_WAIT.size + name_length]
    if len(name_bytes) != name_length or name_length % 2:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "FSCTL_PIPE_WAIT name truncated")
    name = ipc.normalize_pipe_name(name_bytes.decode("utf-16-le", "replace"))
    if name not in ipc.served_pipes(conn.config):
        raise SmbStatusError(NtStatus.OBJECT_NAME_NOT_FOUND, f"no pipe named {name!r}")
    return b""
