"""The access model: access masks, each object type's generic mapping, and the one function that
turns a desired access into a granted one.

A caller's rights on an object come from its token (``Policy.token``: administrators hold
BUILTIN\\Administrators) through the object type's default DACL (``Policy.held_rights``); a
handle is granted the desired access mapped through the type's generic mapping (MS-DTYP 2.5.3.2
MapGenericBits), or refused when it asks for a right the caller does not hold
(:func:`grant_access`).  SAMR (server, domain, group, alias, user objects) and LSA (the policy
object) share this model; their handlers reach it through ``CallContext.grant``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "READ_CONTROL", "DELETE", "STANDARD_RIGHTS_REQUIRED", "ACCESS_SYSTEM_SECURITY",
    "MAXIMUM_ALLOWED", "GENERIC_ALL", "GENERIC_EXECUTE", "GENERIC_WRITE", "GENERIC_READ",
    "POLICY_VIEW_LOCAL_INFORMATION", "POLICY_VIEW_AUDIT_INFORMATION",
    "POLICY_GET_PRIVATE_INFORMATION", "POLICY_LOOKUP_NAMES", "POLICY_ALL_ACCESS",
    "ObjectType", "SAM_SERVER", "SAM_DOMAIN", "SAM_GROUP", "SAM_ALIAS", "SAM_USER", "LSA_POLICY",
    "LSA_ACCOUNT",
    "OBJECT_TYPES", "grant_access",
]

# MS-DTYP 2.4.3 access mask bits.
DELETE: Final = 0x00010000
READ_CONTROL: Final = 0x00020000
STANDARD_RIGHTS_REQUIRED: Final = 0x000F0000
ACCESS_SYSTEM_SECURITY: Final = 0x01000000
MAXIMUM_ALLOWED: Final = 0x02000000
GENERIC_ALL: Final = 0x10000000
GENERIC_EXECUTE: Final = 0x20000000
GENERIC_WRITE: Final = 0x40000000
GENERIC_READ: Final = 0x80000000
_GENERIC: Final = GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL
# MS-LSAD 2.2.1.1.2 policy object rights the rules name.
POLICY_VIEW_LOCAL_INFORMATION: Final = 0x00000001
POLICY_VIEW_AUDIT_INFORMATION: Final = 0x00000002
POLICY_GET_PRIVATE_INFORMATION: Final = 0x00000004
POLICY_LOOKUP_NAMES: Final = 0x00000800
POLICY_ALL_ACCESS: Final = 0x000F0FFF


# MS-SAMR 2.2.1.3 server object rights.
SAM_SERVER_CONNECT: Final = 0x00000001
SAM_SERVER_SHUTDOWN: Final = 0x00000002
SAM_SERVER_INITIALIZE: Final = 0x00000004
SAM_SERVER_CREATE_DOMAIN: Final = 0x00000008
SAM_SERVER_ENUMERATE_DOMAINS: Final = 0x00000010
SAM_SERVER_LOOKUP_DOMAIN: Final = 0x00000020
# MS-SAMR 2.2.1.4 domain object rights.
DOMAIN_READ_PASSWORD_PARAMETERS: Final = 0x00000001
DOMAIN_WRITE_PASSWORD_PARAMS: Final = 0x00000002
DOMAIN_READ_OTHER_PARAMETERS: Final = 0x00000004
DOMAIN_WRITE_OTHER_PARAMETERS: Final = 0x00000008
DOMAIN_CREATE_USER: Final = 0x00000010
DOMAIN_CREATE_GROUP: Final = 0x00000020
DOMAIN_CREATE_ALIAS: Final = 0x00000040
DOMAIN_GET_ALIAS_MEMBERSHIP: Final = 0x00000080
DOMAIN_LIST_ACCOUNTS: Final = 0x00000100
DOMAIN_LOOKUP: Final = 0x00000200
DOMAIN_ADMINISTER_SERVER: Final = 0x00000400
# MS-SAMR 2.2.1.5 group object rights.
GROUP_READ_INFORMATION: Final = 0x00000001
GROUP_WRITE_ACCOUNT: Final = 0x00000002
GROUP_ADD_MEMBER: Final = 0x00000004
GROUP_REMOVE_MEMBER: Final = 0x00000008
GROUP_LIST_MEMBERS: Final = 0x00000010
# MS-SAMR 2.2.1.6 alias object rights.
ALIAS_ADD_MEMBER: Final = 0x00000001
ALIAS_REMOVE_MEMBER: Final = 0x00000002
ALIAS_LIST_MEMBERS: Final = 0x00000004
ALIAS_READ_INFORMATION: Final = 0x00000008
ALIAS_WRITE_ACCOUNT: Final = 0x00000010
# MS-SAMR 2.2.1.7 user object rights.
USER_READ_GENERAL: Final = 0x00000001
USER_READ_PREFERENCES: Final = 0x00000002
USER_WRITE_PREFERENCES: Final = 0x00000004
USER_READ_LOGON: Final = 0x00000008
USER_READ_ACCOUNT: Final = 0x00000010
USER_WRITE_ACCOUNT: Final = 0x00000020
USER_CHANGE_PASSWORD: Final = 0x00000040
USER_FORCE_PASSWORD_CHANGE: Final = 0x00000080
USER_LIST_GROUPS: Final = 0x00000100
USER_READ_GROUP_INFORMATION: Final = 0x00000200
USER_WRITE_GROUP_INFORMATION: Final = 0x00000400
#: MS-DTYP 2.4.3 standard rights, named in decisions.
_STANDARD_NAMES: Final = (("DELETE", DELETE), ("READ_CONTROL", READ_CONTROL),
                          ("WRITE_DAC", 0x00040000), ("WRITE_OWNER", 0x00080000),
                          ("ACCESS_SYSTEM_SECURITY", ACCESS_SYSTEM_SECURITY))


def _named(prefix: str) -> tuple[tuple[str, int], ...]:
    return tuple((name, value) for name, value in globals().items()
                 if name.startswith(prefix) and isinstance(value, int))


@dataclass(frozen=True, slots=True)
class ObjectType:
    """An object a handle refers to: its name in decisions (``SAM_DOMAIN``), its handle kind
    (``samr.domain``) and its generic mapping (the type's *_READ, *_WRITE, *_EXECUTE and
    *_ALL_ACCESS values)."""

    name: str
    kind: str
    read: int
    write: int
    execute: int
    all: int
    #: (name, bit) of the type's specific rights, for explanations.
    rights: tuple[tuple[str, int], ...] = ()

    def describe(self, mask: int) -> str:
        """``DOMAIN_CREATE_USER`` / ``USER_READ_GENERAL|READ_CONTROL`` / ``0x...`` for a mask."""
        names = [name for name, bit in (*self.rights, *_STANDARD_NAMES) if mask & bit]
        rest = mask & ~sum(bit for _, bit in (*self.rights, *_STANDARD_NAMES))
        if rest or not names:
            names.append(f"0x{rest:08X}")
        return "|".join(names)

    @property
    def everyone(self) -> int:
        """READ | EXECUTE: what the type's default DACL grants Everyone (World)."""
        return self.read | self.execute

    def map_generic(self, desired: int) -> int:
        """MS-DTYP 2.5.3.2 MapGenericBits: generic bits replaced by the type's specific rights."""
        mapped = desired & ~_GENERIC
        for bit, rights in ((GENERIC_READ, self.read), (GENERIC_WRITE, self.write),
                            (GENERIC_EXECUTE, self.execute), (GENERIC_ALL, self.all)):
            if desired & bit:
                mapped |= rights
        return mapped


