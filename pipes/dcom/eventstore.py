"""The COM+ Event System's event store (MS-COMEV 3.1.1.1 event classes, 3.1.1.2 subscriptions)
and the query language IEventSystem::Query reads it with (MS-COMEV 2.2.1).

What a default Windows Server keeps there.  The System Event Notification Service registers its
event classes at setup ("SENS adds itself to the COM+ Events data store and provides information
on the classes of events that it monitors using a GUID for each class of events": the Platform
SDK's "SENS Architecture"): network, logon, power (OnNow) and, from XP on, logon2 -- their
EventClassIDs, firing interfaces and the publisher id are the SDK's (sens.h, sensevts.h:
SENSGUID_EVENTCLASS_*, IID_ISens*, SENSGUID_PUBLISHER).  WinInet subscribes to the network
events (the SDK names its subscriber SENSGUID_SUBSCRIBER_WININET), one subscription per method,
as SENS subscriptions are "on a per event level" (same page).  U: a real store holds more
subscriptions (those of the services installed) and the names, descriptions, subscription ids
and type library paths below are smbemu's; the sources are silent on them.

Query criteria (MS-COMEV 2.2.1; the SDK's IEventSystem::Query remarks): ``ALL``, or comparisons
``[NOT] property op value`` with op one of ``==``, ``=``, ``!=``, ``<>``, ``~=`` and value a
"string", a 'string', a {GUID}, TRUE, FALSE or NULL, joined with AND / OR and grouped with
parentheses.  A malformed string is EVENT_E_QUERYSYNTAX with the index of the offending
character, a property the object does not have EVENT_E_QUERYFIELD (MS-COMEV 3.1.4.1.1).
``~=`` compares without case (U: the sources do not say what it means; smbemu reads it so).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Final

__all__ = ["EVENT_CLASSES", "SUBSCRIPTIONS", "Record", "QueryError", "query", "EVENT_E_QUERYSYNTAX",
           "EVENT_E_QUERYFIELD", "PROGID_EVENT_CLASSES", "PROGID_SUBSCRIPTIONS"]

#: MS-COMEV 3.1.4.1.1 (winerror.h).
EVENT_E_QUERYSYNTAX: Final = 0x80040203
EVENT_E_QUERYFIELD: Final = 0x80040204
PROGID_EVENT_CLASSES: Final = "EventSystem.EventClassCollection"
PROGID_SUBSCRIPTIONS: Final = "EventSystem.EventSubscriptionCollection"

#: One stored object: property name (MS-COMEV 3.1.1.1 / 3.1.1.2) -> value (str, bool or None).
Record = dict[str, "str | bool | None"]
Predicate = Callable[[Record], bool]

_SENS_PUBLISHER: Final = "{5FEE1BD6-5B9B-11D1-8DD2-00AA004ABD5E}"  # SENSGUID_PUBLISHER
_SYSTEM: Final = "S-1-5-18"  # LocalSystem, the account SENS runs as (U: the owner recorded)
_NETWORK: Final = "{D5978620-5B9F-11D1-8DD2-00AA004ABD5E}"  # SENSGUID_EVENTCLASS_NETWORK
_ISENS_NETWORK: Final = "{D597BAB1-5B9F-11D1-8DD2-00AA004ABD5E}"


def _event_class(class_id: str, name: str, interface: str) -> Record:
    return {"EventClassID": class_id, "EventClassName": name, "OwnerSID": _SYSTEM,
            "FiringInterfaceID": interface, "Description": "", "CustomConfigCLSID": "",
            "TypeLib": r"%SystemRoot%\System32\sens.dll", "PublisherID": _SENS_PUBLISHER,
            "MultiInterfacePublisherFilterCLSID": "", "AllowInprocActivation": True,
            "FireInParallel": False, "EventClassPartitionID": "", "EventClassApplicationID": ""}


EVENT_CLASSES: Final[tuple[Record, ...]] = (
    _event_class(_NETWORK, "SENS Network Events", _ISENS_NETWORK),
    _event_class("{D5978630-5B9F-11D1-8DD2-00AA004ABD5E}", "SENS Logon Events",
                 "{D597BAB3-5B9F-11D1-8DD2-00AA004ABD5E}"),
    _event_class("{D5978640-5B9F-11D1-8DD2-00AA004ABD5E}", "SENS OnNow Events",
                 "{D597BAB2-5B9F-11D1-8DD2-00AA004ABD5E}"),
    _event_class("{D5978650-5B9F-11D1-8DD2-00AA004ABD5E}", "SENS Logon2 Events",
                 "{D597BAB4-5B9F-11D1-8DD2-00AA004ABD5E}"),
)


def _wininet(method: str) -> Record:
    name = f"WinInet {method}"
    # U: smbemu's subscription ids, derived from the name so that they stay the same
    subscription_id = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"smbemu:eventsystem:{name}")).upper() + "}"
    return {"SubscriptionID": subscription_id, "SubscriptionName": name,
            "PublisherID": _SENS_PUBLISHER, "EventClassID": _NETWORK, "MethodName": method,
            "SubscriberCLSID": "{D3938AB5-5B9D-11D1-8DD2-00AA004ABD5E}",  # SENSGUID_SUBSCRIBER_WININET
            "PerUser": False, "OwnerSID": _SYSTEM, "Enabled": True, "Description": "", "MachineName": "",
            "InterfaceID": _ISENS_NETWORK, "FilterCriteria": "", "SubscriberMoniker": "",
            "EventClassPartitionID": "", "EventClassApplicationID": "", "SubscriberPartitionID": "",
            "SubscriberApplicationID": ""}


SUBSCRIPTIONS: Final[tuple[Record, ...]] = (
    _wininet("ConnectionMade"),
    _wininet("ConnectionMadeNoQOCInfo"),
    _wininet("ConnectionLost"),
)

STORES: Final = {PROGID_EVENT_CLASSES.lower(): EVENT_CLASSES, PROGID_SUBSCRIPTIONS.lower(): SUBSCRIPTIONS}


class QueryError(Exception):
    """A query string Windows refuses: ``status`` (EVENT_E_QUERYSYNTAX / _QUERYFIELD), ``index``
    the zero-based character index of the error (the Query call's errorIndex)."""

    def __init__(self, status: int, index: int) -> None:
        super().__init__(f"query error 0x{status:08X} at {index}")
        self.status = status
        self.index = index


_TOKEN: Final = re.compile(r"""\s*(?:(?P<op>==|!=|<>|~=|=)|(?P<paren>[()])|(?P<str>"[^"]*"|'[^']*')
                               |(?P<guid>\{[0-9A-Fa-f-]{36}\})|(?P<word>[A-Za-z_][A-Za-z0-9_]*))""", re.X)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.lastgroup is None:
            raise QueryError(EVENT_E_QUERYSYNTAX, len(text) - len(text[pos:].lstrip()))
        out.append((match.lastgroup, match.group(match.lastgroup), match.start(match.lastgroup)))
        pos = match.end()
    return out


class _Parser:
    """Recursive descent over the tokens; evaluates against one record at a time by building a
    predicate (records are few)."""

    def __init__(self, text: str, fields: frozenset[str]) -> None:
        self.tokens, self.at, self.fields, self.end = _tokens(text), 0, fields, len(text)

    def _peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def finish(self) -> None:
        """Nothing may follow the expression."""
        if self._peek() is not None:
            raise self._fail()

    def _fail(self) -> QueryError:
        token = self._peek()
        return QueryError(EVENT_E_QUERYSYNTAX, token[2] if token else self.end)

    def expression(self) -> Predicate:
        left = self.term()
        while (token := self._peek()) is not None and token[0] == "word" and token[1].upper() in ("AND", "OR"):
            self.at += 1
            right = self.term()
            left = _both(left, right) if token[1].upper() == "AND" else _either(left, right)
        return left

    def term(self) -> Predicate:
        token = self._peek()
        if token is None:
            raise self._fail()
        if token[0] == "word" and token[1].upper() == "NOT":
            self.at += 1
            return _negated(self.term())
        if token[0] == "paren" and token[1] == "(":
            self.at += 1
            inner = self.expression()
            closing = self._peek()
            if closing is None or closing[1] != ")":
                raise self._fail()
            self.at += 1
            return inner
        if token[0] != "word":
            raise self._fail()
        field = next((f for f in self.fields if f.lower() == token[1].lower()), None)
        if field is None:
            raise QueryError(EVENT_E_QUERYFIELD, token[2])
        self.at += 1
        op, value = self._peek(), None
        if op is None or op[0] != "op":
            raise self._fail()
        self.at += 1
        literal = self._peek()
        if literal is None or literal[0] not in ("str", "guid", "word"):
            raise self._fail()
        word = literal[1].upper() if literal[0] == "word" else None
        if word is not None and word not in ("TRUE", "FALSE", "NULL"):
            raise self._fail()
        self.at += 1
        value = {"TRUE": True, "FALSE": False, "NULL": None}[word] if word else \
            literal[1][1:-1] if literal[0] == "str" else literal[1]
        return _compare(field, op[1], value, literal[0] == "guid")


def _both(a: Predicate, b: Predicate) -> Predicate:
    return lambda r: a(r) and b(r)


def _either(a: Predicate, b: Predicate) -> Predicate:
    return lambda r: a(r) or b(r)


def _negated(a: Predicate) -> Predicate:
    return lambda r: not a(r)


def _compare(field: str, op: str, value: str | bool | None, guid: bool) -> Predicate:
    def equal(record: Record) -> bool:
        have = record.get(field)
        if isinstance(value, str) and isinstance(have, str):
            return have.lower() == value.lower() if guid or op == "~=" else have == value
        if value is None:
            return have in (None, "")
        return have == value
    return _negated(equal) if op in ("!=", "<>") else equal


def query(progid: str, criteria: str) -> tuple[Record, ...] | None:
    """The records of the store ``progid`` names that match ``criteria``; None when ``progid``
    names no store (the caller answers E_INVALIDARG); QueryError for a bad query string."""
    store = STORES.get(progid.strip().lower())
    if store is None:
        return None
    if criteria.strip().upper() == "ALL":
        return store
    parser = _Parser(criteria, frozenset(store[0]) if store else frozenset())
    predicate = parser.expression()
    parser.finish()
    return tuple(record for record in store if predicate(record))
