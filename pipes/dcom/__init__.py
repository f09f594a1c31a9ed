"""DCOM (MS-DCOM): remote activation and the object exporter, with ``smbemu serve --rpc-tcp``.

On TCP 135 and ``\\PIPE\\epmapper``, beside the endpoint mapper (the RPC endpoint mapper's
process, RpcSs, hosts all three; MS-DCOM 2.1 gives them its well-known endpoints):
``exporter`` (IObjectExporter, the OXID resolver) and ``activation`` (IActivation,
IRemoteSCMActivator).  On a dynamic TCP port of its own (smbemu.rpc_tcp service ``dcom``), the
object exporter of the one COM server smbemu emulates, the COM+ Event System: ``remunknown``
(IRemUnknown, IRemUnknown2), ``comev`` (IEventSystem and the event store's collection,
enumerator, event class and subscription objects, the store in ``eventstore``) and ``typeinfo``
(IEventSystem's ITypeInfo).  ``classes`` says what each CLSID answers;
``objects`` keeps the OXID / OID / IPID tables and the ping sets, bounded; ``wire`` has the
shared wire types.
"""

from __future__ import annotations

from typing import Final

from smbemu.policy import check_rules, declare_operations
from smbemu.rpc.ndr import Operation

from .activation import IACTIVATION, ISCM_ACTIVATOR
from .exporter import INTERFACE as IOBJECT_EXPORTER
from .comev import STORE_INTERFACES
from .remunknown import IREM_UNKNOWN, IREM_UNKNOWN2
from .typeinfo import ITYPEINFO

__all__ = ["INTERFACES", "IOBJECT_EXPORTER", "OBJECT_INTERFACES"]

#: Served on the object exporter's port (the COM server's own, smbemu.rpc_tcp service ``dcom``).
OBJECT_INTERFACES: Final = (IREM_UNKNOWN, IREM_UNKNOWN2, ITYPEINFO, *STORE_INTERFACES)

# The object port's interfaces are not on any pipe, so the registry never loads them: they are
# checked here the way it checks the others (smbemu.rpc.registry), and the listener finds them
# on the resolver (smbemu.rpc_tcp reads ``object_interfaces``).
for _iface in OBJECT_INTERFACES:
    _iface.validate()
    _ops = [op for op in _iface.operations.values() if isinstance(op, Operation)]
    assert not check_rules(_iface.name, (op.name for op in _ops), _iface.rules)
    declare_operations(_iface.name, {op.name: op.returns for op in _ops})
IOBJECT_EXPORTER.object_interfaces = OBJECT_INTERFACES  # type: ignore[attr-defined]

INTERFACES: Final = (IOBJECT_EXPORTER, IACTIVATION, ISCM_ACTIVATOR)
