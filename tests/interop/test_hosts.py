"""`--hosts FILE`: several machines in one process, each with its own profile; SIGHUP reloads them.

Two hosts on 127.0.0.63 (win2000) and 127.0.0.64 (win2016) in one `smbemu serve` answer as
their releases do; after the hosts file is edited and SIGHUP sent, new connections get the new
profile while an established session keeps working.
"""

from __future__ import annotations

import re
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
        ("- {address: 127.0.0.2, profile: win2000, name: 'WS 01'}\n", "hosts[0].name: 'WS 01' is not a NetBIOS computer name"),
        ("- {address: 127.0.0.2, profile: win2000, name: ABCDEFGHIJKLMNOP}\n", "is not a NetBIOS computer name (1-15"),
        ("- {address: 127.0.0.2, profile: win2000, name: ws1}\n- {address: 127.0.0.3, profile: win2016, name: WS1}\n",
         "hosts[1].name: WS1 is already the name of hosts[0]"),
        ("- {address: 127.0.0.2, profile: win2000, mac: 00-15-5D}\n", "hosts[0].mac: '00-15-5D' is not a MAC address"),
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


IDENTITY_A, IDENTITY_B = "127.0.0.65", "127.0.0.66"


def test_each_host_has_its_own_name_sid_and_mac(tmp_path: Path) -> None:
    """Issue 13: `--hosts` gave every machine the fixture's name. With `name:` and `mac:` each host
    answers as itself: NetBIOS node status (nmblookup), srvsvc/NTLM names (rpcclient), and its
    local SAM's machine SID (lookupnames of a local account)."""
    hosts = tmp_path / "lab.yaml"
    hosts.write_text(
        "hosts:\n"
        f"  - {{address: {IDENTITY_A}, port: 0, profile: win2000, name: ws2000, mac: 00-15-5d-20-00-01,\n"
        f"      netbios: true, set: [{', '.join(smb2_lab_overrides('win2000', []))}]}}\n"
        f"  - {{address: {IDENTITY_B}, port: 0, profile: win2016, name: FILES16, netbios: true}}\n",
        encoding="utf-8",
    )
    with CliServer(["--hosts", str(hosts)], banners=2) as server:
        status_a = run_tool(["nmblookup", "-A", IDENTITY_A]).stdout
        status_b = run_tool(["nmblookup", "-A", IDENTITY_B]).stdout
        assert "WS2000          <20>" in status_a and "LEGACYSRV" not in status_a, status_a
        assert "MAC Address = 00-15-5D-20-00-01" in status_a, status_a
        assert "FILES16         <20>" in status_b and "LEGACYSRV" not in status_b, status_b
        # No mac: given: one of Hyper-V's OUI, derived from the name, different from the other host's.
        assert re.search(r"MAC Address = 00-15-5D-(?!20-00-01)", status_b), status_b

        port_a, port_b = _port(server, IDENTITY_A), _port(server, IDENTITY_B)
        srvinfo = _rpc(IDENTITY_B, port_b, "srvinfo", "alice%Wonderland1")
        assert "FILES16" in srvinfo, srvinfo
        sid_a = re.search(r"S-1-5-21-[\d-]+-500", _rpc(IDENTITY_A, port_a, "lookupnames Administrator", "Administrator%Adm!n2003"))
        sid_b = re.search(r"S-1-5-21-[\d-]+-500", _rpc(IDENTITY_B, port_b, "lookupnames Administrator", "Administrator%Adm!n2003"))
        assert sid_a and sid_b and sid_a.group(0) != sid_b.group(0), (sid_a, sid_b)
