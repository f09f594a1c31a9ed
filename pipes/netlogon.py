"""netlogon: the Netlogon Remote Protocol (MS-NRPC), on ``\\PIPE\\netlogon``.

UUID 12345678-1234-abcd-ef00-01234567cffb version 1.0 (MS-NRPC 2.1); bind_ack names
``\\PIPE\\lsass`` as the secondary address (netlogon lives in lsass from Windows 2000 on, like
lsarpc and samr).  Every opnum from 0 to 49 (the methods MS-NRPC 3.5.4 defines for the
releases smbemu emulates, NetrLogonUasLogon .. NetrChainSetClientAttributes) is declared here, in
one of these ways:

* **emulated, answered per the profile's role** (``ctx.server.profile.role``):

  ================================  ====================================  ===============================
  call                              domain controller (``role: dc``)       member / standalone server
  ================================  ====================================  ===============================
  NetrLogonControl (12),            NETLOGON_INFO_1..4: no replication     the same structures, but the
  NetrLogonControl2 (14),           flags, PDC status NERR_Success, the    secure channel to the domain
  NetrLogonControl2Ex (18)          "trusted DC" is the DC itself           has no DC to reach (there is
  (query function codes)                                                  none in the emulation):
                                                                          status ERROR_NO_LOGON_SERVERS
  NetrGetDCName (11)                ``\\\\LEGACYSRV`` (its own domain)     NERR_DCNotFound (2453)
  NetrGetAnyDCName (13)             ``\\\\LEGACYSRV`` (its own domain)     ERROR_NO_LOGON_SERVERS (1311)
  DsrGetDcName (20) / Ex (27) /     DOMAIN_CONTROLLER_INFOW of itself       ERROR_NO_SUCH_DOMAIN (1355),
  Ex2 (34)                          (flags per Windows release)             what DsGetDcName answers when
                                                                          no DC can be located
  DsrGetSiteName (28)               "Default-First-Site-Name"               ERROR_NO_SITENAME (1919)
  NetrEnumerateTrustedDomains (19), its own domain (the forest root,       the primary (joined) domain,
  NetrEnumerateTrustedDomainsEx     PRIMARY | IN_FOREST | TREE_ROOT, +      + DIRECT_OUTBOUND; a
  (36), DsrEnumerateDomainTrusts    NATIVE_MODE from 2008); the fixture     standalone server (a
  (40)                              declares no other trust                 workgroup) lists nothing
  ================================  ====================================  ===============================

* **the secure channel**: NetrServerReqChallenge (4) answers a random 8-byte server challenge
  and keeps it for the association (MS-NRPC 3.5.4.4.1); NetrServerAuthenticate / 2 / 3 (5, 15,
  26) always fail — the fixture holds no machine-account secrets, so no client credential can be
  verified: STATUS_ACCESS_DENIED (0xC0000022) when no challenge was requested on this
  association or when the account exists (the credential "does not match"),
  STATUS_NO_TRUST_SAM_ACCOUNT (0xC000018B) when the account is not a trust account of the
  account domain (a member server's local SAM has none).  The challenge is consumed by the
  attempt, so a Zerologon checker (CVE-2020-1472) sees a patched DC.  The calls that need an
  established secure channel and whose [out] parameters are simple (NetrServerPasswordSet / 2,
  NetrServerPasswordGet, NetrServerTrustPasswordsGet, NetrLogonGetCapabilities) answer
  STATUS_ACCESS_DENIED with a zero return authenticator, as Windows does when the client
  authenticator cannot be checked (MS-NRPC 3.5.4.4.5 and 3.1.4.5).
* **Opnum47NotUsedOnWire** (MS-NRPC 3.5.4: not used on the wire): fault nca_op_rng_error
  0x1C010002; so does any opnum from 50 on (the runtime's range check).
* **not emulated** (the pass-through logon calls, replication, digest, DNS and forest-trust
  calls...): fault nca_op_rng_error rather than an invented answer — listed in
  :data:`NOT_EMULATED`.  On Windows most of them need a secure channel and answer
  STATUS_ACCESS_DENIED; their [out] structures (validation unions, delta arrays) are not
  modelled here, so a well-formed status answer cannot be produced.

NetrLogonControl function codes (MS-NRPC 3.5.4.9.1): NETLOGON_CONTROL_QUERY (1) and
NETLOGON_CONTROL_TC_QUERY (6, what ``nltest /sc_query`` sends) are answered; the codes that act
on the service (REPLICATE, SYNCHRONIZE, PDC_REPLICATE, REDISCOVER — what ``rpcclient logonctrl2``
sends by default —, TRANSPORT_NOTIFY, FIND_USER, CHANGE_PASSWORD, TC_VERIFY, FORCE_DNS_REG,
BACKUP_CHANGE_LOG, TRUNCATE_LOG, SET_DBFLAG, BREAKPOINT) need NETLOGON_CONTROL_ACCESS, which only
Administrators (and Account / Server Operators) hold: ERROR_ACCESS_DENIED (5) — for an
administrator too, the emulated server being read-only (as srvsvc/wkssvc refuse their
"change the server" calls); QUERY_DNS_REG (12) answers NETLOGON_INFO_1 on a DC and
ERROR_NOT_SUPPORTED elsewhere (only DCs register DC records); any other code is
ERROR_NOT_SUPPORTED (50).  The level rules: NetrLogonControl takes level 1 only (2 →
ERROR_NOT_SUPPORTED, higher → ERROR_INVALID_LEVEL, MS-NRPC 3.5.4.9.3), NetrLogonControl2 levels
1-3 (4 → ERROR_INVALID_LEVEL, 3.5.4.9.2), NetrLogonControl2Ex levels 1-4.

Every call asks the policy first through its call context (``ctx.decide(level=...)``; the
NetrLogonControl* levels are passed as the level) and returns its status when it refuses.  No
netlogon rule exists yet: everything is allowed to whoever reached the pipe (the pipe-open rules,
NullSessionPipes, already filtered anonymous callers).  The refusals this module makes itself
(no secure channel, no server challenge, the read-only control function codes) are recorded
with ``ctx.deny``, so the audit log names them.  Identity facts (role, names, the domain GUID
and SID) come from the profile and the directory.

Where MS-NRPC is silent, choices are tagged U in comments (what they follow is said there).
"""

from __future__ import annotations

import collections
import os
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Final

