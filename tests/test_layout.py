"""The package layout and the import direction hold (DESIGN.md "Layout", style-anchors §8, §9).

* ``pipes/`` is installed as ``smbemu_pipes`` (setuptools package-dir) and has **no**
  ``__init__.py``, so the standard library's ``pipes`` module (3.11/3.12) is never shadowed,
  whatever the working directory or the pytest import mode (§9, mechanism E2);
* handlers are found through the ``smbemu.pipes`` entry points, which resolve to Interfaces;
  a big interface is a sub-package of ``pipes/`` (``pipes/samr/__init__.py`` exports
  ``INTERFACE``, its modules split the interface by sub-area);
* every package under ``smbemu/``, and every interface sub-package of ``pipes/``, is in
  pyproject's explicit ``packages`` list (package discovery cannot express the ``pipes`` ->
  ``smbemu_pipes`` rename, so the list is written by hand and must not forget a new
  sub-package: an editable install would still work, a wheel would miss it);
* imports flow one way (walked with ``ast``): nothing under ``smbemu/`` imports a handler
  module (``smbemu_pipes``); handler files import from the core only ``smbemu.rpc*``,
  ``smbemu.errors``, ``smbemu.policy`` and the protocol-neutral leaf modules
  (``smbemu.status``, ``smbemu.filetime``, ``smbemu.sid``, ``smbemu.principal``,
  ``smbemu.pipe_names``) -- from the policy only its vocabulary (object
  types, access masks, ``Rule``/``Require``): its decisions are reached through the one
  enforcement point, ``ctx.decide / grant / require / deny`` (issue 11);
  a module of an interface sub-package imports its own package, relatively, and no other
  interface (files must also load by path, ``--pipes-dir``, under another package name);
  only ``smbemu.cli`` imports ``smbemu.server``;
* no ``async def`` / ``await`` under ``smbemu/smb2``, ``smbemu/rpc``, ``smbemu/auth``,
  ``pipes`` (the per-request path is synchronous: DESIGN.md "Sans-I/O core");
* the seams (issue 11): no import circle between the modules of ``smbemu/`` and ``pipes/``
  (imports made only for type checking count too); SMB2 commands see their connection through
  ``smbemu.smb2.context.ConnectionView``; nothing on the protocol path imports the audit log
  (it observes ``smbemu.events``); the RPC runtime does not import ``smbemu.logon``; profiles
  and policy do not import ``smbemu.smb2``; status codes, pipe names, FILETIME, SIDs,
  dialects, events and the Principal live in leaf modules; the DFS referral (MS-DFSC) is one
  module both dialects import (``smbemu.dfs_referral``); every policy rule names an
  operation some interface declares; one config builder; no module over 600 lines.
"""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import importlib.metadata
import importlib.util
import sys
import sysconfig
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from smbemu.rpc.interface import Interface

ROOT = Path(__file__).resolve().parent.parent
SMBEMU = ROOT / "smbemu"
PIPES = ROOT / "pipes"

