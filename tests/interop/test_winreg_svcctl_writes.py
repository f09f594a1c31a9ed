"""winreg and svcctl changes with the clients a lab uses (issue 15): impacket's reg.py and
services.py and Samba's `net rpc service` / `net rpc audit`, inside a network namespace (they
connect to 445 only), against `win2016` with an audit log.  What a user notices: the change is
there for the next command (a new connection), a started service never runs, the Administrator's
service install is the Security log's 4697 once System auditing is on, and a normal user
changes nothing.  Credentials are the corp fixture's: Administrator / Adm!n2003, alice /
Wonderland1 (a user).  A missing client fails the test."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from netns import ADDRESS, NetnsServer

pytestmark = pytest.mark.interop

ADMIN = "CORP/Administrator:Adm!n2003@" + ADDRESS
ALICE = "CORP/alice:Wonderland1@" + ADDRESS
NET_ADMIN = ("-I", ADDRESS, "-U", "Administrator%Adm!n2003")
LAB = "HKLM\\SOFTWARE\\Lab"
BIN = os.path.dirname(sys.executable)


def _impacket(server: NetnsServer, script: str, *args: str) -> str:
    result = server.run([sys.executable, os.path.join(BIN, script), *args], timeout=60)
    return result.stdout + result.stderr


def _net(server: NetnsServer, *args: str) -> str:
    result = server.run(["net", "rpc", *args], timeout=60)
    return result.stdout + result.stderr


def _events(path: Path, event_id: int) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [e for e in map(json.loads, filter(None, lines)) if e["EventID"] == event_id]


def test_reg_py_adds_reads_back_and_deletes_a_key(tmp_path: Path) -> None:
    with NetnsServer("win2016", "--audit-log", str(tmp_path / "audit.jsonl")) as server:
        assert f"Successfully set subkey {LAB}" in _impacket(server, "reg.py", ADMIN, "add", "-keyName", LAB)
        out = _impacket(server, "reg.py", ADMIN, "add", "-keyName", LAB, "-v", "Flag", "-vt", "REG_DWORD",
                        "-vd", "7")
        assert "Successfully set" in out, out
        # a user's write is refused (reg.py cannot even reach winreg: the SCM refuses alice)
        out = _impacket(server, "reg.py", ALICE, "add", "-keyName", LAB, "-v", "Flag", "-vt", "REG_DWORD",
                        "-vd", "8")
        assert "rpc_s_access_denied" in out, out
        out = _impacket(server, "reg.py", ADMIN, "query", "-keyName", LAB, "-v", "Flag")
        assert "Flag\tREG_DWORD\t 7\n" in out, out
        # the profile's own values can be written: the registry view follows (README: winreg)
        lsa = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa"
        _impacket(server, "reg.py", ADMIN, "add", "-keyName", lsa, "-v", "RestrictAnonymous", "-vt",
                  "REG_DWORD", "-vd", "1")
        out = _impacket(server, "reg.py", ADMIN, "query", "-keyName", lsa, "-v", "RestrictAnonymous")
        assert "RestrictAnonymous\tREG_DWORD\t 1\n" in out, out
        _impacket(server, "reg.py", ADMIN, "delete", "-keyName", LAB, "-v", "Flag")
        assert "ERROR_FILE_NOT_FOUND" in _impacket(server, "reg.py", ADMIN, "query", "-keyName", LAB,
                                                   "-v", "Flag")
        _impacket(server, "reg.py", ADMIN, "delete", "-keyName", LAB)
        assert "ERROR_FILE_NOT_FOUND" in _impacket(server, "reg.py", ADMIN, "query", "-keyName", LAB)


def test_reg_py_saves_hives_once(tmp_path: Path) -> None:
    """`reg.py save` / `backup` (the hives secretsdump reads offline): saved on the emulated
    server, never on the host; a second save to the same file is ERROR_ALREADY_EXISTS, as on
    Windows."""
    with NetnsServer("win2016") as server:
        out = _impacket(server, "reg.py", ADMIN, "save", "-keyName", "HKLM\\SAM", "-o", "C:\\Windows\\Temp")
        assert "Saved HKLM\\SAM to C:\\Windows\\Temp\\SAM.save" in out, out
        out = _impacket(server, "reg.py", ADMIN, "backup", "-o", "C:\\Windows\\Temp")
        assert "Couldn't save HKLM\\SAM" in out and "ERROR_ALREADY_EXISTS" in out, out
        assert "Saved HKLM\\SECURITY to C:\\Windows\\Temp\\SECURITY.save" in out, out
        assert not Path("C:\\Windows\\Temp\\SAM.save").exists()
        out = _impacket(server, "reg.py", ALICE, "save", "-keyName", "HKLM\\SAM", "-o", "C:\\Windows\\Temp")
        assert "Saved" not in out and "access_denied" in out.lower(), out


def test_services_py_and_net_rpc_service_install_what_never_runs(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    with NetnsServer("win2016", "--audit-log", str(log)) as server:
        # psexec-style install before System auditing is on: no 4697 (Windows' default policy)
        out = _impacket(server, "services.py", ADMIN, "create", "-name", "Quiet", "-display", "Quiet",
                        "-path", "C:\\quiet.exe")
        assert "Creating service Quiet" in out and "Error" not in out, out
        _net(server, "audit", "enable", *NET_ADMIN)
        assert "System Events                 Success" in _net(server, "audit", "set", "SYSTEM", "SUCCESS",
                                                               *NET_ADMIN)
        out = _impacket(server, "services.py", ADMIN, "create", "-name", "LabSvc", "-display", "Lab Service",
                        "-path", "C:\\lab\\payload.exe")
        assert "Creating service LabSvc" in out and "Error" not in out, out
        out = _impacket(server, "services.py", ADMIN, "config", "-name", "LabSvc")
        assert "BINARY_PATH_NAME  : C:\\lab\\payload.exe" in out and "DISPLAY_NAME      : Lab Service" in out, out
        out = _impacket(server, "services.py", ADMIN, "change", "-name", "LabSvc", "-start_type", "4")
        assert "DISABLED" in _impacket(server, "services.py", ADMIN, "config", "-name", "LabSvc")
        _impacket(server, "services.py", ADMIN, "change", "-name", "LabSvc", "-start_type", "3")
        out = _impacket(server, "services.py", ADMIN, "start", "-name", "LabSvc")
        assert "ERROR_SERVICE_REQUEST_TIMEOUT" in out, out
        assert "LabSvc -  STOPPED" in _impacket(server, "services.py", ADMIN, "status", "-name", "LabSvc")
        listing = _impacket(server, "services.py", ADMIN, "list")
        rows = {tuple(part.strip() for part in line.split(" - ")) for line in listing.splitlines()}
        assert ("LabSvc", "Lab Service", "STOPPED") in rows and "Total Services: 34" in listing, listing
        out = _impacket(server, "services.py", ALICE, "create", "-name", "Evil", "-display", "Evil",
                        "-path", "C:\\evil.exe")
        assert "rpc_s_access_denied" in out, out
        _impacket(server, "services.py", ADMIN, "delete", "-name", "LabSvc")
        out = _impacket(server, "services.py", ADMIN, "status", "-name", "LabSvc")
        assert "ERROR_SERVICE_DOES_NOT_EXIST" in out, out
        # Samba's client
        assert "Successfully created Service: NetSvc" in _net(server, "service", "create", "NetSvc",
                                                              "Net Service", "C:\\net.exe", *NET_ADMIN)
        out = _net(server, "service", "status", "NetSvc", *NET_ADMIN)
        assert "NetSvc service is stopped." in out and "Executable Path      = C:\\net.exe" in out, out
        assert "WERR_SERVICE_REQUEST_TIMEOUT" in _net(server, "service", "start", "NetSvc", *NET_ADMIN)
        assert "Successfully deleted Service: NetSvc" in _net(server, "service", "delete", "NetSvc", *NET_ADMIN)
        assert "WERR_ACCESS_DENIED" in _net(server, "service", "create", "Evil2", "Evil2", "C:\\e.exe",
                                            "-I", ADDRESS, "-U", "alice%Wonderland1")
        server.wait_for("created service NetSvc")
    installed = _events(log, 4697)
    assert [(e["ServiceName"], e["ServiceFileName"], e["ServiceAccount"], e["SubjectUserName"])
            for e in installed] == [("LabSvc", "C:\\lab\\payload.exe", "LocalSystem", "Administrator"),
                                    ("NetSvc", "C:\\net.exe", "LocalSystem", "Administrator")]
    assert installed[0]["ServiceType"] == "0x10" and installed[0]["ServiceStartType"] == 2
