"""A DC's DFS referrals (MS-DFSC), one module for both transports (MS-DFSC 2.1): SMB1's
TRANS2_GET_DFS_REFERRAL (MS-CIFS 2.2.6.16, smbemu.smb1.trans2) and SMB2's
FSCTL_DFS_GET_REFERRALS(_EX) (MS-SMB2 3.3.5.15.2, smbemu.smb2.ioctl) ask the same question and get
the same bytes; the layouts of MS-DFSC 2.2.2-2.2.5 are declared here, once.

A DC answers domain, DC and SYSVOL / NETLOGON referrals (MS-DFSC 3.3: "A DFS server on a DC MUST
respond to domain, DC, sysvol, root, and link-referral requests"); smbemu hosts no namespace, so
root and link referrals fail. The answers follow MS-DFSC 3.3.5 and two 2008 R2 SP1 DCs in
suricata-verify (tests/smb2-09-trunc-file-logging/input.pcap, tests/smb-filename/input.pcap):

- domain referral (empty path): two version-3 NameListReferral entries, NetBIOS then DNS domain
  name (the captures show both orders), TTL 600, PathConsumed 0, header flags 0;
- DC referral ("granitemania.com", the leading backslash optional): one version-3 entry, the
  domain as "\\granitemania.com" and one expanded name, "\\GRANITEMANIA-DC.granitemania.com"
  (NetBIOS DC names for a NetBIOS domain, 3.3.5.3);
- SYSVOL referral ("\\granitemania.com\\sysvol"): PathConsumed = the path's bytes, header flags
  StorageServers (and ReferralServers when MaxReferralLevel is 1, 3.3.5.4), one entry in the
  lower of the client's level and the server's highest version (version 4 with TargetSetBoundary,
  34 bytes; 3 with no flags; 2 and 1 in the layouts of 2.2.5.2 / 2.2.5.1), TTL 900, DFSPath =
  DFSAlternatePath = the request's path, NetworkAddress "\\<dc>\\sysvol" in the request's case.

What differs between releases is profile data (``identity.dfs``, policies/_base.yaml cites
MS-DFSC Appendix A for each): the highest version (2000: 3), the 16 padding bytes after name-list
entries (2000 / 2003 in every name list, 2008 and later in DC referrals: the captures' 34-byte DC
entry and 18-byte domain entries), domain / DC referrals below version 3 (2000 / 2003 answer them,
2008 and later STATUS_UNSUCCESSFUL) and the status for a missing domain-based namespace.

Off a DC, 2000 Server and 2003 run a DFS server hosting nothing (MS-DFSC 3.2.5: STATUS_INVALID_PARAMETER,
STATUS_NOT_FOUND or, per release, STATUS_NO_SUCH_DEVICE: `_member_refusal`); later releases, XP and
NT 4.0 have none running: STATUS_FS_DRIVER_REQUIRED (MS-SMB2 3.3.5.15.2 "If IsDfsCapable is set to
FALSE"), as 10.0.17763 and 10.0.19041 answer in zeek
testing/btest/Traces/smb/smb_v2_only_non_zero_reserved1.pcap and suricata-verify
tests/smb2-named-pipe-unicode/input.pcap. No capture of a 2000 / 2003 member's answer was found.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import construct as cs  # type: ignore[import-untyped]

from smbemu.errors import SmbStatusError
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.config import ServerConfig

this = cs.this

# ----------------------------------------------------------------------------- the layouts
# MS-DFSC 2.2.2 REQ_GET_DFS_REFERRAL (SMB1: the Trans2_Parameters, MS-CIFS 2.2.6.16.1; SMB2: the
# FSCTL input) and 2.2.3 REQ_GET_DFS_REFERRAL_EX.
DfsReferralRequest = cs.Struct(
    "max_referral_level" / cs.Int16ul,
    "request_file_name" / cs.GreedyBytes,
)
DfsReferralRequestEx = cs.Struct(
    "max_referral_level" / cs.Int16ul,
    "request_flags" / cs.Int16ul,
    "request_data_length" / cs.Int32ul,
    "request_file_name_length" / cs.Int16ul,
    "request_file_name" / cs.Bytes(this.request_file_name_length),
    "site_name" / cs.GreedyBytes,
)
# 2.2.4 RESP_GET_DFS_REFERRAL header.
DfsReferralResponseHeader = cs.Struct(
    "path_consumed" / cs.Int16ul,
    "number_of_referrals" / cs.Int16ul,
    "referral_header_flags" / cs.Int32ul,
)
# 2.2.5.1 DFS_REFERRAL_V1: the fixed part; ShareName (NUL-terminated UTF-16) follows in the entry.
DfsReferralV1 = cs.Struct(
    "version_number" / cs.Int16ul,
    "size" / cs.Int16ul,
    "server_type" / cs.Int16ul,
    "referral_entry_flags" / cs.Int16ul,
)
# 2.2.5.2 DFS_REFERRAL_V2: offsets from the entry's start to DFSPath, DFSAlternatePath, NetworkAddress.
DfsReferralV2 = cs.Struct(
    "version_number" / cs.Int16ul,
    "size" / cs.Int16ul,
    "server_type" / cs.Int16ul,
    "referral_entry_flags" / cs.Int16ul,
    "proximity" / cs.Int32ul,
    "time_to_live" / cs.Int32ul,
    "dfs_path_offset" / cs.Int16ul,
    "dfs_alternate_path_offset" / cs.Int16ul,
    "network_address_offset" / cs.Int16ul,
)
# 2.2.5.3.2 a version-3 NameListReferral entry (domain / DC referral), padding not included.
DfsNameListReferral = cs.Struct(
    "version_number" / cs.Int16ul,
    "size" / cs.Int16ul,
    "server_type" / cs.Int16ul,
    "referral_entry_flags" / cs.Int16ul,
    "time_to_live" / cs.Int32ul,
    "special_name_offset" / cs.Int16ul,
    "number_of_expanded_names" / cs.Int16ul,
    "expanded_name_offset" / cs.Int16ul,
)
# 2.2.5.3.1 / 2.2.5.4 a version-3/4 target entry with its ServiceSiteGuid (always zero).
DfsTargetReferral = cs.Struct(
    "version_number" / cs.Int16ul,
    "size" / cs.Int16ul,
    "server_type" / cs.Int16ul,
    "referral_entry_flags" / cs.Int16ul,
    "time_to_live" / cs.Int32ul,
    "dfs_path_offset" / cs.Int16ul,
    "dfs_alternate_path_offset" / cs.Int16ul,
    "network_address_offset" / cs.Int16ul,
    "service_site_guid" / cs.Bytes(16),
)

# 2.2.5.1-2.2.5.4 ReferralEntryFlags / 2.2.4 ReferralHeaderFlags.
NAME_LIST_REFERRAL = 0x0002
TARGET_SET_BOUNDARY = 0x0004
REFERRAL_SERVERS = 0x00000001
STORAGE_SERVERS = 0x00000002

_NAME_LIST_SIZE = DfsNameListReferral.sizeof()  # 18
_TARGET_SIZE = DfsTargetReferral.sizeof()  # 34
_NAME_LIST_PADDING = bytes(16)  # 2.2.5.3.2 "zero or 16 padding bytes"
_SYSVOL_SHARES = ("sysvol", "netlogon")
_MEMBER_STATUS = {"NOT_FOUND": NtStatus.NOT_FOUND, "NO_SUCH_DEVICE": NtStatus.NO_SUCH_DEVICE}
_MISSING_NAMESPACE = {
    "NO_SUCH_FILE": NtStatus.NO_SUCH_FILE,
    "UNSUCCESSFUL": NtStatus.UNSUCCESSFUL,
    "NO_SUCH_DEVICE": NtStatus.NO_SUCH_DEVICE,
}


def _wide(text: str) -> bytes:
    return text.encode("utf-16-le") + b"\x00\x00"


def parse_request(data: bytes, extended: bool = False) -> tuple[int, str]:
    """MaxReferralLevel and RequestFileName of REQ_GET_DFS_REFERRAL (MS-DFSC 2.2.2) or
    REQ_GET_DFS_REFERRAL_EX (2.2.3). A buffer too short for its fields is STATUS_INVALID_PARAMETER,
    the status both transports give a malformed request (MS-SMB2 3.3.5.15; MS-CIFS 3.3.5.58)."""
    try:
        request = (DfsReferralRequestEx if extended else DfsReferralRequest).parse(bytes(data))
    except cs.ConstructError as error:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, f"malformed DFS referral request: {error}") from None
    raw = request.request_file_name
    # RequestFileName is "a null-terminated Unicode string" (2.2.2), whatever the SMB1 header's
    # FLAGS2_UNICODE says; an odd trailing byte is not part of a character.
    name = raw[: len(raw) & ~1].decode("utf-16-le", "replace").split("\x00", 1)[0]
    return request.max_referral_level, name


def referral(config: ServerConfig, level: int, path: str) -> bytes:
    """The RESP_GET_DFS_REFERRAL (MS-DFSC 2.2.4) this profile's DC gives for `path`, or SmbStatusError."""
    directory = config.directory
    domain = directory.domain
    dfs = config.profile.identity.dfs
    if not config.profile.is_dc or domain is None:
        _member_refusal(config, path)
    if level < 1:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, f"MaxReferralLevel {level}")  # 2.2.2: 1 to 4
    version = min(level, dfs.max_referral_version)  # 3.2.5.1, 3.3.5.4
    parts = [part for part in path.split("\\") if part]
    netbios, dns = domain.name, domain.dns_name or domain.name
    names = {netbios.lower(): "netbios", dns.lower(): "dns"}
    if not parts:
        # MS-DFSC 3.3.5.2: both forms of the domain's name, PathConsumed 0, flags 0.
        entries: list[tuple[str, list[str]]] = [("\\" + netbios, []), ("\\" + dns, [])]
        if version < 3:
            return _names_below_v3(config, path, entries, version)
        return _name_list(entries, dfs.domain_ttl, padded=dfs.name_list_padding == "all")
    kind = names.get(parts[0].lower())
    if len(parts) == 1:
        # MS-DFSC 3.3.5.3: a DC referral for a domain not in the forest is STATUS_INVALID_PARAMETER.
        if kind is None:
            raise SmbStatusError(NtStatus.INVALID_PARAMETER, f"DC referral for unknown domain {parts[0]!r}")
        entries = [("\\" + parts[0], ["\\" + _dc_name(config, kind)])]
        if version < 3:
            return _names_below_v3(config, path, entries, version)
        return _name_list(entries, dfs.domain_ttl, padded=True)  # both "dc" and "all" pad (<3>)
    if kind is None:
        # A root referral to a namespace on this server (its own name, an address): smbemu hosts
        # none (MS-DFSC 3.2.5.5), as 10.0.17763 answers for \\ws01.cylera.lab\C$ in suricata-verify
        # tests/smb-version-keyword/input.pcap; 3.3.5.4 gives the same status to a SYSVOL path
        # naming another domain.
        raise SmbStatusError(NtStatus.NOT_FOUND, f"no DFS namespace {path!r}")
    if parts[1].lower() not in _SYSVOL_SHARES:
        # MS-DFSC 3.3.5.5: a domain-based namespace that does not exist (the status per release, <46>).
        raise SmbStatusError(_MISSING_NAMESPACE[dfs.missing_namespace_status],
                             f"no domain-based namespace {parts[1]!r}")
    if len(parts) > 2:
        raise SmbStatusError(NtStatus.NOT_FOUND, "SYSVOL referral with more than two components")  # 3.3.5.4
    node = f"\\{_dc_name(config, kind)}\\{parts[1]}"
    # MS-DFSC 3.3.5.4: ReferralServers too when the client asked at level 1.
    flags = STORAGE_SERVERS | (REFERRAL_SERVERS if level == 1 else 0)
    consumed = len(path.encode("utf-16-le"))
    if version == 1:
        return _header(consumed, 1, flags) + _entry_v1(node)
    if version == 2:
        return _header(consumed, 1, flags) + _entry_v2(path, node, dfs.sysvol_ttl)
    return _header(consumed, 1, flags) + _target(path, node, version, dfs.sysvol_ttl)


