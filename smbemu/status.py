"""Every status code the server answers with, defined once: NTSTATUS, Win32 / WERROR and
DCE/RPC fault codes, and the one place that renders a code as a name.

The three families share one 32-bit space but not one meaning: an SMB2 header and the
SAMR/LSA/Netlogon return values carry an NTSTATUS (MS-ERREF 2.3); the Net* management calls
(srvsvc, wkssvc, dssetup, parts of netlogon) return a Win32 error as a WERROR (MS-ERREF 2.2,
lmerr.h for NERR_*); a DCE/RPC fault PDU carries a fault status (C706 appendix E, MS-RPCE
2.2.2.9), which is either an ``nca_s_*`` code or a Win32 ``RPC_S_*`` / ``RPC_X_*`` error.
This module is protocol-neutral (no SMB2 or RPC import) so both dialect families, the RPC
runtime, the policy, the fault injector and the audit log use the same values.

Each value is written once, as a member of its family's enum; the flat names
(``STATUS_ACCESS_DENIED``, ``ERROR_MORE_DATA``, ``NCA_S_OP_RNG_ERROR`` ...) that handlers
import are plain ``int`` aliases of those members, so response dictionaries and NDR encoders
see ordinary integers.  `status_name` renders a code for people (policy matrix, fault-rule
history, logs); `status_hex` is the ``0x%08X`` form Windows writes in its event log.
"""

from __future__ import annotations

import enum
from typing import Final


class NtStatus(enum.IntEnum):
    """MS-ERREF 2.3.1: the NTSTATUS values this server sends (member name = STATUS_ + name)."""

    SUCCESS = 0x00000000
    PENDING = 0x00000103
    MORE_ENTRIES = 0x00000105
    SOME_NOT_MAPPED = 0x00000107
    NOTIFY_ENUM_DIR = 0x0000010C
    BUFFER_OVERFLOW = 0x80000005
    NO_MORE_FILES = 0x80000006
    NO_MORE_ENTRIES = 0x8000001A
    UNSUCCESSFUL = 0xC0000001
    NOT_IMPLEMENTED = 0xC0000002
    INVALID_INFO_CLASS = 0xC0000003
    INFO_LENGTH_MISMATCH = 0xC0000004
    INVALID_HANDLE = 0xC0000008
    INVALID_PARAMETER = 0xC000000D
    NO_SUCH_DEVICE = 0xC000000E
    NO_SUCH_FILE = 0xC000000F
    INVALID_DEVICE_REQUEST = 0xC0000010
    END_OF_FILE = 0xC0000011
    MORE_PROCESSING_REQUIRED = 0xC0000016
    ACCESS_DENIED = 0xC0000022
    BUFFER_TOO_SMALL = 0xC0000023
    OBJECT_TYPE_MISMATCH = 0xC0000024
    OBJECT_NAME_INVALID = 0xC0000033
    OBJECT_NAME_NOT_FOUND = 0xC0000034
    OBJECT_NAME_COLLISION = 0xC0000035
    OBJECT_PATH_NOT_FOUND = 0xC000003A
    OBJECT_PATH_SYNTAX_BAD = 0xC000003B
    SHARING_VIOLATION = 0xC0000043
    NO_SUCH_PRIVILEGE = 0xC0000060
    NO_SUCH_USER = 0xC0000064
    NO_SUCH_GROUP = 0xC0000066
    WRONG_PASSWORD = 0xC000006A
    LOGON_FAILURE = 0xC000006D
    ACCOUNT_RESTRICTION = 0xC000006E
    INVALID_LOGON_HOURS = 0xC000006F
    INVALID_WORKSTATION = 0xC0000070
    PASSWORD_EXPIRED = 0xC0000071
    ACCOUNT_DISABLED = 0xC0000072
    NONE_MAPPED = 0xC0000073
    UNKNOWN_REVISION = 0xC0000058
    INVALID_SID = 0xC0000078
    INSUFFICIENT_RESOURCES = 0xC000009A
    PIPE_NOT_AVAILABLE = 0xC00000AC
    INVALID_PIPE_STATE = 0xC00000AD
    PIPE_BUSY = 0xC00000AE
    PIPE_DISCONNECTED = 0xC00000B0
    PIPE_CLOSING = 0xC00000B1
    IO_TIMEOUT = 0xC00000B5
    FILE_IS_A_DIRECTORY = 0xC00000BA
    NOT_SUPPORTED = 0xC00000BB
    INVALID_NETWORK_RESPONSE = 0xC00000C3
    NETWORK_NAME_DELETED = 0xC00000C9
    BAD_DEVICE_TYPE = 0xC00000CB  # SMB1 TREE_CONNECT_ANDX Service of the wrong type (ERRSRV/ERRinvdevice)
    BAD_NETWORK_NAME = 0xC00000CC
    REQUEST_NOT_ACCEPTED = 0xC00000D0
    PIPE_EMPTY = 0xC00000D9
    NO_SUCH_DOMAIN = 0xC00000DF
    INVALID_USER_BUFFER = 0xC00000E8
    NOT_A_DIRECTORY = 0xC0000103
    CANCELLED = 0xC0000120
    FILE_CLOSED = 0xC0000128
    INVALID_LEVEL = 0xC0000148
    PIPE_BROKEN = 0xC000014B
    NO_SUCH_ALIAS = 0xC0000151
    INVALID_DEVICE_STATE = 0xC0000184
    NO_TRUST_SAM_ACCOUNT = 0xC000018B
    FS_DRIVER_REQUIRED = 0xC000019C
    USER_SESSION_DELETED = 0xC0000203
    PASSWORD_MUST_CHANGE = 0xC0000224
    NOT_FOUND = 0xC0000225
    ACCOUNT_LOCKED_OUT = 0xC0000234
    NETWORK_SESSION_EXPIRED = 0xC000035C
    DOWNGRADE_DETECTED = 0xC0000388
    REQUEST_OUT_OF_SEQUENCE = 0xC000042A
    FILE_NOT_AVAILABLE = 0xC0000467
    #: SAM changes (MS-SAMR 3.1.5.4-3.1.5.10; values MS-ERREF 2.3.1).
    INVALID_ACCOUNT_NAME = 0xC0000062
    USER_EXISTS = 0xC0000063
    GROUP_EXISTS = 0xC0000065
    MEMBER_IN_GROUP = 0xC0000067
    MEMBER_NOT_IN_GROUP = 0xC0000068
    PASSWORD_RESTRICTION = 0xC000006C
    SPECIAL_ACCOUNT = 0xC0000124
    MEMBERS_PRIMARY_GROUP = 0xC0000127
    MEMBER_NOT_IN_ALIAS = 0xC0000152
    MEMBER_IN_ALIAS = 0xC0000153
    #: Trusted domain objects (MS-LSAD 3.1.4.7.10; values MS-ERREF 2.3.1).
    INVALID_DOMAIN_STATE = 0xC00000DD
    DIRECTORY_SERVICE_REQUIRED = 0xC00002B1
    CURRENT_DOMAIN_NOT_ALLOWED = 0xC00002E9
    #: SamrSetSecurityObject (MS-SAMR 3.1.5.12.1; values MS-ERREF 2.3.1).
    INVALID_SECURITY_DESCR = 0xC0000079
    BAD_DESCRIPTOR_FORMAT = 0xC00000E7
    ALIAS_EXISTS = 0xC0000154
    DS_MACHINE_ACCOUNT_QUOTA_EXCEEDED = 0xC00002E7
    #: DOS errors in the NTSTATUS form Windows sends over SMB1 (MS-CIFS 2.2.2.4: class in the low
    #: byte, the DOS code in the high word).
    INVALID_SMB = 0x00010002
    SMB_BAD_TID = 0x00050002
    SMB_BAD_FID = 0x00060001
    SMB_BAD_COMMAND = 0x00160002
    SMB_BAD_UID = 0x005B0002
    OS2_INVALID_LEVEL = 0x007C0001
    #: MS-SMB2 3.3.5.4: no hash algorithm in common in the preauth integrity context.
    SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP = 0xC05D0000


