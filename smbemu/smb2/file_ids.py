"""SMB2 FileIds as the emulated Windows numbers them (MS-SMB2 2.2.14.1, 3.3.5.9).

MS-SMB2 leaves the values to the server ("Open.FileId ... a unique value", 3.3.5.9); what a capture
of each release shows is data in its profile (``identity.smb2.file_id_layout``, cited there):

- ``win8`` (6.2 on, and chosen for 6.1): both 64-bit halves carry one number per connection in
  their high 32 bits; the persistent half's low 32 bits count opens server-wide (+1 per open), the
  volatile half's are 1 + 4 x the handle's slot, the lowest slot free in the session (captures show
  volatile 1, 5, 9, 0xD while opens stay open, and 1 again and again when each is closed first);
- ``vista`` (6.0): the persistent half counts by 4, the volatile half is 0xFFFFFFFF in its high 32
  bits and 1 + 4 x slot below;
- ``random``: 128 random bits (never 0), as Samba's ids look.

What the per-connection number means on Windows is not documented anywhere we could read (U);
smbemu draws it from a counter of connections.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Container

# Server-wide counters, as Windows' open table and connection numbering are machine-wide.
_open_counter = itertools.count(1)
_connection_counter = itertools.count(1)

_SLOT_STEP = 4
_VISTA_VOLATILE_HIGH = 0xFFFFFFFF << 32


class FileIdAllocator:
    """Hands out (persistent, volatile) FileId halves for one connection."""

    __slots__ = ("layout", "_high")

    def __init__(self, layout: str) -> None:
        self.layout = layout
        self._high = (next(_connection_counter) & 0xFFFFFFFF) or 1

    def new_ids(self, in_use: Container[int]) -> tuple[int, int]:
        """The next FileId; `in_use` holds the volatile ids the session's opens already have."""
        if self.layout == "random":
            return int.from_bytes(os.urandom(8), "little") | 1, int.from_bytes(os.urandom(8), "little") | 1
        count = next(_open_counter) & 0x3FFFFFFF
        if self.layout == "vista":
            return 1 + _SLOT_STEP * count, self._lowest_free(_VISTA_VOLATILE_HIGH, in_use)
        high = self._high << 32
        return high | count, self._lowest_free(high, in_use)

    @staticmethod
    def _lowest_free(high: int, in_use: Container[int]) -> int:
        slot = 1
        while high | slot in in_use:
            slot += _SLOT_STEP
        return high | slot
