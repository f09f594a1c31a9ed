"""Issue 13: what fingerprinting tools read of each profile's wire identity -- nmap's
smb2-capabilities and smb2-time (in a network namespace: they want port 445) and impacket's
DumpNTLMInfo.py (OS line from the NTLM VERSION, boot time from ServerStartTime).

Expected values come from public Windows captures (suricata-verify, named per profile in
policies/*.yaml under identity.smb2) and nmap's own documented outputs."""

from __future__ import annotations

import os
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from helpers import HOST, ServerThread, pcap_server_port_as_445, run_tool
from netns import ADDRESS, NetnsServer

pytestmark = pytest.mark.interop

#: nmap sends no client capabilities, so 3.x answers carry what Windows sets unasked; its
#: smb2-capabilities @output sample shows 2.0.2 "Distributed File System" and 2.1 with Leasing and
#: Multi-credit operations. start_date: the boot time on 2008-2016, N/A (0) from 2019 on.
THREE_BITS = "Distributed File System\n    Leasing\n    Multi-credit operations"
NMAP_EXPECTED = {
    "win2008": ("202: \n    Distributed File System", True),
    "win7": (f"210: \n    {THREE_BITS}", True),
    "win2016": (f"311: \n    {THREE_BITS}", True),
    "win2019": (f"311: \n    {THREE_BITS}", False),
}


def _nmap_scripts(profile: str, names: str) -> dict[str, str]:
    """nmap inside the server's namespace (tests/netns.py); the scripts' outputs by id."""
    with NetnsServer(profile) as server, tempfile.TemporaryDirectory(prefix="smbemu-nmap-") as directory:
        xml_path = os.path.join(directory, "scan.xml")
        result = server.run(["nmap", "-n", "-Pn", "-p", "445", "--script", names, "-oX", xml_path, ADDRESS],
                            timeout=240)
        assert result.returncode == 0, result.stderr
        root = ET.parse(xml_path).getroot()
    return {element.get("id", ""): element.get("output", "") for element in root.iter("script")}


@pytest.mark.parametrize("profile", list(NMAP_EXPECTED))
def test_nmap_smb2_capabilities_and_time(profile: str) -> None:
    capabilities, start_date = NMAP_EXPECTED[profile]
    output = _nmap_scripts(profile, "smb2-time,smb2-capabilities")
    assert capabilities in output.get("smb2-capabilities", ""), output
    assert "All capabilities are disabled" not in output["smb2-capabilities"]
    time_output = output.get("smb2-time", "")
    assert ("start_date: N/A" not in time_output) == start_date and "start_date: " in time_output, output


DUMP_NTLM_INFO = str(Path(sys.executable).parent / "DumpNTLMInfo.py")


@pytest.mark.parametrize(("profile", "os_line", "boot_time"), [
    ("win2008", "Windows NT 6.0 Build 6002", True),
    ("win2016", "Windows NT 10.0 Build 14393", True),
    ("win2019", "Windows NT 10.0 Build 17763", False),
])
def test_dump_ntlm_info_prints_the_os_and_boot_time(profile: str, os_line: str, boot_time: bool) -> None:
    """impacket's DumpNTLMInfo asks for no VERSION; Windows XP SP2 and later send it anyway."""
    with ServerThread(profile) as server:
        result = run_tool([sys.executable, DUMP_NTLM_INFO, "-port", str(server.port), HOST])
    output = result.stdout + result.stderr
    assert f"OS              : {os_line}" in output, output
    assert ("Boot Time" in output) == boot_time, output


def test_tshark_decodes_the_negotiate_token_with_its_hint_cleanly(tmp_path: Path) -> None:
    """The win2016 NegTokenInit (NEGOEX, Kerberos x3, NTLMSSP + negHints, byte for byte Windows'),
    then smbclient's logon: no malformed packet, and tshark reads the hint."""
    capture = str(tmp_path / "negotiate.pcap")
    with ServerThread("win2016", pcap=capture) as server:
        result = run_tool(["smbclient", f"//{HOST}/IPC$", "-p", str(server.port), "-U", "alice%Wonderland1",
                           "-c", "exit"])
        assert result.returncode == 0, result.stdout + result.stderr
        port = server.port
    pcap_server_port_as_445(capture, port)
    malformed = run_tool(["tshark", "-r", capture, "-Y", "_ws.malformed || _ws.expert.severity >= warning"])
    assert malformed.stdout.strip() == "", malformed.stdout
    hints = run_tool(["tshark", "-r", capture, "-Y", "smb2.cmd == 0 && smb2.flags.response == 1",
                      "-T", "fields", "-e", "spnego.hintName", "-e", "spnego.MechType"])
    assert "not_defined_in_RFC4178@please_ignore" in hints.stdout, hints.stdout
    assert "1.3.6.1.4.1.311.2.2.30" in hints.stdout and "1.3.6.1.4.1.311.2.2.10" in hints.stdout
