"""An administrator changes shares, sessions and the workstation's settings with the tools a lab
uses, over real SMB connections (issue 15, pipes/srvsvc/share_changes.py, session_changes.py,
pipes/wkssvc/settings.py): Samba's ``net rpc share add/delete`` and ``net rap share`` (in a network
namespace: ``net`` only dials 445), ``rpcclient netshareadd/netsharesetinfo/netsharedel``,
``smbclient -L``, impacket's srvsvc client; what a user would notice -- the share listed, its new
remark, gone after the delete, a TREE_CONNECT to it refused like every disk share (the emulator
serves no files), the 5142/5143/5144 events in the audit log, a deleted session's next request
answered STATUS_USER_SESSION_DELETED -- and a normal user's attempts refused.  A missing tool
fails the test."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from impacket.dcerpc.v5 import srvs, transport  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]
from impacket.smb import SMB_DIALECT  # type: ignore[import-untyped]
from impacket.smbconnection import SessionError, SMBConnection  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers import HOST, ServerThread, run_tool  # noqa: E402
from netns import NetnsServer  # noqa: E402

pytestmark = pytest.mark.interop

ADMIN = "Administrator%Adm!n2003"
USER = "alice%Wonderland1"
STATUS_USER_SESSION_DELETED = 0xC0000203
STATUS_SMB_BAD_UID = 0x005B0002


def events(path: Path, *ids: int) -> list[dict[str, Any]]:
    return [e for e in map(json.loads, path.read_text().splitlines()) if e["EventID"] in ids]


def share_names(listing: str) -> dict[str, str]:
    """``smbclient -L`` / ``net rap share`` rows: share name -> the rest of the line."""
    rows = {}
    for line in listing.splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2 and line.startswith(("\t", " ")):
            rows[parts[0]] = parts[1]
    return rows


def test_net_rpc_share_add_list_delete_with_audit(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    with NetnsServer("win2016-dc", "--audit-log", str(audit), netbios=False) as server:
        def tool(*argv: str) -> str:
            result = server.run(list(argv))
            return result.stdout + result.stderr

        added = server.run(["net", "rpc", "share", "add", "LabShare=C:\\lab", "-C", "Lab files",
                            "-S", "127.0.0.1", "-U", ADMIN])
        assert added.returncode == 0, added.stdout + added.stderr
        listing = share_names(tool("smbclient", "-L", "127.0.0.1", "-U", ADMIN))
        assert listing["LabShare"].split() == ["Disk", "Lab", "files"]
        # the emulator serves no files: a disk share added so is refused like the fixture's own
        assert "NT_STATUS_ACCESS_DENIED" in tool("smbclient", "//127.0.0.1/LabShare", "-U", ADMIN,
                                                 "-c", "ls")
        out = tool("rpcclient", "-U", ADMIN, "127.0.0.1", "-c", "netsharesetinfo LabShare 'New remark'")
        assert "remark:\tNew remark" in out
        assert share_names(tool("smbclient", "-L", "127.0.0.1", "-U", ADMIN))["LabShare"].split() == \
            ["Disk", "New", "remark"]
        # a normal user: refused, nothing changes
        refused = server.run(["net", "rpc", "share", "add", "Mine=C:\\x", "-S", "127.0.0.1", "-U", USER])
        assert refused.returncode != 0 and "Mine" not in tool("smbclient", "-L", "127.0.0.1", "-U", ADMIN)
        assert "WERR_ACCESS_DENIED" in tool("rpcclient", "-U", USER, "127.0.0.1", "-c", "netsharedel LabShare")
        deleted = server.run(["net", "rpc", "share", "delete", "LabShare", "-S", "127.0.0.1", "-U", ADMIN])
        assert deleted.returncode == 0, deleted.stdout + deleted.stderr
        assert "LabShare" not in share_names(tool("smbclient", "-L", "127.0.0.1", "-U", ADMIN))
    added_event, = events(audit, 5142)
    assert added_event["ShareName"] == "\\\\*\\LabShare" and added_event["ShareLocalPath"] == "C:\\lab"
    assert added_event["SubjectUserName"] == "Administrator" and added_event["Keywords"] == "Audit Success"
    modified, = events(audit, 5143)
    assert (modified["OldRemark"], modified["NewRemark"]) == ("Lab files", "New remark")
    deleted_event, = events(audit, 5144)
    assert deleted_event["ShareName"] == "\\\\*\\LabShare"


def test_net_rap_share_lists_an_added_share_on_smb1() -> None:
    """Windows 2000 (SMB1): RAP NetShareEnum (``net rap share``) sees what NetrShareAdd added."""
    # rpcclient and `net` open IPC$ under the "client ipc" protocol bounds: both pairs force NT1;
    # Samba 4.17 requires signing on IPC$ by default, and win2000 does not sign (its SMB1 signing
    # is off: EnableSecuritySignature 0)
    smb1 = ["--option=client ipc min protocol=NT1", "--option=client ipc max protocol=NT1",
            "--option=client min protocol=NT1", "--option=client max protocol=NT1",
            "--option=client ipc signing=auto"]
    with NetnsServer("win2000", netbios=False) as server:
        added = server.run(["rpcclient", *smb1, "-U", ADMIN, "127.0.0.1", "-c",
                            "netshareadd C:\\\\old OldShare 5 \"Old files\""])
        assert added.returncode == 0 and "WERR" not in added.stdout, added.stdout + added.stderr
        rap = server.run(["net", "rap", "share", *smb1, "-S", "127.0.0.1", "-U", ADMIN])
        assert "OldShare" in rap.stdout, rap.stdout + rap.stderr


def _srvsvc(port: int, user: str, password: str, dialect: Any = None) -> Any:
    rpc = transport.DCERPCTransportFactory(f"ncacn_np:{HOST}[\\pipe\\srvsvc]")
    rpc.set_dport(port)
    rpc.set_credentials(user, password, "CORP")
    if dialect is not None:
        rpc.preferred_dialect(dialect)
    dce = rpc.get_dce_rpc()
    dce.connect()
    dce.bind(srvs.MSRPC_UUID_SRVS)
    return dce


@pytest.mark.parametrize("profile, dialect, deleted_status", [
    # SMB2: STATUS_USER_SESSION_DELETED (MS-SMB2 3.3.5.2.9, a session the server no longer has)
    ("win2016", None, STATUS_USER_SESSION_DELETED),
    # SMB1: ERRSRV/ERRbaduid, which impacket shows as STATUS_SMB_BAD_UID (MS-CIFS 3.3.5.2)
    ("win2000", SMB_DIALECT, STATUS_SMB_BAD_UID)])
def test_session_del_and_file_close_over_smb(profile: str, dialect: Any, deleted_status: int) -> None:
    with ServerThread(profile, smb2=dialect is None) as server:
        victim = SMBConnection(HOST, HOST, sess_port=server.port, preferredDialect=dialect)
        victim.login("alice", "Wonderland1", "CORP")
        tid = victim.connectTree("IPC$")
        victim.openFile(tid, "\\lsarpc")
        admin = _srvsvc(server.port, "Administrator", "Adm!n2003", dialect)
        files = srvs.hNetrFileEnum(admin, NULL, "alice\x00", 3)
        (pipe,) = files["InfoStruct"]["FileInfo"]["Level3"]["Buffer"]
        assert pipe["fi3_path_name"] == "\\PIPE\\lsarpc\x00"
        srvs.hNetrFileClose(admin, pipe["fi3_id"])
        assert not srvs.hNetrFileEnum(admin, NULL, "alice\x00", 3)["InfoStruct"]["FileInfo"]["Level3"]["Buffer"]
        srvs.hNetrSessionDel(admin, NULL, "alice\x00")
        sessions = srvs.hNetrSessionEnum(admin, NULL, NULL, 10)["InfoStruct"]["SessionInfo"]["Level10"]["Buffer"]
        assert [s["sesi10_username"] for s in sessions] == ["Administrator\x00"]
        with pytest.raises(SessionError) as err:
            victim.openFile(tid, "\\srvsvc")
        assert err.value.getErrorCode() == deleted_status
        # the caller's own session: the call is answered, the next request finds no session
        srvs.hNetrSessionDel(admin, NULL, "Administrator\x00")
        with pytest.raises(SessionError) as err:
            srvs.hNetrSessionEnum(admin, NULL, NULL, 10)
        assert err.value.getErrorCode() == deleted_status


def test_rpcclient_netsessdel_names_what_is_missing() -> None:
    """MS-SRVS 3.1.4.6: a client with no session, then a user with none from that client."""
    with ServerThread("win2016") as server:
        out = run_tool(["rpcclient", "-p", str(server.port), "-U", ADMIN, HOST, "-c",
                        "netsessdel \\\\\\\\10.9.9.9; netsessdel \\\\\\\\127.0.0.1 nobody"])
        assert out.stdout.splitlines() == ["result was WERR_NERR_CLIENTNAMENOTFOUND",
                                           "result was WERR_NERR_USERNOTFOUND"], out.stdout + out.stderr
