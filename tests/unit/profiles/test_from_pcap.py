"""`smbemu profiles new NAME --from-pcap FILE` on public captures of real Windows servers
(tests/captures/README.md names each file's origin): the generated profile loads, extends the
built-in profile closest to the capture's version and carries that capture's values; tshark,
reading the same files, agrees with what smbemu's reader saw (issue 13)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from smbemu.capture_identity import read_capture
from smbemu.cli import main
from smbemu.profile_from_pcap import write_profile
from smbemu.profiles import load_profile

CAPTURES = Path(__file__).resolve().parents[2] / "captures"

#: Per capture: the base chosen and profile values the capture shows (read with tshark too).
EXPECTED: dict[str, tuple[str, dict[str, Any]]] = {
    # Windows Server 2019 with SMB1 on (suricata-verify tests/output-eve-smb-01/input.pcap).
    "win2019-smb1.pcap": ("win2019", {
        "identity.ntlm_version": (10, 0, 17763), "identity.build": 17763, "identity.os_version": "10.0",
        "identity.native_os": "Windows Server 2019 Standard 17763",
        "identity.native_lanman": "Windows Server 2019 Standard 6.3", "identity.os_name": "Windows Server 2019 Standard",
        "identity.ntlm.timestamp": True, "identity.ntlm.dns_tree": False, "smb.smb1": True,
        "smb1.capabilities": 0x8001E3FC, "smb1.max_mpx_count": 50, "smb1.max_buffer_size": 16644,
        "smb1.server_time_zone": -120, "smb1.signing_enabled": False, "smb.signing_required": False,
    }),
    # Windows XP, raw NTLMSSP in SMB1 (zeek testing/btest/Traces/smb/raw_ntlm_in_smb.pcap).
    "winxp-smb1-raw-ntlm.pcap": ("winxp", {
        "identity.ntlm_version": (5, 1, 2600), "identity.os_version": "5.1", "identity.native_os": "Windows 5.1",
        "identity.native_lanman": "Windows 2000 LAN Manager", "identity.ntlm.timestamp": False,
        "identity.ntlm.dns_names": True, "smb1.max_mpx_count": 10, "smb1.max_buffer_size": 4356,
        "smb1.capabilities": 0x8000E3FD, "smb1.server_time_zone": 420,
        "rpc.lsass_pipe_address": "\\PIPE\\lsass",  # the lsarpc bind_ack's secondary address, as XP wrote it
    }),
    # A 10.0.14393 domain controller on SMB 3.1.1 (suricata-verify tests/dcerpc/dcerpc-smb-ctxid).
    "win10-1607-smb311-dcerpc.pcap": ("win2016", {
        "identity.ntlm_version": (10, 0, 14393), "identity.smb2.ipc_maximal_access": 0x011F01FF,
        "identity.smb2.send_start_time": True, "identity.smb2.spnego_hint": True,
        "identity.smb2.spnego_mechs": ("NEGOEX", "MS_KRB5", "KRB5", "KRB5_U2U", "NTLMSSP"),
        "identity.ntlm.dns_tree": True, "smb.signing_required": True, "smb.max_read_size": 8388608,
        "rpc.ndr64": True,  # the atsvc bind offered NDR20 and NDR64 in two contexts: NDR64 accepted
    }),
    # Windows Server 2022 on SMB 3.0 (suricata-verify tests/dcerpc/dcerpc-bind-no-frag-flag).
    "win2022-epm-smb30.pcap": ("win2022", {
        "identity.ntlm_version": (10, 0, 20348), "identity.smb2.send_start_time": False,
        # 0x47 on 3.0 to a client that asked ENCRYPTION only: DFS, LEASING, LARGE_MTU, ENCRYPTION; the
        # MULTI_CHANNEL and DIRECTORY_LEASING it could not show (the client did not ask) come from win2022.
        "identity.smb2.global_capabilities": 0x47 | 0x08 | 0x20, "smb.max_transact_size": 8388608,
    }),
    # Windows 10 2004 on SMB 3.1.1 (suricata-verify tests/smb2-named-pipe-unicode/input.pcap).
    "win10-2004-smb311-ipc.pcap": ("win2019", {
        "identity.ntlm_version": (10, 0, 19041), "identity.smb2.ipc_maximal_access": 0x011F01FF,
        "identity.smb2.send_start_time": False, "smb.signing_required": False,
    }),
    # NTLM in a DCE/RPC bind_ack over TCP, pcapng (zeek testing/btest/Traces/dce-rpc/dce_rpc_ntlm.pcapng).
    "win10-1903-dcerpc-ntlm.pcapng": ("win2019", {"identity.ntlm_version": (10, 0, 18362), "identity.build": 18362}),
    # Windows 2000, SMB1 with extended security, a Kerberos logon (zeek testing/btest/Traces/krb/smb_gssapi.pcap).
    "win2000-smb1-kerberos.pcap": ("win2000", {
        "identity.native_os": "Windows 5.0", "smb1.max_buffer_size": 33028, "smb1.capabilities": 0x8000D3FD,
        "smb1.signing_enabled": True, "smb1.server_time_zone": -480,
    }),
}


def _generate(tmp_path: Path, capture: str, **kwargs: Any) -> tuple[Path, Any]:
    return write_profile("lab", CAPTURES / capture, tmp_path / "lab.yaml", **kwargs)


@pytest.mark.parametrize("capture", list(EXPECTED))
def test_the_generated_profile_carries_the_captures_values(tmp_path: Path, capture: str) -> None:
    base, values = EXPECTED[capture]
    path, generated = _generate(tmp_path, capture)
    assert generated.base == base
    profile = load_profile(path)
    assert profile.chain[-2:] == (f"policies/{base}.yaml", str(path))
    for key, value in values.items():
        assert profile.get(key) == value, key
        assert profile.sources[key] == str(path), key  # read from the capture, not inherited


def test_two_windows_versions_give_two_different_identities(tmp_path: Path) -> None:
    """Issue 13: at least two public captures of different Windows versions."""
    xp = load_profile(write_profile("xp", CAPTURES / "winxp-smb1-raw-ntlm.pcap", tmp_path / "xp.yaml")[0])
    server2019 = load_profile(write_profile("s2019", CAPTURES / "win2019-smb1.pcap", tmp_path / "s2019.yaml")[0])
    differing = [key for key in ("identity.ntlm_version", "identity.native_os", "smb1.capabilities", "smb1.max_buffer_size")
                 if xp.get(key) != server2019.get(key)]
    assert len(differing) == 4


def test_the_file_lists_what_the_capture_did_not_show(tmp_path: Path) -> None:
    path, generated = _generate(tmp_path, "win2019-smb1.pcap")
    text = path.read_text()
    not_shown = text.split("# Not in the capture, inherited from win2019")[1]
    # An SMB1-only conversation shows nothing of SMB2.
    for key in ("identity.smb2.global_capabilities", "identity.smb2.send_start_time", "smb.dialects", "smb.max_read_size"):
        assert f"#   - {key}\n" in not_shown
        assert key in generated.not_read
    read_only = text.split("no profile key holds it")[1].split("# Not in the capture")[0]
    assert "NTLM MsvAvNbComputerName 'WIN-MV8B5VI0FAL'" in read_only
    assert "SMB1 TREE_CONNECT_ANDX IPC$ MaximalShareAccessRights 0x001FFFFF" in read_only
    # and every value written says where it was read
    for line in text.splitlines():
        if line.startswith("  ") and ":" in line and not line.rstrip().endswith(":"):
            assert "  # " in line, line


def test_a_bind_ack_is_recorded(tmp_path: Path) -> None:
    _, generated = _generate(tmp_path, "win10-1607-smb311-dcerpc.pcap")
    assert any(r"secondary address \PIPE\atsvc, accepted NDR64 of offered NDR20, NDR64" in line
               for line in generated.without_key)
    _, generated = _generate(tmp_path, "winxp-smb1-raw-ntlm.pcap", force=True)
    assert any(r"\PIPE\lsass, accepted NDR20" in line for line in generated.without_key)


def test_a_dcom_bind_says_nothing_about_the_pipes_ndr64(tmp_path: Path) -> None:
    """The 1903 capture's DCOM object (a dynamic port) refuses NDR64: recorded, not written."""
    path, generated = _generate(tmp_path, "win10-1903-dcerpc-ntlm.pcapng")
    assert "rpc.ndr64" in generated.not_read
    assert any("accepted NDR20 of offered NDR20, NDR64" in line for line in generated.without_key)
    assert load_profile(path).sources["rpc.ndr64"] != str(path)


