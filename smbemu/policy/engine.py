"""The policy engine: one :class:`Policy` per profile answers every access question with a
:class:`~smbemu.policy.rules.Decision` (windows-defaults.md §0, in Windows' order).

The SMB steps are methods (:meth:`Policy.session_setup`, :meth:`Policy.tree_connect`,
:meth:`Policy.pipe_open`); RPC calls are decided by :meth:`Policy.decide` from the rules of
:mod:`smbemu.policy.rules`, and the caller's rights on an object by :meth:`Policy.held_rights`
(the access model of :mod:`smbemu.policy.access`).  Denials are logged at INFO on
``smbemu.policy``, allows at DEBUG.  Handlers never call this module: they ask their call
context (``CallContext.decide`` / ``grant`` / ``require``), the one enforcement point.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from smbemu.pipe_names import normalize_pipe_name
from smbemu.policy.access import (
    ACCESS_SYSTEM_SECURITY,
    DOMAIN_CREATE_ALIAS,
    DOMAIN_CREATE_GROUP,
    DOMAIN_CREATE_USER,
    GENERIC_ALL,
    LSA_POLICY,
    MAXIMUM_ALLOWED,
    POLICY_ALL_ACCESS,
    POLICY_GET_PRIVATE_INFORMATION,
    POLICY_LOOKUP_NAMES,
    POLICY_VIEW_AUDIT_INFORMATION,
    POLICY_VIEW_LOCAL_INFORMATION,
    READ_CONTROL,
    SAM_ALIAS,
    SAM_DOMAIN,
    SAM_GROUP,
    SAM_SERVER,
    SAM_USER,
    ObjectType,
    grant_access,
)
from smbemu.policy.rules import (
    INTERFACE_CHECKS,
    OBJECT_RULES,
    RULES,
    Decision,
    Require,
    Rule,
    declared_returns,
    denied_status,
    rule_label,
)
from smbemu.policy.protected import ACCOUNT_OPERATORS, NO_GROUPS as _NO_GROUPS, principal_groups
from smbemu.principal import Principal, PrincipalKind
from smbemu.sid import (
    ANONYMOUS_LOGON,
    AUTHENTICATED_USERS,
    BUILTIN_ADMINISTRATORS,
    BUILTIN_GUESTS,
    BUILTIN_USERS,
    EVERYONE,
    NETWORK,
    Sid,
)
from smbemu.status import STATUS_ACCESS_DENIED

if TYPE_CHECKING:
    from smbemu.profiles import Profile, SecurityDescriptor

__all__ = ["KINDS", "Caller", "Policy", "policy_for", "principal_kind"]

log = logging.getLogger("smbemu.policy")

KINDS: Final = tuple(kind.value for kind in PrincipalKind)
#: Decisions kept per question (issue 14: the keys hold client input -- DesiredAccess, info
#: levels -- so the tables are bounded; 40,000 distinct access masks once grew the server by
#: 18 MiB). A few hundred questions cover every client's ordinary calls.
DECISION_CACHE_SIZE: Final = 4096
#: MS-SRVS 2.2.4.22 (shi*_netname): a share name has at most 80 characters; a longer one names no
#: share and its decision is not kept.
_MAX_SHARE_NAME: Final = 80


class BoundedCache(dict[Any, Any]):
    """A dict that drops its oldest entry when it holds ``size`` (reads stay a plain dict
    lookup: the hot path of every RPC call reads these tables)."""

    __slots__ = ("size",)

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def __setitem__(self, key: Any, value: Any) -> None:
        if len(self) >= self.size and key not in self:
            del self[next(iter(self))]
        super().__setitem__(key, value)

_KINDS: Final = KINDS
_LSA_EXECUTE: Final = LSA_POLICY.execute

#: Who a question is about: the caller's :class:`~smbemu.principal.Principal`, or only its kind
#: (the policy decides on the kind alone; the matrix and the tests ask with ``"anonymous"``).
Caller: TypeAlias = "Principal | PrincipalKind | str"


def principal_kind(principal: Caller) -> str:
    """``"anonymous"`` / ``"guest"`` / ``"user"`` / ``"administrator"``: the kind of a
    :class:`~smbemu.principal.Principal`, or a kind given by itself (any case); ValueError
    for anything else.  (An object of a plugin's own with a ``kind`` is read too.)"""
    if isinstance(principal, Principal):
        return principal.kind.value
    return PrincipalKind(getattr(principal, "kind", principal)).value


def _setting(section: object, name: str, default: Any) -> Any:
    return getattr(section, name, default) if section is not None else default


class Policy:
    """Decisions for one profile.  Build once per server (:func:`policy_for`); read-only.

    Without a profile (``None``: a test double of a server) the defaults below apply."""

    def __init__(self, profile: Profile | None) -> None:
        self.profile = profile
        self.name: str = getattr(profile, "name", "?")
        identity = getattr(profile, "identity", None)
        version = getattr(identity, "version", (5, 0)) if identity is not None else (5, 0)
        self.version: tuple[int, int] = (int(version[0]), int(version[1]))
        self.is_dc: bool = getattr(profile, "role", "member") == "dc"
        anonymous = getattr(profile, "anonymous", None)
        restrict = int(_setting(anonymous, "restrict_anonymous", 0))
        #: RestrictAnonymous=2 exists on Windows 2000 only (§0.1, D); NT4 knows 0 and 1, and on
        #: XP / 2003+ the Everyone part moved to EveryoneIncludesAnonymous, so 2 acts as 1 there (U).
        self.restrict_anonymous_2 = restrict >= 2 and self.version == (5, 0)
        #: §0.1: RestrictAnonymous >= 1 blocks anonymous enumeration of SAM accounts and shares.
        self.restrict_anonymous = restrict
        self.restrict_anonymous_sam = bool(_setting(anonymous, "restrict_anonymous_sam", False))
        includes = bool(_setting(anonymous, "everyone_includes_anonymous", True))
        #: §0.1: anonymous is in Everyone on NT/2000 (unless 2000's RestrictAnonymous=2) and on
        #: XP/2003+ only with EveryoneIncludesAnonymous=1.
        self.anonymous_in_everyone = includes and not self.restrict_anonymous_2
        self.restrict_null_sess_access = bool(_setting(anonymous, "restrict_null_sess_access", True))
        self.null_session_pipes: frozenset[str] = frozenset(
            p.lower() for p in _setting(anonymous, "null_session_pipes", ()))
        self.null_session_shares: frozenset[str] = frozenset(
            s.lower() for s in _setting(anonymous, "null_session_shares", ()))
        self.pipe_anonymous_refusal: frozenset[str] = frozenset(
            p.lower() for p in _setting(anonymous, "pipe_anonymous_refusal", ()))
        #: MS-LSAD 3.1.1.6.1: LsaRestrictAnonymous unless TurnOffAnonymousBlock (not on DCs).
        self.lsa_anonymous_block = bool(_setting(anonymous, "lsa_restrict_anonymous", False)) \
            and not bool(_setting(anonymous, "turn_off_anonymous_block", False))
        self.lsa_anonymous_name_lookup = bool(_setting(anonymous, "lsa_anonymous_name_lookup", True))
        self.restrict_remote_sam: str | None = _setting(anonymous, "restrict_remote_sam", None)
        descriptor = _setting(anonymous, "remote_sam_descriptor", None)
        self.remote_sam_descriptor: SecurityDescriptor | None = descriptor
        self.pre2000_members: frozenset[Sid] = frozenset(
            _setting(anonymous, "pre2000_compatible_access_members", (EVERYONE,)))
        rpc = getattr(profile, "rpc", None)
        self.share_admin_levels: frozenset[int] = frozenset(
            _setting(rpc, "share_enum_admin_levels", (2, 502, 503)))
        self._tokens = {kind: self._build_token(kind) for kind in _KINDS}
        #: held_rights per (kind, policy groups, object type): a handful, never client input.
        self._held: dict[tuple[str, frozenset[str], ObjectType], int] = {}
        #: Decisions by question (principal kind and what was asked), bounded (BoundedCache).
        self._cache: dict[tuple[object, ...], Decision] = BoundedCache(DECISION_CACHE_SIZE)
        #: The enforcement point's final decisions (in each operation's status family), by
        #: question: principal kind, interface, operation, level, access, return type; bounded.
        self.final_decisions: dict[tuple[object, ...], Decision] = BoundedCache(DECISION_CACHE_SIZE)

    def __repr__(self) -> str:
        return f"<Policy {self.name} {self.version[0]}.{self.version[1]}>"

    # ------------------------------------------------------------------ who the caller is
    def _build_token(self, kind: str) -> frozenset[Sid]:
        if kind == "anonymous":
            sids = {ANONYMOUS_LOGON, NETWORK}
            if self.anonymous_in_everyone:
                sids.add(EVERYONE)
        elif kind == "guest":
            sids = {EVERYONE, NETWORK, BUILTIN_GUESTS}
        else:
            sids = {EVERYONE, NETWORK, AUTHENTICATED_USERS, BUILTIN_USERS}
            if kind == "administrator":
                sids.add(BUILTIN_ADMINISTRATORS)
        return frozenset(sids)

    def token(self, principal: Caller) -> frozenset[Sid]:
        """The group SIDs a principal kind's network logon token holds (§0.1): anonymous holds
        ANONYMOUS LOGON (and Everyone when the profile says so); guest Everyone and Guests;
        users Everyone, Authenticated Users and Users; administrators also Administrators."""
        return self._tokens[principal_kind(principal)]

    # ------------------------------------------------------------------ §0 rule 1
    def session_setup(self, principal: Caller) -> Decision:
        """An anonymous (NULL) logon is accepted on every release (§0 rule 1, D; §5: W); guests and
        users were already decided by the logon (`smbemu.logon`)."""
        kind = principal_kind(principal)
        return self._cached(("session-setup", kind), lambda: Decision(
            0, f"allow session-setup: {kind}, accepted on every release ({self.name})"))

    # ------------------------------------------------------------------ §0 rule 2
    def tree_connect(self, principal: Caller, share: str, share_type: str = "disk") -> Decision:
        """May ``principal`` connect to ``share`` (a share the server has)?"""
        kind = principal_kind(principal)
        if len(share) > _MAX_SHARE_NAME:  # names no share: decided, not kept
            decision = self._tree_connect(kind, share, share_type)
            self._log(decision)
            return decision
        return self._cached(("tree-connect", kind, share.lower(), share_type),
                            lambda: self._tree_connect(kind, share, share_type))

    def _tree_connect(self, kind: str, share: str, share_type: str) -> Decision:
        what = f"tree-connect {share}"
        if kind != "anonymous":
            return Decision(0, f"allow {what}: {kind}, not restricted by the anonymous rules ({self.name})")
        if self.restrict_anonymous_2:
            return Decision(STATUS_ACCESS_DENIED, f"deny {what}: anonymous, RestrictAnonymous=2 "
                            f"(no access without explicit anonymous permissions) ({self.name})",
                            "tree-connect RestrictAnonymous=2 (§0.1)")
        if share_type == "ipc" or share.upper() == "IPC$":
            return Decision(0, f"allow {what}: anonymous, IPC$ is always reachable ({self.name})",
                            "tree-connect IPC$ (§0 rule 2)")
        if self.restrict_null_sess_access and share.lower() not in self.null_session_shares:
            return Decision(STATUS_ACCESS_DENIED,
                            f"deny {what}: anonymous, not in NullSessionShares ({self.name})",
                            "tree-connect NullSessionShares (§0 rule 2)")
        return Decision(0, f"allow {what}: anonymous, "
                        + ("in NullSessionShares" if self.restrict_null_sess_access
                           else "RestrictNullSessAccess=0") + f" ({self.name})",
                        "tree-connect NullSessionShares (§0 rule 2)")

    # ------------------------------------------------------------------ §0 rules 3-4
    def pipe_open(self, principal: Caller, pipe: str) -> Decision:
        """May ``principal`` open ``\\pipe\\<pipe>`` (CREATE on IPC$)?"""
        kind = principal_kind(principal)
        name = normalize_pipe_name(pipe)
        if name not in self.null_session_pipes and name not in self.pipe_anonymous_refusal:
            # Issue 14: any name a client sends is asked about (the name check comes before the
            # pipe is looked up, as on Windows); only the names the profile lists are kept, so
            # 2,000 distinct 32,000-character names cost nothing once answered.
            decision = self._pipe_open(kind, name)
            self._log(decision)
            return decision
        return self._cached(("pipe-open", kind, name), lambda: self._pipe_open(kind, name))

    def _pipe_open(self, kind: str, pipe: str) -> Decision:
        what = f"pipe-open {pipe}"
        if kind != "anonymous":
            return Decision(0, f"allow {what}: {kind}, not restricted by the anonymous rules ({self.name})")
        if self.restrict_null_sess_access and pipe not in self.null_session_pipes:
            return Decision(STATUS_ACCESS_DENIED,
                            f"deny {what}: anonymous, not in NullSessionPipes ({self.name})",
                            "pipe-open NullSessionPipes (§0 rule 3)")
        if pipe in self.pipe_anonymous_refusal:
            return Decision(STATUS_ACCESS_DENIED, f"deny {what}: anonymous, the {pipe} endpoint "
                            f"refuses anonymous callers (pipe_anonymous_refusal) ({self.name})",
                            "pipe-open pipe_anonymous_refusal (§0 rule 4)")
        return Decision(0, f"allow {what}: anonymous, "
                        + ("in NullSessionPipes" if self.restrict_null_sess_access
                           else "RestrictNullSessAccess=0") + f" ({self.name})",
                        "pipe-open NullSessionPipes (§0 rule 3)")

    # ------------------------------------------------------------------ RPC
    def decide(self, principal: Caller, interface: str, operation: str,
               level: int | None = None, *, access: int | None = None) -> Decision:
        """May ``principal`` call ``interface.operation`` (at info ``level``)?

        ``access``: for an operation that opens a handle (LsarOpenPolicy2, SamrConnect5, ...)
        the DesiredAccess the client asked for; for an operation on a handle, the access the
        handle was granted (or opened with), when the handler tracks it.  ``None`` = not known
        (treated as MAXIMUM_ALLOWED).  A refusal is the access denied of the operation's
        declared return type."""
        kind = principal_kind(principal)
        groups = principal_groups(principal)
        key = (kind, groups, interface, operation, level, access)
        decision = self._cache.get(key)
        if decision is None:
            decision = self._decide(kind, interface, operation, level, access,
                                    RULES.get((interface, operation))
                                    or OBJECT_RULES.get((interface, operation)), groups=groups)
            self._cache[key] = decision
        self._log(decision)
        return decision

    def decide_rule(self, principal: Caller, interface: str, operation: str, rule: Rule,
                    level: int | None = None, *, access: int | None = None,
                    returns: object = "NTSTATUS") -> Decision:
        """:meth:`decide` with a rule an interface declared itself (a plugin's rule)."""
        kind = principal_kind(principal)
        decision = self._decide(kind, interface, operation, level, access, rule, returns,
                                groups=principal_groups(principal))
        self._log(decision)
        return decision

    def _decide(self, kind: str, interface: str, operation: str, level: int | None,
                access: int | None, rule: Rule | None, returns: object = None, *,
                groups: frozenset[str] = _NO_GROUPS) -> Decision:
        what = f"{interface} {operation}" + (f" level {level}" if level is not None else "")
        who = kind + (" in Account Operators" if ACCOUNT_OPERATORS in groups else "")
        denied = denied_status(returns if returns is not None
                               else declared_returns(interface, operation))
        first = INTERFACE_CHECKS.get(interface)
        if first is not None:
            ok, why = self._meets(first.require, kind, access)
            if not ok:
                return Decision(denied, f"deny {what}: {kind} {why} ({self.name})",
                                rule_label(interface, "*", first.require, first.source))
        if interface == "srvsvc" and operation in _SHARE_OPERATIONS and level is not None:
            return self._share_level(kind, what, level, denied, f"srvsvc {operation} level {level}")
        if rule is None:
            return Decision(0, f"allow {what}: no restriction ({self.name})")
        require = rule.require
        levels: Mapping[int, Require] = rule.levels
        for later in rule.since:
            if self.version >= later.version:
                require, levels = later.require, later.levels
        if level is not None and level in levels:
            require = levels[level]
        label = rule_label(interface, operation, require, rule.source)
        ok, why = self._meets(require, kind, access, rule.opens, groups)
        if ok:
            return Decision(0, f"allow {what}: {who} is {why} ({self.name})", label)
        return Decision(denied, f"deny {what}: {who} {why} ({self.name})", label)

    # ------------------------------------------------------------------ the access model
    def held_rights(self, principal: Caller, object_type: ObjectType) -> int:
        """What ``principal``'s token is granted on an object of ``object_type`` by the object's
        default DACL, ACE by ACE against the token's SIDs (MS-DTYP 2.5.3.2): BUILTIN\\Administrators
        all rights (and ACCESS_SYSTEM_SECURITY through SeSecurityPrivilege); on the LSA policy
        object the modelled DACL (:meth:`lsa_granted`); on every other object the World ACE,
        READ | EXECUTE, which applies only to a token holding Everyone -- never to the anonymous
        token of XP / 2003+ (EveryoneIncludesAnonymous=0) or of 2000's RestrictAnonymous=2 (§0.1).

        SAM objects: MS-SAMR 3.1.5.12.2.1 lists the DACLs (WorldSid READ | EXECUTE,
        AdministratorSid ALL_ACCESS; ReactOS' samsrv builds the same for the local SAM, with
        ANONYMOUS LOGON only in the SACL).  On a DC the SAM objects are directory objects whose
        read ACEs name Authenticated Users and Pre-Windows 2000 Compatible Access (MS-ADSC 2.246
        samServer; windows-defaults.md §0 rule 8, §1.3), so the read is held by a token with
        either SID."""
        return self._held_by(principal_kind(principal), principal_groups(principal), object_type)

    def _held_by(self, kind: str, groups: frozenset[str], object_type: ObjectType) -> int:
        key = (kind, groups, object_type)
        held = self._held.get(key)
        if held is None:
            held = self._held[key] = self._object_rights(kind, object_type, groups)
        return held

    def is_account_operator(self, kind: str, groups: frozenset[str]) -> bool:
        """BUILTIN\\Account Operators counts on a DC only: the alias exists nowhere else
        (Learn "Active Directory security groups", Account Operators; smbemu.policy.protected)."""
        return self.is_dc and kind == "user" and ACCOUNT_OPERATORS in groups

    def _object_rights(self, kind: str, object_type: ObjectType,
                       groups: frozenset[str] = _NO_GROUPS) -> int:
        token = self._tokens[kind]
        if BUILTIN_ADMINISTRATORS in token:
            return object_type.all | ACCESS_SYSTEM_SECURITY
        if self.is_account_operator(kind, groups) and object_type in _SAM_TYPES:
            # The domain's containers grant Account Operators create / delete child for users,
            # groups and computers, and the default DACL of the user and group classes full
            # control (Learn "Active Directory security groups": Account Operators "can create
            # and modify most types of accounts", D; the SAM rights are those AD rights mapped,
            # MS-SAMR 3.1.5.14.x, U for the exact mask).  Protected accounts: per object.
            if object_type is SAM_DOMAIN:
                return (object_type.everyone | DOMAIN_CREATE_USER | DOMAIN_CREATE_GROUP
                        | DOMAIN_CREATE_ALIAS)
            if object_type is SAM_SERVER:
                return object_type.everyone
            return object_type.all
        if object_type is LSA_POLICY:
            return int(self.lsa_granted(kind))
        if self.is_dc and object_type in _SAM_TYPES:
            return object_type.everyone if token & (self.pre2000_members | {AUTHENTICATED_USERS}) else 0
        return object_type.everyone if EVERYONE in token else 0

    def _why_nothing_held(self, kind: str, object_type: ObjectType) -> str:
        if self.is_dc and object_type in _SAM_TYPES:
            return "is not in Pre-Windows 2000 Compatible Access (" + (
                ", ".join(_sid_name(s) for s in sorted(self.pre2000_members, key=str))
                or "no members") + ")"
        return "is not in Everyone (" + (
            "RestrictAnonymous=2" if self.restrict_anonymous_2 else "EveryoneIncludesAnonymous=0"
        ) + f"), the only ACE of the {object_type.name} DACL a non-administrator can match"

    def _meets(self, require: Require, kind: str, access: int | None = None,
               opens: str = "", groups: frozenset[str] = _NO_GROUPS) -> tuple[bool, str]:
        """(allowed, the words that explain it); ``opens``: the handle kind an open creates;
        ``groups``: the caller's policy groups (:func:`principal_groups`)."""
        if require is Require.EVERYONE:
            return True, "allowed (no restriction)"
        if require is Require.NOBODY:
            return False, "may not change the emulated server (read-only)"
        if require is Require.ADMINISTRATORS:
            if kind == "administrator":
                return True, "an administrator"
            return False, "is not an administrator"
        if require is Require.ACCOUNT_OPERATORS:
            if kind == "administrator":
                return True, "an administrator"
            if self.is_account_operator(kind, groups):
                return True, "in Account Operators on a DC (a non-protected account: checked per object)"
            if ACCOUNT_OPERATORS in groups:
                return False, ("is not an administrator (Account Operators exists on domain "
                               "controllers only)")
            return False, "is not an administrator nor in Account Operators" if self.is_dc \
                else "is not an administrator"
        if require is Require.MACHINE_ACCOUNT:
            if kind == "administrator":
                return True, "an administrator"
            if self.is_dc and kind == "user":
                return True, ("authenticated on a DC (SeMachineAccountPrivilege of the Default Domain "
                              "Controllers Policy; ms-DS-MachineAccountQuota applies)")
            return False, ("is not an administrator" + ("" if self.is_dc else
                           " (SeMachineAccountPrivilege adds computer accounts to a domain: DCs only)")
                           if kind == "user" else "is not an authenticated user")
        if require is Require.AUTHENTICATED:
            if kind in ("user", "administrator"):
                return True, "authenticated"
            return False, "is not an authenticated user"
        if require is Require.EVERYONE_SID:
            if kind != "anonymous" or self.anonymous_in_everyone:
                return True, "a member of Everyone"
            return False, "is not in Everyone (" + (
                "RestrictAnonymous=2" if self.restrict_anonymous_2 else "EveryoneIncludesAnonymous=0") + ")"
        if require is Require.REMOTE_SAM:
            return self._remote_sam(kind)
        if require is Require.SAM_SERVER:
            return self._sam_object(kind, access, opens or SAM_SERVER.kind, groups)
        if require is Require.SAM_ENUMERATION:
            return self._sam_enumeration(kind)
        if require is Require.LSA_OPEN:
            return self._lsa_open(kind, access)
        needed = {Require.LSA_LOOKUP: POLICY_LOOKUP_NAMES,
                  Require.LSA_VIEW_LOCAL: POLICY_VIEW_LOCAL_INFORMATION,
                  Require.LSA_VIEW_AUDIT: POLICY_VIEW_AUDIT_INFORMATION,
                  Require.LSA_PRIVATE: POLICY_GET_PRIVATE_INFORMATION}[require]
        return self._lsa_right(kind, needed, require.value, access)

    # -- SAMR ------------------------------------------------------------------------------
    def _remote_sam(self, kind: str) -> tuple[bool, str]:
        """§0 rule 7: STANDARD_RIGHTS_READ (READ_CONTROL) on the RestrictRemoteSAM descriptor."""
        if self.restrict_remote_sam is None:
            return True, "not checked (no RestrictRemoteSAM on this release)"
        descriptor = self.remote_sam_descriptor
        if descriptor is None:
            return True, "allowed by an empty RestrictRemoteSAM"
        if descriptor.grants(self._tokens[kind], READ_CONTROL):
            return True, f"granted READ_CONTROL by RestrictRemoteSAM {self.restrict_remote_sam}"
        return False, f"is refused by RestrictRemoteSAM {self.restrict_remote_sam}"

    def _sam_object(self, kind: str, access: int | None, opens: str,
                    groups: frozenset[str] = _NO_GROUPS) -> tuple[bool, str]:
        """§0 rule 8, MS-SAMR 3.1.5.1.x: an open fails when the caller's token matches no ACE of
        the object's DACL (:meth:`held_rights` is 0: MAXIMUM_ALLOWED or any right is then a
        failed access check, MS-DTYP 2.5.3.2).  Which of the requested rights the handle gets
        is ``CallContext.grant``'s, which also knows the object's own ACE (a user's self ACE)."""
        object_type = _SAM_BY_KIND[opens]
        held = self._held_by(kind, groups, object_type)
        if not held:
            return False, self._why_nothing_held(kind, object_type)
        if self.is_dc and kind not in ("user", "administrator"):
            return True, f"in Pre-Windows 2000 Compatible Access (granted 0x{held:08X} on {object_type.name})"
        return True, f"granted 0x{held:08X} on the {object_type.name} object"

    def _sam_enumeration(self, kind: str) -> tuple[bool, str]:
        """§0.1: RestrictAnonymous / RestrictAnonymousSAM refuse anonymous account enumeration."""
        if kind != "anonymous":
            return True, "not anonymous (the enumeration switches restrict anonymous only)"
        if self.restrict_anonymous >= 1:
            return False, f"is refused by RestrictAnonymous={self.restrict_anonymous}"
        if self.restrict_anonymous_sam and not self.is_dc:
            return False, "is refused by RestrictAnonymousSAM=1"
        return True, "allowed (RestrictAnonymous=0" + (
            ", RestrictAnonymousSAM ignored on DCs)" if self.restrict_anonymous_sam
            else ", RestrictAnonymousSAM=0)")

    # -- LSA -------------------------------------------------------------------------------
    def lsa_granted(self, principal: Caller) -> int:
        """The rights the modelled LSA policy object DACL grants (§0 rule 6, MS-LSAD <46>):
        administrators all; Everyone generic-execute (VIEW_LOCAL | LOOKUP_NAMES | READ_CONTROL);
        from XP / 2003 an ANONYMOUS LOGON ACE with VIEW_LOCAL_INFORMATION, plus LOOKUP_NAMES while
        "Allow anonymous SID/Name translation" (LSAAnonymousNameLookup) is on."""
        kind = principal_kind(principal)
        if kind == "administrator":
            return POLICY_ALL_ACCESS | READ_CONTROL
        if kind != "anonymous":
            return _LSA_EXECUTE
        granted = 0
        if self.anonymous_in_everyone:
            granted |= _LSA_EXECUTE
        if self.version >= (5, 1):
            granted |= POLICY_VIEW_LOCAL_INFORMATION
            if self.lsa_anonymous_name_lookup:
                granted |= POLICY_LOOKUP_NAMES
        return granted

    def _lsa_open(self, kind: str, access: int | None) -> tuple[bool, str]:
        if kind == "anonymous" and not self.is_dc and self.lsa_anonymous_block:
            return False, "is blocked by LsaRestrictAnonymous (TurnOffAnonymousBlock=0) on a non-DC"
        granted = self.lsa_granted(kind)
        desired = MAXIMUM_ALLOWED if access is None else access
        wanted = LSA_POLICY.map_generic(desired) & 0x00FFFFFF & ~ACCESS_SYSTEM_SECURITY
        if desired & ACCESS_SYSTEM_SECURITY and kind != "administrator":
            return False, "lacks the security privilege for ACCESS_SYSTEM_SECURITY"
        if wanted & ~granted:
            return False, f"is not granted 0x{wanted & ~granted:08X} on the LSA policy object (has 0x{granted:08X})"
        if not wanted and not granted:
            return False, "is granted nothing on the LSA policy object"
        return True, f"granted 0x{granted:08X} on the LSA policy object"

    def _lsa_right(self, kind: str, needed: int, label: str, access: int | None) -> tuple[bool, str]:
        if kind == "anonymous" and not self.is_dc and self.lsa_anonymous_block:
            # Only reachable without a handle (LookupSids3 / LookupNames4): same block as the open.
            return False, "is blocked by LsaRestrictAnonymous (TurnOffAnonymousBlock=0) on a non-DC"
        granted = self.lsa_granted(kind)
        if not granted & needed:
            extra = " (LSAAnonymousNameLookup=0)" if needed == POLICY_LOOKUP_NAMES and kind == "anonymous" else ""
            return False, f"is not granted {label}{extra}"
        if access is not None and not access & (MAXIMUM_ALLOWED | GENERIC_ALL) and not _maps_to(access, needed):
            return False, f"holds a handle without {label}"
        return True, f"granted {label}"

    # -- srvsvc ----------------------------------------------------------------------------
    def _share_level(self, kind: str, what: str, level: int, denied: int, label: str) -> Decision:
        """NetrShareEnum / NetrShareEnumSticky / NetrShareGetInfo (§0 rule 9, §0.1)."""
        if level in self.share_admin_levels:
            rule = f"{label} ADMINISTRATORS (§0 rule 9)"
            if kind == "administrator":
                return Decision(0, f"allow {what}: administrator ({self.name})", rule)
            return Decision(denied, f"deny {what}: {kind} is not an administrator ({self.name})",
                            rule)
        rule = f"{label} RestrictAnonymous (§0.1)"
        if kind == "anonymous" and self.restrict_anonymous >= 1:
            return Decision(denied, f"deny {what}: anonymous share enumeration is blocked by "
                            f"RestrictAnonymous={self.restrict_anonymous} ({self.name})", rule)
        return Decision(0, f"allow {what}: {kind} needs no group at this level ({self.name})", rule)

    # ------------------------------------------------------------------ plumbing
    def _cached(self, key: tuple[str, ...], build: Callable[[], Decision]) -> Decision:
        decision = self._cache.get(key)
        if decision is None:
            decision = build()
            self._cache[key] = decision
        assert decision is not None
        self._log(decision)
        return decision

    @staticmethod
    def _log(decision: Decision) -> None:
        if decision.status:
            log.info("%s", decision.reason)
        else:
            log.debug("%s", decision.reason)


def _maps_to(access: int, needed: int) -> bool:
    return bool((access | LSA_POLICY.map_generic(access)) & needed)


def _sid_name(sid: Sid) -> str:
    from smbemu.sid import WELL_KNOWN

    entry = WELL_KNOWN.get(sid)
    return entry.name if entry is not None else str(sid)


_SAM_TYPES: Final = frozenset({SAM_SERVER, SAM_DOMAIN, SAM_GROUP, SAM_ALIAS, SAM_USER})
_SAM_BY_KIND: Final = {t.kind: t for t in _SAM_TYPES}
_SHARE_OPERATIONS: Final = frozenset({"NetrShareEnum", "NetrShareEnumSticky", "NetrShareGetInfo"})


def policy_for(server: object) -> Policy:
    """The :class:`Policy` of a server configuration, built once and cached.

    ``server`` is a ``smbemu.config.ServerConfig`` (what handlers see as ``ctx.server``) or a
    test double of one, read duck-typed: its
    ``policy`` attribute if it has one, else a Policy built from ``server.profile`` and kept in
    ``server.cache["policy"]`` (rebuilt if the profile object changes).
    """
    existing = getattr(server, "policy", None)
    if isinstance(existing, Policy):
        return existing
    cache = getattr(server, "cache", None)
    profile = getattr(server, "profile", None)
    if cache is None:
        return Policy(profile)
    policy = cache.get("policy")
    if not isinstance(policy, Policy) or policy.profile is not profile:
        policy = Policy(profile)
        cache["policy"] = policy
    return policy
