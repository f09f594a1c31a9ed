"""SMB1 numbers: commands, header flags, and the DOS error form of a status (MS-CIFS 2.2.2)."""

from __future__ import annotations

import enum

from smbemu.status import NtStatus

HEADER_SIZE = 32  # MS-CIFS 2.2.3.1
SMB1_MAGIC = b"\xffSMB"
NO_ANDX = 0xFF  # MS-CIFS 2.2.3.4: AndXCommand of the last command in a chain
DIALECT_NT_LM_0_12 = "NT LM 0.12"
NO_DIALECT = 0xFFFF  # MS-CIFS 2.2.4.52.2: DialectIndex when none of the client's is supported


class Command(enum.IntEnum):
    """MS-CIFS 2.2.2.1 (the commands this server knows; others get STATUS_SMB_BAD_COMMAND)."""

    CLOSE = 0x04
    TRANSACTION = 0x25
    TRANSACTION_SECONDARY = 0x26
    ECHO = 0x2B
    OPEN_ANDX = 0x2D
    READ_ANDX = 0x2E
    WRITE_ANDX = 0x2F
    TRANSACTION2 = 0x32
    TRANSACTION2_SECONDARY = 0x33
    TREE_DISCONNECT = 0x71
    NEGOTIATE = 0x72
    SESSION_SETUP_ANDX = 0x73
    LOGOFF_ANDX = 0x74
    TREE_CONNECT_ANDX = 0x75
    NT_TRANSACT = 0xA0
    NT_TRANSACT_SECONDARY = 0xA1
    NT_CREATE_ANDX = 0xA2
    NT_CANCEL = 0xA4


class Flags(enum.IntFlag):
    """MS-CIFS 2.2.3.1 Flags."""

    LOCK_AND_READ_OK = 0x01
    BUF_AVAIL = 0x02
    CASE_INSENSITIVE = 0x08
    CANONICALIZED_PATHS = 0x10
    OPLOCK = 0x20
    OPBATCH = 0x40
    REPLY = 0x80


class Flags2(enum.IntFlag):
    """MS-CIFS 2.2.3.1 Flags2, with MS-SMB 2.2.3.1's additions."""

    LONG_NAMES = 0x0001
    EAS = 0x0002
    SECURITY_SIGNATURE = 0x0004
    COMPRESSED = 0x0008
    SECURITY_SIGNATURE_REQUIRED = 0x0010
    IS_LONG_NAME = 0x0040
    REPARSE_PATH = 0x0400
    EXTENDED_SECURITY = 0x0800
    DFS = 0x1000
    PAGING_IO = 0x2000
    NT_STATUS = 0x4000
    UNICODE = 0x8000


class SecurityMode(enum.IntFlag):
    """MS-CIFS 2.2.4.52.2 SecurityMode of the NEGOTIATE response."""

    USER_SECURITY = 0x01
    ENCRYPT_PASSWORDS = 0x02
    SECURITY_SIGNATURES_ENABLED = 0x04
    SECURITY_SIGNATURES_REQUIRED = 0x08


CAP_EXTENDED_SECURITY = 0x80000000

# DOS error classes (MS-CIFS 2.2.2.4).
ERRDOS = 0x01
ERRSRV = 0x02
ERRHRD = 0x03