#: What a handler file may import from the core (prefix match on the module name).
#: What a handler file may import from the core: the RPC runtime, the errors, the policy's vocabulary,
#: and the protocol-neutral leaf modules (status codes, FILETIME, SIDs, the Principal, pipe names).
HANDLER_CORE_IMPORTS = (
    "smbemu.rpc",
    "smbemu.errors",
    "smbemu.policy",
    "smbemu.status",
    "smbemu.filetime",
    "smbemu.sid",
    "smbemu.principal",
    "smbemu.pipe_names",
    "smbemu.events",  # a vocabulary leaf (VOCABULARY_LEAVES): SAMR reports its changes (issue 16)
    "smbemu.service_catalog",  # a data leaf: svcctl, winreg and the NetBIOS names read the services
    "smbemu.security_descriptor",  # MS-DTYP self-relative descriptors (winreg keys, the SCM)
)
SYNC_ONLY = (SMBEMU / "smb2", SMBEMU / "smb1", SMBEMU / "rpc", SMBEMU / "auth", PIPES)


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in a file (relative ones resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            yield node.lineno, module
            for alias in node.names:  # "from smbemu import policy" imports smbemu.policy
                yield node.lineno, f"{module}.{alias.name}"


def _py_files(*roots: Path) -> list[Path]:
    return sorted(p for root in roots for p in root.rglob("*.py"))


# ------------------------------------------------------------------ the pipes name clash


def test_stdlib_pipes_is_not_shadowed(tmp_path: Path) -> None:
    """Our ``pipes/`` folder never hides a real ``pipes`` module.

    The folder has no ``__init__.py``, so where it is on ``sys.path`` (a checkout as the working
    directory: ``python -m pytest`` puts it first) it can only be a *namespace* portion, and the
    import system takes a regular module from any ``sys.path`` entry over a namespace portion.
    That is the invariant, and it holds on every version:

    * a ``pipes.py`` placed after the checkout on the search path is what ``pipes`` resolves to
      (on 3.11/3.12 that module is the standard library's; on 3.13+, where the standard library
      no longer has one, it is e.g. the ``standard-pipes`` backport a user may install);
    * on 3.11/3.12, ``pipes`` resolves to the standard library here, whatever the working directory;
    * on 3.13+ without such a module, ``pipes`` may resolve only to a namespace made of this
      checkout's folders (``pipes/``, and ``tests/pipes/`` while the suite runs, both on the path
      then; there is nothing to shadow): never to a regular package, and never from an installed
      smbemu, which ships the handlers as ``smbemu_pipes`` (see the packaging tests below).
    """
    (tmp_path / "pipes.py").write_text("", encoding="utf-8")
    after_checkout = importlib.machinery.PathFinder.find_spec("pipes", [str(ROOT), str(tmp_path)])
    assert after_checkout is not None and after_checkout.origin == str(tmp_path / "pipes.py"), after_checkout

    spec = importlib.util.find_spec("pipes")
    if sys.version_info < (3, 13):
        assert spec is not None and spec.origin is not None, "pipes resolves to a namespace package: pipes/ shadows it"
        stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
        assert Path(spec.origin).resolve().is_relative_to(stdlib), spec.origin
    elif spec is not None and spec.origin is None:  # 3.13+, run from a checkout: our folders only
        locations = [Path(p).resolve() for p in spec.submodule_search_locations or ()]
        assert locations and all(p.is_relative_to(ROOT) for p in locations), locations


def test_pipes_folder_has_no_init() -> None:
    assert PIPES.is_dir()
    assert not (PIPES / "__init__.py").exists(), "pipes/__init__.py would shadow stdlib pipes"


#: The built-in interfaces: single files, and the big ones split into sub-packages.
BUILTIN_FILES = ("dssetup",)
BUILTIN_PACKAGES = ("srvsvc", "wkssvc", "lsarpc", "samr", "netlogon")


def test_entry_points_resolve_to_interfaces() -> None:
    eps = {ep.name: ep for ep in importlib.metadata.entry_points(group="smbemu.pipes")}
    builtins = (*BUILTIN_FILES, *BUILTIN_PACKAGES)
    assert set(builtins) <= set(eps), "reinstall: .venv/bin/pip install -e ."
    for name in builtins:
        ep = eps[name]
        assert ep.value == f"smbemu_pipes.{name}:INTERFACE"
        iface = ep.load()
        assert isinstance(iface, Interface) and iface.name == name
        module = importlib.import_module(f"smbemu_pipes.{name}")
        source = PIPES / f"{name}.py" if name in BUILTIN_FILES else PIPES / name / "__init__.py"
        assert Path(module.__file__ or "").resolve() == source.resolve()


def test_every_package_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    packages = {".".join(p.parent.relative_to(ROOT).parts) for p in SMBEMU.rglob("__init__.py")}
    missing = sorted(packages - listed)
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"
    assert setuptools["package-dir"]["smbemu_pipes"] == "pipes"
    assert "smbemu_pipes" in listed
    interfaces = {f"smbemu_pipes.{p.parent.name}" for p in PIPES.glob("*/__init__.py")}
    missing = sorted(interfaces - listed)
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"


# ------------------------------------------------------------------ import direction


def test_core_never_imports_handler_modules() -> None:
    bad = [f"{p.relative_to(ROOT)}:{line} imports {name}"
           for p in _py_files(SMBEMU) for line, name in _imports(p)
           if name == "smbemu_pipes" or name.startswith("smbemu_pipes.")]
    assert not bad, "the core finds handlers through entry points only: " + "; ".join(bad)


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_handlers_import_only_the_rpc_runtime_errors_policy_and_leaf_modules() -> None:
    """A handler file imports from the core only HANDLER_CORE_IMPORTS: the RPC runtime, the errors,
    the policy (its vocabulary) and the protocol-neutral leaf modules, each name from its one home."""
    bad = []
    for path in _py_files(PIPES):
        parts = path.relative_to(PIPES).parts
        # pipes/samr/server.py may import pipes.samr.* (written ``from .types import ...``,
        # resolved by _imports from the file's path); pipes/dssetup.py no handler module at all
        own = f"pipes.{parts[0]}" if len(parts) > 1 else None
        for line, name in _imports(path):
            if _within(name, "smbemu") and not any(_within(name, allowed)
                                                   for allowed in HANDLER_CORE_IMPORTS):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
            if _within(name, "smbemu_pipes") or (
                    _within(name, "pipes") and not (own and _within(name, own))):
                # a handler module must also load by path (--pipes-dir), under another package
                # name: it reaches its own sub-package relatively, never another interface
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not bad, "; ".join(bad)


def test_only_the_cli_imports_the_server() -> None:
    # The two front doors: the command line, and the test-fixture API (smbemu.serve, the pytest plugin).
    bad = [f"{p.relative_to(ROOT)}:{line}" for p in _py_files(SMBEMU)
           for line, name in _imports(p)
           if name in ("smbemu.server", "smbemu.server.SmbServer") and p.name not in ("cli.py", "testing.py")]
    assert not bad, "; ".join(bad)


@pytest.mark.parametrize("root", SYNC_ONLY, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_async_on_the_request_path(root: Path) -> None:
    bad = []
    for path in _py_files(root):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, (ast.AsyncFunctionDef, ast.Await, ast.AsyncFor, ast.AsyncWith)):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bad, "no await under smb2/, rpc/, auth/, pipes/: " + "; ".join(bad)


def test_the_checks_see_the_files() -> None:
    """Guard the guards: the walks above really cover the handler files and the core."""
    files = {p.relative_to(PIPES).as_posix() for p in _py_files(PIPES)}
    assert files >= {"srvsvc/__init__.py", "srvsvc/shares.py", "samr/users.py", "wkssvc/__init__.py"}
    names = {name for _, name in _imports(PIPES / "srvsvc" / "shares.py")}
    assert "smbemu.rpc.CallContext" in names and "smbemu.rpc.ndr" in names
    assert "pipes.srvsvc.objects.INTERFACE" in names  # a relative import, resolved
    assert len(_py_files(SMBEMU)) > 20


# ------------------------------------------------------------------ no import circle (issue 11)


def _runtime_imports(path: Path) -> Iterator[tuple[int, str]]:
    """`_imports` without those under ``if TYPE_CHECKING:`` (never executed)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and (
            (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
            or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")
        ):
            typing_only.update(inner.lineno for stmt in node.body for inner in ast.walk(stmt)
                               if isinstance(inner, (ast.Import, ast.ImportFrom)))
    return ((line, name) for line, name in _imports(path) if line not in typing_only)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[0] == "pipes":  # installed as smbemu_pipes (package-dir)
        parts[0] = "smbemu_pipes"
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _import_graph() -> dict[str, dict[str, int]]:
    """module -> {imported module of this tree: first line}. Every import counts, those made only
    for type checking too: a circle of annotations is still two modules that cannot be read (or
    split, or replaced) one without the other. A package's own modules importing names from the
    package's ``__init__`` (its public face) are not edges."""
    files = {_module_name(p): p for p in _py_files(SMBEMU, PIPES)}
    graph: dict[str, dict[str, int]] = {}
    for module, path in files.items():
        edges = graph.setdefault(module, {})
        for line, name in _imports(path):
            # "from smbemu.smb2 import close" yields smbemu.smb2 and smbemu.smb2.close: keep the
            # most precise name that is a module of the tree.
            if name in files and name != module and not module.startswith(name + "."):
                edges.setdefault(name, line)
    for edges in graph.values():  # drop a package when one of its modules was named
        for name in [n for n in edges if any(o.startswith(n + ".") for o in edges)]:
            del edges[name]
    return graph


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle() -> None:
    """Imports between the modules of smbemu/ and pipes/ form no circle."""
    graph = _import_graph()
    problems = []
    for cycle in _cycles(graph):
        members = set(cycle)
        ties = [f"{a} -> {b} (line {line})" for a in cycle for b, line in graph[a].items() if b in members]
        problems.append(" <-> ".join(cycle) + ": " + "; ".join(ties))
    assert not problems, "import circles: " + " | ".join(problems)


def test_the_circle_check_sees_circles() -> None:
    """Guard the guard: a two-module circle and a three-module circle are found, a chain is not."""
    assert _cycles({"a": {"b": 1}, "b": {"a": 1}, "c": {"a": 1}}) == [["a", "b"]]
    assert _cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {}}) == []
    graph = _import_graph()
    assert "smbemu.smb2.dispatch" in graph["smbemu.smb2.engine"]
    assert "smbemu.smb2.close" in graph["smbemu.smb2.dispatch"]


