"""What spoolss serves: the printers (the fixture's printer shares), the two object types a
handle may refer to (the print server and a printer, with their MS-RPRN 2.2.3.1 access rights
and generic mappings), the handles, and the status codes the interface answers."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.policy.access import ObjectType
from smbemu.rpc import CallContext
from smbemu.status import ERROR_INVALID_ENVIRONMENT as ERROR_INVALID_ENVIRONMENT
from smbemu.status import ERROR_INVALID_HANDLE as ERROR_INVALID_HANDLE
from smbemu.status import ERROR_INVALID_PRINTER_NAME as ERROR_INVALID_PRINTER_NAME
from smbemu.status import ERROR_INVALID_USER_BUFFER as ERROR_INVALID_USER_BUFFER
from smbemu.status import FAULT_OUT_OF_RESOURCES, NCA_S_FAULT_CONTEXT_MISMATCH
from smbemu.status import RPC_S_SERVER_UNAVAILABLE as RPC_S_SERVER_UNAVAILABLE

#: The status codes MS-RPRN answers (MS-ERREF 2.2), named in smbemu.status.  RPC_S_SERVER_UNAVAILABLE
#: is what RpcRemoteFindFirstPrinterChangeNotification(Ex) returns when the spooler cannot
#: reach the client's machine to open the reply channel (MS-RPRN 3.1.4.10.4: "the server MUST
#: call RpcReplyOpenPrinter"; W: printerbug.py prints "Got expected RPC_S_SERVER_UNAVAILABLE
#: exception" for exactly this answer).  ERROR_INVALID_USER_BUFFER: a [in, out] buffer shorter
#: than the cbBuf that goes with it (U: the status for an inconsistent buffer).

#: The largest buffer an answer is built for (cbBuf / nSize).  Windows' stub allocates what the
#: caller names and fails with RPC_S_OUT_OF_RESOURCES when it cannot; the emulation refuses
#: the same way above 1 MiB rather than allocate gigabytes for one call (U: the limit).
MAX_BUFFER: Final = 1 << 20


def check_room(room: int) -> None:
    if room > MAX_BUFFER:
        raise RpcFault(FAULT_OUT_OF_RESOURCES, f"buffer of {room} bytes asked")


# -------------------------------------------------------------------------------------------
# Access rights (MS-RPRN 2.2.3.1) and the two object types
# -------------------------------------------------------------------------------------------
SERVER_ACCESS_ADMINISTER: Final = 0x00000001
SERVER_ACCESS_ENUMERATE: Final = 0x00000002
PRINTER_ACCESS_ADMINISTER: Final = 0x00000004
PRINTER_ACCESS_USE: Final = 0x00000008
JOB_ACCESS_ADMINISTER: Final = 0x00000010
JOB_ACCESS_READ: Final = 0x00000020
PRINTER_ACCESS_MANAGE_LIMITED: Final = 0x00000040
READ_CONTROL: Final = 0x00020000
_STANDARD_REQUIRED: Final = 0x000F0000

#: The print server object.  SERVER_READ / WRITE / EXECUTE / ALL_ACCESS (MS-RPRN 2.2.3.1).
#: The modelled default DACL (policy.held_rights): Administrators all, Everyone READ | EXECUTE
#: = SERVER_ACCESS_ENUMERATE | READ_CONTROL (D: the spooler's server security descriptor gives
#: Everyone "enumerate"; U on the exact ACE list).
SPOOLER_SERVER: Final = ObjectType(
    "SPOOLER_SERVER", "spoolss.server",
    read=READ_CONTROL | SERVER_ACCESS_ENUMERATE,
    write=READ_CONTROL | SERVER_ACCESS_ADMINISTER | SERVER_ACCESS_ENUMERATE,
    execute=READ_CONTROL | SERVER_ACCESS_ENUMERATE,
    all=_STANDARD_REQUIRED | SERVER_ACCESS_ADMINISTER | SERVER_ACCESS_ENUMERATE,
    rights=(("SERVER_ACCESS_ADMINISTER", 0x1), ("SERVER_ACCESS_ENUMERATE", 0x2)))
#: A printer object: PRINTER_READ / WRITE / EXECUTE = READ_CONTROL | PRINTER_ACCESS_USE,
#: PRINTER_ALL_ACCESS adds PRINTER_ACCESS_ADMINISTER (MS-RPRN 2.2.3.1).  A shared printer's
#: default DACL gives Everyone "Print" (PRINTER_ACCESS_USE) and Administrators full control (D).
PRINTER: Final = ObjectType(
    "PRINTER", "spoolss.printer",
    read=READ_CONTROL | PRINTER_ACCESS_USE, write=READ_CONTROL | PRINTER_ACCESS_USE,
    execute=READ_CONTROL | PRINTER_ACCESS_USE,
    all=_STANDARD_REQUIRED | PRINTER_ACCESS_ADMINISTER | PRINTER_ACCESS_USE,
    rights=(("PRINTER_ACCESS_ADMINISTER", 0x4), ("PRINTER_ACCESS_USE", 0x8),
            ("JOB_ACCESS_ADMINISTER", 0x10), ("JOB_ACCESS_READ", 0x20),
            ("PRINTER_ACCESS_MANAGE_LIMITED", 0x40)))

# -------------------------------------------------------------------------------------------
# The printers
# -------------------------------------------------------------------------------------------

#: The driver every fixture printer uses.  "Generic / Text Only" ships in the box on every
#: release from NT 4 on (W); the fixture does not name a driver (U).
DRIVER_NAME: Final = "Generic / Text Only"
#: The printer's port (U: the fixture does not say; a local LPT port exists on every release).
PORT_NAME: Final = "LPT1:"


@dataclass(frozen=True, slots=True)
class Printer:
    """A local printer: its share name, the name the spooler gives it (the share path before
    ``,LocalsplOnly``, MS-SRVS shares of type STYPE_PRINTQ), comment and location; the driver,
    port, print processor, data type and PRINTER_ATTRIBUTE_* flags (MS-RPRN 2.2.3.12) it was
    set up with; ``added``: an administrator added it (:mod:`.printer_changes`), it is not one
    of the fixture's printer shares."""

    share_name: str
    name: str
    comment: str
    location: str = ""
    driver: str = DRIVER_NAME
    port: str = PORT_NAME
    processor: str = "winprint"
    datatype: str = "RAW"
    attributes: int = 0x00000008 | 0x00000040 | 0x00000200  # shared, local, do complete first
    added: bool = False
    #: What RpcSetPrinter changed (MS-RPRN 3.1.4.2.5): the security descriptor (level 3), the
    #: global DEVMODE (levels 2, 8, 9), PRINTER_STATUS_* (level 0 commands); None / 0: the
    #: defaults of :func:`pipes.spoolss.printer_descriptor` and :func:`.info.devmode`.
    security: bytes | None = None
    devmode: bytes | None = None
    status: int = 0
    #: An added printer's number on this server (its identity; names change, shares are none).
    ident: int = 0

    @property
    def key(self) -> str:
        """What names the printer for good (a rename keeps it): its share, or its number."""
        return f"added:{self.ident}" if self.added else "share:" + self.share_name.lower()


