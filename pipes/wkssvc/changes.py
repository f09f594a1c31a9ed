"""wkssvc calls that would change the workstation or that Windows answers without state:
NetrUse* (8-11), the transport, join and name calls, the NT 4 era methods, NetrWorkstationStatisticsGet
(13), NetrValidateName2 / NetrGetJoinableOUs2 (25, 26).  NetrWkstaSetInfo is ``settings``."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Final

from smbemu.policy import Require, Rule
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    FixedBytes,
    int64,
    NdrType,
    Pointer,
    Struct,
    uint32,
    Union,
    WString,
    WStringRef,
)
from smbemu.status import (
    ERROR_ACCESS_DENIED,
    ERROR_CALL_NOT_IMPLEMENTED,
    ERROR_INVALID_FUNCTION,
    ERROR_INVALID_LEVEL,
    ERROR_INVALID_PARAMETER,
    ERROR_INVALID_PASSWORD,
    ERROR_NO_SUCH_LOGON_SESSION,
    ERROR_NOT_SUPPORTED,
    NERR_NAME_NOT_FOUND,
    NERR_SUCCESS,
    RPC_E_REMOTE_DISABLED,
)

from .types import (
    PULONG,
    USE_ENUM_STRUCT,
    USE_INFO,
    WKSSVC_HANDLE,
    WKSTA_INFO,
    WKSTA_TRANSPORT_ENUM_STRUCT,
    WKSTA_TRANSPORT_INFO_0,
    WKSTA_USER_ENUM_STRUCT,
    WKSTA_USER_INFO_0,
    WKSTA_USER_INFO_1,
    ENUM_TAIL_IN,
    ENUM_TAIL_OUT,
    _NULL_ONLY,
)
from .objects import INTERFACE, NOT_EMULATED, NOT_USED_ON_WIRE
from .info import transport


# -------------------------------------------------------------------------------------------
# NetrUse* (8-11): not remotely callable
# -------------------------------------------------------------------------------------------


def _use_not_implemented(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-WKST 3.2.4.7-10: ERROR_CALL_NOT_IMPLEMENTED, levels echoed, [out] NULL."""
    op = ctx.operation
    assert op is not None
    out = op.error_response(ERROR_CALL_NOT_IMPLEMENTED)
    if op.name == "NetrUseGetInfo":
        out["InfoStruct"] = (request["Level"], None)
    elif op.name == "NetrUseEnum":
        level = request["InfoStruct"]["Level"]
        out["InfoStruct"] = {"Level": level, "UseInfo": (level, None)}
        out["ResumeHandle"] = request["ResumeHandle"]
    return out


_USE_OPS: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]],
                            Sequence[tuple[str, NdrType]]], ...]] = (
    # [in] Level, InfoStruct, [in, out, unique] ErrorParameter: only the fixed prefix is decoded
    (8, "NetrUseAdd", [("ServerName", WKSSVC_HANDLE), ("Level", uint32)],
     [("ErrorParameter", PULONG)]),
    (9, "NetrUseGetInfo",
     [("ServerName", WKSSVC_HANDLE), ("UseName", WStringRef), ("Level", uint32)],
     [("InfoStruct", USE_INFO)]),
    (10, "NetrUseDel",
     [("ServerName", WKSSVC_HANDLE), ("UseName", WStringRef), ("ForceLevel", uint32)], []),
    (11, "NetrUseEnum",
     [("ServerName", WKSSVC_HANDLE), ("InfoStruct", Pointer(USE_ENUM_STRUCT, "ref")),
      *ENUM_TAIL_IN],
     [("InfoStruct", Pointer(USE_ENUM_STRUCT, "ref")), *ENUM_TAIL_OUT]),
)
for _opnum, _name, _in, _out in _USE_OPS:
    INTERFACE.operation(_opnum, _name, request=_in, response=_out,
                        returns="WERROR")(_use_not_implemented)


# -------------------------------------------------------------------------------------------
# Changes to the workstation's transports: refused (read-only emulation)
# -------------------------------------------------------------------------------------------


