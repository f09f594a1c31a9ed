"""Server-side state, named after the MS-SMB2 abstract data model (3.3.1.x).

Only what the IPC$ emulator needs is kept; each object is small (`__slots__`) because a lab
server holds thousands of idle sessions.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# The one principal type lives in smbemu.principal (protocol-neutral); a session holds it.
from smbemu.principal import ANONYMOUS, Principal


class SessionState(enum.Enum):
    IN_PROGRESS = "in-progress"
    VALID = "valid"
    EXPIRED = "expired"


@dataclass(slots=True, eq=False)
class TreeConnect:
    """MS-SMB2 3.3.1.9 TreeConnect."""

    tree_id: int
    share_name: str
    is_ipc: bool
    encrypt_data: bool = False


@dataclass(slots=True, eq=False)
class Open:
    """MS-SMB2 3.3.1.10 Open: here always a named pipe on IPC$."""

    persistent_id: int
    volatile_id: int
    tree: TreeConnect
    pipe_name: str
    endpoint: Any  # smbemu.rpc.endpoint.RpcEndpoint
    granted_access: int = 0
    # SMB1 only: the pipe's state as TRANS_SET_NMPIPE_STATE last set it (MS-CIFS 2.2.1.3
    # SMB_NMPIPE_STATUS: 0x8000 nonblocking, 0x0100 message read mode); a pipe opens blocking,
    # in message read mode.
    pipe_state: int = 0x0100
    # Called once when the pipe closes (smbemu.ipc: the logoff of a bind's own logon), or None.
    on_close: Callable[[], None] | None = None

    @property
    def file_id(self) -> bytes:
        return self.persistent_id.to_bytes(8, "little") + self.volatile_id.to_bytes(8, "little")


@dataclass(slots=True, eq=False)
class Session:
    """MS-SMB2 3.3.1.8 Session."""

    session_id: int
    state: SessionState = SessionState.IN_PROGRESS
    principal: Principal = ANONYMOUS
    session_key: bytes = b""
    signing_required: bool = False
    encrypt_data: bool = False
    # SessionCrypto from smbemu.crypto once keys exist (None for anonymous / guest).
    crypto: Any = None
    preauth_hash: bytes = b""
    # The NTLM acceptor while the exchange is in progress.
    authenticator: Any = None
    tree_connects: dict[int, TreeConnect] = field(default_factory=dict)
    opens: dict[int, Open] = field(default_factory=dict)
    next_tree_id: int = 1
    created_at: float = 0.0
    # The client's IP address as srvsvc reports it (NetrSessionEnum sesi*_cname "\\\\127.0.0.1",
    # MS-SRVS 2.2.4.15); "" until known. Filled when the session first opens a pipe
    # (smbemu.rpc_binding); session setup could set it at creation from Connection.peer.
    client_address: str = ""
    # The server address the client reached (netlogon answers DC look-ups with it).
    server_address: str = ""
    # An administrator deleted the session (srvsvc NetrSessionDel, MS-SRVS 3.1.4.6): srvsvc
    # stops listing it at once; the SMB layer tears it down at its next request, once the
    # reply to the call that deleted it has been read (`ended_by_server`).
    deleted: bool = False

    @property
    def ended_by_server(self) -> bool:
        """Deleted by an administrator, and no pipe of the session still holds a reply to read
        (the deleting NetrSessionDel may be the session's own call)."""
        if not self.deleted:
            return False
        return not any(o.endpoint is not None and o.endpoint.has_output()
                       for o in self.opens.values())

    @property
    def is_anonymous(self) -> bool:
        return self.principal.is_anonymous

    @property
    def is_guest(self) -> bool:
        return self.principal.is_guest
