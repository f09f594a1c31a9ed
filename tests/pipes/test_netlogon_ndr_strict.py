"""netlogon's secure-channel calls as Samba's generated NDR code sees them (issue 15 item 7):
each request is marshalled by python3-samba (``samba.ndr.ndr_pack_in``, Samba's netlogon.idl --
a layout source smbemu did not write), sent through smbemu's endpoint, and the answer unmarshalled
by ``ndr_unpack_out``, which refuses a short stub, trailing bytes or a union arm it cannot read.
So the [in] unions smbemu decodes and the [out] unions it encodes are checked against Samba's
IDL, and the status Windows gives is what Samba's client reads.  (NetrLogonGetDomainInfo is
left to impacket, test_netlogon_secure_calls: python3-samba cannot build its [in]
netr_WorkstationInfo; Samba 4.17's IDL has no NetrChainSetClientAttributes.)"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

SAMBA_PYTHON = "/usr/bin/python3"
STATUS_ACCESS_DENIED = 0xC0000022
STATUS_NOT_IMPLEMENTED = 0xC0000002

#: The requests, built with Samba's netlogon module (the system interpreter has python3-samba).
_BUILD = r"""
import json, sys
from samba.dcerpc import netlogon, lsa
from samba.ndr import ndr_pack_in, ndr_unpack_out

def auth():
    a = netlogon.netr_Authenticator()
    a.cred.data = list(b"ABCDEFGH")
    a.timestamp = 1234
    return a

def identity(info):
    info.identity_info.domain_name.string = "CORP"
    info.identity_info.account_name.string = "alice"
    info.identity_info.workstation.string = "WS01"
    return info

def logon(level):
    if level in (2, 6):
        info = identity(netlogon.netr_NetworkInfo())
        info.challenge = list(b"12345678")
        info.nt.length = 24
        info.nt.data = list(bytes(24))
        return info
    info = identity(netlogon.netr_PasswordInfo())
    return info

def build(name, level):
    r = getattr(netlogon, name)()
    if name in ("netr_LogonSamLogon", "netr_LogonSamLogonWithFlags", "netr_LogonSamLogonEx",
                "netr_LogonSamLogoff"):
        r.in_server_name = "\\\\LEGACYSRV"
        r.in_computer_name = "WS01"
        if name != "netr_LogonSamLogonEx":
            r.in_credential = auth()
            r.in_return_authenticator = auth()
        r.in_logon_level = level
        r.in_logon = logon(level)
        if name != "netr_LogonSamLogoff":
            r.in_validation_level = 3
        if name in ("netr_LogonSamLogonWithFlags", "netr_LogonSamLogonEx"):
            r.in_flags = 7
    elif name in ("netr_DatabaseDeltas", "netr_DatabaseSync", "netr_DatabaseSync2",
                  "netr_DatabaseRedo", "netr_AccountDeltas", "netr_AccountSync"):
        r.in_logon_server = "\\\\LEGACYSRV"
        r.in_computername = "BDC1"
        r.in_credential = auth()
        r.in_return_authenticator = auth()
        if name == "netr_DatabaseDeltas":
            r.in_database_id = 0
            r.in_sequence_num = 17
            r.in_preferredmaximumlength = 0xFFFFFFFF
        elif name in ("netr_DatabaseSync", "netr_DatabaseSync2"):
            r.in_database_id = 2
            r.in_sync_context = 5
            r.in_preferredmaximumlength = 100
        elif name == "netr_DatabaseRedo":
            r.in_change_log_entry = netlogon.netr_ChangeLogEntry()
            r.in_change_log_entry_size = 0
        elif name == "netr_AccountDeltas":
            r.in_count = 1
            r.in_level = 0
            r.in_buffersize = 16
        else:
            r.in_reference = 0
            r.in_level = 0
            r.in_buffersize = 16
    elif name == "netr_NetrLogonSendToSam":
        r.in_server_name = "\\\\LEGACYSRV"
        r.in_computer_name = "RODC1"
        r.in_credential = auth()
        r.in_opaque_buffer = list(b"HOLA")
        r.in_buffer_len = 4
    elif name == "netr_GetForestTrustInformation":
        r.in_server_name = "\\\\LEGACYSRV"
        r.in_computer_name = "WS01"
        r.in_credential = auth()
        r.in_flags = 0
    elif name == "netr_ServerGetTrustInfo":
        r.in_server_name = "\\\\LEGACYSRV"
        r.in_account_name = "WS01$"
        r.in_secure_channel_type = 2
        r.in_computer_name = "WS01"
        r.in_credential = auth()
    elif name == "netr_DsrUpdateReadOnlyServerDnsRecords":
        r.in_server_name = "\\\\LEGACYSRV"
        r.in_computer_name = "RODC1"
        r.in_credential = auth()
        r.in_site_name = None
        r.in_dns_ttl = 600
        names = netlogon.NL_DNS_NAME_INFO_ARRAY()
        entry = netlogon.NL_DNS_NAME_INFO()
        entry.type = 0
        entry.dns_domain_info = "corp.local"
        entry.dns_domain_info_type = 1
        entry.weight = 100
        entry.port = 389
        entry.dns_register = 1
        names.count = 1
        names.names = [entry]
        r.in_dns_names = names
    return r

