"""Test helpers: a real smbemu server on 127.0.0.1 in a background thread, and client commands.

Interop tests drive blocking third-party clients (smbprotocol, impacket, smbclient), so the
server runs its own event loop in a thread; it binds only to loopback on an ephemeral port.
"""

from __future__ import annotations

import asyncio
import shutil
import struct
import subprocess
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from smbemu import builder
from smbemu.cli import build_config as cli_build_config
from smbemu.pcap import PcapWriter
from smbemu.profiles import load_profile
from smbemu.server import SmbServer

HOST = "127.0.0.1"

#: The lab convenience that lets an SMB2 client test a pre-Vista profile's policy: NT 4, 2000, XP and
#: 2003 offer no SMB2 dialect (they spoke only SMB1, MS-SMB2 <1>), so SMB2 tests of those profiles
#: run "the policy of Windows 2000 over SMB 2.0.2" (`smbemu serve --set smb.dialects=2.0.2`).
SMB2_LAB_OVERRIDE = "smb.dialects=2.0.2"


def smb2_lab_overrides(profile: Any, overrides: Any = ()) -> Any:
    """``overrides``, plus `SMB2_LAB_OVERRIDE` when the profile offers no SMB2 dialect and the
    caller did not set ``smb.dialects`` itself. Keeps the shape given: a list of ``KEY=VALUE``
    strings, or a mapping (as `smbemu.builder.build_config` takes either)."""
    names_dialects = any(str(key).split("=", 1)[0].strip().lower() in ("smb.dialects", "dialects")
                         for key in (overrides or ()))
    if names_dialects or load_profile(profile).smb.dialects:
        return overrides
    if isinstance(overrides, Mapping):
        return {**overrides, "smb.dialects": "2.0.2"}
    return [*(overrides or ()), SMB2_LAB_OVERRIDE]


def build_config(profile: Any = "win2000", fixture: Any = None, *, overrides: Any = None, **options: Any) -> Any:
    """`smbemu.builder.build_config` for tests of the SMB2 engine: a pre-Vista profile also offers
    SMB 2.0.2 (`smb2_lab_overrides`) unless ``overrides`` says otherwise."""
    return builder.build_config(profile, fixture, overrides=smb2_lab_overrides(profile, overrides), **options)


class ServerThread:
    """`with ServerThread(profile="win2000") as server: server.port`

    ``smb2`` (default True): a pre-Vista profile also offers SMB 2.0.2 (`smb2_lab_overrides`), for
    the SMB2 clients most tests drive; False serves the profile as it is (SMB1 only)."""

    def __init__(
        self,
        profile: str | None = "win2000",
        fixture: str | None = None,
        overrides: Sequence[str] = (),
        pipes_dir: str | None = None,
        pcap: str | None = None,
        smb2: bool = True,
        **limits: Any,
    ) -> None:
        if smb2:
            overrides = smb2_lab_overrides(profile, overrides)
        self.config: Any = cli_build_config(profile, fixture, overrides, pipes_dir, **limits)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        # `pcap`: write the session to this file (smbemu.pcap, as `--pcap`); closed on exit.
        self._pcap = PcapWriter(pcap) if pcap else None
        self._server = SmbServer(self.config, pcap=self._pcap)
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="smbemu-test-server", daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            _, self.port = self._loop.run_until_complete(self._server.listen(HOST, 0))
        except BaseException as exc:  # pragma: no cover - reported to the test
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._server.close())
        self._loop.close()
        if self._pcap is not None:
            self._pcap.close()

    def __enter__(self) -> ServerThread:
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc: Any) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def call(self, function: Any, *args: Any) -> Any:
        """Run `function(*args)` on the server's loop thread and return its result."""
        future: Any = asyncio.run_coroutine_threadsafe(_as_coroutine(function, *args), self._loop)
        return future.result(10)

    @property
    def connection_count(self) -> int:
        return int(self.call(lambda: len(self._server.protocols)))


async def _as_coroutine(function: Any, *args: Any) -> Any:
    return function(*args)


def require_tool(name: str) -> str:
    """Interop tests fail (never skip) when a client is missing: CI must have it."""
    path = shutil.which(name)
    assert path, f"{name} is not installed; scripts/test.sh installs it (apt-get install smbclient tshark)"
    return path


def run_tool(args: Sequence[str], timeout: float = 30) -> subprocess.CompletedProcess[str]:
    require_tool(args[0])
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


