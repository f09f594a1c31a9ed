"""An administrator's changes to the forms database: RpcAddForm (30), RpcDeleteForm (31) and
RpcSetForm (33), MS-RPRN 3.1.4.5.1, 3.1.4.5.2, 3.1.4.5.5.

The forms database is the print server's (a printer handle reaches the same one, 3.1.4.5), so
a form added through any handle is listed by every later RpcEnumForms / RpcGetForm on every
connection until it is deleted or the server stops (the emulation keeps it in memory; Windows
writes it to ``HKLM\\SYSTEM\\CurrentControlSet\\Control\\Print\\Forms``, which the emulated
registry does not follow).  In the order Windows checks:

1. the handle: unknown or closed, fault nca_s_fault_context_mismatch (MS-RPCE 3.3.3.2.1);
   without SERVER_ACCESS_ADMINISTER (server handle) or PRINTER_ACCESS_ADMINISTER (printer
   handle), ERROR_ACCESS_DENIED -- the default security descriptors give those rights to
   administrators only (MS-RPRN 2.2.3.1; :mod:`.objects`);
2. the container: a level other than 1 (and 2 from Vista / 2008 on, as RpcEnumForms,
   :func:`.forms.form_levels`) is ERROR_INVALID_LEVEL; a missing form name or Flags other
   than FORM_USER / FORM_BUILTIN / FORM_PRINTER (2.2.1.6.1) is ERROR_INVALID_PARAMETER;
3. the name: RpcAddForm of a name the database holds is ERROR_FILE_EXISTS; RpcDeleteForm /
   RpcSetForm of a name it does not hold, ERROR_INVALID_FORM_NAME; deleting or changing a
   built-in form, ERROR_INVALID_PARAMETER.  A form added with FORM_BUILTIN is built-in from
   then on and cannot be deleted (W: smbtorture's rpc.spoolss forms test, written against
   Windows, expects every one of these answers and notes the undeletable FORM_BUILTIN form).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    ContextHandle,
    CString,
    Pointer,
    Struct,
    Union,
    WString,
    WStringRef,
    int32,
    uint16,
    uint32,
)
from smbemu.status import (
    ERROR_FILE_EXISTS,
    ERROR_INVALID_FORM_NAME,
    ERROR_INVALID_LEVEL,
    ERROR_INVALID_PARAMETER,
)

from . import INTERFACE
from .forms import FORM_BUILTIN, Form, added_forms, find_form, form_levels
from .objects import PRINTER, PRINTER_ACCESS_ADMINISTER, SERVER_ACCESS_ADMINISTER, SPOOLER_SERVER, opened

#: MS-RPRN 2.2.1.6.1 Flags: FORM_USER, FORM_BUILTIN, FORM_PRINTER.
FORM_FLAGS: Final = (0x0, 0x1, 0x2)
#: The most forms an administrator may add on one server (U: Windows' limit is the registry's;
#: a bound keeps a scripted client from filling the emulator's memory).
MAX_ADDED_FORMS: Final = 1000

_SIZE: Final = Struct("SIZE", [("cx", int32), ("cy", int32)])
_RECTL: Final = Struct("RECTL", [("left", int32), ("top", int32), ("right", int32), ("bottom", int32)])
#: 2.2.1.6.1 FORM_INFO_1 and 2.2.1.6.2 RPC_FORM_INFO_2 as the container carries them.
_FORM_INFO_1: Final = Struct("FORM_INFO_1", [
    ("Flags", uint32), ("pName", WString), ("Size", _SIZE), ("ImageableArea", _RECTL)])
_RPC_FORM_INFO_2: Final = Struct("RPC_FORM_INFO_2", [
    ("Flags", uint32), ("pName", WString), ("Size", _SIZE), ("ImageableArea", _RECTL),
    ("pKeyword", CString), ("StringType", uint32), ("pMuiDll", WString),
    ("dwResourceId", uint32), ("pDisplayName", WString), ("wLangID", uint16)])
#: 2.2.1.2.3 FORM_CONTAINER.
FORM_CONTAINER: Final = Struct("FORM_CONTAINER", [
    ("Level", uint32),
    ("FormInfo", Union(uint32, {1: Pointer(_FORM_INFO_1), 2: Pointer(_RPC_FORM_INFO_2)},
                       default=None))])


def _may_change(ctx: CallContext, entry: Any) -> int:
    """0, or the refusal of a handle without the administer right (step 1)."""
    if entry.obj.printer is None:
        allowed = ctx.require(entry.granted_access, SERVER_ACCESS_ADMINISTER, SPOOLER_SERVER)
    else:
        allowed = ctx.require(entry.granted_access, PRINTER_ACCESS_ADMINISTER, PRINTER)
    if allowed:
        return 0
    assert ctx.decision is not None
    return ctx.decision.status


def _form_of(ctx: CallContext, container: dict[str, Any] | None) -> Form | int:
    """The form a container describes, or the status that refuses it (step 2)."""
    if not container:
        return ERROR_INVALID_PARAMETER
    level = container["Level"]
    tag, info = container["FormInfo"]
    if level not in form_levels(ctx.server.profile.identity.version) or tag != level:
        return ERROR_INVALID_LEVEL
    if not info or info["Flags"] not in FORM_FLAGS:
        return ERROR_INVALID_PARAMETER
    name = (info["pName"] or "").rstrip("\x00")
    if not name:
        return ERROR_INVALID_PARAMETER
    size, area = info["Size"], info["ImageableArea"]
    return Form(name, info["Flags"], size["cx"], size["cy"],
                (area["left"], area["top"], area["right"], area["bottom"]))


@INTERFACE.operation(30, "RpcAddForm",
                     request=[("hPrinter", ContextHandle), ("pFormInfoContainer", FORM_CONTAINER)],
                     response=[], returns="uint32")
def RpcAddForm(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.5.1: a new form in the server's database."""
    status = _may_change(ctx, opened(ctx, request["hPrinter"]))
    if status:
        return {"ReturnValue": status}
    form = _form_of(ctx, request["pFormInfoContainer"])
    if isinstance(form, int):
        return {"ReturnValue": form}
    if find_form(ctx, form.name) is not None:
        return {"ReturnValue": ERROR_FILE_EXISTS}
    added = added_forms(ctx)
    if len(added) >= MAX_ADDED_FORMS:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    added[form.name.lower()] = form
    return {"ReturnValue": 0}


