"""The dialect vocabulary: which SMB dialects exist and how profiles and logs name them.

A leaf module (it imports nothing from smbemu) so that the profile schema can name the dialects a
profile offers without importing the SMB2 engine; the engine imports them from here too.
"""

from __future__ import annotations

import enum

__all__ = ["Dialect", "DIALECT_LABELS", "DIALECT_BY_LABEL"]


class Dialect(enum.IntEnum):
    """MS-SMB2 2.2.3: DialectRevision values."""

    SMB_2_0_2 = 0x0202
    SMB_2_1 = 0x0210
    SMB_3_0 = 0x0300
    SMB_3_0_2 = 0x0302
    SMB_3_1_1 = 0x0311
    WILDCARD = 0x02FF  # "SMB 2.???" answer to a multi-protocol negotiate (MS-SMB2 3.3.5.3.1)

    @property
    def label(self) -> str:
        return DIALECT_LABELS[self]


#: How profiles (``smb.dialects: [2.0.2, 2.1]``), ``profiles show`` and the logs write a dialect.
DIALECT_LABELS = {
    Dialect.SMB_2_0_2: "2.0.2",
    Dialect.SMB_2_1: "2.1",
    Dialect.SMB_3_0: "3.0",
    Dialect.SMB_3_0_2: "3.0.2",
    Dialect.SMB_3_1_1: "3.1.1",
    Dialect.WILDCARD: "2.???",
}
DIALECT_BY_LABEL = {label: dialect for dialect, label in DIALECT_LABELS.items() if dialect != Dialect.WILDCARD}
