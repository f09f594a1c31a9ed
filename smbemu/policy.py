"""Who may do what: the one place that turns a profile's knobs into allow / deny decisions.

Handlers never read ``profile.anonymous.*`` or ``profile.rpc.*`` themselves; they ask the
:class:`Policy` of their server (``policy_for(ctx.server)``) a question and get a
:class:`Decision`: allowed, or the exact status Windows answers (a WERROR such as
``ERROR_ACCESS_DENIED`` 5 for the Net* management calls, which return it as the RPC return value,
not as a fault; windows-defaults.md §0 rule 9).  Every decision carries a one-line explanation,
e.g. ``deny srvsvc NetrShareEnum level 502: anonymous is not an administrator (win2016)``; denials
are logged at INFO on ``smbemu.policy`` so that a lab operator can see why a tool got nothing.

The rules are data (:data:`RULES`): one entry per (interface, operation), optionally per info
level, each naming a *requirement* (:class:`Require`).  A requirement is evaluated against the
principal kind (``anonymous``, ``guest``, ``user``, ``administrator``) and the profile:

=================  ===================================================================================
``EVERYONE``       anyone who reached the pipe (the pipe-open rules already filtered anonymous callers)
``EVERYONE_SID``   members of Everyone: users, guests, administrators; anonymous only when the profile
                   puts ANONYMOUS LOGON into Everyone (EveryoneIncludesAnonymous, and not the Windows
                   2000 RestrictAnonymous=2 token; windows-defaults.md §0.1)
``AUTHENTICATED``  Authenticated Users (S-1-5-11): users and administrators; not guest, not anonymous
``ADMINISTRATORS`` BUILTIN\\Administrators (Server / Print Operators and Power Users are not modelled:
                   the fixture has no such members)
``NOBODY``         refused to everyone: the emulator does not change the emulated server (share add,
                   session delete, ...); an administrator gets the same ERROR_ACCESS_DENIED a
                   non-administrator gets on Windows, with an explanation that says why
=================  ===================================================================================

Some rules depend on the Windows release (``since``: the identity version from which a rule
applies) or on a profile value (NetrShareEnum's administrator-only levels come from
``rpc.share_enum_admin_levels``; RestrictAnonymous >= 1 refuses anonymous share enumeration).
The anonymous-access engine (issue 5) grows this module: pipe opens (NullSessionPipes,
``pipe_anonymous_refusal``), LSA and SAMR checks will be more rows and more requirements here.

Sources, cited per rule: windows-defaults.md (§0 rules 1–9, §0.1, §1) and the Win32
"Requirements for Network Management Functions" pages it cites ([46], [49]); where the reference
is silent the row says what it follows and tags it W (widely reported) or U (uncertain).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = [
    "ERROR_ACCESS_DENIED", "ALLOW", "Decision", "Require", "Later", "Rule", "RULES", "Policy",
    "policy_for", "principal_kind",
]

log = logging.getLogger("smbemu.policy")

#: MS-ERREF 2.2: the WERROR the Net* management calls return to a caller without the right.
ERROR_ACCESS_DENIED: Final = 5

_KINDS: Final = ("anonymous", "guest", "user", "administrator")


class Require(enum.Enum):
    """Who a rule lets through (see the module docstring)."""

    EVERYONE = "everyone"
    EVERYONE_SID = "members of Everyone"
    AUTHENTICATED = "authenticated users"
    ADMINISTRATORS = "administrators"
    NOBODY = "nobody (the emulated server is read-only)"


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one question: ``status`` 0 = allowed, otherwise the status to return."""

    status: int
    reason: str

    @property
    def allowed(self) -> bool:
        return self.status == 0


#: The decision handlers get when nothing restricts the call.
ALLOW: Final = Decision(0, "allow")


