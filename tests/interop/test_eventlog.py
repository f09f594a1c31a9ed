"""eventlog (MS-EVEN) with the clients a lab uses (issue 15 item 6): Samba's rpcclient
``eventlog_numrecord`` / ``eventlog_readlog`` and impacket's ``impacket.dcerpc.v5.even`` read the
Security log back -- the audit log of this very server, with the failed logon (4625) the test
made just before -- as the Administrator; a normal user is refused.  Credentials are the corp
fixture's: Administrator / Adm!n2003, alice / Wonderland1.  A missing client fails the test."""

from __future__ import annotations

import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from impacket.dcerpc.v5 import even, transport
from impacket.dcerpc.v5.rpcrt import DCERPCException

from helpers import HOST, ServerThread, run_tool

pytestmark = pytest.mark.interop


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    with ServerThread("win2016-dc", audit_log=str(tmp_path / "audit.jsonl")) as running:
        yield running
    running.config.audit.close()


def _rpcclient(server: ServerThread, user: str, command: str) -> subprocess.CompletedProcess[str]:
    # rpcclient prints the decoded records at debug level 1 (NDR_PRINT_DEBUG)
    return run_tool(["rpcclient", "-d1", "-p", str(server.port), "-U", user, HOST, "-c", command],
                    timeout=60)


def _failed_logon(server: ServerThread, user: str = "mallory") -> None:
    """A logon with a wrong password: the audit log writes 4625 for it."""
    result = run_tool(["smbclient", "-L", f"//{HOST}", "-p", str(server.port),
                       "-U", f"{user}%nope", "-c", "exit"], timeout=60)
    assert "NT_STATUS_LOGON_FAILURE" in result.stdout + result.stderr


def test_rpcclient_reads_the_failed_logon_back(server: ServerThread) -> None:
    _failed_logon(server, "mallory")
    numbers = _rpcclient(server, "Administrator%Adm!n2003", "eventlog_numrecord Security")
    assert numbers.returncode == 0, numbers.stderr
    count = int(numbers.stdout.split("number of records:")[1].split()[0])
    # at least the 4625 and the administrator's own logon: 4776, 4672, 4624 (and its 5140 / 5145
    # on IPC$); no 4776 for the failure (Credential Validation audits Success only by default)
    assert count >= 4, numbers.stdout
    read = _rpcclient(server, "Administrator%Adm!n2003", "eventlog_readlog Security")
    out = read.stdout + read.stderr
    assert read.returncode == 0, out
    # rpcclient prints each EVENTLOGRECORD it decoded (newest first: it reads backwards)
    assert "EventID                  : 0x00001211 (4625)" in out, out
    assert "EVENTLOG_AUDIT_FAILURE" in out, out
    assert "SourceName               : 'Microsoft-Windows-Security-Auditing'" in out, out
    assert "Strings                  : 'mallory'" in out, out
    assert "Strings                  : '0xC000006D'" in out, out  # the 4625's Status
    assert "EventID                  : 0x00001210 (4624)" in out, out
    assert "EventID                  : 0x000012a8 (4776)" in out, out
    assert "Strings                  : 'MICROSOFT_AUTHENTICATION_PACKAGE_V1_0'" in out, out
    assert "EventID                  : 0x00001240 (4672)" in out, out


def test_rpcclient_security_log_refused_to_a_user(server: ServerThread) -> None:
    result = _rpcclient(server, "alice%Wonderland1", "eventlog_numrecord Security")
    assert "NT_STATUS_ACCESS_DENIED" in result.stdout + result.stderr
    assert "number of records" not in result.stdout


def _even(server: ServerThread, user: str, password: str) -> object:
    rpc = transport.DCERPCTransportFactory(f"ncacn_np:{HOST}[\\pipe\\eventlog]")
    rpc.set_dport(server.port)
    rpc.set_credentials(user, password, "CORP")
    dce = rpc.get_dce_rpc()
    dce.connect()
    dce.bind(even.MSRPC_UUID_EVEN)
    return dce


