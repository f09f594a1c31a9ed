"""Strings: ``[string]`` conformant-varying character arrays (C706 14.3.4, `WSTR`, `CSTR` and their
pointers) and RPC_UNICODE_STRING (MS-DTYP 2.3.10), all as ``str`` values without the NUL."""

from __future__ import annotations

import codecs
import struct
from typing import Any, Final

from smbemu.rpc.ndr.arrays import get_variance
from smbemu.rpc.ndr.pointers import Pointer
from smbemu.rpc.ndr.primitives import NdrType
from smbemu.rpc.ndr.stream import (
    Decoder,
    Encoder,
    get_u32,
    NdrError,
    REF_STEP,
    Sized,
    U32x2,
    U32x3,
    unwrap_sized,
    UTF16_DECODE,
    UTF16_ENCODE,
    ZEROS,
)


class _StringBody(NdrType):
    """``[string]`` conformant-varying character array (C706 14.3.4): max, offset, actual,
    characters including the terminating NUL.  The Python value excludes the NUL."""

    __slots__ = ("width", "_errors", "_nul", "_encoders")

    def __init__(self, name: str, width: int) -> None:
        super().__init__(name, 4, conformant=True, min_size=8)
        self.width = width
        # any 16-bit code unit is a valid WCHAR: unpaired surrogates round-trip
        self._errors = "surrogatepass" if width == 2 else "strict"
        # (little-endian, big-endian) encoders; Latin-1 has no byte order
        self._encoders = UTF16_ENCODE if width == 2 else (codecs.latin_1_encode,
                                                           codecs.latin_1_encode)
        self._nul = bytes(width)

    def max_count(self, v: Any) -> int:
        if type(v) is Sized:
            return int(v.max_count)
        return len(self._encoders[0](v, self._errors)[0]) // self.width + 1

    def push(self, e: Encoder, v: Any) -> None:
        max_count = -1
        if type(v) is Sized:
            max_count = v.max_count
            v = v.value
        raw = self._encoders[e.be](v, self._errors)[0]
        n = len(raw) // self.width + 1
        if max_count < 0:
            max_count = n
        elif n > max_count:
            raise NdrError(f"string of {n} characters exceeds max_count {max_count}")
        buf = e.buf
        pad = -len(buf) & 3
        if pad:
            buf += ZEROS[:pad]
        buf += U32x3[e.be].pack(max_count, 0, n)
        buf += raw
        buf += self._nul

    def push_body(self, e: Encoder, v: Any) -> None:
        raw = self._encoders[e.be](unwrap_sized(v), self._errors)[0]
        buf = e.buf
        pad = -len(buf) & 3
        if pad:
            buf += ZEROS[:pad]
        buf += U32x2[e.be].pack(0, len(raw) // self.width + 1)
        buf += raw
        buf += self._nul

    def pull(self, d: Decoder) -> str:
        p = d.pos
        p += -p & 3
        max_count, offset, actual = U32x3[d.be].unpack_from(d.data, p)
        if offset > max_count or actual > max_count - offset:
            raise NdrError(f"{self.name}: offset {offset} + count {actual} exceeds {max_count}")
        d.pos = p + 12
        return self._chars(d, actual)

    def pull_body(self, d: Decoder, count: int) -> str:
        return self._chars(d, get_variance(d, count))

    def _chars(self, d: Decoder, actual: int) -> str:
        p = d.pos
        width = self.width
        end = p + actual * width
        data = d.data
        if end > len(data):
            raise NdrError(f"{self.name} of {actual} characters runs past the end of the stub")
        d.pos = end
        if actual and data[end - width:end] == self._nul:
            end -= width  # the terminating NUL is not part of the value
        if width == 2:
            text: str = UTF16_DECODE[d.be](data[p:end], "surrogatepass", True)[0]
            return text
        return data[p:end].decode("latin-1")

    def default(self) -> str:
        return ""


#: The string itself (``[string] wchar_t s[]``), a conformant type usable inline.
WSTR: Final = _StringBody("WSTR", 2)
#: ``[string] char s[]`` (DOS/Latin-1 characters).
CSTR: Final = _StringBody("CSTR", 1)
#: ``[string, unique] wchar_t *`` (LPWSTR): value ``str`` or ``None``.
WString: Final = Pointer(WSTR, "unique")
#: ``[string, ref] wchar_t *``: at top level, just the string.
WStringRef: Final = Pointer(WSTR, "ref")
#: ``[string, unique] char *``.
CString: Final = Pointer(CSTR, "unique")


class _RpcUnicodeString(NdrType):
    """RPC_UNICODE_STRING (MS-DTYP 2.3.10): Length, MaximumLength (bytes), and a unique
    pointer to ``[size_is(MaximumLength/2), length_is(Length/2)] WCHAR`` with no NUL.

    ``""`` and ``None`` both encode as Length = MaximumLength = 0 with a NULL buffer; a NULL
    or empty buffer decodes as ``""``.  ``Sized(s, n)`` sets MaximumLength to 2n.
    """

    __slots__ = ()
    _HDR = (struct.Struct("<HHI"), struct.Struct(">HHI"))

    def __init__(self) -> None:
        super().__init__("RPC_UNICODE_STRING", 4, has_buffers=True, min_size=8)

    @staticmethod
    def _parts(be: int, v: Any) -> tuple[bytes, int]:
        if v is None:
            return b"", 0
        if type(v) is Sized:
            raw = UTF16_ENCODE[be](v.value, "surrogatepass")[0] if v.value else b""
            max_len = 2 * v.max_count
            if max_len < len(raw):
                raise NdrError("RPC_UNICODE_STRING: MaximumLength below Length")
            return raw, max_len
        raw = UTF16_ENCODE[be](v, "surrogatepass")[0]
        return raw, len(raw)

    def push(self, e: Encoder, v: Any) -> None:
        if type(v) is str:  # the common case, without the call
            raw = UTF16_ENCODE[e.be](v, "surrogatepass")[0]
            max_len = len(raw)
        else:
            raw, max_len = self._parts(e.be, v)
        if max_len > 0xFFFF:
            raise NdrError("RPC_UNICODE_STRING longer than 65535 bytes")
        buf = e.buf
        pad = -len(buf) & 3
        if pad:
            buf += ZEROS[:pad]
        if max_len == 0:
            buf += self._HDR[e.be].pack(0, 0, 0)
        else:
            ref = e.ref
            e.ref = ref + REF_STEP
            buf += self._HDR[e.be].pack(len(raw), max_len, ref)

    def push_deferred(self, e: Encoder, v: Any) -> None:
        if type(v) is str:
            raw = UTF16_ENCODE[e.be](v, "surrogatepass")[0]
            max_len = len(raw)
        else:
            raw, max_len = self._parts(e.be, v)
        if max_len:
            buf = e.buf
            pad = -len(buf) & 3
            if pad:
                buf += ZEROS[:pad]
            buf += U32x3[e.be].pack(max_len // 2, 0, len(raw) // 2)
            buf += raw

    def pull(self, d: Decoder) -> Any:
        p = d.pos
        p += -p & 3
        length, max_len, ref = self._HDR[d.be].unpack_from(d.data, p)
        d.pos = p + 8
        if length > max_len:
            raise NdrError("RPC_UNICODE_STRING: Length above MaximumLength")
        return ref

    def pull_deferred(self, d: Decoder, v: Any) -> Any:
        if v == 0:
            return ""
        count = get_u32(d)
        actual = get_variance(d, count)
        p = d.pos
        end = p + 2 * actual
        if end > len(d.data):
            raise NdrError("RPC_UNICODE_STRING buffer runs past the end of the stub")
        d.pos = end
        text: str = UTF16_DECODE[d.be](d.data[p:end], "surrogatepass", True)[0]
        return text

    def default(self) -> str:
        return ""


RpcUnicodeString: Final = _RpcUnicodeString()


class _RpcUnicodeStringEmptyBuffer(_RpcUnicodeString):
    """RPC_UNICODE_STRING as Windows' SAM marshals its [out] strings: an empty value (``""``)
    is Length = MaximumLength = 0 with a NON-NULL buffer pointer whose deferred array is empty
    (max 0, offset 0, actual 0); only ``None`` is the NULL pointer.

    MS-DTYP 2.3.10 allows both forms for an empty string; which one a server picks is visible to
    clients that tell NULL from empty.  Samba's smbtorture rpc.samr.users (written against
    Windows) compares QueryDisplayInformation and QueryUserInformation level 21 strings with
    strcmp after treating only "NULL on one side, empty on the other" as equal, so two NULLs
    crash it (``STRING_EQUAL_QUERY`` in source4/torture/rpc/samr.c); impacket reads a NULL
    UserComment as None and cannot concatenate it.  Decoding is the base type's."""

    __slots__ = ()

    def push(self, e: Encoder, v: Any) -> None:
        if v is None or self._parts(e.be, v)[1]:
            super().push(e, v)
            return
        # "" (or Sized("", 0)): a referent with nothing in it.
        buf = e.buf
        pad = -len(buf) & 3
        if pad:
            buf += ZEROS[:pad]
        ref = e.ref
        e.ref = ref + REF_STEP
        buf += self._HDR[e.be].pack(0, 0, ref)

    def push_deferred(self, e: Encoder, v: Any) -> None:
        if v is None:
            return
        if self._parts(e.be, v)[1]:
            super().push_deferred(e, v)
            return
        buf = e.buf
        pad = -len(buf) & 3
        if pad:
            buf += ZEROS[:pad]
        buf += U32x3[e.be].pack(0, 0, 0)


#: RPC_UNICODE_STRING whose ``""`` is a non-NULL empty buffer (``None`` stays NULL): the form
#: Windows' SAM uses in its [out] structures (see the class).
RpcUnicodeStringEmptyBuffer: Final = _RpcUnicodeStringEmptyBuffer()
