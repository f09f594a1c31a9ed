"""The browse list: what NetServerEnum2 / NetServerEnum3 answer (MS-RAP 3.2.5.12 / 3.2.5.15,
MS-BRWS 3.3.5.6).

The "network" a lab shows is the set of machines one ``smbemu serve --hosts`` process serves
(``ServerConfig.lab_hosts``; a server started alone sees itself only).  Every machine
announces itself, so each is in the server list of its domain or workgroup (its LSA primary
domain, the ``langroup`` of NetWkstaGetInfo); each domain with a machine running the Computer
Browser service is in the list of machine groups, with that browser as its master (MS-BRWS
3.3.1 Machine Groups List: the name and "the name of the Local Master browser").

Only a machine running the browser service as master or backup answers (its profile's
``server_type`` carries MASTER_BROWSER, BACKUP_BROWSER or DOMAIN_MASTER): a potential browser
that lost the election answers ERROR_REQ_NOT_ACCEP (MS-BRWS 3.3.5.6, D), and a machine whose
browser service is not running (no browser bit: Server 2008 and later by default, §4.2) has no
list, answered as an empty list with ERROR_NO_BROWSER_SERVERS_FOUND (MS-RAP 3.2.5.12: "If the
server cannot determine the list of servers ... empty server list, and ...
ERROR_NO_BROWSER_SERVERS_FOUND"; that the stopped service reads so is U).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from smbemu.profiles.model import SERVER_TYPE_BITS
from smbemu.status import (
    ERROR_INVALID_FUNCTION,
    ERROR_INVALID_PARAMETER,
    ERROR_NO_BROWSER_SERVERS_FOUND,
    ERROR_REQ_NOT_ACCEP,
    NERR_SUCCESS,
)

if TYPE_CHECKING:
    from smbemu.config import ServerConfig

__all__ = ["BrowseEntry", "host_entry", "lab_of", "browse_list", "SV_TYPE_DOMAIN_ENUM",
           "SV_TYPE_ALL"]

# MS-RAP 2.5.5.2.1 ServerType bits the browser interprets.
SV_TYPE_ALL: Final = 0xFFFFFFFF
SV_TYPE_DOMAIN_ENUM: Final = 0x80000000
SV_TYPE_LOCAL_LIST_ONLY: Final = 0x40000000
SV_TYPE_ALTERNATE_XPORT: Final = 0x20000000
_BROWSER_RUNNING: Final = (SERVER_TYPE_BITS["MASTER_BROWSER"] | SERVER_TYPE_BITS["BACKUP_BROWSER"]
                           | SERVER_TYPE_BITS["DOMAIN_MASTER"])
_POTENTIAL_BROWSER: Final = SERVER_TYPE_BITS["POTENTIAL_BROWSER"]


@dataclass(frozen=True, slots=True)
class BrowseEntry:
    """One line of a browse list: a server, or a machine group (domain / workgroup)."""

    name: str
    version_major: int
    version_minor: int
    server_type: int
    comment: str
    domain: str

    def record(self, level: int) -> tuple[str | int, ...]:
        """NetServerInfo0 ("B16") or NetServerInfo1 ("B16BBDz", MS-RAP 2.5.5.4)."""
        if level == 0:
            return (self.name,)
        return (self.name, self.version_major, self.version_minor, self.server_type, self.comment)


def host_entry(config: ServerConfig) -> BrowseEntry:
    """A machine as it announces itself: the NetBIOS name, sv101 version and type, comment
    (MS-BRWS 2.2.1 HostAnnouncement carries the same fields as SERVER_INFO_101)."""
    identity = config.profile.identity.srvsvc
    directory = config.directory
    return BrowseEntry(directory.machine.netbios_name.upper()[:15], identity.version_major,
                       identity.version_minor, identity.server_type, directory.machine.comment,
                       directory.primary_domain.name.upper())


def lab_of(config: ServerConfig) -> list[ServerConfig]:
    """The machines of this server's lab, itself included, each once."""
    hosts = list(config.lab_hosts()) if config.lab_hosts is not None else []
    if not any(host is config for host in hosts):
        hosts.insert(0, config)
    return hosts


