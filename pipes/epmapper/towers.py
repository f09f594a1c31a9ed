"""Protocol towers: how the endpoint mapper names an endpoint (C706 appendix L, MS-RPCE 2.2.1.2).

A tower is the opaque ``tower_octet_string`` of a ``twr_t``: NDR does not see inside it (C706
appendix L: "for historical reasons, this cannot be done using the standard NDR encoding
rules").  Its layout: a 2-byte floor count, then the floors, each a left-hand side (2-byte
length, protocol identifier, identifier data) and a right-hand side (2-byte length, related or
address data).  Counts and lengths are little-endian; port numbers and IPv4 addresses are in
network order (C706 appendix I).

The floors Windows builds for the three protocol sequences served here (MS-RPCE 2.2.1.2.x;
Samba's librpc/idl/epmapper.idl names the same identifiers):

=======  ====================================  =========================================
floor    ncacn_ip_tcp                          ncacn_np                 ncalrpc
=======  ====================================  =========================================
1        0x0D interface UUID + major | minor   same                     same
2        0x0D NDR 8a885d04... v2 | minor 0     same                     same
3        0x0B connection-oriented RPC | 0      0x0B | 0                 0x0C local RPC | 0
4        0x07 TCP port (big-endian)            0x0F pipe name, NUL      0x10 endpoint name, NUL
5        0x09 IPv4 address (4 bytes)           0x11 NetBIOS host, NUL   (none)
=======  ====================================  =========================================
"""

from __future__ import annotations

import ipaddress
import struct
import uuid
from dataclasses import dataclass
from typing import Final

__all__ = [
    "Floor", "Tower", "TowerError", "NDR20_SYNTAX",
    "PROTOCOL_UUID", "PROTOCOL_NCACN", "PROTOCOL_NCALRPC", "PROTOCOL_TCP", "PROTOCOL_IP",
    "PROTOCOL_NAMED_PIPE", "PROTOCOL_NETBIOS_HOST", "PROTOCOL_LOCAL_NAME",
    "tcp_tower", "pipe_tower", "local_tower", "encode_tower", "decode_tower",
]

# Protocol identifiers (C706 appendix I; MS-RPCE 2.2.1.2.1-2.2.1.2.4).
PROTOCOL_UUID: Final = 0x0D  # an interface or transfer syntax: UUID + version
PROTOCOL_NCACN: Final = 0x0B  # connection-oriented RPC (ncacn_*)
PROTOCOL_NCALRPC: Final = 0x0C  # local RPC (ncalrpc)
PROTOCOL_TCP: Final = 0x07
PROTOCOL_IP: Final = 0x09
PROTOCOL_NAMED_PIPE: Final = 0x0F  # MS-RPCE 2.2.1.2.2: "\PIPE\name", NUL-terminated
PROTOCOL_LOCAL_NAME: Final = 0x10  # MS-RPCE 2.2.1.2.4: the ncalrpc endpoint name
PROTOCOL_NETBIOS_HOST: Final = 0x11  # MS-RPCE 2.2.1.2.2: "\\HOST", NUL-terminated

#: The NDR transfer syntax (C706 appendix I): the second floor of every tower Windows registers.
NDR20_SYNTAX: Final = (uuid.UUID("8a885d04-1ceb-11c9-9fe8-08002b104860"), 2, 0)

_U16: Final = struct.Struct("<H")
_PORT: Final = struct.Struct(">H")
#: C706 appendix L: a tower has a handful of floors; more is garbage, not an endpoint.
MAX_FLOORS: Final = 16


class TowerError(ValueError):
    """A tower octet string that does not decode."""


@dataclass(frozen=True, slots=True)
class Floor:
    """One floor: the protocol identifier and its data (LHS), the related data (RHS)."""

    protocol: int
    lhs_data: bytes = b""
    rhs: bytes = b""

    @staticmethod
    def syntax(syntax_uuid: uuid.UUID, major: int, minor: int) -> Floor:
        """An interface or transfer syntax floor: UUID (little-endian, MS-DTYP 2.3.4.2) and
        major version on the left, the minor version on the right."""
        return Floor(PROTOCOL_UUID, syntax_uuid.bytes_le + _U16.pack(major), _U16.pack(minor))

    def as_syntax(self) -> tuple[uuid.UUID, int, int] | None:
        """(UUID, major, minor) of a syntax floor; None for any other floor."""
        if self.protocol != PROTOCOL_UUID or len(self.lhs_data) != 18 or len(self.rhs) != 2:
            return None
        return (uuid.UUID(bytes_le=self.lhs_data[:16]), _U16.unpack_from(self.lhs_data, 16)[0],
                _U16.unpack(self.rhs)[0])


