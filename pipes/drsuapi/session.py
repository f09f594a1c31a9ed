"""The calls around a DRS context: IDL_DRSBind (0), IDL_DRSUnbind (1),
IDL_DRSDomainControllerInfo (16) and IDL_DRSGetNT4ChangeLog (11)."""

from __future__ import annotations

import struct
import uuid
from typing import Any, Final

from smbemu.policy import Require, Rule
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import Guid, Pointer, uint32
from smbemu.status import ERROR_DS_OBJ_NOT_FOUND, ERROR_INVALID_PARAMETER, ERROR_SUCCESS

from .objects import HANDLE_KIND, INTERFACE, SITE_NAME, bound, identity
from .types import (
    DRS_EXTENSIONS,
    DRS_HANDLE,
    DRS_MSG_DCINFOREPLY,
    DRS_MSG_DCINFOREQ,
    DRS_MSG_NT4_CHGLOG_REPLY,
    DRS_MSG_NT4_CHGLOG_REQ,
    DRS_NT4_CHGLOG_GET_CHANGE_LOG,
    DRS_NT4_CHGLOG_GET_SERIAL_NUMBERS,
)

#: The server's DRS_EXTENSIONS_INT dwFlags (MS-DRSR 5.39): every capability bit of a Windows
#: Server 2003-and-later DC except DRS_EXT_ADDENTRY (the V1 IDL_DRSAddEntry of Windows 2000)
#: and the two reserved top bits -- the value public captures of Windows Server 2008-2016
#: DsBind replies show (W; U: the exact set per release).
SERVER_FLAGS: Final = 0x3FFFFF7F
#: dwFlagsExt (5.39): DRS_EXT_LH_BETA2 (0x2, Windows Server 2008 and later) and
#: DRS_EXT_RECYCLE_BIN (0x4, 2008 R2 and later; the bit says the DC supports the feature) (W).
SERVER_FLAGS_EXT: Final = 0x00000006
#: cb (5.39): the fields dwFlags through ConfigObjGUID, 48 bytes (dwExtCaps is not sent: the
#: 2016 reply the impacket suite parses pads it with zeros, W).
SERVER_EXTENSIONS_CB: Final = 48
#: Pid (5.39: "the current server process"): lsass's process id, which Windows' lsass gets
#: early in boot (U: any small multiple of 4).
LSASS_PID: Final = 0x2A8

#: MS-DRSR 4.1.3.2: "The server returns an error if puuidClientDsa^ is set to the NULL GUID"
#: (Windows: ERROR_INVALID_PARAMETER, U).
_NULL_GUID: Final = uuid.UUID(int=0)

_AUTHENTICATED: Final = Rule(Require.AUTHENTICATED, source=(
    "MS-DRSR 4.1.3.2 / 2.1: a DRS context is bound by an authenticated caller (U: the status an "
    "anonymous caller gets)"))


def server_extensions(ctx: CallContext, client_epoch: int) -> bytes:
    """The rgb of the server's DRS_EXTENSIONS (5.39 without its cb): flags, site GUID, Pid,
    the replication epoch the client sent back (4.1.3.2: dwReplEpoch "initialized as described"
    in 4.1.3.1 -- the server's own msDS-ReplicationEpoch, 0 in a forest never renamed),
    dwFlagsExt, the configuration NC's GUID."""
    me = identity(ctx)
    del client_epoch  # a mismatch is the client's concern (ERROR_DS_DIFFERENT_REPL_EPOCHS later)
    return (struct.pack("<I", SERVER_FLAGS) + me.guid_of(me.site_dn).bytes_le
            + struct.pack("<III", LSASS_PID, 0, SERVER_FLAGS_EXT) + me.guid_of(me.configuration_dn).bytes_le)


