"""lsarpc (MS-LSAD / MS-LSAT) through the real RPC endpoint: every emulated opnum and policy
class, handle misuse, access masks, mapped-count statuses, the role rule (member: local SAM
under the machine SID; DC: the domain) — and NDR cross-checks against impacket's lsad / lsat
(requests impacket encodes decode in smbemu, responses smbemu encodes decode in impacket; the
impacket client runs in memory against the endpoint, see conftest.PipeTransport).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, Final

import pytest
from impacket.dcerpc.v5 import lsad, lsat  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import MAXIMUM_ALLOWED  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

from smbemu.policy import Decision, policy_for
from smbemu.rpc.endpoint import RpcEndpoint
from smbemu.principal import ANONYMOUS
from smbemu.rpc.interface import make_context_factory
from tests.pipes.conftest import CallFault
from helpers import corp_rid
from smbemu.rpc.pdu import (
    NDR20,
    PFC_FIRST_FRAG,
    PFC_LAST_FRAG,
    Bind,
    BindAck,
    ContextElement,
    Pdu,
    SyntaxId,
    encode_pdu,
    parse_pdu,
)

H = types.SimpleNamespace
KINDS = ("anonymous", "guest", "user", "administrator")
MACHINE = "S-1-5-21-2446098351-2891839154-3815493722"
DOMAIN = "S-1-5-21-1004336348-1177238915-682003330"
GUID = "4a6e7c1b-93d2-4f0a-8d5e-2b1c9e6f7a31"
# alice's RID: the member's local SAM numbers from 1000, the DC keeps the fixture's domain RID
ALICE, ALICE_DC = corp_rid("alice"), corp_rid("alice", "dc")

SUCCESS, MORE_ENTRIES, SOME_NOT_MAPPED = 0, 0x105, 0x107
NO_MORE_ENTRIES = 0x8000001A
INVALID_HANDLE, INVALID_PARAMETER, ACCESS_DENIED = 0xC0000008, 0xC000000D, 0xC0000022
CONTEXT_MISMATCH = 0x1C00001A  # nca_s_fault_context_mismatch (MS-RPCE 2.2.2.11)
OBJECT_NAME_NOT_FOUND, NO_SUCH_PRIVILEGE, NONE_MAPPED = 0xC0000034, 0xC0000060, 0xC0000073
NCA_S_OP_RNG_ERROR, FAULT_ACCESS_DENIED, RPC_X_INVALID_BOUND = 0x1C010002, 0x5, 0x6C6
LOOKUP_NAMES, VIEW_LOCAL, VIEW_AUDIT, GET_PRIVATE = 0x800, 0x1, 0x2, 0x4
MAX_ALLOWED, GENERIC_ALL, GENERIC_READ = 0x02000000, 0x10000000, 0x80000000
USER, GROUP, DOMAIN_TYPE, ALIAS, WKG, UNKNOWN = 1, 2, 3, 4, 5, 8


def s(value: Any) -> Any:
    """impacket strings carry their NUL."""
    return value[:-1] if isinstance(value, str) and value.endswith("\x00") else value


def open_policy(client: Any, access: int = MAX_ALLOWED, opnum: int = 44) -> dict[str, Any]:
    return client.call(opnum, DesiredAccess=access)


def handle(client: Any, access: int = MAX_ALLOWED) -> bytes:
    reply = open_policy(client, access)
    assert reply["ReturnValue"] == SUCCESS, hex(reply["ReturnValue"])
    return bytes(reply["PolicyHandle"])


def query(client: Any, h: bytes, info_class: int, opnum: int = 46) -> dict[str, Any]:
    return client.call(opnum, PolicyHandle=h, InformationClass=info_class)


def lookup_sids(client: Any, h: bytes, sids: list[str], opnum: int = 15,
                level: int = 1) -> dict[str, Any]:
    return client.call(opnum, PolicyHandle=h,
                       SidEnumBuffer={"Entries": len(sids), "SidInfo": [{"Sid": x} for x in sids]},
                       TranslatedNames={"Entries": 0, "Names": None}, LookupLevel=level,
                       MappedCount=0)


def lookup_names(client: Any, h: bytes, names: list[str], opnum: int = 14,
                 level: int = 1) -> dict[str, Any]:
    return client.call(opnum, PolicyHandle=h, Count=len(names), Names=names,
                       TranslatedSids={"Entries": 0, "Sids": None}, LookupLevel=level,
                       MappedCount=0)


def names_of(reply: dict[str, Any]) -> list[tuple[str, str, int]]:
    """(domain\\name as rpcclient prints it, use) of a LookupSids reply."""
    domains = reply["ReferencedDomains"]["Domains"] or []
    out = []
    for n in reply["TranslatedNames"]["Names"]:
        domain = domains[n["DomainIndex"]]["Name"] if n["DomainIndex"] >= 0 else "*"
        out.append((domain, n["Name"], n["Use"]))
    return out


# ------------------------------------------------------------------ the opnum table


def test_every_opnum_is_declared_with_impacket_names(pipe_client: Callable[..., Any]) -> None:
    iface = pipe_client("lsarpc").interface
    assert str(iface.uuid) == "12345778-1234-abcd-ef00-0123456789ab" and iface.version == (0, 0)
    assert sorted(iface.operations) == list(range(82))
    for table in (lsad.OPNUMS, lsat.OPNUMS):
        for opnum, (req, _) in table.items():
            assert iface.operations[opnum].name == req.__name__, opnum


@pytest.mark.parametrize("opnum", [5, 9, 21, 56, 60, 69, 75, 81, 82, 200])
def test_unused_and_not_emulated_opnums_fault(pipe_client: Callable[..., Any], opnum: int) -> None:
    assert pipe_client("lsarpc").fault(opnum) == NCA_S_OP_RNG_ERROR


def _bind_ack(server: Any, syntax: SyntaxId) -> BindAck:
    endpoint = RpcEndpoint("lsarpc", server.pipes, make_context_factory(
        ANONYMOUS, 1, server))
    endpoint.write(encode_pdu(Pdu(Bind(4280, 4280, 0, (ContextElement(0, syntax, (NDR20,)),)),
                                  1, PFC_FIRST_FRAG | PFC_LAST_FRAG)))
    msg, _ = endpoint.read(1 << 16)
    ack = parse_pdu(msg).body
    assert isinstance(ack, BindAck)
    return ack


def test_bind_ack_names_the_lsass_pipe(pipes_h: H) -> None:
    """Windows answers a bind on \\PIPE\\lsarpc with the secondary address \\PIPE\\lsass."""
    ack = _bind_ack(pipes_h.fresh_config("win2000"),
                    SyntaxId.of("12345778-1234-abcd-ef00-0123456789ab", 0, 0))
    assert ack.secondary_address == "\\PIPE\\lsass" and ack.results[0].result == 0


# ------------------------------------------------------------------ open / close, access masks


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("opnum", [6, 44])
def test_open_policy_maximum_allowed(pipe_client: Callable[..., Any], kind: str,
                                     opnum: int) -> None:
    client = pipe_client("lsarpc", kind)
    reply = open_policy(client, MAX_ALLOWED, opnum)
    assert reply["ReturnValue"] == SUCCESS and reply["PolicyHandle"] != bytes(20)
    h = bytes(reply["PolicyHandle"])
    # Everyone holds POLICY_EXECUTE (view local, lookup names); audit needs administrators
    assert query(client, h, 3)["ReturnValue"] == SUCCESS
    assert lookup_names(client, h, ["Administrator"])["ReturnValue"] == SUCCESS
    assert query(client, h, 2)["ReturnValue"] == (SUCCESS if kind == "administrator"
                                                  else ACCESS_DENIED)


@pytest.mark.parametrize("kind,access,status", [
    ("anonymous", VIEW_AUDIT, ACCESS_DENIED), ("user", GET_PRIVATE, ACCESS_DENIED),
    ("user", GENERIC_READ, ACCESS_DENIED), ("user", GENERIC_ALL, ACCESS_DENIED),
    ("guest", 0x01000000, ACCESS_DENIED), ("administrator", GENERIC_ALL, SUCCESS),
    ("administrator", 0x01000000 | MAX_ALLOWED, SUCCESS), ("anonymous", LOOKUP_NAMES, SUCCESS),
    ("user", 0x20000000, SUCCESS), ("anonymous", 0, SUCCESS)])
def test_open_policy_checks_the_requested_mask(pipe_client: Callable[..., Any], kind: str,
                                               access: int, status: int) -> None:
    reply = open_policy(pipe_client("lsarpc", kind), access)
    assert reply["ReturnValue"] == status
    if status:
        assert reply["PolicyHandle"] == bytes(20)


def test_handle_carries_only_the_granted_rights(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("lsarpc", "administrator")
    lookup_only = handle(client, LOOKUP_NAMES)
    assert query(client, lookup_only, 3)["ReturnValue"] == ACCESS_DENIED
    assert lookup_sids(client, lookup_only, [MACHINE + "-500"])["ReturnValue"] == SUCCESS
    view_only = handle(client, VIEW_LOCAL)
    assert query(client, view_only, 5)["ReturnValue"] == SUCCESS
    assert lookup_sids(client, view_only, [MACHINE + "-500"])["ReturnValue"] == ACCESS_DENIED
    assert lookup_names(client, view_only, ["alice"])["ReturnValue"] == ACCESS_DENIED
    assert query(client, view_only, 4)["ReturnValue"] == ACCESS_DENIED
    nothing = handle(client, 0)
    assert query(client, nothing, 3)["ReturnValue"] == ACCESS_DENIED


def test_handle_rights_follow_the_policy_dacl(pipes_h: H, pipe_client: Callable[..., Any],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The caller's rights on the policy object come from the policy's DACL model: an
    anonymous caller holding only the XP/2003 ANONYMOUS LOGON ACE (0x801) gets a handle that
    looks up and views local information, nothing more."""
    server = pipes_h.fresh_config("win2000")
    policy = policy_for(server)
    monkeypatch.setattr(policy, "lsa_granted", lambda principal: VIEW_LOCAL | LOOKUP_NAMES)
    monkeypatch.setattr(policy, "decide", lambda *a, **k: Decision(0, "allow"))
    client = pipe_client("lsarpc", "anonymous", server=server)
    assert open_policy(client, 0x20000)["ReturnValue"] == ACCESS_DENIED  # READ_CONTROL
    assert open_policy(client, 0x20000000)["ReturnValue"] == ACCESS_DENIED  # GENERIC_EXECUTE
    h = handle(client)
    assert query(client, h, 5)["ReturnValue"] == SUCCESS
    assert lookup_sids(client, h, [MACHINE + "-500"])["ReturnValue"] == SUCCESS
    assert query(client, h, 4)["ReturnValue"] == ACCESS_DENIED


