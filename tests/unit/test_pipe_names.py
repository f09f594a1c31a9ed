"""One pipe-name normalizer (smbemu.pipe_names) for IPC$, the RPC runtime, the policy and the
fault rules: the spellings clients use name the same pipe (MS-SMB2 3.3.5.9, MS-FSCC 2.1.5)."""

from __future__ import annotations

import pytest

from smbemu import faults, ipc, pipe_names, policy
from smbemu.pipe_names import normalize_pipe_name
from smbemu.policy import Policy
from smbemu.profiles import load_profile
from smbemu.rpc import interface


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


def test_every_layer_uses_the_one_normalizer() -> None:
    assert ipc.normalize_pipe_name is pipe_names.normalize_pipe_name
    assert interface.normalize_pipe_name is pipe_names.normalize_pipe_name
    assert policy.normalize_pipe_name is pipe_names.normalize_pipe_name
    assert faults.normalize_pipe_name is pipe_names.normalize_pipe_name


@pytest.mark.parametrize("spelling", ["samr", "\\PIPE\\samr", "pipe\\samr", "/pipe/SAMR"])
def test_the_policy_decides_every_spelling_alike(spelling: str) -> None:
    # win2016 refuses samr to anonymous (not in NullSessionPipes) however the pipe is written
    win2016 = Policy(load_profile("win2016"))
    assert win2016.pipe_open("anonymous", spelling).status == win2016.pipe_open("anonymous", "samr").status
    assert not win2016.pipe_open("anonymous", spelling).allowed
