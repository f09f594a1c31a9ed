"""drsuapi (MS-DRSR) with impacket's client over ``\\pipe\\lsass`` (DCE/RPC packet privacy, the
level secretsdump and impacket's suite use): the bind's extensions, DC information, name
cracking, replication of secrets decrypted with impacket's own helpers and compared with the
fixture's hashes, the refusals a normal user gets, paging of a full NC replication, the 4662
audit event, and no drsuapi off a DC."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from impacket.dcerpc.v5 import drsuapi, transport  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_LEVEL_PKT_PRIVACY, DCERPCException  # type: ignore[import-untyped]
from impacket.dcerpc.v5.samr import UF_ACCOUNTDISABLE  # type: ignore[import-untyped]  # noqa: F401

from helpers import HOST, ServerThread

pytestmark = pytest.mark.interop

ADMIN = ("Administrator", "Adm!n2003", "CORP")  # fixtures/corp.yaml
USER = ("alice", "Wonderland1", "CORP")
DOMAIN_DN = "DC=corp,DC=local"
#: MS-DRSR 4.1.4.1.4 DS_NAME_ERROR (impacket does not name them).
DS_NAME_NO_ERROR, DS_NAME_ERROR_NOT_FOUND, DS_NAME_ERROR_NO_MAPPING = 0, 2, 4
#: The attributes secretsdump asks for (its NTDSHashes.ATTRTYP_TO_ATTID).
SECRETSDUMP_OIDS = ("1.2.840.113556.1.4.656", "1.2.840.113556.1.4.221", "1.2.840.113556.1.4.90",
                    "1.2.840.113556.1.4.55", "1.2.840.113556.1.4.94", "1.2.840.113556.1.4.160",
                    "1.2.840.113556.1.4.125", "1.2.840.113556.1.4.146", "1.2.840.113556.1.4.96",
                    "1.2.840.113556.1.4.8")


@pytest.fixture(scope="module")
def dc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    log = tmp_path_factory.mktemp("drsuapi") / "audit.jsonl"
    with ServerThread("win2016-dc", audit_log=str(log)) as server:
        server.audit_path = log  # type: ignore[attr-defined]
        yield server


def connect(server: ServerThread, account: tuple[str, str, str] = ADMIN, pipe: str = "lsass") -> Any:
    rpc = transport.DCERPCTransportFactory(rf"ncacn_np:{HOST}[\pipe\{pipe}]")
    rpc.set_dport(server.port)
    rpc.set_credentials(*account)
    dce = rpc.get_dce_rpc()
    dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.connect()
    dce.bind(drsuapi.MSRPC_UUID_DRSUAPI)
    return dce


def drs_bind(dce: Any) -> tuple[bytes, bytes]:
    request = drsuapi.DRSBind()
    request["puuidClientDsa"] = drsuapi.NTDSAPI_CLIENT_GUID
    ext = drsuapi.DRS_EXTENSIONS_INT()
    ext["cb"] = len(ext) - 4
    ext["dwFlags"] = (drsuapi.DRS_EXT_GETCHGREQ_V6 | drsuapi.DRS_EXT_GETCHGREPLY_V6
                      | drsuapi.DRS_EXT_GETCHGREQ_V8 | drsuapi.DRS_EXT_STRONG_ENCRYPTION)
    ext["SiteObjGuid"] = drsuapi.NULLGUID
    ext["ConfigObjGUID"] = drsuapi.NULLGUID
    request["pextClient"]["cb"] = len(ext.getData())
    request["pextClient"]["rgb"] = list(ext.getData())
    resp = dce.request(request)
    return resp["phDrs"], b"".join(resp["ppextServer"]["rgb"])


def crack(dce: Any, handle: bytes, offered: int, desired: int, name: str) -> tuple[int, str]:
    resp = drsuapi.hDRSCrackNames(dce, handle, 0, offered, desired, (name,))
    item = resp["pmsgOut"]["V1"]["pResult"]["rItems"][0]
    return item["status"], (item["pName"] or "").rstrip("\x00")


def _ntds_guid(dce: Any, handle: bytes) -> Any:
    resp = drsuapi.hDRSDomainControllerInfo(dce, handle, "corp.local", 2)
    return resp["pmsgOut"]["V2"]["rItems"][0]["NtdsDsaObjectGuid"]


def get_changes(dce: Any, handle: bytes, dsname: Any, *, exop: int = drsuapi.EXOP_REPL_OBJ,
                max_objects: int = 1, usn: int = 0, attributes: tuple[str, ...] | None = SECRETSDUMP_OIDS) -> Any:
    """secretsdump's _DRSGetNCChanges request (V8), with the NC / object ``dsname``."""
    request = drsuapi.DRSGetNCChanges()
    request["hDrs"] = handle
    request["dwInVersion"] = 8
    request["pmsgIn"]["tag"] = 8
    guid = _ntds_guid(dce, handle)
    request["pmsgIn"]["V8"]["uuidDsaObjDest"] = guid
    request["pmsgIn"]["V8"]["uuidInvocIdSrc"] = guid
    request["pmsgIn"]["V8"]["pNC"] = dsname
    request["pmsgIn"]["V8"]["usnvecFrom"]["usnHighObjUpdate"] = usn
    request["pmsgIn"]["V8"]["usnvecFrom"]["usnHighPropUpdate"] = usn
    request["pmsgIn"]["V8"]["pUpToDateVecDest"] = NULL
    request["pmsgIn"]["V8"]["ulFlags"] = drsuapi.DRS_INIT_SYNC | drsuapi.DRS_WRIT_REP
    request["pmsgIn"]["V8"]["cMaxObjects"] = max_objects
    request["pmsgIn"]["V8"]["cMaxBytes"] = 0
    request["pmsgIn"]["V8"]["ulExtendedOp"] = exop
    prefix_table: list[Any] = []
    if attributes is None:
        request["pmsgIn"]["V8"]["pPartialAttrSet"] = NULL
    else:
        partial = drsuapi.PARTIAL_ATTR_VECTOR_V1_EXT()
        partial["dwVersion"] = 1
        partial["cAttrs"] = len(attributes)
        for oid in attributes:
            partial["rgPartialAttr"].append(drsuapi.MakeAttid(prefix_table, oid))
        request["pmsgIn"]["V8"]["pPartialAttrSet"] = partial
    request["pmsgIn"]["V8"]["PrefixTableDest"]["PrefixCount"] = len(prefix_table)
    request["pmsgIn"]["V8"]["PrefixTableDest"]["pPrefixEntry"] = prefix_table
    request["pmsgIn"]["V8"]["pPartialAttrSetEx1"] = NULL
    return dce.request(request)


