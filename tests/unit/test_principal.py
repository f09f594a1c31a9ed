"""One Principal type (smbemu.principal): its properties, the handler API that offers it, and that every
layer hands the same object through -- the SMB session's principal is the object the policy, the
RPC call context and the audit observer see (through the sans-I/O SMB2 stack, no sockets)."""

from __future__ import annotations

import ast
import dataclasses
import struct
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from impacket import ntlm
from impacket.dcerpc.v5 import srvs
from impacket.dcerpc.v5.rpcrt import DCERPC_v5
from impacket.dcerpc.v5.transport import DCERPCTransport

import smbemu.principal
import smbemu.rpc
from smbemu import events
from smbemu.builder import build_config
from smbemu.config import ServerConfig
from smbemu.connection import Connection
from smbemu.policy import Policy, policy_for, principal_kind
from smbemu.principal import ANONYMOUS, ANONYMOUS_SID, Principal, PrincipalKind, as_principal
from smbemu.rpc.handler_server import HandlerServer
from smbemu.smb2.constants import Command
from smbemu.status import NtStatus

from smb2raw import HEADER, frame, negotiate_body, request

# ------------------------------------------------------------------ the type


def test_kind_is_a_string_enum_read_in_any_case() -> None:
    assert PrincipalKind.USER == "user" and f"{PrincipalKind.GUEST}" == "guest"
    assert PrincipalKind("Administrator") is PrincipalKind.ADMINISTRATOR
    with pytest.raises(ValueError, match="principal kind 'root' is not one of anonymous, guest"):
        PrincipalKind("root")


