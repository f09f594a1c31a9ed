"""A job's named properties: RpcGetJobNamedPropertyValue (110), RpcSetJobNamedProperty (111),
RpcDeleteJobNamedProperty (112) and RpcEnumJobNamedProperties (113), MS-RPRN 3.1.4.12, from
Windows 8 / Server 2012 on (older spoolers fault nca_op_rng_error, MS-RPRN Appendix B).

Each job of :mod:`.jobs` carries its properties (name -> typed value) for as long as it lives.
A job the handle's printer does not hold is ERROR_INVALID_PARAMETER; a property the job does not
have is ERROR_NOT_FOUND (MS-RPRN 3.1.4.12.1 / .3); setting or deleting one follows RpcSetJob's
rule (the job's owner or an administrator)."""

from __future__ import annotations

from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantBytes,
    ContextHandle,
    Pointer,
    Struct,
    Union,
    WString,
    WStringRef,
    enum16,
    int32,
    int64,
    uint8,
    uint32,
)
from smbemu.status import ERROR_INVALID_PARAMETER, ERROR_NOT_FOUND, NCA_S_OP_RNG_ERROR

from . import INTERFACE
from .jobs import Job, find_job, printer_for_jobs
from .objects import PRINTER, PRINTER_ACCESS_ADMINISTER, PRINTER_ACCESS_USE, Printer, opened

#: MS-RPRN 2.2.1.15 RPC_PrintPropertyValue: EPrintPropertyType kRpcPropertyTypeString (1),
#: Int32, Int64, Byte, Buffer (5), and the value of that type.  The union's arm is aligned to
#: its largest arm (8, the LONGLONG) after the 16-bit discriminant, as MIDL lays out MS-RPRN's
#: unions (W: Samba's client, smbtorture, sends it so: tshark).
PROPERTY_VALUE: Final = Struct("RPC_PrintPropertyValue", [
    ("ePropertyType", enum16),
    ("value", Union(enum16, {1: WString, 2: int32, 3: int64, 4: uint8,
                             5: Struct("propertyBlob", [("cbBuf", uint32),
                                                        ("pBuf", Pointer(ConformantBytes()))])},
                    default=None, ms_union=True))])
#: The EPrintPropertyType values (MS-RPRN 2.2.1.14); another decodes as an empty arm and is
#: refused with ERROR_INVALID_PARAMETER.
_PROPERTY_TYPES: Final = (1, 2, 3, 4, 5)
#: MS-RPRN 2.2.1.16 RPC_PrintNamedProperty.
NAMED_PROPERTY: Final = Struct("RPC_PrintNamedProperty", [
    ("propertyName", WString), ("propertyValue", PROPERTY_VALUE)])
#: The most properties one job keeps (U: a bound on the emulator's memory).
MAX_PROPERTIES: Final = 256


def _since_windows_8(ctx: CallContext) -> None:
    if ctx.server.profile.identity.version < (6, 2):
        raise RpcFault(NCA_S_OP_RNG_ERROR, "opnum not in this release's spooler")


def _job(ctx: CallContext, request: dict[str, Any], change: bool) -> tuple[Printer, Job] | int:
    _since_windows_8(ctx)
    entry = opened(ctx, request["hPrinter"])
    printer = printer_for_jobs(ctx, entry, PRINTER_ACCESS_USE)
    if isinstance(printer, int):
        return printer
    job = find_job(ctx, printer, request["JobId"])
    if job is None:
        return ERROR_INVALID_PARAMETER
    owner = job.user.lower() == ctx.principal.user_name.lower()
    if change and not owner and not ctx.require(entry.granted_access, PRINTER_ACCESS_ADMINISTER,
                                                PRINTER):
        assert ctx.decision is not None
        return ctx.decision.status
    return printer, job


_NO_VALUE: Final = {"ePropertyType": 2, "value": (2, 0)}


@INTERFACE.operation(110, "RpcGetJobNamedPropertyValue",
                     request=[("hPrinter", ContextHandle), ("JobId", uint32),
                              ("pszName", WStringRef)],
                     response=[("pValue", PROPERTY_VALUE)], returns="uint32")
def RpcGetJobNamedPropertyValue(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.12.1: the property's typed value."""
    found = _job(ctx, request, False)
    if isinstance(found, int):
        return {"pValue": _NO_VALUE, "ReturnValue": found}
    value = found[1].properties.get((request["pszName"] or "").rstrip("\x00"))
    if value is None:
        return {"pValue": _NO_VALUE, "ReturnValue": ERROR_NOT_FOUND}
    return {"pValue": value, "ReturnValue": 0}


@INTERFACE.operation(111, "RpcSetJobNamedProperty",
                     request=[("hPrinter", ContextHandle), ("JobId", uint32),
                              ("pProperty", NAMED_PROPERTY)],
                     response=[], returns="uint32")
def RpcSetJobNamedProperty(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.12.2: the property is created or replaced (a name is needed)."""
    found = _job(ctx, request, True)
    if isinstance(found, int):
        return {"ReturnValue": found}
    prop = request["pProperty"]
    name = (prop["propertyName"] or "").rstrip("\x00")
    properties = found[1].properties
    if not name or (name not in properties and len(properties) >= MAX_PROPERTIES):
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    value = dict(prop["propertyValue"])
    tag, arm = value["value"]
    if tag not in _PROPERTY_TYPES or tag != value["ePropertyType"]:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    if tag == 1:
        value["value"] = (1, (arm or "").rstrip("\x00"))
    properties[name] = value
    return {"ReturnValue": 0}


@INTERFACE.operation(112, "RpcDeleteJobNamedProperty",
                     request=[("hPrinter", ContextHandle), ("JobId", uint32),
                              ("pszName", WStringRef)],
                     response=[], returns="uint32")
def RpcDeleteJobNamedProperty(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.12.3: the property goes; one the job does not have is ERROR_NOT_FOUND."""
    found = _job(ctx, request, True)
    if isinstance(found, int):
        return {"ReturnValue": found}
    if found[1].properties.pop((request["pszName"] or "").rstrip("\x00"), None) is None:
        return {"ReturnValue": ERROR_NOT_FOUND}
    return {"ReturnValue": 0}


@INTERFACE.operation(113, "RpcEnumJobNamedProperties",
                     request=[("hPrinter", ContextHandle), ("JobId", uint32)],
                     response=[("pcProperties", uint32),
                               ("ppProperties", Pointer(ConformantArray(NAMED_PROPERTY)))],
                     returns="uint32")
def RpcEnumJobNamedProperties(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.12.4: every property of the job, in the order they were set."""
    found = _job(ctx, request, False)
    if isinstance(found, int):
        return {"pcProperties": 0, "ppProperties": None, "ReturnValue": found}
    listed = [{"propertyName": name, "propertyValue": value}
              for name, value in found[1].properties.items()]
    return {"pcProperties": len(listed), "ppProperties": listed or None, "ReturnValue": 0}


__all__ = ["NAMED_PROPERTY", "PROPERTY_VALUE"]
