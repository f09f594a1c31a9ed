"""NTLMSSP wire formats: NEGOTIATE, CHALLENGE, AUTHENTICATE (MS-NLMP 2.2.1), AV pairs (2.2.2.1),
VERSION (2.2.2.10) and the NegotiateFlags (2.2.2.5).

Every parser takes untrusted bytes and raises :class:`NtlmError` -- and nothing else -- when they
are truncated or inconsistent. Parsed messages are frozen dataclasses; ``pack()`` is the inverse of
``parse()`` for the fields we model (tests build client messages with it).
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Iterable
from dataclasses import dataclass

SIGNATURE = b"NTLMSSP\x00"
OEM_ENCODING = "cp437"  # the OEM code page of a US-English Windows; AV pairs are always UTF-16LE

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_FIELD = struct.Struct("<HHI")  # Len, MaxLen, BufferOffset: the "*Fields" of MS-NLMP 2.2.1.x
_HEAD = struct.Struct("<8sI")  # Signature, MessageType


class NtlmError(Exception):
    """A malformed NTLMSSP message or token, or an NTLM operation that cannot be done."""


class MessageType(enum.IntEnum):
    """MS-NLMP 2.2.1: the MessageType field."""

    NEGOTIATE = 1
    CHALLENGE = 2
    AUTHENTICATE = 3


class NegotiateFlags(enum.IntFlag):
    """MS-NLMP 2.2.2.5 NEGOTIATE: the NegotiateFlags bits, under the spec's own names."""

    NTLMSSP_NEGOTIATE_UNICODE = 0x00000001
    NTLM_NEGOTIATE_OEM = 0x00000002
    NTLMSSP_REQUEST_TARGET = 0x00000004
    NTLMSSP_NEGOTIATE_SIGN = 0x00000010
    NTLMSSP_NEGOTIATE_SEAL = 0x00000020
    NTLMSSP_NEGOTIATE_DATAGRAM = 0x00000040
    NTLMSSP_NEGOTIATE_LM_KEY = 0x00000080
    NTLMSSP_NEGOTIATE_NTLM = 0x00000200
    NTLMSSP_ANONYMOUS = 0x00000800  # "J" in the spec's diagram
    NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED = 0x00001000
    NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED = 0x00002000
    NTLMSSP_NEGOTIATE_ALWAYS_SIGN = 0x00008000
    NTLMSSP_TARGET_TYPE_DOMAIN = 0x00010000
    NTLMSSP_TARGET_TYPE_SERVER = 0x00020000
    NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000
    NTLMSSP_NEGOTIATE_IDENTIFY = 0x00100000
    NTLMSSP_REQUEST_NON_NT_SESSION_KEY = 0x00400000
    NTLMSSP_NEGOTIATE_TARGET_INFO = 0x00800000
    NTLMSSP_NEGOTIATE_VERSION = 0x02000000
    NTLMSSP_NEGOTIATE_128 = 0x20000000
    NTLMSSP_NEGOTIATE_KEY_EXCH = 0x40000000
    NTLMSSP_NEGOTIATE_56 = 0x80000000


class AvId(enum.IntEnum):
    """MS-NLMP 2.2.2.1 AV_PAIR: the AvId values."""

    MsvAvEOL = 0
    MsvAvNbComputerName = 1
    MsvAvNbDomainName = 2
    MsvAvDnsComputerName = 3
    MsvAvDnsDomainName = 4
    MsvAvDnsTreeName = 5
    MsvAvFlags = 6
    MsvAvTimestamp = 7
    MsvAvSingleHost = 8
    MsvAvTargetName = 9
    MsvAvChannelBindings = 10


class AvFlags(enum.IntFlag):
    """MS-NLMP 2.2.2.1: the bits of the MsvAvFlags value."""

    ACCOUNT_AUTHENTICATION_CONSTRAINED = 0x1
    MIC_PRESENT = 0x2  # the AUTHENTICATE_MESSAGE carries a MIC
    SPN_FROM_UNTRUSTED_SOURCE = 0x4


