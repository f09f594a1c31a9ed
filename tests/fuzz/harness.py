"""Replay (mutated) recorded SMB2 and SMB1 conversations into a sans-I/O `Connection` and check what comes back.

Seeds (`seeds/*.hex`, written by `record_seeds.py`) are the request frames of one real client
connection, one Direct TCP frame per line. Session ids, tree ids and file ids in them are the
values of the recording run; `replay` rewrites them with the ones the fresh server hands out (by
order of appearance), so a replayed anonymous session gets as far as the real client did, and a
mutation lands deep in the conversation rather than at its first check. SMB1 conversations
(`smb1-*` seeds) get the same with UIDs, TIDs and FIDs, and their responses the SMB1 checks of
`smb1_frames` (header, status form, WordCount/ByteCount, AndX chain, buffers, DCE/RPC PDUs).
"""

from __future__ import annotations

import functools
import logging
import struct
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import smb1_frames
from smbemu import logon
from smbemu.config import ServerConfig
from smbemu.connection import Connection

SEEDS_DIR = Path(__file__).resolve().parent / "seeds"
HEADER = struct.Struct("<4sHHIHHIIQIIQ16s")
FSCTL_PIPE_TRANSCEIVE = 0x0011C017
# Body offset of the FileId per command (MS-SMB2 2.2): CLOSE, FLUSH, READ, WRITE, LOCK, IOCTL,
# QUERY_DIRECTORY, CHANGE_NOTIFY, QUERY_INFO, SET_INFO, OPLOCK_BREAK.
FILE_ID_OFFSET = {6: 8, 7: 8, 8: 16, 9: 16, 10: 8, 11: 8, 14: 8, 15: 8, 16: 24, 17: 16, 18: 8}
RPC_RESPONSE_TYPES = {2, 3, 12, 13, 15}  # response, fault, bind_ack, bind_nak, alter_context_resp


# The NTLM server challenge and the CHALLENGE message's timestamp (MS-NLMP 2.2.1.2,
# MsvAvTimestamp) while seeds are recorded and replayed: a recorded user logon (NTLMv2 response,
# MIC) then verifies again, so that the conversation goes on past its SESSION_SETUP. Seeds
# recorded before these were fixed (the SMB2 ones) fail their user logons, as they always did.
FIXED_CHALLENGE = bytes.fromhex("5345454443484c47")
FIXED_FILETIME = 133_800_000_000_000_000  # 2025-01-01 in FILETIME units


@contextmanager
def fixed_ntlm_challenge() -> Iterator[None]:
    """Every NTLM acceptor made meanwhile (smbemu.logon.new_acceptor) uses FIXED_CHALLENGE and
    FIXED_FILETIME."""
    original = logon.NtlmAcceptor
    logon.NtlmAcceptor = functools.partial(  # type: ignore[misc]
        original, challenge=FIXED_CHALLENGE, filetime=lambda: FIXED_FILETIME)
    try:
        yield
    finally:
        logon.NtlmAcceptor = original  # type: ignore[misc]


def load_seed(path: Path) -> list[bytes]:
    return [bytes.fromhex(line) for line in path.read_text().splitlines() if line and not line.startswith("#")]


def load_seeds() -> dict[str, list[bytes]]:
    return {path.stem: load_seed(path) for path in sorted(SEEDS_DIR.glob("*.hex"))}


def messages(payload: bytes) -> list[tuple[int, int]]:
    """(offset, end) of each SMB2 message in a compound payload; stops at the first bad link."""
    out = []
    offset = 0
    while offset + 64 <= len(payload) and payload[offset : offset + 4] == b"\xfeSMB":
        next_command = struct.unpack_from("<I", payload, offset + 20)[0]
        end = offset + next_command if next_command and offset + next_command <= len(payload) else len(payload)
        out.append((offset, end))
        if end == len(payload) or next_command == 0:
            break
        offset = end
    return out


def pipe_payloads(frames: Sequence[bytes]) -> list[bytes]:
    """The DCE/RPC bytes written to pipes (WRITE data, IOCTL transceive input) in request frames."""
    out = []
    for frame in frames:
        payload = frame[4:]
        for start, end in messages(payload):
            msg = payload[start:end]
            command = struct.unpack_from("<H", msg, 12)[0]
            body = msg[64:]
            if command == 9 and len(body) >= 16:  # WRITE: DataOffset u16 at 2, Length u32 at 4
                data_offset, length = struct.unpack_from("<HI", body, 2)
                data = msg[data_offset : data_offset + length]
            elif command == 11 and len(body) >= 56 and struct.unpack_from("<I", body, 4)[0] == FSCTL_PIPE_TRANSCEIVE:
                data_offset, length = struct.unpack_from("<II", body, 24)
                data = msg[data_offset : data_offset + length]
            else:
                continue
            if len(data) >= 16 and data[0] == 5:
                out.append(bytes(data))
    return out


Malformed = smb1_frames.Malformed


