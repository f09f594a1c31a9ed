"""What the Task Scheduler tells the server's observers: one
`smbemu.events.ScheduledTaskChanged` per change of a task (the audit log writes it as 4698-4702,
`smbemu.audit_tasks`; nothing is built when nobody listens)."""

from __future__ import annotations

from typing import Any, Final

from smbemu.events import ScheduledTaskChanged
from smbemu.rpc import CallContext

#: Security events of the "Audit Other Object Access Events" subcategory (Microsoft's event
#: pages event-4698 ... event-4702).
TASK_CREATED: Final = 4698
TASK_DELETED: Final = 4699
TASK_ENABLED: Final = 4700
TASK_DISABLED: Final = 4701
TASK_UPDATED: Final = 4702


def task_changed(ctx: CallContext, event_id: int, task: Any) -> None:
    observers = getattr(ctx.server, "observers", None)
    if not observers:
        return
    session = ctx.server.sessions.get(ctx.session_id)
    observers.emit(ScheduledTaskChanged(
        event_id=event_id, principal=ctx.principal, session_id=ctx.session_id,
        client_address=getattr(session, "client_address", "") or "",
        task_name=task.path, task_content=task.xml))