AvPairs = list[tuple[int, bytes]]


def pack_av_pairs(pairs: Iterable[tuple[int, bytes]]) -> bytes:
    """MS-NLMP 2.2.2.1: AvId (2), AvLen (2), Value; the list ends with MsvAvEOL (which we add)."""
    out = bytearray()
    for av_id, value in pairs:
        out += _U16.pack(av_id) + _U16.pack(len(value)) + value
    return bytes(out + b"\x00\x00\x00\x00")


def parse_av_pairs(data: bytes) -> AvPairs:
    """Parse an AV_PAIR list up to MsvAvEOL (MS-NLMP 2.2.2.1); a list without EOL is malformed."""
    pairs: AvPairs = []
    pos = 0
    while pos + 4 <= len(data):
        av_id, av_len = _U16.unpack_from(data, pos)[0], _U16.unpack_from(data, pos + 2)[0]
        pos += 4
        if av_id == AvId.MsvAvEOL:
            return pairs
        if pos + av_len > len(data):
            raise NtlmError("AV_PAIR value runs past the end of the list")
        pairs.append((av_id, bytes(data[pos : pos + av_len])))
        pos += av_len
    raise NtlmError("AV_PAIR list without MsvAvEOL")


def av_value(pairs: AvPairs, av_id: int) -> bytes | None:
    """The value of the first pair with this AvId, or None."""
    return next((value for pid, value in pairs if pid == av_id), None)


@dataclass(frozen=True)
class Version:
    """MS-NLMP 2.2.2.10 VERSION: ProductMajorVersion, ProductMinorVersion, ProductBuild, 3 reserved
    bytes, NTLMRevisionCurrent (0x0F = NTLMSSP_REVISION_W2K3)."""

    major: int
    minor: int
    build: int
    revision: int = 0x0F

    _STRUCT = struct.Struct("<BBH3xB")

    def pack(self) -> bytes:
        return self._STRUCT.pack(self.major, self.minor, self.build, self.revision)

    @classmethod
    def parse(cls, data: bytes, pos: int = 0) -> Version:
        if pos + 8 > len(data):
            raise NtlmError("truncated VERSION")
        return cls(*cls._STRUCT.unpack_from(data, pos))


# --- helpers shared by the three messages -------------------------------------------------------


def encode_string(text: str, flags: int) -> bytes:
    """Text fields are UTF-16LE when NTLMSSP_NEGOTIATE_UNICODE is negotiated, else OEM (2.2.2.5)."""
    if flags & NegotiateFlags.NTLMSSP_NEGOTIATE_UNICODE:
        return text.encode("utf-16-le", "surrogatepass")
    return text.encode(OEM_ENCODING, "replace")


def decode_string(data: bytes, flags: int) -> str:
    if flags & NegotiateFlags.NTLMSSP_NEGOTIATE_UNICODE:
        if len(data) % 2:
            raise NtlmError("odd-length UTF-16 string")
        return data.decode("utf-16-le", "surrogatepass")
    return data.decode(OEM_ENCODING)


def _check_header(data: bytes, message_type: MessageType, fixed_length: int) -> None:
    if len(data) < fixed_length:
        raise NtlmError(f"NTLM {message_type.name} message shorter than {fixed_length} bytes")
    signature, found = _HEAD.unpack_from(data, 0)
    if signature != SIGNATURE:
        raise NtlmError("not an NTLMSSP message")
    if found != message_type:
        raise NtlmError(f"expected NTLM {message_type.name} message, got type {found}")


def _read_field(data: bytes, pos: int) -> tuple[bytes, int]:
    """Read Len/MaxLen/BufferOffset at ``pos``; return the payload bytes and their offset."""
    length, _max_length, offset = _FIELD.unpack_from(data, pos)
    if length == 0:
        return b"", len(data)
    if offset + length > len(data):
        raise NtlmError("field runs past the end of the NTLM message")
    return bytes(data[offset : offset + length]), offset


