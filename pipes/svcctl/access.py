"""The SCM and service objects as access-checked objects (MS-SCMR 3.1.4; Microsoft's "Service
Security and Access Rights", D): their rights and generic mappings.  The policy's model grants
administrators every right and a token holding Everyone the type's READ | EXECUTE; the SCM's
remote restriction of XP SP2 / 2003 SP1 and later (remote authenticated users: SC_MANAGER_CONNECT
only, so no enumeration) is the RULES row of REnumServicesStatusW (smbemu/policy/rules.py)."""

from __future__ import annotations

from typing import Final

from smbemu.policy.access import ObjectType

SC_MANAGER_CONNECT: Final = 0x0001
SC_MANAGER_CREATE_SERVICE: Final = 0x0002
SC_MANAGER_ENUMERATE_SERVICE: Final = 0x0004
SC_MANAGER_LOCK: Final = 0x0008
SC_MANAGER_QUERY_LOCK_STATUS: Final = 0x0010
SC_MANAGER_MODIFY_BOOT_CONFIG: Final = 0x0020
SC_MANAGER_ALL_ACCESS: Final = 0x000F003F
SERVICE_QUERY_CONFIG: Final = 0x0001
SERVICE_CHANGE_CONFIG: Final = 0x0002
SERVICE_QUERY_STATUS: Final = 0x0004
SERVICE_ENUMERATE_DEPENDENTS: Final = 0x0008
SERVICE_START: Final = 0x0010
SERVICE_STOP: Final = 0x0020
SERVICE_PAUSE_CONTINUE: Final = 0x0040
SERVICE_INTERROGATE: Final = 0x0080
SERVICE_USER_DEFINED_CONTROL: Final = 0x0100
SERVICE_ALL_ACCESS: Final = 0x000F01FF
READ_CONTROL: Final = 0x00020000

#: MS-SCMR 3.1.4 (D): the SCM's generic mapping.  Everyone's READ | EXECUTE is the pre-XP-SP2
#: Authenticated Users ACE (CONNECT, ENUMERATE_SERVICE, QUERY_LOCK_STATUS, READ_CONTROL) plus
#: LOCK, which RLockServiceDatabase refuses anyway (read-only emulation).
SC_MANAGER: Final = ObjectType(
    "SC_MANAGER", "svcctl.manager",
    read=READ_CONTROL | SC_MANAGER_ENUMERATE_SERVICE | SC_MANAGER_QUERY_LOCK_STATUS,
    write=READ_CONTROL | SC_MANAGER_CREATE_SERVICE | SC_MANAGER_MODIFY_BOOT_CONFIG,
    execute=READ_CONTROL | SC_MANAGER_CONNECT | SC_MANAGER_LOCK, all=SC_MANAGER_ALL_ACCESS,
    rights=(("SC_MANAGER_CONNECT", 0x1), ("SC_MANAGER_CREATE_SERVICE", 0x2),
            ("SC_MANAGER_ENUMERATE_SERVICE", 0x4), ("SC_MANAGER_LOCK", 0x8),
            ("SC_MANAGER_QUERY_LOCK_STATUS", 0x10), ("SC_MANAGER_MODIFY_BOOT_CONFIG", 0x20)))
#: A service object.  The default service DACL's Authenticated Users ACE is "CCLCSWLOCRRC"
#: (D: `sc sdshow` of a default service): QUERY_CONFIG, QUERY_STATUS, ENUMERATE_DEPENDENTS,
#: INTERROGATE, USER_DEFINED_CONTROL, READ_CONTROL -- modelled as Everyone's READ | EXECUTE, so
#: EXECUTE here is USER_DEFINED_CONTROL | READ_CONTROL rather than MS-SCMR's
#: START | STOP | PAUSE_CONTINUE | USER_DEFINED_CONTROL (U: GENERIC_EXECUTE from a
#: non-administrator is granted less than Windows maps, instead of being refused).
SERVICE: Final = ObjectType(
    "SERVICE", "svcctl.service",
    read=READ_CONTROL | SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS | SERVICE_INTERROGATE
    | SERVICE_ENUMERATE_DEPENDENTS,
    write=READ_CONTROL | SERVICE_CHANGE_CONFIG,
    execute=READ_CONTROL | SERVICE_USER_DEFINED_CONTROL, all=SERVICE_ALL_ACCESS,
    rights=(("SERVICE_QUERY_CONFIG", 0x1), ("SERVICE_CHANGE_CONFIG", 0x2),
            ("SERVICE_QUERY_STATUS", 0x4), ("SERVICE_ENUMERATE_DEPENDENTS", 0x8),
            ("SERVICE_START", 0x10), ("SERVICE_STOP", 0x20), ("SERVICE_PAUSE_CONTINUE", 0x40),
            ("SERVICE_INTERROGATE", 0x80), ("SERVICE_USER_DEFINED_CONTROL", 0x100)))
