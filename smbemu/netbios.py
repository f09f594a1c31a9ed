"""NetBIOS over TCP/IP (RFC 1001/1002): the session service (TCP 139) and the name service (UDP 137).

Session service: a client first sends a SESSION REQUEST (0x81) naming the called and calling
NetBIOS names; we answer POSITIVE SESSION RESPONSE (0x82) when the called name is ours (the
machine name, `*SMBSERVER`, or the address the client dialled), or NEGATIVE SESSION RESPONSE
(0x83, error 0x82 "called name not present") and close. Then SESSION MESSAGEs (0x00) carry the
same SMB frames as Direct TCP (their 4-byte header is compatible), and SESSION KEEP ALIVEs
(0x85) are dropped. A SESSION MESSAGE before any SESSION REQUEST, or a malformed request, gets
NEGATIVE SESSION RESPONSE error 0x8F ("unspecified error") and the connection closes, as
Windows answers (see `NbssFilter`). `NbssFilter` does this, sans-I/O, in front of the Direct
TCP framing of `smbemu.core.ConnectionCore`.

Name service: `NameService` answers NODE STATUS (NBSTAT) queries (RFC 1002 4.2.17/4.2.18) with the
names Windows registers for its role, and NAME QUERY requests (4.2.12/4.2.13) for those names.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from smbemu.profiles.model import SERVER_TYPE_BITS
from smbemu.service_catalog import is_running

if TYPE_CHECKING:
    from smbemu.config import ServerConfig

log = logging.getLogger("smbemu.netbios")

# Session service packet types (RFC 1002 4.3.1).
SESSION_MESSAGE = 0x00
SESSION_REQUEST = 0x81
POSITIVE_SESSION_RESPONSE = 0x82
NEGATIVE_SESSION_RESPONSE = 0x83
SESSION_KEEP_ALIVE = 0x85

# NEGATIVE SESSION RESPONSE error codes (RFC 1002 4.3.4).
NOT_LISTENING_ON_CALLED_NAME = 0x80
NOT_LISTENING_FOR_CALLING_NAME = 0x81
CALLED_NAME_NOT_PRESENT = 0x82
INSUFFICIENT_RESOURCES = 0x83
UNSPECIFIED_ERROR = 0x8F

# Name service (RFC 1002 4.2.1).
RR_TYPE_NB = 0x0020
RR_TYPE_NBSTAT = 0x0021
RR_CLASS_IN = 0x0001
_GROUP = 0x8000
_ACTIVE = 0x0400


@dataclass(frozen=True, slots=True)
class NetbiosName:
    name: str  # up to 15 characters, upper case
    suffix: int
    group: bool

    def label(self) -> str:
        return f"{self.name}<{self.suffix:02X}>{' (group)' if self.group else ''}"


#: The master browser's group name ``\x01\x02__MSBROWSE__\x02`` with suffix 0x01 (KB 163409,
#: "NetBIOS Suffixes": registered by the master browser of a subnet, shown by nbtstat as
#: ``..__MSBROWSE__.<01>``).
MSBROWSE: Final = "\x01\x02__MSBROWSE__\x02"


def names_for(machine: str, domain: str, role: str, *, messenger: bool = False,
              master_browser: bool = False) -> list[NetbiosName]:
    """The names Windows registers (``nbtstat -n``) for ``role`` ("standalone" | "member" |
    "dc"), in the order Windows lists them (KB 163409 and ``nbtstat -A`` of a 2000 DC: the
    Workstation and Server names, the domain's group names, Messenger, browser names).

    ``messenger``: the Messenger service runs (NT 4 and 2000; disabled from XP SP2 / 2003 on):
    it registers ``MACHINE<03>`` (and the console user's name, which no emulated machine has:
    nobody is logged on at its console, as NetrWkstaUserEnum says).  ``master_browser``: the
    Computer Browser service runs and the machine is its subnet's master browser (the
    SV_TYPE_MASTER_BROWSER bit srvsvc reports): ``DOMAIN<1D>`` and ``__MSBROWSE__<01>``."""
    machine, domain = machine.upper()[:15], domain.upper()[:15]
    names = [
        NetbiosName(machine, 0x00, False),  # Workstation service
        NetbiosName(domain, 0x00, True),  # domain / workgroup name
        NetbiosName(machine, 0x20, False),  # Server service
    ]
    if role == "dc":
        names.append(NetbiosName(domain, 0x1C, True))  # domain controllers
        names.append(NetbiosName(domain, 0x1B, False))  # domain master browser (PDC)
    if messenger:
        names.append(NetbiosName(machine, 0x03, False))  # Messenger service
    names.append(NetbiosName(domain, 0x1E, True))  # browser elections
    if master_browser:
        names.append(NetbiosName(domain, 0x1D, False))  # the subnet's master browser
        names.append(NetbiosName(MSBROWSE, 0x01, True))
    return names


def unit_id_for(machine: str) -> bytes:
    """The adapter address node status reports (RFC 1002 4.2.18 UNIT_ID) when none is given:
    a stable address per machine name under Hyper-V's OUI 00-15-5D (IEEE registry; a Windows
    guest's usual adapter), so two emulated machines never share one."""
    digest = hashlib.sha256(machine.upper().encode("utf-8")).digest()
    return bytes((0x00, 0x15, 0x5D)) + digest[:3]


