"""Interface declaration checks, the registry, entry points and --pipes-dir loading."""

from __future__ import annotations

import ast
import enum
import importlib.metadata
import sys
import textwrap
import types
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import smbemu.rpc
from smbemu.errors import ConfigError, RpcFault
from smbemu.pipe_names import normalize_pipe_name
from smbemu.principal import ANONYMOUS, Principal, PrincipalKind, as_principal
from smbemu.rpc import ndr
from smbemu.rpc.interface import (
    CallContext,
    HandleTable,
    Interface,
    InterfaceError,
    make_context_factory,
    not_implemented,
)
from smbemu.rpc.mgmt import MGMT
from smbemu.rpc.ndr import Operation
from smbemu.rpc.registry import EXT_PACKAGE, Registry, load_pipes_dir

H = types.SimpleNamespace


def handler(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return {}


def iface(name: str = "x", uuid_str: str = "01234567-0123-0123-0123-0123456789ab",
          **kw: Any) -> Interface:
    return Interface(name=name, uuid=uuid_str, version=(1, 0), pipes=("xpipe",), **kw)


# ------------------------------------------------------------------ declarations

def test_dict_style_declaration() -> None:
    i = iface(operations={0: Operation(0, "A"), 1: not_implemented(), 2: Operation(2, "C")},
              handlers={0: handler, 2: handler})
    i.validate()
    assert len(i.dispatch) == 3


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"uuid": "not-a-uuid"}, "is not a UUID"),
    ({"version": (1,)}, "version"),
    ({"version": (70000, 0)}, "version"),
    ({"pipes": "srvsvc"}, "tuple of names"),
    ({"pipes": ("a b",)}, "is not a pipe name"),
])
def test_bad_declarations(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"name": "x", "uuid": "01234567-0123-0123-0123-0123456789ab",
                            "version": (1, 0), "pipes": ("p",)}
    args.update(kwargs)
    with pytest.raises(InterfaceError, match=message):
        Interface(**args)


@pytest.mark.parametrize(("operations", "handlers", "count", "message"), [
    ({0: Operation(0, "A"), 2: Operation(2, "C")}, {0: handler, 2: handler}, None,
     "opnums 1 are not declared"),
    ({0: Operation(0, "A")}, {}, None, "has no handler"),
    ({0: Operation(1, "A")}, {0: handler}, None, "declared with opnum 1"),
    ({0: not_implemented()}, {0: handler}, None, "not_implemented but has a handler"),
    ({0: Operation(0, "A")}, {0: handler, 3: handler}, None, "undeclared opnums"),
    ({0: Operation(0, "A")}, {0: handler}, 3, "opnums 1, 2 are not declared"),
    ({0: Operation(0, "A")}, {0: lambda ctx: {}}, None, "must accept"),
    ({0: Operation(0, "A")}, {0: 42}, None, "not callable"),
])
def test_validation(operations: Any, handlers: Any, count: int | None, message: str) -> None:
    i = iface(operations=operations, handlers=handlers, opnum_count=count)
    with pytest.raises(InterfaceError, match=message):
        i.validate()