def _records(buffer: bytes) -> list[dict[str, object]]:
    """The EVENTLOGRECORDs of a read (MS-EVEN 2.2.3), decoded by their offsets."""
    records = []
    pos = 0
    while pos + 56 <= len(buffer):
        (length, signature, number, generated, _written, event_id, event_type, count, _category,
         _flags, _closing, string_offset) = struct.unpack_from("<IIIIIIHHHHII", buffer, pos)
        if length == 0:
            break
        record = buffer[pos:pos + length]
        assert signature == 0x654C664C and struct.unpack_from("<I", record, length - 4)[0] == length
        strings = record[string_offset:].decode("utf-16-le", "replace").split("\x00")[:count]
        records.append({"number": number, "time": generated, "id": event_id,
                        "type": event_type, "strings": strings})
        pos += length
    return records


def test_impacket_reads_the_records(server: ServerThread) -> None:
    _failed_logon(server, "trudy")
    dce = _even(server, "Administrator", "Adm!n2003")
    handle = even.hElfrOpenELW(dce, "Security", "")["LogHandle"]
    count = even.hElfrNumberOfRecords(dce, handle)["NumberOfRecords"]
    oldest = even.hElfrOldestRecordNumber(dce, handle)["OldestRecordNumber"]
    assert oldest == 1 and count >= 2
    resp = even.hElfrReadELW(dce, handle, even.EVENTLOG_SEQUENTIAL_READ | even.EVENTLOG_FORWARDS_READ,
                             0, even.MAX_BATCH_BUFF)
    records = _records(b"".join(resp["Buffer"])[:resp["NumberOfBytesRead"]])
    assert [r["number"] for r in records] == list(range(1, len(records) + 1))
    failure = next(r for r in records if r["id"] == 4625)
    assert failure["type"] == 0x0010 and "trudy" in failure["strings"]
    assert any(r["id"] == 4624 and r["type"] == 0x0008 and "Administrator" in r["strings"]
               for r in records)
    # the administrator's logon as a 2016 DC writes it: 4776, 4672, 4624, one after the other,
    # the 4672 with the 4624's Logon ID and one privilege a line
    ids = [r["id"] for r in records]
    at = next(i for i in range(len(ids) - 2) if ids[i:i + 3] == [4776, 4672, 4624]
              and "Administrator" in records[i + 2]["strings"])
    validation, special, logon = records[at:at + 3]
    assert validation["strings"] == ["MICROSOFT_AUTHENTICATION_PACKAGE_V1_0", "Administrator", "-", "0x0"]
    assert special["strings"][3] in logon["strings"]  # SubjectLogonId == TargetLogonId
    assert special["strings"][4].split("\n\t\t\t")[:2] == ["SeSecurityPrivilege", "SeBackupPrivilege"]
    # the next sequential read is at the end of the log (or at events written since)
    # a seek back to record 1 with a one-byte buffer: too small, and the size it needs
    with pytest.raises(DCERPCException) as small:
        even.hElfrReadELW(dce, handle, even.EVENTLOG_SEEK_READ | even.EVENTLOG_FORWARDS_READ, 1, 1)
    assert "STATUS_BUFFER_TOO_SMALL" in str(small.value)
    needed = small.value.get_packet()["MinNumberOfBytesNeeded"]
    first = even.hElfrReadELW(dce, handle, even.EVENTLOG_SEEK_READ | even.EVENTLOG_FORWARDS_READ,
                              1, needed)
    assert first["NumberOfBytesRead"] == needed
    assert _records(b"".join(first["Buffer"]))[0]["number"] == 1
    # the refusals Windows gives the administrator (impacket's own tests/dcerpc/test_even.py)
    with pytest.raises(DCERPCException, match="STATUS_OBJECT_NAME_INVALID"):
        even.hElfrClearELFW(dce, handle, "\\??\\c:\\beto2")
    with pytest.raises(DCERPCException, match="STATUS_OBJECT_NAME_NOT_FOUND"):
        even.hElfrOpenBELW(dce, "\\??\\BETO")
    with pytest.raises(DCERPCException, match="STATUS_ACCESS_DENIED"):
        even.hElfrRegisterEventSourceW(dce, "Security", "")
    even.hElfrCloseEL(dce, handle)
    dce.disconnect()


