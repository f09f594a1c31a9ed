"""In-process cost of one request on the server's hot path, without sockets.

One `server.SmbProtocol` on a fake transport (a real event loop, so timers are armed as in
`smbemu serve`): NEGOTIATE 2.0.2, anonymous SESSION_SETUP, TREE_CONNECT IPC$, CREATE srvsvc,
bind; then N ECHO requests, then N/10 NetrShareEnum level 1 calls (FSCTL_PIPE_TRANSCEIVE),
each fed to `data_received` as one frame. Prints the best of R rounds in µs per request.

    .venv/bin/python benchmarks/hotpath.py [N] [R]

Instruction counts (steadier than wall clock on a shared machine): run with R=0 under
`valgrind --tool=callgrind --callgrind-out-file=/dev/null` for N=0 and N=2000 with
PYTHONHASHSEED=0 and divide the difference of the `Collected` totals by N.
"""

from __future__ import annotations

import asyncio
import gc
import struct
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen as lg  # noqa: E402  (the request layouts the load generator sends)

from smbemu.builder import build_config  # noqa: E402
from smbemu.server import SmbProtocol, SmbServer  # noqa: E402

HEADER = struct.Struct("<4sHHIHHIIQIIQ16s")
ECHO, IOCTL = 13, 11


def request(command: int, message_id: int, body: bytes, session_id: int = 0, tree_id: int = 0) -> bytes:
    return lg.frame(HEADER.pack(b"\xfeSMB", 64, 0, 0, command, 64, 0, 0, message_id, 0xFEFF, tree_id, session_id,
                                bytes(16)) + body)


class FakeTransport:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 445) if name in ("peername", "sockname") else default

    def writelines(self, frames: list[bytes]) -> None:
        self.written = frames

    def write(self, data: bytes) -> None:
        self.written = [data]

    def close(self) -> None:
        raise RuntimeError("the server closed the connection")

    abort = close

    def is_closing(self) -> bool:
        return False

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def run(count: int, rounds: int) -> None:
    # win2000 spoke only SMB1; its policy over SMB 2.0.2, as the benchmarks always measured it.
    protocol = SmbProtocol(SmbServer(build_config("win2000", overrides=["smb.dialects=2.0.2"])))
    transport = FakeTransport()
    protocol.connection_made(transport)  # type: ignore[arg-type]
    next_id = 0

    def call(command: int, body: bytes, session_id: int = 0, tree_id: int = 0) -> tuple[int, int, int, bytes]:
        nonlocal next_id
        protocol.data_received(request(command, next_id, body, session_id, tree_id))
        next_id += 1
        answer = transport.written[-1][4:]
        fields = HEADER.unpack_from(answer, 0)
        return fields[3], fields[11], fields[10], answer[64:]

    call(0, lg.negotiate_body())
    _, session_id, _, _ = call(1, lg.session_setup_body(lg.SPNEGO_NEGOTIATE))
    call(1, lg.session_setup_body(lg.SPNEGO_AUTH_ANON), session_id)
    _, _, tree_id, _ = call(3, lg.tree_connect_body("\\\\127.0.0.1\\IPC$"), session_id)
    _, _, _, created = call(5, lg.create_body("srvsvc"), session_id, tree_id)
    file_id = created[64:80]
    assert call(IOCTL, lg.ioctl_body(file_id, lg.SRVSVC_BIND), session_id, tree_id)[0] == 0
    gc.disable()
    feed = protocol.data_received
    best_echo = best_rpc = float("inf")
    for _ in range(max(rounds, 1)):
        echoes = [request(ECHO, next_id + i, b"\x04\x00\x00\x00") for i in range(count)]
        next_id += count
        calls = [request(IOCTL, next_id + i, lg.ioctl_body(file_id, lg.SHARE_ENUM_L1), session_id, tree_id)
                 for i in range(count // 10)]
        next_id += count // 10
        start = time.perf_counter()
        for data in echoes:
            feed(data)
        middle = time.perf_counter()
        for data in calls:
            feed(data)
        end = time.perf_counter()
        if count:
            best_echo = min(best_echo, (middle - start) / count * 1e6)
            best_rpc = min(best_rpc, (end - middle) / max(count // 10, 1) * 1e6)
    if rounds and count:
        print(f"ECHO {best_echo:.2f} µs   NetrShareEnum L1 {best_rpc:.2f} µs   (best of {rounds} × {count})")


if __name__ == "__main__":
    asyncio.run(run(int(sys.argv[1]) if len(sys.argv) > 1 else 20000, int(sys.argv[2]) if len(sys.argv) > 2 else 5))
