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
