"""winreg: the Windows Remote Registry Protocol (MS-RRP) on ``\\PIPE\\winreg``.

UUID 338cd001-2244-31f1-aaaa-900038001003 version 1.0 (MS-RRP 2.1).  Every opnum of MS-RRP 3.1.5
(0 to 35) is declared here:

* **emulated** (reads): the Open* calls for the predefined keys (0-4, 27, 32, 33),
  BaseRegCloseKey (5), BaseRegEnumKey (9), BaseRegEnumValue (10), BaseRegFlushKey (11, a no-op:
  the changes are in memory already), BaseRegGetKeySecurity (12), BaseRegOpenKey (15), BaseRegQueryInfoKey
  (16), BaseRegQueryValue (17), BaseRegGetVersion (26), BaseRegQueryMultipleValues /
  BaseRegQueryMultipleValues2 (29, 34; :mod:`.multiple`) -- over the registry :mod:`.hive`
  generates from the live profile (``--set RestrictAnonymous=1`` shows at the next open);
* **changes an administrator makes** (:mod:`.writes`: BaseRegCreateKey 6, DeleteKey 7,
  DeleteValue 8, SetKeySecurity 21, SetValue 22, DeleteKeyEx 35; :mod:`.hives`: LoadKey 13,
  ReplaceKey 18, RestoreKey 19, SaveKey 20, UnLoadKey 23, SaveKeyEx 31): kept in the server's
  memory (:mod:`.changes`), seen by every connection until the server stops; hive files are
  copies kept in that memory under the file's path, never files on the host.  A
  non-administrator's handle lacks the rights (ERROR_ACCESS_DENIED, as the keys' DACLs answer
  Users on Windows);
* **the shutdown calls** (24, 25, 30: :mod:`.refused`): ERROR_ACCESS_DENIED (5) for everyone
  (SeRemoteShutdownPrivilege on Windows; the emulated machine never shuts down);
* **"Opnum28NotImplemented"**: fault nca_op_rng_error, as MS-RRP 3.1.5 says; opnum 14
  ("Opnum14NotImplemented" there too) is BaseRegNotifyChangeKeyValue, which Windows dispatches
  (:mod:`.notify`);

Access (MS-RRP 3.1.1 and :mod:`.security`): the pipe refuses anonymous callers unless winreg is
in the profile's NullSessionPipes (it never is by default); it exists only where the Remote
Registry service runs (the services catalog, ``policies/services/windows.yaml``): elsewhere
opening it is STATUS_OBJECT_NAME_NOT_FOUND, like a pipe nobody serves.  Callers outside the
``SecurePipeServers\\winreg`` ACL (everyone but administrators) may open only the
AllowedExactPaths / AllowedPaths keys, and only for reading.

An unknown or closed key handle is a fault nca_s_fault_context_mismatch: the RPC runtime
rejects it before the method runs (MS-RPCE 3.3.3.2.1, windows-defaults' handle rules).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import ContextHandle, NdrType, Pointer, Sized, uint32
from smbemu.service_catalog import running_on, services_of
from smbemu.status import (
    ERROR_ACCESS_DENIED,
    ERROR_FILE_NOT_FOUND,
    ERROR_INVALID_PARAMETER,
    ERROR_MORE_DATA,
    ERROR_NO_MORE_ITEMS,
    NCA_S_FAULT_CONTEXT_MISMATCH,
)

from .changes import replay
from .hive import Key, build_root
from .security import key_security_descriptor, open_predefined, open_subkey, path_allowed
from .views import link_key, mirror
from .types import (
    FILETIME,
    PBYTE_BUFFER,
    PFILETIME,
    PREGISTRY_SERVER_NAME,
    PRRP_UNICODE_STRING,
    PULONG,
    RPC_HKEY,
    RPC_SECURITY_DESCRIPTOR,
    RRP_UNICODE_STRING,
)

INTERFACE: Final = Interface(
    name="winreg", uuid="338cd001-2244-31f1-aaaa-900038001003", version=(1, 0),
    pipes=("winreg",), opnum_count=36,
    description="Windows Remote Registry Protocol (MS-RRP)")


def service_catalog(server: Any) -> tuple[Any, ...]:
    """The services of the server's release, role and SKU as it runs them now
    (`smbemu.service_catalog.services_of`)."""
    return services_of(server)


def remote_registry_running(config: Any) -> bool:
    """Is ``\\PIPE\\winreg`` there?  Only while the Remote Registry service runs on the
    profile's release and SKU (the catalog's RemoteRegistry row cites the start types), or
    since an administrator started it through svcctl."""
    return running_on(config, "RemoteRegistry")


#: Consulted by the pipe open (smbemu.ipc): a pipe whose service is stopped does not exist.
INTERFACE.available = remote_registry_running  # type: ignore[attr-defined]

#: MS-RRP 3.1.5: "Opnum28NotImplemented" (Windows' OpenHKDD, the Windows 9x dynamic-data hive:
#: nothing answers it).  Opnum 14, "Opnum14NotImplemented" there too, is dispatched by Windows
#: (:mod:`.notify`).
NOT_USED_ON_WIRE: Final = {28: "Opnum28NotImplemented"}
#: Read-only calls Windows implements that are not emulated yet: none left.
NOT_EMULATED: Final[dict[int, str]] = {}
for _opnum, _name in {**NOT_USED_ON_WIRE, **NOT_EMULATED}.items():
    INTERFACE.not_implemented(_opnum, _name)

_HANDLE_KIND: Final = "winreg.key"
#: BaseRegOpenKey dwOptions REG_OPTION_OPEN_LINK (MS-RRP 3.1.5.15): open a symbolic link itself.
REG_OPTION_OPEN_LINK: Final = 0x00000008


class _Opened:
    """What a key handle refers to: its hive, the key, its path below the hive, whether the
    caller passed the winreg ACL, and the tree of the hive it was opened in (``root``: the
    changes a handle makes are applied to it at once, :mod:`.changes`)."""

    __slots__ = ("hive", "key", "path", "full", "root")

    def __init__(self, hive: str, key: Key, path: str, full: bool, root: Key) -> None:
        self.hive, self.key, self.path, self.full, self.root = hive, key, path, full, root

    @property
    def readable(self) -> bool:
        """May the handle's own key be read?  A caller outside the winreg ACL reads only the
        keys it could open by an allowed path, never a hive's root (U)."""
        return self.full or bool(self.path)