from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import (
    ConformantArray,
    ConformantBytes,
    FixedBytes,
    Guid,
    NdrType,
    Pointer,
    PSid,
    Struct,
    Union,
    WString,
    WStringRef,
    enum16,
    uint32,
)
from smbemu.rpc.status import (
    ERROR_INVALID_FLAGS,
    ERROR_INVALID_LEVEL,
    ERROR_INVALID_PARAMETER,
    ERROR_NOT_SUPPORTED,
    ERROR_NO_LOGON_SERVERS,
    ERROR_NO_SITENAME,
    ERROR_NO_SUCH_DOMAIN,
    ERROR_NO_SUCH_USER,
    NERR_DC_NOT_FOUND,
    NERR_SUCCESS,
    STATUS_NO_TRUST_SAM_ACCOUNT,
    STATUS_SUCCESS,
)

#: MS-NRPC 2.2.1.7.1 / 3.5.4.9.1 NetrLogonControl2Ex FunctionCode values.
NETLOGON_CONTROL_QUERY: Final = 0x0001
NETLOGON_CONTROL_REPLICATE: Final = 0x0002
NETLOGON_CONTROL_SYNCHRONIZE: Final = 0x0003
NETLOGON_CONTROL_PDC_REPLICATE: Final = 0x0004
NETLOGON_CONTROL_REDISCOVER: Final = 0x0005
NETLOGON_CONTROL_TC_QUERY: Final = 0x0006
NETLOGON_CONTROL_TRANSPORT_NOTIFY: Final = 0x0007
NETLOGON_CONTROL_FIND_USER: Final = 0x0008
NETLOGON_CONTROL_CHANGE_PASSWORD: Final = 0x0009
NETLOGON_CONTROL_TC_VERIFY: Final = 0x000A
NETLOGON_CONTROL_FORCE_DNS_REG: Final = 0x000B
NETLOGON_CONTROL_QUERY_DNS_REG: Final = 0x000C
NETLOGON_CONTROL_BACKUP_CHANGE_LOG: Final = 0xFFFC
NETLOGON_CONTROL_TRUNCATE_LOG: Final = 0xFFFD
NETLOGON_CONTROL_SET_DBFLAG: Final = 0xFFFE
NETLOGON_CONTROL_BREAKPOINT: Final = 0xFFFF
#: The codes that change or drive the service (NETLOGON_CONTROL_ACCESS): refused.
CONTROL_CODES: Final = frozenset({
    NETLOGON_CONTROL_REPLICATE, NETLOGON_CONTROL_SYNCHRONIZE, NETLOGON_CONTROL_PDC_REPLICATE,
    NETLOGON_CONTROL_REDISCOVER, NETLOGON_CONTROL_TRANSPORT_NOTIFY, NETLOGON_CONTROL_FIND_USER,
    NETLOGON_CONTROL_CHANGE_PASSWORD, NETLOGON_CONTROL_TC_VERIFY, NETLOGON_CONTROL_FORCE_DNS_REG,
    NETLOGON_CONTROL_BACKUP_CHANGE_LOG, NETLOGON_CONTROL_TRUNCATE_LOG,
    NETLOGON_CONTROL_SET_DBFLAG, NETLOGON_CONTROL_BREAKPOINT})

#: MS-NRPC 2.2.1.7.2 / 2.2.1.7.3 netlog*_flags.
NETLOGON_HAS_IP: Final = 0x10
NETLOGON_HAS_TIMESERV: Final = 0x20

#: MS-NRPC 3.5.4.3.1 DsrGetDcNameEx2 Flags (the request).
DS_FORCE_REDISCOVERY: Final = 0x00000001
DS_AVOID_SELF: Final = 0x00004000
DS_IS_FLAT_NAME: Final = 0x00010000
DS_IS_DNS_NAME: Final = 0x00020000
DS_RETURN_DNS_NAME: Final = 0x40000000
DS_RETURN_FLAT_NAME: Final = 0x80000000
#: The request flags a Windows 2000 DC knows (FORCE_REDISCOVERY .. IS_DNS_NAME, RETURN_*);
#: each later release accepts one more "requirement" bit (MS-NRPC 3.5.4.3.1: TRY_NEXTCLOSEST_SITE
#: 2003, DIRECTORY_SERVICE_6_REQUIRED 2008, WEB_SERVICE_REQUIRED 2008 R2,
#: DIRECTORY_SERVICE_8/9/10_REQUIRED 2012 / 2012 R2 / 2016).  Other bits: ERROR_INVALID_FLAGS.
#: The emulated DC is of the profile's release, so an accepted requirement is always met.
DS_VALID_REQUEST_FLAGS: Final = 0xC003FFF1
DS_REQUEST_FLAGS_SINCE: Final = (((5, 2), 0x00040000), ((6, 0), 0x00080000),
                                 ((6, 1), 0x00100000), ((6, 2), 0x00200000),
                                 ((6, 3), 0x00400000), ((10, 0), 0x00800000))

#: MS-NRPC 2.2.1.2.1 DOMAIN_CONTROLLER_INFOW Flags (the answer).
DS_PDC_FLAG: Final = 0x00000001
DS_GC_FLAG: Final = 0x00000004
DS_LDAP_FLAG: Final = 0x00000008
DS_DS_FLAG: Final = 0x00000010
DS_KDC_FLAG: Final = 0x00000020
DS_TIMESERV_FLAG: Final = 0x00000040
DS_CLOSEST_FLAG: Final = 0x00000080
DS_WRITABLE_FLAG: Final = 0x00000100
DS_GOOD_TIMESERV_FLAG: Final = 0x00000200
DS_FULL_SECRET_DOMAIN_6_FLAG: Final = 0x00001000
DS_WS_FLAG: Final = 0x00002000
DS_DS_8_FLAG: Final = 0x00004000
DS_DS_9_FLAG: Final = 0x00008000
DS_DS_10_FLAG: Final = 0x00010000
DS_DNS_CONTROLLER_FLAG: Final = 0x20000000
DS_DNS_DOMAIN_FLAG: Final = 0x40000000
DS_DNS_FOREST_FLAG: Final = 0x80000000
#: DomainControllerAddressType (MS-NRPC 2.2.1.2.1).
DS_INET_ADDRESS: Final = 1

#: MS-NRPC 2.2.1.6.2 DS_DOMAIN_TRUSTSW Flags.
DS_DOMAIN_IN_FOREST: Final = 0x0001
DS_DOMAIN_DIRECT_OUTBOUND: Final = 0x0002
DS_DOMAIN_TREE_ROOT: Final = 0x0004
DS_DOMAIN_PRIMARY: Final = 0x0008
DS_DOMAIN_NATIVE_MODE: Final = 0x0010
DS_DOMAIN_DIRECT_INBOUND: Final = 0x0020
#: MS-LSAD 2.2.7.9 TRUSTED_DOMAIN_INFORMATION_EX TrustType: an Active Directory domain.
TRUST_TYPE_UPLEVEL: Final = 2

