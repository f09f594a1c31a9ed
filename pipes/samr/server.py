"""samr server and domain objects: SamrConnect* (MS-SAMR 3.1.5.1.1-3.1.5.1.5), SamrCloseHandle
(3.1.5.13.1), SamrLookupDomainInSamServer (3.1.5.11.1), SamrOpenDomain and
SamrQueryInformationDomain / 2 (3.1.5.5.1, 3.1.5.5.2)."""

from __future__ import annotations

from typing import Any, Final

from smbemu.policy.access import DOMAIN_CREATE_USER, MAXIMUM_ALLOWED, SAM_SERVER_LOOKUP_DOMAIN
from smbemu.rpc import CallContext, ndr
from smbemu.rpc.ndr import Pointer, PSid, RpcUnicodeString, Sid, WString, uint16, uint32
from smbemu.status import (
    STATUS_ACCESS_DENIED,
    STATUS_INVALID_INFO_CLASS,
    STATUS_INVALID_PARAMETER,
    STATUS_NO_SUCH_DOMAIN,
    STATUS_NOT_IMPLEMENTED,
    STATUS_SUCCESS,
)

from .objects import (
    DOMAIN,
    INTERFACE,
    SERVER,
    USER,
    SamObject,
    directory_of,
    error_response,
    lookup_handle,
    old_large_int,
    sam_domains,
)
from .types import (
    DELTA_NEVER,
    DOMAIN_CLASS_ACCESS,
    DOMAIN_SERVER_ENABLED,
    DOMAIN_SERVER_ROLE_PRIMARY,
    SAM_REVISION,
    SAMPR_DOMAIN_INFO_BUFFER,
    SAMPR_HANDLE,
    SAMPR_REVISION_INFO,
    TICKS_PER_DAY,
    TICKS_PER_MINUTE,
    USER_WORKSTATION_TRUST_ACCOUNT,
)


def _delta(amount: int, unit: int) -> int:
    """A negative relative time (MS-SAMR 2.2.4.5: "delta"), DELTA_NEVER for 0."""
    return -amount * unit if amount else DELTA_NEVER


def _domain_name(ctx: CallContext, domain: Any) -> str:
    return "Builtin" if domain is directory_of(ctx).builtin_domain else str(domain.name)


# -------------------------------------------------------------------------------------------
# Connect (0, 57, 62, 64) and CloseHandle (1)
# -------------------------------------------------------------------------------------------


def _connect(ctx: CallContext, operation: str, desired: int) -> tuple[bytes, int]:
    status = ctx.decide(operation, access=desired).status
    if status:
        return bytes(20), status
    granted = ctx.grant(SERVER, desired)
    if granted is None:
        return bytes(20), STATUS_ACCESS_DENIED
    return ctx.handles.create(SERVER.kind, SamObject(), granted), STATUS_SUCCESS


@INTERFACE.operation(0, "SamrConnect",
                     request=[("ServerName", Pointer(ndr.wchar)), ("DesiredAccess", uint32)],
                     response=[("ServerHandle", SAMPR_HANDLE)])
