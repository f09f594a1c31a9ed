"""Windows' built-in forms: RpcEnumForms (34) and RpcGetForm (32), MS-RPRN 3.1.4.5.

The print server's forms database starts with the forms Windows ships: 118 of them, every one
FORM_BUILTIN, named and sized as in the "Print Server Properties > Forms" list of a fresh
installation (W: the table is the one Samba's spoolss server serves as "Windows NT 4.0
built-in forms" -- source3/rpc_client/cli_winreg_spoolss.c, builtin_forms1 -- recorded from a
Windows server; the same names appear in the registry value ``HKLM\\SYSTEM\\CurrentControlSet\\
Control\\Print\\Forms`` of user forms).  Sizes are in thousandths of a millimetre (MS-RPRN
2.2.1.6.1 SIZE); a built-in form's imageable area is the whole sheet.  Forms are the same on
the server handle and on a printer handle (a printer shares the server's forms database,
MS-RPRN 3.1.4.5.1).  Forms an administrator adds (:mod:`.form_changes`) follow the built-in
ones, in the order added, until deleted or the server stops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ContextHandle, WStringRef, uint32
from smbemu.status import ERROR_INVALID_FORM_NAME, ERROR_INVALID_LEVEL

from . import BUFFER, INTERFACE, _answer
from .info import Field, pack
from .objects import opened

#: (name, width, height) in thousandths of a millimetre, in Windows' enumeration order.
BUILTIN_FORMS: Final = (
    ('Letter', 215900, 279400), ('Letter Small', 215900, 279400), ('Tabloid', 279400, 431800),
    ('Ledger', 431800, 279400), ('Legal', 215900, 355600), ('Statement', 139700, 215900),
    ('Executive', 184150, 266700), ('A3', 297000, 420000), ('A4', 210000, 297000),
    ('A4 Small', 210000, 297000), ('A5', 148000, 210000), ('B4 (JIS)', 257000, 364000),
    ('B5 (JIS)', 182000, 257000), ('Folio', 215900, 330200), ('Quarto', 215000, 275000),
    ('10x14', 254000, 355600), ('11x17', 279400, 431800), ('Note', 215900, 279400),
    ('Envelope #9', 98425, 225425), ('Envelope #10', 104775, 241300),
    ('Envelope #11', 114300, 263525), ('Envelope #12', 120650, 279400),
    ('Envelope #14', 127000, 292100), ('C size sheet', 431800, 558800),
    ('D size sheet', 558800, 863600), ('E size sheet', 863600, 1117600),
    ('Envelope DL', 110000, 220000), ('Envelope C5', 162000, 229000),
    ('Envelope C3', 324000, 458000), ('Envelope C4', 229000, 324000),
    ('Envelope C6', 114000, 162000), ('Envelope C65', 114000, 229000),
    ('Envelope B4', 250000, 353000), ('Envelope B5', 176000, 250000),
    ('Envelope B6', 176000, 125000), ('Envelope', 110000, 230000),
    ('Envelope Monarch', 98425, 190500), ('6 3/4 Envelope', 92075, 165100),
    ('US Std Fanfold', 377825, 279400), ('German Std Fanfold', 215900, 304800),
    ('German Legal Fanfold', 215900, 330200), ('B4 (ISO)', 250000, 353000),
    ('Japanese Postcard', 100000, 148000), ('9x11', 228600, 279400), ('10x11', 254000, 279400),
    ('15x11', 381000, 279400), ('Envelope Invite', 220000, 220000), ('Reserved48', 1, 1),
    ('Reserved49', 1, 1), ('Letter Extra', 241300, 304800), ('Legal Extra', 241300, 381000),
    ('Tabloid Extra', 304800, 457200), ('A4 Extra', 235458, 322326),
    ('Letter Transverse', 215900, 279400), ('A4 Transverse', 210000, 297000),
    ('Letter Extra Transverse', 241300, 304800), ('Super A', 227000, 356000),
    ('Super B', 305000, 487000), ('Letter Plus', 215900, 322326), ('A4 Plus', 210000, 330000),
    ('A5 Transverse', 148000, 210000), ('B5 (JIS) Transverse', 182000, 257000),
    ('A3 Extra', 322000, 445000), ('A5 Extra', 174000, 235000),
    ('B5 (ISO) Extra', 201000, 276000), ('A2', 420000, 594000),
    ('A3 Transverse', 297000, 420000), ('A3 Extra Transverse', 322000, 445000),
    ('Japanese Double Postcard', 200000, 148000), ('A6', 105000, 148000),
    ('Japan Envelope Kaku #2 Rotated', 332000, 240000),
    ('Japan Envelope Kaku #3 Rotated', 277000, 216000),
    ('Japan Envelope Chou #3 Rotated', 235000, 120000),
    ('Japan Envelope Chou #4 Rotated', 205000, 90000), ('Letter Rotated', 279400, 215900),
    ('A3 Rotated', 420000, 297000), ('A4 Rotated', 297000, 210000),
    ('A5 Rotated', 210000, 148000), ('B4 (JIS) Rotated', 364000, 257000),
    ('B5 (JIS) Rotated', 257000, 182000), ('Japanese Postcard Rotated', 148000, 100000),
    ('Double Japan Postcard Rotated', 148000, 200000), ('A6 Rotated', 148000, 105000),
    ('Japanese Envelope Kaku #2', 240000, 332000),
    ('Japanese Envelope Kaku #3', 216000, 277000),
    ('Japanese Envelope Chou #3', 120000, 235000),
    ('Japanese Envelope Chou #4', 90000, 205000), ('B6 (JIS)', 128000, 182000),
    ('B6 (JIS) Rotated', 182000, 128000), ('12x11', 304932, 279521),
    ('Japan Envelope You #4', 105000, 235000),
    ('Japan Envelope You #4 Rotated', 235000, 105000), ('PRC 16K', 188000, 260000),
    ('PRC 32K', 130000, 184000), ('PRC 32K(Big)', 140000, 203000),
    ('PRC Envelope #1', 102000, 165000), ('PRC Envelope #2', 102000, 176000),
    ('PRC Envelope #3', 125000, 176000), ('PRC Envelope #4', 110000, 208000),
    ('PRC Envelope #5', 110000, 220000), ('PRC Envelope #6', 120000, 230000),
    ('PRC Envelope #7', 160000, 230000), ('PRC Envelope #8', 120000, 309000),
    ('PRC Envelope #9', 229000, 324000), ('PRC Envelope #10', 324000, 458000),
    ('PRC 16K Rotated', 260000, 188000), ('PRC 32K Rotated', 184000, 130000),
    ('PRC 32K(Big) Rotated', 203000, 140000), ('PRC Envelope #1 Rotated', 165000, 102000),
    ('PRC Envelope #2 Rotated', 176000, 102000), ('PRC Envelope #3 Rotated', 176000, 125000),
    ('PRC Envelope #4 Rotated', 208000, 110000), ('PRC Envelope #5 Rotated', 220000, 110000),
    ('PRC Envelope #6 Rotated', 230000, 120000), ('PRC Envelope #7 Rotated', 230000, 160000),
    ('PRC Envelope #8 Rotated', 309000, 120000), ('PRC Envelope #9 Rotated', 324000, 229000),
    ('PRC Envelope #10 Rotated', 458000, 324000),
)

#: FORM_INFO_1 / FORM_INFO_2 Flags (MS-RPRN 2.2.1.6.1: FORM_USER 0, FORM_BUILTIN 1,
#: FORM_PRINTER 2): a form that ships with Windows.
FORM_BUILTIN: Final = 0x00000001
#: FORM_INFO_2 StringType (MS-RPRN 2.2.1.6.2): STRING_LANGPAIR -- the display name is given in
#: pDisplayName for language wLangId.  U: Windows names its built-in forms through
#: STRING_MUIDLL (localspl.dll resource ids this emulation does not know); the language pair
#: carries the same display text.
STRING_LANGPAIR: Final = 0x00000004
#: en-US, the language of the forms' names (U: the emulated installation's UI language).
LANG_EN_US: Final = 0x0409


def form_levels(version: tuple[int, int]) -> tuple[int, ...]:
    """FORM_INFO_2 exists from Windows Vista / Server 2008 on (MS-RPRN 2.2.1.6.2, product note:
    not supported by 2000, XP, 2003); earlier releases answer level 1 only."""
    return (1, 2) if version >= (6, 0) else (1,)


@dataclass(slots=True)
class Form:
    """One form of the database: FORM_INFO_1's members (MS-RPRN 2.2.1.6.1); sizes and the
    imageable area in thousandths of a millimetre."""

    name: str
    flags: int
    width: int
    height: int
    area: tuple[int, int, int, int]  # left, top, right, bottom


def added_forms(ctx: CallContext) -> dict[str, Form]:
    """The forms administrators added on this server, by lower-cased name, in the order added."""
    return ctx.server.memo("spoolss.added_forms", dict)


def all_forms(ctx: CallContext) -> list[Form]:
    """The database in enumeration order: Windows' built-in forms, then the added ones."""
    built_in = [Form(name, FORM_BUILTIN, width, height, (0, 0, width, height))
                for name, width, height in BUILTIN_FORMS]
    return built_in + list(added_forms(ctx).values())


