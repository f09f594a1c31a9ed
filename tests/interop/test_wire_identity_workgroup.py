"""Issue 13: a workgroup (standalone) machine's NTLM CHALLENGE and SMB1 domain fields, compared
with the two public captures of workgroup Windows servers in tests/captures:

- winxp-smb1-raw-ntlm.pcap (zeek testing/btest/Traces/smb/raw_ntlm_in_smb.pcap; NTLM 5.1.2600):
  TargetName and MsvAvNbDomainName = the computer name, NTLMSSP_TARGET_TYPE_SERVER; MsvAvDnsDomainName
  = MsvAvDnsComputerName = the lower-case host name; MsvAvFlags 0x00000001; no tree name, no
  timestamp.
- win2019-smb1.pcap (suricata-verify tests/output-eve-smb-01/input.pcap; NTLM 10.0.17763): the same
  names (DnsDomainName = DnsComputerName), TargetType SERVER, no tree name, MsvAvTimestamp.

Each profile is served with ``--set role=standalone`` and answers the capture's own client
NEGOTIATE flags; the pairs are compared in order, by kind (the names are the fixture's)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from smbemu import builder
from smbemu.auth.ntlm_messages import AvId, ChallengeMessage, NegotiateFlags, NegotiateMessage, parse_av_pairs
from smbemu.capture_identity import read_capture
from smbemu.logon import new_acceptor

from helpers import ServerThread, run_tool
from netns import ADDRESS, NetnsServer

CAPTURES = Path(__file__).resolve().parents[1] / "captures"
F = NegotiateFlags


def _challenge(profile: str, client_flags: int, role: str = "standalone") -> ChallengeMessage:
    config = builder.build_config(profile, overrides=[f"role={role}"])
    raw = new_acceptor(config).accept_negotiate(NegotiateMessage(client_flags).pack())
    return ChallengeMessage.parse(raw)


def _shape(pairs: list[tuple[int, bytes]]) -> list[int]:
    return [av_id for av_id, _value in pairs]


@pytest.mark.parametrize(("profile", "capture"), [
    ("winxp", "winxp-smb1-raw-ntlm.pcap"),
    ("win2019", "win2019-smb1.pcap"),
])
def test_a_workgroup_challenge_has_the_pairs_of_the_captured_windows(profile: str, capture: str) -> None:
    facts = read_capture(CAPTURES / capture)
    assert facts.ntlm is not None and facts.ntlm_pairs is not None and facts.ntlm_client_flags is not None
    captured = dict(facts.ntlm_pairs)
    # The capture's own Windows: a workgroup machine (no domain in its names).
    assert facts.ntlm.flags & F.NTLMSSP_TARGET_TYPE_SERVER and not facts.ntlm.flags & F.NTLMSSP_TARGET_TYPE_DOMAIN
    assert captured[AvId.MsvAvDnsDomainName] == captured[AvId.MsvAvDnsComputerName]

    ours = _challenge(profile, facts.ntlm_client_flags)
    assert ours.target_info is not None
    pairs = parse_av_pairs(ours.target_info)
    assert _shape(pairs) == _shape(facts.ntlm_pairs)  # same pairs, same order (EOL included)
    values = dict(pairs)
    type_bits = F.NTLMSSP_TARGET_TYPE_SERVER | F.NTLMSSP_TARGET_TYPE_DOMAIN
    assert ours.flags & type_bits == facts.ntlm.flags & type_bits == F.NTLMSSP_TARGET_TYPE_SERVER
    assert ours.target_name.encode("utf-16-le") == values[AvId.MsvAvNbComputerName] == values[AvId.MsvAvNbDomainName]
    assert values[AvId.MsvAvDnsDomainName] == values[AvId.MsvAvDnsComputerName] == "legacysrv".encode("utf-16-le")
    assert AvId.MsvAvDnsTreeName not in values
    if AvId.MsvAvFlags in captured:
        assert values[AvId.MsvAvFlags] == captured[AvId.MsvAvFlags] == (1).to_bytes(4, "little")
    # The flags Windows answered these very client flags with.
    assert ours.flags == facts.ntlm.flags, (hex(ours.flags), hex(facts.ntlm.flags))


@pytest.mark.parametrize("profile", ["winxp", "win2019"])
def test_a_joined_machine_keeps_its_domain_in_the_challenge(profile: str) -> None:
    """The same profiles as members: the domain's names, TARGET_TYPE_DOMAIN, the tree name."""
    flags = int(F.NTLMSSP_NEGOTIATE_UNICODE | F.NTLMSSP_REQUEST_TARGET | F.NTLMSSP_NEGOTIATE_NTLM)
    ours = _challenge(profile, flags, role="member")
    values = dict(parse_av_pairs(ours.target_info or b""))
    assert ours.flags & F.NTLMSSP_TARGET_TYPE_DOMAIN and ours.target_name == "CORP"
    assert values[AvId.MsvAvDnsDomainName] == "corp.local".encode("utf-16-le")
    assert values[AvId.MsvAvDnsTreeName] == "corp.local".encode("utf-16-le")
    # XP's MsvAvFlags whatever the role (winxp.yaml: not found in a source for a member).
    assert (AvId.MsvAvFlags in values) == (profile == "winxp")


@pytest.mark.interop
def test_dump_ntlm_info_and_nmap_see_a_workgroup_xp_as_on_windows() -> None:
    """impacket's DumpNTLMInfo prints the computer name as the domain; nmap's smb-os-discovery
    reads the workgroup from the SMB1 fields (MS-CIFS 2.2.4.52.2 DomainName / 2.2.4.53.2
    PrimaryDomain), as against HackTheBox "Legacy": "Computer name: legacy", "Workgroup: HTB"."""
    with ServerThread("winxp", overrides=["role=standalone"], smb2=False) as server:
        dump = run_tool([sys.executable, str(Path(sys.executable).parent / "DumpNTLMInfo.py"),
                         "-port", str(server.port), "127.0.0.1"])
    output = dump.stdout + dump.stderr
    for line in ("Name            : LEGACYSRV", "Domain          : LEGACYSRV", "DNS Domain Name : legacysrv",
                 "DNS Host Name   : legacysrv", "OS              : Windows NT 5.1 Build 2600"):
        assert f"[+] {line}" in output, output
    assert "DNS Tree Name" not in output, output
    with NetnsServer("winxp", "--set", "role=standalone") as netns:
        scan = netns.run(["nmap", "-n", "-Pn", "-p445", "--script", "smb-os-discovery", ADDRESS], timeout=120)
    assert "Computer name: legacysrv" in scan.stdout and "Workgroup: WORKGROUP" in scan.stdout, scan.stdout