#: The site every new forest gets (MS-ADTS 6.1.1.2.2.1.1); smbemu models no other site.
DEFAULT_SITE: Final = "Default-First-Site-Name"


# -------------------------------------------------------------------------------------------
# NDR types (MS-NRPC 2.2.1)
# -------------------------------------------------------------------------------------------

#: LOGONSRV_HANDLE (2.2.1.1.1) ``[string] wchar_t*``: unique in most methods, [in] ref in some.
LOGONSRV_HANDLE: Final = WString
#: NETLOGON_CREDENTIAL (2.2.1.3.4): 8 bytes, passed by [ref] pointer (no wire representation).
NETLOGON_CREDENTIAL: Final = FixedBytes(8)
#: NETLOGON_AUTHENTICATOR (2.2.1.1.5).
NETLOGON_AUTHENTICATOR: Final = Struct("NETLOGON_AUTHENTICATOR", [
    ("Credential", NETLOGON_CREDENTIAL), ("Timestamp", uint32)])
#: ENCRYPTED_NT_OWF_PASSWORD (2.2.1.3.? / MS-SAMR 2.2.7.3): 16 bytes.
ENCRYPTED_NT_OWF_PASSWORD: Final = FixedBytes(16)
#: NETLOGON_SECURE_CHANNEL_TYPE (2.2.1.3.13): a plain IDL enum, 16 bits on the wire.
NETLOGON_SECURE_CHANNEL_TYPE: Final = enum16

# 2.2.1.2.1 DOMAIN_CONTROLLER_INFOW
DOMAIN_CONTROLLER_INFOW: Final = Struct("DOMAIN_CONTROLLER_INFOW", [
    ("DomainControllerName", WString), ("DomainControllerAddress", WString),
    ("DomainControllerAddressType", uint32), ("DomainGuid", Guid), ("DomainName", WString),
    ("DnsForestName", WString), ("Flags", uint32), ("DcSiteName", WString),
    ("ClientSiteName", WString)])
#: ``[out] PDOMAIN_CONTROLLER_INFOW* DomainControllerInfo``: a ref pointer to a unique one.
PPDOMAIN_CONTROLLER_INFOW: Final = Pointer(Pointer(DOMAIN_CONTROLLER_INFOW), "ref")

# 2.2.1.6.1 DOMAIN_NAME_BUFFER, 2.2.1.6.2 DS_DOMAIN_TRUSTSW, 2.2.1.6.3
# NETLOGON_TRUSTED_DOMAIN_ARRAY
DOMAIN_NAME_BUFFER: Final = Struct("DOMAIN_NAME_BUFFER", [
    ("DomainNameByteCount", uint32), ("DomainNames", Pointer(ConformantBytes()))])
DS_DOMAIN_TRUSTSW: Final = Struct("DS_DOMAIN_TRUSTSW", [
    ("NetbiosDomainName", WString), ("DnsDomainName", WString), ("Flags", uint32),
    ("ParentIndex", uint32), ("TrustType", uint32), ("TrustAttributes", uint32),
    ("DomainSid", PSid), ("DomainGuid", Guid)])
NETLOGON_TRUSTED_DOMAIN_ARRAY: Final = Struct("NETLOGON_TRUSTED_DOMAIN_ARRAY", [
    ("DomainCount", uint32), ("Domains", Pointer(ConformantArray(DS_DOMAIN_TRUSTSW)))])

# 2.2.1.7.1 NETLOGON_CONTROL_DATA_INFORMATION (the default arm is empty, as Samba's IDL has it,
# so NETLOGON_CONTROL_QUERY and unknown codes decode)
NETLOGON_CONTROL_DATA_INFORMATION: Final = Union(uint32, {
    NETLOGON_CONTROL_REDISCOVER: WString, NETLOGON_CONTROL_TC_QUERY: WString,
    NETLOGON_CONTROL_TRANSPORT_NOTIFY: WString, NETLOGON_CONTROL_CHANGE_PASSWORD: WString,
    NETLOGON_CONTROL_TC_VERIFY: WString, NETLOGON_CONTROL_FIND_USER: WString,
    NETLOGON_CONTROL_SET_DBFLAG: uint32}, default=None, name="NETLOGON_CONTROL_DATA_INFORMATION")

# 2.2.1.7.2-2.2.1.7.6 NETLOGON_INFO_1..4 and NETLOGON_CONTROL_QUERY_INFORMATION
NETLOGON_INFO_1: Final = Struct("NETLOGON_INFO_1", [
    ("netlog1_flags", uint32), ("netlog1_pdc_connection_status", uint32)])
NETLOGON_INFO_2: Final = Struct("NETLOGON_INFO_2", [
    ("netlog2_flags", uint32), ("netlog2_pdc_connection_status", uint32),
    ("netlog2_trusted_dc_name", WString), ("netlog2_tc_connection_status", uint32)])
NETLOGON_INFO_3: Final = Struct("NETLOGON_INFO_3", [
    ("netlog3_flags", uint32), ("netlog3_logon_attempts", uint32),
    *((f"netlog3_reserved{i}", uint32) for i in range(1, 6))])
NETLOGON_INFO_4: Final = Struct("NETLOGON_INFO_4", [
    ("netlog4_trusted_dc_name", WString), ("netlog4_trusted_domain_name", WString)])
NETLOGON_CONTROL_QUERY_INFORMATION: Final = Union(uint32, {
    1: Pointer(NETLOGON_INFO_1), 2: Pointer(NETLOGON_INFO_2), 3: Pointer(NETLOGON_INFO_3),
    4: Pointer(NETLOGON_INFO_4)}, default=None, name="NETLOGON_CONTROL_QUERY_INFORMATION")

#: NETLOGON_CAPABILITIES (2.2.1.1.6): ``[switch_is(QueryLevel)]``; level 1 the flags, 2 the
#: requested flags (MS-NRPC 3.5.4.4.10).
NETLOGON_CAPABILITIES: Final = Union(uint32, {1: uint32, 2: uint32}, default=None,
                                     name="NETLOGON_CAPABILITIES")

INTERFACE: Final = Interface(
    name="netlogon", uuid="12345678-1234-abcd-ef00-01234567cffb", version=(1, 0),
    pipes=("netlogon",), opnum_count=50, secondary_address="\\PIPE\\lsass",
    description="Netlogon Remote Protocol (MS-NRPC)")

