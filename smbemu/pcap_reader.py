"""Reading captures: classic pcap and pcapng files, down to the TCP byte streams they carry.

`smbemu.pcap` *writes* captures; this module *reads* other people's (a trace of a real Windows
server, for ``smbemu profiles new --from-pcap``). Pure Python, no scapy / pyshark:

* containers: libpcap (both byte orders, microsecond and nanosecond magic; "pcap-savefile"(5))
  and pcapng (Section Header, Interface Description, Enhanced and Simple Packet blocks;
  draft-ietf-opsawg-pcapng, sections 4.1-4.4), every interface with its own link type;
* link layers: Ethernet (with 802.1Q / QinQ tags), Linux cooked v1 and v2, raw IPv4 / IPv6,
  BSD loopback (the LINKTYPE_* values of tcpdump.org/linktypes.html);
* IPv4 (RFC 791; fragments are skipped) and IPv6 (RFC 8200, walking the extension headers);
* TCP (RFC 9293): each direction's segments are put back in sequence order from the SYN (or the
  first segment seen), retransmissions and overlaps dropped; a gap ends that direction's stream
  (what follows it cannot be framed).

A file that is not a capture, or is cut short inside a header, raises `CaptureError` with one
line saying what is wrong; a packet truncated by the capture's snap length is used as far as it goes.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CaptureError", "TcpStream", "read_packets", "tcp_streams"]

# LINKTYPE_* values (tcpdump.org/linktypes.html).
LINKTYPE_NULL = 0  # BSD loopback: a 4-byte address family in host byte order
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101  # an IPv4 or IPv6 packet, no link header (what smbemu.pcap writes)
LINKTYPE_LOOP = 108  # OpenBSD loopback: the family in network byte order
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276
_DLT_RAW_ALIASES = (12, 14)  # DLT_RAW on OpenBSD / some BSDs, as written in old files

_PCAP_MAGIC = {
    b"\xd4\xc3\xb2\xa1": "<",  # microseconds, little-endian
    b"\xa1\xb2\xc3\xd4": ">",
    b"\x4d\x3c\xb2\xa1": "<",  # nanoseconds
    b"\xa1\xb2\x3c\x4d": ">",
}
_PCAPNG_SHB = 0x0A0D0D0A
_PCAPNG_BYTE_ORDER_MAGIC = 0x1A2B3C4D
_ETHERTYPE_IPV4, _ETHERTYPE_IPV6, _ETHERTYPE_VLAN = 0x0800, 0x86DD, (0x8100, 0x88A8, 0x9100)
_IPPROTO_TCP = 6
_IPV6_EXTENSIONS = (0, 43, 60, 135, 139, 140)  # hop-by-hop, routing, destination options, mobility, HIP, shim6
_IPV6_FRAGMENT, _IPV6_AH = 44, 51
_TCP_SYN, _TCP_FIN, _TCP_RST = 0x02, 0x01, 0x04


class CaptureError(Exception):
    """The file cannot be read as a capture; ``str()`` is one line naming the file."""

    def __init__(self, path: str | Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


# ------------------------------------------------------------------------------ containers


def read_packets(path: str | Path) -> Iterator[tuple[int, bytes]]:
    """(link type, frame bytes) for every packet of a pcap or pcapng file, in file order."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CaptureError(path, f"cannot read: {exc.strerror or exc}") from None
    if len(data) < 4:
        raise CaptureError(path, f"not a capture: {len(data)} bytes, too short for a pcap or pcapng header")
    if data[:4] in _PCAP_MAGIC:
        return _pcap_packets(path, data, _PCAP_MAGIC[data[:4]])
    if struct.unpack_from("<I", data)[0] == _PCAPNG_SHB:
        return _pcapng_packets(path, data)
    raise CaptureError(path, f"not a pcap or pcapng file (starts with {data[:4].hex()})")


def _pcap_packets(path: str | Path, data: bytes, order: str) -> Iterator[tuple[int, bytes]]:
    if len(data) < 24:
        raise CaptureError(path, "truncated pcap file header (24 bytes needed)")
    link_type = struct.unpack_from(order + "I", data, 20)[0] & 0x0FFFFFFF  # upper bits: FCS info
    record = struct.Struct(order + "IIII")
    pos = 24
    while pos < len(data):
        if pos + record.size > len(data):
            raise CaptureError(path, f"truncated pcap record header at byte {pos}")
        _, _, captured, _ = record.unpack_from(data, pos)
        pos += record.size
        if pos + captured > len(data):
            raise CaptureError(path, f"truncated packet at byte {pos}: {captured} bytes announced, {len(data) - pos} left")
        yield link_type, data[pos : pos + captured]
        pos += captured


