"""tsch: the Task Scheduler Service Remoting Protocol (MS-TSCH), on ``\\PIPE\\atsvc``.

Three interfaces share the pipe and one task store (:mod:`.store`, in the server's memory,
shared by every connection):

* ``atsvc`` -- ATSvc, Net Schedule (:mod:`.atsvc`, MS-TSCH 3.2.5.2), every release;
* ``sasec`` -- SASec, the Task Scheduler Agent (:mod:`.sasec`, 3.2.5.3), from Windows 2000;
* ``tsch`` -- ITaskSchedulerService (:mod:`.service`, :mod:`.runs`, 3.2.5.4), from Vista /
  2008, also on a dynamic TCP port with ``--rpc-tcp`` (`smbemu.rpc_tcp`), registered with the
  endpoint mapper as Windows registers it (pipes/epmapper/registrations.py).

**The emulator never runs anything**: a registered task is stored with its XML exactly as
given, and SchRpcRun records an instance that ends without executing its action
(:mod:`.store` says what each query reports).  Task changes are reported to the observers
(:mod:`.reports`): the audit log writes 4698 (created), 4699 (deleted), 4700 (enabled), 4701
(disabled) and 4702 (updated) when "Audit Other Object Access Events" is on
(`smbemu.audit_tasks`).

The pipe exists while the Task Scheduler service ("Schedule") runs (smbemu.service_catalog:
automatic on every profiled release).  Anonymous callers do not reach it: ``atsvc`` is in no
release's NullSessionPipes (policies/*.yaml), so CREATE is STATUS_ACCESS_DENIED where
RestrictNullSessAccess is 1 (every release).  Authenticated callers open it; each interface's
rules then decide (administrators for every change; MS-TSCH 3.2.5.2-4).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.service_catalog import running_on

from .atsvc import INTERFACE as ATSVC
from .sasec import INTERFACE as SASEC
from .service import INTERFACE as TSCH
from . import runs  # noqa: F401,I001  (ITaskSchedulerService opnums 9-19 join TSCH)


def schedule_running(config: Any) -> bool:
    """Is ``\\PIPE\\atsvc`` there?  While the Task Scheduler service runs."""
    return running_on(config, "Schedule")


for _iface in (ATSVC, SASEC, TSCH):
    _iface.available = schedule_running  # type: ignore[attr-defined]

INTERFACES: Final = (ATSVC, SASEC, TSCH)

__all__ = ["INTERFACES", "ATSVC", "SASEC", "TSCH", "schedule_running"]
