"""lsarpc trusted domain objects (issue 15): create, open, query, set, enumerate, delete, forest
trust records and their audit events, with smbemu's own NDR client over an in-memory pipe
(the real clients -- smbtorture, rpcclient -- are tests/interop/test_lsa_trusts.py's)."""

from __future__ import annotations

import io
import json
import os
import struct
import types
from collections.abc import Callable
from typing import Any

import pytest

from smbemu.audit import AuditLog, subscribe
from smbemu.directory.persist import StateFile

MAX_ALLOWED = 0x02000000
SUCCESS, MORE_ENTRIES, NO_MORE_ENTRIES = 0, 0x00000105, 0x8000001A
ACCESS_DENIED, INVALID_HANDLE, INVALID_PARAMETER = 0xC0000022, 0xC0000008, 0xC000000D
INVALID_INFO_CLASS, NOT_IMPLEMENTED, NOT_FOUND = 0xC0000003, 0xC0000002, 0xC0000225
NO_SUCH_DOMAIN, OBJECT_NAME_NOT_FOUND, NAME_COLLISION = 0xC00000DF, 0xC0000034, 0xC0000035
DIRECTORY_SERVICE_REQUIRED, CURRENT_DOMAIN_NOT_ALLOWED = 0xC00002B1, 0xC00002E9
INVALID_DOMAIN_STATE, UNKNOWN_REVISION = 0xC00000DD, 0xC0000058
SID = "S-1-5-21-97398-379795-10000"


def _auth_infos(password: str) -> bytes:
    """One direction of MS-LSAD 2.2.7.16: count 1, current at 12, no previous, one
    TRUST_AUTH_TYPE_CLEAR entry (2.2.7.17, AuthInfo padded to 4)."""
    secret = password.encode("utf-16-le")
    entry = struct.pack("<QII", 0, 2, len(secret)) + secret + bytes(-len(secret) & 3)
    return struct.pack("<III", 1, 12, 0) + entry


def auth_blob(incoming: str, outgoing: str) -> bytes:
    out, inc = _auth_infos(outgoing), _auth_infos(incoming)
    return os.urandom(512) + out + inc + struct.pack("<II", len(out), len(inc))


def ex_info(flat: str = "TORTUREDOM", dns: str = "torturedom.samba.example.com", sid: str | None = SID,
            direction: int = 3, trust_type: int = 2, attributes: int = 0) -> dict[str, Any]:
    return {"Name": dns, "FlatName": flat, "Sid": sid, "TrustDirection": direction, "TrustType": trust_type,
            "TrustAttributes": attributes}


def open_policy(client: Any, access: int = MAX_ALLOWED) -> bytes:
    reply = client.call(44, DesiredAccess=access)
    assert reply["ReturnValue"] == SUCCESS
    handle: bytes = reply["PolicyHandle"]
    return handle


def create_ex2(client: Any, policy: bytes, info: dict[str, Any], blob: bytes = b"") -> dict[str, Any]:
    reply: dict[str, Any] = client.call(59, PolicyHandle=policy, TrustedDomainInformation=info,
                                        AuthenticationInformation={"AuthSize": len(blob), "AuthBlob": blob or None},
                                        DesiredAccess=MAX_ALLOWED)
    return reply


def query(client: Any, handle: bytes, info_class: int) -> dict[str, Any]:
    reply: dict[str, Any] = client.call(26, TrustedDomainHandle=handle, InformationClass=info_class)
    return reply


@pytest.fixture
def dc(pipe_client: Callable[..., Any], pipes_h: Any) -> Any:
    server = pipes_h.fresh_config("win2016-dc")
    server.directory = server.directory.copy()  # its own trusted domain objects
    stream = io.StringIO()
    subscribe(server, AuditLog(stream))
    admin = pipe_client("lsarpc", "administrator", server=server)
    return types.SimpleNamespace(server=server, admin=admin, policy=open_policy(admin), stream=stream)


