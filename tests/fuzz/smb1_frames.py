"""SMB1 (NT LM 0.12) in the fuzz harness: what a well-formed response is, the ids a replay
rewrites, and the fields a mutation aims at. The offsets are MS-CIFS 2.2's, read here byte by
byte on purpose: the checks must not share the server's own parser.

A response is well formed when (MS-CIFS 2.2.3):
- its header is 32 bytes of 0xFF 'SMB' with SMB_FLAGS_REPLY set, answering a MID the client sent
  (and naming that request's command);
- its status is in the form the request's FLAGS2_NT_STATUS asked for (2.2.3.1): the NT form with
  FLAGS2_NT_STATUS set in the response, or the DOS form (ErrorClass, a zero reserved byte,
  ErrorCode; class SUCCESS only with code 0) without it;
- every block of its AndX chain has a WordCount and a ByteCount that fit the message, each
  AndXOffset points forward inside it (2.2.3.4), and the chain ends with AndXCommand 0xFF;
- an error (severity error, MORE_PROCESSING_REQUIRED aside; in the DOS form any class but
  ERRDOS/ERRmoredata) ends the chain with an empty block, WordCount 0 and ByteCount 0;
- the buffers its words locate lie inside the message: READ_ANDX's data (2.2.4.42.2), a
  TRANSACTION response's parameters and data within their totals (2.2.4.33.2);
- DCE/RPC answers it carries back (READ_ANDX data, TransactNmPipe data) are whole PDUs.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

SMB1_MAGIC = b"\xffSMB"
# Commands in a replay's signature (harness.signature) carry this bit so that they cannot be
# taken for SMB2 ones (SMB1 CLOSE is 0x04, SMB2 TREE_DISCONNECT too).
SMB1 = 0x1000

NEGOTIATE, SESSION_SETUP_ANDX, LOGOFF_ANDX, TREE_CONNECT_ANDX, TREE_DISCONNECT = 0x72, 0x73, 0x74, 0x75, 0x71
NT_CREATE_ANDX, OPEN_ANDX, READ_ANDX, WRITE_ANDX, CLOSE = 0xA2, 0x2D, 0x2E, 0x2F, 0x04
TRANSACTION, TRANSACTION_SECONDARY, ECHO, NT_CANCEL = 0x25, 0x26, 0x2B, 0xA4
# MS-CIFS 2.2.3.4: the commands whose words start with the AndX block. The full list of
# MS-CIFS 2.2.2.1 (LOCKING_ANDX 0x24, READ/WRITE/OPEN/SESSION/LOGOFF/TREE/NT_CREATE), not the
# server's table: a response may only chain what the protocol allows.
ANDX_COMMANDS = frozenset({0x24, OPEN_ANDX, READ_ANDX, WRITE_ANDX, SESSION_SETUP_ANDX, LOGOFF_ANDX,
                           TREE_CONNECT_ANDX, NT_CREATE_ANDX})
NO_ANDX = 0xFF
# MS-CIFS 3.3.5.58 / 3.3.5.59: a secondary transaction request is answered (once the transaction
# is whole) by a response carrying the primary's command; an error about the secondary itself
# carries its own command (the header echoes the request's, MS-CIFS 2.2.3.1).
ANSWERED_AS = {TRANSACTION_SECONDARY: TRANSACTION, 0x33: 0x32, 0xA1: 0xA0}
MAY_WAIT = (READ_ANDX, TRANSACTION)  # requests the server may answer after later ones
FLAGS_REPLY = 0x80
FLAGS2_NT_STATUS = 0x4000
STATUS_MORE_PROCESSING_REQUIRED = 0xC0000016
STATUS_BUFFER_OVERFLOW = 0x80000005
DOS_CLASSES = (0x00, 0x01, 0x02, 0x03, 0x04, 0xFF)  # MS-CIFS 2.2.2.4: SUCCESS, ERRDOS, ERRSRV, ERRHRD, ERRXOS, ERRCMD
ERRDOS, ERR_MORE_DATA = 0x01, 234
TRANSACT_NMPIPE = 0x0026  # MS-CIFS 2.2.5.5

# Header fields a mutation aims at: (offset, size) of Command, Status, Flags, Flags2, PIDHigh,
# SecuritySignature, TID, PIDLow, UID, MID (MS-CIFS 2.2.3.1).
HEADER_FIELDS = ((4, 1), (5, 4), (9, 1), (10, 2), (12, 2), (14, 8), (24, 2), (26, 2), (28, 2), (30, 2))


class Malformed(AssertionError):
    pass


@dataclass(frozen=True)
class Sent:
    """What the server was sent under one MID: the command and whether it asked for NT status."""

    command: int
    nt_status: bool
    rpc: bool  # a request whose answer is DCE/RPC (TransactNmPipe, READ_ANDX on a pipe)


def is_smb1(payload: bytes) -> bool:
    return payload[:4] == SMB1_MAGIC


def _u16(data: bytes, offset: int) -> int:
    value: int = struct.unpack_from("<H", data, offset)[0]
    return value


def blocks(message: bytes) -> list[tuple[int, int, int, int, int]]:
    """(command, words start, words end, data start, data end) of each command in a request
    message, following its AndX chain while it stays in bounds (a mutated chain stops early)."""
    out: list[tuple[int, int, int, int, int]] = []
    if len(message) < 35:
        return out
    command, position = message[4], 32
    for _ in range(16):
        if position + 3 > len(message):
            break
        words_end = position + 1 + 2 * message[position]
        if words_end + 2 > len(message):
            break
        data_end = words_end + 2 + _u16(message, words_end)
        out.append((command, position + 1, words_end, words_end + 2, min(data_end, len(message))))
        if command not in ANDX_COMMANDS or words_end - position < 5 or message[position + 1] == NO_ANDX:
            break
        following, offset = message[position + 1], _u16(message, position + 3)
        if offset <= position or offset >= len(message):
            break
        command, position = following, offset
    return out


def sent_request(message: bytes) -> tuple[int, Sent] | None:
    """The MID and what was asked, of one request message the server receives."""
    if len(message) < 32 or not is_smb1(message):
        return None
    command, flags2, mid = message[4], _u16(message, 10), _u16(message, 30)
    rpc = False
    for block_command, words, words_end, _data, _end in blocks(message):
        if block_command == READ_ANDX:
            rpc = True
        elif block_command == TRANSACTION and words_end - words >= 30:
            rpc = _u16(message, words + 28) == TRANSACT_NMPIPE
    return mid, Sent(command, bool(flags2 & FLAGS2_NT_STATUS), rpc)


def _is_error(status: int, nt_status: bool) -> bool:
    if nt_status:
        return status >> 30 == 3 and status != STATUS_MORE_PROCESSING_REQUIRED
    error_class, code = status & 0xFF, status >> 16
    return error_class != 0 and not (error_class == ERRDOS and code == ERR_MORE_DATA)


def check_response(payload: bytes, sent: dict[int, list[Sent]]) -> tuple[int, int, int, list[bytes]]:
    """Assert one SMB1 response message is well formed (module docstring); returns its
    (command, status, MID, [DCE/RPC data it carries whole]). `sent`: the requests by MID (a
    client may use a MID again once its request is answered)."""
    if len(payload) < 35:
        raise Malformed(f"SMB1 response of {len(payload)} bytes")
    command, status, flags, flags2 = payload[4], struct.unpack_from("<I", payload, 5)[0], payload[9], _u16(payload, 10)
    mid = _u16(payload, 30)
    if not flags & FLAGS_REPLY:
        raise Malformed("SMB1 response without SMB_FLAGS_REPLY")
    requests = sent.get(mid)
    if not requests:
        raise Malformed(f"SMB1 response to MID {mid}, which was never sent")
    nt_form = bool(flags2 & FLAGS2_NT_STATUS)
    # The answer is to the latest request with this MID, or to an earlier one that waited (a pipe
    # read or transaction answered once data came). A client may give every request the same MID
    # (impacket does): any request that waited, with this command, can be the one answered.
    latest = requests[-1]
    candidates = [latest] if command in (latest.command, ANSWERED_AS.get(latest.command)) else []
    candidates += [r for r in reversed(requests[:-1]) if r.command == command and command in MAY_WAIT]
    if not candidates:
        raise Malformed(f"SMB1 response command 0x{command:02x} to a 0x{latest.command:02x} request (MID {mid})")
    request = next((r for r in candidates if r.nt_status == nt_form), None)
    if request is None:
        raise Malformed(f"status form {'NT' if nt_form else 'DOS'} where the request asked the other (MID {mid})")
    if not nt_form:
        error_class, reserved, code = status & 0xFF, (status >> 8) & 0xFF, status >> 16
        if error_class not in DOS_CLASSES or reserved or (error_class == 0 and code):
            raise Malformed(f"DOS status 0x{status:08x} is not ErrorClass / reserved 0 / ErrorCode")
    position, block_command, carried = 32, command, []
    error = _is_error(status, nt_form)
    for _ in range(16):
        word_count = payload[position]
        words_end = position + 1 + 2 * word_count
        if words_end + 2 > len(payload):
            raise Malformed(f"WordCount {word_count} at {position} runs past the {len(payload)}-byte message")
        data_start = words_end + 2
        data_end = data_start + _u16(payload, words_end)
        if data_end > len(payload):
            raise Malformed(f"ByteCount at {words_end} runs past the message")
        words = payload[position + 1 : words_end]
        andx = block_command in ANDX_COMMANDS and word_count >= 2
        if andx and words[0] != NO_ANDX:
            following, offset = words[0], _u16(words, 2)
            if offset < data_end or offset + 3 > len(payload):
                raise Malformed(f"AndXOffset {offset} of the block at {position} is not after it in the message")
            position, block_command = offset, following
            continue
        if error and (word_count or data_end != data_start):
            raise Malformed(f"error 0x{status:08x} with WordCount {word_count} / ByteCount {data_end - data_start}")
        if not error:
            carried += _buffers(payload, block_command, words, status, request)
        return command, status, mid, carried
    raise Malformed("an AndX chain of more than 16 responses")


def _buffers(payload: bytes, command: int, words: bytes, status: int, request: Sent) -> list[bytes]:
    """Check the buffers a READ_ANDX or TRANSACTION response's words locate; the DCE/RPC PDUs
    among them that are whole (not cut by BUFFER_OVERFLOW)."""
    out: list[bytes] = []
    if command == READ_ANDX and len(words) >= 24:
        length = _u16(words, 10) | _u16(words, 14) << 16
        offset = _u16(words, 12)
        if offset + length > len(payload):
            raise Malformed(f"READ_ANDX data {offset}+{length} outside the {len(payload)}-byte message")
        if length:
            out.append(payload[offset : offset + length])
    elif command == TRANSACTION and len(words) >= 20:
        total_parameters, total_data = _u16(words, 0), _u16(words, 2)
        parameter_count, parameter_offset, parameter_displacement = _u16(words, 6), _u16(words, 8), _u16(words, 10)
        data_count, data_offset, data_displacement = _u16(words, 12), _u16(words, 14), _u16(words, 16)
        if parameter_count and parameter_offset + parameter_count > len(payload):
            raise Malformed("TRANSACTION parameters outside the message")
        if data_count and data_offset + data_count > len(payload):
            raise Malformed("TRANSACTION data outside the message")
        if parameter_displacement + parameter_count > total_parameters or data_displacement + data_count > total_data:
            raise Malformed("TRANSACTION response counts beyond their totals")
        if data_count and not data_displacement and data_count == total_data:
            out.append(payload[data_offset : data_offset + data_count])
    if more_data(status):
        return []  # the rest of the message follows in later reads
    return out if request.rpc else []


def more_data(status: int) -> bool:
    """STATUS_BUFFER_OVERFLOW, or ERRDOS/ERRmoredata in the DOS form: a message-mode pipe message
    longer than the read; the rest comes with the next reads (MS-CIFS 3.3.5.35)."""
    return status == STATUS_BUFFER_OVERFLOW or (status & 0xFF == ERRDOS and status >> 16 == ERR_MORE_DATA)


class Ids:
    """Recorded UID / TID / FID -> the ones this server hands out, by order of appearance."""

    def __init__(self) -> None:
        self.recorded: dict[str, list[int]] = {"uid": [], "tid": [], "fid": []}
        self.live: dict[str, list[int]] = {"uid": [], "tid": [], "fid": []}

    def _map(self, kind: str, value: int) -> int:
        if value in (0, 0xFFFF):
            return value
        recorded = self.recorded[kind]
        if value not in recorded:
            recorded.append(value)
        index = recorded.index(value)
        live = self.live[kind]
        return live[index] if index < len(live) else value

    def _put(self, data: bytearray, at: int, kind: str) -> None:
        if at + 2 <= len(data):
            struct.pack_into("<H", data, at, self._map(kind, _u16(data, at)))

    def rewrite(self, frame: bytes) -> bytes:
        """The frame with its header's UID and TID and its commands' FIDs mapped."""
        if len(frame) < 4 + 35 or not is_smb1(frame[4:]):
            return frame
        data = bytearray(frame)
        self._put(data, 4 + 24, "tid")
        self._put(data, 4 + 28, "uid")
        message = bytes(data[4:])
        for command, words, words_end, _data, _end in blocks(message):
            at = {CLOSE: 0, READ_ANDX: 4, WRITE_ANDX: 4, TRANSACTION: 30}.get(command)
            if at is not None and words + at + 2 <= words_end:
                self._put(data, 4 + words + at, "fid")
        return bytes(data)

    def learn(self, payload: bytes, status: int) -> None:
        """A response's new UID (SESSION_SETUP_ANDX), TID (TREE_CONNECT_ANDX) or FID (NT_CREATE_ANDX)."""
        command = payload[4]
        if command == SESSION_SETUP_ANDX and status in (0, STATUS_MORE_PROCESSING_REQUIRED):
            if _u16(payload, 28) not in self.live["uid"]:
                self.live["uid"].append(_u16(payload, 28))
        for block_command, words, words_end, _data, _end in blocks(payload):
            if block_command == TREE_CONNECT_ANDX and status == 0:
                self.live["tid"].append(_u16(payload, 24))
            elif block_command == NT_CREATE_ANDX and status == 0 and words_end - words >= 7:
                self.live["fid"].append(_u16(payload, words + 5))