def netbios_names(config: ServerConfig) -> list[NetbiosName]:
    """The names ``config``'s machine registers: its role's, and those of the services its
    release runs by default (`smbemu.service_catalog`: Messenger; Computer Browser, with the
    master-browser bit of the profile's srvsvc server type)."""
    directory, profile = config.directory, config.profile
    master = is_running(profile, "Browser") and bool(
        profile.identity.srvsvc.server_type & SERVER_TYPE_BITS["MASTER_BROWSER"])
    return names_for(directory.machine.netbios_name, directory.primary_domain.name, profile.role,
                     messenger=is_running(profile, "Messenger"), master_browser=master)


def adapter_address(config: ServerConfig) -> bytes:
    """The machine's MAC address: the one its ``--hosts`` entry gives (``mac:``), else
    `unit_id_for` its name."""
    return config.adapter_mac or unit_id_for(config.directory.machine.netbios_name)


# ------------------------------------------------------------------------------ name encoding
def encode_name(name: str, suffix: int) -> bytes:
    """RFC 1001 14.1 first-level encoding (no scope): 0x20, 32 letters 'A'..'P', 0x00."""
    raw = name.encode("ascii", "replace")[:15].ljust(15, b" ") + bytes([suffix])
    if name == "*":
        raw = b"*" + bytes(15)
    out = bytearray([32])
    for byte in raw:
        out += bytes([0x41 + (byte >> 4), 0x41 + (byte & 0xF)])
    return bytes(out) + b"\x00"


def decode_name(data: bytes, offset: int) -> tuple[str, int, int]:
    """Decode an encoded name at `offset` -> (name without padding, suffix, offset after it)."""
    length = data[offset]
    if length != 32 or len(data) < offset + 34:
        raise ValueError("not a first-level encoded NetBIOS name")
    encoded = data[offset + 1 : offset + 33]
    raw = bytes(((encoded[i] - 0x41) << 4) | ((encoded[i + 1] - 0x41) & 0xF) for i in range(0, 32, 2))
    offset += 33
    while data[offset] != 0:  # skip the scope labels
        offset += 1 + data[offset]
        if offset >= len(data):
            raise ValueError("truncated scope")
    name = raw[:15].rstrip(b" \x00").decode("ascii", "replace").upper()
    return name, raw[15], offset + 1


