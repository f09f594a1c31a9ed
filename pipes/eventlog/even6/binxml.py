"""Events as MS-EVEN6 returns them: BinXml (MS-EVEN6 2.2.12) inside a Result Set (2.2.17).

Each event is one BinXml fragment without templates (2.2.12 allows plain elements; its own
worked example, "a simple BinXml fragment (without use of templates)", is the layout followed
here): FragmentHeaderToken 0x0F with version 1.1; an element is OpenStartElementToken 0x01
(0x41 when attributes follow), its byte length (DWORD, counted from after itself through its
EndElementToken), its Name (NameHash WORD, NameNumChars WORD, the UTF-16 name NUL-terminated),
for 0x41 the attribute list's byte length and each attribute (AttributeToken 0x06, 0x46 when
another follows, its Name, its value), then CloseStartElementToken 0x02, the content and
EndElementToken 0x04 -- or CloseEmptyElementToken 0x03; text is ValueTextToken 0x05,
StringType 0x01 and a length-prefixed (WORD count) UTF-16 string; EOFToken 0x00 ends it.
NameHash is the low 16 bits of ``hash = hash * 65599 + char`` over the name's characters
(2.2.12; it gives 0x0CBA for "Event", as the example shows).

The XML is the event schema's (the ``Event`` element of the
http://schemas.microsoft.com/win/2004/08/events/event namespace, as ``wevtutil qe`` prints a
Security event, W): ``System`` -- Provider (Name, Guid), EventID, Version, Level, Task, Opcode,
Keywords, TimeCreated SystemTime, EventRecordID, Correlation, Execution, Channel, Computer,
Security -- then ``EventData`` with one ``Data Name=...`` per field.  The values are those
MS-EVEN's ElfrReadELW serves for the same record (pipes/eventlog/records.py: the audit log's
event, its EventID, time, computer and data strings in the same order and spelling); the
record number is the EventRecordID.

The Result Set (2.2.17): totalSize, headerSize 0x10, eventOffset 0x10, bookmarkOffset,
binXmlSize, the BinXml, numberOfSubqueryIDs 0 (an XPath query, not a structured one), and the
bookmark (2.2.18 BookMark) of the event: bookmarkSize, headerSize 0x18, channelSize 1,
currentChannel 0, readDirection (0 forwards, 1 backwards), recordIdsOffset 0x18, then the
record id as a 64-bit number.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Final

from ..records import event_data, task_category

#: The providers of the Security log's events and their Guids (W: the System/Provider element
#: of every 46xx / 47xx / 51xx event, and of 1102, "The audit log was cleared").
SECURITY_PROVIDER: Final = "Microsoft-Windows-Security-Auditing"
PROVIDER_GUIDS: Final = {SECURITY_PROVIDER: "{54849625-5478-4994-A5BA-3E3B0328C30D}",
                         "Microsoft-Windows-Eventlog": "{FC65DDD8-D6EF-4962-83D5-6E5CFE9CE148}"}
EVENT_NAMESPACE: Final = "http://schemas.microsoft.com/win/2004/08/events/event"
#: Keywords of audit events (W: wevtutil output): Audit Success / Audit Failure.
KEYWORDS_SUCCESS: Final = "0x8020000000000000"
KEYWORDS_FAILURE: Final = "0x8010000000000000"

_FRAGMENT_HEADER: Final = b"\x0f\x01\x01\x00"
_EOF: Final = b"\x00"


def name_hash(name: str) -> int:
    value = 0
    for char in name:
        value = (value * 65599 + ord(char)) & 0xFFFFFFFF
    return value & 0xFFFF


def _name(name: str) -> bytes:
    return struct.pack("<HH", name_hash(name), len(name)) + name.encode("utf-16-le") + b"\x00\x00"


def _text(value: str) -> bytes:
    encoded = value.encode("utf-16-le", "surrogatepass")
    return b"\x05\x01" + struct.pack("<H", len(encoded) // 2) + encoded


def element(name: str, attributes: Sequence[tuple[str, str]] = (),
            content: bytes | str | None = None) -> bytes:
    """One element: ``content`` is text, or the children's bytes, or None (empty element)."""
    body = _name(name)
    if attributes:
        listed = b""
        for index, (attr, value) in enumerate(attributes):
            token = 0x46 if index + 1 < len(attributes) else 0x06
            listed += bytes([token]) + _name(attr) + _text(value)
        body += struct.pack("<I", len(listed)) + listed
    if content is None or content == b"" or content == "":
        body += b"\x03"
    else:
        body += b"\x02" + (_text(content) if isinstance(content, str) else content) + b"\x04"
    token = 0x41 if attributes else 0x01
    return bytes([token]) + struct.pack("<I", len(body)) + body


def _system_time(text: object) -> str:
    """TimeCreated SystemTime as Windows writes it (ISO 8601 UTC, 7 fractional digits, W)."""
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return str(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


def event_binxml(number: int, event: Mapping[str, Any], channel: str) -> bytes:
    """The BinXml document of one audit-log event (module docstring)."""
    event_id = int(event.get("EventID", 0)) & 0xFFFF
    success = event.get("Keywords") == "Audit Success"
    provider = str(event.get("Provider") or SECURITY_PROVIDER)
    system = b"".join((
        element("Provider", (("Name", provider), ("Guid", PROVIDER_GUIDS.get(provider, "")))),
        element("EventID", content=str(event_id)),
        element("Version", content="0"),
        element("Level", content="0"),
        element("Task", content=str(task_category(event_id))),
        element("Opcode", content="0"),
        element("Keywords", content=KEYWORDS_SUCCESS if success else KEYWORDS_FAILURE),
        element("TimeCreated", (("SystemTime", _system_time(event.get("TimeCreated", ""))),)),
        element("EventRecordID", content=str(number)),
        element("Correlation"),
        element("Execution", (("ProcessID", "4"), ("ThreadID", "0"))),
        element("Channel", content=channel),
        element("Computer", content=str(event.get("Computer", ""))),
        element("Security"),
    ))
    data = b"".join(element("Data", (("Name", name),), text or None)
                    for name, text in event_data(event))
    root = element("Event", (("xmlns", EVENT_NAMESPACE),),
                   element("System", content=system) + element("EventData", content=data or None))
    return _FRAGMENT_HEADER + root + _EOF


def bookmark(number: int, backwards: bool) -> bytes:
    """MS-EVEN6 2.2.18 BookMark of one record of one channel."""
    body = struct.pack("<IIIIII", 0x18 + 8, 0x18, 1, 0, 1 if backwards else 0, 0x18)
    return body + struct.pack("<Q", number)


def result_set(number: int, event: Mapping[str, Any], channel: str, backwards: bool) -> bytes:
    """MS-EVEN6 2.2.17: one event with its header and bookmark."""
    binxml = event_binxml(number, event, channel)
    subqueries = struct.pack("<I", 0)
    mark = bookmark(number, backwards)
    bookmark_offset = 20 + len(binxml) + len(subqueries)
    total = bookmark_offset + len(mark)
    return struct.pack("<IIIII", total, 0x10, 0x10, bookmark_offset, len(binxml)) + binxml + \
        subqueries + mark


__all__ = ["element", "event_binxml", "name_hash", "result_set", "bookmark"]
