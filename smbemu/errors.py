"""Errors shared by the protocol core, the RPC runtime and the configuration loaders.

The split follows h11: an error raised while handling a request carries the answer the
peer should get (an NTSTATUS for SMB2, a fault code for DCE/RPC); an error that means the
connection cannot go on is a `ProtocolViolation`; a user's bad YAML or flag is a `ConfigError`
whose text is the one line the user sees.
"""

from __future__ import annotations


class SmbStatusError(Exception):
    """Answer the current SMB2 request with this NTSTATUS (MS-SMB2 2.2.2 error response)."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message or f"NTSTATUS 0x{status:08X}")
        self.status = status


class RpcFault(Exception):
    """Answer the current DCE/RPC call with a fault PDU carrying this status (C706 12.6.4.7)."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message or f"RPC fault 0x{status:08X}")
        self.status = status


class ChangeRefused(Exception):
    """The emulated machine refuses a change of its directory (`smbemu.directory.changes`):
    ``status`` is the NTSTATUS the protocol answers (MS-SAMR 3.1.5.x: STATUS_USER_EXISTS,
    STATUS_PASSWORD_RESTRICTION, ...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ProtocolViolation(Exception):
    """The peer broke the framing or the protocol badly enough that the connection is closed."""


class ConfigError(Exception):
    """A user-supplied file or flag is invalid.

    The message names the file, the key and what is allowed, on one line, e.g.
    ``policies/x.yaml: smb.dialects[1]: '3.5' is not a dialect; allowed: 2.0.2, 2.1, 3.0, 3.0.2, 3.1.1``.
    """

    def __init__(self, source: str, key: str, problem: str) -> None:
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.key = key
        self.problem = problem