def events(dc: Any, event_id: int) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in dc.stream.getvalue().splitlines() if line.strip()]
    return [e for e in lines if e["EventID"] == event_id]


def test_create_query_and_delete_a_trust(dc: Any) -> None:
    created = create_ex2(dc.admin, dc.policy, ex_info(attributes=0x80), auth_blob("12345678", "87654321"))
    assert created["ReturnValue"] == SUCCESS
    tdo = created["TrustedDomainHandle"]
    # the classes Samba's rpc.lsa.trusted.domains, written against Windows, expects to succeed
    ex = query(dc.admin, tdo, 6)
    assert ex["ReturnValue"] == SUCCESS
    assert ex["TrustedDomainInformation"] == (6, {**ex_info(attributes=0x80)})
    assert query(dc.admin, tdo, 1)["TrustedDomainInformation"] == (1, {"Name": "TORTUREDOM"})
    assert query(dc.admin, tdo, 3)["TrustedDomainInformation"] == (3, {"Offset": 0})
    full = query(dc.admin, tdo, 8)["TrustedDomainInformation"][1]
    assert full["Information"]["FlatName"] == "TORTUREDOM" and full["AuthInformation"]["IncomingAuthInfos"] == 0
    full2 = query(dc.admin, tdo, 12)["TrustedDomainInformation"][1]
    assert full2["Information"]["ForestTrustLength"] == 0 and full2["Information"]["Sid"] == SID
    assert query(dc.admin, tdo, 13)["TrustedDomainInformation"] == (13, {"SupportedEncryptionTypes": 0x4})
    # and those it expects to fail; passwords are never read back
    for info_class in (2, 4, 5, 7, 9, 10, 11):
        reply = query(dc.admin, tdo, info_class)
        assert (reply["ReturnValue"], reply["TrustedDomainInformation"]) == (INVALID_PARAMETER, None)
    assert query(dc.admin, tdo, 14)["ReturnValue"] == INVALID_INFO_CLASS
    # the incoming password decrypted from the blob is the trust account's
    stored = dc.server.directory.lsa_policy["trusted_domains"]["torturedom"]
    assert bytes.fromhex(stored["incoming"]["current"][0][1]).decode("utf-16-le") == "12345678"
    assert bytes.fromhex(stored["outgoing"]["current"][0][1]).decode("utf-16-le") == "87654321"
    # by SID and by either name, through the policy handle
    by_sid = dc.admin.call(39, PolicyHandle=dc.policy, TrustedDomainSid=SID, InformationClass=6)
    assert by_sid["TrustedDomainInformation"] == ex["TrustedDomainInformation"]
    for name in ("torturedom", "TORTUREDOM.samba.example.com"):
        by_name = dc.admin.call(48, PolicyHandle=dc.policy, TrustedDomainName=name, InformationClass=1)
        assert by_name["ReturnValue"] == SUCCESS
    # a second trust of the same name or SID collides
    assert create_ex2(dc.admin, dc.policy, ex_info(flat="OTHER"))["ReturnValue"] == NAME_COLLISION
    assert create_ex2(dc.admin, dc.policy, ex_info(sid="S-1-5-21-1-2-3"))["ReturnValue"] == NAME_COLLISION
    # LsarCloseTrustedDomainEx: STATUS_NOT_IMPLEMENTED, the handle stays usable
    closed = dc.admin.call(52, TrustedDomainHandle=tdo)
    assert closed == {"TrustedDomainHandle": tdo, "ReturnValue": NOT_IMPLEMENTED}
    # LsarDeleteObject deletes it and zeroes the handle; another handle to it is then invalid
    other = dc.admin.call(25, PolicyHandle=dc.policy, TrustedDomainSid=SID, DesiredAccess=MAX_ALLOWED)
    assert other["ReturnValue"] == SUCCESS
    assert dc.admin.call(34, ObjectHandle=tdo) == {"ObjectHandle": bytes(20), "ReturnValue": SUCCESS}
    assert query(dc.admin, other["TrustedDomainHandle"], 6)["ReturnValue"] == INVALID_HANDLE
    assert dc.admin.call(41, PolicyHandle=dc.policy, TrustedDomainSid=SID)["ReturnValue"] == NO_SUCH_DOMAIN
    assert [e["DomainName"] for e in events(dc, 4706)] == ["torturedom.samba.example.com"]
    removed = events(dc, 4707)
    assert [(e["DomainName"], e["DomainSid"], e["SubjectUserName"]) for e in removed] == \
        [("torturedom.samba.example.com", SID, "Administrator")]


