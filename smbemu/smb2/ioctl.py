"""SMB2 IOCTL on IPC$ (MS-SMB2 2.2.31, 2.2.32, 3.3.5.15).

FSCTL_VALIDATE_NEGOTIATE_INFO (3.3.5.15.12) guards 3.0/3.0.2 connections against downgrade;
FSCTL_QUERY_NETWORK_INTERFACE_INFO (3.3.5.15.11) lists the interface the client reached on the SMB 3.x
releases; FSCTL_DFS_GET_REFERRALS (3.3.5.15.2) is answered by a DC (smbemu.dfs_referral);
FSCTL_PIPE_TRANSCEIVE writes an RPC request and returns the reply in one round trip;
FSCTL_PIPE_WAIT and FSCTL_PIPE_PEEK are answered as a Windows pipe file system answers them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu import dfs_referral, ipc
from smbemu.dialects import Dialect
from smbemu.errors import ProtocolViolation, SmbStatusError
from smbemu.pipe_names import normalize_pipe_name
from smbemu.pipe_work import write_pipe
from smbemu.smb2.close import find_open
from smbemu.smb2.constants import Fsctl
from smbemu.smb2.context import FILE_ID_UNSET
from smbemu.smb2.interface_info import ENTRY_SIZE, network_interface_info
from smbemu.smb2.layouts import build, parse, parse_or_disconnect
from smbemu.smb2.layouts.files import (
    IOCTL_FILE_ID,
    FsctlPipePeekReply,
    FsctlPipeWaitRequest,
    ValidateNegotiateInfoRequest,
    ValidateNegotiateInfoResponse,
    ioctl_response,
    ioctl_response_echoing,
    parse_ioctl_request,
)
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb2.context import ConnectionView, RequestContext

SMB2_0_IOCTL_IS_FSCTL = 0x00000001
FILE_PIPE_CONNECTED_STATE = 3
# The fixed sizes the client's buffers must leave room for (MS-FSCC 2.3.46, MS-SMB2 2.2.32.6).
_PIPE_PEEK_SIZE = FsctlPipePeekReply.sizeof()
_VALIDATE_OUT_SIZE = ValidateNegotiateInfoResponse.sizeof()


def handle(conn: ConnectionView, ctx: RequestContext) -> bytes:
    # IOCTL is on the per-call path of every RPC on a pipe (FSCTL_PIPE_TRANSCEIVE): the fast struct
    # codec beside IoctlRequest / IoctlResponse (smbemu.smb2.layouts.files) runs here. An input
    # buffer outside the body: INVALID_PARAMETER.
    (_, _, ctl_code, _, _, _, _, _, _, max_output, flags, _, data) = parse_ioctl_request(ctx.body)
    if max_output > conn.max_transact_size:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "MaxOutputResponse exceeds MaxTransactSize")
    if len(data) > conn.max_transact_size:
        # MS-SMB2 3.3.5.15: an input buffer larger than Connection.MaxTransactSize fails with
        # STATUS_INVALID_PARAMETER (the 2.0.2 profiles advertise 64 KiB: 8 MiB was accepted, issue 14).
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "InputCount exceeds MaxTransactSize")
    if flags != SMB2_0_IOCTL_IS_FSCTL:
        # MS-SMB2 3.3.5.15: only FSCTLs travel over SMB2 IOCTL.
        raise SmbStatusError(NtStatus.NOT_SUPPORTED, "IOCTL without SMB2_0_IOCTL_IS_FSCTL")
    file_id = ctx.file_id(IOCTL_FILE_ID)

    if ctl_code == Fsctl.VALIDATE_NEGOTIATE_INFO:
        return ioctl_response(ctl_code, file_id, _validate_negotiate(conn, data, max_output))
    if ctl_code == Fsctl.PIPE_TRANSCEIVE:
        open_ = find_open(ctx, IOCTL_FILE_ID)
        endpoint = open_.endpoint
        # PDUs beyond the first slice are processed on later turns (issue 14, smbemu.pipe_work).
        write_pipe(conn, open_, data, transceive=True)
        output, more = endpoint.read(max_output) if endpoint.has_output() else (b"", False)
        if more:
            # MS-SMB2 3.3.5.15.1 / MS-FSCC 2.3.52: the reply did not fit; the rest waits for READ.
            ctx.status = NtStatus.BUFFER_OVERFLOW
        conn.pipe_reads.complete(open_)
        if conn.config.profile.identity.smb2.transceive_echoes_input:
            # MS-SMB2 3.3.5.15.3: "InputCount SHOULD be set to 0"; Vista / 2008 echo the input.
            return ioctl_response_echoing(ctl_code, open_.file_id, data, output)
        return ioctl_response(ctl_code, open_.file_id, output)
    if ctl_code == Fsctl.PIPE_PEEK:
        open_ = find_open(ctx, IOCTL_FILE_ID)
        if max_output < _PIPE_PEEK_SIZE:
            raise SmbStatusError(NtStatus.BUFFER_TOO_SMALL, "output buffer too small for FSCTL_PIPE_PEEK")
        available, messages, first_length = open_.endpoint.peek()
        # MS-FSCC 2.3.46: the data of the next message follows the 24 bytes, as much as the
        # output buffer holds; a message that does not fit is STATUS_BUFFER_OVERFLOW.
        data, more = open_.endpoint.peek_data(max_output - _PIPE_PEEK_SIZE)
        if more:
            ctx.status = NtStatus.BUFFER_OVERFLOW
        reply = build(
            FsctlPipePeekReply,
            named_pipe_state=FILE_PIPE_CONNECTED_STATE,
            read_data_available=available,
            number_of_messages=messages,
            message_length=first_length,
        )
        return ioctl_response(ctl_code, open_.file_id, reply + data)
    if ctl_code == Fsctl.PIPE_WAIT:
        return ioctl_response(ctl_code, file_id, _pipe_wait(conn, data))
    if ctl_code in (Fsctl.DFS_GET_REFERRALS, Fsctl.DFS_GET_REFERRALS_EX):
        _handle_less(file_id)
        # MS-SMB2 3.3.5.15.2: the DFS server of a DC answers (smbemu.dfs_referral); a non-DC's
        # is not running: STATUS_FS_DRIVER_REQUIRED.
        level, path = dfs_referral.parse_request(data, ctl_code == Fsctl.DFS_GET_REFERRALS_EX)
        answer = dfs_referral.referral(conn.config, level, path)
        if len(answer) > max_output:
            # MS-DFSC 3.2.5.1: not even one complete entry fits: STATUS_BUFFER_OVERFLOW.
            raise SmbStatusError(NtStatus.BUFFER_OVERFLOW, "referral larger than MaxOutputResponse")
        return ioctl_response(ctl_code, file_id, answer)
    if ctl_code == Fsctl.QUERY_NETWORK_INTERFACE_INFO and conn.config.profile.identity.smb2.interface_info:
        _handle_less(file_id)
        return ioctl_response(ctl_code, file_id, _interface_info(conn, max_output))
    # MS-SMB2 3.3.5.15: every other FSCTL names an Open first; an unknown FileId is
    # STATUS_FILE_CLOSED before the control code is looked at.
    find_open(ctx, IOCTL_FILE_ID)
    raise SmbStatusError(NtStatus.INVALID_DEVICE_REQUEST, f"FSCTL 0x{ctl_code:08x} is not supported on IPC$")


def _handle_less(file_id: bytes) -> None:
    """MS-SMB2 3.3.5.15: FSCTL_DFS_GET_REFERRALS(_EX), FSCTL_QUERY_NETWORK_INTERFACE_INFO ... name no
    Open: a FileId other than all-FF is STATUS_INVALID_PARAMETER."""
    if file_id != FILE_ID_UNSET:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "FSCTL without an Open names a FileId")


def _interface_info(conn: ConnectionView, max_output: int) -> bytes:
    """MS-SMB2 3.3.5.15.11 on an SMB 3.x release (profile ``identity.smb2.interface_info``)."""
    if conn.dialect < Dialect.SMB_3_0:
        # "If Connection.Dialect does not belong to the SMB 3.x dialect family or
        # Connection.ServerCapabilities does not include SMB2_GLOBAL_CAP_MULTI_CHANNEL, the server
        # MAY fail the request with STATUS_NOT_SUPPORTED". Windows does not refuse a 3.x client that
        # left MULTI_CHANNEL out (and so gets none back): NetExec's enum_inet module
        # (Pennyw0rth/NetExec nxc/modules/enum_inet.py, pull request #846, tested against Server
        # 2025) asks over impacket, whose NEGOTIATE offers ENCRYPTION alone. The 2.x refusal: U.
        raise SmbStatusError(NtStatus.NOT_SUPPORTED, "FSCTL_QUERY_NETWORK_INTERFACE_INFO on an SMB 2.x connection")
    if max_output < ENTRY_SIZE:
        # MS-SMB2 3.3.5.15: the output must fit MaxOutputResponse.
        raise SmbStatusError(NtStatus.BUFFER_TOO_SMALL, "MaxOutputResponse below one NETWORK_INTERFACE_INFO")
    identity = conn.config.profile.identity.smb2
    return network_interface_info(conn.local[0], identity.interface_capabilities, identity.interface_link_speed)


def _validate_negotiate(conn: ConnectionView, data: bytes, max_output: int) -> bytes:
    """MS-SMB2 3.3.5.15.12: any mismatch with what NEGOTIATE saw means tampering: disconnect."""
    if conn.dialect == Dialect.SMB_3_1_1:
        raise ProtocolViolation("VALIDATE_NEGOTIATE_INFO on a 3.1.1 connection")
    if max_output < _VALIDATE_OUT_SIZE:
        raise ProtocolViolation("VALIDATE_NEGOTIATE_INFO buffers too small")
    # A short or truncated input is tampering too: disconnect, not INVALID_PARAMETER.
    request = parse_or_disconnect(ValidateNegotiateInfoRequest, data, "VALIDATE_NEGOTIATE_INFO input truncated")
    capabilities, guid, security_mode, dialects = (
        request.capabilities, request.guid, request.security_mode, request.dialects
    )
    if Dialect.SMB_3_1_1 in conn.config.profile.smb.dialects and tuple(dialects) != conn.client_dialects:
        raise ProtocolViolation("VALIDATE_NEGOTIATE_INFO dialects differ from NEGOTIATE")
    common = [d for d in conn.config.profile.smb.dialects if d in dialects]
    if not common or max(common) != conn.dialect:
        raise ProtocolViolation("VALIDATE_NEGOTIATE_INFO implies another dialect (downgrade)")
    if guid != conn.client_guid or security_mode != conn.client_security_mode or capabilities != conn.client_capabilities:
        raise ProtocolViolation("VALIDATE_NEGOTIATE_INFO differs from NEGOTIATE (downgrade)")
    return build(
        ValidateNegotiateInfoResponse,
        capabilities=conn.server_capabilities,
        guid=conn.config.server_guid,
        security_mode=conn.server_security_mode,
        dialect=conn.dialect,
    )


def _pipe_wait(conn: ConnectionView, data: bytes) -> bytes:
    """MS-FSCC 2.3.49 FSCTL_PIPE_WAIT: succeeds at once for a served pipe (instances are unlimited)."""
    request = parse(FsctlPipeWaitRequest, data)  # short input or name: INVALID_PARAMETER
    name = normalize_pipe_name(request.name.decode("utf-16-le", "replace"))
    if name not in ipc.served_pipes(conn.config):
        raise SmbStatusError(NtStatus.OBJECT_NAME_NOT_FOUND, f"no pipe named {name!r}")
    return b""