def test_decorator_declaration_and_duplicates() -> None:
    i = iface()

    @i.operation(0, request=[("A", ndr.uint32)])
    def First(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
        return {}

    op = i.operations[0]
    assert isinstance(op, Operation) and op.name == "First"
    with pytest.raises(InterfaceError, match="declared twice"):
        i.not_implemented(0)


def test_pipe_name_normalisation() -> None:
    assert normalize_pipe_name("\\PIPE\\SRVSVC") == "srvsvc"
    assert normalize_pipe_name("\\pipe\\lsarpc") == "lsarpc"
    assert normalize_pipe_name("samr") == "samr"
    assert normalize_pipe_name("/pipe/Netlogon") == "netlogon"


# ------------------------------------------------------------------ registry

def test_registry_maps(h: H) -> None:
    toy, toy2 = h.make_toy_interfaces()
    toy.secondary_address = "\\PIPE\\lsass"
    reg = Registry([toy, toy2])
    assert reg.pipe_names() == {"toy", "other"}
    assert reg.interfaces_for_pipe("\\PIPE\\TOY") == (toy, toy2, MGMT)
    assert reg.interfaces_for_pipe("other") == (toy2, MGMT)
    assert reg.interfaces_for_pipe("nope") == ()
    assert reg.has_pipe("\\pipe\\Other") and not reg.has_pipe("nope")
    assert reg.lookup(h.TOY_UUID, (1, 0)) is toy
    assert reg.lookup(uuid.UUID(h.TOY2_UUID), (2, 1)) is toy2
    assert reg.lookup(h.TOY_UUID, (1, 1)) is None
    assert "toy" in reg and reg.interface("TOY2") is toy2
    info = reg.pipe("toy")
    assert info is not None and info.secondary_address == "\\PIPE\\lsass"
    other = reg.pipe("other")
    assert other is not None and other.secondary_address == "\\PIPE\\other"


def test_registry_rejects_duplicates_and_names_the_source(h: H) -> None:
    toy, toy2 = h.make_toy_interfaces()
    reg = Registry([toy])
    again, _ = h.make_toy_interfaces()
    with pytest.raises(ConfigError, match=r"plugin\.py: toy: .*already registered"):
        reg.add(again, "plugin.py")
    same_syntax = Interface(name="copy", uuid=h.TOY_UUID, version=(1, 0), pipes=("p",))
    same_syntax.validate()
    with pytest.raises(ConfigError, match="already registered as 'toy'"):
        reg.add(same_syntax, "other.py")
    with pytest.raises(ConfigError, match="mgmt is provided by the RPC runtime"):
        reg.add(Interface(name="mgmt2", uuid=str(MGMT.uuid), version=(1, 0), pipes=("p",)))
    with pytest.raises(ConfigError, match="declares no pipe"):
        reg.add(Interface(name="nopipe", uuid=str(uuid.uuid4()), version=(1, 0)))
    broken = iface(operations={1: Operation(1, "B")}, handlers={1: handler})
    with pytest.raises(ConfigError, match="bad.py: x: .*opnums 0 are not declared"):
        reg.add(broken, "bad.py")


def test_blocked_interfaces(h: H) -> None:
    reg = Registry(h.make_toy_interfaces(), blocked=["TOY2"])
    assert reg.pipe_names() == {"toy"}


PLUGIN = '''
from typing import Any
from smbemu.rpc import CallContext, Interface, ndr

INTERFACE = Interface(name="plug", uuid="a0a0a0a0-0000-1111-2222-333344445555",
                      version=(1, 0), pipes=("plug",))

@INTERFACE.operation(0, "Hello", response=[("Answer", ndr.uint32)])
def Hello(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return {"Answer": 42}
'''


@pytest.fixture
def clean_modules() -> Iterator[None]:
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith((EXT_PACKAGE, "smbemu_test_plugin")):
            del sys.modules[name]


def test_entry_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                      clean_modules: None) -> None:
    (tmp_path / "smbemu_test_plugin_a.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    eps = [importlib.metadata.EntryPoint("plug", "smbemu_test_plugin_a:INTERFACE",
                                         "smbemu.pipes"),
           importlib.metadata.EntryPoint("plugmod", "smbemu_test_plugin_a", "smbemu.pipes")]

    def fake(group: str = "") -> list[importlib.metadata.EntryPoint]:
        return eps if group == "smbemu.pipes" else []

    monkeypatch.setattr(importlib.metadata, "entry_points", fake)
    with pytest.raises(ConfigError, match="already registered"):
        Registry.load()          # the module and its INTERFACE: the same interface twice
    eps.pop()
    reg = Registry.load()
    assert reg.pipe_names() == {"plug"}
    assert [i.name for i in reg.interfaces_for_pipe("plug")] == ["plug", "mgmt"]


def test_broken_entry_point_names_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    eps = [importlib.metadata.EntryPoint("bad", "smbemu_no_such_module:X", "smbemu.pipes")]
    monkeypatch.setattr(importlib.metadata, "entry_points",
                        lambda group="": eps if group == "smbemu.pipes" else [])
    with pytest.raises(ConfigError, match=r"entry point smbemu\.pipes:bad .*cannot be loaded"):
        Registry.load()


