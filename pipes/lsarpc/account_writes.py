"""lsarpc calls that change account objects, their privileges and rights (MS-LSAD 3.1.4.5):
LsarCreateAccount (3.1.4.5.2), LsarAddPrivilegesToAccount / LsarRemovePrivilegesFromAccount
(3.1.4.5.6-7), LsarSetSystemAccessAccount (3.1.4.5.9), LsarDeleteObject on an account handle
(3.1.4.9.3), LsarAddAccountRights / LsarRemoveAccountRights (3.1.4.5.11-12).

Who may: the policy handle needs POLICY_CREATE_ACCOUNT (a new account object) and the account
handle ACCOUNT_ADJUST_PRIVILEGES / ACCOUNT_ADJUST_SYSTEM_ACCESS / DELETE; the default DACLs grant
them to Administrators only (MS-LSAD 3.1.1.1.1 / 3.1.1.2.1 default security descriptors), so
anyone else is refused STATUS_ACCESS_DENIED at the handle, before the policy's rule (administrators,
logged with each decision).  The account objects live in the directory (``lsa_accounts``: SID ->
privileges and rights), so every later call on every connection sees the change, and ``--state``
keeps it."""

from __future__ import annotations

from typing import Any, Final

from smbemu.policy.access import DELETE, LSA_ACCOUNT, POLICY_LOOKUP_NAMES
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import Pointer, Sid, uint8, uint32
from smbemu.status import (
    STATUS_ACCESS_DENIED,
    STATUS_INVALID_HANDLE,
    STATUS_INVALID_PARAMETER,
    STATUS_NO_SUCH_PRIVILEGE,
    STATUS_OBJECT_NAME_COLLISION,
    STATUS_OBJECT_NAME_NOT_FOUND,
    STATUS_SUCCESS,
)

from . import policy_store
from .objects import INTERFACE, check_call, lsa_handle
from .rights import LOGON_RIGHTS, accounts, privileges, rights_table
from .secrets import SECRET_HANDLE, delete_secret, secret_of
from .trust_types import TRUSTED_DOMAIN_HANDLE
from .trusted_domains import delete_by_handle
from .types import ACCOUNT_HANDLE, LSAPR_HANDLE, LSAPR_PRIVILEGE_SET, LSAPR_USER_RIGHT_SET, POLICY_HANDLE, SYSTEM_ACCESS_BITS

#: MS-LSAD 2.2.1.1.2 / 2.2.1.1.3: the policy and account rights these calls need.
POLICY_CREATE_ACCOUNT: Final = 0x00000010
ACCOUNT_ADJUST_PRIVILEGES: Final = 0x00000002
ACCOUNT_ADJUST_SYSTEM_ACCESS: Final = 0x00000008
_NULL_HANDLE: Final = bytes(20)


def _table(ctx: CallContext) -> dict[str, list[str]]:
    """The account objects as SID -> held privileges and rights (a copy to change)."""
    current = ctx.server.directory.lsa_accounts
    if current is not None:
        return {sid: list(held) for sid, held in current.items()}
    table: dict[str, list[str]] = {sid: [] for sid in accounts(ctx)}
    for right, sids in rights_table(ctx).items():
        for sid in sids:
            table.setdefault(sid, []).append(right)
    return table


def _save(ctx: CallContext, table: dict[str, list[str]]) -> None:
    """Keep the account objects in the directory, and tell the audit log each logon right
    ("system security access", MS-LSAD 2.2.1.1.5 POLICY_MODE_*) an account gained or lost:
    4717 / 4718, as Windows logs them under "Audit Authentication Policy Change" (Success by
    default on Windows Server 2016; Microsoft, events 4717 and 4718).  Privileges are
    "Authorization Policy Change" (4704 / 4705), which Windows does not audit by default: not
    reported."""
    before = _table(ctx)
    ctx.server.directory.set_lsa_accounts(table)
    for sid in sorted(set(before) | set(table)):
        old = {r for r in before.get(sid, []) if r in SYSTEM_ACCESS_BITS}
        new = {r for r in table.get(sid, []) if r in SYSTEM_ACCESS_BITS}
        for right in sorted(new - old):
            policy_store.report(ctx, 4717, [("TargetSid", sid), ("AccessGranted", right)])
        for right in sorted(old - new):
            policy_store.report(ctx, 4718, [("TargetSid", sid), ("AccessRemoved", right)])