def _member_refusal(config: ServerConfig, path: str) -> NoReturn:
    """Off a DC (MS-DFSC 3.2.5): no namespace is hosted here, so every referral fails; how depends
    on whether the release runs a DFS server by default (profile ``identity.dfs``)."""
    dfs = config.profile.identity.dfs
    if not dfs.member_dfs_server:
        raise SmbStatusError(NtStatus.FS_DRIVER_REQUIRED, "no DFS server on a non-DC")
    parts = [part for part in path.split("\\") if part]
    if len(parts) < 2:
        # 3.2.5.2 / 3.2.5.3: domain and DC referrals are a DC's.
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, f"domain / DC referral {path!r} off a DC")
    domain = config.directory.domain
    domain_names = {name.lower() for name in (domain.name, domain.dns_name) if name} if domain else set()
    if parts[0].lower() in domain_names:
        if parts[1].lower() in _SYSVOL_SHARES:
            raise SmbStatusError(_MEMBER_STATUS[dfs.member_sysvol_status], "SYSVOL referral off a DC")  # 3.2.5.4
        # 3.2.5.5, <22>: a domain-based namespace not hosted here: STATUS_NOT_FOUND (NT 4.0 to 2008 R2).
        raise SmbStatusError(NtStatus.NOT_FOUND, f"no domain-based namespace {path!r} here")
    raise SmbStatusError(_MEMBER_STATUS[dfs.member_root_status], f"no stand-alone namespace {path!r}")  # 3.2.5.5