def find_form(ctx: CallContext, name: str) -> Form | None:
    wanted = name.rstrip("\x00").lower()
    for form in all_forms(ctx):
        if form.name.lower() == wanted:
            return form
    return None


def _record(form: Form, level: int) -> list[Field]:
    name = form.name
    fields: list[Field] = [("u32", form.flags), ("s", name), ("u32", form.width),
                           ("u32", form.height), *(("u32", v & 0xFFFFFFFF) for v in form.area)]
    if level == 2:
        # pKeyword: the form's name as an ANSI string (MS-RPRN 2.2.1.6.2), then the string
        # type, pMuiDll (none), dwResourceId (none), pDisplayName, wLangId and padding.
        fields += [("b", name.encode("cp1252", "replace") + b"\x00"), ("u32", STRING_LANGPAIR),
                   ("s", None), ("u32", 0), ("s", name), ("u16", LANG_EN_US), ("u16", 0)]
    return fields


def _aligned(data: bytes) -> bytes:
    # Windows sizes these buffers in whole DWORDs (W: Samba's smbtorture checks pcbNeeded
    # against the structures' size rounded up to 4, CHECK_NEEDED_SIZE_ENUM_LEVEL).
    return data + bytes(-len(data) % 4)


@INTERFACE.operation(34, "RpcEnumForms",
                     request=[("hPrinter", ContextHandle), ("Level", uint32),
                              ("pForm", BUFFER), ("cbBuf", uint32)],
                     response=[("pForm", BUFFER), ("pcbNeeded", uint32), ("pcReturned", uint32)],
                     returns="uint32")
