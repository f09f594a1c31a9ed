"""A network namespace of its own for the tools that insist on the real ports (445, 139, 137).

nmap's SMB scripts, impacket's example scripts and `nmap -sV -p139,445` connect to the well-known
ports only. Binding those on the host would collide with a real smbd or with a parallel test run,
so each server gets a fresh namespace with nothing but `lo` (`ip netns add smbemu-<random>`), and
the tool runs inside the same namespace:

    with NetnsServer("win2000") as server:
        result = server.run(["nmap", "-p445", "--script", "smb-os-discovery", "127.0.0.1"])

The server is `python -m smbemu serve --profile P --host 127.0.0.1 --port 445 --netbios`
(TCP 445, the NetBIOS session service on TCP 139 and the name service on UDP 137) with
`sys.executable`, so it is the smbemu of the running test environment. Everything is removed
on exit -- the server stopped, the namespace deleted -- also when starting fails. Creating a
namespace needs root and iproute2 (CI runs as root); without them the test FAILS (never skips):
these checks are the issue's acceptance tests.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

ADDRESS = "127.0.0.1"
START_TIMEOUT = 20.0


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)


class NetnsServer:
    """`smbemu serve` on 127.0.0.1:445/139/137 inside a fresh network namespace.

    `profile` and `args` go to `smbemu serve` (`args` e.g. `["--set", "smb.smb1=false"]`);
    `netbios=False` leaves out TCP 139 and UDP 137.
    """

    def __init__(self, profile: str, *args: str, netbios: bool = True, rpc_tcp: bool = False) -> None:
        self.profile = profile
        self.namespace = f"smbemu-{secrets.token_hex(4)}"
        # `rpc_tcp`: also DCE/RPC over TCP (`--rpc-tcp`): the endpoint mapper on TCP 135 and the LSA
        # interfaces on a dynamic port (`lsa_port`), for the tools that insist on 135 (rpcdump, getArch).
        self.command = [sys.executable, "-m", "smbemu", "serve", "--profile", profile,
                        "--host", ADDRESS, "--port", "445", *(["--netbios"] if netbios else []),
                        *(["--rpc-tcp"] if rpc_tcp else []), *args]
        self.banner = ""
        self._created = False
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._lines: list[str] = []

    # ------------------------------------------------------------------ lifetime
    def __enter__(self) -> NetnsServer:
        assert shutil.which("ip"), "`ip` (iproute2) is not installed; the namespace tests need it"
        assert os.geteuid() == 0, "creating a network namespace needs root (CI runs as root)"
        try:
            self._start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self) -> None:
        added = _ip("netns", "add", self.namespace)
        assert added.returncode == 0, f"ip netns add {self.namespace} failed: {added.stderr.strip()}"
        self._created = True
        up = _ip("-n", self.namespace, "link", "set", "lo", "up")
        assert up.returncode == 0, f"ip -n {self.namespace} link set lo up failed: {up.stderr.strip()}"
        # `ip netns exec` enters the namespace and execs the command: the process is the server.
        self._process = subprocess.Popen(["ip", "netns", "exec", self.namespace, *self.command],
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, text=True)
        self._reader = threading.Thread(target=self._read, name=f"{self.namespace}-log", daemon=True)
        self._reader.start()
        # The banner is logged once every port is bound (smbemu.cli), so the ports are open then.
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            for line in list(self._lines):
                if " listening on " in line:
                    self.banner = line.strip()
                    return
            if self._process.poll() is not None:
                break
            time.sleep(0.01)
        raise AssertionError(f"smbemu serve did not start in {self.namespace}: {self.log()}")

    def _read(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        for line in self._process.stderr:
            self._lines.append(line)

    def __exit__(self, *exc: Any) -> None:
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
            if self._reader is not None:
                self._reader.join(5)
        if self._created:
            self._created = False
            # Anything still running in the namespace (a tool that timed out) is ended by pid.
            pids = _ip("netns", "pids", self.namespace).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            deleted = _ip("netns", "del", self.namespace)
            assert deleted.returncode == 0, f"ip netns del {self.namespace} failed: {deleted.stderr.strip()}"

    # ------------------------------------------------------------------ use
    def run(self, argv: Sequence[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run a tool inside the namespace (it reaches the server at 127.0.0.1); a missing tool
        fails the test."""
        assert self._created, "the namespace is not set up (use `with NetnsServer(...)`)"
        assert shutil.which(argv[0]), f"{argv[0]} is not installed; scripts/test.sh installs it"
        return subprocess.run(["ip", "netns", "exec", self.namespace, *argv], capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    @property
    def lsa_port(self) -> int:
        """The LSA interfaces' ncacn_ip_tcp port, as the banner says (`rpc_tcp=True`)."""
        for part in self.banner.split(" listening on ", 1)[-1].split(" — ", 1)[0].split(", "):
            if part.endswith("(ncacn_ip_tcp lsass)"):
                return int(part.split(" ", 1)[0].rsplit(":", 1)[1])
        raise AssertionError(f"no ncacn_ip_tcp lsass port in the banner: {self.banner}")

    def log(self) -> str:
        """What the server logged so far (stderr)."""
        return "".join(self._lines)

    def wait_for(self, text: str, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log():
            assert time.monotonic() < deadline, f"{text!r} not logged: {self.log()}"
            time.sleep(0.02)
