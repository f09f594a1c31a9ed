"""Run the load generator against smbemu, Samba's smbd and impacket's smbserver; print the ratio table.

    .venv/bin/python benchmarks/run.py [--seconds 10] [--runs 3] [--servers smbemu,samba,impacket]
                                      [--workloads churn,churn1,rpc1,rpc64,echo,idle,samr]
                                      [--idle-sessions 10000] [--samba-idle-sessions 2000] [--idle-hold 35]
                                      [--smbemu-event-loop auto|uvloop|asyncio] [--json FILE]

Each server listens on its own free port on 127.0.0.1 and is pinned to core 0 (`taskset -c 0`;
Samba's forked children inherit it); the generator (`loadgen.py`, one process) runs on core 1.
Each server is warmed with one session (Samba starts its RPC helper on the first pipe open)
before measuring. A rate is the median of `--runs` runs of `--seconds` each. Samba gets its own
smb.conf, lock/state/cache/pid/private dirs in a temporary directory and is started with
`smbd -F --configfile=...` (not --no-process-group: on exit it would signal our process group);
every server is stopped by its pid at the end. `samr` runs against smbemu only, once per
`--samr-users` size (default 1,000 and 100,000 users from `smbemu.directory.make_large_fixture`,
as JSON): Samba would need that many passdb users.

`churn1` is `churn` over SMB1 (NT LM 0.12, issue 12): Samba serves it from a second smbd with
the same smb.conf but `server min protocol = NT1` (the SMB2 workloads keep theirs); smbemu serves
it with the win2000 profile as it is (NT LM 0.12 only; the SMB2 workloads get `--set
smb.dialects=2.0.2`, the generator's dialect); impacket's smbserver is not
measured (issue 12 compares with Samba).

`idle` holds `--idle-sessions` sessions on smbemu (issue 7: 10,000, each with srvsvc open and
bound) and `--samba-idle-sessions` on Samba (default 2,000: Samba forks a process per session,
~670 KiB each, so 10,000 would need ~6.5 GB), times a real impacket client while they are held,
and again after `--idle-hold` seconds. smbemu is started with `--max-connections 20000
--max-connections-per-address 20000` so that the limits are not what is measured.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from loadgen import process_tree  # the generator beside this script: the same /proc walk

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
LOADGEN = str(HERE / "loadgen.py")
HOST = "127.0.0.1"
WORKLOADS = {
    "churn": ["churn", "--clients", "8"],
    "churn1": ["churn1", "--clients", "8"],
    "rpc1": ["rpc", "--clients", "1"],
    "rpc64": ["rpc", "--clients", "64"],
    "echo": ["echo", "--clients", "8", "--inflight", "8"],
    "idle": ["idle"],
    "samr": ["samr", "--clients", "1", "--domain", "BIGSRV"],
}
TARGETS = {"churn": (">=", 3.0), "churn1": (">=", 3.0), "rpc1": (">=", 1.0), "rpc64": (">=", 1.0), "echo": (">=", 0.5)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def tagged(tag: str) -> list[int]:
    """Processes whose command line names our temporary directory (samba-dcerpcd and its rpcd_*
    workers detach from smbd's tree)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if tag.encode() in f.read():
                        out.append(int(entry))
            except OSError:
                continue
    return out


def stop(proc: subprocess.Popen[bytes], tag: str = "") -> None:
    """SIGTERM the server and whatever it forked (by pid), then SIGKILL what is left."""
    pids = [*process_tree([proc.pid]), *(tagged(tag) if tag else [])]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(30)  # Samba with 2,000 children takes a while
    time.sleep(0.3)
    for pid in pids[1:]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _raise_nofile() -> None:
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))