def test_smb2_commands_import_the_connection_only_for_typing() -> None:
    """Commands see their connection through smbemu.smb2.context.ConnectionView; they import
    neither the connection module, the core nor the engine that calls them."""
    engine_side = ("smbemu.connection", "smbemu.core", "smbemu.smb2.engine")
    bad = [f"{p.relative_to(ROOT)}:{line} imports {name}"
           for p in _py_files(SMBEMU / "smb2") if p.name != "engine.py"
           for line, name in _imports(p)
           if any(name == banned or name.startswith(banned + ".") for banned in engine_side)]
    assert not bad, "; ".join(bad)


def test_smb1_commands_import_the_connection_only_for_typing() -> None:
    """SMB1 commands see their connection through smbemu.smb1.context.Smb1View, and neither
    dialect family imports the other: the connection (smbemu.connection) chooses between them."""
    engine_side = ("smbemu.connection", "smbemu.core", "smbemu.smb1.engine")
    bad = [f"{p.relative_to(ROOT)}:{line} imports {name}"
           for p in _py_files(SMBEMU / "smb1")
           for line, name in _imports(p)
           if (p.name != "engine.py" and any(name == banned or name.startswith(banned + ".") for banned in engine_side))
           or name == "smbemu.smb2" or name.startswith("smbemu.smb2.")]
    bad += [f"{p.relative_to(ROOT)}:{line} imports {name}"
            for p in _py_files(SMBEMU / "smb2") for line, name in _imports(p)
            if name == "smbemu.smb1" or name.startswith("smbemu.smb1.")]
    assert not bad, "; ".join(bad)