class Win32Error(enum.IntEnum):
    """MS-ERREF 2.2 / lmerr.h: the Win32 errors returned as a WERROR or NET_API_STATUS
    (member name = the spec's name)."""

    ERROR_SUCCESS = 0
    #: RAP (MS-RAP / MS-BRWS 3.3.5.6): SV_TYPE_DOMAIN_ENUM combined with other server types.
    ERROR_INVALID_FUNCTION = 1
    ERROR_FILE_NOT_FOUND = 2
    ERROR_ACCESS_DENIED = 5
    #: MS-RPRN: a call made on the wrong kind of printer handle.
    ERROR_INVALID_HANDLE = 6
    #: MS-BKRP 3.1.4.1.2.1 / 3.1.4.1.4: a wrapped secret sealed for another caller's SID.
    ERROR_INVALID_ACCESS = 12
    #: MS-BKRP 3.1.4.1.4: a wrapped secret whose contents do not verify.
    ERROR_INVALID_DATA = 13
    ERROR_NOT_SUPPORTED = 50
    #: MS-EVEN6 EvtRpcExportLog to a UNC path: smbemu never writes to another machine.
    ERROR_BAD_NETPATH = 53
    #: RAP NetServerEnum2 to a potential browser that is not a master or backup (MS-BRWS 3.3.5.6).
    ERROR_REQ_NOT_ACCEP = 71
    #: MS-RPRN RpcAddForm of a form name in use; MS-EVEN6 EvtRpcExportLog to an existing file
    #: (MS-ERREF 2.2: 0x00000050).
    ERROR_FILE_EXISTS = 80
    #: MS-WKST 3.2.4.13-15, 3.2.4.18-20: a JOINPR_ENCRYPTED_USER_PASSWORD that does not decrypt.
    ERROR_INVALID_PASSWORD = 86
    ERROR_INVALID_PARAMETER = 87
    ERROR_CALL_NOT_IMPLEMENTED = 120
    ERROR_INSUFFICIENT_BUFFER = 122
    ERROR_INVALID_NAME = 123
    ERROR_INVALID_LEVEL = 124
    #: MS-RPRN RpcAddPrintProcessor of a DLL the machine does not have (MS-ERREF 2.2: 0x0000007E).
    ERROR_MOD_NOT_FOUND = 126
    ERROR_MORE_DATA = 234
    #: MS-RRP BaseRegEnumKey / BaseRegEnumValue past the last entry.
    ERROR_NO_MORE_ITEMS = 259
    #: MS-RPRN RpcDeletePrintProcessor of the print processor in use (0x000003EB).
    ERROR_CAN_NOT_COMPLETE = 1003
    ERROR_INVALID_FLAGS = 1004
    #: MS-SCMR RControlService / RStartServiceW (3.1.4.2, 3.1.4.19).
    ERROR_INVALID_SERVICE_CONTROL = 1052
    ERROR_SERVICE_DATABASE_LOCKED = 1055
    ERROR_SERVICE_ALREADY_RUNNING = 1056
    ERROR_SERVICE_DISABLED = 1058
    #: MS-SCMR ROpenServiceW / RGetServiceDisplayNameW of an unknown service.
    ERROR_SERVICE_DOES_NOT_EXIST = 1060
    ERROR_SERVICE_NOT_ACTIVE = 1062
    #: MS-SCMR ROpenSCManagerW of a database other than ServicesActive / ServicesFailed.
    ERROR_DATABASE_DOES_NOT_EXIST = 1065
    #: MS-EVEN6 EvtRpcQuerySeek to a position outside the result set.
    ERROR_NOT_FOUND = 1168
    #: MS-SCMR changes (3.1.4.3, 3.1.4.11-12, 3.1.4.19): the start of a program that never
    #: reports to the SCM, a service marked for delete, a name or display name already taken.
    ERROR_SERVICE_REQUEST_TIMEOUT = 1053
    ERROR_SERVICE_MARKED_FOR_DELETE = 1072
    ERROR_SERVICE_EXISTS = 1073
    ERROR_DUPLICATE_SERVICE_NAME = 1078
    #: MS-RRP BaseRegSaveKey(Ex) to a file that exists (3.1.5.20); BaseRegLoadKey over a key.
    ERROR_ALREADY_EXISTS = 183
    #: MS-RRP: a hive operation without SeBackupPrivilege / SeRestorePrivilege.
    ERROR_PRIVILEGE_NOT_HELD = 1314
    ERROR_NO_LOGON_SERVERS = 1311
    #: wkssvc NetrWkstaUserGetInfo levels 0/1 for a caller without an interactive logon.
    ERROR_NO_SUCH_LOGON_SESSION = 1312
    #: MS-SCMR RGetNotifyResults (3.1.4.44): the wait for a notification ended without one.
    ERROR_REQUEST_ABORTED = 1235
    ERROR_NO_SUCH_USER = 1317
    #: MS-BKRP 3.1.4.1.2.1: a ServerWrap payload that does not decrypt to a SID.
    ERROR_INVALID_SID = 1337
    ERROR_NO_SUCH_DOMAIN = 1355
    #: MS-RPRN RpcRemoteFindFirstPrinterChangeNotification(Ex): the client's machine could not
    #: be reached for the reply channel.
    RPC_S_SERVER_UNAVAILABLE = 1722
    RPC_S_UNKNOWN_AUTHN_SERVICE = 1747
    #: MS-EVEN6 EvtRpcRemoteSubscriptionNext with no event waiting (EvtNext: ERROR_TIMEOUT).
    ERROR_TIMEOUT = 1460
    #: MS-RPRN: an [in, out] buffer shorter than its cbBuf.
    ERROR_INVALID_USER_BUFFER = 1784
    #: MS-RPRN: a port / driver the print server does not have (0x00000704 / 0x00000705).
    ERROR_UNKNOWN_PORT = 1796
    ERROR_UNKNOWN_PRINTER_DRIVER = 1797
    #: MS-RPRN RpcEnumPrintProcessorDatatypes of a print processor the server does not have
    #: (MS-ERREF 2.2: 0x00000706).
    ERROR_UNKNOWN_PRINTPROCESSOR = 1798
    #: MS-RPRN RpcOpenPrinter(Ex) of a printer the server does not have.
    ERROR_INVALID_PRINTER_NAME = 1801
    #: MS-RPRN RpcAddPrinter(Ex) of a name in use (MS-ERREF 2.2: 0x0000070A).
    ERROR_PRINTER_ALREADY_EXISTS = 1802
    #: MS-RPRN RpcSetPrinter with a Command the level does not take (0x0000070B).
    ERROR_INVALID_PRINTER_COMMAND = 1803
    #: MS-RPRN RpcStartDocPrinter of a data type the print processor does not take (0x0000070C).
    ERROR_INVALID_DATATYPE = 1804
    #: MS-RPRN: an environment name (MS-RPRN 2.2.4.4) the server does not know.
    ERROR_INVALID_ENVIRONMENT = 1805
    #: MS-RPRN RpcGetForm of a form the server does not have (MS-ERREF 2.2: 0x0000076E).
    ERROR_INVALID_FORM_NAME = 1902
    #: MS-RPRN: a call the printer's state does not allow (a second document on one handle).
    ERROR_INVALID_PRINTER_STATE = 1906
    ERROR_NO_SITENAME = 1919
    #: lmerr.h NERR_UnknownDevDir (NERR_BASE + 16): a disk share's path names no local
    #: directory (srvsvc NetrShareAdd, MS-SRVS 3.1.4.7).
    NERR_UNKNOWN_DEV_DIR = 2116
    #: lmerr.h NERR_DuplicateShare (NERR_BASE + 18): NetrShareAdd of a name already shared.
    NERR_DUPLICATE_SHARE = 2118
    NERR_BUF_TOO_SMALL = 2123
    #: "The requested API is not supported on the remote server": a RAP opcode the server
    #: does not implement (MS-ERREF 2.2).
    NERR_INVALID_API = 2142
    NERR_USER_NOT_FOUND = 2221
    #: "The message alias could not be found on the network" (wkssvc NetrMessageBufferSend
    #: without the Messenger service).
    NERR_NAME_NOT_FOUND = 2273
    NERR_NET_NAME_NOT_FOUND = 2310
    NERR_DEVICE_NOT_SHARED = 2311
    NERR_CLIENT_NAME_NOT_FOUND = 2312
    NERR_FILE_ID_NOT_FOUND = 2314
    NERR_DC_NOT_FOUND = 2453
    #: MS-RPRN page / write / end calls on a handle without RpcStartDocPrinter (0x00000BBB),
    #: RpcScheduleJob of a job RpcAddJob did not create (0x00000BBC).
    ERROR_SPL_NO_STARTDOC = 3003
    ERROR_SPL_NO_ADDJOB = 3004
    #: MS-RPRN RpcAddPrintProcessor of one already installed (MS-ERREF 2.2: 0x00000BBD).
    ERROR_PRINT_PROCESSOR_ALREADY_INSTALLED = 3005
    #: MS-DRSR (drsuapi) directory service errors (MS-ERREF 2.2 / winerror.h).
    ERROR_DS_OBJ_NOT_FOUND = 8333
    ERROR_DS_DRA_BAD_DN = 8439
    ERROR_DS_DRA_BAD_NC = 8440
    ERROR_DS_DRA_ACCESS_DENIED = 8453
    ERROR_DS_DRA_NOT_SUPPORTED = 8454
    #: (drsuapi administration calls, MS-DRSR 4.1.x; values: winerror.h, as Samba's WERR_DS_* list them)
    ERROR_DS_CANT_DELETE_DSA_OBJ = 8340
    ERROR_DS_NO_CROSSREF_FOR_NC = 8363
    ERROR_DS_CANT_FIND_DSA_OBJ = 8419
    ERROR_DS_DRA_INVALID_PARAMETER = 8437
    ERROR_DS_DRA_REF_ALREADY_EXISTS = 8448
    ERROR_DS_DRA_REF_NOT_FOUND = 8449
    ERROR_DS_DRA_NO_REPLICA = 8452
    ERROR_DS_DNS_LOOKUP_FAILURE = 8524
    ERROR_DS_NC_STILL_HAS_DSAS = 8546
    ERROR_DS_DESTINATION_AUDITING_NOT_ENABLED = 8536
    ERROR_DS_MUST_BE_RUN_ON_DST_DC = 8558
    #: RAP NetServerEnum2 / 3 with no server list (MS-RAP 3.2.5.12).
    ERROR_NO_BROWSER_SERVERS_FOUND = 6118
    #: MS-EVEN6: a publisher whose metadata the server does not have (winerror.h 15002).
    ERROR_EVT_PUBLISHER_METADATA_NOT_FOUND = 15002
    #: MS-EVEN6: a channel the server does not have (winerror.h 15007).
    ERROR_EVT_CHANNEL_NOT_FOUND = 15007
    #: MS-ERREF 2.1: HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED), the refusal of a call whose
    #: declared return type is an HRESULT (the Win32 error wrapped in facility 7).
    E_ACCESSDENIED = 0x80070005
    #: MS-ERREF 2.1 RPC_E_REMOTE_DISABLED, the HRESULT wkssvc's NetSetup calls return to a
    #: remote caller (NetrValidateName2, NetrGetJoinableOUs2).
    RPC_E_REMOTE_DISABLED = 0x8001011C


