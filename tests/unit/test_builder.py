"""smbemu.builder: one config builder, files parsed once per process, running state per server."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from smbemu import builder
from smbemu.config import ServerConfig, ServerState

ROOT = Path(__file__).resolve().parents[2]


def test_servers_share_the_parsed_files_but_not_their_running_state() -> None:
    first = builder.build_config("win2016")
    second = builder.build_config("win2016")
    assert first.profile is second.profile
    # the parsed records are shared; each server changes its own SAM sequences (issue 16)
    assert first.directory.account_domain.users is second.directory.account_domain.users
    assert first.directory.account_domain is not second.directory.account_domain
    assert first.pipes is second.pipes
    assert first.state is not second.state and first.sessions is not second.sessions
    assert first.cache is not second.cache
    assert first.server_guid != second.server_guid


def test_a_user_locked_out_on_one_server_is_not_locked_out_on_another() -> None:
    a = builder.build_config("win2016")  # corp.yaml: 5 bad passwords lock an account
    b = builder.build_config("win2016")
    alice_a = a.directory.find_user("alice")
    alice_b = b.directory.find_user("alice")
    assert alice_a is not None and alice_b is not None
    locked = [a.directory.record_bad_password(alice_a) for _ in range(5)]
    assert locked[-1] and a.directory.is_locked(alice_a)
    assert not b.directory.is_locked(alice_b)
    assert b.directory.state(alice_b).bad_password_count == 0
    # ... nor on a server started after the lockout.
    c = builder.build_config("win2016")
    alice_c = c.directory.find_user("alice")
    assert alice_c is not None and not c.directory.is_locked(alice_c)


def _touch_later(path: Path) -> None:
    """Make a rewrite visible even on a file system with coarse modification times."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_an_edited_profile_or_its_parent_is_read_again(tmp_path: Path) -> None:
    parent = tmp_path / "lab-base.yaml"
    parent.write_text("extends: win2000\nanonymous:\n  RestrictAnonymous: 1\n", encoding="utf-8")
    child = tmp_path / "lab.yaml"
    child.write_text("extends: lab-base.yaml\ndescription: lab\n", encoding="utf-8")
    first = builder.load_profile_cached(child)
    assert builder.load_profile_cached(child) is first
    assert first.anonymous.restrict_anonymous == 1

    parent.write_text("extends: win2000\nanonymous:\n  RestrictAnonymous: 2\n", encoding="utf-8")
    _touch_later(parent)
    second = builder.load_profile_cached(child)
    assert second is not first and second.anonymous.restrict_anonymous == 2

    child.write_text("extends: lab-base.yaml\ndescription: lab, edited\n", encoding="utf-8")
    _touch_later(child)
    assert builder.load_profile_cached(child).description == "lab, edited"


def test_overrides_are_part_of_what_is_cached() -> None:
    plain = builder.load_profile_cached("win2016")
    strict = builder.load_profile_cached("win2016", {"RestrictAnonymous": 2})
    assert strict is not plain and strict.anonymous.restrict_anonymous == 2
    assert builder.load_profile_cached("win2016", ["RestrictAnonymous=2"]).anonymous.restrict_anonymous == 2
    assert builder.load_profile_cached("win2016", {"RestrictAnonymous": 2}) is strict


def test_an_edited_fixture_is_read_again(tmp_path: Path) -> None:
    fixture = tmp_path / "lab.yaml"
    text = (ROOT / "fixtures" / "minimal.yaml").read_text(encoding="utf-8")
    fixture.write_text(text, encoding="utf-8")
    before = builder.build_config("win2016", fixture)
    assert builder.build_config("win2016", fixture).directory.account_domain.users is before.directory.account_domain.users
    fixture.write_text(text + "\n# edited\n", encoding="utf-8")
    _touch_later(fixture)
    after = builder.build_config("win2016", fixture)
    assert after.directory.account_domain.users is not before.directory.account_domain.users


def test_a_fixture_dict_is_built_each_time() -> None:
    document = {
        "machine": {"netbios_name": "DICTSRV", "sid": "S-1-5-21-1-2-3"},
        "workgroup": "LAB",
        "users": [{"name": "bob", "rid": 1000, "password": "x"}],
    }
    config = builder.build_config("win2016", document, overrides=["role=standalone"])
    assert config.directory.machine.netbios_name == "DICTSRV"
    assert config.directory.find_user("bob") is not None


def test_limits_faults_and_audit_go_through_the_one_builder(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    config = builder.build_config(
        "win2000", overrides=["RestrictAnonymous=2"], faults=[{"command": "ECHO", "status": 0xC0000022}],
        limits={"max_connections": 7}, audit_log=str(log),
    )
    assert config.profile.anonymous.restrict_anonymous == 2
    assert config.limits.max_connections == 7
    assert config.faults is not None and len(config.faults.rules) == 1
    assert config.audit is not None
    assert builder.build_config("win2000", faults=[{"command": "ECHO", "status": 0xC0000022}]).faults is not config.faults


def test_a_reload_keeps_sessions_and_the_session_counter_and_starts_a_fresh_cache() -> None:
    state = ServerState()
    state.sessions[1] = object()  # type: ignore[assignment]
    state.cache["ntlm_identity"] = object()
    first = state.new_session_id()
    after = state.carried_over()
    assert after.sessions is state.sessions and after.cache == {}
    assert after.new_session_id() & 0xFFFFFFFFFF == (first & 0xFFFFFFFFFF) + 1


def test_the_configuration_reaches_its_running_state() -> None:
    config = builder.build_config("win2016")
    assert config.sessions is config.state.sessions and config.cache is config.state.cache
    config.rpc_groups = None
    assert config.state.rpc_groups is None
    assert isinstance(config, ServerConfig)


@pytest.mark.parametrize("module", ["hosts.py", "testing.py", "cli.py"])
def test_every_way_in_builds_through_the_builder(module: str) -> None:
    """The CLI, ``--hosts`` and the test fixture share `smbemu.builder`; hosts does not import
    the CLI (the cli <-> hosts import circle is gone)."""
    tree = ast.parse((ROOT / "smbemu" / module).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
            imported.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert "smbemu.builder" in imported or "smbemu.builder.build_config" in imported
    assert not {"smbemu.profiles.load_profile", "smbemu.directory.load_fixture", "smbemu.rpc_binding"} & imported
    if module == "hosts.py":
        assert not any(name == "smbemu.cli" or name.startswith("smbemu.cli.") for name in imported)