def _masters(entries: Sequence[BrowseEntry]) -> dict[str, BrowseEntry]:
    """Each machine group's master browser: its domain master (the PDC), else a running master,
    else a backup browser -- the order of the election criteria's Role bits (MS-BRWS 2.2.3),
    the other criteria being equal between Windows NT servers; ties by name (U: Windows breaks
    them by uptime first, MS-BRWS 3.3.5.8)."""
    ranked = sorted((e for e in entries if e.server_type & _BROWSER_RUNNING),
                    key=lambda e: (not e.server_type & SERVER_TYPE_BITS["DOMAIN_MASTER"],
                                   not e.server_type & SERVER_TYPE_BITS["MASTER_BROWSER"], e.name))
    masters: dict[str, BrowseEntry] = {}
    for entry in ranked:
        masters.setdefault(entry.domain, entry)
    return masters


def browse_list(config: ServerConfig, server_type: int, domain: str,
                first_name: str = "") -> tuple[int, list[BrowseEntry]]:
    """(status, entries) for a NetServerEnum2 / 3 request, before packing."""
    me = host_entry(config)
    if server_type & SV_TYPE_ALTERNATE_XPORT and server_type != SV_TYPE_ALL:
        # MS-RAP Appendix A <10>: "Windows-based servers fail the request with
        # ERROR_INVALID_PARAMETER when SV_TYPE_ALTERNATE_XPORT is set" (but not for SV_TYPE_ALL).
        return ERROR_INVALID_PARAMETER, []
    if not me.server_type & _BROWSER_RUNNING:
        if me.server_type & _POTENTIAL_BROWSER:
            return ERROR_REQ_NOT_ACCEP, []  # MS-BRWS 3.3.5.6 (D)
        return ERROR_NO_BROWSER_SERVERS_FOUND, []  # no browser service (see the docstring, U)
    wanted = server_type & ~SV_TYPE_LOCAL_LIST_ONLY
    domains = wanted & SV_TYPE_DOMAIN_ENUM and server_type != SV_TYPE_ALL
    if domains and wanted != SV_TYPE_DOMAIN_ENUM:
        # MS-BRWS 3.3.5.6: SV_TYPE_DOMAIN_ENUM with "any other field" set (D).  Every lab host
        # is on the browser's subnet, so SV_TYPE_LOCAL_LIST_ONLY filters nothing.
        return ERROR_INVALID_FUNCTION, []
    machines = [host_entry(host) for host in lab_of(config)]
    if domains:
        entries = [BrowseEntry(group, master.version_major, master.version_minor,
                               # the master's type in its DomainAnnouncement (MS-BRWS 2.2.7),
                               # marked as a machine group (U: Windows' exact bits)
                               master.server_type | SV_TYPE_DOMAIN_ENUM, master.name, group)
                   for group, master in _masters(machines).items()]
    else:
        group = (domain or me.domain).upper()
        entries = [m for m in machines if m.domain == group
                   and (server_type == SV_TYPE_ALL or m.server_type & wanted)]
        # MS-BRWS 3.3.5.6: a domain the browser does not know (not its own, nor one a lab
        # browser serves) -> ERROR_NO_BROWSER_SERVERS_FOUND for NT clients (D); another lab
        # domain is answered with that domain's list, as its master browser would (D: the
        # local master forwards the request to that domain's master).
    entries.sort(key=lambda e: e.name)  # MS-RAP 3.2.1.1: ServerList in alphabetical order
    if first_name:
        # MS-RAP Appendix A <88>: FirstNameToReturn need not match exactly; the servers
        # "greater than or equal to" it are returned.
        entries = [e for e in entries if e.name >= first_name.upper()]
    if not entries:
        return ERROR_NO_BROWSER_SERVERS_FOUND, []  # MS-RAP 3.2.5.12 (D)
    return NERR_SUCCESS, entries
