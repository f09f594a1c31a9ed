"""Issue 13, SMB1: the NEGOTIATE response's SPNEGO token and the TREE_CONNECT_ANDX extended
response's IPC$ rights, against the public captures of a workgroup 2019 with SMB1 switched on
(suricata-verify tests/output-eve-smb-01/input.pcap = tests/captures/win2019-smb1.pcap) and a
workgroup XP (zeek raw_ntlm_in_smb.pcap = tests/captures/winxp-smb1-raw-ntlm.pcap).

smbclient (Samba's, SMB1 only: NT1) connects to IPC$ with extended security and asks for the
extended TREE_CONNECT_ANDX response; tshark reads both answers from smbemu's capture and from
Windows', and the fields must be the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import HOST, ServerThread, pcap_server_port_as_445, run_tool

pytestmark = pytest.mark.interop

CAPTURES = Path(__file__).resolve().parents[1] / "captures"
NT1 = ["--option=client max protocol=NT1", "--option=client min protocol=NT1", "--option=client ipc signing=auto"]
FIELDS = {
    "negotiate": ("smb.cmd == 0x72 && smb.flags.response == 1", ["spnego.MechType", "spnego.hintName"]),
    "tree connect": ("smb.cmd == 0x75 && smb.flags.response == 1", ["smb.access_mask", "smb.service"]),
}


def _fields(pcap: str | Path, what: str) -> str:
    display_filter, fields = FIELDS[what]
    argv = ["tshark", "-r", str(pcap), "-Y", display_filter, "-T", "fields"]
    for field in fields:
        argv += ["-e", field]
    result = run_tool(argv, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines, f"no {what} response in {pcap}"
    return lines[0]


@pytest.mark.parametrize(("profile", "overrides", "capture", "compare"), [
    ("win2019", ["smb.smb1=true", "role=standalone"], "win2019-smb1.pcap", ("negotiate", "tree connect")),
    ("winxp", ["role=standalone"], "winxp-smb1-raw-ntlm.pcap", ("tree connect",)),
])
def test_smb1_answers_as_the_captured_windows(tmp_path: Path, profile: str, overrides: list[str], capture: str,
                                              compare: tuple[str, ...]) -> None:
    pcap = tmp_path / "smb1.pcap"
    with ServerThread(profile, overrides=overrides, smb2=False, pcap=str(pcap)) as server:
        result = run_tool(["smbclient", f"//{HOST}/IPC$", "-p", str(server.port), *NT1,
                           "-U", "alice%Wonderland1", "-c", "exit"])
        assert result.returncode == 0, result.stdout + result.stderr
        port = server.port
    pcap_server_port_as_445(str(pcap), port)
    for what in compare:
        assert _fields(pcap, what) == _fields(CAPTURES / capture, what), what


def test_a_joined_2016_offers_kerberos_and_the_hint_over_smb1_too(tmp_path: Path) -> None:
    """The token SMB2 sends (suricata-verify tests/smb3-01/input.pcap, 10.0.14393, domain-joined):
    one security package answers both dialects."""
    pcap = tmp_path / "smb1.pcap"
    with ServerThread("win2016", smb2=False, pcap=str(pcap)) as server:
        result = run_tool(["smbclient", f"//{HOST}/IPC$", "-p", str(server.port), *NT1,
                           "-U", "alice%Wonderland1", "-c", "exit"])
        assert result.returncode == 0, result.stdout + result.stderr
        port = server.port
    pcap_server_port_as_445(str(pcap), port)
    mechs, hint = _fields(pcap, "negotiate").split("\t")
    assert mechs == ",".join(["1.3.6.1.4.1.311.2.2.30", "1.2.840.48018.1.2.2", "1.2.840.113554.1.2.2",
                              "1.2.840.113554.1.2.2.3", "1.3.6.1.4.1.311.2.2.10"])
    assert hint == "not_defined_in_RFC4178@please_ignore"


@pytest.mark.parametrize("profile", ["win2000", "win2000-dc"])
def test_a_joined_2000_offers_ms_kerberos_and_its_principal(tmp_path: Path, profile: str) -> None:
    """Windows 2000's SMB1 NEGOTIATE token (zeek testing/btest/Traces/krb/smb_gssapi.pcap =
    tests/captures/win2000-smb1-kerberos.pcap): MS-KRB5 and NTLMSSP, negHints hintName the machine's
    principal "<host>$@<REALM>" ("edisk03a$@HOUSING.HKSARG" there). The mechanisms are the
    capture's; the principal is this machine's (fixtures/corp.yaml: legacysrv.corp.local). The
    token is the capture's byte for byte once the principal is swapped, and smbclient logs on."""
    pcap = tmp_path / "smb1.pcap"
    with ServerThread(profile, smb2=False, pcap=str(pcap)) as server:
        result = run_tool(["smbclient", f"//{HOST}/IPC$", "-p", str(server.port), *NT1,
                           "-U", "alice%Wonderland1", "-c", "exit"])
        assert result.returncode == 0, result.stdout + result.stderr
        port = server.port
    pcap_server_port_as_445(str(pcap), port)
    mechs, hint = _fields(pcap, "negotiate").split("\t")
    captured_mechs, captured_hint = _fields(CAPTURES / "win2000-smb1-kerberos.pcap", "negotiate").split("\t")
    assert mechs == captured_mechs == "1.2.840.48018.1.2.2,1.3.6.1.4.1.311.2.2.10"
    assert captured_hint == "edisk03a$@HOUSING.HKSARG" and hint == "legacysrv$@CORP.LOCAL"
    blob_filter = "smb.cmd == 0x72 && smb.flags.response == 1"
    ours = run_tool(["tshark", "-r", str(pcap), "-Y", blob_filter, "-T", "fields", "-e", "smb.security_blob"]).stdout.split()[0]
    theirs = run_tool(["tshark", "-r", str(CAPTURES / "win2000-smb1-kerberos.pcap"), "-Y", blob_filter,
                       "-T", "fields", "-e", "smb.security_blob"]).stdout.split()[0]
    principal = bytes.fromhex(theirs[-48:])
    assert principal == b"edisk03a$@HOUSING.HKSARG"
    # The DER lengths differ by the principal's length only (24 there, 21 here): rebuild theirs with ours.
    from smbemu.auth.spnego import negotiate_hint
    assert bytes.fromhex(theirs) == negotiate_hint(("MS_KRB5", "NTLMSSP"), True, principal)
    assert bytes.fromhex(ours) == negotiate_hint(("MS_KRB5", "NTLMSSP"), True, b"legacysrv$@CORP.LOCAL")
    decoded = run_tool(["tshark", "-r", str(pcap), "-Y", blob_filter, "-V"]).stdout
    assert "Malformed" not in decoded and "Expert Info (Error" not in decoded
