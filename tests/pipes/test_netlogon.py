"""netlogon (MS-NRPC) through the real RPC endpoint: every emulated opnum and level, on member
and DC profiles (win2000, win2000-dc, win2016, win2016-dc), the secure-channel refusals, the
faults — and NDR cross-checks against impacket's ``nrpc`` (the impacket client runs in memory
against the endpoint, see conftest.PipeTransport, and decodes smbemu's responses).
"""

from __future__ import annotations

import types
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from impacket.dcerpc.v5 import nrpc  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

H = types.SimpleNamespace
ERROR_ACCESS_DENIED = 5
ERROR_NOT_SUPPORTED = 50
ERROR_INVALID_PARAMETER = 87
ERROR_INVALID_LEVEL = 124
ERROR_INVALID_FLAGS = 1004
ERROR_NO_LOGON_SERVERS = 1311
ERROR_NO_SUCH_USER = 1317
ERROR_NO_SUCH_DOMAIN = 1355
ERROR_NO_SITENAME = 1919
NERR_DC_NOT_FOUND = 2453
STATUS_ACCESS_DENIED = 0xC0000022
STATUS_NO_TRUST_SAM_ACCOUNT = 0xC000018B
NCA_S_OP_RNG_ERROR = 0x1C010002
KINDS = ("anonymous", "guest", "user", "administrator")
MEMBERS = ("win2000", "win2016")
DCS = ("win2000-dc", "win2016-dc")
DOMAIN_GUID = uuid.UUID("4a6e7c1b-93d2-4f0a-8d5e-2b1c9e6f7a31")
DOMAIN_SID = "S-1-5-21-1004336348-1177238915-682003330"
SITE = "Default-First-Site-Name"
#: DOMAIN_CONTROLLER_INFOW Flags: PDC GC LDAP DS KDC TIMESERV CLOSEST WRITABLE GTIMESERV +
#: DNS_CONTROLLER DNS_DOMAIN DNS_FOREST; 2016 adds FULL_SECRET_DOMAIN_6 WS DS_8 DS_9 DS_10.
DC_FLAGS = {"win2000-dc": 0xE00003FD, "win2016-dc": 0xE001F3FD}

NETLOGON_CONTROL_QUERY = 1
NETLOGON_CONTROL_REDISCOVER = 5
NETLOGON_CONTROL_TC_QUERY = 6
NETLOGON_CONTROL_QUERY_DNS_REG = 12


def s(value: Any) -> Any:
    """impacket strings carry their NUL."""
    return value[:-1] if isinstance(value, str) and value.endswith("\x00") else value


def control(client: Any, opnum: int, level: int, code: int = NETLOGON_CONTROL_QUERY,
            data: Any = None) -> dict[str, Any]:
    values: dict[str, Any] = {"ServerName": "\\\\LEGACYSRV", "FunctionCode": code,
                              "QueryLevel": level}
    if opnum != 12:
        values["Data"] = data if data is not None else (code, None)
    return client.call(opnum, **values)


# ------------------------------------------------------------------ the opnum table


# issue 15 item 7: calls answered with Windows' status instead of nca_op_rng_error
@pytest.mark.parametrize("opnum,status", [(0, 5), (1, 5), (23, 5), (24, 5), (25, 5), (35, 1355),
                                          (41, 5), (43, 5)])
def test_calls_answer_a_status(pipe_client: Callable[..., Any], opnum: int, status: int) -> None:
    client = pipe_client("netlogon", "administrator", "win2016-dc")
    reply = client.op(opnum).decode_response(client.raw(opnum, bytes(64)))
    assert reply["ReturnValue"] == status


@pytest.mark.parametrize("profile,status", [("win2016-dc", 0), ("win2000", 50)])
def test_site_calls(pipe_client: Callable[..., Any], profile: str, status: int) -> None:
    client = pipe_client("netlogon", "user", profile)
    coverage = client.op(38).decode_response(client.raw(38, bytes(4)))
    assert coverage["ReturnValue"] == status
    if status == 0:
        assert coverage["SiteNames"] == {"EntryCount": 1,
                                         "SiteNames": ["Default-First-Site-Name"]}
    # NULL ComputerName, EntryCount 0: ERROR_INVALID_PARAMETER (MS-NRPC 3.5.4.3.6)
    empty = client.op(33).decode_response(client.raw(33, bytes(4) + bytes(4)))
    assert empty["ReturnValue"] == 87
    two = client.op(37).decode_response(client.raw(37, bytes(4) + (2).to_bytes(4, "little")))
    assert two["ReturnValue"] == status
    if status == 0:  # no subnet in the fixture: no address maps to a site
        assert [name or None for name in two["SiteNames"]["SiteNames"]] == [None, None]


