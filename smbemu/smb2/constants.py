"""SMB2 constants (MS-SMB2 2.2). The NTSTATUS values live in the protocol-neutral `smbemu.status`, the
dialects in `smbemu.dialects`."""

from __future__ import annotations

import enum


class Command(enum.IntEnum):
    """MS-SMB2 2.2.1.2: the Command field of the SMB2 header."""

    NEGOTIATE = 0x0000
    SESSION_SETUP = 0x0001
    LOGOFF = 0x0002
    TREE_CONNECT = 0x0003
    TREE_DISCONNECT = 0x0004
    CREATE = 0x0005
    CLOSE = 0x0006
    FLUSH = 0x0007
    READ = 0x0008
    WRITE = 0x0009
    LOCK = 0x000A
    IOCTL = 0x000B
    CANCEL = 0x000C
    ECHO = 0x000D
    QUERY_DIRECTORY = 0x000E
    CHANGE_NOTIFY = 0x000F
    QUERY_INFO = 0x0010
    SET_INFO = 0x0011
    OPLOCK_BREAK = 0x0012


class HeaderFlags(enum.IntFlag):
    """MS-SMB2 2.2.1.2: Flags."""

    SERVER_TO_REDIR = 0x00000001
    ASYNC_COMMAND = 0x00000002
    RELATED_OPERATIONS = 0x00000004
    SIGNED = 0x00000008
    PRIORITY_MASK = 0x00000070
    DFS_OPERATIONS = 0x10000000
    REPLAY_OPERATION = 0x20000000


class SecurityMode(enum.IntFlag):
    """MS-SMB2 2.2.4: SecurityMode of the NEGOTIATE response."""

    SIGNING_ENABLED = 0x0001
    SIGNING_REQUIRED = 0x0002


class Capabilities(enum.IntFlag):
    """MS-SMB2 2.2.4: Capabilities."""

    DFS = 0x00000001
    LEASING = 0x00000002
    LARGE_MTU = 0x00000004
    MULTI_CHANNEL = 0x00000008
    PERSISTENT_HANDLES = 0x00000010
    DIRECTORY_LEASING = 0x00000020
    ENCRYPTION = 0x00000040
    NOTIFICATIONS = 0x00000080


class SessionFlags(enum.IntFlag):
    """MS-SMB2 2.2.6: SessionFlags of the SESSION_SETUP response."""

    IS_GUEST = 0x0001
    IS_NULL = 0x0002
    ENCRYPT_DATA = 0x0004


class ShareType(enum.IntEnum):
    """MS-SMB2 2.2.10: ShareType."""

    DISK = 0x01
    PIPE = 0x02
    PRINT = 0x03


class ShareFlags(enum.IntFlag):
    """MS-SMB2 2.2.10: ShareFlags."""

    MANUAL_CACHING = 0x00000000
    NO_CACHING = 0x00000030
    ENCRYPT_DATA = 0x00008000


class NegotiateContextType(enum.IntEnum):
    """MS-SMB2 2.2.3.1: ContextType."""

    PREAUTH_INTEGRITY_CAPABILITIES = 0x0001
    ENCRYPTION_CAPABILITIES = 0x0002
    COMPRESSION_CAPABILITIES = 0x0003
    NETNAME_NEGOTIATE_CONTEXT_ID = 0x0005
    TRANSPORT_CAPABILITIES = 0x0006
    RDMA_TRANSFORM_CAPABILITIES = 0x0007
    SIGNING_CAPABILITIES = 0x0008


class CompressionAlgorithm(enum.IntEnum):
    """MS-SMB2 2.2.3.1.3 CompressionAlgorithms."""

    NONE = 0x0000
    LZNT1 = 0x0001
    LZ77 = 0x0002
    LZ77_HUFFMAN = 0x0003
    PATTERN_V1 = 0x0004


class RdmaTransform(enum.IntEnum):
    """MS-SMB2 2.2.3.1.6 RDMATransformIds."""

    NONE = 0x0000
    ENCRYPTION = 0x0001
    SIGNING = 0x0002


class HashAlgorithm(enum.IntEnum):
    """MS-SMB2 2.2.3.1.1: HashAlgorithms."""

    SHA_512 = 0x0001


class Cipher(enum.IntEnum):
    """MS-SMB2 2.2.3.1.2: Ciphers."""

    AES_128_CCM = 0x0001
    AES_128_GCM = 0x0002
    AES_256_CCM = 0x0003
    AES_256_GCM = 0x0004


class SigningAlgorithm(enum.IntEnum):
    """MS-SMB2 2.2.3.1.7: SigningAlgorithms."""

    HMAC_SHA256 = 0x0000
    AES_CMAC = 0x0001
    AES_GMAC = 0x0002


class Fsctl(enum.IntEnum):
    """MS-FSCC 2.3 / MS-SMB2 2.2.31: the FSCTL codes the IPC$ share answers."""

    DFS_GET_REFERRALS = 0x00060194
    PIPE_PEEK = 0x0011400C
    PIPE_WAIT = 0x00110018
    PIPE_TRANSCEIVE = 0x0011C017
    QUERY_NETWORK_INTERFACE_INFO = 0x001401FC
    VALIDATE_NEGOTIATE_INFO = 0x00140204
    DFS_GET_REFERRALS_EX = 0x000601B0


# MS-SMB2 2.2.1: every SMB2 header is 64 bytes and starts with 0xFE 'SMB'.
SMB2_MAGIC = b"\xfeSMB"
TRANSFORM_MAGIC = b"\xfdSMB"
COMPRESSION_MAGIC = b"\xfcSMB"
HEADER_SIZE = 64
TRANSFORM_HEADER_SIZE = 52
