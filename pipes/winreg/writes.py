"""Keys and values an administrator changes: BaseRegCreateKey (6), BaseRegDeleteKey (7),
BaseRegDeleteValue (8), BaseRegSetKeySecurity (21), BaseRegSetValue (22) and
BaseRegDeleteKeyEx (35), as MS-RRP 3.1.5 answers them.

Every call checks, in Windows' order: the key handle (an unknown one is the runtime's fault
nca_s_fault_context_mismatch, MS-RPCE 3.3.3.2.1), the right the call needs on it (MS-RRP 3.1.5:
KEY_CREATE_SUB_KEY, KEY_SET_VALUE, WRITE_DAC; a user's handle is KEY_READ at most, so a user is
refused here with ERROR_ACCESS_DENIED, as the keys' DACLs refuse Users on Windows), the policy's
rule (administrators), then the key itself.  The change is kept in the server's memory
(:mod:`.changes`) and read back by BaseRegQueryValue / EnumKey / EnumValue / QueryInfoKey on
every later connection.
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ConformantBytes, Pointer, Struct, boolean8, uint32
from smbemu.status import ERROR_ACCESS_DENIED, ERROR_FILE_NOT_FOUND, ERROR_INVALID_PARAMETER

from . import _HANDLE_KIND, INTERFACE, _name_in, _opened, _Opened
from .changes import record
from .security import REGISTRY_KEY, open_subkey
from .types import (
    KEY_CREATE_SUB_KEY,
    KEY_SET_VALUE,
    KEY_WOW64_32KEY,
    KEY_WOW64_64KEY,
    RPC_HKEY,
    RPC_SECURITY_DESCRIPTOR,
    RRP_UNICODE_STRING,
)

#: WRITE_DAC / DELETE (MS-DTYP 2.4.3): BaseRegSetKeySecurity's right (RegSetKeySecurity, D).
WRITE_DAC: Final = 0x00040000
#: MS-RRP 2.2.7 RPC_SECURITY_ATTRIBUTES.
RPC_SECURITY_ATTRIBUTES: Final = Struct("RPC_SECURITY_ATTRIBUTES", [
    ("nLength", uint32), ("RpcSecurityDescriptor", RPC_SECURITY_DESCRIPTOR),
    ("bInheritHandle", boolean8)])
PRPC_SECURITY_ATTRIBUTES: Final = Pointer(RPC_SECURITY_ATTRIBUTES)
#: lpdwDisposition (MS-RRP 3.1.5.7): REG_CREATED_NEW_KEY / REG_OPENED_EXISTING_KEY.
REG_CREATED_NEW_KEY: Final = 1
REG_OPENED_EXISTING_KEY: Final = 2
#: Hives whose direct children are hives themselves: "An application cannot create a key that is
#: a direct child of HKEY_USERS or HKEY_LOCAL_MACHINE" (RegCreateKeyEx, D), nor delete one.
_MASTER_HIVES: Final = ("HKLM", "HKU")


def checked(ctx: CallContext, request: dict[str, Any], needed: int) -> tuple[_Opened, int]:
    """The handle's key and the status of the checks before the change (module docstring)."""
    opened = _opened(ctx, request["hKey"])
    entry = ctx.handles.lookup(request["hKey"], _HANDLE_KIND)
    assert entry is not None
    if needed and not ctx.require(entry.granted_access, needed, REGISTRY_KEY):
        assert ctx.decision is not None
        return opened, ctx.decision.status
    return opened, ctx.decide().status


def _below(opened: _Opened, sub: str) -> str:
    return "\\".join(p for p in (opened.path, *sub.split("\\")) if p)


def _master_child(opened: _Opened, sub: str) -> bool:
    return opened.hive in _MASTER_HIVES and len(_below(opened, sub).split("\\")) == 1


# -------------------------------------------------------------------------------------------
# BaseRegCreateKey (6)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(6, "BaseRegCreateKey",
                     request=[("hKey", RPC_HKEY), ("lpSubKey", RRP_UNICODE_STRING),
                              ("lpClass", RRP_UNICODE_STRING), ("dwOptions", uint32),
                              ("samDesired", uint32),
                              ("lpSecurityAttributes", PRPC_SECURITY_ATTRIBUTES),
                              ("lpdwDisposition", Pointer(uint32))],
                     response=[("phkResult", RPC_HKEY), ("lpdwDisposition", Pointer(uint32))],
                     returns="error_status_t")
