"""The LSA policy settings an administrator may change, as the queries read them back.

The directory keeps them (``Directory.lsa_policy``: a JSON-able dict, so ``--state`` persists it;
None until the first change); each reader here falls back to the default a fresh Windows
server answers:

* ``audit_events``: PolicyAuditEventsInformation (MS-LSAD 2.2.4.4): AuditingMode and one
  POLICY_AUDIT_EVENT_OPTIONS word per category (POLICY_AUDIT_EVENT_TYPE, 2.2.4.20);
* ``kerberos``: PolicyDomainKerberosTicketInformation (2.2.4.24), a DC's Kerberos policy;
* ``efs``: PolicyDomainEfsInformation (2.2.4.23), the EFS recovery policy blob (none by default);
* ``security.<object>``: the parts of an LSA object's security descriptor set through
  LsarSetSecurityObject (MS-LSAD 3.1.4.9.2), hex, by part (owner, group, dacl, sacl).
"""

from __future__ import annotations

import struct
from typing import Any, Final

from smbemu.events import PolicyChanged
from smbemu.rpc import CallContext

#: MS-LSAD 2.2.4.20 POLICY_AUDIT_EVENT_TYPE: nine categories from Windows 2000 on.
AUDIT_CATEGORIES: Final = 9
#: The Kerberos policy of a new domain's Default Domain Policy (Microsoft, "Kerberos Policy"
#: security settings reference: service ticket 600 minutes, user ticket 10 hours, renewal 7 days,
#: clock skew 5 minutes, "Enforce user logon restrictions" enabled), as
#: POLICY_DOMAIN_KERBEROS_TICKET_INFO (MS-LSAD 2.2.4.24): intervals in 100 ns units,
#: AuthenticationOptions POLICY_KERBEROS_VALIDATE_CLIENT (0x80).  U: the sign Windows gives the
#: intervals on the wire (positive, as Samba's lsa.idl reads them).
_MINUTE: Final = 60 * 10_000_000
DEFAULT_KERBEROS: Final[dict[str, int]] = {
    "AuthenticationOptions": 0x80, "MaxServiceTicketAge": 600 * _MINUTE,
    "MaxTicketAge": 600 * _MINUTE, "MaxRenewAge": 7 * 24 * 60 * _MINUTE,
    "MaxClockSkew": 5 * _MINUTE, "Reserved": 0}

#: PolicyDefaultQuotaInformation (MS-LSAD 2.2.4.9 POLICY_DEFAULT_QUOTA_INFO, a QUOTA_LIMITS): the
#: class is answered (Samba's rpc.lsa, written against Windows, requires success for it) but
#: MS-LSAD gives the quota limits no meaning on the server; U: the values Windows returns --
#: zeros here ("no limit set").
DEFAULT_QUOTA: Final[dict[str, int]] = {
    "PagedPoolLimit": 0, "NonPagedPoolLimit": 0, "MinimumWorkingSetSize": 0,
    "MaximumWorkingSetSize": 0, "PagefileLimit": 0, "TimeLimit": 0}


def settings(ctx: CallContext) -> dict[str, Any]:
    """A copy of the changed settings (empty: every default)."""
    return dict(ctx.server.directory.lsa_policy or {})


def save(ctx: CallContext, changed: dict[str, Any]) -> None:
    ctx.server.directory.set_lsa_policy(changed)


def report(ctx: CallContext, event_id: int, fields: list[tuple[str, str]]) -> None:
    """Tell the server's observers (the audit log, `smbemu.audit_policy_changes`) about a change
    of the LSA policy: an `smbemu.events.PolicyChanged` (nothing is built when nobody listens)."""
    observers = getattr(ctx.server, "observers", None)
    if observers:
        observers.emit(PolicyChanged(event_id=event_id, principal=ctx.principal,
                                     session_id=ctx.session_id, fields=tuple(fields)))


