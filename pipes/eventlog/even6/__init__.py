"""even6: the EventLog Remoting Protocol Version 6.0 (MS-EVEN6), ``IEventService``.

UUID f6beaff7-1e19-4fbb-9f8f-b89e2018337c version 1.0 (MS-EVEN6 2.1).  Every opnum of MS-EVEN6
3.1.4 (0 to 28) is declared: queries and subscriptions (:mod:`.queries`), the log and channel
calls (:mod:`.logs`), publisher metadata and rendering (:mod:`.publishers`).

**Where.**  The Windows Event Log service (wevtsvc in svchost) registers it from Vista / Server
2008 on (MS-EVEN6 1.7 and Appendix A: "not supported" before Vista / 2008; :func:`present`) on a
dynamic ncacn_ip_tcp endpoint (MS-EVEN6 2.1) and, as the same process serves MS-EVEN, on
``\\PIPE\\eventlog`` (W: hsc.fr's rpcdump listing of "IEventService", annotation "Event log
TCPIP", on both); pipes/epmapper/registrations.py lists both.  (W: impacket issue 2007 reports
every Security-log call refused over the pipe on Server 2022 while PowerShell's TCP path works;
not modelled -- U whether that is the release or that network's policy.)

**Authentication.**  MS-EVEN6 2.1: the server requires RPC_C_AUTHN_LEVEL_PKT_PRIVACY and
rejects any other level; Windows' security callback does that before the method runs, so the
answer is the fault ERROR_ACCESS_DENIED (5) (MS-RPCE 3.3.3.2.1; the same fault smbemu.rpc_tcp
gives for RestrictRemoteClients).  Before Vista the interface does not exist: a bind on the pipe
is refused (bind_ack: provider rejection, abstract syntax not supported -- C706 12.6.4.4, MS-RPCE
2.2.2.4: the process behind \\PIPE\\eventlog registers no such interface), and over TCP it has
no endpoint.

**Channels** (:data:`CHANNELS`).  Security is smbemu's audit log read back, the same records
MS-EVEN's ElfrReadELW serves (pipes/eventlog/records.py: record numbers, EventIDs, times,
computer, data strings); Application, System, Setup and ForwardedEvents (Event Viewer's "Windows
Logs", W) exist and are empty (pipes/eventlog/records.py: a real machine has boot events there,
which were never logged here -- U); no other channel is
modelled (Windows has ~100 more, "Microsoft-Windows-*/Operational": an unknown name answers
ERROR_EVT_CHANNEL_NOT_FOUND, 15007, MS-EVEN6 3.1.4.x).

**Access** (each channel's ChannelAccess SDDL, D: ``wevtutil gl Security`` / ``Application`` /
``System`` on 2008 and later): read for BUILTIN\\Administrators and BUILTIN\\Event Log Readers
(S-1-5-32-573, which exists from Vista / 2008, MS-DTYP 2.4.2.4) -- and for the interactive,
service and batch logons a network caller never has; clear and configuration for
Administrators only.  Any other caller gets ERROR_ACCESS_DENIED (5) as the method's return
value (MS-EVEN6 3.1.4.x: "the server MUST fail the method with ERROR_ACCESS_DENIED" when the
channel's access check fails).  smbemu's logs are read-only: a clear or a configuration change
by an administrator is refused with ERROR_ACCESS_DENIED too (as pipes/eventlog refuses
ElfrClearELFW), and reported (the refusal's audit event).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import ConformantArray, Pointer, Struct, WString, uint32
from smbemu.status import (
    ERROR_ACCESS_DENIED,
    FAULT_ACCESS_DENIED,
    NCA_S_FAULT_CONTEXT_MISMATCH,
)
from ..records import visible_records

INTERFACE: Final = Interface(
    name="even6", uuid="f6beaff7-1e19-4fbb-9f8f-b89e2018337c", version=(1, 0),
    pipes=("eventlog",), opnum_count=29,
    description="EventLog Remoting Protocol 6.0 (MS-EVEN6), the Security log read-only")

#: MS-RPCE 2.2.1.1.8 RPC_C_AUTHN_LEVEL_PKT_PRIVACY.
PKT_PRIVACY: Final = 6
SINCE: Final = (6, 0)
#: BUILTIN\\Event Log Readers (MS-DTYP 2.4.2.4).
EVENT_LOG_READERS: Final = "S-1-5-32-573"
#: The channels served, by lower-case name (module docstring): the "Windows Logs" of Event
#: Viewer from Vista / 2008 on -- Application, Security, Setup, System, ForwardedEvents (W) --
#: Security from the audit log, the others empty.
CHANNELS: Final = {"application": "Application", "security": "Security", "setup": "Setup",
                   "system": "System", "forwardedevents": "ForwardedEvents"}

#: MS-EVEN6 2.2.6 RpcInfo, 2.2.11 EvtRpcQueryChannelInfo.
RPC_INFO: Final = Struct("RpcInfo", [("error", uint32), ("subErr", uint32),
                                     ("subErrParam", uint32)])
QUERY_CHANNEL_INFO: Final = Struct("EvtRpcQueryChannelInfo", [("name", WString),
                                                              ("status", uint32)])
#: ``[out, size_is(,*size)] EvtRpcQueryChannelInfo**``: a unique pointer to the array.
QUERY_CHANNEL_INFOS: Final = Pointer(ConformantArray(QUERY_CHANNEL_INFO))


def present(config: Any) -> bool:
    """MS-EVEN6 exists from Vista / 2008 on (module docstring)."""
    return bool(config.profile.identity.version >= SINCE)


#: Read by the pipe open (bind refused), smbemu.rpc_tcp and the endpoint mapper
#: (smbemu.rpc.registry.served_on; module docstring).  Not ``available``: that would remove
#: \PIPE\eventlog (MS-EVEN) itself on the releases before Vista.
INTERFACE.served_on = present  # type: ignore[attr-defined]
INTERFACE.tcp_process = "eventlog"  # type: ignore[attr-defined]


def rpc_info(error: int = 0) -> dict[str, int]:
    return {"error": error, "subErr": 0, "subErrParam": 0}


def require_privacy(ctx: CallContext) -> None:
    """The call uses packet privacy (module docstring; a release without the interface refused
    the bind)."""
    if ctx.auth_level < PKT_PRIVACY:
        ctx.deny("RPC_C_AUTHN_LEVEL_PKT_PRIVACY (MS-EVEN6 2.1)",
                 f"called without packet privacy (authentication level {ctx.auth_level})")
        raise RpcFault(FAULT_ACCESS_DENIED, "MS-EVEN6 needs RPC_C_AUTHN_LEVEL_PKT_PRIVACY")


def channel_named(path: str | None) -> str | None:
    """The canonical channel a path names, None for one not modelled."""
    return CHANNELS.get((path or "").rstrip("\x00").strip().lower())


def is_reader(ctx: CallContext) -> bool:
    """Administrators and Event Log Readers read every served channel (module docstring)."""
    if ctx.principal.kind.value == "administrator":
        return True
    if ctx.principal.is_anonymous or not ctx.principal.user_name:
        return False
    directory = ctx.server.directory
    user = directory.find_user(ctx.principal.user_name)
    if user is None:
        return False
    return EVENT_LOG_READERS in {str(sid) for sid in directory.token_sids(user)}


def check_read(ctx: CallContext, channel: str) -> int:
    """0, or ERROR_ACCESS_DENIED after recording the refusal."""
    if is_reader(ctx):
        return 0
    ctx.deny(f"{channel} ChannelAccess (read: Administrators, Event Log Readers)",
             f"may not read the {channel} channel")
    return ERROR_ACCESS_DENIED


def check_admin(ctx: CallContext, what: str) -> int:
    """Clear / configure: administrators only on Windows, nobody on the read-only emulation."""
    if ctx.principal.kind.value == "administrator":
        why = f"{what} (the emulated event logs are read-only)"
    else:
        why = f"{what} (administrators only)"
    ctx.deny("ChannelAccess clear / configure", why)
    return ERROR_ACCESS_DENIED


def records(ctx: CallContext, channel: str) -> Any:
    """The channel's records, oldest first: (record number, event)."""
    return visible_records(ctx.server, channel)


def handle_of(ctx: CallContext, handle: bytes, *kinds: str) -> Any:
    """The object behind a context handle of one of ``kinds``; an unknown one faults as the
    RPC runtime does (MS-RPCE 3.3.3.2.1)."""
    for kind in kinds:
        entry = ctx.handles.lookup(handle, kind)
        if entry is not None:
            return entry
    raise RpcFault(NCA_S_FAULT_CONTEXT_MISMATCH, "unknown MS-EVEN6 handle")


from . import queries  # noqa: E402,F401  (0-5, 11-14: queries, subscriptions, handles)
from . import logs  # noqa: E402,F401  (6-8, 15-22, 28: logs and channels)
from . import publishers  # noqa: E402,F401  (9, 10, 23-27: publisher metadata, rendering)

__all__ = ["CHANNELS", "INTERFACE", "present", "require_privacy"]
