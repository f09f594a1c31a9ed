"""SamrSetInformationDomain (issue 16, MS-SAMR 3.1.5.6.1) through the real RPC endpoint with
impacket's own client: an administrator sets the password, lockout, logoff, OEM and replication
classes; a later query on another connection answers the value set; the directory's password and
lockout checks use it; ``--state`` keeps it and ``fixture export`` writes it; the audit log gets
4739; a normal user is refused STATUS_ACCESS_DENIED, other classes STATUS_INVALID_INFO_CLASS.
Each test has a directory of its own (``Directory.copy``)."""

from __future__ import annotations

import io
import json
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from impacket.dcerpc.v5 import samr  # type: ignore[import-untyped]
from impacket.uuid import uuidtup_to_bin  # type: ignore[import-untyped]

from smbemu.audit import AuditLog, subscribe
from smbemu.config import ServerConfig
from smbemu.directory.changes import password_problem
from smbemu.directory.export import fixture_document_of
from smbemu.directory.persist import StateFile
from smbemu.principal import Principal, PrincipalKind
from smbemu.rpc.endpoint import RpcEndpoint
from smbemu.rpc.interface import make_context_factory

H = types.SimpleNamespace
STATUS_ACCESS_DENIED = 0xC0000022
STATUS_INVALID_PARAMETER = 0xC000000D
STATUS_INVALID_INFO_CLASS = 0xC0000003
USERS = {"administrator": ("Administrator", "CORP"), "user": ("alice", "CORP")}
DAY = 864_000_000_000
MINUTE = 600_000_000
C = samr.DOMAIN_INFORMATION_CLASS


class Lab:
    """One server (its own directory and audit log) and impacket clients on it."""

    def __init__(self, base: ServerConfig, transport: Any) -> None:
        self.config = ServerConfig(profile=base.profile, directory=base.directory.copy(), pipes=base.pipes)
        self.transport = transport
        self.log = io.StringIO()
        subscribe(self.config, AuditLog(self.log, "DC"))
        self.next_session = 0x4001

    @property
    def directory(self) -> Any:
        return self.config.directory

    def events(self, event_id: int) -> list[dict[str, Any]]:
        return [e for e in map(json.loads, self.log.getvalue().splitlines()) if e["EventID"] == event_id]

    def dce(self, who: str) -> Any:
        user, domain = USERS[who]
        endpoint = RpcEndpoint("samr", self.config.pipes, make_context_factory(
            Principal(PrincipalKind(who), user, domain), self.next_session, self.config))
        self.next_session += 1
        client = self.transport(endpoint).get_dce_rpc()
        client.connect()
        iface = self.config.pipes.interface("samr")
        client.bind(uuidtup_to_bin((str(iface.uuid), f"{iface.version[0]}.{iface.version[1]}")))
        return client

    def domain(self, dce: Any, access: int = samr.MAXIMUM_ALLOWED, name: str | None = None) -> Any:
        server = samr.hSamrConnect5(dce)["ServerHandle"]
        name = name or ("CORP" if self.config.profile.role == "dc" else self.directory.account_domain.name)
        sid = samr.hSamrLookupDomainInSamServer(dce, server, name)["DomainId"]
        return samr.hSamrOpenDomain(dce, server, access, sid)["DomainHandle"]


@pytest.fixture
def lab(server_config: Callable[..., Any], pipes_h: H) -> Callable[..., Lab]:
    def make(profile: str = "win2016-dc") -> Lab:
        return Lab(server_config(profile), pipes_h.PipeTransport)

    return make


def _status(call: Callable[[], Any]) -> int:
    try:
        call()
    except samr.DCERPCSessionError as error:
        return int(error.get_error_code())
    return 0


def _query(dce: Any, handle: Any, info_class: int) -> Any:
    return samr.hSamrQueryInformationDomain2(dce, handle, info_class)["Buffer"]


