"""Samba's own test suite, smbtorture, against `win2016-dc` and against Samba's smbd configured alike (issue 15).

Each suite of `SUITES` (the rpc.* and smb2.* suites issue 15 names, minus those that need a file
share, a domain join or a machine secret to do anything at all) is run with smbtorture 4.17
(Debian's samba-testsuite; scripts/test.sh installs it) on `//127.0.0.1/IPC$`, as the fixture's
Administrator and as a normal user (alice), against

* smbemu: `win2016-dc` with fixtures/corp.yaml, in a server thread on an ephemeral port;
* Samba: a standalone smbd started here as root in a private directory (its own smb.conf,
  lock/state/private dirs, passdb), on an ephemeral port: benchmarks/run.py's smb.conf with a
  username map (Administrator -> root, alice -> daemon: a passdb account needs a Unix account,
  and pdbedit adds them with the fixture's passwords) and what win2016-dc answers alike
  (workgroup CORP, signing mandatory as on a DC, SMB1 (NT1) to SMB 3.1.1).

smbtorture prints one line per sub-test (`success:` / `failure:` / `error:` / `skip:` NAME); a
crashed smbtorture (SIGSEGV on a reply, an abort) counts as one failed sub-test `(crashed)`.
Per suite and user, `test_smbemu_passes_at_least_what_samba_passes` asserts that at least as many
sub-tests pass on smbemu as on Samba, except where `smbtorture_expected.yaml` lists the deficit
with its cause; `test_every_smbemu_failure_is_listed` asserts that every sub-test failing on
smbemu is listed there with why (Windows fails it too, or the smbemu bug and who fixes it), and
that nothing listed passes (the list only shrinks).

`python tests/interop/test_smbtorture.py` prints the comparison table and every smbemu failure
with smbtorture's reason (the first line after it); `--prune` also rewrites the list without
the entries that now pass.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(ROOT / "benchmarks"))

from helpers import HOST, ServerThread  # noqa: E402
from run import SMB_CONF, free_port, stop, wait_port  # noqa: E402  (benchmarks/run.py: Samba's smb.conf)

pytestmark = pytest.mark.interop

EXPECTED = HERE / "smbtorture_expected.yaml"
PROFILE = "win2016-dc"
SUITE_TIMEOUT = 120  # seconds per smbtorture run; each takes < 5 s

#: The fixture's accounts (fixtures/corp.yaml): the built-in Administrator and a normal user.
USERS = {"admin": ("Administrator", "Adm!n2003"), "user": ("alice", "Wonderland1")}
#: The Unix account each is mapped to on Samba (a passdb entry needs one; both exist on Debian).
UNIX_NAMES = {"Administrator": "root", "alice": "daemon"}

#: The suites run, as smbtorture names them. rpc.lsa.* and rpc.samr.* are given by their
#: sub-suites (running `rpc.lsa` alone runs only its first test). Left out: rpc.samr.large-dc
#: (creates thousands of accounts), rpc.samr.passwords.lockout and .badpwdcount (they wait out
#: lockout windows: minutes once SAMR writes work), rpc.samr.machine.auth and rpc.netlogon-s3
#: (a joined machine account's secret), rpc.samba3 (Samba-specific).
SUITES = [
    "rpc.srvsvc", "rpc.wkssvc",
    "rpc.lsa", "rpc.lsa.lookupsids", "rpc.lsa.lookupnames", "rpc.lsa.privileges", "rpc.lsa.secrets",
    "rpc.lsa.trusted.domains", "rpc.lsa.forest.trust", "rpc.lsa-getuser", "rpc.lsalookup",
    "rpc.samr", "rpc.samr.users", "rpc.samr.users.privileges", "rpc.samr.passwords.default",
    "rpc.samr.passwords.pwdlastset", "rpc.samr.passwords.validate", "rpc.samr.accessmask",
    "rpc.samr.handletype", "rpc.samr.priv",
    "rpc.netlogon", "rpc.netlogon.admin", "rpc.dssetup", "rpc.mgmt", "rpc.handles", "rpc.bind",
    "rpc.altercontext", "rpc.epmapper", "rpc.winreg", "rpc.svcctl",
    # rpc.spoolss in its three parts, each its own smbtorture run (for both servers): a crash
    # of smbtorture in one part (its test_devicemode_full pushes an uninitialised size, see
    # smbtorture_expected.yaml) ends that part only, not the sub-tests of the other two
    "rpc.spoolss.printserver", "rpc.spoolss.printer.addprinter", "rpc.spoolss.printer.addprinterex",
    "rpc.eventlog",
    "smb2.session", "smb2.tcon", "smb2.credits", "smb2.compound", "smb2.ioctl",
]

_RESULT = re.compile(r"^(success|failure|error|skip|xfail|uxsuccess): (.*?)( \[)?$")


@dataclass
class SuiteResult:
    suite: str
    outcomes: dict[str, str] = field(default_factory=dict)  # sub-test -> success/failure/error/skip
    reasons: dict[str, str] = field(default_factory=dict)  # sub-test -> first line of smbtorture's reason
    output: str = ""

    @property
    def passed(self) -> int:
        return sum(outcome in ("success", "xfail") for outcome in self.outcomes.values())

    @property
    def failed(self) -> list[str]:
        return [name for name, outcome in self.outcomes.items() if outcome in ("failure", "error", "uxsuccess")]


def parse(suite: str, output: str, returncode: int) -> SuiteResult:
    result = SuiteResult(suite, output=output)
    lines = output.splitlines()
    first_warning = ""  # the root cause is often a WARNING before the sub-test's summary line
    last_line = ""  # or, when smbtorture says only "Unknown error/failure", the line before it
    for index, line in enumerate(lines):
        if line.startswith("test: "):
            first_warning = last_line = ""
        elif line.startswith("WARNING!: ") and not first_warning:
            first_warning = line[len("WARNING!: "):].strip()
        elif line.strip() and not line.startswith(("time: ", "progress: ")) and not _RESULT.match(line):
            last_line = line.strip()
        match = _RESULT.match(line)
        if match:
            name = match.group(2)
            result.outcomes[name] = match.group(1)
            if match.group(3) and index + 1 < len(lines):
                reason = lines[index + 1].strip()
                if first_warning and first_warning not in reason:
                    reason += f" (first warning: {first_warning})"
                elif reason.startswith("Unknown error") and last_line:
                    reason += f" (last output: {last_line})"
                result.reasons[name] = reason[:400]
    if returncode < 0 or returncode > 1 or "INTERNAL ERROR: Signal" in output:
        # smbtorture itself died (a SIGSEGV in its reply parsing, an abort): one failed sub-test.
        result.outcomes["(crashed)"] = "failure"
        crash = [line for line in lines if "INTERNAL ERROR" in line or line.startswith("Testing ")]
        result.reasons["(crashed)"] = f"exit {returncode}; last step: {crash[-2] if len(crash) > 1 else crash[-1:]}"
    return result


#: smbtorture's own smb.conf: its tests take the domain to open from `workgroup` (the system
#: smb.conf says WORKGROUP, which neither server knows), so it is CORP here, the fixture's domain.
CLIENT_CONF = "[global]\n  workgroup = CORP\n"


def smbtorture(port: int, user: str, suite: str, client_conf: Path) -> SuiteResult:
    binary = shutil.which("smbtorture")
    assert binary, "smbtorture is not installed; scripts/test.sh installs it (apt-get install samba-testsuite)"
    name, password = USERS[user]
    try:
        completed = subprocess.run([binary, f"--configfile={client_conf}", f"//{HOST}/IPC$", "-p", str(port),
                                    "-U", f"CORP\\{name}%{password}", suite],
                                   capture_output=True, text=True, errors="replace", timeout=SUITE_TIMEOUT,
                                   stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as expired:
        output = (expired.stdout or b"").decode(errors="replace") if isinstance(expired.stdout, bytes) \
            else (expired.stdout or "")
        result = parse(suite, output, 0)
        result.outcomes["(timed out)"] = "failure"
        result.reasons["(timed out)"] = f"no answer in {SUITE_TIMEOUT} s"
        return result
    return parse(suite, completed.stdout + completed.stderr, completed.returncode)


# ---------------------------------------------------------------------------------- Samba
@contextlib.contextmanager
def samba_smbd() -> Iterator[int]:
    """A standalone smbd as root in a private directory, on an ephemeral port; yields the port."""
    smbd = shutil.which("smbd") or "/usr/sbin/smbd"
    pdbedit = shutil.which("pdbedit")
    assert os.path.exists(smbd) and pdbedit, "Samba's smbd and pdbedit are needed (apt-get install samba)"
    assert os.geteuid() == 0, "smbd must start as root (CI runs as root)"
    with tempfile.TemporaryDirectory(prefix="smbtorture-samba-") as scratch:
        d = Path(scratch)
        for sub in ("lock", "state", "cache", "pid", "private", "ncalrpc", "binddns", "share"):
            (d / sub).mkdir()
        port = free_port()
        (d / "users.map").write_text("".join(f"{unix} = {name}\n" for name, unix in UNIX_NAMES.items()))
        conf = SMB_CONF.format(port=port, d=d).replace("netbios name = BENCHSMB", "netbios name = LEGACYSRV")
        conf = conf.replace("  server min protocol = SMB2_02\n", "  server min protocol = NT1\n")
        conf = conf.replace("[global]\n", f"[global]\n  username map = {d}/users.map\n  server signing = mandatory\n", 1)
        (d / "smb.conf").write_text(conf)
        for name, password in USERS.values():
            added = subprocess.run([pdbedit, f"--configfile={d}/smb.conf", "-a", "-t", "-u", UNIX_NAMES[name]],
                                   input=f"{password}\n{password}\n", capture_output=True, text=True, timeout=30)
            assert added.returncode == 0, f"pdbedit -a {UNIX_NAMES[name]}: {added.stdout}{added.stderr}"
        log = (d / "smbd.log").open("wb")
        proc = subprocess.Popen([smbd, "-F", f"--configfile={d}/smb.conf", "--debug-stdout"],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_port(port, proc, timeout=60)
            yield port
        finally:
            stop(proc, scratch)  # smbd, its children and the samba-dcerpcd workers naming our directory
            log.close()


# ---------------------------------------------------------------------------------- the runs
Results = dict[tuple[str, str, str], SuiteResult]  # (target, user, suite) -> result


def run_all(suites: list[str] = SUITES) -> Results:
    results: Results = {}
    with tempfile.TemporaryDirectory(prefix="smbtorture-client-") as scratch:
        client_conf = Path(scratch) / "smb.conf"
        client_conf.write_text(CLIENT_CONF)
        with ServerThread(PROFILE, smb2=False) as server, samba_smbd() as samba_port:
            # The two servers' runs side by side (CI has two cores): each target's suites in order.
            def run_target(target: str, port: int) -> None:
                for user in USERS:
                    for suite in suites:
                        results[(target, user, suite)] = smbtorture(port, user, suite, client_conf)

            with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
                for done in [pool.submit(run_target, "smbemu", server.port), pool.submit(run_target, "samba", samba_port)]:
                    done.result()
    return results


@dataclass
class Entry:
    kind: str
    cause: str
    owner: str
    patterns: list[str]


def load_expected() -> tuple[list[Entry], list[Entry]]:
    data = yaml.safe_load(EXPECTED.read_text())
    failures = [Entry(e["kind"], e["cause"], e.get("owner", ""), list(e["tests"])) for e in data["failures"]]
    deficits = [Entry(e["kind"], e["cause"], e.get("owner", ""), list(e["suites"])) for e in data["deficits"]]
    return failures, deficits


def listed(key: str, entries: list[Entry]) -> Entry | None:
    for entry in entries:
        if any(fnmatch.fnmatchcase(key, pattern) for pattern in entry.patterns):
            return entry
    return None


def table(results: Results) -> str:
    failures, deficits = load_expected()
    lines = ["| suite | user | smbemu passed | Samba passed | smbemu failed (listed) |", "|---|---|---|---|---|"]
    for user in USERS:
        for suite in SUITES:
            ours, theirs = results[("smbemu", user, suite)], results[("samba", user, suite)]
            listed_failures = sum(listed(f"{user}:{suite}:{name}", failures) is not None for name in ours.failed)
            mark = "" if ours.passed >= theirs.passed else " **<**"
            lines.append(f"| {suite} | {user} | {ours.passed}{mark} | {theirs.passed} | "
                         f"{len(ours.failed)} ({listed_failures}) |")
    total = {t: sum(r.passed for (target, _, _), r in results.items() if target == t) for t in ("smbemu", "samba")}
    lines.append(f"| **total** | | {total['smbemu']} | {total['samba']} | |")
    lines += ["", "smbemu failures (user:suite:sub-test -- smbtorture's reason):"]
    for user in USERS:
        for suite in SUITES:
            ours = results[("smbemu", user, suite)]
            for name in ours.failed:
                entry = listed(f"{user}:{suite}:{name}", failures)
                tag = f"[{entry.kind}]" if entry else "[UNLISTED]"
                lines.append(f"- {tag} {user}:{suite}:{name} -- {ours.reasons.get(name, '')}")
    stale = [f"- {user}:{suite}:{name}" for (target, user, suite), result in results.items() if target == "smbemu"
             for name, outcome in result.outcomes.items()
             if outcome in ("success", "xfail") and listed(f"{user}:{suite}:{name}", failures)]
    if stale:
        lines += ["", "Listed but passed (remove these entries):", *stale]
    return "\n".join(lines)


class _IndentedDumper(yaml.SafeDumper):
    """Block sequences indented under their key, as the hand-written list is."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def prune(results: Results) -> int:
    """Rewrite the list for ``results``: failure patterns that now match a passing sub-test are
    replaced by the failing sub-tests they still match (dropped when none), deficits that are
    gone are dropped, empty entries go.  Unlisted failures are not added: they need a cause
    written by hand.  Returns the number of patterns removed."""
    text = EXPECTED.read_text()
    header = text[:text.index("failures:")]
    failures, deficits = load_expected()
    failing, passing = set(), set()
    for (target, user, suite), result in results.items():
        if target != "smbemu":
            continue
        for name, outcome in result.outcomes.items():
            key = f"{user}:{suite}:{name}"
            if outcome in ("success", "xfail"):
                passing.add(key)
            elif outcome in ("failure", "error", "uxsuccess"):
                failing.add(key)
    removed = 0
    kept_failures = []
    for entry in failures:
        mine = sorted(k for k in failing if listed(k, failures) is entry)
        patterns: list[str] = []
        for pattern in entry.patterns:
            hits = [k for k in mine if fnmatch.fnmatchcase(k, pattern)]
            stale = any(fnmatch.fnmatchcase(k, pattern) and listed(k, failures) is entry for k in passing)
            if hits and not stale:
                patterns.append(pattern)
            else:
                removed += 1
                patterns += [k.replace("[", "[[]") for k in hits if k not in patterns]
        if patterns:
            kept_failures.append({"kind": entry.kind, "owner": entry.owner or "-", "cause": entry.cause,
                                  "tests": patterns})
    kept_deficits = []
    for entry in deficits:
        suites = [key for key in entry.patterns
                  if results[("smbemu", *key.split(":", 1))].passed < results[("samba", *key.split(":", 1))].passed]
        removed += len(entry.patterns) - len(suites)
        if suites:
            kept_deficits.append({"kind": entry.kind, "owner": entry.owner or "-", "cause": entry.cause,
                                  "suites": suites})
    body = yaml.dump({"failures": kept_failures, "deficits": kept_deficits}, Dumper=_IndentedDumper,
                     sort_keys=False, width=1000, allow_unicode=True)
    EXPECTED.write_text(header + body)
    return removed


