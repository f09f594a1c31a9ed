"""Issue 13: the IOCTLs a Windows client sends right after connecting (FSCTL_QUERY_NETWORK_INTERFACE_INFO,
FSCTL_DFS_GET_REFERRALS), the 2008 TRANSCEIVE echo and FileIds, each against the Windows capture
its profile file cites -- sans I/O."""

from __future__ import annotations

import ipaddress
import struct
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import build_config
from smbemu.connection import Connection
from smbemu.smb2.constants import Command
from smbemu.status import NtStatus
from smb2raw import frame, negotiate_body, request, responses

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sansio_client import (  # noqa: E402
    SPNEGO_AUTH_ANON,
    SPNEGO_NEGOTIATE,
    SRVSVC_BIND,
    Client,
)

FSCTL_QUERY_NETWORK_INTERFACE_INFO = 0x001401FC
FSCTL_DFS_GET_REFERRALS = 0x00060194
FSCTL_DFS_GET_REFERRALS_EX = 0x000601B0
FSCTL_PIPE_TRANSCEIVE = 0x0011C017
NO_FILE = b"\xff" * 16
ROOT = Path(__file__).resolve().parents[3]


class Ipc:
    """A connection with an anonymous session and an IPC$ tree."""

    def __init__(self, config: Any, dialects: tuple[int, ...] = (0x0202, 0x0210, 0x0300),
                 client_capabilities: int = 0x7F) -> None:
        self.conn = Connection(config)
        self.message_id = 0
        self.session_id = self.tree_id = 0
        negotiate = negotiate_body(dialects)
        self.send(Command.NEGOTIATE, negotiate[:8] + struct.pack("<I", client_capabilities) + negotiate[12:])
        self.session_id = self.send(Command.SESSION_SETUP, Client.setup_body(SPNEGO_NEGOTIATE))["session_id"]
        self.send(Command.SESSION_SETUP, Client.setup_body(SPNEGO_AUTH_ANON))
        self.send(Command.TREE_CONNECT, Client.tree_connect_body())
        self.tree_id = max(self.conn.sessions[self.session_id].tree_connects)

    def send(self, command: int, body: bytes) -> dict[str, Any]:
        (answer,) = responses(self.conn.receive_data(frame(request(
            command, body, message_id=self.message_id, credits=8, session_id=self.session_id, tree_id=self.tree_id))))
        self.message_id += 1
        return answer

    def ioctl(self, ctl_code: int, data: bytes = b"", file_id: bytes = NO_FILE, max_output: int = 4096) -> dict[str, Any]:
        body = struct.pack("<HHI16sIIIIIIII", 57, 0, ctl_code, file_id, 64 + 56 if data else 0, len(data), 0,
                           0, 0, max_output, 1, 0) + data
        answer = self.send(Command.IOCTL, body)
        if answer["status"] == 0:
            fields = struct.unpack_from("<HHI16sIIII", answer["body"])
            answer["file_id"], answer["input"] = fields[3], (fields[4], fields[5])
            output_offset, output_count = fields[6], fields[7]
            answer["output"] = answer["body"][output_offset - 64 : output_offset - 64 + output_count]
            answer["echoed"] = answer["body"][fields[4] - 64 : fields[4] - 64 + fields[5]]
        return answer


# ------------------------------------------------------------- FSCTL_QUERY_NETWORK_INTERFACE_INFO
@pytest.mark.parametrize(("profile", "capability"), [("win2012", 1), ("win2016", 1), ("win2022", 1)])
def test_interface_list_as_windows_answers(profile: str, capability: int) -> None:
    """zeek smb3_multichannel.pcap (10.0.19041) and suricata-verify tests/smb2-ntlmssp-negotiateflags
    (8.1 / 10 1511): SUCCESS, FileId all-FF, InputOffset = OutputOffset = 0x70, 152-byte entries
    with RSS at 1 Gbit/s and port 0."""
    answer = Ipc(build_config(profile)).ioctl(FSCTL_QUERY_NETWORK_INTERFACE_INFO, max_output=65536)
    assert answer["status"] == 0
    assert answer["file_id"] == NO_FILE and answer["input"] == (0x70, 0)
    output = answer["output"]
    assert len(output) == 152
    next_offset, if_index, capabilities, _, link_speed, family, port = struct.unpack_from("<IIIIQHH", output)
    assert (next_offset, capabilities, link_speed, family, port) == (0, capability, 1_000_000_000, 2, 0)
    assert if_index != 0  # MS-SMB2 3.3.5.15.11: never an interface with IfIndex 0
    assert ipaddress.ip_address(output[28:32]) == ipaddress.ip_address("127.0.0.1")