def _set_large(field: Any, value: int) -> None:
    value &= 0xFFFFFFFFFFFFFFFF
    field["LowPart"] = value & 0xFFFFFFFF
    high = value >> 32
    field["HighPart"] = high - (1 << 32) if high >= 1 << 31 else high


def _large(field: Any) -> int:
    return (field["HighPart"] << 32) | field["LowPart"]


# ------------------------------------------------------------------ impacket's own sequence


@pytest.mark.parametrize("profile", ["win2016-dc", "win2016"])
def test_impacket_query_and_set_sequence(lab: Callable[..., Lab], profile: str) -> None:
    """impacket's test_hSamrQueryInformationDomain_hSamrSetInformationDomain, step by step."""
    made = lab(profile)
    dce = made.dce("administrator")
    handle = made.domain(dce)
    buffer = samr.hSamrQueryInformationDomain(dce, handle, C.DomainPasswordInformation)["Buffer"]
    buffer["Password"]["MaxPasswordAge"]["LowPart"] = 11
    samr.hSamrSetInformationDomain(dce, handle, buffer)
    again = samr.hSamrQueryInformationDomain(dce, handle, C.DomainPasswordInformation)["Buffer"]
    assert again["Password"]["MaxPasswordAge"]["LowPart"] == 11
    general = samr.hSamrQueryInformationDomain(dce, handle, C.DomainGeneralInformation)["Buffer"]
    general["General"]["ReplicaSourceNodeName"] = "BETUS"
    assert _status(lambda: samr.hSamrSetInformationDomain(dce, handle, general)) == STATUS_INVALID_INFO_CLASS
    for info_class, arm, field, value in ((C.DomainOemInformation, "Oem", "OemInformation", "BETUS"),
                                          (C.DomainReplicationInformation, "Replication",
                                           "ReplicaSourceNodeName", "BETUS")):
        buffer = samr.hSamrQueryInformationDomain(dce, handle, info_class)["Buffer"]
        buffer[arm][field] = value
        samr.hSamrSetInformationDomain(dce, handle, buffer)
        assert samr.hSamrQueryInformationDomain(dce, handle, info_class)["Buffer"][arm][field] == value
    logoff = samr.hSamrQueryInformationDomain(dce, handle, C.DomainLogoffInformation)["Buffer"]
    logoff["Logoff"]["ForceLogoff"]["LowPart"] = 11
    samr.hSamrSetInformationDomain(dce, handle, logoff)
    assert _query(dce, handle, C.DomainLogoffInformation)["Logoff"]["ForceLogoff"]["LowPart"] == 11
    # the general class shows the OEM information and replica source set above
    general = _query(dce, handle, C.DomainGeneralInformation)["General"]
    assert (general["OemInformation"], general["ReplicaSourceNodeName"]) == ("BETUS", "BETUS")


def test_another_connection_sees_the_password_policy(lab: Callable[..., Lab]) -> None:
    made = lab()
    dce = made.dce("administrator")
    handle = made.domain(dce)
    buffer = _query(dce, handle, C.DomainPasswordInformation)
    password = buffer["Password"]
    password["MinPasswordLength"], password["PasswordHistoryLength"] = 12, 5
    password["PasswordProperties"] = 0x1 | 0x2  # complex, no anonymous change
    _set_large(password["MaxPasswordAge"], -30 * DAY)
    _set_large(password["MinPasswordAge"], -2 * DAY)
    samr.hSamrSetInformationDomain(dce, handle, buffer)
    other = made.dce("user")
    seen = _query(other, made.domain(other), C.DomainPasswordInformation)["Password"]
    assert (seen["MinPasswordLength"], seen["PasswordHistoryLength"], seen["PasswordProperties"]) == (12, 5, 3)
    assert (_large(seen["MaxPasswordAge"]), _large(seen["MinPasswordAge"])) == (-30 * DAY, -2 * DAY)
    policy = made.directory.account_domain.password_policy
    assert (policy.min_length, policy.history, policy.complexity, policy.max_age_days, policy.min_age_days) == \
        (12, 5, True, 30, 2)
    # the directory's own check now refuses what it accepted before
    alice = made.directory.find_user("alice")
    assert password_problem(alice, "Winter2026!", made.directory.account_domain, None) is not None
    assert password_problem(alice, "Winter2026!Longer", made.directory.account_domain, None) is None
    # SamrGetUserDomainPasswordInformation (the policy a client shows before a change) too
    user = samr.hSamrOpenUser(other, made.domain(other), samr.MAXIMUM_ALLOWED, alice.rid)["UserHandle"]
    info = samr.hSamrGetUserDomainPasswordInformation(other, user)["PasswordInformation"]
    assert info["MinPasswordLength"] == 12