def _dc_name(config: ServerConfig, kind: str) -> str:
    """This DC's name in the form of the domain name asked (MS-DFSC 3.3.5.3: NetBIOS for NetBIOS,
    FQDN for FQDN). The FQDN is its dNSHostName, whose host part the captures show as the computer
    name was typed ("GRANITEMANIA-DC.granitemania.com"); the fixture keeps DNS names lower-case, so
    a host part equal to the NetBIOS name is written as the NetBIOS name is."""
    machine = config.directory.machine
    netbios = machine.netbios_name.upper()
    if kind == "netbios" or not machine.dns_name:
        return netbios
    host, _, suffix = machine.dns_name.partition(".")
    if host.lower() == netbios.lower():
        host = netbios
    return f"{host}.{suffix}" if suffix else host


def _names_below_v3(config: ServerConfig, path: str, entries: list[tuple[str, list[str]]], version: int) -> bytes:
    """A domain / DC referral asked at level 1 or 2. 2008 and later refuse it (MS-DFSC 3.3.5.2 /
    3.3.5.3: STATUS_UNSUCCESSFUL); NT 4.0 SP2, 2000 and 2003 "return the referral formatted in the
    requested version" (<34>, <37>). Version-1/2 entries have no name-list form, so each name goes
    where those versions put a target (ShareName / NetworkAddress: the domain for a domain
    referral, the DC for a DC referral); no capture of such an answer was found (U)."""
    dfs = config.profile.identity.dfs
    if not dfs.name_lists_below_v3:
        raise SmbStatusError(NtStatus.UNSUCCESSFUL, f"MaxReferralLevel {version} is below 3")
    targets = [expanded[0] if expanded else special for special, expanded in entries]
    header = _header(0, len(targets), 0)
    if version == 1:
        return header + b"".join(_entry_v1(target) for target in targets)
    return header + _entries_v2(path, targets, dfs.domain_ttl)


