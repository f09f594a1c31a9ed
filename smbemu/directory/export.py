"""The directory as it is now, written back in the fixture format (`smbemu fixture export`, and the
body of a ``--state`` file: `smbemu.directory.persist`).

The document loads back (`directory_from_dict`, same profile) into the same accounts: every user
with its RID, hashes (``nt_hash`` / ``lm_hash``, never a clear password), flags, dates, logon
hours and live counters; every group and alias with its members.  What `smbemu.directory.build`
adds by itself is left to it: the DC's own computer account (``MACHINE$``, recreated at the same
RID) and the role's standard groups and aliases when absent.  Windows' default memberships
(Administrators ∋ Domain Admins, Users ∋ Authenticated Users, ...) come back on load even if a
client removed them (they are what a fresh SAM has; the fixture format has no way to say "not").

Members are written as names the fixture resolver reads back: ``BUILTIN\\Name`` for a Builtin
alias, the account's own name for one of this machine or domain, the SID string otherwise
(well-known principals, foreign SIDs)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from smbemu.directory.logon_hours import DAYS
from smbemu.sid import BUILTIN_DOMAIN_SID, Sid

if TYPE_CHECKING:
    from smbemu.directory.lookup import Directory
    from smbemu.directory.model import Alias, Group, User

__all__ = ["fixture_document_of"]

#: User fields written as they are (strings and booleans; the fixture's keys).
_PLAIN_FIELDS = ("full_name", "description", "comment", "home_directory", "home_drive", "script_path",
                 "profile_path", "workstations", "disabled", "password_never_expires",
                 "password_not_required", "cannot_change_password", "password_expired",
                 "must_change_password", "smartcard_required", "trusted_for_delegation", "not_delegated",
                 "dont_require_preauth", "reversible_password")
_DATE_FIELDS = ("account_expires", "last_logoff", "last_password_change")


def fixture_document_of(directory: Directory) -> dict[str, Any]:
    """A fixture document (plain dicts, lists, strings, numbers: JSON and YAML both write it)."""
    machine = directory.machine
    document: dict[str, Any] = {
        "machine": {"netbios_name": machine.netbios_name, "dns_name": machine.dns_name,
                    "sid": str(machine.sid), "comment": machine.comment},
    }
    if directory.role != "dc":
        # a member's or standalone server's SAM holds local RIDs already: numbering them again
        # (`smbemu.directory.build.local_rid_map`) would move an account past a deleted one
        document["machine"]["local_rids"] = "as_given"
    sam = directory.account_domain
    if directory.domain is not None:
        domain = directory.domain
        policy, lockout = sam.password_policy, sam.lockout_policy
        document["domain"] = {
            "name": domain.name, "dns_name": domain.dns_name, "sid": str(domain.sid),
            "guid": str(domain.guid), "forest_dns_name": domain.forest_dns_name,
            "machine_account_quota": domain.machine_account_quota,
            "password_policy": {"min_length": policy.min_length, "history": policy.history,
                                "max_age_days": policy.max_age_days, "min_age_days": policy.min_age_days,
                                "complexity": policy.complexity, "reversible": policy.reversible,
                                "force_logoff_minutes": policy.force_logoff_minutes},
            "lockout_policy": {"threshold": lockout.threshold, "duration_minutes": lockout.duration_minutes,
                               "window_minutes": lockout.window_minutes},
        }
        if policy.force_logoff_minutes is None:
            del document["domain"]["password_policy"]["force_logoff_minutes"]
    elif directory.primary_domain.name:
        document["workgroup"] = directory.primary_domain.name
    dc_name = f"{machine.netbios_name}$".lower()
    rebuilt = {user.sid for user in sam.users if directory.role == "dc" and user.account_type == "server"
               and user.name.lower() == dc_name}  # the DC's own account: the build makes it
    document["users"] = [_user(directory, user) for user in sam.users if user.sid not in rebuilt]
    # a DC's groups are its own; a member's fixture groups are the joined domain's ("None" is
    # the local SAM's only group, which the build makes)
    groups = sam.groups if directory.role == "dc" else directory.primary_domain.groups
    document["groups"] = [_container(directory, group, rebuilt) for group in groups]
    document["aliases"] = [_container(directory, alias, rebuilt)
                           for alias in (*sam.aliases, *directory.builtin_domain.aliases)]
    document["shares"] = [{"name": share.name, "type": share.type, "special": share.special,
                           "comment": share.comment, "path": share.path} for share in directory.shares]
    return document


def _date(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _user(directory: Directory, user: User) -> dict[str, Any]:
    state = directory.state(user)
    entry: dict[str, Any] = {"name": user.name, "rid": user.rid, "account_type": user.account_type,
                             "nt_hash": user.nt_hash.hex() if user.nt_hash is not None else None,
                             "lm_hash": user.lm_hash.hex() if user.lm_hash is not None else None}
    if user.nt_hash is None:
        del entry["lm_hash"]  # the fixture format wants nt_hash with lm_hash
    for name in _PLAIN_FIELDS:
        entry[name] = getattr(user, name)
    for name in _DATE_FIELDS:
        entry[name] = _date(getattr(user, name))
    # the live counters (logons, lockout) as they are now
    entry.update(locked=state.locked, bad_password_count=state.bad_password_count,
                 bad_password_time=_date(state.bad_password_time), logon_count=state.logon_count,
                 last_logon=_date(state.last_logon), primary_group_rid=user.primary_group_rid)
    if user.logon_hours is not None:
        entry["logon_hours"] = logon_hours_text(user.logon_hours)
    return entry


def logon_hours_text(week: bytes) -> dict[str, str]:
    """The fixture form of a 168-bit week (`smbemu.directory.logon_hours`): per day, its hour
    ranges (``"08-18,20-22"``), ``all`` or ``none``."""
    days: dict[str, str] = {}
    for index, day in enumerate(DAYS):
        hours = [hour for hour in range(24)
                 if week[(index * 24 + hour) // 8] >> ((index * 24 + hour) % 8) & 1]
        ranges: list[tuple[int, int]] = []
        for hour in hours:
            if ranges and ranges[-1][1] == hour:
                ranges[-1] = (ranges[-1][0], hour + 1)
            else:
                ranges.append((hour, hour + 1))
        if ranges == [(0, 24)]:
            days[day] = "all"
        else:
            days[day] = ",".join(f"{start:02d}-{end:02d}" for start, end in ranges) or "none"
    return days


def _container(directory: Directory, container: Group | Alias, rebuilt: set[Sid]) -> dict[str, Any]:
    return {"name": container.name, "rid": container.rid, "description": container.description,
            "members": [member_text(directory, sid) for sid in container.members if sid not in rebuilt]}


def member_text(directory: Directory, sid: Sid) -> str:
    """A member SID as the fixture resolver reads it back (see the module docstring)."""
    if sid.is_in(BUILTIN_DOMAIN_SID):
        alias = directory.builtin_domain.alias(sid.rid)
        return f"BUILTIN\\{alias.name}" if alias is not None else str(sid)
    if sid.is_in(directory.account_domain.sid):
        account = directory.account_domain.by_rid(sid.rid)
        return account.name if account is not None else str(sid)
    primary = directory.primary_domain
    if directory.role == "member" and primary.sid is not None and sid.is_in(primary.sid):
        # the joined domain's groups, and a local user's domain account (the shortcut of
        # smbemu.directory: the person's domain groups list it by the local RID)
        for group in primary.groups:
            if group.sid == sid:
                return group.name
        user = directory.account_domain.user(sid.rid)
        if user is not None:
            return user.name
    return str(sid)
