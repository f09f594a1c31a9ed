"""drsuapi: the Directory Replication Service Remote Protocol (MS-DRSR), on a domain
controller's lsass endpoints.

UUID e3514235-4b06-11d1-ab04-00c04fc2dcd2 version 4.0 (MS-DRSR 2.1).  Windows serves it from
lsass (the directory service runs in it), so it is reached on ``\\pipe\\lsass`` (and the other
pipes of the process) and on lsass's dynamic TCP port, registered with the endpoint mapper
(MS-DRSR 2.1: "RPC over TCP/IP ... the server's endpoint is dynamic"); on DC profiles only
(``objects.served_on``).

* **emulated**: IDL_DRSBind (0) / IDL_DRSUnbind (1) (``session``), IDL_DRSDomainControllerInfo
  (16), IDL_DRSGetNT4ChangeLog (11), IDL_DRSCrackNames (12) and IDL_DRSVerifyNames (8)
  (``names``), IDL_DRSGetNCChanges (3) (``replication``: DCSync); replica management (2, 4-7),
  the KCC (18), object verification (22) and site costs (24) (``topology``); memberships (9, 21)
  and object existence (23) (``memberships``); replication status (19) (``replinfo``); SPN writes
  (13) and the NGC keys (29, 30) kept in memory, and the calls smbemu does not carry out --
  cross-domain moves (10), DC and domain removal (14, 15), object additions (17), SID history
  (20), AD LDS demotion (25-27), cloning (28) -- answered with the status Windows gives the
  caller (``writes``).  Every opnum of the interface is served.

Access (MS-DRSR 4.1.10.5): replicating secrets needs the control access rights
DS-Replication-Get-Changes and DS-Replication-Get-Changes-All on the NC root, which a default
domain grants to Administrators, Domain Admins, Enterprise Admins and Domain Controllers
(MS-ADTS 6.1.1.2.x default NC security descriptor); others get ERROR_DS_DRA_ACCESS_DENIED.
"""

from __future__ import annotations

from typing import Final

from . import memberships, names, replication, replinfo, session, topology, writes  # noqa: F401  (their @INTERFACE.operation run)
from .objects import INTERFACE, served_on

#: Opnums answered nca_op_rng_error: none (every MS-DRSR 4.1 method of Windows Server 2016 is served).
NOT_EMULATED: Final[dict[int, str]] = {}

__all__ = ["INTERFACE", "NOT_EMULATED", "served_on"]
