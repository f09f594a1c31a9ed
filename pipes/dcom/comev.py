"""The COM+ Event System's objects (MS-COMEV 3.1.4) on the object exporter's port.

* IEventSystem 4E14FB9F-2E22-11D1-9964-00C04FBBB345 (3.1.4.1), on the activated EventSystem
  object: GetTypeInfoCount (3) answers 1 (its type library describes IEventSystem, W);
  GetTypeInfo (4) an ITypeInfo object (`.typeinfo`; an iTInfo other than 0 is DISP_E_BADINDEX,
  MS-OAUT 3.1.4.2); Query (7) / QueryS (11) a collection object of the event store's matches
  (`.eventstore`; a progID naming no store is E_INVALIDARG, a bad query string
  EVENT_E_QUERYSYNTAX / EVENT_E_QUERYFIELD with errorIndex, 3.1.4.1.1);
  get_EventObjectChangeEventClassID (10) the CLSID of EventObjectChange (3.1.4.1.4; eventsys.h
  CLSID_EventObjectChange).  The store is read-only here: Store, Remove, RemoveS and the
  IDispatch calls GetIDsOfNames / Invoke are not emulated (nca_op_rng_error; U: Windows serves
  them).
* IEventObjectCollection F89AC270-D4EB-11D1-B682-00805FC79216 (3.1.4.6): get_NewEnum (9) an
  enumerator object, get_Count (10); get__NewEnum (an IEnumVARIANT), get_Item (a VARIANT), Add,
  Remove: not emulated.
* IEnumEventObject F4A07D63-2E25-11D1-9964-00C04FBBB345 (3.1.4.5): Clone (3), Next (4: each
  element a new event class or subscription object, S_FALSE when fewer than asked are left),
  Reset (5), Skip (6: S_FALSE likewise).
* IEventClass / IEventClass2 / IEventClass3 (3.1.4.2, 3.1.4.3, 3.1.4.7) and IEventSubscription /
  2 / 3 (3.1.4.4, 3.1.4.8, 3.1.4.9) on those objects: every get_ call answers the stored property
  (a BSTR, or a VARIANT_BOOL: VARIANT_TRUE 0xFFFF, MS-OAUT 2.2.27); the put_ calls and the
  property bags are not emulated (a read-only store).

Every object answers IRemUnknown (`.remunknown`) for the interfaces `.classes.OBJECT_KINDS`
lists; each call passes the COM server's access check (`.access.ACCESS_RULE`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Final

from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import ConformantVaryingArray, Pointer, Sized, int32, uint16, uint32

from .access import ACCESS_RULE, checked
from .classes import (
    CLSID_EVENT_CLASS,
    CLSID_EVENT_SUBSCRIPTION,
    IID_IEVENT_SYSTEM,
    IID_IUNKNOWN,
    KIND_ENUMERATOR,
    KIND_EVENT_COLLECTION,
    KIND_TYPE_INFO,
)
from .eventstore import QueryError, Record, query
from .exporter import exporter, resolver_bindings
from .remunknown import iunknown_reserved, target_object
from .typeinfo import BSTR, IID_ITYPEINFO, bstr, text_of
from .wire import E_INVALIDARG, E_OUTOFMEMORY, MINTERFACEPOINTER, ORPCTHAT, ORPCTHAT_EMPTY, ORPCTHIS, objref_standard

__all__ = ["IEVENT_SYSTEM", "STORE_INTERFACES"]

#: MS-OAUT 3.1.4.2 (winerror.h): an iTInfo other than 0.
DISP_E_BADINDEX: Final = 0x8002000B
S_FALSE: Final = 1
#: MS-OAUT 2.2.27.
VARIANT_TRUE: Final = 0xFFFF
#: eventsys.h CLSID_EventObjectChange, what get_EventObjectChangeEventClassID answers.
EVENT_OBJECT_CHANGE: Final = "{D0565000-9DF4-11D1-A281-00C04FCA0AA7}"
#: Public references handed out with each interface pointer (what the activator gives too).
_REFS: Final = 5
#: The most elements one Next or Skip call handles (smbemu's bound; the store is small).
_MAX_ELEMENTS: Final = 1024
_ORPC: Final = [("ORPCthis", ORPCTHIS)]
_OBJREF: Final = Pointer(MINTERFACEPOINTER)


def _interface(name: str, iid: str, count: int, description: str) -> Interface:
    iface = Interface(name=name, uuid=iid, version=(0, 0), pipes=(), opnum_count=count,
                      description=description)
    iunknown_reserved(iface)
    return iface


def _pointer(ctx: CallContext, kind: uuid.UUID, iid: uuid.UUID, state: dict[str, object]) -> dict[str, Any] | None:
    """A new object of ``kind`` holding ``state``, as the MInterfacePointer of its ``iid`` (an
    OBJREF_STANDARD, MS-DCOM 2.2.18.4); None when the object table is full."""
    table = exporter(ctx)
    obj = table.create(kind)
    if obj is None:
        return None
    obj.state.update(state)
    ipid = table.export(obj, iid, _REFS)
    raw = objref_standard(iid, oxid=table.oxid, oid=obj.oid, ipid=ipid, public_refs=_REFS,
                          resolver=resolver_bindings(ctx))
    return {"ulCntData": len(raw), "abData": raw}


def _operation(iface: Interface, opnum: int, name: str, request: list[tuple[str, Any]],
               response: list[tuple[str, Any]]) -> Callable[[Callable[..., dict[str, Any]]], Any]:
    """Declare an ORPC operation (ORPCthis / ORPCthat around the parameters, an HRESULT) with
    the COM server's access rule."""
    def register(handler: Callable[..., dict[str, Any]]) -> Any:
        return iface.operation(opnum, name, request=[*_ORPC, *request], response=[("ORPCthat", ORPCTHAT), *response],
                               returns="HRESULT", rule=ACCESS_RULE)(checked(handler))
    return register