def test_legacy_create_and_ex_with_clear_passwords(dc: Any) -> None:
    reply = dc.admin.call(12, PolicyHandle=dc.policy, TrustedDomainInformation={"Name": "NT4DOM", "Sid": SID},
                          DesiredAccess=MAX_ALLOWED)
    assert reply["ReturnValue"] == SUCCESS
    ex = query(dc.admin, reply["TrustedDomainHandle"], 6)["TrustedDomainInformation"][1]
    # LsarCreateTrustedDomain: downlevel, outbound, no attributes (what Samba's test reads back)
    assert (ex["Name"], ex["FlatName"], ex["TrustType"], ex["TrustDirection"], ex["TrustAttributes"]) == \
        ("NT4DOM", "NT4DOM", 1, 2, 0)
    secret = "s3cret".encode("utf-16-le")
    buffer = {"LastUpdateTime": 0, "AuthType": 2, "AuthInfoLength": len(secret), "AuthInfo": secret}
    auth = {"IncomingAuthInfos": 1, "IncomingAuthenticationInformation": buffer,
            "IncomingPreviousAuthenticationInformation": None, "OutgoingAuthInfos": 1,
            "OutgoingAuthenticationInformation": buffer, "OutgoingPreviousAuthenticationInformation": None}
    reply = dc.admin.call(51, PolicyHandle=dc.policy, TrustedDomainInformation=ex_info("MITREALM", "mit.example",
                                                                                        None, 1, 3),
                          AuthenticationInformation=auth, DesiredAccess=MAX_ALLOWED)
    assert reply["ReturnValue"] == SUCCESS
    assert dc.server.directory.lsa_policy["trusted_domains"]["mitrealm"]["incoming"]["current"] == \
        [[2, secret.hex()]]


def test_creation_is_checked(dc: Any, pipe_client: Callable[..., Any], pipes_h: Any) -> None:
    assert create_ex2(dc.admin, dc.policy, ex_info(direction=0))["ReturnValue"] == INVALID_PARAMETER
    assert create_ex2(dc.admin, dc.policy, ex_info(sid=None))["ReturnValue"] == INVALID_PARAMETER
    assert create_ex2(dc.admin, dc.policy, ex_info(flat="CORP"))["ReturnValue"] == CURRENT_DOMAIN_NOT_ALLOWED
    assert create_ex2(dc.admin, dc.policy, ex_info(), b"\x01" * 600)["ReturnValue"] == UNKNOWN_REVISION
    # a handle without POLICY_TRUST_ADMIN, a normal user, a server that is no DC
    viewer = open_policy(dc.admin, 0x1)
    assert create_ex2(dc.admin, viewer, ex_info())["ReturnValue"] == ACCESS_DENIED
    user = pipe_client("lsarpc", "user", server=dc.server)
    assert create_ex2(user, open_policy(user), ex_info())["ReturnValue"] == ACCESS_DENIED
    member = pipe_client("lsarpc", "administrator", "win2016")
    assert create_ex2(member, open_policy(member), ex_info())["ReturnValue"] == DIRECTORY_SERVICE_REQUIRED
    # forest trusts exist from the Windows Server 2003 functional level on
    old = pipe_client("lsarpc", "administrator", "win2000-dc")
    forest = ex_info(attributes=0x8)
    assert create_ex2(old, open_policy(old), forest)["ReturnValue"] == INVALID_DOMAIN_STATE
    assert dc.server.directory.lsa_policy is None or not dc.server.directory.lsa_policy.get("trusted_domains")


