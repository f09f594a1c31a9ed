"""drsuapi's administration calls (MS-DRSR 4.1: opnums 2, 4-7, 9, 10, 13-15, 17-30) with impacket's
NDR runtime over ``\\pipe\\lsass`` (packet privacy), as the Administrator and as a plain user.

impacket has no request classes for these calls: each is built here with impacket's
NDRCALL / NDRSTRUCT / NDRUNION from the IDL of MS-DRSR (appendix A), its types (DSNAME, LPWSTR,
LPSTR...) taken from impacket.  Replies are read back with impacket's NDR classes where the call
returns a message, else as the bare return value.  The statuses asserted are those the handlers
cite (pipes/drsuapi/topology.py, memberships.py, replinfo.py, writes.py).
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from impacket.dcerpc.v5 import drsuapi, transport  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import BOOL, DWORD, LPSTR, LPWSTR, NULL, ULONG, USHORT, WCHAR  # type: ignore[import-untyped]
from impacket.dcerpc.v5.ndr import (  # type: ignore[import-untyped]
    NDRCALL,
    NDRPOINTER,
    NDRSTRUCT,
    NDRUNION,
    NDRUniConformantArray,
    NDRUniFixedArray,
)
from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_LEVEL_PKT_PRIVACY, DCERPCException  # type: ignore[import-untyped]

from helpers import HOST, ServerThread

pytestmark = pytest.mark.interop

ADMIN = ("Administrator", "Adm!n2003", "CORP")  # fixtures/corp.yaml
USER = ("alice", "Wonderland1", "CORP")
DOMAIN_DN = "DC=corp,DC=local"

ALICE_DN = f"CN=alice,CN=Users,{DOMAIN_DN}"
ADMIN_DN = f"CN=Administrator,CN=Users,{DOMAIN_DN}"
UNKNOWN_DSA = uuid.UUID("11111111-2222-3333-4444-555555555555")
#: winerror.h values (MS-ERREF 2.2) of the statuses asserted.
ERROR_INVALID_PARAMETER = 87
ERROR_DS_OBJ_NOT_FOUND = 8333
ERROR_DS_CANT_DELETE_DSA_OBJ = 8340
ERROR_DS_NO_CROSSREF_FOR_NC = 8363
ERROR_DS_CANT_FIND_DSA_OBJ = 8419
ERROR_DS_DRA_INVALID_PARAMETER = 8437
ERROR_DS_DRA_BAD_NC = 8440
ERROR_DS_DRA_REF_ALREADY_EXISTS = 8448
ERROR_DS_DRA_REF_NOT_FOUND = 8449
ERROR_DS_DRA_NO_REPLICA = 8452
ERROR_DS_DRA_ACCESS_DENIED = 8453
ERROR_DS_DRA_NOT_SUPPORTED = 8454
ERROR_DS_DNS_LOOKUP_FAILURE = 8524
ERROR_DS_DESTINATION_AUDITING_NOT_ENABLED = 8536
ERROR_DS_NC_STILL_HAS_DSAS = 8546
ERROR_DS_MUST_BE_RUN_ON_DST_DC = 8558


# -- the requests (MS-DRSR appendix A) -----------------------------------------------------------
def _call(opnum: int, *fields: tuple[str, Any]) -> type:
    return type(f"Op{opnum}", (NDRCALL,), {"opnum": opnum, "structure": (("hDrs", drsuapi.DRS_HANDLE),) + fields})


def _union(**arms: Any) -> type:
    return type("Msg", (NDRUNION,), {"commonHdr": (("tag", DWORD),),
                                     "union": {int(k[1:]): (k, v) for k, v in arms.items()}})


def _struct(*fields: tuple[str, Any]) -> type:
    return type("S", (NDRSTRUCT,), {"structure": fields})


def _pointer(referent: Any) -> type:
    return type("P", (NDRPOINTER,), {"referent": (("Data", referent),)})


REPLTIMES = type("REPLTIMES", (NDRUniFixedArray,), {"getDataLen": lambda self, data, offset=0: 84})
GUID = drsuapi.GUID
REPSYNC_V1 = _struct(("pNC", drsuapi.PDSNAME), ("uuidDsaSrc", GUID), ("pszDsaSrc", LPSTR), ("ulOptions", ULONG))
UPDREFS_V1 = _struct(("pNC", drsuapi.PDSNAME), ("pszDsaDest", LPSTR), ("uuidDsaObjDest", GUID), ("ulOptions", ULONG))
REPADD_V1 = _struct(("pNC", drsuapi.PDSNAME), ("pszDsaSrc", LPSTR), ("rtSchedule", REPLTIMES), ("ulOptions", ULONG))
REPDEL_V1 = _struct(("pNC", drsuapi.PDSNAME), ("pszDsaSrc", LPSTR), ("ulOptions", ULONG))
REPMOD_V1 = _struct(("pNC", drsuapi.PDSNAME), ("uuidSourceDRA", GUID), ("pszSourceDRA", LPSTR),
                    ("rtSchedule", REPLTIMES), ("ulReplicaFlags", ULONG), ("ulModifyFields", ULONG),
                    ("ulOptions", ULONG))
REVMEMB_REQ_V1 = _struct(("cDsNames", ULONG), ("ppDsNames", drsuapi.PPDSNAME_ARRAY), ("dwFlags", DWORD),
                         ("OperationType", USHORT), ("pLimitingDomain", drsuapi.PDSNAME))
REVMEMB_REQ_ARRAY = type("A", (NDRUniConformantArray,), {"item": REVMEMB_REQ_V1})
EXISTREQ_V1 = _struct(("guidStart", GUID), ("cGuids", DWORD), ("pNC", drsuapi.PDSNAME),
                      ("pUpToDateVecCommonV1", drsuapi.PUPTODATE_VECTOR_V1_EXT),
                      ("Md5Digest", type("MD5", (NDRUniFixedArray,), {"getDataLen": lambda self, data, offset=0: 16})))
WCHAR_COUNTED = _pointer(type("W", (NDRUniConformantArray,), {"item": WCHAR}))
ADDSIDREQ_V1 = _struct(("Flags", DWORD), ("SrcDomain", LPWSTR), ("SrcPrincipal", LPWSTR),
                       ("SrcDomainController", LPWSTR), ("SrcCredsUserLength", DWORD), ("SrcCredsUser", WCHAR_COUNTED),
                       ("SrcCredsDomainLength", DWORD), ("SrcCredsDomain", WCHAR_COUNTED),
                       ("SrcCredsPasswordLength", DWORD), ("SrcCredsPassword", WCHAR_COUNTED),
                       ("DstDomain", LPWSTR), ("DstPrincipal", LPWSTR))
BYTES = _pointer(type("B", (NDRUniConformantArray,), {"item": "c"}))


def connect(server: ServerThread, account: tuple[str, str, str]) -> Any:
    rpc = transport.DCERPCTransportFactory(rf"ncacn_np:{HOST}[\pipe\lsass]")
    rpc.set_dport(server.port)
    rpc.set_credentials(*account)
    dce = rpc.get_dce_rpc()
    dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.connect()
    dce.bind(drsuapi.MSRPC_UUID_DRSUAPI)
    return dce


def drs_bind(dce: Any) -> bytes:
    """IDL_DRSBind as impacket's secretsdump binds (NTDSAPI_CLIENT_GUID, MS-DRSR 4.1.3.1)."""
    request = drsuapi.DRSBind()
    request["puuidClientDsa"] = drsuapi.NTDSAPI_CLIENT_GUID
    ext = drsuapi.DRS_EXTENSIONS_INT()
    ext["cb"] = len(ext) - 4
    ext["dwFlags"] = drsuapi.DRS_EXT_GETCHGREQ_V6 | drsuapi.DRS_EXT_GETCHGREPLY_V6 | drsuapi.DRS_EXT_GETCHGREQ_V8
    ext["SiteObjGuid"] = drsuapi.NULLGUID
    ext["ConfigObjGUID"] = drsuapi.NULLGUID
    request["pextClient"]["cb"] = len(ext.getData())
    request["pextClient"]["rgb"] = list(ext.getData())
    return dce.request(request)["phDrs"]


