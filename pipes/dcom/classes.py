"""Which COM classes a remote activation reaches, and what each answers (MS-DCOM 3.1.2.5.2.3).

* **CLSID_EventSystem** {4E14FBA2-2E22-11D1-9964-00C04FBBB345}, the COM+ Event System
  (EventSystem service, started on every Windows from 2000 on; its CLSID and IEventSystem's IID
  are in the Platform SDK's eventsys.h and MS-COMEV 1.9): emulated.  Its object offers IUnknown,
  IDispatch and IEventSystem (MS-COMEV 3.1.4.1); its class object IClassFactory.
* **well-known classes smbemu cannot emulate** -- they run programs or queries on the host,
  which an emulator must never pretend to do.  smbemu's decision (documented in the README):
  each answers an error a real Windows host gives for that class, so a tool reports a failure
  and never a fake success:
  - WMI's CLSID_WbemLevel1Login {8BC3F05E-D86B-11D0-A075-00C04FB68820} (wmiexec.py, MS-WMI
    3.2.3): HRESULT_FROM_WIN32(ERROR_SERVICE_DISABLED) 0x80070422, what the activator answers
    when the class's service (Winmgmt, MS-WMI 1.5) is disabled;
  - MMC20.Application {49B2791A-B1AE-4C90-9B8E-E860BA07F889}, ShellWindows
    {9BA05972-F6A8-11CF-A442-00A0C90A8F39} and ShellBrowserWindow
    {C08AFD90-F2A1-11D1-8455-00A0C91F3880} (dcomexec.py): REGDB_E_CLASSNOTREG 0x80040154, what a
    Server Core installation answers (no MMC, no Explorer shell registered);
  every such attempt is recorded in the audit log as a refused call naming the class (the call's
  PolicyReason), so an instructor sees the lateral-movement attempt.
* **every other CLSID**: REGDB_E_CLASSNOTREG, the activator's answer for a class the registry
  does not know (MS-DCOM 3.1.2.5.2.3.3 step "MUST ... return REGDB_E_CLASSNOTREG"; U: smbemu
  knows no other class, so a class Windows registers but smbemu does not model answers this too).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Final

__all__ = ["ComClass", "CLASSES", "NOT_EMULATED", "CLSID_EVENT_SYSTEM", "IID_IUNKNOWN", "IID_IDISPATCH",
           "IID_IEVENT_SYSTEM", "IID_ICLASS_FACTORY", "IID_IREM_UNKNOWN", "IID_IREM_UNKNOWN2", "OBJECT_KINDS",
           "CLSID_EVENT_CLASS", "CLSID_EVENT_SUBSCRIPTION", "KIND_EVENT_COLLECTION", "KIND_ENUMERATOR",
           "KIND_TYPE_INFO", "offered_interfaces"]

CLSID_EVENT_SYSTEM: Final = uuid.UUID("4E14FBA2-2E22-11D1-9964-00C04FBBB345")
#: MS-DCOM 1.9 / the Platform SDK's unknwn.idl, oaidl.idl, eventsys.h.
IID_IUNKNOWN: Final = uuid.UUID("00000000-0000-0000-C000-000000000046")
IID_ICLASS_FACTORY: Final = uuid.UUID("00000001-0000-0000-C000-000000000046")
IID_IDISPATCH: Final = uuid.UUID("00020400-0000-0000-C000-000000000046")
IID_IEVENT_SYSTEM: Final = uuid.UUID("4E14FB9F-2E22-11D1-9964-00C04FBBB345")
IID_IREM_UNKNOWN: Final = uuid.UUID("00000131-0000-0000-C000-000000000046")
IID_IREM_UNKNOWN2: Final = uuid.UUID("00000143-0000-0000-C000-000000000046")

#: MS-ERREF 2.1: HRESULT_FROM_WIN32(ERROR_SERVICE_DISABLED = 1058).
HRESULT_SERVICE_DISABLED: Final = 0x80070422
REGDB_E_CLASSNOTREG: Final = 0x80040154


@dataclass(frozen=True, slots=True)
class ComClass:
    name: str
    clsid: uuid.UUID
    #: IIDs an instance answers QueryInterface for.
    interfaces: frozenset[uuid.UUID]


CLASSES: Final = {
    CLSID_EVENT_SYSTEM: ComClass("EventSystem", CLSID_EVENT_SYSTEM,
                                 frozenset({IID_IUNKNOWN, IID_IDISPATCH, IID_IEVENT_SYSTEM})),
}

#: The objects the EventSystem object hands out (pipes/dcom/comev.py, typeinfo.py), by kind: the
#: event store's event class and subscription objects are instances of CEventClass and
#: CEventSubscription (eventsys.h CLSID_CEventClass, CLSID_CEventSubscription; MS-COMEV 3.1.4.2-
#: 3.1.4.9 lists their interfaces); the collection, its enumerator and the type information have
#: no class of their own, so smbemu keys them with UUIDs of its own (they never go on the wire).
CLSID_EVENT_CLASS: Final = uuid.UUID("CDBEC9C0-7A68-11D1-88F9-0080C7D771BF")
CLSID_EVENT_SUBSCRIPTION: Final = uuid.UUID("7542E960-79C7-11D1-88F9-0080C7D771BF")
KIND_EVENT_COLLECTION: Final = uuid.uuid5(uuid.NAMESPACE_URL, "smbemu:dcom:EventObjectCollection")
KIND_ENUMERATOR: Final = uuid.uuid5(uuid.NAMESPACE_URL, "smbemu:dcom:EnumEventObject")
KIND_TYPE_INFO: Final = uuid.uuid5(uuid.NAMESPACE_URL, "smbemu:dcom:TypeInfo")
_IID = uuid.UUID
OBJECT_KINDS: Final = {
    CLSID_EVENT_CLASS: frozenset({IID_IUNKNOWN, IID_IDISPATCH, _IID("FB2B72A0-7A68-11D1-88F9-0080C7D771BF"),
                                  _IID("FB2B72A1-7A68-11D1-88F9-0080C7D771BF"),
                                  _IID("7FB7EA43-2D76-4EA8-8CD9-3DECC270295E")}),
    CLSID_EVENT_SUBSCRIPTION: frozenset({IID_IUNKNOWN, IID_IDISPATCH, _IID("4A6B0E15-2E38-11D1-9965-00C04FBBB345"),
                                         _IID("4A6B0E16-2E38-11D1-9965-00C04FBBB345"),
                                         _IID("FBC1D17D-C498-43A0-81AF-423DDD530AF6")}),
    KIND_EVENT_COLLECTION: frozenset({IID_IUNKNOWN, IID_IDISPATCH, _IID("F89AC270-D4EB-11D1-B682-00805FC79216")}),
    KIND_ENUMERATOR: frozenset({IID_IUNKNOWN, _IID("F4A07D63-2E25-11D1-9964-00C04FBBB345")}),
    KIND_TYPE_INFO: frozenset({IID_IUNKNOWN, _IID("00020401-0000-0000-C000-000000000046")}),
}


def offered_interfaces(kind: uuid.UUID) -> frozenset[uuid.UUID]:
    """The IIDs an object of ``kind`` (a class, or one of OBJECT_KINDS) answers QueryInterface for."""
    known = CLASSES.get(kind)
    return known.interfaces if known is not None else OBJECT_KINDS.get(kind, frozenset())


#: CLSID -> (name, the HRESULT answered) (module docstring).
NOT_EMULATED: Final = {
    uuid.UUID("8BC3F05E-D86B-11D0-A075-00C04FB68820"): ("WbemLevel1Login (WMI)", HRESULT_SERVICE_DISABLED),
    uuid.UUID("49B2791A-B1AE-4C90-9B8E-E860BA07F889"): ("MMC20.Application", REGDB_E_CLASSNOTREG),
    uuid.UUID("9BA05972-F6A8-11CF-A442-00A0C90A8F39"): ("ShellWindows", REGDB_E_CLASSNOTREG),
    uuid.UUID("C08AFD90-F2A1-11D1-8455-00A0C91F3880"): ("ShellBrowserWindow", REGDB_E_CLASSNOTREG),
}
