"""Cross-checks against impacket's independent NDR implementation.

Requests built by impacket's ``NDRCALL`` classes decode in smbemu's engine; responses
encoded by smbemu parse in impacket's ``...Response`` classes.  The NDR descriptions below
are test-local transcriptions of MS-SRVS / MS-WKST / MS-SAMR / MS-LSAT / C706 IDL.
"""

from __future__ import annotations

import uuid
from typing import Any

from impacket.dcerpc.v5 import lsat, mgmt, samr, srvs, wkst  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]

from smbemu.rpc import ndr
from smbemu.rpc.mgmt import MGMT
from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantVaryingArray,
    ContextHandle,
    Operation,
    Pointer,
    PSid,
    RpcUnicodeString,
    Struct,
    Union,
    WString,
)

# ---------------------------------------------------------------- MS-SRVS (test-local)
SHARE_INFO_0 = Struct("SHARE_INFO_0", [("shi0_netname", WString)])
SHARE_INFO_1 = Struct("SHARE_INFO_1", [("shi1_netname", WString), ("shi1_type", ndr.uint32),
                                       ("shi1_remark", WString)])
SHARE_INFO_2 = Struct("SHARE_INFO_2", [
    ("shi2_netname", WString), ("shi2_type", ndr.uint32), ("shi2_remark", WString),
    ("shi2_permissions", ndr.uint32), ("shi2_max_uses", ndr.uint32),
    ("shi2_current_uses", ndr.uint32), ("shi2_path", WString), ("shi2_passwd", WString)])


def container(name: str, item: ndr.NdrType) -> Struct:
    return Struct(name, [("EntriesRead", ndr.uint32),
                         ("Buffer", Pointer(ConformantArray(item)))])


SHARE_ENUM_UNION = Union(ndr.uint32, {
    0: Pointer(container("SHARE_INFO_0_CONTAINER", SHARE_INFO_0)),
    1: Pointer(container("SHARE_INFO_1_CONTAINER", SHARE_INFO_1)),
    2: Pointer(container("SHARE_INFO_2_CONTAINER", SHARE_INFO_2)),
}, name="SHARE_ENUM_UNION")
SHARE_ENUM_STRUCT = Struct("SHARE_ENUM_STRUCT", [("Level", ndr.uint32),
                                                 ("ShareInfo", SHARE_ENUM_UNION)])
NetrShareEnum = Operation(
    15, "NetrShareEnum",
    request=[("ServerName", WString), ("InfoStruct", Pointer(SHARE_ENUM_STRUCT, "ref")),
             ("PreferedMaximumLength", ndr.uint32), ("ResumeHandle", Pointer(ndr.uint32))],
    response=[("InfoStruct", Pointer(SHARE_ENUM_STRUCT, "ref")), ("TotalEntries", ndr.uint32),
              ("ResumeHandle", Pointer(ndr.uint32))],
    returns="WERROR")

SERVER_INFO_100 = Struct("SERVER_INFO_100", [("sv100_platform_id", ndr.uint32),
                                             ("sv100_name", WString)])
SERVER_INFO_101 = Struct("SERVER_INFO_101", [
    ("sv101_platform_id", ndr.uint32), ("sv101_name", WString),
    ("sv101_version_major", ndr.uint32), ("sv101_version_minor", ndr.uint32),
    ("sv101_type", ndr.uint32), ("sv101_comment", WString)])
NetrServerGetInfo = Operation(
    21, "NetrServerGetInfo",
    request=[("ServerName", WString), ("Level", ndr.uint32)],
    response=[("InfoStruct", Union(ndr.uint32, {100: Pointer(SERVER_INFO_100),
                                                101: Pointer(SERVER_INFO_101)}))],
    returns="WERROR")

# ---------------------------------------------------------------- MS-WKST
WKSTA_INFO_100 = Struct("WKSTA_INFO_100", [
    ("wki100_platform_id", ndr.uint32), ("wki100_computername", WString),
    ("wki100_langroup", WString), ("wki100_ver_major", ndr.uint32),
    ("wki100_ver_minor", ndr.uint32)])
