"""A declarative NDR20 engine (C706 chapter 14, MS-RPCE 2.2.5).

Types are described once, as data, at module level::

    SHARE_INFO_1 = Struct("SHARE_INFO_1", [
        ("shi1_netname", WString),
        ("shi1_type", uint32),
        ("shi1_remark", WString),
    ])
    SHARE_INFO_1_CONTAINER = Struct("SHARE_INFO_1_CONTAINER", [
        ("EntriesRead", uint32),
        ("Buffer", Pointer(ConformantArray(SHARE_INFO_1))),
    ])

and every type object carries precomputed encoders and decoders, so the per-call path does
no schema building and no ``isinstance`` dispatch: encoding a value is a walk over bound methods
chosen when the type was defined.

Values are plain Python:

=====================================  ==============================================
NDR                                    Python value
=====================================  ==============================================
integers, enums                        ``int``
``boolean8`` / ``boolean32``           ``bool`` (any truthy value is accepted)
structures                             ``dict`` keyed by field name
fixed / conformant / varying arrays    ``list`` (``bytes`` for the ``*Bytes`` types)
unions                                 ``(tag, arm_value)`` tuple
unique / full pointers                 the referent, or ``None`` for NULL
``[string] wchar_t*``, RPC_UNICODE_STRING  ``str`` (no terminating NUL)
RPC_SID                                ``str`` in ``S-1-5-21-...`` form
GUID                                   ``uuid.UUID``
context handle                         20 ``bytes`` (canonical little-endian form)
=====================================  ==============================================

Rules implemented (C706 14.3):

* every primitive is aligned to its size, relative to the start of the stub (the encoder's
  buffer starts at the stub start, so ``len(buffer)`` is the stream offset);
* a structure is aligned to its most-aligned member; no trailing padding (NDR20);
* a conformant structure (one whose last member is a conformant array, or a structure that
  is itself conformant) carries the array's ``max_count`` at its very start, before the
  structure's own alignment; nested conformant structures hoist it to the outermost one
  (C706 14.3.7.1);
* pointers embedded in a construct are written as referent ids where they sit, and their
  referents are *deferred*: they follow the whole embedding construct, in the order the
  pointers appear, depth first (C706 14.3.12.3).  A top-level parameter is its own
  outermost construct: its referents follow it immediately.  A top-level ``[ref]`` pointer
  has no representation of its own (C706 14.3.10);
* referent ids are deterministic: a counter starting at 0x00020000, +4 per non-NULL pointer,
  so golden bytes are stable;
* integer byte order follows the caller's ``little_endian`` flag (the drep of the PDU).

A top-level parameter's value may be wrapped in :class:`Memo` when the same value is sent
again and again (a share list): its bytes are then computed once and copied afterwards.

Decoding garbage raises exactly one exception type, :class:`NdrError`; its ``status`` is the
fault the RPC runtime sends (``nca_s_fault_ndr`` 0x000006F7 unless a more precise one applies).
Trailing bytes after the last parameter are ignored (Windows clients append the MS-RPCE
2.2.2.13 verification trailer after the stub).

The engine is a package along those lines: `stream` (encoder/decoder state and `NdrError`),
`primitives` (the type protocol and the integers), `structure` (structures and their compiled
layouts), `pointers`, `arrays`, `strings`, `unions`, `wellknown` (GUID, context handle, SID) and
`operation` (top-level parameters, `Operation`, `Memo`). Every type and function is importable
from ``smbemu.rpc.ndr`` as before (``from smbemu.rpc import ndr; ndr.WString``).
"""

from __future__ import annotations

from smbemu.rpc.ndr.arrays import (
    ConformantArray,
    ConformantBytes,
    ConformantVaryingArray,
    ConformantVaryingBytes,
    FixedArray,
    FixedBytes,
    VaryingArray,
)
from smbemu.rpc.ndr.operation import (
    RETURN_VALUE,
    Memo,
    Operation,
    ReturnKind,
    decode,
    encode,
)
from smbemu.rpc.ndr.pointers import (
    Pointer,
    PointerKind,
)
from smbemu.rpc.ndr.primitives import (
    NdrType,
    Primitive,
    boolean8,
    boolean32,
    enum16,
    uint3264,
    enum32,
    float32,
    float64,
    hyper,
    int8,
    int16,
    int32,
    int64,
    uhyper,
    uint8,
    uint16,
    uint32,
    uint64,
    wchar,
)
from smbemu.rpc.ndr.stream import (
    NdrError,
    Sized,
)
from smbemu.rpc.ndr.strings import (
    CSTR,
    WSTR,
    CString,
    RpcUnicodeString,
    WString,
    WStringRef,
)
from smbemu.rpc.ndr.structure import (
    Struct,
)
from smbemu.rpc.ndr.unions import (
    Union,
)
from smbemu.rpc.ndr.wellknown import (
    ContextHandle,
    Guid,
    PSid,
    Sid,
    unicode_string_nul_room,
)

__all__ = [
    "NdrError",
    "Sized",
    "NdrType",
    "Primitive",
    "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
    "hyper", "uhyper", "enum16", "uint3264", "enum32", "boolean8", "boolean32", "wchar", "float32", "float64",
    "Struct", "Pointer", "FixedArray", "ConformantArray", "ConformantVaryingArray", "VaryingArray",
    "FixedBytes", "ConformantBytes", "ConformantVaryingBytes",
    "WSTR", "CSTR", "WString", "WStringRef", "CString",
    "RpcUnicodeString", "unicode_string_nul_room", "Union", "ContextHandle", "Guid", "Sid", "PSid",
    "Operation", "encode", "decode", "Memo", "PointerKind", "ReturnKind", "RETURN_VALUE",
]
