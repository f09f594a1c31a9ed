"""Named-pipe I/O on IPC$ as a real client drives it (smbprotocol): message-mode reads, pending
reads completed when data arrives, CANCEL, PIPE_WAIT/PEEK-style queries, unknown pipes."""

from __future__ import annotations

import struct
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from smbprotocol.connection import Connection, Dialects
from smbprotocol.exceptions import SMBResponseException
from smbprotocol.open import Open
from smbprotocol.session import Session
from smbprotocol.tree import TreeConnect

from helpers import HOST, ServerThread
from pipeclient import bind_pdu, open_pipe

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def tree() -> Iterator[TreeConnect]:
    with ServerThread("win2016") as server:
        conn = Connection(uuid.uuid4(), HOST, server.port)
        conn.connect(dialect=Dialects.SMB_3_1_1)
        session = Session(conn, "alice", "Wonderland1", auth_protocol="ntlm")
        session.connect()
        ipc = TreeConnect(session, rf"\\{HOST}\IPC$")
        ipc.connect()
        yield ipc
        conn.disconnect()


@pytest.mark.parametrize("name", ["srvsvc", "SRVSVC", "wkssvc"])
def test_pipe_names_open(tree: TreeConnect, name: str) -> None:
    pipe = open_pipe(tree, name)
    pipe.close()


@pytest.mark.parametrize("name", ["\\srvsvc", "\\pipe\\srvsvc"])
def test_pipe_name_with_a_leading_separator_is_invalid(tree: TreeConnect, name: str) -> None:
    """MS-SMB2 3.3.5.9 Path Name Validation: a CREATE name that starts with a path separator
    fails with STATUS_INVALID_PARAMETER, on IPC$ too (issue 15, bug 6)."""
    with pytest.raises(SMBResponseException) as info:
        open_pipe(tree, name)
    assert info.value.status == 0xC000000D  # STATUS_INVALID_PARAMETER


def test_unknown_pipe(tree: TreeConnect) -> None:
    with pytest.raises(SMBResponseException) as info:
        open_pipe(tree, "nosuchpipe")
    assert info.value.status == 0xC0000034  # STATUS_OBJECT_NAME_NOT_FOUND


def test_message_mode_read_with_a_short_buffer(tree: TreeConnect) -> None:
    pipe = open_pipe(tree, "srvsvc")
    try:
        pipe.write(bind_pdu(), 0)
        with pytest.raises(SMBResponseException) as info:
            pipe.read(0, 16)
        assert info.value.status == 0x80000005  # STATUS_BUFFER_OVERFLOW: the rest stays queued
        rest = pipe.read(0, 4096)  # the remainder of the same message, not the next PDU
        assert rest and rest[:2] != b"\x05\x00"
    finally:
        pipe.close()


def _read_in_thread(pipe: Open) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["data"] = pipe.read(0, 4096)
        except SMBResponseException as exc:
            outcome["status"] = exc.status

    reader = threading.Thread(target=run, daemon=True)
    reader.start()
    return reader, outcome


def test_read_before_write_pends_until_the_reply_exists(tree: TreeConnect) -> None:
    """A Windows pipe READ with nothing queued waits: the server sends STATUS_PENDING at once and
    completes the READ when the RPC reply exists (MS-SMB2 3.3.4.2)."""
    pipe = open_pipe(tree, "srvsvc")
    try:
        reader, outcome = _read_in_thread(pipe)
        reader.join(0.5)
        assert reader.is_alive() and not outcome  # still pending: nothing to read yet
        pipe.write(bind_pdu(), 0)
        reader.join(10)
        reply = outcome["data"]
        assert reply[2] == 12  # bind_ack (C706 12.6.4.4)
        assert struct.unpack_from("<I", reply, 12)[0] == 1  # call id matched
    finally:
        pipe.close()


def test_cancel_completes_a_pending_read(tree: TreeConnect) -> None:
    pipe = open_pipe(tree, "srvsvc")
    connection = tree.session.connection
    try:
        reader, outcome = _read_in_thread(pipe)
        reader.join(0.5)
        pending = [r for r in connection.outstanding_requests.values() if r.async_id]
        assert len(pending) == 1  # the interim response gave the READ an AsyncId
        pending[0].cancel()
        reader.join(10)
        assert outcome == {"status": 0xC0000120}  # STATUS_CANCELLED
    finally:
        pipe.close()


def test_close_completes_a_pending_read(tree: TreeConnect) -> None:
    pipe = open_pipe(tree, "srvsvc")
    reader, outcome = _read_in_thread(pipe)
    reader.join(0.5)
    pipe.close()
    reader.join(10)
    assert outcome == {"status": 0xC000014B}  # STATUS_PIPE_BROKEN


def test_query_info_on_a_pipe(tree: TreeConnect) -> None:
    from smbprotocol.file_info import FileInformationClass
    from smbprotocol.open import SMB2QueryInfoRequest, SMB2QueryInfoResponse

    pipe = open_pipe(tree, "srvsvc")
    try:
        connection = tree.session.connection
        query: Any = SMB2QueryInfoRequest()
        query["info_type"] = 1
        query["file_info_class"] = FileInformationClass.FILE_STANDARD_INFORMATION
        query["output_buffer_length"] = 1024
        query["file_id"] = pipe.file_id
        request = connection.send(query, tree.session.session_id, tree.tree_connect_id)
        response = SMB2QueryInfoResponse()
        response.unpack(connection.receive(request)["data"].get_value())
        data = response["buffer"].get_value()
        allocation, end_of_file, links = struct.unpack_from("<qqI", data, 0)
        assert (allocation, end_of_file, links) == (4096, 0, 1)
    finally:
        pipe.close()


def test_fsctl_pipe_peek_returns_the_next_message_and_leaves_it_queued() -> None:
    """MS-FSCC 2.3.46 with impacket: the 16-byte header and then the data of the next message,
    as much as the output buffer holds (BUFFER_OVERFLOW when it does not all fit); a READ then
    gets the same bytes, which the peek did not consume."""
    from impacket import smb3structs  # type: ignore[import-untyped]
    from impacket.smb3 import SessionError  # type: ignore[import-untyped]
    from impacket.smbconnection import SMBConnection  # type: ignore[import-untyped]

    with ServerThread("win2016") as server:
        conn = SMBConnection(HOST, HOST, sess_port=server.port)
        conn.login("alice", "Wonderland1")
        tid = conn.connectTree("IPC$")
        fid = conn.openFile(tid, "\\srvsvc", desiredAccess=0x0012019F)
        conn.writeFile(tid, fid, bind_pdu())
        smb3 = conn.getSMBServer()
        whole = smb3.ioctl(tid, fid, smb3structs.FSCTL_PIPE_PEEK, smb3structs.SMB2_0_IOCTL_IS_FSCTL,
                           maxOutputResponse=4096)
        state, available, messages, length = struct.unpack_from("<IIII", whole)
        assert (state, messages) == (3, 1) and available == length == len(whole) - 16
        assert whole[16:19] == b"\x05\x00\x0c"  # the bind_ack
        with pytest.raises(SessionError) as short:
            smb3.ioctl(tid, fid, smb3structs.FSCTL_PIPE_PEEK, smb3structs.SMB2_0_IOCTL_IS_FSCTL,
                       maxOutputResponse=26)
        assert short.value.get_error_code() == 0x80000005  # STATUS_BUFFER_OVERFLOW
        assert conn.readFile(tid, fid, 0, 4096) == whole[16:]
        conn.closeFile(tid, fid)
        conn.logoff()

