"""`smbemu profiles new NAME --from-pcap FILE`: a profile carrying the wire identity a capture of
a real Windows server shows, so that a lab can emulate the exact build it has a trace of.

`smbemu.capture_identity` reads what the server said; this module turns it into profile
keys (only keys the schema has: the file is loaded and validated before it is kept), picks the
profile to extend (``--base``, else the built-in one closest by version) and writes the YAML with
a comment on every value naming the message it came from, then two comment blocks: what was read
but has no profile key, and which identity keys the capture did not show (inherited from the base).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smbemu.auth import spnego
from smbemu.auth.ntlm_messages import AvId, NegotiateFlags
from smbemu.capture_identity import WireFacts, read_capture
from smbemu.dialects import DIALECT_BY_LABEL, Dialect
from smbemu.errors import ConfigError
from smbemu.profiles.loading import list_profiles, load_profile, profile_path
from smbemu.profiles.model import SMB1_CAPABILITY_BITS, SMB2_CAPABILITY_BITS
from smbemu.rpc.pdu.messages import NDR20, NDR64, AlterContextResp, BindAck
from smbemu.smb2.constants import Cipher, HashAlgorithm, NegotiateContextType, SigningAlgorithm
from smbemu.smb2.negotiate import negotiated_capabilities

__all__ = ["GeneratedProfile", "closest_builtin", "profile_from_capture", "write_profile"]

#: Every key a capture can fill; the ones it does not are listed as "not in the capture".
WIRE_KEYS = (
    "identity.os_name", "identity.os_version", "identity.build", "identity.native_os", "identity.native_lanman",
    "identity.ntlm_version", "identity.ntlm.dns_names", "identity.ntlm.dns_tree", "identity.ntlm.timestamp",
    "identity.ntlm.av_flags",
    "identity.smb2.global_capabilities", "identity.smb2.send_start_time", "identity.smb2.ipc_maximal_access",
    "identity.smb2.spnego_mechs", "identity.smb2.spnego_hint",
    "smb.dialects", "smb.smb1", "smb.signing_required", "smb.max_transact_size", "smb.max_read_size", "smb.max_write_size",
    "smb1.max_mpx_count", "smb1.max_number_vcs", "smb1.max_buffer_size", "smb1.max_raw_size", "smb1.capabilities",
    "smb1.signing_enabled", "smb1.server_time_zone", "rpc.ndr64", "rpc.lsass_pipe_address",
)
#: Identity keys no message read here carries: srvsvc's NetrServerGetInfo answer is NDR that the
#: reader does not decode, and the role shows in no header.
NEVER_READ = ("role", "identity.srvsvc.platform_id", "identity.srvsvc.version_major", "identity.srvsvc.version_minor",
              "identity.srvsvc.server_type")
_MECH_NAMES = {oid: name for name, oid in spnego.MECH_OIDS.items()}
_SMB2_SIGNING_REQUIRED = 0x02  # MS-SMB2 2.2.4 SecurityMode
_SMB1_SIGNATURES_ENABLED, _SMB1_SIGNATURES_REQUIRED = 0x04, 0x08  # MS-CIFS 2.2.4.52.2 SecurityMode
_SIZE_RANGE = (65536, 8388608)  # the schema's range of smb.max_*_size
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# NativeOS "Windows Server 2019 Standard 17763", "Windows Server 2003 3790 Service Pack 2": the
# product name before the build number. "Windows 5.1" (2000 / XP) names no product.
_PRODUCT = re.compile(r"(Windows .*?)(?: \d{4,5})?(?: Service Pack \d+)?")
_VERSION_ONLY = re.compile(r"Windows \d+\.\d+")
# The profile closest to a negotiated SMB2 dialect, when no NTLM VERSION says more (MS-SMB2 <1>).
_BY_DIALECT = {Dialect.SMB_2_0_2: "win2008", Dialect.SMB_2_1: "win7", Dialect.SMB_3_0: "win2012",
               Dialect.SMB_3_0_2: "win2012r2", Dialect.SMB_3_1_1: "win2016"}


@dataclass
class GeneratedProfile:
    """The keys read (path -> (YAML value, where it was read)), the base, and the two lists."""

    name: str
    base: str
    facts: WireFacts
    keys: dict[str, tuple[Any, str]] = field(default_factory=dict)
    without_key: list[str] = field(default_factory=list)  # read, but no profile key holds it
    not_read: list[str] = field(default_factory=list)  # identity keys the capture did not show


# ------------------------------------------------------------------------------ the base


@functools.lru_cache(maxsize=1)
def _builtin_versions() -> tuple[tuple[str, int, int, int], ...]:
    """(name, major, minor, build) of every built-in member profile (the files do not change)."""
    out = []
    for name in list_profiles():
        if name.endswith("-dc"):
            continue
        profile = load_profile(name)
        major, minor = (int(part) for part in profile.identity.os_version.split("."))
        out.append((name, major, minor, profile.identity.build))
    return tuple(out)


def closest_builtin(facts: WireFacts) -> str:
    """The built-in member profile nearest to what the capture shows: the NTLM VERSION (same
    major.minor, nearest build), else the SMB1 NativeOS "Windows M.N", else the SMB2 dialect."""
    candidates = _builtin_versions()
    version: tuple[int, int, int] | None = None
    if facts.ntlm is not None and facts.ntlm.version is not None:
        version = (facts.ntlm.version.major, facts.ntlm.version.minor, facts.ntlm.version.build)
    elif facts.native_os and _VERSION_ONLY.fullmatch(facts.native_os):
        major, minor = (int(part) for part in facts.native_os.split()[1].split("."))
        version = (major, minor, 0)
    if version is not None:
        def distance(candidate: tuple[str, int, int, int]) -> tuple[int, int]:
            _, major, minor, build = candidate
            same_release = (major, minor) == version[:2]
            return (0 if same_release else 1 + abs((major * 100 + minor) - (version[0] * 100 + version[1])),
                    abs(build - version[2]) if version[2] else 0)
        return min(candidates, key=distance)[0]
    if facts.smb2_negotiate is not None:
        return _BY_DIALECT.get(facts.smb2_negotiate["dialect_revision"], "win2016")
    if facts.smb1_negotiate is not None:
        return "win2000"
    return "win2016"


# ------------------------------------------------------------------------------ the keys


def profile_from_capture(name: str, capture: str | Path, base: str | None = None) -> GeneratedProfile:
    """Read ``capture`` and say which profile keys it fills. ConfigError for a bad name or base;
    `smbemu.pcap_reader.CaptureError` for a file that is not a capture."""
    if not _NAME.fullmatch(name):
        raise ConfigError("profiles new", "NAME", f"{name!r} is not a profile name (letters, digits, '.', '_', '-')")
    facts = read_capture(capture)
    if facts.server is None:
        raise ConfigError(str(capture), "", "no SMB or DCE/RPC server answers in this capture (nothing to read)")
    base_name = base if base is not None else closest_builtin(facts)
    base_profile = load_profile(base_name)  # a bad --base is a ConfigError naming it
    generated = GeneratedProfile(name, base_name, facts)
    _ntlm_keys(generated, facts)
    _smb1_keys(generated, facts)
    _smb2_keys(generated, facts, base_profile.identity.smb2.global_capabilities, base_profile.smb.dialects)
    _rpc_notes(generated, facts)
    if facts.other_servers:
        generated.without_key.append(f"other servers in the capture, not read: {', '.join(facts.other_servers)}")
    if facts.encrypted:
        generated.without_key.append("encrypted SMB3 traffic (transform headers): its messages cannot be read")
    if facts.gaps:
        generated.without_key.append(f"{facts.gaps} TCP stream(s) with missing segments: read up to the gap")
    if facts.unreadable:
        generated.without_key.append(f"{facts.unreadable} server message(s) that did not parse were skipped")
    generated.not_read = [key for key in WIRE_KEYS if key not in generated.keys] + list(NEVER_READ)
    signing = generated.keys.get("smb.signing_required", (False, ""))[0]
    if signing and not base_profile.smb.signing_required and not base_profile.is_dc:
        generated.without_key.append(f"signing required, which {base_name} does not: every DC requires it by default "
                                     "(shared reference windows-defaults §2.2); a DC's capture may want a -dc --base")
    return generated


def _ntlm_keys(out: GeneratedProfile, facts: WireFacts) -> None:
    challenge = facts.ntlm
    if challenge is None:
        return
    where = "NTLM CHALLENGE"
    if challenge.version is not None:
        version = challenge.version
        out.keys["identity.ntlm_version"] = ([version.major, version.minor, version.build], f"{where} VERSION (MS-NLMP 2.2.2.10)")
        out.keys["identity.os_version"] = (f"{version.major}.{version.minor}", f"{where} VERSION")
        out.keys["identity.build"] = (version.build, f"{where} VERSION ProductBuild")
    else:
        out.keys["identity.ntlm_version"] = (None, f"{where} without VERSION (NTLMSSP_NEGOTIATE_VERSION clear)")
    av = facts.ntlm_av
    dns = AvId.MsvAvDnsComputerName in av or AvId.MsvAvDnsDomainName in av
    out.keys["identity.ntlm.dns_names"] = (dns, f"{where} target info: MsvAvDnsComputerName / DnsDomainName "
                                                + ("present" if dns else "absent"))
    tree = AvId.MsvAvDnsTreeName in av
    out.keys["identity.ntlm.dns_tree"] = (tree, f"{where} target info: MsvAvDnsTreeName {'present' if tree else 'absent'}")
    stamp = AvId.MsvAvTimestamp in av
    out.keys["identity.ntlm.timestamp"] = (stamp, f"{where} target info: MsvAvTimestamp {'present' if stamp else 'absent'}")
    av_flags = int.from_bytes(av[AvId.MsvAvFlags][:4], "little") if AvId.MsvAvFlags in av else 0
    out.keys["identity.ntlm.av_flags"] = (av_flags, f"{where} target info: MsvAvFlags "
                                          + (f"0x{av_flags:08X}" if AvId.MsvAvFlags in av else "absent"))
    flags = challenge.flags
    asked = f" (the client's NEGOTIATE asked 0x{facts.ntlm_client_flags:08X})" if facts.ntlm_client_flags is not None else ""
    out.without_key.append(f"NTLM NegotiateFlags 0x{flags:08X}{asked}: {_flag_names(flags)}")
    target_type = ("DOMAIN" if flags & NegotiateFlags.NTLMSSP_TARGET_TYPE_DOMAIN
                   else "SERVER" if flags & NegotiateFlags.NTLMSSP_TARGET_TYPE_SERVER else "none")
    out.without_key.append(f"NTLM TargetName {challenge.target_name!r}, TargetType {target_type}")
    for av_id, value in facts.ntlm_pairs or []:
        label = AvId(av_id).name if av_id in AvId._value2member_map_ else f"AvId {av_id}"
        if av_id in (AvId.MsvAvNbComputerName, AvId.MsvAvNbDomainName, AvId.MsvAvDnsComputerName,
                     AvId.MsvAvDnsDomainName, AvId.MsvAvDnsTreeName):
            text = value.decode("utf-16-le", "replace")
            out.without_key.append(f"NTLM {label} {text!r} (names come from the fixture / --hosts)")
        elif av_id not in (AvId.MsvAvTimestamp, AvId.MsvAvFlags):
            out.without_key.append(f"NTLM {label} ({len(value)} bytes)")


def _flag_names(flags: int) -> str:
    return " | ".join(flag.name.removeprefix("NTLMSSP_") for flag in NegotiateFlags if flag & flags and flag.name) or "none"


def _smb1_keys(out: GeneratedProfile, facts: WireFacts) -> None:
    if facts.native_os is not None:
        where = "SMB1 SESSION_SETUP_ANDX response (MS-SMB 2.2.4.6.2)"
        out.keys["identity.native_os"] = (facts.native_os, f"{where} NativeOS")
        out.keys["identity.native_lanman"] = (facts.native_lanman or "", f"{where} NativeLanMan")
        product = _PRODUCT.fullmatch(facts.native_os)
        if product and not _VERSION_ONLY.fullmatch(facts.native_os):
            out.keys["identity.os_name"] = (product.group(1), f"{where} NativeOS without the build")
    words = facts.smb1_negotiate
    if words is None:
        return
    where = "SMB1 NEGOTIATE response (MS-CIFS 2.2.4.52.2)"
    if facts.smb1_dialect == "NT LM 0.12":
        out.keys["smb.smb1"] = (True, f"{where}: NT LM 0.12 chosen")
    else:
        out.without_key.append(f"SMB1 dialect chosen: {facts.smb1_dialect or 'index ' + str(words['dialect_index'])}")
    out.keys["smb1.max_mpx_count"] = (words["max_mpx_count"], f"{where} MaxMpxCount")
    out.keys["smb1.max_number_vcs"] = (words["max_number_vcs"], f"{where} MaxNumberVcs")
    if 1024 <= words["max_buffer_size"] <= 65535:
        out.keys["smb1.max_buffer_size"] = (words["max_buffer_size"], f"{where} MaxBufferSize")
    out.keys["smb1.max_raw_size"] = (words["max_raw_size"], f"{where} MaxRawSize")
    capabilities = words["capabilities"]
    names = [name for name, bit in SMB1_CAPABILITY_BITS.items() if capabilities & bit]
    known = sum(SMB1_CAPABILITY_BITS[name] for name in names)
    value: Any = names if known == capabilities else capabilities
    out.keys["smb1.capabilities"] = (value, f"{where} Capabilities 0x{capabilities:08X}")
    mode = words["security_mode"]
    out.keys["smb1.signing_enabled"] = (bool(mode & _SMB1_SIGNATURES_ENABLED), f"{where} SecurityMode 0x{mode:02X}")
    if facts.smb2_negotiate is None:
        out.keys["smb.signing_required"] = (bool(mode & _SMB1_SIGNATURES_REQUIRED), f"{where} SecurityMode 0x{mode:02X}")
    if -1440 <= words["server_time_zone"] <= 1440:
        out.keys["smb1.server_time_zone"] = (words["server_time_zone"], f"{where} ServerTimeZone (the host's zone)")
    if facts.smb1_mechs is not None:
        mechs = ", ".join(_MECH_NAMES.get(oid, oid) for oid in facts.smb1_mechs) or "none (ServerGUID only)"
        out.without_key.append(f"SMB1 NEGOTIATE SPNEGO mechanisms: {mechs} (smbemu's SMB1 NEGOTIATE lists NTLMSSP alone)")
    if facts.smb1_ipc_access is not None:
        out.without_key.append(f"SMB1 TREE_CONNECT_ANDX IPC$ MaximalShareAccessRights 0x{facts.smb1_ipc_access:08X}"
                               " (smbemu's SMB1 answer is fixed)")


def _smb2_keys(out: GeneratedProfile, facts: WireFacts, base_capabilities: int, base_dialects: tuple[int, ...]) -> None:
    response = facts.smb2_negotiate
    if facts.ipc_maximal_access is not None:
        out.keys["identity.smb2.ipc_maximal_access"] = (f"0x{facts.ipc_maximal_access:08X}",
                                                        "SMB2 TREE_CONNECT response to IPC$ MaximalAccess (MS-SMB2 2.2.10)")
    if response is None:
        return
    where = "SMB2 NEGOTIATE response (MS-SMB2 2.2.4)"
    dialect = response["dialect_revision"]
    out.keys["smb.dialects"] = (_dialects(dialect, facts.smb2_offered, base_dialects), _dialect_note(dialect, facts.smb2_offered))
    observed = response["capabilities"]
    # What this dialect and this client's request let the answer show (MS-SMB2 3.3.5.4, as
    # smbemu.smb2.negotiate masks it); bits it hides are kept from the base profile.
    visible = int(negotiated_capabilities(sum(SMB2_CAPABILITY_BITS.values()), dialect, facts.smb2_client_capabilities or 0))
    capabilities = (observed & sum(SMB2_CAPABILITY_BITS.values())) | (base_capabilities & ~visible)
    hidden = [n for n, bit in SMB2_CAPABILITY_BITS.items() if base_capabilities & bit & ~visible]
    note = f"{where} Capabilities 0x{observed:08X}" + (f"; {', '.join(hidden)} from {out.base} (not visible here)" if hidden else "")
    out.keys["identity.smb2.global_capabilities"] = ([n for n, bit in SMB2_CAPABILITY_BITS.items() if capabilities & bit], note)
    start = response["server_start_time"]
    out.keys["identity.smb2.send_start_time"] = (start != 0, f"{where} ServerStartTime {'set' if start else '0'}")
    mode = response["security_mode"]
    out.keys["smb.signing_required"] = (bool(mode & _SMB2_SIGNING_REQUIRED), f"{where} SecurityMode 0x{mode:02X}")
    for key, field_name in (("smb.max_transact_size", "max_transact_size"), ("smb.max_read_size", "max_read_size"),
                            ("smb.max_write_size", "max_write_size")):
        size = response[field_name]
        if _SIZE_RANGE[0] <= size <= _SIZE_RANGE[1]:
            out.keys[key] = (size, f"{where} {field_name.title().replace('_', '')}")
        else:
            out.without_key.append(f"SMB2 {field_name} {size}: outside what a profile accepts ({_SIZE_RANGE[0]}-{_SIZE_RANGE[1]})")
    if facts.smb2_mechs is not None:
        names = [_MECH_NAMES.get(oid) for oid in facts.smb2_mechs]
        if all(names) and "NTLMSSP" in names:
            out.keys["identity.smb2.spnego_mechs"] = (names, f"{where} NegTokenInit2 mechTypes (MS-SPNG 2.2.1)")
        else:
            out.without_key.append(f"SMB2 NEGOTIATE mechTypes {', '.join(facts.smb2_mechs)}: not all known to smbemu")
        out.keys["identity.smb2.spnego_hint"] = (bool(facts.smb2_hint), f"{where} negHints {'present' if facts.smb2_hint else 'absent'}")
    out.without_key.append(f"SMB2 NEGOTIATE SecurityMode 0x{mode:04X}, dialect 0x{dialect:04X}"
                           + (f", client offered {', '.join(f'0x{d:04X}' for d in facts.smb2_offered)}" if facts.smb2_offered else ""))
    for context_type, data in facts.smb2_contexts:
        out.without_key.append(f"SMB2 3.1.1 negotiate context {_context_text(context_type, data)}")
    if facts.ipc_share_flags is not None:
        out.without_key.append(f"SMB2 TREE_CONNECT IPC$ ShareFlags 0x{facts.ipc_share_flags:08X}")


def _context_text(context_type: int, data: bytes) -> str:
    """One answered 3.1.1 context (MS-SMB2 2.2.4.1): its type and the algorithms chosen."""
    name = NegotiateContextType(context_type).name if context_type in NegotiateContextType._value2member_map_ \
        else f"0x{context_type:04X}"
    names: dict[int, str] = {}
    first = 2  # the algorithm list follows a 16-bit count (2.2.3.1.2, 2.2.3.1.7)
    if context_type == NegotiateContextType.PREAUTH_INTEGRITY_CAPABILITIES:
        names, first = {int(v): v.name for v in HashAlgorithm}, 4  # count, salt length (2.2.3.1.1)
    elif context_type == NegotiateContextType.ENCRYPTION_CAPABILITIES:
        names = {int(v): v.name for v in Cipher}
    elif context_type == NegotiateContextType.SIGNING_CAPABILITIES:
        names = {int(v): v.name for v in SigningAlgorithm}
    elif context_type == NegotiateContextType.COMPRESSION_CAPABILITIES:
        first = 8  # count, padding, flags (2.2.3.1.3)
    else:
        return f"{name}: {data[:16].hex()}{'...' if len(data) > 16 else ''}"
    if len(data) < first:
        return f"{name}: {data.hex()} (short)"
    count = int.from_bytes(data[:2], "little")
    values = [int.from_bytes(data[first + 2 * i : first + 2 * i + 2], "little") for i in range(count) if first + 2 * i + 2 <= len(data)]
    return f"{name}: " + ", ".join(names.get(v, f"0x{v:04X}") for v in values)


def _dialects(chosen: int, offered: tuple[int, ...] | None, base: tuple[int, ...]) -> list[str]:
    """Windows speaks every SMB2 dialect up to its newest (MS-SMB2 <1>). If the client offered a
    newer one than the server chose, the chosen one is the newest; else the newest is unknown and
    the base's newer dialects are kept."""
    known = sorted(int(d) for d in DIALECT_BY_LABEL.values())
    if chosen not in known:  # 0x02FF: only "some SMB2" is known
        return [Dialect(d).label for d in base]
    up_to = [d for d in known if d <= chosen]
    if not offered or not any(d > chosen for d in offered if d in known):
        up_to += [d for d in base if d > chosen]
    return [Dialect(d).label for d in sorted(set(up_to))]


