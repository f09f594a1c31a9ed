"""The SMB1 engine: what happens to an SMB1 message once the core has framed it.

    header -> (signing: verify, MS-CIFS 3.3.5.2) -> for each command of the AndX chain:
    frame (WordCount, words, ByteCount, data) -> UID (session) -> TID (tree) -> COMMANDS[cmd]
    -> response blocks chained -> header (NT or DOS status) -> sign (3.3.4.1.1)

It is the MS-CIFS 3.3.1.3 Server.Connection of an NT LM 0.12 conversation on top of the
protocol-neutral `smbemu.core.ConnectionCore`. A request that is wrong gets an error response
(WordCount 0, ByteCount 0) with the status in the NT form, or in the DOS class/code form when the
client did not set FLAGS2_NT_STATUS (MS-CIFS 2.2.3.1); a stream that cannot go on (an SMB1
command before NEGOTIATE, a second NEGOTIATE) raises
ProtocolViolation and the core closes the connection. Commands see this object through
`smbemu.smb1.context.Smb1View`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from smbemu import events
from smbemu.errors import ProtocolViolation, SmbStatusError
from smbemu.pipeio import PendingRead, PipeReads
from smbemu.smb1 import signing
from smbemu.smb1.constants import HEADER_SIZE, NO_ANDX, Command, Flags, Flags2, status_field
from smbemu.smb1.context import Reply, Smb1Pending, Smb1Request
from smbemu.smb1.dispatch import COMMANDS
from smbemu.smb1.fault_hooks import before_request as before_fault_rules
from smbemu.smb1.layouts.header import Header, pack_andx, pack_header, pack_u16, read_u16, unpack_andx, unpack_header
from smbemu.state import SessionState
from smbemu.status import NtStatus, status_name

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.core import ConnectionCore
    from smbemu.state import Open, Session

log = logging.getLogger("smbemu.smb1")

_NEGOTIATE = int(Command.NEGOTIATE)
_NT_CANCEL = int(Command.NT_CANCEL)
_ECHO = int(Command.ECHO)
_REPLY = int(Flags.REPLY)
_NT_STATUS = int(Flags2.NT_STATUS)
_SIGNATURE = int(Flags2.SECURITY_SIGNATURE)
_SIGNATURE_REQUIRED = int(Flags2.SECURITY_SIGNATURE_REQUIRED)
_EXTENDED_SECURITY = int(Flags2.EXTENDED_SECURITY)
_VALID = SessionState.VALID
_ERROR_SEVERITY = 0xC0000000
_PRIMARY_OF_SECONDARY = {
    int(Command.TRANSACTION_SECONDARY): int(Command.TRANSACTION),
    int(Command.TRANSACTION2_SECONDARY): int(Command.TRANSACTION2),
    int(Command.NT_TRANSACT_SECONDARY): int(Command.NT_TRANSACT),
}

# Windows numbers UIDs, TIDs and FIDs from these values on a new connection (public captures of
# Windows 2000 to 2016 servers: UID 0x0800, TID 0x0800, FID 0x4000, each counting up).
FIRST_UID = 0x0800
FIRST_TID = 0x0800
FIRST_FID = 0x4000

# One response block: (command, is AndX, parameter words without the AndX block, data).
Block = tuple[int, bool, bytes, bytes]


class Smb1Engine:
    """MS-CIFS 3.3.1.3 Server.Connection for NT LM 0.12: its state and its message path."""

    def __init__(self, config: ServerConfig, core: ConnectionCore, local: tuple[str, int] = ("127.0.0.1", 0)) -> None:
        self.config = config
        self.core = core
        self.peer = core.peer
        self.local = local
        # Negotiate state (MS-CIFS 3.3.1.3, MS-SMB 3.3.1.1).
        self.negotiated = False
        self.extended_security = False
        self.challenge = b""
        self.client_capabilities = 0
        self.client_max_buffer_size = 0
        self.server_capabilities = 0
        self.server_security_mode = 0
        self.max_buffer_size = config.profile.smb1.max_buffer_size
        self.sessions: dict[int, Session] = {}  # by UID
        self.requests_handled = 0
        # Pipe reads waiting for data: kept by the IPC layer, answered here (`_answer_read`).
        self.pipe_reads: PipeReads[Smb1Pending] = PipeReads(self._answer_read)
        # Signing (MS-CIFS 3.3.1.1: SigningActive, SessionKey, the sequence number).
        self._mac_key: bytes | None = None
        self._signing_required = False
        self._sequence = 0
        self._activation_sequence: int | None = None
        self._next_uid = FIRST_UID
        self._next_tid = FIRST_TID
        self._next_fid = FIRST_FID
        self._current_response_sequence: int | None = None
        self._parked: Smb1Pending | None = None
        # WordCounts that differ from the words' length, by block index of the response being built.
        self._word_counts: dict[int, int] = {}
        # Fault injection (smbemu.faults), or None.
        self.faults: Any = config.faults

    # ------------------------------------------------------------------ the view commands use
    @property
    def signing_active(self) -> bool:
        return self._mac_key is not None

    def close(self, reason: str) -> None:
        self.core.close(reason)

    def new_uid(self) -> int:
        return self._next_number("_next_uid", self.sessions)

    def new_tid(self) -> int:
        used = {tid for session in self.sessions.values() for tid in session.tree_connects}
        return self._next_number("_next_tid", used)

    def new_fid(self) -> int:
        used = {fid for session in self.sessions.values() for fid in session.opens}
        return self._next_number("_next_fid", used)

    def _next_number(self, counter: str, used: Any) -> int:
        # 16-bit numbers, never 0 or 0xFFFF (MS-CIFS 2.2.1.6: reserved values), skipping those in use.
        number = getattr(self, counter)
        for _ in range(0x10000):
            if number in (0, 0xFFFF):
                number = 1
            if number not in used:
                setattr(self, counter, number + 1)
                return int(number)
            number += 1
        raise SmbStatusError(NtStatus.INSUFFICIENT_RESOURCES, "no free 16-bit identifier")

    def find_open(self, req: Smb1Request, fid: int) -> Open:
        """The open named by `fid` on the request's tree (MS-CIFS 3.3.5.x: ERRDOS/ERRbadfid)."""
        session = req.session
        open_ = session.opens.get(fid) if session is not None else None
        if open_ is None or (req.tree is not None and open_.tree is not req.tree):
            raise SmbStatusError(NtStatus.INVALID_HANDLE, f"unknown FID 0x{fid:04x}")
        return open_

    def start_signing(self, mac_key: bytes, *, required: bool) -> None:
        """MS-CIFS 3.3.5.3: the first authenticated session turns signing on for the connection;
        the SESSION_SETUP response that does so is already signed (with sequence number 1)."""
        if self._mac_key is not None:
            return
        self._mac_key = mac_key
        self._signing_required = required
        self._activation_sequence = 1
        self._sequence = 2

    def drop_session(self, session: Session) -> None:
        """The session ends (LOGOFF_ANDX, the connection going): its trees and opens go with it."""
        for open_ in list(session.opens.values()):
            # A read still waiting on the pipe ends with STATUS_PIPE_BROKEN, as on Windows.
            self.pipe_reads.fail(open_, NtStatus.PIPE_BROKEN)
            endpoint = open_.endpoint
            if endpoint is not None and hasattr(endpoint, "close"):
                endpoint.close()
            open_.endpoint = None
        session.opens.clear()
        session.tree_connects.clear()
        for uid, known in list(self.sessions.items()):
            if known is session:
                del self.sessions[uid]
        self.config.sessions.pop(session.session_id, None)
        observers = self.config.observers
        if observers and session.state is _VALID:
            observers.emit(events.LoggedOff(session=session, peer=self.peer))

    def _uid_of(self, session: Session) -> int:
        for uid, known in self.sessions.items():
            if known is session:
                return uid
        return -1

    def has_valid_session(self) -> bool:
        return any(session.state is _VALID for session in self.sessions.values())

    def connection_lost(self) -> None:
        self.pipe_reads.clear()
        for session in list(self.sessions.values()):
            self.drop_session(session)

    # ------------------------------------------------------------------ messages from the core
    def process(self, message: memoryview) -> bytes | None:
        """One SMB1 message in; its response out (None: no response now)."""
        if len(message) < HEADER_SIZE + 3:
            raise ProtocolViolation(f"SMB1 message of {len(message)} bytes is shorter than a header and its counts")
        header = unpack_header(message)
        # A request's Flags REPLY bit and Status are not looked at (MS-CIFS 2.2.3.1: a client
        # sets them to zero; Windows ignores them). nmap's smb.lua reuses a response header for
        # its next SESSION_SETUP_ANDX, with REPLY set and a stale Status, and Windows answers it.
        if not self.negotiated and header.command != _NEGOTIATE:
            raise ProtocolViolation(f"SMB1 command 0x{header.command:02x} before NEGOTIATE")
        if self.negotiated and header.command == _NEGOTIATE:
            # MS-CIFS 3.3.5.2: a second NEGOTIATE on a connection is an error; Windows disconnects.
            raise ProtocolViolation("a second SMB1 NEGOTIATE")
        self.requests_handled += 1
        self._current_response_sequence = None
        self._parked = None
        self._word_counts.clear()
        if self._mac_key is not None:
            request_sequence = self._sequence
            # MS-CIFS 3.3.5.2: NT_CANCEL has no response, so it takes one number; others two.
            self._sequence += 1 if header.command == _NT_CANCEL else 2
            self._current_response_sequence = request_sequence + 1
            if not signing.verify(self._mac_key, message, request_sequence):
                # MS-CIFS 3.3.5.2: a signature that does not verify is refused with
                # STATUS_ACCESS_DENIED (and the request is not processed), as SMB2 refuses it.
                log.warning("bad SMB1 signature from %s:%d (command 0x%02x, mid %d)", *self.peer,
                            header.command, header.mid)
                if header.command == _NT_CANCEL:
                    return None
                return self._assemble(header, [(header.command, False, b"", b"")], int(NtStatus.ACCESS_DENIED),
                                      header.uid, header.tid, self._current_response_sequence)
        return self._chain(message, header)

    def _chain(self, message: memoryview, header: Header) -> bytes | None:
        blocks: list[Block] = []
        length = len(message)
        position = HEADER_SIZE
        command = header.command
        uid, tid = header.uid, header.tid
        status = 0
        response_offset = HEADER_SIZE
        while True:
            spec = COMMANDS.get(command)
            andx = spec.andx if spec is not None else False
            try:
                req = self._frame(message, header, command, position, uid, tid, andx)
                req.response_offset = response_offset
                if spec is None:
                    raise SmbStatusError(NtStatus.SMB_BAD_COMMAND, f"SMB1 command 0x{command:02x} is not served")
                if spec.needs_session:
                    req.session = self._session(uid)
                if spec.needs_tree:
                    req.tree = self._tree(req, tid)
                if self.faults is not None:  # fault injection (smbemu.faults), after the checks
                    before_fault_rules(self.faults, self, req)
                reply = spec.handler(self, req)
            except SmbStatusError as exc:
                status = int(exc.status)
                log.info("SMB1 0x%02x from %s:%d -> %s%s", command, self.peer[0], self.peer[1],
                         status_name(status), f" ({exc})" if str(exc) else "")
                # A secondary request is answered as its transaction (MS-CIFS 2.2.4.34.2,
                # 2.2.4.47.2, 2.2.4.63.2: there is no *_SECONDARY response), errors included.
                primary = _PRIMARY_OF_SECONDARY.get(command)
                if primary is not None:
                    header = header._replace(command=primary)
                    command = primary
                blocks.append((command, False, b"", b""))
                break
            if reply is None:
                parked, self._parked = self._parked, None
                if parked is not None:
                    # A read waiting for data: the responses before it in the chain wait with it.
                    parked.prefix = blocks
                    return None
                # Nothing to answer (NT_CANCEL, ECHO with EchoCount 0).
                return self._assemble(header, blocks, 0, uid, tid, self._current_response_sequence) if blocks else None
            words, data = reply
            if req.response_command is not None:
                header = header._replace(command=req.response_command)
                command = req.response_command
            if req.response_word_count is not None:
                self._word_counts[len(blocks)] = req.response_word_count
            if req.response_uid is not None:
                uid = req.response_uid
            if req.response_tid is not None:
                tid = req.response_tid
            blocks.append((command, andx, words, data))
            response_offset += 1 + (4 if andx else 0) + len(words) + 2 + len(data)
            if req.status:
                status = req.status  # MORE_PROCESSING_REQUIRED, BUFFER_OVERFLOW: the chain ends here
                break
            if not andx:
                break
            next_command, next_offset = unpack_andx(message[position + 1 :])
            if next_command == NO_ANDX:
                break
            if next_offset <= position or next_offset >= length:
                # MS-CIFS 2.2.3.4: AndXOffset points forward inside the message.
                blocks.append((next_command, False, b"", b""))
                status = int(NtStatus.INVALID_SMB)
                break
            position, command = next_offset, next_command
        if header.command == _ECHO and status == 0 and blocks and blocks[0][0] == _ECHO:
            return self._echo_responses(header, blocks[0], uid, tid)
        return self._assemble(header, blocks, status, uid, tid, self._current_response_sequence)

    def _frame(self, message: memoryview, header: Header, command: int, position: int, uid: int, tid: int,
               andx: bool) -> Smb1Request:
        """The command at `position`: WordCount, words, ByteCount, data (MS-CIFS 2.2.3.2, 2.2.3.3)."""
        length = len(message)
        if position >= length:
            raise SmbStatusError(NtStatus.INVALID_SMB, "no WordCount")
        word_count = message[position]
        words_start = position + 1
        words_end = words_start + 2 * word_count
        if words_end + 2 > length:
            raise SmbStatusError(NtStatus.INVALID_SMB, f"WordCount {word_count} runs past the message")
        byte_count = read_u16(message, words_end)
        data_start = words_end + 2
        data_end = data_start + byte_count
        if data_end > length:
            raise SmbStatusError(NtStatus.INVALID_SMB, f"ByteCount {byte_count} runs past the message")
        if andx:
            if word_count < 2:
                raise SmbStatusError(NtStatus.INVALID_SMB, "an AndX command without its AndX block")
            words_start += 4
        return Smb1Request(header, message, command, message[words_start:words_end], message[data_start:data_end],
                           words_start, data_start, uid, tid, andx)

    def _session(self, uid: int) -> Session:
        session = self.sessions.get(uid)
        if session is not None and session.ended_by_server:  # srvsvc NetrSessionDel (MS-SRVS 3.1.4.6)
            self.drop_session(session)
            session = None
        if session is None or session.state is not _VALID:
            # MS-CIFS 3.3.5.2: ERRSRV/ERRbaduid (STATUS_SMB_BAD_UID in the NT form Windows sends).
            raise SmbStatusError(NtStatus.SMB_BAD_UID, f"unknown UID 0x{uid:04x}")
        return session

    def _tree(self, req: Smb1Request, tid: int) -> Any:
        session = req.session
        tree = session.tree_connects.get(tid) if session is not None else None
        if tree is None:
            # MS-CIFS 3.3.5.2: ERRSRV/ERRinvtid (STATUS_SMB_BAD_TID).
            raise SmbStatusError(NtStatus.SMB_BAD_TID, f"unknown TID 0x{tid:04x}")
        return tree

    # ------------------------------------------------------------------ responses
    def _response_flags2(self, request_flags2: int, signed: bool) -> int:
        flags2 = request_flags2 & ~(_SIGNATURE | _SIGNATURE_REQUIRED)
        if not self.extended_security:
            flags2 &= ~_EXTENDED_SECURITY
        if signed:
            flags2 |= _SIGNATURE
        return flags2

    def _assemble(self, header: Header, blocks: list[Block], status: int, uid: int, tid: int,
                  sequence: int | None) -> bytes:
        """Frame the response blocks after one header: WordCount, AndX block, words, ByteCount, data."""
        if sequence is None and self._activation_sequence is not None and self._mac_key is not None:
            sequence, self._activation_sequence = self._activation_sequence, None
        signed = sequence is not None and self._mac_key is not None
        out = bytearray(pack_header(
            header.command, status_field(status, bool(header.flags2 & _NT_STATUS)), header.flags | _REPLY,
            self._response_flags2(header.flags2, signed), header.pid_high, tid, header.pid_low, uid, header.mid,
        ))
        for index, (_, andx, words, data) in enumerate(blocks):
            if andx:
                out.append(self._word_counts.get(index, 2 + len(words) // 2))
                if index + 1 < len(blocks):
                    following = blocks[index + 1][0]
                    # The next block starts after this one: WordCount, AndX, words, ByteCount, data.
                    next_offset = len(out) + 4 + len(words) + 2 + len(data)
                    out += pack_andx(following, next_offset)
                else:
                    out += pack_andx(NO_ANDX, 0)
            else:
                out.append(len(words) // 2)
            out += words
            out += pack_u16(len(data))
            out += data
        if signed:
            assert self._mac_key is not None and sequence is not None
            signing.sign(self._mac_key, out, sequence)
        return bytes(out)

    def _echo_responses(self, header: Header, block: Block, uid: int, tid: int) -> bytes | None:
        """MS-CIFS 3.3.5.37: one response per EchoCount, numbered from 1 in SequenceNumber."""
        _, _, words, data = block
        count = int.from_bytes(words[:2], "little") if words else 1
        first = self._assemble(header, [(_ECHO, False, (1).to_bytes(2, "little"), data)], 0, uid, tid,
                               self._current_response_sequence)
        for number in range(2, count + 1):
            self.core.send(self._assemble(header, [(_ECHO, False, number.to_bytes(2, "little"), data)], 0, uid, tid,
                                          self._current_response_sequence))
        return first

    def _answer_read(self, pending: PendingRead[Smb1Pending], status: int, data: bytes | None) -> None:
        """A parked request ends: build its response now and queue it on the connection."""
        request = pending.request
        prefix: list[Block] = request.prefix
        if status >= _ERROR_SEVERITY or request.finish is None:
            blocks = [*prefix, (request.command, False, b"", b"")]
        else:
            words, payload = request.finish(status, data or b"")
            blocks = [*prefix, (request.command, request.andx, words, payload)]
        # A read ended without data (its pipe closed, its tree or session gone) is answered before
        # the response that ended it: the client still knows the request's UID and TID then.
        self.core.send(self._assemble(request.header, blocks, status, request.uid, request.tid,
                                      request.response_sequence), ahead=data is None)

    def send_more(self, req: Smb1Request, replies: list[Reply]) -> None:
        """More responses to `req`, each its own message after the first (a transaction answer
        longer than the client's MaxBufferSize, MS-CIFS 3.3.5.57); signed with the first's
        sequence number, as every response to one request is."""
        header = req.header if req.response_command is None else req.header._replace(command=req.response_command)
        for words, data in replies:
            self.core.send(self._assemble(header, [(header.command, False, words, data)], req.status, req.uid, req.tid,
                                          self._current_response_sequence))

    def park(self, req: Smb1Request, open_: Open, length: int, finish: Callable[[int, bytes], Reply]) -> None:
        """Keep `req` (a read of at most `length` bytes on `open_`) until the pipe has data; then
        `finish(status, data)` builds its response body. The handler then returns None.

        The reads waiting on a connection are bounded by the same limit as SMB2's pending
        requests (max_outstanding_requests); MS-CIFS 3.3.5.2 bounds a client's outstanding
        requests by MaxMpxCount too, so the smaller applies."""
        bound = min(self.config.limits.max_outstanding_requests, self.config.profile.smb1.max_mpx_count)
        if len(self.pipe_reads) >= bound:
            raise SmbStatusError(NtStatus.INSUFFICIENT_RESOURCES,
                                 f"{len(self.pipe_reads)} reads already waiting on the connection (limit {bound})")
        pending = Smb1Pending(req.header, req.command, req.uid, req.tid, req.andx, self._current_response_sequence,
                              finish)
        self._parked = pending
        self.pipe_reads.park(open_, length, pending)
