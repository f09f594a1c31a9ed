"""wkssvc: the Workstation Service Remote Protocol (MS-WKST), on ``\\PIPE\\wkssvc``.

UUID 6bffd098-a112-3610-9833-46c3f87e345a version 1.0 (MS-WKST 2.1).  Every opnum of MS-WKST 3.2.4
(0 to 30) is declared here, in opnum order:

* **emulated**: NetrWkstaGetInfo (0) levels 100/101/102, NetrWkstaUserEnum (2) levels 0/1,
  NetrWkstaTransportEnum (5) level 0, NetrGetJoinInformation (20), NetrEnumerateComputerNames
  (30) — from the fixture's machine and primary domain and the profile's identity;
* **"OpnumNNotUsedOnWire"** (3, 4, 12, 14-19, 21): "reserved for local use", behaviour
  undefined by MS-WKST: fault nca_op_rng_error 0x1C010002;
* **NetrUse*** (8-11): MS-WKST 3.2.4.7-3.2.4.10 "SHOULD NOT allow this method to be invoked
  remotely and SHOULD return ERROR_CALL_NOT_IMPLEMENTED" (120): answered so, levels echoed;
* **NetrWkstaSetInfo** (1): an administrator's settings are applied and read back by
  NetrWkstaGetInfo level 502 (``settings``);
* **other changes to the workstation**: ERROR_ACCESS_DENIED for non-administrators;
  administrators get Windows' answer where one is known (a bad join password, an unbound
  transport, the name calls) and ERROR_ACCESS_DENIED otherwise, the emulated machine being
  read-only;
* **not emulated yet** (NetrWorkstationStatisticsGet, NetrValidateName2,
  NetrGetJoinableOUs2): fault nca_op_rng_error rather than an invented answer.

Who may call what is decided by :mod:`smbemu.policy` (NetrWkstaGetInfo per level and per
release, NetrWkstaUserEnum administrators only); refusals are ERROR_ACCESS_DENIED as the return
value, not a fault.

The package, one module per sub-area (each declares its operations on ``objects.INTERFACE``):
``types`` (NDR types and constants), ``objects`` (the interface, shared helpers), ``info`` (the
read calls), ``settings`` (NetrWkstaSetInfo) and ``changes`` (the rest).
"""

from __future__ import annotations

# Importing the sub-area modules runs their @INTERFACE.operation decorators.
from . import changes, info, settings  # noqa: F401
from .info import transport
from .objects import INTERFACE, NOT_EMULATED, NOT_USED_ON_WIRE
from .types import WKSTA_502_DEFAULTS, WKSTA_INFO

__all__ = ["INTERFACE", "NOT_EMULATED", "NOT_USED_ON_WIRE", "WKSTA_502_DEFAULTS", "WKSTA_INFO",
           "transport"]
