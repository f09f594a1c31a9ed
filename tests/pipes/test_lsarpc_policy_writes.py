"""Issue 16, the LSA policy settings an administrator changes (pipes/lsarpc/policy_writes.py),
driven by impacket's own client: the audit policy (LsarSetInformationPolicy / 2), the Kerberos
and EFS domain policies (LsarSetDomainInformationPolicy), the policy object's security descriptor
(LsarSetSecurityObject); every later call on another connection sees the change, the audit log
gets Windows' event (4719, 4713), a normal user is refused STATUS_ACCESS_DENIED, and ``--state``
keeps the settings."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path
from typing import Any

import pytest
from impacket.dcerpc.v5 import dtypes, lsad  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

from smbemu.audit import AuditLog, subscribe
from smbemu.directory.persist import StateFile

AUDIT_EVENTS = lsad.POLICY_INFORMATION_CLASS.PolicyAuditEventsInformation
KERBEROS = lsad.POLICY_DOMAIN_INFORMATION_CLASS.PolicyDomainKerberosTicketInformation


def _lab(pipes_h: Any) -> tuple[Any, io.StringIO]:
    server = pipes_h.fresh_config("win2016-dc")
    server.directory = server.directory.copy()  # its own settings
    log = io.StringIO()
    subscribe(server, AuditLog(log, "DC"))
    return server, log


def _events(log: io.StringIO, event_id: int) -> list[dict[str, Any]]:
    return [e for e in map(json.loads, log.getvalue().splitlines()) if e["EventID"] == event_id]


def _options(values: list[int]) -> list[Any]:
    """impacket's DWORD_ARRAY items."""
    words = []
    for value in values:
        word = dtypes.DWORD()
        word["Data"] = value
        words.append(word)
    return words


def _audit_options(dce: Any, h: Any) -> tuple[int, list[int]]:
    info = lsad.hLsarQueryInformationPolicy2(dce, h, AUDIT_EVENTS)["PolicyInformation"]["PolicyAuditEventsInfo"]
    return info["AuditingMode"], [o if isinstance(o, int) else o["Data"] for o in info["EventAuditingOptions"]]


def test_an_administrator_sets_the_audit_policy(pipes_h: Any) -> None:
    server, log = _lab(pipes_h)
    dce = pipes_h.impacket_dce(server, "lsarpc", "administrator")
    h = lsad.hLsarOpenPolicy2(dce, lsad.MAXIMUM_ALLOWED)["PolicyHandle"]
    assert _audit_options(dce, h) == (0, [0] * 9)
    reply = lsad.hLsarQueryInformationPolicy2(dce, h, AUDIT_EVENTS)
    info = reply["PolicyInformation"]
    info["PolicyAuditEventsInfo"]["AuditingMode"] = 1
    # category 1 (logon/logoff): success and failure; category 5 (policy change): success
    info["PolicyAuditEventsInfo"]["EventAuditingOptions"] = _options([0, 3, 0, 0, 0, 1, 0, 0, 0])
    lsad.hLsarSetInformationPolicy2(dce, h, AUDIT_EVENTS, info)
    other = pipes_h.impacket_dce(server, "lsarpc", "administrator", session_id=0x1002)
    h2 = lsad.hLsarOpenPolicy2(other, lsad.MAXIMUM_ALLOWED)["PolicyHandle"]
    assert _audit_options(other, h2) == (1, [0, 3, 0, 0, 0, 1, 0, 0, 0])
    # NONE (4) clears a category before SUCCESS / FAILURE apply; 0 leaves it as it is
    info["PolicyAuditEventsInfo"]["EventAuditingOptions"] = _options([0, 4 | 2, 0, 0, 0, 0, 0, 0, 0])
    request = lsad.LsarSetInformationPolicy()
    request["PolicyHandle"], request["InformationClass"], request["PolicyInformation"] = h2, AUDIT_EVENTS, info
    assert other.request(request)["ErrorCode"] == 0
    assert _audit_options(dce, h) == (1, [0, 2, 0, 0, 0, 1, 0, 0, 0])
    changes = [(e["CategoryId"], e["AuditPolicyChanges"]) for e in _events(log, 4719)]
    assert changes == [("%%8273", "%%8449, %%8451"), ("%%8277", "%%8449"), ("%%8273", "%%8448")]
    first = _events(log, 4719)[0]
    assert first["SubjectUserName"] == "Administrator" and first["SubcategoryGuid"].startswith("{69979849-")
    assert server.directory.lsa_policy["audit_events"]["options"][1] == 2
    # an unknown option bit, or no categories: STATUS_INVALID_PARAMETER
    info["PolicyAuditEventsInfo"]["EventAuditingOptions"] = _options([8, 0, 0, 0, 0, 0, 0, 0, 0])
    with pytest.raises(DCERPCException) as err:
        lsad.hLsarSetInformationPolicy2(dce, h, AUDIT_EVENTS, info)
    assert "STATUS_INVALID_PARAMETER" in str(err.value)