def nc(dn: str = DOMAIN_DN) -> Any:
    """A DSNAME naming ``dn`` (MS-DRSR 5.50: no GUID, no SID)."""
    name = drsuapi.DSNAME()
    name["Guid"] = drsuapi.NULLGUID
    name["SidLen"] = 0
    name["Sid"] = ""
    name["NameLen"] = len(dn)
    name["StringName"] = dn + "\x00"
    name["structLen"] = len(name.getData())
    return name


def nc_pointer(dn: str) -> Any:
    """A PDSNAME (an element of a DSNAME* array) naming ``dn``, as impacket's own suite builds one."""
    name = drsuapi.PDSNAME()
    name["SidLen"] = 0
    name["Guid"] = drsuapi.NULLGUID
    name["Sid"] = ""
    name["NameLen"] = len(dn)
    name["StringName"] = dn + "\x00"
    name["structLen"] = len(name.getDataReferent()) - 4
    return name


def zero_schedule() -> bytes:
    return b"\x00" * 84


class Drs:
    """One bound DRS context and the raw calls made on it."""

    def __init__(self, server: ServerThread, account: tuple[str, str, str]) -> None:
        self.dce = connect(server, account)
        self.handle = drs_bind(self.dce)

    def raw(self, opnum: int, fields: tuple[tuple[str, Any], ...], **values: Any) -> bytes:
        request = _call(opnum, *fields)()
        request["hDrs"] = self.handle
        for name, value in values.items():
            request[name] = value
        self.dce.call(opnum, request)
        return bytes(self.dce.recv())

    def status(self, opnum: int, fields: tuple[tuple[str, Any], ...], **values: Any) -> int:
        """The return value: the last 4 bytes of the reply stub."""
        return int(struct.unpack("<I", self.raw(opnum, fields, **values)[-4:])[0])

    def message(self, opnum: int, version: int, message_type: type, arm: str, **fields: Any) -> int:
        union = _union(**{arm: message_type})
        msg = union()
        msg["tag"] = version
        for name, value in fields.items():
            msg[arm][name] = value
        return self.status(opnum, (("dwInVersion", DWORD), ("pmsgIn", union)), dwInVersion=version, pmsgIn=msg)


