"""samr's interface object, SAM object types and handles (MS-SAMR 3.1.1.10, 3.1.2.1).

The ``INTERFACE`` every other module of the package declares its operations on, the fault-only
opnums, the five SAM object types with the caller-rights view of the access model, and the
helpers each call uses to check its handle (known, of the right kind, holding the right access:
the processing order of MS-SAMR 3.1.5.x)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

from smbemu.events import AccountChanged
from smbemu.policy.access import (
    ACCESS_SYSTEM_SECURITY,
    READ_CONTROL,
    USER_CHANGE_PASSWORD,
    USER_FORCE_PASSWORD_CHANGE,
    USER_LIST_GROUPS,
    USER_READ_ACCOUNT,
    USER_READ_GENERAL,
    USER_READ_LOGON,
    USER_READ_PREFERENCES,
    USER_WRITE_ACCOUNT,
    SAM_ALIAS,
    SAM_DOMAIN,
    SAM_GROUP,
    SAM_SERVER,
    SAM_USER,
    ObjectType,
)
from smbemu.policy.access import (
    grant_access as _grant,
)
from smbemu.policy.protected import PROTECTED_OPERATION, is_protected
from smbemu.rpc import CallContext, HandleEntry, Interface
from smbemu.status import (
    STATUS_ACCESS_DENIED,
    STATUS_NO_SUCH_ALIAS,
    STATUS_NO_SUCH_GROUP,
    STATUS_NO_SUCH_USER,
    STATUS_OBJECT_TYPE_MISMATCH,
    STATUS_SUCCESS,
)

# -------------------------------------------------------------------------------------------
# Object types (MS-SAMR 2.2.1: rights and generic mappings are smbemu.policy.access's)
# -------------------------------------------------------------------------------------------

SERVER: Final = SAM_SERVER
DOMAIN: Final = SAM_DOMAIN
GROUP: Final = SAM_GROUP
ALIAS: Final = SAM_ALIAS
USER: Final = SAM_USER
OBJECT_TYPES: Final = {t.kind: t for t in (SERVER, DOMAIN, GROUP, ALIAS, USER)}
#: The status of a handle whose account no longer exists, by handle kind.
_MISSING: Final = {USER.kind: STATUS_NO_SUCH_USER, GROUP.kind: STATUS_NO_SUCH_GROUP,
                   ALIAS.kind: STATUS_NO_SUCH_ALIAS}


def grant_access(obj_type: ObjectType, desired: int, *, administrator: bool,
                 extra: int = 0) -> int | None:
    """The policy's access model (``smbemu.policy.grant_access``) for a caller holding an
    administrator's rights (ALL_ACCESS and ACCESS_SYSTEM_SECURITY) or everyone's (READ |
    EXECUTE, plus ``extra``), without a call: handlers use ``ctx.grant``."""
    held = (obj_type.all | ACCESS_SYSTEM_SECURITY) if administrator else obj_type.everyone | extra
    return _grant(obj_type, desired, held)


# -------------------------------------------------------------------------------------------
# The interface
# -------------------------------------------------------------------------------------------

#: \pipe\samr, and \pipe\lsass: MS-SAMR 2.1 names both, and the endpoint mapper gives lsass
#: for samr over ncacn_np (impacket's addcomputer.py asks it, then opens that pipe).
INTERFACE: Final = Interface(
    name="samr", uuid="12345778-1234-abcd-ef00-0123456789ac", version=(1, 0),
    pipes=("samr", "lsass"), opnum_count=74, secondary_address="\\PIPE\\lsass",
    description="Security Account Manager Remote Protocol (MS-SAMR)")

#: MS-SAMR 3.1.5: "Opnum..NotUsedOnWire" (reserved for local use): nca_op_rng_error.  42, 43,
#: 61 and 63 are listed there too, but Windows dispatches them (server.py, password_change3.py).
NOT_USED_ON_WIRE: Final = {59: "Opnum59NotUsedOnWire", 60: "Opnum60NotUsedOnWire",
                           68: "Opnum68NotUsedOnWire", 69: "Opnum69NotUsedOnWire",
                           70: "Opnum70NotUsedOnWire", 71: "Opnum71NotUsedOnWire",
                           72: "Opnum72NotUsedOnWire"}
#: Calls not emulated: nca_op_rng_error (see the package docstring): none left.
NOT_EMULATED: Final[dict[int, str]] = {}
for _opnum, _name in {**NOT_USED_ON_WIRE, **NOT_EMULATED}.items():
    INTERFACE.not_implemented(_opnum, _name)


# -------------------------------------------------------------------------------------------
# Helpers
# -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SamObject:
    """What a handle refers to: the SAM domain (None for the server object) and the account.

    ``listing`` holds the list a paged enumeration on this handle walks (see `_listing`)."""

    domain: Any = None
    account: Any = None
    listing: list[Any] = field(default_factory=lambda: [None, None], compare=False)
    #: A domain handle whose DOMAIN_CREATE_USER came from SeMachineAccountPrivilege (the
    #: machine-account rule): it creates computer accounts only, under the quota.
    machine_accounts_only: bool = False


def old_large_int(value: int) -> dict[str, int]:
    """A signed 64-bit value as OLD_LARGE_INTEGER."""
    value &= 0xFFFFFFFFFFFFFFFF
    high = value >> 32
    return {"LowPart": value & 0xFFFFFFFF, "HighPart": high - (1 << 32) if high >= 1 << 31 else high}


def directory_of(ctx: CallContext) -> Any:
    return ctx.server.directory


def lookup_handle(ctx: CallContext, handle: bytes, kinds: Sequence[str],
                  need: int = 0) -> tuple[HandleEntry | None, int]:
    """(entry, 0) or (None, OBJECT_TYPE_MISMATCH / ACCESS_DENIED / the account's "no such").

    A handle this caller never opened on samr (unknown, closed, another caller's, or another
    interface's such as an lsarpc policy handle) is the RPC runtime's fault
    nca_s_fault_context_mismatch, raised here before any SAM check (``HandleTable.issued``;
    MS-SAMR 3.1.2: strict_context_handle).  A live SAM handle of another object type is
    STATUS_OBJECT_TYPE_MISMATCH (Samba's torture samr.handletype, written against Windows,
    expects it for a domain handle given to SamrQueryInformationUser)."""
    entry = ctx.handles.issued(handle, "samr")
    if entry.kind not in kinds:
        return None, STATUS_OBJECT_TYPE_MISMATCH
    if not ctx.require(entry.granted_access, need, OBJECT_TYPES[entry.kind]):
        return None, STATUS_ACCESS_DENIED
    missing = _MISSING.get(entry.kind)
    if missing is not None:
        # The directory changes (users deleted and changed, members added): a handle names its
        # account by RID and is answered from the account as it is now.  A handle whose account
        # was deleted through another handle answers the "no such" status of its kind (U:
        # MS-SAMR 3.1.5.7.3 deletes only the deleting handle and is silent on the others).
        current = entry.obj.domain.by_rid(entry.obj.account.rid)
        if type(current) is not type(entry.obj.account):
            return None, missing
        if current is not entry.obj.account:
            entry.obj = replace(entry.obj, account=current)
    return entry, STATUS_SUCCESS


def protected_refusal(ctx: CallContext, account: Any) -> int:
    """0, or the refusal of a change to ``account`` when it is AdminSDHolder-protected (one of
    the protected accounts or groups, or a nested member of one) and the caller may not change
    such accounts: asked through the enforcement point, whose rule lets administrators only
    (Account Operators may change the other accounts; smbemu.policy.protected)."""
    if not is_protected(directory_of(ctx), account):
        return 0
    return ctx.decide(PROTECTED_OPERATION).status


def sam_domains(ctx: CallContext) -> list[tuple[str, Any]]:
    """(SAM name, SamDomain): the account domain, then Builtin (MS-SAMR 3.1.1.1: "Builtin")."""
    directory = directory_of(ctx)
    return [(directory.account_domain.name, directory.account_domain),
            ("Builtin", directory.builtin_domain)]


def error_response(ctx: CallContext, status: int, **values: Any) -> dict[str, Any]:
    op = ctx.operation
    assert op is not None
    return op.error_response(status, **values)


#: What the creator of a computer account added under the machine-account quota holds on it (the
#: ACEs for mS-DS-CreatorSID: reset password, write account restrictions, read; not DELETE -- the
#: owner is Domain Admins since KB5008383.  U: the exact SAM rights Windows maps them to).
CREATOR_RIGHTS: Final = (USER_FORCE_PASSWORD_CHANGE | USER_WRITE_ACCOUNT | USER_READ_GENERAL
                         | USER_READ_PREFERENCES | USER_READ_LOGON | USER_READ_ACCOUNT
                         | USER_LIST_GROUPS | USER_CHANGE_PASSWORD | READ_CONTROL)


def caller_sid(ctx: CallContext) -> Any:
    """The caller's account SID (None for anonymous / an account the directory does not know)."""
    principal = ctx.principal
    if principal.is_anonymous or not principal.user_name:
        return None
    user = directory_of(ctx).find_user(principal.user_name)
    return user.sid if user is not None else None


#: The default groups of a domain that are universal, not global (Microsoft Learn, "Active
#: Directory security groups": Enterprise Admins, Schema Admins and Enterprise Read-only Domain
#: Controllers have universal scope in the forest root domain, which a DC profile models).
UNIVERSAL_GROUP_RIDS: Final = frozenset({498, 518, 519})


def report_change(ctx: CallContext, change: str, account: Any, **details: Any) -> None:
    """Tell the server's observers (the audit log's 4720, 4726, 4738...) about a SAM change: an
    `smbemu.events.AccountChanged` (nothing is built when nobody listens).  A SAMR group is a
    global group, except the universal ones of a DC (:data:`UNIVERSAL_GROUP_RIDS`), whose
    changes Windows logs as 4754-4758."""
    observers = getattr(ctx.server, "observers", None)
    if not observers:
        return
    if (details.get("group_scope") == "global" and ctx.server_view.is_dc
            and getattr(account, "rid", None) in UNIVERSAL_GROUP_RIDS):
        details["group_scope"] = "universal"
    directory = directory_of(ctx)
    domain = directory.builtin_domain if account.sid.is_in(directory.builtin_domain.sid) \
        else directory.account_domain
    observers.emit(AccountChanged(
        change=change, principal=ctx.principal, session_id=ctx.session_id,
        target_name=account.name, target_sid=str(account.sid),
        target_domain="Builtin" if domain is directory.builtin_domain else str(domain.name),
        computer=getattr(account, "account_type", "normal") != "normal", **details))
