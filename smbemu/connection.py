"""The sans-I/O SMB connection: bytes in, bytes out, no sockets (the h11 model).

`Connection` is the protocol-neutral core (`smbemu.core.ConnectionCore`: framing, NetBIOS
session service, deadlines, fault-injection delays) with the dialect families that claim its
protocol ids: the SMB2 engine (`smbemu.smb2.engine.Smb2Engine`, as `connection.smb2`) for
0xFE 'SMB' and the transform header 0xFD 'SMB', and for 0xFF 'SMB' the first SMB1 NEGOTIATE
decides who speaks:

- it offers an SMB2 dialect the profile has ("SMB 2.002", "SMB 2.???"): the SMB2 engine answers
  with an SMB2 NEGOTIATE response (MS-SMB2 3.3.5.3.1), as Windows Vista and later do;
- otherwise, on a profile that serves SMB1 (`smb.smb1`), the SMB1 engine
  (`smbemu.smb1.engine.Smb1Engine`, as `connection.smb1`) takes the connection for good: NT LM
  0.12 (MS-CIFS 3.3.5.2), and an SMB2 message after that ends the connection;
- otherwise the connection is closed without an answer: Windows with SMB1 off (Server 2019 and
  later by default; MS-SMB2 3.3.5.3.1) drops a client that offers only SMB1 dialects.

A profile without SMB2 dialects (NT 4 to Server 2003) closes a connection that starts with an
SMB2 message: those Windows versions did not know the 0xFE protocol id.

    conn = Connection(config, peer, local)
    frames = conn.receive_data(data, now)       # write these; close when conn.closed
    deadline = conn.get_timer()                 # call conn.handle_timer(now) then
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu.core import ConnectionCore
from smbemu.errors import ProtocolViolation
from smbemu.smb1.constants import HEADER_SIZE as SMB1_HEADER_SIZE
from smbemu.smb1.constants import SMB1_MAGIC, Command
from smbemu.smb1.engine import Smb1Engine
from smbemu.smb1.negotiate import offered_dialects
from smbemu.smb2.constants import SMB2_MAGIC, TRANSFORM_MAGIC
from smbemu.smb2.engine import Smb2Engine
from smbemu.smb2.negotiate import smb2_dialect_for_offer

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
        self.smb1: Smb1Engine | None = None
        self._logged_on = False
        if config.profile.smb.dialects:
            self.claim(SMB2_MAGIC, smb2.process_compound)
            self.claim(TRANSFORM_MAGIC, smb2.process_transform, sealed=True)
        else:
            self.claim(SMB2_MAGIC, self._smb2_unknown)
            self.claim(TRANSFORM_MAGIC, self._smb2_unknown)
        self.claim(SMB1_MAGIC, self._first_smb1_message)

    @property
    def sessions(self) -> dict[int, Session]:
        """The SMB2 sessions of this connection (owned by `smb2`; tests and tools read them here)."""
        return self.smb2.sessions

    def is_authenticated(self) -> bool:
        """Whether a session was ever valid on this connection. Latched: a connection whose
        session logged off stays up past the pre-authentication deadline, as Windows keeps it
        (issue 15; MS-SMB2 3.3.5.6 LOGOFF ends the session, not the connection), so a client
        that keeps the connection for its next logon is not cut; the idle timer still applies."""
        if not self._logged_on:
            smb1 = self.smb1
            self._logged_on = self.smb2.has_valid_session() or (smb1 is not None and smb1.has_valid_session())
        return self._logged_on

    def receive_data(self, data: bytes, now: float | None = None) -> list[bytes]:
        frames = super().receive_data(data, now)
        self.is_authenticated()  # latch a logon before a later LOGOFF can hide it
        return frames

    def continue_work(self, now: float | None = None) -> list[bytes]:
        frames = super().continue_work(now)
        self.is_authenticated()
        return frames

    def connection_lost(self) -> None:
        """The transport is gone: forget this connection's sessions (MS-SMB2 3.3.7.1, MS-CIFS 3.3.7.1)."""
        self.smb2.connection_lost()
        if self.smb1 is not None:
            self.smb1.connection_lost()

    # ------------------------------------------------------------------ who speaks
    def _first_smb1_message(self, message: memoryview) -> bytes | None:
        if self.smb2.negotiated:
            raise ProtocolViolation("SMB1 message after SMB2 negotiation")
        if len(message) < SMB1_HEADER_SIZE + 3 or message[4] != Command.NEGOTIATE:
            raise ProtocolViolation("the first SMB1 message is not a NEGOTIATE")
        dialects = offered_dialects(message)
        profile = self.config.profile
        smb2_dialect = smb2_dialect_for_offer(dialects, profile.smb.dialects)
        if smb2_dialect is not None:
            return self.smb2.process_smb1_negotiate(smb2_dialect)
        if not profile.smb.smb1:
            self.close("SMB1-only client (no SMB2 dialect of this profile offered) and SMB1 is off (smb.smb1: false)")
            return None
        # NT LM 0.12 from here on: the SMB1 engine owns the connection.
        self.smb1 = smb1 = Smb1Engine(self.config, self, self.local)
        self.claim(SMB1_MAGIC, smb1.process)
        self.claim(SMB2_MAGIC, self._smb2_after_smb1)
        self.claim(TRANSFORM_MAGIC, self._smb2_after_smb1)
        return smb1.process(message)

    def _smb2_after_smb1(self, message: memoryview) -> bytes | None:
        raise ProtocolViolation("SMB2 message on an SMB1 connection")

    def _smb2_unknown(self, message: memoryview) -> bytes | None:
        raise ProtocolViolation("SMB2 message to a profile that speaks no SMB2 (smb.dialects: [])")