#: Calls Windows implements and smbemu does not emulate: fault nca_op_rng_error (see the
#: module docstring: their [out] structures are not modelled).
NOT_EMULATED: Final = {
    0: "NetrLogonUasLogon", 1: "NetrLogonUasLogoff", 2: "NetrLogonSamLogon",
    3: "NetrLogonSamLogoff", 7: "NetrDatabaseDeltas", 8: "NetrDatabaseSync",
    9: "NetrAccountDeltas", 10: "NetrAccountSync", 16: "NetrDatabaseSync2",
    17: "NetrDatabaseRedo", 22: "NetrLogonSetServiceBits", 23: "NetrLogonGetTrustRid",
    24: "NetrLogonComputeServerDigest", 25: "NetrLogonComputeClientDigest",
    29: "NetrLogonGetDomainInfo", 32: "NetrLogonSendToSam", 33: "DsrAddressToSiteNamesW",
    35: "NetrLogonGetTimeServiceParentDomain", 37: "DsrAddressToSiteNamesExW",
    38: "DsrGetDcSiteCoverageW", 39: "NetrLogonSamLogonEx", 41: "DsrDeregisterDnsHostRecords",
    43: "DsrGetForestTrustInformation", 44: "NetrGetForestTrustInformation",
    45: "NetrLogonSamLogonWithFlags", 46: "NetrServerGetTrustInfo",
    48: "DsrUpdateReadOnlyServerDnsRecords", 49: "NetrChainSetClientAttributes",
}
#: MS-NRPC 3.5.4: not used on the wire: nca_op_rng_error.
NOT_USED_ON_WIRE: Final = {47: "Opnum47NotUsedOnWire"}
for _opnum, _name in {**NOT_EMULATED, **NOT_USED_ON_WIRE}.items():
    INTERFACE.not_implemented(_opnum, _name)


# -------------------------------------------------------------------------------------------
# Helpers: role, names, policy
# -------------------------------------------------------------------------------------------


def _is_dc(ctx: CallContext) -> bool:
    return bool(getattr(ctx.server.profile, "role", "member") == "dc")


def _version(ctx: CallContext) -> tuple[int, int]:
    version = getattr(ctx.server.profile.identity, "version", (5, 0))
    return int(version[0]), int(version[1])


def _machine_name(ctx: CallContext) -> str:
    return str(ctx.server.directory.machine.netbios_name).upper()


def _machine_dns(ctx: CallContext) -> str:
    return str(ctx.server.directory.machine.dns_name).lower()


def _domain(ctx: CallContext) -> Any:
    """The primary domain (``Directory.primary_domain``): the DC's own domain, the member's
    joined domain, or the standalone server's workgroup (no SID)."""
    return ctx.server.directory.primary_domain


def _has_domain(ctx: CallContext) -> bool:
    return _domain(ctx).sid is not None


def _names_domain(ctx: CallContext, name: str | None, flags: int = 0) -> bool:
    """Does ``name`` (NULL/empty = the primary domain) name the primary domain?  NetBIOS or DNS
    name, case-insensitively; DS_IS_FLAT_NAME / DS_IS_DNS_NAME restrict which form counts."""
    domain = _domain(ctx)
    if not name:
        return True
    given = name.rstrip(".").lower()
    flat_ok = not flags & DS_IS_DNS_NAME
    dns_ok = not flags & DS_IS_FLAT_NAME
    if flat_ok and given == str(domain.name).lower():
        return True
    return bool(dns_ok and domain.dns_name and given == str(domain.dns_name).lower())


def _native_mode(ctx: CallContext) -> bool:
    """Is the domain in native mode?  A domain created by Windows 2000 or 2003 starts in mixed
    mode (domain functional level "Windows 2000 mixed"); from Windows Server 2008 the default
    level is at least "Windows 2000 native" (U: the out-of-the-box dcpromo defaults)."""
    return _version(ctx) >= (6, 0)


def _session(ctx: CallContext) -> Any:
    sessions = getattr(ctx.server, "sessions", None) or {}
    return sessions.get(ctx.session_id)


def _dc_address(ctx: CallContext) -> str:
    """DomainControllerAddress: ``\\\\`` + the address at which *this caller* reaches the DC, i.e.
    the address its connection was accepted on (one process may serve several hosts);
    127.0.0.1 when there is no session (in-memory tests)."""
    session = _session(ctx)
    local = str(getattr(session, "server_address", "") or "") if session is not None else ""
    return "\\\\" + (local or "127.0.0.1")


# -------------------------------------------------------------------------------------------
# Secure channel: NetrServerReqChallenge (4), NetrServerAuthenticate / 2 / 3 (5, 15, 26)
# -------------------------------------------------------------------------------------------

#: How many outstanding challenges the server keeps (oldest dropped first).
MAX_CHALLENGES: Final = 4096
_CHALLENGES_KEY: Final = "netlogon.challenges"


def _challenges(ctx: CallContext) -> collections.OrderedDict[tuple[Any, ...], bytes]:
    cache = ctx.server.cache
    table = cache.get(_CHALLENGES_KEY)
    if table is None:
        table = cache[_CHALLENGES_KEY] = collections.OrderedDict()
    assert isinstance(table, collections.OrderedDict)
    return table


def _challenge_key(ctx: CallContext, computer_name: str) -> tuple[Any, ...]:
    """A challenge belongs to one association (its group id and the group's handle table: group
    ids are unique per server, the table tells apart endpoints that do not share the server's
    groups) and one ComputerName (MS-NRPC 3.5.4.4.1)."""
    return (ctx.session_id, ctx.assoc_group_id, id(ctx.handles), computer_name.upper())


@INTERFACE.operation(4, "NetrServerReqChallenge",
                     request=[("PrimaryName", LOGONSRV_HANDLE), ("ComputerName", WStringRef),
                              ("ClientChallenge", NETLOGON_CREDENTIAL)],
                     response=[("ServerChallenge", NETLOGON_CREDENTIAL)], returns="NTSTATUS")
