"""samr: the Security Account Manager Remote Protocol (MS-SAMR), on ``\\PIPE\\samr``.

UUID 12345778-1234-abcd-ef00-0123456789ac version 1.0 (MS-SAMR 1.9, 2.1).  Every opnum MS-SAMR 3.1.5
lists (0 to 73) is declared here, in one of these ways:

* **emulated** — answered from the fixture directory (``ctx.server.directory``): the account domain
  (the machine's local SAM on a member / standalone profile, the domain's accounts on a DC profile,
  see ``smbemu/directory.py``) and Builtin (S-1-5-32);
* **changes** — users created (SamrCreateUser2InDomain / SamrCreateUserInDomain), changed and given
  passwords (SamrSetInformationUser / 2, the encrypted classes 23-26), deleted (SamrDeleteUser);
  groups and aliases created, renamed and deleted (``groups``); group and alias members added and
  removed; a user's own password change (SamrUnicodeChangePasswordUser2, SamrOemChangePasswordUser2,
  SamrChangePasswordUser).  The directory changes (`smbemu.directory.changes`), every
  later call sees it, and each change is reported to the observers (the audit log's 4720-4743);
* **administrator changes** — security descriptors (on a DC: a user's "cannot change password"),
  group member attributes and the DSRM password, as Windows answers an administrator
  (``admin_changes``);
* **domain settings** — SamrSetInformationDomain: an administrator's password, lockout and logoff
  policies, OEM information and replica source (``domain_writes``; audit 4739);
* **refused** — the other call that changes the SAM (shutting it down) answers
  STATUS_ACCESS_DENIED
  (0xC0000022) once their leading handle has been checked; their other [in] parameters are not
  decoded and their [out] parameters are NULL / zero;
* **"OpnumNNNotUsedOnWire"** (59, 60, 68-72) — MS-SAMR: "reserved for local use";
  fault nca_op_rng_error 0x1C010002, what the RPC runtime answers for an opnum it does not
  dispatch.  42 / 43 (SamrTestPrivateFunctionsDomain / User: STATUS_NOT_IMPLEMENTED), 61
  (SamrConnect3) and 63 (SamrUnicodeChangePasswordUser3, per release: ``password_change3``) are
  listed there too, but Windows dispatches them (``server``);
* **per release** — SamrUnicodeChangePasswordUser4 (73, the AES password change) is answered by
  the Windows Server 2022 profiles and faults nca_op_rng_error on the earlier ones, whose
  Windows had no such opnum (``password_change4``).  SamrValidatePassword (67) faults
  rpc_s_access_denied without packet privacy over TCP, as Windows, and applies the domain's
  policy with it (``validate_password``).

Context handles (MS-SAMR 3.1.1.10) live in ``ctx.handles`` with a kind (``samr.server``,
``samr.domain``, ``samr.user``, ``samr.group``, ``samr.alias``) and the access granted when they were
opened.  Each call checks, in this order (the order of MS-SAMR 3.1.5.x's processing rules):

1. the handle is one samr issued to this caller, else the RPC runtime's fault
   nca_s_fault_context_mismatch 0x1C00001A before the SAM sees the call: a closed, stale or
   foreign handle, or another interface's handle in a shared association group (an lsarpc
   policy handle), as Windows' runtime rejects it (MS-SAMR 3.1.2 / MS-RPCE 2.2.4.15
   strict_context_handle; Samba's torture rpc.handles and samr.handletype, written against
   Windows, expect NT_STATUS_RPC_SS_CONTEXT_MISMATCH; ``objects.lookup_handle``);
2. it is of the kind the call takes (else STATUS_OBJECT_TYPE_MISMATCH 0xC0000024 for a live
   handle of another SAM object type, e.g. a domain handle given to SamrQueryInformationUser:
   the NT object-type status for "right handle, wrong object type".  U: MS-SAMR does not say;
   ReactOS's samsrv (SampValidateDbObject) answers STATUS_INVALID_HANDLE);
3. the access the call needs (MS-SAMR 3.1.5.x, "the server MUST return STATUS_ACCESS_DENIED if
   the GrantedAccess of the handle does not contain ...") is in the granted access;
4. ``ctx.decide(level=..., access=...)``: who may call what on this profile (RestrictAnonymous,
   RestrictRemoteSAM, the Pre-Windows 2000 Compatible Access rules of windows-defaults.md §0
   rules 7-8, §1.3) is the policy's; its status is returned as the NTSTATUS.

Access granted on open (MS-SAMR 3.1.2.1, MS-DTYP 2.5.3.2) is the policy's access model
(``ctx.grant``, :mod:`smbemu.policy.access`): generic bits are mapped with the object's generic
mapping (MS-SAMR 2.2.1.x); MAXIMUM_ALLOWED (0x02000000) becomes every right the caller holds on
the object; any other requested right the caller does not hold fails the open with
STATUS_ACCESS_DENIED.  What a caller holds is the default DACL of each object type (MS-SAMR
3.1.5.12.2.1 / the SDs Windows creates) checked against the caller's real token
(``Policy.held_rights``): Administrators get the object's ALL_ACCESS; the World ACE's READ |
EXECUTE applies only to a token holding Everyone -- not to the anonymous token of XP / 2003+
(EveryoneIncludesAnonymous=0), which is then granted nothing and refused the open; on a DC the
directory's read ACEs name Authenticated Users and Pre-Windows 2000 Compatible Access.  A user
also gets WRITE_PREFERENCES | CHANGE_PASSWORD on its own user object.  ACCESS_SYSTEM_SECURITY
needs SeSecurityPrivilege: administrators only.  Calls that yield account lists, memberships or
details (SamrGetMembersInGroup / Alias, SamrGetAliasMembership, SamrGetGroupsForUser,
SamrQueryInformationUser / Group / Alias) need their MS-SAMR right on the handle and follow the
anonymous-enumeration switches like SamrEnumerate* (``smbemu.policy.RULES``).

Enumerations page as Windows does: ``PreferedMaximumLength`` bounds the bytes returned (each
entry counts as its fixed part plus its name in UTF-16, U: the SAM's own estimate is not
documented), at least one entry is returned per call, the enumeration context / index is the
position of the next entry, and a partial answer returns STATUS_MORE_ENTRIES (0x00000105).

The package, one module per sub-area (each declares its operations on ``objects.INTERFACE``):
``types`` (MS-SAMR 2.2 NDR types and constants), ``objects`` (the interface, the SAM object
types, handle checks, change reports), ``server`` (connect, close, domains), ``enumeration``
(SamrEnumerate*, display information), ``accounts`` (lookups, groups, aliases, opening accounts),
``users`` (user information and password information), ``security`` (security descriptors),
``writes`` (creating and deleting users, memberships), ``groups`` (creating, renaming and deleting
groups and aliases), ``setinfo`` (SamrSetInformationUser*), ``admin_changes`` (security descriptors, member
attributes, the DSRM password), ``passwords`` and ``password_change3`` (the password changes),
``validate_password`` (SamrValidatePassword), ``domain_writes`` (SamrSetInformationDomain) and ``refused`` (the changes not emulated).
"""

from __future__ import annotations

from smbemu.policy.access import ObjectType

# Importing the sub-area modules runs their @INTERFACE.operation decorators.
from . import (  # noqa: F401
    accounts, admin_changes, domain_writes, enumeration, groups, password_change3, password_change4, passwords,
    refused, security, server, setinfo, users, validate_password, writes)
from .objects import (
    ALIAS,
    DOMAIN,
    GROUP,
    INTERFACE,
    NOT_EMULATED,
    NOT_USED_ON_WIRE,
    SERVER,
    USER,
    grant_access,
)
from .security import security_descriptor
from .server import domain_info
from .users import user_all_information, user_fields

__all__ = ["INTERFACE", "NOT_USED_ON_WIRE", "NOT_EMULATED", "grant_access", "ObjectType",
           "SERVER", "DOMAIN", "GROUP", "ALIAS", "USER", "domain_info", "user_fields",
           "user_all_information", "security_descriptor"]
