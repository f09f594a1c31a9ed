"""Who may do what: the one place that turns a profile's knobs into allow / deny decisions.

Every question the server asks goes through the :class:`Policy` of its profile
(``policy_for(config)``) and gets a :class:`Decision`: allowed (status 0), or the exact status
Windows answers at that step -- an NTSTATUS on SMB2, SAMR and LSA (``STATUS_ACCESS_DENIED``
0xC0000022), a WERROR on the Net* management calls (``ERROR_ACCESS_DENIED`` 5, returned as the
RPC return value, not as a fault; windows-defaults.md §0 rule 9).  Every decision carries a
one-line explanation, e.g. ``deny pipe-open samr: anonymous, not in NullSessionPipes (win2016)``
or ``deny samr SamrEnumerateUsersInDomain: anonymous is refused by RestrictAnonymousSAM=1
(win2003)``; denials are logged at INFO on ``smbemu.policy`` (allows at DEBUG), so a lab operator
sees which rule refused a tool.

The checks follow windows-defaults.md §0 in order; each step is a method, and the RPC rules are
data (:data:`RULES`, :data:`INTERFACE_CHECKS`):

1. :meth:`Policy.session_setup` -- an anonymous (NULL) logon is accepted on every release (§0
   rule 1; §5 "anonymous SESSION_SETUP succeeds", W).
2. :meth:`Policy.tree_connect` -- IPC$ is always reachable (§0 rule 2), except on Windows 2000
   with ``RestrictAnonymous=2`` ("no access without explicit anonymous permissions", §0.1; the
   refused ``net use \\\\host\\IPC$ "" /u:""`` is W).  Other shares: an anonymous session needs
   the share in ``NullSessionShares`` while ``RestrictNullSessAccess`` is on (§0 rule 2, D).
   Refusals are ``STATUS_ACCESS_DENIED`` (U: the share-ACL status of MS-SMB2 3.3.5.7).
3. :meth:`Policy.pipe_open` -- an anonymous CREATE of a pipe not in ``NullSessionPipes`` (while
   ``RestrictNullSessAccess``) fails with ``STATUS_ACCESS_DENIED`` (§0 rule 3, D); then the
   endpoint refusal of samr / lsarpc on Vista SP1+ non-DCs, ``pipe_anonymous_refusal`` (§0 rule 4,
   D), with the same status.
4. :meth:`Policy.decide` -- RPC.  First the interface-wide check (:data:`INTERFACE_CHECKS`: the
   RestrictRemoteSAM descriptor before every SAMR call, §0 rule 7), then the operation's
   :class:`Rule`: LsarOpenPolicy* refused to anonymous on non-DCs while LsaRestrictAnonymous holds
   (and not TurnOffAnonymousBlock), else access-checked against the modelled LSA policy DACL (§0
   rules 5-6); lookups need POLICY_LOOKUP_NAMES; SamrConnect* / SamrOpenDomain on DCs need
   Authenticated Users or Pre-Windows 2000 Compatible Access membership (§0 rule 8); SAM account
   enumeration refused to anonymous by RestrictAnonymous>=1 or (non-DC) RestrictAnonymousSAM
   (§0.1, D) while single lookups stay open -- the RID-cycling gap; srvsvc / wkssvc levels (§0
   rule 9).

A requirement (:class:`Require`) is evaluated against the principal kind (``anonymous``,
``guest``, ``user``, ``administrator``), the token those kinds carry (:meth:`Policy.token`) and
the profile:

=====================  ===============================================================================
``EVERYONE``           anyone who reached the pipe (the pipe-open rules already filtered anonymous)
``EVERYONE_SID``       members of Everyone: users, guests, administrators; anonymous only when the
                       profile puts ANONYMOUS LOGON into Everyone (EveryoneIncludesAnonymous, and not
                       the Windows 2000 RestrictAnonymous=2 token; §0.1)
``AUTHENTICATED``      Authenticated Users (S-1-5-11): users and administrators
``ADMINISTRATORS``     BUILTIN\\Administrators
``NOBODY``             refused to everyone: the emulator does not change the emulated server
``REMOTE_SAM``         READ_CONTROL on the RestrictRemoteSAM descriptor (absent / "" = everyone)
``SAM_SERVER``         read on the SAM server / domain object: anyone on a non-DC; on a DC
                       Authenticated Users or a member of Pre-Windows 2000 Compatible Access
``SAM_ENUMERATION``    not anonymous, or anonymous with RestrictAnonymous=0 and (non-DC)
                       RestrictAnonymousSAM=0
``LSA_OPEN``           the LsarOpenPolicy* rule: anonymous block, then the desired access
``LSA_LOOKUP``         POLICY_LOOKUP_NAMES granted (and on the handle, when the handler says which)
``LSA_VIEW_LOCAL``     POLICY_VIEW_LOCAL_INFORMATION granted
``LSA_VIEW_AUDIT``     POLICY_VIEW_AUDIT_INFORMATION (administrators)
``LSA_PRIVATE``        POLICY_GET_PRIVATE_INFORMATION (administrators)
=====================  ===============================================================================

:data:`ACTIONS` lists what a null-session tool does, step by step (the matrix columns); the
README's profile matrix is generated from the profiles and this engine
(``python -m smbemu.policy matrix``, ``--write README.md`` to refresh it).

Sources, cited per rule: windows-defaults.md (§0 rules 1-9, §0.1, §1) and the Win32
"Requirements for Network Management Functions" pages it cites ([46], [49]); where the
reference is silent the row says what it follows and tags it W (widely reported) or U.
"""

