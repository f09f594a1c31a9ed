"""Issue 13: the accounts a release's Setup puts in a machine's own SAM, as that release lists them.

- XP (member or workgroup): HelpAssistant 1000, the HelpServicesGroup alias 1001 (its member:
  SUPPORT_388945a0), SUPPORT_388945a0 1002, both accounts disabled with passwords that never
  expire (acb 0x211), and the owner's first account at 1003 -- as enum4linux lists an XP workgroup
  machine (ELS-WINXP, published write-up: ``user:[HelpAssistant] rid:[0x3e8]``,
  ``group:[HelpServicesGroup] rid:[0x3e9]``, ``user:[SUPPORT_388945a0] rid:[0x3ea]``, the owner's
  from 0x3eb) and the m57-jean XP SAM hive shows them (full names and comments).
- 2019 / 2022 (build 17763 on), not on a DC: WDAGUtilityAccount 504, disabled (winPEAS listings of
  such machines); 2016 on: DefaultAccount 503, disabled, on DCs too.
"""

from __future__ import annotations

import pytest

from smbemu import builder
from smbemu.directory.model import User

from helpers import ServerThread, run_tool

ACB_DISABLED, ACB_NORMAL, ACB_PWNOEXP = 0x001, 0x010, 0x200
#: XP spoke SMB1 only; Samba's client needs telling (as tests/interop/test_smb1_session.py does).
NT1 = ["--option=client max protocol=NT1", "--option=client min protocol=NT1",
       "--option=client ipc signing=auto"]  # XP as a member offers no SMB1 signing (test_smb1_pipes.py)


def _users(profile: str, role: str | None = None) -> dict[str, User]:
    config = builder.build_config(profile, overrides=[f"role={role}"] if role else None)
    return {user.name: user for user in config.directory.account_domain.users}


@pytest.mark.parametrize("role", ["member", "standalone"])
def test_xp_has_setups_help_accounts_before_the_owners(role: str) -> None:
    config = builder.build_config("winxp", overrides=[f"role={role}"])
    domain = config.directory.account_domain
    users = {user.name: user for user in domain.users}
    helper, vendor = users["HelpAssistant"], users["SUPPORT_388945a0"]
    assert (helper.rid, vendor.rid) == (1000, 1002)
    assert helper.full_name == "Remote Desktop Help Assistant Account"
    assert helper.description == "Account for Providing Remote Assistance"
    assert vendor.full_name == "CN=Microsoft Corporation,L=Redmond,S=Washington,C=US"
    assert vendor.description == "This is a vendor's account for the Help and Support Service"
    assert all(u.disabled and u.password_never_expires and not u.password_not_required for u in (helper, vendor))
    owners = sorted(u.rid for u in domain.users if u.rid >= 1000 and u.name not in ("HelpAssistant", "SUPPORT_388945a0"))
    assert owners[0] == 1003
    group = {alias.name: alias for alias in domain.aliases}["HelpServicesGroup"]
    assert group.rid == 1001 and group.description == "Group for the Help and Support Center"
    assert group.members == (vendor.sid,)
    users_alias = {alias.rid: alias for alias in config.directory.builtin_domain.aliases}[545]
    assert helper.sid not in users_alias.members and vendor.sid not in users_alias.members


@pytest.mark.parametrize(("profile", "wdag", "default_account"), [
    ("win2003", False, False), ("win2016", False, True), ("win2016-dc", False, True),
    ("win2019", True, True), ("win2022", True, True), ("win2022-dc", False, True),
])
def test_the_accounts_of_2016_and_later(profile: str, wdag: bool, default_account: bool) -> None:
    users = _users(profile)
    assert ("WDAGUtilityAccount" in users) == wdag
    assert ("DefaultAccount" in users) == default_account
    assert "HelpAssistant" not in users and "SUPPORT_388945a0" not in users
    if wdag:
        account = users["WDAGUtilityAccount"]
        assert account.rid == 504 and account.disabled and not account.password_never_expires
        assert account.description == \
            "A user account managed and used by the system for Windows Defender Application Guard scenarios."
    if default_account:
        account = users["DefaultAccount"]
        assert account.rid == 503 and account.disabled and account.description == "A user account managed by the system."


@pytest.mark.interop
def test_rpcclient_lists_xps_accounts_as_enum4linux_saw_them() -> None:
    """rpcclient's enumdomusers / querydispinfo / enumalsgroups domain, the calls enum4linux makes
    (as the Administrator: the winxp profile, a domain member, keeps anonymous callers out of SAMR,
    where the write-up's workgroup XP answered a NULL session)."""
    with ServerThread("winxp", smb2=False) as server:
        result = run_tool(["rpcclient", "-p", str(server.port), "-U", "Administrator%Adm!n2003", *NT1,
                           "-c", "enumdomusers;querydispinfo;enumalsgroups domain", "127.0.0.1"])
    output = result.stdout + result.stderr
    for line in ("user:[HelpAssistant] rid:[0x3e8]", "user:[SUPPORT_388945a0] rid:[0x3ea]",
                 "user:[alice] rid:[0x3eb]", "group:[HelpServicesGroup] rid:[0x3e9]"):
        assert line in output, output
    acb = ACB_DISABLED | ACB_NORMAL | ACB_PWNOEXP
    assert f"RID: 0x3e8 acb: 0x{acb:08x} Account: HelpAssistant\tName: Remote Desktop Help Assistant Account" \
        in output, output


@pytest.mark.interop
def test_rpcclient_lists_the_wdag_account_of_2019() -> None:
    with ServerThread("win2019") as server:
        result = run_tool(["rpcclient", "-p", str(server.port), "-U", "Administrator%Adm!n2003",
                           "-c", "enumdomusers", "127.0.0.1"])
    output = result.stdout + result.stderr
    assert "user:[WDAGUtilityAccount] rid:[0x1f8]" in output and "user:[DefaultAccount] rid:[0x1f7]" in output, output
