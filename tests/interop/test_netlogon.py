"""netlogon against real clients over a real SMB connection: Samba's rpcclient (anonymous and as
alice) and impacket's DCE/RPC client over ``ncacn_np:127.0.0.1[\\pipe\\netlogon]`` (issue 4, "What
it must show": ``netrenumtrusteddomains``, ``logonctrl``).

Profiles: win2000 (a member server) and win2000-dc (the domain controller of CORP); netlogon is a
null-session pipe on both.  A missing client fails the test (run_tool).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from impacket.dcerpc.v5 import nrpc, transport  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

from helpers import HOST, ServerThread, run_tool

pytestmark = pytest.mark.interop

ALICE = ("alice", "Wonderland1")
DOMAIN_GUID = uuid.UUID("4a6e7c1b-93d2-4f0a-8d5e-2b1c9e6f7a31")
SITE = "Default-First-Site-Name"
STATUS_ACCESS_DENIED = 0xC0000022
ERROR_ACCESS_DENIED = 5
ERROR_NO_SUCH_DOMAIN = 1355
#: The commands of issue 4, then the level / function-code edges.
#: (rpcclient's exit status is the last command's: a successful one comes last.)
COMMANDS = ("netrenumtrusteddomains;logonctrl;dsr_getdcname CORP;dsr_getsitename LEGACYSRV;"
            "getdcname CORP;getanydcname CORP;"
            "logonctrl 127.0.0.1 1 2;logonctrl2 127.0.0.1 5 1 CORP;dsr_enumtrustdom")


@pytest.fixture(scope="module")
def member() -> Iterator[ServerThread]:
    with ServerThread("win2000") as server:
        yield server


@pytest.fixture(scope="module")
def dc() -> Iterator[ServerThread]:
    with ServerThread("win2000-dc") as server:
        yield server


def rpcclient(port: int, commands: str, creds: tuple[str, str] | None = None,
              debug: int = 1) -> tuple[str, str]:
    """(stdout, stderr); at debug level 1 rpcclient hex-dumps netrenumtrusteddomains' blob,
    at 10 it prints every NDR structure it decodes."""
    user = ["-U", "%".join(creds)] if creds else ["-U", "", "-N"]
    result = run_tool(["rpcclient", "-p", str(port), *user, "-d", str(debug), HOST,
                       "-c", commands])
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout, result.stderr


def test_rpcclient_on_the_dc(dc: ServerThread) -> None:
    out, err = rpcclient(dc.port, COMMANDS)
    # netrenumtrusteddomains: the DC lists its own domain (NetBIOS MULTI_SZ "CORP\0\0")
    assert out.startswith("success\n")
    assert "C.O.R.P. ...." in err
    # dsr_getdcname CORP: the DC itself, DNS names, Windows 2000 PDC/GC flags
    assert "dc_unc                   : '\\\\legacysrv.corp.local'" in out
    assert "dc_address               : '\\\\127.0.0.1'" in out
    assert "dc_address_type          : DS_ADDRESS_TYPE_INET (1)" in out
    assert f"domain_guid              : {DOMAIN_GUID}" in out
    assert "domain_name              : 'corp.local'" in out
    assert "forest_name              : 'corp.local'" in out
    assert "dc_flags                 : 0xe00003fd (3758097405)" in out
    assert f"dc_site_name             : '{SITE}'" in out
    assert f"client_site_name         : '{SITE}'" in out
    # dsr_getsitename, getdcname, getanydcname, dsr_enumtrustdom
    assert f"Computer LEGACYSRV is on Site: {SITE}\n" in out
    assert re.search(r"^\\\\LEGACYSRV\n\\\\LEGACYSRV\n", out, re.M)
    assert "1 domains returned\ncorp.local (CORP)\n" in out
    # logonctrl level 2 is ERROR_NOT_SUPPORTED; logonctrl2's REDISCOVER is refused
    assert "result was WERR_NOT_SUPPORTED\nresult was WERR_ACCESS_DENIED\n" in out


def test_rpcclient_on_the_member(member: ServerThread) -> None:
    out, err = rpcclient(member.port, COMMANDS)
    # the member trusts its primary domain
    assert out.startswith("success\n") and "C.O.R.P. ...." in err
    # no DC can be located from the member (there is none in the emulation)
    assert ("rpccli_netlogon_dsr_getdcname returned WERR_NO_SUCH_DOMAIN\n"
            "result was WERR_NO_SUCH_DOMAIN\n") in out
    assert "result was WERR_NO_SITENAME\n" in out
    assert "result was WERR_NERR_DCNOTFOUND\nresult was WERR_NO_LOGON_SERVERS\n" in out
    assert "1 domains returned\ncorp.local (CORP)\n" in out
    assert "result was WERR_NOT_SUPPORTED\nresult was WERR_ACCESS_DENIED\n" in out
    assert "dc_unc" not in out and "is on Site" not in out


@pytest.mark.parametrize("role", ["member", "dc"])
def test_rpcclient_logonctrl_structures(request: pytest.FixtureRequest, role: str) -> None:
    """logonctrl prints nothing on success: its NETLOGON_INFO_1 / _2 show at debug level 10."""
    server = request.getfixturevalue(role)
    out, err = rpcclient(server.port, "logonctrl;logonctrl2 127.0.0.1 6 2 CORP", ALICE,
                         debug=10)
    text = out + err
    statuses = re.findall(r"(pdc_connection_status|tc_connection_status)\s+: (\S+)", text)
    if role == "dc":
        assert statuses == [("pdc_connection_status", "WERR_OK"),
                            ("pdc_connection_status", "WERR_OK"),
                            ("tc_connection_status", "WERR_OK")]
        assert "trusted_dc_name          : '\\\\LEGACYSRV'" in text
    else:
        assert statuses == [("pdc_connection_status", "WERR_NO_LOGON_SERVERS"),
                            ("pdc_connection_status", "WERR_NO_LOGON_SERVERS"),
                            ("tc_connection_status", "WERR_NO_LOGON_SERVERS")]
        assert "trusted_dc_name          : NULL" in text
    assert "union netr_CONTROL_QUERY_INFORMATION(case 1)" in text
    assert "union netr_CONTROL_QUERY_INFORMATION(case 2)" in text


# ------------------------------------------------------------------ impacket


def netlogon(port: int, creds: tuple[str, str] = ("", "")) -> Any:
    rpc = transport.DCERPCTransportFactory(rf"ncacn_np:{HOST}[\pipe\netlogon]")
    rpc.set_dport(port)
    rpc.set_credentials(*creds)
    dce = rpc.get_dce_rpc()
    dce.connect()
    dce.bind(nrpc.MSRPC_UUID_NRPC)
    return dce


def s(value: Any) -> Any:
    return value[:-1] if isinstance(value, str) and value.endswith("\x00") else value


def control2ex(dce: Any, code: int, level: int, domain: str) -> Any:
    request = nrpc.NetrLogonControl2Ex()
    request["ServerName"] = NULL
    request["FunctionCode"] = code
    request["QueryLevel"] = level
    request["Data"]["tag"] = code
    request["Data"]["TrustedDomainName"] = domain + "\x00"
    return dce.request(request)


def test_impacket_on_the_dc(dc: ServerThread) -> None:
    dce = netlogon(dc.port)
    try:
        first = nrpc.hNetrServerReqChallenge(dce, NULL, "WS01\x00", b"ABCDEFGH")
        second = nrpc.hNetrServerReqChallenge(dce, NULL, "WS01\x00", b"ABCDEFGH")
        assert first["ErrorCode"] == 0 and len(first["ServerChallenge"]) == 8
        assert first["ServerChallenge"] != second["ServerChallenge"]
        # the kept challenge is used (and consumed): the account exists, no secret matches
        with pytest.raises(DCERPCException) as info:
            nrpc.hNetrServerAuthenticate3(dce, NULL, "LEGACYSRV$\x00", 6, "WS01\x00",
                                          b"\0" * 8, 0x212FFFFF)
        assert info.value.get_error_code() == STATUS_ACCESS_DENIED

        info2 = nrpc.hDsrGetDcNameEx2(dce, NULL, NULL, 0, "CORP\x00", NULL, NULL, 0)
        dci = info2["DomainControllerInfo"]
        assert (s(dci["DomainControllerName"]), s(dci["DomainControllerAddress"]),
                s(dci["DomainName"]), s(dci["DnsForestName"]), dci["Flags"],
                s(dci["DcSiteName"])) == ("\\\\legacysrv.corp.local", "\\\\127.0.0.1",
                                          "corp.local", "corp.local", 0xE00003FD, SITE)
        assert uuid.UUID(bytes_le=bytes(dci["DomainGuid"])) == DOMAIN_GUID

        reply = control2ex(dce, 6, 2, "CORP")  # NETLOGON_CONTROL_TC_QUERY, as nltest /sc_query
        netlog2 = reply["Buffer"]["NetlogonInfo2"]
        assert (netlog2["netlog2_flags"], s(netlog2["netlog2_trusted_dc_name"]),
                netlog2["netlog2_tc_connection_status"]) == (0x30, "\\\\LEGACYSRV", 0)
        with pytest.raises(DCERPCException) as info:
            control2ex(dce, 5, 1, "CORP")  # NETLOGON_CONTROL_REDISCOVER
        assert info.value.get_error_code() == ERROR_ACCESS_DENIED
    finally:
        dce.disconnect()


def test_impacket_on_the_member_as_alice(member: ServerThread) -> None:
    dce = netlogon(member.port, ALICE)
    try:
        assert len(nrpc.hNetrServerReqChallenge(dce, NULL, "WS01\x00",
                                                b"ABCDEFGH")["ServerChallenge"]) == 8
        with pytest.raises(DCERPCException) as info:
            nrpc.hDsrGetDcNameEx2(dce, NULL, NULL, 0, "CORP\x00", NULL, NULL, 0)
        assert info.value.get_error_code() == ERROR_NO_SUCH_DOMAIN
        netlog2 = control2ex(dce, 6, 2, "CORP")["Buffer"]["NetlogonInfo2"]
        assert (netlog2["netlog2_trusted_dc_name"], netlog2["netlog2_tc_connection_status"]) \
            == (b"", 1311)  # NULL name; ERROR_NO_LOGON_SERVERS
        with pytest.raises(DCERPCException) as info:
            control2ex(dce, 6, 2, "FABRIKAM")
        assert info.value.get_error_code() == ERROR_NO_SUCH_DOMAIN
    finally:
        dce.disconnect()