NetrWkstaGetInfo = Operation(
    0, "NetrWkstaGetInfo",
    request=[("ServerName", WString), ("Level", ndr.uint32)],
    response=[("WkstaInfo", Union(ndr.uint32, {100: Pointer(WKSTA_INFO_100)}))],
    returns="WERROR")

# ---------------------------------------------------------------- MS-SAMR
SAMPR_RID_ENUMERATION = Struct("SAMPR_RID_ENUMERATION", [("RelativeId", ndr.uint32),
                                                         ("Name", RpcUnicodeString)])
SAMPR_ENUMERATION_BUFFER = Struct("SAMPR_ENUMERATION_BUFFER", [
    ("EntriesRead", ndr.uint32),
    ("Buffer", Pointer(ConformantArray(SAMPR_RID_ENUMERATION)))])
SamrEnumerateUsersInDomain = Operation(
    13, "SamrEnumerateUsersInDomain",
    request=[("DomainHandle", ContextHandle),
             ("EnumerationContext", Pointer(ndr.uint32, "ref")),
             ("UserAccountControl", ndr.uint32), ("PreferedMaximumLength", ndr.uint32)],
    response=[("EnumerationContext", Pointer(ndr.uint32, "ref")),
              ("Buffer", Pointer(Pointer(SAMPR_ENUMERATION_BUFFER), "ref")),
              ("CountReturned", Pointer(ndr.uint32, "ref"))])
SAMPR_ULONG_ARRAY = Struct("SAMPR_ULONG_ARRAY", [("Count", ndr.uint32),
                                                 ("Element", Pointer(ConformantArray(ndr.uint32)))])
SamrLookupNamesInDomain = Operation(
    17, "SamrLookupNamesInDomain",
    request=[("DomainHandle", ContextHandle), ("Count", ndr.uint32),
             ("Names", ConformantVaryingArray(RpcUnicodeString))],
    response=[("RelativeIds", Pointer(SAMPR_ULONG_ARRAY, "ref")),
              ("Use", Pointer(SAMPR_ULONG_ARRAY, "ref"))])
SamrLookupDomainInSamServer = Operation(
    5, "SamrLookupDomainInSamServer",
    request=[("ServerHandle", ContextHandle), ("Name", Pointer(RpcUnicodeString, "ref"))],
    response=[("DomainId", Pointer(PSid, "ref"))])

# ---------------------------------------------------------------- MS-LSAT
LSAPR_SID_ENUM_BUFFER = Struct("LSAPR_SID_ENUM_BUFFER", [
    ("Entries", ndr.uint32),
    ("SidInfo", Pointer(ConformantArray(Struct("LSAPR_SID_INFORMATION", [("Sid", PSid)]))))])
LSAPR_TRANSLATED_NAMES = Struct("LSAPR_TRANSLATED_NAMES", [
    ("Entries", ndr.uint32),
    ("Names", Pointer(ConformantArray(Struct("LSAPR_TRANSLATED_NAME", [
        ("Use", ndr.enum16), ("Name", RpcUnicodeString), ("DomainIndex", ndr.int32)]))))])
LSAPR_REFERENCED_DOMAIN_LIST = Struct("LSAPR_REFERENCED_DOMAIN_LIST", [
    ("Entries", ndr.uint32),
    ("Domains", Pointer(ConformantArray(Struct("LSAPR_TRUST_INFORMATION", [
        ("Name", RpcUnicodeString), ("Sid", PSid)])))),
    ("MaxEntries", ndr.uint32)])
LsarLookupSids = Operation(
    15, "LsarLookupSids",
    request=[("PolicyHandle", ContextHandle),
             ("SidEnumBuffer", Pointer(LSAPR_SID_ENUM_BUFFER, "ref")),
             ("TranslatedNames", Pointer(LSAPR_TRANSLATED_NAMES, "ref")),
             ("LookupLevel", ndr.enum16), ("MappedCount", Pointer(ndr.uint32, "ref"))],
    response=[("ReferencedDomains", Pointer(Pointer(LSAPR_REFERENCED_DOMAIN_LIST), "ref")),
              ("TranslatedNames", Pointer(LSAPR_TRANSLATED_NAMES, "ref")),
              ("MappedCount", Pointer(ndr.uint32, "ref"))])