mode = sys.argv[1]
out = []
for name, level, stub in json.load(sys.stdin):
    r = build(name, level)
    if mode == "pack":
        out.append(ndr_pack_in(r).hex())
        continue
    try:
        ndr_unpack_out(r, bytes.fromhex(stub))
    except Exception as exc:
        out.append(["ndr-error", repr(exc)])
        continue
    result = r.result[0] if isinstance(r.result, tuple) else r.result
    facts = {}
    for field in ("out_authoritative", "out_flags", "out_sync_context", "out_buffersize"):
        if hasattr(r, field):
            facts[field] = getattr(r, field)
    if hasattr(r, "out_return_authenticator") and r.out_return_authenticator is not None:
        facts["return_credential"] = bytes(r.out_return_authenticator.cred.data).hex()
    if hasattr(r, "out_dns_names"):
        facts["dns_names"] = [n.dns_domain_info for n in r.out_dns_names.names]
    out.append([result if isinstance(result, int) else int(result), facts])
print(json.dumps(out))
"""

#: (Samba function, level: the logon level or GetDomainInfo's level, 0 where unused).
CASES = [
    *(("netr_LogonSamLogon", level, "") for level in (1, 2, 3, 5, 6, 7)),
    ("netr_LogonSamLogonWithFlags", 2, ""), ("netr_LogonSamLogonEx", 2, ""),
    ("netr_LogonSamLogoff", 2, ""),
    ("netr_DatabaseDeltas", 0, ""), ("netr_DatabaseSync", 0, ""), ("netr_DatabaseSync2", 0, ""),
    ("netr_DatabaseRedo", 0, ""), ("netr_AccountDeltas", 0, ""), ("netr_AccountSync", 0, ""),
    ("netr_NetrLogonSendToSam", 0, ""), ("netr_GetForestTrustInformation", 0, ""),
    ("netr_ServerGetTrustInfo", 0, ""), ("netr_DsrUpdateReadOnlyServerDnsRecords", 0, ""),
]
OPNUMS = {"netr_LogonSamLogon": 2, "netr_LogonSamLogonWithFlags": 45,
          "netr_LogonSamLogonEx": 39, "netr_LogonSamLogoff": 3, "netr_DatabaseDeltas": 7,
          "netr_DatabaseSync": 8, "netr_DatabaseSync2": 16, "netr_DatabaseRedo": 17,
          "netr_AccountDeltas": 9, "netr_AccountSync": 10, "netr_NetrLogonSendToSam": 32,
          "netr_GetForestTrustInformation": 44, "netr_ServerGetTrustInfo": 46,
          "netr_DsrUpdateReadOnlyServerDnsRecords": 48}


def _samba(mode: str, payload: Any) -> Any:
    result = subprocess.run([SAMBA_PYTHON, "-c", _BUILD, mode], input=json.dumps(payload),
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("kind", ["anonymous", "user", "administrator"])
def test_samba_ndr_reads_the_secure_channel_refusals(pipe_client: Any, kind: str) -> None:
    stubs = _samba("pack", CASES)
    client = pipe_client("netlogon", kind, "win2016-dc")
    replies = [client.raw(OPNUMS[name], bytes.fromhex(stub)).hex()
               for (name, _level, _), stub in zip(CASES, stubs)]
    decoded = _samba("unpack", [[name, level, reply]
                                for (name, level, _), reply in zip(CASES, replies)])
    for (name, level, _), (status, facts) in zip(CASES, decoded):
        assert status != "ndr-error", (name, level, facts)
        expected = STATUS_NOT_IMPLEMENTED if name in ("netr_AccountDeltas",
                                                      "netr_AccountSync") else STATUS_ACCESS_DENIED
        assert status == expected, (name, level)
        if "return_credential" in facts:
            assert facts["return_credential"] == "00" * 8, name
        if name.startswith("netr_LogonSamLogon"):
            assert facts["out_authoritative"] == 1
        if name in ("netr_LogonSamLogonWithFlags", "netr_LogonSamLogonEx"):
            assert facts["out_flags"] == 7
        if name in ("netr_DatabaseSync", "netr_DatabaseSync2"):
            assert facts["out_sync_context"] == 5
        if name == "netr_DsrUpdateReadOnlyServerDnsRecords":
            assert facts["dns_names"] == ["corp.local"]
