"""eventlog (MS-EVEN) through the real RPC endpoint, driven by impacket's even client: the
Security log read back from the audit log's recent events, who may open which log, the
EVENTLOGRECORD layout, and the answers of every other opnum."""

from __future__ import annotations

import io
import logging
import struct
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from impacket.dcerpc.v5 import even  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

from smbemu import audit
from smbemu.audit_files import RECENT_EVENTS

STATUS_ACCESS_DENIED = 0xC0000022
STATUS_INVALID_HANDLE = 0xC0000008
STATUS_INVALID_PARAMETER = 0xC000000D
STATUS_END_OF_FILE = 0xC0000011
STATUS_BUFFER_TOO_SMALL = 0xC0000023
STATUS_INVALID_LEVEL = 0xC0000148
NCA_S_OP_RNG_ERROR = 0x1C010002
SEQ_FORWARDS = even.EVENTLOG_SEQUENTIAL_READ | even.EVENTLOG_FORWARDS_READ
SEQ_BACKWARDS = even.EVENTLOG_SEQUENTIAL_READ | even.EVENTLOG_BACKWARDS_READ
SEEK_FORWARDS = even.EVENTLOG_SEEK_READ | even.EVENTLOG_FORWARDS_READ
WHEN = datetime(2026, 12, 7, 10, 0, 0, tzinfo=timezone.utc)


def _code(exc: BaseException) -> int:
    return int(exc.get_error_code())  # type: ignore[attr-defined]


def _audited(pipes_h: Any, profile: str, failures: int = 2) -> Any:
    """A server whose audit log holds ``failures`` failed logons (4625) then one 4624."""
    config = pipes_h.fresh_config(profile)
    ticks = iter(range(1 << 20))
    config.audit = audit.AuditLog(io.StringIO(), "legacysrv.corp.local",
                                  clock=lambda: WHEN + timedelta(seconds=next(ticks)))
    for n in range(failures):
        audit.logon_failure(config, user_name=f"user{n}", domain_name="CORP", workstation="KALI",
                            status=0xC000006D, sub_status=0xC000006A, peer=("10.0.0.9", 50000 + n))
    admin = config.directory.find_user("Administrator")
    from smbemu.principal import Principal, PrincipalKind
    audit.logon_success(config, Principal(PrincipalKind.ADMINISTRATOR, admin.name, "CORP"),
                        session_id=0x41, key_length=128, peer=("10.0.0.9", 50100))
    return config


def _records(buffer: bytes) -> list[dict[str, Any]]:
    out = []
    pos = 0
    while pos + 56 <= len(buffer):
        fields = struct.unpack_from("<IIIIIIHHHHIIIIII", buffer, pos)
        (length, signature, number, generated, written, event_id, event_type, count, category,
         _flags, _closing, string_offset, sid_length, sid_offset, data_length, data_offset) = fields
        if not length:
            break
        record = buffer[pos:pos + length]
        names = record[56:].decode("utf-16-le", "replace").split("\x00")
        strings = record[string_offset:data_offset].decode("utf-16-le").split("\x00")[:count]
        out.append({"length": length, "signature": signature, "number": number,
                    "generated": generated, "written": written, "id": event_id,
                    "type": event_type, "category": category, "source": names[0],
                    "computer": names[1], "sid": record[sid_offset:sid_offset + sid_length],
                    "strings": strings, "data_length": data_length,
                    "trailer": struct.unpack_from("<I", record, length - 4)[0]})
        pos += length
    return out


def _read(dce: Any, handle: bytes, flags: int, offset: int = 0, size: int = even.MAX_BATCH_BUFF) -> Any:
    resp = even.hElfrReadELW(dce, handle, flags, offset, size)
    return _records(b"".join(resp["Buffer"])[:resp["NumberOfBytesRead"]])


def _security(pipes_h: Any, config: Any, kind: str = "administrator") -> tuple[Any, bytes]:
    dce = pipes_h.impacket_dce(config, "eventlog", kind)
    return dce, even.hElfrOpenELW(dce, "Security", "")["LogHandle"]


def test_every_ms_even_opnum_is_declared(pipe_client: Callable[..., Any]) -> None:
    iface = pipe_client("eventlog", "administrator", "win2016").interface
    assert str(iface.uuid) == "82273fdc-e32a-18c3-3f78-827929dc23ea" and iface.version == (0, 0)
    assert sorted(iface.operations) == list(range(27))
    for opnum, (req, _) in even.OPNUMS.items():
        assert iface.operations[opnum].name == req.__name__, opnum


@pytest.mark.parametrize("opnum", [19, 20, 21, 27])
def test_not_used_on_wire_opnums_fault(pipe_client: Callable[..., Any], opnum: int) -> None:
    assert pipe_client("eventlog", "administrator", "win2016").fault(opnum) == NCA_S_OP_RNG_ERROR