# ------------------------------------------------------------------------------ IEventSystem
IEVENT_SYSTEM: Final = _interface("IEventSystem", "4e14fb9f-2e22-11d1-9964-00c04fbbb345", 13,
                                  "COM+ Event System (MS-COMEV IEventSystem)")


@_operation(IEVENT_SYSTEM, 3, "GetTypeInfoCount", [], [("pctinfo", uint32)])
def GetTypeInfoCount(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-OAUT 3.1.4.1: one type description."""
    target_object(ctx, IID_IEVENT_SYSTEM)
    return {"ORPCthat": ORPCTHAT_EMPTY, "pctinfo": 1, "ReturnValue": 0}


@_operation(IEVENT_SYSTEM, 4, "GetTypeInfo", [("iTInfo", uint32), ("lcid", uint32)], [("ppTInfo", _OBJREF)])
def GetTypeInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-OAUT 3.1.4.2: the ITypeInfo of IEventSystem (`.typeinfo`)."""
    target_object(ctx, IID_IEVENT_SYSTEM)
    if request["iTInfo"] != 0:
        return {"ORPCthat": ORPCTHAT_EMPTY, "ppTInfo": None, "ReturnValue": DISP_E_BADINDEX}
    pointer = _pointer(ctx, KIND_TYPE_INFO, IID_ITYPEINFO, {})
    return {"ORPCthat": ORPCTHAT_EMPTY, "ppTInfo": pointer, "ReturnValue": 0 if pointer else E_OUTOFMEMORY}


def _query(ctx: CallContext, request: dict[str, Any]) -> tuple[int, int, dict[str, Any] | None]:
    """(HRESULT, errorIndex, the collection's interface pointer) of Query / QueryS."""
    target_object(ctx, IID_IEVENT_SYSTEM)
    try:
        found = query(text_of(request["progID"]), text_of(request["queryCriteria"]))
    except QueryError as refused:
        return refused.status, refused.index, None
    if found is None:
        return E_INVALIDARG, 0, None
    pointer = _pointer(ctx, KIND_EVENT_COLLECTION, IID_IUNKNOWN, {"items": found})
    return (0 if pointer else E_OUTOFMEMORY), 0, pointer


_QUERY_IN: Final = [("progID", BSTR), ("queryCriteria", BSTR)]


@_operation(IEVENT_SYSTEM, 7, "Query", _QUERY_IN, [("errorIndex", int32), ("ppInterface", _OBJREF)])
def Query(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-COMEV 3.1.4.1.1."""
    status, index, pointer = _query(ctx, request)
    return {"ORPCthat": ORPCTHAT_EMPTY, "errorIndex": index, "ppInterface": pointer, "ReturnValue": status}


@_operation(IEVENT_SYSTEM, 10, "get_EventObjectChangeEventClassID", [], [("pbstrEventClassID", BSTR)])
def get_EventObjectChangeEventClassID(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-COMEV 3.1.4.1.4."""
    target_object(ctx, IID_IEVENT_SYSTEM)
    return {"ORPCthat": ORPCTHAT_EMPTY, "pbstrEventClassID": bstr(EVENT_OBJECT_CHANGE), "ReturnValue": 0}


@_operation(IEVENT_SYSTEM, 11, "QueryS", _QUERY_IN, [("ppInterface", _OBJREF)])
def QueryS(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-COMEV 3.1.4.1.5: Query without the error index."""
    status, _, pointer = _query(ctx, request)
    return {"ORPCthat": ORPCTHAT_EMPTY, "ppInterface": pointer, "ReturnValue": status}


for _opnum, _name in ((5, "GetIDsOfNames"), (6, "Invoke"), (8, "Store"), (9, "Remove"), (12, "RemoveS")):
    IEVENT_SYSTEM.not_implemented(_opnum, _name)

# ------------------------------------------------------------------- IEventObjectCollection
IEVENT_OBJECT_COLLECTION: Final = _interface(
    "IEventObjectCollection", "f89ac270-d4eb-11d1-b682-00805fc79216", 13,
    "COM+ Event System collection (MS-COMEV IEventObjectCollection)")
IENUM_EVENT_OBJECT: Final = _interface(
    "IEnumEventObject", "f4a07d63-2e25-11d1-9964-00c04fbbb345", 7,
    "COM+ Event System enumerator (MS-COMEV IEnumEventObject)")


def _items(ctx: CallContext, iface: Interface) -> tuple[Record, ...]:
    items = target_object(ctx, iface.uuid).state.get("items", ())
    assert isinstance(items, tuple)
    return items


@_operation(IEVENT_OBJECT_COLLECTION, 9, "get_NewEnum", [], [("ppEnum", _OBJREF)])
def get_NewEnum(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-COMEV 3.1.4.6.3: an IEnumEventObject over the collection, at its start."""
    items = _items(ctx, IEVENT_OBJECT_COLLECTION)
    pointer = _pointer(ctx, KIND_ENUMERATOR, IENUM_EVENT_OBJECT.uuid, {"items": items, "position": 0})
    return {"ORPCthat": ORPCTHAT_EMPTY, "ppEnum": pointer, "ReturnValue": 0 if pointer else E_OUTOFMEMORY}


@_operation(IEVENT_OBJECT_COLLECTION, 10, "get_Count", [], [("pCount", int32)])
def get_Count(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-COMEV 3.1.4.6.4."""
    return {"ORPCthat": ORPCTHAT_EMPTY, "pCount": len(_items(ctx, IEVENT_OBJECT_COLLECTION)), "ReturnValue": 0}


for _opnum, _name in ((3, "GetTypeInfoCount"), (4, "GetTypeInfo"), (5, "GetIDsOfNames"), (6, "Invoke"),
                      (7, "get__NewEnum"), (8, "get_Item"), (11, "Add"), (12, "Remove")):
    IEVENT_OBJECT_COLLECTION.not_implemented(_opnum, _name)


def _enumerator(ctx: CallContext) -> tuple[dict[str, object], tuple[Record, ...], int]:
    state = target_object(ctx, IENUM_EVENT_OBJECT.uuid).state
    items, position = state.get("items", ()), state.get("position", 0)
    assert isinstance(items, tuple) and isinstance(position, int)
    return state, items, position


@_operation(IENUM_EVENT_OBJECT, 3, "Clone", [], [("ppInterface", _OBJREF)])
def Clone(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-COMEV 3.1.4.5.1: a new enumerator at the same position."""
    _, items, position = _enumerator(ctx)
    pointer = _pointer(ctx, KIND_ENUMERATOR, IENUM_EVENT_OBJECT.uuid, {"items": items, "position": position})
    return {"ORPCthat": ORPCTHAT_EMPTY, "ppInterface": pointer, "ReturnValue": 0 if pointer else E_OUTOFMEMORY}


@_operation(IENUM_EVENT_OBJECT, 4, "Next", [("cReqElem", uint32)],
            [("ppInterface", ConformantVaryingArray(_OBJREF)), ("cRetElem", uint32)])
def Next(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-COMEV 3.1.4.5.2: up to cReqElem objects, each a new event class or subscription
    object passed as IUnknown; S_FALSE when fewer were left."""
    state, items, position = _enumerator(ctx)
    wanted = request["cReqElem"]
    count = min(wanted, _MAX_ELEMENTS)
    pointers = []
    for record in items[position:position + count]:
        kind = CLSID_EVENT_SUBSCRIPTION if "SubscriptionID" in record else CLSID_EVENT_CLASS
        pointer = _pointer(ctx, kind, IID_IUNKNOWN, {"record": record})
        if pointer is None:
            return {"ORPCthat": ORPCTHAT_EMPTY, "ppInterface": Sized([], wanted), "cRetElem": 0,
                    "ReturnValue": E_OUTOFMEMORY}
        pointers.append(pointer)
    state["position"] = position + len(pointers)
    # [size_is(cReqElem), length_is(*cRetElem)]: the array's max_count is what was asked for
    return {"ORPCthat": ORPCTHAT_EMPTY, "ppInterface": Sized(pointers, wanted), "cRetElem": len(pointers),
            "ReturnValue": 0 if len(pointers) == wanted else S_FALSE}


@_operation(IENUM_EVENT_OBJECT, 5, "Reset", [], [])
def Reset(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-COMEV 3.1.4.5.3."""
    _enumerator(ctx)[0]["position"] = 0
    return {"ORPCthat": ORPCTHAT_EMPTY, "ReturnValue": 0}


@_operation(IENUM_EVENT_OBJECT, 6, "Skip", [("cSkipElem", uint32)], [])
def Skip(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-COMEV 3.1.4.5.4: S_FALSE when fewer than cSkipElem were left."""
    state, items, position = _enumerator(ctx)
    skipped = min(request["cSkipElem"], len(items) - position)
    state["position"] = position + skipped
    return {"ORPCthat": ORPCTHAT_EMPTY, "ReturnValue": 0 if skipped == request["cSkipElem"] else S_FALSE}


# ---------------------------------------------------------- event class and subscription objects
#: (opnum, property) of the get_ calls; the put_ call is the next opnum (MS-COMEV 3.1.4.2-3.1.4.9).
_CLASS_PROPERTIES: Final = ((7, "EventClassID"), (9, "EventClassName"), (11, "OwnerSID"), (13, "FiringInterfaceID"),
                            (15, "Description"), (17, "CustomConfigCLSID"), (19, "TypeLib"), (21, "PublisherID"),
                            (23, "MultiInterfacePublisherFilterCLSID"), (25, "AllowInprocActivation"),
                            (27, "FireInParallel"), (29, "EventClassPartitionID"), (31, "EventClassApplicationID"))
_SUBSCRIPTION_PROPERTIES: Final = (
    (7, "SubscriptionID"), (9, "SubscriptionName"), (11, "PublisherID"), (13, "EventClassID"), (15, "MethodName"),
    (17, "SubscriberCLSID"), (19, "SubscriberInterface"), (21, "PerUser"), (23, "OwnerSID"), (25, "Enabled"),
    (27, "Description"), (29, "MachineName"), (39, "InterfaceID"), (41, "FilterCriteria"), (43, "SubscriberMoniker"),
    (45, "EventClassPartitionID"), (47, "EventClassApplicationID"), (49, "SubscriberPartitionID"),
    (51, "SubscriberApplicationID"))
#: Boolean properties (VARIANT_BOOL); SubscriberInterface is an interface pointer smbemu never
#: holds (every stored subscription names its subscriber by CLSID): answered NULL.
_BOOLEANS: Final = frozenset({"AllowInprocActivation", "FireInParallel", "PerUser", "Enabled"})
_SUBSCRIPTION_BAGS: Final = ((31, "GetPublisherProperty"), (32, "PutPublisherProperty"),
                             (33, "RemovePublisherProperty"), (34, "GetPublisherPropertyCollection"),
                             (35, "GetSubscriberProperty"), (36, "PutSubscriberProperty"),
                             (37, "RemoveSubscriberProperty"), (38, "GetSubscriberPropertyCollection"))


def _getter(iface: Interface, opnum: int, prop: str) -> None:
    if prop == "SubscriberInterface":
        kind: Any = _OBJREF
    else:
        kind = uint16 if prop in _BOOLEANS else BSTR
    out = f"p{prop}" if kind is not BSTR else f"pbstr{prop}"

    def get(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        record = target_object(ctx, iface.uuid).state.get("record")
        assert isinstance(record, dict)
        value = record.get(prop)
        if kind is uint16:
            answer: Any = VARIANT_TRUE if value else 0
        elif kind is BSTR:
            answer = bstr(str(value or ""))
        else:
            answer = None
        return {"ORPCthat": ORPCTHAT_EMPTY, out: answer, "ReturnValue": 0}

    get.__name__ = get.__qualname__ = f"get_{prop}"
    get.__doc__ = f"MS-COMEV: the stored {prop}."
    _operation(iface, opnum, f"get_{prop}", [], [(out, kind)])(get)
    iface.not_implemented(opnum + 1, f"put_{prop}")


def _record_interface(name: str, iid: str, count: int, properties: tuple[tuple[int, str], ...],
                      others: tuple[tuple[int, str], ...] = ()) -> Interface:
    iface = _interface(name, iid, count, f"COM+ Event System {name} (MS-COMEV)")
    for opnum, method in ((3, "GetTypeInfoCount"), (4, "GetTypeInfo"), (5, "GetIDsOfNames"), (6, "Invoke"),
                          *others):
        iface.not_implemented(opnum, method)
    for opnum, prop in properties:
        if opnum < count:
            _getter(iface, opnum, prop)
    return iface


RECORD_INTERFACES: Final = (
    _record_interface("IEventClass", "fb2b72a0-7a68-11d1-88f9-0080c7d771bf", 21, _CLASS_PROPERTIES),
    _record_interface("IEventClass2", "fb2b72a1-7a68-11d1-88f9-0080c7d771bf", 29, _CLASS_PROPERTIES),
    _record_interface("IEventClass3", "7fb7ea43-2d76-4ea8-8cd9-3decc270295e", 33, _CLASS_PROPERTIES),
    _record_interface("IEventSubscription", "4a6b0e15-2e38-11d1-9965-00c04fbbb345", 41, _SUBSCRIPTION_PROPERTIES,
                      _SUBSCRIPTION_BAGS),
    _record_interface("IEventSubscription2", "4a6b0e16-2e38-11d1-9965-00c04fbbb345", 45, _SUBSCRIPTION_PROPERTIES,
                      _SUBSCRIPTION_BAGS),
    _record_interface("IEventSubscription3", "fbc1d17d-c498-43a0-81af-423ddd530af6", 53, _SUBSCRIPTION_PROPERTIES,
                      _SUBSCRIPTION_BAGS),
)

#: Served on the object exporter's port beside IRemUnknown (`.remunknown`) and ITypeInfo.
STORE_INTERFACES: Final = (IEVENT_SYSTEM, IEVENT_OBJECT_COLLECTION, IENUM_EVENT_OBJECT, *RECORD_INTERFACES)
