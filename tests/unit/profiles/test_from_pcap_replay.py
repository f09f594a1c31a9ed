"""Replaying a capture's client against the profile generated from it: smbemu started with that
profile answers the capture's own NEGOTIATE and first SESSION_SETUP bytes with the identity the
real Windows server sent (NTLM VERSION and target-info pairs, SMB2 dialect, capabilities,
security mode, sizes, SPNEGO mechanisms, ServerStartTime present or not; SMB1 NEGOTIATE words
and NativeOS / NativeLanMan). The captures are named in tests/captures/README.md (issue 13)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from helpers import HOST, ServerThread  # noqa: E402

from smbemu.capture_identity import WireFacts, facts_from_frames, read_capture, smb_frames  # noqa: E402
from smbemu.pcap_reader import tcp_streams  # noqa: E402
from smbemu.profile_from_pcap import write_profile  # noqa: E402
from smbemu.profiles import load_profile  # noqa: E402

CAPTURES = Path(__file__).resolve().parents[2] / "captures"
_SMB2_SESSION_SETUP, _SMB1_SESSION_SETUP = 1, 0x73


def _client_opening(capture: Path, server: tuple[str, int]) -> list[bytes]:
    """The client's SMB messages of the capture's first conversation with ``server`` that reaches
    SESSION_SETUP, up to and including its first SESSION_SETUP request."""
    for stream in tcp_streams(capture):
        if stream.b != server:
            continue
        frames: list[bytes] = []
        for frame in smb_frames(stream.a_to_b):
            frames.append(frame)
            if (frame[:4] == b"\xfeSMB" and frame[12] == _SMB2_SESSION_SETUP) or \
                    (frame[:4] == b"\xffSMB" and frame[4] == _SMB1_SESSION_SETUP):
                return frames
    raise AssertionError(f"{capture.name}: no SESSION_SETUP from a client of {server}")


def _receive(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        assert chunk, "the server closed the connection"
        data += chunk
    return data


def _replay(profile: Path, frames: list[bytes]) -> list[bytes]:
    """Send each message (NetBIOS session framing) and read its one answer."""
    answers = []
    with ServerThread(str(profile), smb2=False) as server, socket.create_connection((HOST, server.port), timeout=30) as sock:
        for frame in frames:
            sock.sendall(b"\x00" + len(frame).to_bytes(3, "big") + frame)
            header = _receive(sock, 4)
            answers.append(_receive(sock, int.from_bytes(header[1:], "big")))
    return answers


def _identity(facts: WireFacts) -> dict[str, Any]:
    """The fields compared: what fingerprinting tools read."""
    out: dict[str, Any] = {}
    if facts.ntlm is not None:
        version = facts.ntlm.version
        out["ntlm version"] = None if version is None else (version.major, version.minor, version.build)
        out["ntlm target-info ids"] = sorted(av_id for av_id, _ in facts.ntlm_pairs or [])
    if facts.smb2_negotiate is not None:
        response = facts.smb2_negotiate
        for name in ("dialect_revision", "capabilities", "security_mode", "max_transact_size", "max_read_size", "max_write_size"):
            out[f"smb2 {name}"] = response[name]
        out["smb2 start time sent"] = response["server_start_time"] != 0
        out["smb2 mechs"], out["smb2 hint"] = facts.smb2_mechs, facts.smb2_hint
    if facts.smb1_negotiate is not None:
        words = facts.smb1_negotiate
        for name in ("security_mode", "max_mpx_count", "max_number_vcs", "max_buffer_size", "max_raw_size",
                     "capabilities", "server_time_zone"):
            out[f"smb1 {name}"] = words[name]
        out["native os"], out["native lanman"] = facts.native_os, facts.native_lanman
    return out


#: What a capture shows that no profile key can carry yet, so the replay cannot repeat it: XP's
#: CHALLENGE has MsvAvFlags (AvId 6) = 0x00000001 in its target info (the issue 13 item "XP's
#: MsvAvFlags are not modelled"); the generated file lists it under "no profile key holds it".
#: Capture fields no profile key can express yet: capture -> (AvId, the without-key line). Empty since
#: identity.ntlm.av_flags carries XP's MsvAvFlags (issue 13).
KNOWN_GAPS: dict[str, tuple[int, str]] = {}


@pytest.mark.parametrize(("capture", "fields"), [
    ("win10-1607-smb311-dcerpc.pcap", 11),  # SMB 3.1.1, a 10.0.14393 DC (signing required)
    ("win2022-epm-smb30.pcap", 11),  # SMB 3.0, Server 2022 (ENCRYPTION asked and answered)
    ("win10-2004-smb311-ipc.pcap", 11),  # SMB 3.1.1, Windows 10 2004 (no ServerStartTime)
    ("win2019-smb1.pcap", 11),  # SMB1 extended security, Server 2019
    ("winxp-smb1-raw-ntlm.pcap", 11),  # SMB1, raw NTLMSSP, XP
])
def test_the_generated_profile_answers_the_captures_client_as_windows_did(tmp_path: Path, capture: str, fields: int) -> None:
    path = CAPTURES / capture
    recorded = read_capture(path)
    assert recorded.server is not None
    profile, generated = write_profile("replayed", path, tmp_path / "replayed.yaml")
    frames = _client_opening(path, recorded.server)
    replayed = facts_from_frames(frames, _replay(profile, frames), "replay")
    expected, got = _identity(recorded), _identity(replayed)
    gap = KNOWN_GAPS.get(capture)
    if gap is not None:  # not expressible yet: the generated file must say so, and smbemu must still differ
        av_id, listed = gap
        assert any(line.startswith(listed) for line in generated.without_key), generated.without_key
        assert av_id in expected["ntlm target-info ids"] and av_id not in got["ntlm target-info ids"]
        expected["ntlm target-info ids"].remove(av_id)
    assert len(expected) == fields
    assert got == expected


NDR64_SYNTAX = ("71710533-BEBA-4937-8319-B5DBEF9CCC36", "1.0")  # MS-RPCE 2.2.5.3.1


@pytest.mark.parametrize(("capture", "pipe", "interface", "syntax", "key"), [
    # XP's lsarpc bind_ack names \PIPE\lsass in upper case (zeek raw_ntlm_in_smb.pcap).
    ("winxp-smb1-raw-ntlm.pcap", r"\lsarpc", ("12345778-1234-ABCD-EF00-0123456789AB", "0.0"), None, "rpc.lsass_pipe_address"),
    # The 14393 server accepts NDR64 (suricata-verify dcerpc-smb-ctxid): so does the generated profile.
    ("win10-1607-smb311-dcerpc.pcap", r"\srvsvc", ("4B324FC8-1670-01D3-1278-5A47BF6EE188", "3.0"), NDR64_SYNTAX, "rpc.ndr64"),
])
def test_impacket_binds_get_the_captures_bind_ack(tmp_path: Path, capture: str, pipe: str, interface: tuple[str, str],
                                                  syntax: tuple[str, str] | None, key: str) -> None:
    """impacket binds against the generated profile under `--pcap`; the profile read back from
    that capture has the value the Windows capture gave."""
    from impacket.dcerpc.v5 import transport
    from impacket.smbconnection import SMB_DIALECT, SMBConnection
    from impacket.uuid import uuidtup_to_bin

    profile, generated = write_profile("original", CAPTURES / capture, tmp_path / "original.yaml")
    expected = generated.keys[key][0]
    served = tmp_path / "served.pcap"
    with ServerThread(str(profile), smb2=False, pcap=str(served)) as server:
        smb1 = not load_profile(profile).smb.dialects
        client = SMBConnection(HOST, HOST, sess_port=server.port, preferredDialect=SMB_DIALECT if smb1 else None)
        client.login("alice", "Wonderland1")
        rpc = transport.SMBTransport(HOST, server.port, pipe, smb_connection=client)
        dce = rpc.get_dce_rpc()
        dce.connect()
        dce.bind(uuidtup_to_bin(interface), **({"transfer_syntax": syntax} if syntax else {}))
        dce.disconnect()
        client.close()
    _, replayed = write_profile("replayed", served, tmp_path / "replayed.yaml")
    assert replayed.keys[key][0] == expected