# ------------------------------------------------------------------------------ session service
class NbssFilter:
    """RFC 1002 session service framing in front of the Direct TCP parser (sans-I/O).

    `feed(data)` returns (bytes for the SMB connection, bytes to send back); `closed` is set when
    the connection must end (after sending what was returned).

    What Windows answers when the session cannot start (RFC 1002 4.3.4 leaves the choice of
    error code to the server):

    - a SESSION MESSAGE (e.g. an SMB NEGOTIATE sent as on port 445) before a SESSION REQUEST:
      NEGATIVE SESSION RESPONSE with error 0x8F, the 5 bytes 83 00 00 01 8F. Source: nmap's
      nmap-service-probes (7.93), probe `SMBProgNeg` (an SMB1 NEGOTIATE sent as a session
      message, no session request) on 139, line `match netbios-ssn m|^\x83\0\0\x01\x8f$|
      p/Microsoft Windows netbios-ssn/`, commented "matches Win 98 through Windows 8 / 2012 R2";
      Samba answers 0x81 there (`m|^\x83\0\0\x01\x81$| p/Samba smbd/`), so 0x8F is Windows'.
      The Linux CIFS client's comment in fs/cifs/connect.c (negative session response "we get
      this from Windows 98 instead of an error on SMB negprot response") records the same.
    - a SESSION REQUEST for a called name the host has not registered: error 0x82 "called name
      not present" -- RFC 1001 16.1.1.1 / RFC 1002 4.3.4 (0x80 "not listening on called name"
      is for a registered name without a posted listen; the Server service always listens on
      its <20> name). Microsoft's "Windows 2000 TCP/IP implementation details" only says the
      request "is rejected by the server, because there is no listen posted on that name" and
      the client sees error 51 (ERROR_REM_NOT_LIST); no public capture of the byte was found,
      so the RFC's code for an unregistered name is kept. Clients retry `*SMBSERVER` after
      either code (Samba's smbsock_connect.c, nmap's smb.lua `start_netbios`).
    - a malformed SESSION REQUEST: 0x8F "unspecified error" (sources silent; the RFC's
      catch-all). Other packet types a client never sends (0x82/0x83/0x84) close silently.
    """

    def __init__(self, accepted_names: set[str]) -> None:
        self.accepted_names = {name.upper() for name in accepted_names}
        self.established = False
        self.closed = False
        self._buffer = bytearray()
        self._passing = 0  # bytes of a SESSION MESSAGE still to pass through unbuffered
        # Optional observer of the session service's own packets (`--pcap`): tap(inbound, packet).
        self.tap: Callable[[bool, bytes], None] | None = None

    @property
    def has_partial_packet(self) -> bool:
        """An incomplete session service header or packet is buffered (slowloris: the transport times it out)."""
        return bool(self._buffer)

    def feed(self, data: bytes) -> tuple[bytes, bytes]:
        smb = bytearray()
        reply = bytearray()
        view = memoryview(data)
        if self._passing and not self._buffer:
            take = min(self._passing, len(view))
            smb += view[:take]
            self._passing -= take
            view = view[take:]
        self._buffer += view
        buffer = self._buffer
        while not self.closed:
            if self._passing:
                take = min(self._passing, len(buffer))
                smb += buffer[:take]
                del buffer[:take]
                self._passing -= take
                if self._passing:
                    break
                continue
            if len(buffer) < 4:
                break
            kind, flags = buffer[0], buffer[1]
            if kind == SESSION_MESSAGE:
                if not self.established:
                    self._refuse(reply, "session message before a session request", UNSPECIFIED_ERROR)
                    break
                # NBSS allows 17-bit lengths, Direct TCP 24-bit (which clients also send on 139):
                # the header passes through unchanged and the Direct TCP parser checks the limit.
                smb += buffer[:4]
                self._passing = int.from_bytes(buffer[1:4], "big")
                del buffer[:4]
                continue
            length = ((flags & 1) << 16) | struct.unpack_from(">H", buffer, 2)[0]
            if len(buffer) < 4 + length:
                break
            body = bytes(buffer[4 : 4 + length])
            if self.tap is not None:
                self.tap(True, bytes(buffer[: 4 + length]))
            del buffer[: 4 + length]
            if kind == SESSION_KEEP_ALIVE:
                continue
            if kind == SESSION_REQUEST and not self.established:
                try:
                    called, suffix, _ = decode_name(body, 0)
                except (ValueError, IndexError):
                    self._refuse(reply, "malformed session request", UNSPECIFIED_ERROR)
                    break
                if called in self.accepted_names or called == "*SMBSERVER":
                    self.established = True
                    answer = bytes([POSITIVE_SESSION_RESPONSE, 0, 0, 0])
                    log.debug("netbios session request for %s<%02X> accepted", called, suffix)
                    reply += answer
                    if self.tap is not None:
                        self.tap(False, answer)
                    continue
                self._refuse(reply, f"session request for {called}<{suffix:02X}>: called name not present",
                             CALLED_NAME_NOT_PRESENT)
                break
            self._refuse(reply, f"unexpected session service packet 0x{kind:02x}")
            break
        return bytes(smb), bytes(reply)

    def _refuse(self, reply: bytearray, why: str, error: int | None = None) -> None:
        """End the session: with a NEGATIVE SESSION RESPONSE carrying `error` (RFC 1002 4.3.4),
        or silently when `error` is None."""
        log.info("closing netbios session: %s", why)
        self.closed = True
        if error is not None:
            answer = bytes([NEGATIVE_SESSION_RESPONSE, 0, 0, 1, error])
            reply += answer
            if self.tap is not None:
                self.tap(False, answer)