def test_pipes_dir(tmp_path: Path, clean_modules: None) -> None:
    (tmp_path / "plug.py").write_text(PLUGIN)
    (tmp_path / "_shared.py").write_text("ANSWER = 7\n")
    (tmp_path / "rel.py").write_text(textwrap.dedent('''
        from typing import Any
        from smbemu.rpc import CallContext, Interface, ndr
        from ._shared import ANSWER

        INTERFACES = [Interface(name="rel", uuid="b0b0b0b0-0000-1111-2222-333344445555",
                                version=(2, 0), pipes=("rel", "plug"))]

        @INTERFACES[0].operation(0, "Get", response=[("Value", ndr.uint32)])
        def Get(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
            return {"Value": ANSWER}
        '''))
    reg = Registry.load(entry_points=False, pipes_dirs=[tmp_path])
    assert reg.pipe_names() == {"plug", "rel"}
    assert [i.name for i in reg.interfaces_for_pipe("plug")] == ["plug", "rel", "mgmt"]
    assert sys.modules[f"{EXT_PACKAGE}.rel"].ANSWER == 7
    # loading the same directory again reuses the modules (same objects)
    again = load_pipes_dir(tmp_path)
    assert {i.name for _, i in again} == {"plug", "rel"}


def test_pipes_dir_loads_a_package(tmp_path: Path, clean_modules: None) -> None:
    """An interface split into a package (as the built-ins are): its __init__ builds INTERFACE
    and imports the module that declares the operations, relatively."""
    package = tmp_path / "split"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent('''
        from . import calls  # registers the operations on INTERFACE
        from .objects import INTERFACE
        '''))
    (package / "objects.py").write_text(textwrap.dedent('''
        from smbemu.rpc import Interface

        INTERFACE = Interface(name="split", uuid="c0c0c0c0-0000-1111-2222-333344445555",
                              version=(1, 0), pipes=("split",))
        ANSWER = 11
        '''))
    (package / "calls.py").write_text(textwrap.dedent('''
        from typing import Any
        from smbemu.rpc import CallContext, ndr
        from .objects import ANSWER, INTERFACE

        @INTERFACE.operation(0, "Get", response=[("Value", ndr.uint32)])
        def Get(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
            return {"Value": ANSWER}
        '''))
    (tmp_path / "notes").mkdir()                     # a folder without __init__.py: not a module
    (tmp_path / "notes" / "readme.py").write_text("raise SystemExit('never imported')\n")
    (tmp_path / "plug.py").write_text(PLUGIN)
    reg = Registry.load(entry_points=False, pipes_dirs=[tmp_path])
    assert reg.pipe_names() == {"plug", "split"}
    split = reg.interface("split")
    assert split is not None and split.handlers[0].__module__ == f"{EXT_PACKAGE}.split.calls"
    assert split.handlers[0](None, {}) == {"Value": 11}  # type: ignore[arg-type]
    # loading the same directory again reuses the package (the same interface object)
    assert [i for _, i in load_pipes_dir(tmp_path) if i.name == "split"] == [split]


def test_the_built_in_pipes_load_by_path(clean_modules: None) -> None:
    """pipes/ itself loads with --pipes-dir, under another package name: the interfaces split
    into sub-packages import their own modules relatively, and nothing else of pipes/."""
    pipes = Path(__file__).resolve().parents[3] / "pipes"
    reg = Registry.load(entry_points=False, pipes_dirs=[pipes])
    assert {i.name for i in reg} == {"bkrp", "drsuapi", "dssetup", "epmapper", "eventlog", "lsarpc", "netlogon",
                                     "samr", "spoolss", "srvsvc", "svcctl", "winreg", "wkssvc", "atsvc", "sasec",
                                     "tsch", "IObjectExporter", "IActivation", "IRemoteSCMActivator"}  # pipes/dcom
    samr = reg.interface("samr")
    assert samr is not None and samr.handlers[0].__module__ == f"{EXT_PACKAGE}.samr.server"


def test_pipes_dir_package_errors(tmp_path: Path, clean_modules: None) -> None:
    package = tmp_path / "broken"
    package.mkdir()
    (package / "__init__.py").write_text("from .missing import INTERFACE\n")
    with pytest.raises(ConfigError, match="cannot be loaded") as info:
        load_pipes_dir(tmp_path)
    assert str(package) in str(info.value)
    assert not [n for n in sys.modules if n.startswith(f"{EXT_PACKAGE}.broken")]
    (tmp_path / "broken.py").write_text(PLUGIN)
    with pytest.raises(ConfigError, match="defines module 'broken' too"):
        load_pipes_dir(tmp_path)


