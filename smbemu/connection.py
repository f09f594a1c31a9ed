"""The sans-I/O SMB connection: bytes in, bytes out, no sockets (the h11 model).

`Connection` is the protocol-neutral core (`smbemu.core.ConnectionCore`: framing, NetBIOS
session service, deadlines, fault-injection delays) with the dialect families that claim its
protocol ids: the SMB2 engine (`smbemu.smb2.engine.Smb2Engine`, as `connection.smb2`) for
0xFE 'SMB' and the transform header 0xFD 'SMB', and SMB2's answer to an SMB1 multi-protocol
NEGOTIATE for 0xFF 'SMB' (MS-SMB2 3.3.5.3.1) until an SMB1 engine claims it.

    conn = Connection(config, peer, local)
    frames = conn.receive_data(data, now)       # write these; close when conn.closed
    deadline = conn.get_timer()                 # call conn.handle_timer(now) then
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu.core import ConnectionCore
from smbemu.smb2.constants import SMB1_MAGIC, SMB2_MAGIC, TRANSFORM_MAGIC
from smbemu.smb2.engine import Smb2Engine

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.state import Session

__all__ = ["Connection"]


class Connection(ConnectionCore):
    """One TCP connection of the SMB server."""

    def __init__(
        self,
        config: ServerConfig,
        peer: tuple[str, int] = ("127.0.0.1", 0),
        local: tuple[str, int] = ("127.0.0.1", 0),
        *,
        now: float = 0.0,
        netbios_names: set[str] | None = None,
    ) -> None:
        super().__init__(config.limits, peer, faults=config.faults, now=now, netbios_names=netbios_names)
        self.config = config
        self.local = local
        self.smb2 = smb2 = Smb2Engine(config, self, local)
        self.claim(SMB2_MAGIC, smb2.process_compound)
        self.claim(TRANSFORM_MAGIC, smb2.process_transform, sealed=True)
        self.claim(SMB1_MAGIC, smb2.process_smb1_negotiate)

    @property
    def sessions(self) -> dict[int, Session]:
        """The SMB2 sessions of this connection (owned by `smb2`; tests and tools read them here)."""
        return self.smb2.sessions

    def is_authenticated(self) -> bool:
        return self.smb2.has_valid_session()

    def connection_lost(self) -> None:
        """The transport is gone: forget this connection's sessions (MS-SMB2 3.3.7.1)."""
        self.smb2.connection_lost()