def test_the_security_log_is_the_audit_log(pipes_h: Any) -> None:
    config = _audited(pipes_h, "win2016-dc")
    dce, handle = _security(pipes_h, config)
    assert even.hElfrNumberOfRecords(dce, handle)["NumberOfRecords"] == 3
    assert even.hElfrOldestRecordNumber(dce, handle)["OldestRecordNumber"] == 1
    first, second, logon = _read(dce, handle, SEQ_FORWARDS)
    assert [first["number"], second["number"], logon["number"]] == [1, 2, 3]
    assert first["signature"] == 0x654C664C and first["trailer"] == first["length"]
    assert first["length"] % 4 == 0
    assert first["id"] == 4625 and first["type"] == 0x0010 and first["category"] == 12544
    assert logon["id"] == 4624 and logon["type"] == 0x0008
    assert first["source"] == "Microsoft-Windows-Security-Auditing"
    assert first["computer"] == "legacysrv.corp.local"
    assert first["generated"] == first["written"] == int(WHEN.timestamp())
    assert first["sid"] == b""  # Security-Auditing events carry no user SID from Vista on
    # the 4625 template's order: Subject*, TargetUserSid, TargetUserName, TargetDomainName,
    # Status, FailureReason, SubStatus, LogonType, ...
    assert first["strings"][:11] == ["S-1-0-0", "-", "-", "0x0", "S-1-0-0", "user0", "CORP",
                                     "0xC000006D", "Unknown user name or bad password.",
                                     "0xC000006A", "3"]
    assert "10.0.0.9" in first["strings"] and first["data_length"] == 0
    # read to the end: STATUS_END_OF_FILE
    with pytest.raises(DCERPCException) as end:
        _read(dce, handle, SEQ_FORWARDS)
    assert _code(end.value) == STATUS_END_OF_FILE


def test_pre_vista_source_and_user_sid(pipes_h: Any) -> None:
    config = _audited(pipes_h, "win2003", failures=0)
    dce, handle = _security(pipes_h, config)
    (logon,) = _read(dce, handle, SEQ_FORWARDS)
    admin = config.directory.find_user("Administrator")
    assert logon["source"] == "Security" and logon["category"] == 2
    assert logon["sid"] == admin.sid.to_bytes()


def test_backwards_seek_and_buffer_too_small(pipes_h: Any) -> None:
    config = _audited(pipes_h, "win2016-dc")
    dce, handle = _security(pipes_h, config)
    assert [r["number"] for r in _read(dce, handle, SEQ_BACKWARDS)] == [3, 2, 1]
    assert [r["number"] for r in _read(dce, handle, SEEK_FORWARDS, 2)] == [2, 3]
    with pytest.raises(DCERPCException) as small:
        even.hElfrReadELW(dce, handle, SEEK_FORWARDS, 1, 16)
    assert _code(small.value) == STATUS_BUFFER_TOO_SMALL
    needed = small.value.get_packet()["MinNumberOfBytesNeeded"]
    one = even.hElfrReadELW(dce, handle, SEEK_FORWARDS, 1, needed + 8)
    (record,) = _records(b"".join(one["Buffer"])[:one["NumberOfBytesRead"]])
    assert record["length"] == needed and one["NumberOfBytesRead"] == needed
    # a sequential read continues after that record
    assert _read(dce, handle, SEQ_FORWARDS)[0]["number"] == 2
    for flags, offset in ((0, 0), (even.EVENTLOG_SEQUENTIAL_READ, 0), (0x3 | 0x4, 0),
                          (SEQ_FORWARDS | 0x8, 0), (SEEK_FORWARDS, 0)):
        with pytest.raises(DCERPCException) as bad:
            even.hElfrReadELW(dce, handle, flags, offset, 4096)
        assert _code(bad.value) == STATUS_INVALID_PARAMETER, hex(flags)
    with pytest.raises(DCERPCException) as beyond:
        even.hElfrReadELW(dce, handle, SEEK_FORWARDS, 99, 4096)
    assert _code(beyond.value) == STATUS_END_OF_FILE
    with pytest.raises(DCERPCException) as bound:
        even.hElfrReadELW(dce, handle, SEQ_FORWARDS, 0, even.MAX_BATCH_BUFF + 1)
    assert "0x6c6" in str(bound.value).lower() or "invalid_bound" in str(bound.value).lower(), \
        str(bound.value)


def test_the_ring_is_bounded(pipes_h: Any) -> None:
    config = _audited(pipes_h, "win2016-dc", failures=RECENT_EVENTS + 5)
    dce, handle = _security(pipes_h, config)
    assert even.hElfrNumberOfRecords(dce, handle)["NumberOfRecords"] == RECENT_EVENTS
    assert even.hElfrOldestRecordNumber(dce, handle)["OldestRecordNumber"] == 7
    assert _read(dce, handle, SEQ_BACKWARDS, size=4096)[0]["number"] == RECENT_EVENTS + 6