def NetrServerReqChallenge(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.4.1: a random 8-byte server challenge, kept (with the client's) for this
    association and ComputerName until an authenticate call uses it."""
    status = ctx.decide("NetrServerReqChallenge").status
    if status:
        return {"ServerChallenge": bytes(8), "ReturnValue": status}
    challenge = os.urandom(8)
    table = _challenges(ctx)
    key = _challenge_key(ctx, request["ComputerName"])
    table.pop(key, None)
    table[key] = challenge
    while len(table) > MAX_CHALLENGES:
        table.popitem(last=False)
    return {"ServerChallenge": challenge, "ReturnValue": STATUS_SUCCESS}


#: Account types that may hold a secure channel (MS-NRPC 3.5.4.4.2: workstation, server and
#: interdomain trust accounts).
_TRUST_ACCOUNT_TYPES: Final = frozenset({"workstation", "server", "interdomain"})


def _authenticate(ctx: CallContext, request: dict[str, Any], operation: str) -> int:
    """The status of every NetrServerAuthenticate* call (see the module docstring)."""
    status = ctx.decide(operation).status
    if status:
        return status
    key = _challenge_key(ctx, request["ComputerName"])
    if _challenges(ctx).pop(key, None) is None:
        # no challenge for this client on this association
        return ctx.deny("server challenge (MS-NRPC 3.5.4.4.2)",
                        "authenticates without a server challenge on this association").status
    user = ctx.server.directory.find_user(request["AccountName"])
    if user is None or user.account_type not in _TRUST_ACCOUNT_TYPES:
        return STATUS_NO_TRUST_SAM_ACCOUNT
    # The account exists, but the fixture holds no machine secret: no credential can match.
    return ctx.deny("machine credential (MS-NRPC 3.5.4.4.2)",
                    "presents a credential no machine secret of the fixture can match").status


_AUTH_IN: Final = [("PrimaryName", LOGONSRV_HANDLE), ("AccountName", WStringRef),
                   ("SecureChannelType", NETLOGON_SECURE_CHANNEL_TYPE),
                   ("ComputerName", WStringRef), ("ClientCredential", NETLOGON_CREDENTIAL)]


@INTERFACE.operation(5, "NetrServerAuthenticate", request=_AUTH_IN,
                     response=[("ServerCredential", NETLOGON_CREDENTIAL)], returns="NTSTATUS")
def NetrServerAuthenticate(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.4.4: never succeeds here (no machine secrets)."""
    return {"ServerCredential": bytes(8),
            "ReturnValue": _authenticate(ctx, request, "NetrServerAuthenticate")}


@INTERFACE.operation(15, "NetrServerAuthenticate2",
                     request=[*_AUTH_IN, ("NegotiateFlags", uint32)],
                     response=[("ServerCredential", NETLOGON_CREDENTIAL),
                               ("NegotiateFlags", uint32)], returns="NTSTATUS")
def NetrServerAuthenticate2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.4.3: never succeeds here; NegotiateFlags answered 0 on failure (U)."""
    return {"ServerCredential": bytes(8), "NegotiateFlags": 0,
            "ReturnValue": _authenticate(ctx, request, "NetrServerAuthenticate2")}


@INTERFACE.operation(26, "NetrServerAuthenticate3",
                     request=[*_AUTH_IN, ("NegotiateFlags", uint32)],
                     response=[("ServerCredential", NETLOGON_CREDENTIAL),
                               ("NegotiateFlags", uint32), ("AccountRid", uint32)],
                     returns="NTSTATUS")
def NetrServerAuthenticate3(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.4.2: never succeeds here; NegotiateFlags and AccountRid 0 (U)."""
    return {"ServerCredential": bytes(8), "NegotiateFlags": 0, "AccountRid": 0,
            "ReturnValue": _authenticate(ctx, request, "NetrServerAuthenticate3")}


# Calls that need an established secure channel: there never is one, so the client's
# authenticator cannot be verified -> STATUS_ACCESS_DENIED (MS-NRPC 3.1.4.5 / 3.5.4.4.5).  The
# [in] parameters are not decoded (the answer does not depend on them; trailing stub bytes are
# ignored by smbemu.rpc.ndr) except where an [out] union needs the level.
_ZERO_AUTHENTICATOR: Final = {"Credential": bytes(8), "Timestamp": 0}


def _no_secure_channel(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    out = op.error_response(ctx.decide().status or ctx.deny(
        "secure channel (MS-NRPC 3.1.4.5)", "has no secure channel to verify its authenticator").status)
    out["ReturnAuthenticator"] = _ZERO_AUTHENTICATOR
    if "ServerCapabilities" in out:
        out["ServerCapabilities"] = (request["QueryLevel"], 0)
    return out


_SECURE_CHANNEL_OPS: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]],
                                       Sequence[tuple[str, NdrType]]], ...]] = (
    (6, "NetrServerPasswordSet", (), [("ReturnAuthenticator", NETLOGON_AUTHENTICATOR)]),
    (21, "NetrLogonGetCapabilities",
     [("ServerName", WStringRef), ("ComputerName", WString),
      ("Authenticator", NETLOGON_AUTHENTICATOR),
      ("ReturnAuthenticator", NETLOGON_AUTHENTICATOR), ("QueryLevel", uint32)],
     [("ReturnAuthenticator", NETLOGON_AUTHENTICATOR),
      ("ServerCapabilities", NETLOGON_CAPABILITIES)]),
    (30, "NetrServerPasswordSet2", (), [("ReturnAuthenticator", NETLOGON_AUTHENTICATOR)]),
    (31, "NetrServerPasswordGet", (),
     [("ReturnAuthenticator", NETLOGON_AUTHENTICATOR),
      ("EncryptedNtOwfPassword", ENCRYPTED_NT_OWF_PASSWORD)]),
    (42, "NetrServerTrustPasswordsGet", (),
     [("ReturnAuthenticator", NETLOGON_AUTHENTICATOR),
      ("EncryptedNewOwfPassword", ENCRYPTED_NT_OWF_PASSWORD),
      ("EncryptedOldOwfPassword", ENCRYPTED_NT_OWF_PASSWORD)]),
)
for _opnum, _name, _in, _out in _SECURE_CHANNEL_OPS:
    INTERFACE.operation(_opnum, _name, request=_in, response=_out,
                        returns="NTSTATUS")(_no_secure_channel)


# -------------------------------------------------------------------------------------------
# NetrLogonControl (12), NetrLogonControl2 (14), NetrLogonControl2Ex (18)
# -------------------------------------------------------------------------------------------


def _secure_channel_state(ctx: CallContext) -> tuple[int, str | None, int]:
    """(netlog*_flags, trusted DC name, connection status) of the secure channel to the primary
    domain.  A DC (the PDC of a single-DC domain) is its own "trusted DC": it has an IP address
    and runs W32Time.  A member has no DC to reach in the emulation: no DC name,
    ERROR_NO_LOGON_SERVERS, which is what a member whose DC is unreachable reports (U)."""
    if _is_dc(ctx):
        return NETLOGON_HAS_IP | NETLOGON_HAS_TIMESERV, "\\\\" + _machine_name(ctx), NERR_SUCCESS
    return 0, None, ERROR_NO_LOGON_SERVERS


