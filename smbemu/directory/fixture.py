"""Fixture validation, pass 1 (role-independent): every section read and checked (`read_fixture`), names
and RIDs unique, and every member name resolved against the fixture and Windows' standard accounts
(`Resolver`). The result, `FixtureSpec`, is what `smbemu.directory.build` turns into a directory."""

from __future__ import annotations

import difflib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from smbemu.auth.ntlm_crypto import lm_owf_v1, nt_owf_v1
from smbemu.directory.logon_hours import parse_logon_hours
from smbemu.directory.lookup import split_qualified
from smbemu.directory.model import (
    ACCOUNT_TYPES,
    DomainInfo,
    LockoutPolicy,
    Machine,
    PasswordPolicy,
    Share,
    SHARE_TYPES,
    ShareType,
)
from smbemu.directory.reader import (
    BAD_ACCOUNT_CHARS,
    BAD_SHARE_CHARS,
    DOMAIN_KEYS,
    FixtureReader,
    GROUP_KEYS,
    LOCKOUT_KEYS,
    MACHINE_KEYS,
    NETBIOS_NAME,
    PASSWORD_KEYS,
    SHARE_KEYS,
    TOP_KEYS,
    USER_BOOL_KEYS,
    USER_DATE_KEYS,
    USER_KEYS,
    USER_STR_KEYS,
)
from smbemu.directory.standard import (
    ALLOWED_USER_RIDS,
    BUILTIN_USERS,
    DOMAIN_ALIAS_BY_RID,
    DOMAIN_ALIASES,
    DOMAIN_GROUP_BY_RID,
    DOMAIN_GROUPS,
    Standard,
)
from smbemu.sid import builtin_alias, BUILTIN_ALIASES, BUILTIN_DOMAIN_SID, Sid, WELL_KNOWN_BY_NAME


@dataclass
class _Entry:
    """One user / group / alias of the fixture after pass 1."""

    kind: Literal["user", "group", "alias"]
    where: str  # "users[3]"
    rid: int
    name: str
    description: str
    roles: frozenset[str]
    members: list[tuple[str, str]] = field(default_factory=list)  # (key path, name or SID)
    fields: dict[str, Any] = field(default_factory=dict)  # user attributes for User(...)
    groups: list[tuple[str, str]] = field(default_factory=list)  # user.groups
    primary_group_rid: int | None = None
    member_refs: list[MemberRef] = field(default_factory=list)  # resolved members
    group_refs: list[MemberRef] = field(default_factory=list)  # resolved user.groups


@dataclass
class FixtureSpec:
    source: str
    machine: Machine
    domain: DomainInfo | None
    workgroup: str
    password_policy: PasswordPolicy
    lockout_policy: LockoutPolicy
    entries: list[_Entry]
    shares: list[tuple[Share, frozenset[str]]]
    #: How a member / standalone machine numbers its local accounts (`LOCAL_RID_RULES`).
    local_rids: str = "from_1000"


#: ``machine.local_rids``: "from_1000" -- the fixture's users and local aliases (RID 1000 and up)
#: are numbered again from 1000 in the order of their ``rid`` on a member or standalone machine,
#: as the machine's own SAM numbered them when they were created (the first RID a SAM gives out
#: is 1000, those below are reserved: `smbemu.directory.changes.FIRST_RID`, MS-SAMR 3.1.1.6; the
#: local accounts of a real member sit at 1000 and up, where enum4linux's default RID range
#: 1000-1050 looks for them -- issue 13); the fixture's ``rid`` is the DC's, a domain RID.
#: "as_given" -- every entry keeps its ``rid`` on every role (`smbemu fixture export` writes it
#: for a member's or standalone server's SAM, whose RIDs are local already).
LOCAL_RID_RULES = ("from_1000", "as_given")
#: The policy bounds are what the SAM can hold, so a policy SamrSetInformationDomain set can be
#: exported and loaded again (`smbemu.directory.domain_settings`): MinPasswordLength at most 1024
#: (MS-SAMR 3.1.5.6.1.3), a history of at most 24 passwords (the "Enforce password history" bound of
#: Windows' security policy editor; U for SAMR), the lockout threshold a USHORT (2.2.3.15), ages
#: and times any 64-bit delta (2.2.4.5) in whole days / minutes.
MAX_MIN_LENGTH = 1024
MAX_HISTORY = 24
MAX_USHORT = 0xFFFF
MAX_DELTA_DAYS = 0x7FFFFFFFFFFFFFFF // 864_000_000_000
MAX_DELTA_MINUTES = 0x7FFFFFFFFFFFFFFF // 600_000_000