def BaseRegCreateKey(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.7: open ``lpSubKey`` below the handle's key, creating it (and the keys on
    its path) when missing; lpdwDisposition says which.  The key's class is lpClass.  The
    options (volatile, backup/restore) do not change what the emulated key holds (U)."""
    failed = {"phkResult": bytes(20), "lpdwDisposition": request["lpdwDisposition"]}
    opened, status = checked(ctx, request, KEY_CREATE_SUB_KEY)
    if status:
        return {**failed, "ReturnValue": status}
    sub = _name_in(request["lpSubKey"] or "").strip("\\")
    if sub and _master_child(opened, sub) and opened.key.find(sub) is None:
        return {**failed, "ReturnValue": ERROR_ACCESS_DENIED}
    granted = open_subkey(ctx, request["samDesired"])
    if granted is None:
        assert ctx.decision is not None
        return {**failed, "ReturnValue": ctx.decision.status}
    existing = opened.key.find(sub)
    if existing is None:
        class_name = _name_in(request["lpClass"] or "")
        record(ctx.server, opened.hive, opened.root, ("create", _below(opened, sub), class_name))
    key = opened.key.find(sub)
    assert key is not None
    handle = ctx.handles.create(_HANDLE_KIND, _Opened(opened.hive, key, _below(opened, sub),
                                                      opened.full, opened.root), granted)
    disposition = REG_OPENED_EXISTING_KEY if existing is not None else REG_CREATED_NEW_KEY
    return {"phkResult": handle,
            "lpdwDisposition": None if request["lpdwDisposition"] is None else disposition,
            "ReturnValue": 0}


# -------------------------------------------------------------------------------------------
# BaseRegDeleteKey (7), BaseRegDeleteKeyEx (35)
# -------------------------------------------------------------------------------------------


def _delete_key(ctx: CallContext, opened: _Opened, sub: str) -> int:
    """MS-RRP 3.1.5.8: the subkey must exist (ERROR_FILE_NOT_FOUND) and have no subkeys of its
    own (ERROR_ACCESS_DENIED, as RegDeleteKey answers, D); a hive (a direct child of HKLM or HKU)
    is never deleted (ERROR_ACCESS_DENIED, U: the status Windows gives)."""
    sub = sub.strip("\\")
    if not sub:
        return ERROR_INVALID_PARAMETER
    key = opened.key.find(sub)
    if key is None:
        return ERROR_FILE_NOT_FOUND
    if key.subkeys or _master_child(opened, sub):
        return ERROR_ACCESS_DENIED
    record(ctx.server, opened.hive, opened.root, ("delkey", _below(opened, sub)))
    return 0


@INTERFACE.operation(7, "BaseRegDeleteKey",
                     request=[("hKey", RPC_HKEY), ("lpSubKey", RRP_UNICODE_STRING)],
                     response=[], returns="error_status_t")
def BaseRegDeleteKey(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.8 (DELETE on the subkey: the rule, administrators)."""
    opened, status = checked(ctx, request, 0)
    if status:
        return {"ReturnValue": status}
    return {"ReturnValue": _delete_key(ctx, opened, _name_in(request["lpSubKey"] or ""))}


@INTERFACE.operation(35, "BaseRegDeleteKeyEx",
                     request=[("hKey", RPC_HKEY), ("lpSubKey", RRP_UNICODE_STRING),
                              ("AccessMask", uint32), ("Reserved", uint32)],
                     response=[], returns="error_status_t")
def BaseRegDeleteKeyEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.31: BaseRegDeleteKey with a registry view (AccessMask KEY_WOW64_32KEY or
    KEY_WOW64_64KEY; any other bit is ERROR_INVALID_PARAMETER, U: the status for it).  The
    emulated registry has one view."""
    opened, status = checked(ctx, request, 0)
    if status:
        return {"ReturnValue": status}
    if request["AccessMask"] & ~(KEY_WOW64_32KEY | KEY_WOW64_64KEY):
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    return {"ReturnValue": _delete_key(ctx, opened, _name_in(request["lpSubKey"] or ""))}


# -------------------------------------------------------------------------------------------
# Values: BaseRegSetValue (22), BaseRegDeleteValue (8)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(22, "BaseRegSetValue",
                     request=[("hKey", RPC_HKEY), ("lpValueName", RRP_UNICODE_STRING),
                              ("dwType", uint32), ("lpData", ConformantBytes()),
                              ("cbData", uint32)],
                     response=[], returns="error_status_t")
def BaseRegSetValue(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.22: KEY_SET_VALUE; the value is stored as sent (the registry does not check
    the data against the type), "" naming the key's default value."""
    opened, status = checked(ctx, request, KEY_SET_VALUE)
    if status:
        return {"ReturnValue": status}
    data = bytes(request["lpData"] or b"")
    if request["cbData"] != len(data):
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    record(ctx.server, opened.hive, opened.root,
           ("set", opened.path, _name_in(request["lpValueName"] or ""), request["dwType"], data))
    return {"ReturnValue": 0}


@INTERFACE.operation(8, "BaseRegDeleteValue",
                     request=[("hKey", RPC_HKEY), ("lpValueName", RRP_UNICODE_STRING)],
                     response=[], returns="error_status_t")
def BaseRegDeleteValue(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.9: KEY_SET_VALUE; a value the key does not hold is ERROR_FILE_NOT_FOUND."""
    opened, status = checked(ctx, request, KEY_SET_VALUE)
    if status:
        return {"ReturnValue": status}
    name = _name_in(request["lpValueName"] or "")
    if opened.key.value(name) is None:
        return {"ReturnValue": ERROR_FILE_NOT_FOUND}
    record(ctx.server, opened.hive, opened.root, ("delvalue", opened.path, name))
    return {"ReturnValue": 0}


# -------------------------------------------------------------------------------------------
# BaseRegSetKeySecurity (21)
# -------------------------------------------------------------------------------------------

#: The smallest self-relative security descriptor: its 20-byte header (MS-DTYP 2.4.6).
_SD_HEADER: Final = 20


@INTERFACE.operation(21, "BaseRegSetKeySecurity",
                     request=[("hKey", RPC_HKEY), ("SecurityInformation", uint32),
                              ("pRpcSecurityDescriptor", RPC_SECURITY_DESCRIPTOR)],
                     response=[], returns="error_status_t")
def BaseRegSetKeySecurity(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.21: WRITE_DAC on the handle; a descriptor shorter than its header is
    ERROR_INVALID_PARAMETER.  Accepted, but the emulated keys keep answering
    BaseRegGetKeySecurity with their default descriptor (U: not modelled; the access checks of
    the emulation do not read key descriptors)."""
    _opened_key, status = checked(ctx, request, WRITE_DAC)
    if status:
        return {"ReturnValue": status}
    descriptor = request["pRpcSecurityDescriptor"]["lpSecurityDescriptor"]
    if not request["SecurityInformation"] or descriptor is None or len(descriptor) < _SD_HEADER:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    return {"ReturnValue": 0}