def _query_info(ctx: CallContext, level: int, domain: str | None) -> dict[str, Any]:
    """The NETLOGON_INFO_<level> of a query (function code QUERY or TC_QUERY)."""
    flags, dc_name, status = _secure_channel_state(ctx)
    if level == 1:
        # No replication flags (A-D): NT4-style replication is not emulated; the PDC status is
        # the status of the secure channel (NERR_Success on a DC: it is the PDC).
        return {"netlog1_flags": 0, "netlog1_pdc_connection_status": status}
    if level == 2:
        return {"netlog2_flags": flags, "netlog2_pdc_connection_status": status,
                "netlog2_trusted_dc_name": dc_name, "netlog2_tc_connection_status": status}
    if level == 3:
        # netlog3_logon_attempts: pass-through logons handled by the service; smbemu emulates
        # none (NetrLogonSamLogon* fault), so 0.
        return {"netlog3_flags": 0, "netlog3_logon_attempts": 0,
                **{f"netlog3_reserved{i}": 0 for i in range(1, 6)}}
    return {"netlog4_trusted_dc_name": dc_name,
            "netlog4_trusted_domain_name": domain or str(_domain(ctx).name)}


def _logon_control(ctx: CallContext, request: dict[str, Any], operation: str,
                   levels: Mapping[int, int]) -> dict[str, Any]:
    """The shared processing of the three NetrLogonControl methods.

    ``levels`` maps each QueryLevel the method refuses to its status; other levels outside
    1-4 are ERROR_INVALID_LEVEL.
    """
    level = request["QueryLevel"]
    code = request["FunctionCode"]
    data = request.get("Data")
    refused = {"Buffer": (level, None)}
    if level in levels:
        return {**refused, "ReturnValue": levels[level]}
    if level not in (1, 2, 3, 4):
        return {**refused, "ReturnValue": ERROR_INVALID_LEVEL}
    status = ctx.decide(operation, level).status
    if status:
        return {**refused, "ReturnValue": status}
    domain: str | None = None
    if code == NETLOGON_CONTROL_QUERY:
        pass
    elif code == NETLOGON_CONTROL_TC_QUERY:
        # MS-NRPC 3.5.4.9.1: the status of the secure channel to the domain named in Data.
        domain = data[1] if isinstance(data, tuple) and data[0] == code else None
        if not domain:
            return {**refused, "ReturnValue": ERROR_INVALID_PARAMETER}
        if not _has_domain(ctx) or not _names_domain(ctx, domain):
            return {**refused, "ReturnValue": ERROR_NO_SUCH_DOMAIN}
    elif code == NETLOGON_CONTROL_QUERY_DNS_REG:
        # Only DCs register DNS records; level 1 only (MS-NRPC 3.5.4.9.1).
        if not _is_dc(ctx):
            return {**refused, "ReturnValue": ERROR_NOT_SUPPORTED}
        if level != 1:
            return {**refused, "ReturnValue": ERROR_INVALID_PARAMETER}
        return {"Buffer": (1, {"netlog1_flags": 0, "netlog1_pdc_connection_status": 0}),
                "ReturnValue": NERR_SUCCESS}
    elif code in CONTROL_CODES:
        # NETLOGON_CONTROL_ACCESS: administrators (and operators) only on Windows; refused to
        # every caller here, the emulated service being read-only.
        return {**refused,
                "ReturnValue": ctx.deny(f"{operation} function code {code:#x} (read-only emulation)",
                                        "may not change the emulated service (read-only)").status}
    else:
        return {**refused, "ReturnValue": ERROR_NOT_SUPPORTED}
    return {"Buffer": (level, _query_info(ctx, level, domain)), "ReturnValue": NERR_SUCCESS}


_CONTROL_IN: Final = [("ServerName", LOGONSRV_HANDLE), ("FunctionCode", uint32),
                      ("QueryLevel", uint32)]
_CONTROL_OUT: Final = [("Buffer", NETLOGON_CONTROL_QUERY_INFORMATION)]


@INTERFACE.operation(12, "NetrLogonControl", request=_CONTROL_IN, response=_CONTROL_OUT,
                     returns="WERROR")