class FaultStatus(enum.IntEnum):
    """C706 appendix E / MS-RPCE 2.2.2.9: the status of a fault PDU (member name = the name
    the constant goes by here; Win32 RPC errors keep their MS-ERREF names)."""

    #: MS-RPCE 3.3.1.5.5 / Samba DCERPC_FAULT_ACCESS_DENIED (the Win32 ERROR_ACCESS_DENIED).
    FAULT_ACCESS_DENIED = 0x00000005
    #: RPC_S_OUT_OF_RESOURCES (1721): the runtime cannot allocate, e.g. a full handle table.
    FAULT_OUT_OF_RESOURCES = 0x000006B9
    #: RPC_S_SERVER_TOO_BUSY (1723).
    RPC_S_SERVER_TOO_BUSY = 0x000006BB
    #: RPC_S_NO_CALL_ACTIVE (1725): a cancel or orphaned for no call in progress.
    FAULT_NO_CALL_ACTIVE = 0x000006BD
    #: RPC_S_CALL_FAILED (1726).
    RPC_S_CALL_FAILED = 0x000006BE
    #: RPC_X_INVALID_BOUND (1734): an [in, range(...)] parameter out of range.
    RPC_X_INVALID_BOUND = 0x000006C6
    #: RPC_X_BAD_STUB_DATA (1783), nca_s_fault_ndr: a stub that does not decode.
    NCA_S_FAULT_NDR = 0x000006F7
    #: ERROR_SEC_PKG_ERROR (1825): what Windows faults a failed alter_context auth with.
    FAULT_SEC_PKG_ERROR = 0x00000721
    #: nca_s_fault_invalid_tag: a union discriminant with no arm.
    NCA_S_FAULT_INVALID_TAG = 0x1C000006
    #: nca_s_fault_unspec: the handler failed for a reason the fault cannot say.
    NCA_S_FAULT_UNSPEC = 0x1C000012
    #: nca_s_fault_context_mismatch: a context handle that does not belong to this association.
    NCA_S_FAULT_CONTEXT_MISMATCH = 0x1C00001A
    #: nca_op_rng_error: the opnum is not dispatched by the interface.
    NCA_S_OP_RNG_ERROR = 0x1C010002
    #: nca_unk_if: the presentation context names no interface the server offers.
    NCA_S_UNK_IF = 0x1C010003
    #: nca_proto_error: a PDU that breaks the protocol.
    NCA_S_PROTO_ERROR = 0x1C01000B


