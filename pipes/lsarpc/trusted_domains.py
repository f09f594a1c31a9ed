"""lsarpc trusted domain objects (MS-LSAD 3.1.4.7): LsarCreateTrustedDomain (12), Ex (51), Ex2
(59), LsarOpenTrustedDomain (25), LsarOpenTrustedDomainByName (55), LsarDeleteTrustedDomain
(41), LsarEnumerateTrustedDomains (13) / Ex (50), LsarCloseTrustedDomainEx (52); LsarDeleteObject
on a trusted domain handle is ``account_writes``'s, the information classes ``trust_info``'s.

Who may: creating, deleting and changing a trust needs POLICY_TRUST_ADMIN on the policy handle
(MS-LSAD 2.2.1.1.2), which the policy's DACL grants Administrators only (3.1.1.1.1), so everyone
else is refused STATUS_ACCESS_DENIED at the handle; opening a TDO is for administrators too
(the policy's rule: the TDO's own DACL is not in MS-LSAD, U).  Listing the trusts needs
POLICY_VIEW_LOCAL_INFORMATION, which Everyone's POLICY_EXECUTE carries (3.1.4.7.7-8).

Only a DC holds trusted domain objects (the directory, MS-ADTS 6.1.6): elsewhere creating one is
STATUS_DIRECTORY_SERVICE_REQUIRED (MS-LSAD 3.1.4.7.10).  The objects are `trust_store`'s.
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.policy.access import POLICY_VIEW_LOCAL_INFORMATION
from smbemu.rpc import CallContext, HandleEntry
from smbemu.rpc.ndr import Pointer, RpcUnicodeString, Sid, uint32
from smbemu.status import (
    STATUS_ACCESS_DENIED,
    STATUS_CURRENT_DOMAIN_NOT_ALLOWED,
    STATUS_DIRECTORY_SERVICE_REQUIRED,
    STATUS_INVALID_DOMAIN_STATE,
    STATUS_INVALID_HANDLE,
    STATUS_INVALID_PARAMETER,
    STATUS_MORE_ENTRIES,
    STATUS_NO_MORE_ENTRIES,
    STATUS_NO_SUCH_DOMAIN,
    STATUS_NOT_IMPLEMENTED,
    STATUS_OBJECT_NAME_COLLISION,
    STATUS_OBJECT_NAME_NOT_FOUND,
    STATUS_SUCCESS,
    STATUS_UNKNOWN_REVISION,
)

from . import trust_store
from .objects import INTERFACE, check_call, lsa_handle
from .trust_types import (
    DELETE,
    GENERIC_MAPPING,
    LSAPR_TRUSTED_DOMAIN_AUTH_INFORMATION,
    LSAPR_TRUSTED_DOMAIN_AUTH_INFORMATION_INTERNAL,
    MAXIMUM_ALLOWED,
    TRUST_ATTRIBUTE_CROSS_ORGANIZATION,
    TRUST_ATTRIBUTE_FOREST_TRANSITIVE,
    TRUST_DIRECTION_OUTBOUND,
    TRUST_TYPE_DOWNLEVEL,
    TRUST_TYPE_MIT,
    TRUSTED_ALL_ACCESS,
    TRUSTED_DOMAIN_HANDLE,
)
from .types import (
    LSAPR_HANDLE,
    LSAPR_TRUST_INFORMATION,
    LSAPR_TRUSTED_DOMAIN_INFORMATION_EX,
    LSAPR_TRUSTED_ENUM_BUFFER,
    LSAPR_TRUSTED_ENUM_BUFFER_EX,
    PULONG,
)

#: MS-LSAD 2.2.1.1.2.
POLICY_TRUST_ADMIN: Final = 0x00000008
#: The Windows Server 2003 functional level (5.2) from which forest trusts exist (MS-LSAD
#: 3.1.4.7.10: FOREST_TRANSITIVE / CROSS_ORGANIZATION below it are STATUS_INVALID_DOMAIN_STATE).
_FOREST_TRUST_VERSION: Final = (5, 2)
#: The buffer size Windows counts per entry when it pages the lists (Samba's lsa.idl,
#: LSA_ENUM_TRUST_DOMAIN_MULTIPLIER 60 and _EX_MULTIPLIER 82, measured on Windows Server 2003).
_ENTRY_SIZE: Final = 60
_ENTRY_SIZE_EX: Final = 82
_NULL_HANDLE: Final = bytes(20)
_OUT_HANDLE: Final = [("TrustedDomainHandle", LSAPR_HANDLE)]


def granted_access(desired: int) -> int:
    """The rights of an administrator's TDO handle: the desired ones through the generic mapping
    (MS-LSAD 2.2.1.1.5), all of them for MAXIMUM_ALLOWED (the administrators' full access)."""
    if desired & MAXIMUM_ALLOWED:
        return TRUSTED_ALL_ACCESS
    granted = desired & 0x00FFFFFF
    for generic, specific in GENERIC_MAPPING:
        if desired & generic:
            granted |= specific
    return granted & TRUSTED_ALL_ACCESS


def _open(ctx: CallContext, record: dict[str, Any], desired: int) -> bytes:
    return ctx.handles.create(TRUSTED_DOMAIN_HANDLE, trust_store.key_of(record), granted_access(desired))


def trusted_domain_of(ctx: CallContext, handle: bytes) -> tuple[HandleEntry | None, dict[str, Any] | None, int]:
    """The handle's entry and TDO; STATUS_INVALID_HANDLE for a live lsarpc handle of another
    type or whose TDO was deleted (an unknown handle is the context mismatch fault)."""
    entry = lsa_handle(ctx, handle)
    if entry.kind != TRUSTED_DOMAIN_HANDLE:
        return None, None, STATUS_INVALID_HANDLE
    record = trust_store.by_key(ctx, str(entry.obj))
    if record is None:
        return None, None, STATUS_INVALID_HANDLE
    return entry, record, STATUS_SUCCESS


# -------------------------------------------------------------------------------------------
# Creating a trust: LsarCreateTrustedDomain (12), Ex (51), Ex2 (59)
# -------------------------------------------------------------------------------------------

def _validate(ctx: CallContext, record: dict[str, Any]) -> int:
    """MS-LSAD 3.1.4.7.10's checks of a new TDO's LSAPR_TRUSTED_DOMAIN_INFORMATION_EX."""
    if not ctx.server_view.is_dc:
        return STATUS_DIRECTORY_SERVICE_REQUIRED
    if not record["name"] or not record["flat"] or record["direction"] not in (1, 2, 3) \
            or record["type"] not in (1, 2, 3) or (record["sid"] is None and record["type"] != TRUST_TYPE_MIT):
        return STATUS_INVALID_PARAMETER
    if record["attributes"] & (TRUST_ATTRIBUTE_FOREST_TRANSITIVE | TRUST_ATTRIBUTE_CROSS_ORGANIZATION) \
            and ctx.server_view.version < _FOREST_TRUST_VERSION:
        return STATUS_INVALID_DOMAIN_STATE
    primary = ctx.server.directory.primary_domain
    own = {str(primary.name or "").lower(), str(primary.dns_name or "").lower()} - {""}
    if record["name"].lower() in own or record["flat"].lower() in own \
            or (record["sid"] and primary.sid is not None and record["sid"].upper() == str(primary.sid).upper()):
        return STATUS_CURRENT_DOMAIN_NOT_ALLOWED
    if trust_store.by_name(ctx, record["name"]) or trust_store.by_name(ctx, record["flat"]) \
            or trust_store.by_sid(ctx, record["sid"]):
        return STATUS_OBJECT_NAME_COLLISION
    return STATUS_SUCCESS


def _create(ctx: CallContext, request: dict[str, Any], operation: str, info: dict[str, Any],
            auth: dict[str, Any] | None) -> dict[str, Any]:
    status = check_call(ctx, request["PolicyHandle"], POLICY_TRUST_ADMIN, operation)
    if status:
        return {"TrustedDomainHandle": _NULL_HANDLE, "ReturnValue": status}
    record = {"name": info.get("Name") or "", "flat": info.get("FlatName") or "", "sid": info.get("Sid"),
              "direction": info["TrustDirection"], "type": info["TrustType"],
              "attributes": info["TrustAttributes"],
              # U: the offset a DC assigns (MS-ADTS 6.1.6.7.14 trustPosixOffset) is not modelled
              "posix_offset": 0, "enc_types": None, "forest": None,
              "incoming": {"current": [], "previous": []}, "outgoing": {"current": [], "previous": []}}
    status = _validate(ctx, record)
    if status:
        return {"TrustedDomainHandle": _NULL_HANDLE, "ReturnValue": status}
    record.update(auth or {})
    trust_store.store(ctx, record)
    trust_store.audit(ctx, trust_store.TRUST_CREATED, record)
    return {"TrustedDomainHandle": _open(ctx, record, request["DesiredAccess"]), "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(12, "LsarCreateTrustedDomain",
                     request=[("PolicyHandle", LSAPR_HANDLE),
                              ("TrustedDomainInformation", Pointer(LSAPR_TRUST_INFORMATION, "ref")),
                              ("DesiredAccess", uint32)], response=_OUT_HANDLE)
def LsarCreateTrustedDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.7.11: a downlevel, outbound trust without attributes, named by its NetBIOS
    name (what Samba's rpc.lsa, written against Windows, reads back)."""
    info = request["TrustedDomainInformation"]
    ex = {"Name": info["Name"], "FlatName": info["Name"], "Sid": info["Sid"],
          "TrustDirection": TRUST_DIRECTION_OUTBOUND, "TrustType": TRUST_TYPE_DOWNLEVEL, "TrustAttributes": 0}
    return _create(ctx, request, "LsarCreateTrustedDomain", ex, None)


_EX_IN: Final = ("TrustedDomainInformation", Pointer(LSAPR_TRUSTED_DOMAIN_INFORMATION_EX, "ref"))


@INTERFACE.operation(51, "LsarCreateTrustedDomainEx",
                     request=[("PolicyHandle", LSAPR_HANDLE), _EX_IN,
                              ("AuthenticationInformation", Pointer(LSAPR_TRUSTED_DOMAIN_AUTH_INFORMATION, "ref")),
                              ("DesiredAccess", uint32)], response=_OUT_HANDLE)
def LsarCreateTrustedDomainEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.7.12: as Ex2, the authentication information in clear."""
    auth = trust_store.from_auth_information(request["AuthenticationInformation"])
    return _create(ctx, request, "LsarCreateTrustedDomainEx", request["TrustedDomainInformation"], auth)


@INTERFACE.operation(59, "LsarCreateTrustedDomainEx2",
                     request=[("PolicyHandle", LSAPR_HANDLE), _EX_IN,
                              ("AuthenticationInformation",
                               Pointer(LSAPR_TRUSTED_DOMAIN_AUTH_INFORMATION_INTERNAL, "ref")),
                              ("DesiredAccess", uint32)], response=_OUT_HANDLE)
def LsarCreateTrustedDomainEx2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.7.10: the authentication blob encrypted with the session key (5.1.1); one
    that does not decrypt into a blob is STATUS_UNKNOWN_REVISION (U: as for a secret's value)."""
    blob = request["AuthenticationInformation"]
    auth = None
    if blob["AuthSize"]:
        auth = trust_store.from_auth_blob(bytes(blob["AuthBlob"] or b"")[:blob["AuthSize"]], ctx.session_key or b"")
        if auth is None:
            status = check_call(ctx, request["PolicyHandle"], POLICY_TRUST_ADMIN, "LsarCreateTrustedDomainEx2")
            return {"TrustedDomainHandle": _NULL_HANDLE, "ReturnValue": status or STATUS_UNKNOWN_REVISION}
    return _create(ctx, request, "LsarCreateTrustedDomainEx2", request["TrustedDomainInformation"], auth)


# -------------------------------------------------------------------------------------------
# Opening and deleting: LsarOpenTrustedDomain (25), ByName (55), LsarDeleteTrustedDomain (41)
# -------------------------------------------------------------------------------------------

def _open_call(ctx: CallContext, request: dict[str, Any], operation: str, record: dict[str, Any] | None,
               missing: int) -> dict[str, Any]:
    status = check_call(ctx, request["PolicyHandle"], 0, operation)
    if status:
        return {"TrustedDomainHandle": _NULL_HANDLE, "ReturnValue": status}
    if record is None:
        return {"TrustedDomainHandle": _NULL_HANDLE, "ReturnValue": missing}
    return {"TrustedDomainHandle": _open(ctx, record, request["DesiredAccess"]), "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(25, "LsarOpenTrustedDomain",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("TrustedDomainSid", Pointer(Sid, "ref")),
                              ("DesiredAccess", uint32)], response=_OUT_HANDLE)
def LsarOpenTrustedDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.7.1: STATUS_NO_SUCH_DOMAIN for a SID no TDO has (impacket's and Samba's
    remote tests, written against DCs, accept it)."""
    record = trust_store.by_sid(ctx, request["TrustedDomainSid"])
    return _open_call(ctx, request, "LsarOpenTrustedDomain", record, STATUS_NO_SUCH_DOMAIN)


@INTERFACE.operation(55, "LsarOpenTrustedDomainByName",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("TrustedDomainName", RpcUnicodeString),
                              ("DesiredAccess", uint32)], response=_OUT_HANDLE)
def LsarOpenTrustedDomainByName(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.7.4: by DNS or NetBIOS name; STATUS_OBJECT_NAME_NOT_FOUND when none."""
    record = trust_store.by_name(ctx, request["TrustedDomainName"])
    return _open_call(ctx, request, "LsarOpenTrustedDomainByName", record, STATUS_OBJECT_NAME_NOT_FOUND)


def delete_trust(ctx: CallContext, record: dict[str, Any]) -> None:
    trust_store.remove(ctx, record)
    trust_store.audit(ctx, trust_store.TRUST_REMOVED, record)


@INTERFACE.operation(41, "LsarDeleteTrustedDomain",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("TrustedDomainSid", Pointer(Sid, "ref"))],
                     response=[])
def LsarDeleteTrustedDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.7.14: STATUS_NO_SUCH_DOMAIN when no TDO has the SID.  The documented
    POLICY_TRUST_ADMIN is not asked of the handle: "against a windows server it was sufficient to
    have LSA_POLICY_VIEW_LOCAL_INFORMATION" (Samba's rpc.lsa.forest.trust); the caller must be an
    administrator (the policy's rule).  Other handles to the deleted TDO then answer
    STATUS_INVALID_HANDLE (``trusted_domain_of``)."""
    status = check_call(ctx, request["PolicyHandle"], 0, "LsarDeleteTrustedDomain")
    if status:
        return {"ReturnValue": status}
    record = trust_store.by_sid(ctx, request["TrustedDomainSid"])
    if record is None:
        return {"ReturnValue": STATUS_NO_SUCH_DOMAIN}
    delete_trust(ctx, record)
    return {"ReturnValue": STATUS_SUCCESS}


def delete_by_handle(ctx: CallContext, handle: bytes) -> int:
    """LsarDeleteObject on a TDO handle (MS-LSAD 3.1.4.9.3: DELETE on the handle)."""
    entry, record, status = trusted_domain_of(ctx, handle)
    if record is None or entry is None:
        return status
    if not entry.granted_access & DELETE:
        return ctx.deny("handle access DELETE", "holds a trusted domain handle without DELETE").status \
            or STATUS_ACCESS_DENIED
    delete_trust(ctx, record)
    ctx.handles.close(handle)
    return STATUS_SUCCESS


@INTERFACE.operation(52, "LsarCloseTrustedDomainEx", request=[("TrustedDomainHandle", LSAPR_HANDLE)],
                     response=[("TrustedDomainHandle", LSAPR_HANDLE)])
def LsarCloseTrustedDomainEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """Listed as Opnum52NotUsedOnWire in MS-LSAD 3.1.4, yet Windows dispatches it and answers
    STATUS_NOT_IMPLEMENTED (Samba's rpc.lsa, written against Windows, requires exactly that for a
    trusted domain handle; "not implemented in Win2k3" in Samba's server); the handle stays open."""
    handle = request["TrustedDomainHandle"]
    lsa_handle(ctx, handle)
    return {"TrustedDomainHandle": handle, "ReturnValue": STATUS_NOT_IMPLEMENTED}


# -------------------------------------------------------------------------------------------
# Listing: LsarEnumerateTrustedDomains (13), LsarEnumerateTrustedDomainsEx (50)
# -------------------------------------------------------------------------------------------

def _listing(ctx: CallContext) -> list[dict[str, Any]]:
    """Every TDO, sorted by NetBIOS name (U: Windows' order; Samba's server sorts so)."""
    return sorted(trust_store.trusts(ctx).values(), key=lambda r: r["flat"].lower())


def _enumerate(ctx: CallContext, request: dict[str, Any], operation: str, field: str, entry_size: int,
               entry: Any) -> dict[str, Any]:
    """MS-LSAD 3.1.4.7.7-8: from EnumerationContext, PreferedMaximumLength / entry_size entries
    (at least one); STATUS_MORE_ENTRIES while some remain, STATUS_NO_MORE_ENTRIES with none
    left.  The returned context is always past the one given (3.1.4.7.8; Samba's rpc.lsa checks
    it: a client that restarts from 0 on success would loop)."""
    start = request["EnumerationContext"]
    status = check_call(ctx, request["PolicyHandle"], POLICY_VIEW_LOCAL_INFORMATION, operation)
    records = _listing(ctx)
    if status or start >= len(records):
        return {"EnumerationContext": min(start + 1, 0xFFFFFFFF) if not status else start,
                "EnumerationBuffer": {"EntriesRead": 0, field: None},
                "ReturnValue": status or STATUS_NO_MORE_ENTRIES}
    count = max(1, request["PreferedMaximumLength"] // entry_size)
    page = records[start:start + count]
    more = start + len(page) < len(records)
    return {"EnumerationContext": start + len(page),
            "EnumerationBuffer": {"EntriesRead": len(page), field: [entry(r) for r in page]},
            "ReturnValue": STATUS_MORE_ENTRIES if more else STATUS_SUCCESS}


def information_ex(record: dict[str, Any]) -> dict[str, Any]:
    return {"Name": record["name"], "FlatName": record["flat"], "Sid": record.get("sid"),
            "TrustDirection": record["direction"], "TrustType": record["type"],
            "TrustAttributes": record["attributes"]}


_ENUM_IN: Final = [("PolicyHandle", LSAPR_HANDLE), ("EnumerationContext", PULONG), ("PreferedMaximumLength", uint32)]


@INTERFACE.operation(13, "LsarEnumerateTrustedDomains", request=_ENUM_IN,
                     response=[("EnumerationContext", PULONG),
                               ("EnumerationBuffer", Pointer(LSAPR_TRUSTED_ENUM_BUFFER, "ref"))])
def LsarEnumerateTrustedDomains(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """NetBIOS name and SID of each TDO (U: whether Windows leaves inbound-only ones out)."""
    return _enumerate(ctx, request, "LsarEnumerateTrustedDomains", "Information", _ENTRY_SIZE,
                      lambda r: {"Name": r["flat"], "Sid": r.get("sid")})


@INTERFACE.operation(50, "LsarEnumerateTrustedDomainsEx", request=_ENUM_IN,
                     response=[("EnumerationContext", PULONG),
                               ("EnumerationBuffer", Pointer(LSAPR_TRUSTED_ENUM_BUFFER_EX, "ref"))])
def LsarEnumerateTrustedDomainsEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return _enumerate(ctx, request, "LsarEnumerateTrustedDomainsEx", "EnumerationBuffer", _ENTRY_SIZE_EX,
                      information_ex)
