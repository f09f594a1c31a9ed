"""impacket's own remote DCE/RPC test suite against `win2016-dc`, as the fixture's Administrator (issues 15, 16).

impacket ships its remote tests in its source distribution only (`tests/dcerpc/*.py`, written
against a Windows Server 2012 R2 / 2016 domain controller; TESTING.md "Configure Remote Test
Cases"). This module:

1. fetches the sdist of the *installed* impacket (`pip download --no-binary :all: --no-deps
   impacket==V`) into a cache directory (`SMBEMU_SUITES_CACHE`, default `~/.cache/smbemu-suites`;
   `scripts/test.sh` pre-fetches it) and unpacks only `tests/` and `tox.ini` -- not the library's
   source, so the suite exercises the impacket the project installs;
2. starts `smbemu serve --profile win2016-dc --rpc-tcp` in a network namespace of its own
   (tests/netns.py): the suite's string bindings name no port, so impacket connects to 445 for
   `ncacn_np` and asks the endpoint mapper on 135 for `ncacn_ip_tcp`;
3. writes the suite's configuration file (the `[TCPTransport]` section of its
   `dcetests.cfg.template`; `CONFIG` below) pointing at 127.0.0.1 with the fixture's
   Administrator, and runs `pytest tests/dcerpc --remote-config=FILE --junitxml=...` inside the
   namespace (a subprocess: the suite imports its own `tests` package);
4. compares every test's outcome with `impacket_suite_expected.yaml`: every test passes except
   those listed there, each with its cause and kind (`windows`: Windows fails it too or the
   suite's environment is not this one -- Kerberos, a machine secret, a file share, a role or
   tool Windows does not have; `not-emulated`: an interface Windows serves and smbemu does not;
   `bug`: smbemu should pass it, routed to the module named). A listed test that passes fails
   too ("remove it from the list"), so the list only shrinks;
5. runs test_samr, test_lsad, test_lsat and test_dcomrt again as a normal user (alice) against
   `impacket_suite_user_expected.yaml`, where each of Windows' refusals also names the status the
   failure must carry (STATUS_ACCESS_DENIED).

`python tests/interop/test_impacket_suite.py [PYTEST-ARGS]` runs the suite the same way and prints
the triage: per impacket module passed / failed / listed, the failures grouped by their message,
the unlisted failures and the stale entries (`--user`: the normal-user run; `--fetch`: only fetch
the sdist; `--prune`: also rewrite the list without the entries that now pass).
"""

from __future__ import annotations

import collections
import fnmatch
import importlib.metadata
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netns import NetnsServer  # noqa: E402

pytestmark = pytest.mark.interop

HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "impacket_suite_expected.yaml"
#: The same suite's SAMR and LSA modules as a normal user (issues 15, 16: "as a normal user, the
#: refusals Windows documents"): each failure listed with the status Windows refuses it with.
EXPECTED_USER = HERE / "impacket_suite_user_expected.yaml"
USER_MODULES = ["test_samr", "test_lsad", "test_lsat", "test_dcomrt"]
PROFILE = "win2016-dc"
SUITE_TIMEOUT = 1200  # seconds; the whole suite takes ~90 s on one core

#: The suite's remote configuration (tests/dcetests.cfg.template, `[TCPTransport]`), for
#: fixtures/corp.yaml on a DC profile: the NetBIOS name, the address inside the namespace, the
#: built-in Administrator (RID 500, "Adm!n2003") and the domain's DNS name (the template asks for
#: the FQDN). Hashes and AES keys stay empty: impacket derives the NT hash from the password, and
#: the AES keys serve Kerberos only. `machineuser`/`machineuserhashes` stay empty: no computer
#: account's secret is handed out (the netlogon secure-channel tests are listed as such).
CONFIG = """\
[global]

[TCPTransport]
servername = LEGACYSRV
machine = 127.0.0.1
username = {username}
password = {password}
hashes =
aesKey256 =
aesKey128 =
domain = corp.local
machineuser =
machineuserhashes =
"""