def start(argv: list[str], port: int, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(["taskset", "-c", "0", *argv], stdin=subprocess.DEVNULL, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, env=env, preexec_fn=_raise_nofile)
    try:
        wait_port(port, proc)
    except BaseException:
        stop(proc, str(log.parent))
        raise
    return proc


# Workloads that speak SMB1: Samba serves them with `server min protocol = NT1` (its default
# since 4.11 is SMB2_02, which refuses NT LM 0.12).
SMB1_WORKLOADS = ("churn1",)

SMB_CONF = """\
[global]
  workgroup = CORP
  netbios name = BENCHSMB
  server role = standalone server
  smb ports = {port}
  interfaces = 127.0.0.1
  bind interfaces only = yes
  server min protocol = SMB2_02
  map to guest = Bad User
  restrict anonymous = 0
  guest account = nobody
  lock directory = {d}/lock
  state directory = {d}/state
  cache directory = {d}/cache
  pid directory = {d}/pid
  private dir = {d}/private
  ncalrpc dir = {d}/ncalrpc
  binddns dir = {d}/binddns
  log file = {d}/log.%m
  log level = 0
  max log size = 0
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  disable netbios = yes
  kernel oplocks = no

[data]
  path = {d}/share
  comment = benchmark share
  guest ok = yes
"""


@contextlib.contextmanager
def server(name: str, tmp: Path, fixture: str | None = None, many_connections: bool = False,
           smb1: bool = False) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    if name == "smbemu":
        smbemu = str(Path(PYTHON).parent / "smbemu")
        argv = [smbemu, "serve", "--profile", "win2000", "--port", str(port), "-q"]
        if not smb1:
            # win2000 speaks only SMB1 (NT LM 0.12); the SMB2 workloads measure its policy over
            # SMB 2.0.2, as they always have (the generator's dialect).
            argv += ["--set", "smb.dialects=2.0.2"]
        if many_connections:  # the idle workload: 10,000 held sessions + probes
            argv += connection_limit_flags()
        if SMBEMU_EVENT_LOOP:
            argv += ["--event-loop", SMBEMU_EVENT_LOOP]
        if fixture:
            argv += ["--fixture", fixture]
        proc = start(argv, port, tmp / f"smbemu-{port}.log")
    elif name == "samba":
        d = tmp / f"samba-{port}"
        for sub in ("lock", "state", "cache", "pid", "private", "ncalrpc", "binddns", "share"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        conf = d / "smb.conf"
        text = SMB_CONF.format(port=port, d=d)
        if smb1:
            text = text.replace("server min protocol = SMB2_02", "server min protocol = NT1")
        conf.write_text(text)
        smbd = shutil.which("smbd") or "/usr/sbin/smbd"
        proc = start([smbd, "-F", f"--configfile={conf}", "--debug-stdout"], port, d / "smbd.log")
    elif name == "impacket":
        share = tmp / "impacket-share"
        share.mkdir(exist_ok=True)
        code = (
            "import logging, sys\n"
            "from impacket.smbserver import SimpleSMBServer\n"
            "logging.disable(logging.CRITICAL)\n"
            f"s = SimpleSMBServer(listenAddress='{HOST}', listenPort={port})\n"
            f"s.addShare('DATA', r'{share}', 'benchmark share')\n"
            "s.setSMB2Support(True)\n"
            "s.start()\n"
        )
        proc = start([PYTHON, "-c", code], port, tmp / f"impacket-{port}.log")
    else:
        raise ValueError(name)
    try:
        yield port, proc
    finally:
        stop(proc, str(tmp))


SMBEMU_EVENT_LOOP = ""  # --smbemu-event-loop


def event_loop_of(pid: int) -> str:
    """Which event loop a Python server runs: uvloop if its extension is mapped, else asyncio."""
    try:
        with open(f"/proc/{pid}/maps") as f:
            return "uvloop" if "uvloop" in f.read() else "asyncio"
    except OSError:
        return "?"


def connection_limit_flags(limit: int = 20000) -> list[str]:
    """Generous connection limits (10,000 held sessions + the probes, all from loopback)."""
    return ["--max-connections", str(limit), "--max-connections-per-address", str(limit)]


def loadgen(args: list[str], port: int, seconds: float, pid: int, timeout: float) -> dict[str, object]:
    argv = ["taskset", "-c", "1", PYTHON, LOADGEN, *args, "--port", str(port), "--seconds", str(seconds),
            "--server-pid", str(pid)]
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return {"error": "timeout"}
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1]}
    return dict(json.loads(lines[-1]))


def measure(name: str, workloads: list[str], args: argparse.Namespace, tmp: Path,
            results: dict[str, dict[str, dict[str, object]]]) -> None:
    fixture = None
    todo = [w for w in workloads if not (name != "smbemu" and w == "samr")
            and not (name == "impacket" and w in ("echo", "idle", *SMB1_WORKLOADS))]
    if name == "smbemu" and "samr" in todo:
        todo.remove("samr")
        # The same chain over a small and a large directory: the cost per user must not grow.
        by_size: dict[str, object] = {}
        for users in args.samr_users:
            fixture = str(tmp / f"large-{users}.json")
            make_fixture(fixture, users)
            with server(name, tmp, fixture) as (port, proc):
                res = run_workload("samr", port, proc.pid, args)
                res["rss_kib"] = rss_kib(proc.pid)
                by_size[str(users)] = res
                print(f"  {name:9s} samr {users:,} users {res}", flush=True)
        results[name]["samr"] = {"by_size": by_size, "event_loop": event_loop_of(proc.pid)}
    # The SMB1 workloads get a server of their own (Samba: the NT1 smb.conf).
    for group, smb1 in (([w for w in todo if w not in SMB1_WORKLOADS], False),
                        ([w for w in todo if w in SMB1_WORKLOADS], True)):
        if not group:
            continue
        with server(name, tmp, many_connections="idle" in group, smb1=smb1) as (port, proc):
            # Warm: one session, one call (Samba starts samba-dcerpcd on the first pipe open).
            loadgen(["churn1", "--clients", "1"] if smb1 else ["rpc", "--clients", "1"], port, 1, proc.pid, 60)
            for workload in group:
                results[name][workload] = run_workload(workload, port, proc.pid, args, name)
                if name == "smbemu":
                    results[name][workload]["event_loop"] = event_loop_of(proc.pid)
                print(f"  {name:9s} {workload:6s} {results[name][workload]}", flush=True)


