"""SMB1 TRANSACTION2 and TRANSACTION2_SECONDARY on IPC$ (MS-CIFS 2.2.4.46, 2.2.4.47, 2.2.6, 3.3.5.58).

IPC$ holds no file system, and a Windows server answers the file-system subcommands there with
refusals. The specifications are silent on which; the fact source is Samba, whose IPC$ answers
were written against Windows Server 2003 and checked by smbtorture:

- TRANS2_QUERY_FS_INFORMATION (0x0003): STATUS_ACCESS_DENIED (Samba 4's IPC$ backend,
  source4/ntvfs/ipc/vfs_ipc.c ipc_fsinfo; Samba 3's reply_trans2 answers ERRSRV/ERRaccess for any
  TRANSACTION2 on IPC$ other than TRANS2_OPEN2 and TRANS2_GET_DFS_REFERRAL).
- TRANS2_QUERY_PATH_INFORMATION (0x0005): STATUS_INVALID_DEVICE_REQUEST (vfs_ipc.c
  ipc_qpathinfo: the NT and trans2 levels all map to the generic query, which a pipe share
  refuses as an invalid device request); a request too short to hold its InformationLevel and
  Reserved fields is STATUS_INVALID_PARAMETER.
- TRANS2_GET_DFS_REFERRAL (0x0010): the DC's DFS server answers (MS-CIFS 2.2.6.16, MS-DFSC 2.1:
  REQ_GET_DFS_REFERRAL in Trans2_Parameters, RESP_GET_DFS_REFERRAL in Trans2_Data, no response
  parameters) with the bytes SMB2's FSCTL_DFS_GET_REFERRALS gets: both come from
  smbemu.dfs_referral. A non-DC answers STATUS_FS_DRIVER_REQUIRED there, as on SMB2. The client's
  MaxDataCount is the response buffer of MS-DFSC 3.2.5.1: an answer that does not fit is
  STATUS_BUFFER_OVERFLOW.
- every other subcommand: STATUS_ACCESS_DENIED (ERRSRV/ERRaccess in the DOS form), Samba 3's
  answer for a TRANSACTION2 on IPC$.

A TRANSACTION2 carries exactly one Setup word, its subcommand (MS-CIFS 2.2.4.46.1); another
count is STATUS_INVALID_SMB (ERRSRV/ERRerror), as Samba answers it. Multi-part requests are
reassembled as TRANSACTION's are (smbemu.smb1.transaction).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu import dfs_referral
from smbemu.errors import SmbStatusError
from smbemu.smb1.layouts.trans import QueryPathInformationParameters
from smbemu.smb1.transaction import Transaction, receive_primary, receive_secondary, send_responses
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb1.context import Smb1Request, Smb1View

TRANS2_QUERY_FS_INFORMATION = 0x0003
TRANS2_QUERY_PATH_INFORMATION = 0x0005
TRANS2_GET_DFS_REFERRAL = 0x0010

_QUERY_PATH_FIXED = QueryPathInformationParameters.sizeof()


def handle(conn: Smb1View, req: Smb1Request) -> tuple[bytes, bytes] | None:
    transaction = receive_primary(conn, req, named=False)
    if transaction is None:
        return b"", b""  # the interim response (MS-CIFS 3.3.5.58)
    return execute(conn, req, transaction)


def handle_secondary(conn: Smb1View, req: Smb1Request) -> tuple[bytes, bytes] | None:
    transaction = receive_secondary(conn, req, req.words)
    if transaction is None:
        return None
    return execute(conn, req, transaction)


def execute(conn: Smb1View, req: Smb1Request, transaction: Transaction) -> tuple[bytes, bytes]:
    if len(transaction.setup) != 1:
        raise SmbStatusError(NtStatus.INVALID_SMB, f"TRANSACTION2 with {len(transaction.setup)} Setup words")
    subcommand = transaction.setup[0]
    if subcommand == TRANS2_QUERY_FS_INFORMATION:
        raise SmbStatusError(NtStatus.ACCESS_DENIED, "TRANS2_QUERY_FS_INFORMATION on IPC$")
    if subcommand == TRANS2_QUERY_PATH_INFORMATION:
        if len(transaction.params) < _QUERY_PATH_FIXED:
            raise SmbStatusError(NtStatus.INVALID_PARAMETER, "TRANS2_QUERY_PATH_INFORMATION parameters too short")
        raise SmbStatusError(NtStatus.INVALID_DEVICE_REQUEST, "TRANS2_QUERY_PATH_INFORMATION on IPC$")
    if subcommand == TRANS2_GET_DFS_REFERRAL:
        return _get_dfs_referral(conn, req, transaction)
    raise SmbStatusError(NtStatus.ACCESS_DENIED, f"TRANSACTION2 subcommand 0x{subcommand:04x} on IPC$")


def _get_dfs_referral(conn: Smb1View, req: Smb1Request, transaction: Transaction) -> tuple[bytes, bytes]:
    """MS-CIFS 2.2.6.16: RESP_GET_DFS_REFERRAL (MS-DFSC 2.2.4) as the Trans2_Data of the response."""
    level, path = dfs_referral.parse_request(bytes(transaction.params))
    answer = dfs_referral.referral(conn.config, level, path)
    if len(answer) > transaction.max_data_count:
        # MS-DFSC 3.2.5.1: not even one complete entry fits the client's buffer.
        raise SmbStatusError(NtStatus.BUFFER_OVERFLOW, "referral larger than MaxDataCount")
    return send_responses(conn, req, b"", answer)