@INTERFACE.operation(0, "IDL_DRSBind",
                     request=[("puuidClientDsa", Pointer(Guid)), ("pextClient", Pointer(DRS_EXTENSIONS))],
                     response=[("ppextServer", Pointer(DRS_EXTENSIONS)), ("phDrs", DRS_HANDLE)],
                     returns="WERROR", rule=_AUTHENTICATED)
def IDL_DRSBind(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.3: a DRS context handle carrying the client's extensions."""
    client_dsa = request["puuidClientDsa"]
    if client_dsa is None or client_dsa == _NULL_GUID:
        return {"ppextServer": None, "phDrs": b"\x00" * 20, "ReturnValue": ERROR_INVALID_PARAMETER}
    client = request["pextClient"] or {"cb": 0, "rgb": b""}
    rgb = bytes(client.get("rgb") or b"")
    epoch = struct.unpack_from("<I", rgb, 24)[0] if len(rgb) >= 28 else 0
    handle = ctx.handles.create(HANDLE_KIND, {"client_dsa": client_dsa, "client_extensions": rgb})
    ext = server_extensions(ctx, epoch)
    return {"ppextServer": {"cb": SERVER_EXTENSIONS_CB, "rgb": ext}, "phDrs": handle,
            "ReturnValue": ERROR_SUCCESS}


@INTERFACE.operation(1, "IDL_DRSUnbind", request=[("phDrs", DRS_HANDLE)],
                     response=[("phDrs", DRS_HANDLE)], returns="WERROR")
def IDL_DRSUnbind(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.25: the context is closed; the [in, out] handle comes back zeroed."""
    bound(ctx, request["phDrs"])
    ctx.handles.close(request["phDrs"])
    return {"phDrs": b"\x00" * 20, "ReturnValue": ERROR_SUCCESS}


def _dc_item(ctx: CallContext, level: int) -> dict[str, Any]:
    """The one DC of the domain at InfoLevel 1, 2 or 3 (4.1.5.1.8-10): the PDC (smbemu
    emulates the domain's only DC), the directory service running, a global catalog (the
    forest's first DC is one, MS-ADTS 6.1.1.2.2.1.2.1.1 options NTDSDSA_OPT_IS_GC), not an
    RODC."""
    me = identity(ctx)
    item: dict[str, Any] = {"NetbiosName": me.netbios_name, "DnsHostName": me.dns_host_name,
                            "SiteName": SITE_NAME, "ComputerObjectName": me.computer_dn,
                            "ServerObjectName": me.server_dn, "fIsPdc": 1, "fDsEnabled": 1}
    if level >= 2:
        item.update({"SiteObjectName": me.site_dn, "NtdsDsaObjectName": me.ntds_dn, "fIsGc": 1,
                     "SiteObjectGuid": me.guid_of(me.site_dn),
                     "ComputerObjectGuid": me.guid_of(me.computer_dn),
                     "ServerObjectGuid": me.guid_of(me.server_dn), "NtdsDsaObjectGuid": me.ntds_guid})
    if level == 3:
        item["fIsRodc"] = 0
    return item


def _names_domain(ctx: CallContext, name: str) -> bool:
    me = identity(ctx)
    wanted = name.strip().rstrip(".").lower()
    return wanted in (me.domain_flat.lower(), me.domain_dns.lower(), me.domain_dn.lower())


@INTERFACE.operation(16, "IDL_DRSDomainControllerInfo",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32), ("pmsgIn", DRS_MSG_DCINFOREQ)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", DRS_MSG_DCINFOREPLY)], returns="WERROR")
def IDL_DRSDomainControllerInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.5.2: the DCs of the named domain (flat or DNS name) at InfoLevel 1, 2, 3;
    0xFFFFFFFF lists the server's current LDAP connections, for administrators (the policy's
    drsuapi rule; others get ERROR_ACCESS_DENIED, U), and smbemu serves no LDAP: an empty list.  An unknown
    domain is ERROR_DS_OBJ_NOT_FOUND; an unknown level ERROR_INVALID_PARAMETER (4.1.5.2)."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgIn"]
    level = int(message["InfoLevel"])
    if request["dwInVersion"] != 1 or level not in (1, 2, 3, 0xFFFFFFFF):
        return {"pdwOutVersion": 1, "pmsgOut": (1, {"cItems": 0, "rItems": None}),
                "ReturnValue": ERROR_INVALID_PARAMETER}
    if not _names_domain(ctx, message["Domain"] or ""):
        return {"pdwOutVersion": level, "pmsgOut": (level, {"cItems": 0, "rItems": None}),
                "ReturnValue": ERROR_DS_OBJ_NOT_FOUND}
    if level == 0xFFFFFFFF:
        refused = ctx.decide(level=level).status
        return {"pdwOutVersion": level, "pmsgOut": (level, {"cItems": 0, "rItems": None}),
                "ReturnValue": refused or ERROR_SUCCESS}
    return {"pdwOutVersion": level, "pmsgOut": (level, {"cItems": 1, "rItems": [_dc_item(ctx, level)]}),
            "ReturnValue": ERROR_SUCCESS}


@INTERFACE.operation(11, "IDL_DRSGetNT4ChangeLog",
                     request=[("hDrs", DRS_HANDLE), ("dwInVersion", uint32), ("pmsgIn", DRS_MSG_NT4_CHGLOG_REQ)],
                     response=[("pdwOutVersion", uint32), ("pmsgOut", DRS_MSG_NT4_CHGLOG_REPLY)], returns="WERROR")
def IDL_DRSGetNT4ChangeLog(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DRSR 4.1.11.3: on the PDC emulator, the PDC change log and / or the NT4 replication
    state (MS-ADTS 3.1.1.7), to a caller with the replication right on the domain NC (the
    policy's drsuapi rule; others get ERROR_ACCESS_DENIED, U).  The emulated DC has had
    no change since the fixture was loaded: the log is empty (no cookie, 4.1.11.3: "If the
    server returns no change log entries, it returns null instead of a pointer to a cookie"),
    the serial numbers count the SAM changes made since (smbemu.directory)."""
    bound(ctx, request["hDrs"])
    _version, message = request["pmsgIn"]
    empty = {"cbRestart": 0, "cbLog": 0, "ReplicationState": _replication_state(ctx, 0),
             "ActualNtStatus": 0, "pRestart": None, "pLog": None}
    if request["dwInVersion"] != 1:
        return {"pdwOutVersion": 1, "pmsgOut": (1, empty), "ReturnValue": ERROR_INVALID_PARAMETER}
    refused = ctx.decide().status
    if refused:
        return {"pdwOutVersion": 1, "pmsgOut": (1, empty), "ReturnValue": refused}
    flags = int(message["dwFlags"])
    if not flags & (DRS_NT4_CHGLOG_GET_CHANGE_LOG | DRS_NT4_CHGLOG_GET_SERIAL_NUMBERS):
        return {"pdwOutVersion": 1, "pmsgOut": (1, empty), "ReturnValue": ERROR_INVALID_PARAMETER}
    serials = getattr(ctx.server.directory, "changes", 0)
    reply = dict(empty, ReplicationState=_replication_state(ctx, int(serials) if isinstance(serials, int) else 0))
    return {"pdwOutVersion": 1, "pmsgOut": (1, reply), "ReturnValue": ERROR_SUCCESS}


def _replication_state(ctx: CallContext, changes: int) -> dict[str, int]:
    """NT4_REPLICATION_STATE (4.1.11.1.5): the SAM, BUILTIN and LSA databases' serial numbers
    and creation times (the server's boot time stands in for the databases' creation)."""
    created = int(ctx.server.start_filetime)
    return {"SamSerialNumber": 1 + changes, "SamCreationTime": created, "BuiltinSerialNumber": 1,
            "BuiltinCreationTime": created, "LsaSerialNumber": 1, "LsaCreationTime": created}
