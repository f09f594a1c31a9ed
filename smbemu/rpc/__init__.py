"""The DCE/RPC runtime: NDR20 engine, PDUs, the handler API, the registry, per-pipe endpoints.

Interface modules (``pipes/``) import only from here and from :mod:`smbemu.errors`::

    from smbemu.rpc import CallContext, Interface, Require, Rule, ndr, not_implemented

(``Rule`` / ``Require`` are the policy's, re-exported so an interface declares who may call it;
``Principal`` / ``PrincipalKind`` are :mod:`smbemu.principal`'s, the type of ``ctx.principal``;
``HandlerServer`` is the type of ``ctx.server``.)

The SMB layer uses :class:`smbemu.rpc.registry.Registry` and
:class:`smbemu.rpc.endpoint.RpcEndpoint` (imported from their modules).
"""

from smbemu.policy import Require, Rule
from smbemu.principal import ANONYMOUS, Principal, PrincipalKind
from smbemu.rpc import ndr
from smbemu.rpc.handler_server import HandlerServer
from smbemu.rpc.interface import (
    CallContext,
    HandleEntry,
    HandleTable,
    Interface,
    SimplePrincipal,  # TRANSITIONAL re-export, removed at integration
    not_implemented,
)
from smbemu.rpc.ndr import NdrError, Operation, Sized

__all__ = [
    "ndr", "ANONYMOUS", "CallContext", "HandleEntry", "HandleTable", "HandlerServer", "Interface",
    "Principal", "PrincipalKind", "SimplePrincipal", "not_implemented", "NdrError", "Operation",
    "Sized", "Require", "Rule",
]
