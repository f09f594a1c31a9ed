"""The code base type-checks under `mypy --strict` (configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_strict() -> None:
    # pipes/ is checked by path: mypy cannot follow setuptools' editable mapping to smbemu_pipes.
    targets = ["smbemu"] + (["pipes"] if any((ROOT / "pipes").glob("*.py")) else [])
    result = subprocess.run(
        [sys.executable, "-m", "mypy", *targets], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