def test_interface_list_needs_smb3() -> None:
    """MS-SMB2 3.3.5.15.11: a 2.x connection MAY get STATUS_NOT_SUPPORTED."""
    assert Ipc(build_config("win2016"), (0x0202, 0x0210)).ioctl(
        FSCTL_QUERY_NETWORK_INTERFACE_INFO)["status"] == NtStatus.NOT_SUPPORTED


def test_interface_list_without_multichannel_from_the_client() -> None:
    """A 3.x client offering ENCRYPTION alone (impacket, as NetExec's enum_inet module uses it
    against Server 2025) still gets the list, though the NEGOTIATE answer carries no MULTI_CHANNEL."""
    ipc = Ipc(build_config("win2022"), (0x0202, 0x0210, 0x0300), client_capabilities=0x40)
    assert not ipc.conn.smb2.server_capabilities & 0x08
    assert ipc.ioctl(FSCTL_QUERY_NETWORK_INTERFACE_INFO)["status"] == 0


@pytest.mark.parametrize("profile", ["win2008", "win7"])
def test_releases_before_smb3_know_no_interface_list(profile: str) -> None:
    """2008 / 7 have no SMB 3.x: the FSCTL is an unknown one on a FileId that names no Open."""
    assert Ipc(build_config(profile)).ioctl(FSCTL_QUERY_NETWORK_INTERFACE_INFO)["status"] == NtStatus.FILE_CLOSED


def test_handle_less_fsctls_refuse_a_file_id() -> None:
    """MS-SMB2 3.3.5.15: these FSCTLs with a FileId other than all-FF: STATUS_INVALID_PARAMETER."""
    ipc = Ipc(build_config("win2016-dc"))
    assert ipc.ioctl(FSCTL_QUERY_NETWORK_INTERFACE_INFO, file_id=bytes(16))["status"] == NtStatus.INVALID_PARAMETER
    assert ipc.ioctl(FSCTL_DFS_GET_REFERRALS, b"\x03\x00\x00\x00", file_id=bytes(16))["status"] == \
        NtStatus.INVALID_PARAMETER


# ------------------------------------------------------------- FSCTL_DFS_GET_REFERRALS
def _referral(level: int, name: str) -> bytes:
    return struct.pack("<H", level) + name.encode("utf-16-le") + b"\x00\x00"


