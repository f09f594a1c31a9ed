"""The README's profile matrix is generated from the profiles and the policy engine; it must not
go stale (refresh with ``python -m smbemu.policy matrix --write README.md``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from smbemu.policy import MATRIX_END, readme_matrix, render_matrix
from smbemu.profiles import list_profiles

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_matrix_is_current() -> None:
    current = readme_matrix(README.read_text(encoding="utf-8"))
    assert current is not None, "README.md lost its <!-- profile-matrix:begin --> ... end markers"
    assert current == render_matrix(), "README.md's profile matrix is stale: run python -m smbemu.policy matrix --write README.md"


def test_matrix_has_a_row_per_profile() -> None:
    block = render_matrix()
    assert block.endswith(MATRIX_END)
    for name in list_profiles():
        assert f"| `{name}` |" in block


def test_matrix_command_check_and_write(tmp_path: Path) -> None:
    stale = tmp_path / "README.md"
    stale.write_text("intro\n<!-- profile-matrix:begin -->\nold\n<!-- profile-matrix:end -->\noutro\n", encoding="utf-8")
    command = [sys.executable, "-m", "smbemu.policy", "matrix"]
    check = subprocess.run([*command, "--check", str(stale)], capture_output=True, text=True)
    assert check.returncode == 1 and "stale" in check.stderr
    assert subprocess.run([*command, "--write", str(stale)], capture_output=True, text=True).returncode == 0
    text = stale.read_text(encoding="utf-8")
    assert text.startswith("intro\n") and text.endswith("\noutro\n") and render_matrix() in text
    assert subprocess.run([*command, "--check", str(stale)], capture_output=True, text=True).returncode == 0
    printed = subprocess.run(command, capture_output=True, text=True)
    assert printed.returncode == 0 and printed.stdout.strip() == render_matrix()
