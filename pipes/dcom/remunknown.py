"""The emulated COM server's object exporter port (smbemu.rpc_tcp service ``dcom``): IRemUnknown and
IRemUnknown2 (MS-DCOM 3.1.1.5.6 / 3.1.1.5.7).

Every ORPC request names its target in the PDU's object UUID (MS-DCOM 3.2.4.1.1: the IPID);
smbemu.rpc_tcp records it per connection (``OBJECT_MEMO_KEY``).  An IPID the exporter does not
hold (never issued, released, or its object garbage-collected after missed pings, `.objects`) is
answered with the fault RPC_E_DISCONNECTED 0x80010108 (what impacket's client reports for an
object released after missed pings, W).  Each call also passes the COM server's access check:
the EventSystem's access permission is the machine default (Administrators, SYSTEM, SELF:
dcomcnfg's DefaultAccessPermission, W), so other callers get E_ACCESSDENIED.

* RemQueryInterface (3): one REMQIRESULT per IID: a STDOBJREF with ``cRefs`` public
  references for an interface the object has, E_NOINTERFACE otherwise (3.1.1.5.6.1.1).
* RemAddRef (4) / RemRelease (5): reference counts per IPID; an unknown IPID in RemAddRef is
  E_INVALIDARG in its result slot (3.1.1.5.6.1.2-3).
* RemQueryInterface2 (IRemUnknown2 6): not emulated (nca_op_rng_error; U: Windows implements it).
* the EventSystem object's own interfaces and the objects it hands out: `.comev`, `.typeinfo`.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import ConformantArray, Guid, Pointer, Struct, uint16, uint32, uint64

from .access import checked
from .classes import offered_interfaces
from .exporter import exporter
from .objects import ExportedObject
from .wire import E_INVALIDARG, E_NOINTERFACE, ORPCTHAT, ORPCTHAT_EMPTY, ORPCTHIS, RPC_E_DISCONNECTED

__all__ = ["IREM_UNKNOWN", "IREM_UNKNOWN2", "OBJECT_MEMO_KEY", "iunknown_reserved", "target_object"]

#: smbemu.rpc_tcp: session id -> the object UUID of the request being served.
OBJECT_MEMO_KEY: Final = "rpc_tcp.object_uuid"

STDOBJREF: Final = Struct("STDOBJREF", [("flags", uint32), ("cPublicRefs", uint32), ("oxid", uint64),
                                         ("oid", uint64), ("ipid", Guid)])
REMQIRESULT: Final = Struct("REMQIRESULT", [("hResult", uint32), ("std", STDOBJREF)])
REMINTERFACEREF: Final = Struct("REMINTERFACEREF", [("ipid", Guid), ("cPublicRefs", uint32),
                                                     ("cPrivateRefs", uint32)])
_REFS: Final = [("ORPCthis", ORPCTHIS), ("cInterfaceRefs", uint16), ("InterfaceRefs", ConformantArray(REMINTERFACEREF))]
_NULL_STD: Final = {"flags": 0, "cPublicRefs": 0, "oxid": 0, "oid": 0, "ipid": uuid.UUID(int=0)}


def iunknown_reserved(iface: Interface) -> None:
    """Opnums 0-2 are IUnknown's QueryInterface / AddRef / Release, never sent (MS-DCOM 3.1.1.5.6:
    "Opnums reserved for local use")."""
    for opnum, name in enumerate(("QueryInterface", "AddRef", "Release")):
        iface.not_implemented(opnum, name)


def target(ctx: CallContext) -> uuid.UUID | None:
    objects: dict[int, uuid.UUID] = ctx.server.memo(OBJECT_MEMO_KEY, dict)
    value = objects.get(ctx.session_id)
    return value if isinstance(value, uuid.UUID) else None


def _require_rem_unknown(ctx: CallContext) -> None:
    if target(ctx) != exporter(ctx).ipid_rem_unknown:
        raise RpcFault(RPC_E_DISCONNECTED, "IRemUnknown call on an IPID that is not the exporter's")


def target_object(ctx: CallContext, iid: uuid.UUID) -> ExportedObject:
    """The object whose ``iid`` IPID the request names, else the fault (module docstring)."""
    ipid = target(ctx)
    found = exporter(ctx).find(ipid) if ipid is not None else None
    if found is None or found[1] != iid:
        raise RpcFault(RPC_E_DISCONNECTED, "unknown IPID")
    return found[0]


def _declare_rem_unknown(iface: Interface) -> None:
    iunknown_reserved(iface)
    iface.operation(3, "RemQueryInterface",
                    request=[("ORPCthis", ORPCTHIS), ("ripid", Guid), ("cRefs", uint32), ("cIids", uint16),
                             ("iids", ConformantArray(Guid))],
                    response=[("ORPCthat", ORPCTHAT), ("ppQIResults", Pointer(ConformantArray(REMQIRESULT)))],
                    returns="HRESULT")(checked(RemQueryInterface))
    iface.operation(4, "RemAddRef", request=_REFS,
                    response=[("ORPCthat", ORPCTHAT), ("pResults", ConformantArray(uint32))],
                    returns="HRESULT")(checked(RemAddRef))
    iface.operation(5, "RemRelease", request=_REFS, response=[("ORPCthat", ORPCTHAT)],
                    returns="HRESULT")(checked(RemRelease))


def RemQueryInterface(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DCOM 3.1.1.5.6.1.1."""
    _require_rem_unknown(ctx)
    table = exporter(ctx)
    found = table.find(request["ripid"])
    if found is None:
        return {"ORPCthat": ORPCTHAT_EMPTY, "ppQIResults": None, "ReturnValue": RPC_E_DISCONNECTED}
    obj, _ = found
    offered = offered_interfaces(obj.clsid)
    refs = min(max(request["cRefs"], 1), 0xFFFF)
    results = []
    for iid in request["iids"][:request["cIids"]]:
        if iid in offered:
            ipid = table.export(obj, iid, refs)
            results.append({"hResult": 0, "std": {"flags": 0, "cPublicRefs": refs, "oxid": table.oxid,
                                                  "oid": obj.oid, "ipid": ipid}})
        else:
            results.append({"hResult": E_NOINTERFACE, "std": _NULL_STD})
    return {"ORPCthat": ORPCTHAT_EMPTY, "ppQIResults": results, "ReturnValue": 0}


