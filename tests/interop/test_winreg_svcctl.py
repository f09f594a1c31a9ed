"""winreg and svcctl against the clients a lab uses (issue 15, "What it must show"):
impacket's reg.py / services.py (inside a network namespace: they connect to 445 only) and
Samba's `net rpc registry` / `net rpc service`.  Credentials are the corp fixture's:
Administrator / Adm!n2003, alice / Wonderland1 (user).  A missing client fails the test."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from helpers import ServerThread, run_tool
from netns import ADDRESS, NetnsServer

pytestmark = pytest.mark.interop

ADMIN = "CORP/Administrator:Adm!n2003@" + ADDRESS
ALICE = "CORP/alice:Wonderland1@" + ADDRESS
LSA = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa"
BIN = os.path.dirname(sys.executable)


def _impacket(server: NetnsServer, script: str, *args: str) -> str:
    result = server.run([sys.executable, os.path.join(BIN, script), *args], timeout=60)
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def restricted() -> Iterator[NetnsServer]:
    """win2016 with RestrictAnonymous=1 set on the command line (the registry follows it)."""
    with NetnsServer("win2016", "--set", "anonymous.RestrictAnonymous=1") as server:
        yield server


def test_reg_query_shows_the_profile_value(restricted: NetnsServer) -> None:
    out = _impacket(restricted, "reg.py", ADMIN, "query", "-keyName", LSA, "-v",
                    "RestrictAnonymous")
    assert "RestrictAnonymous\tREG_DWORD\t 1\n" in out, out


def test_reg_query_default_value() -> None:
    with NetnsServer("win2016") as server:
        out = _impacket(server, "reg.py", ADMIN, "query", "-keyName", LSA, "-v",
                        "RestrictAnonymous")
    assert "RestrictAnonymous\tREG_DWORD\t 0\n" in out, out


def test_reg_query_refused_to_a_user(restricted: NetnsServer) -> None:
    out = _impacket(restricted, "reg.py", ALICE, "query", "-keyName", LSA, "-v",
                    "RestrictAnonymous")
    assert "rpc_s_access_denied" in out or "ACCESS_DENIED" in out.upper(), out
    assert "REG_DWORD" not in out


def test_services_list_as_administrator(restricted: NetnsServer) -> None:
    out = _impacket(restricted, "services.py", ADMIN, "list")
    rows = {tuple(part.strip() for part in line.split(" - ")) for line in out.splitlines()}
    assert ("Spooler", "Print Spooler", "RUNNING") in rows, out
    assert ("RemoteRegistry", "Remote Registry", "RUNNING") in rows, out
    assert "Total Services: 32" in out


def test_services_list_refused_to_a_user(restricted: NetnsServer) -> None:
    out = _impacket(restricted, "services.py", ALICE, "list")
    assert "Print Spooler" not in out
    assert "access_denied" in out.lower(), out


def test_reg_py_starts_remote_registry_where_it_is_stopped() -> None:
    # Windows 7: Remote Registry is Manual and stopped, so \PIPE\winreg does not exist until an
    # administrator starts the service; impacket's reg.py does that through svcctl (its
    # RemoteOperations), reads, and stops the service again, as it does against Windows 7.
    with NetnsServer("win7") as server:
        out = _impacket(server, "reg.py", ADMIN, "query", "-keyName", LSA, "-v",
                        "RestrictAnonymous")
        assert "RestrictAnonymous\tREG_DWORD\t 0\n" in out, out
        server.wait_for("started service RemoteRegistry")
        server.wait_for("stopped service RemoteRegistry")
        # A user cannot start it: the pipe stays absent.
        out = _impacket(server, "reg.py", ALICE, "query", "-keyName", LSA, "-v",
                        "RestrictAnonymous")
        assert "REG_DWORD" not in out, out


@pytest.fixture(scope="module")
def samba_target() -> Iterator[ServerThread]:
    with ServerThread("win2003") as server:
        yield server


def _net(server: ServerThread, *args: str) -> str:
    result = run_tool(["net", "rpc", *args, "-U", "Administrator%Adm!n2003", "-I", ADDRESS,
                       "-p", str(server.port)], timeout=60)
    return result.stdout + result.stderr


def test_net_rpc_registry_getvalue_and_enumerate(samba_target: ServerThread) -> None:
    out = _net(samba_target, "registry", "getvalue", LSA, "RestrictAnonymous")
    assert "REG_DWORD" in out and "Value      = 0" in out, out
    out = _net(samba_target, "registry", "enumerate",
               "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters")
    assert "NullSessionPipes" in out and "REG_MULTI_SZ" in out and "lsarpc" in out, out


def test_net_rpc_service_list(samba_target: ServerThread) -> None:
    out = _net(samba_target, "service", "list")
    assert '"Print Spooler"' in out and "Messenger" in out, out


def test_anonymous_cannot_open_the_pipes(restricted: NetnsServer) -> None:
    # winreg and svcctl are not in NullSessionPipes: the CREATE is refused (§0 rule 3)
    for script, args in (("reg.py", ["query", "-keyName", LSA]), ("services.py", ["list"])):
        out = _impacket(restricted, script, "-no-pass", ADDRESS, *args)
        assert "STATUS_ACCESS_DENIED" in out, out