@pytest.fixture(scope="module")
def dc() -> Iterator[ServerThread]:
    with ServerThread("win2016-dc") as server:
        yield server


@pytest.fixture(scope="module")
def admin(dc: ServerThread) -> Drs:
    return Drs(dc, ADMIN)


@pytest.fixture(scope="module")
def user(dc: ServerThread) -> Drs:
    return Drs(dc, USER)


def replica_sync(drs: Drs, *, source: uuid.UUID = UNKNOWN_DSA, dn: str = DOMAIN_DN, options: int = 0) -> int:
    fields = (("dwVersion", DWORD), ("pmsgSync", _union(V1=REPSYNC_V1)))
    msg = fields[1][1]()
    msg["tag"] = 1
    msg["V1"]["pNC"] = nc(dn)
    msg["V1"]["uuidDsaSrc"] = source.bytes_le
    msg["V1"]["pszDsaSrc"] = NULL
    msg["V1"]["ulOptions"] = options
    return drs.status(2, fields, dwVersion=1, pmsgSync=msg)


def test_replica_sync_from_an_unknown_source_has_no_replica(admin: Drs, user: Drs) -> None:
    """MS-DRSR 4.1.23.2: the domain NC from an unknown source DSA GUID -> ERROR_DS_DRA_NO_REPLICA
    for the Administrator, ERROR_DS_DRA_ACCESS_DENIED for a user (no DS-Replication-Synchronize);
    an NC that does not exist is ERROR_DS_DRA_BAD_NC (checked before the access); the NULL GUID
    without DRS_SYNC_BYNAME is ERROR_DS_DRA_INVALID_PARAMETER; DRS_ASYNC_OP succeeds."""
    assert replica_sync(admin) == ERROR_DS_DRA_NO_REPLICA
    assert replica_sync(user) == ERROR_DS_DRA_ACCESS_DENIED
    assert replica_sync(user, dn="DC=nowhere,DC=local") == ERROR_DS_DRA_BAD_NC
    assert replica_sync(admin, source=uuid.UUID(int=0)) == ERROR_DS_DRA_INVALID_PARAMETER
    assert replica_sync(admin, options=0x1) == 0
    # DRS_SYNC_ALL selects every repsFrom value: none -> no replica either
    assert replica_sync(admin, options=0x8) == ERROR_DS_DRA_NO_REPLICA