def dsname_for(*, sid: str | None = None, dn: str | None = None) -> Any:
    from impacket.dcerpc.v5.dtypes import SID  # type: ignore[import-untyped]

    name = drsuapi.DSNAME()
    name["Guid"] = drsuapi.NULLGUID
    if sid is not None:
        parsed = SID()
        parsed.fromCanonical(sid)
        raw = parsed.getData()
        name["SidLen"] = len(raw)
        name["Sid"] = raw
    else:
        name["SidLen"] = 0
        name["Sid"] = ""
    text = dn or ""
    name["NameLen"] = len(text)
    name["StringName"] = text + "\x00"
    name["structLen"] = len(name.getData())
    return name


def attributes_of(dce: Any, reply: Any, entry: Any) -> dict[str, list[bytes]]:
    table = reply["pmsgOut"]["V6"]["PrefixTableSrc"]["pPrefixEntry"]
    out = {}
    for attr in entry["Entinf"]["AttrBlock"]["pAttr"]:
        oid = drsuapi.OidFromAttid(table, attr["attrTyp"])
        values = [b"".join(v["pVal"]) for v in attr["AttrVal"]["pAVal"]] if attr["AttrVal"]["valCount"] else []
        out[oid] = values
    return out


# ------------------------------------------------------------------ bind, DC info, names


