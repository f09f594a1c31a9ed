"""netlogon calls a read-only DC makes to a writable one over its secure channel (MS-NRPC
3.5.4.8.4, 3.5.4.3.11, 3.5.4.4.11): NetrLogonSendToSam (32: forwards a SAM change),
DsrUpdateReadOnlyServerDnsRecords (48: registers the RODC's DNS records) and
NetrChainSetClientAttributes (49: chains a client's attributes).  Each carries a Netlogon authenticator that cannot be verified without a secure
channel: STATUS_ACCESS_DENIED (MS-NRPC 3.1.4.5), ReturnAuthenticator zero.

What each [out] side carries on that refusal:

* NetrLogonSendToSam: the return authenticator only;
* DsrUpdateReadOnlyServerDnsRecords: ``[in, out] PNL_DNS_NAME_INFO_ARRAY DnsNames`` (a [ref]
  pointer, so never NULL) is sent back as received (U: nothing was registered, no entry's Status
  was set);
* NetrChainSetClientAttributes: ``[in, out] DWORD* pdwOutVersion`` echoed and ``pmsgOut``
  (switched by it; version 1 is the only arm, 2.2.1.3.19) with its three unique pointers NULL.
  Both [in] unions are decoded in full: pdwOutVersion follows pmsgIn on the wire, and an
  unknown version in either is nca_s_fault_invalid_tag while unmarshalling.
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    ConformantArray,
    FixedBytes,
    Pointer,
    Struct,
    Union,
    WString,
    WStringRef,
    uint8,
    uint16,
    uint32,
)
from smbemu.status import NCA_S_FAULT_NDR

from .objects import INTERFACE, ZERO_AUTHENTICATOR, no_secure_channel
from .types import NETLOGON_AUTHENTICATOR

#: 2.2.1.2.5 NL_DNS_NAME_INFO and 2.2.1.2.6 NL_DNS_NAME_INFO_ARRAY.
NL_DNS_NAME_INFO: Final = Struct("NL_DNS_NAME_INFO", [
    ("Type", uint32), ("DnsDomainInfo", WString), ("DnsDomainInfoType", uint32),
    ("Priority", uint32), ("Weight", uint32), ("Port", uint32), ("Register", uint8),
    ("Status", uint32)])
NL_DNS_NAME_INFO_ARRAY: Final = Struct("NL_DNS_NAME_INFO_ARRAY", [
    ("EntryCount", uint32), ("DnsNamesInfo", Pointer(ConformantArray(NL_DNS_NAME_INFO)))])

#: 2.2.1.3.15 NL_OSVERSIONINFO_V1 (szCSDVersion: 128 wchar_t).
NL_OSVERSIONINFO_V1: Final = Struct("NL_OSVERSIONINFO_V1", [
    ("dwOSVersionInfoSize", uint32), ("dwMajorVersion", uint32), ("dwMinorVersion", uint32),
    ("dwBuildNumber", uint32), ("dwPlatformId", uint32), ("szCSDVersion", FixedBytes(256)),
    ("wServicePackMajor", uint16), ("wServicePackMinor", uint16), ("wSuiteMask", uint16),
    ("wProductType", uint8), ("wReserved", uint8)])
#: 2.2.1.3.16 / 2.2.1.3.17 NL_IN_CHAIN_SET_CLIENT_ATTRIBUTES(_V1).
NL_IN_CHAIN_SET_CLIENT_ATTRIBUTES: Final = Union(uint32, {1: Struct(
    "NL_IN_CHAIN_SET_CLIENT_ATTRIBUTES_V1", [
        ("ClientDnsHostName", WString), ("OsVersionInfo_V1", Pointer(NL_OSVERSIONINFO_V1)),
        ("OsName", WString)])}, name="NL_IN_CHAIN_SET_CLIENT_ATTRIBUTES")
#: 2.2.1.3.18 / 2.2.1.3.19 NL_OUT_CHAIN_SET_CLIENT_ATTRIBUTES(_V1): HubName, OldDnsHostName
#: (``wchar_t**``) and SupportedEncTypes (``ULONG*``), all unique.
NL_OUT_CHAIN_SET_CLIENT_ATTRIBUTES: Final = Union(uint32, {1: Struct(
    "NL_OUT_CHAIN_SET_CLIENT_ATTRIBUTES_V1", [
        ("HubName", WString), ("OldDnsHostName", Pointer(WString)),
        ("SupportedEncTypes", Pointer(uint32))])}, name="NL_OUT_CHAIN_SET_CLIENT_ATTRIBUTES")
_NO_CHAINED_ATTRIBUTES: Final = {"HubName": None, "OldDnsHostName": None,
                                 "SupportedEncTypes": None}

_RETURN_AUTHENTICATOR: Final = ("ReturnAuthenticator", NETLOGON_AUTHENTICATOR)


@INTERFACE.operation(32, "NetrLogonSendToSam", request=(), response=[_RETURN_AUTHENTICATOR],
                     returns="NTSTATUS")
def NetrLogonSendToSam(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.8.4: no secure channel: STATUS_ACCESS_DENIED (the [in] parameters are
    not decoded: the answer depends on none of them)."""
    return {"ReturnAuthenticator": ZERO_AUTHENTICATOR, "ReturnValue": no_secure_channel(ctx)}


