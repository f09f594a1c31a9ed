"""`--hosts FILE`: several machines in one process, each with its own profile; SIGHUP reloads them.

Two hosts on 127.0.0.63 (win2000) and 127.0.0.64 (win2016) in one `smbemu serve` answer as
their releases do; after the hosts file is edited and SIGHUP sent, new connections get the new
profile while an established session keeps working.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from smbprotocol.connection import Connection
from smbprotocol.session import Session
from smbprotocol.tree import TreeConnect

from helpers import CliServer, run_tool, smb2_lab_overrides
from smbemu.errors import ConfigError
from smbemu.hosts import load_hosts

pytestmark = pytest.mark.interop

OLD, NEW = "127.0.0.63", "127.0.0.64"


def _write_hosts(path: Path, old_profile: str) -> None:
    # smbprotocol and rpcclient speak SMB2: a pre-Vista profile runs with smb.dialects=2.0.2.
    lab = ", ".join(smb2_lab_overrides(old_profile, []))
    path.write_text(
        "hosts:\n"
        f"  - {{address: {OLD}, port: 0, profile: {old_profile}, set: [{lab}]}}\n"
        f"  - address: {NEW}\n"
        "    port: 0\n"
        "    profile: win2016\n"
        "    set: [RestrictAnonymous=1]\n",
        encoding="utf-8",
    )


def _port(server: CliServer, address: str) -> str:
    for bound in server.addresses:
        if bound.startswith(address + ":"):
            return bound.split(",")[0].split(":")[1]
    raise AssertionError(f"{address} not in {server.addresses}")


def _rpc(address: str, port: str, command: str, user: str = "%") -> str:
    result = run_tool(["rpcclient", "-p", port, "-U", user, address, "-c", command])
    return result.stdout + result.stderr


def test_two_hosts_answer_as_their_profiles_and_sighup_reloads(tmp_path: Path) -> None:
    hosts = tmp_path / "lab.yaml"
    _write_hosts(hosts, "win2000")
    with CliServer(["--hosts", str(hosts)], banners=2) as server:
        old_port, new_port = _port(server, OLD), _port(server, NEW)
        assert "profile win2000 (member)" in server.log() and "profile win2016 (member)" in server.log()
        server.wait_for("2 hosts; SIGHUP reloads")

        # Different releases: srvinfo's version, and anonymous user enumeration.
        assert "os version      :\t5.0" in _rpc(OLD, old_port, "srvinfo", "alice%Wonderland1")
        assert "os version      :\t10.0" in _rpc(NEW, new_port, "srvinfo", "alice%Wonderland1")
        assert "user:[alice]" in _rpc(OLD, old_port, "enumdomusers")
        refused = _rpc(NEW, new_port, "enumdomusers")
        assert "user:[alice]" not in refused and "NT_STATUS_ACCESS_DENIED" in refused, refused

        # An established session on the old host...
        conn = Connection(uuid.uuid4(), OLD, int(old_port))
        conn.connect()
        try:
            session = Session(conn, "alice", "Wonderland1", require_encryption=False, auth_protocol="ntlm")
            session.connect()
            # ... survives a reload that turns the host into a win2016.
            _write_hosts(hosts, "win2016")
            server.hup()
            server.wait_for(f"reloaded {OLD}: profile win2016")
            tree = TreeConnect(session, rf"\\{OLD}\IPC$")
            tree.connect()
            tree.disconnect()
        finally:
            conn.disconnect()
        assert "os version      :\t10.0" in _rpc(OLD, old_port, "srvinfo", "alice%Wonderland1")
        assert "NT_STATUS_ACCESS_DENIED" in _rpc(OLD, old_port, "enumdomusers")

        # A broken file on reload is reported and the running configuration kept.
        hosts.write_text(f"hosts: [{{address: {OLD}, port: 0, profile: win1999}}]\n", encoding="utf-8")
        server.hup()
        server.wait_for("reload failed, keeping the running configuration")
        assert "os version      :\t10.0" in _rpc(OLD, old_port, "srvinfo", "alice%Wonderland1")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hosts: []\n", "hosts: must be a non-empty list"),
        ("- {profile: win2000}\n", "hosts[0].address: missing (required)"),
        ("- {address: 127.0.0.2}\n", "hosts[0].profile: missing (required)"),
        ("- {address: lab-box, profile: win2000}\n", "hosts[0].address: 'lab-box' is not an IP address"),
        ("- {address: 127.0.0.2, profile: win2000, port: 70000}\n", "hosts[0].port: 70000 is not a TCP port"),
        ("- {address: 127.0.0.2, profile: win2000, colour: red}\n", "hosts[0].colour: unknown key; allowed: address,"),
        ("- {address: 127.0.0.2, profile: win2000, set: RestrictAnonymous}\n", "hosts[0].set: must be a list of KEY=VALUE"),
        ("- {address: 127.0.0.2, profile: win2000, netbios: maybe}\n", "hosts[0].netbios: 'maybe' must be true or false"),
        ("- {address: 127.0.0.2, profile: win2000}\n- {address: 127.0.0.2, profile: win2016}\n",
         "hosts[1].address: 127.0.0.2 port default is already used by hosts[0]"),
        ("hosts: [\n", "not valid YAML"),
    ],
)
def test_hosts_file_mistakes_are_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "lab.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_hosts(path)
    assert message in str(info.value)
    assert str(info.value).startswith(str(path))


def test_cli_names_the_host_of_a_bad_profile(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "lab.yaml"
    path.write_text("hosts:\n  - {address: 127.0.0.2, profile: win2000}\n  - {address: 127.0.0.3, profile: win1999}\n",
                    encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "smbemu", "serve", "--hosts", str(path)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"smbemu: {path}: hosts[1]: "), result.stderr
    assert "win1999" in lines[0]
    result = subprocess.run([sys.executable, "-m", "smbemu", "serve", "--hosts", str(path), "--profile", "win2000"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "--profile: cannot be combined with --hosts" in result.stderr