def update_refs(drs: Drs, options: int, dest: str = "dc02._msdcs.corp.local") -> int:
    union = _union(V1=UPDREFS_V1)
    msg = union()
    msg["tag"] = 1
    msg["V1"]["pNC"] = nc()
    msg["V1"]["pszDsaDest"] = dest + "\x00"
    msg["V1"]["uuidDsaObjDest"] = UNKNOWN_DSA.bytes_le
    msg["V1"]["ulOptions"] = options
    return drs.status(4, (("dwVersion", DWORD), ("pmsgUpdRefs", union)), dwVersion=1, pmsgUpdRefs=msg)


def test_update_refs_adds_and_deletes_a_reps_to_value(admin: Drs, user: Drs) -> None:
    """MS-DRSR 5.201 UpdateRefs: DRS_ADD_REF adds the value, a second add is
    ERROR_DS_DRA_REF_ALREADY_EXISTS, DRS_DEL_REF removes it, a second delete is
    ERROR_DS_DRA_REF_NOT_FOUND; neither flag -> ERROR_DS_DRA_INVALID_PARAMETER; a user lacks
    DS-Replication-Manage-Topology."""
    add, delete, writable = 0x4, 0x8, 0x10
    assert update_refs(user, add) == ERROR_DS_DRA_ACCESS_DENIED
    assert update_refs(admin, 0) == ERROR_DS_DRA_INVALID_PARAMETER
    assert update_refs(admin, add | writable) == 0
    assert update_refs(admin, add | writable) == ERROR_DS_DRA_REF_ALREADY_EXISTS
    assert update_refs(admin, delete) == 0
    assert update_refs(admin, delete) == ERROR_DS_DRA_REF_NOT_FOUND


