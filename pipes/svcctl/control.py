"""Starting and stopping services: RStartServiceW (19), RStartServiceA (31) and
RControlService (1), as MS-SCMR 3.1.4.19 / 3.1.4.2 answer them.

Rights come first: the handle must have been opened with SERVICE_START, SERVICE_STOP,
SERVICE_PAUSE_CONTINUE, SERVICE_INTERROGATE or SERVICE_USER_DEFINED_CONTROL (the default service
DACL gives the first three to administrators only; `.access`), else ERROR_ACCESS_DENIED.  Then the
state: starting a running service is ERROR_SERVICE_ALREADY_RUNNING, a disabled one
ERROR_SERVICE_DISABLED; a control other than INTERROGATE... sent to a stopped service is
ERROR_SERVICE_NOT_ACTIVE; a control the service does not accept is
ERROR_INVALID_SERVICE_CONTROL.  An administrator's start or stop changes the service's state for
every later call (`smbemu.service_catalog.set_running`): that is all it changes, except for
Remote Registry, whose state decides whether ``\\PIPE\\winreg`` exists.  The transition is
immediate (U: Windows reports START_PENDING / STOP_PENDING for the service's wait hint).
A service an administrator created (pipes/svcctl/writes.py) never runs: starting it answers
ERROR_SERVICE_REQUEST_TIMEOUT and it stays STOPPED (see `_start`); one marked for delete
answers ERROR_SERVICE_MARKED_FOR_DELETE.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ContextHandle, uint32
from smbemu.service_catalog import SERVICE_RUNNING, current, set_running
from smbemu.status import (
    ERROR_INVALID_PARAMETER,
    ERROR_INVALID_SERVICE_CONTROL,
    ERROR_SERVICE_ALREADY_RUNNING,
    ERROR_SERVICE_DISABLED,
    ERROR_SERVICE_MARKED_FOR_DELETE,
    ERROR_SERVICE_NOT_ACTIVE,
    ERROR_SERVICE_REQUEST_TIMEOUT,
)

from . import _SERVICE, INTERFACE, SERVICE_STATUS, _entry, _lacks, _status
from .lifecycle import is_marked
from .access import (
    SERVICE,
    SERVICE_INTERROGATE,
    SERVICE_PAUSE_CONTINUE,
    SERVICE_START,
    SERVICE_STOP,
    SERVICE_USER_DEFINED_CONTROL,
)

log = logging.getLogger("smbemu.pipes.svcctl")

#: MS-SCMR 2.2.15 START_TYPE SERVICE_DISABLED.
_DISABLED: Final = 4
#: MS-SCMR 3.1.4.2 dwControl values and the right each needs; 128-255 are user-defined controls
#: (SERVICE_USER_DEFINED_CONTROL).  SERVICE_CONTROL_SHUTDOWN (5) and the values the SCM sends
#: itself are not accepted from a client: ERROR_INVALID_PARAMETER.
SERVICE_CONTROL_STOP: Final = 1
SERVICE_CONTROL_INTERROGATE: Final = 4
_CONTROL_RIGHTS: Final = {
    SERVICE_CONTROL_STOP: SERVICE_STOP,
    2: SERVICE_PAUSE_CONTINUE,  # PAUSE
    3: SERVICE_PAUSE_CONTINUE,  # CONTINUE
    SERVICE_CONTROL_INTERROGATE: SERVICE_INTERROGATE,
    6: SERVICE_PAUSE_CONTINUE,  # PARAMCHANGE
    7: SERVICE_PAUSE_CONTINUE,  # NETBINDADD
    8: SERVICE_PAUSE_CONTINUE,  # NETBINDREMOVE
    9: SERVICE_PAUSE_CONTINUE,  # NETBINDENABLE
    10: SERVICE_PAUSE_CONTINUE,  # NETBINDDISABLE
}
#: SERVICE_ACCEPT_STOP (MS-SCMR 2.2.47 dwControlsAccepted): the only control beyond INTERROGATE
#: the catalog's running services accept (smbemu.service_catalog.RUNNING_CONTROLS).
_ACCEPT_STOP: Final = 0x00000001


def _who(ctx: CallContext) -> str:
    return f"{ctx.principal.domain}\\{ctx.principal.user_name}"


def _start(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.19 (and 3.1.4.30, the ANSI form): the arguments are not used."""
    entry = _entry(ctx, request["hService"], _SERVICE)
    status = _lacks(ctx, entry.granted_access, SERVICE_START, SERVICE)
    if status:
        return {"ReturnValue": status}
    service = current(ctx.server, entry.obj)
    if is_marked(ctx, service.name):
        # MS-SCMR 3.1.4.19: a service marked for delete does not start.
        return {"ReturnValue": ERROR_SERVICE_MARKED_FOR_DELETE}
    if service.state == SERVICE_RUNNING:
        return {"ReturnValue": ERROR_SERVICE_ALREADY_RUNNING}
    if service.start_type == _DISABLED:
        return {"ReturnValue": ERROR_SERVICE_DISABLED}
    if service.created:
        # A service an administrator created runs a program the emulator never runs: answered
        # as Windows answers a program that does not report to the SCM in time (every command
        # line smbexec.py installs, `cmd.exe /c ...`): ERROR_SERVICE_REQUEST_TIMEOUT, and the
        # service stays STOPPED.  Windows first waits ServicesPipeTimeout (30 s, D: KB 922918);
        # the answer here is immediate (U).
        log.info("svcctl: %s asked to start service %s (%r): not run, answered "
                 "ERROR_SERVICE_REQUEST_TIMEOUT", _who(ctx), service.name, service.binary_path)
        return {"ReturnValue": ERROR_SERVICE_REQUEST_TIMEOUT}
    set_running(ctx.server, service, True)
    log.info("svcctl: %s started service %s", f"{ctx.principal.domain}\\{ctx.principal.user_name}", service.name)
    return {"ReturnValue": 0}