def _pack_payload(header_length: int, values: list[bytes]) -> tuple[list[bytes], bytes]:
    """Lay ``values`` out after the fixed header; return their *Fields and the payload."""
    fields: list[bytes] = []
    offset = header_length
    for value in values:
        fields.append(_FIELD.pack(len(value), len(value), offset))
        offset += len(value)
    return fields, b"".join(values)


def message_type(token: bytes) -> MessageType | None:
    """The MessageType of an NTLMSSP token, or None when it is not one."""
    if len(token) < 12 or token[:8] != SIGNATURE:
        return None
    try:
        return MessageType(_U32.unpack_from(token, 8)[0])
    except ValueError:
        return None


# --- MS-NLMP 2.2.1.1 NEGOTIATE_MESSAGE ----------------------------------------------------------


@dataclass(frozen=True)
class NegotiateMessage:
    """MS-NLMP 2.2.1.1: Signature, MessageType (1), NegotiateFlags, DomainNameFields,
    WorkstationFields, Version (8, present when NTLMSSP_NEGOTIATE_VERSION), Payload.
    Domain and workstation are OEM strings (…_OEM_DOMAIN/WORKSTATION_SUPPLIED)."""

    flags: int
    domain_name: str = ""
    workstation: str = ""
    version: Version | None = None

    def pack(self) -> bytes:
        header_length = 40 if self.version is not None else 32
        values = [self.domain_name.encode(OEM_ENCODING), self.workstation.encode(OEM_ENCODING)]
        fields, payload = _pack_payload(header_length, values)
        version = self.version.pack() if self.version is not None else b""
        head = _HEAD.pack(SIGNATURE, MessageType.NEGOTIATE) + _U32.pack(self.flags)
        return head + b"".join(fields) + version + payload

    @classmethod
    def parse(cls, data: bytes) -> NegotiateMessage:
        # Old clients (NT4, Win9x) stop after the flags; WorkstationFields is then absent too.
        _check_header(data, MessageType.NEGOTIATE, 16)
        flags = _U32.unpack_from(data, 12)[0]
        domain = workstation = b""
        payload_start = len(data)
        if len(data) >= 32:
            domain, off1 = _read_field(data, 16)
            workstation, off2 = _read_field(data, 24)
            payload_start = min(off1, off2)
        version = None
        if flags & NegotiateFlags.NTLMSSP_NEGOTIATE_VERSION and len(data) >= 40 and payload_start >= 40:
            version = Version.parse(data, 32)
        return cls(flags, domain.decode(OEM_ENCODING), workstation.decode(OEM_ENCODING), version)


# --- MS-NLMP 2.2.1.2 CHALLENGE_MESSAGE ----------------------------------------------------------


@dataclass(frozen=True)
class ChallengeMessage:
    """MS-NLMP 2.2.1.2: Signature, MessageType (2), TargetNameFields, NegotiateFlags,
    ServerChallenge (8), Reserved (8), TargetInfoFields, Version (8, only with
    NTLMSSP_NEGOTIATE_VERSION: NT4/2000 send the 48-byte header), Payload (TargetName, TargetInfo).
    ``target_info`` is the raw AV_PAIR list including MsvAvEOL, or None when not sent."""

    flags: int
    server_challenge: bytes
    target_name: str = ""
    target_info: bytes | None = None
    version: Version | None = None

    def pack(self) -> bytes:
        with_version = bool(self.flags & NegotiateFlags.NTLMSSP_NEGOTIATE_VERSION)
        header_length = 56 if with_version else 48
        values = [encode_string(self.target_name, self.flags), self.target_info or b""]
        (name_field, info_field), payload = _pack_payload(header_length, values)
        version = (self.version or Version(0, 0, 0, 0)).pack() if with_version else b""
        return (
            _HEAD.pack(SIGNATURE, MessageType.CHALLENGE)
            + name_field
            + _U32.pack(self.flags)
            + self.server_challenge
            + bytes(8)
            + info_field
            + version
            + payload
        )

    @classmethod
    def parse(cls, data: bytes) -> ChallengeMessage:
        _check_header(data, MessageType.CHALLENGE, 32)
        flags = _U32.unpack_from(data, 20)[0]
        target_name, off1 = _read_field(data, 12)
        challenge = bytes(data[24:32])
        target_info: bytes | None = None
        payload_start = off1
        if len(data) >= 48:
            info, off2 = _read_field(data, 40)
            payload_start = min(off1, off2)
            target_info = info if info else None
        version = None
        if flags & NegotiateFlags.NTLMSSP_NEGOTIATE_VERSION and len(data) >= 56 and payload_start >= 56:
            version = Version.parse(data, 48)
        return cls(flags, challenge, decode_string(target_name, flags), target_info, version)


