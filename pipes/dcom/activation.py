"""Remote activation (MS-DCOM 3.1.2.5.2): IActivation and IRemoteSCMActivator, on TCP 135 and
``\\PIPE\\epmapper`` beside the OXID resolver.

* IActivation 4d9f4ab8-7d1c-11cf-861e-0020af6e7c57 v0.0: RemoteActivation (0, 3.1.2.5.2.3.1).
* IRemoteSCMActivator 000001A0-0000-0000-C000-000000000046 v0.0: opnums 0-2 are reserved
  (3.1.2.5.2.2: "Reserved for local use", answered nca_op_rng_error), RemoteGetClassObject (3,
  3.1.2.5.2.3.2), RemoteCreateInstance (4, 3.1.2.5.2.3.3).  Both carry an activation properties
  BLOB (2.2.22) inside an OBJREF_CUSTOM: in, InstantiationInfoData (the CLSID and IIDs) among
  others; out, PropsOutInfo (one MInterfacePointer per IID) and ScmReplyInfoData (the OXID, its
  bindings, the IPID of IRemUnknown, the authentication hint, the COMVERSION).

Who may activate: Windows checks the machine-wide launch and activation restriction before the
class's own permissions (3.1.2.5.2.3: the activator "MUST ... check ... the client is authorized
to activate"; the MachineLaunchRestriction of XP SP2 / 2003 SP1 on grants *remote* launch and
activation to Administrators only -- Everyone has local rights only -- and before it the
DefaultLaunchPermission of NT 4 / 2000 grants Administrators, SYSTEM and INTERACTIVE, i.e. of
network callers the Administrators): every other caller, anonymous included, gets E_ACCESSDENIED
0x80070005 (the DCOM rules of smbemu.policy.rules, asked once per call by `.access.checked`; the refusal is audited as every call is).  Which class answers what:
`.classes`.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import ConformantArray, Guid, NdrError, Pointer, Struct, WString, uint16, uint32, uint64

from .access import checked
from .classes import CLASSES, IID_ICLASS_FACTORY, NOT_EMULATED, REGDB_E_CLASSNOTREG
from .exporter import AUTHN_HINT, exporter, object_bindings, resolver_bindings
from .wire import (
    COMVERSION,
    DUALSTRINGARRAY,
    E_NOINTERFACE,
    E_OUTOFMEMORY,
    MINTERFACEPOINTER,
    ORPCTHAT,
    ORPCTHAT_EMPTY,
    ORPCTHIS,
    comversion_for,
    deserialize_type,
    objref_custom,
    objref_standard,
    parse_objref_custom,
    serialize_type,
)

__all__ = ["IACTIVATION", "ISCM_ACTIVATOR", "activate"]


IACTIVATION: Final = Interface(
    name="IActivation", uuid="4d9f4ab8-7d1c-11cf-861e-0020af6e7c57", version=(0, 0),
    pipes=("epmapper",), opnum_count=1, secondary_address="\\PIPE\\epmapper",
    description="DCOM remote activation (MS-DCOM IActivation)")
ISCM_ACTIVATOR: Final = Interface(
    name="IRemoteSCMActivator", uuid="000001a0-0000-0000-c000-000000000046", version=(0, 0),
    pipes=("epmapper",), opnum_count=5, secondary_address="\\PIPE\\epmapper",
    description="DCOM remote activation (MS-DCOM IRemoteSCMActivator)")
for _opnum, _name in enumerate(("Opnum0NotUsedOnWire", "Opnum1NotUsedOnWire", "Opnum2NotUsedOnWire")):
    ISCM_ACTIVATOR.not_implemented(_opnum, _name)

# MS-DCOM 2.2.22.1 / 2.2.22.2.1 / 2.2.22.2.8 / 2.2.22.2.9 and the CLSIDs naming them (2.2.22.2).
CLSID_ACTIVATION_PROPERTIES_OUT: Final = uuid.UUID("00000339-0000-0000-c000-000000000046")
IID_IACTIVATION_PROPERTIES_OUT: Final = uuid.UUID("000001a3-0000-0000-c000-000000000046")
CLSID_INSTANTIATION_INFO: Final = uuid.UUID("000001ab-0000-0000-c000-000000000046")
CLSID_PROPS_OUT_INFO: Final = uuid.UUID("00000339-0000-0000-c000-000000000046")
CLSID_SCM_REPLY_INFO: Final = uuid.UUID("000001b6-0000-0000-c000-000000000046")
CUSTOM_HEADER: Final = Struct("CustomHeader", [
    ("totalSize", uint32), ("headerSize", uint32), ("dwReserved", uint32), ("destCtx", uint32),
    ("cIfs", uint32), ("classInfoClsid", Guid), ("pclsid", Pointer(ConformantArray(Guid))),
    ("pSizes", Pointer(ConformantArray(uint32))), ("pdwReserved", Pointer(uint32))])
INSTANTIATION_INFO: Final = Struct("InstantiationInfoData", [
    ("classId", Guid), ("classCtx", uint32), ("actvflags", uint32), ("fIsSurrogate", uint32),
    ("cIID", uint32), ("instFlag", uint32), ("pIID", Pointer(ConformantArray(Guid))), ("thisSize", uint32),
    ("clientCOMVersion", COMVERSION)])
PROPS_OUT_INFO: Final = Struct("PropsOutInfo", [
    ("cIfs", uint32), ("piid", Pointer(ConformantArray(Guid))), ("phresults", Pointer(ConformantArray(uint32))),
    ("ppIntfData", Pointer(ConformantArray(Pointer(MINTERFACEPOINTER))))])
REMOTE_REPLY_SCM_INFO: Final = Struct("customREMOTE_REPLY_SCM_INFO", [
    ("Oxid", uint64), ("pdsaOxidBindings", Pointer(DUALSTRINGARRAY)), ("ipidRemUnknown", Guid),
    ("authnHint", uint32), ("serverVersion", COMVERSION)])
SCM_REPLY_INFO: Final = Struct("ScmReplyInfoData", [
    ("pdwReserved", Pointer(uint32)), ("remoteReply", Pointer(REMOTE_REPLY_SCM_INFO))])
#: MS-DCOM 2.2.22.1 destCtx: MSHCTX_DIFFERENTMACHINE.
MSHCTX_DIFFERENTMACHINE: Final = 2
#: MS-ERREF 2.1: HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE = 1722).
HRESULT_SERVER_UNAVAILABLE: Final = 0x800706BA
#: An activation asks for at most this many interfaces (2.2.28.1 MAX_REQUESTED_INTERFACES).
MAX_REQUESTED_INTERFACES: Final = 0x8000


def activate(ctx: CallContext, clsid: uuid.UUID, iids: list[uuid.UUID], *, class_object: bool = False,
             ) -> tuple[int, list[tuple[int, bytes | None]]]:
    """Activate ``clsid`` for the caller (already admitted by the rule): the activation's
    HRESULT and, per IID, its HRESULT and OBJREF (MS-DCOM 3.1.2.5.2.3.3 / 3.1.2.5.2.3.2)."""
    known = CLASSES.get(clsid)
    if known is None:
        name, status = NOT_EMULATED.get(clsid, ("", REGDB_E_CLASSNOTREG))
        ctx.deny("dcom activation", f"activation of CLSID {{{str(clsid).upper()}}}"
                 f"{' (' + name + ')' if name else ''} answered 0x{status:08X}: "
                 + ("a class smbemu does not emulate" if name else "class not registered"))
        return status, []
    if object_bindings(ctx) is None:
        # The object exporter's port is not served (ncacn_ip_tcp off: activation over
        # \PIPE\epmapper only): the client could never reach the object, so the activation
        # fails as an unreachable server does, RPC_S_SERVER_UNAVAILABLE as an HRESULT (U).
        return HRESULT_SERVER_UNAVAILABLE, []
    table = exporter(ctx)
    obj = table.create(clsid)
    if obj is None:
        return E_OUTOFMEMORY, []
    offered = {IID_ICLASS_FACTORY} if class_object else known.interfaces
    results: list[tuple[int, bytes | None]] = []
    resolver = resolver_bindings(ctx)
    for iid in iids:
        if iid not in offered:
            results.append((E_NOINTERFACE, None))
            continue
        ipid = table.export(obj, iid, 5)
        results.append((0, objref_standard(iid, oxid=table.oxid, oid=obj.oid, ipid=ipid, public_refs=5,
                                           resolver=resolver)))
    if all(status for status, _ in results):
        table.release_all(obj)
        return E_NOINTERFACE, results
    return 0, results


# ------------------------------------------------------------------ IActivation
@IACTIVATION.operation(0, "RemoteActivation",
                       request=[("ORPCthis", ORPCTHIS), ("Clsid", Guid), ("pwszObjectName", WString),
                                ("pObjectStorage", Pointer(MINTERFACEPOINTER)), ("ClientImpLevel", uint32),
                                ("Mode", uint32), ("Interfaces", uint32), ("pIIDs", Pointer(ConformantArray(Guid))),
                                ("cRequestedProtseqs", uint16), ("aRequestedProtseqs", ConformantArray(uint16))],
                       response=[("ORPCthat", ORPCTHAT), ("pOxid", uint64),
                                 ("ppdsaOxidBindings", Pointer(DUALSTRINGARRAY)), ("pipidRemUnknown", Guid),
                                 ("pAuthnHint", uint32), ("pServerVersion", COMVERSION), ("phr", uint32),
                                 ("ppInterfaceData", ConformantArray(Pointer(MINTERFACEPOINTER))),
                                 ("pResults", ConformantArray(uint32))],
                       returns="HRESULT")
@checked
def RemoteActivation(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DCOM 3.1.2.5.2.3.1: one MInterfacePointer and HRESULT per requested IID; a failed
    activation answers its HRESULT in phr and as the return value (U: the spec does not say
    which of the two Windows fills for a class error; clients read both)."""
    iids = list(request["pIIDs"] or ())[:MAX_REQUESTED_INTERFACES]
    status, results = activate(ctx, request["Clsid"], iids)
    table = exporter(ctx)
    bindings = object_bindings(ctx) if not status else None
    if status or bindings is None:
        status = status or E_OUTOFMEMORY
        return {"ORPCthat": ORPCTHAT_EMPTY, "pOxid": 0, "ppdsaOxidBindings": None,
                "pipidRemUnknown": Guid.default(), "pAuthnHint": 0,
                "pServerVersion": comversion_for(ctx.server.profile.identity.version), "phr": status,
                "ppInterfaceData": [None] * len(iids), "pResults": [status] * len(iids), "ReturnValue": status}
    return {"ORPCthat": ORPCTHAT_EMPTY, "pOxid": table.oxid, "ppdsaOxidBindings": bindings,
            "pipidRemUnknown": table.ipid_rem_unknown, "pAuthnHint": AUTHN_HINT,
            "pServerVersion": comversion_for(ctx.server.profile.identity.version), "phr": 0,
            "ppInterfaceData": [None if objref is None else {"ulCntData": len(objref), "abData": objref}
                                for _, objref in results],
            "pResults": [hr for hr, _ in results], "ReturnValue": 0}