@dataclass
class Replay:
    """What one replay produced: response messages as (command, status, message_id, body)."""

    responses: list[tuple[int, int, int, bytes]] = field(default_factory=list)
    closed: bool = False
    frames_in: int = 0
    # SMB1 requests the server was sent, by MID (what their responses must match).
    smb1_sent: dict[int, list[smb1_frames.Sent]] = field(default_factory=dict)
    smb1_more: bool = False  # the last pipe answer was cut short (BUFFER_OVERFLOW)


class _Ids:
    """Map recorded session/tree/file ids to the ones this server hands out, by first appearance."""

    def __init__(self) -> None:
        self.recorded: dict[str, list[bytes]] = {"session": [], "tree": [], "file": []}
        self.live: dict[str, list[bytes]] = {"session": [], "tree": [], "file": []}
        self.smb1 = smb1_frames.Ids()

    def _map(self, kind: str, value: bytes) -> bytes:
        if value.strip(b"\x00") == b"" or value.strip(b"\xff") == b"":
            return value
        recorded = self.recorded[kind]
        if value not in recorded:
            recorded.append(value)
        index = recorded.index(value)
        live = self.live[kind]
        return live[index] if index < len(live) else value

    def rewrite(self, frame: bytes) -> bytes:
        if smb1_frames.is_smb1(frame[4:8]):
            return self.smb1.rewrite(frame)
        if len(frame) < 4 + 64 or frame[4:8] != b"\xfeSMB":
            return frame
        data = bytearray(frame)
        payload = memoryview(data)[4:]
        for start, end in messages(bytes(payload)):
            payload[start + 40 : start + 48] = self._map("session", bytes(payload[start + 40 : start + 48]))
            flags = struct.unpack_from("<I", payload, start + 16)[0]
            if not flags & 2:  # sync header: TreeId at 36
                payload[start + 36 : start + 40] = self._map("tree", bytes(payload[start + 36 : start + 40]))
            command = struct.unpack_from("<H", payload, start + 12)[0]
            offset = FILE_ID_OFFSET.get(command)
            if offset is not None and start + 64 + offset + 16 <= end:
                at = start + 64 + offset
                payload[at : at + 16] = self._map("file", bytes(payload[at : at + 16]))
        return bytes(data)

    def learn(self, command: int, status: int, header: bytes, body: bytes) -> None:
        if command & smb1_frames.SMB1:
            self.smb1.learn(header, status)
        elif command == 1 and status in (0, 0xC0000016):
            value = header[40:48]
            if value not in self.live["session"]:
                self.live["session"].append(value)
        elif command == 3 and status == 0:
            self.live["tree"].append(header[36:40])
        elif command == 5 and status == 0 and len(body) >= 80:
            self.live["file"].append(body[64:80])


def check_rpc(data: bytes) -> None:
    if len(data) < 16:
        raise Malformed(f"pipe data of {len(data)} bytes is not a DCE/RPC PDU")
    vers, minor, ptype, _flags = data[0], data[1], data[2], data[3]
    frag_length, auth_length = struct.unpack_from("<HH", data, 8) if data[4] & 0x10 else struct.unpack_from(">HH", data, 8)
    if (vers, minor) != (5, 0) or ptype not in RPC_RESPONSE_TYPES:
        raise Malformed(f"PDU version {vers}.{minor} type {ptype}")
    if frag_length != len(data):
        raise Malformed(f"PDU frag_length {frag_length} != {len(data)} bytes read")
    if auth_length and auth_length + 8 > frag_length - 16:
        raise Malformed(f"auth_length {auth_length} does not fit frag_length {frag_length}")