@pytest.mark.parametrize(("profile", "kind", "log", "allowed"), [
    ("win2016-dc", "administrator", "Security", True),
    ("win2016-dc", "user", "Security", False),
    ("win2000", "user", "Security", False),
    ("win2000", "guest", "Application", False),
    ("win2000", "user", "Application", True),
    ("win2000", "user", "System", True),
    ("win2003", "user", "Application", False),
    ("win2016", "user", "System", False),
    ("win2016", "administrator", "System", True),
])
def test_who_may_open_which_log(pipes_h: Any, profile: str, kind: str, log: str,
                                allowed: bool) -> None:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config(profile), "eventlog", kind)
    if allowed:
        even.hElfrOpenELW(dce, log, "")
        return
    with pytest.raises(DCERPCException) as refused:
        even.hElfrOpenELW(dce, log, "")
    assert _code(refused.value) == STATUS_ACCESS_DENIED


def test_unknown_log_opens_application(pipes_h: Any) -> None:
    config = _audited(pipes_h, "win2000")
    dce = pipes_h.impacket_dce(config, "eventlog", "user")
    handle = even.hElfrOpenELW(dce, "NoSuchLog", "")["LogHandle"]
    assert even.hElfrNumberOfRecords(dce, handle)["NumberOfRecords"] == 0
    assert even.hElfrOldestRecordNumber(dce, handle)["OldestRecordNumber"] == 0
    with pytest.raises(DCERPCException) as empty:
        _read(dce, handle, SEQ_FORWARDS)
    assert _code(empty.value) == STATUS_END_OF_FILE


def test_other_calls(pipes_h: Any, pipe_client: Callable[..., Any]) -> None:
    config = _audited(pipes_h, "win2016-dc")
    # impacket has no ElfrGetLogInformation / ElfrChangeNotify: the server's own NDR encodes them
    client = pipe_client("eventlog", "administrator", server=config)
    opened = client.call(7, ModuleName="Security", RegModuleName="", MajorVersion=1,
                         MinorVersion=1)
    assert opened["ReturnValue"] == 0
    log = opened["LogHandle"]
    info = client.call(22, LogHandle=log, InfoLevel=0, cbBufSize=4)
    assert (info["ReturnValue"], info["pcbBytesNeeded"], info["Buffer"]) == (0, 4, bytes(4))
    for level, size, status in ((1, 4, STATUS_INVALID_LEVEL), (0, 2, STATUS_BUFFER_TOO_SMALL)):
        assert client.call(22, LogHandle=log, InfoLevel=level, cbBufSize=size)["ReturnValue"] == status
    assert client.call(6, LogHandle=log)["ReturnValue"] == STATUS_INVALID_HANDLE
    dce, handle = _security(pipes_h, config)
    # a DOS path is STATUS_OBJECT_PATH_SYNTAX_BAD; the Security log's backup to an NT path
    # STATUS_OBJECT_NAME_INVALID (pipes/eventlog/refused.py); a backup never written is not found
    for call, status in ((lambda: even.hElfrBackupELFW(dce, handle, "c:\\x.evt"), 0xC000003B),
                         (lambda: even.hElfrBackupELFW(dce, handle, "\\??\\c:\\x.evt"), 0xC0000033),
                         (lambda: even.hElfrOpenBELW(dce, "c:\\x.evt"), 0xC0000034)):
        with pytest.raises(DCERPCException) as answer:
            call()
        assert _code(answer.value) == status
    even.hElfrCloseEL(dce, handle)
    with pytest.raises(DCERPCException) as stale:
        even.hElfrNumberOfRecords(dce, handle)
    assert "context_mismatch" in str(stale.value).lower() or _code(stale.value) == 0x1C00001A


def test_a_user_cannot_clear_an_application_log_it_may_read(pipes_h: Any) -> None:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2000"), "eventlog", "user")
    handle = even.hElfrOpenELW(dce, "Application", "")["LogHandle"]
    for call in (lambda: even.hElfrClearELFW(dce, handle, "c:\\x.evt"),
                 lambda: even.hElfrBackupELFW(dce, handle, "c:\\x.evt")):
        with pytest.raises(DCERPCException) as refused:
            call()
        assert _code(refused.value) == STATUS_ACCESS_DENIED


@pytest.mark.parametrize("opnum", range(27))
def test_malformed_stubs_are_faults(pipe_client: Callable[..., Any], opnum: int,
                                    caplog: pytest.LogCaptureFixture) -> None:
    """Garbage, truncated or oversized input: a fault or a protocol answer, and no handler
    exception (the runtime would turn one into a fault, logged with its traceback)."""
    client = pipe_client("eventlog", "administrator", "win2016-dc")
    opened = client.call(7, ModuleName="Security", RegModuleName="", MajorVersion=1,
                         MinorVersion=1)["LogHandle"]
    stubs = (b"", b"\x01", b"\xff" * 7, b"\x00" * 20 + b"\xff" * 64,
             opened + b"\xff" * 12, opened + struct.pack("<III", 5, 0xFFFFFFFF, 0x7FFFF))
    with caplog.at_level(logging.ERROR):
        for stub in stubs:
            try:
                client.raw(opnum, stub)
            except Exception as exc:  # a fault PDU is what the client sees
                assert type(exc).__name__ == "CallFault", exc
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
