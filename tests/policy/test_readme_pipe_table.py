"""The README's pipe table is generated from the registry, the services catalog and the policy
engine (``python -m smbemu.pipe_table --write README.md``); it must not go stale, and it must say
what the server does."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

from smbemu.pipe_table import readme_pipe_table, render_pipe_table
from smbemu.profiles import list_profiles

README = Path(__file__).resolve().parents[2] / "README.md"


@functools.cache
def _table() -> str:
    return render_pipe_table()


def test_readme_pipe_table_is_current() -> None:
    current = readme_pipe_table(README.read_text(encoding="utf-8"))
    assert current is not None, "README.md lost its <!-- pipe-table:begin --> ... end markers"
    assert current == _table(), "README.md's pipe table is stale: run python -m smbemu.pipe_table --write README.md"


def _row(block: str, profile: str) -> dict[str, str]:
    header = next(line for line in block.splitlines() if line.startswith("| profile |"))
    names = [cell.strip().strip("`") for cell in header.strip("|").split("|")]
    row = next(line for line in block.splitlines() if line.startswith(f"| `{profile}` |"))
    return dict(zip(names, (cell.strip() for cell in row.strip("|").split("|"))))


def test_the_table_says_what_each_release_does() -> None:
    block = _table()
    for name in list_profiles():
        assert f"| `{name}` |" in block
    # 2000: samr and lsarpc in NullSessionPipes; 2016 members refuse the null session at the open.
    assert _row(block, "win2000")["samr"] == "null" and _row(block, "win2016")["samr"] == "user"
    # Windows 7 does not run Remote Registry by default: no \\PIPE\\winreg (pipes/winreg).
    assert _row(block, "win7")["winreg"] == "—" and _row(block, "win2016")["winreg"] == "user"
    # svcctl on TCP from Vista on; netlogon on the lsass port of DCs only; RestrictRemoteClients on clients.
    tcp = "ncacn_ip_tcp (`--rpc-tcp`, beside the mapper on 135)"
    assert "svcctl" not in _row(block, "win2003")[tcp] and "services: svcctl" in _row(block, "win2016")[tcp]
    assert "netlogon" in _row(block, "win2016-dc")[tcp] and "netlogon" not in _row(block, "win2016")[tcp]
    assert "authenticated only" in _row(block, "win7")[tcp]


def test_pipe_table_command_check_and_write(tmp_path: Path) -> None:
    stale = tmp_path / "README.md"
    stale.write_text("a\n<!-- pipe-table:begin -->\nold\n<!-- pipe-table:end -->\nb\n", encoding="utf-8")
    command = [sys.executable, "-m", "smbemu.pipe_table"]
    check = subprocess.run([*command, "--check", str(stale)], capture_output=True, text=True)
    assert check.returncode == 1 and "stale" in check.stderr
    assert subprocess.run([*command, "--write", str(stale)], capture_output=True, text=True).returncode == 0
    assert _table() in stale.read_text(encoding="utf-8")
    assert subprocess.run([*command, "--check", str(stale)], capture_output=True, text=True).returncode == 0