# ------------------------------------------------------------------------------ name service
class NameService:
    """UDP 137 on one address: node status and name queries for one host's names (sans-I/O;
    `smbemu.server` owns the datagram endpoint)."""

    def __init__(self, names: list[NetbiosName], address: str, unit_id: bytes = bytes(6)) -> None:
        self.names = names
        self.address = address
        self.unit_id = unit_id

    def reply_to(self, packet: bytes, sender: tuple[str | Any, int]) -> bytes | None:
        """The answer to one datagram; a malformed one is logged and ignored."""
        try:
            return self.answer(packet)
        except (ValueError, IndexError, struct.error):
            log.debug("ignoring a malformed name service packet from %s:%d", *sender)
            return None

    def answer(self, packet: bytes) -> bytes | None:
        """The response to one name service request, or None when it is not for us."""
        if len(packet) < 12:
            return None
        trn_id, flags, qdcount = struct.unpack_from(">HHH", packet, 0)
        if flags & 0x8000 or (flags >> 11) & 0xF != 0 or qdcount < 1:
            return None  # a response, or not a QUERY
        name, suffix, offset = decode_name(packet, 12)
        qtype, qclass = struct.unpack_from(">HH", packet, offset)
        question = packet[12:offset]
        if qtype == RR_TYPE_NBSTAT:
            log.info("netbios node status query for %s answered (%d names)", self.address, len(self.names))
            return self._node_status(trn_id, question)
        if qtype == RR_TYPE_NB:
            for entry in self.names:
                if entry.name == name and entry.suffix == suffix:
                    log.info("netbios name query for %s answered: %s", entry.label(), self.address)
                    return self._positive_query(trn_id, question, entry)
        return None

    def _node_status(self, trn_id: int, question: bytes) -> bytes:
        # RFC 1002 4.2.18: header (response, opcode 0, AA), one answer NBSTAT record.
        header = struct.pack(">HHHHHH", trn_id, 0x8400, 0, 1, 0, 0)
        rdata = bytearray([len(self.names)])
        for entry in self.names:
            raw = entry.name.encode("latin-1", "replace")[:15].ljust(15, b" ") + bytes([entry.suffix])
            rdata += raw + struct.pack(">H", _ACTIVE | (_GROUP if entry.group else 0))
        # STATISTICS: UNIT_ID (the adapter's MAC address, which `nbtstat -A` prints), then
        # counters that Windows reports as zero.
        rdata += self.unit_id + bytes(40)
        return header + question + struct.pack(">HHIH", RR_TYPE_NBSTAT, RR_CLASS_IN, 0, len(rdata)) + bytes(rdata)

    def _positive_query(self, trn_id: int, question: bytes, entry: NetbiosName) -> bytes:
        # RFC 1002 4.2.13: header (response, AA, RD), one NB record with our address (B node).
        header = struct.pack(">HHHHHH", trn_id, 0x8500, 0, 1, 0, 0)
        address = ipaddress.IPv4Address(self.address).packed
        rdata = struct.pack(">H", _GROUP if entry.group else 0) + address
        return header + question + struct.pack(">HHIH", RR_TYPE_NB, RR_CLASS_IN, 300000, len(rdata)) + rdata
