"""What an SMB2 command handler is given: the request (`RequestContext`) and its connection.

Every command is `handle(conn, ctx) -> body | None` (smbemu.smb2.dispatch). `conn` is the SMB2
engine of the connection (smbemu.smb2.engine.Smb2Engine); handlers see it through
`ConnectionView`, a typing Protocol of exactly what they may read and change, so that no command
imports the engine or the connection module (the engine imports the commands, through the
command table: the other direction would be an import circle).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from smbemu.errors import SmbStatusError
from smbemu.smb2.constants import HEADER_SIZE
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.pipe_work import DeferredWork
    from smbemu.pipeio import PipeReads
    from smbemu.smb2.file_ids import FileIdAllocator
    from smbemu.smb2.header import RequestHeader
    from smbemu.state import Session, TreeConnect

FILE_ID_UNSET = b"\xff" * 16
_SUCCESS = int(NtStatus.SUCCESS)


class RequestContext:
    """One request being handled: what came in, and what the response header should carry.

    A plain slotted class with a positional constructor: one is built per message, and a
    keyword-argument dataclass costs about twice as much to create."""

    __slots__ = (
        "header", "raw", "body", "session", "tree", "encrypted", "related_file_id",
        "response_session_id", "response_tree_id", "force_sign", "created_file_id", "status", "async_id",
    )

    def __init__(self, header: RequestHeader, raw: memoryview, encrypted: bool, related_file_id: bytes) -> None:
        self.header = header
        self.raw = raw  # the whole request message (header + body)
        self.body = raw[HEADER_SIZE:]
        self.session: Session | None = None
        self.tree: TreeConnect | None = None
        self.encrypted = encrypted
        self.related_file_id = related_file_id
        self.response_session_id = header.session_id
        self.response_tree_id = header.tree_id
        # Set by a handler that must sign regardless of the request (final SESSION_SETUP, MS-SMB2 3.3.5.5.3).
        self.force_sign = False
        # Set by CREATE so that related requests that follow can use its FileId (MS-SMB2 3.3.5.2.7.2).
        self.created_file_id: bytes | None = None
        self.status: int = _SUCCESS
        # Set when the request goes asynchronous (an interim STATUS_PENDING is sent, MS-SMB2 3.3.4.2).
        self.async_id: int | None = None

    def file_id(self, offset: int) -> bytes:
        """The FileId at `offset` in the body, resolved for related compounds."""
        file_id = bytes(self.body[offset : offset + 16])
        if len(file_id) != 16:
            raise SmbStatusError(NtStatus.INVALID_PARAMETER, "truncated FileId")
        if file_id == FILE_ID_UNSET and self.header.is_related:
            return self.related_file_id
        return file_id


@dataclass(slots=True, eq=False)
class AsyncRequest:
    """A request answered later (MS-SMB2 3.3.1.7 AsyncCommandList): what its final response needs."""

    async_id: int
    message_id: int
    session: Session
    encrypted: bool
    signed: bool

    def named_by(self, cancel: RequestHeader) -> bool:
        """MS-SMB2 3.3.5.16: CANCEL names the request by AsyncId, or by MessageId while it was sync."""
        if cancel.is_async:
            return self.async_id == cancel.async_id
        return self.message_id == cancel.message_id


class ConnectionView(Protocol):
    """The SMB2 connection as command handlers use it (MS-SMB2 3.3.1.7 Connection)."""

    config: ServerConfig
    peer: tuple[str, int]
    local: tuple[str, int]
    # Negotiate state (MS-SMB2 3.3.5.4).
    negotiated: bool
    dialect: int
    client_guid: bytes
    client_capabilities: int
    client_security_mode: int
    client_dialects: tuple[int, ...]
    server_security_mode: int
    server_capabilities: int
    cipher: int | None
    signing_algorithm: int | None
    preauth_hash: bytes
    max_transact_size: int
    max_read_size: int
    max_write_size: int
    # Credits (MS-SMB2 3.3.1.1): the SMB1 negotiate moves the window past its message id 0.
    window_low: int
    window_high: int
    sessions: dict[int, Session]
    # Pipe READs waiting for data, owned by the IPC layer (smbemu.pipeio).
    pipe_reads: PipeReads[AsyncRequest]
    # FileIds as the profile's release numbers them (smbemu.smb2.file_ids).
    file_ids: FileIdAllocator

    @property
    def core(self) -> DeferredWork:
        """The protocol-neutral core: work deferred to later turns (smbemu.pipe_work)."""
        ...

    @property
    def closed(self) -> bool: ...

    @closed.setter
    def closed(self, value: bool) -> None: ...

    @property
    def close_reason(self) -> str: ...

    @close_reason.setter
    def close_reason(self, value: str) -> None: ...

    def go_async(self, ctx: RequestContext) -> AsyncRequest:
        """Make `ctx` asynchronous (an interim STATUS_PENDING answer now, MS-SMB2 3.3.4.2)."""
        ...

    def drop_session(self, session: Session) -> None:
        """End `session`: its opens, its waiting reads, and the LoggedOff event."""
        ...