#: The server memo holding each printer's job queue (pipes/spoolss/jobs.py), by printer key.
JOBS_MEMO: Final = "spoolss.jobs"


def job_count(ctx: CallContext, printer: Printer) -> int:
    """How many jobs ``printer``'s queue holds (PRINTER_INFO cJobs)."""
    queues: dict[str, list[Any]] = ctx.server.memo(JOBS_MEMO, dict)
    return len(queues.get(printer.key, []))


def added_printers(ctx: CallContext) -> dict[str, Printer]:
    """The printers administrators added on this server, by :attr:`Printer.key`."""
    return ctx.server.memo("spoolss.added_printers", dict)


def _changed_printers(ctx: CallContext) -> dict[str, Printer]:
    """The fixture's printers as RpcSetPrinter left them, by :attr:`Printer.key`."""
    return ctx.server.memo("spoolss.changed_printers", dict)


def current(ctx: CallContext, printer: Printer) -> Printer | None:
    """The printer a handle refers to as it is now (renamed, changed), None once deleted."""
    for found in printers(ctx):
        if found.key == printer.key:
            return found
    return None


def store(ctx: CallContext, printer: Printer) -> None:
    """Keep a changed or added printer for every later call on this server."""
    (added_printers(ctx) if printer.added else _changed_printers(ctx))[printer.key] = printer


