"""SMB_COM_ECHO (MS-CIFS 2.2.4.39, 3.3.5.37): the data comes back EchoCount times."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu.errors import SmbStatusError
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb1.context import Reply, Smb1Request, Smb1View

# The engine sends one response per EchoCount; a client may not make it send thousands.
# Windows' own cap is not documented (MS-CIFS leaves it to the server); 10 is Samba's.
MAX_ECHO_COUNT = 10


def handle(conn: Smb1View, req: Smb1Request) -> Reply | None:
    if len(req.words) < 2:
        raise SmbStatusError(NtStatus.INVALID_SMB, "ECHO without EchoCount")
    count = int.from_bytes(req.words[:2], "little")
    if count == 0:
        return None  # MS-CIFS 3.3.5.37: no response at all
    # The engine numbers the responses; it reads the (capped) count from these words.
    return min(count, MAX_ECHO_COUNT).to_bytes(2, "little"), bytes(req.data)