# ---------------------------------------------------------------------------------- the sdist
def cache_dir() -> Path:
    return Path(os.environ.get("SMBEMU_SUITES_CACHE") or Path.home() / ".cache" / "smbemu-suites")


def impacket_version() -> str:
    return importlib.metadata.version("impacket")


def impacket_tests(version: str | None = None) -> Path:
    """The unpacked `impacket-V/` directory (its `tests/` and `tox.ini`), fetched once per version."""
    version = version or impacket_version()
    target = cache_dir() / f"impacket-{version}"
    if (target / "tests" / "dcerpc").is_dir():
        return target
    cache_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir()) as scratch:
        fetched = subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-binary", ":all:",
             "--no-deps", "-d", scratch, f"impacket=={version}"],
            capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        archives = sorted(Path(scratch).glob(f"impacket-{version}.tar.gz"))
        assert archives, f"pip download impacket=={version} (sdist) failed: {fetched.stdout}{fetched.stderr}"
        unpacked = Path(scratch) / "unpacked"
        with tarfile.open(archives[0]) as archive:
            wanted = [member for member in archive.getmembers()
                      if member.name.split("/", 1)[-1].startswith(("tests/", "tox.ini"))]
            # The "data" filter (no absolute paths, links out, devices) where this Python has it
            # (3.11.4+; Debian's 3.11.2 lacks it): the archive comes from the package index.
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            archive.extractall(unpacked, members=wanted, **safe)
        # Another run may have finished first: its copy is the same.
        try:
            (unpacked / f"impacket-{version}").rename(target)
        except OSError:
            assert (target / "tests" / "dcerpc").is_dir()
    return target


# ---------------------------------------------------------------------------------- the run
@dataclass
class Outcome:
    test_id: str  # "test_samr.py::SAMRTestsSMBTransport::test_SamrConnect"
    passed: bool
    skipped: bool
    message: str = ""


@dataclass
class SuiteRun:
    outcomes: dict[str, Outcome]
    output: str
    server_log: str

    def by_module(self) -> dict[str, list[Outcome]]:
        modules: dict[str, list[Outcome]] = collections.defaultdict(list)
        for outcome in self.outcomes.values():
            modules[outcome.test_id.split("::", 1)[0]].append(outcome)
        return dict(sorted(modules.items()))


def _parse_junit(path: Path) -> dict[str, Outcome]:
    outcomes = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        # classname "tests.dcerpc.test_samr.SAMRTestsSMBTransport"
        *package, module, cls = (case.get("classname") or "").split(".")
        test_id = f"{module}.py::{cls}::{case.get('name')}"
        passed, skipped, message = True, False, ""
        for child in case:
            if child.tag in ("failure", "error"):
                passed = False
                message = (child.get("message") or child.text or "").strip().splitlines()[0][:300] \
                    if (child.get("message") or child.text) else child.tag
            elif child.tag == "skipped":
                skipped = True
                message = (child.get("message") or "").strip()[:300]
        outcomes[test_id] = Outcome(test_id, passed, skipped, message)
    return outcomes


ADMINISTRATOR = ("Administrator", "Adm!n2003")  # fixtures/corp.yaml, RID 500
USER = ("alice", "Wonderland1")  # fixtures/corp.yaml, RID 1104: Domain Users only


