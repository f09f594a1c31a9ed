"""What an SMB1 command handler sees: its request (`Smb1Request`) and the connection (`Smb1View`).

A handler is `handle(conn: Smb1View, req: Smb1Request) -> Reply | None`: it returns its parameter
words (without WordCount and, for an AndX command, without the AndX block) and its data bytes
(without ByteCount); the engine frames them, chains the next AndX command and signs. It raises
`SmbStatusError` for an error response (NT or DOS form, as the client asked) and
`ProtocolViolation` when the connection cannot go on. A handler that parks a pipe read
(`conn.park(req, open_, length, finish)`) returns None; the engine answers later with
`finish(status, data)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.pipe_work import DeferredWork
    from smbemu.pipeio import PipeReads
    from smbemu.smb1.layouts.header import Header
    from smbemu.state import Open, Session, TreeConnect

Reply = tuple[bytes, bytes]


class Smb1Request:
    """One command of a message (a message with an AndX chain has several)."""

    __slots__ = (
        "header", "raw", "command", "words", "data", "words_offset", "data_offset", "session", "tree",
        "unicode", "uid", "tid", "response_uid", "response_tid", "status", "response_offset", "andx",
        "response_command", "response_word_count",
    )

    def __init__(self, header: Header, raw: memoryview, command: int, words: memoryview, data: memoryview,
                 words_offset: int, data_offset: int, uid: int, tid: int, andx: bool) -> None:
        self.header = header
        self.raw = raw  # the whole SMB message: AndX and transaction offsets count from its start
        self.command = command
        self.words = words  # parameter words, without the AndX block of an AndX command
        self.data = data  # the ByteCount bytes
        self.words_offset = words_offset  # where `words` starts in `raw`
        self.data_offset = data_offset  # where `data` starts in `raw`
        self.uid = uid  # the UID this command runs under (a chained command: its session setup's)
        self.tid = tid
        self.andx = andx
        self.session: Session | None = None
        self.tree: TreeConnect | None = None
        self.unicode = bool(header.flags2 & 0x8000)  # FLAGS2_UNICODE: strings are UTF-16LE
        # Outputs: the UID / TID of the response (None: the request's), a non-error status
        # (MORE_PROCESSING_REQUIRED, BUFFER_OVERFLOW) sent with the body, and where this command's
        # response block starts in the response message (for handlers that align Unicode strings).
        self.response_uid: int | None = None
        self.response_tid: int | None = None
        self.status = 0
        self.response_offset = 32
        # The command of the response when it is not the request's (the final response of a
        # transaction completed by a TRANSACTION_SECONDARY is a TRANSACTION response, MS-CIFS
        # 2.2.4.34.2), and a WordCount that is not the words' length (NT_CREATE_ANDX's extended
        # response: 50 words under a WordCount of 42, MS-SMB 2.2.4.9.2).
        self.response_command: int | None = None
        self.response_word_count: int | None = None

    def response_data_offset(self, words_length: int) -> int:
        """Where the data of this command's response will start in the response message (the
        alignment of Unicode strings is counted from the start of the SMB header, MS-CIFS 2.2.3.3)."""
        return self.response_offset + 1 + (4 if self.andx else 0) + words_length + 2


@dataclass(slots=True, eq=False)
class Smb1Pending:
    """A request answered later (a pipe read that waits for data): what its response needs."""

    header: Header
    command: int
    uid: int
    tid: int
    andx: bool
    response_sequence: int | None  # the signing sequence number reserved for its response
    # Builds the response body from what was read: (status, data) -> Reply.
    finish: Callable[[int, bytes], Reply] | None = None
    # The responses to the commands before it in its AndX chain, sent with it.
    prefix: list[tuple[int, bool, bytes, bytes]] = field(default_factory=list)

    def named_by(self, header: Header) -> bool:
        """MS-CIFS 3.3.5.52: NT_CANCEL names the request by UID, PID and MID (and TID)."""
        request = self.header
        return (request.mid == header.mid and request.pid_low == header.pid_low
                and request.pid_high == header.pid_high and self.uid == header.uid)


class Smb1View(Protocol):
    """The engine as SMB1 command handlers see it (`smbemu.smb1.engine.Smb1Engine`)."""

    config: ServerConfig
    peer: tuple[str, int]
    local: tuple[str, int]
    sessions: dict[int, Session]  # by UID
    negotiated: bool
    server_capabilities: int
    server_security_mode: int
    client_capabilities: int
    client_max_buffer_size: int
    max_buffer_size: int  # the server's MaxBufferSize (the largest message it accepts)
    extended_security: bool  # the NEGOTIATE chose SPNEGO (MS-SMB 2.2.4.5.2.1)
    challenge: bytes  # the 8-byte challenge of a non-extended NEGOTIATE (b"" otherwise)
    pipe_reads: PipeReads[Smb1Pending]

    @property
    def core(self) -> DeferredWork:
        """The protocol-neutral core: work deferred to later turns (smbemu.pipe_work)."""
        ...

    @property
    def signing_active(self) -> bool: ...

    def new_uid(self) -> int: ...

    def new_fid(self) -> int: ...

    def find_open(self, req: Smb1Request, fid: int) -> Open: ...

    def send_more(self, req: Smb1Request, replies: list[Reply]) -> None: ...

    def park(self, req: Smb1Request, open_: Open, length: int, finish: Callable[[int, bytes], Reply]) -> None: ...

    def new_tid(self) -> int: ...

    def start_signing(self, mac_key: bytes, *, required: bool) -> None: ...

    def drop_session(self, session: Session) -> None: ...

    def close(self, reason: str) -> None: ...