def RpcEnumForms(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.5.4: every form, on a server or a printer handle."""
    opened(ctx, request["hPrinter"])
    buffer, room, level = request["pForm"], request["cbBuf"], request["Level"]
    if level not in form_levels(ctx.server.profile.identity.version):
        return {**_answer(buffer, room, b"", 0, "pForm"), "ReturnValue": ERROR_INVALID_LEVEL}
    forms = all_forms(ctx)
    data = _aligned(pack([_record(form, level) for form in forms]))
    return _answer(buffer, room, data, len(forms), "pForm")


@INTERFACE.operation(32, "RpcGetForm",
                     request=[("hPrinter", ContextHandle), ("pFormName", WStringRef),
                              ("Level", uint32), ("pForm", BUFFER), ("cbBuf", uint32)],
                     response=[("pForm", BUFFER), ("pcbNeeded", uint32)], returns="uint32")
def RpcGetForm(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RPRN 3.1.4.5.3: one form by name (case-insensitive); a name the database does not
    hold is ERROR_INVALID_FORM_NAME."""
    opened(ctx, request["hPrinter"])
    buffer, room, level = request["pForm"], request["cbBuf"], request["Level"]
    empty = _answer(buffer, room, b"", None, "pForm")
    if level not in form_levels(ctx.server.profile.identity.version):
        return {**empty, "ReturnValue": ERROR_INVALID_LEVEL}
    form = find_form(ctx, request["pFormName"] or "")
    if form is not None:
        return _answer(buffer, room, _aligned(pack([_record(form, level)])), None, "pForm")
    return {**empty, "ReturnValue": ERROR_INVALID_FORM_NAME}


__all__ = ["BUILTIN_FORMS", "FORM_BUILTIN", "Form", "added_forms", "all_forms", "find_form",
           "form_levels"]
