"""drsuapi: the Directory Replication Service Remote Protocol (MS-DRSR), on a domain
controller's lsass endpoints.

UUID e3514235-4b06-11d1-ab04-00c04fc2dcd2 version 4.0 (MS-DRSR 2.1).  Windows serves it from
lsass (the directory service runs in it), so it is reached on ``\\pipe\\lsass`` (and the other
pipes of the process) and on lsass's dynamic TCP port, registered with the endpoint mapper
(MS-DRSR 2.1: "RPC over TCP/IP ... the server's endpoint is dynamic"); on DC profiles only
(``objects.served_on``).

* **emulated**: IDL_DRSBind (0) / IDL_DRSUnbind (1) (``session``), IDL_DRSDomainControllerInfo
  (16), IDL_DRSGetNT4ChangeLog (11), IDL_DRSCrackNames (12) and IDL_DRSVerifyNames (8)
  (``names``), IDL_DRSGetNCChanges (3) (``replication``: DCSync);
* **not emulated**: the other opnums fault nca_op_rng_error (listed in
  tests/interop/test_opnum_walk.py NOT_YET): replica management (2, 4-7), memberships (9, 21),
  object moves and additions (10, 17, 20), SPN writes (13), DC removal and demotion (14, 15, 25-27),
  KCC (18), replication status (19), object verification / existence (22, 23), site costs (24),
  cloning (28) and the NGC key calls (29, 30).

Access (MS-DRSR 4.1.10.5): replicating secrets needs the control access rights
DS-Replication-Get-Changes and DS-Replication-Get-Changes-All on the NC root, which a default
domain grants to Administrators, Domain Admins, Enterprise Admins and Domain Controllers
(MS-ADTS 6.1.1.2.x default NC security descriptor); others get ERROR_DS_DRA_ACCESS_DENIED.
"""

from __future__ import annotations

from . import names, replication, session  # noqa: F401  (their @INTERFACE.operation run)
from .objects import INTERFACE, served_on

NOT_EMULATED = {
    2: "IDL_DRSReplicaSync", 4: "IDL_DRSUpdateRefs", 5: "IDL_DRSReplicaAdd", 6: "IDL_DRSReplicaDel",
    7: "IDL_DRSReplicaModify", 9: "IDL_DRSGetMemberships", 10: "IDL_DRSInterDomainMove",
    13: "IDL_DRSWriteSPN", 14: "IDL_DRSRemoveDsServer", 15: "IDL_DRSRemoveDsDomain",
    17: "IDL_DRSAddEntry", 18: "IDL_DRSExecuteKCC", 19: "IDL_DRSGetReplInfo", 20: "IDL_DRSAddSidHistory",
    21: "IDL_DRSGetMemberships2", 22: "IDL_DRSReplicaVerifyObjects", 23: "IDL_DRSGetObjectExistence",
    24: "IDL_DRSQuerySitesByCost", 25: "IDL_DRSInitDemotion", 26: "IDL_DRSReplicaDemotion",
    27: "IDL_DRSFinishDemotion", 28: "IDL_DRSAddCloneDC", 29: "IDL_DRSWriteNgcKey", 30: "IDL_DRSReadNgcKey",
}
for _opnum, _name in NOT_EMULATED.items():
    INTERFACE.not_implemented(_opnum, _name)

__all__ = ["INTERFACE", "NOT_EMULATED", "served_on"]