from __future__ import annotations

import enum
import logging
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from smbemu.pipe_names import normalize_pipe_name
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
from smbemu.status import ERROR_ACCESS_DENIED, STATUS_ACCESS_DENIED, status_name

__all__ = [
    "ERROR_ACCESS_DENIED", "STATUS_ACCESS_DENIED", "ALLOW", "Decision", "Require", "Later", "Rule",
    "RULES", "INTERFACE_CHECKS", "Policy", "policy_for", "principal_kind", "Step", "ACTIONS",
    "first_refusal", "matrix_rows", "render_matrix", "status_name", "KINDS",
]

log = logging.getLogger("smbemu.policy")

KINDS: Final = ("anonymous", "guest", "user", "administrator")
_KINDS: Final = KINDS

# Access masks (MS-DTYP 2.4.3, MS-LSAD 2.2.1.1): the RPC interfaces import the generic and
# standard bits from here, where the access decisions that use them are made.
READ_CONTROL: Final = 0x00020000
STANDARD_RIGHTS_REQUIRED: Final = 0x000F0000
ACCESS_SYSTEM_SECURITY: Final = 0x01000000
MAXIMUM_ALLOWED: Final = 0x02000000
GENERIC_ALL: Final = 0x10000000
GENERIC_EXECUTE: Final = 0x20000000
GENERIC_WRITE: Final = 0x40000000
GENERIC_READ: Final = 0x80000000
POLICY_VIEW_LOCAL_INFORMATION: Final = 0x00000001
POLICY_VIEW_AUDIT_INFORMATION: Final = 0x00000002
POLICY_GET_PRIVATE_INFORMATION: Final = 0x00000004
POLICY_LOOKUP_NAMES: Final = 0x00000800
POLICY_ALL_ACCESS: Final = 0x000F0FFF
#: MS-LSAD 2.2.1.1.2: generic rights of the policy object.
_LSA_GENERIC: Final = {
    GENERIC_READ: READ_CONTROL | POLICY_VIEW_AUDIT_INFORMATION | POLICY_GET_PRIVATE_INFORMATION,
    GENERIC_WRITE: READ_CONTROL | 0x00000010 | 0x00000020 | 0x00000040 | 0x00000080 | 0x00000100
    | 0x00000200 | 0x00000400 | 0x00001000,
    GENERIC_EXECUTE: READ_CONTROL | POLICY_VIEW_LOCAL_INFORMATION | POLICY_LOOKUP_NAMES,
    GENERIC_ALL: POLICY_ALL_ACCESS,
}