def read_fixture(data: object, source: str) -> FixtureSpec:
    r = FixtureReader(source)
    top = r.mapping(data, "", TOP_KEYS, required=("machine",))

    m = r.mapping(top["machine"], "machine", MACHINE_KEYS, required=("netbios_name", "sid"))
    netbios = r.string(m, "netbios_name", "machine")
    if not NETBIOS_NAME.match(netbios):
        raise r.error("machine.netbios_name", f"{netbios!r} is not a NetBIOS name (1–15 letters, digits or -_.)")
    machine_sid = r.sid(m, "sid", "machine")
    _check_domain_sid(r, "machine.sid", machine_sid)

    domain: DomainInfo | None = None
    password_policy, lockout_policy = PasswordPolicy(), LockoutPolicy()
    if top.get("domain") is not None:
        d = r.mapping(top["domain"], "domain", DOMAIN_KEYS, required=("name", "dns_name", "sid"))
        name = r.string(d, "name", "domain")
        if not NETBIOS_NAME.match(name):
            raise r.error("domain.name", f"{name!r} is not a NetBIOS domain name (1–15 letters, digits or -_.)")
        dns = r.string(d, "dns_name", "domain").lower()
        dsid = r.sid(d, "sid", "domain")
        _check_domain_sid(r, "domain.sid", dsid)
        if dsid == machine_sid:
            raise r.error("domain.sid", "must differ from machine.sid (a member keeps its own machine SID)")
        guid_text = r.string(d, "guid", "domain")
        try:
            guid = uuid.UUID(guid_text) if guid_text else uuid.uuid5(uuid.NAMESPACE_URL, f"smbemu:{dsid}")
        except ValueError:
            raise r.error("domain.guid", f"{guid_text!r} is not a GUID (e.g. 6f3c5d2e-...)") from None
        forest = r.string(d, "forest_dns_name", "domain", dns).lower()
        # ms-DS-MachineAccountQuota (MS-ADA2; 10 in a new forest, MS-ADTS 3.1.1.5.2.1.1 / KB 243327)
        quota = r.integer(d, "machine_account_quota", "domain", 10, 0, 0x7FFFFFFF)
        domain = DomainInfo(name.upper(), dns, dsid, guid, forest, quota)
        if d.get("password_policy") is not None:
            p = r.mapping(d["password_policy"], "domain.password_policy", PASSWORD_KEYS)
            where = "domain.password_policy"
            logoff = p.get("force_logoff_minutes")
            password_policy = PasswordPolicy(
                min_length=r.integer(p, "min_length", where, 0, 0, MAX_MIN_LENGTH),
                history=r.integer(p, "history", where, 0, 0, MAX_HISTORY),
                max_age_days=r.integer(p, "max_age_days", where, 42, 0, MAX_DELTA_DAYS),
                min_age_days=r.integer(p, "min_age_days", where, 0, 0, MAX_DELTA_DAYS - 1),
                complexity=r.boolean(p, "complexity", where),
                reversible=r.boolean(p, "reversible", where),
                force_logoff_minutes=None if logoff is None else r.integer(p, "force_logoff_minutes", where, 0, 0, MAX_DELTA_MINUTES),
            )
            if password_policy.max_age_days and password_policy.min_age_days >= password_policy.max_age_days:
                raise r.error(f"{where}.min_age_days", f"{password_policy.min_age_days} must be less than max_age_days ({password_policy.max_age_days})")
        if d.get("lockout_policy") is not None:
            where = "domain.lockout_policy"
            lp = r.mapping(d["lockout_policy"], where, LOCKOUT_KEYS)
            lockout_policy = LockoutPolicy(
                threshold=r.integer(lp, "threshold", where, 0, 0, MAX_USHORT),
                duration_minutes=r.integer(lp, "duration_minutes", where, 30, 0, MAX_DELTA_MINUTES),
                window_minutes=r.integer(lp, "window_minutes", where, 30, 1, MAX_DELTA_MINUTES),
            )
            if lockout_policy.duration_minutes and lockout_policy.window_minutes > lockout_policy.duration_minutes:
                raise r.error(f"{where}.window_minutes", f"{lockout_policy.window_minutes} must not exceed duration_minutes ({lockout_policy.duration_minutes})")

    dns_default = f"{netbios.lower()}.{domain.dns_name}" if domain else netbios.lower()
    machine = Machine(
        netbios_name=netbios.upper(),
        dns_name=r.string(m, "dns_name", "machine", dns_default).lower(),
        sid=machine_sid,
        comment=r.string(m, "comment", "machine"),
    )
    workgroup = r.string(top, "workgroup", "", "WORKGROUP").upper()
    local_rids = r.string(m, "local_rids", "machine", LOCAL_RID_RULES[0])
    if local_rids not in LOCAL_RID_RULES:
        raise r.error("machine.local_rids", f"{local_rids!r} is not a numbering; allowed: {', '.join(LOCAL_RID_RULES)}")

    entries: list[_Entry] = []
    for index, raw in enumerate(r.seq(top.get("users"), "users")):
        entries.append(_read_user(r, raw, f"users[{index}]"))
    for index, raw in enumerate(r.seq(top.get("groups"), "groups")):
        entries.append(_read_group(r, raw, f"groups[{index}]", "group"))
    for index, raw in enumerate(r.seq(top.get("aliases"), "aliases")):
        entries.append(_read_group(r, raw, f"aliases[{index}]", "alias"))
    _check_unique(r, entries)

    shares: list[tuple[Share, frozenset[str]]] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(r.seq(top.get("shares"), "shares")):
        where = f"shares[{index}]"
        s = r.mapping(raw, where, SHARE_KEYS, required=("name",))
        name = r.string(s, "name", where, max_len=80)
        if not name or BAD_SHARE_CHARS.search(name):
            raise r.error(f"{where}.name", f"{name!r} is not a share name (no \\ / : * ? \" < > | and 1–80 characters)")
        if name.lower() in seen:
            raise r.error(f"{where}.name", f"{name!r} is already used by {seen[name.lower()]}")
        seen[name.lower()] = f"{where} ({name})"
        stype = s.get("type", "disk")
        if stype not in SHARE_TYPES:
            raise r.error(f"{where}.type", f"{stype!r} is not a share type; allowed: {', '.join(SHARE_TYPES)}")
        if name.lower() == "ipc$" and stype != "ipc":
            raise r.error(f"{where}.type", "IPC$ must have type ipc")
        share = Share(
            name=name,
            type=cast(ShareType, stype),
            special=r.boolean(s, "special", where, name.lower() == "ipc$"),
            comment=r.string(s, "comment", where),
            path=r.string(s, "path", where),
        )
        shares.append((share, r.roles(s, where)))

    spec = FixtureSpec(source, machine, domain, workgroup, password_policy, lockout_policy, entries, shares,
                       local_rids)
    Resolver(spec, r).resolve_all()
    return spec


