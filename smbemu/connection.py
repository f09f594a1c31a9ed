"""The sans-I/O SMB2 connection: bytes in, bytes out, no sockets (the h11 model).

`Connection.receive_data(data)` takes what arrived on the socket and returns the frames to
send back; `Connection.closed` says the transport must drop the connection (after sending
what was returned). Everything protocol-shaped happens here or in the per-command modules:

    Direct TCP framing (MS-SMB2 2.1) -> transform header? decrypt (3.3.5.2.1)
    -> header -> credits (3.3.5.2.3) -> session / signature / encryption checks (3.3.5.2.4, .9)
    -> tree (3.3.5.2.11) -> COMMANDS[command].handler -> response -> sign / encrypt -> frame.

A request that is wrong gets an SMB2 ERROR response with an NTSTATUS; a stream that cannot be
parsed any more (bad framing, a header that is not SMB2, a message id outside the credit
window) closes the connection. No exception ever leaves `receive_data`.
"""

from __future__ import annotations

import hashlib
import logging
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from smbemu.crypto import DecryptError, parse_transform_session_id
from smbemu.errors import ProtocolViolation, SmbStatusError
from smbemu.smb2.close import close_all_opens
from smbemu.smb2.dispatch import COMMANDS
from smbemu.smb2.negotiate import handle_smb1_negotiate
from smbemu.smb2.read import response_body
from smbemu.smb2.constants import (
    HEADER_SIZE,
    SMB1_MAGIC,
    SMB2_MAGIC,
    TRANSFORM_MAGIC,
    Command,
    Dialect,
    NtStatus,
)
from smbemu.smb2.header import (
    ECHOED_FLAGS,
    NEXT_COMMAND_OFFSET,
    ASYNC_COMMAND,
    RELATED_OPERATIONS,
    RequestHeader,
    build_response_header,
    parse_request_header,
)
from smbemu.state import Session, SessionState, TreeConnect

if TYPE_CHECKING:
    from smbemu.config import ServerConfig

log = logging.getLogger("smbemu.connection")

# MS-SMB2 2.2.2: the ERROR response body with no error data (ByteCount 0, one pad byte).
ERROR_BODY = b"\x09\x00\x00\x00\x00\x00\x00\x00\x00"
_FILE_ID_UNSET = b"\xff" * 16
_LEN = struct.Struct(">I")
# Enum members as plain values for the per-message path: reading an enum member off its class
# costs ~0.15 µs, and a request used to read a dozen of them.
_NEGOTIATE = int(Command.NEGOTIATE)
_SESSION_SETUP = int(Command.SESSION_SETUP)
_CANCEL = int(Command.CANCEL)
_SUCCESS = int(NtStatus.SUCCESS)
_PENDING = int(NtStatus.PENDING)
_MORE_PROCESSING_REQUIRED = int(NtStatus.MORE_PROCESSING_REQUIRED)
_SMB_2_0_2 = int(Dialect.SMB_2_0_2)
_SMB_3_0 = int(Dialect.SMB_3_0)
_SMB_3_1_1 = int(Dialect.SMB_3_1_1)
_VALID = SessionState.VALID
_IN_PROGRESS = SessionState.IN_PROGRESS
_EXPIRED = SessionState.EXPIRED


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
        if file_id == _FILE_ID_UNSET and self.header.is_related:
            return self.related_file_id
        return file_id