def test_open_policy_asks_the_policy_with_the_mask(pipes_h: H, pipe_client: Callable[..., Any],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    server = pipes_h.fresh_config("win2000")
    policy = policy_for(server)
    asked: list[tuple[str, str, int | None, int | None]] = []

    def decide(principal: Any, interface: str, operation: str, level: int | None = None, *,
               access: int | None = None) -> Decision:
        asked.append((interface, operation, level, access))
        if operation in ("LsarOpenPolicy2", "LsarLookupSids", "LsarGetUserName"):
            return Decision(ACCESS_DENIED, "test")
        if operation == "LsarQueryInformationPolicy2" and level == 5:
            return Decision(ACCESS_DENIED, "test")
        return Decision(0, "allow")

    monkeypatch.setattr(policy, "decide", decide)
    client = pipe_client("lsarpc", "anonymous", server=server)
    reply = open_policy(client, MAX_ALLOWED | LOOKUP_NAMES)
    assert reply["ReturnValue"] == ACCESS_DENIED and reply["PolicyHandle"] == bytes(20)
    assert ("lsarpc", "LsarOpenPolicy2", None, MAX_ALLOWED | LOOKUP_NAMES) in asked
    h = bytes(open_policy(client, opnum=6)["PolicyHandle"])
    assert query(client, h, 3, opnum=7)["ReturnValue"] == SUCCESS
    assert query(client, h, 5)["ReturnValue"] == ACCESS_DENIED
    assert query(client, h, 5, opnum=7)["ReturnValue"] == SUCCESS
    assert lookup_sids(client, h, [MACHINE + "-500"])["ReturnValue"] == ACCESS_DENIED
    assert lookup_names(client, h, ["alice"])["ReturnValue"] == SUCCESS
    assert client.call(45, SystemName=None, UserName=None, DomainName=None)["ReturnValue"] \
        == ACCESS_DENIED


def test_close_and_stale_handles(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("lsarpc", "user")
    h = handle(client)
    closed = client.call(0, ObjectHandle=h)
    assert closed == {"ObjectHandle": bytes(20), "ReturnValue": SUCCESS}
    # a closed, NULL or unknown handle never reaches the LSA: the RPC runtime's fault
    # nca_s_fault_context_mismatch (MS-RPCE 2.2.4.15 strict_context_handle; issue 15 bug 1)
    mismatch = [lambda c=client: c.call(0, ObjectHandle=h),
                lambda c=client: query(c, h, 3),
                lambda c=client: lookup_sids(c, h, [MACHINE + "-500"]),
                lambda c=client: lookup_names(c, bytes(20), ["alice"]),
                lambda c=client: query(c, b"\x00" * 4 + b"\x42" * 16, 3)]
    # a handle of another association is not valid here
    other = pipe_client("lsarpc", "user")
    mine = handle(client)
    mismatch.append(lambda: query(other, mine, 3))
    for call in mismatch:
        with pytest.raises(CallFault) as fault:
            call()
        assert fault.value.status == CONTEXT_MISMATCH


# ------------------------------------------------------------------ policy information


def test_query_information_member(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("lsarpc", "administrator")
    h = handle(client)
    for opnum in (7, 46):
        assert query(client, h, 3, opnum)["PolicyInformation"] == (
            3, {"Name": "CORP", "Sid": DOMAIN})
        assert query(client, h, 5, opnum)["PolicyInformation"] == (
            5, {"DomainName": "LEGACYSRV", "DomainSid": MACHINE})
    dns = query(client, h, 12)["PolicyInformation"][1]
    assert dns["Name"] == "CORP" and dns["DnsDomainName"] == "corp.local"
    assert dns["DnsForestName"] == "corp.local" and str(dns["DomainGuid"]) == GUID
    assert dns["Sid"] == DOMAIN
    assert query(client, h, 13)["PolicyInformation"] == (13, dns)
    assert query(client, h, 6)["PolicyInformation"] == (6, {"LsaServerRole": 3})
    assert query(client, h, 2)["PolicyInformation"] == (2, {
        "AuditingMode": 0, "EventAuditingOptions": [0] * 9, "MaximumAuditEventCount": 9})
    assert query(client, h, 4)["PolicyInformation"] == (4, {"Name": ""})
    assert query(client, h, 7)["PolicyInformation"] == (
        7, {"ReplicaSource": "", "ReplicaAccountName": ""})
    assert query(client, h, 14)["PolicyInformation"] == (
        14, {"DomainName": "LEGACYSRV", "DomainSid": MACHINE})
    assert query(client, h, 1)["PolicyInformation"][1]["MaximumLogSize"] == 512 * 1024
    # PolicyDefaultQuotaInformation answers (Samba's rpc.lsa, written against Windows, requires it)
    assert query(client, h, 8)["PolicyInformation"] == (8, {
        "PagedPoolLimit": 0, "NonPagedPoolLimit": 0, "MinimumWorkingSetSize": 0,
        "MaximumWorkingSetSize": 0, "PagefileLimit": 0, "TimeLimit": 0})
    for bad in (0, 9, 10, 11, 15, 100):
        reply = query(client, h, bad)
        assert reply == {"PolicyInformation": None, "ReturnValue": INVALID_PARAMETER}, bad


def test_query_information_dc_and_standalone(pipe_client: Callable[..., Any],
                                             pipes_h: H) -> None:
    dc = pipe_client("lsarpc", "anonymous", profile="win2000-dc")
    h = handle(dc)
    assert query(dc, h, 5)["PolicyInformation"] == (5, {"DomainName": "CORP",
                                                         "DomainSid": DOMAIN})
    assert query(dc, h, 3)["PolicyInformation"] == (3, {"Name": "CORP", "Sid": DOMAIN})
    standalone = pipe_client("lsarpc", "anonymous",
                             server=pipes_h.fresh_config("win2000", "role=standalone"))
    h = handle(standalone)
    assert query(standalone, h, 3)["PolicyInformation"] == (3, {"Name": "WORKGROUP",
                                                                 "Sid": None})
    dns = query(standalone, h, 12)["PolicyInformation"][1]
    assert (dns["Name"], dns["DnsDomainName"], dns["Sid"]) == ("WORKGROUP", "", None)
    assert query(standalone, h, 5)["PolicyInformation"] == (
        5, {"DomainName": "LEGACYSRV", "DomainSid": MACHINE})


# ------------------------------------------------------------------ translation


def test_lookup_sids_member_role_rule(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("lsarpc", "anonymous")
    h = handle(client)
    sids = [MACHINE + "-500", f"{MACHINE}-{ALICE}", MACHINE + "-513", DOMAIN + "-512",
            "S-1-1-0", "S-1-5-7", "S-1-5-11", "S-1-5-32-544", "S-1-5-32", MACHINE, "S-1-5-18"]
    reply = lookup_sids(client, h, sids)
    assert reply["ReturnValue"] == SUCCESS and reply["MappedCount"] == len(sids)
    assert names_of(reply) == [
        ("LEGACYSRV", "Administrator", USER), ("LEGACYSRV", "alice", USER),
        ("LEGACYSRV", "None", GROUP), ("CORP", "Domain Admins", GROUP), ("", "Everyone", WKG),
        ("NT AUTHORITY", "ANONYMOUS LOGON", WKG), ("NT AUTHORITY", "Authenticated Users", WKG),
        ("BUILTIN", "Administrators", ALIAS), ("BUILTIN", "BUILTIN", DOMAIN_TYPE),
        ("LEGACYSRV", "LEGACYSRV", DOMAIN_TYPE), ("NT AUTHORITY", "SYSTEM", WKG)]
    domains = reply["ReferencedDomains"]
    assert domains["MaxEntries"] == 32 and domains["Entries"] == 5
    assert [(d["Name"], d["Sid"]) for d in domains["Domains"]] == [
        ("LEGACYSRV", MACHINE), ("CORP", DOMAIN), ("", "S-1-1"), ("NT AUTHORITY", "S-1-5"),
        ("BUILTIN", "S-1-5-32")]


def test_lookup_sids_dc_role_rule(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("lsarpc", "anonymous", profile="win2000-dc")
    reply = lookup_sids(client, handle(client), [DOMAIN + "-500", DOMAIN + "-502",
                                                 DOMAIN + "-512", f"{DOMAIN}-{ALICE_DC}"])
    assert names_of(reply) == [("CORP", "Administrator", USER), ("CORP", "krbtgt", USER),
                               ("CORP", "Domain Admins", GROUP), ("CORP", "alice", USER)]


def test_lookup_sids_mapped_counts(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("lsarpc", "anonymous")
    h = handle(client)
    some = lookup_sids(client, h, [MACHINE + "-500", MACHINE + "-999", "S-1-5-21-1-2-3-4"])
    assert some["ReturnValue"] == SOME_NOT_MAPPED and some["MappedCount"] == 1
    assert names_of(some) == [("LEGACYSRV", "Administrator", USER),
                              ("LEGACYSRV", "000003E7", UNKNOWN),
                              ("*", "S-1-5-21-1-2-3-4", UNKNOWN)]
    none = lookup_sids(client, h, [MACHINE + "-999", MACHINE + "-9999"])
    assert none["ReturnValue"] == NONE_MAPPED and none["MappedCount"] == 0
    assert none["TranslatedNames"]["Entries"] == 2
    for opnum in (15, 57):
        # No SIDs is a valid (empty) LSAPR_SID_ENUM_BUFFER (MS-LSAT 2.2.18): nothing to map, and
        # a success (nmap's smb-enum-groups looks up the members of empty groups too).
        empty = lookup_sids(client, h, [], opnum)
        assert (empty["ReturnValue"], empty["MappedCount"], empty["TranslatedNames"]["Entries"]) == (0, 0, 0)
        assert lookup_sids(client, h, ["S-1-1-0"], opnum, level=0)["ReturnValue"] == \
            INVALID_PARAMETER
    assert client.fault(15, h) == 0x6F7  # a truncated stub: nca_s_fault_ndr
    two = lookup_sids(client, h, [MACHINE + "-500", f"{MACHINE}-{ALICE}"], opnum=57)
    assert [(n["Name"], n["Flags"]) for n in two["TranslatedNames"]["Names"]] == [
        ("Administrator", 0), ("alice", 0)]


def test_lookup_names_every_version(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("lsarpc", "anonymous")
    h = handle(client)
    names = ["Administrator", "LEGACYSRV\\alice", "Everyone", "NT AUTHORITY\\ANONYMOUS LOGON",
             "Authenticated Users", "BUILTIN\\Administrators", "Domain Admins", "CORP",
             "nosuch"]
    one = lookup_names(client, h, names)
    assert one["ReturnValue"] == SOME_NOT_MAPPED and one["MappedCount"] == 8
    domains = [(d["Name"], d["Sid"]) for d in one["ReferencedDomains"]["Domains"]]
    got = [(s_["Use"], s_["RelativeId"], domains[s_["DomainIndex"]] if s_["DomainIndex"] >= 0
            else None) for s_ in one["TranslatedSids"]["Sids"]]
    assert got == [(USER, 500, ("LEGACYSRV", MACHINE)), (USER, ALICE, ("LEGACYSRV", MACHINE)),
                   (WKG, 0, ("", "S-1-1")), (WKG, 7, ("NT AUTHORITY", "S-1-5")),
                   (WKG, 11, ("NT AUTHORITY", "S-1-5")), (ALIAS, 544, ("BUILTIN", "S-1-5-32")),
                   (GROUP, 512, ("CORP", DOMAIN)), (DOMAIN_TYPE, 0xFFFFFFFF, ("CORP", DOMAIN)),
                   (UNKNOWN, 0, None)]
    two = lookup_names(client, h, ["alice", "nosuch"], opnum=58)
    assert [(x["Use"], x["RelativeId"], x["Flags"]) for x in two["TranslatedSids"]["Sids"]] == \
        [(USER, ALICE, 0), (UNKNOWN, 0, 0)]
    three = lookup_names(client, h, ["alice", "Everyone", "nosuch"], opnum=68)
    assert [(x["Use"], x["Sid"]) for x in three["TranslatedSids"]["Sids"]] == [
        (USER, f"{MACHINE}-{ALICE}"), (WKG, "S-1-1-0"), (UNKNOWN, "S-0-0")]
    assert three["ReturnValue"] == SOME_NOT_MAPPED and three["MappedCount"] == 2
    none = lookup_names(client, h, ["nosuch", "CORP\\alice"], opnum=68)
    assert none["ReturnValue"] == NONE_MAPPED and none["MappedCount"] == 0
    assert lookup_names(client, h, ["alice"])["ReturnValue"] == SUCCESS
    assert lookup_names(client, h, [])["ReturnValue"] == INVALID_PARAMETER
    assert lookup_names(client, h, ["alice"], level=9)["ReturnValue"] == INVALID_PARAMETER
    dc = pipe_client("lsarpc", "anonymous", profile="win2000-dc")
    reply = lookup_names(dc, handle(dc), ["Administrator", "CORP\\alice"], opnum=68)
    assert [x["Sid"] for x in reply["TranslatedSids"]["Sids"]] == [DOMAIN + "-500",
                                                                   f"{DOMAIN}-{ALICE_DC}"]


def test_lookup_count_range_and_secure_channel_only_calls(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("lsarpc", "anonymous")
    h = handle(client)
    op = client.op(14)
    stub = bytearray(op.encode_request({
        "PolicyHandle": h, "Count": 1, "Names": ["alice"],
        "TranslatedSids": {"Entries": 0, "Sids": None}, "LookupLevel": 1, "MappedCount": 0}))
    stub[20:24] = (1001).to_bytes(4, "little")
    assert client.fault(14, bytes(stub)) == RPC_X_INVALID_BOUND
    for opnum, values in ((76, {"SidEnumBuffer": {"Entries": 1, "SidInfo": [{"Sid": "S-1-1-0"}]},
                                "TranslatedNames": {"Entries": 0, "Names": None}}),
                          (77, {"Count": 1, "Names": ["alice"],
                                "TranslatedSids": {"Entries": 0, "Sids": None}})):
        full = {"LookupLevel": 1, "MappedCount": 0, "LookupOptions": 0, "ClientRevision": 2,
                **values}
        assert client.fault(opnum, client.op(opnum).encode_request(full)) == FAULT_ACCESS_DENIED


def test_rid_cycling_lists_exactly_the_fixture(pipe_client: Callable[..., Any]) -> None:
    """lookupsid.py's loop over RIDs 500-1200 in batches, against the member's SAM."""
    client = pipe_client("lsarpc", "anonymous")
    h = handle(client, MAX_ALLOWED | LOOKUP_NAMES)
    account = client.server.directory.account_domain
    expected = {a.rid: (a.name, USER if a in account.users else
                        GROUP if a in account.groups else ALIAS)
                for a in (*account.users, *account.groups, *account.aliases)
                if 500 <= a.rid <= 1200}
    found = {}
    for start in range(500, 1201, 100):
        reply = lookup_sids(client, h, [f"{MACHINE}-{r}" for r in range(start, start + 100)])
        assert reply["ReturnValue"] in (SUCCESS, SOME_NOT_MAPPED, NONE_MAPPED)
        for n, item in enumerate(reply["TranslatedNames"]["Names"]):
            if item["Use"] != UNKNOWN:
                domain = reply["ReferencedDomains"]["Domains"][item["DomainIndex"]]["Name"]
                assert domain == "LEGACYSRV"
                found[start + n] = (item["Name"], item["Use"])
    assert found == expected and found[500] == ("Administrator", USER)
    assert found[ALICE] == ("alice", USER) and found[513] == ("None", GROUP)


# ------------------------------------------------------------------ GetUserName


@pytest.mark.parametrize("kind,expected", [
    ("anonymous", ("ANONYMOUS LOGON", "NT AUTHORITY")), ("guest", ("Guest", "LEGACYSRV")),
    ("user", ("alice", "LEGACYSRV")), ("administrator", ("Administrator", "LEGACYSRV"))])
def test_get_user_name(pipe_client: Callable[..., Any], kind: str,
                       expected: tuple[str, str]) -> None:
    client = pipe_client("lsarpc", kind)
    reply = client.call(45, SystemName=None, UserName=None, DomainName=0)
    assert (reply["UserName"], reply["DomainName"]) == expected
    assert reply["ReturnValue"] == SUCCESS
    no_domain = client.call(45, SystemName="\\\\LEGACYSRV", UserName=None, DomainName=None)
    assert (no_domain["UserName"], no_domain["DomainName"]) == (expected[0], None)


def test_get_user_name_on_a_dc(pipe_client: Callable[..., Any]) -> None:
    reply = pipe_client("lsarpc", "user", profile="win2000-dc").call(
        45, SystemName=None, UserName=None, DomainName=0)
    assert (reply["UserName"], reply["DomainName"]) == ("alice", "CORP")


# ------------------------------------------------------------------ accounts, rights, privileges

MEMBER_ACCOUNTS = ["S-1-1-0", "S-1-5-32-544", "S-1-5-32-545", "S-1-5-32-547", "S-1-5-32-551"]
DC_ACCOUNTS = ["S-1-1-0", "S-1-5-9", "S-1-5-11", "S-1-5-32-544", "S-1-5-32-548", "S-1-5-32-549",
               "S-1-5-32-550", "S-1-5-32-551", "S-1-5-32-554"]


def enum_accounts(client: Any, h: bytes, context: int = 0, size: int = 0xFFFFFFFF) -> Any:
    return client.call(11, PolicyHandle=h, EnumerationContext=context,
                       PreferedMaximumLength=size)


@pytest.mark.parametrize("profile,expected", [("win2000", MEMBER_ACCOUNTS),
                                              ("win2000-dc", DC_ACCOUNTS)])
def test_enumerate_accounts(pipe_client: Callable[..., Any], profile: str,
                            expected: list[str]) -> None:
    client = pipe_client("lsarpc", "anonymous", profile=profile)
    h = handle(client)
    reply = enum_accounts(client, h)
    assert reply["ReturnValue"] == SUCCESS
    assert [i["Sid"] for i in reply["EnumerationBuffer"]["Information"]] == expected
    assert reply["EnumerationContext"] == len(expected)
    done = enum_accounts(client, h, len(expected))
    assert done["ReturnValue"] == NO_MORE_ENTRIES
    assert done["EnumerationBuffer"] == {"EntriesRead": 0, "Information": None}
    # paging: one entry at a time with a tiny buffer
    got, context = [], 0
    while True:
        page = enum_accounts(client, h, context, 1)
        if page["ReturnValue"] == NO_MORE_ENTRIES:
            break
        assert page["ReturnValue"] == SUCCESS  # never STATUS_MORE_ENTRIES (rpc.lsa.privileges)
        assert page["EnumerationBuffer"]["EntriesRead"] == 1
        got += [i["Sid"] for i in page["EnumerationBuffer"]["Information"]]
        context = page["EnumerationContext"]
    assert got == expected
    assert enum_accounts(client, handle(client, LOOKUP_NAMES))["ReturnValue"] == ACCESS_DENIED


def test_account_rights(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("lsarpc", "administrator")
    h = handle(client)

    def rights(sid: str) -> Any:
        return client.call(36, PolicyHandle=h, AccountSid=sid)

    admins = rights("S-1-5-32-544")
    assert admins["ReturnValue"] == SUCCESS
    assert {"SeBackupPrivilege", "SeDebugPrivilege", "SeNetworkLogonRight"} <= \
        set(admins["UserRights"]["UserRights"])
    assert rights("S-1-1-0")["UserRights"]["UserRights"] == ["SeNetworkLogonRight",
                                                              "SeChangeNotifyPrivilege"]
    missing = rights(f"{MACHINE}-{ALICE}")
    assert missing == {"UserRights": {"Entries": 0, "UserRights": None},
                       "ReturnValue": OBJECT_NAME_NOT_FOUND}
    with_right = client.call(35, PolicyHandle=h, UserRight="SeBackupPrivilege")
    assert [i["Sid"] for i in with_right["EnumerationBuffer"]["Information"]] == [
        "S-1-5-32-544", "S-1-5-32-551"]
    assert client.call(35, PolicyHandle=h, UserRight="SeTcbPrivilege")["ReturnValue"] == \
        NO_MORE_ENTRIES
    assert client.call(35, PolicyHandle=h, UserRight="SeNoSuch")["ReturnValue"] == \
        NO_SUCH_PRIVILEGE


def test_privileges(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("lsarpc", "anonymous")
    h = handle(client)
    value = client.call(31, PolicyHandle=h, Name="sebackupprivilege")
    assert value == {"Value": {"LowPart": 17, "HighPart": 0}, "ReturnValue": SUCCESS}
    assert client.call(31, PolicyHandle=h, Name="SeNoSuch")["ReturnValue"] == NO_SUCH_PRIVILEGE
    name = client.call(32, PolicyHandle=h, Value={"LowPart": 20, "HighPart": 0})
    assert name == {"Name": "SeDebugPrivilege", "ReturnValue": SUCCESS}
    assert client.call(32, PolicyHandle=h, Value={"LowPart": 28, "HighPart": 0})[
        "ReturnValue"] == NO_SUCH_PRIVILEGE  # SeManageVolumePrivilege: XP and later
    display = client.call(33, PolicyHandle=h, Name="SeShutdownPrivilege", ClientLanguage=0,
                          ClientSystemDefaultLanguage=0)
    assert display == {"DisplayName": "Shut down the system", "LanguageReturned": 0x409,
                       "ReturnValue": SUCCESS}
    privs = client.call(2, PolicyHandle=h, EnumerationContext=0, PreferedMaximumLength=0x1000)
    entries = privs["EnumerationBuffer"]["Privileges"]
    assert privs["ReturnValue"] == SUCCESS and len(entries) == 28
    assert (entries[0]["Name"], entries[0]["LocalValue"]["LowPart"]) == (
        "SeCreateTokenPrivilege", 2)
    page = client.call(2, PolicyHandle=h, EnumerationContext=5, PreferedMaximumLength=100)
    # a partial page, still STATUS_SUCCESS (Samba's rpc.lsa.privileges, written against Windows)
    assert page["ReturnValue"] == SUCCESS and 5 < page["EnumerationContext"] < 28
    assert client.call(2, PolicyHandle=h, EnumerationContext=28,
                       PreferedMaximumLength=100)["ReturnValue"] == NO_MORE_ENTRIES
    modern = pipe_client("lsarpc", "administrator", profile="win2016")
    h2 = handle(modern)
    assert modern.call(31, PolicyHandle=h2, Name="SeManageVolumePrivilege")["Value"][
        "LowPart"] == 28
    assert client.call(31, PolicyHandle=handle(client, VIEW_LOCAL),
                       Name="SeBackupPrivilege")["ReturnValue"] == ACCESS_DENIED


def test_account_objects(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("lsarpc", "user")
    h = handle(client)
    opened = client.call(17, PolicyHandle=h, AccountSid="S-1-5-32-551", DesiredAccess=MAX_ALLOWED)
    assert opened["ReturnValue"] == SUCCESS
    account = bytes(opened["AccountHandle"])
    privs = client.call(18, AccountHandle=account)
    assert privs["ReturnValue"] == SUCCESS
    assert [p["Luid"]["LowPart"] for p in privs["Privileges"]["Privilege"]] == [23, 17, 18, 19]
    access = client.call(23, AccountHandle=account)
    assert access == {"SystemAccess": 0x3, "ReturnValue": SUCCESS}  # interactive | network
    # the account handle is not a policy handle, and the reverse
    assert query(client, account, 3)["ReturnValue"] == INVALID_HANDLE
    assert client.call(18, AccountHandle=h)["ReturnValue"] == INVALID_HANDLE
    # a user may not open an account object for writing; nobody may change it here
    assert client.call(17, PolicyHandle=h, AccountSid="S-1-5-32-551",
                       DesiredAccess=0x2)["ReturnValue"] == ACCESS_DENIED
    assert client.call(17, PolicyHandle=h, AccountSid=f"{MACHINE}-{ALICE}",
                       DesiredAccess=MAX_ALLOWED)["ReturnValue"] == OBJECT_NAME_NOT_FOUND
    op = client.op(24)
    assert op.decode_response(client.raw(24, account + bytes(4)))["ReturnValue"] == \
        ACCESS_DENIED
    assert client.call(0, ObjectHandle=account)["ReturnValue"] == SUCCESS
    assert client.call(23, AccountHandle=account)["ReturnValue"] == INVALID_HANDLE


def test_trusted_domains_none(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("lsarpc", "anonymous")
    h = handle(client)
    for opnum in (13, 50):
        reply = client.call(opnum, PolicyHandle=h, EnumerationContext=0,
                            PreferedMaximumLength=0xFFFFFFFF)
        assert reply["ReturnValue"] == NO_MORE_ENTRIES
        assert reply["EnumerationBuffer"]["EntriesRead"] == 0


# (the account and secret writes -- 10, 16, 19, 20, 24, 29, 37, 38, 42, and 34 on an account or
# secret handle -- are test_lsarpc_writes.py's; the trusted domain objects test_lsarpc_trusts.py's)
def test_the_policy_object_is_not_deleted(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("lsarpc", "administrator")
    h = handle(client, GENERIC_ALL)
    op = client.op(34)
    reply = op.decode_response(client.raw(34, h + bytes(64)))
    assert reply["ReturnValue"] == ACCESS_DENIED
    stale = b"\x00" * 4 + b"\x17" * 16 + bytes(64)
    assert client.fault(34, stale) == CONTEXT_MISMATCH


#: A change of a trust that does not exist: STATUS_NO_SUCH_DOMAIN by SID and for the forest
#: trust, OBJECT_NAME_NOT_FOUND by name (MS-LSAD 3.1.4.7.3, .6, .14, .17); a policy handle given
#: to 27 (a trusted-domain handle's call) is STATUS_INVALID_HANDLE.
_ABSENT: Final = {
    40: (0xC00000DF, {"TrustedDomainSid": "S-1-5-21-1-2-3", "InformationClass": 3,
                      "TrustedDomainInformation": (3, {"Offset": 0})}),
    41: (0xC00000DF, {"TrustedDomainSid": "S-1-5-21-1-2-3"}),
    49: (OBJECT_NAME_NOT_FOUND, {"TrustedDomainName": "nowhere", "InformationClass": 3,
                                 "TrustedDomainInformation": (3, {"Offset": 0})}),
    74: (0xC00000DF, {"TrustedDomainName": "nowhere.example", "HighestRecordType": 2,
                      "ForestTrustInfo": {"RecordCount": 0, "Entries": None}, "CheckOnly": 0}),
    27: (INVALID_HANDLE, {"InformationClass": 3, "TrustedDomainInformation": (3, {"Offset": 0})}),
}


@pytest.mark.parametrize("opnum", sorted(_ABSENT))
def test_changes_of_absent_trusts(pipe_client: Callable[..., Any], opnum: int) -> None:
    status, values = _ABSENT[opnum]
    client = pipe_client("lsarpc", "administrator", "win2016-dc")
    h = handle(client, MAX_ALLOWED)
    first = "TrustedDomainHandle" if opnum == 27 else "PolicyHandle"
    assert client.call(opnum, **{first: h}, **values)["ReturnValue"] == status
    op = client.op(opnum)
    stale = op.encode_request({**{n: t.default() for n, t in op.request}, first: b"\x00" * 4 + b"\x17" * 16,
                               **values})
    assert client.fault(opnum, stale) == CONTEXT_MISMATCH
    if opnum != 27:  # a user may change no trust
        user = pipe_client("lsarpc", "user", "win2016-dc")
        mine = handle(user, MAX_ALLOWED)
        assert user.call(opnum, PolicyHandle=mine, **values)["ReturnValue"] == ACCESS_DENIED


# ------------------------------------------------------------------ impacket cross-checks


@pytest.fixture
def dce(pipes_h: H) -> Any:
    return pipes_h.impacket_dce(pipes_h.fresh_config("win2000"), "lsarpc", "anonymous")


def test_impacket_open_query_close(dce: Any) -> None:
    for opener in (lsad.hLsarOpenPolicy2, lsad.hLsarOpenPolicy):
        h = opener(dce, MAXIMUM_ALLOWED | lsat.POLICY_LOOKUP_NAMES)["PolicyHandle"]
        cls = lsad.POLICY_INFORMATION_CLASS
        acct = lsad.hLsarQueryInformationPolicy2(dce, h, cls.PolicyAccountDomainInformation)
        info = acct["PolicyInformation"]["PolicyAccountDomainInfo"]
        assert s(info["DomainName"]) == "LEGACYSRV"
        assert info["DomainSid"].formatCanonical() == MACHINE
        primary = lsad.hLsarQueryInformationPolicy(dce, h, cls.PolicyPrimaryDomainInformation)
        info = primary["PolicyInformation"]["PolicyPrimaryDomainInfo"]
        assert s(info["Name"]) == "CORP" and info["Sid"].formatCanonical() == DOMAIN
        dns = lsad.hLsarQueryInformationPolicy2(dce, h, cls.PolicyDnsDomainInformation)
        info = dns["PolicyInformation"]["PolicyDnsDomainInfo"]
        assert s(info["DnsDomainName"]) == "corp.local" and s(info["DnsForestName"]) == \
            "corp.local"
        role = lsad.hLsarQueryInformationPolicy2(dce, h, cls.PolicyLsaServerRoleInformation)
        assert role["PolicyInformation"]["PolicyServerRoleInfo"]["LsaServerRole"] == 3
        with pytest.raises(DCERPCException) as err:
            lsad.hLsarQueryInformationPolicy2(dce, h, cls.PolicyAuditEventsInformation)
        assert "STATUS_ACCESS_DENIED" in str(err.value)
        closed = lsad.hLsarClose(dce, h)
        assert bytes(closed["ObjectHandle"]) == bytes(20)
        with pytest.raises(DCERPCException) as err:
            lsad.hLsarClose(dce, h)
        assert "context_mismatch" in str(err.value).lower()


def test_impacket_audit_events_as_administrator(pipes_h: H) -> None:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2000"), "lsarpc", "administrator")
    h = lsad.hLsarOpenPolicy2(dce)["PolicyHandle"]
    resp = lsad.hLsarQueryInformationPolicy2(
        dce, h, lsad.POLICY_INFORMATION_CLASS.PolicyAuditEventsInformation)
    info = resp["PolicyInformation"]["PolicyAuditEventsInfo"]
    assert info["AuditingMode"] == 0 and info["MaximumAuditEventCount"] == 9
    assert [x["Data"] for x in info["EventAuditingOptions"]] == [0] * 9


def _lengths(value: Any) -> tuple[int, int]:
    """(Length, MaximumLength) of an RPC_UNICODE_STRING as impacket decoded it from the wire."""
    return value.fields["Length"], value.fields["MaximumLength"]


def test_domain_names_carry_their_nul_room(pipes_h: H) -> None:
    """RPC_UNICODE_STRING MaximumLength = Length + 2 in the policy's domain names and the
    referenced domains of a lookup, as Windows sends them (ndr.unicode_string_nul_room, issue
    13); an empty name (the S-1-1 authority's) stays 0 / 0."""
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2016-dc"), "lsarpc", "administrator")
    h = lsad.hLsarOpenPolicy2(dce, MAXIMUM_ALLOWED | lsat.POLICY_LOOKUP_NAMES)["PolicyHandle"]
    C = lsad.POLICY_INFORMATION_CLASS
    primary = lsad.hLsarQueryInformationPolicy2(dce, h, C.PolicyPrimaryDomainInformation)[
        "PolicyInformation"]["PolicyPrimaryDomainInfo"]
    assert _lengths(primary.fields["Name"]) == (8, 10)  # CORP
    account = lsad.hLsarQueryInformationPolicy2(dce, h, C.PolicyAccountDomainInformation)[
        "PolicyInformation"]["PolicyAccountDomainInfo"]
    assert _lengths(account.fields["DomainName"]) == (8, 10)
    dns = lsad.hLsarQueryInformationPolicy2(dce, h, C.PolicyDnsDomainInformation)[
        "PolicyInformation"]["PolicyDnsDomainInfo"]
    assert _lengths(dns.fields["Name"]) == (8, 10)
    assert _lengths(dns.fields["DnsDomainName"]) == _lengths(dns.fields["DnsForestName"]) == (20, 22)  # corp.local
    resp = lsat.hLsarLookupSids(dce, h, [DOMAIN + "-500", "S-1-1-0"], lsat.LSAP_LOOKUP_LEVEL.LsapLookupWksta)
    domains = resp["ReferencedDomains"]["Domains"]
    assert [_lengths(d.fields["Name"]) for d in domains] == [(8, 10), (0, 0)]


def test_impacket_lookups(dce: Any) -> None:
    h = lsad.hLsarOpenPolicy2(dce, MAXIMUM_ALLOWED | lsat.POLICY_LOOKUP_NAMES)["PolicyHandle"]
    for helper in (lsat.hLsarLookupSids, lsat.hLsarLookupSids2):
        resp = helper(dce, h, [MACHINE + "-500", "S-1-5-32-544"],
                      lsat.LSAP_LOOKUP_LEVEL.LsapLookupWksta)
        domains = resp["ReferencedDomains"]["Domains"]
        got = [(s(domains[n["DomainIndex"]]["Name"]), s(n["Name"]), n["Use"])
               for n in resp["TranslatedNames"]["Names"]]
        assert got == [("LEGACYSRV", "Administrator", USER), ("BUILTIN", "Administrators", ALIAS)]
        assert resp["MappedCount"] == 2
        with pytest.raises(DCERPCException) as err:
            helper(dce, h, [MACHINE + "-500", MACHINE + "-999"])
        assert "STATUS_SOME_NOT_MAPPED" in str(err.value)
        partial = err.value.get_packet()
        assert partial["MappedCount"] == 1 and partial["TranslatedNames"]["Entries"] == 2
        with pytest.raises(DCERPCException) as err:
            helper(dce, h, [MACHINE + "-999"])
        assert "STATUS_NONE_MAPPED" in str(err.value)
    one = lsat.hLsarLookupNames(dce, h, ["Administrator", "Everyone"])
    assert [(x["Use"], x["RelativeId"]) for x in one["TranslatedSids"]["Sids"]] == [
        (USER, 500), (WKG, 0)]
    two = lsat.hLsarLookupNames2(dce, h, ["alice"])
    assert two["TranslatedSids"]["Sids"][0]["RelativeId"] == ALICE
    three = lsat.hLsarLookupNames3(dce, h, ["alice", "BUILTIN\\Users"])
    assert [x["Sid"].formatCanonical() for x in three["TranslatedSids"]["Sids"]] == [
        f"{MACHINE}-{ALICE}", "S-1-5-32-545"]
    with pytest.raises(DCERPCException) as err:
        lsat.hLsarLookupNames3(dce, h, ["nosuch"])
    assert "STATUS_NONE_MAPPED" in str(err.value)
    user = lsat.hLsarGetUserName(dce)
    assert s(user["UserName"]) == "ANONYMOUS LOGON"
    with pytest.raises(DCERPCException) as err:
        lsat.hLsarLookupSids3(dce, ["S-1-1-0"]) if hasattr(lsat, "hLsarLookupSids3") else \
            lsat.hLsarLookupNames4(dce, ["alice"])
    assert "rpc_s_access_denied" in str(err.value) or "0x5" in str(err.value)


def test_impacket_accounts_and_privileges(pipes_h: H) -> None:
    server = pipes_h.fresh_config("win2000-dc")
    server.directory = server.directory.copy()  # the account created below stays in this test
    dce = pipes_h.impacket_dce(server, "lsarpc", "administrator")
    h = lsad.hLsarOpenPolicy2(dce)["PolicyHandle"]
    accts = lsad.hLsarEnumerateAccounts(dce, h)
    assert [i["Sid"].formatCanonical() for i in accts["EnumerationBuffer"]["Information"]] == \
        DC_ACCOUNTS
    rights = lsad.hLsarEnumerateAccountRights(dce, h, "S-1-5-11")
    assert [s(r["Data"]) for r in rights["UserRights"]["UserRights"]] == [
        "SeNetworkLogonRight", "SeChangeNotifyPrivilege", "SeMachineAccountPrivilege"]
    who = lsad.hLsarEnumerateAccountsWithUserRight(dce, h, "SeMachineAccountPrivilege")
    assert [i["Sid"].formatCanonical() for i in who["EnumerationBuffer"]["Information"]] == \
        ["S-1-5-11"]
    value = lsad.hLsarLookupPrivilegeValue(dce, h, "SeTcbPrivilege")
    assert value["Value"]["LowPart"] == 7
    name = lsad.hLsarLookupPrivilegeName(dce, h, value["Value"])
    assert s(name["Name"]) == "SeTcbPrivilege"
    privs = lsad.hLsarEnumeratePrivileges(dce, h)
    assert len(privs["EnumerationBuffer"]["Privileges"]) == 28
    account = lsad.hLsarOpenAccount(dce, h, "S-1-5-32-544")["AccountHandle"]
    held = lsad.hLsarEnumeratePrivilegesAccount(dce, account)["Privileges"]
    assert held["PrivilegeCount"] == 18 and held["Privilege"][0]["Luid"]["LowPart"] == 23
    assert lsad.hLsarGetSystemAccessAccount(dce, account)["SystemAccess"] == 0x3
    lsad.hLsarClose(dce, account)
    with pytest.raises(DCERPCException) as err:
        lsad.hLsarEnumerateTrustedDomainsEx(dce, h)
    assert "STATUS_NO_MORE_ENTRIES" in str(err.value)
    lsad.hLsarCreateAccount(dce, h, "S-1-5-21-1-2-3-4")  # an administrator may (test_lsarpc_writes)
    with pytest.raises(DCERPCException) as err:
        lsad.hLsarCreateAccount(dce, h, "S-1-5-21-1-2-3-4")
    assert "STATUS_OBJECT_NAME_COLLISION" in str(err.value)


def test_impacket_lookupsid_style_rid_cycling_on_a_dc(pipes_h: H) -> None:
    """What impacket's lookupsid.py does, as the DC sees it."""
    server = pipes_h.fresh_config("win2000-dc")
    dce = pipes_h.impacket_dce(server, "lsarpc", "anonymous")
    h = lsad.hLsarOpenPolicy2(dce, MAXIMUM_ALLOWED | lsat.POLICY_LOOKUP_NAMES)["PolicyHandle"]
    resp = lsad.hLsarQueryInformationPolicy2(
        dce, h, lsad.POLICY_INFORMATION_CLASS.PolicyAccountDomainInformation)
    domain_sid = resp["PolicyInformation"]["PolicyAccountDomainInfo"]["DomainSid"] \
        .formatCanonical()
    assert domain_sid == DOMAIN
    found = {}
    for start in range(500, 1201, 250):
        sids = [f"{domain_sid}-{r}" for r in range(start, min(start + 250, 1201))]
        try:
            resp = lsat.hLsarLookupSids(dce, h, sids, lsat.LSAP_LOOKUP_LEVEL.LsapLookupWksta)
        except DCERPCException as e:
            if "STATUS_NONE_MAPPED" in str(e):
                continue
            assert "STATUS_SOME_NOT_MAPPED" in str(e)
            resp = e.get_packet()
        for n, item in enumerate(resp["TranslatedNames"]["Names"]):
            if item["Use"] != lsat.SID_NAME_USE.SidTypeUnknown:
                domain = s(resp["ReferencedDomains"]["Domains"][item["DomainIndex"]]["Name"])
                found[start + n] = f"{domain}\\{s(item['Name'])}", item["Use"]
    account = server.directory.account_domain
    expected = {a.rid: (f"CORP\\{a.name}", USER if a in account.users else
                        GROUP if a in account.groups else ALIAS)
                for a in (*account.users, *account.groups, *account.aliases)
                if 500 <= a.rid <= 1200}
    assert found == expected
    assert found[502] == ("CORP\\krbtgt", USER) and found[512] == ("CORP\\Domain Admins", GROUP)


# ------------------------------------------------------------------ queries on absent objects


def test_query_security_object_returns_the_policy_sd(pipe_client: Callable[..., Any]) -> None:
    """Issue 15 item 7: rpcclient lsaquerysecobj gets a descriptor, not PROCNUM_OUT_OF_RANGE."""
    client = pipe_client("lsarpc", "administrator")
    h = handle(client, MAX_ALLOWED)
    op = client.op(3)
    reply = op.decode_response(client.raw(3, h + (7).to_bytes(4, "little")))
    assert reply["ReturnValue"] == SUCCESS
    sd = bytes(reply["SecurityDescriptor"]["SecurityDescriptor"])
    assert sd[0] == 1 and int.from_bytes(sd[2:4], "little") & 0x8004 == 0x8004  # self-relative, DACL
    assert reply["SecurityDescriptor"]["Length"] == len(sd)
    # a handle without READ_CONTROL is refused
    lookup_only = handle(client, LOOKUP_NAMES)
    refused = op.decode_response(client.raw(3, lookup_only + (7).to_bytes(4, "little")))
    assert refused["ReturnValue"] == ACCESS_DENIED and refused["SecurityDescriptor"] is None


@pytest.mark.parametrize("opnum,status", [(1, 0xC00000BB), (25, 0xC00000DF),
                                          (28, OBJECT_NAME_NOT_FOUND), (39, 0xC00000DF),
                                          (43, OBJECT_NAME_NOT_FOUND), (48, OBJECT_NAME_NOT_FOUND),
                                          (55, OBJECT_NAME_NOT_FOUND), (73, 0xC00000DF),
                                          (26, INVALID_HANDLE), (30, INVALID_HANDLE)])
def test_absent_objects_answer_a_status(pipe_client: Callable[..., Any], opnum: int,
                                        status: int) -> None:
    client = pipe_client("lsarpc", "administrator")
    h = handle(client, MAX_ALLOWED)
    reply = client.op(opnum).decode_response(client.raw(opnum, h + bytes(64)))
    assert reply["ReturnValue"] == status
    assert client.fault(opnum, b"\x00" * 4 + b"\x17" * 16 + bytes(64)) == CONTEXT_MISMATCH


def test_private_data_needs_get_private_information(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("lsarpc", "user")
    h = handle(client, LOOKUP_NAMES)
    reply = client.op(43).decode_response(client.raw(43, h + bytes(64)))
    assert reply["ReturnValue"] == ACCESS_DENIED


@pytest.mark.parametrize("profile,info_class,status", [
    ("win2000", 1, INVALID_PARAMETER), ("win2000", 2, OBJECT_NAME_NOT_FOUND), ("win2000", 3, OBJECT_NAME_NOT_FOUND),
    ("win2016-dc", 1, INVALID_PARAMETER), ("win2016-dc", 2, OBJECT_NAME_NOT_FOUND), ("win2016-dc", 3, SUCCESS)])
def test_query_domain_information_policy(pipe_client: Callable[..., Any], profile: str, info_class: int,
                                         status: int) -> None:
    """MS-LSAD 3.1.4.4.7: a DC answers its Kerberos ticket policy (Samba's rpc.lsa, written
    against Windows, requires it), no EFS policy on a fresh domain; QoS is INVALID_PARAMETER."""
    client = pipe_client("lsarpc", "administrator", profile)
    h = handle(client, MAX_ALLOWED)
    stub = h + info_class.to_bytes(2, "little")
    assert client.op(53).decode_response(client.raw(53, stub))["ReturnValue"] == status