def _dialect_note(chosen: int, offered: tuple[int, ...] | None) -> str:
    text = f"SMB2 NEGOTIATE DialectRevision 0x{chosen:04X}"
    if chosen == max(int(d) for d in DIALECT_BY_LABEL.values()):
        return text + ", the newest dialect"
    if offered and any(d > chosen for d in offered if d != 0x02FF):
        return text + " although the client offered newer: the server's newest"
    return text + " (the client offered nothing newer: newer dialects kept from the base)"


def _rpc_notes(out: GeneratedProfile, facts: WireFacts) -> None:
    """bind_acks (C706 12.6.4.4): the lsass secondary address as written, NDR64 accepted or
    refused where a bind offered it (MS-RPCE 2.2.5.3, 3.3.1.5.6), the rest for the record."""
    seen: set[str] = set()
    for ack, bind in facts.bind_acks:
        offered = []
        if bind is not None:
            for context, result in zip(bind.contexts, ack.results):
                offered += [_syntax_name(s) for s in context.transfer_syntaxes]
                if NDR64 in context.transfer_syntaxes and "rpc.ndr64" not in out.keys and _named_pipe_or_epm(ack):
                    out.keys["rpc.ndr64"] = (result.result == 0 and result.transfer_syntax == NDR64,
                                             f"DCE/RPC bind_ack to {ack.secondary_address or 'an alter_context'}: NDR64 "
                                             + ("accepted" if result.result == 0 else f"refused (result {result.result})"))
        if ack.secondary_address.lower() == "\\pipe\\lsass" and "rpc.lsass_pipe_address" not in out.keys:
            out.keys["rpc.lsass_pipe_address"] = (ack.secondary_address, "DCE/RPC bind_ack secondary address (C706 12.6.4.4)")
        accepted = [_syntax_name(r.transfer_syntax) for r in ack.results if r.result == 0]
        kind = "alter_context_resp" if isinstance(ack, AlterContextResp) else "bind_ack"
        line = (f"DCE/RPC {kind}: secondary address {ack.secondary_address or '(none)'}, accepted {', '.join(accepted) or 'none'}"
                + (f" of offered {', '.join(offered)}" if offered else "") + f", max frag {ack.max_xmit_frag}/{ack.max_recv_frag}")
        if line not in seen:
            seen.add(line)
            out.without_key.append(line)