# ---------------------------------------------------------------- mutations
def put(data: bytearray, at: int, size: int, value: int) -> None:
    if 0 <= at and at + size <= len(data):
        data[at : at + size] = (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")


def mutate_header(data: bytearray, value: int, interesting: tuple[int, ...]) -> None:
    offset, size = HEADER_FIELDS[value % len(HEADER_FIELDS)]
    put(data, 4 + offset, size, interesting[(value // 16) % len(interesting)] ^ (value >> 8))


def mutate_body(data: bytearray, pos: int, value: int, interesting: tuple[int, ...]) -> None:
    """One of a command's counts (WordCount, ByteCount, the AndX block) or a value in its words
    or data, set to an interesting number."""
    spans = blocks(bytes(data[4:]))
    if not spans:
        return
    _command, words, words_end, data_start, data_end = spans[pos % len(spans)]
    choice = value % 5
    number = interesting[(value >> 3) % len(interesting)]
    if choice == 0:
        put(data, 4 + words - 1, 1, number)  # WordCount
    elif choice == 1:
        put(data, 4 + words_end, 2, number)  # ByteCount
    elif choice == 2 and words_end - words >= 4:
        put(data, 4 + words + (value >> 8) % 2 * 2, 2, number)  # AndXCommand / AndXOffset
    elif choice == 3 and words_end > words:
        put(data, 4 + words + (value >> 8) % (words_end - words), (1, 2, 4)[value % 3], number)
    elif data_end > data_start:
        put(data, 4 + data_start + (value >> 8) % (data_end - data_start), (1, 2, 4)[value % 3], number)


def pipe_data_span(data: bytes) -> tuple[int, int] | None:
    """Where the pipe bytes of a WRITE_ANDX (DataLength / DataOffset, MS-CIFS 2.2.4.43.1) or a
    TRANSACTION (DataCount / DataOffset, 2.2.4.33.1) sit in a frame (absolute offsets)."""
    message = data[4:]
    for command, words, words_end, _data, _end in blocks(message):
        if command == WRITE_ANDX and words_end - words >= 24:
            length, offset = _u16(message, words + 18), _u16(message, words + 20)
        elif command == TRANSACTION and words_end - words >= 28:
            length, offset = _u16(message, words + 22), _u16(message, words + 24)
        else:
            continue
        if length and offset + length <= len(message):
            return 4 + offset, 4 + offset + length
    return None
