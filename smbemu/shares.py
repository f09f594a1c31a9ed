"""The tree-connect decision, the same for SMB2 TREE_CONNECT (MS-SMB2 3.3.5.7) and SMB1
TREE_CONNECT_ANDX (MS-CIFS 3.3.5.46): which share a path names, whether the session may
connect to it, and the one ShareConnect event (the audit log's 5140) either dialect reports.

`\\\\server\\IPC$` gives the virtual IPC share whose only files are named pipes. The fixture's
other shares (C$, ADMIN$, …) exist — share enumeration lists them — but this emulator serves no
files, so connecting to one is refused with STATUS_ACCESS_DENIED, the answer a share ACL gives;
a name the server does not have gets STATUS_BAD_NETWORK_NAME.  A share an administrator added at
run time (srvsvc NetrShareAdd, `pipes/srvsvc/share_changes.py`) is treated exactly like the
fixture's: it is found (the directory's share list is the one NetrShareAdd changed) and, being a
disk or printer share, refused with STATUS_ACCESS_DENIED; once deleted it is BAD_NETWORK_NAME.

Before that, the policy (`smbemu.policy.Policy.tree_connect`, windows-defaults.md §0 rule 2)
decides for anonymous sessions: IPC$ is always reachable (except Windows 2000 with
RestrictAnonymous=2), any other share only when named in NullSessionShares while
RestrictNullSessAccess is on; a refusal is STATUS_ACCESS_DENIED, with the reason in the log.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from smbemu import events
from smbemu.errors import SmbStatusError
from smbemu.policy import policy_for
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.directory import Share
    from smbemu.state import Session

log = logging.getLogger("smbemu.tree")

# What Windows grants on IPC$ (MS-SMB2 2.2.10 MaximalAccess): FILE_ALL_ACCESS-like 0x001F01FF.
IPC_MAXIMAL_ACCESS = 0x001F01FF


def share_name_from_path(path: str) -> str:
    """`\\\\server\\share` → `share` (MS-SMB2 2.2.9, MS-CIFS 2.2.4.55.1: the path is
    \\\\server\\share); anything else is STATUS_BAD_NETWORK_NAME."""
    if not path.startswith("\\\\"):
        raise SmbStatusError(NtStatus.BAD_NETWORK_NAME, f"path {path!r} is not \\\\server\\share")
    parts = path[2:].split("\\")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise SmbStatusError(NtStatus.BAD_NETWORK_NAME, f"path {path!r} is not \\\\server\\share")
    return parts[1]


def authorize_tree_connect(config: ServerConfig, session: Session, share_name: str, *,
                           peer: tuple[str, int]) -> Share:
    """The share ``session`` may connect to, or the status every dialect refuses it with.

    In order: the per-session limit (STATUS_INSUFFICIENT_RESOURCES), the share's existence
    (STATUS_BAD_NETWORK_NAME), the policy's decision, then the emulator's own refusal of any
    share but IPC$ (STATUS_ACCESS_DENIED). The observers see the decision whatever it is."""
    if len(session.tree_connects) >= config.limits.max_tree_connects_per_session:
        raise SmbStatusError(NtStatus.INSUFFICIENT_RESOURCES, "too many tree connects on the session")
    share = config.directory.find_share(share_name)
    if share is None:
        log.info("tree connect to unknown share %r by %s -> BAD_NETWORK_NAME", share_name, session.principal.display_name)
        raise SmbStatusError(NtStatus.BAD_NETWORK_NAME, f"no share named {share_name!r}")
    decision = policy_for(config).tree_connect(session.principal, share.name, share.type)
    # observers (the audit log's 5140): the policy's decision, or the emulator's own refusal
    if config.observers:
        refused = (f"deny tree-connect {share.name}: only IPC$ is served by the emulator"
                   if decision.allowed and share.type != "ipc" else None)
        config.observers.emit(events.ShareConnect(
            session=session, peer=peer, share=share.name, decision=decision, refused=refused))
    if not decision.allowed:
        raise SmbStatusError(decision.status, decision.reason)
    if share.type != "ipc":
        log.info("tree connect to %r by %s -> ACCESS_DENIED (only IPC$ is served)", share.name, session.principal.display_name)
        raise SmbStatusError(NtStatus.ACCESS_DENIED, f"share {share.name!r} is not served")
    return share