# MS-SAMR 2.2.1.3-2.2.1.7: the generic mappings of the SAM object types.
SAM_SERVER: Final = ObjectType("SAM_SERVER", "samr.server", 0x00020010, 0x0002000E, 0x00020021,
                               0x000F003F, _named("SAM_SERVER_"))
SAM_DOMAIN: Final = ObjectType("SAM_DOMAIN", "samr.domain", 0x00020084, 0x0002047A, 0x00020301,
                               0x000F07FF, _named("DOMAIN_"))
SAM_GROUP: Final = ObjectType("SAM_GROUP", "samr.group", 0x00020010, 0x0002000E, 0x00020001,
                              0x000F001F, _named("GROUP_"))
SAM_ALIAS: Final = ObjectType("SAM_ALIAS", "samr.alias", 0x00020004, 0x00020013, 0x00020008,
                              0x000F001F, _named("ALIAS_"))
SAM_USER: Final = ObjectType("SAM_USER", "samr.user", 0x0002031A, 0x00020044, 0x00020041,
                             0x000F07FF, _named("USER_"))
# MS-LSAD 2.2.1.1.2: the policy object (POLICY_READ, POLICY_WRITE, POLICY_EXECUTE, ALL_ACCESS).
LSA_POLICY: Final = ObjectType(
    "LSA_POLICY", "lsarpc.policy",
    READ_CONTROL | POLICY_VIEW_AUDIT_INFORMATION | POLICY_GET_PRIVATE_INFORMATION,
    READ_CONTROL | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040 | 0x00000080 | 0x00000100
    | 0x00000200 | 0x00000400,
    READ_CONTROL | POLICY_VIEW_LOCAL_INFORMATION | POLICY_LOOKUP_NAMES,
    POLICY_ALL_ACCESS, (("POLICY_VIEW_LOCAL_INFORMATION", POLICY_VIEW_LOCAL_INFORMATION),
                        ("POLICY_VIEW_AUDIT_INFORMATION", POLICY_VIEW_AUDIT_INFORMATION),
                        ("POLICY_GET_PRIVATE_INFORMATION", POLICY_GET_PRIVATE_INFORMATION),
                        ("POLICY_LOOKUP_NAMES", POLICY_LOOKUP_NAMES)))