class Connection:
    """MS-SMB2 3.3.1.7 Connection, as a sans-I/O state machine."""

    def __init__(
        self, config: ServerConfig, peer: tuple[str, int] = ("127.0.0.1", 0), local: tuple[str, int] = ("127.0.0.1", 0)
    ) -> None:
        self.config = config
        self.peer = peer
        # The address the client connected to (several hosts may share one process).
        self.local = local
        self.closed = False
        self.close_reason = ""
        self._buffer = bytearray()
        # Negotiate state (MS-SMB2 3.3.1.7).
        self.negotiated = False
        self.dialect: int = 0
        self.client_guid = b""
        self.client_capabilities = 0
        self.client_security_mode = 0
        self.client_dialects: tuple[int, ...] = ()
        self.server_security_mode = 0
        self.server_capabilities = 0
        self.cipher: int | None = None
        self.signing_algorithm: int | None = None
        self.preauth_hash = b""
        self.max_transact_size = 65536
        self.max_read_size = 65536
        self.max_write_size = 65536
        # Credits (MS-SMB2 3.3.1.1): message ids in [window_low, window_high) may be used once.
        self.window_low = 0
        self.window_high = 1
        self._used_ahead: set[int] = set()
        self._max_credits = config.limits.max_credits
        self.sessions: dict[int, Session] = {}
        self.requests_handled = 0
        self.frames_received = 0
        # Pipe READs waiting for data (MS-SMB2 3.3.4.2), by AsyncId.
        self._pending_reads: dict[int, PendingRead] = {}
        self._next_async_id = 1
        # Frames produced outside the request being answered (async completions), sent after it.
        self._deferred: list[bytes] = []
        # Fault injection (smbemu.faults): the server's rules, or None; transport actions the
        # asyncio layer must apply to what `receive_data` returned, e.g. ("delay", 1.5).
        self.faults: Any = config.faults
        self.pending_actions: list[tuple[Any, ...]] = []
        # Optional observer of the clear text (`--pcap`): called as tap(inbound, message) with every
        # SMB message without its 4-byte length -- for encrypted sessions the decrypted one.
        self.tap: Callable[[bool, bytes], None] | None = None

    # ------------------------------------------------------------------ framing
    def receive_data(self, data: bytes) -> list[bytes]:
        """Feed bytes from the socket; returns frames to write. Sets `closed` on a fatal error."""
        if self.closed:
            return []
        buffer = self._buffer
        if buffer:
            # Bytes of an unfinished frame are waiting: append, and copy them out only once the
            # first frame is whole (a large frame arriving in many segments is not re-copied).
            buffer += data
            if len(buffer) >= 4 and len(buffer) < 4 + _LEN.unpack_from(buffer, 0)[0] and buffer[0] == 0:
                return []
            data = bytes(buffer)
            buffer.clear()
        # Frames are processed in place, as slices of one memoryview: no copy per frame.
        view = memoryview(data)
        total = len(data)
        offset = 0
        out: list[bytes] = []
        limits = self.config.limits
        while total - offset >= 4 and not self.closed and not self.pending_actions:
            if data[offset] != 0:
                # MS-SMB2 2.1: the Direct TCP header is a zero byte and a 24-bit length.
                self._close("not a Direct TCP session message (first byte 0x%02x)" % data[offset])
                break
            length = _LEN.unpack_from(data, offset)[0]
            if length > limits.max_preauth_frame_size and (
                length > limits.max_frame_size or not self.has_valid_session()
            ):
                limit = limits.max_frame_size if self.has_valid_session() else limits.max_preauth_frame_size
                self._close(f"frame of {length} bytes exceeds the limit of {limit}")
                break
            end = offset + 4 + length
            if end > total:
                break
            frame = view[offset + 4 : end]
            offset = end
            self.frames_received += 1
            mark = len(out)
            if self.faults is not None:  # fault injection: actions belong to the frame that fired them
                self.faults.pending.clear()
            try:
                response = self._process_frame(frame)
            except ProtocolViolation as exc:
                self._close(str(exc))
                break
            except Exception:  # a bug must not take the server down or leak a traceback
                log.exception("internal error on a frame from %s:%d; closing that connection", *self.peer)
                self._close("internal error")
                break
            if response:
                if self.tap is not None and response[:4] != TRANSFORM_MAGIC:
                    self.tap(False, response)
                out.append(_LEN.pack(len(response)) + response)
            if self._deferred:
                out.extend(self._deferred)
                self._deferred.clear()
            if self.faults is not None and self.faults.pending:  # fault injection (smbemu.faults)
                out[mark:] = self._apply_transport_faults(out[mark:])
        if offset < total and not self.closed:
            buffer += view[offset:]  # the start of the next frame (or frames held by a fault delay)
        return out

    def _apply_transport_faults(self, frames: list[bytes]) -> list[bytes]:
        """Fault injection: delay (the transport holds these frames), truncate or drop them."""
        for action in self.faults.take_transport_actions():
            if action[0] == "delay":
                self.pending_actions.append(action)
            elif action[0] == "truncate":
                frames = [b"".join(frames)[: action[1]]]
                self._close(f"fault injection: answer truncated to {action[1]} bytes")
            elif action[0] == "drop":
                frames = []
                self._close("fault injection: dropped without an answer")
        return frames

    def _close(self, reason: str) -> None:
        self.closed = True
        self.close_reason = reason
        log.info("closing connection from %s:%d: %s", self.peer[0], self.peer[1], reason)

    def has_valid_session(self) -> bool:
        for session in self.sessions.values():
            if session.state is _VALID:
                return True
        return False

    @property
    def has_partial_frame(self) -> bool:
        """Bytes of a frame that is not whole yet are buffered (the transport times them out)."""
        return bool(self._buffer)

    def connection_lost(self) -> None:
        """The transport is gone: forget this connection's sessions (MS-SMB2 3.3.7.1)."""
        self._pending_reads.clear()
        for session in list(self.sessions.values()):
            self.drop_session(session)

    def drop_session(self, session: Session) -> None:
        # READs parked on the session's pipes go with it: the client has logged off.
        for pending in [p for p in self._pending_reads.values() if p.session is session]:
            del self._pending_reads[pending.async_id]
        close_all_opens(session)
        self.sessions.pop(session.session_id, None)
        self.config.sessions.pop(session.session_id, None)
        # audit: 4634 on LOGOFF and on disconnect (smbemu.audit)
        if self.config.audit is not None and session.state is SessionState.VALID:
            from smbemu.audit import logoff

            logoff(self.config, session)

    # ------------------------------------------------------------------ frames
    def _process_frame(self, frame: memoryview) -> bytes | None:
        magic = bytes(frame[:4])
        if self.tap is not None and magic != TRANSFORM_MAGIC:
            self.tap(True, bytes(frame))
        if magic == SMB2_MAGIC:
            return self._process_compound(frame, encrypted_for=None)
        if magic == TRANSFORM_MAGIC:
            return self._process_transform(frame)
        if magic == SMB1_MAGIC:
            if self.negotiated:
                raise ProtocolViolation("SMB1 message after SMB2 negotiation")
            return handle_smb1_negotiate(self, frame)
        raise ProtocolViolation(f"unknown protocol id {magic.hex()}")

    def _process_transform(self, frame: memoryview) -> bytes:
        """MS-SMB2 3.3.5.2.1.1: decrypt, process the inner message(s), encrypt the answer."""
        if not self.negotiated or self.dialect < Dialect.SMB_3_0:
            raise ProtocolViolation("transform header before an SMB 3.x dialect was negotiated")
        try:
            session_id = parse_transform_session_id(frame)
        except DecryptError as exc:
            raise ProtocolViolation(f"bad transform header: {exc}") from None
        session = self.sessions.get(session_id)
        if session is None or session.crypto is None or not session.crypto.can_encrypt:
            raise ProtocolViolation("transform header for an unknown or unencrypted session")
        try:
            _, plaintext = session.crypto.decrypt(frame)
        except DecryptError as exc:
            raise ProtocolViolation(f"decryption failed: {exc}") from None
        inner = memoryview(plaintext)
        if bytes(inner[:4]) != SMB2_MAGIC:
            raise ProtocolViolation("decrypted message is not SMB2")
        if self.tap is not None:
            self.tap(True, bytes(plaintext))
        response = self._process_compound(inner, encrypted_for=session)
        if response is None:
            return b""
        if self.tap is not None:
            self.tap(False, response)
        return bytes(session.crypto.encrypt(session_id, response))

    def _process_compound(self, frame: memoryview, encrypted_for: Session | None) -> bytes | None:
        """MS-SMB2 3.3.5.2.7: one message, or a chain linked by NextCommand."""
        responses: list[tuple[bytearray, Session | None, bool]] = []
        offset = 0
        chain_session_id = 0
        chain_tree_id = 0
        chain_file_id = _FILE_ID_UNSET
        chain_status: int = _SUCCESS
        total = len(frame)
        while True:
            header = parse_request_header(frame, offset)
            if header is None:
                raise ProtocolViolation("malformed SMB2 header")
            if header.next_command:
                if header.next_command % 8 or header.next_command < HEADER_SIZE or offset + header.next_command > total:
                    raise ProtocolViolation(f"bad NextCommand {header.next_command}")
                end = offset + header.next_command
            else:
                end = total
            raw = frame[offset:end]
            first = offset == 0
            if header.flags & RELATED_OPERATIONS and not first:
                header.session_id = chain_session_id
                header.tree_id = chain_tree_id
            ctx, message, sign_session, must_sign = self._process_message(
                header, raw, encrypted_for, first, chain_file_id, chain_status
            )
            if ctx is not None:
                chain_session_id = ctx.response_session_id
                chain_tree_id = ctx.response_tree_id
                if ctx.created_file_id is not None:
                    chain_file_id = ctx.created_file_id
                chain_status = ctx.status
            if message is not None:
                responses.append((message, sign_session, must_sign))
            if not header.next_command:
                break
            offset = end
        if not responses:
            return None
        return self._finish_responses(responses, encrypted=encrypted_for is not None)

    def _finish_responses(self, responses: list[tuple[bytearray, Session | None, bool]], encrypted: bool) -> bytes:
        """Pad and link compound responses (MS-SMB2 3.3.4.1.3), then sign each one (3.3.4.1.1)."""
        if len(responses) == 1:  # the usual case: nothing to pad or link
            message, session, must_sign = responses[0]
            if must_sign and not encrypted and session is not None and session.crypto is not None:
                session.crypto.sign(message)
            return bytes(message)
        last = len(responses) - 1
        for index, (message, session, must_sign) in enumerate(responses):
            if index != last:
                pad = (-len(message)) % 8
                message += bytes(pad)
                struct.pack_into("<I", message, NEXT_COMMAND_OFFSET, len(message))
            if must_sign and not encrypted and session is not None and session.crypto is not None:
                session.crypto.sign(message)
        return b"".join(bytes(message) for message, _, _ in responses)

    # ------------------------------------------------------------------ one message
    def _process_message(
        self,
        header: RequestHeader,
        raw: memoryview,
        encrypted_for: Session | None,
        first: bool,
        chain_file_id: bytes,
        chain_status: int,
    ) -> tuple[RequestContext | None, bytearray | None, Session | None, bool]:
        command = header.command
        granted = self._charge_credits(header)
        self.requests_handled += 1

        if not self.negotiated and command != _NEGOTIATE:
            # MS-SMB2 3.3.5.2: nothing but NEGOTIATE before a dialect is chosen.
            raise ProtocolViolation(f"command 0x{command:04x} before NEGOTIATE")

        if encrypted_for is not None and header.session_id != encrypted_for.session_id:
            # MS-SMB2 3.3.5.2.1.1, 3.3.5.2.9: a message decrypted with one session's key that names
            # another session (SESSION_SETUP included, which never reaches _session_for).
            raise ProtocolViolation("encrypted message names another session")
        ctx = RequestContext(header, raw, encrypted_for is not None, chain_file_id)
        must_sign = False
        try:
            if header.flags & RELATED_OPERATIONS:
                if first:
                    raise SmbStatusError(NtStatus.INVALID_PARAMETER, "first request of a compound is marked related")
                if chain_status not in (_SUCCESS, _MORE_PROCESSING_REQUIRED) and chain_file_id == _FILE_ID_UNSET:
                    # MS-SMB2 3.3.5.2.7.2: a failed CREATE fails the related requests that follow.
                    raise SmbStatusError(chain_status, "previous related request failed")
            spec = COMMANDS.get(command)
            if spec is None:
                raise SmbStatusError(NtStatus.INVALID_PARAMETER, f"unknown command 0x{command:04x}")
            body_length = len(raw) - HEADER_SIZE
            if body_length < 2 or raw[HEADER_SIZE] | raw[HEADER_SIZE + 1] << 8 != spec.structure_size:
                raise SmbStatusError(NtStatus.INVALID_PARAMETER, "wrong StructureSize")
            if body_length < spec.structure_size & ~1:
                raise SmbStatusError(NtStatus.INVALID_PARAMETER, "body shorter than its fixed part")
            session: Session | None = None
            if spec.needs_session:
                session = self._session_for(header, raw, encrypted_for, command)
                ctx.session = session
                must_sign = session.crypto is not None and (header.is_signed or session.signing_required)
            if spec.needs_tree:
                assert session is not None
                tree = session.tree_connects.get(header.tree_id)
                if tree is None:
                    raise SmbStatusError(NtStatus.NETWORK_NAME_DELETED, "unknown TreeId")
                if tree.encrypt_data and encrypted_for is None and self.dialect >= _SMB_3_0:
                    raise SmbStatusError(NtStatus.ACCESS_DENIED, "share requires encryption")
                ctx.tree = tree
            if self.faults is not None:  # fault injection (smbemu.faults): may raise the injected status
                self.faults.before_smb_request(self, ctx)
            body = spec.handler(self, ctx)
        except SmbStatusError as exc:
            ctx.status = exc.status
            body = ERROR_BODY
            log.debug("request 0x%04x mid %d -> 0x%08x (%s)", command, header.message_id, exc.status, exc)
        except ProtocolViolation:
            raise
        except Exception:
            # Malformed bodies the decoders did not anticipate end here, as Windows answers them.
            log.debug("request 0x%04x from %s:%d raised", command, *self.peer, exc_info=True)
            ctx.status = NtStatus.INVALID_PARAMETER
            body = ERROR_BODY
        if body is None:
            return ctx, None, None, False  # e.g. CANCEL: no response at all
        if ctx.force_sign:
            must_sign = True
        if ctx.status == _PENDING:
            must_sign = False  # interim responses are not signed (MS-SMB2 3.3.4.2)
        sign_session = ctx.session or self.sessions.get(ctx.response_session_id)
        message = bytearray(
            build_response_header(
                command=command,
                status=ctx.status,
                message_id=header.message_id,
                credits=granted,
                credit_charge=header.credit_charge,
                session_id=ctx.response_session_id,
                tree_id=ctx.response_tree_id,
                async_id=ctx.async_id if ctx.async_id is not None else (
                    header.async_id if header.flags & ASYNC_COMMAND else None
                ),
                flags=header.flags & ECHOED_FLAGS,
            )
        )
        message += body
        if ctx.status != _SUCCESS and ctx.session is None:
            must_sign = False
        if self.dialect == _SMB_3_1_1:
            self._after_response(command, ctx, raw, message)
        return ctx, message, sign_session, must_sign

    def _after_response(self, command: int, ctx: RequestContext, raw: memoryview, message: bytearray) -> None:
        """Preauth integrity bookkeeping on 3.1.1 (MS-SMB2 3.3.5.4, 3.3.5.5): hash what went over the wire."""
        if command == _NEGOTIATE and ctx.status == _SUCCESS:
            self.preauth_hash = hashlib.sha512(
                hashlib.sha512(bytes(64) + raw).digest() + message
            ).digest()
        elif command == _SESSION_SETUP and ctx.status == _MORE_PROCESSING_REQUIRED:
            session = self.sessions.get(ctx.response_session_id)
            if session is not None and session.state is _IN_PROGRESS:
                session.preauth_hash = hashlib.sha512(session.preauth_hash + message).digest()

    def _session_for(
        self, header: RequestHeader, raw: memoryview, encrypted_for: Session | None, command: int
    ) -> Session:
        """MS-SMB2 3.3.5.2.9: find the session and apply signing and encryption rules."""
        session = self.sessions.get(header.session_id)
        if session is None:
            raise SmbStatusError(NtStatus.USER_SESSION_DELETED, "unknown SessionId")
        if encrypted_for is not None and encrypted_for is not session:
            raise ProtocolViolation("encrypted message names another session")
        state = session.state
        if state is _EXPIRED:
            raise SmbStatusError(NtStatus.NETWORK_SESSION_EXPIRED)
        if state is _IN_PROGRESS and command != _SESSION_SETUP:
            raise SmbStatusError(NtStatus.USER_SESSION_DELETED, "session setup not finished")
        if encrypted_for is None:
            if session.encrypt_data and command != _SESSION_SETUP:
                # MS-SMB2 3.3.5.2.9: RejectUnencryptedAccess with Session.EncryptData.
                raise SmbStatusError(NtStatus.ACCESS_DENIED, "session requires encryption")
            crypto = session.crypto
            if crypto is not None and state is _VALID:
                if header.is_signed:
                    if not crypto.verify(raw):
                        # MS-SMB2 3.3.5.2.4: a bad signature is refused.
                        log.warning("bad signature from %s:%d on session 0x%x", *self.peer, session.session_id)
                        raise SmbStatusError(NtStatus.ACCESS_DENIED, "bad signature")
                elif session.signing_required and command != _CANCEL:
                    raise SmbStatusError(NtStatus.ACCESS_DENIED, "unsigned request on a session that requires signing")
        return session

    # ------------------------------------------------------------------ credits
    def _charge_credits(self, header: RequestHeader) -> int:
        """MS-SMB2 3.3.5.2.3 (verify the sequence number) and 3.3.1.2 (grant credits).

        Returns the number of credits to grant in the response.
        """
        if header.command == _CANCEL:
            return 0  # CANCEL consumes no message id and is not answered
        charge = header.credit_charge
        if charge <= 1 or self.dialect in (0, _SMB_2_0_2):
            charge = 1
        first = header.message_id
        last = first + charge
        low, high = self.window_low, self.window_high
        if first < low or last > high:
            raise ProtocolViolation(f"message id {first} (charge {charge}) outside the credit window [{low}, {high})")
        used = self._used_ahead
        if used:
            for mid in range(first, last):
                if mid in used:
                    raise ProtocolViolation(f"message id {mid} reused")
        if first == low:
            low = last
            if used:
                while low in used:
                    used.discard(low)
                    low += 1
            self.window_low = low
        else:
            used.update(range(first, last))
        requested = header.credit_request or 1
        room = self._max_credits - (high - low)
        grant = requested if requested < room else (room if room > 0 else 0)
        self.window_high = high + grant
        return grant

    # ------------------------------------------------------------------ pending pipe reads
    def pend_read(self, ctx: RequestContext, open_: Any, length: int) -> None:
        """Park a pipe READ until the endpoint has output; the caller sends the interim response."""
        if len(self._pending_reads) >= self.config.limits.max_outstanding_requests:
            raise SmbStatusError(NtStatus.INSUFFICIENT_RESOURCES, "too many pending requests on the connection")
        async_id = self._next_async_id
        self._next_async_id += 1
        ctx.async_id = async_id
        ctx.status = NtStatus.PENDING
        assert ctx.session is not None
        self._pending_reads[async_id] = PendingRead(
            async_id=async_id,
            message_id=ctx.header.message_id,
            session=ctx.session,
            open=open_,
            length=length,
            encrypted=ctx.encrypted,
            signed=ctx.header.is_signed,
        )

    def complete_pending_reads(self, open_: Any) -> None:
        """Answer READs parked on `open_` now that its endpoint may have output."""
        for pending in [p for p in self._pending_reads.values() if p.open is open_]:
            endpoint = open_.endpoint
            if endpoint is None or not endpoint.has_output():
                return
            data, more = endpoint.read(pending.length)
            status = NtStatus.BUFFER_OVERFLOW if more else NtStatus.SUCCESS
            self._complete(pending, status, response_body(data))

    def fail_pending_reads(self, open_: Any, status: int) -> None:
        for pending in [p for p in self._pending_reads.values() if p.open is open_]:
            self._complete(pending, status, ERROR_BODY)

    def cancel_pending(self, header: RequestHeader) -> None:
        """MS-SMB2 3.3.5.16: CANCEL names the request by AsyncId (or MessageId if still sync)."""
        for pending in list(self._pending_reads.values()):
            if (header.is_async and pending.async_id == header.async_id) or (
                not header.is_async and pending.message_id == header.message_id
            ):
                self._complete(pending, NtStatus.CANCELLED, ERROR_BODY)

    def _complete(self, pending: PendingRead, status: int, body: bytes) -> None:
        del self._pending_reads[pending.async_id]
        session = pending.session
        message = bytearray(
            build_response_header(
                command=Command.READ,
                status=status,
                message_id=pending.message_id,
                credits=0,
                credit_charge=1,
                session_id=session.session_id,
                async_id=pending.async_id,
            )
        )
        message += body
        if pending.encrypted and session.crypto is not None:
            frame = bytes(session.crypto.encrypt(session.session_id, bytes(message)))
        else:
            if session.crypto is not None and (pending.signed or session.signing_required):
                session.crypto.sign(message)
            frame = bytes(message)
        if self.tap is not None:
            self.tap(False, bytes(message))
        self._deferred.append(_LEN.pack(len(frame)) + frame)


@dataclass(slots=True, eq=False)
class PendingRead:
    async_id: int
    message_id: int
    session: Session
    open: Any
    length: int
    encrypted: bool
    signed: bool
