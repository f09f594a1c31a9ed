"""SMB_COM_NEGOTIATE (MS-CIFS 2.2.4.52; MS-SMB 2.2.4.5)."""

from __future__ import annotations

import construct as cs  # type: ignore[import-untyped]

# The NT LM 0.12 response's 17 parameter words (MS-CIFS 2.2.4.52.2).
NegotiateResponseWords = cs.Struct(
    "dialect_index" / cs.Int16ul,
    "security_mode" / cs.Int8ul,
    "max_mpx_count" / cs.Int16ul,
    "max_number_vcs" / cs.Int16ul,
    "max_buffer_size" / cs.Int32ul,
    "max_raw_size" / cs.Int32ul,
    "session_key" / cs.Int32ul,
    "capabilities" / cs.Int32ul,
    "system_time" / cs.Int64ul,
    "server_time_zone" / cs.Int16sl,
    "challenge_length" / cs.Int8ul,
)
assert NegotiateResponseWords.sizeof() == 34

# The answer when no offered dialect is spoken: one word, DialectIndex 0xFFFF (MS-CIFS 2.2.4.52.2).
NoDialectResponseWords = cs.Struct("dialect_index" / cs.Const(0xFFFF, cs.Int16ul))

# The extended-security data (MS-SMB 2.2.4.5.2.1): the server GUID, then the SPNEGO token.
ExtendedSecurityData = cs.Struct(
    "server_guid" / cs.Bytes(16),
    "security_blob" / cs.GreedyBytes,
)
