"""drsuapi with Samba's own client (python3-samba's ``samba.dcerpc.drsuapi``, generated from
Samba's drsuapi.idl, a layout source smbemu did not write) over ncacn_ip_tcp with NTLMSSP
sealing: DsBind, DsGetDomainControllerInfo, DsCrackNames and a whole domain NC replicated with
DsGetNCChanges, paged by the high-water mark.  Samba's NDR unmarshalling is strict (a short
stub, trailing bytes, a wrong union arm or pointer fail the call), so the replies' layout is
checked against an independent IDL."""

from __future__ import annotations

import asyncio
import json
import subprocess

import pytest

from helpers import HOST, ServerThread

pytestmark = pytest.mark.interop

SAMBA_PYTHON = "/usr/bin/python3"

_CLIENT = r"""
import json, sys
from samba import credentials, param
from samba.dcerpc import drsuapi, misc

lp = param.LoadParm()
creds = credentials.Credentials()
creds.guess(lp)
creds.set_username("Administrator"); creds.set_password("Adm!n2003"); creds.set_domain("CORP")
conn = drsuapi.drsuapi("ncacn_ip_tcp:127.0.0.1[%s,seal]" % sys.argv[1], lp, creds)
bind = drsuapi.DsBindInfoCtr(); bind.length = 28; bind.info = drsuapi.DsBindInfo28()
bind.info.supported_extensions = 0x3FFFFFFF
info, handle = conn.DsBind(misc.GUID(drsuapi.DRSUAPI_DS_BIND_GUID), bind)
out = {"bind_length": info.length, "flags": info.info.supported_extensions}
req = drsuapi.DsGetDCInfoRequest1(); req.domain_name = "CORP"; req.level = 2
_, dcs = conn.DsGetDomainControllerInfo(handle, 1, req)
out["dc"] = [dcs.count, dcs.array[0].netbios_name, str(dcs.array[0].ntds_guid)]
name = drsuapi.DsNameString(); name.str = "CORP\\alice"
crack = drsuapi.DsNameRequest1(); crack.count = 1; crack.names = [name]
crack.format_offered = drsuapi.DRSUAPI_DS_NAME_FORMAT_NT4_ACCOUNT
crack.format_desired = drsuapi.DRSUAPI_DS_NAME_FORMAT_FQDN_1779
_, cracked = conn.DsCrackNames(handle, 1, crack)
out["crack"] = [cracked.array[0].status, cracked.array[0].result_name, cracked.array[0].dns_domain_name]
r8 = drsuapi.DsGetNCChangesRequest8()
r8.destination_dsa_guid = dcs.array[0].ntds_guid
r8.source_dsa_invocation_id = dcs.array[0].ntds_guid
nc = drsuapi.DsReplicaObjectIdentifier(); nc.dn = "DC=corp,DC=local"
r8.naming_context = nc
r8.highwatermark = drsuapi.DsReplicaHighWaterMark()
r8.replica_flags = drsuapi.DRSUAPI_DRS_INIT_SYNC | drsuapi.DRSUAPI_DRS_WRIT_REP
r8.max_object_count = 10; r8.max_ndr_size = 402116; r8.extended_op = 0
r8.mapping_ctr.num_mappings = 0; r8.mapping_ctr.mappings = None
pages, dns = [], []
while True:
    level, ctr = conn.DsGetNCChanges(handle, 8, r8)
    pages.append([level, ctr.object_count, ctr.more_data])
    obj = ctr.first_object
    while obj is not None:
        dns.append(obj.object.identifier.dn)
        obj = obj.next_object
    if not ctr.more_data:
        break
    r8.highwatermark = ctr.new_highwatermark
out["pages"] = pages
out["dns"] = dns
print(json.dumps(out))
"""


def test_samba_client_binds_cracks_and_replicates_the_domain() -> None:
    with ServerThread("win2016-dc") as server:
        future = asyncio.run_coroutine_threadsafe(server._server.listen_rpc_tcp(HOST, 0, 0), server._loop)
        ports = {name: port for _, port, name in future.result(10)}
        result = subprocess.run([SAMBA_PYTHON, "-c", _CLIENT, str(ports["lsass"])],
                                capture_output=True, text=True, timeout=120)
        directory = server.config.directory
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout)
    assert out["bind_length"] == 48 and out["flags"] & 0x01000000  # DRS_EXT_GETCHGREQ_V8
    assert out["dc"][:2] == [1, "LEGACYSRV"]
    assert out["crack"] == [0, "CN=alice,CN=Users,DC=corp,DC=local", "corp.local"]
    expected = 1 + len(directory.users) + len(directory.account_domain.groups)
    assert [p[0] for p in out["pages"]] == [6] * len(out["pages"])
    assert all(p[1] <= 10 for p in out["pages"]) and out["pages"][-1][2] == 0
    assert len(out["dns"]) == len(set(out["dns"])) == expected and out["dns"][0] == "DC=corp,DC=local"