def test_every_ms_nrpc_opnum_is_declared(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("netlogon")
    iface = client.interface
    assert (str(iface.uuid), iface.version) == ("12345678-1234-abcd-ef00-01234567cffb", (1, 0))
    assert sorted(iface.operations) == list(range(50))
    assert iface.secondary_address == "\\PIPE\\lsass"
    names = {op.name for op in iface.operations.values()}
    assert {"NetrServerReqChallenge", "NetrLogonControl2Ex", "DsrGetDcNameEx2",
            "NetrEnumerateTrustedDomainsEx", "NetrChainSetClientAttributes"} <= names


@pytest.mark.parametrize("opnum", [47, 50, 200])
def test_not_emulated_opnums_fault_op_rng_error(pipe_client: Callable[..., Any],
                                                opnum: int) -> None:
    assert pipe_client("netlogon").fault(opnum, bytes(64)) == NCA_S_OP_RNG_ERROR


# ------------------------------------------------------------------ NetrLogonControl*


@pytest.mark.parametrize("profile", MEMBERS + DCS)
@pytest.mark.parametrize("opnum,levels", [(12, (1,)), (14, (1, 2, 3)), (18, (1, 2, 3, 4))])
def test_logon_control_query_levels(pipe_client: Callable[..., Any], profile: str, opnum: int,
                                    levels: tuple[int, ...]) -> None:
    client = pipe_client("netlogon", "anonymous", profile)
    dc = profile.endswith("-dc")
    status = 0 if dc else ERROR_NO_LOGON_SERVERS
    dc_name = "\\\\LEGACYSRV" if dc else None
    expected = {
        1: {"netlog1_flags": 0, "netlog1_pdc_connection_status": status},
        2: {"netlog2_flags": 0x30 if dc else 0, "netlog2_pdc_connection_status": status,
            "netlog2_trusted_dc_name": dc_name, "netlog2_tc_connection_status": status},
        3: {"netlog3_flags": 0, "netlog3_logon_attempts": 0,
            **{f"netlog3_reserved{i}": 0 for i in range(1, 6)}},
        4: {"netlog4_trusted_dc_name": dc_name, "netlog4_trusted_domain_name": "CORP"},
    }
    for level in levels:
        reply = control(client, opnum, level)
        assert reply == {"Buffer": (level, expected[level]), "ReturnValue": 0}


@pytest.mark.parametrize("opnum,level,status", [
    (12, 2, ERROR_NOT_SUPPORTED), (12, 3, ERROR_INVALID_LEVEL), (12, 4, ERROR_INVALID_LEVEL),
    (12, 0, ERROR_INVALID_LEVEL), (14, 4, ERROR_INVALID_LEVEL), (14, 5, ERROR_INVALID_LEVEL),
    (18, 5, ERROR_INVALID_LEVEL), (18, 0, ERROR_INVALID_LEVEL)])
def test_logon_control_level_restrictions(pipe_client: Callable[..., Any], opnum: int,
                                          level: int, status: int) -> None:
    reply = control(pipe_client("netlogon", "administrator", "win2016-dc"), opnum, level)
    assert reply == {"Buffer": (level, None), "ReturnValue": status}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("code", [2, 3, 4, 5, 7, 9, 10, 11, 0xFFFC, 0xFFFD, 0xFFFE, 0xFFFF])
def test_control_function_codes_are_refused(pipe_client: Callable[..., Any], kind: str,
                                            code: int) -> None:
    client = pipe_client("netlogon", kind, "win2000-dc")
    data = (code, 3) if code == 0xFFFE else (code, "CORP") if code in (5, 7, 9, 10) else None
    admin = kind == "administrator"
    # NT 4 replication and its change log (2, 3, 4, BACKUP_CHANGE_LOG) and BREAKPOINT: an AD DC
    # does not do them, so the administrator allowed to ask gets ERROR_NOT_SUPPORTED; it may
    # TRUNCATE_LOG (success); everything else, and every other caller, is refused by the
    # read-only emulation (MS-NRPC 3.5.4.9.1, smbtorture's rpc.netlogon.admin).
    if code in (2, 3, 4, 0xFFFC, 0xFFFF) and admin:
        expected = ERROR_NOT_SUPPORTED
    elif code == 0xFFFD and admin:
        expected = 0
    else:
        expected = ERROR_ACCESS_DENIED
    reply = control(client, 18, 1, code, data)
    assert reply["ReturnValue"] == expected
    if expected:
        assert reply["Buffer"] == (1, None)
    else:  # TRUNCATE_LOG: the query information follows, as for NETLOGON_CONTROL_QUERY
        assert reply["Buffer"] == (1, {"netlog1_flags": 0, "netlog1_pdc_connection_status": 0})
    # NetrLogonControl has no Data: the codes that need it are not supported there
    needs_data = code in (5, 7, 9, 10, 11, 0xFFFE)
    assert control(client, 12, 1, code)["ReturnValue"] == \
        (ERROR_NOT_SUPPORTED if needs_data else expected)


def test_logon_control_as_smbtorture_expects(pipe_client: Callable[..., Any]) -> None:
    """smbtorture rpc.netlogon.admin's LogonControl (written against Windows), as the
    Administrator without a secure channel: every function code at levels 1-4."""
    client = pipe_client("netlogon", "administrator", "win2016-dc")
    codes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0xFFFC, 0xFFFD, 0xFFFE, 0xFFFF]
    for code in codes:
        for level in (1, 2, 3, 4):
            if level == 1:
                expected = 0 if code in (1, 0xFFFD) else ERROR_NOT_SUPPORTED
            else:
                expected = ERROR_NOT_SUPPORTED if level == 2 else ERROR_INVALID_LEVEL
            assert control(client, 12, level, code)["ReturnValue"] == expected, (code, level)
    assert control(client, 12, 52, 0xFFFF)["ReturnValue"] == ERROR_INVALID_LEVEL


