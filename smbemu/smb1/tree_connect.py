"""SMB1 TREE_CONNECT_ANDX (MS-CIFS 2.2.4.55, 3.3.5.46; MS-SMB 2.2.4.7, 3.3.5.4).

The share and the decision are `smbemu.shares`' (the same refusals as SMB2: BAD_NETWORK_NAME,
ACCESS_DENIED, the policy's anonymous rules, the ShareConnect event); here is the SMB1 framing:
the Path (`\\\\server\\IPC$`), the Password (ignored: user-level security, MS-CIFS 3.3.5.46), the
Service ("?????" or "IPC" for IPC$), TREE_CONNECT_ANDX_DISCONNECT_TID, the TID, and the response
in its basic (3 words) or extended (7 words, MS-SMB 2.2.4.7.2) form.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from smbemu.errors import SmbStatusError
from smbemu.shares import authorize_tree_connect, share_name_from_path
from smbemu.smb1.layouts.session import (
    SMB_CSC_NO_CACHING,
    SMB_SUPPORT_SEARCH_BITS,
    TREE_CONNECT_ANDX_DISCONNECT_TID,
    TREE_CONNECT_ANDX_EXTENDED_RESPONSE,
    TreeConnectExtendedResponse,
    TreeConnectRequest,
    TreeConnectResponse,
    build_words,
    data_slice,
    oem_string,
    parse_words,
    read_oem_string,
    read_string,
    smb_string,
)
from smbemu.smb1.tree_disconnect import disconnect_tree
from smbemu.state import TreeConnect
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.smb1.context import Smb1Request, Smb1View

log = logging.getLogger("smbemu.tree")

#: MS-CIFS 2.2.4.55.1 Service: "?????" matches any share type, "IPC" the named-pipe share.
IPC_SERVICES = frozenset({"?????", "IPC"})
#: OptionalSupport of IPC$ (MS-CIFS 2.2.4.55.2): search bits, which every NT server supports,
#: and no client-side caching — the SMB1 counterpart of the SMB2_SHAREFLAG_NO_CACHING that
#: SMB2 TREE_CONNECT answers for the same share (MS-SMB2 2.2.10). SMB_EXTENDED_SIGNATURES is not
#: offered (the session-key hashing of MS-SMB 3.3.5.4 is not implemented), nor is DFS.
IPC_OPTIONAL_SUPPORT = SMB_SUPPORT_SEARCH_BITS | SMB_CSC_NO_CACHING


def handle(conn: Smb1View, req: Smb1Request) -> tuple[bytes, bytes]:
    """MS-CIFS 3.3.5.46 Receiving an SMB_COM_TREE_CONNECT_ANDX Request."""
    session = req.session
    assert session is not None
    request = parse_words(TreeConnectRequest, req.words)
    data_start = req.data_offset
    end = data_start + len(req.data)
    data_slice(req.data, 0, request.password_length, "Password")  # present, then ignored
    path, offset = read_string(req.raw, data_start + request.password_length, end, unicode=req.unicode)
    service, _ = read_oem_string(req.raw, offset, end)

    if request.flags & TREE_CONNECT_ANDX_DISCONNECT_TID:
        # MS-SMB 2.2.4.7.1: the header's tree goes when the response is sent; an invalid TID
        # is ignored, and so is a failure to disconnect it.
        old = session.tree_connects.get(req.tid)
        if old is not None:
            disconnect_tree(conn, session, old)

    share_name = share_name_from_path(path)
    share = authorize_tree_connect(conn.config, session, share_name, peer=conn.peer)
    if service.upper() not in IPC_SERVICES:
        raise SmbStatusError(NtStatus.BAD_DEVICE_TYPE, f"service {service!r} does not match {share.name}")

    tree_id = conn.new_tid()
    session.tree_connects[tree_id] = TreeConnect(tree_id=tree_id, share_name=share.name, is_ipc=True)
    req.response_tid = tree_id
    log.debug("TID %d: %s connected to %s", tree_id, session.principal.display_name, share.name)
    return _response(conn, req, extended=bool(request.flags & TREE_CONNECT_ANDX_EXTENDED_RESPONSE))


def _response(conn: Smb1View, req: Smb1Request, *, extended: bool) -> tuple[bytes, bytes]:
    """MS-CIFS 2.2.4.55.2: Service "IPC" (OEM) and an empty NativeFileSystem (an SMB_STRING).
    MS-SMB 2.2.4.7.2, when asked: the maximal rights of the user and of guest on the share, the
    profile's `smb1.ipc_maximal_access` for both (as the captures cited there send them)."""
    if extended:
        rights = conn.config.profile.smb1.ipc_maximal_access
        words = build_words(TreeConnectExtendedResponse, optional_support=IPC_OPTIONAL_SUPPORT,
                      maximal_share_access_rights=rights, guest_maximal_share_access_rights=rights)
    else:
        words = build_words(TreeConnectResponse, optional_support=IPC_OPTIONAL_SUPPORT)
    service = oem_string("IPC")
    offset = req.response_data_offset(len(words)) + len(service)
    return words, service + smb_string("", unicode=req.unicode, offset=offset)