def test_replica_add_delete_modify(admin: Drs, user: Drs) -> None:
    """MS-DRSR 4.1.19.2 / 4.1.20.2 / 4.1.22.2: no source DC can be reached or is a replication
    partner of the forest's only DC."""
    source = "11111111-2222-3333-4444-555555555555._msdcs.corp.local\x00"
    for drs, add_status, del_status in ((admin, ERROR_DS_DNS_LOOKUP_FAILURE, ERROR_DS_DRA_NO_REPLICA),
                                        (user, ERROR_DS_DRA_ACCESS_DENIED, ERROR_DS_DRA_ACCESS_DENIED)):
        assert drs.message(5, 1, REPADD_V1, "V1", pNC=nc(), pszDsaSrc=source, rtSchedule=zero_schedule(),
                           ulOptions=0x10) == add_status
        assert drs.message(6, 1, REPDEL_V1, "V1", pNC=nc(), pszDsaSrc=source, ulOptions=0x10) == del_status
        assert drs.message(7, 1, REPMOD_V1, "V1", pNC=nc(), uuidSourceDRA=UNKNOWN_DSA.bytes_le, pszSourceDRA=NULL,
                           rtSchedule=zero_schedule(), ulReplicaFlags=0x10, ulModifyFields=0x1,
                           ulOptions=0) == del_status
    assert admin.message(5, 1, REPADD_V1, "V1", pNC=nc("DC=nowhere"), pszDsaSrc=source,
                         rtSchedule=zero_schedule(), ulOptions=0) == ERROR_DS_DRA_BAD_NC
    assert admin.message(7, 1, REPMOD_V1, "V1", pNC=nc(), uuidSourceDRA=UNKNOWN_DSA.bytes_le, pszSourceDRA=NULL,
                         rtSchedule=zero_schedule(), ulReplicaFlags=0, ulModifyFields=0,
                         ulOptions=0) == ERROR_DS_DRA_INVALID_PARAMETER
    # DRS_UPDATE_ADDRESS without an address; DRS_SYNC_ALL in the options (Microsoft's MS-DRSR tests)
    assert admin.message(7, 1, REPMOD_V1, "V1", pNC=nc(), uuidSourceDRA=UNKNOWN_DSA.bytes_le, pszSourceDRA=NULL,
                         rtSchedule=zero_schedule(), ulReplicaFlags=0, ulModifyFields=0x2,
                         ulOptions=0) == ERROR_DS_DRA_INVALID_PARAMETER
    assert admin.message(7, 1, REPMOD_V1, "V1", pNC=nc(), uuidSourceDRA=UNKNOWN_DSA.bytes_le, pszSourceDRA=NULL,
                         rtSchedule=zero_schedule(), ulReplicaFlags=0, ulModifyFields=0x1,
                         ulOptions=0x8) == ERROR_DS_DRA_INVALID_PARAMETER
    # a deletion names its source (unless DRS_NO_SOURCE)
    assert admin.message(6, 1, REPDEL_V1, "V1", pNC=nc(), pszDsaSrc=NULL, ulOptions=0) == ERROR_DS_DRA_INVALID_PARAMETER


def test_execute_kcc_and_verify_objects(admin: Drs, user: Drs) -> None:
    """MS-DRSR 4.1.6.3 (a dwTaskID other than 0 is ERROR_INVALID_PARAMETER, checked before the
    access) and 4.1.24.2 (an unknown source DSA)."""
    kcc = _struct(("dwTaskID", DWORD), ("dwFlags", DWORD))
    assert admin.message(18, 1, kcc, "V1", dwTaskID=0, dwFlags=0) == 0
    assert user.message(18, 1, kcc, "V1", dwTaskID=0, dwFlags=0) == ERROR_DS_DRA_ACCESS_DENIED
    assert user.message(18, 1, kcc, "V1", dwTaskID=1, dwFlags=0) == ERROR_INVALID_PARAMETER
    verify = _struct(("pNC", drsuapi.PDSNAME), ("uuidDsaSrc", GUID), ("ulOptions", ULONG))
    assert admin.message(22, 1, verify, "V1", pNC=nc(), uuidDsaSrc=UNKNOWN_DSA.bytes_le,
                         ulOptions=0) == ERROR_DS_CANT_FIND_DSA_OBJ
    assert user.message(22, 1, verify, "V1", pNC=nc(), uuidDsaSrc=UNKNOWN_DSA.bytes_le,
                        ulOptions=0) == ERROR_DS_DRA_ACCESS_DENIED
    assert user.message(22, 1, verify, "V1", pNC=nc("DC=nowhere"), uuidDsaSrc=UNKNOWN_DSA.bytes_le,
                        ulOptions=0) == ERROR_DS_DRA_BAD_NC
    assert admin.message(22, 1, verify, "V1", pNC=nc(), uuidDsaSrc=b"\x00" * 16,
                         ulOptions=0) == ERROR_DS_DRA_INVALID_PARAMETER


def memberships2(drs: Drs, dn: str, operation: int) -> tuple[int, bytes]:
    union = _union(V1=_struct(("Count", ULONG), ("Requests", _pointer(REVMEMB_REQ_ARRAY))))
    msg = union()
    msg["tag"] = 1
    one = REVMEMB_REQ_V1()
    one["cDsNames"] = 1
    one["ppDsNames"].append(nc_pointer(dn))
    one["dwFlags"] = 1
    one["OperationType"] = operation
    one["pLimitingDomain"] = NULL
    msg["V1"]["Count"] = 1
    msg["V1"]["Requests"] = [one]
    raw = drs.raw(21, (("dwInVersion", DWORD), ("pmsgIn", union)), dwInVersion=1, pmsgIn=msg)
    return int(struct.unpack("<I", raw[-4:])[0]), raw