def test_smb1_messages_are_declared_once_in_layouts() -> None:
    """SMB1 frames are read and built through smbemu.smb1.layouts (construct declarations and
    the header's struct codec): no struct or construct elsewhere in smbemu/smb1."""
    smb1 = SMBEMU / "smb1"
    files = sorted(smb1.rglob("*.py"))
    assert len(files) >= 8
    for path in files:
        if "layouts" in path.relative_to(smb1).parts:
            continue
        imported = _imported_modules(path)
        assert "struct" not in imported, f"{path.relative_to(ROOT)}: declare the layout in smbemu.smb1.layouts"
        assert "construct" not in imported, f"{path.relative_to(ROOT)}: construct belongs in smbemu.smb1.layouts"


def test_dfs_referrals_are_one_module_for_both_dialects() -> None:
    """MS-DFSC 2.1: SMB1's TRANS2_GET_DFS_REFERRAL and SMB2's FSCTL_DFS_GET_REFERRALS carry the same
    REQ/RESP_GET_DFS_REFERRAL. Its layouts and answers live in smbemu.dfs_referral, which both
    dialects import and which imports neither; no module under smb1/ or smb2/ declares a Dfs* layout."""
    shared = SMBEMU / "dfs_referral.py"
    importers = {p.relative_to(SMBEMU).as_posix() for p in _py_files(SMBEMU / "smb1", SMBEMU / "smb2")
                 if any(name == "smbemu.dfs_referral" for _, name in _imports(p))}
    assert {"smb1/trans2.py", "smb2/ioctl.py"} <= importers, importers
    assert not [name for _, name in _imports(shared)
                if name.split(".")[:2] in (["smbemu", "smb1"], ["smbemu", "smb2"])], "dfs_referral imports a dialect"
    declared = [f"{p.relative_to(ROOT)}:{node.lineno} {target.id}"
                for p in _py_files(SMBEMU / "smb1", SMBEMU / "smb2")
                for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
                if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name) and target.id.startswith("Dfs")]
    assert not declared, "declare DFS layouts in smbemu.dfs_referral: " + "; ".join(declared)


