"""DCOM's wire types (MS-DCOM 2.2): the NDR parameters every ORPC call carries, the OBJREF and
DUALSTRINGARRAY byte layouts, and MS-RPCE 2.2.6 type serialization version 1 (the activation
property blobs, MS-DCOM 2.2.22, are made of it).

NDR types are declared once with the project's engine (`smbemu.rpc.ndr`); the OBJREF and the
string-array contents are little-endian byte strings that travel inside NDR byte arrays
(MS-DCOM 2.2.14 MInterfacePointer ``abData``; 2.2.19 DUALSTRINGARRAY ``aStringArray``).
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Sequence
from typing import Any, Final

from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantBytes,
    Guid,
    NdrError,
    NdrType,
    Pointer,
    Struct,
    decode,
    encode,
    uint16,
    uint32,
)

__all__ = [
    "COMVERSION", "ORPCTHIS", "ORPCTHAT", "MINTERFACEPOINTER", "DUALSTRINGARRAY", "ORPCTHAT_EMPTY",
    "OBJREF_SIGNATURE", "string_bindings", "dual_string_array", "objref_standard", "objref_custom",
    "parse_objref_custom", "signed", "serialize_type", "deserialize_type", "comversion_for",
    "S_OK", "E_NOINTERFACE", "E_ACCESSDENIED", "E_OUTOFMEMORY", "E_INVALIDARG",
    "REGDB_E_CLASSNOTREG", "RPC_E_DISCONNECTED", "OR_INVALID_OXID", "OR_INVALID_OID", "OR_INVALID_SET",
    "RPC_C_AUTHN_WINNT", "RPC_C_AUTHN_GSS_NEGOTIATE", "TOWER_ID_TCP",
]

#: HRESULTs (MS-ERREF 2.1) and the object resolver's Win32 codes (MS-DCOM 3.1.2.5.1: OR_*,
#: winerror.h 1910-1912).
S_OK: Final = 0
E_NOINTERFACE: Final = 0x80004002
E_ACCESSDENIED: Final = 0x80070005
E_OUTOFMEMORY: Final = 0x8007000E
E_INVALIDARG: Final = 0x80070057
REGDB_E_CLASSNOTREG: Final = 0x80040154
RPC_E_DISCONNECTED: Final = 0x80010108
OR_INVALID_OXID: Final = 1910
OR_INVALID_OID: Final = 1911
OR_INVALID_SET: Final = 1912

#: MS-RPCE 2.2.1.1.7 authentication services named in SECURITYBINDINGs (MS-DCOM 2.2.19.4).
RPC_C_AUTHN_GSS_NEGOTIATE: Final = 0x09
RPC_C_AUTHN_WINNT: Final = 0x0A
#: MS-DCOM 2.2.19.3 wTowerId of ncacn_ip_tcp (C706 appendix I protocol id 0x07).
TOWER_ID_TCP: Final = 0x07
#: MS-DCOM 2.2.18 OBJREF signature "MEOW".
OBJREF_SIGNATURE: Final = 0x574F454D
FLAGS_OBJREF_STANDARD: Final = 0x1
FLAGS_OBJREF_CUSTOM: Final = 0x4

# MS-DCOM 2.2.11
COMVERSION: Final = Struct("COMVERSION", [("MajorVersion", uint16), ("MinorVersion", uint16)])
# MS-DCOM 2.2.13.1-2.2.13.4
ORPC_EXTENT: Final = Struct("ORPC_EXTENT", [("id", Guid), ("size", uint32), ("data", ConformantBytes())])
ORPC_EXTENT_ARRAY: Final = Struct("ORPC_EXTENT_ARRAY", [
    ("size", uint32), ("reserved", uint32), ("extent", Pointer(ConformantArray(Pointer(ORPC_EXTENT))))])
ORPCTHIS: Final = Struct("ORPCTHIS", [
    ("version", COMVERSION), ("flags", uint32), ("reserved1", uint32), ("cid", Guid),
    ("extensions", Pointer(ORPC_EXTENT_ARRAY))])
ORPCTHAT: Final = Struct("ORPCTHAT", [("flags", uint32), ("extensions", Pointer(ORPC_EXTENT_ARRAY))])
ORPCTHAT_EMPTY: Final = {"flags": 0, "extensions": None}
# MS-DCOM 2.2.14
MINTERFACEPOINTER: Final = Struct("MInterfacePointer", [("ulCntData", uint32), ("abData", ConformantBytes())])
# MS-DCOM 2.2.19
DUALSTRINGARRAY: Final = Struct("DUALSTRINGARRAY", [
    ("wNumEntries", uint16), ("wSecurityOffset", uint16), ("aStringArray", ConformantArray(uint16))])


def signed(hresult: int) -> int:
    """An HRESULT as the LONG the NDR engine writes for the return type "HRESULT" (the same
    four bytes: 0x80070005 is -2147024891)."""
    return hresult - (1 << 32) if hresult & 0x80000000 else hresult


def comversion_for(version: tuple[int, int]) -> dict[str, int]:
    """The COMVERSION a Windows release reports (MS-DCOM 2.2.11 and its product note <4>):
    5.7 from Vista / 2008 on ("no DCOM changes from 5.6"), 5.6 on XP SP2 / 2003 (which added
    IRemoteSCMActivator, ServerAlive2, IRemUnknown2), 5.4 on 2000 and 5.1 on NT 4 (U: the
    note's per-service-pack rows are not modelled; the profiles name the release only)."""
    minor = 7 if version >= (6, 0) else 6 if version >= (5, 1) else 4 if version >= (5, 0) else 1
    return {"MajorVersion": 5, "MinorVersion": minor}


def _utf16z(text: str) -> bytes:
    return text.encode("utf-16-le") + b"\x00\x00"


def string_bindings(addresses: Sequence[str], security: Sequence[tuple[int, str]]) -> tuple[list[int], int]:
    """The ``aStringArray`` of a DUALSTRINGARRAY (MS-DCOM 2.2.19.1): STRINGBINDINGs (wTowerId,
    NUL-terminated aNetworkAddr) closed by an empty one, then SECURITYBINDINGs (wAuthnSvc,
    Reserved 0xFFFF, aPrincName) closed likewise.  Returns (the 16-bit words, wSecurityOffset)."""
    raw = bytearray()
    for address in addresses:
        raw += struct.pack("<H", TOWER_ID_TCP) + _utf16z(address)
    raw += b"\x00\x00"
    offset = len(raw) // 2
    for service, principal in security:
        raw += struct.pack("<HH", service, 0xFFFF) + _utf16z(principal)
    raw += b"\x00\x00"
    return list(struct.unpack(f"<{len(raw) // 2}H", raw)), offset


def dual_string_array(addresses: Sequence[str], security: Sequence[tuple[int, str]]) -> dict[str, Any]:
    """A DUALSTRINGARRAY value for the NDR engine (MS-DCOM 2.2.19.1)."""
    words, offset = string_bindings(addresses, security)
    return {"wNumEntries": len(words), "wSecurityOffset": offset, "aStringArray": words}


def _packed_dual_string_array(value: dict[str, Any]) -> bytes:
    """The DUALSTRINGARRAY as it sits inside an OBJREF (MS-DCOM 2.2.18.4: not NDR, packed)."""
    words = value["aStringArray"]
    return struct.pack(f"<HH{len(words)}H", value["wNumEntries"], value["wSecurityOffset"], *words)


def objref_standard(iid: uuid.UUID, *, oxid: int, oid: int, ipid: uuid.UUID, public_refs: int,
                    resolver: dict[str, Any], flags: int = 0) -> bytes:
    """OBJREF_STANDARD (MS-DCOM 2.2.18.4): signature, flags, iid, STDOBJREF (2.2.18.2: flags,
    cPublicRefs, oxid, oid, ipid), saResAddr (the OXID resolver's bindings)."""
    return (struct.pack("<II", OBJREF_SIGNATURE, FLAGS_OBJREF_STANDARD) + iid.bytes_le
            + struct.pack("<IIQQ", flags, public_refs, oxid, oid) + ipid.bytes_le
            + _packed_dual_string_array(resolver))


def objref_custom(iid: uuid.UUID, clsid: uuid.UUID, data: bytes) -> bytes:
    """OBJREF_CUSTOM (MS-DCOM 2.2.18.6): cbExtension 0, ObjectReferenceSize, pObjectData."""
    return (struct.pack("<II", OBJREF_SIGNATURE, FLAGS_OBJREF_CUSTOM) + iid.bytes_le + clsid.bytes_le
            + struct.pack("<II", 0, len(data) + 8) + data)


def parse_objref_custom(raw: bytes) -> tuple[uuid.UUID, uuid.UUID, bytes]:
    """(iid, clsid, pObjectData) of an OBJREF_CUSTOM; NdrError when it is not one (the caller
    answers what Windows answers for a malformed activation blob)."""
    if len(raw) < 48:
        raise NdrError("OBJREF too short")
    signature, flags = struct.unpack_from("<II", raw)
    if signature != OBJREF_SIGNATURE or flags != FLAGS_OBJREF_CUSTOM:
        raise NdrError("not an OBJREF_CUSTOM")
    return uuid.UUID(bytes_le=bytes(raw[8:24])), uuid.UUID(bytes_le=bytes(raw[24:40])), bytes(raw[48:])


# MS-RPCE 2.2.6.1 common type header (version 1, little-endian, length 8, filler) and 2.2.6.2
# private header (object buffer length, filler).
_COMMON_HEADER: Final = struct.pack("<BBHI", 1, 0x10, 8, 0xCCCCCCCC)


def serialize_type(ndr_type: NdrType, value: Any) -> bytes:
    """One type serialized with MS-RPCE 2.2.6 version 1: headers, then the NDR stream padded to
    a multiple of 8 (2.2.6.2: "the object buffer length ... MUST be a multiple of 8")."""
    body = encode(ndr_type, value, True)
    body += b"\x00" * (-len(body) % 8)
    return _COMMON_HEADER + struct.pack("<II", len(body), 0) + body


def deserialize_type(ndr_type: NdrType, raw: bytes) -> Any:
    """The value of an MS-RPCE 2.2.6 version 1 serialization (little-endian only, as every DCOM
    client writes it); NdrError on anything else."""
    if len(raw) < 16 or raw[0] != 1 or raw[1] != 0x10:
        raise NdrError("not a type serialization version 1 little-endian blob")
    value, _ = decode(ndr_type, raw[16:], True)
    return value
