"""The MS-DTYP vocabulary interface modules share, for handlers (which import only from
``smbemu.rpc``): FILETIME values and binary SIDs.  Each is defined once in a protocol-neutral
module (`smbemu.filetime`, `smbemu.sid`); this module only makes them reachable from pipes/.
"""

from __future__ import annotations

import functools

from smbemu.filetime import FILETIME_NEVER, FILETIME_UNIX_EPOCH, TICKS_PER_SECOND, to_filetime
from smbemu.sid import Sid

__all__ = ["FILETIME_NEVER", "FILETIME_UNIX_EPOCH", "TICKS_PER_SECOND", "to_filetime", "Sid",
           "sid_bytes"]


@functools.lru_cache(maxsize=1024)
def sid_bytes(text: str) -> bytes:
    """MS-DTYP 2.4.2.2: the binary form of the SID ``S-1-...`` (ValueError if malformed)."""
    return Sid.parse(text).to_bytes()