def _check_domain_sid(r: FixtureReader, key: str, sid: Sid) -> None:
    if sid.authority != 5 or len(sid.sub_authorities) != 4 or sid.sub_authorities[0] != 21:
        raise r.error(key, f"{sid} is not a machine/domain SID; expected S-1-5-21-<a>-<b>-<c>")


def _read_user(r: FixtureReader, raw: object, where: str) -> _Entry:
    u = r.mapping(raw, where, USER_KEYS, required=("name", "rid"))
    name = r.string(u, "name", where)
    _check_account_name(r, f"{where}.name", name, 20)
    rid = r.integer(u, "rid", where, 0, 0, 0xFFFFFFFF)
    if rid < 500:
        raise r.error(f"{where}.rid", f"{rid} is below 500, which no account may use; allowed: {ALLOWED_USER_RIDS}")
    if rid < 1000 and rid not in BUILTIN_USERS:
        raise r.error(f"{where}.rid", f"{rid} is reserved for built-in accounts; allowed: {ALLOWED_USER_RIDS}")
    fields: dict[str, Any] = {key: r.string(u, key, where) for key in USER_STR_KEYS}
    fields.update({key: r.boolean(u, key, where) for key in USER_BOOL_KEYS})
    fields.update({key: r.date(u, key, where) for key in USER_DATE_KEYS})
    fields["bad_password_count"] = r.integer(u, "bad_password_count", where, 0, 0, 65535)
    fields["logon_count"] = r.integer(u, "logon_count", where, 0, 0, 65535)
    if "logon_hours" in u:
        fields["logon_hours"] = parse_logon_hours(u["logon_hours"], f"{where}.logon_hours", r.error)
    account_type = u.get("account_type", "normal")
    if account_type not in ACCOUNT_TYPES:
        raise r.error(f"{where}.account_type", f"{account_type!r} is not an account type; allowed: {', '.join(ACCOUNT_TYPES)}")
    fields["account_type"] = account_type
    if "password" in u and ("nt_hash" in u or "lm_hash" in u):
        raise r.error(f"{where}.password", "give either password or nt_hash/lm_hash, not both")
    if "lm_hash" in u and "nt_hash" not in u:
        raise r.error(f"{where}.lm_hash", "lm_hash needs nt_hash as well")
    if "nt_hash" in u:
        fields["nt_hash"] = r.hash(u, "nt_hash", where)
        fields["lm_hash"] = r.hash(u, "lm_hash", where)
    else:
        # No password given: the account has an empty password, as `net user NAME /add` leaves it.
        password = r.string(u, "password", where)
        fields["nt_hash"] = nt_owf_v1(password)
        fields["lm_hash"] = lm_owf_v1(password)
    description = fields.pop("description") or BUILTIN_USERS.get(rid, ("", ""))[1]
    primary = u.get("primary_group_rid")
    primary_rid = None if primary is None else r.integer(u, "primary_group_rid", where, 513, 1, 0xFFFFFFFF)
    return _Entry(
        kind="user", where=where, rid=rid, name=name, description=description, roles=r.roles(u, where),
        fields=fields, groups=r.names(u, "groups", where), primary_group_rid=primary_rid,
    )