# argc and argv follow hService; argv (an array of string pointers) is not decoded: the
# emulated services take no arguments.
_START_IN: Final = [("hService", ContextHandle), ("argc", uint32)]
INTERFACE.operation(19, "RStartServiceW", request=_START_IN, response=[],
                    returns="error_status_t")(_start)
INTERFACE.operation(31, "RStartServiceA", request=_START_IN, response=[],
                    returns="error_status_t")(_start)


@INTERFACE.operation(1, "RControlService",
                     request=[("hService", ContextHandle), ("dwControl", uint32)],
                     response=[("lpServiceStatus", SERVICE_STATUS)], returns="error_status_t")
def RControlService(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.2: the control's right on the handle, then the service's state; the status
    after the control is returned in every case the control was valid."""
    entry = _entry(ctx, request["hService"], _SERVICE)
    control = request["dwControl"]
    needed = SERVICE_USER_DEFINED_CONTROL if 128 <= control <= 255 else _CONTROL_RIGHTS.get(control)
    if needed is None:
        return {"lpServiceStatus": SERVICE_STATUS.default(), "ReturnValue": ERROR_INVALID_PARAMETER}
    status = _lacks(ctx, entry.granted_access, needed, SERVICE)
    if status:
        return {"lpServiceStatus": SERVICE_STATUS.default(), "ReturnValue": status}
    service = current(ctx.server, entry.obj)
    if service.state != SERVICE_RUNNING:
        return {"lpServiceStatus": _status(ctx, service), "ReturnValue": ERROR_SERVICE_NOT_ACTIVE}
    if control == SERVICE_CONTROL_INTERROGATE:
        return {"lpServiceStatus": _status(ctx, service), "ReturnValue": 0}
    if control != SERVICE_CONTROL_STOP or not service.controls_accepted & _ACCEPT_STOP:
        return {"lpServiceStatus": _status(ctx, service), "ReturnValue": ERROR_INVALID_SERVICE_CONTROL}
    set_running(ctx.server, service, False)
    log.info("svcctl: %s stopped service %s", f"{ctx.principal.domain}\\{ctx.principal.user_name}", service.name)
    return {"lpServiceStatus": _status(ctx, service), "ReturnValue": 0}
