"""dssetup: the Directory Services Setup Remote Protocol (MS-DSSP), on ``\\PIPE\\lsarpc``.

UUID 3919286a-b10c-11d0-9ba8-00c04fd92ef5 version 0.0 (MS-DSSP 2.1).  The interface is served
by the LSA process, so it is reached on the lsarpc pipe (a pipe hosts several interfaces; the
bind_ack names ``\\PIPE\\lsass`` as for lsarpc itself).

* DsRolerGetPrimaryDomainInformation (0, MS-DSSP 3.2.5.1) is emulated for its three levels:
  1 DsRolePrimaryDomainInfoBasic (role, flags, flat / DNS / forest names, domain GUID) from the
  directory's role rule, 2 DsRoleUpgradeStatus (no upgrade in progress), 3 DsRoleOperationState
  (idle).  Any other level answers ERROR_INVALID_PARAMETER (87) with a NULL DomainInfo.
* Opnums 1-10 (the dcpromo calls of Windows 2000 / 2003: DsRolerDnsNameToFlatName ..
  DsRolerAbortDownlevelServerUpgrade) are "not used on the wire" in MS-DSSP 3.2.5 and fault
  nca_op_rng_error.

Who may call it is the policy's question, asked through the call context
(``ctx.decide(level=level)``); a refusal is the WERROR it returns.
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import Guid, Pointer, Struct, Union, WString, enum16, uint32
from smbemu.status import (
    ERROR_INVALID_PARAMETER,
    ERROR_SUCCESS,
)

#: MS-DSSP 2.2.1 DSROLE_MACHINE_ROLE.
DSROLE_ROLE_STANDALONE_SERVER: Final = 2
DSROLE_ROLE_MEMBER_SERVER: Final = 3
DSROLE_ROLE_BACKUP_DC: Final = 4
DSROLE_ROLE_PRIMARY_DC: Final = 5
#: MS-DSSP 2.2.2 DSROLER_PRIMARY_DOMAIN_INFO_BASIC Flags.
DSROLE_PRIMARY_DS_RUNNING: Final = 0x00000001
DSROLE_PRIMARY_DS_MIXED_MODE: Final = 0x00000002
DSROLE_PRIMARY_DOMAIN_GUID_PRESENT: Final = 0x01000000
#: MS-DSSP 2.2.5 / 2.2.4: no upgrade in progress, server state unknown; operation idle.
DSROLE_SERVER_UNKNOWN: Final = 0
DSROLE_OPERATION_IDLE: Final = 0

DSROLER_PRIMARY_DOMAIN_INFO_BASIC: Final = Struct("DSROLER_PRIMARY_DOMAIN_INFO_BASIC", [
    ("MachineRole", enum16), ("Flags", uint32), ("DomainNameFlat", WString),
    ("DomainNameDns", WString), ("DomainForestName", WString), ("DomainGuid", Guid)])
DSROLE_UPGRADE_STATUS_INFO: Final = Struct("DSROLE_UPGRADE_STATUS_INFO", [
    ("OperationState", uint32), ("PreviousServerState", enum16)])
#: OperationState is a 16-bit enum; it is written as 32 bits so that the bytes read the same
#: whether the union arm is aligned to the arm (Samba's pidl) or to the union (impacket): the
#: value is always DsRoleOperationIdle (0).
DSROLE_OPERATION_STATE_INFO: Final = Struct("DSROLE_OPERATION_STATE_INFO", [
    ("OperationState", uint32)])
#: ``[switch_is(InfoLevel)] DSROLER_PRIMARY_DOMAIN_INFORMATION`` (the level is a 16-bit enum).
DSROLER_PRIMARY_DOMAIN_INFORMATION: Final = Union(enum16, {
    1: DSROLER_PRIMARY_DOMAIN_INFO_BASIC, 2: DSROLE_UPGRADE_STATUS_INFO,
    3: DSROLE_OPERATION_STATE_INFO}, default=None, name="DSROLER_PRIMARY_DOMAIN_INFORMATION")

INTERFACE: Final = Interface(
    name="dssetup", uuid="3919286a-b10c-11d0-9ba8-00c04fd92ef5", version=(0, 0),
    pipes=("lsarpc", "lsass"), opnum_count=11, secondary_address="\\PIPE\\lsass",
    description="Directory Services Setup Remote Protocol (MS-DSSP)")

#: MS-DSSP 3.2.5: opnums 1-10 are not used on the wire (Windows 2000 / 2003 dcpromo calls).
NOT_USED_ON_WIRE: Final = {
    1: "DsRolerDnsNameToFlatName", 2: "DsRolerDcAsDc", 3: "DsRolerDcAsReplica",
    4: "DsRolerDemoteDc", 5: "DsRolerGetDcOperationProgress", 6: "DsRolerGetDcOperationResults",
    7: "DsRolerCancel", 8: "DsRolerServerSaveStateForUpgrade",
    9: "DsRolerUpgradeDownlevelServer", 10: "DsRolerAbortDownlevelServerUpgrade"}
for _opnum, _name in NOT_USED_ON_WIRE.items():
    INTERFACE.not_implemented(_opnum, _name)


def basic_info(ctx: CallContext) -> dict[str, Any]:
    """DSROLER_PRIMARY_DOMAIN_INFO_BASIC for the directory's role (MS-DSSP 2.2.2, 3.2.5.1):

    * DC: the PDC of the domain (smbemu emulates one DC, so it holds the PDC role), the
      directory service running, the GUID present; before Windows Server 2008 the domain is in
      mixed mode, the functional level dcpromo chose by default on 2000 and 2003 (W);
    * member: a member server of the AD domain, its names and GUID;
    * standalone: a standalone server in a workgroup: the workgroup name, no DNS names, no GUID.
    """
    directory = ctx.server.directory
    primary = directory.primary_domain
    role = directory.role
    if role == "standalone":
        return {"MachineRole": DSROLE_ROLE_STANDALONE_SERVER, "Flags": 0,
                "DomainNameFlat": primary.name, "DomainNameDns": None,
                "DomainForestName": None, "DomainGuid": Guid.default()}
    flags = DSROLE_PRIMARY_DOMAIN_GUID_PRESENT if primary.guid is not None else 0
    machine_role = DSROLE_ROLE_MEMBER_SERVER
    if role == "dc":
        machine_role = DSROLE_ROLE_PRIMARY_DC
        flags |= DSROLE_PRIMARY_DS_RUNNING
        if ctx.server_view.version < (6, 0):
            flags |= DSROLE_PRIMARY_DS_MIXED_MODE
    return {"MachineRole": machine_role, "Flags": flags, "DomainNameFlat": primary.name,
            "DomainNameDns": primary.dns_name, "DomainForestName": primary.forest_dns_name,
            "DomainGuid": primary.guid if primary.guid is not None else Guid.default()}


@INTERFACE.operation(0, "DsRolerGetPrimaryDomainInformation",
                     request=[("InfoLevel", enum16)],
                     response=[("DomainInfo", Pointer(DSROLER_PRIMARY_DOMAIN_INFORMATION))],
                     returns="WERROR")
def DsRolerGetPrimaryDomainInformation(ctx: CallContext,
                                       request: dict[str, Any]) -> dict[str, Any]:
    """MS-DSSP 3.2.5.1: the machine's role and domain (1), upgrade status (2), operation
    state (3)."""
    level = request["InfoLevel"]
    if level not in (1, 2, 3):
        return {"DomainInfo": None, "ReturnValue": ERROR_INVALID_PARAMETER}
    status = ctx.decide(level=level).status
    if status:
        return {"DomainInfo": None, "ReturnValue": status}
    if level == 1:
        info = basic_info(ctx)
    elif level == 2:
        info = {"OperationState": 0, "PreviousServerState": DSROLE_SERVER_UNKNOWN}
    else:
        info = {"OperationState": DSROLE_OPERATION_IDLE}
    return {"DomainInfo": (level, info), "ReturnValue": ERROR_SUCCESS}


__all__ = ["INTERFACE", "NOT_USED_ON_WIRE", "DSROLER_PRIMARY_DOMAIN_INFORMATION", "basic_info"]
