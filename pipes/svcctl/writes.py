"""Service changes an administrator makes: RCreateServiceW (12) / RCreateServiceA (24),
RChangeServiceConfigW (11) / RChangeServiceConfigA (23) and RDeleteService (2), as MS-SCMR
3.1.4.12 / 3.1.4.11 / 3.1.4.3 answer them.

Each call checks, in Windows' order: the handle (an unknown one is the runtime's fault
nca_s_fault_context_mismatch), the right the call needs on it (SC_MANAGER_CREATE_SERVICE,
SERVICE_CHANGE_CONFIG, DELETE -- the default DACLs give them to Administrators only, so a
user's handle never carries them: ERROR_ACCESS_DENIED), the policy's rule (administrators), then
the parameters and the service's state.

The changes live in the server's memory (`smbemu.service_catalog.configure`): every later call
on every connection -- RQueryServiceConfigW, REnumServicesStatusW, the winreg ``Services`` keys
-- reads them, until the server stops.  Nothing is ever run: a created service's binary path is
stored and shown, and starting it (pipes/svcctl/control.py) answers what Windows answers for a
program that never reports to the SCM.  Each creation is reported to the audit log
(`smbemu.events.ServiceInstalled`, the Security event 4697: `smbemu.audit_services`).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Final

from smbemu.events import ServiceInstalled
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ConformantBytes, ContextHandle, Pointer, WString, WStringRef, uint32
from smbemu.rpc.ndr.strings import CSTR, CString
from smbemu.service_catalog import (
    SERVICE_DRIVER,
    SERVICE_STOPPED,
    SERVICE_WIN32,
    Service,
    configure,
    current,
    find_on,
    services_of,
)
from smbemu.status import (
    ERROR_DUPLICATE_SERVICE_NAME,
    ERROR_INVALID_NAME,
    ERROR_INVALID_PARAMETER,
    ERROR_SERVICE_EXISTS,
    ERROR_SERVICE_MARKED_FOR_DELETE,
)

from . import _MANAGER, _SERVICE, INTERFACE, _entry, _lacks, open_service_handle
from .access import SC_MANAGER, SC_MANAGER_CREATE_SERVICE, SERVICE, SERVICE_CHANGE_CONFIG
from .lifecycle import is_marked, mark, sweep

log = logging.getLogger("smbemu.pipes.svcctl")

#: MS-SCMR 2.2.15 / 3.1.4.11: "no change" for dwServiceType, dwStartType, dwErrorControl.
SERVICE_NO_CHANGE: Final = 0xFFFFFFFF
#: SERVICE_INTERACTIVE_PROCESS (MS-SCMR 2.2.47): only with a Win32 service type.
SERVICE_INTERACTIVE_PROCESS: Final = 0x100
#: DELETE (MS-DTYP 2.4.3), what RDeleteService needs on the handle (3.1.4.3).
DELETE: Final = 0x00010000
#: SERVICE_BOOT_START / SERVICE_SYSTEM_START (MS-SCMR 2.2.15): drivers only.
_DRIVER_ONLY_STARTS: Final = (0, 1)
#: MS-SCMR 2.2.15 dwErrorControl: IGNORE (0) to CRITICAL (3).
_ERROR_CONTROLS: Final = range(4)
#: SC_MAX_NAME_LENGTH (MS-SCMR 2.2.x): 256 characters plus the NUL.
_MAX_NAME: Final = 256
#: The account a Win32 service runs as when the caller names none (MS-SCMR 3.1.4.12).
_LOCAL_SYSTEM: Final = "LocalSystem"


def _text(value: str | None) -> str | None:
    return None if value is None else value.rstrip("\x00")


def _multi(data: bytes | None, charset: str) -> tuple[str, ...] | None:
    """A dependency list as sent (a double-NUL-terminated multi-string), or None for NULL."""
    if data is None:
        return None
    return tuple(part for part in data.decode(charset, "replace").split("\x00") if part)


def _valid_type(service_type: int) -> bool:
    """MS-SCMR 3.1.4.12: one driver type, or one Win32 type optionally with
    SERVICE_INTERACTIVE_PROCESS."""
    base = service_type & ~SERVICE_INTERACTIVE_PROCESS
    if service_type & SERVICE_INTERACTIVE_PROCESS and not base & SERVICE_WIN32:
        return False
    return base in (0x01, 0x02, 0x10, 0x20)


def _name_taken(ctx: CallContext, display: str, except_name: str = "") -> bool:
    """Is ``display`` another service's name or display name (ERROR_DUPLICATE_SERVICE_NAME,
    MS-SCMR 3.1.4.11-12)?"""
    wanted = display.lower()
    return any((s.name.lower() == wanted or s.display_name.lower() == wanted)
               and s.name.lower() != except_name.lower() for s in services_of(ctx.server))


def _configuration_error(service_type: int, start_type: int, error_control: int) -> bool:
    if not _valid_type(service_type) or start_type > 4 or error_control not in _ERROR_CONTROLS:
        return True
    # Boot and system start are for drivers (MS-SCMR 3.1.4.12: ERROR_INVALID_PARAMETER).
    return start_type in _DRIVER_ONLY_STARTS and not service_type & SERVICE_DRIVER


# -------------------------------------------------------------------------------------------
# RCreateServiceW (12), RCreateServiceA (24)
# -------------------------------------------------------------------------------------------


def _create(charset: str) -> Any:
    def handler(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        """MS-SCMR 3.1.4.12 (W) / 3.1.4.23 (A)."""
        entry = _entry(ctx, request["hSCManager"], _MANAGER)
        failed = {"lpdwTagId": request["lpdwTagId"], "lpServiceHandle": bytes(20)}
        status = _lacks(ctx, entry.granted_access, SC_MANAGER_CREATE_SERVICE, SC_MANAGER)
        if not status:
            status = ctx.decide().status
        if status:
            return {**failed, "ReturnValue": status}
        name = _text(request["lpServiceName"]) or ""
        if not name or len(name) > _MAX_NAME or "/" in name or "\\" in name:
            return {**failed, "ReturnValue": ERROR_INVALID_NAME}
        sweep(ctx)
        existing = find_on(ctx.server, name)
        if existing is not None:
            marked = is_marked(ctx, existing.name)
            return {**failed, "ReturnValue": ERROR_SERVICE_MARKED_FOR_DELETE if marked
                    else ERROR_SERVICE_EXISTS}
        display = _text(request["lpDisplayName"]) or name
        service_type, start_type = request["dwServiceType"], request["dwStartType"]
        binary = _text(request["lpBinaryPathName"]) or ""
        if (_configuration_error(service_type, start_type, request["dwErrorControl"])
                or not binary or (request["lpdwTagId"] is not None and start_type > 1)):
            return {**failed, "ReturnValue": ERROR_INVALID_PARAMETER}
        if _name_taken(ctx, display):
            return {**failed, "ReturnValue": ERROR_DUPLICATE_SERVICE_NAME}
        granted = ctx.grant(SERVICE, request["dwDesiredAccess"])
        if granted is None:
            assert ctx.decision is not None
            return {**failed, "ReturnValue": ctx.decision.status}
        account = _text(request["lpServiceStartName"]) or ""
        if service_type & SERVICE_WIN32 and not account:
            account = _LOCAL_SYSTEM
        service = Service(name, display, service_type, start_type, SERVICE_STOPPED, binary,
                          account, error_control=request["dwErrorControl"],
                          load_order_group=_text(request["lpLoadOrderGroup"]) or "",
                          dependencies=_multi(request["lpDependencies"], charset) or (),
                          created=True)
        # The password (lpPassword, encrypted with the session key, MS-SCMR 3.1.4.12) is never
        # decrypted nor kept: nothing logs on as the service.
        configure(ctx.server, service)
        handle = open_service_handle(ctx, service, granted)
        _report(ctx, service)
        return {"lpdwTagId": None if request["lpdwTagId"] is None else 0,
                "lpServiceHandle": handle, "ReturnValue": 0}
    return handler


def _report(ctx: CallContext, service: Service) -> None:
    log.info("svcctl: %s created service %s (binary path %r, never run)",
             f"{ctx.principal.domain}\\{ctx.principal.user_name}", service.name,
             service.binary_path)
    observers = getattr(ctx.server, "observers", None)
    if observers:
        session = ctx.server.sessions.get(ctx.session_id)
        observers.emit(ServiceInstalled(
            principal=ctx.principal, session_id=ctx.session_id,
            client_address=getattr(session, "client_address", "") or "",
            name=service.name, binary_path=service.binary_path,
            service_type=service.service_type, start_type=service.start_type,
            account=service.account))


_PULONG: Final = Pointer(uint32)
_PBYTES: Final = Pointer(ConformantBytes())
_CStringRef: Final = Pointer(CSTR, "ref")


def _create_request(text: Any, text_ref: Any) -> list[tuple[str, Any]]:
    return [("hSCManager", ContextHandle), ("lpServiceName", text_ref), ("lpDisplayName", text),
            ("dwDesiredAccess", uint32), ("dwServiceType", uint32), ("dwStartType", uint32),
            ("dwErrorControl", uint32), ("lpBinaryPathName", text_ref),
            ("lpLoadOrderGroup", text), ("lpdwTagId", _PULONG), ("lpDependencies", _PBYTES),
            ("dwDependSize", uint32), ("lpServiceStartName", text), ("lpPassword", _PBYTES),
            ("dwPwSize", uint32)]


_CREATE_OUT: Final = [("lpdwTagId", _PULONG), ("lpServiceHandle", ContextHandle)]
INTERFACE.operation(12, "RCreateServiceW", request=_create_request(WString, WStringRef),
                    response=_CREATE_OUT, returns="error_status_t")(_create("utf-16-le"))
INTERFACE.operation(24, "RCreateServiceA", request=_create_request(CString, _CStringRef),
                    response=_CREATE_OUT, returns="error_status_t")(_create("cp1252"))


# -------------------------------------------------------------------------------------------
# RChangeServiceConfigW (11), RChangeServiceConfigA (23)
# -------------------------------------------------------------------------------------------


def _change(charset: str) -> Any:
    def handler(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        """MS-SCMR 3.1.4.11 (W) / 3.1.4.22 (A): SERVICE_NO_CHANGE / NULL keep a field."""
        entry = _entry(ctx, request["hService"], _SERVICE)
        failed = {"lpdwTagId": request["lpdwTagId"]}
        status = _lacks(ctx, entry.granted_access, SERVICE_CHANGE_CONFIG, SERVICE)
        if not status:
            status = ctx.decide().status
        if status:
            return {**failed, "ReturnValue": status}
        service = current(ctx.server, entry.obj)
        if is_marked(ctx, service.name):
            return {**failed, "ReturnValue": ERROR_SERVICE_MARKED_FOR_DELETE}

        def keep(value: int, old: int) -> int:
            return old if value == SERVICE_NO_CHANGE else value

        service_type = keep(request["dwServiceType"], service.service_type)
        start_type = keep(request["dwStartType"], service.start_type)
        error_control = keep(request["dwErrorControl"], service.error_control)
        if _configuration_error(service_type, start_type, error_control):
            return {**failed, "ReturnValue": ERROR_INVALID_PARAMETER}
        display = _text(request["lpDisplayName"])
        if display and _name_taken(ctx, display, service.name):
            return {**failed, "ReturnValue": ERROR_DUPLICATE_SERVICE_NAME}
        binary = _text(request["lpBinaryPathName"])
        group = _text(request["lpLoadOrderGroup"])
        account = _text(request["lpServiceStartName"])
        dependencies = _multi(request["lpDependencies"], charset)
        changed = replace(
            service, service_type=service_type, start_type=start_type,
            error_control=error_control,
            binary_path=binary if binary else service.binary_path,
            load_order_group=service.load_order_group if group is None else group,
            dependencies=service.dependencies if dependencies is None else dependencies,
            account=account if account else service.account,
            display_name=display if display else service.display_name)
        configure(ctx.server, replace(changed, state=service.state))
        log.info("svcctl: %s changed the configuration of service %s",
                 f"{ctx.principal.domain}\\{ctx.principal.user_name}", service.name)
        return {"lpdwTagId": None if request["lpdwTagId"] is None else 0, "ReturnValue": 0}
    return handler


def _change_request(text: Any) -> list[tuple[str, Any]]:
    return [("hService", ContextHandle), ("dwServiceType", uint32), ("dwStartType", uint32),
            ("dwErrorControl", uint32), ("lpBinaryPathName", text), ("lpLoadOrderGroup", text),
            ("lpdwTagId", _PULONG), ("lpDependencies", _PBYTES), ("dwDependSize", uint32),
            ("lpServiceStartName", text), ("lpPassword", _PBYTES), ("dwPwSize", uint32),
            ("lpDisplayName", text)]


INTERFACE.operation(11, "RChangeServiceConfigW", request=_change_request(WString),
                    response=[("lpdwTagId", _PULONG)],
                    returns="error_status_t")(_change("utf-16-le"))
INTERFACE.operation(23, "RChangeServiceConfigA", request=_change_request(CString),
                    response=[("lpdwTagId", _PULONG)],
                    returns="error_status_t")(_change("cp1252"))


# -------------------------------------------------------------------------------------------
# RDeleteService (2)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(2, "RDeleteService", request=[("hService", ContextHandle)], response=[],
                     returns="error_status_t")
def RDeleteService(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.3: DELETE on the handle; the service is marked for delete (a second call
    is ERROR_SERVICE_MARKED_FOR_DELETE) and goes once its last handle is closed and it is not
    running (:mod:`.lifecycle`)."""
    entry = _entry(ctx, request["hService"], _SERVICE)
    status = _lacks(ctx, entry.granted_access, DELETE, SERVICE)
    if not status:
        status = ctx.decide().status
    if status:
        return {"ReturnValue": status}
    name = entry.obj.name
    if is_marked(ctx, name):
        return {"ReturnValue": ERROR_SERVICE_MARKED_FOR_DELETE}
    mark(ctx, name)
    log.info("svcctl: %s deleted service %s",
             f"{ctx.principal.domain}\\{ctx.principal.user_name}", name)
    return {"ReturnValue": 0}