def _account_entry(ctx: CallContext, handle: bytes, need: int) -> tuple[str | None, int]:
    entry = lsa_handle(ctx, handle)
    if entry.kind != ACCOUNT_HANDLE:
        return None, STATUS_INVALID_HANDLE
    if not ctx.require(entry.granted_access, need, LSA_ACCOUNT):
        return None, STATUS_ACCESS_DENIED
    if str(entry.obj) not in accounts(ctx):  # deleted through another handle
        return None, STATUS_INVALID_HANDLE
    status = ctx.decide().status
    return (None, status) if status else (str(entry.obj), STATUS_SUCCESS)


@INTERFACE.operation(10, "LsarCreateAccount",
                     request=[("PolicyHandle", LSAPR_HANDLE), ("AccountSid", Pointer(Sid, "ref")),
                              ("DesiredAccess", uint32)],
                     response=[("AccountHandle", LSAPR_HANDLE)])
def LsarCreateAccount(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.5.2: a new account object without privileges;
    STATUS_OBJECT_NAME_COLLISION when the SID has one."""
    status = check_call(ctx, request["PolicyHandle"], POLICY_CREATE_ACCOUNT, "LsarCreateAccount")
    if status:
        return {"AccountHandle": _NULL_HANDLE, "ReturnValue": status}
    sid = str(request["AccountSid"])
    table = _table(ctx)
    if sid in table:
        return {"AccountHandle": _NULL_HANDLE, "ReturnValue": STATUS_OBJECT_NAME_COLLISION}
    granted = ctx.grant(LSA_ACCOUNT, request["DesiredAccess"])
    if granted is None:
        return {"AccountHandle": _NULL_HANDLE, "ReturnValue": STATUS_ACCESS_DENIED}
    table[sid] = []
    _save(ctx, table)
    return {"AccountHandle": ctx.handles.create(ACCOUNT_HANDLE, sid, granted), "ReturnValue": STATUS_SUCCESS}


def _privilege_names(ctx: CallContext, privilege_set: Any) -> list[str] | None:
    """The names of the LUIDs of an LSAPR_PRIVILEGE_SET (None: one is not a privilege)."""
    by_luid = {p.luid: p.name for p in privileges(ctx)}
    names = []
    for item in (privilege_set or {}).get("Privilege") or []:
        luid = item["Luid"]
        name = by_luid.get(luid["LowPart"]) if luid["HighPart"] == 0 else None
        if name is None:
            return None
        names.append(name)
    return names


def _grant_rights(ctx: CallContext, sid: str, names: list[str]) -> None:
    table = _table(ctx)
    held = table.setdefault(sid, [])
    held.extend(name for name in names if name not in held)
    _save(ctx, table)


def _remove_rights(ctx: CallContext, sid: str, names: list[str] | None, delete_when_empty: bool) -> None:
    """``names`` None: every privilege and right; an account left with none is deleted when
    ``delete_when_empty`` (LsarRemoveAccountRights, MS-LSAD 3.1.4.5.12)."""
    table = _table(ctx)
    held = table.get(sid, [])
    table[sid] = [] if names is None else [name for name in held if name not in names]
    if delete_when_empty and not table[sid]:
        del table[sid]
    _save(ctx, table)


@INTERFACE.operation(19, "LsarAddPrivilegesToAccount",
                     request=[("AccountHandle", LSAPR_HANDLE), ("Privileges", Pointer(LSAPR_PRIVILEGE_SET, "ref"))],
                     response=[])
def LsarAddPrivilegesToAccount(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.5.6 (ACCOUNT_ADJUST_PRIVILEGES): STATUS_NO_SUCH_PRIVILEGE for an unknown LUID."""
    sid, status = _account_entry(ctx, request["AccountHandle"], ACCOUNT_ADJUST_PRIVILEGES)
    if sid is None:
        return {"ReturnValue": status}
    names = _privilege_names(ctx, request["Privileges"])
    if names is None:
        return {"ReturnValue": STATUS_NO_SUCH_PRIVILEGE}
    _grant_rights(ctx, sid, names)
    return {"ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(20, "LsarRemovePrivilegesFromAccount",
                     request=[("AccountHandle", LSAPR_HANDLE), ("AllPrivileges", uint8),
                              ("Privileges", Pointer(LSAPR_PRIVILEGE_SET))],
                     response=[])
def LsarRemovePrivilegesFromAccount(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.5.7: AllPrivileges with a NULL set removes every privilege (the logon rights
    stay); both or neither given is STATUS_INVALID_PARAMETER."""
    sid, status = _account_entry(ctx, request["AccountHandle"], ACCOUNT_ADJUST_PRIVILEGES)
    if sid is None:
        return {"ReturnValue": status}
    if bool(request["AllPrivileges"]) == (request["Privileges"] is not None):
        return {"ReturnValue": STATUS_INVALID_PARAMETER}
    if request["AllPrivileges"]:
        names = [p.name for p in privileges(ctx)]
    else:
        found = _privilege_names(ctx, request["Privileges"])
        if found is None:
            return {"ReturnValue": STATUS_NO_SUCH_PRIVILEGE}
        names = found
    _remove_rights(ctx, sid, names, delete_when_empty=False)
    return {"ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(24, "LsarSetSystemAccessAccount",
                     request=[("AccountHandle", LSAPR_HANDLE), ("SystemAccess", uint32)], response=[])
def LsarSetSystemAccessAccount(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.5.9 (ACCOUNT_ADJUST_SYSTEM_ACCESS): the logon rights become exactly the
    POLICY_MODE_* bits given; an unknown bit is STATUS_INVALID_PARAMETER."""
    sid, status = _account_entry(ctx, request["AccountHandle"], ACCOUNT_ADJUST_SYSTEM_ACCESS)
    if sid is None:
        return {"ReturnValue": status}
    bits = request["SystemAccess"]
    known = 0
    for bit in SYSTEM_ACCESS_BITS.values():
        known |= bit
    if bits & ~known:
        return {"ReturnValue": STATUS_INVALID_PARAMETER}
    table = _table(ctx)
    kept = [right for right in table.get(sid, []) if right not in SYSTEM_ACCESS_BITS]
    table[sid] = kept + [right for right, bit in SYSTEM_ACCESS_BITS.items() if bits & bit]
    _save(ctx, table)
    return {"ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(34, "LsarDeleteObject", request=[("ObjectHandle", LSAPR_HANDLE)],
                     response=[("ObjectHandle", LSAPR_HANDLE)])
def LsarDeleteObject(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.9.3 (DELETE on the handle): an account object, a secret (`secrets`) or a
    trusted domain (`trusted_domains`) is deleted and its handle closed (returned zeroed); the
    policy object cannot be deleted (STATUS_ACCESS_DENIED, U); other handles to a deleted
    account then answer STATUS_INVALID_HANDLE (U)."""
    handle = request["ObjectHandle"]
    entry = lsa_handle(ctx, handle)
    if entry.kind == TRUSTED_DOMAIN_HANDLE:
        status = delete_by_handle(ctx, handle)
        return {"ObjectHandle": handle if status else _NULL_HANDLE, "ReturnValue": status}
    if entry.kind not in (POLICY_HANDLE, ACCOUNT_HANDLE, SECRET_HANDLE):
        return {"ObjectHandle": handle, "ReturnValue": STATUS_INVALID_HANDLE}
    if entry.kind == POLICY_HANDLE:
        return {"ObjectHandle": handle, "ReturnValue": ctx.decide().status or STATUS_ACCESS_DENIED}
    if entry.kind == SECRET_HANDLE:
        name, status = secret_of(ctx, handle)
        if name is None:
            return {"ObjectHandle": handle, "ReturnValue": status}
        delete_secret(ctx, name)
        ctx.handles.close(handle)
        return {"ObjectHandle": _NULL_HANDLE, "ReturnValue": STATUS_SUCCESS}
    sid, status = _account_entry(ctx, handle, DELETE)
    if sid is None:
        return {"ObjectHandle": handle, "ReturnValue": status}
    table = _table(ctx)
    table.pop(sid, None)
    _save(ctx, table)
    ctx.handles.close(handle)
    return {"ObjectHandle": _NULL_HANDLE, "ReturnValue": STATUS_SUCCESS}


def _right_names(ctx: CallContext, rights: Any) -> list[str] | None:
    known = {p.name.lower(): p.name for p in privileges(ctx)} | {r.lower(): r for r in LOGON_RIGHTS}
    names = []
    for text in (rights or {}).get("UserRights") or []:
        name = known.get(str(text or "").lower())
        if name is None:
            return None
        names.append(name)
    return names


def _adjust(ctx: CallContext) -> int:
    """The account object's adjust rights, as LsarOpenAccount would grant them (administrators)."""
    held = ctx.grant(LSA_ACCOUNT, ACCOUNT_ADJUST_PRIVILEGES | ACCOUNT_ADJUST_SYSTEM_ACCESS)
    return STATUS_SUCCESS if held is not None else STATUS_ACCESS_DENIED


_RIGHTS_IN: Final = [("PolicyHandle", LSAPR_HANDLE), ("AccountSid", Pointer(Sid, "ref"))]


@INTERFACE.operation(37, "LsarAddAccountRights",
                     request=[*_RIGHTS_IN, ("UserRights", Pointer(LSAPR_USER_RIGHT_SET, "ref"))], response=[])
def LsarAddAccountRights(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.5.11: POLICY_LOOKUP_NAMES on the policy handle, and POLICY_CREATE_ACCOUNT
    when the account object is absent (the Win32 LsaAddAccountRights page), then the account's
    own ACCOUNT_ADJUST_* rights; STATUS_NO_SUCH_PRIVILEGE for an unknown name."""
    need = POLICY_LOOKUP_NAMES | (0 if str(request["AccountSid"]) in accounts(ctx) else POLICY_CREATE_ACCOUNT)
    status = check_call(ctx, request["PolicyHandle"], need, "LsarAddAccountRights") or _adjust(ctx)
    if status:
        return {"ReturnValue": status}
    names = _right_names(ctx, request["UserRights"])
    if names is None:
        return {"ReturnValue": STATUS_NO_SUCH_PRIVILEGE}
    _grant_rights(ctx, str(request["AccountSid"]), names)
    return {"ReturnValue": STATUS_SUCCESS}


@INTERFACE.operation(38, "LsarRemoveAccountRights",
                     request=[*_RIGHTS_IN, ("AllRights", uint8), ("UserRights", Pointer(LSAPR_USER_RIGHT_SET, "ref"))],
                     response=[])
def LsarRemoveAccountRights(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-LSAD 3.1.4.5.12: the rights leave the account (AllRights: every one); an account left
    with none is deleted; STATUS_OBJECT_NAME_NOT_FOUND for a SID without an account object.
    POLICY_LOOKUP_NAMES on the policy handle (the Win32 LsaRemoveAccountRights page), then the
    account's own ACCOUNT_ADJUST_* rights."""
    status = check_call(ctx, request["PolicyHandle"], POLICY_LOOKUP_NAMES, "LsarRemoveAccountRights") or _adjust(ctx)
    if status:
        return {"ReturnValue": status}
    sid = str(request["AccountSid"])
    if sid not in accounts(ctx):
        return {"ReturnValue": STATUS_OBJECT_NAME_NOT_FOUND}
    names = None if request["AllRights"] else _right_names(ctx, request["UserRights"])
    if names is None and not request["AllRights"]:
        return {"ReturnValue": STATUS_NO_SUCH_PRIVILEGE}
    _remove_rights(ctx, sid, names, delete_when_empty=True)
    return {"ReturnValue": STATUS_SUCCESS}
