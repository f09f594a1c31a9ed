"""One pipe-name normalizer (smbemu.pipe_names) for IPC$, the RPC runtime, the policy and the
fault rules: the spellings clients use name the same pipe (MS-SMB2 3.3.5.9, MS-FSCC 2.1.5)."""

from __future__ import annotations

import pytest

from smbemu import faults
from smbemu.pipe_names import normalize_pipe_name
from smbemu.policy import Policy
from smbemu.profiles import load_profile


@pytest.mark.parametrize(("raw", "expected"), [
    ("srvsvc", "srvsvc"),
    ("SrvSvc", "srvsvc"),
    ("\\srvsvc", "srvsvc"),
    ("\\PIPE\\srvsvc", "srvsvc"),
    ("\\pipe\\SRVSVC", "srvsvc"),
    # the three copies disagreed on these:
    ("pipe\\srvsvc", "srvsvc"),          # the policy's copy kept "pipe\srvsvc"
    ("/pipe/srvsvc", "srvsvc"),          # the policy's copy did not map "/"
    ("\\pipe\\\\srvsvc", "\\srvsvc"),    # the RPC copy dropped the empty component: no pipe here
    ("\\\\PIPE\\lsarpc", "lsarpc"),
    ("", ""),
    ("\\", ""),
    ("\\PIPE\\", ""),
    ("pipes", "pipes"),                  # a pipe that happens to start with "pipe"
    ("pipe", "pipe"),
])
def test_normalize_pipe_name(raw: str, expected: str) -> None:
    assert normalize_pipe_name(raw) == expected


def test_the_fault_rules_name_pipes_alike() -> None:
    # (tests/unit/test_vocabulary.py guards that no module defines a second normalizer)
    rules = faults.parse_rules([{"command": "CREATE", "pipe": "pipe\\SAMR", "drop": True}], "f.yaml")
    assert rules[0].pipe == "samr"


@pytest.mark.parametrize("spelling", ["samr", "\\PIPE\\samr", "pipe\\samr", "/pipe/SAMR"])
def test_the_policy_decides_every_spelling_alike(spelling: str) -> None:
    # win2016 refuses samr to anonymous (not in NullSessionPipes) however the pipe is written
    win2016 = Policy(load_profile("win2016"))
    assert win2016.pipe_open("anonymous", spelling).status == win2016.pipe_open("anonymous", "samr").status
    assert not win2016.pipe_open("anonymous", spelling).allowed