def _header(consumed: int, count: int, flags: int) -> bytes:
    return bytes(DfsReferralResponseHeader.build(
        {"path_consumed": consumed, "number_of_referrals": count, "referral_header_flags": flags}))


def _name_list(entries: list[tuple[str, list[str]]], ttl: int, padded: bool) -> bytes:
    """Version-3 NameListReferral entries (MS-DFSC 2.2.5.3.2), PathConsumed 0 and no header flags
    (3.3.5.2, 3.3.5.3); strings after all the entries, offsets counted from each entry's start."""
    entry_size = _NAME_LIST_SIZE + (len(_NAME_LIST_PADDING) if padded else 0)
    strings = bytearray()
    fixed = bytearray()
    strings_start = entry_size * len(entries)
    for index, (special, expanded) in enumerate(entries):
        entry_start = index * entry_size
        special_offset = strings_start + len(strings) - entry_start
        strings += _wide(special)
        expanded_offset = strings_start + len(strings) - entry_start if expanded else 0
        for name in expanded:
            strings += _wide(name)
        fixed += DfsNameListReferral.build({
            "version_number": 3, "size": entry_size, "server_type": 0,
            "referral_entry_flags": NAME_LIST_REFERRAL, "time_to_live": ttl,
            "special_name_offset": special_offset, "number_of_expanded_names": len(expanded),
            "expanded_name_offset": expanded_offset})
        if padded:
            fixed += _NAME_LIST_PADDING
    return _header(0, len(entries), 0) + bytes(fixed) + bytes(strings)


