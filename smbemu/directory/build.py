"""Pass 2: build the `Directory` for one role from a validated `FixtureSpec` — the role rule of the
package docstring (local SAM on a member / standalone server, domain accounts on a DC), the
release's BUILTIN aliases and default accounts, and Windows' default memberships."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from typing import Any

from smbemu.auth.ntlm_crypto import lm_owf_v1, nt_owf_v1
from smbemu.directory.fixture import FixtureSpec, MemberRef, Resolver
from smbemu.directory.lookup import Directory
from smbemu.directory.model import Alias, Group, Machine, PrimaryDomain, Role, SamDomain, Share, User
from smbemu.directory.reader import FixtureReader
from smbemu.directory.standard import (
    BUILTIN_USERS,
    derived_hash,
    DOMAIN_ALIAS_BY_RID,
    DOMAIN_ALIASES,
    DOMAIN_GROUP_BY_RID,
    DOMAIN_GROUPS,
    local_defaults,
    NONE_GROUP_DESCRIPTION,
    system_root_of,
    SYSTEM_ROOT_TOKEN,
)
from smbemu.sid import (
    AUTHENTICATED_USERS,
    builtin_alias,
    BUILTIN_ALIASES,
    BUILTIN_DOMAIN_SID,
    INTERACTIVE,
    Sid,
)


def build_directory(
    spec: FixtureSpec,
    role: Role,
    os_version: tuple[int, ...] | None,
    guest_enabled: bool | None,
    pre2000_members: Sequence[Sid | str] | None,
) -> Directory:
    r = FixtureReader(spec.source)
    if role != "standalone" and spec.domain is None:
        raise r.error("domain", f"missing: a {role} server needs the domain it belongs to")
    # ``os_version``: (major, minor) or (major, minor, build) -- the build tells 2016 from 2019.
    version = tuple(os_version[:2]) if os_version else (99, 0)  # unknown release: every alias
    is_dc = role == "dc"
    # A machine with its own SAM also has the accounts its release's Setup created (`local_defaults`);
    # the fixture's local accounts are numbered after them.
    # A fixture account of the same name, or holding the RID as it is (below 1000, or `local_rids:
    # as_given`, as an exported live SAM), is that account already.
    kept_rids = {e.rid for e in spec.entries if e.rid < 1000 or spec.local_rids == "as_given"}
    defaults = [d for d in local_defaults(os_version) if not is_dc and d.rid not in kept_rids
                and d.name.lower() not in {e.name.lower() for e in spec.entries}]
    domain = spec.domain if role != "standalone" else None
    present = [e for e in spec.entries if role in e.roles]

    account_sid = domain.sid if is_dc and domain else spec.machine.sid
    account_name = domain.name if is_dc and domain else spec.machine.netbios_name
    # The domain groups' SIDs: the account domain on a DC, the joined domain on a member, none standalone.
    group_sid = domain.sid if domain is not None else None
    # A user's or local alias's RID in the account domain: the fixture's on a DC, the local SAM's
    # numbering on a member / standalone machine (`local_rid_map`); groups keep theirs.
    renumbered = local_rid_map(spec, role, {d.rid for d in defaults}) if not is_dc else {}

    def local(rid: int) -> int:
        return renumbered.get(rid, rid)

    # ---- users ---------------------------------------------------------------------------------
    taken = {e.rid for e in spec.entries if not (e.kind == "alias" and builtin_alias(e.rid))}
    user_specs: list[tuple[int, str, str, int | None, dict[str, Any]]] = []
    for entry in present:
        if entry.kind == "user" and not (entry.rid == 502 and not is_dc):  # krbtgt exists only on DCs
            user_specs.append((local(entry.rid), entry.name, entry.description, entry.primary_group_rid, dict(entry.fields)))
    blank = {"nt_hash": nt_owf_v1(""), "lm_hash": lm_owf_v1("")}
    if 500 not in taken:
        user_specs.append((500, "Administrator", BUILTIN_USERS[500][1], None, dict(blank)))
    if 501 not in taken:
        user_specs.append((501, "Guest", BUILTIN_USERS[501][1], None, {**blank, "disabled": True}))
    if is_dc and 502 not in taken:
        user_specs.append((502, "krbtgt", BUILTIN_USERS[502][1], None, {
            "disabled": True, "nt_hash": derived_hash("krbtgt", str(account_sid)),
        }))
    for default in defaults:
        if not default.alias_members:
            user_specs.append((default.rid, default.name, default.description, None, {
                **blank, "full_name": default.full_name, **default.fields}))
    if os_version is not None and version >= (10, 0) and 503 not in taken:  # 10 1607 / 2016 add it
        user_specs.append((503, "DefaultAccount", BUILTIN_USERS[503][1], None, {
            "disabled": True, "password_not_required": True, "password_never_expires": True, "nt_hash": None,
        }))
    if is_dc:  # the DC's own computer account: first free RID from 1000, primary group Domain Controllers
        machine_rid = next(rid for rid in range(1000, 0xFFFFFFFF) if rid not in taken)
        user_specs.append((machine_rid, f"{spec.machine.netbios_name}$", "", 516, {
            "account_type": "server", "trusted_for_delegation": True,
            "nt_hash": derived_hash("machine", str(account_sid)),
        }))

    users: dict[int, User] = {}
    for rid, name, description, primary, fields in user_specs:
        if not is_dc:
            primary = 513  # a local SAM's only group is "None"
        elif primary is None:
            primary = 514 if rid == 501 else 513  # Guest's primary group on a DC is Domain Guests
        if rid == 501 and guest_enabled is not None:
            fields["disabled"] = not guest_enabled
        users[rid] = User(rid=rid, name=name, sid=account_sid.child(rid), description=description,
                          primary_group_rid=primary, **fields)

    # ---- domain groups (account groups on a DC; the joined domain's groups on a member) ---------
    domain_groups: list[Group] = []
    if group_sid is not None:
        entries = {e.rid: e for e in present if e.kind == "group"}
        members: dict[int, set[int]] = {rid: set() for rid in entries}
        for standard in DOMAIN_GROUPS:
            if version >= standard.since:
                members.setdefault(standard.rid, set())
        for rid, entry in entries.items():
            members[rid].update(local(ref.rid) if ref.kind == "user" else ref.rid for ref in entry.member_refs)
        for entry in present:
            if entry.kind == "user":
                for ref in entry.group_refs:
                    if ref.kind == "group" and ref.rid in members:
                        members[ref.rid].add(local(entry.rid))
        for user in users.values():
            # Primary-group membership is listed by SamrGetMembersInGroup. On a member server the
            # person's domain account gets the default primary group (the shortcut of the docstring).
            primary = user.primary_group_rid if is_dc else (514 if user.rid == 501 else 513)
            if primary in members and (is_dc or user.account_type == "normal"):
                members[primary].add(user.rid)
        for rid in (512, 518, 519, 520):  # Administrator's memberships in a new forest root domain
            if rid in members and 500 in users:
                members[rid].add(500)
        for rid, member_rids in sorted(members.items()):
            group_entry = entries.get(rid)
            known = DOMAIN_GROUP_BY_RID.get(rid)
            name = group_entry.name if group_entry else known.name if known else str(rid)
            description = (group_entry.description if group_entry else "") or (known.description if known else "")
            live = sorted((group_sid.child(m) for m in member_rids if m in users or m in members), key=_sid_order)
            domain_groups.append(Group(rid, name, group_sid.child(rid), description, tuple(live)))

    if is_dc:
        account_groups = domain_groups
        primary_groups = domain_groups
    else:
        local_users = tuple(sorted((u.sid for u in users.values()), key=_sid_order))
        account_groups = [Group(513, "None", account_sid.child(513), NONE_GROUP_DESCRIPTION, local_users)]
        primary_groups = domain_groups

    # ---- aliases -------------------------------------------------------------------------------
    def member_sid(ref: MemberRef) -> Sid | None:
        if ref.kind == "sid":
            return ref.sid
        if ref.kind == "builtin":
            return BUILTIN_DOMAIN_SID.child(ref.rid) if ref.rid in builtin_table else None
        if ref.kind == "user":
            return account_sid.child(local(ref.rid)) if local(ref.rid) in users else None
        if ref.kind == "group":
            return group_sid.child(ref.rid) if group_sid is not None and group_sid.child(ref.rid) in group_sids else None
        return account_sid.child(local(ref.rid)) if local(ref.rid) in account_table else None

    group_sids = {g.sid for g in domain_groups}
    builtin_table: dict[int, tuple[str, str, set[Sid]]] = {}
    account_table: dict[int, tuple[str, str, set[Sid]]] = {}
    for builtin in BUILTIN_ALIASES:
        if role in builtin.roles and version >= builtin.since:
            builtin_table[builtin.rid] = (builtin.name, builtin.description, set())
    if is_dc:
        for standard in DOMAIN_ALIASES:
            if version >= standard.since:
                account_table[standard.rid] = (standard.name, standard.description, set())
    for default in defaults:
        if default.alias_members:
            account_table[default.rid] = (default.name, default.description,
                                          {account_sid.child(m) for m in default.alias_members if m in users})
    alias_entries = [e for e in present if e.kind == "alias"]
    for entry in alias_entries:
        if builtin_alias(entry.rid) is not None:
            if entry.rid in builtin_table:  # else this release / role has no such BUILTIN alias
                name, description, sids = builtin_table[entry.rid]
                builtin_table[entry.rid] = (name, entry.description or description, sids)
        elif entry.rid not in DOMAIN_ALIAS_BY_RID or is_dc:  # 517/553/571/572 are a DC's
            account_table[local(entry.rid)] = (entry.name, entry.description, set())
    for entry in alias_entries:
        is_builtin = builtin_alias(entry.rid) is not None
        table, rid = (builtin_table, entry.rid) if is_builtin else (account_table, local(entry.rid))
        if rid in table:
            table[rid][2].update(s for s in map(member_sid, entry.member_refs) if s is not None)
    for entry in present:
        if entry.kind == "user" and local(entry.rid) in users:
            for ref in entry.group_refs:
                table, rid = (builtin_table, ref.rid) if ref.kind == "builtin" else (account_table, local(ref.rid))
                if ref.kind in ("builtin", "alias") and rid in table:
                    table[rid][2].add(account_sid.child(local(entry.rid)))

    # Windows' default memberships (a fresh SAM, or dcpromo).
    def add_default(rid: int, *sids: Sid | None) -> None:
        if rid in builtin_table:
            builtin_table[rid][2].update(s for s in sids if s is not None)

    def gsid(rid: int) -> Sid | None:
        return group_sid.child(rid) if group_sid is not None else None

    add_default(544, account_sid.child(500), gsid(512), gsid(519) if is_dc else None)
    add_default(545, AUTHENTICATED_USERS, INTERACTIVE, gsid(513))
    if not is_dc:  # `net user NAME /add` puts a new local account straight into Users
        setup_made = {d.rid for d in defaults}  # Setup's own accounts are in no group (the XP SAM above)
        add_default(545, *(u.sid for u in users.values()
                           if u.rid >= 1000 and u.account_type == "normal" and u.rid not in setup_made))
    add_default(546, account_sid.child(501), gsid(514))
    add_default(560, Sid.parse("S-1-5-9"))  # ENTERPRISE DOMAIN CONTROLLERS
    add_default(568, Sid.parse("S-1-5-17"))  # IUSR
    if 554 in builtin_table:
        wanted: Sequence[Sid | str] = [AUTHENTICATED_USERS] if pre2000_members is None else pre2000_members
        resolver = Resolver(spec, r)
        chosen: set[Sid] = set()
        for index, item in enumerate(wanted):
            if isinstance(item, Sid):
                chosen.add(item)
                continue
            ref = resolver.resolve(f"pre2000_compatible_access_members[{index}]", item,
                                   allowed=("user", "group", "alias", "sid"))
            sid = member_sid(ref)
            if sid is not None:
                chosen.add(sid)
        name, description, _ = builtin_table[554]
        builtin_table[554] = (name, description, chosen)

    def make_aliases(table: dict[int, tuple[str, str, set[Sid]]], dom_sid: Sid) -> tuple[Alias, ...]:
        return tuple(
            Alias(rid, name, dom_sid.child(rid), description, tuple(sorted(sids, key=_sid_order)))
            for rid, (name, description, sids) in sorted(table.items())
        )

    account_domain = SamDomain(
        name=account_name,
        sid=account_sid,
        users=tuple(users[rid] for rid in sorted(users)),
        groups=tuple(sorted(account_groups, key=lambda g: g.rid)),
        aliases=make_aliases(account_table, account_sid),
        password_policy=spec.password_policy,
        lockout_policy=spec.lockout_policy,
    )
    builtin_domain = SamDomain(name="BUILTIN", sid=BUILTIN_DOMAIN_SID, aliases=make_aliases(builtin_table, BUILTIN_DOMAIN_SID))
    if domain is None:
        primary_domain = PrimaryDomain(spec.workgroup, None, None, None, None, ())
    else:
        primary_domain = PrimaryDomain(domain.name, domain.dns_name, domain.sid, domain.guid,
                                       domain.forest_dns_name, tuple(primary_groups))

    # ---- shares --------------------------------------------------------------------------------
    system_root = system_root_of(version if os_version else None)
    ipc = Share("IPC$", "ipc", True, "Remote IPC", "")
    shares: list[Share] = []
    for share, roles in spec.shares:
        if role not in roles:
            continue
        if share.name.lower() == "ipc$":
            ipc = Share("IPC$", "ipc", True, share.comment or ipc.comment, "")
            continue
        path = SYSTEM_ROOT_TOKEN.sub(lambda _: system_root, share.path)
        shares.append(Share(share.name, share.type, share.special, share.comment, path))

    return Directory(
        role=role,
        source=spec.source,
        machine=_machine_for(spec, role),
        domain=spec.domain,
        account_domain=account_domain,
        builtin_domain=builtin_domain,
        primary_domain=primary_domain,
        shares=(ipc, *shares),
    )


def _machine_for(spec: FixtureSpec, role: Role) -> Machine:
    """The fixture's machine as the role names it: a standalone (workgroup) server has no primary
    DNS suffix, so a DNS name in the fixture's domain becomes the bare host name (Windows drops
    the suffix with the domain membership: "Change primary DNS suffix when domain membership
    changes" is on by default; U: no capture of a workgroup machine's DnsComputerName here)."""
    machine = spec.machine
    if role == "standalone" and spec.domain is not None \
            and machine.dns_name.endswith("." + spec.domain.dns_name):
        return dataclasses.replace(machine, dns_name=machine.dns_name[:-len(spec.domain.dns_name) - 1])
    return machine


