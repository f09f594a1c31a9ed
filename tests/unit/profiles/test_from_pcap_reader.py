"""smbemu.pcap_reader: the containers and link layers a lab's capture may come in, TCP put back
in order, and smbemu's own `--pcap` output read back into the profile it was written with."""

from __future__ import annotations

import random
import struct
import sys
from pathlib import Path

import pytest
from impacket.smbconnection import SMBConnection

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from helpers import HOST, ServerThread  # noqa: E402

from smbemu.capture_identity import read_capture, smb_frames  # noqa: E402
from smbemu.pcap import PcapWriter  # noqa: E402
from smbemu.pcap_reader import CaptureError, read_packets, tcp_streams  # noqa: E402
from smbemu.profile_from_pcap import write_profile  # noqa: E402
from smbemu.profiles import load_profile  # noqa: E402

CAPTURES = Path(__file__).resolve().parents[2] / "captures"
SOURCE = CAPTURES / "win2019-smb1.pcap"  # Linux cooked v1 (LINKTYPE 113)


def _ip_packets() -> list[bytes]:
    packets = list(read_packets(SOURCE))
    assert {link for link, _ in packets} == {113}
    return [frame[16:] for _, frame in packets]


def _pcap(path: Path, link_type: int, frames: list[bytes], order: str = "<") -> None:
    out = struct.pack(order + "IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, link_type)
    for frame in frames:
        out += struct.pack(order + "IIII", 0, 0, len(frame), len(frame)) + frame
    path.write_bytes(out)


def _pcapng(path: Path, link_type: int, frames: list[bytes], order: str) -> None:
    def block(kind: int, body: bytes) -> bytes:
        body += bytes(-len(body) % 4)
        return struct.pack(order + "II", kind, len(body) + 12) + body + struct.pack(order + "I", len(body) + 12)
    out = block(0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack(order + "HHI", link_type, 0, 65535))
    for frame in frames:
        out += block(6, struct.pack(order + "IIIII", 0, 0, 0, len(frame), len(frame)) + frame)
    path.write_bytes(out)


def _expected() -> tuple[str | None, object]:
    facts = read_capture(SOURCE)
    assert facts.ntlm is not None
    return facts.native_os, facts.ntlm.version


def test_the_same_conversation_in_every_container_and_link_layer(tmp_path: Path) -> None:
    packets = _ip_packets()
    ethernet_vlan = [bytes(12) + b"\x81\x00\x00\x05\x08\x00" + p for p in packets]  # 802.1Q, VLAN 5
    sll2 = [b"\x08\x00" + bytes(18) + p for p in packets]
    variants = {
        "raw.pcap": (101, packets, "<"), "vlan.pcap": (1, ethernet_vlan, ">"), "sll2.pcap": (276, sll2, "<"),
        "null.pcap": (0, [struct.pack("<I", 2) + p for p in packets], "<"),
    }
    for name, (link, frames, order) in variants.items():
        _pcap(tmp_path / name, link, frames, order)
    _pcapng(tmp_path / "le.pcapng", 1, ethernet_vlan, "<")
    _pcapng(tmp_path / "be.pcapng", 101, packets, ">")
    for path in sorted(tmp_path.iterdir()):
        facts = read_capture(path)
        assert (facts.native_os, facts.ntlm.version if facts.ntlm else None) == _expected(), path.name


def test_segments_out_of_order_and_retransmitted_are_put_back(tmp_path: Path) -> None:
    packets = _ip_packets()
    shuffled = packets[:3] + random.Random(13).sample(packets[3:], len(packets) - 3) + packets[5:9]  # + retransmissions
    _pcap(tmp_path / "shuffled.pcap", 101, shuffled)
    facts = read_capture(tmp_path / "shuffled.pcap")
    assert (facts.native_os, facts.ntlm.version if facts.ntlm else None) == _expected()
    assert facts.gaps == 0


def test_a_missing_segment_ends_that_direction_without_an_error(tmp_path: Path) -> None:
    packets = _ip_packets()
    streams = tcp_streams(SOURCE)
    server_bytes = len(streams[0].b_to_a)
    with_data = [i for i, p in enumerate(packets) if len(p) > 52 and p[12:16] == packets[1][12:16]]  # server -> client
    _pcap(tmp_path / "gap.pcap", 101, packets[: with_data[1]] + packets[with_data[1] + 1 :])
    stream = tcp_streams(tmp_path / "gap.pcap")[0]
    assert stream.gap and 0 < len(stream.b_to_a) < server_bytes
    assert read_capture(tmp_path / "gap.pcap").gaps == 1


def test_ipv6_conversation(tmp_path: Path) -> None:
    """smbemu's own writer (smbemu.pcap) carries the capture's SMB messages over IPv6."""
    stream = tcp_streams(SOURCE)[0]
    writer = PcapWriter(str(tmp_path / "v6.pcap"))
    tcp = writer.stream(("fd00::10", 41688), ("fd00::3", 445))
    for message in smb_frames(stream.a_to_b):
        tcp.record_message(True, message)
    for message in smb_frames(stream.b_to_a):
        tcp.record_message(False, message)
    tcp.close()
    writer.close()
    facts = read_capture(tmp_path / "v6.pcap")
    assert facts.server == ("fd00::3", 445)
    assert (facts.native_os, facts.ntlm.version if facts.ntlm else None) == _expected()


def test_smbemus_own_capture_gives_back_the_profile_it_served(tmp_path: Path) -> None:
    """`smbemu serve --pcap` (LINKTYPE_RAW) of an impacket session against win2016: the profile
    generated from it carries win2016's identity."""
    capture = tmp_path / "served.pcap"
    with ServerThread("win2016", pcap=str(capture)) as server:
        client = SMBConnection(HOST, HOST, sess_port=server.port)
        client.login("", "")
        client.connectTree("IPC$")
        client.close()
    path, generated = write_profile("served", capture, tmp_path / "served.yaml")
    assert generated.base == "win2016"
    served, original = load_profile(path), load_profile("win2016")
    for key in ("identity.ntlm_version", "identity.smb2.ipc_maximal_access", "identity.smb2.spnego_mechs",
                "identity.smb2.send_start_time", "identity.ntlm.timestamp", "smb.max_read_size", "smb.dialects"):
        assert served.get(key) == original.get(key), key
        assert served.sources[key] == str(path), key


@pytest.mark.parametrize("cut", [25, 40, 100])
def test_truncated_files_raise_one_capture_error(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "cut.pcapng"
    path.write_bytes((CAPTURES / "win10-1903-dcerpc-ntlm.pcapng").read_bytes()[:cut])
    with pytest.raises(CaptureError) as caught:
        tcp_streams(path)
    assert str(caught.value).startswith(f"{path}: ") and "\n" not in str(caught.value)


def test_a_capture_started_mid_connection_with_the_server_seen_first(tmp_path: Path) -> None:
    """No handshake, and the server's first answer is the first packet: the roles come from the
    SMB reply flag, not from who spoke first."""
    packets = _ip_packets()[3:]  # SYN, SYN-ACK, ACK dropped
    server = packets[1][12:16]  # the NEGOTIATE response's source address
    first_answer = next(i for i, p in enumerate(packets) if p[12:16] == server and len(p) > 60)
    _pcap(tmp_path / "mid.pcap", 101, [packets[first_answer], *packets[:first_answer], *packets[first_answer + 1 :]])
    stream = tcp_streams(tmp_path / "mid.pcap")[0]
    assert stream.a[1] == 445  # the first sender seen
    facts = read_capture(tmp_path / "mid.pcap")
    assert facts.server == stream.a
    assert (facts.native_os, facts.ntlm.version if facts.ntlm else None) == _expected()


def test_corrupted_captures_never_raise_anything_else(tmp_path: Path) -> None:
    """Bad network data inside a well-formed file is skipped or counted, never a traceback: 200
    captures with bytes flipped after the file header give a profile, a CaptureError or a
    ConfigError (no server answers) -- nothing else."""
    from smbemu.errors import ConfigError
    from smbemu.profile_from_pcap import profile_from_capture

    rng = random.Random(2026)
    sources = [path.read_bytes() for path in sorted(CAPTURES.glob("*.pcap*"))]
    outcomes = {"profile": 0, "capture error": 0, "no server": 0}
    for round_number in range(200):
        data = bytearray(rng.choice(sources))
        for _ in range(rng.choice((1, 3, 10, 40))):
            data[rng.randrange(24, len(data))] = rng.randrange(256)
        path = tmp_path / f"corrupt{round_number % 2}.pcap"
        path.write_bytes(bytes(data))
        try:
            profile_from_capture("lab", path)
            outcomes["profile"] += 1
        except CaptureError:
            outcomes["capture error"] += 1
        except ConfigError:
            outcomes["no server"] += 1
    assert outcomes["profile"] > 60 and outcomes["capture error"] > 10, outcomes