def idle_sessions(server_name: str, args: argparse.Namespace) -> int:
    return int(args.samba_idle_sessions if server_name == "samba" else args.idle_sessions)


def run_workload(workload: str, port: int, pid: int, args: argparse.Namespace,
                 server_name: str = "smbemu") -> dict[str, object]:
    wl = list(WORKLOADS[workload])
    if workload == "idle":
        sessions = idle_sessions(server_name, args)
        setup_timeout = 120 + sessions * 0.06  # 10,000: 720 s (smbemu needs 13-40 s; Samba ~20 ms each)
        # Samba's smbd listens with a backlog of 50 (`ss -lnt`): 200 set-ups at once overflow it
        # (dropped SYNs, 1-31 s retransmits, resets), so it gets 40 at a time.
        concurrency = 40 if server_name == "samba" else 200
        res = loadgen(wl + ["--sessions", str(sessions), "--setup-timeout", str(setup_timeout),
                            "--hold", str(args.idle_hold), "--setup-concurrency", str(concurrency)],
                      port, args.seconds, pid, setup_timeout + args.idle_hold + 300)
        return res
    rates, errors, runs = [], [], []
    for _ in range(args.runs):
        res = loadgen(wl, port, args.seconds, pid, args.seconds + 40)
        runs.append(res)
        if "error" in res or not res.get("rate"):
            errors.append(str(res.get("error") or res.get("last_error")))
            if res.get("error") == "timeout":
                break  # impacket's smbserver with 64 pipes: do not wait for it three times
            continue
        rates.append(float(res["rate"]))  # type: ignore[arg-type]
    out: dict[str, object] = {"rate": statistics.median(rates) if rates else None, "rates": rates}
    if errors:
        out["errors"] = errors[:2]
    if workload == "samr" and runs:
        out["users_per_enum"] = runs[-1].get("users_per_enum")
    return out