class StatusFamily(enum.Enum):
    """Which of the three vocabularies a code belongs to (decides how it is named)."""

    NTSTATUS = "NTSTATUS"
    WERROR = "WERROR"
    FAULT = "fault"


# --------------------------------------------------------------------------------------------------
# Flat names for handlers: plain ints, one per enum member (tests/unit/test_status.py checks the
# correspondence both ways).
# --------------------------------------------------------------------------------------------------

# NTSTATUS (MS-ERREF 2.3.1)
STATUS_SUCCESS: Final[int] = NtStatus.SUCCESS.value
STATUS_PENDING: Final[int] = NtStatus.PENDING.value
STATUS_MORE_ENTRIES: Final[int] = NtStatus.MORE_ENTRIES.value
STATUS_SOME_NOT_MAPPED: Final[int] = NtStatus.SOME_NOT_MAPPED.value
STATUS_NOTIFY_ENUM_DIR: Final[int] = NtStatus.NOTIFY_ENUM_DIR.value
STATUS_BUFFER_OVERFLOW: Final[int] = NtStatus.BUFFER_OVERFLOW.value
STATUS_NO_MORE_FILES: Final[int] = NtStatus.NO_MORE_FILES.value
STATUS_NO_MORE_ENTRIES: Final[int] = NtStatus.NO_MORE_ENTRIES.value
STATUS_UNSUCCESSFUL: Final[int] = NtStatus.UNSUCCESSFUL.value
STATUS_NOT_IMPLEMENTED: Final[int] = NtStatus.NOT_IMPLEMENTED.value
STATUS_INVALID_INFO_CLASS: Final[int] = NtStatus.INVALID_INFO_CLASS.value
STATUS_INFO_LENGTH_MISMATCH: Final[int] = NtStatus.INFO_LENGTH_MISMATCH.value
STATUS_INVALID_HANDLE: Final[int] = NtStatus.INVALID_HANDLE.value
STATUS_INVALID_PARAMETER: Final[int] = NtStatus.INVALID_PARAMETER.value
STATUS_NO_SUCH_DEVICE: Final[int] = NtStatus.NO_SUCH_DEVICE.value
STATUS_NO_SUCH_FILE: Final[int] = NtStatus.NO_SUCH_FILE.value
STATUS_INVALID_DEVICE_REQUEST: Final[int] = NtStatus.INVALID_DEVICE_REQUEST.value
STATUS_END_OF_FILE: Final[int] = NtStatus.END_OF_FILE.value
STATUS_MORE_PROCESSING_REQUIRED: Final[int] = NtStatus.MORE_PROCESSING_REQUIRED.value
STATUS_ACCESS_DENIED: Final[int] = NtStatus.ACCESS_DENIED.value
STATUS_BUFFER_TOO_SMALL: Final[int] = NtStatus.BUFFER_TOO_SMALL.value
STATUS_OBJECT_TYPE_MISMATCH: Final[int] = NtStatus.OBJECT_TYPE_MISMATCH.value
STATUS_OBJECT_NAME_INVALID: Final[int] = NtStatus.OBJECT_NAME_INVALID.value
STATUS_INVALID_LEVEL: Final[int] = NtStatus.INVALID_LEVEL.value
STATUS_OBJECT_NAME_NOT_FOUND: Final[int] = NtStatus.OBJECT_NAME_NOT_FOUND.value
STATUS_OBJECT_NAME_COLLISION: Final[int] = NtStatus.OBJECT_NAME_COLLISION.value
STATUS_OBJECT_PATH_NOT_FOUND: Final[int] = NtStatus.OBJECT_PATH_NOT_FOUND.value
STATUS_OBJECT_PATH_SYNTAX_BAD: Final[int] = NtStatus.OBJECT_PATH_SYNTAX_BAD.value
STATUS_SHARING_VIOLATION: Final[int] = NtStatus.SHARING_VIOLATION.value
STATUS_NO_SUCH_PRIVILEGE: Final[int] = NtStatus.NO_SUCH_PRIVILEGE.value
STATUS_NO_SUCH_USER: Final[int] = NtStatus.NO_SUCH_USER.value
STATUS_NO_SUCH_GROUP: Final[int] = NtStatus.NO_SUCH_GROUP.value
STATUS_WRONG_PASSWORD: Final[int] = NtStatus.WRONG_PASSWORD.value
STATUS_LOGON_FAILURE: Final[int] = NtStatus.LOGON_FAILURE.value
STATUS_ACCOUNT_RESTRICTION: Final[int] = NtStatus.ACCOUNT_RESTRICTION.value
STATUS_INVALID_LOGON_HOURS: Final[int] = NtStatus.INVALID_LOGON_HOURS.value
STATUS_PASSWORD_EXPIRED: Final[int] = NtStatus.PASSWORD_EXPIRED.value
STATUS_PASSWORD_MUST_CHANGE: Final[int] = NtStatus.PASSWORD_MUST_CHANGE.value
STATUS_INVALID_WORKSTATION: Final[int] = NtStatus.INVALID_WORKSTATION.value
STATUS_ACCOUNT_DISABLED: Final[int] = NtStatus.ACCOUNT_DISABLED.value
STATUS_NONE_MAPPED: Final[int] = NtStatus.NONE_MAPPED.value
STATUS_UNKNOWN_REVISION: Final[int] = NtStatus.UNKNOWN_REVISION.value
STATUS_INVALID_SID: Final[int] = NtStatus.INVALID_SID.value
STATUS_INSUFFICIENT_RESOURCES: Final[int] = NtStatus.INSUFFICIENT_RESOURCES.value
STATUS_PIPE_NOT_AVAILABLE: Final[int] = NtStatus.PIPE_NOT_AVAILABLE.value
STATUS_INVALID_PIPE_STATE: Final[int] = NtStatus.INVALID_PIPE_STATE.value
STATUS_PIPE_BUSY: Final[int] = NtStatus.PIPE_BUSY.value
STATUS_PIPE_DISCONNECTED: Final[int] = NtStatus.PIPE_DISCONNECTED.value
STATUS_PIPE_CLOSING: Final[int] = NtStatus.PIPE_CLOSING.value
STATUS_IO_TIMEOUT: Final[int] = NtStatus.IO_TIMEOUT.value
STATUS_FILE_IS_A_DIRECTORY: Final[int] = NtStatus.FILE_IS_A_DIRECTORY.value
STATUS_NOT_SUPPORTED: Final[int] = NtStatus.NOT_SUPPORTED.value
STATUS_INVALID_NETWORK_RESPONSE: Final[int] = NtStatus.INVALID_NETWORK_RESPONSE.value
STATUS_NETWORK_NAME_DELETED: Final[int] = NtStatus.NETWORK_NAME_DELETED.value
STATUS_BAD_DEVICE_TYPE: Final[int] = NtStatus.BAD_DEVICE_TYPE.value
STATUS_BAD_NETWORK_NAME: Final[int] = NtStatus.BAD_NETWORK_NAME.value
STATUS_REQUEST_NOT_ACCEPTED: Final[int] = NtStatus.REQUEST_NOT_ACCEPTED.value
STATUS_PIPE_EMPTY: Final[int] = NtStatus.PIPE_EMPTY.value
STATUS_NO_SUCH_DOMAIN: Final[int] = NtStatus.NO_SUCH_DOMAIN.value
STATUS_INVALID_USER_BUFFER: Final[int] = NtStatus.INVALID_USER_BUFFER.value
STATUS_NOT_A_DIRECTORY: Final[int] = NtStatus.NOT_A_DIRECTORY.value
STATUS_CANCELLED: Final[int] = NtStatus.CANCELLED.value
STATUS_FILE_CLOSED: Final[int] = NtStatus.FILE_CLOSED.value
STATUS_PIPE_BROKEN: Final[int] = NtStatus.PIPE_BROKEN.value
STATUS_NO_SUCH_ALIAS: Final[int] = NtStatus.NO_SUCH_ALIAS.value
STATUS_INVALID_DEVICE_STATE: Final[int] = NtStatus.INVALID_DEVICE_STATE.value
STATUS_NO_TRUST_SAM_ACCOUNT: Final[int] = NtStatus.NO_TRUST_SAM_ACCOUNT.value
STATUS_FS_DRIVER_REQUIRED: Final[int] = NtStatus.FS_DRIVER_REQUIRED.value
STATUS_USER_SESSION_DELETED: Final[int] = NtStatus.USER_SESSION_DELETED.value
STATUS_NOT_FOUND: Final[int] = NtStatus.NOT_FOUND.value
STATUS_ACCOUNT_LOCKED_OUT: Final[int] = NtStatus.ACCOUNT_LOCKED_OUT.value
STATUS_NETWORK_SESSION_EXPIRED: Final[int] = NtStatus.NETWORK_SESSION_EXPIRED.value
STATUS_DOWNGRADE_DETECTED: Final[int] = NtStatus.DOWNGRADE_DETECTED.value
STATUS_REQUEST_OUT_OF_SEQUENCE: Final[int] = NtStatus.REQUEST_OUT_OF_SEQUENCE.value
STATUS_FILE_NOT_AVAILABLE: Final[int] = NtStatus.FILE_NOT_AVAILABLE.value
STATUS_INVALID_ACCOUNT_NAME: Final[int] = NtStatus.INVALID_ACCOUNT_NAME.value
STATUS_USER_EXISTS: Final[int] = NtStatus.USER_EXISTS.value
STATUS_GROUP_EXISTS: Final[int] = NtStatus.GROUP_EXISTS.value
STATUS_MEMBER_IN_GROUP: Final[int] = NtStatus.MEMBER_IN_GROUP.value
STATUS_MEMBER_NOT_IN_GROUP: Final[int] = NtStatus.MEMBER_NOT_IN_GROUP.value
STATUS_INVALID_DOMAIN_STATE: Final[int] = NtStatus.INVALID_DOMAIN_STATE.value
STATUS_DIRECTORY_SERVICE_REQUIRED: Final[int] = NtStatus.DIRECTORY_SERVICE_REQUIRED.value
STATUS_CURRENT_DOMAIN_NOT_ALLOWED: Final[int] = NtStatus.CURRENT_DOMAIN_NOT_ALLOWED.value
STATUS_INVALID_SECURITY_DESCR: Final[int] = NtStatus.INVALID_SECURITY_DESCR.value
STATUS_BAD_DESCRIPTOR_FORMAT: Final[int] = NtStatus.BAD_DESCRIPTOR_FORMAT.value
STATUS_PASSWORD_RESTRICTION: Final[int] = NtStatus.PASSWORD_RESTRICTION.value
STATUS_SPECIAL_ACCOUNT: Final[int] = NtStatus.SPECIAL_ACCOUNT.value
STATUS_MEMBERS_PRIMARY_GROUP: Final[int] = NtStatus.MEMBERS_PRIMARY_GROUP.value
STATUS_MEMBER_NOT_IN_ALIAS: Final[int] = NtStatus.MEMBER_NOT_IN_ALIAS.value
STATUS_MEMBER_IN_ALIAS: Final[int] = NtStatus.MEMBER_IN_ALIAS.value
STATUS_ALIAS_EXISTS: Final[int] = NtStatus.ALIAS_EXISTS.value
STATUS_DS_MACHINE_ACCOUNT_QUOTA_EXCEEDED: Final[int] = NtStatus.DS_MACHINE_ACCOUNT_QUOTA_EXCEEDED.value
STATUS_INVALID_SMB: Final[int] = NtStatus.INVALID_SMB.value
STATUS_SMB_BAD_TID: Final[int] = NtStatus.SMB_BAD_TID.value
STATUS_SMB_BAD_FID: Final[int] = NtStatus.SMB_BAD_FID.value
STATUS_SMB_BAD_COMMAND: Final[int] = NtStatus.SMB_BAD_COMMAND.value
STATUS_SMB_BAD_UID: Final[int] = NtStatus.SMB_BAD_UID.value
STATUS_OS2_INVALID_LEVEL: Final[int] = NtStatus.OS2_INVALID_LEVEL.value
STATUS_SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP: Final[int] = (
    NtStatus.SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP.value)