def _opened(ctx: CallContext, handle: bytes) -> _Opened:
    entry = ctx.handles.lookup(handle, _HANDLE_KIND)
    if entry is None:
        raise RpcFault(NCA_S_FAULT_CONTEXT_MISMATCH, "unknown winreg key handle")
    opened: _Opened = entry.obj
    # the winreg changes made since, then the keys other services keep (the spooler's Print
    # keys, :mod:`.views`) as they are now
    mirror(ctx.server, opened.hive, replay(ctx.server, opened.hive, opened.root))
    return opened


def _refused(ctx: CallContext, why: str, status: int = ERROR_ACCESS_DENIED) -> int:
    if status == ERROR_ACCESS_DENIED:
        return ctx.deny("SecurePipeServers\\winreg", why).status
    return status


def _rrp(text: str) -> str:
    """An RRP_UNICODE_STRING as sent: counted with its terminating NUL (MS-RRP 2.2.4)."""
    return text + "\x00"


def _name_in(value: str) -> str:
    return value.rstrip("\x00")


def _split_filetime(ticks: int) -> dict[str, int]:
    return {"dwLowDateTime": ticks & 0xFFFFFFFF, "dwHighDateTime": ticks >> 32}


# -------------------------------------------------------------------------------------------
# Opening the predefined keys (0-4, 27, 32, 33)
# -------------------------------------------------------------------------------------------

_ROOTS: Final = ((0, "OpenClassesRoot", "HKCR"), (1, "OpenCurrentUser", "HKCU"),
                 (2, "OpenLocalMachine", "HKLM"), (3, "OpenPerformanceData", "HKPD"),
                 (4, "OpenUsers", "HKU"), (27, "OpenCurrentConfig", "HKCC"),
                 (32, "OpenPerformanceText", "HKPT"), (33, "OpenPerformanceNlsText", "HKPN"))


