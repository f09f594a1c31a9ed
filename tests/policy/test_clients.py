"""Issue 5 "What it must show", with Samba's own clients (rpcclient, smbclient) as anonymous and as
fixture users.  The exact status at each step is checked with impacket in test_stack_matrix.py;
here the point is what a person running the classic tools sees.

Note: rpcclient's ``enumdomusers`` / ``enumdomgroups`` do not print a refused
SamrEnumerate*InDomain result (Samba only reports a failed SamrConnect / OpenDomain), so a
RestrictAnonymous refusal there shows as an empty listing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from helpers import HOST, ServerThread, run_tool

pytestmark = pytest.mark.interop

ADMIN_SID_500 = {"member": "S-1-5-21-2446098351-2891839154-3815493722-500"}
ANON = ("-U", "", "-N")
ALICE = ("-U", "alice%Wonderland1")
ADMIN = ("-U", "Administrator%Adm!n2003")
DENIED = "result was NT_STATUS_ACCESS_DENIED"
SERVERS = {
    "win2000": ("win2000", ()),
    "win2000-ra1": ("win2000", ("RestrictAnonymous=1",)),
    "win2003": ("win2003", ()),
    "win2008": ("win2008", ()),
    "win2016": ("win2016", ()),
    "win2016-dc": ("win2016-dc", ()),
}


@pytest.fixture(scope="module")
def ports() -> Iterator[dict[str, int]]:
    running = {key: ServerThread(profile, overrides=list(overrides)) for key, (profile, overrides) in SERVERS.items()}
    for server in running.values():
        server.__enter__()
    try:
        yield {key: server.port for key, server in running.items()}
    finally:
        for server in running.values():
            server.__exit__(None, None, None)


def rpcclient(port: int, who: tuple[str, ...], command: str) -> str:
    result = run_tool(["rpcclient", "-p", str(port), *who, HOST, "-c", command])
    return result.stdout + result.stderr


#: rpcclient commands that yield account names, memberships or details, with what must never
#: show when refused, and what shows when served.
_PATHS = [("querygroupmem 0x201", r"rid:\["), ("queryusergroups 0x1f4", r"group rid:"),
          ("queryuser 0x1f4", r"User Name"), ("queryaliasmem builtin 0x220", r"sid:\["),
          ("samlookuprids domain 500 501", r"Administrator"),
          (f"lookupsids {ADMIN_SID_500['member']}", r"Administrator")]
_PATHS_SHOWN = [("querygroupmem 0x201", r"rid:\[0x1f4\] attr:\[0x7\]"),
                ("queryusergroups 0x1f4", r"group rid:\[0x201\]"),
                ("queryuser 0x1f4", r"User Name\s+:\s+Administrator"),
                ("queryaliasmem builtin 0x220", r"sid:\[S-1-5-21-[\d-]+-500\]"),
                ("samlookuprids domain 500 501", r"rid 0x1f5: Guest"),
                (f"lookupsids {ADMIN_SID_500['member']}", r"LEGACYSRV\\Administrator")]

CASES = [
    # win2000: shares, users, groups, password policy and SID lookups for a null session
    ("win2000", ANON, "netshareenum 1", r"netname: Public", None),
    ("win2000", ANON, "enumdomusers", r"user:\[Administrator\] rid:\[0x1f4\]", None),
    ("win2000", ANON, "enumdomgroups", r"group:\[", None),
    ("win2000", ANON, "getdompwinfo", r"min_password_length: 7", None),
    ("win2000", ANON, "querydominfo", r"Total Users:", None),
    ("win2000", ANON, "lookupnames Administrator", r"Administrator S-1-5-21-[\d-]+-500 \(User: 1\)", None),
    ("win2000", ANON, f"lookupsids {ADMIN_SID_500['member']}", r"LEGACYSRV\\Administrator", None),
    # --set RestrictAnonymous=1: share and user enumeration refused, SID lookups still answered
    ("win2000-ra1", ANON, "netshareenum 1", r"result was WERR_ACCESS_DENIED", r"netname:"),
    ("win2000-ra1", ANON, "enumdomusers", "", r"user:\["),
    ("win2000-ra1", ANON, f"lookupsids {ADMIN_SID_500['member']}", r"LEGACYSRV\\Administrator", None),
    ("win2000-ra1", ANON, "samlookuprids domain 500", r"rid 0x1f4: Administrator", None),
    # win2003: user enumeration and LsarOpenPolicy2 refused; samr itself opens
    ("win2003", ANON, "enumdomusers", DENIED, r"user:\["),
    ("win2003", ANON, "lsaquery", DENIED, r"Domain Sid"),
    ("win2003", ANON, "lookupnames Administrator", DENIED, r"\(User: 1\)"),
    ("win2003", ANON, "getdompwinfo", r"min_password_length: 7", None),
    # issue 14 item 4: every other path to the names and details, refused where enumeration is
    # (win2003: the anonymous token lacks Everyone, SamrConnect5 itself is refused)
    *[("win2003", ANON, command, DENIED, never) for command, never in _PATHS],
    *[("win2003", ALICE, command, shows, None) for command, shows in _PATHS_SHOWN],
    *[("win2000-ra1", ANON, command, DENIED, never) for command, never in _PATHS[:4]],
    *[("win2000", ANON, command, shows, None) for command, shows in _PATHS_SHOWN],
    # win2008 / win2016: refused at the pipe open
    ("win2008", ANON, "enumdomusers", r"Could not initialise samr\. Error was NT_STATUS_ACCESS_DENIED", None),
    ("win2008", ANON, "lsaquery", r"Could not initialise lsarpc\. Error was NT_STATUS_ACCESS_DENIED", None),
    ("win2016", ANON, "enumdomusers", r"Could not initialise samr\. Error was NT_STATUS_ACCESS_DENIED", None),
    ("win2016", ANON, "netshareenum 1", r"Could not initialise srvsvc\. Error was NT_STATUS_ACCESS_DENIED", None),
    ("win2016", ANON, "lookupnames Administrator", r"Could not initialise lsarpc\. Error was NT_STATUS_ACCESS_DENIED", None),
    # win2016-dc: samr opens, SamrConnect refused
    ("win2016-dc", ANON, "enumdomusers", DENIED, r"Could not initialise"),
    ("win2016-dc", ANON, "netshareenum 1", r"Could not initialise srvsvc\. Error was NT_STATUS_ACCESS_DENIED", None),
    # win2016, authenticated: RestrictRemoteSAM refuses a non-administrator, serves an administrator
    ("win2016", ALICE, "enumdomusers", DENIED, r"user:\["),
    ("win2016", ADMIN, "enumdomusers", r"user:\[Administrator\] rid:\[0x1f4\]", None),
    ("win2016", ALICE, "lookupnames Administrator", r"\(User: 1\)", None),
]


@pytest.mark.parametrize(("server", "who", "command", "shows", "never"), CASES,
                         ids=[f"{s}-{'anon' if w is ANON else w[1].split('%')[0]}-{c.split()[0]}" for s, w, c, _, _ in CASES])
def test_rpcclient(ports: dict[str, int], server: str, who: tuple[str, ...], command: str, shows: str,
                   never: str | None) -> None:
    output = rpcclient(ports[server], who, command)
    if shows:
        assert re.search(shows, output, re.M), output
    else:  # rpcclient prints nothing for a refused enumeration (see the module docstring)
        assert not output.strip(), output
    if never:
        assert not re.search(never, output), output


def test_smbclient_null_session_reaches_ipc_everywhere(ports: dict[str, int]) -> None:
    """§5: anonymous SESSION_SETUP and the IPC$ tree connect succeed on every release; the first
    refusal is later (the pipe open)."""
    for key in ("win2000", "win2003", "win2016", "win2016-dc"):
        result = run_tool(["smbclient", f"//{HOST}/IPC$", "-p", str(ports[key]), "-N", "-c", "exit"])
        assert result.returncode == 0, (key, result.stdout + result.stderr)


def test_smbclient_anonymous_disk_share_refused(ports: dict[str, int]) -> None:
    """§0 rule 2: a share outside NullSessionShares is refused to a null session."""
    result = run_tool(["smbclient", f"//{HOST}/C$", "-p", str(ports["win2016"]), "-N", "-c", "exit"])
    assert "NT_STATUS_ACCESS_DENIED" in result.stdout + result.stderr


def test_smbclient_lists_shares_only_where_allowed(ports: dict[str, int]) -> None:
    listing = run_tool(["smbclient", "-L", f"//{HOST}", "-p", str(ports["win2000"]), "-N"])
    assert re.search(r"^\tIPC\$\s+IPC", listing.stdout, re.M), listing.stdout
    for key in ("win2000-ra1", "win2016"):
        refused = run_tool(["smbclient", "-L", f"//{HOST}", "-p", str(ports[key]), "-N"])
        assert not re.search(r"^\tIPC\$\s+IPC", refused.stdout, re.M), (key, refused.stdout)