def test_enumeration_pages_and_advances(dc: Any) -> None:
    for i in range(5):
        reply = create_ex2(dc.admin, dc.policy, ex_info(f"DOM{i}", f"dom{i}.example", f"S-1-5-21-9-9-{i}"))
        assert reply["ReturnValue"] == SUCCESS
    seen, context = [], 0
    while True:
        # Windows counts 60 bytes per LsarEnumerateTrustedDomains entry (Samba's lsa.idl)
        reply = dc.admin.call(13, PolicyHandle=dc.policy, EnumerationContext=context, PreferedMaximumLength=120)
        assert reply["EnumerationContext"] > context
        if reply["ReturnValue"] == NO_MORE_ENTRIES:
            assert reply["EnumerationBuffer"]["EntriesRead"] == 0
            break
        assert reply["ReturnValue"] in (SUCCESS, MORE_ENTRIES)
        assert reply["EnumerationBuffer"]["EntriesRead"] <= 2
        seen += [(e["Name"], e["Sid"]) for e in reply["EnumerationBuffer"]["Information"]]
        context = reply["EnumerationContext"]
        if reply["ReturnValue"] == SUCCESS:
            break
    assert seen == [(f"DOM{i}", f"S-1-5-21-9-9-{i}") for i in range(5)]
    everything = dc.admin.call(50, PolicyHandle=dc.policy, EnumerationContext=0, PreferedMaximumLength=0xFFFFFFFF)
    assert everything["ReturnValue"] == SUCCESS
    assert [e["Name"] for e in everything["EnumerationBuffer"]["EnumerationBuffer"]] == \
        [f"dom{i}.example" for i in range(5)]


def test_set_information_as_windows_answers(dc: Any) -> None:
    """rpc.lsa.forest.trust's table: 1 and 12 INVALID_PARAMETER, 3, 6, 8, 13 stored."""
    assert create_ex2(dc.admin, dc.policy, ex_info())["ReturnValue"] == SUCCESS
    viewer = open_policy(dc.admin, 0x1)  # Windows sets through a POLICY_VIEW_LOCAL_INFORMATION handle

    def set_by_name(info_class: int, arm: Any) -> int:
        status: int = dc.admin.call(49, PolicyHandle=viewer, TrustedDomainName="TORTUREDOM",
                                    InformationClass=info_class,
                                    TrustedDomainInformation=(info_class, arm))["ReturnValue"]
        return status

    def read(info_class: int) -> Any:
        reply = dc.admin.call(48, PolicyHandle=viewer, TrustedDomainName="TORTUREDOM", InformationClass=info_class)
        assert reply["ReturnValue"] == SUCCESS
        return reply["TrustedDomainInformation"][1]

    assert set_by_name(1, read(1)) == INVALID_PARAMETER
    assert set_by_name(3, {"Offset": 0x80000}) == SUCCESS and read(3) == {"Offset": 0x80000}
    assert set_by_name(6, {**ex_info(), "TrustDirection": 1}) == SUCCESS and read(6)["TrustDirection"] == 1
    assert set_by_name(6, {**ex_info(), "FlatName": "RENAMED"}) == INVALID_PARAMETER
    assert set_by_name(8, read(8)) == SUCCESS
    assert set_by_name(12, read(12)) == INVALID_PARAMETER
    assert set_by_name(13, {"SupportedEncryptionTypes": 0x18}) == SUCCESS
    assert read(13) == {"SupportedEncryptionTypes": 0x18}
    assert set_by_name(5, {"Name": "X", "Sid": SID}) == INVALID_INFO_CLASS
    changed = events(dc, 4716)
    assert [(e["TdoDirection"], e["TdoType"]) for e in changed] == [("1", "2")]


