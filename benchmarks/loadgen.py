"""A raw SMB2 load generator (standard library only): prebuilt packets, several requests in flight.

    python benchmarks/loadgen.py WORKLOAD --port P [--clients N] [--inflight K] [--seconds S]
        [--sessions N] [--server-pid PID ...] [--setup-concurrency 200] [--addresses 200] [--probes 5]

Workloads (issue 7):

- ``churn``  a whole session per op: NEGOTIATE, anonymous SESSION_SETUP (NTLMSSP, two legs),
             TREE_CONNECT IPC$, CREATE srvsvc, WRITE bind + READ bind_ack, NetrShareEnum level 1
             (FSCTL_PIPE_TRANSCEIVE), CLOSE, LOGOFF, TCP close;
- ``churn1`` the same whole NULL session + NetrShareEnum level 1 per op over SMB1 (NT LM 0.12:
             SESSION_SETUP_ANDX x2, TREE_CONNECT_ANDX, NT_CREATE_ANDX, TransactNmPipe bind and
             call, CLOSE, TREE_DISCONNECT, LOGOFF_ANDX; `loadgen_smb1.py`, issue 12);
- ``rpc``    NetrShareEnum level 1 on a held pipe, one call in flight per client;
- ``echo``   SMB2 ECHO, ``--inflight`` requests in flight per session;
- ``idle``   ``--sessions`` held sessions with srvsvc open and bound (NEGOTIATE, anonymous
             SESSION_SETUP, TREE_CONNECT IPC$, CREATE srvsvc, bind), set up
             ``--setup-concurrency`` at a time from ``--addresses`` source addresses 127.0.0.2...
             (a lab of students; also keeps each address's ephemeral ports few); prints PSS per
             session of the ``--server-pid`` processes (and their children) from
             /proc/PID/smaps_rollup (after minus before), server CPU and RSS, set-up time; then,
             while they are held, ``--probes`` timed sessions of a real client (impacket, in a
             subprocess: login, IPC$, srvsvc, bind, NetrShareEnum level 1, close) and 3 of the
             raw client (``probe_ms``; the real client is also timed before any session is
             held, ``real_client_baseline_ms``); with ``--hold S``, S seconds later the real client
             again, and ECHO on a sample of the held sessions. The soft RLIMIT_NOFILE is raised
             to the hard limit (the server is another process with its own);
- ``samr``   a NULL-session SAMR enumeration chain: SamrConnect2, SamrOpenDomain (the account
             domain SID from SamrLookupDomainInSamServer), SamrEnumerateUsersInDomain paged to
             the end, SamrCloseHandle x2, again and again on a held pipe; ops = users enumerated.

Prints one JSON line: {"workload", "ops", "seconds", "rate", "errors", ...}. Every connection
gets its own ClientGuid (Samba hands connections sharing one to a single process). Dialect
2.0.2, no signing (anonymous sessions are not signed). Connects to 127.0.0.1 only (``idle`` from
source addresses in 127.0.0.0/8); every loop is bounded by --seconds (and a hard deadline).
Standard library only; impacket is imported by the ``idle`` real-client subprocess alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import socket
import statistics
import struct
import sys
import time
import uuid

HOST = "127.0.0.1"
HEADER = struct.Struct("<4sHHIHHIIQIIQ16s")
STATUS_PENDING = 0x00000103
STATUS_MORE_PROCESSING = 0xC0000016
STATUS_BUFFER_OVERFLOW = 0x80000005
NEGOTIATE, SESSION_SETUP, LOGOFF, TREE_CONNECT, CREATE, CLOSE, READ, WRITE, IOCTL, ECHO = 0, 1, 2, 3, 5, 6, 8, 9, 11, 13
FSCTL_PIPE_TRANSCEIVE = 0x0011C017
CREDITS = 64

# SPNEGO NegTokenInit(NTLMSSP NEGOTIATE) and NegTokenResp(anonymous NTLMSSP AUTHENTICATE: empty
# user, domain, NT response; one-byte LM response), as impacket sends them for login("", "").
SPNEGO_NEGOTIATE = bytes.fromhex(
    "604006062b0601050502a0363034a00e300c060a2b06010401823702020aa22204204e544c4d5353500001000000"
    "050288a000000000000000000000000000000000")
SPNEGO_AUTH_ANON = bytes.fromhex(
    "a1473045a24304414e544c4d5353500003000000010001004000000000000000410000000000000040000000000000"
    "0040000000000000004000000000000000410000000502888000")
# srvsvc bind (NDR20 + bind-time feature negotiation) and NetrShareEnum level 1 for \\127.0.0.1,
# as rpcclient sends them.
SRVSVC_BIND = bytes.fromhex(
    "05000b03100000004800000001000000b810b810000000000100000000000100c84f324b7016d30112785a47bf6ee188"
    "03000000045d888aeb1cc9119fe808002b10486002000000")
SHARE_ENUM_L1 = bytes.fromhex(
    "050000031000000058000000020000004000000000000f00000002000a000000000000000a0000003100320037002e00"
    "30002e0030002e00310000000100000001000000040002000000000000000000ffffffff00000000")
SAMR_UUID = uuid.UUID("12345778-1234-abcd-ef00-0123456789ac")


class SmbError(Exception):
    pass


def header(command: int, message_id: int, session_id: int = 0, tree_id: int = 0) -> bytes:
    return HEADER.pack(b"\xfeSMB", 64, 0, 0, command, CREDITS, 0, 0, message_id, 0xFEFF, tree_id, session_id,
                       bytes(16))


def frame(message: bytes) -> bytes:
    return struct.pack(">I", len(message)) + message


def utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def negotiate_body() -> bytes:
    return struct.pack("<HHHHI16sQH", 36, 1, 1, 0, 0, uuid.uuid4().bytes, 0, 0x0202) + bytes(6)


def session_setup_body(token: bytes) -> bytes:
    return struct.pack("<HBBIIHHQ", 25, 0, 1, 0, 0, 64 + 24, len(token), 0) + token


def tree_connect_body(path: str) -> bytes:
    data = utf16(path)
    return struct.pack("<HHHH", 9, 0, 64 + 8, len(data)) + data


def create_body(name: str) -> bytes:
    data = utf16(name)
    return struct.pack("<HBBIQQIIIIIHHII", 57, 0, 0, 2, 0, 0, 0x0012019F, 0, 3, 1, 0x40, 64 + 56, len(data), 0, 0) + data


def write_body(file_id: bytes, data: bytes) -> bytes:
    return struct.pack("<HHIQ16sIIHHI", 49, 64 + 48, len(data), 0, file_id, 0, 0, 0, 0, 0) + data


def read_body(file_id: bytes, length: int = 4280) -> bytes:
    return struct.pack("<HBBIQ16sIIIHH", 49, 0x50, 0, length, 0, file_id, 0, 0, 0, 0, 0) + b"\x00"


def ioctl_body(file_id: bytes, data: bytes, max_out: int = 4280) -> bytes:
    return struct.pack("<HHI16sIIIIIIII", 57, 0, FSCTL_PIPE_TRANSCEIVE, file_id, 64 + 56, len(data), 0, 64 + 56, 0,
                       max_out, 1, 0) + data


class Client:
    """One SMB2 connection, one request at a time (pipelining is the echo workload's own)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.mid = 0
        self.session_id = 0
        self.tree_id = 0
        self.file_id = bytes(16)
        self.call_id = 1

    @classmethod
    async def connect(cls, port: int) -> Client:
        reader, writer = await asyncio.open_connection(HOST, port, limit=1 << 20)
        return cls(reader, writer)

    async def receive(self) -> tuple[int, int, bytes]:
        while True:
            prefix = await self.reader.readexactly(4)
            payload = await self.reader.readexactly(int.from_bytes(prefix[1:], "big"))
            status = struct.unpack_from("<I", payload, 8)[0]
            flags = struct.unpack_from("<I", payload, 16)[0]
            if status == STATUS_PENDING and flags & 2:
                continue  # interim response; the final one follows
            return status, struct.unpack_from("<Q", payload, 24)[0], payload

    async def request(self, command: int, body: bytes, ok: tuple[int, ...] = (0,)) -> bytes:
        mid = self.mid
        self.mid += 1
        self.writer.write(frame(header(command, mid, self.session_id, self.tree_id) + body))
        status, _mid, payload = await self.receive()
        if status not in ok:
            raise SmbError(f"command {command}: status 0x{status:08x}")
        return payload

    async def setup(self, pipe: str | None = "srvsvc", bind: bytes = SRVSVC_BIND) -> None:
        await self.request(NEGOTIATE, negotiate_body())
        reply = await self.request(SESSION_SETUP, session_setup_body(SPNEGO_NEGOTIATE), (STATUS_MORE_PROCESSING,))
        self.session_id = struct.unpack_from("<Q", reply, 40)[0]
        await self.request(SESSION_SETUP, session_setup_body(SPNEGO_AUTH_ANON))
        if pipe is None:
            return
        reply = await self.request(TREE_CONNECT, tree_connect_body(f"\\\\{HOST}\\IPC$"))
        self.tree_id = struct.unpack_from("<I", reply, 36)[0]
        reply = await self.request(CREATE, create_body(pipe))
        self.file_id = reply[64 + 64 : 64 + 80]
        await self.request(WRITE, write_body(self.file_id, bind))
        reply = await self.request(READ, read_body(self.file_id))
        if reply[64 + 16 + 2] != 12:  # PDU type bind_ack
            raise SmbError("bind refused")

    async def call(self, pdu: bytes) -> bytes:
        """One DCE/RPC request over FSCTL_PIPE_TRANSCEIVE; returns the response stub."""
        self.call_id += 1
        pdu = pdu[:12] + struct.pack("<I", self.call_id) + pdu[16:]
        reply = await self.request(IOCTL, ioctl_body(self.file_id, pdu), (0, STATUS_BUFFER_OVERFLOW))
        status = struct.unpack_from("<I", reply, 8)[0]
        out_offset, out_count = struct.unpack_from("<II", reply, 64 + 32)
        data = reply[out_offset : out_offset + out_count]
        data = await self._rest(status, data)
        stub = b""
        while True:
            if data[2] != 2:
                raise SmbError(f"RPC PDU type {data[2]} (fault 0x{struct.unpack_from('<I', data, 24)[0]:08x})")
            frag_length, auth_length = struct.unpack_from("<HH", data, 8)
            stub += data[24 : frag_length - (auth_length + 8 if auth_length else 0)]
            if data[3] & 0x02:  # PFC_LAST_FRAG
                return stub
            reply = await self.request(READ, read_body(self.file_id), (0, STATUS_BUFFER_OVERFLOW))
            data_offset, length = reply[64 + 2], struct.unpack_from("<I", reply, 64 + 4)[0]
            data = await self._rest(struct.unpack_from("<I", reply, 8)[0], reply[data_offset : data_offset + length])

    async def _rest(self, status: int, data: bytes) -> bytes:
        """The rest of a message-mode pipe message cut by STATUS_BUFFER_OVERFLOW."""
        while status == STATUS_BUFFER_OVERFLOW:
            reply = await self.request(READ, read_body(self.file_id), (0, STATUS_BUFFER_OVERFLOW))
            status = struct.unpack_from("<I", reply, 8)[0]
            data_offset, length = reply[64 + 2], struct.unpack_from("<I", reply, 64 + 4)[0]
            data += reply[data_offset : data_offset + length]
        return data

    async def teardown(self) -> None:
        await self.request(CLOSE, struct.pack("<HHI16s", 24, 0, 0, self.file_id))
        await self.request(LOGOFF, struct.pack("<HH", 4, 0))

    def close(self) -> None:
        self.writer.close()


# ---------------------------------------------------------------- samr
def rpc_request(opnum: int, stub: bytes) -> bytes:
    return struct.pack("<BBBBIHHIIHH", 5, 0, 0, 3, 0x10, 24 + len(stub), 0, 0, len(stub), 0, opnum) + stub


def samr_bind() -> bytes:
    ctx = struct.pack("<HBB", 0, 1, 0) + SAMR_UUID.bytes_le + struct.pack("<I", 1)
    ctx += uuid.UUID("8a885d04-1ceb-11c9-9fe8-08002b104860").bytes_le + struct.pack("<I", 2)
    body = struct.pack("<HHIB3x", 4280, 4280, 0, 1) + ctx
    return struct.pack("<BBBBIHHI", 5, 0, 11, 3, 0x10, 16 + len(body), 0, 1) + body


def ndr_unique_wstring(text: str, referent: int = 0x20000) -> bytes:
    data = utf16(text + "\x00")
    n = len(text) + 1
    out = struct.pack("<IIII", referent, n, 0, n) + data
    return out + bytes((-len(out)) % 4)


async def samr_chain(client: Client, domain_name: str, counter: Counter | None = None) -> int:
    """SamrConnect2 → LookupDomain → OpenDomain → EnumerateUsers (paged) → Close ×2; users seen."""
    server = ndr_unique_wstring(f"\\\\{HOST}")
    stub = await client.call(rpc_request(57, server + struct.pack("<I", 0x02000000)))  # SamrConnect2
    connect = stub[:20]
    name = utf16(domain_name)
    lookup = connect + struct.pack("<HHI", len(name), len(name), 0x20000) + struct.pack("<III", len(name) // 2, 0,
                                                                                       len(name) // 2) + name
    lookup += bytes((-len(lookup)) % 4)
    stub = await client.call(rpc_request(5, lookup))  # SamrLookupDomainInSamServer
    sid = stub[4:-4]  # after the referent id: conformance count + RPC_SID
    opened = await client.call(rpc_request(7, connect + struct.pack("<I", 0x02000000) + sid))  # SamrOpenDomain
    domain = opened[:20]
    users = 0
    resume = 0
    for _ in range(100000):
        stub = await client.call(rpc_request(13, domain + struct.pack("<III", resume, 0x10, 0xFFFF)))
        resume = struct.unpack_from("<I", stub, 0)[0]
        count = struct.unpack_from("<I", stub, len(stub) - 8)[0]
        status = struct.unpack_from("<I", stub, len(stub) - 4)[0]
        users += count
        if counter is not None:
            counter.ops += count
        if status != 0x00000105:  # STATUS_MORE_ENTRIES
            if status:
                raise SmbError(f"SamrEnumerateUsersInDomain: 0x{status:08x}")
            break
    await client.call(rpc_request(1, domain))
    await client.call(rpc_request(1, connect))
    return users


# ---------------------------------------------------------------- workloads
class Counter:
    def __init__(self, deadline: float) -> None:
        self.ops = 0
        self.errors = 0
        self.deadline = deadline
        self.last_error = ""


async def churn_worker(port: int, counter: Counter) -> None:
    while time.monotonic() < counter.deadline:
        client = None
        try:
            client = await Client.connect(port)
            await client.setup()
            await client.call(SHARE_ENUM_L1)
            await client.teardown()
            counter.ops += 1
        except (OSError, SmbError, asyncio.IncompleteReadError) as exc:
            counter.errors += 1
            counter.last_error = repr(exc)
            await asyncio.sleep(0.01)
        finally:
            if client is not None:
                client.close()


async def rpc_worker(client: Client, counter: Counter, pdu: bytes = SHARE_ENUM_L1) -> None:
    while time.monotonic() < counter.deadline:
        await client.call(pdu)
        counter.ops += 1


async def samr_worker(client: Client, counter: Counter, domain: str) -> None:
    while time.monotonic() < counter.deadline:
        counter.users = await samr_chain(client, domain, counter)  # type: ignore[attr-defined]
        counter.enums += 1  # type: ignore[attr-defined]


class EchoProtocol(asyncio.Protocol):
    """Keeps `inflight` ECHOs outstanding; each response sends the next (batched per read)."""

    def __init__(self, counter: Counter, inflight: int, session_id: int, first_mid: int, done: asyncio.Future[None]) -> None:
        self.counter = counter
        self.inflight = inflight
        self.template = bytearray(frame(header(ECHO, 0, session_id) + struct.pack("<HH", 4, 0)))
        self.mid = first_mid
        self.buffer = bytearray()
        self.outstanding = 0
        self.done = done
        self.transport: asyncio.Transport | None = None

    def batch(self, n: int) -> bytes:
        out = bytearray()
        template = self.template
        for _ in range(n):
            struct.pack_into("<Q", template, 4 + 24, self.mid)
            self.mid += 1
            out += template
        self.outstanding += n
        return bytes(out)

    def start(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        transport.write(self.batch(self.inflight))

    def data_received(self, data: bytes) -> None:
        buf = self.buffer
        buf += data
        done = 0
        pos = 0
        n = len(buf)
        while n - pos >= 4:
            length = int.from_bytes(buf[pos + 1 : pos + 4], "big")
            if n - pos < 4 + length:
                break
            pos += 4 + length
            done += 1
        del buf[:pos]
        self.outstanding -= done
        self.counter.ops += done
        if time.monotonic() < self.counter.deadline:
            assert self.transport is not None
            self.transport.write(self.batch(done))
        elif self.outstanding == 0 and not self.done.done():
            self.done.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)


async def echo_workload(port: int, sessions: int, inflight: int, seconds: float) -> dict[str, object]:
    clients = [await Client.connect(port) for _ in range(sessions)]
    for client in clients:
        await client.setup(pipe=None)
    loop = asyncio.get_running_loop()
    counter = Counter(time.monotonic() + seconds + 0.5)
    futures = []
    for client in clients:
        # Hand the socket to a Protocol: the raw callbacks cost far less than StreamReader per message.
        transport = client.writer.transport
        done: asyncio.Future[None] = loop.create_future()
        proto = EchoProtocol(counter, inflight, client.session_id, client.mid, done)
        transport.set_protocol(proto)
        proto.start(transport)  # type: ignore[arg-type]
        futures.append(done)
    await asyncio.sleep(0.5)  # ramp-up, not counted
    start_ops, start = counter.ops, time.monotonic()
    await asyncio.sleep(seconds)
    ops, elapsed = counter.ops - start_ops, time.monotonic() - start
    await asyncio.wait_for(asyncio.gather(*futures), 10)
    for client in clients:
        client.close()
    return {"ops": ops, "seconds": elapsed, "errors": 0}


def process_tree(pids: list[int]) -> list[int]:
    """`pids` and all their descendants (Samba forks a process per connection)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    todo, seen = list(pids), []
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.append(pid)
        todo.extend(children.get(pid, []))
    return seen


def pss_kib(pids: list[int]) -> int:
    """PSS of `pids` and all their descendants, from /proc/PID/smaps_rollup."""
    total = 0
    for pid in process_tree(pids):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def tree_usage(pids: list[int]) -> dict[str, float]:
    """CPU seconds (user + system) and RSS (KiB) summed over `pids` and their descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    cpu, rss, count = 0.0, 0, 0
    for pid in process_tree(pids):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
        except OSError:
            continue
        cpu += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        count += 1
    return {"cpu_s": cpu, "rss_kib": rss, "processes": count}


# A real client: impacket, in its own process (the generator's event loop must not time it).
# One unmeasured warm-up session first (impacket's own lazy start-up), then `n` timed sessions:
# SMBConnection + anonymous login, IPC$, open srvsvc, bind, NetrShareEnum level 1, close,
# tree disconnect, logoff, TCP close.
REAL_CLIENT = r"""
import json, statistics, sys, time
from impacket.smbconnection import SMBConnection
from impacket.dcerpc.v5 import transport, srvs
host, port, n, pause = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])

def session():
    start = time.perf_counter()
    conn = SMBConnection(host, host, sess_port=port, timeout=30)
    conn.login('', '')
    rpc = transport.SMBTransport(host, port, r'\srvsvc', smb_connection=conn)
    dce = rpc.get_dce_rpc()
    dce.connect()                      # TREE_CONNECT IPC$, CREATE srvsvc
    dce.bind(srvs.MSRPC_UUID_SRVS)
    reply = srvs.hNetrShareEnum(dce, 1)
    shares = reply['InfoStruct']['ShareInfo']['Level1']['EntriesRead']
    conn.closeFile(rpc._SMBTransport__tid, rpc._SMBTransport__handle)
    dce.disconnect()                   # TREE_DISCONNECT
    conn.logoff()
    conn.close()
    return (time.perf_counter() - start) * 1000, shares

out = {"ms": [], "errors": []}
for i in range(n + 1):
    try:
        ms, shares = session()
        if i:
            out["ms"].append(round(ms, 1))
        else:
            out["warmup_ms"] = round(ms, 1)
        out["shares"] = shares
    except Exception as exc:
        out["errors"].append(repr(exc))
    time.sleep(pause)
print(json.dumps(out))
"""


async def real_client(port: int, probes: int, timeout: float = 120) -> dict[str, object]:
    """Run REAL_CLIENT in a subprocess (same CPU affinity as this generator); its timings."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", REAL_CLIENT, HOST, str(port), str(probes), "0.2",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        stdout, stderr = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        return {"real_client_error": "timeout"}
    lines = [line for line in stdout.decode().splitlines() if line.startswith("{")]
    if not lines:
        return {"real_client_error": (stderr.decode().strip().splitlines() or ["?"])[-1]}
    res = json.loads(lines[-1])
    times = res["ms"]
    out: dict[str, object] = {"real_client_runs_ms": times, "real_client_warmup_ms": res.get("warmup_ms"),
                              "real_client_shares": res.get("shares")}
    if times:
        out["real_client_ms"] = {"median": round(statistics.median(times), 1), "max": max(times)}
    if res["errors"]:
        out["real_client_errors"] = res["errors"][:3]
    return out


async def raw_probe(port: int) -> float:
    """The raw client's whole session + NetrShareEnum L1 (ms), run on this event loop."""
    start = time.monotonic()
    probe = await Client.connect(port)
    try:
        await probe.setup()
        await probe.call(SHARE_ENUM_L1)
        await probe.teardown()
    finally:
        probe.close()
    return (time.monotonic() - start) * 1000


def source_address(i: int, addresses: int) -> str:
    """127.0.0.2 ... 127.0.0.(1 + addresses): a lab of `addresses` students (127.0.0.1 is left to
    the probes). Each address has its own ephemeral port range towards the server."""
    n = 2 + i % addresses
    return f"127.0.{n // 256}.{n % 256}" if n > 255 else f"127.0.0.{n}"


async def connect_from(port: int, local: str) -> Client:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # Pick the source port at connect() time (by the 4-tuple), not at bind() (by address only).
        sock.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24), 1)
        sock.bind((local, 0))
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (HOST, port))
    except BaseException:
        sock.close()
        raise
    reader, writer = await asyncio.open_connection(sock=sock, limit=1 << 16)
    return Client(reader, writer)