def test_bind_returns_a_2016_dcs_extensions(dc: ServerThread) -> None:
    dce = connect(dc)
    handle, rgb = drs_bind(dce)
    assert len(handle) == 20 and len(rgb) == 48  # cb: dwFlags through ConfigObjGUID (5.39)
    ext = drsuapi.DRS_EXTENSIONS_INT(rgb + b"\x00" * 4)  # impacket's structure starts at dwFlags
    needed = (drsuapi.DRS_EXT_GETCHGREQ_V8 | drsuapi.DRS_EXT_GETCHGREPLY_V6
              | drsuapi.DRS_EXT_STRONG_ENCRYPTION | drsuapi.DRS_EXT_DCINFO_V2)
    assert ext["dwFlags"] & needed == needed
    assert ext["dwReplEpoch"] == 0 and ext["ConfigObjGUID"] != b"\x00" * 16
    drsuapi.hDRSUnbind(dce, handle)
    with pytest.raises(DCERPCException, match="context_mismatch"):  # the handle is gone
        drsuapi.hDRSCrackNames(dce, handle, 0, drsuapi.DS_NAME_FORMAT.DS_NT4_ACCOUNT_NAME,
                               drsuapi.DS_NAME_FORMAT.DS_FQDN_1779_NAME, ("CORP\\alice",))


def test_domain_controller_info_levels(dc: ServerThread) -> None:
    dce = connect(dc)
    handle, _ = drs_bind(dce)
    v2 = drsuapi.hDRSDomainControllerInfo(dce, handle, "CORP", 2)["pmsgOut"]["V2"]
    assert v2["cItems"] == 1
    item = v2["rItems"][0]
    assert item["NetbiosName"].rstrip("\x00") == "LEGACYSRV" and item["fIsPdc"] == 1 and item["fIsGc"] == 1
    assert item["NtdsDsaObjectName"].rstrip("\x00") == (
        "CN=NTDS Settings,CN=LEGACYSRV,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,"
        + DOMAIN_DN)
    v3 = drsuapi.hDRSDomainControllerInfo(dce, handle, "corp.local", 3)["pmsgOut"]["V3"]
    assert v3["rItems"][0]["fIsRodc"] == 0
    assert v3["rItems"][0]["NtdsDsaObjectGuid"] == item["NtdsDsaObjectGuid"]
    connections = drsuapi.hDRSDomainControllerInfo(dce, handle, "corp.local", 0xFFFFFFFF)
    assert connections["pmsgOut"]["V1"]["cItems"] == 0  # no LDAP server, no LDAP connection
    with pytest.raises(DCERPCException, match="ERROR_DS_OBJ_NOT_FOUND"):
        drsuapi.hDRSDomainControllerInfo(dce, handle, "OTHERDOMAIN", 2)


@pytest.mark.parametrize(("offered", "desired", "name", "expected"), [
    (drsuapi.DS_NAME_FORMAT.DS_NT4_ACCOUNT_NAME, drsuapi.DS_NAME_FORMAT.DS_FQDN_1779_NAME, "CORP\\alice",
     "CN=alice,CN=Users," + DOMAIN_DN),
    (drsuapi.DS_NT4_ACCOUNT_NAME_SANS_DOMAIN, drsuapi.DS_STRING_SID_NAME, "Administrator", "{domain}-500"),
    (drsuapi.DS_NAME_FORMAT.DS_SID_OR_SID_HISTORY_NAME, drsuapi.DS_NAME_FORMAT.DS_NT4_ACCOUNT_NAME,
     "{domain}-1104", "CORP\\alice"),
    (drsuapi.DS_NAME_FORMAT.DS_USER_PRINCIPAL_NAME, drsuapi.DS_NAME_FORMAT.DS_CANONICAL_NAME,
     "alice@corp.local", "corp.local/Users/alice"),
    (drsuapi.DS_NAME_FORMAT.DS_CANONICAL_NAME, drsuapi.DS_USER_PRINCIPAL_NAME_FOR_LOGON,
     "corp.local/Users/mjones", "mjones@corp.local"),
    (drsuapi.DS_NAME_FORMAT.DS_UNKNOWN_NAME, drsuapi.DS_NAME_FORMAT.DS_NT4_ACCOUNT_NAME,
     "CN=Domain Admins,CN=Users," + DOMAIN_DN, "CORP\\Domain Admins"),
    (drsuapi.DS_NAME_FORMAT.DS_FQDN_1779_NAME, drsuapi.DS_NAME_FORMAT.DS_NT4_ACCOUNT_NAME, DOMAIN_DN, "CORP\\"),
])
def test_crack_names(dc: ServerThread, offered: int, desired: int, name: str, expected: str) -> None:
    dce = connect(dc)
    handle, _ = drs_bind(dce)
    sid = str(dc.config.directory.account_domain.sid)
    status, value = crack(dce, handle, offered, desired, name.format(domain=sid))
    assert (status, value) == (DS_NAME_NO_ERROR, expected.format(domain=sid))