def _open_root(hive: str) -> Any:
    def handler(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        """MS-RRP 3.1.5.1-5: a handle to the predefined key.  A caller outside the winreg ACL
        gets one too (its AllowedPaths are opened through it); its access is then read-only."""
        opened = open_predefined(ctx, request["samDesired"])
        if opened is None:
            assert ctx.decision is not None
            return {"phKey": bytes(20), "ReturnValue": ctx.decision.status}
        granted, full = opened
        root = mirror(ctx.server, hive, replay(ctx.server, hive, build_root(
            hive, ctx.server.profile, ctx.server.directory, service_catalog(ctx.server))))
        handle = ctx.handles.create(_HANDLE_KIND, _Opened(hive, root, "", full, root), granted)
        return {"phKey": handle, "ReturnValue": 0}
    return handler


for _opnum, _name, _hive in _ROOTS:
    INTERFACE.operation(_opnum, _name,
                        request=[("ServerName", PREGISTRY_SERVER_NAME), ("samDesired", uint32)],
                        response=[("phKey", ContextHandle)],
                        returns="error_status_t")(_open_root(_hive))


# -------------------------------------------------------------------------------------------
# BaseRegCloseKey (5), BaseRegFlushKey (11), BaseRegGetVersion (26)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(5, "BaseRegCloseKey", request=[("hKey", RPC_HKEY)],
                     response=[("hKey", RPC_HKEY)], returns="error_status_t")
