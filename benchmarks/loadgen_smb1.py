"""The load generator's SMB1 (NT LM 0.12) client, standard library only: the `churn1` workload.

One op is a whole NULL session over SMB1, as an NT-era client runs it (issue 12):

    NEGOTIATE (NT LM 0.12 only, FLAGS2_EXTENDED_SECURITY)
    SESSION_SETUP_ANDX x2 (SPNEGO NTLMSSP NEGOTIATE, then the anonymous AUTHENTICATE: the same
        tokens as the SMB2 churn, `loadgen.SPNEGO_NEGOTIATE` / `SPNEGO_AUTH_ANON`)
    TREE_CONNECT_ANDX \\\\127.0.0.1\\IPC$ (service "?????")
    NT_CREATE_ANDX \\srvsvc
    TRANSACTION TransactNmPipe: the srvsvc bind -> bind_ack
    TRANSACTION TransactNmPipe: NetrShareEnum level 1 (READ_ANDX for the rest of a long answer)
    CLOSE, TREE_DISCONNECT, LOGOFF_ANDX, TCP close

Every request is built here from MS-CIFS 2.2 / MS-SMB 2.2 field by field (prebuilt where it does
not change). No signing: an anonymous session is never signed (MS-SMB 3.3.5.3).
"""

from __future__ import annotations

import asyncio
import struct
import time
from typing import Any

HOST = "127.0.0.1"
# MS-CIFS 2.2.3.1: Protocol, Command, Status, Flags, Flags2, PIDHigh, SecuritySignature,
# Reserved, TID, PIDLow, UID, MID.
HEADER = struct.Struct("<4sBIBHH8sHHHHH")
NEGOTIATE, SESSION_SETUP_ANDX, LOGOFF_ANDX, TREE_CONNECT_ANDX, TREE_DISCONNECT = 0x72, 0x73, 0x74, 0x75, 0x71
NT_CREATE_ANDX, READ_ANDX, TRANSACTION, CLOSE = 0xA2, 0x2E, 0x25, 0x04
FLAGS = 0x18  # CASE_INSENSITIVE | CANONICALIZED_PATHS, as Windows clients send
FLAGS2 = 0xC801  # UNICODE | NT_STATUS | EXTENDED_SECURITY | LONG_NAMES
# MS-SMB 2.2.4.6.1 Capabilities: EXTENDED_SECURITY, STATUS32, NT_SMBS, UNICODE.
CLIENT_CAPABILITIES = 0x80000054
STATUS_MORE_PROCESSING = 0xC0000016
STATUS_BUFFER_OVERFLOW = 0x80000005
TRANSACT_NMPIPE = 0x0026  # MS-CIFS 2.2.5.5
MAX_DATA = 4280  # MaxDataCount of a TransactNmPipe, as rpcclient asks (one fragment of 4280)
NO_ANDX = b"\xff\x00\x00\x00"  # AndXCommand none, reserved, AndXOffset 0 (MS-CIFS 2.2.3.4)


class Smb1Error(Exception):
    pass


def frame(message: bytes) -> bytes:
    return struct.pack(">I", len(message)) + message