def _pcapng_packets(path: str | Path, data: bytes) -> Iterator[tuple[int, bytes]]:
    pos = 0
    order = "<"
    interfaces: list[int] = []  # link type per interface, in the order of their IDB (per section)
    while pos < len(data):
        if pos + 12 > len(data):
            raise CaptureError(path, f"truncated pcapng block at byte {pos}")
        block_type = struct.unpack_from("<I", data, pos)[0]
        if block_type == _PCAPNG_SHB:
            magic = data[pos + 8 : pos + 12]
            if magic == struct.pack("<I", _PCAPNG_BYTE_ORDER_MAGIC):
                order = "<"
            elif magic == struct.pack(">I", _PCAPNG_BYTE_ORDER_MAGIC):
                order = ">"
            else:
                raise CaptureError(path, f"pcapng section header at byte {pos} has no byte-order magic")
            interfaces = []
        block_type, length = struct.unpack_from(order + "II", data, pos)
        if length < 12 or length % 4 or pos + length > len(data):
            raise CaptureError(path, f"truncated or malformed pcapng block at byte {pos} (length {length})")
        body = data[pos + 8 : pos + length - 4]
        if block_type == 1:  # Interface Description Block: LinkType (2), Reserved (2), SnapLen (4)
            interfaces.append(struct.unpack_from(order + "H", body)[0] if len(body) >= 2 else -1)
        elif block_type == 6:  # Enhanced Packet Block
            if len(body) < 20:
                raise CaptureError(path, f"truncated pcapng enhanced packet block at byte {pos}")
            interface, _, _, captured, _ = struct.unpack_from(order + "IIIII", body)
            if interface >= len(interfaces):
                raise CaptureError(path, f"packet at byte {pos} names interface {interface}, which is not described")
            if 20 + captured > len(body):
                raise CaptureError(path, f"truncated packet in the pcapng block at byte {pos}")
            yield interfaces[interface], body[20 : 20 + captured]
        elif block_type == 3:  # Simple Packet Block: interface 0, the packet up to the block's end
            if not interfaces:
                raise CaptureError(path, f"simple packet block at byte {pos} before any interface description")
            yield interfaces[0], body[4:]
        pos += length


# ----------------------------------------------------------------------------- link and IP


@dataclass(frozen=True)
class _Segment:
    source: tuple[str, int]
    destination: tuple[str, int]
    seq: int
    flags: int
    payload: bytes


def _ip_payload(link_type: int, frame: bytes) -> bytes | None:
    """The IP packet inside a frame, or None (not IP, or a link type we do not read)."""
    if link_type == LINKTYPE_ETHERNET:
        pos, ethertype = 14, struct.unpack_from("!H", frame, 12)[0] if len(frame) >= 14 else 0
        while ethertype in _ETHERTYPE_VLAN and len(frame) >= pos + 4:
            ethertype = struct.unpack_from("!H", frame, pos + 2)[0]
            pos += 4
        return frame[pos:] if ethertype in (_ETHERTYPE_IPV4, _ETHERTYPE_IPV6) else None
    if link_type == LINKTYPE_LINUX_SLL:  # 16 bytes, the protocol type last
        ok = len(frame) >= 16 and struct.unpack_from("!H", frame, 14)[0] in (_ETHERTYPE_IPV4, _ETHERTYPE_IPV6)
        return frame[16:] if ok else None
    if link_type == LINKTYPE_LINUX_SLL2:  # 20 bytes, the protocol type first
        ok = len(frame) >= 20 and struct.unpack_from("!H", frame, 0)[0] in (_ETHERTYPE_IPV4, _ETHERTYPE_IPV6)
        return frame[20:] if ok else None
    if link_type in (LINKTYPE_NULL, LINKTYPE_LOOP):
        return frame[4:] if len(frame) > 4 else None
    if link_type in (LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6, *_DLT_RAW_ALIASES):
        return frame
    return None


