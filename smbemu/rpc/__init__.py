"""The DCE/RPC runtime: NDR20 engine, PDUs, the handler API, the registry, per-pipe endpoints.

Interface modules (``pipes/``) import from here, from :mod:`smbemu.errors` and from the leaf modules
named below::

    from smbemu.rpc import CallContext, Interface, Require, Rule, ndr, not_implemented

This is the handler API a plugin imports. ``Rule`` / ``Require`` are the policy's, offered here so
an interface declares who may call it; ``Principal`` / ``PrincipalKind`` / ``ANONYMOUS`` are
:mod:`smbemu.principal`'s (the type of ``ctx.principal``, its kinds, the anonymous identity);
``HandlerServer`` is the type of ``ctx.server``. Status codes, FILETIME, SIDs and pipe names come
from their protocol-neutral homes (``smbemu.status``, ``smbemu.filetime``, ``smbemu.sid``,
``smbemu.pipe_names``), which handlers import directly.

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
    not_implemented,
)
from smbemu.rpc.ndr import NdrError, Operation, Sized

__all__ = [
    "ndr", "ANONYMOUS", "CallContext", "HandleEntry", "HandleTable", "HandlerServer", "Interface",
    "Principal", "PrincipalKind", "not_implemented", "NdrError", "Operation",
    "Sized", "Require", "Rule",
]