def local_rid_map(spec: FixtureSpec, role: Role, reserved: Collection[int] = ()) -> dict[int, int]:
    """Fixture RID -> local SAM RID of the users and local aliases (RID 1000 and up) a member or
    standalone machine has, numbered from 1000 in the order of their fixture RID, as the
    machine's SAM gave them out (users and aliases share one RID counter: MS-SAMR 3.1.1.6 /
    `smbemu.directory.changes.FIRST_RID`). Empty when the fixture says ``local_rids: as_given``.

    On a member the joined domain's groups keep the fixture's RIDs, and a person's domain
    account is listed in them under the local RID (the shortcut of `smbemu.directory`): a RID a
    domain group of the fixture holds is skipped, so one SID never names a group and a user.
    ``reserved``: RIDs Setup gave its own accounts first (XP's 1000-1002, `local_defaults`)."""
    if spec.local_rids == "as_given" or role == "dc":
        return {}
    present = [e for e in spec.entries if role in e.roles]
    locals_ = sorted(e.rid for e in present if e.rid >= 1000 and e.kind in ("user", "alias"))
    group_rids = {e.rid for e in present if e.kind == "group"} if role == "member" else set()
    mapping: dict[int, int] = {}
    following = 1000
    for rid in locals_:
        while following in group_rids or following in reserved:
            following += 1
        mapping[rid] = following
        following += 1
    return mapping


def _sid_order(sid: Sid) -> tuple[int, int, tuple[int, ...]]:
    """Sid's own ordering as a key: sorting 100,000 SIDs by it avoids a Python __lt__ per comparison."""
    return (sid.revision, sid.authority, sid.sub_authorities)