def test_get_memberships2_transitive_groups(admin: Drs, user: Drs) -> None:
    """MS-DRSR 4.1.9.2 over 4.1.8.3: RevMembGetAccountGroups of the Administrator names Domain
    Admins (the fixture's membership) and Domain Users (its primary group), encoded as DSNAMEs
    in the reply; GroupMembersTransitive of Domain Admins names the Administrator."""
    status, raw = memberships2(admin, ADMIN_DN, 3)
    assert status == 0
    text = raw.decode("utf-16-le", "ignore")
    assert "CN=Domain Admins,CN=Users" in text and "CN=Domain Users,CN=Users" in text
    assert "Enterprise Admins" not in text  # universal, not an account group
    status, raw = memberships2(admin, f"CN=Domain Admins,CN=Users,{DOMAIN_DN}", 6)
    assert status == 0 and "CN=Administrator,CN=Users" in raw.decode("utf-16-le", "ignore")
    assert memberships2(user, ADMIN_DN, 3)[0] == ERROR_DS_DRA_ACCESS_DENIED


def test_get_object_existence_digest(admin: Drs, user: Drs) -> None:
    """MS-DRSR 4.1.12.3: a wrong digest returns the GUIDs; their MD5 then matches
    (DRS_EXIST_MATCH, no GUIDs); the NULL guidStart is ERROR_DS_DRA_INVALID_PARAMETER."""
    def ask(drs: Drs, digest: bytes, start: bytes = b"\x00" * 15 + b"\x01") -> bytes:
        union = _union(V1=EXISTREQ_V1)
        msg = union()
        msg["tag"] = 1
        msg["V1"]["guidStart"] = start
        msg["V1"]["cGuids"] = 5
        msg["V1"]["pNC"] = nc()
        msg["V1"]["pUpToDateVecCommonV1"] = NULL
        msg["V1"]["Md5Digest"] = digest
        return drs.raw(23, (("dwInVersion", DWORD), ("pmsgIn", union)), dwInVersion=1, pmsgIn=msg)

    raw = ask(admin, b"\x00" * 16)
    assert raw[-4:] == b"\x00" * 4
    flags, count = struct.unpack_from("<II", raw, 8)
    assert flags == 0 and count == 5
    guids = raw[8 + 8 + 4 + 4:8 + 8 + 4 + 4 + 16 * count]
    assert len(guids) == 80
    matched = ask(admin, hashlib.md5(guids).digest())
    assert struct.unpack_from("<II", matched, 8) == (1, 0)
    assert ask(user, b"\x00" * 16)[-4:] == struct.pack("<I", ERROR_DS_DRA_ACCESS_DENIED)
    assert ask(admin, b"\x00" * 16, start=b"\x00" * 16)[-4:] == struct.pack("<I", ERROR_DS_DRA_INVALID_PARAMETER)


