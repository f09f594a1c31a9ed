"""The server as an RPC handler sees it (``ctx.server``): a read-only view.

A handler reads the emulated machine (``directory``), how the emulated release behaves
(``profile``), the established sessions (``sessions``, for NetrSessionEnum and friends), when the
server started (``start_filetime``) and keeps per-server values with ``memo``.  It never changes the configuration, and it asks access
questions of its call context, not of the server (the one enforcement point,
:mod:`smbemu.rpc.enforcement`).

``smbemu.config.ServerConfig`` satisfies this protocol (a typing test assigns one to it); the
RPC runtime never imports the SMB layer at run time: the real classes are named for the type
checker only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from smbemu.directory import Directory
    from smbemu.profiles import Profile
    from smbemu.state import Session

__all__ = ["HandlerLimits", "HandlerServer"]


class HandlerLimits(Protocol):
    """The limits a handler reads (`smbemu.config.Limits`; not imported: config imports the RPC
    runtime)."""

    @property
    def max_key_derivation_rate(self) -> int:
        """PBKDF2 rounds a second for SamrUnicodeChangePasswordUser4 (pipes/samr)."""
        ...

T = TypeVar("T")


class HandlerServer(Protocol):
    """What ``CallContext.server`` offers a handler (all read-only)."""

    @property
    def profile(self) -> Profile:
        """The emulated Windows release's behaviour (identity, role, SMB and RPC knobs)."""
        ...

    @property
    def limits(self) -> HandlerLimits:
        """The resource limits (`smbemu serve --max-...`) a handler spends from."""
        ...

    @property
    def directory(self) -> Directory:
        """The emulated machine: accounts, groups, aliases, shares, its domain."""
        ...

    @property
    def sessions(self) -> Mapping[int, Session]:
        """Every established SMB session of this server, by session id."""
        ...

    @property
    def start_filetime(self) -> int:
        """When the server started, as a FILETIME (MS-DTYP 2.3.3): uptimes and statistics' start."""
        ...

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """The value this server keeps under ``key``, built by ``build()`` on first use.

        For values derived from the configuration (encoded share lists) and per-server tables
        (netlogon's outstanding challenges): a reloaded configuration starts without them.
        ``key`` is namespaced by the caller (``"srvsvc.share_enum"``)."""
        ...
