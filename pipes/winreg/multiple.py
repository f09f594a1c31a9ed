"""BaseRegQueryMultipleValues (29) and BaseRegQueryMultipleValues2 (34): several values of
one key in one call (MS-RRP 3.1.5.26 and 3.1.5.30), over the emulated hive.

Both take the names as an array of RVALENT (MS-RRP 2.2.8) and answer, per value, its type, its
length and the offset of its data in one shared buffer, the data packed back to back in the
order asked (RegQueryMultipleValues, D: "each element of the array contains the information for
the specified value").  The checks, in Windows' order (smbtorture's rpc.winreg
``test_QueryMultipleValues*_full``, written against Windows, pins the statuses):

1. the handle (unknown: fault nca_s_fault_context_mismatch, the runtime's check);
2. ``num_vals`` must be the array's size (``size_is(num_vals)``): else the stub was marshalled
   against the IDL, fault rpc_x_invalid_bound;
3. KEY_QUERY_VALUE on the handle, and a caller outside the winreg ACL may not read a hive's root
   (ERROR_ACCESS_DENIED, MS-RRP 3.1.5.26 return values);
4. every value must exist -- a NULL or empty name asks for the key's default value, which no
   emulated key holds -- else ERROR_FILE_NOT_FOUND ("the function fails if any of the
   specified values do not exist", D);
5. the buffer: too small (or NULL) is ERROR_MORE_DATA with the size needed -- in ``ldwTotsize``
   for opnum 29 (an [in, out] parameter), in ``ldwRequiredSize`` for opnum 34 (where
   ``ldwTotsize`` is [in] only).  No value asked is success with nothing to return.

The [out] buffer of opnum 29 is ``size_is(*ldwTotsize)`` of the *returned* ldwTotsize: on success
the bytes used, on ERROR_MORE_DATA the size needed (zeros), so the conformance and the count
agree for an NDR-strict client (Samba's checks them).  Opnum 34's is sized by the [in]
ldwTotsize: the client's buffer comes back with the data at its start.
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ConformantVaryingArray, Pointer, RpcUnicodeString, Struct, uint32
from smbemu.status import (
    ERROR_FILE_NOT_FOUND,
    ERROR_MORE_DATA,
    RPC_X_INVALID_BOUND,
)

from . import INTERFACE, _opened, _readable, _rrp
from .security import REGISTRY_KEY
from .types import KEY_QUERY_VALUE, PBYTE_BUFFER, RPC_HKEY

#: MS-RRP 2.2.8 RVALENT.  ve_valueptr is a ULONG_PTR: four bytes in NDR20 (``__int3264``).
RVALENT: Final = Struct("RVALENT", [
    ("ve_valuename", Pointer(RpcUnicodeString)), ("ve_valuelen", uint32),
    ("ve_valueptr", uint32), ("ve_type", uint32)])
#: ``[size_is(num_vals), length_is(num_vals)] PRVALENT``: a top-level [ref] pointer, so the
#: array itself.
RVALENT_ARRAY: Final = ConformantVaryingArray(RVALENT)

_EMPTY_ENTRY: Final = {"ve_valuename": None, "ve_valuelen": 0, "ve_valueptr": 0, "ve_type": 0}


def _gather(ctx: CallContext, request: dict[str, Any]) -> tuple[int, list[dict[str, Any]], bytes]:
    """(status, val_listOut, packed data) of steps 1-4 of the module docstring."""
    opened = _opened(ctx, request["hKey"])
    asked = request["val_listIn"]
    if len(asked) != request["num_vals"]:
        raise RpcFault(RPC_X_INVALID_BOUND, "num_vals is not the size of val_listIn")
    failed = [dict(_EMPTY_ENTRY) for _ in asked]
    entry = ctx.handles.lookup(request["hKey"], "winreg.key")
    assert entry is not None
    if not ctx.require(entry.granted_access, KEY_QUERY_VALUE, REGISTRY_KEY):
        assert ctx.decision is not None
        return ctx.decision.status, failed, b""
    status = _readable(ctx, opened)
    if status:
        return status, failed, b""
    out: list[dict[str, Any]] = []
    data = b""
    for item in asked:
        name = (item["ve_valuename"] or "").rstrip("\x00")
        value = opened.key.value(name) if name else None
        if value is None:
            return ERROR_FILE_NOT_FOUND, failed, b""
        # the name comes back as the client sent it (the [out] entry names the value asked)
        out.append({"ve_valuename": _rrp(name), "ve_valuelen": len(value[2]),
                    "ve_valueptr": len(data), "ve_type": value[1]})
        data += value[2]
    return 0, out, data


def _client_buffer(buffer: bytes | None, offered: int) -> bytes | None:
    """The client's [in, out] buffer at the size it declared (``size_is(*ldwTotsize)``)."""
    return None if buffer is None else (buffer + bytes(offered))[:offered]


_IN: Final = [("hKey", RPC_HKEY), ("val_listIn", RVALENT_ARRAY), ("num_vals", uint32),
              ("lpvalueBuf", PBYTE_BUFFER), ("ldwTotsize", uint32)]


@INTERFACE.operation(29, "BaseRegQueryMultipleValues", request=_IN,
                     response=[("val_listOut", RVALENT_ARRAY), ("lpvalueBuf", PBYTE_BUFFER),
                               ("ldwTotsize", uint32)],
                     returns="error_status_t")
def BaseRegQueryMultipleValues(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.26 (module docstring)."""
    status, entries, data = _gather(ctx, request)
    offered, buffer = request["ldwTotsize"], request["lpvalueBuf"]
    if status:
        # A failure returns the client's buffer as it came (size and count unchanged).
        return {"val_listOut": entries, "lpvalueBuf": _client_buffer(buffer, offered),
                "ldwTotsize": offered, "ReturnValue": status}
    if buffer is None or offered < len(data):
        return {"val_listOut": entries,
                "lpvalueBuf": None if buffer is None else bytes(len(data)),
                "ldwTotsize": len(data), "ReturnValue": ERROR_MORE_DATA if data else 0}
    return {"val_listOut": entries, "lpvalueBuf": data, "ldwTotsize": len(data), "ReturnValue": 0}


@INTERFACE.operation(34, "BaseRegQueryMultipleValues2", request=_IN,
                     response=[("val_listOut", RVALENT_ARRAY), ("lpvalueBuf", PBYTE_BUFFER),
                               ("ldwRequiredSize", uint32)],
                     returns="error_status_t")
def BaseRegQueryMultipleValues2(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-RRP 3.1.5.30 (module docstring)."""
    status, entries, data = _gather(ctx, request)
    offered, buffer = request["ldwTotsize"], request["lpvalueBuf"]
    room = _client_buffer(buffer, offered)
    if status:
        return {"val_listOut": entries, "lpvalueBuf": room, "ldwRequiredSize": 0,
                "ReturnValue": status}
    if room is None or offered < len(data):
        return {"val_listOut": entries, "lpvalueBuf": room, "ldwRequiredSize": len(data),
                "ReturnValue": ERROR_MORE_DATA if data else 0}
    return {"val_listOut": entries, "lpvalueBuf": data + room[len(data):],
            "ldwRequiredSize": len(data), "ReturnValue": 0}


__all__ = ["BaseRegQueryMultipleValues", "BaseRegQueryMultipleValues2", "RVALENT"]