class LoopbackCapture:
    """Capture the traffic of one test server port on `lo` with dumpcap (needs root, as in CI).

    `with LoopbackCapture(port, path) as capture: ...` then `capture.malformed()` lists tshark's
    malformed-packet and error expert items, decoding the port as SMB over Direct TCP (nbss).
    """

    def __init__(self, port: int, path: str) -> None:
        self.port = port
        self.path = path
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> LoopbackCapture:
        import os
        import time

        dumpcap = require_tool("dumpcap")
        assert os.geteuid() == 0, "capturing on lo needs root (CI runs as root)"
        self._process = subprocess.Popen(
            [dumpcap, "-i", "lo", "-f", f"tcp port {self.port}", "-w", self.path, "-q"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self._process.stderr is not None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # dumpcap says "Capturing on 'Loopback: lo'" when ready
            line = self._process.stderr.readline()
            if "Capturing on" in line or not line:
                break
        time.sleep(0.3)
        return self

    def __exit__(self, *exc: Any) -> None:
        import signal
        import time

        assert self._process is not None
        time.sleep(0.5)  # let the last packets reach the capture
        self._process.send_signal(signal.SIGINT)
        self._process.wait(10)

    def tshark(self, *args: str) -> str:
        result = run_tool(["tshark", "-r", self.path, "-d", f"tcp.port=={self.port},nbss", *args], timeout=60)
        return result.stdout

    def malformed(self) -> list[str]:
        report = self.tshark("-q", "-z", "expert,warn")
        return [line.strip() for line in report.splitlines() if "Malformed" in line or "Error/" in line]


class CliServer:
    """`smbemu serve ARGS` in a subprocess (as a user runs it); waits for every listening banner.

    `with CliServer(["--hosts", path], banners=2) as server: server.addresses` lists the
    "listening on" parts of the banners; `server.hup()` sends SIGHUP; `server.log()` is stderr so far.
    ``smb2`` (default True): a pre-Vista ``--profile`` (or the default, win2000) is run with
    ``--set smb.dialects=2.0.2`` unless the arguments set the dialects (`smb2_lab_overrides`); a
    ``--hosts`` file states its own ``set:`` per host.
    """

    def __init__(self, args: Sequence[str], banners: int = 1, smb2: bool = True) -> None:
        import sys

        args = list(args)
        if smb2 and "--hosts" not in args:
            profile = args[args.index("--profile") + 1] if "--profile" in args else None
            given = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--set"]
            added = smb2_lab_overrides(profile, given)[len(given):]
            args += [part for override in added for part in ("--set", override)]
        self.args = [sys.executable, "-m", "smbemu", "serve", *args]
        self.banners = banners
        self.addresses: list[str] = []
        self._lines: list[str] = []
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None

    def __enter__(self) -> CliServer:
        import time

        self._process = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            banners = [line for line in self._lines if " listening on " in line]
            if len(banners) >= self.banners:
                self.addresses = [line.split(" listening on ", 1)[1].split(" — ", 1)[0] for line in banners]
                return self
            if self._process.poll() is not None:
                break
            time.sleep(0.05)
        self.__exit__()
        raise AssertionError(f"smbemu serve did not start: {self.log()}")

    def _read(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        for line in self._process.stderr:
            self._lines.append(line)

    def log(self) -> str:
        return "".join(self._lines)

    def wait_for(self, text: str, timeout: float = 10) -> None:
        import time

        deadline = time.monotonic() + timeout
        while text not in self.log():
            assert time.monotonic() < deadline, f"{text!r} not logged: {self.log()}"
            time.sleep(0.05)

    def hup(self) -> None:
        import signal

        assert self._process is not None
        self._process.send_signal(signal.SIGHUP)

    def __exit__(self, *exc: Any) -> None:
        import signal

        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
        if self._reader is not None:
            self._reader.join(5)


def pcap_server_port_as_445(path: str, port: int) -> None:
    """Rewrite the server's TCP port to 445 in a raw-IP pcap (smbemu --pcap), so that tshark
    knows the server side as on a real network (its SPNEGO dissector reads a server's
    NegTokenInit as MS-SPNG's NegTokenInit2, negHints at [3], only from port 445 / 139; under a
    "decode as" port it expects RFC 4178's mechListMIC there)."""
    with open(path, "rb") as handle:
        data = bytearray(handle.read())
    assert struct.unpack_from("<I", data, 20)[0] == 101  # LINKTYPE_RAW
    pos = 24
    while pos < len(data):
        length = struct.unpack_from("<I", data, pos + 8)[0]
        packet = pos + 16
        tcp = packet + (data[packet] & 0x0F) * 4
        for field in (tcp, tcp + 2):
            if struct.unpack_from(">H", data, field)[0] == port:
                struct.pack_into(">H", data, field, 445)
        pos = packet + length
    with open(path, "wb") as handle:
        handle.write(bytes(data))


_CORP_DIRECTORIES: dict[str, Any] = {}


def corp_rid(name: str, role: str = "member") -> int:
    """The RID of account ``name`` in the built-in ``fixtures/corp.yaml`` as a ``role`` server
    numbers it: a member's or standalone server's local SAM from 1000 (alice 1000), a DC's
    domain RIDs (alice 1104). Tests take RIDs from the directory instead of repeating them."""
    from smbemu.directory import load_fixture

    directory = _CORP_DIRECTORIES.get(role)
    if directory is None:
        directory = _CORP_DIRECTORIES[role] = load_fixture(role=role)
    account = directory.account_domain.by_name(name.lower())
    if account is None:
        raise KeyError(f"corp.yaml has no account {name!r} on a {role} server")
    return int(account.rid)


def impacket_raw_call(dce: Any, opnum: int, fields: list[tuple[str, Any, Any]]) -> bytes:
    """One call through impacket with a request built on the spot: ``fields`` are (name,
    impacket NDR type, value) in the specification's order; the raw response stub."""
    from impacket.dcerpc.v5.ndr import NDRCALL  # type: ignore[import-untyped]

    class Call(NDRCALL):  # type: ignore[misc]
        structure = tuple((name, kind) for name, kind, _ in fields)

    Call.opnum = opnum
    request = Call()
    for name, _, value in fields:
        request[name] = value
    dce.call(opnum, request)
    return bytes(dce.recv())
