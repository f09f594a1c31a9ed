r"""Named-pipe names, normalized in one place for the IPC$ share, the RPC runtime, the policy
and the fault rules.

On SMB2 a client names a pipe in CREATE on IPC$ by its bare name (``srvsvc``, MS-SMB2 3.3.5.9
opens it in the named-pipe file system); clients and tools also write ``\srvsvc``,
``\PIPE\srvsvc`` (the SMB1 transaction form and what bind_ack's secondary address shows,
MS-RPCE 2.2.2.4) or ``/pipe/srvsvc``.  All of these name the same pipe, case-insensitively
(MS-FSCC 2.1.5: names are compared case-insensitively).  One ``pipe`` component is dropped;
what is left is the name, so ``\pipe\\srvsvc`` (an empty path component, which Windows refuses
as a name) keeps a leading backslash and matches no pipe.
"""

from __future__ import annotations

__all__ = ["normalize_pipe_name"]


def normalize_pipe_name(name: str) -> str:
    r"""``\PIPE\SrvSvc``, ``pipe\srvsvc``, ``/pipe/srvsvc``, ``\srvsvc`` -> ``srvsvc``; an empty
    result means no pipe was named."""
    name = name.replace("/", "\\").lstrip("\\")
    if name[:5].lower() == "pipe\\":
        name = name[5:]
    return name.lower()