def test_crack_names_errors_and_guid_round_trip(dc: ServerThread) -> None:
    dce = connect(dc)
    handle, _ = drs_bind(dce)
    status, guid = crack(dce, handle, drsuapi.DS_NT4_ACCOUNT_NAME_SANS_DOMAIN,
                         drsuapi.DS_NAME_FORMAT.DS_UNIQUE_ID_NAME, "alice")
    assert status == 0 and uuid.UUID(guid.strip("{}"))
    assert crack(dce, handle, drsuapi.DS_NAME_FORMAT.DS_UNIQUE_ID_NAME, drsuapi.DS_NAME_FORMAT.DS_FQDN_1779_NAME,
                 guid) == (0, "CN=alice,CN=Users," + DOMAIN_DN)
    # MS-DRSR 4.1.4.1.4: per-name statuses, the call itself succeeds
    assert crack(dce, handle, drsuapi.DS_NAME_FORMAT.DS_NT4_ACCOUNT_NAME,
                 drsuapi.DS_NAME_FORMAT.DS_FQDN_1779_NAME, "CORP\\nobody")[0] == DS_NAME_ERROR_NOT_FOUND
    assert crack(dce, handle, drsuapi.DS_NAME_FORMAT.DS_NT4_ACCOUNT_NAME,
                 drsuapi.DS_NAME_FORMAT.DS_USER_PRINCIPAL_NAME, "CORP\\Domain Users")[0] == DS_NAME_ERROR_NO_MAPPING
    roles = drsuapi.hDRSCrackNames(dce, handle, 0, drsuapi.DS_LIST_ROLES, drsuapi.DS_NAME_FORMAT.DS_FQDN_1779_NAME,
                                   ("CORP",))["pmsgOut"]["V1"]["pResult"]
    assert roles["cItems"] == 5 and all(i["pName"].startswith("CN=NTDS Settings,CN=LEGACYSRV") for i in roles["rItems"])


# ------------------------------------------------------------------ replication (DCSync)


@pytest.mark.parametrize("rid", [500, 1104, 1128])
def test_replicated_hashes_are_the_fixtures(dc: ServerThread, rid: int) -> None:
    dce = connect(dc)
    handle, _ = drs_bind(dce)
    directory = dc.config.directory
    user = directory.user_by_rid(rid)
    reply = get_changes(dce, handle, dsname_for(sid=str(user.sid)))
    v6 = reply["pmsgOut"]["V6"]
    assert reply["pdwOutVersion"] == 6 and v6["cNumObjects"] == 1 and v6["ulExtendedRet"] == 1
    attrs = attributes_of(dce, reply, v6["pObjects"])
    nt = drsuapi.removeDESLayer(drsuapi.DecryptAttributeValue(dce, attrs["1.2.840.113556.1.4.90"][0]), rid)
    assert nt == user.nt_hash
    history = drsuapi.DecryptAttributeValue(dce, attrs["1.2.840.113556.1.4.94"][0])
    assert drsuapi.removeDESLayer(history[:16], rid) == user.nt_hash
    # NoLMHash is on from Windows Server 2008: dBCSPwd goes out without a value
    assert attrs["1.2.840.113556.1.4.55"] == []
    assert attrs["1.2.840.113556.1.4.221"] == [user.name.encode("utf-16-le")]
    assert attrs["1.2.840.113556.1.4.146"] == [user.sid.to_bytes()]