def NetrLogonControl(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.9.3: level 1 only (2 -> ERROR_NOT_SUPPORTED, more -> ERROR_INVALID_LEVEL);
    no Data."""
    refuse = {2: ERROR_NOT_SUPPORTED, 3: ERROR_INVALID_LEVEL, 4: ERROR_INVALID_LEVEL}
    return _logon_control(ctx, request, "NetrLogonControl", refuse)


@INTERFACE.operation(14, "NetrLogonControl2",
                     request=[*_CONTROL_IN, ("Data", NETLOGON_CONTROL_DATA_INFORMATION)],
                     response=_CONTROL_OUT, returns="WERROR")
def NetrLogonControl2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.9.2: as NetrLogonControl2Ex, level 4 -> ERROR_INVALID_LEVEL."""
    return _logon_control(ctx, request, "NetrLogonControl2", {4: ERROR_INVALID_LEVEL})


@INTERFACE.operation(18, "NetrLogonControl2Ex",
                     request=[*_CONTROL_IN, ("Data", NETLOGON_CONTROL_DATA_INFORMATION)],
                     response=_CONTROL_OUT, returns="WERROR")
def NetrLogonControl2Ex(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.9.1: levels 1-4 of the query function codes."""
    return _logon_control(ctx, request, "NetrLogonControl2Ex", {})


# -------------------------------------------------------------------------------------------
# DC location: NetrGetDCName (11), NetrGetAnyDCName (13), DsrGetDcName (20) / Ex (27) /
# Ex2 (34), DsrGetSiteName (28)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(11, "NetrGetDCName",
                     request=[("ServerName", WStringRef), ("DomainName", WString)],
                     response=[("Buffer", Pointer(WString, "ref"))], returns="WERROR")
def NetrGetDCName(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.3.4: the PDC of the domain, ``\\\\NAME``.  A DC answers itself for its own
    domain; for any other domain, and on a member (whose DC the emulation does not have),
    NERR_DCNotFound (2453), as NetGetDCName documents when the PDC cannot be found."""
    status = ctx.decide("NetrGetDCName").status
    if status:
        return {"Buffer": None, "ReturnValue": status}
    if _is_dc(ctx) and _names_domain(ctx, request["DomainName"]):
        return {"Buffer": "\\\\" + _machine_name(ctx), "ReturnValue": NERR_SUCCESS}
    return {"Buffer": None, "ReturnValue": NERR_DC_NOT_FOUND}


@INTERFACE.operation(13, "NetrGetAnyDCName",
                     request=[("ServerName", LOGONSRV_HANDLE), ("DomainName", WString)],
                     response=[("Buffer", Pointer(WString, "ref"))], returns="WERROR")
def NetrGetAnyDCName(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.3.5: any DC of a (trusted) domain, ``\\\\NAME``.  A DC answers itself for
    its own domain; a domain that is neither the primary one nor trusted is
    ERROR_NO_SUCH_DOMAIN; a member's own domain has no reachable DC: ERROR_NO_LOGON_SERVERS."""
    status = ctx.decide("NetrGetAnyDCName").status
    if status:
        return {"Buffer": None, "ReturnValue": status}
    if not _has_domain(ctx) or not _names_domain(ctx, request["DomainName"]):
        return {"Buffer": None, "ReturnValue": ERROR_NO_SUCH_DOMAIN}
    if _is_dc(ctx):
        return {"Buffer": "\\\\" + _machine_name(ctx), "ReturnValue": NERR_SUCCESS}
    return {"Buffer": None, "ReturnValue": ERROR_NO_LOGON_SERVERS}


def _dc_flags(ctx: CallContext) -> int:
    """DOMAIN_CONTROLLER_INFOW Flags of the emulated DC: the first DC of the forest holds every
    role (PDC emulator, global catalog, KDC, authoritative time source: GTIMESERV), is
    writable and in the caller's site (the location runs on the DC itself), plus the bits each
    release added (MS-NRPC 2.2.1.2.1): FULL_SECRET_DOMAIN_6 from 2008, WS (AD Web Services)
    from 2008 R2, DS_8 / DS_9 / DS_10 from 2012 / 2012 R2 / 2016.  What ``nltest /dsgetdc``
    prints for such DCs (W)."""
    flags = (DS_PDC_FLAG | DS_GC_FLAG | DS_LDAP_FLAG | DS_DS_FLAG | DS_KDC_FLAG
             | DS_TIMESERV_FLAG | DS_CLOSEST_FLAG | DS_WRITABLE_FLAG | DS_GOOD_TIMESERV_FLAG)
    version = _version(ctx)
    for since, bit in (((6, 0), DS_FULL_SECRET_DOMAIN_6_FLAG), ((6, 1), DS_WS_FLAG),
                       ((6, 2), DS_DS_8_FLAG), ((6, 3), DS_DS_9_FLAG),
                       ((10, 0), DS_DS_10_FLAG)):
        if version >= since:
            flags |= bit
    return flags


def _dc_info(ctx: CallContext, request: dict[str, Any]) -> tuple[dict[str, Any] | None, int]:
    """DsGetDcName processing (MS-NRPC 3.5.4.3.1) for the three DsrGetDcName* methods."""
    flags = request["Flags"]
    valid = DS_VALID_REQUEST_FLAGS
    for since, bit in DS_REQUEST_FLAGS_SINCE:
        if _version(ctx) >= since:
            valid |= bit
    if flags & ~valid or (flags & DS_RETURN_DNS_NAME and flags & DS_RETURN_FLAT_NAME):
        return None, ERROR_INVALID_FLAGS
    if flags & DS_IS_FLAT_NAME and flags & DS_IS_DNS_NAME:
        return None, ERROR_INVALID_FLAGS
    if not _is_dc(ctx) or not _has_domain(ctx):
        # A member would ask the DC locator for a DC of its domain; there is none to find.
        return None, ERROR_NO_SUCH_DOMAIN
    domain = _domain(ctx)
    guid = request.get("DomainGuid")
    by_guid = guid is not None and guid.int != 0 and guid == domain.guid
    if not (by_guid or _names_domain(ctx, request["DomainName"], flags)):
        return None, ERROR_NO_SUCH_DOMAIN
    if flags & DS_AVOID_SELF:
        return None, ERROR_NO_SUCH_DOMAIN  # the only DC of the domain is this one
    account = request.get("AccountName")
    if account and ctx.server.directory.find_user(account) is None:
        # DsrGetDcNameEx2: the DC must hold the account (MS-NRPC 3.5.4.3.1) (U: the status).
        return None, ERROR_NO_SUCH_USER
    answer = _dc_flags(ctx)
    site = request.get("SiteName")
    client_site: str | None = DEFAULT_SITE
    if site and site.lower() != DEFAULT_SITE.lower():
        answer &= ~DS_CLOSEST_FLAG
        client_site = site
    if flags & DS_RETURN_FLAT_NAME:
        dc_name, domain_name = _machine_name(ctx), str(domain.name)
    else:
        # DNS names unless flat ones are asked for: an Active Directory DC has them.
        dc_name, domain_name = _machine_dns(ctx), str(domain.dns_name)
        answer |= DS_DNS_CONTROLLER_FLAG | DS_DNS_DOMAIN_FLAG | DS_DNS_FOREST_FLAG
    return {
        "DomainControllerName": "\\\\" + dc_name,
        "DomainControllerAddress": _dc_address(ctx),
        "DomainControllerAddressType": DS_INET_ADDRESS,
        "DomainGuid": domain.guid or uuid.UUID(int=0),
        "DomainName": domain_name,
        "DnsForestName": str(domain.forest_dns_name or domain.dns_name),
        "Flags": answer,
        "DcSiteName": DEFAULT_SITE,
        "ClientSiteName": client_site,
    }, NERR_SUCCESS


def _get_dc(ctx: CallContext, request: dict[str, Any], operation: str) -> dict[str, Any]:
    status = ctx.decide(operation).status
    if status:
        return {"DomainControllerInfo": None, "ReturnValue": status}
    info, status = _dc_info(ctx, request)
    return {"DomainControllerInfo": info, "ReturnValue": status}


_DC_OUT: Final = [("DomainControllerInfo", PPDOMAIN_CONTROLLER_INFOW)]


@INTERFACE.operation(20, "DsrGetDcName",
                     request=[("ComputerName", LOGONSRV_HANDLE), ("DomainName", WString),
                              ("DomainGuid", Pointer(Guid)), ("SiteGuid", Pointer(Guid)),
                              ("Flags", uint32)],
                     response=_DC_OUT, returns="WERROR")
def DsrGetDcName(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.3.3 (SiteGuid is ignored, as Windows does)."""
    return _get_dc(ctx, request, "DsrGetDcName")


@INTERFACE.operation(27, "DsrGetDcNameEx",
                     request=[("ComputerName", LOGONSRV_HANDLE), ("DomainName", WString),
                              ("DomainGuid", Pointer(Guid)), ("SiteName", WString),
                              ("Flags", uint32)],
                     response=_DC_OUT, returns="WERROR")
def DsrGetDcNameEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.3.2."""
    return _get_dc(ctx, request, "DsrGetDcNameEx")


@INTERFACE.operation(34, "DsrGetDcNameEx2",
                     request=[("ComputerName", LOGONSRV_HANDLE), ("AccountName", WString),
                              ("AllowableAccountControlBits", uint32),
                              ("DomainName", WString), ("DomainGuid", Pointer(Guid)),
                              ("SiteName", WString), ("Flags", uint32)],
                     response=_DC_OUT, returns="WERROR")
def DsrGetDcNameEx2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.3.1."""
    return _get_dc(ctx, request, "DsrGetDcNameEx2")


@INTERFACE.operation(28, "DsrGetSiteName", request=[("ComputerName", LOGONSRV_HANDLE)],
                     response=[("SiteName", Pointer(WString, "ref"))], returns="WERROR")
def DsrGetSiteName(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.3.6: the DC's site; a member or standalone server has no site of its own
    in the emulation (no DC to tell it): ERROR_NO_SITENAME (1919)."""
    status = ctx.decide("DsrGetSiteName").status
    if status:
        return {"SiteName": None, "ReturnValue": status}
    if _is_dc(ctx):
        return {"SiteName": DEFAULT_SITE, "ReturnValue": NERR_SUCCESS}
    return {"SiteName": None, "ReturnValue": ERROR_NO_SITENAME}


# -------------------------------------------------------------------------------------------
# Trusts: NetrEnumerateTrustedDomains (19), NetrEnumerateTrustedDomainsEx (36),
# DsrEnumerateDomainTrusts (40)
# -------------------------------------------------------------------------------------------


def _trusts(ctx: CallContext) -> list[dict[str, Any]]:
    """Every DS_DOMAIN_TRUSTSW the server knows: the primary domain (a DC's own domain, the
    forest root; a member's joined domain, to which it has a direct outbound trust), then the
    fixture's trusts (the fixture format declares none yet).  A standalone server has none."""
    if not _has_domain(ctx):
        return []
    domain = _domain(ctx)
    flags = DS_DOMAIN_IN_FOREST | DS_DOMAIN_TREE_ROOT | DS_DOMAIN_PRIMARY
    if not _is_dc(ctx):
        flags |= DS_DOMAIN_DIRECT_OUTBOUND
    if _native_mode(ctx):
        flags |= DS_DOMAIN_NATIVE_MODE
    return [{"NetbiosDomainName": str(domain.name), "DnsDomainName": domain.dns_name,
             "Flags": flags, "ParentIndex": 0, "TrustType": TRUST_TYPE_UPLEVEL,
             "TrustAttributes": 0, "DomainSid": str(domain.sid),
             "DomainGuid": domain.guid or uuid.UUID(int=0)}]


def _trust_array(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"DomainCount": len(entries), "Domains": entries}


#: MS-NRPC 3.5.4.7.2: NetrEnumerateTrustedDomainsEx is DsrEnumerateDomainTrusts with these.
_EX_FLAGS: Final = DS_DOMAIN_IN_FOREST | DS_DOMAIN_DIRECT_OUTBOUND
#: DsrEnumerateDomainTrusts Flags: the six DS_DOMAIN_* bits (MS-NRPC 3.5.4.7.1).
_VALID_TRUST_FLAGS: Final = 0x3F


@INTERFACE.operation(19, "NetrEnumerateTrustedDomains",
                     request=[("ServerName", LOGONSRV_HANDLE)],
                     response=[("DomainNameBuffer", DOMAIN_NAME_BUFFER)], returns="NTSTATUS")
def NetrEnumerateTrustedDomains(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.7.3: the NetBIOS names of NetrEnumerateTrustedDomainsEx's domains, as a
    UTF-16 MULTI_SZ (each name NUL-terminated, one more NUL at the end)."""
    status = ctx.decide("NetrEnumerateTrustedDomains").status
    if status:
        return {"DomainNameBuffer": {"DomainNameByteCount": 0, "DomainNames": None},
                "ReturnValue": status}
    names = [t["NetbiosDomainName"] for t in _trusts(ctx) if t["Flags"] & _EX_FLAGS]
    blob = "".join(n + "\0" for n in names).encode("utf-16-le") + b"\0\0"
    return {"DomainNameBuffer": {"DomainNameByteCount": len(blob), "DomainNames": blob},
            "ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(36, "NetrEnumerateTrustedDomainsEx",
                     request=[("ServerName", LOGONSRV_HANDLE)],
                     response=[("Domains", NETLOGON_TRUSTED_DOMAIN_ARRAY)], returns="WERROR")
def NetrEnumerateTrustedDomainsEx(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.7.2: DsrEnumerateDomainTrusts(IN_FOREST | DIRECT_OUTBOUND)."""
    status = ctx.decide("NetrEnumerateTrustedDomainsEx").status
    if status:
        return {"Domains": _trust_array([]), "ReturnValue": status}
    entries = [t for t in _trusts(ctx) if t["Flags"] & _EX_FLAGS]
    return {"Domains": _trust_array(entries), "ReturnValue": NERR_SUCCESS}


@INTERFACE.operation(40, "DsrEnumerateDomainTrusts",
                     request=[("ServerName", LOGONSRV_HANDLE), ("Flags", uint32)],
                     response=[("Domains", NETLOGON_TRUSTED_DOMAIN_ARRAY)], returns="WERROR")
def DsrEnumerateDomainTrusts(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.7.1: the trusts with at least one of the requested DS_DOMAIN_* bits;
    other bits (or none) -> ERROR_INVALID_FLAGS."""
    status = ctx.decide("DsrEnumerateDomainTrusts").status
    if status:
        return {"Domains": _trust_array([]), "ReturnValue": status}
    flags = request["Flags"]
    if not flags or flags & ~_VALID_TRUST_FLAGS:
        return {"Domains": _trust_array([]), "ReturnValue": ERROR_INVALID_FLAGS}
    entries = [t for t in _trusts(ctx) if t["Flags"] & flags]
    return {"Domains": _trust_array(entries), "ReturnValue": NERR_SUCCESS}


__all__ = ["INTERFACE", "NOT_EMULATED", "NOT_USED_ON_WIRE", "DOMAIN_CONTROLLER_INFOW",
           "NETLOGON_CONTROL_QUERY_INFORMATION", "NETLOGON_TRUSTED_DOMAIN_ARRAY",
           "DEFAULT_SITE"]