def test_base_given_and_capabilities_hidden_by_the_dialect_kept_from_it(tmp_path: Path) -> None:
    """A 3.1.1 answer never shows ENCRYPTION (MS-SMB2 3.3.5.4): the base's bit is kept."""
    path, generated = _generate(tmp_path, "win10-2004-smb311-ipc.pcap", base="win2016")
    assert generated.base == "win2016"
    capabilities = load_profile(path).identity.smb2.global_capabilities
    assert capabilities == 0x2F | (load_profile("win2016").identity.smb2.global_capabilities & 0x40)


def _tshark(capture: str, display_filter: str, *fields: str) -> list[str]:
    args = ["tshark", "-r", str(CAPTURES / capture), "-Y", display_filter, "-T", "fields"]
    for name in fields:
        args += ["-e", name]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=True)
    return [line for line in result.stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("capture", list(EXPECTED))
def test_tshark_reads_the_same_values(capture: str) -> None:
    """Wireshark's dissectors, not ours, read each capture: the NTLM VERSION of the server's
    CHALLENGE, the SMB2 NEGOTIATE dialect and capabilities, the SMB1 NativeOS."""
    facts = read_capture(CAPTURES / capture)
    challenges = _tshark(capture, "ntlmssp.messagetype == 2", "ntlmssp.version.major", "ntlmssp.version.minor",
                         "ntlmssp.version.build_number")
    if facts.ntlm is not None:
        version = facts.ntlm.version
        assert f"{version.major}\t{version.minor}\t{version.build}" == challenges[0]
    else:
        assert challenges == []
    negotiates = _tshark(capture, "smb2.cmd == 0 && smb2.flags.response == 1 && smb2.dialect != 0x02ff",
                         "smb2.dialect", "smb2.capabilities")
    if facts.smb2_negotiate is not None:
        dialect, capabilities = negotiates[-1].split("\t")
        assert int(dialect, 16) == facts.smb2_negotiate["dialect_revision"]
        assert int(capabilities, 16) == facts.smb2_negotiate["capabilities"]
    else:
        assert negotiates == []
    if facts.native_os is not None:
        server_os = _tshark(capture, f"smb.native_os && ip.src == {facts.server[0]}", "smb.native_os")
        assert facts.native_os in server_os


@pytest.mark.parametrize(("content", "problem"), [
    (b"", "too short for a pcap or pcapng header"),
    (b"GET / HTTP/1.1\r\n\r\n", "not a pcap or pcapng file"),
    ((CAPTURES / "win2019-smb1.pcap").read_bytes()[:20], "truncated pcap file header"),
    ((CAPTURES / "win2019-smb1.pcap").read_bytes()[:700], "truncated packet"),
    ((CAPTURES / "win10-1903-dcerpc-ntlm.pcapng").read_bytes()[:300], "truncated or malformed pcapng block"),
])
def test_bad_input_is_one_line_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               content: bytes, problem: str) -> None:
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(content)
    assert main(["profiles", "new", "lab", "--from-pcap", str(bad), "--output", str(tmp_path / "lab.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err and problem in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "lab.yaml").exists()


def test_missing_file_no_server_bad_base_and_existing_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = str(tmp_path / "lab.yaml")
    assert main(["profiles", "new", "lab", "--from-pcap", str(tmp_path / "absent.pcap"), "-o", output]) == 2
    assert "absent.pcap: cannot read" in capsys.readouterr().err
    empty = tmp_path / "empty.pcap"  # a valid pcap with no packet
    empty.write_bytes(bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000"))
    assert main(["profiles", "new", "lab", "--from-pcap", str(empty), "-o", output]) == 2
    assert "no SMB or DCE/RPC server answers" in capsys.readouterr().err
    capture = str(CAPTURES / "win2019-smb1.pcap")
    assert main(["profiles", "new", "lab", "--from-pcap", capture, "--base", "win3000", "-o", output]) == 2
    assert "no profile named 'win3000'" in capsys.readouterr().err
    assert main(["profiles", "new", "lab", "--from-pcap", capture, "-o", output]) == 0
    assert "identity values read, extends win2019" in capsys.readouterr().out
    assert main(["profiles", "new", "lab", "--from-pcap", capture, "-o", output]) == 2
    assert "exists already" in capsys.readouterr().err
    assert main(["profiles", "new", "lab", "--from-pcap", capture, "-o", output, "--force"]) == 0
    assert main(["profiles", "new", "../x", "--from-pcap", capture, "-o", output, "--force"]) == 2
    assert "is not a profile name" in capsys.readouterr().err
