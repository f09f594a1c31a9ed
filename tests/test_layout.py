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
  ``smbemu.errors`` and ``smbemu.policy`` (the policy is the one place that reads profile
  knobs, DESIGN.md "Policy is one place"; handlers reach it with ``policy_for(ctx.server)``);
  a module of an interface sub-package imports its own package, relatively, and no other
  interface (files must also load by path, ``--pipes-dir``, under another package name);
  only ``smbemu.cli`` imports ``smbemu.server``;
* no ``async def`` / ``await`` under ``smbemu/smb2``, ``smbemu/rpc``, ``smbemu/auth``,
  ``pipes`` (the per-request path is synchronous: DESIGN.md "Sans-I/O core").
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
HANDLER_CORE_IMPORTS = ("smbemu.rpc", "smbemu.errors", "smbemu.policy")
SYNC_ONLY = (SMBEMU / "smb2", SMBEMU / "rpc", SMBEMU / "auth", PIPES)


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
BUILTIN_FILES = ("wkssvc", "dssetup")
BUILTIN_PACKAGES = ("srvsvc", "lsarpc", "samr", "netlogon")


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


def test_handlers_import_only_the_rpc_runtime_errors_and_policy() -> None:
    bad = []
    for path in _py_files(PIPES):
        parts = path.relative_to(PIPES).parts
        # pipes/samr/server.py may import pipes.samr.* (written ``from .types import ...``,
        # resolved by _imports from the file's path); pipes/wkssvc.py no handler module at all
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
    assert files >= {"srvsvc/__init__.py", "srvsvc/shares.py", "samr/users.py", "wkssvc.py"}
    names = {name for _, name in _imports(PIPES / "srvsvc" / "shares.py")}
    assert "smbemu.rpc.CallContext" in names and "smbemu.rpc.ndr" in names
    assert "pipes.srvsvc.objects.INTERFACE" in names  # a relative import, resolved
    assert len(_py_files(SMBEMU)) > 20