def _refuse(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    return op.error_response(ctx.decide().status or ERROR_ACCESS_DENIED)


# [in] parameters are not decoded (trailing stub bytes are ignored by smbemu.rpc.ndr)
INTERFACE.operation(7, "NetrWkstaTransportDel", request=(), returns="WERROR")(_refuse)

# An administrator's transport, join and name calls get Windows' answer to the same request
# (impacket's tests/dcerpc/test_wkst.py, written against Windows, names each); what would
# change the machine stays ERROR_ACCESS_DENIED, the emulated machine being read-only.
_ADMINS: Final = Rule(Require.ADMINISTRATORS, source="MS-WKST 3.2.4.5, 3.2.4.13-15, "
                      "3.2.4.18-20 (D: administrators)")
#: 2.2.5.18 JOINPR_ENCRYPTED_USER_PASSWORD: an 8-byte obfuscator, then 2.2.5.17's 516-byte
#: JOINPR_USER_PASSWORD (512 bytes of right-aligned UTF-16 password, its byte length)
#: RC4-encrypted under MD5(session key || obfuscator).
JOINPR_ENCRYPTED_USER_PASSWORD: Final = Struct("JOINPR_ENCRYPTED_USER_PASSWORD",
                                               [("Buffer", FixedBytes(524))])
_PASSWORD: Final = Pointer(JOINPR_ENCRYPTED_USER_PASSWORD)
#: A well-formed call: join / unjoin / rename (3.2.4.13-15) would change the machine: refused;
#: the name calls (3.2.4.18-20) ERROR_NOT_SUPPORTED, an answer impacket's test accepts from
#: Windows for each (U: which one a 2016 DC gives).
_OTHERWISE: Final = {"NetrJoinDomain2": ERROR_ACCESS_DENIED, "NetrUnjoinDomain2": ERROR_ACCESS_DENIED,
                     "NetrRenameMachineInDomain2": ERROR_ACCESS_DENIED}


def _setup_call(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-WKST 3.2.4.13-15 / 18-20: a password that does not decrypt (its length field beyond
    512 bytes; impacket sends 512 zero bytes) is ERROR_INVALID_PASSWORD; NULL means the
    caller's own."""
    op = ctx.operation
    assert op is not None
    status = ctx.decide().status
    encrypted = request.get("Password", request.get("EncryptedPassword"))
    if not status and encrypted is not None:
        key = hashlib.md5((ctx.session_key or b"") + encrypted["Buffer"][:8]).digest()
        # the RC4 layer and the length check are SAMPR_USER_PASSWORD's (MS-SAMR 2.2.6.21)
        if ctx.server.directory.clear_password_for(encrypted["Buffer"][8:], key) is None:
            status = ERROR_INVALID_PASSWORD
    return op.error_response(status or _OTHERWISE.get(op.name, ERROR_NOT_SUPPORTED))


_SERVER: Final = ("ServerName", WKSSVC_HANDLE)
_ACCOUNT: Final = (("AccountName", WString), ("Password", _PASSWORD), ("Options", uint32))
for _opnum, _name, _in in (
        (22, "NetrJoinDomain2", [_SERVER, ("DomainNameParam", WStringRef),
                                 ("MachineAccountOU", WString), *_ACCOUNT]),
        (23, "NetrUnjoinDomain2", [_SERVER, *_ACCOUNT]),
        (24, "NetrRenameMachineInDomain2", [_SERVER, ("MachineName", WString), *_ACCOUNT]),
        *((opnum, name, [_SERVER, (field, WString), ("DomainAccount", WString),
                         ("EncryptedPassword", _PASSWORD), ("Reserved", uint32)])
          for opnum, name, field in ((27, "NetrAddAlternateComputerName", "AlternateName"),
                                     (28, "NetrRemoveAlternateComputerName", "AlternateName"),
                                     (29, "NetrSetPrimaryComputerName", "PrimaryName")))):
    INTERFACE.operation(_opnum, _name, request=_in, returns="WERROR", rule=_ADMINS)(_setup_call)


@INTERFACE.operation(6, "NetrWkstaTransportAdd",
                     request=[_SERVER, ("Level", uint32),
                              ("TransportInfo", Pointer(WKSTA_TRANSPORT_INFO_0, "ref")),
                              ("ErrorParameter", PULONG)],
                     response=[("ErrorParameter", PULONG)], returns="WERROR", rule=_ADMINS)
def NetrWkstaTransportAdd(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-WKST 3.2.4.5: a Level other than 0 MUST be ERROR_INVALID_LEVEL; a level-0 transport
    is not bound (<41>, Windows' own processing): ERROR_INVALID_FUNCTION, Windows' answer to
    impacket's test (U: the checks behind smbtorture's ERROR_INVALID_PARAMETER)."""
    status = ctx.decide().status
    if not status:
        status = ERROR_INVALID_LEVEL if request["Level"] != 0 else ERROR_INVALID_FUNCTION
    return {"ErrorParameter": request["ErrorParameter"], "ReturnValue": status}

# -------------------------------------------------------------------------------------------
# The NT 4 era methods (3, 4, 12, 14-19, 21), NetrWorkstationStatisticsGet (13) and the
# NetSetup calls NetrValidateName2 (25) / NetrGetJoinableOUs2 (26)
# -------------------------------------------------------------------------------------------

WKSTA_USER_INFO_1101: Final = Struct("WKSTA_USER_INFO_1101", [("wkui1101_oth_domains", WString)])
USER_INFO: Final = Union(uint32, {0: Pointer(WKSTA_USER_INFO_0), 1: Pointer(WKSTA_USER_INFO_1),
                                  1101: Pointer(WKSTA_USER_INFO_1101)},
                         default=None, name="WKSTA_USER_INFO")


@INTERFACE.operation(3, "NetrWkstaUserGetInfo",
                     request=[("Reserved", WString), ("Level", uint32)],
                     response=[("UserInfo", USER_INFO)], returns="WERROR")
def NetrWkstaUserGetInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """The caller's own interactive logon (NetWkstaUserGetInfo): a network caller has none,
    so levels 0 / 1 are ERROR_NO_SUCH_LOGON_SESSION and 1101 (other domains) succeeds empty;
    a non-NULL reserved name is ERROR_INVALID_PARAMETER (smbtorture rpc.wkssvc
    NetrWkstaUserGetInfo, Windows' answers)."""
    level = request["Level"]
    if request["Reserved"] is not None:
        return {"UserInfo": (level, None), "ReturnValue": ERROR_INVALID_PARAMETER}
    if level in (0, 1):
        return {"UserInfo": (level, None), "ReturnValue": ERROR_NO_SUCH_LOGON_SESSION}
    if level == 1101:
        return {"UserInfo": (level, {"wkui1101_oth_domains": None}), "ReturnValue": NERR_SUCCESS}
    return {"UserInfo": (level, None), "ReturnValue": ERROR_INVALID_LEVEL}


@INTERFACE.operation(12, "NetrMessageBufferSend", request=(), returns="WERROR")
def NetrMessageBufferSend(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """A net send message: delivered (and dropped) while the Messenger service runs (NT 4 /
    2000, ``smbemu.service_catalog``; smbtorture: "only succeeds as long as the local messenger
    service is running"); NERR_NameNotFound without it, no alias being registered (U)."""
    from smbemu.service_catalog import is_running

    running = is_running(ctx.server.profile, "Messenger")
    return {"ReturnValue": NERR_SUCCESS if running else NERR_NAME_NOT_FOUND}


def _not_supported(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    return op.error_response(ERROR_NOT_SUPPORTED)


# smbtorture rpc.wkssvc expects WERR_NOT_SUPPORTED from Windows for 14-19 and 21 (the NT 4
# join / logon-domain calls, superseded by the *2 calls); 4 (NetrWkstaUserSetInfo, untested
# there) is answered alike (U).  [in] parameters are not decoded.
for _opnum, _name, _out in (
        (4, "NetrWkstaUserSetInfo", [("ParmErr", PULONG)]),
        (14, "NetrLogonDomainNameAdd", []), (15, "NetrLogonDomainNameDel", []),
        (16, "NetrJoinDomain", []), (17, "NetrUnjoinDomain", []),
        (18, "NetrRenameMachineInDomain", []), (19, "NetrValidateName", []),
        (21, "NetrGetJoinableOus", [("OUCount", uint32), ("OUs", _NULL_ONLY)])):
    INTERFACE.operation(_opnum, _name, request=(), response=_out,
                        returns="WERROR")(_not_supported)

#: MS-WKST 2.2.5.11 STAT_WORKSTATION_0: 13 LARGE_INTEGER counters, then 27 ULONG ones.
_STAT_HYPERS: Final = (
    "StatisticsStartTime", "BytesReceived", "SmbsReceived", "PagingReadBytesRequested",
    "NonPagingReadBytesRequested", "CacheReadBytesRequested", "NetworkReadBytesRequested",
    "BytesTransmitted", "SmbsTransmitted", "PagingWriteBytesRequested",
    "NonPagingWriteBytesRequested", "CacheWriteBytesRequested", "NetworkWriteBytesRequested")
_STAT_LONGS: Final = (
    "InitiallyFailedOperations", "FailedCompletionOperations", "ReadOperations",
    "RandomReadOperations", "ReadSmbs", "LargeReadSmbs", "SmallReadSmbs", "WriteOperations",
    "RandomWriteOperations", "WriteSmbs", "LargeWriteSmbs", "SmallWriteSmbs", "RawReadsDenied",
    "RawWritesDenied", "NetworkErrors", "Sessions", "FailedSessions", "Reconnects",
    "CoreConnects", "Lanman20Connects", "Lanman21Connects", "LanmanNtConnects",
    "ServerDisconnects", "HungSessions", "UseCount", "FailedUseCount", "CurrentCommands")
STAT_WORKSTATION_0: Final = Struct("STAT_WORKSTATION_0", [
    *((name, int64) for name in _STAT_HYPERS), *((name, uint32) for name in _STAT_LONGS)])


@INTERFACE.operation(13, "NetrWorkstationStatisticsGet",
                     request=[("ServerName", WKSSVC_HANDLE), ("ServiceName", WString),
                              ("Level", uint32), ("Options", uint32)],
                     response=[("Buffer", Pointer(STAT_WORKSTATION_0))], returns="WERROR",
                     rule=Rule(Require.ADMINISTRATORS,
                               source="Win32 NetStatisticsGet remarks (D: Administrators)"))
def NetrWorkstationStatisticsGet(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-WKST 3.2.4.11: Level 0, Options 0 (ERROR_INVALID_LEVEL / ERROR_INVALID_PARAMETER
    otherwise).  The emulated machine's redirector never runs: every counter is 0 but the
    start time (the server's, as a FILETIME)."""
    if request["Level"] != 0:
        return {"Buffer": None, "ReturnValue": ERROR_INVALID_LEVEL}
    if request["Options"] != 0:
        return {"Buffer": None, "ReturnValue": ERROR_INVALID_PARAMETER}
    stats = {name: 0 for name, _ in STAT_WORKSTATION_0.fields}
    stats["StatisticsStartTime"] = ctx.server.start_filetime or 0
    return {"Buffer": stats, "ReturnValue": NERR_SUCCESS}


def _remote_disabled(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    return op.error_response(RPC_E_REMOTE_DISABLED)


# smbtorture rpc.wkssvc NetrValidateName2 / NetrGetJoinableOus2 expect RPC_E_REMOTE_DISABLED
# from Windows (U: whether a PKT_PRIVACY caller gets further).  [in] not decoded; OUCount 0,
# OUs NULL.
INTERFACE.operation(25, "NetrValidateName2", request=(), returns="WERROR")(_remote_disabled)
INTERFACE.operation(26, "NetrGetJoinableOUs2", request=(),
                    response=[("OUCount", uint32), ("OUs", _NULL_ONLY)],
                    returns="WERROR")(_remote_disabled)

__all__ = ["INTERFACE", "NOT_USED_ON_WIRE", "NOT_EMULATED", "WKSTA_INFO",
           "WKSTA_USER_ENUM_STRUCT", "WKSTA_TRANSPORT_ENUM_STRUCT", "transport"]