_ADMIN_CALLS = r"""
import json, sys
from samba import credentials, param
from samba.dcerpc import drsuapi, misc

lp = param.LoadParm()
DOMAIN = "DC=corp,DC=local"
ALICE = "CN=alice,CN=Users," + DOMAIN
UNKNOWN = misc.GUID("11111111-2222-3333-4444-555555555555")


def bind(user, password):
    creds = credentials.Credentials()
    creds.guess(lp)
    creds.set_username(user); creds.set_password(password); creds.set_domain("CORP")
    conn = drsuapi.drsuapi("ncacn_ip_tcp:127.0.0.1[%s,seal]" % sys.argv[1], lp, creds)
    info = drsuapi.DsBindInfoCtr(); info.length = 28; info.info = drsuapi.DsBindInfo28()
    info.info.supported_extensions = 0x3FFFFFFF
    return conn, conn.DsBind(misc.GUID(drsuapi.DRSUAPI_DS_BIND_GUID), info)[1]


def werror(call):
    try:
        result = call()
        return [0, result]
    except Exception as exc:  # Samba raises WERRORError(code, message)
        return [exc.args[0], None]


def nc(dn=DOMAIN):
    name = drsuapi.DsReplicaObjectIdentifier(); name.dn = dn
    return name


def run(conn, h):
    out = {}
    sync = drsuapi.DsReplicaSyncRequest1(); sync.naming_context = nc(); sync.source_dsa_guid = UNKNOWN; sync.options = 0
    out["sync"] = werror(lambda: conn.DsReplicaSync(h, 1, sync))[0]
    kcc = drsuapi.DsExecuteKCC1(); kcc.taskID = 0; kcc.flags = 0
    out["kcc"] = werror(lambda: conn.DsExecuteKCC(h, 1, kcc))[0]
    delete = drsuapi.DsReplicaDelRequest1(); delete.naming_context = nc(); delete.options = 0
    delete.source_dsa_address = "dc2._msdcs.corp.local"
    out["del"] = werror(lambda: conn.DsReplicaDel(h, 1, delete))[0]
    infos = {}
    for info_type, dn in ((0, None), (1, DOMAIN), (2, ALICE), (7, DOMAIN), (8, DOMAIN), (9, ALICE),
                          (0xFFFFFFFB, DOMAIN)):
        req = drsuapi.DsReplicaGetInfoRequest2(); req.info_type = info_type; req.object_dn = dn
        req.source_dsa_guid = misc.GUID(); req.flags = 0; req.enumeration_context = 0
        status, got = werror(lambda: conn.DsReplicaGetInfo(h, 2, req))
        infos[str(info_type)] = [status, got[1].count if got else None]
        if info_type == 8 and got:
            infos["cursor3"] = [str(got[1].array[0].source_dsa_invocation_id), got[1].array[0].source_dsa_obj_dn]
        if info_type == 9 and got:
            infos["metadata2"] = sorted(m.attribute_name for m in got[1].array)
    for label, info_type, dn, context in (("end", 0, None, 0xFFFFFFFF), ("no-dn", 2, None, 0),
                                          ("unknown-dn", 2, "CN=nobody," + DOMAIN, 0)):
        req = drsuapi.DsReplicaGetInfoRequest2(); req.info_type = info_type; req.object_dn = dn
        req.source_dsa_guid = misc.GUID(); req.flags = 0; req.enumeration_context = context
        infos[label] = werror(lambda: conn.DsReplicaGetInfo(h, 2, req))[0]
    out["info"] = infos
    sites = drsuapi.QuerySitesByCostRequest1(); sites.site_from = "Default-First-Site-Name"; sites.num_req = 2
    sites.site_to = ["Default-First-Site-Name", "Elsewhere"]; sites.flags = 0
    status, got = werror(lambda: conn.QuerySitesByCost(h, 1, sites))
    out["sites"] = [status, [[i.error_code[0], i.site_cost] for i in got[1].info] if got else None]
    remove = drsuapi.DsRemoveDSServerRequest1(); remove.domain_dn = None; remove.commit = 0
    remove.server_dn = "CN=GONE,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration," + DOMAIN
    out["rmserver"] = werror(lambda: conn.DsRemoveDSServer(h, 1, remove))[0]
    spn = drsuapi.DsWriteAccountSpnRequest1(); spn.operation = 0; spn.unknown1 = 0; spn.object_dn = ALICE
    name = drsuapi.DsNameString(); name.str = "HTTP/web.corp.local"; spn.count = 1; spn.spn_names = [name]
    out["spn"] = werror(lambda: conn.DsWriteAccountSpn(h, 1, spn))[0]
    crack = drsuapi.DsNameRequest1(); crack.count = 1; crack.names = [name]
    crack.format_offered = drsuapi.DRSUAPI_DS_NAME_FORMAT_SERVICE_PRINCIPAL
    crack.format_desired = drsuapi.DRSUAPI_DS_NAME_FORMAT_NT4_ACCOUNT
    cracked = conn.DsCrackNames(h, 1, crack)[1]
    out["crack"] = [cracked.array[0].status, cracked.array[0].result_name]
    member = drsuapi.DsGetMembershipsRequest1(); member.count = 1
    member.info_array = [nc("CN=Administrator,CN=Users," + DOMAIN)]; member.flags = 1; member.type = 3; member.domain = None
    status, got = werror(lambda: conn.DsGetMemberships(h, 1, member))
    out["memberships"] = [status, sorted(x.dn for x in got[1].info_array) if got else None]
    return out


result = {}
for who, user, password in (("admin", "Administrator", "Adm!n2003"), ("user", "alice", "Wonderland1")):
    result[who] = run(*bind(user, password))
print(json.dumps(result))
"""