def test_one_config_builder() -> None:
    """The CLI, --hosts and the test fixture build a ServerConfig only through smbemu.builder."""
    for name in ("cli.py", "hosts.py", "testing.py"):
        imported = {module for _, module in _imports(SMBEMU / name)}
        assert any(m.startswith("smbemu.builder") for m in imported), name
        assert not imported & {"smbemu.profiles.load_profile", "smbemu.directory.load_fixture",
                               "smbemu.rpc_binding.load_pipes"}, name
    assert not any(m == "smbemu.cli" or m.startswith("smbemu.cli.") for _, m in _imports(SMBEMU / "hosts.py"))

# ------------------------------------------------------------------ audit is an observer


#: The protocol path: the framing core, the connection, the SMB commands, logon, the IPC layer and
#: the RPC runtime emit `smbemu.events` through `ServerConfig.observers` and never name an observer
#: (DESIGN.md "Audit is an observer").
PROTOCOL_PATH = (SMBEMU / "smb2", SMBEMU / "smb1", SMBEMU / "rpc", SMBEMU / "connection.py", SMBEMU / "logon.py",
                 SMBEMU / "ipc.py", SMBEMU / "events.py")


def _protocol_path_files() -> list[Path]:
    files: list[Path] = []
    for root in PROTOCOL_PATH:
        files.extend([root] if root.suffix == ".py" else root.rglob("*.py"))
    return sorted(files)


def test_the_protocol_path_never_imports_the_audit_log() -> None:
    bad = [f"{p.relative_to(ROOT)}:{line} imports {name}"
           for p in _protocol_path_files() for line, name in _imports(p)
           if name == "smbemu.audit" or name.startswith("smbemu.audit.")]
    assert not bad, "emit an smbemu.events event through config.observers instead: " + "; ".join(bad)


def test_the_rpc_runtime_never_imports_logon() -> None:
    bad = [f"{p.relative_to(ROOT)}:{line} imports {name}"
           for p in _py_files(SMBEMU / "rpc") for line, name in _imports(p)
           if name == "smbemu.logon" or name.startswith("smbemu.logon.")]
    assert not bad, ("DCE/RPC authentication gets its logons from the IPC layer "
                     "(smbemu.rpc.auth_ntlm.RpcLogons): " + "; ".join(bad))


# ------------------------------------------------------------------ profiles and policy are data


