"""The MS-RRP shutdown calls: BaseInitiateSystemShutdown (24), BaseAbortSystemShutdown (25) and
BaseInitiateSystemShutdownEx (30), refused with ERROR_ACCESS_DENIED (5) as the call's normal
return value -- never a fault.  Windows grants them to holders of SeRemoteShutdownPrivilege
(Administrators); the emulated machine is never shut down, so the policy's rule refuses everyone
(``smbemu.policy`` logs "read-only emulation").  impacket prints 5 as "rpc_s_access_denied"
because 5 is also in its table of DCE fault codes; on the wire it is an error_status_t.

Their [in] parameters are not decoded (no handle: the answer does not depend on them).  The
changes an administrator may make are :mod:`.writes` and :mod:`.hives`.
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.status import ERROR_ACCESS_DENIED

from . import INTERFACE


def _refuse(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    return op.error_response(ctx.decide().status or ERROR_ACCESS_DENIED)


#: (opnum, name) -- MS-RRP 3.1.5.24, 3.1.5.25, 3.1.5.29.
REFUSED: Final = ((24, "BaseInitiateSystemShutdown"), (25, "BaseAbortSystemShutdown"),
                  (30, "BaseInitiateSystemShutdownEx"))
for _opnum, _name in REFUSED:
    INTERFACE.operation(_opnum, _name, request=(), response=[], returns="error_status_t")(_refuse)

REFUSED_NAMES: Final = tuple(name for _, name in REFUSED)
