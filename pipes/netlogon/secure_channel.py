"""netlogon secure channel (MS-NRPC 3.1.4, 3.5.4.4): NetrServerReqChallenge (3.5.4.4.1),
NetrServerAuthenticate / 2 / 3 (always refused: no machine-account secrets) and the calls
that need an established secure channel (3.5.4.4.5: STATUS_ACCESS_DENIED)."""

from __future__ import annotations

import collections
import hashlib
import os
from collections.abc import Sequence
from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import NdrType, Union, WString, WStringRef, uint32
from smbemu.status import NCA_S_FAULT_INVALID_TAG, STATUS_NO_TRUST_SAM_ACCOUNT, STATUS_SUCCESS

from .objects import INTERFACE, ZERO_AUTHENTICATOR, no_secure_channel
from .types import (
    ENCRYPTED_NT_OWF_PASSWORD,
    LOGONSRV_HANDLE,
    NETLOGON_AUTHENTICATOR,
    NETLOGON_CAPABILITIES,
    NETLOGON_CREDENTIAL,
    NETLOGON_SECURE_CHANNEL_TYPE,
    NULL_ONLY,
)

# -------------------------------------------------------------------------------------------
# Secure channel: NetrServerReqChallenge (4), NetrServerAuthenticate / 2 / 3 (5, 15, 26)
# -------------------------------------------------------------------------------------------

#: How many outstanding challenges the server keeps (oldest dropped first).
MAX_CHALLENGES: Final = 4096
_CHALLENGES_KEY: Final = "netlogon.challenges"


def _challenges(ctx: CallContext) -> collections.OrderedDict[tuple[Any, ...], bytes]:
    """The server's outstanding challenges, oldest first (kept per server configuration)."""
    table: collections.OrderedDict[tuple[Any, ...], bytes] = ctx.server.memo(_CHALLENGES_KEY, collections.OrderedDict)
    return table


def _challenge_key(ctx: CallContext, computer_name: str) -> tuple[Any, ...]:
    """A challenge belongs to one association (its group id and the group's handle table: group
    ids are unique per server, the table tells apart endpoints that do not share the server's
    groups) and one ComputerName (MS-NRPC 3.5.4.4.1). The name is kept as its SHA-256 digest:
    ComputerName is client input of any length, and the table holds 4,096 of them (issue 14:
    memory an anonymous client cannot grow)."""
    digest = hashlib.sha256(computer_name.upper().encode("utf-8", "surrogatepass")).digest()
    return (ctx.session_id, ctx.assoc_group_id, id(ctx.handles), digest)


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
    """The status of every NetrServerAuthenticate* call (see the package docstring)."""
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


def _no_secure_channel(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    out = op.error_response(no_secure_channel(ctx))
    out["ReturnAuthenticator"] = ZERO_AUTHENTICATOR
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
    # 3.5.4.7.4: ``[out] PLSA_FOREST_TRUST_INFORMATION* ForestTrustInfo``, NULL
    (44, "NetrGetForestTrustInformation", (),
     [("ReturnAuthenticator", NETLOGON_AUTHENTICATOR), ("ForestTrustInfo", NULL_ONLY)]),
    # 3.5.4.7.6: the two OWF passwords zero, ``[out] PNL_GENERIC_RPC_DATA* TrustInfo`` NULL
    (46, "NetrServerGetTrustInfo", (),
     [("ReturnAuthenticator", NETLOGON_AUTHENTICATOR),
      ("EncryptedNewOwfPassword", ENCRYPTED_NT_OWF_PASSWORD),
      ("EncryptedOldOwfPassword", ENCRYPTED_NT_OWF_PASSWORD), ("TrustInfo", NULL_ONLY)]),
)
for _opnum, _name, _in, _out in _SECURE_CHANNEL_OPS:
    INTERFACE.operation(_opnum, _name, request=_in, response=_out,
                        returns="NTSTATUS")(_no_secure_channel)


#: 2.2.1.3.12 NETLOGON_DOMAIN_INFORMATION, switched by Level: 1 PNETLOGON_DOMAIN_INFO, 2
#: PNETLOGON_LSA_POLICY_INFO -- NULL here (the structures are never produced).
NETLOGON_DOMAIN_INFORMATION: Final = Union(uint32, {1: NULL_ONLY, 2: NULL_ONLY},
                                           name="NETLOGON_DOMAIN_INFORMATION")


@INTERFACE.operation(29, "NetrLogonGetDomainInfo",
                     request=[("ServerName", WStringRef), ("ComputerName", WString),
                              ("Authenticator", NETLOGON_AUTHENTICATOR),
                              ("ReturnAuthenticator", NETLOGON_AUTHENTICATOR),
                              ("Level", uint32)],
                     response=[("ReturnAuthenticator", NETLOGON_AUTHENTICATOR),
                               ("DomBuffer", NETLOGON_DOMAIN_INFORMATION)], returns="NTSTATUS")
def NetrLogonGetDomainInfo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.4.9: no secure channel: STATUS_ACCESS_DENIED, DomBuffer's arm NULL.  The
    [in] WkstaBuffer union (2.2.1.3.9, switched by the same Level, arms 1 and 2 only) follows
    Level and is not decoded; a Level without an arm there is nca_s_fault_invalid_tag, the
    fault Windows' stub raises while unmarshalling it."""
    level = request["Level"]
    if level not in NETLOGON_DOMAIN_INFORMATION.arms:
        raise RpcFault(NCA_S_FAULT_INVALID_TAG, f"NetrLogonGetDomainInfo Level {level}")
    return {"ReturnAuthenticator": ZERO_AUTHENTICATOR, "DomBuffer": (level, None),
            "ReturnValue": no_secure_channel(ctx)}
