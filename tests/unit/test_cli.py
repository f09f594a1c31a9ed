"""`smbemu` on the command line: one clear line and exit 2 for every user mistake; graceful stop."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from smbemu import cli
from smbemu.server import SmbServer


def test_privileged_port_without_privilege(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    async def refuse(self: SmbServer, host: str, port: int) -> tuple[str, int]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(SmbServer, "listen", refuse)
    assert cli.main(["serve", "--port", "445", "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "445" in err[0] and "--port" in err[0] and "root" in err[0]


def test_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli.main(["serve", "--port", str(port), "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"127.0.0.1:{port}" in err[0]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["serve", "--profile", "win1995"], "no profile named 'win1995'"),
        (["serve", "--set", "RestrictAnonymous=7"], "RestrictAnonymous"),
        (["serve", "--set", "nonsense"], "--set"),
        (["serve", "--fixture", "/nonexistent/corp.yaml"], "/nonexistent/corp.yaml"),
        (["serve", "--port", "70000"], "--port"),
        (["serve", "--idle-timeout", "-1"], "--idle-timeout: -1.0 is not allowed: must be a positive number of seconds"),
        (["serve", "--max-frame-size", "4096"], "--max-frame-size: 4096 is too small: allowed is 69632 or more"),
        (["serve", "--max-credits", "0"], "--max-credits: 0 is not allowed: must be a positive whole number"),
    ],
)
def test_user_mistakes_are_one_line(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("smbemu: ") and expected in err[0]


def test_broken_fixture_names_file_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fixture = tmp_path / "bad.yaml"
    fixture.write_text("machine: {netbios_name: X, sid: S-1-5-21-1-2-3}\nusers:\n  - {name: a, rid: 1104}\n  - {name: b, rid: 1104}\n")
    assert cli.main(["serve", "--fixture", str(fixture)]) == 2
    err = capsys.readouterr().err.strip()
    assert str(fixture) in err and "users[1]" in err and "1104" in err


def test_a_broken_faults_file_is_named_as_itself_with_hosts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--faults is read once for every host: its mistake names the faults file, not a host."""
    faults = tmp_path / "faults.yaml"
    faults.write_text("faults:\n  - {command: NOSUCH, status: 0xC0000022}\n")
    hosts = tmp_path / "lab.yaml"
    hosts.write_text("hosts:\n  - {address: 127.0.0.1, profile: win2000}\n")
    assert cli.main(["serve", "--port", "0", "--hosts", str(hosts), "--faults", str(faults)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"smbemu: {faults}") and "hosts[0]" not in err[0], err


def test_profiles_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["profiles", "list"]) == 0
    names = capsys.readouterr().out.split()
    assert "win2000" in names and "win2016" in names
    assert cli.main(["profiles", "show", "win2016", "--set", "smb.signing_required=true"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"smb\.signing_required = 'true'\s+# --set", out)


def test_sigterm_stops_the_server_gracefully() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "smbemu", "serve", "--port", "0", "--host", "127.0.0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 20
        port = 0
        while time.monotonic() < deadline and not port:
            line = process.stdout.readline()
            match = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if match:
                port = int(match.group(1))
        assert port, "the server did not say where it listens"
        client = socket.create_connection(("127.0.0.1", port))
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
        client.settimeout(5)
        assert client.recv(1) == b""  # the open connection was closed on the way out
        client.close()
    finally:
        if process.poll() is None:
            process.kill()


def test_readme_limits_table_is_current(tmp_path: Path) -> None:
    """The README's limits table is generated from smbemu.config.Limits; regenerate it when a limit changes."""
    from smbemu.config import write_limits_table

    copy = tmp_path / "README.md"
    copy.write_text((Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8"), encoding="utf-8")
    assert not write_limits_table(str(copy)), "stale: run python -m smbemu.config --write README.md"


def test_every_limit_is_a_serve_flag(capsys: pytest.CaptureFixture[str]) -> None:
    from smbemu.config import limit_fields

    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    text = capsys.readouterr().out
    for name, _, default, _ in limit_fields():
        assert "--" + name.replace("_", "-") in text


@pytest.mark.parametrize("choice", ["uvloop", "asyncio"])
def test_event_loop_choice_serves_a_real_client(choice: str) -> None:
    """uvloop is used when installed (the test extras install it); asyncio's loop on request."""
    import sys as _sys

    sys_path = str(Path(__file__).resolve().parents[1])
    if sys_path not in _sys.path:
        _sys.path.insert(0, sys_path)
    from helpers import CliServer
    from impacket.smbconnection import SMBConnection

    with CliServer(["--port", "0", "--event-loop", choice]) as server:
        server.wait_for(f"event loop: {choice}")
        port = int(server.addresses[0].rsplit(":", 1)[1])
        conn = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=port)
        conn.login("", "")
        assert "IPC$" in [share["shi1_netname"][:-1] for share in conn.listShares()]
        conn.close()


def test_the_default_install_has_the_fast_event_loop() -> None:
    """uvloop is a regular dependency wherever it installs, and `auto` (the default) picks it."""
    import importlib.metadata
    import platform

    from smbemu.cli import _event_loop_factory

    requirements = importlib.metadata.requires("smbemu") or []
    uvloop = [r for r in requirements if r.startswith("uvloop")]
    assert uvloop and "extra ==" not in uvloop[0], requirements
    if sys.platform != "win32" and platform.python_implementation() == "CPython":
        import uvloop as installed

        assert _event_loop_factory("auto") is installed.new_event_loop
    assert _event_loop_factory("asyncio") is None
