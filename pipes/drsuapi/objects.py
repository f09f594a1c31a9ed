"""The drsuapi interface object, its context handle, and the directory as MS-DRSR names it.

The fixture describes SAM accounts, not an Active Directory database: the distinguished names,
object GUIDs and the DC's configuration objects (site, server, nTDSDSA) are derived here, the
same way every time, from the fixture's domain and machine:

* the domain NC is ``DC=<label>,...`` of the domain's DNS name; users are
  ``CN=<sAMAccountName>,CN=Users,<domain NC>`` (the container AD puts accounts created by SAM
  calls and ``net user /add`` in, MS-ADTS 6.1.1.4 "Users" well-known container), the DC's
  computer account ``CN=<NetBIOS name>,OU=Domain Controllers,<domain NC>`` (MS-ADTS 6.1.1.4.7);
* the configuration objects of a one-DC forest as dcpromo creates them: the site
  ``Default-First-Site-Name`` (MS-ADTS 6.1.1.2.2.1.2), its server object and the server's
  ``CN=NTDS Settings`` nTDSDSA object (MS-ADTS 6.1.1.2.2.1.2.1.1);
* objectGUIDs: the domain's own GUID from the fixture; every other object's GUID is a
  name-based UUID (RFC 4122 version 5) under the domain GUID, so it is stable across restarts
  and distinct per object (U: the fixture has no objectGUIDs; real ones are random).
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from smbemu.rpc import CallContext, HandleEntry, Interface
from smbemu.sid import Sid

#: MS-DRSR 2.1 / appendix A: the drsuapi interface.  Its opnums run to 30 on Windows Server
#: 2016 (IDL_DRSWriteNgcKey 29 and IDL_DRSReadNgcKey 30 came with it, MS-DRSR 4.1.29 / 4.1.30).
INTERFACE: Final = Interface(
    name="drsuapi", uuid="e3514235-4b06-11d1-ab04-00c04fc2dcd2", version=(4, 0),
    pipes=("lsass", "lsarpc"), opnum_count=31, secondary_address="\\PIPE\\lsass",
    description="Directory Replication Service Remote Protocol (MS-DRSR)")

HANDLE_KIND: Final = "drsuapi.bind"
SITE_NAME: Final = "Default-First-Site-Name"


def served_on(config: Any) -> bool:
    """drsuapi is the DC's directory service interface: it exists on a domain controller
    from Windows 2000 on (MS-DRSR 1.7: "servers ... domain controllers running Windows 2000
    Server and later"); a member or standalone server runs no directory service, so its lsass
    endpoints do not carry the interface (its bind is refused like any unknown syntax)."""
    profile = config.profile
    return bool(profile.is_dc) and profile.identity.version >= (5, 0)


#: Read by the pipe open, the TCP listener and the endpoint mapper (smbemu.rpc.registry.served_on).
INTERFACE.served_on = served_on  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class DirectoryObject:
    """One object as drsuapi returns it: its DN, GUID and SID (None for configuration
    objects), and the account record when it is a SAM account."""

    dn: str
    guid: uuid.UUID
    sid: Sid | None
    account: Any = None


@dataclass(frozen=True, slots=True)
class DsaIdentity:
    """The emulated DC as the directory describes it (module docstring)."""

    netbios_name: str
    dns_host_name: str
    domain_flat: str
    domain_dns: str
    domain_dn: str
    domain_guid: uuid.UUID
    domain_sid: Sid
    site_dn: str
    server_dn: str
    ntds_dn: str
    computer_dn: str
    configuration_dn: str

    def guid_of(self, dn: str) -> uuid.UUID:
        if dn.lower() == self.domain_dn.lower():
            return self.domain_guid
        return uuid.uuid5(self.domain_guid, dn.lower())

    @property
    def ntds_guid(self) -> uuid.UUID:
        return self.guid_of(self.ntds_dn)


def identity(ctx: CallContext) -> DsaIdentity:
    directory = ctx.server.directory
    domain = directory.domain
    assert domain is not None  # drsuapi is served on DC profiles only (served_on)
    domain_dn = ",".join(f"DC={label}" for label in domain.dns_name.split("."))
    nb = directory.machine.netbios_name.upper()
    dns_host = directory.machine.dns_name or f"{nb.lower()}.{domain.dns_name}"
    forest_dn = ",".join(f"DC={label}" for label in (domain.forest_dns_name or domain.dns_name).split("."))
    configuration = f"CN=Configuration,{forest_dn}"
    site = f"CN={SITE_NAME},CN=Sites,{configuration}"
    server = f"CN={nb},CN=Servers,{site}"
    return DsaIdentity(nb, dns_host, domain.name, domain.dns_name, domain_dn, domain.guid,
                       domain.sid, site, server, f"CN=NTDS Settings,{server}",
                       f"CN={nb},OU=Domain Controllers,{domain_dn}", configuration)


def user_dn(me: DsaIdentity, account: Any) -> str:
    if me.netbios_name.lower() + "$" == account.name.lower():
        return me.computer_dn
    return f"CN={_escape_rdn(account.name)},CN=Users,{me.domain_dn}"


def _escape_rdn(value: str) -> str:
    """RFC 4514 2.4: the characters escaped in an RDN value."""
    out = "".join("\\" + ch if ch in ',+"\\<>;=' else ch for ch in value)
    if out.startswith((" ", "#")):
        out = "\\" + out
    return out


def accounts(ctx: CallContext) -> Iterator[DirectoryObject]:
    """The domain's SAM accounts (users, then groups) as directory objects."""
    me = identity(ctx)
    domain = ctx.server.directory.account_domain
    for user in domain.users:
        dn = user_dn(me, user)
        yield DirectoryObject(dn, me.guid_of(dn), user.sid, user)
    for group in domain.groups:
        dn = f"CN={_escape_rdn(group.name)},CN=Users,{me.domain_dn}"
        yield DirectoryObject(dn, me.guid_of(dn), group.sid, group)


def configuration_objects(me: DsaIdentity) -> tuple[DirectoryObject, ...]:
    return tuple(DirectoryObject(dn, me.guid_of(dn), None) for dn in
                 (me.site_dn, me.server_dn, me.ntds_dn, me.configuration_dn, schema_dn(me)))


def schema_dn(me: DsaIdentity) -> str:
    """The schema NC (MS-ADTS 6.1.1.1: CN=Schema under the configuration NC)."""
    return f"CN=Schema,{me.configuration_dn}"


def domain_object(me: DsaIdentity) -> DirectoryObject:
    return DirectoryObject(me.domain_dn, me.domain_guid, me.domain_sid)


def find_object(ctx: CallContext, *, dn: str = "", guid: uuid.UUID | None = None,
                sid: Sid | None = None) -> DirectoryObject | None:
    """The object a DSNAME names: by GUID when one is given, else by SID, else by DN
    (MS-DRSR 5.50 DSNAME: "the GUID, if present, is used; else the SID; else the string name")."""
    me = identity(ctx)
    candidates = [domain_object(me), *configuration_objects(me), *accounts(ctx)]
    if guid is not None and guid.int:
        return next((o for o in candidates if o.guid == guid), None)
    if sid is not None:
        return next((o for o in candidates if o.sid == sid), None)
    wanted = dn.strip().lower()
    return next((o for o in candidates if o.dn.lower() == wanted), None) if wanted else None


def dsname(obj: DirectoryObject | None, *, dn: str | None = None) -> dict[str, Any]:
    """A DSNAME (5.50) value: structLen is the size of the structure with its name and NUL
    (the fixed part is 56 bytes: 4 + 4 + 16 + 28 + 4)."""
    name = dn if dn is not None else (obj.dn if obj is not None else "")
    sid_bytes = obj.sid.to_bytes() if obj is not None and obj.sid is not None else b""
    encoded = name.encode("utf-16-le")
    text = [*struct.unpack(f"<{len(encoded) // 2}H", encoded), 0]
    return {"structLen": 56 + 2 * len(text), "SidLen": len(sid_bytes),
            "Guid": obj.guid if obj is not None else uuid.UUID(int=0),
            "Sid": sid_bytes.ljust(28, b"\x00"), "NameLen": len(text) - 1, "StringName": text}


def dsname_parts(value: dict[str, Any]) -> tuple[str, uuid.UUID, Sid | None]:
    """(string name, GUID, SID) of a received DSNAME; the name stops at NameLen or the NUL."""
    chars = value.get("StringName") or []
    count = min(int(value.get("NameLen") or 0), len(chars))
    name = struct.pack(f"<{count}H", *[c & 0xFFFF for c in chars[:count]]).decode("utf-16-le", "replace")
    name = name.split("\x00", 1)[0]
    sid_len = int(value.get("SidLen") or 0)
    sid = None
    if 8 <= sid_len <= 28:
        try:
            sid = Sid.from_bytes(bytes(value["Sid"][:sid_len]))
        except (ValueError, IndexError):
            sid = None
    return name, value.get("Guid") or uuid.UUID(int=0), sid


def bound(ctx: CallContext, handle: bytes) -> HandleEntry:
    """The DRS_HANDLE's entry; a handle IDL_DRSBind never gave this caller is the runtime's
    fault nca_s_fault_context_mismatch (C706 14.3.11, MS-RPCE 2.2.4.15 strict_context_handle, as for the strict context handle of
    the other lsass interfaces)."""
    return ctx.handles.issued(handle, "drsuapi")


def state_owner(ctx: CallContext) -> Any:
    """The object the run-time changes of drsuapi (SPNs written, repsTo values, NGC keys) hang
    off: the server's account domain, which lives as long as the server's directory (the
    server configuration itself takes no weak reference)."""
    return ctx.server.directory.account_domain
