"""A named pipe on IPC$ opened by smbprotocol, and a hand-built srvsvc bind to write into it."""

from __future__ import annotations

import struct
import uuid

from smbprotocol.open import (
    CreateDisposition,
    CreateOptions,
    FileAttributes,
    FilePipePrinterAccessMask,
    ImpersonationLevel,
    Open,
    ShareAccess,
)
from smbprotocol.tree import TreeConnect

SRVSVC = uuid.UUID("4b324fc8-1670-01d3-1278-5a47bf6ee188")
NDR20 = uuid.UUID("8a885d04-1ceb-11c9-9fe8-08002b104860")


def bind_pdu(call_id: int = 1) -> bytes:
    """A DCE/RPC bind to srvsvc v3.0 over NDR20 (C706 12.6.4.3), built by hand."""
    body = struct.pack("<HHI", 4280, 4280, 0) + struct.pack("<B3x", 1)
    body += struct.pack("<HB1x", 0, 1) + SRVSVC.bytes_le + struct.pack("<HH", 3, 0) + NDR20.bytes_le + struct.pack("<I", 2)
    header = struct.pack("<BBBB4sHHI", 5, 0, 11, 3, b"\x10\x00\x00\x00", 16 + len(body), 0, call_id)
    return header + body


def open_pipe(tree: TreeConnect, name: str = "srvsvc") -> Open:
    """CREATE the pipe `name` for reading and writing, as Windows clients open RPC pipes."""
    pipe = Open(tree, name)
    pipe.create(
        ImpersonationLevel.Impersonation,
        FilePipePrinterAccessMask.FILE_READ_DATA | FilePipePrinterAccessMask.FILE_WRITE_DATA,
        FileAttributes.FILE_ATTRIBUTE_NORMAL,
        ShareAccess.FILE_SHARE_READ | ShareAccess.FILE_SHARE_WRITE,
        CreateDisposition.FILE_OPEN,
        CreateOptions.FILE_NON_DIRECTORY_FILE,
    )
    return pipe