def _tcp_segment(packet: bytes) -> _Segment | None:
    if not packet:
        return None
    version = packet[0] >> 4
    if version == 4 and len(packet) >= 20:
        header_length = (packet[0] & 0x0F) * 4
        total_length, fragment = struct.unpack_from("!H2xH", packet, 2)
        if packet[9] != _IPPROTO_TCP or fragment & 0x3FFF or header_length < 20:  # MF or an offset: a fragment
            return None
        end = min(len(packet), total_length) if total_length else len(packet)  # 0: TCP segmentation offload
        source, destination = str(ipaddress.IPv4Address(packet[12:16])), str(ipaddress.IPv4Address(packet[16:20]))
        return _tcp(packet[header_length:end], source, destination)
    if version == 6 and len(packet) >= 40:
        payload_length, next_header = struct.unpack_from("!HB", packet, 4)
        source, destination = str(ipaddress.IPv6Address(packet[8:24])), str(ipaddress.IPv6Address(packet[24:40]))
        pos, end = 40, min(len(packet), 40 + payload_length) if payload_length else len(packet)
        while next_header in (*_IPV6_EXTENSIONS, _IPV6_AH) and pos + 2 <= end:
            size = (packet[pos + 1] + 2) * 4 if next_header == _IPV6_AH else (packet[pos + 1] + 1) * 8
            next_header, pos = packet[pos], pos + size
        if next_header != _IPPROTO_TCP:  # a fragment header (44) lands here too: not reassembled
            return None
        return _tcp(packet[pos:end], source, destination)
    return None


def _tcp(segment: bytes, source: str, destination: str) -> _Segment | None:
    if len(segment) < 20:
        return None
    sport, dport, seq, _, offset_flags = struct.unpack_from("!HHIIH", segment)
    data_offset = (offset_flags >> 12) * 4
    if data_offset < 20:
        return None
    return _Segment((source, sport), (destination, dport), seq, offset_flags & 0x3F, segment[data_offset:])


# ------------------------------------------------------------------------------ reassembly


@dataclass
class TcpStream:
    """One TCP connection: ``a`` is the side that sent the SYN (else the first sender seen).
    ``a_to_b`` / ``b_to_a`` are the in-order bytes each way; ``gap`` is true when a direction
    stopped at missing data."""

    a: tuple[str, int]
    b: tuple[str, int]
    a_to_b: bytes = b""
    b_to_a: bytes = b""
    gap: bool = False


@dataclass
class _Direction:
    isn: int | None = None
    segments: list[tuple[int, bytes]] = field(default_factory=list)  # (seq, payload) as captured

    def assemble(self) -> tuple[bytes, bool]:
        if not self.segments:
            return b"", False
        start = self.isn if self.isn is not None else min(s for s, _ in self.segments)
        # Relative offsets, modulo 2**32 (the sequence space wraps, RFC 9293 3.4).
        pieces = sorted(((seq - start) % (1 << 32), payload) for seq, payload in self.segments)
        out = bytearray()
        for offset, payload in pieces:
            if offset > len(out):
                return bytes(out), True
            if offset + len(payload) > len(out):
                out += payload[len(out) - offset :]
        return bytes(out), False


def tcp_streams(path: str | Path) -> list[TcpStream]:
    """Every TCP connection of a capture with its two reassembled byte streams, in the order of
    their first packet. A new SYN on a 4-tuple already seen starts a new connection."""
    streams: list[tuple[TcpStream, dict[tuple[str, int], _Direction]]] = []
    live: dict[frozenset[tuple[str, int]], int] = {}
    for link_type, frame in read_packets(path):
        packet = _ip_payload(link_type, frame)
        segment = _tcp_segment(packet) if packet is not None else None
        if segment is None:
            continue
        key = frozenset((segment.source, segment.destination))
        index = live.get(key)
        syn_only = segment.flags & (_TCP_SYN | 0x10) == _TCP_SYN
        if index is not None and syn_only and streams[index][1][segment.source].segments:
            index = None  # a SYN after data: the 4-tuple is reused by a new connection
        if index is None:
            a, b = segment.source, segment.destination
            if segment.flags & _TCP_SYN and not syn_only:  # a SYN-ACK seen first: its receiver opened
                a, b = b, a
            streams.append((TcpStream(a, b), {a: _Direction(), b: _Direction()}))
            index = live[key] = len(streams) - 1
        direction = streams[index][1][segment.source]
        if segment.flags & _TCP_SYN:
            direction.isn = (segment.seq + 1) % (1 << 32)  # the SYN takes one sequence number
        elif segment.payload:
            direction.segments.append((segment.seq, segment.payload))
    out = []
    for stream, directions in streams:
        stream.a_to_b, gap_a = directions[stream.a].assemble()
        stream.b_to_a, gap_b = directions[stream.b].assemble()
        stream.gap = gap_a or gap_b
        out.append(stream)
    return out
