"""A deleted service's life until its last handle closes (MS-SCMR 3.1.4.3 RDeleteService: "the
service record is removed from the SCM database when all open handles to the service are closed
and the service is not running"; until then it is *marked for delete*).

Every service handle is remembered with the handle table view that issued it
(:func:`track`); a marked service whose handles are all gone -- closed by
RCloseServiceHandle, or run down with their association (MS-RPCE context rundown) -- is removed
by :func:`sweep`, which the calls that look services up run first.  The record lives in the
server's memo, so it is shared by every connection and lasts until the server stops.
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext
from smbemu.service_catalog import remove, running_on

#: server memo: lower-cased service name -> the (table view, handle) pairs opened on it.
_HANDLES: Final = "svcctl.service_handles"
#: server memo: the lower-cased names of the services marked for delete.
_MARKED: Final = "svcctl.marked_for_delete"
#: server memo: lower-cased service name -> its RChangeServiceConfig2W settings (pipes/svcctl/config2.py).
CONFIG2: Final = "svcctl.config2"
#: The kind svcctl gives a service handle (pipes/svcctl/__init__.py).
SERVICE_HANDLE: Final = "svcctl.service"


def track(ctx: CallContext, name: str, handle: bytes) -> None:
    """Remember that ``handle`` (just issued by ``ctx.handles``) refers to service ``name``."""
    opened: dict[str, list[tuple[Any, bytes]]] = ctx.server.memo(_HANDLES, dict)
    live = [pair for pair in opened.get(name.lower(), []) if _alive(pair)]
    live.append((ctx.handles, handle))
    opened[name.lower()] = live


def _alive(pair: tuple[Any, bytes]) -> bool:
    table, handle = pair
    return table.lookup(handle, SERVICE_HANDLE) is not None


def is_marked(ctx: CallContext, name: str) -> bool:
    return name.lower() in ctx.server.memo(_MARKED, set)


def mark(ctx: CallContext, name: str) -> None:
    """RDeleteService succeeded: the service is marked for delete (removed at the next
    :func:`sweep` once no handle is left)."""
    marked: set[str] = ctx.server.memo(_MARKED, set)
    marked.add(name.lower())


def sweep(ctx: CallContext) -> None:
    """Remove every marked service that is stopped and no handle refers to any more."""
    marked: set[str] = ctx.server.memo(_MARKED, set)
    if not marked:
        return
    opened: dict[str, list[tuple[Any, bytes]]] = ctx.server.memo(_HANDLES, dict)
    for name in list(marked):
        if not running_on(ctx.server, name) and not any(_alive(p) for p in opened.get(name, [])):
            marked.discard(name)
            opened.pop(name, None)
            remove(ctx.server, name)
            settings: dict[str, dict[str, Any]] = ctx.server.memo(CONFIG2, dict)
            settings.pop(name, None)