# Win32 errors / WERROR / NET_API_STATUS (MS-ERREF 2.2, lmerr.h)
ERROR_SUCCESS: Final[int] = Win32Error.ERROR_SUCCESS.value
ERROR_INVALID_FUNCTION: Final[int] = Win32Error.ERROR_INVALID_FUNCTION.value
ERROR_REQ_NOT_ACCEP: Final[int] = Win32Error.ERROR_REQ_NOT_ACCEP.value
NERR_INVALID_API: Final[int] = Win32Error.NERR_INVALID_API.value
ERROR_NO_BROWSER_SERVERS_FOUND: Final[int] = Win32Error.ERROR_NO_BROWSER_SERVERS_FOUND.value
ERROR_FILE_NOT_FOUND: Final[int] = Win32Error.ERROR_FILE_NOT_FOUND.value
ERROR_ACCESS_DENIED: Final[int] = Win32Error.ERROR_ACCESS_DENIED.value
ERROR_INVALID_ACCESS: Final[int] = Win32Error.ERROR_INVALID_ACCESS.value
ERROR_INVALID_DATA: Final[int] = Win32Error.ERROR_INVALID_DATA.value
ERROR_INVALID_SID: Final[int] = Win32Error.ERROR_INVALID_SID.value
ERROR_NOT_SUPPORTED: Final[int] = Win32Error.ERROR_NOT_SUPPORTED.value
ERROR_FILE_EXISTS: Final[int] = Win32Error.ERROR_FILE_EXISTS.value
ERROR_INVALID_PARAMETER: Final[int] = Win32Error.ERROR_INVALID_PARAMETER.value
ERROR_INVALID_PASSWORD: Final[int] = Win32Error.ERROR_INVALID_PASSWORD.value
ERROR_CALL_NOT_IMPLEMENTED: Final[int] = Win32Error.ERROR_CALL_NOT_IMPLEMENTED.value
ERROR_INSUFFICIENT_BUFFER: Final[int] = Win32Error.ERROR_INSUFFICIENT_BUFFER.value
ERROR_INVALID_NAME: Final[int] = Win32Error.ERROR_INVALID_NAME.value
ERROR_INVALID_LEVEL: Final[int] = Win32Error.ERROR_INVALID_LEVEL.value
ERROR_MORE_DATA: Final[int] = Win32Error.ERROR_MORE_DATA.value
ERROR_NO_MORE_ITEMS: Final[int] = Win32Error.ERROR_NO_MORE_ITEMS.value
ERROR_INVALID_FLAGS: Final[int] = Win32Error.ERROR_INVALID_FLAGS.value
ERROR_SERVICE_DOES_NOT_EXIST: Final[int] = Win32Error.ERROR_SERVICE_DOES_NOT_EXIST.value
ERROR_INVALID_SERVICE_CONTROL: Final[int] = Win32Error.ERROR_INVALID_SERVICE_CONTROL.value
ERROR_SERVICE_ALREADY_RUNNING: Final[int] = Win32Error.ERROR_SERVICE_ALREADY_RUNNING.value
ERROR_SERVICE_DATABASE_LOCKED: Final[int] = Win32Error.ERROR_SERVICE_DATABASE_LOCKED.value
ERROR_SERVICE_DISABLED: Final[int] = Win32Error.ERROR_SERVICE_DISABLED.value
ERROR_SERVICE_NOT_ACTIVE: Final[int] = Win32Error.ERROR_SERVICE_NOT_ACTIVE.value
ERROR_DATABASE_DOES_NOT_EXIST: Final[int] = Win32Error.ERROR_DATABASE_DOES_NOT_EXIST.value
ERROR_SERVICE_REQUEST_TIMEOUT: Final[int] = Win32Error.ERROR_SERVICE_REQUEST_TIMEOUT.value
ERROR_SERVICE_MARKED_FOR_DELETE: Final[int] = Win32Error.ERROR_SERVICE_MARKED_FOR_DELETE.value
ERROR_SERVICE_EXISTS: Final[int] = Win32Error.ERROR_SERVICE_EXISTS.value
ERROR_DUPLICATE_SERVICE_NAME: Final[int] = Win32Error.ERROR_DUPLICATE_SERVICE_NAME.value
ERROR_ALREADY_EXISTS: Final[int] = Win32Error.ERROR_ALREADY_EXISTS.value
ERROR_PRIVILEGE_NOT_HELD: Final[int] = Win32Error.ERROR_PRIVILEGE_NOT_HELD.value
ERROR_NO_LOGON_SERVERS: Final[int] = Win32Error.ERROR_NO_LOGON_SERVERS.value
ERROR_BAD_NETPATH: Final[int] = Win32Error.ERROR_BAD_NETPATH.value
ERROR_NOT_FOUND: Final[int] = Win32Error.ERROR_NOT_FOUND.value
ERROR_TIMEOUT: Final[int] = Win32Error.ERROR_TIMEOUT.value
ERROR_EVT_PUBLISHER_METADATA_NOT_FOUND: Final[int] = Win32Error.ERROR_EVT_PUBLISHER_METADATA_NOT_FOUND.value
ERROR_EVT_CHANNEL_NOT_FOUND: Final[int] = Win32Error.ERROR_EVT_CHANNEL_NOT_FOUND.value
ERROR_REQUEST_ABORTED: Final[int] = Win32Error.ERROR_REQUEST_ABORTED.value
ERROR_NO_SUCH_LOGON_SESSION: Final[int] = Win32Error.ERROR_NO_SUCH_LOGON_SESSION.value
ERROR_NO_SUCH_USER: Final[int] = Win32Error.ERROR_NO_SUCH_USER.value
ERROR_NO_SUCH_DOMAIN: Final[int] = Win32Error.ERROR_NO_SUCH_DOMAIN.value
RPC_S_UNKNOWN_AUTHN_SERVICE: Final[int] = Win32Error.RPC_S_UNKNOWN_AUTHN_SERVICE.value
ERROR_INVALID_HANDLE: Final[int] = Win32Error.ERROR_INVALID_HANDLE.value
RPC_S_SERVER_UNAVAILABLE: Final[int] = Win32Error.RPC_S_SERVER_UNAVAILABLE.value
ERROR_INVALID_USER_BUFFER: Final[int] = Win32Error.ERROR_INVALID_USER_BUFFER.value
ERROR_INVALID_PRINTER_NAME: Final[int] = Win32Error.ERROR_INVALID_PRINTER_NAME.value
ERROR_INVALID_ENVIRONMENT: Final[int] = Win32Error.ERROR_INVALID_ENVIRONMENT.value
ERROR_UNKNOWN_PRINTPROCESSOR: Final[int] = Win32Error.ERROR_UNKNOWN_PRINTPROCESSOR.value
ERROR_UNKNOWN_PORT: Final[int] = Win32Error.ERROR_UNKNOWN_PORT.value
ERROR_UNKNOWN_PRINTER_DRIVER: Final[int] = Win32Error.ERROR_UNKNOWN_PRINTER_DRIVER.value
ERROR_PRINTER_ALREADY_EXISTS: Final[int] = Win32Error.ERROR_PRINTER_ALREADY_EXISTS.value
ERROR_INVALID_PRINTER_COMMAND: Final[int] = Win32Error.ERROR_INVALID_PRINTER_COMMAND.value
ERROR_PRINT_PROCESSOR_ALREADY_INSTALLED: Final[int] = Win32Error.ERROR_PRINT_PROCESSOR_ALREADY_INSTALLED.value
ERROR_CAN_NOT_COMPLETE: Final[int] = Win32Error.ERROR_CAN_NOT_COMPLETE.value
ERROR_MOD_NOT_FOUND: Final[int] = Win32Error.ERROR_MOD_NOT_FOUND.value
ERROR_INVALID_FORM_NAME: Final[int] = Win32Error.ERROR_INVALID_FORM_NAME.value
ERROR_INVALID_DATATYPE: Final[int] = Win32Error.ERROR_INVALID_DATATYPE.value
ERROR_INVALID_PRINTER_STATE: Final[int] = Win32Error.ERROR_INVALID_PRINTER_STATE.value
ERROR_SPL_NO_STARTDOC: Final[int] = Win32Error.ERROR_SPL_NO_STARTDOC.value
ERROR_SPL_NO_ADDJOB: Final[int] = Win32Error.ERROR_SPL_NO_ADDJOB.value
ERROR_NO_SITENAME: Final[int] = Win32Error.ERROR_NO_SITENAME.value
NERR_BUF_TOO_SMALL: Final[int] = Win32Error.NERR_BUF_TOO_SMALL.value
NERR_UNKNOWN_DEV_DIR: Final[int] = Win32Error.NERR_UNKNOWN_DEV_DIR.value
NERR_DUPLICATE_SHARE: Final[int] = Win32Error.NERR_DUPLICATE_SHARE.value
NERR_USER_NOT_FOUND: Final[int] = Win32Error.NERR_USER_NOT_FOUND.value
NERR_NAME_NOT_FOUND: Final[int] = Win32Error.NERR_NAME_NOT_FOUND.value
NERR_NET_NAME_NOT_FOUND: Final[int] = Win32Error.NERR_NET_NAME_NOT_FOUND.value
RPC_E_REMOTE_DISABLED: Final[int] = Win32Error.RPC_E_REMOTE_DISABLED.value
ERROR_DS_OBJ_NOT_FOUND: Final[int] = Win32Error.ERROR_DS_OBJ_NOT_FOUND.value
ERROR_DS_DRA_BAD_DN: Final[int] = Win32Error.ERROR_DS_DRA_BAD_DN.value
ERROR_DS_DRA_BAD_NC: Final[int] = Win32Error.ERROR_DS_DRA_BAD_NC.value
ERROR_DS_DRA_ACCESS_DENIED: Final[int] = Win32Error.ERROR_DS_DRA_ACCESS_DENIED.value
ERROR_DS_DRA_NOT_SUPPORTED: Final[int] = Win32Error.ERROR_DS_DRA_NOT_SUPPORTED.value
ERROR_DS_CANT_DELETE_DSA_OBJ: Final[int] = Win32Error.ERROR_DS_CANT_DELETE_DSA_OBJ.value
ERROR_DS_NO_CROSSREF_FOR_NC: Final[int] = Win32Error.ERROR_DS_NO_CROSSREF_FOR_NC.value
ERROR_DS_CANT_FIND_DSA_OBJ: Final[int] = Win32Error.ERROR_DS_CANT_FIND_DSA_OBJ.value
ERROR_DS_DRA_INVALID_PARAMETER: Final[int] = Win32Error.ERROR_DS_DRA_INVALID_PARAMETER.value
ERROR_DS_DRA_REF_ALREADY_EXISTS: Final[int] = Win32Error.ERROR_DS_DRA_REF_ALREADY_EXISTS.value
ERROR_DS_DRA_REF_NOT_FOUND: Final[int] = Win32Error.ERROR_DS_DRA_REF_NOT_FOUND.value
ERROR_DS_DRA_NO_REPLICA: Final[int] = Win32Error.ERROR_DS_DRA_NO_REPLICA.value
ERROR_DS_DNS_LOOKUP_FAILURE: Final[int] = Win32Error.ERROR_DS_DNS_LOOKUP_FAILURE.value
ERROR_DS_NC_STILL_HAS_DSAS: Final[int] = Win32Error.ERROR_DS_NC_STILL_HAS_DSAS.value
ERROR_DS_DESTINATION_AUDITING_NOT_ENABLED: Final[int] = Win32Error.ERROR_DS_DESTINATION_AUDITING_NOT_ENABLED.value
ERROR_DS_MUST_BE_RUN_ON_DST_DC: Final[int] = Win32Error.ERROR_DS_MUST_BE_RUN_ON_DST_DC.value
NERR_DEVICE_NOT_SHARED: Final[int] = Win32Error.NERR_DEVICE_NOT_SHARED.value
NERR_CLIENT_NAME_NOT_FOUND: Final[int] = Win32Error.NERR_CLIENT_NAME_NOT_FOUND.value
NERR_FILE_ID_NOT_FOUND: Final[int] = Win32Error.NERR_FILE_ID_NOT_FOUND.value
NERR_DC_NOT_FOUND: Final[int] = Win32Error.NERR_DC_NOT_FOUND.value
NERR_SUCCESS: Final[int] = Win32Error.ERROR_SUCCESS.value  # lmerr.h: NERR_Success is 0 too