def smb_message(command: int, words: bytes, data: bytes, mid: int, uid: int = 0, tid: int = 0) -> bytes:
    """Header + WordCount + words + ByteCount + data (MS-CIFS 2.2.3.1-2.2.3.3); PID 0xFEFF."""
    header = HEADER.pack(b"\xffSMB", command, 0, FLAGS, FLAGS2, 0, bytes(8), 0, tid, 0xFEFF, uid, mid)
    return header + bytes([len(words) // 2]) + words + struct.pack("<H", len(data)) + data


def negotiate_data() -> bytes:
    return b"\x02NT LM 0.12\x00"  # MS-CIFS 2.2.4.52.1: one dialect, buffer format 0x02


def session_setup(token: bytes) -> tuple[bytes, bytes]:
    """MS-SMB 2.2.4.6.1: the extended-security request, 12 words; then the blob, a pad to an even
    offset and empty NativeOS / NativeLanMan (Unicode)."""
    words = NO_ANDX + struct.pack("<HHHIHII", 16644, 50, 0, 0, len(token), 0, CLIENT_CAPABILITIES)
    data_offset = 32 + 1 + len(words) + 2
    pad = b"\x00" * ((data_offset + len(token)) % 2)
    return words, token + pad + b"\x00\x00" * 2


def tree_connect(path: str) -> tuple[bytes, bytes]:
    """MS-CIFS 2.2.4.55.1: Flags 0, PasswordLength 1; a NUL password, the Unicode path (even
    offset: 32 + 1 + 8 + 2 + 1 = 44), the OEM service "?????" (any type)."""
    words = NO_ANDX + struct.pack("<HH", 0, 1)
    return words, b"\x00" + (path + "\x00").encode("utf-16-le") + b"?????\x00"


def nt_create(name: str) -> tuple[bytes, bytes]:
    """MS-CIFS 2.2.4.64.1: open a pipe for read/write, shared, FILE_OPEN, impersonation."""
    encoded = name.encode("utf-16-le")
    words = NO_ANDX + struct.pack(
        "<BHIIIQIIIIIB",
        0,  # Reserved
        len(encoded),  # NameLength (bytes, without the NUL)
        0,  # Flags
        0,  # RootDirectoryFID
        0x0002019F,  # DesiredAccess: read/write data, EAs, attributes, READ_CONTROL
        0,  # AllocationSize
        0,  # ExtFileAttributes
        3,  # ShareAccess: read | write
        1,  # CreateDisposition: FILE_OPEN
        0,  # CreateOptions
        2,  # ImpersonationLevel: Impersonation
        0,  # SecurityFlags
    )
    # The name starts after one pad byte: 32 + 1 + 48 + 2 = 83 is odd.
    return words, b"\x00" + encoded + b"\x00\x00"


def transact_nmpipe(fid: int, pdu: bytes) -> tuple[bytes, bytes]:
    """MS-CIFS 2.2.5.5.1: TRANSACTION named \\PIPE\\, Setup = (0x0026, FID), the PDU as data."""
    name = "\\PIPE\\\x00".encode("utf-16-le")
    name_start = 32 + 1 + 32 + 2 + 1  # after WordCount 16, the words, ByteCount and a pad byte
    data_offset = (name_start + len(name) + 3) & ~3
    words = struct.pack("<HHHHBBHIHHHHHBBHH", 0, len(pdu), 0, MAX_DATA, 0, 0, 0, 0, 0, 0, data_offset, len(pdu),
                        data_offset, 2, 0, TRANSACT_NMPIPE, fid)
    data = b"\x00" + name + b"\x00" * (data_offset - name_start - len(name)) + pdu
    return words, data


def read_andx(fid: int, length: int = MAX_DATA) -> tuple[bytes, bytes]:
    """MS-CIFS 2.2.4.42.1 with OffsetHigh (12 words): a pipe read, offset 0."""
    return NO_ANDX + struct.pack("<HIHHIHI", fid, 0, length, length, 0, 0, 0), b""


class Smb1Client:
    """One SMB1 connection, one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.mid = 1
        self.uid = 0
        self.tid = 0
        self.fid = 0
        self.call_id = 1

    @classmethod
    async def connect(cls, port: int) -> Smb1Client:
        reader, writer = await asyncio.open_connection(HOST, port, limit=1 << 20)
        return cls(reader, writer)

    async def request(self, command: int, words: bytes, data: bytes = b"",
                      ok: tuple[int, ...] = (0,)) -> tuple[int, bytes]:
        """Send one command; its (status, whole response message)."""
        mid = self.mid
        self.mid = self.mid % 0xFFFE + 1
        self.writer.write(frame(smb_message(command, words, data, mid, self.uid, self.tid)))
        prefix = await self.reader.readexactly(4)
        payload = await self.reader.readexactly(int.from_bytes(prefix[1:], "big"))
        status = struct.unpack_from("<I", payload, 5)[0]
        if payload[:4] != b"\xffSMB" or status not in ok:
            raise Smb1Error(f"SMB1 command 0x{command:02x}: status 0x{status:08x}")
        return status, payload

    async def setup(self, spnego_negotiate: bytes, spnego_auth: bytes, bind: bytes, pipe: str = "\\srvsvc") -> None:
        await self.request(NEGOTIATE, b"", negotiate_data())
        _, reply = await self.request(SESSION_SETUP_ANDX, *session_setup(spnego_negotiate),
                                      ok=(STATUS_MORE_PROCESSING,))
        self.uid = struct.unpack_from("<H", reply, 28)[0]
        await self.request(SESSION_SETUP_ANDX, *session_setup(spnego_auth))
        _, reply = await self.request(TREE_CONNECT_ANDX, *tree_connect(f"\\\\{HOST}\\IPC$"))
        self.tid = struct.unpack_from("<H", reply, 24)[0]
        _, reply = await self.request(NT_CREATE_ANDX, *nt_create(pipe))
        self.fid = struct.unpack_from("<H", reply, 32 + 1 + 4 + 1)[0]  # after WordCount, AndX, OplockLevel
        if (await self.transact(bind))[2] != 12:  # PDU type bind_ack
            raise Smb1Error("bind refused")

    async def transact(self, pdu: bytes) -> bytes:
        """One DCE/RPC exchange by TransactNmPipe; the whole answer (READ_ANDX for the rest)."""
        status, reply = await self.request(TRANSACTION, *transact_nmpipe(self.fid, pdu),
                                           ok=(0, STATUS_BUFFER_OVERFLOW))
        # MS-CIFS 2.2.4.33.2 words: DataCount at 12, DataOffset at 14 (after WordCount at 32).
        count, offset = struct.unpack_from("<HH", reply, 33 + 12)
        data = reply[offset : offset + count]
        while status == STATUS_BUFFER_OVERFLOW:
            status, reply = await self.request(READ_ANDX, *read_andx(self.fid), ok=(0, STATUS_BUFFER_OVERFLOW))
            length, offset = struct.unpack_from("<HH", reply, 33 + 10)  # DataLength, DataOffset
            data += reply[offset : offset + length]
        return data

    async def call(self, pdu: bytes) -> bytes:
        """One DCE/RPC request (a fresh call id); the response PDU."""
        self.call_id += 1
        answer = await self.transact(pdu[:12] + struct.pack("<I", self.call_id) + pdu[16:])
        if answer[2] != 2:
            raise Smb1Error(f"RPC PDU type {answer[2]}")
        return answer

    async def teardown(self) -> None:
        await self.request(CLOSE, struct.pack("<HI", self.fid, 0xFFFFFFFF))
        await self.request(TREE_DISCONNECT, b"")
        await self.request(LOGOFF_ANDX, NO_ANDX)

    def close(self) -> None:
        self.writer.close()


async def churn1_worker(port: int, counter: Any, tokens: tuple[bytes, bytes], bind: bytes, call: bytes) -> None:
    """Whole SMB1 NULL sessions with one NetrShareEnum each until the counter's deadline."""
    while time.monotonic() < counter.deadline:
        client = None
        try:
            client = await Smb1Client.connect(port)
            await client.setup(*tokens, bind)
            await client.call(call)
            await client.teardown()
            counter.ops += 1
        except (OSError, Smb1Error, asyncio.IncompleteReadError, struct.error) as exc:
            counter.errors += 1
            counter.last_error = repr(exc)
            await asyncio.sleep(0.01)
        finally:
            if client is not None:
                client.close()