# ------------------------------------------------------------------ IRemoteSCMActivator
def _requested(blob: bytes) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """(CLSID, IIDs) of an activation properties BLOB in an OBJREF_CUSTOM (MS-DCOM 2.2.22:
    dwSize, dwReserved, CustomHeader, then the properties in pclsid / pSizes order)."""
    _, _, data = parse_objref_custom(blob)
    if len(data) < 8:
        raise NdrError("activation BLOB too short")
    header = deserialize_type(CUSTOM_HEADER, data[8:])
    clsids, sizes = header["pclsid"] or [], header["pSizes"] or []
    offset = 8 + header["headerSize"]
    for clsid, size in zip(clsids, sizes):
        if clsid == CLSID_INSTANTIATION_INFO:
            info = deserialize_type(INSTANTIATION_INFO, data[offset:offset + size])
            return info["classId"], list(info["pIID"] or ())[:MAX_REQUESTED_INTERFACES]
        offset += size
    raise NdrError("activation BLOB without InstantiationInfoData")


def _properties_out(ctx: CallContext, iids: list[uuid.UUID], results: list[tuple[int, bytes | None]]) -> bytes:
    """The OBJREF_CUSTOM of ActivationPropertiesOut (MS-DCOM 2.2.22): PropsOutInfo then
    ScmReplyInfoData (the order Windows writes them; impacket's client reads them so)."""
    table = exporter(ctx)
    props = serialize_type(PROPS_OUT_INFO, {
        "cIfs": len(iids), "piid": iids, "phresults": [hr for hr, _ in results],
        "ppIntfData": [None if objref is None else {"ulCntData": len(objref), "abData": objref}
                       for _, objref in results]})
    reply = serialize_type(SCM_REPLY_INFO, {"pdwReserved": None, "remoteReply": {
        "Oxid": table.oxid, "pdsaOxidBindings": object_bindings(ctx), "ipidRemUnknown": table.ipid_rem_unknown,
        "authnHint": AUTHN_HINT, "serverVersion": comversion_for(ctx.server.profile.identity.version)}})
    sizes = [len(props), len(reply)]

    def header(total: int, header_size: int) -> bytes:
        return serialize_type(CUSTOM_HEADER, {
            "totalSize": total, "headerSize": header_size, "dwReserved": 0, "destCtx": MSHCTX_DIFFERENTMACHINE,
            "cIfs": 2, "classInfoClsid": Guid.default(), "pclsid": [CLSID_PROPS_OUT_INFO, CLSID_SCM_REPLY_INFO],
            "pSizes": sizes, "pdwReserved": None})

    header_size = len(header(0, 0))
    total = header_size + sum(sizes)
    blob = (total.to_bytes(4, "little") + bytes(4) + header(total, header_size) + props + reply)
    return objref_custom(IID_IACTIVATION_PROPERTIES_OUT, CLSID_ACTIVATION_PROPERTIES_OUT, blob)


