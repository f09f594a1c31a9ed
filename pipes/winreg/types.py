"""NDR types and constants of MS-RRP (2.2), named after the spec."""

from __future__ import annotations

from typing import Final

from smbemu.rpc.ndr import (
    ConformantVaryingBytes,
    ContextHandle,
    Pointer,
    RpcUnicodeString,
    Struct,
    uint16,
    uint32,
)

#: MS-RRP 2.2.1 PREGISTRY_SERVER_NAME: ``[handle] wchar_t*`` -- one [unique] wide char, which
#: clients send NULL (impacket) or pointing at the first character of the name (Windows).
PREGISTRY_SERVER_NAME: Final = Pointer(uint16)
#: MS-RRP 2.2.3 RRP_UNICODE_STRING: RPC_UNICODE_STRING whose Length counts the terminating NUL.
RRP_UNICODE_STRING: Final = RpcUnicodeString
PRRP_UNICODE_STRING: Final = Pointer(RpcUnicodeString)
#: MS-DTYP 2.3.3 FILETIME.
FILETIME: Final = Struct("FILETIME", [("dwLowDateTime", uint32), ("dwHighDateTime", uint32)])
PFILETIME: Final = Pointer(FILETIME)
PULONG: Final = Pointer(uint32)
#: ``[unique, size_is(*lpcbData), length_is(*lpcbLen)] LPBYTE`` (MS-RRP 3.1.5.17 / 3.1.5.11).
PBYTE_BUFFER: Final = Pointer(ConformantVaryingBytes())
#: MS-RRP 2.2.8 RPC_SECURITY_DESCRIPTOR.
RPC_SECURITY_DESCRIPTOR: Final = Struct("RPC_SECURITY_DESCRIPTOR", [
    ("lpSecurityDescriptor", Pointer(ConformantVaryingBytes())),
    ("cbInSecurityDescriptor", uint32), ("cbOutSecurityDescriptor", uint32)])
RPC_HKEY: Final = ContextHandle

#: MS-RRP 2.2.5 value types.
REG_NONE: Final = 0
REG_SZ: Final = 1
REG_EXPAND_SZ: Final = 2
REG_BINARY: Final = 3
REG_DWORD: Final = 4
REG_MULTI_SZ: Final = 7
REG_QWORD: Final = 11

#: MS-RRP 2.2.3 REGSAM access rights (winnt.h values).
KEY_QUERY_VALUE: Final = 0x0001
KEY_SET_VALUE: Final = 0x0002
KEY_CREATE_SUB_KEY: Final = 0x0004
KEY_ENUMERATE_SUB_KEYS: Final = 0x0008
KEY_NOTIFY: Final = 0x0010
KEY_CREATE_LINK: Final = 0x0020
KEY_WOW64_64KEY: Final = 0x0100
KEY_WOW64_32KEY: Final = 0x0200
READ_CONTROL: Final = 0x00020000
#: KEY_READ = STANDARD_RIGHTS_READ | QUERY_VALUE | ENUMERATE_SUB_KEYS | NOTIFY (0x20019).
KEY_READ: Final = READ_CONTROL | KEY_QUERY_VALUE | KEY_ENUMERATE_SUB_KEYS | KEY_NOTIFY
KEY_ALL_ACCESS: Final = 0x000F003F
MAXIMUM_ALLOWED: Final = 0x02000000
ACCESS_SYSTEM_SECURITY: Final = 0x01000000
GENERIC_READ: Final = 0x80000000
GENERIC_WRITE: Final = 0x40000000
GENERIC_EXECUTE: Final = 0x20000000
GENERIC_ALL: Final = 0x10000000
#: Bits that read and never change a key (KEY_WOW64_* only choose the view, MS-RRP 2.2.3).
READ_BITS: Final = (KEY_READ | MAXIMUM_ALLOWED | GENERIC_READ | GENERIC_EXECUTE
                    | KEY_WOW64_64KEY | KEY_WOW64_32KEY)

__all__ = [name for name in dir() if name.isupper()]