def _read_group(r: FixtureReader, raw: object, where: str, kind: Literal["group", "alias"]) -> _Entry:
    g = r.mapping(raw, where, GROUP_KEYS, required=("name", "rid"))
    name = r.string(g, "name", where)
    _check_account_name(r, f"{where}.name", name, 256)
    rid = r.integer(g, "rid", where, 0, 0, 0xFFFFFFFF)
    description = r.string(g, "description", where)
    if kind == "group":
        standard = DOMAIN_GROUP_BY_RID.get(rid)
        allowed = "a domain group RID (" + ", ".join(f"{s.rid} {s.name}" for s in DOMAIN_GROUPS) + ") or 1000 and above"
    else:
        builtin = builtin_alias(rid)
        standard = DOMAIN_ALIAS_BY_RID.get(rid) or (
            Standard(builtin.rid, builtin.name, builtin.description, builtin.since) if builtin else None
        )
        allowed = "a BUILTIN alias RID (544 Administrators, 545 Users, ...), 517, 553, 571, 572 or 1000 and above"
    if rid < 1000 and standard is None:
        raise r.error(f"{where}.rid", f"{rid} is reserved or not a {kind} RID; allowed: {allowed}")
    if standard is not None and standard.name.lower() != name.lower():
        raise r.error(f"{where}.name", f"{name!r} does not match RID {rid}, which is {standard.name!r}")
    if standard is not None:
        name, description = standard.name, description or standard.description
    return _Entry(
        kind=kind, where=where, rid=rid, name=name, description=description, roles=r.roles(g, where),
        members=r.names(g, "members", where),
    )