HANDLE = bytes(4) + uuid.UUID("0f4c2bd1-7c4e-4f1b-9c3a-2b1d3c4e5f60").bytes_le
DOMAIN_SID = "S-1-5-21-1004336348-1177238915-682003330"


def as_str(v: Any) -> str:
    """impacket keeps the NUL of [string] values."""
    s = str(v)
    return s[:-1] if s.endswith("\x00") else s


# ================================================================ srvsvc

def test_netrshareenum_request_from_impacket() -> None:
    for level in (0, 1, 2):
        r = srvs.NetrShareEnum()
        r["ServerName"] = "\\\\LEGACYSRV\x00"
        r["PreferedMaximumLength"] = 0xFFFFFFFF
        r["ResumeHandle"] = 0
        r["InfoStruct"]["Level"] = level
        r["InfoStruct"]["ShareInfo"]["tag"] = level
        r["InfoStruct"]["ShareInfo"][f"Level{level}"]["Buffer"] = NULL
        assert NetrShareEnum.decode_request(r.getData()) == {
            "ServerName": "\\\\LEGACYSRV",
            "InfoStruct": {"Level": level,
                           "ShareInfo": (level, {"EntriesRead": 0, "Buffer": None})},
            "PreferedMaximumLength": 0xFFFFFFFF, "ResumeHandle": 0}


def test_netrshareenum_level1_response_parses_in_impacket() -> None:
    shares = [("IPC$", 0x80000003, "Remote IPC"), ("C$", 0x80000000, "Default share"),
              ("Public", 0, ""), ("Ünïcødé", 0, "comment \u20ac")]
    data = NetrShareEnum.encode_response({
        "InfoStruct": {"Level": 1, "ShareInfo": (1, {"EntriesRead": len(shares), "Buffer": [
            {"shi1_netname": n, "shi1_type": t, "shi1_remark": c} for n, t, c in shares]})},
        "TotalEntries": len(shares), "ResumeHandle": None, "ReturnValue": 0})
    resp = srvs.NetrShareEnumResponse(data)
    got = [(as_str(e["shi1_netname"]), e["shi1_type"], as_str(e["shi1_remark"]))
           for e in resp["InfoStruct"]["ShareInfo"]["Level1"]["Buffer"]]
    assert got == shares
    assert resp["InfoStruct"]["ShareInfo"]["Level1"]["EntriesRead"] == len(shares)
    assert resp["TotalEntries"] == len(shares)
    assert resp["ErrorCode"] == 0


def test_netrshareenum_level2_response_parses_in_impacket() -> None:
    item = {"shi2_netname": "C$", "shi2_type": 0x80000000, "shi2_remark": "Default share",
            "shi2_permissions": 0, "shi2_max_uses": 0xFFFFFFFF, "shi2_current_uses": 1,
            "shi2_path": "C:\\", "shi2_passwd": None}
    data = NetrShareEnum.encode_response({
        "InfoStruct": {"Level": 2, "ShareInfo": (2, {"EntriesRead": 1, "Buffer": [item]})},
        "TotalEntries": 1, "ResumeHandle": 0})
    resp = srvs.NetrShareEnumResponse(data)
    e = resp["InfoStruct"]["ShareInfo"]["Level2"]["Buffer"][0]
    assert as_str(e["shi2_path"]) == "C:\\"
    assert e["shi2_max_uses"] == 0xFFFFFFFF
    assert resp["ResumeHandle"] == 0


def test_netrservergetinfo_101_both_ways() -> None:
    r = srvs.NetrServerGetInfo()
    r["ServerName"] = "\\\\LEGACYSRV\x00"
    r["Level"] = 101
    assert NetrServerGetInfo.decode_request(r.getData()) == {"ServerName": "\\\\LEGACYSRV",
                                                             "Level": 101}
    info = {"sv101_platform_id": 500, "sv101_name": "LEGACYSRV", "sv101_version_major": 5,
            "sv101_version_minor": 2, "sv101_type": 0x00009003, "sv101_comment": "file server"}
    resp = srvs.NetrServerGetInfoResponse(
        NetrServerGetInfo.encode_response({"InfoStruct": (101, info)}))
    got = resp["InfoStruct"]["ServerInfo101"]
    assert as_str(got["sv101_name"]) == "LEGACYSRV"
    assert (got["sv101_platform_id"], got["sv101_version_major"], got["sv101_version_minor"],
            got["sv101_type"]) == (500, 5, 2, 0x9003)
    assert as_str(got["sv101_comment"]) == "file server"