def test_forest_trust_records(dc: Any) -> None:
    assert create_ex2(dc.admin, dc.policy, ex_info(attributes=0x8))["ReturnValue"] == SUCCESS
    assert create_ex2(dc.admin, dc.policy, ex_info("EXTERNAL", "ext.example", "S-1-5-21-5-5-5"))["ReturnValue"] \
        == SUCCESS
    name = "torturedom.samba.example.com"

    def query_forest(trust: str, highest: int = 2) -> dict[str, Any]:
        reply: dict[str, Any] = dc.admin.call(73, PolicyHandle=dc.policy, TrustedDomainName=trust,
                                              HighestRecordType=highest)
        return reply

    assert query_forest(name)["ReturnValue"] == NOT_FOUND
    assert query_forest("ext.example")["ReturnValue"] == INVALID_DOMAIN_STATE
    assert query_forest("CORE")["ReturnValue"] == NO_SUCH_DOMAIN  # impacket's remote test's expectation
    records = [{"Flags": 0, "ForestTrustType": 0, "Time": 0, "ForestTrustData": (0, name)},
               {"Flags": 0, "ForestTrustType": 2, "Time": 0,
                "ForestTrustData": (2, {"Sid": SID, "DnsName": name, "NetbiosName": "TORTUREDOM"})}]
    reply = dc.admin.call(74, PolicyHandle=dc.policy, TrustedDomainName=name, HighestRecordType=2,
                          ForestTrustInfo={"RecordCount": 2, "Entries": records}, CheckOnly=0)
    assert reply == {"CollisionInfo": None, "ReturnValue": SUCCESS}
    got = query_forest(name)
    assert got["ReturnValue"] == SUCCESS and got["ForestTrustInfo"]["Entries"] == records
    assert [r["ForestTrustType"] for r in query_forest(name, 0)["ForestTrustInfo"]["Entries"]] == [0]
    assert query_forest(name, 3)["ReturnValue"] == INVALID_PARAMETER


def test_a_user_lists_but_does_not_open(dc: Any, pipe_client: Callable[..., Any]) -> None:
    assert create_ex2(dc.admin, dc.policy, ex_info())["ReturnValue"] == SUCCESS
    user = pipe_client("lsarpc", "user", server=dc.server)
    policy = open_policy(user)
    listed = user.call(50, PolicyHandle=policy, EnumerationContext=0, PreferedMaximumLength=0xFFFFFFFF)
    assert listed["EnumerationBuffer"]["EntriesRead"] == 1
    opened = user.call(55, PolicyHandle=policy, TrustedDomainName="TORTUREDOM", DesiredAccess=MAX_ALLOWED)
    assert opened == {"TrustedDomainHandle": bytes(20), "ReturnValue": ACCESS_DENIED}
    assert user.call(41, PolicyHandle=policy, TrustedDomainSid=SID)["ReturnValue"] == ACCESS_DENIED
    # unknown names answer as Windows does
    assert dc.admin.call(55, PolicyHandle=dc.policy, TrustedDomainName="nope",
                         DesiredAccess=MAX_ALLOWED)["ReturnValue"] == OBJECT_NAME_NOT_FOUND


def test_state_keeps_the_trusts(dc: Any, tmp_path: Any) -> None:
    """--state keeps the trusts as it keeps the other LSA settings (the directory's lsa_policy)."""
    state = StateFile(tmp_path / "state.json")
    dc.server.directory.on_change = state.save
    assert create_ex2(dc.admin, dc.policy, ex_info(), auth_blob("in", "out"))["ReturnValue"] == SUCCESS
    reloaded = StateFile(state.path).load({"role": dc.server.directory.role})
    assert reloaded is not None
    assert reloaded.lsa_policy["trusted_domains"]["torturedom"]["sid"] == SID