class Require(enum.Enum):
    """Who a rule lets through (see the module docstring)."""

    EVERYONE = "everyone"
    EVERYONE_SID = "members of Everyone"
    AUTHENTICATED = "authenticated users"
    ADMINISTRATORS = "administrators"
    NOBODY = "nobody (the emulated server is read-only)"
    REMOTE_SAM = "READ_CONTROL on RestrictRemoteSAM"
    SAM_SERVER = "read on the SAM server / domain object"
    SAM_ENUMERATION = "anonymous SAM enumeration allowed"
    LSA_OPEN = "the LSA policy object opens"
    LSA_LOOKUP = "POLICY_LOOKUP_NAMES"
    LSA_VIEW_LOCAL = "POLICY_VIEW_LOCAL_INFORMATION"
    LSA_VIEW_AUDIT = "POLICY_VIEW_AUDIT_INFORMATION"
    LSA_PRIVATE = "POLICY_GET_PRIVATE_INFORMATION"


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
    profile reaches replaces ``require`` and ``levels``.  ``status`` is what a refusal returns;
    ``source`` says where the rule comes from.
    """

    require: Require
    levels: Mapping[int, Require] = field(default_factory=dict)
    since: tuple[Later, ...] = ()
    status: int = ERROR_ACCESS_DENIED
    source: str = ""


_E, _ES, _AU, _ADM, _NO = (Require.EVERYONE, Require.EVERYONE_SID, Require.AUTHENTICATED,
                           Require.ADMINISTRATORS, Require.NOBODY)
_DENIED = STATUS_ACCESS_DENIED

#: (interface, operation) -> rule.  Operations absent here are allowed to whoever reached the
#: pipe (after :data:`INTERFACE_CHECKS`).  NetrShareEnum / NetrShareEnumSticky /
#: NetrShareGetInfo levels are not here: they come from the profile (``share_enum_level``).
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
    # -- lsarpc (MS-LSAD / MS-LSAT) ---------------------------------------------------------
    # LsarOpenPolicy / 2 / 3: anonymous on a non-DC while LsaRestrictAnonymous holds (and
    # TurnOffAnonymousBlock is 0) -> STATUS_ACCESS_DENIED (§0 rule 5, MS-LSAD 3.1.4.4.1, D);
    # otherwise the desired access is checked against the policy object DACL (modelled in
    # Policy.lsa_granted: Everyone generic-execute, the XP/2003+ ANONYMOUS LOGON ACE 0x801 whose
    # LOOKUP_NAMES part is "Allow anonymous SID/Name translation", administrators all; §0 rule 6).
    **{("lsarpc", name): Rule(Require.LSA_OPEN, status=_DENIED, source="§0 rules 5-6 (D)")
       for name in ("LsarOpenPolicy", "LsarOpenPolicy2", "LsarOpenPolicy3")},
    # LsarLookupSids* / LsarLookupNames*: POLICY_LOOKUP_NAMES (§0 rule 6, MS-LSAD Appendix B
    # <46>, D).  The handle-less LookupSids3 / LookupNames4 get the same answer.
    **{("lsarpc", name): Rule(Require.LSA_LOOKUP, status=_DENIED, source="§0 rule 6 (D)")
       for name in ("LsarLookupSids", "LsarLookupSids2", "LsarLookupSids3", "LsarLookupNames",
                    "LsarLookupNames2", "LsarLookupNames3", "LsarLookupNames4")},
    # LsarQueryInformationPolicy / 2 (MS-LSAD 3.1.4.4.3 access table): audit classes (1, 2, 10)
    # need POLICY_VIEW_AUDIT_INFORMATION, PolicyPdAccountInformation (4) needs
    # POLICY_GET_PRIVATE_INFORMATION, every other class POLICY_VIEW_LOCAL_INFORMATION.
    **{("lsarpc", name): Rule(
        Require.LSA_VIEW_LOCAL,
        {1: Require.LSA_VIEW_AUDIT, 2: Require.LSA_VIEW_AUDIT, 10: Require.LSA_VIEW_AUDIT,
         4: Require.LSA_PRIVATE},
        status=_DENIED, source="MS-LSAD 3.1.4.4.3 (D)")
       for name in ("LsarQueryInformationPolicy", "LsarQueryInformationPolicy2")},
    # LsarEnumerateAccounts: POLICY_VIEW_LOCAL_INFORMATION (MS-LSAD 3.1.4.5.2, D).
    ("lsarpc", "LsarEnumerateAccounts"): Rule(Require.LSA_VIEW_LOCAL, status=_DENIED,
                                              source="MS-LSAD 3.1.4.5.2 (D)"),
    # -- samr (MS-SAMR) ---------------------------------------------------------------------
    # SamrConnect*: STATUS_ACCESS_DENIED when nothing requested is granted on the SAM server
    # object; on DCs its DACL grants read to Authenticated Users and Pre-Windows 2000 Compatible
    # Access (§0 rule 8, MS-SAMR 3.1.5.1.1 / MS-ADSC 2.246, D).  The domain object of a DC grants
    # the same read (§1.3, D), so SamrOpenDomain follows it.
    **{("samr", name): Rule(Require.SAM_SERVER, status=_DENIED, source="§0 rule 8 (D)")
       for name in ("SamrConnect", "SamrConnect2", "SamrConnect3", "SamrConnect4",
                    "SamrConnect5", "SamrOpenDomain")},
    # Account enumeration: RestrictAnonymous=1 / RestrictAnonymousSAM=1 (the latter ignored on
    # DCs) refuse anonymous enumeration of SAM accounts (§0.1, D; status W).  Single lookups
    # (SamrLookupNamesInDomain, SamrLookupIdsInDomain, SamrOpenUser, ...) are not restricted:
    # the RID-cycling gap (§0.1, D [39]).
    **{("samr", name): Rule(Require.SAM_ENUMERATION, status=_DENIED, source="§0.1 (D; status W)")
       for name in ("SamrEnumerateUsersInDomain", "SamrEnumerateGroupsInDomain",
                    "SamrEnumerateAliasesInDomain", "SamrQueryDisplayInformation",
                    "SamrQueryDisplayInformation2", "SamrQueryDisplayInformation3",
                    "SamrGetDisplayEnumerationIndex", "SamrGetDisplayEnumerationIndex2")},
}

#: Checks that run before every operation of an interface: the SAMR server-wide check of
#: Windows 10 1607 / Server 2016 and later (§0 rule 7, MS-SAMR 3.1.2.1, D).
INTERFACE_CHECKS: Final[Mapping[str, Rule]] = {
    "samr": Rule(Require.REMOTE_SAM, status=_DENIED, source="§0 rule 7 (D)"),
}


def principal_kind(principal: Any) -> str:
    """``"anonymous"`` / ``"guest"`` / ``"user"`` / ``"administrator"`` of a principal-like
    object (``kind`` a string or an enum whose value is one of those)."""
    kind = getattr(principal, "kind", principal)
    kind = str(getattr(kind, "value", kind)).lower()
    if kind not in _KINDS:
        raise ValueError(f"principal kind {kind!r} is not one of {', '.join(_KINDS)}")
    return kind


def _setting(section: Any, name: str, default: Any) -> Any:
    return getattr(section, name, default) if section is not None else default


class Policy:
    """Decisions for one profile.  Build once per server (:func:`policy_for`); read-only."""

    def __init__(self, profile: Any) -> None:
        self.profile = profile
        self.name: str = getattr(profile, "name", "?")
        #: The last RPC decision (`decide`), read and cleared by the audit log's per-call event.
        self.last_decision: Decision | None = None
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
        self.remote_sam_descriptor: Any = descriptor
        self.pre2000_members: frozenset[Sid] = frozenset(
            _setting(anonymous, "pre2000_compatible_access_members", (EVERYONE,)))
        rpc = getattr(profile, "rpc", None)
        self.share_admin_levels: frozenset[int] = frozenset(
            _setting(rpc, "share_enum_admin_levels", (2, 502, 503)))
        self._tokens = {kind: self._build_token(kind) for kind in _KINDS}
        self._cache: dict[tuple[str, ...] | tuple[Any, ...], Decision] = {}

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

    def token(self, principal: Any) -> frozenset[Sid]:
        """The group SIDs a principal kind's network logon token holds (§0.1): anonymous holds
        ANONYMOUS LOGON (and Everyone when the profile says so); guest Everyone and Guests;
        users Everyone, Authenticated Users and Users; administrators also Administrators."""
        return self._tokens[principal_kind(principal)]

    # ------------------------------------------------------------------ §0 rule 1
    def session_setup(self, principal: Any) -> Decision:
        """An anonymous (NULL) logon is accepted on every release (§0 rule 1, D; §5: W); guests and
        users were already decided by the logon (`smbemu.logon`)."""
        kind = principal_kind(principal)
        return self._cached(("session-setup", kind), lambda: Decision(
            0, f"allow session-setup: {kind}, accepted on every release ({self.name})"))

    # ------------------------------------------------------------------ §0 rule 2
    def tree_connect(self, principal: Any, share: str, share_type: str = "disk") -> Decision:
        """May ``principal`` connect to ``share`` (a share the server has)?"""
        kind = principal_kind(principal)
        return self._cached(("tree-connect", kind, share.lower(), share_type),
                            lambda: self._tree_connect(kind, share, share_type))

    def _tree_connect(self, kind: str, share: str, share_type: str) -> Decision:
        what = f"tree-connect {share}"
        if kind != "anonymous":
            return Decision(0, f"allow {what}: {kind}, not restricted by the anonymous rules ({self.name})")
        if self.restrict_anonymous_2:
            return Decision(STATUS_ACCESS_DENIED, f"deny {what}: anonymous, RestrictAnonymous=2 "
                            f"(no access without explicit anonymous permissions) ({self.name})")
        if share_type == "ipc" or share.upper() == "IPC$":
            return Decision(0, f"allow {what}: anonymous, IPC$ is always reachable ({self.name})")
        if self.restrict_null_sess_access and share.lower() not in self.null_session_shares:
            return Decision(STATUS_ACCESS_DENIED,
                            f"deny {what}: anonymous, not in NullSessionShares ({self.name})")
        return Decision(0, f"allow {what}: anonymous, "
                        + ("in NullSessionShares" if self.restrict_null_sess_access
                           else "RestrictNullSessAccess=0") + f" ({self.name})")

    # ------------------------------------------------------------------ §0 rules 3-4
    def pipe_open(self, principal: Any, pipe: str) -> Decision:
        """May ``principal`` open ``\\pipe\\<pipe>`` (CREATE on IPC$)?"""
        kind = principal_kind(principal)
        name = normalize_pipe_name(pipe)
        return self._cached(("pipe-open", kind, name), lambda: self._pipe_open(kind, name))

    def _pipe_open(self, kind: str, pipe: str) -> Decision:
        what = f"pipe-open {pipe}"
        if kind != "anonymous":
            return Decision(0, f"allow {what}: {kind}, not restricted by the anonymous rules ({self.name})")
        if self.restrict_null_sess_access and pipe not in self.null_session_pipes:
            return Decision(STATUS_ACCESS_DENIED,
                            f"deny {what}: anonymous, not in NullSessionPipes ({self.name})")
        if pipe in self.pipe_anonymous_refusal:
            return Decision(STATUS_ACCESS_DENIED, f"deny {what}: anonymous, the {pipe} endpoint "
                            f"refuses anonymous callers (pipe_anonymous_refusal) ({self.name})")
        return Decision(0, f"allow {what}: anonymous, "
                        + ("in NullSessionPipes" if self.restrict_null_sess_access
                           else "RestrictNullSessAccess=0") + f" ({self.name})")

    # ------------------------------------------------------------------ RPC
    def decide(self, principal: Any, interface: str, operation: str,
               level: int | None = None, *, access: int | None = None) -> Decision:
        """May ``principal`` call ``interface.operation`` (at info ``level``)?

        ``access``: for an operation that opens a handle (LsarOpenPolicy2, SamrConnect5, ...)
        the DesiredAccess the client asked for; for an operation on a handle, the access the
        handle was granted (or opened with), when the handler tracks it.  ``None`` = not known
        (treated as MAXIMUM_ALLOWED)."""
        kind = principal_kind(principal)
        key = (kind, interface, operation, level, access)
        decision = self._cache.get(key)
        if decision is None:
            decision = self._decide(kind, interface, operation, level, access)
            self._cache[key] = decision
        self.last_decision = decision
        self._log(decision)
        return decision

    def _decide(self, kind: str, interface: str, operation: str,
                level: int | None, access: int | None = None) -> Decision:
        what = f"{interface} {operation}" + (f" level {level}" if level is not None else "")
        first = INTERFACE_CHECKS.get(interface)
        if first is not None:
            ok, why = self._meets(first.require, kind, access)
            if not ok:
                return Decision(first.status, f"deny {what}: {kind} {why} ({self.name})")
        if interface == "srvsvc" and operation in _SHARE_OPERATIONS and level is not None:
            return self._share_level(kind, what, level)
        rule = RULES.get((interface, operation))
        if rule is None:
            return Decision(0, f"allow {what}: no restriction ({self.name})")
        require = rule.require
        levels: Mapping[int, Require] = rule.levels
        for later in rule.since:
            if self.version >= later.version:
                require, levels = later.require, later.levels
        if level is not None and level in levels:
            require = levels[level]
        return self._apply(require, kind, what, rule.status, access)

    def _apply(self, require: Require, kind: str, what: str, status: int,
               access: int | None = None) -> Decision:
        ok, why = self._meets(require, kind, access)
        if ok:
            return Decision(0, f"allow {what}: {kind} is {why} ({self.name})")
        return Decision(status, f"deny {what}: {kind} {why} ({self.name})")

    def _meets(self, require: Require, kind: str, access: int | None = None) -> tuple[bool, str]:
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
        if require is Require.EVERYONE_SID:
            if kind != "anonymous" or self.anonymous_in_everyone:
                return True, "a member of Everyone"
            return False, "is not in Everyone (" + (
                "RestrictAnonymous=2" if self.restrict_anonymous_2 else "EveryoneIncludesAnonymous=0") + ")"
        if require is Require.REMOTE_SAM:
            return self._remote_sam(kind)
        if require is Require.SAM_SERVER:
            return self._sam_server(kind)
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

    def _sam_server(self, kind: str) -> tuple[bool, str]:
        """§0 rule 8: read on the SAM server (and domain) object."""
        if not self.is_dc:
            return True, "admitted by the SAM server object of a non-DC"
        if kind in ("user", "administrator"):
            return True, "in Authenticated Users (granted read on the SAM server object)"
        if self._tokens[kind] & self.pre2000_members:
            return True, "in Pre-Windows 2000 Compatible Access"
        return False, "is not in Pre-Windows 2000 Compatible Access (" + (
            ", ".join(_sid_name(s) for s in sorted(self.pre2000_members, key=str)) or "no members") + ")"

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
    def lsa_granted(self, principal: Any) -> int:
        """The rights the modelled LSA policy object DACL grants (§0 rule 6, MS-LSAD <46>):
        administrators all; Everyone generic-execute (VIEW_LOCAL | LOOKUP_NAMES | READ_CONTROL);
        from XP / 2003 an ANONYMOUS LOGON ACE with VIEW_LOCAL_INFORMATION, plus LOOKUP_NAMES while
        "Allow anonymous SID/Name translation" (LSAAnonymousNameLookup) is on."""
        kind = principal_kind(principal)
        if kind == "administrator":
            return POLICY_ALL_ACCESS | READ_CONTROL
        if kind != "anonymous":
            return _LSA_GENERIC[GENERIC_EXECUTE]
        granted = 0
        if self.anonymous_in_everyone:
            granted |= _LSA_GENERIC[GENERIC_EXECUTE]
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
        wanted = 0
        for generic, mapped in _LSA_GENERIC.items():
            if desired & generic:
                wanted |= mapped
        wanted |= desired & 0x00FFFFFF & ~ACCESS_SYSTEM_SECURITY
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

    # ------------------------------------------------------------------ plumbing
    def _cached(self, key: tuple[str, ...], build: Any) -> Decision:
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


def _maps_to(access: int, needed: int) -> bool:
    mask = access
    for generic, mapped in _LSA_GENERIC.items():
        if access & generic:
            mask |= mapped
    return bool(mask & needed)


def _sid_name(sid: Sid) -> str:
    from smbemu.sid import WELL_KNOWN

    entry = WELL_KNOWN.get(sid)
    return entry.name if entry is not None else str(sid)


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


# --------------------------------------------------------------------------------------------------
# What a null-session tool does, step by step: the README matrix and the policy tests use these.
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Step:
    """One step of a client action: ``tree-connect`` (``name`` = share), ``pipe-open``
    (``name`` = pipe) or an RPC call (``interface`` / ``name`` = operation, ``level``,
    ``access`` = the DesiredAccess the tool asks for when the call opens a handle)."""

    step: str  # "tree-connect" | "pipe-open" | "rpc"
    name: str
    interface: str = ""
    level: int | None = None
    access: int | None = None

    @property
    def label(self) -> str:
        if self.step == "tree-connect":
            return f"TREE_CONNECT {self.name}"
        if self.step == "pipe-open":
            return f"CREATE \\pipe\\{self.name}"
        return self.name

    def ask(self, policy: Policy, principal: Any) -> Decision:
        if self.step == "tree-connect":
            return policy.tree_connect(principal, self.name, "ipc" if self.name.upper() == "IPC$" else "disk")
        if self.step == "pipe-open":
            return policy.pipe_open(principal, self.name)
        return policy.decide(principal, self.interface, self.name, self.level, access=self.access)


def _rpc(interface: str, operation: str, level: int | None = None, access: int | None = None) -> Step:
    return Step("rpc", operation, interface, level, access)


_IPC = Step("tree-connect", "IPC$")
_SAMR_DOMAIN = (_IPC, Step("pipe-open", "samr"), _rpc("samr", "SamrConnect5", access=MAXIMUM_ALLOWED),
                _rpc("samr", "SamrOpenDomain", access=MAXIMUM_ALLOWED))
_LSA_OPEN = (_IPC, Step("pipe-open", "lsarpc"), _rpc("lsarpc", "LsarOpenPolicy2", access=MAXIMUM_ALLOWED))

#: Matrix columns: (title, alternatives); each alternative is (what it is called, its steps).
#: The first alternative is what the column means; a later one is another way to the same data.
ACTIONS: Final[tuple[tuple[str, tuple[tuple[str, tuple[Step, ...]], ...]], ...]] = (
    ("share enum", (("NetrShareEnum level 1", (_IPC, Step("pipe-open", "srvsvc"),
                                                _rpc("srvsvc", "NetrShareEnum", 1))),)),
    ("user enum", (("enumdomusers", (*_SAMR_DOMAIN, _rpc("samr", "SamrEnumerateUsersInDomain"))),)),
    ("group enum", (("enumdomgroups", (*_SAMR_DOMAIN, _rpc("samr", "SamrEnumerateGroupsInDomain"))),)),
    ("password policy", (
        ("querydominfo", (*_SAMR_DOMAIN, _rpc("samr", "SamrQueryInformationDomain", 1))),
        ("getdompwinfo", (_IPC, Step("pipe-open", "samr"), _rpc("samr", "SamrGetDomainPasswordInformation"))),
    )),
    ("SID / name lookup", (("lookupnames / lookupsids", (
        *_LSA_OPEN, _rpc("lsarpc", "LsarLookupNames"), _rpc("lsarpc", "LsarLookupSids"))),)),
    ("RID cycling", (("lookupsid.py", (
        _IPC, Step("pipe-open", "lsarpc"),
        _rpc("lsarpc", "LsarOpenPolicy2", access=MAXIMUM_ALLOWED | POLICY_LOOKUP_NAMES),
        _rpc("lsarpc", "LsarQueryInformationPolicy2", 5), _rpc("lsarpc", "LsarLookupSids"))),)),
)


def first_refusal(policy: Policy, principal: Any, steps: Sequence[Step]) -> tuple[Step, Decision] | None:
    """The first step the policy refuses, with its decision; None when every step is allowed."""
    for step in steps:
        decision = step.ask(policy, principal)
        if not decision.allowed:
            return step, decision
    return None


def _cell(policy: Policy, alternatives: tuple[tuple[str, tuple[Step, ...]], ...]) -> str:
    outcomes = [(name, first_refusal(policy, "anonymous", steps)) for name, steps in alternatives]
    main = outcomes[0][1]
    if main is None:
        return "yes"
    refused = f"`{main[0].label}` → {status_name(main[1].status)}"
    others = [name for name, outcome in outcomes[1:] if outcome is None]
    if others:
        return f"{' / '.join(others)} only; {outcomes[0][0]}: {refused}"
    return f"no: {refused}"


#: Extra matrix rows: hardening exercises on top of a profile (``--set`` overrides).
MATRIX_VARIANTS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("win2000", ("RestrictAnonymous=1",)),
    ("win2000", ("RestrictAnonymous=2",)),
    ("win2003-dc", ("pre2000_compatible_access_members=Everyone,ANONYMOUS LOGON",)),
)


def _builtin_profiles() -> list[tuple[str, Any]]:
    """(name, profile) of every built-in profile, oldest release first (version, build, name)."""
    from smbemu.profiles import list_profiles, load_profile

    loaded = [(name, load_profile(name)) for name in list_profiles()]
    return sorted(loaded, key=lambda item: (item[1].identity.version, item[1].identity.build, item[0]))


def matrix_rows() -> list[tuple[str, list[str]]]:
    """(row title, cells) for every built-in profile (oldest release first), then
    :data:`MATRIX_VARIANTS`."""
    from smbemu.profiles import load_profile

    rows: list[tuple[str, list[str]]] = []
    variants: list[tuple[str, tuple[str, ...], Any]] = [(name, (), profile) for name, profile in _builtin_profiles()]
    variants += [(name, overrides, load_profile(name, overrides)) for name, overrides in MATRIX_VARIANTS]
    for name, overrides, profile in variants:
        policy = Policy(profile)
        title = f"`{name}`" + "".join(f" `--set {o}`" for o in overrides)
        rows.append((title, [_cell(policy, alternatives) for _, alternatives in ACTIONS]))
    return rows


MATRIX_BEGIN: Final = "<!-- profile-matrix:begin (generated by `python -m smbemu.policy matrix --write README.md`; do not edit) -->"
MATRIX_END: Final = "<!-- profile-matrix:end -->"


def identity_rows() -> list[list[str]]:
    """profile, role, OS, dialects, signing required, NTLM VERSION for every built-in profile."""
    rows = []
    for name, profile in _builtin_profiles():
        identity, smb = profile.identity, profile.smb
        version = "not sent" if identity.ntlm_version is None else ".".join(map(str, identity.ntlm_version))
        dialects = ", ".join(_dialect_label(d) for d in smb.dialects)
        rows.append([f"`{name}`", profile.role, f"{identity.os_name} ({identity.os_version}.{identity.build})",
                     dialects, "yes" if smb.signing_required else "no", version])
    return rows


def _dialect_label(dialect: int) -> str:
    return f"{dialect >> 8}.{(dialect >> 4) & 0xF}" + (f".{dialect & 0xF}" if dialect & 0xF else "")


def render_matrix() -> str:
    """The README's profile tables (markdown, between the markers): identity and SMB per profile,
    then what a null session gets."""
    lines = [MATRIX_BEGIN, "", "| profile | role | reports itself as | dialects offered | signing required | NTLM VERSION |",
             "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in identity_rows()]
    header = "| NULL session | " + " | ".join(title for title, _ in ACTIONS) + " |"
    lines += ["", header, "|" + "---|" * (len(ACTIONS) + 1)]
    for title, cells in matrix_rows():
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    lines += ["", MATRIX_END]
    return "\n".join(lines)


_MATRIX_BLOCK = re.compile(re.escape(MATRIX_BEGIN.split(" (")[0]) + r".*?" + re.escape(MATRIX_END), re.S)


def readme_matrix(text: str) -> str | None:
    """The generated block of a README text, or None when the markers are missing."""
    match = _MATRIX_BLOCK.search(text)
    return match.group(0) if match else None


def _main(argv: Sequence[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m smbemu.policy",
                                     description="the null-session matrix generated from the profiles")
    commands = parser.add_subparsers(dest="command", required=True)
    matrix = commands.add_parser("matrix", help="print the profile matrix (markdown)")
    matrix.add_argument("--write", metavar="README", help="replace the block between the markers in this file")
    matrix.add_argument("--check", metavar="README", help="exit 1 if the file's block is stale")
    args = parser.parse_args(argv)
    block = render_matrix()
    target = args.write or args.check
    if target is None:
        print(block)
        return 0
    path = Path(target)
    text = path.read_text(encoding="utf-8")
    current = readme_matrix(text)
    if current is None:
        print(f"{target}: no {MATRIX_BEGIN.split(' (')[0]} ... {MATRIX_END} markers", file=sys.stderr)
        return 1
    if args.check:
        if current != block:
            print(f"{target}: the profile matrix is stale; run python -m smbemu.policy matrix --write {target}",
                  file=sys.stderr)
            return 1
        return 0
    path.write_text(text.replace(current, block), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main(sys.argv[1:]))