def test_profiles_and_policy_do_not_import_smb2() -> None:
    files = [*_py_files(SMBEMU / "profiles"), *_py_files(SMBEMU / "policy"), SMBEMU / "dialects.py"]
    assert len(files) > 5
    bad = [f"{p.relative_to(ROOT)}:{line} imports {name}" for p in files for line, name in _imports(p)
           if any(name == family or name.startswith(family + ".") for family in ("smbemu.smb2", "smbemu.smb1"))]
    assert not bad, "name dialects through smbemu.dialects: " + "; ".join(bad)


def test_the_directory_knows_no_profile_or_policy() -> None:
    """The house's "never Directory -> Policy": the fixture model imports no profile, policy,
    server configuration or builder, not even for typing (what works on a whole configuration,
    like ``--state`` and ``fixture export``, is smbemu/directory_state.py's)."""
    files = _py_files(SMBEMU / "directory")
    assert len(files) > 5
    banned = ("smbemu.profiles", "smbemu.policy", "smbemu.config", "smbemu.builder")
    bad = [f"{p.relative_to(ROOT)}:{line} imports {name}" for p in files for line, name in _imports(p)
           if any(name == family or name.startswith(family + ".") for family in banned)]
    assert not bad, "the fixture model knows no policy: " + "; ".join(bad)


VOCABULARY_LEAVES = ("status.py", "pipe_names.py", "filetime.py", "sid.py", "dialects.py", "events.py",
                     "service_catalog.py")


def test_vocabulary_modules_are_leaves() -> None:
    """Status codes, pipe names, FILETIME, SIDs, dialects, events and the services catalog import nothing from smbemu at
    run time, so both dialect families, the RPC runtime and the handlers use them without a circle."""
    bad = [f"{name}:{line} imports {module}" for name in VOCABULARY_LEAVES
           for line, module in _runtime_imports(SMBEMU / name)
           if module == "smbemu" or module.startswith("smbemu.")]
    assert not bad, "; ".join(bad)


# ------------------------------------------------------------------ one enforcement point


#: What a pipe module may take from smbemu.policy: vocabulary (object types, access masks, the
#: Rule / Require a plugin declares with), never the engine (issue 11: one enforcement point).
POLICY_ENGINE_NAMES = frozenset({"policy_for", "Policy", "principal_kind", "first_refusal", "Step"})
POLICY_ENGINE_MODULES = ("smbemu.policy.engine", "smbemu.policy.matrix")
#: Policy methods a handler must not call: it asks ctx.decide / grant / require / deny instead.
POLICY_METHODS = frozenset({"decide", "decide_rule", "held_rights", "lsa_granted", "token",
                            "tree_connect", "pipe_open", "session_setup", "share_enum_level",
                            "admin_only"})


def test_pipes_reach_the_policy_only_through_the_call_context() -> None:
    bad = []
    for path in _py_files(PIPES):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("smbemu.policy"):
                if node.module in POLICY_ENGINE_MODULES:
                    bad.append(f"{where}:{node.lineno} imports {node.module}")
                bad += [f"{where}:{node.lineno} imports {alias.name} from {node.module}"
                        for alias in node.names if alias.name in POLICY_ENGINE_NAMES]
            elif isinstance(node, ast.Import):
                bad += [f"{where}:{node.lineno} imports {alias.name}" for alias in node.names
                        if alias.name == "smbemu.policy" or alias.name in POLICY_ENGINE_MODULES]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in POLICY_METHODS:
                receiver = node.func.value
                if not (isinstance(receiver, ast.Name) and receiver.id == "ctx"):
                    bad.append(f"{where}:{node.lineno} calls .{node.func.attr}() on "
                               f"{ast.unparse(receiver)}, not on the call context")
    assert not bad, "a pipe asks ctx.decide / grant / require / deny, never the policy: " + "; ".join(bad)


