"""wkssvc's interface object (MS-WKST 2.1, 3.2.4) and the helpers its calls share."""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext, Interface
from smbemu.rpc.paging import netapi_entry_size, page

INTERFACE: Final = Interface(
    name="wkssvc", uuid="6bffd098-a112-3610-9833-46c3f87e345a", version=(1, 0),
    pipes=("wkssvc",), opnum_count=31,
    description="Workstation Service Remote Protocol (MS-WKST)")

#: Every opnum 0-30 is answered: MS-WKST 3.2.4 marks 3, 4, 12, 14-19 and 21 "reserved for local
#: use", yet Windows answers them over the wire as its NT 4 era methods (Samba's wkssvc.idl
#: names them; its smbtorture rpc.wkssvc, written against Windows, expects each answer below).
NOT_USED_ON_WIRE: Final[dict[int, str]] = {}
NOT_EMULATED: Final[dict[int, str]] = {}


# -------------------------------------------------------------------------------------------
# Helpers
# -------------------------------------------------------------------------------------------


def enum_error(level: int, union_field: str, struct_name: str, status: int,
               request: dict[str, Any]) -> dict[str, Any]:
    return {struct_name: {"Level": level, union_field: (level, None)}, "TotalEntries": 0,
            "ResumeHandle": request["ResumeHandle"], "ReturnValue": status}


def enum_reply(level: int, union_field: str, struct_name: str,
               entries: list[dict[str, Any]], request: dict[str, Any]) -> dict[str, Any]:
    got = page(entries, request["ResumeHandle"] or 0, request["PreferredMaximumLength"],
               netapi_entry_size)
    return {struct_name: {"Level": level,
                          union_field: (level, {"EntriesRead": len(got.items), "Buffer": got.items})},
            "TotalEntries": got.remaining, "ResumeHandle": got.resume_handle(request["ResumeHandle"]),
            "ReturnValue": got.werror}


def lan_group(ctx: CallContext) -> str:
    """wki*_langroup: the domain the machine belongs to, or its workgroup (the LSA primary
    domain of the fixture: MS-WKST 2.2.5.1)."""
    return str(ctx.server.directory.primary_domain.name)


def is_joined(ctx: CallContext) -> bool:
    return ctx.server.directory.primary_domain.sid is not None