def test_unknown_function_code_is_not_supported(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("netlogon", "administrator", "win2000-dc")
    assert control(client, 18, 1, 0x42)["ReturnValue"] == ERROR_NOT_SUPPORTED


@pytest.mark.parametrize("profile", MEMBERS + DCS)
def test_tc_query_reports_the_secure_channel(pipe_client: Callable[..., Any],
                                             profile: str) -> None:
    client = pipe_client("netlogon", "user", profile)
    dc = profile.endswith("-dc")
    for domain in ("CORP", "corp.local"):
        reply = control(client, 18, 2, NETLOGON_CONTROL_TC_QUERY,
                        (NETLOGON_CONTROL_TC_QUERY, domain))
        level, info = reply["Buffer"]
        assert reply["ReturnValue"] == 0 and level == 2
        assert info["netlog2_trusted_dc_name"] == ("\\\\LEGACYSRV" if dc else None)
        assert info["netlog2_tc_connection_status"] == (0 if dc else ERROR_NO_LOGON_SERVERS)
    reply = control(client, 18, 2, NETLOGON_CONTROL_TC_QUERY,
                    (NETLOGON_CONTROL_TC_QUERY, "FABRIKAM"))
    assert reply == {"Buffer": (2, None), "ReturnValue": ERROR_NO_SUCH_DOMAIN}
    reply = control(client, 18, 2, NETLOGON_CONTROL_TC_QUERY, (NETLOGON_CONTROL_TC_QUERY, None))
    assert reply["ReturnValue"] == ERROR_INVALID_PARAMETER


def test_query_dns_registration(pipe_client: Callable[..., Any]) -> None:
    dc = pipe_client("netlogon", "anonymous", "win2016-dc")
    reply = control(dc, 18, 1, NETLOGON_CONTROL_QUERY_DNS_REG)
    assert reply == {"Buffer": (1, {"netlog1_flags": 0, "netlog1_pdc_connection_status": 0}),
                     "ReturnValue": 0}
    assert control(dc, 18, 2, NETLOGON_CONTROL_QUERY_DNS_REG)["ReturnValue"] == \
        ERROR_INVALID_PARAMETER
    member = pipe_client("netlogon", "anonymous", "win2016")
    assert control(member, 18, 1, NETLOGON_CONTROL_QUERY_DNS_REG)["ReturnValue"] == \
        ERROR_NOT_SUPPORTED


# ------------------------------------------------------------------ NetrGetDCName / GetAnyDCName


@pytest.mark.parametrize("profile", DCS)
def test_dc_names_itself(pipe_client: Callable[..., Any], profile: str) -> None:
    client = pipe_client("netlogon", "anonymous", profile)
    for domain in (None, "CORP", "corp", "corp.local"):
        assert client.call(11, ServerName="\\\\LEGACYSRV", DomainName=domain) == \
            {"Buffer": "\\\\LEGACYSRV", "ReturnValue": 0}
        assert client.call(13, ServerName=None, DomainName=domain) == \
            {"Buffer": "\\\\LEGACYSRV", "ReturnValue": 0}
    assert client.call(11, ServerName="x", DomainName="FABRIKAM") == \
        {"Buffer": None, "ReturnValue": NERR_DC_NOT_FOUND}
    assert client.call(13, ServerName=None, DomainName="FABRIKAM") == \
        {"Buffer": None, "ReturnValue": ERROR_NO_SUCH_DOMAIN}


@pytest.mark.parametrize("profile", MEMBERS)
def test_member_has_no_dc_to_name(pipe_client: Callable[..., Any], profile: str) -> None:
    client = pipe_client("netlogon", "user", profile)
    assert client.call(11, ServerName="x", DomainName="CORP") == \
        {"Buffer": None, "ReturnValue": NERR_DC_NOT_FOUND}
    assert client.call(13, ServerName=None, DomainName="CORP") == \
        {"Buffer": None, "ReturnValue": ERROR_NO_LOGON_SERVERS}
    assert client.call(13, ServerName=None, DomainName="FABRIKAM") == \
        {"Buffer": None, "ReturnValue": ERROR_NO_SUCH_DOMAIN}


# ------------------------------------------------------------------ DsrGetDcName*


def get_dc(client: Any, opnum: int, domain: str | None = "CORP", flags: int = 0,
           **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"ComputerName": None, "DomainName": domain, "DomainGuid": None,
                              "Flags": flags}
    if opnum == 20:
        values["SiteGuid"] = None
    else:
        values["SiteName"] = extra.pop("SiteName", None)
    if opnum == 34:
        values["AccountName"] = extra.pop("AccountName", None)
        values["AllowableAccountControlBits"] = 0
    values.update(extra)
    return client.call(opnum, **values)


@pytest.mark.parametrize("profile", DCS)
@pytest.mark.parametrize("opnum", [20, 27, 34])
def test_dsr_get_dc_name_on_a_dc(pipe_client: Callable[..., Any], profile: str,
                                 opnum: int) -> None:
    client = pipe_client("netlogon", "anonymous", profile)
    expected = {
        "DomainControllerName": "\\\\legacysrv.corp.local",
        "DomainControllerAddress": "\\\\127.0.0.1", "DomainControllerAddressType": 1,
        "DomainGuid": DOMAIN_GUID, "DomainName": "corp.local", "DnsForestName": "corp.local",
        "Flags": DC_FLAGS[profile], "DcSiteName": SITE, "ClientSiteName": SITE}
    for domain, flags in ((None, 0), ("CORP", 0), ("corp.local", 0x40000000),
                          ("CORP", 0x00010000)):
        assert get_dc(client, opnum, domain, flags) == \
            {"DomainControllerInfo": expected, "ReturnValue": 0}
    flat = get_dc(client, opnum, "corp.local", 0x80000000)["DomainControllerInfo"]
    assert (flat["DomainControllerName"], flat["DomainName"], flat["DnsForestName"],
            flat["Flags"]) == ("\\\\LEGACYSRV", "CORP", "corp.local",
                               DC_FLAGS[profile] & 0x1FFFFFFF)
    by_guid = get_dc(client, opnum, "OLDNAME", 0, DomainGuid=DOMAIN_GUID)
    assert by_guid["ReturnValue"] == 0


@pytest.mark.parametrize("domain,flags,status", [
    ("FABRIKAM", 0, ERROR_NO_SUCH_DOMAIN),
    ("corp.local", 0x00010000, ERROR_NO_SUCH_DOMAIN),   # DS_IS_FLAT_NAME with a DNS name
    ("CORP", 0x00004000, ERROR_NO_SUCH_DOMAIN),         # DS_AVOID_SELF: no other DC
    ("CORP", 0xC0000000, ERROR_INVALID_FLAGS),          # DNS and flat names at once
    ("CORP", 0x00030000, ERROR_INVALID_FLAGS),
    ("CORP", 0x00000002, ERROR_INVALID_FLAGS)])
def test_dsr_get_dc_name_errors(pipe_client: Callable[..., Any], domain: str, flags: int,
                                status: int) -> None:
    client = pipe_client("netlogon", "anonymous", "win2000-dc")
    for opnum in (20, 27, 34):
        assert get_dc(client, opnum, domain, flags) == \
            {"DomainControllerInfo": None, "ReturnValue": status}


@pytest.mark.parametrize("flag,since", [(0x00040000, "win2016-dc"), (0x00800000, "win2016-dc"),
                                       (0x00001000, "win2000-dc"), (0x00000040, "win2000-dc")])
def test_dsr_get_dc_name_requirement_flags_per_release(pipe_client: Callable[..., Any],
                                                       flag: int, since: str) -> None:
    """Requirement bits a release does not know are ERROR_INVALID_FLAGS; known ones are met."""
    for profile in DCS:
        reply = get_dc(pipe_client("netlogon", "anonymous", profile), 34, "CORP", flag)
        known = DCS.index(profile) >= DCS.index(since)
        assert reply["ReturnValue"] == (0 if known else ERROR_INVALID_FLAGS)


def test_dsr_get_dc_name_ex2_account_and_site(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("netlogon", "anonymous", "win2016-dc")
    for account in ("LEGACYSRV$", "alice", "Administrator"):
        assert get_dc(client, 34, AccountName=account)["ReturnValue"] == 0
    assert get_dc(client, 34, AccountName="nobody") == \
        {"DomainControllerInfo": None, "ReturnValue": ERROR_NO_SUCH_USER}
    other = get_dc(client, 27, SiteName="Branch-Office")["DomainControllerInfo"]
    assert other["ClientSiteName"] == "Branch-Office"
    assert other["Flags"] == DC_FLAGS["win2016-dc"] & ~0x80
    assert get_dc(client, 27, SiteName=SITE.upper())["DomainControllerInfo"]["Flags"] == \
        DC_FLAGS["win2016-dc"]


@pytest.mark.parametrize("profile", MEMBERS + ("win2000|role=standalone",))
def test_dsr_get_dc_name_on_a_member(pipe_client: Callable[..., Any], pipes_h: H,
                                     profile: str) -> None:
    name, *overrides = profile.split("|")
    client = pipe_client("netlogon", "user", server=pipes_h.fresh_config(name, *overrides))
    for opnum in (20, 27, 34):
        assert get_dc(client, opnum) == {"DomainControllerInfo": None,
                                         "ReturnValue": ERROR_NO_SUCH_DOMAIN}


def test_dc_address_follows_the_session(pipe_client: Callable[..., Any], pipes_h: H) -> None:
    server = pipes_h.fresh_config("win2000-dc")
    session = pipes_h.add_session(server, "anonymous", address="127.0.0.9", session_id=0x1001)
    session.server_address = "127.0.0.5"  # the address the client's connection was accepted on
    client = pipe_client("netlogon", server=server)
    assert get_dc(client, 20)["DomainControllerInfo"]["DomainControllerAddress"] == \
        "\\\\127.0.0.5"
    session.server_address = "::1"
    assert get_dc(client, 20)["DomainControllerInfo"]["DomainControllerAddress"] == "\\\\::1"


# ------------------------------------------------------------------ DsrGetSiteName


@pytest.mark.parametrize("profile,site,status", [
    ("win2000", None, ERROR_NO_SITENAME), ("win2016", None, ERROR_NO_SITENAME),
    ("win2000-dc", SITE, 0), ("win2016-dc", SITE, 0)])
def test_dsr_get_site_name(pipe_client: Callable[..., Any], profile: str, site: str | None,
                           status: int) -> None:
    client = pipe_client("netlogon", "anonymous", profile)
    assert client.call(28, ComputerName="LEGACYSRV") == {"SiteName": site, "ReturnValue": status}


# ------------------------------------------------------------------ trusts


def trust(flags: int) -> dict[str, Any]:
    return {"NetbiosDomainName": "CORP", "DnsDomainName": "corp.local", "Flags": flags,
            "ParentIndex": 0, "TrustType": 2, "TrustAttributes": 0, "DomainSid": DOMAIN_SID,
            "DomainGuid": DOMAIN_GUID}


#: IN_FOREST | TREE_ROOT | PRIMARY, + DIRECT_OUTBOUND on a member, + NATIVE_MODE from 2008.
TRUST_FLAGS = {"win2000": 0x0F, "win2016": 0x1F, "win2000-dc": 0x0D, "win2016-dc": 0x1D}


@pytest.mark.parametrize("profile", MEMBERS + DCS)
def test_trusted_domains(pipe_client: Callable[..., Any], profile: str) -> None:
    client = pipe_client("netlogon", "anonymous", profile)
    blob = "CORP\0\0".encode("utf-16-le")
    assert client.call(19, ServerName=None) == {
        "DomainNameBuffer": {"DomainNameByteCount": len(blob), "DomainNames": blob},
        "ReturnValue": 0}
    expected = {"DomainCount": 1, "Domains": [trust(TRUST_FLAGS[profile])]}
    assert client.call(36, ServerName=None) == {"Domains": expected, "ReturnValue": 0}
    assert client.call(40, ServerName=None, Flags=0x01) == {"Domains": expected,
                                                           "ReturnValue": 0}
    inbound = client.call(40, ServerName=None, Flags=0x20)
    assert inbound == {"Domains": {"DomainCount": 0, "Domains": []}, "ReturnValue": 0}
    for bad in (0, 0x40):
        assert client.call(40, ServerName=None, Flags=bad)["ReturnValue"] == ERROR_INVALID_FLAGS


def test_standalone_server_trusts_nothing(pipe_client: Callable[..., Any], pipes_h: H) -> None:
    client = pipe_client("netlogon", server=pipes_h.fresh_config("win2000", "role=standalone"))
    assert client.call(19, ServerName=None)["DomainNameBuffer"] == \
        {"DomainNameByteCount": 2, "DomainNames": b"\0\0"}
    assert client.call(36, ServerName=None)["Domains"] == {"DomainCount": 0, "Domains": []}
    assert client.call(13, ServerName=None, DomainName="CORP")["ReturnValue"] == \
        ERROR_NO_SUCH_DOMAIN


# ------------------------------------------------------------------ the secure channel

_AUTH = {"PrimaryName": None, "SecureChannelType": 6, "ComputerName": "LEGACYSRV",
         "ClientCredential": bytes(8)}


@pytest.mark.parametrize("profile", ("win2000", "win2016-dc"))
def test_req_challenge_is_random_and_kept_per_association(pipe_client: Callable[..., Any],
                                                          pipes_h: H, profile: str) -> None:
    server = pipes_h.fresh_config(profile)
    client = pipe_client("netlogon", server=server)
    first = client.call(4, PrimaryName=None, ComputerName="WS01", ClientChallenge=b"12345678")
    second = client.call(4, PrimaryName=None, ComputerName="WS01", ClientChallenge=b"12345678")
    assert first["ReturnValue"] == second["ReturnValue"] == 0
    assert len(first["ServerChallenge"]) == 8 and first["ServerChallenge"] != \
        second["ServerChallenge"]
    table = server.cache["netlogon.challenges"]
    assert list(table.values()) == [second["ServerChallenge"]]


@pytest.mark.parametrize("opnum,extra", [(5, {}), (15, {"NegotiateFlags": 0x212FFFFF}),
                                         (26, {"NegotiateFlags": 0x212FFFFF})])
def test_authenticate_never_succeeds(pipe_client: Callable[..., Any], opnum: int,
                                     extra: dict[str, Any]) -> None:
    dc = pipe_client("netlogon", "anonymous", "win2016-dc")
    # no challenge on this association
    reply = dc.call(opnum, AccountName="LEGACYSRV$", **_AUTH, **extra)
    assert reply["ReturnValue"] == STATUS_ACCESS_DENIED and reply["ServerCredential"] == bytes(8)
    # the DC's own machine account exists, but no credential can be verified
    dc.call(4, PrimaryName=None, ComputerName="LEGACYSRV", ClientChallenge=bytes(8))
    assert dc.call(opnum, AccountName="LEGACYSRV$", **_AUTH, **extra)["ReturnValue"] == \
        STATUS_ACCESS_DENIED
    # a user account is not a trust account
    dc.call(4, PrimaryName=None, ComputerName="LEGACYSRV", ClientChallenge=bytes(8))
    assert dc.call(opnum, AccountName="alice", **_AUTH, **extra)["ReturnValue"] == \
        STATUS_NO_TRUST_SAM_ACCOUNT
    # the challenge was consumed by the attempt
    assert dc.call(opnum, AccountName="alice", **_AUTH, **extra)["ReturnValue"] == \
        STATUS_ACCESS_DENIED
    # a member's local SAM holds no trust account at all
    member = pipe_client("netlogon", "anonymous", "win2000")
    member.call(4, PrimaryName=None, ComputerName="LEGACYSRV", ClientChallenge=bytes(8))
    assert member.call(opnum, AccountName="LEGACYSRV$", **_AUTH, **extra)["ReturnValue"] == \
        STATUS_NO_TRUST_SAM_ACCOUNT


def test_challenge_is_not_shared_between_associations(pipe_client: Callable[..., Any],
                                                      pipes_h: H) -> None:
    server = pipes_h.fresh_config("win2016-dc")
    one = pipe_client("netlogon", server=server)
    two = pipe_client("netlogon", server=server)
    one.call(4, PrimaryName=None, ComputerName="LEGACYSRV", ClientChallenge=bytes(8))
    assert two.call(26, AccountName="alice", NegotiateFlags=0, **_AUTH)["ReturnValue"] == \
        STATUS_ACCESS_DENIED
    assert one.call(26, AccountName="alice", NegotiateFlags=0, **_AUTH)["ReturnValue"] == \
        STATUS_NO_TRUST_SAM_ACCOUNT


@pytest.mark.parametrize("opnum", [6, 30, 31, 42])
def test_secure_channel_calls_are_access_denied(pipe_client: Callable[..., Any],
                                                opnum: int) -> None:
    client = pipe_client("netlogon", "administrator", "win2016-dc")
    reply = client.op(opnum).decode_response(client.raw(opnum, bytes(600)))
    assert reply["ReturnValue"] == STATUS_ACCESS_DENIED
    assert reply["ReturnAuthenticator"] == {"Credential": bytes(8), "Timestamp": 0}


def test_get_capabilities_is_access_denied(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("netlogon", "anonymous", "win2016-dc")
    auth = {"Credential": bytes(8), "Timestamp": 0}
    reply = client.call(21, ServerName="\\\\LEGACYSRV", ComputerName="WS01",
                        Authenticator=auth, ReturnAuthenticator=auth, QueryLevel=1)
    assert reply == {"ReturnAuthenticator": auth, "ServerCapabilities": (1, 0),
                     "ReturnValue": STATUS_ACCESS_DENIED}


# ------------------------------------------------------------------ impacket cross-checks


def test_impacket_decodes_the_dc_answers(pipes_h: H) -> None:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2016-dc"), "netlogon", "anonymous")
    reply = nrpc.hNetrServerReqChallenge(dce, NULL, "WS01\x00", b"ABCDEFGH")
    assert len(reply["ServerChallenge"]) == 8 and reply["ErrorCode"] == 0

    reply = nrpc.hDsrGetDcNameEx2(dce, NULL, NULL, 0, "CORP\x00", NULL, NULL, 0)
    info = reply["DomainControllerInfo"]
    assert s(info["DomainControllerName"]) == "\\\\legacysrv.corp.local"
    assert s(info["DomainControllerAddress"]) == "\\\\127.0.0.1"
    assert info["DomainControllerAddressType"] == 1
    assert uuid.UUID(bytes_le=bytes(info["DomainGuid"])) == DOMAIN_GUID
    assert (s(info["DomainName"]), s(info["DnsForestName"])) == ("corp.local", "corp.local")
    assert info["Flags"] == DC_FLAGS["win2016-dc"]
    assert (s(info["DcSiteName"]), s(info["ClientSiteName"])) == (SITE, SITE)

    # (impacket's NETLOGON_CONTROL_DATA_INFORMATION has no empty arm for NETLOGON_CONTROL_QUERY:
    # TC_QUERY with a domain, what nltest /sc_query sends)
    request = nrpc.NetrLogonControl2Ex()
    request["ServerName"] = NULL
    request["FunctionCode"] = NETLOGON_CONTROL_TC_QUERY
    request["QueryLevel"] = 2
    request["Data"]["tag"] = NETLOGON_CONTROL_TC_QUERY
    request["Data"]["TrustedDomainName"] = "CORP\x00"
    reply = dce.request(request)
    info2 = reply["Buffer"]["NetlogonInfo2"]
    assert reply["Buffer"]["tag"] == 2 and reply["ErrorCode"] == 0
    assert (info2["netlog2_flags"], s(info2["netlog2_trusted_dc_name"]),
            info2["netlog2_tc_connection_status"]) == (0x30, "\\\\LEGACYSRV", 0)

    assert s(nrpc.hNetrGetDCName(dce, "\\\\LEGACYSRV\x00", "CORP\x00")["Buffer"]) == \
        "\\\\LEGACYSRV"
    assert s(nrpc.hNetrGetAnyDCName(dce, NULL, "CORP\x00")["Buffer"]) == "\\\\LEGACYSRV"
    assert s(nrpc.hDsrGetSiteName(dce, NULL)["SiteName"]) == SITE

    reply = dce.request(nrpc.NetrEnumerateTrustedDomainsEx())
    (domain,) = reply["Domains"]["Domains"]
    assert reply["Domains"]["DomainCount"] == 1
    assert (s(domain["NetbiosDomainName"]), s(domain["DnsDomainName"]), domain["Flags"],
            domain["TrustType"]) == ("CORP", "corp.local", 0x1D, 2)
    assert domain["DomainSid"].formatCanonical() == DOMAIN_SID
    reply = dce.request(nrpc.NetrEnumerateTrustedDomains())
    assert b"".join(reply["DomainNameBuffer"]["DomainNames"]) == "CORP\0\0".encode("utf-16-le")


def test_impacket_sees_the_refusals(pipes_h: H) -> None:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2000"), "netlogon", "anonymous")
    for call, code in (
            (lambda: nrpc.hDsrGetDcNameEx2(dce, NULL, NULL, 0, "CORP\x00", NULL, NULL, 0),
             ERROR_NO_SUCH_DOMAIN),
            (lambda: nrpc.hDsrGetSiteName(dce, NULL), ERROR_NO_SITENAME),
            (lambda: nrpc.hNetrServerAuthenticate3(dce, NULL, "LEGACYSRV$\x00", 6,
                                                   "LEGACYSRV\x00", b"\0" * 8, 0x212FFFFF),
             STATUS_ACCESS_DENIED)):
        with pytest.raises(DCERPCException) as info:
            call()
        assert info.value.get_error_code() == code

    request = nrpc.NetrLogonControl2Ex()
    request["ServerName"] = NULL
    request["FunctionCode"] = NETLOGON_CONTROL_REDISCOVER
    request["QueryLevel"] = 1
    request["Data"]["tag"] = NETLOGON_CONTROL_REDISCOVER
    request["Data"]["TrustedDomainName"] = "CORP\x00"
    with pytest.raises(DCERPCException) as info:
        dce.request(request)
    assert info.value.get_error_code() == ERROR_ACCESS_DENIED


def test_impacket_zerologon_style_attempts_are_refused(pipes_h: H) -> None:
    """What a CVE-2020-1472 checker does: challenge + zero credential, repeatedly."""
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2016-dc"), "netlogon", "anonymous")
    for _ in range(5):
        nrpc.hNetrServerReqChallenge(dce, NULL, "LEGACYSRV\x00", b"\0" * 8)
        with pytest.raises(DCERPCException) as info:
            nrpc.hNetrServerAuthenticate3(dce, "\\\\LEGACYSRV\x00", "LEGACYSRV$\x00",
                                          nrpc.NETLOGON_SECURE_CHANNEL_TYPE.ServerSecureChannel,
                                          "LEGACYSRV\x00", b"\0" * 8, 0x212FFFFF)
        assert info.value.get_error_code() == STATUS_ACCESS_DENIED


def test_a_dc_lists_the_trusts_an_administrator_created(pipe_client: Callable[..., Any], pipes_h: H) -> None:
    """Netlogon lists a DC's trusted domain objects (MS-NRPC 3.5.4.7.1): `nltest /domain_trusts`
    and NetExec's trust enumeration see a trust created through LsarCreateTrustedDomainEx2 at
    once, with its direction as DIRECT_INBOUND / DIRECT_OUTBOUND."""
    server = pipes_h.fresh_config("win2016-dc")
    server.directory = server.directory.copy()
    server.directory.set_lsa_policy({"trusted_domains": {
        "partner": {"name": "partner.example", "flat": "PARTNER", "sid": "S-1-5-21-1-2-3",
                    "direction": 3, "type": 2, "attributes": 0x4},
        "legacy": {"name": "LEGACY", "flat": "LEGACY", "sid": "S-1-5-21-4-5-6",
                   "direction": 2, "type": 1, "attributes": 0}}})
    client = pipe_client("netlogon", "anonymous", server=server)
    both = client.call(40, ServerName=None, Flags=0x3F)["Domains"]
    by_name = {d["NetbiosDomainName"]: d for d in both["Domains"]}
    assert set(by_name) == {"CORP", "PARTNER", "LEGACY"}
    assert by_name["PARTNER"] == {"NetbiosDomainName": "PARTNER", "DnsDomainName": "partner.example",
                                  "Flags": 0x22, "ParentIndex": 0, "TrustType": 2, "TrustAttributes": 4,
                                  "DomainSid": "S-1-5-21-1-2-3", "DomainGuid": uuid.UUID(int=0)}
    assert by_name["LEGACY"]["Flags"] == 0x02 and by_name["LEGACY"]["DnsDomainName"] is None
    inbound = client.call(40, ServerName=None, Flags=0x20)["Domains"]
    assert [d["NetbiosDomainName"] for d in inbound["Domains"]] == ["PARTNER"]
    blob = "CORP\0PARTNER\0LEGACY\0\0".encode("utf-16-le")
    assert client.call(19, ServerName=None)["DomainNameBuffer"]["DomainNames"] == blob