def run_suite(selection: list[str] | None = None, account: tuple[str, str] = ADMINISTRATOR) -> SuiteRun:
    """Run impacket's tests/dcerpc (or `selection`, pytest arguments) against `PROFILE` in a namespace."""
    suite = impacket_tests()
    with tempfile.TemporaryDirectory(prefix="impacket-suite-") as scratch:
        config = Path(scratch) / "dcetests.cfg"
        config.write_text(CONFIG.format(username=account[0], password=account[1]))
        junit = Path(scratch) / "junit.xml"
        # --audit-log: a DC's Security log is never empty (Windows logs from boot on); smbemu's
        # is served from its audit log, which the suite's own logons fill (test_even reads it).
        with NetnsServer(PROFILE, "--audit-log", str(Path(scratch) / "security.jsonl"),
                         netbios=False, rpc_tcp=True) as server:
            # `env -C`: the suite imports its own `tests` package from the working directory.
            argv = ["env", "-C", str(suite), sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--tb=line", "-rN",
                    f"--rootdir={suite}", f"--remote-config={config}", f"--junitxml={junit}",
                    "-o", "junit_family=xunit1", *(selection or [str(suite / "tests" / "dcerpc")])]
            result = server.run(argv, timeout=SUITE_TIMEOUT)
            log = server.log()
        assert junit.exists(), f"impacket's suite wrote no report:\n{result.stdout[-4000:]}{result.stderr[-4000:]}"
        return SuiteRun(_parse_junit(junit), result.stdout + result.stderr, log)


# ---------------------------------------------------------------------------------- the list
@dataclass
class Group:
    cause: str
    kind: str  # windows | not-emulated | bug
    owner: str
    patterns: list[str]
    message: str = ""  # a regex the failure's message must match (the refusal Windows gives)
    matched: list[str] = field(default_factory=list)


def load_expected(path: Path = EXPECTED) -> tuple[dict[str, Any], list[Group]]:
    data = yaml.safe_load(path.read_text())
    groups = [Group(g["cause"], g["kind"], g.get("owner", ""), list(g["tests"]), g.get("message", ""))
              for g in data["groups"]]
    return data, groups


def listed_group(test_id: str, groups: list[Group]) -> Group | None:
    """The first group with a pattern (fnmatch) matching the test id."""
    for group in groups:
        if any(fnmatch.fnmatchcase(test_id, pattern) for pattern in group.patterns):
            return group
    return None


@dataclass
class Verdict:
    unlisted_failures: list[Outcome]
    listed_but_passed: list[tuple[Outcome, Group]]
    counts: dict[str, collections.Counter[str]]


def judge(run: SuiteRun, groups: list[Group]) -> Verdict:
    counts: dict[str, collections.Counter[str]] = {}
    unlisted, stale = [], []
    for module, outcomes in run.by_module().items():
        counter = counts.setdefault(module, collections.Counter())
        for outcome in outcomes:
            group = listed_group(outcome.test_id, groups)
            if outcome.skipped:
                counter["skipped"] += 1
            elif outcome.passed:
                counter["passed"] += 1
                if group is not None:
                    stale.append((outcome, group))
            elif group is None or (group.message and not re.search(group.message, outcome.message)):
                counter["failed"] += 1
                unlisted.append(outcome)
            else:
                counter[f"listed {group.kind}"] += 1
                group.matched.append(outcome.test_id)
    return Verdict(unlisted, stale, counts)


def triage(run: SuiteRun, groups: list[Group]) -> str:
    verdict = judge(run, groups)
    kinds = ("passed", "failed", "listed bug", "listed not-emulated", "listed excluded", "listed windows", "skipped")
    lines = ["| module | " + " | ".join(kinds) + " |", "|---" * (len(kinds) + 1) + "|"]
    for module, counter in verdict.counts.items():
        lines.append(f"| {module} | " + " | ".join(str(counter[k]) for k in kinds) + " |")
    total: collections.Counter[str] = collections.Counter()
    for counter in verdict.counts.values():
        total.update(counter)
    lines.append("| **total** | " + " | ".join(str(total[k]) for k in kinds) + " |")
    lines += ["", "Listed groups (kind, owner, tests matched, cause):"]
    for group in groups:
        lines.append(f"- [{group.kind}] {group.owner}: {len(group.matched)} -- {group.cause}")
    causes: dict[str, list[str]] = collections.defaultdict(list)
    for outcome in verdict.unlisted_failures:
        causes[re.sub(r"0x[0-9a-f]{6,}", "0x…", outcome.message)[:160]].append(outcome.test_id)
    if causes:
        lines += ["", "Unlisted failures, grouped by message:"]
        for message, ids in sorted(causes.items(), key=lambda item: -len(item[1])):
            lines.append(f"- {len(ids)} x {message}")
            lines += [f"    {test_id}" for test_id in ids]
    if verdict.listed_but_passed:
        lines += ["", "Listed but passed (remove or narrow these entries):"]
        lines += [f"- {outcome.test_id}  ({group.cause})" for outcome, group in verdict.listed_but_passed]
    return "\n".join(lines)


