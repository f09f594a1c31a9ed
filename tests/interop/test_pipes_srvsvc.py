"""srvsvc and wkssvc against real clients over a real SMB connection: Samba's smbclient and
rpcclient, impacket's SMBConnection and DCE/RPC client (issue 3, "What it must show").

Profiles: win2000 (srvsvc and wkssvc are null-session pipes there, so anonymous tools work as
they did against Windows 2000) with the dialect list widened to 3.1.1 for the SMB 3.1.1 runs;
win2016 for an authenticated user.  Credentials are the corp fixture's: alice / Wonderland1
(user), Administrator / Adm!n2003 (administrator).  A missing client fails the test (run_tool).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from impacket.dcerpc.v5 import srvs, transport, wkst  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]
from impacket.smb3structs import FILE_READ_DATA, FILE_WRITE_DATA  # type: ignore[import-untyped]
from impacket.smbconnection import SMBConnection  # type: ignore[import-untyped]

from helpers import HOST, ServerThread, run_tool
from smbemu.rpc.pdu import (
    NDR20,
    PFC_FIRST_FRAG,
    PFC_LAST_FRAG,
    Bind,
    BindAck,
    ContextElement,
    Pdu,
    Request,
    Response,
    SyntaxId,
    encode_pdu,
    parse_pdu,
)

pytestmark = pytest.mark.interop

ALICE = ("alice", "Wonderland1")
ADMIN = ("Administrator", "Adm!n2003")
SRVSVC = SyntaxId.of("4b324fc8-1670-01d3-1278-5a47bf6ee188", 3, 0)

#: NetrShareEnum level 1 of the win2000 corp fixture: (name, smbclient type, comment).
SHARES = [
    ("IPC$", "IPC", "Remote IPC"), ("ADMIN$", "Disk", "Remote Admin"),
    ("C$", "Disk", "Default share"), ("D$", "Disk", "Default share"),
    ("print$", "Disk", "Printer Drivers"), ("Public", "Disk", "Public files - everyone can read"),
    ("Finance", "Disk", "Finance department"), ("HR", "Disk", "Human Resources - CONFIDENTIAL"),
    ("Software", "Disk", "Software installers and keys"), ("Users$", "Disk", "Home directories"),
    ("Profiles$", "Disk", "Roaming profiles"), ("Backups$", "Disk", "Nightly SQL and Exchange dumps"),
    ("HPLJ4250", "Printer", "HP LaserJet 4250 - 2nd floor")]
#: The same shares as a 2008-or-later server lists them: sorted by name, case-insensitively
#: (identity.srvsvc.share_order, cited in policies/win2008.yaml).
SHARES_BY_NAME = sorted(SHARES, key=lambda share: share[0].upper())
STYPE = {"IPC": 3, "Disk": 0, "Printer": 1}


@pytest.fixture(scope="module")
def permissive() -> Iterator[ServerThread]:
    """Windows 2000 rules (anonymous share enumeration allowed), every SMB2 dialect."""
    with ServerThread("win2000", overrides=["smb.dialects=2.0.2,2.1,3.0,3.0.2,3.1.1"]) as server:
        yield server


@pytest.fixture(scope="module")
def modern() -> Iterator[ServerThread]:
    with ServerThread("win2016") as server:
        yield server


def listed(output: str) -> list[tuple[str, str, str]]:
    """The share table of ``smbclient -L``."""
    rows = re.findall(r"^\t(\S+)\s+(Disk|IPC|Printer)[ \t]*(.*?)\s*$", output, re.M)
    return [(n, t, c) for n, t, c in rows]


# ------------------------------------------------------------------ smbclient -L


@pytest.mark.parametrize("protocol", ["client max protocol=SMB2_02", "client min protocol=SMB3_11"])
def test_smbclient_lists_shares_anonymously(permissive: ServerThread, protocol: str) -> None:
    result = run_tool(["smbclient", "-L", f"//{HOST}", "-p", str(permissive.port), "-N",
                       f"--option={protocol}"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Anonymous login successful" in result.stdout + result.stderr
    assert listed(result.stdout) == SHARES


@pytest.mark.parametrize("protocol", ["client max protocol=SMB2_02", "client min protocol=SMB3_11"])
def test_smbclient_lists_shares_as_a_user_with_signing(modern: ServerThread, protocol: str) -> None:
    result = run_tool(["smbclient", "-L", f"//{HOST}", "-p", str(modern.port),
                       "-U", "%".join(ALICE), "--option=client signing=required",
                       f"--option={protocol}"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert listed(result.stdout) == SHARES_BY_NAME
    assert [name for name, _, _ in SHARES_BY_NAME[:3]] == ["ADMIN$", "Backups$", "C$"]


# ------------------------------------------------------------------ rpcclient


def rpcclient(port: int, commands: str, creds: tuple[str, str] | None = None) -> Any:
    user = ["-U", "%".join(creds)] if creds else ["-U", "", "-N"]
    return run_tool(["rpcclient", "-p", str(port), *user, HOST, "-c", commands])


SRVINFO = [r"LEGACYSRV\s+Wk Sv NT SNT PtB LMB\s+File and print server",
           r"platform_id\s+:\s+500", r"os version\s+:\s+5\.0", r"server type\s+:\s+0x59003"]


def test_rpcclient_anonymous_srvinfo_and_shares(permissive: ServerThread) -> None:
    """Levels 1: what an anonymous caller may ask (windows-defaults §0 rule 9)."""
    result = rpcclient(permissive.port, "srvinfo;netshareenumall 1;netsharegetinfo IPC$ 1")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    for pattern in SRVINFO:
        assert re.search(pattern, out), pattern
    names = re.findall(r"^netname: (\S+)$", out, re.M)
    remarks = re.findall(r"^\tremark:\t(.*)$", out, re.M)
    assert names == [n for n, _, _ in SHARES] + ["IPC$"]
    assert remarks == [c for _, _, c in SHARES] + ["Remote IPC"]


def test_rpcclient_default_levels_are_administrator_only(permissive: ServerThread) -> None:
    """Issue 3's literal command: rpcclient's netshareenumall asks level 2 and
    netsharegetinfo level 502 by default; Windows gives those to administrators only and answers
    others ERROR_ACCESS_DENIED as the return value (§0 rule 9) — so anonymous gets srvinfo and
    two refusals, the administrator gets everything."""
    anonymous = rpcclient(permissive.port, "srvinfo;netshareenumall;netsharegetinfo IPC$")
    for pattern in SRVINFO:
        assert re.search(pattern, anonymous.stdout), pattern
    assert anonymous.stdout.count("result was WERR_ACCESS_DENIED") == 2
    admin = rpcclient(permissive.port, "srvinfo;netshareenumall;netsharegetinfo IPC$", ADMIN)
    out = admin.stdout
    assert admin.returncode == 0, out + admin.stderr
    for pattern in SRVINFO:
        assert re.search(pattern, out), pattern
    assert re.findall(r"^netname: (\S+)$", out, re.M) == [n for n, _, _ in SHARES] + ["IPC$"]
    assert "\tpath:\tC:\\WINNT" in out and "\tpath:\tD:\\Shares\\Finance" in out
    assert re.search(r"type:\s+0x80000003", out)


def test_rpcclient_wkssvc_and_more_as_administrator(modern: ServerThread) -> None:
    result = rpcclient(modern.port, "srvinfo;wkssvc_enumeratecomputernames;netsessenum", ADMIN)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert re.search(r"os version\s+:\s+10\.0", out) and re.search(r"0x9003", out)
    assert "name: 0 legacysrv.corp.local" in out
    assert "Received 1 entries." in out


# ------------------------------------------------------------------ impacket


def smb(port: int, creds: tuple[str, str] = ("", "")) -> SMBConnection:
    conn = SMBConnection(HOST, HOST, sess_port=port)
    conn.login(*creds)
    return conn


def dce_on(port: int, pipe: str, creds: tuple[str, str] = ("", "")) -> Any:
    rpc = transport.DCERPCTransportFactory(rf"ncacn_np:{HOST}[\pipe\{pipe}]")
    rpc.set_dport(port)
    rpc.set_credentials(*creds)
    dce = rpc.get_dce_rpc()
    dce.connect()
    dce.bind(srvs.MSRPC_UUID_SRVS if pipe == "srvsvc" else wkst.MSRPC_UUID_WKST)
    return dce


def test_impacket_list_shares_matches_smbclient(permissive: ServerThread) -> None:
    conn = smb(permissive.port)
    try:
        shares = conn.listShares()
    finally:
        conn.close()
    assert [(s["shi1_netname"][:-1], s["shi1_type"] & 0xFF, s["shi1_remark"][:-1])
            for s in shares] == [(n, STYPE[t], c) for n, t, c in SHARES]


def test_impacket_dcerpc_srvsvc_and_wkssvc(permissive: ServerThread) -> None:
    dce = dce_on(permissive.port, "srvsvc")
    try:
        resp = srvs.hNetrShareEnum(dce, 1)
        got = [(e["shi1_netname"][:-1], e["shi1_remark"][:-1])
               for e in resp["InfoStruct"]["ShareInfo"]["Level1"]["Buffer"]]
        assert got == [(n, c) for n, _, c in SHARES]
        info = srvs.hNetrServerGetInfo(dce, 101)["InfoStruct"]["ServerInfo101"]
        assert (info["sv101_name"][:-1], info["sv101_platform_id"], info["sv101_version_major"],
                info["sv101_version_minor"], info["sv101_type"]) == ("LEGACYSRV", 500, 5, 0, 0x59003)
        assert info["sv101_comment"][:-1] == "File and print server"
    finally:
        dce.disconnect()
    dce = dce_on(permissive.port, "wkssvc")
    try:
        wks = wkst.hNetrWkstaGetInfo(dce, 100)["WkstaInfo"]["WkstaInfo100"]
        assert (wks["wki100_computername"][:-1], wks["wki100_langroup"][:-1],
                wks["wki100_ver_major"], wks["wki100_ver_minor"]) == ("LEGACYSRV", "CORP", 5, 0)
    finally:
        dce.disconnect()


def test_impacket_user_on_win2016(modern: ServerThread) -> None:
    dce = dce_on(modern.port, "srvsvc", ALICE)
    try:
        names = [e["shi1_netname"][:-1]
                 for e in srvs.hNetrShareEnum(dce, 1)["InfoStruct"]["ShareInfo"]["Level1"]["Buffer"]]
        assert names == [n for n, _, _ in SHARES_BY_NAME]
        info = srvs.hNetrServerGetInfo(dce, 101)["InfoStruct"]["ServerInfo101"]
        assert (info["sv101_version_major"], info["sv101_type"]) == (10, 0x9003)
        with pytest.raises(Exception) as err:
            srvs.hNetrShareEnum(dce, 2)
        assert "ACCESS_DENIED" in str(err.value).upper()
    finally:
        dce.disconnect()


def test_impacket_session_enum_shows_the_real_sessions(modern: ServerThread) -> None:
    """NetrSessionEnum lists the live sessions with the peer address as Windows shows it."""
    other = smb(modern.port, ALICE)
    try:
        # alice's session opens a pipe, which is when smbemu learns its address (see report)
        tid = other.connectTree("IPC$")
        fid = other.openFile(tid, "\\wkssvc", desiredAccess=FILE_READ_DATA | FILE_WRITE_DATA)
        dce = dce_on(modern.port, "srvsvc", ADMIN)
        try:
            got = srvs.hNetrSessionEnum(dce, NULL, NULL, 10)["InfoStruct"]["SessionInfo"][
                "Level10"]["Buffer"]
            rows = sorted((e["sesi10_cname"][:-1], e["sesi10_username"][:-1]) for e in got)
            assert rows == [("\\\\127.0.0.1", "Administrator"), ("\\\\127.0.0.1", "alice")]
            files = srvs.hNetrFileEnum(dce, NULL, NULL, 3)["InfoStruct"]["FileInfo"]["Level3"][
                "Buffer"]
            assert ("\\PIPE\\wkssvc", "alice") in [(f["fi3_path_name"][:-1], f["fi3_username"][:-1])
                                                  for f in files]
        finally:
            dce.disconnect()
        other.closeFile(tid, fid)
    finally:
        other.close()


# ------------------------------------------------------------------ fragments over SMB


def _pipe(port: int, creds: tuple[str, str]) -> tuple[SMBConnection, int, Any]:
    conn = smb(port, creds)
    tid = conn.connectTree("IPC$")
    fid = conn.openFile(tid, "\\srvsvc", desiredAccess=FILE_READ_DATA | FILE_WRITE_DATA)
    return conn, tid, fid


def _read_pdus(conn: SMBConnection, tid: int, fid: Any) -> list[Pdu]:
    """Read response fragments (one pipe message each) until PFC_LAST_FRAG."""
    pdus = []
    while True:
        pdu = parse_pdu(conn.readFile(tid, fid, 0, 4280))
        pdus.append(pdu)
        if pdu.pfc_flags & PFC_LAST_FRAG:
            return pdus


def test_hand_built_request_in_64_byte_fragments_and_fragmented_response(
        modern: ServerThread) -> None:
    """A bind with max_recv_frag 2048, then NetprPathCanonicalize sent as 64-byte stub pieces
    (one SMB2 WRITE each): the server reassembles the request, and its 4 KiB answer comes
    back in fragments no larger than 2048 bytes that reassemble to the right result."""
    conn, tid, fid = _pipe(modern.port, ALICE)
    try:
        conn.writeFile(tid, fid, encode_pdu(Pdu(Bind(2048, 2048, 0, (
            ContextElement(0, SRVSVC, (NDR20,)),)), 1, PFC_FIRST_FRAG | PFC_LAST_FRAG)))
        (ack,) = _read_pdus(conn, tid, fid)
        assert isinstance(ack.body, BindAck) and ack.body.max_xmit_frag == 2048
        path = "\\".join(["C:"] + [f"dir{i:03}" for i in range(60)] + [".."] * 30)
        req = srvs.NetprPathCanonicalize()
        req["ServerName"] = NULL
        req["PathName"] = path + "\x00"
        req["OutbufLen"] = 4000
        req["Prefix"] = "\x00"
        req["PathType"] = 0
        req["Flags"] = 0
        stub = req.getData()
        pieces = [stub[i:i + 64] for i in range(0, len(stub), 64)]
        assert len(pieces) >= 10
        for i, piece in enumerate(pieces):
            flags = (PFC_FIRST_FRAG if i == 0 else 0) | (PFC_LAST_FRAG if i == len(pieces) - 1 else 0)
            conn.writeFile(tid, fid, encode_pdu(Pdu(Request(len(stub) - 64 * i, 0, 31, piece), 2,
                                                   flags)))
        pdus = _read_pdus(conn, tid, fid)
        assert len(pdus) >= 2
        assert all(isinstance(p.body, Response) and p.call_id == 2 for p in pdus)
        assert all(len(encode_pdu(p)) <= 2048 for p in pdus)
        assert pdus[0].pfc_flags & PFC_FIRST_FRAG and not pdus[1].pfc_flags & PFC_FIRST_FRAG
        answer = srvs.NetprPathCanonicalizeResponse(b"".join(p.body.stub for p in pdus))  # type: ignore[union-attr]
        assert answer["ErrorCode"] == 0 and answer["PathType"] == srvs.ITYPE_PATH_ABSD
        text = b"".join(answer["Outbuf"]).decode("utf-16-le").split("\0")[0]
        assert text == "C:\\" + "\\".join(f"dir{i:03}" for i in range(30))
    finally:
        conn.close()


def test_impacket_small_fragments_both_ways(modern: ServerThread) -> None:
    """impacket splits its own requests into 64-byte fragments (set_max_fragment_size) and
    reassembles an answer the server had to fragment (an 8000-byte Outbuf does not fit in one
    4280-byte fragment)."""
    dce = dce_on(modern.port, "srvsvc", ADMIN)
    try:
        dce.set_max_fragment_size(64)
        resp = srvs.hNetrShareEnum(dce, 2)
        assert [e["shi2_netname"][:-1] for e in resp["InfoStruct"]["ShareInfo"]["Level2"]["Buffer"]] \
            == [n for n, _, _ in SHARES_BY_NAME]
        big = srvs.hNetprPathCanonicalize(dce, "C:\\x\x00", "\x00", outbufLen=8000)
        assert len(big["Outbuf"]) == 8000 and big["PathType"] == srvs.ITYPE_PATH_ABSD
    finally:
        dce.disconnect()
