"""The SMB2 engine: what happens to an SMB2 message once the core has framed it.

    transform header? decrypt (MS-SMB2 3.3.5.2.1) -> header -> credits (3.3.5.2.3)
    -> session / signature / encryption checks (3.3.5.2.4, .9) -> tree (3.3.5.2.11)
    -> COMMANDS[command].handler -> response -> sign / encrypt (3.3.4.1)

It is the MS-SMB2 3.3.1.7 Connection's SMB2 state (dialect, credits, sessions) on top of a
protocol-neutral `smbemu.core.ConnectionCore`, which frames the bytes, keeps the deadlines and
hands it the messages whose protocol id it claims (0xFE 'SMB', 0xFD 'SMB'; an SMB1 NEGOTIATE that
offers SMB2 is answered here too, by the multi-protocol NEGOTIATE of 3.3.5.3.1).

A request that is wrong gets an SMB2 ERROR response with an NTSTATUS; a stream that cannot be
parsed any more (a header that is not SMB2, a message id outside the credit window) raises
ProtocolViolation, and the core closes the connection. Commands see this object through
`smbemu.smb2.context.ConnectionView`.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Any

from smbemu import events
from smbemu.crypto import DecryptError, parse_transform_session_id
from smbemu.dialects import Dialect
from smbemu.errors import ProtocolViolation, SmbStatusError
from smbemu.pipeio import PendingRead, PipeReads
from smbemu.smb2.close import close_all_opens
from smbemu.smb2.constants import HEADER_SIZE, SMB2_MAGIC, Command
from smbemu.smb2.context import FILE_ID_UNSET, AsyncRequest, RequestContext
from smbemu.smb2.dispatch import COMMANDS
from smbemu.smb2.fault_hooks import before_request as before_fault_rules
from smbemu.smb2.file_ids import FileIdAllocator
from smbemu.smb2.header import (
    ASYNC_COMMAND,
    ECHOED_FLAGS,
    RELATED_OPERATIONS,
    RequestHeader,
    build_response_header,
    parse_request_header,
    set_next_command,
)
from smbemu.smb2.layouts.files import read_response
from smbemu.smb2.layouts.session import ERROR_BODY
from smbemu.smb2.negotiate import handle_smb1_negotiate
from smbemu.state import Session, SessionState
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.core import ConnectionCore

log = logging.getLogger("smbemu.connection")

_FILE_ID_UNSET = FILE_ID_UNSET
# Enum members as plain values for the per-message path: reading an enum member off its class
# costs ~0.15 µs, and a request used to read a dozen of them.
_NEGOTIATE = int(Command.NEGOTIATE)
_SESSION_SETUP = int(Command.SESSION_SETUP)
_CANCEL = int(Command.CANCEL)
_READ = int(Command.READ)
# MS-SMB2 3.3.5.2.5: where the payload sizes of the requests that carry or ask for large buffers
# on IPC$ are (body offsets of 32-bit fields): what is sent, and what the answer may carry.
# READ Length (2.2.19); WRITE Length (2.2.21); IOCTL InputCount + OutputCount, MaxInputResponse +
# MaxOutputResponse (2.2.31).
_PAYLOAD_FIELDS: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {
    _READ: ((), (4,)),
    int(Command.WRITE): ((4,), ()),
    int(Command.IOCTL): ((28, 40), (32, 44)),
}
_CREDIT_SIZE = 65536
_SUCCESS = int(NtStatus.SUCCESS)
_PENDING = int(NtStatus.PENDING)
_MORE_PROCESSING_REQUIRED = int(NtStatus.MORE_PROCESSING_REQUIRED)
_SMB_2_0_2 = int(Dialect.SMB_2_0_2)
_SMB_3_0 = int(Dialect.SMB_3_0)
_SMB_3_1_1 = int(Dialect.SMB_3_1_1)
_VALID = SessionState.VALID
_IN_PROGRESS = SessionState.IN_PROGRESS
_EXPIRED = SessionState.EXPIRED


def _check_credit_charge(header: RequestHeader, raw: memoryview, fields: tuple[tuple[int, ...], tuple[int, ...]]) -> None:
    """MS-SMB2 3.3.5.2.5 (Connection.SupportsMultiCredit, every dialect after 2.0.2): a request
    whose payload, sent or expected back, exceeds 64 KiB must be charged one credit per 64 KiB,
    (max(SendPayloadSize, ExpectedResponsePayloadSize) - 1) / 65536 + 1; one charged less fails
    with STATUS_INVALID_PARAMETER (an 8 MiB WRITE with CreditCharge 1 was accepted, issue 14)."""
    sent_fields, answer_fields = fields
    sent = sum(int.from_bytes(raw[HEADER_SIZE + at : HEADER_SIZE + at + 4], "little") for at in sent_fields)
    answer = sum(int.from_bytes(raw[HEADER_SIZE + at : HEADER_SIZE + at + 4], "little") for at in answer_fields)
    payload = max(sent, answer)
    if payload <= _CREDIT_SIZE:
        return
    needed = (payload - 1) // _CREDIT_SIZE + 1
    if header.credit_charge < needed:
        raise SmbStatusError(
            NtStatus.INVALID_PARAMETER, f"CreditCharge {header.credit_charge} for a {payload}-byte payload (needs {needed})"
        )


class Smb2Engine:
    """MS-SMB2 3.3.1.7 Connection: the SMB2 state of one connection, and its message path."""

    def __init__(
        self, config: ServerConfig, core: ConnectionCore, local: tuple[str, int] = ("127.0.0.1", 0)
    ) -> None:
        self.config = config
        self.core = core
        self.peer = core.peer
        # The address the client connected to (several hosts may share one process).
        self.local = local
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
        # Pipe READs waiting for data (MS-SMB2 3.3.4.2): kept by the IPC layer, answered here.
        self.pipe_reads: PipeReads[AsyncRequest] = PipeReads(self._answer_read)
        self.file_ids = FileIdAllocator(config.profile.identity.smb2.file_id_layout)
        self._next_async_id = 1
        # Fault injection (smbemu.faults), or None: asked before each request's handler.
        self.faults: Any = config.faults

    # The core owns the stream's fate.
    @property
    def closed(self) -> bool:
        return self.core.closed

    @closed.setter
    def closed(self, value: bool) -> None:
        self.core.closed = value

    @property
    def close_reason(self) -> str:
        return self.core.close_reason

    @close_reason.setter
    def close_reason(self, value: str) -> None:
        self.core.close_reason = value

    def has_valid_session(self) -> bool:
        for session in self.sessions.values():
            if session.state is _VALID:
                return True
        return False

    def connection_lost(self) -> None:
        """The transport is gone: forget this connection's sessions (MS-SMB2 3.3.7.1)."""
        self.pipe_reads.clear()
        for session in list(self.sessions.values()):
            self.drop_session(session)

    def drop_session(self, session: Session) -> None:
        # READs parked on the session's pipes go with it: the client has logged off.
        self.pipe_reads.forget(lambda pending: pending.request.session is session)
        close_all_opens(session)
        self.sessions.pop(session.session_id, None)
        self.config.sessions.pop(session.session_id, None)
        observers = self.config.observers
        if observers and session.state is _VALID:
            observers.emit(events.LoggedOff(session=session, peer=self.peer))

    # ------------------------------------------------------------------ messages from the core
    def process_smb1_negotiate(self, dialect: int) -> bytes:
        """The SMB2 answer to an SMB1 multi-protocol NEGOTIATE that offered `dialect` (3.3.5.3.1);
        the connection has checked the message and chosen the dialect."""
        if self.negotiated:
            raise ProtocolViolation("SMB1 message after SMB2 negotiation")
        return handle_smb1_negotiate(self, dialect)

    def process_transform(self, frame: memoryview) -> bytes:
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
        tap = self.core.tap
        if tap is not None:
            tap(True, bytes(plaintext))
        response = self.process_compound(inner, session)
        if response is None:
            return b""
        if tap is not None:
            tap(False, response)
        return bytes(session.crypto.encrypt(session_id, response))

    def process_compound(self, frame: memoryview, encrypted_for: Session | None = None) -> bytes | None:
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
                set_next_command(message, len(message))
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
        looked_up = False
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
            if command in _PAYLOAD_FIELDS and self.dialect > _SMB_2_0_2:
                _check_credit_charge(header, raw, _PAYLOAD_FIELDS[command])
            looked_up = True  # errors from here on come from the command or its session lookup
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
                before_fault_rules(self.faults, self, ctx)
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
        if command <= _SESSION_SETUP:
            granted = self._fixed_grant(command, ctx.status, granted)
        if ctx.force_sign:
            must_sign = True
        if ctx.status == _PENDING:
            must_sign = False  # interim responses are not signed (MS-SMB2 3.3.4.2)
        sign_session = ctx.session or self.sessions.get(ctx.response_session_id)
        if not looked_up and ctx.status != _SUCCESS and encrypted_for is None:
            must_sign = self._signs_early_error(sign_session, header, raw)
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
        if ctx.status != _SUCCESS and ctx.session is None and looked_up:
            must_sign = False
        if self.dialect == _SMB_3_1_1:
            self._after_response(command, ctx, raw, message)
        return ctx, message, sign_session, must_sign

    @staticmethod
    def _signs_early_error(session: Session | None, header: RequestHeader, raw: memoryview) -> bool:
        """An error found before the session was looked up (first request marked related, wrong
        StructureSize, unknown command, short body, bad CreditCharge) is signed as any response
        of a known session is (MS-SMB2 3.3.4.1.1: the request was signed, or the session requires
        signing, and the response carries its nonzero SessionId), so that a client on a
        signing-required session reads the status rather than a signature failure (issue 15,
        bug 5). A signed request must carry a good signature for its answer to be signed."""
        if session is None or session.state is not _VALID or session.crypto is None:
            return False
        if header.is_signed:
            return bool(session.crypto.verify(raw))
        return session.signing_required

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
        if session.ended_by_server:  # srvsvc NetrSessionDel (MS-SRVS 3.1.4.6)
            self.drop_session(session)
            raise SmbStatusError(NtStatus.USER_SESSION_DELETED, "session deleted by an administrator")
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

    def _fixed_grant(self, command: int, status: int, granted: int) -> int:
        """Windows grants a fixed number of credits on the NEGOTIATE response and on the
        SESSION_SETUP response carrying the NTLM CHALLENGE, whatever the request asked (profile
        ``identity.smb2.negotiate_credits`` / ``challenge_credits``, each cited there; 0 = as asked).
        MS-SMB2 3.3.1.2 allows it: the server "MAY grant any number of credits up to that which the
        client requests" and at least 1 on NEGOTIATE."""
        identity = self.config.profile.identity.smb2
        if command == _NEGOTIATE:
            fixed = identity.negotiate_credits
        elif status == _MORE_PROCESSING_REQUIRED:
            fixed = identity.challenge_credits
        else:
            return granted
        if not fixed or fixed >= granted:
            return granted  # never more than the request and the --max-credits room allowed
        self.window_high -= granted - fixed
        return fixed

    # ------------------------------------------------------------------ asynchronous requests
    def go_async(self, ctx: RequestContext) -> AsyncRequest:
        """MS-SMB2 3.3.4.2: answer `ctx` now with an interim STATUS_PENDING and an AsyncId; the
        final response follows (here: a pipe READ, answered by `_answer_read`)."""
        if len(self.pipe_reads) >= self.config.limits.max_outstanding_requests:
            raise SmbStatusError(NtStatus.INSUFFICIENT_RESOURCES, "too many pending requests on the connection")
        session = ctx.session
        assert session is not None
        async_id = self._next_async_id
        self._next_async_id += 1
        ctx.async_id = async_id
        ctx.status = _PENDING
        return AsyncRequest(async_id, ctx.header.message_id, session, ctx.encrypted, ctx.header.is_signed)

    def _answer_read(self, pending: PendingRead[AsyncRequest], status: int, data: bytes | None) -> None:
        """The final response of a READ that went async, signed or encrypted as its request was."""
        request = pending.request
        session = request.session
        message = bytearray(
            build_response_header(
                command=_READ,
                status=status,
                message_id=request.message_id,
                credits=0,
                credit_charge=1,
                session_id=session.session_id,
                async_id=request.async_id,
            )
        )
        message += read_response(data) if data is not None else ERROR_BODY
        if request.encrypted and session.crypto is not None:
            frame = bytes(session.crypto.encrypt(session.session_id, bytes(message)))
        else:
            if session.crypto is not None and (request.signed or session.signing_required):
                session.crypto.sign(message)
            frame = bytes(message)
        tap = self.core.tap
        if tap is not None:
            tap(False, bytes(message))
        # A read ended without data (its pipe closed, its tree or session gone, cancelled) is
        # answered before the response of the request that ended it, as Windows completes the
        # read while closing (MS-SMB2 3.3.5.6, 3.3.5.8, 3.3.5.10); after a LOGOFF response the
        # client could no longer verify or decrypt it. Data follows the WRITE that produced it.
        self.core.send(frame, ahead=data is None)
