"""`async with smbemu.serve(...)`: the same server for asyncio code and non-pytest users."""

from __future__ import annotations

import asyncio
import socket

import pytest
from impacket.smbconnection import SessionError, SMBConnection

import smbemu


def _login_and_list(host: str, port: int, username: str, password: str) -> list[str]:
    conn = SMBConnection(host, host, sess_port=port, timeout=5)
    conn.login(username, password)
    names = [share["shi1_netname"][:-1] for share in conn.listShares()]
    conn.logoff()
    return names


@pytest.mark.asyncio
async def test_serve_context_manager() -> None:
    before = asyncio.all_tasks()
    async with smbemu.serve(profile="win2016", fixture="minimal") as server:
        assert server.host == "127.0.0.1" and server.port > 0
        assert server.address == (server.host, server.port)
        assert server.admin == ("Administrator", "Secret123!")
        assert server.config.profile.name == "win2016"
        # impacket is synchronous: run it in a worker thread while the server runs on this loop.
        names = await asyncio.to_thread(_login_and_list, server.host, server.port, *server.admin)
        assert "IPC$" in names
        port = server.port
    # Torn down: nothing listens any more and no task was left behind.
    assert asyncio.all_tasks() == before
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


@pytest.mark.asyncio
async def test_serve_with_faults_and_overrides() -> None:
    faults = [{"command": "SESSION_SETUP", "session_setup_round": 1, "status": "STATUS_INSUFFICIENT_RESOURCES"}]
    # Windows 2000 offered no SMB2 dialect; impacket is driven over SMB2 here, so SMB 2.0.2 is added.
    overrides = {"smb.signing_required": True, "smb.dialects": "2.0.2"}
    async with smbemu.serve(profile="win2000", faults=faults, **overrides) as server:
        assert server.config.profile.smb.signing_required is True
        with pytest.raises(SessionError) as raised:
            await asyncio.to_thread(_login_and_list, server.host, server.port, *server.user)
        assert raised.value.getErrorCode() == 0xC000009A
        assert server.faults.fired == [1]