def _entry_v1(target: str) -> bytes:
    """One DFS_REFERRAL_V1 entry (MS-DFSC 2.2.5.1): the fixed part, then ShareName = the target
    (inside the entry: Size counts it)."""
    share = _wide(target)
    fields = {"version_number": 1, "size": DfsReferralV1.sizeof() + len(share), "server_type": 0,
              "referral_entry_flags": 0}
    return bytes(DfsReferralV1.build(fields)) + share


def _entry_v2(path: str, target: str, ttl: int) -> bytes:
    return _entries_v2(path, [target], ttl)


def _entries_v2(path: str, targets: list[str], ttl: int) -> bytes:
    """DFS_REFERRAL_V2 entries (MS-DFSC 2.2.5.2; ReferralEntryFlags and Proximity MUST be 0), the
    strings after all the entries: DFSPath = DFSAlternatePath = the path asked (separate copies,
    <45>), NetworkAddress = the entry's target."""
    fixed = DfsReferralV2.sizeof()  # 22
    dfs_path = _wide(path)
    strings = bytearray()
    entries = bytearray()
    strings_start = fixed * len(targets)
    for index, target in enumerate(targets):
        base = strings_start + len(strings) - index * fixed
        entries += DfsReferralV2.build({
            "version_number": 2, "size": fixed, "server_type": 0, "referral_entry_flags": 0,
            "proximity": 0, "time_to_live": ttl, "dfs_path_offset": base,
            "dfs_alternate_path_offset": base + len(dfs_path),
            "network_address_offset": base + 2 * len(dfs_path)})
        strings += dfs_path + dfs_path + _wide(target)
    return bytes(entries) + bytes(strings)


def _target(path: str, node: str, version: int, ttl: int) -> bytes:
    """One version-3/4 target entry (MS-DFSC 2.2.5.3.1 / 2.2.5.4) for a SYSVOL / NETLOGON path:
    TargetSetBoundary on the first (only) entry of a version-4 answer (3.3.5.4)."""
    dfs_path = _wide(path)
    entry: bytes = DfsTargetReferral.build({
        "version_number": version, "size": _TARGET_SIZE, "server_type": 0,
        "referral_entry_flags": TARGET_SET_BOUNDARY if version == 4 else 0, "time_to_live": ttl,
        "dfs_path_offset": _TARGET_SIZE, "dfs_alternate_path_offset": _TARGET_SIZE + len(dfs_path),
        "network_address_offset": _TARGET_SIZE + 2 * len(dfs_path), "service_site_guid": bytes(16)})
    return entry + dfs_path + dfs_path + _wide(node)