def test_impacket_security_log_refused_to_a_user(server: ServerThread) -> None:
    dce = _even(server, "alice", "Wonderland1")
    with pytest.raises(DCERPCException, match="STATUS_ACCESS_DENIED"):
        even.hElfrOpenELW(dce, "Security", "")
    dce.disconnect()


def test_anonymous_cannot_open_the_pipe(server: ServerThread) -> None:
    # eventlog is in no release's NullSessionPipes: the CREATE itself is refused (§0 rule 3)
    with pytest.raises(Exception, match="STATUS_ACCESS_DENIED"):
        _even(server, "", "")


def test_rpcclient_reads_a_pre_vista_security_log(tmp_path: Path) -> None:
    # Windows Server 2003: SourceName "Security" and the account's SID in the record's UserSid
    with ServerThread("win2003", audit_log=str(tmp_path / "audit.jsonl")) as old:
        _failed_logon(old, "eve")
        read = _rpcclient(old, "Administrator%Adm!n2003", "eventlog_readlog Security")
    old.config.audit.close()
    out = read.stdout + read.stderr
    assert read.returncode == 0, out
    assert "SourceName               : 'Security'" in out, out
    assert "Strings                  : 'eve'" in out, out
    administrator = old.config.directory.find_user("Administrator")
    assert f"UserSid                  : {administrator.sid}" in out, out


def test_an_administrator_writes_backs_up_and_clears(server: ServerThread) -> None:
    """MS-EVEN 3.1.4.13 / 3.1.4.5 / 3.1.4.9: an administrator's event lands in the Application
    log (rpcclient eventlog_reportevent) and reads back; a backup needs an NT path, is kept in the
    server's memory and opens again; clearing the Security log leaves Windows' 1102."""
    written = _rpcclient(server, "Administrator%Adm!n2003",
                         "eventlog_reportevent Application; eventlog_numrecord Application")
    assert "entry: 1 written" in written.stdout and "number of records: 1" in written.stdout, written
    dce = _even(server, "Administrator", "Adm!n2003")
    app = even.hElfrOpenELW(dce, "Application", "")["LogHandle"]
    with pytest.raises(DCERPCException, match="STATUS_OBJECT_PATH_SYNTAX_BAD"):
        even.hElfrBackupELFW(dce, app, "C:\\lab.evt")
    even.hElfrBackupELFW(dce, app, "\\??\\C:\\lab.evt")
    with pytest.raises(DCERPCException, match="STATUS_OBJECT_NAME_COLLISION"):
        even.hElfrBackupELFW(dce, app, "\\??\\C:\\lab.evt")
    backup = even.hElfrOpenBELW(dce, "\\??\\C:\\lab.evt")["LogHandle"]
    assert even.hElfrNumberOfRecords(dce, backup)["NumberOfRecords"] == 1
    security = even.hElfrOpenELW(dce, "Security", "")["LogHandle"]
    assert even.hElfrNumberOfRecords(dce, security)["NumberOfRecords"] >= 1
    even.hElfrClearELFW(dce, security)
    security = even.hElfrOpenELW(dce, "Security", "")["LogHandle"]
    resp = even.hElfrReadELW(dce, security, even.EVENTLOG_SEQUENTIAL_READ | even.EVENTLOG_FORWARDS_READ,
                             0, even.MAX_BATCH_BUFF)
    records = _records(b"".join(resp["Buffer"])[:resp["NumberOfBytesRead"]])
    assert records[0]["id"] == 1102 and "Administrator" in records[0]["strings"], records
    dce.disconnect()
    refused = _rpcclient(server, "alice%Wonderland1", "eventlog_reportevent Application")
    assert "written" not in refused.stdout and "ACCESS_DENIED" in refused.stdout + refused.stderr