# DCE/RPC fault statuses (C706 appendix E, MS-RPCE 2.2.2.9)
FAULT_ACCESS_DENIED: Final[int] = FaultStatus.FAULT_ACCESS_DENIED.value
E_ACCESSDENIED: Final[int] = Win32Error.E_ACCESSDENIED.value
FAULT_OUT_OF_RESOURCES: Final[int] = FaultStatus.FAULT_OUT_OF_RESOURCES.value
RPC_S_SERVER_TOO_BUSY: Final[int] = FaultStatus.RPC_S_SERVER_TOO_BUSY.value
FAULT_NO_CALL_ACTIVE: Final[int] = FaultStatus.FAULT_NO_CALL_ACTIVE.value
RPC_S_CALL_FAILED: Final[int] = FaultStatus.RPC_S_CALL_FAILED.value
RPC_X_INVALID_BOUND: Final[int] = FaultStatus.RPC_X_INVALID_BOUND.value
NCA_S_FAULT_NDR: Final[int] = FaultStatus.NCA_S_FAULT_NDR.value
FAULT_SEC_PKG_ERROR: Final[int] = FaultStatus.FAULT_SEC_PKG_ERROR.value
NCA_S_FAULT_INVALID_TAG: Final[int] = FaultStatus.NCA_S_FAULT_INVALID_TAG.value
NCA_S_FAULT_UNSPEC: Final[int] = FaultStatus.NCA_S_FAULT_UNSPEC.value
NCA_S_FAULT_CONTEXT_MISMATCH: Final[int] = FaultStatus.NCA_S_FAULT_CONTEXT_MISMATCH.value
NCA_S_OP_RNG_ERROR: Final[int] = FaultStatus.NCA_S_OP_RNG_ERROR.value
NCA_S_UNK_IF: Final[int] = FaultStatus.NCA_S_UNK_IF.value
NCA_S_PROTO_ERROR: Final[int] = FaultStatus.NCA_S_PROTO_ERROR.value


# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------

_NAMES: Final[dict[StatusFamily, dict[int, str]]] = {
    StatusFamily.NTSTATUS: {int(m): f"STATUS_{m.name}" for m in NtStatus},
    StatusFamily.WERROR: {int(m): m.name for m in Win32Error},
    StatusFamily.FAULT: {int(m): m.name for m in FaultStatus},
}
#: Without a family, the first family that knows the code names it.  The families overlap on
#: 0 (STATUS_SUCCESS / ERROR_SUCCESS) and on the Win32 RPC errors a fault carries (5 is
#: ERROR_ACCESS_DENIED and FAULT_ACCESS_DENIED); NTSTATUS wins 0, the Win32 name wins the rest.
_GUESS_ORDER: Final = (StatusFamily.NTSTATUS, StatusFamily.WERROR, StatusFamily.FAULT)


def status_hex(code: int) -> str:
    """``0xC0000022``: the form Windows writes a status in (event log ``Status`` fields)."""
    return f"0x{code & 0xFFFFFFFF:08X}"


def status_name(code: int, family: StatusFamily | None = None) -> str:
    """The spec's name of ``code`` (``STATUS_ACCESS_DENIED``, ``ERROR_MORE_DATA``,
    ``NCA_S_OP_RNG_ERROR``), looked up in ``family`` when given, else in every family (see
    `_GUESS_ORDER`); `status_hex` for a code this server does not define."""
    if family is not None:
        return _NAMES[family].get(code) or status_hex(code)
    for guess in _GUESS_ORDER:
        name = _NAMES[guess].get(code)
        if name is not None:
            return name
    return status_hex(code)