def SamrConnect(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.1.4: a server handle (ServerName, a single character, is ignored)."""
    handle, status = _connect(ctx, "SamrConnect", request["DesiredAccess"])
    return {"ServerHandle": handle, "ReturnValue": status}


@INTERFACE.operation(57, "SamrConnect2",
                     request=[("ServerName", WString), ("DesiredAccess", uint32)],
                     response=[("ServerHandle", SAMPR_HANDLE)])
def SamrConnect2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.1.3."""
    handle, status = _connect(ctx, "SamrConnect2", request["DesiredAccess"])
    return {"ServerHandle": handle, "ReturnValue": status}


@INTERFACE.operation(61, "SamrConnect3",
                     request=[("ServerName", WString), ("Unused", uint32),
                              ("DesiredAccess", uint32)],
                     response=[("ServerHandle", SAMPR_HANDLE)])
def SamrConnect3(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5 names opnum 61 Opnum61NotUsedOnWire, yet Windows dispatches it: SamrConnect3
    of Windows 2000 (Samba's samr.idl: system_name, an unused ULONG, access_mask), answered as
    SamrConnect2 (Samba's torture rpc.samr, written against Windows, requires it to succeed).
    The policy decides it as SamrConnect2, the same call without the unused parameter."""
    handle, status = _connect(ctx, "SamrConnect2", request["DesiredAccess"])
    return {"ServerHandle": handle, "ReturnValue": status}


@INTERFACE.operation(62, "SamrConnect4",
                     request=[("ServerName", WString), ("ClientRevision", uint32),
                              ("DesiredAccess", uint32)],
                     response=[("ServerHandle", SAMPR_HANDLE)])
def SamrConnect4(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.1.2 (ClientRevision is ignored)."""
    handle, status = _connect(ctx, "SamrConnect4", request["DesiredAccess"])
    return {"ServerHandle": handle, "ReturnValue": status}


#: SAMPR_REVISION_INFO_V1.SupportedFeatures (MS-SAMR 2.2.7.15; SamrConnect5 3.1.5.1.1 returns it):
#: 0x00000010 tells the client to encrypt password buffers with AES (SAMPR_ENCRYPTED_PASSWORD_AES,
#: 2.2.6.32; Samba 4.17's samr.idl: SAMR_CONNECT_FEATURE_USE_AES), the scheme Windows Server 2022
#: (build 20348) brought with SamrUnicodeChangePasswordUser4 (3.1.5.10.4). Issue 13 compared public
#: captures: 2022 answers a non-zero value, the releases before it 0; 0x10 is the one defined bit
#: that came with 2022 (U: the exact value is inferred, the other bits -- 0x1 RID-only, 0x2 and
#: 0x4 reserved -- are taken as unset). Opnum 73 is answered from the same build on
#: (password_change4.py).
SUPPORTS_AES_PASSWORDS: Final = 0x00000010
AES_PASSWORDS_SINCE_BUILD: Final = 20348


def supported_features(ctx: CallContext) -> int:
    """SamrConnect5's SupportedFeatures for the profile's Windows build."""
    build = ctx.server.profile.identity.build
    return SUPPORTS_AES_PASSWORDS if build >= AES_PASSWORDS_SINCE_BUILD else 0


@INTERFACE.operation(64, "SamrConnect5",
                     request=[("ServerName", WString), ("DesiredAccess", uint32),
                              ("InVersion", uint32), ("InRevisionInfo", SAMPR_REVISION_INFO)],
                     response=[("OutVersion", uint32), ("OutRevisionInfo", SAMPR_REVISION_INFO),
                               ("ServerHandle", SAMPR_HANDLE)])
def SamrConnect5(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.1.1: InVersion must be 1 (else STATUS_NOT_SUPPORTED... the spec says
    "return an error"; STATUS_INVALID_PARAMETER here, U); OutRevisionInfo V1 = {3,
    `supported_features`}."""
    revision = {"OutVersion": 1,
                "OutRevisionInfo": (1, {"Revision": SAM_REVISION,
                                        "SupportedFeatures": supported_features(ctx)})}
    if request["InVersion"] != 1:
        return {**revision, "ServerHandle": bytes(20), "ReturnValue": STATUS_INVALID_PARAMETER}
    handle, status = _connect(ctx, "SamrConnect5", request["DesiredAccess"])
    return {**revision, "ServerHandle": handle, "ReturnValue": status}


@INTERFACE.operation(1, "SamrCloseHandle", request=[("SamHandle", SAMPR_HANDLE)],
                     response=[("SamHandle", SAMPR_HANDLE)])
def SamrCloseHandle(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.13.1: the handle is released and returned zeroed."""
    handle = request["SamHandle"]
    # a stale, foreign or lsarpc handle: the runtime's context mismatch fault (objects.py)
    ctx.handles.issued(handle, "samr")
    ctx.handles.close(handle)
    return {"SamHandle": bytes(20), "ReturnValue": STATUS_SUCCESS}


# -------------------------------------------------------------------------------------------
# Domains: Lookup (5), Open (7), QueryInformation (8, 46)
# -------------------------------------------------------------------------------------------


@INTERFACE.operation(5, "SamrLookupDomainInSamServer",
                     request=[("ServerHandle", SAMPR_HANDLE), ("Name", RpcUnicodeString)],
                     response=[("DomainId", PSid)])
def SamrLookupDomainInSamServer(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.11.1: SAM_SERVER_LOOKUP_DOMAIN; the name is compared case-insensitively."""
    entry, status = lookup_handle(ctx, request["ServerHandle"], (SERVER.kind,),
                                  SAM_SERVER_LOOKUP_DOMAIN)
    if entry is None:
        return error_response(ctx, status)
    status = ctx.decide("SamrLookupDomainInSamServer").status
    if status:
        return error_response(ctx, status)
    if not request["Name"]:
        # A NULL or empty name is a bad parameter, not an unknown domain: MS-SAMR 3.1.5.11.1 only
        # says "an error"; Windows answers STATUS_INVALID_PARAMETER, which Samba's smbtorture
        # rpc.samr (written against Windows) expects before the rest of its SAMR coverage runs.
        return error_response(ctx, STATUS_INVALID_PARAMETER)
    wanted = request["Name"].lower()
    for name, domain in sam_domains(ctx):
        if name.lower() == wanted:
            return {"DomainId": str(domain.sid), "ReturnValue": STATUS_SUCCESS}
    return error_response(ctx, STATUS_NO_SUCH_DOMAIN)


@INTERFACE.operation(7, "SamrOpenDomain",
                     request=[("ServerHandle", SAMPR_HANDLE), ("DesiredAccess", uint32),
                              ("DomainId", Sid)],
                     response=[("DomainHandle", SAMPR_HANDLE)])
def SamrOpenDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.1.5: SAM_SERVER_LOOKUP_DOMAIN on the server handle; STATUS_NO_SUCH_DOMAIN
    for a SID that is neither the account domain nor Builtin."""
    entry, status = lookup_handle(ctx, request["ServerHandle"], (SERVER.kind,),
                                  SAM_SERVER_LOOKUP_DOMAIN)
    if entry is None:
        return error_response(ctx, status)
    desired = request["DesiredAccess"]
    status = ctx.decide("SamrOpenDomain", access=desired).status
    if status:
        return error_response(ctx, status)
    for _, domain in sam_domains(ctx):
        if str(domain.sid) == request["DomainId"]:
            break
    else:
        return error_response(ctx, STATUS_NO_SUCH_DOMAIN)
    machine_only = False
    extra = 0
    if desired & DOMAIN_CREATE_USER and domain is directory_of(ctx).account_domain \
            and not (ctx.grant(DOMAIN, MAXIMUM_ALLOWED) or 0) & DOMAIN_CREATE_USER:
        # DOMAIN_CREATE_USER asked for and not held: SeMachineAccountPrivilege grants it, for
        # computer accounts only (MS-SAMR 3.1.5.4.4, the machine-account rule; U: only when asked
        # for by name, not through MAXIMUM_ALLOWED)
        if ctx.decide("SamrCreateUser2InDomain", USER_WORKSTATION_TRUST_ACCOUNT).allowed:
            machine_only, extra = True, DOMAIN_CREATE_USER
    granted = ctx.grant(DOMAIN, desired, extra=extra)
    if granted is None:
        return error_response(ctx, STATUS_ACCESS_DENIED)
    obj = SamObject(domain, machine_accounts_only=machine_only)
    return {"DomainHandle": ctx.handles.create(DOMAIN.kind, obj, granted),
            "ReturnValue": STATUS_SUCCESS}


def _modified_count(domain: Any) -> int:
    """DomainModifiedCount: a stable serial number for the fixture (U: Windows counts changes)."""
    return 1 + len(domain.users) + len(domain.groups) + len(domain.aliases)


def _creation_time(ctx: CallContext) -> int:
    return ctx.server.start_filetime


def _general_counts(ctx: CallContext, domain: Any) -> dict[str, int]:
    """DOMAIN_GENERAL_INFORMATION's UasCompatibilityRequired and account counts (MS-SAMR
    3.1.5.5.1.1). A local SAM (member, standalone) counts its users, groups and aliases and
    keeps UAS compatibility on, as NT's SAM did. On a DC, step 3 takes UasCompatibilityRequired
    from the domain object's uASCompat and steps 4-6 are SHOULDs qualified by product notes
    <57>-<59>: AD answers UasCompatibilityRequired 0 and GroupCount 0 beside its user and alias
    counts (issue 13's comparison of DC profiles with public captures of Windows DCs; U: no
    capture in this repository shows the field)."""
    is_dc = directory_of(ctx).role == "dc"
    return {"UasCompatibilityRequired": 0 if is_dc else 1, "UserCount": len(domain.users),
            "GroupCount": 0 if is_dc else len(domain.groups), "AliasCount": len(domain.aliases)}


def domain_info(ctx: CallContext, domain: Any, info_class: int) -> dict[str, Any]:
    """The DOMAIN_* / SAMPR_DOMAIN_* structure of ``info_class`` (MS-SAMR 2.2.4)."""
    pw, lockout = domain.password_policy, domain.lockout_policy
    force_logoff = (DELTA_NEVER if pw.force_logoff_minutes is None
                    else -pw.force_logoff_minutes * TICKS_PER_MINUTE)
    name = _domain_name(ctx, domain)
    # values SamrSetInformationDomain wrote are answered exactly as written (domain_writes)
    settings = (getattr(directory_of(ctx), "domain_settings", None) or {}).get(str(domain.sid), {})
    force_logoff = settings.get("force_logoff", force_logoff)
    oem, replica = settings.get("oem_information", ""), settings.get("replica_source", "")
    # every change counts (an account created adds one to the sizes and two here; one deleted
    # takes one away and adds two): the count only grows, as Windows' does (MS-SAMR 2.2.4.1)
    modified = _modified_count(domain) + 2 * getattr(directory_of(ctx), "changes", 0)
    if info_class == 1:
        return {"MinPasswordLength": pw.min_length, "PasswordHistoryLength": pw.history,
                "PasswordProperties": settings.get("properties", pw.properties),
                "MaxPasswordAge": old_large_int(settings.get("max_age", _delta(pw.max_age_days, TICKS_PER_DAY))),
                "MinPasswordAge": old_large_int(settings.get("min_age", -pw.min_age_days * TICKS_PER_DAY))}
    general = {
        "ForceLogoff": old_large_int(force_logoff), "OemInformation": oem, "DomainName": name,
        "ReplicaSourceNodeName": replica, "DomainModifiedCount": old_large_int(modified),
        "DomainServerState": DOMAIN_SERVER_ENABLED, "DomainServerRole": DOMAIN_SERVER_ROLE_PRIMARY,
        **_general_counts(ctx, domain)}
    lockout_info = {
        "LockoutDuration": settings.get("lockout_duration", _delta(lockout.duration_minutes, TICKS_PER_MINUTE)),
        "LockoutObservationWindow": settings.get("lockout_window", -lockout.window_minutes * TICKS_PER_MINUTE),
        "LockoutThreshold": lockout.threshold}
    modified_info = {"DomainModifiedCount": old_large_int(modified),
                     "CreationTime": old_large_int(_creation_time(ctx))}
    table: dict[int, dict[str, Any]] = {
        2: general,
        3: {"ForceLogoff": old_large_int(force_logoff)},
        4: {"OemInformation": oem},
        5: {"DomainName": name},
        6: {"ReplicaSourceNodeName": replica},
        7: {"DomainServerRole": DOMAIN_SERVER_ROLE_PRIMARY},
        8: modified_info,
        9: {"DomainServerState": DOMAIN_SERVER_ENABLED},
        11: {"I1": general, **lockout_info},
        12: lockout_info,
        13: {**modified_info, "ModifiedCountAtLastPromotion": old_large_int(0)},
    }
    return table[info_class]


def _query_domain(ctx: CallContext, request: dict[str, Any], operation: str) -> dict[str, Any]:
    info_class = request["DomainInformationClass"]
    need = DOMAIN_CLASS_ACCESS.get(info_class)
    entry, status = lookup_handle(ctx, request["DomainHandle"], (DOMAIN.kind,), need or 0)
    if entry is None:
        return error_response(ctx, status)
    if need is None:
        return error_response(ctx, STATUS_INVALID_INFO_CLASS)
    status = ctx.decide(operation, info_class).status
    if status:
        return error_response(ctx, status)
    return {"Buffer": (info_class, domain_info(ctx, entry.obj.domain, info_class)),
            "ReturnValue": STATUS_SUCCESS}


_QUERY_DOMAIN_IN: Final = [("DomainHandle", SAMPR_HANDLE), ("DomainInformationClass", uint16)]
_QUERY_DOMAIN_OUT: Final = [("Buffer", Pointer(SAMPR_DOMAIN_INFO_BUFFER))]


@INTERFACE.operation(8, "SamrQueryInformationDomain", request=_QUERY_DOMAIN_IN,
                     response=_QUERY_DOMAIN_OUT)
def SamrQueryInformationDomain(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.5.2 (same as SamrQueryInformationDomain2)."""
    return _query_domain(ctx, request, "SamrQueryInformationDomain")


@INTERFACE.operation(46, "SamrQueryInformationDomain2", request=_QUERY_DOMAIN_IN,
                     response=_QUERY_DOMAIN_OUT)
def SamrQueryInformationDomain2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SAMR 3.1.5.5.1: classes 1-9, 11-13; others STATUS_INVALID_INFO_CLASS."""
    return _query_domain(ctx, request, "SamrQueryInformationDomain2")


# -------------------------------------------------------------------------------------------
# SamrTestPrivateFunctionsDomain (42) / SamrTestPrivateFunctionsUser (43)
# -------------------------------------------------------------------------------------------


def _test_private_functions(kind: str) -> Any:
    def handler(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        """MS-SAMR 3.1.5 lists opnums 42 / 43 as NotUsedOnWire; Windows dispatches them and
        answers STATUS_NOT_IMPLEMENTED (Samba's torture rpc.samr, written against Windows,
        requires exactly that), after the runtime's handle check."""
        entry, status = lookup_handle(ctx, request["Handle"], (kind,))
        return {"ReturnValue": status if entry is None else STATUS_NOT_IMPLEMENTED}
    return handler


INTERFACE.operation(42, "SamrTestPrivateFunctionsDomain", request=[("Handle", SAMPR_HANDLE)]
                    )(_test_private_functions(DOMAIN.kind))
INTERFACE.operation(43, "SamrTestPrivateFunctionsUser", request=[("Handle", SAMPR_HANDLE)]
                    )(_test_private_functions(USER.kind))
