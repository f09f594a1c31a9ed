"""netlogon calls answered with the status Windows gives the caller rather than a fault (issue
15 item 7): the retired LAN Manager calls, the calls that need a secure channel or a trust
secret the fixture does not hold, the site calls, and the DNS / forest-trust calls.

Which status, per call (MS-NRPC 3.5.4.x; U where the specification leaves it unsaid, with what
the choice follows):

* NetrLogonUasLogon (0) / NetrLogonUasLogoff (1): "no longer used" (MS-NRPC 3.5.4, LAN Manager
  support); they need NETLOGON_UAS_LOGON_ACCESS / _LOGOFF_ACCESS, which MS-NRPC 2.2.1.4.18
  calls obsolete and grants to nobody on the wire.  Windows answers a normal response (Samba's
  torture rpc.netlogon, written against Windows, asserts the call's transport status is OK)
  carrying ERROR_ACCESS_DENIED, the code impacket's test_nrpc (written against a Windows DC)
  expects for both, to the domain's Administrator too;
* NetrLogonSetServiceBits (22): only the local time and web services call it (MS-NRPC
  3.5.4.8.5); a remote caller, the Administrator included, gets access denied as the fault
  rpc_s_access_denied (5) -- the code impacket's test_nrpc observes ("the caller is not local");
  an NTSTATUS return value cannot carry that Win32 code, so it is the RPC layer's refusal;
* NetrLogonGetTrustRid (23), NetrLogonComputeServerDigest (24), NetrLogonComputeClientDigest
  (25): they read the machine-account / trust secret, which the fixture does not hold (the
  secure-channel rule of the package docstring): ERROR_ACCESS_DENIED, outputs zero -- the code
  impacket's test_nrpc, written against a Windows DC, gets as the domain's Administrator;
* DsrAddressToSiteNamesW (33) / ExW (37): EntryCount 0 is ERROR_INVALID_PARAMETER (MS-NRPC
  3.5.4.3.6 / 3.5.4.3.7); otherwise, on a DC, one NULL site (and subnet) name per address: the
  fixture defines no subnet, so no address maps to a site ("the corresponding entry is NULL");
  a member or standalone server is not a DC: ERROR_NOT_SUPPORTED (U);
* NetrLogonGetTimeServiceParentDomain (35): the emulated domain is its forest's root, which has
  no parent: ERROR_NO_SUCH_DOMAIN (U: the status for a forest root; a non-DC is answered
  alike);
* DsrGetDcSiteCoverageW (38): a DC covers its own site, Default-First-Site-Name; elsewhere
  ERROR_NOT_SUPPORTED (U);
* DsrDeregisterDnsHostRecords (41): administrators only, and the emulation changes nothing:
  ERROR_ACCESS_DENIED (as the read-only control codes, control.py);
* DsrGetForestTrustInformation (43): reads the forest trust records, which need the trust
  secret / a DC: ERROR_ACCESS_DENIED (one of the two answers impacket's test_nrpc accepts from
  Windows, ERROR_NO_SUCH_DOMAIN the other), NULL output.

Each call asks the policy first (``ctx.decide``); the refusals made here are recorded with
``ctx.deny`` so the audit log names them.
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    ConformantArray,
    FixedBytes,
    Pointer,
    RpcUnicodeString,
    Struct,
    WString,
    uint16,
    uint32,
)
from smbemu.status import (
    ERROR_ACCESS_DENIED,
    ERROR_INVALID_PARAMETER,
    ERROR_NO_SUCH_DOMAIN,
    ERROR_NOT_SUPPORTED,
    ERROR_SUCCESS,
    FAULT_ACCESS_DENIED,
    STATUS_ACCESS_DENIED,
)

from .objects import INTERFACE, is_dc
from .types import DEFAULT_SITE, NULL_ONLY

#: MS-NRPC 2.2.1.2.2 NL_SITE_NAME_ARRAY / 2.2.1.2.3 NL_SITE_NAME_EX_ARRAY.
NL_SITE_NAME_ARRAY: Final = Struct("NL_SITE_NAME_ARRAY", [
    ("EntryCount", uint32), ("SiteNames", Pointer(ConformantArray(RpcUnicodeString)))])
NL_SITE_NAME_EX_ARRAY: Final = Struct("NL_SITE_NAME_EX_ARRAY", [
    ("EntryCount", uint32), ("SiteNames", Pointer(ConformantArray(RpcUnicodeString))),
    ("SubnetNames", Pointer(ConformantArray(RpcUnicodeString)))])
#: MS-NRPC 2.2.1.8.2 NETLOGON_LOGOFF_UAS_INFO.
NETLOGON_LOGOFF_UAS_INFO: Final = Struct("NETLOGON_LOGOFF_UAS_INFO", [
    ("Duration", uint32), ("LogonCount", uint16)])


def _status(ctx: CallContext, status: int, why: str) -> dict[str, Any]:
    """The policy's refusal, else ``status`` (recorded as a refusal when it is one)."""
    op = ctx.operation
    assert op is not None
    refused = ctx.decide().status
    if not refused and status in (ERROR_ACCESS_DENIED, STATUS_ACCESS_DENIED):
        refused = ctx.deny("netlogon (MS-NRPC 3.5.4)", why).status
    return op.error_response(refused or status)


