"""Well-known structures with a custom Python value: GUID (``uuid.UUID``), the context handle
(20 bytes) and RPC_SID (``"S-1-5-21-..."``), MS-DTYP 2.3.4.2 / 2.4.2.3 and MS-RPCE 2.2.5.2."""

from __future__ import annotations

import functools
import re
import struct
import uuid
from collections.abc import Iterable
from typing import Any, Final

from smbemu.rpc.ndr.pointers import Pointer
from smbemu.rpc.ndr.primitives import NdrType
from smbemu.rpc.ndr.stream import (
    Decoder,
    Encoder,
    ENDIAN_CHAR,
    get_u32,
    NdrError,
    pad_to,
    put_u32,
    Sized,
)


class _Guid(NdrType):
    """GUID (MS-DTYP 2.3.4.2: uint32, uint16, uint16, uint8[8]), value ``uuid.UUID``."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__("GUID", 4, min_size=16)

    def push(self, e: Encoder, v: Any) -> None:
        pad_to(e, 3)
        # the NDR big-endian form of the GUID structure is exactly RFC 4122 byte order
        e.buf += v.bytes if e.be else v.bytes_le

    def pull(self, d: Decoder) -> uuid.UUID:
        p = d.pos
        p += -p & 3
        raw = d.data[p:p + 16]
        if len(raw) != 16:
            raise NdrError("GUID runs past the end of the stub")
        d.pos = p + 16
        return uuid.UUID(bytes=bytes(raw)) if d.be else uuid.UUID(bytes_le=bytes(raw))

    def default(self) -> uuid.UUID:
        return uuid.UUID(int=0)


Guid: Final = _Guid()


class _ContextHandle(NdrType):
    """Context handle (C706 ndr_context_handle, MS-RPCE 2.2.5): attributes
    (uint32) + GUID, 20 bytes.  The Python value is the 20-byte little-endian form whatever
    the drep, so a handle issued to a big-endian client compares equal when it comes back."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__("context_handle", 4, min_size=20)

    @staticmethod
    def _swap(raw: bytes) -> bytes:
        # attributes uint32 and the GUID's first three fields change byte order; the rest not
        return (raw[3::-1] + raw[7:3:-1] + raw[9:7:-1] + raw[11:9:-1] + raw[12:20])

    def push(self, e: Encoder, v: Any) -> None:
        if len(v) != 20:
            raise NdrError(f"context handle must be 20 bytes, got {len(v)}")
        pad_to(e, 3)
        e.buf += self._swap(v) if e.be else v

    def pull(self, d: Decoder) -> bytes:
        p = d.pos
        p += -p & 3
        raw = bytes(d.data[p:p + 20])
        if len(raw) != 20:
            raise NdrError("context handle runs past the end of the stub")
        d.pos = p + 20
        return self._swap(raw) if d.be else raw

    def default(self) -> bytes:
        return bytes(20)


ContextHandle: Final = _ContextHandle()

_SID_RE: Final = re.compile(r"^S-(\d{1,3})-(\d+|0[xX][0-9a-fA-F]{1,12})((?:-\d+){0,15})$")


@functools.lru_cache(maxsize=4096)
def _parse_sid(text: str) -> tuple[int, bytes, tuple[int, ...]]:
    m = _SID_RE.match(text)
    if m is None:
        raise NdrError(f"{text!r} is not a SID string")
    revision = int(m.group(1))
    authority = int(m.group(2), 0)
    subs = tuple(int(x) for x in m.group(3).split("-")[1:])
    if revision > 255 or authority >= 1 << 48 or any(s > 0xFFFFFFFF for s in subs):
        raise NdrError(f"{text!r} is out of range for a SID")
    return revision, authority.to_bytes(6, "big"), subs


def _format_sid(revision: int, authority: bytes, subs: Iterable[int]) -> str:
    value = int.from_bytes(authority, "big")
    auth = str(value) if value < 1 << 32 else f"0x{value:012X}"
    return "-".join([f"S-{revision}-{auth}", *map(str, subs)])


class _Sid(NdrType):
    """RPC_SID (MS-DTYP 2.4.2.3): Revision, SubAuthorityCount, IdentifierAuthority[6],
    ``[size_is(SubAuthorityCount)] uint32 SubAuthority[]``; a conformant structure whose
    max_count must equal SubAuthorityCount.  Value: ``"S-1-5-32-544"``."""

    __slots__ = ()
    _HEAD = struct.Struct("BB6s")

    def __init__(self) -> None:
        super().__init__("RPC_SID", 4, conformant=True, min_size=8)

    def max_count(self, v: Any) -> int:
        return len(_parse_sid(v)[2])

    def push(self, e: Encoder, v: Any) -> None:
        put_u32(e, self.max_count(v))
        self.push_body(e, v)

    def push_body(self, e: Encoder, v: Any) -> None:
        revision, authority, subs = _parse_sid(v)
        pad_to(e, 3)
        e.buf += self._HEAD.pack(revision, len(subs), authority)
        if subs:
            e.buf += struct.pack(f"{ENDIAN_CHAR[e.be]}{len(subs)}I", *subs)

    def pull(self, d: Decoder) -> str:
        return self.pull_body(d, get_u32(d))

    def pull_body(self, d: Decoder, count: int) -> str:
        p = d.pos
        p += -p & 3
        revision, n, authority = self._HEAD.unpack_from(d.data, p)
        if n != count or n > 15:
            raise NdrError(f"RPC_SID: SubAuthorityCount {n} vs conformance {count}")
        subs = struct.unpack_from(f"{ENDIAN_CHAR[d.be]}{n}I", d.data, p + 8)
        d.pos = p + 8 + 4 * n
        return _format_sid(revision, authority, subs)

    def default(self) -> str:
        return "S-1-0-0"


Sid: Final = _Sid()
PSid: Final = Pointer(Sid, "unique")


def unicode_string_nul_room(text: str | None) -> Sized | str | None:
    """An RPC_UNICODE_STRING value whose MaximumLength is Length + 2, as Windows sends the names
    it copies from a NUL-terminated buffer: the domain names of SamrEnumerateDomainsInSamServer,
    LSA policy domain names (LsarQueryInformationPolicy primary/account/DNS domain) and the
    referenced domain list of the LSA lookups (issue 13, compared with Windows captures there).
    The buffer's max_count is then the character count + 1 and its actual_count the character
    count (MS-DTYP 2.3.10). An empty or NULL string is left as it is (Length = MaximumLength = 0,
    NULL buffer): sources are silent on what Windows sends for it. Pipe code opts in by wrapping
    the value: ``{"Name": unicode_string_nul_room(domain)}``."""
    if not text:
        return text
    return Sized(text, len(text.encode("utf-16-le", "surrogatepass")) // 2 + 1)