@dataclass(frozen=True, slots=True)
class Later:
    """From Windows ``version`` (identity ``os_version``, e.g. ``(10, 0)``) on, a rule becomes
    ``require`` with per-level overrides ``levels``."""

    version: tuple[int, int]
    require: Require
    levels: Mapping[int, Require] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of :data:`RULES`.

    ``require`` applies to every level not in ``levels``; ``levels`` overrides it per info
    level.  ``since`` lists :class:`Later` versions of the rule: the last one whose version the
    profile reaches replaces ``require`` and ``levels``.  ``source`` says where it comes from.
    """

    require: Require
    levels: Mapping[int, Require] = field(default_factory=dict)
    since: tuple[Later, ...] = ()
    status: int = ERROR_ACCESS_DENIED
    source: str = ""


_E, _ES, _AU, _ADM, _NO = (Require.EVERYONE, Require.EVERYONE_SID, Require.AUTHENTICATED,
                           Require.ADMINISTRATORS, Require.NOBODY)

#: (interface, operation) -> rule.  Operations absent here are allowed to whoever reached the
#: pipe.  NetrShareEnum / NetrShareEnumSticky / NetrShareGetInfo levels are not here: they come
#: from the profile (``share_enum_level``).
RULES: Final[Mapping[tuple[str, str], Rule]] = {
    # -- srvsvc (MS-SRVS) -------------------------------------------------------------------
    # NetSessionEnum: levels 0 and 10 need no group, 1/2/502 need Administrators or Server
    # Operators ([46] "Requirements for Network Management Functions", D).  Windows 10 1607 /
    # Server 2016 restricted remote session enumeration to Administrators (the SrvsvcSessionInfo
    # default changed, the "NetCease" hardening made default; W, not in the reference).
    ("srvsvc", "NetrSessionEnum"): Rule(
        _ES, {1: _ADM, 2: _ADM, 502: _ADM}, since=(Later((10, 0), _ADM),),
        source="[46] (D); 10.0+: W"),
    # NetConnectionEnum, NetFileEnum / NetFileGetInfo, NetServerDiskEnum: Administrators or
    # Server Operators ([46], D; issue 3's list of administrator-only calls).
    ("srvsvc", "NetrConnectionEnum"): Rule(_ADM, source="[46] (D)"),
    ("srvsvc", "NetrFileEnum"): Rule(_ADM, source="[46] (D)"),
    ("srvsvc", "NetrFileGetInfo"): Rule(_ADM, source="[46] (D)"),
    ("srvsvc", "NetrServerDiskEnum"): Rule(_ADM, source="[46] (D)"),
    # NetStatisticsGet on a remote server: Administrators or Server Operators ([46], D).
    ("srvsvc", "NetrServerStatisticsGet"): Rule(_ADM, source="[46] (D)"),
    # NetServerGetInfo: no group for levels 100/101; 102 (and the tuning levels 502/503) need
    # Administrators, Server or Print Operators ([46], D).
    ("srvsvc", "NetrServerGetInfo"): Rule(_E, {102: _ADM, 502: _ADM, 503: _ADM},
                                          source="[46] (D)"),
    # NetRemoteTOD, NetShareCheck, NetprName*/NetprPath*: no special group ([46], D).
    # Changing the server: Administrators on Windows; refused to everyone here (read-only).
    **{("srvsvc", name): Rule(_NO, source="[46] (D: administrators); read-only emulation")
       for name in ("NetrFileClose", "NetrSessionDel", "NetrShareAdd", "NetrShareSetInfo",
                    "NetrShareDel", "NetrShareDelSticky", "NetrShareDelStart",
                    "NetrShareDelCommit", "NetrShareDelEx", "NetrServerSetInfo",
                    "NetrServerTransportAdd", "NetrServerTransportAddEx",
                    "NetrServerTransportDel", "NetrServerTransportDelEx",
                    "NetrpSetFileSecurity", "NetrServerAliasAdd", "NetrServerAliasDel")},
    # -- wkssvc (MS-WKST) -------------------------------------------------------------------
    # NetWkstaGetInfo (Win32 remarks, XP / 2003 and later): level 100 always allows anonymous;
    # 101 authenticated users (anonymous when Everyone includes it); 102 and 502
    # Administrators, Server, System or Print Operators.  Windows 2000: every authenticated
    # user, anonymous too unless RestrictAnonymous forbids it — modelled as "members of
    # Everyone" for every level (the 2000 token of RestrictAnonymous=2 lacks Everyone, §0.1).
    ("wkssvc", "NetrWkstaGetInfo"): Rule(
        _ES, since=(Later((5, 1), _ES, {100: _E, 101: _ES, 102: _ADM, 502: _ADM}),),
        source="Win32 NetWkstaGetInfo remarks (D)"),
    # NetWkstaUserEnum: Administrators only (Win32 NetWkstaUserEnum remarks, D; issue 3).
    ("wkssvc", "NetrWkstaUserEnum"): Rule(_ADM, source="Win32 NetWkstaUserEnum remarks (D)"),
    # NetrEnumerateComputerNames: administrators (MS-WKST 3.2.4.21 access check; U on levels).
    ("wkssvc", "NetrEnumerateComputerNames"): Rule(_ADM, source="MS-WKST 3.2.4.21 (U)"),
    # NetWkstaTransportEnum: no special group; anonymous as Everyone (U).
    ("wkssvc", "NetrWkstaTransportEnum"): Rule(_ES, source="[46] (D: no group); anonymous U"),
    **{("wkssvc", name): Rule(_NO, source="MS-WKST (D: administrators); read-only emulation")
       for name in ("NetrWkstaSetInfo", "NetrWkstaTransportAdd", "NetrWkstaTransportDel",
                    "NetrJoinDomain2", "NetrUnjoinDomain2", "NetrRenameMachineInDomain2",
                    "NetrAddAlternateComputerName", "NetrRemoveAlternateComputerName",
                    "NetrSetPrimaryComputerName")},
}


def principal_kind(principal: Any) -> str:
    """``"anonymous"`` / ``"guest"`` / ``"user"`` / ``"administrator"`` of a principal-like
    object (``kind`` a string or an enum whose value is one of those)."""
    kind = getattr(principal, "kind", principal)
    kind = str(getattr(kind, "value", kind)).lower()
    if kind not in _KINDS:
        raise ValueError(f"principal kind {kind!r} is not one of {', '.join(_KINDS)}")
    return kind


class Policy:
    """Decisions for one profile.  Build once per server (:func:`policy_for`); read-only."""

    def __init__(self, profile: Any) -> None:
        self.profile = profile
        self.name: str = getattr(profile, "name", "?")
        identity = getattr(profile, "identity", None)
        version = getattr(identity, "version", (5, 0)) if identity is not None else (5, 0)
        self.version: tuple[int, int] = (int(version[0]), int(version[1]))
        anonymous = getattr(profile, "anonymous", None)
        restrict = int(getattr(anonymous, "restrict_anonymous", 0)) if anonymous else 0
        includes = bool(getattr(anonymous, "everyone_includes_anonymous", True)) \
            if anonymous else True
        #: §0.1: anonymous is in Everyone on NT/2000 (unless 2000's RestrictAnonymous=2) and on
        #: XP/2003+ only with EveryoneIncludesAnonymous=1.
        self.anonymous_in_everyone = includes and restrict < 2
        #: §0.1: RestrictAnonymous=1 blocks anonymous enumeration of SAM accounts and shares.
        self.restrict_anonymous = restrict
        rpc = getattr(profile, "rpc", None)
        self.share_admin_levels: frozenset[int] = frozenset(
            getattr(rpc, "share_enum_admin_levels", (2, 502, 503)) if rpc else (2, 502, 503))
        self._cache: dict[tuple[str, str, str, int | None, int | None], Decision] = {}

    def __repr__(self) -> str:
        return f"<Policy {self.name} {self.version[0]}.{self.version[1]}>"

    # ------------------------------------------------------------------ the general question
    def decide(self, principal: Any, interface: str, operation: str,
               level: int | None = None, *, access: int | None = None) -> Decision:
        """May ``principal`` call ``interface.operation`` (at info ``level``, asking for the
        ``access`` mask when the operation opens a handle: LsarOpenPolicy2, SamrConnect5...)?"""
        kind = principal_kind(principal)
        key = (kind, interface, operation, level, access)
        decision = self._cache.get(key)
        if decision is None:
            decision = self._decide(kind, interface, operation, level)
            self._cache[key] = decision
        self._log(decision)
        return decision

    def _decide(self, kind: str, interface: str, operation: str,
                level: int | None) -> Decision:
        what = f"{interface} {operation}" + (f" level {level}" if level is not None else "")
        if interface == "srvsvc" and operation in _SHARE_OPERATIONS and level is not None:
            return self._share_level(kind, what, level)
        rule = RULES.get((interface, operation))
        if rule is None:
            return Decision(0, f"allow {what}: no restriction")
        require = rule.require
        levels: Mapping[int, Require] = rule.levels
        for later in rule.since:
            if self.version >= later.version:
                require, levels = later.require, later.levels
        if level is not None and level in levels:
            require = levels[level]
        return self._apply(require, kind, what, rule.status)

    def _apply(self, require: Require, kind: str, what: str, status: int) -> Decision:
        ok, why = self._meets(require, kind)
        if ok:
            return Decision(0, f"allow {what}: {kind} is {why} ({self.name})")
        return Decision(status, f"deny {what}: {kind} {why} ({self.name})")

    def _meets(self, require: Require, kind: str) -> tuple[bool, str]:
        """(allowed, the words that explain it)."""
        if require is Require.EVERYONE:
            return True, "allowed (no restriction)"
        if require is Require.NOBODY:
            return False, "may not change the emulated server (read-only)"
        if require is Require.ADMINISTRATORS:
            if kind == "administrator":
                return True, "an administrator"
            return False, "is not an administrator"
        if require is Require.AUTHENTICATED:
            if kind in ("user", "administrator"):
                return True, "authenticated"
            return False, "is not an authenticated user"
        # EVERYONE_SID
        if kind != "anonymous" or self.anonymous_in_everyone:
            return True, "a member of Everyone"
        return False, "is not in Everyone (EveryoneIncludesAnonymous=0)"

    def _share_level(self, kind: str, what: str, level: int) -> Decision:
        """NetrShareEnum / NetrShareEnumSticky / NetrShareGetInfo (§0 rule 9, §0.1)."""
        if level in self.share_admin_levels:
            if kind == "administrator":
                return Decision(0, f"allow {what}: administrator ({self.name})")
            return Decision(ERROR_ACCESS_DENIED,
                            f"deny {what}: {kind} is not an administrator ({self.name})")
        if kind == "anonymous" and self.restrict_anonymous >= 1:
            return Decision(ERROR_ACCESS_DENIED,
                            f"deny {what}: anonymous share enumeration is blocked by "
                            f"RestrictAnonymous={self.restrict_anonymous} ({self.name})")
        return Decision(0, f"allow {what}: {kind} needs no group at this level ({self.name})")

    @staticmethod
    def _log(decision: Decision) -> None:
        if decision.status:
            log.info("%s", decision.reason)
        else:
            log.debug("%s", decision.reason)

    # ------------------------------------------------------------------ shorthands
    def share_enum_level(self, principal: Any, level: int,
                         operation: str = "NetrShareEnum") -> int:
        """0 if ``principal`` may enumerate / query shares at ``level``, else the WERROR
        (§0 rule 9: levels 2/502/503 need Administrators; §0.1: RestrictAnonymous >= 1 refuses
        anonymous share enumeration)."""
        return self.decide(principal, "srvsvc", operation, level).status

    def admin_only(self, principal: Any, operation_name: str, interface: str = "srvsvc",
                   level: int | None = None) -> int:
        """0 if ``principal`` may call ``operation_name`` (at ``level``), else the WERROR."""
        return self.decide(principal, interface, operation_name, level).status


_SHARE_OPERATIONS: Final = frozenset({"NetrShareEnum", "NetrShareEnumSticky", "NetrShareGetInfo"})


def policy_for(server: Any) -> Policy:
    """The :class:`Policy` of a server configuration, built once and cached.

    ``server`` is what handlers get as ``ctx.server`` (``smbemu.config.ServerConfig``): its
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