@dataclass(frozen=True, slots=True)
class Tower:
    floors: tuple[Floor, ...]

    @property
    def interface(self) -> tuple[uuid.UUID, int, int] | None:
        return self.floors[0].as_syntax() if self.floors else None

    @property
    def transfer_syntax(self) -> tuple[uuid.UUID, int, int] | None:
        return self.floors[1].as_syntax() if len(self.floors) > 1 else None

    @property
    def protocols(self) -> tuple[int, ...]:
        """The protocol identifiers of floors 3 and up: (0x0B, 0x07, 0x09) is ncacn_ip_tcp."""
        return tuple(f.protocol for f in self.floors[2:])


def encode_tower(tower: Tower) -> bytes:
    out = bytearray(_U16.pack(len(tower.floors)))
    for floor in tower.floors:
        left = bytes((floor.protocol,)) + floor.lhs_data
        out += _U16.pack(len(left)) + left + _U16.pack(len(floor.rhs)) + floor.rhs
    return bytes(out)


def decode_tower(data: bytes | bytearray | memoryview) -> Tower:
    """The floors of a tower octet string; raises :class:`TowerError` on anything malformed
    (a client's ept_map tower is untrusted input)."""
    raw = bytes(data)
    if len(raw) < 2:
        raise TowerError("tower shorter than its floor count")
    count = _U16.unpack_from(raw, 0)[0]
    if not 1 <= count <= MAX_FLOORS:
        raise TowerError(f"{count} floors")
    pos = 2
    floors = []
    for _ in range(count):
        if pos + 2 > len(raw):
            raise TowerError("floor runs past the tower")
        lhs_len = _U16.unpack_from(raw, pos)[0]
        pos += 2
        if lhs_len < 1 or pos + lhs_len + 2 > len(raw):
            raise TowerError("floor left-hand side runs past the tower")
        protocol, lhs_data = raw[pos], raw[pos + 1:pos + lhs_len]
        pos += lhs_len
        rhs_len = _U16.unpack_from(raw, pos)[0]
        pos += 2
        if pos + rhs_len > len(raw):
            raise TowerError("floor right-hand side runs past the tower")
        floors.append(Floor(protocol, lhs_data, raw[pos:pos + rhs_len]))
        pos += rhs_len
    return Tower(tuple(floors))


def _head(interface: tuple[uuid.UUID, int, int], rpc_protocol: int) -> tuple[Floor, Floor, Floor]:
    # Floor 3's right-hand side is the protocol's minor version: 0 (MS-RPCE 2.2.1.2.1).
    return (Floor.syntax(*interface), Floor.syntax(*NDR20_SYNTAX), Floor(rpc_protocol, b"", b"\x00\x00"))


def tcp_tower(interface: tuple[uuid.UUID, int, int], port: int, address: str) -> Tower:
    """ncacn_ip_tcp (MS-RPCE 2.2.1.2.1): port in network order, then the IPv4 address."""
    ip = ipaddress.IPv4Address(address) if address else ipaddress.IPv4Address(0)
    return Tower((*_head(interface, PROTOCOL_NCACN), Floor(PROTOCOL_TCP, b"", _PORT.pack(port)),
                  Floor(PROTOCOL_IP, b"", ip.packed)))


def pipe_tower(interface: tuple[uuid.UUID, int, int], pipe: str, host: str) -> Tower:
    """ncacn_np (MS-RPCE 2.2.1.2.2): ``\\PIPE\\name`` and ``\\\\HOST``, ASCII, NUL-terminated."""
    return Tower((*_head(interface, PROTOCOL_NCACN),
                  Floor(PROTOCOL_NAMED_PIPE, b"", pipe.encode("ascii", "replace") + b"\x00"),
                  Floor(PROTOCOL_NETBIOS_HOST, b"", host.encode("ascii", "replace") + b"\x00")))


def local_tower(interface: tuple[uuid.UUID, int, int], endpoint: str) -> Tower:
    """ncalrpc (MS-RPCE 2.2.1.2.4): the local endpoint's name, NUL-terminated; four floors."""
    return Tower((*_head(interface, PROTOCOL_NCALRPC),
                  Floor(PROTOCOL_LOCAL_NAME, b"", endpoint.encode("ascii", "replace") + b"\x00")))
