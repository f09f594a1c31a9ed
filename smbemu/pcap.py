"""`--pcap FILE`: every connection's SMB traffic as one classic libpcap file that Wireshark reads.

The file uses LINKTYPE_RAW (101: each record is an IPv4 or IPv6 packet). We do not capture
packets; we synthesize them: per connection, a TCP three-way handshake, one segment per SMB2
message in each direction (with the real addresses and ports, and consistent sequence and
acknowledgment numbers), and a FIN exchange when the connection ends. The payload is the
Direct TCP (or NetBIOS session) frame as the server saw it *in clear text*: for an encrypted
session the decrypted SMB2 message, re-framed with a fresh 4-byte length, so an instructor can
read and grade an encrypted session in Wireshark (`tshark -r FILE -d tcp.port==PORT,nbss`).

The writer buffers and flushes at most once a second, on every connection close and on
`close()`. It is written to from the event loop thread only (no locks).
"""

from __future__ import annotations

import ipaddress
import struct
import time
from typing import BinaryIO

LINKTYPE_RAW = 101
_GLOBAL_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_RAW)
_RECORD = struct.Struct("<IIII")
_MAX_SEGMENT = 65535 - 60 - 40  # IPv4 total length is 16 bits; leave room for the headers
_SYN, _ACK, _PSH, _FIN = 0x02, 0x10, 0x08, 0x01
FLUSH_INTERVAL = 1.0


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


class PcapWriter:
    """One pcap file shared by every connection (of every host) of the process."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._file: BinaryIO | None = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._file.write(_GLOBAL_HEADER)
        self._file.flush()
        self._last_flush = time.monotonic()

    def stream(self, client: tuple[str, int], server: tuple[str, int]) -> TcpStream:
        """A new TCP connection from `client` to `server`; writes its handshake."""
        return TcpStream(self, client, server)

    def write_packet(self, packet: bytes) -> None:
        file = self._file
        if file is None:
            return
        now = time.time()
        seconds = int(now)
        file.write(_RECORD.pack(seconds, int((now - seconds) * 1_000_000), len(packet), len(packet)))
        file.write(packet)
        if time.monotonic() - self._last_flush >= FLUSH_INTERVAL:
            self.flush()

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()
            self._last_flush = time.monotonic()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class TcpStream:
    """The synthesized TCP state of one connection: addresses, ports, sequence numbers."""

    def __init__(self, writer: PcapWriter, client: tuple[str, int], server: tuple[str, int]) -> None:
        self.writer = writer
        self._client_ip = ipaddress.ip_address(client[0].split("%")[0])
        self._server_ip = ipaddress.ip_address(server[0].split("%")[0])
        if self._client_ip.version != self._server_ip.version:  # IPv4-mapped IPv6 and the like
            self._client_ip = ipaddress.ip_address(_as_v4(client[0]))
            self._server_ip = ipaddress.ip_address(_as_v4(server[0]))
        self._client_port = client[1]
        self._server_port = server[1]
        # Arbitrary but fixed initial sequence numbers (Wireshark shows relative ones).
        self._seq = {True: 0x10000000, False: 0x20000000}  # True: client -> server
        self._ip_id = 0
        self.closed = False
        self._segment(True, _SYN, b"")
        self._seq[True] += 1
        self._segment(False, _SYN | _ACK, b"")
        self._seq[False] += 1
        self._segment(True, _ACK, b"")

    def record(self, inbound: bool, payload: bytes) -> None:
        """One message (`inbound`: from the client), already framed for the wire."""
        if self.closed:
            return
        for start in range(0, len(payload), _MAX_SEGMENT):
            chunk = payload[start : start + _MAX_SEGMENT]
            self._segment(inbound, _PSH | _ACK, chunk)
            self._seq[inbound] += len(chunk)

    def record_message(self, inbound: bool, message: bytes) -> None:
        """An SMB message without its 4-byte Direct TCP length: frame it, then record it."""
        self.record(inbound, struct.pack(">I", len(message)) + message)

    def close(self) -> None:
        if self.closed:
            return
        self._segment(True, _FIN | _ACK, b"")
        self._seq[True] += 1
        self._segment(False, _FIN | _ACK, b"")
        self._seq[False] += 1
        self._segment(True, _ACK, b"")
        self.closed = True
        self.writer.flush()

    def _segment(self, inbound: bool, flags: int, payload: bytes) -> None:
        if inbound:
            src, dst, sport, dport = self._client_ip, self._server_ip, self._client_port, self._server_port
        else:
            src, dst, sport, dport = self._server_ip, self._client_ip, self._server_port, self._client_port
        ack = self._seq[not inbound] if flags & _ACK else 0
        tcp = bytearray(struct.pack("!HHIIBBHHH", sport, dport, self._seq[inbound], ack, 5 << 4, flags, 65535, 0, 0))
        src_b, dst_b = src.packed, dst.packed
        length = 20 + len(payload)
        if src.version == 4:
            pseudo = src_b + dst_b + struct.pack("!BBH", 0, 6, length)
        else:
            pseudo = src_b + dst_b + struct.pack("!IxxxB", length, 6)
        struct.pack_into("!H", tcp, 16, _checksum(pseudo + bytes(tcp) + payload))
        if src.version == 4:
            self._ip_id = (self._ip_id + 1) & 0xFFFF
            ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + length, self._ip_id, 0x4000, 64, 6, 0, src_b, dst_b))
            struct.pack_into("!H", ip, 10, _checksum(bytes(ip)))
        else:
            ip = bytearray(struct.pack("!IHBB16s16s", 6 << 28, length, 6, 64, src_b, dst_b))
        self.writer.write_packet(bytes(ip) + bytes(tcp) + payload)


def _as_v4(address: str) -> str:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if isinstance(ip, ipaddress.IPv6Address) and ip == ipaddress.IPv6Address("::1"):
        return "127.0.0.1"
    return str(ip)
