"""Issue 16, state lifetime: `smbemu serve --state FILE` keeps the directory's changes across a
restart and a SIGHUP reload; a truncated state file is refused with one line naming it and left
as it was; `smbemu fixture export` writes the directory (with the changes) as a fixture file that
loads back into the same accounts.  The changes are made by Samba's rpcclient."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from helpers import HOST, CliServer, run_tool

ADMIN = "Administrator%Adm!n2003"


def _port(server: CliServer) -> int:
    return int(server.addresses[0].split(",")[0].rsplit(":", 1)[1])


def _rpcclient(port: int, command: str) -> str:
    result = run_tool(["rpcclient", "-p", str(port), "-U", ADMIN, HOST, "-c", command])
    return result.stdout + result.stderr


def _logon(port: int, user: str, password: str) -> str:
    result = run_tool(["smbclient", "-p", str(port), "-U", f"CORP/{user}%{password}", "-L", HOST])
    return result.stdout + result.stderr


def test_state_survives_a_restart_and_a_sighup(tmp_path: Path) -> None:
    state = tmp_path / "lab.json"
    args = ["--profile", "win2016-dc", "--port", "0", "--state", str(state)]
    with CliServer(args) as server:
        port = _port(server)
        out = _rpcclient(port, "createdomuser bob; setuserinfo2 bob 24 NewPassw0rd!; deletedomuser testuser")
        assert "NT_STATUS" not in out, out
        assert state.is_file()
        written = json.loads(state.read_text(encoding="utf-8"))
        assert written["role"] == "dc" and any(u["name"] == "bob" for u in written["fixture"]["users"])
        # SIGHUP reloads from the state file: the changes stay, and later ones are kept too
        server.hup()
        server.wait_for("reloaded")
        assert "User Name   :\tbob" in _rpcclient(port, "queryuser bob")
        assert "NT_STATUS" not in _rpcclient(port, "createdomuser carol"), server.log()
    assert not list(tmp_path.glob(".lab.json.*"))  # no temporary file left behind
    with CliServer(args) as server:
        port = _port(server)
        out = _rpcclient(port, "queryuser bob; queryuser carol")
        assert "User Name   :\tbob" in out and "User Name   :\tcarol" in out, out
        assert "NT_STATUS_NONE_MAPPED" in _rpcclient(port, "queryuser testuser")
        # the password set before the restart: the account is disabled (Windows' default for a
        # new one), which the logon says only after checking the password
        assert "NT_STATUS_ACCOUNT_DISABLED" in _logon(port, "bob", "NewPassw0rd!")
        assert "NT_STATUS_LOGON_FAILURE" in _logon(port, "bob", "wrong")
        # a state file broken while the server runs: the reload is refused and keeps the running
        # directory; nothing is written over the file until it loads again
        broken = state.read_bytes()[:100]
        state.write_bytes(broken)
        server.hup()
        server.wait_for("reload failed")
        assert f"{state}: line " in server.log()
        assert "User Name   :\tbob" in _rpcclient(port, "queryuser bob")
        _rpcclient(port, "createdomuser dave")
        assert state.read_bytes() == broken


def test_a_truncated_state_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    state = tmp_path / "lab.json"
    with CliServer(["--profile", "win2016-dc", "--port", "0", "--state", str(state)]) as server:
        assert "NT_STATUS" not in _rpcclient(_port(server), "createdomuser bob")
    whole = state.read_bytes()
    state.write_bytes(whole[: len(whole) // 2])
    result = subprocess.run([sys.executable, "-m", "smbemu", "serve", "--profile", "win2016-dc", "--port", "0",
                             "--state", str(state)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"smbemu: {state}: line ") and "not valid JSON" in lines[0], lines[0]
    assert "allowed:" in lines[0]
    assert state.read_bytes() == whole[: len(whole) // 2]
    # a state file of another role is refused the same way
    state.write_bytes(whole)
    result = subprocess.run([sys.executable, "-m", "smbemu", "serve", "--profile", "win2016", "--port", "0",
                             "--state", str(state)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and f"{state}: role: 'dc'" in result.stderr, result.stderr
    assert state.read_bytes() == whole


def test_export_writes_a_fixture_that_loads_back_identically(tmp_path: Path) -> None:
    from smbemu import builder

    state = tmp_path / "lab.json"
    with CliServer(["--profile", "win2016-dc", "--port", "0", "--state", str(state)]) as server:
        port = _port(server)
        out = _rpcclient(port, "createdomuser bob; setuserinfo2 bob 24 NewPassw0rd!; deletedomuser tmartin")
        assert "NT_STATUS" not in out, out
    for suffix in ("yaml", "json"):
        exported = tmp_path / f"exported.{suffix}"
        result = subprocess.run([sys.executable, "-m", "smbemu", "fixture", "export", "--profile", "win2016-dc",
                                 "--state", str(state), "-o", str(exported)], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        from smbemu.directory.persist import StateFile
        from smbemu.directory_state import seen_as_of

        config = builder.build_config("win2016-dc", None)
        live = StateFile(state).load(seen_as_of(config))
        again = builder.build_config("win2016-dc", str(exported)).directory
        assert live is not None and live.find_user("bob") is not None and live.find_user("tmartin") is None
        for name in ("account_domain", "builtin_domain"):
            for kind in ("users", "groups", "aliases"):
                assert getattr(getattr(again, name), kind) == getattr(getattr(live, name), kind), (name, kind)
        assert again.primary_domain == live.primary_domain and again.shares == live.shares


def test_the_pytest_fixture_takes_a_state_file(smbemu_server: Any, tmp_path: Path) -> None:
    """`smbemu_server(..., state=FILE)` (and `smbemu.serve` / `start_in_thread`): a later server
    started on the same file has the first one's changes."""
    state = tmp_path / "suite.json"
    first = smbemu_server("win2016-dc", state=state)
    assert "NT_STATUS" not in _rpcclient(first.port, "createdomuser bob")
    second = smbemu_server("win2016-dc", state=state)
    assert second.config.directory.find_user("bob") is not None
    assert "User Name   :\tbob" in _rpcclient(second.port, "queryuser bob")