@INTERFACE.operation(48, "DsrUpdateReadOnlyServerDnsRecords",
                     request=[("ServerName", WString), ("ComputerName", WStringRef),
                              ("Authenticator", NETLOGON_AUTHENTICATOR), ("SiteName", WString),
                              ("DnsTtl", uint32), ("DnsNames", NL_DNS_NAME_INFO_ARRAY)],
                     response=[_RETURN_AUTHENTICATOR, ("DnsNames", NL_DNS_NAME_INFO_ARRAY)],
                     returns="NTSTATUS")
def DsrUpdateReadOnlyServerDnsRecords(ctx: CallContext,
                                      request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.3.11: no secure channel: STATUS_ACCESS_DENIED, DnsNames as received."""
    names = request["DnsNames"]
    if names["DnsNamesInfo"] is not None and len(names["DnsNamesInfo"]) != names["EntryCount"]:
        # [size_is(EntryCount)]: the array's conformance must equal it; netlogon asks the
        # runtime for strict NDR consistency checks (MS-NRPC 3.5.4), which reject the stub
        raise RpcFault(NCA_S_FAULT_NDR, "NL_DNS_NAME_INFO_ARRAY conformance is not EntryCount")
    return {"ReturnAuthenticator": ZERO_AUTHENTICATOR, "DnsNames": names,
            "ReturnValue": no_secure_channel(ctx)}


@INTERFACE.operation(49, "NetrChainSetClientAttributes",
                     request=[("PrimaryName", WStringRef), ("ChainedFromServerName", WStringRef),
                              ("ChainedForClientName", WStringRef),
                              ("Authenticator", NETLOGON_AUTHENTICATOR), _RETURN_AUTHENTICATOR,
                              ("dwInVersion", uint32),
                              ("pmsgIn", NL_IN_CHAIN_SET_CLIENT_ATTRIBUTES),
                              ("pdwOutVersion", uint32),
                              ("pmsgOut", NL_OUT_CHAIN_SET_CLIENT_ATTRIBUTES)],
                     response=[_RETURN_AUTHENTICATOR, ("pdwOutVersion", uint32),
                               ("pmsgOut", NL_OUT_CHAIN_SET_CLIENT_ATTRIBUTES)],
                     returns="NTSTATUS")
def NetrChainSetClientAttributes(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.4.11: no secure channel: STATUS_ACCESS_DENIED."""
    version = request["pdwOutVersion"]
    return {"ReturnAuthenticator": ZERO_AUTHENTICATOR, "pdwOutVersion": version,
            "pmsgOut": (version, _NO_CHAINED_ATTRIBUTES), "ReturnValue": no_secure_channel(ctx)}