def make_fixture(path: str, users: int) -> None:
    """A generated directory as JSON (the fixture format; 100,000 users parse in a second)."""
    sys.path.insert(0, str(ROOT))
    from smbemu.directory import make_large_fixture

    Path(path).write_text(json.dumps(make_large_fixture(users)))


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fmt(value: object, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value < 100:
        return f"{value:,.1f}{unit}"
    return f"{value:,.0f}{unit}"


def table(results: dict[str, dict[str, dict[str, object]]], args: argparse.Namespace) -> str:
    names = {"churn": "churn: whole NULL session + NetrShareEnum L1 per op, 8 clients (ops/s)",
             "churn1": "churn1: whole NULL session + NetrShareEnum L1 per op over SMB1 (NT LM 0.12), 8 clients (ops/s)",
             "rpc1": "rpc: NetrShareEnum L1 on a held pipe, 1 client (calls/s)",
             "rpc64": "rpc: same, 64 clients (calls/s)",
             "echo": "echo: SMB2 ECHO, 8 sessions x 8 in flight (/s)",
             "idle": (f"idle: PSS per held session with srvsvc open ({args.idle_sessions} sessions; Samba "
                      f"{args.samba_idle_sessions}) (KiB)"),
             "idle_real": "idle: a real client (impacket) served while they are held, median / max (ms)",
             "samr": "samr: NULL-session SamrConnect2 → OpenDomain → EnumerateUsersInDomain (paged) (users/s)"}
    lines = ["| workload | smbemu | Samba smbd | impacket smbserver | smbemu / Samba | target | met |",
             "|---|---|---|---|---|---|---|"]
    rows = [w for w in WORKLOADS if any(w in r for r in results.values())]
    if "idle" in rows:
        rows.insert(rows.index("idle") + 1, "idle_real")
    for workload in rows:
        if workload == "samr":
            lines.extend(samr_rows(results.get("smbemu", {}).get("samr"), names["samr"]))
            continue
        cells = []
        values: dict[str, object] = {}
        for server_name in ("smbemu", "samba", "impacket"):
            res = results.get(server_name, {}).get("idle" if workload == "idle_real" else workload)
            if res is None:
                cells.append("—")
                continue
            if workload == "idle_real":
                real = res.get("real_client_ms")
                if isinstance(real, dict):
                    base = res.get("real_client_baseline_ms")
                    extra = f" (none held: {base['median']:.1f})" if isinstance(base, dict) else ""
                    cells.append(f"{real['median']:.1f} / {real['max']:.1f}{extra}")
                    values[server_name] = float(real["max"])
                else:
                    cells.append("—" + (" (errors)" if res.get("real_client_errors") or res.get("error") else ""))
                continue
            value = res.get("kib_per_session") if workload == "idle" else res.get("rate")
            values[server_name] = value
            cell = fmt(value)
            if res.get("errors") or res.get("error"):
                cell += " (errors)"
            if workload == "idle" and res.get("ops") != res.get("sessions_wanted"):
                cell += f" ({res.get('ops') or 0:,} of {res.get('sessions_wanted') or '?'} held)"
            cells.append(cell)
        ours, samba = values.get("smbemu"), values.get("samba")
        value = ours / samba if isinstance(ours, float) and isinstance(samba, float) and samba else None
        ratio = f"{value:.3g}x" if value is not None else "—"
        if workload == "idle":
            target, met = "≤ 32 KiB", ("yes" if isinstance(ours, float) and ours <= 32 else "no")
        elif workload == "idle_real":
            ratio = "—"
            target, met = "< 100 ms", ("yes" if isinstance(ours, float) and ours < 100 else "no")
        elif workload in TARGETS:
            op, want = TARGETS[workload]
            target = f"≥ {want}x Samba"
            met = "yes" if value is not None and value >= want else "no"
        else:
            target, met = "flat per user", "—"
        lines.append(f"| {names[workload]} | {cells[0]} | {cells[1]} | {cells[2]} | {ratio} | {target} | {met} |")
    return "\n".join(lines)


def samr_rows(res: dict[str, object] | None, name: str) -> list[str]:
    """One row per directory size; the last says whether the cost per user stayed flat."""
    sizes = res.get("by_size") if isinstance(res, dict) else None
    if not isinstance(sizes, dict) or not sizes:
        return []
    rows, rates = [], []
    for users, one in sizes.items():
        rate = one.get("rate") if isinstance(one, dict) else None
        rates.append(rate)
        rss = one.get("rss_kib") if isinstance(one, dict) else None
        cell = fmt(rate) + (f" (server RSS {int(rss) / 1024:,.0f} MiB)" if isinstance(rss, int) else "")
        rows.append([f"{name}, {int(users):,} users", cell])
    # Flat: the largest directory costs no more per user than the smallest, within 20 % (it may
    # cost less: the fixed part of the chain -- connect, open, close -- is spread over more users).
    flat = all(isinstance(r, float) for r in rates) and rates[-1] >= 0.8 * rates[0]  # type: ignore[operator]
    out = []
    for index, (label, cell) in enumerate(rows):
        last = index == len(rows) - 1
        out.append(f"| {label} | {cell} | — | — | — | flat per user | {('yes' if flat else 'no') if last else ''} |")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--servers", default="smbemu,samba,impacket")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--idle-sessions", type=int, default=10000,
                        help="idle: sessions held on smbemu (issue 7: 10,000)")
    parser.add_argument("--samba-idle-sessions", type=int, default=2000,
                        help="idle: sessions held on Samba (a ~670 KiB process each: 10,000 would be ~6.5 GB)")
    parser.add_argument("--idle-hold", type=float, default=35.0,
                        help="idle: seconds to keep holding before timing the real client a second time")
    parser.add_argument("--smbemu-event-loop", choices=("auto", "uvloop", "asyncio"),
                        help="pass --event-loop to smbemu (default: smbemu's own default)")
    parser.add_argument("--samr-users", type=lambda text: [int(n) for n in text.split(",")], default=[1000, 100000],
                        help="samr: directory sizes to enumerate (default 1000,100000)")
    parser.add_argument("--json", help="also write the raw results here")
    args = parser.parse_args()
    global SMBEMU_EVENT_LOOP
    SMBEMU_EVENT_LOOP = args.smbemu_event_loop or ""
    if (os.cpu_count() or 1) < 2:
        print("needs two cores (server on 0, generator on 1)", file=sys.stderr)
        return 2
    workloads = args.workloads.split(",")
    results: dict[str, dict[str, dict[str, object]]] = {}
    with tempfile.TemporaryDirectory(prefix="smbemu-bench-") as tmpdir:
        for name in args.servers.split(","):
            results[name] = {}
            print(f"{name}:", flush=True)
            try:
                measure(name, workloads, args, Path(tmpdir), results)
            except Exception as exc:  # report the server that failed, keep the others
                print(f"  {name} failed: {exc!r}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    print()
    print(f"medians of {args.runs} runs of {args.seconds:g} s; server on core 0, generator on core 1")
    print(table(results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
