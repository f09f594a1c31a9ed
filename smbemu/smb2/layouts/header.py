"""The 64-byte SMB2 packet header, declared as MS-SMB2 2.2.1 draws it (ASYNC 2.2.1.1, SYNC 2.2.1.2).

Every message carries one, so the connection reads and writes it with the precompiled `struct`
codec of smbemu.smb2.header (DESIGN.md, performance notes); these declarations are what that
codec must agree with, and `tests/unit/smb2/test_layouts.py` proves it does for generated headers.
"""

from __future__ import annotations

import construct as cs  # type: ignore[import-untyped]

from smbemu.smb2.constants import HEADER_SIZE, SMB2_MAGIC
from smbemu.smb2.layouts.base import Body

# Status is (ChannelSequence, Reserved) in a 3.x request; CreditRequest/CreditResponse by direction.
Smb2SyncHeader = Body(
    "protocol_id" / cs.Const(SMB2_MAGIC),
    "structure_size" / cs.Const(HEADER_SIZE, cs.Int16ul),
    "credit_charge" / cs.Int16ul,
    "status" / cs.Int32ul,
    "command" / cs.Int16ul,
    "credit_request_response" / cs.Int16ul,
    "flags" / cs.Int32ul,
    "next_command" / cs.Int32ul,
    "message_id" / cs.Int64ul,
    "reserved" / cs.Int32ul,
    "tree_id" / cs.Int32ul,
    "session_id" / cs.Int64ul,
    "signature" / cs.Bytes(16),
)

# SMB2_FLAGS_ASYNC_COMMAND set: AsyncId takes the place of Reserved and TreeId.
Smb2AsyncHeader = Body(
    "protocol_id" / cs.Const(SMB2_MAGIC),
    "structure_size" / cs.Const(HEADER_SIZE, cs.Int16ul),
    "credit_charge" / cs.Int16ul,
    "status" / cs.Int32ul,
    "command" / cs.Int16ul,
    "credit_request_response" / cs.Int16ul,
    "flags" / cs.Int32ul,
    "next_command" / cs.Int32ul,
    "message_id" / cs.Int64ul,
    "async_id" / cs.Int64ul,
    "session_id" / cs.Int64ul,
    "signature" / cs.Bytes(16),
)