async def idle_workload(args: argparse.Namespace) -> dict[str, object]:
    """Hold `--sessions` sessions (srvsvc open and bound), measure the server, serve real clients."""
    port, sessions, pids = args.port, args.sessions, args.server_pid
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < sessions + 64:
        raise SystemExit(f"RLIMIT_NOFILE {soft} is below {sessions} sessions + 64; raise the hard limit")
    # The same real client before any session is held: the baseline for real_client_ms.
    baseline = await real_client(port, args.probes) if args.probes else {}
    usage_before = tree_usage(pids)
    before = pss_kib(pids)
    start = time.monotonic()
    deadline = start + args.setup_timeout
    clients: list[Client] = []
    setup_ms: list[float] = []
    errors: list[BaseException] = []
    sem = asyncio.Semaphore(args.setup_concurrency)

    async def open_one(i: int) -> None:
        async with sem:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                errors.append(TimeoutError("set-up deadline passed"))
                return
            t0 = time.monotonic()
            client = None
            try:
                client = await asyncio.wait_for(connect_from(port, source_address(i, args.addresses)),
                                                min(remaining, 60))
                await asyncio.wait_for(client.setup(), min(deadline - time.monotonic(), 60) + 0.001)
            except (OSError, SmbError, asyncio.IncompleteReadError, asyncio.TimeoutError) as exc:
                errors.append(exc)
                if client is not None:
                    client.close()
                return
            setup_ms.append((time.monotonic() - t0) * 1000)
            clients.append(client)

    await asyncio.gather(*(open_one(i) for i in range(sessions)))
    setup_seconds = time.monotonic() - start
    usage_setup = tree_usage(pids)
    await asyncio.sleep(args.settle)
    after = pss_kib(pids)
    usage_after = tree_usage(pids)
    held = len(clients)
    # A real client is still served while they are held, and so is our raw one:
    cpu0 = tree_usage(pids)["cpu_s"]
    result: dict[str, object] = await real_client(port, args.probes)
    cpu1 = tree_usage(pids)["cpu_s"]
    raw = []
    for _ in range(3):
        try:
            raw.append(round(await asyncio.wait_for(raw_probe(port), 60), 1))
        except (OSError, SmbError, asyncio.IncompleteReadError, asyncio.TimeoutError) as exc:
            errors.append(exc)
    cpu2 = tree_usage(pids)["cpu_s"]
    # Server CPU per probe session (the held sessions are idle meanwhile; /proc ticks are 10 ms).
    result["server_cpu_ms_per_real_client"] = round((cpu1 - cpu0) * 1000 / (args.probes + 1), 1)
    result["server_cpu_ms_per_raw_probe"] = round((cpu2 - cpu1) * 1000 / 3, 1)
    result["real_client_baseline_ms"] = baseline.get("real_client_ms")
    result["real_client_baseline_runs_ms"] = baseline.get("real_client_runs_ms")
    if args.hold > 0:
        # Keep holding (the server's per-connection timers fire meanwhile: pre-auth checks come
        # 30 s after each accept), then serve the real client again.
        t0 = time.monotonic()
        await asyncio.sleep(args.hold)
        cpu3 = tree_usage(pids)["cpu_s"]
        result["server_cpu_idle_percent"] = round((cpu3 - cpu2) * 100 / (time.monotonic() - t0), 1)
        again = await real_client(port, args.probes)
        result["real_client_after_hold_ms"] = again.get("real_client_ms")
        result["real_client_after_hold_runs_ms"] = again.get("real_client_runs_ms")
        if again.get("real_client_errors") or again.get("real_client_error"):
            result["real_client_after_hold_errors"] = again.get("real_client_errors") or again.get("real_client_error")
        result["hold_seconds"] = round(time.monotonic() - start - setup_seconds, 1)
    # The held sessions must still be alive after all that: one ECHO on each of a sample.
    alive = 0
    sample = clients[:: max(1, held // 100)]
    for client in sample:
        with contextlib.suppress(OSError, SmbError, asyncio.IncompleteReadError, asyncio.TimeoutError):
            await asyncio.wait_for(client.request(ECHO, struct.pack("<HH", 4, 0)), 10)
            alive += 1
    for client in clients:
        client.close()
    setup_ms.sort()
    result.update({
        "ops": held, "seconds": 0.0, "errors": len(errors), "sessions_wanted": sessions,
        "pss_before_kib": before, "pss_after_kib": after,
        "kib_per_session": round((after - before) / held, 2) if held else None,
        "probe_ms": statistics.median(raw) if raw else None, "probe_runs_ms": raw,
        "setup_seconds": round(setup_seconds, 1),
        "setup_per_second": round(held / setup_seconds, 1) if setup_seconds else None,
        "setup_ms": {"median": round(statistics.median(setup_ms), 1),
                     "p99": round(setup_ms[int(len(setup_ms) * 0.99) - 1 if len(setup_ms) > 1 else 0], 1),
                     "max": round(setup_ms[-1], 1)} if setup_ms else None,
        "server_cpu_setup_s": round(usage_setup["cpu_s"] - usage_before["cpu_s"], 2),
        "server_cpu_ms_per_session": round((usage_setup["cpu_s"] - usage_before["cpu_s"]) * 1000 / held, 2) if held else None,
        "server_rss_before_kib": usage_before["rss_kib"], "server_rss_after_kib": usage_after["rss_kib"],
        "server_processes": usage_after["processes"],
        "held_alive_sample": f"{alive}/{len(sample)}",
        "source_addresses": min(args.addresses, sessions), "setup_concurrency": args.setup_concurrency,
        "nofile_limit": soft,
        "last_error": repr(errors[-1]) if errors else "",
    })
    if errors:
        kinds: dict[str, int] = {}
        for error in errors:
            kinds[type(error).__name__] = kinds.get(type(error).__name__, 0) + 1
        result["error_kinds"] = kinds
    return result


async def main_async(args: argparse.Namespace) -> dict[str, object]:
    if args.workload == "echo":
        return await echo_workload(args.port, args.clients, args.inflight, args.seconds)
    if args.workload == "idle":
        return await idle_workload(args)
    counter = Counter(0.0)
    counter.enums = 0  # type: ignore[attr-defined]
    if args.workload in ("churn", "churn1"):
        counter.deadline = time.monotonic() + args.seconds
        start = time.monotonic()
        if args.workload == "churn1":
            from loadgen_smb1 import churn1_worker  # the SMB1 client beside this script

            jobs = [churn1_worker(args.port, counter, (SPNEGO_NEGOTIATE, SPNEGO_AUTH_ANON), SRVSVC_BIND,
                                  SHARE_ENUM_L1) for _ in range(args.clients)]
        else:
            jobs = [churn_worker(args.port, counter) for _ in range(args.clients)]
        await asyncio.wait_for(asyncio.gather(*jobs), args.seconds + 30)
        return {"ops": counter.ops, "seconds": time.monotonic() - start, "errors": counter.errors,
                "last_error": counter.last_error}
    clients = []
    for _ in range(args.clients):
        client = await Client.connect(args.port)
        if args.workload == "samr":
            await client.setup("samr", samr_bind())
        else:
            await client.setup()
        clients.append(client)
    counter.deadline = time.monotonic() + args.seconds
    start = time.monotonic()
    if args.workload == "samr":
        jobs = [samr_worker(c, counter, args.domain) for c in clients]
    else:
        jobs = [rpc_worker(c, counter) for c in clients]
    await asyncio.wait_for(asyncio.gather(*jobs), args.seconds + 60)
    elapsed = time.monotonic() - start
    result: dict[str, object] = {"ops": counter.ops, "seconds": elapsed, "errors": counter.errors}
    if args.workload == "samr":  # ops = users enumerated
        result["users_per_enum"] = getattr(counter, "users", 0)
        result["enums"] = getattr(counter, "enums", 0)
    for client in clients:
        client.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=("churn", "churn1", "rpc", "echo", "idle", "samr"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--inflight", type=int, default=8)
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--domain", default="LEGACYSRV", help="samr: the account domain to enumerate")
    parser.add_argument("--server-pid", type=int, action="append", default=[])
    parser.add_argument("--setup-concurrency", type=int, default=200,
                        help="idle: session set-ups in progress at once (keeps the listen backlog short)")
    parser.add_argument("--setup-timeout", type=float, default=600.0, help="idle: deadline for all set-ups (s)")
    parser.add_argument("--addresses", type=int, default=200,
                        help="idle: source addresses 127.0.0.2 ... (one per student)")
    parser.add_argument("--probes", type=int, default=5, help="idle: timed impacket sessions")
    parser.add_argument("--settle", type=float, default=2.0, help="idle: wait before reading memory (s)")
    parser.add_argument("--hold", type=float, default=0.0,
                        help="idle: then hold this long (s) and time the real client again")
    args = parser.parse_args()
    # 10,000 held sessions need 10,000 descriptors here (the server is another process with its own limit).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 1 << 20, hard))
    result = asyncio.run(main_async(args))
    result["workload"] = args.workload
    result["rate"] = result["ops"] / result["seconds"] if result.get("seconds") else None  # type: ignore[operator]
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
