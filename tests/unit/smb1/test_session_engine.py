"""SESSION_SETUP_ANDX, TREE_CONNECT_ANDX, TREE_DISCONNECT and LOGOFF_ANDX through the real
connection and SMB1 engine (sans-I/O): an AndX chain as old clients send it, the Unicode pad of a
chained response, the DOS error form, the UID's life. Requests are built byte by byte from
MS-CIFS 2.2.4.53.1 and 2.2.4.55.1."""

from __future__ import annotations

import struct
from typing import Any

from smbemu.auth.ntlm_crypto import desl, nt_owf_v1
from smbemu.builder import build_config
from smbemu.connection import Connection
from smbemu.status import NtStatus

HEADER = struct.Struct("<4sBIBHH8sHHHHH")
UNICODE_NT = 0xC001  # FLAGS2_UNICODE | FLAGS2_NT_STATUS | FLAGS2_LONG_NAMES
OEM_DOS = 0x0001  # neither Unicode nor NT status codes


def message(command: int, blocks: list[tuple[int, bytes, bytes]], *, flags2: int = UNICODE_NT, uid: int = 0,
            tid: int = 0, mid: int = 1) -> bytes:
    """An SMB1 message whose commands are ``blocks`` of (command, words after the AndX block,
    data), chained by their AndX blocks (``command`` is the first block's)."""
    out = bytearray(HEADER.pack(b"\xffSMB", command, 0, 0x18, flags2, 0, bytes(8), 0, tid, 0x1234, uid, mid))
    for index, (_, words, data) in enumerate(blocks):
        following = blocks[index + 1][0] if index + 1 < len(blocks) else 0xFF
        next_offset = len(out) + 1 + 4 + len(words) + 2 + len(data) if following != 0xFF else 0
        out += bytes([(4 + len(words)) // 2]) + struct.pack("<BBH", following, 0, next_offset) + words
        out += struct.pack("<H", len(data)) + data
    return bytes(out)


def framed(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


def exchange(conn: Connection, body: bytes) -> tuple[Any, list[tuple[int, bytes, bytes]]]:
    """Send one message; return the response header fields and its blocks (absolute data offset,
    words after the AndX block, data)."""
    (raw,) = conn.receive_data(framed(body))
    raw = raw[4:]
    fields = HEADER.unpack_from(raw, 0)
    header = dict(command=fields[1], status=fields[2], flags2=fields[4], tid=fields[8], uid=fields[10])
    blocks, position = [], 32
    while True:
        count = raw[position]
        words = raw[position + 1: position + 1 + 2 * count]
        (byte_count,) = struct.unpack_from("<H", raw, position + 1 + 2 * count)
        start = position + 3 + 2 * count
        blocks.append((start, bytes(words[4:]) if count >= 2 else bytes(words), bytes(raw[start:start + byte_count])))
        if count < 2 or words[0] == 0xFF:
            return header, blocks
        position = struct.unpack_from("<H", words, 2)[0]


def negotiate(conn: Connection, *, extended: bool = False) -> bytes:
    flags2 = UNICODE_NT | (0x0800 if extended else 0)
    body = HEADER.pack(b"\xffSMB", 0x72, 0, 0x18, flags2, 0, bytes(8), 0, 0, 0x1234, 0, 0)
    body += b"\x00" + struct.pack("<H", 12) + b"\x02NT LM 0.12\x00"
    (raw,) = conn.receive_data(framed(body))
    words_end = 4 + 32 + 1 + 34
    challenge_length = raw[words_end - 1]
    return bytes(raw[words_end + 2: words_end + 2 + challenge_length])


def unicode_strings(data: bytes, start: int, count: int) -> list[str]:
    """``count`` UTF-16 strings of a block whose data starts at message offset ``start``."""
    out, position = [], 0
    for _ in range(count):
        if (start + position) % 2:
            position += 1
        end = position
        while data[end:end + 2] != b"\0\0":
            assert end < len(data), "an unterminated (or misaligned) string"
            end += 2
        out.append(data[position:end].decode("utf-16-le"))
        position = end + 2
    return out


def session_setup_words(oem: bytes, uni: bytes) -> bytes:
    return struct.pack("<HHHIHHII", 16644, 50, 0, 0, len(oem), len(uni), 0, 0xD4)


def nt_logon_data(user: str, oem: bytes, uni: bytes, *, data_offset: int) -> bytes:
    data = oem + uni
    if (data_offset + len(data)) % 2:
        data += b"\0"
    for text in (user, "CORP", "Unix", "Samba"):
        data += text.encode("utf-16-le") + b"\0\0"
    return data


def tree_connect_data(path: str, *, data_offset: int) -> bytes:
    data = b"\0"  # Password: one NUL (user-level security)
    if (data_offset + 1) % 2:
        data += b"\0"
    return data + path.encode("utf-16-le") + b"\0\0" + b"?????\0"


def test_session_setup_and_tree_connect_in_one_andx_chain() -> None:
    """MS-CIFS 2.2.4.53: a TREE_CONNECT_ANDX may follow SESSION_SETUP_ANDX in the same message;
    it runs under the UID just given, and its NativeFileSystem is aligned from the start of the
    response, after the session setup's block."""
    conn = Connection(build_config("win2000", overrides=["smb.dialects="]))
    challenge = negotiate(conn)
    nt = desl(nt_owf_v1("Wonderland1"), challenge)
    setup_words = session_setup_words(b"", nt)
    setup_data = nt_logon_data("alice", b"", nt, data_offset=32 + 1 + 4 + len(setup_words) + 2)
    tree_words = struct.pack("<HH", 0x0008, 1)  # TREE_CONNECT_ANDX_EXTENDED_RESPONSE
    tree_offset = 32 + 1 + 4 + len(setup_words) + 2 + len(setup_data) + 1 + 4 + len(tree_words) + 2
    body = message(0x73, [(0x73, setup_words, setup_data),
                          (0x75, tree_words, tree_connect_data("\\\\LEGACYSRV\\IPC$", data_offset=tree_offset))])
    header, blocks = exchange(conn, body)
    assert header["status"] == 0 and header["uid"] and header["tid"]
    (setup_start, setup_words_out, setup_data_out), (tree_start, tree_words_out, tree_data_out) = blocks
    assert setup_words_out == b"\0\0"  # Action: not a guest
    assert unicode_strings(setup_data_out, setup_start, 3) == ["Windows 5.0", "Windows 2000 LAN Manager", "CORP"]
    assert struct.unpack("<HII", tree_words_out) == (0x000D, 0x001F01FF, 0x001F01FF)
    assert tree_data_out[:4] == b"IPC\0"
    assert unicode_strings(tree_data_out[4:], tree_start + 4, 1) == [""]
    session = conn.smb1.sessions[header["uid"]]
    assert session.principal.user_name == "alice" and header["tid"] in session.tree_connects


def test_dos_error_form_for_a_wrong_password_and_a_missing_share() -> None:
    """A client without FLAGS2_NT_STATUS gets ERRSRV/ERRbadpw for a refused logon and
    ERRSRV/ERRinvnetname for an unknown share (MS-CIFS 2.2.2.4)."""
    conn = Connection(build_config("win2000", overrides=["smb.dialects="]))
    challenge = negotiate(conn)
    wrong = desl(nt_owf_v1("nope"), challenge)

    def oem_logon(user: str, nt: bytes) -> tuple[Any, Any]:
        words = session_setup_words(b"", nt)
        data = nt + b"".join(text.encode() + b"\0" for text in (user, "CORP", "Unix", "Samba"))
        return exchange(conn, message(0x73, [(0x73, words, data)], flags2=OEM_DOS))

    header, _ = oem_logon("alice", wrong)
    assert header["status"] == 0x02 | (2 << 16)  # ERRSRV, ERRbadpw
    header, _ = oem_logon("", b"")
    uid = header["uid"]
    assert header["status"] == 0 and uid
    words = struct.pack("<HH", 0, 1)
    data = b"\0" + b"\\\\LEGACYSRV\\NOPE\0?????\0"
    header, _ = exchange(conn, message(0x75, [(0x75, words, data)], flags2=OEM_DOS, uid=uid))
    assert header["status"] == 0x02 | (6 << 16)  # ERRSRV, ERRinvnetname


def test_logoff_ends_the_uid_and_tree_disconnect_the_tid() -> None:
    conn = Connection(build_config("win2003", overrides=["smb.dialects="]))
    negotiate(conn)
    words = session_setup_words(b"", b"")
    header, _ = exchange(conn, message(0x73, [(0x73, words, nt_logon_data("", b"", b"", data_offset=32 + 1 + 26 + 2))]))
    uid = header["uid"]
    tree_data = tree_connect_data("\\\\X\\IPC$", data_offset=32 + 1 + 8 + 2)
    header, _ = exchange(conn, message(0x75, [(0x75, struct.pack("<HH", 0, 1), tree_data)], uid=uid))
    tid = header["tid"]
    disconnect = HEADER.pack(b"\xffSMB", 0x71, 0, 0x18, UNICODE_NT, 0, bytes(8), 0, tid, 0x1234, uid, 3) + bytes(3)
    header, _ = exchange(conn, disconnect)
    assert header["status"] == 0
    header, _ = exchange(conn, disconnect)
    assert header["status"] == NtStatus.SMB_BAD_TID
    header, blocks = exchange(conn, message(0x74, [(0x74, b"", b"")], uid=uid))
    assert header["status"] == 0 and header["uid"] == uid and blocks[0][1:] == (b"", b"")
    header, _ = exchange(conn, message(0x74, [(0x74, b"", b"")], uid=uid))
    assert header["status"] == NtStatus.SMB_BAD_UID
    assert conn.smb1.sessions == {}


def test_max_sessions_per_connection_through_the_engine() -> None:
    conn = Connection(build_config("win2003", overrides=["smb.dialects="], limits={"max_sessions_per_connection": 2}))
    negotiate(conn)
    words = session_setup_words(b"", b"")
    data = nt_logon_data("", b"", b"", data_offset=32 + 1 + 26 + 2)
    statuses = [exchange(conn, message(0x73, [(0x73, words, data)]))[0]["status"] for _ in range(3)]
    assert statuses == [0, 0, NtStatus.INSUFFICIENT_RESOURCES]
    assert len(conn.smb1.sessions) == 2