def test_samba_client_reads_the_administration_replies() -> None:
    """The administration calls Samba's client can make (DsReplicaSync, DsExecuteKCC,
    DsReplicaDel, DsReplicaGetInfo at seven info types, QuerySitesByCost, DsRemoveDSServer,
    DsWriteAccountSpn then DsCrackNames by SPN, DsGetMemberships), as the Administrator and as a
    user: every reply decodes under Samba's strict NDR, with the statuses MS-DRSR 4.1.x gives."""
    with ServerThread("win2016-dc") as server:
        future = asyncio.run_coroutine_threadsafe(server._server.listen_rpc_tcp(HOST, 0, 0), server._loop)
        ports = {name: port for _, port, name in future.result(10)}
        result = subprocess.run([SAMBA_PYTHON, "-c", _ADMIN_CALLS, str(ports["lsass"])],
                                capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout)
    admin, user = out["admin"], out["user"]
    # ERROR_DS_DRA_NO_REPLICA (8452): no repsFrom value for that source; the user lacks the right
    assert admin["sync"] == 8452 and user["sync"] == 8453
    assert admin["kcc"] == 0 and user["kcc"] == 8453
    assert admin["del"] == 8452 and user["del"] == 8453
    assert admin["info"]["0"] == [0, 0]  # no neighbours
    assert admin["info"]["1"] == [0, 1] and admin["info"]["8"] == [0, 1] and admin["info"]["4294967291"] == [0, 1]
    assert admin["info"]["cursor3"][1].startswith("CN=NTDS Settings,")
    assert {"sAMAccountName", "objectSid", "unicodePwd"} <= set(admin["info"]["metadata2"])
    # 4.1.13.3 as Microsoft's MS-DRSR tests assert it: the end of an enumeration is
    # ERROR_NO_MORE_ITEMS (259); object metadata without an object ERROR_INVALID_PARAMETER (87),
    # of one that does not exist ERROR_DS_OBJ_NOT_FOUND (8333)
    assert (admin["info"]["end"], admin["info"]["no-dn"], admin["info"]["unknown-dn"]) == (259, 87, 8333)
    assert all((value if isinstance(value, int) else value[0]) == 8453 for value in user["info"].values())
    # the one site to itself costs 0; an unknown site is ERROR_DS_OBJ_NOT_FOUND (8333)
    assert admin["sites"] == [0, [[0, 0], [8333, 0xFFFFFFFF]]] and user["sites"] == admin["sites"]
    assert admin["rmserver"] == 8419 and user["rmserver"] == 8419  # ERROR_DS_CANT_FIND_DSA_OBJ
    assert admin["spn"] == 0 and user["spn"] == 8453
    assert admin["crack"] == [0, "CORP\\alice"]
    assert admin["memberships"] == [0, ["CN=Domain Admins,CN=Users,DC=corp,DC=local",
                                        "CN=Domain Users,CN=Users,DC=corp,DC=local",
                                        "CN=Group Policy Creator Owners,CN=Users,DC=corp,DC=local"]]
    assert user["memberships"] == [8453, None]