def test_lockout_policy_is_set_and_enforced(lab: Callable[..., Lab]) -> None:
    made = lab()
    dce = made.dce("administrator")
    handle = made.domain(dce)
    buffer = _query(dce, handle, C.DomainLockoutInformation)
    lockout = buffer["Lockout"]
    lockout["LockoutThreshold"] = 3
    lockout["LockoutDuration"], lockout["LockoutObservationWindow"] = -15 * MINUTE, -10 * MINUTE
    samr.hSamrSetInformationDomain(dce, handle, buffer)
    seen = _query(dce, handle, C.DomainLockoutInformation)["Lockout"]
    assert (seen["LockoutThreshold"], seen["LockoutDuration"], seen["LockoutObservationWindow"]) \
        == (3, -15 * MINUTE, -10 * MINUTE)
    policy = made.directory.account_domain.lockout_policy
    assert (policy.threshold, policy.duration_minutes, policy.window_minutes) == (3, 15, 10)
    # a window longer than the duration is refused, nothing changes
    lockout["LockoutObservationWindow"] = -20 * MINUTE
    assert _status(lambda: samr.hSamrSetInformationDomain(dce, handle, buffer)) == STATUS_INVALID_PARAMETER
    assert made.directory.account_domain.lockout_policy.window_minutes == 10


@pytest.mark.parametrize("change, expected", [
    (lambda p: _set_large(p["MaxPasswordAge"], -DAY), STATUS_INVALID_PARAMETER),  # not longer than min (1 day)
    (lambda p: _set_large(p["MinPasswordAge"], DAY), STATUS_INVALID_PARAMETER),  # positive: not a delta
    (lambda p: p.__setitem__("MinPasswordLength", 1025), STATUS_INVALID_PARAMETER),
    (lambda p: p.__setitem__("MinPasswordLength", 1024), 0),
])
def test_password_class_constraints(lab: Callable[..., Lab], change: Any, expected: int) -> None:
    """MS-SAMR 3.1.5.6.1.3 (the win2016-dc fixture: min age 1 day, max 42)."""
    made = lab()
    dce = made.dce("administrator")
    handle = made.domain(dce)
    buffer = _query(dce, handle, C.DomainPasswordInformation)
    change(buffer["Password"])
    assert _status(lambda: samr.hSamrSetInformationDomain(dce, handle, buffer)) == expected


def test_normal_user_is_refused_and_nothing_changes(lab: Callable[..., Lab]) -> None:
    made = lab()
    dce = made.dce("user")
    handle = made.domain(dce)
    for info_class in (C.DomainPasswordInformation, C.DomainOemInformation, C.DomainLockoutInformation):
        buffer = _query(dce, handle, info_class)
        assert _status(lambda: samr.hSamrSetInformationDomain(dce, handle, buffer)) == STATUS_ACCESS_DENIED
    assert made.directory.domain_settings is None and made.events(4739) == []


