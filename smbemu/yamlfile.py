"""Reading the YAML files a user hands smbemu (profiles, fixtures, faults, hosts).

One reader, so that every such file fails the same way: a `ConfigError` naming the file, the
line and what is wrong (`lab.yaml: line 3: not valid YAML: mapping values are not allowed here`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped, unused-ignore]

from smbemu.errors import ConfigError

#: libyaml's safe loader when PyYAML has it (several times faster on large files), else the
#: pure-Python one; both build only plain types.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: str | Path, source: str | None = None) -> Any:
    """The document in `path`; `source` is how errors name the file (default: the path)."""
    where = str(path) if source is None else source
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(where, "", f"cannot read: {exc.strerror or exc}") from None
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(where, line, f"not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