def _check_account_name(r: FixtureReader, where: str, name: str, max_len: int) -> None:
    if not name or len(name) > max_len or BAD_ACCOUNT_CHARS.search(name) or name.strip() != name or name.endswith("."):
        raise r.error(
            where,
            f"{name!r} is not a SAM account name (1–{max_len} characters, none of \" / \\ [ ] : ; | = , + * ? < > @)",
        )


def _check_unique(r: FixtureReader, entries: list[_Entry]) -> None:
    rids: dict[int, _Entry] = {}
    names: dict[str, _Entry] = {}
    builtin_names = {alias.name.lower() for alias in BUILTIN_ALIASES}
    for entry in entries:
        is_builtin = entry.kind == "alias" and builtin_alias(entry.rid) is not None
        if not is_builtin:
            # RIDs are unique within a domain (users, groups and domain aliases share one space).
            other = rids.get(entry.rid)
            if other is not None:
                raise r.error(f"{entry.where}.rid", f"{entry.rid} is already used by {other.where} ({other.name})")
            rids[entry.rid] = entry
            lowered = entry.name.lower()
            if lowered in builtin_names or lowered in WELL_KNOWN_BY_NAME:
                raise r.error(f"{entry.where}.name", f"{entry.name!r} is a BUILTIN or well-known name; pick another")
        key = ("builtin:" if is_builtin else "") + entry.name.lower()
        other = names.get(key)
        if other is not None:
            raise r.error(f"{entry.where}.name", f"{entry.name!r} is already used by {other.where} ({other.name})")
        names[key] = entry


@dataclass(frozen=True)
class MemberRef:
    """What a member name resolved to, before the role maps it to a SID.

    kind: "user" / "group" / "alias" (fixture entries or Windows' standard ones, by RID),
    "builtin" (a BUILTIN alias, by RID) or "sid" (well-known or foreign SID).
    """

    kind: Literal["user", "group", "alias", "builtin", "sid"]
    rid: int = 0
    sid: Sid | None = None


_STANDARD_USER_BY_NAME = {name.lower(): rid for rid, (name, _) in BUILTIN_USERS.items()}
_REF_NOUN = {"user": "a user", "group": "a group", "alias": "an alias", "sid": "a well-known name or SID"}
_REF_NOUN_SHORT = {"user": "user", "group": "group", "alias": "alias", "sid": "well-known name or SID"}