# NTSTATUS -> (class, code) for clients that did not set FLAGS2_NT_STATUS: MS-CIFS 2.2.2.4
# ("SMB Error Classes and Codes", which lists the NTSTATUS each DOS error corresponds to).
# A status not listed here is sent as ERRHRD/ERRgeneral (31), as MS-CIFS 2.2.2.4 gives for "a
# general hardware failure" and Samba's mapping does for anything it cannot map.
_DOS_ERRORS: dict[int, tuple[int, int]] = {
    NtStatus.SUCCESS: (0, 0),
    NtStatus.NOT_IMPLEMENTED: (ERRDOS, 1),  # ERRbadfunc
    NtStatus.INVALID_DEVICE_REQUEST: (ERRDOS, 1),  # ERRbadfunc
    NtStatus.NO_SUCH_FILE: (ERRDOS, 2),  # ERRbadfile
    NtStatus.OBJECT_NAME_NOT_FOUND: (ERRDOS, 2),  # ERRbadfile
    NtStatus.OBJECT_PATH_NOT_FOUND: (ERRDOS, 3),  # ERRbadpath
    NtStatus.OBJECT_PATH_SYNTAX_BAD: (ERRDOS, 3),  # ERRbadpath
    NtStatus.ACCESS_DENIED: (ERRDOS, 5),  # ERRnoaccess
    NtStatus.INVALID_HANDLE: (ERRDOS, 6),  # ERRbadfid
    NtStatus.FILE_CLOSED: (ERRDOS, 6),  # ERRbadfid
    NtStatus.INSUFFICIENT_RESOURCES: (ERRDOS, 8),  # ERRnomem
    NtStatus.SHARING_VIOLATION: (ERRDOS, 32),  # ERRbadshare
    NtStatus.NOT_SUPPORTED: (ERRSRV, 0xFFFF),  # ERRnosupport
    NtStatus.INVALID_PARAMETER: (ERRDOS, 87),  # ERRinvalidparam
    NtStatus.OBJECT_NAME_INVALID: (ERRDOS, 123),  # ERRinvalidname
    NtStatus.INVALID_INFO_CLASS: (ERRDOS, 124),  # ERRunknownlevel
    NtStatus.OS2_INVALID_LEVEL: (ERRDOS, 124),  # ERRunknownlevel
    NtStatus.INVALID_PIPE_STATE: (ERRDOS, 230),  # ERRbadpipe
    NtStatus.PIPE_BUSY: (ERRDOS, 231),  # ERRpipebusy
    NtStatus.PIPE_EMPTY: (ERRDOS, 232),  # ERRnodata (ERROR_NO_DATA)
    NtStatus.PIPE_DISCONNECTED: (ERRDOS, 233),  # ERRnotconnected
    NtStatus.PIPE_BROKEN: (ERRDOS, 109),  # ERROR_BROKEN_PIPE (not in MS-CIFS' table; MS-ERREF 2.2)
    NtStatus.BUFFER_OVERFLOW: (ERRDOS, 234),  # ERRmoredata
    NtStatus.MORE_PROCESSING_REQUIRED: (ERRDOS, 234),  # ERRmoredata
    NtStatus.INVALID_SMB: (ERRSRV, 1),  # ERRerror
    NtStatus.WRONG_PASSWORD: (ERRSRV, 2),  # ERRbadpw
    NtStatus.LOGON_FAILURE: (ERRSRV, 2),  # ERRbadpw
    NtStatus.NO_SUCH_USER: (ERRSRV, 2),  # ERRbadpw
    NtStatus.ACCOUNT_DISABLED: (ERRSRV, 2),  # ERRbadpw (MS-CIFS lists no finer DOS code)
    NtStatus.ACCOUNT_LOCKED_OUT: (ERRSRV, 2),  # ERRbadpw
    NtStatus.ACCOUNT_RESTRICTION: (ERRSRV, 2),  # ERRbadpw
    NtStatus.INVALID_LOGON_HOURS: (ERRSRV, 2),  # ERRbadpw
    NtStatus.PASSWORD_EXPIRED: (ERRSRV, 2),  # ERRbadpw
    NtStatus.SMB_BAD_TID: (ERRSRV, 5),  # ERRinvtid
    NtStatus.BAD_NETWORK_NAME: (ERRSRV, 6),  # ERRinvnetname
    NtStatus.NETWORK_NAME_DELETED: (ERRSRV, 6),  # ERRinvnetname
    NtStatus.SMB_BAD_COMMAND: (ERRSRV, 22),  # ERRbadcmd
    NtStatus.SMB_BAD_UID: (ERRSRV, 91),  # ERRbaduid
    NtStatus.USER_SESSION_DELETED: (ERRSRV, 91),  # ERRbaduid
    NtStatus.SMB_BAD_FID: (ERRDOS, 6),  # ERRbadfid
    NtStatus.CANCELLED: (ERRDOS, 995),  # ERROR_OPERATION_ABORTED (MS-ERREF 2.2; not in MS-CIFS)
}
ERRHRD_GENERAL = (ERRHRD, 31)


def dos_error(status: int) -> tuple[int, int]:
    """The (error class, error code) a client without FLAGS2_NT_STATUS is sent for `status`."""
    # A status already in the DOS form (class in the low byte, code in the high word) as the
    # STATUS_SMB_* values are: MS-CIFS 2.2.2.4.
    found = _DOS_ERRORS.get(status)
    if found is not None:
        return found
    if status & 0xFF00 == 0 and status >> 30 == 0 and status & 0xFF in (ERRDOS, ERRSRV, ERRHRD):
        return status & 0xFF, status >> 16
    return ERRHRD_GENERAL


def status_field(status: int, nt_status: bool) -> int:
    """The header's 32-bit Status: the NTSTATUS, or the DOS form (class, reserved, code)."""
    if nt_status:
        return status
    error_class, code = dos_error(status)
    return error_class | (code << 16)
