"""The COM+ Event System's store and its query language (pipes/dcom/eventstore.py; MS-COMEV
2.2.1, 3.1.4.1.1): what a query string selects, and where a malformed one is refused."""

from __future__ import annotations

import pytest

from smbemu_pipes.dcom.eventstore import (
    EVENT_E_QUERYFIELD,
    EVENT_E_QUERYSYNTAX,
    PROGID_EVENT_CLASSES,
    PROGID_SUBSCRIPTIONS,
    QueryError,
    query,
)

LOGON = "{D5978630-5B9F-11D1-8DD2-00AA004ABD5E}"


def names(progid: str, criteria: str) -> list[str]:
    found = query(progid, criteria)
    assert found is not None
    return [str(r.get("EventClassName") or r.get("SubscriptionName")) for r in found]


@pytest.mark.parametrize("criteria, expected", [
    ("ALL", ["SENS Network Events", "SENS Logon Events", "SENS OnNow Events", "SENS Logon2 Events"]),
    ("all", ["SENS Network Events", "SENS Logon Events", "SENS OnNow Events", "SENS Logon2 Events"]),
    (f"EventClassID == {LOGON.lower()}", ["SENS Logon Events"]),           # GUIDs ignore case
    (f"NOT EventClassID = {LOGON}", ["SENS Network Events", "SENS OnNow Events", "SENS Logon2 Events"]),
    ("EventClassName = 'SENS OnNow Events' OR EventClassName = \"SENS Logon2 Events\"",
     ["SENS OnNow Events", "SENS Logon2 Events"]),
    ("EventClassName = 'sens onnow events'", []),                           # == is exact
    ("EventClassName ~= 'sens onnow events'", ["SENS OnNow Events"]),
    ("(AllowInprocActivation == TRUE) AND FireInParallel <> TRUE AND Description == NULL",
     ["SENS Network Events", "SENS Logon Events", "SENS OnNow Events", "SENS Logon2 Events"]),
])
def test_event_class_queries(criteria: str, expected: list[str]) -> None:
    assert names(PROGID_EVENT_CLASSES, criteria) == expected


def test_subscriptions_by_method() -> None:
    assert names(PROGID_SUBSCRIPTIONS, "MethodName = 'ConnectionMade'") == ["WinInet ConnectionMade"]
    assert len(names(PROGID_SUBSCRIPTIONS, f"EventClassID == {LOGON}")) == 0


@pytest.mark.parametrize("criteria, status, index", [
    ("EventClassID ==", EVENT_E_QUERYSYNTAX, 15),        # the value is missing at the end
    ("Colour = 'red'", EVENT_E_QUERYFIELD, 0),            # no such property
    ("(EventClassName = 'x'", EVENT_E_QUERYSYNTAX, 21),   # the parenthesis is not closed
    ("EventClassName = 'x' junk", EVENT_E_QUERYSYNTAX, 21),
    ("EventClassName = 'x' AND", EVENT_E_QUERYSYNTAX, 24),
    ("EventClassName = maybe", EVENT_E_QUERYSYNTAX, 17),
])
def test_malformed_queries_name_where(criteria: str, status: int, index: int) -> None:
    with pytest.raises(QueryError) as refused:
        query(PROGID_EVENT_CLASSES, criteria)
    assert (refused.value.status, refused.value.index) == (status, index)


def test_an_unknown_collection_is_none() -> None:
    assert query("EventSystem.EventPublisherCollection", "ALL") is None