class Resolver:
    """Resolves fixture member names and SIDs against the fixture and Windows' standard accounts."""

    def __init__(self, spec: FixtureSpec, r: FixtureReader) -> None:
        self.spec = spec
        self.r = r
        self.by_name: dict[str, _Entry] = {}
        self.by_rid: dict[int, _Entry] = {}
        self.builtin: dict[str, int] = {alias.name.lower(): alias.rid for alias in BUILTIN_ALIASES}
        for entry in spec.entries:
            if not (entry.kind == "alias" and builtin_alias(entry.rid) is not None):
                self.by_name[entry.name.lower()] = entry
                self.by_rid[entry.rid] = entry
        self.domain_names: set[str] = set()
        if spec.domain is not None:
            self.domain_names = {spec.domain.name.lower(), spec.domain.dns_name.lower()}
        self.machine_names = {spec.machine.netbios_name.lower(), spec.machine.dns_name.lower()}

    def resolve(self, where: str, text: str, *, allowed: Sequence[str]) -> MemberRef:
        if text[:2].upper() == "S-":
            try:
                sid = Sid.parse(text)
            except ValueError:
                raise self.r.error(where, f"{text!r} is not a SID (expected S-1-<authority>-<sub-authority>...)") from None
            if self._resolve_sid(sid) is None:
                raise self.r.error(where, f"{text!r} names an account of this machine or domain that the fixture does not have")
        ref = self._resolve(text)
        kind = "alias" if ref is not None and ref.kind == "builtin" else ref.kind if ref else None
        if ref is None or kind not in allowed:
            nouns = [_REF_NOUN_SHORT[k] for k in allowed]
            wanted = _REF_NOUN[allowed[0]].split(" ")[0] + " " + (
                nouns[0] if len(nouns) == 1 else ", ".join(nouns[:-1]) + " or " + nouns[-1]
            )
            hint = ""
            if ref is None:
                pool = [*self.by_name, *self.builtin, *(g.name.lower() for g in DOMAIN_GROUPS)]
                close = difflib.get_close_matches(text.lower(), pool, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
            elif kind is not None:
                hint = f" (it is {_REF_NOUN[kind]})"
            raise self.r.error(where, f"{text!r} is not {wanted} of this fixture{hint}")
        return ref

    def _resolve(self, text: str) -> MemberRef | None:
        if text[:2].upper() == "S-":
            try:
                return self._resolve_sid(Sid.parse(text))
            except ValueError:
                return None
        account, domain = split_qualified(text)
        lowered = account.lower()
        dom = domain.lower() if domain is not None else None
        if dom in (None, "builtin") and lowered in self.builtin:
            return MemberRef("builtin", self.builtin[lowered])
        if dom in (None, "nt authority", ""):
            wk = WELL_KNOWN_BY_NAME.get(lowered)
            if wk is not None and not wk.is_in(BUILTIN_DOMAIN_SID):
                return MemberRef("sid", sid=wk)
        if dom is None or dom in self.domain_names or dom in self.machine_names:
            entry = self.by_name.get(lowered)
            if entry is not None:
                return MemberRef(entry.kind, entry.rid)
            if lowered in _STANDARD_USER_BY_NAME:
                return MemberRef("user", _STANDARD_USER_BY_NAME[lowered])
        if dom is None or dom in self.domain_names:
            for standard in DOMAIN_GROUPS:
                if standard.name.lower() == lowered:
                    return MemberRef("group", standard.rid)
            for standard in DOMAIN_ALIASES:
                if standard.name.lower() == lowered:
                    return MemberRef("alias", standard.rid)
        return None

    def _resolve_sid(self, sid: Sid) -> MemberRef | None:
        spec = self.spec
        if sid.is_in(BUILTIN_DOMAIN_SID):
            return MemberRef("builtin", sid.rid) if builtin_alias(sid.rid) else None
        if (spec.domain is not None and sid.is_in(spec.domain.sid)) or sid.is_in(spec.machine.sid):
            entry = self.by_rid.get(sid.rid)
            if entry is not None:
                return MemberRef(entry.kind, entry.rid)
            if sid.rid in DOMAIN_GROUP_BY_RID:
                return MemberRef("group", sid.rid)
            if sid.rid in DOMAIN_ALIAS_BY_RID:
                return MemberRef("alias", sid.rid)
            if sid.rid in BUILTIN_USERS:
                return MemberRef("user", sid.rid)
            return None  # an account of this machine/domain that the fixture does not have
        if sid.authority == 5 and sid.sub_authorities[:1] == (32,):
            return None
        return MemberRef("sid", sid=sid)

    def resolve_all(self) -> None:
        """Resolve every member and group reference of the fixture (pass 1 ends here)."""
        for entry in self.spec.entries:
            if entry.kind == "group":
                entry.member_refs = [self.resolve(w, t, allowed=("user", "group")) for w, t in entry.members]
            elif entry.kind == "alias":
                entry.member_refs = [
                    self.resolve(w, t, allowed=("user", "group", "alias", "sid")) for w, t in entry.members
                ]
            else:
                entry.group_refs = [self.resolve(w, t, allowed=("group", "alias")) for w, t in entry.groups]
                primary = entry.primary_group_rid
                if primary is not None:
                    target = self.by_rid.get(primary)
                    if primary not in DOMAIN_GROUP_BY_RID and (target is None or target.kind != "group"):
                        raise self.r.error(f"{entry.where}.primary_group_rid", f"{primary} is not the RID of a group")