def _scm_activation(ctx: CallContext, request: dict[str, Any], *, class_object: bool) -> dict[str, Any]:
    properties = request["pActProperties"]
    try:
        clsid, iids = _requested(bytes(properties["abData"]) if properties else b"")
    except NdrError:
        # 3.1.2.5.2.3.3: the properties MUST be well formed; E_INVALIDARG otherwise (U: the
        # exact code Windows answers for a malformed BLOB is not documented).
        from .wire import E_INVALIDARG
        return {"ORPCthat": ORPCTHAT_EMPTY, "ppActProperties": None, "ReturnValue": E_INVALIDARG}
    status, results = activate(ctx, clsid, iids, class_object=class_object)
    if status or object_bindings(ctx) is None:
        return {"ORPCthat": ORPCTHAT_EMPTY, "ppActProperties": None, "ReturnValue": status or E_OUTOFMEMORY}
    objref = _properties_out(ctx, iids, results)
    return {"ORPCthat": ORPCTHAT_EMPTY, "ppActProperties": {"ulCntData": len(objref), "abData": objref},
            "ReturnValue": 0}


@ISCM_ACTIVATOR.operation(3, "RemoteGetClassObject",
                          request=[("ORPCthis", ORPCTHIS), ("pActProperties", Pointer(MINTERFACEPOINTER))],
                          response=[("ORPCthat", ORPCTHAT), ("ppActProperties", Pointer(MINTERFACEPOINTER))],
                          returns="HRESULT")
@checked
def RemoteGetClassObject(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DCOM 3.1.2.5.2.3.2: the class object (IClassFactory) of the class."""
    return _scm_activation(ctx, request, class_object=True)


@ISCM_ACTIVATOR.operation(4, "RemoteCreateInstance",
                          request=[("ORPCthis", ORPCTHIS), ("pUnkOuter", Pointer(MINTERFACEPOINTER)),
                                   ("pActProperties", Pointer(MINTERFACEPOINTER))],
                          response=[("ORPCthat", ORPCTHAT), ("ppActProperties", Pointer(MINTERFACEPOINTER))],
                          returns="HRESULT")
@checked
def RemoteCreateInstance(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-DCOM 3.1.2.5.2.3.3: a new instance of the class."""
    return _scm_activation(ctx, request, class_object=False)