@pytest.fixture(scope="module")
def granitemania(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The fixture with the names of the 2008 R2 SP1 DC in suricata-verify
    tests/smb2-09-trunc-file-logging/input.pcap, so its answers can be compared byte for byte."""
    fixture = yaml.safe_load((ROOT / "fixtures" / "minimal.yaml").read_text())
    fixture["machine"].update(netbios_name="GRANITEMANIA-DC", dns_name="GRANITEMANIA-DC.granitemania.com")
    fixture["domain"].update(name="GRANITEMANIA", dns_name="granitemania.com")
    path = tmp_path_factory.mktemp("granitemania") / "granitemania.yaml"
    path.write_text(yaml.safe_dump(fixture))
    return Ipc(build_config("win2008-dc", str(path)))


# The output bytes of frames 16, 31 and 33 of that capture (its tests/smb2-09-trunc-file-logging).
CAPTURED = {
    (3, ""): bytes.fromhex(
        "00000200000000000300120000000200580200002400000000000300120000000200580200002e00000000005c00"
        "4700520041004e004900540045004d0041004e004900410000005c006700720061006e006900740065006d006100"
        "6e00690061002e0063006f006d000000"),
    (3, "granitemania.com"): bytes.fromhex(
        "0000010000000000030022000000020058020000220001004600000000000000000000000000000000005c006700"
        "720061006e006900740065006d0061006e00690061002e0063006f006d0000005c004700520041004e0049005400"
        "45004d0041004e00490041002d00440043002e006700720061006e006900740065006d0061006e00690061002e00"
        "63006f006d000000"),
    (4, "\\granitemania.com\\sysvol"): bytes.fromhex(
        "3000010002000000040022000000040084030000220054008600000000000000000000000000000000005c006700"
        "720061006e006900740065006d0061006e00690061002e0063006f006d005c0073007900730076006f006c000000"
        "5c006700720061006e006900740065006d0061006e00690061002e0063006f006d005c0073007900730076006f00"
        "6c0000005c004700520041004e004900540045004d0041004e00490041002d00440043002e006700720061006e00"
        "6900740065006d0061006e00690061002e0063006f006d005c0073007900730076006f006c000000"),
}


@pytest.mark.parametrize(("level", "name"), sorted(CAPTURED))
def test_dc_referrals_byte_for_byte_as_captured(granitemania: Ipc, level: int, name: str) -> None:
    answer = granitemania.ioctl(FSCTL_DFS_GET_REFERRALS, _referral(level, name))
    assert answer["status"] == 0 and answer["file_id"] == NO_FILE
    assert answer["output"] == CAPTURED[(level, name)]


def test_dc_referral_ex_and_netbios_forms(granitemania: Ipc) -> None:
    """REQ_GET_DFS_REFERRAL_EX (MS-DFSC 2.2.3) asks the same; a NetBIOS domain gets NetBIOS DC names
    (3.3.5.3, 3.3.5.4); NETLOGON like SYSVOL; level 3 gives a version-3 entry without
    TargetSetBoundary."""
    name = "GRANITEMANIA".encode("utf-16-le")
    extended = struct.pack("<HHIH", 3, 0, len(name) + 4, len(name)) + name + b"\x00\x00"
    output = granitemania.ioctl(FSCTL_DFS_GET_REFERRALS_EX, extended)["output"]
    assert "\\GRANITEMANIA-DC\x00".encode("utf-16-le") in output and b".\x00g\x00r" not in output
    output = granitemania.ioctl(FSCTL_DFS_GET_REFERRALS, _referral(3, "\\GRANITEMANIA\\NETLOGON"))["output"]
    version, _, _, flags, ttl = struct.unpack_from("<HHHHI", output, 8)
    assert (version, flags, ttl) == (3, 0, 900)
    assert output.endswith("\\GRANITEMANIA-DC\\NETLOGON\x00".encode("utf-16-le"))


@pytest.mark.parametrize(
    ("level", "name", "status"),
    [
        (2, "", NtStatus.UNSUCCESSFUL),  # MS-DFSC 3.3.5.2: version below 3
        (3, "otherdomain", NtStatus.INVALID_PARAMETER),  # 3.3.5.3: not a domain of the forest
        (3, "\\granitemania.com\\sysvol\\policies", NtStatus.NOT_FOUND),  # 3.3.5.4: three components
        (3, "\\granitemania.com\\apps", NtStatus.NO_SUCH_FILE),  # 3.3.5.5: no such namespace
        (4, "\\GRANITEMANIA-DC\\IPC$", NtStatus.NOT_FOUND),  # no root here (10.0.17763's answer)
    ],
)
def test_dc_referral_refusals(granitemania: Ipc, level: int, name: str, status: int) -> None:
    assert granitemania.ioctl(FSCTL_DFS_GET_REFERRALS, _referral(level, name))["status"] == status


def test_a_referral_larger_than_the_buffer_overflows(granitemania: Ipc) -> None:
    """MS-DFSC 3.2.5.1: not even one entry fits: STATUS_BUFFER_OVERFLOW."""
    answer = granitemania.ioctl(FSCTL_DFS_GET_REFERRALS, _referral(3, ""), max_output=16)
    assert answer["status"] == NtStatus.BUFFER_OVERFLOW


@pytest.mark.parametrize("profile", ["win2008", "win2016", "win2022"])
def test_members_run_no_dfs_server(profile: str) -> None:
    """zeek smb_v2_only_non_zero_reserved1.pcap (10.0.17763) and suricata-verify
    tests/smb2-named-pipe-unicode (10.0.19041): STATUS_FS_DRIVER_REQUIRED."""
    assert Ipc(build_config(profile)).ioctl(FSCTL_DFS_GET_REFERRALS, _referral(3, ""))["status"] == \
        NtStatus.FS_DRIVER_REQUIRED


# ------------------------------------------------------------- TRANSCEIVE and FileIds
def _pipe(profile: str) -> tuple[Ipc, bytes]:
    ipc = Ipc(build_config(profile, overrides=["anonymous.NullSessionPipes=srvsvc",
                                               "anonymous.pipe_anonymous_refusal="]))
    answer = ipc.send(Command.CREATE, Client.create_body())
    assert answer["status"] == 0
    return ipc, bytes(answer["body"][64:80])


@pytest.mark.parametrize(("profile", "echoes"), [("win2008", True), ("win7", False), ("win2016", False)])
def test_transceive_echoes_its_input_on_2008(profile: str, echoes: bool) -> None:
    """zeek smb2.pcap / suricata-verify tests/smb2-03-rule (6.0.6001): InputCount = the request's
    (88), its bytes at 0x70, the output after them; later releases: InputCount 0 (MS-SMB2 3.3.5.15.3)."""
    ipc, file_id = _pipe(profile)
    answer = ipc.ioctl(FSCTL_PIPE_TRANSCEIVE, SRVSVC_BIND, file_id=file_id)
    assert answer["status"] == 0
    assert answer["output"][:3] == b"\x05\x00\x0c"  # the bind_ack
    if echoes:
        assert answer["input"] == (0x70, len(SRVSVC_BIND)) and answer["echoed"] == SRVSVC_BIND
    else:
        assert answer["input"] == (0x70, 0)


def _file_ids(profile: str, opens: int, close_between: bool = False) -> list[tuple[int, int]]:
    ipc, first = _pipe(profile)
    ids = [first]
    for _ in range(opens - 1):
        if close_between:
            ipc.send(Command.CLOSE, struct.pack("<HHI16s", 24, 0, 0, ids[-1]))
        ids.append(bytes(ipc.send(Command.CREATE, Client.create_body())["body"][64:80]))
    return [struct.unpack("<QQ", file_id) for file_id in ids]


def test_file_ids_as_2012_and_later_number_them() -> None:
    """suricata-verify tests/smb2-07_20171220_smb_psexec_add_user: persistent 0x0000000900000002E,
    0x2F, 0x30 ... with volatile 0x0000000900000001, 5, 9 ...: one number in both high halves, the
    persistent low half +1 per open, the volatile low half 1 + 4 x slot."""
    ids = _file_ids("win2016", 4)
    highs = {persistent >> 32 for persistent, _ in ids} | {volatile >> 32 for _, volatile in ids}
    assert len(highs) == 1 and highs != {0}
    assert [volatile & 0xFFFFFFFF for _, volatile in ids] == [1, 5, 9, 13]
    lows = [persistent & 0xFFFFFFFF for persistent, _ in ids]
    assert lows == sorted(lows) and len(set(lows)) == 4


def test_a_closed_slot_is_used_again() -> None:
    """suricata-verify tests/dcerpc/zerologon (10.0.17763): each pipe closed before the next open
    gets volatile 1 again while the persistent half counts on."""
    ids = _file_ids("win2019", 3, close_between=True)
    assert [volatile & 0xFFFFFFFF for _, volatile in ids] == [1, 1, 1]
    assert len({persistent for persistent, _ in ids}) == 3


def test_file_ids_as_2008_numbers_them() -> None:
    """zeek smb2.pcap (6.0.6001): 0x45 / 0xFFFFFFFF00000001, 0x49 / 0xFFFFFFFF00000005, ..."""
    ids = _file_ids("win2008", 3)
    assert [volatile for _, volatile in ids] == [0xFFFFFFFF00000001, 0xFFFFFFFF00000005, 0xFFFFFFFF00000009]
    persistents = [persistent for persistent, _ in ids]
    assert [b - a for a, b in zip(persistents, persistents[1:])] == [4, 4] and persistents[0] % 4 == 1