# --- MS-NLMP 2.2.1.3 AUTHENTICATE_MESSAGE -------------------------------------------------------

MIC_OFFSET = 72  # the MIC follows the 64-byte fixed part and the 8-byte Version


@dataclass(frozen=True)
class AuthenticateMessage:
    """MS-NLMP 2.2.1.3: Signature, MessageType (3), LmChallengeResponseFields,
    NtChallengeResponseFields, DomainNameFields, UserNameFields, WorkstationFields,
    EncryptedRandomSessionKeyFields, NegotiateFlags, Version (8), MIC (16), Payload.

    Version and MIC sit at offsets 64 and 72 but are only there when the payload starts after
    them; ``mic`` holds the 16 bytes at ``mic_offset`` whenever the layout leaves room for them
    (whether they *are* a MIC is said by MsvAvFlags inside the NTLMv2 response). Windows clients
    always leave the 8 Version bytes; a client that did not negotiate VERSION (pyspnego against
    a server that sends none, as NT/2000 did) puts the MIC straight after the fixed part, at 64."""

    flags: int
    lm_challenge_response: bytes
    nt_challenge_response: bytes
    domain_name: str
    user_name: str
    workstation: str
    encrypted_random_session_key: bytes = b""
    version: Version | None = None
    mic: bytes | None = None
    mic_offset: int = MIC_OFFSET

    def pack(self) -> bytes:
        if self.mic is not None:
            header_length = 88
        elif self.version is not None:
            header_length = 72
        else:
            header_length = 64
        values = [
            self.lm_challenge_response,
            self.nt_challenge_response,
            encode_string(self.domain_name, self.flags),
            encode_string(self.user_name, self.flags),
            encode_string(self.workstation, self.flags),
            self.encrypted_random_session_key,
        ]
        fields, payload = _pack_payload(header_length, values)
        tail = b""
        if header_length >= 72:
            tail += (self.version or Version(0, 0, 0, 0)).pack()
        if self.mic is not None:
            tail += self.mic
        head = _HEAD.pack(SIGNATURE, MessageType.AUTHENTICATE)
        return head + b"".join(fields) + _U32.pack(self.flags) + tail + payload

    @classmethod
    def parse(cls, data: bytes) -> AuthenticateMessage:
        _check_header(data, MessageType.AUTHENTICATE, 64)
        flags = _U32.unpack_from(data, 60)[0]
        values: list[bytes] = []
        payload_start = len(data)
        for pos in range(12, 60, 8):
            value, offset = _read_field(data, pos)
            values.append(value)
            payload_start = min(payload_start, offset)
        lm, nt, domain, user, workstation, session_key = values
        version = None
        has_version = bool(flags & NegotiateFlags.NTLMSSP_NEGOTIATE_VERSION)
        if has_version and payload_start >= MIC_OFFSET:
            version = Version.parse(data, 64)
        mic_offset = MIC_OFFSET
        if payload_start < MIC_OFFSET + 16 and not has_version and payload_start >= 64 + 16:
            mic_offset = 64  # no Version bytes at all: the MIC follows the fixed part
        mic = bytes(data[mic_offset : mic_offset + 16]) if payload_start >= mic_offset + 16 else None
        return cls(
            flags,
            lm,
            nt,
            decode_string(domain, flags),
            decode_string(user, flags),
            decode_string(workstation, flags),
            session_key,
            version,
            mic,
            mic_offset,
        )