def test_lm_hashes_replicate_where_the_profile_keeps_them() -> None:
    with ServerThread("win2003-dc") as server:
        dce = connect(server)
        handle, _ = drs_bind(dce)
        user = server.config.directory.user_by_rid(1104)
        reply = get_changes(dce, handle, dsname_for(sid=str(user.sid)))
        attrs = attributes_of(dce, reply, reply["pmsgOut"]["V6"]["pObjects"])
        lm = drsuapi.removeDESLayer(drsuapi.DecryptAttributeValue(dce, attrs["1.2.840.113556.1.4.55"][0]), 1104)
        assert user.lm_hash and lm == user.lm_hash


def test_full_domain_nc_replication_pages(dc: ServerThread) -> None:
    dce = connect(dc)
    handle, _ = drs_bind(dce)
    names, usn = [], 0
    while True:
        reply = get_changes(dce, handle, dsname_for(dn=DOMAIN_DN), exop=0, max_objects=7, usn=usn, attributes=None)
        v6 = reply["pmsgOut"]["V6"]
        entry = v6["pObjects"]
        count = 0
        while entry not in ("", None, NULL) and count < v6["cNumObjects"]:
            names.append(entry["Entinf"]["pName"]["StringName"].rstrip("\x00"))
            entry = entry["pNextEntInf"]
            count += 1
        assert count == v6["cNumObjects"] <= 7
        usn = v6["usnvecTo"]["usnHighObjUpdate"]
        if not v6["fMoreData"]:
            break
    directory = dc.config.directory
    assert names[0] == DOMAIN_DN
    assert len(names) == len(set(names)) == 1 + len(directory.users) + len(directory.account_domain.groups)
    assert "CN=krbtgt,CN=Users," + DOMAIN_DN in names


def test_a_normal_user_is_refused_replication(dc: ServerThread) -> None:
    dce = connect(dc, USER)
    handle, _ = drs_bind(dce)  # any authenticated user binds (MS-DRSR 4.1.3)
    assert crack(dce, handle, drsuapi.DS_NT4_ACCOUNT_NAME_SANS_DOMAIN, drsuapi.DS_STRING_SID_NAME,
                 "alice")[0] == 0
    assert drsuapi.hDRSDomainControllerInfo(dce, handle, "CORP", 2)["pmsgOut"]["V2"]["cItems"] == 1
    target = dc.config.directory.user_by_rid(500)
    with pytest.raises(DCERPCException, match="ERROR_DS_DRA_ACCESS_DENIED"):
        get_changes(dce, handle, dsname_for(sid=str(target.sid)))
    # the LDAP connection list and the PDC change log: administrators only (ERROR_ACCESS_DENIED,
    # which impacket prints as rpc_s_access_denied)
    with pytest.raises(DCERPCException, match="access_denied"):
        drsuapi.hDRSDomainControllerInfo(dce, handle, "CORP", 0xFFFFFFFF)
    request = drsuapi.DRSGetNT4ChangeLog()
    request["hDrs"] = handle
    request["dwInVersion"] = 1
    request["pmsgIn"]["tag"] = 1
    request["pmsgIn"]["V1"]["dwFlags"] = drsuapi.DRS_NT4_CHGLOG_GET_SERIAL_NUMBERS
    request["pmsgIn"]["V1"]["PreferredMaximumLength"] = 0x4000
    request["pmsgIn"]["V1"]["cbRestart"] = 0
    request["pmsgIn"]["V1"]["pRestart"] = NULL
    with pytest.raises(DCERPCException, match="access_denied"):
        dce.request(request)
    admin = connect(dc)
    admin_handle, _ = drs_bind(admin)
    request["hDrs"] = admin_handle
    state = admin.request(request)["pmsgOut"]["V1"]
    assert state["cbLog"] == 0 and state["ReplicationState"]["SamSerialNumber"] >= 1


