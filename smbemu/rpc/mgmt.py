"""The DCE/RPC remote management interface (C706 appendix Q, "mgmt").

afa8bd80-7d8a-11c9-bef4-08002b102989 v1.0.  The Windows RPC runtime answers it on every
endpoint, whatever interfaces the endpoint hosts; the registry adds :data:`MGMT` to every
pipe.  Parameter layouts follow the C706 IDL (``rpc__mgmt_*``), which is what Windows and
impacket's ``mgmt`` module use; the trailing ``error_status_t *status`` [out] parameter is the
response's ``"ReturnValue"`` (same position, same encoding).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import ndr
from smbemu.rpc.interface import CallContext, Interface
from smbemu.rpc.ndr import Pointer, Sized, Struct
from smbemu.status import (ERROR_ACCESS_DENIED, ERROR_INSUFFICIENT_BUFFER,
                           NCA_S_FAULT_NDR, RPC_S_UNKNOWN_AUTHN_SERVICE)

__all__ = ["MGMT", "RPC_IF_ID", "RPC_IF_ID_VECTOR"]

#: MS-RPCE 2.2.1.1.7: SPNEGO, NTLMSSP (the providers an SMB server registers).
_NAMED_PROVIDERS: Final = frozenset({9, 10})
#: C706 appendix Q: rpc_c_stats_array_max_size.
STATS_ARRAY_MAX_SIZE: Final = 4

#: rpc_if_id_t: an interface UUID and its version.
RPC_IF_ID: Final = Struct("rpc_if_id_t", [
    ("Uuid", ndr.Guid),
    ("VersMajor", ndr.uint16),
    ("VersMinor", ndr.uint16),
])
#: rpc_if_id_vector_t: ``count`` and ``[size_is(count)] rpc_if_id_p_t if_id[]``.
RPC_IF_ID_VECTOR: Final = Struct("rpc_if_id_vector_t", [
    ("count", ndr.uint32),
    ("if_id", ndr.ConformantArray(Pointer(RPC_IF_ID))),
])

MGMT: Final = Interface(
    name="mgmt", uuid="afa8bd80-7d8a-11c9-bef4-08002b102989", version=(1, 0), pipes=(),
    description="DCE/RPC remote management (C706 appendix Q)",
)


@MGMT.operation(0, "inq_if_ids",
                response=[("if_id_vector", Pointer(Pointer(RPC_IF_ID_VECTOR), "ref"))],
                returns="error_status_t")
def inq_if_ids(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """The interfaces of this endpoint, mgmt itself excluded (as Windows and Samba do)."""
    ids = [{"Uuid": i.uuid, "VersMajor": i.version[0], "VersMinor": i.version[1]}
           for i in ctx.pipe_interfaces if i.uuid != MGMT.uuid]
    return {"if_id_vector": {"count": len(ids), "if_id": ids}, "ReturnValue": 0}


@MGMT.operation(1, "inq_stats",
                request=[("count", ndr.uint32)],
                response=[("count", ndr.uint32),
                          ("statistics", ndr.ConformantArray(ndr.uint32))],
                returns="error_status_t")
def inq_stats(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """calls in, calls out, packets in, packets out of this association.

    Whatever count the caller passes, the answer is the rpc_c_stats_array_max_size (4) counters
    (C706 rpc_mgmt_inq_stats: the server returns its own count): Windows succeeds for any count,
    where Samba refuses a count other than 4 with ERROR_NOT_SUPPORTED.
    """
    s = ctx.stats
    return {"count": STATS_ARRAY_MAX_SIZE,
            "statistics": [s.calls_in, s.calls_out, s.pkts_in, s.pkts_out],
            "ReturnValue": 0}


@MGMT.operation(2, "is_server_listening",
                response=[("status", Pointer(ndr.uint32, "ref"))], returns="boolean32")
def is_server_listening(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return {"status": 0, "ReturnValue": True}


@MGMT.operation(3, "stop_server_listening", returns="error_status_t")
def stop_server_listening(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """Remote callers may not stop the server: ERROR_ACCESS_DENIED."""
    return {"ReturnValue": ERROR_ACCESS_DENIED}


@MGMT.operation(4, "inq_princ_name",
                request=[("authn_proto", ndr.uint32), ("princ_name_size", ndr.uint32)],
                response=[("princ_name", ndr.CSTR)], returns="error_status_t")
def inq_princ_name(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """The server principal name for a security provider.

    ``[out, string, size_is(princ_name_size)] char princ_name[]``: the conformance is the
    caller's buffer size.  The name comes from ``ctx.server.rpc_principal_name`` when the
    server object has one (empty otherwise, as a server without a Kerberos realm answers
    for NTLMSSP/SPNEGO); unknown providers get RPC_S_UNKNOWN_AUTHN_SERVICE.
    """
    size = request["princ_name_size"]
    if size < 1:
        raise RpcFault(NCA_S_FAULT_NDR, "princ_name_size must be at least 1")
    if request["authn_proto"] not in _NAMED_PROVIDERS:
        return {"princ_name": Sized("", size), "ReturnValue": RPC_S_UNKNOWN_AUTHN_SERVICE}
    name = getattr(ctx.server, "rpc_principal_name", "") or ""
    if not isinstance(name, str):
        name = ""
    if len(name) + 1 > size:
        return {"princ_name": Sized("", size), "ReturnValue": ERROR_INSUFFICIENT_BUFFER}
    return {"princ_name": Sized(name, size), "ReturnValue": 0}


MGMT.validate()
