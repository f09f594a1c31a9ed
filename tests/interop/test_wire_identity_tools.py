"""Issue 13's must-show: what nmap ``smb-protocols`` / ``smb2-capabilities`` / ``smb2-time``,
impacket ``DumpNTLMInfo.py``, NetExec's banner line and enum4linux-ng's OS line print against
every profile -- the lines the README's fingerprint table states (tests/fingerprints.py,
tests/interop/fingerprints.yaml). Each profile gets a network namespace of its own (the tools want
445/139/135), every tool is run, and any line that differs from the table fails the test: the
README says what the tools print, not what they printed once.

The profile values behind those lines (NTLM VERSION, NativeOS, dialects, capabilities,
ServerStartTime) are cited to Windows captures in policies/*.yaml; where a public output of the
same tool against that Windows was found, the YAML's ``windows`` section names it and
`test_the_lines_match_what_windows_shows` compares."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import fingerprints

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = fingerprints.load()


@pytest.mark.interop
@pytest.mark.parametrize("profile", list(DOCUMENT["measured"]))
def test_the_tools_print_what_the_readme_says(profile: str) -> None:
    tool = fingerprints.ENUM4LINUX_NG
    assert Path(tool).exists(), f"{tool} is missing: scripts/test.sh installs it (tests/tools/README.md)"
    printed = fingerprints.measure(profile)
    expected = DOCUMENT["measured"][profile]
    differences = {tool: (expected[tool], printed[tool]) for tool in expected
                   if tool not in fingerprints.HAND_MEASURED and printed[tool] != expected[tool]}
    assert not differences, f"{profile}: (README, printed now): {differences}"


def test_every_profile_is_measured() -> None:
    from smbemu.profiles import list_profiles

    assert sorted(DOCUMENT["measured"]) == sorted([*list_profiles(), *fingerprints.VARIANTS])
    assert all(set(lines) == {key for key, _ in fingerprints.TOOLS} for lines in DOCUMENT["measured"].values())


def test_the_lines_match_what_windows_shows() -> None:
    """Where a public output of a tool against that Windows is recorded, smbemu prints the same
    (`fingerprints.comparable`: the machine's own names aside), or the YAML says why not
    (``differs:``) -- and says so only when the lines do differ."""
    wrong = []
    for profile, tools in DOCUMENT.get("windows", {}).items():
        for tool, known in tools.items():
            assert known.get("source"), f"{profile} {tool}: a Windows line needs its source"
            same = fingerprints.comparable(tool, known["line"]) == \
                fingerprints.comparable(tool, DOCUMENT["measured"][profile][tool])
            if same == bool(known.get("differs")):
                wrong.append((profile, tool, known["line"], DOCUMENT["measured"][profile][tool], known.get("differs")))
    assert not wrong, wrong


def test_readme_fingerprint_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert fingerprints.readme_block(readme) == fingerprints.render(), \
        "README.md's fingerprint table is stale: run python tests/fingerprints.py --write README.md"


def test_fingerprint_table_command_check_and_write(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n\n{fingerprints.BEGIN}\nold\n{fingerprints.END}\n\nafter\n", encoding="utf-8")
    command = [sys.executable, str(ROOT / "tests" / "fingerprints.py")]
    stale = subprocess.run([*command, "--check", str(readme)], capture_output=True, text=True)
    assert stale.returncode == 1 and "stale" in stale.stderr
    assert subprocess.run([*command, "--write", str(readme)]).returncode == 0
    assert subprocess.run([*command, "--check", str(readme)]).returncode == 0
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("intro\n") and text.endswith("\nafter\n") and "| `win2016` |" in text


def test_the_parsers_read_the_tools_outputs() -> None:
    """The lines are read from the tools' own formats (recorded outputs of nmap 7.93 -oX,
    DumpNTLMInfo, NetExec and enum4linux-ng), so a change of format fails here first."""
    xml = ('<nmaprun><host><hostscript><script id="smb-protocols" output="x"><table key="dialects">'
           '<elem>NT LM 0.12 (SMBv1) [dangerous, but default]</elem><elem>202</elem></table></script>'
           '<script id="smb2-time" output="x"><elem key="date">2026-12-07T16:17:40</elem>'
           '<elem key="start_date">N/A</elem></script>'
           '<script id="smb2-capabilities" output="&#xa;  SMB 2+ not supported"/></hostscript></host></nmaprun>')
    assert fingerprints.nmap_lines(xml) == {
        "smb-protocols": "NT LM 0.12 (SMBv1) [dangerous, but default], 202",
        "smb2-time": "date: <time>, start_date: N/A",
        "smb2-capabilities": "SMB 2+ not supported",
    }
    assert fingerprints.dump_ntlm_info_line("[+] Name            : X\n[+] OS              : Windows NT 6.0 Build 6002\n") \
        == "Windows NT 6.0 Build 6002"
    assert fingerprints.dump_ntlm_info_line("[+] Name : X\n") == "(no OS line)"
    assert fingerprints.netexec_line(
        "SMB         127.0.0.1  445  HOST  \x1b[1m[*] Windows 5.1 x32 (name:HOST) (domain:corp)\x1b[0m\n") \
        == "Windows 5.1 x32 (name:HOST) (domain:corp)"
    assert fingerprints.enum4linux_ng_line("", {"os_info": {"os": "Windows XP"}}) == "os = Windows XP"
    assert fingerprints.enum4linux_ng_line(
        "|    OS Information via RPC on h    |\n\x1b[91m[-] Could not get OS info via 'srvinfo': X\x1b[0m\n", {}) \
        == "Could not get OS info via 'srvinfo': X"