def _retired(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return _status(ctx, ERROR_ACCESS_DENIED, "called a retired LAN Manager method (UAS access)")


def _no_secret(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return _status(ctx, ERROR_ACCESS_DENIED, "needs a trust secret the server does not hold")


INTERFACE.operation(0, "NetrLogonUasLogon", request=(), returns="WERROR",
                    response=[("ValidationInformation", NULL_ONLY)])(_retired)
INTERFACE.operation(1, "NetrLogonUasLogoff", request=(), returns="WERROR",
                    response=[("LogoffInformation", NETLOGON_LOGOFF_UAS_INFO)])(_retired)


@INTERFACE.operation(22, "NetrLogonSetServiceBits", request=(), response=(), returns="NTSTATUS")
def NetrLogonSetServiceBits(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """The fault rpc_s_access_denied to every remote caller (see the module docstring)."""
    status = ctx.decide().status
    if status:
        return {"ReturnValue": status}
    ctx.deny("local callers only (MS-NRPC 3.5.4.8.5)", "is not the local time service")
    raise RpcFault(FAULT_ACCESS_DENIED, "NetrLogonSetServiceBits from a remote caller")


INTERFACE.operation(23, "NetrLogonGetTrustRid", request=(), returns="WERROR",
                    response=[("Rid", uint32)])(_no_secret)
for _opnum, _name in ((24, "NetrLogonComputeServerDigest"),
                      (25, "NetrLogonComputeClientDigest")):
    INTERFACE.operation(_opnum, _name, request=(), returns="WERROR",
                        response=[("NewMessageDigest", FixedBytes(16)),
                                  ("OldMessageDigest", FixedBytes(16))])(_no_secret)
INTERFACE.operation(41, "DsrDeregisterDnsHostRecords", request=(), response=(),
                    returns="WERROR")(_no_secret)
INTERFACE.operation(43, "DsrGetForestTrustInformation", request=(), returns="WERROR",
                    response=[("ForestTrustInfo", NULL_ONLY)])(_no_secret)


@INTERFACE.operation(35, "NetrLogonGetTimeServiceParentDomain", request=(), returns="WERROR",
                     response=[("DomainName", Pointer(WString)), ("PdcSameSite", uint32)])
def NetrLogonGetTimeServiceParentDomain(ctx: CallContext,
                                        request: dict[str, Any]) -> dict[str, Any]:
    return _status(ctx, ERROR_NO_SUCH_DOMAIN, "")


def _site_names(ctx: CallContext, request: dict[str, Any], ex: bool) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    count = request["EntryCount"]
    status = ctx.decide().status
    if not status and count == 0:
        status = ERROR_INVALID_PARAMETER
    if not status and not is_dc(ctx):
        status = ERROR_NOT_SUPPORTED
    if status:
        return op.error_response(status)
    names: dict[str, Any] = {"EntryCount": count, "SiteNames": [None] * count}
    if ex:
        names["SubnetNames"] = [None] * count
    return {"SiteNames": names, "ReturnValue": ERROR_SUCCESS}


_SITES_IN: Final = [("ComputerName", WString), ("EntryCount", uint32)]


@INTERFACE.operation(33, "DsrAddressToSiteNamesW", request=_SITES_IN, returns="WERROR",
                     response=[("SiteNames", Pointer(NL_SITE_NAME_ARRAY))])
def DsrAddressToSiteNamesW(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return _site_names(ctx, request, ex=False)


@INTERFACE.operation(37, "DsrAddressToSiteNamesExW", request=_SITES_IN, returns="WERROR",
                     response=[("SiteNames", Pointer(NL_SITE_NAME_EX_ARRAY))])
def DsrAddressToSiteNamesExW(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return _site_names(ctx, request, ex=True)


@INTERFACE.operation(38, "DsrGetDcSiteCoverageW", request=[("ServerName", WString)],
                     returns="WERROR", response=[("SiteNames", Pointer(NL_SITE_NAME_ARRAY))])
def DsrGetDcSiteCoverageW(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    status = ctx.decide().status or (0 if is_dc(ctx) else ERROR_NOT_SUPPORTED)
    if status:
        return op.error_response(status)
    return {"SiteNames": {"EntryCount": 1, "SiteNames": [DEFAULT_SITE]},
            "ReturnValue": ERROR_SUCCESS}
