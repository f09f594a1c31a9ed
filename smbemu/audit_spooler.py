"""Audit event 100003: a print-spooler callback was requested.

spoolss' RpcRemoteFindFirstPrinterChangeNotification(Ex) asks the server to open a channel back
to a machine the caller names (MS-RPRN 3.1.4.10.3-4): the "printer bug" coercion, by which any
authenticated user makes a server -- a domain controller too -- authenticate to a host of their
choice.  smbemu never connects out (pipes/spoolss/notify.py); it reports the request
(`smbemu.events.PrinterCallbackRequested`) and this writer logs it.

Why an smbemu ID (100003, in `smbemu.audit.SMBEMU_EVENT_IDS`) rather than a Windows one: Windows
writes no Security event for the request (its PrintService/Operational channel is off by default
and names no callback target; defenders detect the technique from network telemetry of the opnum,
W), so no Windows ID carries TargetHost.  An alert keys on ``EventID == 100003`` alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from smbemu import events
    from smbemu.config import ServerConfig

PRINTER_CALLBACK_EVENT_ID: Final = 100003


def _subject(config: ServerConfig, event: events.PrinterCallbackRequested) -> tuple[str, str, str]:
    """(SubjectUserSid, SubjectUserName, SubjectDomainName) as smbemu.audit prints them."""
    principal = event.principal
    if principal.is_anonymous:
        return "S-1-5-7", "ANONYMOUS LOGON", "NT AUTHORITY"
    user = config.directory.find_user(principal.user_name) if principal.user_name else None
    return (str(user.sid) if user is not None else "S-1-0-0",
            user.name if user is not None else principal.user_name,
            str(config.directory.account_domain.name))


def printer_callback(config: ServerConfig, event: events.PrinterCallbackRequested) -> None:
    """100003 (written by smbemu.audit's observer): who asked (Subject*, IpAddress), for which
    printer object, the machine named (TargetHost), the status answered; ConnectedOut is always
    false."""
    log = getattr(config, "audit", None)
    if log is None:
        return
    sid, name, domain = _subject(config, event)
    log.emit(PRINTER_CALLBACK_EVENT_ID, event.status == 0, {
        "SubjectUserSid": sid, "SubjectUserName": name, "SubjectDomainName": domain,
        "SubjectLogonId": f"0x{event.session_id:X}",
        "IpAddress": event.client_address or "-", "PipeName": "\\PIPE\\spoolss",
        "OperationName": event.operation, "PrinterName": event.printer or "-",
        "TargetHost": event.target or "-", "NotifyFlags": f"0x{event.flags:X}",
        "Status": event.status, "ConnectedOut": False})