def test_principal_is_frozen_slotted_and_coerces_a_string_kind() -> None:
    alice = Principal("user", "alice", "CORP", "PC1", "NTLM V2", "S-1-5-21-1-2-3-1104")  # type: ignore[arg-type]
    assert alice.kind is PrincipalKind.USER
    assert (alice.user_name, alice.domain, alice.workstation, alice.package, alice.sid) == (
        "alice", "CORP", "PC1", "NTLM V2", "S-1-5-21-1-2-3-1104")
    assert not hasattr(alice, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        alice.user_name = "bob"  # type: ignore[misc]
    assert alice == Principal(PrincipalKind.USER, "alice", "CORP", "PC1", "NTLM V2", "S-1-5-21-1-2-3-1104")
    with pytest.raises(ValueError, match="not one of"):
        Principal("root")  # type: ignore[arg-type]


@pytest.mark.parametrize(("principal", "anonymous", "guest", "shown"), [
    (ANONYMOUS, True, False, "ANONYMOUS LOGON"),
    (Principal(PrincipalKind.ANONYMOUS, workstation="PC1"), True, False, "ANONYMOUS LOGON"),
    (Principal(PrincipalKind.GUEST, "Guest", "LEGACYSRV"), False, True, "LEGACYSRV\\Guest"),
    (Principal(PrincipalKind.USER, "alice", "CORP"), False, False, "CORP\\alice"),
    (Principal(PrincipalKind.ADMINISTRATOR, "Administrator"), False, False, "Administrator"),
])
def test_properties(principal: Principal, anonymous: bool, guest: bool, shown: str) -> None:
    assert (principal.is_anonymous, principal.is_guest, principal.display_name) == (anonymous, guest, shown)


def test_anonymous_is_the_null_session() -> None:
    assert (ANONYMOUS.kind, ANONYMOUS.user_name, ANONYMOUS.sid) == (PrincipalKind.ANONYMOUS, "", ANONYMOUS_SID)
    assert ANONYMOUS_SID == "S-1-5-7"


def test_as_principal_adapts_what_a_plugin_author_has() -> None:
    alice = Principal(PrincipalKind.USER, "alice", "CORP")
    assert as_principal(alice) is alice
    assert as_principal("Guest") == Principal(PrincipalKind.GUEST)
    assert as_principal(SimpleNamespace(kind="user", user_name="bob", domain_name="CORP", sid=None)) == \
        Principal(PrincipalKind.USER, "bob", "CORP")
    with pytest.raises(ValueError, match="principal kind"):
        as_principal(SimpleNamespace(kind=None))


def test_the_policy_reads_the_kind_of_a_principal_or_a_bare_kind() -> None:
    assert principal_kind(Principal(PrincipalKind.ADMINISTRATOR)) == "administrator"
    assert principal_kind(PrincipalKind.GUEST) == principal_kind("Guest") == "guest"


def test_the_handler_api_offers_the_one_type() -> None:
    # a plugin imports these from smbemu.rpc, its public handler API
    assert smbemu.rpc.Principal is Principal
    assert smbemu.rpc.PrincipalKind is PrincipalKind
    assert smbemu.rpc.ANONYMOUS is ANONYMOUS


def test_the_module_is_a_leaf() -> None:
    """smbemu.principal imports nothing of smbemu, so every layer may import it."""
    tree = ast.parse(Path(smbemu.principal.__file__).read_text(encoding="utf-8"))
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert not [name for name in imported if name == "smbemu" or name.startswith("smbemu.")]


_VIEW_CHECK = """
from smbemu.config import ServerConfig
from smbemu.rpc.handler_server import HandlerServer
from smbemu.profiles import Profile


def handlers_see(config: ServerConfig) -> HandlerServer:
    view: HandlerServer = config
    return view


class ProfileOnly:
    profile: Profile


def not_a_server(thing: ProfileOnly) -> HandlerServer:
    return thing  # the line mypy must refuse
"""


def test_server_config_satisfies_the_handlers_view_statically(tmp_path: Path) -> None:
    """mypy --strict (the project's configuration) accepts a ServerConfig as a HandlerServer and
    refuses an object that lacks the directory, the sessions and memo."""
    check = tmp_path / "view_check.py"
    check.write_text(_VIEW_CHECK, encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-m", "mypy", str(check)], cwd=root, capture_output=True,
                            text=True, timeout=600)
    refused = 1 + _VIEW_CHECK.splitlines().index("    return thing  # the line mypy must refuse")
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and f"view_check.py:{refused}:" in errors[0], result.stdout + result.stderr
    assert '"ProfileOnly"' in errors[0] and '"HandlerServer"' in errors[0]


def test_server_config_is_the_handlers_server_view() -> None:
    # The run-time half (the static half: the test above, and smbemu.rpc_binding, where mypy
    # checks that conn.config is what the context factory takes).
    config = build_config("win2016")
    view: HandlerServer = config
    assert view.directory is config.directory and view.profile is config.profile
    assert view.sessions is config.sessions
    assert view.memo("test.key", list) is view.memo("test.key", dict)


# ------------------------------------------------------------------ one object through every layer

FSCTL_PIPE_TRANSCEIVE = 0x0011C017
_IOCTL = struct.Struct("<HHI16sIIIIIIII")  # MS-SMB2 2.2.31 (fixed part: 56 bytes)
_CREATE = struct.Struct("<HBBIQQIIIIIHHII")  # MS-SMB2 2.2.13 (fixed part: 56 bytes)


class SmbPipe(DCERPCTransport):  # type: ignore[misc]
    """impacket's DCE/RPC client over a named pipe of an in-memory `Connection`: each PDU is an
    SMB2 IOCTL FSCTL_PIPE_TRANSCEIVE (MS-SMB2 3.3.5.15.4), as Windows clients send calls."""

    def __init__(self, config: ServerConfig, user: str, password: str, domain: str) -> None:
        super().__init__("smb", 0)
        self.conn = Connection(config)
        self.message_id = -1  # NEGOTIATE is message 0
        self.tree_id = 0
        self.session_id = 0
        self._send(Command.NEGOTIATE, negotiate_body((0x0202,)))
        negotiate = ntlm.getNTLMSSPType1("", "", signingRequired=False)
        challenge = self._session_setup(bytes(negotiate.getData()))
        auth, _ = ntlm.getNTLMSSPType3(negotiate, challenge, user, password, domain)
        self._session_setup(bytes(auth.getData()))
        path = "\\\\legacysrv\\IPC$".encode("utf-16-le")
        header, _ = self._send(Command.TREE_CONNECT, struct.pack("<HHHH", 9, 0, 64 + 8, len(path)) + path)
        self.tree_id = header[10]
        name = "srvsvc".encode("utf-16-le")
        _, body = self._send(Command.CREATE, _CREATE.pack(57, 0, 0, 2, 0, 0, 0x0012019F, 0, 3, 1, 0,
                                                          64 + 56, len(name), 0, 0) + name)
        self.file_id = bytes(body[64:80])
        self._answer = b""

    def _send(self, command: int, body: bytes) -> tuple[tuple[Any, ...], bytes]:
        self.message_id += 1
        (out,) = self.conn.receive_data(frame(request(command, body, message_id=self.message_id, credits=8,
                                                      session_id=self.session_id, tree_id=self.tree_id)))
        header = HEADER.unpack_from(out, 4)
        assert header[3] in (NtStatus.SUCCESS, NtStatus.MORE_PROCESSING_REQUIRED), hex(header[3])
        return header, bytes(out[4 + 64:])

    def _session_setup(self, token: bytes) -> bytes:
        header, body = self._send(Command.SESSION_SETUP,
                                  struct.pack("<HBBIIHHQ", 25, 0, 1, 0, 0, 64 + 24, len(token), 0) + token)
        self.session_id = header[11]
        _, _, offset, length = struct.unpack_from("<HHHH", body, 0)
        return body[offset - 64 : offset - 64 + length]

    def connect(self) -> int:
        return 1

    def disconnect(self) -> int:
        return 1

    def send(self, data: bytes, forceWriteAndx: int = 0, forceRecv: int = 0) -> None:
        _, body = self._send(Command.IOCTL, _IOCTL.pack(57, 0, FSCTL_PIPE_TRANSCEIVE, self.file_id, 64 + 56,
                                                        len(data), 0, 0, 0, 65536, 1, 0) + bytes(data))
        offset, count = struct.unpack_from("<II", body, 32)
        self._answer = body[offset - 64 : offset - 64 + count]

    def recv(self, forceRecv: int = 0, count: int = 0) -> bytes:
        return self._answer


def test_the_session_principal_is_the_object_every_layer_sees(monkeypatch: pytest.MonkeyPatch) -> None:
    config = build_config("win2016")
    seen: dict[str, list[object]] = {}

    def spy(method: str) -> None:
        original = getattr(Policy, method)

        def recording(self: Policy, principal: object, *args: Any, **kwargs: Any) -> Any:
            seen.setdefault(f"policy.{method}", []).append(principal)
            return original(self, principal, *args, **kwargs)

        monkeypatch.setattr(Policy, method, recording)

    for method in ("tree_connect", "pipe_open", "decide", "decide_rule", "held_rights"):
        spy(method)

    def observe(event: events.Event) -> None:
        if isinstance(event, (events.LogonSucceeded, events.RpcCall)):
            seen.setdefault(type(event).__name__, []).append(event.principal)

    config.observers.subscribe(observe)
    pipe = SmbPipe(config, "alice", "Wonderland1", "CORP")
    dce = DCERPC_v5(pipe)
    dce.connect()
    dce.bind(srvs.MSRPC_UUID_SRVS)
    reply = srvs.hNetrShareEnum(dce, 1)
    assert reply["InfoStruct"]["ShareInfo"]["Level1"]["EntriesRead"] >= 1

    (session,) = config.sessions.values()
    principal = session.principal
    assert isinstance(principal, Principal) and principal.kind is PrincipalKind.USER
    assert (principal.user_name, principal.domain, principal.package) == ("alice", "CORP", "NTLM V2")
    assert principal.sid is not None and principal.sid.startswith("S-1-5-21-")
    assert {"LogonSucceeded", "RpcCall", "policy.tree_connect", "policy.pipe_open"} <= set(seen)
    assert {"policy.decide", "policy.decide_rule"} & set(seen), "the share enumeration was not decided"
    for where, principals in seen.items():
        assert all(p is principal for p in principals), f"{where} saw a copy: {principals}"
    assert policy_for(config).token(principal) == policy_for(config).token("user")