# ================================================================ wkssvc

def test_netrwkstagetinfo_100_both_ways() -> None:
    r = wkst.NetrWkstaGetInfo()
    r["ServerName"] = "\\\\LEGACYSRV\x00"
    r["Level"] = 100
    assert NetrWkstaGetInfo.decode_request(r.getData())["Level"] == 100
    info = {"wki100_platform_id": 500, "wki100_computername": "LEGACYSRV",
            "wki100_langroup": "CORP", "wki100_ver_major": 10, "wki100_ver_minor": 0}
    resp = wkst.NetrWkstaGetInfoResponse(
        NetrWkstaGetInfo.encode_response({"WkstaInfo": (100, info)}))
    got = resp["WkstaInfo"]["WkstaInfo100"]
    assert as_str(got["wki100_langroup"]) == "CORP"
    assert got["wki100_ver_major"] == 10


# ================================================================ samr

def test_samrenumerateusersindomain_both_ways() -> None:
    r = samr.SamrEnumerateUsersInDomain()
    r["DomainHandle"] = HANDLE
    r["EnumerationContext"] = 0
    r["UserAccountControl"] = samr.USER_NORMAL_ACCOUNT
    r["PreferedMaximumLength"] = 0xFFFFFFFF
    assert SamrEnumerateUsersInDomain.decode_request(r.getData()) == {
        "DomainHandle": HANDLE, "EnumerationContext": 0,
        "UserAccountControl": samr.USER_NORMAL_ACCOUNT, "PreferedMaximumLength": 0xFFFFFFFF}
    users = [(500, "Administrator"), (501, "Guest"), (1104, "alice"), (1105, "")]
    data = SamrEnumerateUsersInDomain.encode_response({
        "EnumerationContext": 4,
        "Buffer": {"EntriesRead": len(users),
                   "Buffer": [{"RelativeId": rid, "Name": n} for rid, n in users]},
        "CountReturned": len(users), "ReturnValue": 0})
    resp = samr.SamrEnumerateUsersInDomainResponse(data)
    # impacket shows a NULL buffer (how "" is sent, as Windows does) as b""
    got = [(e["RelativeId"], e["Name"] or "") for e in resp["Buffer"]["Buffer"]]
    assert got == users
    assert resp["CountReturned"] == len(users)
    assert resp["EnumerationContext"] == 4


def test_samrlookupnamesindomain_request_conformant_varying_unicode_strings() -> None:
    r = samr.SamrLookupNamesInDomain()
    r["DomainHandle"] = HANDLE
    names = ["alice", "Administrator", "nobody"]
    r["Count"] = len(names)
    for n in names:
        entry = samr.RPC_UNICODE_STRING()
        entry["Data"] = n
        r["Names"].append(entry)
    r.fields["Names"].fields["MaximumCount"] = 1000
    assert SamrLookupNamesInDomain.decode_request(r.getData()) == {
        "DomainHandle": HANDLE, "Count": 3, "Names": names}
    data = SamrLookupNamesInDomain.encode_response({
        "RelativeIds": {"Count": 2, "Element": [1104, 500]},
        "Use": {"Count": 2, "Element": [1, 1]}, "ReturnValue": 0x00000107})
    resp = samr.SamrLookupNamesInDomainResponse(data)
    assert [e["Data"] for e in resp["RelativeIds"]["Element"]] == [1104, 500]
    assert resp["ErrorCode"] == 0x107


