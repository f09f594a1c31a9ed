"""SMB2 bodies of the connection, session and tree commands, declared as MS-SMB2 2.2 draws them.

NEGOTIATE (2.2.3, 2.2.4 and the negotiate contexts of 2.2.3.1), SESSION_SETUP (2.2.5, 2.2.6),
LOGOFF (2.2.7, 2.2.8), TREE_CONNECT (2.2.9, 2.2.10), TREE_DISCONNECT (2.2.11, 2.2.12), ECHO
(2.2.28, 2.2.29), CANCEL (2.2.30) and the ERROR response (2.2.2) (the SMB1 header of a
multi-protocol NEGOTIATE is smbemu.smb1.layouts.header's). Field names are the spec's, in snake case; a Buffer
is a `BufferAt` found by its Offset and Length fields (smbemu.smb2.layouts.base).
"""

from __future__ import annotations

import construct as cs  # type: ignore[import-untyped]

from smbemu.smb2.constants import HEADER_SIZE
from smbemu.smb2.layouts.base import Body, BufferAt, offset_of, this

# ---------------------------------------------------------------------------------- 2.2.2 ERROR
ErrorResponse = Body(
    "structure_size" / cs.Const(9, cs.Int16ul),
    "error_context_count" / cs.Int8ul,
    "reserved" / cs.Int8ul,
    "byte_count" / cs.Int32ul,
    # "If the ByteCount field is zero then the server MUST supply an ErrorData field that is one
    # byte in length, and SHOULD set that byte to zero."
    "error_data" / cs.IfThenElse(this.byte_count == 0, cs.Const(b"\x00"), cs.Bytes(this.byte_count)),
)

# ------------------------------------------------------------------------------- 2.2.3 NEGOTIATE
# The fixed part; NegotiateContextOffset/Count/Reserved2 share their 8 bytes with
# ClientStartTime in dialects before 3.1.1.
NegotiateRequest = Body(
    "structure_size" / cs.Const(36, cs.Int16ul),
    "dialect_count" / cs.Int16ul,
    "security_mode" / cs.Int16ul,
    "reserved" / cs.Int16ul,
    "capabilities" / cs.Int32ul,
    "client_guid" / cs.Bytes(16),
    "negotiate_context_offset" / cs.Int32ul,
    "negotiate_context_count" / cs.Int16ul,
    "reserved2" / cs.Int16ul,
    "dialects" / cs.Array(this.dialect_count, cs.Int16ul),
)

# 2.2.3.1 NEGOTIATE_CONTEXT; each one starts 8-byte aligned (the list walk is in negotiate.py).
NegotiateContext = Body(
    "context_type" / cs.Int16ul,
    "data_length" / cs.Int16ul,
    "reserved" / cs.Int32ul,
    "data" / cs.Bytes(this.data_length),
)

# 2.2.3.1.1 SMB2_PREAUTH_INTEGRITY_CAPABILITIES. The Salt is taken as what follows the list:
# SaltLength is not checked against it (the server never reads the client's salt).
PreauthIntegrityCapabilities = Body(
    "hash_algorithm_count" / cs.Int16ul,
    "salt_length" / cs.Int16ul,
    cs.Check(this.hash_algorithm_count > 0),
    "hash_algorithms" / cs.Array(this.hash_algorithm_count, cs.Int16ul),
    "salt" / cs.GreedyBytes,
)

# 2.2.3.1.2 SMB2_ENCRYPTION_CAPABILITIES
EncryptionCapabilities = Body(
    "cipher_count" / cs.Int16ul,
    cs.Check(this.cipher_count > 0),
    "ciphers" / cs.Array(this.cipher_count, cs.Int16ul),
)

# 2.2.3.1.3 SMB2_COMPRESSION_CAPABILITIES
CompressionCapabilities = Body(
    "compression_algorithm_count" / cs.Int16ul,
    "padding" / cs.Int16ul,
    "flags" / cs.Int32ul,
    "compression_algorithms" / cs.Array(this.compression_algorithm_count, cs.Int16ul),
)

# 2.2.3.1.6 SMB2_RDMA_TRANSFORM_CAPABILITIES
RdmaTransformCapabilities = Body(
    "transform_count" / cs.Int16ul,
    "reserved1" / cs.Int16ul,
    "reserved2" / cs.Int32ul,
    "rdma_transform_ids" / cs.Array(this.transform_count, cs.Int16ul),
)

# 2.2.3.1.7 SMB2_SIGNING_CAPABILITIES
SigningCapabilities = Body(
    "signing_algorithm_count" / cs.Int16ul,
    cs.Check(this.signing_algorithm_count > 0),
    "signing_algorithms" / cs.Array(this.signing_algorithm_count, cs.Int16ul),
)