@pytest.mark.parametrize("info_class,status", [
    (lsad.POLICY_INFORMATION_CLASS.PolicyPdAccountInformation, "STATUS_INVALID_PARAMETER"),
    (lsad.POLICY_INFORMATION_CLASS.PolicyAccountDomainInformation, "STATUS_ACCESS_DENIED"),
])
def test_classes_not_set(pipes_h: Any, info_class: int, status: str) -> None:
    """A class MS-LSAD 3.1.4.4.5 does not let anyone set, and the domain identity the emulation
    does not rename (refused by the rule, logged)."""
    server, _ = _lab(pipes_h)
    dce = pipes_h.impacket_dce(server, "lsarpc", "administrator")
    h = lsad.hLsarOpenPolicy2(dce, lsad.MAXIMUM_ALLOWED)["PolicyHandle"]
    info = lsad.hLsarQueryInformationPolicy2(dce, h, info_class)["PolicyInformation"]  # set it back as it is
    with pytest.raises(DCERPCException) as err:
        lsad.hLsarSetInformationPolicy2(dce, h, info_class, info)
    assert status in str(err.value)
    assert server.directory.lsa_policy is None


def test_a_normal_user_is_refused(pipes_h: Any) -> None:
    server, log = _lab(pipes_h)
    dce = pipes_h.impacket_dce(server, "lsarpc", "user")
    h = lsad.hLsarOpenPolicy2(dce, lsad.MAXIMUM_ALLOWED)["PolicyHandle"]
    with pytest.raises(DCERPCException) as err:
        lsad.hLsarQueryInformationPolicy2(dce, h, AUDIT_EVENTS)
    assert "STATUS_ACCESS_DENIED" in str(err.value)  # POLICY_VIEW_AUDIT_INFORMATION: admins only
    request = lsad.LsarSetInformationPolicy2()
    request["PolicyHandle"], request["InformationClass"] = h, AUDIT_EVENTS
    request["PolicyInformation"]["tag"] = AUDIT_EVENTS
    request["PolicyInformation"]["PolicyAuditEventsInfo"]["AuditingMode"] = 1
    request["PolicyInformation"]["PolicyAuditEventsInfo"]["EventAuditingOptions"] = _options([1] * 9)
    request["PolicyInformation"]["PolicyAuditEventsInfo"]["MaximumAuditEventCount"] = 9
    with pytest.raises(DCERPCException) as err:
        dce.request(request)
    assert "STATUS_ACCESS_DENIED" in str(err.value)
    owner = lsad.hLsarQuerySecurityObject(dce, h, lsad.OWNER_SECURITY_INFORMATION)  # READ_CONTROL: Everyone
    with pytest.raises(DCERPCException) as err:  # WRITE_OWNER: Administrators only
        lsad.hLsarSetSecurityObject(dce, h, lsad.OWNER_SECURITY_INFORMATION, owner)
    assert "STATUS_ACCESS_DENIED" in str(err.value)
    assert server.directory.lsa_policy is None and not _events(log, 4719)


def test_the_security_descriptor_round_trip(pipes_h: Any) -> None:
    server, _ = _lab(pipes_h)
    dce = pipes_h.impacket_dce(server, "lsarpc", "administrator")
    h = lsad.hLsarOpenPolicy2(dce, lsad.MAXIMUM_ALLOWED)["PolicyHandle"]
    owner = lsad.hLsarQuerySecurityObject(dce, h, lsad.OWNER_SECURITY_INFORMATION)
    lsad.hLsarSetSecurityObject(dce, h, lsad.OWNER_SECURITY_INFORMATION, owner)
    # a new owner (Domain Admins) is what the next query returns, on another connection too
    domain_admins = bytes.fromhex("010500000000000515000000dc66de3b835e3446822ea52800020000")
    sd = bytes([1, 0]) + (0x8000).to_bytes(2, "little") + (20).to_bytes(4, "little") + bytes(12) + domain_admins
    lsad.hLsarSetSecurityObject(dce, h, lsad.OWNER_SECURITY_INFORMATION, sd)
    other = pipes_h.impacket_dce(server, "lsarpc", "administrator", session_id=0x1002)
    h2 = lsad.hLsarOpenPolicy2(other, lsad.MAXIMUM_ALLOWED)["PolicyHandle"]
    assert lsad.hLsarQuerySecurityObject(other, h2, lsad.OWNER_SECURITY_INFORMATION)[20:] == domain_admins
    dacl = lsad.hLsarQuerySecurityObject(other, h2, dtypes.DACL_SECURITY_INFORMATION)
    assert len(dacl) > 20 and int.from_bytes(dacl[2:4], "little") & 0x4  # the DACL is unchanged
    for broken in (b"\x01\x00", sd[:4] + (200).to_bytes(4, "little") + sd[8:]):
        with pytest.raises(DCERPCException) as err:
            lsad.hLsarSetSecurityObject(dce, h, lsad.OWNER_SECURITY_INFORMATION, broken)
        assert "STATUS_INVALID_PARAMETER" in str(err.value)


def _query_domain_policy(dce: Any, h: Any, info_class: int) -> Any:
    """impacket's hLsarQueryDomainInformationPolicy sends LsarQueryInformationPolicy (opnum 7):
    the request itself."""
    request = lsad.LsarQueryDomainInformationPolicy()
    request["PolicyHandle"], request["InformationClass"] = h, info_class
    return dce.request(request)