def test_rpc_sid_response_parses_in_impacket() -> None:
    r = samr.SamrLookupDomainInSamServer()
    r["ServerHandle"] = HANDLE
    r["Name"] = "CORP"
    assert SamrLookupDomainInSamServer.decode_request(r.getData()) == {
        "ServerHandle": HANDLE, "Name": "CORP"}
    resp = samr.SamrLookupDomainInSamServerResponse(
        SamrLookupDomainInSamServer.encode_response({"DomainId": DOMAIN_SID}))
    assert resp["DomainId"].formatCanonical() == DOMAIN_SID


# ================================================================ lsat

def test_lsarlookupsids_both_ways() -> None:
    sids = [DOMAIN_SID + "-500", "S-1-5-32-544", "S-1-1-0"]
    r = lsat.LsarLookupSids()
    r["PolicyHandle"] = HANDLE
    r["SidEnumBuffer"]["Entries"] = len(sids)
    for sid in sids:
        item = lsat.LSAPR_SID_INFORMATION()
        item["Sid"].fromCanonical(sid)
        r["SidEnumBuffer"]["SidInfo"].append(item)
    r["TranslatedNames"]["Names"] = NULL
    r["LookupLevel"] = lsat.LSAP_LOOKUP_LEVEL.LsapLookupWksta
    req = LsarLookupSids.decode_request(r.getData())
    assert req["PolicyHandle"] == HANDLE
    assert req["SidEnumBuffer"] == {"Entries": 3, "SidInfo": [{"Sid": s} for s in sids]}
    assert req["TranslatedNames"] == {"Entries": 0, "Names": None}
    assert req["LookupLevel"] == 1

    data = LsarLookupSids.encode_response({
        "ReferencedDomains": {"Entries": 2, "MaxEntries": 32, "Domains": [
            {"Name": "CORP", "Sid": DOMAIN_SID}, {"Name": "BUILTIN", "Sid": "S-1-5-32"}]},
        "TranslatedNames": {"Entries": 3, "Names": [
            {"Use": 1, "Name": "Administrator", "DomainIndex": 0},
            {"Use": 4, "Name": "Administrators", "DomainIndex": 1},
            {"Use": 5, "Name": "Everyone", "DomainIndex": -1}]},
        "MappedCount": 3, "ReturnValue": 0})
    resp = lsat.LsarLookupSidsResponse(data)
    domains = resp["ReferencedDomains"]["Domains"]
    assert [(d["Name"], d["Sid"].formatCanonical()) for d in domains] == [
        ("CORP", DOMAIN_SID), ("BUILTIN", "S-1-5-32")]
    names = resp["TranslatedNames"]["Names"]
    assert [(n["Name"], n["DomainIndex"]) for n in names] == [
        ("Administrator", 0), ("Administrators", 1), ("Everyone", -1)]
    assert resp["MappedCount"] == 3


# ================================================================ mgmt

def test_mgmt_responses_parse_in_impacket() -> None:
    op = MGMT.operations[0]
    assert isinstance(op, Operation)
    ids: list[dict[str, Any]] = [{"Uuid": uuid.UUID("4b324fc8-1670-01d3-1278-5a47bf6ee188"), "VersMajor": 3,
            "VersMinor": 0},
           {"Uuid": uuid.UUID("6bffd098-a112-3610-9833-46c3f87e345a"), "VersMajor": 1,
            "VersMinor": 0}]
    resp = mgmt.inq_if_idsResponse(op.encode_response(
        {"if_id_vector": {"count": 2, "if_id": ids}}))
    got = resp["if_id_vector"]["if_id"]
    assert [(bytes(e["Uuid"]), e["VersMajor"]) for e in got] == [
        (i["Uuid"].bytes_le, i["VersMajor"]) for i in ids]
    princ = MGMT.operations[4]
    assert isinstance(princ, Operation)
    r = mgmt.inq_princ_name()
    r["authn_proto"] = 10
    r["princ_name_size"] = 64
    assert princ.decode_request(r.getData()) == {"authn_proto": 10, "princ_name_size": 64}
    resp2 = mgmt.inq_princ_nameResponse(princ.encode_response(
        {"princ_name": ndr.Sized("LEGACYSRV$", 64)}))
    assert b"".join(resp2["princ_name"]) == b"LEGACYSRV$\x00"
