"""Type information of the COM+ Event System (MS-OAUT): IDispatch::GetTypeInfo's ITypeInfo object.

ITypeInfo 00020401-0000-0000-C000-000000000046 (MS-OAUT 1.9, 3.7.4), on the object exporter's
port: GetTypeAttr (3, 3.7.4.1), GetFuncDesc (5, 3.7.4.3), GetNames (7, 3.7.4.5),
GetDocumentation (12, 3.7.4.8) answer from the description below; the other calls (GetTypeComp,
GetVarDesc, GetRefTypeOfImplType, GetImplTypeFlags, GetDllEntry, GetRefTypeInfo, CreateInstance,
GetMops, GetContainingTypeLib) are not emulated (nca_op_rng_error; U: Windows serves them).

What IEventSystem's type information says. IEventSystem is a dual interface (MS-COMEV 3.1.4.1:
"[id(1), helpstring("method Query")]"...; eventsys.h), and IDispatch::GetTypeInfo of a dual
interface hands out its dispatch view (TKIND_DISPATCH, MS-OAUT 2.2.17; W: what a type library
returns for a dual interface's GUID, as ATL's IDispatchImpl asks it; U: not checked against
es.dll itself): the seven IUnknown and IDispatch methods first (MEMBERIDs 0x60000000-0x60000002
and 0x60010000-0x60010003, restricted), then the interface's own, their DISPIDs and help strings
as the EventSystem type library declares them (MS-COMEV 3.1.4.1.1-3.1.4.1.6: Query 1 ... RemoveS
6, "method Query"...); in the dispatch view an [out, retval] parameter is the function's result
and HRESULT is not shown (MS-OAUT 2.2.42 elemdescFunc). U: the TYPEATTR's sizes are those of a
64-bit server (cbSizeInstance 8, cbSizeVft 7 pointers, cbAlignment 8), the HREFTYPEs of the
user-defined types (GUID, DISPPARAMS, EXCEPINFO) are smbemu's, and the type library has no help
file (the pBstrHelpFile of GetDocumentation is NULL).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantVaryingArray,
    Guid,
    Pointer,
    Sized,
    Struct,
    Union,
    WString,
    int16,
    int32,
    uint16,
    uint32,
)

from .access import ACCESS_RULE, checked
from .classes import IID_IEVENT_SYSTEM
from .remunknown import target_object
from .wire import ORPCTHAT, ORPCTHAT_EMPTY, ORPCTHIS

__all__ = ["BSTR", "bstr", "text_of", "ITYPEINFO", "IID_ITYPEINFO", "TYPE_E_ELEMENTNOTFOUND"]

IID_ITYPEINFO_TEXT: Final = "00020401-0000-0000-c000-000000000046"
#: MS-ERREF 2.1 (winerror.h): the index or MEMBERID names no element.
TYPE_E_ELEMENTNOTFOUND: Final = 0x8002802B

# MS-OAUT 2.2.23 BSTR: a unique pointer to FLAGGED_WORD_BLOB (cBytes, clSize, [size_is(clSize)]
# asData: the UTF-16 code units, no terminating NUL).
FLAGGED_WORD_BLOB: Final = Struct("FLAGGED_WORD_BLOB", [("cBytes", uint32), ("clSize", uint32),
                                                         ("asData", ConformantArray(uint16))])
BSTR: Final = Pointer(FLAGGED_WORD_BLOB)


def bstr(text: str | None) -> dict[str, Any] | None:
    """The BSTR value of ``text`` (None: the NULL BSTR)."""
    if text is None:
        return None
    units = list(memoryview(text.encode("utf-16-le")).cast("H"))
    return {"cBytes": 2 * len(units), "clSize": len(units), "asData": units}


def text_of(value: dict[str, Any] | None) -> str:
    """The text of a received BSTR ("" for NULL)."""
    if value is None:
        return ""
    units = value["asData"]
    return b"".join(unit.to_bytes(2, "little") for unit in units).decode("utf-16-le", "replace")


# MS-OAUT 2.2.7 VARENUM values used here.
VT_EMPTY, VT_I2, VT_I4, VT_BSTR, VT_VARIANT, VT_UNKNOWN, VT_I1 = 0, 2, 3, 8, 12, 13, 16
VT_UI2, VT_UI4, VT_INT, VT_UINT, VT_VOID, VT_HRESULT, VT_PTR, VT_SAFEARRAY = 18, 19, 22, 23, 24, 25, 26, 27
VT_USERDEFINED: Final = 29


def _typedesc(inner: Struct | None) -> Struct:
    """MS-OAUT 2.2.37 TYPEDESC: [switch_is(vt)] union {VT_PTR / VT_SAFEARRAY: TYPEDESC*;
    VT_USERDEFINED: HREFTYPE; default: empty} then USHORT vt.  The engine declares types once,
    so the recursion is unrolled: two levels of pointers are enough here (VT_PTR to VT_PTR to a
    base type, IDispatch::GetTypeInfo's ``ITypeInfo**``); VT_CARRAY is never sent."""
    arms: dict[int, Any] = {VT_USERDEFINED: uint32}
    if inner is not None:
        arms[VT_PTR] = arms[VT_SAFEARRAY] = Pointer(inner)
    return Struct("TYPEDESC", [("u", Union(uint16, arms, default=None, name="tdUnion")),
                               ("vt", uint16)])


TYPEDESC: Final = _typedesc(_typedesc(_typedesc(None)))
# MS-OAUT 2.2.40 PARAMDESC: pparamdescex is a PARAMDESCEX* that smbemu always sends NULL (no
# parameter here has a default value), so its VARIANT is not declared.
PARAMDESC: Final = Struct("PARAMDESC", [
    ("pparamdescex", Pointer(Struct("PARAMDESCEX", [("cBytes", uint32)]))), ("wParamFlags", uint16)])
ELEMDESC: Final = Struct("ELEMDESC", [("tdesc", TYPEDESC), ("paramdesc", PARAMDESC)])  # 2.2.41
FUNCDESC: Final = Struct("FUNCDESC", [  # MS-OAUT 2.2.42
    ("memid", int32), ("lReserved1", Pointer(ConformantArray(int32))),
    ("lprgelemdescParam", Pointer(ConformantArray(ELEMDESC))), ("funckind", uint32),
    ("invkind", uint32), ("callconv", uint32), ("cParams", int16), ("cParamsOpt", int16),
    ("oVft", int16), ("cReserved2", int16), ("elemdescFunc", ELEMDESC), ("wFuncFlags", uint16)])
TYPEATTR: Final = Struct("TYPEATTR", [  # MS-OAUT 2.2.44
    ("guid", Guid), ("lcid", uint32), ("dwReserved1", uint32), ("dwReserved2", uint32),
    ("dwReserved3", uint32), ("lpstrReserved4", WString), ("cbSizeInstance", uint32),
    ("typekind", uint32), ("cFuncs", uint16), ("cVars", uint16), ("cImplTypes", uint16),
    ("cbSizeVft", uint16), ("cbAlignment", uint16), ("wTypeFlags", uint16), ("wMajorVerNum", uint16),
    ("wMinorVerNum", uint16), ("tdescAlias", TYPEDESC), ("dwReserved5", uint32), ("dwReserved6", uint16)])

# MS-OAUT 2.2.17 TYPEKIND, 2.2.34 FUNCKIND / INVOKEKIND / CALLCONV, 2.2.11 FUNCFLAGS,
# 2.2.16 TYPEFLAGS, 2.2.13 PARAMFLAGS.
TKIND_DISPATCH, FUNC_DISPATCH, INVOKE_FUNC, CC_STDCALL = 4, 4, 1, 4
FUNCFLAG_FRESTRICTED: Final = 0x1
TYPEFLAG_FDUAL, TYPEFLAG_FDISPATCHABLE = 0x40, 0x1000
PARAMFLAG_FIN, PARAMFLAG_FOUT = 0x1, 0x2
#: MS-OAUT 2.2.35 MEMBERID_NIL: the type itself (GetDocumentation).
MEMBERID_NIL: Final = -1
#: smbemu's HREFTYPE of the user-defined types IDispatch's methods name (U).
_HREF_GUID, _HREF_DISPPARAMS, _HREF_EXCEPINFO = 1, 2, 3


def td(vt: int, href: int = 0) -> dict[str, Any]:
    """A TYPEDESC of a base type (or of a user-defined one, ``href``)."""
    return {"u": (vt, href if vt == VT_USERDEFINED else None), "vt": vt}


def ptr(inner: dict[str, Any]) -> dict[str, Any]:
    return {"u": (VT_PTR, inner), "vt": VT_PTR}


@dataclass(frozen=True, slots=True)
class Func:
    """One function of the dispatch view: its MEMBERID, name, help string, parameters
    (name, TYPEDESC, PARAMFLAGS), result and FUNCFLAGS."""

    memid: int
    name: str
    doc: str | None
    params: tuple[tuple[str, dict[str, Any], int], ...]
    result: dict[str, Any]
    flags: int = 0


_IN, _OUT = PARAMFLAG_FIN, PARAMFLAG_FOUT
_RIID = ("riid", ptr(td(VT_USERDEFINED, _HREF_GUID)), _IN)
_PROGID, _CRITERIA = ("progID", td(VT_BSTR), _IN), ("queryCriteria", td(VT_BSTR), _IN)
_ERROR_INDEX = ("errorIndex", ptr(td(VT_INT)), _OUT)
_R = FUNCFLAG_FRESTRICTED

#: IEventSystem's dispatch view, in the order GetFuncDesc indexes it (module docstring).
IEVENT_SYSTEM_FUNCS: Final = (
    Func(0x60000000, "QueryInterface", None, (_RIID, ("ppvObj", ptr(ptr(td(VT_VOID))), _OUT)),
         td(VT_VOID), _R),
    Func(0x60000001, "AddRef", None, (), td(VT_UI4), _R),
    Func(0x60000002, "Release", None, (), td(VT_UI4), _R),
    Func(0x60010000, "GetTypeInfoCount", None, (("pctinfo", ptr(td(VT_UINT)), _OUT),), td(VT_VOID), _R),
    Func(0x60010001, "GetTypeInfo", None, (("itinfo", td(VT_UINT), _IN), ("lcid", td(VT_UI4), _IN),
                                           ("pptinfo", ptr(ptr(td(VT_VOID))), _OUT)), td(VT_VOID), _R),
    Func(0x60010002, "GetIDsOfNames", None,
         (_RIID, ("rgszNames", ptr(ptr(td(VT_I1))), _IN), ("cNames", td(VT_UINT), _IN),
          ("lcid", td(VT_UI4), _IN), ("rgdispid", ptr(td(VT_I4)), _OUT)), td(VT_VOID), _R),
    Func(0x60010003, "Invoke", None,
         (("dispidMember", td(VT_I4), _IN), _RIID, ("lcid", td(VT_UI4), _IN), ("wFlags", td(VT_UI2), _IN),
          ("pdispparams", ptr(td(VT_USERDEFINED, _HREF_DISPPARAMS)), _IN),
          ("pvarResult", ptr(td(VT_VARIANT)), _OUT), ("pexcepinfo", ptr(td(VT_USERDEFINED, _HREF_EXCEPINFO)), _OUT),
          ("puArgErr", ptr(td(VT_UINT)), _OUT)), td(VT_VOID), _R),
    Func(1, "Query", "method Query", (_PROGID, _CRITERIA, _ERROR_INDEX), td(VT_UNKNOWN)),
    Func(2, "Store", "method Store", (("ProgID", td(VT_BSTR), _IN), ("pInterface", td(VT_UNKNOWN), _IN)),
         td(VT_VOID)),
    Func(3, "Remove", "method Remove", (_PROGID, _CRITERIA, _ERROR_INDEX), td(VT_VOID)),
    Func(4, "get_EventObjectChangeEventClassID", "method get_EventObjectChangeEventClassID", (), td(VT_BSTR)),
    Func(5, "QueryS", "method QueryS", (_PROGID, _CRITERIA), td(VT_UNKNOWN)),
    Func(6, "RemoveS", "method RemoveS", (_PROGID, _CRITERIA), td(VT_VOID)),
)
#: The interface's own entry (GetDocumentation of MEMBERID_NIL): its name and help string.
IEVENT_SYSTEM_DOC: Final = ("IEventSystem", "IEventSystem Interface")


def type_attr() -> dict[str, Any]:
    """IEventSystem's TYPEATTR (MS-OAUT 2.2.44; the reserved fields 0, module docstring)."""
    return {"guid": IID_IEVENT_SYSTEM, "lcid": 0, "dwReserved1": 0, "dwReserved2": 0, "dwReserved3": 0,
            "lpstrReserved4": None, "cbSizeInstance": 8, "typekind": TKIND_DISPATCH,
            "cFuncs": len(IEVENT_SYSTEM_FUNCS), "cVars": 0, "cImplTypes": 1, "cbSizeVft": 7 * 8,
            "cbAlignment": 8, "wTypeFlags": TYPEFLAG_FDUAL | TYPEFLAG_FDISPATCHABLE, "wMajorVerNum": 0,
            "wMinorVerNum": 0, "tdescAlias": td(VT_EMPTY), "dwReserved5": 0, "dwReserved6": 0}


def func_desc(func: Func) -> dict[str, Any]:
    """The FUNCDESC of one function of the dispatch view (MS-OAUT 2.2.42: lReserved1 NULL,
    cReserved2 0; a FUNC_DISPATCH function has no vtable offset)."""
    return {"memid": func.memid, "lReserved1": None,
            "lprgelemdescParam": [{"tdesc": desc, "paramdesc": {"pparamdescex": None, "wParamFlags": flags}}
                                  for _, desc, flags in func.params] or None,
            "funckind": FUNC_DISPATCH, "invkind": INVOKE_FUNC, "callconv": CC_STDCALL,
            "cParams": len(func.params), "cParamsOpt": 0, "oVft": 0, "cReserved2": 0,
            "elemdescFunc": {"tdesc": func.result, "paramdesc": {"pparamdescex": None, "wParamFlags": 0}},
            "wFuncFlags": func.flags}


def _find(memid: int) -> Func | None:
    return next((f for f in IEVENT_SYSTEM_FUNCS if f.memid == memid), None)


ITYPEINFO: Final = Interface(
    name="ITypeInfo", uuid=IID_ITYPEINFO_TEXT, version=(0, 0), pipes=(), opnum_count=22,
    description="OLE Automation type information (MS-OAUT ITypeInfo)")
IID_ITYPEINFO: Final = ITYPEINFO.uuid
for _opnum, _name in ((0, "QueryInterface"), (1, "AddRef"), (2, "Release")):
    ITYPEINFO.not_implemented(_opnum, _name)  # MS-DCOM 3.1.1.5.6: IUnknown's, local only


def _type_info(ctx: CallContext) -> None:
    target_object(ctx, IID_ITYPEINFO)


@ITYPEINFO.operation(3, "GetTypeAttr", request=[("ORPCthis", ORPCTHIS)],
                     response=[("ORPCthat", ORPCTHAT), ("ppTypeAttr", Pointer(TYPEATTR)), ("pReserved", uint32)],
                     returns="HRESULT", rule=ACCESS_RULE)
@checked
def GetTypeAttr(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-OAUT 3.7.4.1: pReserved 0."""
    _type_info(ctx)
    return {"ORPCthat": ORPCTHAT_EMPTY, "ppTypeAttr": type_attr(), "pReserved": 0, "ReturnValue": 0}


@ITYPEINFO.operation(5, "GetFuncDesc", request=[("ORPCthis", ORPCTHIS), ("index", uint32)],
                     response=[("ORPCthat", ORPCTHAT), ("ppFuncDesc", Pointer(FUNCDESC)), ("pReserved", uint32)],
                     returns="HRESULT", rule=ACCESS_RULE)
@checked
def GetFuncDesc(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-OAUT 3.7.4.3: an index past cFuncs is TYPE_E_ELEMENTNOTFOUND."""
    _type_info(ctx)
    index = request["index"]
    if index >= len(IEVENT_SYSTEM_FUNCS):
        return {"ORPCthat": ORPCTHAT_EMPTY, "ppFuncDesc": None, "pReserved": 0,
                "ReturnValue": TYPE_E_ELEMENTNOTFOUND}
    return {"ORPCthat": ORPCTHAT_EMPTY, "ppFuncDesc": func_desc(IEVENT_SYSTEM_FUNCS[index]), "pReserved": 0,
            "ReturnValue": 0}


@ITYPEINFO.operation(7, "GetNames", request=[("ORPCthis", ORPCTHIS), ("memid", int32), ("cMaxNames", uint32)],
                     response=[("ORPCthat", ORPCTHAT), ("rgBstrNames", ConformantVaryingArray(BSTR)),
                               ("pcNames", uint32)],
                     returns="HRESULT", rule=ACCESS_RULE)
@checked
def GetNames(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-OAUT 3.7.4.5: the function's name then its parameters', at most cMaxNames of them."""
    _type_info(ctx)
    limit = request["cMaxNames"]  # [size_is(cMaxNames), length_is(*pcNames)]
    func = _find(request["memid"])
    if func is None:
        return {"ORPCthat": ORPCTHAT_EMPTY, "rgBstrNames": Sized([], limit), "pcNames": 0,
                "ReturnValue": TYPE_E_ELEMENTNOTFOUND}
    names = [func.name, *(name for name, _, _ in func.params)][:limit]
    return {"ORPCthat": ORPCTHAT_EMPTY, "rgBstrNames": Sized([bstr(n) for n in names], limit),
            "pcNames": len(names), "ReturnValue": 0}


@ITYPEINFO.operation(12, "GetDocumentation",
                     request=[("ORPCthis", ORPCTHIS), ("memid", int32), ("refPtrFlags", uint32)],
                     response=[("ORPCthat", ORPCTHAT), ("pBstrName", BSTR), ("pBstrDocString", BSTR),
                               ("pdwHelpContext", uint32), ("pBstrHelpFile", BSTR)],
                     returns="HRESULT", rule=ACCESS_RULE)
@checked
def GetDocumentation(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-OAUT 3.7.4.8: refPtrFlags bits 1, 2, 4, 8 ask for the name, the help string, the help
    context and the help file; what is not asked for is NULL / 0."""
    _type_info(ctx)
    memid, wanted = request["memid"], request["refPtrFlags"]
    doc: str | None
    if memid == MEMBERID_NIL:
        name, doc = IEVENT_SYSTEM_DOC
    elif (func := _find(memid)) is not None:
        name, doc = func.name, func.doc
    else:
        return {"ORPCthat": ORPCTHAT_EMPTY, "pBstrName": None, "pBstrDocString": None, "pdwHelpContext": 0,
                "pBstrHelpFile": None, "ReturnValue": TYPE_E_ELEMENTNOTFOUND}
    return {"ORPCthat": ORPCTHAT_EMPTY, "pBstrName": bstr(name) if wanted & 1 else None,
            "pBstrDocString": bstr(doc) if wanted & 2 else None, "pdwHelpContext": 0,
            "pBstrHelpFile": None, "ReturnValue": 0}


for _opnum, _name in ((4, "GetTypeComp"), (6, "GetVarDesc"), (8, "GetRefTypeOfImplType"),
                      (9, "GetImplTypeFlags"), (10, "Opnum10NotUsedOnWire"), (11, "Opnum11NotUsedOnWire"),
                      (13, "GetDllEntry"), (14, "GetRefTypeInfo"), (15, "Opnum15NotUsedOnWire"),
                      (16, "CreateInstance"), (17, "GetMops"), (18, "GetContainingTypeLib"),
                      (19, "Opnum19NotUsedOnWire"), (20, "Opnum20NotUsedOnWire"), (21, "Opnum21NotUsedOnWire")):
    ITYPEINFO.not_implemented(_opnum, _name)