# MS-LSAD 2.2.1.1.3: the account object (ACCOUNT_READ, ACCOUNT_WRITE, ACCOUNT_EXECUTE, ALL).
LSA_ACCOUNT: Final = ObjectType(
    "LSA_ACCOUNT", "lsarpc.account", READ_CONTROL | 0x00000001,
    READ_CONTROL | 0x00000002 | 0x00000004 | 0x00000008, READ_CONTROL,
    STANDARD_RIGHTS_REQUIRED | 0x0000000F,
    (("ACCOUNT_VIEW", 0x1), ("ACCOUNT_ADJUST_PRIVILEGES", 0x2), ("ACCOUNT_ADJUST_QUOTAS", 0x4),
     ("ACCOUNT_ADJUST_SYSTEM_ACCESS", 0x8)))
OBJECT_TYPES: Final = {t.kind: t for t in (SAM_SERVER, SAM_DOMAIN, SAM_GROUP, SAM_ALIAS, SAM_USER,
                                           LSA_POLICY, LSA_ACCOUNT)}


def grant_access(object_type: ObjectType, desired: int, held: int) -> int | None:
    """The access a handle on ``object_type`` is granted for ``desired``; None = access denied.

    ``held`` is what the caller's token is granted on the object (``Policy.held_rights``).
    Every requested right (generic bits mapped) must be held, else the whole open is refused;
    MAXIMUM_ALLOWED adds every held right, and fails when nothing is held (MS-DTYP 2.5.3.2).
    """
    wanted = object_type.map_generic(desired)
    granted = wanted & ~MAXIMUM_ALLOWED
    if granted & ~held:
        return None
    if wanted & MAXIMUM_ALLOWED:
        granted |= held
        if not granted:
            # MS-DTYP 2.5.3.2: MAXIMUM_ALLOWED over a DACL that grants the token nothing is a
            # failed access check (STATUS_ACCESS_DENIED), not a handle with no rights.
            return None
    return granted
