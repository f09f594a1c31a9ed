"""A server's directory and its ``--state`` file (`attach_state`), and `smbemu fixture export`.

Both work on a whole server configuration (its profile: how the profile sees the fixture, and
`smbemu.builder` for the export), so they live here, beside the CLI, rather than in
`smbemu.directory`, which knows no profile or policy (the house's "never Directory -> Policy");
`smbemu.directory.persist` keeps the file format."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from smbemu import builder
from smbemu.directory.export import fixture_document_of
from smbemu.config import ServerConfig
from smbemu.directory.persist import StateFile
from smbemu.errors import ConfigError

__all__ = ["attach_state", "export_fixture", "seen_as_of"]


def seen_as_of(config: ServerConfig) -> dict[str, Any]:
    """How the profile sees a fixture (as `smbemu.builder` builds the directory)."""
    profile = config.profile
    return {"role": profile.role, "os_version": (*profile.identity.version, profile.identity.build),
            "guest_enabled": profile.smb.guest_account_enabled,
            "pre2000_members": profile.anonymous.pre2000_compatible_access_members}


def attach_state(config: ServerConfig, state: StateFile | str | Path) -> ServerConfig:
    """``--state``: the config's directory from the file when it exists (else the fixture's, as
    built), written back to it after every change.  Raises `ConfigError` for a broken file (the
    running directory, if any, stays the file's).  Give the same `StateFile` to every build of
    one server (start, SIGHUP reloads)."""
    if not isinstance(state, StateFile):
        state = StateFile(state)
    if not state.path.parent.is_dir():
        raise ConfigError("--state", "", f"{state.path.parent} is not a folder; allowed: a file in an existing folder")
    seen_as = seen_as_of(config)
    loaded = state.load(seen_as)
    if loaded is not None:
        config.directory = loaded
    previous = state.directory
    if previous is not None and previous is not config.directory:
        previous.on_change = None  # a directory replaced by a reload no longer writes the file
    state.directory, state.seen_as = config.directory, seen_as
    config.directory.on_change = state.save
    return config


def export_fixture(profile: str | None, fixture: str | None, overrides: list[str], state: str | None,
                   output: str) -> int:
    """`smbemu fixture export`: the directory the fixture (or a ``--state`` file) gives the profile,
    written as a fixture file: JSON for a ``.json`` OUT, else YAML (``-``: stdout)."""
    config = builder.build_config(profile, fixture, overrides=overrides)
    if state is not None:
        if not Path(state).is_file():
            raise ConfigError(state, "", "no such file; allowed: a file written by `smbemu serve --state`")
        loaded = StateFile(state).load(seen_as_of(config))
        assert loaded is not None
        config.directory = loaded
    document = fixture_document_of(config.directory)
    if output.lower().endswith(".json"):
        text = json.dumps(document, indent=1) + "\n"
    else:
        import yaml

        header = (f"# exported by `smbemu fixture export` from {config.directory.source}"
                  f"{' and ' + state if state else ''} as seen by profile {config.profile.name} "
                  f"({config.profile.role})\n")
        text = header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    if output == "-":
        sys.stdout.write(text)
        return 0
    target = Path(output)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except OSError as exc:
        raise ConfigError("-o", output, f"cannot write it: {exc.strerror or exc}") from None
    return 0