def BaseRegCloseKey(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.6: the handle is closed and returned zeroed."""
    _opened(ctx, request["hKey"])
    ctx.handles.close(request["hKey"], _HANDLE_KIND)
    return {"hKey": bytes(20), "ReturnValue": 0}


@INTERFACE.operation(11, "BaseRegFlushKey", request=[("hKey", RPC_HKEY)], response=[],
                     returns="error_status_t")
def BaseRegFlushKey(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.12: writes the key's changes to disk; here they are in memory already."""
    _opened(ctx, request["hKey"])
    return {"ReturnValue": 0}


@INTERFACE.operation(26, "BaseRegGetVersion", request=[("hKey", RPC_HKEY)],
                     response=[("lpdwVersion", uint32)], returns="error_status_t")
def BaseRegGetVersion(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.26: the server's registry version: 5 on Windows 2000 / XP / 2003, 6 from
    Vista / 2008 on (MS-RRP product behaviour note on BaseRegGetVersion; W)."""
    _opened(ctx, request["hKey"])
    return {"lpdwVersion": 6 if ctx.server.profile.identity.version >= (6, 0) else 5,
            "ReturnValue": 0}


# -------------------------------------------------------------------------------------------
# BaseRegOpenKey (15)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(15, "BaseRegOpenKey",
                     request=[("hKey", RPC_HKEY), ("lpSubKey", RRP_UNICODE_STRING),
                              ("dwOptions", uint32), ("samDesired", uint32)],
                     response=[("phkResult", RPC_HKEY)], returns="error_status_t")
def BaseRegOpenKey(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.15: open ``lpSubKey`` below ``hKey``.  Outside the winreg ACL, only
    HKLM's AllowedExactPaths / AllowedPaths open (ERROR_ACCESS_DENIED otherwise, before the
    key's existence is looked at: the check is on the path, U)."""
    parent = _opened(ctx, request["hKey"])
    sub = _name_in(request["lpSubKey"]).strip("\\")
    path = "\\".join(p for p in (parent.path, sub) if p)
    if not parent.full and not (parent.hive == "HKLM" and path_allowed(
            ctx.server.profile.identity.version, path)):
        return {"phkResult": bytes(20), "ReturnValue": _refused(
            ctx, f"opens {parent.hive}\\{path}, not in AllowedExactPaths / AllowedPaths")}
    granted = open_subkey(ctx, request["samDesired"])
    if granted is None:
        assert ctx.decision is not None
        return {"phkResult": bytes(20), "ReturnValue": ctx.decision.status}
    key = parent.key.find(sub)
    if request["dwOptions"] & REG_OPTION_OPEN_LINK:
        key = link_key(ctx.server, parent.hive, path) or key  # the link, not its target
    if key is None:
        return {"phkResult": bytes(20), "ReturnValue": ERROR_FILE_NOT_FOUND}
    handle = ctx.handles.create(_HANDLE_KIND, _Opened(parent.hive, key, path, parent.full,
                                                      parent.root), granted)
    return {"phkResult": handle, "ReturnValue": 0}


# -------------------------------------------------------------------------------------------
# BaseRegEnumKey (9), BaseRegQueryInfoKey (16), BaseRegGetKeySecurity (12)
# -------------------------------------------------------------------------------------------


def _readable(ctx: CallContext, opened: _Opened) -> int:
    if opened.readable:
        return 0
    return _refused(ctx, f"reads the root of {opened.hive} (only AllowedPaths keys are readable)")


@INTERFACE.operation(9, "BaseRegEnumKey",
                     request=[("hKey", RPC_HKEY), ("dwIndex", uint32),
                              ("lpNameIn", RRP_UNICODE_STRING),
                              ("lpClassIn", PRRP_UNICODE_STRING),
                              ("lpftLastWriteTime", PFILETIME)],
                     response=[("lpNameOut", RRP_UNICODE_STRING),
                               ("lplpClassOut", PRRP_UNICODE_STRING),
                               ("lpftLastWriteTime", PFILETIME)],
                     returns="error_status_t")
def BaseRegEnumKey(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.10: the subkey at ``dwIndex`` (ERROR_NO_MORE_ITEMS past the end)."""
    opened = _opened(ctx, request["hKey"])
    # On a failure the [in, out] class and time come back as they were sent (nmap's
    # smb-enum-sessions reads the time before the status).
    empty = {"lpNameOut": "", "lplpClassOut": request["lpClassIn"],
             "lpftLastWriteTime": request["lpftLastWriteTime"]}
    status = _readable(ctx, opened)
    if status:
        return {**empty, "ReturnValue": status}
    subkeys = list(opened.key.subkeys.values())
    index = request["dwIndex"]
    if index >= len(subkeys):
        return {**empty, "ReturnValue": ERROR_NO_MORE_ITEMS}
    sub = subkeys[index]
    return {"lpNameOut": _rrp(sub.name),
            "lplpClassOut": _rrp(sub.class_name) if request["lpClassIn"] is not None else None,
            "lpftLastWriteTime": (_split_filetime(sub.last_write)
                                  if request["lpftLastWriteTime"] is not None else None),
            "ReturnValue": 0}


_QUERY_INFO_OUT: Final[tuple[tuple[str, NdrType], ...]] = (
    ("lpClassOut", RRP_UNICODE_STRING), ("lpcSubKeys", uint32), ("lpcbMaxSubKeyLen", uint32),
    ("lpcbMaxClassLen", uint32), ("lpcValues", uint32), ("lpcbMaxValueNameLen", uint32),
    ("lpcbMaxValueLen", uint32), ("lpcbSecurityDescriptor", uint32),
    ("lpftLastWriteTime", FILETIME))


@INTERFACE.operation(16, "BaseRegQueryInfoKey",
                     request=[("hKey", RPC_HKEY), ("lpClassIn", RRP_UNICODE_STRING)],
                     response=_QUERY_INFO_OUT, returns="error_status_t")
def BaseRegQueryInfoKey(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.16: counts and longest lengths; name lengths in characters without the
    NUL, data lengths in bytes (as RegQueryInfoKey reports them)."""
    opened = _opened(ctx, request["hKey"])
    status = _readable(ctx, opened)
    if status:
        return {**{n: t.default() for n, t in _QUERY_INFO_OUT}, "ReturnValue": status}
    key = opened.key
    # the class counted like a name: characters without the NUL (secretsdump reads the boot key
    # from the classes of Lsa\JD, Skew1, GBG and Data this way)
    return {"lpClassOut": _rrp(key.class_name) if key.class_name else "",
            "lpcSubKeys": len(key.subkeys),
            "lpcbMaxSubKeyLen": max((len(k.name) for k in key.subkeys.values()), default=0),
            "lpcbMaxClassLen": max((len(k.class_name) for k in key.subkeys.values()), default=0),
            "lpcValues": len(key.values),
            "lpcbMaxValueNameLen": max((len(v[0]) for v in key.values), default=0),
            "lpcbMaxValueLen": max((len(v[2]) for v in key.values), default=0),
            "lpcbSecurityDescriptor": len(key_security_descriptor(0x7)),
            "lpftLastWriteTime": _split_filetime(key.last_write), "ReturnValue": 0}


@INTERFACE.operation(12, "BaseRegGetKeySecurity",
                     request=[("hKey", RPC_HKEY), ("SecurityInformation", uint32),
                              ("pRpcSecurityDescriptorIn", RPC_SECURITY_DESCRIPTOR)],
                     response=[("pRpcSecurityDescriptorOut", RPC_SECURITY_DESCRIPTOR)],
                     returns="error_status_t")
def BaseRegGetKeySecurity(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.13: the key's self-relative security descriptor (owner, group, DACL as
    asked; the SACL is never given: ERROR_PRIVILEGE_NOT_HELD on Windows without
    SeSecurityPrivilege, here simply left out, U).  A buffer too small is
    ERROR_INSUFFICIENT_BUFFER (122) with the size needed."""
    opened = _opened(ctx, request["hKey"])
    given = request["pRpcSecurityDescriptorIn"]
    status = _readable(ctx, opened)
    if status:
        return {"pRpcSecurityDescriptorOut": {**given, "lpSecurityDescriptor": None,
                                              "cbOutSecurityDescriptor": 0},
                "ReturnValue": status}
    descriptor = key_security_descriptor(request["SecurityInformation"])
    room = given["cbInSecurityDescriptor"]
    if room < len(descriptor):
        return {"pRpcSecurityDescriptorOut": {"lpSecurityDescriptor": None,
                                              "cbInSecurityDescriptor": len(descriptor),
                                              "cbOutSecurityDescriptor": 0},
                "ReturnValue": 122}
    return {"pRpcSecurityDescriptorOut": {"lpSecurityDescriptor": Sized(descriptor, room),
                                          "cbInSecurityDescriptor": room,
                                          "cbOutSecurityDescriptor": len(descriptor)},
            "ReturnValue": 0}


# -------------------------------------------------------------------------------------------
# Values: BaseRegQueryValue (17), BaseRegEnumValue (10)
# -------------------------------------------------------------------------------------------


def _data_out(request: dict[str, Any], kind: int, data: bytes) -> dict[str, Any]:
    """The [in, out] lpType / lpData / lpcbData / lpcbLen of a value read (MS-RRP 3.1.5.17):
    lpData only when the client gave a buffer large enough (else ERROR_MORE_DATA with the size
    needed in lpcbData), lpcbLen the bytes returned."""
    room = request["lpcbData"]
    out: dict[str, Any] = {"lpType": kind if request["lpType"] is not None else None,
                           "lpcbData": len(data) if room is not None else None,
                           "lpcbLen": None, "ReturnValue": 0}
    if request["lpData"] is None:
        out["lpData"] = None
        if request["lpcbLen"] is not None:
            out["lpcbLen"] = 0
        return out
    # The array's size_is is the returned *lpcbData (Samba's NDR checks it), not the buffer
    # the client offered.
    room = room or 0
    if room < len(data):
        out["lpData"] = Sized(b"", len(data))
        out["lpcbLen"] = 0 if request["lpcbLen"] is not None else None
        out["ReturnValue"] = ERROR_MORE_DATA
        return out
    out["lpData"] = data
    out["lpcbLen"] = len(data) if request["lpcbLen"] is not None else None
    return out


_VALUE_IO: Final[tuple[tuple[str, NdrType], ...]] = (
    ("lpType", PULONG), ("lpData", PBYTE_BUFFER), ("lpcbData", PULONG), ("lpcbLen", PULONG))


@INTERFACE.operation(17, "BaseRegQueryValue",
                     request=[("hKey", RPC_HKEY), ("lpValueName", RRP_UNICODE_STRING),
                              *_VALUE_IO],
                     response=list(_VALUE_IO), returns="error_status_t")
def BaseRegQueryValue(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.17: a value's type and data; ERROR_FILE_NOT_FOUND for a value the key
    does not hold."""
    opened = _opened(ctx, request["hKey"])
    if request["lpValueName"] == "":
        # A NULL (or zero-length) name: an RRP_UNICODE_STRING always carries its NUL, even the
        # default value's (MS-RRP 2.2.3); Windows answers ERROR_INVALID_PARAMETER (smbtorture's
        # rpc.winreg QueryValue test, written against Windows, expects exactly that).
        return _value_failed(request, ERROR_INVALID_PARAMETER)
    if request["lpType"] is None or request["lpcbData"] is None or request["lpcbLen"] is None:
        # MS-RRP 3.1.5.17: "If the client sets lpType to NULL, the server MUST fail this method
        # and return ERROR_INVALID_PARAMETER"; the same for lpcbData / lpcbLen, whatever the
        # value (smbtorture's rpc.winreg QueryValue_full, written against Windows, sends each
        # NULL in turn and expects ERROR_INVALID_PARAMETER before the value is looked at).
        return _value_failed(request, ERROR_INVALID_PARAMETER)
    status = _readable(ctx, opened)
    if status:
        return _value_failed(request, status)
    value = opened.key.value(_name_in(request["lpValueName"]))
    if value is None:
        # "the server MUST set [lpType] to NULL if the value ... is not found" (3.1.5.17)
        return {**_value_failed(request, ERROR_FILE_NOT_FOUND), "lpType": None}
    return _data_out(request, value[1], value[2])


def _value_failed(request: dict[str, Any], status: int) -> dict[str, Any]:
    """A failed value read: each [in, out] unique pointer the client sent comes back non-NULL
    (the RPC stub returns them whatever the status; smbtorture's rpc.winreg, written against
    Windows, reads *lpcbData after a failure), the sizes zeroed and the buffer empty, so that
    size_is(*lpcbData) and length_is(*lpcbLen) agree."""
    return {"lpType": request["lpType"],
            "lpData": None if request["lpData"] is None else b"",
            "lpcbData": None if request["lpcbData"] is None else 0,
            "lpcbLen": None if request["lpcbLen"] is None else 0, "ReturnValue": status}


@INTERFACE.operation(10, "BaseRegEnumValue",
                     request=[("hKey", RPC_HKEY), ("dwIndex", uint32),
                              ("lpValueNameIn", RRP_UNICODE_STRING), *_VALUE_IO],
                     response=[("lpValueNameOut", RRP_UNICODE_STRING), *_VALUE_IO],
                     returns="error_status_t")
def BaseRegEnumValue(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.11: the value at ``dwIndex`` (ERROR_NO_MORE_ITEMS past the end)."""
    opened = _opened(ctx, request["hKey"])
    none = {"lpValueNameOut": "", "lpType": None, "lpData": None, "lpcbData": None,
            "lpcbLen": None}
    status = _readable(ctx, opened)
    if status:
        return {**none, "ReturnValue": status}
    values = opened.key.values
    index = request["dwIndex"]
    if index >= len(values):
        return {**none, "ReturnValue": ERROR_NO_MORE_ITEMS}
    name, kind, data = values[index]
    return {"lpValueNameOut": _rrp(name), **_data_out(request, kind, data)}


from . import multiple  # noqa: E402,F401  (BaseRegQueryMultipleValues / 2, opnums 29 and 34)
from . import notify  # noqa: E402,F401  (BaseRegNotifyChangeKeyValue, opnum 14)
from . import writes  # noqa: E402,F401  (keys and values changed: opnums 6-8, 21, 22, 35)
from . import hives  # noqa: E402,F401  (hive files: opnums 13, 18-20, 23, 31)
from . import refused  # noqa: E402,F401  (declares the refused opnums on INTERFACE)

__all__ = ["INTERFACE", "NOT_EMULATED", "NOT_USED_ON_WIRE", "remote_registry_running"]