@pytest.mark.parametrize(("source", "message"), [
    ("this is not python", "cannot be loaded"),
    ("X = 1\n", "defines no INTERFACE"),
    ("INTERFACE = 42\n", "is not an Interface"),
])
def test_pipes_dir_errors(tmp_path: Path, clean_modules: None, source: str,
                          message: str) -> None:
    (tmp_path / "bad.py").write_text(source)
    with pytest.raises(ConfigError, match=message) as info:
        load_pipes_dir(tmp_path)
    assert str(tmp_path / "bad.py") in str(info.value)


def test_pipes_dir_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not a directory"):
        load_pipes_dir(tmp_path / "missing")


# ------------------------------------------------------------------ handles and contexts

def test_handle_table() -> None:
    ids = iter([bytes(16), b"A" * 16, b"B" * 16, b"C" * 16])
    table = HandleTable(limit=2, id_source=lambda: next(ids))
    a = table.create("samr.server", "srv", 0x31)
    assert a == bytes(4) + b"A" * 16          # the all-zero (NULL) handle is never issued
    entry = table.lookup(a, "samr.server")
    assert entry is not None and (entry.obj, entry.granted_access) == ("srv", 0x31)
    assert table.lookup(a, "samr.domain") is None
    assert table.lookup(bytes(20)) is None
    table.create("samr.domain")
    with pytest.raises(RpcFault):
        table.create("samr.user")
    assert table.close(a) is not None and table.close(a) is None
    assert len(table) == 1


def test_context_factory_prefers_the_rpc_identity() -> None:
    factory = make_context_factory(ANONYMOUS, 5, "server", b"smbkey")
    table = HandleTable()
    plain = factory(pipe_name="p", handles=table, rpc_principal=None, auth_level=1,
                    auth_type=0, session_key=None)
    assert plain.principal is ANONYMOUS and plain.session_key == b"smbkey"
    admin = Principal(PrincipalKind.ADMINISTRATOR, "Administrator", "CORP", sid="S-1-5-21-1-500")
    authed = factory(pipe_name="p", handles=table, rpc_principal=admin, auth_level=6,
                     auth_type=10, session_key=b"rpckey")
    assert authed.principal is admin and authed.session_key == b"rpckey"
    assert authed.auth_level == 6 and authed.server == "server"


class Kind(enum.Enum):
    USER = "user"


@dataclass(frozen=True)
class SmbLayerPrincipal:
    """The shape of the SMB layer's principal: an enum kind and ``domain_name``."""

    kind: Kind
    user_name: str = ""
    domain_name: str = ""


def test_principal_like_objects_are_adapted_once_and_handed_through() -> None:
    # SimplePrincipal and its ``source`` back-reference are gone (one Principal type): a plugin's
    # own principal-like object is adapted with as_principal, and the factory hands the
    # Principal it gets through as is.
    smb = as_principal(SmbLayerPrincipal(Kind.USER, "alice", "CORP"))
    factory = make_context_factory(smb, 9, None, pipe_name="srvsvc")
    ctx = factory(pipe_name="srvsvc", handles=HandleTable(), rpc_principal=None, auth_level=1,
                  auth_type=0, session_key=None)
    assert (ctx.principal.kind, ctx.principal.user_name, ctx.principal.domain,
            ctx.principal.sid) == ("user", "alice", "CORP", None)
    assert ctx.principal is smb and isinstance(ctx.principal, Principal)
    assert as_principal(ANONYMOUS) is ANONYMOUS
    with pytest.raises(ValueError, match="principal kind"):
        as_principal(SimpleNamespaceLike())


class SimpleNamespaceLike:
    kind = "root"


# ------------------------------------------------------------------ layout rules for rpc/

def test_rpc_package_has_no_await_and_never_imports_handlers_by_name() -> None:
    package = Path(smbemu.rpc.__file__).parent
    for file in package.glob("*.py"):
        tree = ast.parse(file.read_text(), str(file))
        for node in ast.walk(tree):
            assert not isinstance(node, (ast.Await, ast.AsyncFunctionDef)), file
            if isinstance(node, ast.Import):
                assert all(not a.name.startswith("smbemu_pipes") for a in node.names), file
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("smbemu_pipes"), file
                assert not (node.module or "").startswith(("smbemu.smb2", "smbemu.ipc",
                                                           "smbemu.server")), file