def test_refusals_of_what_is_not_carried_out(admin: Drs, user: Drs) -> None:
    """DC and domain removal (4.1.18.2, 4.1.17.2), object additions (4.1.1.3), cross-domain moves
    (4.1.15.3), cloning (4.1.31.2): the statuses the handlers cite, the Administrator first."""
    info = drsuapi.hDRSDomainControllerInfo(admin.dce, admin.handle, "corp.local", 2)
    server_dn = info["pmsgOut"]["V2"]["rItems"][0]["ServerObjectName"].rstrip("\x00")
    rmsvr = _struct(("ServerDN", LPWSTR), ("DomainDN", LPWSTR), ("fCommit", BOOL))
    assert admin.message(14, 1, rmsvr, "V1", ServerDN="CN=NOPE,CN=Servers\x00", DomainDN=NULL,
                         fCommit=0) == ERROR_DS_CANT_FIND_DSA_OBJ
    assert admin.message(14, 1, rmsvr, "V1", ServerDN=server_dn + "\x00", DomainDN=DOMAIN_DN + "\x00",
                         fCommit=0) == 0
    assert admin.message(14, 1, rmsvr, "V1", ServerDN=server_dn + "\x00", DomainDN=NULL,
                         fCommit=1) == ERROR_DS_CANT_DELETE_DSA_OBJ
    assert user.message(14, 1, rmsvr, "V1", ServerDN=server_dn + "\x00", DomainDN=NULL,
                        fCommit=0) == ERROR_DS_DRA_ACCESS_DENIED
    rmdmn = _struct(("DomainDN", LPWSTR))
    assert admin.message(15, 1, rmdmn, "V1", DomainDN=DOMAIN_DN + "\x00") == ERROR_DS_NC_STILL_HAS_DSAS
    assert admin.message(15, 1, rmdmn, "V1", DomainDN="DC=other,DC=local\x00") == ERROR_DS_NO_CROSSREF_FOR_NC
    assert user.message(15, 1, rmdmn, "V1", DomainDN=DOMAIN_DN + "\x00") == ERROR_DS_DRA_ACCESS_DENIED
    # IDL_DRSAddEntry / IDL_DRSInterDomainMove: decided before the message is read (an empty V2)
    entinflist = _struct(("pNextEntInf", DWORD), ("pName", DWORD), ("ulFlags", DWORD), ("attrCount", DWORD),
                         ("pAttr", DWORD))
    assert admin.message(17, 2, entinflist, "V2", pNextEntInf=0, pName=0, ulFlags=0, attrCount=0,
                         pAttr=0) == ERROR_DS_DRA_NOT_SUPPORTED
    assert user.message(17, 2, entinflist, "V2", pNextEntInf=0, pName=0, ulFlags=0, attrCount=0,
                        pAttr=0) == ERROR_DS_DRA_ACCESS_DENIED
    assert admin.message(10, 2, entinflist, "V2", pNextEntInf=0, pName=0, ulFlags=0, attrCount=0,
                         pAttr=0) == ERROR_DS_DRA_ACCESS_DENIED
    clone = _struct(("pwszCloneDCName", LPWSTR), ("pwszSite", LPWSTR))
    assert admin.message(28, 1, clone, "V1", pwszCloneDCName="DC02\x00", pwszSite=NULL) == ERROR_DS_DRA_ACCESS_DENIED


def add_sid_history(drs: Drs, flags: int, dst_domain: str = "CORP") -> int:
    values = {"Flags": flags, "SrcDomain": "OTHER\x00", "SrcPrincipal": "bob\x00", "SrcDomainController": NULL,
              "SrcCredsUserLength": 0, "SrcCredsUser": NULL, "SrcCredsDomainLength": 0, "SrcCredsDomain": NULL,
              "SrcCredsPasswordLength": 0, "SrcCredsPassword": NULL, "DstDomain": dst_domain + "\x00",
              "DstPrincipal": "alice\x00"}
    return drs.message(20, 1, ADDSIDREQ_V1, "V1", **values)


def test_add_sid_history(admin: Drs, user: Drs) -> None:
    """MS-DRSR 4.1.2 / 4.1.2.3: DS_ADDSID_FLAG_PRIVATE_CHK_SECURE on a sealed call succeeds; a
    destination domain that is not this DC's is ERROR_DS_MUST_BE_RUN_ON_DST_DC; an administrator's
    add is refused for the destination domain's auditing, a user's for the access."""
    assert add_sid_history(admin, 0x40000000) == 0
    assert add_sid_history(admin, 0, "ELSEWHERE") == ERROR_DS_MUST_BE_RUN_ON_DST_DC
    assert add_sid_history(admin, 0) == ERROR_DS_DESTINATION_AUDITING_NOT_ENABLED
    assert add_sid_history(user, 0) == ERROR_DS_DRA_ACCESS_DENIED