# 2.2.4: the fixed part is 64 bytes; the security blob follows it, then (3.1.1) the 8-byte
# aligned negotiate context list, which runs to the end of the body.
NegotiateResponse = Body(
    "structure_size" / cs.Const(65, cs.Int16ul),
    "security_mode" / cs.Int16ul,
    "dialect_revision" / cs.Int16ul,
    "negotiate_context_count" / cs.Int16ul,
    "server_guid" / cs.Bytes(16),
    "capabilities" / cs.Int32ul,
    "max_transact_size" / cs.Int32ul,
    "max_read_size" / cs.Int32ul,
    "max_write_size" / cs.Int32ul,
    "system_time" / cs.Int64ul,
    "server_start_time" / cs.Int64ul,
    "security_buffer_offset" / cs.Int16ul,
    "security_buffer_length" / cs.Int16ul,
    "negotiate_context_offset" / cs.Int32ul,
    "security_buffer" / BufferAt(this.security_buffer_offset, this.security_buffer_length, 64, empty_anywhere=True),
    "negotiate_context_list" / cs.If(
        this.negotiate_context_count > 0, BufferAt(this.negotiate_context_offset, None, 64, empty_anywhere=True)
    ),
)

# --------------------------------------------------------------------------- 2.2.5 SESSION_SETUP
SessionSetupRequest = Body(
    "structure_size" / cs.Const(25, cs.Int16ul),
    "flags" / cs.Int8ul,
    "security_mode" / cs.Int8ul,
    "capabilities" / cs.Int32ul,
    "channel" / cs.Int32ul,
    "security_buffer_offset" / cs.Int16ul,
    "security_buffer_length" / cs.Int16ul,
    "previous_session_id" / cs.Int64ul,
    "buffer" / BufferAt(this.security_buffer_offset, this.security_buffer_length, 24, nonempty=True),
)

# 2.2.6
SessionSetupResponse = Body(
    "structure_size" / cs.Const(9, cs.Int16ul),
    "session_flags" / cs.Int16ul,
    "security_buffer_offset" / cs.Int16ul,
    "security_buffer_length" / cs.Int16ul,
    "buffer" / BufferAt(this.security_buffer_offset, this.security_buffer_length, 8, empty_anywhere=True),
)
SESSION_SETUP_BUFFER_OFFSET = HEADER_SIZE + 8
SESSION_SETUP_FLAGS = offset_of(SessionSetupRequest, "flags")

# ------------------------------------------------------------------ 2.2.7, 2.2.8 LOGOFF; 2.2.11,
# 2.2.12 TREE_DISCONNECT; 2.2.28, 2.2.29 ECHO; 2.2.30 CANCEL: a StructureSize of 4 and Reserved.
LogoffRequest = LogoffResponse = TreeDisconnectRequest = TreeDisconnectResponse = Body(
    "structure_size" / cs.Const(4, cs.Int16ul),
    "reserved" / cs.Int16ul,
)
EchoRequest = EchoResponse = CancelRequest = LogoffRequest

# ECHO is the keep-alive on the hot path: its answer is built once from the declaration, and its
# request carries nothing the connection has not checked already (StructureSize), so it is not parsed.
ECHO_RESPONSE: bytes = EchoResponse.build(dict(reserved=0))
LOGOFF_RESPONSE: bytes = LogoffResponse.build(dict(reserved=0))
TREE_DISCONNECT_RESPONSE: bytes = TreeDisconnectResponse.build(dict(reserved=0))
# The ERROR body of a failed request and of an interim (STATUS_PENDING) response (2.2.2).
ERROR_BODY: bytes = ErrorResponse.build(dict(error_context_count=0, reserved=0, byte_count=0, error_data=b"\x00"))

# -------------------------------------------------------------------------- 2.2.9 TREE_CONNECT
SMB2_TREE_CONNECT_FLAG_EXTENSION_PRESENT = 0x0004

# The 3.1.1 request extension, read as this server has always read it: a 32-bit field, then the
# share path's offset (counted from the extension, which starts the Buffer at body offset 8) and
# length. MS-SMB2 2.2.9.1 draws TreeConnectContextOffset (4), TreeConnectContextCount (2) and
# Reserved (10) before PathName instead; see the report of issue 11 before changing it.
TreeConnectRequestExtension = Body(
    "tree_connect_context_offset" / cs.Int32ul,
    "path_offset" / cs.Int32ul,
    "path_length" / cs.Int16ul,
)

TreeConnectRequest = Body(
    "structure_size" / cs.Const(9, cs.Int16ul),
    "flags" / cs.Int16ul,  # Flags in 3.1.1, Reserved before
    "path_offset" / cs.Int16ul,
    "path_length" / cs.Int16ul,
    "path" / BufferAt(this.path_offset, this.path_length, 8, nonempty=True, even=True),
)
TREE_CONNECT_FLAGS = offset_of(TreeConnectRequest, "flags")

# On a 3.1.1 connection, with SMB2_TREE_CONNECT_FLAG_EXTENSION_PRESENT in Flags, the Buffer starts
# with the extension, which carries the path (2.2.9.1).
TreeConnectRequestWithExtension = Body(
    "structure_size" / cs.Const(9, cs.Int16ul),
    "flags" / cs.Int16ul,
    "path_offset" / cs.Int16ul,
    "path_length" / cs.Int16ul,
    "extension" / TreeConnectRequestExtension,
    "path" / BufferAt(this.extension.path_offset + (HEADER_SIZE + 8), this.extension.path_length, 8,
                      nonempty=True, even=True),
)

# 2.2.10
TreeConnectResponse = Body(
    "structure_size" / cs.Const(16, cs.Int16ul),
    "share_type" / cs.Int8ul,
    "reserved" / cs.Int8ul,
    "share_flags" / cs.Int32ul,
    "capabilities" / cs.Int32ul,
    "maximal_access" / cs.Int32ul,
)

