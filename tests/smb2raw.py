"""Hand-built SMB2 messages for sans-I/O tests (layouts from MS-SMB2 2.2), and a response parser."""

from __future__ import annotations

import struct
from typing import Any

HEADER = struct.Struct("<4sHHIHHIIQIIQ16s")
RELATED = 0x4



def request(command: int, body: bytes, *, message_id: int = 0, credits: int = 1, flags: int = 0,
            session_id: int = 0, tree_id: int = 0, next_command: int = 0) -> bytes:
    return HEADER.pack(b"\xfeSMB", 64, 1, 0, command, credits, flags, next_command, message_id, 0, tree_id,
                       session_id, bytes(16)) + body


def frame(*messages: bytes) -> bytes:
    """Compound `messages` (8-byte aligned, NextCommand set) into one Direct TCP frame."""
    parts = []
    for index, message in enumerate(messages):
        if index != len(messages) - 1:
            message += bytes((-len(message)) % 8)
            message = message[:20] + struct.pack("<I", len(message)) + message[24:]
        parts.append(message)
    payload = b"".join(parts)
    return struct.pack(">I", len(payload)) + payload


def negotiate_body(dialects: tuple[int, ...], contexts: list[tuple[int, bytes]] | None = None) -> bytes:
    fixed_size = 36 + 2 * len(dialects)
    context_bytes = b""
    context_offset = 0
    if contexts:
        context_offset = 64 + fixed_size + ((-(64 + fixed_size)) % 8)
        blobs = []
        for index, (kind, data) in enumerate(contexts):
            blob = struct.pack("<HHI", kind, len(data), 0) + data
            if index != len(contexts) - 1:
                blob += bytes((-len(blob)) % 8)
            blobs.append(blob)
        context_bytes = bytes(context_offset - 64 - fixed_size) + b"".join(blobs)
    body = struct.pack("<HHHHI16sIHH", 36, len(dialects), 1, 0, 0x7F, b"C" * 16, context_offset, len(contexts or []), 0)
    return body + struct.pack(f"<{len(dialects)}H", *dialects) + context_bytes


def responses(frames: list[bytes]) -> list[dict[str, Any]]:
    """Split returned frames into messages: header fields + body."""
    out = []
    for data in frames:
        length = struct.unpack(">I", data[:4])[0]
        payload = data[4:]
        assert len(payload) == length
        offset = 0
        while True:
            fields = HEADER.unpack_from(payload, offset)
            next_command = fields[7]
            end = offset + next_command if next_command else len(payload)
            out.append({
                "command": fields[4], "status": fields[3], "credits": fields[5], "flags": fields[6],
                "next": next_command, "message_id": fields[8], "session_id": fields[11],
                "body": payload[offset + 64 : end], "offset": offset,
            })
            if not next_command:
                break
            offset = end
    return out