def test_ngc_keys_round_trip_for_the_administrator(admin: Drs, user: Drs) -> None:
    """MS-DRSR 4.1.29.2 / 4.1.30.2: the key written is read back (in memory); a user is refused;
    an account that does not exist is ERROR_DS_OBJ_NOT_FOUND."""
    key = bytes(range(32))
    write = _struct(("pwszAccount", LPWSTR), ("cNgcKey", DWORD), ("pNgcKey", BYTES))
    assert admin.message(29, 1, write, "V1", pwszAccount=ALICE_DN + "\x00", cNgcKey=len(key),
                         pNgcKey=list(key)) == 0
    assert user.message(29, 1, write, "V1", pwszAccount=ALICE_DN + "\x00", cNgcKey=len(key),
                        pNgcKey=list(key)) == ERROR_DS_DRA_ACCESS_DENIED
    read_union = _union(V1=_struct(("pwszAccount", LPWSTR)))
    msg = read_union()
    msg["tag"] = 1
    msg["V1"]["pwszAccount"] = ALICE_DN + "\x00"
    raw = admin.raw(30, (("dwInVersion", DWORD), ("pmsgIn", read_union)), dwInVersion=1, pmsgIn=msg)
    assert raw[-4:] == b"\x00" * 4 and key in raw
    assert admin.message(30, 1, _struct(("pwszAccount", LPWSTR)), "V1",
                         pwszAccount=f"CN=nobody,CN=Users,{DOMAIN_DN}\x00") == ERROR_DS_OBJ_NOT_FOUND


@pytest.mark.parametrize("opnum", [25, 26, 27])
def test_ad_lds_demotion_calls_fault_invalid_parameter(admin: Drs, opnum: int) -> None:
    """MS-DRSR 5.212 ValidateDRSDemotionInput: on AD DS the exception ERROR_INVALID_PARAMETER."""
    request = _call(opnum, ("dwInVersion", DWORD), ("rest", DWORD))()
    request["hDrs"] = admin.handle
    request["dwInVersion"] = 1
    request["rest"] = 0
    admin.dce.call(opnum, request)
    with pytest.raises(DCERPCException) as fault:
        admin.dce.recv()
    # impacket has no name for a Win32 status as a fault: it prints the code
    assert str(fault.value).endswith(f"{ERROR_INVALID_PARAMETER:08x}"), str(fault.value)


def test_garbage_after_a_valid_handle_never_crashes_a_handler(admin: Drs) -> None:
    """Every administration opnum, with a bound handle and then random / truncated / zeroed
    message bytes (a fixed seed): a normal response or a fault naming the stub's fault (MS-RPCE
    3.1.1.5.4: nca_s_fault_ndr, invalid_tag...), never nca_s_fault_unspec (the runtime's answer
    when a handler raised, smbemu.rpc.dispatch) and never a dropped connection."""
    import random

    rng = random.Random(15)
    opnums = [2, 4, 5, 6, 7, 9, 10, 13, 14, 15, 17, 18, 19, 20, 21, 22, 23, 24, 28, 29, 30]
    for opnum in opnums:
        for _ in range(24):
            size = rng.choice((0, 4, 8, 16, 40, 96, 200))
            body = bytes(rng.getrandbits(8) for _ in range(size))
            if rng.random() < 0.5 and size >= 8:  # a plausible version number first
                body = struct.pack("<II", rng.choice((1, 2, 3)), rng.choice((1, 2, 3))) + body[8:]
            request = _call(opnum, ("rest", type("Raw", (NDRSTRUCT,), {"structure": (("data", ":"),)})))()
            request["hDrs"] = admin.handle
            request["rest"]["data"] = body
            admin.dce.call(opnum, request)
            try:
                admin.dce.recv()
            except DCERPCException as exc:
                assert "nca_s_fault_unspec" not in str(exc), (opnum, body.hex())