def audit_events(directory: Any) -> dict[str, Any]:
    """The PolicyAuditEventsInformation arm: the stored one, else auditing off and every category
    "no auditing" (the out-of-the-box member server; U for DCs, whose Default Domain Controllers
    Policy enables success auditing of some categories through the advanced policy)."""
    stored = (directory.lsa_policy or {}).get("audit_events")
    if stored is None:
        return {"AuditingMode": 0, "EventAuditingOptions": [0] * AUDIT_CATEGORIES,
                "MaximumAuditEventCount": AUDIT_CATEGORIES}
    options = list(stored["options"])
    return {"AuditingMode": int(stored["mode"]), "EventAuditingOptions": options,
            "MaximumAuditEventCount": len(options)}


def kerberos(directory: Any) -> dict[str, int]:
    return dict((directory.lsa_policy or {}).get("kerberos") or DEFAULT_KERBEROS)


def efs_blob(directory: Any) -> bytes | None:
    stored = (directory.lsa_policy or {}).get("efs")
    return None if stored is None else bytes.fromhex(stored)


# -------------------------------------------------------------------------------------------
# Security descriptors (MS-DTYP 2.4.6 self-relative form)
# -------------------------------------------------------------------------------------------

#: MS-DTYP 2.4.7 SECURITY_INFORMATION bits, and the part each one names.
PARTS: Final = ((0x1, "owner"), (0x2, "group"), (0x4, "dacl"), (0x8, "sacl"))
_SE_DACL_PRESENT: Final = 0x0004
_SE_SACL_PRESENT: Final = 0x0010
_SE_SELF_RELATIVE: Final = 0x8000


def _sid_at(data: bytes, offset: int) -> bytes:
    count = data[offset + 1]
    end = offset + 8 + 4 * count
    if count > 15 or end > len(data):
        raise ValueError("SID out of bounds")
    return data[offset:end]


def _acl_at(data: bytes, offset: int) -> bytes:
    (size,) = struct.unpack_from("<H", data, offset + 2)
    if size < 8 or offset + size > len(data):
        raise ValueError("ACL out of bounds")
    return data[offset:offset + size]


def parse_descriptor(data: bytes) -> dict[str, bytes]:
    """The parts a self-relative descriptor carries (MS-DTYP 2.4.6); ValueError when it is not
    one (revision 1, SE_SELF_RELATIVE, offsets inside the buffer)."""
    if len(data) < 20:
        raise ValueError("shorter than the header")
    revision, _, control, owner, group, sacl, dacl = struct.unpack_from("<BBHIIII", data)
    if revision != 1 or not control & _SE_SELF_RELATIVE:
        raise ValueError("not a self-relative descriptor of revision 1")
    parts = {}
    if owner:
        parts["owner"] = _sid_at(data, owner)
    if group:
        parts["group"] = _sid_at(data, group)
    if control & _SE_DACL_PRESENT and dacl:
        parts["dacl"] = _acl_at(data, dacl)
    if control & _SE_SACL_PRESENT and sacl:
        parts["sacl"] = _acl_at(data, sacl)
    return parts


def build_descriptor(information: int, parts: dict[str, bytes]) -> bytes:
    """The self-relative descriptor with the parts ``information`` asks for (header, owner,
    group, SACL, DACL -- the order `smbemu.security_descriptor.self_relative` uses)."""
    wanted = {name: parts[name] for bit, name in PARTS if information & bit and name in parts}
    control = _SE_SELF_RELATIVE
    control |= _SE_DACL_PRESENT if "dacl" in wanted else 0
    control |= _SE_SACL_PRESENT if "sacl" in wanted else 0
    offset, offsets, body = 20, {}, b""
    for name in ("owner", "group", "sacl", "dacl"):
        blob = wanted.get(name, b"")
        offsets[name] = offset if blob else 0
        offset += len(blob)
        body += blob
    return struct.pack("<BBHIIII", 1, 0, control, offsets["owner"], offsets["group"],
                       offsets["sacl"], offsets["dacl"]) + body


def stored_parts(directory: Any, object_key: str) -> dict[str, bytes]:
    stored = (directory.lsa_policy or {}).get(f"security.{object_key}") or {}
    return {name: bytes.fromhex(value) for name, value in stored.items()}