def test_every_rule_names_an_operation_some_interface_declares() -> None:
    from smbemu.policy import INTERFACE_CHECKS, RULES
    from smbemu.rpc.ndr import Operation
    from smbemu.rpc.registry import Registry

    registry = Registry.load()  # also refuses an interface whose own rules name an unknown operation
    declared = {(iface.name, op.name) for iface in registry for op in iface.operations.values()
                if isinstance(op, Operation)}
    # the interfaces a DCOM object exporter serves beside its resolver (pipes/dcom, no pipe)
    declared |= {(objects.name, op.name) for iface in registry for objects in getattr(iface, "object_interfaces", ())
                 for op in objects.operations.values() if isinstance(op, Operation)}
    unknown = sorted(f"{i} {o}" for (i, o) in RULES if (i, o) not in declared)
    assert not unknown, f"RULES rows no interface declares: {unknown}"
    assert set(INTERFACE_CHECKS) <= {iface.name for iface in registry}
    for iface in registry:
        assert {(iface.name, name) for name in iface.rules} <= declared


# ------------------------------------------------------------------ modules stay small


MAX_MODULE_LINES = 600


def test_modules_stay_small() -> None:
    """Split a module along its seams before it passes ~600 lines (issue 11 item 6)."""
    big = [f"{p.relative_to(ROOT)} ({n} lines)" for p in _py_files(SMBEMU, PIPES)
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]
    assert not big, "split along the seams: " + "; ".join(big)


def test_one_principal_type_in_a_leaf_module() -> None:
    """One Principal type, in a module importing nothing of smbemu (so the SMB layer, the RPC
    runtime, the policy and the audit observer all use it without a circle)."""
    homes = sorted({str(p.relative_to(ROOT)) for p in _py_files(SMBEMU, PIPES)
                    for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"), str(p)))
                    if isinstance(node, ast.ClassDef) and node.name.endswith("Principal")})
    assert homes == ["smbemu/principal.py"], homes
    leaf = SMBEMU / "principal.py"
    assert not [name for _, name in _imports(leaf) if name == "smbemu" or name.startswith("smbemu.")]


# ------------------------------------------------------------------ message layouts declared once


#: Where `struct` may lay out SMB2 bytes: the 64-byte header's codec (hot path, DESIGN.md
#: performance notes), the fast codecs beside their declarations (READ, WRITE, IOCTL, in
#: layouts/files.py), and `Body`, which interprets runs of declared fields (layouts/base.py).
STRUCT_ALLOWED = tuple(
    SMBEMU / "smb2" / name for name in ("header.py", "layouts/files.py", "layouts/base.py")
)
#: Commands that read no body and send none of their own: CANCEL is never answered
#: (MS-SMB2 3.3.5.16); the unsupported commands are answered with the connection's ERROR body.
NO_BODY_OF_THEIR_OWN = ("smbemu.smb2.cancel", "smbemu.smb2.unsupported")


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_smb2_bodies_are_declared_once_in_layouts() -> None:
    """Every SMB2 command module parses and builds its body through smbemu.smb2.layouts
    (construct declarations); no struct layouts of bodies elsewhere, and no construct
    declarations outside the layouts package."""
    from smbemu.smb2.dispatch import COMMANDS

    smb2 = SMBEMU / "smb2"
    for path in sorted(smb2.rglob("*.py")):
        imported = _imported_modules(path)
        if path not in STRUCT_ALLOWED:
            assert "struct" not in imported, f"{path.relative_to(ROOT)}: declare the body in smbemu.smb2.layouts"
        if "layouts" not in path.relative_to(smb2).parts:
            assert "construct" not in imported, f"{path.relative_to(ROOT)}: construct belongs in smbemu.smb2.layouts"
    for module in sorted({spec.handler.__module__ for spec in COMMANDS.values()} - set(NO_BODY_OF_THEIR_OWN)):
        path = ROOT / (module.replace(".", "/") + ".py")
        uses = {name for name in _imported_modules(path) if name.startswith("smbemu.smb2.layouts")}
        assert uses, f"{module}: parse / build the body through smbemu.smb2.layouts"
