"""The logs the eventlog pipe serves and their records: MS-EVEN 2.2.3 EVENTLOGRECORD.

The **Security** log is the audit log read back: every Windows event the server's audit log
(``--audit-log``) wrote, from the bounded ring it keeps in memory (``AuditLog.recent``), with
the record number it was given there.  Without an audit log the Security log is empty, as on a
Windows whose audit policy logs nothing (the default of NT 4 / 2000 / XP, W).  smbemu's own
events (100001 and up) are not served: a Windows EventID is 16 bits (the upper half of
EVENTLOGRECORD.EventID carries severity and facility, MS-EVEN 2.2.3), and every read of the log
would itself add one.  The **Application** and **System** logs exist and are empty (U: a real
machine has boot events there; inventing them would show data that was never logged here).

The record's strings are the event's data fields in the order the audit log writes them, which
is the order of Windows' event templates (the ``EventData`` of 4624, 4625, ... as
``smbemu.audit`` builds them); numbers are given as decimal strings, as the legacy API renders
template values (W: Event Viewer's "Details" of a 4624 read through ReadEventLog).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Final

from smbemu.sid import Sid

#: The logs a Windows server has under ``Services\\EventLog`` (W) and their canonical spelling.
LOGS: Final = {"application": "Application", "security": "Security", "system": "System"}
#: Event sources mapped to their log (MS-EVEN 3.1.4.3: ModuleName may name a source).
SOURCES: Final = {"microsoft-windows-security-auditing": "Security",
                  "service control manager": "System", "eventlog": "System"}

#: MS-EVEN 2.2.3 Reserved: "LfLe".
_SIGNATURE: Final = 0x654C664C
_HEADER: Final = struct.Struct("<IIIIIIHHHHIIIIII")
EVENTLOG_AUDIT_SUCCESS: Final = 0x0008
EVENTLOG_AUDIT_FAILURE: Final = 0x0010
#: The fields of the audit log's events that are the System part of the event, not its data.
_SYSTEM_FIELDS: Final = frozenset({"EventID", "EventType", "EventCategory", "TimeCreated",
                                   "Computer", "Channel", "Provider",
                                   "Keywords", "RepeatCount", "RepeatFirstTime"})
#: Task categories of the Security-Auditing events (the record's EventCategory), as Event Viewer
#: shows them on Vista / 2008 and later (W: Logon 12544, Logoff 12545, Account Lockout 12546,
#: User / Computer Account Management 13824 / 13825, Security Group Management 13826, File
#: Share 12808, Detailed File Share 12811; Special Logon 12548 and Credential Validation 14336:
#: the <Task> of the event-4672 / event-4776 pages' XML).
_CATEGORY: Final = {4624: 12544, 4625: 12544, 4634: 12545, 4672: 12548, 4776: 14336, 4740: 13824,
                    4720: 13824, 4722: 13824, 4723: 13824, 4724: 13824, 4725: 13824,
                    4726: 13824, 4738: 13824, 4741: 13825, 4742: 13825, 4743: 13825,
                    4728: 13826, 4729: 13826, 4732: 13826, 4733: 13826,
                    5140: 12808, 5145: 12811}
#: Pre-Vista category of logon / logoff events (2 = Logon/Logoff, 7 = Account Management;
#: W: the Security log of 2000 / 2003).
_CATEGORY_PRE_VISTA: Final = {12544: 2, 12545: 2, 12546: 2, 13824: 7, 13825: 7, 13826: 7,
                              12808: 4, 12811: 4}
_NULL_SIDS: Final = frozenset({"", "-", "S-1-0-0"})


def source_name(version: tuple[int, int]) -> str:
    """The record's SourceName: "Microsoft-Windows-Security-Auditing" from Vista / 2008 on,
    "Security" before (W: the Source column of Event Viewer's Security log on 2000 / 2003)."""
    return "Microsoft-Windows-Security-Auditing" if version >= (6, 0) else "Security"


def log_records(audit: Any, log: str) -> Sequence[tuple[int, Mapping[str, Any]]]:
    """The records of ``log`` (oldest first), each with its record number."""
    if log != "Security" or audit is None:
        return ()
    recent = getattr(audit, "recent_events", None)
    return recent.records() if recent is not None else ()


def _seconds(text: object) -> int:
    """``TimeCreated`` (ISO 8601, UTC) as seconds since 1970 (MS-EVEN 2.2.3 TimeGenerated)."""
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0, min(int(moment.timestamp()), 0xFFFFFFFF))


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def event_data(event: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The event's data fields (name, text) in the audit log's order: the record's strings
    (also what MS-EVEN6 serves as the event's ``EventData``, pipes/eventlog/even6/binxml.py)."""
    return [(name, _text(value)) for name, value in event.items() if name not in _SYSTEM_FIELDS]


def task_category(event_id: int) -> int:
    """The Vista-and-later task category of a Security event (0 when not known)."""
    return _CATEGORY.get(event_id, 0)


def _user_sid(event: Mapping[str, Any], version: tuple[int, int]) -> bytes:
    """The record's UserSid: none from Vista on (Security-Auditing events carry no user in
    their System part, W: the empty ``<Security />`` element); before, the account the event is
    about (W: the "User" column of 2000 / 2003 logon events), else SYSTEM."""
    if version >= (6, 0):
        return b""
    for field in ("TargetUserSid", "SubjectUserSid"):
        text = str(event.get(field, ""))
        if text not in _NULL_SIDS:
            try:
                return Sid.parse(text).to_bytes()
            except (ValueError, AttributeError):
                break
    return Sid.parse("S-1-5-18").to_bytes()


def _utf16z(text: str) -> bytes:
    return text.encode("utf-16-le", "surrogatepass") + b"\x00\x00"


def _ansiz(text: str) -> bytes:
    return text.encode("cp1252", "replace") + b"\x00"


def eventlog_record(number: int, event: Mapping[str, Any], version: tuple[int, int],
                    *, ansi: bool = False) -> bytes:
    """One EVENTLOGRECORD (MS-EVEN 2.2.3): the 56-byte header, SourceName, Computername,
    the UserSid DWORD-aligned, the strings, no data, padding and the trailing Length.  ``ansi``
    for ElfrReadELA (strings in the system code page, 3.1.4.8)."""
    encode = _ansiz if ansi else _utf16z
    event_id = int(event.get("EventID", 0)) & 0xFFFF
    success = event.get("Keywords") == "Audit Success"
    event_type = event.get("EventType")
    if event_type is None:
        event_type = EVENTLOG_AUDIT_SUCCESS if success else EVENTLOG_AUDIT_FAILURE
    strings = [text for _, text in event_data(event)]
    category = event.get("EventCategory")
    if category is None:
        category = task_category(event_id)
        if version < (6, 0):
            category = _CATEGORY_PRE_VISTA.get(category, 0)
    body = encode(source_name(version)) + encode(str(event.get("Computer", "")))
    sid = _user_sid(event, version)
    # The SID is DWORD-aligned (UserSidPadding); without a SID nothing is padded and its offset
    # is that of the strings (Samba's parser, like Windows' records, reads the strings right
    # after Computername then).
    sid_offset = _HEADER.size + len(body)
    if sid:
        sid_offset += -sid_offset % 4
    body += bytes(sid_offset - _HEADER.size - len(body)) + sid
    string_offset = _HEADER.size + len(body)
    body += b"".join(encode(s) for s in strings)
    data_offset = _HEADER.size + len(body)
    # Padding to a DWORD: at least one NUL byte (Samba's parser reads the pad as a NUL-terminated
    # string), which keeps the record a multiple of 4 bytes as MS-EVEN 2.2.3 requires.
    unpadded = data_offset + 4
    body += bytes(4 - unpadded % 4 if unpadded % 4 else 4)
    length = _HEADER.size + len(body) + 4
    seconds = _seconds(event.get("TimeCreated"))
    header = _HEADER.pack(
        length, _SIGNATURE, number, seconds, seconds, event_id,
        int(event_type), len(strings), int(category),
        0, 0, string_offset, len(sid), sid_offset, 0, data_offset)
    return header + body + struct.pack("<I", length)


#: Where the record number up to which a log was cleared is kept (the server's memo): the
#: readers -- MS-EVEN here, MS-EVEN6's EvtRpcClearLog (pipes/eventlog/even6) -- no longer see those
#: records; the audit log file keeps them.
CLEARED_MEMO: Final = "eventlog.cleared_up_to"


#: Where the events administrators reported (ElfrReportEventW) are kept, per log (the server's
#: memo): a log other than Security holds only those.
REPORTED_MEMO: Final = "eventlog.reported"
#: The most reported events a log keeps; older ones are overwritten, as a full log set to
#: "overwrite events as needed" does (U: the size Windows' 20 MiB default holds).
MAX_REPORTED: Final = 10_000


def append_record(server: Any, log: str, event: Mapping[str, Any]) -> int:
    """Append an administrator's event to ``log`` (not Security); its record number."""
    kept: dict[str, list[tuple[int, Mapping[str, Any]]]] = server.memo(REPORTED_MEMO, dict)
    records = kept.setdefault(log, [])
    number = records[-1][0] + 1 if records else 1
    records.append((number, dict(event)))
    del records[:-MAX_REPORTED]
    return number


def visible_records(server: Any, log: str) -> Sequence[tuple[int, Mapping[str, Any]]]:
    """The records of ``log`` a reader sees: those after the last clear."""
    found: Sequence[tuple[int, Mapping[str, Any]]] = log_records(getattr(server, "audit", None), log)
    memo = getattr(server, "memo", None)
    if log != "Security" and memo is not None:
        found = list(memo(REPORTED_MEMO, dict).get(log, ()))
    cleared = memo(CLEARED_MEMO, dict).get(log, 0) if memo is not None else 0
    return [item for item in found if item[0] > cleared] if cleared else found


def clear_log(server: Any, log: str) -> None:
    """Hide every record ``log`` holds now from its readers (EvtRpcClearLog, ElfrClearELFW)."""
    found = visible_records(server, log)
    if found:
        server.memo(CLEARED_MEMO, dict)[log] = found[-1][0]
