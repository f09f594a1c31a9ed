"""lsarpc trusted domain information (MS-LSAD 3.1.4.7): LsarQueryInfoTrustedDomain (26),
LsarSetInformationTrustedDomain (27) on a TDO handle; LsarQueryTrustedDomainInfo (39) /
LsarSetTrustedDomainInfo (40) by SID and LsarQueryTrustedDomainInfoByName (48) /
LsarSetTrustedDomainInfoByName (49) by name on the policy handle; LsarQueryForestTrustInformation
(73) / LsarSetForestTrustInformation (74).

Which classes a DC answers (Samba's rpc.lsa.trusted.domains and rpc.lsa.forest.trust, written
against Windows, assert each):

=====  ==================================  ============================  =======================
class  TRUSTED_INFORMATION_CLASS           query                         set
=====  ==================================  ============================  =======================
1      TrustedDomainNameInformation        the NetBIOS name              STATUS_INVALID_PARAMETER
3      TrustedPosixOffsetInformation       the offset                    stored
6      TrustedDomainInformationEx          names, SID, direction...      direction, type, attributes
7, 9   TrustedDomainAuthInformation(Int.)  STATUS_INVALID_PARAMETER      the passwords
8, 10  TrustedDomainFullInformation(Int.)  8: Ex + offset, no password   Ex + offset + passwords
12     TrustedDomainFullInformation2Int.   Ex2 + offset, no password     STATUS_INVALID_PARAMETER
13     TrustedDomainSupportedEncryption..  the types (RC4 when unset)    stored
2,4,5  controllers, password, basic        STATUS_INVALID_PARAMETER      STATUS_INVALID_INFO_CLASS
11     TrustedDomainInformationEx2Internal STATUS_INVALID_PARAMETER      STATUS_INVALID_INFO_CLASS
=====  ==================================  ============================  =======================

The query access table is MS-LSAD 3.1.4.7.13's (TRUSTED_QUERY_DOMAIN_NAME / _POSIX on the
TDO handle); the set one 3.1.4.7.14's (TRUSTED_SET_POSIX / TRUSTED_SET_AUTH).  The passwords of
a trust are never returned (the full classes carry an empty authentication part, U: what a DC
puts there).  By SID or name, the policy handle needs POLICY_VIEW_LOCAL_INFORMATION to query
(3.1.4.7.2, 3.1.4.7.5) and no right of its own to set: Samba's rpc.lsa.forest.trust sets through a
handle opened with POLICY_VIEW_LOCAL_INFORMATION only and Windows succeeds; the caller must be an
administrator (the policy's rule, smbemu.policy.rules: the TDO's DACL).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.policy.access import POLICY_VIEW_LOCAL_INFORMATION
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import Pointer, RpcUnicodeString, Sid, enum16
from smbemu.status import (
    STATUS_ACCESS_DENIED,
    STATUS_INVALID_DOMAIN_STATE,
    STATUS_INVALID_INFO_CLASS,
    STATUS_INVALID_PARAMETER,
    STATUS_NO_SUCH_DOMAIN,
    STATUS_NOT_FOUND,
    STATUS_OBJECT_NAME_NOT_FOUND,
    STATUS_SUCCESS,
    STATUS_UNKNOWN_REVISION,
)

from . import trust_store
from .objects import INTERFACE, check_call, error_response
from .trust_types import (
    AUTH_INFORMATION,
    AUTH_INFORMATION_INTERNAL,
    BOOLEAN,
    FULL_INFORMATION,
    FULL_INFORMATION2_INTERNAL,
    FULL_INFORMATION_INTERNAL,
    INFORMATION_EX,
    LSA_FOREST_TRUST_INFORMATION,
    LSAPR_TRUSTED_DOMAIN_INFO,
    NAME_INFORMATION,
    NULL_COLLISION_INFORMATION,
    POSIX_OFFSET_INFORMATION,
    SUPPORTED_ENCRYPTION_TYPES,
    TRUSTED_QUERY_DOMAIN_NAME,
    TRUSTED_QUERY_POSIX,
    TRUSTED_SET_AUTH,
    TRUSTED_SET_POSIX,
)
from .trusted_domains import POLICY_TRUST_ADMIN, information_ex, trusted_domain_of
from .types import LSAPR_HANDLE

#: query class -> the TDO right it needs (MS-LSAD 3.1.4.7.13).
QUERY_ACCESS: Final[dict[int, int]] = {
    NAME_INFORMATION: TRUSTED_QUERY_DOMAIN_NAME, POSIX_OFFSET_INFORMATION: TRUSTED_QUERY_POSIX,
    INFORMATION_EX: TRUSTED_QUERY_DOMAIN_NAME,
    FULL_INFORMATION: TRUSTED_QUERY_DOMAIN_NAME | TRUSTED_QUERY_POSIX,
    FULL_INFORMATION2_INTERNAL: TRUSTED_QUERY_DOMAIN_NAME | TRUSTED_QUERY_POSIX,
    SUPPORTED_ENCRYPTION_TYPES: TRUSTED_QUERY_DOMAIN_NAME}
#: set class -> the TDO right it needs (MS-LSAD 3.1.4.7.14).
SET_ACCESS: Final[dict[int, int]] = {
    POSIX_OFFSET_INFORMATION: TRUSTED_SET_POSIX, INFORMATION_EX: TRUSTED_SET_POSIX,
    AUTH_INFORMATION: TRUSTED_SET_AUTH, AUTH_INFORMATION_INTERNAL: TRUSTED_SET_AUTH,
    FULL_INFORMATION: TRUSTED_SET_POSIX | TRUSTED_SET_AUTH,
    FULL_INFORMATION_INTERNAL: TRUSTED_SET_POSIX | TRUSTED_SET_AUTH,
    SUPPORTED_ENCRYPTION_TYPES: TRUSTED_SET_POSIX}
#: Classes a set refuses with STATUS_INVALID_PARAMETER (the rest it does not know: INVALID_INFO_CLASS).
_SET_INVALID_PARAMETER: Final = frozenset({NAME_INFORMATION, FULL_INFORMATION2_INTERNAL})
#: KERB_ENCTYPE_RC4_HMAC_MD5 (MS-KILE 2.2.7): a trust without msDS-SupportedEncryptionTypes.
_RC4: Final = 0x4
_NO_AUTH: Final = {"IncomingAuthInfos": 0, "IncomingAuthenticationInformation": None,
                   "IncomingPreviousAuthenticationInformation": None, "OutgoingAuthInfos": 0,
                   "OutgoingAuthenticationInformation": None, "OutgoingPreviousAuthenticationInformation": None}


def _information(record: dict[str, Any], info_class: int) -> Any:
    posix = {"Offset": record["posix_offset"]}
    if info_class == NAME_INFORMATION:
        return {"Name": record["flat"]}
    if info_class == POSIX_OFFSET_INFORMATION:
        return posix
    if info_class == INFORMATION_EX:
        return information_ex(record)
    if info_class == FULL_INFORMATION:
        return {"Information": information_ex(record), "PosixOffset": posix, "AuthInformation": _NO_AUTH}
    if info_class == FULL_INFORMATION2_INTERNAL:
        ex2 = {**information_ex(record), "ForestTrustLength": 0, "ForestTrustInfo": None}
        return {"Information": ex2, "PosixOffset": posix, "AuthInformation": _NO_AUTH}
    enc_types = record.get("enc_types")
    return {"SupportedEncryptionTypes": _RC4 if enc_types is None else enc_types}


def _query(ctx: CallContext, record: dict[str, Any], info_class: int, granted: int) -> dict[str, Any]:
    needed = QUERY_ACCESS.get(info_class)
    if needed is None:
        return error_response(ctx, STATUS_INVALID_PARAMETER if 1 <= info_class <= 13 else STATUS_INVALID_INFO_CLASS)
    if granted & needed != needed:
        ctx.deny("handle access TRUSTED_QUERY", "holds a trusted domain handle without the class's right")
        return error_response(ctx, STATUS_ACCESS_DENIED)
    return {"TrustedDomainInformation": (info_class, _information(record, info_class)), "ReturnValue": STATUS_SUCCESS}


def _set(ctx: CallContext, record: dict[str, Any], info_class: int, info: Any, granted: int) -> int:
    needed = SET_ACCESS.get(info_class)
    if needed is None:
        return STATUS_INVALID_PARAMETER if info_class in _SET_INVALID_PARAMETER else STATUS_INVALID_INFO_CLASS
    if info is None:
        return STATUS_INVALID_PARAMETER
    if granted & needed != needed:
        return ctx.deny("handle access TRUSTED_SET", "holds a trusted domain handle without the class's right").status
    updated = dict(record)
    arm = info[1] if isinstance(info, tuple) else info
    if info_class == POSIX_OFFSET_INFORMATION:
        updated["posix_offset"] = arm["Offset"]
    elif info_class == SUPPORTED_ENCRYPTION_TYPES:
        updated["enc_types"] = arm["SupportedEncryptionTypes"]
    ex = arm.get("Information", arm) if info_class in (FULL_INFORMATION, FULL_INFORMATION_INTERNAL) else arm
    if info_class in (INFORMATION_EX, FULL_INFORMATION, FULL_INFORMATION_INTERNAL):
        # the names and SID identify the TDO: MS-LSAD 3.1.4.7.14 does not let a set change them
        if (ex.get("Name") or "").lower() != record["name"].lower() \
                or (ex.get("FlatName") or "").lower() != record["flat"].lower():
            return STATUS_INVALID_PARAMETER
        updated.update(direction=ex["TrustDirection"], type=ex["TrustType"], attributes=ex["TrustAttributes"])
        if info_class != INFORMATION_EX:
            updated["posix_offset"] = arm["PosixOffset"]["Offset"]
    if info_class in (AUTH_INFORMATION, FULL_INFORMATION):
        updated.update(trust_store.from_auth_information(arm.get("AuthInformation", arm)))
    elif info_class in (AUTH_INFORMATION_INTERNAL, FULL_INFORMATION_INTERNAL):
        blob = arm.get("AuthInformation", arm)
        if blob["AuthSize"]:
            auth = trust_store.from_auth_blob(bytes(blob["AuthBlob"] or b"")[:blob["AuthSize"]], ctx.session_key or b"")
            if auth is None:
                return STATUS_UNKNOWN_REVISION
            updated.update(auth)
    trust_store.store(ctx, updated)
    if (updated["direction"], updated["type"], updated["attributes"]) != \
            (record["direction"], record["type"], record["attributes"]):
        trust_store.audit(ctx, trust_store.TRUST_MODIFIED, updated)
    return STATUS_SUCCESS


_OUT_INFO: Final = [("TrustedDomainInformation", Pointer(LSAPR_TRUSTED_DOMAIN_INFO))]
_CLASS: Final = ("InformationClass", enum16)


@INTERFACE.operation(26, "LsarQueryInfoTrustedDomain",
                     request=[("TrustedDomainHandle", LSAPR_HANDLE), _CLASS], response=_OUT_INFO)
def LsarQueryInfoTrustedDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    entry, record, status = trusted_domain_of(ctx, request["TrustedDomainHandle"])
    if record is None or entry is None:
        return error_response(ctx, status)
    return _query(ctx, record, request["InformationClass"], entry.granted_access)


@INTERFACE.operation(27, "LsarSetInformationTrustedDomain",
                     request=[("TrustedDomainHandle", LSAPR_HANDLE), _CLASS,
                              ("TrustedDomainInformation", Pointer(LSAPR_TRUSTED_DOMAIN_INFO, "ref"))],
                     response=[])
def LsarSetInformationTrustedDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    entry, record, status = trusted_domain_of(ctx, request["TrustedDomainHandle"])
    if record is None or entry is None:
        return {"ReturnValue": status}
    return {"ReturnValue": _set(ctx, record, request["InformationClass"], request["TrustedDomainInformation"],
                                entry.granted_access)}


def _by_policy(ctx: CallContext, request: dict[str, Any], operation: str, needed: int,
               record: dict[str, Any] | None, missing: int) -> tuple[dict[str, Any] | None, int]:
    status = check_call(ctx, request["PolicyHandle"], needed, operation)
    if status:
        return None, status
    return (record, STATUS_SUCCESS) if record is not None else (None, missing)


#: A TDO reached through the policy handle is an administrator's (the handle's rights say so):
#: every TDO right.
_ALL: Final = 0x7F


@INTERFACE.operation(39, "LsarQueryTrustedDomainInfo",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("TrustedDomainSid", Pointer(Sid, "ref")), _CLASS],
                     response=_OUT_INFO)
def LsarQueryTrustedDomainInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    record, status = _by_policy(ctx, request, "LsarQueryTrustedDomainInfo", POLICY_VIEW_LOCAL_INFORMATION,
                                trust_store.by_sid(ctx, request["TrustedDomainSid"]), STATUS_NO_SUCH_DOMAIN)
    return error_response(ctx, status) if record is None else _query(ctx, record, request["InformationClass"], _ALL)


@INTERFACE.operation(48, "LsarQueryTrustedDomainInfoByName",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("TrustedDomainName", Pointer(RpcUnicodeString, "ref")),
                              _CLASS], response=_OUT_INFO)
def LsarQueryTrustedDomainInfoByName(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    record, status = _by_policy(ctx, request, "LsarQueryTrustedDomainInfoByName", POLICY_VIEW_LOCAL_INFORMATION,
                                trust_store.by_name(ctx, request["TrustedDomainName"]), STATUS_OBJECT_NAME_NOT_FOUND)
    return error_response(ctx, status) if record is None else _query(ctx, record, request["InformationClass"], _ALL)


@INTERFACE.operation(40, "LsarSetTrustedDomainInfo",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("TrustedDomainSid", Pointer(Sid, "ref")), _CLASS,
                              ("TrustedDomainInformation", Pointer(LSAPR_TRUSTED_DOMAIN_INFO, "ref"))],
                     response=[])
def LsarSetTrustedDomainInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    record, status = _by_policy(ctx, request, "LsarSetTrustedDomainInfo", 0,
                                trust_store.by_sid(ctx, request["TrustedDomainSid"]), STATUS_NO_SUCH_DOMAIN)
    if record is None:
        return {"ReturnValue": status}
    return {"ReturnValue": _set(ctx, record, request["InformationClass"], request["TrustedDomainInformation"], _ALL)}


@INTERFACE.operation(49, "LsarSetTrustedDomainInfoByName",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("TrustedDomainName", Pointer(RpcUnicodeString, "ref")),
                              _CLASS, ("TrustedDomainInformation", Pointer(LSAPR_TRUSTED_DOMAIN_INFO, "ref"))],
                     response=[])
def LsarSetTrustedDomainInfoByName(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    record, status = _by_policy(ctx, request, "LsarSetTrustedDomainInfoByName", 0,
                                trust_store.by_name(ctx, request["TrustedDomainName"]), STATUS_OBJECT_NAME_NOT_FOUND)
    if record is None:
        return {"ReturnValue": status}
    return {"ReturnValue": _set(ctx, record, request["InformationClass"], request["TrustedDomainInformation"], _ALL)}


# -------------------------------------------------------------------------------------------
# Forest trust information: LsarQueryForestTrustInformation (73), LsarSetForestTrustInformation (74)
# -------------------------------------------------------------------------------------------

#: MS-LSAD 2.2.7.21 LSA_FOREST_TRUST_RECORD_TYPE: the highest a client may name.
_HIGHEST_RECORD_TYPE: Final = 2


def _forest_record(ctx: CallContext, request: dict[str, Any], operation: str, needed: int) -> tuple[Any, int]:
    """MS-LSAD 3.1.4.7.16-17: the forest trust's TDO by name (STATUS_NO_SUCH_DOMAIN when none);
    STATUS_INVALID_DOMAIN_STATE when it is not a forest trust (U: the status 3.1.4.7.16 gives
    for a TDO without TRUST_ATTRIBUTE_FOREST_TRANSITIVE)."""
    status = check_call(ctx, request["PolicyHandle"], needed, operation)
    if status:
        return None, status
    if request["HighestRecordType"] > _HIGHEST_RECORD_TYPE:
        return None, STATUS_INVALID_PARAMETER
    record = trust_store.by_name(ctx, request["TrustedDomainName"])
    if record is None:
        return None, STATUS_NO_SUCH_DOMAIN
    if not trust_store.is_forest_trust(record):
        return None, STATUS_INVALID_DOMAIN_STATE
    return record, STATUS_SUCCESS


_FOREST_IN: Final = [("PolicyHandle", LSAPR_HANDLE), ("TrustedDomainName", Pointer(RpcUnicodeString, "ref")),
                     ("HighestRecordType", enum16)]


@INTERFACE.operation(73, "LsarQueryForestTrustInformation", request=_FOREST_IN,
                     response=[("ForestTrustInfo", Pointer(LSA_FOREST_TRUST_INFORMATION))])
def LsarQueryForestTrustInformation(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """The records an administrator set, up to HighestRecordType; STATUS_NOT_FOUND before any
    was set (3.1.4.7.16)."""
    record, status = _forest_record(ctx, request, "LsarQueryForestTrustInformation", POLICY_VIEW_LOCAL_INFORMATION)
    if record is None:
        return error_response(ctx, status)
    if record.get("forest") is None:
        return error_response(ctx, STATUS_NOT_FOUND)
    entries = [_record_out(r) for r in record["forest"] if r["type"] <= request["HighestRecordType"]]
    return {"ForestTrustInfo": {"RecordCount": len(entries), "Entries": entries}, "ReturnValue": STATUS_SUCCESS}


def _record_out(stored: dict[str, Any]) -> dict[str, Any]:
    kind = stored["type"]
    data: Any = stored["data"]
    if kind == 2:
        data = {"Sid": data["sid"], "DnsName": data["dns"], "NetbiosName": data["netbios"]}
    elif kind > 2:
        data = {"Length": len(bytes.fromhex(data)), "Buffer": bytes.fromhex(data)}
    return {"Flags": stored["flags"], "ForestTrustType": kind, "Time": stored["time"],
            "ForestTrustData": (kind, data)}


def _record_in(record: dict[str, Any]) -> dict[str, Any]:
    kind, data = record["ForestTrustData"]
    if kind == 2:
        data = {"sid": data["Sid"], "dns": data["DnsName"] or "", "netbios": data["NetbiosName"] or ""}
    elif kind > 2:
        data = bytes(data["Buffer"] or b"")[:data["Length"]].hex()
    else:
        data = data or ""
    return {"flags": record["Flags"], "type": kind, "time": record["Time"], "data": data}


@INTERFACE.operation(74, "LsarSetForestTrustInformation",
                     request=[*_FOREST_IN, ("ForestTrustInfo", Pointer(LSA_FOREST_TRUST_INFORMATION, "ref")),
                              ("CheckOnly", BOOLEAN)],
                     response=[("CollisionInfo", NULL_COLLISION_INFORMATION)])
def LsarSetForestTrustInformation(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """3.1.4.7.17 (POLICY_TRUST_ADMIN): the records are stored unless CheckOnly; no collision with
    another forest's names is modelled (CollisionInfo NULL).  No audit event: Windows reports
    forest trust records as 4865-4867 under "Other Policy Change Events", not audited by default
    (Microsoft's advanced audit policy reference)."""
    record, status = _forest_record(ctx, request, "LsarSetForestTrustInformation", POLICY_TRUST_ADMIN)
    if record is None:
        return {"CollisionInfo": None, "ReturnValue": status}
    info = request["ForestTrustInfo"]
    entries = [r for r in info.get("Entries") or [] if r is not None]
    if len(entries) != info["RecordCount"]:
        return {"CollisionInfo": None, "ReturnValue": STATUS_INVALID_PARAMETER}
    if not request["CheckOnly"]:
        updated = dict(record)
        updated["forest"] = [_record_in(r) for r in entries]
        trust_store.store(ctx, updated)
    return {"CollisionInfo": None, "ReturnValue": STATUS_SUCCESS}