def check_frame(frame: bytes, sent_ids: set[int], result: Replay, overflowed: set[bytes]) -> list[tuple[int, int, bytes, bytes]]:
    """Assert one returned frame is well formed; returns (command, status, header, body) per message."""
    if len(frame) < 4 or frame[0] != 0:
        raise Malformed("bad Direct TCP header")
    length = struct.unpack(">I", frame[:4])[0]
    payload = frame[4:]
    if length != len(payload):
        raise Malformed(f"length prefix {length} != payload {len(payload)}")
    if payload[:4] == b"\xfdSMB":
        return []  # encrypted: opaque here
    if smb1_frames.is_smb1(payload):
        command, status, mid, carried = smb1_frames.check_response(payload, result.smb1_sent)
        if command in smb1_frames.MAY_WAIT and (status == 0 or smb1_frames.more_data(status)):
            # After an answer cut short, the next read's data is the rest of a PDU, not a PDU.
            continuation, result.smb1_more = result.smb1_more, smb1_frames.more_data(status)
            for data in [] if continuation else carried:
                check_rpc(data)
        result.responses.append((smb1_frames.SMB1 | command, status, mid, payload[32:]))
        return [(smb1_frames.SMB1 | command, status, payload, b"")]
    out = []
    offset = 0
    while True:
        if len(payload) - offset < 64:
            raise Malformed("response shorter than an SMB2 header")
        magic, size, _charge, status, command, _credits, flags, next_command, message_id = HEADER.unpack_from(payload, offset)[:9]
        if magic != b"\xfeSMB" or size != 64:
            raise Malformed(f"bad header magic {magic!r} / StructureSize {size}")
        if not flags & 1:
            raise Malformed("SMB2_FLAGS_SERVER_TO_REDIR not set")
        if message_id not in sent_ids:
            raise Malformed(f"response message id {message_id} was never sent")
        if next_command and (next_command % 8 or offset + next_command > len(payload)):
            raise Malformed(f"bad NextCommand {next_command}")
        end = offset + next_command if next_command else len(payload)
        header = payload[offset : offset + 64]
        body = payload[offset + 64 : end]
        if len(body) < 8 and not (command == 4 or command == 13 and len(body) >= 4):
            if not (status != 0 and len(body) >= 8):
                if len(body) < 4:
                    raise Malformed(f"body of {len(body)} bytes (command {command}, status 0x{status:08x})")
        result.responses.append((command, status, message_id, body))
        out.append((command, status, header, body))
        if status in (0, 0x80000005) and command in (8, 11):
            data = b""
            if command == 8 and len(body) >= 16:
                data_offset = body[2]
                (data_length,) = struct.unpack_from("<I", body, 4)
                data = payload[offset + data_offset : offset + data_offset + data_length]
                if data_offset + data_length > end - offset:
                    raise Malformed("READ data outside the message")
            elif command == 11 and len(body) >= 48 and struct.unpack_from("<I", body, 4)[0] == FSCTL_PIPE_TRANSCEIVE:
                out_offset, out_count = struct.unpack_from("<II", body, 32)
                data = payload[offset + out_offset : offset + out_offset + out_count]
                if out_offset + out_count > end - offset:
                    raise Malformed("IOCTL output outside the message")
            file_id = bytes(body[8:24]) if command == 11 else b"read"
            continuation = file_id in overflowed
            if status == 0x80000005:
                overflowed.add(file_id)
            else:
                overflowed.discard(file_id)
                if data and not continuation:
                    check_rpc(bytes(data))
        if not next_command:
            break
        offset = end
    return out


def replay(config: ServerConfig, frames: Sequence[bytes], mutate: Callable[[int, bytes], bytes] | None = None,
           chunk: int = 0) -> Replay:
    """Feed `frames` (rewritten ids, then `mutate(index, frame)`) into a fresh Connection."""
    with fixed_ntlm_challenge():
        return _replay(config, frames, mutate, chunk)


def _replay(config: ServerConfig, frames: Sequence[bytes], mutate: Callable[[int, bytes], bytes] | None,
            chunk: int) -> Replay:
    conn = Connection(config, ("127.0.0.1", 40000))
    ids = _Ids()
    result = Replay()
    sent_ids: set[int] = set()
    overflowed: set[bytes] = set()
    stream = bytearray()
    for index, frame in enumerate(frames):
        data = ids.rewrite(frame)
        if mutate is not None:
            data = mutate(index, data)
        stream += data  # message ids as the server will frame them (a cut frame merges with the next)
        while len(stream) >= 4 and len(stream) >= 4 + (int.from_bytes(stream[1:4], "big")):
            end = 4 + int.from_bytes(stream[1:4], "big")
            payload = bytes(stream[4:end])
            del stream[:end]
            for start, _end in messages(payload):
                sent_ids.add(struct.unpack_from("<Q", payload, start + 24)[0])
            smb1 = smb1_frames.sent_request(payload)
            if smb1 is not None:
                result.smb1_sent.setdefault(smb1[0], []).append(smb1[1])
        sent_ids.add(0xFFFFFFFFFFFFFFFF)  # oplock-break style notifications / SMB1 negotiate answer
        sent_ids.add(0)
        result.frames_in += 1
        pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)] if chunk else [data]
        for piece in pieces:
            for out in conn.receive_data(piece):
                for command, status, header, body in check_frame(out, sent_ids, result, overflowed):
                    ids.learn(command, status, header, body)
        if conn.closed:
            break
    result.closed = conn.closed
    conn.connection_lost()
    return result


class ErrorLog(logging.Handler):
    """Collects ERROR records from smbemu's loggers (internal errors, handler tracebacks)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> ErrorLog:
        logging.getLogger("smbemu").addHandler(self)
        logging.getLogger("smbemu_pipes").addHandler(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        logging.getLogger("smbemu").removeHandler(self)
        logging.getLogger("smbemu_pipes").removeHandler(self)

    def check(self) -> None:
        if self.records:
            record = self.records[0]
            text = logging.Formatter().format(record)
            self.records.clear()
            raise AssertionError(f"server logged an internal error:\n{text}")


def signature(result: Replay) -> list[tuple[int, int]]:
    """The deterministic part of a replay: (command, status) per response."""
    return [(command, status) for command, status, _mid, _body in result.responses]