class _IndentedDumper(yaml.SafeDumper):
    """Block sequences indented under their key, as the hand-written lists are."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def prune(run: SuiteRun, path: Path) -> int:
    """Rewrite the list at ``path`` for ``run``: a pattern that now also matches a passing test
    is replaced by the failing tests it still matches, a pattern matching nothing failing is
    dropped, and a group left empty goes.  An NDR64 twin (``...Transport64::``) still failing
    joins its NDR20 twin's group when that one is listed (the NDR64 group's own cause, "refused
    at bind", is gone).  Unlisted failures are not added: they need a cause written by hand.
    Returns the number of patterns removed."""
    text = path.read_text()
    header = text[:text.index("groups:")]
    data, groups = load_expected(path)
    failing = {t: o for t, o in run.outcomes.items() if not o.passed and not o.skipped}
    passing = {t for t, o in run.outcomes.items() if o.passed and not o.skipped}
    owner: dict[str, Group] = {}
    for test_id in failing:
        group = listed_group(test_id, groups)
        twin = test_id.replace("Transport64::", "Transport::")
        if group is not None and "NDR64" in group.cause and twin != test_id:
            group = listed_group(twin, groups) or group
        if group is not None:
            owner[test_id] = group
    removed = 0
    kept_groups = []
    for group in groups:
        mine = sorted(t for t, g in owner.items() if g is group)
        patterns: list[str] = []
        for pattern in group.patterns:
            hits = [t for t in mine if fnmatch.fnmatchcase(t, pattern)]
            stale = any(fnmatch.fnmatchcase(t, pattern) and listed_group(t, groups) is group
                        for t in passing)
            if hits and not stale:
                patterns.append(pattern)
            else:
                removed += 1
                patterns += [t for t in hits if t not in patterns]
        patterns += [t for t in mine if not any(fnmatch.fnmatchcase(t, p) for p in patterns)]
        if patterns:
            entry: dict[str, Any] = {"kind": group.kind, "owner": group.owner or "-", "cause": group.cause}
            if group.message:
                entry["message"] = group.message
            entry["tests"] = patterns
            kept_groups.append(entry)
    body = yaml.dump({"groups": kept_groups}, Dumper=_IndentedDumper, sort_keys=False, width=1000,
                     allow_unicode=True)
    path.write_text(header + body)
    return removed


# ---------------------------------------------------------------------------------- the tests
@pytest.fixture(scope="module")
def suite_run() -> Iterator[SuiteRun]:
    yield run_suite()


def test_the_list_was_made_for_the_installed_impacket() -> None:
    data, groups = load_expected()
    assert data["impacket"] == impacket_version(), (
        f"{EXPECTED.name} lists the outcomes of impacket {data['impacket']}'s suite; impacket "
        f"{impacket_version()} is installed: rerun `python {Path(__file__).name}` and revise the list")
    assert data["profile"] == PROFILE
    for group in groups:
        assert group.kind in ("windows", "excluded", "not-emulated", "bug"), f"{group.cause}: unknown kind {group.kind}"
        assert group.cause and group.patterns, f"every group says why and lists tests: {group}"


def test_the_suite_ran_and_reached_smbemu(suite_run: SuiteRun) -> None:
    # The suite as shipped: 21 modules, ~1,250 tests. A run that collected nothing, or whose tests
    # all failed before reaching the server, must not pass as "everything listed".
    assert len(suite_run.by_module()) >= 20, suite_run.output[-4000:]
    assert len(suite_run.outcomes) >= 1200, suite_run.output[-4000:]
    passed = sum(outcome.passed and not outcome.skipped for outcome in suite_run.outcomes.values())
    assert passed >= 250, suite_run.output[-4000:]
    assert "Traceback" not in suite_run.server_log, suite_run.server_log[-4000:]


def test_every_listed_pattern_names_a_test_of_the_suite(suite_run: SuiteRun) -> None:
    _, groups = load_expected()
    ids = list(suite_run.outcomes)
    unknown = [pattern for group in groups for pattern in group.patterns
               if not any(fnmatch.fnmatchcase(test_id, pattern) for test_id in ids)]
    assert not unknown, f"patterns in {EXPECTED.name} that match no test of the suite: {unknown}"


MODULES = ["test_bkrp", "test_dcomrt", "test_dhcpm", "test_drsuapi", "test_epm", "test_even", "test_even6",
           "test_fasp", "test_lsad", "test_lsat", "test_mgmt", "test_mimilib", "test_nrpc", "test_par",
           "test_rprn", "test_rrp", "test_samr", "test_scmr", "test_srvs", "test_tsch", "test_wkst"]


def check_module(run: SuiteRun, module: str, expected: Path) -> None:
    _, groups = load_expected(expected)
    outcomes = run.by_module().get(f"{module}.py")
    assert outcomes, f"impacket's {module}.py did not run: {run.output[-4000:]}"
    verdict = judge(SuiteRun({o.test_id: o for o in outcomes}, "", ""), groups)
    problems = [f"{o.test_id}: {o.message}" for o in verdict.unlisted_failures]
    problems += [f"{o.test_id} passes now: remove it from '{g.cause}' in {expected.name}"
                 for o, g in verdict.listed_but_passed]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("module", MODULES)
def test_every_test_passes_except_the_listed_ones(suite_run: SuiteRun, module: str) -> None:
    check_module(suite_run, module, EXPECTED)


@pytest.fixture(scope="module")
def user_run() -> Iterator[SuiteRun]:
    yield run_suite([f"tests/dcerpc/{module}.py" for module in USER_MODULES], USER)


def test_the_user_list_was_made_for_the_installed_impacket() -> None:
    data, groups = load_expected(EXPECTED_USER)
    assert data["impacket"] == impacket_version() and data["profile"] == PROFILE
    assert data["account"] == USER[0]
    assert all(group.kind in ("windows", "excluded", "not-emulated", "bug") and group.cause for group in groups)


@pytest.mark.parametrize("module", USER_MODULES)
def test_as_a_user_every_test_passes_or_gets_the_refusal_windows_gives(user_run: SuiteRun, module: str) -> None:
    passed = sum(o.passed and not o.skipped for o in user_run.outcomes.values())
    assert passed >= 30, user_run.output[-4000:]  # the read-only tests a user may run do pass
    check_module(user_run, module, EXPECTED_USER)


if __name__ == "__main__":
    if sys.argv[1:] == ["--fetch"]:  # scripts/test.sh: only fetch and unpack the sdist
        print(impacket_tests())
        sys.exit(0)
    arguments = sys.argv[1:]
    pruning = "--prune" in arguments  # rewrite the list for this run (see prune)
    arguments = [a for a in arguments if a != "--prune"]
    as_user = arguments[:1] == ["--user"]
    if pruning and arguments[1 if as_user else 0:]:
        sys.exit("--prune needs the run of the whole suite (no pytest arguments)")  # the normal-user run of USER_MODULES
    if as_user:
        arguments = arguments[1:] or [f"tests/dcerpc/{module}.py" for module in USER_MODULES]
    _, expected_groups = load_expected(EXPECTED_USER if as_user else EXPECTED)
    completed = run_suite(arguments or None, USER if as_user else ADMINISTRATOR)
    print(triage(completed, expected_groups))
    if pruning:
        print(f"pruned {prune(completed, EXPECTED_USER if as_user else EXPECTED)} patterns")
    if os.environ.get("SMBEMU_SUITE_LOG"):
        Path(os.environ["SMBEMU_SUITE_LOG"]).write_text(completed.server_log + "\n=====\n" + completed.output)