def test_replication_is_audited_as_4662(dc: ServerThread) -> None:
    dce = connect(dc)
    handle, _ = drs_bind(dce)
    get_changes(dce, handle, dsname_for(sid=str(dc.config.directory.user_by_rid(1104).sid)))
    path: Path = dc.audit_path  # type: ignore[attr-defined]
    events = [json.loads(line) for line in path.read_text().splitlines()]
    found = [e for e in events if e["EventID"] == 4662]
    properties = " ".join(e["Properties"] for e in found)
    assert "{1131f6aa-9c07-11d1-f79f-00c04fc2dcd2}" in properties
    assert "{1131f6ad-9c07-11d1-f79f-00c04fc2dcd2}" in properties
    assert all(e["SubjectUserName"] == "Administrator" and e["AccessMask"] == "0x100" for e in found)
    assert found[-1]["ObjectName"] == "%{" + str(dc.config.directory.domain.guid) + "}"


def test_no_drsuapi_on_a_member_server() -> None:
    with ServerThread("win2016") as server:
        with pytest.raises(DCERPCException, match="abstract_syntax_not_supported"):
            connect(server)


def test_verify_names_returns_the_readable_attributes_asked(dc: ServerThread) -> None:
    dce = connect(dc)
    handle, _ = drs_bind(dce)
    request = drsuapi.DRSVerifyNames()
    request["hDrs"] = handle
    request["dwInVersion"] = 1
    request["pmsgIn"]["tag"] = 1
    request["pmsgIn"]["V1"]["dwFlags"] = drsuapi.DRS_VERIFY_DSNAMES
    request["pmsgIn"]["V1"]["cNames"] = 2
    for dn in ("CN=alice,CN=Users," + DOMAIN_DN, "CN=nobody,CN=Users," + DOMAIN_DN):
        name = drsuapi.PDSNAME()
        name["SidLen"] = 0
        name["Guid"] = drsuapi.NULLGUID
        name["Sid"] = ""
        name["NameLen"] = len(dn)
        name["StringName"] = dn + "\x00"
        name["structLen"] = len(name.getDataReferent()) - 4
        request["pmsgIn"]["V1"]["rpNames"].append(name)
    prefix_table: list[Any] = []
    oids = ("1.2.840.113556.1.4.221", "1.2.840.113556.1.4.146", "1.2.840.113556.1.4.90")  # the last: unicodePwd
    for oid in oids:
        attr = drsuapi.ATTR()
        attr["attrTyp"] = drsuapi.MakeAttid(prefix_table, oid)
        attr["AttrVal"]["valCount"] = 0
        attr["AttrVal"]["pAVal"] = NULL
        request["pmsgIn"]["V1"]["RequiredAttrs"]["pAttr"].append(attr)
    request["pmsgIn"]["V1"]["RequiredAttrs"]["attrCount"] = len(oids)
    request["pmsgIn"]["V1"]["PrefixTable"]["PrefixCount"] = len(prefix_table)
    request["pmsgIn"]["V1"]["PrefixTable"]["pPrefixEntry"] = prefix_table
    reply = dce.request(request)["pmsgOut"]["V1"]
    found, missing = reply["rpEntInf"]
    table = reply["PrefixTable"]["pPrefixEntry"]
    values = {drsuapi.OidFromAttid(table, a["attrTyp"]): b"".join(a["AttrVal"]["pAVal"][0]["pVal"])
              for a in found["AttrBlock"]["pAttr"]}
    alice = dc.config.directory.user_by_rid(1104)
    # the secret is not returned; the others are
    assert values == {oids[0]: b"a\x00l\x00i\x00c\x00e\x00", oids[1]: alice.sid.to_bytes()}
    assert missing["pName"] in (NULL, None, b"", "")