def test_the_kerberos_policy_of_a_dc(pipes_h: Any, pipe_client: Any) -> None:
    server, log = _lab(pipes_h)
    dce = pipes_h.impacket_dce(server, "lsarpc", "administrator")
    h = lsad.hLsarOpenPolicy2(dce, lsad.MAXIMUM_ALLOWED)["PolicyHandle"]
    reply = _query_domain_policy(dce, h, KERBEROS)
    ticket = reply["PolicyDomainInformation"]["PolicyDomainKerbTicketInfo"]
    assert ticket["MaxTicketAge"] == 10 * 3600 * 10**7 and ticket["MaxClockSkew"] == 5 * 60 * 10**7
    assert ticket["AuthenticationOptions"] == 0x80
    # impacket has no LsarSetDomainInformationPolicy: the NDR stub by hand (MS-LSAD 3.1.4.4.8):
    # handle, class, unique pointer, then the union (tag, arm aligned to 8: the options, 5 hypers)
    arm = struct.pack("<I4xqqqqq", ticket["AuthenticationOptions"], ticket["MaxServiceTicketAge"],
                      ticket["MaxTicketAge"], ticket["MaxRenewAge"], 10 * 60 * 10**7, 0)
    client = pipe_client("lsarpc", "administrator", server=server)
    own = client.call(44, DesiredAccess=lsad.MAXIMUM_ALLOWED)["PolicyHandle"]
    stub = bytes(own) + struct.pack("<H2xIH2x", KERBEROS, 0x20000, KERBEROS) + arm
    assert client.op(54).decode_response(client.raw(54, stub))["ReturnValue"] == 0
    user = pipe_client("lsarpc", "user", server=server)
    mine = user.call(44, DesiredAccess=lsad.MAXIMUM_ALLOWED)["PolicyHandle"]
    refused = user.op(54).decode_response(user.raw(54, bytes(mine) + stub[20:]))
    assert refused["ReturnValue"] == 0xC0000022
    again = _query_domain_policy(dce, h, KERBEROS)["PolicyDomainInformation"]
    assert again["PolicyDomainKerbTicketInfo"]["MaxClockSkew"] == 10 * 60 * 10**7
    (event,) = _events(log, 4713)
    assert event["KerberosPolicyChange"] == "KerProxy: 0x165a0bc00 (0xb2d05e00)"


def test_the_settings_survive_a_restart(pipes_h: Any, tmp_path: Path) -> None:
    server, _ = _lab(pipes_h)
    state = StateFile(tmp_path / "state.json")
    server.directory.on_change = state.save
    dce = pipes_h.impacket_dce(server, "lsarpc", "administrator")
    h = lsad.hLsarOpenPolicy2(dce, lsad.MAXIMUM_ALLOWED)["PolicyHandle"]
    info = lsad.hLsarQueryInformationPolicy2(dce, h, AUDIT_EVENTS)["PolicyInformation"]
    info["PolicyAuditEventsInfo"]["EventAuditingOptions"] = _options([1] + [0] * 8)
    lsad.hLsarSetInformationPolicy2(dce, h, AUDIT_EVENTS, info)
    seen_as = {"role": server.directory.role}
    reloaded = StateFile(state.path).load(seen_as)
    assert reloaded is not None and reloaded.lsa_policy["audit_events"]["options"][0] == 1
    (state.path).write_text(state.path.read_text().replace('"lsa_policy": {', '"lsa_policy": [{', 1))
    with pytest.raises(Exception) as err:
        StateFile(state.path).load(seen_as)
    assert "state.json" in str(err.value)


def test_logon_rights_granted_and_removed_are_audited(pipes_h: Any) -> None:
    """4717 / 4718 for a logon right ("system security access"); none for a privilege (4704 /
    4705 belong to Authorization Policy Change, which Windows does not audit by default)."""
    server, log = _lab(pipes_h)
    dce = pipes_h.impacket_dce(server, "lsarpc", "administrator")
    h = lsad.hLsarOpenPolicy2(dce, lsad.MAXIMUM_ALLOWED)["PolicyHandle"]
    alice = "S-1-5-21-1004336348-1177238915-682003330-1104"
    lsad.hLsarAddAccountRights(dce, h, alice, ["SeServiceLogonRight", "SeBackupPrivilege"])
    account = lsad.hLsarOpenAccount(dce, h, alice)["AccountHandle"]
    lsad.hLsarSetSystemAccessAccount(dce, account, 0x2)  # network logon instead of service
    granted = [(e["TargetSid"], e["AccessGranted"], e["SubjectUserName"]) for e in _events(log, 4717)]
    removed = [(e["TargetSid"], e["AccessRemoved"]) for e in _events(log, 4718)]
    assert granted == [(alice, "SeServiceLogonRight", "Administrator"), (alice, "SeNetworkLogonRight", "Administrator")]
    assert removed == [(alice, "SeServiceLogonRight")]
    assert not _events(log, 4704)