# -------------------------------------------------------------------------------------------
# RSetServiceObjectSecurity (5)
# -------------------------------------------------------------------------------------------
#: MS-DTYP 2.4.7 SECURITY_INFORMATION bits and the right each needs (MS-SCMR 3.1.4.6): the owner
#: and group WRITE_OWNER, the DACL WRITE_DAC, the SACL ACCESS_SYSTEM_SECURITY.
_PART_RIGHTS: Final = {0x1: 0x00080000, 0x2: 0x00080000, 0x4: 0x00040000, 0x8: 0x01000000}
#: A self-relative security descriptor's header (MS-DTYP 2.4.6).
_SD_HEADER: Final = 20


@INTERFACE.operation(5, "RSetServiceObjectSecurity",
                     request=[("hService", ContextHandle), ("dwSecurityInformation", uint32),
                              ("lpSecurityDescriptor", ConformantBytes()), ("cbBufSize", uint32)],
                     response=[], returns="error_status_t")
def RSetServiceObjectSecurity(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SCMR 3.1.4.6: on a service (or SCM) handle; no or unknown parts, or a descriptor
    shorter than its header, are ERROR_INVALID_PARAMETER; each part needs its right on the
    handle.  Accepted, but RQueryServiceObjectSecurity keeps answering the default descriptor
    (U: not modelled; the emulation's access checks do not read service descriptors)."""
    entry = _entry(ctx, request["hService"])
    parts = request["dwSecurityInformation"]
    descriptor = bytes(request["lpSecurityDescriptor"] or b"")
    if not parts or parts & ~0xF or len(descriptor) < _SD_HEADER:
        return {"ReturnValue": ERROR_INVALID_PARAMETER}
    needed = 0
    for bit, right in _PART_RIGHTS.items():
        if parts & bit:
            needed |= right
    object_type = SC_MANAGER if entry.kind == _MANAGER else SERVICE
    status = _lacks(ctx, entry.granted_access, needed, object_type)
    if not status:
        status = ctx.decide().status
    return {"ReturnValue": status}
