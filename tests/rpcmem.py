"""impacket's DCE/RPC client over an in-memory named pipe: the far end is an smbemu RpcEndpoint.

Shared by the RPC runtime, authentication and pipe-handler tests.
"""

from __future__ import annotations

from impacket.dcerpc.v5.transport import DCERPCTransport  # type: ignore[import-untyped]

from smbemu.rpc.endpoint import RpcEndpoint


class MemoryPipe(DCERPCTransport):  # type: ignore[misc]
    """``send`` is a pipe write; ``recv`` reads one message in ``read_size`` chunks as SMB2 READs
    of a message-mode pipe do (the rest of a long message stays queued, STATUS_BUFFER_OVERFLOW-style).
    ``sent``/``received`` keep every PDU; ``corrupt_next_at`` flips one bit of the next send."""

    def __init__(self, endpoint: RpcEndpoint, read_size: int = 4280) -> None:
        super().__init__("memory", 0)
        self.endpoint = endpoint
        self.read_size = read_size
        self.sent: list[bytes] = []
        self.received: list[bytes] = []
        self.corrupt_next_at: int | None = None

    @property
    def writes(self) -> list[bytes]:
        return self.sent

    def connect(self) -> int:
        return 1

    def disconnect(self) -> int:
        return 1

    def send(self, data: bytes, forceWriteAndx: int = 0, forceRecv: int = 0) -> None:
        raw = bytearray(data)
        if self.corrupt_next_at is not None:
            raw[self.corrupt_next_at] ^= 0x01
            self.corrupt_next_at = None
        self.sent.append(bytes(raw))
        self.endpoint.write(raw)

    def recv(self, forceRecv: int = 0, count: int = 0) -> bytes:
        message = b""
        while True:
            chunk, more = self.endpoint.read(self.read_size)
            message += chunk
            if not more:
                self.received.append(message)
                return message
