"""netlogon account database replication (MS-NRPC 3.5.4.6, 3.5.4.10.3-3.5.4.10.4): the calls an
NT 4 backup domain controller made to its PDC (NetrDatabaseDeltas 7, NetrDatabaseSync 8,
NetrDatabaseSync2 16, NetrDatabaseRedo 17) and the LAN Manager ones (NetrAccountDeltas 9,
NetrAccountSync 10).

* The NT 4 calls carry a Netlogon authenticator: without a secure channel it cannot be verified,
  so STATUS_ACCESS_DENIED (MS-NRPC 3.1.4.5; the client's side, 3.4.5.4.1, names
  STATUS_ACCESS_DENIED as the answer that sends a BDC to re-establish its secure channel).
  ReturnAuthenticator is zero, the [in, out] DomainModifiedCount / SyncContext are echoed (U:
  nothing was processed) and DeltaArray (``[out] PNETLOGON_DELTA_ENUM_ARRAY*``) is NULL.
* NetrAccountDeltas / NetrAccountSync served LAN Manager BDCs: Windows Server 2003 answers
  STATUS_NOT_IMPLEMENTED before any check (observed and recorded by Samba's DC, whose
  implementation returns what "w2k3 returns"); U for the other releases, answered alike.
  ``[out, size_is(BufferSize)] UCHAR* Buffer`` is a conformant array of BufferSize bytes the
  server stub allocates and sends back (zeros here); a BufferSize beyond MAX_ACCOUNT_BUFFER is
  refused with the fault of a runtime that cannot allocate, RPC_S_OUT_OF_RESOURCES (U: a Windows
  server would try to allocate it; an anonymous caller must not make smbemu do so, issue 14).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import (
    ConformantBytes,
    FixedBytes,
    Struct,
    WString,
    WStringRef,
    enum16,
    uint32,
)
from smbemu.status import FAULT_OUT_OF_RESOURCES, STATUS_NOT_IMPLEMENTED

from .objects import INTERFACE, ZERO_AUTHENTICATOR, no_secure_channel
from .types import NETLOGON_AUTHENTICATOR, NULL_ONLY

#: 2.2.1.5.26 NLPR_MODIFIED_COUNT: an OLD_LARGE_INTEGER (LowPart ULONG, HighPart LONG).
NLPR_MODIFIED_COUNT: Final = Struct("NLPR_MODIFIED_COUNT", [
    ("LowPart", uint32), ("HighPart", uint32)])
#: 2.2.1.8.3 UAS_INFO_0: ComputerName CHAR[16], TimeCreated, SerialNumber.
UAS_INFO_0: Final = Struct("UAS_INFO_0", [
    ("ComputerName", FixedBytes(16)), ("TimeCreated", uint32), ("SerialNumber", uint32)])
#: ``[out] PNETLOGON_DELTA_ENUM_ARRAY* DeltaArray``: the [ref] outer pointer has no wire form,
#: the inner unique one is NULL.
DELTA_ARRAY: Final = NULL_ONLY
#: The largest NetrAccountDeltas / NetrAccountSync Buffer answered (U, see the module docstring).
MAX_ACCOUNT_BUFFER: Final = 0x10000

_AUTHENTICATED_IN: Final = [("PrimaryName", WStringRef), ("ComputerName", WStringRef),
                            ("Authenticator", NETLOGON_AUTHENTICATOR),
                            ("ReturnAuthenticator", NETLOGON_AUTHENTICATOR)]


def _refused(ctx: CallContext, **echoed: Any) -> dict[str, Any]:
    return {"ReturnAuthenticator": ZERO_AUTHENTICATOR, **echoed, "DeltaArray": None,
            "ReturnValue": no_secure_channel(ctx)}


@INTERFACE.operation(7, "NetrDatabaseDeltas",
                     request=[*_AUTHENTICATED_IN, ("DatabaseID", uint32),
                              ("DomainModifiedCount", NLPR_MODIFIED_COUNT),
                              ("PreferredMaximumLength", uint32)],
                     response=[("ReturnAuthenticator", NETLOGON_AUTHENTICATOR),
                               ("DomainModifiedCount", NLPR_MODIFIED_COUNT),
                               ("DeltaArray", DELTA_ARRAY)], returns="NTSTATUS")
def NetrDatabaseDeltas(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.6.1: no secure channel: STATUS_ACCESS_DENIED."""
    return _refused(ctx, DomainModifiedCount=request["DomainModifiedCount"])


