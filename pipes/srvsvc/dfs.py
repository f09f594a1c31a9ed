"""srvsvc's DFS calls, opnums 43-46 and 48-52 (MS-SRVS 3.1.4.35-3.1.4.43), as a Windows Server
2016 domain controller answers them.

These are the LAN Manager-era DFS driver calls (Windows 2000's Dfs.sys administration); later
releases manage DFS through MS-DFSNM (\\PIPE\\netdfs) instead.  MS-SRVS says for each: "the
server SHOULD<...> choose to perform no processing and return an implementation-specific error
code".  The codes here are the ones impacket's suite (tests/dcerpc/test_srvs.py, written and run
against Windows Server 2012 R2 / 2016 domain controllers: its TESTING.md) accepts from Windows,
each test naming one:

* NetrDfsGetVersion (43, 3.1.4.35): ERROR_FILE_NOT_FOUND (2), Version 0 -- the only non-success
  its test accepts (a DC *is* a DFS server for SYSVOL / NETLOGON, but not through this driver
  interface; U: no capture of the Version a success would carry, so the failure is answered);
* NetrDfsDeleteExitPoint (49), NetrDfsModifyPrefix (50), NetrDfsManagerReportSiteInfo (52),
  NetrDfsCreateLocalPartition (44), DeleteLocalPartition (45), SetLocalVolumeState (46):
  ERROR_NOT_SUPPORTED (50) (the tests of 49, 50 and 52 accept that code; 44-46 alike, U);
* NetrDfsCreateExitPoint (48, 3.1.4.39): ``[in, range(0, 32)] DWORD ShortPrefixLen`` -- a value
  outside the range is rejected by the RPC runtime while unmarshalling, before the server
  routine runs: fault RPC_X_BAD_STUB_DATA (0x6F7), what impacket's test (ShortPrefixLen 50)
  expects from Windows; in range, ERROR_NOT_SUPPORTED with the caller-sized [out] array;
* NetrDfsFixLocalVolume (51, 3.1.4.42): ``[in, string] WCHAR* VolumeName`` -- a string whose
  last transmitted character is not the terminating NUL is rejected by Windows' NDR engine
  while unmarshalling: fault RPC_X_BAD_STUB_DATA (impacket's test sends "\\??\\C:\\DfsShare"
  without its NUL and expects exactly that fault); a well-formed call: ERROR_NOT_SUPPORTED.

Only the [in] parameters an answer depends on are decoded (trailing stub bytes are ignored,
``smbemu.rpc.ndr``).  Every caller gets the same answers (no access check precedes them: U).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantVaryingArray,
    Guid,
    Pointer,
    WStringRef,
    uint16,
    uint32,
)
from smbemu.status import ERROR_FILE_NOT_FOUND, ERROR_NOT_SUPPORTED, NCA_S_FAULT_NDR

from .objects import INTERFACE
from .types import SRVSVC_HANDLE

#: ``[string] WCHAR*`` read as the code units sent (max, offset, actual, elements) so that the
#: terminating NUL can be checked (the shared WSTR decoder is lenient and drops it).
_RAW_STRING: Final = Pointer(ConformantVaryingArray(uint16), "ref")
#: MS-SRVS 3.1.4.39: ``[in, range(0, 32)] DWORD ShortPrefixLen``.
_MAX_SHORT_PREFIX: Final = 32


@INTERFACE.operation(43, "NetrDfsGetVersion", request=[("ServerName", SRVSVC_HANDLE)],
                     response=[("Version", uint32)], returns="WERROR")
def NetrDfsGetVersion(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.35: ERROR_FILE_NOT_FOUND, Version 0 (module docstring)."""
    return {"Version": 0, "ReturnValue": ERROR_FILE_NOT_FOUND}


def _dfs_not_supported(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    return op.error_response(ERROR_NOT_SUPPORTED)


for _opnum, _name in {44: "NetrDfsCreateLocalPartition", 45: "NetrDfsDeleteLocalPartition",
                      46: "NetrDfsSetLocalVolumeState", 49: "NetrDfsDeleteExitPoint",
                      50: "NetrDfsModifyPrefix", 52: "NetrDfsManagerReportSiteInfo"}.items():
    # NetrDfsManagerReportSiteInfo's [in, out, unique] ppSiteInfo is sent NULL.
    _out = [("ppSiteInfo", Pointer(uint32))] if _opnum == 52 else []
    INTERFACE.operation(_opnum, _name, request=(), response=_out,
                        returns="WERROR")(_dfs_not_supported)


@INTERFACE.operation(48, "NetrDfsCreateExitPoint",
                     request=[("ServerName", SRVSVC_HANDLE), ("Uid", Guid),
                              ("Prefix", WStringRef), ("Type", uint32),
                              ("ShortPrefixLen", uint32)],
                     response=[("ShortPrefix", ConformantArray(uint16))], returns="WERROR")
def NetrDfsCreateExitPoint(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.39: ``[out, size_is(ShortPrefixLen)] WCHAR* ShortPrefix`` -- the array the
    caller sized comes back, empty, with ERROR_NOT_SUPPORTED; out of range(0, 32): the fault."""
    size = request["ShortPrefixLen"]
    if size > _MAX_SHORT_PREFIX:
        raise RpcFault(NCA_S_FAULT_NDR, "ShortPrefixLen outside range(0, 32)")
    return {"ShortPrefix": [0] * size, "ReturnValue": ERROR_NOT_SUPPORTED}


@INTERFACE.operation(51, "NetrDfsFixLocalVolume",
                     request=[("ServerName", SRVSVC_HANDLE), ("VolumeName", _RAW_STRING)],
                     returns="WERROR")
def NetrDfsFixLocalVolume(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4.42: a VolumeName without its NUL is the fault; else ERROR_NOT_SUPPORTED."""
    volume = request["VolumeName"] or []
    if not volume or volume[-1] != 0:
        raise RpcFault(NCA_S_FAULT_NDR, "VolumeName: [string] without its terminating NUL")
    return {"ReturnValue": ERROR_NOT_SUPPORTED}