# ---------------------------------------------------------------------------------- the tests
@pytest.fixture(scope="module")
def results() -> Results:
    return run_all()


CASES = [(user, suite) for user in USERS for suite in SUITES]


def test_the_list_is_well_formed() -> None:
    failures, deficits = load_expected()
    for entry in failures + deficits:
        assert entry.kind in ("windows", "excluded", "not-emulated", "bug"), f"{entry.cause}: unknown kind {entry.kind}"
        assert entry.cause and entry.patterns, entry


def test_smbtorture_reached_both_servers(results: Results) -> None:
    # A run where nothing logs on must not pass as "equal": both servers pass sub-tests as both users.
    for target in ("smbemu", "samba"):
        for user in USERS:
            passed = sum(r.passed for (t, u, _), r in results.items() if (t, u) == (target, user))
            assert passed >= 10, f"{target} as {user}: {passed} sub-tests passed"


@pytest.mark.parametrize(("user", "suite"), CASES)
def test_smbemu_passes_at_least_what_samba_passes(results: Results, user: str, suite: str) -> None:
    _, deficits = load_expected()
    ours, theirs = results[("smbemu", user, suite)], results[("samba", user, suite)]
    entry = listed(f"{user}:{suite}", deficits)
    if entry is None:
        assert ours.passed >= theirs.passed, (
            f"{suite} as {user}: smbemu passes {ours.passed} sub-tests, Samba {theirs.passed}; failing on smbemu: "
            + "; ".join(f"{name}: {ours.reasons.get(name, '')}" for name in ours.failed))
    else:
        assert ours.passed < theirs.passed, (
            f"{suite} as {user}: smbemu now passes {ours.passed} >= Samba's {theirs.passed}: "
            f"remove it from '{entry.cause}' in {EXPECTED.name}")


@pytest.mark.parametrize(("user", "suite"), CASES)
def test_every_smbemu_failure_is_listed(results: Results, user: str, suite: str) -> None:
    failures, _ = load_expected()
    ours = results[("smbemu", user, suite)]
    problems = [f"{name}: {ours.reasons.get(name, '')}" for name in ours.failed
                if listed(f"{user}:{suite}:{name}", failures) is None]
    for name, outcome in ours.outcomes.items():
        entry = listed(f"{user}:{suite}:{name}", failures)
        if entry is not None and outcome in ("success", "xfail"):
            problems.append(f"{name} passes now: remove it from '{entry.cause}' in {EXPECTED.name}")
    assert not problems, f"{suite} as {user}:\n" + "\n".join(problems)


if __name__ == "__main__":
    pruning = "--prune" in sys.argv  # rewrite the list for this run (see prune)
    chosen = [a for a in sys.argv[1:] if a != "--prune"] or SUITES
    if pruning and chosen != SUITES:
        sys.exit("--prune needs the run of every suite (no suite names)")
    SUITES[:] = chosen
    outcome = run_all(chosen)
    print(table(outcome))
    if pruning:
        print(f"pruned {prune(outcome)} patterns")