def RemAddRef(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DCOM 3.1.1.5.6.1.2."""
    _require_rem_unknown(ctx)
    table = exporter(ctx)
    results = []
    for ref in request["InterfaceRefs"][:request["cInterfaceRefs"]]:
        found = table.find(ref["ipid"])
        if found is None:
            results.append(E_INVALIDARG)
            continue
        table.export(found[0], found[1], ref["cPublicRefs"])
        results.append(0)
    return {"ORPCthat": ORPCTHAT_EMPTY, "pResults": results,
            "ReturnValue": E_INVALIDARG if any(results) else 0}


def RemRelease(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DCOM 3.1.1.5.6.1.3: unknown IPIDs are ignored ("the server MUST ignore")."""
    _require_rem_unknown(ctx)
    table = exporter(ctx)
    for ref in request["InterfaceRefs"][:request["cInterfaceRefs"]]:
        table.release(ref["ipid"], ref["cPublicRefs"])
    return {"ORPCthat": ORPCTHAT_EMPTY, "ReturnValue": 0}


IREM_UNKNOWN: Final = Interface(
    name="IRemUnknown", uuid="00000131-0000-0000-c000-000000000046", version=(0, 0), pipes=(),
    opnum_count=6, description="DCOM IRemUnknown (MS-DCOM 3.1.1.5.6)")
IREM_UNKNOWN2: Final = Interface(
    name="IRemUnknown2", uuid="00000143-0000-0000-c000-000000000046", version=(0, 0), pipes=(),
    opnum_count=7, description="DCOM IRemUnknown2 (MS-DCOM 3.1.1.5.7)")
_declare_rem_unknown(IREM_UNKNOWN)
_declare_rem_unknown(IREM_UNKNOWN2)
IREM_UNKNOWN2.not_implemented(6, "RemQueryInterface2")
