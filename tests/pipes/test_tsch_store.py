"""pipes/tsch without a network: the path rules (MS-TSCH 2.3.11), the task XML check (no DOCTYPE,
no entity ever expanded), the SDDL shape and the instance's life (nothing is run)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from smbemu_pipes.tsch import service, store


@pytest.mark.parametrize(("given", "expected"), [
    ("\\", "\\"), ("Task", "\\Task"), ("\\A\\B\\", "\\A\\B"), ("\\A\x00", "\\A"),
    ("\\A\\\\B", None), ("\\..\\x", None), ("\\a:b", None), ("\\a|b", None), (None, None),
    ("\\" + "x" * 256, None),
])
def test_paths(given: str | None, expected: str | None) -> None:
    assert store.canonical(given) == expected


def test_task_xml_is_checked_and_never_expanded() -> None:
    good = '<?xml version="1.0" encoding="UTF-16"?><Task xmlns="x"><Actions/></Task>'
    assert service._xml_error(good) is None
    laughs = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
              '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Task><Actions>&b;</Actions></Task>')
    assert service._xml_error(laughs) == {"line": 1, "column": 1, "node": "DOCTYPE", "value": None}
    assert service._xml_error("<Task><Actions>")["line"] == 1  # type: ignore[index]
    assert service._xml_error("<Other><Actions/></Other>")["node"] == "Other"  # type: ignore[index]
    assert service._xml_error("<Task><Triggers/></Task>")["node"] == "Actions"  # type: ignore[index]


@pytest.mark.parametrize(("sddl", "ok"), [
    (store.DEFAULT_SDDL, True), ("D:(A;;FA;;;BA)", True), ("O:BAG:SY", True), ("", False),
    ("garbage", False), ("D:(A;;FA;;;BA", False)])
def test_sddl_shape(sddl: str, ok: bool) -> None:
    assert store.valid_sddl(sddl) is ok


def test_users_read_only_what_authenticated_users_may_read() -> None:
    assert store.users_may_read(store.DEFAULT_SDDL)
    assert not store.users_may_read(store.TASK_SDDL.format(owner="S-1-5-21-1-2-3-500"))


def test_an_instance_runs_for_a_moment_and_ends_terminated(monkeypatch: Any) -> None:
    tasks = store.new_store((10, 0))
    task = tasks.task("\\Microsoft\\Windows\\Defrag\\ScheduledDefrag")
    assert task is not None and task.last_result == store.SCHED_S_TASK_HAS_NOT_RUN
    instance = tasks.start(task)
    assert tasks.running(task) == [instance]
    later = time.monotonic() + store.INSTANCE_SECONDS + 0.1
    monkeypatch.setattr(store.time, "monotonic", lambda: later)
    assert tasks.running(task) == []
    assert task.last_result == store.SCHED_S_TASK_TERMINATED and task.last_run is not None
    # before Windows 8 / 2012 the built-in defrag task is not listed
    assert store.new_store((6, 1)).task("\\Microsoft\\Windows\\Defrag\\ScheduledDefrag") is None
