"""SMB1 transactions, declared as MS-CIFS draws them.

TRANSACTION (MS-CIFS 2.2.4.33), TRANSACTION_SECONDARY (2.2.4.34), TRANSACTION2 (2.2.4.46) and
TRANSACTION2_SECONDARY (2.2.4.47), the named-pipe subcommands' fixed parts (MS-CIFS 2.2.5), and
the TRANSACTION2 subcommands a pipe share is asked (QUERY_FS_INFORMATION 2.2.6.4,
QUERY_PATH_INFORMATION 2.2.6.6).

A transaction's words are a fixed part followed by SetupCount 16-bit Setup words; the
declarations below are the fixed parts (the Setup words are read with `SetupWords`). The
parameter and data blocks are located by absolute offsets from the start of the SMB header.
"""

from __future__ import annotations

import struct

import construct as cs  # type: ignore[import-untyped]

from smbemu.errors import SmbStatusError
from smbemu.smb1.layouts.files import Fixed
from smbemu.status import NtStatus

# MS-CIFS 2.2.4.33.1: WordCount 0x0E + SetupCount. Data: Name (SMB_STRING), Pad1,
# Trans_Parameters, Pad2, Trans_Data.
TransactionRequest = Fixed("TransactionRequest",
    "total_parameter_count" / cs.Int16ul,
    "total_data_count" / cs.Int16ul,
    "max_parameter_count" / cs.Int16ul,
    "max_data_count" / cs.Int16ul,
    "max_setup_count" / cs.Int8ul,
    "reserved1" / cs.Int8ul,
    "flags" / cs.Int16ul,
    "timeout" / cs.Int32ul,
    "reserved2" / cs.Int16ul,
    "parameter_count" / cs.Int16ul,
    "parameter_offset" / cs.Int16ul,
    "data_count" / cs.Int16ul,
    "data_offset" / cs.Int16ul,
    "setup_count" / cs.Int8ul,
    "reserved3" / cs.Int8ul,
)
#: TRANSACTION2 (MS-CIFS 2.2.4.46.1) has the same fixed words; its data has no Name.
Transaction2Request = TransactionRequest

# MS-CIFS 2.2.4.34.1: WordCount 0x08; never answered.
TransactionSecondaryRequest = Fixed("TransactionSecondaryRequest",
    "total_parameter_count" / cs.Int16ul,
    "total_data_count" / cs.Int16ul,
    "parameter_count" / cs.Int16ul,
    "parameter_offset" / cs.Int16ul,
    "parameter_displacement" / cs.Int16ul,
    "data_count" / cs.Int16ul,
    "data_offset" / cs.Int16ul,
    "data_displacement" / cs.Int16ul,
)
# MS-CIFS 2.2.4.47.1: WordCount 0x09, TRANSACTION_SECONDARY's words and a FID.
Transaction2SecondaryRequest = Fixed("Transaction2SecondaryRequest",
    "total_parameter_count" / cs.Int16ul,
    "total_data_count" / cs.Int16ul,
    "parameter_count" / cs.Int16ul,
    "parameter_offset" / cs.Int16ul,
    "parameter_displacement" / cs.Int16ul,
    "data_count" / cs.Int16ul,
    "data_offset" / cs.Int16ul,
    "data_displacement" / cs.Int16ul,
    "fid" / cs.Int16ul,
)

# MS-CIFS 2.2.4.33.2 (TRANSACTION2: 2.2.4.46.2, the same): WordCount 0x0A + SetupCount.
# Data: Pad1, Trans_Parameters, Pad2, Trans_Data.
TransactionResponse = Fixed("TransactionResponse",
    "total_parameter_count" / cs.Int16ul,
    "total_data_count" / cs.Int16ul,
    "reserved1" / cs.Int16ul,
    "parameter_count" / cs.Int16ul,
    "parameter_offset" / cs.Int16ul,
    "parameter_displacement" / cs.Int16ul,
    "data_count" / cs.Int16ul,
    "data_offset" / cs.Int16ul,
    "data_displacement" / cs.Int16ul,
    "setup_count" / cs.Int8ul,
    "reserved2" / cs.Int8ul,
)


#: One Setup word (MS-CIFS 2.2.4.33.1 Setup[SetupCount]: SetupCount 16-bit words).
SETUP_WORD = struct.Struct("<H")


def setup_words(data: bytes | memoryview, count: int) -> tuple[int, ...]:
    """The `count` Setup words at the start of `data`."""
    if len(data) < SETUP_WORD.size * count:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, "transaction Setup words cut short")
    return tuple(value for (value,) in SETUP_WORD.iter_unpack(bytes(data[: SETUP_WORD.size * count])))


def pack_setup_words(values: tuple[int, ...]) -> bytes:
    return b"".join(SETUP_WORD.pack(value) for value in values)


# ---------------------------------------------------------------- named-pipe subcommands (2.2.5)
# TRANS_SET_NMPIPE_STATE (2.2.5.1.1): Trans_Parameters = PipeState (SMB_NMPIPE_STATUS, 2.2.1.3).
SetNmPipeStateParameters = Fixed("SetNmPipeStateParameters", "pipe_state" / cs.Int16ul)
# TRANS_QUERY_NMPIPE_STATE (2.2.5.3.2): Trans_Parameters = NMPipeStatus.
QueryNmPipeStateParameters = Fixed("QueryNmPipeStateParameters", "nmpipe_status" / cs.Int16ul)
# TRANS_QUERY_NMPIPE_INFO (2.2.5.4.1): Trans_Parameters = Level (only 1 is defined).
QueryNmPipeInfoParameters = Fixed("QueryNmPipeInfoParameters", "level" / cs.Int16ul)
# 2.2.5.4.2: level 1's Trans_Data, followed by the pipe's name (PipeNameLength bytes with its
# NUL, OEM or Unicode as FLAGS2 says; Unicode aligned on an even offset from the data start).
NmPipeInfoLevel1 = Fixed("NmPipeInfoLevel1",
    "output_buffer_size" / cs.Int16ul,
    "input_buffer_size" / cs.Int16ul,
    "maximum_instances" / cs.Int8ul,
    "current_instances" / cs.Int8ul,
    "pipe_name_length" / cs.Int8ul,
)
# TRANS_PEEK_NMPIPE (2.2.5.5.2): Trans_Parameters of the response.
PeekNmPipeParameters = Fixed("PeekNmPipeParameters",
    "read_data_available" / cs.Int16ul,
    "message_bytes_length" / cs.Int16ul,
    "named_pipe_state" / cs.Int16ul,
)
# TRANS_WRITE_NMPIPE / TRANS_RAW_WRITE_NMPIPE (2.2.5.9.2, 2.2.5.7.2): BytesWritten.
WriteNmPipeParameters = Fixed("WriteNmPipeParameters", "bytes_written" / cs.Int16ul)

# ---------------------------------------------------------------- TRANSACTION2 subcommands (2.2.6)
# TRANS2_QUERY_FS_INFORMATION (2.2.6.4.1): Trans2_Parameters = InformationLevel.
QueryFsInformationParameters = Fixed("QueryFsInformationParameters", "information_level" / cs.Int16ul)
# TRANS2_QUERY_PATH_INFORMATION (2.2.6.6.1): InformationLevel, Reserved, FileName (SMB_STRING).
QueryPathInformationParameters = Fixed("QueryPathInformationParameters",
    "information_level" / cs.Int16ul,
    "reserved" / cs.Int32ul,
)