def printers(ctx: CallContext) -> list[Printer]:
    """The fixture's printer shares (``type: print``), in fixture order, then the added ones."""
    found = []
    for share in ctx.server.directory.shares:
        if share.type != "print":
            continue
        name = (share.path or share.name).split(",", 1)[0] or share.name
        printer = Printer(share.name, name, share.comment)
        found.append(_changed_printers(ctx).get(printer.key, printer))
    return found + list(added_printers(ctx).values())


def server_unc(ctx: CallContext) -> str:
    return "\\\\" + ctx.server.directory.machine.netbios_name.upper()


def is_this_server(ctx: CallContext, name: str) -> bool:
    """Does ``name`` (without the leading backslashes) name this machine?  Its NetBIOS name, its
    DNS name, ``localhost`` or an IP address literal (the client reached this server through
    one of its addresses; smbemu does not know which ones it has, U)."""
    name = name.strip().rstrip("\x00").lower()
    machine = ctx.server.directory.machine
    if name in (machine.netbios_name.lower(), "localhost", "."):
        return True
    dns = (getattr(machine, "dns_name", "") or "").lower()
    if dns and (name == dns or name == dns.split(".", 1)[0]):
        return True
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def find_printer(ctx: CallContext, name: str) -> Printer | None:
    wanted = name.lower()
    for printer in printers(ctx):
        if wanted == printer.name.lower() or (printer.share_name and
                                              wanted == printer.share_name.lower()):
            return printer
    return None


# -------------------------------------------------------------------------------------------
# Handles
# -------------------------------------------------------------------------------------------

HANDLE_KIND: Final = "spoolss.handle"


@dataclass(slots=True)
class Opened:
    """What a PRINTER_HANDLE refers to: the server (``printer`` None) or a printer."""

    printer: Printer | None
    granted: int
    #: ``\\\\host`` as the client named this server in the open (its own spelling: an IP
    #: address, a DNS or NetBIOS name), None when it named the printer alone.  RpcGetPrinter
    #: answers the printer's names with it (MS-RPRN 3.1.4.2.1 <product note>: Windows returns
    #: the server name the client used; W: smbtorture's enum_printers_servername).
    unc: str | None = None


def opened(ctx: CallContext, handle: bytes) -> Any:
    """The handle's entry; an unknown or closed handle is rejected by the RPC runtime before the
    method runs: fault nca_s_fault_context_mismatch (MS-RPCE 3.3.3.2.1)."""
    entry = ctx.handles.lookup(handle, HANDLE_KIND)
    if entry is None:
        raise RpcFault(NCA_S_FAULT_CONTEXT_MISMATCH, "unknown spoolss printer handle")
    return entry


def environment_arch(version: tuple[int, int]) -> str:
    """The server's native environment name (MS-RPRN 2.2.4.4): x64 from 2008 R2 / 7 on (as the
    emulated registry's PROCESSOR_ARCHITECTURE, pipes/winreg/hive.py), x86 before."""
    return "Windows x64" if version >= (6, 1) else "Windows NT x86"


#: MS-RPRN 2.2.4.4 environment names and their driver directory names.
ENVIRONMENTS: Final = {"windows nt x86": "W32X86", "windows x64": "x64",
                       "windows 4.0": "WIN40", "windows ia64": "IA64",
                       "windows arm64": "ARM64"}


__all__ = [name for name in dir() if name.isupper()] + [
    "check_room", "Printer", "job_count", "added_printers", "current", "store", "printers", "server_unc",
    "is_this_server", "find_printer", "Opened", "opened", "environment_arch"]
