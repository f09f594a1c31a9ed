"""impacket over the NDR64 transfer syntax (MS-RPCE 2.2.5.3) against a real SMB connection (issue 13):
x64 profiles (win2016-dc) bind NDR64 and answer srvsvc, wkssvc, lsarpc and samr in it; older
ones (win2003) refuse it at bind as they refused any syntax they did not know. Also the bind_ack
identity fields: the lsass pipes' secondary address case per version, and association group ids
that are neither constant nor random 32-bit values. Credentials: the corp fixture's
Administrator (fixtures/corp.yaml)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from impacket.dcerpc.v5 import lsad, samr, srvs, transport, wkst  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException, MSRPCBindAck  # type: ignore[import-untyped]
from impacket.smbconnection import SMBConnection  # type: ignore[import-untyped]

from helpers import HOST, ServerThread

pytestmark = pytest.mark.interop

ADMIN = ("Administrator", "Adm!n2003")
NDR64 = ("71710533-BEBA-4937-8319-B5DBEF9CCC36", "1.0")


@pytest.fixture(scope="module")
def dc2016() -> Iterator[ServerThread]:
    with ServerThread("win2016-dc") as server:
        yield server


@pytest.fixture(scope="module")
def w2003() -> Iterator[ServerThread]:
    with ServerThread("win2003") as server:
        yield server


def bound(port: int, pipe: str, uuid: bytes, syntax: tuple[str, str] | None = NDR64) -> tuple[Any, Any, Any]:
    conn = SMBConnection(HOST, HOST, sess_port=port)
    conn.login(*ADMIN)
    dce = transport.SMBTransport(HOST, port, pipe, smb_connection=conn).get_dce_rpc()
    dce.connect()
    answer = dce.bind(uuid, transfer_syntax=syntax) if syntax else dce.bind(uuid)
    return conn, dce, MSRPCBindAck(answer.getData())


def test_srvsvc_and_wkssvc_in_ndr64(dc2016: ServerThread) -> None:
    conn, dce, _ = bound(dc2016.port, r"\srvsvc", srvs.MSRPC_UUID_SRVS)
    shares = srvs.hNetrShareEnum(dce, 1)["InfoStruct"]["ShareInfo"]["Level1"]["Buffer"]
    assert "IPC$\x00" in [s["shi1_netname"] for s in shares]
    info = srvs.hNetrServerGetInfo(dce, 101)["InfoStruct"]["ServerInfo101"]
    assert info["sv101_version_major"] == 10 and info["sv101_name"] == "LEGACYSRV\x00"
    dce.disconnect()
    conn.logoff()
    conn, dce, _ = bound(dc2016.port, r"\wkssvc", wkst.MSRPC_UUID_WKST)
    info = wkst.hNetrWkstaGetInfo(dce, 100)["WkstaInfo"]["WkstaInfo100"]
    assert info["wki100_computername"] == "LEGACYSRV\x00" and info["wki100_ver_major"] == 10
    dce.disconnect()
    conn.logoff()


def test_lsarpc_and_samr_in_ndr64(dc2016: ServerThread) -> None:
    conn, dce, ack = bound(dc2016.port, r"\lsarpc", lsad.MSRPC_UUID_LSAD)
    # Windows 2008 R2 and later name lsass's endpoint in lower case (policies/win2016.yaml)
    assert ack["SecondaryAddr"] == "\\pipe\\lsass"
    policy = lsad.hLsarOpenPolicy2(dce)["PolicyHandle"]
    primary = lsad.hLsarQueryInformationPolicy2(
        dce, policy, lsad.POLICY_INFORMATION_CLASS.PolicyPrimaryDomainInformation)
    assert primary["PolicyInformation"]["PolicyPrimaryDomainInfo"]["Name"] == "CORP"
    assert primary["PolicyInformation"]["PolicyPrimaryDomainInfo"]["Sid"].formatCanonical()\
        .startswith("S-1-5-21-")
    dce.disconnect()
    conn.logoff()
    conn, dce, _ = bound(dc2016.port, r"\samr", samr.MSRPC_UUID_SAMR)
    server = samr.hSamrConnect(dce)["ServerHandle"]
    domains = samr.hSamrEnumerateDomainsInSamServer(dce, server)["Buffer"]["Buffer"]
    assert sorted(d["Name"] for d in domains) == ["Builtin", "CORP"]
    sid = samr.hSamrLookupDomainInSamServer(dce, server, "CORP")["DomainId"]
    domain = samr.hSamrOpenDomain(dce, server, domainId=sid)["DomainHandle"]
    rids = samr.hSamrLookupNamesInDomain(dce, domain, ["Administrator"])
    assert rids["RelativeIds"]["Element"][0]["Data"] == 500
    dce.disconnect()
    conn.logoff()


def test_pre_vista_profile_refuses_ndr64(w2003: ServerThread) -> None:
    with pytest.raises(DCERPCException, match="proposed_transfer_syntaxes_not_supported"):
        bound(w2003.port, r"\srvsvc", srvs.MSRPC_UUID_SRVS)
    conn, dce, ack = bound(w2003.port, r"\lsarpc", lsad.MSRPC_UUID_LSAD, None)
    assert ack["SecondaryAddr"] == "\\PIPE\\lsass"
    conn.logoff()


def test_association_groups_are_small_increasing_numbers(dc2016: ServerThread) -> None:
    """Windows-like ids (below 0x10000, increasing from a random start below 0x8000, random
    steps of at most 256: no wrap within one test module); not sequential (issue 14)."""
    ids = []
    for _ in range(4):
        conn, dce, ack = bound(dc2016.port, r"\srvsvc", srvs.MSRPC_UUID_SRVS, None)
        ids.append(ack["assoc_group"])
        dce.disconnect()
        conn.logoff()
    assert all(0x1000 <= i <= 0xFFFF for i in ids), [hex(i) for i in ids]
    assert len(set(ids)) == 4 and ids == sorted(ids), [hex(i) for i in ids]
    assert {b - a for a, b in zip(ids, ids[1:])} != {1}, [hex(i) for i in ids]