_SYNC_OUT: Final = [("ReturnAuthenticator", NETLOGON_AUTHENTICATOR), ("SyncContext", uint32),
                    ("DeltaArray", DELTA_ARRAY)]


@INTERFACE.operation(8, "NetrDatabaseSync",
                     request=[*_AUTHENTICATED_IN, ("DatabaseID", uint32),
                              ("SyncContext", uint32), ("PreferredMaximumLength", uint32)],
                     response=_SYNC_OUT, returns="NTSTATUS")
def NetrDatabaseSync(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.6.3 (as NetrDatabaseSync2): no secure channel: STATUS_ACCESS_DENIED."""
    return _refused(ctx, SyncContext=request["SyncContext"])


@INTERFACE.operation(16, "NetrDatabaseSync2",
                     request=[*_AUTHENTICATED_IN, ("DatabaseID", uint32),
                              ("RestartState", enum16), ("SyncContext", uint32),
                              ("PreferredMaximumLength", uint32)],
                     response=_SYNC_OUT, returns="NTSTATUS")
def NetrDatabaseSync2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.6.2: no secure channel: STATUS_ACCESS_DENIED (RestartState is a
    SYNC_STATE, an IDL enum: 16 bits on the wire)."""
    return _refused(ctx, SyncContext=request["SyncContext"])


@INTERFACE.operation(17, "NetrDatabaseRedo",
                     request=[*_AUTHENTICATED_IN, ("ChangeLogEntry", ConformantBytes()),
                              ("ChangeLogEntrySize", uint32)],
                     response=[("ReturnAuthenticator", NETLOGON_AUTHENTICATOR),
                               ("DeltaArray", DELTA_ARRAY)], returns="NTSTATUS")
def NetrDatabaseRedo(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-NRPC 3.5.4.6.4: no secure channel: STATUS_ACCESS_DENIED (ChangeLogEntry is a
    top-level ``[in, size_is(ChangeLogEntrySize)] UCHAR*``: [ref], its conformance first)."""
    return _refused(ctx)


_ACCOUNT_IN: Final = [("PrimaryName", WString), *_AUTHENTICATED_IN[1:]]
_ACCOUNT_OUT: Final = [("ReturnAuthenticator", NETLOGON_AUTHENTICATOR),
                       ("Buffer", ConformantBytes()), ("CountReturned", uint32),
                       ("TotalEntries", uint32)]


def _not_implemented(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    size = request["BufferSize"]
    if size > MAX_ACCOUNT_BUFFER:
        raise RpcFault(FAULT_OUT_OF_RESOURCES, f"BufferSize {size} beyond {MAX_ACCOUNT_BUFFER}")
    op = ctx.operation
    assert op is not None
    out = op.error_response(ctx.decide().status or STATUS_NOT_IMPLEMENTED,
                            ReturnAuthenticator=ZERO_AUTHENTICATOR, Buffer=bytes(size))
    return out


INTERFACE.operation(9, "NetrAccountDeltas",
                    request=[*_ACCOUNT_IN, ("RecordId", UAS_INFO_0), ("Count", uint32),
                             ("Level", uint32), ("BufferSize", uint32)],
                    response=[*_ACCOUNT_OUT, ("NextRecordId", UAS_INFO_0)],
                    returns="NTSTATUS")(_not_implemented)
INTERFACE.operation(10, "NetrAccountSync",
                    request=[*_ACCOUNT_IN, ("Reference", uint32), ("Level", uint32),
                             ("BufferSize", uint32)],
                    response=[*_ACCOUNT_OUT, ("NextReference", uint32),
                              ("LastRecordId", UAS_INFO_0)],
                    returns="NTSTATUS")(_not_implemented)
