"""The protocol numbers and byte layouts the SMB2/SMB3 cryptography works with (MS-SMB2 2.2.1.2
header, 2.2.3 negotiate values, 2.2.41 TRANSFORM_HEADER), as plain ints and offsets."""

from __future__ import annotations

import struct
from typing import TypeAlias

from smbemu.dialects import Dialect

Buffer: TypeAlias = bytes | bytearray | memoryview

# ---------------------------------------------------------------------------------------------
# Protocol numbers. The dialects come from the protocol-neutral smbemu.dialects (as plain ints, so
# every comparison on the hot path stays an int comparison). The cipher, signing-algorithm, flag
# and command values are the same as smbemu.smb2.constants (Cipher, SigningAlgorithm, HeaderFlags,
# Command, TRANSFORM_MAGIC; a unit test checks they agree), repeated here so that the crypto stays
# below the SMB2 engine: importing smbemu.smb2.constants runs smbemu/smb2/__init__.py, whose
# command modules import this package (DESIGN: smb2.* -> crypto).
# ---------------------------------------------------------------------------------------------

SMB_2_0_2 = int(Dialect.SMB_2_0_2)  # MS-SMB2 2.2.3 DialectRevision
SMB_2_1 = int(Dialect.SMB_2_1)
SMB_3_0 = int(Dialect.SMB_3_0)
SMB_3_0_2 = int(Dialect.SMB_3_0_2)
SMB_3_1_1 = int(Dialect.SMB_3_1_1)

AES_128_CCM = 0x0001  # MS-SMB2 2.2.3.1.2 Ciphers
AES_128_GCM = 0x0002
AES_256_CCM = 0x0003
AES_256_GCM = 0x0004

HMAC_SHA256 = 0x0000  # MS-SMB2 2.2.3.1.7 SigningAlgorithms
AES_CMAC = 0x0001
AES_GMAC = 0x0002

SERVER_TO_REDIR = 0x00000001  # MS-SMB2 2.2.1.2 Flags
SIGNED = 0x00000008
COMMAND_CANCEL = 0x000C  # MS-SMB2 2.2.1.2 Command

TRANSFORM_MAGIC = b"\xfdSMB"  # MS-SMB2 2.2.41 ProtocolId

# ---------------------------------------------------------------------------------------------
# Layout constants (MS-SMB2 2.2.1.2 SMB2 header, 2.2.41 TRANSFORM_HEADER)
# ---------------------------------------------------------------------------------------------

HEADER_SIZE = 64
COMMAND_OFFSET = 12  # Command, 2 bytes
FLAGS_OFFSET = 16  # Flags, 4 bytes
_MESSAGE_ID_OFFSET = 24  # MessageId, 8 bytes (read by _GMAC_FIELDS)
SIGNATURE_OFFSET = 48  # Signature, 16 bytes
SIGNATURE_END = SIGNATURE_OFFSET + 16
SIGNATURE_SIZE = 16
SIGNATURE_SLICE = slice(SIGNATURE_OFFSET, SIGNATURE_END)
ZERO_SIGNATURE = bytes(SIGNATURE_SIZE)

# TRANSFORM_HEADER: ProtocolId(4) Signature(16) Nonce(16) OriginalMessageSize(4) Reserved(2)
# Flags/EncryptionAlgorithm(2) SessionId(8) = 52 bytes. The AEAD's associated data is everything
# after Signature: offsets 20..52 (3.1.4.3: "excluding the ProtocolId and Signature fields").
TRANSFORM_SIZE = 52
TH_SIGNATURE = 4
TH_NONCE = 20
TH_AAD_END = TRANSFORM_SIZE
TH_NONCE_FIELD_SIZE = 16
TRANSFORM_TAIL = struct.Struct("<IHHQ")  # OriginalMessageSize, Reserved, Flags, SessionId
TRANSFORM_PEEK = struct.Struct("<4s40xQ")  # ProtocolId ... SessionId at offset 44
TRANSFORM_FLAGS_ENCRYPTED = 0x0001  # 3.0.x: EncryptionAlgorithm AES-128-CCM; 3.1.1: Flags "Encrypted"
AEAD_TAG_SIZE = 16

CCM_NONCE_SIZE = 11  # 2.2.41: AES_CCM_Nonce, 11 bytes, rest of the 16-byte field reserved
GCM_NONCE_SIZE = 12  # 2.2.41: AES_GCM_Nonce, 12 bytes, rest reserved