def _named_pipe_or_epm(ack: BindAck) -> bool:
    """A bind to a named pipe or to the endpoint mapper: what smbemu's ``rpc.ndr64`` governs. The
    answer of another endpoint (a DCOM object on a dynamic port, as in the 1903 capture, which
    refuses NDR64) is that interface's own choice and says nothing about the pipes."""
    address = ack.secondary_address.lower()
    return address.startswith("\\pipe\\") or address == "135"


def _syntax_name(syntax: Any) -> str:
    if syntax == NDR20:
        return "NDR20"
    if syntax == NDR64:
        return "NDR64"
    if str(syntax.uuid).startswith("6cb71c2c-9812-4540"):
        return "bind-time-features"
    return str(syntax)


# ------------------------------------------------------------------------------ the file


def _yaml(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(item) for item in value) + "]"
    if isinstance(value, str) and re.fullmatch(r"0x[0-9A-F]+", value):
        return value  # an integer written in hex
    return json.dumps(value)  # a JSON string is a YAML double-quoted scalar


def render(generated: GeneratedProfile, capture_name: str) -> str:
    facts = generated.facts
    server = f"{facts.server[0]}:{facts.server[1]}" if facts.server else "?"
    lines = [
        f"# {generated.name} -- generated by `smbemu profiles new {generated.name} --from-pcap {capture_name}`",
        f"# from the server {server} in {capture_name}. Each value's comment names the message it was read from;",
        "# every key not written here is inherited from the profile named in `extends`.",
        f"extends: {generated.base}",
        f"description: {json.dumps(f'{generated.name}: wire identity read from {capture_name} (server {server})')}",
    ]
    sections: dict[str, list[tuple[str, Any, str]]] = {}
    for path, (value, source) in generated.keys.items():
        section, _, leaf = path.rpartition(".")
        sections.setdefault(section, []).append((leaf, value, source))
    for top in ("identity", "smb", "smb1", "rpc"):
        entries = sections.get(top, [])
        subsections = [(sub, sections[f"{top}.{sub}"]) for sub in ("ntlm", "smb2") if f"{top}.{sub}" in sections]
        if not entries and not subsections:
            continue
        lines += ["", f"{top}:"]
        for sub, sub_entries in subsections:
            lines.append(f"  {sub}:")
            lines += [f"    {leaf}: {_yaml(value)}  # {source}" for leaf, value, source in sub_entries]
        lines += [f"  {leaf}: {_yaml(value)}  # {source}" for leaf, value, source in entries]
    lines += ["", "# Read from the capture, but no profile key holds it (for the record):"]
    lines += [f"#   - {item}" for item in generated.without_key] or ["#   (nothing)"]
    lines += ["", f"# Not in the capture, inherited from {generated.base} (the capture did not show them):"]
    lines += [f"#   - {key}" for key in generated.not_read] or ["#   (nothing: every wire-identity key was read)"]
    lines += ["#   - and every policy key (anonymous.*, rpc.share_enum_admin_levels, the smb.* security options):"
              " never on the wire", ""]
    return "\n".join(lines)


def write_profile(name: str, capture: str | Path, output: str | Path | None = None, base: str | None = None,
                  force: bool = False) -> tuple[Path, GeneratedProfile]:
    """Generate, write to ``output`` (default ``NAME.yaml``) and load the file back: a profile
    that would not load is not left behind."""
    if base is not None:
        profile_path(base)  # a bad --base fails before the capture is read
    generated = profile_from_capture(name, capture, base)
    path = Path(output) if output is not None else Path(f"{name}.yaml")
    if path.stem == generated.base:
        raise ConfigError(str(path), "extends", f"a profile file named like its base {generated.base!r} would extend itself; "
                          "choose another NAME or --output")
    if path.exists() and not force:
        raise ConfigError(str(path), "", "exists already (give --force to overwrite, or another --output)")
    base_path = profile_path(generated.base)
    if "/" in generated.base or generated.base.endswith((".yaml", ".yml")):
        generated.base = str(base_path.resolve())  # `extends` resolves a path from the new file's folder
    text = render(generated, Path(capture).name)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), "", f"cannot write: {exc.strerror or exc}") from None
    try:
        load_profile(path)
    except ConfigError:
        path.unlink(missing_ok=True)
        raise
    return path, generated