def test_handle_without_the_class_right_is_refused(lab: Callable[..., Lab]) -> None:
    """MS-SAMR 3.1.2.2: DOMAIN_WRITE_PASSWORD_PARAMS for the password class, even for an
    administrator whose handle was opened without it."""
    made = lab()
    dce = made.dce("administrator")
    handle = made.domain(dce, samr.DOMAIN_READ_PASSWORD_PARAMETERS | samr.DOMAIN_WRITE_OTHER_PARAMETERS
                         | samr.DOMAIN_READ_OTHER_PARAMETERS)
    buffer = _query(dce, handle, C.DomainPasswordInformation)
    assert _status(lambda: samr.hSamrSetInformationDomain(dce, handle, buffer)) == STATUS_ACCESS_DENIED
    oem = _query(dce, handle, C.DomainOemInformation)
    oem["Oem"]["OemInformation"] = "allowed"
    assert _status(lambda: samr.hSamrSetInformationDomain(dce, handle, oem)) == 0


@pytest.mark.parametrize("info_class", [C.DomainNameInformation, C.DomainModifiedInformation,
                                        C.DomainGeneralInformation2, C.DomainModifiedInformation2])
def test_other_classes_are_invalid(lab: Callable[..., Lab], info_class: int) -> None:
    made = lab()
    dce = made.dce("administrator")
    handle = made.domain(dce)
    buffer = _query(dce, handle, info_class)
    assert _status(lambda: samr.hSamrSetInformationDomain(dce, handle, buffer)) == STATUS_INVALID_INFO_CLASS


def test_audit_event_4739(lab: Callable[..., Lab]) -> None:
    made = lab()
    dce = made.dce("administrator")
    handle = made.domain(dce)
    buffer = _query(dce, handle, C.DomainPasswordInformation)
    buffer["Password"]["MinPasswordLength"] = 9
    samr.hSamrSetInformationDomain(dce, handle, buffer)
    replication = _query(dce, handle, C.DomainReplicationInformation)
    samr.hSamrSetInformationDomain(dce, handle, replication)
    (event,) = made.events(4739)
    assert event["SubjectUserName"] == "Administrator" and event["DomainPolicyChanged"] == "Password Policy"
    assert (event["DomainName"], event["DomainSid"]) == ("CORP", str(made.directory.account_domain.sid))
    assert (event["MinPasswordLength"], event["LockoutThreshold"], event["OemInformation"]) == ("9", "-", "-")


def test_state_file_keeps_the_settings_and_export_writes_the_policy(lab: Callable[..., Lab], tmp_path: Path) -> None:
    made = lab()
    state = StateFile(tmp_path / "state.json")
    made.directory.on_change = state.save
    dce = made.dce("administrator")
    handle = made.domain(dce)
    buffer = _query(dce, handle, C.DomainPasswordInformation)
    buffer["Password"]["MinPasswordLength"] = 14
    buffer["Password"]["MaxPasswordAge"]["LowPart"] = 11  # not a whole number of days
    samr.hSamrSetInformationDomain(dce, handle, buffer)
    oem = _query(dce, handle, C.DomainOemInformation)
    oem["Oem"]["OemInformation"] = "lab notes"
    samr.hSamrSetInformationDomain(dce, handle, oem)
    exact = _large(_query(dce, handle, C.DomainPasswordInformation)["Password"]["MaxPasswordAge"])
    reloaded = StateFile(state.path).load({"role": made.directory.role})
    assert reloaded is not None
    assert reloaded.account_domain.password_policy.min_length == 14
    settings = reloaded.domain_settings[str(reloaded.account_domain.sid)]
    assert (settings["max_age"], settings["oem_information"]) == (exact, "lab notes")
    exported = fixture_document_of(made.directory)["domain"]["password_policy"]
    assert (exported["min_length"], exported["max_age_days"]) == (14, 42)
    state.path.write_text(state.path.read_text().replace('"domain_settings": {', '"domain_settings": [{', 1))
    with pytest.raises(Exception) as err:
        StateFile(state.path).load({"role": made.directory.role})
    assert "state.json" in str(err.value)