@INTERFACE.operation(31, "RpcDeleteForm",
                     request=[("hPrinter", ContextHandle), ("pFormName", WStringRef)],
                     response=[], returns="uint32")
def RpcDeleteForm(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.5.2: an added form leaves the database; a built-in one stays."""
    status = _may_change(ctx, opened(ctx, request["hPrinter"]))
    if status:
        return {"ReturnValue": status}
    form = find_form(ctx, request["pFormName"] or "")
    if form is None:
        return {"ReturnValue": ERROR_INVALID_FORM_NAME}
    if form.flags == FORM_BUILTIN:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    del added_forms(ctx)[form.name.lower()]
    return {"ReturnValue": 0}


@INTERFACE.operation(33, "RpcSetForm",
                     request=[("hPrinter", ContextHandle), ("pFormName", WStringRef),
                              ("pFormInfoContainer", FORM_CONTAINER)],
                     response=[], returns="uint32")
def RpcSetForm(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.5.5: an added form takes the container's size, imageable area and flags;
    its name stays the one it was added under."""
    status = _may_change(ctx, opened(ctx, request["hPrinter"]))
    if status:
        return {"ReturnValue": status}
    form = find_form(ctx, request["pFormName"] or "")
    if form is None:
        return {"ReturnValue": ERROR_INVALID_FORM_NAME}
    if form.flags == FORM_BUILTIN:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    new = _form_of(ctx, request["pFormInfoContainer"])
    if isinstance(new, int):
        return {"ReturnValue": new}
    form.flags, form.width, form.height, form.area = new.flags, new.width, new.height, new.area
    return {"ReturnValue": 0}


__all__ = ["FORM_CONTAINER", "RpcAddForm", "RpcDeleteForm", "RpcSetForm"]
