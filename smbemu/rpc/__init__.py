"""The DCE/RPC runtime: NDR20 engine, PDUs, the handler API, the registry, per-pipe endpoints.

Interface modules (``pipes/``) import only from here and from :mod:`smbemu.errors`::

    from smbemu.rpc import CallContext, Interface, Require, Rule, ndr, not_implemented

(``Rule`` / ``Require`` are the policy's, re-exported so an interface declares who may call it.)

The SMB layer uses :class:`smbemu.rpc.registry.Registry` and
:class:`smbemu.rpc.endpoint.RpcEndpoint` (imported from their modules).
"""

from smbemu.rpc import ndr
from smbemu.rpc.interface import (
    ANONYMOUS,
    CallContext,
    HandleEntry,
    HandleTable,
    Interface,
    Principal,
    SimplePrincipal,
    not_implemented,
)
from smbemu.policy import Require, Rule
from smbemu.rpc.ndr import NdrError, Operation, Sized

__all__ = [
    "ndr", "ANONYMOUS", "CallContext", "HandleEntry", "HandleTable", "Interface", "Principal",
    "SimplePrincipal", "not_implemented", "NdrError", "Operation", "Sized", "Require", "Rule",
]
