"""srvsvc's interface object (MS-SRVS 2.1, 3.1.4) and the helpers its calls share: the
``INTERFACE`` every other module of the package declares its operations on, the fault-only
opnums, one enumeration reply shape, and views of the live sessions."""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext, Interface
from smbemu.rpc.paging import netapi_entry_size, page

INTERFACE: Final = Interface(
    name="srvsvc", uuid="4b324fc8-1670-01d3-1278-5a47bf6ee188", version=(3, 0),
    # \PIPE\browser is served by the same process (services.exe / the Server and Computer
    # Browser services), so srvsvc answers there too: nmap's smb-vuln-ms08-067 binds srvsvc on
    # \BROWSER, and NullSessionPipes lists "browser" up to Windows 2003.
    pipes=("srvsvc", "browser"), opnum_count=58,
    description="Server Service Remote Protocol (MS-SRVS)")

#: Read-only calls Windows implements and smbemu does not emulate yet: none left (every opnum
#: MS-SRVS 3.1.4 gives a remote behaviour is answered; kept for the interface's callers).
NOT_EMULATED: Final[dict[int, str]] = {}
#: MS-SRVS 3.1.4: "reserved for local use" (behaviour undefined): nca_op_rng_error.
NOT_USED_ON_WIRE: Final = {29: "Opnum29NotUsedOnWire", 42: "Opnum42NotUsedOnWire",
                           47: "Opnum47NotUsedOnWire"}
for _opnum, _name in {**NOT_EMULATED, **NOT_USED_ON_WIRE}.items():
    INTERFACE.not_implemented(_opnum, _name)


# -------------------------------------------------------------------------------------------
# Helpers
# -------------------------------------------------------------------------------------------


def _strings_size(*values: str | None) -> int:
    return sum(2 * (len(v) + 1) for v in values if v is not None)


def enum_reply(ctx: CallContext, union_field: str, level: int, entries: list[dict[str, Any]],
               request: dict[str, Any], struct_name: str = "InfoStruct") -> dict[str, Any]:
    """The [out] parameters of an Enum method from the full list of entries."""
    got = page(entries, request["ResumeHandle"] or 0, request["PreferedMaximumLength"],
               netapi_entry_size)
    container = {"EntriesRead": len(got.items), "Buffer": got.items}
    return {struct_name: {"Level": level, union_field: (level, container)},
            "TotalEntries": got.remaining, "ResumeHandle": got.resume_handle(request["ResumeHandle"]),
            "ReturnValue": got.werror}


def enum_error(ctx: CallContext, union_field: str, level: int, status: int,
               request: dict[str, Any]) -> dict[str, Any]:
    """An Enum method's failure: the level echoed with a NULL container (what Windows sends)."""
    return {"InfoStruct": {"Level": level, union_field: (level, None)}, "TotalEntries": 0,
            "ResumeHandle": request.get("ResumeHandle"), "ReturnValue": status}


def all_sessions(ctx: CallContext) -> list[Any]:
    """The server's established sessions, oldest first (``smbemu.state.Session``); a session an
    administrator deleted (NetrSessionDel) is gone at once, though its connection has not sent
    the request that tears it down yet."""
    sessions = ctx.server.sessions
    return sorted((s for s in sessions.values() if not getattr(s, "deleted", False)),
                  key=lambda s: (s.created_at, s.session_id))
