"""srvsvc calls answered without state (MS-SRVS 3.1.4): the LAN Manager character-device
calls (opnums 0-7, ERROR_NOT_SUPPORTED) and the calls that change the server's configuration
(server settings, transports, file security), refused (read-only emulation).  The share,
session, open-file and alias changes an administrator makes are emulated (``share_changes``,
``session_changes``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.rpc.ndr import NdrType, Pointer, WString, WStringRef, uint32
from smbemu.status import ERROR_ACCESS_DENIED, ERROR_NOT_SUPPORTED

from .objects import INTERFACE
from .types import (
    CHARDEV_ENUM_STRUCT,
    CHARDEV_INFO,
    CHARDEVQ_ENUM_STRUCT,
    CHARDEVQ_INFO,
    ENUM_TAIL_IN,
    ENUM_TAIL_OUT,
    PDWORD,
    SRVSVC_HANDLE,
)

# -------------------------------------------------------------------------------------------
# Opnums 0-7: the LAN Manager character-device calls ("Opnum0..7NotUsedOnWire")
# -------------------------------------------------------------------------------------------


def _char_dev_not_supported(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-SRVS 3.1.4: "Returns ERROR_NOT_SUPPORTED"; [out] parameters NULL, levels echoed."""
    op = ctx.operation
    assert op is not None
    out = op.error_response(ERROR_NOT_SUPPORTED)
    if "InfoStruct" in out:
        if "InfoStruct" in request:
            # the Enum calls: [in, out] {Level; [switch_is(Level)] union} and a resume handle
            level = request["InfoStruct"]["Level"]
            arm = next(k for k in request["InfoStruct"] if k != "Level")
            out["InfoStruct"] = {"Level": level, arm: (level, None)}
            out["ResumeHandle"] = request["ResumeHandle"]
        else:
            # the GetInfo calls: [out, switch_is(Level)] union
            out["InfoStruct"] = (request["Level"], None)
    return out


_CHARDEV_OPS: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]],
                                Sequence[tuple[str, NdrType]]], ...]] = (
    (0, "NetrCharDevEnum",
     [("ServerName", SRVSVC_HANDLE), ("InfoStruct", Pointer(CHARDEV_ENUM_STRUCT, "ref")),
      *ENUM_TAIL_IN],
     [("InfoStruct", Pointer(CHARDEV_ENUM_STRUCT, "ref")), *ENUM_TAIL_OUT]),
    (1, "NetrCharDevGetInfo",
     [("ServerName", SRVSVC_HANDLE), ("DevName", WStringRef), ("Level", uint32)],
     [("InfoStruct", CHARDEV_INFO)]),
    (2, "NetrCharDevControl",
     [("ServerName", SRVSVC_HANDLE), ("DevName", WStringRef), ("Opcode", uint32)], []),
    (3, "NetrCharDevQEnum",
     [("ServerName", SRVSVC_HANDLE), ("UserName", WString),
      ("InfoStruct", Pointer(CHARDEVQ_ENUM_STRUCT, "ref")), *ENUM_TAIL_IN],
     [("InfoStruct", Pointer(CHARDEVQ_ENUM_STRUCT, "ref")), *ENUM_TAIL_OUT]),
    (4, "NetrCharDevQGetInfo",
     [("ServerName", SRVSVC_HANDLE), ("QueueName", WStringRef), ("UserName", WStringRef),
      ("Level", uint32)],
     [("InfoStruct", CHARDEVQ_INFO)]),
    (5, "NetrCharDevQSetInfo",
     [("ServerName", SRVSVC_HANDLE), ("QueueName", WStringRef), ("Level", uint32),
      ("CharDevQInfo", CHARDEVQ_INFO), ("ParmErr", PDWORD)],
     [("ParmErr", PDWORD)]),
    (6, "NetrCharDevQPurge",
     [("ServerName", SRVSVC_HANDLE), ("QueueName", WStringRef)], []),
    (7, "NetrCharDevQPurgeSelf",
     [("ServerName", SRVSVC_HANDLE), ("QueueName", WStringRef), ("ComputerName", WStringRef)],
     []),
)
for _opnum, _name, _in, _out in _CHARDEV_OPS:
    INTERFACE.operation(_opnum, _name, request=_in, response=_out,
                        returns="WERROR")(_char_dev_not_supported)


# -------------------------------------------------------------------------------------------
# Calls that change the server: refused (read-only emulation, see the package docstring)
# -------------------------------------------------------------------------------------------


def _refuse(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """ERROR_ACCESS_DENIED with NULL [out] parameters; the policy logs why."""
    op = ctx.operation
    assert op is not None
    return op.error_response(ctx.decide().status or ERROR_ACCESS_DENIED)


_PARM_ERR: Final = [("ParmErr", PDWORD)]
_REFUSED_OPS: Final[tuple[tuple[int, str, Sequence[tuple[str, NdrType]]], ...]] = (
    (22, "NetrServerSetInfo", _PARM_ERR),
    (25, "NetrServerTransportAdd", []),
    (27, "NetrServerTransportDel", []),
    (40, "NetrpSetFileSecurity", []),
    (41, "NetrServerTransportAddEx", []),
    (53, "NetrServerTransportDelEx", []),
)
for _opnum, _name, _out in _REFUSED_OPS:
    # [in] parameters are not decoded: trailing stub bytes are ignored (smbemu.rpc.ndr).
    INTERFACE.operation(_opnum, _name, request=(), response=_out, returns="WERROR")(_refuse)
